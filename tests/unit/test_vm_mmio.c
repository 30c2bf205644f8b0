// SPDX-License-Identifier: MIT
/*
 * The VM's emulated devices as the guest sees them: the GICv3 distributor and redistributor
 * registers, SGI routing, SPI routing, and the PL011 with its level-sensitive interrupt.
 * arch_vcpu_kick() is the arch hook; the fake arch counts calls in vcpu.arch.kicks.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "vmm/vm_mmio.h"

static struct vm vm;
static struct vm_config vcfg = { .name = "dev", .private_size = 2 << 20, .nvcpus = 3 };
static int setup(void **state)
{
	(void)state;
	test_log_capture();
	test_log_reset();
	vm_init(&vm, 1, &vcfg, pa(0x80000000));
	for (unsigned i = 0; i < vm.nvcpus; i++)
		vm.vcpu[i].power = VCPU_ON;
	return 0;
}

static u64 rd(unsigned cpu, u64 ipa, unsigned size)
{
	u64 v = 0xdeadbeef;

	assert_true(vm_mmio_access(&vm.vcpu[cpu], ipa, false, size, &v));
	return v;
}

static void wr(unsigned cpu, u64 ipa, unsigned size, u64 v)
{
	assert_true(vm_mmio_access(&vm.vcpu[cpu], ipa, true, size, &v));
}

#define GICD(off) (VM_GICD_BASE + (off))
#define GICR(cpu, off) (VM_GICR_BASE + (cpu)*VM_GICR_STRIDE + (off))

static void distributor_identifies_as_gicv3(void **state)
{
	assert_int_equal(rd(0, GICD(0xffe8), 4), 0x3b);
	assert_int_equal(rd(0, GICD(0x4), 4) & 0x1f, 1); /* 64 INTIDs */
	assert_int_equal((rd(0, GICD(0x4), 4) >> 19) & 0x1f, 9);
	assert_int_equal(rd(0, GICD(0x0), 4), 0x10); /* ARE fixed, groups off */
	wr(0, GICD(0x0), 4, 0x2);
	assert_int_equal(rd(0, GICD(0x0), 4), 0x12);
	assert_int_equal(rd(0, GICD(0x80), 4), 0xffffffff); /* group 1 only */
	assert_int_equal(rd(0, GICD(0x1000), 4), 0);	    /* unimplemented: RAZ */
}

static void redistributors_describe_each_vcpu(void **state)
{
	for (unsigned i = 0; i < 3; i++) {
		u64 typer = rd(0, GICR(i, 0x8), 8);
		assert_int_equal(typer >> 32, i);
		assert_int_equal((typer >> 8) & 0xffff, i);
		assert_int_equal(!!(typer & 0x10), i == 2); /* Last */
		assert_int_equal(rd(1, GICR(i, 0xc), 4), i);
		assert_int_equal(rd(0, GICR(i, 0xffe8), 4), 0x3b);
	}
	wr(0, GICR(1, 0x14), 4, 0x2);
	assert_int_equal(rd(0, GICR(1, 0x14), 4), 0x6); /* ProcessorSleep -> ChildrenAsleep */
	wr(0, GICR(1, 0x14), 4, 0);
	assert_int_equal(rd(0, GICR(1, 0x14), 4), 0);
}

static void enables_and_priorities_per_vcpu_and_for_spis(void **state)
{
	wr(0, GICD(0x0), 4, 0x2);
	wr(1, GICR(1, 0x10100), 4, 1u << 27);
	assert_true(vgic_irq_enabled(&vm.vcpu[1], 27));
	assert_false(vgic_irq_enabled(&vm.vcpu[0], 27));
	wr(1, GICR(1, 0x10180), 4, 1u << 27);
	assert_false(vgic_irq_enabled(&vm.vcpu[1], 27));
	wr(0, GICD(0x104), 4, 1u << 1);
	assert_true(vgic_irq_enabled(&vm.vcpu[2], 33));
	assert_int_equal(rd(0, GICD(0x104), 4), 2);
	assert_int_equal(rd(0, GICD(0x100), 4), 0); /* SGIs/PPIs live in the redistributors */
	wr(0, GICD(0x400 + 33), 1, 0x40);
	assert_int_equal(vgic_irq_prio(&vm.vcpu[0], 33), 0x40);
	wr(2, GICR(2, 0x10400 + 24), 8, 0x1122334455667788ULL);
	assert_int_equal(vgic_irq_prio(&vm.vcpu[2], 27), 0x55);
	assert_int_equal(rd(2, GICR(2, 0x10400 + 24), 4), 0x55667788);
	/* Disabled distributor: nothing is deliverable. */
	wr(0, GICD(0x0), 4, 0);
	assert_false(vgic_irq_enabled(&vm.vcpu[2], 33));
	assert_false(vgic_irq_enabled(&vm.vcpu[0], 64));
}

