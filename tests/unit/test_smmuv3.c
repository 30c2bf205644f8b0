// SPDX-License-Identifier: MIT
/*
 * SMMUv3 driver (hardware layer) against the register-level model: bring-up, every stream
 * configuration, invalidation paths, queue wrap, CMD_SYNC timeout, illegal-command recovery,
 * malformed guest CDs and the STE update order.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include <arch/cpu.h>

#include "core/frame.h"
#include "iommu/smmuv3/smmuv3.h"
#include "iommu/smmuv3/smmuv3_regs.h"
#include "lib/err.h"
#include "smmuv3/smmuv3_model.h"

#define SMMU_BASE 0x09050000ULL
#define RAM_SIZE (8ULL << 20)
#define SID 0x0008
/* Guest IPAs (39-bit stage-2 input) */
#define IPA_CD 0x10000ULL
#define IPA_S1_L1 0x20000ULL
#define IPA_S1_L2 0x21000ULL
#define IPA_S1_L3 0x22000ULL
#define IPA_BUF 0x100000ULL
#define IPA_BUF2 0x101000ULL
#define IOVA 0x40000000ULL

static struct {
	u8 *ram;
	struct frame_alloc fa;
	struct smmu_model *m;
	struct smmu_dev s;
	u64 s2_root;
	u16 vmid;
	struct smmu_event ev[64];
	unsigned nev;
	u64 free0;
} t;

static void sink(struct smmu_dev *s, const struct smmu_event *e)
{
	(void)s;
	if (t.nev < 64)
		t.ev[t.nev++] = *e;
}

static int ram_setup(void)
{
	struct pa_range r;

	t.ram = aligned_alloc(1 << 21, RAM_SIZE);
	if (!t.ram)
		return -1;
	memset(t.ram, 0, RAM_SIZE);
	r = (struct pa_range){ pa((u64)(uintptr_t)t.ram), RAM_SIZE };
	if (frame_init(&t.fa, &r, 1, NULL, 0))
		return -1;
	t.free0 = frame_free_count(&t.fa);
	return 0;
}

static int model_up(struct smmu_model_cfg cfg, const struct smmu_opts *o)
{
	t.m = smmu_model_create(SMMU_BASE, &cfg);
	if (!t.m)
		return -1;
	smmu_model_add_ram(t.m, (u64)(uintptr_t)t.ram, RAM_SIZE);
	if (smmu_init(&t.s, pa(SMMU_BASE), &t.fa, o))
		return -1;
	t.s.sink = sink;
	return 0;
}

static int setup_opts(const struct smmu_opts *o, struct smmu_model_cfg cfg)
{
	memset(&t, 0, sizeof(t));
	test_log_capture();
	host_time_step_ns = 1000;
	if (ram_setup())
		return -1;
	return model_up(cfg, o);
}

static int setup(void **state)
{
	(void)state;
	return setup_opts(NULL, smmu_model_default_cfg());
}

static int setup_linear(void **state)
{
	struct smmu_opts o = { .force_linear = true };

	(void)state;
	return setup_opts(&o, smmu_model_default_cfg());
}

static int setup_small_queues(void **state)
{
	struct smmu_opts o = { .cmdq_log2 = 2, .evtq_log2 = 2 };

	(void)state;
	return setup_opts(&o, smmu_model_default_cfg());
}

static int setup_ats(void **state)
{
	struct smmu_model_cfg c = smmu_model_default_cfg();

	(void)state;
	c.ats = true;
	return setup_opts(NULL, c);
}

static int teardown(void **state)
{
	(void)state;
	if (t.s.regs)
		smmu_fini(&t.s);
	smmu_model_destroy(t.m);
	free(t.ram);
	host_time_step_ns = 1000;
	return 0;
}

/* ---- a tiny table builder for the tests (4 KiB granule, 39-bit input, start level 1) ---- */

static u64 *va(u64 p)
{
	return (u64 *)(uintptr_t)p;
}

static u64 frame(void)
{
	paddr_t p;

	assert_int_equal(frame_alloc_one(&t.fa, &p), 0);
	memset(va(p.v), 0, PAGE_SIZE);
	return p.v;
}

#define S1_PAGE(out, ro) ((out) | 3 | BIT(10) | (3ULL << 8) | ((ro) ? BIT(7) : 0))
#define S2_PAGE(out) ((out) | 3 | BIT(10) | (3ULL << 8) | (3ULL << 6) | (0xfULL << 2))

