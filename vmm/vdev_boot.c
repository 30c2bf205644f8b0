// SPDX-License-Identifier: MIT
/*
 * Device assignment at VM build (docs/architecture.md section 3: "VMs built from the configuration
 * (stage-2, vIOMMU, vdevs, shared DMA for T=0)"): each configured PCI function becomes a vdev
 * of its VM, behind the VM's vIOMMU on the function's IOMMU unit (the one whose firmware
 * scope names its segment and requester IDs, bridge aliases included), with its TDI when the
 * TSM connected the device. tsm-policy decides what a function without a TDI means:
 * "required" refuses the VM, "optional" assigns it without TDISP, "none" never uses TDISP.
 */
#define LOG_COMPONENT "vdev"
#include <arch/mm.h>
#include <string.h>

#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/vdev_boot.h"
#include "vmm/viommu.h"
#include "lib/err.h"
#include "pci/pci.h"
#include "vmm/vdev_tsm.h"

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEM 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_CLASS_IOMMU 0x0806 /* base class 08h, sub-class 06h (PCI Code and ID Assignment) */

struct pci_state *pci_boot_state(void);

static u32 vdev_pci_cfg(const struct vdev *d, u16 off)
{
	return pci_dev_read32(d->be_ctx, off);
}

static int vdev_pci_evidence(struct vdev *d, enum moat_evidence kind, const u8 *nonce, u8 *buf,
			     size_t cap, size_t *len)
{
	(void)nonce;
	return kind == MOAT_EV_VCA_DIGEST ? vdev_tsm_vca_digest(d->tdi, buf, cap, len) : -E_NOTSUP;
}

/* The requester keys of a function: its own, the aliases bridges give it, its path. */
static int vdev_pci_iodev(const struct pci_dev *p, struct iommu_dev *dev)
{
	u16 seg = p->host ? p->host->segment : 0, alias[IOMMU_DEV_MAX_ALIAS];
	unsigned n, depth;
	int err;

	*dev = (struct iommu_dev){ .rid = IOMMU_RID(seg, p->bdf) };
	if ((err = pci_dma_aliases(p, alias, IOMMU_DEV_MAX_ALIAS, &n)) ||
	    (err = pci_dev_path(p, &dev->root_bus, dev->path, IOMMU_DEV_MAX_DEPTH, &depth)))
		return err;
	for (unsigned i = 0; i < n; i++)
		dev->alias[i] = IOMMU_RID(seg, alias[i]);
	dev->nalias = (u8)n;
	dev->depth = (u8)depth;
	return 0;
}

/* Issue 13 item 10: the unit is the one the firmware names for the function. */
static int vdev_pci_unit(const struct pci_dev *p, struct iommu **unit, struct iommu_dev *dev)
{
	char name[16];
	int err = vdev_pci_iodev(p, dev);

	if (!err)
		err = iommu_unit_for(dev, unit);
	if (!err)
		return 0;
	pci_bdf_str(p, name, sizeof(name));
	if (err == -E_NOENT)
		pr_err("%s: no IOMMU translates all of its DMA (firmware scope): not assignable",
		       name);
	else if (err == -E_CORRUPT)
		pr_err("%s: two IOMMUs claim its requester ID: firmware tables disagree", name);
	else
		pr_err("%s: its DMA aliases cannot be worked out: %s", name, err_str(err));
	return err;
}

static int vdev_pci_dma(const struct vdev *d, struct iommu **unit, struct iommu_dev *dev)
{
	return vdev_pci_unit(d->be_ctx, unit, dev);
}

static void vdev_pci_cfg_write(const struct vdev *d, u16 off, u32 v)
{
	pci_dev_write32(d->be_ctx, off, v);
}

static const struct vdev_backend vdev_pci_backend = { .cfg_read32 = vdev_pci_cfg,
						      .cfg_write32 = vdev_pci_cfg_write,
						      .evidence = vdev_pci_evidence,
						      .dma_identity = vdev_pci_dma };

static struct pci_dev *vdev_find_pci(u16 segment, u16 bdf)
{
	struct pci_state *s = pci_boot_state();

	for (unsigned i = 0; i < s->ndevs; i++) {
		struct pci_dev *p = &s->devs[i];

		if (p->bdf == bdf && (p->host ? p->host->segment : 0) == segment)
			return p;
	}
	return NULL;
}

/*
 * Issue 13 item 8: no function of another VM in its isolation group (pci/acs.c), and ACS on
 * in every downstream port above it. A port without ACS only widens the group.
 */
static int vdev_pci_isolate(const struct vm *vm, struct pci_dev *p, const char *name)
{
	struct pci_state *s = pci_boot_state();
	u32 g = pci_isolation_group(s, p);
	const struct pci_dev *bad;
	char other[16];
	int err;

	for (unsigned i = 0; i < s->ndevs; i++) {
		const struct pci_dev *o = &s->devs[i];

		if (o == p || !o->vm || o->vm == vm->id || pci_isolation_group(s, o) != g)
			continue;
		pci_bdf_str(o, other, sizeof(other));
		pr_err("%s: %s: one isolation group with %s of VM %u (no ACS between them): not "
		       "assignable",
		       vm->name, name, other, o->vm);
		return trace_err(-E_PERM);
	}
	err = pci_acs_enable_above(p, &bad);
	if (err == -E_NOTSUP)
		return 0;
	if (err) {
		pr_err("%s: %s: ACS could not be enabled above it: %s", vm->name, name,
		       err_str(err));
		return err;
	}
	return 0;
}

