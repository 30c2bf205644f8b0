// SPDX-License-Identifier: MIT
/*
 * Guest device tree (Devicetree Specification v0.4; bindings: arm,gic-v3, arm,armv8-timer,
 * arm,psci-1.0, arm,pl011) describing the VM's fixed memory map from vmm/vm.h.
 */
#include "vmm/vm_fdt.h"

#include <libfdt.h>

#include "guest_abi/moat_abi.h"
#include "lib/err.h"
#include "lib/fmt.h"

#define PH_GIC 1
#define PH_CLK 2
#define GIC_PPI 1
#define GIC_SPI 0
#define IRQ_LEVEL_HIGH 4

/* fdt_* return 0 or a negative libfdt error: chain them, keeping the first failure. */
#define FDT_DO(err, call)               \
	do {                            \
		if (!(err))             \
			(err) = (call); \
	} while (0)

static int fdt_prop_cells(void *f, const char *name, const u32 *cells, unsigned n)
{
	u32 be[16];

	for (unsigned i = 0; i < n && i < 16; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	return fdt_property(f, name, be, (int)(4 * n));
}

/* A <addr-hi addr-lo size-hi size-lo> pair of 64-bit values (#address-cells = 2). */
static int fdt_prop_reg2(void *f, u64 a0, u64 s0, u64 a1, u64 s1, unsigned n)
{
	u32 c[8] = { (u32)(a0 >> 32), (u32)a0, (u32)(s0 >> 32), (u32)s0,
		     (u32)(a1 >> 32), (u32)a1, (u32)(s1 >> 32), (u32)s1 };

	return fdt_prop_cells(f, "reg", c, 4 * n);
}

static int fdt_begin(void *f, const char *name, u64 unit)
{
	char buf[48];

	fmt_snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)unit);
	return fdt_begin_node(f, buf);
}

static int vm_fdt_root(const struct vm *vm, void *f)
{
	int err = 0;

	FDT_DO(err, fdt_property_string(f, "compatible", "moat,virt"));
	FDT_DO(err, fdt_property_string(f, "model", "Moat VM"));
	FDT_DO(err, fdt_property_u32(f, "#address-cells", 2));
	FDT_DO(err, fdt_property_u32(f, "#size-cells", 2));
	FDT_DO(err, fdt_property_u32(f, "interrupt-parent", PH_GIC));
	FDT_DO(err, fdt_begin(f, "memory", vm->priv.base.v));
	FDT_DO(err, fdt_property_string(f, "device_type", "memory"));
	FDT_DO(err, fdt_prop_reg2(f, vm->priv.base.v, vm->priv.size, vm->shared.base.v,
				  vm->shared.size, vm->shared.size ? 2 : 1));
	FDT_DO(err, fdt_end_node(f));
	return err;
}

static int vm_fdt_cpus(const struct vm *vm, void *f)
{
	int err = 0;

	FDT_DO(err, fdt_begin_node(f, "cpus"));
	FDT_DO(err, fdt_property_u32(f, "#address-cells", 1));
	FDT_DO(err, fdt_property_u32(f, "#size-cells", 0));
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		FDT_DO(err, fdt_begin(f, "cpu", i));
		FDT_DO(err, fdt_property_string(f, "device_type", "cpu"));
		FDT_DO(err, fdt_property_string(f, "compatible", "arm,armv8"));
		FDT_DO(err, fdt_property_u32(f, "reg", i));
		FDT_DO(err, fdt_property_string(f, "enable-method", "psci"));
		FDT_DO(err, fdt_end_node(f));
	}
	FDT_DO(err, fdt_end_node(f));
	FDT_DO(err, fdt_begin_node(f, "psci"));
	FDT_DO(err, fdt_property(f, "compatible", "arm,psci-1.0\0arm,psci-0.2", 26));
	FDT_DO(err, fdt_property_string(f, "method", "hvc"));
	FDT_DO(err, fdt_end_node(f));
	return err;
}

