/* SPDX-License-Identifier: MIT */
/*
 * SPDM requester (DMTF DSP0274 1.2 and 1.3, the highest both sides speak) with DSP0277 secured
 * messages 1.0 to 1.2, on mbedTLS. The core is transport-agnostic: a transport moves one request
 * and its response (clear or secured); the PCI DOE binding lives in spdm/spdm_doe.h. Messages
 * larger than the peer's DataTransferSize go as CHUNK_SEND / come back through CHUNK_GET.
 * Every response is untrusted. On a failure of the connection or the session the connection
 * is reset (transcripts, keys and the session are wiped), `fail` names the reason and the
 * caller must start again from spdm_connect(); an ERROR answer to a request inside the session
 * (spdm_vendor_request(), spdm_get_measurements()) is the refusal of that one request and
 * leaves the session up (`refusal` holds the error code). Wire layouts: spdm/wire.h.
 *
 * Memory budget per connection (one session): sizeof(struct spdm_conn), about 22 KiB, fixed
 * (request/response/record/chunk buffers 4 x 4 KiB, certificate chain 4 KiB, VCA 512 B,
 * keys), plus mbedTLS heap: about 2.5 KiB held while connected (four running-hash contexts and
 * the leaf public key) and at most about 10.5 KiB at the peak of set-up (chain validation,
 * ECDHE) with P-384. `make bench` (bench_spdm) measures both figures.
 */
#ifndef SPDM_SPDM_H
#define SPDM_SPDM_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "spdm/wire.h"

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>

#define SPDM_MSG_MAX 4096 /* our DataTransferSize and MaxSPDMmsgSize: the largest response */
/* The largest request Moat sends: KEY_EXCHANGE with P-384 is about 200 bytes, TDISP and IDE_KM
 * requests under 100; a caller's vendor-defined request above this is refused (-E_RANGE). */
#define SPDM_REQ_MAX 512
#define SPDM_REC_OVERHEAD 64 /* session ID, sequence number, lengths, MAC around a message */
#define SPDM_REC_MAX (SPDM_MSG_MAX + SPDM_REC_OVERHEAD) /* a secured record around a response */
#define SPDM_CERT_CHAIN_MAX 4096 /* the certificate chain kept for evidence */
#define SPDM_VCA_MAX 512	 /* GET_VERSION .. ALGORITHMS, kept verbatim (evidence) */
#define SPDM_HASH_MAX 64	 /* SHA-512 */
#define SPDM_SIG_MAX 96
#define SPDM_AEAD_KEY_MAX 32
#define SPDM_AEAD_IV_LEN 12

/* SPDM versions as the header carries them (major << 4 | minor). */
#define SPDM_VERSION_10 0x10
#define SPDM_VERSION_12 0x12
#define SPDM_VERSION_13 0x13
/* DSP0277 secured-message versions as negotiated (major << 12 | minor << 8). */
#define SPDM_SM_VERSION_10 0x1000
#define SPDM_SM_VERSION_11 0x1100
#define SPDM_SM_VERSION_12 0x1200

/* Negotiated algorithm bits (DSP0274 1.2 NEGOTIATE_ALGORITHMS). */
#define SPDM_ASYM_ECDSA_P256 0x10
#define SPDM_ASYM_ECDSA_P384 0x80
#define SPDM_HASH_SHA256 0x1
#define SPDM_HASH_SHA384 0x2
#define SPDM_HASH_SHA512 0x4
#define SPDM_DHE_SECP256R1 0x8
#define SPDM_DHE_SECP384R1 0x10
#define SPDM_AEAD_AES128_GCM 0x1
#define SPDM_AEAD_AES256_GCM 0x2

