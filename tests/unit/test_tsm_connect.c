// SPDX-License-Identifier: MIT
/*
 * tsm/connect.c end to end in-process: TSM -> SPDM requester -> DOE driver -> config-space
 * model -> DOE mailbox model -> devemu (SPDM responder + the TDISP/IDE_KM device model).
 * Checks the connect policy, that TDISP and IDE_KM travel only inside the secured session,
 * the TDI life cycle over the real session, and disconnect (K_SET_STOP, END_SESSION).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "test_util.h"

#include "../../tools/devemu/devemu.h"
#include "../../tools/devemu/devemu_tdisp.h"
#include "lib/err.h"
#include "pcie/pcie_model.h"
#include "guest_abi/moat_evidence.h"
#include "tsm/tsm.h"

#define ECAM_BASE 0x4010000000ull
#define MEM32 0x10000000ull

static struct {
	struct pcie_model model;
	struct pm_doe doe;
	struct devemu dev;
	struct pci_state st;
	struct pci_host host;
	struct spdm_config cfg;
	struct tsm_connect_policy pol;
	struct tsm_dev d;
	struct tdev *tdev;
	unsigned shared_revoked, private_maps, dma_on;
} F;

static int rng(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	return getrandom(out, len, 0) == (ssize_t)len ? 0 : -1;
}

static int key_rng(u8 *out, size_t len)
{
	return rng(NULL, out, len) ? -E_IO : 0;
}

static int dv_handler(void *ctx, const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
		      size_t *olen)
{
	return devemu_doe(ctx, obj, len, out, cap, olen);
}

static void load_anchor(void)
{
	const char *dir = getenv("MOAT_PKI_DIR");
	char path[256], *hex;
	size_t n;

	snprintf(path, sizeof(path), "%s/p384/root.sha384", dir ? dir : "build/tools/pki");
	hex = test_load_file(path, &n);
	while (n && (hex[n - 1] == '\n' || hex[n - 1] == '\r'))
		n--;
	hex[n] = '\0';
	assert_int_equal(tsm_parse_anchor(hex, &F.pol), 0);
	memcpy(F.cfg.anchor_digest, F.pol.anchor_digest, sizeof(F.cfg.anchor_digest));
	F.cfg.anchor_digest_len = F.pol.anchor_digest_len;
	free(hex);
}

static int setup(void **state)
{
	char dir[256];
	const char *pki = getenv("MOAT_PKI_DIR");
	struct plat_ecam e = { .base = { ECAM_BASE },
			       .size = 1ull << 20,
			       .bus_end = 0,
			       .mem32 = { { MEM32 }, 0x1000000 } };
	struct pm_fn *f = pm_fn_new(0, 0x1b36, 0x0010, 0x010802, false);

	(void)state;
	test_log_capture();
	memset(&F, 0, sizeof(F));
	setenv("DEVEMU_TDISP", "bar0=0x10000000:0x4000", 1);
	F.tdev = devemu_tdisp_reset();
	snprintf(dir, sizeof(dir), "%s/p384", pki ? pki : "build/tools/pki");
	assert_int_equal(devemu_init(&F.dev, dir, DEVEMU_FAULT_NONE), 0);
	pm_init(&F.model, ECAM_BASE, 0, 0);
	pm_doe_init(&F.doe, dv_handler, &F.dev);
	pm_fn_pcie(f, true);
	pm_fn_doe(f, &F.doe);
	pm_fn_bar(f, 0, 0x4000, true);
	pm_add_root(&F.model, f);
	assert_int_equal(pm_attach(&F.model), 0);
	assert_int_equal(pci_host_init(&F.host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_int_equal(pci_enumerate(&F.st, &F.host), 0);
	assert_int_equal(F.st.devs[0].bar[0], MEM32);
	F.cfg.rng = rng;
	load_anchor();
	assert_int_equal(tsm_parse_meas("1,2,3", &F.pol), 0);
	F.pol.ide = TSM_IDE_ON;
	F.pol.ide_stream = 2;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spdm_reset(&F.d.spdm);
	pm_detach(&F.model);
	devemu_free(&F.dev);
	return 0;
}

static int v_revoke(struct tdi *t)
{
	(void)t;
	F.shared_revoked++;
	return 0;
}
static void v_restore(struct tdi *t)
{
	(void)t;
	F.shared_revoked--;
}
static int v_map(struct tdi *t, const struct tdisp_mmio_range *r)
{
	(void)t;
	assert_int_equal(r->hpa.v, MEM32);
	F.private_maps++;
	return 0;
}
static void v_unmap(struct tdi *t)
{
	(void)t;
	F.private_maps = 0;
}
static int v_dma_on(struct tdi *t)
{
	(void)t;
	F.dma_on = 1;
	return 0;
}
static void v_dma_off(struct tdi *t)
{
	(void)t;
	F.dma_on = 0;
}

static const struct tsm_vm_ops vm_ops = {
	v_revoke, v_restore, v_map, v_unmap, v_dma_on, v_dma_off
};

static void connect_ok(void)
{
	const char *stage = NULL;

	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage), 0);
	assert_true(F.d.pd.connected);
}

static void connect_keys_ide_and_keeps_evidence(void **state)
{
	u8 buf[4096];
	size_t len;

	(void)state;
	connect_ok();
	assert_int_equal(F.d.spdm.state, SPDM_STATE_SESSION);
	assert_int_equal(F.d.meas_blocks, 3);
	assert_true(F.d.ide.keyed);
	assert_int_equal(F.tdev->stream_id, 2);
	assert_int_equal(F.tdev->keys_go, 0x555);
	assert_int_equal(F.d.tdi.function_id, 0x00000000); /* 00:00.0 on segment 0 */
	assert_int_equal(F.d.tdi.bars.bar[0].base.v, MEM32);
	assert_int_equal(tdi_assign(&F.d.tdi, 1, &vm_ops), 0);
	assert_int_equal(tdi_get_evidence(&F.d.tdi, 1, TSM_EV_CERT_CHAIN, buf, sizeof(buf), &len),
			 0);
	assert_int_equal(len, F.d.spdm.cert_chain_len);
	assert_int_equal(tdi_get_evidence(&F.d.tdi, 1, TSM_EV_MEASUREMENTS, buf, sizeof(buf), &len),
			 0);
	assert_int_equal(len, F.d.meas_len);
}

