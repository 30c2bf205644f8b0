// SPDX-License-Identifier: MIT
/*
 * IOMMU description tables: DMAR (Intel VT-d spec rev 4.1 chapter 8), IVRS (AMD IOMMU spec
 * 48882 rev 3.08 section 5.2) and IORT (Arm DEN 0049E). Every remapping structure, device scope,
 * IVHD device entry and IORT node is checked to lie inside its parent, to have a non-zero length
 * and not to overlap its neighbours before a field of it is read.
 */
#define LOG_COMPONENT "acpi"
#include "core/acpi.h"

#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

static int scope_add(struct plat_iommu *m, const struct plat_scope *s)
{
	if (m->nscope >= PLAT_MAX_SCOPE)
		return trace_err(-E_NOSPC);
	m->scope[m->nscope++] = *s;
	return 0;
}

/* ---- DMAR ----------------------------------------------------------------------------------- */
#define DMAR_HDR_LEN 48
#define DMAR_DRHD 0
#define DMAR_DRHD_LEN 16
#define DMAR_RMRR 1
#define DMAR_RMRR_LEN 24
#define DMAR_INCLUDE_ALL BIT(0)
#define DMAR_SCOPE_LEN 6 /* type, length, reserved[2], enumeration ID, start bus */
#define DMAR_REG_PAGES_MAX 15

/* Device scope (8.3.1): type 1 endpoint, 2 bridge, 3 I/O APIC, 4 HPET, 5 ACPI namespace. */
static int dmar_scope(struct plat_iommu *m, const u8 *s, u8 len)
{
	struct plat_scope sc = { .segment = m->segment, .enum_id = s[4], .bus = s[5] };
	unsigned npath = (len - DMAR_SCOPE_LEN) / 2;

	if ((len - DMAR_SCOPE_LEN) % 2 || npath == 0 || npath > ARRAY_SIZE(sc.path))
		return trace_err(-E_CORRUPT);
	for (unsigned i = 0; i < npath; i++) {
		u8 dev = s[DMAR_SCOPE_LEN + 2 * i], fn = s[DMAR_SCOPE_LEN + 2 * i + 1];
		if (dev > 31 || fn > 7)
			return trace_err(-E_CORRUPT);
		sc.path[i] = (u8)(dev << 3 | fn);
	}
	sc.npath = (u8)npath;
	sc.rid_first = sc.rid_last = (u16)(sc.bus << 8 | sc.path[0]);
	switch (s[0]) {
	case 1: sc.kind = SCOPE_DEVICE; break;
	case 2: sc.kind = SCOPE_BRIDGE; break;
	case 3: sc.kind = SCOPE_IOAPIC; break;
	case 4: sc.kind = SCOPE_HPET; break;
	case 5: return 0; /* ACPI namespace devices: not PCI requesters Moat assigns */
	default: return trace_err(-E_CORRUPT);
	}
	return scope_add(m, &sc);
}

static int dmar_drhd(struct platform *p, const u8 *d, u16 len)
{
	struct plat_iommu m = { .kind = IOMMU_KIND_VTD, .scoped = true };
	u16 off = DMAR_DRHD_LEN;
	int err;

	if (len < DMAR_DRHD_LEN)
		return trace_err(-E_CORRUPT);
	m.include_all = d[4] & DMAR_INCLUDE_ALL;
	if (d[5] > DMAR_REG_PAGES_MAX)
		return trace_err(-E_CORRUPT);
	m.size = PAGE_SIZE << d[5]; /* "Size": 2^N 4 KiB pages of registers (rev 3.0+) */
	m.segment = get_le16(d + 6);
	m.base = pa(get_le64(d + 8));
	if (!m.base.v || !IS_ALIGNED(m.base.v, PAGE_SIZE))
		return trace_err(-E_CORRUPT);
	while (off < len) {
		u8 slen;
		if (len - off < 2)
			return trace_err(-E_CORRUPT);
		slen = d[off + 1];
		if (slen < DMAR_SCOPE_LEN || slen > len - off)
			return trace_err(-E_CORRUPT);
		if ((err = dmar_scope(&m, d + off, slen)))
			return err;
		off = (u16)(off + slen);
	}
	return acpi_add_iommu(p, &m);
}

/*
 * RMRR (8.4): memory some device keeps using for DMA (USB legacy emulation, GPU stolen
 * memory); it must stay out of the frame allocator. Its device scopes are framed, not used.
 */
