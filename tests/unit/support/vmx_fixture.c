// SPDX-License-Identifier: MIT
/* The host VMX fixture (vmx_fixture.h). */
#include "vmx_fixture.h"

#include <stdlib.h>
#include <string.h>

#define M(basic, pin, proc, exit, entry, misc, c0f0, c0f1, c4f0, c4f1, p2, ept, tpin, tproc,       \
	  texit, tentry)                                                                           \
	{                                                                                          \
		basic, pin, proc, exit, entry, misc, c0f0, c0f1, c4f0, c4f1, p2, ept, tpin, tproc, \
			texit, tentry                                                              \
	}

const struct vmx_msrs vmxf_skylake_x = M(
	0x00d810000000002bULL, 0x0000007f00000016ULL, 0xf7f9fffe0401e172ULL, 0x007fffff00036dffULL,
	0x0000ffff000011ffULL, 0x00000000600401e0ULL, 0x80000021ULL, 0xffffffffULL, 0x2000ULL,
	0x003727ffULL, 0x02177fff00000000ULL, 0x00000f0106334141ULL, 0x0000007f00000016ULL,
	0xf7f9fffe04006172ULL, 0x007fffff00036dfbULL, 0x0000ffff000011fbULL);
const struct vmx_msrs vmxf_ivy_bridge = M(
	0x00d810000000002bULL, 0x0000007f00000016ULL, 0xf7f9fffe0401e172ULL, 0x007fffff00036dffULL,
	0x0000ffff000011ffULL, 0x00000000000401e0ULL, 0x80000021ULL, 0xffffffffULL, 0x2000ULL,
	0x001727ffULL, 0x000008ff00000000ULL, 0x00000f0106114141ULL, 0x0000007f00000016ULL,
	0xf7f9fffe04006172ULL, 0x007fffff00036dfbULL, 0x0000ffff000011fbULL);
const struct vmx_msrs vmxf_lynnfield = M(
	0x00d810000000002bULL, 0x0000007f00000016ULL, 0xf7f9fffe0401e172ULL, 0x007fffff00036dffULL,
	0x0000ffff000011ffULL, 0x00000000000401e0ULL, 0x80000021ULL, 0xffffffffULL, 0x2000ULL,
	0x000067ffULL, 0x0000007f00000000ULL, 0x00000f0106114141ULL, 0x0000007f00000016ULL,
	0xf7f9fffe04006172ULL, 0x007fffff00036dfbULL, 0x0000ffff000011fbULL);

/* A fake CPU (the SVM fixture's, for tests that link only this one): leaf n answers n in
 * every register, except the bits the filter must change. */
void arch_x86_cpuid(u32 leaf, u32 sub, u32 out[4])
{
	(void)sub;
	out[0] = out[1] = out[3] = leaf;
	out[2] = leaf | (leaf == 0x80000001u ? 1u << 2 : 0) | (leaf == 1 ? 1u << 5 : 0);
}

/* ---- the fake VMCS --------------------------------------------------------------------------- */

#define NFIELDS 256

static struct {
	u32 field;
	u64 v;
	bool used;
} vmcs[NFIELDS];
static unsigned bad_writes;

void vmcsf_reset(void)
{
	memset(vmcs, 0, sizeof(vmcs));
	bad_writes = 0;
}

static int slot(u32 field, bool add)
{
	for (unsigned i = 0; i < NFIELDS; i++)
		if (vmcs[i].used && vmcs[i].field == field)
			return (int)i;
	if (!add)
		return -1;
	for (unsigned i = 0; i < NFIELDS; i++)
		if (!vmcs[i].used) {
			vmcs[i].used = true;
			vmcs[i].field = field;
			return (int)i;
		}
	abort();
}

/* The image's interrupt window after an external-interrupt exit (arch/x86/irq.c). */
unsigned vmxf_irq_windows;
void x86_irq_window(void)
{
	vmxf_irq_windows++;
}

u64 vmcs_read(u32 field)
{
	int i = slot(field, false);

	return i < 0 ? 0 : vmcs[i].v;
}

/* Width in bits 14:13 (0: 16-bit, 1: 64-bit, 2: 32-bit, 3: natural); type 11:10 (1: exit
 * information, read-only without "VMWRITE to any field"). Bit 0 and bits 31:15 must be 0
 * for the fields Moat uses (no high halves). */
