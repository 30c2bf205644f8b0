// SPDX-License-Identifier: MIT
/*
 * Certificate-chain validation (DSP0274 1.2/1.3 "Certificate chain format"): Length | reserved |
 * RootHash | DER certificates root-first. The chain must match the digest from DIGESTS, its root
 * hash, and verify up to the configured trust anchor; the leaf must be an end-entity signing key
 * on the negotiated curve whose extended key usage, if it names SPDM roles, includes the
 * responder's (as libspdm checks: id-DMTF-eku-responder-auth 1.3.6.1.4.1.412.274.3).
 *
 * Validity dates are checked here, the same way in every build (the images' mbedTLS has no
 * clock, MBEDTLS_HAVE_TIME_DATE, while the host tests' Debian mbedTLS would check them against
 * the host's; its verdict on dates is masked so that both builds follow this policy):
 * - the clock is cfg.clock (the platform's real-time clock where Moat has one), never trusted
 *   below the build-time floor spdm_clock_floor();
 * - every certificate of the chain and the anchor must not have expired: notAfter >= now, with
 *   now the clock or, without a clock reading at or above the floor, the floor;
 * - notBefore <= now is checked only against a real clock reading (a floor cannot tell a
 *   certificate issued after the build from one not yet valid).
 */
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

#define SPDM_CHAIN_MAX_CERTS 8

struct spdm_der {
	size_t off;
	size_t len;
};

/* Length of the DER SEQUENCE at p (tag, definite length up to 3 bytes), 0 if malformed. */
static size_t spdm_der_len(const u8 *p, size_t avail)
{
	size_t hdr, len = 0;

	if (avail < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		hdr = 2;
		len = p[1];
	} else {
		unsigned nb = p[1] & 0x7f;
		if (nb == 0 || nb > 3 || avail < 2 + nb)
			return 0;
		for (unsigned i = 0; i < nb; i++)
			len = len << 8 | p[2 + i];
		hdr = 2 + nb;
	}
	return len <= avail - hdr ? hdr + len : 0;
}

static int spdm_chain_split(struct spdm_conn *c, struct spdm_der *certs, unsigned *n)
{
	size_t off = SPDM_CHAIN_OFF_ROOT_HASH + c->hash_len;

	*n = 0;
	while (off < c->cert_chain_len) {
		size_t l = spdm_der_len(c->cert_chain + off, c->cert_chain_len - off);
		if (!l || *n >= SPDM_CHAIN_MAX_CERTS)
			return -E_PROTO;
		certs[(*n)++] = (struct spdm_der){ off, l };
		off += l;
	}
	return *n ? 0 : -E_PROTO;
}

/* The trust anchor as an mbedTLS certificate: configured DER, or the chain's root if pinned. */
static int spdm_anchor_load(struct spdm_conn *c, const struct spdm_der *root,
			    mbedtls_x509_crt *trust)
{
	const u8 *der = c->cert_chain + root->off;
	u8 d[SPDM_HASH_MAX];

	if (c->cfg.anchor_der)
		return mbedtls_x509_crt_parse_der(trust, c->cfg.anchor_der, c->cfg.anchor_len)
			       ? -E_INVAL
			       : 0;
	mbedtls_md_type_t t = c->cfg.anchor_digest_len == 64   ? MBEDTLS_MD_SHA512
			      : c->cfg.anchor_digest_len == 48 ? MBEDTLS_MD_SHA384
			      : c->cfg.anchor_digest_len == 32 ? MBEDTLS_MD_SHA256
							       : MBEDTLS_MD_NONE;
	if (t == MBEDTLS_MD_NONE)
		return -E_INVAL;
	if (mbedtls_md(mbedtls_md_info_from_type(t), der, root->len, d) ||
	    memcmp(d, c->cfg.anchor_digest, c->cfg.anchor_digest_len))
		return -E_PERM;
	return mbedtls_x509_crt_parse_der(trust, der, root->len) ? -E_PROTO : 0;
}

