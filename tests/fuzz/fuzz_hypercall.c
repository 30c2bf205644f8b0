// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the hypercall dispatcher with arbitrary register values. GPAs are
 * steered towards the VM's RAM edges half of the time so that the range checks are hit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/hypercall.h"
#include "core/log.h"
#include "guest_abi/moat_abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PRIV (2ULL << 20)
#define SHARED (2ULL << 20)

static void sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

static u64 rd64(const uint8_t *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static struct vm_config cfg = {
		.name = "fz", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 2
	};
	static u8 *ram;
	u64 regs[HC_NREGS] = { 0 };

	if (!ram) {
		ram = aligned_alloc(4096, PRIV + SHARED);
		log_set_sink(sink);
	}
	vm_init(&vm, 1, &cfg, pa((u64)(uintptr_t)ram));
	if (size < 1 + 8 * HC_NREGS)
		return 0;
	for (int i = 0; i < HC_NREGS; i++)
		regs[i] = rd64(data + 1 + 8 * i);
	if (data[0] & 1) /* a real Moat function number */
		regs[0] = MOAT_HC_FN(regs[0] % (MOAT_HC_COUNT + 1));
	if (data[0] & 2) /* a GPA near the RAM edges */
		regs[1] = VM_RAM_BASE + (regs[1] % (PRIV + SHARED + 0x2000)) - 0x1000;
	if (data[0] & 4)
		regs[2] %= 0x400;
	hypercall_dispatch(&vm.vcpu[data[0] >> 7], regs);
	/* Status is always one of the enum's values. */
	if ((int64_t)regs[0] > 0 || (int64_t)regs[0] < MOAT_BUSY)
		__builtin_trap();
	return 0;
}