/* Stage-2 map of one page: tables are host frames. */
static void s2_map(u64 ipa, u64 out)
{
	u64 *l1 = va(t.s2_root), *l2, *l3;

	if (!l1[(ipa >> 30) & 511])
		l1[(ipa >> 30) & 511] = frame() | 3;
	l2 = va(l1[(ipa >> 30) & 511] & 0xfffffffff000ULL);
	if (!l2[(ipa >> 21) & 511])
		l2[(ipa >> 21) & 511] = frame() | 3;
	l3 = va(l2[(ipa >> 21) & 511] & 0xfffffffff000ULL);
	l3[(ipa >> 12) & 511] = out ? S2_PAGE(out) : 0;
}

/* Host address of a guest IPA, through our own stage-2. */
static u64 *ipa_va(u64 ipa)
{
	u64 *l1 = va(t.s2_root);
	u64 *l2 = va(l1[(ipa >> 30) & 511] & 0xfffffffff000ULL);
	u64 *l3 = va(l2[(ipa >> 21) & 511] & 0xfffffffff000ULL);

	return va((l3[(ipa >> 12) & 511] & 0xfffffffff000ULL) | (ipa & 0xfff));
}

/* Guest memory: IPA pages backed by fresh host frames. */
static u64 guest_page(u64 ipa)
{
	u64 p = frame();

	s2_map(ipa, p);
	return p;
}

static struct smmu_s2_cfg s2_cfg(void)
{
	return (struct smmu_s2_cfg){ .root = pa(t.s2_root), .t0sz = 25, .sl0 = 1, .vmid = t.vmid };
}

static void s2_setup(void)
{
	t.s2_root = frame();
	assert_int_equal(smmu_vmid_alloc(&t.s, &t.vmid), 0);
}

/* Guest stage 1: CD at IPA_CD, tables at IPA_S1_*, IOVA -> ipa. */
static void guest_s1_setup(u64 ipa_out, u16 asid, bool record)
{
	u64 *cd;

	guest_page(IPA_CD);
	guest_page(IPA_S1_L1);
	guest_page(IPA_S1_L2);
	guest_page(IPA_S1_L3);
	cd = ipa_va(IPA_CD);
	cd[0] = FIELD_PREP(CD0_T0SZ, 25) | CD0_V | FIELD_PREP(CD0_IPS, 5) | CD0_AA64 | CD0_A |
		(record ? CD0_R : 0) | FIELD_PREP(CD0_ASID, asid) | CD0_EPD1;
	cd[1] = IPA_S1_L1;
	ipa_va(IPA_S1_L1)[(IOVA >> 30) & 511] = IPA_S1_L2 | 3;
	ipa_va(IPA_S1_L2)[(IOVA >> 21) & 511] = IPA_S1_L3 | 3;
	ipa_va(IPA_S1_L3)[(IOVA >> 12) & 511] = S1_PAGE(ipa_out, false);
}

static void assert_dma_lands(u64 addr, u64 expect_host)
{
	u32 word = 0xc0ffee00u + (u32)t.nev, back = 0;

	assert_int_equal(smmu_model_dma(t.m, SID, addr, &word, 4, true), 0);
	memcpy(&back, va(expect_host), 4);
	assert_int_equal(back, word);
}

/* ---- bring-up ------------------------------------------------------------------------------ */

static void init_enables_queues_and_aborts_every_stream(void **state)
{
	u64 out;

	(void)state;
	assert_true(t.m->cr0 & 1);
	assert_true(t.m->cr0 & 4);
	assert_true(t.m->cr0 & 8);
	assert_true(t.m->gbpa & BIT(20));
	assert_true(t.s.two_level);
	/* No L2 table yet: the stream is refused and C_BAD_STREAMID recorded (CR2.RECINVSID). */
	assert_int_equal(smmu_model_translate(t.m, SID, 0x1000, false, &out),
			 SMMUM_EVT_BAD_STREAMID);
	assert_int_equal(smmu_evtq_poll(&t.s), 1);
	assert_int_equal(t.ev[0].type, EVT_C_BAD_STREAMID);
	assert_int_equal(t.ev[0].sid, SID);
	/* CFGI_ALL and TLBI_NSNH_ALL went out before translation was enabled. */
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_CFGI_STE_RANGE, NULL), 1);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_NSNH_ALL, NULL), 1);
}

static void linear_table_aborts_silently(void **state)
{
	u64 out, ste[8];

	(void)state;
	assert_false(t.s.two_level);
	assert_int_equal(smmu_model_translate(t.m, SID, 0x1000, false, &out), SMMUM_ABORT);
	assert_int_equal(smmu_evtq_poll(&t.s), 0);
	assert_int_equal(smmu_ste_read(&t.s, SID, ste), 0);
	assert_int_equal(ste[0], STE0_V);
}

