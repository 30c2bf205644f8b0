// SPDX-License-Identifier: MIT
/*
 * VT-d behind the IOMMU core (iommu/iommu.h). Hardware tags are source-ids; an attach at
 * IOMMU_NO_PASID is the function's RID_PASID (PASID 0). Nesting parents are second-stage
 * PASID entries (PGTT 2; on a first-stage-only unit the same Moat-owned table in the x86-64
 * format, PGTT 1) with one domain ID; nested domains are PGTT 3 entries with their own domain
 * ID over the parent's second stage. Guest invalidations reach the driver already routed to
 * the nested domain of their vDID; the driver checks the PASID against the domain's attaches
 * and issues (DID, PASID) of its own, never a guest tag, and synthesises the device-TLB
 * invalidations of ATS functions (seeds-digest 2.2: the guest's own ATC invalidations are
 * dropped). Faults are drained from the fault-recording registers on the fault-event MSI
 * where the arch delivers MSIs to Moat, else by polling.
 */
#define LOG_COMPONENT "vtd"
#include <arch/mm.h>
#include <string.h>

#include "core/init.h"
#include "core/irq.h"
#include "core/log.h"
#include "iommu/vtd/vtd.h"
#include "iommu/vtd/vtd_regs.h"
#include "lib/err.h"
#include "lib/fmt.h"

static struct vtd_unit vtd_units[PLAT_MAX_IOMMU];
static unsigned vtd_nunits;

struct vtd_unit *vtd_unit_of(struct iommu *u)
{
	return container_of(u, struct vtd_unit, unit);
}

static struct vtd_dev *vtd_of(struct iommu *u)
{
	return &vtd_unit_of(u)->dev;
}

/* ---- domain IDs ----------------------------------------------------------------------------- */

static int vtd_did_alloc(struct vtd_dev *v, u16 *did)
{
	unsigned n = MIN(v->ndid, VTD_MAX_DIDS);

	for (unsigned i = 1; i < n; i++) { /* DID 0 stays unused (caching mode reserves it) */
		u64 bit = 1ULL << (i % 64);

		if (!(__atomic_fetch_or(&v->did_used[i / 64], bit, __ATOMIC_ACQ_REL) & bit)) {
			*did = (u16)i;
			return 0;
		}
	}
	return trace_err(-E_NOSPC);
}

static void vtd_did_free(struct vtd_dev *v, u16 did)
{
	__atomic_fetch_and(&v->did_used[did / 64], ~(1ULL << (did % 64)), __ATOMIC_RELEASE);
}

/* ---- faults --------------------------------------------------------------------------------- */

/* Fault reasons (VT-d appendix A) to the core's stage and kind. */
static void vtd_fault_class(u8 fr, struct iommu_fault *f)
{
	f->stage = IOMMU_FAULT_CONFIG;
	f->kind = IOMMU_FAULT_BAD_CONFIG;
	if (fr == 0x04 || fr == 0x05 || fr == 0x06 || fr == 0x0c) {
		f->stage = IOMMU_FAULT_S2;
		f->kind = fr == 0x04
				  ? IOMMU_FAULT_ADDRESS_SIZE
				  : (fr == 0x0c ? IOMMU_FAULT_BAD_ENTRY : IOMMU_FAULT_TRANSLATION);
	} else if (fr >= 0x70 && fr <= 0x9f) {
		f->stage = IOMMU_FAULT_S1;
		f->kind = fr == 0x71   ? IOMMU_FAULT_TRANSLATION
			  : fr == 0x72 ? IOMMU_FAULT_BAD_ENTRY
			  : fr == 0x80 ? IOMMU_FAULT_ADDRESS_SIZE
				       : IOMMU_FAULT_PERMISSION;
	}
}