static int dmar_rmrr(struct platform *p, const u8 *d, u16 len)
{
	u64 base, limit;

	if (len < DMAR_RMRR_LEN)
		return trace_err(-E_CORRUPT);
	base = get_le64(d + 8);
	limit = get_le64(d + 16);
	if (limit < base || !IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(limit + 1, PAGE_SIZE))
		return trace_err(-E_CORRUPT);
	for (u16 off = DMAR_RMRR_LEN; off < len;) {
		u8 slen;
		if (len - off < 2)
			return trace_err(-E_CORRUPT);
		slen = d[off + 1];
		if (slen < DMAR_SCOPE_LEN || slen > len - off)
			return trace_err(-E_CORRUPT);
		off = (u16)(off + slen);
	}
	if (p->nrsv >= PLAT_MAX_RSV)
		return trace_err(-E_NOSPC);
	p->rsv[p->nrsv++] = (struct pa_range){ pa(base), limit - base + 1 };
	return 0;
}

int acpi_parse_dmar(const u8 *t, u32 len, struct platform *p)
{
	u32 off = DMAR_HDR_LEN;
	int err;

	if (len < DMAR_HDR_LEN)
		return trace_err(-E_CORRUPT);
	while (off < len) {
		u16 type, slen;
		if (len - off < 4)
			return acpi_reject("DMAR", off, "truncated structure header", -E_CORRUPT);
		type = get_le16(t + off);
		slen = get_le16(t + off + 2);
		if (slen < 4 || slen > len - off)
			return acpi_reject("DMAR", off, "structure of zero length or past the end",
					   -E_CORRUPT);
		/* ATSR, RHSA, ANDD, SATC: framed and checked, not needed for discovery. */
		if (type == DMAR_DRHD && (err = dmar_drhd(p, t + off, slen)))
			return acpi_reject("DMAR", off, "bad DRHD or device scope", err);
		if (type == DMAR_RMRR && (err = dmar_rmrr(p, t + off, slen)))
			return acpi_reject("DMAR", off, "bad RMRR or device scope", err);
		off += slen;
	}
	return 0;
}

/* ---- IVRS ----------------------------------------------------------------------------------- */
#define IVRS_HDR_LEN 48
#define IVHD_10 0x10
#define IVHD_11 0x11
#define IVHD_40 0x40
#define IVHD_10_LEN 24
#define IVHD_11_LEN 40
#define AMDVI_MMIO_SIZE 0x80000 /* 512 KiB register space (3.4) */

/* Device entry types (Table 99). */
#define IVDE_ALL 1
#define IVDE_SELECT 2
#define IVDE_START 3
#define IVDE_END 4
#define IVDE_ALIAS_SELECT 0x42
#define IVDE_ALIAS_START 0x43
#define IVDE_EXT_SELECT 0x46
#define IVDE_EXT_START 0x47
#define IVDE_SPECIAL 0x48
#define IVDE_ACPI_HID 0xf0
#define IVDE_HID_FIXED 22

struct ivhd_walk {
	struct plat_iommu *m;
	bool open; /* a range start waits for its end entry */
	struct plat_scope range;
};

/* Length of the device entry at e (avail bytes left), or 0 if it cannot be framed. */
static u32 ivde_len(const u8 *e, u32 avail)
{
	u8 type = e[0];

	if (type < 0x40)
		return 4;
	if (type < 0x80)
		return 8;
	if (type == IVDE_ACPI_HID && avail >= IVDE_HID_FIXED)
		return IVDE_HID_FIXED + e[21]; /* UID length at byte 21 */
	return 0;
}

static int ivde_range_start(struct ivhd_walk *w, u8 kind, u16 rid, u16 alias)
{
	if (w->open)
		return trace_err(-E_CORRUPT); /* two starts without an end */
	w->open = true;
	w->range = (struct plat_scope){ .kind = kind,
					.segment = w->m->segment,
					.rid_first = rid,
					.out_base = kind == SCOPE_ALIAS ? alias : rid };
	return 0;
}

