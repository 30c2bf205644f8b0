// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: chunked-transfer parsers (spdm/spdm_chunk.c) on any bytes. The input is a
 * series of [u16 length][bytes] CHUNK_RESPONSE messages reassembled into one large response
 * (every field against the state: sequence, handle, sizes, LastChunk), then the same bytes as
 * CHUNK_SEND_ACKs. Invariants: nothing is written outside the reassembly buffer, the bytes
 * kept never exceed the announced size, a completed message is exactly its announced size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bits.h"
#include "spdm/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 buf[SPDM_MSG_MAX];
	struct spdm_chunk_rx st = {
		.version = 0x12,
		.handle = 7,
		.cap = sizeof(buf),
		.max_chunk = SPDM_MSG_MAX - SPDM_CHUNK_HDR_LEN,
		.buf = buf,
	};
	const u8 *p = data;
	size_t left = size;

	for (unsigned round = 0; left >= 2 && round < SPDM_CHUNK_MAX_ROUNDS; round++) {
		size_t n = get_le16(p);
		u8 *msg;

		p += 2;
		left -= 2;
		n = n < left ? n : left;
		msg = malloc(n ? n : 1); /* exact size: ASan sees any read past the message */
		memcpy(msg, p, n);
		if (!spdm_chunk_rsp_parse(&st, msg, n)) {
			if (st.got > st.total || st.total > st.cap)
				abort();
			if (st.last && st.got != st.total)
				abort();
		}
		{
			const u8 *rsp;
			size_t rsp_len;

			if (!spdm_chunk_ack_parse(0x12, 7, (u16)round, round & 1, msg, n, &rsp,
						  &rsp_len) &&
			    (rsp < msg || rsp + rsp_len > msg + n))
				abort();
		}
		free(msg);
		p += n;
		left -= n;
	}
	return 0;
}
