// SPDX-License-Identifier: MIT
/*
 * Assigned PCI functions (vmm/vdev.h): creation, the CPU stage-2 side of the TDI life cycle
 * (the tsm_vm_ops tsm/tdi.c calls) and the filtered virtual ECAM. The guest's config accesses
 * are untrusted: only naturally aligned 1/2/4-byte accesses inside the window are decoded,
 * anything else reads as all-ones and writes nothing.
 */
#define LOG_COMPONENT "vdev"
#include "vmm/vdev.h"

#include <string.h>

#include "vmm/hypercall_dev.h"
#include "core/log.h"
#include "core/own.h"
#include "vmm/viommu.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "tsm/tsm.h"

#define PCI_COMMAND_MEM 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_STATUS_CAPLIST 0x10
#define PCI_CAP_ID_EXP 0x10
#define PCI_EXP_CAP_LEN 0x3c /* PCIe capability structure (PCIe 6.0 7.5.3) */
#define PCI_BAR_MEM64 0x4
#define PCI_CAP_WALK_MAX 48
#define PCI_EXP_DEVCTL 0x08	      /* PCIe 6.0 7.5.3.4 */
#define PCI_EXP_DEVCTL_FLR (1u << 15) /* Initiate Function Level Reset */
#define PCI_CFG_STD_END 0x100	      /* the extended space (DOE, IDE: Moat's) starts here */

static struct vdev vdevs[VM_MAX + 1][VDEV_MAX_PER_VM];
static struct spinlock op_slot = SPINLOCK_INIT;
static struct spinlock vm_locks[VM_MAX + 1];

bool vdev_op_begin(void)
{
	return spin_trylock(&op_slot);
}

/* Waits for the lock: only for work that cannot be refused (device operations are bounded). */
void vdev_op_lock(void)
{
	spin_lock(&op_slot);
}

void vdev_op_end(void)
{
	spin_unlock(&op_slot);
}

bool vdev_vm_trylock(const struct vm *vm)
{
	return spin_trylock(&vm_locks[vm->id]);
}

struct vdev_vm_locked vdev_vm_lock(const struct vm *vm)
{
	spin_lock(&vm_locks[vm->id]);
	return (struct vdev_vm_locked){ vm };
}

/* The evidence names the vdev's VM (a lock of another VM proves nothing here). */
static void vdev_locked_check(struct vdev_vm_locked l, const struct vdev *d)
{
	if (l.vm != d->vm)
		panic("vdev: VM lock evidence of another VM");
}

void vdev_vm_unlock(const struct vm *vm)
{
	spin_unlock(&vm_locks[vm->id]);
}

bool vdev_flr_in_progress(const struct vdev *d)
{
	return __atomic_load_n(&d->flr_state, __ATOMIC_ACQUIRE) != 0;
}

static unsigned nvdevs[VM_MAX + 1];
static u64 bar_cursor[VM_MAX + 1];

unsigned vdev_count(const struct vm *vm)
{
	return vm && vm->id && vm->id <= VM_MAX ? nvdevs[vm->id] : 0;
}

struct vdev *vdev_at(const struct vm *vm, unsigned i)
{
	return i < vdev_count(vm) ? &vdevs[vm->id][i] : NULL;
}

struct vdev *vdev_from_handle(const struct vm *vm, u64 handle)
{
	u64 idx = handle & 0x7fff;

	if (handle >> 32 || (handle >> 16) != vm->id || !(handle & MOAT_VDEV_TAG))
		return NULL;
	return vdev_at(vm, (unsigned)idx);
}

void vdev_reset_all(void)
{
	memset(vdevs, 0, sizeof(vdevs));
	memset(nvdevs, 0, sizeof(nvdevs));
	memset(bar_cursor, 0, sizeof(bar_cursor));
}

static struct vdev *vdev_of_tdi(const struct tdi *t)
{
	for (unsigned v = 1; v <= VM_MAX; v++)
		for (unsigned i = 0; i < nvdevs[v]; i++)
			if (vdevs[v][i].tdi == t)
				return &vdevs[v][i];
	panic("TDI callback for a TDI without a vdev");
}

