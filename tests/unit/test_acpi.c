// SPDX-License-Identifier: MIT
/*
 * ACPI discovery: tables laid out like QEMU's (q35 with intel-iommu or amd-iommu, virt with
 * SMMUv3), then corrupted ones (bad checksum, truncated, entry lengths past the end, zero-length
 * and overlapping entries) that must be rejected with a message and leave nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "test_util.h"

#include "core/acpi.h"
#include "core/platform.h"
#include "lib/bits.h"
#include "lib/err.h"

/* ---- a small table builder ------------------------------------------------------------------ */
struct tb {
	u8 *b;
	u32 len;
};

static u8 *tb_put(struct tb *t, u32 n)
{
	u8 *p;

	t->b = realloc(t->b, t->len + n);
	assert_non_null(t->b);
	p = t->b + t->len;
	memset(p, 0, n);
	t->len += n;
	return p;
}

static void tb_bytes(struct tb *t, const void *src, u32 n)
{
	memcpy(tb_put(t, n), src, n);
}

static void tb_u8(struct tb *t, u8 v)
{
	*tb_put(t, 1) = v;
}
static void tb_u16(struct tb *t, u16 v)
{
	put_le16(tb_put(t, 2), v);
}
static void tb_u32(struct tb *t, u32 v)
{
	put_le32(tb_put(t, 4), v);
}
static void tb_u64(struct tb *t, u64 v)
{
	put_le64(tb_put(t, 8), v);
}

static struct tb tb_start(const char *sig, u32 extra_hdr)
{
	struct tb t = { 0 };
	u8 *h = tb_put(&t, ACPI_HDR_LEN + extra_hdr);

	memcpy(h, sig, 4);
	h[8] = 1;
	memcpy(h + 10, "MOATTS", 6);
	return t;
}

static u8 tb_sum(const u8 *p, u32 n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return s;
}

/* Fixes length and checksum; returns the finished table. */
static u8 *tb_end(struct tb *t)
{
	put_le32(t->b + 4, t->len);
	t->b[9] = 0;
	t->b[9] = (u8)-tb_sum(t->b, t->len);
	return t->b;
}

static void tb_reseal(u8 *b)
{
	b[9] = 0;
	b[9] = (u8)-tb_sum(b, get_le32(b + 4));
}

/* ---- QEMU-like tables ------------------------------------------------------------------------ */
static u8 *make_madt_x86(unsigned ncpu)
{
	struct tb t = tb_start("APIC", 8);

	put_le32(t.b + 36, 0xfee00000);
	for (unsigned i = 0; i < ncpu; i++) {
		u8 *e = tb_put(&t, 8);
		e[0] = 0, e[1] = 8, e[2] = (u8)i, e[3] = (u8)i;
		put_le32(e + 4, 1);
	}
	u8 *io = tb_put(&t, 12); /* I/O APIC: skipped */
	io[0] = 1, io[1] = 12;
	return tb_end(&t);
}

static u8 *make_madt_arm(unsigned ncpu)
{
	struct tb t = tb_start("APIC", 8);

	for (unsigned i = 0; i < ncpu; i++) {
		u8 *e = tb_put(&t, 80);
		e[0] = 0xb, e[1] = 80;
		put_le32(e + 12, 1);
		put_le64(e + 68, i);
	}
	u8 *d = tb_put(&t, 24);
	d[0] = 0xc, d[1] = 24, d[20] = 3;
	put_le64(d + 8, 0x8000000);
	u8 *r = tb_put(&t, 16);
	r[0] = 0xe, r[1] = 16;
	put_le64(r + 4, 0x80a0000);
	put_le32(r + 12, 0xf60000);
	u8 *its = tb_put(&t, 20); /* GIC ITS structure (ACPI 6.x 5.2.12.18) */
	its[0] = 0xf, its[1] = 20;
	put_le64(its + 8, 0x8080000);
	return tb_end(&t);
}

static u8 *make_mcfg(u64 base, u8 bus_end)
{
	struct tb t = tb_start("MCFG", 8);

	tb_u64(&t, base);
	tb_u16(&t, 0);
	tb_u8(&t, 0);
	tb_u8(&t, bus_end);
	tb_u32(&t, 0);
	return tb_end(&t);
}

static void dmar_scope(struct tb *t, u8 type, u8 bus, u8 dev, u8 fn)
{
	u8 *s = tb_put(t, 8);

	s[0] = type, s[1] = 8, s[5] = bus, s[6] = dev, s[7] = fn;
}

/* The DMAR QEMU 10.0 builds for q35 with intel-iommu (qemu-10.0-platform.md 1.6). */
static u8 *make_dmar(void)
{
	struct tb t = tb_start("DMAR", 12);
	u32 drhd = t.len;

	t.b[36] = 0x2f, t.b[37] = 1;
	tb_u16(&t, 0);
	tb_u16(&t, 0);
	tb_u8(&t, 0);
	tb_u8(&t, 0);
	tb_u16(&t, 0);
	tb_u64(&t, 0xfed90000);
	dmar_scope(&t, 3, 0xff, 0, 0);
	dmar_scope(&t, 1, 0, 0, 0);
	dmar_scope(&t, 1, 0, 1, 0);
	dmar_scope(&t, 2, 0, 2, 0);
	put_le16(t.b + drhd + 2, (u16)(t.len - drhd));
	return tb_end(&t);
}

static void ivhd(struct tb *t, u8 type, const u8 *entries, u32 n)
{
	u32 start = t->len, hdr = type == 0x10 ? 24 : 40;
	u8 *h = tb_put(t, hdr);

	h[0] = type, h[1] = 0xd1;
	put_le16(h + 4, 0x0008);
	put_le16(h + 6, 0x40);
	put_le64(h + 8, 0xfed80000);
	if (hdr == 40)
		put_le64(h + 24, 0x29d3);
	tb_bytes(t, entries, n);
	put_le16(t->b + start + 2, (u16)(t->len - start));
}

