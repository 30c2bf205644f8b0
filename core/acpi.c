// SPDX-License-Identifier: MIT
/*
 * ACPI root tables (ACPI 6.5 section 5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT) and the discovery
 * entry point. Each table is mapped read-only, its header checked, then handed to its parser
 * with a scratch copy of the platform that is committed only when the parser succeeds.
 */
#define LOG_COMPONENT "acpi"
#include "core/acpi.h"

#include <arch/mm.h>
#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"

#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

static u8 acpi_sum(const u8 *p, size_t n)
{
	u8 s = 0;

	for (size_t i = 0; i < n; i++)
		s = (u8)(s + p[i]);
	return s;
}

int acpi_check_table(const u8 *t, size_t avail, const char *sig, u32 min_len)
{
	u32 len;

	if (avail < ACPI_HDR_LEN)
		return trace_err(-E_CORRUPT);
	len = get_le32(t + 4);
	if (sig && memcmp(t, sig, 4))
		return trace_err(-E_CORRUPT);
	if (len < ACPI_HDR_LEN || len < min_len || len > avail || len > ACPI_TABLE_MAX)
		return trace_err(-E_CORRUPT);
	if (acpi_sum(t, len))
		return trace_err(-E_CORRUPT);
	return 0;
}

int acpi_check_rsdp(const u8 *p, size_t avail, u8 *revision, paddr_t *sdt, bool *xsdt)
{
	u32 len;

	if (avail < RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) || acpi_sum(p, RSDP_V1_LEN))
		return trace_err(-E_CORRUPT);
	*revision = p[15];
	if (p[15] < 2) {
		*sdt = pa(get_le32(p + 16));
		*xsdt = false;
		return sdt->v ? 0 : trace_err(-E_CORRUPT);
	}
	if (avail < RSDP_V2_LEN)
		return trace_err(-E_CORRUPT);
	len = get_le32(p + 20);
	if (len < RSDP_V2_LEN || len > avail || acpi_sum(p, len))
		return trace_err(-E_CORRUPT);
	*sdt = pa(get_le64(p + 24));
	*xsdt = true;
	if (!sdt->v) { /* an ACPI 2.0+ RSDP may still carry only the RSDT */
		*sdt = pa(get_le32(p + 16));
		*xsdt = false;
	}
	return sdt->v ? 0 : trace_err(-E_CORRUPT);
}

/* Maps a table: its header first, then the length the header claims. */
static int acpi_map_table(paddr_t at, const char *sig, struct acpi_table *out)
{
	const u8 *h = arch_map_firmware(at, ACPI_HDR_LEN);
	u32 len;

	if (!h)
		return trace_err(-E_NOMEM);
	len = get_le32(h + 4);
	if (len < ACPI_HDR_LEN || len > ACPI_TABLE_MAX)
		return trace_err(-E_CORRUPT);
	h = arch_map_firmware(at, len);
	if (!h)
		return trace_err(-E_NOMEM);
	if (acpi_check_table(h, len, sig, ACPI_HDR_LEN))
		return trace_err(-E_CORRUPT);
	*out = (struct acpi_table){ h, len };
	return 0;
}

static int acpi_add_entry(struct acpi_tables *ts, paddr_t at)
{
	struct acpi_table t;
	int err = acpi_map_table(at, NULL, &t);

	if (err) {
		pr_err("table at 0x%llx rejected (bad header, length or checksum): %s",
		       (unsigned long long)at.v, err_str(err));
		return 0; /* skip it: nothing from a corrupt table is used */
	}
	if (ts->n >= ACPI_MAX_TABLES) {
		pr_warn("more than %u tables, ignoring %.4s", ACPI_MAX_TABLES,
			(const char *)t.data);
		return 0;
	}
	ts->t[ts->n++] = t;
	return 0;
}

int acpi_load_tables(paddr_t rsdp, struct acpi_tables *out)
{
	const u8 *r = arch_map_firmware(rsdp, RSDP_V2_LEN);
	struct acpi_table sdt;
	paddr_t sdt_pa;
	bool x;
	int err;

	memset(out, 0, sizeof(*out));
	if (!r)
		return trace_err(-E_NOMEM);
	if ((err = acpi_check_rsdp(r, RSDP_V2_LEN, &out->revision, &sdt_pa, &x))) {
		pr_err("RSDP at 0x%llx rejected", (unsigned long long)rsdp.v);
		return err;
	}
	if ((err = acpi_map_table(sdt_pa, x ? "XSDT" : "RSDT", &sdt))) {
		pr_err("%s at 0x%llx rejected: %s", x ? "XSDT" : "RSDT",
		       (unsigned long long)sdt_pa.v, err_str(err));
		return err;
	}
	unsigned esz = x ? 8 : 4;
	if ((sdt.len - ACPI_HDR_LEN) % esz) {
		pr_err("%s length %u is not a whole number of entries", x ? "XSDT" : "RSDT",
		       sdt.len);
		return trace_err(-E_CORRUPT);
	}
	for (u32 off = ACPI_HDR_LEN; off < sdt.len; off += esz) {
		u64 at = x ? get_le64(sdt.data + off) : get_le32(sdt.data + off);
		if (at && (err = acpi_add_entry(out, pa(at))))
			return err;
	}
	return 0;
}

const struct acpi_table *acpi_find(const struct acpi_tables *ts, const char *sig)
{
	for (unsigned i = 0; i < ts->n; i++)
		if (!memcmp(ts->t[i].data, sig, 4))
			return &ts->t[i];
	return NULL;
}