/* ---- the VM layer of a TDI (tsm/tdi.h struct tsm_vm_ops) ----------------------------------- */

static int vdev_map_bars(struct vdev_vm_locked l, struct vdev *d)
{
	vdev_locked_check(l, d);
	for (unsigned b = 0; b < 6; b++) {
		int err;

		if (!d->bar[b].size)
			continue;
		err = arch_vm_map_mmio(d->vm, d->bar[b].gpa, d->bar[b].hpa, d->bar[b].size);
		if (err) {
			for (unsigned u = 0; u < b; u++)
				if (d->bar[u].size)
					arch_vm_unmap_mmio(d->vm, d->bar[u].gpa, d->bar[u].size);
			return err;
		}
	}
	d->shared_mmio = true;
	return 0;
}

static void vdev_unmap_bars(struct vdev_vm_locked l, struct vdev *d)
{
	vdev_locked_check(l, d);
	for (unsigned b = 0; b < 6; b++)
		if (d->bar[b].size)
			arch_vm_unmap_mmio(d->vm, d->bar[b].gpa, d->bar[b].size);
	d->shared_mmio = false;
}

/* The tsm_vm_ops below run inside device-operation steps: each takes its VM's lock. */
static int vdev_revoke_shared(struct tdi *t)
{
	struct vdev *d = vdev_of_tdi(t);

	vdev_unmap_bars(vdev_vm_lock(d->vm), d);
	vdev_vm_unlock(d->vm);
	return 0;
}

static const char *const vdev_cause_names[] = {
	[MOAT_CAUSE_UNBIND] = "unbind",
	[MOAT_CAUSE_DEVICE_ERROR] = "device error",
	[MOAT_CAUSE_FLR] = "FLR",
	[MOAT_CAUSE_VM_TEARDOWN] = "VM reset",
	[MOAT_CAUSE_BIND_FAILED] = "bind failed",
	[MOAT_CAUSE_ACCEPT_FAILED] = "accept failed",
};

/* The last step of every teardown: the guest learns why through MOAT_HC_TDI_STATE. */
static void vdev_note_teardown(struct vdev *d)
{
	d->teardowns++;
	d->last_cause = d->op_cause ? d->op_cause : MOAT_CAUSE_DEVICE_ERROR;
	pr_info("%s: vdev 0x%x: TDI torn down (%s): private MMIO and trusted DMA removed, shared "
		"MMIO restored",
		d->vm->name, d->handle, vdev_cause_names[d->last_cause]);
	if (d->last_cause != MOAT_CAUSE_UNBIND)
		viommu_tdi_event(d, d->last_cause); /* the guest did not ask: tell it */
}

static void vdev_restore_shared(struct tdi *t)
{
	struct vdev *d = vdev_of_tdi(t);

	int err;

	vdev_note_teardown(d);
	err = vdev_map_bars(vdev_vm_lock(d->vm), d);
	vdev_vm_unlock(d->vm);
	if (err)
		pr_err("%s: %04x: shared MMIO not restored", d->vm->name, d->bdf);
}

/* A report range at the guest address of the same offset in the same BAR (tsm/tdi.h). */
static int vdev_map_private_locked(struct vdev_vm_locked l, struct vdev *d,
				   const struct tdisp_mmio_range *r)
{
	const struct vdev_bar *b;
	u64 size = (u64)r->npages << PAGE_SHIFT, off;
	int err;

	vdev_locked_check(l, d);
	if (r->bar >= 6 || d->npriv == VDEV_MAX_PRIV)
		return trace_err(-E_RANGE);
	b = &d->bar[r->bar];
	/* tdisp_report_validate() put the range inside the BAR; checked again, cheaply. */
	if (r->hpa.v < b->hpa.v || (off = r->hpa.v - b->hpa.v) > b->size || size > b->size - off)
		return trace_err(-E_RANGE);
	if ((err = arch_vm_map_mmio(d->vm, gpa(b->gpa.v + off), r->hpa, size)))
		return err;
	d->priv[d->npriv++] = (struct vdev_priv_map){ gpa(b->gpa.v + off), size };
	pr_info("%s: vdev 0x%x: private MMIO 0x%llx +%u page(s) (BAR%u) at guest 0x%llx",
		d->vm->name, d->handle, (unsigned long long)r->hpa.v, r->npages, r->bar,
		(unsigned long long)(b->gpa.v + off));
	return 0;
}