static void tdi_life_cycle_over_the_secured_session(void **state)
{
	u8 report[TDISP_REPORT_MAX], digest[TSM_DIGEST_LEN];
	size_t len;
	u64 seq_before;

	(void)state;
	connect_ok();
	assert_int_equal(tdi_assign(&F.d.tdi, 1, &vm_ops), 0);
	seq_before = F.d.spdm.sess.req.seq;
	assert_int_equal(tdi_bind(&F.d.tdi, 1), 0);
	assert_true(F.d.spdm.sess.req.seq > seq_before); /* every request was a secured record */
	assert_int_equal(F.tdev->ifc[0].state, TDEV_LOCKED);
	assert_int_equal(tdi_get_report(&F.d.tdi, 1, report, sizeof(report), &len, digest), 0);
	assert_int_equal(F.d.tdi.parsed.nranges, 2);
	assert_int_equal(tdi_accept(&F.d.tdi, 1, digest), 0);
	assert_int_equal(F.tdev->ifc[0].state, TDEV_RUN);
	assert_int_equal(F.private_maps, 1);
	assert_int_equal(F.dma_on, 1);
	assert_int_equal(tdi_unbind(&F.d.tdi, 1), 0);
	assert_int_equal(F.tdev->ifc[0].state, TDEV_UNLOCKED);
	assert_int_equal(F.private_maps + F.dma_on + F.shared_revoked, 0);
	/* FLR while running: Moat stops the TDI first, then resets the function */
	assert_int_equal(tdi_bind(&F.d.tdi, 1), 0);
	assert_int_equal(tdi_get_report(&F.d.tdi, 1, report, sizeof(report), &len, digest), 0);
	assert_int_equal(tdi_accept(&F.d.tdi, 1, digest), 0);
	assert_int_equal(tdi_flr(&F.d.tdi), 0);
	assert_int_equal(F.d.tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(F.tdev->ifc[0].state, TDEV_UNLOCKED);
	assert_int_equal(F.private_maps + F.dma_on + F.shared_revoked, 0);
}

static void measurements_refresh_over_a_guest_nonce(void **state)
{
	u8 nonce[TSM_NONCE_LEN], buf[4096];
	struct moat_ev_meas_view v;
	size_t len = 0, need;

	(void)state;
	connect_ok();
	assert_int_equal(tdi_assign(&F.d.tdi, 1, &vm_ops), 0);
	memset(nonce, 0x77, sizeof(nonce));
	/* The guest gets the signed exchange (struct moat_ev_meas) over its nonce. */
	assert_int_equal(tdi_get_measurements(&F.d.tdi, 1, nonce, buf, sizeof(buf), &len), 0);
	assert_int_equal(moat_ev_meas_parse(buf, len, &v), MOAT_EV_OK);
	assert_memory_equal(v.nonce, nonce, sizeof(nonce));
	assert_int_equal(v.record_len, F.d.meas_len);
	assert_int_equal(F.d.meas_blocks, 3);
	assert_memory_equal(v.record, F.d.meas, v.record_len);
	assert_true(F.d.pd.connected);
	/* Too small a buffer: the size needed, the session kept. */
	need = len;
	assert_int_equal(tdi_get_measurements(&F.d.tdi, 1, nonce, buf, 64, &len), -E_NOSPC);
	assert_int_equal(len, need);
	assert_true(F.d.pd.connected);
}

static void tdisp_never_leaves_the_session(void **state)
{
	(void)state;
	connect_ok();
	assert_int_equal(tdi_assign(&F.d.tdi, 1, &vm_ops), 0);
	assert_int_equal(spdm_end_session(&F.d.spdm), 0);
	/* no session: the request is refused before anything is sent in the clear */
	assert_int_equal(tdi_bind(&F.d.tdi, 1), -E_STATE);
	assert_int_equal(F.tdev->nlock, 0);
	/* Moat cannot confirm the device's state any more: ERROR, torn down, still revoked */
	assert_int_equal(F.d.tdi.state, TDI_ERROR);
	assert_int_equal(F.private_maps + F.dma_on, 0);
	assert_int_equal(F.shared_revoked, 1);
	assert_false(F.d.pd.connected);
	assert_true(test_log_has("secure session lost"));
	assert_int_equal(tdi_bind(&F.d.tdi, 1), -E_STATE);
}

static void disconnect_stops_keys_and_ends_session(void **state)
{
	u8 report[TDISP_REPORT_MAX], digest[TSM_DIGEST_LEN];
	size_t len;

	(void)state;
	connect_ok();
	assert_int_equal(tdi_assign(&F.d.tdi, 1, &vm_ops), 0);
	assert_int_equal(tdi_bind(&F.d.tdi, 1), 0);
	assert_int_equal(tdi_get_report(&F.d.tdi, 1, report, sizeof(report), &len, digest), 0);
	assert_int_equal(tdi_accept(&F.d.tdi, 1, digest), 0);
	tsm_disconnect(&F.d);
	assert_int_equal(F.tdev->ifc[0].state, TDEV_UNLOCKED);
	assert_int_equal(F.tdev->keys_go, 0);
	assert_int_equal(F.tdev->nstop_keys, 6);
	assert_false(F.d.pd.connected);
	assert_int_equal(F.d.spdm.state, SPDM_STATE_NONE);
	assert_int_equal(F.d.tdi.vm, 0);
}

/* Rebuilds the function with an IDE extended capability whose IDE Cap register is `cap`. */
static void add_ide_cap(u32 cap)
{
	struct pm_fn *f = F.model.root[0];
	u16 off = pm_fn_ext_cap(f, 0x30, 1, 0x40);

	struct plat_ecam e = { .base = { ECAM_BASE },
			       .size = 1ull << 20,
			       .bus_end = 0,
			       .mem32 = { { MEM32 }, 0x1000000 } };

	memcpy(&f->cfg[off + 4], &cap, 4); /* host is little-endian, like config space */
	memset(&F.st, 0, sizeof(F.st));
	assert_int_equal(pci_host_init(&F.host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_int_equal(pci_enumerate(&F.st, &F.host), 0);
	assert_int_not_equal(F.st.devs[0].ide_cap, 0);
}

static void ide_capability_selects_and_checks_keying(void **state)
{
	const char *stage = NULL;

	(void)state;
	F.pol.ide = TSM_IDE_AUTO; /* no IDE capability: no keys */
	connect_ok();
	assert_false(F.d.ide.keyed);
	assert_int_equal(F.tdev->nkey_prog, 0);
	spdm_reset(&F.d.spdm);
	add_ide_cap(0x00000042); /* what the device's QUERY_RESP says */
	connect_ok();
	assert_true(F.d.ide.keyed);
	assert_int_equal(F.tdev->keys_go, 0x555);
	spdm_reset(&F.d.spdm);
	F.tdev->keys_go = 0;
	F.model.root[0]->cfg[F.st.devs[0].ide_cap + 4] = 0x43; /* config space disagrees */
	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage),
			 -E_PROTO);
	assert_string_equal(stage, "IDE_KM");
	assert_true(test_log_has("IDE_KM reports IDE Cap 0x00000042, config space has 0x00000043"));
	assert_int_equal(F.tdev->keys_go, 0); /* the keys it took are stopped again */
	assert_false(F.d.pd.connected);
}

static void policy_refusals_name_the_stage(void **state)
{
	const char *stage = NULL;

	(void)state;
	assert_int_equal(tsm_parse_meas("1,7", &F.pol), 0);
	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage),
			 -E_NOENT);
	assert_string_equal(stage, "measurement policy");
	assert_true(test_log_has("required measurement block 7 missing"));
	assert_false(F.d.pd.connected);
	assert_int_equal(F.d.spdm.state, SPDM_STATE_NONE);
	assert_int_equal(tsm_parse_meas("1", &F.pol), 0);
	F.tdev->faults = TDEV_FAULT_KEY_PROG_FAIL;
	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage), -E_IO);
	assert_string_equal(stage, "IDE_KM");
	assert_false(F.d.pd.connected);
	F.cfg.anchor_digest[0] ^= 1;
	assert_int_not_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage), 0);
	assert_string_equal(stage, "CERTIFICATE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(connect_keys_ide_and_keeps_evidence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tdi_life_cycle_over_the_secured_session, setup,
						teardown),
		cmocka_unit_test_setup_teardown(measurements_refresh_over_a_guest_nonce, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tdisp_never_leaves_the_session, setup, teardown),
		cmocka_unit_test_setup_teardown(disconnect_stops_keys_and_ends_session, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ide_capability_selects_and_checks_keying, setup,
						teardown),
		cmocka_unit_test_setup_teardown(policy_refusals_name_the_stage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
