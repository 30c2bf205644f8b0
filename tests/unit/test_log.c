// SPDX-License-Identifier: MIT
/* core/log: line format, the early buffer, truncation, levels, panic. */
#include <string.h>

#include <arch/cpu.h>

#include "test_util.h"

#define LOG_COMPONENT "unit"
#include "core/log.h"

static char out[8192];
static size_t out_len;
static jmp_buf halted;
static int halt_ok = -1;

static void sink(const char *s, size_t len)
{
	assert_true(out_len + len < sizeof(out));
	memcpy(out + out_len, s, len);
	out_len += len;
	out[out_len] = '\0';
}

static void halt_hook(bool ok)
{
	halt_ok = ok;
	longjmp(halted, 1);
}

static int setup(void **state)
{
	(void)state;
	out_len = 0;
	out[0] = '\0';
	log_set_sink(sink);
	log_set_level(LOG_INFO);
	return 0;
}

static void lines_carry_component_and_level(void **state)
{
	pr_info("hello %d", 42);
	pr_warn("careful");
	pr_err("broken: %s", "yes");
	assert_string_equal(out, "moat: unit: hello 42\nmoat: unit: warning: careful\n"
				 "moat: unit: error: broken: yes\n");
	(void)state;
}

static void debug_is_filtered_by_level(void **state)
{
	pr_debug("noise");
	assert_string_equal(out, "");
	log_set_level(LOG_DEBUG);
	pr_debug("now");
	assert_string_equal(out, "moat: unit: now\n");
	(void)state;
}

static void early_lines_are_replayed_on_attach(void **state)
{
	log_set_sink(NULL);
	pr_info("before console");
	log_raw("raw line\n");
	assert_string_equal(out, "");
	log_set_sink(sink);
	assert_string_equal(out, "moat: unit: before console\nraw line\n");
	(void)state;
}

static void early_overflow_is_counted(void **state)
{
	log_set_sink(NULL);
	for (int i = 0; i < 200; i++)
		pr_info("filler line number %03d with some padding to fill the buffer", i);
	log_set_sink(sink);
	assert_non_null(strstr(out, "moat: log: "));
	assert_non_null(strstr(out, "early lines dropped"));
	(void)state;
}

static void long_lines_are_cut_but_terminated(void **state)
{
	char big[600];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pr_info("%s", big);
	assert_true(out_len <= 256);
	assert_int_equal(out[out_len - 1], '\n');
	(void)state;
}

static void panic_logs_and_halts_with_failure(void **state)
{
	host_halt_hook = halt_hook;
	if (!setjmp(halted))
		panic("invariant %s broken", "X");
	host_halt_hook = NULL;
	assert_int_equal(halt_ok, 0);
	assert_string_equal(out, "moat: panic: invariant X broken\n");
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(lines_carry_component_and_level, setup),
		cmocka_unit_test_setup(debug_is_filtered_by_level, setup),
		cmocka_unit_test_setup(early_lines_are_replayed_on_attach, setup),
		cmocka_unit_test_setup(early_overflow_is_counted, setup),
		cmocka_unit_test_setup(long_lines_are_cut_but_terminated, setup),
		cmocka_unit_test_setup(panic_logs_and_halts_with_failure, setup),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