static int vm_fdt_irq(const struct vm *vm, void *f)
{
	/* Timer PPIs: secure phys 13, non-secure phys 14, virtual 11, hyp 10 (PPI n = INTID 16+n) */
	const u32 timer[12] = { GIC_PPI, 13, IRQ_LEVEL_HIGH, GIC_PPI, 14, IRQ_LEVEL_HIGH,
				GIC_PPI, 11, IRQ_LEVEL_HIGH, GIC_PPI, 10, IRQ_LEVEL_HIGH };
	int err = 0;

	FDT_DO(err, fdt_begin(f, "interrupt-controller", VM_GICD_BASE));
	FDT_DO(err, fdt_property_string(f, "compatible", "arm,gic-v3"));
	FDT_DO(err, fdt_property_u32(f, "#interrupt-cells", 3));
	FDT_DO(err, fdt_property(f, "interrupt-controller", NULL, 0));
	FDT_DO(err, fdt_prop_reg2(f, VM_GICD_BASE, VM_GICD_SIZE, VM_GICR_BASE,
				  vm->nvcpus * VM_GICR_STRIDE, 2));
	FDT_DO(err, fdt_property_u32(f, "phandle", PH_GIC));
	FDT_DO(err, fdt_end_node(f));
	FDT_DO(err, fdt_begin_node(f, "timer"));
	FDT_DO(err, fdt_property_string(f, "compatible", "arm,armv8-timer"));
	FDT_DO(err, fdt_prop_cells(f, "interrupts", timer, 12));
	FDT_DO(err, fdt_end_node(f));
	return err;
}

static int vm_fdt_uart(void *f)
{
	const u32 irq[3] = { GIC_SPI, 33 - 32, IRQ_LEVEL_HIGH };
	const u32 clocks[2] = { PH_CLK, PH_CLK };
	int err = 0;

	FDT_DO(err, fdt_begin_node(f, "apb-pclk"));
	FDT_DO(err, fdt_property_string(f, "compatible", "fixed-clock"));
	FDT_DO(err, fdt_property_u32(f, "#clock-cells", 0));
	FDT_DO(err, fdt_property_u32(f, "clock-frequency", 24000000));
	FDT_DO(err, fdt_property_u32(f, "phandle", PH_CLK));
	FDT_DO(err, fdt_end_node(f));
	FDT_DO(err, fdt_begin(f, "pl011", VM_UART_BASE));
	FDT_DO(err, fdt_property(f, "compatible", "arm,pl011\0arm,primecell", 24));
	FDT_DO(err, fdt_prop_reg2(f, VM_UART_BASE, VM_UART_SIZE, 0, 0, 1));
	FDT_DO(err, fdt_prop_cells(f, "interrupts", irq, 3));
	FDT_DO(err, fdt_prop_cells(f, "clocks", clocks, 2));
	FDT_DO(err, fdt_property(f, "clock-names", "uartclk\0apb_pclk", 17));
	FDT_DO(err, fdt_end_node(f));
	return err;
}

static int vm_fdt_chosen(const struct vm *vm, void *f, u64 initrd, u64 initrd_size)
{
	const char *args = vm->cfg ? vm->cfg->bootargs : "";
	int err = 0;

	FDT_DO(err, fdt_begin_node(f, "chosen"));
	FDT_DO(err, fdt_property_string(f, "stdout-path", "/pl011@9000000"));
	if (args[0])
		FDT_DO(err, fdt_property_string(f, "bootargs", args));
	if (initrd_size) {
		FDT_DO(err, fdt_property_u64(f, "linux,initrd-start", initrd));
		FDT_DO(err, fdt_property_u64(f, "linux,initrd-end", initrd + initrd_size));
	}
	FDT_DO(err, fdt_end_node(f));
	FDT_DO(err, fdt_begin_node(f, "hypervisor"));
	FDT_DO(err, fdt_property_string(f, "compatible", "moat,hypervisor"));
	FDT_DO(err, fdt_property_u32(f, "moat,abi-version", MOAT_ABI_VERSION));
	FDT_DO(err, fdt_property_u32(f, "moat,vm-id", vm->id));
	FDT_DO(err, fdt_end_node(f));
	return err;
}

int vm_fdt_build(const struct vm *vm, void *buf, size_t size, u64 initrd_gpa, u64 initrd_size)
{
	int err = 0;

	if (size > VM_FDT_MAX)
		size = VM_FDT_MAX;
	FDT_DO(err, fdt_create(buf, (int)size));
	FDT_DO(err, fdt_finish_reservemap(buf));
	FDT_DO(err, fdt_begin_node(buf, ""));
	FDT_DO(err, vm_fdt_root(vm, buf));
	FDT_DO(err, vm_fdt_cpus(vm, buf));
	FDT_DO(err, vm_fdt_irq(vm, buf));
	FDT_DO(err, vm_fdt_uart(buf));
	FDT_DO(err, vm_fdt_chosen(vm, buf, initrd_gpa, initrd_size));
	FDT_DO(err, fdt_end_node(buf));
	FDT_DO(err, fdt_finish(buf));
	if (err == -FDT_ERR_NOSPACE)
		return -E_NOSPC;
	return err ? -E_INVAL : 0;
}
