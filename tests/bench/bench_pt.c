// SPDX-License-Identifier: MIT
/*
 * Page-table library figures: per format, map / unmap / lookup cost per page for 4K, 2M and
 * 1G pages over ranges of 1, 512 and 262144 pages (one call per page, as an IOMMU driver
 * mapping DMA buffers does), and table memory per mapped GiB. Output addresses are scattered
 * so that pages do not merge into larger blocks (the memory figure is the unmerged one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/boot_info.h"
#include "core/frame.h"
#include "core/own.h"
#include "core/init.h"
#include "core/log.h"
#include "iommu/iommu.h"
#include "iommu/smmuv3/smmu_iommu.h"
#include "lib/pt.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "smmuv3/smmuv3_model.h"
#include "figure.h"

struct fmt_cfg {
	enum pt_format fmt;
	unsigned ias;
};

static const struct fmt_cfg fmts[] = {
	{ PT_ARM_S1, 48 }, { PT_ARM_S2, 48 }, { PT_X86_64, 57 },
	{ PT_VTD_SS, 48 }, { PT_AMD_V1, 48 },
};

static double now_ns(void)
{
	struct timespec ts;

	/* CPU time of this thread: the machine is shared, and wall time counts the others. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The i-th of n pages goes to a scattered output page (an odd stride modulo n). */
static u64 out_of(u64 i, u64 n, u64 pg)
{
	return ((i * 2654435761ULL) % n) * pg;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_pt: %s: %s\n", what, err_str(err));
	exit(1);
}

struct figures {
	double map, unmap, lookup; /* ns per page */
	double bytes_per_gib;
};

/* One round: map n pages one by one, look each up, unmap each; repeated to >= 20 ms. */
static void measure(const struct fmt_cfg *fc, u64 pg, u64 n, struct figures *f)
{
	struct pt_host_alloc h;
	struct pt_config cfg = { .fmt = fc->fmt, .ias = fc->ias, .oas = 48 };
	struct pt_gather g;
	struct pt_mapping m;
	struct pt pt;
	double tm = 0, tu = 0, tl = 0, t;
	u64 rounds = 0, done = 0;
	int err;

	pt_host_alloc_init(&h);
	cfg.alloc = &h.a;
	pt_gather_init(&g, NULL);
	if ((err = pt_init(&pt, &cfg)))
		die("init", err);
	f->bytes_per_gib = 0;
	while (rounds == 0 || (tm + tu + tl < 2e7 && rounds < 100000)) {
		t = now_ns();
		for (u64 i = 0; i < n; i++)
			if ((err = pt_map(&pt, i * pg, pa(out_of(i, n, pg)), pg,
					  PT_PROT_R | PT_PROT_W, &g)))
				die("map", err);
		tm += now_ns() - t;
		if (!rounds)
			f->bytes_per_gib =
				(double)pt.tables * 4096 / ((double)n * pg / (1ULL << 30));
		t = now_ns();
		for (u64 i = 0; i < n; i++)
			if ((err = pt_lookup(&pt, i * pg + 8, &m)))
				die("lookup", err);
		tl += now_ns() - t;
		t = now_ns();
		for (u64 i = 0; i < n; i++)
			if ((err = pt_unmap(&pt, i * pg, pg, &g)))
				die("unmap", err);
		pt_gather_sync(&g, &pt);
		tu += now_ns() - t;
		rounds++;
		done += n;
	}
	f->map = tm / done;
	f->unmap = tu / done;
	f->lookup = tl / done;
	pt_destroy(&pt);
}

/* ---- contiguous 4K pages: one call per page against one range call ------------------------- */

#define CONTIG_PAGES 262144ULL /* 1 GiB */
#define CONTIG_OUT (1ULL << 32)
#define CONTIG_OUT_2M (CONTIG_OUT + PT_SIZE_2M) /* no 1 GiB leaf: 2 MiB blocks */

static void pt_new(const struct fmt_cfg *fc, u64 max_leaf, struct pt_host_alloc *h, struct pt *pt)
{
	struct pt_config cfg = { .fmt = fc->fmt, .ias = fc->ias, .oas = 48, .max_leaf = max_leaf };
	int err;

	pt_host_alloc_init(h);
	cfg.alloc = &h->a;
	if ((err = pt_init(pt, &cfg)))
		die("init", err);
}

