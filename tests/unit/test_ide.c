// SPDX-License-Identifier: MIT
/* tsm/ide.c: IDE_KM stream keying against the device model. */
#include <string.h>

#include "test_util.h"

#include "test_tsm_env.h"
#include "tsm/ide.h"

static unsigned rng_calls;

static int test_rng(u8 *out, size_t len)
{
	memset(out, 0xa0 + (int)rng_calls++, len);
	return 0;
}

static int failing_rng(u8 *out, size_t len)
{
	(void)out;
	(void)len;
	return -E_IO;
}

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	env_setup();
	rng_calls = 0;
	return 0;
}

static void six_keys_programmed_and_started(void **state)
{
	struct tsm_ide ide;

	(void)state;
	assert_int_equal(tsm_ide_setup(&E.pd, &ide, 3, test_rng), 0);
	assert_true(ide.keyed);
	assert_int_equal(ide.nstreams, 1);
	assert_int_equal(E.dev.nkey_prog, 6);
	assert_int_equal(E.dev.ngo, 6);
	assert_int_equal(E.dev.stream_id, 3);
	/* K0: {PR,NPR,CPL} x {RX,TX} */
	assert_int_equal(E.dev.keys_go, 0x555);
	assert_int_equal(rng_calls, 6);
	/* no key material left in the request buffer */
	for (size_t i = 0; i < sizeof(E.pd.req); i++)
		assert_true(E.pd.req[i] == 0 || i < 8);
	assert_int_equal(tsm_ide_stop(&E.pd, &ide), 0);
	assert_false(ide.keyed);
	assert_int_equal(E.dev.keys_go, 0);
	assert_int_equal(E.dev.nstop_keys, 6);
	assert_int_equal(tsm_ide_stop(&E.pd, &ide), 0); /* idempotent */
	assert_int_equal(E.dev.nstop_keys, 6);
}

static void refused_key_stops_what_was_sent(void **state)
{
	struct tsm_ide ide;

	(void)state;
	E.dev.faults = TDEV_FAULT_KEY_PROG_FAIL;
	assert_int_equal(tsm_ide_setup(&E.pd, &ide, 1, test_rng), -E_IO);
	assert_false(ide.keyed);
	assert_int_equal(E.dev.keys_go, 0);
	assert_int_equal(E.dev.keys_programmed, 0);
	assert_true(test_log_has("key set-up failed at sub-stream 0"));
}

static void rng_failure_sends_no_key(void **state)
{
	struct tsm_ide ide;

	(void)state;
	assert_int_equal(tsm_ide_setup(&E.pd, &ide, 1, failing_rng), -E_IO);
	assert_int_equal(E.dev.nkey_prog, 0);
	assert_false(ide.keyed);
}

static void silent_device_is_an_error(void **state)
{
	struct tsm_ide ide;

	(void)state;
	E.link_down = true;
	assert_int_equal(tsm_ide_setup(&E.pd, &ide, 1, test_rng), -E_TIMEOUT);
	assert_false(ide.keyed);
	E.link_down = false;
	E.dev.max_port = 0;
	ide.port_index = 0;
	assert_int_equal(tsm_ide_setup(&E.pd, &ide, 1, test_rng), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(six_keys_programmed_and_started, setup),
		cmocka_unit_test_setup(refused_key_stops_what_was_sent, setup),
		cmocka_unit_test_setup(rng_failure_sends_no_key, setup),
		cmocka_unit_test_setup(silent_device_is_an_error, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
