// SPDX-License-Identifier: MIT
/* The x86 hypercall register mapping and the emulated guest MMIO (arch/x86/vhcall.h). */
#include "arch/x86/vhcall.h"

#include "arch/x86/insn.h"
#include "vmm/hypercall.h"
#include "vmm/vdev.h"
#include "guest_abi/moat_abi.h"

#define MOAT_X86_SYSTEM_OFF 0x84000008u /* Arm DEN 0022 SYSTEM_OFF */
#define MOAT_X86_SYSTEM_RESET 0x84000009u

enum {
	RAX = 0,
	RCX = 1,
	RDX = 2,
	RSI = 6,
	RDI = 7,
	R8 = 8,
	R9 = 9
};

enum x86_hc x86_hypercall(struct vcpu *v, u64 *gprs)
{
	u64 fn = gprs[RAX];
	u64 regs[HC_NREGS] = { fn, gprs[RDI], gprs[RSI], gprs[RDX], gprs[RCX], gprs[R8], gprs[R9] };

	if (fn == MOAT_X86_SYSTEM_OFF)
		return X86_HC_POWER_OFF;
	if (fn == MOAT_X86_SYSTEM_RESET)
		return X86_HC_RESET;
	if (!hypercall_is_moat(fn)) {
		gprs[RAX] = (u64)-1;
		return X86_HC_DONE;
	}
	hypercall_dispatch(v, regs);
	gprs[RAX] = regs[0];
	gprs[RDI] = regs[1];
	gprs[RSI] = regs[2];
	gprs[RDX] = regs[3];
	return X86_HC_DONE;
}

struct mmio_ctx {
	struct vcpu *v;
	u64 gpa;
};

static bool mmio_access(void *ctx, bool write, unsigned size, u64 *val)
{
	struct mmio_ctx *m = ctx;

	/* the virtual ECAM, then the MSI-X table and PBA pages kept out of the NPT (vdev_msix.c) */
	return vdev_ecam_mmio(m->v->vm, m->gpa, write, size, val) ||
	       vdev_bar_mmio(m->v->vm, m->gpa, write, size, val);
}

bool x86_vmmio_emulated(u64 gpa)
{
	return (gpa >= MOAT_GPA_ECAM && gpa - MOAT_GPA_ECAM < MOAT_GPA_ECAM_SIZE) ||
	       (gpa >= MOAT_GPA_BARS && gpa - MOAT_GPA_BARS < MOAT_GPA_BARS_SIZE);
}

int x86_vmmio(struct vcpu *v, u64 gpa, const struct x86_insn *in, u64 *gprs)
{
	struct mmio_ctx m = { v, gpa };

	return x86_insn_mmio(in, gprs, mmio_access, &m);
}
