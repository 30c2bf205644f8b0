/* SPDX-License-Identifier: MIT */
/*
 * PCI: ECAM configuration access, enumeration of every bus behind each host bridge (bus numbers
 * and BARs assigned when firmware left them unassigned), capability walks and FLR. Everything a
 * device returns from config space is untrusted: capability lists may loop or point anywhere.
 */
#ifndef PCI_PCI_H
#define PCI_PCI_H

#include "core/platform.h"
#include "lib/compiler.h"
#include "lib/types.h"

#define PCI_MAX_HOSTS PLAT_MAX_ECAM
#define PCI_MAX_DEVS 64
/* RAM, reserved memory and device registers of the platform: no BAR may overlap them. */
#define PCI_MAX_FORBID (PLAT_MAX_MEM + PLAT_MAX_RSV + PLAT_MAX_IOMMU + PLAT_MAX_ECAM + 8)

/* Standard capability IDs (PCI 3.0 / PCIe 6.0 7.5) and extended capability IDs (PCIe 7.6). */
#define PCI_CAP_ID_PCIE 0x10
#define PCI_EXT_CAP_ACS 0x000d
#define PCI_EXT_CAP_ATS 0x000f
#define PCI_EXT_CAP_SRIOV 0x0010
#define PCI_EXT_CAP_PASID 0x001b
#define PCI_EXT_CAP_DOE 0x002e
#define PCI_EXT_CAP_IDE 0x0030

/* Requester ID: bus << 8 | device << 3 | function. */
typedef u16 pci_bdf_t;
#define PCI_BDF(b, d, f) ((pci_bdf_t)((b) << 8 | (d) << 3 | (f)))
#define PCI_BUS(bdf) ((u8)((bdf) >> 8))
#define PCI_DEV(bdf) ((u8)(((bdf) >> 3) & 0x1f))
#define PCI_FN(bdf) ((u8)((bdf)&7))

struct pci_window {
	u64 next; /* bump pointer */
	u64 end;  /* exclusive */
};

struct pci_host {
	volatile u8 *ecam; /* mapped ECAM covering bus_start..bus_end */
	u16 segment;
	u8 bus_start;
	u8 bus_end;
	struct pci_window mem32;
	struct pci_window mem64;
	/*
	 * The firmware described the windows (DT "ranges"): Moat places BARs and programs
	 * bridge windows. Without (ACPI), firmware's BARs and bridge windows are kept when they
	 * pass the checks, and a function failing them is refused; the checks include the host
	 * bridge's _CRS windows when the DSDT gave them (fwwin, [base, end)).
	 */
	bool windows;
	unsigned nfwwin;
	struct {
		u64 base, end;
	} fwwin[PLAT_MAX_FWWIN];
};

struct pci_dev {
	struct pci_host *host;
	struct pci_dev *parent; /* the bridge above, NULL on the host's root bus */
	pci_bdf_t bdf;
	u16 vendor;
	u16 device;
	u32 class_rev; /* class code << 8 | revision */
	u8 hdr_type;   /* 0 endpoint, 1 bridge (multi-function bit cleared) */
	u16 pcie_cap;  /* offsets, 0 when absent */
	u16 doe_cap;
	u16 ide_cap;
	u16 ats_cap;
	u16 pasid_cap;
	u16 acs_cap;
	u16 sriov_cap;
	u64 bar[6];	 /* assigned addresses (memory BARs), 0 if none: validated, see pci/bar.c */
	u64 bar_size[6]; /* 0 when bar[] is 0 */
	/* A BAR could not be placed (pci/bar.c): decode is off, the function is not assignable. */
	bool refused;
	u16 vm; /* the VM it is assigned to, 0: none (vmm/vdev_boot.c) */
};

struct pci_state {
	unsigned nhosts;
	struct pci_host hosts[PCI_MAX_HOSTS];
	unsigned ndevs;
	struct pci_dev devs[PCI_MAX_DEVS];
	unsigned nforbid;
	struct pa_range forbid[PCI_MAX_FORBID];
};

