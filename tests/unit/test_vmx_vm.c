// SPDX-License-Identifier: MIT
/*
 * The run-time choice of the x86 VM backend (arch/x86/x86_vmb.c) from CPUID, and the VMX
 * capabilities the production image takes, the guest command line both backends give (arch/x86/vmx_caps_log.c): accepted with one
 * summary line, refused with one clear line.
 */
#include <string.h>

#include "test_util.h"
#include "vmx_fixture.h"

#include "arch/x86/vmx.h"
#include "arch/x86/x86_vm.h"
#include "lib/err.h"

static void vendor(u32 v[3], const char *name)
{
	memcpy(v, name, 12);
}

#define VMX (1u << 5)
#define SVM (1u << 2)

static void test_choose_by_vendor(void **state)
{
	u32 v[3];

	(void)state;
	vendor(v, "GenuineIntel");
	assert_int_equal(x86_vmb_choose(v, VMX, 0), X86_VMB_VMX);
	assert_int_equal(x86_vmb_choose(v, 0, SVM), X86_VMB_NONE); /* Intel's SVM bit: no */
	assert_int_equal(x86_vmb_choose(v, 0, 0), X86_VMB_NONE);
	vendor(v, "AuthenticAMD");
	assert_int_equal(x86_vmb_choose(v, 0, SVM), X86_VMB_SVM);
	assert_int_equal(x86_vmb_choose(v, VMX, SVM), X86_VMB_SVM);
	assert_int_equal(x86_vmb_choose(v, VMX, 0), X86_VMB_NONE);
	vendor(v, "HygonGenuine");
	assert_int_equal(x86_vmb_choose(v, 0, SVM), X86_VMB_SVM);
}

static void test_choose_other_vendor(void **state)
{
	u32 v[3];

	(void)state;
	vendor(v, "SomeOtherCPU");
	assert_int_equal(x86_vmb_choose(v, VMX, 0), X86_VMB_VMX);
	assert_int_equal(x86_vmb_choose(v, 0, SVM), X86_VMB_SVM);
	assert_int_equal(x86_vmb_choose(v, VMX, SVM), X86_VMB_NONE); /* ambiguous */
	assert_int_equal(x86_vmb_choose(v, ~VMX, ~SVM), X86_VMB_NONE);
	assert_string_equal(x86_vmb_name(X86_VMB_VMX), "VMX");
	assert_string_equal(x86_vmb_name(X86_VMB_SVM), "SVM");
	assert_string_equal(x86_vmb_name(X86_VMB_NONE), "none");
}

/* The command line both backends give a VM: the bootargs, and the entry TSC for a bench VM. */
static void test_cmdline(void **state)
{
	char b[48];

	(void)state;
	assert_string_equal(x86_vm_cmdline(b, sizeof(b), "moat.test=x", 7), "moat.test=x");
	assert_string_equal(x86_vm_cmdline(b, sizeof(b), "moat.bench", 42),
			    "moat.bench moat.entry_tsc=42");
	assert_string_equal(x86_vm_cmdline(b, sizeof(b), "moat.bench q", 5),
			    "moat.bench q moat.entry_tsc=5");
	assert_string_equal(x86_vm_cmdline(b, sizeof(b), "moat.benchmark", 5), "moat.benchmark");
	assert_string_equal(x86_vm_cmdline(b, 8, "moat.bench", 5), "moat.be"); /* truncated */
}

static unsigned lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_caps_taken_with_one_line(void **state)
{
	struct vmx_caps c;

	(void)state;
	test_log_reset();
	assert_int_equal(vmx_caps_take(&vmxf_skylake_x, &c), 0);
	assert_true(test_log_has("VMX: VMCS revision 0x"));
	assert_true(test_log_has("EPT 1G pages, EPT A/D yes"));
	assert_int_equal(lines(test_log_text()), 1);
	test_log_reset();
	assert_int_equal(vmx_caps_take(&vmxf_ivy_bridge, &c), 0);
	assert_true(test_log_has("EPT 2M pages, EPT A/D no"));
	assert_int_equal(lines(test_log_text()), 1);
}

/* Lynnfield has no unrestricted guest; a model without a 4-level EPT walk, or that contradicts
 * itself (a control required 1 that may not be 1), is refused the same way. */
static void test_bad_caps_refused_with_one_line(void **state)
{
	struct vmx_caps c;
	struct vmx_msrs m = vmxf_skylake_x;

	(void)state;
	test_log_reset();
	assert_int_equal(vmx_caps_take(&vmxf_lynnfield, &c), -E_NOTSUP);
	assert_true(test_log_has("no usable VMX: not supported"));
	assert_int_equal(lines(test_log_text()), 1);
	test_log_reset();
	m.ept_vpid &= ~(1ULL << 6); /* no 4-level EPT walk */
	assert_int_equal(vmx_caps_take(&m, &c), -E_NOTSUP);
	assert_int_equal(lines(test_log_text()), 1);
	test_log_reset();
	m = vmxf_skylake_x;
	m.true_pin = 0x0000000100000016ULL; /* must-be-1 bits that may not be 1 */
	assert_int_equal(vmx_caps_take(&m, &c), -E_INVAL);
	assert_true(test_log_has("no usable VMX: "));
	assert_int_equal(lines(test_log_text()), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose_by_vendor),
		cmocka_unit_test(test_choose_other_vendor),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_caps_taken_with_one_line),
		cmocka_unit_test(test_bad_caps_refused_with_one_line),
	};

	test_log_capture();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
