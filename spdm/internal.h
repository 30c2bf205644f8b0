/* SPDX-License-Identifier: MIT */
/* SPDM requester internals shared by the spdm/ sources. */
#ifndef SPDM_INTERNAL_H
#define SPDM_INTERNAL_H

#include "spdm/spdm.h"
#include "spdm/wire.h"

/* Request and response codes (DSP0274 1.2/1.3 "SPDM request and response codes"). */
#define SPDM_GET_DIGESTS 0x81
#define SPDM_GET_CERTIFICATE 0x82
#define SPDM_CHALLENGE 0x83
#define SPDM_GET_VERSION 0x84
#define SPDM_CHUNK_SEND 0x85
#define SPDM_CHUNK_GET 0x86
#define SPDM_GET_MEASUREMENTS 0xe0
#define SPDM_GET_CAPABILITIES 0xe1
#define SPDM_NEGOTIATE_ALGORITHMS 0xe3
#define SPDM_KEY_EXCHANGE 0xe4
#define SPDM_FINISH 0xe5
#define SPDM_HEARTBEAT 0xe8
#define SPDM_KEY_UPDATE 0xe9
#define SPDM_END_SESSION 0xec
#define SPDM_VENDOR_DEFINED_REQUEST 0xfe
#define SPDM_RESPOND_IF_READY 0xff
#define SPDM_ERROR 0x7f
/* A response code is the request code with bit 7 clear. */
#define SPDM_RSP(req) ((u8)((req)&0x7f))

/* ERROR codes (DSP0274 1.3 "ERROR response"). */
#define SPDM_ERR_INVALID_REQUEST 0x01
#define SPDM_ERR_INVALID_SESSION 0x02
#define SPDM_ERR_BUSY 0x03
#define SPDM_ERR_UNEXPECTED_REQUEST 0x04
#define SPDM_ERR_DECRYPT_ERROR 0x06
#define SPDM_ERR_UNSUPPORTED_REQUEST 0x07
#define SPDM_ERR_RESET_REQUIRED 0x0c
#define SPDM_ERR_LARGE_RESPONSE 0x0f
#define SPDM_ERR_MESSAGE_LOST 0x10
#define SPDM_ERR_VERSION_MISMATCH 0x41
#define SPDM_ERR_RESPONSE_NOT_READY 0x42
#define SPDM_ERR_REQUEST_RESYNCH 0x43
#define SPDM_ERR_SESSION_TERMINATED 0x46

/* CAPABILITIES flags (DSP0274 1.2/1.3 "CAPABILITIES flags"). */
#define SPDM_CAP_CERT BIT(1)
#define SPDM_CAP_CHAL BIT(2)
#define SPDM_CAP_MEAS_MASK (3u << 3)
#define SPDM_CAP_MEAS_SIG (2u << 3)
#define SPDM_CAP_MEAS_FRESH BIT(5)
#define SPDM_CAP_ENCRYPT BIT(6)
#define SPDM_CAP_MAC BIT(7)
#define SPDM_CAP_MUT_AUTH BIT(8)
#define SPDM_CAP_KEY_EX BIT(9)
#define SPDM_CAP_PSK_MASK (3u << 10)
#define SPDM_CAP_HBEAT BIT(13)
#define SPDM_CAP_KEY_UPD BIT(14)
#define SPDM_CAP_HANDSHAKE_CLEAR BIT(15)
#define SPDM_CAP_PUB_KEY_ID BIT(16)
#define SPDM_CAP_CHUNK BIT(17) /* 1.2 */

/* DSP0274 1.2: DataTransferSize must be at least 42 bytes. */
#define SPDM_MIN_DTS 42
/* Our CTExponent: 2^20 us (~1 s), the DOE object limit. */
#define SPDM_REQ_CT_EXP 20
/* ResponseNotReady: how many RESPOND_IF_READY rounds and how long in total we accept. */
#define SPDM_NOT_READY_TRIES 4
#define SPDM_NOT_READY_MAX_NS 2000000000ull
/* Chunks of one message: our largest message through the smallest legal DataTransferSize. */
#define SPDM_CHUNK_MAX_ROUNDS (SPDM_MSG_MAX / (SPDM_MIN_DTS - SPDM_CHUNK_FIRST_HDR_LEN) + 2)

/* Fails the connection: wipes state, records the reason, returns -E_*. */
int spdm_fail(struct spdm_conn *c, enum spdm_fail why, int err);

/*
 * Sends c->req[0..req_len) (in the session if c->in_session, else in the clear; in chunks if
 * larger than the responder takes) and receives the response into c->rsp, handling
 * ResponseNotReady and LargeResponse. The response must carry `want` (the response code) and
 * the negotiated version; ERROR fails the connection.
 */
int spdm_xfer(struct spdm_conn *c, size_t req_len, u8 want, size_t *rsp_len) __must_check;
/* The same, but inside a session an ERROR that does not end the session is a refusal of this
 * request: c->refusal is set, the connection kept, an error returned (spdm_refused()). */
