// SPDX-License-Identifier: MIT
/*
 * DSP0277 secured messages (1.0, 1.1 and 1.2 share the format): record = SessionID |
 * [sequence number] | Length | AEAD{ApplicationDataLength | SPDM message} | MAC. The AAD is the
 * header; the IV is the per-direction salt XOR the 64-bit sequence number, little-endian (what
 * DSP0277 1.2 makes normative; 1.0 and 1.1 left the byte order open and libspdm's default is
 * little-endian too: a device built big-endian fails its second record). The PCI DOE binding
 * puts no sequence number bytes and no random padding in the record.
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

int spdm_keys_derive(struct spdm_conn *c, struct spdm_dir_keys *k)
{
	k->seq = 0;
	if (spdm_hkdf_expand(c, k->secret, "key", NULL, 0, k->key, c->key_len) ||
	    spdm_hkdf_expand(c, k->secret, "iv", NULL, 0, k->iv, SPDM_AEAD_IV_LEN))
		return -E_IO;
	return 0;
}

static void spdm_record_iv(const struct spdm_dir_keys *k, u8 *iv)
{
	memcpy(iv, k->iv, SPDM_AEAD_IV_LEN);
	for (unsigned i = 0; i < 8; i++)
		iv[i] ^= (u8)(k->seq >> (8 * i));
}

static size_t spdm_record_hdr(const struct spdm_conn *c)
{
	return SPDM_REC_OFF_SEQ + c->tp->seq_bytes + 2;
}

static void spdm_record_put_seq(const struct spdm_conn *c, u8 *p, u64 seq)
{
	for (unsigned i = 0; i < c->tp->seq_bytes; i++)
		p[i] = (u8)(seq >> (8 * i));
}

int spdm_record_seal(struct spdm_conn *c, const u8 *msg, size_t len, size_t *rec_len)
{
	struct spdm_dir_keys *k = &c->sess.req;
	size_t hdr = spdm_record_hdr(c), body = SPDM_REC_APP_LEN_LEN + len;
	u8 iv[SPDM_AEAD_IV_LEN];

	if (hdr + body + SPDM_AEAD_TAG_LEN > sizeof(c->tx))
		return spdm_fail(c, SPDM_FAIL_STATE, -E_RANGE);
	if (k->seq == UINT64_MAX)
		return spdm_fail(c, SPDM_FAIL_SEQ, -E_RANGE);
	put_le32(c->tx + SPDM_REC_OFF_SESSION_ID, c->sess.id);
	spdm_record_put_seq(c, c->tx + SPDM_REC_OFF_SEQ, k->seq);
	put_le16(c->tx + hdr - 2, (u16)(body + SPDM_AEAD_TAG_LEN));
	put_le16(c->tx + hdr, (u16)len);
	memmove(c->tx + hdr + SPDM_REC_APP_LEN_LEN, msg, len);
	spdm_record_iv(k, iv);
	if (spdm_aead(c, true, k->key, iv, c->tx, hdr, c->tx + hdr, body, c->tx + hdr,
		      c->tx + hdr + body))
		return spdm_fail(c, SPDM_FAIL_CRYPTO, -E_IO);
	k->seq++;
	*rec_len = hdr + body + SPDM_AEAD_TAG_LEN;
	return 0;
}

/* Checks the record's header against the session; the ciphertext length in *body. */
static int spdm_record_check(struct spdm_conn *c, const u8 *rec, size_t rec_len, size_t *body)
{
	size_t hdr = spdm_record_hdr(c), l;
	u8 seq[8];

	if (rec_len < hdr + SPDM_REC_APP_LEN_LEN + SPDM_AEAD_TAG_LEN)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (get_le32(rec + SPDM_REC_OFF_SESSION_ID) != c->sess.id)
		return spdm_fail(c, SPDM_FAIL_SESSION_ID, -E_PROTO);
	spdm_record_put_seq(c, seq, c->sess.rsp.seq);
	if (memcmp(seq, rec + SPDM_REC_OFF_SEQ, c->tp->seq_bytes))
		return spdm_fail(c, SPDM_FAIL_RECORD, -E_AUTH);
	l = get_le16(rec + hdr - 2);
	if (l < SPDM_REC_APP_LEN_LEN + SPDM_AEAD_TAG_LEN || l > rec_len - hdr)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (rec_len - hdr - l >= MAX(c->tp->align, 1))
		return spdm_fail(c, SPDM_FAIL_OVERSIZED, -E_PROTO);
	*body = l - SPDM_AEAD_TAG_LEN;
	return 0;
}

int spdm_record_open(struct spdm_conn *c, u8 *rec, size_t rec_len, size_t *msg_len)
{
	struct spdm_dir_keys *k = &c->sess.rsp;
	size_t hdr = spdm_record_hdr(c), body = 0, app;
	u8 iv[SPDM_AEAD_IV_LEN], *msg = rec + hdr;
	int err;

	if ((err = spdm_record_check(c, rec, rec_len, &body)))
		return err;
	if (k->seq == UINT64_MAX)
		return spdm_fail(c, SPDM_FAIL_SEQ, -E_RANGE);
	spdm_record_iv(k, iv);
	/* Decrypt in place (AES-GCM allows output == input); nothing is used unless the tag
	 * verifies. The header (AAD) before the body and the tag after it are not overwritten. */
	if (spdm_aead(c, false, k->key, iv, rec, hdr, msg, body, msg, msg + body)) {
		spdm_wipe(msg, body);
		return spdm_fail(c, SPDM_FAIL_RECORD, -E_AUTH);
	}
	k->seq++;
	app = get_le16(msg);
	if (app > body - SPDM_REC_APP_LEN_LEN) {
		spdm_wipe(msg, body);
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	}
	memmove(rec, msg + SPDM_REC_APP_LEN_LEN, app);
	spdm_wipe(rec + app, rec_len - app);
	*msg_len = app;
	return 0;
}
