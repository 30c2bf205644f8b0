// SPDX-License-Identifier: MIT
/* The INIT_PCI boot unit: map each ECAM range from the platform and enumerate it. */
#define LOG_COMPONENT "pci"
#include <arch/mm.h>

#include "core/init.h"
#include "core/log.h"
#include "core/own.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "pci/pci.h"

static struct pci_state pci_state;

struct pci_state *pci_boot_state(void)
{
	return &pci_state;
}

static void pci_log_dev(const struct pci_dev *d)
{
	char b[16], bar[40] = "";

	pci_bdf_str(d, b, sizeof(b));
	for (unsigned i = 0; i < 6 && !bar[0]; i++)
		if (d->bar[i])
			fmt_snprintf(bar, sizeof(bar), " bar%u=0x%llx+0x%llx", i,
				     (unsigned long long)d->bar[i],
				     (unsigned long long)d->bar_size[i]);
	pr_info("%s %04x:%04x class %06x%s%s%s%s%s", b, d->vendor, d->device, d->class_rev >> 8,
		d->hdr_type == 1 ? " bridge" : "", bar, d->doe_cap ? " doe" : "",
		d->ide_cap ? " ide" : "", d->refused ? " refused" : "");
}

/* Issue 13 item 1: no BAR may land on RAM, reserved memory or another device's registers. */
static int pci_boot_forbid(const struct platform *p)
{
	int err = 0;

	for (unsigned i = 0; i < p->nmem && !err; i++)
		err = pci_forbid_add(&pci_state, p->mem[i].base, p->mem[i].size);
	for (unsigned i = 0; i < p->nrsv && !err; i++)
		err = pci_forbid_add(&pci_state, p->rsv[i].base, p->rsv[i].size);
	for (unsigned i = 0; i < p->niommu && !err; i++)
		err = pci_forbid_add(&pci_state, p->iommu[i].base, p->iommu[i].size);
	for (unsigned i = 0; i < p->necam && !err; i++)
		err = pci_forbid_add(&pci_state, p->ecam[i].base, p->ecam[i].size);
	if (!err && p->gic_version)
		err = pci_forbid_add(&pci_state, p->gicd, p->gicd_size)
			      ?: pci_forbid_add(&pci_state, p->gicr, p->gicr_size);
	if (!err && p->uart_base.v)
		err = pci_forbid_add(&pci_state, p->uart_base, PAGE_SIZE);
	if (!err && p->rtc_pl031.v)
		err = pci_forbid_add(&pci_state, p->rtc_pl031, PAGE_SIZE);
	if (err)
		pr_err("platform ranges for BAR checks: %s", err_str(err));
	return err;
}

/*
 * Each placed BAR becomes an unassigned device BAR in the ownership record (core/own.h), so
 * vdev_create() can hand it to one VM. Its pages are whole: pci/bar.c keeps BARs page-apart.
 */
static void pci_boot_own(struct pci_dev *d)
{
	char name[16];

	for (unsigned i = 0; i < 6 && !d->refused; i++) {
		u64 b = ALIGN_DOWN(d->bar[i], PAGE_SIZE);
		u64 e = ALIGN_DOWN(d->bar[i] + d->bar_size[i] + PAGE_SIZE - 1, PAGE_SIZE);
		int err;

		if (!d->bar[i] || !(err = own_add(pa(b), e - b, own_bar(0))))
			continue;
		pci_bdf_str(d, name, sizeof(name));
		pr_err("%s BAR%u 0x%llx: not recorded in the ownership record (%s): function "
		       "refused",
		       name, i, (unsigned long long)d->bar[i], err_str(err));
		d->refused = true;
	}
}

static int pci_boot_init(struct moat_ctx *ctx)
{
	const struct platform *p = ctx->plat;
	unsigned first;
	int err;

	if (!p->necam)
		return -E_NODEV;
	if ((err = pci_boot_forbid(p)))
		return err;
	for (unsigned i = 0; i < p->necam && i < PCI_MAX_HOSTS; i++) {
		struct pci_host *h = &pci_state.hosts[pci_state.nhosts];
		volatile u8 *ecam = arch_map_device(p->ecam[i].base, p->ecam[i].size);
		if ((err = pci_host_init(h, &p->ecam[i], ecam))) {
			pr_err("ECAM at 0x%llx: %s", (unsigned long long)p->ecam[i].base.v,
			       err_str(err));
			return err;
		}
		pci_state.nhosts++;
		first = pci_state.ndevs;
		if ((err = pci_enumerate(&pci_state, h)))
			return err;
		for (unsigned k = first; k < pci_state.ndevs; k++) {
			pci_boot_own(&pci_state.devs[k]);
			pci_log_dev(&pci_state.devs[k]);
		}
	}
	pr_info("%u function(s) on %u host bridge(s)", pci_state.ndevs, pci_state.nhosts);
	return 0;
}

MOAT_UNIT("pci", INIT_PCI, pci_boot_init);
