/* SPDX-License-Identifier: MIT */
/*
 * Assigned PCI functions (docs/architecture.md section 2 `vdev`) and the device-assignment layer of a VM:
 * - a virtual ECAM at MOAT_GPA_ECAM (bus 0) where each vdev shows a filtered config space:
 *   IDs, class, a virtual command register, BARs at Moat's guest addresses (sizing works,
 *   moving does not), the PCIe capability read-only; every other capability, the extended
 *   space (DOE, IDE: Moat owns them) and writes elsewhere are hidden or dropped;
 * - its BARs mapped shared into the CPU stage-2 while the TDI is CONFIG_UNLOCKED, revoked on
 *   bind, and exactly the report's ranges mapped private by accept (the tsm_vm_ops of tsm/tdi.h);
 * - its DMA through the VM's vIOMMU (vmm/viommu.h): shared RAM only until the TDI is RUN.
 *
 * Every vdev belongs to one VM; guests name it by a handle checked against the caller.
 */
#ifndef VMM_VDEV_H
#define VMM_VDEV_H

#include "vmm/vm.h"
#include "guest_abi/moat_abi.h"
#include "iommu/iommu.h"
#include "lib/compiler.h"
#include "lib/types.h"
#include "tsm/tdi.h"
#include "vmm/vmsix.h"
#include "core/irq.h"

#define VDEV_MAX_PER_VM MOAT_VDEV_MAX
#define VDEV_MAX_PRIV TDISP_REPORT_MAX_RANGES
#define VDEV_SPI_END 64 /* the virtual GIC has SPIs 32..63 (docs/guest-abi.md) */

struct vdev;

/* What the vdev needs from the physical world (pci/ and tsm/ in images, fakes in tests). */
struct vdev_backend {
	u32 (*cfg_read32)(const struct vdev *d, u16 off);
	/* A physical config write (the MSI-X Message Control). Optional (NULL: none). */
	void (*cfg_write32)(const struct vdev *d, u16 off, u32 v);
	/* Evidence tsm/tdi.c does not provide (MOAT_EV_VCA_DIGEST). Optional (NULL: -E_NOTSUP). */
	int (*evidence)(struct vdev *d, enum moat_evidence kind, const u8 *nonce, u8 *buf,
			size_t cap, size_t *len);
	/*
	 * Where the function's DMA goes: the IOMMU unit its firmware scope names and the
	 * requester keys it carries (bridge aliases included). Optional (NULL: the VM's first
	 * unit, its own requester ID only).
	 */
	int (*dma_identity)(const struct vdev *d, struct iommu **unit, struct iommu_dev *dev);
};

struct vdev_bar {
	gpa_t gpa; /* where the guest sees it (0: no BAR) */
	paddr_t hpa;
	u64 size;
	u32 type_bits; /* low 4 bits of the BAR register (memory, 64-bit, prefetchable) */
};

struct vdev_priv_map {
	gpa_t gpa;
	u64 size;
};

struct vdev {
	struct vm *vm;
	unsigned idx;
	u32 handle;
	u16 segment, bdf; /* physical */
	u16 vbdf;	  /* on the virtual ECAM: device idx, function 0 */
	u16 vendor, device;
	u32 rid;		/* requester key, IOMMU_RID(segment, bdf) */
	struct iommu_dev iodev; /* rid with its aliases, for the IOMMU core */
	struct iommu *unit;	/* the unit its DMA goes through */
	const struct vdev_backend *be;
	void *be_ctx;
	struct tdi *tdi; /* NULL: no TDISP (plain shared assignment) */
	struct vdev_bar bar[6];
	/* CPU stage-2 state */
	bool shared_mmio;
	unsigned npriv;
	struct vdev_priv_map priv[VDEV_MAX_PRIV];
	/* virtual config space */
	u16 vcmd;
	u8 sizing; /* bit per BAR: the guest wrote all-ones, reads return the size mask */
	/* MSI-X (vmm/vdev_msix.c; msix.nvec 0: not virtualized) */
	struct vmsix msix;
	bool msix_noted;
	/* vIOMMU */
	bool s1_set;
	struct iommu_s1 s1; /* the guest's stage-1, checked (vmm/viommu.c) */
	struct iommu_domain nested;
	struct iommu_domain *dom; /* the domain the RID is attached to, NULL if none */
	bool trusted;		  /* T=1: on the full view (private RAM reachable) */
	/* TDI notifications */
	u8 op_cause;   /* enum moat_tdi_cause of a teardown in the running guest call, or 0 */
	u8 last_cause; /* enum moat_tdi_cause */
	u32 teardowns;
	int busy;     /* an operation of another vCPU is in progress on this vdev */
	u8 flr_state; /* atomic: a guest FLR queued or running (hypercall_dev.c) */
};

/* The VM's vdevs (0..n-1). */
unsigned vdev_count(const struct vm *vm);
struct vdev *vdev_at(const struct vm *vm, unsigned i);
/* The vdev a guest handle names, only if it belongs to `vm`; NULL otherwise. */
struct vdev *vdev_from_handle(const struct vm *vm, u64 handle);

/*
 * Adds a vdev to `vm` (boot, before the VM runs): guest BARs placed in the BAR window, shared
 * MMIO mapped, the TDI (if any) assigned to the VM, DMA attached to the vIOMMU's shared view.
 * `bars` are the physical BARs (size 0: none).
 */