static const u8 ivhd_entries[] = {
	2,    0x00, 0x00, 0,			  /* select 00:00.0 */
	2,    0x08, 0x00, 0,			  /* select 00:01.0 */
	3,    0x00, 0x01, 0,	4, 0xff, 0x01, 0, /* start 01:00.0 .. end 01:1f.7 */
	0x43, 0x00, 0x02, 0,	0, 0x10, 0x00, 0, 4, 0xff, 0x02, 0, /* alias 02:xx as 00:02.0 */
	0x48, 0,    0,	  0xd7, 0, 0xa0, 0x00, 1, /* special: IOAPIC 0, devid 00:14.0 */
};

static u8 *make_ivrs(const u8 *entries, u32 n)
{
	struct tb t = tb_start("IVRS", 12);

	put_le32(t.b + 36, 0x2801);
	ivhd(&t, 0x10, entries, n);
	ivhd(&t, 0x11, entries, n);
	return tb_end(&t);
}

/* IORT like QEMU virt: ITS group, SMMUv3, root complex mapping RIDs 0..0xffff to it. */
static u8 *make_iort(u32 idmap_in, u32 idmap_num)
{
	struct tb t = tb_start("IORT", 12);
	u32 its = t.len, smmu, rc;

	put_le32(t.b + 36, 3);
	put_le32(t.b + 40, its);
	u8 *n = tb_put(&t, 24); /* ITS group with one ITS */
	n[0] = 0, put_le16(n + 1, 24), put_le32(n + 16, 1);
	smmu = t.len;
	n = tb_put(&t, 68);
	n[0] = 4, put_le16(n + 1, 68), n[3] = 4;
	put_le64(n + 16, 0x9050000);
	/* GSIVs as QEMU virt: event 106, PRI 107, GERR 109, sync 108 */
	put_le32(n + 44, 106), put_le32(n + 48, 107), put_le32(n + 52, 109);
	put_le32(n + 56, 108);
	rc = t.len;
	n = tb_put(&t, 36 + 2 * 20);
	n[0] = 2, put_le16(n + 1, 36 + 40), put_le32(n + 8, 2), put_le32(n + 12, 36);
	u8 *m = n + 36; /* RIDs -> SMMU stream IDs, identity */
	put_le32(m, idmap_in), put_le32(m + 4, idmap_num), put_le32(m + 8, 0);
	put_le32(m + 12, smmu);
	m += 20; /* a second range straight to the ITS (not behind an SMMU) */
	put_le32(m, 0x8000), put_le32(m + 4, 0), put_le32(m + 8, 0x8000);
	put_le32(m + 12, its);
	(void)rc;
	return tb_end(&t);
}

static u8 *make_spcr(u8 type, u8 space, u64 addr)
{
	struct tb t = tb_start("SPCR", 44);

	t.b[36] = type;
	t.b[40] = space, t.b[41] = 8;
	put_le64(t.b + 44, addr);
	return tb_end(&t);
}

/* FADT with PM1a_CNT at 0x604 and a DSDT holding Name(_S5, Package(4){Zero, Zero, ...}). */
static u8 *make_dsdt(u8 typ)
{
	struct tb t = tb_start("DSDT", 0);
	const u8 aml[] = { 0x10, 0x05, '_',  'S',  'B',	 '_', 0x08, '_',  'S', '5',
			   '_',	 0x12, 0x07, 0x04, 0x0a, typ, 0x00, 0x00, 0x00 };

	tb_bytes(&t, aml, sizeof(aml));
	return tb_end(&t);
}

static u8 *make_fadt(const u8 *dsdt)
{
	struct tb t = tb_start("FACP", 276 - ACPI_HDR_LEN);

	t.b[8] = 6;
	put_le32(t.b + 40, 0);
	put_le64(t.b + 140, (u64)(uintptr_t)dsdt);
	put_le32(t.b + 64, 0x604);
	return tb_end(&t);
}

/* ---- RSDP / XSDT -------------------------------------------------------------------------- */
static u8 rsdp[36];
static u8 *tables[12];
static unsigned ntables;
static u8 *xsdt;
static struct platform plat;

static void add_table(u8 *t)
{
	tables[ntables++] = t;
}

/* An RSDT holds 32-bit addresses: move every table below 4 GiB first. */
static void move_tables_low(void)
{
	for (unsigned i = 0; i < ntables; i++) {
		u32 len = get_le32(tables[i] + 4);
		u8 *low = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		assert_true(low != MAP_FAILED);
		memcpy(low, tables[i], len);
		free(tables[i]);
		tables[i] = low;
	}
}

static bool tables_low;

static void build_root(bool use_rsdt)
{
	struct tb t = tb_start(use_rsdt ? "RSDT" : "XSDT", 0);

	if (use_rsdt) {
		move_tables_low();
		tables_low = true;
	}

	for (unsigned i = 0; i < ntables; i++) {
		if (use_rsdt)
			tb_u32(&t, (u32)(uintptr_t)tables[i]);
		else
			tb_u64(&t, (u64)(uintptr_t)tables[i]);
	}
	xsdt = tb_end(&t);
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "MOATTS", 6);
	rsdp[15] = use_rsdt ? 0 : 2;
	if (use_rsdt) {
		u8 *low = mmap(NULL, t.len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		assert_true(low != MAP_FAILED);
		memcpy(low, xsdt, t.len);
		put_le32(rsdp + 16, (u32)(uintptr_t)low); /* leaked: tiny, test process only */
	}
	put_le32(rsdp + 20, 36);
	if (!use_rsdt)
		put_le64(rsdp + 24, (u64)(uintptr_t)xsdt);
	rsdp[8] = (u8)-tb_sum(rsdp, 20);
	rsdp[32] = (u8)-tb_sum(rsdp, 36);
}

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	ntables = 0;
	xsdt = NULL;
	memset(&plat, 0xa5, sizeof(plat));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ntables; i++) {
		if (tables_low)
			munmap(tables[i], get_le32(tables[i] + 4));
		else
			free(tables[i]);
	}
	tables_low = false;
	free(xsdt);
	return 0;
}