static void init_times_out_when_cr0ack_is_stuck(void **state)
{
	struct smmu_dev s2;
	u64 before;

	(void)state;
	smmu_fini(&t.s);
	before = frame_free_count(&t.fa);
	t.m->stuck_ack = true;
	host_time_step_ns = 10000000; /* 10 ms per poll: the 1 s bound expires quickly */
	assert_int_equal(smmu_init(&s2, pa(SMMU_BASE), &t.fa, NULL), -E_TIMEOUT);
	assert_true(test_log_has("CR0ACK did not follow"));
	assert_int_equal(frame_free_count(&t.fa), before);
	t.s.regs = NULL;
}

static void init_refuses_smmu_without_stage2(void **state)
{
	struct smmu_model_cfg c = smmu_model_default_cfg();
	struct smmu_dev s2;

	(void)state;
	smmu_fini(&t.s);
	t.s.regs = NULL;
	smmu_model_destroy(t.m);
	c.s2 = false;
	t.m = smmu_model_create(SMMU_BASE, &c);
	assert_int_equal(smmu_init(&s2, pa(SMMU_BASE), &t.fa, NULL), -E_NOTSUP);
	assert_int_equal(frame_free_count(&t.fa), t.free0);
}

/* ---- stream configurations ---------------------------------------------------------------- */

static void s2_only_translates_ipa_to_pa(void **state)
{
	struct smmu_s2_cfg c;
	u64 host;

	(void)state;
	s2_setup();
	host = guest_page(IPA_BUF);
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	assert_dma_lands(IPA_BUF + 0x40, host + 0x40);
}

static void nested_translates_through_both_stages(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	u64 host;

	(void)state;
	s2_setup();
	host = guest_page(IPA_BUF);
	guest_s1_setup(IPA_BUF, 7, true);
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	assert_dma_lands(IOVA + 0x80, host + 0x80);
}

static void bypass_passes_addresses_through(void **state)
{
	u64 host = frame();

	(void)state;
	assert_int_equal(smmu_stream_bypass(&t.s, SID), 0);
	assert_dma_lands(host + 8, host + 8);
}

static void unmapped_s2_address_raises_translation_event(void **state)
{
	struct smmu_s2_cfg c;

	(void)state;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	t.nev = 0;
	assert_int_equal(smmu_model_dma(t.m, SID, 0x5000, &c, 4, true), SMMUM_EVT_TRANSLATION);
	assert_int_equal(smmu_evtq_poll(&t.s), 1);
	assert_int_equal(t.ev[0].type, EVT_F_TRANSLATION);
	assert_int_equal(t.ev[0].sid, SID);
	assert_true(t.ev[0].s2);
	assert_false(t.ev[0].read);
	assert_int_equal(t.ev[0].addr, 0x5000);
	assert_int_equal(t.ev[0].ipa, 0x5000);
}

static void nested_faults_report_stage_and_class(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	u32 w = 0;

	(void)state;
	s2_setup();
	guest_s1_setup(IPA_BUF2, 3, true); /* IPA_BUF2 is not in stage 2 */
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	t.nev = 0;
	/* Stage-1 miss: an IOVA the guest did not map. */
	assert_int_equal(smmu_model_dma(t.m, SID, IOVA + 0x200000, &w, 4, false),
			 SMMUM_EVT_TRANSLATION);
	/* Stage-2 miss on the output IPA. */
	assert_int_equal(smmu_model_dma(t.m, SID, IOVA, &w, 4, true), SMMUM_EVT_TRANSLATION);
	assert_int_equal(smmu_evtq_poll(&t.s), 2);
	assert_false(t.ev[0].s2);
	assert_true(t.ev[0].read);
	assert_int_equal(t.ev[0].addr, IOVA + 0x200000);
	assert_true(t.ev[1].s2);
	assert_int_equal(t.ev[1].cls, 2);
	assert_int_equal(t.ev[1].ipa, IPA_BUF2);
}

static void reattach_changes_config_in_safe_order(void **state);

/* ---- invalidation ---------------------------------------------------------------------------- */

static void s1_remap_needs_guest_tlbi_with_parent_vmid(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	struct smmu_tlbi ti = { .op = SMMU_TLBI_NH_ASID, .asid = 5 };
	struct smmum_cmd last;
	u64 a, b;

	(void)state;
	s2_setup();
	a = guest_page(IPA_BUF);
	b = guest_page(IPA_BUF2);
	guest_s1_setup(IPA_BUF, 5, true);
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	assert_dma_lands(IOVA, a);
	/* The guest remaps its IOVA: without an invalidation the old page is still used. */
	ipa_va(IPA_S1_L3)[(IOVA >> 12) & 511] = S1_PAGE(IPA_BUF2, false);
	assert_dma_lands(IOVA, a);
	assert_int_equal(smmu_inv_s1(&t.s, t.vmid, &ti), 0);
	assert_dma_lands(IOVA, b);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_NH_ASID, &last), 1);
	assert_int_equal(FIELD_GET(CMD0_VMID, last.w0), t.vmid);
	assert_int_equal(FIELD_GET(CMD0_ASID, last.w0), 5);
}

