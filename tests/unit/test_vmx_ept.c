// SPDX-License-Identifier: MIT
/*
 * EPT and the invalidation policy. The tables ept.c builds on lib/pt are walked by the EPT
 * walker of tests/models/vmx (written from SDM 28.3, no shared definition): RAM write-back
 * RWX, MMIO uncached and not executable, nothing else mapped, no misconfiguration, leaves no
 * larger than the CPU offers. Then the TLB rules of SDM 28.4 (the model): Bochs flushes on
 * every entry and exit, so a remap without the INVEPT it needs would pass there; here it is
 * caught, and vmx_tlb.c's policy is shown to issue exactly what the rules require.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "vmx_fixture.h"

#include "core/own.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE (1ULL << 30)
#define RAM_HPA 0x100000000ULL
#define MMIO_GPA 0xfe000000ULL

#define MMIO_HPA 0xc0000000ULL
#define SPARE_HPA 0x5000ULL /* two more pages of VM 1's, for remaps */

static struct pt_host_alloc alloc;
static struct ept ept;

/* The ownership record (core/own.h) as a boot leaves it for VM 1 with one assigned BAR. */
static void own_vm1(void)
{
	own_reset();
	assert_int_equal(own_add(pa(RAM_HPA), RAM_SIZE, own_vm(1)), 0);
	assert_int_equal(own_add(pa(SPARE_HPA), 0x3000, own_vm(1)), 0);
	assert_int_equal(own_add(pa(MMIO_HPA), 0x10000, own_bar(1)), 0);
}

static void build(u64 max_leaf)
{
	struct vm_ram r = { gpa(RAM_GPA), RAM_SIZE, pa(RAM_HPA) };

	pt_host_alloc_init(&alloc);
	own_vm1();
	assert_int_equal(ept_init(&ept, &alloc.a, max_leaf), 0);
	ept.vm = 1;
	assert_int_equal(ept_map_ram(&ept, &r), 0);
	assert_int_equal(ept_map_mmio(&ept, gpa(MMIO_GPA), pa(MMIO_HPA), 0x10000), 0);
}

static void ept_maps_match_the_sdm_walker(void **state)
{
	static const u64 leaf[] = { PT_SIZE_4K, PT_SIZE_2M, PT_SIZE_1G };
	static const unsigned level[] = { 1, 2, 3 };

	for (unsigned i = 0; i < 3; i++) {
		build(leaf[i]);
		u64 eptp = ept_pointer(&ept);
		assert_true(ept_model_eptp_valid(eptp, false));
		for (u64 off = 0; off < RAM_SIZE; off += RAM_SIZE / 64 + 0x1234) {
			struct ept_walk w = ept_model_walk(eptp, RAM_GPA + off);
			assert_int_equal(w.status, EPTW_OK);
			assert_int_equal(w.hpa, RAM_HPA + off);
			assert_int_equal(w.perms, 7);
			assert_int_equal(w.memtype, 6);
			assert_int_equal(w.level, level[i]);
		}
		struct ept_walk m = ept_model_walk(eptp, MMIO_GPA + 0x2008);
		assert_int_equal(m.status, EPTW_OK);
		assert_int_equal(m.hpa, 0xc0002008);
		assert_int_equal(m.perms, 3);
		assert_int_equal(m.memtype, 0);
		assert_int_equal(ept_model_walk(eptp, RAM_GPA - 1).status, EPTW_NOT_PRESENT);
		assert_int_equal(ept_model_walk(eptp, MMIO_GPA + 0x10000).status, EPTW_NOT_PRESENT);
		assert_int_equal(ept_model_walk(eptp, 0x7fffffff000ULL).status, EPTW_NOT_PRESENT);
		ept_destroy(&ept);
		assert_int_equal(alloc.live, 0);
	}
	(void)state;
}

static void maps_never_replace_and_unmaps_leave_nothing(void **state)
{
	struct vm_ram r = { gpa(RAM_GPA + 0x200000), 0x1000, pa(SPARE_HPA) };

	build(PT_SIZE_2M);
	assert_int_equal(ept_map_ram(&ept, &r), -E_EXIST);
	assert_int_equal(ept_unmap(&ept, gpa(RAM_GPA + 0x200000), 0x1000, NULL), 0);
	assert_int_equal(ept_model_walk(ept_pointer(&ept), RAM_GPA + 0x200000).status,
			 EPTW_NOT_PRESENT);
	assert_int_equal(ept_model_walk(ept_pointer(&ept), RAM_GPA + 0x201000).hpa,
			 RAM_HPA + 0x201000); /* the 2 MiB leaf was split, the rest kept */
	assert_int_equal(ept_map_ram(&ept, &r), 0);
	assert_int_equal(ept_model_walk(ept_pointer(&ept), RAM_GPA + 0x200010).hpa, 0x5010);
	ept_destroy(&ept);
	(void)state;
}

