// SPDX-License-Identifier: MIT
/*
 * ASIDs and TLB_CONTROL (AMD APM vol. 2 15.16): translations are tagged by ASID, so a vCPU
 * may reuse its ASID without a flush only while nothing else ran under that ASID on this CPU
 * and its own translations did not change. Each CPU hands out ASIDs 1..max in a generation;
 * when they run out the generation advances and the first VMRUN of the new one flushes every
 * ASID (TLB_CONTROL 1), which makes all ASIDs of the new generation clean. A vCPU whose NPT
 * changed gets a fresh ASID, or a flush of its own (TLB_CONTROL 3) where the CPU has
 * FlushByAsid. QEMU flushes on every VMRUN, so tests/unit/test_svm_asid.c checks this
 * against a model TLB instead.
 */
#include "arch/x86/svm.h"

void svm_asid_cpu_init(struct svm_asid_cpu *c, unsigned cpu, const struct svm_caps *caps)
{
	c->id = cpu;
	c->max = caps->nasid - 1;
	c->next = c->max + 1; /* the first VMRUN starts generation 1 with a full flush */
	c->generation = 0;
	c->flush_by_asid = caps->flush_by_asid;
}

static bool asid_current(const struct svm_asid_cpu *c, const struct svm_asid_vcpu *a)
{
	return a->asid && a->generation == c->generation && a->cpu == c->id;
}

void svm_asid_prepare(struct svm_asid_cpu *c, struct svm_asid_vcpu *a, u32 *asid, u8 *tlb_control)
{
	bool stale = __atomic_exchange_n(&a->stale, false, __ATOMIC_ACQ_REL);

	*tlb_control = SVM_TLB_NONE;
	if (asid_current(c, a) && (!stale || c->flush_by_asid)) {
		if (stale)
			*tlb_control = SVM_TLB_FLUSH_ASID;
		*asid = a->asid;
		return;
	}
	if (c->next > c->max) {
		c->generation++;
		c->next = 1;
		*tlb_control = SVM_TLB_FLUSH_ALL;
	}
	a->asid = c->next++;
	a->generation = c->generation;
	a->cpu = c->id;
	*asid = a->asid;
}

void svm_asid_invalidate(struct svm_asid_vcpu *a)
{
	__atomic_store_n(&a->stale, true, __ATOMIC_RELEASE);
}
