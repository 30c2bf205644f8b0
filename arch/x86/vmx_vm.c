// SPDX-License-Identifier: MIT
/*
 * The VMX backend's VMs (docs/vm-backend.md, image only), parallel to svm_vm.c and
 * svm_vms.c: VMX discovered and VMXON done at the first VM, the same x86 VM map (RAM from
 * GPA 0, the kernel at 1 MiB), per-VM EPT over the VM's RAM (its own pages only, core/own.h),
 * one VMCS per vCPU with a VPID, the same boot state (vboot.c), INIT/SIPI for the
 * application processors. The run loop is vmx_vms.c.
 */
#define LOG_COMPONENT "vmx"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <string.h>

#include "arch/x86/vmsi_msg.h"
#include "arch/x86/vboot.h"
#include "arch/x86/vmx.h"
#include "arch/x86/x86.h"
#include "arch/x86/x86_vm.h"
#include "core/log.h"
#include "vmm/vm_boot.h"
#include "lib/err.h"

static struct vmx_vm vmx_vms[VM_MAX];
static struct vmx_caps caps;
static struct pt_allocator ept_alloc;
static paddr_t msr_bitmap;

static int vmx_pages(struct frame_alloc *fa, unsigned n, paddr_t *p)
{
	int err = frame_alloc_run(fa, n, PAGE_SIZE, p);

	if (!err)
		memset(phys_to_virt(*p), 0, (size_t)n * PAGE_SIZE);
	return err;
}

/* The VMX MSRs read and checked, one line either way (a refusal names the reason). */
static int vmx_caps_once(void)
{
	struct vmx_msrs m;
	int err = vmx_cpu_probe(&m);

	if (err) {
		pr_err("no usable VMX: %s", err_str(err));
		return err;
	}
	return vmx_caps_take(&m, &caps);
}

/* Once: the capabilities, VMXON, the MSR bitmap every VMCS shares, the EPT frames. */
static int vmx_host_once(struct frame_alloc *fa)
{
	paddr_t region;
	int err;

	if (msr_bitmap.v)
		return 0;
	if ((err = vmx_caps_once()) || (err = vmx_pages(fa, 1, &region)) ||
	    (err = vmx_cpu_enable(&caps, region)) || (err = vmx_pages(fa, 1, &msr_bitmap)))
		return err;
	vmx_msr_bitmap_init(phys_to_virt(msr_bitmap));
	pt_allocator_frames(&ept_alloc, fa);
	outb(0x21, 0xff); /* both 8259s masked: nothing of theirs reaches a guest or Moat */
	outb(0xa1, 0xff);
	return 0;
}

/* A vCPU as INIT leaves it (application processors) or at the boot entry (vCPU 0): a
 * cleared VMCS with the controls, host state and EPTP, launched afresh. */
static int vmx_vcpu_reset(struct vmx_vcpu *xv, const struct x86_boot_entry *e)
{
	unsigned i = xv->v->id;
	struct vmx_host_state h;
	int err;

	vmx_vcpu_forget();
	if ((err = vmx_vmcs_load(&caps, xv->vmcs, true)))
		return err;
	vmx_host_state_read(&h);
	vmx_vmcs_init(&caps, &h, ept_pointer(&xv->xm->ept), xv->tlb.vpid, msr_bitmap.v);
	vlapic_reset(&xv->lapic, i);
	memset(xv->gprs, 0, sizeof(xv->gprs));
	vmx_tlb_guest_flush(&xv->tlb);
	xv->tlb.ept_stale = true;
	xv->nmi_pending = xv->init_pending = xv->halted = xv->launched = false;
	xv->sipi_after_init = false;
	xv->fpu_valid = false;
	xv->cr8 = 0;
	xv->running = i == 0;
	xv->wait_sipi = i != 0; /* application processors wait for INIT and start-up IPIs */
	if (i)
		return 0;
	vmx_vmcs_set_boot64(&caps, e->rip, e->cr3, e->gdt, e->gdt_limit);
	xv->gprs[VGPR_RSI] = e->rsi;
	return 0;
}