static int vdev_map_private(struct tdi *t, const struct tdisp_mmio_range *r)
{
	struct vdev *d = vdev_of_tdi(t);
	int err;

	err = vdev_map_private_locked(vdev_vm_lock(d->vm), d, r);
	vdev_vm_unlock(d->vm);
	return err;
}

static void vdev_unmap_private_locked(struct vdev_vm_locked l, struct vdev *d)
{
	vdev_locked_check(l, d);
	for (unsigned i = 0; i < d->npriv; i++)
		arch_vm_unmap_mmio(d->vm, d->priv[i].gpa, d->priv[i].size);
	d->npriv = 0;
}

static void vdev_unmap_private(struct tdi *t)
{
	struct vdev *d = vdev_of_tdi(t);

	vdev_unmap_private_locked(vdev_vm_lock(d->vm), d);
	vdev_vm_unlock(d->vm);
}

static int vdev_trusted_on(struct tdi *t)
{
	struct vdev *d = vdev_of_tdi(t);
	int err;

	vdev_vm_lock(d->vm);
	err = viommu_set_trusted(d, true);
	vdev_vm_unlock(d->vm);

	if (!err)
		pr_info("%s: vdev 0x%x: trusted DMA: private RAM reachable through the vIOMMU",
			d->vm->name, d->handle);
	return err;
}

static void vdev_trusted_off(struct tdi *t)
{
	struct vdev *d = vdev_of_tdi(t);
	int err = 0;

	vdev_vm_lock(d->vm);
	/* Back on the shared view; if that fails the stream is left blocked (abort). */
	if (d->trusted)
		err = viommu_set_trusted(d, false);
	vdev_vm_unlock(d->vm);
	if (err)
		pr_err("%s: %04x: DMA blocked after trusted DMA was removed", d->vm->name, d->bdf);
}

static const struct tsm_vm_ops vdev_tsm_ops = {
	.revoke_shared_mmio = vdev_revoke_shared,
	.restore_shared_mmio = vdev_restore_shared,
	.map_private_mmio = vdev_map_private,
	.unmap_private_mmio = vdev_unmap_private,
	.enable_trusted_dma = vdev_trusted_on,
	.disable_trusted_dma = vdev_trusted_off,
};

enum moat_tdi_state vdev_tdi_state(const struct vdev *d)
{
	if (!d->tdi)
		return MOAT_TDI_NONE;
	switch (d->tdi->state) {
	case TDI_CONFIG_UNLOCKED: return MOAT_TDI_UNLOCKED;
	case TDI_CONFIG_LOCKED: return MOAT_TDI_LOCKED;
	case TDI_RUN: return MOAT_TDI_RUN;
	default: return MOAT_TDI_ERROR;
	}
}

/* ---- creation ------------------------------------------------------------------------------- */

static struct vdev *vdev_of_rid(const struct iommu *u, u32 rid)
{
	for (unsigned v = 1; v <= VM_MAX; v++)
		for (unsigned i = 0; i < nvdevs[v]; i++)
			if (vdevs[v][i].unit == u && vdevs[v][i].rid == rid)
				return &vdevs[v][i];
	return NULL;
}

/*
 * Issue 13 item 2: the function may share DMA tags with one already assigned (an alias
 * group: overlapping map outputs, an iommu-map-mask, a PCIe-to-PCI bridge). The IOMMU core
 * never lets two domains translate one tag; here the group is held to one VM, and a TDISP
 * function shares with nothing, since trusted DMA for it would be trusted DMA for its aliases.
 */
