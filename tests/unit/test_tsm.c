// SPDX-License-Identifier: MIT
/*
 * tsm/tdi.c against the TDISP device model: the happy path, the out-of-order guest calls,
 * every device fault switch, FLR while locked and while running, VM teardown. Each case ends
 * by checking the invariants of tsm/tdi.h and the exact VM-layer/device trace, which shows the
 * teardown order (d disable trusted DMA, S STOP, m unmap private MMIO, r restore shared).
 */
#include <string.h>

#include "test_util.h"

#include "test_tsm_env.h"

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	env_setup();
	return 0;
}

static void assert_consistent(void)
{
	const char *broken = env_broken_invariant();

	if (broken)
		fail_msg("invariant broken: %s (trace %s)", broken, E.vm.trace);
}

/* Bind and fetch the report as the guest would; returns the digest in `digest`. */
static void bind_and_report(u8 digest[TSM_DIGEST_LEN])
{
	u8 buf[TDISP_REPORT_MAX];
	size_t len;

	assert_int_equal(tdi_bind(&E.tdi, VM1), 0);
	assert_int_equal(tdi_get_report(&E.tdi, VM1, buf, sizeof(buf), &len, digest), 0);
	assert_true(len > TSM_REPORT_CHUNK); /* fetched in several portions */
}

static void to_run(void)
{
	u8 digest[TSM_DIGEST_LEN];

	bind_and_report(digest);
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), 0);
	assert_int_equal(E.tdi.state, TDI_RUN);
	env_trace_reset();
}

static void happy_path_locks_reports_starts_and_stops(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	bind_and_report(digest);
	assert_int_equal(E.tdi.state, TDI_CONFIG_LOCKED);
	assert_int_equal(env_dev_state(), TDEV_LOCKED);
	assert_int_equal(E.tdi.parsed.nranges, 3);
	assert_true(E.tdi.nonce_valid);
	assert_consistent();
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), 0);
	assert_int_equal(E.tdi.state, TDI_RUN);
	assert_int_equal(env_dev_state(), TDEV_RUN);
	/* the two TEE ranges are private (3 + 1 pages); the MSI-X page stays shared */
	assert_int_equal(E.vm.private_ranges, 2);
	assert_int_equal(E.vm.private_pages, 4);
	assert_true(E.vm.trusted_dma);
	assert_false(E.tdi.nonce_valid);
	assert_consistent();
	assert_int_equal(tdi_check_device(&E.tdi), 0);
	assert_int_equal(tdi_unbind(&E.tdi, VM1), 0);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_string_equal(E.vm.trace, "RMMDGdSmr");
	assert_consistent();
	/* and again: the TDI is reusable */
	to_run();
	assert_int_equal(E.dev.nlock, 2);
}

static void accept_before_bind_is_refused(void **state)
{
	u8 digest[TSM_DIGEST_LEN] = { 0 };

	(void)state;
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_STATE);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_string_equal(E.vm.trace, "");
	assert_int_equal(E.dev.nlock, 0);
	assert_consistent();
}

static void double_bind_is_refused(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	bind_and_report(digest);
	assert_int_equal(tdi_bind(&E.tdi, VM1), -E_STATE);
	assert_int_equal(E.tdi.state, TDI_CONFIG_LOCKED);
	assert_int_equal(E.dev.nlock, 1);
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), 0);
	assert_int_equal(tdi_bind(&E.tdi, VM1), -E_STATE);
	assert_int_equal(E.tdi.state, TDI_RUN);
	assert_consistent();
}

static void unbind_when_unbound_is_refused(void **state)
{
	(void)state;
	assert_int_equal(tdi_unbind(&E.tdi, VM1), -E_STATE);
	assert_string_equal(E.vm.trace, "");
	assert_int_equal(E.dev.nstop, 0);
	assert_consistent();
}

