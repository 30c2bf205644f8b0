// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness over the IDE Extended Capability parser (pci/ide.c). Input: u16 capability
 * offset, u16 extent limit (both LE), then the register image placed at that offset in an
 * otherwise zero config space. Whatever the counts claim, the parser must never read outside
 * [offset, limit), and a parsed layout must fit inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "pci/ide.h"

static u8 cfg[4096];
static u16 cur_off, cur_limit;

static u32 cfg_read(void *ctx, u16 off)
{
	u32 v;

	(void)ctx;
	if (off < cur_off || off + 4u > cur_limit || off > sizeof(cfg) - 4)
		abort(); /* a read outside the capability's extent */
	memcpy(&v, cfg + off, 4);
	return v;
}

static void check_layout(const struct pci_ide *ide)
{
	u32 pos = (u32)ide->off + PCI_IDE_LINK_BLOCKS + PCI_IDE_LINK_BLOCK_SIZE * ide->nlink_tc;

	if (ide->nsel > PCI_IDE_MAX_SEL)
		abort();
	for (unsigned i = 0; i < ide->nsel; i++) {
		if (ide->sel_off[i] != pos || ide->sel_naddr[i] > PCI_IDE_MAX_ADDR)
			abort();
		pos += PCI_IDE_SEL_BLOCK_SIZE(ide->sel_naddr[i]);
	}
	if (pos > ide->limit || ide->limit > 0x1000)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pci_ide ide;

	if (size < 4)
		return 0;
	cur_off = (u16)(data[0] | data[1] << 8);
	cur_limit = (u16)(data[2] | data[3] << 8);
	memset(cfg, 0, sizeof(cfg));
	if (cur_off < sizeof(cfg))
		memcpy(cfg + cur_off, data + 4, MIN(size - 4, sizeof(cfg) - cur_off));
	if (pci_ide_parse(cfg_read, NULL, cur_off, cur_limit, &ide) == 0)
		check_layout(&ide);
	return 0;
}
