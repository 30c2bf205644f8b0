// SPDX-License-Identifier: MIT
/*
 * The multiboot2 boot information parser (arch/x86/mb2.c) on structures laid out here from
 * the Multiboot2 specification (3.6): command line, memory map, modules, RSDP copies, and the
 * malformed ones a boot loader (or a broken one) could hand over.
 */
#include <string.h>

#include "test_util.h"

#include "arch/x86/mb2.h"
#include "lib/err.h"

#define MBI_PA 0x10000ULL

static u8 mbi[4096] __attribute__((aligned(8)));
static u32 len;

static void put32(u32 off, u32 v)
{
	memcpy(mbi + off, &v, 4);
}

static void put64(u32 off, u64 v)
{
	memcpy(mbi + off, &v, 8);
}

static void begin(void)
{
	memset(mbi, 0, sizeof(mbi));
	len = 8;
}

/* A tag with `n` payload bytes; returns the payload offset. */
static u32 tag(u32 type, u32 n)
{
	u32 off = len;

	put32(off, type);
	put32(off + 4, 8 + n);
	len = (off + 8 + n + 7) & ~7u;
	return off + 8;
}

static void end(void)
{
	tag(MB2_TAG_END, 0);
	put32(0, len);
}

static void mmap_entry(u32 off, u64 base, u64 size, u32 type)
{
	put64(off, base);
	put64(off + 8, size);
	put32(off + 16, type);
}

static void full_information_is_read(void **state)
{
	struct boot_info bi = { 0 };
	u32 p;

	begin();
	p = tag(MB2_TAG_CMDLINE, 16);
	memcpy(mbi + p, "moat.exit=bochs", 16);
	p = tag(MB2_TAG_MMAP, 8 + 3 * 24);
	put32(p, 24);
	mmap_entry(p + 8, 0, 0x9fc00, 1);
	mmap_entry(p + 32, 0xe0000, 0x20000, 2); /* reserved: not listed */
	mmap_entry(p + 56, 0x100000, 0xff00000, 1);
	p = tag(MB2_TAG_MODULE, 8 + 7);
	put32(p, 0x400000);
	put32(p + 4, 0x401000);
	memcpy(mbi + p + 8, "config", 7);
	p = tag(MB2_TAG_ACPI_OLD, 20);
	memcpy(mbi + p, "RSD PTR ", 8);
	end();
	assert_int_equal(mb2_parse(mbi, sizeof(mbi), pa(MBI_PA), &bi), 0);
	assert_string_equal(bi.cmdline, "moat.exit=bochs");
	assert_int_equal(bi.nmem, 2);
	assert_int_equal(bi.mem[1].base.v, 0x100000);
	assert_int_equal(bi.nmodules, 1);
	assert_string_equal(bi.modules[0].name, "config");
	assert_int_equal(bi.modules[0].size, 0x1000);
	assert_int_equal(bi.rsdp.v, MBI_PA + p);
	/* the structure holding the RSDP copy is kept */
	assert_int_equal(bi.nextra_rsv, 1);
	assert_int_equal(bi.extra_rsv[0].base.v, MBI_PA);
	assert_int_equal(bi.extra_rsv[0].size, len);
	(void)state;
}

static void new_rsdp_wins_over_old(void **state)
{
	struct boot_info bi = { 0 };
	u32 p_new;

	begin();
	p_new = tag(MB2_TAG_ACPI_NEW, 36);
	tag(MB2_TAG_ACPI_OLD, 20);
	end();
	assert_int_equal(mb2_parse(mbi, sizeof(mbi), pa(MBI_PA), &bi), 0);
	assert_int_equal(bi.rsdp.v, MBI_PA + p_new);
	(void)state;
}

static void sizes_that_do_not_add_up_are_refused(void **state)
{
	struct boot_info bi = { 0 };
	u32 p;

	begin();
	end();
	put32(0, 4096 + 8); /* total beyond what is readable */
	assert_int_equal(mb2_parse(mbi, sizeof(mbi), pa(MBI_PA), &bi), -E_INVAL);
	begin();
	p = tag(MB2_TAG_CMDLINE, 4);
	end();
	put32(p - 4, 0x1000); /* a tag running past the total */
	assert_int_equal(mb2_parse(mbi, sizeof(mbi), pa(MBI_PA), &bi), -E_INVAL);
	begin();
	tag(MB2_TAG_CMDLINE, 4);
	put32(0, len); /* no end tag */
	assert_int_equal(mb2_parse(mbi, sizeof(mbi), pa(MBI_PA), &bi), -E_INVAL);
	begin();
	end();
	assert_int_equal(mb2_parse(mbi, sizeof(mbi), pa(MBI_PA + 4), &bi), -E_INVAL);
	assert_int_equal(bi.nextra_rsv, 0);
	(void)state;
}

static void unterminated_strings_and_bad_entries_are_skipped(void **state)
{
	struct boot_info bi = { 0 };
	u32 p;

	begin();
	p = tag(MB2_TAG_CMDLINE, 8);
	memset(mbi + p, 'x', 8); /* no NUL */
	p = tag(MB2_TAG_MMAP, 8 + 24);
	put32(p, 20); /* entry size below the 24 bytes of an entry */
	mmap_entry(p + 8, 0x100000, 0x100000, 1);
	p = tag(MB2_TAG_MODULE, 9);
	put32(p, 0x2000);
	put32(p + 4, 0x1000); /* ends before it starts */
	end();
	assert_int_equal(mb2_parse(mbi, sizeof(mbi), pa(MBI_PA), &bi), 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmem, 0);
	assert_int_equal(bi.nmodules, 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_information_is_read),
		cmocka_unit_test(new_rsdp_wins_over_old),
		cmocka_unit_test(sizes_that_do_not_add_up_are_refused),
		cmocka_unit_test(unterminated_strings_and_bad_entries_are_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
