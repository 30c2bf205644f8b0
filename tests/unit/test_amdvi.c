// SPDX-License-Identifier: MIT
/*
 * The AMD-Vi driver behind the IOMMU core, against the register-level model
 * (tests/models/amdvi): bring-up with every DTE blocked, the command and DTE layouts as the
 * spec's tables give them (byte-exact vectors), v1 domains with their invalidations, the DTE
 * write order, nested domains and the checks of the guest's GCR3 description, guest
 * invalidations mapped onto physical DomainIDs and DeviceIDs (forged ones refused), event-log
 * handling (decode, wrap, overflow), interrupt remapping through Moat-owned IRTEs, an illegal
 * command and a completion wait that times out.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "unit_fixture.h"

#include "amdvi/amdvi_model.h"
#include "core/boot_info.h"
#include "core/frame.h"
#include "core/init.h"
#include "core/own.h"
#include "iommu/amdvi/amdvi.h"
#include "iommu/iommu.h"
#include "lib/err.h"

#define AMD_BASE 0xfed80000ULL
#define RAM_SIZE (8ULL << 20)
#define DEVID 0x0010 /* 00:02.0 */
#define DEVID2 0x0018
#define GPA_A 0x100000ULL
#define GPA_B 0x101000ULL
#define IOVA 0x40000000ULL
#define VDID 7
#define VM 2

static struct {
	struct unit_fixture fx;
	struct amdvi_model *m;
	struct iommu_domain s2, nd;
	/* DTE snapshots taken at each INVALIDATE_DEVTAB_ENTRY of DEVID */
	unsigned nsnap;
	u64 snap[16][4];
	bool corrupt_next_dte_inv;
} t;

static u64 page(u8 fill)
{
	paddr_t p;

	assert_int_equal(frame_alloc_one(&t.fx.fa, &p), 0);
	memset((void *)(uintptr_t)p.v, fill, PAGE_SIZE);
	return p.v;
}

static u64 *dte(u16 devid)
{
	return (u64 *)(uintptr_t)((t.m->devtab & 0x000ffffffffff000ULL) + devid * 32ULL);
}

static void on_cmd(struct amdvi_model *m, uint64_t *w, void *arg)
{
	(void)m, (void)arg;
	if ((w[0] >> 60) != 2)
		return;
	if (t.corrupt_next_dte_inv) {
		t.corrupt_next_dte_inv = false;
		w[0] |= 1ULL << 40; /* a reserved bit: the unit refuses the command */
	}
	if ((w[0] & 0xffff) == DEVID && t.nsnap < 16)
		memcpy(t.snap[t.nsnap++], dte(DEVID), 32);
}

static int probe(struct amdvi_model_cfg cfg)
{
	const struct plat_iommu desc = { .kind = IOMMU_KIND_AMDVI,
					 .base = pa(AMD_BASE),
					 .size = 0x80000,
					 .scoped = true,
					 .include_all = true,
					 .features = cfg.efr };

	memset(&t, 0, sizeof(t));
	test_log_capture();
	iommu_units_reset();
	amdvi_units_reset();
	iommu_fault_notify_set(NULL);
	if (unit_fixture_init(&t.fx, RAM_SIZE, VM, &desc))
		return -1;
	t.m = amdvi_model_create(AMD_BASE, &cfg);
	amdvi_model_add_ram(t.m, t.fx.r.base.v, RAM_SIZE);
	t.m->on_cmd = on_cmd;
	return 0;
}

static int attach_unit(void)
{
	return unit_fixture_attach(&t.fx);
}

static int setup_cfg(struct amdvi_model_cfg cfg)
{
	if (probe(cfg) || attach_unit() || iommu_domain_s2_init(&t.s2, t.fx.u, 48))
		return -1;
	t.s2.owner = VM;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_cfg(amdvi_model_full());
}

static int setup_qemu(void **state)
{
	(void)state;
	return setup_cfg(amdvi_model_qemu());
}

static int teardown(void **state)
{
	(void)state;
	if (t.fx.u)
		amdvi_fini(&amdvi_unit_of(t.fx.u)->dev);
	amdvi_model_destroy(t.m);
	unit_fixture_free(&t.fx);
	return 0;
}

static int dma(u16 devid, u32 pasid, u64 addr, u32 *w, bool write)
{
	return amdvi_model_dma(t.m, devid, pasid, addr, w, 4, write);
}

static void assert_dma(u16 devid, u32 pasid, u64 addr, u64 host)
{
	static u32 seq = 0x1234;
	u32 w = ++seq, back = 0;

	assert_int_equal(dma(devid, pasid, addr, &w, true), AMDVIM_OK);
	memcpy(&back, (void *)(uintptr_t)host, 4);
	assert_int_equal(back, w);
}

static void map(u64 g, u64 h)
{
	assert_int_equal(iommu_s2_map(&t.s2, gpa(g), pa(h), PAGE_SIZE, PT_PROT_R | PT_PROT_W), 0);
}

static void poll(void)
{
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
}

/* ---- guest tables: GCR3 and x86 tables in guest RAM, identity-mapped in stage 2 ------------ */

