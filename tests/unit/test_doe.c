// SPDX-License-Identifier: MIT
/* The DOE mailbox driver against the DOE model: discovery, exchanges, every error path. */
#include <stdlib.h>
#include <string.h>

#include <arch/cpu.h>

#include "test_util.h"

#include "lib/err.h"
#include "pci/doe.h"
#include "pci/pci.h"
#include "pcie/pcie_model.h"

#define ECAM_BASE 0x4010000000ull

static struct pcie_model model;
static struct pci_state st;
static struct pci_host host;
static struct pm_doe doe;
static struct doe_mb mb;
static int handler_fail;

/* Echo handler: answers with the same object, payload bytes incremented. */
static int echo(void *ctx, const uint8_t *obj, size_t len, uint8_t *out, size_t cap, size_t *olen)
{
	(void)ctx;
	if (handler_fail || len > cap)
		return -1;
	memcpy(out, obj, len);
	for (size_t i = 8; i < len; i++)
		out[i]++;
	*olen = len;
	return 0;
}

static int setup(void **state)
{
	struct plat_ecam e = { .base = { ECAM_BASE }, .size = 1ull << 20, .bus_end = 0 };
	struct pm_fn *f = pm_fn_new(0, 0x1b36, 0x0010, 0x010802, false);

	(void)state;
	test_log_capture();
	host_time_step_ns = 100000; /* 100 us per poll: 1 s timeouts take 10k polls */
	handler_fail = 0;
	pm_init(&model, ECAM_BASE, 0, 0);
	pm_doe_init(&doe, echo, NULL);
	pm_fn_pcie(f, false);
	pm_fn_doe(f, &doe);
	pm_add_root(&model, f);
	assert_int_equal(pm_attach(&model), 0);
	assert_int_equal(pci_host_init(&host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_int_equal(st.ndevs, 1);
	assert_true(st.devs[0].doe_cap != 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pm_detach(&model);
	host_time_step_ns = 1000;
	return 0;
}

static int exchange(const char *msg, u8 *rsp, size_t cap, size_t *len)
{
	return doe_exchange(&mb, DOE_VENDOR_PCISIG, DOE_TYPE_CMA_SPDM, (const u8 *)msg, strlen(msg),
			    rsp, cap, len);
}

static void discovers_protocols(void **state)
{
	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	assert_int_equal(mb.nprot, 3);
	assert_true(doe_supports(&mb, 1, 0));
	assert_true(doe_supports(&mb, 1, 1));
	assert_true(doe_supports(&mb, 1, 2));
	assert_false(doe_supports(&mb, 1, 3));
}

static void exchanges_objects_padded_to_dwords(void **state)
{
	u8 rsp[64];
	size_t len;

	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	assert_int_equal(exchange("hello", rsp, sizeof(rsp), &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(rsp, "ifmmp\1\1\1", 8);
}

static void times_out_after_one_second_and_recovers(void **state)
{
	u8 rsp[64];
	size_t len;

	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	doe.never_ready = true;
	u64 t0 = arch_time_ns();
	unsigned aborts = doe.abort_count;
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), -E_TIMEOUT);
	assert_true(arch_time_ns() - t0 >= DOE_TIMEOUT_NS);
	assert_true(arch_time_ns() - t0 < 2 * DOE_TIMEOUT_NS);
	assert_int_equal(doe.abort_count, aborts + 1);
	doe.never_ready = false;
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), 0);
}

static void error_bit_fails_the_exchange_and_is_cleared(void **state)
{
	u8 rsp[64];
	size_t len;

	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	handler_fail = 1;
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), -E_IO);
	handler_fail = 0;
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), 0);
}

static void failed_abort_marks_the_mailbox_dead(void **state)
{
	u8 rsp[64];
	size_t len;

	(void)state;
	doe.stuck_busy = doe.abort_fails = true;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), -E_TIMEOUT);
	assert_true(mb.dead);
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), -E_IO);
	assert_true(test_log_has("did not recover from abort"));
}

static void busy_mailbox_is_taken_over_by_abort(void **state)
{
	u8 rsp[64];
	size_t len;

	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	doe.stuck_busy = true; /* another agent: abort clears it */
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), 0);
}

static void rejects_wrong_type_short_and_oversized_responses(void **state)
{
	u8 rsp[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	doe.wrong_type = 2;
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), -E_PROTO);
	doe.wrong_type = 0;
	doe.short_by_dw = 1;
	assert_int_equal(exchange("abcdefgh", rsp, sizeof(rsp), &len), -E_PROTO);
	doe.short_by_dw = 0;
	assert_int_equal(exchange("abcdefghijkl", rsp, 8, &len), -E_NOSPC);
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), 0);
	assert_int_equal(len, 4);
}

static void one_request_outstanding_per_mailbox(void **state)
{
	u8 rsp[64];
	size_t len;

	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	mb.in_flight = true;
	assert_int_equal(exchange("abcd", rsp, sizeof(rsp), &len), -E_BUSY);
	mb.in_flight = false;
}

static void discovery_that_loops_is_refused(void **state)
{
	(void)state;
	doe.disc_loop = true;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), -E_PROTO);
	assert_true(doe.go_count <= 3);
}

static void submit_and_poll_do_not_wait(void **state)
{
	u8 rsp[64];
	size_t len;
	unsigned again = 0;
	int err;

	(void)state;
	assert_int_equal(doe_init(&mb, &st.devs[0], st.devs[0].doe_cap), 0);
	doe.ready_after = 5;
	assert_int_equal(doe_poll(&mb, rsp, sizeof(rsp), &len), -E_STATE);
	assert_int_equal(doe_submit(&mb, 1, 1, (const u8 *)"abcd", 4), 0);
	assert_int_equal(doe_submit(&mb, 1, 1, (const u8 *)"abcd", 4), -E_BUSY);
	while ((err = doe_poll(&mb, rsp, sizeof(rsp), &len)) == -E_AGAIN)
		again++;
	assert_int_equal(err, 0);
	assert_int_equal(again, 5);
	assert_memory_equal(rsp, "bcde", 4);
	/* A response that never comes: poll gives up 1 s after Go and aborts. */
	doe.never_ready = true;
	assert_int_equal(doe_submit(&mb, 1, 1, (const u8 *)"abcd", 4), 0);
	assert_int_equal(doe_poll(&mb, rsp, sizeof(rsp), &len), -E_AGAIN);
	host_time_now_ns += DOE_TIMEOUT_NS + 1;
	assert_int_equal(doe_poll(&mb, rsp, sizeof(rsp), &len), -E_TIMEOUT);
	assert_false(mb.in_flight);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(discovers_protocols, setup, teardown),
		cmocka_unit_test_setup_teardown(exchanges_objects_padded_to_dwords, setup,
						teardown),
		cmocka_unit_test_setup_teardown(times_out_after_one_second_and_recovers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(error_bit_fails_the_exchange_and_is_cleared, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failed_abort_marks_the_mailbox_dead, setup,
						teardown),
		cmocka_unit_test_setup_teardown(busy_mailbox_is_taken_over_by_abort, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rejects_wrong_type_short_and_oversized_responses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(one_request_outstanding_per_mailbox, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discovery_that_loops_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(submit_and_poll_do_not_wait, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
