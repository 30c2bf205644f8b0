// SPDX-License-Identifier: MIT
/*
 * Secure sessions (DSP0274 1.2 clauses 10.15-10.20, key schedule 12.6): KEY_EXCHANGE and
 * FINISH with the handshake and data key derivation, HEARTBEAT, KEY_UPDATE, END_SESSION and
 * vendor-defined messages inside the session. The transcript TH is a running hash of
 * VCA || Hash(certificate chain) || message_k || message_f.
 */
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/hkdf.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

/* DSP0277 secured-message version 1.1 in the KEY_EXCHANGE opaque data (general format). */
#define SPDM_SM_VERSION_11 0x1100
#define SPDM_SM_DATA_VERSION 1
#define SPDM_SM_ID_VERSION_SELECTION 0
#define SPDM_SM_ID_SUPPORTED_VERSION 1

struct spdm_handshake {
	u8 master[SPDM_HASH_MAX];
};

static int spdm_th_add(struct spdm_conn *c, const u8 *p, size_t len)
{
	return mbedtls_md_update(&c->th_h, p, len) ? spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO) : 0;
}

/* Opaque data offering secured messages 1.1 (DSP0274 1.2 table 94, DSP0277 table 10). */
static size_t spdm_put_sm_offer(u8 *p)
{
	static const u8 offer[16] = {
		1, 0,	 0,    0, 0, 0, 5, 0, SPDM_SM_DATA_VERSION, SPDM_SM_ID_SUPPORTED_VERSION,
		1, 0x00, 0x11, 0, 0, 0
	};

	memcpy(p, offer, sizeof(offer));
	return sizeof(offer);
}

/* The responder must select secured-message version 1.1 in one DMTF opaque element. */
static bool spdm_sm_selection_ok(const u8 *p, size_t len)
{
	if (len < 8 || p[0] != 1 || p[4] != 0 || p[5] != 0)
		return false;
	size_t dl = get_le16(p + 6);
	if (dl < 4 || (len != 8 + dl && len != 8 + ((dl + 3) & ~(size_t)3)))
		return false;
	return p[8] == SPDM_SM_DATA_VERSION && p[9] == SPDM_SM_ID_VERSION_SELECTION &&
	       (get_le16(p + 10) & 0xff00) == SPDM_SM_VERSION_11;
}

static size_t spdm_build_key_exchange(struct spdm_conn *c, u16 req_id)
{
	u8 *q = c->req;
	size_t n = 40 + c->dhe_len;

	q[0] = c->version;
	q[1] = SPDM_KEY_EXCHANGE;
	q[2] = 0; /* no measurement summary hash */
	q[3] = c->slot;
	put_le16(q + 4, req_id);
	q[6] = 0; /* SessionPolicy */
	q[7] = 0;
	put_le16(q + n, 16);
	return n + 2 + spdm_put_sm_offer(q + n + 2);
}

/* HS from the ECDHE secret, the handshake secrets from TH1, and the master secret. */
static int spdm_handshake_keys(struct spdm_conn *c, const u8 *dhe, const u8 *th1,
			       struct spdm_handshake *hs)
{
	u8 zero[SPDM_HASH_MAX] = { 0 }, hsec[SPDM_HASH_MAX], salt1[SPDM_HASH_MAX];
	int ret;

	ret = mbedtls_hkdf_extract(c->md, zero, c->hash_len, dhe, c->dhe_len / 2, hsec) ||
	      spdm_hkdf_expand(c, hsec, "req hs data", th1, c->hash_len, c->sess.req.secret,
			       c->hash_len) ||
	      spdm_hkdf_expand(c, hsec, "rsp hs data", th1, c->hash_len, c->sess.rsp.secret,
			       c->hash_len) ||
	      spdm_hkdf_expand(c, hsec, "derived", NULL, 0, salt1, c->hash_len) ||
	      mbedtls_hkdf_extract(c->md, salt1, c->hash_len, zero, c->hash_len, hs->master) ||
	      spdm_keys_derive(c, &c->sess.req) || spdm_keys_derive(c, &c->sess.rsp);
	spdm_wipe(hsec, sizeof(hsec));
	spdm_wipe(salt1, sizeof(salt1));
	return ret ? -E_IO : 0;
}

