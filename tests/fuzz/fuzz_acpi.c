// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness over the ACPI parsers. The first input byte picks the table kind; the rest
 * is the table; DMAR, IVRS and IORT results also go through the tag-ownership invariant, DSDT
 * host bridge windows (core/acpi_aml.c) through the window checks of dsdt_pci(). Its header is patched (signature, length, checksum) half of the time so that
 * the fuzzer reaches the structure walkers instead of stopping at the checksum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/acpi.h"
#include "core/log.h"
#include "fuzz_tags.h"
#include "lib/bits.h"

static const char *const sigs[] = {
	"APIC", "MCFG", "DMAR", "IVRS", "IORT", "SPCR", "FACP", "DSDT"
};

static void seal(uint8_t *t, size_t n, const char *sig)
{
	uint8_t s = 0;

	memcpy(t, sig, 4);
	put_le32(t + 4, (uint32_t)n);
	t[9] = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + t[i]);
	t[9] = (uint8_t)-s;
}

/*
 * IOMMU tables that parse go through the tag-ownership invariant (fuzz_tags.h): overlapping
 * or aliasing IORT outputs, IVRS aliases and DMAR scopes never let a tag reach two owners.
 */
static void iommu_tables(int (*parse)(const u8 *, u32, struct platform *), const u8 *t, u32 len,
			 struct platform *p)
{
	if (parse(t, len, p))
		return;
	for (unsigned i = 0; i < p->niommu; i++)
		if (iommu_scope_check(&p->iommu[i]))
			return; /* refused at probe: nothing is attached on such a unit */
	ft_run(p);
}

/*
 * The DSDT's host bridge windows (core/acpi_aml.c) for two ECAM ranges: a window that comes
 * back (plat_ecam.fwwin; never mem32/mem64: ACPI keeps firmware's placement) is a real range
 * off every ECAM range; on an error nothing changed.
 */
static void window_ok(const struct platform *p, const struct pa_range *w)
{
	u64 end;

	if (!w->size || add_overflow(w->base.v, w->size, &end))
		abort();
	for (unsigned i = 0; i < p->necam; i++)
		if (w->base.v < p->ecam[i].base.v + p->ecam[i].size && p->ecam[i].base.v < end)
			abort();
}

static void dsdt_pci(const u8 *t, u32 len, struct platform *p)
{
	static struct platform before;

	p->necam = 2;
	p->ecam[0] = (struct plat_ecam){ .base = pa(0x4010000000ULL),
					 .size = 256 << 20,
					 .bus_end = 0xff };
	p->ecam[1] = (struct plat_ecam){
		.base = pa(0xb0000000), .size = 16 << 20, .segment = 1, .bus_end = 0xf
	};
	before = *p;
	if (acpi_parse_dsdt_pci(t, len, p)) {
		if (memcmp(&before, p, sizeof(before)))
			abort();
		return;
	}
	for (unsigned i = 0; i < p->necam; i++) {
		if (p->ecam[i].mem32.size || p->ecam[i].mem64.size ||
		    p->ecam[i].nfwwin > PLAT_MAX_FWWIN)
			abort(); /* ACPI keeps firmware's placement */
		for (unsigned w = 0; w < p->ecam[i].nfwwin; w++)
			window_ok(p, &p->ecam[i].fwwin[w]);
	}
}

/*
 * The ACPI path's memory map against the devices its tables name (issue 13 item 6 on ACPI, as
 * core/main.c runs it): fuzzed RAM ranges (the UEFI/E820 map), the MCFG ranges and an IOMMU,
 * the host bridge windows from the fuzzed DSDT; after platform_mem_check() no RAM meets any
 * of them (checked here independently).
 */
static bool meets(const struct platform *p, u64 base, u64 size)
{
	u64 end = base + size < base ? ~0ULL : base + size;

	for (unsigned i = 0; i < p->nmem; i++)
		if (size && p->mem[i].base.v < end && base < p->mem[i].base.v + p->mem[i].size)
			return true;
	return false;
}

