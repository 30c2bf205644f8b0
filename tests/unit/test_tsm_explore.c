// SPDX-License-Identifier: MIT
/*
 * Exhaustive exploration of TDI operation sequences: every sequence of the operations below,
 * up to EXPLORE_DEPTH long (MOAT_SOAK: SOAK_DEPTH), is run from a fresh TDI by depth-first
 * search with state snapshots, and after every step the invariants of tsm/tdi.h are checked
 * against the fake VM layer and the device model:
 *   - no private MMIO mapped unless RUN and owned;
 *   - no trusted DMA unless RUN;
 *   - an ERROR TDI is torn down;
 *   - shared MMIO revoked exactly while the TDI is not CONFIG_UNLOCKED;
 *   - Moat's CONFIG_UNLOCKED means the device is CONFIG_UNLOCKED;
 *   - the START nonce exists only in CONFIG_LOCKED.
 * Plus per-operation oracles: calls by a VM that does not own the TDI and guest calls in the
 * wrong state change nothing at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "test_tsm_env.h"

#define EXPLORE_DEPTH 5
#define SOAK_DEPTH 6

/* What a guest remembers between calls: the digest of the report it last checked. */
struct explore_state {
	struct tsm_env env;
	u8 guest_digest[TSM_DIGEST_LEN];
};

enum op {
	OP_BIND,
	OP_BIND_OTHER_VM,
	OP_GET_REPORT,
	OP_ACCEPT,
	OP_ACCEPT_STALE,
	OP_ACCEPT_OTHER_VM,
	OP_UNBIND,
	OP_UNBIND_OTHER_VM,
	OP_FLR,
	OP_DEVICE_ERROR,      /* the device enters ERROR; Moat notices on its next check */
	OP_MSE_TOGGLE,	      /* memory enable toggled behind Moat's back, then checked */
	OP_VM_TEARDOWN,	      /* VM1 destroyed, then a new VM1 gets the vdev */
	OP_FAULT_REFUSE_STOP, /* toggles the device's refuse-STOP switch */
	OP_FAULT_REPORT,      /* toggles the changing-report switch */
	OP__COUNT
};

static const char *const op_names[OP__COUNT] = {
	"bind",		 "bind(vm2)",	   "get_report", "accept",
	"accept(stale)", "accept(vm2)",	   "unbind",	 "unbind(vm2)",
	"flr",		 "device_error",   "mse_toggle", "vm_teardown",
	"refuse_stop",	 "report_changes",
};

static struct explore_state cur;
static unsigned long nsteps, nseq, nstate[4];
static int path[SOAK_DEPTH];