static int spdm_finished_hmac(struct spdm_conn *c, const u8 *secret, const u8 *th, u8 *out)
{
	u8 fk[SPDM_HASH_MAX];
	int err = spdm_hkdf_expand(c, secret, "finished", NULL, 0, fk, c->hash_len);

	if (!err)
		err = spdm_hmac(c, fk, th, c->hash_len, out);
	spdm_wipe(fk, sizeof(fk));
	return err;
}

/* KEY_EXCHANGE_RSP (DSP0274 1.2 table 64) after the ECDH private key is ready. */
static int spdm_parse_kex_rsp(struct spdm_conn *c, size_t len, mbedtls_ecp_group *grp,
			      mbedtls_mpi *d, struct spdm_handshake *hs)
{
	const u8 *r = c->rsp;
	size_t o = 40 + c->dhe_len, ol, n;
	u8 th[SPDM_HASH_MAX], dhe[SPDM_HASH_MAX], mac[SPDM_HASH_MAX];
	int err;

	if (len < o + 2)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	ol = get_le16(r + o);
	n = o + 2 + ol;
	if ((err = spdm_rsp_exact(c, len, n + c->sig_len + c->hash_len)))
		return err;
	if (r[6] != 0 || !spdm_sm_selection_ok(r + o + 2, ol))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_th_add(c, r, n)))
		return err;
	if (spdm_hash_peek(c, &c->th_h, th))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (spdm_verify_sig(c, "responder-key_exchange_rsp signing", th, r + n))
		return spdm_fail(c, SPDM_FAIL_SIGNATURE, -E_AUTH);
	if ((err = spdm_th_add(c, r + n, c->sig_len)))
		return err;
	err = spdm_ecdh_finish(c, grp, d, r + 40, dhe);
	if (err)
		return spdm_fail(c, err == -E_AUTH ? SPDM_FAIL_MALFORMED : SPDM_FAIL_CRYPTO, err);
	c->sess.id = (u32)get_le16(r + 4) << 16 | get_le16(c->req + 4);
	c->sess.heartbeat_period = r[2];
	err = spdm_hash_peek(c, &c->th_h, th) || spdm_handshake_keys(c, dhe, th, hs) ||
	      spdm_finished_hmac(c, c->sess.rsp.secret, th, mac);
	spdm_wipe(dhe, sizeof(dhe));
	if (err)
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (memcmp(mac, r + n + c->sig_len, c->hash_len))
		return spdm_fail(c, SPDM_FAIL_VERIFY_DATA, -E_AUTH);
	return spdm_th_add(c, r + n + c->sig_len, c->hash_len);
}

static int spdm_key_exchange(struct spdm_conn *c, struct spdm_handshake *hs)
{
	mbedtls_ecp_group grp;
	mbedtls_mpi d;
	u16 id = c->next_req_session_id++;
	size_t qlen, len;
	int err;

	if (c->next_req_session_id == 0xffff)
		c->next_req_session_id = 1;
	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	qlen = spdm_build_key_exchange(c, id);
	if (spdm_random(c, c->req + 8, SPDM_NONCE_LEN) ||
	    spdm_ecdh_begin(c, &grp, &d, c->req + 40)) {
		err = spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
		goto out;
	}
	if ((err = spdm_xfer(c, qlen, SPDM_RSP(SPDM_KEY_EXCHANGE), &len)) ||
	    (err = spdm_th_add(c, c->req, qlen)))
		goto out;
	err = spdm_parse_kex_rsp(c, len, &grp, &d, hs);
out:
	mbedtls_mpi_free(&d); /* frees the ephemeral private key (mbedTLS zeroises limbs) */
	mbedtls_ecp_group_free(&grp);
	return err;
}

