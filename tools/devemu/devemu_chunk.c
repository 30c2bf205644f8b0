// SPDX-License-Identifier: MIT
/*
 * devemu's large-message transfer (DSP0274 1.2/1.3 "CHUNK_SEND", "CHUNK_GET"), offered when
 * devemu runs with a small DataTransferSize (--dts) or --chunk. devemu treats its
 * DataTransferSize as its transmit limit too: any response (but the VCA's) larger than the
 * smaller of the two DataTransferSizes is announced with ERROR(LargeResponse) and fetched
 * with CHUNK_GET; a request reassembled from CHUNK_SEND is answered in the last
 * CHUNK_SEND_ACK. Layouts, from the specification's tables:
 *   CHUNK_SEND      0 ver | 1 85h | 2 bit0 LastChunk | 3 Handle | 4 u16 ChunkSeqNo | 6 rsvd
 *                   | 8 u32 ChunkSize | 12 u32 LargeMessageSize (seq 0 only) | chunk
 *   CHUNK_SEND_ACK  0 ver | 1 05h | 2 bit0 EarlyErrorDetected | 3 Handle | 4 u16 ChunkSeqNo
 *                   | 6 the response to the large request (after the last chunk)
 *   CHUNK_GET       0 ver | 1 86h | 2 rsvd | 3 Handle | 4 u16 ChunkSeqNo
 *   CHUNK_RESPONSE  0 ver | 1 06h | 2 bit0 LastChunk | 3 Handle | 4 u16 ChunkSeqNo | 6 rsvd
 *                   | 8 u32 ChunkSize | 12 u32 LargeMessageSize (seq 0 only) | chunk
 *   ERROR LargeResponse: 0 ver | 1 7Fh | 2 0Fh | 3 0 | 4 Handle
 */
#include <string.h>

#include "devemu_int.h"

static size_t dv_limit(const struct devemu *d)
{
	size_t l = d->opt.dts;

	return d->req_dts && d->req_dts < l ? d->req_dts : l;
}

static bool dv_is_vca(uint8_t code)
{
	return code == 0x84 || code == 0xe1 || code == 0xe3;
}

size_t dv_maybe_large(struct devemu *d, const uint8_t *q, uint8_t *rsp, size_t n)
{
	if (!d->chunk || n <= dv_limit(d) || dv_is_vca(q[1]))
		return n;
	buf_clear(&d->tx.msg);
	if (buf_add(&d->tx.msg, rsp, n))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	d->tx.active = true;
	d->tx.handle = d->next_handle++;
	d->tx.seq = 0;
	d->tx.off = 0;
	dv_error(d, rsp, ERR_LARGE_RESPONSE, 0);
	rsp[4] = d->tx.handle;
	return 5;
}

size_t dv_chunk_get(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	struct devemu_chunk *t = &d->tx;
	size_t hdr, n;

	if (!d->chunk || qlen < 6 || !t->active || q[3] != t->handle || rd16(q + 4) != t->seq)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	hdr = t->seq ? 12 : 16;
	n = dv_limit(d) - hdr;
	if (n > t->msg.len - t->off)
		n = t->msg.len - t->off;
	memset(rsp, 0, hdr);
	rsp[0] = d->version;
	rsp[1] = 0x06;
	rsp[2] = t->off + n == t->msg.len ? 1 : 0;
	rsp[3] = t->handle;
	wr16(rsp + 4, t->seq);
	wr32(rsp + 8, (uint32_t)n);
	if (!t->seq)
		wr32(rsp + 12, (uint32_t)t->msg.len);
	memcpy(rsp + hdr, t->msg.p + t->off, n);
	t->off += n;
	t->seq++;
	d->chunks_out++;
	if (rsp[2])
		t->active = false;
	return hdr + n;
}

/* A chunk of the large request; the first one opens the transfer. */
static int dv_chunk_take(struct devemu *d, const uint8_t *q, size_t qlen)
{
	struct devemu_chunk *r = &d->rx;
	uint16_t seq = rd16(q + 4);
	size_t hdr = seq ? 12 : 16, size = rd32(q + 8);

	if (qlen < hdr)
		return -1;
	if (!seq) {
		r->active = true;
		r->handle = q[3];
		r->seq = 0;
		r->total = rd32(q + 12);
		buf_clear(&r->msg);
		if (r->total > MSG_MAX || r->total <= dv_limit(d))
			return -1;
	}
	if (!r->active || q[3] != r->handle || seq != r->seq || size == 0 || size > qlen - hdr ||
	    size > d->opt.dts - hdr || r->msg.len + size > r->total)
		return -1;
	if (buf_add(&r->msg, q + hdr, size))
		return -1;
	r->seq++;
	d->chunks_in++;
	return 0;
}

size_t dv_chunk_send(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp, bool secured)
{
	struct devemu_chunk *r = &d->rx;
	bool last = qlen >= 4 && (q[2] & 1);

	if (!d->chunk || qlen < 12 || dv_chunk_take(d, q, qlen) ||
	    (last && r->msg.len != r->total)) {
		r->active = false;
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	}
	rsp[0] = d->version;
	rsp[1] = 0x05;
	rsp[2] = 0;
	rsp[3] = r->handle;
	wr16(rsp + 4, (uint16_t)(r->seq - 1));
	if (!last)
		return 6;
	r->active = false;
	if (r->msg.p[1] == 0x85 || r->msg.p[1] == 0x86)
		return 6 + dv_error(d, rsp + 6, ERR_INVALID_REQUEST, 0);
	return 6 + dv_handle(d, r->msg.p, r->msg.len, rsp + 6, secured);
}
