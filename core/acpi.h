/* SPDX-License-Identifier: MIT */
/*
 * ACPI table access (ACPI 6.5 chapter 5.2). Firmware tables are untrusted: every table is
 * checked (signature, length, checksum) before any field is read, and every parser checks that
 * its sub-structures lie inside the table, are not zero-length and do not overlap.
 *
 * The parsers work on a byte buffer and fill a struct platform; they change nothing in it when
 * they return an error (callers pass a scratch copy and commit it on success).
 */
#ifndef CORE_ACPI_H
#define CORE_ACPI_H

#include "core/platform.h"
#include "lib/compiler.h"
#include "lib/types.h"

#define ACPI_HDR_LEN 36
/* No table Moat reads is anywhere near this; larger lengths are treated as corrupt. */
#define ACPI_TABLE_MAX (4U << 20)
#define ACPI_MAX_TABLES 64

struct acpi_table {
	const u8 *data;
	u32 len;
};

/* A validated set of tables, found through the RSDP and the XSDT (or RSDT). */
struct acpi_tables {
	u8 revision; /* RSDP revision */
	unsigned n;
	struct acpi_table t[ACPI_MAX_TABLES];
};

/* Checks a table's header: signature `sig` (NULL: any), length within [min, max], checksum. */
int acpi_check_table(const u8 *t, size_t avail, const char *sig, u32 min_len) __must_check;
/* Checks the RSDP at `p` (`avail` bytes readable) and returns the XSDT or RSDT address. */
int acpi_check_rsdp(const u8 *p, size_t avail, u8 *revision, paddr_t *sdt, bool *xsdt) __must_check;
/* Walks RSDP -> XSDT/RSDT -> tables, mapping each through arch_map_firmware(). */
int acpi_load_tables(paddr_t rsdp, struct acpi_tables *out) __must_check;
/* The first table with signature `sig`, or NULL. */
const struct acpi_table *acpi_find(const struct acpi_tables *ts, const char *sig);

/* Individual parsers: `t` must already have passed acpi_check_table(). */
int acpi_parse_madt(const u8 *t, u32 len, struct platform *p) __must_check;
int acpi_parse_mcfg(const u8 *t, u32 len, struct platform *p) __must_check;
int acpi_parse_spcr(const u8 *t, u32 len, struct platform *p) __must_check;
/* FADT plus the DSDT it points to (for \_S5); `dsdt` may be NULL. */
int acpi_parse_fadt(const u8 *t, u32 len, struct platform *p, paddr_t *dsdt) __must_check;
int acpi_parse_dsdt_s5(const u8 *t, u32 len, struct platform *p) __must_check;
/*
 * The DSDT's PCI host bridges (PNP0A08/PNP0A03: _SEG, _BBN, Name(_CRS) memory windows) give
 * each MCFG ECAM range of `p` its BAR windows (core/acpi_aml.c); -E_NOTSUP for AML beyond the
 * bounded reader, -E_CORRUPT, -E_NOSPC: then `p` is unchanged.
 */
int acpi_parse_dsdt_pci(const u8 *t, u32 len, struct platform *p) __must_check;
int acpi_parse_dmar(const u8 *t, u32 len, struct platform *p) __must_check;
int acpi_parse_ivrs(const u8 *t, u32 len, struct platform *p) __must_check;
int acpi_parse_iort(const u8 *t, u32 len, struct platform *p) __must_check;

/*
 * Logs which structure of table `sig` at byte offset `off` is bad and why; returns `err`.
 * The caller then reports the table as rejected (core/acpi.c).
 */
int acpi_reject(const char *sig, u32 off, const char *what, int err);

/* Adds an IOMMU after checking its MMIO range does not overlap one already known. */
int acpi_add_iommu(struct platform *p, const struct plat_iommu *m) __must_check;

#endif
