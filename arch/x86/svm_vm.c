// SPDX-License-Identifier: MIT
/*
 * The SVM backend's VMs (docs/vm-backend.md, image only): the x86 VM map (RAM from GPA 0,
 * the kernel at 1 MiB, no device tree), per-VM nested tables over the VM's RAM, one VMCB per
 * vCPU, the Linux 64-bit boot protocol state and ACPI tables (vboot.c), and the core hooks
 * for the VM memory map's MMIO windows, device interrupts and kicks.
 */
#define LOG_COMPONENT "svm"
#include <arch/mm.h>
#include <string.h>

#include "arch/x86/vmsi_msg.h"
#include "arch/x86/svm.h"
#include "arch/x86/vboot.h"
#include "arch/x86/x86.h"
#include "arch/x86/x86_vm.h"
#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/vm_backend.h"
#include "vmm/vm_boot.h"
#include "vmm/vm_mmio.h"
#include "lib/err.h"

static struct svm_vm svm_vms[VM_MAX];
static struct pt_allocator npt_alloc;
static paddr_t iopm, msrpm; /* one pair for every vCPU: the hardware only reads them */

void vmb_vm_layout(struct vm_layout *out)
{
	*out = (struct vm_layout){ gpa(0), X86_BOOT_KERNEL, false };
}

static int svm_pages(struct frame_alloc *fa, unsigned n, paddr_t *p)
{
	int err = frame_alloc_run(fa, n, PAGE_SIZE, p);

	if (!err)
		memset(phys_to_virt(*p), 0, (size_t)n * PAGE_SIZE);
	return err;
}

static int svm_maps_once(struct frame_alloc *fa)
{
	int err;

	if (iopm.v)
		return 0;
	if ((err = svm_pages(fa, 3, &iopm)) || (err = svm_pages(fa, 2, &msrpm)))
		return err;
	svm_permission_maps_init(phys_to_virt(iopm), phys_to_virt(msrpm));
	pt_allocator_frames(&npt_alloc, fa);
	return 0;
}

/* A vCPU as INIT leaves it (application processors) or at the boot entry (vCPU 0). */
static void svm_vcpu_reset(struct svm_vcpu *sv, const struct x86_boot_entry *e)
{
	unsigned i = sv->v->id;

	svm_vmcb_init(sv->vmcb, iopm.v, msrpm.v, npt_root(&sv->sm->npt));
	vlapic_reset(&sv->lapic, i);
	memset(sv->gprs, 0, sizeof(sv->gprs));
	svm_asid_invalidate(&sv->asid);
	sv->nmi_pending = sv->init_pending = sv->halted = sv->sipi_after_init = false;
	sv->running = i == 0;
	sv->wait_sipi = i != 0; /* application processors wait for INIT and start-up IPIs */
	sv->guest_efer = i ? 0 : EFER_LME;
	if (i)
		return;
	svm_vmcb_set_boot64(sv->vmcb, e->rip, e->cr3, e->gdt, e->gdt_limit);
	sv->gprs[GPR_RSI] = e->rsi;
}

/* Writes the entry environment into the VM's (loaded) RAM and resets every vCPU to it. */
static int svm_vm_boot(struct svm_vm *sm)
{
	struct vm *vm = sm->vm;
	struct x86_boot_entry e;
	int err = x86_vm_boot_env(vm, &e);

	if (err)
		return err;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		svm_vcpu_reset(&sm->vcpu[i], &e);
	return 0;
}

/* All vCPUs take turns on the boot CPU (svm_vms.c): the scheduler looks at every vCPU's
 * pending state before its next entry, so there is no other CPU to interrupt. */
static void svm_kick(struct svm_vm *sm, unsigned idx)
{
	(void)sm, (void)idx;
}

static int svm_vm_vcpus(struct svm_vm *sm, struct frame_alloc *fa)
{
	struct vm *vm = sm->vm;
	paddr_t p;
	int err;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct svm_vcpu *sv = &sm->vcpu[i];

		if ((err = svm_pages(fa, 1, &p)))
			return err;
		*sv = (struct svm_vcpu){
			.v = &vm->vcpu[i], .sm = sm, .vmcb = phys_to_virt(p), .vmcb_pa = p.v
		};
		vm->vcpu[i].arch.svm = sv;
	}
	return 0;
}

/* CPUID 8000_000A EDX bit 3 (APM 15.7.1): the CPU saves the next RIP on intercepts. */
static bool svm_nrips(void)
{
	u32 r[4];

	cpuid(0x8000000au, 0, r);
	return r[3] >> 3 & 1;
}

int svm_vmb_create(struct vm *vm, struct frame_alloc *fa)
{
	struct svm_vm *sm;
	u32 ext[4];
	int err;

	if (!vm->id || vm->id > VM_MAX)
		return -E_INVAL;
	sm = &svm_vms[vm->id - 1];
	cpuid(0x80000001u, 0, ext);
	if ((err = svm_maps_once(fa)) || (err = npt_init(&sm->npt, &npt_alloc, ext[3] >> 26 & 1)))
		return err;
	*sm = (struct svm_vm){ .vm = vm, .npt = sm->npt, .kick = svm_kick, .nrips = svm_nrips() };
	sm->npt.vm = vm->id; /* maps take only this VM's pages (core/own.h) */
	vm->arch.svm = sm;
	if ((err = npt_map_ram(&sm->npt, &vm->priv)) ||
	    (err = npt_map_ram(&sm->npt, &vm->shared)) || (err = svm_vm_vcpus(sm, fa)))
		return err;
	return svm_vm_boot(sm);
}

/* SYSTEM_RESET: private RAM cleared and the images loaded again, then the boot state. */
int svm_vm_reset(struct svm_vm *sm)
{
	int err = vm_reload(sm->vm);

	return err ? err : svm_vm_boot(sm);
}

int svm_vmb_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size)
{
	return svm_vm_map_mmio(vm->arch.svm, g, hpa, size);
}

void svm_vmb_unmap_mmio(struct vm *vm, gpa_t g, u64 size)
{
	int err = svm_vm_unmap(vm->arch.svm, g, size);

	if (err)
		pr_err("%s: NPT unmap of 0x%llx (+0x%llx): %s", vm->name, (unsigned long long)g.v,
		       (unsigned long long)size, err_str(err));
}

/*
 * A device interrupt: its vector (bits 7:0; below 32 none) at the x2APIC of the vCPU the bits
 * above name (vmsi_msg.h: an MSI's destination; the vIOMMU fault queue's numbers are below
 * 256, vCPU 0: docs/guest-abi.md, x86 "Interrupts").
 */
void svm_vmb_raise_spi(struct vm *vm, unsigned intid)
{
	struct svm_vm *sm = vm->arch.svm;
	unsigned t;
	u8 vec;

	x86_intid_target(intid, vm->nvcpus, &t, &vec);
	if (vec < 32 || !sm)
		return;
	vlapic_accept(&sm->vcpu[t].lapic, vec);
	sm->kick(sm, t);
}

void svm_vmb_kick(struct vcpu *t)
{
	struct svm_vm *sm = t->vm->arch.svm;

	sm->kick(sm, t->id);
}