static void s1_va_invalidation_is_page_precise(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	struct smmu_tlbi ti = { .op = SMMU_TLBI_NH_VA, .asid = 9, .addr = IOVA, .leaf = true };
	struct smmum_cmd last;
	u64 a, b;

	(void)state;
	s2_setup();
	a = guest_page(IPA_BUF);
	b = guest_page(IPA_BUF2);
	guest_s1_setup(IPA_BUF, 9, true);
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	assert_dma_lands(IOVA, a);
	ipa_va(IPA_S1_L3)[(IOVA >> 12) & 511] = S1_PAGE(IPA_BUF2, false);
	assert_int_equal(smmu_inv_s1(&t.s, t.vmid, &ti), 0);
	assert_dma_lands(IOVA, b);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_NH_VA, &last), 1);
	assert_int_equal(last.w1 & CMD1_ADDR, IOVA);
	assert_true(last.w1 & CMD1_LEAF);
}

static void s1_vaa_invalidation_covers_every_asid(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	struct smmu_tlbi ti = { .op = SMMU_TLBI_NH_VAA, .addr = IOVA };
	struct smmum_cmd last;
	u64 a, b;

	(void)state;
	s2_setup();
	a = guest_page(IPA_BUF);
	b = guest_page(IPA_BUF2);
	guest_s1_setup(IPA_BUF, 12, true);
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	assert_dma_lands(IOVA, a);
	ipa_va(IPA_S1_L3)[(IOVA >> 12) & 511] = S1_PAGE(IPA_BUF2, false);
	assert_int_equal(smmu_inv_s1(&t.s, t.vmid, &ti), 0);
	assert_dma_lands(IOVA, b);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_NH_VAA, &last), 1);
	assert_int_equal(FIELD_GET(CMD0_ASID, last.w0), 0);
	assert_int_equal(FIELD_GET(CMD0_VMID, last.w0), t.vmid);
}

static void guest_cd_change_needs_cfgi_cd(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	u64 a, b, *cd;

	(void)state;
	s2_setup();
	a = guest_page(IPA_BUF);
	b = guest_page(IPA_BUF2);
	guest_s1_setup(IPA_BUF, 3, true);
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	assert_dma_lands(IOVA, a);
	/* The guest builds a second table (IOVA -> IPA_BUF2) and switches its CD (new ASID). */
	guest_page(0x30000);
	guest_page(0x31000);
	guest_page(0x32000);
	ipa_va(0x30000)[(IOVA >> 30) & 511] = 0x31000 | 3;
	ipa_va(0x31000)[(IOVA >> 21) & 511] = 0x32000 | 3;
	ipa_va(0x32000)[(IOVA >> 12) & 511] = S1_PAGE(IPA_BUF2, false);
	cd = ipa_va(IPA_CD);
	cd[1] = 0x30000;
	cd[0] = (cd[0] & ~CD0_ASID) | FIELD_PREP(CD0_ASID, 4);
	assert_dma_lands(IOVA, a); /* the SMMU still uses its cached CD */
	assert_int_equal(smmu_inv_cd(&t.s, SID, 0), 0);
	assert_dma_lands(IOVA, b);
	assert_int_equal(smmu_inv_cd(&t.s, SID, 1), -E_RANGE); /* no substreams */
}

static void s2_remap_needs_s2_invalidation(void **state)
{
	struct smmu_s2_cfg c;
	u64 a, b;

	(void)state;
	s2_setup();
	a = guest_page(IPA_BUF);
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	assert_dma_lands(IPA_BUF, a);
	b = frame();
	s2_map(IPA_BUF, b);
	assert_dma_lands(IPA_BUF, a);
	assert_int_equal(smmu_inv_s2(&t.s, t.vmid, IPA_BUF, PAGE_SIZE, false), 0);
	assert_dma_lands(IPA_BUF, b);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_S2_IPA, NULL), 1);
}

static void s2_change_under_nesting_flushes_combined_entries(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	u64 a, b;

	(void)state;
	s2_setup();
	a = guest_page(IPA_BUF);
	guest_s1_setup(IPA_BUF, 2, true);
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	assert_dma_lands(IOVA, a);
	b = frame();
	s2_map(IPA_BUF, b);
	assert_int_equal(smmu_inv_s2(&t.s, t.vmid, IPA_BUF, PAGE_SIZE, true), 0);
	assert_dma_lands(IOVA, b);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_S12_VMALL, NULL), 1);
}

static void bad_guest_tlbi_is_refused(void **state)
{
	struct smmu_tlbi bad_op = { .op = 42 };
	struct smmu_tlbi bad_range = { .op = SMMU_TLBI_NH_VA, .num = 40, .tg = 1 };
	unsigned before = t.m->nlog;

	(void)state;
	assert_int_equal(smmu_inv_s1(&t.s, 1, &bad_op), -E_INVAL);
	assert_int_equal(smmu_inv_s1(&t.s, 1, &bad_range), -E_INVAL);
	assert_int_equal(t.m->nlog, before);
}