static int ivde_one(struct ivhd_walk *w, const u8 *e)
{
	u16 rid = get_le16(e + 1);
	struct plat_scope s = {
		.segment = w->m->segment, .rid_first = rid, .rid_last = rid, .out_base = rid
	};

	if (w->open && e[0] != IVDE_END && e[0] != 0)
		return trace_err(-E_CORRUPT); /* only an end entry may follow a start */
	switch (e[0]) {
	case 0: return 0; /* padding */
	case IVDE_ALL: w->m->include_all = true; return 0;
	case IVDE_SELECT:
	case IVDE_EXT_SELECT: s.kind = SCOPE_RANGE; return scope_add(w->m, &s);
	case IVDE_START:
	case IVDE_EXT_START: return ivde_range_start(w, SCOPE_RANGE, rid, 0);
	case IVDE_ALIAS_START: return ivde_range_start(w, SCOPE_ALIAS, rid, get_le16(e + 5));
	case IVDE_ALIAS_SELECT:
		s.kind = SCOPE_ALIAS;
		s.out_base = get_le16(e + 5);
		return scope_add(w->m, &s);
	case IVDE_END:
		if (!w->open || rid < w->range.rid_first)
			return trace_err(-E_CORRUPT);
		w->open = false;
		w->range.rid_last = rid;
		return scope_add(w->m, &w->range);
	case IVDE_SPECIAL:
		/* Byte 6: variety (1 IOAPIC, 2 HPET); bytes 5-6 give the device ID it uses. */
		if (e[7] != 1 && e[7] != 2)
			return trace_err(-E_CORRUPT);
		s.kind = e[7] == 1 ? SCOPE_IOAPIC : SCOPE_HPET;
		s.enum_id = e[4];
		s.rid_first = s.rid_last = get_le16(e + 5);
		return scope_add(w->m, &s);
	default: return 0; /* other entries are framed by their type and skipped */
	}
}

static int ivhd_parse(const u8 *h, u16 len, struct plat_iommu *m)
{
	u32 hdr = h[0] == IVHD_10 ? IVHD_10_LEN : IVHD_11_LEN, off = hdr;
	struct ivhd_walk w = { .m = m };
	int err;

	if (len < hdr)
		return trace_err(-E_CORRUPT);
	*m = (struct plat_iommu){ .kind = IOMMU_KIND_AMDVI,
				  .size = AMDVI_MMIO_SIZE,
				  .scoped = true };
	m->rid = get_le16(h + 4);
	m->base = pa(get_le64(h + 8));
	m->segment = get_le16(h + 16);
	if (hdr == IVHD_11_LEN)
		m->features = get_le64(h + 24);
	if (!m->base.v || !IS_ALIGNED(m->base.v, 0x4000))
		return trace_err(-E_CORRUPT);
	while (off < len) {
		u32 elen = ivde_len(h + off, len - off);
		if (!elen || elen > len - off)
			return trace_err(-E_CORRUPT);
		if ((err = ivde_one(&w, h + off)))
			return err;
		off += elen;
	}
	return w.open ? -E_CORRUPT : 0;
}

/*
 * Firmware lists one IOMMU once per IVHD type it supports (QEMU: 0x10 and 0x11 with the same
 * base). Software uses the newest type it understands and ignores the others for that unit.
 */
static int ivrs_pick(const u8 *t, u32 len, u16 rid, u16 seg, u8 *best)
{
	*best = 0;
	for (u32 off = IVRS_HDR_LEN; off < len;) {
		u16 blen = get_le16(t + off + 2);
		u8 type = t[off];
		if ((type == IVHD_10 || type == IVHD_11 || type == IVHD_40) &&
		    blen >= IVHD_10_LEN && get_le16(t + off + 4) == rid &&
		    get_le16(t + off + 16) == seg)
			*best = MAX(*best, type);
		off += blen;
	}
	return 0;
}

/* Frames every block (type, flags, length) before any is parsed. */
static int ivrs_frame(const u8 *t, u32 len)
{
	for (u32 off = IVRS_HDR_LEN; off < len;) {
		u16 blen;
		if (len - off < 4)
			return acpi_reject("IVRS", off, "truncated block header", -E_CORRUPT);
		blen = get_le16(t + off + 2);
		if (blen < 4 || blen > len - off)
			return acpi_reject("IVRS", off, "block of zero length or past the end",
					   -E_CORRUPT);
		off += blen;
	}
	return 0;
}

