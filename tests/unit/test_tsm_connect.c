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

#include "test_util.h"

#include "spdm_stack.h"

#include "../../tools/devemu/devemu_tdisp.h"
#include "guest_abi/moat_evidence.h"
#include "lib/err.h"
#include "pcie/pcie_ide_model.h"
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
	/* the link set-up: a root port above the device, both with the IDE capability */
	struct pm_ide rp_ide, ep_ide;
	struct pm_fn *rp_fn, *ep_fn;
	u16 rp_keys_go; /* the platform hook's key slots started */
	unsigned rp_key_progs, rp_stops;
	bool stop_saw_enable; /* a root-port key stop while a block was still enabled */
	u8 rp_key[6][IDE_KM_KEY_BYTES];
	u64 ep_bar2; /* size of a second memory BAR, 0: none */
} F;

static int key_rng(u8 *out, size_t len)
{
	return spdm_stack_rng(NULL, out, len) ? -E_IO : 0;
}

static void load_anchor(void)
{
	size_t n;
	char *hex = spdm_stack_pki_file("p384", "root.sha384", &n);

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
	snprintf(dir, sizeof(dir), "%s/p384", spdm_stack_pki_dir());
	assert_int_equal(devemu_init(&F.dev, dir, DEVEMU_FAULT_NONE), 0);
	pm_init(&F.model, ECAM_BASE, 0, 0);
	pm_doe_init(&F.doe, spdm_stack_doe, &F.dev);
	pm_fn_pcie(f, true);
	pm_fn_doe(f, &F.doe);
	pm_fn_bar(f, 0, 0x4000, true);
	pm_add_root(&F.model, f);
	assert_int_equal(pm_attach(&F.model), 0);
	assert_int_equal(pci_host_init(&F.host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_int_equal(pci_enumerate(&F.st, &F.host), 0);
	assert_int_equal(F.st.devs[0].bar[0], MEM32);
	F.cfg.rng = spdm_stack_rng;
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
	(void)tsm_disconnect(&F.d, "test");
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

/* Each SPDM fault of the device ends the one boot-time authentication at its own step. */
static void spdm_faults_refuse_at_their_stage(void **state)
{
	static const struct {
		enum devemu_fault fault;
		const char *stage;
		enum spdm_fail fail;
	} cases[] = {
		{ DEVEMU_FAULT_BAD_SIGNATURE, "CHALLENGE", SPDM_FAIL_SIGNATURE },
		{ DEVEMU_FAULT_WRONG_NONCE, "MEASUREMENTS", SPDM_FAIL_MEAS_SIGNATURE },
		{ DEVEMU_FAULT_REPLAY, "HEARTBEAT", SPDM_FAIL_RECORD },
	};
	char dir[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/p384", spdm_stack_pki_dir());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *stage = NULL;

		devemu_free(&F.dev);
		assert_int_equal(devemu_init(&F.dev, dir, cases[i].fault), 0);
		assert_int_not_equal(
			tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage), 0);
		assert_string_equal(stage, cases[i].stage);
		assert_int_equal(F.d.fail, cases[i].fail);
		assert_false(F.d.pd.connected);
		assert_int_equal(F.d.spdm.state, SPDM_STATE_NONE);
		assert_int_equal(F.tdev->nkey_prog, 0); /* no key ever left for a refused device */
	}
}

/* The order of the requests devemu received inside the session from position `from` on. */
static bool trace_is(unsigned from, const u16 *want, unsigned n)
{
	if (F.dev.ntrace - from != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (F.dev.trace[from + i] != want[i])
			return false;
	return true;
}

#define T_K_SET_GO 0x1004
#define T_K_SET_STOP 0x1005
#define T_STOP_INTERFACE 0x1187
#define T_END_SESSION 0x00ec

/* GET_MEASUREMENTS refused inside the session: the connect is refused, the session ended. */
static void refusal_inside_the_session_still_ends_it(void **state)
{
	const char *stage = NULL;
	char dir[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/p384", spdm_stack_pki_dir());
	devemu_free(&F.dev);
	assert_int_equal(devemu_init(&F.dev, dir, DEVEMU_FAULT_ERROR), 0);
	assert_int_not_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage), 0);
	assert_string_equal(stage, "MEASUREMENTS");
	assert_string_equal(F.d.why, "the device refused it: SPDM ERROR UnexpectedRequest (0x04); "
				     "clean-up: END_SESSION");
	assert_int_equal(F.dev.end_sessions, 1);
	assert_int_equal(F.dev.trace[F.dev.ntrace - 1], T_END_SESSION);
	assert_false(F.d.pd.connected);
}

/* One IDE_KM request answered with an SPDM ERROR: that operation is refused with one line, the
 * session kept, and the clean-up (K_SET_STOP for every key, END_SESSION) still sent. */
static void ide_km_error_keeps_the_session_for_the_clean_up(void **state)
{
	static const u16 cleanup[] = { T_K_SET_GO,   T_K_SET_STOP, T_K_SET_STOP, T_K_SET_STOP,
				       T_K_SET_STOP, T_K_SET_STOP, T_K_SET_STOP, T_END_SESSION };
	const char *stage = NULL;
	char dir[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/p384", spdm_stack_pki_dir());
	devemu_free(&F.dev);
	assert_int_equal(devemu_init(&F.dev, dir, DEVEMU_FAULT_IDE_KM_ERROR), 0);
	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage),
			 -E_INVAL);
	assert_string_equal(stage, "IDE_KM");
	assert_true(test_log_has("0000:00:00.0: IDE_KM K_SET_GO refused by the device: SPDM ERROR "
				 "InvalidRequest (0x01); session kept"));
	assert_false(test_log_has("secure session lost"));
	assert_int_equal(F.tdev->nkey_prog, 6);
	assert_int_equal(F.tdev->nstop_keys, 6);
	assert_int_equal(F.tdev->keys_programmed, 0);
	assert_true(trace_is(F.dev.ntrace - 8, cleanup, 8));
	assert_string_equal(F.d.why, "invalid argument; clean-up: K_SET_STOP x6, END_SESSION");
	assert_false(F.d.pd.connected);
}

/* The ordered disconnect: STOP_INTERFACE, (stream disabled,) K_SET_STOP x6, END_SESSION. */
static void disconnect_is_ordered(void **state)
{
	static const u16 order[] = { T_STOP_INTERFACE, T_K_SET_STOP, T_K_SET_STOP, T_K_SET_STOP,
				     T_K_SET_STOP,     T_K_SET_STOP, T_K_SET_STOP, T_END_SESSION };
	u8 report[TDISP_REPORT_MAX], digest[TSM_DIGEST_LEN];
	size_t len;
	unsigned from;

	(void)state;
	connect_ok();
	assert_int_equal(tdi_assign(&F.d.tdi, 1, &vm_ops), 0);
	assert_int_equal(tdi_bind(&F.d.tdi, 1), 0);
	assert_int_equal(tdi_get_report(&F.d.tdi, 1, report, sizeof(report), &len, digest), 0);
	assert_int_equal(tdi_accept(&F.d.tdi, 1, digest), 0);
	from = F.dev.ntrace;
	assert_int_equal(tsm_disconnect(&F.d, "power-off"), 0);
	assert_true(trace_is(from, order, ARRAY_SIZE(order)));
	assert_true(test_log_has("0000:00:00.0: disconnected (power-off): TDI stopped, K_SET_STOP "
				 "x6, END_SESSION"));
	assert_int_equal(F.dev.end_sessions, 1);
	assert_int_equal(F.private_maps + F.dma_on + F.shared_revoked, 0);
}

/* A refusal of the policy after the session was made ends the session it made. */
static void policy_refusal_after_the_session_ends_it(void **state)
{
	const char *stage = NULL;

	(void)state;
	assert_int_equal(tsm_parse_meas("1,9", &F.pol), 0);
	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage),
			 -E_NOENT);
	assert_string_equal(stage, "measurement policy");
	assert_string_equal(F.d.why, "not found; clean-up: END_SESSION");
	assert_int_equal(F.dev.end_sessions, 1);
}

