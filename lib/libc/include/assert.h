/* SPDX-License-Identifier: MIT */
/* The image has no run-time assert(); third-party headers only need the name and static_assert. */
#ifndef MOAT_LIBC_ASSERT_H
#define MOAT_LIBC_ASSERT_H

#define assert(x) ((void)0)
#define static_assert _Static_assert

#endif