static void atc_invalidation_needs_ats(void **state)
{
	(void)state;
	assert_int_equal(smmu_inv_atc(&t.s, SID, 0xffffffffu, 0, 64), -E_NOTSUP);
}

static void atc_invalidation_is_forwarded(void **state)
{
	struct smmum_cmd last;

	(void)state;
	assert_int_equal(smmu_inv_atc(&t.s, SID, 0xffffffffu, 0x200000, 21), 0);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_ATC_INV, &last), 1);
	assert_int_equal(FIELD_GET(CMD0_SID, last.w0), SID);
	assert_int_equal(FIELD_GET(CMD1_ATC_SIZE, last.w1), 9);
	assert_int_equal(last.w1 & CMD1_ADDR, 0x200000);
	assert_int_equal(smmu_inv_atc(&t.s, SID, 0xffffffffu, 0x201000, 21), -E_INVAL);
}

/* ---- queues ------------------------------------------------------------------------------- */

static void command_queue_wraps(void **state)
{
	struct smmu_tlbi ti = { .op = SMMU_TLBI_NH_ALL };

	(void)state;
	assert_int_equal(t.s.cmdq.log2, 2);
	for (unsigned i = 0; i < 21; i++)
		assert_int_equal(smmu_inv_s1(&t.s, (u16)(i + 1), &ti), 0);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_NH_ALL, NULL), 21);
	assert_int_equal(t.m->cmdq_cons, t.m->cmdq_prod);
	/* A batch longer than the queue: published in parts as the SMMU drains it. */
	assert_int_equal(smmu_inv_s2(&t.s, 1, 0x10000, 10 * PAGE_SIZE, false), 0);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_S2_IPA, NULL), 10);
}

static void event_queue_wraps_and_recovers_from_overflow(void **state)
{
	struct smmu_s2_cfg c;
	u32 w = 0;
	unsigned got = 0;

	(void)state;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(smmu_model_dma(t.m, SID, 0x1000 * (i + 1), &w, 4, true),
				 SMMUM_EVT_TRANSLATION);
		assert_int_equal(smmu_evtq_poll(&t.s), 1);
		assert_int_equal(t.ev[t.nev - 1].addr, 0x1000 * (i + 1));
	}
	/* Six faults into a 4-entry queue: two are lost and the overflow is acknowledged. */
	for (unsigned i = 0; i < 6; i++)
		(void)smmu_model_dma(t.m, SID, 0x100000 + 0x1000 * i, &w, 4, true);
	got = (unsigned)smmu_evtq_poll(&t.s);
	assert_int_equal(got, 4);
	assert_int_equal(t.s.events_lost, 1);
	assert_int_equal(t.m->evtq_cons >> 31, t.m->evtq_prod >> 31);
	assert_int_equal(smmu_model_dma(t.m, SID, 0x7000000, &w, 4, true), SMMUM_EVT_TRANSLATION);
	assert_int_equal(smmu_evtq_poll(&t.s), 1);
}

/*
 * QEMU 10.0 reports a full event queue as GERROR.EVENTQ_ABT_ERR (no OVFLG): the queue is
 * drained, the loss counted and acknowledged with one warning, not an error; events flow again.
 */
static void full_queue_abort_is_counted_and_acknowledged(void **state)
{
	struct smmu_s2_cfg c;
	u32 w = 0;

	(void)state;
	t.m->full_aborts = true;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	for (unsigned i = 0; i < 7; i++)
		(void)smmu_model_dma(t.m, SID, 0x100000 + 0x1000 * i, &w, 4, true);
	assert_int_equal(t.m->events_lost, 3);
	assert_int_not_equal(t.m->gerror, t.m->gerrorn);
	assert_int_equal(smmu_evtq_poll(&t.s), 4);
	assert_int_equal(t.m->gerror, t.m->gerrorn);
	assert_int_equal(t.s.evtq_aborts, 1);
	assert_int_equal(t.s.events_lost, 1);
	assert_true(test_log_has("smmu: warning: event queue full or unwritable: the SMMU dropped "
				 "events (1 time(s); queue drained, going on)"));
	assert_false(test_log_has("error"));
	/* a second abort is counted without another line (1, 2, 4, ... are reported) */
	for (unsigned i = 0; i < 5; i++)
		(void)smmu_model_dma(t.m, SID, 0x200000 + 0x1000 * i, &w, 4, true);
	assert_int_equal(smmu_evtq_poll(&t.s), 4);
	assert_int_equal(t.s.evtq_aborts, 2);
	assert_true(test_log_has("(2 time(s)"));
	assert_int_equal(smmu_model_dma(t.m, SID, 0x7000000, &w, 4, true), SMMUM_EVT_TRANSLATION);
	assert_int_equal(smmu_evtq_poll(&t.s), 1);
	assert_int_equal(t.ev[t.nev - 1].addr, 0x7000000);
}