/* QUERY_RESP must name the function being keyed: devemu says 00:01.0, Moat keys 00:00.0. */
static void query_resp_of_another_function_is_refused(void **state)
{
	const char *stage = NULL;

	(void)state;
	F.tdev->devfn = 0x08;
	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage),
			 -E_PROTO);
	assert_string_equal(stage, "IDE_KM");
	assert_true(test_log_has("IDE_KM QUERY_RESP names 0000:00:01.0, not the function keyed "
				 "(0000:00:00.0)"));
	assert_int_equal(F.tdev->nkey_prog, 0); /* refused before any key was sent */
	assert_int_equal(F.dev.end_sessions, 1);
	F.tdev->devfn = 0;
	F.tdev->segment = 1; /* the right Bus/Dev/Func on another segment */
	assert_int_equal(tsm_connect(&F.d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage),
			 -E_PROTO);
	assert_int_equal(F.tdev->nkey_prog, 0);
}

/* moat.tsm.reset=reconnect: a VM reset gets a new session and new keys, the TDI stays the VM's;
 * at power-off and for an unassigned device, the ordered disconnect. */
static void vm_reset_reconnects_when_the_policy_says_so(void **state)
{
	struct tsm_dev *d = tsm_dev_slot();
	const char *stage = NULL;

	(void)state;
	assert_non_null(d);
	assert_int_equal(tsm_parse_reset("reconnect", &F.pol), 0);
	assert_int_equal(tsm_connect(d, &F.st.devs[0], &F.pol, &F.cfg, key_rng, &stage), 0);
	tsm_dev_commit();
	assert_int_equal(tdi_assign(&d->tdi, 1, &vm_ops), 0);
	assert_int_equal(tdi_bind(&d->tdi, 1), 0);
	assert_int_equal(tdi_unbind(&d->tdi, 1), 0); /* the VM layer's teardown at reset */
	assert_int_equal(tsm_vm_reset(&d->tdi), 0);
	assert_true(test_log_has("disconnected (VM reset): K_SET_STOP x6, END_SESSION"));
	assert_true(test_log_has("0000:00:00.0: reconnected: session 0x"));
	assert_int_equal(F.tdev->nkey_prog, 12);
	assert_int_equal(F.dev.end_sessions, 1);
	assert_true(d->pd.connected);
	assert_int_equal(d->tdi.vm, 1);
	assert_int_equal(tdi_bind(&d->tdi, 1), 0); /* usable again */
	/* keep: nothing happens */
	F.pol.reconnect_on_reset = false;
	assert_int_equal(tdi_unbind(&d->tdi, 1), 0);
	assert_int_equal(tsm_vm_reset(&d->tdi), 0);
	assert_int_equal(F.dev.end_sessions, 1);
	/* a TDI the TSM did not connect is left alone */
	assert_int_equal(tsm_vm_reset(&F.d.tdi), 0);
	/* a device no VM was given leaves at the end of the VM build */
	assert_int_equal(tdi_vm_teardown(&d->tdi, 1), 0);
	tsm_disconnect_unassigned();
	assert_true(test_log_has("0000:00:00.0: disconnected (assigned to no VM): K_SET_STOP x6, "
				 "END_SESSION"));
	assert_false(d->pd.connected);
	tsm_disconnect_all("power-off"); /* nothing left connected */
	assert_int_equal(F.dev.end_sessions, 2);
}

