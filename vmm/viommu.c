// SPDX-License-Identifier: MIT
/*
 * The per-VM vIOMMU (vmm/viommu.h), vendor-neutral: the shared (T=0) and full (T=1) nesting
 * parents, the guest's page conversions, the vdevs' attachment, guest stage-1 tables and
 * invalidations, and the fault queue. Guest values arrive already copied and size-checked by
 * hypercall_dev.c; the vendor part of the VM's unit (vmm/viommu_vendor.h: viommu_smmu.c,
 * viommu_vtd.c, viommu_amd.c) checks and translates the typed stage-1 and invalidation forms,
 * this file everything else (ranges, ownership, the views).
 */
#define LOG_COMPONENT "viommu"
#include "vmm/viommu.h"
#include "vmm/viommu_vendor.h"

#include <arch/mm.h>
#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

#define VIOMMU_PROT (PT_PROT_R | PT_PROT_W)

static struct viommu viommus[VM_MAX + 1];

/*
 * Issue 13 item 4: the vIOMMU calls of different VMs run at once (each under its own VM's
 * lock), but the IOMMU units' command queues and the table-frame allocator behind them are
 * shared: every call into the IOMMU core from here holds this lock. It covers table updates
 * and command completions, both bounded (the spec's completion limit), never a device wait.
 */
static struct spinlock viommu_hw = SPINLOCK_INIT;

static void viommu_fault_irq(struct iommu *u);
static void viommu_detach_locked(struct vdev *d);

/* View owners are VM ids; the IOMMU core accounts faults per owner below this bound. */
_Static_assert(VM_MAX < IOMMU_FAULT_OWNERS, "a VM id without its own fault ring");

struct viommu *viommu_of(const struct vm *vm)
{
	if (!vm || vm->id == 0 || vm->id > VM_MAX || !viommus[vm->id].nunits)
		return NULL;
	return &viommus[vm->id];
}

static struct viommu_unit *viommu_unit_of(struct viommu *v, const struct iommu *unit)
{
	for (unsigned i = 0; i < v->nunits; i++)
		if (v->u[i].unit == unit)
			return &v->u[i];
	return NULL;
}

struct iommu_domain *viommu_view(struct viommu *v, const struct iommu *unit, enum viommu_view w)
{
	struct viommu_unit *vu = v ? viommu_unit_of(v, unit) : NULL;

	return vu ? &vu->view[w] : NULL;
}

u64 viommu_bitmap_bytes(const struct vm *vm)
{
	return ((vm->priv.size >> PAGE_SHIFT) + 63) / 64 * 8;
}

static int viommu_map_ram(struct iommu_domain *d, const struct vm_ram *r)
{
	return r->size ? iommu_s2_map(d, r->base, r->hpa, r->size, VIOMMU_PROT) : 0;
}

static void viommu_views_fini(struct viommu_unit *vu, const char *name)
{
	for (unsigned i = 0; i < 2; i++) {
		if (vu->view[i].kind) {
			if (iommu_s2_unmap(&vu->view[i], gpa(0), 1ULL << vu->view[i].s2.cfg.ias) ||
			    iommu_domain_fini(&vu->view[i]))
				pr_err("%s: vIOMMU view %u still in use", name, i);
		}
	}
	memset(vu, 0, sizeof(*vu));
}

/* Private pages the guest shared, into a new shared view: runs of set bits. */
static int viommu_replay_shared(struct viommu *v, struct iommu_domain *d)
{
	const struct vm *vm = v->vm;
	u64 pg = 0, run;
	int err;

	while (pg < v->npriv_pages) {
		for (run = 0; pg + run < v->npriv_pages &&
			      (v->share_bits[(pg + run) / 64] & BIT((pg + run) % 64));
		     run++)
			;
		if (run && (err = iommu_s2_map(d, gpa(vm->priv.base.v + (pg << PAGE_SHIFT)),
					       pa(vm->priv.hpa.v + (pg << PAGE_SHIFT)),
					       run << PAGE_SHIFT, VIOMMU_PROT)))
			return err;
		pg += run + 1;
	}
	return 0;
}

