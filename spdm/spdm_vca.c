// SPDX-License-Identifier: MIT
/*
 * Connection set-up (DSP0274 1.2/1.3 GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS): the
 * highest version both sides speak of 1.3 and 1.2, then the capabilities and algorithms in that
 * version's format. The six messages (VCA) are kept verbatim, trimmed to their true lengths,
 * because the hash algorithm is known only after ALGORITHMS and guests ask for them as
 * evidence; from then on every transcript is a running hash.
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

/* What we offer: PCIe CMA's ECDSA set (DSP0274 / PCIe 6.x 6.31.3), SHA-512 as well. */
#define SPDM_OFFER_ASYM (SPDM_ASYM_ECDSA_P256 | SPDM_ASYM_ECDSA_P384)
#define SPDM_OFFER_HASH (SPDM_HASH_SHA256 | SPDM_HASH_SHA384 | SPDM_HASH_SHA512)
#define SPDM_OFFER_DHE (SPDM_DHE_SECP256R1 | SPDM_DHE_SECP384R1)
#define SPDM_OFFER_AEAD (SPDM_AEAD_AES128_GCM | SPDM_AEAD_AES256_GCM)
#define SPDM_KEY_SCHEDULE_SPDM 0x1
#define SPDM_MEAS_SPEC_DMTF 0x1
#define SPDM_OPAQUE_FMT1 0x2
#define SPDM_OTHER_MULTI_KEY_CONN 0x10 /* 1.3 */
/* AlgStruct types (DSP0274 1.2/1.3 "AlgType"). */
#define SPDM_ALG_DHE 2
#define SPDM_ALG_AEAD 3
#define SPDM_ALG_REQ_ASYM 4
#define SPDM_ALG_KEY_SCHEDULE 5

/* Our requester capabilities: sessions with encryption and MAC, heartbeat, key update, and
 * large messages in chunks. */
#define SPDM_REQ_CAPS                                                                            \
	(SPDM_CAP_ENCRYPT | SPDM_CAP_MAC | SPDM_CAP_KEY_EX | SPDM_CAP_HBEAT | SPDM_CAP_KEY_UPD | \
	 SPDM_CAP_CHUNK)
/* What a device must offer to be assignable. */
#define SPDM_NEED_CAPS (SPDM_CAP_CERT | SPDM_CAP_ENCRYPT | SPDM_CAP_MAC | SPDM_CAP_KEY_EX)

void spdm_init(struct spdm_conn *c, const struct spdm_transport *tp, const struct spdm_config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->tp = tp;
	c->cfg = *cfg;
	c->next_req_session_id = 1;
}

void spdm_reset(struct spdm_conn *c)
{
	if (c->hashes_live) {
		mbedtls_md_free(&c->vca_h);
		mbedtls_md_free(&c->m1_h);
		mbedtls_md_free(&c->l1_h);
		mbedtls_md_free(&c->th_h);
	}
	if (c->leaf_live)
		mbedtls_ecp_keypair_free(&c->leaf);
	c->hashes_live = c->leaf_live = c->in_session = false;
	spdm_wipe(&c->sess, sizeof(c->sess));
	spdm_wipe(c->tx, sizeof(c->tx));
	c->state = SPDM_STATE_NONE;
	c->fail = SPDM_FAIL_NONE;
	c->fail_detail = 0;
	c->vca_len = c->cert_chain_len = 0;
	c->md = NULL;
	c->refusal = 0;
	c->sm_version = 0;
	c->fail_request = 0;
	c->fail_versions = 0;
	c->chunk = false;
	c->rsp_dts = c->rsp_max_msg = 0;
}

/* The VCA is kept verbatim in a bounded buffer: a device whose messages overflow it is refused. */
static int spdm_vca_add(struct spdm_conn *c, const u8 *p, size_t len)
{
	if (len > sizeof(c->vca) - c->vca_len)
		return spdm_fail(c, SPDM_FAIL_VCA_SIZE, -E_PROTO);
	memcpy(c->vca + c->vca_len, p, len);
	c->vca_len += len;
	return 0;
}