/* ---- a device below a root port, both with the IDE capability ------------------------------ */

static unsigned rp_slot(u8 sub)
{
	return (unsigned)((sub >> 4) * 2 + ((sub & IDE_KM_KS_TX) ? 1 : 0));
}

static int rp_key_prog(const struct pci_dev *rp, u8 stream_id, u8 sub, const u8 *key, const u8 *ifv)
{
	assert_ptr_equal(rp, &F.st.devs[0]);
	assert_int_equal(stream_id, 2);
	assert_int_equal(ifv[7], 1);
	memcpy(F.rp_key[rp_slot(sub)], key, IDE_KM_KEY_BYTES);
	F.rp_key_progs++;
	return 0;
}

static int rp_key_go(const struct pci_dev *rp, u8 stream_id, u8 sub)
{
	(void)rp;
	(void)stream_id;
	F.rp_keys_go |= (u16)(1u << rp_slot(sub));
	return 0;
}

static int rp_key_stop(const struct pci_dev *rp, u8 stream_id, u8 sub)
{
	(void)rp;
	(void)stream_id;
	if ((pm_ide_sel_read(F.ep_fn, 0, 0x04) | pm_ide_sel_read(F.rp_fn, 0, 0x04)) & 1)
		F.stop_saw_enable = true;
	F.rp_keys_go &= (u16) ~(1u << rp_slot(sub));
	F.rp_stops++;
	return 0;
}

static const struct tsm_ide_rp_ops rp_ops = { rp_key_prog, rp_key_go, rp_key_stop };