/*
 * The views' guest-physical size: as large as the unit's driver says its nesting parents
 * translate (a driver without `info`: just enough for the VM's RAM); the RAM must fit.
 */
static int viommu_gpa_bits(const struct vm *vm, struct iommu *unit, unsigned *bits)
{
	u64 end = MAX(vm->priv.base.v + vm->priv.size, vm->shared.base.v + vm->shared.size);
	struct iommu_info info;
	unsigned need = 64 - (unsigned)__builtin_clzll(end | 1);

	*bits = iommu_unit_info(unit, &info) ? need : info.s2_ias_max;
	if (*bits < need)
		return trace_err(-E_RANGE);
	return 0;
}

/* The two views on one more unit, owned by the VM, with its RAM as the other units have it. */
static int viommu_views_add(struct viommu *v, struct iommu *unit, struct viommu_unit **out)
{
	struct vm *vm = v->vm;
	struct viommu_unit *vu;
	unsigned bits;
	int err;

	if (v->nunits == VIOMMU_MAX_UNITS)
		return trace_err(-E_NOSPC);
	if ((err = viommu_gpa_bits(vm, unit, &bits)))
		return err;
	vu = &v->u[v->nunits];
	memset(vu, 0, sizeof(*vu));
	vu->unit = unit;
	for (unsigned i = 0; i < 2; i++) {
		if ((err = iommu_domain_s2_init(&vu->view[i], unit, bits))) {
			viommu_views_fini(vu, vm->name);
			return err;
		}
		vu->view[i].owner = vm->id;
	}
	/* The shared view: shared RAM only; the full view: all of the VM's RAM. */
	if ((err = viommu_map_ram(&vu->view[VIOMMU_SHARED], &vm->shared)) ||
	    (err = viommu_replay_shared(v, &vu->view[VIOMMU_SHARED])) ||
	    (err = viommu_map_ram(&vu->view[VIOMMU_FULL], &vm->priv)) ||
	    (err = viommu_map_ram(&vu->view[VIOMMU_FULL], &vm->shared))) {
		viommu_views_fini(vu, vm->name);
		return err;
	}
	v->nunits++;
	*out = vu;
	return 0;
}

int viommu_init(struct vm *vm, struct iommu *unit, u64 *bitmap)
{
	struct viommu_unit *vu;
	struct viommu *v;
	int err;

	if (vm->id == 0 || vm->id > VM_MAX || !unit || !bitmap)
		return trace_err(-E_INVAL);
	v = &viommus[vm->id];
	if (v->nunits)
		return trace_err(-E_EXIST);
	iommu_fault_notify_set(viommu_fault_irq);
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->share_bits = bitmap;
	v->npriv_pages = vm->priv.size >> PAGE_SHIFT;
	if ((err = viommu_views_add(v, unit, &vu)))
		memset(v, 0, sizeof(*v));
	return err;
}

void viommu_fini(struct vm *vm)
{
	struct viommu *v = &viommus[vm->id];

	if (!v->nunits)
		return;
	spin_lock(&viommu_hw);
	for (unsigned i = 0; i < vdev_count(vm); i++)
		viommu_detach_locked(vdev_at(vm, i));
	for (unsigned i = 0; i < v->nunits; i++)
		viommu_views_fini(&v->u[i], vm->name);
	memset(v, 0, sizeof(*v));
	spin_unlock(&viommu_hw);
}

/* ---- page conversion ----------------------------------------------------------------------- */

bool viommu_page_shared(const struct vm *vm, gpa_t g)
{
	const struct viommu *v = viommu_of(vm);
	u64 pg;

	if (vm_gpa_kind(vm, g) == VM_MEM_SHARED)
		return true;
	if (!v || vm_gpa_kind(vm, g) != VM_MEM_PRIVATE)
		return false;
	pg = (g.v - vm->priv.base.v) >> PAGE_SHIFT;
	return v->share_bits[pg / 64] & BIT(pg % 64);
}

static void viommu_bits(struct viommu *v, u64 first, u64 n, bool set)
{
	for (u64 pg = first; pg < first + n; pg++) {
		if (set)
			v->share_bits[pg / 64] |= BIT(pg % 64);
		else
			v->share_bits[pg / 64] &= ~BIT(pg % 64);
	}
}

