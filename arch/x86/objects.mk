x86_64-srcs += arch/x86/random.c arch/x86/setup.c arch/x86/mmu.c arch/x86/idt.c \
	arch/x86/vectors.S arch/x86/uart.c arch/x86/time.c arch/x86/power.c \
	arch/x86/irq.c
# The PVH entry is only in the direct-boot image (the UEFI image enters through boot/).
x86_64-direct-srcs += arch/x86/head.S
x86_64-srcs += arch/x86/ctx.c
# The deliberate faults of the test image (tests/selftest/).
x86_64-selftest-srcs += arch/x86/selftest.c
# The x86 VM backend's portable parts (decoder, guest devices, SVM exit handling, NPT, guest
# environment) build for the image and for the host tests (tests/unit/test_x86_*.c,
# test_svm*.c) from the same sources; they use no privileged instruction.
x86-vm-srcs := arch/x86/insn.c arch/x86/vlapic.c arch/x86/svm_vmcb.c arch/x86/svm_asid.c \
	arch/x86/svm_exit.c arch/x86/vio.c arch/x86/vcpuid.c arch/x86/gwalk.c arch/x86/npt.c \
	arch/x86/vacpi.c arch/x86/vboot.c arch/x86/mb2.c arch/x86/vmx_caps.c arch/x86/ept.c \
	arch/x86/vmx_vmcs.c arch/x86/vmx_tlb.c arch/x86/vmx_exit.c arch/x86/vmx_event.c \
	arch/x86/svm_npt.c arch/x86/s2pt.c arch/x86/vhcall.c arch/x86/x86_vmb.c \
	arch/x86/vmx_caps_log.c arch/x86/irq_vec.c arch/x86/vmsi_msg.c arch/x86/x86_sipi.c \
	arch/x86/x86_exit.c
x86_64-srcs += $(x86-vm-srcs)
host-srcs += $(x86-vm-srcs)
# The privileged part of the SVM backend (CPUID, MSRs, VMRUN, the VMs and their scheduler, the
# host APIC that preempts guests): the image only.
x86_64-srcs += arch/x86/svm_cpu.c arch/x86/svm_run.c arch/x86/svm_entry.S \
	arch/x86/svm_vm.c arch/x86/svm_vms.c arch/x86/apic.c
# The privileged part of the VMX backend (VMX MSRs, VMXON, VMREAD/VMWRITE): the image only.
x86_64-srcs += arch/x86/vmx_cpu.c arch/x86/vmx_run.c arch/x86/vmx_entry.S
# The VMX backend's VMs and run loop, and the run-time choice between SVM and VMX (x86_vm.c).
x86_64-srcs += arch/x86/vmx_vm.c arch/x86/vmx_vms.c arch/x86/x86_vm.c \
	arch/x86/x86_vms.c
# Physical MSI-X of assigned functions through the IOMMU's interrupt remapping (vmm/vdev.h).
x86_64-srcs += arch/x86/vmsi.c
