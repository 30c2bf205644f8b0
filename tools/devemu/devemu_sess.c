// SPDX-License-Identifier: MIT
/*
 * devemu sessions: KEY_EXCHANGE_RSP (with the secured-message version chosen from the
 * requester's list and devemu's --sm set), FINISH_RSP, the DSP0274 1.2/1.3 key schedule,
 * DSP0277 records for PCI DOE (no sequence number bytes, no random padding; the sequence number
 * little-endian for every version), HEARTBEAT, KEY_UPDATE, END_SESSION and an echoing
 * VENDOR_DEFINED responder. Transcripts are whole buffers.
 */
#include <string.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include "devemu_int.h"

#define RSP_SESSION_ID 0xcafe

static const mbedtls_md_info_t *ds_md(struct devemu *d)
{
	return mbedtls_md_info_from_type(d->hlen == 64	 ? MBEDTLS_MD_SHA512
					 : d->hlen == 48 ? MBEDTLS_MD_SHA384
							 : MBEDTLS_MD_SHA256);
}

/* HKDF-Expand(prk, u16 len || "spdm1.x " || label || ctx, len) */
static int ds_expand(struct devemu *d, const uint8_t *prk, const char *label, const uint8_t *ctx,
		     size_t len, uint8_t *out)
{
	uint8_t info[128];
	size_t n = 0, ll = strlen(label), cl = ctx ? d->hlen : 0;

	wr16(info, (uint16_t)len);
	n = 2;
	memcpy(info + n, "spdm1.2 ", 8);
	dv_version_digits(d, (char *)info + n + 4);
	n += 8;
	memcpy(info + n, label, ll);
	n += ll;
	if (cl)
		memcpy(info + n, ctx, cl);
	n += cl;
	return mbedtls_hkdf_expand(ds_md(d), prk, d->hlen, info, n, out, len) ? -1 : 0;
}

static int ds_keys(struct devemu *d, struct devemu_keys *k)
{
	k->seq = 0;
	return ds_expand(d, k->secret, "key", NULL, d->keylen, k->key) ||
	       ds_expand(d, k->secret, "iv", NULL, 12, k->iv);
}

static int ds_finished(struct devemu *d, const uint8_t *secret, const uint8_t *th, uint8_t *out)
{
	uint8_t fk[64];

	return ds_expand(d, secret, "finished", NULL, d->hlen, fk) ||
	       mbedtls_md_hmac(ds_md(d), fk, d->hlen, th, d->hlen, out);
}

/* TH = Hash(VCA || Hash(cert chain) || message_k || message_f || extra) */
static int ds_th(struct devemu *d, const uint8_t *extra, size_t xn, uint8_t *out)
{
	uint8_t ch[64];

	if (dv_hash(d, (struct part[]){ { d->chain.p, d->chain.len } }, 1, ch))
		return -1;
	return dv_hash(d,
		       (struct part[]){ { d->vca.p, d->vca.len },
					{ ch, d->hlen },
					{ d->k.p, d->k.len },
					{ d->f.p, d->f.len },
					{ extra, xn } },
		       5, out);
}

/*
 * The requester's opaque data (general format: TotalElements, 3 reserved, then elements of
 * ID, VendorLen, VendorID, u16 length, data, padding to 4): the DMTF element with
 * SMDataVersion 1, SMDataID 1 (SupportedVersionList), VersionCount, u16 versions. Returns the
 * highest version devemu also speaks (--sm), or 0.
 */
static uint16_t ds_pick_sm(const struct devemu *d, const uint8_t *p, size_t len)
{
	uint16_t best = 0;

	if (len < 12 || p[0] < 1 || p[4] != 0 || p[5] != 0)
		return 0;
	size_t dl = rd16(p + 6);
	if (dl < 3 || 8 + dl > len || p[8] != 1 || p[9] != 1 || 3 + 2 * (size_t)p[10] > dl)
		return 0;
	for (unsigned i = 0; i < p[10]; i++) {
		uint16_t v = rd16(p + 11 + 2 * i) & 0xff00;
		if ((v >> 12) == 1 && (d->opt.sm & (1u << ((v >> 8) & 0xf))) && v > best)
			best = v;
	}
	return best;
}

