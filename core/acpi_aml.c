// SPDX-License-Identifier: MIT
/*
 * The PCI host bridges of the DSDT and their BAR windows (issue 13 item 4): a bounded AML
 * reader (ACPI 6.5 chapter 20) for the common declarative forms, not an interpreter.
 *
 * The DSDT is untrusted. The walker follows the namespace through Scope and Device bodies
 * (depth at most AML_MAX_DEPTH), reads Name objects, and skips what it knows how to skip
 * (methods, fields, regions with constant operands, If/Else/While, ...); any other opcode stops
 * the whole reading (-E_NOTSUP): Moat then keeps no windows, as without a DSDT, rather than
 * windows from half a table. A host bridge is a device whose _HID or _CID is PNP0A08 or
 * PNP0A03; its _SEG and _BBN (default 0) and the Name(_CRS, ResourceTemplate) buffer are read
 * where they are constants. A window is a fixed memory range the bridge produces (ACPI 6.5
 * 6.4.3.5: Word/DWord/QWord/Extended Address Space, resource type 0, _MIF and _MAF set,
 * consumer bit clear) with no translation (_TRA 0) and a length that agrees with _MIN/_MAX.
 * Each ECAM range of the MCFG gets the windows of its one host bridge (same segment, bus range
 * inside) in plat_ecam.fwwin, off every ECAM range; where two bridges, or a bridge whose
 * segment cannot be read, could be the one, or it has more than PLAT_MAX_FWWIN windows, the
 * ECAM range gets none, with one line. Firmware's BAR placement is kept on ACPI; the windows
 * are what pci/bar.c checks it against.
 */
#define LOG_COMPONENT "acpi"
#include "core/acpi.h"

#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

#define AML_MAX_DEPTH 8
#define AML_MAX_BRIDGES 16
#define AML_MAX_NAMES 64 /* _CRS/_SEG/_BBN objects of the bridges kept */

#define AML_EXT_PREFIX 0x5b
#define EISA_PNP0A08 0x080ad041u /* EisaId("PNP0A08") as the DWordConst stores it */
#define EISA_PNP0A03 0x030ad041u

struct aml_path {
	unsigned depth;
	u32 seg[AML_MAX_DEPTH];
};

enum aml_key {
	AML_HID,
	AML_CID,
	AML_CRS,
	AML_SEG,
	AML_BBN
};

struct aml_name {
	struct aml_path scope; /* the object the name belongs to (its parent) */
	enum aml_key key;
	bool is_int, is_buf;
	u64 v;	      /* an integer, or a HID/CID as an EISA id (strings converted) */
	u32 off, len; /* a buffer's byte list */
};

struct aml {
	const u8 *a;
	u32 len;
	unsigned pass; /* 1: the host bridges (_HID, _CID); 2: their _CRS, _SEG, _BBN */
	unsigned nbr, n;
	struct aml_path br[AML_MAX_BRIDGES];
	struct aml_name names[AML_MAX_NAMES];
};

/* PkgLength at *off (20.2.4): the end of the package it starts, checked against `end`. */
static int aml_pkg(const struct aml *m, u32 *off, u32 end, u32 *pkg_end)
{
	u32 at = *off, n, v;

	if (at >= end)
		return -E_CORRUPT;
	n = m->a[at] >> 6;
	if (end - at < n + 1)
		return -E_CORRUPT;
	v = n ? m->a[at] & 0x0f : m->a[at] & 0x3f;
	for (u32 i = 0; i < n; i++)
		v |= (u32)m->a[at + 1 + i] << (4 + 8 * i);
	if (v < n + 1 || v > end - at)
		return -E_CORRUPT;
	*pkg_end = at + v;
	*off = at + n + 1;
	return 0;
}