static int galloc(struct pt_allocator *a, unsigned n, paddr_t *out)
{
	int err = t.fx.alloc.alloc(&t.fx.alloc, n, out);

	(void)a;
	return err ? err
		   : iommu_s2_map(&t.s2, gpa(out->v), *out, (u64)n << 12, PT_PROT_R | PT_PROT_W);
}

static void gfree(struct pt_allocator *a, paddr_t base, unsigned n)
{
	(void)a;
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(base.v), (u64)n << 12), 0);
	t.fx.alloc.free(&t.fx.alloc, base, n);
}

static struct pt_allocator ga = { .alloc = galloc, .free = gfree };
static struct pt gpt;

/* A GCR3 table (one level) whose entry `pasid` holds a fresh 4-level guest table. */
static u64 guest_gcr3(u32 pasid)
{
	struct pt_config c = { .fmt = PT_X86_64, .ias = 48, .oas = 48, .alloc = &ga };
	struct pt_hw_desc h;
	paddr_t g;

	assert_int_equal(pt_init(&gpt, &c), 0);
	pt_hw_describe(&gpt, &h);
	assert_int_equal(galloc(&ga, 1, &g), 0);
	memset((void *)(uintptr_t)g.v, 0, PAGE_SIZE);
	((u64 *)(uintptr_t)g.v)[pasid] = h.root.v | 1;
	return g.v;
}

static void guest_map(u64 iova, u64 g)
{
	struct pt_gather pg;

	pt_gather_init(&pg, NULL);
	assert_int_equal(
		pt_map(&gpt, iova, pa(g), PAGE_SIZE, PT_PROT_R | PT_PROT_W | PT_PROT_U, &pg), 0);
	pt_gather_sync(&pg, &gpt);
}

static struct iommu_s1 s1_of(u64 root, u16 vdid)
{
	return (struct iommu_s1){
		.vendor = IOMMU_VENDOR_AMDVI,
		.amd = { .gcr3_root = gpa(root), .glx = 0, .guest_levels = 4, .vdid = vdid }
	};
}

static struct iommu_inv guest_inv(u16 vdid, u32 pasid)
{
	return (struct iommu_inv){ .kind = IOMMU_INV_AMD,
				   .amd = { .vdid = vdid,
					    .pasid = pasid,
					    .gn = true,
					    .s = true,
					    .addr = 0x7ffffffffffff000ULL } };
}

/* ---- probe ---------------------------------------------------------------------------------- */

static void probe_blocks_every_deviceid_then_enables(void **state)
{
	u64 out;

	(void)state;
	assert_int_equal(iommu_unit_count(), 1);
	assert_ptr_equal(iommu_unit(0)->drv, amdvi_driver());
	assert_int_equal(t.m->control & (1 | 1 << 2 | 1 << 12), 1 | 1 << 2 | 1 << 12);
	assert_int_equal(t.m->excl_base, 0);
	assert_int_equal(t.m->excl_limit, 0);
	assert_int_equal(t.m->devtab & 0x1ff, 511);	      /* 2 MiB: every DeviceID */
	assert_int_equal(amdvi_model_count(t.m, 8, NULL), 1); /* INVALIDATE_IOMMU_ALL */
	for (u32 d = 0; d < 65536; d += 0x111)
		assert_int_equal(amdvi_model_translate(t.m, (u16)d, AMDVIM_NO_PASID, 0, true, &out),
				 AMDVIM_BLOCKED);
	assert_int_equal(t.s2.s2.cfg.fmt, PT_AMD_V1);
	assert_int_not_equal(t.s2.tags.did, 0);
	assert_true(test_log_has("AMD-Vi at 0xfed80000: EFR 0x10000000051d3, v1 host tables up to "
				 "4 levels, GT (GLX 1), 65536 DTEs"));
}

static void probe_without_invalidate_all_uses_single_commands(void **state)
{
	struct amdvi_model_cfg c = amdvi_model_qemu();

	(void)state;
	c.efr &= ~(1ULL << 6);
	assert_int_equal(setup_cfg(c), 0);
	assert_int_equal(amdvi_model_count(t.m, 8, NULL), 0);
	assert_int_equal(t.m->illegal_cmds, 0);
	assert_true(t.m->dte_invals >= 65536);
}

static void probe_times_out_when_run_bits_are_stuck(void **state)
{
	(void)state;
	assert_int_equal(probe(amdvi_model_qemu()), 0);
	t.m->stuck_run = true; /* CmdBufRun/EventLogRun never follow CONTROL */
	assert_int_equal(attach_unit(), -E_TIMEOUT);
	assert_true(test_log_has("did not reach"));
	t.fx.u = NULL;
}

/* ---- layouts (48882 command and DTE tables, as dwords) ------------------------------------- */

static u64 dw(u32 lo, u32 hi)
{
	return (u64)hi << 32 | lo;
}

