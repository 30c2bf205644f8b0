/* SPDX-License-Identifier: MIT */
/* devemu internals shared by its sources. */
#ifndef DEVEMU_INT_H
#define DEVEMU_INT_H

#include "devemu.h"

#define V12 0x12
#define ERR_INVALID_REQUEST 0x01
#define ERR_UNEXPECTED_REQUEST 0x04
#define ERR_UNSPECIFIED 0x05
#define ERR_DECRYPT 0x06
#define ERR_UNSUPPORTED_REQUEST 0x07
#define ERR_RESPONSE_NOT_READY 0x42
#define MSG_MAX 4096
#define RSP_DTS 1024 /* small on purpose: certificates come in several portions */

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
/* DSP0274 1.2 signature over the transcript digest (prefix, context). */
int dv_sign(struct devemu *d, const char *context, const uint8_t *th, uint8_t *sig);
int dv_random(struct devemu *d, uint8_t *p, size_t n);
size_t dv_error(uint8_t *rsp, uint8_t code, uint8_t data);

/* devemu_tdisp.c: PCI-SIG vendor-defined messages (TDISP, IDE_KM); 0 if not PCI-SIG. */
size_t devemu_pcisig_vdm(const uint8_t *q, size_t qlen, uint8_t *rsp);
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
