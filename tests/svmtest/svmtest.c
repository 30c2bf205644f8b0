// SPDX-License-Identifier: MIT
/*
 * The x86 SVM test image's one extra unit (never in the production image: issue 15 item 6):
 * before the VM backend interface is in core (docs/vm-backend.md), it proves VMRUN, nested
 * paging and the exit handling on QEMU's SVM by running the x86 test guest
 * (tests/guests/x86) as one VM with two vCPUs, through the same backend code the production
 * image carries: the boot-protocol state and ACPI tables (vboot.c), NPT (npt.c), one VMCB per
 * vCPU (svm_vmcb.c), the vCPU steps (svm_run.c) and the exit dispatch. Phase 1 has no
 * physical SMP bring-up, so both vCPUs take turns on the boot CPU here (the production design
 * pins one vCPU per CPU); the VM has RAM from GPA 0 as the x86 map says (docs/guest-abi.md),
 * which core's vm_init() learns in phase 2 (docs/vm-backend.md), so this test moves it.
 */
#define LOG_COMPONENT "svmtest"
#include <arch/mm.h>
#include <string.h>

#include "arch/x86/svm.h"
#include "arch/x86/vboot.h"
#include "arch/x86/x86.h"
#include "core/frame.h"
#include "vmm/hypercall.h"
#include "core/init.h"
#include "core/log.h"
#include "vmm/vm.h"
#include "lib/err.h"
#include "lib/fmt.h"

extern const u8 svmtest_guest[], svmtest_guest_end[];

#define NVCPUS 2

static struct vm_config cfg = { .name = "x86test", .private_size = 8ULL << 20, .nvcpus = NVCPUS };
static struct vm vm;
static struct svm_vm sm;
static struct pt_allocator npt_alloc;

static int page(struct frame_alloc *fa, unsigned n, paddr_t *p)
{
	int err = frame_alloc_run(fa, n, PAGE_SIZE, p);

	if (!err)
		memset(phys_to_virt(*p), 0, n * PAGE_SIZE);
	return err;
}

static char cmdline[64];

static int svmtest_vcpu(struct frame_alloc *fa, unsigned i, paddr_t iopm, paddr_t msrpm,
			paddr_t *vmcb_pa)
{
	struct svm_vcpu *sv = &sm.vcpu[i];
	int err = page(fa, 1, vmcb_pa);

	if (err)
		return err;
	sv->v = &vm.vcpu[i];
	sv->sm = &sm;
	sv->vmcb = phys_to_virt(*vmcb_pa);
	svm_vmcb_init(sv->vmcb, iopm.v, msrpm.v, npt_root(&sm.npt));
	vlapic_reset(&sv->lapic, i);
	sv->wait_sipi = i != 0; /* application processors wait for INIT and start-up IPIs */
	return 0;
}

static int svmtest_vm(struct frame_alloc *fa, paddr_t *vmcb_pa)
{
	struct x86_boot b = { 0, cfg.private_size, cfg.nvcpus, 0, cmdline };
	struct svm_vcpu *bsp = &sm.vcpu[0];
	struct x86_boot_entry e;
	paddr_t ram, iopm, msrpm;
	u32 ext[4];
	int err;

	if ((err = frame_alloc_run(fa, cfg.private_size >> PAGE_SHIFT, 2ULL << 20, &ram)))
		return err;
	memset(phys_to_virt(ram), 0, cfg.private_size);
	vm_init(&vm, 1, &cfg, ram);
	vm.priv.base = gpa(0);
	if ((err = x86_boot_build(phys_to_virt(ram), &b, &e)))
		return err;
	memcpy((u8 *)phys_to_virt(ram) + X86_BOOT_KERNEL, svmtest_guest,
	       (size_t)(svmtest_guest_end - svmtest_guest));
	cpuid(0x80000001u, 0, ext);
	pt_allocator_frames(&npt_alloc, fa);
	if ((err = npt_init(&sm.npt, &npt_alloc, ext[3] & (1u << 26))) ||
	    (err = npt_map_ram(&sm.npt, &vm.priv)) || (err = page(fa, 3, &iopm)) ||
	    (err = page(fa, 2, &msrpm)))
		return err;
	svm_permission_maps_init(phys_to_virt(iopm), phys_to_virt(msrpm));
	sm.vm = &vm;
	for (unsigned i = 0; i < vm.nvcpus; i++)
		if ((err = svmtest_vcpu(fa, i, iopm, msrpm, &vmcb_pa[i])))
			return err;
	svm_vmcb_set_boot64(bsp->vmcb, e.rip, e.cr3, e.gdt, e.gdt_limit);
	bsp->gprs[GPR_RSI] = e.rsi;
	bsp->guest_efer = EFER_LME;
	bsp->running = true;
	return 0;
}

/* Both vCPUs in turn, one entry each, until the VM ends; 30 s without any exit is a hang. */
static enum svm_action svmtest_schedule(struct svm_asid_cpu *cpu, const paddr_t *vmcb, paddr_t host)
{
	u64 last = arch_time_ns(), seen = 0;

	for (;;) {
		u64 exits = 0;

		for (unsigned i = 0; i < vm.nvcpus; i++) {
			enum svm_action a = svm_vcpu_step(&sm.vcpu[i], cpu, vmcb[i].v, host.v);

			if (a != SVM_RESUME && a != SVM_HALT)
				return a;
			exits += sm.vcpu[i].exits;
		}
		if (exits != seen) {
			seen = exits;
			last = arch_time_ns();
		} else if (arch_time_ns() - last > 30000000000ULL) {
			pr_err("no vCPU of %s made progress for 30 s", vm.name);
			return SVM_STOP_VM;
		}
	}
}

static const char *const action_name[] = { "resume", "halt", "stopped", "powered off", "reset" };

static int svmtest_run(struct moat_ctx *ctx)
{
	struct svm_asid_cpu cpu;
	struct svm_caps caps;
	paddr_t hsave, host_vmcb, vmcb[NVCPUS];
	enum svm_action a;
	int err;

	/* svmtest=bench (QEMU -append): one vCPU that measures instead of testing. */
	if (platform_bootarg(ctx->plat, "svmtest", cmdline, sizeof(cmdline)) &&
	    !strcmp(cmdline, "bench")) {
		cfg.nvcpus = 1;
		fmt_snprintf(cmdline, sizeof(cmdline), "moat.bench moat.entry_tsc=%llu",
			     (unsigned long long)x86_entry_tsc);
	} else
		fmt_snprintf(cmdline, sizeof(cmdline), "moat.test=svm");
	if ((err = svm_cpu_probe(&caps))) {
		pr_err("no usable SVM: %s", err_str(err));
		return err;
	}
	pr_info("SVM: %u ASIDs, nested paging, NRIPS %s, decode assists %s", caps.nasid,
		caps.nrips ? "yes" : "no", caps.decode_assists ? "yes" : "no");
	if ((err = page(ctx->frames, 1, &hsave)) || (err = page(ctx->frames, 1, &host_vmcb)) ||
	    (err = svm_cpu_enable(hsave)) || (err = svmtest_vm(ctx->frames, vmcb)))
		return err;
	svm_asid_cpu_init(&cpu, 0, &caps);
	a = svmtest_schedule(&cpu, vmcb, host_vmcb);
	vm_console_flush(&vm);
	pr_info("%s %s after %llu + %llu exits", vm.name, action_name[a],
		(unsigned long long)sm.vcpu[0].exits, (unsigned long long)sm.vcpu[1].exits);
	return a == SVM_POWER_OFF ? 0 : -E_STATE;
}

MOAT_UNIT("svmtest", INIT_LATE, svmtest_run);
