// SPDX-License-Identifier: MIT
/*
 * Firmware RAM against the devices the same description names (issue 13 item 6). A DT memory
 * node or a memory-map entry that covers SMMU, GIC, UART, RTC or ECAM registers, or a host
 * bridge's BAR window, would let Moat hand device registers out as VM RAM or IOMMU tables.
 * Either claim may be the wrong one; the safe reading is that the overlap is a device: it is
 * punched out of RAM, with one line naming both ranges, so no frame there is ever allocated.
 */
#define LOG_COMPONENT "mem"
#include "core/platform.h"

#include <string.h>

#include "core/log.h"
#include "lib/err.h"

#define PLAT_MAX_DEVRANGES (PLAT_MAX_IOMMU + (3 + PLAT_MAX_FWWIN) * PLAT_MAX_ECAM + 4)

struct plat_devrange {
	const char *what;
	u64 base, end; /* [base, end) */
};

static void plat_dev(struct plat_devrange *d, unsigned *n, const char *what, u64 base, u64 size)
{
	u64 end;

	if (!size)
		return;
	if (add_overflow(base, size, &end))
		end = ~0ULL; /* a wrapping claim covers everything above its base */
	d[(*n)++] = (struct plat_devrange){ what, base, end };
}

static unsigned plat_devices(const struct platform *p, struct plat_devrange *d)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->niommu; i++)
		plat_dev(d, &n, iommu_kind_name(p->iommu[i].kind), p->iommu[i].base.v,
			 p->iommu[i].size);
	for (unsigned i = 0; i < p->necam; i++) {
		plat_dev(d, &n, "ECAM", p->ecam[i].base.v, p->ecam[i].size);
		plat_dev(d, &n, "PCI 32-bit window", p->ecam[i].mem32.base.v,
			 p->ecam[i].mem32.size);
		plat_dev(d, &n, "PCI 64-bit window", p->ecam[i].mem64.base.v,
			 p->ecam[i].mem64.size);
		for (unsigned w = 0; w < p->ecam[i].nfwwin && w < PLAT_MAX_FWWIN; w++)
			plat_dev(d, &n, "PCI host bridge window", p->ecam[i].fwwin[w].base.v,
				 p->ecam[i].fwwin[w].size);
	}
	if (p->gic_version) {
		plat_dev(d, &n, "GIC distributor", p->gicd.v, p->gicd_size);
		plat_dev(d, &n, "GIC redistributors", p->gicr.v, p->gicr_size);
	}
	if (p->uart == UART_PL011 || p->uart == UART_16550_MMIO)
		plat_dev(d, &n, "UART", p->uart_base.v, PAGE_SIZE);
	if (p->rtc_pl031.v)
		plat_dev(d, &n, "RTC", p->rtc_pl031.v, PAGE_SIZE);
	return n;
}

/* Removes [d->base, d->end) from RAM range i, which it overlaps; -E_NOSPC if a split does not fit. */
static int plat_punch(struct platform *p, unsigned i, const struct plat_devrange *d)
{
	u64 b = p->mem[i].base.v, e = b + p->mem[i].size;
	bool left = d->base > b, right = d->end < e;

	if (left && right && p->nmem >= PLAT_MAX_MEM)
		return -E_NOSPC;
	if (left)
		p->mem[i].size = d->base - b;
	if (right && left)
		p->mem[p->nmem++] = (struct pa_range){ pa(d->end), e - d->end };
	else if (right)
		p->mem[i] = (struct pa_range){ pa(d->end), e - d->end };
	if (!left && !right) {
		memmove(&p->mem[i], &p->mem[i + 1], (p->nmem - i - 1) * sizeof(p->mem[0]));
		p->nmem--;
	}
	return 0;
}

int platform_mem_check(struct platform *p)
{
	struct plat_devrange dev[PLAT_MAX_DEVRANGES];
	unsigned ndev = plat_devices(p, dev);

	for (unsigned k = 0; k < ndev; k++)
		for (unsigned i = 0; i < p->nmem; i++) {
			u64 b = p->mem[i].base.v, e;

			if (add_overflow(b, p->mem[i].size, &e))
				return -E_OVERFLOW;
			if (e <= dev[k].base || dev[k].end <= b)
				continue;
			pr_warn("RAM 0x%llx+0x%llx overlaps %s 0x%llx-0x%llx: punched out of RAM",
				(unsigned long long)b, (unsigned long long)p->mem[i].size,
				dev[k].what, (unsigned long long)dev[k].base,
				(unsigned long long)dev[k].end - 1);
			if (plat_punch(p, i, &dev[k])) {
				pr_err("too many RAM ranges after punching out %s: firmware "
				       "refused",
				       dev[k].what);
				return -E_NOSPC;
			}
			i = (unsigned)-1; /* ranges moved: look at them all again */
		}
	return 0;
}
