// SPDX-License-Identifier: MIT
/*
 * The VM memory map's MMIO windows in the nested tables, and the NPT shootdown on unmap
 * (AMD APM vol. 2 15.16: translations are tagged by ASID, so a vCPU whose nested tables lost
 * a mapping runs again only on a fresh ASID or after TLB_CONTROL flushed its own).
 * Backend-neutral data manipulation: built for the image and the host tests.
 */
#include "arch/x86/svm.h"

#include "vmm/vm.h"
#include "lib/compiler.h"
#include "lib/err.h"

int svm_vm_map_mmio(struct svm_vm *sm, gpa_t g, paddr_t hpa, u64 size)
{
	return npt_map_mmio(&sm->npt, g, hpa, size);
}

/* lib/pt's flush hook: called once per unmap that removed something. */
static void svm_npt_flush(struct pt_gather *g, struct pt *pt)
{
	struct svm_vm *sm = container_of(container_of(pt, struct npt, pt), struct svm_vm, npt);

	(void)g;
	for (unsigned i = 0; i < sm->vm->nvcpus; i++) {
		svm_asid_invalidate(&sm->vcpu[i].asid);
		if (sm->kick)
			sm->kick(sm, i);
	}
}

int svm_vm_unmap(struct svm_vm *sm, gpa_t g, u64 size)
{
	return npt_unmap(&sm->npt, g, size, svm_npt_flush);
}
