// SPDX-License-Identifier: MIT
#define LOG_COMPONENT "boot"
#include "core/init.h"

#include <arch/cpu.h>

#include "core/bootprof.h"
#include "core/log.h"
#include "lib/err.h"

/* Provided by the linker for the section named like a C identifier (image and host alike). */
extern const struct moat_unit __start_moat_units[] __attribute__((weak));
extern const struct moat_unit __stop_moat_units[] __attribute__((weak));

int moat_units_run(struct moat_ctx *ctx)
{
	for (int lvl = 0; lvl < INIT__LEVELS; lvl++) {
		for (const struct moat_unit *u = __start_moat_units; u && u < __stop_moat_units;
		     u++) {
			int err;

			if ((int)u->level != lvl)
				continue;
			bootprof_mark(u->name);
			err = u->init(ctx);
			if (err == -E_NODEV || !err)
				continue;
			pr_err("%s: %s", u->name, err_str(err));
			return err;
		}
	}
	return 0;
}

void moat_units_shutdown(void)
{
	for (int lvl = INIT__LEVELS - 1; lvl >= 0; lvl--)
		for (const struct moat_unit *u = __start_moat_units; u && u < __stop_moat_units;
		     u++)
			if ((int)u->level == lvl && u->shutdown)
				u->shutdown();
}

void moat_power_off(void)
{
	bootprof_report();
	moat_units_shutdown();
	arch_halt(true);
}
