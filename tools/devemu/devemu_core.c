// SPDX-License-Identifier: MIT
/*
 * devemu responder core: DOE framing, the dispatcher, GET_VERSION / GET_CAPABILITIES /
 * NEGOTIATE_ALGORITHMS, written from DSP0274 1.2 and 1.3 independently of the requester in
 * spdm/. Offsets are spelled out where they are used, from the specification's tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>

#include "devemu_int.h"

static const char *const fault_names[DEVEMU_FAULT__COUNT] = {
	[DEVEMU_FAULT_NONE] = "none",
	[DEVEMU_FAULT_BAD_SIGNATURE] = "bad-signature",
	[DEVEMU_FAULT_WRONG_NONCE] = "wrong-nonce",
	[DEVEMU_FAULT_TRUNCATED] = "truncated",
	[DEVEMU_FAULT_OVERSIZED] = "oversized",
	[DEVEMU_FAULT_SESSION_ID] = "wrong-session-id",
	[DEVEMU_FAULT_REPLAY] = "replay",
	[DEVEMU_FAULT_REORDER] = "reorder",
	[DEVEMU_FAULT_SLOW] = "slow",
	[DEVEMU_FAULT_NOT_READY_ONCE] = "not-ready-once",
	[DEVEMU_FAULT_ROGUE_CHAIN] = "rogue-chain",
	[DEVEMU_FAULT_ERROR] = "error",
	[DEVEMU_FAULT_IDE_KM_ERROR] = "ide-km-error",
	[DEVEMU_FAULT_VDM_DECRYPT] = "vdm-decrypt-error",
};

const char *devemu_fault_name(enum devemu_fault f)
{
	return (unsigned)f < DEVEMU_FAULT__COUNT ? fault_names[f] : "?";
}

int devemu_fault_parse(const char *name, enum devemu_fault *f)
{
	for (unsigned i = 0; i < DEVEMU_FAULT__COUNT; i++) {
		if (!strcmp(name, fault_names[i])) {
			*f = (enum devemu_fault)i;
			return 0;
		}
	}
	return -1;
}

int devemu_versions_parse(const char *s, uint16_t *mask)
{
	*mask = 0;
	while (*s) {
		if (s[0] != '1' || s[1] != '.' || s[2] < '0' || s[2] > '9')
			return -1;
		*mask |= (uint16_t)(1u << (s[2] - '0'));
		s += 3;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return *mask ? 0 : -1;
}

int buf_add(struct devemu_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2 + 64;
		uint8_t *np = realloc(b->p, cap);
		if (!np)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void buf_clear(struct devemu_buf *b)
{
	b->len = 0;
}

void buf_free(struct devemu_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const mbedtls_md_info_t *dv_md(struct devemu *d)
{
	return mbedtls_md_info_from_type(d->hlen == 64	 ? MBEDTLS_MD_SHA512
					 : d->hlen == 48 ? MBEDTLS_MD_SHA384
							 : MBEDTLS_MD_SHA256);
}

int dv_hash(struct devemu *d, const struct part *parts, unsigned n, uint8_t *out)
{
	mbedtls_md_context_t ctx;
	int ret;

	mbedtls_md_init(&ctx);
	ret = mbedtls_md_setup(&ctx, dv_md(d), 0) || mbedtls_md_starts(&ctx);
	for (unsigned i = 0; !ret && i < n; i++)
		ret = mbedtls_md_update(&ctx, parts[i].p, parts[i].n);
	if (!ret)
		ret = mbedtls_md_finish(&ctx, out);
	mbedtls_md_free(&ctx);
	return ret ? -1 : 0;
}

int dv_random(struct devemu *d, uint8_t *p, size_t n)
{
	return mbedtls_ctr_drbg_random(&d->drbg, p, n) ? -1 : 0;
}

void dv_version_digits(const struct devemu *d, char *p)
{
	p[0] = (char)('0' + (d->version >> 4));
	p[1] = '.';
	p[2] = (char)('0' + (d->version & 0xf));
}

size_t dv_context_len(const struct devemu *d)
{
	return d->version >= V13 ? 8 : 0;
}

int dv_sign(struct devemu *d, const char *context, const uint8_t *th, uint8_t *sig)
{
	uint8_t msg[100 + 64], h[64];
	size_t cl = strlen(context), half = d->siglen / 2;
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(d->key);
	mbedtls_mpi r, s;
	int ret;

	/* DSP0274 "Signature generation": "dmtf-spdm-v1.x.*" x4, zero pad, context, hash. */
	for (int i = 0; i < 4; i++) {
		memcpy(msg + 16 * i, "dmtf-spdm-v1.2.*", 16);
		dv_version_digits(d, (char *)msg + 16 * i + 11);
	}
	memset(msg + 64, 0, 36 - cl);
	memcpy(msg + 100 - cl, context, cl);
	memcpy(msg + 100, th, d->hlen);
	if (dv_hash(d, (struct part[]){ { msg, 100 + d->hlen } }, 1, h))
		return -1;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	ret = mbedtls_ecdsa_sign(&kp->grp, &r, &s, &kp->d, h, d->hlen, mbedtls_ctr_drbg_random,
				 &d->drbg) ||
	      mbedtls_mpi_write_binary(&r, sig, half) ||
	      mbedtls_mpi_write_binary(&s, sig + half, half);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret ? -1 : 0;
}

