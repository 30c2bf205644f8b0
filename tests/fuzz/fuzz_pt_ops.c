// SPDX-License-Identifier: MIT
/*
 * The page-table library under arbitrary arguments: each 24-byte record is one map, unmap
 * or lookup with unchecked input, output, size and permissions. Whatever the arguments, a
 * call either fails cleanly or leaves the first page it mapped translating as asked, and
 * every table goes back to the allocator at the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pt.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "fuzz_frames.h"

static const unsigned fz_ias[PT__FORMATS][3] = {
	[PT_ARM_S1] = { 39, 48, 25 }, [PT_ARM_S2] = { 40, 48, 33 }, [PT_X86_64] = { 48, 57, 48 },
	[PT_VTD_SS] = { 39, 48, 57 }, [PT_AMD_V1] = { 48, 64, 39 }, [PT_ARM_EL2] = { 48, 39, 25 },
};

static void fz_op(struct pt *pt, struct pt_gather *g, const uint8_t *r)
{
	u64 in = get_le64(r), out = get_le64(r + 8), size;
	u32 prot = r[16] & 0x1f;
	unsigned sz = get_le16(r + 17), kind = r[19] % 3;
	struct pt_mapping m;
	int err;

	/*
	 * Sizes up to 1024 pages of 4K (three leaf tables: splits, merges and table edges, at
	 * a cost per input that keeps the harness above 10^4 execs/s), 256 of 2M or 256 of 1G;
	 * odd sizes test the checks.
	 */
	size = (r[20] & 3) == 0	  ? (u64)(sz & 0x3ff) << 12
	       : (r[20] & 3) == 1 ? (u64)(sz & 0xff) << 21
	       : (r[20] & 3) == 2 ? (u64)(sz & 0xff) << 30
				  : sz;
	if ((r[20] & 3) == 1 || (r[20] & 3) == 2) { /* big ranges: aligned, so few entries */
		in &= ~(((r[20] & 3) == 1 ? 1ULL << 21 : 1ULL << 30) - 1);
		out &= ~(((r[20] & 3) == 1 ? 1ULL << 21 : 1ULL << 30) - 1);
	}
	if (r[21] & 1) { /* keep the addresses small and aligned to reach the table code */
		in &= 0xfffff000ULL << (r[21] >> 4);
		out &= 0xfffff000ULL << (r[21] >> 4);
	}
	if (kind == 0) {
		err = pt_map(pt, in, pa(out), size, prot, g);
		if (!err && (pt_lookup(pt, in, &m) || m.out.v != out || m.prot != prot))
			abort();
	} else if (kind == 1) {
		err = pt_unmap(pt, in, size, g);
		if (!err && pt_lookup(pt, in, &m) != -E_NOENT)
			abort();
	} else {
		err = pt_lookup(pt, in, &m);
		if (!err && (m.leaf_size < 4096 || !IS_POW2(m.leaf_size)))
			abort();
	}
	(void)err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_frames fa;
	struct pt_config cfg = { .oas = 48, .alloc = &fa.a };
	struct pt_gather g;
	struct pt pt;

	if (size < 2)
		return 0;
	fz_frames_init(&fa);
	cfg.fmt = (enum pt_format)(data[0] % PT__FORMATS);
	cfg.ias = fz_ias[cfg.fmt][data[1] % 3];
	cfg.no_merge = data[1] & 0x80;
	if (pt_init(&pt, &cfg))
		abort();
	pt_gather_init(&g, NULL);
	for (size_t off = 2; off + 24 <= size && off < 2 + 24 * 32; off += 24) {
		fz_op(&pt, &g, data + off);
		pt_gather_sync(&g, &pt);
	}
	pt_destroy(&pt);
	if (fa.live)
		abort();
	return 0;
}
