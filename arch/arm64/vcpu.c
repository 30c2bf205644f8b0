// SPDX-License-Identifier: MIT
/*
 * The vCPU run loop and guest traps at EL2 (Arm ARM D1.10, ESR_EL2 classes D19.2.40). One
 * vCPU is pinned per physical CPU, so entering the guest is an ERET from a register frame and
 * every trap returns to it through vectors.S. Guest register values are untrusted.
 */
#define LOG_COMPONENT "vcpu"
#include "arch/arm64/vcpu.h"

#include <arch/cpu.h>

#include "arch/arm64/gic.h"
#include "arch/arm64/gic_its.h"
#include "arch/arm64/idreg.h"
#include "arch/arm64/sysreg.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "core/init.h"
#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "vmm/vm_boot.h"
#include "vmm/vm_fault.h"
#include "vmm/vm_mmio.h"
#include "lib/err.h"
#include "lib/bits.h"

#define EC_WFX 0x01
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24
#define ESR_DABT_ISV BIT(24)
#define ESR_DABT_SSE BIT(21)
#define ESR_DABT_SF BIT(15)
#define ESR_DABT_WNR BIT(6)
#define ESR_DABT_S1PTW BIT(7)
#define FSC_SEA 0x10 /* synchronous external abort, not on a table walk */

#define SPSR_EL1H_MASKED 0x3c5ULL     /* EL1h, D A I F masked */
#define SCTLR_EL1_RESET 0x30d00800ULL /* RES1 bits, MMU and caches off (D19.2.118) */

/* ICC_SGI1R_EL1 as a trapped MSR (ESR ISS for EC 0x18: Op0, Op2, Op1, CRn, CRm; D19.2.40). */
#define ISS_SYSREG_MASK 0x3ffc1e
#define ISS_SYSREG(op0, op1, crn, crm, op2) \
	((op0) << 20 | (op2) << 17 | (op1) << 14 | (crn) << 10 | (crm) << 1)
#define ISS_ICC_SGI1R ISS_SYSREG(3, 0, 12, 11, 5)
#define ISS_READ BIT(0)

static void vcpu_inject_sync(struct arm64_regs *r, u32 ec, u32 iss, u64 far)
{
	u64 mode = r->spsr & 0x1f, vbar = read_sysreg(vbar_el1), off;

	/* D1.10.2: by where the guest was: EL1t 0x0, EL1h 0x200, EL0 AArch64 0x400, AArch32 0x600 */
	off = mode == 5 ? 0x200 : mode == 4 ? 0x0 : (mode & 0x10) ? 0x600 : 0x400;
	if (mode != 4 && mode != 5 && (ec == 0x25 || ec == 0x21))
		ec--; /* "from a lower EL" classes */
	write_sysreg(elr_el1, r->elr);
	write_sysreg(spsr_el1, r->spsr);
	write_sysreg(far_el1, far);
	write_sysreg(esr_el1, (u64)ec << 26 | ESR_IL | iss);
	r->elr = vbar + off;
	r->spsr = SPSR_EL1H_MASKED;
}

/* Steps over the trapped instruction: 4 bytes, or 2 for a 16-bit T32 one (ESR_EL2.IL = 0). */
static void vcpu_skip(struct arm64_regs *r, u64 esr)
{
	r->elr += (esr & ESR_IL) ? 4 : 2;
}

static void vcpu_inject_undef(struct arm64_regs *r)
{
	vcpu_inject_sync(r, 0x00, 0, 0);
}

static const char *const access_size[9] = { "", "byte", "halfword", "",		 "word",
					    "", "",	"",	    "doubleword" };

/* Why a syndrome-carrying access was not emulated, for the log (vmm/vm_fault.h). */
static void vcpu_dabt_refused(struct vcpu *v, struct arm64_regs *r, u64 ipa, unsigned size,
			      bool write)
{
	const char *how = write ? "write to" : "read of";
	u64 base = 0;
	const char *dev = vm_mmio_device(v->vm, ipa, &base);

	if (dev)
		vm_fault_log(v, VMF_DABT_REFUSED,
			     "data abort at IPA 0x%llx, pc 0x%llx (%s %s %s+0x%llx refused) -> SEA",
			     (unsigned long long)ipa, (unsigned long long)r->elr, access_size[size],
			     how, dev, (unsigned long long)(ipa - base));
	else
		vm_fault_log(v, VMF_DABT_UNMAPPED,
			     "data abort at IPA 0x%llx, pc 0x%llx (%s %s an address with nothing "
			     "mapped) -> SEA",
			     (unsigned long long)ipa, (unsigned long long)r->elr, access_size[size],
			     how);
}

