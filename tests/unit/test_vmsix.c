// SPDX-License-Identifier: MIT
/*
 * MSI-X virtualization (vmm/vmsix.c): the capability from the device checked against its BARs,
 * the guest's virtual table, and delivery: a message becomes an SPI of the guest's own VM only
 * when the entry names the VM's doorbell and one of its message SPIs; another target or an
 * out-of-range vector is refused and nothing is raised anywhere.
 */
#include <string.h>

#include "test_util.h"

#include "vmm/vm_mmio.h"
#include "vmm/vmsix.h"
#include "lib/err.h"

static struct vm a, b;
static struct vm_config acfg = { .name = "a", .private_size = 2 << 20, .nvcpus = 2 };
static struct vm_config bcfg = { .name = "b", .private_size = 2 << 20, .nvcpus = 2 };
static struct vmsix m;
static const u64 bars[6] = { 0x4000, 0, 0, 0, 0x1000, 0 };
/* 8 vectors, table at BAR4+0, PBA at BAR4+0x800. */
static const u32 cap[3] = { 0x00070011, 0x00000004, 0x00000804 };

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	test_log_reset();
	vm_init(&a, 1, &acfg, pa(0x80000000));
	vm_init(&b, 2, &bcfg, pa(0x90000000));
	assert_int_equal(vmsix_parse(&m, 0xb0, cap, bars), 0);
	return 0;
}

static void wr(u64 off, u64 v)
{
	assert_true(vmsix_table_access(&a, &m, 4, off, true, 4, &v));
}

static u64 rd(u64 off, unsigned size)
{
	u64 v = 0;

	assert_true(vmsix_table_access(&a, &m, 4, off, false, size, &v));
	return v;
}

static void program(unsigned vec, u64 addr, u32 data, bool masked)
{
	wr(vec * 16 + 0, (u32)addr);
	wr(vec * 16 + 4, addr >> 32);
	wr(vec * 16 + 8, data);
	wr(vec * 16 + 12, masked);
}

static void enable(void)
{
	vmsix_cfg_write(&a, &m, 0xb0, 0xffff0000u, VMSIX_CTRL_ENABLE << 16);
}

static u64 pending_all(const struct vm *vm)
{
	u64 p = 0;

	for (unsigned i = 0; i < vm->nvcpus; i++)
		p |= vm->vcpu[i].vgic.pending;
	return p;
}

static void capability_is_checked_against_the_bars(void **state)
{
	struct vmsix t = { .nvec = 7 };
	u32 c[3];

	(void)state;
	assert_int_equal(m.nvec, 8);
	assert_int_equal(m.table_bir, 4);
	assert_int_equal(m.pba_off, 0x800);
	memcpy(c, cap, sizeof(c));
	c[0] = 0x00800011; /* 129 vectors */
	assert_int_equal(vmsix_parse(&t, 0xb0, c, bars), -E_NOTSUP);
	c[0] = cap[0];
	c[1] = 0x00000ff4; /* table runs past the 4 KiB BAR */
	assert_int_equal(vmsix_parse(&t, 0xb0, c, bars), -E_INVAL);
	c[1] = 0xfffffff4; /* offset + length overflows */
	assert_int_equal(vmsix_parse(&t, 0xb0, c, bars), -E_INVAL);
	c[1] = 0x00000001; /* BAR 1 does not exist */
	assert_int_equal(vmsix_parse(&t, 0xb0, c, bars), -E_INVAL);
	c[1] = 0x00000006; /* BIR 6: reserved */
	assert_int_equal(vmsix_parse(&t, 0xb0, c, bars), -E_INVAL);
	c[1] = 0x00000804; /* table on top of the PBA */
	assert_int_equal(vmsix_parse(&t, 0xb0, c, bars), -E_INVAL);
	c[1] = cap[1];
	c[0] = 0x00070005; /* not an MSI-X capability (MSI) */
	assert_int_equal(vmsix_parse(&t, 0xb0, c, bars), -E_INVAL);
	assert_int_equal(t.nvec, 7); /* refused: unchanged */
}

static void capability_shows_a_virtual_message_control(void **state)
{
	(void)state;
	assert_int_equal(vmsix_cfg_read(&m, 0xb0, 0xdeadbeef, 0x00), 0x00070011);
	enable();
	vmsix_cfg_write(&a, &m, 0xb0, 0xffff0000u, 0xc000u << 16);
	assert_int_equal(vmsix_cfg_read(&m, 0xb0, 0, 0x40), 0xc0074011);
	assert_int_equal(vmsix_cfg_read(&m, 0xb4, 0x4, 0), 0x4); /* Table Offset/BIR */
}

