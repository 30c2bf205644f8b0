// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness over the device-assignment hypercalls and the virtual ECAM: the input is a
 * sequence of guest operations (a hypercall of ABI 1.1 with fuzzed registers and fuzzed guest
 * memory, or a config-space access) from VM A (which owns a vdev whose TDI is the TDISP device
 * model) or VM B (which owns nothing). After every operation the layer's invariants must hold:
 * B never gets a device mapping or A's device; private MMIO and trusted DMA only while the TDI
 * is RUN; the vdev is always attached to the view its state allows. After the input, the VMs'
 * SYSTEM_RESET (vdev_vm_reset) must give back exactly the fixture a fresh build makes; an input
 * whose tail starts 0xfd tears the VMs' vIOMMUs down instead (viommu_fini from that state).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cpu.h>

#include "arch/host/vm_host.h"
#include "core/own.h"
#include "core/devop.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "lib/err.h"
#include "fake_smmu.c"
#include "fuzz_frames.h"
#include "fuzz_ram.h"
#include "tdisp_dev/tdev.c"

/*
 * RAM in 2 MiB blocks (host and guest addresses 2 MiB-aligned), so that building and tearing
 * down the four views per input maps and unmaps a block per range, not 4 KiB page by page:
 * the views cost what the input does to them (a page it shares), not the size of the RAM.
 * Zeroed between inputs by giving the pages back (fuzz_ram.h): a page costs only if touched.
 */
#define PRIV (2ULL << 20)
#define SHARED (2ULL << 20)
#define FN_ID 0x100u
#define BAR0 0x10000000ull

static struct fake_smmu fk; /* tests/unit/support/fake_smmu.c */
static struct fz_frames ha; /* tables from one arena, not a malloc per table */

static struct tdev dev;
static struct tsm_pdev pd;
static struct tdi tdi;
static const u8 chain[] = "chain", meas[] = "meas";

static unsigned vdm_waits; /* the "mailbox" is busy this many polls before each answer */

static int dsm_vdm(struct tsm_pdev *p, u8 proto, const u8 *req, size_t len, u8 *rsp, size_t cap,
		   size_t *rlen)
{
	(void)p;
	for (unsigned i = 0; i < vdm_waits; i++)
		devop_wait(); /* a TDI call returns BUSY here and is continued later */
	return tdev_handle(&dev, proto, req, len, rsp, cap, rlen) ? -E_TIMEOUT : 0;
}
static int dsm_flr(struct tsm_pdev *p, u32 fn)
{
	(void)p;
	tdev_flr(&dev, fn);
	return 0;
}
static const struct tsm_dsm_ops dsm = { .vdm = dsm_vdm, .flr = dsm_flr };

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	static const u32 space[0x20] = { 0x00101b36, 0x00100006,  0x01080200,
					 0,	     [13] = 0x40, [16] = 0x00000010 };
	return off < sizeof(space) ? space[off / 4] : 0;
}
static const struct vdev_backend be = { .cfg_read32 = be_cfg };

static void quiet(const char *s, size_t n)
{
	(void)s, (void)n;
}

