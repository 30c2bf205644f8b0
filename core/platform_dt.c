// SPDX-License-Identifier: MIT
/*
 * Platform discovery from a flattened device tree (Devicetree Specification v0.4). The blob
 * comes from firmware and is untrusted: it is checked whole with fdt_check_full() first, and
 * every property length is checked before a cell is read.
 */
#define LOG_COMPONENT "dt"
#include "core/platform.h"

#include <libfdt.h>
#include <string.h>

#include "core/dt_check.h"
#include "core/dt_index.h"
#include "core/dt_iommu.h"
#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

#define DT_MAX_DEPTH 16

struct dt_ctx {
	const void *fdt;
	struct platform *p;
	int ecam_node[PLAT_MAX_ECAM]; /* the host bridges, for their iommu-map */
};

/* #address-cells / #size-cells a node gives its children (DT spec 2.3.5). */
static int dt_cells(const void *fdt, int node, enum dt_prop name, u32 dflt, u32 *out)
{
	int len;
	const u8 *v = dt_getprop(fdt, node, name, &len);

	if (!v) {
		*out = dflt;
		return 0;
	}
	if (len != 4)
		return trace_err(-E_CORRUPT);
	*out = get_be32(v);
	return *out > 2 ? trace_err(-E_NOTSUP) : 0;
}

static u64 dt_read_cells(const u8 *p, u32 n)
{
	u64 v = 0;

	for (u32 i = 0; i < n; i++)
		v = v << 32 | get_be32(p + 4 * i);
	return v;
}

/* Translates a bus address of `node`'s children up to the CPU address space via "ranges". */
static int dt_translate(const void *fdt, int node, u64 *addr, u64 size)
{
	for (int depth = 0; node > 0; depth++) {
		int parent = dt_parent(fdt, node), len, err;
		u32 ac, pac, sc;
		const u8 *r;
		bool hit = false;

		if (parent < 0 || depth > DT_MAX_DEPTH)
			return trace_err(-E_CORRUPT);
		r = dt_getprop(fdt, node, DT_RANGES, &len);
		if (!r)
			return trace_err(
				-E_RANGE); /* no ranges: not mapped into the parent's space */
		if ((err = dt_cells(fdt, node, DT_ADDRESS_CELLS, 2, &ac)) ||
		    (err = dt_cells(fdt, node, DT_SIZE_CELLS, 1, &sc)) ||
		    (err = dt_cells(fdt, parent, DT_ADDRESS_CELLS, 2, &pac)))
			return err;
		size_t ent = 4 * (ac + pac + sc);
		if (!ac || !pac || len % (int)ent)
			return trace_err(-E_CORRUPT);
		for (int off = 0; off < len && len; off += (int)ent) {
			u64 cb = dt_read_cells(r + off, ac),
			    pb = dt_read_cells(r + off + 4 * ac, pac);
			u64 rs = dt_read_cells(r + off + 4 * (ac + pac), sc);
			if (*addr >= cb && *addr - cb < rs && size <= rs - (*addr - cb)) {
				*addr = *addr - cb + pb;
				hit = true;
				break;
			}
		}
		if (len && !hit)
			return trace_err(-E_RANGE);
		node = parent;
	}
	return 0;
}

/* Entry `idx` of a node's "reg" in its parent's address space (no translation). */
static int dt_reg_raw(const void *fdt, int node, int idx, u64 *base, u64 *size)
{
	int parent = dt_parent(fdt, node), len, err;
	u32 ac, sc;
	const u8 *r;
	u64 end;

	if (parent < 0)
		return trace_err(-E_CORRUPT);
	if ((err = dt_cells(fdt, parent, DT_ADDRESS_CELLS, 2, &ac)) ||
	    (err = dt_cells(fdt, parent, DT_SIZE_CELLS, 1, &sc)))
		return err;
	if (ac == 0)
		return trace_err(-E_CORRUPT);
	r = dt_getprop(fdt, node, DT_REG, &len);
	if (!r)
		return -E_NOENT;
	size_t ent = 4 * (ac + sc);
	if (len <= 0 || len % (int)ent)
		return trace_err(-E_CORRUPT);
	if (idx < 0 || (size_t)idx >= (size_t)len / ent)
		return -E_NOENT;
	*base = dt_read_cells(r + ent * (size_t)idx, ac);
	*size = dt_read_cells(r + ent * (size_t)idx + 4 * ac, sc);
	if (add_overflow(*base, *size, &end))
		return trace_err(-E_OVERFLOW);
	return 0;
}

