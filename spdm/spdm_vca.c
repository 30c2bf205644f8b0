// SPDX-License-Identifier: MIT
/*
 * Connection set-up (DSP0274 1.2 clause 10.1-10.4): GET_VERSION, GET_CAPABILITIES and
 * NEGOTIATE_ALGORITHMS. The six messages (VCA) are kept verbatim, trimmed to their true
 * lengths, because the hash algorithm is known only after ALGORITHMS and guests ask for them
 * as evidence; from then on every transcript is a running hash.
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

/* What we offer: PCIe CMA's mandatory ECDSA set (DSP0274 / PCIe 6.0 6.31.3). */
#define SPDM_OFFER_ASYM (SPDM_ASYM_ECDSA_P256 | SPDM_ASYM_ECDSA_P384)
#define SPDM_OFFER_HASH (SPDM_HASH_SHA256 | SPDM_HASH_SHA384)
#define SPDM_OFFER_DHE (SPDM_DHE_SECP256R1 | SPDM_DHE_SECP384R1)
#define SPDM_OFFER_AEAD (SPDM_AEAD_AES128_GCM | SPDM_AEAD_AES256_GCM)
#define SPDM_KEY_SCHEDULE_SPDM 0x1
#define SPDM_MEAS_SPEC_DMTF 0x1
#define SPDM_OPAQUE_FMT1 0x2
/* AlgStruct types (DSP0274 1.2 table 17). */
#define SPDM_ALG_DHE 2
#define SPDM_ALG_AEAD 3
#define SPDM_ALG_REQ_ASYM 4
#define SPDM_ALG_KEY_SCHEDULE 5

/* Our requester capabilities: sessions with encryption and MAC, heartbeat, key update. */
#define SPDM_REQ_CAPS \
	(SPDM_CAP_ENCRYPT | SPDM_CAP_MAC | SPDM_CAP_KEY_EX | SPDM_CAP_HBEAT | SPDM_CAP_KEY_UPD)
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
	spdm_wipe(c->rec, sizeof(c->rec));
	c->state = SPDM_STATE_NONE;
	c->fail = SPDM_FAIL_NONE;
	c->fail_detail = 0;
	c->vca_len = c->cert_chain_len = 0;
	c->md = NULL;
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

static int spdm_get_version(struct spdm_conn *c)
{
	size_t len, n;
	bool has12 = false;
	int err;

	c->version = SPDM_VERSION_10; /* GET_VERSION is always 1.0 (DSP0274 1.2 10.3) */
	memcpy(c->req, (u8[]){ SPDM_VERSION_10, SPDM_GET_VERSION, 0, 0 }, 4);
	if ((err = spdm_xfer(c, 4, SPDM_RSP(SPDM_GET_VERSION), &len)))
		return err;
	if (len < 6)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	n = c->rsp[5];
	if (n == 0)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_rsp_exact(c, len, 6 + 2 * n)))
		return err;
	for (size_t i = 0; i < n; i++)
		has12 |= (get_le16(c->rsp + 6 + 2 * i) >> 8) == SPDM_VERSION_12;
	if (!has12)
		return spdm_fail(c, SPDM_FAIL_VERSION, -E_NOTSUP);
	if ((err = spdm_vca_add(c, c->req, 4)) || (err = spdm_vca_add(c, c->rsp, 6 + 2 * n)))
		return err;
	c->version = SPDM_VERSION_12;
	return 0;
}

/* DSP0274 1.2 table 13 consistency rules, then what Moat needs. */
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
	u8 *q = c->req;
	size_t len;
	int err;

	memset(q, 0, 20);
	q[0] = c->version;
	q[1] = SPDM_GET_CAPABILITIES;
	q[5] = SPDM_REQ_CT_EXP;
	put_le32(q + 8, SPDM_REQ_CAPS);
	put_le32(q + 12, SPDM_MSG_MAX); /* DataTransferSize */
	put_le32(q + 16, SPDM_MSG_MAX); /* MaxSPDMmsgSize */
	if ((err = spdm_xfer(c, 20, SPDM_RSP(SPDM_GET_CAPABILITIES), &len)) ||
	    (err = spdm_rsp_exact(c, len, 20)))
		return err;
	u32 flags = get_le32(c->rsp + 8), dts = get_le32(c->rsp + 12), max = get_le32(c->rsp + 16);
	if (dts < SPDM_MIN_DTS || max < dts)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_check_caps(c, flags)))
		return err;
	c->rsp_caps = flags;
	c->rsp_dts = MIN(dts, (u32)SPDM_MSG_MAX);
	if ((err = spdm_vca_add(c, c->req, 20)) || (err = spdm_vca_add(c, c->rsp, 20)))
		return err;
	return 0;
}

