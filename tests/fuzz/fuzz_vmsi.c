// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for MSI-X virtualization (vmm/vmsix.c): the device's capability dwords and
 * BAR sizes (parsed), then sequences of guest table and config accesses and of the function's
 * messages, any BAR, offset, size and value. Invariants: a refused capability changes nothing;
 * what a message raises is a message SPI of the owning VM, on one of its vCPUs; the other VM
 * is never touched; vmsix_target only ever returns a message SPI.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "vmm/vm_mmio.h"
#include "vmm/vmsix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

static u64 pending_all(const struct vm *vm)
{
	u64 p = 0;

	for (unsigned i = 0; i < vm->nvcpus; i++)
		p |= vm->vcpu[i].vgic.pending;
	return p;
}

static void fuzz_op(struct vm *vm, struct vmsix *m, const uint8_t *a)
{
	static const unsigned sizes[4] = { 4, 8, 2, 1 };
	u32 off;
	u64 val;
	unsigned intid;

	memcpy(&off, a + 2, 4);
	memcpy(&val, a + 6, 8);
	switch (a[0] & 3) {
	case 0:
		(void)vmsix_table_access(vm, m, a[1] % 7, off % 0x5000, a[0] & 4,
					 sizes[(a[0] >> 3) & 3], &val);
		break;
	case 1: vmsix_cfg_write(vm, m, m->cap + (a[1] & 0xc), (u32)(val >> 32), (u32)val); break;
	case 2: (void)vmsix_fire(vm, m, a[1]); break;
	default:
		if (!vmsix_target(m, a[1], &intid) && !vgic_is_mbi(intid))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm a, b;
	static struct vm_config acfg = { .name = "a", .private_size = 2 << 20 };
	static struct vm_config bcfg = { .name = "b", .private_size = 2 << 20, .nvcpus = 2 };
	static struct vmsix m, before;
	u64 bars[6];
	u32 cap[3];

	log_set_sink(sink);
	if (size < 1 + 12 + 48)
		return 0;
	acfg.nvcpus = 1 + data[0] % VM_MAX_VCPUS;
	vm_init(&a, 1, &acfg, pa(0x80000000));
	vm_init(&b, 2, &bcfg, pa(0x90000000));
	memcpy(cap, data + 1, sizeof(cap));
	memcpy(bars, data + 13, sizeof(bars));
	memset(&m, 0x5a, sizeof(m));
	before = m;
	if (vmsix_parse(&m, 0x40 + (data[0] & 0x70), cap, bars)) {
		if (memcmp(&m, &before, sizeof(m)))
			abort(); /* a refused capability changes no state */
		return 0;
	}
	/* The guest routes its SPIs anywhere (IROUTER) before and between messages. */
	for (size_t p = 61; p + 14 <= size; p += 14) {
		u64 route = data[p + 1];
		if ((data[p] & 0xe0) == 0xe0)
			(void)vm_mmio_access(&a.vcpu[0],
					     VM_GICD_BASE + 0x6000 + 8 * (32 + data[p + 2] % 32),
					     true, 8, &route);
		else
			fuzz_op(&a, &m, data + p);
	}
	for (u64 p = pending_all(&a), i = 0; i < 64; i++)
		if ((p & (1ULL << i)) && !vgic_is_mbi((unsigned)i))
			abort();
	if (pending_all(&b))
		abort();
	return 0;
}