/* Leaf first, as mbedTLS chains; a copy of the anchor inside the chain is left out. */
static int spdm_chain_load(struct spdm_conn *c, const struct spdm_der *certs, unsigned n,
			   const mbedtls_x509_crt *trust, mbedtls_x509_crt *chain)
{
	for (unsigned i = n; i-- > 0;) {
		const u8 *der = c->cert_chain + certs[i].off;
		if (i == 0 && n > 1 && trust->raw.len == certs[i].len &&
		    !memcmp(trust->raw.p, der, certs[i].len))
			continue;
		if (mbedtls_x509_crt_parse_der(chain, der, certs[i].len))
			return -E_PROTO;
	}
	return 0;
}

/* The leaf may name SPDM roles in its extended key usage; then it must name the responder's. */
static bool spdm_leaf_eku_ok(const mbedtls_x509_crt *leaf)
{
	static const char rsp_auth[] = "\x2b\x06\x01\x04\x01\x83\x1c\x82\x12\x03";
	static const char req_auth[] = "\x2b\x06\x01\x04\x01\x83\x1c\x82\x12\x04";

	if (!(leaf->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE))
		return true;
	/* 0 when listed (or anyExtendedKeyUsage): a requester-only leaf is refused. */
	return mbedtls_x509_crt_check_extended_key_usage(leaf, req_auth, sizeof(req_auth) - 1) ||
	       !mbedtls_x509_crt_check_extended_key_usage(leaf, rsp_auth, sizeof(rsp_auth) - 1);
}

static int spdm_leaf_check(struct spdm_conn *c, mbedtls_x509_crt *leaf)
{
	mbedtls_ecp_group_id want = c->alg.asym == SPDM_ASYM_ECDSA_P384 ? MBEDTLS_ECP_DP_SECP384R1
									: MBEDTLS_ECP_DP_SECP256R1;

	if (leaf->ca_istrue ||
	    mbedtls_x509_crt_check_key_usage(leaf, MBEDTLS_X509_KU_DIGITAL_SIGNATURE))
		return -E_PROTO;
	if ((leaf->ext_types & MBEDTLS_X509_EXT_KEY_USAGE) &&
	    (leaf->key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN))
		return -E_PROTO;
	if (!spdm_leaf_eku_ok(leaf))
		return -E_PERM;
	if (mbedtls_pk_get_type(&leaf->pk) != MBEDTLS_PK_ECKEY)
		return -E_PROTO;
	const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(leaf->pk);
	if (ec->grp.id != want)
		return -E_PROTO;
	mbedtls_ecp_keypair_init(&c->leaf);
	if (mbedtls_ecp_group_load(&c->leaf.grp, want) || mbedtls_ecp_copy(&c->leaf.Q, &ec->Q)) {
		mbedtls_ecp_keypair_free(&c->leaf);
		return -E_NOMEM;
	}
	c->leaf_live = true;
	return spdm_hash(c, leaf->raw.p, leaf->raw.len, c->leaf_digest);
}

/* Seconds since 1970-01-01 (UTC) of an X.509 time, for years 1970..9999 (days from civil). */
static u64 spdm_x509_secs(const mbedtls_x509_time *t)
{
	u64 y = (u64)t->year - (t->mon <= 2), era = y / 400, yoe = y - era * 400;
	u64 mp = (u64)(t->mon + (t->mon > 2 ? -3 : 9)), doy = (153 * mp + 2) / 5 + (u64)t->day - 1;
	u64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy, days = era * 146097 + doe - 719468;

	return days * 86400 + (u64)t->hour * 3600 + (u64)t->min * 60 + (u64)t->sec;
}

/* The clock's verdict on each certificate of `list` (see the policy at the top). */
static bool spdm_dates_ok(const mbedtls_x509_crt *list, u64 now, bool real_clock)
{
	for (const mbedtls_x509_crt *x = list; x && x->raw.p; x = x->next) {
		if (x->valid_from.year < 1970 || x->valid_to.year < 1970)
			return false;
		if (spdm_x509_secs(&x->valid_to) < now)
			return false;
		if (real_clock && spdm_x509_secs(&x->valid_from) > now)
			return false;
	}
	return true;
}

