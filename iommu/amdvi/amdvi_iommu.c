// SPDX-License-Identifier: MIT
/*
 * AMD-Vi behind the IOMMU core (iommu/iommu.h). Hardware tags are DeviceIDs; the DTE is per
 * function, so attaches are RID-level (IOMMU_NO_PASID): a nested domain's GCR3 table covers
 * the PASIDs. Nesting parents are v1 host tables with a DomainID of their own; nested
 * domains take one physical DomainID per guest DomainID (shared by the nested domains of one
 * vDID on one parent), so a guest invalidation, routed by the core to a nested domain of its
 * vDID, becomes INVALIDATE_IOMMU_PAGES of that pDID only; its ATC entries, routed to a device
 * attached behind the domain, become INVALIDATE_IOTLB_PAGES of Moat's DeviceID where ATS is
 * on. A guest-chosen DomainID or DeviceID never reaches the command buffer. Events are
 * drained from the event log by polling.
 */
#define LOG_COMPONENT "amdvi"
#include <arch/mm.h>
#include <string.h>

#include "core/init.h"
#include "core/log.h"
#include "core/own.h"
#include "iommu/amdvi/amdvi.h"
#include "iommu/amdvi/amdvi_regs.h"
#include "lib/err.h"
#include "lib/fmt.h"

static struct amdvi_unit amdvi_units[PLAT_MAX_IOMMU];
static unsigned amdvi_nunits;

struct amdvi_unit *amdvi_unit_of(struct iommu *u)
{
	return container_of(u, struct amdvi_unit, unit);
}

static struct amdvi_dev *amdvi_of(struct iommu *u)
{
	return &amdvi_unit_of(u)->dev;
}

static bool amdvi_ats(const struct amdvi_dev *v, u32 devid)
{
	return devid < AMDVI_DEVIDS && ((v->ats[devid / 64] >> (devid % 64)) & 1);
}

int amdvi_ats_set(struct iommu *u, u16 devid, bool on)
{
	struct amdvi_dev *v = amdvi_of(u);

	if (on)
		v->ats[devid / 64] |= 1ULL << (devid % 64);
	else
		v->ats[devid / 64] &= ~(1ULL << (devid % 64));
	return 0;
}

/* ---- DomainIDs ------------------------------------------------------------------------------ */

static int amdvi_did_alloc(struct amdvi_dev *v, u16 *did)
{
	for (unsigned i = 1; i < AMDVI_MAX_DIDS; i++) /* DomainID 0 stays unused */
		if (!v->did_refs[i]) {
			v->did_refs[i] = 1;
			*did = (u16)i;
			return 0;
		}
	return trace_err(-E_NOSPC);
}

/* ---- events ----------------------------------------------------------------------------------- */

static void amdvi_fault_class(u64 w0, struct iommu_fault *f)
{
	u64 fl = FIELD_GET(EV_FLAGS, w0);

	f->access = (fl & EVF_RW) ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
	if (FIELD_GET(EV_CODE, w0) != EVC_IO_PAGE_FAULT || (fl & EVF_I)) {
		f->stage = IOMMU_FAULT_CONFIG; /* DTE, table hardware error, or an interrupt */
		f->kind = IOMMU_FAULT_BAD_CONFIG;
		return;
	}
	f->stage = (fl & EVF_GN) ? IOMMU_FAULT_S1 : IOMMU_FAULT_S2;
	f->kind = (fl & EVF_PE)	  ? IOMMU_FAULT_PERMISSION
		  : (fl & EVF_RZ) ? IOMMU_FAULT_BAD_ENTRY
				  : IOMMU_FAULT_TRANSLATION;
}

bool amdvi_event_to_fault(const u64 rec[2], struct iommu_fault *f)
{
	u64 code = FIELD_GET(EV_CODE, rec[0]);
	bool gn = FIELD_GET(EV_FLAGS, rec[0]) & EVF_GN;

	/* command errors are the driver's own (logged by the command path), not a device's */
	if (code != EVC_ILLEGAL_DTE && code != EVC_IO_PAGE_FAULT && code != EVC_DEVTAB_HW_ERR &&
	    code != EVC_PAGETAB_HW_ERR && code != EVC_IOTLB_INV_TIMEOUT &&
	    code != EVC_INVALID_DEV_REQ)
		return false;
	*f = (struct iommu_fault){
		.tag = (u32)FIELD_GET(EV_DEVID, rec[0]),
		.rid = IOMMU_RID_NONE,
		.pasid = code == EVC_IO_PAGE_FAULT && gn
				 ? (u32)(FIELD_GET(EV_PASID_HI, rec[0]) << 16 |
					 FIELD_GET(EV_TAG, rec[0]))
				 : IOMMU_NO_PASID,
		.addr = rec[1],
		.level = 0xff,
		.vendor_code = (u32)code,
	};
	amdvi_fault_class(rec[0], f);
	return true;
}