static int vdev_alias_check(const struct vdev *d)
{
	struct iommu_tagset ts;
	const struct vdev *o;
	u32 rid, owner;

	if (!d->unit || iommu_dev_tags(d->unit, &d->iodev, &ts) ||
	    !iommu_tag_holder(d->unit, &ts, &rid, &owner))
		return 0; /* no conflict here; what cannot resolve is refused by the attach */
	o = vdev_of_rid(d->unit, rid);
	if (owner == d->vm->id && o && !o->tdi && !d->tdi) {
		pr_info("%s: %04x:%04x shares its DMA tags with vdev 0x%x: one alias group",
			d->vm->name, d->segment, d->bdf, o->handle);
		return 0;
	}
	pr_err("%s: %04x:%04x shares its DMA tags on IOMMU %u with %04x:%04x of %s%s: an alias "
	       "group is assigned as one unit",
	       d->vm->name, d->segment, d->bdf, d->unit->index, IOMMU_RID_SEG(rid),
	       IOMMU_RID_BDF(rid), o ? o->vm->name : "Moat",
	       d->tdi || (o && o->tdi) ? " (a TDISP function shares its tags with nothing)" : "");
	return trace_err(-E_BUSY);
}

/* Where the function's DMA goes, from the backend (or the VM's first unit, its own RID). */
static int vdev_dma_setup(struct vdev *d)
{
	struct viommu *v = viommu_of(d->vm);
	int err;

	d->rid = IOMMU_RID(d->segment, d->bdf);
	d->iodev = (struct iommu_dev){ .rid = d->rid };
	d->unit = NULL;
	if (d->be->dma_identity && (err = d->be->dma_identity(d, &d->unit, &d->iodev)))
		return err;
	if (!d->unit && v)
		d->unit = v->u[0].unit;
	return vdev_alias_check(d);
}

/* Guest BARs: naturally aligned in the VM's BAR window, in BAR order. */
static int vdev_place_bars(struct vdev *d, const struct pa_range bars[6], const u32 type[6])
{
	u64 *cur = &bar_cursor[d->vm->id];

	for (unsigned b = 0; b < 6; b++) {
		u64 size = bars[b].size, at;

		if (!size)
			continue;
		if (size & (size - 1) || size < PAGE_SIZE || !IS_ALIGNED(bars[b].base.v, size))
			return trace_err(-E_INVAL);
		at = (*cur + size - 1) & ~(size - 1); /* *cur < 2^28: no overflow */
		if (at > MOAT_GPA_BARS_SIZE || size > MOAT_GPA_BARS_SIZE - at)
			return trace_err(-E_NOSPC);
		d->bar[b] = (struct vdev_bar){ gpa(MOAT_GPA_BARS + at), bars[b].base, size,
					       type[b] & 0xf };
		*cur = at + size;
		if ((type[b] & PCI_BAR_MEM64) && b < 5)
			b++; /* the upper half of a 64-bit BAR */
	}
	return 0;
}

/* The BARs' pages move from "unassigned device BAR" to this VM's vdev (core/own.h). */
static void vdev_disown_bars(struct vdev *d, unsigned upto)
{
	for (unsigned b = 0; b < upto; b++)
		if (d->bar[b].size &&
		    own_transfer(d->bar[b].hpa, d->bar[b].size, own_bar(d->vm->id), own_bar(0)))
			pr_err("%s: %04x: BAR%u not given back", d->vm->name, d->bdf, b);
}

static int vdev_own_bars(struct vdev *d)
{
	char who[24];

	for (unsigned b = 0; b < 6; b++) {
		const struct vdev_bar *r = &d->bar[b];

		if (!r->size || !own_transfer(r->hpa, r->size, own_bar(0), own_bar(d->vm->id)))
			continue;
		pr_err("%s: %04x: BAR%u 0x%llx is not an unassigned device BAR (owner: %s): not "
		       "assignable",
		       d->vm->name, d->bdf, b, (unsigned long long)r->hpa.v,
		       own_name(own_owner(r->hpa), who, sizeof(who)));
		vdev_disown_bars(d, b);
		return trace_err(-E_PERM);
	}
	return 0;
}

