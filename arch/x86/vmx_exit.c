// SPDX-License-Identifier: MIT
/*
 * VMX exit dispatch (Intel SDM vol. 3C ch. 27 "VM exits", appendix C): one handler per exit
 * Moat's controls can cause, a documented answer for every other reason. The instruction
 * length comes from the VMCS (27.2.5) for the exits that have one; the EPT-violation MMIO
 * path decodes the bytes at RIP (insn.c). The guest faults are those of docs/guest-abi.md
 * (x86), the same as on SVM: #GP for a refused MSR access, string I/O or a bad CR value,
 * #UD for VMX instructions, #MC for an access outside the memory map or MMIO that cannot be
 * emulated. The VMCS exit fields, the registers and guest memory are all hostile.
 */
#define LOG_COMPONENT "vmx"
#include "arch/x86/vmx.h"

#include "arch/x86/gwalk.h"
#include "arch/x86/insn.h"
#include "arch/x86/vcpuid.h"
#include "arch/x86/vhcall.h"
#include "arch/x86/x86.h"
#include "arch/x86/x86_vm.h"
#include "core/log.h"
#include "vmm/hypercall.h"
#include "vmm/vm.h"
#include "lib/err.h"

#define VEC_UD 6
#define VEC_GP 13
#define VEC_AC 17
#define VEC_MC 18
#define MSR_APIC_BASE 0x1bu
#define MSR_PAT 0x277u
#define MSR_EFER 0xc0000080u
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
#define CR0_PE (1ULL << 0)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_VMXE (1ULL << 13)
#define CR4_OSXSAVE (1ULL << 18)
#define CR4_GUEST_BITS (0x3727ffULL & ~CR4_VMXE) /* the CR4 bits a guest may set (SDM 2.5) */
#define RFLAGS_IF (1ULL << 9)
#define EPT_QUAL_GLA_VALID (1ULL << 7)
#define EPT_QUAL_TRANSLATION (1ULL << 8)

static void inject(unsigned vec, bool has_err, u32 err)
{
	vmcs_write(VMCS_ENTRY_INTR_INFO, vec | VMX_INTR_TYPE_HW_EXCP << VMX_INTR_TYPE_SHIFT |
						 VMX_INTR_VALID |
						 (has_err ? VMX_INTR_ERR_VALID : 0));
	if (has_err)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, err);
}

/* Past the exiting instruction; an STI or MOV SS shadow ends with it (it covered it). */
static void skip(void)
{
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + vmcs_read(VMCS_EXIT_INSN_LEN));
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~3ULL);
}

static enum vmx_action exit_cpuid(struct vmx_vcpu *xv)
{
	x86_exit_cpuid(xv->gprs, xv->v->id, xv->v->vm->nvcpus,
		       vmcs_read(VMCS_CR4_SHADOW) & CR4_OSXSAVE);
	skip();
	return VMX_RESUME;
}

/* ---- MSRs ---------------------------------------------------------------------------------- */

static int msr_read(struct vmx_vcpu *xv, u32 msr, u64 now, u64 *v)
{
	if (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST)
		return vlapic_read(&xv->lapic, msr, now, v);
	switch (msr) {
	case MSR_APIC_BASE: *v = x86_apic_base(xv->v->id); return 0;
	case MSR_EFER: *v = vmcs_read(VMCS_GUEST_EFER); return 0;
	case MSR_PAT: *v = vmcs_read(VMCS_GUEST_PAT); return 0;
	default: return -E_INVAL;
	}
}

/* EFER: LME may change only with paging off; LMA follows CR0.PG (exit_cr0). */
static int efer_write(u64 v)
{
	u64 cur = vmcs_read(VMCS_GUEST_EFER);

	if (v & ~(EFER_GUEST_WRITABLE | EFER_LMA))
		return -E_INVAL; /* SVME and the rest: not offered */
	if (((v ^ cur) & EFER_LME) && (vmcs_read(VMCS_CR0_SHADOW) & CR0_PG))
		return -E_INVAL;
	vmcs_write(VMCS_GUEST_EFER, (v & EFER_GUEST_WRITABLE) | (cur & EFER_LMA));
	return 0;
}