/* What a guest stage-1 may be, from the EFR alone (48882: GTSup, GATS, GLXSup, PASmax). */
static void info_reports_what_the_efr_says(void **state)
{
	const u64 pasmax15 = 15ULL << 32; /* 16 PASID bits */
	const struct {
		u64 efr;
		u32 formats;
		u8 ias, pasid_bits;
	} c[] = {
		{ amdvi_model_full().efr, IOMMU_S1FMT_X86_4L | IOMMU_S1FMT_X86_5L, 57, 1 },
		{ amdvi_model_qemu().efr, IOMMU_S1FMT_X86_4L, 48, 1 }, /* GATS 2: reserved, 4 */
		{ amdvi_model_full().efr | pasmax15, IOMMU_S1FMT_X86_4L | IOMMU_S1FMT_X86_5L, 57,
		  16 }, /* GLX 1: 18 bits indexed */
		{ amdvi_model_qemu().efr | pasmax15, IOMMU_S1FMT_X86_4L, 48, 9 }, /* GLX 0: 9 */
		{ (amdvi_model_qemu().efr | pasmax15 | 2ULL << 14), IOMMU_S1FMT_X86_4L, 48,
		  9 }, /* GLXSup 2: reserved, one level */
		{ amdvi_model_full().efr & ~(1ULL << 4), 0, 57, 0 }, /* no GTSup: no guest tables */
	};
	struct iommu_info i;

	(void)state;
	for (unsigned k = 0; k < ARRAY_SIZE(c); k++) {
		struct amdvi_model_cfg cfg = { .efr = c[k].efr };

		if (k)
			teardown(NULL);
		assert_int_equal(setup_cfg(cfg), 0);
		memset(&i, 0xff, sizeof(i));
		assert_int_equal(iommu_unit_info(t.fx.u, &i), 0);
		assert_int_equal(i.s1_formats, c[k].formats);
		assert_int_equal(i.s1_ias, c[k].ias);
		assert_int_equal(i.s2_ias_max, 48);
		assert_int_equal(i.pasid_bits, c[k].pasid_bits);
		assert_int_equal(i.tag_bits, 16);
	}
}

static void command_layouts_are_the_specs(void **state)
{
	struct amdvi_cmd c;

	(void)state;
	/* COMPLETION_WAIT: dw0 StoreAddr[31:3] | S, dw1 StoreAddr[51:32] | op 1, dw2-3 data */
	c = amdvi_cmd_completion_wait(0x0000123456789ab8ULL, 0x1122334455667788ULL);
	assert_int_equal(c.w[0], dw(0x789ab8 | 0x56000000 | 1, 0x10001234));
	assert_int_equal(c.w[1], 0x1122334455667788ULL);
	/* INVALIDATE_DEVTAB_ENTRY: dw0 DeviceID, dw1 op 2 */
	c = amdvi_cmd_inv_dte(0xbeef);
	assert_int_equal(c.w[0], dw(0xbeef, 0x20000000));
	assert_int_equal(c.w[1], 0);
	/* INVALIDATE_IOMMU_PAGES: dw0 PASID, dw1 DomainID | op 3, dw2 addr[31:12] | GN PDE S */
	c = amdvi_cmd_inv_pages(0x42, 0, false, 0x40003000, PAGE_SIZE);
	assert_int_equal(c.w[0], dw(0, 0x30000042));
	assert_int_equal(c.w[1], dw(0x40003000 | 2, 0));
	c = amdvi_cmd_inv_pages(0x42, 0, false, 0x40000000, 4 * PAGE_SIZE); /* 16 KiB: bit 12 */
	assert_int_equal(c.w[1], dw(0x40001000 | 2 | 1, 0));
	c = amdvi_cmd_inv_pages(0x42, 0x12345, true, 0, 0); /* all, guest PASID 0x12345 */
	assert_int_equal(c.w[0], dw(0x12345, 0x30000042));
	assert_int_equal(c.w[1], dw(0xfffff000 | 4 | 2 | 1, 0x7fffffff));
	/* INVALIDATE_IOTLB_PAGES: dw0 DeviceID | PASID[15:8] << 16, dw1 QueueID | PASID[7:0] <<
	 * 16 | op 4, dw2 addr | GN | S */
	c = amdvi_cmd_inv_iotlb(0x0010, 0xabcd, true, 0x5000, PAGE_SIZE);
	assert_int_equal(c.w[0], dw(0x00ab0010, 0x40cd0010));
	assert_int_equal(c.w[1], dw(0x5000 | 4, 0));
	/* INVALIDATE_INTERRUPT_TABLE: dw0 DeviceID, dw1 op 5 */
	c = amdvi_cmd_inv_intr(0x0010);
	assert_int_equal(c.w[0], dw(0x10, 0x50000000));
}