/* 6.33.4: a port's stream is Secure once it holds started keys for both directions. */
static bool ep_keys_ready(void *ctx, uint8_t id)
{
	(void)ctx;
	return F.tdev->stream_id == id && (F.tdev->keys_go & 0x555) == 0x555;
}

static bool rp_keys_ready(void *ctx, uint8_t id)
{
	(void)ctx;
	return id == 2 && F.rp_keys_go == 0x3f;
}

static void link_build(void)
{
	struct plat_ecam e = { .base = { ECAM_BASE },
			       .size = 2ull << 20,
			       .bus_end = 1,
			       .mem32 = { { MEM32 }, 0x1000000 } };

	pm_init(&F.model, ECAM_BASE, 0, 1);
	pm_fn_pcie(F.rp_fn, false);
	pm_fn_pcie_type(F.rp_fn, 4);
	pm_fn_ide(F.rp_fn, &F.rp_ide);
	pm_fn_pcie(F.ep_fn, true);
	pm_fn_doe(F.ep_fn, &F.doe);
	pm_fn_bar(F.ep_fn, 0, 0x4000, true);
	if (F.ep_bar2)
		pm_fn_bar(F.ep_fn, 2, F.ep_bar2, false);
	pm_fn_ide(F.ep_fn, &F.ep_ide);
	pm_bridge_add(F.rp_fn, F.ep_fn);
	pm_add_root(&F.model, F.rp_fn);
	assert_int_equal(pm_attach(&F.model), 0);
	assert_int_equal(pci_host_init(&F.host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_int_equal(pci_enumerate(&F.st, &F.host), 0);
	assert_int_equal(F.st.ndevs, 2);
}

static int setup_link(void **state)
{
	char dir[256];

	(void)state;
	test_log_capture();
	memset(&F, 0, sizeof(F));
	setenv("DEVEMU_TDISP", "bar0=0x10000000:0x4000,bdf=01:00.0", 1);
	F.tdev = devemu_tdisp_reset();
	snprintf(dir, sizeof(dir), "%s/p384", spdm_stack_pki_dir());
	assert_int_equal(devemu_init(&F.dev, dir, DEVEMU_FAULT_NONE), 0);
	pm_doe_init(&F.doe, spdm_stack_doe, &F.dev);
	F.rp_fn = pm_fn_new(0, 0x1b36, 0x000c, 0x060400, true);
	F.ep_fn = pm_fn_new(0, 0x1b36, 0x0010, 0x010802, false);
	/* The device's capability matches what its IDE_KM QUERY_RESP reports (0x00000042). */
	F.ep_ide = (struct pm_ide){ .selective = true, .nsel = 1, .naddr = { 1 } };
	F.rp_ide = (struct pm_ide){ .selective = true, .nsel = 2, .naddr = { 1, 2 } };
	F.ep_ide.keys_ready = ep_keys_ready;
	F.rp_ide.keys_ready = rp_keys_ready;
	F.cfg.rng = spdm_stack_rng;
	load_anchor();
	F.pol.ide = TSM_IDE_ON;
	F.pol.ide_stream = 2;
	tsm_ide_set_rp_ops(&rp_ops);
	return 0;
}

static int teardown_link(void **state)
{
	tsm_ide_set_rp_ops(NULL);
	return teardown(state);
}

static struct pci_dev *link_ep(void)
{
	return &F.st.devs[1];
}

static int link_connect(void)
{
	const char *stage = NULL;
	int err = tsm_connect(&F.d, link_ep(), &F.pol, &F.cfg, key_rng, &stage);

	if (err)
		print_message("connect refused at %s: %s\n", stage, err_str(err));
	return err;
}

static void link_stream_is_secure_at_both_ends(void **state)
{
	char line[160];

	(void)state;
	link_build();
	assert_int_equal(link_connect(), 0);
	assert_int_equal(F.d.ide.link, TSM_IDE_LINK_SECURE);
	assert_int_equal(F.rp_key_progs, 6);
	assert_int_equal(F.rp_keys_go, 0x3f);
	/* the same stream at both ends: ID 2, RIDs 01:00.0-7, the device's BAR (1 MiB granule) */
	assert_int_equal(pm_ide_sel_read(F.ep_fn, 0, 0x04), 0x02400001u); /* + default stream */
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x04), 0x02000001u);
	for (int i = 0; i < 2; i++) {
		struct pm_fn *f = i ? F.rp_fn : F.ep_fn;

		assert_int_equal(pm_ide_sel_read(f, 0, 0x0c), 0x010700u);
		assert_int_equal(pm_ide_sel_read(f, 0, 0x10), 0x010001u);
		assert_int_equal(pm_ide_sel_read(f, 0, 0x14), 0x10010001u);
		assert_int_equal(pm_ide_sel_read(f, 0, 0x08) & 0xf, 2); /* Secure */
	}
	assert_int_equal(F.rp_ide.assoc_writes_while_enabled + F.ep_ide.assoc_writes_while_enabled,
			 0);
	tsm_ide_describe(&F.d.ide, line, sizeof(line));
	assert_non_null(strstr(line, "Secure at both ends"));
	(void)tsm_disconnect(&F.d, "test");
	/* Enable cleared at both ends before any key was stopped */
	assert_false(F.stop_saw_enable);
	assert_int_equal(F.rp_stops, 6);
	assert_int_equal(F.tdev->keys_go, 0);
	assert_int_equal(pm_ide_sel_read(F.ep_fn, 0, 0x04) & 1, 0);
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x04) & 1, 0);
}