/*
 * The shared view follows the bitmap. Unsharing unmaps the pages from T=0 DMA and
 * iommu_s2_unmap() has invalidated the IOTLBs (and ATCs) before it returns.
 */
/* Stops at the first unit that fails: what the earlier units mapped is taken back. */
static int viommu_share_map(struct viommu *v, gpa_t g, paddr_t hpa, u64 len)
{
	int err;

	for (unsigned i = 0; i < v->nunits; i++) {
		if (!(err = iommu_s2_map(&v->u[i].view[VIOMMU_SHARED], g, hpa, len, VIOMMU_PROT)))
			continue;
		while (i--)
			if (iommu_s2_unmap(&v->u[i].view[VIOMMU_SHARED], g, len))
				pr_err("%s: shared view of unit %u keeps a failed share",
				       v->vm->name, v->u[i].unit->index);
		return err;
	}
	return 0;
}

/* Every unit, even after one failed (that one owes its invalidation: iommu/iommu.c). */
static int viommu_share_unmap(struct viommu *v, gpa_t g, u64 len)
{
	int err = 0, e;

	for (unsigned i = 0; i < v->nunits; i++)
		if ((e = iommu_s2_unmap(&v->u[i].view[VIOMMU_SHARED], g, len)) && !err)
			err = e;
	return err;
}

/*
 * Issue 13 item 13: a page holding the stage-1 root (SMMUv3 CD, VT-d first-stage root table,
 * AMD GCR3 table) of a vdev on the full view stays private; shared, the VM's untrusted
 * devices could rewrite it and aim the trusted one at any private page (a confused deputy).
 */
static bool viommu_shares_trusted_root(const struct vm *vm, gpa_t g, u64 len)
{
	for (unsigned i = 0; i < vdev_count(vm); i++) {
		const struct vdev *d = vdev_at(vm, i);
		u64 rlen;
		gpa_t root;

		if (!d->trusted || !d->s1_set)
			continue;
		root = viommu_s1_root(d, &rlen);
		if (root.v - g.v < len || g.v - root.v < rlen) {
			pr_warn("%s: vdev 0x%x: its stage-1 context page 0x%llx stays private "
				"while its TDI has trusted DMA",
				vm->name, d->handle, (unsigned long long)root.v);
			return true;
		}
	}
	return false;
}

int viommu_share(struct vm *vm, gpa_t g, u64 len, bool share)
{
	struct viommu *v = viommu_of(vm);
	u64 off = g.v - vm->priv.base.v;
	int err;

	if (!v)
		return trace_err(-E_NODEV);
	if (!vm_gpa_to_host(vm, g, len, VM_MEM_PRIVATE) || !IS_ALIGNED(g.v | len, PAGE_SIZE))
		return trace_err(-E_RANGE);
	if (share && viommu_shares_trusted_root(vm, g, len))
		return trace_err(-E_PERM);
	spin_lock(&viommu_hw);
	if (share)
		err = viommu_share_map(v, g, pa(vm->priv.hpa.v + off), len);
	else
		err = viommu_share_unmap(v, g, len);
	spin_unlock(&viommu_hw);
	if (err)
		return err;
	viommu_bits(v, off >> PAGE_SHIFT, len >> PAGE_SHIFT, share);
	return 0;
}

/* ---- attachment ---------------------------------------------------------------------------- */

static void viommu_detach_locked(struct vdev *d)
{
	if (d->dom && iommu_detach(d->dom, d->rid, IOMMU_NO_PASID))
		pr_err("%s: %04x: detach failed", d->vm->name, d->bdf);
	d->dom = NULL;
	if (d->nested.kind && iommu_domain_fini(&d->nested))
		pr_err("%s: %04x: nested domain still in use", d->vm->name, d->bdf);
	memset(&d->nested, 0, sizeof(d->nested));
}

void viommu_detach_vdev(struct vdev *d)
{
	spin_lock(&viommu_hw);
	viommu_detach_locked(d);
	spin_unlock(&viommu_hw);
}

/* ---- vendor parts ---------------------------------------------------------------------- */