/* 6.3.15: IRQ_CTRL takes effect once IRQ_CTRLACK shows it; a stuck ack is a bounded error. */
static void irq_ctrl_waits_for_its_ack(void **state)
{
	(void)state;
	assert_int_equal(t.m->irq_ctrl, 0);
	assert_int_equal(smmu_irq_ctrl(&t.s, true, true), 0);
	assert_int_equal(t.m->irq_ctrl, IRQ_CTRL_EVENTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	assert_int_equal(smmu_irq_ctrl(&t.s, true, false), 0);
	assert_int_equal(t.m->irq_ctrl, IRQ_CTRL_EVENTQ_IRQEN);
	t.m->stuck_irq_ack = true;
	host_time_step_ns = 10000000;
	assert_int_equal(smmu_irq_ctrl(&t.s, true, true), -E_TIMEOUT);
	assert_true(test_log_has("IRQ_CTRLACK did not follow IRQ_CTRL=0x5"));
}

/* With the enables set, each record written and each new global error is an interrupt edge. */
static void enabled_interrupts_signal_events_and_global_errors(void **state)
{
	struct smmu_s2_cfg c;
	u32 w = 0;

	(void)state;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	(void)smmu_model_dma(t.m, SID, 0x100000, &w, 4, true);
	assert_int_equal(t.m->irq_pulses[SMMUM_IRQ_EVTQ], 0); /* not enabled yet */
	assert_int_equal(smmu_irq_ctrl(&t.s, true, true), 0);
	(void)smmu_model_dma(t.m, SID, 0x101000, &w, 4, true);
	assert_int_equal(t.m->irq_pulses[SMMUM_IRQ_EVTQ], 1);
	assert_int_equal(smmu_evtq_poll(&t.s), 2);
	t.m->full_aborts = true;
	for (unsigned i = 0; i < 130; i++)
		(void)smmu_model_dma(t.m, SID, 0x200000 + 0x1000 * i, &w, 4, true);
	assert_int_equal(t.m->irq_pulses[SMMUM_IRQ_GERROR], 1); /* one edge while active */
	assert_int_equal(smmu_evtq_poll(&t.s), 1 << 7);
	assert_int_equal(t.s.evtq_aborts, 1);
}

static void cmd_sync_timeout_is_an_error(void **state)
{
	(void)state;
	t.m->cmdq_stalled = true;
	host_time_step_ns = 10000000;
	assert_int_equal(smmu_cmd_sync(&t.s), -E_TIMEOUT);
	assert_true(test_log_has("CMD_SYNC timed out"));
	/* Once the SMMU moves again, the next sync completes (and covers the old one). */
	t.m->cmdq_stalled = false;
	assert_int_equal(smmu_cmd_sync(&t.s), 0);
}

static void illegal_command_is_skipped_and_reported(void **state)
{
	const u64 cmds[3][2] = {
		{ FIELD_PREP(CMD0_OP, CMD_TLBI_NH_ALL) | FIELD_PREP(CMD0_VMID, 1) },
		{ 0x7f /* no such opcode */ },
		{ FIELD_PREP(CMD0_OP, CMD_TLBI_NH_ALL) | FIELD_PREP(CMD0_VMID, 2) }
	};

	(void)state;
	assert_int_equal(smmu_cmd_issue(&t.s, cmds, 3), -E_IO);
	assert_int_equal(t.s.cmd_errors, 1);
	assert_true(test_log_has("command refused (CERROR 1)"));
	/* The commands after the bad one still ran, and the error is acknowledged. */
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_NH_ALL, NULL), 2);
	assert_int_equal(t.m->gerror, t.m->gerrorn);
	assert_int_equal(smmu_cmd_sync(&t.s), 0);
}

static void global_errors_are_acknowledged(void **state)
{
	(void)state;
	t.m->gerror ^= GERROR_EVTQ_ABT_ERR;
	assert_int_equal(smmu_evtq_poll(&t.s), 0);
	assert_true(test_log_has("warning: event queue full or unwritable"));
	assert_int_equal(t.s.evtq_aborts, 1);
	assert_int_equal(t.m->gerror, t.m->gerrorn);
	t.m->gerror ^= GERROR_SFM_ERR;
	assert_int_equal(smmu_gerror_handle(&t.s), -E_IO);
	assert_true(test_log_has("service failure mode"));
	assert_int_equal(t.m->gerror, t.m->gerrorn);
}