size_t dv_error(const struct devemu *d, uint8_t *rsp, uint8_t code, uint8_t data)
{
	rsp[0] = d->version ? d->version : V10;
	rsp[1] = 0x7f;
	rsp[2] = code;
	rsp[3] = data;
	return 4;
}

/* VERSION: reserved, count, then one u16 per version (major << 12 | minor << 8). */
static size_t dv_version(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	size_t n = 6;

	(void)qlen;
	devemu_reset(d);
	memcpy(rsp, (uint8_t[]){ V10, 0x04, 0, 0, 0, 0 }, 6);
	for (unsigned m = 0; m < 16; m++) {
		if (!(d->opt.spdm & (1u << m)))
			continue;
		wr16(rsp + n, (uint16_t)(0x1000 | m << 8));
		n += 2;
		rsp[5]++;
	}
	if (buf_add(&d->vca, q, 4) || buf_add(&d->vca, rsp, n))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	return n;
}

/* CERT, CHAL, MEAS (signed, fresh), ENCRYPT, MAC, KEY_EX, HBEAT, KEY_UPD. */
#define RSP_CAPS                                                                             \
	((1u << 1) | (1u << 2) | (2u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 9) | \
	 (1u << 13) | (1u << 14))

static bool dv_offers_chunk(const struct devemu *d)
{
	return d->opt.chunk || d->opt.dts < DEVEMU_DTS_DEFAULT;
}

/* The version comes with GET_CAPABILITIES: one we listed (DSP0274 "GET_CAPABILITIES"). */
static size_t dv_capabilities(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	uint8_t v = q[0];

	if (d->vca.len < 8 || d->version || (v >> 4) != 1 || !(d->opt.spdm & (1u << (v & 0xf))))
		return dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	d->version = v;
	if (qlen < 20)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	d->req_caps = rd32(q + 8);
	d->req_dts = rd32(q + 12);
	d->chunk = dv_offers_chunk(d) && (d->req_caps & CAP_CHUNK);
	memset(rsp, 0, 20);
	rsp[0] = d->version;
	rsp[1] = 0x61;
	rsp[5] = 12; /* CTExponent: 4 ms */
	wr32(rsp + 8, RSP_CAPS | (dv_offers_chunk(d) ? CAP_CHUNK : 0));
	wr32(rsp + 12, d->opt.dts);
	wr32(rsp + 16, dv_offers_chunk(d) ? MSG_MAX : d->opt.dts);
	if (buf_add(&d->vca, q, 20) || buf_add(&d->vca, rsp, 20))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	return 20;
}

/* The hash devemu uses: its option, or the key's curve's; 0 if the offer lacks it. */
static size_t dv_pick_hash(const struct devemu *d, uint32_t offer, uint32_t *bit)
{
	unsigned want = d->opt.hash ? d->opt.hash : d->curve_bits == 384 ? 384 : 256;

	*bit = want == 512 ? 0x4 : want == 384 ? 0x2 : 0x1;
	return (offer & *bit) ? want / 8 : 0;
}

