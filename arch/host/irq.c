// SPDX-License-Identifier: MIT
/*
 * The fake arch's wired interrupts (core/irq.h): a table of routed interrupts that tests fire
 * with host_irq_fire(), as the GIC would deliver them to the CPU the driver routed them to.
 */
#include <string.h>

#include "arch/host/irq_host.h"
#include "lib/err.h"

struct host_irq host_irqs[IRQ_MAX_HANDLERS];
int host_irq_fail;

static struct host_irq *host_irq_find(unsigned intid)
{
	for (unsigned i = 0; i < IRQ_MAX_HANDLERS; i++)
		if (host_irqs[i].fn && host_irqs[i].intid == intid)
			return &host_irqs[i];
	return NULL;
}

int arch_irq_request(unsigned intid, bool edge, irq_handler_fn fn, void *ctx)
{
	if (host_irq_fail)
		return host_irq_fail;
	if (intid < 32 || intid > 1019 || !fn)
		return -E_RANGE;
	if (host_irq_find(intid))
		return -E_BUSY;
	for (unsigned i = 0; i < IRQ_MAX_HANDLERS; i++) {
		if (!host_irqs[i].fn) {
			host_irqs[i] = (struct host_irq){ intid, edge, fn, ctx, 0 };
			return 0;
		}
	}
	return -E_NOSPC;
}

void arch_irq_release(unsigned intid)
{
	struct host_irq *h = host_irq_find(intid);

	if (h)
		memset(h, 0, sizeof(*h));
}

bool host_irq_fire(unsigned intid)
{
	struct host_irq *h = host_irq_find(intid);

	if (!h)
		return false;
	h->fired++;
	h->fn(h->ctx);
	return true;
}

void host_irq_reset(void)
{
	memset(host_irqs, 0, sizeof(host_irqs));
	host_irq_fail = 0;
}

/* MSIs to Moat: vectors 0x40..0x7f, kept in the same table under HOST_MSI_INTID + vector. */
int arch_msi_request(irq_handler_fn fn, void *ctx, u64 *addr, u32 *data)
{
	if (host_irq_fail)
		return host_irq_fail;
	for (unsigned v = 0x40; v < 0x80; v++) {
		if (host_irq_find(HOST_MSI_INTID + v))
			continue;
		for (unsigned i = 0; i < IRQ_MAX_HANDLERS; i++) {
			if (host_irqs[i].fn)
				continue;
			host_irqs[i] = (struct host_irq){ HOST_MSI_INTID + v, true, fn, ctx, 0 };
			*addr = 0xfee00000ULL;
			*data = v;
			return 0;
		}
		return -E_NOSPC;
	}
	return -E_NOSPC;
}

void arch_msi_release(u32 data)
{
	arch_irq_release(HOST_MSI_INTID + (data & 0xff));
}

bool host_msi_deliver(u64 addr, u32 data)
{
	if ((addr >> 20) != 0xfee)
		return false;
	return host_irq_fire(HOST_MSI_INTID + (data & 0xff));
}
