// SPDX-License-Identifier: MIT
/*
 * Host ABI tests: the dispatcher called with register values for every hypercall, its happy
 * path and each error status, on the fake arch (guest RAM is a host buffer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "vmm/hypercall.h"
#include "guest_abi/moat_abi.h"

#define PRIV (4ULL << 20)
#define SHARED (2ULL << 20)

static struct vm vm, other;
static struct vm_config vcfg = {
	.name = "abi", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 2
};
static u8 *ram;
static u64 r[HC_NREGS];

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	test_log_reset();
	ram = aligned_alloc(4096, PRIV + SHARED);
	assert_non_null(ram);
	memset(ram, 0, PRIV + SHARED);
	vm_init(&vm, 3, &vcfg, pa((u64)(uintptr_t)ram));
	vm_init(&other, 4, &vcfg, pa((u64)(uintptr_t)ram));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static int64_t call(u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6)
{
	u64 in[HC_NREGS] = { fn, a1, a2, a3, a4, a5, a6 };

	memcpy(r, in, sizeof(r));
	hypercall_dispatch(&vm.vcpu[0], r);
	return (int64_t)r[0];
}

static void version_reports_abi_and_functions(void **state)
{
	assert_int_equal(call(MOAT_HC_VERSION, 0, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], MOAT_ABI_VERSION);
	assert_int_equal(r[2], (1u << MOAT_HC_COUNT) - 1);
	assert_int_equal(call(MOAT_HC_VERSION, 1, 0, 0, 0, 0, 0), MOAT_INVALID_PARAM);
}

static void features_knows_every_function_and_no_other(void **state)
{
	for (unsigned n = 0; n < MOAT_HC_COUNT; n++)
		assert_int_equal(call(MOAT_HC_FEATURES, MOAT_HC_FN(n), 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(MOAT_HC_FEATURES, MOAT_HC_FN(MOAT_HC_COUNT), 0, 0, 0, 0, 0),
			 MOAT_NOT_SUPPORTED);
	assert_int_equal(call(MOAT_HC_FEATURES, 0x84000000, 0, 0, 0, 0, 0), MOAT_NOT_SUPPORTED);
	assert_int_equal(call(MOAT_HC_FEATURES, MOAT_HC_NULL, 0, 0, 0, 0, 7), MOAT_INVALID_PARAM);
}

static void null_call_succeeds_and_checks_reserved(void **state)
{
	assert_int_equal(call(MOAT_HC_NULL, 0, 0, 0, 0, 0, 0), MOAT_OK);
	for (int i = 1; i < HC_NREGS; i++) {
		u64 a[7] = { 0 };
		a[i] = 1;
		assert_int_equal(call(MOAT_HC_NULL, a[1], a[2], a[3], a[4], a[5], a[6]),
				 MOAT_INVALID_PARAM);
	}
}

static void unknown_functions_are_not_supported(void **state)
{
	assert_int_equal(call(MOAT_HC_FN(MOAT_HC_COUNT), 0, 0, 0, 0, 0, 0), MOAT_NOT_SUPPORTED);
	assert_int_equal(call(MOAT_HC_FN(0xffff), 0, 0, 0, 0, 0, 0), MOAT_NOT_SUPPORTED);
	assert_int_equal(call(MOAT_HC_NULL | 0x10000, 0, 0, 0, 0, 0, 0), MOAT_NOT_SUPPORTED);
	assert_int_equal(call(MOAT_HC_NULL | (1ULL << 32), 0, 0, 0, 0, 0, 0), MOAT_NOT_SUPPORTED);
	assert_int_equal(call(MOAT_HC_NULL & ~0x40000000u, 0, 0, 0, 0, 0, 0),
			 MOAT_NOT_SUPPORTED); /* SMC32 form */
	assert_false(hypercall_is_moat(0x84000000));
}

static void console_write_prints_with_vm_prefix(void **state)
{
	memcpy(ram + 0x1000, "hello\nworld\n", 12);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE + 0x1000, 12, 0, 0, 0, 0),
			 MOAT_OK);
	assert_true(test_log_has("[abi] hello\n[abi] world\n"));
	/* From shared RAM too, and control characters are neutralised. */
	memcpy(ram + PRIV, "a\x1b[2Jb\n", 7);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE + PRIV, 7, 0, 0, 0, 0), MOAT_OK);
	assert_true(test_log_has("[abi] a?[2Jb\n"));
}

static void console_keeps_partial_lines_until_flushed(void **state)
{
	memcpy(ram + 0x1000, "partial", 7);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE + 0x1000, 7, 0, 0, 0, 0), MOAT_OK);
	assert_string_equal(test_log_text(), "");
	vm_console_flush(&vm);
	assert_string_equal(test_log_text(), "[abi] partial\n");
	vm_console_flush(&vm);
	assert_string_equal(test_log_text(), "[abi] partial\n");
}

