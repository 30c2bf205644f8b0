/* SPDX-License-Identifier: MIT */
/* Console output helpers shared by the bare-metal test guests (no C library in a guest). */
#ifndef TESTS_GUESTS_GUEST_OUT_H
#define TESTS_GUESTS_GUEST_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi/moat_guest.h"

static inline size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static inline char *put_hex(char *p, uint64_t v)
{
	int started = 0;

	p = put_str(p, "0x");
	for (int sh = 60; sh >= 0; sh -= 4) {
		unsigned d = (v >> sh) & 0xf;
		if (d || started || sh == 0) {
			*p++ = (char)(d < 10 ? '0' + d : 'a' + d - 10);
			started = 1;
		}
	}
	return p;
}

/* One line to Moat's console through the CONSOLE_WRITE hypercall. */
static inline void say(const char *s)
{
	moat_console_write(s, str_len(s));
}

#endif
