/* SPDX-License-Identifier: MIT */
/*
 * IDE_KM (PCIe 6.x section 6.33.3) message codec, requester side: QUERY, KEY_PROG, K_SET_GO,
 * K_SET_STOP. Sent as PCI-SIG vendor-defined SPDM messages (protocol ID 0) inside the secured
 * session (spdm-tdisp-doe.md section 3.7). Responses are untrusted: object ID, stream ID, key
 * sub-stream and port index must echo the request.
 */
#ifndef TSM_IDE_KM_H
#define TSM_IDE_KM_H

#include "lib/compiler.h"
#include "lib/types.h"

#define IDE_KM_PROTOCOL_ID 0x00

enum ide_km_object {
	IDE_KM_QUERY = 0x00,
	IDE_KM_QUERY_RESP = 0x01,
	IDE_KM_KEY_PROG = 0x02,
	IDE_KM_KP_ACK = 0x03,
	IDE_KM_K_SET_GO = 0x04,
	IDE_KM_K_SET_STOP = 0x05,
	IDE_KM_K_GOSTOP_ACK = 0x06,
};

/* KEY_PROG / KP_ACK status (PCIe 6.x table 6-79). */
enum ide_km_kp_status {
	IDE_KM_KP_OK = 0,
	IDE_KM_KP_BAD_LENGTH = 1,
	IDE_KM_KP_BAD_PORT = 2,
	IDE_KM_KP_BAD_VALUE = 3,
	IDE_KM_KP_UNSPECIFIED = 4,
};

/* KeySubStream: bit 0 key set, bit 1 direction, bits 7:4 sub-stream. */
#define IDE_KM_KS_K1 0x01
#define IDE_KM_KS_TX 0x02
#define IDE_KM_SUB_PR 0x00
#define IDE_KM_SUB_NPR 0x10
#define IDE_KM_SUB_CPL 0x20
#define IDE_KM_KEY_BYTES 32 /* AES-GCM-256 */
#define IDE_KM_IFV_BYTES 8

/*
 * Message layouts (PCIe 6.x 6.33.3, "IDE_KM messages"). Offsets count from the Object ID,
 * the first byte after the vendor-defined payload's Protocol ID (which tsm/connect.c adds).
 * QUERY: Object ID, reserved, PortIndex.
 * KEY_PROG, KP_ACK, K_SET_GO, K_SET_STOP and K_GOSTOP_ACK share a 7-byte head: Object ID,
 * 2 reserved, Stream ID, reserved (KP_ACK: Status), KeySubStream, PortIndex; KEY_PROG follows
 * it with the key (8 DW) and the IFV (2 DW).
 * QUERY_RESP: Object ID, reserved, PortIndex, Dev/Func, Bus, Segment, MaxPortIndex, then the
 * IDE Extended Capability image from its IDE Capability register on, in DWs.
 */
#define IDE_KM_OFF_OBJECT 0
#define IDE_KM_OFF_STREAM 3
#define IDE_KM_OFF_STATUS 4 /* KP_ACK only */
#define IDE_KM_OFF_SUB 5
#define IDE_KM_OFF_PORT 6
#define IDE_KM_HEAD_LEN 7
#define IDE_KM_OFF_KEY IDE_KM_HEAD_LEN
#define IDE_KM_OFF_IFV (IDE_KM_OFF_KEY + IDE_KM_KEY_BYTES)
#define IDE_KM_KEY_PROG_LEN (IDE_KM_OFF_IFV + IDE_KM_IFV_BYTES) /* 47 */
#define IDE_KM_ACK_LEN IDE_KM_HEAD_LEN				/* 7 */

#define IDE_KM_QUERY_OFF_PORT 2
#define IDE_KM_QUERY_LEN 3
#define IDE_KM_QR_OFF_PORT 2
#define IDE_KM_QR_OFF_DEVFN 3
#define IDE_KM_QR_OFF_BUS 4
#define IDE_KM_QR_OFF_SEGMENT 5
#define IDE_KM_QR_OFF_MAX_PORT 6
#define IDE_KM_QR_OFF_REGS 7
#define IDE_KM_QUERY_RESP_MIN IDE_KM_QR_OFF_REGS
#define IDE_KM_REGS_MAX 74 /* DWs of IDE capability image (2 + 2*8 + 8 streams*(3+2+3)) */

struct ide_km_query_resp {
	u8 port_index;
	u8 dev_func;
	u8 bus;
	u8 segment;
	u8 max_port_index;
	u32 nregs;
	u32 regs[IDE_KM_REGS_MAX]; /* IDE extended capability image from the IDE Cap register */
};

/* One key-set slot: stream, key sub-stream and port. */
struct ide_km_slot {
	u8 stream_id;
	u8 key_sub_stream;
	u8 port_index;
};

int ide_km_build_query(u8 *buf, size_t cap, u8 port_index) __must_check;
/* `key` in AES byte order; the per-DW byte reversal of the wire format is done here. */
int ide_km_build_key_prog(u8 *buf, size_t cap, const struct ide_km_slot *s,
			  const u8 key[IDE_KM_KEY_BYTES],
			  const u8 ifv[IDE_KM_IFV_BYTES]) __must_check;
/* K_SET_GO (`go`) or K_SET_STOP. */
int ide_km_build_gostop(u8 *buf, size_t cap, const struct ide_km_slot *s, bool go) __must_check;

int ide_km_parse_query_resp(const u8 *msg, size_t len, u8 port_index,
			    struct ide_km_query_resp *q) __must_check;
/* KP_ACK: echo checked; a non-zero status becomes an error. */
int ide_km_parse_kp_ack(const u8 *msg, size_t len, const struct ide_km_slot *s) __must_check;
int ide_km_parse_gostop_ack(const u8 *msg, size_t len, const struct ide_km_slot *s) __must_check;

/* From a QUERY_RESP image: number of selective streams the port has (IDE Cap bits 23:16 + 1),
 * or 0 if selective IDE is not supported. */
unsigned ide_km_selective_streams(const struct ide_km_query_resp *q);

#endif
