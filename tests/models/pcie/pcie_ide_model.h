/* SPDX-License-Identifier: MIT */
/*
 * A model of the IDE Extended Capability (PCIe 6.x 7.9.26) of one port, written from the
 * specification; it shares nothing with pci/ide.c. Layout: header, IDE Capability, IDE
 * Control, one {Control, Status} Link IDE block per supported TC (if Link IDE is supported),
 * then one Selective IDE Stream block per stream: Capability, Control, Status, RID Association
 * 1 and 2, and three registers per Address Association block. Registers have their spec access
 * (RO/RW) through the function's write masks; the Selective IDE Stream State reads Secure when
 * the block is enabled and the port holds started keys for its stream ID in both directions
 * (6.33.4), as reported by `keys_ready`. Tests may overwrite any RO register in cfg[] directly
 * to make the capability lie.
 */
#ifndef PCIE_IDE_MODEL_H
#define PCIE_IDE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define PM_IDE_MAX_SEL 256

struct pm_fn;

struct pm_ide {
	/* what the port supports */
	bool link, selective, tee_limited;
	unsigned nlink_tc;	       /* 1..8 link IDE blocks */
	unsigned nsel;		       /* 1..256 selective stream blocks */
	uint8_t naddr[PM_IDE_MAX_SEL]; /* address association blocks per selective block */
	bool (*keys_ready)(void *ctx, uint8_t stream_id);
	void *ctx;
	bool never_secure; /* fault: the state never leaves Insecure */
	/* layout, filled by pm_fn_ide() */
	uint16_t off, end;
	uint16_t sel_off[PM_IDE_MAX_SEL];
	/* what the model saw */
	unsigned writes;		     /* config writes landing inside the capability */
	unsigned assoc_writes_while_enabled; /* spec violation: association changed live */
	unsigned enables;		     /* writes that set a block's Enable */
};

/* Appends the capability to f (after its other extended capabilities); returns its offset. */
uint16_t pm_fn_ide(struct pm_fn *f, struct pm_ide *ide);
/* Selective block i's register at `reg` (0x00 cap, 0x04 control, 0x08 status, ...). */
uint16_t pm_ide_sel_reg(const struct pm_ide *ide, unsigned i, uint16_t reg);
uint32_t pm_ide_sel_read(struct pm_fn *f, unsigned i, uint16_t reg);

/* Hooks for pcie_model.c's config accessors. */
bool pm_ide_is_status(const struct pm_ide *ide, uint16_t off);
uint64_t pm_ide_read_status(struct pm_ide *ide, struct pm_fn *f, uint16_t off, unsigned w);
void pm_ide_before_write(struct pm_ide *ide, struct pm_fn *f, uint16_t off, uint64_t v, unsigned w);

#endif
