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
	return trace_err(-E_NOTSUP);
}

void arch_vm_unmap_mmio(struct vm *vm, gpa_t g, u64 size)
{
	(void)vm, (void)g, (void)size;
}

void arch_vm_raise_spi(struct vm *vm, unsigned intid)
{
	(void)vm, (void)intid;
}

int arch_vdev_msi_doorbell(paddr_t *page, u32 *off)
{
	(void)page, (void)off;
	return -E_NOTSUP;
}

int arch_vdev_msi_map(u16 segment, u16 bdf, u32 event, irq_handler_fn fn, void *ctx, u32 *data)
{
	(void)segment, (void)bdf, (void)event, (void)fn, (void)ctx, (void)data;
	return -E_NOTSUP;
}

void arch_vdev_msi_unmap(u16 segment, u16 bdf, u32 event)
{
	(void)segment, (void)bdf, (void)event;
}
