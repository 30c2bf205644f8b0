/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI on x86 (docs/guest-abi.md, x86), shared by VMMCALL (SVM) and VMCALL
 * (VMX): function and status in RAX; arguments x1..x6 in RDI, RSI, RDX, RCX, R8, R9; results
 * x1..x3 in RDI, RSI, RDX; other registers kept. The PSCI SYSTEM_OFF and SYSTEM_RESET
 * function IDs arm64 guests use are accepted too, so shared guest code names power-off and
 * reset with one number; any other number outside Moat's range gets -1 (NOT_SUPPORTED, as
 * SMCCC answers on arm64). Also the guest MMIO both backends emulate. Built for the image and
 * the host tests.
 */
#ifndef X86_VHCALL_H
#define X86_VHCALL_H

#include "lib/types.h"

struct vcpu;
struct x86_insn;

enum x86_hc {
	X86_HC_DONE,	  /* results are in gprs */
	X86_HC_POWER_OFF, /* the guest asked for SYSTEM_OFF */
	X86_HC_RESET,	  /* the guest asked for SYSTEM_RESET */
};

/* gprs[16]: the guest's registers by x86 register number (0 RAX, 1 RCX, ... 15 R15). */
enum x86_hc x86_hypercall(struct vcpu *v, u64 *gprs);

/*
 * The x86 VM's emulated MMIO, the virtual ECAM of its assigned devices (vmm/vdev.c) and the
 * MSI-X pages of their BARs (vmm/vdev_msix.c): x86_vmmio_emulated() says whether `gpa` is in
 * the two windows; x86_vmmio() runs the decoded access `in` on it with the guest's
 * registers, 0 when done (else the guest gets its #MC).
 */
bool x86_vmmio_emulated(u64 gpa);
int x86_vmmio(struct vcpu *v, u64 gpa, const struct x86_insn *in, u64 *gprs);

#endif
