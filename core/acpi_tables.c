// SPDX-License-Identifier: MIT
/*
 * Platform tables: MADT (ACPI 6.5 section 5.2.12), MCFG (PCI Firmware Spec 3.3 section 4.1.2),
 * SPCR (Microsoft SPCR spec), FADT (5.2.9) and the \_S5 object of the DSDT (7.4.2). Each parser
 * works on a table that passed acpi_check_table() and checks every sub-structure it reads.
 */
#define LOG_COMPONENT "acpi"
#include "core/acpi.h"

#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

/* MADT interrupt controller structures (5.2.12) and their minimum lengths. */
#define MADT_HDR_LEN 44
#define MADT_LAPIC 0x0
#define MADT_X2APIC 0x9
#define MADT_GICC 0xb
#define MADT_GICD 0xc
#define MADT_GICR 0xe
#define MADT_GIC_ITS 0xf /* ACPI 6.x 5.2.12.18: Physical Base Address at 8 */
#define MADT_GIC_ITS_LEN 20
#define MADT_LAPIC_LEN 8
#define MADT_X2APIC_LEN 16
#define MADT_GICC_LEN 76 /* ACPI 5.1; 6.0 adds fields up to 80 */
#define MADT_GICD_LEN 24
#define MADT_GICR_LEN 16
#define MADT_CPU_ENABLED BIT(0)

static int madt_add_cpu(struct platform *p, u64 id)
{
	for (unsigned i = 0; i < p->ncpus; i++)
		if (p->cpu_id[i] == id)
			return trace_err(-E_CORRUPT); /* the same CPU twice */
	if (p->ncpus >= PLAT_MAX_CPUS) {
		pr_warn("more than %u cpus, ignoring the rest", PLAT_MAX_CPUS);
		return 0;
	}
	p->cpu_id[p->ncpus++] = id;
	return 0;
}

static int madt_gicd(struct platform *p, const u8 *e)
{
	u8 ver = e[20];

	if (p->gic_version)
		return trace_err(-E_CORRUPT); /* one distributor per system (5.2.12.15) */
	/* Version 0 means "discover from the hardware"; QEMU states it explicitly. */
	p->gic_version = ver ? ver : 3;
	p->gicd = pa(get_le64(e + 8));
	p->gicd_size = 0x10000;
	return 0;
}

static int madt_entry(struct platform *p, const u8 *e, u8 len)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (len < MADT_LAPIC_LEN)
			return trace_err(-E_CORRUPT);
		return get_le32(e + 4) & MADT_CPU_ENABLED ? madt_add_cpu(p, e[3]) : 0;
	case MADT_X2APIC:
		if (len < MADT_X2APIC_LEN)
			return trace_err(-E_CORRUPT);
		return get_le32(e + 8) & MADT_CPU_ENABLED ? madt_add_cpu(p, get_le32(e + 4)) : 0;
	case MADT_GICC:
		if (len < MADT_GICC_LEN)
			return trace_err(-E_CORRUPT);
		return get_le32(e + 12) & MADT_CPU_ENABLED
			       ? madt_add_cpu(p, get_le64(e + 68) & 0xff00ffffffULL)
			       : 0;
	case MADT_GICD: return len < MADT_GICD_LEN ? -E_CORRUPT : madt_gicd(p, e);
	case MADT_GICR:
		if (len < MADT_GICR_LEN)
			return trace_err(-E_CORRUPT);
		if (!p->gicr.v) {
			p->gicr = pa(get_le64(e + 4));
			p->gicr_size = get_le32(e + 12);
		}
		return 0;
	case MADT_GIC_ITS:
		if (len < MADT_GIC_ITS_LEN)
			return trace_err(-E_CORRUPT);
		if (!p->gic_its.v)
			p->gic_its = pa(get_le64(e + 8));
		return 0;
	default: return 0; /* other structures are not needed for discovery */
	}
}

int acpi_parse_madt(const u8 *t, u32 len, struct platform *p)
{
	u32 off = MADT_HDR_LEN;
	int err;

	if (len < MADT_HDR_LEN)
		return trace_err(-E_CORRUPT);
	while (off < len) {
		u8 elen;
		if (len - off < 2)
			return acpi_reject("APIC", off, "truncated entry header", -E_CORRUPT);
		elen = t[off + 1];
		if (elen < 2 || elen > len - off)
			return acpi_reject("APIC", off, "entry of zero length or past the end",
					   -E_CORRUPT);
		if ((err = madt_entry(p, t + off, elen)))
			return acpi_reject("APIC", off, "malformed or duplicate entry", err);
		off += elen;
	}
	return p->ncpus ? 0 : -E_NOENT;
}

