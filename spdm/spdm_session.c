// SPDX-License-Identifier: MIT
/*
 * Secure sessions (DSP0274 1.2/1.3 KEY_EXCHANGE, FINISH, HEARTBEAT, KEY_UPDATE, END_SESSION,
 * and the key schedule): the handshake and data key derivation, with the secured-message version
 * (DSP0277 1.0 to 1.2) chosen in the KEY_EXCHANGE opaque data (spdm/spdm_opaque.c). The
 * transcript TH is a running hash of VCA || Hash(certificate chain) || message_k || message_f.
 */
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/hkdf.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

struct spdm_handshake {
	u8 master[SPDM_HASH_MAX];
};

static int spdm_th_add(struct spdm_conn *c, const u8 *p, size_t len)
{
	return mbedtls_md_update(&c->th_h, p, len) ? spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO) : 0;
}

static size_t spdm_build_key_exchange(struct spdm_conn *c, u16 req_id)
{
	u8 *q = c->req;
	size_t o = SPDM_KEX_OFF_OPAQUE_LEN(c->dhe_len);
	size_t ol = spdm_opaque_sm_offer(q + o + SPDM_OPAQUE_LEN_LEN,
					 sizeof(c->req) - o - SPDM_OPAQUE_LEN_LEN);

	q[SPDM_OFF_VERSION] = c->version;
	q[SPDM_OFF_CODE] = SPDM_KEY_EXCHANGE;
	q[SPDM_OFF_PARAM1] = 0; /* no measurement summary hash */
	q[SPDM_OFF_PARAM2] = c->slot;
	put_le16(q + SPDM_KEX_OFF_SESSION_ID, req_id);
	q[SPDM_KEX_OFF_POLICY] = 0;
	q[SPDM_KEX_OFF_POLICY + 1] = 0; /* reserved */
	put_le16(q + o, (u16)ol);
	return o + SPDM_OPAQUE_LEN_LEN + ol;
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

/* The secured-message version the responder selected, one we offered. */
static int spdm_kex_sm_version(struct spdm_conn *c, const u8 *opaque, size_t len)
{
	u16 v = 0;
	int err = spdm_opaque_sm_selection(opaque, len, &v);

	if (err == -E_NOTSUP) {
		c->sm_version = v;
		return spdm_fail(c, SPDM_FAIL_SM_VERSION, err);
	}
	if (err)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, err);
	c->sm_version = v & 0xff00;
	return 0;
}

/* KEY_EXCHANGE_RSP after the ECDH private key is ready (no measurement summary hash). */
static int spdm_parse_kex_rsp(struct spdm_conn *c, size_t len, mbedtls_ecp_group *grp,
			      mbedtls_mpi *d, struct spdm_handshake *hs)
{
	const u8 *r = c->rsp;
	size_t o = SPDM_KEXR_OFF_OPAQUE_LEN(c->dhe_len), ol, n;
	u8 th[SPDM_HASH_MAX], dhe[SPDM_HASH_MAX], mac[SPDM_HASH_MAX];
	int err;

	if (len < o + SPDM_OPAQUE_LEN_LEN)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	ol = get_le16(r + o);
	n = o + SPDM_OPAQUE_LEN_LEN + ol;
	if ((err = spdm_rsp_exact(c, len, n + c->sig_len + c->hash_len)))
		return err;
	if (r[SPDM_KEXR_OFF_MUT_AUTH] != 0) /* we never offered mutual authentication */
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_kex_sm_version(c, r + o + SPDM_OPAQUE_LEN_LEN, ol)))
		return err;
	if ((err = spdm_th_add(c, r, n)))
		return err;
	if (spdm_hash_peek(c, &c->th_h, th))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (spdm_verify_sig(c, "responder-key_exchange_rsp signing", th, r + n))
		return spdm_fail(c, SPDM_FAIL_SIGNATURE, -E_AUTH);
	if ((err = spdm_th_add(c, r + n, c->sig_len)))
		return err;
	err = spdm_ecdh_finish(c, grp, d, r + SPDM_KEXR_OFF_EXCHANGE, dhe);
	if (err)
		return spdm_fail(c, err == -E_AUTH ? SPDM_FAIL_MALFORMED : SPDM_FAIL_CRYPTO, err);
	c->sess.id = (u32)get_le16(r + SPDM_KEXR_OFF_SESSION_ID) << 16 |
		     get_le16(c->req + SPDM_KEX_OFF_SESSION_ID);
	c->sess.heartbeat_period = r[SPDM_OFF_PARAM1];
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
	if (spdm_random(c, c->req + SPDM_KEX_OFF_RANDOM, SPDM_RANDOM_LEN) ||
	    spdm_ecdh_begin(c, &grp, &d, c->req + SPDM_KEX_OFF_EXCHANGE)) {
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

static void spdm_put_hdr(struct spdm_conn *c, u8 code, u8 p1, u8 p2)
{
	c->req[SPDM_OFF_VERSION] = c->version;
	c->req[SPDM_OFF_CODE] = code;
	c->req[SPDM_OFF_PARAM1] = p1;
	c->req[SPDM_OFF_PARAM2] = p2;
}

/* FINISH, sent with the handshake keys; no mutual authentication. */
static int spdm_finish(struct spdm_conn *c, struct spdm_handshake *hs)
{
	u8 th[SPDM_HASH_MAX];
	size_t len;
	int err;

	spdm_put_hdr(c, SPDM_FINISH, 0, 0);
	if ((err = spdm_th_add(c, c->req, SPDM_HDR_LEN)))
		return err;
	if (spdm_hash_peek(c, &c->th_h, th) ||
	    spdm_finished_hmac(c, c->sess.req.secret, th, c->req + SPDM_FINISH_OFF_VERIFY))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if ((err = spdm_th_add(c, c->req + SPDM_FINISH_OFF_VERIFY, c->hash_len)))
		return err;
	c->in_session = true;
	c->sess.handshake = true;
	if ((err = spdm_xfer(c, SPDM_FINISH_OFF_VERIFY + c->hash_len, SPDM_RSP(SPDM_FINISH),
			     &len)) ||
	    (err = spdm_rsp_exact(c, len, SPDM_HDR_LEN)) ||
	    (err = spdm_th_add(c, c->rsp, SPDM_HDR_LEN)))
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

	spdm_put_hdr(c, code, p1, p2);
	if ((err = spdm_xfer(c, SPDM_HDR_LEN, SPDM_RSP(code), &len)) ||
	    (err = spdm_rsp_exact(c, len, SPDM_HDR_LEN)))
		return err;
	if (echo && (c->rsp[SPDM_OFF_PARAM1] != p1 || c->rsp[SPDM_OFF_PARAM2] != p2))
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
 * KEY_UPDATE (DSP0274 "KEY_UPDATE"): the request travels under the old requester key; for
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

/* END_SESSION: whatever the answer, the session's keys are gone afterwards. */
int spdm_end_session(struct spdm_conn *c)
{
	int err;

	if (c->state != SPDM_STATE_SESSION)
		return -E_STATE;
	if ((err = spdm_simple(c, SPDM_END_SESSION, 0, 0, false)))
		return err; /* the connection was reset, the session with it */
	c->in_session = false;
	spdm_wipe(&c->sess, sizeof(c->sess));
	c->state = SPDM_STATE_AUTHENTICATED;
	return 0;
}
