// SPDX-License-Identifier: MIT
/*
 * SMMUv3 behind the IOMMU core (iommu/iommu.h): the core's hardware tags are StreamIDs (the
 * core resolves requesters to them from the IORT or DT iommu-map scope of the unit and owns
 * each one for one domain at a time). Nesting parents are stage-2 STEs with one VMID each,
 * nested domains point the STE's S1ContextPtr at the guest's CD table (an IPA), guest TLB
 * invalidations always carry the parent's VMID, ATC and CD invalidations go to the StreamIDs
 * the core found attached, and events become fault records by StreamID, drained from the
 * SMMU's event-queue/GERROR interrupts when the platform wires them, else polled.
 */
#define LOG_COMPONENT "smmu"
#include <arch/mm.h>
#include <string.h>

#include "core/init.h"
#include "core/irq.h"
#include "core/log.h"
#include "iommu/iommu.h"
#include "iommu/smmuv3/smmu_internal.h"
#include "iommu/smmuv3/smmu_iommu.h"
#include "lib/err.h"
#include "lib/fmt.h"

static struct smmu_unit smmu_units[PLAT_MAX_IOMMU];
static unsigned smmu_nunits;

struct smmu_unit *smmu_unit_of(struct iommu *u)
{
	return container_of(u, struct smmu_unit, unit);
}

/* 7.3 event types to fault kinds. */
static enum iommu_fault_kind smmu_fault_kind(u8 type)
{
	switch (type) {
	case EVT_F_TRANSLATION: return IOMMU_FAULT_TRANSLATION;
	case EVT_F_PERMISSION: return IOMMU_FAULT_PERMISSION;
	case EVT_F_ADDR_SIZE: return IOMMU_FAULT_ADDRESS_SIZE;
	case EVT_F_ACCESS: return IOMMU_FAULT_ACCESS;
	case EVT_F_WALK_EABT: return IOMMU_FAULT_BAD_ENTRY;
	default: return IOMMU_FAULT_BAD_CONFIG;
	}
}

void smmu_event_to_fault(const struct smmu_event *e, struct iommu_fault *f)
{
	bool xlate = e->type >= EVT_F_TRANSLATION && e->type <= EVT_F_PERMISSION;

	*f = (struct iommu_fault){
		.tag = e->sid,
		.rid = IOMMU_RID_NONE,
		.pasid = e->ssv ? e->ssid : IOMMU_NO_PASID,
		.addr = e->addr,
		/* A stage-2 fault while fetching a CD or a stage-1 table: that structure's IPA. */
		.fetch_addr = (e->s2 && e->cls != 2) ? e->ipa : 0,
		.stage = xlate ? (e->s2 ? IOMMU_FAULT_S2 : IOMMU_FAULT_S1) : IOMMU_FAULT_CONFIG,
		.kind = smmu_fault_kind(e->type),
		.level = 0xff,
		.access = e->read ? IOMMU_FAULT_READ : IOMMU_FAULT_WRITE,
		.vendor_code = e->type,
	};
	if (e->type == EVT_F_WALK_EABT || e->type == EVT_C_BAD_CD || e->type == EVT_F_CD_FETCH)
		f->stage = e->s2 ? IOMMU_FAULT_S2 : IOMMU_FAULT_S1;
}

/*
 * The same fault again (stream, type, direction, stage, 4 KiB page) while the previous record
 * is still waiting for delivery: QEMU writes one event per failing 4-byte access, so a
 * faulting 4 KiB transfer would otherwise push 1024 identical records through the fault ring.
 */
static bool smmu_event_repeats(struct smmu_unit *su, const struct smmu_event *e)
{
	const struct smmu_event *l = &su->last;
	bool same = iommu_faults_pending(&su->unit) && l->type == e->type && l->sid == e->sid &&
		    l->read == e->read && l->s2 == e->s2 && l->ssv == e->ssv &&
		    l->ssid == e->ssid && (l->addr >> 12) == (e->addr >> 12);

	su->last = *e;
	return same;
}

static void smmu_event_sink_core(struct smmu_dev *s, const struct smmu_event *e)
{
	struct smmu_unit *su = container_of(s, struct smmu_unit, dev);
	struct iommu_fault f;

	if (smmu_event_repeats(su, e)) {
		su->events_merged++;
		return;
	}
	smmu_event_to_fault(e, &f);
	iommu_fault_report(&su->unit, &f);
}