/* The highest of 1.3 and 1.2 in the VERSION entries; the device's 1.x versions kept for the
 * refusal's message. */
static int spdm_pick_version(struct spdm_conn *c, size_t n)
{
	u8 best = 0;

	for (size_t i = 0; i < n; i++) {
		u16 e = get_le16(c->rsp + SPDM_VERSION_OFF_ENTRIES + SPDM_VERSION_ENTRY_LEN * i);
		u8 v = (u8)(e >> 8);

		if ((v >> 4) == 1)
			c->fail_versions |= (u16)(1u << (v & 0xf));
		if ((v == SPDM_VERSION_12 || v == SPDM_VERSION_13) && v > best)
			best = v;
	}
	if (!best)
		return spdm_fail(c, SPDM_FAIL_VERSION, -E_NOTSUP);
	c->fail_versions = 0;
	c->version = best;
	return 0;
}

static int spdm_get_version(struct spdm_conn *c)
{
	size_t len, n;
	int err;

	c->version = SPDM_VERSION_10; /* GET_VERSION is always 1.0 (DSP0274 "GET_VERSION") */
	memset(c->req, 0, SPDM_HDR_LEN);
	c->req[SPDM_OFF_VERSION] = SPDM_VERSION_10;
	c->req[SPDM_OFF_CODE] = SPDM_GET_VERSION;
	if ((err = spdm_xfer(c, SPDM_HDR_LEN, SPDM_RSP(SPDM_GET_VERSION), &len)))
		return err;
	if (len < SPDM_VERSION_OFF_ENTRIES)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	n = c->rsp[SPDM_VERSION_OFF_COUNT];
	if (n == 0)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_rsp_exact(c, len, SPDM_VERSION_OFF_ENTRIES + SPDM_VERSION_ENTRY_LEN * n)))
		return err;
	if ((err = spdm_vca_add(c, c->req, SPDM_HDR_LEN)) ||
	    (err = spdm_vca_add(c, c->rsp, SPDM_VERSION_OFF_ENTRIES + SPDM_VERSION_ENTRY_LEN * n)))
		return err;
	return spdm_pick_version(c, n);
}

/* DSP0274 1.2/1.3 "CAPABILITIES" consistency rules, then what Moat needs. */
static int spdm_check_caps(struct spdm_conn *c, u32 f)
{
	bool kx = f & (SPDM_CAP_KEY_EX | SPDM_CAP_PSK_MASK);

	if ((f & SPDM_CAP_MEAS_MASK) == SPDM_CAP_MEAS_MASK ||
	    (f & SPDM_CAP_PSK_MASK) == SPDM_CAP_PSK_MASK ||
	    ((f & SPDM_CAP_MEAS_FRESH) && !(f & SPDM_CAP_MEAS_MASK)) ||
	    (kx && !(f & (SPDM_CAP_ENCRYPT | SPDM_CAP_MAC))) ||
	    ((f & SPDM_CAP_CERT) && (f & SPDM_CAP_PUB_KEY_ID)))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((f & SPDM_NEED_CAPS) != SPDM_NEED_CAPS || (f & SPDM_CAP_MEAS_MASK) != SPDM_CAP_MEAS_SIG)
		return spdm_fail(c, SPDM_FAIL_CAPS, -E_NOTSUP);
	return 0;
}

