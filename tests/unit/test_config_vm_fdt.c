// SPDX-License-Identifier: MIT
/* The device tree Moat generates for a VM: read back with libfdt, node by node. */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "vmm/vm_fdt.h"
#include "guest_abi/moat_abi.h"
#include "lib/err.h"

static struct vm vm;
static struct vm_config cfg = { .name = "fdt",
				.private_size = 32 << 20,
				.shared_size = 4 << 20,
				.nvcpus = 3,
				.bootargs = "console=ttyAMA0" };
static u8 buf[VM_FDT_MAX];

static u64 cells64(const fdt32_t *c)
{
	return (u64)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

static const void *prop(const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(buf, path);
	const void *v;

	assert_true(node >= 0);
	v = fdt_getprop(buf, node, name, len);
	assert_non_null(v);
	return v;
}

static void describes_memory_cpus_and_devices(void **state)
{
	int len;
	const fdt32_t *reg;

	vm_init(&vm, 7, &cfg, pa(0x80000000));
	assert_int_equal(vm_fdt_build(&vm, buf, sizeof(buf), 0x41000000, 0x5000), 0);
	assert_int_equal(fdt_check_full(buf, sizeof(buf)), 0);
	reg = prop("/memory@40000000", "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(cells64(reg), VM_RAM_BASE);
	assert_int_equal(cells64(reg + 2), 32 << 20);
	assert_int_equal(cells64(reg + 4), VM_RAM_BASE + (32 << 20));
	assert_int_equal(cells64(reg + 6), 4 << 20);
	assert_true(fdt_path_offset(buf, "/cpus/cpu@2") >= 0);
	assert_true(fdt_path_offset(buf, "/cpus/cpu@3") < 0);
	assert_string_equal(prop("/cpus/cpu@1", "enable-method", &len), "psci");
	assert_string_equal(prop("/psci", "method", &len), "hvc");
	reg = prop("/interrupt-controller@8000000", "reg", &len);
	assert_int_equal(cells64(reg), VM_GICD_BASE);
	assert_int_equal(cells64(reg + 4), VM_GICR_BASE);
	assert_int_equal(cells64(reg + 6), 3 * VM_GICR_STRIDE);
	reg = prop("/timer", "interrupts", &len);
	assert_int_equal(len, 48);
	assert_int_equal(fdt32_to_cpu(reg[7]), 11); /* virtual timer: PPI 11 = INTID 27 */
	reg = prop("/pl011@9000000", "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(reg[1]) + 32, 33);
	assert_string_equal(prop("/chosen", "bootargs", &len), "console=ttyAMA0");
	assert_int_equal(cells64(prop("/chosen", "linux,initrd-start", &len)), 0x41000000);
	assert_int_equal(cells64(prop("/chosen", "linux,initrd-end", &len)), 0x41005000);
	assert_int_equal(fdt32_to_cpu(*(const fdt32_t *)prop("/hypervisor", "moat,vm-id", &len)),
			 7);
	assert_int_equal(
		fdt32_to_cpu(*(const fdt32_t *)prop("/hypervisor", "moat,abi-version", &len)),
		MOAT_ABI_VERSION);
}

static void omits_what_the_vm_does_not_have(void **state)
{
	struct vm_config c = cfg;
	int len;

	c.shared_size = 0;
	c.bootargs[0] = '\0';
	vm_init(&vm, 1, &c, pa(0x80000000));
	assert_int_equal(vm_fdt_build(&vm, buf, sizeof(buf), 0, 0), 0);
	prop("/memory@40000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_null(fdt_getprop(buf, fdt_path_offset(buf, "/chosen"), "bootargs", &len));
	assert_null(fdt_getprop(buf, fdt_path_offset(buf, "/chosen"), "linux,initrd-start", &len));
}

static void refuses_a_buffer_too_small(void **state)
{
	vm_init(&vm, 1, &cfg, pa(0x80000000));
	assert_int_equal(vm_fdt_build(&vm, buf, 256, 0, 0), -E_NOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(describes_memory_cpus_and_devices),
		cmocka_unit_test(omits_what_the_vm_does_not_have),
		cmocka_unit_test(refuses_a_buffer_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
