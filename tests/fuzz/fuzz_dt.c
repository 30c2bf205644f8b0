// SPDX-License-Identifier: MIT
/* libFuzzer harness: device-tree platform discovery must accept or reject any blob, never crash. */
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
		(void)platform_summary(&p, line, sizeof(line));
		(void)platform_bootarg(&p, "moat.selftest", v, sizeof(v));
	}
	free(blob);
	return 0;
}
