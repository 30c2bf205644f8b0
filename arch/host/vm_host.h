/* SPDX-License-Identifier: MIT */
/* The fake arch's record of VM device mappings and virtual SPIs (arch/host/vm_host.c). */
#ifndef ARCH_HOST_VM_HOST_H
#define ARCH_HOST_VM_HOST_H

#include "vmm/vdev.h"
#include "vmm/vm_backend.h"

#define HOST_S2_MAX 64

struct host_s2_map {
	unsigned vm;
	u64 gpa, hpa, size;
};

extern struct host_s2_map host_s2[HOST_S2_MAX];
extern unsigned host_spi_raised[VM_MAX + 1];
extern unsigned host_spi_last[VM_MAX + 1];
extern int host_s2_fail; /* non-zero: arch_vm_map_mmio() fails with it */

/* True if VM `vm` has device memory at g (its host address in *hpa). */
bool host_s2_lookup(unsigned vm, u64 g, u64 *hpa);
void host_s2_reset(void);

/* What vmb_vm_layout() answers (arm64's map unless a test changes it). */
extern struct vm_layout host_vm_layout;

#endif
