// SPDX-License-Identifier: MIT
/*
 * The e2e guest verifies its device itself (tests/guests/e2e_evidence.h), with mbedTLS built
 * for the guest (mk/guests.mk, tests/guests/mbedtls/guest_mbedtls_config.h). What it checks is
 * what docs/guest-abi.md "Verifying measurements" tells a guest to do.
 */
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <string.h>

#include "tests/guests/e2e_evidence.h"

#define HASH_MAX 64 /* SHA-512 */
#define MAX_CERTS 8

static mbedtls_x509_crt ev_trust, ev_chain; /* root; leaf first, then intermediates */
static const mbedtls_ecp_keypair *ev_leaf;

#ifdef MBEDTLS_MEMORY_BUFFER_ALLOC_C /* the guest's build: a fixed heap, no C library */
#include <mbedtls/memory_buffer_alloc.h>

#include "tests/guests/guest_out.h"

static unsigned char ev_pool[128 * 1024] __attribute__((aligned(16)));
static int ev_pool_ready;

void guest_crypto_fatal(int status);

void guest_crypto_fatal(int status)
{
	(void)status;
	say("FAIL mbedTLS heap corrupted\n");
	for (;;)
		__asm__ volatile("wfi");
}

static void ev_heap(void)
{
	if (!ev_pool_ready)
		mbedtls_memory_buffer_alloc_init(ev_pool, sizeof(ev_pool));
	ev_pool_ready = 1;
}
#else
static void ev_heap(void)
{
}
#endif

static void ev_init(void)
{
	ev_heap();
	mbedtls_x509_crt_free(&ev_trust);
	mbedtls_x509_crt_free(&ev_chain);
	mbedtls_x509_crt_init(&ev_trust);
	mbedtls_x509_crt_init(&ev_chain);
	ev_leaf = NULL;
}

/* The SHA-2 of `len` bytes (32, 48 or 64): SHA-256, SHA-384, SHA-512. */
static const mbedtls_md_info_t *ev_md(size_t len)
{
	return mbedtls_md_info_from_type(len == 64   ? MBEDTLS_MD_SHA512
					 : len == 48 ? MBEDTLS_MD_SHA384
					 : len == 32 ? MBEDTLS_MD_SHA256
						     : MBEDTLS_MD_NONE);
}

static int ev_hash(size_t hlen, const uint8_t *in, size_t len, uint8_t *out)
{
	const mbedtls_md_info_t *md = ev_md(hlen);

	return md ? mbedtls_md(md, in, len, out) : -1;
}

static int ev_fail(const char **why, const char *what)
{
	*why = what;
	return EV_E_CHAIN;
}

static int ev_fail_as(int err, const char **why, const char *what)
{
	*why = what;
	return err;
}

/* Length of the DER SEQUENCE at p (short or long form up to 3 length bytes), 0 if malformed. */
static size_t der_len(const uint8_t *p, size_t avail)
{
	size_t hdr = 2, len;

	if (avail < 2 || p[0] != 0x30)
		return 0;
	len = p[1];
	if (p[1] & 0x80) {
		unsigned nb = p[1] & 0x7f;
		if (nb == 0 || nb > 3 || avail < 2 + nb)
			return 0;
		len = 0;
		for (unsigned i = 0; i < nb; i++)
			len = len << 8 | p[2 + i];
		hdr += nb;
	}
	return len <= avail - hdr ? hdr + len : 0;
}

/* The DER certificates of the chain, root first: offsets and lengths. */
static int chain_split(const uint8_t *c, size_t len, size_t hlen, size_t off[], size_t n[],
		       unsigned *count)
{
	size_t at = 4 + hlen;

	*count = 0;
	while (at < len) {
		size_t l = der_len(c + at, len - at);
		if (!l || *count == MAX_CERTS)
			return -1;
		off[*count] = at;
		n[(*count)++] = l;
		at += l;
	}
	return *count ? 0 : -1;
}

static int ev_leaf_key(unsigned *curve_bits, const char **why)
{
	mbedtls_ecp_group_id g;

	if (mbedtls_pk_get_type(&ev_chain.pk) != MBEDTLS_PK_ECKEY)
		return ev_fail(why, "leaf key is not ECDSA");
	g = mbedtls_pk_ec(ev_chain.pk)->grp.id;
	if (g != MBEDTLS_ECP_DP_SECP256R1 && g != MBEDTLS_ECP_DP_SECP384R1)
		return ev_fail(why, "leaf key is neither P-256 nor P-384");
	*curve_bits = g == MBEDTLS_ECP_DP_SECP384R1 ? 384 : 256;
	ev_leaf = mbedtls_pk_ec(ev_chain.pk);
	return 0;
}

