// SPDX-License-Identifier: MIT
/*
 * Large SPDM messages (DSP0274 1.2/1.3 "Large SPDM message transfer mechanism"), used when both
 * sides have CHUNK_CAP: a request larger than the responder's DataTransferSize goes as a
 * sequence of CHUNK_SEND, each acknowledged (the last acknowledgement carries the response);
 * a response the responder cannot send in one message is announced by ERROR LargeResponse
 * with a handle, and fetched with CHUNK_GET, each CHUNK_RESPONSE checked before its chunk is
 * kept. Inside a session every chunk is a secured message of its own. Transcripts see only the
 * whole messages (the callers hash c->req and c->rsp as usual).
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <mbedtls/platform.h>
#include <string.h>

int spdm_chunk_ack_parse(u8 version, u8 handle, u16 seq, bool last, const u8 *r, size_t len,
			 const u8 **response, size_t *response_len)
{
	if (len < SPDM_HDR_LEN || r[SPDM_OFF_VERSION] != version)
		return -E_PROTO;
	if (r[SPDM_OFF_CODE] == SPDM_ERROR) { /* refused outright: the caller sees the ERROR */
		*response = r;
		*response_len = len;
		return 0;
	}
	if (len < SPDM_CHUNK_ACK_OFF_RESPONSE || r[SPDM_OFF_CODE] != SPDM_RSP(SPDM_CHUNK_SEND) ||
	    r[SPDM_OFF_PARAM2] != handle || get_le16(r + SPDM_CHUNK_ACK_OFF_SEQ) != seq)
		return -E_PROTO;
	*response = r + SPDM_CHUNK_ACK_OFF_RESPONSE;
	*response_len = len - SPDM_CHUNK_ACK_OFF_RESPONSE;
	/* Early error: the response is an ERROR. Otherwise only the last ack carries one. */
	if (r[SPDM_OFF_PARAM1] & SPDM_CHUNK_ACK_EARLY_ERROR)
		return *response_len >= SPDM_HDR_LEN && (*response)[SPDM_OFF_CODE] == SPDM_ERROR
			       ? 0
			       : -E_PROTO;
	if (last)
		return *response_len >= SPDM_HDR_LEN ? 0 : -E_PROTO;
	return 0;
}

/* The buffer of one chunked transfer, from the crypto heap; NULL (a failed connection) if the
 * heap cannot give it. */
static u8 *spdm_chunk_buf(struct spdm_conn *c, size_t size)
{
	u8 *b = mbedtls_calloc(1, size);

	if (!b)
		spdm_fail(c, SPDM_FAIL_CRYPTO, -E_NOMEM);
	return b;
}

static void spdm_chunk_buf_free(u8 *b, size_t size)
{
	spdm_wipe(b, size);
	mbedtls_free(b);
}

/* One CHUNK_SEND of `n` bytes at `off` into q; returns its length. */
static size_t spdm_chunk_build(struct spdm_conn *c, u8 *q, u8 handle, u16 seq, const u8 *msg,
			       size_t len, size_t off, size_t n)
{
	size_t hdr = seq ? SPDM_CHUNK_HDR_LEN : SPDM_CHUNK_FIRST_HDR_LEN;

	memset(q, 0, hdr);
	q[SPDM_OFF_VERSION] = c->version;
	q[SPDM_OFF_CODE] = SPDM_CHUNK_SEND;
	q[SPDM_OFF_PARAM1] = off + n == len ? SPDM_CHUNK_LAST : 0;
	q[SPDM_OFF_PARAM2] = handle;
	put_le16(q + SPDM_CHUNK_OFF_SEQ, seq);
	put_le32(q + SPDM_CHUNK_OFF_SIZE, (u32)n);
	if (!seq)
		put_le32(q + SPDM_CHUNK_OFF_LARGE_SIZE, (u32)len);
	memcpy(q + hdr, msg + off, n);
	return hdr + n;
}

static int spdm_chunk_send_rounds(struct spdm_conn *c, u8 *q, const u8 *msg, size_t len,
				  size_t *rsp_len)
{
	u8 handle = c->chunk_handle++;
	size_t off = 0;
	int err;

	for (u16 seq = 0; seq < SPDM_CHUNK_MAX_ROUNDS; seq++) {
		size_t hdr = seq ? SPDM_CHUNK_HDR_LEN : SPDM_CHUNK_FIRST_HDR_LEN;
		size_t n = MIN(len - off, c->rsp_dts - hdr), qlen, rlen, inner_len;
		bool last = off + n == len;
		const u8 *inner;

		qlen = spdm_chunk_build(c, q, handle, seq, msg, len, off, n);
		if ((err = spdm_roundtrip(c, q, qlen, &rlen)))
			return err;
		if (spdm_chunk_ack_parse(c->version, handle, seq, last, c->rsp, rlen, &inner,
					 &inner_len))
			return spdm_fail(c, SPDM_FAIL_CHUNK, -E_PROTO);
		off += n;
		if (last || inner_len >= SPDM_HDR_LEN) { /* the response, or an early ERROR */
			if (!last && inner[SPDM_OFF_CODE] != SPDM_ERROR)
				return spdm_fail(c, SPDM_FAIL_CHUNK, -E_PROTO);
			memmove(c->rsp, inner, inner_len);
			*rsp_len = inner_len;
			return 0;
		}
		if (inner_len >= MAX(c->rsp_slack, 1))
			return spdm_fail(c, SPDM_FAIL_CHUNK, -E_PROTO);
	}
	return spdm_fail(c, SPDM_FAIL_CHUNK, -E_PROTO);
}

