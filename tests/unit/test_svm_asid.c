// SPDX-License-Identifier: MIT
/*
 * ASID and TLB_CONTROL policy (arch/x86/svm_asid.c) against a model TLB, because QEMU
 * flushes on every VMRUN and would forgive any mistake. The model (APM vol. 2 15.16):
 * translations are cached per (CPU, ASID); TLB_CONTROL 1 drops every ASID's entries on
 * that CPU, 3 drops the running ASID's; nothing else removes them. Random runs of vCPUs of
 * several VMs on a few CPUs with 16 ASIDs (QEMU's count), migrations and NPT changes; the
 * rule checked at every VMRUN: the entries the vCPU can hit under its ASID were all made
 * by that vCPU's VM with the NPT as it is now.
 */
#include <string.h>

#include "test_util.h"

#include "arch/x86/svm.h"

#define NCPU 3
#define NVM 3
#define NVCPU 6 /* two per VM */
#define NASID 16

struct tlb_entry {
	bool valid;
	unsigned vm;
	u64 npt_version; /* of that VM when the entry was filled */
};

static struct tlb_entry tlb[NCPU][NASID];
static u64 npt_version[NVM];

/* TLB_CONTROL 3 exists only with FlushByAsid (CPUID 8000_000A EDX bit 6); QEMU ignores it. */
static void model_vmrun(unsigned cpu, u32 asid, u8 ctl, bool flush_by_asid)
{
	if (ctl == SVM_TLB_FLUSH_ALL)
		memset(tlb[cpu], 0, sizeof(tlb[cpu]));
	else if (ctl == SVM_TLB_FLUSH_ASID && flush_by_asid)
		tlb[cpu][asid].valid = false;
	else if (ctl == SVM_TLB_FLUSH_ASID)
		fail_msg("TLB_CONTROL 3 on a CPU without FlushByAsid");
	else
		assert_int_equal(ctl, SVM_TLB_NONE);
}

static void check_and_fill(unsigned cpu, u32 asid, unsigned vm)
{
	struct tlb_entry *e = &tlb[cpu][asid];

	assert_true(asid > 0 && asid < NASID);
	if (e->valid && (e->vm != vm || e->npt_version != npt_version[vm]))
		fail_msg("vCPU of VM %u on CPU %u ASID %u sees a stale entry (VM %u, version "
			 "%llu, now %llu)",
			 vm, cpu, asid, e->vm, (unsigned long long)e->npt_version,
			 (unsigned long long)npt_version[vm]);
	*e = (struct tlb_entry){ true, vm, npt_version[vm] };
}

static void run_policy(bool flush_by_asid, u64 seed, u64 steps)
{
	struct svm_caps caps = { .nasid = NASID, .npt = true, .flush_by_asid = flush_by_asid };
	struct svm_asid_cpu cpus[NCPU];
	struct svm_asid_vcpu v[NVCPU] = { 0 };
	unsigned where[NVCPU], flushes = 0;
	u64 rng = seed;

	for (unsigned c = 0; c < NCPU; c++) /* whatever firmware left: flushed first */
		for (unsigned a = 0; a < NASID; a++)
			tlb[c][a] = (struct tlb_entry){ true, NVM + 1, 0 };
	memset(npt_version, 0, sizeof(npt_version));
	for (unsigned c = 0; c < NCPU; c++)
		svm_asid_cpu_init(&cpus[c], c, &caps);
	for (unsigned i = 0; i < NVCPU; i++)
		where[i] = i % NCPU;
	for (u64 s = 0; s < steps; s++) {
		unsigned i = test_rand(&rng) % NVCPU, vm = i / 2;
		u64 r = test_rand(&rng) % 100;
		u32 asid;
		u8 ctl;

		if (r < 5) { /* NPT change of a VM: both its vCPUs are told */
			npt_version[vm]++;
			svm_asid_invalidate(&v[2 * vm]);
			svm_asid_invalidate(&v[2 * vm + 1]);
			continue;
		}
		if (r < 8) /* moved to another CPU (not Moat's pinning, but the rule must hold) */
			where[i] = (unsigned)(test_rand(&rng) % NCPU);
		svm_asid_prepare(&cpus[where[i]], &v[i], &asid, &ctl);
		flushes += ctl == SVM_TLB_FLUSH_ALL;
		model_vmrun(where[i], asid, ctl, flush_by_asid);
		check_and_fill(where[i], asid, vm);
	}
	/* 15 ASIDs for 6 vCPUs: reuse happened and had to flush, but not at every run */
	assert_true(flushes > NCPU && flushes < steps / 4);
}

static void asid_reuse_never_shows_stale_translations(void **state)
{
	run_policy(false, 1, 200000); /* QEMU: no FlushByAsid, a fresh ASID instead */
	run_policy(true, 2, 200000);
	(void)state;
}

static void first_run_flushes_and_reuse_is_free(void **state)
{
	struct svm_caps caps = { .nasid = 4, .npt = true };
	struct svm_asid_cpu c;
	struct svm_asid_vcpu a = { 0 }, b = { 0 };
	u32 asid;
	u8 ctl;

	svm_asid_cpu_init(&c, 0, &caps);
	svm_asid_prepare(&c, &a, &asid, &ctl);
	assert_int_equal(asid, 1);
	assert_int_equal(ctl, SVM_TLB_FLUSH_ALL); /* generation 1 starts clean */
	svm_asid_prepare(&c, &a, &asid, &ctl);
	assert_int_equal(asid, 1);
	assert_int_equal(ctl, SVM_TLB_NONE);
	svm_asid_prepare(&c, &b, &asid, &ctl);
	assert_int_equal(asid, 2);
	assert_int_equal(ctl, SVM_TLB_NONE);
	/* NPT changed, no FlushByAsid: a fresh ASID, no flush needed */
	svm_asid_invalidate(&a);
	svm_asid_prepare(&c, &a, &asid, &ctl);
	assert_int_equal(asid, 3);
	assert_int_equal(ctl, SVM_TLB_NONE);
	/* out of ASIDs (3 usable): a new generation, flushed */
	svm_asid_invalidate(&a);
	svm_asid_prepare(&c, &a, &asid, &ctl);
	assert_int_equal(asid, 1);
	assert_int_equal(ctl, SVM_TLB_FLUSH_ALL);
	/* b's ASID 2 is of the old generation: it gets a new one */
	svm_asid_prepare(&c, &b, &asid, &ctl);
	assert_int_equal(asid, 2);
	assert_int_equal(b.generation, a.generation);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_run_flushes_and_reuse_is_free),
		cmocka_unit_test(asid_reuse_never_shows_stale_translations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
