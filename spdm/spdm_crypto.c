// SPDX-License-Identifier: MIT
/* The requester's crypto on mbedTLS: hashes, HMAC/HKDF key schedule, ECDSA, ECDHE, AES-GCM. */
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

void spdm_wipe(void *p, size_t len)
{
	volatile u8 *v = p;

	while (len--)
		*v++ = 0;
}

int spdm_random(struct spdm_conn *c, u8 *out, size_t len)
{
	if (!c->cfg.rng || c->cfg.rng(c->cfg.rng_ctx, out, len))
		return -E_IO;
	return 0;
}

int spdm_hash_setup(struct spdm_conn *c, mbedtls_md_context_t *ctx)
{
	mbedtls_md_init(ctx);
	if (mbedtls_md_setup(ctx, c->md, 0) || mbedtls_md_starts(ctx)) {
		mbedtls_md_free(ctx);
		return -E_NOMEM;
	}
	return 0;
}

int spdm_hash_fork(struct spdm_conn *c, mbedtls_md_context_t *dst, mbedtls_md_context_t *src)
{
	int err = spdm_hash_setup(c, dst);

	if (err)
		return err;
	if (mbedtls_md_clone(dst, src)) {
		mbedtls_md_free(dst);
		return -E_IO;
	}
	return 0;
}

int spdm_hash_peek(struct spdm_conn *c, mbedtls_md_context_t *ctx, u8 *out)
{
	mbedtls_md_context_t tmp;
	int err = spdm_hash_fork(c, &tmp, ctx);

	if (err)
		return err;
	err = mbedtls_md_finish(&tmp, out) ? -E_IO : 0;
	mbedtls_md_free(&tmp);
	return err;
}

int spdm_hash(struct spdm_conn *c, const u8 *in, size_t len, u8 *out)
{
	return mbedtls_md(c->md, in, len, out) ? -E_IO : 0;
}

int spdm_hmac(struct spdm_conn *c, const u8 *key, const u8 *in, size_t len, u8 *out)
{
	return mbedtls_md_hmac(c->md, key, c->hash_len, in, len, out) ? -E_IO : 0;
}

/* "1.2" of the negotiated version, as the version strings of DSP0274 spell it. */
static void spdm_version_digits(const struct spdm_conn *c, char *p)
{
	p[0] = (char)('0' + (c->version >> 4));
	p[1] = '.';
	p[2] = (char)('0' + (c->version & 0xf));
}

/* BinConcat (DSP0274 "key schedule"): u16 length || "spdm1.2 " || label || context, with
 * the negotiated version in the version string (1.3: "spdm1.3 "). */
int spdm_hkdf_expand(struct spdm_conn *c, const u8 *secret, const char *label, const u8 *ctx,
		     size_t ctx_len, u8 *out, size_t out_len)
{
	u8 info[2 + SPDM_BINCONCAT_VERSION_LEN + 16 + SPDM_HASH_MAX];
	size_t ll = strlen(label), n = 0;

	if (ll > 16 || ctx_len > SPDM_HASH_MAX || out_len > 0xffff)
		return -E_INVAL;
	put_le16(info, (u16)out_len);
	n = 2;
	memcpy(info + n, "spdm1.2 ", SPDM_BINCONCAT_VERSION_LEN);
	spdm_version_digits(c, (char *)info + n + SPDM_BINCONCAT_OFF_DIGITS);
	n += SPDM_BINCONCAT_VERSION_LEN;
	memcpy(info + n, label, ll);
	n += ll;
	if (ctx_len)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	return mbedtls_hkdf_expand(c->md, secret, c->hash_len, info, n, out, out_len) ? -E_IO : 0;
}

/*
 * DSP0274 1.2/1.3 "signature generation": the signed message is a 100-byte prefix (the version
 * string "dmtf-spdm-v1.x.*" four times, zero padding, the context string) followed by the
 * transcript digest; ECDSA signs the hash of that, and the signature is r || s, big-endian.
 */