/* Picks from the requester's offer what matches our key: P-384 -> secp384r1, AES-256 etc. */
static int dv_select(struct devemu *d, const uint8_t *q, size_t len)
{
	bool big = d->curve_bits == 384;
	uint32_t asym = big ? 0x80 : 0x10, hash;
	uint16_t dhe = big ? 0x10 : 0x8, aead = big ? 0x2 : 0x1;
	size_t off = 32 + 4 * (size_t)q[28] + 4 * (size_t)q[29], hlen;
	uint8_t have = 0;

	hlen = dv_pick_hash(d, rd32(q + 12), &hash);
	if (!(rd32(q + 8) & asym) || !hlen)
		return -1;
	for (unsigned i = 0; i < q[2]; i++, off += 4) {
		if (off + 4 > len)
			return -1;
		uint16_t sup = rd16(q + off + 2);
		if (q[off] == 2 && (sup & dhe))
			have |= 1;
		if (q[off] == 3 && (sup & aead))
			have |= 2;
		if (q[off] == 5 && (sup & 1))
			have |= 4;
	}
	if (have != 7)
		return -1;
	d->asym_alg = asym;
	d->hash_alg = hash;
	d->dhe_alg = dhe;
	d->aead_alg = aead;
	d->hlen = hlen;
	d->siglen = big ? 96 : 64;
	d->dhelen = big ? 96 : 64;
	d->keylen = big ? 32 : 16;
	return 0;
}

static size_t dv_put_alg(uint8_t *p, uint8_t type, uint16_t sel)
{
	p[0] = type;
	p[1] = 0x20;
	wr16(p + 2, sel);
	return 4;
}

/* ALGORITHMS (DSP0274 1.2/1.3): fixed 36 bytes (MeasurementHashAlgo at 8, BaseAsymSel 12,
 * BaseHashSel 16, 1.3 MELSpecificationSel 31 left 0), then the AlgStruct selections. */
static size_t dv_algorithms(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	size_t n = 36;

	if (qlen < 32 || rd16(q + 4) > qlen || rd16(q + 4) < 32 || d->vca.len < 48 || d->hlen)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	qlen = rd16(q + 4);
	if (dv_select(d, q, qlen))
		return dv_error(d, rsp, ERR_UNSUPPORTED_REQUEST, 0);
	memset(rsp, 0, 36);
	rsp[0] = d->version;
	rsp[1] = 0x63;
	rsp[2] = 3;
	rsp[6] = 1;   /* DMTF measurement specification */
	rsp[7] = 0x2; /* opaque data format 1 */
	/* measurement hash: the base hash's (SHA-256 2h, SHA-384 4h, SHA-512 8h) */
	wr32(rsp + 8, d->hlen == 64 ? 0x8 : d->hlen == 48 ? 0x4 : 0x2);
	wr32(rsp + 12, d->asym_alg);
	wr32(rsp + 16, d->hash_alg);
	n += dv_put_alg(rsp + n, 2, d->dhe_alg);
	n += dv_put_alg(rsp + n, 3, d->aead_alg);
	n += dv_put_alg(rsp + n, 5, 1);
	wr16(rsp + 4, (uint16_t)n);
	if (buf_add(&d->vca, q, qlen) || buf_add(&d->vca, rsp, n) || dv_build_chain(d))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	if (d->fault == DEVEMU_FAULT_TRUNCATED)
		return n - 8;
	return n;
}

/* ERROR(ResponseNotReady) with its extended data (DSP0274 "ResponseNotReady"). */
static size_t dv_not_ready_rsp(struct devemu *d, uint8_t code, uint8_t *rsp)
{
	bool slow = d->fault == DEVEMU_FAULT_SLOW;

	dv_error(d, rsp, ERR_RESPONSE_NOT_READY, 0);
	/* RDT exponent: 4 s (slow), 64 ms (a TDI locking/starting/stopping), else 1 ms */
	rsp[4] = slow ? 22 : code == 0xfe ? 16 : 10;
	rsp[5] = code;
	rsp[6] = d->pending_token;
	rsp[7] = slow ? 8 : 2;
	return 8;
}

/*
 * ResponseNotReady for KEY_EXCHANGE under the slow / not-ready-once faults, and for the TDISP
 * requests that make a device work (lock, start, stop) when DEVEMU_TDISP asks for not_ready.
 */
static bool dv_not_ready(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp, size_t *n,
			 bool secured)
{
	bool kx = q[1] == 0xe4 &&
		  (d->fault == DEVEMU_FAULT_SLOW || d->fault == DEVEMU_FAULT_NOT_READY_ONCE);
	bool tdisp = secured && devemu_tdisp_not_ready(q, qlen);

	if (d->pending || (!kx && !tdisp))
		return false;
	buf_clear(&d->pending_req);
	if (buf_add(&d->pending_req, q, qlen))
		return false;
	d->pending = true;
	d->pending_token = 0x5a;
	*n = dv_not_ready_rsp(d, q[1], rsp);
	return true;
}

