// SPDX-License-Identifier: MIT
/* Loading the images a configuration names into a VM's private RAM (guest boot protocol). */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "arch/host/vm_host.h"
#include "vmm/vm_fdt.h"
#include "vmm/vm_load.h"
#include "lib/err.h"

#define PRIV (8ULL << 20)

static struct vm vm;
static struct vm_config cfg;
static struct boot_info bi;
static u8 *ram;
static const u8 kernel[] = { 0x1f, 0x20, 0x03, 0xd5, 0xc0, 0x03, 0x5f, 0xd6 };
static u8 initrd[10000];
static u8 module_dtb[64];

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	test_log_reset();
	ram = aligned_alloc(4096, PRIV);
	assert_non_null(ram);
	memset(ram, 0, PRIV);
	memset(&cfg, 0, sizeof(cfg));
	memset(&bi, 0, sizeof(bi));
	strcpy(cfg.name, "ld");
	cfg.private_size = PRIV;
	cfg.nvcpus = 1;
	cfg.kernel.data = kernel;
	cfg.kernel.size = sizeof(kernel);
	memset(initrd, 0x5a, sizeof(initrd));
	memset(module_dtb, 0xd7, sizeof(module_dtb));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	host_vm_layout = (struct vm_layout){ gpa(VM_RAM_BASE), 0, true };
	free(ram);
	return 0;
}

static void add_module(const char *name, const void *p, u64 size)
{
	strcpy(bi.modules[bi.nmodules].name, name);
	bi.modules[bi.nmodules].base = pa((u64)(uintptr_t)p);
	bi.modules[bi.nmodules].size = size;
	bi.nmodules++;
}

static int load(void)
{
	vm_init(&vm, 1, &cfg, pa((u64)(uintptr_t)ram));
	return vm_load_images(&vm, &bi);
}

static void kernel_at_ram_base_and_generated_dtb_at_top(void **state)
{
	assert_int_equal(load(), 0);
	assert_memory_equal(ram, kernel, sizeof(kernel));
	assert_int_equal(vm.vcpu[0].boot_pc, VM_RAM_BASE);
	assert_int_equal(vm.vcpu[0].boot_ctx, VM_RAM_BASE + PRIV - VM_FDT_MAX);
	assert_int_equal(fdt_check_full(ram + PRIV - VM_FDT_MAX, VM_FDT_MAX), 0);
	assert_true(fdt_path_offset(ram + PRIV - VM_FDT_MAX, "/hypervisor") >= 0);
}

static void initrd_module_below_dtb_and_named_in_chosen(void **state)
{
	const void *dtb = ram + PRIV - VM_FDT_MAX;
	u64 start = ALIGN_DOWN(PRIV - VM_FDT_MAX - sizeof(initrd), PAGE_SIZE);
	int len;

	strcpy(cfg.initrd.module, "rootfs");
	add_module("other", kernel, sizeof(kernel));
	add_module("rootfs", initrd, sizeof(initrd));
	assert_int_equal(load(), 0);
	assert_memory_equal(ram + start, initrd, sizeof(initrd));
	const void *s =
		fdt_getprop(dtb, fdt_path_offset(dtb, "/chosen"), "linux,initrd-start", &len);
	fdt64_t v;
	assert_non_null(s);
	assert_int_equal(len, 8);
	memcpy(&v, s, 8); /* properties are only 4-byte aligned */
	assert_int_equal(fdt64_to_cpu(v), VM_RAM_BASE + start);
}

static void kernel_module_and_given_dtb(void **state)
{
	cfg.kernel.data = NULL;
	cfg.kernel.size = 0;
	strcpy(cfg.kernel.module, "k.bin");
	strcpy(cfg.dtb.module, "d.dtb");
	add_module("k.bin", kernel, sizeof(kernel));
	add_module("d.dtb", module_dtb, sizeof(module_dtb));
	assert_int_equal(load(), 0);
	assert_memory_equal(ram, kernel, sizeof(kernel));
	assert_memory_equal(ram + PRIV - VM_DTB_SLOT, module_dtb, sizeof(module_dtb));
	assert_int_equal(vm.vcpu[0].boot_ctx, VM_RAM_BASE + PRIV - VM_DTB_SLOT);
}

