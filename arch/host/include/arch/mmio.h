/* SPDX-License-Identifier: MIT */
/*
 * Host MMIO: an access inside a range registered by a device model goes to that model;
 * anything else is plain memory.
 */
#ifndef ARCH_MMIO_H
#define ARCH_MMIO_H

#include <stdint.h>

struct host_mmio_model {
	uint64_t base;
	uint64_t size;
	uint64_t (*read)(void *ctx, uint64_t off, unsigned width);
	void (*write)(void *ctx, uint64_t off, uint64_t val, unsigned width);
	void *ctx;
};

int host_mmio_register(const struct host_mmio_model *m);
void host_mmio_unregister(uint64_t base);

uint64_t host_mmio_read(const volatile void *addr, unsigned width);
void host_mmio_write(volatile void *addr, uint64_t v, unsigned width);

static inline uint8_t mmio_read8(const volatile void *a)
{
	return (uint8_t)host_mmio_read(a, 1);
}
static inline uint16_t mmio_read16(const volatile void *a)
{
	return (uint16_t)host_mmio_read(a, 2);
}
static inline uint32_t mmio_read32(const volatile void *a)
{
	return (uint32_t)host_mmio_read(a, 4);
}
static inline uint64_t mmio_read64(const volatile void *a)
{
	return host_mmio_read(a, 8);
}
static inline void mmio_write8(volatile void *a, uint8_t v)
{
	host_mmio_write(a, v, 1);
}
static inline void mmio_write16(volatile void *a, uint16_t v)
{
	host_mmio_write(a, v, 2);
}
static inline void mmio_write32(volatile void *a, uint32_t v)
{
	host_mmio_write(a, v, 4);
}
static inline void mmio_write64(volatile void *a, uint64_t v)
{
	host_mmio_write(a, v, 8);
}

#endif
