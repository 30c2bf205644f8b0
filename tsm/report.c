// SPDX-License-Identifier: MIT
/* DEVICE_INTERFACE_REPORT parser and validator; see tsm/report.h. */
#include "tsm/report.h"

#include <string.h>

#include "lib/bits.h"
#include "lib/err.h"

static void report_parse_range(const u8 *p, struct tdisp_mmio_range *m)
{
	u32 attrs = get_le32(p + TDISP_RANGE_OFF_ATTRS);

	m->first_page = get_le64(p + TDISP_RANGE_OFF_FIRST_PAGE);
	m->npages = get_le32(p + TDISP_RANGE_OFF_NPAGES);
	m->attrs = (u16)attrs;
	m->range_id = (u16)(attrs >> 16);
	m->hpa = pa(0);
	m->bar = 0xff;
}

int tdisp_report_parse(const u8 *buf, size_t len, struct tdisp_report *r)
{
	size_t ranges_len, off, end;
	u32 n;

	if (len < TDISP_REPORT_HDR_LEN + TDISP_REPORT_DEVINFO_LEN_LEN || len > TDISP_REPORT_MAX)
		return trace_err(-E_PROTO);
	if (get_le16(buf + TDISP_REPORT_OFF_RSVD) != 0)
		return trace_err(-E_PROTO);
	n = get_le32(buf + TDISP_REPORT_OFF_NRANGES);
	if (n > TDISP_REPORT_MAX_RANGES)
		return trace_err(-E_RANGE);
	ranges_len = (size_t)n * TDISP_MMIO_RANGE_LEN;
	off = TDISP_REPORT_HDR_LEN + ranges_len;
	if (off + TDISP_REPORT_DEVINFO_LEN_LEN > len)
		return trace_err(-E_PROTO);
	memset(r, 0, sizeof(*r));
	r->dev_info_len = get_le32(buf + off);
	if (add_overflow((size_t)r->dev_info_len, off + TDISP_REPORT_DEVINFO_LEN_LEN, &end) ||
	    end != len)
		return trace_err(-E_PROTO); /* truncated, or bytes after the report */
	r->interface_info = get_le16(buf + TDISP_REPORT_OFF_INFO);
	r->msix_msg_ctrl = get_le16(buf + TDISP_REPORT_OFF_MSIX);
	r->lnr_ctrl = get_le16(buf + TDISP_REPORT_OFF_LNR);
	r->tph_ctrl = get_le32(buf + TDISP_REPORT_OFF_TPH);
	r->nranges = n;
	for (u32 i = 0; i < n; i++)
		report_parse_range(buf + TDISP_REPORT_HDR_LEN + (size_t)i * TDISP_MMIO_RANGE_LEN,
				   &r->range[i]);
	r->dev_info = buf + off + TDISP_REPORT_DEVINFO_LEN_LEN;
	return 0;
}

/* Host-physical [start, end) of a reported range, the reporting offset removed. */
static int report_range_hpa(const struct tdisp_mmio_range *m, u64 reporting_offset, u64 *start,
			    u64 *end)
{
	u64 addr, size;

	if (m->npages == 0)
		return trace_err(-E_RANGE);
	if (m->first_page > (UINT64_MAX >> PAGE_SHIFT))
		return trace_err(-E_OVERFLOW);
	addr = m->first_page << PAGE_SHIFT;
	if (addr < reporting_offset)
		return trace_err(-E_RANGE);
	addr -= reporting_offset;
	size = (u64)m->npages << PAGE_SHIFT;
	if (add_overflow(addr, size, end))
		return trace_err(-E_OVERFLOW);
	*start = addr;
	return 0;
}

static int report_find_bar(const struct tsm_bars *bars, u64 start, u64 end, u8 *bar)
{
	for (u8 i = 0; i < 6; i++) {
		u64 b = bars->bar[i].base.v, bend;

		/* An unplaced BAR (base 0) anchors nothing: pci/bar.c never records one. */
		if (!b || !bars->bar[i].size || add_overflow(b, bars->bar[i].size, &bend))
			continue;
		if (start >= b && end <= bend) {
			*bar = i;
			return 0;
		}
	}
	return trace_err(-E_RANGE);
}

static int report_check_range(struct tdisp_mmio_range *m, const struct tsm_bars *bars,
			      u64 reporting_offset)
{
	u64 start, end;
	int err;

	if (m->attrs & ~TDISP_RANGE_KNOWN)
		return trace_err(-E_INVAL);
	if ((m->attrs & TDISP_RANGE_MSIX_TABLE) && (m->attrs & TDISP_RANGE_MSIX_PBA))
		return trace_err(-E_INVAL);
	err = report_range_hpa(m, reporting_offset, &start, &end);
	if (!err)
		err = report_find_bar(bars, start, end, &m->bar);
	if (err)
		return err;
	m->hpa = pa(start);
	return 0;
}

static bool report_ranges_overlap(const struct tdisp_mmio_range *a,
				  const struct tdisp_mmio_range *b)
{
	u64 a_end = a->hpa.v + ((u64)a->npages << PAGE_SHIFT);
	u64 b_end = b->hpa.v + ((u64)b->npages << PAGE_SHIFT);

	return a->hpa.v < b_end && b->hpa.v < a_end;
}

int tdisp_report_validate(struct tdisp_report *r, const struct tsm_bars *bars, u64 reporting_offset)
{
	int err;

	if (r->interface_info & ~TDISP_INFO_KNOWN)
		return trace_err(-E_INVAL);
	if (!IS_ALIGNED(reporting_offset, PAGE_SIZE))
		return trace_err(-E_INVAL);
	for (u32 i = 0; i < r->nranges; i++) {
		err = report_check_range(&r->range[i], bars, reporting_offset);
		if (err)
			return err;
		for (u32 j = 0; j < i; j++)
			if (report_ranges_overlap(&r->range[i], &r->range[j]))
				return trace_err(-E_RANGE);
	}
	return 0;
}