static void dte_layouts_are_the_specs(void **state)
{
	struct pt_hw_desc h;
	u64 root = 0, *q = dte(DEVID), irt;

	(void)state;
	pt_hw_describe(&t.s2.s2, &h);
	map(GPA_A, page(0));
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	/* q0: V TV, Mode 4 at 11:9, root 51:12, IR IW; q1: DomainID; q2: IV, IntTabLen 8 at 4:1,
	 * IntTabRootPtr 51:6, IntCtl 10b at 61:60; q3: 0 */
	assert_int_equal(q[0], h.root.v | 4 << 9 | 3 | 3ULL << 61);
	assert_int_equal(q[1], t.s2.tags.did);
	irt = q[2] & 0x000fffffffffffc0ULL;
	assert_int_not_equal(irt, 0);
	assert_int_equal(q[2], irt | 1 | 8 << 1 | 2ULL << 60);
	assert_int_equal(q[3], 0);
	assert_int_equal(iommu_detach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	/* nested: GV b55, GLX 57:56, GCR3 [14:12] at 60:58, [30:15] at q1 31:16, [51:31] at
	 * q1 63:43, GPM (5-level) at q2 55:54 */
	root = 0x0000000fedcb7000ULL;
	map(root, page(0));
	{
		struct iommu_s1 s1 = s1_of(root, VDID);

		s1.amd.guest_levels = 5;
		s1.amd.glx = 1;
		s1.amd.giov = true;
		assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	}
	assert_int_equal(iommu_attach(&t.nd, DEVID, IOMMU_NO_PASID), 0);
	assert_int_equal(q[0], h.root.v | 4 << 9 | 3 | 3ULL << 61 | 1ULL << 55 | 1ULL << 54 |
				       1ULL << 56 | 7ULL << 58);
	assert_int_equal(q[1], t.nd.tags.did | 0xdb96ULL << 16 | 0x1fULL << 43);
	assert_int_equal((q[2] >> 54) & 3, 1);
}

/* ---- v1 domains ------------------------------------------------------------------------------ */

static void s2_dma_reaches_vm_ram_and_outside_faults(void **state)
{
	u64 a = page(0);
	struct iommu_fault f;
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	assert_int_equal(dma(DEVID, AMDVIM_NO_PASID, GPA_A, &w, true), AMDVIM_BLOCKED);
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_dma(DEVID, AMDVIM_NO_PASID, GPA_A + 0x10, a + 0x10);
	assert_int_equal(dma(DEVID, AMDVIM_NO_PASID, GPA_B, &w, true), AMDVIM_PAGE_FAULT);
	poll();
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), 0);
	assert_int_equal(f.vendor_code, 2); /* IO_PAGE_FAULT */
	assert_int_equal(f.rid, DEVID);
	assert_int_equal(f.owner, VM);
	assert_int_equal(f.stage, IOMMU_FAULT_S2);
	assert_int_equal(f.kind, IOMMU_FAULT_TRANSLATION);
	assert_int_equal(f.addr, GPA_B);
	assert_int_equal(f.access, IOMMU_FAULT_WRITE);
	assert_int_equal(f.pasid, IOMMU_NO_PASID);
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), -E_NOENT);
}

/* Whether INVALIDATE_IOMMU_PAGES' second qword (address, S) covers `a`. */
static bool range_covers(u64 w1, u64 a)
{
	u64 addr = w1 & ~0xfffULL, size = PAGE_SIZE;

	if (w1 & 1) { /* S: the lowest clear bit at or above 12 gives the size */
		unsigned k = 12;

		while (k < 63 && ((addr >> k) & 1))
			k++;
		if (k == 63)
			return true;
		size = 1ULL << (k + 1);
	}
	return a >= (addr & ~(size - 1)) && a - (addr & ~(size - 1)) < size;
}

static void unmap_stops_dma_before_it_returns(void **state)
{
	u64 a = page(0);
	struct amdvim_cmd last;
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_dma(DEVID, AMDVIM_NO_PASID, GPA_A, a); /* now in the model's IOTLB */
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), 0);
	assert_int_equal(dma(DEVID, AMDVIM_NO_PASID, GPA_A, &w, false), AMDVIM_PAGE_FAULT);
	assert_true(amdvi_model_count(t.m, 3, &last) > 0);
	assert_int_equal((last.w[0] >> 32) & 0xffff, t.s2.tags.did);
	assert_true(range_covers(last.w[1], GPA_A));
}

static void remap_is_seen_by_the_next_dma(void **state)
{
	u64 a = page(0), b = page(0);

	(void)state;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_dma(DEVID, AMDVIM_NO_PASID, GPA_A, a);
	map(GPA_A, b);
	assert_dma(DEVID, AMDVIM_NO_PASID, GPA_A, b);
}

static void dte_is_written_in_safe_steps(void **state)
{
	struct iommu_domain other;
	u64 fin[4];

	(void)state;
	map(GPA_A, page(0));
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_domain_s2_init(&other, t.fx.u, 39), 0);
	other.owner = VM;
	t.nsnap = 0;
	/* moving a live function to another domain: blocked, rest, new qword 0 */
	assert_int_equal(iommu_detach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_attach(&other, DEVID, IOMMU_NO_PASID), 0);
	memcpy(fin, dte(DEVID), 32);
	assert_true(t.nsnap >= 3);
	for (unsigned i = 0; i < t.nsnap; i++) {
		bool translating = (t.snap[i][0] >> 9) & 7;

		/* whenever qword 0 translates, the rest is the one that belongs to it */
		if (translating && t.snap[i][0] == fin[0])
			assert_memory_equal(&t.snap[i][1], &fin[1], 24);
		else if (translating)
			assert_int_equal(t.snap[i][1] & 0xffff, t.s2.tags.did);
	}
	assert_int_equal(fin[1] & 0xffff, other.tags.did);
	assert_int_equal(iommu_detach(&other, DEVID, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_domain_fini(&other), 0);
}

