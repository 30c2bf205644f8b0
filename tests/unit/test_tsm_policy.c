// SPDX-License-Identifier: MIT
/* tsm/policy.c: configuration parsing and the measurement-record check. */
#include <string.h>

#include "test_util.h"

#include "lib/err.h"
#include "tsm/policy.h"

static void device_lists_parse_with_or_without_segment(void **state)
{
	struct tsm_connect_policy pol = { 0 };

	(void)state;
	assert_int_equal(tsm_parse_devices("0000:00:01.0,01:1f.7,0002:ff:00.1", &pol), 0);
	assert_int_equal(pol.ndevs, 3);
	assert_int_equal(pol.devs[0].bdf, 0x0008);
	assert_int_equal(pol.devs[1].bdf, 0x01ff);
	assert_int_equal(pol.devs[2].segment, 2);
	assert_int_equal(pol.devs[2].bdf, 0xff01);
	assert_true(tsm_policy_selects(&pol, 0, 0x0008));
	assert_false(tsm_policy_selects(&pol, 1, 0x0008));
	static const char *const bad[] = { "",
					   "00:01",
					   "00:20.0",
					   "00:01.8",
					   "100:00.0",
					   "0:0:0:0.0",
					   "00:01.0,",
					   "00:01.0x",
					   ",00:01.0",
					   "00000:00:01.0",
					   "00:01.0,00:01.0,00:01.0,00:01.0,00:01.0,"
					   "00:01.0,00:01.0,00:01.0,00:01.0" };
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		pol.ndevs = 1;
		assert_int_not_equal(tsm_parse_devices(bad[i], &pol), 0);
		assert_int_equal(pol.ndevs, 1); /* unchanged */
	}
	pol.ndevs = 0;
	assert_true(tsm_policy_selects(&pol, 0, 0x0100));
	assert_false(tsm_policy_selects(&pol, 0, 0x0101)); /* default: function 0 only */
}

static void measurement_indices_parse(void **state)
{
	struct tsm_connect_policy pol = { 0 };

	(void)state;
	assert_int_equal(tsm_parse_meas("1,2,254", &pol), 0);
	assert_int_equal(pol.meas_required[0], 0x06);
	assert_int_equal(pol.meas_required[31], 0x40);
	assert_int_not_equal(tsm_parse_meas("0", &pol), 0);
	assert_int_not_equal(tsm_parse_meas("255", &pol), 0);
	assert_int_not_equal(tsm_parse_meas("1000", &pol), 0);
	assert_int_not_equal(tsm_parse_meas("1,", &pol), 0);
	assert_int_not_equal(tsm_parse_meas("a", &pol), 0);
	assert_int_equal(pol.meas_required[0], 0x06);
}

static void anchors_are_sha256_or_sha384_hex(void **state)
{
	struct tsm_connect_policy pol = { 0 };
	char hex[97];

	(void)state;
	memset(hex, 'a', 96);
	hex[96] = 0;
	assert_int_equal(tsm_parse_anchor(hex, &pol), 0);
	assert_int_equal(pol.anchor_digest_len, 48);
	assert_int_equal(pol.anchor_digest[47], 0xaa);
	hex[64] = 0;
	assert_int_equal(tsm_parse_anchor(hex, &pol), 0);
	assert_int_equal(pol.anchor_digest_len, 32);
	hex[3] = 'g';
	assert_int_equal(tsm_parse_anchor(hex, &pol), -E_INVAL);
	hex[63] = 0;
	assert_int_equal(tsm_parse_anchor(hex, &pol), -E_INVAL);
}

static void measurement_record_must_hold_required_blocks(void **state)
{
	/* blocks 1 (2 bytes), 3 (0 bytes), 2 (1 byte) */
	static const u8 rec[] = { 1, 1, 2, 0, 0xaa, 0xbb, 3, 1, 0, 0, 2, 1, 1, 0, 0xcc };
	struct tsm_connect_policy pol = { 0 };
	unsigned missing = 0;

	(void)state;
	assert_int_equal(tsm_parse_meas("1,2,3", &pol), 0);
	assert_int_equal(tsm_meas_check(rec, sizeof(rec), 3, &pol, &missing), 0);
	assert_int_equal(tsm_meas_check(rec, sizeof(rec), 2, &pol, &missing), -E_PROTO);
	assert_int_equal(tsm_meas_check(rec, sizeof(rec) - 1, 3, &pol, &missing), -E_PROTO);
	assert_int_equal(tsm_meas_check(rec, sizeof(rec), 4, &pol, &missing), -E_PROTO);
	assert_int_equal(tsm_parse_meas("1,4", &pol), 0);
	assert_int_equal(tsm_meas_check(rec, sizeof(rec), 3, &pol, &missing), -E_NOENT);
	assert_int_equal(missing, 4);
}

static void ide_mode_parses_off_stream_and_link(void **state)
{
	struct tsm_connect_policy pol = { 0 };
	static const char *const bad[] = { "",	 "256", "1:",	   "1:lin",	  "link",
					   "-1", "0x1", "1 :link", "1:link:link", "1000" };

	(void)state;
	assert_int_equal(pol.ide, TSM_IDE_AUTO);
	assert_int_equal(tsm_parse_ide("7", &pol), 0);
	assert_int_equal(pol.ide, TSM_IDE_ON);
	assert_int_equal(pol.ide_stream, 7);
	assert_int_equal(tsm_parse_ide("255:link", &pol), 0);
	assert_int_equal(pol.ide, TSM_IDE_LINK);
	assert_int_equal(pol.ide_stream, 255);
	assert_int_equal(tsm_parse_ide("off", &pol), 0);
	assert_int_equal(pol.ide, TSM_IDE_OFF);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tsm_parse_ide(bad[i], &pol), -E_INVAL);
		assert_int_equal(pol.ide, TSM_IDE_OFF); /* unchanged */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_lists_parse_with_or_without_segment),
		cmocka_unit_test(measurement_indices_parse),
		cmocka_unit_test(anchors_are_sha256_or_sha384_hex),
		cmocka_unit_test(measurement_record_must_hold_required_blocks),
		cmocka_unit_test(ide_mode_parses_off_stream_and_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
