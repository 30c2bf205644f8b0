// SPDX-License-Identifier: MIT
/* libFuzzer harness: IDE_KM response parsers (QUERY_RESP, KP_ACK, K_GOSTOP_ACK) on any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tsm/ide_km.h"

static void quiet(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ide_km_query_resp q;
	struct ide_km_slot s = { .stream_id = 1, .key_sub_stream = 0x12, .port_index = 1 };
	uint8_t *buf = malloc(size ? size : 1);

	log_set_sink(quiet);
	memcpy(buf, data, size);
	if (!ide_km_parse_query_resp(buf, size, 1, &q)) {
		if (q.nregs < 2 || q.nregs > IDE_KM_REGS_MAX || 7 + 4 * q.nregs != size)
			abort();
		(void)ide_km_selective_streams(&q);
	}
	if (!ide_km_parse_kp_ack(buf, size, &s) && (size != IDE_KM_ACK_LEN || buf[4] != 0))
		abort();
	if (!ide_km_parse_gostop_ack(buf, size, &s) && size != IDE_KM_ACK_LEN)
		abort();
	free(buf);
	return 0;
}