/* Entry `idx` of a node's "reg", translated to a CPU physical range. */
static int dt_reg(const void *fdt, int node, int idx, u64 *base, u64 *size)
{
	int err = dt_reg_raw(fdt, node, idx, base, size);

	return err ? err : dt_translate(fdt, dt_parent(fdt, node), base, *size);
}

static int dt_reg_count(const void *fdt, int node)
{
	int parent = dt_parent(fdt, node), len;
	u32 ac, sc;

	if (parent < 0 || dt_cells(fdt, parent, DT_ADDRESS_CELLS, 2, &ac) ||
	    dt_cells(fdt, parent, DT_SIZE_CELLS, 1, &sc) || !dt_getprop(fdt, node, DT_REG, &len))
		return 0;
	return len > 0 && (ac + sc) ? len / (int)(4 * (ac + sc)) : 0;
}

/* A string property (as fdt_getprop() or dt_getprop() returned it) is `val`. */
static bool dt_str_is(const char *s, int len, const char *val)
{
	return s && len > 0 && strnlen(s, (size_t)len) < (size_t)len && !strcmp(s, val);
}

static bool dt_is_device_type(const void *fdt, int node, const char *val)
{
	int len;
	const char *s = dt_getprop(fdt, node, DT_DEVICE_TYPE, &len);

	return dt_str_is(s, len, val);
}

static bool dt_enabled(const void *fdt, int node)
{
	int len;
	const char *s = dt_getprop(fdt, node, DT_STATUS, &len);

	if (!s)
		return true;
	return len > 0 && strnlen(s, (size_t)len) < (size_t)len &&
	       (!strcmp(s, "okay") || !strcmp(s, "ok"));
}

static int dt_path(const void *fdt, const char *path)
{
	return dt_path_offset(fdt, path, (int)strlen(path));
}

static int dt_add_range(struct pa_range *arr, unsigned *n, unsigned max, u64 base, u64 size)
{
	if (!size)
		return 0;
	if (*n >= max)
		return trace_err(-E_NOSPC);
	arr[(*n)++] = (struct pa_range){ pa(base), size };
	return 0;
}

static int dt_scan_cpus(struct dt_ctx *c)
{
	const void *fdt = c->fdt;
	int cpus = dt_path(fdt, "/cpus"), node;

	if (cpus < 0) {
		pr_err("no /cpus node");
		return trace_err(-E_NOENT);
	}
	dt_for_each_subnode(node, fdt, cpus)
	{
		u64 id, sz;
		if (!dt_is_device_type(fdt, node, "cpu") || !dt_enabled(fdt, node))
			continue;
		if (c->p->ncpus >= PLAT_MAX_CPUS) {
			pr_warn("more than %u cpus, ignoring the rest", PLAT_MAX_CPUS);
			break;
		}
		/* CPU nodes have #size-cells = 0: reg is the MPIDR affinity, not an address. */
		if (dt_reg_raw(fdt, node, 0, &id, &sz)) {
			pr_err("cpu node %s: bad or missing reg", fdt_get_name(fdt, node, NULL));
			return trace_err(-E_CORRUPT);
		}
		c->p->cpu_id[c->p->ncpus++] = id;
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND)
		return trace_err(-E_CORRUPT);
	if (!c->p->ncpus) {
		pr_err("no cpu nodes under /cpus");
		return trace_err(-E_NOENT);
	}
	return 0;
}

static int dt_scan_memory(struct dt_ctx *c)
{
	const void *fdt = c->fdt;
	int node, err;

	dt_for_each_subnode(node, fdt, 0)
	{
		if (!dt_is_device_type(fdt, node, "memory") || !dt_enabled(fdt, node))
			continue;
		int n = dt_reg_count(fdt, node);
		if (!n) {
			pr_err("memory node %s: bad or missing reg", fdt_get_name(fdt, node, NULL));
			return trace_err(-E_CORRUPT);
		}
		for (int i = 0; i < n; i++) {
			u64 b, s;
			if ((err = dt_reg(fdt, node, i, &b, &s)))
				return err;
			if ((err = dt_add_range(c->p->mem, &c->p->nmem, PLAT_MAX_MEM, b, s)))
				return err;
		}
	}
	if (!c->p->nmem) {
		pr_err("no memory nodes");
		return trace_err(-E_NOENT);
	}
	return 0;
}