static void summary_is(const char *want)
{
	char line[160];

	assert_true(platform_summary(&plat, line, sizeof(line)) > 0);
	assert_string_equal(line, want);
}

static void assert_platform_untouched(void)
{
	struct platform poison;

	memset(&poison, 0xa5, sizeof(poison));
	assert_memory_equal(&plat, &poison, sizeof(plat));
}

/* ---- good tables -------------------------------------------------------------------------- */
static void discovers_q35_with_vtd(void **state)
{
	u8 *dsdt = make_dsdt(5);

	add_table(make_madt_x86(2));
	add_table(make_mcfg(0xb0000000, 0xff));
	add_table(make_dmar());
	add_table(dsdt);
	add_table(make_fadt(dsdt));
	build_root(false);
	assert_int_equal(platform_from_acpi(pa((uintptr_t)rsdp), &plat), 0);
	plat.nmem = 0;
	assert_int_equal(plat.ncpus, 2);
	assert_int_equal(plat.cpu_id[1], 1);
	assert_int_equal(plat.niommu, 1);
	struct plat_iommu *m = &plat.iommu[0];
	assert_int_equal(m->kind, IOMMU_KIND_VTD);
	assert_int_equal(m->size, 0x1000);
	assert_int_equal(m->nscope, 4);
	assert_int_equal(m->scope[0].kind, SCOPE_IOAPIC);
	assert_int_equal(m->scope[0].bus, 0xff);
	assert_int_equal(m->scope[2].kind, SCOPE_DEVICE);
	assert_int_equal(m->scope[2].rid_first, 0x08);
	assert_int_equal(m->scope[3].kind, SCOPE_BRIDGE);
	assert_int_equal(m->scope[3].path[0], 0x10);
	assert_true(plat.acpi_pm.valid);
	assert_int_equal(plat.acpi_pm.pm1a_cnt, 0x604);
	assert_int_equal(plat.acpi_pm.slp_typ_a, 5);
	summary_is("cpus=2 ram=0MiB ecam=0xb0000000 iommu=vtd@0xfed90000");
	assert_string_equal(test_log_text(), "");
	(void)state;
}

static void discovers_q35_with_amdvi_through_rsdt(void **state)
{
	add_table(make_madt_x86(4));
	add_table(make_mcfg(0xb0000000, 0xff));
	add_table(make_ivrs(ivhd_entries, sizeof(ivhd_entries)));
	build_root(true);
	assert_int_equal(platform_from_acpi(pa((uintptr_t)rsdp), &plat), 0);
	plat.nmem = 0;
	assert_int_equal(plat.ncpus, 4);
	/* The 0x10 and 0x11 blocks describe one unit: only the 0x11 one is used. */
	assert_int_equal(plat.niommu, 1);
	struct plat_iommu *m = &plat.iommu[0];
	assert_int_equal(m->kind, IOMMU_KIND_AMDVI);
	assert_int_equal(m->features, 0x29d3);
	assert_int_equal(m->rid, 8);
	assert_int_equal(m->nscope, 5);
	assert_int_equal(m->scope[2].kind, SCOPE_RANGE);
	assert_int_equal(m->scope[2].rid_first, 0x100);
	assert_int_equal(m->scope[2].rid_last, 0x1ff);
	assert_int_equal(m->scope[3].kind, SCOPE_ALIAS);
	assert_int_equal(m->scope[3].out_base, 0x10);
	assert_int_equal(m->scope[4].kind, SCOPE_IOAPIC);
	assert_int_equal(m->scope[4].rid_first, 0xa0);
	assert_false(plat.acpi_pm.valid);
	summary_is("cpus=4 ram=0MiB ecam=0xb0000000 iommu=amdvi@0xfed80000");
	assert_string_equal(test_log_text(), "");
	(void)state;
}

static void discovers_arm_virt_with_iort_and_spcr(void **state)
{
	add_table(make_madt_arm(2));
	add_table(make_mcfg(0x4010000000ULL, 0xff));
	add_table(make_iort(0, 0x7fff));
	add_table(make_spcr(3, 0, 0x9000000));
	build_root(false);
	assert_int_equal(platform_from_acpi(pa((uintptr_t)rsdp), &plat), 0);
	plat.nmem = 0;
	assert_int_equal(plat.uart, UART_PL011);
	assert_int_equal(plat.uart_base.v, 0x9000000);
	assert_int_equal(plat.gicr.v, 0x80a0000);
	assert_int_equal(plat.gic_its.v, 0x8080000);
	assert_int_equal(plat.iommu[0].nscope, 1);
	assert_int_equal(plat.iommu[0].scope[0].rid_last, 0x7fff);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_EVTQ].intid, 106);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_PRIQ].intid, 107);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_GERROR].intid, 109);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_CMDQ_SYNC].intid, 108);
	assert_true(plat.iommu[0].irq[PLAT_IOMMU_IRQ_EVTQ].edge);
	summary_is("cpus=2 ram=0MiB ecam=0x4010000000 iommu=smmuv3@0x9050000 gic=v3");
	assert_string_equal(test_log_text(), "");
	(void)state;
}

/* ---- issue 13 item 4: host bridge windows from the DSDT ----------------------------------- */

/* AML: a package (2-byte PkgLength) around `body`. */
static void aml_pkg(struct tb *t, const struct tb *body)
{
	u32 total = body->len + 2;

	assert_true(total < 4096);
	tb_u8(t, (u8)(0x40 | (total & 0xf)));
	tb_u8(t, (u8)(total >> 4));
	tb_bytes(t, body->b, body->len);
}

static void aml_name_int(struct tb *t, const char *name, u32 v)
{
	tb_u8(t, 0x08);
	tb_bytes(t, name, 4);
	tb_u8(t, 0x0c);
	tb_u32(t, v);
}