static int spdm_data_keys(struct spdm_conn *c, struct spdm_handshake *hs)
{
	u8 th2[SPDM_HASH_MAX];

	if (spdm_hash_peek(c, &c->th_h, th2) ||
	    spdm_hkdf_expand(c, hs->master, "req app data", th2, c->hash_len, c->sess.req.secret,
			     c->hash_len) ||
	    spdm_hkdf_expand(c, hs->master, "rsp app data", th2, c->hash_len, c->sess.rsp.secret,
			     c->hash_len) ||
	    spdm_keys_derive(c, &c->sess.req) || spdm_keys_derive(c, &c->sess.rsp))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	return 0;
}

/* FINISH (DSP0274 1.2 table 67), sent with the handshake keys; no mutual authentication. */
static int spdm_finish(struct spdm_conn *c, struct spdm_handshake *hs)
{
	u8 th[SPDM_HASH_MAX];
	size_t len;
	int err;

	memcpy(c->req, (u8[]){ c->version, SPDM_FINISH, 0, 0 }, 4);
	if ((err = spdm_th_add(c, c->req, 4)))
		return err;
	if (spdm_hash_peek(c, &c->th_h, th) ||
	    spdm_finished_hmac(c, c->sess.req.secret, th, c->req + 4))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if ((err = spdm_th_add(c, c->req + 4, c->hash_len)))
		return err;
	c->in_session = true;
	c->sess.handshake = true;
	if ((err = spdm_xfer(c, 4 + c->hash_len, SPDM_RSP(SPDM_FINISH), &len)) ||
	    (err = spdm_rsp_exact(c, len, 4)) || (err = spdm_th_add(c, c->rsp, 4)))
		return err;
	if ((err = spdm_data_keys(c, hs)))
		return err;
	c->sess.handshake = false;
	return 0;
}

int spdm_start_session(struct spdm_conn *c)
{
	struct spdm_handshake hs;
	int err;

	if (c->state != SPDM_STATE_AUTHENTICATED || c->in_session)
		return spdm_fail(c, SPDM_FAIL_STATE, -E_STATE);
	/* A new TH for every session: VCA || Hash(certificate chain in the slot used). */
	mbedtls_md_free(&c->th_h);
	if (spdm_hash_fork(c, &c->th_h, &c->vca_h)) {
		mbedtls_md_init(&c->th_h); /* so that reset frees a clean context */
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_NOMEM);
	}
	if ((err = spdm_th_add(c, c->cert_digest, c->hash_len)))
		return err;
	err = spdm_key_exchange(c, &hs);
	if (!err)
		err = spdm_finish(c, &hs);
	spdm_wipe(&hs, sizeof(hs));
	if (!err)
		c->state = SPDM_STATE_SESSION;
	return err;
}

static int spdm_simple(struct spdm_conn *c, u8 code, u8 p1, u8 p2, bool echo)
{
	size_t len;
	int err;

	memcpy(c->req, (u8[]){ c->version, code, p1, p2 }, 4);
	if ((err = spdm_xfer(c, 4, SPDM_RSP(code), &len)) || (err = spdm_rsp_exact(c, len, 4)))
		return err;
	if (echo && (c->rsp[2] != p1 || c->rsp[3] != p2))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	return 0;
}

int spdm_heartbeat(struct spdm_conn *c)
{
	if (c->state != SPDM_STATE_SESSION)
		return -E_STATE;
	return spdm_simple(c, SPDM_HEARTBEAT, 0, 0, false);
}

static int spdm_traffic_update(struct spdm_conn *c, struct spdm_dir_keys *k)
{
	u8 s[SPDM_HASH_MAX];

	if (spdm_hkdf_expand(c, k->secret, "traffic upd", NULL, 0, s, c->hash_len))
		return -E_IO;
	memcpy(k->secret, s, c->hash_len);
	spdm_wipe(s, sizeof(s));
	return spdm_keys_derive(c, k);
}

/*
 * KEY_UPDATE (DSP0274 1.2 10.19): the request travels under the old requester key; for
 * UpdateAllKeys the responder answers under its new key. Our new key is used from the
 * VerifyNewKey request on.
 */
