/* SPDX-License-Identifier: MIT */
/*
 * x86 vCPU and VM state embedded in vmm/vm.h objects: each points to the SVM or VMX backend's
 * own structure (arch/x86/svm.h, vmx.h), allocated by arch_vm_create (docs/vm-backend.md).
 */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "lib/types.h"

struct svm_vcpu;
struct svm_vm;
struct vmx_vcpu;
struct vmx_vm;

/* One of the two is set: the backend the CPU has (arch/x86/x86_vm.c). */
struct arch_vcpu {
	struct svm_vcpu *svm;
	struct vmx_vcpu *vmx;
};

struct arch_vm {
	struct svm_vm *svm;
	struct vmx_vm *vmx;
};

#endif