static void amdvi_event_sink(struct amdvi_dev *v, const u64 *rec)
{
	struct amdvi_unit *au = container_of(v, struct amdvi_unit, dev);
	struct iommu_fault f;

	if (amdvi_event_to_fault(rec, &f)) {
		iommu_fault_report(&au->unit, &f);
		return;
	}
	v->events_unknown++;
	pr_warn("event 0x%llx: 0x%016llx 0x%016llx", (unsigned long long)FIELD_GET(EV_CODE, rec[0]),
		(unsigned long long)rec[0], (unsigned long long)rec[1]);
}

/* ---- ops ---------------------------------------------------------------------------------------- */

static int amdvi_op_probe(struct moat_ctx *ctx, const struct plat_iommu *desc, struct iommu **out)
{
	struct amdvi_unit *au;
	struct amdvi_dev *v;
	char name[40];
	int err;

	if (amdvi_nunits == PLAT_MAX_IOMMU)
		return -E_NOSPC;
	if ((err = iommu_scope_check(desc))) {
		pr_err("AMD-Vi at 0x%llx: bad IVHD device entries",
		       (unsigned long long)desc->base.v);
		return err;
	}
	au = &amdvi_units[amdvi_nunits];
	memset(au, 0, sizeof(*au));
	v = &au->dev;
	if ((err = amdvi_hw_init(v, desc->base, desc->features, ctx->frames)))
		return err;
	amdvi_nunits++;
	fmt_snprintf(name, sizeof(name), "AMD-Vi at 0x%llx", (unsigned long long)desc->base.v);
	iommu_scope_report_aliases(desc, name);
	pr_info("%s: EFR 0x%llx, v1 host tables up to %u levels, %s, %u DTEs, events by polling",
		name, (unsigned long long)v->efr, v->host_levels,
		v->gt ? (v->glx_max ? "GT (GLX 1)" : "GT") : "no GT", AMDVI_DEVIDS);
	*out = &au->unit;
	return 0;
}

static int amdvi_op_s2_config(struct iommu *u, unsigned gpa_bits, struct pt_config *cfg)
{
	struct amdvi_dev *v = amdvi_of(u);

	cfg->fmt = PT_AMD_V1;
	cfg->oas = 52;
	cfg->max_leaf = PT_SIZE_2M;
	if (gpa_bits <= 39)
		cfg->ias = 39;
	else if (gpa_bits <= 48 && v->host_levels >= 4)
		cfg->ias = 48;
	else
		return -E_RANGE;
	return 0;
}

/*
 * The guest's GCR3 description, checked before any DTE field is written (48882 "Device Table
 * Entry Format" and EFR): fields in range (-E_INVAL); what the unit supports (-E_NOTSUP):
 * GTSup, GLX within GLXSup, the guest paging mode within GATS, GIoV only with GIOSup; the GCR3
 * root page inside the parent's input size and mapped by it, readable (-E_RANGE), and the page
 * it maps the owner's RAM in the ownership record (-E_PERM: for a VM's domain not MMIO, not
 * another VM's, not Moat's; Moat's own domains, owner 0, take Moat's pages), whatever the
 * parent's table says. The root is one 4 KiB page, aligned, so it cannot
 * straddle two; the GCR3 table's second level and the guest's tables are read by GPA through
 * the parent, which holds only the VM's RAM.
 */