static void detach_blocks_and_leaves_no_stale_entry(void **state)
{
	u64 a = page(0);
	unsigned before;
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_dma(DEVID, AMDVIM_NO_PASID, GPA_A, a);
	before = amdvi_model_count(t.m, 3, NULL);
	assert_int_equal(iommu_detach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_int_equal(dma(DEVID, AMDVIM_NO_PASID, GPA_A, &w, false), AMDVIM_BLOCKED);
	/* the old DomainID is flushed too (QEMU's IOTLB would otherwise answer by device) */
	assert_int_equal(amdvi_model_count(t.m, 3, NULL), before + 1);
}

static void domain_ids_are_released_after_a_flush(void **state)
{
	struct iommu_domain d;
	struct amdvim_cmd last;
	u16 did;

	(void)state;
	assert_int_equal(iommu_domain_s2_init(&d, t.fx.u, 48), 0);
	did = d.tags.did;
	assert_int_not_equal(did, t.s2.tags.did);
	assert_int_equal(iommu_domain_fini(&d), 0);
	assert_true(amdvi_model_count(t.m, 3, &last) > 0);
	assert_int_equal((last.w[0] >> 32) & 0xffff, did);
	assert_int_equal(iommu_domain_s2_init(&d, t.fx.u, 48), 0);
	assert_int_equal(d.tags.did, did);
	assert_int_equal(iommu_domain_fini(&d), 0);
}

/* ---- nested ---------------------------------------------------------------------------------- */

static void nested_translates_through_gcr3_and_both_tables(void **state)
{
	u64 a = page(0), root = guest_gcr3(1);
	struct iommu_s1 s1 = s1_of(root, VDID);
	struct iommu_fault f;
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	guest_map(IOVA, GPA_A);
	guest_map(IOVA + PAGE_SIZE, GPA_B); /* GPA_B is not the VM's */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(iommu_attach(&t.nd, DEVID, IOMMU_NO_PASID), 0);
	assert_int_not_equal(t.nd.tags.did, t.s2.tags.did);
	assert_dma(DEVID, 1, IOVA + 4, a + 4);
	assert_int_equal(dma(DEVID, 1, IOVA + PAGE_SIZE, &w, true), AMDVIM_PAGE_FAULT);
	assert_int_equal(dma(DEVID, 2, IOVA, &w, true), AMDVIM_PAGE_FAULT); /* no GCR3 entry */
	poll();
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), 0);
	assert_int_equal(f.pasid, 1);
	assert_int_equal(f.stage, IOMMU_FAULT_S1);
	assert_int_equal(f.rid, DEVID);
	/* PASID-granular attach: the GCR3 table already covers PASIDs */
	assert_int_equal(iommu_attach(&t.nd, DEVID2, 5), -E_NOTSUP);
}

static void nested_refuses_a_gcr3_root_outside_the_vm(void **state)
{
	struct iommu_s1 s1 = s1_of(GPA_B, VDID); /* not mapped by the parent */
	u64 before[4];

	(void)state;
	memcpy(before, dte(DEVID), 32);
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_RANGE);
	s1.amd.gcr3_root = gpa(1ULL << 50); /* beyond the parent's input size */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_RANGE);
	assert_memory_equal(before, dte(DEVID), 32);
	assert_int_equal(t.s2.nchildren, 0);
}

/*
 * A GCR3 root the parent maps (its table says so) onto a page the ownership record gives to
 * another VM, to Moat, to a BAR of the VM, or to nobody, is refused before any DTE field is
 * written: the unit would read the guest's GCR3 table out of it.
 */
static void nested_refuses_a_gcr3_root_that_is_not_the_vms_ram(void **state)
{
	static u8 other[4][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	const struct own_id who[3] = { own_vm(VM + 1), own_moat(), own_bar(VM) };
	u64 before[4], g = 0x200000;
	struct pt_gather pg;

	(void)state;
	memcpy(before, dte(DEVID), 32);
	for (unsigned k = 0; k < 4; k++) {
		struct iommu_s1 s1 = s1_of(g + k * PAGE_SIZE, VDID);
		paddr_t p = pa((u64)(uintptr_t)other[k]);

		if (k < 3)
			assert_int_equal(own_add(p, PAGE_SIZE, who[k]), 0);
		/* past the core's counted map path, which refuses these pages: the table itself */
		pt_gather_init(&pg, NULL);
		assert_int_equal(pt_map(&t.s2.s2, g + k * PAGE_SIZE, p, PAGE_SIZE,
					PT_PROT_R | PT_PROT_W, &pg),
				 0);
		test_log_reset();
		assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_PERM);
		assert_true(test_log_has("GCR3 root 0x"));
		assert_true(test_log_has(k == 0	  ? "belongs to vm 3"
					 : k == 1 ? "belongs to moat"
					 : k == 2 ? "belongs to bar of vm 2"
						  : "belongs to nobody"));
		assert_int_equal(pt_unmap(&t.s2.s2, g + k * PAGE_SIZE, PAGE_SIZE, &pg), 0);
	}
	assert_memory_equal(before, dte(DEVID), 32);
	assert_int_equal(t.s2.nchildren, 0);
}

