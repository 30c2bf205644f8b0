// SPDX-License-Identifier: MIT
/*
 * The fake arch's VM stage-2 for device memory and its virtual SPIs: recorded in tables the
 * host tests inspect (host_s2_*), so a test sees exactly what a guest could reach.
 */
#include <string.h>

#include "arch/host/vm_host.h"
#include "core/own.h"
#include "vmm/vm_mmio.h"
#include "lib/err.h"

struct host_s2_map host_s2[HOST_S2_MAX];
unsigned host_spi_raised[VM_MAX + 1];
unsigned host_spi_last[VM_MAX + 1];
int host_s2_fail;

int arch_vm_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size)
{
	int err;

	if (host_s2_fail)
		return host_s2_fail;
	if ((err = own_map(hpa, size, own_bar(vm->id)))) /* as the arm64 stage-2 does, counted */
		return err;
	arch_vm_unmap_mmio(vm, g, size); /* replaces what was there */
	for (unsigned i = 0; i < HOST_S2_MAX; i++) {
		if (!host_s2[i].size) {
			host_s2[i] = (struct host_s2_map){ vm->id, g.v, hpa.v, size };
			return 0;
		}
	}
	(void)own_unmap(hpa, size);
	return -E_NOSPC;
}

static struct host_s2_map *host_s2_free_slot(void)
{
	for (unsigned i = 0; i < HOST_S2_MAX; i++)
		if (!host_s2[i].size)
			return &host_s2[i];
	return NULL;
}

/* Removes [b, e) from entry `m` (they overlap), uncounting what leaves. */
static void host_s2_cut(struct host_s2_map *m, u64 b, u64 e)
{
	u64 lo = MAX(m->gpa, b), hi = MIN(m->gpa + m->size, e);
	struct host_s2_map right = { m->vm, hi, m->hpa + (hi - m->gpa), m->gpa + m->size - hi };
	struct host_s2_map *r = right.size ? host_s2_free_slot() : NULL;

	if (right.size && !r) {
		hi = m->gpa + m->size; /* no slot for the right part: it goes too */
		right.size = 0;
	}
	(void)own_unmap(pa(m->hpa + (lo - m->gpa)), hi - lo);
	m->size = lo - m->gpa;
	if (!m->size)
		memset(m, 0, sizeof(*m));
	if (right.size)
		*r = right;
}

void arch_vm_unmap_mmio(struct vm *vm, gpa_t g, u64 size)
{
	u64 end = g.v + size;

	for (unsigned i = 0; i < HOST_S2_MAX; i++) {
		struct host_s2_map *m = &host_s2[i];

		if (m->size && m->vm == vm->id && m->gpa < end && g.v < m->gpa + m->size)
			host_s2_cut(m, g.v, end);
	}
}

void arch_vm_raise_spi(struct vm *vm, unsigned intid)
{
	host_spi_raised[vm->id]++;
	host_spi_last[vm->id] = intid;
	vgic_raise(vgic_spi_target(vm, intid), intid); /* as arm64 does: pending on the target */
}

bool host_s2_lookup(unsigned vm, u64 g, u64 *hpa)
{
	for (unsigned i = 0; i < HOST_S2_MAX; i++) {
		const struct host_s2_map *m = &host_s2[i];

		if (m->size && m->vm == vm && g >= m->gpa && g - m->gpa < m->size) {
			if (hpa)
				*hpa = m->hpa + (g - m->gpa);
			return true;
		}
	}
	return false;
}

void host_s2_reset(void)
{
	memset(host_s2, 0, sizeof(host_s2));
	memset(host_spi_raised, 0, sizeof(host_spi_raised));
	memset(host_spi_last, 0, sizeof(host_spi_last));
	host_s2_fail = 0;
}