static void writes_tell_every_running_vcpu(void **state)
{
	vm.vcpu[2].power = VCPU_OFF;
	wr(0, GICD(0x104), 4, 2);
	assert_int_equal(vm.vcpu[0].arch.kicks, 1);
	assert_int_equal(vm.vcpu[1].arch.kicks, 1);
	assert_int_equal(vm.vcpu[2].arch.kicks, 0);
	(void)rd(0, GICD(0x104), 4);
	assert_int_equal(vm.vcpu[0].arch.kicks, 1);
}

static void spis_follow_irouter(void **state)
{
	wr(0, GICD(0x6000 + 8 * 33), 8, 2);
	assert_ptr_equal(vgic_spi_target(&vm, 33), &vm.vcpu[2]);
	wr(0, GICD(0x6000 + 8 * 33 + 4), 4, 0xff); /* Aff3 names no vCPU */
	assert_int_equal(rd(0, GICD(0x6000 + 8 * 33), 8), 0xff00000002ULL);
	assert_ptr_equal(vgic_spi_target(&vm, 33), &vm.vcpu[0]);
	wr(0, GICD(0x6000 + 8 * 34), 8, 7); /* past nvcpus */
	assert_ptr_equal(vgic_spi_target(&vm, 34), &vm.vcpu[0]);
	wr(0, GICD(0x6000 + 8 * 35), 8, 0x80000001ULL); /* IRM */
	assert_ptr_equal(vgic_spi_target(&vm, 35), &vm.vcpu[0]);
	wr(0, GICD(0x6000 + 8 * 36), 8, ~0ULL);
	assert_int_equal(rd(0, GICD(0x6000 + 8 * 36), 8), 0xff80ffffffULL); /* RES0 kept 0 */
	assert_ptr_equal(vgic_spi_target(&vm, 200), &vm.vcpu[0]);
}

static void sgis_reach_only_vcpus_of_the_vm(void **state)
{
	vgic_sgi(&vm.vcpu[0], (5ULL << 24) | 0x6); /* vCPUs 1 and 2 */
	assert_int_equal(vm.vcpu[1].vgic.pending, 1u << 5);
	assert_int_equal(vm.vcpu[2].vgic.pending, 1u << 5);
	assert_int_equal(vm.vcpu[0].vgic.pending, 0);
	vgic_sgi(&vm.vcpu[1], (7ULL << 24) | 1ULL << 40); /* IRM: all but self */
	assert_int_equal(vm.vcpu[0].vgic.pending, 1u << 7);
	assert_int_equal(vm.vcpu[1].vgic.pending, 1u << 5);
	assert_int_equal(vm.vcpu[0].arch.kicks, 1);
	assert_int_equal(vm.vcpu[1].arch.kicks, 1);
	assert_int_equal(vm.vcpu[2].arch.kicks, 2);
	vgic_sgi(&vm.vcpu[0], (1ULL << 24) | 1ULL << 16 | 1); /* Aff1 = 1: no such vCPU */
	vgic_sgi(&vm.vcpu[0], (1ULL << 24) | 0x8ULL);	      /* vCPU 3 does not exist */
	vgic_sgi(&vm.vcpu[0], (1ULL << 24) | 1ULL << 44 | 1); /* RS != 0 */
	assert_int_equal(vm.vcpu[0].arch.kicks + vm.vcpu[1].arch.kicks + vm.vcpu[2].arch.kicks, 4);
	vgic_raise(&vm.vcpu[0], 64);
	assert_int_equal(vm.vcpu[0].vgic.pending, 1u << 7);
}