/* Shared MMIO and the vIOMMU attachment, under the VM's lock (then the vIOMMU's). */
static int vdev_attach(struct vdev *d)
{
	struct vdev_vm_locked l = vdev_vm_lock(d->vm);
	int err;

	if ((err = vdev_map_bars(l, d)) || (viommu_of(d->vm) && (err = viommu_attach_vdev(d))))
		vdev_unmap_bars(l, d);
	vdev_vm_unlock(d->vm);
	return err;
}

int vdev_create(struct vm *vm, u16 segment, u16 bdf, u16 vendor, u16 device,
		const struct pa_range bars[6], u32 bar_type_bits[6], struct tdi *tdi,
		const struct vdev_backend *be, void *be_ctx)
{
	struct vdev *d;
	int err;

	if (!vm->id || vm->id > VM_MAX || !be || !be->cfg_read32)
		return trace_err(-E_INVAL);
	if (nvdevs[vm->id] == VDEV_MAX_PER_VM)
		return trace_err(-E_NOSPC);
	d = &vdevs[vm->id][nvdevs[vm->id]];
	memset(d, 0, sizeof(*d));
	*d = (struct vdev){ .vm = vm,
			    .idx = nvdevs[vm->id],
			    .segment = segment,
			    .bdf = bdf,
			    .vendor = vendor,
			    .device = device,
			    .be = be,
			    .be_ctx = be_ctx };
	d->handle = (u32)vm->id << 16 | MOAT_VDEV_TAG | d->idx;
	d->vbdf = (u16)(d->idx << 3);
	d->tdi = tdi;
	d->trusted = !tdi && vm->cfg && vm->cfg->pci_dma_all; /* config pci-dma = "all" */
	if ((err = vdev_place_bars(d, bars, bar_type_bits)) || (err = vdev_dma_setup(d)) ||
	    (err = vdev_own_bars(d)))
		return err;
	if (tdi && (err = tdi_assign(tdi, vm->id, &vdev_tsm_ops))) {
		vdev_disown_bars(d, 6);
		return err;
	}
	nvdevs[vm->id]++;
	if ((err = vdev_attach(d))) {
		if (tdi && tdi_vm_teardown(tdi, vm->id))
			pr_err("%s: %04x: TDI not released", vm->name, bdf);
		nvdevs[vm->id]--;
		vdev_disown_bars(d, 6);
		return err;
	}
	vdev_msix_setup(d);
	return 0;
}

/* The old instance's guest IOMMU state, under the VM's lock. */
static void vdev_viommu_reset(struct vm *vm)
{
	struct viommu *v = viommu_of(vm);

	if (!v)
		return;
	vdev_vm_lock(vm);
	for (unsigned i = 0; i < vdev_count(vm); i++) {
		struct vdev *d = &vdevs[vm->id][i];

		d->s1_set = false;
		d->vcmd = 0;
		d->sizing = 0;
		vdev_msix_reset(d);
		if (viommu_attach_vdev(d))
			pr_err("%s: %04x: DMA left blocked after reset", vm->name, d->bdf);
	}
	if (viommu_share(vm, vm->priv.base, vm->priv.size, false))
		pr_err("%s: converted pages not reset", vm->name);
	if (viommu_faultq_set(vm, gpa(0), 0)) /* the new instance registers its own */
		pr_err("%s: fault queue not reset", vm->name);
	vdev_vm_unlock(vm);
}