/* GIoV, GLX 1 and 5-level guests on a unit whose EFR lacks them (QEMU's); GLX and guest
 * levels outside the DTE's encodings; a root that is not 4 KiB aligned (it would straddle). */
static void nested_refuses_fields_outside_the_efr_and_the_encodings(void **state)
{
	u64 root = page(0), before[4];
	struct iommu_s1 s1 = s1_of(root, VDID);

	(void)state;
	map(root, root);
	memcpy(before, dte(DEVID), 32);
	s1.amd.giov = true; /* no GIOSup */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_NOTSUP);
	s1 = s1_of(root, VDID);
	s1.amd.glx = 2;
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_INVAL);
	s1 = s1_of(root, VDID);
	s1.amd.guest_levels = 6;
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_INVAL);
	s1 = s1_of(root + 0x800, VDID);
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_INVAL);
	assert_memory_equal(before, dte(DEVID), 32);
	assert_int_equal(t.s2.nchildren, 0);
}

static void nested_refuses_what_the_unit_lacks(void **state)
{
	u64 root = page(0);
	struct iommu_s1 s1 = s1_of(root, VDID);

	(void)state;
	map(root, root);
	/* QEMU's EFR: GT, but GLX 0 and 4-level guests only */
	s1.amd.glx = 1;
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_NOTSUP);
	s1.amd.glx = 0;
	s1.amd.guest_levels = 5;
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_NOTSUP);
	s1.amd.guest_levels = 3;
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_INVAL);
	s1.amd.guest_levels = 4;
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(iommu_domain_fini(&t.nd), 0);
}

static void nested_domains_of_one_vdid_share_a_pdid(void **state)
{
	u64 root = page(0);
	struct iommu_s1 s1 = s1_of(root, VDID);
	struct iommu_domain n2, n3;

	(void)state;
	map(root, root);
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(iommu_domain_nested_init(&n2, &t.s2, &s1), 0);
	s1.amd.vdid = VDID + 1;
	assert_int_equal(iommu_domain_nested_init(&n3, &t.s2, &s1), 0);
	assert_int_equal(n2.tags.did, t.nd.tags.did);
	assert_int_not_equal(n3.tags.did, t.nd.tags.did);
	assert_int_equal(iommu_domain_fini(&t.nd), 0);
	/* still held by n2: not released */
	assert_int_equal(iommu_domain_s2_init(&t.nd, t.fx.u, 48), 0);
	assert_int_not_equal(t.nd.tags.did, n2.tags.did);
	assert_int_equal(iommu_domain_fini(&t.nd), 0);
	assert_int_equal(iommu_domain_fini(&n2), 0);
	assert_int_equal(iommu_domain_fini(&n3), 0);
}

static void guest_invalidation_reaches_only_the_pdid(void **state)
{
	u64 a = page(0), b = page(0), root = guest_gcr3(1);
	struct iommu_s1 s1 = s1_of(root, VDID);
	struct iommu_inv inv = guest_inv(VDID, 1);
	struct amdvim_cmd last;
	unsigned done, before;

	(void)state;
	map(GPA_A, a);
	map(GPA_B, b);
	guest_map(IOVA, GPA_A);
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(iommu_attach(&t.nd, DEVID, IOMMU_NO_PASID), 0);
	assert_dma(DEVID, 1, IOVA, a);
	guest_map(IOVA, GPA_B); /* the guest changes its table: stale until it invalidates */
	assert_dma(DEVID, 1, IOVA, a);
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), 0);
	assert_int_equal(done, 1);
	assert_true(amdvi_model_count(t.m, 3, &last) > 0);
	assert_int_equal((last.w[0] >> 32) & 0xffff, t.nd.tags.did); /* the pDID */
	assert_int_not_equal(t.nd.tags.did, VDID);
	assert_int_equal(last.w[0] & 0xfffff, 1); /* PASID */
	assert_true(last.w[1] & 4);		  /* GN */
	assert_dma(DEVID, 1, IOVA, b);
	/* a forged guest DomainID is refused before any command */
	before = t.m->nlog;
	inv.amd.vdid = VDID + 1;
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), -E_PERM);
	assert_int_equal(t.m->nlog, before);
}