static int ds_ecdh(struct devemu *d, const uint8_t *peer, uint8_t *pub, uint8_t *secret)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q, qp;
	mbedtls_mpi priv, z;
	size_t fl = d->dhelen / 2;
	int ret;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_ecp_point_init(&qp);
	mbedtls_mpi_init(&priv);
	mbedtls_mpi_init(&z);
	ret = mbedtls_ecp_group_load(&grp, fl == 48 ? MBEDTLS_ECP_DP_SECP384R1
						    : MBEDTLS_ECP_DP_SECP256R1) ||
	      mbedtls_ecdh_gen_public(&grp, &priv, &q, mbedtls_ctr_drbg_random, &d->drbg) ||
	      mbedtls_mpi_write_binary(&q.X, pub, fl) ||
	      mbedtls_mpi_write_binary(&q.Y, pub + fl, fl) ||
	      mbedtls_mpi_read_binary(&qp.X, peer, fl) ||
	      mbedtls_mpi_read_binary(&qp.Y, peer + fl, fl) || mbedtls_mpi_lset(&qp.Z, 1) ||
	      mbedtls_ecp_check_pubkey(&grp, &qp) ||
	      mbedtls_ecdh_compute_shared(&grp, &z, &qp, &priv, mbedtls_ctr_drbg_random,
					  &d->drbg) ||
	      mbedtls_mpi_write_binary(&z, secret, fl);
	mbedtls_mpi_free(&z);
	mbedtls_mpi_free(&priv);
	mbedtls_ecp_point_free(&qp);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return ret ? -1 : 0;
}

/* Handshake secrets from the ECDHE secret and TH1; the master secret for later. */
static int ds_handshake(struct devemu *d, const uint8_t *secret, const uint8_t *th1)
{
	uint8_t zero[64] = { 0 }, hs[64], salt[64];
	const mbedtls_md_info_t *md = ds_md(d);

	return mbedtls_hkdf_extract(md, zero, d->hlen, secret, d->dhelen / 2, hs) ||
	       ds_expand(d, hs, "req hs data", th1, d->hlen, d->req.secret) ||
	       ds_expand(d, hs, "rsp hs data", th1, d->hlen, d->rsp.secret) ||
	       ds_expand(d, hs, "derived", NULL, d->hlen, salt) ||
	       mbedtls_hkdf_extract(md, salt, d->hlen, zero, d->hlen, d->master) ||
	       ds_keys(d, &d->req) || ds_keys(d, &d->rsp);
}

size_t dv_key_exchange(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	size_t D = d->dhelen, n, qn;
	uint8_t secret[48], th[64];
	/* VersionSelection: one DMTF element, SMDataVersion 1, SMDataID 0, the version. */
	uint8_t sel[12] = { 1, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0 };
	uint16_t sm;

	if (qlen < 42 + D)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	qn = 42 + D + rd16(q + 40 + D);
	if (qlen < qn || q[2] != 0 || q[3] != 0)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	sm = ds_pick_sm(d, q + 42 + D, qn - 42 - D);
	if (!sm) /* no secured-message version in common */
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	wr16(sel + 10, sm);
	dv_session_drop(d);
	d->sm_version = sm;
	memset(rsp, 0, 8);
	rsp[0] = d->version;
	rsp[1] = 0x64;
	wr16(rsp + 4, RSP_SESSION_ID);
	if (dv_random(d, rsp + 8, 32) || ds_ecdh(d, q + 40, rsp + 40, secret))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	n = 40 + D;
	wr16(rsp + n, sizeof(sel));
	memcpy(rsp + n + 2, sel, sizeof(sel));
	n += 2 + sizeof(sel);
	buf_clear(&d->k);
	buf_clear(&d->f);
	if (buf_add(&d->k, q, qn) || buf_add(&d->k, rsp, n) || ds_th(d, NULL, 0, th) ||
	    dv_sign(d, "responder-key_exchange_rsp signing", th, rsp + n) ||
	    buf_add(&d->k, rsp + n, d->siglen))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	n += d->siglen;
	if (ds_th(d, NULL, 0, th) || ds_handshake(d, secret, th) ||
	    ds_finished(d, d->rsp.secret, th, rsp + n) || buf_add(&d->k, rsp + n, d->hlen))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	memset(secret, 0, sizeof(secret));
	d->sess_id = (uint32_t)RSP_SESSION_ID << 16 | rd16(q + 4);
	d->sess_state = 1;
	return n + d->hlen;
}