static void lost_session_still_disables_the_link(void **state)
{
	(void)state;
	link_build();
	assert_int_equal(link_connect(), 0);
	assert_int_equal(F.d.ide.link, TSM_IDE_LINK_SECURE);
	spdm_reset(&F.d.spdm); /* the session is gone: the device's keys are out of reach */
	F.d.pd.connected = false;
	(void)tsm_disconnect(&F.d, "test");
	assert_int_equal(pm_ide_sel_read(F.ep_fn, 0, 0x04) & 1, 0);
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x04) & 1, 0);
	assert_false(F.stop_saw_enable);
	assert_int_equal(F.rp_keys_go, 0); /* the platform hook needs no session */
	assert_int_equal(F.tdev->nstop_keys, 0);
	assert_false(test_log_has("secure session lost"));
}

static void address_association_covers_every_bar(void **state)
{
	(void)state;
	F.ep_bar2 = 0x200000;  /* BAR2 at 0x10200000, a granule away from BAR0's */
	F.rp_ide.naddr[0] = 2; /* the root port can associate both ranges separately */
	link_build();
	assert_int_equal(F.st.devs[1].bar[2], MEM32 + 0x200000);
	assert_int_equal(link_connect(), 0);
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x14), 0x10010001u); /* 0x100-0x100 */
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x20), 0x10310201u); /* 0x102-0x103 */
	/* the device has one association block: the hull 0x10000000-0x103fffff */
	assert_int_equal(pm_ide_sel_read(F.ep_fn, 0, 0x14), 0x10310001u);
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x08) & 0xf, 2);
}

static void adjacent_bars_share_one_association_block(void **state)
{
	(void)state;
	F.ep_bar2 = 0x100000; /* BAR2 at 0x10100000, the granule right after BAR0's */
	F.rp_ide.naddr[0] = 2;
	link_build();
	assert_int_equal(F.st.devs[1].bar[2], MEM32 + 0x100000);
	assert_int_equal(link_connect(), 0);
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x14), 0x10110001u); /* 0x100-0x101 */
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x20), 0);		  /* second: not valid */
}

static void link_stream_never_secure_is_torn_down(void **state)
{
	const char *stage = NULL;

	(void)state;
	F.rp_ide.never_secure = true;
	link_build();
	assert_int_equal(tsm_connect(&F.d, link_ep(), &F.pol, &F.cfg, key_rng, &stage), -E_TIMEOUT);
	assert_string_equal(stage, "IDE stream");
	assert_true(test_log_has("stream 2: not Secure within 10 ms (device state 2, root port "
				 "state 0)"));
	assert_false(F.d.pd.connected);
	assert_false(F.stop_saw_enable);
	assert_int_equal(pm_ide_sel_read(F.ep_fn, 0, 0x04) & 1, 0);
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x04) & 1, 0);
	assert_int_equal(pm_ide_sel_read(F.rp_fn, 0, 0x10) & 1, 0); /* association invalid */
	assert_int_equal(F.tdev->keys_go, 0);
	assert_int_equal(F.rp_keys_go, 0);
	assert_int_equal(F.d.spdm.state, SPDM_STATE_NONE);
}