static int msr_write(struct vmx_vcpu *xv, u32 msr, u64 v, u64 now)
{
	struct vlapic_ipi ipi;
	bool sent;
	int err;

	if (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST) {
		err = vlapic_write(&xv->lapic, msr, v, now, &ipi, &sent);
		if (!err && sent)
			vmx_vm_send_ipi(xv->xm, xv->v->id, &ipi);
		return err;
	}
	switch (msr) {
	case MSR_APIC_BASE: return v == x86_apic_base(xv->v->id) ? 0 : -E_INVAL;
	case MSR_EFER: return efer_write(v);
	case MSR_PAT:
		if (!x86_pat_valid(v))
			return -E_INVAL;
		vmcs_write(VMCS_GUEST_PAT, v);
		return 0;
	default: return -E_INVAL;
	}
}

static enum vmx_action exit_msr(struct vmx_vcpu *xv, bool write, u64 now)
{
	u32 msr = (u32)xv->gprs[VGPR_RCX];
	u64 v = x86_msr_operand(xv->gprs);

	if (write ? msr_write(xv, msr, v, now) : msr_read(xv, msr, now, &v)) {
		inject(VEC_GP, true, 0); /* at the instruction: RIP stays */
		return VMX_RESUME;
	}
	if (!write)
		x86_msr_result(xv->gprs, v);
	skip();
	return VMX_RESUME;
}

/* ---- control registers (27.2.1 table 27-3) -------------------------------------------------- */

/* MOV to CR0 / LMSW: the guest's value in the read shadow, the fixed bits in CR0, and long
 * mode activated or left when PG changes with EFER.LME (SDM 10.8.5). */
static int cr0_write(struct vmx_vcpu *xv, u64 v)
{
	const struct vmx_caps *caps = xv->xm->caps;
	u64 old = vmcs_read(VMCS_CR0_SHADOW), efer = vmcs_read(VMCS_GUEST_EFER);
	u32 entry = (u32)vmcs_read(VMCS_ENTRY_CTLS);

	if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
		return -E_INVAL;
	if ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(vmcs_read(VMCS_CR4_SHADOW) & CR4_PAE))
			return -E_INVAL;
		efer |= EFER_LMA;
	} else if (!(v & CR0_PG)) {
		efer &= ~EFER_LMA;
	}
	vmcs_write(VMCS_GUEST_EFER, efer);
	vmcs_write(VMCS_ENTRY_CTLS, (efer & EFER_LMA) ? entry | ENTRY_IA32E : entry & ~ENTRY_IA32E);
	vmcs_write(VMCS_GUEST_CR0, vmx_cr0_hw(caps, v));
	vmcs_write(VMCS_CR0_SHADOW, v);
	if ((v ^ old) & (CR0_PG | CR0_PE))
		vmx_tlb_guest_flush(&xv->tlb); /* the paging mode changed under Moat's write */
	return 0;
}

static int cr4_write(struct vmx_vcpu *xv, u64 v)
{
	u64 old = vmcs_read(VMCS_CR4_SHADOW);

	if ((v & ~CR4_GUEST_BITS) || (!(v & CR4_PAE) && (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA)))
		return -E_INVAL;
	if ((vmx_cr4_hw(xv->xm->caps, v) & ~xv->xm->caps->cr4_fixed1))
		return -E_INVAL;
	vmcs_write(VMCS_GUEST_CR4, vmx_cr4_hw(xv->xm->caps, v));
	vmcs_write(VMCS_CR4_SHADOW, v);
	if (v != old)
		vmx_tlb_guest_flush(&xv->tlb);
	return 0;
}

static int cr_mov_to(struct vmx_vcpu *xv, unsigned cr, u64 v)
{
	switch (cr) {
	case 0: return cr0_write(xv, v);
	case 3: /* only when the CPU forces CR3-load exiting */
		vmcs_write(VMCS_GUEST_CR3, v);
		vmx_tlb_guest_flush(&xv->tlb);
		return 0;
	case 4: return cr4_write(xv, v);
	case 8: return v > 15 ? -E_INVAL : (xv->cr8 = v, 0);
	default: return -E_INVAL;
	}
}

