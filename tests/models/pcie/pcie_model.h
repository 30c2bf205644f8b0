/* SPDX-License-Identifier: MIT */
/*
 * A PCIe configuration-space model behind an ECAM window, with type-1 bridges that route
 * config requests by their secondary/subordinate bus numbers (PCIe 6.0 7.5.1.3), BARs that
 * size themselves through read-only low bits (PCI 3.0 6.2.5.1), capability lists, FLR, and
 * a DOE mailbox (PCIe 6.0 6.30). Written from the specifications; shares nothing with pci/.
 */
#ifndef PCIE_MODEL_H
#define PCIE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PM_MAX_CHILDREN 8
#define PM_DOE_BUF_DW 4096

/* Handles one DOE object of a non-discovery protocol: full object in, full object out. */
typedef int (*pm_doe_handler)(void *ctx, const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
			      size_t *olen);

struct pm_doe {
	uint16_t prot_vid[8];
	uint8_t prot_type[8];
	unsigned nprot;
	pm_doe_handler handler;
	void *ctx;
	/* state */
	uint32_t wbuf[PM_DOE_BUF_DW];
	size_t wlen;
	uint32_t rbuf[PM_DOE_BUF_DW];
	size_t rlen, rpos;
	bool error;
	/* fault knobs */
	bool never_ready;     /* Go accepted, no response ever */
	bool stuck_busy;      /* Busy never clears */
	bool abort_fails;     /* Abort does not clear Busy */
	int short_by_dw;      /* response announces more DWs than it delivers */
	uint8_t wrong_type;   /* if nonzero, responses carry this object type */
	bool disc_loop;	      /* discovery's next index points back at itself */
	unsigned ready_after; /* Status reads before a response shows Data Object Ready */
	unsigned ready_left;
	unsigned go_count, abort_count;
};

struct pm_ide;

struct pm_fn {
	uint8_t devfn;
	uint8_t cfg[4096];
	uint8_t wmask[4096];
	uint64_t bar_size[6];
	uint16_t last_cap, last_ext, last_ext_len, cap_end;
	uint16_t pcie_off;
	uint16_t doe_off;
	struct pm_doe *doe;
	struct pm_ide *ide; /* IDE extended capability (pcie_ide_model.h) */
	unsigned flr_count;
	struct pm_fn *children[PM_MAX_CHILDREN]; /* bridges: functions on the secondary bus */
	unsigned nchildren;
};

struct pcie_model {
	uint64_t base;
	uint8_t bus_start, bus_end;
	struct pm_fn *root[PM_MAX_CHILDREN * 4];
	unsigned nroot;
	unsigned reads, writes;
};

struct pm_fn *pm_fn_new(uint8_t devfn, uint16_t vendor, uint16_t device, uint32_t class_code,
			bool bridge);
void pm_fn_free(struct pm_fn *f);
/* A memory BAR of `size` bytes (power of two), 64-bit if `is64` (takes i and i+1). */
void pm_fn_bar(struct pm_fn *f, unsigned i, uint64_t size, bool is64);
/* Appends a standard capability of `len` bytes; returns its offset. */
uint16_t pm_fn_cap(struct pm_fn *f, uint8_t id, uint16_t len);
/* Appends an extended capability; returns its offset. */
uint16_t pm_fn_ext_cap(struct pm_fn *f, uint16_t id, uint8_t ver, uint16_t len);
/* PCI Express capability (endpoint), with FLR support if `flr`. */
void pm_fn_pcie(struct pm_fn *f, bool flr);
/* Sets the PCI Express Capabilities register's Device/Port Type (4: Root Port). */
void pm_fn_pcie_type(struct pm_fn *f, uint8_t type);
void pm_fn_doe(struct pm_fn *f, struct pm_doe *doe);
/* ACS capability with the given Capability register bits (SV 0, TB 1, RR 2, CR 3, UF 4, ...). */
uint16_t pm_fn_acs(struct pm_fn *f, uint16_t caps);
void pm_bridge_add(struct pm_fn *br, struct pm_fn *child);

void pm_init(struct pcie_model *m, uint64_t base, uint8_t bus_start, uint8_t bus_end);
void pm_add_root(struct pcie_model *m, struct pm_fn *f);
/* Registers the ECAM window with the host MMIO dispatcher. */
int pm_attach(struct pcie_model *m);
void pm_detach(struct pcie_model *m);

uint32_t pm_read32(struct pm_fn *f, uint16_t off);
void pm_doe_init(struct pm_doe *d, pm_doe_handler h, void *ctx);

#endif
