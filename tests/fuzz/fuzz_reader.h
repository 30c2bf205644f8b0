/* SPDX-License-Identifier: MIT */
/*
 * The fuzz input read as a stream: little-endian fields of 1 to 8 bytes, then whole buffers.
 * Past the end every read is zero, so an input of any length is a complete one.
 */
#ifndef TESTS_FUZZ_FUZZ_READER_H
#define TESTS_FUZZ_FUZZ_READER_H

#include <string.h>

#include "lib/types.h"

struct reader {
	const u8 *p;
	size_t n;
};

static inline u64 rd(struct reader *r, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = 0; i < bytes && r->n; i++, r->n--)
		v |= (u64)*r->p++ << (8 * i);
	return v;
}

/* `len` bytes of `dst` from the stream, zero past its end: one copy, not a read per field. */
static inline void rd_fill(struct reader *r, void *dst, size_t len)
{
	size_t take = r->n < len ? r->n : len;

	memcpy(dst, r->p, take);
	memset((u8 *)dst + take, 0, len - take);
	r->p += take;
	r->n -= take;
}

#endif