/* MCFG: 44-byte header, then 16-byte allocation entries. */
#define MCFG_HDR_LEN 44
#define MCFG_ENTRY_LEN 16

static bool ecam_overlaps(const struct platform *p, const struct plat_ecam *e)
{
	for (unsigned i = 0; i < p->necam; i++) {
		const struct plat_ecam *o = &p->ecam[i];
		if (e->base.v < o->base.v + o->size && o->base.v < e->base.v + e->size)
			return true;
		if (e->segment == o->segment && e->bus_start <= o->bus_end &&
		    o->bus_start <= e->bus_end)
			return true;
	}
	return false;
}

int acpi_parse_mcfg(const u8 *t, u32 len, struct platform *p)
{
	if (len < MCFG_HDR_LEN || (len - MCFG_HDR_LEN) % MCFG_ENTRY_LEN)
		return trace_err(-E_CORRUPT);
	for (u32 off = MCFG_HDR_LEN; off < len; off += MCFG_ENTRY_LEN) {
		const u8 *m = t + off;
		struct plat_ecam e = { .segment = get_le16(m + 8),
				       .bus_start = m[10],
				       .bus_end = m[11] };
		u64 base = get_le64(m), end;

		if (e.bus_start > e.bus_end)
			return acpi_reject("MCFG", off, "bus range reversed", -E_CORRUPT);
		/* The base address corresponds to bus 0 even when the range starts later. */
		e.size = (u64)(e.bus_end - e.bus_start + 1) << 20;
		if (add_overflow(base, (u64)e.bus_start << 20, &base) ||
		    add_overflow(base, e.size, &end) || !base)
			return acpi_reject("MCFG", off, "ECAM range overflows", -E_CORRUPT);
		e.base = pa(base);
		if (ecam_overlaps(p, &e))
			return acpi_reject("MCFG", off, "overlapping ECAM entries", -E_CORRUPT);
		if (p->necam >= PLAT_MAX_ECAM) {
			pr_warn("more than %u ECAM ranges, ignoring the rest", PLAT_MAX_ECAM);
			break;
		}
		p->ecam[p->necam++] = e;
	}
	return 0;
}

/* SPCR: interface type at 36, base address (Generic Address Structure) at 40. */
#define SPCR_MIN_LEN 52
#define SPCR_16550 0x00
#define SPCR_16450 0x01
#define SPCR_PL011 0x03
#define SPCR_SBSA32 0x0d
#define SPCR_SBSA 0x0e
#define SPCR_16550_GAS 0x12
#define GAS_MEMORY 0
#define GAS_IO 1

int acpi_parse_spcr(const u8 *t, u32 len, struct platform *p)
{
	u8 type, space;
	u64 addr;

	if (len < SPCR_MIN_LEN)
		return trace_err(-E_CORRUPT);
	type = t[36];
	space = t[40];
	addr = get_le64(t + 44);
	if (!addr || (space != GAS_MEMORY && space != GAS_IO))
		return trace_err(-E_CORRUPT);
	switch (type) {
	case SPCR_PL011:
	case SPCR_SBSA32:
	case SPCR_SBSA:
		if (space != GAS_MEMORY)
			return trace_err(-E_CORRUPT);
		p->uart = UART_PL011;
		break;
	case SPCR_16550:
	case SPCR_16450:
	case SPCR_16550_GAS:
		if (space == GAS_IO && addr > 0xfff8)
			return trace_err(-E_CORRUPT);
		p->uart = space == GAS_IO ? UART_16550_PIO : UART_16550_MMIO;
		break;
	default: return trace_err(-E_NOTSUP);
	}
	p->uart_base = pa(addr);
	return 0;
}

/* FADT fields (Table 5.9). */
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_ARM_BOOT 129
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_FLAG_HW_REDUCED BIT(20)
#define FADT_ARM_PSCI BIT(0)
#define FADT_ARM_PSCI_HVC BIT(1)

