/* SPDX-License-Identifier: MIT */
/*
 * The VM backend interface (docs/vm-backend.md): what core asks of the one CPU
 * virtualization backend an image carries (arm64 EL2; on x86 SVM or VMX,
 * chosen at run time from CPUID by arch/x86/x86_vm.c). The
 * other entry points of the interface keep their historical names and headers for now:
 * arch_vm_create/arch_vms_start (vmm/vm_boot.h), arch_vm_map_mmio/arch_vm_unmap_mmio/
 * arch_vm_raise_spi (vmm/vdev.h), arch_vcpu_kick (vmm/vm_mmio.h).
 */
#ifndef VMM_VM_BACKEND_H
#define VMM_VM_BACKEND_H

#include "lib/types.h"

/* The guest-physical map of this arch's VMs (docs/guest-abi.md "Memory map"). */
struct vm_layout {
	gpa_t ram_base;	   /* first RAM address: private RAM, then shared RAM */
	u64 kernel_offset; /* where the kernel image goes, from ram_base */
	bool fdt;	   /* the guest is given a device tree at the top of private RAM */
};

void vmb_vm_layout(struct vm_layout *out);

#endif