static int amdvi_s1_check(struct amdvi_dev *v, const struct iommu_domain *d)
{
	const struct iommu_s1_amd *g = &d->s1.amd;
	const struct pt *s2 = &d->parent->s2;
	u64 root = g->gcr3_root.v;
	struct pt_mapping m;
	struct own_id who;
	char name[24];

	if (d->s1.vendor != IOMMU_VENDOR_AMDVI || g->glx > 1 ||
	    (g->guest_levels != 4 && g->guest_levels != 5) || !IS_ALIGNED(root, PAGE_SIZE))
		return -E_INVAL;
	if (!v->gt || g->glx > v->glx_max || g->guest_levels > v->guest_levels ||
	    (g->giov && !(v->efr & EFR_GIOSUP)))
		return -E_NOTSUP;
	if ((s2->cfg.ias < 64 && root >> s2->cfg.ias) || pt_lookup(s2, root, &m) ||
	    !(m.prot & PT_PROT_R))
		return -E_RANGE;
	who = own_owner(m.out); /* one page: the record's granule */
	if (own_eq(who, d->owner ? own_vm(d->owner) : own_moat()))
		return 0;
	pr_warn("GCR3 root 0x%llx of VM %u refused: page 0x%llx belongs to %s",
		(unsigned long long)root, d->owner, (unsigned long long)m.out.v,
		own_name(who, name, sizeof(name)));
	return -E_PERM;
}

/* Nested domains of one vDID on one parent share a physical DomainID. */
static int amdvi_nested_did(struct amdvi_dev *v, struct iommu_domain *d)
{
	for (struct iommu_domain *o = iommu_nested_next(d->parent, NULL); o;
	     o = iommu_nested_next(d->parent, o)) {
		if (o != d && o->s1.amd.vdid == d->s1.amd.vdid && v->did_refs[o->tags.did]) {
			d->tags.did = o->tags.did;
			v->did_refs[o->tags.did]++;
			return 0;
		}
	}
	return amdvi_did_alloc(v, &d->tags.did);
}

static int amdvi_op_domain_init(struct iommu *u, struct iommu_domain *d)
{
	struct amdvi_dev *v = amdvi_of(u);
	int err;

	if (d->kind != IOMMU_DOMAIN_NESTED)
		return amdvi_did_alloc(v, &d->tags.did);
	if ((err = amdvi_s1_check(v, d)))
		return err;
	return amdvi_nested_did(v, d);
}

static void amdvi_op_domain_fini(struct iommu *u, struct iommu_domain *d)
{
	struct amdvi_dev *v = amdvi_of(u);
	struct amdvi_cmd c = amdvi_cmd_inv_pages(d->tags.did, 0, false, 0, 0);

	if (v->did_refs[d->tags.did] > 1) {
		v->did_refs[d->tags.did]--;
		return;
	}
	/* Nothing may stay tagged with the DomainID before it is reused. */
	if (amdvi_cmd_submit(v, &c, 1)) {
		pr_err("DomainID %u not invalidated on release: never reused", d->tags.did);
		return;
	}
	v->did_refs[d->tags.did] = 0;
}

/* The DTE translating for `d`: v1 root, Mode, DomainID; guest fields for nested domains. */
static void amdvi_dte_of(const struct amdvi_dev *v, const struct iommu_domain *d, u32 devid,
			 const struct amdvi_irt *irt, struct amdvi_dte *e)
{
	const struct iommu_domain *s2 = d->kind == IOMMU_DOMAIN_NESTED ? d->parent : d;
	struct pt_hw_desc h;

	pt_hw_describe(&s2->s2, &h);
	memset(e, 0, sizeof(*e));
	e->q[0] = DTE0_V | DTE0_TV | FIELD_PREP(DTE0_MODE, h.amd_mode) | (h.root.v & DTE0_PTR) |
		  DTE0_IR | DTE0_IW;
	e->q[1] = FIELD_PREP(DTE1_DOMID, d->tags.did) | (amdvi_ats(v, devid) ? DTE1_I : 0);
	e->q[2] = amdvi_dte_intr(irt);
	if (d->kind == IOMMU_DOMAIN_NESTED) {
		const struct iommu_s1_amd *g = &d->s1.amd;
		u64 r = g->gcr3_root.v;

		e->q[0] |= DTE0_GV | FIELD_PREP(DTE0_GLX, g->glx) | (g->giov ? DTE0_GIOV : 0) |
			   FIELD_PREP(DTE0_GCR3_LO, r >> 12);
		e->q[1] |= FIELD_PREP(DTE1_GCR3_MID, r >> 15) | FIELD_PREP(DTE1_GCR3_HI, r >> 31);
		e->q[2] |= FIELD_PREP(DTE2_GPM, g->guest_levels == 5);
	}
}

/* Everything of the DomainID the function used before, ATC included: QEMU 10.0 keys its
 * IOTLB by device, so entries would otherwise outlive the DTE change. */
