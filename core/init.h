/* SPDX-License-Identifier: MIT */
/*
 * Boot-time units registered at link time (one shape for every driver and subsystem). Each
 * unit names an init function and a level; core/main.c runs them level by level after memory
 * is up, in the order of docs/architecture.md section 3. A unit returning an error stops the boot with a
 * message naming it, unless it returns -E_NODEV (its hardware is absent). A unit may also name
 * a shutdown function, which moat_power_off() runs level by level in reverse before the
 * machine is powered off (every unit's, whether its init succeeded or not: each checks).
 */
#ifndef CORE_INIT_H
#define CORE_INIT_H

#include "core/boot_info.h"
#include "core/frame.h"
#include "core/platform.h"
#include "lib/compiler.h"

enum init_level {
	INIT_EARLY = 0, /* crypto self-tests and the like */
	INIT_IOMMU,	/* IOMMUs probed, all DMA blocked */
	INIT_PCI,	/* PCI enumeration */
	INIT_TSM,	/* device connect: SPDM, evidence, IDE */
	INIT_VM,	/* VMs built from the configuration */
	INIT_LATE,	/* self-tests and demos selected on the command line */
	INIT__LEVELS
};

struct moat_ctx {
	const struct boot_info *bi;
	const struct platform *plat;
	struct frame_alloc *frames;
};

struct moat_unit {
	const char *name;
	enum init_level level;
	int (*init)(struct moat_ctx *ctx);
	void (*shutdown)(void); /* NULL: nothing to undo at power-off */
};

#define MOAT_UNIT(_name, _level, _fn)                                           \
	static const struct moat_unit __moat_unit_##_fn __section("moat_units") \
		__used __aligned(8) = { .name = (_name), .level = (_level), .init = (_fn) }
#define MOAT_UNIT_SHUTDOWN(_name, _level, _fn, _down)                                             \
	static const struct moat_unit __moat_unit_##_fn __section("moat_units") __used __aligned( \
		8) = { .name = (_name), .level = (_level), .init = (_fn), .shutdown = (_down) }

/* Runs every unit of every level; returns the first fatal error. */
int moat_units_run(struct moat_ctx *ctx) __must_check;
/* Runs the units' shutdown functions, last level first. */
void moat_units_shutdown(void);
/* The orderly end: the units' shutdown, then the machine is powered off (success). */
__noreturn void moat_power_off(void);

#endif