static int spdm_get_capabilities(struct spdm_conn *c)
{
	u8 *q = c->req, *r = c->rsp;
	size_t len;
	int err;

	memset(q, 0, SPDM_CAPS_LEN);
	q[SPDM_OFF_VERSION] = c->version;
	q[SPDM_OFF_CODE] = SPDM_GET_CAPABILITIES;
	q[SPDM_CAPS_OFF_CT_EXP] = SPDM_REQ_CT_EXP;
	put_le32(q + SPDM_CAPS_OFF_FLAGS, SPDM_REQ_CAPS);
	put_le32(q + SPDM_CAPS_OFF_DTS, SPDM_MSG_MAX);
	put_le32(q + SPDM_CAPS_OFF_MAX_MSG, SPDM_MSG_MAX);
	/* We never ask for the 1.3 supported-algorithms block: the answer is 20 bytes. */
	if ((err = spdm_xfer(c, SPDM_CAPS_LEN, SPDM_RSP(SPDM_GET_CAPABILITIES), &len)) ||
	    (err = spdm_rsp_exact(c, len, SPDM_CAPS_LEN)))
		return err;
	u32 flags = get_le32(r + SPDM_CAPS_OFF_FLAGS), dts = get_le32(r + SPDM_CAPS_OFF_DTS);
	u32 max = get_le32(r + SPDM_CAPS_OFF_MAX_MSG);
	if (dts < SPDM_MIN_DTS || max < dts)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_check_caps(c, flags)))
		return err;
	if ((err = spdm_vca_add(c, q, SPDM_CAPS_LEN)) || (err = spdm_vca_add(c, r, SPDM_CAPS_LEN)))
		return err;
	c->rsp_caps = flags;
	c->rsp_dts = dts;
	c->rsp_max_msg = max;
	c->chunk = (flags & SPDM_CAP_CHUNK) != 0;
	return 0;
}

static size_t spdm_put_alg(u8 *p, u8 type, u16 supported)
{
	p[SPDM_ALG_OFF_TYPE] = type;
	p[SPDM_ALG_OFF_COUNT] = SPDM_ALG_COUNT_FIXED2; /* no extended algorithms */
	put_le16(p + SPDM_ALG_OFF_SUPPORTED, supported);
	return SPDM_ALG_LEN;
}

static size_t spdm_build_negotiate(struct spdm_conn *c)
{
	u8 *q = c->req;
	size_t n = SPDM_NEG_LEN;

	memset(q, 0, SPDM_NEG_LEN);
	q[SPDM_OFF_VERSION] = c->version;
	q[SPDM_OFF_CODE] = SPDM_NEGOTIATE_ALGORITHMS;
	q[SPDM_OFF_PARAM1] = 4; /* AlgStruct count */
	q[SPDM_NEG_OFF_MEAS_SPEC] = SPDM_MEAS_SPEC_DMTF;
	q[SPDM_NEG_OFF_OTHER] = SPDM_OPAQUE_FMT1; /* 1.3: no MULTI_KEY_CONN; no MEL (31) */
	put_le32(q + SPDM_NEG_OFF_ASYM, SPDM_OFFER_ASYM);
	put_le32(q + SPDM_NEG_OFF_HASH, SPDM_OFFER_HASH);
	n += spdm_put_alg(q + n, SPDM_ALG_DHE, SPDM_OFFER_DHE);
	n += spdm_put_alg(q + n, SPDM_ALG_AEAD, SPDM_OFFER_AEAD);
	n += spdm_put_alg(q + n, SPDM_ALG_REQ_ASYM, SPDM_OFFER_ASYM);
	n += spdm_put_alg(q + n, SPDM_ALG_KEY_SCHEDULE, SPDM_KEY_SCHEDULE_SPDM);
	put_le16(q + SPDM_NEG_OFF_LENGTH, (u16)n);
	return n;
}

/* Exactly one bit, and one we offered (0 allowed when `may_be_zero`). */
static bool spdm_pick_ok(u32 sel, u32 offer, bool may_be_zero)
{
	if (sel == 0)
		return may_be_zero;
	return IS_POW2(sel) && (sel & offer) == sel;
}