static enum vmx_action exit_cr(struct vmx_vcpu *xv)
{
	u64 q = vmcs_read(VMCS_EXIT_QUAL), *r = &xv->gprs[(q >> 8) & 15];
	unsigned cr = q & 15, type = (q >> 4) & 3;
	int err = 0;

	switch (type) {
	case 0: err = cr_mov_to(xv, cr, *r); break;
	case 1: /* MOV from CR3 or CR8: exits only where the controls force it */
		if (cr == 3)
			*r = vmcs_read(VMCS_GUEST_CR3);
		else if (cr == 8)
			*r = xv->cr8;
		else
			err = -E_INVAL;
		break;
	case 2: err = cr0_write(xv, vmcs_read(VMCS_CR0_SHADOW) & ~(1ULL << 3)); break; /* CLTS */
	default: /* LMSW: bits 3:0, and PE cannot be cleared by it */
		err = cr0_write(xv, (vmcs_read(VMCS_CR0_SHADOW) & ~0xeULL) | ((q >> 16) & 0xf));
		break;
	}
	if (err)
		inject(VEC_GP, true, 0);
	else
		skip();
	return VMX_RESUME;
}

/* ---- I/O, hypercalls, EPT ------------------------------------------------------------------- */

/* Exit qualification of I/O (table 27-5): size - 1 in 2:0, IN 3, string 4, port 31:16. */
static enum vmx_action exit_io(struct vmx_vcpu *xv)
{
	u64 q = vmcs_read(VMCS_EXIT_QUAL), *rax = &xv->gprs[VGPR_RAX];
	unsigned size = (unsigned)(q & 7) + 1;
	bool in = q & (1u << 3);
	u32 val = in ? 0 : (u32)*rax;
	enum x86_vio_result r;

	if ((q & (1u << 4)) || (size != 1 && size != 2 && size != 4)) {
		inject(VEC_GP, true, 0); /* INS/OUTS: not emulated */
		return VMX_RESUME;
	}
	r = x86_vio_access(xv->v->vm, &xv->xm->io, (u16)(q >> 16), size, in, &val);
	if (in)
		x86_io_in_result(rax, size, val);
	skip();
	return r == X86_VIO_POWER_OFF ? VMX_POWER_OFF : r == X86_VIO_RESET ? VMX_RESET : VMX_RESUME;
}

/* The register mapping of docs/guest-abi.md (x86), the same as through VMMCALL (vhcall.c). */
static enum vmx_action exit_vmcall(struct vmx_vcpu *xv)
{
	skip();
	switch (x86_hypercall(xv->v, xv->gprs)) {
	case X86_HC_POWER_OFF: return VMX_POWER_OFF;
	case X86_HC_RESET: return VMX_RESET;
	default: return VMX_RESUME;
	}
}

/* The fast path's time is over: the slice vmx_fast_allowed() gave, or the guest's timer. */
static bool fast_time_over(const struct vmx_vcpu *xv)
{
	/* deadline_ns read again after the clock: nothing is kept across the call */
	return rdtsc() >= xv->fast_until_tsc ||
	       (xv->lapic.deadline_ns && arch_time_ns() >= xv->lapic.deadline_ns);
}

bool vmx_exit_fast(struct vmx_vcpu *xv, u64 *regs)
{
	u64 shadow;

	/* The whole reason: a VM-entry failure (bit 31) or other flags are the full path's. A
	 * VMCALL exit is never one during event delivery (27.2.4), so no IDT-vectoring
	 * information is lost, and every exit clears the valid bit of the entry's event field
	 * (27.2), so nothing is injected again. */
	if ((u32)vmcs_read(VMCS_EXIT_REASON) != VMX_EXIT_VMCALL || fast_time_over(xv) ||
	    !hypercall_dispatch_fast(xv->v, regs))
		return false;
	xv->exits++;
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + vmcs_read(VMCS_EXIT_INSN_LEN));
	shadow = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (shadow & 3) /* an STI or MOV SS shadow ends with the instruction it covered */
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, shadow & ~3ULL);
	return true;
}

