// SPDX-License-Identifier: MIT
/* The fake arch for host unit tests: time, halt, MMIO dispatch to device models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "core/arch.h"
#include "core/log.h"
#include "lib/err.h"
#include <sched.h>
#include <sys/random.h>

uint64_t host_time_now_ns;
uint64_t host_time_step_ns = 1000;
void (*host_halt_hook)(bool success);

#define HOST_MMIO_MAX 16
static struct host_mmio_model host_models[HOST_MMIO_MAX];

void cpu_spin_hint(void)
{
	sched_yield();
}

uint64_t arch_time_ns(void)
{
	return host_time_now_ns;
}

void arch_halt(bool success)
{
	if (host_halt_hook)
		host_halt_hook(success);
	fflush(stdout);
	exit(success ? 0 : 3);
}

void *arch_map_device(paddr_t base, u64 size)
{
	(void)size;
	return (void *)(uintptr_t)base.v;
}

int arch_map_ram(paddr_t base, u64 size)
{
	(void)base;
	(void)size;
	return 0;
}

const void *arch_map_firmware(paddr_t base, u64 size)
{
	(void)size;
	return (const void *)(uintptr_t)base.v;
}

int host_mmio_register(const struct host_mmio_model *m)
{
	for (unsigned i = 0; i < HOST_MMIO_MAX; i++) {
		if (!host_models[i].size) {
			host_models[i] = *m;
			return 0;
		}
	}
	return -E_NOSPC;
}

void host_mmio_unregister(uint64_t base)
{
	for (unsigned i = 0; i < HOST_MMIO_MAX; i++)
		if (host_models[i].size && host_models[i].base == base)
			memset(&host_models[i], 0, sizeof(host_models[i]));
}

static struct host_mmio_model *host_mmio_find(uint64_t a, unsigned width)
{
	for (unsigned i = 0; i < HOST_MMIO_MAX; i++) {
		struct host_mmio_model *m = &host_models[i];
		if (m->size && a >= m->base && a - m->base <= m->size - width)
			return m;
	}
	return NULL;
}

uint64_t host_mmio_read(const volatile void *addr, unsigned width)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, v = 0;
	struct host_mmio_model *m = host_mmio_find(a, width);

	if (m)
		return m->read(m->ctx, a - m->base, width);
	memcpy(&v, (const void *)(uintptr_t)a, width);
	return v;
}

void host_mmio_write(volatile void *addr, uint64_t v, unsigned width)
{
	uint64_t a = (uint64_t)(uintptr_t)addr;
	struct host_mmio_model *m = host_mmio_find(a, width);

	if (m) {
		m->write(m->ctx, a - m->base, v, width);
		return;
	}
	memcpy((void *)(uintptr_t)a, &v, width);
}

const char arch_name[] = "host";

int arch_random_u64(u64 *out)
{
	return getrandom(out, sizeof(*out), 0) == sizeof(*out) ? 0 : -E_IO;
}

static void host_console_write(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

int arch_console_init(const struct platform *p)
{
	(void)p;
	log_set_sink(host_console_write);
	return 0;
}

void arch_platform_init(const struct platform *p)
{
	(void)p;
}
