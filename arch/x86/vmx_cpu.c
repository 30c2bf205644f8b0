// SPDX-License-Identifier: MIT
/*
 * The privileged half of the VMX backend, image only (Intel SDM vol. 3C 24.7 "Enabling and
 * entering VMX operation", 25.11.4 VMXON region): IA32_FEATURE_CONTROL, the VMX MSRs, CR0/CR4
 * fixed bits, VMXON. The decisions (which controls, which fields) are in the host-tested
 * vmx_caps.c and vmx_vmcs.c.
 */
#define LOG_COMPONENT "vmx"
#include "arch/x86/vmx.h"

#include <arch/mm.h>

#include "arch/x86/x86.h"
#include "lib/err.h"

#define MSR_FEATURE_CONTROL 0x3au
#define CPUID1_ECX_VMX (1u << 5)

static enum vmx_fc_state fc_state = VMX_FC_NONE;

/*
 * Before anything else runs (x86_boot): where firmware left IA32_FEATURE_CONTROL unlocked
 * (SeaBIOS, OVMF), Moat enables VMX outside SMX and locks it, as firmware is meant to (SDM
 * 24.7); a locked register is left as it is.
 */
__attribute__((no_stack_protector)) void vmx_feature_control_init(void)
{
	u32 r[4];
	u64 v;

	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_VMX))
		return;
	v = rdmsr(MSR_FEATURE_CONTROL);
	fc_state = vmx_feature_control_decide(v, &v);
	if (fc_state == VMX_FC_SET_BY_MOAT)
		wrmsr(MSR_FEATURE_CONTROL, v);
}

enum vmx_fc_state vmx_feature_control_state(void)
{
	return fc_state;
}

int vmx_cpu_probe(struct vmx_msrs *m)
{
	u32 r[4];

	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_VMX))
		return -E_NOTSUP;
	if (fc_state != VMX_FC_LOCKED_ON && fc_state != VMX_FC_SET_BY_MOAT)
		return -E_PERM; /* firmware locked VMX off */
	*m = (struct vmx_msrs){ 0 };
	m->basic = rdmsr(MSR_VMX_BASIC);
	m->pin = rdmsr(MSR_VMX_PINBASED);
	m->proc = rdmsr(MSR_VMX_PROCBASED);
	m->exit = rdmsr(MSR_VMX_EXIT);
	m->entry = rdmsr(MSR_VMX_ENTRY);
	m->misc = rdmsr(MSR_VMX_MISC);
	m->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	/* A.3.3, A.10: these exist only when the allowed-1 settings say so. */
	if (m->proc >> 32 & PROC_SECONDARY)
		m->proc2 = rdmsr(MSR_VMX_PROCBASED2);
	if (m->proc2 >> 32 & (PROC2_EPT | PROC2_VPID))
		m->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (m->basic & VMX_BASIC_TRUE_CTLS) {
		m->true_pin = rdmsr(MSR_VMX_TRUE_PINBASED);
		m->true_proc = rdmsr(MSR_VMX_TRUE_PROCBASED);
		m->true_exit = rdmsr(MSR_VMX_TRUE_EXIT);
		m->true_entry = rdmsr(MSR_VMX_TRUE_ENTRY);
	}
	return 0;
}

/* ---- the host's GDT with a TSS: VM exits load TR, whose selector may not be 0 (26.2.3) ---- */

#define SEL_TSS 0x18

static struct {
	u32 rsvd0;
	u64 rsp[3];
	u64 rsvd1;
	u64 ist[7];
	u64 rsvd2;
	u16 rsvd3, iomap;
} __packed __aligned(16) vmx_tss = { .iomap = 104 };

static u64 vmx_gdt[5] __aligned(16) = {
	0, 0x00af9a000000ffffULL, /* SEL_CODE64, as x86_load_gdt */
	0x00cf92000000ffffULL,	  /* SEL_DATA */
};