/* ---- interrupts ------------------------------------------------------------------------------ */

/*
 * The event-queue and GERROR SPIs (both edge-triggered on QEMU; a level line is quiet once
 * the queue is drained and GERRORN acknowledged): drain, handle global errors, hand the new
 * fault records to their consumer. Runs on the CPU the SPIs are routed to, interrupts masked.
 */
static void smmu_irq(void *ctx)
{
	struct smmu_unit *su = ctx;
	int budget = 1 << su->dev.evtq.log2, n;

	su->irqs++;
	/* In slices the fault ring holds, each handed over before the next is read. */
	do {
		n = smmu_evtq_drain(&su->dev, IOMMU_FAULT_RING);
		iommu_fault_notify(&su->unit);
		budget -= n;
	} while (n == IOMMU_FAULT_RING && budget > 0);
	/* After the drain: an EVENTQ_ABT_ERR (full queue) is acknowledged once there is room. */
	if (smmu_gerror_handle(&su->dev))
		pr_err("SMMUv3 at 0x%llx: fatal global error", (unsigned long long)su->dev.phys.v);
}

static int smmu_irqs_route(struct smmu_unit *su, const struct plat_irq *ev,
			   const struct plat_irq *ge)
{
	struct smmu_dev *s = &su->dev;
	int err = arch_irq_request(ev->intid, ev->edge, smmu_irq, su);

	if (err)
		return err;
	s->irq_evtq = ev->intid;
	if (ge->intid && ge->intid != ev->intid) {
		if ((err = arch_irq_request(ge->intid, ge->edge, smmu_irq, su)))
			return err;
	}
	s->irq_gerror = ge->intid;
	return smmu_irq_ctrl(s, true, ge->intid != 0);
}

/*
 * The wired SPIs the platform describes (DT interrupts / IORT GSIVs). Without an event-queue
 * interrupt, or if routing it fails, the queue is polled from the vCPU traps instead.
 */
static void smmu_irqs_setup(struct smmu_unit *su, const struct plat_iommu *desc)
{
	const struct plat_irq *ev = &desc->irq[PLAT_IOMMU_IRQ_EVTQ];
	const struct plat_irq *ge = &desc->irq[PLAT_IOMMU_IRQ_GERROR];
	int err;

	if (!ev->intid)
		return;
	if ((err = smmu_irqs_route(su, ev, ge))) {
		pr_warn("SMMUv3 at 0x%llx: interrupts not usable (%s): event queue polled",
			(unsigned long long)desc->base.v, err_str(err));
		smmu_irqs_release(&su->dev);
		return;
	}
	su->unit.irq_driven = true;
}

/* ---- ops ------------------------------------------------------------------------------------ */

static const unsigned smmu_oas_bits[] = { 32, 36, 40, 42, 44, 48 };

static int smmu_op_probe(struct moat_ctx *ctx, const struct plat_iommu *desc, struct iommu **out)
{
	struct smmu_unit *su;
	char name[40];
	int err;

	if (smmu_nunits == PLAT_MAX_IOMMU)
		return -E_NOSPC;
	su = &smmu_units[smmu_nunits];
	memset(su, 0, sizeof(*su));
	/* Requester ID -> StreamID: the IORT ranges or the DT iommu-map (core/dt_iommu.c). */
	if ((err = iommu_scope_check(desc))) {
		pr_err("SMMUv3 at 0x%llx: bad RID to StreamID map",
		       (unsigned long long)desc->base.v);
		return err;
	}
	err = smmu_init(&su->dev, desc->base, ctx->frames, NULL);
	if (err)
		return err;
	su->dev.sink = smmu_event_sink_core;
	smmu_nunits++;
	smmu_irqs_setup(su, desc);
	fmt_snprintf(name, sizeof(name), "SMMUv3 at 0x%llx", (unsigned long long)desc->base.v);
	iommu_scope_report_aliases(desc, name);
	pr_info("SMMUv3 at 0x%llx: %s%s, %u-bit SIDs, %u-bit OAS, %s stream table, events by %s",
		(unsigned long long)desc->base.v, su->dev.s1p ? "S1+" : "", "S2", su->dev.sid_bits,
		smmu_oas_bits[su->dev.oas_enc], su->dev.two_level ? "2-level" : "linear",
		su->unit.irq_driven ? "interrupt" : "polling");
	*out = &su->unit;
	return 0;
}