void vtd_frcd_to_fault(u64 lo, u64 hi, struct iommu_fault *f)
{
	u8 fr = (u8)FIELD_GET(FRCD_FR, hi);

	*f = (struct iommu_fault){
		.tag = (u32)FIELD_GET(FRCD_SID, hi),
		.rid = IOMMU_RID_NONE,
		/* PASID 0 is the RID_PASID of requests without one (Moat attaches no PASID 0) */
		.pasid = (hi & FRCD_PP) && FIELD_GET(FRCD_PV, hi) ? (u32)FIELD_GET(FRCD_PV, hi)
								  : IOMMU_NO_PASID,
		.addr = lo & ~0xfffULL,
		.level = 0xff,
		.access = (hi & FRCD_T) ? IOMMU_FAULT_READ : IOMMU_FAULT_WRITE,
		.vendor_code = fr,
	};
	vtd_fault_class(fr, f);
	if (fr >= 0x20 && fr <= 0x26) /* interrupt request: FI holds the interrupt index */
		f->addr = lo >> 48;
}

static void vtd_fault_sink(struct vtd_dev *v, u64 lo, u64 hi)
{
	struct vtd_unit *vu = container_of(v, struct vtd_unit, dev);
	struct iommu_fault f;

	vtd_frcd_to_fault(lo, hi, &f);
	/* a first-stage-only unit walks Moat's own stage 2 in the first-stage format */
	if (!v->sl && f.stage == IOMMU_FAULT_S1)
		f.stage = IOMMU_FAULT_S2;
	iommu_fault_report(&vu->unit, &f);
}

/* The fault event: drain the records into the owners' rings, hand them to the consumer. */
static void vtd_fault_irq(void *ctx)
{
	struct vtd_unit *vu = ctx;

	vu->dev.fault_irqs++;
	if (vtd_faults_drain(&vu->dev, vtd_fault_sink) > 0)
		iommu_fault_notify(&vu->unit);
}

/* Fault events as an MSI to Moat where the arch takes them; else the run loop polls. */
static void vtd_fault_irq_setup(struct vtd_unit *vu)
{
	u64 addr;
	u32 data;

	if (arch_msi_request(vtd_fault_irq, vu, &addr, &data))
		return;
	vu->dev.msi_routed = true;
	vu->dev.msi_data = data;
	vtd_fault_event_route(&vu->dev, addr, data);
	vu->unit.irq_driven = true;
}

/* ---- ops ------------------------------------------------------------------------------------ */

static int vtd_op_probe(struct moat_ctx *ctx, const struct plat_iommu *desc, struct iommu **out)
{
	struct vtd_unit *vu;
	char name[40];
	int err;

	if (vtd_nunits == PLAT_MAX_IOMMU)
		return -E_NOSPC;
	if ((err = iommu_scope_check(desc))) {
		pr_err("VT-d at 0x%llx: bad DRHD device scope", (unsigned long long)desc->base.v);
		return err;
	}
	vu = &vtd_units[vtd_nunits];
	memset(vu, 0, sizeof(*vu));
	err = vtd_hw_init(&vu->dev, desc->base, ctx->frames);
	if (err == -E_NODEV)
		pr_warn("VT-d at 0x%llx: no scalable mode with queued invalidation: not driven",
			(unsigned long long)desc->base.v);
	if (err)
		return err;
	vtd_nunits++;
	vtd_fault_irq_setup(vu);
	fmt_snprintf(name, sizeof(name), "VT-d at 0x%llx", (unsigned long long)desc->base.v);
	iommu_scope_report_aliases(desc, name);
	pr_info("%s: scalable, %s%s%s, %u-bit HAW, %u DIDs, %u FRCD, %s, faults by %s", name,
		vu->dev.sl ? "SL" : "", vu->dev.fl ? (vu->dev.sl ? "+FL" : "FL") : "",
		vu->dev.nest ? "+nested" : "", vu->dev.haw, vu->dev.ndid, vu->dev.nfr,
		vu->dev.ir ? "IR" : "no IR", vu->unit.irq_driven ? "MSI" : "polling");
	*out = &vu->unit;
	return 0;
}

