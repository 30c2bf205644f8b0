/* SPDX-License-Identifier: MIT */
/* Helpers shared by the bare-metal test guests (no C library in a guest). */
#ifndef TESTS_GUESTS_GUEST_OUT_H
#define TESTS_GUESTS_GUEST_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi/moat_guest.h"

#define read_sysreg(r)                                       \
	({                                                   \
		uint64_t __v;                                \
		__asm__ volatile("mrs %0, " #r : "=r"(__v)); \
		__v;                                         \
	})
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))

/* Entry points called from start.S. */
void guest_main(uint64_t first_count, uint64_t dtb);
void guest_secondary(uint64_t ctx);
void guest_sync(uint64_t *frame);
void guest_irq(uint64_t *frame);
void guest_unexpected(uint64_t *frame);

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
