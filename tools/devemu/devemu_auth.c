// SPDX-License-Identifier: MIT
/*
 * devemu's authentication responses (DSP0274 1.2/1.3): DIGESTS, CERTIFICATE in portions,
 * CHALLENGE_AUTH and MEASUREMENTS, signed over whole transcript buffers. SPDM 1.3 requests carry
 * an 8-byte RequesterContext that the response repeats before its signature.
 */
#include <string.h>

#include "devemu_int.h"

/* SPDM certificate chain (DSP0274 "Certificate chain format"): Length | 0 | Hash(root) |
 * root .. leaf, the root hash in the negotiated algorithm. */
int dv_build_chain(struct devemu *d)
{
	uint8_t hdr[4 + 64] = { 0 };
	size_t total = 4 + d->hlen + d->root.len + d->certs.len;

	buf_clear(&d->chain);
	if (total > 0xffff || dv_hash(d, (struct part[]){ { d->root.p, d->root.len } }, 1, hdr + 4))
		return -1;
	wr16(hdr, (uint16_t)total);
	return buf_add(&d->chain, hdr, 4 + d->hlen) || buf_add(&d->chain, d->root.p, d->root.len) ||
	       buf_add(&d->chain, d->certs.p, d->certs.len);
}

size_t dv_digests(struct devemu *d, const uint8_t *q, uint8_t *rsp)
{
	struct devemu_buf *c = &d->chain;

	rsp[0] = d->version;
	rsp[1] = 0x01;
	rsp[2] = d->version >= V13 ? 0x01 : 0; /* 1.3: supported slots */
	rsp[3] = 0x01;			       /* slot 0 provisioned */
	if (dv_hash(d, (struct part[]){ { c->p, c->len } }, 1, rsp + 4))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	size_t n = 4 + d->hlen;
	if (buf_add(&d->b, q, 4) || buf_add(&d->b, rsp, n))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	if (d->fault == DEVEMU_FAULT_OVERSIZED) {
		memset(rsp + n, 0xee, 16);
		return n + 16;
	}
	return n;
}

/* The portion is what the request asks, at most what one message of ours carries. */
size_t dv_certificate(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	struct devemu_buf *c = &d->chain;
	size_t off, want, portion, limit = d->opt.dts;

	if (qlen < 8 || (q[2] & 0xf) != 0)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	off = rd16(q + 4);
	want = rd16(q + 6);
	if (off > c->len)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	if (d->req_dts && d->req_dts < limit)
		limit = d->req_dts;
	portion = want;
	if (portion > limit - 8)
		portion = limit - 8;
	if (portion > c->len - off)
		portion = c->len - off;
	rsp[0] = d->version;
	rsp[1] = 0x02;
	rsp[2] = 0;
	rsp[3] = 0;
	wr16(rsp + 4, (uint16_t)portion);
	wr16(rsp + 6, (uint16_t)(c->len - off - portion));
	memcpy(rsp + 8, c->p + off, portion);
	if (buf_add(&d->b, q, 8) || buf_add(&d->b, rsp, 8 + portion))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	return 8 + portion;
}

/* CHALLENGE: header, Nonce (32), (1.3) RequesterContext (8). CHALLENGE_AUTH: header,
 * CertChainHash, Nonce, (no summary hash), OpaqueLength 0, (1.3) RequesterContext, Signature. */
