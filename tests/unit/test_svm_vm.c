// SPDX-License-Identifier: MIT
/*
 * The SVM backend's VM-level rules (arch/x86/svm_npt.c, svm_exit.c): assigned MMIO enters the
 * nested tables as the reference IA-32e walker (tests/models/pt) expects, an unmap makes every
 * vCPU of the VM drop its ASID's translations and tells its CPU, and an IPI a guest programs
 * into its x2APIC ICR reaches only vCPUs of its own VM: an x2APIC ID its VM does not have (the
 * IDs another VM's vCPUs use included) reaches nobody, and the other VM is left as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "arch/x86/svm.h"
#include "core/own.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "pt/ref_walk.h"
#include "svm_fixture.h"

#define MMIO_GPA 0x10000000ULL
#define MMIO_HPA 0xfe000000ULL

static struct svmf a, b;
static struct pt_host_alloc ha;

static int setup(void **state)
{
	svmf_init(&a);
	svmf_init(&b);
	b.vm.id = 2;
	pt_host_alloc_init(&ha);
	/* the ownership record (core/own.h): a's RAM is VM 1's, the device pages its BARs */
	own_reset();
	assert_int_equal(own_add(a.vm.priv.hpa, SVMF_PRIV + SVMF_SHARED, own_vm(1)), 0);
	assert_int_equal(own_add(pa(MMIO_HPA), 0x8000, own_bar(1)), 0);
	assert_int_equal(npt_init(&a.sm.npt, &ha.a, false), 0);
	a.sm.npt.vm = a.vm.id;
	assert_int_equal(npt_map_ram(&a.sm.npt, &a.vm.priv), 0);
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	npt_destroy(&a.sm.npt);
	svmf_fini(&a);
	svmf_fini(&b);
	(void)state;
	return 0;
}

static enum ref_fault walk(u64 g, unsigned acc, u64 *out)
{
	struct ref_regs r = {
		.arch = REF_IA32E, .root = npt_root(&a.sm.npt), .oa_bits = 52, .levels = 4
	};
	struct ref_result res;

	ref_walk(&r, g, acc | REF_ACC_USER, &res);
	*out = res.out;
	return res.fault;
}

static void mmio_maps_and_refuses_overlap(void **state)
{
	u64 out;

	assert_int_equal(svm_vm_map_mmio(&a.sm, gpa(MMIO_GPA), pa(MMIO_HPA), 0x4000), 0);
	assert_int_equal(walk(MMIO_GPA + 0x1008, REF_ACC_R | REF_ACC_W, &out), REF_OK);
	assert_int_equal(out, MMIO_HPA + 0x1008);
	assert_int_not_equal(walk(MMIO_GPA, REF_ACC_X, &out), REF_OK); /* never executable */
	/* over RAM, or over the window itself: refused, nothing changes */
	assert_int_equal(svm_vm_map_mmio(&a.sm, a.vm.priv.base, pa(MMIO_HPA), 0x1000), -E_EXIST);
	assert_int_equal(
		svm_vm_map_mmio(&a.sm, gpa(MMIO_GPA + 0x3000), pa(MMIO_HPA + 0x4000), 0x2000),
		-E_EXIST);
	assert_int_equal(walk(a.vm.priv.base.v, REF_ACC_W, &out), REF_OK);
	assert_int_equal(out, a.vm.priv.hpa.v);
	assert_int_equal(walk(MMIO_GPA + 0x4000, REF_ACC_R, &out), REF_F_TRANSLATION);
	(void)state;
}

static void unmap_shoots_down_every_vcpu(void **state)
{
	struct svm_caps caps = { .nasid = 16 };
	struct svm_asid_cpu cpu;
	u32 asid[2], again;
	u8 tlb;
	u64 out;

	svm_asid_cpu_init(&cpu, 0, &caps);
	for (unsigned i = 0; i < 2; i++)
		svm_asid_prepare(&cpu, &a.sm.vcpu[i].asid, &asid[i], &tlb);
	assert_int_equal(svm_vm_map_mmio(&a.sm, gpa(MMIO_GPA), pa(MMIO_HPA), 0x4000), 0);
	assert_int_equal(a.kicks[0] + a.kicks[1], 0); /* a map over nothing needs no flush */
	assert_int_equal(svm_vm_unmap(&a.sm, gpa(MMIO_GPA), 0x4000), 0);
	assert_int_equal(walk(MMIO_GPA, REF_ACC_R, &out), REF_F_TRANSLATION);
	for (unsigned i = 0; i < 2; i++) {
		assert_true(a.sm.vcpu[i].asid.stale);
		assert_int_equal(a.kicks[i], 1);
		svm_asid_prepare(&cpu, &a.sm.vcpu[i].asid, &again, &tlb);
		assert_int_not_equal(again, asid[i]); /* no FlushByAsid: a fresh ASID */
	}
	/* nothing mapped there any more: no translation to drop, nobody is told */
	assert_int_equal(svm_vm_unmap(&a.sm, gpa(MMIO_GPA), 0x4000), 0);
	assert_int_equal(a.kicks[0] + a.kicks[1], 2);
	assert_int_equal(walk(a.vm.priv.base.v + 0x5000, REF_ACC_R, &out), REF_OK);
	(void)state;
}