/* Mpages/s mapping then unmapping CONTIG_PAGES contiguous pages in `chunk`-page calls. */
static void contig_rate(const struct fmt_cfg *fc, u64 max_leaf, u64 out, u64 chunk, double *map,
			double *unmap)
{
	struct pt_host_alloc h;
	struct pt_gather g;
	struct pt pt;
	double tm = 1e30, tu = 1e30, t, spent = 0;
	int err;

	pt_new(fc, max_leaf, &h, &pt);
	pt_gather_init(&g, NULL);
	/* The best of several rounds: caches and the other engines' load only ever slow it. */
	for (unsigned r = 0; r < 5 || spent < 2e7; r++) {
		double t0 = now_ns();

		t = now_ns();
		for (u64 i = 0; i < CONTIG_PAGES; i += chunk)
			if ((err = pt_map(&pt, i << 12, pa(out + (i << 12)), chunk << 12,
					  PT_PROT_R | PT_PROT_W, &g)))
				die("map", err);
		pt_gather_sync(&g, &pt);
		tm = MIN(tm, now_ns() - t);
		t = now_ns();
		for (u64 i = 0; i < CONTIG_PAGES; i += chunk)
			if ((err = pt_unmap(&pt, i << 12, chunk << 12, &g)))
				die("unmap", err);
		pt_gather_sync(&g, &pt);
		tu = MIN(tu, now_ns() - t);
		spent += now_ns() - t0;
	}
	*map = CONTIG_PAGES / tm * 1e3;
	*unmap = CONTIG_PAGES / tu * 1e3;
	pt_destroy(&pt);
}

static void contig(void)
{
	printf("bench_pt: %llu contiguous 4K pages (1 GiB); Mpages/s map / unmap; the range "
	       "figure is the 4K-leaf one (max_leaf 4K: every page an entry), largest leaves "
	       "is 2M-aligned output (2M blocks)\n",
	       (unsigned long long)CONTIG_PAGES);
	printf("%-8s %22s %22s %22s\n", "format", "one call per page", "range, 4K leaves",
	       "range, 2M leaves");
	for (unsigned f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		double pm, pu, rm, ru, lm, lu;
		char name[96];

		contig_rate(&fmts[f], 0, CONTIG_OUT, 1, &pm, &pu);
		contig_rate(&fmts[f], PT_SIZE_4K, CONTIG_OUT, CONTIG_PAGES, &rm, &ru);
		contig_rate(&fmts[f], 0, CONTIG_OUT_2M, CONTIG_PAGES, &lm, &lu);
		printf("%-8s %10.1f / %9.1f %10.1f / %9.1f %10.1f / %9.1f\n",
		       pt_format_name(fmts[f].fmt), pm, pu, rm, ru, lm, lu);
		snprintf(name, sizeof(name), "pt map contiguous 4K, one call per page, %s",
			 pt_format_name(fmts[f].fmt));
		bench_figure(name, pm, "Mpages/s", false, 20);
		snprintf(name, sizeof(name), "pt map contiguous 4K, range call, %s",
			 pt_format_name(fmts[f].fmt));
		bench_figure(name, rm, "Mpages/s", false, 50);
	}
}

/* ---- invalidation commands per stage-2 unmap (unshare), SMMUv3 driver on the model ----------- */

#define INV_RAM (16ULL << 20)
#define INV_BASE 0x40000000ULL	     /* IPA of the unshared range */
#define INV_OUT (1ULL << 32)	     /* its output (no DMA: never touched) */
#define INV_OUT_PAGES (262144 + 512) /* the largest unshare and its kept neighbour */

static struct {
	u8 *ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct smmu_model *m;
	struct platform plat;
	struct boot_info bi;
	struct moat_ctx ctx;
	struct iommu *u;
	struct iommu_domain s2;
	u8 *counts; /* the output range's mapping counts (core/own.h) */
} iv;

