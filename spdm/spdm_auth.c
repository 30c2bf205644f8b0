// SPDX-License-Identifier: MIT
/*
 * Device authentication (DSP0274 1.2 clauses 10.5-10.11): GET_DIGESTS, GET_CERTIFICATE in
 * portions, CHALLENGE and GET_MEASUREMENTS, each signature checked against the transcript
 * the specification defines (message_b/message_c for CHALLENGE_AUTH, message_m for
 * MEASUREMENTS), kept as running hashes.
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

#define SPDM_MEAS_ATTR_SIGN 0x1
#define SPDM_MEAS_OP_ALL 0xff
#define SPDM_CERT_MAX_ROUNDS 64

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

static int spdm_get_digests(struct spdm_conn *c, u8 slot)
{
	size_t len;
	int err;
	u8 mask, before;

	memcpy(c->req, (u8[]){ c->version, SPDM_GET_DIGESTS, 0, 0 }, 4);
	if ((err = spdm_xfer(c, 4, SPDM_RSP(SPDM_GET_DIGESTS), &len)))
		return err;
	mask = c->rsp[3];
	if (!(mask & (1u << slot)))
		return spdm_fail(c, SPDM_FAIL_CAPS, -E_NOENT);
	if ((err = spdm_rsp_exact(c, len, 4 + c->hash_len * spdm_slots(mask))))
		return err;
	before = (u8)spdm_slots((u8)(mask & ((1u << slot) - 1)));
	memcpy(c->cert_digest, c->rsp + 4 + before * c->hash_len, c->hash_len);
	if ((err = spdm_m1_add(c, c->req, 4)))
		return err;
	return spdm_m1_add(c, c->rsp, 4 + c->hash_len * spdm_slots(mask));
}

/* One CERTIFICATE portion; *total is fixed by the first response and must not change. */
static int spdm_cert_portion(struct spdm_conn *c, u8 slot, size_t *total, bool *done)
{
	size_t off = c->cert_chain_len, len, want = MIN(c->rsp_dts, (u32)SPDM_MSG_MAX) - 8;
	int err;

	c->req[0] = c->version;
	c->req[1] = SPDM_GET_CERTIFICATE;
	c->req[2] = slot;
	c->req[3] = 0;
	put_le16(c->req + 4, (u16)off);
	put_le16(c->req + 6, (u16)MIN(want, 0xffff));
	if ((err = spdm_xfer(c, 8, SPDM_RSP(SPDM_GET_CERTIFICATE), &len)))
		return err;
	if (len < 8)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	size_t portion = get_le16(c->rsp + 4), rem = get_le16(c->rsp + 6);
	if ((err = spdm_rsp_exact(c, len, 8 + portion)))
		return err;
	if ((c->rsp[2] & 0xf) != slot || portion > want || (portion == 0 && rem != 0))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if (!*total)
		*total = off + portion + rem;
	if (off + portion + rem != *total || *total > SPDM_CERT_CHAIN_MAX)
		return spdm_fail(
			c, *total > SPDM_CERT_CHAIN_MAX ? SPDM_FAIL_OVERSIZED : SPDM_FAIL_MALFORMED,
			-E_PROTO);
	memcpy(c->cert_chain + off, c->rsp + 8, portion);
	c->cert_chain_len += portion;
	*done = rem == 0;
	if ((err = spdm_m1_add(c, c->req, 8)))
		return err;
	return spdm_m1_add(c, c->rsp, 8 + portion);
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

/* CHALLENGE_AUTH (DSP0274 1.2 table 38), no measurement summary hash requested. */
static int spdm_parse_challenge_auth(struct spdm_conn *c, size_t len)
{
	const u8 *r = c->rsp;
	size_t fixed = 4 + c->hash_len + SPDM_NONCE_LEN, n;
	u8 th[SPDM_HASH_MAX];
	int err;

	if (len < fixed + 2)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	n = fixed + 2 + get_le16(r + fixed);
	if ((err = spdm_rsp_exact(c, len, n + c->sig_len)))
		return err;
	if ((r[2] & 0xf) != c->slot || !(r[3] & (1u << c->slot)))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if (memcmp(r + 4, c->cert_digest, c->hash_len))
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
	size_t len;
	int err;

	if (c->state != SPDM_STATE_AUTHENTICATED || c->in_session)
		return spdm_fail(c, SPDM_FAIL_STATE, -E_STATE);
	if (!(c->rsp_caps & SPDM_CAP_CHAL))
		return spdm_fail(c, SPDM_FAIL_CAPS, -E_NOTSUP);
	memcpy(c->req, (u8[]){ c->version, SPDM_CHALLENGE, c->slot, 0 }, 4);
	if (spdm_random(c, c->req + 4, SPDM_NONCE_LEN))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if ((err = spdm_xfer(c, 4 + SPDM_NONCE_LEN, SPDM_RSP(SPDM_CHALLENGE), &len)) ||
	    (err = spdm_m1_add(c, c->req, 4 + SPDM_NONCE_LEN)))
		return err;
	return spdm_parse_challenge_auth(c, len);
}

/* Measurement record (DSP0274 1.2 tables 45/46): blocks of Index, Spec, Size, DMTF value. */
static int spdm_check_record(struct spdm_conn *c, const u8 *p, size_t len, unsigned nblocks)
{
	size_t off = 0;

	for (unsigned i = 0; i < nblocks; i++) {
		if (len - off < 4)
			return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
		size_t sz = get_le16(p + off + 2);
		if (sz > len - off - 4 || (p[off + 1] & 1) == 0 || sz < 3 ||
		    get_le16(p + off + 5) != sz - 3)
			return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
		off += 4 + sz;
	}
	return off == len ? 0 : spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
}

static int spdm_parse_measurements(struct spdm_conn *c, size_t len, struct spdm_measurements *m,
				   size_t *signed_len)
{
	const u8 *r = c->rsp;
	u8 th[SPDM_HASH_MAX];
	size_t rec, n;
	int err;

	if (len < 8)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	rec = r[5] | (size_t)r[6] << 8 | (size_t)r[7] << 16;
	if (len < 8 + rec + SPDM_NONCE_LEN + 2)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	n = 8 + rec + SPDM_NONCE_LEN + 2 + get_le16(r + 8 + rec + SPDM_NONCE_LEN);
	if ((err = spdm_rsp_exact(c, len, n + c->sig_len)) ||
	    (err = spdm_check_record(c, r + 8, rec, r[4])))
		return err;
	if ((r[3] & 0xf) != c->slot || rec > m->record_cap)
		return spdm_fail(c, rec > m->record_cap ? SPDM_FAIL_OVERSIZED : SPDM_FAIL_MALFORMED,
				 -E_PROTO);
	if (mbedtls_md_update(&c->l1_h, r, n) || spdm_hash_peek(c, &c->l1_h, th))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	/* L1 covers our request with its nonce: a stale or wrong nonce fails here. */
	if (spdm_verify_sig(c, "responder-measurements signing", th, r + n))
		return spdm_fail(c, SPDM_FAIL_MEAS_SIGNATURE, -E_AUTH);
	memcpy(m->record, r + 8, rec);
	m->len = rec;
	m->nblocks = r[4];
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

/* message_m restarts from the VCA after each signed MEASUREMENTS (DSP0274 1.2 table 41). */
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
	size_t len, signed_len = 0, qlen = 5 + SPDM_NONCE_LEN;
	int err;

	if (c->state < SPDM_STATE_AUTHENTICATED)
		return spdm_fail(c, SPDM_FAIL_STATE, -E_STATE);
	memcpy(c->req,
	       (u8[]){ c->version, SPDM_GET_MEASUREMENTS, SPDM_MEAS_ATTR_SIGN, SPDM_MEAS_OP_ALL },
	       4);
	if (nonce)
		memcpy(c->req + 4, nonce, SPDM_NONCE_LEN);
	else if (spdm_random(c, c->req + 4, SPDM_NONCE_LEN))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	c->req[4 + SPDM_NONCE_LEN] = c->slot;
	if ((err = spdm_xfer(c, qlen, SPDM_RSP(SPDM_GET_MEASUREMENTS), &len)))
		return err;
	if (mbedtls_md_update(&c->l1_h, c->req, qlen))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if ((err = spdm_parse_measurements(c, len, m, &signed_len)) || (err = spdm_l1_restart(c)))
		return err;
	return m->capture ? spdm_meas_capture(c, m->capture, qlen, signed_len) : 0;
}
