// SPDX-License-Identifier: MIT
/*
 * Device authentication (DSP0274 1.2/1.3 GET_DIGESTS, GET_CERTIFICATE in portions, CHALLENGE
 * and GET_MEASUREMENTS), each signature checked against the transcript the specification
 * defines (message_b/message_c for CHALLENGE_AUTH, message_m for MEASUREMENTS), kept as running
 * hashes. SPDM 1.3 adds a RequesterContext to CHALLENGE and GET_MEASUREMENTS that the response
 * must echo before its signature.
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

/* GET_CERTIFICATE rounds: the largest chain through the smallest legal portion. */
#define SPDM_CERT_MAX_ROUNDS (SPDM_CERT_CHAIN_MAX / (SPDM_MIN_DTS - SPDM_CERT_OFF_DATA) + 2)

static size_t spdm_context_len(const struct spdm_conn *c)
{
	return c->version >= SPDM_VERSION_13 ? SPDM_REQ_CONTEXT_LEN : 0;
}

/* A fresh RequesterContext at `p` (1.3), kept for the response's echo. */
static int spdm_put_context(struct spdm_conn *c, u8 *p)
{
	if (!spdm_context_len(c))
		return 0;
	if (spdm_random(c, c->req_context, SPDM_REQ_CONTEXT_LEN))
		return -E_IO;
	memcpy(p, c->req_context, SPDM_REQ_CONTEXT_LEN);
	return 0;
}

static bool spdm_context_echoed(const struct spdm_conn *c, const u8 *p)
{
	return !spdm_context_len(c) || !memcmp(p, c->req_context, SPDM_REQ_CONTEXT_LEN);
}

static int spdm_m1_add(struct spdm_conn *c, const u8 *p, size_t len)
{
	return mbedtls_md_update(&c->m1_h, p, len) ? spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO) : 0;
}

/* Bits set in a slot mask (no libgcc popcount in the images). */
static size_t spdm_slots(u8 mask)
{
	size_t n = 0;

	for (; mask; mask &= (u8)(mask - 1))
		n++;
	return n;
}

static void spdm_put_hdr(struct spdm_conn *c, u8 code, u8 p1, u8 p2)
{
	c->req[SPDM_OFF_VERSION] = c->version;
	c->req[SPDM_OFF_CODE] = code;
	c->req[SPDM_OFF_PARAM1] = p1;
	c->req[SPDM_OFF_PARAM2] = p2;
}

static int spdm_get_digests(struct spdm_conn *c, u8 slot)
{
	size_t len, n;
	int err;
	u8 mask, before;

	spdm_put_hdr(c, SPDM_GET_DIGESTS, 0, 0);
	if ((err = spdm_xfer(c, SPDM_HDR_LEN, SPDM_RSP(SPDM_GET_DIGESTS), &len)))
		return err;
	mask = c->rsp[SPDM_OFF_PARAM2]; /* provisioned slots (1.3 param1: supported ones) */
	if (!(mask & (1u << slot)))
		return spdm_fail(c, SPDM_FAIL_CAPS, -E_NOENT);
	n = SPDM_DIGESTS_OFF_DIGEST + c->hash_len * spdm_slots(mask);
	if ((err = spdm_rsp_exact(c, len, n)))
		return err;
	before = (u8)spdm_slots((u8)(mask & ((1u << slot) - 1)));
	memcpy(c->cert_digest, c->rsp + SPDM_DIGESTS_OFF_DIGEST + before * c->hash_len,
	       c->hash_len);
	if ((err = spdm_m1_add(c, c->req, SPDM_HDR_LEN)))
		return err;
	return spdm_m1_add(c, c->rsp, n);
}

/* One CERTIFICATE portion; *total is fixed by the first response and must not change. */
static int spdm_cert_portion(struct spdm_conn *c, u8 slot, size_t *total, bool *done)
{
	/* As much as one message carries each way, so that no portion needs chunking. */
	size_t off = c->cert_chain_len, len;
	size_t want = MIN(c->rsp_dts, (u32)SPDM_MSG_MAX) - SPDM_CERT_OFF_DATA;
	const u8 *r = c->rsp;
	int err;

	spdm_put_hdr(c, SPDM_GET_CERTIFICATE, slot, 0);
	put_le16(c->req + SPDM_GETCERT_OFF_OFFSET, (u16)off);
	put_le16(c->req + SPDM_GETCERT_OFF_LENGTH, (u16)MIN(want, 0xffff));
	if ((err = spdm_xfer(c, SPDM_GETCERT_LEN, SPDM_RSP(SPDM_GET_CERTIFICATE), &len)))
		return err;
	if (len < SPDM_CERT_OFF_DATA)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	size_t portion = get_le16(r + SPDM_CERT_OFF_PORTION);
	size_t rem = get_le16(r + SPDM_CERT_OFF_REMAINDER);
	if ((err = spdm_rsp_exact(c, len, SPDM_CERT_OFF_DATA + portion)))
		return err;
	if ((r[SPDM_OFF_PARAM1] & 0xf) != slot || portion > want || (portion == 0 && rem != 0))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if (!*total)
		*total = off + portion + rem;
	if (off + portion + rem != *total || *total > SPDM_CERT_CHAIN_MAX)
		return spdm_fail(
			c, *total > SPDM_CERT_CHAIN_MAX ? SPDM_FAIL_OVERSIZED : SPDM_FAIL_MALFORMED,
			-E_PROTO);
	memcpy(c->cert_chain + off, r + SPDM_CERT_OFF_DATA, portion);
	c->cert_chain_len += portion;
	*done = rem == 0;
	if ((err = spdm_m1_add(c, c->req, SPDM_GETCERT_LEN)))
		return err;
	return spdm_m1_add(c, r, SPDM_CERT_OFF_DATA + portion);
}

