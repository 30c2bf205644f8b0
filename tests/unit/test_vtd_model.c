// SPDX-License-Identifier: MIT
/*
 * The VT-d model on its own, with tables written by hand from the spec (no driver code): the
 * width rule, the scalable-mode walk, second/first/nested translation, the caches that make
 * a missing invalidation visible, queued invalidation, fault recording and IRTE lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include <arch/mmio.h>

#include "vtd/vtd_model.h"

#define BASE 0xfed90000ULL
#define RAM (4ULL << 20)
#define SID 0x0008 /* 00:01.0 */

static struct {
	uint8_t *ram;
	size_t next;
	struct vtd_model *m;
	uint64_t *pe; /* the RID_PASID (0) PASID entry */
	unsigned msis;
	uint32_t msi_data;
} t;

static void *regs(uint32_t off)
{
	return (void *)(uintptr_t)(BASE + off);
}

static uint64_t *frame(void)
{
	uint64_t *p = (uint64_t *)(t.ram + t.next);

	t.next += 4096;
	memset(p, 0, 4096);
	return p;
}

static uint64_t pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void on_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx, (void)addr;
	t.msis++;
	t.msi_data = data;
}

/* Root -> context (SID) -> PASID directory -> PASID table, entry 0 returned (not present). */
static void build_tables(void)
{
	uint64_t *root = frame(), *ctx = frame(), *dir = frame(), *ptbl = frame();

	root[(SID >> 8) * 2] = pa(ctx) | 1;
	ctx[(SID & 0x7f) * 4] = pa(dir) | 1; /* P, PDTS 0: 128 directory entries */
	dir[0] = pa(ptbl) | 1;
	t.pe = ptbl;
	mmio_write64(regs(0x20), pa(root) | 1 << 10); /* RTADDR, TTM = scalable */
	mmio_write32(regs(0x18), 1u << 30);	      /* SRTP */
	mmio_write32(regs(0x18), 1u << 31);	      /* TE */
}

static int setup_cfg(struct vtd_model_cfg c)
{
	memset(&t, 0, sizeof(t));
	t.ram = aligned_alloc(2 << 20, RAM);
	c.msi = on_msi;
	t.m = vtd_model_create(BASE, &c);
	if (!t.ram || !t.m)
		return -1;
	vtd_model_add_ram(t.m, pa(t.ram), RAM);
	build_tables();
	return 0;
}

static int setup(void **s)
{
	(void)s;
	return setup_cfg(vtd_model_nested());
}

static int teardown(void **s)
{
	(void)s;
	vtd_model_destroy(t.m);
	free(t.ram);
	return 0;
}

/* Next-level table of `e` (allocated and linked with R/W if absent). */
static uint64_t *sl_next(uint64_t *e)
{
	if (!*e)
		*e = pa(frame()) | 3;
	return (uint64_t *)(uintptr_t)(*e & ~0xfffULL);
}

/* Adds `in` -> `out` (a 4 KiB leaf, or a 2 MiB one) to the 4-level second stage at l4. */
static void sl_set(uint64_t *l4, uint64_t in, uint64_t out, unsigned rw, bool big)
{
	uint64_t *l2 = sl_next(sl_next(&l4[(in >> 39) & 511]) + ((in >> 30) & 511));

	if (big)
		l2[(in >> 21) & 511] = out | rw | 1 << 7;
	else
		sl_next(&l2[(in >> 21) & 511])[(in >> 12) & 511] = out | rw;
}

static uint64_t sl_map(uint64_t in, uint64_t out, unsigned rw)
{
	uint64_t *l4 = frame();

	sl_set(l4, in, out, rw, false);
	return pa(l4);
}

/* A 4-level first-stage (IA-32e) table, P|RW|US at every level, US `us` at the leaf. */
static uint64_t fs_map(uint64_t in, uint64_t out, bool rw, bool us)
{
	uint64_t *l4 = frame(), *l3 = frame(), *l2 = frame(), *l1 = frame();

	l4[(in >> 39) & 511] = pa(l3) | 7;
	l3[(in >> 30) & 511] = pa(l2) | 7;
	l2[(in >> 21) & 511] = pa(l1) | 7;
	l1[(in >> 12) & 511] = out | 1 | (rw ? 2 : 0) | (us ? 4 : 0);
	return pa(l4);
}