static int fetch_decode(struct vmx_vcpu *xv, struct x86_insn *in)
{
	struct x86_paging p = { vmcs_read(VMCS_CR0_SHADOW), vmcs_read(VMCS_GUEST_CR3),
				vmcs_read(VMCS_CR4_SHADOW), vmcs_read(VMCS_GUEST_EFER) };
	u32 ar = (u32)vmcs_read(VMCS_GUEST_ES_AR + 2 * VMX_CS);
	struct x86_insn_mode m = { .long64 = (p.efer & EFER_LMA) && (ar & (1u << 13)),
				   .d32 = ar & (1u << 14) };
	u64 la = vmcs_read(VMCS_GUEST_RIP) + (m.long64 ? 0 : vmcs_read(VMCS_GUEST_ES_BASE + 2));
	u8 buf[X86_INSN_MAX];
	unsigned n = x86_guest_fetch(xv->v->vm, &p, m.long64 ? la : (u32)la, buf, sizeof(buf));

	return x86_insn_decode(buf, n, m, in);
}

/* Qualification (table 27-7): a guest page walk (GLA valid, not the translation) or an
 * address outside the emulated ECAM is the guest's #MC. */
static enum vmx_action exit_ept_violation(struct vmx_vcpu *xv)
{
	u64 q = vmcs_read(VMCS_EXIT_QUAL);
	u64 gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	struct x86_insn in;
	bool walk = (q & EPT_QUAL_GLA_VALID) && !(q & EPT_QUAL_TRANSLATION);

	if (walk || !x86_vmmio_emulated(gpa) || fetch_decode(xv, &in) ||
	    x86_vmmio(xv->v, gpa, &in, xv->gprs)) {
		inject(VEC_MC, false, 0);
		return VMX_RESUME;
	}
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + in.len);
	return VMX_RESUME;
}

/* ---- stops, exceptions, dispatch -------------------------------------------------------------- */

static enum vmx_action exit_stop(struct vmx_vcpu *xv, u32 reason, const char *why)
{
	pr_err("%s: vCPU %u: %s (exit %u %s, qualification 0x%llx, RIP 0x%llx): stopping the VM",
	       xv->v->vm->name, xv->v->id, why, reason & 0xffff, vmx_exit_name(reason),
	       (unsigned long long)vmcs_read(VMCS_EXIT_QUAL),
	       (unsigned long long)vmcs_read(VMCS_GUEST_RIP));
	return VMX_STOP_VM;
}

/* Interruption information (table 24-17): an NMI is the host's (Moat has no NMI user: it is
 * dropped), #MC the host's, #DB and #AC reflected to the guest. */
static enum vmx_action exit_exception(struct vmx_vcpu *xv)
{
	u32 info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);
	unsigned vec = info & 0xff, type = (info >> VMX_INTR_TYPE_SHIFT) & 7;

	if (!(info & VMX_INTR_VALID) || type == VMX_INTR_TYPE_NMI)
		return VMX_RESUME;
	if (vec == VEC_MC)
		return exit_stop(xv, VMX_EXIT_EXCEPTION_NMI, "machine check");
	inject(vec, vec == VEC_AC, vec == VEC_AC ? (u32)vmcs_read(VMCS_EXIT_INTR_ERROR) : 0);
	return VMX_RESUME;
}

