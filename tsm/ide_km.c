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
	memset(buf, 0, IDE_KM_QUERY_LEN);
	buf[IDE_KM_OFF_OBJECT] = IDE_KM_QUERY;
	buf[IDE_KM_QUERY_OFF_PORT] = port_index;
	return IDE_KM_QUERY_LEN;
}

/* The 7-byte head of KEY_PROG, K_SET_GO/STOP and their acks (tsm/ide_km.h). */
static void ide_km_put_head(u8 *buf, u8 object, const struct ide_km_slot *s)
{
	memset(buf, 0, IDE_KM_HEAD_LEN);
	buf[IDE_KM_OFF_OBJECT] = object;
	buf[IDE_KM_OFF_STREAM] = s->stream_id;
	buf[IDE_KM_OFF_SUB] = s->key_sub_stream;
	buf[IDE_KM_OFF_PORT] = s->port_index;
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
	ide_km_put_swapped(buf + IDE_KM_OFF_KEY, key, IDE_KM_KEY_BYTES);
	ide_km_put_swapped(buf + IDE_KM_OFF_IFV, ifv, IDE_KM_IFV_BYTES);
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

	if (len < IDE_KM_QUERY_RESP_MIN || msg[IDE_KM_OFF_OBJECT] != IDE_KM_QUERY_RESP)
		return trace_err(-E_PROTO);
	if (msg[IDE_KM_QR_OFF_PORT] != port_index)
		return trace_err(-E_PROTO);
	img = len - IDE_KM_QUERY_RESP_MIN;
	/* The image holds at least IDE Cap and IDE Ctl, in whole DWs. */
	if (img % 4 || img / 4 < 2 || img / 4 > IDE_KM_REGS_MAX)
		return trace_err(-E_PROTO);
	memset(q, 0, sizeof(*q));
	q->port_index = msg[IDE_KM_QR_OFF_PORT];
	q->dev_func = msg[IDE_KM_QR_OFF_DEVFN];
	q->bus = msg[IDE_KM_QR_OFF_BUS];
	q->segment = msg[IDE_KM_QR_OFF_SEGMENT];
	q->max_port_index = msg[IDE_KM_QR_OFF_MAX_PORT];
	if (q->port_index > q->max_port_index)
		return trace_err(-E_PROTO);
	q->nregs = (u32)(img / 4);
	for (u32 i = 0; i < q->nregs; i++)
		q->regs[i] = get_le32(msg + IDE_KM_QR_OFF_REGS + 4 * i);
	return 0;
}

static int ide_km_check_ack(const u8 *msg, size_t len, u8 object, const struct ide_km_slot *s)
{
	if (len != IDE_KM_ACK_LEN || msg[IDE_KM_OFF_OBJECT] != object)
		return trace_err(-E_PROTO);
	if (msg[IDE_KM_OFF_STREAM] != s->stream_id || msg[IDE_KM_OFF_SUB] != s->key_sub_stream ||
	    msg[IDE_KM_OFF_PORT] != s->port_index)
		return trace_err(-E_PROTO);
	return 0;
}

int ide_km_parse_kp_ack(const u8 *msg, size_t len, const struct ide_km_slot *s)
{
	int err = ide_km_check_ack(msg, len, IDE_KM_KP_ACK, s);

	if (err)
		return err;
	switch (msg[IDE_KM_OFF_STATUS]) {
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