static void refuses_bad_sizes_and_alignment(void **state)
{
	u64 v = 0;

	assert_false(vm_mmio_access(&vm.vcpu[0], GICD(0x2), false, 4, &v));
	assert_false(vm_mmio_access(&vm.vcpu[0], GICD(0x0), false, 2, &v));
	assert_false(vm_mmio_access(&vm.vcpu[0], GICD(0x0), false, 1, &v));
	assert_false(vm_mmio_access(&vm.vcpu[0], GICD(0x0), false, 3, &v));
	assert_false(vm_mmio_access(&vm.vcpu[0], GICR(3, 0), false, 4, &v)); /* 4th vCPU */
	assert_false(vm_mmio_access(&vm.vcpu[0], VM_UART_BASE, false, 1, &v));
	assert_false(vm_mmio_access(&vm.vcpu[0], VM_UART_BASE + 2, false, 4, &v));
	assert_false(vm_mmio_access(&vm.vcpu[0], 0x0a000000, false, 4, &v));
	assert_true(vm_mmio_is_emulated(&vm, GICR(2, 0x1fffc)));
	assert_false(vm_mmio_is_emulated(&vm, GICR(3, 0)));
	assert_false(vm_mmio_is_emulated(&vm, VM_RAM_BASE));
}

static void uart_prints_with_prefix_and_raises_level_interrupt(void **state)
{
	wr(0, GICD(0x6000 + 8 * 33), 8, 1);
	assert_int_equal(rd(0, VM_UART_BASE + 0x18, 4), 0x90); /* TXFE | RXFE */
	assert_int_equal(rd(0, VM_UART_BASE + 0xfe0, 4), 0x11);
	assert_int_equal(rd(0, VM_UART_BASE + 0xffc, 4), 0xb1);
	wr(0, VM_UART_BASE, 4, 'o');
	wr(0, VM_UART_BASE, 4, 'k');
	wr(0, VM_UART_BASE, 4, '\n');
	assert_true(test_log_has("[dev] ok\n"));
	assert_int_equal(vm.vcpu[1].vgic.pending, 0); /* masked */
	assert_int_equal(rd(0, VM_UART_BASE + 0x3c, 4), 0x20);
	assert_int_equal(rd(0, VM_UART_BASE + 0x40, 4), 0);
	wr(0, VM_UART_BASE + 0x38, 4, 0x20); /* unmask: the level rises */
	assert_true(vuart_line(&vm));
	assert_int_equal(vm.vcpu[1].vgic.pending, 1ULL << 33);
	assert_int_equal(rd(0, VM_UART_BASE + 0x40, 4), 0x20);
	wr(0, VM_UART_BASE + 0x44, 4, 0x20); /* clear */
	assert_false(vuart_line(&vm));
	vm.vcpu[1].vgic.pending = 0;
	wr(0, VM_UART_BASE, 4, 'x'); /* sent: asserted again */
	assert_int_equal(vm.vcpu[1].vgic.pending, 1ULL << 33);
}

static void reset_clears_device_state(void **state)
{
	wr(0, GICD(0x0), 4, 2);
	wr(0, GICD(0x104), 4, 2);
	wr(0, VM_UART_BASE + 0x38, 4, 0x20);
	vgic_raise(&vm.vcpu[2], 3);
	vm_mmio_reset(&vm);
	assert_int_equal(rd(0, GICD(0x0), 4), 0x10);
	assert_int_equal(rd(0, GICD(0x104), 4), 0);
	assert_int_equal(rd(0, VM_UART_BASE + 0x38, 4), 0);
	assert_int_equal(vm.vcpu[2].vgic.pending, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(distributor_identifies_as_gicv3, setup),
		cmocka_unit_test_setup(redistributors_describe_each_vcpu, setup),
		cmocka_unit_test_setup(enables_and_priorities_per_vcpu_and_for_spis, setup),
		cmocka_unit_test_setup(writes_tell_every_running_vcpu, setup),
		cmocka_unit_test_setup(spis_follow_irouter, setup),
		cmocka_unit_test_setup(sgis_reach_only_vcpus_of_the_vm, setup),
		cmocka_unit_test_setup(refuses_bad_sizes_and_alignment, setup),
		cmocka_unit_test_setup(uart_prints_with_prefix_and_raises_level_interrupt, setup),
		cmocka_unit_test_setup(reset_clears_device_state, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
