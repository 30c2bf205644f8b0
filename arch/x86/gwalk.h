/* SPDX-License-Identifier: MIT */
/*
 * Reading guest instruction bytes by linear address (for decoding at an exit): the guest's
 * own paging (Intel SDM vol. 3A 4.5, 4-level; or paging off) walked over guest RAM. Every
 * table entry comes from the guest: an entry outside RAM, not present, or a paging mode
 * Moat does not walk (32-bit, 5-level) ends the read.
 */
#ifndef X86_GWALK_H
#define X86_GWALK_H

#include "lib/compiler.h"
#include "lib/types.h"

struct vm;

struct x86_paging {
	u64 cr0, cr3, cr4, efer;
};

/* The guest-physical address of `linear`; -E_NOENT when it does not translate to RAM,
 * -E_NOTSUP for a paging mode that is not walked. */
int x86_gva_to_gpa(const struct vm *vm, const struct x86_paging *p, u64 linear,
		   u64 *gpa) __must_check;
/* Up to `n` bytes at `linear` into buf (page crossings translated); the count read. */
unsigned x86_guest_fetch(const struct vm *vm, const struct x86_paging *p, u64 linear, u8 *buf,
			 unsigned n);

#endif