/* Why a connection was refused; spdm_fail_str() gives the text printed on the console. */
enum spdm_fail {
	SPDM_FAIL_NONE = 0,
	SPDM_FAIL_TRANSPORT,	  /* the transport (DOE) failed or timed out */
	SPDM_FAIL_TRUNCATED,	  /* response shorter than its own fields say */
	SPDM_FAIL_OVERSIZED,	  /* response longer than its content */
	SPDM_FAIL_MALFORMED,	  /* a field holds an illegal value */
	SPDM_FAIL_UNEXPECTED,	  /* wrong response code or version */
	SPDM_FAIL_ERROR_RSP,	  /* the responder answered ERROR */
	SPDM_FAIL_NOT_READY,	  /* ResponseNotReady beyond our limits */
	SPDM_FAIL_VERSION,	  /* no common SPDM version (we speak 1.2 and 1.3) */
	SPDM_FAIL_SM_VERSION,	  /* secured-message version selected outside our offer */
	SPDM_FAIL_CAPS,		  /* responder lacks a capability we need */
	SPDM_FAIL_ALGO,		  /* algorithm selection not among our offer */
	SPDM_FAIL_DIGEST,	  /* certificate chain does not match its digest */
	SPDM_FAIL_CERT_CHAIN,	  /* certificate chain malformed or invalid */
	SPDM_FAIL_CERT_ANCHOR,	  /* certificate chain does not reach the trust anchor */
	SPDM_FAIL_SIGNATURE,	  /* a signature does not verify */
	SPDM_FAIL_MEAS_SIGNATURE, /* the measurements' signature does not verify (nonce) */
	SPDM_FAIL_VERIFY_DATA,	  /* KEY_EXCHANGE_RSP / FINISH verify data wrong */
	SPDM_FAIL_SESSION_ID,	  /* secured record for another session */
	SPDM_FAIL_RECORD,	  /* secured record failed authentication */
	SPDM_FAIL_SEQ,		  /* sequence numbers exhausted */
	SPDM_FAIL_STATE,	  /* operation not valid in this state */
	SPDM_FAIL_CRYPTO,	  /* a local crypto operation failed */
	SPDM_FAIL_VCA_SIZE,	  /* VCA messages exceed the SPDM_VCA_MAX buffer */
	SPDM_FAIL_CHUNK,	  /* CHUNK_SEND / CHUNK_GET exchange malformed */
	SPDM_FAIL_TOO_LARGE,	  /* a message exceeds what the peer can take, no chunking */
	SPDM_FAIL_CERT_TIME,	  /* a certificate expired or not yet valid (spdm_clock) */
	SPDM_FAIL_CERT_EKU,	  /* the leaf's extended key usage excludes responder auth */
	SPDM_FAIL__COUNT
};

enum spdm_state {
	SPDM_STATE_NONE = 0,
	SPDM_STATE_NEGOTIATED,	  /* VCA done */
	SPDM_STATE_AUTHENTICATED, /* certificate chain validated */
	SPDM_STATE_SESSION,	  /* secure session established */
};

/*
 * One request/response exchange. `secured`: the bytes are a DSP0277 record (DOE type 2),
 * else a plain SPDM message (DOE type 1). Returns 0 or -E_*; *rsp_len <= rsp_cap.
 */
struct spdm_transport {
	int (*exchange)(void *ctx, bool secured, const u8 *req, size_t req_len, u8 *rsp,
			size_t rsp_cap, size_t *rsp_len);
	void *ctx;
	u8 align;     /* the transport pads responses to this many bytes (DOE: 4) */
	u8 seq_bytes; /* DSP0277 sequence-number bytes in the record header (DOE: 0) */
};

struct spdm_config {
	/* The trust anchor: a root certificate (DER), or the SHA-256/384/512 digest of one. */
	const u8 *anchor_der;
	size_t anchor_len;
	u8 anchor_digest[SPDM_HASH_MAX];
	u8 anchor_digest_len;
	int (*rng)(void *ctx, unsigned char *out, size_t len);
	void *rng_ctx;
	/* Seconds since 1970 (UTC) to check certificate validity against, or 0 if there is no
	 * clock; see spdm/spdm_cert.c for the policy. NULL: spdm_clock_floor(). */
	u64 (*clock)(void);
};

struct spdm_algos {
	u32 asym;      /* SPDM_ASYM_* */
	u32 hash;      /* SPDM_HASH_* */
	u32 meas_hash; /* MeasurementHashAlgo */
	u16 dhe;       /* SPDM_DHE_* */
	u16 aead;      /* SPDM_AEAD_* */
};

struct spdm_dir_keys {
	u8 secret[SPDM_HASH_MAX];
	u8 key[SPDM_AEAD_KEY_MAX];
	u8 iv[SPDM_AEAD_IV_LEN];
	u64 seq;
};

struct spdm_session {
	u32 id;		/* RspSessionID << 16 | ReqSessionID */
	bool handshake; /* handshake keys in use (between KEY_EXCHANGE and FINISH_RSP) */
	u8 heartbeat_period;
	struct spdm_dir_keys req;
	struct spdm_dir_keys rsp;
};