static int dt_scan_reserved(struct dt_ctx *c)
{
	const void *fdt = c->fdt;
	int n = fdt_num_mem_rsv(fdt), node, rm, err;

	if (n < 0)
		return trace_err(-E_CORRUPT);
	for (int i = 0; i < n; i++) {
		u64 b, s, end;
		if (fdt_get_mem_rsv(fdt, i, &b, &s) || add_overflow(b, s, &end))
			return trace_err(-E_CORRUPT);
		if ((err = dt_add_range(c->p->rsv, &c->p->nrsv, PLAT_MAX_RSV, b, s)))
			return err;
	}
	rm = dt_path(fdt, "/reserved-memory");
	if (rm < 0)
		return 0;
	dt_for_each_subnode(node, fdt, rm)
	{
		int cnt = dt_reg_count(fdt, node);
		for (int i = 0; i < cnt; i++) {
			u64 b, s;
			if ((err = dt_reg(fdt, node, i, &b, &s)) ||
			    (err = dt_add_range(c->p->rsv, &c->p->nrsv, PLAT_MAX_RSV, b, s)))
				return err;
		}
	}
	return 0;
}

/*
 * The BAR windows of a generic host bridge (PCI bus binding: 3-cell child address whose high
 * cell bits 25:24 give the space, 01 I/O, 10 32-bit memory, 11 64-bit memory). Only windows
 * where the PCI address equals the CPU address are used; anything malformed is ignored.
 */
static void dt_scan_pci_windows(struct dt_ctx *c, int node, struct plat_ecam *e)
{
	u32 pac, sc;
	int len;
	const u8 *r = dt_getprop(c->fdt, node, DT_RANGES, &len);

	if (!r || dt_cells(c->fdt, dt_parent(c->fdt, node), DT_ADDRESS_CELLS, 2, &pac) ||
	    dt_cells(c->fdt, node, DT_SIZE_CELLS, 2, &sc) || pac > 2 || sc > 2 || !pac || !sc)
		return;
	size_t ent = 4 * (3 + pac + sc);
	for (size_t off = 0; len > 0 && off + ent <= (size_t)len; off += ent) {
		u32 space = (get_be32(r + off) >> 24) & 3;
		u64 pci = dt_read_cells(r + off + 4, 2), cpu = dt_read_cells(r + off + 12, pac);
		u64 size = dt_read_cells(r + off + 12 + 4 * pac, sc), end;
		if (pci != cpu || !size || add_overflow(cpu, size, &end))
			continue;
		if (space == 2 && !e->mem32.size && end <= (1ULL << 32))
			e->mem32 = (struct pa_range){ pa(cpu), size };
		else if (space == 3 && !e->mem64.size)
			e->mem64 = (struct pa_range){ pa(cpu), size };
	}
}

static int dt_scan_ecam(struct dt_ctx *c, int node)
{
	struct plat_ecam *e;
	u64 b, s;
	int len;
	const u8 *br;

	if (c->p->necam >= PLAT_MAX_ECAM)
		return 0;
	if (dt_reg(c->fdt, node, 0, &b, &s) || s < (1 << 20)) {
		pr_err("pci %s: bad ECAM reg", fdt_get_name(c->fdt, node, NULL));
		return trace_err(-E_CORRUPT);
	}
	c->ecam_node[c->p->necam] = node;
	e = &c->p->ecam[c->p->necam++];
	if (dt_pci_domain(c->fdt, node, &e->segment))
		return trace_err(-E_CORRUPT);
	e->base = pa(b);
	e->size = s;
	e->mem32 = e->mem64 = (struct pa_range){ pa(0), 0 };
	e->bus_start = 0;
	e->bus_end = (u8)MIN((s >> 20) - 1, 255);
	br = fdt_getprop(c->fdt, node, "bus-range", &len);
	if (br && len == 8) {
		u32 lo = get_be32(br), hi = get_be32(br + 4);
		if (lo > hi || hi > 255 || ((u64)(hi - lo + 1) << 20) > s) {
			pr_err("pci %s: bad bus-range", fdt_get_name(c->fdt, node, NULL));
			return trace_err(-E_CORRUPT);
		}
		e->bus_start = (u8)lo;
		e->bus_end = (u8)hi;
	}
	dt_scan_pci_windows(c, node, e);
	return 0;
}