/* ISV=0 or a stage-2 fault on the guest's own table walk: nothing Moat can emulate. */
static void vcpu_dabt_unemulable(struct vcpu *v, struct arm64_regs *r, u64 esr, u64 ipa)
{
	if (esr & ESR_DABT_S1PTW)
		vm_fault_log(v, VMF_DABT_WALK,
			     "data abort at IPA 0x%llx, pc 0x%llx (stage-1 table walk outside "
			     "guest RAM) -> SEA",
			     (unsigned long long)ipa, (unsigned long long)r->elr);
	else
		vm_fault_log(v, VMF_DABT_SYNDROME,
			     "data abort at IPA 0x%llx, pc 0x%llx (ESR 0x%llx: no instruction "
			     "syndrome, e.g. a load/store pair, cannot be emulated) -> SEA",
			     (unsigned long long)ipa, (unsigned long long)r->elr,
			     (unsigned long long)esr);
}

static void vcpu_dabt(struct vcpu *v, struct arm64_regs *r, u64 esr)
{
	u64 far = read_sysreg(far_el2), hpfar = read_sysreg(hpfar_el2);
	u64 ipa = (hpfar & GENMASK(43, 4)) << 8 | (far & 0xfff), val = 0;
	unsigned size = 1u << ((esr >> 22) & 3), srt = (esr >> 16) & 31;
	bool write = esr & ESR_DABT_WNR;

	/* Only single-register accesses with a valid syndrome (ISV=1), not the guest's own
	 * table walks (S1PTW), that missed stage 2 (a translation fault) can be emulated. */
	if (!(esr & ESR_DABT_ISV) || (esr & ESR_DABT_S1PTW) || ((esr & 0x3f) & 0x3c) != 0x04) {
		vcpu_dabt_unemulable(v, r, esr, ipa);
		vcpu_inject_sync(r, 0x25, FSC_SEA, far);
		return;
	}
	if (write)
		val = srt == 31 ? 0 : r->x[srt] & (size == 8 ? ~0ULL : BIT(8 * size) - 1);
	if (!vm_mmio_access(v, ipa, write, size, &val)) {
		vcpu_dabt_refused(v, r, ipa, size, write);
		vcpu_inject_sync(r, 0x25, FSC_SEA, far);
		return;
	}
	if (!write && srt != 31) {
		if ((esr & ESR_DABT_SSE) && size < 8 && (val & BIT(8 * size - 1)))
			val |= ~(BIT(8 * size) - 1);
		r->x[srt] = (esr & ESR_DABT_SF) ? val : (u32)val;
	}
	vcpu_skip(r, esr);
}

static void vcpu_hvc(struct vcpu *v, struct arm64_regs *r)
{
	u64 regs[HC_NREGS];

	if (vpsci_call(v, r))
		return;
	if (!hypercall_is_moat(r->x[0])) {
		r->x[0] = (u64)-1; /* SMCCC NOT_SUPPORTED */
		return;
	}
	for (unsigned i = 0; i < HC_NREGS; i++)
		regs[i] = r->x[i];
	hypercall_dispatch(v, regs);
	for (unsigned i = 0; i < 4; i++)
		r->x[i] = regs[i];
}

/*
 * vectors.S hvc_fast: HVC with x0 in Moat's range. The same as vcpu_hvc() plus
 * vcpu_check_stop() for a call that cannot change what the latter checks, without the full
 * register frame and on the trapped registers themselves (the call writes x0..x3 only, as
 * vcpu_hvc copies back); anything else, and a vCPU that must stop, declines to the full path.
 */
u64 vcpu_hvc_fast(struct arm64_regs *r)
{
	struct vcpu *v = ((struct pcpu *)(uintptr_t)read_sysreg(tpidr_el2))->vcpu; /* pcpu_this */

	if (v->vm->stopping || v->power == VCPU_OFF)
		return 1;
	return hypercall_dispatch_fast(v, r->x) ? 0 : 1;
}