static int spdm_parse_alg_structs(struct spdm_conn *c, const u8 *p, unsigned n)
{
	u8 seen = 0;

	for (unsigned i = 0; i < n; i++, p += SPDM_ALG_LEN) {
		u8 type = p[SPDM_ALG_OFF_TYPE];
		u16 sel = get_le16(p + SPDM_ALG_OFF_SUPPORTED);
		if (p[SPDM_ALG_OFF_COUNT] != SPDM_ALG_COUNT_FIXED2 || type < SPDM_ALG_DHE ||
		    type > SPDM_ALG_KEY_SCHEDULE || (seen & (1u << type)))
			return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
		seen |= (u8)(1u << type);
		if ((type == SPDM_ALG_DHE && !spdm_pick_ok(sel, SPDM_OFFER_DHE, false)) ||
		    (type == SPDM_ALG_AEAD && !spdm_pick_ok(sel, SPDM_OFFER_AEAD, false)) ||
		    (type == SPDM_ALG_REQ_ASYM && !spdm_pick_ok(sel, SPDM_OFFER_ASYM, true)) ||
		    (type == SPDM_ALG_KEY_SCHEDULE && sel != SPDM_KEY_SCHEDULE_SPDM))
			return spdm_fail(c, SPDM_FAIL_ALGO, -E_NOTSUP);
		if (type == SPDM_ALG_DHE)
			c->alg.dhe = sel;
		if (type == SPDM_ALG_AEAD)
			c->alg.aead = sel;
	}
	if (!c->alg.dhe || !c->alg.aead || !(seen & (1u << SPDM_ALG_KEY_SCHEDULE)))
		return spdm_fail(c, SPDM_FAIL_ALGO, -E_NOTSUP);
	return 0;
}

static void spdm_set_sizes(struct spdm_conn *c)
{
	mbedtls_md_type_t md = c->alg.hash == SPDM_HASH_SHA512	 ? MBEDTLS_MD_SHA512
			       : c->alg.hash == SPDM_HASH_SHA384 ? MBEDTLS_MD_SHA384
								 : MBEDTLS_MD_SHA256;

	c->md = mbedtls_md_info_from_type(md);
	c->hash_len = mbedtls_md_get_size(c->md);
	c->sig_len = c->alg.asym == SPDM_ASYM_ECDSA_P384 ? 96 : 64;
	c->dhe_len = c->alg.dhe == SPDM_DHE_SECP384R1 ? 96 : 64;
	c->key_len = c->alg.aead == SPDM_AEAD_AES256_GCM ? 32 : 16;
}

static int spdm_parse_algorithms(struct spdm_conn *c, size_t len)
{
	const u8 *r = c->rsp;
	int err;

	if (len < SPDM_ALGS_LEN)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	size_t total = get_le16(r + SPDM_ALGS_OFF_LENGTH), n = r[SPDM_OFF_PARAM1];
	if (r[SPDM_ALGS_OFF_EXT_ASYM] || r[SPDM_ALGS_OFF_EXT_HASH]) /* we offered none */
		return spdm_fail(c, SPDM_FAIL_ALGO, -E_NOTSUP);
	if (total != SPDM_ALGS_LEN + SPDM_ALG_LEN * n)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_rsp_exact(c, len, total)))
		return err;
	c->alg.meas_hash = get_le32(r + SPDM_ALGS_OFF_MEAS_HASH);
	c->alg.asym = get_le32(r + SPDM_ALGS_OFF_ASYM);
	c->alg.hash = get_le32(r + SPDM_ALGS_OFF_HASH);
	/* 1.3: neither a multi-key connection nor a MEL specification was offered. */
	if (r[SPDM_ALGS_OFF_MEAS_SPEC] != SPDM_MEAS_SPEC_DMTF ||
	    r[SPDM_ALGS_OFF_OTHER] != SPDM_OPAQUE_FMT1 ||
	    (c->version >= SPDM_VERSION_13 && r[SPDM_ALGS_OFF_MEL_SPEC]) ||
	    !spdm_pick_ok(c->alg.asym, SPDM_OFFER_ASYM, false) ||
	    !spdm_pick_ok(c->alg.hash, SPDM_OFFER_HASH, false) || !IS_POW2(c->alg.meas_hash))
		return spdm_fail(c, SPDM_FAIL_ALGO, -E_NOTSUP);
	if ((err = spdm_parse_alg_structs(c, r + SPDM_ALGS_LEN, (unsigned)n)))
		return err;
	spdm_set_sizes(c);
	return spdm_vca_add(c, r, total);
}