static void another_vm_cannot_bind_accept_read_or_unbind(void **state)
{
	u8 digest[TSM_DIGEST_LEN], buf[TDISP_REPORT_MAX];
	size_t len;

	(void)state;
	assert_int_equal(tdi_bind(&E.tdi, VM2), -E_PERM);
	assert_int_equal(tdi_bind(&E.tdi, 0), -E_PERM);
	assert_int_equal(E.dev.nlock, 0);
	bind_and_report(digest);
	assert_int_equal(tdi_get_report(&E.tdi, VM2, buf, sizeof(buf), &len, digest), -E_PERM);
	assert_int_equal(tdi_get_evidence(&E.tdi, VM2, TSM_EV_CERT_CHAIN, buf, sizeof(buf), &len),
			 -E_PERM);
	assert_int_equal(tdi_accept(&E.tdi, VM2, digest), -E_PERM);
	assert_int_equal(tdi_unbind(&E.tdi, VM2), -E_PERM);
	assert_int_equal(tdi_vm_teardown(&E.tdi, VM2), -E_PERM);
	assert_int_equal(E.tdi.state, TDI_CONFIG_LOCKED);
	assert_consistent();
}

static void stale_digest_changes_nothing(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	bind_and_report(digest);
	digest[0] ^= 1;
	env_trace_reset();
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_AUTH);
	assert_int_equal(E.tdi.state, TDI_CONFIG_LOCKED);
	assert_true(E.tdi.nonce_valid);
	assert_string_equal(E.vm.trace, "");
	digest[0] ^= 1;
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), 0);
	assert_consistent();
}

static void report_changed_before_accept_tears_down(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	bind_and_report(digest);
	E.dev.faults = TDEV_FAULT_REPORT_CHANGES;
	env_trace_reset();
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_CORRUPT);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_string_equal(E.vm.trace, "Sr");
	assert_true(test_log_has("interface report changed"));
	assert_consistent();
}

static void report_outside_bars_refuses_bind(void **state)
{
	(void)state;
	E.dev.faults = TDEV_FAULT_REPORT_OUTSIDE_BAR;
	assert_int_equal(tdi_bind(&E.tdi, VM1), -E_RANGE);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_string_equal(E.vm.trace, "RSr");
	assert_true(test_log_has("interface report rejected"));
	assert_consistent();
}

static void state_mismatch_refuses_bind(void **state)
{
	(void)state;
	E.dev.faults = TDEV_FAULT_STATE_MISMATCH;
	assert_int_equal(tdi_bind(&E.tdi, VM1), -E_PROTO);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_string_equal(E.vm.trace, "RSr");
	assert_consistent();
}

static void report_without_locked_firmware_refuses_bind(void **state)
{
	(void)state;
	E.dev.faults = TDEV_FAULT_FW_UPDATABLE;
	assert_int_equal(tdi_bind(&E.tdi, VM1), -E_PROTO);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_string_equal(E.vm.trace, "RSr");
	assert_consistent();
}

static void error_while_running_is_detected_and_torn_down(void **state)
{
	(void)state;
	E.dev.faults = TDEV_FAULT_ERROR_WHILE_RUN;
	to_run(); /* the first state read in RUN still says RUN */
	assert_int_equal(tdi_check_device(&E.tdi), -E_IO);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED); /* STOP is legal in ERROR */
	assert_string_equal(E.vm.trace, "dSmr");
	assert_consistent();
}

static void refused_stop_leaves_error_torn_down_until_reset(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	to_run();
	E.dev.faults = TDEV_FAULT_REFUSE_STOP;
	assert_int_equal(tdi_unbind(&E.tdi, VM1), -E_IO);
	assert_int_equal(E.tdi.state, TDI_ERROR);
	assert_int_equal(E.vm.private_ranges, 0);
	assert_false(E.vm.trusted_dma);
	assert_false(E.vm.shared_mapped); /* the device still holds TVM state */
	assert_string_equal(E.vm.trace, "dSm");
	assert_true(test_log_has("device refused STOP"));
	assert_consistent();
	assert_int_equal(tdi_bind(&E.tdi, VM1), -E_STATE);
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_STATE);
	/* an FLR puts the device in ERROR, from which even this device stops */
	env_trace_reset();
	assert_int_equal(tdi_flr(&E.tdi), 0);
	assert_string_equal(E.vm.trace, "SFSr");
	E.dev.faults = 0;
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_consistent();
	to_run();
}

static void flr_while_locked_unbinds_first(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	bind_and_report(digest);
	env_trace_reset();
	assert_int_equal(tdi_flr(&E.tdi), 0);
	assert_string_equal(E.vm.trace, "SrF");
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_STATE);
	assert_consistent();
	to_run(); /* re-bind after FLR */
}