/* The interrupt parent of `node` (DT spec 2.4.1): its own or the nearest ancestor's. */
static int dt_irq_parent(const void *fdt, int node)
{
	for (int depth = 0; node >= 0 && depth <= DT_MAX_DEPTH; depth++) {
		int len;
		const u8 *p = dt_getprop(fdt, node, DT_INTERRUPT_PARENT, &len);

		if (p)
			return len == 4 ? dt_node_by_phandle(fdt, get_be32(p))
					: trace_err(-E_CORRUPT);
		node = dt_parent(fdt, node);
	}
	return -E_NOENT;
}

/* GICv3 binding: cells are <type number flags [ppi-partition]>; only SPIs can be routed. */
static int dt_gic_spi(const u8 *cell, struct plat_irq *out)
{
	u32 type = get_be32(cell), num = get_be32(cell + 4), flags = get_be32(cell + 8) & 0xf;

	if (type != 0 || num > 1019 - 32)
		return trace_err(-E_RANGE); /* not an SPI (INTIDs 32..1019) */
	if (flags != 1 && flags != 4)
		return trace_err(-E_INVAL); /* neither rising edge nor active-high level */
	*out = (struct plat_irq){ .intid = num + 32, .edge = flags == 1 };
	return 0;
}

static const char *const dt_smmu_irq_names[PLAT_IOMMU_NIRQ] = {
	[PLAT_IOMMU_IRQ_EVTQ] = "eventq",
	[PLAT_IOMMU_IRQ_PRIQ] = "priq",
	[PLAT_IOMMU_IRQ_CMDQ_SYNC] = "cmdq-sync",
	[PLAT_IOMMU_IRQ_GERROR] = "gerror",
};

static int dt_smmu_irq_slot(const void *fdt, int node, int i)
{
	int len;
	const char *name = fdt_stringlist_get(fdt, node, "interrupt-names", i, &len);

	if (!name)
		return trace_err(-E_CORRUPT); /* fewer names than interrupts */
	for (int k = 0; k < PLAT_IOMMU_NIRQ; k++)
		if (!strcmp(name, dt_smmu_irq_names[k]))
			return k;
	return -E_NOTSUP; /* "combined" or unknown: no per-queue interrupts */
}

/*
 * SMMUv3 binding: "interrupts" with "interrupt-names" from eventq, priq, cmdq-sync, gerror, on
 * a GICv3. All or nothing: on any error `irq` is left untouched (the driver then polls).
 */
static int dt_smmu_irqs(const void *fdt, int node, struct plat_irq irq[PLAT_IOMMU_NIRQ])
{
	struct plat_irq got[PLAT_IOMMU_NIRQ] = { { 0, false } };
	int len, clen, gic, err;
	const u8 *ip = fdt_getprop(fdt, node, "interrupts", &len), *cells;
	u32 ic;

	if (!ip)
		return 0;
	gic = dt_irq_parent(fdt, node);
	if (gic < 0 || dt_node_check_compatible(fdt, gic, "arm,gic-v3"))
		return -E_NOTSUP;
	cells = fdt_getprop(fdt, gic, "#interrupt-cells", &clen);
	if (!cells || clen != 4 || (ic = get_be32(cells)) < 3 || ic > 4)
		return trace_err(-E_CORRUPT);
	if (len <= 0 || len % (int)(4 * ic))
		return trace_err(-E_CORRUPT);
	for (int i = 0; i < len / (int)(4 * ic); i++) {
		int k = dt_smmu_irq_slot(fdt, node, i);

		if (k < 0)
			return k;
		if (got[k].intid)
			return trace_err(-E_CORRUPT); /* the same name twice */
		if ((err = dt_gic_spi(ip + (size_t)i * 4 * ic, &got[k])))
			return err;
	}
	memcpy(irq, got, sizeof(got));
	return 0;
}