/*
 * Console input goes to the first VM's vPL011: its vCPU 0 moves what was typed into the
 * receive FIFO whenever it passes through Moat (interrupts, WFI). What does not fit stays in
 * the physical UART's FIFO.
 */
static void vcpu_console_input(struct vcpu *v)
{
	u8 buf[VUART_RX_FIFO];
	unsigned n = 0;
	int c;

	if (v->vm->id != 1 || v->id != 0)
		return;
	n = VUART_RX_FIFO - __atomic_load_n(&v->vm->uart.rx_count, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++) {
		if ((c = arm64_console_getc()) < 0) {
			n = i;
			break;
		}
		buf[i] = (u8)c;
	}
	if (n)
		(void)vuart_rx_push(v->vm, buf, n);
}

static void vcpu_wfx(struct arm64_regs *r, u64 esr)
{
	vcpu_console_input(vcpu_this());
	/* WFI: sleep until an interrupt comes; it is taken to EL2 once we are back in the guest */
	viommu_faults_deliver(); /* IOMMUs without interrupts are polled (docs/smmuv3.md) */
	hc_ops_poll();		 /* a guest FLR goes on while the guest sleeps */
	vgic_flush(vcpu_this());
	if (!(esr & 1) && !vgic_has_pending()) {
		dsb(sy);
		__asm__ volatile("wfi" ::: "memory");
	}
	vcpu_skip(r, esr);
}

/* A read of an ID group 3 register (HCR_EL2.TID3): the guest's view (arch/arm64/idreg.h). */
static bool vcpu_idreg(struct arm64_regs *r, u64 esr)
{
	unsigned op0 = (esr >> 20) & 3, op2 = (esr >> 17) & 7, op1 = (esr >> 14) & 7;
	unsigned crn = (esr >> 10) & 15, crm = (esr >> 1) & 15, rt = (esr >> 5) & 31;

	if (!idreg_is_group3(op0, op1, crn, crm) || !(esr & ISS_READ))
		return false;
	if (rt != 31)
		r->x[rt] = idreg_guest_view(IDREG(crm, op2), idreg_hw_read(IDREG(crm, op2)));
	return true;
}

/* Trapped system register accesses: virtual SGIs, ID registers; nothing else may be touched. */
static void vcpu_sysreg(struct vcpu *v, struct arm64_regs *r, u64 esr)
{
	unsigned rt = (esr >> 5) & 31;

	if ((esr & ISS_SYSREG_MASK) == ISS_ICC_SGI1R && !(esr & ISS_READ)) {
		vgic_sgi(v, rt == 31 ? 0 : r->x[rt]);
		vcpu_skip(r, esr);
		return;
	}
	if (vcpu_idreg(r, esr)) {
		vcpu_skip(r, esr);
		return;
	}
	vm_fault_log(
		v, VMF_SYSREG,
		"%s of system register S%llu_%llu_C%llu_C%llu_%llu at pc 0x%llx refused -> UNDEF",
		(esr & ISS_READ) ? "read" : "write", (unsigned long long)(esr >> 20) & 3,
		(unsigned long long)(esr >> 14) & 7, (unsigned long long)(esr >> 10) & 15,
		(unsigned long long)(esr >> 1) & 15, (unsigned long long)(esr >> 17) & 7,
		(unsigned long long)r->elr);
	vcpu_inject_undef(r);
}

/* A trapped instruction class Moat does not handle (SVE, SME, FP traps, ...). */
static void vcpu_trap_refused(struct vcpu *v, struct arm64_regs *r, u64 esr)
{
	vm_fault_log(v, VMF_TRAP, "trap EC 0x%llx (ESR 0x%llx) at pc 0x%llx refused -> UNDEF",
		     (unsigned long long)ESR_EC(esr), (unsigned long long)esr,
		     (unsigned long long)r->elr);
	vcpu_inject_undef(r);
}

static void vcpu_iabt(struct vcpu *v, struct arm64_regs *r)
{
	u64 far = read_sysreg(far_el2), hpfar = read_sysreg(hpfar_el2);
	u64 ipa = (hpfar & GENMASK(43, 4)) << 8 | (far & 0xfff);

	vm_fault_log(v, VMF_IABT,
		     "instruction abort at IPA 0x%llx, pc 0x%llx (not guest RAM) -> SEA",
		     (unsigned long long)ipa, (unsigned long long)r->elr);
	vcpu_inject_sync(r, 0x21, FSC_SEA, far);
}