static const struct viommu_vendor *const viommu_vendors[] = { &viommu_smmu, &viommu_vtd,
							      &viommu_amd };

/* The vendor part of a unit: its driver's vendor. */
static const struct viommu_vendor *viommu_vendor_of(const struct iommu *unit)
{
	for (unsigned i = 0; unit && i < ARRAY_SIZE(viommu_vendors); i++)
		if (viommu_vendors[i]->vendor == unit->drv->vendor)
			return viommu_vendors[i];
	return NULL;
}

/* The unit a vdev's DMA goes through (before its first attach: the VM's first). */
static struct iommu *viommu_vdev_unit(const struct viommu *v, const struct vdev *d)
{
	return d->unit ? d->unit : v->u[0].unit;
}

/* Where a stage-1 of vdev `d` keeps its root structure (its unit's vendor part says). */
static gpa_t viommu_root_of(const struct vdev *d, const struct iommu_s1 *s1, u64 *len)
{
	const struct viommu *v = viommu_of(d->vm);
	const struct viommu_vendor *p = v ? viommu_vendor_of(viommu_vdev_unit(v, d)) : NULL;

	*len = 0;
	return p ? p->s1_root(s1, len) : gpa(0);
}

gpa_t viommu_s1_root(const struct vdev *d, u64 *len)
{
	*len = 0;
	return d->s1_set ? viommu_root_of(d, &d->s1, len) : gpa(0);
}

bool viommu_in_ram(const struct vm *vm, u64 g, u64 len)
{
	return vm_gpa_to_host(vm, gpa(g), len, VM_MEM_ANY) != NULL;
}

/*
 * Detach first (the stream aborts meanwhile: never a moment with the wrong view), then attach
 * to the view the vdev's state allows, through a nested domain if the guest gave a stage-1.
 * A failure leaves the stream blocked.
 */
static int viommu_attach_locked(struct vdev *d)
{
	struct viommu *v = viommu_of(d->vm);
	struct iommu_domain *parent, *target;
	struct viommu_unit *vu;
	int err;

	if (!v)
		return trace_err(-E_NODEV);
	viommu_detach_locked(d);
	if (!d->unit) /* written once: fault delivery reads it without the VM's lock */
		d->unit = viommu_vdev_unit(v, d); /* the backend did not say: the VM's first unit */
	vu = viommu_unit_of(v, d->unit);
	if (!vu && (err = viommu_views_add(v, d->unit, &vu)))
		return err;
	parent = &vu->view[d->trusted ? VIOMMU_FULL : VIOMMU_SHARED];
	target = parent;
	if (d->s1_set) {
		if ((err = iommu_domain_nested_init(&d->nested, parent, &d->s1))) {
			memset(&d->nested, 0, sizeof(d->nested));
			return err;
		}
		target = &d->nested;
	}
	if ((err = iommu_attach_dev(target, &d->iodev, IOMMU_NO_PASID))) {
		viommu_detach_locked(d);
		return err;
	}
	d->dom = target;
	return 0;
}

int viommu_attach_vdev(struct vdev *d)
{
	int err;

	spin_lock(&viommu_hw);
	err = viommu_attach_locked(d);
	spin_unlock(&viommu_hw);
	return err;
}

/* The stage-1's root lies in private RAM the guest has not shared (no untrusted DMA reaches it). */
static bool viommu_root_private(const struct vdev *d, const struct iommu_s1 *s1)
{
	u64 len;
	gpa_t root = viommu_root_of(d, s1, &len);

	for (u64 off = 0; off < len; off += PAGE_SIZE)
		if (viommu_page_shared(d->vm, gpa(root.v + off)))
			return false;
	return len && vm_gpa_to_host(d->vm, root, len, VM_MEM_PRIVATE);
}

int viommu_set_trusted(struct vdev *d, bool trusted)
{
	bool was = d->trusted;
	int err;

	if (trusted && d->s1_set && !viommu_root_private(d, &d->s1)) {
		pr_err("%s: vdev 0x%x: trusted DMA refused: its stage-1 context 0x%llx is in "
		       "memory its untrusted devices reach",
		       d->vm->name, d->handle,
		       (unsigned long long)viommu_s1_root(d, &(u64){ 0 }).v);
		return trace_err(-E_PERM);
	}
	d->trusted = trusted;
	err = viommu_attach_vdev(d);
	if (err && trusted) {
		d->trusted = was;
		if (viommu_attach_vdev(d))
			pr_err("%s: %04x: DMA left blocked", d->vm->name, d->bdf);
	}
	return err;
}

