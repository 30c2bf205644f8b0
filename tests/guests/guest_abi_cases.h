/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI cases both arches' test guests run from this one source
 * (guest_abi_cases.c): every call with valid and invalid arguments and every error status it
 * can give, through whatever conduit guest_abi/moat_guest.h picks (HVC on arm64, VMMCALL on
 * x86_64). Addresses come from the VM's own moat_vm_info, so the cases hold on either memory map.
 */
#ifndef TESTS_GUESTS_GUEST_ABI_CASES_H
#define TESTS_GUESTS_GUEST_ABI_CASES_H

#include "guest_abi/moat_guest.h"

/* Prints "PASS hypercalls" or the failed checks. */
void guest_abi_cases(const struct moat_vm_info *info);

#endif