/* Address Space descriptors (ACPI 6.5 6.4.3.5): Word bus numbers, DWord and QWord memory. */
static void rt_bus(struct tb *t, u16 min, u16 max)
{
	tb_u8(t, 0x88);
	tb_u16(t, 13);
	tb_u8(t, 2);
	tb_u8(t, 0x0c);
	tb_u8(t, 0);
	tb_u16(t, 0);
	tb_u16(t, min);
	tb_u16(t, max);
	tb_u16(t, 0);
	tb_u16(t, (u16)(max - min + 1));
}

static void rt_mem32(struct tb *t, u8 gflags, u32 min, u32 len, u32 tra)
{
	tb_u8(t, 0x87);
	tb_u16(t, 23);
	tb_u8(t, 0);
	tb_u8(t, gflags);
	tb_u8(t, 0x03);
	tb_u32(t, 0);
	tb_u32(t, min);
	tb_u32(t, min + len - 1);
	tb_u32(t, tra);
	tb_u32(t, len);
}

static void rt_mem64(struct tb *t, u64 min, u64 len)
{
	tb_u8(t, 0x8a);
	tb_u16(t, 43);
	tb_u8(t, 0);
	tb_u8(t, 0x0c);
	tb_u8(t, 0x03);
	tb_u64(t, 0);
	tb_u64(t, min);
	tb_u64(t, min + len - 1);
	tb_u64(t, 0);
	tb_u64(t, len);
}

/* Name(_CRS, ResourceTemplate(){ the descriptors of `rt`, EndTag }). */
static void aml_crs(struct tb *t, struct tb *rt)
{
	struct tb buf = { 0 };

	tb_u8(rt, 0x79);
	tb_u8(rt, 0x00);
	tb_u8(&buf, 0x0b);
	tb_u16(&buf, (u16)rt->len);
	tb_bytes(&buf, rt->b, rt->len);
	tb_bytes(t, "\x08_CRS\x11", 6);
	aml_pkg(t, &buf);
	free(buf.b);
	free(rt->b);
}

/* The windows QEMU's virt gives its host bridge: 32-bit, 64-bit, buses 0-255. */
static void virt_crs(struct tb *rt)
{
	rt_bus(rt, 0, 0xff);
	rt_mem32(rt, 0x0c, 0x10000000, 0x2eff0000, 0);
	rt_mem64(rt, 0x8000000000ULL, 0x8000000000ULL);
}

/* Device(name){ Name(_HID, EisaId(PNP0A08)), Name(_SEG, seg), `extra` } */
static void aml_bridge(struct tb *t, const char *name, u32 seg, struct tb *extra)
{
	struct tb body = { 0 };

	tb_bytes(&body, name, 4);
	aml_name_int(&body, "_HID", 0x080ad041);
	aml_name_int(&body, "_SEG", seg);
	if (extra) {
		tb_bytes(&body, extra->b, extra->len);
		free(extra->b);
	}
	tb_u8(t, 0x5b);
	tb_u8(t, 0x82);
	aml_pkg(t, &body);
	free(body.b);
}

/* Scope(\_SB){ ... } around `inner`. */
static void aml_sb(struct tb *t, struct tb *inner)
{
	struct tb body = { 0 };

	tb_bytes(&body, "\\_SB_", 5);
	tb_bytes(&body, inner->b, inner->len);
	tb_u8(t, 0x10);
	aml_pkg(t, &body);
	free(body.b);
	free(inner->b);
}

static struct platform *one_ecam(void)
{
	memset(&plat, 0, sizeof(plat));
	plat.necam = 1;
	plat.ecam[0] = (struct plat_ecam){ .base = pa(0x4010000000ULL),
					   .size = 256 << 20,
					   .bus_end = 0xff };
	return &plat;
}

/* virt-like: Device(PCI0) with Name(_CRS) inside; before, the ACPI path had no windows. */
static void host_bridge_windows_come_from_the_dsdt_crs(void **state)
{
	struct tb t = tb_start("DSDT", 0), in = { 0 }, crs = { 0 }, rt = { 0 };
	u8 *dsdt;

	(void)state;
	virt_crs(&rt);
	aml_crs(&crs, &rt);
	aml_bridge(&in, "PCI0", 0, &crs);
	aml_sb(&t, &in);
	dsdt = tb_end(&t);
	add_table(make_madt_arm(2));
	add_table(make_mcfg(0x4010000000ULL, 0xff));
	add_table(make_fadt(dsdt));
	build_root(false);
	assert_int_equal(platform_from_acpi(pa((uintptr_t)rsdp), &plat), 0);
	assert_int_equal(plat.ecam[0].nfwwin, 2);
	assert_int_equal(plat.ecam[0].fwwin[0].base.v, 0x10000000);
	assert_int_equal(plat.ecam[0].fwwin[0].size, 0x2eff0000);
	assert_int_equal(plat.ecam[0].fwwin[1].base.v, 0x8000000000ULL);
	assert_int_equal(plat.ecam[0].fwwin[1].size, 0x8000000000ULL);
	assert_int_equal(plat.ecam[0].mem32.size, 0); /* firmware's placement is kept */
	assert_true(test_log_has("segment 0: host bridge windows (DSDT): 0x10000000+0x2eff0000 "
				 "0x8000000000+0x8000000000"));
	free(dsdt);
}