int acpi_parse_ivrs(const u8 *t, u32 len, struct platform *p)
{
	static struct plat_iommu m;
	int err;

	if (len < IVRS_HDR_LEN || ivrs_frame(t, len))
		return trace_err(-E_CORRUPT);
	for (u32 off = IVRS_HDR_LEN; off < len; off += get_le16(t + off + 2)) {
		u16 blen = get_le16(t + off + 2);
		u8 type = t[off], best;
		if (type != IVHD_10 && type != IVHD_11 && type != IVHD_40)
			continue; /* IVMD blocks: framed, not needed for discovery */
		if (blen < IVHD_10_LEN)
			return acpi_reject("IVRS", off, "IVHD shorter than its header", -E_CORRUPT);
		(void)ivrs_pick(t, len, get_le16(t + off + 4), get_le16(t + off + 16), &best);
		if (type != best)
			continue;
		if ((err = ivhd_parse(t + off, blen, &m)) || (err = acpi_add_iommu(p, &m)))
			return acpi_reject("IVRS", off,
					   "bad IVHD, device entry or overlapping unit", err);
	}
	return 0;
}

/* ---- IORT ----------------------------------------------------------------------------------- */
#define IORT_HDR_LEN 48
#define IORT_NODE_HDR 16
#define IORT_RC 2
#define IORT_SMMUV3 4
#define IORT_RC_MIN 36 /* node header + memory access properties, ATS, segment, ... */
#define IORT_SMMUV3_MIN 68
#define IORT_IDMAP_LEN 20
#define IORT_IDMAP_SINGLE BIT(0)
#define SMMUV3_MMIO_SIZE 0x20000 /* two 64 KiB register pages (SMMUv3 spec 6.1) */

struct iort_walk {
	const u8 *t;
	u32 len;
	u32 node_off[PLAT_MAX_IOMMU * 4];
	unsigned nnodes;
};

static bool iort_is_node(const struct iort_walk *w, u32 off)
{
	for (unsigned i = 0; i < w->nnodes; i++)
		if (w->node_off[i] == off)
			return true;
	return false;
}

/* Checks a node's ID-mapping array lies inside the node, after its fixed fields. */
static int iort_idmaps(const u8 *n, u16 nlen, u32 fixed, u32 *count, u32 *ref)
{
	u64 end;

	*count = get_le32(n + 8);
	*ref = get_le32(n + 12);
	if (!*count)
		return 0;
	if (*ref < fixed || add_overflow((u64)*ref, (u64)*count * IORT_IDMAP_LEN, &end) ||
	    end > nlen)
		return trace_err(-E_CORRUPT);
	return 0;
}

/*
 * IORT (DEN 0049E 3.1.1.5) SMMUv3 node: Event, PRI, GERR and Sync GSIVs at 44..56, wired
 * edge-triggered; 0 means none. A GSIV outside the SPI range is ignored (the driver polls).
 */
static void iort_smmu_irqs(const u8 *n, struct plat_irq irq[PLAT_IOMMU_NIRQ])
{
	static const u8 off[PLAT_IOMMU_NIRQ] = { [PLAT_IOMMU_IRQ_EVTQ] = 44,
						 [PLAT_IOMMU_IRQ_PRIQ] = 48,
						 [PLAT_IOMMU_IRQ_GERROR] = 52,
						 [PLAT_IOMMU_IRQ_CMDQ_SYNC] = 56 };

	for (unsigned k = 0; k < PLAT_IOMMU_NIRQ; k++) {
		u32 gsiv = get_le32(n + off[k]);

		if (gsiv >= 32 && gsiv <= 1019)
			irq[k] = (struct plat_irq){ .intid = gsiv, .edge = true };
	}
}

static int iort_smmu(struct platform *p, const u8 *n, u16 nlen)
{
	/* Scoped: only the root-complex ID mappings that name the node reach it. */
	struct plat_iommu m = { .kind = IOMMU_KIND_SMMUV3,
				.size = SMMUV3_MMIO_SIZE,
				.scoped = true };
	u32 count, ref;
	int err;

	if (nlen < IORT_SMMUV3_MIN || (err = iort_idmaps(n, nlen, IORT_SMMUV3_MIN, &count, &ref)))
		return trace_err(-E_CORRUPT);
	m.base = pa(get_le64(n + IORT_NODE_HDR));
	if (!m.base.v || !IS_ALIGNED(m.base.v, 0x10000))
		return trace_err(-E_CORRUPT);
	iort_smmu_irqs(n, m.irq);
	return acpi_add_iommu(p, &m);
}

