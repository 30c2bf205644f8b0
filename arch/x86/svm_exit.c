// SPDX-License-Identifier: MIT
/*
 * SVM exit dispatch (AMD APM vol. 2 15.7-15.14, appendix C): one handler per intercepted
 * exit, a documented answer for every other code. Without next-RIP saving (QEMU), the length
 * of HLT, CPUID and RDMSR/WRMSR comes from decoding the bytes at RIP; if they no longer are
 * that instruction (another vCPU rewrote them), RIP stays and the guest runs whatever is
 * there now. VMMCALL, the hypercall, has one encoding and so one length (vmmcall_len()); the
 * calls that never block are answered by svm_exit_fast() before the full exit path runs.
 * The guest faults of docs/guest-abi.md (x86): #GP for a refused MSR access or string I/O,
 * #UD for SVM instructions, #MC for an access outside the memory map or MMIO that cannot be
 * emulated. The exit information, the registers and guest memory are all hostile; nothing
 * here touches memory outside the VM's RAM.
 */
#define LOG_COMPONENT "svm"
#include "arch/x86/svm.h"

#include "arch/x86/insn.h"
#include "arch/x86/vcpuid.h"
#include "arch/x86/vhcall.h"
#include "arch/x86/x86_vm.h"
#include "core/log.h"
#include "vmm/hypercall.h"
#include "vmm/vm.h"
#include "lib/err.h"

#define VEC_UD 6
#define VEC_GP 13
#define VEC_MC 18
#define MSR_APIC_BASE 0x1bu
#define MSR_PAT 0x277u
#define MSR_EFER 0xc0000080u
#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
#define CR4_OSXSAVE (1ULL << 18)
#define RFLAGS_IF (1ULL << 9)
#define NPF_GUEST_WALK (1ULL << 33)

static void inject(struct svm_vcpu *sv, unsigned vec, bool has_err, u32 err)
{
	sv->vmcb->c.event_inj = vec | SVM_EV_TYPE_EXCP | SVM_EV_VALID |
				(has_err ? SVM_EV_ERR_VALID | (u64)err << 32 : 0);
}

static struct x86_paging paging_of(const struct vmcb *vmcb)
{
	return (struct x86_paging){ vmcb->s.cr0, vmcb->s.cr3, vmcb->s.cr4, vmcb->s.efer };
}

/* Fetches up to `n` bytes at CS:RIP (fewer at the end of RAM) and the mode to decode them in. */
static unsigned fetch(struct svm_vcpu *sv, u8 *buf, unsigned n, struct x86_insn_mode *m)
{
	const struct vmcb_save *s = &sv->vmcb->s;
	struct x86_paging p = paging_of(sv->vmcb);
	u64 la;

	*m = (struct x86_insn_mode){ .long64 = (s->efer & EFER_LMA) && (s->cs.attrib & (1u << 9)),
				     .d32 = s->cs.attrib & (1u << 10) };
	la = s->rip + ((s->efer & EFER_LMA) && m->long64 ? 0 : s->cs.base);
	return x86_guest_fetch(sv->v->vm, &p, m->long64 ? la : (u32)la, buf, n);
}

/* Decodes the instruction at CS:RIP (15 bytes at most, fewer at the end of RAM). */
static int fetch_decode(struct svm_vcpu *sv, struct x86_insn *in)
{
	struct x86_insn_mode m;
	u8 buf[X86_INSN_MAX];
	unsigned n = fetch(sv, buf, sizeof(buf), &m);

	return x86_insn_decode(buf, n, m, in);
}

/*
 * The prefix-free encoding of each instruction whose length an intercept needs (insn.h): the
 * usual case is checked on its own bytes first, which is what a compiler emits and costs a
 * fraction of the decoder; anything else (prefixes, other bytes) goes to the decoder.
 */
