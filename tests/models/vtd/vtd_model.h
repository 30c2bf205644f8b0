/* SPDX-License-Identifier: MIT */
/*
 * A register-level Intel VT-d model for host tests, written from the VT-d architecture
 * specification (rev. 4.x) independently of iommu/vtd: it shares no definitions with the
 * driver. It implements the register file with the width rule QEMU enforces (32-bit registers
 * take 4-byte accesses only; a wider write is recorded as an abort and ignored), GCMD/GSTS,
 * the scalable-mode root/context/PASID-directory/PASID-table walk, second-stage, first-stage
 * and nested translation through the reference walkers (tests/models/pt/ref_walk.h), a
 * PASID-entry cache and an IOTLB (so missing invalidations show), queued invalidation with
 * 128- and 256-bit descriptors, primary fault recording (FRI, PFO, collapsing faults of one
 * source while its record is pending, FPD), fault and invalidation-completion events as MSI
 * writes, and interrupt remapping (IRTA, remappable MSI decode, IRTE checks, source-id
 * verification, an interrupt-entry cache). Tables live in host memory ("physical" = host
 * address); the model touches only memory inside the RAM windows a test registers.
 */
#ifndef MODELS_VTD_MODEL_H
#define MODELS_VTD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VTDM_MAX_RAM 8
#define VTDM_MAX_FRCD 4
#define VTDM_TLB_SIZE 64
#define VTDM_PCACHE_SIZE 16
#define VTDM_IEC_SIZE 16
#define VTDM_LOG 256
#define VTDM_REG_SIZE 0x1000

struct vtd_model_cfg {
	uint64_t cap, ecap;
	/* Fault and invalidation-event MSIs (FEADDR/FEDATA, IEADDR/IEDATA) are written here. */
	void (*msi)(void *ctx, uint64_t addr, uint32_t data);
	void *msi_ctx;
};

/* A descriptor the invalidation queue executed (all four qwords; 128-bit ones: w2 = w3 = 0). */
struct vtdm_desc {
	uint64_t w[4];
};

struct vtdm_tlb {
	bool valid;
	uint16_t sid, did;
	uint32_t pasid;
	uint64_t page, out_page;
	bool writable;
	bool fs; /* from a first-stage or nested walk (PASID-based IOTLB invalidation) */
};

/* A cached PASID-table entry (context + directory + PASID entry, decoded once). */
struct vtdm_pce {
	bool valid;
	uint16_t sid;
	uint32_t pasid;
	uint64_t pe[4];
	bool fpd;
	bool rid_pasid; /* cached for requests without PASID (the context's RID_PASID) */
};

struct vtdm_iec {
	bool valid;
	uint32_t index;
	uint64_t lo, hi;
};

struct vtd_model {
	uint64_t base;
	struct vtd_model_cfg cfg;
	/* registers */
	uint32_t gsts, fsts, fectl, fedata, feaddr, ics, iectl, iedata, ieaddr;
	uint64_t rtaddr, rtaddr_live, iqa, iqh, iqt, irta, irta_live;
	uint64_t frcd[VTDM_MAX_FRCD][2];
	unsigned nfr, fri;
	bool fault_event_owed; /* IP: an event waits for FECTL.IM to clear */
	bool ie_event_owed;
	/* test knobs */
	bool stuck_gsts; /* GSTS never follows GCMD */
	bool qi_stalled; /* the queue is not processed (invalidation-wait timeout) */
	/* called before each queued descriptor executes (tests watch table memory then) */
	void (*on_desc)(struct vtd_model *m, const uint64_t *w, void *arg);
	void *on_desc_arg;
	/* observation */
	unsigned width_aborts; /* 8-byte writes to 32-bit registers (QEMU would abort) */
	unsigned sw_if_aborts; /* wait descriptors with SW and IF both set (QEMU asserts) */
	unsigned collapsed, msis, iqe;
	struct {
		uint64_t base, size;
	} ram[VTDM_MAX_RAM];
	unsigned nram;
	struct vtdm_tlb tlb[VTDM_TLB_SIZE];
	unsigned tlb_next;
	struct vtdm_pce pcache[VTDM_PCACHE_SIZE];
	unsigned pcache_next;
	struct vtdm_iec iec[VTDM_IEC_SIZE];
	unsigned iec_next;
	struct vtdm_desc log[VTDM_LOG];
	unsigned nlog;
};