int spdm_chunk_send(struct spdm_conn *c, const u8 *msg, size_t len, size_t *rsp_len)
{
	/* A chunk is at most the whole request plus the first chunk's header. */
	size_t size = SPDM_REQ_MAX + SPDM_CHUNK_FIRST_HDR_LEN;
	u8 *q;
	int err;

	if (c->rsp_dts < SPDM_MIN_DTS || len > SPDM_REQ_MAX)
		return spdm_fail(c, SPDM_FAIL_STATE, -E_STATE);
	if (!(q = spdm_chunk_buf(c, size)))
		return -E_NOMEM;
	err = spdm_chunk_send_rounds(c, q, msg, len, rsp_len);
	spdm_chunk_buf_free(q, size);
	return err;
}

int spdm_chunk_rsp_parse(struct spdm_chunk_rx *st, const u8 *r, size_t len)
{
	size_t hdr = st->seq ? SPDM_CHUNK_HDR_LEN : SPDM_CHUNK_FIRST_HDR_LEN, size;
	bool last;

	if (len < hdr || r[SPDM_OFF_VERSION] != st->version ||
	    r[SPDM_OFF_CODE] != SPDM_RSP(SPDM_CHUNK_GET) || r[SPDM_OFF_PARAM2] != st->handle ||
	    get_le16(r + SPDM_CHUNK_OFF_SEQ) != st->seq || st->last)
		return -E_PROTO;
	if (!st->seq) {
		st->total = get_le32(r + SPDM_CHUNK_OFF_LARGE_SIZE);
		if (st->total == 0 || st->total > st->cap)
			return -E_RANGE;
	}
	size = get_le32(r + SPDM_CHUNK_OFF_SIZE);
	last = r[SPDM_OFF_PARAM1] & SPDM_CHUNK_LAST;
	/* Progress, within the message, within this response (up to its transport padding). */
	if (size == 0 || size > st->max_chunk || size > len - hdr || len - hdr - size > 3 ||
	    size > st->total - st->got)
		return -E_PROTO;
	if (last != (st->got + size == st->total))
		return -E_PROTO;
	memcpy(st->buf + st->got, r + hdr, size);
	st->got += (u32)size;
	st->seq++;
	st->last = last;
	return 0;
}

static int spdm_chunk_get_rounds(struct spdm_conn *c, struct spdm_chunk_rx *st)
{
	u8 q[SPDM_CHUNK_GET_LEN];
	size_t len;
	int err;

	for (unsigned round = 0; !st->last; round++) {
		if (round >= SPDM_CHUNK_MAX_ROUNDS)
			return spdm_fail(c, SPDM_FAIL_CHUNK, -E_PROTO);
		q[SPDM_OFF_VERSION] = c->version;
		q[SPDM_OFF_CODE] = SPDM_CHUNK_GET;
		q[SPDM_OFF_PARAM1] = 0;
		q[SPDM_OFF_PARAM2] = st->handle;
		put_le16(q + SPDM_CHUNK_GET_OFF_SEQ, st->seq);
		if ((err = spdm_roundtrip(c, q, sizeof(q), &len)))
			return err;
		if (spdm_chunk_rsp_parse(st, c->rsp, len))
			return spdm_fail(c, SPDM_FAIL_CHUNK, -E_PROTO);
	}
	return 0;
}

int spdm_chunk_get(struct spdm_conn *c, u8 handle, size_t *rsp_len)
{
	struct spdm_chunk_rx st = {
		.version = c->version,
		.handle = handle,
		.cap = SPDM_MSG_MAX,
		.max_chunk = SPDM_MSG_MAX - SPDM_CHUNK_HDR_LEN,
	};
	int err;

	if (!(st.buf = spdm_chunk_buf(c, SPDM_MSG_MAX)))
		return -E_NOMEM;
	if (!(err = spdm_chunk_get_rounds(c, &st))) {
		memcpy(c->rsp, st.buf, st.got);
		c->rsp_slack = 1; /* reassembled to its exact size */
		*rsp_len = st.got;
	}
	spdm_chunk_buf_free(st.buf, SPDM_MSG_MAX);
	return err;
}