/* Writes the entry environment into the VM's (loaded) RAM and resets every vCPU to it. */
static int vmx_vm_boot(struct vmx_vm *xm)
{
	struct vm *vm = xm->vm;
	struct x86_boot_entry e;
	int err = x86_vm_boot_env(vm, &e);

	if (err)
		return err;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if ((err = vmx_vcpu_reset(&xm->vcpu[i], &e))) {
			pr_err("%s: vCPU %u: VMCLEAR/VMPTRLD failed", vm->name, i);
			return err;
		}
	return 0;
}

/* All vCPUs take turns on the boot CPU: nothing to interrupt (as svm_kick). */
static void vmx_kick(struct vmx_vm *xm, unsigned idx)
{
	(void)xm, (void)idx;
}

static int vmx_vm_vcpus(struct vmx_vm *xm, struct frame_alloc *fa)
{
	struct vm *vm = xm->vm;
	paddr_t p;
	int err;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vmx_vcpu *xv = &xm->vcpu[i];

		if ((err = vmx_pages(fa, 1, &p)))
			return err;
		memset(xv, 0, sizeof(*xv));
		xv->v = &vm->vcpu[i];
		xv->xm = xm;
		xv->vmcs = p;
		xv->tlb.vpid = caps.vpid ? vmx_vpid_alloc() : 0;
		vm->vcpu[i].arch.vmx = xv;
	}
	return 0;
}

int vmx_vmb_create(struct vm *vm, struct frame_alloc *fa)
{
	struct vmx_vm *xm;
	int err;

	if (!vm->id || vm->id > VM_MAX)
		return -E_INVAL;
	xm = &vmx_vms[vm->id - 1];
	if ((err = vmx_host_once(fa)) || (err = ept_init(&xm->ept, &ept_alloc, caps.ept_max_leaf)))
		return err;
	xm->vm = vm;
	xm->caps = &caps;
	xm->kick = vmx_kick;
	memset(&xm->io, 0, sizeof(xm->io));
	xm->ept.vm = vm->id; /* maps take only this VM's pages (core/own.h) */
	vm->arch.vmx = xm;
	if ((err = ept_map_ram(&xm->ept, &vm->priv)) ||
	    (err = ept_map_ram(&xm->ept, &vm->shared)) || (err = vmx_vm_vcpus(xm, fa)))
		return err;
	return vmx_vm_boot(xm);
}

/* SYSTEM_RESET: private RAM cleared and the images loaded again, then the boot state. */
int vmx_vm_reset(struct vmx_vm *xm)
{
	int err = vm_reload(xm->vm);

	return err ? err : vmx_vm_boot(xm);
}

int vmx_vmb_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size)
{
	return ept_map_mmio(&vm->arch.vmx->ept, g, hpa, size);
}

/* lib/pt's flush hook: every vCPU of the VM does INVEPT before its next entry. */
static void vmx_ept_flush(struct pt_gather *g, struct pt *pt)
{
	struct ept *e = container_of(pt, struct ept, pt);

	(void)g;
	vmx_ept_changed(container_of(e, struct vmx_vm, ept));
}

void vmx_vmb_unmap_mmio(struct vm *vm, gpa_t g, u64 size)
{
	int err = ept_unmap(&vm->arch.vmx->ept, g, size, vmx_ept_flush);

	if (err)
		pr_err("%s: EPT unmap of 0x%llx (+0x%llx): %s", vm->name, (unsigned long long)g.v,
		       (unsigned long long)size, err_str(err));
}

/* A device interrupt: its vector at the x2APIC of the vCPU it names (as SVM, vmsi_msg.h). */
void vmx_vmb_raise_spi(struct vm *vm, unsigned intid)
{
	struct vmx_vm *xm = vm->arch.vmx;
	unsigned t;
	u8 vec;

	x86_intid_target(intid, vm->nvcpus, &t, &vec);
	if (vec < 32 || !xm)
		return;
	vlapic_accept(&xm->vcpu[t].lapic, vec);
	xm->kick(xm, t);
}

void vmx_vmb_kick(struct vcpu *t)
{
	struct vmx_vm *xm = t->vm->arch.vmx;

	xm->kick(xm, t->id);
}