static const struct {
	u8 op, len, b[3];
} plain[] = {
	{ X86_OP_HLT, 1, { 0xf4 } },
	{ X86_OP_CPUID, 2, { 0x0f, 0xa2 } },
	{ X86_OP_RDMSR, 2, { 0x0f, 0x32 } },
	{ X86_OP_WRMSR, 2, { 0x0f, 0x30 } },
};

static unsigned plain_len(struct svm_vcpu *sv, enum x86_insn_op op)
{
	struct x86_insn_mode m;
	u8 buf[3];

	for (unsigned i = 0; i < ARRAY_SIZE(plain); i++) {
		unsigned len = plain[i].len;

		if (plain[i].op != op)
			continue;
		if (fetch(sv, buf, len, &m) != len)
			return 0;
		for (unsigned k = 0; k < len; k++)
			if (buf[k] != plain[i].b[k])
				return 0;
		return len;
	}
	return 0;
}

/*
 * The length of the intercepted instruction: with NRIPS the CPU's next RIP (APM 15.7.1; a
 * value no instruction can give is ignored), else the bytes at RIP if they still are `op`
 * (another vCPU may have rewritten them), else 0.
 */
static unsigned insn_len(struct svm_vcpu *sv, enum x86_insn_op op)
{
	const struct vmcb *vmcb = sv->vmcb;
	struct x86_insn in;
	unsigned len;

	if (sv->sm->nrips && vmcb->c.next_rip > vmcb->s.rip &&
	    vmcb->c.next_rip - vmcb->s.rip <= X86_INSN_MAX)
		return (unsigned)(vmcb->c.next_rip - vmcb->s.rip);
	len = plain_len(sv, op);

	if (len)
		return len;
	if (fetch_decode(sv, &in) || in.op != op)
		return 0;
	return in.len;
}

static bool skip(struct svm_vcpu *sv, enum x86_insn_op op)
{
	unsigned len = insn_len(sv, op);

	sv->vmcb->s.rip += len;
	return len;
}

static enum svm_action exit_cpuid(struct svm_vcpu *sv)
{
	if (skip(sv, X86_OP_CPUID))
		x86_exit_cpuid(sv->gprs, sv->v->id, sv->v->vm->nvcpus,
			       sv->vmcb->s.cr4 & CR4_OSXSAVE);
	return SVM_RESUME;
}

/* ---- MSRs ---------------------------------------------------------------------------------- */

static int msr_read(struct svm_vcpu *sv, u32 msr, u64 now, u64 *v)
{
	if (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST)
		return vlapic_read(&sv->lapic, msr, now, v);
	switch (msr) {
	case MSR_APIC_BASE: *v = x86_apic_base(sv->v->id); return 0;
	case MSR_EFER: *v = sv->guest_efer | (sv->vmcb->s.efer & EFER_LMA); return 0;
	case MSR_PAT: *v = sv->vmcb->s.g_pat; return 0;
	default: return -E_INVAL;
	}
}

static int msr_write(struct svm_vcpu *sv, u32 msr, u64 v, u64 now)
{
	struct vlapic_ipi ipi;
	bool sent;
	int err;

	if (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST) {
		err = vlapic_write(&sv->lapic, msr, v, now, &ipi, &sent);
		if (!err && sent)
			svm_vm_send_ipi(sv->sm, sv->v->id, &ipi);
		return err;
	}
	switch (msr) {
	case MSR_APIC_BASE: /* x2APIC stays on at its address: the value read is the only one */
		return v == x86_apic_base(sv->v->id) ? 0 : -E_INVAL;
	case MSR_EFER:
		if (v & ~(EFER_GUEST_WRITABLE | EFER_LMA)) /* SVME too: SVM is not offered */
			return -E_INVAL;
		sv->guest_efer = v & EFER_GUEST_WRITABLE;
		sv->vmcb->s.efer = sv->guest_efer | (sv->vmcb->s.efer & EFER_LMA) | EFER_SVME;
		return 0;
	case MSR_PAT:
		if (!x86_pat_valid(v))
			return -E_INVAL;
		sv->vmcb->s.g_pat = v;
		return 0;
	default: return -E_INVAL;
	}
}

