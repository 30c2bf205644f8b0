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
