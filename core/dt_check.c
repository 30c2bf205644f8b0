// SPDX-License-Identifier: MIT
#include "core/dt_check.h"

#include <libfdt.h>
#include <string.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/types.h"

#define FDT_TAG_BEGIN_NODE 1 /* DT spec 5.4.1 structure block tokens */
#define FDT_TAG_END_NODE 2
#define FDT_TAG_PROP 3
#define FDT_TAG_NOP 4
#define FDT_TAG_END 9

/*
 * One walk over the structure block (DT spec 5.4) with every length checked against what is
 * left, before libfdt sees the blob: libfdt 1.6.1's fdt_next_tag() adds a property's 32-bit
 * length to an int offset, so a length near 2^32 moves the walk backwards and
 * fdt_check_full() never ends (found by fuzz_dt). Each token here moves strictly forward.
 */
static bool dt_struct_walk(const u8 *b, u32 off, u32 len)
{
	u32 end = off + len; /* off + len <= totalsize: checked by the caller */

	while (end - off >= 4) {
		u32 tag = get_be32(b + off), plen;

		off += 4;
		if (tag == FDT_TAG_END)
			return true;
		if (tag == FDT_TAG_BEGIN_NODE) {
			const u8 *nul = memchr(b + off, 0, end - off);

			if (!nul)
				return false;
			off += (u32)(nul - (b + off)) + 1;
		} else if (tag == FDT_TAG_PROP) {
			if (end - off < 8)
				return false;
			plen = get_be32(b + off);
			off += 8;
			if (plen > end - off)
				return false;
			off += plen;
		} else if (tag != FDT_TAG_END_NODE && tag != FDT_TAG_NOP) {
			return false;
		}
		if (((u64)off + 3) / 4 * 4 > end)
			return false;
		off = (off + 3) & ~3u; /* tokens are 32-bit aligned; off + 3 <= end + 3 fits */
	}
	return false; /* no FDT_END */
}

int dt_check_blob(const void *blob, size_t size, const char **why)
{
	int err;

	*why = "header invalid";
	if (!blob || size < sizeof(struct fdt_header) || fdt_check_header(blob) ||
	    fdt_totalsize(blob) > size)
		return trace_err(-E_CORRUPT);
	/*
	 * Version 17 is what the DT specification defines. Older layouts (full-path node names,
	 * no size_dt_struct) are refused rather than trusted to libfdt's compatibility paths:
	 * libfdt 1.6.1's fdt_check_full() dereferences NULL on some of them (found by fuzz_dt).
	 */
	if (fdt_version(blob) < 17) {
		*why = "version older than 17";
		return trace_err(-E_NOTSUP);
	}
	if (fdt_off_dt_struct(blob) > fdt_totalsize(blob) ||
	    fdt_size_dt_struct(blob) > fdt_totalsize(blob) - fdt_off_dt_struct(blob) ||
	    !dt_struct_walk(blob, fdt_off_dt_struct(blob), fdt_size_dt_struct(blob))) {
		*why = "structure block malformed";
		return trace_err(-E_CORRUPT);
	}
	err = fdt_check_full(blob, fdt_totalsize(blob));
	if (err) {
		*why = fdt_strerror(err);
		return trace_err(-E_CORRUPT);
	}
	return 0;
}
