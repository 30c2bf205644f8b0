// SPDX-License-Identifier: MIT
/*
 * The VMCS's static part and guest entry states (Intel SDM vol. 3C ch. 24 "Virtual machine
 * control structures", 26.2-26.3 the checks VM entry makes on them): controls from the
 * capabilities (vmx_caps.c), host state, EPTP, VPID, the MSR bitmap, CR0/CR4 masks, and the
 * boot-protocol and start-up states. Written through vmcs_write(): built for the image and
 * the host tests (which check the result against the entry rules).
 */
#include "arch/x86/vmx.h"

#include "lib/compiler.h"

#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_VMXE (1ULL << 13)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define PAT_POWER_ON 0x0007040600070406ULL /* SDM 11.12.4 */

/* #AC and #DB exit so that a guest cannot hang its CPU in an exception loop (as on SVM);
 * #MC goes to Moat. */
#define EXC_DB (1u << 1)
#define EXC_AC (1u << 17)
#define EXC_MC (1u << 18)

u64 vmx_cr0_hw(const struct vmx_caps *caps, u64 guest)
{
	return (guest | caps->cr0_fixed0 | CR0_NE) & caps->cr0_fixed1;
}

u64 vmx_cr4_hw(const struct vmx_caps *caps, u64 guest)
{
	return (guest | caps->cr4_fixed0 | CR4_VMXE) & caps->cr4_fixed1;
}

static void vmx_vmcs_host(const struct vmx_host_state *h)
{
	vmcs_write(VMCS_HOST_CR0, h->cr0);
	vmcs_write(VMCS_HOST_CR3, h->cr3);
	vmcs_write(VMCS_HOST_CR4, h->cr4);
	vmcs_write(VMCS_HOST_EFER, h->efer);
	vmcs_write(VMCS_HOST_PAT, h->pat);
	for (unsigned i = VMX_ES; i <= VMX_GS; i++)
		vmcs_write(VMCS_HOST_ES_SEL + 2 * i, i == VMX_CS ? h->cs : i < VMX_FS ? h->ds : 0);
	vmcs_write(VMCS_HOST_ES_SEL + 2 * 6, h->tr); /* the host TR selector follows GS */
	vmcs_write(VMCS_HOST_FS_BASE, h->fs_base);
	vmcs_write(VMCS_HOST_GS_BASE, 0);
	vmcs_write(VMCS_HOST_TR_BASE, h->tr_base);
	vmcs_write(VMCS_HOST_GDTR_BASE, h->gdtr_base);
	vmcs_write(VMCS_HOST_IDTR_BASE, h->idtr_base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
}

void vmx_vmcs_init(const struct vmx_caps *caps, const struct vmx_host_state *h, u64 eptp, u16 vpid,
		   u64 msr_bitmap_pa)
{
	vmcs_write(VMCS_PIN_CTLS, caps->pin);
	vmcs_write(VMCS_PROC_CTLS, caps->proc);
	vmcs_write(VMCS_PROC2_CTLS, vpid ? caps->proc2 : caps->proc2 & ~PROC2_VPID);
	vmcs_write(VMCS_EXIT_CTLS, caps->exit);
	vmcs_write(VMCS_ENTRY_CTLS, caps->entry);
	vmcs_write(VMCS_EXCEPTION_BITMAP, EXC_DB | EXC_AC | EXC_MC);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_MSR_BITMAP, msr_bitmap_pa);
	vmcs_write(VMCS_EPTP, eptp);
	if (vpid)
		vmcs_write(VMCS_VPID, vpid);
	vmcs_write(VMCS_LINK_PTR, ~0ULL); /* no shadow VMCS (26.3.1.5) */
	vmcs_write(VMCS_CR0_MASK, caps->cr0_mask);
	vmcs_write(VMCS_CR4_MASK, caps->cr4_mask);
	vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmx_vmcs_host(h);
}

/* MSR bitmap (24.6.9): read-low, read-high, write-low, write-high, 1 KiB each. */
static bool msr_bit(u32 msr, bool write, unsigned *bit)
{
	unsigned base = write ? 2048 * 8 : 0;

	if (msr <= 0x1fff)
		*bit = base + msr;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		*bit = base + 1024 * 8 + (msr - 0xc0000000u);
	else
		return false;
	return true;
}

/* Switched through the VMCS guest-state area (SYSENTER, FS/GS base) or by Moat on every
 * change of vCPU (the syscall MSRs, KernelGSbase: vmx_run.c): the guest's own values. */
