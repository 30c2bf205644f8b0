/* SPDX-License-Identifier: MIT */
/*
 * Shared set-up for the TSM unit tests: one TDI of a device model (tests/models/tdisp_dev)
 * reached through a DSM transport, and a recording fake of the VM layer's operations.
 * Header-only on purpose: each test binary gets its own copy of the single environment.
 */
#ifndef TEST_TSM_ENV_H
#define TEST_TSM_ENV_H

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "tdisp_dev/tdev.h"
#include "tsm/tdi.h"

#define VM1 1u
#define VM2 2u
#define FN_ID 0x00000100u /* 01:00.0, segment 0 */
#define BAR0 0x10000000ull
#define BAR2 0x10100000ull

struct fake_vm {
	bool shared_mapped;	 /* the VM's shared mapping of the TDI's MMIO */
	unsigned private_ranges; /* ranges mapped private */
	u64 private_pages;
	bool trusted_dma;
	unsigned fail_map_at; /* 1-based range index whose map fails; 0: never */
	bool fail_dma;
	char trace[256]; /* one letter per VM-layer or device step */
	size_t ntrace;
};

struct tsm_env {
	struct tdev dev;
	struct tsm_pdev pd;
	struct tdi tdi;
	struct fake_vm vm;
	bool link_down; /* the DSM transport fails */
};

static struct tsm_env E;

static void env_trace(char c)
{
	if (E.vm.ntrace + 1 < sizeof(E.vm.trace)) {
		E.vm.trace[E.vm.ntrace++] = c;
		E.vm.trace[E.vm.ntrace] = '\0';
	}
}

static int env_vdm(struct tsm_pdev *pd, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		   size_t rsp_cap, size_t *rsp_len)
{
	struct tsm_env *e = container_of(pd, struct tsm_env, pd);

	if (e->link_down)
		return -E_TIMEOUT;
	if (protocol == 1 && req_len >= 2 && req[1] == 0x87)
		env_trace('S'); /* STOP_INTERFACE */
	if (protocol == 1 && req_len >= 2 && req[1] == 0x86)
		env_trace('G'); /* START_INTERFACE (go) */
	if (tdev_handle(&e->dev, protocol, req, req_len, rsp, rsp_cap, rsp_len))
		return -E_TIMEOUT; /* a DOE request the device never answers */
	return 0;
}

static int env_flr(struct tsm_pdev *pd, u32 function_id)
{
	struct tsm_env *e = container_of(pd, struct tsm_env, pd);

	env_trace('F');
	tdev_flr(&e->dev, function_id);
	return 0;
}

/* A record of one block whose value is the nonce (what a fresh measurement proves). */
static int env_measure(struct tsm_pdev *pd, const u8 nonce[TSM_NONCE_LEN], u8 *buf, size_t cap,
		       size_t *len)
{
	struct tsm_env *e = container_of(pd, struct tsm_env, pd);

	if (e->link_down)
		return -E_TIMEOUT;
	*len = 4 + TSM_NONCE_LEN;
	if (cap < *len)
		return -E_NOSPC;
	buf[0] = 1;
	buf[1] = 1;
	buf[2] = TSM_NONCE_LEN;
	buf[3] = 0;
	memcpy(buf + 4, nonce, TSM_NONCE_LEN);
	return 0;
}

static const struct tsm_dsm_ops env_dsm_ops = {
	.vdm = env_vdm,
	.flr = env_flr,
	.measure = env_measure,
};

static int fake_revoke(struct tdi *t)
{
	(void)t;
	env_trace('R');
	E.vm.shared_mapped = false;
	return 0;
}

static void fake_restore(struct tdi *t)
{
	(void)t;
	env_trace('r');
	E.vm.shared_mapped = true;
}