static bool aml_lead(u8 c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool aml_segc(u8 c)
{
	return aml_lead(c) || (c >= '0' && c <= '9');
}

static int aml_seg(const struct aml *m, u32 *off, u32 end, u32 *seg)
{
	const u8 *s = m->a + *off;

	if (end - *off < 4 || !aml_lead(s[0]) || !aml_segc(s[1]) || !aml_segc(s[2]) ||
	    !aml_segc(s[3]))
		return -E_CORRUPT;
	*seg = get_le32(s);
	*off += 4;
	return 0;
}

/* The count of NameSegs of the NamePath at *off (20.2.2), after its prefix byte if any. */
static int aml_name_count(const struct aml *m, u32 *off, u32 end, unsigned *count)
{
	if (*off >= end)
		return -E_CORRUPT;
	switch (m->a[*off]) {
	case 0x00: *count = 0; return (*off)++, 0; /* NullName */
	case 0x2e: *count = 2; return (*off)++, 0; /* DualNamePrefix */
	case 0x2f:				   /* MultiNamePrefix SegCount */
		if (end - *off < 2)
			return -E_CORRUPT;
		*count = m->a[*off + 1];
		*off += 2;
		return 0;
	default: *count = 1; return 0;
	}
}

/* A NameString resolved against `scope` into `out` (20.2.2). */
static int aml_namestring(const struct aml *m, u32 *off, u32 end, const struct aml_path *scope,
			  struct aml_path *out)
{
	unsigned up = 0, count;
	int err;

	*out = *scope;
	if (*off < end && m->a[*off] == '\\') {
		out->depth = 0;
		(*off)++;
	}
	while (*off < end && m->a[*off] == '^' && ++up <= AML_MAX_DEPTH)
		(*off)++;
	if (up > out->depth)
		return -E_CORRUPT;
	out->depth -= up;
	if ((err = aml_name_count(m, off, end, &count)))
		return err;
	for (unsigned i = 0; i < count; i++) {
		if (out->depth >= AML_MAX_DEPTH)
			return -E_NOTSUP;
		if ((err = aml_seg(m, off, end, &out->seg[out->depth++])))
			return err;
	}
	return 0;
}

/* An integer constant (20.2.3); -E_NOTSUP for anything else. */
static int aml_int(const struct aml *m, u32 *off, u32 end, u64 *v)
{
	static const u8 width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };
	u8 op;

	if (*off >= end)
		return -E_CORRUPT;
	op = m->a[(*off)++];
	if (op == 0x00 || op == 0x01 || op == 0xff) {
		*v = op == 0xff ? ~0ULL : op;
		return 0;
	}
	if (op >= sizeof(width) || !width[op])
		return -E_NOTSUP;
	if (end - *off < width[op])
		return -E_CORRUPT;
	*v = 0;
	for (unsigned i = 0; i < width[op]; i++)
		*v |= (u64)m->a[*off + i] << (8 * i);
	*off += width[op];
	return 0;
}

/* "PNP0A08" as a string _HID: the EISA id it names (others: 0). */
static u64 aml_str_id(const u8 *s, u32 n)
{
	if (n == 7 && !memcmp(s, "PNP0A08", 7))
		return EISA_PNP0A08;
	if (n == 7 && !memcmp(s, "PNP0A03", 7))
		return EISA_PNP0A03;
	return 0;
}

/* A DataRefObject (20.2.3) at *off, skipped; integers, strings and buffers are described. */
static int aml_data(const struct aml *m, u32 *off, u32 end, struct aml_name *d)
{
	u32 pend, at;
	u8 op;

	if (*off >= end)
		return -E_CORRUPT;
	op = m->a[*off];
	if (op == 0x0d) { /* String: ASCII up to a NUL */
		const u8 *s = m->a + *off + 1, *z = memchr(s, 0, end - *off - 1);

		if (!z)
			return -E_CORRUPT;
		d->v = aml_str_id(s, (u32)(z - s));
		*off = (u32)(z - m->a) + 1;
		return 0;
	}
	if (op == 0x11 || op == 0x12 || op == 0x13) { /* Buffer, Package, VarPackage */
		at = *off + 1;
		if (aml_pkg(m, &at, end, &pend))
			return -E_CORRUPT;
		if (op == 0x11 && !aml_int(m, &at, pend, &d->v) && at <= pend) {
			d->is_buf = true;
			d->off = at;
			d->len = pend - at;
		}
		*off = pend;
		return 0;
	}
	if (op == AML_EXT_PREFIX && end - *off >= 2 && m->a[*off + 1] == 0x30) {
		*off += 2; /* RevisionOp */
		return 0;
	}
	d->is_int = true;
	return aml_int(m, off, end, &d->v);
}

static int aml_key_of(u32 seg, enum aml_key *k)
{
	static const char *const keys[] = { "_HID", "_CID", "_CRS", "_SEG", "_BBN" };

	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++)
		if (seg == get_le32((const u8 *)keys[i])) {
			*k = (enum aml_key)i;
			return 0;
		}
	return -E_NOENT;
}

/* Keeps `d` if `p` names an object Moat reads. */
static bool aml_same(const struct aml_path *a, const struct aml_path *b)
{
	return a->depth == b->depth && !memcmp(a->seg, b->seg, a->depth * sizeof(a->seg[0]));
}