static enum vmx_action dispatch(struct vmx_vcpu *xv, u32 reason, u64 now)
{
	switch (reason) {
	case VMX_EXIT_EXCEPTION_NMI: return exit_exception(xv);
	/* not acknowledged on exit: the IDT takes it from the APIC in the window (x86.h) */
	case VMX_EXIT_EXT_INTR: x86_irq_window(); return VMX_RESUME;
	case VMX_EXIT_INTR_WINDOW:
	case VMX_EXIT_NMI_WINDOW:
	case VMX_EXIT_PREEMPT_TIMER: return VMX_RESUME; /* the run loop handles what is pending */
	case VMX_EXIT_TRIPLE_FAULT: return exit_stop(xv, reason, "shutdown (triple fault)");
	case VMX_EXIT_INIT: return exit_stop(xv, reason, "INIT signal");
	case VMX_EXIT_CPUID: return exit_cpuid(xv);
	case VMX_EXIT_HLT: skip(); return VMX_HALT;
	case VMX_EXIT_INVD: skip(); return VMX_RESUME;
	case VMX_EXIT_VMCALL: return exit_vmcall(xv);
	case VMX_EXIT_CR_ACCESS: return exit_cr(xv);
	case VMX_EXIT_IO: return exit_io(xv);
	case VMX_EXIT_RDMSR: return exit_msr(xv, false, now);
	case VMX_EXIT_WRMSR: return exit_msr(xv, true, now);
	case VMX_EXIT_EPT_VIOLATION: return exit_ept_violation(xv);
	case VMX_EXIT_EPT_MISCONFIG: return exit_stop(xv, reason, "EPT misconfiguration");
	case VMX_EXIT_TASK_SWITCH: return exit_stop(xv, reason, "hardware task switch");
	case VMX_EXIT_MACHINE_CHECK: return exit_stop(xv, reason, "machine check at entry");
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_XSETBV: inject(VEC_UD, false, 0); return VMX_RESUME;
	default:
		if (reason >= VMX_EXIT_VMCLEAR && reason <= VMX_EXIT_VMXON) {
			inject(VEC_UD, false, 0); /* VMX is Moat's, not the guest's */
			return VMX_RESUME;
		}
		return exit_stop(xv, reason, "unexpected exit");
	}
}

/* An event whose delivery the exit interrupted is delivered again (27.2.4, 26.6.1.1). */
static void vmx_reinject(void)
{
	u32 idt = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
	unsigned type = (idt >> VMX_INTR_TYPE_SHIFT) & 7;

	/* Types 1 and 7 are reserved for injection (table 24-16); only the defined bits go. */
	if (!(idt & VMX_INTR_VALID) || type == 1 || type == 7) {
		vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
		return;
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, idt & (VMX_INTR_VALID | VMX_INTR_ERR_VALID | 0x7ff));
	if (idt & VMX_INTR_ERR_VALID)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
	if (type == VMX_INTR_TYPE_SW_INTR || type == VMX_INTR_TYPE_PRIV_SW_EXCP ||
	    type == VMX_INTR_TYPE_SW_EXCP)
		vmcs_write(VMCS_ENTRY_INSN_LEN, vmcs_read(VMCS_EXIT_INSN_LEN));
}

enum vmx_action vmx_handle_exit(struct vmx_vcpu *xv, u64 now_ns)
{
	u32 reason = (u32)vmcs_read(VMCS_EXIT_REASON);
	enum vmx_action a;

	xv->exits++;
	if (reason & VMX_EXIT_REASON_ENTRY_FAIL) /* 26.8: nothing ran; the guest state is intact */
		return exit_stop(xv, reason, "VM entry failed");
	vmx_reinject();
	xv->gprs[VGPR_RSP] = vmcs_read(VMCS_GUEST_RSP);
	a = dispatch(xv, reason & 0xffff, now_ns);
	vmcs_write(VMCS_GUEST_RSP, xv->gprs[VGPR_RSP]);
	return a;
}

enum vmx_action vmx_entry_failed(struct vmx_vcpu *xv, bool valid, u64 insn_error)
{
	pr_err("%s: vCPU %u: %s failed: %s (VM-instruction error %llu): stopping the VM",
	       xv->v->vm->name, xv->v->id, xv->launched ? "VMRESUME" : "VMLAUNCH",
	       valid ? vmx_insn_error_name(insn_error) : "no current VMCS",
	       (unsigned long long)(valid ? insn_error : 0));
	return VMX_STOP_VM;
}