size_t dv_finish(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	uint8_t th[64], mac[64];

	if (d->sess_state != 1 || qlen < 4 + d->hlen || q[2] != 0)
		return dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	if (ds_th(d, q, 4, th) || ds_finished(d, d->req.secret, th, mac) ||
	    memcmp(mac, q + 4, d->hlen))
		return dv_error(d, rsp, ERR_DECRYPT, 0);
	rsp[0] = d->version;
	rsp[1] = 0x65;
	rsp[2] = rsp[3] = 0;
	if (buf_add(&d->f, q, 4 + d->hlen) || buf_add(&d->f, rsp, 4) || ds_th(d, NULL, 0, th))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	if (ds_expand(d, d->master, "req app data", th, d->hlen, d->next_req.secret) ||
	    ds_expand(d, d->master, "rsp app data", th, d->hlen, d->next_rsp.secret) ||
	    ds_keys(d, &d->next_req) || ds_keys(d, &d->next_rsp))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	d->after_send = 1; /* FINISH_RSP still goes under the handshake key */
	return 4;
}

static int ds_update(struct devemu *d, struct devemu_keys *k)
{
	uint8_t s[64];

	if (ds_expand(d, k->secret, "traffic upd", NULL, d->hlen, s))
		return -1;
	memcpy(k->secret, s, d->hlen);
	return ds_keys(d, k);
}

static size_t ds_key_update(struct devemu *d, const uint8_t *q, uint8_t *rsp)
{
	/* UpdateKey / UpdateAllKeys / VerifyNewKey; the ACK of UpdateAllKeys uses the new key. */
	if ((q[2] == 1 || q[2] == 2) && ds_update(d, &d->req))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	if (q[2] == 2 && ds_update(d, &d->rsp))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	if (q[2] < 1 || q[2] > 3)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	memcpy(rsp, (uint8_t[]){ d->version, 0x69, q[2], q[3] }, 4);
	return 4;
}

static size_t ds_vendor(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	if (d->fault == DEVEMU_FAULT_VDM_DECRYPT) { /* once: as if the record had been garbled */
		d->fault = DEVEMU_FAULT_NONE;
		return dv_error(d, rsp, ERR_DECRYPT, 0);
	}
	size_t pcisig = devemu_pcisig_vdm(d, q, qlen, rsp); /* TDISP, IDE_KM: devemu_tdisp.c */
	if (pcisig)
		return pcisig;
	if (qlen < 7 || qlen < 9u + q[6])
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	size_t hdr = 9u + q[6], plen = rd16(q + 7 + q[6]);
	if (hdr + plen > qlen)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	/* Echo: same registry and vendor ID, payload bytes reversed (a visible transformation). */
	memcpy(rsp, q, hdr);
	rsp[1] = 0x7e;
	for (size_t i = 0; i < plen; i++)
		rsp[hdr + i] = q[hdr + plen - 1 - i];
	return hdr + plen;
}

size_t dv_session_msg(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	if (d->sess_state != 2)
		return dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	switch (q[1]) {
	case 0xe8:
		d->heartbeats++;
		memcpy(rsp, (uint8_t[]){ d->version, 0x68, 0, 0 }, 4);
		return 4;
	case 0xe9: return ds_key_update(d, q, rsp);
	case 0xec:
		d->after_send = 2;
		d->end_sessions++;
		memcpy(rsp, (uint8_t[]){ d->version, 0x6c, 0, 0 }, 4);
		return 4;
	default: return ds_vendor(d, q, qlen, rsp);
	}
}