int spdm_key_update(struct spdm_conn *c, bool all)
{
	u8 tag[2];
	int err;

	if (c->state != SPDM_STATE_SESSION)
		return -E_STATE;
	if (spdm_random(c, tag, sizeof(tag)))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (all && spdm_traffic_update(c, &c->sess.rsp))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	err = spdm_simple(c, SPDM_KEY_UPDATE,
			  all ? SPDM_KEY_UPDATE_OP_UPDATE_ALL : SPDM_KEY_UPDATE_OP_UPDATE, tag[0],
			  true);
	if (err)
		return err;
	if (spdm_traffic_update(c, &c->sess.req))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	return spdm_simple(c, SPDM_KEY_UPDATE, SPDM_KEY_UPDATE_OP_VERIFY, tag[1], true);
}

int spdm_end_session(struct spdm_conn *c)
{
	int err;

	if (c->state != SPDM_STATE_SESSION)
		return -E_STATE;
	if ((err = spdm_simple(c, SPDM_END_SESSION, 0, 0, false)))
		return err;
	c->in_session = false;
	spdm_wipe(&c->sess, sizeof(c->sess));
	c->state = SPDM_STATE_AUTHENTICATED;
	return 0;
}

/* VENDOR_DEFINED_REQUEST/RESPONSE (DSP0274 1.2 tables 58-61). */
int spdm_vendor_build(const struct spdm_conn *c, u16 standard_id, const u8 *vendor_id, u8 vid_len,
		      const u8 *payload, size_t len, u8 *out, size_t cap, size_t *out_len)
{
	size_t hdr = 4 + 2 + 1 + (size_t)vid_len + 2;

	if (len > 0xffff || cap < hdr || len > cap - hdr || hdr + len > SPDM_MSG_MAX)
		return -E_RANGE;
	memcpy(out, (u8[]){ c->version, SPDM_VENDOR_DEFINED_REQUEST, 0, 0 }, 4);
	put_le16(out + 4, standard_id);
	out[6] = vid_len;
	memcpy(out + 7, vendor_id, vid_len);
	put_le16(out + 7 + vid_len, (u16)len);
	memmove(out + hdr, payload, len);
	*out_len = hdr + len;
	return 0;
}

int spdm_vendor_parse(struct spdm_conn *c, const u8 *req, const u8 *rsp, size_t rsp_len,
		      const u8 **payload, size_t *payload_len)
{
	size_t vl = req[6], hdr = 4 + 2 + 1 + vl + 2, plen;

	if (rsp_len < 4)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (rsp[0] != c->version || rsp[1] != SPDM_RSP(SPDM_VENDOR_DEFINED_REQUEST))
		return spdm_fail(c,
				 rsp[1] == SPDM_ERROR ? SPDM_FAIL_ERROR_RSP : SPDM_FAIL_UNEXPECTED,
				 -E_PROTO);
	if (rsp_len < hdr)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (memcmp(rsp + 4, req + 4, 3 + vl)) /* registry and vendor ID must echo ours */
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	plen = get_le16(rsp + 7 + vl);
	if (rsp_len != hdr + plen)
		return spdm_fail(c,
				 rsp_len < hdr + plen ? SPDM_FAIL_TRUNCATED : SPDM_FAIL_OVERSIZED,
				 -E_PROTO);
	*payload = rsp + hdr;
	*payload_len = plen;
	return 0;
}

int spdm_vendor_request(struct spdm_conn *c, u16 standard_id, const u8 *vendor_id, u8 vid_len,
			const u8 *req, size_t req_len, u8 *rsp, size_t rsp_cap, size_t *rsp_len)
{
	const u8 *payload;
	size_t qlen, len, plen;
	int err;

	if (c->state != SPDM_STATE_SESSION)
		return -E_STATE;
	if ((err = spdm_vendor_build(c, standard_id, vendor_id, vid_len, req, req_len, c->req,
				     sizeof(c->req), &qlen)))
		return err;
	if ((err = spdm_xfer(c, qlen, SPDM_RSP(SPDM_VENDOR_DEFINED_REQUEST), &len)) ||
	    (err = spdm_vendor_parse(c, c->req, c->rsp, len, &payload, &plen)))
		return err;
	if (plen > rsp_cap)
		return -E_NOSPC;
	memcpy(rsp, payload, plen);
	*rsp_len = plen;
	return 0;
}