static bool aml_is_host_bridge(const struct aml_name *n)
{
	return (n->key == AML_HID || n->key == AML_CID) && !n->is_buf &&
	       (n->v == EISA_PNP0A08 || n->v == EISA_PNP0A03);
}

static int aml_bridge_index(const struct aml *m, const struct aml_path *dev)
{
	for (unsigned i = 0; i < m->nbr; i++)
		if (aml_same(&m->br[i], dev))
			return (int)i;
	return -1;
}

/* Pass 1 keeps the host bridges, pass 2 the objects of theirs Moat reads. */
static int aml_keep(struct aml *m, const struct aml_path *p, struct aml_name d)
{
	enum aml_key k;

	if (!p->depth || aml_key_of(p->seg[p->depth - 1], &k))
		return 0;
	d.key = k;
	d.scope = *p;
	d.scope.depth--;
	if (m->pass == 1) {
		if (!aml_is_host_bridge(&d) || aml_bridge_index(m, &d.scope) >= 0)
			return 0;
		if (m->nbr >= AML_MAX_BRIDGES)
			return -E_NOSPC;
		m->br[m->nbr++] = d.scope;
		return 0;
	}
	if (k == AML_HID || k == AML_CID || aml_bridge_index(m, &d.scope) < 0)
		return 0;
	if (m->n >= AML_MAX_NAMES)
		return -E_NOSPC;
	m->names[m->n++] = d;
	return 0;
}

/* NameOp: NameString DataRefObject. */
static int aml_name_op(struct aml *m, u32 *off, u32 end, const struct aml_path *scope)
{
	struct aml_name d = { 0 };
	struct aml_path p;
	int err;

	if ((err = aml_namestring(m, off, end, scope, &p)) || (err = aml_data(m, off, end, &d)))
		return err;
	return aml_keep(m, &p, d);
}

/* MethodOp: skipped, but a _SEG, _BBN or _CRS that is a method is one Moat cannot read. */
static int aml_method_op(struct aml *m, u32 *off, u32 end, const struct aml_path *scope)
{
	struct aml_name d = { 0 };
	struct aml_path p;
	u32 pend, at;
	int err;

	if ((err = aml_pkg(m, off, end, &pend)))
		return err;
	at = *off;
	*off = pend;
	if ((err = aml_namestring(m, &at, pend, scope, &p)))
		return err;
	return aml_keep(m, &p, d); /* neither an integer nor a buffer: unknown */
}

static int aml_termlist(struct aml *m, u32 off, u32 end, const struct aml_path *scope,
			unsigned depth);

/* ScopeOp / DeviceOp: PkgLength NameString TermList. */
static int aml_scope_op(struct aml *m, u32 *off, u32 end, const struct aml_path *scope,
			unsigned depth)
{
	struct aml_path p;
	u32 pend;
	int err;

	if ((err = aml_pkg(m, off, end, &pend)) || (err = aml_namestring(m, off, pend, scope, &p)))
		return err;
	if (depth >= AML_MAX_DEPTH)
		return -E_NOTSUP;
	err = aml_termlist(m, *off, pend, &p, depth + 1);
	*off = pend;
	return err;
}

/* Opcodes followed by a PkgLength whose whole package is skipped. */
static bool aml_skips_pkg(u8 op, bool ext)
{
	if (ext) /* Field, Processor, PowerRes, ThermalZone, IndexField, BankField */
		return op == 0x81 || op == 0x83 || op == 0x84 || op == 0x85 || op == 0x86 ||
		       op == 0x87;
	return op == 0xa0 || op == 0xa1 || op == 0xa2; /* If, Else, While */
}

static int aml_skip_pkg(const struct aml *m, u32 *off, u32 end)
{
	u32 pend;
	int err = aml_pkg(m, off, end, &pend);

	*off = pend;
	return err;
}

/* The extended (0x5B) opcodes besides the skipped packages: Mutex, Event, OperationRegion. */
static int aml_ext_op(struct aml *m, u32 *off, u32 end, const struct aml_path *scope, u8 op,
		      unsigned depth)
{
	struct aml_path p;
	u64 v;
	int err;

	if (op == 0x82)
		return aml_scope_op(m, off, end, scope, depth);
	if (aml_skips_pkg(op, true))
		return aml_skip_pkg(m, off, end);
	if (op != 0x01 && op != 0x02 && op != 0x80)
		return -E_NOTSUP;
	if ((err = aml_namestring(m, off, end, scope, &p)))
		return err;
	if (op == 0x02)
		return 0;
	if (*off >= end)
		return -E_CORRUPT;
	(*off)++; /* SyncFlags, RegionSpace */
	if (op == 0x80 && ((err = aml_int(m, off, end, &v)) || (err = aml_int(m, off, end, &v))))
		return err;
	return 0;
}