static int smmu_op_s2_config(struct iommu *u, unsigned gpa_bits, struct pt_config *cfg)
{
	struct smmu_dev *s = &smmu_unit_of(u)->dev;
	unsigned oas = smmu_oas_bits[s->oas_enc];

	/* The IPA size cannot exceed what S2PS (capped to the OAS) describes. */
	cfg->fmt = PT_ARM_S2;
	cfg->ias = MIN(gpa_bits, oas);
	cfg->oas = oas;
	if (cfg->ias < 32)
		return -E_INVAL;
	return 0;
}

static void smmu_s2_of(const struct iommu_domain *d, struct smmu_s2_cfg *c)
{
	struct pt_hw_desc h;

	pt_hw_describe(&d->s2, &h);
	*c = (struct smmu_s2_cfg){
		.root = h.root, .t0sz = (u8)h.arm_t0sz, .sl0 = (u8)h.arm_sl0, .vmid = d->tags.vmid
	};
}

static void smmu_s1_of(const struct iommu_domain *d, struct smmu_s1_cfg *c)
{
	const struct iommu_s1_smmu *g = &d->s1.smmu;

	*c = (struct smmu_s1_cfg){ .s1ctxptr = g->s1ctxptr.v,
				   .s1fmt = (u8)g->s1fmt,
				   .s1cdmax = g->s1cdmax,
				   .s1dss = g->s1dss };
}

static int smmu_op_domain_init(struct iommu *u, struct iommu_domain *d)
{
	struct smmu_dev *s = &smmu_unit_of(u)->dev;
	struct smmu_s1_cfg c;

	if (d->kind == IOMMU_DOMAIN_S2)
		return smmu_vmid_alloc(s, &d->tags.vmid);
	if (d->s1.vendor != IOMMU_VENDOR_SMMUV3)
		return -E_INVAL;
	smmu_s1_of(d, &c);
	d->tags.vmid = d->parent->tags.vmid;
	return smmu_s1_check(s, &c, d->parent->s2.cfg.ias);
}

static void smmu_op_domain_fini(struct iommu *u, struct iommu_domain *d)
{
	struct smmu_dev *s = &smmu_unit_of(u)->dev;

	if (d->kind != IOMMU_DOMAIN_S2)
		return;
	/*
	 * Nothing may be left tagged with the VMID before it is reused; if the invalidation
	 * failed, entries of the old tables may survive, so the VMID stays allocated for good.
	 */
	if (smmu_inv_s2(s, d->tags.vmid, 0, 0, true)) {
		pr_err("VMID %u not invalidated on release: never reused", d->tags.vmid);
		return;
	}
	smmu_vmid_free(s, d->tags.vmid);
}

static int smmu_op_attach(struct iommu *u, struct iommu_domain *d, u32 sid, u32 pasid)
{
	struct smmu_dev *s = &smmu_unit_of(u)->dev;
	struct smmu_s2_cfg c2;
	struct smmu_s1_cfg c1;

	/* The STE covers every substream of the RID: attach is per RID, SSIDs are the guest's. */
	if (pasid != IOMMU_NO_PASID)
		return -E_NOTSUP;
	if (d->kind == IOMMU_DOMAIN_S2) {
		smmu_s2_of(d, &c2);
		return smmu_stream_s2(s, sid, &c2);
	}
	smmu_s2_of(d->parent, &c2);
	smmu_s1_of(d, &c1);
	return smmu_stream_nested(s, sid, &c2, &c1);
}

static int smmu_op_detach(struct iommu *u, struct iommu_domain *d, u32 sid, u32 pasid)
{
	(void)d;
	if (pasid != IOMMU_NO_PASID)
		return -E_NOTSUP;
	return smmu_stream_abort(&smmu_unit_of(u)->dev, sid);
}

