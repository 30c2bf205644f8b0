/* SPDX-License-Identifier: MIT */
/*
 * The x86 VM backend chosen at run time (docs/vm-backend.md "x86: SVM or VMX"): the image
 * carries both SVM (svm_vm.c, svm_vms.c) and VMX (vmx_vm.c); x86_vm.c implements the core
 * interface (vmm/vm_backend.h, vm_boot.h, vdev.h, vm_mmio.h) by calling the one the boot
 * CPU's CPUID names. The choice itself is pure and host-tested (tests/unit/test_vmx_vm.c).
 */
#ifndef X86_VM_H
#define X86_VM_H

#include "core/frame.h"
#include <stddef.h>

#include "lib/types.h"

struct vm;
struct vcpu;
struct platform;
struct vlapic;
struct x86_boot_entry;
struct vlapic_ipi;

enum x86_vmb {
	X86_VMB_NONE, /* neither SVM nor VMX offered */
	X86_VMB_SVM,  /* AMD: CPUID 8000_0001 ECX bit 2 */
	X86_VMB_VMX,  /* Intel: CPUID 1 ECX bit 5 */
};

/* The backend for a CPU whose CPUID 0 vendor is `vendor` (EBX, EDX, ECX as returned), leaf 1
 * ECX `ecx1`, leaf 8000_0001 ECX `ecx_ext`: SVM on AMD and Hygon, VMX on Intel. */
enum x86_vmb x86_vmb_choose(const u32 vendor[3], u32 ecx1, u32 ecx_ext);
const char *x86_vmb_name(enum x86_vmb b);
/* A VM's kernel command line, its configuration's bootargs, into buf; a bench VM
 * ("moat.bench") also gets Moat's entry TSC (moat.entry_tsc=N). Returns buf. */
const char *x86_vm_cmdline(char *buf, size_t size, const char *bootargs, u64 entry_tsc);

/* What an IPI from another vCPU changes in its target, kept alike by both backends' vCPUs
 * (struct svm_vcpu, struct vmx_vcpu): X86_IPI_DEST(v) takes the fields of either. */
struct x86_ipi_dest {
	struct vlapic *lapic;
	bool *nmi_pending, *init_pending;
	bool *wait_sipi;       /* after INIT: only a start-up IPI runs it */
	bool *sipi_after_init; /* a start-up IPI came before the pending INIT was taken */
	u8 *sipi_vector;
};
#define X86_IPI_DEST(v)                                                             \
	((struct x86_ipi_dest){ &(v)->lapic, &(v)->nmi_pending, &(v)->init_pending, \
				&(v)->wait_sipi, &(v)->sipi_after_init, &(v)->sipi_vector })
/* Delivers one IPI to one vCPU (x86_sipi.c): fixed, lowest-priority, NMI, INIT, start-up; an
 * INIT de-assert, a start-up IPI no INIT asked for and SMI change nothing. True if the target
 * has something new and should be kicked. */
bool x86_ipi_deliver(const struct x86_ipi_dest *d, const struct vlapic_ipi *ipi);

/* Writes VM vm's entry environment (x86_boot_build: the tables, its kernel command line) into
 * its loaded private RAM, the entry state of vCPU 0 into *e, for both backends' boot and
 * SYSTEM_RESET (x86_vm.c, image only). Logs a failure. */
int x86_vm_boot_env(struct vm *vm, struct x86_boot_entry *e) __must_check;

/* Exit handling both backends share once the exit is decoded (x86_exit.c); gprs[] are the
 * guest's general registers indexed as x86_insn.reg (RAX, RCX, RDX, RBX, ...). */
/* CPUID leaf RAX, subleaf RCX as vCPU vcpu of nvcpus (its CR4.OSXSAVE osxsave) gets it
 * (vcpuid.c): the answer into RAX, RBX, RCX, RDX. */
void x86_exit_cpuid(u64 *gprs, unsigned vcpu, unsigned nvcpus, bool osxsave);
/* IA32_APIC_BASE as every vCPU reads it: x2APIC on at 0xfee00000, BSP on vCPU 0 only. */
u64 x86_apic_base(unsigned vcpu);
/* A value IA32_PAT takes: no reserved memory type in any of its eight entries. */
bool x86_pat_valid(u64 v);
/* WRMSR's operand (EDX:EAX); RDMSR's result into EDX:EAX (upper halves cleared). */
u64 x86_msr_operand(const u64 *gprs);
void x86_msr_result(u64 *gprs, u64 v);
/* An IN of size bytes (1, 2, 4) that read val: AL/AX merged into RAX, EAX zero-extended. */
void x86_io_in_result(u64 *rax, unsigned size, u32 val);

/* How a VM's round of vCPU turns ended (svm_vms.c, vmx_vms.c): in the order of both backends'
 * enum svm_action / enum vmx_action, which the backends check at build time. */
enum x86_round {
	X86_ROUND_GO_ON,     /* every vCPU had its turn or halted: the VM runs next round */
	X86_ROUND_HALT,	     /* (a vCPU's turn only: never the end of a round) */
	X86_ROUND_STOP,	     /* the VM cannot go on */
	X86_ROUND_POWER_OFF, /* the guest asked for power-off */
	X86_ROUND_RESET,     /* the guest asked for a reset */
};
/* What the round's end needs of a backend's VM. */
struct x86_vms_ops {
	const char *log;		    /* the backend's log component: "svm", "vmx" */
	u64 (*exits)(const struct vm *vm);  /* exits of all its vCPUs so far */
	int (*reset)(struct vm *vm);	    /* SYSTEM_RESET: reloaded, every vCPU at boot state */
	bool (*stuck)(const struct vm *vm); /* no vCPU can run, nothing could wake one */
};
/* After a VM's round (x86_vms.c, image only): a reset reloads it; a power-off, a failed
 * reset or a stop retires it (its exits logged, console flushed, "moat: vm: NAME stopped").
 * True if the VM is done for good. */
bool x86_vm_round_end(struct vm *vm, enum x86_round r, const struct x86_vms_ops *ops);

/* The SVM backend's half of the interface (svm_vm.c, svm_vms.c). */
int svm_vmb_create(struct vm *vm, struct frame_alloc *fa) __must_check;
int svm_vmb_start(const struct platform *plat, struct frame_alloc *fa) __must_check;
int svm_vmb_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size) __must_check;
void svm_vmb_unmap_mmio(struct vm *vm, gpa_t g, u64 size);
void svm_vmb_raise_spi(struct vm *vm, unsigned intid);
void svm_vmb_kick(struct vcpu *t);

/* The VMX backend's half (vmx_vm.c). */
int vmx_vmb_create(struct vm *vm, struct frame_alloc *fa) __must_check;
int vmx_vmb_start(const struct platform *plat, struct frame_alloc *fa) __must_check;
int vmx_vmb_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size) __must_check;
void vmx_vmb_unmap_mmio(struct vm *vm, gpa_t g, u64 size);
void vmx_vmb_raise_spi(struct vm *vm, unsigned intid);
void vmx_vmb_kick(struct vcpu *t);

#endif
