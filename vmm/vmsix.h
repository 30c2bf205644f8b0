/* SPDX-License-Identifier: MIT */
/*
 * MSI-X virtualization for assigned functions (PCIe 6.0, 7.7.2 MSI-X capability, 6.1.4.2 the
 * table): the guest sees the function's MSI-X capability with a virtual Message Control
 * (Enable, Function Mask) and a virtual table that Moat emulates. A guest entry is only ever
 * accepted when its address is the VM's own vGIC doorbell (GICD_SETSPI_NSR at the guest's
 * distributor, vmm/vm_mmio.c) and its data an SPI of the VM's message-based range, so every
 * message the function sends on the guest's behalf becomes an SPI of that VM, routed by its
 * own IROUTER to one of its own vCPUs. Anything else leaves the vector masked, and is logged.
 * The guest never writes the physical table: what reaches the device is Moat's choice.
 * Every value here (the capability from the device, table accesses from the guest) is
 * untrusted; vmsix_parse and vmsix_table_access are fuzzed (tests/fuzz/fuzz_vmsi.c).
 */
#ifndef VMM_VMSIX_H
#define VMM_VMSIX_H

#include "lib/bits.h"
#include "lib/compiler.h"
#include "lib/lock.h"
#include "lib/types.h"
#include "vmm/vm.h"

#define PCI_CAP_ID_MSIX 0x11
#define VMSIX_MAX_VECTORS 128 /* a larger table is refused: the function gets no MSI-X */
#define VMSIX_WORDS (VMSIX_MAX_VECTORS / 64)
#define VMSIX_ENTRY_SIZE 16
#define VMSIX_CTRL_ENABLE BIT(15)
#define VMSIX_CTRL_MASKALL BIT(14)
#define VMSIX_VEC_MASKED BIT(0)
#define VMSIX_DOORBELL (VM_GICD_BASE + 0x40) /* GICD_SETSPI_NSR */

struct vmsix_entry {
	u32 addr_lo, addr_hi, data, ctrl;
};

/*
 * Where an assigned function's physical messages go: an IPA reserved for the message doorbell
 * in the function's IOMMU stage-2 views only (never in the CPU stage-2, outside guest RAM and
 * every guest MMIO range). Moat maps the host's doorbell page there (arm64: the ITS's
 * GITS_TRANSLATER page) and programs the physical table with this address plus the
 * doorbell's offset and an EventID of its own choosing (docs/gic-its.md).
 */
#define VMSIX_PHYS_DOORBELL_IPA 0x0a000000ULL

struct vmsix;
/* The context of one physical vector's handler: which table and vector it signals. */
struct vmsix_pvec {
	struct vmsix *m;
	u16 vec;
};

struct vmsix {
	struct spinlock lock;
	u16 cap;  /* config offset of the capability (0: the function has none we virtualize) */
	u16 nvec; /* table size */
	u8 table_bir, pba_bir;
	u32 table_off, pba_off;
	u16 ctrl; /* virtual Message Control bits 15:14 */
	struct vmsix_entry e[VMSIX_MAX_VECTORS];
	u64 pending[VMSIX_WORDS]; /* messages that came while the vector was masked (PBA) */
	u64 bad[VMSIX_WORDS];	  /* vectors whose entry was refused, logged once each */
	/* The physical side (vmm/vdev_msix.c), under the same lock. */
	struct vm *vm;
	volatile u8 *ptab;	  /* the function's physical table, mapped (NULL: no delivery) */
	bool penabled;		  /* physical Message Control: MSI-X Enable set, Function Mask 0 */
	bool pfailed;		  /* delivery failed once: every vector stays masked */
	u64 pmapped[VMSIX_WORDS]; /* the message target is mapped and the entry programmed */
	u64 plive[VMSIX_WORDS];	  /* the physical vector is unmasked */
	struct vmsix_pvec pvec[VMSIX_MAX_VECTORS];
};

/*
 * Reads the capability at `cap` (three dwords) and checks it against the function's BARs
 * (bar_size[6], 0 for none): table and PBA inside a memory BAR, at most VMSIX_MAX_VECTORS.
 * 0 (m filled, every vector masked, MSI-X disabled) or -E_INVAL / -E_NOTSUP (m unchanged).
 */
int vmsix_parse(struct vmsix *m, u16 cap, const u32 dw[3], const u64 bar_size[6]) __must_check;

/* The guest's reset (VM SYSTEM_RESET): MSI-X disabled, every vector masked and cleared. */
void vmsix_reset(struct vmsix *m);

/* Config space: the capability's dword at `off` (the physical value `phys`, next pointer
 * `next`) and a write to it (mask: the bytes written). */
u32 vmsix_cfg_read(struct vmsix *m, u16 off, u32 phys, u8 next);
void vmsix_cfg_write(struct vm *vm, struct vmsix *m, u16 off, u32 mask, u32 val);

/* True when [off, off+size) of BAR `bir` is the table or the PBA (the access is Moat's). */
bool vmsix_claims(const struct vmsix *m, unsigned bir, u64 off, unsigned size);
/* A guest access to BAR `bir` at `off` that vmsix_claims: 4- or 8-byte aligned; false (the
 * guest gets an abort) for anything else. */
bool vmsix_table_access(struct vm *vm, struct vmsix *m, unsigned bir, u64 off, bool write,
			unsigned size, u64 *val);

/* The SPI vector `vec` signals in `vm`, or -E_PERM (not the VM's doorbell), -E_RANGE (not one
 * of its message SPIs, or no such vector). */
int vmsix_target(const struct vmsix *m, unsigned vec, unsigned *intid) __must_check;
/*
 * The function sent vector `vec` (the physical side's delivery): raised as the guest's SPI,
 * or kept pending while masked. -E_RANGE for a vector the table does not have.
 */
int vmsix_fire(struct vm *vm, struct vmsix *m, unsigned vec) __must_check;
/*
 * True when vector `vec` should be unmasked at the device (lock held): MSI-X enabled, neither
 * the function nor the vector masked, and the entry a valid target (vmsix_target).
 */
bool vmsix_live(const struct vmsix *m, unsigned vec);
/* The handler of a physical vector's message (ctx: its struct vmsix_pvec). */
void vmsix_pvec_fire(void *ctx);
bool vmsix_bit(const u64 *w, unsigned i);
void vmsix_bit_set(u64 *w, unsigned i, bool on);

#endif