static __noreturn void vcpu_retire(struct pcpu *p);

struct vcpu *vcpu_this(void)
{
	return pcpu_this()->vcpu;
}

static void vcpu_check_stop(struct pcpu *p)
{
	struct vcpu *v = p->vcpu;

	if (v->vm->stopping)
		vcpu_retire(p);
	if (v->power == VCPU_OFF)
		vcpu_run(p);
}

void vcpu_trap_sync(struct arm64_regs *r)
{
	struct pcpu *p = pcpu_this();
	struct vcpu *v = p->vcpu;
	u64 esr = read_sysreg(esr_el2);

	switch (ESR_EC(esr)) {
	case EC_WFX: vcpu_wfx(r, esr); break;
	case EC_HVC64: vcpu_hvc(v, r); break;
	case EC_SMC64:
		vcpu_hvc(v, r);
		vcpu_skip(r, esr); /* a trapped SMC returns to itself (D1.10.3) */
		break;
	case EC_DABT_LOW: vcpu_dabt(v, r, esr); break;
	case EC_IABT_LOW: vcpu_iabt(v, r); break;
	case EC_SYSREG: vcpu_sysreg(v, r, esr); break;
	default: vcpu_trap_refused(v, r, esr); break;
	}
	vcpu_check_stop(p);
}

/* An SError from the guest (routed to EL2 by HCR_EL2.AMO): the guest cannot go on. */
void vcpu_trap_serror(struct arm64_regs *r)
{
	struct pcpu *p = pcpu_this();

	pr_err("%s: vCPU %u: SError (ESR 0x%llx) at 0x%llx: stopping the VM", p->vcpu->vm->name,
	       p->vcpu->id, (unsigned long long)read_sysreg(esr_el2), (unsigned long long)r->elr);
	vm_stop(p->vcpu->vm, "SError");
	vcpu_check_stop(p);
}

void vcpu_trap_irq(struct arm64_regs *r)
{
	struct pcpu *p = pcpu_this();

	(void)r;
	for (int n = 0; n < 16; n++) {
		u64 iar = read_sysreg(S3_0_C12_C12_0); /* ICC_IAR1_EL1 */
		unsigned intid = iar & 0xffffff;

		if (intid >= GIC_SPURIOUS && intid < ITS_LPI_BASE) /* 1020..1023: none */
			break;
		write_sysreg(S3_0_C12_C12_1, iar); /* ICC_EOIR1_EL1: priority drop only */
		if (intid == GIC_INTID_VTIMER) {
			vgic_inject(p->vcpu, intid, intid); /* the guest's EOI deactivates it */
			continue;
		}
		if (intid == GIC_INTID_MAINT)
			vgic_maintenance(p->vcpu);
		else if (intid >= 32 && !gic_spi_dispatch(intid))
			pr_warn("SPI %u without a handler", intid);
		if (intid >= ITS_LPI_BASE)
			continue;		   /* LPIs: no active state, no deactivation */
		write_sysreg(S3_0_C12_C11_1, iar); /* ICC_DIR_EL1 */
		isb();
	}
	viommu_faults_deliver(); /* IOMMUs without interrupts are polled here */
	vcpu_console_input(p->vcpu);
	hc_ops_poll();	     /* device operations no guest call continues (FLRs) */
	vgic_flush(p->vcpu); /* a kick: interrupts raised by other vCPUs */
	vcpu_check_stop(p);
}

/* Every vCPU of a stopping VM passes here once; the last one of the last VM powers off. */
static volatile unsigned vms_running;

void vcpu_vms_running_set(unsigned n);
void vcpu_vms_running_set(unsigned n)
{
	vms_running = n;
}

