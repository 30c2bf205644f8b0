/* SPDX-License-Identifier: MIT */
/* Guest-side library for the Moat ABI (arm64 at EL1, x86_64): the conduit and thin wrappers. */
#ifndef MOAT_GUEST_H
#define MOAT_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi/moat_abi.h"

struct moat_ret {
	int64_t status; /* enum moat_status (or a PSCI status for PSCI calls) */
	uint64_t r1, r2, r3;
};

/*
 * The conduit, one per guest architecture (docs/guest-abi.md, the register table): picked by
 * the guest compiler's target, because this header is built by guest kernels with their own
 * toolchains, not by the hypervisor build.
 */
#if defined(__aarch64__)
#include "guest_abi/moat_call_arm64.h"
#elif defined(__x86_64__)
#include "guest_abi/moat_call_x86_64.h"
#else
#error "the Moat guest ABI is defined for arm64 and x86_64"
#endif

int64_t moat_version(uint32_t *abi_version);
int64_t moat_null(void);
/* Writes text to the VM's console (any length; sent in MOAT_CONSOLE_MAX chunks). */
int64_t moat_console_write(const char *s, size_t len);
int64_t moat_vm_info(struct moat_vm_info *info);
int64_t moat_vcpu_state(uint64_t handle, uint64_t *state);

#endif
