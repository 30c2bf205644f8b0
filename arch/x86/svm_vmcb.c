// SPDX-License-Identifier: MIT
/*
 * SVM features, the VMCB's static part, permission maps and guest entry states (AMD APM
 * vol. 2: 15.4 enabling SVM, 15.9-15.13 intercepts and permission maps, 15.25 nested
 * paging, appendix B). Pure data manipulation: built for the image and the host tests.
 */
#include "arch/x86/svm.h"

#include "lib/err.h"

#define CPUID_EXT1_ECX_SVM (1u << 2)
#define CPUIDA_EDX_NPT (1u << 0)
#define CPUIDA_EDX_NRIPS (1u << 3)
#define CPUIDA_EDX_FLUSH_BY_ASID (1u << 6)
#define CPUIDA_EDX_DECODE_ASSISTS (1u << 7)
#define CPUIDA_EDX_VGIF (1u << 16)
#define VM_CR_SVMDIS (1ULL << 4)

int svm_caps_parse(u32 ext1_ecx, const u32 leaf_a[4], u64 vm_cr, struct svm_caps *caps)
{
	u32 edx = leaf_a[3];

	if (!(ext1_ecx & CPUID_EXT1_ECX_SVM) || !(edx & CPUIDA_EDX_NPT))
		return -E_NOTSUP;
	if (vm_cr & VM_CR_SVMDIS) /* 15.30.1: firmware locked SVM off */
		return -E_PERM;
	if (leaf_a[1] < 2)
		return -E_INVAL;
	*caps = (struct svm_caps){
		.nasid = leaf_a[1],
		.npt = true,
		.nrips = edx & CPUIDA_EDX_NRIPS,
		.flush_by_asid = edx & CPUIDA_EDX_FLUSH_BY_ASID,
		.decode_assists = edx & CPUIDA_EDX_DECODE_ASSISTS,
		.vgif = edx & CPUIDA_EDX_VGIF,
	};
	return 0;
}

/* #AC and #DB are intercepted so that a guest cannot hang its CPU in an exception loop
 * (APM 15.12, "benign" exception storms); #MC goes to Moat. */
#define EXC_DB (1u << 1)
#define EXC_AC (1u << 17)
#define EXC_MC (1u << 18)

#define PAT_POWER_ON 0x0007040600070406ULL /* SDM 11.12.4 */

void svm_vmcb_init(struct vmcb *vmcb, u64 iopm_pa, u64 msrpm_pa, u64 ncr3)
{
	struct vmcb_control *c = &vmcb->c;

	*vmcb = (struct vmcb){ 0 };
	c->exceptions = EXC_DB | EXC_AC | EXC_MC;
	c->intercept3 = SVM_I3_INTR | SVM_I3_NMI | SVM_I3_SMI | SVM_I3_INIT | SVM_I3_CPUID |
			SVM_I3_RSM | SVM_I3_INVD | SVM_I3_HLT | SVM_I3_INVLPGA | SVM_I3_IOIO |
			SVM_I3_MSR | SVM_I3_TASK_SWITCH | SVM_I3_SHUTDOWN;
	/* VMRUN must be intercepted (15.5.1); the other SVM instructions are not the guest's. */
	c->intercept4 = SVM_I4_VMRUN | SVM_I4_VMMCALL | SVM_I4_VMLOAD | SVM_I4_VMSAVE |
			SVM_I4_STGI | SVM_I4_CLGI | SVM_I4_SKINIT | SVM_I4_MONITOR | SVM_I4_MWAIT |
			SVM_I4_MWAIT_ARMED;
	c->iopm_pa = iopm_pa;
	c->msrpm_pa = msrpm_pa;
	c->np_enable = 1;
	c->ncr3 = ncr3;
	c->vintr = 1ULL << 24; /* V_INTR_MASKING: the guest's IF masks only virtual interrupts */
	vmcb->s.g_pat = PAT_POWER_ON;
}

/* MSRPM (15.11): three 2 KiB blocks of 2 bits per MSR (read, write); others always trap. */
static bool msrpm_pos(u32 msr, unsigned *bit)
{
	static const u32 base[3] = { 0x00000000, 0xc0000000, 0xc0010000 };

	for (unsigned i = 0; i < 3; i++) {
		if (msr >= base[i] && msr - base[i] < 0x2000) {
			*bit = i * 0x4000 + (msr - base[i]) * 2;
			return true;
		}
	}
	return false;
}

