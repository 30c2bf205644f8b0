/* SPDX-License-Identifier: MIT */
/*
 * The VMX backend on the host: a fake current VMCS (a field table that also checks each
 * write against the field's width and rejects writes to read-only exit-information fields,
 * SDM appendix B), INVEPT/INVVPID feeding the TLB model (tests/models/vmx), the capability
 * MSRs of Bochs 2.7 CPU models as read by Moat on them, and a two-vCPU VM like the SVM
 * fixture's (guest RAM in a host buffer, identity-mapping guest page tables).
 */
#ifndef VMX_FIXTURE_H
#define VMX_FIXTURE_H

#include "arch/x86/vmx.h"
#include "vmx/ept_model.h"
#include "vmm/vm.h"

#define VMXF_PRIV (4ULL << 20)
#define VMXF_CODE (VM_RAM_BASE + 0x100000)
#define VMXF_PT (VM_RAM_BASE + 0x3f0000)

/* IA32_VMX_* as read on Bochs 2.7 (struct vmx_msrs order). */
extern const struct vmx_msrs vmxf_skylake_x, vmxf_ivy_bridge, vmxf_lynnfield;

/* The fake VMCS. */
void vmcsf_reset(void);
u64 vmcsf_get(u32 field);
bool vmcsf_written(u32 field);
void vmcsf_set(u32 field, u64 v); /* what the CPU writes (exit information), no checks */
unsigned vmcsf_bad_writes(void);  /* writes that the hardware would refuse or truncate */

extern struct tlb_model vmxf_tlb;
/* Interrupt windows opened (x86_irq_window, the image's arch/x86/irq.c). */
extern unsigned vmxf_irq_windows;

struct vmxf {
	struct vm vm;
	struct vm_config cfg;
	struct vmx_vm xm;
	struct vmx_caps caps;
	u8 *ram;
	unsigned kicks[2];
};

/* caps from the Skylake-X MSRs; vCPU 0 in the 64-bit boot state with RIP at VMXF_CODE. */
void vmxf_init(struct vmxf *f);
void vmxf_fini(struct vmxf *f);
void *vmxf_host(struct vmxf *f, u64 gpa);
/* An exit of the current VMCS: reason, qualification, instruction length, bytes at RIP. */
void vmxf_exit(struct vmxf *f, u32 reason, u64 qual, unsigned len, const u8 *insn, unsigned n);

#endif
