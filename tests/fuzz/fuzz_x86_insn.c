// SPDX-License-Identifier: MIT
/*
 * The x86 exit decoder on arbitrary bytes (the guest controls the bytes at its RIP): byte 0
 * picks the code-segment mode and how many bytes are readable, the rest is the instruction.
 * A decode never reads past what it was given, reports at most 15 bytes, gives the same
 * answer when given exactly the bytes it used, and an emulated MMIO access touches only the
 * sixteen general registers and the register the instruction names.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86/insn.h"

static bool fz_access(void *ctx, bool write, unsigned size, uint64_t *val)
{
	(void)ctx;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		__builtin_trap();
	if (!write)
		*val = 0x8877665544332211ULL;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x86_insn_mode mode;
	struct x86_insn in, again;
	uint64_t g[16], before[16];
	unsigned n;

	if (size < 2)
		return 0;
	mode = (struct x86_insn_mode){ .long64 = data[0] & 1, .d32 = data[0] & 2 };
	n = (unsigned)(size - 1 < 20 ? size - 1 : 20);
	n = (data[0] >> 2) % (n + 1);
	uint8_t buf[20];
	memcpy(buf, data + 1, n);
	if (x86_insn_decode(buf, n, mode, &in))
		return 0;
	if (in.len == 0 || in.len > X86_INSN_MAX || in.len > n || in.reg > 15)
		__builtin_trap();
	if (x86_insn_decode(buf, in.len, mode, &again) || memcmp(&in, &again, sizeof(in)))
		__builtin_trap();
	for (unsigned i = 0; i < 16; i++)
		g[i] = before[i] = 0x0101010101010101ULL * i;
	if (x86_insn_mmio(&in, g, fz_access, NULL) == 0)
		for (unsigned i = 0; i < 16; i++)
			if (g[i] != before[i] && i != (in.high8 ? in.reg - 4u : in.reg))
				__builtin_trap();
	return 0;
}
