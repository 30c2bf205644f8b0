// SPDX-License-Identifier: MIT
/* The host x86 VM fixture (svm_fixture.h). */
#include "svm_fixture.h"

#include <stdlib.h>
#include <string.h>

/* A fake CPU: leaf n answers n in every register, except the bits the filter must change. */
void arch_x86_cpuid(u32 leaf, u32 sub, u32 out[4])
{
	(void)sub;
	out[0] = out[1] = out[3] = leaf;
	out[2] = leaf | (leaf == 0x80000001u ? 1u << 2 : 0) | (leaf == 1 ? 1u << 5 : 0);
}

static void svmf_kick(struct svm_vm *sm, unsigned idx)
{
	struct svmf *f = container_of(sm, struct svmf, sm);

	if (idx < 2)
		f->kicks[idx]++;
}

void *svmf_host(struct svmf *f, u64 g)
{
	return f->ram + (g - VM_RAM_BASE);
}

/* PML4 -> PDPT -> one PD of 2 MiB pages identity-mapping the 1 GiB around the RAM. */
static void svmf_page_tables(struct svmf *f)
{
	u64 *pml4 = svmf_host(f, SVMF_PT), *pdpt = pml4 + 512, *pd = pml4 + 1024;

	memset(pml4, 0, 3 * 4096);
	pml4[0] = (SVMF_PT + 0x1000) | 3;
	pdpt[VM_RAM_BASE >> 30] = (SVMF_PT + 0x2000) | 3;
	for (unsigned i = 0; i < 512; i++)
		pd[i] = (VM_RAM_BASE + (u64)i * 0x200000) | 0x83;
}

void svmf_init(struct svmf *f)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->cfg.name, "x86vm");
	f->cfg.private_size = SVMF_PRIV;
	f->cfg.shared_size = SVMF_SHARED;
	f->cfg.nvcpus = 2;
	f->ram = aligned_alloc(4096, SVMF_PRIV + SVMF_SHARED);
	memset(f->ram, 0, SVMF_PRIV + SVMF_SHARED);
	vm_init(&f->vm, 1, &f->cfg, pa((u64)(uintptr_t)f->ram));
	f->sm.vm = &f->vm;
	f->sm.kick = svmf_kick;
	svmf_page_tables(f);
	for (unsigned i = 0; i < 2; i++) {
		struct svm_vcpu *sv = &f->sm.vcpu[i];

		f->vmcb[i] = aligned_alloc(4096, sizeof(struct vmcb));
		svm_vmcb_init(f->vmcb[i], 0x1000, 0x4000, 0x8000);
		svm_vmcb_set_boot64(f->vmcb[i], SVMF_CODE, SVMF_PT, 0, 0x1f);
		sv->v = &f->vm.vcpu[i];
		sv->sm = &f->sm;
		sv->vmcb = f->vmcb[i];
		sv->wait_sipi = i != 0;
		vlapic_reset(&sv->lapic, i);
	}
}

void svmf_fini(struct svmf *f)
{
	free(f->vmcb[0]);
	free(f->vmcb[1]);
	free(f->ram);
}

void svmf_exit(struct svmf *f, unsigned i, u64 code, u64 info1, u64 info2, const u8 *insn,
	       unsigned len)
{
	struct vmcb *v = f->vmcb[i];

	if (len)
		memcpy(svmf_host(f, SVMF_CODE), insn, len);
	v->s.rip = SVMF_CODE;
	v->c.exit_code = code;
	v->c.exit_info1 = info1;
	v->c.exit_info2 = info2;
	v->c.exit_int_info = 0;
	v->c.event_inj = 0;
}