static void set_pe(unsigned pgtt, uint64_t slptr, uint64_t flptr, uint16_t did)
{
	t.pe[2] = flptr;
	t.pe[1] = did;
	t.pe[0] = slptr | (uint64_t)pgtt << 6 | 2 << 2 | 1; /* AW 2: 4 levels */
}

static void second_stage_translates_and_faults_by_direction(void **s)
{
	uint8_t *dst = t.ram + (2 << 20);
	uint64_t out;

	(void)s;
	set_pe(2, sl_map(0x40000000, pa(dst), 3), 0, 5);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x40000123, true, &out), 0);
	assert_int_equal(out, pa(dst) + 0x123);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x50000000, true, &out),
			 VTDM_FR_SL_WRITE);
	/* the record: F, FR, SID, PP with RID_PASID 0 */
	assert_int_equal((mmio_read64(regs(0x228)) >> 32) & 0xff, VTDM_FR_SL_WRITE);
	assert_true(mmio_read32(regs(0x34)) & 2); /* PPF */
}

static void first_stage_requires_user_and_write(void **s)
{
	uint8_t *dst = t.ram + (2 << 20);
	uint64_t out;

	(void)s;
	set_pe(1, 0, fs_map(0x1000, pa(dst), false, true), 5);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x1000, false, &out), 0);
	assert_int_equal(out, pa(dst));
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x1000, true, &out),
			 VTDM_FR_FS_WRITE);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 1ULL << 50, false, &out),
			 VTDM_FR_FS_CANON);
}

static void nested_walk_translates_first_stage_tables_through_second(void **s)
{
	uint8_t *dst = t.ram + (2 << 20);
	uint64_t fs = fs_map(0x1000, 0x7000, true, true), out, *l4 = frame();

	(void)s;
	/* second stage: the first-stage tables (first 2 MiB of RAM) at GPA = PA, 0x7000 -> dst */
	sl_set(l4, pa(t.ram), pa(t.ram), 3, true);
	sl_set(l4, 0x7000, pa(dst), 3, false);
	set_pe(3, pa(l4), fs, 5);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x1000, true, &out), 0);
	assert_int_equal(out, pa(dst));
	/* a first-stage root outside the second stage faults on the table fetch */
	set_pe(3, pa(l4), 0x900000000ULL, 5);
	t.m->pcache[0].valid = false; /* as a PASID-cache invalidation would */
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x2000, true, &out),
			 VTDM_FR_SL_READ);
}

static void stale_translation_until_iotlb_invalidation(void **s)
{
	uint64_t *q = frame(), *status = frame(), out;
	uint8_t *a = t.ram + (2 << 20), *b = a + 4096;
	uint64_t root = sl_map(0x40000000, pa(a), 3);
	uint64_t *l1;

	(void)s;
	set_pe(2, root, 0, 5);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x40000000, true, &out), 0);
	/* remap the page: the IOTLB still has the old one */
	l1 = (uint64_t *)(uintptr_t)(t.ram + t.next - 4096);
	l1[0] = pa(b) | 3;
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x40000000, true, &out), 0);
	assert_int_equal(out, pa(a));
	/* QI with 256-bit descriptors: PASID-IOTLB does not cover second-stage-only entries */
	mmio_write64(regs(0x90), pa(q) | 1 << 11);
	mmio_write32(regs(0x18), 1u << 31 | 1u << 26);
	q[0] = 6 | 2 << 4 | 5 << 16;
	q[4] = 5 | 1 << 5 | 0x1111ULL << 32;
	q[5] = pa(status);
	mmio_write64(regs(0x88), 64);
	assert_int_equal(*(uint32_t *)status, 0x1111);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x40000000, true, &out), 0);
	assert_int_equal(out, pa(a));
	/* the IOTLB descriptor (domain 5) does; then wait + SW */
	q[8] = 2 | 2 << 4 | 5 << 16;
	q[12] = 5 | 1 << 5 | 0xabcdULL << 32;
	q[13] = pa(status);
	mmio_write64(regs(0x88), 128);
	assert_int_equal(*(uint32_t *)status, 0xabcd);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x40000000, true, &out), 0);
	assert_int_equal(out, pa(b));
	/* SW and IF together are refused (QEMU would abort) */
	q[16] = 5 | 3 << 4;
	mmio_write64(regs(0x88), 160);
	assert_int_equal(t.m->sw_if_aborts, 1);
	assert_true(mmio_read32(regs(0x34)) & 0x10); /* IQE */
}