/* An I/O-space PM1 control block from the 64-bit GAS, else the 32-bit port field. */
static int fadt_pm_port(const u8 *t, u32 len, u32 legacy_off, u32 gas_off, u16 *port)
{
	u64 v = get_le32(t + legacy_off);

	if (len >= gas_off + 12 && get_le64(t + gas_off + 4)) {
		if (t[gas_off] != GAS_IO)
			return 0; /* memory-mapped PM blocks are not used by Moat */
		v = get_le64(t + gas_off + 4);
	}
	if (v > 0xfffe)
		return trace_err(-E_CORRUPT);
	*port = (u16)v;
	return 0;
}

int acpi_parse_fadt(const u8 *t, u32 len, struct platform *p, paddr_t *dsdt)
{
	u64 d = 0;
	int err;

	if (len < FADT_FLAGS + 4)
		return trace_err(-E_CORRUPT);
	if (len >= FADT_ARM_BOOT + 2) {
		u16 arm = get_le16(t + FADT_ARM_BOOT);
		if (arm & FADT_ARM_PSCI)
			p->psci = arm & FADT_ARM_PSCI_HVC ? PSCI_HVC : PSCI_SMC;
	}
	if (len >= FADT_X_DSDT + 8)
		d = get_le64(t + FADT_X_DSDT);
	if (!d)
		d = get_le32(t + FADT_DSDT);
	*dsdt = pa(d);
	memset(&p->acpi_pm, 0, sizeof(p->acpi_pm));
	if (get_le32(t + FADT_FLAGS) & FADT_FLAG_HW_REDUCED)
		return 0; /* no fixed hardware: power-off goes through PSCI or the like */
	if ((err = fadt_pm_port(t, len, FADT_PM1A_CNT, FADT_X_PM1A_CNT, &p->acpi_pm.pm1a_cnt)) ||
	    (err = fadt_pm_port(t, len, FADT_PM1B_CNT, FADT_X_PM1B_CNT, &p->acpi_pm.pm1b_cnt)))
		return err;
	return 0;
}

/*
 * AML (ACPI 6.5 chapter 20) just far enough to read \_S5: NameOp "_S5_" PackageOp PkgLength
 * NumElements, then two integers (ZeroOp, OneOp, BytePrefix b, WordPrefix w, or a raw byte).
 */
#define AML_NAME_OP 0x08
#define AML_PACKAGE_OP 0x12
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_ROOT_CHAR 0x5c

static int aml_int(const u8 *a, u32 len, u32 *off, u16 *v)
{
	if (*off >= len)
		return trace_err(-E_CORRUPT);
	switch (a[*off]) {
	case AML_ZERO_OP:
		*v = 0;
		*off += 1;
		return 0;
	case AML_ONE_OP:
		*v = 1;
		*off += 1;
		return 0;
	case AML_BYTE_PREFIX:
		if (len - *off < 2)
			return trace_err(-E_CORRUPT);
		*v = a[*off + 1];
		*off += 2;
		return 0;
	case AML_WORD_PREFIX:
		if (len - *off < 3)
			return trace_err(-E_CORRUPT);
		*v = get_le16(a + *off + 1);
		*off += 3;
		return 0;
	default: return trace_err(-E_NOTSUP);
	}
}

static int aml_s5_package(const u8 *a, u32 len, u32 off, struct plat_acpi_pm *pm)
{
	u32 pkglen_bytes;
	u16 ta, tb;
	int err;

	if (off >= len || a[off] != AML_PACKAGE_OP || len - off < 3)
		return trace_err(-E_NOTSUP);
	off++;
	pkglen_bytes = 1 + (a[off] >> 6); /* PkgLength: bits 7:6 count the extra bytes */
	if (len - off < pkglen_bytes + 1)
		return trace_err(-E_CORRUPT);
	off += pkglen_bytes + 1; /* skip PkgLength and NumElements */
	if ((err = aml_int(a, len, &off, &ta)) || (err = aml_int(a, len, &off, &tb)))
		return err;
	pm->slp_typ_a = ta & 7;
	pm->slp_typ_b = tb & 7;
	pm->valid = true;
	return 0;
}

int acpi_parse_dsdt_s5(const u8 *t, u32 len, struct platform *p)
{
	for (u32 off = ACPI_HDR_LEN; off + 6 <= len; off++) {
		u32 name = off + 1;

		if (t[off] != AML_NAME_OP)
			continue;
		if (t[name] == AML_ROOT_CHAR)
			name++;
		if (memcmp(t + name, "_S5_", 4))
			continue;
		if (!aml_s5_package(t, len, name + 4, &p->acpi_pm))
			return 0;
	}
	return -E_NOENT;
}