int acpi_reject(const char *sig, u32 off, const char *what, int err)
{
	pr_err("%s: %s at offset 0x%x", sig, what, off);
	return err;
}

int acpi_add_iommu(struct platform *p, const struct plat_iommu *m)
{
	u64 end, oend;

	if (!m->size || add_overflow(m->base.v, m->size, &end))
		return trace_err(-E_CORRUPT);
	for (unsigned i = 0; i < p->niommu; i++) {
		const struct plat_iommu *o = &p->iommu[i];
		oend = o->base.v + o->size;
		if (m->base.v < oend && o->base.v < end)
			return trace_err(-E_CORRUPT); /* two units claim the same registers */
	}
	if (p->niommu >= PLAT_MAX_IOMMU)
		return trace_err(-E_NOSPC);
	p->iommu[p->niommu++] = *m;
	return 0;
}

typedef int (*acpi_parser)(const u8 *t, u32 len, struct platform *p);

/*
 * Scratch copies of the platform: a rejected table leaves the result as it was. They are static
 * because struct platform is too large for the boot stack several times over; discovery runs
 * once, on one CPU.
 */
static struct platform scratch, result;

static int acpi_apply(const struct acpi_tables *ts, const char *sig, acpi_parser fn,
		      struct platform *p, bool required)
{
	const struct acpi_table *t = acpi_find(ts, sig);
	int err;

	if (!t) {
		if (required)
			pr_err("no %s table", sig);
		return required ? trace_err(-E_NOENT) : 0;
	}
	scratch = *p;
	err = fn(t->data, t->len, &scratch);
	if (err) {
		pr_err("%s rejected: %s; nothing from it is used", sig, err_str(err));
		return required ? err : 0;
	}
	*p = scratch;
	return 0;
}

/* The host bridge windows of the DSDT (after the MCFG): firmware's BARs are checked against
 * them (pci/bar.c); without them against bridge windows only. */
static void acpi_apply_dsdt_pci(const struct acpi_table *dsdt, struct platform *p)
{
	struct platform *tmp = &scratch;
	int err;

	if (!p->necam)
		return;
	*tmp = *p;
	if ((err = acpi_parse_dsdt_pci(dsdt->data, dsdt->len, tmp))) {
		pr_warn("DSDT: host bridge windows not read (%s): BARs checked against bridge "
			"windows only",
			err_str(err));
		return;
	}
	for (unsigned i = 0; i < p->necam; i++) {
		const struct plat_ecam *e = &tmp->ecam[i];
		char line[24 * PLAT_MAX_FWWIN * 2 + 8];
		size_t at = 0;

		p->ecam[i].nfwwin = e->nfwwin;
		memcpy(p->ecam[i].fwwin, e->fwwin, sizeof(e->fwwin));
		for (unsigned w = 0; w < e->nfwwin && at < sizeof(line); w++)
			at += (size_t)fmt_snprintf(line + at, sizeof(line) - at, " 0x%llx+0x%llx",
						   (unsigned long long)e->fwwin[w].base.v,
						   (unsigned long long)e->fwwin[w].size);
		if (e->nfwwin)
			pr_info("segment %u: host bridge windows (DSDT):%s", e->segment, line);
	}
}

static void acpi_apply_fadt(const struct acpi_tables *ts, struct platform *p)
{
	const struct acpi_table *f = acpi_find(ts, "FACP");
	struct acpi_table dsdt;
	struct platform *tmp = &scratch;
	struct plat_acpi_pm pm;
	paddr_t dsdt_pa = pa(0);
	int err;

	if (!f)
		return;
	*tmp = *p;
	if ((err = acpi_parse_fadt(f->data, f->len, tmp, &dsdt_pa))) {
		pr_err("FACP rejected: %s; nothing from it is used", err_str(err));
		return;
	}
	p->psci = tmp->psci;
	pm = tmp->acpi_pm;
	if (!dsdt_pa.v)
		return;
	if ((err = acpi_map_table(dsdt_pa, "DSDT", &dsdt))) {
		pr_err("DSDT at 0x%llx rejected: %s", (unsigned long long)dsdt_pa.v, err_str(err));
		return;
	}
	acpi_apply_dsdt_pci(&dsdt, p); /* uses the scratch copy too */
	if (!pm.pm1a_cnt)
		return;
	*tmp = *p;
	tmp->acpi_pm = pm;
	if ((err = acpi_parse_dsdt_s5(dsdt.data, dsdt.len, tmp))) {
		pr_err("DSDT: no usable \\_S5: %s; ACPI power-off unavailable", err_str(err));
		return;
	}
	p->acpi_pm = tmp->acpi_pm;
}

int platform_from_acpi(paddr_t rsdp, struct platform *p)
{
	static struct acpi_tables ts;
	struct platform *tmp = &result;
	int err;

	if ((err = acpi_load_tables(rsdp, &ts)))
		return err;
	memset(tmp, 0, sizeof(*tmp));
	if ((err = acpi_apply(&ts, "APIC", acpi_parse_madt, tmp, true)))
		return err;
	if ((err = acpi_apply(&ts, "MCFG", acpi_parse_mcfg, tmp, false)) ||
	    (err = acpi_apply(&ts, "SPCR", acpi_parse_spcr, tmp, false)) ||
	    (err = acpi_apply(&ts, "DMAR", acpi_parse_dmar, tmp, false)) ||
	    (err = acpi_apply(&ts, "IVRS", acpi_parse_ivrs, tmp, false)) ||
	    (err = acpi_apply(&ts, "IORT", acpi_parse_iort, tmp, false)))
		return err;
	acpi_apply_fadt(&ts, tmp);
	*p = *tmp;
	return 0;
}