static bool irr_empty(const struct vlapic *l)
{
	for (unsigned i = 0; i < 8; i++)
		if (l->irr[i])
			return false;
	return true;
}

/* vCPU 0 of VM a executes WRMSR to `msr` with `v` at the exit RIP. */
static enum svm_action guest_wrmsr(u32 msr, u64 v)
{
	static const u8 wrmsr[] = { 0x0f, 0x30 };
	struct svm_vcpu *sv = &a.sm.vcpu[0];

	svmf_exit(&a, 0, SVM_EXIT_MSR, 1, 0, wrmsr, sizeof(wrmsr));
	sv->gprs[GPR_RCX] = msr;
	a.vmcb[0]->s.rax = (u32)v; /* RAX travels in the VMCB */
	sv->gprs[GPR_RDX] = v >> 32;
	return svm_handle_exit(sv, 0);
}

static void ipis_stay_inside_the_vm(void **state)
{
	struct svm_vcpu *a1 = &a.sm.vcpu[1];
	struct vlapic_ipi none;
	bool sent;

	a1->wait_sipi = false;
	assert_int_equal(vlapic_write(&a1->lapic, 0x80f, 0x1ff, 0, &none, &sent), 0);
	assert_int_equal(guest_wrmsr(0x80f, 0x1ff), SVM_RESUME); /* SVR: APIC on */
	/* fixed vector 0x41 to x2APIC IDs 2, 3 and 0xffff0000 (not in this VM), NMI and INIT to 2 */
	static const u64 icr[] = { 2ULL << 32 | 0x41, 3ULL << 32 | 0x41, 0xffff0000ULL << 32 | 0x41,
				   2ULL << 32 | 0x400, 2ULL << 32 | 0x4500 };
	for (unsigned i = 0; i < ARRAY_SIZE(icr); i++) {
		assert_int_equal(guest_wrmsr(0x830, icr[i]), SVM_RESUME);
		assert_int_equal(a.vmcb[0]->s.rip, SVMF_CODE + 2); /* done, not a fault */
		assert_int_equal(a.vmcb[0]->c.event_inj, 0);
	}
	assert_true(irr_empty(&a.sm.vcpu[0].lapic) && irr_empty(&a1->lapic));
	assert_false(a1->nmi_pending || a1->init_pending);
	assert_int_equal(a.kicks[0] + a.kicks[1], 0);
	/* the other VM did not see anything */
	for (unsigned i = 0; i < 2; i++) {
		assert_true(irr_empty(&b.sm.vcpu[i].lapic));
		assert_false(b.sm.vcpu[i].nmi_pending || b.sm.vcpu[i].init_pending);
		assert_int_equal(b.kicks[i], 0);
	}
	/* all-excluding-self (shorthand 3) reaches vCPU 1 of this VM only */
	assert_int_equal(guest_wrmsr(0x830, 3u << 18 | 0x42), SVM_RESUME);
	assert_int_equal(a.vmcb[0]->c.event_inj, 0);
	assert_int_equal(a.vmcb[0]->s.rip, SVMF_CODE + 2);
	assert_int_equal(a1->lapic.irr[0x42 / 32], 1u << (0x42 % 32));
	assert_int_equal(a.kicks[1], 1);
	assert_true(irr_empty(&b.sm.vcpu[0].lapic) && irr_empty(&b.sm.vcpu[1].lapic));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mmio_maps_and_refuses_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(unmap_shoots_down_every_vcpu, setup, teardown),
		cmocka_unit_test_setup_teardown(ipis_stay_inside_the_vm, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
