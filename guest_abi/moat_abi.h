/* SPDX-License-Identifier: MIT */
/*
 * Moat guest ABI (stable; see docs/guest-abi.md). Shared by the hypervisor, the guest-side
 * library and guest kernels: freestanding C, fixed-width types only.
 *
 * arm64 conduit: SMCCC (Arm DEN 0028) "HVC #0" from EL1. Function IDs are SMC64 fast calls in
 * the vendor-specific hypervisor service range (owning entity 6, SMCCC section 6.2): bit 31
 * fast, bit 30 SMC64, bits 29:24 = 6. Arguments in x1..x6, status in x0 (one enum, below),
 * results in x1..x3. Unused argument registers are reserved and must be zero.
 */
#ifndef MOAT_ABI_H
#define MOAT_ABI_H

#include <stdint.h>

#define MOAT_ABI_VERSION_MAJOR 1
#define MOAT_ABI_VERSION_MINOR 0
#define MOAT_ABI_VERSION       ((MOAT_ABI_VERSION_MAJOR << 16) | MOAT_ABI_VERSION_MINOR)

#define MOAT_HC_BASE  0xC6000000u /* fast, SMC64, owner 6 (vendor hypervisor service) */
#define MOAT_HC_FN(n) (MOAT_HC_BASE | (uint32_t)(n))

/* Every function, its arguments and results. */
enum moat_hc {
	/* -> x1 = MOAT_ABI_VERSION, x2 = bitmap of supported function numbers (bit n = fn n) */
	MOAT_HC_VERSION = MOAT_HC_FN(0),
	/* x1 = function ID -> MOAT_OK if implemented, MOAT_NOT_SUPPORTED otherwise */
	MOAT_HC_FEATURES = MOAT_HC_FN(1),
	/* no arguments, no effect: measures the round trip */
	MOAT_HC_NULL = MOAT_HC_FN(2),
	/* x1 = GPA, x2 = length (1..MOAT_CONSOLE_MAX) of text in guest RAM (private or shared) */
	MOAT_HC_CONSOLE_WRITE = MOAT_HC_FN(3),
	/* x1 = GPA of a struct moat_vm_info in guest RAM, x2 = its size -> fills it */
	MOAT_HC_VM_INFO = MOAT_HC_FN(4),
	/* x1 = vCPU handle -> x1 = enum moat_vcpu_state */
	MOAT_HC_VCPU_STATE = MOAT_HC_FN(5),
	/* x1 = GPA, x2 = length (page aligned) that must be shared RAM -> checks and returns OK */
	MOAT_HC_SHARED_CHECK = MOAT_HC_FN(6),
};

#define MOAT_HC_COUNT	 7
#define MOAT_CONSOLE_MAX 256

/* Status in x0. Values are SMCCC-compatible: -1 is NOT_SUPPORTED for an unknown function. */
enum moat_status {
	MOAT_OK = 0,
	MOAT_NOT_SUPPORTED = -1, /* unknown function ID */
	MOAT_INVALID_PARAM = -2, /* malformed argument, or a reserved field/register not zero */
	MOAT_BAD_ADDRESS = -3,	 /* (GPA, length) overflows or is not RAM of the required kind */
	MOAT_BAD_HANDLE = -4,	 /* the handle does not name an object of the calling VM */
	MOAT_BAD_SIZE = -5,	 /* a structure's size field is too small or inconsistent */
	MOAT_DENIED = -6,	 /* the caller may not do this */
	MOAT_BUSY = -7,		 /* resumable: call again to continue */
};

enum moat_vcpu_state {
	MOAT_VCPU_OFF = 0,
	MOAT_VCPU_ON = 1,
	MOAT_VCPU_ON_PENDING = 2,
};

/* MOAT_HC_VM_INFO output. Every structure starts with its size; reserved fields are zero. */
struct moat_vm_info {
	uint32_t size; /* sizeof(struct moat_vm_info) as written by Moat */
	uint32_t vm_id;
	uint32_t nr_vcpus;
	uint32_t reserved0;
	uint64_t private_base, private_size;
	uint64_t shared_base, shared_size;
	char name[32]; /* NUL-terminated */
};

#define MOAT_VM_INFO_SIZE 80
_Static_assert(sizeof(struct moat_vm_info) == MOAT_VM_INFO_SIZE, "ABI layout");

#endif