static int amdvi_flush_old(struct amdvi_dev *v, u32 devid, u64 q0, u64 q1)
{
	struct amdvi_cmd c[2] = { amdvi_cmd_inv_pages((u16)FIELD_GET(DTE1_DOMID, q1), 0, false, 0,
						      0),
				  amdvi_cmd_inv_iotlb((u16)devid, 0, false, 0, 0) };

	if (!FIELD_GET(DTE0_MODE, q0) || !FIELD_GET(DTE1_DOMID, q1))
		return 0; /* it was blocked */
	return amdvi_cmd_submit(v, c, amdvi_ats(v, devid) ? 2 : 1);
}

static int amdvi_op_attach(struct iommu *u, struct iommu_domain *d, u32 devid, u32 pasid)
{
	struct amdvi_dev *v = amdvi_of(u);
	u64 q0 = 0, q1 = 0;
	struct amdvi_irt *irt;
	struct amdvi_dte e;
	int err;

	if (devid >= AMDVI_DEVIDS)
		return -E_INVAL;
	if (pasid != IOMMU_NO_PASID)
		return -E_NOTSUP; /* one DTE per function: PASIDs live in the GCR3 table */
	if ((err = amdvi_irt_get(v, (u16)devid, d->owner, &irt)))
		return err;
	q0 = v->devtab[devid * 4];
	q1 = v->devtab[devid * 4 + 1];
	amdvi_dte_of(v, d, devid, irt, &e);
	err = amdvi_dte_write(v, (u16)devid, &e);
	if (err && !FIELD_GET(DTE0_MODE, q0))
		amdvi_irt_put(v, (u16)devid); /* it was not attached: nothing of it stays */
	if (FIELD_GET(DTE1_DOMID, q1) != d->tags.did) {
		int ferr = amdvi_flush_old(v, devid, q0, q1);

		err = err ?: ferr;
	}
	return err;
}

static int amdvi_op_detach(struct iommu *u, struct iommu_domain *d, u32 devid, u32 pasid)
{
	struct amdvi_dev *v = amdvi_of(u);
	struct amdvi_dte e;
	u64 q0, q1;
	int err;

	(void)d;
	if (devid >= AMDVI_DEVIDS || pasid != IOMMU_NO_PASID)
		return -E_INVAL;
	q0 = v->devtab[devid * 4];
	q1 = v->devtab[devid * 4 + 1];
	amdvi_dte_blocked(&e);
	if ((err = amdvi_dte_write(v, (u16)devid, &e)) || (err = amdvi_flush_old(v, devid, q0, q1)))
		return err;
	amdvi_irt_put(v, (u16)devid);
	return 0;
}

/* ---- invalidation ------------------------------------------------------------------------------ */

#define AMDVI_BATCH 32

struct amdvi_batch {
	struct amdvi_dev *v;
	unsigned n;
	int err;
	struct amdvi_cmd c[AMDVI_BATCH];
};

static void amdvi_batch_add(struct amdvi_batch *b, struct amdvi_cmd c)
{
	if (b->err)
		return;
	b->c[b->n++] = c;
	if (b->n == AMDVI_BATCH) {
		b->err = amdvi_cmd_submit(b->v, b->c, b->n);
		b->n = 0;
	}
}

static int amdvi_batch_end(struct amdvi_batch *b)
{
	if (!b->err && b->n)
		b->err = amdvi_cmd_submit(b->v, b->c, b->n);
	return b->err;
}

/* A stage-2 change: the parent's DomainID by range; nested DomainIDs hold GPA-derived results
 * under guest addresses, so all of theirs; the ATCs of the ATS functions behind them. */
static int amdvi_op_flush_s2(struct iommu *u, struct iommu_domain *d, const struct pt_gather *g)
{
	struct amdvi_batch b = { .v = amdvi_of(u) };

	if (g->end == g->start)
		return 0;
	for (const struct iommu_domain *o = u->domains; o; o = o->next) {
		bool own = o == d;

		if (!own && o->parent != d)
			continue;
		amdvi_batch_add(&b, amdvi_cmd_inv_pages(o->tags.did, 0, false, own ? g->start : 0,
							own ? g->end - g->start : 0));
		for (unsigned i = 0; i < o->nattach; i++)
			for (unsigned k = 0; k < o->attach[i].tags.n; k++)
				if (amdvi_ats(b.v, o->attach[i].tags.tag[k]))
					amdvi_batch_add(&b, amdvi_cmd_inv_iotlb(
								    (u16)o->attach[i].tags.tag[k],
								    0, false, 0, 0));
	}
	return amdvi_batch_end(&b);
}