int spdm_get_certificate(struct spdm_conn *c, u8 slot)
{
	size_t total = 0;
	bool done = false;
	int err;

	if (c->state != SPDM_STATE_NEGOTIATED || slot > 7)
		return spdm_fail(c, SPDM_FAIL_STATE, -E_STATE);
	c->slot = slot;
	c->cert_chain_len = 0;
	if ((err = spdm_get_digests(c, slot)))
		return err;
	for (unsigned i = 0; !done; i++) {
		if (i >= SPDM_CERT_MAX_ROUNDS)
			return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
		if ((err = spdm_cert_portion(c, slot, &total, &done)))
			return err;
	}
	if ((err = spdm_chain_validate(c)))
		return err;
	c->state = SPDM_STATE_AUTHENTICATED;
	return 0;
}

/* CHALLENGE_AUTH, no measurement summary hash requested. */
static int spdm_parse_challenge_auth(struct spdm_conn *c, size_t len)
{
	const u8 *r = c->rsp;
	size_t fixed = SPDM_CHAUTH_OFF_OPAQUE_LEN(c->hash_len), n, ctx = spdm_context_len(c);
	u8 th[SPDM_HASH_MAX];
	int err;

	if (len < fixed + SPDM_OPAQUE_LEN_LEN)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	n = fixed + SPDM_OPAQUE_LEN_LEN + get_le16(r + fixed) +
	    ctx; /* signed part: through the 1.3 context */
	if ((err = spdm_rsp_exact(c, len, n + c->sig_len)))
		return err;
	if ((r[SPDM_OFF_PARAM1] & 0xf) != c->slot || !(r[SPDM_OFF_PARAM2] & (1u << c->slot)) ||
	    !spdm_context_echoed(c, r + n - ctx))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if (memcmp(r + SPDM_CHAUTH_OFF_CHAIN_HASH, c->cert_digest, c->hash_len))
		return spdm_fail(c, SPDM_FAIL_DIGEST, -E_AUTH);
	if ((err = spdm_m1_add(c, r, n)))
		return err;
	if (spdm_hash_peek(c, &c->m1_h, th))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (spdm_verify_sig(c, "responder-challenge_auth signing", th, r + n))
		return spdm_fail(c, SPDM_FAIL_SIGNATURE, -E_AUTH);
	return 0;
}

int spdm_challenge(struct spdm_conn *c)
{
	size_t len, qlen = SPDM_CHAL_LEN + spdm_context_len(c);
	int err;

	if (c->state != SPDM_STATE_AUTHENTICATED || c->in_session)
		return spdm_fail(c, SPDM_FAIL_STATE, -E_STATE);
	if (!(c->rsp_caps & SPDM_CAP_CHAL))
		return spdm_fail(c, SPDM_FAIL_CAPS, -E_NOTSUP);
	spdm_put_hdr(c, SPDM_CHALLENGE, c->slot, 0);
	if (spdm_random(c, c->req + SPDM_CHAL_OFF_NONCE, SPDM_NONCE_LEN) ||
	    spdm_put_context(c, c->req + SPDM_CHAL_OFF_CONTEXT))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if ((err = spdm_xfer(c, qlen, SPDM_RSP(SPDM_CHALLENGE), &len)) ||
	    (err = spdm_m1_add(c, c->req, qlen)))
		return err;
	return spdm_parse_challenge_auth(c, len);
}

/* Measurement record (DSP0274 "Measurement block"): Index, Spec, Size, DMTF value. */
static int spdm_check_record(struct spdm_conn *c, const u8 *p, size_t len, unsigned nblocks)
{
	size_t off = 0;

	for (unsigned i = 0; i < nblocks; i++) {
		if (len - off < SPDM_MBLK_HDR_LEN)
			return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
		const u8 *b = p + off;
		size_t sz = get_le16(b + SPDM_MBLK_OFF_SIZE);
		if (sz > len - off - SPDM_MBLK_HDR_LEN || (b[SPDM_MBLK_OFF_SPEC] & 1) == 0 ||
		    sz < SPDM_MBLK_DMTF_HDR_LEN ||
		    get_le16(b + SPDM_MBLK_OFF_DMTF_VSIZE) != sz - SPDM_MBLK_DMTF_HDR_LEN)
			return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
		off += SPDM_MBLK_HDR_LEN + sz;
	}
	return off == len ? 0 : spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
}