/* One term of a TermList at *off. */
static int aml_term(struct aml *m, u32 *off, u32 end, const struct aml_path *scope, unsigned depth)
{
	struct aml_path p;
	u8 op = m->a[(*off)++];
	int err;

	if (op == 0x08)
		return aml_name_op(m, off, end, scope);
	if (op == 0x14)
		return aml_method_op(m, off, end, scope);
	if (op == 0x10)
		return aml_scope_op(m, off, end, scope, depth);
	if (aml_skips_pkg(op, false))
		return aml_skip_pkg(m, off, end);
	if (op == 0x15 || op == 0x06) { /* External: name, type, argc; Alias: two names */
		if ((err = aml_namestring(m, off, end, scope, &p)))
			return err;
		if (op == 0x06)
			return aml_namestring(m, off, end, scope, &p);
		if (end - *off < 2)
			return -E_CORRUPT;
		*off += 2;
		return 0;
	}
	if (op == AML_EXT_PREFIX && *off < end) {
		op = m->a[(*off)++];
		return aml_ext_op(m, off, end, scope, op, depth);
	}
	return -E_NOTSUP;
}

static int aml_termlist(struct aml *m, u32 off, u32 end, const struct aml_path *scope,
			unsigned depth)
{
	int err = 0;

	while (!err && off < end)
		err = aml_term(m, &off, end, scope, depth);
	return err;
}

/* ---- host bridges ---------------------------------------------------------------------------- */

/* The object `key` of the device at `dev`, or NULL. */
static const struct aml_name *aml_get(const struct aml *m, const struct aml_path *dev,
				      enum aml_key key)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->names[i].key == key && aml_same(&m->names[i].scope, dev))
			return &m->names[i];
	return NULL;
}

/* An Address Space descriptor's fields (6.4.3.5.1-4), widths by descriptor. */
struct aml_addr {
	u8 type, gflags;
	u64 min, max, tra, len;
};

static int aml_addr_desc(const u8 *d, u32 n, u8 tag, struct aml_addr *o)
{
	unsigned w = tag == 0x88 ? 2 : tag == 0x87 ? 4 : 8;
	u32 at = tag == 0x8b ? 5 : 3, need = at + 5 * w;

	if (n < need)
		return -E_CORRUPT;
	o->type = d[0];
	o->gflags = d[1];
	at += w; /* granularity */
	o->min = w == 2 ? get_le16(d + at) : w == 4 ? get_le32(d + at) : get_le64(d + at);
	at += w;
	o->max = w == 2 ? get_le16(d + at) : w == 4 ? get_le32(d + at) : get_le64(d + at);
	at += w;
	o->tra = w == 2 ? get_le16(d + at) : w == 4 ? get_le32(d + at) : get_le64(d + at);
	at += w;
	o->len = w == 2 ? get_le16(d + at) : w == 4 ? get_le32(d + at) : get_le64(d + at);
	return 0;
}

struct aml_bridge {
	bool seg_known;
	u16 segment;
	u8 bus_start, bus_end;
	bool too_many; /* more windows than PLAT_MAX_FWWIN */
	unsigned nwin;
	struct pa_range win[PLAT_MAX_FWWIN];
};

/* One Address Space descriptor of a _CRS: a bus range, or a window kept if fit. */
static void aml_crs_addr(const struct aml_addr *x, struct aml_bridge *b)
{
	u64 end;

	if (x->type == 2 && x->min <= x->max && x->max <= 0xff) {
		b->bus_start = (u8)x->min;
		b->bus_end = (u8)x->max;
		return;
	}
	/* memory, produced, _MIF and _MAF set, no translation, length agreeing with min/max */
	if (x->type != 0 || (x->gflags & 0x0d) != 0x0c || x->tra || !x->len ||
	    add_overflow(x->min, x->len - 1, &end) || end != x->max)
		return;
	if (b->nwin == PLAT_MAX_FWWIN)
		b->too_many = true;
	else
		b->win[b->nwin++] = (struct pa_range){ pa(x->min), x->len };
}

