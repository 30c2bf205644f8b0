/* SPDX-License-Identifier: MIT */
/*
 * TDISP 1.0 (PCIe 6.x TEE Device Interface Security Protocol) message codec, requester side.
 * Messages travel as PCI-SIG vendor-defined SPDM messages (protocol ID 1) inside the secured
 * session only (spdm-tdisp-doe.md sections 3.1-3.5). Every response is untrusted: its version,
 * code and INTERFACE_ID echo are checked, every length is checked before use, and a
 * TDISP_ERROR becomes a specific error code with the device's error kept for the log.
 */
#ifndef TSM_TDISP_H
#define TSM_TDISP_H

#include "lib/compiler.h"
#include "lib/types.h"

#define TDISP_PROTOCOL_ID 0x01
#define TDISP_VERSION_1_0 0x10
#define TDISP_NONCE_LEN 32

/*
 * Message layouts (PCIe 6.x 11.3, "TDISP message formats"), offsets in bytes. The header:
 * TDISPVersion, MessageType, reserved u16, INTERFACE_ID (u32 FUNCTION_ID, u64 reserved).
 */
#define TDISP_OFF_VERSION 0
#define TDISP_OFF_TYPE 1
#define TDISP_OFF_FUNCTION_ID 4
#define TDISP_OFF_IID_RSVD 8
#define TDISP_HDR_LEN 16
/* Bodies, from the end of the header. GET_TDISP_CAPABILITIES: u32 TSM_CAPS. */
#define TDISP_GETCAPS_LEN 4
/* TDISP_VERSION: VERSION_NUM_COUNT, then one version byte each. */
#define TDISP_VER_OFF_COUNT 0
#define TDISP_VER_OFF_ENTRIES 1
/* TDISP_CAPABILITIES: u32 DSM_CAPS, REQ_MSGS_SUPPORTED[16], u16 LOCK_INTERFACE_FLAGS_SUPPORTED,
 * 3 reserved, DEV_ADDR_WIDTH, NUM_REQ_THIS, NUM_REQ_ALL. */
#define TDISP_CAPS_OFF_DSM_CAPS 0
#define TDISP_CAPS_OFF_REQ_MSGS 4
#define TDISP_CAPS_OFF_LOCK_FLAGS 20
#define TDISP_CAPS_OFF_ADDR_WIDTH 25
#define TDISP_CAPS_OFF_NUM_REQ_THIS 26
#define TDISP_CAPS_OFF_NUM_REQ_ALL 27
#define TDISP_CAPS_LEN 28
/* LOCK_INTERFACE_REQUEST: u16 FLAGS, DEFAULT_STREAM_ID, reserved, u64 MMIO_REPORTING_OFFSET,
 * u64 BIND_P2P_ADDRESS_MASK. LOCK_INTERFACE_RESPONSE: START_INTERFACE_NONCE[32]. */
#define TDISP_LOCK_OFF_FLAGS 0
#define TDISP_LOCK_OFF_STREAM 2
#define TDISP_LOCK_OFF_REPORT_OFFSET 4
#define TDISP_LOCK_OFF_P2P_MASK 12
#define TDISP_LOCK_LEN 20
/* GET_DEVICE_INTERFACE_REPORT: u16 OFFSET, u16 LENGTH. DEVICE_INTERFACE_REPORT: u16
 * PORTION_LENGTH, u16 REMAINDER_LENGTH, the portion. */
#define TDISP_GETREP_OFF_OFFSET 0
#define TDISP_GETREP_OFF_LENGTH 2
#define TDISP_GETREP_LEN 4
#define TDISP_REP_OFF_PORTION 0
#define TDISP_REP_OFF_REMAINDER 2
#define TDISP_REP_OFF_DATA 4
/* DEVICE_INTERFACE_STATE: TDI_STATE. START_INTERFACE_REQUEST: the nonce. */
#define TDISP_STATE_LEN 1
/* TDISP_ERROR: u32 ERROR_CODE, u32 ERROR_DATA, then extended data. */
#define TDISP_ERR_OFF_CODE 0
#define TDISP_ERR_OFF_DATA 4
#define TDISP_ERR_MIN_LEN 8

/* Request and response codes (TDISP 1.0 table 11-4). */
enum tdisp_code {
	TDISP_GET_VERSION = 0x81,
	TDISP_GET_CAPABILITIES = 0x82,
	TDISP_LOCK_INTERFACE = 0x83,
	TDISP_GET_DEVICE_INTERFACE_REPORT = 0x84,
	TDISP_GET_DEVICE_INTERFACE_STATE = 0x85,
	TDISP_START_INTERFACE = 0x86,
	TDISP_STOP_INTERFACE = 0x87,
	TDISP_RSP_ERROR = 0x7f,
};
/* A response code is its request code with bit 7 clear. */
#define TDISP_RSP(code) ((u8)((code)&0x7f))