static int vtd_op_s2_config(struct iommu *u, unsigned gpa_bits, struct pt_config *cfg)
{
	struct vtd_dev *v = vtd_of(u);
	unsigned sagaw = (unsigned)FIELD_GET(CAP_SAGAW, v->cap);

	cfg->oas = v->haw;
	cfg->max_leaf = PT_SIZE_2M;
	if (!v->sl) { /* first-stage-only unit: Moat's table in the x86-64 format, 4 levels */
		cfg->fmt = PT_X86_64;
		cfg->ias = 48;
		return gpa_bits <= 48 ? 0 : -E_RANGE;
	}
	cfg->fmt = PT_VTD_SS;
	if (gpa_bits <= 39 && (sagaw & 2))
		cfg->ias = 39;
	else if (gpa_bits <= 48 && (sagaw & 4))
		cfg->ias = 48;
	else
		return -E_RANGE;
	return 0;
}

/* The guest's first-stage description, before it can reach a PASID entry. */
static int vtd_s1_check(struct vtd_dev *v, const struct iommu_domain *d)
{
	const struct iommu_s1_vtd *g = &d->s1.vtd;
	const struct pt *s2 = &d->parent->s2;
	struct pt_mapping m;

	if (d->s1.vendor != IOMMU_VENDOR_VTD)
		return -E_INVAL;
	if (!v->nest || !v->sl)
		return -E_NOTSUP;
	if (g->levels != 4 && !(g->levels == 5 && (v->cap & CAP_FS5LP)))
		return -E_INVAL;
	if (g->sre || (g->eafe && !(v->ecap & BIT(34)))) /* no PRIV requests; EAFS */
		return -E_NOTSUP;
	if (!IS_ALIGNED(g->fsptptr.v, PAGE_SIZE) || (g->fsptptr.v >> s2->cfg.ias))
		return -E_RANGE;
	/* the root table must be guest RAM the parent maps: anything else is not the VM's */
	return pt_lookup(s2, g->fsptptr.v, &m) ? -E_RANGE : 0;
}

static int vtd_op_domain_init(struct iommu *u, struct iommu_domain *d)
{
	struct vtd_dev *v = vtd_of(u);
	int err;

	if (d->kind == IOMMU_DOMAIN_NESTED && (err = vtd_s1_check(v, d)))
		return err;
	return vtd_did_alloc(v, &d->tags.did);
}

static void vtd_op_domain_fini(struct iommu *u, struct iommu_domain *d)
{
	struct vtd_dev *v = vtd_of(u);
	struct vtd_qi_desc dom = vtd_qi_iotlb(d->tags.did, 0, 0, false);

	/* Nothing may stay tagged with the DID before it is reused. */
	if (vtd_qi_submit(v, &dom, 1)) {
		pr_err("DID %u not invalidated on release: never reused", d->tags.did);
		return;
	}
	vtd_did_free(v, d->tags.did);
}

static u32 vtd_pasid(u32 pasid)
{
	return pasid == IOMMU_NO_PASID ? 0 : pasid; /* RID_PASID */
}

static void vtd_pe_of(const struct vtd_dev *v, const struct iommu_domain *d, struct vtd_pe *pe)
{
	const struct iommu_domain *s2 = d->kind == IOMMU_DOMAIN_NESTED ? d->parent : d;
	struct pt_hw_desc h;

	pt_hw_describe(&s2->s2, &h);
	memset(pe, 0, sizeof(*pe));
	pe->w[1] = FIELD_PREP(PE1_DID, d->tags.did);
	if (d->kind == IOMMU_DOMAIN_NESTED) {
		const struct iommu_s1_vtd *g = &d->s1.vtd;

		pe->w[0] =
			h.root.v | FIELD_PREP(PE0_AW, h.vtd_aw) | FIELD_PREP(PE0_PGTT, PGTT_NESTED);
		pe->w[2] = g->fsptptr.v | FIELD_PREP(PE2_FSPM, g->levels == 5) |
			   (g->wpe ? PE2_WPE : 0) | (g->eafe ? PE2_EAFE : 0);
	} else if (v->sl) {
		pe->w[0] = h.root.v | FIELD_PREP(PE0_AW, h.vtd_aw) | FIELD_PREP(PE0_PGTT, PGTT_SL);
	} else {
		/* QEMU takes the input width from AW even for first-stage entries: 4 levels */
		pe->w[0] = FIELD_PREP(PE0_AW, 2) | FIELD_PREP(PE0_PGTT, PGTT_FL);
		pe->w[2] = h.root.v;
	}
}

