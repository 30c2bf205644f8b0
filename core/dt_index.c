// SPDX-License-Identifier: MIT
#include "core/dt_index.h"

#include <libfdt.h>
#include <string.h>

#include "lib/bits.h"

#define DT_INDEX_MAX 1024
#define DT_DEPTH_MAX 32
#define DT_NAME_CACHE 64 /* property name offsets seen, direct-mapped */

#define TAG_BEGIN_NODE 1 /* DT spec 5.4.1 structure block tokens */
#define TAG_END_NODE 2
#define TAG_PROP 3
#define TAG_NOP 4
#define TAG_END 9

static const char *const dt_prop_names[DT_NPROPS] = {
	[DT_COMPATIBLE] = "compatible",	  [DT_STATUS] = "status",
	[DT_DEVICE_TYPE] = "device_type", [DT_REG] = "reg",
	[DT_RANGES] = "ranges",		  [DT_ADDRESS_CELLS] = "#address-cells",
	[DT_SIZE_CELLS] = "#size-cells",  [DT_INTERRUPT_PARENT] = "interrupt-parent",
	[DT_PHANDLE] = "phandle",	  [DT_LINUX_PHANDLE] = "linux,phandle",
};

struct dt_ent {
	int off;		 /* the node's FDT_BEGIN_NODE, as libfdt numbers nodes */
	int parent, child, next; /* entries; -1: none */
	int depth;
	u32 prop[DT_NPROPS]; /* the property's FDT_PROP token; 0 (the root's token): none */
};

/* Written by the boot CPU only, during platform discovery. */
static struct {
	const void *fdt; /* NULL: no index */
	const u8 *s;	 /* the structure block */
	unsigned n;
	struct dt_ent e[DT_INDEX_MAX]; /* document order: `off` increasing */
} idx;

/* nameoff + 1 (0: empty slot) and the property it names (DT_NPROPS: none kept). */
static struct {
	u64 key;
	u8 prop;
} names[DT_NAME_CACHE];

/* Which kept property the string at `nameoff` names; DT_NPROPS for none or a bad offset. */
static unsigned dt_prop_of(const char *str, u32 nstr, u32 nameoff)
{
	unsigned slot = (nameoff ^ nameoff >> 6) % DT_NAME_CACHE, p = DT_NPROPS;

	if (names[slot].key == (u64)nameoff + 1)
		return names[slot].prop;
	if (nameoff < nstr && memchr(str + nameoff, 0, nstr - nameoff))
		for (p = 0; p < DT_NPROPS && strcmp(str + nameoff, dt_prop_names[p]); p++)
			;
	names[slot].key = (u64)nameoff + 1;
	names[slot].prop = (u8)p;
	return p;
}

static void dt_index_node(u32 at, int depth, int *stack, int *last)
{
	struct dt_ent *e = &idx.e[idx.n];
	int i = (int)idx.n++;

	*e = (struct dt_ent){ .off = (int)at,
			      .parent = depth ? stack[depth - 1] : -1,
			      .child = -1,
			      .next = -1,
			      .depth = depth };
	if (last[depth] >= 0)
		idx.e[last[depth]].next = i;
	else if (depth)
		idx.e[stack[depth - 1]].child = i;
	last[depth] = i;
	last[depth + 1] = -1;
	stack[depth] = i;
}

/*
 * One walk over the structure block `s` of `n` bytes, every length checked against what is
 * left. A property is kept as libfdt finds it: the first of its name, before the node's first
 * subnode (fdt_first_property_offset() stops there). False: not indexed.
 */