int spdm_xfer_op(struct spdm_conn *c, size_t req_len, u8 want, size_t *rsp_len) __must_check;
/* The response must be exactly `need` bytes (up to transport padding when not secured). */
int spdm_rsp_exact(struct spdm_conn *c, size_t len, size_t need) __must_check;
/* One transport round trip of `req` (sealed/opened in a session) into c->rsp. */
int spdm_roundtrip(struct spdm_conn *c, const u8 *req, size_t req_len,
		   size_t *rsp_len) __must_check;
/* An ERROR code that ends the session (DSP0274, DSP0277) rather than refusing one request. */
bool spdm_error_ends_session(u8 code);

/* Chunking (spdm/spdm_chunk.c, DSP0274 1.2 "Large SPDM message transfer"). */
int spdm_chunk_send(struct spdm_conn *c, const u8 *msg, size_t len, size_t *rsp_len) __must_check;
int spdm_chunk_get(struct spdm_conn *c, u8 handle, size_t *rsp_len) __must_check;
/*
 * Parsers of one CHUNK_RESPONSE / CHUNK_SEND_ACK (untrusted; also fuzzed). A response adds its
 * chunk to the message being reassembled (`st`); every field is checked against the state.
 */
struct spdm_chunk_rx {
	u8 version, handle;
	u16 seq;	  /* the ChunkSeqNo expected next */
	u32 total;	  /* LargeMessageSize, from the first chunk */
	u32 got;	  /* bytes reassembled so far */
	u32 cap;	  /* room in `buf` (our MaxSPDMmsgSize) */
	size_t max_chunk; /* largest chunk a response of our DataTransferSize can carry */
	u8 *buf;
	bool last;
};
int spdm_chunk_rsp_parse(struct spdm_chunk_rx *st, const u8 *r, size_t len) __must_check;
/* CHUNK_SEND_ACK for chunk `seq` of `handle`; *response: its embedded response (last chunk). */
int spdm_chunk_ack_parse(u8 version, u8 handle, u16 seq, bool last, const u8 *r, size_t len,
			 const u8 **response, size_t *response_len) __must_check;

/* Secured-message version negotiation in the KEY_EXCHANGE opaque data (spdm/spdm_opaque.c). */
size_t spdm_opaque_sm_offer(u8 *p, size_t cap);
/* The VersionSelection in KEY_EXCHANGE_RSP's opaque data; -E_PROTO if malformed, -E_NOTSUP
 * with *selected set if it selects a version we did not offer. */
int spdm_opaque_sm_selection(const u8 *p, size_t len, u16 *selected) __must_check;

/* Crypto (spdm/spdm_crypto.c). */
int spdm_hash_setup(struct spdm_conn *c, mbedtls_md_context_t *ctx) __must_check;
int spdm_hash_fork(struct spdm_conn *c, mbedtls_md_context_t *dst,
		   mbedtls_md_context_t *src) __must_check;
/* Digest of the transcript so far, leaving `ctx` running. */
int spdm_hash_peek(struct spdm_conn *c, mbedtls_md_context_t *ctx, u8 *out) __must_check;
int spdm_hash(struct spdm_conn *c, const u8 *in, size_t len, u8 *out) __must_check;
int spdm_hmac(struct spdm_conn *c, const u8 *key, const u8 *in, size_t len, u8 *out) __must_check;
/* DSP0274 1.2/1.3 key schedule: HKDF-Expand(secret, BinConcat(len, label, ctx)). */
int spdm_hkdf_expand(struct spdm_conn *c, const u8 *secret, const char *label, const u8 *ctx,
		     size_t ctx_len, u8 *out, size_t out_len) __must_check;
/* Verifies a DSP0274 1.2/1.3 signature (prefix + context) over the transcript digest `th`. */
int spdm_verify_sig(struct spdm_conn *c, const char *context, const u8 *th,
		    const u8 *sig) __must_check;
/* ECDHE: our public key into `pub` (X||Y); then the shared secret with the peer's. */
int spdm_ecdh_begin(struct spdm_conn *c, mbedtls_ecp_group *grp, mbedtls_mpi *d,
		    u8 *pub) __must_check;
int spdm_ecdh_finish(struct spdm_conn *c, mbedtls_ecp_group *grp, mbedtls_mpi *d, const u8 *peer,
		     u8 *secret) __must_check;
/* AES-GCM seal/open with 12-byte IV and 16-byte tag. */
int spdm_aead(struct spdm_conn *c, bool seal, const u8 *key, const u8 *iv, const u8 *aad,
	      size_t aad_len, const u8 *in, size_t len, u8 *out, u8 *tag) __must_check;
int spdm_random(struct spdm_conn *c, u8 *out, size_t len) __must_check;

/* Certificate chain (spdm/spdm_cert.c). */
int spdm_chain_validate(struct spdm_conn *c) __must_check;

/* Secured messages (spdm/spdm_record.c). */
int spdm_record_seal(struct spdm_conn *c, const u8 *msg, size_t len, size_t *rec_len) __must_check;
/* Opens the record at rec[0, rec_len) in place: the plain message ends up at rec[0, *msg_len). */
int spdm_record_open(struct spdm_conn *c, u8 *rec, size_t rec_len, size_t *msg_len) __must_check;
int spdm_keys_derive(struct spdm_conn *c, struct spdm_dir_keys *k) __must_check;

void spdm_wipe(void *p, size_t len);

#endif