size_t dv_challenge(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	struct devemu_buf *c = &d->chain;
	size_t qn = 36 + dv_context_len(d), n;
	uint8_t th[64];

	if (qlen < qn || q[2] != 0 || q[3] != 0)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	rsp[0] = d->version;
	rsp[1] = 0x03;
	rsp[2] = 0;
	rsp[3] = 0x01;
	n = 4;
	if (dv_hash(d, (struct part[]){ { c->p, c->len } }, 1, rsp + n))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	n += d->hlen;
	if (dv_random(d, rsp + n, 32))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	n += 32;
	wr16(rsp + n, 0); /* no opaque data */
	n += 2;
	memcpy(rsp + n, q + 36, dv_context_len(d));
	n += dv_context_len(d);
	/* M1 = VCA || message_b || CHALLENGE || CHALLENGE_AUTH without the signature. */
	if (dv_hash(d,
		    (struct part[]){
			    { d->vca.p, d->vca.len }, { d->b.p, d->b.len }, { q, qn }, { rsp, n } },
		    4, th) ||
	    dv_sign(d, "responder-challenge_auth signing", th, rsp + n))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	if (d->fault == DEVEMU_FAULT_BAD_SIGNATURE)
		rsp[n + 5] ^= 0x40;
	buf_clear(&d->b);
	return n + d->siglen;
}

/* Three DMTF measurement blocks: firmware digest, configuration digest, version string. */
static size_t dv_meas_record(struct devemu *d, uint8_t *p)
{
	static const char *const vals[3] = { "devemu firmware image", "devemu configuration",
					     "devemu 1.0" };
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		bool raw = i == 2;
		size_t vl = raw ? strlen(vals[i]) : d->hlen;
		p[n] = (uint8_t)(i + 1);
		p[n + 1] = 1;
		wr16(p + n + 2, (uint16_t)(3 + vl));
		p[n + 4] = raw ? (uint8_t)(0x80 | 6) : (uint8_t)(i == 0 ? 1 : 3);
		wr16(p + n + 5, (uint16_t)vl);
		if (raw)
			memcpy(p + n + 7, vals[i], vl);
		else
			dv_hash(d, (struct part[]){ { vals[i], strlen(vals[i]) } }, 1, p + n + 7);
		n += 7 + vl;
	}
	return n;
}

/* GET_MEASUREMENTS: header, with a signature Nonce (32) and SlotIDParam, (1.3, always)
 * RequesterContext. MEASUREMENTS: header, NumberOfBlocks, u24 length, record, Nonce,
 * OpaqueLength, (1.3) RequesterContext, Signature. */
size_t dv_measurements(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp)
{
	bool sign = q[2] & 1;
	size_t ctx = dv_context_len(d), qn = (sign ? 37 : 4) + ctx, n, rec;
	uint8_t th[64], fake[64];

	if (qlen < qn || q[3] != 0xff)
		return dv_error(d, rsp, ERR_INVALID_REQUEST, 0);
	if (d->fault == DEVEMU_FAULT_ERROR)
		return dv_error(d, rsp, ERR_UNEXPECTED_REQUEST, 0);
	rsp[0] = d->version;
	rsp[1] = 0x60;
	rsp[2] = 0;
	rsp[3] = 0;
	rsp[4] = 3;
	rec = dv_meas_record(d, rsp + 8);
	rsp[5] = (uint8_t)rec;
	rsp[6] = (uint8_t)(rec >> 8);
	rsp[7] = 0;
	n = 8 + rec;
	if (dv_random(d, rsp + n, 32))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	n += 32;
	wr16(rsp + n, 0);
	n += 2;
	memcpy(rsp + n, q + qn - ctx, ctx);
	n += ctx;
	if (!sign)
		return buf_add(&d->m, q, qn) || buf_add(&d->m, rsp, n)
			       ? dv_error(d, rsp, ERR_UNSPECIFIED, 0)
			       : n;
	/* The wrong-nonce fault signs as if the request had carried a stale nonce. */
	memcpy(fake, q, qn);
	if (d->fault == DEVEMU_FAULT_WRONG_NONCE)
		memset(fake + 4, 0x5a, 32);
	if (dv_hash(d,
		    (struct part[]){ { d->vca.p, d->vca.len },
				     { d->m.p, d->m.len },
				     { fake, qn },
				     { rsp, n } },
		    4, th) ||
	    dv_sign(d, "responder-measurements signing", th, rsp + n))
		return dv_error(d, rsp, ERR_UNSPECIFIED, 0);
	buf_clear(&d->m);
	return n + d->siglen;
}