static bool dt_index_walk(const u8 *s, u32 n, const char *str, u32 nstr)
{
	int stack[DT_DEPTH_MAX], last[DT_DEPTH_MAX + 1], depth = -1;
	u32 off = 0;

	last[0] = -1;
	while (n - off >= 4) {
		u32 at = off, tag = get_be32(s + off), len, p;
		const u8 *nul;

		off += 4;
		switch (tag) {
		case TAG_BEGIN_NODE:
			if (!(nul = memchr(s + off, 0, n - off)) || (depth < 0 && idx.n) ||
			    depth + 1 >= DT_DEPTH_MAX || idx.n == DT_INDEX_MAX)
				return false; /* unterminated name, a second root, too much */
			off += (u32)(nul - (s + off)) + 1;
			dt_index_node(at, ++depth, stack, last);
			break;
		case TAG_END_NODE:
			if (depth-- < 0)
				return false;
			break;
		case TAG_PROP:
			if (n - off < 8 || depth < 0 || (len = get_be32(s + off)) > n - off - 8)
				return false;
			p = dt_prop_of(str, nstr, get_be32(s + off + 4));
			off += 8 + len;
			if (p < DT_NPROPS && idx.e[stack[depth]].child < 0 &&
			    !idx.e[stack[depth]].prop[p])
				idx.e[stack[depth]].prop[p] = at;
			break;
		case TAG_NOP: break;
		case TAG_END: return depth == -1 && idx.n;
		default: return false;
		}
		if (n - off < (-off & 3))
			return false;
		off += -off & 3; /* tokens are 32-bit aligned */
	}
	return false;
}

void dt_index_build(const void *fdt)
{
	u32 total = fdt_totalsize(fdt), so = fdt_off_dt_struct(fdt), sn = fdt_size_dt_struct(fdt);
	u32 to = fdt_off_dt_strings(fdt), tn = fdt_size_dt_strings(fdt);

	idx.fdt = NULL;
	idx.n = 0;
	memset(names, 0, sizeof(names));
	if (so > total || sn > total - so || to > total || tn > total - to || total > INT32_MAX)
		return;
	idx.s = (const u8 *)fdt + so;
	if (dt_index_walk(idx.s, sn, (const char *)fdt + to, tn))
		idx.fdt = fdt;
}

bool dt_indexed(const void *fdt)
{
	return fdt && fdt == idx.fdt;
}