/* INVALIDATE_IOMMU_PAGES from the guest, routed to `d` by its vDID: d's pDID, never the vDID. */
static int amdvi_inv_guest(struct amdvi_dev *v, struct iommu_domain *d,
			   const struct iommu_inv_amd *e)
{
	struct amdvi_cmd c = amdvi_cmd_inv_pages(d->tags.did, e->pasid, e->gn, e->addr, 0);

	/* the guest's own range encoding, inside its own DomainID only */
	c.w[1] = (e->addr & ~0xfffULL) | (e->s ? IP_S : 0) | (e->pde ? IP_PDE : 0) |
		 (e->gn ? IP_GN : 0);
	return amdvi_cmd_submit(v, &c, 1);
}

/* The guest's device-TLB invalidation: the core checked the function is behind `d` and put
 * Moat's DeviceID in `tag`; without ATS the device caches nothing. */
static int amdvi_inv_atc(struct amdvi_dev *v, const struct iommu_inv_atc *e)
{
	u64 size = e->size_order >= 64 ? 0 : 1ULL << e->size_order;
	struct amdvi_cmd c;

	if (!amdvi_ats(v, e->tag))
		return 0;
	if (e->pasid != IOMMU_NO_PASID && e->pasid > 0xffff)
		return -E_RANGE; /* the command carries PASID[15:0] only */
	c = amdvi_cmd_inv_iotlb((u16)e->tag, e->pasid, e->pasid != IOMMU_NO_PASID, e->addr, size);
	return amdvi_cmd_submit(v, &c, 1);
}

static int amdvi_op_invalidate(struct iommu *u, struct iommu_domain *d, const struct iommu_inv *inv)
{
	if (inv->kind == IOMMU_INV_AMD)
		return amdvi_inv_guest(amdvi_of(u), d, &inv->amd);
	if (inv->kind == IOMMU_INV_ATC)
		return amdvi_inv_atc(amdvi_of(u), &inv->atc);
	return -E_INVAL;
}

static int amdvi_op_fault_poll(struct iommu *u)
{
	int n = amdvi_events_drain(amdvi_of(u), amdvi_event_sink);

	return n < 0 ? n : 0;
}

/*
 * What a guest stage-1 may be (48882 EFR): with GTSup, x86-64 guest tables of 4 levels, or 5
 * with GATS = 1 (input 48 or 57 bits); nesting parents of 48 bits (amdvi_op_s2_config: Mode 4,
 * which every HATS allows); PASIDs: PASmax + 1 bits, no more than the GCR3 table GLXSup allows
 * indexes (9 bits a level) nor than INVALIDATE_IOTLB_PAGES carries (16); 16-bit DomainIDs.
 */
static int amdvi_op_info(struct iommu *u, struct iommu_info *out)
{
	const struct amdvi_dev *v = amdvi_of(u);
	unsigned pasid_bits = (unsigned)FIELD_GET(EFR_PASMAX, v->efr) + 1;
	bool l5 = v->guest_levels == 5;

	pasid_bits = MIN(pasid_bits, 9 * (v->glx_max + 1));
	out->s1_formats = v->gt ? IOMMU_S1FMT_X86_4L | (l5 ? IOMMU_S1FMT_X86_5L : 0) : 0;
	out->s1_ias = l5 ? 57 : 48;
	out->s2_ias_max = 48;
	out->pasid_bits = v->gt ? (u8)MIN(pasid_bits, 16u) : 0;
	out->tag_bits = 16;
	return 0;
}

static const struct iommu_ops amdvi_ops = {
	.probe = amdvi_op_probe,
	.s2_config = amdvi_op_s2_config,
	.domain_init = amdvi_op_domain_init,
	.domain_fini = amdvi_op_domain_fini,
	.attach = amdvi_op_attach,
	.detach = amdvi_op_detach,
	.flush_s2 = amdvi_op_flush_s2,
	.invalidate = amdvi_op_invalidate,
	.fault_poll = amdvi_op_fault_poll,
	.info = amdvi_op_info,
	.irq_map = amdvi_op_irq_map,
	.irq_unmap = amdvi_op_irq_unmap,
};

IOMMU_DRIVER(amdvi_drv, "amdvi", IOMMU_KIND_AMDVI, IOMMU_VENDOR_AMDVI, &amdvi_ops);

const struct iommu_driver *amdvi_driver(void)
{
	return &amdvi_drv;
}

void amdvi_units_reset(void)
{
	amdvi_nunits = 0;
}