static enum svm_action exit_msr(struct svm_vcpu *sv, u64 now)
{
	bool write = sv->vmcb->c.exit_info1 & 1;
	u32 msr = (u32)sv->gprs[GPR_RCX];
	u64 v = x86_msr_operand(sv->gprs);
	unsigned len = insn_len(sv, write ? X86_OP_WRMSR : X86_OP_RDMSR);

	if (!len)
		return SVM_RESUME;
	if (write ? msr_write(sv, msr, v, now) : msr_read(sv, msr, now, &v)) {
		inject(sv, VEC_GP, true, 0); /* at the instruction: RIP stays */
		return SVM_RESUME;
	}
	sv->vmcb->s.rip += len;
	if (!write)
		x86_msr_result(sv->gprs, v);
	return SVM_RESUME;
}

/* ---- I/O, hypercalls, nested page faults ----------------------------------------------------- */

/* EXITINFO1 of IOIO (15.10.2): TYPE 0 (IN), STR 2, REP 3, SZ8/16/32 4..6, port 31:16. */
static enum svm_action exit_ioio(struct svm_vcpu *sv)
{
	u64 info = sv->vmcb->c.exit_info1;
	unsigned size = (info & (1u << 4)) ? 1 : (info & (1u << 5)) ? 2 : 4;
	bool in = info & 1;
	u32 val = in ? 0 : (u32)sv->gprs[GPR_RAX];
	enum x86_vio_result r;

	if (info & (1u << 2)) { /* INS/OUTS: not emulated */
		inject(sv, VEC_GP, true, 0);
		return SVM_RESUME;
	}
	r = x86_vio_access(sv->v->vm, &sv->sm->io, (u16)(info >> 16), size, in, &val);
	if (in)
		x86_io_in_result(&sv->gprs[GPR_RAX], size, val);
	sv->vmcb->s.rip = sv->vmcb->c.exit_info2; /* IOIO gives the next RIP (15.10.2) */
	return r == X86_VIO_POWER_OFF ? SVM_POWER_OFF : r == X86_VIO_RESET ? SVM_RESET : SVM_RESUME;
}

/*
 * VMMCALL has one encoding, 0F 01 D9 (APM vol. 3), and it is the hypercall instruction of
 * docs/guest-abi.md (x86). A VMMCALL exit means the CPU executed it at RIP, so without NRIPS
 * its length is 3 without reading the guest's code: bytes another vCPU wrote there since do
 * not change what ran. A guest that put redundant prefixes on it resumes at RIP + 3 (where
 * NRIPS exists the CPU's next RIP counts them); either way only its own RIP is concerned.
 */
static unsigned vmmcall_len(const struct svm_vcpu *sv)
{
	const struct vmcb *vmcb = sv->vmcb;

	if (sv->sm->nrips && vmcb->c.next_rip > vmcb->s.rip &&
	    vmcb->c.next_rip - vmcb->s.rip <= X86_INSN_MAX)
		return (unsigned)(vmcb->c.next_rip - vmcb->s.rip);
	return 3;
}

static enum svm_action exit_vmmcall(struct svm_vcpu *sv)
{
	sv->vmcb->s.rip += vmmcall_len(sv);
	switch (x86_hypercall(sv->v, sv->gprs)) {
	case X86_HC_POWER_OFF: return SVM_POWER_OFF;
	case X86_HC_RESET: return SVM_RESET;
	default: return SVM_RESUME;
	}
}

static enum svm_action exit_npf(struct svm_vcpu *sv)
{
	u64 gpa = sv->vmcb->c.exit_info2;
	struct x86_insn in;

	if ((sv->vmcb->c.exit_info1 & NPF_GUEST_WALK) || !x86_vmmio_emulated(gpa) ||
	    fetch_decode(sv, &in) || x86_vmmio(sv->v, gpa, &in, sv->gprs)) {
		inject(sv, VEC_MC, false, 0);
		return SVM_RESUME;
	}
	sv->vmcb->s.rip += in.len;
	return SVM_RESUME;
}

