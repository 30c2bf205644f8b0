// SPDX-License-Identifier: MIT
/*
 * The VMX exit handler under hostile exits (each 40-byte record: reason selector and vCPU,
 * qualification, instruction length, IDT-vectoring information, RAX/RCX/RDX/RBX, the guest
 * physical address selector, 15 bytes at RIP) on the fake VMCS: MSR accesses (x2APIC, EFER,
 * PAT, IPIs), port I/O, CR accesses, EPT violations in and outside the emulated ECAM,
 * hypercalls (through the fast path first when the selector's bit 0 is set), CPUID, HLT,
 * VMX instructions, entry failures. Whatever arrives: the action is one of the enum, RIP
 * moves by at most 15 bytes, only documented events are injected, the VMCS is written only
 * with values its fields can hold (no read-only exit field), and nothing outside the VM's
 * RAM is touched (ASan).
 */
#include <stdint.h>
#include <string.h>

#include "vmx/ept_model.c"
/*
 * The fake VMCS finds a field by a linear search of its slots: instrumented, its compares
 * were most of an input's time and tell inputs apart by nothing the handler does. Test
 * support, not the fuzzed code: no coverage callbacks (lib/compiler.h __no_coverage does the
 * same to single functions); the sanitizers stay on.
 */
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), apply_to = function)
#include "vmx_fixture.c"
#pragma clang attribute pop

#include "vmm/hypercall.h"
#include "guest_abi/moat_abi.h"
#include "lib/bits.h"

static const uint32_t fz_reasons[] = {
	VMX_EXIT_RDMSR,
	VMX_EXIT_WRMSR,
	VMX_EXIT_IO,
	VMX_EXIT_CR_ACCESS,
	VMX_EXIT_EPT_VIOLATION,
	VMX_EXIT_VMCALL,
	VMX_EXIT_CPUID,
	VMX_EXIT_HLT,
	VMX_EXIT_EXT_INTR,
	VMX_EXIT_INTR_WINDOW,
	VMX_EXIT_PREEMPT_TIMER,
	VMX_EXIT_EXCEPTION_NMI,
	VMX_EXIT_VMXON,
	VMX_EXIT_TRIPLE_FAULT,
	VMX_EXIT_EPT_MISCONFIG,
	VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_BAD_GUEST,
	0x7fff,
};

static void fz_check(void)
{
	u64 rip = vmcsf_get(VMCS_GUEST_RIP), inj = vmcsf_get(VMCS_ENTRY_INTR_INFO);
	unsigned type = (inj >> 8) & 7;

	if (rip < VMXF_CODE || rip > VMXF_CODE + 15 || vmcsf_bad_writes())
		__builtin_trap();
	if ((inj & VMX_INTR_VALID) && type != VMX_INTR_TYPE_HW_EXCP && type != VMX_INTR_TYPE_EXT &&
	    type != VMX_INTR_TYPE_NMI && type != VMX_INTR_TYPE_SW_INTR &&
	    type != VMX_INTR_TYPE_PRIV_SW_EXCP && type != VMX_INTR_TYPE_SW_EXCP)
		__builtin_trap();
}

/* The fast path first, as vmx_entry.S tries it (the hypercall block filled and read back). */
static bool fast_exit(struct vmx_vcpu *xv)
{
	static const unsigned reg[HC_NREGS] = { VGPR_RAX, VGPR_RDI, VGPR_RSI, VGPR_RDX,
						VGPR_RCX, VGPR_R8,  VGPR_R9 };
	u64 regs[HC_NREGS];
	bool done;

	for (unsigned i = 0; i < HC_NREGS; i++)
		regs[i] = xv->gprs[reg[i]];
	xv->fast_until_tsc = ~0ULL;
	done = vmx_exit_fast(xv, regs);
	for (unsigned i = 0; i < HC_NREGS; i++)
		xv->gprs[reg[i]] = regs[i];
	return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmxf f;
	static bool init;

	if (!init) {
		vmxf_init(&f);
		init = true;
	}
	for (size_t off = 0; off + 40 <= size; off += 40) {
		const uint8_t *r = data + off;
		struct vmx_vcpu *xv = &f.xm.vcpu[0];
		uint32_t reason = fz_reasons[(r[0] >> 1) % ARRAY_SIZE(fz_reasons)];
		uint64_t qual = get_le32(r + 1) | (uint64_t)r[5] << 32;
		enum vmx_action a;

		vmxf_exit(&f, reason, qual, r[6] % 16, r + 25, 15);
		vmcsf_set(VMCS_IDT_VECTORING_INFO, (r[7] & 1) ? get_le32(r + 7) : 0);
		vmcsf_set(VMCS_GUEST_PHYS_ADDR,
			  (r[11] & 1) ? MOAT_GPA_ECAM + r[12] : get_le32(r + 11));
		xv->gprs[VGPR_RAX] = get_le32(r + 13);
		xv->gprs[VGPR_RCX] = (r[17] & 1) ? 0x800 + r[18] : get_le32(r + 17);
		xv->gprs[VGPR_RDX] = r[21];
		xv->gprs[VGPR_RBX] = get_le32(r + 21);
		xv->gprs[VGPR_R9] = 0;
		a = VMX_RESUME;
		if (!((r[0] & 1) && fast_exit(xv)))
			a = vmx_handle_exit(xv, off);
		if (a > VMX_RESET)
			__builtin_trap();
		fz_check();
		vmx_inject_pending(xv);
		if (vmcsf_bad_writes())
			__builtin_trap();
	}
	return 0;
}