/* The resource template of a _CRS buffer (6.4): descriptors up to the End Tag. */
static int aml_crs(const struct aml *m, const struct aml_name *crs, struct aml_bridge *b)
{
	const u8 *r = m->a + crs->off;
	u32 at = 0, n = crs->len;

	while (at < n) {
		u8 tag = r[at];
		struct aml_addr x;
		u32 dl;

		if (!(tag & 0x80)) { /* small: type in bits 6:3, length in 2:0 */
			if (((tag >> 3) & 0xf) == 0xf)
				return 0; /* End Tag */
			at += 1 + (tag & 7);
			continue;
		}
		if (n - at < 3 || (dl = get_le16(r + at + 1)) > n - at - 3)
			return -E_CORRUPT;
		if ((tag == 0x87 || tag == 0x88 || tag == 0x8a || tag == 0x8b) &&
		    !aml_addr_desc(r + at + 3, dl, tag, &x))
			aml_crs_addr(&x, b);
		at += 3 + dl;
	}
	return -E_CORRUPT; /* no End Tag */
}

static u64 aml_int_or(const struct aml_name *n, u64 dflt, bool *known)
{
	if (!n)
		return dflt;
	if (!n->is_int)
		*known = false;
	return n->v;
}

static int aml_bridge_of(const struct aml *m, const struct aml_path *dev, struct aml_bridge *b)
{
	const struct aml_name *crs = aml_get(m, dev, AML_CRS);
	bool known = true;

	memset(b, 0, sizeof(*b));
	b->segment = (u16)aml_int_or(aml_get(m, dev, AML_SEG), 0, &known);
	b->bus_start = (u8)aml_int_or(aml_get(m, dev, AML_BBN), 0, &known);
	b->bus_end = 0xff;
	b->seg_known = known;
	if (crs && crs->is_buf)
		return aml_crs(m, crs, b);
	return 0;
}

/* A window must not cover the ECAM registers of any segment. */
static bool aml_window_fits(const struct platform *p, const struct pa_range *w)
{
	for (unsigned i = 0; i < p->necam; i++)
		if (w->base.v < p->ecam[i].base.v + p->ecam[i].size &&
		    p->ecam[i].base.v < w->base.v + w->size) {
			pr_err("DSDT: host bridge window 0x%llx (+0x%llx) covers ECAM: not used",
			       (unsigned long long)w->base.v, (unsigned long long)w->size);
			return false;
		}
	return true;
}

/* ECAM range `e` takes the windows of its one host bridge. */
static void aml_ecam_windows(const struct platform *p, struct plat_ecam *e,
			     const struct aml_bridge *br, unsigned nbr)
{
	const struct aml_bridge *one = NULL;
	unsigned n = 0;

	for (unsigned i = 0; i < nbr; i++)
		if (!br[i].seg_known ||
		    (br[i].segment == e->segment && br[i].bus_start >= e->bus_start &&
		     br[i].bus_start <= e->bus_end)) {
			one = &br[i];
			n++;
		}
	if (n > 1 || (one && !one->seg_known)) {
		pr_warn("DSDT: segment %u: %u host bridges could own the ECAM range: no windows",
			e->segment, n);
		return;
	}
	if (!one)
		return;
	if (one->too_many) {
		pr_warn("DSDT: segment %u: more than %u host bridge windows: none used", e->segment,
			PLAT_MAX_FWWIN);
		return;
	}
	e->nfwwin = 0;
	for (unsigned i = 0; i < one->nwin; i++)
		if (aml_window_fits(p, &one->win[i]))
			e->fwwin[e->nfwwin++] = one->win[i];
}

int acpi_parse_dsdt_pci(const u8 *t, u32 len, struct platform *p)
{
	static struct aml m;
	static struct aml_bridge br[AML_MAX_BRIDGES];
	struct aml_path root = { 0 };
	int err = 0;

	if (len < ACPI_HDR_LEN)
		return -E_CORRUPT;
	memset(&m, 0, sizeof(m));
	m.a = t;
	m.len = len;
	for (m.pass = 1; m.pass <= 2 && !err; m.pass++)
		err = aml_termlist(&m, ACPI_HDR_LEN, len, &root, 0);
	for (unsigned i = 0; i < m.nbr && !err; i++)
		err = aml_bridge_of(&m, &m.br[i], &br[i]);
	if (err)
		return err;
	for (unsigned i = 0; i < p->necam; i++)
		aml_ecam_windows(p, &p->ecam[i], br, m.nbr);
	return 0;
}