static void guest_atc_invalidation_uses_moats_deviceid(void **state)
{
	u64 root = page(0);
	struct iommu_s1 s1 = s1_of(root, VDID);
	struct iommu_inv inv = {
		.kind = IOMMU_INV_ATC,
		.atc = { .rid = DEVID2, .pasid = IOMMU_NO_PASID, .size_order = 64 }
	};
	struct amdvim_cmd last;
	unsigned done, before;

	(void)state;
	map(root, root);
	assert_int_equal(amdvi_ats_set(t.fx.u, DEVID, true), 0);
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(iommu_attach(&t.nd, DEVID, IOMMU_NO_PASID), 0);
	assert_true(dte(DEVID)[1] & (1ULL << 32)); /* I: IOTLB enabled */
	/* a device the VM does not have behind this domain: refused, nothing issued */
	before = t.m->nlog;
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), -E_PERM);
	assert_int_equal(t.m->nlog, before);
	inv.atc.rid = DEVID;
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), 0);
	assert_int_equal(amdvi_model_count(t.m, 4, &last), 1);
	assert_int_equal(last.w[0] & 0xffff, DEVID);
	assert_int_equal(last.w[1], 0x7ffffffffffff000ULL | 1);
	/* a stage-2 change reaches the ATC of the ATS function behind the nested domain too */
	map(GPA_A, page(0));
	before = amdvi_model_count(t.m, 4, NULL);
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), 0);
	assert_int_equal(amdvi_model_count(t.m, 4, &last), before + 1);
	assert_int_equal(last.w[0] & 0xffff, DEVID);
}

/* ---- events ---------------------------------------------------------------------------------- */

static void events_decode_to_fault_records(void **state)
{
	struct iommu_fault f;
	/* IO_PAGE_FAULT, DeviceID 0x10, PASID 0x3_0005, GN | RW | PE, address */
	u64 pf[2] = { 0x10 | 3ULL << 16 | 5ULL << 32 | (1ULL | 1 << 5 | 1 << 6) << 48 | 2ULL << 60,
		      0x40001000 };
	u64 dte_ev[2] = { 0x18 | 1ULL << 60, 0x5000 };
	u64 cmd_ev[2] = { 5ULL << 60, 0x1230 };

	(void)state;
	assert_true(amdvi_event_to_fault(pf, &f));
	assert_int_equal(f.tag, 0x10);
	assert_int_equal(f.pasid, 0x30005);
	assert_int_equal(f.stage, IOMMU_FAULT_S1);
	assert_int_equal(f.kind, IOMMU_FAULT_PERMISSION);
	assert_int_equal(f.access, IOMMU_FAULT_WRITE);
	assert_int_equal(f.addr, 0x40001000);
	assert_true(amdvi_event_to_fault(dte_ev, &f));
	assert_int_equal(f.stage, IOMMU_FAULT_CONFIG);
	assert_int_equal(f.tag, 0x18);
	assert_int_equal(f.pasid, IOMMU_NO_PASID);
	assert_false(amdvi_event_to_fault(cmd_ev, &f));
}

static void event_log_wraps(void **state)
{
	struct amdvi_dev *v = &amdvi_unit_of(t.fx.u)->dev;
	u64 rec[2] = { DEVID | 2ULL << 60, 0 };
	struct iommu_fault f;

	(void)state;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 200; i++) {
			rec[1] = (round * 200 + i) << 12;
			assert_true(amdvi_model_event(t.m, rec));
		}
		poll();
		while (iommu_fault_pop(t.fx.u, &f) == 0)
			;
	}
	assert_int_equal(v->events_seen, 600);
	assert_int_equal(v->evt_overflows, 0);
	assert_int_equal(v->evt_head, 600 % 256);
	assert_int_equal(t.m->evt_head, (600 % 256) * 16);
	assert_int_equal(f.addr, 599ULL << 12); /* the newest record came out last */
}

static void event_log_overflow_is_recovered(void **state)
{
	struct amdvi_dev *v = &amdvi_unit_of(t.fx.u)->dev;
	u64 rec[2] = { DEVID | 2ULL << 60, 0 };

	(void)state;
	for (unsigned i = 0; i < 300; i++)
		(void)amdvi_model_event(t.m, rec);
	assert_true(t.m->status & 1);
	poll();
	assert_int_equal(v->events_seen, 255);
	assert_int_equal(v->evt_overflows, 1);
	assert_false(t.m->status & 1);	     /* cleared */
	assert_true(t.m->status & (1 << 3)); /* EventLogRun again */
	assert_true(amdvi_model_event(t.m, rec));
	poll();
	assert_int_equal(v->events_seen, 256);
	assert_true(test_log_has("event log overflowed"));
}

static void a_bad_event_tail_is_refused(void **state)
{
	(void)state;
	t.m->evt_tail = 0x7fff0; /* beyond the 256-entry log */
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), -E_IO);
}

/* ---- interrupt remapping ------------------------------------------------------------------- */