static void missing_or_empty_modules_are_errors(void **state)
{
	strcpy(cfg.initrd.module, "nope");
	assert_int_equal(load(), -E_NOENT);
	assert_true(test_log_has("ld: initrd: boot module not found"));
	cfg.initrd.module[0] = '\0';
	cfg.kernel.data = NULL;
	strcpy(cfg.kernel.module, "empty");
	add_module("empty", kernel, 0);
	assert_int_equal(load(), -E_INVAL);
	assert_true(test_log_has("ld: kernel: empty image"));
}

static void images_that_do_not_fit_are_refused(void **state)
{
	u8 *big = calloc(1, PRIV);

	assert_non_null(big);
	cfg.kernel.data = big;
	cfg.kernel.size = PRIV - VM_FDT_MAX + 1; /* would overlap the DTB */
	assert_int_equal(load(), -E_RANGE);
	assert_true(test_log_has("ld: kernel: 8323073 bytes do not fit in private RAM"));
	cfg.kernel.size = 4096;
	strcpy(cfg.initrd.module, "huge");
	add_module("huge", big, PRIV);
	assert_int_equal(load(), -E_RANGE);
	assert_true(test_log_has("ld: initrd: does not fit"));
	/* A given DTB needs 2 MiB at the top and as much below it. */
	cfg.initrd.module[0] = '\0';
	cfg.private_size = 2ULL << 20;
	cfg.dtb.data = module_dtb;
	cfg.dtb.size = sizeof(module_dtb);
	assert_int_equal(load(), -E_RANGE);
	assert_true(test_log_has("ld: dtb: private RAM too small"));
	free(big);
}

/* The x86 map (vmb_vm_layout: RAM from 0, the kernel at 1 MiB, no DTB): the kernel lands at
 * 1 MiB, the initrd at the top of private RAM, and nothing is written where a DTB would go. */
static void x86_layout_kernel_at_1mib_and_no_dtb(void **state)
{
	u64 rd = ALIGN_DOWN(PRIV - sizeof(initrd), 4096);
	static const u8 zero[64];
	u8 *big = calloc(1, (1ULL << 20) + 4096);

	(void)state;
	host_vm_layout = (struct vm_layout){ gpa(0), 0x100000, false };
	strcpy(cfg.initrd.module, "rd");
	add_module("rd", initrd, sizeof(initrd));
	assert_int_equal(load(), 0);
	assert_int_equal(vm.priv.base.v, 0);
	assert_memory_equal(ram + 0x100000, kernel, sizeof(kernel));
	assert_memory_equal(ram, zero, sizeof(zero)); /* nothing below the kernel offset */
	assert_int_equal(vm.vcpu[0].boot_pc, 0x100000);
	assert_int_equal(vm.vcpu[0].boot_ctx, rd);
	assert_memory_equal(ram + rd, initrd, sizeof(initrd));
	assert_int_not_equal(fdt_check_header(ram + PRIV - VM_FDT_MAX), 0);
	/* an initrd that would reach below the kernel offset, RAM that ends at it: refused */
	cfg.private_size = 2ULL << 20;
	add_module("big", big, (1ULL << 20) + 1);
	strcpy(cfg.initrd.module, "big");
	assert_int_equal(load(), -E_RANGE);
	assert_true(test_log_has("ld: initrd: does not fit"));
	cfg.initrd.module[0] = '\0';
	cfg.private_size = 1ULL << 20;
	assert_int_equal(load(), -E_RANGE);
	assert_true(test_log_has("ld: kernel: private RAM too small"));
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kernel_at_ram_base_and_generated_dtb_at_top, setup,
						teardown),
		cmocka_unit_test_setup_teardown(initrd_module_below_dtb_and_named_in_chosen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(kernel_module_and_given_dtb, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_or_empty_modules_are_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(images_that_do_not_fit_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(x86_layout_kernel_at_1mib_and_no_dtb, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