static int dt_scan_smmu(struct dt_ctx *c, int node)
{
	struct plat_iommu *m;
	u64 b, s;
	int err;

	if (c->p->niommu >= PLAT_MAX_IOMMU)
		return 0;
	if (dt_reg(c->fdt, node, 0, &b, &s) || s < 0x20000) {
		pr_err("smmu %s: bad reg", fdt_get_name(c->fdt, node, NULL));
		return trace_err(-E_CORRUPT);
	}
	m = &c->p->iommu[c->p->niommu++];
	m->kind = IOMMU_KIND_SMMUV3;
	m->base = pa(b);
	m->size = s;
	m->phandle = dt_phandle(c->fdt, node);
	m->scoped = true; /* DT: a requester no iommu-map sends here is not behind this unit */
	if ((err = dt_smmu_irqs(c->fdt, node, m->irq)))
		pr_warn("smmu %s: interrupts not usable (%s): its queues will be polled",
			fdt_get_name(c->fdt, node, NULL), err_str(err));
	return 0;
}

static int dt_scan_gic(struct dt_ctx *c, int node, unsigned version)
{
	u64 b, s;

	if (c->p->gic_version)
		return 0;
	if (dt_reg(c->fdt, node, 0, &b, &s)) {
		pr_err("gic %s: bad reg", fdt_get_name(c->fdt, node, NULL));
		return trace_err(-E_CORRUPT);
	}
	c->p->gic_version = version;
	c->p->gicd = pa(b);
	c->p->gicd_size = s;
	if (!dt_reg(c->fdt, node, 1, &b, &s)) {
		c->p->gicr = pa(b);
		c->p->gicr_size = s;
	}
	return 0;
}

/* The first ITS (IHI 0069 5.2; binding arm,gic-v3-its: a child of the GIC, 128 KiB frame). */
static int dt_scan_its(struct dt_ctx *c, int node)
{
	u64 b, s;

	if (c->p->gic_its.v)
		return 0;
	if (dt_reg(c->fdt, node, 0, &b, &s) || s < 0x20000 || (b & 0xffff)) {
		pr_err("its %s: bad reg: not used", fdt_get_name(c->fdt, node, NULL));
		return 0;
	}
	c->p->gic_its = pa(b);
	return 0;
}

static void dt_scan_psci(struct dt_ctx *c, int node)
{
	int len;
	const char *m = fdt_getprop(c->fdt, node, "method", &len);

	if (dt_str_is(m, len, "smc"))
		c->p->psci = PSCI_SMC;
	else if (dt_str_is(m, len, "hvc"))
		c->p->psci = PSCI_HVC;
}

enum dt_dev {
	DT_DEV_ECAM,
	DT_DEV_SMMU,
	DT_DEV_GIC3,
	DT_DEV_ITS,
	DT_DEV_GIC2,
	DT_DEV_PSCI
};

/* The devices discovery reads, by compatible; a node naming several is the first listed. */
static const struct {
	const char *compatible;
	enum dt_dev dev;
} dt_devs[] = {
	{ "pci-host-ecam-generic", DT_DEV_ECAM },
	{ "arm,smmu-v3", DT_DEV_SMMU },
	{ "arm,gic-v3", DT_DEV_GIC3 },
	{ "arm,gic-v3-its", DT_DEV_ITS },
	{ "arm,cortex-a15-gic", DT_DEV_GIC2 },
	{ "arm,gic-400", DT_DEV_GIC2 },
	{ "arm,psci-0.2", DT_DEV_PSCI },
	{ "arm,psci-1.0", DT_DEV_PSCI },
	{ "arm,psci", DT_DEV_PSCI },
};

/*
 * The entry of dt_devs[] a compatible list names (ARRAY_SIZE(dt_devs): none), each string of
 * the list read once (issue 21: was one fdt_stringlist_contains() pass per name above). A
 * string only counts if its NUL is inside the property, as fdt_stringlist_contains() has it.
 */
static unsigned dt_dev_of(const char *list, int len)
{
	unsigned best = ARRAY_SIZE(dt_devs);

	while (len > 0) {
		size_t n = strnlen(list, (size_t)len);

		if (n == (size_t)len)
			break;
		for (unsigned k = 0; k < best; k++)
			if (!strcmp(list, dt_devs[k].compatible))
				best = k;
		list += n + 1;
		len -= (int)n + 1;
	}
	return best;
}

static int dt_scan_device(struct dt_ctx *c, int node, enum dt_dev dev)
{
	switch (dev) {
	case DT_DEV_ECAM: return dt_scan_ecam(c, node);
	case DT_DEV_SMMU: return dt_scan_smmu(c, node);
	case DT_DEV_GIC3: return dt_scan_gic(c, node, 3);
	case DT_DEV_ITS: return dt_scan_its(c, node);
	case DT_DEV_GIC2: return dt_scan_gic(c, node, 2);
	case DT_DEV_PSCI: dt_scan_psci(c, node); return 0;
	}
	return 0;
}

