// SPDX-License-Identifier: MIT
/*
 * The pieces both x86 backends share (arch/x86/x86_sipi.c, x86_exit.c): one IPI delivered to
 * one vCPU's pending state, and the register results of RDMSR/WRMSR, IN, the APIC base and
 * PAT checks. test_svm and test_vmx run them through each backend's exit handling; here they
 * are checked on their own, with values a hostile guest may give.
 */
#include "test_util.h"

#include <string.h>

#include "arch/x86/vcpuid.h"
#include "arch/x86/vlapic.h"
#include "arch/x86/x86_vm.h"

static u32 cpuid_calls, cpuid_leaf, cpuid_sub;

/* The host CPU of this test: records the question, answers a fixed pattern. */
void arch_x86_cpuid(u32 leaf, u32 sub, u32 out[4])
{
	cpuid_calls++;
	cpuid_leaf = leaf;
	cpuid_sub = sub;
	out[0] = 0xa0a0a0a0, out[1] = 0xb0b0b0b0, out[2] = 0xc0c0c0c0, out[3] = 0xd0d0d0d0;
}

struct vcpu_events {
	struct vlapic lapic;
	bool nmi_pending, init_pending, wait_sipi, sipi_after_init;
	u8 sipi_vector;
};

static struct vlapic_ipi ipi(u8 mode, u8 vector, bool deassert)
{
	return (struct vlapic_ipi){ .mode = mode, .vector = vector, .deassert = deassert };
}

static void test_fixed_and_nmi(void **state)
{
	struct vcpu_events v = { 0 };
	struct vlapic_ipi f = ipi(APIC_DM_FIXED, 0x41, false), n = ipi(APIC_DM_NMI, 0, false);

	(void)state;
	vlapic_reset(&v.lapic, 1);
	assert_true(x86_ipi_deliver(&X86_IPI_DEST(&v), &f));
	/* In the IRR (a reset x2APIC is software-disabled: vlapic_pending() waits for the SVR). */
	assert_int_equal(v.lapic.irr[0x41 / 32], 1u << (0x41 % 32));
	assert_true(x86_ipi_deliver(&X86_IPI_DEST(&v), &n));
	assert_true(v.nmi_pending);
	assert_false(v.init_pending || v.wait_sipi || v.sipi_after_init);
}

static void test_init_then_sipi(void **state)
{
	struct vcpu_events v = { 0 };
	struct vlapic_ipi init = ipi(APIC_DM_INIT, 0, false), deassert = ipi(APIC_DM_INIT, 0, true);
	struct vlapic_ipi s1 = ipi(APIC_DM_STARTUP, 0x9a, false),
			  s2 = ipi(APIC_DM_STARTUP, 0x10, false);

	(void)state;
	vlapic_reset(&v.lapic, 1);
	/* A running vCPU ignores a start-up IPI no INIT asked for, and an INIT de-assert. */
	assert_false(x86_ipi_deliver(&X86_IPI_DEST(&v), &s1));
	assert_false(x86_ipi_deliver(&X86_IPI_DEST(&v), &deassert));
	assert_int_equal(v.sipi_vector, 0);
	assert_false(v.init_pending);
	/* INIT not taken yet: the first SIPI after it counts, the second does not. */
	assert_true(x86_ipi_deliver(&X86_IPI_DEST(&v), &init));
	assert_true(v.init_pending);
	assert_true(x86_ipi_deliver(&X86_IPI_DEST(&v), &s1));
	assert_false(x86_ipi_deliver(&X86_IPI_DEST(&v), &s2));
	assert_true(v.sipi_after_init);
	assert_int_equal(v.sipi_vector, 0x9a);
	/* Waiting after a taken INIT: one SIPI starts it; a second finds it running. */
	v.init_pending = v.sipi_after_init = false;
	v.wait_sipi = true;
	assert_true(x86_ipi_deliver(&X86_IPI_DEST(&v), &s2));
	assert_false(v.wait_sipi);
	assert_int_equal(v.sipi_vector, 0x10);
	assert_false(x86_ipi_deliver(&X86_IPI_DEST(&v), &s1));
	assert_int_equal(v.sipi_vector, 0x10);
}