/* q35-like: the device in Scope(\_SB), its _CRS added later by Scope(\_SB.PCI0). */
static void a_crs_in_a_later_scope_is_the_devices(void **state)
{
	struct tb t = tb_start("DSDT", 0), in = { 0 }, crs = { 0 }, rt = { 0 }, sc = { 0 };
	u8 *d;

	(void)state;
	aml_bridge(&in, "PCI0", 0, NULL);
	aml_sb(&t, &in);
	rt_mem32(&rt, 0x0c, 0x000a0000, 0x20000, 0); /* VGA */
	rt_mem32(&rt, 0x0c, 0x80000000, 0x30000000, 0);
	rt_mem32(&rt, 0x0c, 0xc0000000, 0x3ec00000, 0);
	aml_crs(&crs, &rt);
	tb_bytes(&sc, "\\/\x02_SB_PCI0", 11); /* \_SB.PCI0 as a MultiNamePath */
	tb_bytes(&sc, crs.b, crs.len);
	free(crs.b);
	tb_u8(&t, 0x10);
	aml_pkg(&t, &sc);
	free(sc.b);
	d = tb_end(&t);
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), one_ecam()), 0);
	assert_int_equal(plat.ecam[0].nfwwin, 3);
	assert_int_equal(plat.ecam[0].fwwin[0].base.v, 0xa0000);
	assert_int_equal(plat.ecam[0].fwwin[1].base.v, 0x80000000);
	assert_int_equal(plat.ecam[0].fwwin[2].base.v, 0xc0000000);
	assert_int_equal(plat.ecam[0].fwwin[2].size, 0x3ec00000);
	free(d);
}

/* QEMU's virt declares 32 virtio-mmio devices, each with a _HID and a _CRS, before PCI0. */
static void other_devices_do_not_fill_the_reader(void **state)
{
	struct tb t = tb_start("DSDT", 0), in = { 0 }, crs = { 0 }, rt = { 0 };
	u8 *d;

	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		struct tb body = { 0 }, drt = { 0 };
		char name[5];

		snprintf(name, sizeof(name), "VR%02u", i);
		tb_bytes(&body, name, 4);
		tb_bytes(&body, "\x08_HID\x0dLNRO0005\x00", 15);
		rt_mem32(&drt, 0x0d, 0x0a000000 + i * 0x200, 0x200, 0);
		aml_crs(&body, &drt);
		tb_u8(&in, 0x5b);
		tb_u8(&in, 0x82);
		aml_pkg(&in, &body);
		free(body.b);
	}
	virt_crs(&rt);
	aml_crs(&crs, &rt);
	aml_bridge(&in, "PCI0", 0, &crs);
	aml_sb(&t, &in);
	d = tb_end(&t);
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), one_ecam()), 0);
	assert_int_equal(plat.ecam[0].nfwwin, 2);
	assert_int_equal(plat.ecam[0].fwwin[0].size, 0x2eff0000);
	free(d);
}

/* Windows that are not plain fixed produced memory are not windows. */
static void translated_consumed_or_inconsistent_ranges_are_not_windows(void **state)
{
	struct tb t = tb_start("DSDT", 0), in = { 0 }, crs = { 0 }, rt = { 0 };
	u8 *d;

	(void)state;
	rt_mem32(&rt, 0x0c, 0x10000000, 0x10000000, 0x1000); /* _TRA */
	rt_mem32(&rt, 0x0d, 0x20000000, 0x10000000, 0);	     /* consumed */
	rt_mem32(&rt, 0x04, 0x30000000, 0x10000000, 0);	     /* _MAF clear */
	rt_mem32(&rt, 0x0c, 0x3f000000, 0x100000, 0);	     /* over the ECAM: see below */
	aml_crs(&crs, &rt);
	aml_bridge(&in, "PCI0", 0, &crs);
	aml_sb(&t, &in);
	d = tb_end(&t);
	one_ecam()->ecam[0].base = pa(0x3f000000);
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), &plat), 0);
	assert_int_equal(plat.ecam[0].nfwwin, 0);
	assert_true(test_log_has("covers ECAM: not used"));
	free(d);
}

/* More windows than Moat keeps: none (a BAR in a dropped one would be refused). */
static void too_many_windows_give_none(void **state)
{
	struct tb t = tb_start("DSDT", 0), in = { 0 }, crs = { 0 }, rt = { 0 };
	u8 *d;

	(void)state;
	for (unsigned i = 0; i <= PLAT_MAX_FWWIN; i++)
		rt_mem32(&rt, 0x0c, 0x10000000 * (i + 1), 0x1000000, 0);
	aml_crs(&crs, &rt);
	aml_bridge(&in, "PCI0", 0, &crs);
	aml_sb(&t, &in);
	d = tb_end(&t);
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), one_ecam()), 0);
	assert_int_equal(plat.ecam[0].nfwwin, 0);
	assert_true(test_log_has("more than 4 host bridge windows: none used"));
	free(d);
}

/* Two bridges that could own one ECAM range, or a segment behind a method: no windows. */
static void an_ambiguous_host_bridge_gives_no_windows(void **state)
{
	struct tb t = tb_start("DSDT", 0), in = { 0 }, c1 = { 0 }, r1 = { 0 }, c2 = { 0 },
		  r2 = { 0 }, m = { 0 };
	u8 *d;

	(void)state;
	virt_crs(&r1);
	aml_crs(&c1, &r1);
	virt_crs(&r2);
	aml_crs(&c2, &r2);
	aml_bridge(&in, "PCI0", 0, &c1);
	aml_bridge(&in, "PCI1", 0, &c2);
	aml_sb(&t, &in);
	d = tb_end(&t);
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), one_ecam()), 0);
	assert_int_equal(plat.ecam[0].nfwwin, 0);
	assert_true(test_log_has("2 host bridges could own the ECAM range"));
	free(d);
	/* Method(_BBN) { ... }: not a constant */
	t = tb_start("DSDT", 0);
	in = (struct tb){ 0 };
	r1 = (struct tb){ 0 };
	c1 = (struct tb){ 0 };
	virt_crs(&r1);
	aml_crs(&c1, &r1);
	tb_bytes(&m, "_BBN\x00\xa4\x00", 7); /* flags, Return (Zero) */
	tb_u8(&c1, 0x14);
	aml_pkg(&c1, &m);
	free(m.b);
	aml_bridge(&in, "PCI0", 0, &c1);
	aml_sb(&t, &in);
	d = tb_end(&t);
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), one_ecam()), 0);
	assert_int_equal(plat.ecam[0].nfwwin, 0);
	free(d);
}