static void console_write_errors(void **state)
{
	u64 end = VM_RAM_BASE + PRIV + SHARED;

	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE, 0, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE, MOAT_CONSOLE_MAX + 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE - 1, 2, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, end - 1, 2, 0, 0, 0, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, ~0ULL - 3, 8, 0, 0, 0, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_UART_BASE, 4, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	/* Straddling private and shared RAM is two regions: refused. */
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE + PRIV - 2, 4, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(MOAT_HC_CONSOLE_WRITE, VM_RAM_BASE, 4, 1, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_string_equal(test_log_text(), "");
}

static void vm_info_fills_sized_structure(void **state)
{
	struct moat_vm_info info;

	memset(ram + 0x2000, 0xee, 0x100);
	assert_int_equal(call(MOAT_HC_VM_INFO, VM_RAM_BASE + 0x2000, sizeof(info) + 16, 0, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(r[1], sizeof(info));
	memcpy(&info, ram + 0x2000, sizeof(info));
	assert_int_equal(info.size, sizeof(info));
	assert_int_equal(info.vm_id, 3);
	assert_int_equal(info.nr_vcpus, 2);
	assert_int_equal(info.reserved0, 0);
	assert_int_equal(info.private_base, VM_RAM_BASE);
	assert_int_equal(info.private_size, PRIV);
	assert_int_equal(info.shared_base, VM_RAM_BASE + PRIV);
	assert_int_equal(info.shared_size, SHARED);
	assert_string_equal(info.name, "abi");
	assert_int_equal(ram[0x2000 + sizeof(info)], 0xee); /* nothing written past the size */
}

static void vm_info_errors(void **state)
{
	u64 end = VM_RAM_BASE + PRIV + SHARED;

	assert_int_equal(call(MOAT_HC_VM_INFO, VM_RAM_BASE, MOAT_VM_INFO_SIZE - 1, 0, 0, 0, 0),
			 MOAT_BAD_SIZE);
	assert_int_equal(call(MOAT_HC_VM_INFO, end - 8, MOAT_VM_INFO_SIZE, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(MOAT_HC_VM_INFO, 0, MOAT_VM_INFO_SIZE, 0, 0, 0, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(call(MOAT_HC_VM_INFO, VM_RAM_BASE, MOAT_VM_INFO_SIZE, 0, 0, 0, 9),
			 MOAT_INVALID_PARAM);
}

static void vcpu_state_checks_handles_against_caller(void **state)
{
	assert_int_equal(call(MOAT_HC_VCPU_STATE, vcpu_handle(&vm.vcpu[0]), 0, 0, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(r[1], MOAT_VCPU_ON);
	assert_int_equal(call(MOAT_HC_VCPU_STATE, vcpu_handle(&vm.vcpu[1]), 0, 0, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(r[1], MOAT_VCPU_OFF);
	vm.vcpu[1].power = VCPU_ON_PENDING;
	assert_int_equal(call(MOAT_HC_VCPU_STATE, vcpu_handle(&vm.vcpu[1]), 0, 0, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(r[1], MOAT_VCPU_ON_PENDING);
	/* Another VM's vCPU, an index past nvcpus, junk in the upper bits. */
	assert_int_equal(call(MOAT_HC_VCPU_STATE, vcpu_handle(&other.vcpu[0]), 0, 0, 0, 0, 0),
			 MOAT_BAD_HANDLE);
	assert_int_equal(call(MOAT_HC_VCPU_STATE, (3 << 16) | 2, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	assert_int_equal(call(MOAT_HC_VCPU_STATE, (1ULL << 40) | (3 << 16), 0, 0, 0, 0, 0),
			 MOAT_BAD_HANDLE);
	assert_int_equal(call(MOAT_HC_VCPU_STATE, 0, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	assert_int_equal(call(MOAT_HC_VCPU_STATE, vcpu_handle(&vm.vcpu[0]), 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
}

static void shared_check_requires_shared_ram(void **state)
{
	assert_int_equal(call(MOAT_HC_SHARED_CHECK, VM_RAM_BASE + PRIV, SHARED, 0, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(call(MOAT_HC_SHARED_CHECK, VM_RAM_BASE, 4096, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS); /* private */
	assert_int_equal(call(MOAT_HC_SHARED_CHECK, VM_RAM_BASE + PRIV, SHARED + 4096, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(MOAT_HC_SHARED_CHECK, VM_RAM_BASE + PRIV + 1, 4096, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(MOAT_HC_SHARED_CHECK, VM_RAM_BASE + PRIV, 0, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(MOAT_HC_SHARED_CHECK, ~0xfffULL, 0x2000, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
}

static void vm_without_shared_ram_has_none(void **state)
{
	struct vm_config c = vcfg;
	struct vm solo;

	c.shared_size = 0;
	vm_init(&solo, 5, &c, pa((u64)(uintptr_t)ram));
	u64 in[HC_NREGS] = { MOAT_HC_SHARED_CHECK, VM_RAM_BASE + PRIV, 4096 };
	hypercall_dispatch(&solo.vcpu[0], in);
	assert_int_equal((int64_t)in[0], MOAT_BAD_ADDRESS);
	assert_int_equal(vm_gpa_kind(&solo, gpa(VM_RAM_BASE + PRIV)), 0);
	assert_int_equal(vm_gpa_kind(&vm, gpa(VM_RAM_BASE + PRIV)), VM_MEM_SHARED);
	assert_int_equal(vm_gpa_kind(&vm, gpa(VM_RAM_BASE)), VM_MEM_PRIVATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(version_reports_abi_and_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(features_knows_every_function_and_no_other, setup,
						teardown),
		cmocka_unit_test_setup_teardown(null_call_succeeds_and_checks_reserved, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unknown_functions_are_not_supported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(console_write_prints_with_vm_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(console_keeps_partial_lines_until_flushed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(console_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(vm_info_fills_sized_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(vm_info_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(vcpu_state_checks_handles_against_caller, setup,
						teardown),
		cmocka_unit_test_setup_teardown(shared_check_requires_shared_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(vm_without_shared_ram_has_none, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