static size_t dv_dispatch(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp,
			  bool secured)
{
	bool auth = d->hlen != 0;

	switch (q[1]) {
	case 0xe1: return dv_capabilities(d, q, qlen, rsp);
	case 0xe3: return dv_algorithms(d, q, qlen, rsp);
	case 0x81:
		return auth ? dv_digests(d, q, rsp) : dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	case 0x82:
		return auth ? dv_certificate(d, q, qlen, rsp)
			    : dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	case 0x83:
		return auth && !secured ? dv_challenge(d, q, qlen, rsp)
					: dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	case 0xe0:
		return auth ? dv_measurements(d, q, qlen, rsp)
			    : dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	case 0xe4:
		return auth && !secured ? dv_key_exchange(d, q, qlen, rsp)
					: dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	case 0xe5:
		return secured ? dv_finish(d, q, qlen, rsp)
			       : dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	case 0xe8:
	case 0xe9:
	case 0xec:
	case 0xfe:
		return secured ? dv_session_msg(d, q, qlen, rsp)
			       : dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	default: return dv_error(d, rsp, ERR_UNSUPPORTED_REQUEST, 0);
	}
}

static size_t dv_respond_if_ready(struct devemu *d, const uint8_t *q, uint8_t *rsp, bool secured)
{
	if (!d->pending || q[2] != d->pending_req.p[1] || q[3] != d->pending_token)
		return dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	/* Only the not-ready-once fault ever becomes ready. */
	if (d->fault == DEVEMU_FAULT_SLOW)
		return dv_not_ready_rsp(d, q[2], rsp);
	if (d->fault == DEVEMU_FAULT_NOT_READY_ONCE)
		d->fault = DEVEMU_FAULT_NONE;
	d->pending = false;
	return dv_maybe_large(d, d->pending_req.p, rsp,
			      dv_dispatch(d, d->pending_req.p, d->pending_req.len, rsp, secured));
}

size_t dv_handle(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp, bool secured)
{
	size_t n;

	if (qlen < 4)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	if (q[1] == 0x84 && !secured)
		return q[0] == V10 ? dv_version(d, q, qlen, rsp)
				   : dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	if (q[1] == 0xe1 && !secured)
		return dv_capabilities(d, q, qlen, rsp);
	if (!d->version || q[0] != d->version)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	if (secured && d->ntrace < sizeof(d->trace) / sizeof(d->trace[0]) && q[1] != 0x85 &&
	    q[1] != 0x86 && q[1] != 0xff)
		d->trace[d->ntrace++] = q[1];
	if (q[1] == 0x85)
		return dv_chunk_send(d, q, qlen, rsp, secured);
	if (q[1] == 0x86)
		return dv_chunk_get(d, q, qlen, rsp);
	if (q[1] == 0xff)
		return dv_respond_if_ready(d, q, rsp, secured);
	if (dv_not_ready(d, q, qlen, rsp, &n, secured))
		return n;
	return dv_maybe_large(d, q, rsp, dv_dispatch(d, q, qlen, rsp, secured));
}

static int dv_wrap(uint8_t type, const uint8_t *msg, size_t n, uint8_t *out, size_t cap,
		   size_t *olen)
{
	size_t padded = (n + 3) & ~(size_t)3;

	if (8 + padded > cap)
		return -1;
	wr16(out, 1);
	out[2] = type;
	out[3] = 0;
	wr32(out + 4, (uint32_t)(2 + padded / 4));
	memcpy(out + 8, msg, n);
	memset(out + 8 + n, 0, padded - n);
	*olen = 8 + padded;
	return 0;
}

int devemu_doe(struct devemu *d, const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
	       size_t *olen)
{
	static uint8_t msg[MSG_MAX + 64], rsp[MSG_MAX + 64], rec[MSG_MAX + 128];
	size_t dw, plen, n, mlen, rlen;
	uint8_t code;

	if (len < 8 || rd16(obj) != 1 || (obj[2] != 1 && obj[2] != 2))
		return -1;
	dw = rd32(obj + 4) & 0x3ffff;
	if (dw < 2 || dw * 4 > len)
		return -1;
	plen = dw * 4 - 8;
	if (obj[2] == 1) {
		n = dv_handle(d, obj + 8, plen < MSG_MAX ? plen : MSG_MAX, rsp, false);
		return dv_wrap(1, rsp, n, out, cap, olen);
	}
	if (dv_record_open(d, obj + 8, plen, msg, &mlen, &code)) {
		/* DSP0277: a record that fails to decrypt ends the session. */
		n = dv_error(d, rsp, code, 0);
		dv_session_drop(d);
		return dv_wrap(1, rsp, n, out, cap, olen);
	}
	n = dv_handle(d, msg, mlen, rsp, true);
	if (d->fault == DEVEMU_FAULT_REPLAY && msg[1] == 0xe8 && d->last_record.len)
		return dv_wrap(2, d->last_record.p, d->last_record.len, out, cap, olen);
	if (d->fault == DEVEMU_FAULT_REORDER && msg[1] == 0xe8)
		d->rsp.seq++; /* as if a record had been lost or sent out of order */
	if (dv_record_seal(d, rsp, n, rec, &rlen))
		return -1;
	dv_session_after_send(d);
	return dv_wrap(2, rec, rlen, out, cap, olen);
}

