/* SPDX-License-Identifier: MIT */
/*
 * A two-vCPU x86 VM on the host for the SVM backend's tests and fuzzer: core VM objects over
 * a host buffer of guest RAM, the backend's svm_vm with one VMCB per vCPU, guest page tables
 * that identity-map the RAM (64-bit mode, 2 MiB pages), and a fake CPUID.
 */
#ifndef SVM_FIXTURE_H
#define SVM_FIXTURE_H

#include "arch/x86/svm.h"
#include "vmm/vm.h"

#define SVMF_PRIV (4ULL << 20)
#define SVMF_SHARED (2ULL << 20)
#define SVMF_CODE (VM_RAM_BASE + 0x100000) /* where tests put the instruction at RIP */
#define SVMF_PT (VM_RAM_BASE + 0x3f0000)   /* guest page tables */

struct svmf {
	struct vm vm;
	struct vm_config cfg;
	struct svm_vm sm;
	struct vmcb *vmcb[2];
	u8 *ram;
	unsigned kicks[2];
};

void svmf_init(struct svmf *f);
void svmf_fini(struct svmf *f);
/* Host pointer of a guest-physical address in the fixture's RAM. */
void *svmf_host(struct svmf *f, u64 gpa);
/* vCPU i's exit: code and infos set, bytes copied to SVMF_CODE, RIP there. */
void svmf_exit(struct svmf *f, unsigned i, u64 code, u64 info1, u64 info2, const u8 *insn,
	       unsigned len);

#endif