/*
 * Issue 18 gap (issue 13 class "ownership of every host frame"): the EPT takes only the VM's
 * own RAM and its vdevs' BARs; another VM's page, one straddling the VM's end, Moat's own
 * page, RAM offered as MMIO and an unassigned BAR are refused, and nothing is mapped.
 */
static void ept_refuses_pages_the_vm_does_not_own(void **state)
{
	struct vm_ram other = { gpa(RAM_GPA), 0x200000, pa(0x90000000) },
		      straddle = { gpa(RAM_GPA), 0x4000, pa(SPARE_HPA) },
		      moat = { gpa(RAM_GPA), 0x1000, pa(0x70000000) };
	u64 eptp;

	test_log_capture();
	pt_host_alloc_init(&alloc);
	own_vm1();
	assert_int_equal(own_add(pa(0x90000000), 0x200000, own_vm(2)), 0);
	assert_int_equal(own_add(pa(0x70000000), 0x1000, own_moat()), 0);
	assert_int_equal(own_add(pa(0xd0000000), 0x1000, own_bar(0)), 0);
	assert_int_equal(ept_init(&ept, &alloc.a, PT_SIZE_2M), 0);
	/* before the EPT knows its VM, not even the VM's own RAM goes in */
	assert_int_equal(ept_map_ram(&ept, &(struct vm_ram){ gpa(RAM_GPA), 0x1000, pa(RAM_HPA) }),
			 -E_PERM);
	ept.vm = 1;
	assert_int_equal(ept_map_ram(&ept, &other), -E_PERM);
	assert_int_equal(ept_map_ram(&ept, &straddle), -E_PERM);
	assert_int_equal(ept_map_ram(&ept, &moat), -E_PERM);
	assert_int_equal(ept_map_mmio(&ept, gpa(MMIO_GPA), pa(RAM_HPA), 0x1000), -E_PERM);
	assert_int_equal(ept_map_mmio(&ept, gpa(MMIO_GPA), pa(0xd0000000), 0x1000), -E_PERM);
	assert_true(test_log_has("page 0x90000000 belongs to vm 2, not to vm 1"));
	assert_true(test_log_has("page 0xd0000000 belongs to unassigned bar, not to bar of vm 1"));
	eptp = ept_pointer(&ept);
	for (u64 off = 0; off < 0x200000; off += 0x1000 * 37)
		assert_int_equal(ept_model_walk(eptp, RAM_GPA + off).status, EPTW_NOT_PRESENT);
	assert_int_equal(ept_model_walk(eptp, MMIO_GPA).status, EPTW_NOT_PRESENT);
	assert_int_equal(alloc.live, 1); /* the root only: no table was built */
	ept_destroy(&ept);
	(void)state;
}

/* ---- the TLB rules ----------------------------------------------------------------------------- */

static struct vmxf f;

static void vmx_flush(struct pt_gather *g, struct pt *pt)
{
	(void)g, (void)pt;
	vmx_ept_changed(&f.xm);
}

/* Guest access by vCPU i (as the CPU would translate it now). */
static int64_t access(unsigned i, u64 g, bool linear)
{
	return tlbm_access(&vmxf_tlb, ept_pointer(&f.xm.ept), f.xm.vcpu[i].tlb.vpid, g, linear);
}

/* The run loop's order: Moat's invalidations, then the entry (which flushes only without
 * a VPID). */
static void enter(unsigned i, bool policy)
{
	if (policy)
		vmx_tlb_prepare(&f.caps, &f.xm.vcpu[i].tlb, ept_pointer(&f.xm.ept));
	tlbm_entry_or_exit(&vmxf_tlb, f.xm.vcpu[i].tlb.vpid);
}

static void remap_to(u64 hpa)
{
	struct vm_ram r = { gpa(RAM_GPA), 0x1000, pa(hpa) };

	assert_int_equal(ept_unmap(&f.xm.ept, gpa(RAM_GPA), 0x1000, vmx_flush), 0);
	assert_int_equal(ept_map_ram(&f.xm.ept, &r), 0);
}

static void remap(void)
{
	remap_to(SPARE_HPA + 0x2000);
}

static int tlb_setup(void **state)
{
	struct vm_ram r = { gpa(RAM_GPA), RAM_SIZE, pa(RAM_HPA) };

	(void)state;
	vmxf_init(&f);
	pt_host_alloc_init(&alloc);
	own_vm1();
	assert_int_equal(ept_init(&f.xm.ept, &alloc.a, f.caps.ept_max_leaf), 0);
	f.xm.ept.vm = 1;
	assert_int_equal(ept_map_ram(&f.xm.ept, &r), 0);
	f.xm.vcpu[0].tlb.vpid = 1;
	f.xm.vcpu[1].tlb.vpid = 2;
	return 0;
}