/*
 * Optional capture of one signed GET_MEASUREMENTS exchange, for evidence a verifier checks on
 * its own: the request and the whole response (signature included), exactly the bytes the
 * requester hashed into L1/L2 (DSP0274 1.2 table 41: VCA || request || response without the
 * signature; the VCA is spdm_vca()). buf = request || response.
 */
struct spdm_meas_capture {
	u8 *buf; /* caller's buffer */
	size_t cap;
	size_t req_len; /* GET_MEASUREMENTS at buf[0, req_len) */
	size_t rsp_len; /* MEASUREMENTS at buf[req_len, req_len + rsp_len), signature last */
	size_t sig_len;
};

struct spdm_measurements {
	u8 nblocks;
	size_t len; /* bytes of the measurement record */
	u8 *record; /* caller's buffer */
	size_t record_cap;
	struct spdm_meas_capture *capture; /* NULL: none */
};

struct spdm_conn {
	const struct spdm_transport *tp;
	struct spdm_config cfg;
	enum spdm_state state;
	enum spdm_fail fail;
	u8 fail_detail;	   /* ERROR code, or 0 */
	u16 fail_versions; /* the device's SPDM versions (bit n: 1.n), on SPDM_FAIL_VERSION */
	u8 fail_request;   /* the request code an ERROR answered (with SPDM_FAIL_ERROR_RSP) */
	u8 refusal;	   /* ERROR code of the last request refused inside the session, or 0 */
	u8 version;	   /* negotiated: SPDM_VERSION_12 or _13 */
	u16 sm_version;	   /* secured messages: SPDM_SM_VERSION_1x (selected at KEY_EXCHANGE) */
	u32 rsp_caps;
	u32 rsp_dts;	 /* responder DataTransferSize (what it takes in one message) */
	u32 rsp_max_msg; /* responder MaxSPDMmsgSize (largest message, chunked) */
	bool chunk;	 /* both sides CHUNK_CAP: messages above rsp_dts go in chunks */
	u8 chunk_handle; /* the next CHUNK_SEND handle */
	u8 rsp_slack;	 /* padding the last response may carry (transport alignment) */
	u8 req_context[SPDM_REQ_CONTEXT_LEN]; /* 1.3: the last CHALLENGE / GET_MEASUREMENTS's */
	struct spdm_algos alg;
	const mbedtls_md_info_t *md;
	size_t hash_len, sig_len, dhe_len, key_len;
	/* Running-hash transcripts (DSP0274 1.2 transcript rules), not buffers. */
	bool hashes_live;
	mbedtls_md_context_t vca_h; /* message_a */
	mbedtls_md_context_t m1_h;  /* VCA || message_b || message_c */
	mbedtls_md_context_t l1_h;  /* VCA || message_m */
	mbedtls_md_context_t th_h;  /* VCA || H(cert chain) || message_k || message_f */
	u8 vca[SPDM_VCA_MAX];
	size_t vca_len;
	u8 slot;
	u8 cert_digest[SPDM_HASH_MAX]; /* from DIGESTS, checked against the chain */
	u8 cert_chain[SPDM_CERT_CHAIN_MAX];
	size_t cert_chain_len;
	u8 leaf_digest[SPDM_HASH_MAX]; /* hash of the leaf certificate (DER) */
	bool leaf_live;
	mbedtls_ecp_keypair leaf; /* the responder's public key */
	bool in_session;
	struct spdm_session sess;
	u16 next_req_session_id;
	/*
	 * Exchange buffers, sized to what each direction needs: requests are small, responses up to
	 * our MaxSPDMmsgSize. A secured request is sealed into `tx`; a secured response arrives in
	 * `rsp` and is opened there in place. The buffer of a chunked transfer (a CHUNK_SEND being
	 * built, a large response being reassembled) is taken from the crypto heap for the
	 * transfer only, so no session holds it between exchanges.
	 */
	u8 req[SPDM_REQ_MAX];
	u8 tx[SPDM_REQ_MAX + SPDM_REC_OVERHEAD];
	u8 rsp[SPDM_REC_MAX];
};

const char *spdm_fail_str(enum spdm_fail f);
/* One line on why the connection failed: the reason and its details (the device's ERROR and
 * the request it answered, the versions it offers). */
