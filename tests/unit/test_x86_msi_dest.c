// SPDX-License-Identifier: MIT
/*
 * A guest's x86 MSI message and the vCPU and vector it names (arch/x86/vmsi_msg.c), with the
 * compatibility-format layouts of Intel SDM vol. 3 11.11.1 (address: 0xfee, destination 19:12,
 * RH bit 3, DM bit 2) and 11.11.2 (data: trigger 15, level 14, delivery mode 10:8, vector
 * 7:0), and the interrupt numbers arch_vm_raise_spi() carries.
 */
#include "test_util.h"

#include "arch/x86/vmsi_msg.h"
#include "lib/err.h"

/* The message's vCPU and vector in a VM of `nvcpus` vCPUs, or the error. */
static int named(u32 addr, u32 data, unsigned nvcpus, unsigned *vcpu, u8 *vec)
{
	unsigned intid;
	int err = x86_msi_target(addr, 0, data, &intid);

	if (!err)
		x86_intid_target(intid, nvcpus, vcpu, vec);
	return err;
}

static void physical_destination_is_the_vcpu(void **state)
{
	unsigned vcpu = 99;
	u8 vec = 0;

	(void)state;
	assert_int_equal(named(0xfee01000, 0x0041, 4, &vcpu, &vec), 0); /* APIC 1, fixed, 0x41 */
	assert_int_equal(vcpu, 1);
	assert_int_equal(vec, 0x41);
	assert_int_equal(named(0xfee03008, 0x0155, 4, &vcpu, &vec), 0); /* RH, lowest prio */
	assert_int_equal(vcpu, 3);
	assert_int_equal(vec, 0x55);
	assert_int_equal(named(0xfee00000, 0xc0ef, 4, &vcpu, &vec), 0); /* level, asserted */
	assert_int_equal(vcpu, 0);
	assert_int_equal(vec, 0xef);
}

static void destination_naming_no_vcpu_is_vcpu0(void **state)
{
	unsigned vcpu = 99;
	u8 vec = 0;

	(void)state;
	assert_int_equal(named(0xfee03000, 0x0041, 2, &vcpu, &vec), 0); /* APIC 3 of 2 vCPUs */
	assert_int_equal(vcpu, 0);
	assert_int_equal(vec, 0x41);
	assert_int_equal(named(0xfeeff000, 0x0042, 4, &vcpu, &vec), 0); /* broadcast */
	assert_int_equal(vcpu, 0);
	assert_int_equal(vec, 0x42);
}

static void logical_destination_is_the_lowest_named(void **state)
{
	unsigned vcpu = 99;
	u8 vec = 0;

	(void)state;
	assert_int_equal(named(0xfee0c004, 0x0043, 4, &vcpu, &vec), 0); /* IDs 2 and 3 */
	assert_int_equal(vcpu, 2);
	assert_int_equal(named(0xfee80004, 0x0043, 4, &vcpu, &vec), 0); /* ID 7 of 4 vCPUs */
	assert_int_equal(vcpu, 0);
	assert_int_equal(named(0xfee00004, 0x0043, 4, &vcpu, &vec), 0); /* nobody named */
	assert_int_equal(vcpu, 0);
}

static void messages_the_vm_may_not_send_are_refused(void **state)
{
	unsigned intid = 12345;

	(void)state;
	assert_int_equal(x86_msi_target(0xfee00000, 1, 0x41, &intid), -E_PERM); /* above 4G */
	assert_int_equal(x86_msi_target(0xfed00000, 0, 0x41, &intid), -E_PERM);
	assert_int_equal(x86_msi_target(0xfee00010, 0, 0x41, &intid), -E_PERM);	   /* remappable */
	assert_int_equal(x86_msi_target(0xfee00000, 0, 0x0241, &intid), -E_RANGE); /* SMI */
	assert_int_equal(x86_msi_target(0xfee00000, 0, 0x0441, &intid), -E_RANGE); /* NMI */
	assert_int_equal(x86_msi_target(0xfee00000, 0, 0x0541, &intid), -E_RANGE); /* INIT */
	assert_int_equal(x86_msi_target(0xfee00000, 0, 0x0741, &intid), -E_RANGE); /* ExtINT */
	assert_int_equal(x86_msi_target(0xfee00000, 0, 0x001f, &intid), -E_RANGE); /* exception */
	assert_int_equal(intid, 12345); /* nothing written on a refusal */
}

static void fault_queue_numbers_go_to_vcpu0(void **state)
{
	unsigned vcpu = 99;
	u8 vec = 0;

	(void)state;
	x86_intid_target(40, 4, &vcpu, &vec); /* VIOMMU_FAULTQ's number: a bare vector */
	assert_int_equal(vcpu, 0);
	assert_int_equal(vec, 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(physical_destination_is_the_vcpu),
		cmocka_unit_test(destination_naming_no_vcpu_is_vcpu0),
		cmocka_unit_test(logical_destination_is_the_lowest_named),
		cmocka_unit_test(messages_the_vm_may_not_send_are_refused),
		cmocka_unit_test(fault_queue_numbers_go_to_vcpu0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