int ev_chain_verify(const uint8_t *c, size_t len, uint32_t hash_len, const uint8_t *anchor,
		    size_t anchor_len, unsigned *ncerts, unsigned *curve_bits, const char **why)
{
	size_t off[MAX_CERTS], n[MAX_CERTS];
	uint8_t d[HASH_MAX];
	uint32_t flags = 0;
	unsigned count;

	ev_init();
	if (!ev_md(hash_len) || !ev_md(anchor_len))
		return ev_fail(why, "hash length");
	if (len < 4 + hash_len || (size_t)(c[0] | c[1] << 8) != len)
		return ev_fail(why, "chain header");
	if (chain_split(c, len, hash_len, off, n, &count))
		return ev_fail(why, "chain: DER certificates");
	*ncerts = count;
	if (ev_hash(anchor_len, c + off[0], n[0], d) || memcmp(d, anchor, anchor_len))
		return ev_fail(why, "root certificate is not the trust anchor");
	if (ev_hash(hash_len, c + off[0], n[0], d) || memcmp(c + 4, d, hash_len))
		return ev_fail(why, "chain RootHash is not the root certificate's");
	if (mbedtls_x509_crt_parse_der(&ev_trust, c + off[0], n[0]))
		return ev_fail(why, "root certificate does not parse");
	for (unsigned i = count; i-- > 1;)
		if (mbedtls_x509_crt_parse_der(&ev_chain, c + off[i], n[i]))
			return ev_fail(why, "certificate does not parse");
	if (count < 2)
		return ev_fail(why, "chain has no leaf below the root");
	/* Signatures leaf -> intermediates -> root, names and CA bits. (The guest has no clock:
	 * the dates are Moat's to check, spdm/spdm_cert.c.) */
	if (mbedtls_x509_crt_verify(&ev_chain, &ev_trust, NULL, NULL, &flags, NULL, NULL) &&
	    (flags & ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)))
		return ev_fail(why, "certificate not signed by its issuer up to the anchor");
	return ev_leaf_key(curve_bits, why);
}

/* DSP0274 1.2/1.3: ECDSA over H(prefix || H(L1/L2)), signature r || s big-endian. */
static int ev_sig_ok(const struct moat_ev_meas_view *v)
{
	uint8_t m[100 + HASH_MAX], digest[HASH_MAX];
	size_t h = v->hash_len, half = v->sig_len / 2;
	mbedtls_mpi r, s;
	int ret;

	moat_ev_sign_prefix(v->hdr->spdm_version, MOAT_EV_MEAS_CONTEXT, m);
	if (ev_hash(h, v->signed_data, v->signed_len, m + 100) || ev_hash(h, m, 100 + h, digest))
		return 0;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	ret = mbedtls_mpi_read_binary(&r, v->sig, half) ||
	      mbedtls_mpi_read_binary(&s, v->sig + half, half) ||
	      mbedtls_ecdsa_verify((mbedtls_ecp_group *)&ev_leaf->grp, digest, h, &ev_leaf->Q, &r,
				   &s);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return !ret;
}

int ev_meas_verify(const uint8_t *blob, size_t len, const uint8_t nonce[32],
		   struct moat_ev_meas_view *v, const char **why)
{
	mbedtls_ecp_group_id g;

	if (!ev_leaf)
		return ev_fail(why, "no verified leaf key");
	if (moat_ev_meas_parse(blob, len, v))
		return ev_fail_as(EV_E_BLOB, why, "evidence blob malformed");
	g = ev_leaf->grp.id;
	if ((v->base_asym == 0x80) != (g == MBEDTLS_ECP_DP_SECP384R1) ||
	    (v->base_asym == 0x10) != (g == MBEDTLS_ECP_DP_SECP256R1))
		return ev_fail_as(EV_E_BLOB, why, "signature algorithm is not the leaf key's");
	if (memcmp(v->nonce, nonce, 32))
		return ev_fail_as(EV_E_NONCE, why, "request does not carry the guest's nonce");
	if (!ev_sig_ok(v))
		return ev_fail_as(EV_E_SIGNATURE, why, "measurement signature does not verify");
	return 0;
}

void ev_sha256(const uint8_t *m, size_t len, uint8_t out[32])
{
	if (mbedtls_sha256_ret(m, len, out, 0))
		memset(out, 0, 32);
}
