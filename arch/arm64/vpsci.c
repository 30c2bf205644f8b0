// SPDX-License-Identifier: MIT
/*
 * PSCI 1.1 for guests (Arm DEN 0022D): VERSION, FEATURES, CPU_ON, CPU_OFF, AFFINITY_INFO,
 * SYSTEM_OFF, SYSTEM_RESET, plus SMCCC_VERSION (DEN 0028). A vCPU's MPIDR is its index in
 * Aff0; every target and entry point from the guest is checked.
 */
#include <arch/cpu.h>

#include "arch/arm64/sysreg.h"
#include "arch/arm64/vcpu.h"
#include "lib/bits.h"

#define SMCCC_VERSION 0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U
#define PSCI_VERSION 0x84000000U
#define PSCI_CPU_OFF 0x84000002U
#define PSCI_CPU_ON 0xc4000003U
#define PSCI_AFFINITY_INFO 0xc4000004U
#define PSCI_SYSTEM_OFF 0x84000008U
#define PSCI_SYSTEM_RESET 0x84000009U
#define PSCI_FEATURES 0x8400000aU

#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INVALID_ADDRESS (-9)

static const u32 psci_fns[] = { PSCI_VERSION,	    PSCI_CPU_OFF,    PSCI_CPU_ON,
				PSCI_AFFINITY_INFO, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET,
				PSCI_FEATURES };

static struct vcpu *vpsci_target(struct vm *vm, u64 mpidr)
{
	/* Aff0 names the vCPU; every other affinity field must be zero. */
	if (mpidr & ~0xffULL || mpidr >= vm->nvcpus)
		return NULL;
	return &vm->vcpu[mpidr];
}

/* Power-state changes of a VM's vCPUs are serialised (two CPU_ONs may race for one target). */
static void vpsci_lock(struct vm *vm)
{
	spin_lock(&vm->psci_lock);
}

static void vpsci_unlock(struct vm *vm)
{
	spin_unlock(&vm->psci_lock);
}

static int64_t vpsci_cpu_on(struct vm *vm, u64 mpidr, u64 entry, u64 ctx)
{
	struct vcpu *t = vpsci_target(vm, mpidr);
	int64_t ret = PSCI_SUCCESS;

	if (!t)
		return PSCI_INVALID_PARAMETERS;
	if ((entry & 3) || !vm_gpa_to_host(vm, gpa(entry), 4, VM_MEM_ANY))
		return PSCI_INVALID_ADDRESS;
	vpsci_lock(vm);
	if (t->power != VCPU_OFF) {
		ret = t->power == VCPU_ON ? PSCI_ALREADY_ON : PSCI_ON_PENDING;
	} else {
		t->boot_pc = entry;
		t->boot_ctx = ctx;
		vm->online++;
		/* The target's CPU reads boot_pc/ctx after it sees ON_PENDING. */
		__atomic_store_n(&t->power, VCPU_ON_PENDING, __ATOMIC_RELEASE);
	}
	vpsci_unlock(vm);
	dsb(ish);
	__asm__ volatile("sev");
	return ret;
}

static int64_t vpsci_affinity_info(struct vm *vm, u64 mpidr, u64 level)
{
	struct vcpu *t = vpsci_target(vm, mpidr);

	if (!t || level)
		return PSCI_INVALID_PARAMETERS;
	return t->power; /* ON 0, OFF 1, ON_PENDING 2 as PSCI defines them */
}

/* Never returns to the caller: its CPU waits for the next CPU_ON (or the VM's end). */
static __noreturn void vpsci_cpu_off(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool last;

	vpsci_lock(vm);
	__atomic_store_n(&v->power, VCPU_OFF, __ATOMIC_RELEASE);
	last = --vm->online == 0;
	vpsci_unlock(vm);
	if (last)
		vm_stop(vm, "every vCPU is off");
	vcpu_run(pcpu_this());
}

static int64_t vpsci_features(u64 fn)
{
	if (fn == SMCCC_VERSION)
		return PSCI_SUCCESS;
	for (unsigned i = 0; i < ARRAY_SIZE(psci_fns); i++)
		if (fn == psci_fns[i])
			return PSCI_SUCCESS;
	return PSCI_NOT_SUPPORTED;
}

bool vpsci_call(struct vcpu *v, struct arm64_regs *r)
{
	u64 fn = r->x[0];
	int64_t ret;

	switch (fn) {
	case SMCCC_VERSION: ret = 0x10001; break; /* 1.1 */
	case SMCCC_ARCH_FEATURES: ret = PSCI_NOT_SUPPORTED; break;
	case PSCI_VERSION: ret = 0x10001; break; /* 1.1 */
	case PSCI_FEATURES: ret = vpsci_features(r->x[1]); break;
	case PSCI_CPU_ON: ret = vpsci_cpu_on(v->vm, r->x[1], r->x[2], r->x[3]); break;
	case PSCI_AFFINITY_INFO: ret = vpsci_affinity_info(v->vm, r->x[1], r->x[2]); break;
	case PSCI_CPU_OFF: vpsci_cpu_off(v);
	case PSCI_SYSTEM_OFF:
		vm_stop(v->vm, "system off");
		ret = PSCI_SUCCESS;
		break;
	case PSCI_SYSTEM_RESET:
		vm_reset(v->vm);
		ret = PSCI_SUCCESS;
		break;
	default:
		if ((fn >> 24) != 0x84 && (fn >> 24) != 0xc4 && (fn >> 24) != 0x80)
			return false;
		ret = PSCI_NOT_SUPPORTED;
	}
	r->x[0] = (u64)ret;
	return true;
}
