// SPDX-License-Identifier: MIT
/*
 * VPIDs and the INVEPT/INVVPID policy (Intel SDM vol. 3C 28.4 "Caching translation
 * information"). Guest-physical and combined mappings are tagged by the EPTP's EP4TA, linear
 * and combined ones by VPID, and none of them is dropped by VM entry or exit when VPIDs are
 * on (28.4.3.1). So:
 *   - an EPT change (unmap, remap, permission cut) needs INVEPT for that EPTP before any vCPU
 *     of the VM enters again: single-context where the CPU has it, else all-context (28.4.3.4);
 *   - when Moat changes a vCPU's paging state behind its back (the INIT/SIPI state, emulated
 *     MOV to CR0/CR4), the linear mappings under its VPID go: INVVPID single-context, else
 *     all-context;
 *   - each vCPU has its own VPID for life; without VPIDs (none offered, or all 65535 in use)
 *     the control is off and every entry and exit flushes linear mappings (28.4.3.3).
 * Bochs flushes everything on every entry and exit, so tests/unit/test_vmx_tlb.c checks this
 * against a model of these rules instead.
 */
#include "arch/x86/vmx.h"

#include "vmm/vm.h"
#include "lib/lock.h"

#define VPID_MAX 0xffffu

static struct spinlock vpid_lock = SPINLOCK_INIT;
static u64 vpid_used[(VPID_MAX + 1) / 64];

u16 vmx_vpid_alloc(void)
{
	u16 got = 0;

	spin_lock(&vpid_lock);
	for (u32 v = 1; v <= VPID_MAX && !got; v++) {
		if (!(vpid_used[v / 64] >> (v % 64) & 1)) {
			vpid_used[v / 64] |= 1ULL << (v % 64);
			got = (u16)v;
		}
	}
	spin_unlock(&vpid_lock);
	return got;
}

void vmx_vpid_free(u16 vpid)
{
	spin_lock(&vpid_lock);
	vpid_used[vpid / 64] &= ~(1ULL << (vpid % 64));
	spin_unlock(&vpid_lock);
}

void vmx_tlb_prepare(const struct vmx_caps *caps, struct vmx_tlb_vcpu *t, u64 eptp)
{
	if (__atomic_exchange_n(&t->ept_stale, false, __ATOMIC_ACQ_REL))
		vmx_hw_invept(caps->invept_single ? INVEPT_SINGLE : INVEPT_ALL, eptp);
	if (__atomic_exchange_n(&t->vpid_stale, false, __ATOMIC_ACQ_REL) && t->vpid)
		vmx_hw_invvpid(caps->invvpid_single ? INVVPID_SINGLE : INVVPID_ALL, t->vpid, 0);
}

void vmx_ept_changed(struct vmx_vm *xm)
{
	for (unsigned i = 0; i < xm->vm->nvcpus; i++) {
		__atomic_store_n(&xm->vcpu[i].tlb.ept_stale, true, __ATOMIC_RELEASE);
		if (xm->kick)
			xm->kick(xm, i);
	}
}

void vmx_tlb_guest_flush(struct vmx_tlb_vcpu *t)
{
	__atomic_store_n(&t->vpid_stale, true, __ATOMIC_RELEASE);
}
