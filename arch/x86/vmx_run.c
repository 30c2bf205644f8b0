// SPDX-License-Identifier: MIT
/*
 * The VM-entry loop of one vCPU (image only): the current VMCS, INIT and start-up IPIs, the
 * state VMX does not switch, TLB invalidations, pending events, the entry (vmx_entry.S) and
 * the exit dispatch (vmx_exit.c). Every entry is bounded: the VMX-preemption timer, where
 * the CPU has it, ends a guest slice that no other exit ends, so the run loop sees stop
 * requests and the virtual x2APIC timer even from a guest spinning with interrupts off.
 *
 * As on SVM (svm_vms.c), the vCPUs take turns on the boot CPU, so the state VMX
 * leaves in the CPU (the syscall MSRs, KernelGSbase, CR2, the x87/SSE state) is swapped when
 * the CPU changes vCPU. With one vCPU per CPU (docs/vm-backend.md) that swap never happens.
 */
#define LOG_COMPONENT "vmx"
#include "arch/x86/vmx.h"

#include <arch/cpu.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "core/log.h"
#include "vmm/vm.h"

int vmx_enter(u64 *gprs, u64 launched, struct vmx_vcpu *fast);

/* A guest slice in TSC ticks (Bochs: instructions) before the preemption timer exits. */
#define VMX_SLICE_TSC (1ULL << 22)

static const u32 lazy_msrs[VMX_LAZY_MSRS] = { 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
					      0xc0000102 };

static struct {
	struct vmx_vcpu *state_of; /* whose lazy state the CPU holds */
	paddr_t current;	   /* the current VMCS */
} cpu0;

static void lazy_save(struct vmx_vcpu *xv)
{
	for (unsigned i = 0; i < VMX_LAZY_MSRS; i++)
		xv->lazy_msr[i] = rdmsr(lazy_msrs[i]);
	xv->cr2 = read_cr2();
	__asm__ volatile("fxsave64 %0" : "=m"(xv->fpu));
}

static void lazy_load(struct vmx_vcpu *xv)
{
	for (unsigned i = 0; i < VMX_LAZY_MSRS; i++)
		wrmsr(lazy_msrs[i], xv->lazy_msr[i]);
	__asm__ volatile("mov %0, %%cr2" : : "r"(xv->cr2));
	if (xv->fpu_valid) {
		__asm__ volatile("fxrstor64 %0" : : "m"(xv->fpu));
	} else {
		u32 mxcsr = 0x1f80; /* the power-up state (SDM 10.2.3) */

		__asm__ volatile("fninit\n ldmxcsr %0" : : "m"(mxcsr));
		xv->fpu_valid = true;
	}
}

static int vmx_vcpu_switch_to(struct vmx_vcpu *xv)
{
	int err;

	if (cpu0.current.v != xv->vmcs.v) {
		if ((err = vmx_vmcs_load(xv->xm->caps, xv->vmcs, false)))
			return err;
		cpu0.current = xv->vmcs;
	}
	if (cpu0.state_of != xv) {
		if (cpu0.state_of)
			lazy_save(cpu0.state_of);
		lazy_load(xv);
		cpu0.state_of = xv;
	}
	return 0;
}

/* A VMCS was cleared and loaded behind the cache's back (vmx_vm.c, reset): forget it. */
void vmx_vcpu_forget(void)
{
	if (cpu0.state_of)
		lazy_save(cpu0.state_of);
	cpu0.state_of = NULL;
	cpu0.current.v = 0;
}

/* INIT (SDM 8.4, 11.4.7.3): the vCPU forgets its state and waits for a start-up IPI. */
static void vmx_vcpu_init_signal(struct vmx_vcpu *xv)
{
	vlapic_reset(&xv->lapic, xv->v->id);
	xv->running = xv->halted = false;
	xv->nmi_pending = false;
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	__atomic_store_n(&xv->wait_sipi, true, __ATOMIC_RELEASE);
	if (__atomic_exchange_n(&xv->sipi_after_init, false, __ATOMIC_ACQ_REL))
		__atomic_store_n(&xv->wait_sipi, false, __ATOMIC_RELEASE);
}

