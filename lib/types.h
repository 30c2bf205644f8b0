/* SPDX-License-Identifier: MIT */
/*
 * Basic types. Addresses of different spaces are distinct structs so that a guest-physical
 * address can never be passed where a host-physical one is expected.
 */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* Host-physical address. */
typedef struct {
	u64 v;
} paddr_t;
/* Guest-physical address (intermediate physical address on Arm). */
typedef struct {
	u64 v;
} gpa_t;
/* IO-virtual address as seen by a device. */
typedef struct {
	u64 v;
} iova_t;

static inline paddr_t pa(u64 v)
{
	return (paddr_t){ v };
}
static inline gpa_t gpa(u64 v)
{
	return (gpa_t){ v };
}
static inline iova_t iova(u64 v)
{
	return (iova_t){ v };
}

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* A half-open host-physical range [base, base + size). */
struct pa_range {
	paddr_t base;
	u64 size;
};

#endif