int spdm_verify_sig(struct spdm_conn *c, const char *context, const u8 *th, const u8 *sig)
{
	u8 m[SPDM_SIGN_PREFIX_LEN + SPDM_HASH_MAX], digest[SPDM_HASH_MAX];
	size_t cl = strlen(context), half = c->sig_len / 2;
	mbedtls_mpi r, s;
	int ret;

	const size_t vs = SPDM_SIGN_VERSION_LEN * SPDM_SIGN_VERSION_COUNT;

	if (cl > SPDM_SIGN_CONTEXT_MAX || !c->leaf_live)
		return -E_STATE;
	for (unsigned i = 0; i < SPDM_SIGN_VERSION_COUNT; i++) {
		u8 *v = m + SPDM_SIGN_VERSION_LEN * i;

		memcpy(v, "dmtf-spdm-v1.2.*", SPDM_SIGN_VERSION_LEN);
		spdm_version_digits(c, (char *)v + SPDM_SIGN_VERSION_OFF_DIGITS);
	}
	memset(m + vs, 0, SPDM_SIGN_PREFIX_LEN - vs - cl);
	memcpy(m + SPDM_SIGN_PREFIX_LEN - cl, context, cl);
	memcpy(m + SPDM_SIGN_PREFIX_LEN, th, c->hash_len);
	if (spdm_hash(c, m, SPDM_SIGN_PREFIX_LEN + c->hash_len, digest))
		return -E_IO;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	ret = mbedtls_mpi_read_binary(&r, sig, half) ||
	      mbedtls_mpi_read_binary(&s, sig + half, half);
	if (!ret)
		ret = mbedtls_ecdsa_verify(&c->leaf.grp, digest, c->hash_len, &c->leaf.Q, &r, &s);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret ? -E_AUTH : 0;
}

static mbedtls_ecp_group_id spdm_dhe_group(u16 dhe)
{
	return dhe == SPDM_DHE_SECP384R1 ? MBEDTLS_ECP_DP_SECP384R1 : MBEDTLS_ECP_DP_SECP256R1;
}

static int spdm_rng_cb(void *ctx, unsigned char *out, size_t len)
{
	return spdm_random(ctx, out, len) ? -1 : 0;
}

int spdm_ecdh_begin(struct spdm_conn *c, mbedtls_ecp_group *grp, mbedtls_mpi *d, u8 *pub)
{
	size_t fl = c->dhe_len / 2;
	mbedtls_ecp_point q;
	int ret;

	mbedtls_ecp_point_init(&q);
	ret = mbedtls_ecp_group_load(grp, spdm_dhe_group(c->alg.dhe)) ||
	      mbedtls_ecdh_gen_public(grp, d, &q, spdm_rng_cb, c) ||
	      mbedtls_mpi_write_binary(&q.X, pub, fl) ||
	      mbedtls_mpi_write_binary(&q.Y, pub + fl, fl);
	mbedtls_ecp_point_free(&q);
	return ret ? -E_IO : 0;
}

int spdm_ecdh_finish(struct spdm_conn *c, mbedtls_ecp_group *grp, mbedtls_mpi *d, const u8 *peer,
		     u8 *secret)
{
	size_t fl = c->dhe_len / 2;
	mbedtls_ecp_point q;
	mbedtls_mpi z;
	int ret;

	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&z);
	ret = mbedtls_mpi_read_binary(&q.X, peer, fl) ||
	      mbedtls_mpi_read_binary(&q.Y, peer + fl, fl) || mbedtls_mpi_lset(&q.Z, 1);
	if (!ret && mbedtls_ecp_check_pubkey(grp, &q)) {
		ret = -E_AUTH; /* not a point on the curve: refuse before using it */
		goto out;
	}
	if (!ret)
		ret = mbedtls_ecdh_compute_shared(grp, &z, &q, d, spdm_rng_cb, c) ||
		      mbedtls_mpi_write_binary(&z, secret, fl);
	ret = ret ? -E_IO : 0;
out:
	mbedtls_mpi_free(&z);
	mbedtls_ecp_point_free(&q);
	return ret;
}

int spdm_aead(struct spdm_conn *c, bool seal, const u8 *key, const u8 *iv, const u8 *aad,
	      size_t aad_len, const u8 *in, size_t len, u8 *out, u8 *tag)
{
	mbedtls_gcm_context g;
	int ret;

	mbedtls_gcm_init(&g);
	ret = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, (unsigned)c->key_len * 8);
	if (!ret && seal)
		ret = mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, iv, SPDM_AEAD_IV_LEN,
						aad, aad_len, in, out, SPDM_AEAD_TAG_LEN, tag);
	else if (!ret)
		ret = mbedtls_gcm_auth_decrypt(&g, len, iv, SPDM_AEAD_IV_LEN, aad, aad_len, tag,
					       SPDM_AEAD_TAG_LEN, in, out)
			      ? 1
			      : 0;
	mbedtls_gcm_free(&g);
	return ret ? -E_AUTH : 0;
}
