// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the measurement-record walk of the TSM policy check (the record comes from
 * the device) and the policy parsers (boot arguments) on any bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tsm/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsm_connect_policy pol = { 0 };
	unsigned missing = 0;
	uint8_t *rec;
	char *str;

	if (size < 2)
		return 0;
	pol.meas_required[data[0] / 8] |= (uint8_t)(1u << (data[0] % 8));
	rec = malloc(size - 2 ? size - 2 : 1);
	memcpy(rec, data + 2, size - 2);
	if (tsm_meas_check(rec, size - 2, data[1], &pol, &missing) == 0 && data[1] == 0 &&
	    size != 2)
		abort(); /* zero blocks cannot fill a non-empty record */
	free(rec);
	/* The same bytes as a NUL-terminated boot-argument value. */
	str = malloc(size + 1);
	memcpy(str, data, size);
	str[size] = 0;
	if (!tsm_parse_devices(str, &pol) && (pol.ndevs == 0 || pol.ndevs > TSM_POLICY_MAX_DEVS))
		abort();
	if (!tsm_parse_meas(str, &pol) && (pol.meas_required[0] & 1))
		abort(); /* index 0 is never a block */
	if (!tsm_parse_anchor(str, &pol) && pol.anchor_digest_len != 32 &&
	    pol.anchor_digest_len != 48 && pol.anchor_digest_len != 64)
		abort();
	if (!tsm_parse_reset(str, &pol) && strcmp(str, "keep") && strcmp(str, "reconnect"))
		abort(); /* only the two words */
	pol.ide = TSM_IDE_AUTO;
	if (!tsm_parse_ide(str, &pol) && pol.ide == TSM_IDE_AUTO)
		abort(); /* a parsed mode is always explicit */
	free(str);
	return 0;
}