/* Switched by VMLOAD/VMSAVE (15.5.2), so the guest's own values: no need to trap them. */
static const u32 passthrough_msrs[] = {
	0x174,	    0x175,	0x176,	    /* SYSENTER_CS, _ESP, _EIP */
	0xc0000081, 0xc0000082, 0xc0000083, /* STAR, LSTAR, CSTAR */
	0xc0000084, 0xc0000100, 0xc0000101, /* SFMASK, FS.base, GS.base */
	0xc0000102,			    /* KernelGSbase */
};

void svm_permission_maps_init(u8 *iopm, u8 *msrpm)
{
	for (unsigned i = 0; i < 3 * 4096; i++)
		iopm[i] = 0xff;
	for (unsigned i = 0; i < 2 * 4096; i++)
		msrpm[i] = 0xff;
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough_msrs); i++) {
		unsigned bit;

		if (msrpm_pos(passthrough_msrs[i], &bit))
			msrpm[bit / 8] &= (u8) ~(3u << (bit % 8));
	}
}

bool svm_msrpm_intercepts(const u8 *msrpm, u32 msr, bool write)
{
	unsigned bit;

	if (!msrpm_pos(msr, &bit))
		return true;
	bit += write;
	return msrpm[bit / 8] & (1u << (bit % 8));
}

static struct vmcb_seg seg(u16 sel, u16 attrib, u32 limit, u64 base)
{
	return (struct vmcb_seg){ .sel = sel, .attrib = attrib, .limit = limit, .base = base };
}

/* Segment attributes (15.5.1 "Segment State in the VMCB"): P|S|type, and L/D/G above. */
#define ATTR_CODE64 0x0a9b /* G, L, P, DPL 0, S, execute/read accessed */
#define ATTR_DATA 0x0c93   /* G, D/B, P, S, read/write accessed */
#define ATTR_CODE16 0x009b
#define ATTR_DATA16 0x0093
#define ATTR_TSS_BUSY 0x008b
#define ATTR_LDT 0x0082

static void vmcb_common_state(struct vmcb_save *s)
{
	s->ldtr = seg(0, ATTR_LDT, 0xffff, 0);
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = 0x2; /* bit 1 is reserved, set; IF clear */
	s->cpl = 0;
}

void svm_vmcb_set_boot64(struct vmcb *vmcb, u64 rip, u64 cr3, u64 gdt, u16 gdt_limit)
{
	struct vmcb_save *s = &vmcb->s;

	vmcb_common_state(s);
	s->cs = seg(0x10, ATTR_CODE64, 0xffffffff, 0);
	s->ds = s->es = s->ss = s->fs = s->gs = seg(0x18, ATTR_DATA, 0xffffffff, 0);
	s->tr = seg(0, ATTR_TSS_BUSY, 0x67, 0);
	s->gdtr = seg(0, 0, gdt_limit, gdt);
	s->idtr = seg(0, 0, 0, 0);
	s->cr0 = 0x80010033; /* PG, WP, NE, ET, MP, PE */
	s->cr4 = 0x20;	     /* PAE */
	s->cr3 = cr3;
	s->efer = EFER_LME | EFER_LMA | EFER_SVME;
	s->rip = rip;
}

void svm_vmcb_set_sipi(struct vmcb *vmcb, u8 vector)
{
	struct vmcb_save *s = &vmcb->s;

	vmcb_common_state(s);
	s->cs = seg((u16)(vector << 8), ATTR_CODE16, 0xffff, (u64)vector << 12);
	s->ds = s->es = s->ss = s->fs = s->gs = seg(0, ATTR_DATA16, 0xffff, 0);
	s->tr = seg(0, ATTR_TSS_BUSY, 0xffff, 0);
	s->gdtr = s->idtr = seg(0, 0, 0xffff, 0);
	s->cr0 = 0x60000010; /* CD, NW, ET: the INIT state (SDM table 9-1) */
	s->cr3 = s->cr4 = 0;
	s->efer = EFER_SVME;
	s->rip = 0;
}
