// SPDX-License-Identifier: MIT
/*
 * Certificate-chain validation (DSP0274 1.2 10.7.1 certificate chain format, table 33):
 * Length | reserved | RootHash | DER certificates root-first. The chain must match the digest
 * from DIGESTS, its root hash, and verify up to the configured trust anchor; the leaf must be
 * an end-entity signing key on the negotiated curve.
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
	size_t off = 4 + c->hash_len;

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
	if (c->cfg.anchor_digest_len != 32 && c->cfg.anchor_digest_len != 48)
		return -E_INVAL;
	mbedtls_md_type_t t =
		c->cfg.anchor_digest_len == 48 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256;
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
	if (mbedtls_x509_crt_verify(&chain, &trust, NULL, NULL, &flags, NULL, NULL)) {
		err = spdm_fail(c,
				(flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) ? SPDM_FAIL_CERT_ANCHOR
									   : SPDM_FAIL_CERT_CHAIN,
				-E_AUTH);
		goto out;
	}
	if ((err = spdm_leaf_check(c, &chain)))
		err = spdm_fail(c, SPDM_FAIL_CERT_CHAIN, err);
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

	if (c->cert_chain_len < 4 + c->hash_len || get_le16(c->cert_chain) != c->cert_chain_len)
		return spdm_fail(c, SPDM_FAIL_CERT_CHAIN, -E_PROTO);
	if (spdm_hash(c, c->cert_chain, c->cert_chain_len, d))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (memcmp(d, c->cert_digest, c->hash_len))
		return spdm_fail(c, SPDM_FAIL_DIGEST, -E_AUTH);
	if (spdm_chain_split(c, certs, &n))
		return spdm_fail(c, SPDM_FAIL_CERT_CHAIN, -E_PROTO);
	if (spdm_hash(c, c->cert_chain + certs[0].off, certs[0].len, d))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	if (memcmp(d, c->cert_chain + 4, c->hash_len))
		return spdm_fail(c, SPDM_FAIL_CERT_CHAIN, -E_PROTO);
	return spdm_chain_verify(c, certs, n);
}
