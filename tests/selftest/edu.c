// SPDX-License-Identifier: MIT
/* QEMU's edu as a DMA engine for the self-tests (edu.h). */
#include "tests/selftest/edu.h"

#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "core/log.h"
#include "lib/err.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 1u
#define EDU_CMD_TO_RAM 2u
#define EDU_DMA_TIMEOUT_NS 5000000000ULL

int edu_find(struct edu *e, const char *comp)
{
	struct pci_state *ps = pci_boot_state();

	for (unsigned i = 0; i < ps->ndevs; i++) {
		struct pci_dev *d = &ps->devs[i];

		if (d->vendor != EDU_VENDOR || d->device != EDU_DEVICE)
			continue;
		if (!d->bar[0]) {
			log_emit(LOG_ERR, comp, "edu BAR0 is unassigned");
			return -E_NODEV;
		}
		e->dev = d;
		e->rid = d->bdf;
		if (!(e->bar = arch_map_device(pa(d->bar[0]), d->bar_size[0])))
			return -E_NOMEM;
		pci_cfg_write16(d->host, d->bdf, PCI_COMMAND,
				pci_cfg_read16(d->host, d->bdf, PCI_COMMAND) | PCI_COMMAND_MEM |
					PCI_COMMAND_MASTER);
		return 0;
	}
	log_emit(LOG_ERR, comp, "no edu device (-device edu)");
	return -E_NODEV;
}

int edu_dma(const struct edu *e, u64 src, u64 dst, bool to_ram)
{
	u64 start = arch_time_ns();

	mmio_write64(e->bar + EDU_DMA_SRC, src);
	mmio_write64(e->bar + EDU_DMA_DST, dst);
	mmio_write64(e->bar + EDU_DMA_CNT, EDU_XFER);
	mmio_write64(e->bar + EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	while (mmio_read64(e->bar + EDU_DMA_CMD) & EDU_CMD_START) {
		if (arch_time_ns() - start > EDU_DMA_TIMEOUT_NS)
			return -E_TIMEOUT;
		cpu_relax();
	}
	return 0;
}

int edu_copy(const struct edu *e, u64 from, u64 to)
{
	int err = edu_dma(e, from, EDU_BUF, false);

	return err ? err : edu_dma(e, EDU_BUF, to, true);
}

bool edu_page_has(const u8 *pg, u8 v)
{
	for (unsigned i = 0; i < EDU_XFER; i++)
		if (pg[i] != v)
			return false;
	return true;
}
