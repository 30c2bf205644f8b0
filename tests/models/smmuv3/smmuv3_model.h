/* SPDX-License-Identifier: MIT */
/*
 * A register-level Arm SMMUv3 model for host tests, written from the SMMUv3 architecture
 * specification (IHI 0070) independently of iommu/smmuv3: it shares no definitions with the
 * driver. It implements the programming interface (CR0/CR0ACK, GBPA, GERROR, stream table in
 * linear and 2-level form, command and event queues with wrap), STE and CD decoding with the
 * ILLEGAL checks that matter to a hypervisor, wired interrupts (event queue, GERROR) with
 * IRQ_CTRL/IRQ_CTRLACK, VMSAv8-64 4 KiB-granule stage-1, stage-2 and
 * nested walks, a configuration cache and a TLB (so that missing invalidations show), and
 * event generation. Tables and queues live in host memory ("physical" = host address); the
 * model only touches memory inside the RAM windows a test registers, anything else is an
 * external abort as on hardware.
 */
#ifndef MODELS_SMMUV3_MODEL_H
#define MODELS_SMMUV3_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMMUM_MAX_RAM 8
#define SMMUM_TLB_SIZE 64
#define SMMUM_CFG_CACHE 16
#define SMMUM_CMD_LOG 512

struct smmu_model_cfg {
	bool s1, s2;	    /* IDR0.S1P / S2P */
	bool two_level;	    /* IDR0.ST_LEVEL = 2-level supported */
	bool ats;	    /* IDR0.ATS */
	bool coherent;	    /* IDR0.COHACC */
	unsigned sid_bits;  /* IDR1.SIDSIZE */
	unsigned ssid_bits; /* IDR1.SSIDSIZE */
	unsigned cmdq_log2; /* IDR1.CMDQS */
	unsigned evtq_log2; /* IDR1.EVENTQS */
	unsigned oas_enc;   /* IDR5.OAS encoding (5 = 48 bits) */
	bool ril;	    /* IDR3.RIL: range invalidation (TG/NUM/SCALE, 4.4.1.1) */
	/* IDR0.STALL_MODEL: 0 stall and terminate, 1 terminate only (QEMU), 2 stall forced */
	unsigned stall_model;
};

/* One decoded stream configuration (5.2) plus its CD (5.4), as cached by the model. */
struct smmum_cfg {
	bool valid;
	uint32_t sid;
	unsigned config; /* STE.Config */
	uint64_t s1ctxptr;
	unsigned s1cdmax;
	uint16_t vmid;
	unsigned s2t0sz, s2sl0;
	uint64_t s2ttb;
	bool s2r, s2affd;
	bool s1stalld; /* STE.S1STALLD */
	/* CD, decoded at first use when stage 1 is enabled */
	bool cd_ok;
	unsigned t0sz;
	uint64_t ttb0;
	uint16_t asid;
	bool cd_r, cd_affd, epd0;
	bool stall; /* CD.S: stage-1 faults stall the transaction (3.12.2) */
};

struct smmum_tlb {
	bool valid;
	bool s1; /* entry from an S1 or nested walk (tagged by ASID) */
	uint16_t vmid, asid;
	uint64_t in_page, out_page;
	bool writable;
};

struct smmum_cmd {
	uint64_t w0, w1;
};

#define SMMUM_MAX_STALLS 32

/* A transaction held by the SMMU until CMD_RESUME or CMD_STALL_TERM (3.12.2, 4.7). */
struct smmum_stall {
	uint32_t sid;
	uint16_t stag;
};

/* The wired interrupt lines (3.18), in the order of the DT binding's interrupt-names. */
enum smmum_irq {
	SMMUM_IRQ_EVTQ,
	SMMUM_IRQ_PRIQ,
	SMMUM_IRQ_CMDQ_SYNC,
	SMMUM_IRQ_GERROR,
	SMMUM_NIRQ
};