static int dv_read_file(const char *dir, const char *name, struct devemu_buf *b)
{
	char path[512];
	uint8_t tmp[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(b, tmp, n)) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

/* The PKI's certificates, DER: root, then intermediate and leaf (the chain is built once the
 * hash is negotiated, dv_build_chain()). */
static int dv_load_certs(struct devemu *d, const char *dir, const char *prefix, const char *leaf)
{
	static const char *const names[3] = { "root.der", "inter.der", "leaf.der" };
	char name[64];

	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s%s", i == 2 ? leaf : prefix, names[i]);
		if (dv_read_file(dir, name, i == 0 ? &d->root : &d->certs))
			return -1;
	}
	return d->root.len + d->certs.len + 4 + 64 > 0xffff ? -1 : 0;
}

static void dv_default_opts(struct devemu_opts *o)
{
	if (!o->spdm)
		o->spdm = 1u << 2; /* 1.2 */
	if (!o->sm)
		o->sm = 1u << 1; /* 1.1 */
	if (!o->dts)
		o->dts = DEVEMU_DTS_DEFAULT;
}

int devemu_init(struct devemu *d, const char *dir, enum devemu_fault fault)
{
	const char *prefix = fault == DEVEMU_FAULT_ROGUE_CHAIN ? "rogue_" : "";
	struct devemu_opts opt = d->opt; /* set by the caller before init, or zero */
	char path[512], leaf[40];

	memset(d, 0, sizeof(*d));
	d->opt = opt;
	dv_default_opts(&d->opt);
	d->fault = fault;
	mbedtls_pk_init(&d->key);
	mbedtls_entropy_init(&d->entropy);
	mbedtls_ctr_drbg_init(&d->drbg);
	if (mbedtls_ctr_drbg_seed(&d->drbg, mbedtls_entropy_func, &d->entropy,
				  (const unsigned char *)"devemu", 6))
		return -1;
	snprintf(leaf, sizeof(leaf), "%s%s", d->opt.leaf ? d->opt.leaf : prefix,
		 d->opt.leaf ? "_" : "");
	snprintf(path, sizeof(path), "%s/%sleaf.key", dir, leaf);
	if (mbedtls_pk_parse_keyfile(&d->key, path, NULL) ||
	    mbedtls_pk_get_type(&d->key) != MBEDTLS_PK_ECKEY)
		return -1;
	d->curve_bits = (int)mbedtls_pk_get_bitlen(&d->key);
	if (d->curve_bits != 256 && d->curve_bits != 384)
		return -1;
	if (d->opt.dts < 42 || d->opt.dts > MSG_MAX)
		return -1;
	return dv_load_certs(d, dir, prefix, leaf);
}

void devemu_reset(struct devemu *d)
{
	dv_session_drop(d);
	buf_clear(&d->vca);
	buf_clear(&d->b);
	buf_clear(&d->m);
	buf_clear(&d->chain);
	buf_clear(&d->rx.msg);
	buf_clear(&d->tx.msg);
	d->rx.active = d->tx.active = false;
	d->version = 0;
	d->hlen = 0;
	d->chunk = false;
	d->pending = false;
	d->ide_go_seen = 0;
}

void devemu_free(struct devemu *d)
{
	devemu_reset(d);
	buf_free(&d->root);
	buf_free(&d->certs);
	buf_free(&d->chain);
	buf_free(&d->vca);
	buf_free(&d->b);
	buf_free(&d->m);
	buf_free(&d->k);
	buf_free(&d->f);
	buf_free(&d->last_record);
	buf_free(&d->pending_req);
	buf_free(&d->rx.msg);
	buf_free(&d->tx.msg);
	mbedtls_pk_free(&d->key);
	mbedtls_ctr_drbg_free(&d->drbg);
	mbedtls_entropy_free(&d->entropy);
}
