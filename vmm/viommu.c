// SPDX-License-Identifier: MIT
/*
 * The per-VM vIOMMU (vmm/viommu.h): the shared (T=0) and full (T=1) nesting parents, the
 * guest's page conversions, the vdevs' attachment, guest stage-1 tables and invalidations, and
 * the fault queue. Guest values arrive already copied and size-checked by hypercall_dev.c;
 * everything else about them (alignment, ranges, reserved fields, ownership) is checked here.
 */
#define LOG_COMPONENT "viommu"
#include "vmm/viommu.h"

#include <arch/mm.h>
#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

#define VIOMMU_GPA_BITS 40 /* guest RAM ends below 2^37 (VM_RAM_BASE + CFG_MEM_MAX) */
#define VIOMMU_PROT (PT_PROT_R | PT_PROT_W)

static struct viommu viommus[VM_MAX + 1];

static void viommu_fault_irq(struct iommu *u);

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
			if (iommu_s2_unmap(&vu->view[i], gpa(0), 1ULL << VIOMMU_GPA_BITS) ||
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

/* The two views on one more unit, owned by the VM, with its RAM as the other units have it. */
static int viommu_views_add(struct viommu *v, struct iommu *unit, struct viommu_unit **out)
{
	struct vm *vm = v->vm;
	struct viommu_unit *vu;
	int err;

	if (v->nunits == VIOMMU_MAX_UNITS)
		return -E_NOSPC;
	vu = &v->u[v->nunits];
	memset(vu, 0, sizeof(*vu));
	vu->unit = unit;
	for (unsigned i = 0; i < 2; i++) {
		if ((err = iommu_domain_s2_init(&vu->view[i], unit, VIOMMU_GPA_BITS))) {
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
		return -E_INVAL;
	v = &viommus[vm->id];
	if (v->nunits)
		return -E_EXIST;
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
	for (unsigned i = 0; i < vdev_count(vm); i++)
		viommu_detach_vdev(vdev_at(vm, i));
	for (unsigned i = 0; i < v->nunits; i++)
		viommu_views_fini(&v->u[i], vm->name);
	memset(v, 0, sizeof(*v));
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

int viommu_share(struct vm *vm, gpa_t g, u64 len, bool share)
{
	struct viommu *v = viommu_of(vm);
	u64 off = g.v - vm->priv.base.v;
	int err;

	if (!v)
		return -E_NODEV;
	if (!vm_gpa_to_host(vm, g, len, VM_MEM_PRIVATE) || !IS_ALIGNED(g.v | len, PAGE_SIZE))
		return -E_RANGE;
	if (share)
		err = viommu_share_map(v, g, pa(vm->priv.hpa.v + off), len);
	else
		err = viommu_share_unmap(v, g, len);
	if (err)
		return err;
	viommu_bits(v, off >> PAGE_SHIFT, len >> PAGE_SHIFT, share);
	return 0;
}

/* ---- attachment ---------------------------------------------------------------------------- */

void viommu_detach_vdev(struct vdev *d)
{
	if (d->dom && iommu_detach(d->dom, d->rid, IOMMU_NO_PASID))
		pr_err("%s: %04x: detach failed", d->vm->name, d->bdf);
	d->dom = NULL;
	if (d->nested.kind && iommu_domain_fini(&d->nested))
		pr_err("%s: %04x: nested domain still in use", d->vm->name, d->bdf);
	memset(&d->nested, 0, sizeof(d->nested));
}

static void viommu_s1_desc(const struct moat_s1_smmu *g, struct iommu_s1 *s1)
{
	memset(s1, 0, sizeof(*s1));
	s1->vendor = IOMMU_VENDOR_SMMUV3;
	s1->smmu.s1ctxptr = gpa(g->cd_table);
	s1->smmu.s1fmt = IOMMU_SMMU_S1FMT_LINEAR;
	s1->smmu.s1cdmax = g->s1cdmax;
}

/*
 * Detach first (the stream aborts meanwhile: never a moment with the wrong view), then attach
 * to the view the vdev's state allows, through a nested domain if the guest gave a stage-1.
 * A failure leaves the stream blocked.
 */
int viommu_attach_vdev(struct vdev *d)
{
	struct viommu *v = viommu_of(d->vm);
	struct iommu_domain *parent, *target;
	struct viommu_unit *vu;
	struct iommu_s1 s1;
	int err;

	if (!v)
		return -E_NODEV;
	viommu_detach_vdev(d);
	if (!d->unit)
		d->unit = v->u[0].unit; /* the backend did not say: the VM's first unit */
	vu = viommu_unit_of(v, d->unit);
	if (!vu && (err = viommu_views_add(v, d->unit, &vu)))
		return err;
	parent = &vu->view[d->trusted ? VIOMMU_FULL : VIOMMU_SHARED];
	target = parent;
	if (d->s1_set) {
		viommu_s1_desc(&d->s1, &s1);
		if ((err = iommu_domain_nested_init(&d->nested, parent, &s1))) {
			memset(&d->nested, 0, sizeof(d->nested));
			return err;
		}
		target = &d->nested;
	}
	if ((err = iommu_attach_dev(target, &d->iodev, IOMMU_NO_PASID))) {
		viommu_detach_vdev(d);
		return err;
	}
	d->dom = target;
	return 0;
}

int viommu_set_trusted(struct vdev *d, bool trusted)
{
	bool was = d->trusted;
	int err;

	d->trusted = trusted;
	err = viommu_attach_vdev(d);
	if (err && trusted) {
		d->trusted = was;
		if (viommu_attach_vdev(d))
			pr_err("%s: %04x: DMA left blocked", d->vm->name, d->bdf);
	}
	return err;
}

/* SMMUv3 5.2 (STE.S1ContextPtr, S1Fmt, S1CDMax): 1.1 takes one linear CD in guest RAM. */
static int viommu_s1_check(const struct vm *vm, const struct moat_s1_smmu *s1)
{
	if (s1->reserved || s1->s1fmt != 0 || s1->s1cdmax != 0)
		return -E_INVAL;
	if (!IS_ALIGNED(s1->cd_table, 64))
		return -E_INVAL;
	if (!vm_gpa_to_host(vm, gpa(s1->cd_table), 64, VM_MEM_ANY))
		return -E_RANGE;
	return 0;
}

int viommu_set_s1(struct vdev *d, const struct moat_s1_smmu *s1)
{
	struct moat_s1_smmu old = d->s1;
	bool had = d->s1_set;
	int err = viommu_s1_check(d->vm, s1);

	if (err)
		return err;
	d->s1 = *s1;
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
		return -E_STATE;
	d->s1_set = false;
	memset(&d->s1, 0, sizeof(d->s1));
	return viommu_attach_vdev(d);
}

/* ---- invalidation -------------------------------------------------------------------------- */

static int viommu_inv_views(struct viommu *v, const struct iommu_inv *inv)
{
	unsigned done;
	int err;

	for (unsigned u = 0; u < v->nunits; u++)
		for (unsigned i = 0; i < 2; i++)
			if ((err = iommu_invalidate(&v->u[u].view[i], inv, 1, &done)))
				return err;
	return 0;
}

static int viommu_inv_cd(struct viommu *v, const struct moat_inv *e)
{
	struct vdev *d = vdev_from_handle(v->vm, e->vdev);
	struct iommu_inv inv = { .kind = IOMMU_INV_SMMU };
	unsigned done;

	if (!d)
		return -E_PERM;
	if (e->asid || e->leaf || e->addr)
		return -E_INVAL;
	if (!d->s1_set || !d->dom)
		return -E_STATE;
	inv.smmu.op = IOMMU_SMMU_CFGI_CD;
	inv.smmu.rid = d->rid;
	return iommu_invalidate(d->dom->parent ? d->dom->parent : d->dom, &inv, 1, &done);
}

static const enum iommu_inv_smmu_op viommu_tlbi_op[] = {
	[MOAT_INV_SMMU_TLBI_ALL] = IOMMU_SMMU_TLBI_NH_ALL,
	[MOAT_INV_SMMU_TLBI_ASID] = IOMMU_SMMU_TLBI_NH_ASID,
	[MOAT_INV_SMMU_TLBI_VA] = IOMMU_SMMU_TLBI_NH_VA,
	[MOAT_INV_SMMU_TLBI_VAA] = IOMMU_SMMU_TLBI_NH_VAA,
};

/* Guest tags: only an ASID and an address; the VMIDs are the views', the SIDs the vdevs'. */
int viommu_invalidate_one(struct vm *vm, const struct moat_inv *e)
{
	struct viommu *v = viommu_of(vm);
	struct iommu_inv inv = { .kind = IOMMU_INV_SMMU };
	bool has_addr = e->op == MOAT_INV_SMMU_TLBI_VA || e->op == MOAT_INV_SMMU_TLBI_VAA;
	bool has_asid = e->op == MOAT_INV_SMMU_TLBI_ASID || e->op == MOAT_INV_SMMU_TLBI_VA;

	if (!v)
		return -E_NODEV;
	if (e->reserved0 || e->reserved1)
		return -E_INVAL;
	if (e->op == MOAT_INV_SMMU_CFGI_CD)
		return viommu_inv_cd(v, e);
	if (e->op < MOAT_INV_SMMU_TLBI_ALL || e->op > MOAT_INV_SMMU_TLBI_VAA || e->vdev)
		return -E_INVAL;
	if ((!has_addr && (e->addr || e->leaf)) || (!has_asid && e->asid))
		return -E_INVAL;
	if (has_addr && (!IS_ALIGNED(e->addr, PAGE_SIZE) || e->addr >> 56))
		return -E_INVAL;
	inv.smmu.op = viommu_tlbi_op[e->op];
	inv.smmu.asid = e->asid;
	inv.smmu.addr = e->addr;
	inv.smmu.leaf = e->leaf != 0;
	return viommu_inv_views(v, &inv);
}

/* ---- faults -------------------------------------------------------------------------------- */

int viommu_faultq_set(struct vm *vm, gpa_t page, unsigned intid)
{
	struct viommu *v = viommu_of(vm);
	struct moat_fault_queue *q;

	if (!v)
		return -E_NODEV;
	if (!page.v && !intid) {
		v->fq = gpa(0);
		v->fq_intid = 0;
		return 0;
	}
	if (!IS_ALIGNED(page.v, PAGE_SIZE) || intid < 32 || intid >= VDEV_SPI_END)
		return -E_INVAL;
	q = vm_gpa_to_host(vm, page, PAGE_SIZE, VM_MEM_ANY);
	if (!q)
		return -E_RANGE;
	memset(q, 0, PAGE_SIZE);
	q->size = sizeof(*q);
	q->nslots = (PAGE_SIZE - sizeof(*q)) / sizeof(struct moat_fault);
	v->fq = page;
	v->fq_intid = intid;
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
 * The queue lives in guest memory: head is the guest's and untrusted, so it is only read
 * once and bounded; a full (or corrupted) queue counts an overflow and drops the record.
 */
/* One record into the vdev's VM queue, then the SPI; writers (fault drain, TDI teardown) lock. */
static void viommu_record_post(struct vdev *d, struct moat_fault *rec)
{
	struct viommu *v = viommu_of(d->vm);
	struct moat_fault_queue *q;
	u32 head, tail, n;

	if (!v)
		return;
	spin_lock(&v->fq_lock);
	if (!v->fq.v) {
		v->faults_lost++;
		goto out;
	}
	q = vm_gpa_to_host(d->vm, v->fq, PAGE_SIZE, VM_MEM_ANY);
	n = (PAGE_SIZE - sizeof(*q)) / sizeof(*rec);
	head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	tail = q->tail;
	if (head >= n || tail >= n || (tail + 1) % n == head) {
		q->overflow++;
		goto out;
	}
	rec->size = sizeof(*rec);
	rec->vdev = d->handle;
	memcpy(&q->rec[tail], rec, sizeof(*rec));
	__atomic_store_n(&q->tail, (tail + 1) % n, __ATOMIC_RELEASE);
	arch_vm_raise_spi(d->vm, v->fq_intid);
out:
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