void dv_session_after_send(struct devemu *d)
{
	if (d->after_send == 1) {
		d->req = d->next_req;
		d->rsp = d->next_rsp;
		memset(d->master, 0, sizeof(d->master));
		d->sess_state = 2;
	} else if (d->after_send == 2) {
		dv_session_drop(d);
	}
	d->after_send = 0;
}

void dv_session_drop(struct devemu *d)
{
	d->sess_state = 0;
	d->after_send = 0;
	d->sess_id = 0;
	memset(&d->req, 0, sizeof(d->req));
	memset(&d->rsp, 0, sizeof(d->rsp));
	memset(&d->next_req, 0, sizeof(d->next_req));
	memset(&d->next_rsp, 0, sizeof(d->next_rsp));
	memset(d->master, 0, sizeof(d->master));
}

static void ds_iv(const struct devemu_keys *k, uint8_t *iv)
{
	memcpy(iv, k->iv, 12);
	for (int i = 0; i < 8; i++)
		iv[i] ^= (uint8_t)(k->seq >> (8 * i));
}

static int ds_gcm(struct devemu *d, int mode, struct devemu_keys *k, const uint8_t *aad,
		  const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
	mbedtls_gcm_context g;
	uint8_t iv[12];
	int ret;

	ds_iv(k, iv);
	mbedtls_gcm_init(&g);
	ret = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, k->key, (unsigned)d->keylen * 8);
	if (!ret && mode == MBEDTLS_GCM_ENCRYPT)
		ret = mbedtls_gcm_crypt_and_tag(&g, mode, n, iv, 12, aad, 6, in, out, 16, tag);
	else if (!ret)
		ret = mbedtls_gcm_auth_decrypt(&g, n, iv, 12, aad, 6, tag, 16, in, out);
	mbedtls_gcm_free(&g);
	return ret ? -1 : 0;
}

int dv_record_open(struct devemu *d, const uint8_t *rec, size_t len, uint8_t *msg, size_t *mlen,
		   uint8_t *err_code)
{
	uint8_t plain[MSG_MAX + 32];

	*err_code = ERR_DECRYPT;
	if (d->sess_state == 0 || len < 24 || rd32(rec) != d->sess_id) {
		*err_code = ERR_INVALID_REQUEST;
		return -1;
	}
	size_t l = rd16(rec + 4);
	if (l < 18 || 6 + l > len || l - 16 > sizeof(plain))
		return -1;
	if (ds_gcm(d, MBEDTLS_GCM_DECRYPT, &d->req, rec, rec + 6, l - 16, plain,
		   (uint8_t *)rec + 6 + l - 16))
		return -1;
	d->req.seq++;
	size_t app = rd16(plain);
	if (app > l - 18 || app > MSG_MAX)
		return -1;
	memcpy(msg, plain + 2, app);
	*mlen = app;
	return 0;
}

int dv_record_seal(struct devemu *d, const uint8_t *msg, size_t mlen, uint8_t *rec, size_t *rlen)
{
	uint32_t id = d->sess_id;

	if (d->fault == DEVEMU_FAULT_SESSION_ID)
		id ^= 0x00010000;
	wr32(rec, id);
	wr16(rec + 4, (uint16_t)(2 + mlen + 16));
	wr16(rec + 6, (uint16_t)mlen);
	memcpy(rec + 8, msg, mlen);
	if (ds_gcm(d, MBEDTLS_GCM_ENCRYPT, &d->rsp, rec, rec + 6, 2 + mlen, rec + 6,
		   rec + 8 + mlen))
		return -1;
	d->rsp.seq++;
	*rlen = 8 + mlen + 16;
	buf_clear(&d->last_record);
	return buf_add(&d->last_record, rec, *rlen);
}
