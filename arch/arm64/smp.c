// SPDX-License-Identifier: MIT
/*
 * Starting the VMs: per-VM stage-2 and VMID, one physical CPU per vCPU (secondaries started
 * with PSCI CPU_ON, Arm DEN 0022 5.6), per-CPU EL2 state for running guests.
 */
#define LOG_COMPONENT "smp"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <string.h>

#include "arch/arm64/gic.h"
#include "arch/arm64/stage2.h"
#include "arch/arm64/sysreg.h"
#include "arch/arm64/vcpu.h"
#include "core/log.h"
#include "vmm/vm_backend.h"
#include "vmm/vm_boot.h"
#include "lib/bits.h"
#include "lib/err.h"

#define PSCI_CPU_ON_64 0xc4000003U
#define PCPU_STACK_PAGES 4

/* HCR_EL2 (D19.2.46): stage 2 on, interrupts routed to EL2, WFI/WFE/SMC and implementation
 * defined registers trapped, ID group 3 registers trapped (TID3: the guest's view hides what
 * Moat traps, arch/arm64/idreg.h), TLB maintenance broadcast inner shareable, EL1 is AArch64.
 * API/APK stay clear: pointer authentication is not offered. */
#define HCR_GUEST                                                                                 \
	(BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(9) | (1ULL << 10) | BIT(13) | BIT(14) | \
	 BIT(18) | BIT(19) | BIT(20) | BIT(21) | BIT(31))
/* CNTHCTL_EL2 (E2H=0): EL1 may read the physical counter; the physical timer is ours. */
#define CNTHCTL_EL1PCTEN BIT(0)

static struct pcpu pcpus[PLAT_MAX_CPUS];
static unsigned npcpus;

extern char arm64_vectors[], arm64_secondary_entry[];
void vcpu_vms_running_set(unsigned n);

struct pcpu *pcpu_this(void)
{
	return (struct pcpu *)(uintptr_t)read_sysreg(tpidr_el2);
}

static u64 smc_cpu_on(u64 mpidr, u64 entry, u64 ctx)
{
	register u64 x0 __asm__("x0") = PSCI_CPU_ON_64;
	register u64 x1 __asm__("x1") = mpidr;
	register u64 x2 __asm__("x2") = entry;
	register u64 x3 __asm__("x3") = ctx;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

static __noreturn void pcpu_main(struct pcpu *p)
{
	struct vcpu *v = p->vcpu;
	int err;

	write_sysreg(tpidr_el2, (u64)(uintptr_t)p);
	if ((err = gic_cpu_init(p->mpidr)))
		panic("cpu%u: GIC redistributor: %s", p->idx, err_str(err));
	write_sysreg(vtcr_el2, v->vm->arch.vtcr);
	write_sysreg(vttbr_el2, v->vm->arch.vttbr);
	write_sysreg(vmpidr_el2, v->arch.vmpidr);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(cnthctl_el2, CNTHCTL_EL1PCTEN);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(hcr_el2, HCR_GUEST);
	isb();
	__asm__ volatile("tlbi vmalls12e1\n dsb ish\n isb" ::: "memory");
	vcpu_run(p);
}

static void pcpu_secondary_main(u64 arg)
{
	pcpu_main((struct pcpu *)(uintptr_t)arg);
}

static int pcpu_start(struct pcpu *p, struct frame_alloc *fa)
{
	paddr_t stack;
	u64 ret;
	int err;

	if ((err = frame_alloc_run(fa, PCPU_STACK_PAGES, PAGE_SIZE, &stack)))
		return err;
	p->stack_top = stack.v + PCPU_STACK_PAGES * PAGE_SIZE;
	p->vbar = (u64)(uintptr_t)arm64_vectors;
	p->mair = read_sysreg(mair_el2);
	p->tcr = read_sysreg(tcr_el2);
	p->ttbr0 = read_sysreg(ttbr0_el2);
	p->sctlr = read_sysreg(sctlr_el2);
	p->entry = (u64)(uintptr_t)pcpu_secondary_main;
	p->arg = (u64)(uintptr_t)p;
	/* The secondary reads this with its MMU off: clean it to the point of coherency. */
	for (u64 a = ALIGN_DOWN((u64)(uintptr_t)p, 64); a < (u64)(uintptr_t)(p + 1); a += 64)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb(sy);
	ret = smc_cpu_on(p->mpidr, (u64)(uintptr_t)arm64_secondary_entry, (u64)(uintptr_t)p);
	if (ret) {
		pr_err("cpu%u (mpidr 0x%llx): PSCI CPU_ON failed: %lld", p->idx,
		       (unsigned long long)p->mpidr, (long long)ret);
		return -E_IO;
	}
	return 0;
}

/* RAM at 1 GiB, the kernel at its start, the DTB at the top (docs/guest-abi.md). */
void vmb_vm_layout(struct vm_layout *out)
{
	*out = (struct vm_layout){ gpa(VM_RAM_BASE), 0, true };
}

int arch_vm_create(struct vm *vm, struct frame_alloc *fa)
{
	int err;

	if ((err = s2_vm_create(vm, fa)))
		return err;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vm->vcpu[i].arch.vmpidr = BIT(31) | i; /* RES1 bit 31, Aff0 = index */
	return 0;
}

/* Pins vCPUs to CPUs in order: the boot CPU first, then the others the platform lists. */
static int pcpus_assign(const struct platform *plat)
{
	u64 self = read_sysreg(mpidr_el1) & 0xff00ffffffULL;
	unsigned next = 1;

	pcpus[0].mpidr = self;
	for (unsigned i = 0; i < plat->ncpus && next < PLAT_MAX_CPUS; i++)
		if ((plat->cpu_id[i] & 0xff00ffffffULL) != self)
			pcpus[next++].mpidr = plat->cpu_id[i];
	npcpus = 0;
	for (unsigned i = 0; i < vm_count(); i++) {
		struct vm *vm = vm_get(i);
		for (unsigned j = 0; j < vm->nvcpus; j++) {
			if (npcpus == next) {
				pr_err("%s: not enough CPUs: %u vCPUs need %u CPUs, have %u",
				       vm->name, vm->nvcpus, npcpus + 1, next);
				return -E_NOSPC;
			}
			pcpus[npcpus].idx = npcpus;
			pcpus[npcpus].vcpu = &vm->vcpu[j];
			vm->vcpu[j].arch.host_mpidr = pcpus[npcpus].mpidr;
			npcpus++;
		}
	}
	return 0;
}

int arch_vms_start(const struct platform *plat, struct frame_alloc *fa)
{
	int err;

	if ((err = gic_init(plat)) || (err = pcpus_assign(plat)))
		return err;
	if (npcpus > 1 && plat->psci != PSCI_SMC) {
		/* At EL2 firmware is reached with SMC; without it (or without EL3) SMC is UNDEF. */
		pr_err("%u vCPUs need secondary CPUs, but the platform has no PSCI over SMC",
		       npcpus);
		return -E_NODEV;
	}
	vcpu_vms_running_set(vm_count());
	pcpus[0].stack_top = 0; /* the boot CPU keeps its stack */
	for (unsigned i = 1; i < npcpus; i++)
		if ((err = pcpu_start(&pcpus[i], fa)))
			return err;
	pcpus[0].stack_top = (u64)(uintptr_t)__builtin_frame_address(0) - 256;
	pcpu_main(&pcpus[0]);
}