static void a_programmed_vector_raises_the_guests_spi(void **state)
{
	u64 v = 1; /* IROUTER of the SPI: vCPU 1 */

	(void)state;
	assert_true(vm_mmio_access(&a.vcpu[0], VM_GICD_BASE + 0x6000 + 8 * (VGIC_MBI_BASE + 3),
				   true, 8, &v));
	program(2, VMSIX_DOORBELL, VGIC_MBI_BASE + 3, false);
	assert_int_equal(rd(2 * 16 + 8, 4), VGIC_MBI_BASE + 3);
	assert_int_equal(rd(2 * 16, 8), VMSIX_DOORBELL);
	assert_int_equal(vmsix_fire(&a, &m, 2), 0); /* MSI-X not enabled yet: pending */
	assert_int_equal(pending_all(&a), 0);
	assert_int_equal(rd(0x800, 4), 1u << 2); /* the PBA shows it */
	enable();				 /* now it goes out */
	assert_int_equal(a.vcpu[1].vgic.pending, 1ULL << (VGIC_MBI_BASE + 3));
	assert_int_equal(rd(0x800, 4), 0);
	a.vcpu[1].vgic.pending = 0;
	assert_int_equal(vmsix_fire(&a, &m, 2), 0);
	assert_int_equal(a.vcpu[1].vgic.pending, 1ULL << (VGIC_MBI_BASE + 3));
	assert_int_equal(pending_all(&b), 0);
}

/* A guest entry naming anything but its own doorbell and message SPIs reaches nobody. */
static void another_target_or_vector_is_refused(void **state)
{
	unsigned intid;

	(void)state;
	enable();
	program(0, 0x08090040, VGIC_MBI_BASE, false); /* an ITS translater, not the VM's vGIC */
	assert_int_equal(vmsix_target(&m, 0, &intid), -E_PERM);
	program(1, VMSIX_DOORBELL | 1ULL << 32, VGIC_MBI_BASE, false); /* high bits set */
	assert_int_equal(vmsix_target(&m, 1, &intid), -E_PERM);
	program(2, VMSIX_DOORBELL, VGIC_INTID_UART, false); /* the UART's SPI */
	assert_int_equal(vmsix_target(&m, 2, &intid), -E_RANGE);
	program(3, VMSIX_DOORBELL, 5, false); /* an SGI */
	assert_int_equal(vmsix_target(&m, 3, &intid), -E_RANGE);
	program(4, VMSIX_DOORBELL, VGIC_MBI_BASE + VGIC_MBI_COUNT, false);
	assert_int_equal(vmsix_target(&m, 4, &intid), -E_RANGE);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(vmsix_fire(&a, &m, i), 0);
	assert_int_equal(pending_all(&a) | pending_all(&b), 0);
	assert_true(test_log_has("a: MSI-X vector 0: address 0x0000000008090040 data 0x30"));
	assert_int_equal(vmsix_fire(&a, &m, 8), -E_RANGE); /* the table has 8 */
	assert_int_equal(vmsix_target(&m, 8, &intid), -E_RANGE);
	assert_int_equal(vmsix_fire(&a, &m, 1000), -E_RANGE);
	assert_int_equal(pending_all(&a) | pending_all(&b), 0);
}

/* Two VMs with the same GPA layout: a message of a's function only ever reaches a's vCPUs,
 * whatever the guest put in its IROUTER. */
static void only_the_owning_vms_vcpus_are_reached(void **state)
{
	u64 v = 5; /* Aff0 5: a has 2 vCPUs, so vCPU 0 takes it (vgic_spi_target) */

	(void)state;
	assert_true(
		vm_mmio_access(&a.vcpu[0], VM_GICD_BASE + 0x6000 + 8 * VGIC_MBI_BASE, true, 8, &v));
	enable();
	program(0, VMSIX_DOORBELL, VGIC_MBI_BASE, false);
	assert_int_equal(vmsix_fire(&a, &m, 0), 0);
	assert_int_equal(a.vcpu[0].vgic.pending, 1ULL << VGIC_MBI_BASE);
	assert_int_equal(pending_all(&b), 0);
}

static void masks_hold_messages_until_cleared(void **state)
{
	(void)state;
	enable();
	program(6, VMSIX_DOORBELL, VGIC_MBI_BASE + 1, true);
	assert_int_equal(vmsix_fire(&a, &m, 6), 0);
	assert_int_equal(pending_all(&a), 0);
	wr(6 * 16 + 12, 0); /* unmask: the pending message goes out */
	assert_int_equal(pending_all(&a), 1ULL << (VGIC_MBI_BASE + 1));
	a.vcpu[0].vgic.pending = 0;
	vmsix_cfg_write(&a, &m, 0xb0, 0xffff0000u, (VMSIX_CTRL_ENABLE | VMSIX_CTRL_MASKALL) << 16);
	assert_int_equal(vmsix_fire(&a, &m, 6), 0);
	assert_int_equal(pending_all(&a), 0);
	enable(); /* Function Mask cleared */
	assert_int_equal(pending_all(&a), 1ULL << (VGIC_MBI_BASE + 1));
}