void spdm_fail_describe(const struct spdm_conn *c, char *buf, size_t size);
/* "InvalidRequest" etc. for an SPDM ERROR code. */
const char *spdm_error_name(u8 code);
/* "1.2" etc. for a header version byte; "1.1" for a secured-message version. */
const char *spdm_version_str(u8 version);
const char *spdm_sm_version_str(u16 sm_version);
/* The build-time floor of the certificate clock (seconds since 1970, UTC). */
u64 spdm_clock_floor(void);

void spdm_init(struct spdm_conn *c, const struct spdm_transport *tp, const struct spdm_config *cfg);
/* Wipes keys and transcripts and frees crypto contexts (also done on every failure). */
void spdm_reset(struct spdm_conn *c);

/* GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS. */
int spdm_connect(struct spdm_conn *c) __must_check;
/* GET_DIGESTS, GET_CERTIFICATE (in portions) for `slot`, chain validated against the anchor. */
int spdm_get_certificate(struct spdm_conn *c, u8 slot) __must_check;
/* CHALLENGE with a fresh nonce; CHALLENGE_AUTH signature checked. */
int spdm_challenge(struct spdm_conn *c) __must_check;
/*
 * GET_MEASUREMENTS (all blocks, signed, fresh nonce; inside the session once there is one).
 * `nonce` may be NULL (a random one is used), else a caller's (e.g. a guest's) nonce. With
 * m->capture, the verified exchange is copied there too; a capture buffer too small gives
 * -E_NOSPC with req_len/rsp_len set to what it needs, the connection staying up. Inside the
 * session an ERROR answer is a refusal (c->refusal set, session kept).
 */
int spdm_get_measurements(struct spdm_conn *c, const u8 *nonce,
			  struct spdm_measurements *m) __must_check;
/* KEY_EXCHANGE + FINISH: a secure session with the data keys. */
int spdm_start_session(struct spdm_conn *c) __must_check;
int spdm_heartbeat(struct spdm_conn *c) __must_check;
/* KEY_UPDATE (UpdateKey, or UpdateAllKeys if `all`) then VerifyNewKey. */
int spdm_key_update(struct spdm_conn *c, bool all) __must_check;
int spdm_end_session(struct spdm_conn *c) __must_check;

/*
 * One SPDM request/response inside the session: `req` is a whole SPDM message. The response is
 * checked only for session, record and length (ERROR responses are returned as they are);
 * chunking is applied where the sizes need it.
 */
int spdm_session_exchange(struct spdm_conn *c, const u8 *req, size_t req_len, u8 *rsp,
			  size_t rsp_cap, size_t *rsp_len) __must_check;
/* VENDOR_DEFINED_REQUEST framing (spdm_vendor_request()); parse checks the response's echo. */
int spdm_vendor_build(const struct spdm_conn *c, u16 standard_id, const u8 *vendor_id, u8 vid_len,
		      const u8 *payload, size_t len, u8 *out, size_t cap,
		      size_t *out_len) __must_check;
int spdm_vendor_parse(struct spdm_conn *c, const u8 *req, const u8 *rsp, size_t rsp_len,
		      const u8 **payload, size_t *payload_len) __must_check;
/*
 * VENDOR_DEFINED_REQUEST inside the session with the given registry/vendor ID; the response's
 * IDs must echo them and its payload is copied to `rsp`. An ERROR answer (other than those that
 * end the session: DecryptError, InvalidSession, RequestResynch ...) refuses this request only:
 * c->refusal holds the code, the session stays up, and the return value is -E_INVAL
 * (InvalidRequest), -E_BUSY (Busy), -E_NOTSUP (UnsupportedRequest), -E_STATE
 * (UnexpectedRequest) or -E_IO (others).
 */
int spdm_vendor_request(struct spdm_conn *c, u16 standard_id, const u8 *vendor_id, u8 vid_len,
			const u8 *req, size_t req_len, u8 *rsp, size_t rsp_cap,
			size_t *rsp_len) __must_check;

/* The VCA as exchanged (GET_VERSION .. ALGORITHMS), valid once spdm_connect() succeeded. */
const u8 *spdm_vca(const struct spdm_conn *c, size_t *len);

/* Text names of the negotiated algorithms ("ECDSA-P384"...). */
const char *spdm_asym_name(u32 asym);
const char *spdm_hash_name(u32 hash);
const char *spdm_dhe_name(u16 dhe);
const char *spdm_aead_name(u16 aead);

#endif