/* Config accessors. Out-of-range bus/offset reads return all-ones, writes are dropped. */
u32 pci_cfg_read32(const struct pci_host *h, pci_bdf_t bdf, u16 off);
u16 pci_cfg_read16(const struct pci_host *h, pci_bdf_t bdf, u16 off);
u8 pci_cfg_read8(const struct pci_host *h, pci_bdf_t bdf, u16 off);
void pci_cfg_write32(const struct pci_host *h, pci_bdf_t bdf, u16 off, u32 v);
void pci_cfg_write16(const struct pci_host *h, pci_bdf_t bdf, u16 off, u16 v);
void pci_cfg_write8(const struct pci_host *h, pci_bdf_t bdf, u16 off, u8 v);

static inline u32 pci_dev_read32(const struct pci_dev *d, u16 off)
{
	return pci_cfg_read32(d->host, d->bdf, off);
}
static inline void pci_dev_write32(const struct pci_dev *d, u16 off, u32 v)
{
	pci_cfg_write32(d->host, d->bdf, off, v);
}

/*
 * Adds a range no BAR may overlap (RAM, reserved memory, device registers the platform
 * names), before pci_enumerate(). -E_NOSPC when full, -E_OVERFLOW when it wraps.
 */
int pci_forbid_add(struct pci_state *s, paddr_t base, u64 size) __must_check;

/* Sets up a host from its ECAM description; `ecam` is the mapped ECAM base. */
int pci_host_init(struct pci_host *h, const struct plat_ecam *e, volatile u8 *ecam) __must_check;
/* Walks every bus behind `h`, assigning bus numbers and BARs where firmware did not. */
int pci_enumerate(struct pci_state *s, struct pci_host *h) __must_check;

/* Offset of standard capability `id`, or 0. Bounded against loops and bad pointers. */
u16 pci_find_cap(const struct pci_host *h, pci_bdf_t bdf, u8 id);
/* Offset of the first extended capability `id` after offset `after` (0: from the start), or 0. */
u16 pci_find_ext_cap(const struct pci_host *h, pci_bdf_t bdf, u16 id, u16 after);
/*
 * The first offset of each of the `n` extended capabilities `ids` (0: absent) in one walk of
 * the list, as pci_find_ext_cap(.., 0) of each would find them (enumeration: one walk of up
 * to 960 reads for a looping list, not one per capability).
 */
void pci_find_ext_caps(const struct pci_host *h, pci_bdf_t bdf, const u16 *ids, u16 *offs,
		       unsigned n);

/*
 * Exclusive end of the extended capability at `off`: the nearest other extended capability
 * header above it, or the end of config space. Bounded like pci_find_ext_cap().
 */
u16 pci_ext_cap_end(const struct pci_host *h, pci_bdf_t bdf, u16 off);

/* Function-level reset (PCIe 6.0 6.6.2), restoring the command register and BARs afterwards. */
int pci_flr(struct pci_dev *d) __must_check;

/*
 * Requester IDs other than its own that the DMA of `d` may carry upstream, because a bridge
 * above it takes ownership of its requests (pci/alias.c); -E_NOSPC if more than `max`.
 */
int pci_dma_aliases(const struct pci_dev *d, u16 *rids, unsigned max, unsigned *n) __must_check;
/* Bus of the root-bus device above `d` and the device/function of each hop down to d. */
int pci_dev_path(const struct pci_dev *d, u8 *root_bus, u8 *path, unsigned max,
		 unsigned *depth) __must_check;

/*
 * ACS (pci/acs.c, issue 13 item 8). A downstream port isolates what is below it when it
 * implements Source Validation, P2P Request and Completion Redirect and Upstream Forwarding.
 * pci_acs_enable_above() turns them on in every downstream port above `d`; -E_NOTSUP (or -E_IO
 * when a write does not stick) with `*bad` the first port that cannot isolate.
 */
bool pci_acs_isolates(const struct pci_dev *p);
int pci_acs_enable_above(const struct pci_dev *d, const struct pci_dev **bad) __must_check;
/* The isolation group of `d`: functions with the same value can reach each other. */
u32 pci_isolation_group(const struct pci_state *s, const struct pci_dev *d);

/* "0000:01:00.0" */
void pci_bdf_str(const struct pci_dev *d, char *buf, size_t size);

/* The devices found at boot (INIT_PCI). */
struct pci_state *pci_boot_state(void);

#endif
