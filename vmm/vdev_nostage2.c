// SPDX-License-Identifier: MIT
/*
 * x86_64 has no VM run loop yet (issue 8 brought VMs to arm64 only): no VM is ever built, so
 * the device-assignment layer's arch hooks refuse. Replaced when VMX/SVM stage-2 arrives.
 */
#include "vmm/vdev.h"
#include "lib/err.h"

int arch_vm_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size)
{
	(void)vm, (void)g, (void)hpa, (void)size;
	return -E_NOTSUP;
}

void arch_vm_unmap_mmio(struct vm *vm, gpa_t g, u64 size)
{
	(void)vm, (void)g, (void)size;
}

void arch_vm_raise_spi(struct vm *vm, unsigned intid)
{
	(void)vm, (void)intid;
}