static size_t spdm_put_alg(u8 *p, u8 type, u16 supported)
{
	p[0] = type;
	p[1] = 0x20; /* fixed algorithm count 2 bytes, no extended algorithms */
	put_le16(p + 2, supported);
	return 4;
}

static size_t spdm_build_negotiate(struct spdm_conn *c)
{
	u8 *q = c->req;
	size_t n = 32;

	memset(q, 0, 32);
	q[0] = c->version;
	q[1] = SPDM_NEGOTIATE_ALGORITHMS;
	q[2] = 4; /* AlgStruct count */
	q[6] = SPDM_MEAS_SPEC_DMTF;
	q[7] = SPDM_OPAQUE_FMT1;
	put_le32(q + 8, SPDM_OFFER_ASYM);
	put_le32(q + 12, SPDM_OFFER_HASH);
	n += spdm_put_alg(q + n, SPDM_ALG_DHE, SPDM_OFFER_DHE);
	n += spdm_put_alg(q + n, SPDM_ALG_AEAD, SPDM_OFFER_AEAD);
	n += spdm_put_alg(q + n, SPDM_ALG_REQ_ASYM, SPDM_OFFER_ASYM);
	n += spdm_put_alg(q + n, SPDM_ALG_KEY_SCHEDULE, SPDM_KEY_SCHEDULE_SPDM);
	put_le16(q + 4, (u16)n);
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

	for (unsigned i = 0; i < n; i++, p += 4) {
		u8 type = p[0];
		u16 sel = get_le16(p + 2);
		if (p[1] != 0x20 || type < SPDM_ALG_DHE || type > SPDM_ALG_KEY_SCHEDULE ||
		    (seen & (1u << type)))
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
	bool h384 = c->alg.hash == SPDM_HASH_SHA384;

	c->md = mbedtls_md_info_from_type(h384 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256);
	c->hash_len = h384 ? 48 : 32;
	c->sig_len = c->alg.asym == SPDM_ASYM_ECDSA_P384 ? 96 : 64;
	c->dhe_len = c->alg.dhe == SPDM_DHE_SECP384R1 ? 96 : 64;
	c->key_len = c->alg.aead == SPDM_AEAD_AES256_GCM ? 32 : 16;
}

static int spdm_parse_algorithms(struct spdm_conn *c, size_t len)
{
	const u8 *r = c->rsp;
	int err;

	if (len < 36)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	size_t total = get_le16(r + 4), n = r[2];
	if (r[32] || r[33]) /* extended algorithms: we offered none */
		return spdm_fail(c, SPDM_FAIL_ALGO, -E_NOTSUP);
	if (total != 36 + 4 * n)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	if ((err = spdm_rsp_exact(c, len, total)))
		return err;
	c->alg.meas_hash = get_le32(r + 8);
	c->alg.asym = get_le32(r + 12);
	c->alg.hash = get_le32(r + 16);
	if (r[6] != SPDM_MEAS_SPEC_DMTF || r[7] != SPDM_OPAQUE_FMT1 ||
	    !spdm_pick_ok(c->alg.asym, SPDM_OFFER_ASYM, false) ||
	    !spdm_pick_ok(c->alg.hash, SPDM_OFFER_HASH, false) || !IS_POW2(c->alg.meas_hash))
		return spdm_fail(c, SPDM_FAIL_ALGO, -E_NOTSUP);
	if ((err = spdm_parse_alg_structs(c, r + 36, (unsigned)n)))
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

	spdm_reset(c); /* GET_VERSION resets the connection (DSP0274 1.2 10.3) */
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
	return hash == SPDM_HASH_SHA384 ? "SHA-384" : hash == SPDM_HASH_SHA256 ? "SHA-256" : "?";
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