int vdev_create(struct vm *vm, u16 segment, u16 bdf, u16 vendor, u16 device,
		const struct pa_range bars[6], u32 bar_type_bits[6], struct tdi *tdi,
		const struct vdev_backend *be, void *be_ctx) __must_check;
/* SYSTEM_RESET of the VM: TDIs torn down (devices reconnected where the TSM policy says so),
 * stage-1s dropped, conversions undone. */
void vdev_vm_reset(struct vm *vm);
/* Power-off: every VM's device operations end first (results dropped). */
void vdev_power_off(void);
/* Drops every vdev of every VM (host tests). */
void vdev_reset_all(void);

/*
 * Locks (issue 13 item 4: no guest-triggered wait holds a lock another VM needs):
 * - the device-operation lock, vdev_op_begin()/vdev_op_end(): held only while one step of a
 *   device operation runs (core/devop.h: a step ends at the operation's next wait on the
 *   device) or while the hc_ops table changes; never across a wait. Operations are
 *   serialised by it because the devop machinery runs one operation at a time.
 * - the VM's lock, vdev_vm_trylock()/vdev_vm_lock(): the VM's device-assignment state (its
 *   vIOMMU views and conversions, its vdevs' attachments, stage-1s and MMIO mappings).
 *   vIOMMU calls take only their own VM's lock; device-operation steps take it inside the
 *   operation lock (order: operation lock, then VM lock). vdev_vm_lock() returns the
 *   evidence (struct vdev_vm_locked, Hafnium's vm_locked): the functions of vmm/vdev.c that
 *   change a VM's MMIO mappings take it, so a caller without the lock does not compile.
 */
struct vdev_vm_locked {
	const struct vm *vm;
};
bool vdev_op_begin(void);
void vdev_op_lock(void); /* waits: only for a step's worth (work that cannot be refused) */
void vdev_op_end(void);
bool vdev_vm_trylock(const struct vm *vm);
struct vdev_vm_locked vdev_vm_lock(const struct vm *vm);
void vdev_vm_unlock(const struct vm *vm);

/* A guest FLR queued or running on the vdev (config reads answer all-ones meanwhile). */
bool vdev_flr_in_progress(const struct vdev *d);

/* MSI-X (vmm/vdev_msix.c): found, checked and its table pages trapped at assignment; a guest
 * access to a vdev's table or PBA (true when handled). */
void vdev_msix_setup(struct vdev *d);
bool vdev_bar_mmio(struct vm *vm, u64 ipa, bool write, unsigned size, u64 *val);
/* After a guest change to the virtual capability or table: the physical vectors follow. */
void vdev_msix_sync(struct vdev *d);
/* Reset or FLR: physical vectors masked, their message targets discarded, virtual state reset. */
void vdev_msix_reset(struct vdev *d);

/* Virtual ECAM: true if `ipa` is in the window (the access is then handled). */
bool vdev_ecam_mmio(struct vm *vm, u64 ipa, bool write, unsigned size, u64 *val);

/* The TDI operations on behalf of the guest (hypercall_dev.c), with the guest's status. */
enum moat_tdi_state vdev_tdi_state(const struct vdev *d);

/* Arch hooks: the VM's CPU stage-2 for device memory (arm64 stage2.c, host fake). */
int arch_vm_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size) __must_check;
void arch_vm_unmap_mmio(struct vm *vm, gpa_t g, u64 size);
/* Raises a virtual SPI in the VM (fault-queue notification). */
void arch_vm_raise_spi(struct vm *vm, unsigned intid);
/*
 * Physical MSI delivery of assigned functions (docs/gic-its.md, docs/vm-backend.md).
 * arch_vdev_msi_doorbell: -E_NOTSUP where Moat drives no message target; else *page is the
 * host-physical page the messages must reach through the function's IOMMU views at
 * VMSIX_PHYS_DOORBELL_IPA (arm64: the ITS translation register's page), or 0 where the IOMMU
 * takes the messages itself (x86: interrupt remapping; no page enters any view).
 * arch_vdev_msi_map: message `event` of function d calls fn(ctx) when it arrives; *addr and
 * *data are the message the function must write (arm64 and the host tests: the doorbell IPA
 * plus its offset and the EventID of the GICv3 ITS, arch/arm64/gic_its.c; x86_64: the
 * remappable-format message of an interrupt-remapping entry its IOMMU made, arch/x86/vmsi.c).
 */
int arch_vdev_msi_doorbell(paddr_t *page) __must_check;
int arch_vdev_msi_map(struct vdev *d, u32 event, irq_handler_fn fn, void *ctx, u64 *addr,
		      u32 *data) __must_check;
void arch_vdev_msi_unmap(struct vdev *d, u32 event);
/*
 * The interrupt a guest's MSI message (address, data) names in its VM (vmsix_target): 0 and
 * *intid for arch_vm_raise_spi(), -E_PERM if the address is not the VM's message target,
 * -E_RANGE if the data names nothing the VM may be sent. arm64 and the host tests: a message
 * SPI written to VMSIX_DOORBELL; x86_64: a fixed (or lowest-priority) vector 32-255 to the
 * VM's x2APIC at 0xfeexxxxx in compatibility format, *intid the vector.
 */
int arch_vdev_msi_target(u32 addr_lo, u32 addr_hi, u32 data, unsigned *intid) __must_check;

#endif
