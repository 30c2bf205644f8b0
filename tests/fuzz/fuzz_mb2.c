// SPDX-License-Identifier: MIT
/*
 * The multiboot2 boot information parser on arbitrary bytes (the boot loader's structure):
 * it never reads past what it was given, and what it accepts is consistent: ranges that do
 * not wrap, modules that end after they start, NUL-terminated names, the structure kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/mb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_info bi = { 0 };
	u8 *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (!mb2_parse(copy, size, pa(0x10000), &bi)) {
		if (bi.nextra_rsv != 1 || bi.extra_rsv[0].size > size)
			__builtin_trap();
		for (unsigned i = 0; i < bi.nmem; i++)
			if (!bi.mem[i].size || bi.mem[i].base.v + bi.mem[i].size < bi.mem[i].base.v)
				__builtin_trap();
		for (unsigned i = 0; i < bi.nmodules; i++)
			if (!bi.modules[i].size ||
			    !memchr(bi.modules[i].name, 0, BOOT_MODULE_NAME_MAX))
				__builtin_trap();
		if (bi.rsdp.v && (bi.rsdp.v < 0x10000 || bi.rsdp.v + 20 > 0x10000 + size))
			__builtin_trap();
	}
	if (!memchr(bi.cmdline, 0, sizeof(bi.cmdline)))
		__builtin_trap();
	free(copy);
	return 0;
}