/* Every TDI of the old instance torn down, devices reconnected where the policy says so. */
static void vdev_tdi_reset(struct vdev *d)
{
	if (!d->tdi)
		return;
	hc_ops_drain(d->tdi->pdev); /* another VM's call on a shared device */
	if (d->tdi->state != TDI_CONFIG_UNLOCKED) {
		d->op_cause = MOAT_CAUSE_VM_TEARDOWN;
		if (tdi_unbind(d->tdi, d->vm->id))
			pr_err("%s: %04x: TDI teardown at reset failed", d->vm->name, d->bdf);
		d->op_cause = 0;
	}
	/* The policy may want a new session and new keys for the new instance. */
	if (tsm_vm_reset(d->tdi))
		pr_err("%s: %04x: device not reconnected after the reset", d->vm->name, d->bdf);
}

/*
 * SYSTEM_RESET: nothing of the old instance may survive in device state. Every TDI is torn
 * down (ordered teardown), guest stage-1s dropped, converted pages private again. The device
 * work runs in place under the operation lock (bounded by the device deadlines and the
 * report-fetch bound); the vIOMMU state under the VM's own lock only.
 */
void vdev_vm_reset(struct vm *vm)
{
	vdev_op_lock();
	hc_ops_vm_gone(vm->id); /* the old instance's calls in flight end, results dropped */
	for (unsigned i = 0; i < vdev_count(vm); i++)
		vdev_tdi_reset(&vdevs[vm->id][i]);
	vdev_op_end();
	vdev_viommu_reset(vm);
}

/* Power-off: every VM's device operations end (results dropped) before the TSM disconnects. */
void vdev_power_off(void)
{
	vdev_op_lock();
	for (unsigned i = 0; i < vm_count(); i++)
		hc_ops_vm_gone(vm_get(i)->id);
	vdev_op_end();
}

/* ---- virtual ECAM ---------------------------------------------------------------------------- */

static struct vdev *vdev_at_vbdf(struct vm *vm, u16 vbdf)
{
	for (unsigned i = 0; i < vdev_count(vm); i++)
		if (vdevs[vm->id][i].vbdf == vbdf)
			return &vdevs[vm->id][i];
	return NULL;
}