static int tlb_teardown(void **state)
{
	(void)state;
	ept_destroy(&f.xm.ept);
	vmxf_fini(&f);
	return 0;
}

static void remap_without_invept_is_caught_by_the_model(void **state)
{
	for (unsigned vpid = 0; vpid < 2; vpid++) { /* with and without VPIDs */
		f.xm.vcpu[0].tlb.vpid = (u16)vpid;
		tlbm_reset(&vmxf_tlb);
		enter(0, false);
		assert_int_equal(access(0, RAM_GPA + 8, false), RAM_HPA + 8);
		remap();
		enter(0, false); /* the entry alone does not drop guest-physical mappings */
		access(0, RAM_GPA + 8, false);
		assert_int_equal(vmxf_tlb.stale_hits, 1);
		remap_to(RAM_HPA); /* back as it was, for the case without VPIDs */
		vmx_tlb_prepare(&f.caps, &f.xm.vcpu[0].tlb, ept_pointer(&f.xm.ept));
	}
	(void)state;
}

static void remap_with_the_policy_invalidates_every_vcpu(void **state)
{
	enter(0, true);
	enter(1, true);
	access(0, RAM_GPA, false);
	access(1, RAM_GPA, true);
	remap();
	assert_true(f.xm.vcpu[0].tlb.ept_stale && f.xm.vcpu[1].tlb.ept_stale);
	assert_int_equal(f.kicks[0] + f.kicks[1], 2);
	enter(0, true);
	assert_int_equal(access(0, RAM_GPA, false), SPARE_HPA + 0x2000);
	enter(1, true);
	assert_int_equal(access(1, RAM_GPA, true), 0x7000);
	assert_int_equal(vmxf_tlb.stale_hits, 0);
	assert_int_equal(vmxf_tlb.invept_single, 2); /* Skylake-X has single-context INVEPT */
	enter(0, true); /* nothing changed: nothing more to invalidate */
	assert_int_equal(vmxf_tlb.invept_single + vmxf_tlb.invept_all, 2);
	(void)state;
}

static void without_single_context_invept_is_all_context(void **state)
{
	f.caps.invept_single = false;
	access(0, RAM_GPA, false);
	remap();
	enter(0, true);
	assert_int_equal(vmxf_tlb.invept_all, 1);
	assert_int_equal(access(0, RAM_GPA, false), SPARE_HPA + 0x2000);
	assert_int_equal(vmxf_tlb.stale_hits, 0);
	(void)state;
}

static void guest_flush_drops_only_that_vpid(void **state)
{
	access(0, RAM_GPA + 0x1000, true);
	access(1, RAM_GPA + 0x1000, true);
	enter(0, true);
	enter(1, true);
	assert_int_equal(tlbm_count(&vmxf_tlb, true, 1), 1); /* VPIDs survive entries */
	vmx_tlb_guest_flush(&f.xm.vcpu[0].tlb);		     /* e.g. the SIPI state */
	enter(0, true);
	assert_int_equal(vmxf_tlb.invvpid_single, 1);
	assert_int_equal(tlbm_count(&vmxf_tlb, true, 1), 0);
	assert_int_equal(tlbm_count(&vmxf_tlb, true, 2), 1);
	f.caps.invvpid_single = false;
	vmx_tlb_guest_flush(&f.xm.vcpu[1].tlb);
	enter(1, true);
	assert_int_equal(vmxf_tlb.invvpid_all, 1);
	assert_int_equal(tlbm_count(&vmxf_tlb, true, 2), 0);
	(void)state;
}

static void vpids_are_unique_until_freed(void **state)
{
	static u16 got[65535];
	unsigned n = 0;

	for (;;) {
		u16 v = vmx_vpid_alloc();
		if (!v)
			break;
		assert_true(n < 65535);
		got[n++] = v;
	}
	assert_int_equal(n, 65535);
	assert_int_equal(vmx_vpid_alloc(), 0); /* used up: the vCPU runs without a VPID */
	vmx_vpid_free(got[100]);
	assert_int_equal(vmx_vpid_alloc(), got[100]);
	for (unsigned i = 0; i < n; i++)
		vmx_vpid_free(got[i]);
	(void)state;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tlb_setup, tlb_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ept_maps_match_the_sdm_walker),
		cmocka_unit_test(maps_never_replace_and_unmaps_leave_nothing),
		cmocka_unit_test(ept_refuses_pages_the_vm_does_not_own),
		T(remap_without_invept_is_caught_by_the_model),
		T(remap_with_the_policy_invalidates_every_vcpu),
		T(without_single_context_invept_is_all_context),
		T(guest_flush_drops_only_that_vpid),
		cmocka_unit_test(vpids_are_unique_until_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
