// SPDX-License-Identifier: MIT
/*
 * Requester ID to StreamID mapping from the device tree: the `iommu-map` property of PCI host
 * bridges (Documentation of the PCI IOMMU binding: <rid-base iommu-phandle iommu-base length>,
 * with #iommu-cells = 1 for SMMUv3) and the optional `iommu-map-mask`. The blob is untrusted:
 * lengths, cell counts and ranges are checked before use.
 */
#define LOG_COMPONENT "smmu"
#include "iommu/smmuv3/smmu_dt.h"

#include <libfdt.h>

#include "core/dt_check.h"

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

static int smmu_dt_add(struct smmu_rid_map *m, const u8 *cell, u32 mask)
{
	u32 rid = get_be32(cell), sid = get_be32(cell + 8), len = get_be32(cell + 12), end;
	struct smmu_rid_range *r;

	if (!len || add_overflow(rid, len - 1, &end) || add_overflow(sid, len - 1, &end)) {
		pr_err("iommu-map entry rid 0x%x sid 0x%x length 0x%x overflows", rid, sid, len);
		return -E_CORRUPT;
	}
	if (m->n == SMMU_RID_MAP_MAX) {
		pr_err("more than %u iommu-map entries", SMMU_RID_MAP_MAX);
		return -E_NOSPC;
	}
	r = &m->r[m->n++];
	*r = (struct smmu_rid_range){ .rid_base = rid, .sid_base = sid, .len = len, .mask = mask };
	return 0;
}

static int smmu_dt_node(const void *fdt, int node, u32 phandle, struct smmu_rid_map *m)
{
	int len, mlen, err;
	const u8 *p = fdt_getprop(fdt, node, "iommu-map", &len);
	const u8 *mp = fdt_getprop(fdt, node, "iommu-map-mask", &mlen);
	u32 mask = 0xffffffffu;

	if (!p)
		return 0;
	if (len <= 0 || len % 16) {
		pr_err("%s: iommu-map of %d bytes is not a list of 4-cell entries",
		       fdt_get_name(fdt, node, NULL), len);
		return -E_CORRUPT;
	}
	if (mp && mlen == 4)
		mask = get_be32(mp);
	else if (mp) {
		pr_err("%s: bad iommu-map-mask", fdt_get_name(fdt, node, NULL));
		return -E_CORRUPT;
	}
	for (int off = 0; off < len; off += 16) {
		if (get_be32(p + off + 4) != phandle)
			continue; /* another IOMMU's range */
		m->present = true;
		err = smmu_dt_add(m, p + off, mask);
		if (err)
			return err;
	}
	return 0;
}

int smmu_dt_rid_map(const void *fdt, size_t max_size, u32 phandle, struct smmu_rid_map *m)
{
	int node, err;

	m->n = 0;
	m->present = false;
	/* The whole structure is checked before any lookup (core/dt_check.c). */
	const char *why;

	if (dt_check_blob(fdt, max_size, &why))
		return -E_CORRUPT;
	if (!phandle)
		return 0;
	for (node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		err = smmu_dt_node(fdt, node, phandle, m);
		if (err) {
			m->n = 0;
			m->present = false;
			return err;
		}
	}
	return node == -FDT_ERR_NOTFOUND ? 0 : -E_CORRUPT;
}

int smmu_rid_to_sid(const struct smmu_rid_map *m, u32 rid, u32 *sid)
{
	if (!m->present) {
		*sid = rid; /* no map: StreamID = RID, the usual identity wiring */
		return 0;
	}
	for (unsigned i = 0; i < m->n; i++) {
		const struct smmu_rid_range *r = &m->r[i];
		u32 x = rid & r->mask;
		if (x >= r->rid_base && x - r->rid_base < r->len) {
			*sid = r->sid_base + (x - r->rid_base);
			return 0;
		}
	}
	return -E_NOENT;
}

int smmu_scope_rid_map(const struct plat_iommu *desc, struct smmu_rid_map *m)
{
	m->n = 0;
	m->present = false;
	for (unsigned i = 0; i < desc->nscope && i < PLAT_MAX_SCOPE; i++) {
		const struct plat_scope *sc = &desc->scope[i];
		u32 len, end;

		if (sc->kind != SCOPE_RANGE)
			continue;
		if (sc->rid_last < sc->rid_first)
			return -E_CORRUPT;
		len = (u32)sc->rid_last - sc->rid_first + 1;
		if (add_overflow(sc->out_base, len - 1, &end))
			return -E_CORRUPT;
		if (m->n == SMMU_RID_MAP_MAX)
			return -E_NOSPC;
		m->r[m->n++] = (struct smmu_rid_range){ .rid_base = sc->rid_first,
							.sid_base = sc->out_base,
							.len = len,
							.mask = 0xffffffffu };
		m->present = true;
	}
	return 0;
}
