// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: sequences of guest MMIO accesses to the emulated GICv3 and PL011 (and
 * guest SGI register writes), any address, size and value. Checks the invariants the arch
 * relies on: SPI targets are vCPUs of the VM, pending and enabled state stays in range.
 */
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "vmm/vm_mmio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

/* Addresses near every emulated range and just past them. */
static u64 fuzz_ipa(const struct vm *vm, u8 sel, u32 off)
{
	switch (sel & 3) {
	case 0: return VM_GICD_BASE + off % (VM_GICD_SIZE + 0x100);
	case 1: return VM_GICR_BASE + off % (vm->nvcpus * VM_GICR_STRIDE + 0x100);
	case 2: return VM_UART_BASE + off % (VM_UART_SIZE + 0x100);
	default: return (u64)off << (sel >> 2 & 15);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static struct vm_config cfg = { .name = "fz", .private_size = 2 << 20 };
	static const unsigned sizes[8] = { 1, 2, 4, 8, 4, 4, 3, 16 };

	log_set_sink(sink);
	if (size < 1)
		return 0;
	cfg.nvcpus = 1 + data[0] % VM_MAX_VCPUS;
	vm_init(&vm, 1, &cfg, pa(0x80000000));
	for (unsigned i = 0; i < vm.nvcpus; i++)
		vm.vcpu[i].power = (data[0] >> 4) & 1 ? VCPU_ON : VCPU_OFF;
	for (size_t p = 1; p + 14 <= size; p += 14) {
		const uint8_t *a = data + p;
		struct vcpu *v = &vm.vcpu[a[0] % vm.nvcpus];
		u32 off;
		u64 val;

		memcpy(&off, a + 2, 4);
		memcpy(&val, a + 6, 8);
		if ((a[1] & 0xc0) == 0xc0)
			vgic_sgi(v, val);
		else
			(void)vm_mmio_access(v, fuzz_ipa(&vm, a[1] >> 2, off), a[1] & 1,
					     sizes[(a[1] >> 1) & 7], &val);
	}
	/* Kicks (arch_vcpu_kick, counted by the fake arch) reach only vCPUs that exist. */
	for (unsigned i = vm.nvcpus; i < VM_MAX_VCPUS; i++)
		if (vm.vcpu[i].arch.kicks)
			__builtin_trap();
	for (unsigned i = 32; i < VGIC_NR_IRQS + 8; i++)
		if (vgic_spi_target(&vm, i) - vm.vcpu >= (long)vm.nvcpus)
			__builtin_trap();
	return 0;
}
