// SPDX-License-Identifier: MIT
/*
 * The PCI IOMMU binding: a host bridge's `iommu-map` is a list of <rid-base iommu-phandle
 * iommu-base length> (one specifier cell: #iommu-cells = 1, as SMMUv3 has), applied to the
 * requester ID after `iommu-map-mask`. Each entry becomes a scope entry of the IOMMU it names
 * (struct plat_scope), where the IOMMU core resolves requesters and their aliases from. The
 * blob is untrusted: lengths, cell counts and ranges are checked before use; overlapping
 * outputs are not an error here (the core groups them: iommu/scope.c).
 */
#define LOG_COMPONENT "dt"
#include "core/dt_iommu.h"

#include <libfdt.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

#define DT_IOMMU_MAP_ENTRY 16 /* four cells */
#define RID_MAX 0xffffu

int dt_pci_domain(const void *fdt, int node, u16 *segment)
{
	int len;
	const u8 *p = fdt_getprop(fdt, node, "linux,pci-domain", &len);

	*segment = 0;
	if (!p)
		return 0;
	if (len != 4 || get_be32(p) > 0xffff) {
		pr_err("%s: bad linux,pci-domain", fdt_get_name(fdt, node, NULL));
		return trace_err(-E_CORRUPT);
	}
	*segment = (u16)get_be32(p);
	return 0;
}

static struct plat_iommu *dt_iommu_by_phandle(struct platform *p, u32 phandle)
{
	for (unsigned i = 0; phandle && i < p->niommu; i++)
		if (p->iommu[i].phandle == phandle)
			return &p->iommu[i];
	return NULL;
}

/* The mask, as the requester ID bits it drops; -E_CORRUPT if the property is malformed. */
static int dt_iommu_mask(const void *fdt, int node, u16 *ignore)
{
	int len;
	const u8 *m = fdt_getprop(fdt, node, "iommu-map-mask", &len);

	*ignore = 0;
	if (!m)
		return 0;
	if (len != 4) {
		pr_err("%s: bad iommu-map-mask", fdt_get_name(fdt, node, NULL));
		return trace_err(-E_CORRUPT);
	}
	*ignore = (u16)~get_be32(m);
	return 0;
}

static int dt_iommu_entry(const void *fdt, int node, const u8 *cell, struct plat_scope *sc)
{
	u32 rid = get_be32(cell), out = get_be32(cell + 8), len = get_be32(cell + 12), end;

	if (!len || add_overflow(rid, len - 1, &end) || end > RID_MAX ||
	    add_overflow(out, len - 1, &end)) {
		pr_err("%s: iommu-map entry rid 0x%x sid 0x%x length 0x%x overflows",
		       fdt_get_name(fdt, node, NULL), rid, out, len);
		return trace_err(-E_CORRUPT);
	}
	sc->kind = SCOPE_RANGE;
	sc->rid_first = (u16)rid;
	sc->rid_last = (u16)(rid + len - 1);
	sc->out_base = out;
	return 0;
}

int dt_iommu_map(const void *fdt, int node, u16 segment, struct platform *p)
{
	int len, err;
	const u8 *map = fdt_getprop(fdt, node, "iommu-map", &len);
	struct plat_scope sc = { .segment = segment };

	if (!map)
		return 0; /* the bridge's requesters are behind no IOMMU */
	if (len <= 0 || len % DT_IOMMU_MAP_ENTRY) {
		pr_err("%s: iommu-map of %d bytes is not a list of 4-cell entries",
		       fdt_get_name(fdt, node, NULL), len);
		return trace_err(-E_CORRUPT);
	}
	if ((err = dt_iommu_mask(fdt, node, &sc.rid_ignore)))
		return err;
	for (int off = 0; off < len; off += DT_IOMMU_MAP_ENTRY) {
		struct plat_iommu *m;

		if ((err = dt_iommu_entry(fdt, node, map + off, &sc)))
			return err;
		m = dt_iommu_by_phandle(p, get_be32(map + off + 4));
		if (!m)
			continue; /* an IOMMU Moat does not drive */
		if (m->nscope == PLAT_MAX_SCOPE) {
			pr_err("%s: more than %u iommu-map entries for one IOMMU",
			       fdt_get_name(fdt, node, NULL), PLAT_MAX_SCOPE);
			return trace_err(-E_NOSPC);
		}
		m->scope[m->nscope++] = sc;
	}
	return 0;
}