static void table_accesses_are_dwords_or_aligned_qwords(void **state)
{
	u64 v = 0;

	(void)state;
	assert_false(vmsix_table_access(&a, &m, 4, 0, false, 1, &v));
	assert_false(vmsix_table_access(&a, &m, 4, 0, false, 2, &v));
	assert_false(vmsix_table_access(&a, &m, 4, 2, false, 4, &v));
	assert_false(vmsix_table_access(&a, &m, 4, 4, false, 8, &v));
	assert_false(vmsix_table_access(&a, &m, 4, 8 * 16, false, 4, &v)); /* past vector 7 */
	assert_false(vmsix_table_access(&a, &m, 0, 0, false, 4, &v));	   /* another BAR */
	assert_true(vmsix_claims(&m, 4, 0x800, 4));			   /* the PBA */
	assert_false(vmsix_claims(&m, 4, 0x808, 4));
	v = 0xffffffff;
	assert_true(vmsix_table_access(&a, &m, 4, 0x800, true, 4, &v)); /* PBA: write dropped */
	assert_int_equal(rd(0x800, 4), 0);
	assert_int_equal(rd(12, 4), 1); /* reset: masked */
}

/* QEMU's nvme has 65 vectors: the 65th has its own PBA qword. */
static void a_table_past_64_vectors_works(void **state)
{
	const u32 c65[3] = { 0x00400011, 0x00002000, 0x00003000 };
	const u64 b0[6] = { 0x4000 };
	u64 v = 0;

	(void)state;
	assert_int_equal(vmsix_parse(&m, 0x60, c65, b0), 0);
	assert_int_equal(m.nvec, 65);
	assert_int_equal(vmsix_fire(&a, &m, 64), 0); /* masked: pending */
	assert_true(vmsix_table_access(&a, &m, 0, 0x3008, false, 4, &v));
	assert_int_equal(v, 1);
	assert_true(vmsix_table_access(&a, &m, 0, 0x2000 + 64 * 16, false, 4, &v));
	assert_false(vmsix_table_access(&a, &m, 0, 0x2000 + 65 * 16, false, 4, &v));
}

/* What the physical side unmasks (vmsix_live): only a deliverable entry of this table. */
static void only_deliverable_vectors_go_live(void **state)
{
	(void)state;
	program(0, VMSIX_DOORBELL, VGIC_MBI_BASE, false);
	program(1, 0x08090040, VGIC_MBI_BASE, false);	     /* not the VM's doorbell */
	program(2, VMSIX_DOORBELL, VGIC_INTID_UART, false);  /* not a message SPI */
	program(3, VMSIX_DOORBELL, VGIC_MBI_BASE + 1, true); /* masked */
	assert_false(vmsix_live(&m, 0));		     /* MSI-X not enabled */
	enable();
	assert_true(vmsix_live(&m, 0));
	assert_false(vmsix_live(&m, 1));
	assert_false(vmsix_live(&m, 2));
	assert_false(vmsix_live(&m, 3));
	assert_false(vmsix_live(&m, 8)); /* out of range */
	assert_false(vmsix_live(&m, 1000));
	vmsix_cfg_write(&a, &m, 0xb0, 0xffff0000u, (VMSIX_CTRL_ENABLE | VMSIX_CTRL_MASKALL) << 16);
	assert_false(vmsix_live(&m, 0));
}

/* The physical vector's handler raises the guest's SPI in the table's own VM. */
static void a_physical_message_raises_the_owners_spi(void **state)
{
	u64 v = 1;

	(void)state;
	m.vm = &a;
	m.pvec[5] = (struct vmsix_pvec){ &m, 5 };
	assert_true(vm_mmio_access(&a.vcpu[0], VM_GICD_BASE + 0x6000 + 8 * (VGIC_MBI_BASE + 4),
				   true, 8, &v));
	program(5, VMSIX_DOORBELL, VGIC_MBI_BASE + 4, false);
	enable();
	vmsix_pvec_fire(&m.pvec[5]);
	assert_int_equal(a.vcpu[1].vgic.pending, 1ULL << (VGIC_MBI_BASE + 4));
	assert_int_equal(pending_all(&b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(capability_is_checked_against_the_bars, setup),
		cmocka_unit_test_setup(capability_shows_a_virtual_message_control, setup),
		cmocka_unit_test_setup(a_programmed_vector_raises_the_guests_spi, setup),
		cmocka_unit_test_setup(another_target_or_vector_is_refused, setup),
		cmocka_unit_test_setup(only_the_owning_vms_vcpus_are_reached, setup),
		cmocka_unit_test_setup(masks_hold_messages_until_cleared, setup),
		cmocka_unit_test_setup(table_accesses_are_dwords_or_aligned_qwords, setup),
		cmocka_unit_test_setup(a_table_past_64_vectors_works, setup),
		cmocka_unit_test_setup(only_deliverable_vectors_go_live, setup),
		cmocka_unit_test_setup(a_physical_message_raises_the_owners_spi, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