static int vdev_build_one(struct vm *vm, const struct cfg_pci_fn *fn)
{
	struct pci_dev *p = vdev_find_pci(fn->segment, fn->bdf);
	struct pa_range bars[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };
	struct tdi *tdi = NULL;
	char name[16];

	if (!p || p->hdr_type != 0) {
		pr_err("%s: pci-functions: %04x:%02x:%02x.%u is not an endpoint function", vm->name,
		       fn->segment, fn->bdf >> 8, (fn->bdf >> 3) & 31, fn->bdf & 7);
		return trace_err(-E_NODEV);
	}
	pci_bdf_str(p, name, sizeof(name));
	if (p->class_rev >> 16 == PCI_CLASS_IOMMU) { /* AMD-Vi sits on the bus: it is Moat's */
		pr_err("%s: %s is an IOMMU: not assignable", vm->name, name);
		return -E_PERM;
	}
	if (p->refused) { /* pci/bar.c: a BAR could not be placed safely */
		pr_err("%s: %s: its BARs failed the placement checks: not assignable", vm->name,
		       name);
		return trace_err(-E_PERM);
	}
	int err = vdev_pci_isolate(vm, p, name);
	if (err)
		return err;
	if (vm->cfg->tsm != TSM_POLICY_NONE)
		tdi = vdev_tsm_find(fn->segment, fn->bdf);
	if (!tdi && vm->cfg->tsm == TSM_POLICY_REQUIRED) {
		pr_err("%s: %s: tsm-policy \"required\" but the device is not connected", vm->name,
		       name);
		return trace_err(-E_PERM);
	}
	for (unsigned b = 0; b < 6; b++) {
		bars[b] = (struct pa_range){ pa(p->bar[b]), p->bar[b] ? p->bar_size[b] : 0 };
		types[b] = pci_dev_read32(p, (u16)(0x10 + 4 * b)) & 0xf;
	}
	/* Moat keeps decode and bus mastering on: DMA is confined by the vIOMMU, not by these. */
	pci_cfg_write16(p->host, p->bdf, PCI_COMMAND,
			pci_cfg_read16(p->host, p->bdf, PCI_COMMAND) | PCI_COMMAND_MEM |
				PCI_COMMAND_MASTER);
	err = vdev_create(vm, fn->segment, fn->bdf, p->vendor, p->device, bars, types, tdi,
			  &vdev_pci_backend, p);
	if (err) {
		pr_err("%s: %s: cannot assign: %s", vm->name, name, err_str(err));
		return err;
	}
	p->vm = (u16)vm->id;
	pr_info("%s: %s %04x:%04x assigned as vdev 0x%x%s", vm->name, name, p->vendor, p->device,
		vdev_at(vm, vdev_count(vm) - 1)->handle, tdi ? ", TDI unbound" : " (no TDISP)");
	return 0;
}

/* The vIOMMU starts on the unit of the VM's first function; others join as vdevs attach. */
static int vdev_first_unit(const struct vm *vm, struct iommu **u)
{
	const struct cfg_pci_fn *fn = &vm->cfg->pci[0];
	struct pci_dev *p = vdev_find_pci(fn->segment, fn->bdf);
	struct iommu_dev dev;

	if (!iommu_unit_count()) {
		pr_err("%s: pci-functions: no IOMMU, device DMA could not be confined", vm->name);
		return trace_err(-E_NODEV);
	}
	if (!p) {
		pr_err("%s: pci-functions: %04x:%02x:%02x.%u not found", vm->name, fn->segment,
		       fn->bdf >> 8, (fn->bdf >> 3) & 31, fn->bdf & 7);
		return trace_err(-E_NODEV);
	}
	return vdev_pci_unit(p, u, &dev);
}

int vdev_vm_build(struct moat_ctx *ctx, struct vm *vm)
{
	const struct vm_config *c = vm->cfg;
	struct iommu *u;
	paddr_t bits;
	int err;

	if (!c->npci)
		return 0;
	if ((err = vdev_first_unit(vm, &u)))
		return err;
	if ((err = frame_alloc_run(ctx->frames,
				   (viommu_bitmap_bytes(vm) + PAGE_SIZE - 1) >> PAGE_SHIFT,
				   PAGE_SIZE, &bits)))
		return err;
	memset(phys_to_virt(bits), 0, viommu_bitmap_bytes(vm));
	if ((err = viommu_init(vm, u, phys_to_virt(bits)))) {
		pr_err("%s: vIOMMU: %s", vm->name, err_str(err));
		return err;
	}
	for (unsigned i = 0; i < c->npci; i++)
		if ((err = vdev_build_one(vm, &c->pci[i])))
			return err;
	return 0;
}