/* AML beyond the reader, or broken, reads nothing: the platform is unchanged. */
static void aml_beyond_the_reader_changes_nothing(void **state)
{
	struct tb t = tb_start("DSDT", 0), in = { 0 }, crs = { 0 }, rt = { 0 };
	struct platform before;
	u8 *d;

	(void)state;
	virt_crs(&rt);
	aml_crs(&crs, &rt);
	aml_bridge(&in, "PCI0", 0, &crs);
	aml_sb(&t, &in);
	tb_u8(&t, 0x70); /* StoreOp at the top level */
	d = tb_end(&t);
	before = *one_ecam();
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), &plat), -E_NOTSUP);
	assert_memory_equal(&before, &plat, sizeof(plat));
	/* a package length past the table */
	d[ACPI_HDR_LEN + 2] = 0xff;
	tb_reseal(d);
	assert_int_equal(acpi_parse_dsdt_pci(d, get_le32(d + 4), &plat), -E_CORRUPT);
	assert_memory_equal(&before, &plat, sizeof(plat));
	free(d);
}

/* ---- corrupted tables: the whole discovery, and each parser on its own -------------------- */
static void bad_checksum_drops_only_that_table(void **state)
{
	u8 *dmar = make_dmar();

	dmar[40] ^= 1; /* flags byte changed, checksum not updated */
	add_table(make_madt_x86(2));
	add_table(dmar);
	build_root(false);
	assert_int_equal(platform_from_acpi(pa((uintptr_t)rsdp), &plat), 0);
	assert_int_equal(plat.niommu, 0);
	assert_true(test_log_has("rejected (bad header, length or checksum)"));
	(void)state;
}

static void bad_madt_fails_discovery_and_leaves_platform(void **state)
{
	u8 *madt = make_madt_x86(2);

	madt[44 + 1] = 0; /* zero-length first entry */
	tb_reseal(madt);
	add_table(madt);
	build_root(false);
	assert_int_not_equal(platform_from_acpi(pa((uintptr_t)rsdp), &plat), 0);
	assert_true(test_log_has("APIC: entry of zero length or past the end at offset 0x2c"));
	assert_true(test_log_has("APIC rejected"));
	assert_platform_untouched();
	(void)state;
}

static void bad_rsdp_is_rejected(void **state)
{
	add_table(make_madt_x86(1));
	build_root(false);
	rsdp[32] ^= 0xff; /* extended checksum */
	assert_int_not_equal(platform_from_acpi(pa((uintptr_t)rsdp), &plat), 0);
	assert_true(test_log_has("RSDP"));
	assert_platform_untouched();
	(void)state;
}

static void truncated_tables_are_rejected(void **state)
{
	u8 *t = make_madt_x86(2);

	/* Shorter than the header's length: the checker refuses to read past what is there. */
	assert_int_not_equal(acpi_check_table(t, get_le32(t + 4) - 1, "APIC", 44), 0);
	assert_int_equal(acpi_check_table(t, get_le32(t + 4), "APIC", 44), 0);
	assert_int_not_equal(acpi_check_table(t, get_le32(t + 4), "DMAR", 44), 0);
	put_le32(t + 4, 30); /* shorter than a header */
	assert_int_not_equal(acpi_check_table(t, 64, NULL, 0), 0);
	free(t);
	(void)state;
}

static void madt_entry_past_end_is_rejected(void **state)
{
	u8 *t = make_madt_x86(2);
	u32 len = get_le32(t + 4);

	t[len - 12 + 1] = 13; /* the I/O APIC entry claims one byte more than is left */
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_madt(t, len, &plat), -E_CORRUPT);
	t[len - 12 + 1] = 12;
	t[44] = 0, t[45] = 4; /* a LAPIC entry shorter than its structure */
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_madt(t, len, &plat), -E_CORRUPT);
	free(t);
	(void)state;
}

static void madt_duplicate_cpu_is_rejected(void **state)
{
	u8 *t = make_madt_x86(2);

	t[44 + 8 + 3] = 0; /* second LAPIC gets APIC ID 0 again */
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_madt(t, get_le32(t + 4), &plat), -E_CORRUPT);
	free(t);
	(void)state;
}

static void mcfg_bad_entries_are_rejected(void **state)
{
	u8 *t = make_mcfg(0xb0000000, 0xff);
	struct tb two = tb_start("MCFG", 8);

	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_mcfg(t, get_le32(t + 4) - 1, &plat), -E_CORRUPT);
	t[44 + 10] = 5, t[44 + 11] = 4; /* start bus after end bus */
	assert_int_equal(acpi_parse_mcfg(t, get_le32(t + 4), &plat), -E_CORRUPT);
	put_le64(t + 44, ~0ULL - 0x100000); /* base + size overflows */
	t[44 + 10] = 0;
	assert_int_equal(acpi_parse_mcfg(t, get_le32(t + 4), &plat), -E_CORRUPT);
	for (int i = 0; i < 2; i++) { /* two entries for the same buses: overlap */
		tb_u64(&two, 0xb0000000 + (u64)i * 0x10000000);
		tb_u32(&two, 0xff0000);
		tb_u32(&two, 0);
	}
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_mcfg(tb_end(&two), two.len, &plat), -E_CORRUPT);
	free(two.b);
	free(t);
	(void)state;
}