/* The last vCPU to park reloads the VM and starts vCPU 0 again (PSCI SYSTEM_RESET). */
static void vm_do_reset(struct vm *vm)
{
	int err = vm_reload(vm);

	if (err) {
		pr_err("%s: reset failed (%s): stopping", vm->name, err_str(err));
	} else {
		vm_mmio_reset(vm);
		for (unsigned i = 0; i < vm->nvcpus; i++)
			vm->vcpu[i].power = i ? VCPU_OFF : VCPU_ON;
		vm->online = 1;
		vm->stopping = false;
	}
	vm->resetting = false;
	vm->parked = 0;
	__atomic_add_fetch(&vm->reset_gen, 1, __ATOMIC_RELEASE);
	dsb(ish);
	__asm__ volatile("sev");
}

static __noreturn void vcpu_park_for_reset(struct pcpu *p)
{
	struct vm *vm = p->vcpu->vm;
	unsigned gen = __atomic_load_n(&vm->reset_gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&vm->parked, 1, __ATOMIC_ACQ_REL) == vm->nvcpus)
		vm_do_reset(vm);
	while (__atomic_load_n(&vm->reset_gen, __ATOMIC_ACQUIRE) == gen)
		__asm__ volatile("wfe" ::: "memory");
	vcpu_run(p);
}

static __noreturn void vcpu_retire(struct pcpu *p)
{
	struct vm *vm = p->vcpu->vm;

	p->vcpu->power = VCPU_OFF;
	vgic_cpu_reset(p->vcpu);
	if (__atomic_load_n(&vm->resetting, __ATOMIC_ACQUIRE))
		vcpu_park_for_reset(p);
	if (__atomic_sub_fetch(&vm->running, 1, __ATOMIC_ACQ_REL) == 0) {
		vm_console_flush(vm);
		log_raw("moat: vm: %s stopped\n", vm->name);
		if (__atomic_sub_fetch(&vms_running, 1, __ATOMIC_ACQ_REL) == 0) {
			log_raw("moat: all VMs stopped, powering off\n");
			moat_power_off(); /* the units' shutdown first (TSM: END_SESSION) */
		}
	}
	/*
	 * This CPU has no vCPU left but may be the target of a driver's SPI (the SMMU's event
	 * queue): keep taking those. The guest's timer and list registers are silenced first.
	 */
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(S3_4_C12_C11_0, 0); /* ICH_HCR_EL2: no maintenance interrupts */
	isb();
	for (;;) {
		__asm__ volatile("wfi" ::: "memory");
		gic_irq_drain();
	}
}

void vm_reset(struct vm *vm)
{
	__atomic_store_n(&vm->resetting, true, __ATOMIC_RELEASE);
	vm_stop(vm, "system reset");
}

void vm_stop(struct vm *vm, const char *why)
{
	if (__atomic_exchange_n(&vm->stopping, true, __ATOMIC_ACQ_REL))
		return;
	pr_info("%s: %s", vm->name, why);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		gic_send_sgi(vm->vcpu[i].arch.host_mpidr, GIC_INTID_KICK);
	__asm__ volatile("sev");
}

static void vcpu_reset_el1(void)
{
	write_sysreg(sctlr_el1, SCTLR_EL1_RESET);
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cpacr_el1, 0);
	write_sysreg(S3_4_C12_C11_7, 0); /* ICH_VMCR_EL2: the guest's PMR and group enables */
	write_sysreg(S3_4_C12_C9_0, 0);	 /* ICH_AP1R0_EL2: no active priorities */
	isb();
}

void vcpu_run(struct pcpu *p)
{
	struct vcpu *v = p->vcpu;

	for (;;) {
		if (__atomic_load_n(&v->vm->stopping, __ATOMIC_ACQUIRE))
			vcpu_retire(p);
		/* Acquire: boot_pc and boot_ctx were written before ON_PENDING (vpsci.c). */
		if (__atomic_load_n(&v->power, __ATOMIC_ACQUIRE) != VCPU_OFF)
			break;
		__asm__ volatile("wfe" ::: "memory");
	}
	for (unsigned i = 0; i < 31; i++)
		p->boot_frame.x[i] = 0;
	p->boot_frame.x[0] = v->boot_ctx;
	p->boot_frame.elr = v->boot_pc;
	p->boot_frame.spsr = SPSR_EL1H_MASKED;
	vcpu_reset_el1();
	__atomic_store_n(&v->power, VCPU_ON, __ATOMIC_RELEASE);
	arm64_vcpu_enter(&p->boot_frame, p->stack_top);
}