static void wide_write_to_32bit_register_is_an_abort(void **s)
{
	(void)s;
	mmio_write64(regs(0x38), 0);
	assert_int_equal(t.m->width_aborts, 1);
	assert_true(mmio_read32(regs(0x38)) >> 31); /* IM unchanged */
}

static void faults_collapse_per_source_and_overflow_sets_pfo(void **s)
{
	uint64_t out;

	(void)s;
	mmio_write32(regs(0x3c), 0x41);
	mmio_write32(regs(0x40), 0xfee00000);
	mmio_write32(regs(0x38), 0); /* unmask: events are MSIs */
	set_pe(2, pa(frame()), 0, 5);
	vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x1000, false, &out);
	vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0x2000, false, &out);
	assert_int_equal(t.m->collapsed, 1);
	assert_int_equal(t.msis, 1);
	assert_int_equal(t.msi_data, 0x41);
	/* another source with the single record full: PFO */
	vtd_model_translate(t.m, 0x0010, VTDM_NO_PASID, 0x1000, false, &out);
	assert_true(mmio_read32(regs(0x34)) & 1);
	/* W1C of F through the top dword, then of PFO */
	mmio_write32(regs(0x22c), 1u << 31);
	mmio_write32(regs(0x34), 1);
	assert_int_equal(mmio_read32(regs(0x34)) & 3, 0);
}

static void irte_remaps_and_checks_source_id(void **s)
{
	uint64_t *irt = frame();
	struct vtdm_irq irq;

	(void)s;
	irt[2 * 3] = 1 | 0x31ULL << 16 | 2ULL << 40; /* P, vector 0x31, APIC 2 */
	irt[2 * 3 + 1] = SID | 1ULL << 18;	     /* SVT 1, SQ 0: exact SID */
	mmio_write64(regs(0xb8), pa(irt) | 3);	     /* 16 entries */
	mmio_write32(regs(0x18), 1u << 31 | 1u << 24);
	mmio_write32(regs(0x18), 1u << 31 | 1u << 25);
	assert_int_equal(vtd_model_msi(t.m, SID, 0xfee00000 | 3 << 5 | 1 << 4, 0, &irq), 0);
	assert_int_equal(irq.vector, 0x31);
	assert_int_equal(irq.dest, 2);
	assert_int_equal(vtd_model_msi(t.m, 0x0010, 0xfee00000 | 3 << 5 | 1 << 4, 0, &irq),
			 VTDM_FR_IR_SID);
	assert_int_equal(vtd_model_msi(t.m, SID, 0xfee00000 | 4 << 5 | 1 << 4, 0, &irq),
			 VTDM_FR_IR_NOT_PRESENT);
	assert_int_equal(vtd_model_msi(t.m, SID, 0xfee00000 | 99 << 5 | 1 << 4, 0, &irq),
			 VTDM_FR_IR_INDEX);
	assert_int_equal(vtd_model_msi(t.m, SID, 0xfee00000, 0x31, &irq), VTDM_FR_IR_COMPAT);
}

static void pgtt_not_supported_by_the_unit_is_invalid(void **s)
{
	uint64_t out;

	(void)s;
	vtd_model_destroy(t.m);
	t.m = vtd_model_create(BASE, &(struct vtd_model_cfg){ .cap = vtd_model_qemu_fl().cap,
							      .ecap = vtd_model_qemu_fl().ecap });
	vtd_model_add_ram(t.m, pa(t.ram), RAM);
	build_tables();
	set_pe(2, sl_map(0, pa(t.ram), 3), 0, 5);
	assert_int_equal(vtd_model_translate(t.m, SID, VTDM_NO_PASID, 0, false, &out),
			 VTDM_FR_PTE_INVALID);
}

#define T(n) cmocka_unit_test_setup_teardown(n, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(second_stage_translates_and_faults_by_direction),
		T(first_stage_requires_user_and_write),
		T(nested_walk_translates_first_stage_tables_through_second),
		T(stale_translation_until_iotlb_invalidation),
		T(wide_write_to_32bit_register_is_an_abort),
		T(faults_collapse_per_source_and_overflow_sets_pfo),
		T(irte_remaps_and_checks_source_id),
		T(pgtt_not_supported_by_the_unit_is_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
