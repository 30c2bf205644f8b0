// SPDX-License-Identifier: MIT
/*
 * The x86 guest environment (arch/x86/vboot.c, vacpi.c): the Linux 64-bit boot protocol
 * state checked byte by byte against zero-page.rst/boot.rst offsets, the identity map walked
 * by the reference IA-32e walker, and the generated ACPI tables read back by Moat's own
 * firmware-table parser (core/acpi.c, written for real firmware by another hand) plus the
 * spec's fixed fields.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "arch/x86/svm.h"
#include "arch/x86/vacpi.h"
#include "arch/x86/vboot.h"
#include "arch/x86/vio.h"
#include "core/acpi.h"
#include "core/platform.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "pt/ref_walk.h"

#define RAM (64ULL << 20)

static u8 *ram;
static u64 base;
static struct x86_boot_entry ent;

static int setup(void **state)
{
	struct x86_boot b = { 0, RAM, 2, 0x30000000, "console=ttyS0 moat.test=1" };

	(void)state;
	test_log_capture();
	ram = aligned_alloc(1 << 21, RAM);
	memset(ram, 0xcc, RAM);
	/* Guest-physical = host address, so the parsers can follow the tables' pointers. */
	base = (u64)(uintptr_t)ram;
	b.ram_base = base;
	assert_int_equal(x86_boot_build(ram, &b, &ent), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void boot_params_follow_the_protocol(void **state)
{
	const u8 *bp = ram + X86_BOOT_PARAMS;

	assert_int_equal(ent.rsi, base + 0x7000);
	assert_int_equal(ent.rip, base + 0x100000);
	assert_int_equal(get_le16(bp + 0x1fe), 0xaa55);
	assert_int_equal(get_le32(bp + 0x202), 0x53726448); /* "HdrS" */
	assert_int_equal(get_le16(bp + 0x206), 0x020f);
	assert_int_equal(bp[0x210], 0xff);
	assert_int_equal(get_le32(bp + 0x228), (u32)(base + 0x8000));
	assert_string_equal((const char *)(ram + 0x8000), "console=ttyS0 moat.test=1");
	assert_int_equal(get_le64(bp + 0x070), base + 0xe0000); /* acpi_rsdp_addr */
	/* e820: RAM below the ACPI area, ACPI, RAM from 1 MiB, the ECAM reserved */
	assert_int_equal(bp[0x1e8], 4);
	static const u64 want[4][3] = { { 0, 0xe0000, 1 },
					{ 0xe0000, 0x20000, 3 },
					{ 0x100000, RAM - 0x100000, 1 },
					{ 0, 0x100000, 2 } };
	for (unsigned i = 0; i < 4; i++) {
		const u8 *e = bp + 0x2d0 + 20 * i;
		u64 addr = i == 3 ? 0x30000000 : base + want[i][0];

		assert_int_equal(get_le64(e), addr);
		assert_int_equal(get_le64(e + 8), want[i][1]);
		assert_int_equal(get_le32(e + 16), want[i][2]);
	}
	(void)state;
}

static void low_memory_map_at_address_zero(void **state)
{
	struct x86_boot b = { 0, 8ULL << 20, 1, 0, NULL };
	u8 *low = aligned_alloc(4096, 8ULL << 20), *bp = low + X86_BOOT_PARAMS;
	struct x86_boot_entry e;

	assert_int_equal(x86_boot_build(low, &b, &e), 0);
	assert_int_equal(bp[0x1e8], 4);
	assert_int_equal(get_le64(bp + 0x2d0 + 8), 0x9fc00); /* conventional memory */
	assert_int_equal(get_le32(bp + 0x2d0 + 20 + 16), E820_RESERVED);
	assert_int_equal(e.rip, 0x100000);
	b.ram_size = 1ULL << 20;
	assert_int_equal(x86_boot_build(low, &b, &e), -E_RANGE);
	free(low);
	(void)state;
}

static void entry_is_long_mode_on_an_identity_map(void **state)
{
	struct ref_regs r = { .arch = REF_IA32E, .root = ent.cr3, .oa_bits = 52, .levels = 4 };
	static const u64 probes[] = { 0, 0x100000, 0x7fffffff, 0xfee00000, 0xffffffff };
	struct vmcb *v = aligned_alloc(4096, sizeof(*v));
	const u64 *gdt = (const u64 *)(ram + X86_BOOT_GDT);

	/* the page tables live at base + 0x9000, which the walker reads as host memory */
	for (unsigned i = 0; i < ARRAY_SIZE(probes); i++) {
		struct ref_result res;

		ref_walk(&r, probes[i], REF_ACC_R | REF_ACC_W | REF_ACC_X, &res);
		assert_int_equal(res.fault, REF_OK);
		assert_int_equal(res.out, probes[i]);
	}
	/* __BOOT_CS = 0x10: 64-bit code; __BOOT_DS = 0x18: flat data */
	assert_int_equal(ent.gdt_limit, 31);
	assert_int_equal(gdt[2] >> 40 & 0xff, 0x9b);
	assert_int_equal(gdt[2] >> 53 & 1, 1);
	assert_int_equal(gdt[3] >> 40 & 0xff, 0x93);
	svm_vmcb_init(v, 0, 0, 0);
	svm_vmcb_set_boot64(v, ent.rip, ent.cr3, ent.gdt, ent.gdt_limit);
	assert_int_equal(v->s.cs.attrib & 0xff, gdt[2] >> 40 & 0xff); /* hidden = descriptor */
	assert_int_equal(v->s.ds.attrib & 0xff, gdt[3] >> 40 & 0xff);
	free(v);
	(void)state;
}

static void acpi_tables_read_back_with_moats_parser(void **state)
{
	const u8 *rsdp = ram + X86_BOOT_ACPI;
	struct platform p;
	paddr_t sdt;
	bool xsdt;
	u8 rev;

	assert_int_equal(acpi_check_rsdp(rsdp, 36, &rev, &sdt, &xsdt), 0);
	assert_int_equal(rev, 2);
	assert_true(xsdt);
	memset(&p, 0, sizeof(p));
	assert_int_equal(platform_from_acpi(pa(base + X86_BOOT_ACPI), &p), 0);
	assert_int_equal(p.ncpus, 2);
	assert_int_equal(p.necam, 1);
	assert_int_equal(p.ecam[0].base.v, 0x30000000);
	assert_int_equal(p.ecam[0].size, 1ULL << 20);
	(void)state;
}

/* Finds a table by signature through the XSDT. */
static const u8 *table(const char *sig)
{
	const u8 *x = (const u8 *)(uintptr_t)get_le64(ram + X86_BOOT_ACPI + 24);

	for (u32 off = 36; off < get_le32(x + 4); off += 8) {
		const u8 *t = (const u8 *)(uintptr_t)get_le64(x + off);
		if (!memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

static void fadt_and_dsdt_fields(void **state)
{
	const u8 *f = table("FACP"), *d;
	struct platform p = { 0 };

	assert_non_null(f);
	assert_int_equal(acpi_check_table(f, 276, "FACP", 276), 0);
	assert_int_equal(get_le32(f + 4), 276);
	assert_int_equal(f[8], 6);
	assert_true(get_le32(f + 112) & 1u << 20); /* HW_REDUCED_ACPI */
	assert_true(get_le32(f + 112) & 1u << 10); /* RESET_REG_SUP */
	assert_int_equal(f[116], 1);		   /* RESET_REG: system I/O */
	assert_int_equal(get_le64(f + 120), 0xcf9);
	assert_int_equal(f[128], 0x06);
	assert_int_equal(f[244], 1); /* SLEEP_CONTROL_REG */
	assert_int_equal(get_le64(f + 248), X86_PM_SLEEP_CTL);
	assert_int_equal(get_le64(f + 260), X86_PM_SLEEP_STS);
	assert_int_equal(get_le32(f + 56), 0); /* no PM1a_EVT_BLK: hardware-reduced */
	d = (const u8 *)(uintptr_t)get_le64(f + 140);
	assert_int_equal(acpi_check_table(d, 64, "DSDT", 36), 0);
	assert_int_equal(acpi_parse_dsdt_s5(d, get_le32(d + 4), &p), 0);
	assert_int_equal(p.acpi_pm.slp_typ_a, X86_SLP_TYP_S5);
	(void)state;
}

static void no_devices_no_mcfg(void **state)
{
	struct x86_acpi a = { .at = base + 0x200000, .nvcpus = 255 };
	u8 *buf = ram + 0x200000;
	struct platform p;

	assert_true(x86_acpi_build(buf, 0x20000, &a) > 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(platform_from_acpi(pa(a.at), &p), 0);
	assert_int_equal(p.necam, 0);
	a.nvcpus = 0;
	assert_int_equal(x86_acpi_build(buf, 0x20000, &a), -E_NOSPC);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boot_params_follow_the_protocol),
		cmocka_unit_test(low_memory_map_at_address_zero),
		cmocka_unit_test(entry_is_long_mode_on_an_identity_map),
		cmocka_unit_test(acpi_tables_read_back_with_moats_parser),
		cmocka_unit_test(fadt_and_dsdt_fields),
		cmocka_unit_test(no_devices_no_mcfg),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