/* The guest's description, checked by the vendor part of the vdev's unit. */
static int viommu_s1_parse(struct vdev *d, const struct moat_s1_desc *g, struct iommu_s1 *out)
{
	struct viommu *v = viommu_of(d->vm);
	struct iommu *unit = v ? viommu_vdev_unit(v, d) : NULL;
	const struct viommu_vendor *p = viommu_vendor_of(unit);
	struct iommu_info info;
	int err;

	if (!p)
		return trace_err(-E_NODEV);
	if (g->type != p->type)
		return trace_err(-E_INVAL); /* another vendor's form */
	if ((err = iommu_unit_info(unit, &info)))
		return err;
	info.s1_formats &= p->s1_formats;
	info.pasid_bits = MIN(info.pasid_bits, VIOMMU_PASID_BITS);
	memset(out, 0, sizeof(*out));
	return p->s1_parse(d->vm, g, &info, out);
}

/*
 * The unit's driver checks the description too (what its hardware supports, the root
 * mapped by the view): on a scratch domain first, so that a refused one leaves the vdev's
 * DMA as it was rather than detached and restored.
 */
static int viommu_s1_try(struct vdev *d, const struct iommu_s1 *s1)
{
	static struct iommu_domain scratch; /* under viommu_hw */
	struct iommu_domain *parent;
	int err;

	spin_lock(&viommu_hw);
	parent = viommu_view(viommu_of(d->vm), d->unit, d->trusted ? VIOMMU_FULL : VIOMMU_SHARED);
	err = parent ? iommu_domain_nested_init(&scratch, parent, s1) : 0;
	if (parent && !err && iommu_domain_fini(&scratch))
		err = trace_err(-E_STATE);
	spin_unlock(&viommu_hw);
	return err;
}

int viommu_set_s1(struct vdev *d, const struct moat_s1_desc *g)
{
	struct iommu_s1 old = d->s1, s1;
	bool had = d->s1_set;
	int err = viommu_s1_parse(d, g, &s1);

	if (err)
		return err;
	if (d->trusted && !viommu_root_private(d, &s1))
		return trace_err(-E_PERM); /* issue 13 item 13: see viommu_set_trusted() */
	if ((err = viommu_s1_try(d, &s1)))
		return err;
	d->s1 = s1;
	d->s1_set = true;
	if ((err = viommu_attach_vdev(d))) {
		d->s1 = old;
		d->s1_set = had;
		if (viommu_attach_vdev(d))
			pr_err("%s: %04x: DMA left blocked", d->vm->name, d->bdf);
	}
	return err;
}

int viommu_clear_s1(struct vdev *d)
{
	if (!d->s1_set)
		return trace_err(-E_STATE);
	d->s1_set = false;
	memset(&d->s1, 0, sizeof(d->s1));
	return viommu_attach_vdev(d);
}

/* ---- VIOMMU_INFO -------------------------------------------------------------------------- */

_Static_assert(IOMMU_S1FMT_ARM_4K == MOAT_S1FMT_ARM_4K && IOMMU_S1FMT_X86_4L == MOAT_S1FMT_X86_4L &&
		       IOMMU_S1FMT_X86_5L == MOAT_S1FMT_X86_5L,
	       "stage-1 format bits are the ABI's");