static void flr_while_running_unbinds_first(void **state)
{
	(void)state;
	to_run();
	assert_int_equal(tdi_flr(&E.tdi), 0);
	assert_string_equal(E.vm.trace, "dSmrF");
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(env_dev_state(), TDEV_UNLOCKED);
	assert_consistent();
}

static void device_flr_behind_moats_back_is_detected(void **state)
{
	(void)state;
	to_run();
	tdev_flr(&E.dev, FN_ID); /* the device drops to ERROR on its own */
	assert_int_equal(tdi_check_device(&E.tdi), -E_IO);
	assert_string_equal(E.vm.trace, "dSmr");
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_consistent();
}

static void memory_enable_toggle_unlocks_device_and_tdi(void **state)
{
	(void)state;
	to_run();
	tdev_set_mse(&E.dev, FN_ID, false);
	tdev_set_mse(&E.dev, FN_ID, true);
	assert_int_equal(tdi_check_device(&E.tdi), -E_PROTO);
	/* STOP is refused as the TDI is already unlocked, which the state read confirms */
	assert_string_equal(E.vm.trace, "dSmr");
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_consistent();
}

static void vm_teardown_unbinds_and_drops_assignment(void **state)
{
	(void)state;
	to_run();
	assert_int_equal(tdi_vm_teardown(&E.tdi, VM1), 0);
	assert_string_equal(E.vm.trace, "dSmr");
	assert_int_equal(E.tdi.vm, 0);
	assert_int_equal(tdi_bind(&E.tdi, VM1), -E_PERM);
	assert_int_equal(tdi_assign(&E.tdi, VM2, &fake_vm_ops), 0);
	assert_int_equal(tdi_bind(&E.tdi, VM2), 0);
	assert_consistent();
}

static void failures_during_accept_roll_back(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	bind_and_report(digest);
	E.vm.fail_map_at = 2;
	env_trace_reset();
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_NOMEM);
	assert_string_equal(E.vm.trace, "MSmr");
	assert_consistent();
	E.vm.fail_map_at = 0;
	E.vm.fail_dma = true;
	bind_and_report(digest);
	env_trace_reset();
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_IO);
	assert_string_equal(E.vm.trace, "MMSmr");
	assert_consistent();
}

static void link_failure_leaves_error_torn_down(void **state)
{
	u8 digest[TSM_DIGEST_LEN];

	(void)state;
	bind_and_report(digest);
	E.link_down = true;
	assert_int_equal(tdi_accept(&E.tdi, VM1, digest), -E_TIMEOUT);
	assert_int_equal(E.tdi.state, TDI_ERROR);
	assert_consistent();
	E.link_down = false;
	assert_int_equal(tdi_unbind(&E.tdi, VM1), 0);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_consistent();
}

