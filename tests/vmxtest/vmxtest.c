// SPDX-License-Identifier: MIT
/*
 * The x86 VMX test image's one extra unit (never in the production image, as the SVM test
 * image): it proves VMXON, EPT, VMLAUNCH/VMRESUME and the exit handling under Bochs by
 * running the x86 test guest (tests/guests/x86, the same binary the SVM test image runs) as
 * one VM with two vCPUs through the backend code the production image carries: the
 * boot-protocol state and ACPI tables (vboot.c), EPT (ept.c), one VMCS per vCPU
 * (vmx_vmcs.c), VPIDs (vmx_tlb.c), the vCPU steps (vmx_run.c) and the exit dispatch. The
 * vCPUs take turns on the boot CPU; the VM has RAM from GPA 0 (docs/guest-abi.md).
 *
 * Boot argument vmxtest=bench: one vCPU that measures; vmxtest=badvmcs: the boot vCPU's
 * guest state breaks an entry rule (RFLAGS bit 1 clear, SDM 26.3.1.4), and Moat must report
 * the failed entry and stop the VM instead of hanging.
 */
#define LOG_COMPONENT "vmxtest"
#include <arch/mm.h>
#include <string.h>

#include "arch/x86/vboot.h"
#include "arch/x86/vmx.h"
#include "arch/x86/x86.h"
#include "core/frame.h"
#include "core/own.h"
#include "vmm/hypercall.h"
#include "core/init.h"
#include "core/log.h"
#include "vmm/vm.h"
#include "lib/err.h"
#include "lib/fmt.h"

extern const u8 vmxtest_guest[], vmxtest_guest_end[];

#define NVCPUS 2

static struct vm_config cfg = { .name = "x86test", .private_size = 8ULL << 20, .nvcpus = NVCPUS };
static struct vm vm;
static struct vmx_vm xm;
static struct vmx_caps caps;
static struct pt_allocator ept_alloc;
static char cmdline[64];

static int page(struct frame_alloc *fa, unsigned n, paddr_t *p)
{
	int err = frame_alloc_run(fa, n, PAGE_SIZE, p);

	if (!err)
		memset(phys_to_virt(*p), 0, n * PAGE_SIZE);
	return err;
}

static int vmxtest_vcpu(struct frame_alloc *fa, unsigned i, paddr_t bitmap)
{
	struct vmx_vcpu *xv = &xm.vcpu[i];
	struct vmx_host_state h;
	int err;

	if ((err = page(fa, 1, &xv->vmcs)) || (err = vmx_vmcs_load(&caps, xv->vmcs, true)))
		return err;
	xv->v = &vm.vcpu[i];
	xv->xm = &xm;
	xv->tlb.vpid = caps.vpid ? vmx_vpid_alloc() : 0;
	vmx_host_state_read(&h);
	vmx_vmcs_init(&caps, &h, ept_pointer(&xm.ept), xv->tlb.vpid, bitmap.v);
	vlapic_reset(&xv->lapic, i);
	xv->wait_sipi = i != 0; /* application processors wait for INIT and start-up IPIs */
	return 0;
}

static int vmxtest_vm(struct frame_alloc *fa, bool bad)
{
	struct x86_boot b = { 0, cfg.private_size, cfg.nvcpus, 0, cmdline };
	struct x86_boot_entry e;
	paddr_t ram, bitmap;
	int err;

	if ((err = frame_alloc_run(fa, cfg.private_size >> PAGE_SHIFT, 2ULL << 20, &ram)))
		return err;
	memset(phys_to_virt(ram), 0, cfg.private_size);
	if ((err = own_transfer(ram, cfg.private_size, own_moat(), own_vm(1))))
		return err; /* core/own.h: the EPT takes only the VM's own RAM */
	vm_init(&vm, 1, &cfg, ram);
	vm.priv.base = gpa(0);
	if ((err = x86_boot_build(phys_to_virt(ram), &b, &e)))
		return err;
	memcpy((u8 *)phys_to_virt(ram) + X86_BOOT_KERNEL, vmxtest_guest,
	       (size_t)(vmxtest_guest_end - vmxtest_guest));
	pt_allocator_frames(&ept_alloc, fa);
	if ((err = ept_init(&xm.ept, &ept_alloc, caps.ept_max_leaf)) ||
	    (xm.ept.vm = vm.id, err = ept_map_ram(&xm.ept, &vm.priv)) ||
	    (err = page(fa, 1, &bitmap)))
		return err;
	vmx_msr_bitmap_init(phys_to_virt(bitmap));
	xm.vm = &vm;
	xm.caps = &caps;
	for (unsigned i = 0; i < vm.nvcpus; i++)
		if ((err = vmxtest_vcpu(fa, i, bitmap)))
			return err;
	/* the boot vCPU's VMCS is made current again by its first step */
	if ((err = vmx_vmcs_load(&caps, xm.vcpu[0].vmcs, false)))
		return err;
	vmx_vmcs_set_boot64(&caps, e.rip, e.cr3, e.gdt, e.gdt_limit);
	if (bad)
		vmcs_write(VMCS_GUEST_RFLAGS, 0);
	xm.vcpu[0].gprs[VGPR_RSI] = e.rsi;
	xm.vcpu[0].running = true;
	return 0;
}