static void memory_map(const uint8_t *d, size_t n, const u8 *dsdt, u32 len)
{
	static struct platform p;
	bool bad = false;

	memset(&p, 0, sizeof(p));
	dsdt_pci(dsdt, len, &p);
	p.niommu = 1;
	p.iommu[0] = (struct plat_iommu){ .kind = IOMMU_KIND_SMMUV3,
					  .base = pa(get_le32(d) & ~0xfffULL),
					  .size = 0x20000 };
	for (size_t off = 4; off + 16 <= n && p.nmem < PLAT_MAX_MEM; off += 16) {
		u64 b = get_le64(d + off) & ~0xfffULL, s = get_le64(d + off + 8) & ~0xfffULL;

		if (s && b + s > b)
			p.mem[p.nmem++] = (struct pa_range){ pa(b), s };
	}
	if (platform_mem_check(&p))
		return;
	bad |= meets(&p, p.iommu[0].base.v, p.iommu[0].size);
	for (unsigned i = 0; i < p.necam; i++)
		bad |= meets(&p, p.ecam[i].base.v, p.ecam[i].size) ||
		       meets(&p, p.ecam[i].mem32.base.v, p.ecam[i].mem32.size) ||
		       meets(&p, p.ecam[i].mem64.base.v, p.ecam[i].mem64.size);
	for (unsigned i = 0; i < p.necam; i++)
		for (unsigned w = 0; w < p.ecam[i].nfwwin; w++)
			bad |= meets(&p, p.ecam[i].fwwin[w].base.v, p.ecam[i].fwwin[w].size);
	if (bad)
		abort();
}

static void run(unsigned kind, const uint8_t *t, uint32_t len)
{
	static struct platform p;
	paddr_t dsdt;

	memset(&p, 0, sizeof(p));
	switch (kind) {
	case 0: (void)acpi_parse_madt(t, len, &p); break;
	case 1: (void)acpi_parse_mcfg(t, len, &p); break;
	case 2: iommu_tables(acpi_parse_dmar, t, len, &p); break;
	case 3: iommu_tables(acpi_parse_ivrs, t, len, &p); break;
	case 4: iommu_tables(acpi_parse_iort, t, len, &p); break;
	case 5: (void)acpi_parse_spcr(t, len, &p); break;
	case 6: (void)acpi_parse_fadt(t, len, &p, &dsdt); break;
	default:
		(void)acpi_parse_dsdt_s5(t, len, &p);
		memset(&p, 0, sizeof(p));
		dsdt_pci(t, len, &p);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(const char *s, size_t len)
{
	(void)s, (void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned kind;
	uint8_t *t;
	size_t n;

	log_set_sink(quiet);
	if (size < 2 || size > ACPI_TABLE_MAX)
		return 0;
	/* 0x40: a memory map (IOMMU base, RAM ranges: byte 1 of them, 16 bytes each) and a DSDT */
	if ((data[0] & 0x40) && size >= 2 + 4 + 16u * (data[1] & 7)) {
		size_t map = 4 + 16u * (data[1] & 7);

		n = size - 2 - map;
		t = malloc(n ? n : 1);
		memcpy(t, data + 2 + map, n);
		if (n >= ACPI_HDR_LEN)
			seal(t, n, "DSDT");
		if (!acpi_check_table(t, n, "DSDT", ACPI_HDR_LEN))
			memory_map(data + 2, map, t, get_le32(t + 4));
		free(t);
		return 0;
	}
	kind = data[0] & 7;
	n = size - 1;
	/* An exact-size heap copy, so that ASan sees any read past the table's end. */
	t = malloc(n);
	memcpy(t, data + 1, n);
	if ((data[0] & 0x80) && n >= ACPI_HDR_LEN)
		seal(t, n, sigs[kind]);
	if (!acpi_check_table(t, n, sigs[kind], ACPI_HDR_LEN))
		run(kind, t, get_le32(t + 4));
	{
		uint8_t rev;
		paddr_t sdt;
		bool x;
		(void)acpi_check_rsdp(t, n, &rev, &sdt, &x);
	}
	free(t);
	return 0;
}