/* The model refuses what QEMU refuses: a cross-check of the configurations the driver avoids. */
static void model_refuses_illegal_stes(void **state)
{
	const u64 cfgi_all[1][2] = { { FIELD_PREP(CMD0_OP, CMD_CFGI_STE_RANGE),
				       FIELD_PREP(CMD1_RANGE, 31) } };
	struct smmu_s2_cfg c;
	u64 *ste, out;

	(void)state;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	/* Edit the live STE behind the driver's back, then make the SMMU re-read it. */
	ste = (u64 *)(uintptr_t)(t.s.strtab[SID >> t.s.split] & L1STD_L2PTR) + SID * STE_DWORDS;
	ste[2] &= ~STE2_S2AA64;
	assert_int_equal(smmu_cmd_issue(&t.s, cfgi_all, 1), 0);
	assert_int_equal(smmu_model_translate(t.m, SID, 0, false, &out), SMMUM_EVT_BAD_STE);
	ste[2] |= STE2_S2AA64;
	ste[0] |= FIELD_PREP(STE0_S1CDMAX, 1) | FIELD_PREP(STE0_CONFIG, STE_CFG_NESTED);
	assert_int_equal(smmu_inv_cd(&t.s, SID, 0), 0);
	assert_int_equal(smmu_model_translate(t.m, SID, 0, false, &out), SMMUM_EVT_BAD_STE);
	assert_int_equal(smmu_evtq_poll(&t.s), 2);
	assert_int_equal(t.ev[0].type, EVT_C_BAD_STE);
}

/* ---- guest input ---------------------------------------------------------------------------- */

static void malformed_guest_cd_faults_without_harm(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg g = { .s1ctxptr = IPA_CD };
	u32 w = 0;

	(void)state;
	s2_setup();
	guest_s1_setup(IPA_BUF, 1, true);
	ipa_va(IPA_CD)[0] |= FIELD_PREP(CD0_TG0, 3) | BIT(44); /* reserved granule, stall */
	c = s2_cfg();
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	t.nev = 0;
	assert_int_equal(smmu_model_dma(t.m, SID, IOVA, &w, 4, true), SMMUM_EVT_BAD_CD);
	assert_int_equal(smmu_evtq_poll(&t.s), 1);
	assert_int_equal(t.ev[0].type, EVT_C_BAD_CD);
	/* A CD pointer outside the guest's memory: a stage-2 fault of class CD. */
	g.s1ctxptr = 0x7ff000;
	assert_int_equal(smmu_stream_nested(&t.s, SID, &c, &g), 0);
	assert_int_equal(smmu_model_dma(t.m, SID, IOVA, &w, 4, true), SMMUM_EVT_TRANSLATION);
	assert_int_equal(smmu_evtq_poll(&t.s), 1);
	assert_true(t.ev[1].s2);
	assert_int_equal(t.ev[1].cls, 0);
	assert_int_equal(t.ev[1].ipa, 0x7ff000);
}

static void bad_guest_s1_fields_change_nothing(void **state)
{
	struct smmu_s2_cfg c;
	struct smmu_s1_cfg bad[] = {
		{ .s1ctxptr = IPA_CD + 8 },	      /* misaligned */
		{ .s1ctxptr = 1ULL << 39 },	      /* beyond the IPA space */
		{ .s1ctxptr = IPA_CD, .s1cdmax = 1 }, /* substreams the SMMU lacks */
		{ .s1ctxptr = IPA_CD, .s1dss = 3 },   { .s1ctxptr = IPA_CD, .s1fmt = 1 },
	};
	u64 before[8], after[8];

	(void)state;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), 0);
	assert_int_equal(smmu_ste_read(&t.s, SID, before), 0);
	unsigned nlog = t.m->nlog;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_not_equal(smmu_stream_nested(&t.s, SID, &c, &bad[i]), 0);
	assert_int_equal(smmu_ste_read(&t.s, SID, after), 0);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(t.m->nlog, nlog);
}

/* ---- STE update order ------------------------------------------------------------------------ */

struct ste_watch {
	u64 w0[8], w2[8];
	unsigned n;
};

static void watch_cfgi(struct smmu_model *m, uint64_t w0, uint64_t w1, void *arg)
{
	struct ste_watch *wt = arg;
	u64 ste[8];

	(void)m;
	(void)w1;
	if ((w0 & 0xff) != CMD_CFGI_STE || wt->n >= 8)
		return;
	assert_int_equal(smmu_ste_read(&t.s, SID, ste), 0);
	wt->w0[wt->n] = ste[0];
	wt->w2[wt->n++] = ste[2];
}