static void overflowing_capability_is_refused_before_anything_is_written(void **state)
{
	const char *stage = NULL;

	(void)state;
	link_build();
	/* 256 streams, the first with 15 address blocks: past the end of config space */
	F.ep_fn->cfg[F.ep_ide.sel_off[0]] = 0xf;
	F.ep_fn->cfg[F.ep_ide.off + 6] = 0xff;
	assert_int_equal(tsm_connect(&F.d, link_ep(), &F.pol, &F.cfg, key_rng, &stage), -E_RANGE);
	assert_string_equal(stage, "IDE capability");
	assert_int_equal(F.ep_ide.writes + F.rp_ide.writes, 0);
	assert_int_equal(F.tdev->nkey_prog + F.rp_key_progs, 0);
	assert_false(F.d.pd.connected);
	assert_true(test_log_has("device IDE capability refused: out of range"));
}

static void without_a_root_port_hook_keys_stay_device_side(void **state)
{
	char line[200];
	const char *stage = NULL;

	(void)state;
	tsm_ide_set_rp_ops(NULL);
	link_build();
	assert_int_equal(link_connect(), 0);
	assert_int_equal(F.d.ide.link, TSM_IDE_LINK_DEV_ONLY);
	assert_int_equal(F.tdev->keys_go, 0x555);
	assert_int_equal(F.ep_ide.writes + F.rp_ide.writes, 0);
	tsm_ide_describe(&F.d.ide, line, sizeof(line));
	assert_string_equal(line, "IDE stream 2: link mode device-side keys only (K0: 6 keys over "
				  "IDE_KM, K_SET_GO; no stream enabled: no platform hook programs "
				  "the root port's keys)");
	(void)tsm_disconnect(&F.d, "test");
	/* the policy may require the link stream instead */
	assert_int_equal(tsm_parse_ide("2:link", &F.pol), 0);
	assert_int_equal(tsm_connect(&F.d, link_ep(), &F.pol, &F.cfg, key_rng, &stage), -E_NOTSUP);
	assert_true(test_log_has("policy requires a link stream"));
	assert_false(F.d.pd.connected);
}

static void root_port_without_ide_keys_the_device_only(void **state)
{
	char line[200];

	(void)state;
	F.rp_ide.selective = false; /* build it, then hide it: the walk no longer finds it */
	link_build();
	F.rp_fn->cfg[F.rp_ide.off] = 0x0d; /* ACS now */
	memset(&F.st, 0, sizeof(F.st));
	assert_int_equal(pci_enumerate(&F.st, &F.host), 0);
	assert_int_equal(F.st.devs[0].ide_cap, 0);
	assert_int_equal(link_connect(), 0);
	tsm_ide_describe(&F.d.ide, line, sizeof(line));
	assert_non_null(strstr(line, "the root port has no IDE capability"));
	assert_int_equal(F.rp_key_progs, 0);
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
		cmocka_unit_test_setup_teardown(spdm_faults_refuse_at_their_stage, setup, teardown),
		cmocka_unit_test_setup_teardown(refusal_inside_the_session_still_ends_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ide_km_error_keeps_the_session_for_the_clean_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(disconnect_is_ordered, setup, teardown),
		cmocka_unit_test_setup_teardown(policy_refusal_after_the_session_ends_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(query_resp_of_another_function_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(vm_reset_reconnects_when_the_policy_says_so, setup,
						teardown),
		cmocka_unit_test_setup_teardown(link_stream_is_secure_at_both_ends, setup_link,
						teardown_link),
		cmocka_unit_test_setup_teardown(address_association_covers_every_bar, setup_link,
						teardown_link),
		cmocka_unit_test_setup_teardown(adjacent_bars_share_one_association_block,
						setup_link, teardown_link),
		cmocka_unit_test_setup_teardown(lost_session_still_disables_the_link, setup_link,
						teardown_link),
		cmocka_unit_test_setup_teardown(link_stream_never_secure_is_torn_down, setup_link,
						teardown_link),
		cmocka_unit_test_setup_teardown(
			overflowing_capability_is_refused_before_anything_is_written, setup_link,
			teardown_link),
		cmocka_unit_test_setup_teardown(without_a_root_port_hook_keys_stay_device_side,
						setup_link, teardown_link),
		cmocka_unit_test_setup_teardown(root_port_without_ide_keys_the_device_only,
						setup_link, teardown_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
