// SPDX-License-Identifier: MIT
/* Guest linear-address walk (arch/x86/gwalk.h); entry formats from Intel SDM vol. 3A 4.5. */
#include "arch/x86/gwalk.h"

#include <string.h>

#include "vmm/vm.h"
#include "lib/err.h"

#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)
#define PTE_P 1ULL
#define PTE_PS (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL

int x86_gva_to_gpa(const struct vm *vm, const struct x86_paging *p, u64 linear, u64 *out)
{
	u64 table = p->cr3 & PTE_ADDR;

	if (!(p->cr0 & CR0_PG)) {
		*out = (p->efer & EFER_LMA) ? linear : (u32)linear;
		return 0;
	}
	if (!(p->efer & EFER_LMA) || !(p->cr4 & CR4_PAE) || (p->cr4 & CR4_LA57))
		return -E_NOTSUP;
	for (int lvl = 3; lvl >= 0; lvl--) {
		unsigned shift = 12 + 9 * (unsigned)lvl;
		u64 ea = table + ((linear >> shift) & 511) * 8, e;
		const void *src = vm_gpa_to_host(vm, gpa(ea), 8, VM_MEM_ANY);

		if (!src)
			return -E_NOENT;
		/* one aligned 8-byte read (never torn): the guest may change it meanwhile */
		e = __atomic_load_n((const u64 *)src, __ATOMIC_RELAXED);
		if (!(e & PTE_P))
			return -E_NOENT;
		if ((lvl == 1 || lvl == 2) && (e & PTE_PS)) {
			u64 size = 1ULL << shift;
			*out = (e & PTE_ADDR & ~(size - 1)) | (linear & (size - 1));
			return 0;
		}
		table = e & PTE_ADDR;
	}
	*out = table | (linear & 0xfff);
	return 0;
}

unsigned x86_guest_fetch(const struct vm *vm, const struct x86_paging *p, u64 linear, u8 *buf,
			 unsigned n)
{
	unsigned got = 0;

	while (got < n) {
		u64 la = linear + got, g;
		unsigned chunk = (unsigned)MIN((u64)(n - got), 4096 - (la & 0xfff));
		const void *src;

		if (x86_gva_to_gpa(vm, p, la, &g))
			break;
		src = vm_gpa_to_host(vm, gpa(g), chunk, VM_MEM_ANY);
		if (!src)
			break;
		memcpy(buf + got, src, chunk);
		got += chunk;
	}
	return got;
}