static int spdm_negotiate(struct spdm_conn *c)
{
	size_t qlen = spdm_build_negotiate(c), len;
	int err;

	if ((err = spdm_xfer(c, qlen, SPDM_RSP(SPDM_NEGOTIATE_ALGORITHMS), &len)))
		return err;
	/* The request belongs to the VCA before the response. */
	if ((err = spdm_vca_add(c, c->req, qlen)))
		return err;
	return spdm_parse_algorithms(c, len);
}

/* Starts the running transcripts from the VCA (DSP0274 1.2 table 40: message_a). */
static int spdm_hashes_start(struct spdm_conn *c)
{
	if (spdm_hash_setup(c, &c->vca_h))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_NOMEM);
	if (mbedtls_md_update(&c->vca_h, c->vca, c->vca_len) ||
	    spdm_hash_fork(c, &c->m1_h, &c->vca_h)) {
		mbedtls_md_free(&c->vca_h);
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_NOMEM);
	}
	if (spdm_hash_fork(c, &c->l1_h, &c->vca_h)) {
		mbedtls_md_free(&c->vca_h);
		mbedtls_md_free(&c->m1_h);
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_NOMEM);
	}
	if (spdm_hash_fork(c, &c->th_h, &c->vca_h)) {
		mbedtls_md_free(&c->vca_h);
		mbedtls_md_free(&c->m1_h);
		mbedtls_md_free(&c->l1_h);
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_NOMEM);
	}
	c->hashes_live = true;
	return 0;
}

int spdm_connect(struct spdm_conn *c)
{
	int err;

	spdm_reset(c); /* GET_VERSION resets the connection (DSP0274 "GET_VERSION") */
	memset(&c->alg, 0, sizeof(c->alg));
	if ((err = spdm_get_version(c)) || (err = spdm_get_capabilities(c)) ||
	    (err = spdm_negotiate(c)) || (err = spdm_hashes_start(c)))
		return err;
	c->state = SPDM_STATE_NEGOTIATED;
	return 0;
}

const u8 *spdm_vca(const struct spdm_conn *c, size_t *len)
{
	*len = c->state >= SPDM_STATE_NEGOTIATED ? c->vca_len : 0;
	return c->vca;
}

const char *spdm_asym_name(u32 asym)
{
	return asym == SPDM_ASYM_ECDSA_P384   ? "ECDSA-P384"
	       : asym == SPDM_ASYM_ECDSA_P256 ? "ECDSA-P256"
					      : "?";
}

const char *spdm_hash_name(u32 hash)
{
	return hash == SPDM_HASH_SHA512	  ? "SHA-512"
	       : hash == SPDM_HASH_SHA384 ? "SHA-384"
	       : hash == SPDM_HASH_SHA256 ? "SHA-256"
					  : "?";
}

const char *spdm_dhe_name(u16 dhe)
{
	return dhe == SPDM_DHE_SECP384R1   ? "secp384r1"
	       : dhe == SPDM_DHE_SECP256R1 ? "secp256r1"
					   : "?";
}

const char *spdm_aead_name(u16 aead)
{
	return aead == SPDM_AEAD_AES256_GCM   ? "AES-256-GCM"
	       : aead == SPDM_AEAD_AES128_GCM ? "AES-128-GCM"
					      : "?";
}
