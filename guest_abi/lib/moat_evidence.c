// SPDX-License-Identifier: MIT
/*
 * The checker of struct moat_ev_meas (guest_abi/moat_evidence.h). Message layouts from DSP0274
 * 1.2 and 1.3: VERSION, GET_CAPABILITIES/CAPABILITIES, NEGOTIATE_ALGORITHMS and ALGORITHMS
 * (u16 Length at offset 4; the selections at 8, 12, 16), GET_MEASUREMENTS and MEASUREMENTS
 * (1.3 adds an 8-byte RequesterContext to the request, which the response repeats before its
 * signature). Every length is checked in 64-bit arithmetic against what is left before it is
 * used, so no input can read outside the blob.
 */
#include "guest_abi/moat_evidence.h"

#define SPDM_V10 0x10
#define SPDM_V12 0x12
#define SPDM_V13 0x13
#define NONCE_LEN 32
#define CONTEXT_LEN 8 /* SPDM 1.3 RequesterContext */

static uint32_t ld16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t ld32(const uint8_t *p)
{
	return ld16(p) | ld16(p + 2) << 16;
}

/* A part [off, off + len) inside [lo, hi): returns its end, or 0 if it is not. */
static uint64_t ev_part_end(const struct moat_ev_part *p, uint64_t lo, uint64_t hi)
{
	uint64_t end = (uint64_t)p->off + p->len;

	return p->off >= lo && end <= hi ? end : 0;
}

static int ev_layout(const struct moat_ev_meas *h, size_t len)
{
	uint64_t total = h->total;

	if (h->size < MOAT_EV_MEAS_SIZE || h->version != MOAT_EV_MEAS_VERSION || h->reserved[0] ||
	    h->reserved[1])
		return MOAT_EV_E_HEADER;
	if (total > len)
		return MOAT_EV_E_SHORT;
	if (total < h->size || h->vca.off != h->size)
		return MOAT_EV_E_LAYOUT;
	/* VCA, request, response back to back up to `total`; the signature ends the response. */
	if (ev_part_end(&h->vca, h->size, total) != h->req.off ||
	    ev_part_end(&h->req, h->size, total) != h->rsp.off ||
	    ev_part_end(&h->rsp, h->size, total) != total ||
	    ev_part_end(&h->sig, h->rsp.off, total) != total)
		return MOAT_EV_E_LAYOUT;
	return MOAT_EV_OK;
}

/* Sizes of the algorithms Moat negotiates: ECDSA P-256/P-384 (r || s), SHA-256/384/512. */
static int ev_algos(const struct moat_ev_meas *h, struct moat_ev_meas_view *v)
{
	uint32_t sig = h->base_asym == 0x80 ? 96 : h->base_asym == 0x10 ? 64 : 0;

	v->hash_len = h->base_hash == 0x4   ? 64
		      : h->base_hash == 0x2 ? 48
		      : h->base_hash == 0x1 ? 32
					    : 0;
	if (!sig || !v->hash_len || h->sig.len != sig || !h->meas_hash ||
	    (h->meas_hash & (h->meas_hash - 1)))
		return MOAT_EV_E_ALGO;
	return MOAT_EV_OK;
}

/* One VCA message at *off of `code` and `len` bytes (the caller checked len >= 4 fits). */
static int ev_vca_msg(const uint8_t *m, uint32_t vlen, uint32_t *off, uint8_t ver, uint8_t code,
		      uint64_t len)
{
	if (len < 4 || len > vlen - *off || m[*off] != ver || m[*off + 1] != code)
		return MOAT_EV_E_VCA;
	*off += (uint32_t)len;
	return MOAT_EV_OK;
}

/* A message whose length is in its u16 at offset 4 (NEGOTIATE_ALGORITHMS, ALGORITHMS). */
static uint64_t ev_len16(const uint8_t *m, uint32_t vlen, uint32_t off, uint64_t min)
{
	uint64_t n;

	if (vlen - off < 6)
		return 0;
	n = ld16(m + off + 4);
	return n >= min ? n : 0;
}

/* GET_VERSION and VERSION in 1.0, the rest in the negotiated version `ver`. */
static int ev_vca(const uint8_t *m, uint32_t vlen, uint8_t ver, struct moat_ev_meas_view *v)
{
	uint32_t off = 0, alg;
	int err;

	if ((err = ev_vca_msg(m, vlen, &off, SPDM_V10, 0x84, 4)))
		return err;
	if (vlen - off < 6)
		return MOAT_EV_E_VCA;
	if ((err = ev_vca_msg(m, vlen, &off, SPDM_V10, 0x04, 6 + 2 * (uint64_t)m[off + 5])) ||
	    (err = ev_vca_msg(m, vlen, &off, ver, 0xe1, 20)) ||
	    (err = ev_vca_msg(m, vlen, &off, ver, 0x61, 20)) ||
	    (err = ev_vca_msg(m, vlen, &off, ver, 0xe3, ev_len16(m, vlen, off, 32))))
		return err;
	alg = off;
	if ((err = ev_vca_msg(m, vlen, &off, ver, 0x63, ev_len16(m, vlen, off, 36))))
		return err;
	if (off != vlen)
		return MOAT_EV_E_VCA;
	v->meas_hash = ld32(m + alg + 8);
	v->base_asym = ld32(m + alg + 12);
	v->base_hash = ld32(m + alg + 16);
	return MOAT_EV_OK;
}