struct vtd_model *vtd_model_create(uint64_t base, const struct vtd_model_cfg *cfg);
void vtd_model_destroy(struct vtd_model *m);
/* Memory the unit may read and write (tables, queue, status words, DMA targets). */
void vtd_model_add_ram(struct vtd_model *m, uint64_t base, uint64_t size);
/* CAP/ECAP of QEMU 10.0's intel-iommu (qemu-10.0-platform.md 1.2): second- or first-stage. */
struct vtd_model_cfg vtd_model_qemu_sl(void);
struct vtd_model_cfg vtd_model_qemu_fl(void);
/* A unit QEMU does not emulate: first and second stage plus nesting (ECAP.NEST). */
struct vtd_model_cfg vtd_model_nested(void);

/* Fault reasons (VT-d appendix A, as QEMU 10.0 reports them where it implements them). */
#define VTDM_FR_SL_WRITE 0x05
#define VTDM_FR_SL_READ 0x06
#define VTDM_FR_SL_RSVD 0x0c
#define VTDM_FR_ADDR_BEYOND 0x04
#define VTDM_FR_IR_RSVD_REQ 0x20
#define VTDM_FR_IR_INDEX 0x21
#define VTDM_FR_IR_NOT_PRESENT 0x22
#define VTDM_FR_IR_TABLE 0x23
#define VTDM_FR_IR_RSVD 0x24
#define VTDM_FR_IR_COMPAT 0x25
#define VTDM_FR_IR_SID 0x26
#define VTDM_FR_ROOT_ACCESS 0x38
#define VTDM_FR_ROOT_NP 0x39
#define VTDM_FR_ROOT_RSVD 0x3a
#define VTDM_FR_CTX_ACCESS 0x40
#define VTDM_FR_CTX_NP 0x41
#define VTDM_FR_CTX_RSVD 0x42
#define VTDM_FR_PASID_BIG 0x46
#define VTDM_FR_PDIR_ACCESS 0x50
#define VTDM_FR_PDIR_NP 0x51
#define VTDM_FR_PDIR_RSVD 0x52
#define VTDM_FR_PTE_ACCESS 0x58
#define VTDM_FR_PTE_NP 0x59
#define VTDM_FR_PTE_RSVD 0x5a
#define VTDM_FR_PTE_INVALID 0x5b
#define VTDM_FR_FS_NP 0x71
#define VTDM_FR_FS_RSVD 0x72
#define VTDM_FR_FS_CANON 0x80
#define VTDM_FR_FS_US 0x81
#define VTDM_FR_FS_WRITE 0x85

#define VTDM_NO_PASID 0xffffffffu

/*
 * One untranslated device access (a request without PASID uses the context's RID_PASID):
 * 0 with the output address, or the positive fault reason, recorded as the spec requires.
 */
int vtd_model_translate(struct vtd_model *m, uint16_t sid, uint32_t pasid, uint64_t iova,
			bool write, uint64_t *out);
/* A DMA of `len` bytes, page by page, copying between `buf` and translated RAM. */
int vtd_model_dma(struct vtd_model *m, uint16_t sid, uint64_t iova, void *buf, size_t len,
		  bool write);

/* An interrupt as the unit remaps it: the vector and destination APIC ID it delivers. */
struct vtdm_irq {
	uint8_t vector;
	uint32_t dest;
};
/* A device's MSI write (address, data): 0 and *out, or the positive fault reason. */
int vtd_model_msi(struct vtd_model *m, uint16_t sid, uint64_t addr, uint32_t data,
		  struct vtdm_irq *out);

/* Counts executed descriptors of `type` (VT-d 6.5.2); `last` gets the newest if non-NULL. */
unsigned vtd_model_count(const struct vtd_model *m, unsigned type, struct vtdm_desc *last);

#endif
