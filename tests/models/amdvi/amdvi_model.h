/* SPDX-License-Identifier: MIT */
/*
 * A register-level AMD-Vi model for host tests, written from the AMD I/O Virtualization
 * Technology (IOMMU) Specification (48882, rev. 3.x) independently of iommu/amdvi: it shares
 * no definitions with the driver. It implements the MMIO registers (device table, command
 * buffer and event log bases, control, exclusion range, EFR, head/tail pointers, status with
 * CmdBufRun/EventLogRun and the write-1-to-clear bits), 256-bit device table entries with a
 * DTE cache (so a missing INVALIDATE_DEVTAB_ENTRY shows), v1 host translation through the
 * reference walker (tests/models/pt/ref_walk.h), guest translation (GCR3 table, one or two
 * levels, then a 4- or 5-level x86 table) nested over v1, an IOTLB tagged by DomainID and
 * PASID (so a missing INVALIDATE_IOMMU_PAGES shows), the command buffer (COMPLETION_WAIT
 * with store and interrupt, INVALIDATE_DEVTAB_ENTRY, INVALIDATE_IOMMU_PAGES with the S-bit
 * range encoding, INVALIDATE_IOTLB_PAGES, INVALIDATE_INTERRUPT_TABLE, INVALIDATE_IOMMU_ALL,
 * ILLEGAL_COMMAND stopping the buffer), the event log (IO_PAGE_FAULT, ILLEGAL_DEV_TABLE_ENTRY,
 * ILLEGAL_COMMAND_ERROR records, wrap, overflow stopping the log) and interrupt remapping
 * through legacy 32-bit IRTEs. Tables live in host memory ("physical" = host address); the
 * model touches only memory inside the RAM windows a test registers.
 */
#ifndef MODELS_AMDVI_MODEL_H
#define MODELS_AMDVI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AMDVIM_MAX_RAM 8
#define AMDVIM_TLB_SIZE 64
#define AMDVIM_DTE_CACHE 16
#define AMDVIM_LOG 256
#define AMDVIM_REG_SIZE 0x4000 /* QEMU 10.0's amd-iommu MMIO window */

struct amdvi_model_cfg {
	uint64_t efr;
	/* Completion-wait and event-log interrupts (MSI) are reported here. */
	void (*msi)(void *ctx, unsigned cause);
	void *msi_ctx;
};
#define AMDVIM_MSI_COMWAIT 1
#define AMDVIM_MSI_EVENT 2

/* A command the buffer executed (128 bits as two qwords). */
struct amdvim_cmd {
	uint64_t w[2];
};

struct amdvim_tlb {
	bool valid, gn;
	uint16_t devid, domid;
	uint32_t pasid;
	uint64_t page, out_page;
	bool writable;
};

struct amdvim_dte {
	bool valid;
	uint16_t devid;
	uint64_t q[4];
};

struct amdvi_model {
	uint64_t base;
	struct amdvi_model_cfg cfg;
	/* registers (48882 "MMIO Registers") */
	uint64_t devtab, cmdbase, evtbase, control, excl_base, excl_limit;
	uint64_t cmd_head, cmd_tail, evt_head, evt_tail, status;
	/* test knobs */
	bool stuck_run;	  /* CmdBufRun/EventLogRun never follow CONTROL */
	bool cmd_stalled; /* commands are not processed (completion-wait timeout) */
	/* called before each command executes (tests look at table memory then) */
	void (*on_cmd)(struct amdvi_model *m, uint64_t *w, void *arg); /* may alter w (tests) */
	void *on_cmd_arg;
	/* observation */
	unsigned illegal_cmds, events, overflows, msis, dte_invals;
	struct {
		uint64_t base, size;
	} ram[AMDVIM_MAX_RAM];
	unsigned nram;
	struct amdvim_tlb tlb[AMDVIM_TLB_SIZE];
	unsigned tlb_next;
	struct amdvim_dte dcache[AMDVIM_DTE_CACHE];
	unsigned dcache_next;
	struct amdvim_cmd log[AMDVIM_LOG];
	unsigned nlog;
};

struct amdvi_model *amdvi_model_create(uint64_t base, const struct amdvi_model_cfg *cfg);
void amdvi_model_destroy(struct amdvi_model *m);
/* Memory the unit may read and write (tables, buffers, store words, DMA targets). */
void amdvi_model_add_ram(struct amdvi_model *m, uint64_t base, uint64_t size);
/* EFR of QEMU 10.0's amd-iommu (qemu-10.0-platform.md section 2): 0x29d3, v1 only used. */
struct amdvi_model_cfg amdvi_model_qemu(void);
/* A unit with guest translation: GTSup, 4-level host (HATS 0), 5-level guest (GATS 1), GLX 1. */
struct amdvi_model_cfg amdvi_model_full(void);

/* Event codes (48882 "Event Log" record types). */
#define AMDVIM_EV_ILLEGAL_DTE 0x1
#define AMDVIM_EV_IO_PAGE_FAULT 0x2
#define AMDVIM_EV_ILLEGAL_CMD 0x5

/* Results of a request (0: done). */
enum amdvim_res {
	AMDVIM_OK = 0,
	AMDVIM_BLOCKED,	    /* DTE says no (Mode 0 without permission, IR/IW clear) */
	AMDVIM_PAGE_FAULT,  /* not present or permission: IO_PAGE_FAULT */
	AMDVIM_ILLEGAL_DTE, /* reserved bits / bad mode: ILLEGAL_DEV_TABLE_ENTRY */
	AMDVIM_PASSTHROUGH, /* V = 0 or TV = 0: untranslated (the caller sees out = in) */
	AMDVIM_IR_ABORT,    /* interrupt blocked (IntCtl abort, bad index, RemapEn clear) */
};

#define AMDVIM_NO_PASID 0xffffffffu

/* One device access: AMDVIM_OK (or PASSTHROUGH) and the output address, else the failure. */
int amdvi_model_translate(struct amdvi_model *m, uint16_t devid, uint32_t pasid, uint64_t iova,
			  bool write, uint64_t *out);
/* A DMA of `len` bytes, page by page, copying between `buf` and translated RAM. */
int amdvi_model_dma(struct amdvi_model *m, uint16_t devid, uint32_t pasid, uint64_t iova, void *buf,
		    size_t len, bool write);

struct amdvim_irq {
	uint8_t vector;
	uint8_t dest;
};
/* A device's MSI (address 0xfeexxxxx, data): AMDVIM_OK and what it delivers, else failure. */
int amdvi_model_msi(struct amdvi_model *m, uint16_t devid, uint64_t addr, uint32_t data,
		    struct amdvim_irq *out);

/* Counts executed commands with `opcode`; `last` gets the newest if non-NULL. */
unsigned amdvi_model_count(const struct amdvi_model *m, unsigned opcode, struct amdvim_cmd *last);
/* Appends an event record (as hardware would); false if the log is off or overflowed. */
bool amdvi_model_event(struct amdvi_model *m, const uint64_t rec[2]);

#endif