static void explore_fail(int depth, const char *what)
{
	char buf[512];
	size_t n = 0;

	for (int i = 0; i <= depth && n < sizeof(buf) - 32; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s ", op_names[path[i]]);
	fail_msg("after [%s]: %s (trace %s)", buf, what, E.vm.trace);
}

/* Calls that must change nothing: compare the whole environment before and after. */
static void expect_no_change(int depth, int err, int want)
{
	if (err != want)
		explore_fail(depth, "refused call returned the wrong error");
	if (memcmp(&cur.env, &E, sizeof(E)) != 0)
		explore_fail(depth, "refused call changed state");
}

/* The operation's result is judged by the invariants, not by its return value. */
static void ignore_err(int err)
{
	(void)err;
}

static void op_get_report(void)
{
	u8 buf[TDISP_REPORT_MAX];
	size_t len;

	if (tdi_get_report(&E.tdi, VM1, buf, sizeof(buf), &len, cur.guest_digest))
		return;
}

static void op_accept(int depth, bool stale)
{
	u8 digest[TSM_DIGEST_LEN];
	enum tdi_state before = E.tdi.state;
	int err;

	memcpy(digest, cur.guest_digest, sizeof(digest));
	if (stale)
		digest[5] ^= 0x40;
	err = tdi_accept(&E.tdi, VM1, digest);
	if (!err && before != TDI_CONFIG_LOCKED)
		explore_fail(depth, "accept succeeded outside CONFIG_LOCKED");
	if (!err && stale)
		explore_fail(depth, "accept succeeded with a digest the guest never saw");
}

static void op_vm_teardown(int depth)
{
	if (E.tdi.vm == 0)
		return;
	ignore_err(tdi_vm_teardown(&E.tdi, VM1));
	if (E.tdi.vm != 0)
		explore_fail(depth, "VM teardown left the TDI assigned");
	/* The next VM gets the vdev only once the device is unlocked again. */
	if (tdi_assign(&E.tdi, VM1, &fake_vm_ops) == 0)
		E.vm.shared_mapped = true; /* the new VM maps the device shared at creation */
	else if (E.tdi.state == TDI_CONFIG_UNLOCKED)
		explore_fail(depth, "assign refused for an unlocked TDI");
}

static void apply(int op, int depth)
{
	int err;

	memcpy(&cur.env, &E, sizeof(E));
	switch (op) {
	case OP_BIND: ignore_err(tdi_bind(&E.tdi, VM1)); break;
	case OP_BIND_OTHER_VM: expect_no_change(depth, tdi_bind(&E.tdi, VM2), -E_PERM); break;
	case OP_GET_REPORT: op_get_report(); break;
	case OP_ACCEPT:
	case OP_ACCEPT_STALE: op_accept(depth, op == OP_ACCEPT_STALE); break;
	case OP_ACCEPT_OTHER_VM:
		expect_no_change(depth, tdi_accept(&E.tdi, VM2, cur.guest_digest), -E_PERM);
		break;
	case OP_UNBIND:
		err = tdi_unbind(&E.tdi, VM1);
		if (err == -E_STATE)
			expect_no_change(depth, err, -E_STATE);
		break;
	case OP_UNBIND_OTHER_VM: expect_no_change(depth, tdi_unbind(&E.tdi, VM2), -E_PERM); break;
	case OP_FLR:
		if (tdi_flr(&E.tdi))
			explore_fail(depth, "FLR failed");
		break;
	case OP_DEVICE_ERROR:
		tdev_inject_error(&E.dev, FN_ID);
		ignore_err(tdi_check_device(&E.tdi));
		break;
	case OP_MSE_TOGGLE:
		tdev_set_mse(&E.dev, FN_ID, false);
		tdev_set_mse(&E.dev, FN_ID, true);
		ignore_err(tdi_check_device(&E.tdi));
		break;
	case OP_VM_TEARDOWN: op_vm_teardown(depth); break;
	case OP_FAULT_REFUSE_STOP: E.dev.faults ^= TDEV_FAULT_REFUSE_STOP; break;
	case OP_FAULT_REPORT: E.dev.faults ^= TDEV_FAULT_REPORT_CHANGES; break;
	}
}

static void explore(int depth, int max_depth)
{
	struct explore_state saved;

	if (depth == max_depth) {
		nseq++;
		return;
	}
	memcpy(&saved.env, &E, sizeof(E));
	memcpy(saved.guest_digest, cur.guest_digest, TSM_DIGEST_LEN);
	for (int op = 0; op < OP__COUNT; op++) {
		const char *broken;

		path[depth] = op;
		env_trace_reset();
		apply(op, depth);
		nsteps++;
		nstate[E.tdi.state]++;
		broken = env_broken_invariant();
		if (broken)
			explore_fail(depth, broken);
		explore(depth + 1, max_depth);
		memcpy(&E, &saved.env, sizeof(E));
		memcpy(cur.guest_digest, saved.guest_digest, TSM_DIGEST_LEN);
	}
}

static void no_reachable_state_breaks_the_invariants(void **state)
{
	int depth = getenv("MOAT_SOAK") ? SOAK_DEPTH : EXPLORE_DEPTH;

	(void)state;
	test_log_capture();
	env_setup();
	memset(cur.guest_digest, 0, TSM_DIGEST_LEN);
	explore(0, depth);
	print_message("explored %lu sequences of depth %d over %d operations (%lu steps)\n", nseq,
		      depth, OP__COUNT, nsteps);
	print_message("steps ending in UNLOCKED %lu, LOCKED %lu, RUN %lu, ERROR %lu\n", nstate[0],
		      nstate[1], nstate[2], nstate[3]);
	/* every state must be visited, or the exploration proves little */
	for (int s = 0; s < 4; s++)
		assert_true(nstate[s] > 0);
}

/* The exploration must be able to reach every state, or it proves little. */
static void every_state_is_reachable(void **state)
{
	(void)state;
	test_log_capture();
	env_setup();
	assert_int_equal(tdi_bind(&E.tdi, VM1), 0);
	op_get_report();
	assert_int_equal(E.tdi.state, TDI_CONFIG_LOCKED);
	assert_int_equal(tdi_accept(&E.tdi, VM1, cur.guest_digest), 0);
	assert_int_equal(E.tdi.state, TDI_RUN);
	E.dev.faults = TDEV_FAULT_REFUSE_STOP;
	assert_int_equal(tdi_unbind(&E.tdi, VM1), -E_IO);
	assert_int_equal(E.tdi.state, TDI_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_state_is_reachable),
		cmocka_unit_test(no_reachable_state_breaks_the_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
