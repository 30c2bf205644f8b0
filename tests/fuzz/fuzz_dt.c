// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: device-tree platform discovery must accept or reject any blob, never crash;
 * and no RAM range it accepts may overlap a device range the same tree names (issue 13 item 6),
 * checked here independently of core/platform_mem.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/platform.h"

static void quiet(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool meets(const struct platform *p, u64 base, u64 size)
{
	u64 end = base + size < base ? ~0ULL : base + size;

	for (unsigned i = 0; i < p->nmem; i++) {
		u64 b = p->mem[i].base.v, e = b + p->mem[i].size;
		if (size && b < end && base < e)
			return true;
	}
	return false;
}

static void check_ram_apart_from_devices(const struct platform *p)
{
	bool bad = false;

	for (unsigned i = 0; i < p->niommu; i++)
		bad |= meets(p, p->iommu[i].base.v, p->iommu[i].size);
	for (unsigned i = 0; i < p->necam; i++)
		bad |= meets(p, p->ecam[i].base.v, p->ecam[i].size) ||
		       meets(p, p->ecam[i].mem32.base.v, p->ecam[i].mem32.size) ||
		       meets(p, p->ecam[i].mem64.base.v, p->ecam[i].mem64.size);
	if (p->gic_version)
		bad |= meets(p, p->gicd.v, p->gicd_size) || meets(p, p->gicr.v, p->gicr_size);
	if (p->uart == UART_PL011)
		bad |= meets(p, p->uart_base.v, 0x1000);
	if (p->rtc_pl031.v)
		bad |= meets(p, p->rtc_pl031.v, 0x1000);
	if (bad)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct platform p;
	char line[160], v[32];
	/* An exact-size heap copy, 8-byte aligned as the boot protocol guarantees, so ASan sees
	 * any read past the end. */
	void *blob = malloc(size ? size : 1);

	log_set_sink(quiet);
	memcpy(blob, data, size);
	if (!platform_from_dt(blob, size, &p)) {
		if (p.ncpus < 1 || p.ncpus > PLAT_MAX_CPUS || p.nmem > PLAT_MAX_MEM ||
		    p.nrsv > PLAT_MAX_RSV || p.niommu > PLAT_MAX_IOMMU || p.necam > PLAT_MAX_ECAM ||
		    strnlen(p.bootargs, sizeof(p.bootargs)) == sizeof(p.bootargs))
			abort();
		check_ram_apart_from_devices(&p);
		(void)platform_summary(&p, line, sizeof(line));
		(void)platform_bootarg(&p, "moat.selftest", v, sizeof(v));
	}
	free(blob);
	return 0;
}