static void test_smi_not_delivered(void **state)
{
	struct vcpu_events v = { 0 };
	struct vlapic_ipi smi = ipi(APIC_DM_SMI, 0, false);

	(void)state;
	vlapic_reset(&v.lapic, 0);
	assert_false(x86_ipi_deliver(&X86_IPI_DEST(&v), &smi));
	for (unsigned i = 0; i < ARRAY_SIZE(v.lapic.irr); i++)
		assert_int_equal(v.lapic.irr[i], 0);
	assert_false(v.nmi_pending || v.init_pending);
}

static void test_cpuid_registers(void **state)
{
	/* RAX, RCX, RDX, RBX as x86_insn.reg numbers them; the upper halves are the guest's. */
	u64 g[4] = { 0x12345678ULL << 32 | X86_CPUID_MOAT_LEAF, 0xffffffff00000003ULL, ~0ULL,
		     ~0ULL };
	u32 sig[3];

	(void)state;
	cpuid_calls = 0;
	x86_exit_cpuid(g, 1, 2, false);
	assert_int_equal(cpuid_calls, 1);
	assert_int_equal(cpuid_leaf, X86_CPUID_MOAT_LEAF);
	assert_int_equal(cpuid_sub, 3);
	assert_int_equal(g[0], X86_CPUID_MOAT_LEAF);
	sig[0] = (u32)g[3], sig[1] = (u32)g[1], sig[2] = (u32)g[2]; /* EBX, ECX, EDX */
	assert_memory_equal(sig, X86_CPUID_MOAT_SIG, 12);
	assert_int_equal(g[1] >> 32 | g[2] >> 32 | g[3] >> 32, 0);
	/* Another hypervisor leaf: all four registers cleared, whatever the host said. */
	g[0] = X86_CPUID_MOAT_LEAF + 1;
	x86_exit_cpuid(g, 1, 2, false);
	assert_int_equal(g[0] | g[1] | g[2] | g[3], 0);
}

static void test_msr_registers(void **state)
{
	u64 g[4] = { 0xffffffff11223344ULL, 0x1b, 0xdeadbeef55667788ULL, 7 };

	(void)state;
	/* WRMSR takes EAX and EDX only: the upper halves of RAX and RDX are ignored. */
	assert_int_equal(x86_msr_operand(g), 0x5566778811223344ULL);
	x86_msr_result(g, 0x8000000100000002ULL);
	assert_int_equal(g[0], 2);
	assert_int_equal(g[2], 0x80000001ULL);
	assert_int_equal(g[1], 0x1b); /* RCX untouched */
	assert_int_equal(g[3], 7);
}

static void test_io_in_merge(void **state)
{
	u64 rax = 0x1122334455667788ULL;

	(void)state;
	x86_io_in_result(&rax, 1, 0xffffffaa);
	assert_int_equal(rax, 0x11223344556677aaULL);
	x86_io_in_result(&rax, 2, 0xffffbbcc);
	assert_int_equal(rax, 0x112233445566bbccULL);
	x86_io_in_result(&rax, 4, 0xddeeff00);
	assert_int_equal(rax, 0xddeeff00ULL); /* a 32-bit IN zero-extends */
}

static void test_apic_base_and_pat(void **state)
{
	(void)state;
	assert_int_equal(x86_apic_base(0), 0xfee00d00ULL);
	assert_int_equal(x86_apic_base(1), 0xfee00c00ULL);
	assert_true(x86_pat_valid(0x0007040600070406ULL)); /* the reset value */
	assert_true(x86_pat_valid(0));
	assert_true(x86_pat_valid(0x0707070707070707ULL));
	for (unsigned i = 0; i < 8; i++) {
		assert_false(x86_pat_valid(2ULL << (8 * i)));
		assert_false(x86_pat_valid(3ULL << (8 * i)));
		assert_false(x86_pat_valid(8ULL << (8 * i)));
		assert_false(x86_pat_valid(0x80ULL << (8 * i)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_and_nmi),	  cmocka_unit_test(test_init_then_sipi),
		cmocka_unit_test(test_smi_not_delivered), cmocka_unit_test(test_msr_registers),
		cmocka_unit_test(test_cpuid_registers),	  cmocka_unit_test(test_io_in_merge),
		cmocka_unit_test(test_apic_base_and_pat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