/* What the VM's first unit offers, as its driver reports it, bounded by the vendor part. */
int viommu_info(struct vm *vm, struct moat_viommu_info *out)
{
	struct viommu *v = viommu_of(vm);
	const struct viommu_vendor *p = v ? viommu_vendor_of(v->u[0].unit) : NULL;
	struct iommu_info info;
	int err;

	if (!v)
		return trace_err(-E_NODEV);
	if (!p)
		return trace_err(-E_NOTSUP);
	if ((err = iommu_unit_info(v->u[0].unit, &info)))
		return err;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->type = p->type;
	out->formats = info.s1_formats & p->s1_formats;
	out->ias_bits = info.s1_ias;
	out->ipa_bits = (u8)v->u[0].view[VIOMMU_SHARED].s2.cfg.ias;
	out->ssid_bits = (u8)MIN(info.pasid_bits, VIOMMU_PASID_BITS);
	out->asid_bits = info.tag_bits;
	out->nr_vdevs = vdev_count(vm);
	out->inv_max = MOAT_INV_MAX;
	return 0;
}

/* ---- invalidation -------------------------------------------------------------------------- */

int viommu_inv_domain(struct iommu_domain *d, const struct iommu_inv *inv)
{
	unsigned done;
	int err;

	spin_lock(&viommu_hw);
	err = iommu_invalidate(d, inv, 1, &done);
	spin_unlock(&viommu_hw);
	return err;
}

int viommu_inv_views(struct viommu *v, const struct iommu_inv *inv)
{
	unsigned done;
	int err = 0;

	spin_lock(&viommu_hw);
	for (unsigned u = 0; u < v->nunits && !err; u++)
		for (unsigned i = 0; i < 2 && !err; i++)
			err = iommu_invalidate(&v->u[u].view[i], inv, 1, &done);
	spin_unlock(&viommu_hw);
	return err;
}

int viommu_inv_nested(struct viommu *v, viommu_s1_match match, u32 key, const struct iommu_inv *inv)
{
	bool found = false;
	unsigned done;
	int err = 0;

	spin_lock(&viommu_hw);
	for (unsigned i = 0; i < vdev_count(v->vm) && !err; i++) {
		struct vdev *d = vdev_at(v->vm, i);

		if (!d->nested.kind || !match(&d->nested.s1, key))
			continue;
		found = true;
		err = iommu_invalidate(&d->nested, inv, 1, &done);
	}
	spin_unlock(&viommu_hw);
	return found ? err : trace_err(-E_PERM);
}

int viommu_vdev_attached(struct viommu *v, u32 handle, struct vdev **out)
{
	struct vdev *d = vdev_from_handle(v->vm, handle);

	if (!d)
		return trace_err(-E_PERM);
	if (!d->dom)
		return trace_err(-E_STATE);
	*out = d;
	return 0;
}

/* The entry goes to the vendor part of the VM's vIOMMU; it refuses other vendors' forms. */
int viommu_invalidate_one(struct vm *vm, const struct moat_inv *e)
{
	struct viommu *v = viommu_of(vm);
	const struct viommu_vendor *p = v ? viommu_vendor_of(v->u[0].unit) : NULL;

	if (!v)
		return trace_err(-E_NODEV);
	if (!p)
		return trace_err(-E_NOTSUP);
	return p->invalidate(v, e);
}

/* ---- faults -------------------------------------------------------------------------------- */

/*
 * Issue 13 item 3: registration and delivery both hold fq_lock, so a record is never written
 * into a page being (re)initialised or after its queue went away; the delivery reads the
 * registration once, under the lock.
 */
int viommu_faultq_set(struct vm *vm, gpa_t page, unsigned intid)
{
	struct viommu *v = viommu_of(vm);
	struct moat_fault_queue *q = NULL;

	if (!v)
		return trace_err(-E_NODEV);
	if (page.v || intid) {
		if (!IS_ALIGNED(page.v, PAGE_SIZE) || intid < 32 || intid >= VDEV_SPI_END)
			return trace_err(-E_INVAL);
		if (!(q = vm_gpa_to_host(vm, page, PAGE_SIZE, VM_MEM_ANY)))
			return trace_err(-E_RANGE);
	}
	spin_lock(&v->fq_lock);
	if (q) {
		memset(q, 0, PAGE_SIZE);
		q->size = sizeof(*q);
		q->nslots = (PAGE_SIZE - sizeof(*q)) / sizeof(struct moat_fault);
	}
	v->fq = q ? page : gpa(0);
	v->fq_intid = q ? intid : 0;
	spin_unlock(&v->fq_lock);
	return 0;
}