static enum svm_action exit_stop(struct svm_vcpu *sv, const char *why)
{
	pr_err("%s: vCPU %u: %s (exit 0x%llx, RIP 0x%llx): stopping the VM", sv->v->vm->name,
	       sv->v->id, why, (unsigned long long)sv->vmcb->c.exit_code,
	       (unsigned long long)sv->vmcb->s.rip);
	return SVM_STOP_VM;
}

static enum svm_action exit_exception(struct svm_vcpu *sv, unsigned vec)
{
	if (vec == VEC_MC) /* a machine check while the guest ran: the host's, not the guest's */
		return exit_stop(sv, "machine check");
	/* #DB and #AC are intercepted only to keep the CPU out of delivery loops: reflect. */
	inject(sv, vec, vec == 17, 0);
	return SVM_RESUME;
}

static enum svm_action dispatch(struct svm_vcpu *sv, u64 code, u64 now)
{
	switch (code) {
	case SVM_EXIT_INTR: return SVM_RESUME; /* taken through the IDT at STGI (svm_entry.S) */
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_VINTR: return SVM_RESUME; /* the run loop handles what is pending */
	case SVM_EXIT_INIT: return exit_stop(sv, "INIT signal");
	case SVM_EXIT_CPUID: return exit_cpuid(sv);
	case SVM_EXIT_HLT: return skip(sv, X86_OP_HLT) ? SVM_HALT : SVM_RESUME;
	case SVM_EXIT_INVD: skip(sv, X86_OP_INVD); return SVM_RESUME;
	case SVM_EXIT_IOIO: return exit_ioio(sv);
	case SVM_EXIT_MSR: return exit_msr(sv, now);
	case SVM_EXIT_VMMCALL: return exit_vmmcall(sv);
	case SVM_EXIT_NPF: return exit_npf(sv);
	case SVM_EXIT_SHUTDOWN: return exit_stop(sv, "shutdown (triple fault)");
	case SVM_EXIT_TASK_SWITCH: return exit_stop(sv, "hardware task switch");
	case SVM_EXIT_INVALID: return exit_stop(sv, "VMRUN refused the guest state");
	case SVM_EXIT_RSM:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_ARMED: inject(sv, VEC_UD, false, 0); return SVM_RESUME;
	default:
		if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
			return exit_exception(sv, (unsigned)(code - SVM_EXIT_EXCP_BASE));
		return exit_stop(sv, "unexpected exit");
	}
}

enum svm_action svm_handle_exit(struct svm_vcpu *sv, u64 now_ns)
{
	struct vmcb *vmcb = sv->vmcb;

	sv->exits++;
	/* An event whose delivery the exit interrupted is delivered again (15.7.2). */
	vmcb->c.event_inj = (vmcb->c.exit_int_info & SVM_EV_VALID) ? vmcb->c.exit_int_info : 0;
	vmcb->c.exit_int_info = 0;
	sv->gprs[GPR_RAX] = vmcb->s.rax;
	sv->gprs[GPR_RSP] = vmcb->s.rsp;
	u64 rip = vmcb->s.rip;
	enum svm_action a = dispatch(sv, vmcb->c.exit_code, now_ns);
	vmcb->s.rax = sv->gprs[GPR_RAX];
	vmcb->s.rsp = sv->gprs[GPR_RSP];
	/* Past the instruction, an STI or MOV SS interrupt shadow is over (it covered it). */
	if (vmcb->s.rip != rip)
		vmcb->c.int_state &= ~1ULL;
	return a;
}