static int vtd_op_attach(struct iommu *u, struct iommu_domain *d, u32 sid, u32 pasid)
{
	struct vtd_dev *v = vtd_of(u);
	struct vtd_pe pe;

	if (sid > 0xffff || (pasid != IOMMU_NO_PASID && !pasid))
		return -E_INVAL; /* PASID 0 is the RID_PASID: named IOMMU_NO_PASID */
	vtd_pe_of(v, d, &pe);
	return vtd_pe_install(v, (u16)sid, vtd_pasid(pasid), &pe);
}

static int vtd_op_detach(struct iommu *u, struct iommu_domain *d, u32 sid, u32 pasid)
{
	if (sid > 0xffff)
		return -E_INVAL;
	return vtd_pe_clear(vtd_of(u), (u16)sid, vtd_pasid(pasid), d->tags.did);
}

/* ---- invalidation ----------------------------------------------------------------------------- */

#define VTD_BATCH 32

struct vtd_batch {
	struct vtd_dev *v;
	unsigned n;
	int err;
	struct vtd_qi_desc d[VTD_BATCH];
};

static void vtd_batch_add(struct vtd_batch *b, struct vtd_qi_desc d)
{
	if (b->err)
		return;
	b->d[b->n++] = d;
	if (b->n == VTD_BATCH) {
		b->err = vtd_qi_submit(b->v, b->d, b->n);
		b->n = 0;
	}
}

static int vtd_batch_end(struct vtd_batch *b)
{
	if (!b->err && b->n)
		b->err = vtd_qi_submit(b->v, b->d, b->n);
	return b->err;
}

static bool vtd_ats(const struct vtd_dev *v, u32 sid)
{
	return (v->ats[(u16)sid / 64] >> (sid % 64)) & 1;
}

/* IOTLB (and ATS device TLBs) of one attach of domain `o`; size 0: everything. */
static void vtd_flush_attach(struct vtd_batch *b, const struct iommu_domain *o,
			     const struct iommu_attach *a, u64 addr, u64 size, bool ih)
{
	u32 pasid = vtd_pasid(a->pasid);

	if (size > (PAGE_SIZE << b->v->mamv) / 2)
		size = 0; /* beyond what one page-selective descriptor may cover: all of it */
	/* second-stage-only entries by the IOTLB descriptor, first-stage/nested by PASID */
	if (o->kind == IOMMU_DOMAIN_S2 && b->v->sl)
		vtd_batch_add(b, vtd_qi_iotlb(o->tags.did, addr, size, ih));
	else
		vtd_batch_add(b, vtd_qi_piotlb(o->tags.did, pasid, addr, size, ih));
	for (unsigned k = 0; k < a->tags.n; k++)
		if (vtd_ats(b->v, a->tags.tag[k]))
			vtd_batch_add(b, vtd_qi_pdevtlb((u16)a->tags.tag[k], pasid, addr, size));
}

static int vtd_op_flush_s2(struct iommu *u, struct iommu_domain *d, const struct pt_gather *g)
{
	struct vtd_batch b = { .v = vtd_of(u) };
	u64 size = g->end - g->start;

	if (g->end == g->start)
		return 0;
	/* the parent's own attaches by GPA range; nested ones cache GPA-derived results under
	 * guest addresses: all of their (DID, PASID) */
	for (const struct iommu_domain *o = u->domains; o; o = o->next) {
		if (o != d && o->parent != d)
			continue;
		for (unsigned i = 0; i < o->nattach; i++)
			vtd_flush_attach(&b, o, &o->attach[i], o == d ? g->start : 0,
					 o == d ? size : 0, o == d && g->leaf_only);
	}
	return vtd_batch_end(&b);
}

