/* SPDX-License-Identifier: MIT */
/*
 * devemu: the device side of SPDM 1.2/1.3 for tests and `make run`, a responder written
 * independently of Moat's requester (full transcript buffers instead of running hashes, its
 * own key schedule, record and chunking code). It consumes and produces complete PCI DOE data
 * objects, as QEMU's spdm-socket forwards them, and can misbehave on purpose (fault switches).
 * What it speaks is configurable (struct devemu_opts: SPDM and secured-message versions, hash,
 * DataTransferSize).
 */
#ifndef DEVEMU_H
#define DEVEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

enum devemu_fault {
	DEVEMU_FAULT_NONE = 0,
	DEVEMU_FAULT_BAD_SIGNATURE,  /* CHALLENGE_AUTH signature corrupted */
	DEVEMU_FAULT_WRONG_NONCE,    /* MEASUREMENTS signed over another nonce */
	DEVEMU_FAULT_TRUNCATED,	     /* ALGORITHMS cut short */
	DEVEMU_FAULT_OVERSIZED,	     /* DIGESTS with trailing garbage */
	DEVEMU_FAULT_SESSION_ID,     /* FINISH_RSP in a record for another session */
	DEVEMU_FAULT_REPLAY,	     /* HEARTBEAT_ACK replaced by a replayed older record */
	DEVEMU_FAULT_REORDER,	     /* a record sent with a skipped sequence number */
	DEVEMU_FAULT_SLOW,	     /* ResponseNotReady far beyond the requester's limit */
	DEVEMU_FAULT_NOT_READY_ONCE, /* one short ResponseNotReady (a legal delay) */
	DEVEMU_FAULT_ROGUE_CHAIN,    /* a chain from a root nobody trusts */
	DEVEMU_FAULT_ERROR,	     /* ERROR(UnexpectedRequest) to GET_MEASUREMENTS */
	DEVEMU_FAULT_IDE_KM_ERROR,   /* ERROR(InvalidRequest) to the first IDE_KM K_SET_GO */
	DEVEMU_FAULT_VDM_DECRYPT,    /* ERROR(DecryptError) to the first vendor-defined request */
	DEVEMU_FAULT__COUNT
};

/* Versions as bit masks: bit n of `spdm` is SPDM 1.n, bit n of `sm` secured messages 1.n. */
struct devemu_opts {
	uint16_t spdm;	  /* default 1.2 */
	uint16_t sm;	  /* default 1.1 */
	unsigned hash;	  /* 256, 384, 512; 0: by the key's curve (P-256 SHA-256, P-384 SHA-384) */
	uint32_t dts;	  /* DataTransferSize; below the default, CHUNK_CAP is offered and used */
	bool chunk;	  /* offer CHUNK_CAP even at the default DataTransferSize */
	const char *leaf; /* a leaf variant of the PKI: NAME_leaf.der / .key (mkpki.sh) */
};
#define DEVEMU_DTS_DEFAULT 1024 /* small on purpose: certificates come in several portions */
#define DEVEMU_MSG_MAX 4096	/* MaxSPDMmsgSize, and the largest message reassembled */

struct devemu_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

/* A large message being sent or received in chunks (DSP0274 1.2 chunking). */
struct devemu_chunk {
	bool active;
	uint8_t handle;
	uint16_t seq;
	struct devemu_buf msg; /* the large request so far, or the large response to send */
	size_t off;	       /* response: bytes already sent */
	size_t total;	       /* request: LargeMessageSize */
};

struct devemu_keys {
	uint8_t secret[64];
	uint8_t key[32];
	uint8_t iv[12];
	uint64_t seq;
};

struct devemu {
	enum devemu_fault fault;
	struct devemu_opts opt;
	/* identity */
	struct devemu_buf root, certs; /* DER: the root, then intermediate and leaf */
	struct devemu_buf chain; /* SPDM certificate chain structure, slot 0 (negotiated hash) */
	mbedtls_pk_context key;
	int curve_bits; /* 256 or 384 */
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	/* negotiated */
	uint8_t version;
	uint32_t req_caps, req_dts;
	bool chunk; /* both CHUNK_CAP */
	uint16_t sm_version;
	uint32_t hash_alg, asym_alg;
	uint16_t dhe_alg, aead_alg;
	size_t hlen, siglen, dhelen, keylen;
	/* transcripts, kept whole */
	struct devemu_buf vca, b, m, k, f;
	/* session */
	int sess_state; /* 0 none, 1 handshake, 2 established */
	int after_send; /* 1: switch to data keys, 2: end the session */
	struct devemu_keys next_req, next_rsp;
	uint32_t sess_id;
	uint8_t master[64];
	struct devemu_keys req, rsp;
	struct devemu_buf last_record; /* the previous secured response, for the replay fault */
	/* ResponseNotReady bookkeeping */
	bool pending;
	uint8_t pending_token;
	struct devemu_buf pending_req;
	/* chunked transfers in progress */
	struct devemu_chunk rx, tx;
	uint8_t next_handle;
	unsigned ide_go_seen;
	/* what a test can check: counters and the order of requests inside the session */
	unsigned heartbeats, chunks_in, chunks_out, end_sessions;
	uint16_t trace[64]; /* in-session requests: code, or protocol << 8 | message code (VDM) */
	unsigned ntrace;
};

const char *devemu_fault_name(enum devemu_fault f);
int devemu_fault_parse(const char *name, enum devemu_fault *f);

/*
 * Loads the PKI from `dir`: root.der, inter.der, leaf.der and leaf.key (or the rogue_* set for
 * DEVEMU_FAULT_ROGUE_CHAIN). Returns 0 or -1.
 */
int devemu_init(struct devemu *d, const char *dir, enum devemu_fault fault);
/* Parses "1.2,1.3" into a version mask (bit n: 1.n); -1 if malformed. */
int devemu_versions_parse(const char *s, uint16_t *mask);
void devemu_free(struct devemu *d);
/* Forgets the connection (a new socket client). */
void devemu_reset(struct devemu *d);
/* One DOE object in, one DOE object out (types 1 and 2); 0 or -1 (no answer possible). */
int devemu_doe(struct devemu *d, const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
	       size_t *olen);

#endif