static struct vm *vma, *vmb;
static struct vm_config ca = {
	.name = "A", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
static struct vm_config cb = {
	.name = "B", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
static u8 *rama, *ramb;
static u64 *bitsa, *bitsb;

/* The TDISP device model as powered on: one interface, BAR 0. */
static void dev_fresh(void)
{
	tdev_init(&dev, 1);
	dev.bar_base[0] = BAR0;
	dev.bar_size[0] = 0x4000;
	if (tdev_add_iface(&dev, FN_ID) < 0)
		abort();
}

/*
 * The fixture (the vIOMMU views, the vdev and its TDI) is built once, not per input: building
 * and tearing down the views was most of an input's cost. After every input it is put back
 * with the VMs' own SYSTEM_RESET path (vdev_vm_reset: calls in flight ended, the TDI torn
 * down, stage-1s dropped, conversions undone, the fault queue gone), then fixture_check()
 * compares it with what the build left, so that state an input leaves behind is a crash of
 * that input, not a different start for the next one; then the harness's own part (RAM, the
 * device model, the fake unit's counters) is made fresh again.
 */
static void fixture_build(void)
{
	struct pa_range bars[6] = { { pa(BAR0), 0x4000 } };
	u32 types[6] = { 0 };
	struct tsm_bars tb = { { { pa(BAR0), 0x4000 } } };

	if (!vma) {
		log_set_sink(quiet);
		vma = vm_alloc();
		vmb = vm_alloc();
		rama = fz_ram_map(PRIV + SHARED, 2ULL << 20);
		ramb = fz_ram_map(PRIV + SHARED, 2ULL << 20);
		bitsa = calloc(1, 4096);
		bitsb = calloc(1, 4096);
	}
	/* From any state an input left (the teardown below): calls in flight end first. */
	vdm_waits = 0;
	hc_ops_vm_gone(1);
	hc_ops_vm_gone(2);
	viommu_fini(vma);
	viommu_fini(vmb);
	if (ha.live)
		abort(); /* the views' tables, all given back by the teardown */
	fz_ram_zero(rama, PRIV + SHARED);
	fz_ram_zero(ramb, PRIV + SHARED);
	memset(bitsa, 0, 4096);
	memset(bitsb, 0, 4096);
	iommu_units_reset();
	host_s2_reset();
	vdev_reset_all();
	fz_frames_init(&ha);
	vm_init(vma, 1, &ca, pa((u64)(uintptr_t)rama));
	vm_init(vmb, 2, &cb, pa((u64)(uintptr_t)ramb));
	own_reset(); /* as boot leaves it: each VM's RAM, the BAR unassigned (core/own.h) */
	if (own_add(pa((u64)(uintptr_t)rama), PRIV + SHARED, own_vm(1)) ||
	    own_add(pa((u64)(uintptr_t)ramb), PRIV + SHARED, own_vm(2)) ||
	    own_add(pa(BAR0), 0x4000, own_bar(0)))
		abort();
	if (fake_smmu_add(&fk, &ha.a) || viommu_init(vma, &fk.u, bitsa) ||
	    viommu_init(vmb, &fk.u, bitsb))
		abort();
	dev_fresh();
	memset(&pd, 0, sizeof(pd));
	pd.ops = &dsm;
	pd.connected = true;
	pd.cert_chain = chain;
	pd.cert_chain_len = sizeof(chain);
	pd.meas = meas;
	pd.meas_len = sizeof(meas);
	tdi_init(&tdi, &pd, FN_ID, &tb);
	if (vdev_create(vma, 0, 0x0100, 0x1b36, 0x10, bars, types, &tdi, &be, NULL))
		abort();
}

/* What a reset must give back, as the first build left it. */
#define SNAP_EXTENTS 8
#define SNAP_OWN 8
struct snap {
	struct viommu v[2];
	struct vdev d;
	struct tdi tdi;
	struct host_s2_map s2[HOST_S2_MAX];
	struct iommu unit;
	long frames;
	unsigned nvdevs[2];
	unsigned next_vmid;
	struct snap_view {
		unsigned n;
		struct pt_extent x[SNAP_EXTENTS];
	} view[2][2], view_all[2][2];		 /* over the VMs' RAM; over the whole space */
	u8 maps[2][(PRIV + SHARED) / PAGE_SIZE]; /* mapping counts of the VMs' RAM pages */
	u8 bar_maps[0x4000 / PAGE_SIZE];
	struct {
		unsigned n;
		struct own_rec {
			paddr_t base;
			u64 size;
			struct own_id who;
		} r[SNAP_OWN];
	} own;
};
static struct snap fresh, now;

static void snap_own(void *ctx, paddr_t base, u64 size, struct own_id who)
{
	struct snap *s = ctx;

	if (s->own.n < SNAP_OWN) { /* field by field: the padding stays as memset left it */
		s->own.r[s->own.n].base = base;
		s->own.r[s->own.n].size = size;
		s->own.r[s->own.n].who = who;
	}
	s->own.n++;
}

/* The mappings of [at, end) of a view, as extents (more than SNAP_EXTENTS differ anyway). */
static void snap_view(struct snap_view *sv, const struct pt *pt, u64 at, u64 end)
{
	struct pt_extent x;

	while (at < end && !pt_lookup_next(pt, at, end, &x)) {
		if (sv->n < SNAP_EXTENTS) { /* field by field: not the padding of the local */
			sv->x[sv->n].in = x.in;
			sv->x[sv->n].out = x.out;
			sv->x[sv->n].size = x.size;
			sv->x[sv->n].prot = x.prot;
		}
		sv->n++;
		at = x.in + x.size;
	}
}

/*
 * The per-page mapping counts cost a look-up a page (2,052 of them, more than the rest of an
 * input), and the views' mappings outside the VMs' RAM a walk of their whole space (a
 * mapping there needs a table of its own, and the tables a view holds are compared after
 * every input): both after every COUNTS_EVERY-th reset, and after every one with
 * FZ_RESET_CHECK_ALL=1 in the environment (to find which input of the last ones left them).
 */
#define COUNTS_EVERY 64
static unsigned resets, counts_every = COUNTS_EVERY;

static void snap_counts(struct snap *s)
{
	for (unsigned vm = 0; vm < 2; vm++)
		for (unsigned w = 0; w < 2; w++)
			snap_view(&s->view_all[vm][w], &s->v[vm].u[0].view[w].s2, 0,
				  1ULL << s->v[vm].u[0].view[w].s2.cfg.ias);
	for (unsigned i = 0; i < (PRIV + SHARED) / PAGE_SIZE; i++) {
		s->maps[0][i] = (u8)own_maps(pa((u64)(uintptr_t)rama + i * PAGE_SIZE));
		s->maps[1][i] = (u8)own_maps(pa((u64)(uintptr_t)ramb + i * PAGE_SIZE));
	}
	for (unsigned i = 0; i < 0x4000 / PAGE_SIZE; i++)
		s->bar_maps[i] = (u8)own_maps(pa(BAR0 + i * PAGE_SIZE));
}

static void snap_take(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(&s->v[0], viommu_of(vma), sizeof(s->v[0]));
	memcpy(&s->v[1], viommu_of(vmb), sizeof(s->v[1]));
	memcpy(&s->d, vdev_at(vma, 0), sizeof(s->d));
	memcpy(&s->tdi, &tdi, sizeof(s->tdi));
	memcpy(s->s2, host_s2, sizeof(s->s2));
	memcpy(&s->unit, &fk.u, sizeof(s->unit));
	s->frames = ha.live;
	s->nvdevs[0] = vdev_count(vma);
	s->nvdevs[1] = vdev_count(vmb);
	for (unsigned vm = 0; vm < 2; vm++)
		for (unsigned w = 0; w < 2; w++)
			snap_view(&s->view[vm][w], &s->v[vm].u[0].view[w].s2, VM_RAM_BASE,
				  VM_RAM_BASE + PRIV + SHARED);
	own_for_each(snap_own, s);
}

/*
 * Field by field where a structure holds what no reader looks at: padding, tag slots past
 * the count, lock tickets (unlocked is all that counts), entries past a count.
 */
#define EQ(f) (a->f == b->f)
#define MEM(f) (!memcmp(&a->f, &b->f, sizeof(a->f)))

static bool unlocked(const struct spinlock *l)
{
	return l->next == l->owner;
}

static bool tags_same(const struct iommu_tagset *a, const struct iommu_tagset *b)
{
	return EQ(n) && a->n <= IOMMU_MAX_TAGS && !memcmp(a->tag, b->tag, a->n * sizeof(a->tag[0]));
}

static bool dom_same(const struct iommu_domain *a, const struct iommu_domain *b)
{
	if (!EQ(kind) || !EQ(unit) || !EQ(parent) || !MEM(s2) || !MEM(tags) || !EQ(owner) ||
	    !EQ(nchildren) || !EQ(next) || !EQ(nattach) || !EQ(flush_owed) ||
	    a->nattach > IOMMU_DOMAIN_MAX_ATTACH)
		return false;
	if (a->flush_owed && (!EQ(owed_start) || !EQ(owed_end)))
		return false;
	for (unsigned i = 0; i < a->nattach; i++)
		if (!EQ(attach[i].rid) || !EQ(attach[i].pasid) ||
		    !tags_same(&a->attach[i].tags, &b->attach[i].tags))
			return false;
	return true;
}

static bool unit_same(const struct iommu *a, const struct iommu *b)
{
	if (!EQ(drv) || !EQ(desc) || !EQ(alloc) || !EQ(index) || !unlocked(&a->lock) ||
	    !EQ(nstreams) || !EQ(fault_seq) || !EQ(faults_dropped) || !EQ(irq_driven) ||
	    !EQ(domains) || a->nstreams > IOMMU_MAX_STREAMS)
		return false;
	for (unsigned i = 0; i < a->nstreams; i++)
		if (!EQ(streams[i].tag) || !EQ(streams[i].pasid) || !EQ(streams[i].refs) ||
		    !EQ(streams[i].dom))
			return false;
	for (unsigned i = 0; i < IOMMU_FAULT_OWNERS; i++)
		if (!EQ(faults[i].count) || !EQ(faults[i].dropped))
			return false;
	return true;
}

static bool viommu_same(const struct viommu *a, const struct viommu *b)
{
	if (!EQ(vm) || !EQ(nunits) || !EQ(share_bits) || !EQ(npriv_pages) || !EQ(fq.v) ||
	    !EQ(fq_intid) || !EQ(faults_lost) || !unlocked(&a->fq_lock) || a->nunits > 1)
		return false;
	for (unsigned i = 0; i < a->nunits; i++)
		if (!EQ(u[i].unit) || !dom_same(&a->u[i].view[0], &b->u[i].view[0]) ||
		    !dom_same(&a->u[i].view[1], &b->u[i].view[1]))
			return false;
	return true;
}

static bool vdev_same(const struct vdev *a, const struct vdev *b)
{
	size_t m = offsetof(struct vmsix, cap);

	if (!EQ(vm) || !EQ(idx) || !EQ(handle) || !EQ(segment) || !EQ(bdf) || !EQ(vbdf) ||
	    !EQ(vendor) || !EQ(device) || !EQ(rid) || !MEM(iodev) || !EQ(unit) || !EQ(be) ||
	    !EQ(be_ctx) || !EQ(tdi) || !MEM(bar) || !EQ(shared_mmio) || !EQ(npriv) || !EQ(vcmd) ||
	    !EQ(sizing) || !EQ(msix_noted) || !EQ(s1_set) || !EQ(nested.kind) || !EQ(dom) ||
	    !EQ(trusted) || !EQ(op_cause) || !EQ(busy) || !EQ(flr_state) ||
	    !unlocked(&a->msix.lock) ||
	    memcmp((const u8 *)&a->msix + m, (const u8 *)&b->msix + m, sizeof(a->msix) - m))
		return false;
	return a->npriv == 0 && !a->s1_set; /* fresh: no private MMIO, no stage-1 */
}

/* The part of the tdi a teardown must give back (the report and scratch are rewritten before
 * they are read again, and put back from the fresh build so that every input starts alike). */
static bool tdi_same(const struct tdi *a, const struct tdi *b)
{
	static const u8 zero[TDISP_NONCE_LEN];

	return EQ(pdev) && EQ(function_id) && MEM(bars) && EQ(lock_flags) && EQ(reporting_offset) &&
	       EQ(vm) && EQ(vm_ops) && EQ(state) && EQ(shared_revoked) && EQ(private_mapped) &&
	       EQ(trusted_dma) && !a->nonce_valid && !b->nonce_valid &&
	       !memcmp(a->nonce, zero, sizeof(zero));
}

#define SAME(field) (!memcmp(&fresh.field, &now.field, sizeof(fresh.field)))

/* A reset fixture must equal a fresh one: anything else is the last input's crash. */
static void fixture_check(void)
{
	const char *what = NULL;

	snap_take(&now);
	if (!viommu_same(&fresh.v[0], &now.v[0]) || !viommu_same(&fresh.v[1], &now.v[1]))
		what = "vIOMMU state";
	else if (!SAME(view))
		what = "view mappings";
	else if (!vdev_same(&fresh.d, &now.d))
		what = "vdev";
	else if (!tdi_same(&fresh.tdi, &now.tdi))
		what = "TDI";
	else if (!SAME(s2))
		what = "CPU stage-2";
	else if (!unit_same(&fresh.unit, &now.unit))
		what = "IOMMU unit";
	else if (!SAME(frames))
		what = "table frames";
	else if (!SAME(nvdevs))
		what = "vdev count";
	else if (!SAME(own))
		what = "ownership record";
	else if (++resets % counts_every == 0 &&
		 (snap_counts(&now), !SAME(maps) || !SAME(bar_maps) || !SAME(view_all)))
		what = "mapping counts (of one of the last inputs: FZ_RESET_CHECK_ALL=1 tells "
		       "which)";
	else if (hc_ops_in_flight())
		what = "calls in flight";
	else if (dev.ifc[0].state != TDEV_UNLOCKED)
		what = "device interface state";
	if (what) {
		fprintf(stderr, "fuzz_vdev_abi: reset fixture differs from a fresh one: %s\n",
			what);
		abort();
	}
}

/* Back to the fresh state: the VMs' SYSTEM_RESET, then what belongs to the harness. */
static void fixture_reset(void)
{
	struct vdev *d = vdev_at(vma, 0);

	vdm_waits = 0;
	vdev_vm_reset(vma);
	vdev_vm_reset(vmb);
	/* the new instances: vCPUs, virtual GIC and UART as at power-on */
	vm_init(vma, 1, &ca, pa((u64)(uintptr_t)rama));
	vm_init(vmb, 2, &cb, pa((u64)(uintptr_t)ramb));
	/* history a reset keeps (TDI_STATE reports the causes; the lost-fault count is only
	 * counted), and the TDI's caches: as first built */
	d->last_cause = fresh.d.last_cause;
	d->teardowns = fresh.d.teardowns;
	viommu_of(vma)->faults_lost = fresh.v[0].faults_lost; /* the reset's own teardown record */
	viommu_of(vmb)->faults_lost = fresh.v[1].faults_lost;
	memcpy(&tdi.report, &fresh.tdi.report,
	       sizeof(tdi) - offsetof(struct tdi, report)); /* report .. scratch */
	fixture_check();
	/* the harness's part: RAM zero, the device model powered on again, the counters */
	fz_ram_zero(rama, PRIV + SHARED);
	fz_ram_zero(ramb, PRIV + SHARED);
	dev_fresh();
	fk.attaches = fk.detaches = fk.flushes = fk.invs = fk.cfgi_cd = fk.invs_other = 0;
	fk.ninv_vmid = fk.ninv_did = 0;
	fk.next_vmid = fresh.next_vmid;
}

/* Built anew (from any state: viommu_fini of both VMs first), and taken as the fresh state. */
static void fixture_fresh(void)
{
	fixture_build();
	snap_take(&fresh);
	snap_counts(&fresh);
	fresh.next_vmid = fk.next_vmid;
}

static void check_invariants(void)
{
	struct vdev *d = vdev_at(vma, 0);
	struct viommu *v = viommu_of(vma);

	for (unsigned i = 0; i < HOST_S2_MAX; i++)
		if (host_s2[i].size && host_s2[i].vm != 1)
			abort(); /* B never gets device memory */
	if (vdev_count(vmb))
		abort();
	if (fk.invs_not_s2)
		abort(); /* guest invalidations reach hardware only through a nesting parent */
	/* private MMIO or trusted DMA outside RUN; an accept in flight maps them before START */
	if ((d->npriv || d->trusted) && tdi.state != TDI_RUN && !hc_ops_in_flight())
		abort();
	if (d->shared_mmio && tdi.state != TDI_CONFIG_UNLOCKED)
		abort();
	if (!d->dom)
		return; /* blocked is always safe */
	struct iommu_domain *parent = d->dom->parent ? d->dom->parent : d->dom;
	if (parent != viommu_view(v, d->unit, d->trusted ? VIOMMU_FULL : VIOMMU_SHARED))
		abort();
}

/* Guest addresses the fuzzer mostly aims at RAM of the caller. */
static u64 pick_gpa(u8 sel, u64 raw)
{
	switch (sel & 3) {
	case 0: return VM_RAM_BASE + PRIV + (raw % SHARED);
	case 1: return VM_RAM_BASE + (raw % PRIV);
	case 2: return MOAT_GPA_ECAM + (raw & 0xfffff);
	default: return raw;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!vma) {
		counts_every = getenv("FZ_RESET_CHECK_ALL") ? 1 : COUNTS_EVERY;
		fixture_fresh();
	}
	while (size >= 48) {
		struct vm *vm = (data[0] & 0x80) ? vmb : vma;
		u8 *ram = vm == vma ? rama : ramb;
		u64 a[6];

		memcpy(a, data + 1, sizeof(a) - 8);
		a[5] = data[41];
		/* handles: mostly the real one, sometimes the other VM's or garbage */
		if ((data[0] & 0x30) == 0)
			a[0] = vdev_at(vma, 0)->handle;
		a[1] = (data[0] & 0x40) ? pick_gpa(data[1], a[1]) : a[1];
		a[2] = (data[0] & 0x08) ? pick_gpa(data[2], a[2]) : a[2] & 0xffff;
		/* some bytes of guest memory from the input, at the start of shared RAM */
		size_t n = size - 48 < 256 ? size - 48 : 256;
		memcpy(ram + PRIV, data + 48, n);
		/* the device sometimes takes a while; sometimes the owner stops continuing */
		vdm_waits = data[42] & 3;
		if (data[43] == 0xff)
			host_time_now_ns += 3000000000ull;
		if ((data[0] & 7) == 7) {
			u64 v = a[3];
			vdev_ecam_mmio(vm, MOAT_GPA_ECAM + (a[1] & 0xfffff), a[2] & 1,
				       1u << (a[4] & 3), &v);
		} else {
			u64 r[HC_NREGS] = {
				MOAT_HC_FN(7 + data[0] % 13), a[0], a[1], a[2], a[3], a[4], 0
			};
			hypercall_dispatch(&vm->vcpu[0], r);
		}
		check_invariants();
		data += 48 + n;
		size -= 48 + n;
	}
	/* A tail starting 0xfd asks for the VM teardown instead, from whatever state is left. */
	if (size && data[0] == 0xfd)
		fixture_fresh();
	else
		fixture_reset();
	return 0;
}
