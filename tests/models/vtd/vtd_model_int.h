/* SPDX-License-Identifier: MIT */
/* Shared by the VT-d model's files (registers and queue; translation and remapping). */
#ifndef MODELS_VTD_MODEL_INT_H
#define MODELS_VTD_MODEL_INT_H

#include "vtd/vtd_model.h"

static inline uint64_t vtdm_bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & ((hi - lo == 63) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1));
}

/* GSTS bits (VT-d 11.4.4.2). */
#define VTDM_GS_TES (1u << 31)
#define VTDM_GS_RTPS (1u << 30)
#define VTDM_GS_QIES (1u << 26)
#define VTDM_GS_IRES (1u << 25)
#define VTDM_GS_IRTPS (1u << 24)
#define VTDM_GS_CFIS (1u << 23)

bool vtdm_ram(const struct vtd_model *m, uint64_t pa, uint64_t len);
/* 0 (and false) outside RAM. */
bool vtdm_read64(const struct vtd_model *m, uint64_t pa, uint64_t *v);

/* A primary fault (VT-d 7.2.1): `index` is the FI field (page address or interrupt index). */
struct vtdm_fault {
	uint16_t sid;
	uint8_t fr;
	bool read, pp;
	uint32_t pasid;
	uint64_t fi;
};
void vtdm_fault(struct vtd_model *m, const struct vtdm_fault *f);
void vtdm_msi(struct vtd_model *m, uint32_t addr, uint32_t data);

/* Cache maintenance done by invalidation descriptors (vtd_model_xlate.c). */
void vtdm_drop_pcache(struct vtd_model *m, int sid, int did, int64_t pasid);
/*
 * 6.5.2.3/6.5.2.4: IOTLB descriptors drop second-stage-only and pass-through entries,
 * PASID-based ones first-stage and nested entries (`fs`).
 */
void vtdm_drop_tlb(struct vtd_model *m, bool fs, int did, int64_t pasid, uint64_t addr,
		   uint64_t size);
void vtdm_drop_iec(struct vtd_model *m, int64_t index, uint64_t count);

#endif