static struct plat_iommu *iort_smmu_at(struct platform *p, const struct iort_walk *w, u32 off)
{
	u64 base;

	if (w->t[off] != IORT_SMMUV3)
		return NULL; /* SMMUv3 nodes were checked to be IORT_SMMUV3_MIN long */
	base = get_le64(w->t + off + IORT_NODE_HDR);
	for (unsigned i = 0; i < p->niommu; i++)
		if (p->iommu[i].kind == IOMMU_KIND_SMMUV3 && p->iommu[i].base.v == base)
			return &p->iommu[i];
	return NULL;
}

/* Root complex: RID ranges mapped to stream IDs of an SMMUv3 node (or straight to an ITS). */
static int iort_rc(struct platform *p, const struct iort_walk *w, const u8 *n, u16 nlen)
{
	u32 count, ref, prev_end = 0;
	u16 seg;
	int err;

	if (nlen < IORT_RC_MIN || (err = iort_idmaps(n, nlen, IORT_RC_MIN, &count, &ref)))
		return trace_err(-E_CORRUPT);
	seg = (u16)get_le32(n + 28);
	for (u32 i = 0; i < count; i++) {
		const u8 *im = n + ref + i * IORT_IDMAP_LEN;
		u32 in = get_le32(im), num = get_le32(im + 4), out = get_le32(im + 8);
		u32 target = get_le32(im + 12), last, oend;
		struct plat_iommu *m;

		/* "Number of IDs" is the range size minus one. */
		if (add_overflow(in, num, &last) || add_overflow(out, num, &oend) || last > 0xffff)
			return trace_err(-E_CORRUPT);
		if (!iort_is_node(w, target))
			return trace_err(
				-E_CORRUPT); /* the output reference must be the start of a node */
		if (i && in < prev_end)
			return trace_err(-E_CORRUPT); /* input ranges overlap or are out of order */
		prev_end = last + 1;
		m = iort_smmu_at(p, w, target);
		if (!m)
			continue; /* e.g. an ITS group: not behind an SMMU */
		struct plat_scope s = { .kind = SCOPE_RANGE,
					.segment = seg,
					.rid_first = (u16)in,
					.rid_last = (u16)last,
					.out_base = out };
		if ((err = scope_add(m, &s)))
			return err;
	}
	return 0;
}

/* Frames the node array: each node inside the table, non-zero, one after the other. */
static int iort_frame(struct iort_walk *w, u32 nnodes, u32 first)
{
	u32 off = first;

	if (first < IORT_HDR_LEN || first > w->len)
		return acpi_reject("IORT", first, "node array outside the table", -E_CORRUPT);
	for (u32 i = 0; i < nnodes; i++) {
		u16 nlen;
		if (w->len - off < IORT_NODE_HDR)
			return acpi_reject("IORT", off, "more nodes than the table holds",
					   -E_CORRUPT);
		nlen = get_le16(w->t + off + 1);
		if (nlen < IORT_NODE_HDR || nlen > w->len - off)
			return acpi_reject("IORT", off, "node of zero length or past the end",
					   -E_CORRUPT);
		if (w->nnodes >= ARRAY_SIZE(w->node_off))
			return trace_err(-E_NOSPC);
		w->node_off[w->nnodes++] = off;
		off += nlen;
	}
	return 0;
}

int acpi_parse_iort(const u8 *t, u32 len, struct platform *p)
{
	static struct iort_walk w;
	int err;

	if (len < IORT_HDR_LEN)
		return trace_err(-E_CORRUPT);
	w = (struct iort_walk){ .t = t, .len = len };
	if ((err = iort_frame(&w, get_le32(t + 36), get_le32(t + 40))))
		return err;
	/* SMMU nodes first, so that root-complex mappings can refer to them. */
	for (unsigned i = 0; i < w.nnodes; i++) {
		const u8 *n = t + w.node_off[i];
		if (n[0] == IORT_SMMUV3 && (err = iort_smmu(p, n, get_le16(n + 1))))
			return acpi_reject("IORT", w.node_off[i], "bad SMMUv3 node", err);
	}
	for (unsigned i = 0; i < w.nnodes; i++) {
		const u8 *n = t + w.node_off[i];
		if (n[0] == IORT_RC && (err = iort_rc(p, &w, n, get_le16(n + 1))))
			return acpi_reject("IORT", w.node_off[i], "bad root complex ID mapping",
					   err);
	}
	return 0;
}
