// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the TDISP requester and the TDI state machine against a hostile device.
 * A correct device model (tests/models/tdisp_dev) answers every request, and the fuzz input
 * mutates each answer (bit flips, truncation, byte overwrites, lost responses) and switches
 * device faults on. The guest script bind -> get report -> accept -> check -> unbind -> FLR
 * runs on it; after every step the TDI invariants must hold: no private MMIO unless RUN, no
 * trusted DMA unless RUN, an ERROR TDI torn down, nothing crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "lib/err.h"
#include "tsm/tdi.h"

/* The model is a test-support source; the fuzz build links only the hypervisor library. */
#include "tdisp_dev/tdev.c"

static struct tdev dev;
static struct tsm_pdev pd;
static struct tdi tdi;
static const uint8_t *in;
static size_t in_len;
static bool private_mapped, dma_on, shared_mapped;

static void quiet(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

static uint8_t take(void)
{
	if (!in_len)
		return 0;
	in_len--;
	return *in++;
}

static void mutate(uint8_t *rsp, size_t *len)
{
	uint8_t op = take(), arg = take();

	switch (op & 7) {
	case 4:
		if (*len)
			rsp[(arg >> 3) % *len] ^= (uint8_t)(1u << (arg & 7));
		break;
	case 5:
		if (arg < *len)
			*len = arg;
		break;
	case 6:
		if (*len)
			rsp[arg % *len] = take();
		break;
	default: /* 0..3, 7 handled by the caller: pass through */ break;
	}
}

static int fz_vdm(struct tsm_pdev *p, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		  size_t cap, size_t *rsp_len)
{
	(void)p;
	if (tdev_handle(&dev, protocol, req, req_len, rsp, cap, rsp_len))
		return -E_TIMEOUT;
	if (in_len && (in[0] & 7) == 7) {
		in++, in_len--;
		return -E_TIMEOUT;
	}
	mutate(rsp, rsp_len);
	return 0;
}

static int fz_flr(struct tsm_pdev *p, u32 fid)
{
	(void)p;
	tdev_flr(&dev, fid);
	return 0;
}

static const struct tsm_dsm_ops dsm = { .vdm = fz_vdm, .flr = fz_flr };

static int v_revoke(struct tdi *t)
{
	(void)t;
	shared_mapped = false;
	return 0;
}
static void v_restore(struct tdi *t)
{
	(void)t;
	shared_mapped = true;
}
static int v_map(struct tdi *t, const struct tdisp_mmio_range *r)
{
	/* Only ranges validated against the BARs may reach the VM layer. */
	if (r->bar >= 6 || r->hpa.v < t->bars.bar[r->bar].base.v)
		abort();
	private_mapped = true;
	return 0;
}
static void v_unmap(struct tdi *t)
{
	(void)t;
	private_mapped = false;
}
static int v_dma_on(struct tdi *t)
{
	(void)t;
	dma_on = true;
	return 0;
}
static void v_dma_off(struct tdi *t)
{
	(void)t;
	dma_on = false;
}

static const struct tsm_vm_ops vmops = { v_revoke, v_restore, v_map, v_unmap, v_dma_on, v_dma_off };

static void check(void)
{
	if (private_mapped && tdi.state != TDI_RUN)
		abort();
	if (dma_on && tdi.state != TDI_RUN)
		abort();
	if (tdi.state == TDI_ERROR && (private_mapped || dma_on))
		abort();
	if (tdi.vm && (tdi.state == TDI_CONFIG_UNLOCKED) != shared_mapped)
		abort();
	if (tdi.nonce_valid && tdi.state != TDI_CONFIG_LOCKED)
		abort();
}

static void setup(void)
{
	struct tsm_bars bars = { 0 };

	tdev_init(&dev, 7);
	dev.bar_base[0] = 0x10000000;
	dev.bar_size[0] = 0x4000;
	dev.bar_base[2] = 0x10100000;
	dev.bar_size[2] = 0x1000;
	(void)tdev_add_iface(&dev, 0x100);
	dev.faults = take() & 0x1f;
	memset(&pd, 0, sizeof(pd));
	pd.ops = &dsm;
	pd.connected = true;
	bars.bar[0] = (struct pa_range){ pa(0x10000000), 0x4000 };
	bars.bar[2] = (struct pa_range){ pa(0x10100000), 0x1000 };
	tdi_init(&tdi, &pd, 0x100, &bars);
	private_mapped = dma_on = false;
	shared_mapped = true;
	if (tdi_assign(&tdi, 1, &vmops))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 buf[TDISP_REPORT_MAX];
	u8 digest[TSM_DIGEST_LEN] = { 0 };
	size_t len;
	int rounds;

	log_set_sink(quiet);
	in = data;
	in_len = size;
	setup();
	rounds = 1 + (take() & 1);
	for (int i = 0; i < rounds; i++) {
		if (tdi_bind(&tdi, 1) == 0 && tdi.state != TDI_CONFIG_LOCKED)
			abort();
		check();
		if (tdi_get_report(&tdi, 1, buf, sizeof(buf), &len, digest) == 0 &&
		    len != tdi.report_len)
			abort();
		if (tdi_accept(&tdi, 1, digest) == 0 && tdi.state != TDI_RUN)
			abort();
		check();
		if (tdi_check_device(&tdi))
			check();
		check();
		if (tdi_unbind(&tdi, 1) == 0 && tdi.state != TDI_CONFIG_UNLOCKED)
			abort();
		check();
		/* An FLR may still fail to bring a mute device back; the invariants hold anyway. */
		if ((take() & 1) && tdi_flr(&tdi) == 0 && tdi.state != TDI_CONFIG_UNLOCKED)
			abort();
		check();
	}
	if (tdi_vm_teardown(&tdi, 1) == 0 && (private_mapped || dma_on))
		abort();
	return 0;
}