/* Both vCPUs in turn, one entry each, until the VM ends; 30 s without any exit is a hang. */
static enum vmx_action vmxtest_schedule(void)
{
	u64 last = arch_time_ns(), seen = 0;

	for (;;) {
		u64 exits = 0;

		for (unsigned i = 0; i < vm.nvcpus; i++) {
			enum vmx_action a = vmx_vcpu_step(&xm.vcpu[i]);

			if (a != VMX_RESUME && a != VMX_HALT)
				return a;
			exits += xm.vcpu[i].exits;
		}
		if (exits != seen) {
			seen = exits;
			last = arch_time_ns();
		} else if (arch_time_ns() - last > 30000000000ULL) {
			pr_err("no vCPU of %s made progress for 30 s", vm.name);
			return VMX_STOP_VM;
		}
	}
}

static const char *const fc_name[] = { "no VMX", "locked by firmware", "locked off by firmware",
				       "set and locked by Moat" };

static int vmxtest_caps(void)
{
	struct vmx_msrs m;
	int err;

	pr_info("IA32_FEATURE_CONTROL %s", fc_name[vmx_feature_control_state()]);
	if ((err = vmx_cpu_probe(&m)) || (err = vmx_caps_parse(&m, &caps))) {
		pr_err("no usable VMX: %s", err_str(err));
		return err;
	}
	pr_info("VMX: VMCS revision 0x%x, EPT %s pages, EPT A/D %s, VPID %s, preemption timer %s, "
		"TRUE controls %s",
		caps.revision,
		caps.ept_max_leaf == PT_SIZE_1G	  ? "1G"
		: caps.ept_max_leaf == PT_SIZE_2M ? "2M"
						  : "4K",
		caps.ept_ad ? "yes" : "no", caps.vpid ? "yes" : "no",
		caps.preempt_timer ? "yes" : "no", caps.true_ctls ? "yes" : "no");
	return 0;
}

static const char *const action_name[] = { "resume", "halt", "stopped", "powered off", "reset" };

static int vmxtest_run(struct moat_ctx *ctx)
{
	bool bench = false, bad = false;
	paddr_t region;
	enum vmx_action a;
	int err;

	if (platform_bootarg(ctx->plat, "vmxtest", cmdline, sizeof(cmdline))) {
		bench = !strcmp(cmdline, "bench");
		bad = !strcmp(cmdline, "badvmcs");
	}
	if (bench) {
		cfg.nvcpus = 1;
		fmt_snprintf(cmdline, sizeof(cmdline), "moat.bench moat.entry_tsc=%llu",
			     (unsigned long long)x86_entry_tsc);
	} else
		fmt_snprintf(cmdline, sizeof(cmdline), "moat.test=vmx");
	outb(0x21, 0xff); /* both 8259s masked: nothing of theirs reaches a guest or Moat */
	outb(0xa1, 0xff);
	if ((err = vmxtest_caps()) || (err = page(ctx->frames, 1, &region)) ||
	    (err = vmx_cpu_enable(&caps, region)) || (err = vmxtest_vm(ctx->frames, bad)))
		return err;
	a = vmxtest_schedule();
	vm_console_flush(&vm);
	pr_info("%s %s after %llu + %llu exits", vm.name, action_name[a],
		(unsigned long long)xm.vcpu[0].exits, (unsigned long long)xm.vcpu[1].exits);
	return a == VMX_POWER_OFF ? 0 : -E_STATE;
}

MOAT_UNIT("vmxtest", INIT_LATE, vmxtest_run);
