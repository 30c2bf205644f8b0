/* SPDX-License-Identifier: MIT */
/* Compiler attributes and small helpers shared by every component. */
#ifndef LIB_COMPILER_H
#define LIB_COMPILER_H

#define __must_check __attribute__((warn_unused_result))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __section(s) __attribute__((section(s)))
#define __used __attribute__((used))
/*
 * A straight-line helper with no decision worth a fuzzer's attention (zeroing a table, probing
 * eight entries): no coverage callbacks in it under libFuzzer, and not inlined into an
 * instrumented caller (which would bring them back). It changes nothing else.
 */
#if defined(__clang__)
#define __no_coverage __attribute__((no_sanitize("coverage"), noinline))
#else
#define __no_coverage
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STATIC_ASSERT(c, msg) _Static_assert(c, msg)

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Overflow-checked arithmetic: true when the result overflowed (then *res is unusable). */
#define add_overflow(a, b, res) __builtin_add_overflow(a, b, res)
#define mul_overflow(a, b, res) __builtin_mul_overflow(a, b, res)

#define IS_POW2(x) ((x) != 0 && (((x) & ((x)-1)) == 0))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

#endif