static void log_drop(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

static void inv_setup(bool ril)
{
	struct smmu_model_cfg cfg = smmu_model_default_cfg();
	const struct iommu_driver *drv = iommu_driver_find(IOMMU_KIND_SMMUV3);
	struct pa_range r;

	memset(&iv, 0, sizeof(iv));
	iommu_units_reset();
	smmu_units_reset();
	iv.ram = aligned_alloc(1 << 21, INV_RAM);
	r = (struct pa_range){ pa((u64)(uintptr_t)iv.ram), INV_RAM };
	if (!iv.ram || !drv || frame_init(&iv.fa, &r, 1, NULL, 0))
		die("inv set-up", -E_NOMEM);
	pt_allocator_frames(&iv.alloc, &iv.fa);
	/* every stage-2 map checks the output's owner: the range is VM 1's RAM, counted */
	own_reset();
	iv.counts = calloc(INV_OUT_PAGES, 1);
	if (!iv.counts ||
	    own_add_counted(pa(INV_OUT), INV_OUT_PAGES * PAGE_SIZE, own_vm(1), iv.counts))
		die("inv ownership", -E_NOMEM);
	cfg.ril = ril;
	iv.m = smmu_model_create(0x09050000ULL, &cfg);
	smmu_model_add_ram(iv.m, r.base.v, INV_RAM);
	iv.plat.niommu = 1;
	iv.plat.iommu[0] = (struct plat_iommu){ .kind = IOMMU_KIND_SMMUV3,
						.base = pa(0x09050000ULL),
						.size = 0x20000 };
	iv.ctx = (struct moat_ctx){ .bi = &iv.bi, .plat = &iv.plat, .frames = &iv.fa };
	if (drv->ops->probe(&iv.ctx, &iv.plat.iommu[0], &iv.u) ||
	    iommu_unit_add(iv.u, drv, &iv.plat.iommu[0], &iv.alloc) ||
	    iommu_domain_s2_init(&iv.s2, iv.u, 48))
		die("inv set-up", -E_NODEV);
	iv.s2.owner = 1;
}

static void inv_teardown(void)
{
	smmu_fini(&smmu_unit_of(iv.u)->dev);
	smmu_model_destroy(iv.m);
	free(iv.ram);
	own_reset();
	free(iv.counts);
}

/* Commands (syncs) the SMMU executes for unmapping n 4K pages in `calls` calls. */
static void inv_count(u64 n, u64 calls, unsigned *cmds, unsigned *syncs)
{
	unsigned c0, s0;
	int err;

	/* 4K leaves with a neighbour kept: a leaf-only change, the common unshare */
	for (u64 i = 0; i <= n; i += 512)
		if ((err = iommu_s2_map(&iv.s2, gpa(INV_BASE + (i << 12)), pa(INV_OUT + (i << 12)),
					MIN(512, n + 1 - i) << 12, PT_PROT_R | PT_PROT_W)))
			die("inv map", err);
	c0 = iv.m->ncmds;
	s0 = iv.m->syncs;
	for (u64 i = 0; i < n; i += n / calls)
		if ((err = iommu_s2_unmap(&iv.s2, gpa(INV_BASE + (i << 12)), (n / calls) << 12)))
			die("inv unmap", err);
	*cmds = iv.m->ncmds - c0;
	*syncs = iv.m->syncs - s0;
	if ((err = iommu_s2_unmap(&iv.s2, gpa(INV_BASE + (n << 12)), PAGE_SIZE)))
		die("inv unmap", err);
}

static void inv_figures(void)
{
	static const u64 counts[] = { 1, 512, 262144 };

	log_set_sink(log_drop);
	printf("bench_pt: SMMUv3 invalidation commands (of which CMD_SYNC) per stage-2 unmap of "
	       "N 4K pages (unshare), the driver on the register model\n");
	printf("%-8s %8s %24s %24s\n", "RIL", "pages", "one unmap call", "one call per page");
	for (int ril = 1; ril >= 0; ril--) {
		for (unsigned c = 0; c < 3; c++) {
			unsigned rc, rs, pc, ps;
			char name[96];

			inv_setup(ril);
			inv_count(counts[c], 1, &rc, &rs);
			inv_count(counts[c], counts[c] > 512 ? 512 : counts[c], &pc, &ps);
			inv_teardown();
			printf("%-8s %8llu %16u (%5u) %16u (%5u)%s\n", ril ? "yes" : "no",
			       (unsigned long long)counts[c], rc, rs, pc, ps,
			       counts[c] > 512 ? "  [per-page column: 512 calls]" : "");
			snprintf(name, sizeof(name), "smmuv3 commands per unshare of %llu pages%s",
				 (unsigned long long)counts[c], ril ? "" : " (no RIL)");
			bench_figure(name, rc, "commands", true, 2);
		}
	}
	log_set_sink(NULL);
}

int main(void)
{
	static const u64 pages[] = { 1ULL << 12, 1ULL << 21, 1ULL << 30 };
	static const char *const pname[] = { "4K", "2M", "1G" };
	static const u64 counts[] = { 1, 512, 262144 };

	contig();
	inv_figures();
	printf("bench_pt: one call per page; ns/page (Mpages/s); table KiB per mapped GiB "
	       "(scattered outputs, no merging)\n");
	printf("%-8s %-4s %7s %18s %18s %18s %14s\n", "format", "page", "pages", "map", "unmap",
	       "lookup", "KiB/GiB");
	for (unsigned f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		for (unsigned p = 0; p < 3; p++) {
			for (unsigned c = 0; c < 3; c++) {
				struct figures fg;

				char mem[32] = "-";

				measure(&fmts[f], pages[p], counts[c], &fg);
				if (counts[c] == 262144) /* the memory figure needs a full range */
					snprintf(mem, sizeof(mem), "%.1f", fg.bytes_per_gib / 1024);
				printf("%-8s %-4s %7llu %9.1f (%5.1f) %9.1f (%5.1f) %9.1f (%5.1f) "
				       "%14s\n",
				       pt_format_name(fmts[f].fmt), pname[p],
				       (unsigned long long)counts[c], fg.map, 1e3 / fg.map,
				       fg.unmap, 1e3 / fg.unmap, fg.lookup, 1e3 / fg.lookup, mem);
			}
		}
	}
	return 0;
}