static int spdm_parse_measurements(struct spdm_conn *c, size_t len, struct spdm_measurements *m,
				   size_t *signed_len)
{
	const u8 *r = c->rsp;
	size_t rec, n, o, ctx = spdm_context_len(c);
	u8 th[SPDM_HASH_MAX];
	int err;

	if (len < SPDM_MEAS_OFF_RECORD)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	rec = r[SPDM_MEAS_OFF_RECORD_LEN] | (size_t)r[SPDM_MEAS_OFF_RECORD_LEN + 1] << 8 |
	      (size_t)r[SPDM_MEAS_OFF_RECORD_LEN + 2] << 16;
	o = SPDM_MEAS_OFF_RECORD + rec + SPDM_NONCE_LEN; /* OpaqueDataLength */
	if (len < o + SPDM_OPAQUE_LEN_LEN)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	n = o + SPDM_OPAQUE_LEN_LEN + get_le16(r + o) +
	    ctx; /* signed part: through the 1.3 context */
	if ((err = spdm_rsp_exact(c, len, n + c->sig_len)) ||
	    (err = spdm_check_record(c, r + SPDM_MEAS_OFF_RECORD, rec, r[SPDM_MEAS_OFF_NBLOCKS])))
		return err;
	if ((r[SPDM_OFF_PARAM2] & 0xf) != c->slot || rec > m->record_cap ||
	    !spdm_context_echoed(c, r + n - ctx))
		return spdm_fail(c, rec > m->record_cap ? SPDM_FAIL_OVERSIZED : SPDM_FAIL_MALFORMED,
				 -E_PROTO);
	if (mbedtls_md_update(&c->l1_h, r, n) || spdm_hash_peek(c, &c->l1_h, th))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	/* L1 covers our request with its nonce: a stale or wrong nonce fails here. */
	if (spdm_verify_sig(c, "responder-measurements signing", th, r + n))
		return spdm_fail(c, SPDM_FAIL_MEAS_SIGNATURE, -E_AUTH);
	memcpy(m->record, r + SPDM_MEAS_OFF_RECORD, rec);
	m->len = rec;
	m->nblocks = r[SPDM_MEAS_OFF_NBLOCKS];
	*signed_len = n;
	return 0;
}

/* The bytes just hashed into L1/L2 and verified: request, then response with its signature. */
static int spdm_meas_capture(struct spdm_conn *c, struct spdm_meas_capture *cap, size_t req_len,
			     size_t signed_len)
{
	cap->req_len = req_len;
	cap->rsp_len = signed_len + c->sig_len;
	cap->sig_len = c->sig_len;
	if (cap->cap < cap->req_len || cap->cap - cap->req_len < cap->rsp_len)
		return -E_NOSPC;
	memcpy(cap->buf, c->req, cap->req_len);
	memcpy(cap->buf + cap->req_len, c->rsp, cap->rsp_len);
	return 0;
}

/* message_m restarts from the VCA after each signed MEASUREMENTS (DSP0274 "L1/L2"). */
static int spdm_l1_restart(struct spdm_conn *c)
{
	mbedtls_md_free(&c->l1_h);
	if (spdm_hash_fork(c, &c->l1_h, &c->vca_h)) {
		c->hashes_live = false; /* l1_h is gone; free the others on reset */
		mbedtls_md_free(&c->vca_h);
		mbedtls_md_free(&c->m1_h);
		mbedtls_md_free(&c->th_h);
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_NOMEM);
	}
	return 0;
}

int spdm_get_measurements(struct spdm_conn *c, const u8 *nonce, struct spdm_measurements *m)
{
	size_t len, signed_len = 0, qlen = SPDM_GETMEAS_SIGNED_LEN + spdm_context_len(c);
	int err;

	if (c->state < SPDM_STATE_AUTHENTICATED)
		return spdm_fail(c, SPDM_FAIL_STATE, -E_STATE);
	spdm_put_hdr(c, SPDM_GET_MEASUREMENTS, SPDM_GETMEAS_ATTR_SIGN, SPDM_GETMEAS_OP_ALL);
	if (nonce)
		memcpy(c->req + SPDM_GETMEAS_OFF_NONCE, nonce, SPDM_NONCE_LEN);
	else if (spdm_random(c, c->req + SPDM_GETMEAS_OFF_NONCE, SPDM_NONCE_LEN))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	c->req[SPDM_GETMEAS_OFF_SLOT] = c->slot;
	if (spdm_put_context(c, c->req + SPDM_GETMEAS_OFF_CONTEXT))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	/* Inside the session an ERROR refuses these measurements only. */
	if ((err = spdm_xfer_op(c, qlen, SPDM_RSP(SPDM_GET_MEASUREMENTS), &len)))
		return err;
	if (mbedtls_md_update(&c->l1_h, c->req, qlen))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if ((err = spdm_parse_measurements(c, len, m, &signed_len)) || (err = spdm_l1_restart(c)))
		return err;
	return m->capture ? spdm_meas_capture(c, m->capture, qlen, signed_len) : 0;
}
