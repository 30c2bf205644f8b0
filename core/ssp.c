// SPDX-License-Identifier: MIT
/* Stack-protector support for freestanding images (used by our code and Debian's libfdt.a). */
#include <stdint.h>

#include "core/log.h"

uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ULL;

__noreturn void __stack_chk_fail(void);

void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}