static void dmar_bad_structures_are_rejected(void **state)
{
	u8 *t = make_dmar();
	u32 len = get_le32(t + 4);

	memset(&plat, 0, sizeof(plat));
	put_le16(t + 48 + 2, 0); /* zero-length remapping structure */
	assert_int_equal(acpi_parse_dmar(t, len, &plat), -E_CORRUPT);
	put_le16(t + 48 + 2, (u16)(len - 48 + 8)); /* past the end of the table */
	assert_int_equal(acpi_parse_dmar(t, len, &plat), -E_CORRUPT);
	put_le16(t + 48 + 2, (u16)(len - 48));
	t[48 + 16 + 1] = 0; /* zero-length device scope */
	assert_int_equal(acpi_parse_dmar(t, len, &plat), -E_CORRUPT);
	t[48 + 16 + 1] = 40; /* device scope past the end of its DRHD */
	assert_int_equal(acpi_parse_dmar(t, len, &plat), -E_CORRUPT);
	t[48 + 16 + 1] = 8;
	t[48 + 16 + 6] = 32; /* device number out of range */
	assert_int_equal(acpi_parse_dmar(t, len, &plat), -E_CORRUPT);
	t[48 + 16 + 6] = 0;
	assert_int_equal(acpi_parse_dmar(t, len, &plat), 0);
	/* The same unit twice: two DRHDs claiming one register page overlap. */
	assert_int_equal(acpi_parse_dmar(t, len, &plat), -E_CORRUPT);
	free(t);
	(void)state;
}

/* An RMRR keeps its memory out of the allocator; a malformed one rejects the table. */
static void dmar_rmrr_is_reserved_and_checked(void **state)
{
	struct tb t = tb_start("DMAR", 12);
	u32 rmrr = t.len;
	u8 *d;

	d = tb_put(&t, 24);
	put_le16(d, 1);
	put_le64(d + 8, 0x3e000000);
	put_le64(d + 16, 0x3e0fffff);
	dmar_scope(&t, 1, 0, 0x14, 0);
	put_le16(t.b + rmrr + 2, (u16)(t.len - rmrr));
	u8 *tab = tb_end(&t);
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_dmar(tab, t.len, &plat), 0);
	assert_int_equal(plat.nrsv, 1);
	assert_int_equal(plat.rsv[0].base.v, 0x3e000000);
	assert_int_equal(plat.rsv[0].size, 0x100000);
	put_le64(tab + rmrr + 16, 0x3dffffff); /* limit below base */
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_dmar(tab, t.len, &plat), -E_CORRUPT);
	put_le64(tab + rmrr + 16, 0x3e0fffff);
	tab[rmrr + 24 + 1] = 9; /* its device scope runs past the RMRR */
	assert_int_equal(acpi_parse_dmar(tab, t.len, &plat), -E_CORRUPT);
	free(tab);
	(void)state;
}

static void ivrs_bad_entries_are_rejected(void **state)
{
	static const u8 zero_len_block[] = { 2, 0, 0, 0 };
	static const u8 start_no_end[] = { 3, 0, 1, 0 };
	static const u8 end_no_start[] = { 4, 0, 1, 0 };
	static const u8 end_before_start[] = { 3, 0, 2, 0, 4, 0, 1, 0 };
	static const u8 cut_entry[] = { 2, 0, 0, 0, 0x42, 0, 0 };
	static const u8 unknown_var[] = { 0x90, 0, 0, 0 };
	static const struct {
		const u8 *e;
		u32 n;
	} bad[] = {
		{ start_no_end, 4 },	 { end_no_start, 4 },
		{ end_before_start, 8 }, { cut_entry, sizeof(cut_entry) },
		{ unknown_var, 4 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		u8 *t = make_ivrs(bad[i].e, bad[i].n);
		memset(&plat, 0, sizeof(plat));
		assert_int_equal(acpi_parse_ivrs(t, get_le32(t + 4), &plat), -E_CORRUPT);
		free(t);
	}
	u8 *t = make_ivrs(zero_len_block, 4);
	put_le16(t + 48 + 2, 0); /* zero-length IVHD */
	assert_int_equal(acpi_parse_ivrs(t, get_le32(t + 4), &plat), -E_CORRUPT);
	put_le16(t + 48 + 2, 0x7fff); /* IVHD past the end */
	assert_int_equal(acpi_parse_ivrs(t, get_le32(t + 4), &plat), -E_CORRUPT);
	free(t);
	(void)state;
}

static void iort_bad_nodes_are_rejected(void **state)
{
	u8 *t = make_iort(0, 0x7fff);
	u32 len = get_le32(t + 4), rc = 48 + 24 + 68;

	memset(&plat, 0, sizeof(plat));
	put_le16(t + 48 + 1, 0); /* zero-length node */
	assert_int_equal(acpi_parse_iort(t, len, &plat), -E_CORRUPT);
	put_le16(t + 48 + 1, 24);
	put_le32(t + 36, 4); /* one node more than the table holds */
	assert_int_equal(acpi_parse_iort(t, len, &plat), -E_CORRUPT);
	put_le32(t + 36, 3);
	put_le32(t + rc + 12, 20); /* ID array overlapping the node's own fields */
	assert_int_equal(acpi_parse_iort(t, len, &plat), -E_CORRUPT);
	put_le32(t + rc + 12, 36);
	put_le32(t + rc + 8, 3); /* ID array past the end of the node */
	assert_int_equal(acpi_parse_iort(t, len, &plat), -E_CORRUPT);
	put_le32(t + rc + 8, 2);
	put_le32(t + rc + 36 + 12, 48 + 24 + 4); /* output reference into the middle of a node */
	assert_int_equal(acpi_parse_iort(t, len, &plat), -E_CORRUPT);
	put_le32(t + rc + 36 + 12, 48 + 24);
	put_le32(t + rc + 36 + 20, 0x7000); /* second input range overlaps the first */
	assert_int_equal(acpi_parse_iort(t, len, &plat), -E_CORRUPT);
	put_le32(t + rc + 36 + 20, 0x8000);
	put_le32(t + rc + 36 + 4, 0xffffffff); /* input base + count overflows */
	assert_int_equal(acpi_parse_iort(t, len, &plat), -E_CORRUPT);
	put_le32(t + rc + 36 + 4, 0x7fff);
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_iort(t, len, &plat), 0);
	/* GSIVs that are not SPIs (an SGI/PPI number, past 1019) are ignored: polling */
	put_le32(t + 48 + 24 + 44, 27), put_le32(t + 48 + 24 + 52, 0x10000);
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_iort(t, len, &plat), 0);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_EVTQ].intid, 0);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_GERROR].intid, 0);
	assert_int_equal(plat.iommu[0].irq[PLAT_IOMMU_IRQ_PRIQ].intid, 107);
	free(t);
	(void)state;
}