static void device_interrupts_are_only_what_moat_gave(void **state)
{
	struct amdvi_irq_req r = {
		.devid = DEVID, .owner = VM, .vector = 0x61, .dest = 1, .allowed = 3
	};
	struct amdvim_irq irq;
	u64 addr;
	u32 data, idx;

	(void)state;
	/* not attached: no table, and the DTE aborts its interrupts */
	assert_int_equal(amdvi_irte_alloc(t.fx.u, &r, &idx), -E_PERM);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, 0xfee00000, 0, &irq), AMDVIM_IR_ABORT);
	map(GPA_A, page(0));
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	r.owner = VM + 1;
	assert_int_equal(amdvi_irte_alloc(t.fx.u, &r, &idx), -E_PERM); /* another VM */
	r.owner = VM;
	r.dest = 5;
	assert_int_equal(amdvi_irte_alloc(t.fx.u, &r, &idx), -E_RANGE); /* CPU outside the VM */
	r.dest = 1;
	r.vector = 0x10;
	assert_int_equal(amdvi_irte_alloc(t.fx.u, &r, &idx), -E_RANGE); /* exception vector */
	r.vector = 0x61;
	assert_int_equal(amdvi_irte_alloc(t.fx.u, &r, &idx), 0);
	amdvi_msi_compose(idx, &addr, &data);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, addr, data, &irq), AMDVIM_OK);
	assert_int_equal(irq.vector, 0x61);
	assert_int_equal(irq.dest, 1);
	/* an entry Moat did not set, one past the table, an NMI: all aborted */
	assert_int_equal(amdvi_model_msi(t.m, DEVID, addr, data + 1, &irq), AMDVIM_IR_ABORT);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, addr, 0x1ff, &irq), AMDVIM_IR_ABORT);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, addr, 0x400, &irq), AMDVIM_IR_ABORT);
	/* another function cannot use DEVID's entries */
	assert_int_equal(amdvi_model_msi(t.m, DEVID2, addr, data, &irq), AMDVIM_IR_ABORT);
	assert_int_equal(amdvi_irte_free(t.fx.u, DEVID, idx, VM + 1), -E_PERM);
	assert_int_equal(amdvi_irte_free(t.fx.u, DEVID, idx, VM), 0);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, addr, data, &irq), AMDVIM_IR_ABORT);
	assert_int_equal(amdvi_irte_free(t.fx.u, DEVID, idx, VM), -E_RANGE);
	assert_true(amdvi_model_count(t.m, 5, NULL) >= 2); /* INVALIDATE_INTERRUPT_TABLE */
}

/* ---- command buffer failures ----------------------------------------------------------------- */

static void an_illegal_command_fails_and_the_buffer_recovers(void **state)
{
	u32 w = 0;

	(void)state;
	map(GPA_A, page(0));
	t.corrupt_next_dte_inv = true;
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), -E_IO);
	assert_int_equal(amdvi_unit_of(t.fx.u)->dev.cmd_errors, 1);
	assert_true(t.m->status & (1 << 4)); /* CmdBufRun again */
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_int_equal(dma(DEVID, AMDVIM_NO_PASID, GPA_A, &w, false), AMDVIM_OK);
}

static void a_stalled_completion_wait_times_out(void **state)
{
	u64 a = page(0);

	(void)state;
	amdvi_unit_of(t.fx.u)->dev.poll_timeout_ns = 1000000;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	t.m->cmd_stalled = true;
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), -E_TIMEOUT);
	assert_true(test_log_has("completion wait"));
	assert_true(t.s2.flush_owed);
	/* once the unit runs again, the owed flush goes out first */
	t.m->cmd_stalled = false;
	map(GPA_B, a);
	assert_false(t.s2.flush_owed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(probe_blocks_every_deviceid_then_enables, setup,
						teardown),
		cmocka_unit_test_teardown(probe_without_invalidate_all_uses_single_commands,
					  teardown),
		cmocka_unit_test_teardown(probe_times_out_when_run_bits_are_stuck, teardown),
		cmocka_unit_test_teardown(info_reports_what_the_efr_says, teardown),
		cmocka_unit_test_setup_teardown(command_layouts_are_the_specs, setup, teardown),
		cmocka_unit_test_setup_teardown(dte_layouts_are_the_specs, setup, teardown),
		cmocka_unit_test_setup_teardown(s2_dma_reaches_vm_ram_and_outside_faults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unmap_stops_dma_before_it_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(remap_is_seen_by_the_next_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(dte_is_written_in_safe_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(detach_blocks_and_leaves_no_stale_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(domain_ids_are_released_after_a_flush, setup,
						teardown),
		cmocka_unit_test_setup_teardown(nested_translates_through_gcr3_and_both_tables,
						setup, teardown),
		cmocka_unit_test_setup_teardown(nested_refuses_a_gcr3_root_outside_the_vm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(nested_refuses_a_gcr3_root_that_is_not_the_vms_ram,
						setup, teardown),
		cmocka_unit_test_setup_teardown(nested_refuses_what_the_unit_lacks, setup_qemu,
						teardown),
		cmocka_unit_test_setup_teardown(
			nested_refuses_fields_outside_the_efr_and_the_encodings, setup_qemu,
			teardown),
		cmocka_unit_test_setup_teardown(nested_domains_of_one_vdid_share_a_pdid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(guest_invalidation_reaches_only_the_pdid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(guest_atc_invalidation_uses_moats_deviceid, setup,
						teardown),
		cmocka_unit_test(events_decode_to_fault_records),
		cmocka_unit_test_setup_teardown(event_log_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(event_log_overflow_is_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(a_bad_event_tail_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(device_interrupts_are_only_what_moat_gave, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_illegal_command_fails_and_the_buffer_recovers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_stalled_completion_wait_times_out, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