/* Moat's code and data selectors stay valid: the same descriptors at the same places. */
static void vmx_host_gdt(void)
{
	u64 b = (u64)(uintptr_t)&vmx_tss, lim = sizeof(vmx_tss) - 1;
	struct __packed {
		u16 limit;
		u64 base;
	} d = { sizeof(vmx_gdt) - 1, (u64)(uintptr_t)vmx_gdt };

	/* 64-bit available TSS (SDM 8.2.3): limit, base 23:0, type 9, P, base 31:24, base 63:32 */
	vmx_gdt[3] = (lim & 0xffff) | (b & 0xffffff) << 16 | 0x89ULL << 40 | (b >> 24 & 0xff) << 56;
	vmx_gdt[4] = b >> 32;
	__asm__ volatile("lgdt %0\n ltr %w1" : : "m"(d), "r"(SEL_TSS) : "memory");
}

void vmx_host_state_read(struct vmx_host_state *h)
{
	struct __packed {
		u16 limit;
		u64 base;
	} g, i;

	__asm__ volatile("mov %%cr0, %0" : "=r"(h->cr0));
	__asm__ volatile("mov %%cr3, %0" : "=r"(h->cr3));
	__asm__ volatile("mov %%cr4, %0" : "=r"(h->cr4));
	__asm__ volatile("sgdt %0\n sidt %1" : "=m"(g), "=m"(i));
	h->efer = rdmsr(0xc0000080u);
	h->pat = rdmsr(0x277u);
	h->fs_base = rdmsr(MSR_FS_BASE);
	h->gdtr_base = g.base;
	h->idtr_base = i.base;
	h->tr_base = (u64)(uintptr_t)&vmx_tss;
	h->cs = SEL_CODE64;
	h->ds = SEL_DATA;
	h->tr = SEL_TSS;
}

/* CF: VMfailInvalid, ZF: VMfailValid (SDM 30.2). */
#define VMX_OK(insn, ...)                                                                        \
	({                                                                                       \
		u8 bad;                                                                          \
		__asm__ volatile(insn "; setbe %0" : "=qm"(bad) : __VA_ARGS__ : "cc", "memory"); \
		!bad;                                                                            \
	})

#define CR4_OSFXSR (1ULL << 9)
#define CR4_VMXE (1ULL << 13)

int vmx_cpu_enable(const struct vmx_caps *caps, paddr_t region)
{
	u64 cr0, cr4;

	if (region.v & 0xfff)
		return -E_INVAL;
	__asm__ volatile("mov %%cr0, %0\n mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
	cr0 = (cr0 | caps->cr0_fixed0) & caps->cr0_fixed1;
	cr4 = (cr4 | caps->cr4_fixed0 | CR4_VMXE | CR4_OSFXSR) & caps->cr4_fixed1;
	__asm__ volatile("mov %0, %%cr0\n mov %1, %%cr4" : : "r"(cr0), "r"(cr4) : "memory");
	*(u32 *)phys_to_virt(region) = caps->revision; /* 25.11.5 */
	if (!VMX_OK("vmxon %1", "m"(region.v)))
		return -E_IO;
	vmx_host_gdt();
	return 0;
}

int vmx_vmcs_load(const struct vmx_caps *caps, paddr_t vmcs, bool clear)
{
	if (clear) {
		*(u32 *)phys_to_virt(vmcs) = caps->revision;
		if (!VMX_OK("vmclear %1", "m"(vmcs.v)))
			return -E_IO;
	}
	return VMX_OK("vmptrld %1", "m"(vmcs.v)) ? 0 : -E_IO;
}

u64 vmcs_read(u32 field)
{
	u64 v = 0;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((u64)field) : "cc");
	return v;
}

void vmcs_write(u32 field, u64 v)
{
	__asm__ volatile("vmwrite %0, %1" : : "rm"(v), "r"((u64)field) : "cc", "memory");
}

void vmx_hw_invept(unsigned type, u64 eptp)
{
	struct {
		u64 eptp, rsvd;
	} d = { eptp, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(d), "r"((u64)type) : "cc", "memory");
}

void vmx_hw_invvpid(unsigned type, u16 vpid, u64 la)
{
	struct {
		u64 vpid, la;
	} d = { vpid, la };

	__asm__ volatile("invvpid %0, %1" : : "m"(d), "r"((u64)type) : "cc", "memory");
}