/* The state a start-up IPI gives: real mode at vector << 12, registers cleared. */
static void vmx_vcpu_sipi(struct vmx_vcpu *xv)
{
	vmx_vmcs_set_sipi(xv->xm->caps, xv->sipi_vector);
	memset(xv->gprs, 0, sizeof(xv->gprs));
	vmx_tlb_guest_flush(&xv->tlb);
	xv->running = true;
}

/* False while the vCPU cannot run: waiting for SIPI, or halted with nothing to take. */
static bool vmx_vcpu_ready(struct vmx_vcpu *xv)
{
	if (__atomic_exchange_n(&xv->init_pending, false, __ATOMIC_ACQ_REL))
		vmx_vcpu_init_signal(xv);
	if (!xv->running) {
		if (__atomic_load_n(&xv->wait_sipi, __ATOMIC_ACQUIRE))
			return false;
		vmx_vcpu_sipi(xv);
	}
	vlapic_timer_poll(&xv->lapic, arch_time_ns());
	if (xv->halted && vlapic_pending(&xv->lapic) < 0 &&
	    !__atomic_load_n(&xv->nmi_pending, __ATOMIC_ACQUIRE))
		return false;
	xv->halted = false;
	return true;
}

static enum vmx_action vmx_vcpu_enter(struct vmx_vcpu *xv)
{
	const struct vmx_caps *caps = xv->xm->caps;
	u64 exits;
	int rc;

	vmx_tlb_prepare(caps, &xv->tlb, ept_pointer(&xv->xm->ept));
	vmx_inject_pending(xv);
	if (caps->preempt_timer)
		vmcs_write(VMCS_PREEMPT_TIMER, VMX_SLICE_TSC >> caps->preempt_shift);
	/* The fast path (vmx_exit_fast()) answers exits for one slice at most: re-entries
	 * from there restart the preemption timer. */
	exits = xv->exits;
	rc = vmx_enter(xv->gprs, xv->launched,
		       vmx_fast_allowed(xv, rdtsc() + VMX_SLICE_TSC) ? xv : NULL);
	if (xv->exits != exits)
		xv->launched = true; /* the fast path had exits: it failed in a VMRESUME */
	if (rc)
		return vmx_entry_failed(xv, rc == 2, rc == 2 ? vmcs_read(VMCS_INSN_ERROR) : 0);
	xv->launched = true;
	return vmx_handle_exit(xv, arch_time_ns());
}

enum vmx_action vmx_vcpu_step(struct vmx_vcpu *xv)
{
	enum vmx_action a;

	if (__atomic_load_n(&xv->v->vm->stopping, __ATOMIC_ACQUIRE))
		return VMX_STOP_VM;
	if (vmx_vcpu_switch_to(xv)) {
		pr_err("%s: vCPU %u: VMPTRLD of its VMCS failed", xv->v->vm->name, xv->v->id);
		return VMX_STOP_VM;
	}
	if (!vmx_vcpu_ready(xv))
		return VMX_HALT;
	a = vmx_vcpu_enter(xv);
	xv->halted = a == VMX_HALT;
	return a;
}

/* Nothing can wake a lone vCPU that halted with no timer running: the VM is stopped. */
static bool vmx_vcpu_stuck(const struct vmx_vcpu *xv)
{
	return xv->v->vm->nvcpus == 1 && xv->running && xv->halted && !xv->lapic.deadline_ns;
}

enum vmx_action vmx_vcpu_run(struct vmx_vcpu *xv)
{
	for (;;) {
		enum vmx_action a = vmx_vcpu_step(xv);

		if (a == VMX_HALT && vmx_vcpu_stuck(xv)) {
			pr_err("%s: vCPU %u halted with nothing to wake it: stopping the VM",
			       xv->v->vm->name, xv->v->id);
			return VMX_STOP_VM;
		}
		if (a == VMX_HALT)
			cpu_relax();
		else if (a != VMX_RESUME)
			return a;
	}
}
