// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the DEVICE_INTERFACE_REPORT parser and validator must accept or reject
 * any bytes, never crash, and whatever they accept must honour the validation rules (ranges
 * inside a BAR, no overlap, nothing past the end).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "tsm/report.h"

static void quiet(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

static const struct tsm_bars bars = {
	.bar = { [0] = { { 0x10000000 }, 0x10000 },
		 [2] = { { 0x20000000 }, 0x4000 },
		 [4] = { { 0xfffffffffffff000ull }, 0x1000 } },
};

static void check_accepted(const struct tdisp_report *r, const uint8_t *buf, size_t len)
{
	if (r->nranges > TDISP_REPORT_MAX_RANGES || r->dev_info < buf ||
	    r->dev_info + r->dev_info_len != buf + len)
		abort();
	for (uint32_t i = 0; i < r->nranges; i++) {
		const struct tdisp_mmio_range *m = &r->range[i];
		uint64_t end = m->hpa.v + ((uint64_t)m->npages << 12);
		const struct pa_range *b = &bars.bar[m->bar];

		if (m->bar >= 6 || m->npages == 0 || m->hpa.v < b->base.v ||
		    end > b->base.v + b->size || end <= m->hpa.v)
			abort();
		for (uint32_t j = 0; j < i; j++) {
			const struct tdisp_mmio_range *o = &r->range[j];

			if (m->hpa.v < o->hpa.v + ((uint64_t)o->npages << 12) && o->hpa.v < end)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdisp_report r;
	uint64_t offset;
	uint8_t *buf;

	log_set_sink(quiet);
	if (size < 8)
		return 0;
	/* The first 8 bytes choose the reporting offset; the rest is the report, copied to an
	 * exact-size heap buffer so ASan sees any read past its end. */
	offset = get_le64(data) & ~0xfffull;
	size -= 8;
	buf = malloc(size ? size : 1);
	memcpy(buf, data + 8, size);
	if (!tdisp_report_parse(buf, size, &r) && !tdisp_report_validate(&r, &bars, offset))
		check_accepted(&r, buf, size);
	free(buf);
	return 0;
}