static void evidence_is_passed_through(void **state)
{
	static const u8 chain[] = "chain", meas[] = "measurements";
	u8 buf[TDISP_REPORT_MAX], digest[TSM_DIGEST_LEN];
	size_t len;

	(void)state;
	E.pd.cert_chain = chain;
	E.pd.cert_chain_len = sizeof(chain);
	E.pd.meas = meas;
	E.pd.meas_len = sizeof(meas);
	assert_int_equal(tdi_get_evidence(&E.tdi, VM1, TSM_EV_CERT_CHAIN, buf, sizeof(buf), &len),
			 0);
	assert_memory_equal(buf, chain, sizeof(chain));
	assert_int_equal(tdi_get_evidence(&E.tdi, VM1, TSM_EV_MEASUREMENTS, buf, 3, &len),
			 -E_NOSPC);
	assert_int_equal(len, sizeof(meas));
	assert_int_equal(tdi_get_evidence(&E.tdi, VM1, TSM_EV_REPORT, buf, sizeof(buf), &len),
			 -E_STATE);
	bind_and_report(digest);
	assert_int_equal(tdi_get_evidence(&E.tdi, VM1, TSM_EV_REPORT, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, E.tdi.report_len);
	assert_int_equal(tdi_get_evidence(&E.tdi, VM1, (enum tsm_evidence)9, buf, 9, &len),
			 -E_INVAL);
}

static void fresh_measurements_use_the_guest_nonce(void **state)
{
	u8 nonce[TSM_NONCE_LEN], buf[128];
	size_t len;

	(void)state;
	memset(nonce, 0x5a, sizeof(nonce));
	assert_int_equal(tdi_get_measurements(&E.tdi, VM2, nonce, buf, sizeof(buf), &len), -E_PERM);
	assert_int_equal(tdi_get_measurements(&E.tdi, VM1, nonce, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 4 + TSM_NONCE_LEN);
	assert_memory_equal(buf + 4, nonce, TSM_NONCE_LEN);
	assert_int_equal(tdi_get_measurements(&E.tdi, VM1, nonce, buf, 8, &len), -E_NOSPC);
	E.pd.connected = false;
	assert_int_equal(tdi_get_measurements(&E.tdi, VM1, nonce, buf, sizeof(buf), &len),
			 -E_NODEV);
	assert_int_equal(E.tdi.state, TDI_CONFIG_UNLOCKED);
}

static void transition_table_is_exactly_tdisp(void **state)
{
	/* expected[from][event-1]: next state, or -1 if refused */
	static const int expected[4][4] = {
		[TDI_CONFIG_UNLOCKED] = { TDI_CONFIG_LOCKED, -1, -1, -1 },
		[TDI_CONFIG_LOCKED] = { -1, TDI_RUN, TDI_CONFIG_UNLOCKED, TDI_ERROR },
		[TDI_RUN] = { -1, -1, TDI_CONFIG_UNLOCKED, TDI_ERROR },
		[TDI_ERROR] = { -1, -1, TDI_CONFIG_UNLOCKED, TDI_ERROR },
	};
	struct tdi t;

	(void)state;
	for (int s = 0; s < 4; s++) {
		for (int ev = TDI_EV_LOCKED; ev <= TDI_EV_FAILED; ev++) {
			int err;

			memset(&t, 0, sizeof(t));
			t.state = (enum tdi_state)s;
			err = tdi_transition(&t, (enum tdi_event)ev);
			if (expected[s][ev - 1] < 0) {
				assert_int_equal(err, -E_STATE);
				assert_int_equal(t.state, s);
			} else {
				assert_int_equal(err, 0);
				assert_int_equal(t.state, expected[s][ev - 1]);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(happy_path_locks_reports_starts_and_stops, setup),
		cmocka_unit_test_setup(accept_before_bind_is_refused, setup),
		cmocka_unit_test_setup(double_bind_is_refused, setup),
		cmocka_unit_test_setup(unbind_when_unbound_is_refused, setup),
		cmocka_unit_test_setup(another_vm_cannot_bind_accept_read_or_unbind, setup),
		cmocka_unit_test_setup(stale_digest_changes_nothing, setup),
		cmocka_unit_test_setup(report_changed_before_accept_tears_down, setup),
		cmocka_unit_test_setup(report_outside_bars_refuses_bind, setup),
		cmocka_unit_test_setup(state_mismatch_refuses_bind, setup),
		cmocka_unit_test_setup(report_without_locked_firmware_refuses_bind, setup),
		cmocka_unit_test_setup(error_while_running_is_detected_and_torn_down, setup),
		cmocka_unit_test_setup(refused_stop_leaves_error_torn_down_until_reset, setup),
		cmocka_unit_test_setup(flr_while_locked_unbinds_first, setup),
		cmocka_unit_test_setup(flr_while_running_unbinds_first, setup),
		cmocka_unit_test_setup(device_flr_behind_moats_back_is_detected, setup),
		cmocka_unit_test_setup(memory_enable_toggle_unlocks_device_and_tdi, setup),
		cmocka_unit_test_setup(vm_teardown_unbinds_and_drops_assignment, setup),
		cmocka_unit_test_setup(failures_during_accept_roll_back, setup),
		cmocka_unit_test_setup(link_failure_leaves_error_torn_down, setup),
		cmocka_unit_test_setup(evidence_is_passed_through, setup),
		cmocka_unit_test_setup(fresh_measurements_use_the_guest_nonce, setup),
		cmocka_unit_test(transition_table_is_exactly_tdisp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