/* 6.5.2.4 from the guest: its (vDID, PASID) was routed to `d`; the PASID must be d's. */
static int vtd_inv_guest(struct vtd_dev *v, struct iommu_domain *d, const struct iommu_inv_vtd *e)
{
	struct vtd_batch b = { .v = v };
	u64 size = e->gran == IOMMU_VTD_INV_PASID_ADDR ? PAGE_SIZE << e->am : 0;
	bool found = false;

	if (e->am > v->mamv)
		return trace_err(-E_INVAL);
	for (unsigned i = 0; i < d->nattach; i++) {
		if (vtd_pasid(d->attach[i].pasid) != e->pasid)
			continue;
		found = true;
		/* the PASID entry is Moat's: its cache is invalidated with Moat's DID */
		if (e->gran == IOMMU_VTD_INV_PASID_CACHE)
			vtd_batch_add(&b, vtd_qi_pc(d->tags.did, e->pasid));
		vtd_flush_attach(&b, d, &d->attach[i], e->addr, size, e->ih);
	}
	if (!found)
		return trace_err(-E_PERM); /* a PASID this domain is not attached at */
	return vtd_batch_end(&b);
}

static int vtd_op_invalidate(struct iommu *u, struct iommu_domain *d, const struct iommu_inv *inv)
{
	if (inv->kind == IOMMU_INV_VTD)
		return vtd_inv_guest(vtd_of(u), d, &inv->vtd);
	/* The guest's ATC invalidations are dropped: Moat issues them with every IOTLB one. */
	if (inv->kind == IOMMU_INV_ATC)
		return 0;
	return -E_INVAL;
}

static int vtd_op_fault_poll(struct iommu *u)
{
	int n = vtd_faults_drain(vtd_of(u), vtd_fault_sink);

	return n < 0 ? n : 0;
}

/*
 * What a guest first stage may be (11.4.2 CAP, 11.4.3 ECAP): x86-64 tables of 4 levels, or 5
 * with CAP.FS5LP, only on a unit that nests (ECAP.NEST with first and second stage); guest
 * PASIDs up to ECAP.PSS + 1 bits (with ECAP.PASID), 16-bit guest domain IDs. The nesting parent's input is what
 * SAGAW allows the second stage (39 or 48 bits), 48 on a first-stage-only unit.
 */
static int vtd_op_info(struct iommu *u, struct iommu_info *out)
{
	const struct vtd_dev *v = vtd_of(u);
	unsigned sagaw = (unsigned)FIELD_GET(CAP_SAGAW, v->cap);
	bool fs5 = v->cap & CAP_FS5LP;

	if (v->nest && v->sl)
		out->s1_formats = IOMMU_S1FMT_X86_4L | (fs5 ? IOMMU_S1FMT_X86_5L : 0);
	out->s1_ias = fs5 ? 57 : 48;
	out->s2_ias_max = !v->sl || (sagaw & 4) ? 48 : 39;
	out->pasid_bits = v->ecap & ECAP_PASID ? (u8)(FIELD_GET(ECAP_PSS, v->ecap) + 1) : 0;
	out->tag_bits = 16;
	return 0;
}

static const struct iommu_ops vtd_ops = {
	.probe = vtd_op_probe,
	.s2_config = vtd_op_s2_config,
	.domain_init = vtd_op_domain_init,
	.domain_fini = vtd_op_domain_fini,
	.attach = vtd_op_attach,
	.detach = vtd_op_detach,
	.flush_s2 = vtd_op_flush_s2,
	.invalidate = vtd_op_invalidate,
	.fault_poll = vtd_op_fault_poll,
	.info = vtd_op_info,
	.irq_map = vtd_op_irq_map,
	.irq_unmap = vtd_op_irq_unmap,
};

IOMMU_DRIVER(vtd_drv, "vtd", IOMMU_KIND_VTD, IOMMU_VENDOR_VTD, &vtd_ops);

const struct iommu_driver *vtd_driver(void)
{
	return &vtd_drv;
}

void vtd_units_reset(void)
{
	vtd_nunits = 0;
}
