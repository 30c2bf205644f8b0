/* SPDX-License-Identifier: MIT */
/* SPDM requester internals shared by the spdm/ sources. */
#ifndef SPDM_INTERNAL_H
#define SPDM_INTERNAL_H

#include "spdm/spdm.h"

#define SPDM_VERSION_10 0x10
#define SPDM_VERSION_12 0x12

/* Request and response codes (DSP0274 1.2 table 4/5). */
#define SPDM_GET_DIGESTS 0x81
#define SPDM_GET_CERTIFICATE 0x82
#define SPDM_CHALLENGE 0x83
#define SPDM_GET_VERSION 0x84
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

#define SPDM_ERR_RESPONSE_NOT_READY 0x42

/* CAPABILITIES flags (DSP0274 1.2 table 12/13). */
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

/* DSP0274 1.2: DataTransferSize must be at least 42 bytes. */
#define SPDM_MIN_DTS 42
/* Our CTExponent: 2^20 us (~1 s), the DOE object limit. */
#define SPDM_REQ_CT_EXP 20
/* ResponseNotReady: how many RESPOND_IF_READY rounds and how long in total we accept. */
#define SPDM_NOT_READY_TRIES 4
#define SPDM_NOT_READY_MAX_NS 2000000000ull

#define SPDM_KEY_UPDATE_OP_UPDATE 1
#define SPDM_KEY_UPDATE_OP_UPDATE_ALL 2
#define SPDM_KEY_UPDATE_OP_VERIFY 3

#define SPDM_AEAD_TAG_LEN 16

/* Fails the connection: wipes state, records the reason, returns -E_*. */
int spdm_fail(struct spdm_conn *c, enum spdm_fail why, int err);

/*
 * Sends c->req[0..req_len) (in the session if c->in_session, else in the clear) and receives
 * the response into c->rsp, handling ResponseNotReady. The response must carry `want` (the
 * response code) and the negotiated version; ERROR fails the connection.
 */
int spdm_xfer(struct spdm_conn *c, size_t req_len, u8 want, size_t *rsp_len) __must_check;
/* The response must be exactly `need` bytes (up to transport padding when not secured). */
int spdm_rsp_exact(struct spdm_conn *c, size_t len, size_t need) __must_check;

/* Crypto (spdm/crypto.c). */
int spdm_hash_setup(struct spdm_conn *c, mbedtls_md_context_t *ctx) __must_check;
int spdm_hash_fork(struct spdm_conn *c, mbedtls_md_context_t *dst,
		   mbedtls_md_context_t *src) __must_check;
/* Digest of the transcript so far, leaving `ctx` running. */
int spdm_hash_peek(struct spdm_conn *c, mbedtls_md_context_t *ctx, u8 *out) __must_check;
int spdm_hash(struct spdm_conn *c, const u8 *in, size_t len, u8 *out) __must_check;
int spdm_hmac(struct spdm_conn *c, const u8 *key, const u8 *in, size_t len, u8 *out) __must_check;
/* DSP0274 1.2 key schedule: HKDF-Expand(secret, BinConcat(len, label, ctx)). */
int spdm_hkdf_expand(struct spdm_conn *c, const u8 *secret, const char *label, const u8 *ctx,
		     size_t ctx_len, u8 *out, size_t out_len) __must_check;
/* Verifies a DSP0274 1.2 signature (prefix + context) over the transcript digest `th`. */
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

/* Certificate chain (spdm/cert.c). */
int spdm_chain_validate(struct spdm_conn *c) __must_check;

/* Secured messages (spdm/record.c). */
int spdm_record_seal(struct spdm_conn *c, const u8 *msg, size_t len, size_t *rec_len) __must_check;
int spdm_record_open(struct spdm_conn *c, const u8 *rec, size_t rec_len, u8 *msg, size_t cap,
		     size_t *msg_len) __must_check;
int spdm_keys_derive(struct spdm_conn *c, struct spdm_dir_keys *k) __must_check;

void spdm_wipe(void *p, size_t len);

#endif
