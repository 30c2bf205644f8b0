/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor address space, the same on every arch (arm64, x86_64, and the host fake for unit
 * tests, where "physical" addresses are host addresses): Moat maps physical memory 1:1.
 * Found as <arch/mm.h> through -I. before the arch's own include directory, which has no
 * header of this name (one copy for every arch).
 */
#ifndef ARCH_MM_H
#define ARCH_MM_H

#include "lib/compiler.h"
#include "lib/types.h"

static inline void *phys_to_virt(paddr_t p)
{
	return (void *)(uintptr_t)p.v;
}

static inline paddr_t virt_to_phys(const void *v)
{
	return pa((u64)(uintptr_t)v);
}

/* Maps a device range (uncached, never executable); returns its hypervisor address or NULL. */
void *arch_map_device(paddr_t base, u64 size) __must_check;
/* Maps normal memory read-write, never executable; parts already mapped keep their rights. */
int arch_map_ram(paddr_t base, u64 size) __must_check;
/* Maps firmware tables (ACPI) as normal memory, read-only, never executable; NULL on failure. */
const void *arch_map_firmware(paddr_t base, u64 size) __must_check;

#endif