/* The vdev a fault record names: its requester on that unit, in the VM owning the tag. */
static struct vdev *viommu_vdev_of_fault(struct iommu *u, const struct iommu_fault *f)
{
	struct viommu *v = f->owner && f->owner <= VM_MAX ? &viommus[f->owner] : NULL;

	if (!v || !v->nunits || !viommu_unit_of(v, u))
		return NULL;
	for (unsigned j = 0; j < vdev_count(v->vm); j++) {
		struct vdev *d = vdev_at(v->vm, j);

		if (d->unit == u && d->rid == f->rid)
			return d;
	}
	return NULL;
}

/*
 * The queue lives in guest memory: head is the guest's, and so in effect is tail (the guest
 * can write the whole page). Each is read once, atomically, and bounded; a full (or
 * corrupted) queue counts an overflow and drops the record.
 */
static bool viommu_queue_put(struct moat_fault_queue *q, const struct moat_fault *rec)
{
	u32 n = (PAGE_SIZE - sizeof(*q)) / sizeof(*rec);
	u32 head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	u32 tail = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);

	if (head >= n || tail >= n || (tail + 1) % n == head) {
		__atomic_fetch_add(&q->overflow, 1, __ATOMIC_RELAXED);
		return false;
	}
	memcpy(&q->rec[tail], rec, sizeof(*rec));
	__atomic_store_n(&q->tail, (tail + 1) % n, __ATOMIC_RELEASE);
	return true;
}

/* One record into the vdev's VM queue, then the SPI; writers (fault drain, TDI teardown) lock. */
static void viommu_record_post(struct vdev *d, struct moat_fault *rec)
{
	struct viommu *v = viommu_of(d->vm);
	struct moat_fault_queue *q;

	if (!v)
		return;
	rec->size = sizeof(*rec);
	rec->vdev = d->handle;
	spin_lock(&v->fq_lock);
	q = v->fq.v ? vm_gpa_to_host(d->vm, v->fq, PAGE_SIZE, VM_MEM_ANY) : NULL;
	if (!q)
		v->faults_lost++;
	else if (viommu_queue_put(q, rec))
		arch_vm_raise_spi(d->vm, v->fq_intid);
	spin_unlock(&v->fq_lock);
}

static void viommu_fault_write(struct vdev *d, const struct iommu_fault *f)
{
	struct moat_fault rec = { 0 };

	rec.addr = f->addr;
	rec.fetch = f->fetch_addr;
	rec.stage = (u8)f->stage;
	rec.kind = (u8)f->kind;
	rec.access = (u8)f->access;
	viommu_record_post(d, &rec);
}

void viommu_tdi_event(struct vdev *d, unsigned cause)
{
	struct moat_fault rec = { 0 };

	rec.stage = MOAT_FAULT_TDI_EVENT;
	rec.kind = (u8)cause;
	viommu_record_post(d, &rec);
}

/* The unit's fault records to the VMs owning the faulting streams (others are dropped). */
static void viommu_unit_deliver(struct iommu *u)
{
	struct iommu_fault f;

	while (!iommu_fault_pop(u, &f)) {
		struct vdev *d = viommu_vdev_of_fault(u, &f);

		if (d)
			viommu_fault_write(d, &f);
	}
}

static struct spinlock deliver_lock = SPINLOCK_INIT;

/*
 * Polling, for units without interrupts. An interrupt-driven unit's records are taken only by
 * its handler (viommu_fault_irq, on the one CPU its interrupts are routed to), so each fault
 * ring has a single consumer.
 */
void viommu_faults_deliver(void)
{
	if (!spin_trylock(&deliver_lock))
		return; /* another CPU is draining the queues */
	for (unsigned i = 0; i < iommu_unit_count(); i++) {
		struct iommu *u = iommu_unit(i);

		if (u->irq_driven)
			continue;
		if (u->drv->ops->fault_poll && u->drv->ops->fault_poll(u))
			continue;
		viommu_unit_deliver(u);
	}
	spin_unlock(&deliver_lock);
}

/* iommu_fault_notify(): the unit's interrupt handler has drained the hardware. */
static void viommu_fault_irq(struct iommu *u)
{
	viommu_unit_deliver(u);
}
