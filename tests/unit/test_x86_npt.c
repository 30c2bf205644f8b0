// SPDX-License-Identifier: MIT
/*
 * Nested page tables (arch/x86/npt.c) checked with the reference IA-32e walker
 * (tests/models/pt, written from the SDM independently of lib/pt): every guest access is a
 * user access to the nested tables (APM 15.25.5), so RAM must translate for user reads,
 * writes and fetches; MMIO uncached and never executable; anything else faults, and a
 * change is flushed before its tables are reused.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "arch/x86/npt.h"
#include "core/own.h"
#include "vmm/vm.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "pt/ref_walk.h"

static struct pt_host_alloc ha;
static struct npt n;
static unsigned flushes;

static void count_flush(struct pt_gather *g, struct pt *pt)
{
	(void)g, (void)pt;
	flushes++;
}

static struct ref_regs regs(void)
{
	return (struct ref_regs){
		.arch = REF_IA32E, .root = npt_root(&n), .oa_bits = 52, .levels = 4
	};
}

static struct ref_result walk(u64 gpa, unsigned acc)
{
	struct ref_regs r = regs();
	struct ref_result res;

	ref_walk(&r, gpa, acc | REF_ACC_USER, &res);
	return res;
}

static void ram_and_mmio_translate_as_guest_accesses(void **state)
{
	struct vm_ram priv = { gpa(0), 16ULL << 20, pa(0x80000000) },
		      shared = { gpa(16ULL << 20), 2ULL << 20, pa(0x81000000) };
	struct ref_result r;

	pt_host_alloc_init(&ha);
	own_reset();
	assert_int_equal(own_add(pa(0x80000000), 18ULL << 20, own_vm(1)), 0);
	assert_int_equal(own_add(pa(0xfe000000), 0x4000, own_bar(1)), 0);
	assert_int_equal(npt_init(&n, &ha.a, false), 0);
	n.vm = 1;
	assert_int_equal(npt_map_ram(&n, &priv), 0);
	assert_int_equal(npt_map_ram(&n, &shared), 0);
	assert_int_equal(npt_map_mmio(&n, gpa(0x10000000), pa(0xfe000000), 0x4000), 0);
	for (u64 g = 0; g < (18ULL << 20); g += 0x1000 * 37) {
		r = walk(g, REF_ACC_R | REF_ACC_W | REF_ACC_X);
		assert_int_equal(r.fault, REF_OK);
		assert_int_equal(r.out, g < (16ULL << 20) ? 0x80000000 + g
							  : 0x81000000 + g - (16ULL << 20));
		assert_false(r.perms & REF_DEV);
		assert_true(r.size <= PT_SIZE_2M); /* no 1 GiB leaves without gbpages */
	}
	r = walk(0x10003008, REF_ACC_R | REF_ACC_W);
	assert_int_equal(r.fault, REF_OK);
	assert_int_equal(r.out, 0xfe003008);
	assert_true(r.perms & REF_DEV);
	assert_int_equal(walk(0x10000000, REF_ACC_X).fault, REF_F_PERMISSION);
	/* outside the memory map: not present */
	assert_int_equal(walk(18ULL << 20, REF_ACC_R).fault, REF_F_TRANSLATION);
	assert_int_equal(walk(0x10004000, REF_ACC_R).fault, REF_F_TRANSLATION);
	assert_int_equal(walk(0x30000000, REF_ACC_R).fault, REF_F_TRANSLATION);
	/* maps never replace: the caller unmaps first */
	assert_int_equal(npt_map_mmio(&n, gpa(0x3000), pa(0xfe000000), 0x1000), -E_EXIST);
	assert_int_equal(walk(0x3000, REF_ACC_R).out, 0x80003000);
	(void)state;
}

static void unmap_flushes_and_faults(void **state)
{
	u64 live;

	flushes = 0;
	assert_int_equal(npt_unmap(&n, gpa(0x10000000), 0x4000, count_flush), 0);
	assert_int_equal(flushes, 1);
	assert_int_equal(walk(0x10000000, REF_ACC_R).fault, REF_F_TRANSLATION);
	/* a page out of the middle of a 2 MiB leaf: split, the rest stays */
	assert_int_equal(npt_unmap(&n, gpa(0x201000), 0x1000, count_flush), 0);
	assert_int_equal(walk(0x201000, REF_ACC_R).fault, REF_F_TRANSLATION);
	assert_int_equal(walk(0x202000, REF_ACC_W).out, 0x80202000);
	assert_int_equal(walk(0x200000, REF_ACC_X).out, 0x80200000);
	live = ha.live;
	npt_destroy(&n);
	assert_true(live > 0);
	assert_int_equal(ha.live, 0);
	/* with gbpages, a 1 GiB-aligned GiB is one leaf */
	assert_int_equal(npt_init(&n, &ha.a, true), 0);
	n.vm = 1;
	own_reset();
	assert_int_equal(own_add(pa(1ULL << 31), 1ULL << 30, own_vm(1)), 0);
	struct vm_ram big = { gpa(1ULL << 30), 1ULL << 30, pa(1ULL << 31) };
	assert_int_equal(npt_map_ram(&n, &big), 0);
	assert_int_equal(walk((1ULL << 30) + 0x1234, REF_ACC_W).size, PT_SIZE_1G);
	npt_destroy(&n);
	(void)state;
}