/* ATCs of every device translated through `d` (attached to it or to a domain on it). */
static int smmu_flush_atcs(struct iommu *u, const struct iommu_domain *d)
{
	struct smmu_dev *s = &smmu_unit_of(u)->dev;
	int err = 0;

	if (!s->ats)
		return 0;
	for (const struct iommu_domain *o = u->domains; o && !err; o = o->next) {
		if (o != d && o->parent != d)
			continue;
		for (unsigned i = 0; i < o->nattach && !err; i++)
			for (unsigned k = 0; k < o->attach[i].tags.n && !err; k++)
				err = smmu_inv_atc(s, o->attach[i].tags.tag[k], 0xffffffffu, 0, 64);
	}
	return err;
}

static int smmu_op_flush_s2(struct iommu *u, struct iommu_domain *d, const struct pt_gather *g)
{
	struct smmu_dev *s = &smmu_unit_of(u)->dev;
	int err;

	if (g->end == g->start)
		return 0;
	/*
	 * Table changes need the walk caches for the range invalidated: a range command with
	 * Leaf = 0 does that; without RIL the whole VMID goes.
	 */
	err = smmu_inv_s2(s, d->tags.vmid, g->start, g->end - g->start,
			  d->nchildren || (g->tables_changed && !s->ril));
	return err ? err : smmu_flush_atcs(u, d);
}

static int smmu_op_invalidate(struct iommu *u, struct iommu_domain *d, const struct iommu_inv *inv)
{
	struct smmu_dev *s = &smmu_unit_of(u)->dev;
	const struct iommu_inv_smmu *e = &inv->smmu;
	const struct iommu_inv_atc *a = &inv->atc;

	/* CFGI_CD and ATC entries arrive once per StreamID of the device (e->tag, a->tag). */
	if (inv->kind == IOMMU_INV_SMMU && e->op == IOMMU_SMMU_CFGI_CD)
		return smmu_inv_cd(s, e->tag, 0);
	if (inv->kind == IOMMU_INV_SMMU) {
		struct smmu_tlbi t = { .op = (enum smmu_tlbi_op)e->op,
				       .asid = e->asid,
				       .addr = e->addr,
				       .leaf = e->leaf,
				       .tg = e->tg,
				       .ttl = e->ttl,
				       .num = e->num,
				       .scale = e->scale };
		/* d is the nesting parent (the core routes SMMU entries there): its VMID. */
		return smmu_inv_s1(s, d->tags.vmid, &t);
	}
	if (inv->kind != IOMMU_INV_ATC)
		return -E_INVAL;
	return smmu_inv_atc(s, a->tag, a->pasid, a->addr, a->size_order);
}

static int smmu_op_fault_poll(struct iommu *u)
{
	int n = smmu_evtq_poll(&smmu_unit_of(u)->dev);

	return n < 0 ? n : 0;
}

/*
 * What a guest stage-1 may be (IDR0.S1P, IDR0.ASID16, IDR1.SSIDSIZE, IDR5.OAS): CDs with
 * AArch64 4 KiB tables (48-bit input), the IPA as large as S2PS allows.
 */
static int smmu_op_info(struct iommu *u, struct iommu_info *out)
{
	const struct smmu_dev *s = &smmu_unit_of(u)->dev;

	out->s1_formats = s->s1p ? IOMMU_S1FMT_ARM_4K : 0;
	out->s1_ias = 48;
	out->s2_ias_max = (u8)smmu_oas_bits[s->oas_enc];
	out->pasid_bits = (u8)s->ssid_bits;
	out->tag_bits = (u8)s->asid_bits;
	return 0;
}

static const struct iommu_ops smmu_ops = {
	.probe = smmu_op_probe,
	.s2_config = smmu_op_s2_config,
	.domain_init = smmu_op_domain_init,
	.domain_fini = smmu_op_domain_fini,
	.attach = smmu_op_attach,
	.detach = smmu_op_detach,
	.flush_s2 = smmu_op_flush_s2,
	.invalidate = smmu_op_invalidate,
	.fault_poll = smmu_op_fault_poll,
	.info = smmu_op_info,
};

IOMMU_DRIVER(smmuv3_driver, "smmuv3", IOMMU_KIND_SMMUV3, IOMMU_VENDOR_SMMUV3, &smmu_ops);

const struct iommu_driver *smmu_driver(void)
{
	return &smmuv3_driver;
}

void smmu_units_reset(void)
{
	smmu_nunits = 0;
}