static int fake_map(struct tdi *t, const struct tdisp_mmio_range *r)
{
	(void)t;
	if (E.vm.fail_map_at && E.vm.private_ranges + 1 == E.vm.fail_map_at)
		return -E_NOMEM;
	env_trace('M');
	E.vm.private_ranges++;
	E.vm.private_pages += r->npages;
	return 0;
}

static void fake_unmap(struct tdi *t)
{
	(void)t;
	env_trace('m');
	E.vm.private_ranges = 0;
	E.vm.private_pages = 0;
}

static int fake_dma_on(struct tdi *t)
{
	(void)t;
	if (E.vm.fail_dma)
		return -E_IO;
	env_trace('D');
	E.vm.trusted_dma = true;
	return 0;
}

static void fake_dma_off(struct tdi *t)
{
	(void)t;
	env_trace('d');
	E.vm.trusted_dma = false;
}

static const struct tsm_vm_ops fake_vm_ops = {
	.revoke_shared_mmio = fake_revoke,
	.restore_shared_mmio = fake_restore,
	.map_private_mmio = fake_map,
	.unmap_private_mmio = fake_unmap,
	.enable_trusted_dma = fake_dma_on,
	.disable_trusted_dma = fake_dma_off,
};

static inline void env_trace_reset(void)
{
	E.vm.ntrace = 0;
	E.vm.trace[0] = '\0';
}

/* A connected device with one TDI assigned to VM1 (late bind: the vdev exists, unbound). */
static void env_setup(void)
{
	struct tsm_bars bars = { 0 };

	memset(&E, 0, sizeof(E));
	tdev_init(&E.dev, 42);
	E.dev.bar_base[0] = BAR0;
	E.dev.bar_size[0] = 0x4000;
	E.dev.bar_base[2] = BAR2;
	E.dev.bar_size[2] = 0x1000;
	if (tdev_add_iface(&E.dev, FN_ID) < 0)
		abort();
	E.pd.ops = &env_dsm_ops;
	E.pd.connected = true;
	E.pd.ide_stream_id = 1;
	bars.bar[0] = (struct pa_range){ pa(BAR0), 0x4000 };
	bars.bar[2] = (struct pa_range){ pa(BAR2), 0x1000 };
	tdi_init(&E.tdi, &E.pd, FN_ID, &bars);
	E.vm.shared_mapped = true;
	if (tdi_assign(&E.tdi, VM1, &fake_vm_ops))
		abort();
}

static inline enum tdev_state env_dev_state(void)
{
	return E.dev.ifc[0].state;
}

/*
 * The invariants of tsm/tdi.h, checked against what the fake VM layer actually holds and
 * what the device model is in. Returns NULL or the name of the broken invariant.
 */
static inline const char *env_broken_invariant(void)
{
	const struct tdi *t = &E.tdi;

	if (E.vm.private_ranges && !(t->state == TDI_RUN && t->vm != 0))
		return "private MMIO mapped while not RUN or not owned";
	if (E.vm.trusted_dma && t->state != TDI_RUN)
		return "trusted DMA enabled while not RUN";
	if (t->state == TDI_ERROR && (E.vm.private_ranges || E.vm.trusted_dma))
		return "ERROR TDI not torn down";
	if (t->state != TDI_CONFIG_UNLOCKED && t->vm && E.vm.shared_mapped)
		return "shared MMIO mapped while the TDI is locked";
	if (t->state == TDI_CONFIG_UNLOCKED && t->vm && !E.vm.shared_mapped)
		return "shared operation not restored after teardown";
	if (t->state == TDI_CONFIG_UNLOCKED && env_dev_state() != TDEV_UNLOCKED)
		return "Moat thinks UNLOCKED but the device is not";
	if (t->nonce_valid && t->state != TDI_CONFIG_LOCKED)
		return "START nonce kept outside CONFIG_LOCKED";
	if (t->private_mapped != (E.vm.private_ranges != 0) || t->trusted_dma != E.vm.trusted_dma)
		return "TDI bookkeeping differs from the VM layer";
	return NULL;
}

#endif
