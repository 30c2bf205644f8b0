// SPDX-License-Identifier: MIT
/*
 * Logging of refused guest actions (vmm/vm_fault.c): one line per kind per vCPU with the
 * VM's name and vCPU number, and a rate limit over all of them that reports what it dropped.
 */
#include <stdio.h>
#include <string.h>

#include "test_util.h"

#include <arch/cpu.h>

#include "vmm/vm_fault.h"

static struct vm vm;
static struct vm_config vcfg = { .name = "linux", .private_size = 2 << 20, .nvcpus = 4 };

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	test_log_reset();
	vm_init(&vm, 1, &vcfg, pa(0x80000000));
	vm_fault_log_reset();
	host_time_now_ns = 0;
	return 0;
}

static unsigned count(const char *needle)
{
	unsigned n = 0;

	for (const char *p = test_log_text(); (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void logs_once_per_kind_per_vcpu(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		vm_fault_log(&vm.vcpu[0], VMF_DABT_REFUSED, "data abort at IPA 0x%x -> SEA",
			     0x9000000 + i);
	assert_true(test_log_has("moat: vcpu: linux/0: data abort at IPA 0x9000000 -> SEA\n"));
	assert_int_equal(count("data abort"), 1);
	vm_fault_log(&vm.vcpu[0], VMF_SYSREG, "sysreg -> UNDEF");
	vm_fault_log(&vm.vcpu[1], VMF_DABT_REFUSED, "data abort at IPA 0x1 -> SEA");
	assert_true(test_log_has("linux/0: sysreg -> UNDEF"));
	assert_true(test_log_has("linux/1: data abort at IPA 0x1 -> SEA"));
	assert_int_equal(count("moat: vcpu: "), 3);
	vm_fault_log(&vm.vcpu[1], VMF_KINDS, "not a kind"); /* out of range: ignored */
	assert_false(test_log_has("not a kind"));
}

/* Many vCPUs x every kind at once: only the burst gets through, then one per refill. */
static void rate_limit_caps_a_burst_and_counts_the_rest(void **state)
{
	struct vm many;
	struct vm_config mcfg = vcfg;

	(void)state;
	mcfg.nvcpus = VM_MAX_VCPUS;
	vm_init(&many, 2, &mcfg, pa(0x90000000));
	for (unsigned c = 0; c < many.nvcpus; c++)
		for (unsigned k = 0; k < VMF_KINDS; k++)
			vm_fault_log(&many.vcpu[c], k, "event %u", k);
	unsigned total = many.nvcpus * VMF_KINDS;
	assert_true(total > VM_FAULT_BURST);
	assert_int_equal(count("moat: vcpu: "), VM_FAULT_BURST);
	/* After one refill period a new event gets through with the count of those dropped. */
	host_time_now_ns += VM_FAULT_REFILL_NS;
	vm_fault_log(&vm.vcpu[3], VMF_IABT, "late");
	char want[64];
	snprintf(want, sizeof(want), "linux/3: late (%u more suppressed)", total - VM_FAULT_BURST);
	assert_true(test_log_has(want));
	vm_fault_log(&vm.vcpu[3], VMF_TRAP, "no token yet");
	assert_false(test_log_has("no token yet"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(logs_once_per_kind_per_vcpu, setup),
		cmocka_unit_test_setup(rate_limit_caps_a_burst_and_counts_the_rest, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