bool svm_exit_fast(struct svm_vcpu *sv, u64 *regs)
{
	struct vmcb *vmcb = sv->vmcb;

	if (vmcb->c.exit_code != SVM_EXIT_VMMCALL || (vmcb->c.exit_int_info & SVM_EV_VALID))
		return false;
	regs[0] = vmcb->s.rax;
	if (!hypercall_dispatch_fast(sv->v, regs))
		return false;
	vmcb->s.rax = regs[0];
	sv->exits++;
	vmcb->s.rip += vmmcall_len(sv);
	vmcb->c.int_state &= ~1ULL; /* past the instruction: an interrupt shadow is over */
	vmcb->c.tlb_control = 0;    /* the entry before made the translations current */
	return true;
}

/* ---- IPIs and injection ------------------------------------------------------------------------ */

static void deliver(struct svm_vm *sm, unsigned t, const struct vlapic_ipi *ipi)
{
	if (x86_ipi_deliver(&X86_IPI_DEST(&sm->vcpu[t]), ipi) && sm->kick)
		sm->kick(sm, t);
}

void svm_vcpu_take_init(struct svm_vcpu *sv)
{
	if (!__atomic_exchange_n(&sv->init_pending, false, __ATOMIC_ACQ_REL))
		return;
	vlapic_reset(&sv->lapic, sv->v->id);
	sv->running = sv->halted = false;
	sv->nmi_pending = false;
	sv->vmcb->c.event_inj = 0;
	__atomic_store_n(&sv->wait_sipi, true, __ATOMIC_RELEASE);
	if (__atomic_exchange_n(&sv->sipi_after_init, false, __ATOMIC_ACQ_REL))
		__atomic_store_n(&sv->wait_sipi, false, __ATOMIC_RELEASE);
}

void svm_vm_send_ipi(struct svm_vm *sm, unsigned from, const struct vlapic_ipi *ipi)
{
	u64 m = vlapic_ipi_targets(ipi, from, sm->vm->nvcpus);

	for (unsigned t = 0; t < sm->vm->nvcpus; t++)
		if (m >> t & 1)
			deliver(sm, t, ipi);
}

/* V_IRQ with V_IGN_TPR at top priority: an exit as soon as the guest can take interrupts. */
#define VINTR_WINDOW ((1ULL << 8) | (0xfULL << 16) | (1ULL << 20))

void svm_inject_pending(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;
	int vec;

	vmcb->c.intercept3 &= ~SVM_I3_VINTR;
	vmcb->c.vintr &= ~VINTR_WINDOW;
	if (vmcb->c.event_inj & SVM_EV_VALID)
		return; /* one event per entry: the rest waits for the next */
	if (__atomic_exchange_n(&sv->nmi_pending, false, __ATOMIC_ACQ_REL)) {
		vmcb->c.event_inj = 2 | SVM_EV_TYPE_NMI | SVM_EV_VALID;
		return;
	}
	vec = vlapic_pending(&sv->lapic);
	if (vec < 0)
		return;
	if ((vmcb->s.rflags & RFLAGS_IF) && !(vmcb->c.int_state & 1)) {
		vlapic_ack(&sv->lapic, (u8)vec);
		vmcb->c.event_inj = (u64)vec | SVM_EV_TYPE_INTR | SVM_EV_VALID;
		return;
	}
	vmcb->c.vintr |= VINTR_WINDOW;
	vmcb->c.intercept3 |= SVM_I3_VINTR;
}

bool svm_fast_allowed(const struct svm_vcpu *sv)
{
	const struct vmcb *vmcb = sv->vmcb;
	u32 irr = 0;

	if (__atomic_load_n(&sv->v->vm->stopping, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sv->init_pending, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sv->nmi_pending, __ATOMIC_ACQUIRE) ||
	    (vmcb->c.event_inj & SVM_EV_VALID) || (vmcb->c.intercept3 & SVM_I3_VINTR))
		return false;
	for (unsigned i = 0; i < ARRAY_SIZE(sv->lapic.irr); i++)
		irr |= __atomic_load_n(&sv->lapic.irr[i], __ATOMIC_RELAXED);
	return !irr;
}
