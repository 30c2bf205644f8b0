// SPDX-License-Identifier: MIT
/*
 * Secured-message version negotiation (DSP0277 1.2 "Secured message version" opaque data) in
 * the general opaque data format of SPDM 1.2 and 1.3 (DSP0274 "General opaque data format",
 * OtherParamsSelection OpaqueDataFmt1). KEY_EXCHANGE offers 1.2, 1.1 and 1.0 in one DMTF
 * element (SupportedVersionList); KEY_EXCHANGE_RSP must select one of them in one DMTF element
 * (VersionSelection). The responder's opaque data is untrusted: every element is walked with
 * checked lengths, elements of other registries are skipped.
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

static const u16 spdm_sm_offer[] = { SPDM_SM_VERSION_12, SPDM_SM_VERSION_11, SPDM_SM_VERSION_10 };
#define SPDM_OPAQUE_MAX_ELEMENTS 8

static size_t spdm_pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t spdm_opaque_sm_offer(u8 *p, size_t cap)
{
	size_t dl = SPDM_SM_OFF_VERSIONS + 2 * ARRAY_SIZE(spdm_sm_offer);
	size_t el = SPDM_OPQ_EL_OFF_VENDOR + 2 + dl, n = SPDM_OPAQUE_HDR_LEN + spdm_pad4(el);
	u8 *e = p + SPDM_OPAQUE_HDR_LEN, *d = e + SPDM_OPQ_EL_OFF_VENDOR + 2;

	if (cap < n)
		return 0;
	memset(p, 0, n);
	p[SPDM_OPAQUE_OFF_TOTAL] = 1;
	e[SPDM_OPQ_EL_OFF_ID] = SPDM_OPQ_ID_DMTF;
	e[SPDM_OPQ_EL_OFF_VENDOR_LEN] = 0;
	put_le16(e + SPDM_OPQ_EL_OFF_VENDOR, (u16)dl);
	d[SPDM_SM_OFF_DATA_VERSION] = SPDM_SM_DATA_VERSION;
	d[SPDM_SM_OFF_DATA_ID] = SPDM_SM_ID_SUPPORTED_VERSION;
	d[SPDM_SM_OFF_COUNT] = (u8)ARRAY_SIZE(spdm_sm_offer);
	for (size_t i = 0; i < ARRAY_SIZE(spdm_sm_offer); i++)
		put_le16(d + SPDM_SM_OFF_VERSIONS + 2 * i, spdm_sm_offer[i]);
	return n;
}

static bool spdm_sm_offered(u16 v)
{
	for (size_t i = 0; i < ARRAY_SIZE(spdm_sm_offer); i++)
		if ((v & 0xff00) == spdm_sm_offer[i]) /* update and alpha digits do not matter */
			return true;
	return false;
}

/* One element at p (avail bytes left): its data and its padded size, or 0 if malformed. */
static size_t spdm_opaque_element(const u8 *p, size_t avail, const u8 **data, size_t *dl)
{
	size_t vl, hdr;

	if (avail < SPDM_OPQ_EL_OFF_VENDOR)
		return 0;
	vl = p[SPDM_OPQ_EL_OFF_VENDOR_LEN];
	hdr = SPDM_OPQ_EL_OFF_VENDOR + vl + 2;
	if (avail < hdr)
		return 0;
	*dl = get_le16(p + hdr - 2);
	*data = p + hdr;
	if (*dl > avail - hdr)
		return 0;
	return MIN(spdm_pad4(hdr + *dl), avail); /* the last element's padding may be absent */
}

int spdm_opaque_sm_selection(const u8 *p, size_t len, u16 *selected)
{
	size_t off = SPDM_OPAQUE_HDR_LEN;
	unsigned n, found = 0;

	if (len < SPDM_OPAQUE_HDR_LEN)
		return -E_PROTO;
	n = p[SPDM_OPAQUE_OFF_TOTAL];
	if (n == 0 || n > SPDM_OPAQUE_MAX_ELEMENTS)
		return -E_PROTO;
	for (unsigned i = 0; i < n; i++) {
		const u8 *d;
		size_t dl, sz = spdm_opaque_element(p + off, len - off, &d, &dl);

		if (!sz)
			return -E_PROTO;
		if (p[off + SPDM_OPQ_EL_OFF_ID] == SPDM_OPQ_ID_DMTF &&
		    p[off + SPDM_OPQ_EL_OFF_VENDOR_LEN] == 0 && dl >= SPDM_SM_OFF_DATA_ID + 1 &&
		    d[SPDM_SM_OFF_DATA_ID] == SPDM_SM_ID_VERSION_SELECTION) {
			if (dl != SPDM_SM_OFF_SELECTED + 2 ||
			    d[SPDM_SM_OFF_DATA_VERSION] != SPDM_SM_DATA_VERSION || found++)
				return -E_PROTO;
			*selected = get_le16(d + SPDM_SM_OFF_SELECTED);
		}
		off += sz;
	}
	if (off != len && spdm_pad4(off) != len) /* nothing after the last element */
		return -E_PROTO;
	if (!found)
		return -E_PROTO;
	return spdm_sm_offered(*selected) ? 0 : -E_NOTSUP;
}
