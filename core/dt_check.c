// SPDX-License-Identifier: MIT
#include "core/dt_check.h"

#include <libfdt.h>

#include "lib/err.h"

int dt_check_blob(const void *blob, size_t size, const char **why)
{
	int err;

	*why = "header invalid";
	if (!blob || size < sizeof(struct fdt_header) || fdt_check_header(blob) ||
	    fdt_totalsize(blob) > size)
		return -E_CORRUPT;
	/*
	 * Version 17 is what the DT specification defines. Older layouts (full-path node names,
	 * no size_dt_struct) are refused rather than trusted to libfdt's compatibility paths:
	 * libfdt 1.6.1's fdt_check_full() dereferences NULL on some of them (found by fuzz_dt).
	 */
	if (fdt_version(blob) < 17) {
		*why = "version older than 17";
		return -E_NOTSUP;
	}
	err = fdt_check_full(blob, fdt_totalsize(blob));
	if (err) {
		*why = fdt_strerror(err);
		return -E_CORRUPT;
	}
	return 0;
}