/* mbedTLS's own date flags (hosted builds only) give way to the policy above. */
static int spdm_mask_dates(void *ctx, mbedtls_x509_crt *crt, int depth, u32 *flags)
{
	(void)ctx;
	(void)crt;
	(void)depth;
	*flags &= ~(u32)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	return 0;
}

static int spdm_chain_dates(struct spdm_conn *c, const mbedtls_x509_crt *chain,
			    const mbedtls_x509_crt *trust)
{
	u64 floor = spdm_clock_floor(), now = c->cfg.clock ? c->cfg.clock() : 0;
	bool real = now >= floor;

	if (!real)
		now = floor;
	return spdm_dates_ok(chain, now, real) && spdm_dates_ok(trust, now, real) ? 0 : -E_AUTH;
}

static int spdm_chain_verify(struct spdm_conn *c, const struct spdm_der *certs, unsigned n)
{
	mbedtls_x509_crt trust, chain;
	u32 flags = 0;
	int err;

	mbedtls_x509_crt_init(&trust);
	mbedtls_x509_crt_init(&chain);
	err = spdm_anchor_load(c, &certs[0], &trust);
	if (err) {
		err = spdm_fail(c, err == -E_PERM ? SPDM_FAIL_CERT_ANCHOR : SPDM_FAIL_CERT_CHAIN,
				err);
		goto out;
	}
	if (spdm_chain_load(c, certs, n, &trust, &chain)) {
		err = spdm_fail(c, SPDM_FAIL_CERT_CHAIN, -E_PROTO);
		goto out;
	}
	if (mbedtls_x509_crt_verify(&chain, &trust, NULL, NULL, &flags, spdm_mask_dates, NULL)) {
		err = spdm_fail(c,
				(flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) ? SPDM_FAIL_CERT_ANCHOR
									   : SPDM_FAIL_CERT_CHAIN,
				-E_AUTH);
		goto out;
	}
	if ((err = spdm_chain_dates(c, &chain, &trust))) {
		err = spdm_fail(c, SPDM_FAIL_CERT_TIME, err);
		goto out;
	}
	if ((err = spdm_leaf_check(c, &chain)))
		err = spdm_fail(c, err == -E_PERM ? SPDM_FAIL_CERT_EKU : SPDM_FAIL_CERT_CHAIN, err);
out:
	mbedtls_x509_crt_free(&chain);
	mbedtls_x509_crt_free(&trust);
	return err;
}

int spdm_chain_validate(struct spdm_conn *c)
{
	struct spdm_der certs[SPDM_CHAIN_MAX_CERTS];
	u8 d[SPDM_HASH_MAX];
	unsigned n;

	if (c->cert_chain_len < SPDM_CHAIN_OFF_ROOT_HASH + c->hash_len ||
	    get_le16(c->cert_chain + SPDM_CHAIN_OFF_LENGTH) != c->cert_chain_len)
		return spdm_fail(c, SPDM_FAIL_CERT_CHAIN, -E_PROTO);
	if (spdm_hash(c, c->cert_chain, c->cert_chain_len, d))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (memcmp(d, c->cert_digest, c->hash_len))
		return spdm_fail(c, SPDM_FAIL_DIGEST, -E_AUTH);
	if (spdm_chain_split(c, certs, &n))
		return spdm_fail(c, SPDM_FAIL_CERT_CHAIN, -E_PROTO);
	if (spdm_hash(c, c->cert_chain + certs[0].off, certs[0].len, d))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (memcmp(d, c->cert_chain + SPDM_CHAIN_OFF_ROOT_HASH, c->hash_len))
		return spdm_fail(c, SPDM_FAIL_CERT_CHAIN, -E_PROTO);
	return spdm_chain_verify(c, certs, n);
}

/*
 * The clock floor: no certificate that expired before this is ever accepted, whatever a
 * clock says. Set at build time (-DSPDM_CLOCK_FLOOR=<seconds since 1970>); the default is
 * this code's own date, 2026-12-01 00:00:00 UTC.
 */
#ifndef SPDM_CLOCK_FLOOR
#define SPDM_CLOCK_FLOOR 1796083200ull
#endif

u64 spdm_clock_floor(void)
{
	return SPDM_CLOCK_FLOOR;
}
