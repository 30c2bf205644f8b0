// SPDX-License-Identifier: MIT
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define TEST_LOG_MAX (64 * 1024)

static char log_buf[TEST_LOG_MAX];
static size_t log_len;

void *test_load_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;
	void *buf;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

void *test_load_dtb(const char *name, size_t *size)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.dtb", TEST_DTB_DIR, name);
	return test_load_file(path, size);
}

static void log_sink(const char *s, size_t len)
{
	if (log_len + len >= TEST_LOG_MAX)
		len = TEST_LOG_MAX - 1 - log_len;
	memcpy(log_buf + log_len, s, len);
	log_len += len;
	log_buf[log_len] = '\0';
	if (getenv("TEST_VERBOSE"))
		fwrite(s, 1, len, stderr);
}

void test_log_capture(void)
{
	log_set_sink(log_sink);
	test_log_reset();
}

void test_log_reset(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

const char *test_log_text(void)
{
	return log_buf;
}

int test_log_has(const char *needle)
{
	return strstr(log_buf, needle) != NULL;
}

uint64_t test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}
