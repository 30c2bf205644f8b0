// SPDX-License-Identifier: MIT
/*
 * The TDISP self-test (`moat.tsm.selftest`, INIT_LATE): drives each connected device's TDI
 * through bind, report, accept, a state check and unbind on behalf of a stand-in VM, printing
 * Moat's state and the state the device reports after each step. Until the VM layer (issue 8)
 * exists, the stand-in logs the mapping steps instead of performing them.
 */
#define LOG_COMPONENT "tsm"
#include "lib/compiler.h"

#include "core/init.h"
#include "core/log.h"
#include "lib/err.h"
#include "tsm/tsm.h"

#include <string.h>

#define SELFTEST_VM 1u

static int st_revoke(struct tdi *t)
{
	pr_info("selftest VM: shared MMIO of TDI 0x%08x revoked", t->function_id);
	return 0;
}

static void st_restore(struct tdi *t)
{
	pr_info("selftest VM: shared MMIO of TDI 0x%08x restored", t->function_id);
}

static int st_map(struct tdi *t, const struct tdisp_mmio_range *r)
{
	(void)t;
	pr_info("selftest VM: private MMIO 0x%llx +%u page(s) (BAR%u) mapped",
		(unsigned long long)r->hpa.v, r->npages, r->bar);
	return 0;
}

static void st_unmap(struct tdi *t)
{
	pr_info("selftest VM: private MMIO of TDI 0x%08x unmapped", t->function_id);
}

static int st_dma_on(struct tdi *t)
{
	pr_info("selftest VM: trusted DMA for TDI 0x%08x enabled", t->function_id);
	return 0;
}

static void st_dma_off(struct tdi *t)
{
	pr_info("selftest VM: trusted DMA for TDI 0x%08x disabled", t->function_id);
}

static const struct tsm_vm_ops st_vm_ops = {
	.revoke_shared_mmio = st_revoke,
	.restore_shared_mmio = st_restore,
	.map_private_mmio = st_map,
	.unmap_private_mmio = st_unmap,
	.enable_trusted_dma = st_dma_on,
	.disable_trusted_dma = st_dma_off,
};

static void st_print_state(struct tsm_dev *d, const char *step)
{
	enum tdisp_state s;
	int err = d->pd.connected ? tdisp_req_state(&d->tdi, &s) : -E_NODEV;

	pr_info("%s: after %s: TDI %s, device %s", d->name, step, tdi_state_name(d->tdi.state),
		err ? err_str(err) : tdisp_state_name(s));
}

static void st_print_report(struct tsm_dev *d, const u8 *digest, size_t len)
{
	const struct tdisp_report *r = &d->tdi.parsed;

	pr_info("%s: interface report %zu bytes, %u range(s), info 0x%04x, digest "
		"%02x%02x%02x%02x...",
		d->name, len, r->nranges, r->interface_info, digest[0], digest[1], digest[2],
		digest[3]);
	for (u32 i = 0; i < r->nranges; i++)
		pr_info("%s:   range %u: 0x%llx +%u page(s) BAR%u%s%s", d->name, i,
			(unsigned long long)r->range[i].hpa.v, r->range[i].npages, r->range[i].bar,
			(r->range[i].attrs & TDISP_RANGE_NON_TEE) ? " non-TEE" : "",
			(r->range[i].attrs & TDISP_RANGE_MSIX_TABLE) ? " MSI-X" : "");
}

/* One step: on failure, say which and show the state the teardown left. */
static bool st_step(struct tsm_dev *d, const char *step, int err)
{
	if (err) {
		pr_err("%s: %s refused: %s", d->name, step, err_str(err));
		st_print_state(d, "teardown");
		return false;
	}
	st_print_state(d, step);
	return true;
}

static void st_run(struct tsm_dev *d)
{
	static u8 report[TDISP_REPORT_MAX];
	u8 digest[TSM_DIGEST_LEN];
	size_t len = 0;
	bool ok;

	pr_info("%s: selftest: TDI 0x%08x %s", d->name, d->tdi.function_id,
		tdi_state_name(d->tdi.state));
	ok = st_step(d, "bind", tdi_bind(&d->tdi, SELFTEST_VM)) &&
	     st_step(d, "get report",
		     tdi_get_report(&d->tdi, SELFTEST_VM, report, sizeof(report), &len, digest));
	if (ok)
		st_print_report(d, digest, len);
	ok = ok && st_step(d, "accept", tdi_accept(&d->tdi, SELFTEST_VM, digest)) &&
	     st_step(d, "state check", tdi_check_device(&d->tdi)) &&
	     st_step(d, "unbind", tdi_unbind(&d->tdi, SELFTEST_VM));
	if (tdi_vm_teardown(&d->tdi, SELFTEST_VM))
		pr_err("%s: VM teardown: the device still refuses STOP", d->name);
	pr_info("%s: selftest %s: TDI %s%s", d->name, ok ? "passed" : "failed",
		tdi_state_name(d->tdi.state),
		d->tdi.private_mapped || d->tdi.trusted_dma ? "" : ", torn down");
}

/* `moat.tsm.selftest=flr`: an FLR while CONFIG_LOCKED, re-bind, an FLR while RUN. */
static void st_run_flr(struct tsm_dev *d)
{
	static u8 report[TDISP_REPORT_MAX];
	u8 digest[TSM_DIGEST_LEN];
	size_t len = 0;
	bool ok;

	ok = st_step(d, "bind", tdi_bind(&d->tdi, SELFTEST_VM)) &&
	     st_step(d, "FLR while locked", tdi_flr(&d->tdi)) &&
	     st_step(d, "re-bind", tdi_bind(&d->tdi, SELFTEST_VM)) &&
	     st_step(d, "get report",
		     tdi_get_report(&d->tdi, SELFTEST_VM, report, sizeof(report), &len, digest)) &&
	     st_step(d, "accept", tdi_accept(&d->tdi, SELFTEST_VM, digest)) &&
	     st_step(d, "FLR while running", tdi_flr(&d->tdi));
	if (tdi_vm_teardown(&d->tdi, SELFTEST_VM))
		pr_err("%s: VM teardown: the device still refuses STOP", d->name);
	pr_info("%s: FLR selftest %s: TDI %s", d->name, ok ? "passed" : "failed",
		tdi_state_name(d->tdi.state));
}

static int tsm_selftest(struct moat_ctx *ctx)
{
	char mode[16];

	if (!platform_bootarg(ctx->plat, "moat.tsm.selftest", mode, sizeof(mode)))
		return 0;
	if (tsm_ndevs() == 0)
		pr_warn("selftest: no connected device");
	for (unsigned i = 0; i < tsm_ndevs(); i++) {
		struct tsm_dev *d = tsm_dev_at(i);

		if (tdi_assign(&d->tdi, SELFTEST_VM, &st_vm_ops)) {
			pr_err("%s: selftest: TDI already assigned", d->name);
			continue;
		}
		if (!strcmp(mode, "flr"))
			st_run_flr(d);
		else
			st_run(d);
	}
	return 0;
}

MOAT_UNIT("tsm-selftest", INIT_LATE, tsm_selftest);