/* The PCIe capability, the only one a guest sees (0 if the function has none). */
static u16 vdev_pcie_cap(const struct vdev *d)
{
	u16 off = d->be->cfg_read32(d, 0x34) & 0xfc;

	if (!(d->be->cfg_read32(d, 0x04) >> 16 & PCI_STATUS_CAPLIST))
		return 0;
	for (unsigned n = 0; off >= 0x40 && n < PCI_CAP_WALK_MAX; n++) {
		u32 hdr = d->be->cfg_read32(d, off);

		if ((hdr & 0xff) == PCI_CAP_ID_EXP)
			return off;
		off = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/*
 * Issue 13 item 7: the guest sees [cap, cap + 0x3c) of the PCIe capability, cut at 0x100
 * whatever `cap` says, so that no capability offset exposes the extended space.
 */
static bool vdev_in_pcie_cap(u16 cap, u16 off)
{
	u16 end = (u16)MIN(cap + PCI_EXP_CAP_LEN, PCI_CFG_STD_END);

	return cap && off >= cap && off < end;
}

static u32 vdev_bar_read(const struct vdev *d, unsigned i)
{
	const struct vdev_bar *b = &d->bar[i];
	bool upper = i > 0 && !b->size && (d->bar[i - 1].type_bits & PCI_BAR_MEM64);

	if (upper) {
		b = &d->bar[i - 1];
		return (d->sizing & BIT(i)) ? (u32)(~(b->size - 1) >> 32) : (u32)(b->gpa.v >> 32);
	}
	if (!b->size)
		return 0;
	if (d->sizing & BIT(i))
		return ((u32) ~(b->size - 1) & ~0xfu) | b->type_bits;
	return ((u32)b->gpa.v & ~0xfu) | b->type_bits;
}

static u32 vdev_cfg_read(struct vdev *d, u16 off)
{
	u16 cap = vdev_pcie_cap(d), msix = d->msix.nvec ? d->msix.cap : 0;

	switch (off) {
	case 0x00: return (u32)d->device << 16 | d->vendor;
	case 0x04: return (u32)(cap || msix ? PCI_STATUS_CAPLIST : 0) << 16 | d->vcmd;
	case 0x08: return d->be->cfg_read32(d, 0x08);
	case 0x0c: return d->be->cfg_read32(d, 0x0c) & 0xffff; /* header type 0, one function */
	case 0x2c: return d->be->cfg_read32(d, 0x2c);
	case 0x34: return cap ? cap : msix;
	}
	if (off >= 0x10 && off < 0x28)
		return vdev_bar_read(d, (off - 0x10) / 4);
	if (vdev_in_pcie_cap(cap, off)) {
		u32 v = d->be->cfg_read32(d, off);

		/* The PCIe capability, then MSI-X (virtualized) if the function has it: no other. */
		return off == cap ? (v & ~0xff00u) | (u32)msix << 8 : v;
	}
	if (msix && off >= msix && off < msix + 12)
		return vmsix_cfg_read(&d->msix, off, d->be->cfg_read32(d, off), 0);
	return 0; /* everything else, the extended space included (DOE, IDE: Moat's) */
}

/*
 * The guest resets its function (Initiate FLR): for a TDI the ordered teardown comes first,
 * then the reset (tsm/tdi.h tdi_flr), as a device operation (hypercall_dev.c) that suspends
 * at every wait instead of holding a CPU and the operation lock for the reset's 100 ms and
 * more (issue 13 item 4). Without a TDI the bit is dropped.
 */
static void vdev_flr(struct vdev *d)
{
	if (d->tdi)
		hc_flr_request(d);
}

static void vdev_cfg_write(struct vdev *d, u16 off, u32 mask, u32 val)
{
	u16 cap = vdev_pcie_cap(d);

	if (vdev_in_pcie_cap(cap, off) && off == cap + PCI_EXP_DEVCTL &&
	    (mask & val & PCI_EXP_DEVCTL_FLR)) {
		vdev_flr(d);
		return;
	}
	if (d->msix.nvec && off == d->msix.cap) {
		vmsix_cfg_write(d->vm, &d->msix, off, mask, val);
		vdev_msix_sync(d);
		return;
	}
	if (off == 0x04) {
		/* Virtual: Moat keeps the physical memory decode and bus mastering it set up. */
		if (mask & 0xffff)
			d->vcmd = (u16)(val & (PCI_COMMAND_MEM | PCI_COMMAND_MASTER));
		return;
	}
	if (off >= 0x10 && off < 0x28 && mask == 0xffffffffu) {
		unsigned i = (off - 0x10) / 4;

		/* All-ones asks for the size; any other value is ignored: BARs do not move. */
		if (val == 0xffffffffu)
			d->sizing |= (u8)BIT(i);
		else
			d->sizing &= (u8)~BIT(i);
	}
}

bool vdev_ecam_mmio(struct vm *vm, u64 ipa, bool write, unsigned size, u64 *val)
{
	u64 off = ipa - MOAT_GPA_ECAM;
	struct vdev *d;
	unsigned sh;
	u32 mask;

	if (ipa < MOAT_GPA_ECAM || off >= MOAT_GPA_ECAM_SIZE)
		return false;
	d = vdev_at_vbdf(vm, (u16)(off >> 12));
	if (d && !write && vdev_flr_in_progress(d))
		hc_ops_poll(); /* the guest polls its function: the reset goes on meanwhile */
	if (!d || (size != 1 && size != 2 && size != 4) || (off & (size - 1)) ||
	    vdev_flr_in_progress(d)) {
		if (!write)
			*val = size == 8 ? ~0ULL : (u32)(BIT(8 * size) - 1);
		return true;
	}
	sh = (off & 3) * 8;
	mask = (size == 4 ? 0xffffffffu : (u32)(BIT(8 * size) - 1)) << sh;
	if (write)
		vdev_cfg_write(d, (u16)(off & 0xffc), mask, (u32)(*val << sh));
	else
		*val = (vdev_cfg_read(d, (u16)(off & 0xffc)) & mask) >> sh;
	return true;
}
