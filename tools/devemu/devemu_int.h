/* SPDX-License-Identifier: MIT */
/* devemu internals shared by its sources. */
#ifndef DEVEMU_INT_H
#define DEVEMU_INT_H

#include "devemu.h"

#define V10 0x10
#define V13 0x13
#define ERR_INVALID_REQUEST 0x01
#define ERR_UNEXPECTED_REQUEST 0x04
#define ERR_UNSPECIFIED 0x05
#define ERR_DECRYPT 0x06
#define ERR_UNSUPPORTED_REQUEST 0x07
#define ERR_LARGE_RESPONSE 0x0f
#define ERR_RESPONSE_NOT_READY 0x42
#define MSG_MAX DEVEMU_MSG_MAX
#define CAP_CHUNK (1u << 17)

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

int buf_add(struct devemu_buf *b, const void *p, size_t n);
void buf_clear(struct devemu_buf *b);
void buf_free(struct devemu_buf *b);

struct part {
	const void *p;
	size_t n;
};
/* Hash of the concatenation of parts with the negotiated hash. */
int dv_hash(struct devemu *d, const struct part *parts, unsigned n, uint8_t *out);
/* DSP0274 1.2/1.3 signature over the transcript digest (prefix, context). */
int dv_sign(struct devemu *d, const char *context, const uint8_t *th, uint8_t *sig);
int dv_random(struct devemu *d, uint8_t *p, size_t n);
size_t dv_error(const struct devemu *d, uint8_t *rsp, uint8_t code, uint8_t data);
/* The version string digits of the negotiated version ("1.2"), as DSP0274 puts them in
 * "dmtf-spdm-v1.2.*" and "spdm1.2 ". */
void dv_version_digits(const struct devemu *d, char *p);
/* Bytes of the 1.3 RequesterContext (0 before 1.3). */
size_t dv_context_len(const struct devemu *d);

/* devemu_auth.c: DIGESTS, CERTIFICATE, CHALLENGE_AUTH, MEASUREMENTS. */
size_t dv_digests(struct devemu *d, const uint8_t *q, uint8_t *rsp);
size_t dv_certificate(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
size_t dv_challenge(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
size_t dv_measurements(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
int dv_build_chain(struct devemu *d);

/* devemu_chunk.c: CHUNK_SEND, CHUNK_GET, LargeResponse. */
size_t dv_chunk_send(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp, bool secured);
size_t dv_chunk_get(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
/* A response bigger than the requester takes becomes ERROR(LargeResponse), kept for CHUNK_GET. */
size_t dv_maybe_large(struct devemu *d, const uint8_t *q, uint8_t *rsp, size_t n);

/* devemu_tdisp.c: PCI-SIG vendor-defined messages (TDISP, IDE_KM); 0 if not PCI-SIG. */
size_t devemu_pcisig_vdm(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
/* DEVEMU_TDISP not_ready: the TDISP request must first be answered ResponseNotReady. */
bool devemu_tdisp_not_ready(const uint8_t *q, size_t qlen);

/* devemu_sess.c */
size_t dv_key_exchange(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
size_t dv_finish(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
size_t dv_session_msg(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp);
int dv_record_open(struct devemu *d, const uint8_t *rec, size_t len, uint8_t *msg, size_t *mlen,
		   uint8_t *err_code);
int dv_record_seal(struct devemu *d, const uint8_t *msg, size_t mlen, uint8_t *rec, size_t *rlen);
void dv_session_drop(struct devemu *d);
/* Key switches that take effect after a response is sealed (FINISH_RSP, END_SESSION_ACK). */
void dv_session_after_send(struct devemu *d);
/* devemu_core.c */
size_t dv_handle(struct devemu *d, const uint8_t *q, size_t qlen, uint8_t *rsp, bool secured);

#endif
