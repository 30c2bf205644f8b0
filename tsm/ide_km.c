// SPDX-License-Identifier: MIT
/* IDE_KM message codec (requester side); see tsm/ide_km.h. */
#include "tsm/ide_km.h"

#include <string.h>

#include "lib/bits.h"
#include "lib/err.h"

int ide_km_build_query(u8 *buf, size_t cap, u8 port_index)
{
	if (cap < IDE_KM_QUERY_LEN)
		return trace_err(-E_NOSPC);
	buf[0] = IDE_KM_QUERY;
	buf[1] = 0;
	buf[2] = port_index;
	return IDE_KM_QUERY_LEN;
}

/* Common head of KEY_PROG, K_SET_GO/STOP and their acks: object, rsvd[2], stream, rsvd/status,
 * key sub-stream, port index. */
static void ide_km_put_head(u8 *buf, u8 object, const struct ide_km_slot *s)
{
	memset(buf, 0, IDE_KM_ACK_LEN);
	buf[0] = object;
	buf[3] = s->stream_id;
	buf[5] = s->key_sub_stream;
	buf[6] = s->port_index;
}

/*
 * Wire order (PCIe 6.x 6.33.3, key byte order as in tee-io-validator's notes): each DW of the
 * key and IFV holds four AES bytes most-significant first, DWs in natural order.
 */
static void ide_km_put_swapped(u8 *dst, const u8 *src, size_t len)
{
	for (size_t i = 0; i < len; i += 4)
		for (size_t j = 0; j < 4; j++)
			dst[i + j] = src[i + 3 - j];
}

int ide_km_build_key_prog(u8 *buf, size_t cap, const struct ide_km_slot *s,
			  const u8 key[IDE_KM_KEY_BYTES], const u8 ifv[IDE_KM_IFV_BYTES])
{
	if (cap < IDE_KM_KEY_PROG_LEN)
		return trace_err(-E_NOSPC);
	ide_km_put_head(buf, IDE_KM_KEY_PROG, s);
	ide_km_put_swapped(buf + 8, key, IDE_KM_KEY_BYTES);
	ide_km_put_swapped(buf + 8 + IDE_KM_KEY_BYTES, ifv, IDE_KM_IFV_BYTES);
	return IDE_KM_KEY_PROG_LEN;
}

int ide_km_build_gostop(u8 *buf, size_t cap, const struct ide_km_slot *s, bool go)
{
	if (cap < IDE_KM_ACK_LEN)
		return trace_err(-E_NOSPC);
	ide_km_put_head(buf, go ? IDE_KM_K_SET_GO : IDE_KM_K_SET_STOP, s);
	return IDE_KM_ACK_LEN;
}

int ide_km_parse_query_resp(const u8 *msg, size_t len, u8 port_index, struct ide_km_query_resp *q)
{
	size_t img;

	if (len < IDE_KM_QUERY_RESP_MIN || msg[0] != IDE_KM_QUERY_RESP || msg[1] != 0)
		return trace_err(-E_PROTO);
	if (msg[2] != port_index)
		return trace_err(-E_PROTO);
	img = len - IDE_KM_QUERY_RESP_MIN;
	/* The image holds at least IDE Cap and IDE Ctl, in whole DWs. */
	if (img % 4 || img / 4 < 2 || img / 4 > IDE_KM_REGS_MAX)
		return trace_err(-E_PROTO);
	memset(q, 0, sizeof(*q));
	q->port_index = msg[2];
	q->dev_func = msg[3];
	q->bus = msg[4];
	q->segment = msg[5];
	q->max_port_index = msg[6];
	if (q->port_index > q->max_port_index)
		return trace_err(-E_PROTO);
	q->nregs = (u32)(img / 4);
	for (u32 i = 0; i < q->nregs; i++)
		q->regs[i] = get_le32(msg + IDE_KM_QUERY_RESP_MIN + 4 * i);
	return 0;
}

static int ide_km_check_ack(const u8 *msg, size_t len, u8 object, const struct ide_km_slot *s)
{
	if (len != IDE_KM_ACK_LEN || msg[0] != object || msg[1] != 0 || msg[2] != 0)
		return trace_err(-E_PROTO);
	if (msg[3] != s->stream_id || msg[5] != s->key_sub_stream || msg[6] != s->port_index)
		return trace_err(-E_PROTO);
	return 0;
}

int ide_km_parse_kp_ack(const u8 *msg, size_t len, const struct ide_km_slot *s)
{
	int err = ide_km_check_ack(msg, len, IDE_KM_KP_ACK, s);

	if (err)
		return err;
	switch (msg[4]) {
	case IDE_KM_KP_OK: return 0;
	case IDE_KM_KP_BAD_LENGTH: return trace_err(-E_PROTO);
	case IDE_KM_KP_BAD_PORT: return trace_err(-E_NODEV);
	case IDE_KM_KP_BAD_VALUE: return trace_err(-E_INVAL);
	default: return trace_err(-E_IO);
	}
}

int ide_km_parse_gostop_ack(const u8 *msg, size_t len, const struct ide_km_slot *s)
{
	return ide_km_check_ack(msg, len, IDE_KM_K_GOSTOP_ACK, s);
}

unsigned ide_km_selective_streams(const struct ide_km_query_resp *q)
{
	u32 cap = q->regs[0];

	if (!(cap & BIT(1)))
		return 0;
	return (unsigned)FIELD_GET(GENMASK(23, 16), cap) + 1;
}