void vmcs_write(u32 field, u64 v)
{
	unsigned width = (field >> 13) & 3;

	if ((field & 1) || (field >> 15) || ((field >> 10) & 3) == 1 ||
	    (width == 0 && v > 0xffff) || (width == 2 && v > 0xffffffffULL))
		bad_writes++;
	vmcs[slot(field, true)].v = v;
}

u64 vmcsf_get(u32 field)
{
	return vmcs_read(field);
}

bool vmcsf_written(u32 field)
{
	return slot(field, false) >= 0;
}

void vmcsf_set(u32 field, u64 v)
{
	vmcs[slot(field, true)].v = v;
}

unsigned vmcsf_bad_writes(void)
{
	return bad_writes;
}

/* ---- INVEPT/INVVPID into the TLB model ------------------------------------------------------ */

struct tlb_model vmxf_tlb;

void vmx_hw_invept(unsigned type, u64 eptp)
{
	tlbm_invept(&vmxf_tlb, type, eptp);
}

void vmx_hw_invvpid(unsigned type, u16 vpid, u64 la)
{
	(void)la;
	tlbm_invvpid(&vmxf_tlb, type, vpid);
}

/* ---- the VM ------------------------------------------------------------------------------------ */

static void vmxf_kick(struct vmx_vm *xm, unsigned idx)
{
	struct vmxf *f = container_of(xm, struct vmxf, xm);

	if (idx < 2)
		f->kicks[idx]++;
}

void *vmxf_host(struct vmxf *f, u64 g)
{
	return f->ram + (g - VM_RAM_BASE);
}

static void vmxf_page_tables(struct vmxf *f)
{
	u64 *pml4 = vmxf_host(f, VMXF_PT), *pdpt = pml4 + 512, *pd = pml4 + 1024;

	memset(pml4, 0, 3 * 4096);
	pml4[0] = (VMXF_PT + 0x1000) | 3;
	pdpt[VM_RAM_BASE >> 30] = (VMXF_PT + 0x2000) | 3;
	for (unsigned i = 0; i < 512; i++)
		pd[i] = (VM_RAM_BASE + (u64)i * 0x200000) | 0x83;
}

void vmxf_init(struct vmxf *f)
{
	struct vmx_host_state h = { .cr0 = 0x80050033, .cr4 = 0x2020, .cs = 8, .ds = 16, .tr = 24 };

	memset(f, 0, sizeof(*f));
	vmcsf_reset();
	tlbm_reset(&vmxf_tlb);
	strcpy(f->cfg.name, "x86vm");
	f->cfg.private_size = VMXF_PRIV;
	f->cfg.nvcpus = 2;
	f->ram = aligned_alloc(4096, VMXF_PRIV);
	memset(f->ram, 0, VMXF_PRIV);
	vm_init(&f->vm, 1, &f->cfg, pa((u64)(uintptr_t)f->ram));
	if (vmx_caps_parse(&vmxf_skylake_x, &f->caps))
		abort();
	f->xm.vm = &f->vm;
	f->xm.caps = &f->caps;
	f->xm.kick = vmxf_kick;
	vmxf_page_tables(f);
	for (unsigned i = 0; i < 2; i++) {
		struct vmx_vcpu *xv = &f->xm.vcpu[i];

		xv->v = &f->vm.vcpu[i];
		xv->xm = &f->xm;
		xv->wait_sipi = i != 0;
		vlapic_reset(&xv->lapic, i);
	}
	vmx_vmcs_init(&f->caps, &h, 0x5000 | 0x1e, 1, 0x6000);
	vmx_vmcs_set_boot64(&f->caps, VMXF_CODE, VMXF_PT, 0, 0x1f);
}

void vmxf_fini(struct vmxf *f)
{
	free(f->ram);
}

void vmxf_exit(struct vmxf *f, u32 reason, u64 qual, unsigned len, const u8 *insn, unsigned n)
{
	if (n)
		memcpy(vmxf_host(f, VMXF_CODE), insn, n);
	vmcsf_set(VMCS_GUEST_RIP, VMXF_CODE);
	vmcsf_set(VMCS_EXIT_REASON, reason);
	vmcsf_set(VMCS_EXIT_QUAL, qual);
	vmcsf_set(VMCS_EXIT_INSN_LEN, len);
	vmcsf_set(VMCS_IDT_VECTORING_INFO, 0);
	vmcsf_set(VMCS_ENTRY_INTR_INFO, 0);
}
