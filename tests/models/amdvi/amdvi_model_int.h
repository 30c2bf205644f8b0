/* SPDX-License-Identifier: MIT */
/* Shared by the AMD-Vi model's files (registers, buffers; translation and remapping). */
#ifndef MODELS_AMDVI_MODEL_INT_H
#define MODELS_AMDVI_MODEL_INT_H

#include "amdvi/amdvi_model.h"

static inline uint64_t amdvim_bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & ((hi - lo == 63) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1));
}

/* CONTROL (48882 "IOMMU Control Register", MMIO 0x18). */
#define AMDVIM_CTL_IOMMU_EN (1ULL << 0)
#define AMDVIM_CTL_EVTLOG_EN (1ULL << 2)
#define AMDVIM_CTL_EVTINT_EN (1ULL << 3)
#define AMDVIM_CTL_COMWAITINT_EN (1ULL << 4)
#define AMDVIM_CTL_CMDBUF_EN (1ULL << 12)
/* STATUS (MMIO 0x2020). */
#define AMDVIM_ST_EVT_OVERFLOW (1ULL << 0)
#define AMDVIM_ST_EVT_INT (1ULL << 1)
#define AMDVIM_ST_COMWAIT_INT (1ULL << 2)
#define AMDVIM_ST_EVT_RUN (1ULL << 3)
#define AMDVIM_ST_CMD_RUN (1ULL << 4)

/* EFR fields used (48882 "Extended Feature Register"). */
#define AMDVIM_EFR_GT (1ULL << 4)
#define AMDVIM_EFR_IA (1ULL << 6)
#define AMDVIM_EFR_GIOSUP (1ULL << 48)

bool amdvim_ram(const struct amdvi_model *m, uint64_t pa, uint64_t len);
/* 0 (and false) outside RAM. */
bool amdvim_read64(const struct amdvi_model *m, uint64_t pa, uint64_t *v);
void amdvim_msi(struct amdvi_model *m, unsigned cause);

/* Event records (48882 "Event Log"): IO_PAGE_FAULT flags, as bits 27:16 of dword 1. */
#define AMDVIM_EVF_GN (1u << 0)
#define AMDVIM_EVF_I (1u << 3)
#define AMDVIM_EVF_PR (1u << 4)
#define AMDVIM_EVF_RW (1u << 5)
#define AMDVIM_EVF_PE (1u << 6)
#define AMDVIM_EVF_RZ (1u << 7)
#define AMDVIM_EVF_TR (1u << 8)
void amdvim_log_event(struct amdvi_model *m, unsigned code, uint16_t devid, uint32_t tag,
		      unsigned flags, uint64_t addr);

/* Caches dropped by commands (amdvi_model_xlate.c). */
void amdvim_drop_dte(struct amdvi_model *m, int devid);
/* gn: guest entries of (domid, pasid) only; else host entries in range and all guest ones. */
void amdvim_drop_tlb(struct amdvi_model *m, int domid, bool gn, uint32_t pasid, uint64_t addr,
		     uint64_t size);

#endif