static void reattach_changes_config_in_safe_order(void **state)
{
	struct smmu_s2_cfg c1, c2;
	struct ste_watch wt = { 0 };
	u16 v2;

	(void)state;
	s2_setup();
	c1 = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c1), 0);
	assert_int_equal(smmu_vmid_alloc(&t.s, &v2), 0);
	c2 = c1;
	c2.vmid = v2;
	t.m->on_cmd = watch_cfgi;
	t.m->on_cmd_arg = &wt;
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c2), 0);
	t.m->on_cmd = NULL;
	/* abort; other words under abort; then the live word 0 over the new words */
	assert_int_equal(wt.n, 3);
	assert_int_equal(FIELD_GET(STE0_CONFIG, wt.w0[0]), STE_CFG_ABORT);
	assert_int_equal(FIELD_GET(STE2_S2VMID, wt.w2[0]), c1.vmid);
	assert_int_equal(FIELD_GET(STE0_CONFIG, wt.w0[1]), STE_CFG_ABORT);
	assert_int_equal(FIELD_GET(STE2_S2VMID, wt.w2[1]), v2);
	assert_int_equal(FIELD_GET(STE0_CONFIG, wt.w0[2]), STE_CFG_S2);
	assert_int_equal(FIELD_GET(STE2_S2VMID, wt.w2[2]), v2);
}

static void stream_beyond_table_is_refused(void **state)
{
	struct smmu_s2_cfg c;

	(void)state;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, 1u << 20, &c), -E_RANGE);
	c.t0sz = 12;
	assert_int_equal(smmu_stream_s2(&t.s, SID, &c), -E_INVAL);
}

static void second_level_tables_are_per_span(void **state)
{
	struct smmu_s2_cfg c;
	u64 host;

	(void)state;
	s2_setup();
	host = guest_page(IPA_BUF);
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, 0x0108, &c), 0);
	assert_int_equal(smmu_model_dma(t.m, 0x0108, IPA_BUF, &c, 4, true), 0);
	/* 0x0008 lives in another L2 table that was never created. */
	assert_int_equal(smmu_model_dma(t.m, SID, IPA_BUF, &c, 4, true), SMMUM_EVT_BAD_STREAMID);
	(void)host;
}

static void fini_returns_every_frame(void **state)
{
	struct smmu_s2_cfg c;

	(void)state;
	s2_setup();
	c = s2_cfg();
	assert_int_equal(smmu_stream_s2(&t.s, 0x0108, &c), 0);
	assert_int_equal(smmu_stream_s2(&t.s, 0x3008, &c), 0);
	smmu_fini(&t.s);
	t.s.regs = NULL;
	assert_int_equal(frame_free_count(&t.fa), t.free0 - 1);
	assert_true(t.m->gbpa & BIT(20));
	assert_int_equal(t.m->cr0, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TL(fn) cmocka_unit_test_setup_teardown(fn, setup_linear, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(init_enables_queues_and_aborts_every_stream),
		TL(linear_table_aborts_silently),
		T(init_times_out_when_cr0ack_is_stuck),
		T(init_refuses_smmu_without_stage2),
		T(s2_only_translates_ipa_to_pa),
		TL(s2_only_translates_ipa_to_pa),
		T(nested_translates_through_both_stages),
		TL(nested_translates_through_both_stages),
		T(bypass_passes_addresses_through),
		T(unmapped_s2_address_raises_translation_event),
		T(nested_faults_report_stage_and_class),
		T(s1_remap_needs_guest_tlbi_with_parent_vmid),
		T(s1_va_invalidation_is_page_precise),
		T(s1_vaa_invalidation_covers_every_asid),
		T(guest_cd_change_needs_cfgi_cd),
		T(s2_remap_needs_s2_invalidation),
		T(s2_change_under_nesting_flushes_combined_entries),
		T(bad_guest_tlbi_is_refused),
		T(atc_invalidation_needs_ats),
		cmocka_unit_test_setup_teardown(atc_invalidation_is_forwarded, setup_ats, teardown),
		cmocka_unit_test_setup_teardown(command_queue_wraps, setup_small_queues, teardown),
		cmocka_unit_test_setup_teardown(full_queue_abort_is_counted_and_acknowledged,
						setup_small_queues, teardown),
		T(irq_ctrl_waits_for_its_ack),
		T(enabled_interrupts_signal_events_and_global_errors),
		cmocka_unit_test_setup_teardown(event_queue_wraps_and_recovers_from_overflow,
						setup_small_queues, teardown),
		T(cmd_sync_timeout_is_an_error),
		T(illegal_command_is_skipped_and_reported),
		T(global_errors_are_acknowledged),
		T(model_refuses_illegal_stes),
		T(malformed_guest_cd_faults_without_harm),
		T(bad_guest_s1_fields_change_nothing),
		T(reattach_changes_config_in_safe_order),
		T(stream_beyond_table_is_refused),
		T(second_level_tables_are_per_span),
		T(fini_returns_every_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
