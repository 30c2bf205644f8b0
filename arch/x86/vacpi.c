// SPDX-License-Identifier: MIT
/* Guest ACPI tables (arch/x86/vacpi.h); offsets from the ACPI 6.5 tables named beside them. */
#include "arch/x86/vacpi.h"

#include <string.h>

#include "arch/x86/vio.h"
#include "lib/bits.h"
#include "lib/err.h"

#define HDR_LEN 36 /* 5.2.6 system description table header */
#define RSDP_LEN 36
#define FADT_LEN 276 /* 6.5: up to the hypervisor vendor identity */
#define MADT_LAPIC_LEN 8
#define MCFG_ENTRY_LEN 16
#define FADT_WBINVD (1u << 0)
#define FADT_PWR_BUTTON (1u << 4) /* no fixed power button */
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED (1u << 20)
#define BOOT_ARCH_NO_VGA (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC (1u << 5)
#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

/* Name (_S5, Package (4) { 5, 5, 0, 0 }): NameOp, "_S5_", PackageOp, PkgLength 8, 4 elements
 * (BytePrefix 5, BytePrefix 5, ZeroOp, ZeroOp), ACPI 6.5 20.2.5.2 and 20.2.3. */
static const u8 dsdt_aml[] = {
	0x08,		'_',  'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, X86_SLP_TYP_S5, 0x0a,
	X86_SLP_TYP_S5, 0x00, 0x00
};

static u8 sum8(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return s;
}

static void header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "MOAT  ", 6);
	memcpy(t + 16, "MOATVM  ", 8);
	put_le32(t + 24, 1);
	memcpy(t + 28, "MOAT", 4);
	put_le32(t + 32, 1);
}

static void finish(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = (u8)-sum8(t, len);
}

/* Generic address structure (5.2.3.2): one byte in system I/O space. */
static void gas_io8(u8 *g, u16 port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8;
	g[2] = 0;
	g[3] = GAS_ACCESS_BYTE;
	put_le64(g + 4, port);
}

static u32 build_fadt(u8 *t, u64 dsdt)
{
	header(t, "FACP", FADT_LEN, 6);
	put_le32(t + 40, (u32)dsdt);
	put_le16(t + 109, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC);
	put_le32(t + 112, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP |
				  FADT_HW_REDUCED);
	gas_io8(t + 116, X86_RESET_PORT);
	t[128] = X86_RESET_VALUE;
	t[131] = 5; /* FADT minor version: 6.5 */
	put_le64(t + 140, dsdt);
	gas_io8(t + 244, X86_PM_SLEEP_CTL);
	gas_io8(t + 256, X86_PM_SLEEP_STS);
	memcpy(t + 268, "MoatMoat", 8); /* hypervisor vendor identity */
	finish(t, FADT_LEN);
	return FADT_LEN;
}

static u32 build_madt(u8 *t, unsigned nvcpus)
{
	u32 len = HDR_LEN + 8 + nvcpus * MADT_LAPIC_LEN;

	header(t, "APIC", len, 5);
	put_le32(t + 36, 0xfee00000); /* local APIC address; no PC-AT 8259s (flags 0) */
	for (unsigned i = 0; i < nvcpus; i++) {
		u8 *e = t + HDR_LEN + 8 + i * MADT_LAPIC_LEN;

		e[0] = 0; /* processor local APIC (5.2.12.2): UID, APIC ID = vCPU, enabled */
		e[1] = MADT_LAPIC_LEN;
		e[2] = (u8)i;
		e[3] = (u8)i;
		put_le32(e + 4, 1);
	}
	finish(t, len);
	return len;
}

static u32 build_mcfg(u8 *t, u64 ecam)
{
	u32 len = HDR_LEN + 8 + MCFG_ENTRY_LEN;

	header(t, "MCFG", len, 1);
	put_le64(t + HDR_LEN + 8, ecam); /* segment 0, buses 0..0 */
	finish(t, len);
	return len;
}

static u32 build_xsdt(u8 *t, const u64 *entries, unsigned n)
{
	u32 len = HDR_LEN + 8 * n;

	header(t, "XSDT", len, 1);
	for (unsigned i = 0; i < n; i++)
		put_le64(t + HDR_LEN + 8 * i, entries[i]);
	finish(t, len);
	return len;
}

static void build_rsdp(u8 *p, u64 xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "MOAT  ", 6);
	p[15] = 2; /* ACPI 2.0+: the XSDT is used */
	put_le32(p + 20, RSDP_LEN);
	put_le64(p + 24, xsdt);
	p[8] = (u8)-sum8(p, 20);
	p[32] = (u8)-sum8(p, RSDP_LEN);
}

/* Tables 64-byte aligned after the RSDP: XSDT, FADT, DSDT, MADT, MCFG. */
int x86_acpi_build(u8 *buf, u64 cap, const struct x86_acpi *a)
{
	u64 off = 64, ent[3], xsdt_off;
	unsigned n = 0;
	u32 dsdt_len = HDR_LEN + sizeof(dsdt_aml);

	if (a->nvcpus == 0 || a->nvcpus > 255 || cap < 4096)
		return -E_NOSPC;
	memset(buf, 0, 4096);
	xsdt_off = off;
	off += 64;
	u64 dsdt = a->at + off;
	header(buf + off, "DSDT", dsdt_len, 2);
	memcpy(buf + off + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	finish(buf + off, dsdt_len);
	off += 64;
	ent[n++] = a->at + off;
	off += (build_fadt(buf + off, dsdt) + 63) & ~63u;
	ent[n++] = a->at + off;
	off += (build_madt(buf + off, a->nvcpus) + 63) & ~63u;
	if (off + 64 > 4096)
		return -E_NOSPC;
	if (a->ecam_base) {
		ent[n++] = a->at + off;
		off += (build_mcfg(buf + off, a->ecam_base) + 63) & ~63u;
	}
	build_xsdt(buf + xsdt_off, ent, n);
	build_rsdp(buf, a->at + xsdt_off);
	return (int)off;
}