static uint32_t ev_context_len(const struct moat_ev_meas *h)
{
	return h->spdm_version >= SPDM_V13 ? CONTEXT_LEN : 0;
}

/* GET_MEASUREMENTS, signature requested: header, Nonce[32], SlotIDParam, (1.3) RequesterContext. */
static int ev_request(const struct moat_ev_meas *h, struct moat_ev_meas_view *v)
{
	const uint8_t *q = v->req;

	if (v->req_len != 4 + NONCE_LEN + 1 + ev_context_len(h) || q[0] != h->spdm_version ||
	    q[1] != 0xe0 || !(q[2] & 1) || (q[4 + NONCE_LEN] & 0xf) != h->slot)
		return MOAT_EV_E_REQUEST;
	v->nonce = q + 4;
	return MOAT_EV_OK;
}

/* MEASUREMENTS: header, NumberOfBlocks, u24 RecordLength, record, Nonce, u16 OpaqueLength,
 * opaque, (1.3) the request's RequesterContext, then the signature (already split off). */
static int ev_response(const struct moat_ev_meas *h, struct moat_ev_meas_view *v)
{
	const uint8_t *r = v->rsp;
	uint64_t body = (uint64_t)v->rsp_len - v->sig_len, rec, opq, ctx = ev_context_len(h);

	if (body < 8 || r[0] != h->spdm_version || r[1] != 0x60 || (r[3] & 0xf) != h->slot)
		return MOAT_EV_E_RESPONSE;
	rec = (uint64_t)r[5] | (uint64_t)r[6] << 8 | (uint64_t)r[7] << 16;
	if (8 + rec + NONCE_LEN + 2 > body)
		return MOAT_EV_E_RESPONSE;
	opq = ld16(r + 8 + rec + NONCE_LEN);
	if (8 + rec + NONCE_LEN + 2 + opq + ctx != body)
		return MOAT_EV_E_RESPONSE;
	for (uint64_t i = 0; i < ctx; i++) /* the response names the request it answers */
		if (r[body - ctx + i] != v->req[4 + NONCE_LEN + 1 + i])
			return MOAT_EV_E_RESPONSE;
	v->record = r + 8;
	v->record_len = (uint32_t)rec;
	v->nblocks = r[4];
	return MOAT_EV_OK;
}

int moat_ev_meas_parse(const void *blob, size_t len, struct moat_ev_meas_view *v)
{
	const struct moat_ev_meas *h = blob;
	const uint8_t *b = blob;
	int err;

	if (len < MOAT_EV_MEAS_SIZE)
		return MOAT_EV_E_SHORT;
	if ((err = ev_layout(h, len)) || (err = ev_algos(h, v)))
		return err;
	if (h->spdm_version != SPDM_V12 && h->spdm_version != SPDM_V13)
		return MOAT_EV_E_HEADER;
	*v = (struct moat_ev_meas_view){ .hdr = h, .hash_len = v->hash_len };
	v->vca = b + h->vca.off;
	v->req = b + h->req.off;
	v->rsp = b + h->rsp.off;
	v->sig = b + h->sig.off;
	v->vca_len = h->vca.len;
	v->req_len = h->req.len;
	v->rsp_len = h->rsp.len;
	v->sig_len = h->sig.len;
	v->signed_data = v->vca;
	v->signed_len = h->sig.off - h->vca.off;
	if ((err = ev_vca(v->vca, v->vca_len, h->spdm_version, v)))
		return err;
	if (v->base_asym != h->base_asym || v->base_hash != h->base_hash ||
	    v->meas_hash != h->meas_hash)
		return MOAT_EV_E_ALGO;
	if ((err = ev_request(h, v)))
		return err;
	return ev_response(h, v);
}

void moat_ev_sign_prefix(uint8_t spdm_version, const char *context, uint8_t out[100])
{
	size_t cl = 0, i;

	while (context[cl] && cl < 36)
		cl++;
	for (i = 0; i < 4; i++) {
		const char *s = "dmtf-spdm-v1.2.*";
		for (size_t k = 0; k < 16; k++)
			out[16 * i + k] = (uint8_t)s[k];
		out[16 * i + 11] = (uint8_t)('0' + (spdm_version >> 4));
		out[16 * i + 13] = (uint8_t)('0' + (spdm_version & 0xf));
	}
	for (i = 64; i < 100 - cl; i++)
		out[i] = 0;
	for (i = 0; i < cl; i++)
		out[100 - cl + i] = (uint8_t)context[i];
}
