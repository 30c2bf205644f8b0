/* SPDX-License-Identifier: MIT */
/*
 * x86 vCPU and VM state embedded in vmm/vm.h objects: each points to the SVM backend's own
 * structure (arch/x86/svm.h), allocated by arch_vm_create (docs/vm-backend.md).
 */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "lib/types.h"

struct svm_vcpu;
struct svm_vm;

struct arch_vcpu {
	struct svm_vcpu *svm;
};

struct arch_vm {
	struct svm_vm *svm;
};

#endif
