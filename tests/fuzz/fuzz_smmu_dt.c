// SPDX-License-Identifier: MIT
/*
 * DT iommu-map / iommu-map-mask / linux,pci-domain parsing (core/dt_iommu.c) over arbitrary
 * blobs: accepted or rejected without reading outside the blob, and what is accepted goes
 * through the tag-ownership invariant of fuzz_tags.h: overlapping and aliasing outputs,
 * masks and several SMMUs or segments never let one hardware tag reach two owners.
 */
#include <libfdt.h>
#include <stdint.h>
#include <string.h>

#include "core/dt_check.h"
#include "core/dt_iommu.h"
#include "core/log.h"
#include "fuzz_tags.h"

static void quiet(const char *s, size_t len)
{
	(void)s, (void)len;
}

/* What platform_from_dt() takes from the blob for this: the SMMUs, then each host bridge. */
static int scan(const void *fdt, struct platform *p)
{
	int node, err;
	u16 seg;

	for (node = fdt_node_offset_by_compatible(fdt, -1, "arm,smmu-v3");
	     node >= 0 && p->niommu < PLAT_MAX_IOMMU;
	     node = fdt_node_offset_by_compatible(fdt, node, "arm,smmu-v3"))
		p->iommu[p->niommu++] = (struct plat_iommu){ .kind = IOMMU_KIND_SMMUV3,
							     .phandle = fdt_get_phandle(fdt, node),
							     .scoped = true };
	for (node = fdt_node_offset_by_compatible(fdt, -1, "pci-host-ecam-generic"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "pci-host-ecam-generic"))
		if ((err = dt_pci_domain(fdt, node, &seg)) ||
		    (err = dt_iommu_map(fdt, node, seg, p)))
			return err;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct platform p;
	const char *why;
	void *blob = malloc(size ? size : 1); /* exact size: ASan sees reads past the end */

	log_set_sink(quiet);
	memcpy(blob, data, size);
	memset(&p, 0, sizeof(p));
	if (!dt_check_blob(blob, size, &why) && !scan(blob, &p)) {
		for (unsigned i = 0; i < p.niommu; i++)
			if (p.iommu[i].nscope > PLAT_MAX_SCOPE || iommu_scope_check(&p.iommu[i]))
				abort(); /* the parser let a malformed range through */
		ft_run(&p);
	}
	free(blob);
	return 0;
}