static int dt_scan_devices(struct dt_ctx *c)
{
	const void *fdt = c->fdt;
	int node = -1, depth = 0, err;

	while ((node = dt_next_node(fdt, node, &depth)) >= 0) {
		int clen;
		const char *compat;
		unsigned k;

		if (depth >= DT_MAX_DEPTH) /* the root is at 0 */
			return trace_err(-E_CORRUPT);
		compat = dt_getprop(fdt, node, DT_COMPATIBLE, &clen);
		if (!compat || (k = dt_dev_of(compat, clen)) == ARRAY_SIZE(dt_devs) ||
		    !dt_enabled(fdt, node))
			continue;
		if ((err = dt_scan_device(c, node, dt_devs[k].dev)))
			return err;
	}
	return node == -FDT_ERR_NOTFOUND ? 0 : trace_err(-E_CORRUPT);
}

/* The console: /chosen/stdout-path if it names a PL011, else the first PL011. */
static void dt_scan_uart(struct dt_ctx *c, int chosen)
{
	const void *fdt = c->fdt;
	int node = -FDT_ERR_NOTFOUND, len;
	const char *path = chosen >= 0 ? fdt_getprop(fdt, chosen, "stdout-path", &len) : NULL;
	u64 b, s;

	if (path && len > 0 && strnlen(path, (size_t)len) < (size_t)len) {
		const char *colon = strchr(path, ':');
		node = dt_path_offset(fdt, path, colon ? (int)(colon - path) : (int)strlen(path));
	}
	if (node < 0 || dt_node_check_compatible(fdt, node, "arm,pl011"))
		node = dt_node_by_compatible(fdt, -1, "arm,pl011");
	if (node >= 0 && !dt_reg(fdt, node, 0, &b, &s) && s >= 0x1000) {
		c->p->uart = UART_PL011;
		c->p->uart_base = pa(b);
	}
}

/* A real-time clock for certificate dates (core/rtc.h): the first PL031. */
static void dt_scan_rtc(struct dt_ctx *c)
{
	int node = dt_node_by_compatible(c->fdt, -1, "arm,pl031");
	u64 b, s;

	if (node >= 0 && dt_enabled(c->fdt, node) && !dt_reg(c->fdt, node, 0, &b, &s) &&
	    s >= 0x1000)
		c->p->rtc_pl031 = pa(b);
}

/* After every IOMMU is known: which of them each host bridge's requesters go through. */
static int dt_scan_iommu_maps(struct dt_ctx *c)
{
	int err;

	for (unsigned i = 0; i < c->p->necam; i++)
		if ((err = dt_iommu_map(c->fdt, c->ecam_node[i], c->p->ecam[i].segment, c->p)))
			return err;
	return 0;
}

static void dt_scan_chosen(struct dt_ctx *c)
{
	int chosen = dt_path(c->fdt, "/chosen"), len;
	const char *args;

	dt_scan_uart(c, chosen);
	if (chosen < 0)
		return;
	args = fdt_getprop(c->fdt, chosen, "bootargs", &len);
	if (args && len > 0) {
		size_t n = strnlen(args, (size_t)len);
		n = MIN(n, sizeof(c->p->bootargs) - 1);
		memcpy(c->p->bootargs, args, n);
		c->p->bootargs[n] = '\0';
	}
}

int platform_from_dt(const void *fdt, size_t max_size, struct platform *p)
{
	struct platform tmp;
	struct dt_ctx c = { .fdt = fdt, .p = &tmp };
	int err;

	const char *why;

	err = dt_check_blob(fdt, max_size, &why);
	if (err) {
		pr_err("device tree rejected: %s", why);
		return err;
	}
	dt_index_build(fdt);
	memset(&tmp, 0, sizeof(tmp));
	if ((err = dt_scan_cpus(&c)) || (err = dt_scan_memory(&c)) ||
	    (err = dt_scan_reserved(&c)) || (err = dt_scan_devices(&c)) ||
	    (err = dt_scan_iommu_maps(&c))) {
		pr_err("device tree rejected: %s", err_str(err));
		return err;
	}
	dt_scan_chosen(&c);
	dt_scan_rtc(&c);
	if ((err = platform_mem_check(&tmp)))
		return err;
	*p = tmp;
	return 0;
}