/*
 * Issue 13, ownership of every host frame: the NPT of VM 1 takes only VM 1's RAM and the BARs
 * of VM 1's vdevs. Before, any host-physical range was mapped as given.
 */
static void npt_refuses_pages_the_vm_does_not_own(void **state)
{
	struct vm_ram other = { gpa(0), 2ULL << 20, pa(0x90000000) },
		      straddle = { gpa(0), 4ULL << 20, pa(0x80000000) };

	(void)state;
	test_log_capture();
	pt_host_alloc_init(&ha);
	own_reset();
	assert_int_equal(own_add(pa(0x80000000), 2ULL << 20, own_vm(1)), 0);
	assert_int_equal(own_add(pa(0x90000000), 2ULL << 20, own_vm(2)), 0);
	assert_int_equal(own_add(pa(0xfe000000), 0x1000, own_bar(0)), 0);
	assert_int_equal(npt_init(&n, &ha.a, false), 0);
	n.vm = 1;
	assert_int_equal(npt_map_ram(&n, &other), -E_PERM);
	assert_int_equal(npt_map_ram(&n, &straddle), -E_PERM);
	assert_int_equal(npt_map_mmio(&n, gpa(0x10000000), pa(0x80000000), 0x1000), -E_PERM);
	assert_int_equal(npt_map_mmio(&n, gpa(0x10000000), pa(0xfe000000), 0x1000), -E_PERM);
	assert_true(test_log_has("page 0x90000000 belongs to vm 2, not to vm 1"));
	assert_true(test_log_has("page 0xfe000000 belongs to unassigned bar, not to bar of vm 1"));
	for (u64 g = 0; g < (4ULL << 20); g += 0x1000 * 37)
		assert_int_equal(walk(g, REF_ACC_R).fault, REF_F_TRANSLATION);
	assert_int_equal(walk(0x10000000, REF_ACC_R).fault, REF_F_TRANSLATION);
	npt_destroy(&n);
}

/*
 * Issue 13 item 1 on x86: the NPT counts what it maps in the ownership record, so a VM's page
 * cannot be given away while the NPT still maps it, and is uncounted once an unmap's
 * shootdown ran. Before, NPT checked the owner but counted nothing: own_transfer() of a
 * mapped page succeeded.
 */
static void npt_counts_its_pages_and_a_mapped_page_stays_with_its_vm(void **state)
{
	static u8 counts[512];
	struct vm_ram r = { gpa(0), 2ULL << 20, pa(0x80000000) };

	(void)state;
	pt_host_alloc_init(&ha);
	own_reset();
	memset(counts, 0, sizeof(counts));
	assert_int_equal(own_add_counted(pa(0x80000000), 2ULL << 20, own_vm(1), counts), 0);
	assert_int_equal(npt_init(&n, &ha.a, false), 0);
	n.vm = 1;
	assert_int_equal(npt_map_ram(&n, &r), 0);
	assert_int_equal(own_maps(pa(0x80000000)), 1);
	assert_int_equal(own_maps(pa(0x801ff000)), 1);
	assert_int_equal(own_transfer(pa(0x80003000), 0x1000, own_vm(1), own_moat()), -E_BUSY);
	flushes = 0;
	assert_int_equal(npt_unmap(&n, gpa(0x3000), 0x1000, count_flush), 0);
	assert_int_equal(flushes, 1);
	assert_int_equal(own_maps(pa(0x80003000)), 0);
	assert_int_equal(own_maps(pa(0x80004000)), 1);
	assert_int_equal(own_transfer(pa(0x80003000), 0x1000, own_vm(1), own_moat()), 0);
	npt_destroy(&n); /* uncounts what is still mapped */
	assert_int_equal(own_maps(pa(0x80004000)), 0);
	assert_int_equal(ha.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ram_and_mmio_translate_as_guest_accesses),
		cmocka_unit_test(unmap_flushes_and_faults),
		cmocka_unit_test(npt_refuses_pages_the_vm_does_not_own),
		cmocka_unit_test(npt_counts_its_pages_and_a_mapped_page_stays_with_its_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