static void spcr_and_fadt_checks(void **state)
{
	u8 *s = make_spcr(0x77, 0, 0x9000000);
	u8 *d = make_dsdt(0);
	paddr_t dsdt;

	memset(&plat, 0, sizeof(plat));
	assert_int_equal(acpi_parse_spcr(s, get_le32(s + 4), &plat), -E_NOTSUP);
	free(s);
	s = make_spcr(3, 1, 0x3f8); /* a PL011 in I/O space does not exist */
	assert_int_equal(acpi_parse_spcr(s, get_le32(s + 4), &plat), -E_CORRUPT);
	free(s);
	s = make_spcr(0, 1, 0x3f8);
	assert_int_equal(acpi_parse_spcr(s, get_le32(s + 4), &plat), 0);
	assert_int_equal(plat.uart, UART_16550_PIO);
	free(s);
	u8 *f = make_fadt(d);
	assert_int_equal(acpi_parse_fadt(f, 100, &plat, &dsdt), -E_CORRUPT);
	assert_int_equal(acpi_parse_fadt(f, get_le32(f + 4), &plat, &dsdt), 0);
	assert_ptr_equal((void *)(uintptr_t)dsdt.v, d);
	/* \_S5 whose package runs past the end of the DSDT. */
	assert_int_not_equal(acpi_parse_dsdt_s5(d, get_le32(d + 4) - 5, &plat), 0);
	assert_int_equal(acpi_parse_dsdt_s5(d, get_le32(d + 4), &plat), 0);
	free(f);
	free(d);
	(void)state;
}

/* Random byte flips over good tables: every outcome is an error or a consistent platform. */
static void random_corruption_never_crashes(void **state)
{
	u64 seed = 0x5eed;
	unsigned iters = getenv("MOAT_SOAK") ? 200000 : 5000;
	u8 *good[] = { make_madt_x86(3), make_mcfg(0xb0000000, 0x7f), make_dmar(),
		       make_ivrs(ivhd_entries, sizeof(ivhd_entries)), make_iort(0, 0x7fff) };
	int (*fn[])(const u8 *, u32, struct platform *) = {
		acpi_parse_madt, acpi_parse_mcfg, acpi_parse_dmar, acpi_parse_ivrs, acpi_parse_iort,
	};

	for (unsigned i = 0; i < iters; i++) {
		unsigned k = (unsigned)(test_rand(&seed) % ARRAY_SIZE(good));
		u32 len = get_le32(good[k] + 4);
		u8 *c = malloc(len);
		memcpy(c, good[k], len);
		for (int f = 0; f < 3; f++)
			c[test_rand(&seed) % len] = (u8)test_rand(&seed);
		memset(&plat, 0, sizeof(plat));
		if (!fn[k](c, (u32)(test_rand(&seed) % (len + 1)), &plat))
			assert_true(plat.niommu <= PLAT_MAX_IOMMU && plat.ncpus <= PLAT_MAX_CPUS);
		free(c);
	}
	for (unsigned k = 0; k < ARRAY_SIZE(good); k++)
		free(good[k]);
	(void)state;
}

/*
 * MOAT_ACPI_SEED_DIR=dir writes the good tables as fuzz seeds (first byte: the parser, as
 * tests/fuzz/fuzz_acpi.c reads it); used to refresh tests/fuzz/corpus/fuzz_acpi.
 */
static void write_seeds(const char *dir)
{
	u8 *dsdt = make_dsdt(5);
	struct {
		const char *name;
		u8 kind;
		u8 *t;
	} seeds[] = {
		{ "madt-x86", 0, make_madt_x86(4) },
		{ "madt-arm", 0, make_madt_arm(2) },
		{ "mcfg", 1, make_mcfg(0xb0000000, 0xff) },
		{ "dmar", 2, make_dmar() },
		{ "ivrs", 3, make_ivrs(ivhd_entries, sizeof(ivhd_entries)) },
		{ "iort", 4, make_iort(0, 0x7fff) },
		{ "spcr", 5, make_spcr(3, 0, 0x9000000) },
		{ "fadt", 6, make_fadt(dsdt) },
		{ "dsdt", 7, dsdt },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(seeds); i++) {
		char path[512];
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].name);
		f = fopen(path, "wb");
		assert_non_null(f);
		fputc(seeds[i].kind, f);
		fwrite(seeds[i].t, 1, get_le32(seeds[i].t + 4), f);
		fclose(f);
		if (seeds[i].t != dsdt)
			free(seeds[i].t);
	}
	free(dsdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(discovers_q35_with_vtd, setup, teardown),
		cmocka_unit_test_setup_teardown(host_bridge_windows_come_from_the_dsdt_crs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_crs_in_a_later_scope_is_the_devices, setup,
						teardown),
		cmocka_unit_test_setup_teardown(other_devices_do_not_fill_the_reader, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			translated_consumed_or_inconsistent_ranges_are_not_windows, setup,
			teardown),
		cmocka_unit_test_setup_teardown(an_ambiguous_host_bridge_gives_no_windows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(too_many_windows_give_none, setup, teardown),
		cmocka_unit_test_setup_teardown(aml_beyond_the_reader_changes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discovers_q35_with_amdvi_through_rsdt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discovers_arm_virt_with_iort_and_spcr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_checksum_drops_only_that_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_madt_fails_discovery_and_leaves_platform, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_rsdp_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_tables_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(madt_entry_past_end_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(madt_duplicate_cpu_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(mcfg_bad_entries_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(dmar_bad_structures_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(dmar_rmrr_is_reserved_and_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(ivrs_bad_entries_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(iort_bad_nodes_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(spcr_and_fadt_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(random_corruption_never_crashes, setup, teardown),
	};

	if (getenv("MOAT_ACPI_SEED_DIR"))
		write_seeds(getenv("MOAT_ACPI_SEED_DIR"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