/* TDISP_ERROR codes (TDISP 1.0 table 11-28). */
enum tdisp_error_code {
	TDISP_ERR_INVALID_REQUEST = 0x0001,
	TDISP_ERR_BUSY = 0x0003,
	TDISP_ERR_INVALID_INTERFACE_STATE = 0x0004,
	TDISP_ERR_UNSPECIFIED = 0x0005,
	TDISP_ERR_UNSUPPORTED_REQUEST = 0x0007,
	TDISP_ERR_VERSION_MISMATCH = 0x0041,
	TDISP_ERR_INVALID_INTERFACE = 0x0101,
	TDISP_ERR_INVALID_NONCE = 0x0102,
	TDISP_ERR_INSUFFICIENT_ENTROPY = 0x0103,
	TDISP_ERR_INVALID_DEVICE_CONFIGURATION = 0x0104,
};

/* TDI states as the device reports them (TDISP 1.0 section 11.1). */
enum tdisp_state {
	TDISP_STATE_CONFIG_UNLOCKED = 0,
	TDISP_STATE_CONFIG_LOCKED = 1,
	TDISP_STATE_RUN = 2,
	TDISP_STATE_ERROR = 3,
};

/* LOCK_INTERFACE_REQUEST flags (TDISP 1.0 table 11-10). */
#define TDISP_LOCK_NO_FW_UPDATE 0x0001
#define TDISP_LOCK_CACHE_LINE_128 0x0002
#define TDISP_LOCK_MSIX 0x0004
#define TDISP_LOCK_BIND_P2P 0x0008
#define TDISP_LOCK_ALL_REQ_REDIRECT 0x0010
#define TDISP_LOCK_FLAGS_KNOWN 0x001f

/* INTERFACE_ID.FUNCTION_ID (TDISP 1.0 table 11-2): RID, segment, segment valid. */
static inline u32 tdisp_function_id(u16 rid, u8 segment, bool seg_valid)
{
	return (u32)rid | (u32)segment << 16 | (seg_valid ? 1u << 24 : 0);
}

/* What a TDISP_ERROR said; filled by tdisp_parse_rsp() when it returns -E_IO..-E_PROTO. */
struct tdisp_error {
	u32 code; /* enum tdisp_error_code, 0 when the response was not a TDISP_ERROR */
	u32 data;
};

struct tdisp_caps {
	u32 dsm_caps;
	u8 req_msgs[16]; /* bit i of the array: request code 0x80 + i supported */
	u16 lock_flags_supported;
	u8 dev_addr_width;
	u8 num_req_this;
	u8 num_req_all;
};

struct tdisp_lock_req {
	u16 flags;
	u8 default_stream_id;
	u64 mmio_reporting_offset;
	u64 bind_p2p_addr_mask;
};

/* One portion of DEVICE_INTERFACE_REPORT. */
struct tdisp_report_portion {
	u16 portion_len;
	u16 remainder_len;
	const u8 *data; /* points into the response */
};

/* Maps a TDISP error code to the project error it means (tsm.md "errors"). */
int tdisp_err_to_moat(u32 code);
const char *tdisp_err_name(u32 code);
const char *tdisp_state_name(enum tdisp_state s);

/*
 * Builds a request: header with `code` and `function_id`, then `body_len` bytes of `body`.
 * Returns the message length, or -E_NOSPC if `cap` is too small.
 */
int tdisp_build_req(u8 *buf, size_t cap, u8 code, u32 function_id, const u8 *body,
		    size_t body_len) __must_check;
int tdisp_build_lock(u8 *buf, size_t cap, u32 function_id,
		     const struct tdisp_lock_req *lk) __must_check;
int tdisp_build_get_report(u8 *buf, size_t cap, u32 function_id, u16 offset,
			   u16 length) __must_check;
int tdisp_build_start(u8 *buf, size_t cap, u32 function_id,
		      const u8 nonce[TDISP_NONCE_LEN]) __must_check;

/*
 * Checks a response's header against the request (`req_code`, `function_id`) and returns its
 * body. A TDISP_ERROR response returns the mapped error and fills `err`.
 */
int tdisp_parse_rsp(const u8 *msg, size_t len, u8 req_code, u32 function_id, const u8 **body,
		    size_t *body_len, struct tdisp_error *err) __must_check;

/* Body parsers: each checks the exact length of its body. */
int tdisp_parse_version(const u8 *body, size_t len, u8 want_version) __must_check;
int tdisp_parse_caps(const u8 *body, size_t len, struct tdisp_caps *caps) __must_check;
int tdisp_parse_lock(const u8 *body, size_t len, u8 nonce[TDISP_NONCE_LEN]) __must_check;
int tdisp_parse_state(const u8 *body, size_t len, enum tdisp_state *state) __must_check;
int tdisp_parse_empty(const u8 *body, size_t len) __must_check;
/* `asked`: the LENGTH requested; the portion may be shorter but never longer, nor empty
 * unless nothing remains. */
int tdisp_parse_report_portion(const u8 *body, size_t len, u16 asked,
			       struct tdisp_report_portion *p) __must_check;

#endif