struct smmu_model {
	uint64_t base;
	struct smmu_model_cfg cfg;
	/* registers */
	uint32_t cr0, cr1, cr2, gbpa, irq_ctrl, gerror, gerrorn;
	uint64_t strtab_base, cmdq_base, evtq_base;
	uint32_t strtab_cfg, cmdq_prod, cmdq_cons, evtq_prod, evtq_cons;
	/* test knobs */
	bool stuck_ack;	     /* CR0ACK never follows CR0 */
	bool stuck_irq_ack;  /* IRQ_CTRLACK never follows IRQ_CTRL */
	bool cmdq_stalled;   /* commands are not consumed */
	bool full_aborts;    /* QEMU: a full event queue sets GERROR.EVENTQ_ABT_ERR, not OVFLG */
	unsigned fail_op;    /* commands with this opcode are refused (CERROR_ILL) ... */
	unsigned fail_count; /* ... this many times (a command error the driver must survive) */
	/* state and observation */
	struct {
		uint64_t base, size;
	} ram[SMMUM_MAX_RAM];
	unsigned nram;
	struct smmum_cfg cache[SMMUM_CFG_CACHE];
	struct smmum_tlb tlb[SMMUM_TLB_SIZE];
	unsigned tlb_next;
	struct smmum_cmd log[SMMUM_CMD_LOG];
	unsigned nlog;
	unsigned syncs, events_lost;
	unsigned ncmds; /* commands executed (CMD_SYNC included), however many were logged */
	struct smmum_stall stalled[SMMUM_MAX_STALLS];
	unsigned nstalled; /* transactions waiting for software to resume or terminate them */
	uint16_t next_stag;
	unsigned irq_pulses[SMMUM_NIRQ]; /* edges on each line (enabled in IRQ_CTRL) */
	/* called on each interrupt edge (tests deliver it as the GIC would) */
	void (*on_irq)(struct smmu_model *m, unsigned line, void *arg);
	void *on_irq_arg;
	/* called before each command executes (tests watch STE memory at CFGI time) */
	void (*on_cmd)(struct smmu_model *m, uint64_t w0, uint64_t w1, void *arg);
	void *on_cmd_arg;
};

struct smmu_model *smmu_model_create(uint64_t base, const struct smmu_model_cfg *cfg);
void smmu_model_destroy(struct smmu_model *m);
/* Memory the SMMU may read and write (tables, queues, DMA targets). */
void smmu_model_add_ram(struct smmu_model *m, uint64_t base, uint64_t size);
/* A default configuration like QEMU's virt SMMU with nesting. */
struct smmu_model_cfg smmu_model_default_cfg(void);

/* Fault codes returned by translate: the 7.3 event type that was (or would have been) raised. */
#define SMMUM_EVT_BAD_STREAMID 0x02
#define SMMUM_EVT_STE_FETCH 0x03
#define SMMUM_EVT_BAD_STE 0x04
#define SMMUM_EVT_BAD_SUBSTREAMID 0x08
#define SMMUM_EVT_CD_FETCH 0x09
#define SMMUM_EVT_BAD_CD 0x0a
#define SMMUM_EVT_WALK_EABT 0x0b
#define SMMUM_EVT_TRANSLATION 0x10
#define SMMUM_EVT_ADDR_SIZE 0x11
#define SMMUM_EVT_ACCESS 0x12
#define SMMUM_EVT_PERMISSION 0x13
#define SMMUM_ABORT 0x100   /* terminated without an event (abort STE, GBPA abort) */
#define SMMUM_STALLED 0x200 /* held (stall model): an event with Stall = 1 was recorded */

/*
 * One device access through the SMMU: returns 0 with the output address, or a positive fault
 * code (see above). Events are written to the event queue as the spec and the STE/CD R bits
 * require.
 */
int smmu_model_translate(struct smmu_model *m, uint32_t sid, uint64_t iova, bool write,
			 uint64_t *out);
/* A DMA of `len` bytes, page by page, copying between `buf` and translated RAM. */
int smmu_model_dma(struct smmu_model *m, uint32_t sid, uint64_t iova, void *buf, size_t len,
		   bool write);
/* Counts logged commands with this opcode; `last` receives the latest one if non-NULL. */
unsigned smmu_model_count_cmds(const struct smmu_model *m, unsigned op, struct smmum_cmd *last);

#endif