static const u32 passthrough_msrs[] = {
	0x174,	    0x175,	0x176,	    /* SYSENTER_CS, _ESP, _EIP */
	0xc0000081, 0xc0000082, 0xc0000083, /* STAR, LSTAR, CSTAR */
	0xc0000084, 0xc0000100, 0xc0000101, /* SFMASK, FS.base, GS.base */
	0xc0000102,			    /* KernelGSbase */
};

void vmx_msr_bitmap_init(u8 *bitmap)
{
	for (unsigned i = 0; i < 4096; i++)
		bitmap[i] = 0xff;
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough_msrs); i++) {
		for (unsigned w = 0; w < 2; w++) {
			unsigned bit;

			if (msr_bit(passthrough_msrs[i], w, &bit))
				bitmap[bit / 8] &= (u8) ~(1u << (bit % 8));
		}
	}
}

bool vmx_msr_bitmap_intercepts(const u8 *bitmap, u32 msr, bool write)
{
	unsigned bit;

	return !msr_bit(msr, write, &bit) || (bitmap[bit / 8] & (1u << (bit % 8)));
}

/* Access rights (24.4.1, table 24-2): type 3:0, S 4, DPL 6:5, P 7, L 13, D/B 14, G 15,
 * unusable 16. */
#define AR_CODE64 0xa09bu
#define AR_DATA 0xc093u
#define AR_CODE16 0x009bu
#define AR_DATA16 0x0093u
#define AR_TSS_BUSY 0x008bu
#define AR_LDT 0x0082u

static void seg(unsigned i, u16 sel, u32 ar, u32 limit, u64 base)
{
	vmcs_write(VMCS_GUEST_ES_SEL + 2 * i, sel);
	vmcs_write(VMCS_GUEST_ES_AR + 2 * i, ar);
	vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * i, limit);
	vmcs_write(VMCS_GUEST_ES_BASE + 2 * i, base);
}

static void vmx_guest_common(void)
{
	seg(VMX_LDTR, 0, AR_LDT, 0xffff, 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2); /* bit 1 is reserved, set; IF clear */
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_GUEST_RSP, 0);
}

static void vmx_guest_crs(const struct vmx_caps *caps, u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	u32 entry = caps->entry & ~ENTRY_IA32E;

	vmcs_write(VMCS_GUEST_CR0, vmx_cr0_hw(caps, cr0));
	vmcs_write(VMCS_CR0_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR3, cr3);
	vmcs_write(VMCS_GUEST_CR4, vmx_cr4_hw(caps, cr4));
	vmcs_write(VMCS_CR4_SHADOW, cr4);
	vmcs_write(VMCS_GUEST_EFER, efer);
	vmcs_write(VMCS_ENTRY_CTLS, (efer & EFER_LMA) ? entry | ENTRY_IA32E : entry);
}

void vmx_vmcs_set_boot64(const struct vmx_caps *caps, u64 rip, u64 cr3, u64 gdt, u16 gdt_limit)
{
	vmx_guest_common();
	seg(VMX_CS, 0x10, AR_CODE64, 0xffffffff, 0);
	for (unsigned i = VMX_ES; i <= VMX_GS; i++)
		if (i != VMX_CS)
			seg(i, 0x18, AR_DATA, 0xffffffff, 0);
	seg(VMX_TR, 0, AR_TSS_BUSY, 0x67, 0);
	vmcs_write(VMCS_GUEST_GDTR_BASE, gdt);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, gdt_limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0);
	/* PG, WP, NE, ET, MP, PE; PAE; long mode active */
	vmx_guest_crs(caps, 0x80010033, cr3, CR4_PAE, EFER_LME | EFER_LMA);
	vmcs_write(VMCS_GUEST_RIP, rip);
}

void vmx_vmcs_set_sipi(const struct vmx_caps *caps, u8 vector)
{
	vmx_guest_common();
	seg(VMX_CS, (u16)(vector << 8), AR_CODE16, 0xffff, (u64)vector << 12);
	for (unsigned i = VMX_ES; i <= VMX_GS; i++)
		if (i != VMX_CS)
			seg(i, 0, AR_DATA16, 0xffff, 0);
	seg(VMX_TR, 0, AR_TSS_BUSY, 0xffff, 0);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	/* CD, NW, ET: the INIT state (SDM table 9-1); paging off */
	vmx_guest_crs(caps, 0x60000000 | CR0_ET, 0, 0, 0);
	vmcs_write(VMCS_GUEST_RIP, 0);
}