/* The entry of `node`; NULL when the index does not cover it (another blob, not a node). */
static const struct dt_ent *dt_find(const void *fdt, int node)
{
	static unsigned last; /* lookups come in runs on one node */
	unsigned lo = 0, hi = idx.n;

	if (fdt != idx.fdt || node < 0)
		return NULL;
	if (last < idx.n && idx.e[last].off == node)
		return &idx.e[last];
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (idx.e[mid].off == node)
			return &idx.e[last = mid];
		if (idx.e[mid].off < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int dt_parent(const void *fdt, int node)
{
	const struct dt_ent *e = dt_find(fdt, node);

	if (!e || e->parent < 0)
		return fdt_parent_offset(fdt, node); /* the root, or not a node: libfdt's answer */
	return idx.e[e->parent].off;
}

const void *dt_getprop(const void *fdt, int node, enum dt_prop p, int *lenp)
{
	const struct dt_ent *e = dt_find(fdt, node);
	u32 at;

	if (!e || (unsigned)p >= DT_NPROPS)
		return fdt_getprop(fdt, node, (unsigned)p < DT_NPROPS ? dt_prop_names[p] : "",
				   lenp);
	at = e->prop[p];
	if (lenp)
		*lenp = at ? (int)get_be32(idx.s + at + 4) : -FDT_ERR_NOTFOUND;
	return at ? idx.s + at + 12 : NULL;
}

u32 dt_phandle(const void *fdt, int node)
{
	int len;
	const u8 *v = dt_getprop(fdt, node, DT_PHANDLE, &len);

	if (!v || len != 4)
		v = dt_getprop(fdt, node, DT_LINUX_PHANDLE, &len);
	return v && len == 4 ? get_be32(v) : 0;
}

int dt_node_by_phandle(const void *fdt, u32 phandle)
{
	if (!dt_indexed(fdt))
		return fdt_node_offset_by_phandle(fdt, phandle);
	if (phandle == 0 || phandle == ~0u)
		return -FDT_ERR_BADPHANDLE;
	for (unsigned i = 0; i < idx.n; i++)
		if (dt_phandle(fdt, idx.e[i].off) == phandle)
			return idx.e[i].off;
	return -FDT_ERR_NOTFOUND;
}

int dt_node_check_compatible(const void *fdt, int node, const char *compatible)
{
	int len;
	const char *list;

	if (!dt_find(fdt, node))
		return fdt_node_check_compatible(fdt, node, compatible);
	list = dt_getprop(fdt, node, DT_COMPATIBLE, &len);
	return list ? !fdt_stringlist_contains(list, len, compatible) : len;
}

int dt_node_by_compatible(const void *fdt, int from, const char *compatible)
{
	const struct dt_ent *e = from == -1 && dt_indexed(fdt) ? idx.e : dt_find(fdt, from);

	if (!e)
		return fdt_node_offset_by_compatible(fdt, from, compatible);
	for (unsigned i = (unsigned)(e - idx.e) + (from != -1); i < idx.n; i++)
		if (!dt_node_check_compatible(fdt, idx.e[i].off, compatible))
			return idx.e[i].off;
	return -FDT_ERR_NOTFOUND;
}

int dt_first_subnode(const void *fdt, int node)
{
	const struct dt_ent *e = dt_find(fdt, node);

	if (!e)
		return fdt_first_subnode(fdt, node);
	return e->child >= 0 ? idx.e[e->child].off : -FDT_ERR_NOTFOUND;
}

int dt_next_subnode(const void *fdt, int node)
{
	const struct dt_ent *e = dt_find(fdt, node);

	if (!e)
		return fdt_next_subnode(fdt, node);
	return e->next >= 0 ? idx.e[e->next].off : -FDT_ERR_NOTFOUND;
}

/* libfdt's name match: the whole name, or the name before its "@unit" if `s` has no '@'. */
static bool dt_name_eq(int node, const char *s, int len)
{
	const char *name = (const char *)idx.s + node + 4;
	size_t nlen = strlen(name);

	if (nlen < (size_t)len || memcmp(name, s, (size_t)len))
		return false;
	return !name[len] || (name[len] == '@' && !memchr(s, '@', (size_t)len));
}

static int dt_subnode(const struct dt_ent *e, const char *name, int len)
{
	for (int c = e->child; c >= 0; c = idx.e[c].next)
		if (dt_name_eq(idx.e[c].off, name, len))
			return c;
	return -1;
}

int dt_path_offset(const void *fdt, const char *path, int namelen)
{
	const char *p = path, *end = path + (namelen > 0 ? namelen : 0);
	int at = 0;

	if (!dt_indexed(fdt) || namelen <= 0 || *path != '/')
		return fdt_path_offset_namelen(fdt, path, namelen); /* aliases too */
	while (p < end) {
		const char *q;

		while (*p == '/')
			if (++p == end)
				return idx.e[at].off;
		q = memchr(p, '/', (size_t)(end - p));
		if (!q)
			q = end;
		if ((at = dt_subnode(&idx.e[at], p, (int)(q - p))) < 0)
			return -FDT_ERR_NOTFOUND;
		p = q;
	}
	return idx.e[at].off;
}

int dt_next_node(const void *fdt, int node, int *depth)
{
	const struct dt_ent *e = node == -1 && dt_indexed(fdt) ? NULL : dt_find(fdt, node);
	int d, r;

	if (node == -1 && dt_indexed(fdt)) {
		*depth = 0;
		return idx.e[0].off;
	}
	if (e) {
		if ((unsigned)(e - idx.e) + 1 >= idx.n)
			return -FDT_ERR_NOTFOUND;
		*depth = e[1].depth;
		return e[1].off;
	}
	/* libfdt counts from the depth it is given and stops below 0: one above the root. */
	d = node < 0 ? 0 : *depth + 1;
	r = fdt_next_node(fdt, node, &d);
	if (r >= 0) {
		if (d < 1)
			return -FDT_ERR_NOTFOUND; /* past the root's end */
		*depth = d - 1;
	}
	return r;
}
