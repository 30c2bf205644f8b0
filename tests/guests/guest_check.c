// SPDX-License-Identifier: MIT
/* PASS/FAIL lines of the ABI test guests (guest_check.h), the same on arm64 and x86_64. */
#include "tests/guests/guest_check.h"

#include "tests/guests/guest_out.h"

int failures;
static char check_line[160];

void check(const char *what, int64_t got, int64_t want)
{
	char *p = check_line;

	if (got == want)
		return;
	failures++;
	p = put_str(p, "FAIL ");
	p = put_str(p, what);
	p = put_str(p, ": got ");
	p = put_hex(p, (uint64_t)got);
	p = put_str(p, " want ");
	p = put_hex(p, (uint64_t)want);
	p = put_str(p, "\n");
	*p = 0;
	say(check_line);
}

void result(const char *name, int before)
{
	char *p = check_line;

	p = put_str(p, failures == before ? "PASS " : "FAIL ");
	p = put_str(p, name);
	p = put_str(p, "\n");
	*p = 0;
	say(check_line);
}
