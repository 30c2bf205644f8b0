/* SPDX-License-Identifier: MIT */
/*
 * A GICv3 ITS model with one redistributor, for host tests, written from the GICv3/v4
 * architecture specification (Arm IHI 0069H: 5.2 the ITS tables and translation, 5.3 the
 * commands, 12.19 the ITS registers, 12.11 the redistributor's LPI registers) independently of
 * arch/arm64/gic_its.c: it shares no definitions with the driver. It implements GITS_CTLR,
 * GITS_TYPER, GITS_BASER<n> (a device table and a collection table, flat, Page_Size writable
 * or fixed), GITS_CBASER/CWRITER/CREADR with the queue in memory, GITS_TRANSLATER, and on the
 * redistributor GICR_CTLR.EnableLPIs, GICR_TYPER, GICR_PROPBASER and GICR_PENDBASER. Device
 * table entries, collection table entries and ITT entries are written to the memory software
 * gave the ITS, in a layout of the model's own (the architecture leaves it IMPLEMENTATION
 * DEFINED), and read back from there at translation time, so a table in the wrong place or
 * too small shows. LPI configuration is cached and only re-read on INV / INVALL (5.1.2), so a
 * missing invalidation shows too. A command error either stalls the queue
 * (GITS_CREADR.Stalled, the failing command not consumed) or drops the command, as
 * configured (both are permitted, 5.3.1). A translated LPI is delivered to a callback.
 */
#ifndef MODELS_ITS_MODEL_H
#define MODELS_ITS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define ITSM_MAX_RAM 4
#define ITSM_CMD_LOG 256
#define ITSM_MAX_LPIS 1024 /* cached LPI configuration: INTIDs 8192..9215 */

struct its_model_cfg {
	unsigned devbits;  /* GITS_TYPER.Devbits + 1 */
	unsigned idbits;   /* GITS_TYPER.IDbits + 1 (EventID bits) */
	unsigned ite_size; /* GITS_TYPER.ITT_entry_size + 1 (bytes, >= 8) */
	bool pta;	   /* GITS_TYPER.PTA: RDbase is a physical address */
	unsigned psize_ro; /* 0: Page_Size writable; 1/2/3: fixed 4K/16K/64K */
	bool stall_errors; /* a command error stalls the queue (else the command is dropped) */
	uint16_t procnum;  /* GICR_TYPER.Processor_Number of the one redistributor */
	bool no_plpis;	   /* GICR_TYPER.PLPIS clear */
};

struct its_model_cmd {
	uint64_t dw[4];
};

struct its_model {
	uint64_t base, rd_base;
	struct its_model_cfg cfg;
	/* ITS registers */
	uint32_t ctlr;
	uint64_t baser[8], cbaser, cwriter, creadr;
	/* redistributor */
	uint32_t gicr_ctlr;
	uint64_t propbaser, pendbaser;
	/* test knobs */
	bool stuck;	     /* commands are never consumed (a timeout) */
	unsigned fail_op;    /* this opcode is a command error ... */
	unsigned fail_count; /* ... this many times */
	/* state and observation */
	struct {
		uint64_t base, size;
	} ram[ITSM_MAX_RAM];
	unsigned nram;
	uint8_t lpi_cfg[ITSM_MAX_LPIS]; /* the configuration as last read (INV, INVALL) */
	struct its_model_cmd log[ITSM_CMD_LOG];
	unsigned nlog, ncmds, errors, syncs;
	unsigned dropped; /* translations that found no mapping or a disabled LPI */
	void (*deliver)(void *ctx, unsigned intid);
	void *deliver_ctx;
	unsigned delivered;
};

struct its_model_cfg its_model_default_cfg(void); /* QEMU's virt: 16/16 bits, 12-byte ITEs */
/* A model at `base` (128 KiB) with its redistributor at `rd_base` (RD_base frame, 64 KiB). */
struct its_model *its_model_create(uint64_t base, uint64_t rd_base,
				   const struct its_model_cfg *cfg);
void its_model_destroy(struct its_model *m);
void its_model_add_ram(struct its_model *m, uint64_t base, uint64_t size);
/*
 * A write of `event` to GITS_TRANSLATER by requester `devid` (the DeviceID the bus carries):
 * 0 if an LPI was delivered, -1 if the translation failed (counted in `dropped`).
 */
int its_model_msi(struct its_model *m, uint32_t devid, uint32_t event);
/* The LPI (devid, event) translates to, read from the tables in memory; 0 if none. */
unsigned its_model_lookup(struct its_model *m, uint32_t devid, uint32_t event);

#endif
