/* SPDX-License-Identifier: MIT */
/* No stdio in the image: only what headers of third-party libraries mention. */
#ifndef MOAT_LIBC_STDIO_H
#define MOAT_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#endif
