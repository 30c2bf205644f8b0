// SPDX-License-Identifier: MIT
/*
 * The SPDM requester end to end: requester -> DOE binding -> DOE driver -> config-space model ->
 * DOE mailbox model -> devemu's responder core, for every message and every devemu fault
 * switch (each refused with its specific reason and no half-established state), plus scripted
 * hostile responses the responder would never send.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cpu.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "test_util.h"

#include "spdm_stack.h"

#include "../../tools/devemu/devemu_tdisp.h"
#include "core/devop.h"
#include "lib/err.h"

enum stage {
	ST_CONNECT,
	ST_CERT,
	ST_CHALLENGE,
	ST_SESSION,
	ST_MEAS,
	ST_HB,
	ST_KU,
	ST_HB2,
	ST_DONE
};

static const u8 version12[8] = { 0x10, 0x04, 0, 0, 0, 1, 0x00, 0x12 };

static struct {
	struct spdm_stack s;
	u8 meas[1024];
	struct spdm_measurements m;
	void *anchor_der;
} F;

/* Brings up the whole stack with a devemu device using `alg`'s PKI and `fault`. */
static void up(const char *alg, enum devemu_fault fault)
{
	spdm_stack_up(&F.s, alg, fault);
	F.m = (struct spdm_measurements){ .record = F.meas, .record_cap = sizeof(F.meas) };
}

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	memset(&F, 0, sizeof(F));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spdm_reset(&F.s.conn);
	pm_detach(&F.s.model);
	devemu_free(&F.s.dev);
	free(F.anchor_der);
	return 0;
}

/* Runs the boot flow; returns the stage that failed (ST_DONE if none). */
static enum stage flow(struct spdm_conn *c)
{
	if (spdm_connect(c))
		return ST_CONNECT;
	if (spdm_get_certificate(c, 0))
		return ST_CERT;
	if (spdm_challenge(c))
		return ST_CHALLENGE;
	if (spdm_start_session(c))
		return ST_SESSION;
	if (spdm_get_measurements(c, NULL, &F.m))
		return ST_MEAS;
	if (spdm_heartbeat(c))
		return ST_HB;
	if (spdm_key_update(c, true))
		return ST_KU;
	if (spdm_heartbeat(c))
		return ST_HB2;
	return ST_DONE;
}

/* A refused connection keeps nothing: no session, no keys, no transcripts, no key. */
static void assert_wiped(const struct spdm_conn *c)
{
	static const struct spdm_session zero;

	assert_int_equal(c->state, SPDM_STATE_NONE);
	assert_false(c->in_session);
	assert_false(c->hashes_live);
	assert_false(c->leaf_live);
	assert_memory_equal(&c->sess, &zero, sizeof(zero));
}

static void expect_refusal(enum devemu_fault fault, enum stage stage, enum spdm_fail why)
{
	up("p384", fault);
	assert_int_equal(flow(&F.s.conn), stage);
	assert_int_equal(F.s.conn.fail, why);
	assert_wiped(&F.s.conn);
	/* Nothing can be done on the dead connection but starting over. */
	assert_int_equal(spdm_heartbeat(&F.s.conn), -E_STATE);
	assert_int_not_equal(spdm_start_session(&F.s.conn), 0);
}

static void check_leaf_digest(const char *alg)
{
	size_t n;
	u8 *leaf = spdm_stack_pki_file(alg, "leaf.der", &n), d[64];

	if (!strcmp(alg, "p384"))
		mbedtls_sha512_ret(leaf, n, d, 1);
	else
		mbedtls_sha256_ret(leaf, n, d, 0);
	assert_memory_equal(d, F.s.conn.leaf_digest, F.s.conn.hash_len);
	free(leaf);
}

static void full_session_with_p384_device(void **state)
{
	struct spdm_conn *c = &F.s.conn;
	u8 vid[2] = { 0x01, 0x00 }, out[16];
	size_t olen;

	(void)state;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(c), ST_DONE);
	assert_int_equal(c->alg.asym, SPDM_ASYM_ECDSA_P384);
	assert_int_equal(c->alg.hash, SPDM_HASH_SHA384);
	assert_int_equal(c->alg.dhe, SPDM_DHE_SECP384R1);
	assert_int_equal(c->alg.aead, SPDM_AEAD_AES256_GCM);
	assert_int_equal(c->sess.id, 0xcafe0001);
	check_leaf_digest("p384");
	assert_int_equal(F.m.nblocks, 3);
	assert_int_equal(F.s.dev.heartbeats, 2);
	/* Vendor-defined messages in the session (what TDISP and IDE_KM will use). */
	assert_int_equal(
		spdm_vendor_request(c, 3, vid, 2, (const u8 *)"abc", 3, out, sizeof(out), &olen),
		0);
	assert_int_equal(olen, 3);
	assert_memory_equal(out, "cba", 3);
	assert_int_equal(spdm_key_update(c, false), 0);
	assert_int_equal(spdm_get_measurements(c, NULL, &F.m), 0);
	assert_int_equal(spdm_end_session(c), 0);
	assert_int_equal(c->state, SPDM_STATE_AUTHENTICATED);
	/* A second session on the same connection. */
	assert_int_equal(spdm_start_session(c), 0);
	assert_int_equal(c->sess.id, 0xcafe0002);
	assert_int_equal(spdm_heartbeat(c), 0);
	assert_int_equal(spdm_end_session(c), 0);
	assert_string_equal(test_log_text(), "");
}

/* A vendor request made inside a device operation (a guest's TDI call): the DOE waits
 * suspend the operation instead of spinning, and it completes once resumed. */
static struct {
	u8 rsp[64];
	size_t len;
	int err;
} vop;

static void vendor_op(struct devop *op)
{
	static const u8 vid[2] = { 0x01, 0x00 };

	(void)op;
	vop.err = spdm_vendor_request(&F.s.conn, 3, vid, 2, (const u8 *)"tdisp", 5, vop.rsp,
				      sizeof(vop.rsp), &vop.len);
}

static void vendor_messages_wait_without_holding_the_cpu(void **state)
{
	static struct devop op;
	struct spdm_conn *c = &F.s.conn;
	u8 vid[2] = { 0x01, 0x00 }, req[64], rsp[64];
	const u8 *payload;
	size_t qlen, len, plen;
	unsigned suspended = 0;

	(void)state;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(c), ST_DONE);
	F.s.doe.ready_after = 3;
	devop_prepare(&op, vendor_op);
	while (!devop_run(&op))
		assert_true(++suspended < 100);
	assert_int_equal(suspended, 3); /* one suspension per status read that was not ready */
	assert_int_equal(vop.err, 0);
	assert_int_equal(vop.len, 5);
	assert_memory_equal(vop.rsp, "psidt", 5);
	assert_int_equal(spdm_heartbeat(c), 0);
	/* A response whose IDs do not echo the request's fails the connection. */
	assert_int_equal(
		spdm_vendor_build(c, 3, vid, 2, (const u8 *)"tdisp", 5, req, sizeof(req), &qlen),
		0);
	assert_int_equal(spdm_session_exchange(c, req, qlen, rsp, sizeof(rsp), &len), 0);
	assert_int_equal(spdm_vendor_parse(c, req, rsp, len, &payload, &plen), 0);
	assert_int_equal(plen, 5);
	rsp[8] ^= 1;
	assert_int_equal(spdm_vendor_parse(c, req, rsp, len, &payload, &plen), -E_PROTO);
	assert_int_equal(c->fail, SPDM_FAIL_MALFORMED);
	assert_wiped(c);
}

static void full_session_with_p256_device(void **state)
{
	(void)state;
	up("p256", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(&F.s.conn), ST_DONE);
	assert_int_equal(F.s.conn.alg.asym, SPDM_ASYM_ECDSA_P256);
	assert_int_equal(F.s.conn.alg.hash, SPDM_HASH_SHA256);
	assert_int_equal(F.s.conn.alg.dhe, SPDM_DHE_SECP256R1);
	assert_int_equal(F.s.conn.alg.aead, SPDM_AEAD_AES128_GCM);
	check_leaf_digest("p256");
	assert_int_equal(spdm_end_session(&F.s.conn), 0);
}

static void anchor_given_as_certificate(void **state)
{
	(void)state;
	F.anchor_der = spdm_stack_pki_file("p384", "root.der", &F.s.cfg.anchor_len);
	F.s.cfg.anchor_der = F.anchor_der;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(&F.s.conn), ST_DONE);
}

static void foreign_anchor_certificate_refuses_device(void **state)
{
	(void)state;
	F.anchor_der = spdm_stack_pki_file("p384", "rogue_root.der", &F.s.cfg.anchor_len);
	F.s.cfg.anchor_der = F.anchor_der;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(&F.s.conn), ST_CERT);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_CERT_ANCHOR);
	assert_wiped(&F.s.conn);
}

static void measurements_use_the_callers_nonce(void **state)
{
	u8 nonce[32];

	(void)state;
	memset(nonce, 0x5a, sizeof(nonce)); /* the nonce devemu's wrong-nonce fault uses */
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(spdm_connect(&F.s.conn), 0);
	assert_int_equal(spdm_get_certificate(&F.s.conn, 0), 0);
	assert_int_equal(spdm_get_measurements(&F.s.conn, nonce, &F.m), 0);
	assert_int_equal(F.m.nblocks, 3);
}

static void refuses_bad_signature(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_BAD_SIGNATURE, ST_CHALLENGE, SPDM_FAIL_SIGNATURE);
}

static void refuses_wrong_nonce(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_WRONG_NONCE, ST_MEAS, SPDM_FAIL_MEAS_SIGNATURE);
}

static void refuses_truncated_response(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_TRUNCATED, ST_CONNECT, SPDM_FAIL_TRUNCATED);
}

static void refuses_oversized_response(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_OVERSIZED, ST_CERT, SPDM_FAIL_OVERSIZED);
}

static void refuses_wrong_session_id(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_SESSION_ID, ST_SESSION, SPDM_FAIL_SESSION_ID);
}

static void refuses_replayed_record(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_REPLAY, ST_HB, SPDM_FAIL_RECORD);
}

static void refuses_reordered_record(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_REORDER, ST_HB, SPDM_FAIL_RECORD);
}

static void refuses_device_too_slow(void **state)
{
	(void)state;
	u64 t0 = arch_time_ns();
	expect_refusal(DEVEMU_FAULT_SLOW, ST_SESSION, SPDM_FAIL_NOT_READY);
	assert_true(arch_time_ns() - t0 < 1000000000ull); /* refused up front, no 4 s wait */
}

static void refuses_chain_from_another_root(void **state)
{
	(void)state;
	expect_refusal(DEVEMU_FAULT_ROGUE_CHAIN, ST_CERT, SPDM_FAIL_CERT_ANCHOR);
}

/* Outside a session an ERROR answer is the end of the connection. */
static void error_outside_the_session_fails_the_connection(void **state)
{
	(void)state;
	up("p384", DEVEMU_FAULT_ERROR);
	assert_int_equal(spdm_connect(&F.s.conn), 0);
	assert_int_equal(spdm_get_certificate(&F.s.conn, 0), 0);
	assert_int_equal(spdm_get_measurements(&F.s.conn, NULL, &F.m), -E_PROTO);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_ERROR_RSP);
	assert_int_equal(F.s.conn.fail_detail, 0x04);
	assert_int_equal(F.s.conn.fail_request, 0xe0);
	assert_wiped(&F.s.conn);
}

/* DSP0274: inside the session an ERROR is a valid answer to that request: it is refused, the
 * session stays up for what follows. */
static void error_inside_the_session_refuses_only_that_request(void **state)
{
	struct spdm_conn *c = &F.s.conn;

	(void)state;
	up("p384", DEVEMU_FAULT_ERROR);
	assert_int_equal(flow(c), ST_MEAS);
	assert_int_equal(c->state, SPDM_STATE_SESSION);
	assert_int_equal(c->refusal, 0x04); /* UnexpectedRequest */
	assert_int_equal(c->fail, SPDM_FAIL_NONE);
	assert_true(c->in_session);
	assert_int_equal(spdm_heartbeat(c), 0);
	assert_int_equal(spdm_end_session(c), 0);
	assert_int_equal(F.s.dev.end_sessions, 1);
}

static void vendor_error_is_a_refusal_and_decrypt_error_ends_the_session(void **state)
{
	struct spdm_conn *c = &F.s.conn;
	static const u8 vid[2] = { 0x01, 0x00 };
	/* IDE_KM K_SET_GO (protocol 0, object 4): devemu's ide-km-error fault refuses it */
	static const u8 go[8] = { 0x00, 0x04, 0, 0, 0, 0, 0, 1 };
	u8 out[64];
	size_t olen;

	(void)state;
	setenv("DEVEMU_TDISP", "bar0=0x10000000:0x4000", 1);
	(void)devemu_tdisp_reset();
	up("p384", DEVEMU_FAULT_IDE_KM_ERROR);
	assert_int_equal(flow(c), ST_DONE);
	assert_int_equal(spdm_vendor_request(c, 3, vid, 2, go, sizeof(go), out, sizeof(out), &olen),
			 -E_INVAL);
	assert_int_equal(c->refusal, 0x01);
	assert_int_equal(c->state, SPDM_STATE_SESSION);
	assert_int_equal(spdm_vendor_request(c, 3, vid, 2, go, sizeof(go), out, sizeof(out), &olen),
			 0);
	assert_int_equal(c->refusal, 0);
	assert_int_equal(olen, 8);
	/* DecryptError ends the session whatever the request */
	F.s.dev.fault = DEVEMU_FAULT_VDM_DECRYPT;
	assert_int_equal(spdm_vendor_request(c, 3, vid, 2, go, sizeof(go), out, sizeof(out), &olen),
			 -E_PROTO);
	assert_int_equal(c->fail, SPDM_FAIL_ERROR_RSP);
	assert_int_equal(c->fail_detail, 0x06);
	assert_wiped(c);
}

/* ---- versions, algorithms, large messages ------------------------------------------------ */

static void spdm_13_is_chosen_when_both_speak_it(void **state)
{
	struct spdm_conn *c = &F.s.conn;

	(void)state;
	F.s.dev.opt.spdm = 1u << 2 | 1u << 3; /* 1.2 and 1.3 */
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(c), ST_DONE);
	assert_int_equal(c->version, SPDM_VERSION_13);
	assert_int_equal(F.s.dev.version, 0x13);
	assert_int_equal(F.m.nblocks, 3);
	assert_int_equal(spdm_get_measurements(c, NULL, &F.m), 0);
	assert_int_equal(spdm_end_session(c), 0);
	assert_string_equal(test_log_text(), "");
}

static void spdm_13_only_device_connects(void **state)
{
	(void)state;
	F.s.dev.opt.spdm = 1u << 3;
	up("p256", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(&F.s.conn), ST_DONE);
	assert_int_equal(F.s.conn.version, SPDM_VERSION_13);
}

static void no_common_spdm_version_is_refused_naming_the_versions(void **state)
{
	char why[160];

	(void)state;
	F.s.dev.opt.spdm = 1u << 1 | 1u << 0; /* 1.0 and 1.1 */
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(&F.s.conn), ST_CONNECT);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_VERSION);
	assert_wiped(&F.s.conn);
	spdm_fail_describe(&F.s.conn, why, sizeof(why));
	assert_string_equal(why, "no common SPDM version (device offers 1.1, 1.0; Moat speaks "
				 "1.3, 1.2)");
}

static void secured_message_versions_10_to_12_are_accepted(void **state)
{
	static const struct {
		uint16_t dev;
		u16 want;
	} cases[] = {
		{ 1u << 0, SPDM_SM_VERSION_10 },
		{ 1u << 1, SPDM_SM_VERSION_11 },
		{ 1u << 2, SPDM_SM_VERSION_12 },
		{ 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3, SPDM_SM_VERSION_12 }, /* highest common */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&F.s, 0, sizeof(F.s));
		F.s.dev.opt.sm = cases[i].dev;
		up("p384", DEVEMU_FAULT_NONE);
		assert_int_equal(flow(&F.s.conn), ST_DONE);
		assert_int_equal(F.s.conn.sm_version, cases[i].want);
		teardown(NULL);
	}
	memset(&F.s, 0, sizeof(F.s));
	F.s.dev.opt.sm = 1u << 3; /* 1.3 only: devemu refuses KEY_EXCHANGE */
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(&F.s.conn), ST_SESSION);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_ERROR_RSP);
	assert_int_equal(F.s.conn.fail_request, 0xe4);
}

static void sha512_is_negotiated(void **state)
{
	(void)state;
	F.s.dev.opt.hash = 512;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(&F.s.conn), ST_DONE);
	assert_int_equal(F.s.conn.alg.hash, SPDM_HASH_SHA512);
	assert_int_equal(F.s.conn.hash_len, 64);
	assert_int_equal(F.s.conn.alg.meas_hash, 0x8);
	assert_int_equal(spdm_end_session(&F.s.conn), 0);
}

/* A device that takes 64 bytes per message: KEY_EXCHANGE goes as CHUNK_SEND, every larger
 * response (CHALLENGE_AUTH, KEY_EXCHANGE_RSP, MEASUREMENTS) comes back through CHUNK_GET,
 * in the clear and inside the session. */
static void small_data_transfer_size_uses_chunks_both_ways(void **state)
{
	struct spdm_conn *c = &F.s.conn;
	u8 vid[2] = { 0x01, 0x00 }, big[300], out[320];
	size_t olen;

	(void)state;
	F.s.dev.opt.dts = 64;
	F.s.dev.opt.spdm = 1u << 2 | 1u << 3;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(c), ST_DONE);
	assert_true(c->chunk);
	assert_int_equal(c->rsp_dts, 64);
	assert_true(F.s.dev.chunks_in >= 3);
	assert_true(F.s.dev.chunks_out >= 10);
	/* a large vendor-defined request and response inside the session (not IDE_KM or TDISP:
	 * devemu's generic responder returns the payload reversed) */
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (u8)(0x40 + i);
	assert_int_equal(
		spdm_vendor_request(c, 3, vid, 2, big, sizeof(big), out, sizeof(out), &olen), 0);
	assert_int_equal(olen, sizeof(big));
	for (unsigned i = 0; i < sizeof(big); i++)
		assert_int_equal(out[i], big[sizeof(big) - 1 - i]);
	assert_int_equal(spdm_end_session(c), 0);
}

/* A request above SPDM_REQ_MAX (the request buffers' size) is refused before anything is sent:
 * the session goes on and the next request is answered. */
static void request_above_the_request_buffer_is_refused_and_the_session_goes_on(void **state)
{
	struct spdm_conn *c = &F.s.conn;
	static u8 big[SPDM_REQ_MAX + 1], out[SPDM_REQ_MAX + 64];
	u8 vid[2] = { 0x01, 0x00 };
	size_t olen, sent;

	(void)state;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(flow(c), ST_DONE);
	sent = F.s.doe.go_count;
	assert_int_equal(
		spdm_vendor_request(c, 3, vid, 2, big, sizeof(big), out, sizeof(out), &olen),
		-E_RANGE);
	assert_int_equal(spdm_session_exchange(c, big, sizeof(big), out, sizeof(out), &olen),
			 -E_STATE);
	assert_int_equal(F.s.doe.go_count, sent);
	assert_int_equal(c->fail, SPDM_FAIL_NONE);
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (u8)(0x40 + i);
	assert_int_equal(spdm_vendor_request(c, 3, vid, 2, big, 300, out, sizeof(out), &olen), 0);
	assert_int_equal(olen, 300);
	assert_int_equal(spdm_end_session(c), 0);
}

/* ---- certificate validity and extended key usage (spdm/spdm_cert.c policy) -------------- */

static u64 test_now;

static u64 test_clock(void)
{
	return test_now;
}

#define Y2020 1577836800ull /* 2020-01-01 */
#define Y2030 1893456000ull
#define Y2045 2366841600ull
#define Y2200 7258118400ull

/* A chain whose leaf is `leaf` (a variant of tools/devemu/mkpki.sh), the clock at `now`. */
static enum spdm_fail chain_with(const char *leaf, u64 now)
{
	enum spdm_fail f;

	memset(&F.s, 0, sizeof(F.s));
	F.s.dev.opt.leaf = leaf;
	F.s.cfg.clock = test_clock;
	test_now = now;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(spdm_connect(&F.s.conn), 0);
	f = spdm_get_certificate(&F.s.conn, 0) ? F.s.conn.fail : SPDM_FAIL_NONE;
	teardown(NULL);
	return f;
}

/*
 * The policy is Moat's own code, the same in the images (whose mbedTLS has no clock) and here
 * (whose Debian mbedTLS would check dates against the host's time: its verdict is masked).
 */
static void certificate_dates_follow_the_policy(void **state)
{
	(void)state;
	assert_true(spdm_clock_floor() > Y2020);
	/* expired in 2021: refused without a clock (the floor), and with a clock set back */
	assert_int_equal(chain_with("expired", 0), SPDM_FAIL_CERT_TIME);
	assert_int_equal(chain_with("expired", Y2020 + 86400), SPDM_FAIL_CERT_TIME);
	/* valid from 2040: the floor cannot say it is early; a real clock can */
	assert_int_equal(chain_with("future", 0), SPDM_FAIL_NONE);
	assert_int_equal(chain_with("future", Y2030), SPDM_FAIL_CERT_TIME);
	assert_int_equal(chain_with("future", Y2045), SPDM_FAIL_NONE);
	/* the usual chain (issued at build time for a century) */
	assert_int_equal(chain_with(NULL, Y2030), SPDM_FAIL_NONE);
	assert_int_equal(chain_with(NULL, Y2200), SPDM_FAIL_CERT_TIME);
	memset(&F.s, 0, sizeof(F.s));
	up("p384", DEVEMU_FAULT_NONE);
}

static void leaf_extended_key_usage_must_allow_the_responder(void **state)
{
	(void)state;
	assert_int_equal(chain_with("reqeku", 0), SPDM_FAIL_CERT_EKU);
	assert_int_equal(chain_with("rspeku", 0), SPDM_FAIL_NONE);
	memset(&F.s, 0, sizeof(F.s));
	up("p384", DEVEMU_FAULT_NONE);
}

/* Without CHUNK_CAP, a request the device cannot take is refused before it is sent. */
static void too_large_without_chunking_is_refused(void **state)
{
	static u8 caps_small[20] = { 0x12, 0x61, 0,  0, 0, 12, 0,  0, 0xd6, 0x62,
				     0,	   0,	 42, 0, 0, 0,  42, 0, 0,    0 };
	struct spdm_script s = { .rsp = { version12, caps_small }, .len = { 8, 20 }, .n = 2 };
	struct spdm_transport tp = { .exchange = spdm_script_exchange, .ctx = &s, .align = 4 };
	struct spdm_config cfg = { .rng = spdm_stack_rng };

	(void)state;
	spdm_init(&F.s.conn, &tp, &cfg);
	/* NEGOTIATE_ALGORITHMS is 48 bytes: more than 42 */
	assert_int_equal(spdm_connect(&F.s.conn), -E_RANGE);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_TOO_LARGE);
	assert_int_equal(s.i, 2);
}

static void waits_for_a_device_not_ready_once(void **state)
{
	(void)state;
	up("p384", DEVEMU_FAULT_NOT_READY_ONCE);
	u64 t0 = arch_time_ns();
	assert_int_equal(flow(&F.s.conn), ST_DONE);
	assert_true(arch_time_ns() - t0 >= 1024 * 1000ull); /* RDT = 2^10 us */
}

static void operations_out_of_order_are_refused(void **state)
{
	(void)state;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(spdm_heartbeat(&F.s.conn), -E_STATE);
	assert_int_equal(spdm_start_session(&F.s.conn), -E_STATE);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_STATE);
	assert_int_equal(spdm_connect(&F.s.conn), 0);
	assert_int_equal(spdm_challenge(&F.s.conn), -E_STATE);
	assert_int_equal(spdm_connect(&F.s.conn), 0); /* GET_VERSION starts over cleanly */
	assert_int_equal(flow(&F.s.conn), ST_DONE);
}

static void dead_mailbox_fails_the_transport(void **state)
{
	(void)state;
	host_time_step_ns = 100000;
	up("p384", DEVEMU_FAULT_NONE);
	assert_int_equal(spdm_connect(&F.s.conn), 0);
	F.s.doe.never_ready = true;
	assert_int_equal(spdm_get_certificate(&F.s.conn, 0), -E_TIMEOUT);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_TRANSPORT);
	assert_wiped(&F.s.conn);
	host_time_step_ns = 1000;
}

/* ---- scripted hostile responder --------------------------------------------------------- */

static const u8 caps_ok[20] = { 0x12, 0x61, 0, 0, 0, 12, 0, 0, 0xd6, 0x62,
				0,    0,    0, 4, 0, 0,	 0, 4, 0,    0 };

static enum spdm_fail run_script(struct spdm_script *s)
{
	struct spdm_transport tp = { .exchange = spdm_script_exchange, .ctx = s, .align = 4 };
	struct spdm_config cfg = { .rng = spdm_stack_rng };

	spdm_init(&F.s.conn, &tp, &cfg);
	assert_int_not_equal(spdm_connect(&F.s.conn), 0);
	assert_wiped(&F.s.conn);
	return F.s.conn.fail;
}

static void refuses_hostile_negotiation(void **state)
{
	static const u8 v10_only[8] = { 0x10, 0x04, 0, 0, 0, 1, 0x00, 0x10 };
	static const u8 v_zero[6] = { 0x10, 0x04, 0, 0, 0, 0 };
	static const u8 v_short[8] = { 0x10, 0x04, 0, 0, 0, 3, 0x00, 0x12 };
	static const u8 caps_no_kex[20] = { 0x12, 0x61, 0, 0, 0, 12, 0, 0, 0x16, 0,
					    0,	  0,	0, 4, 0, 0,  0, 4, 0,	 0 };
	u8 algs[52] = { 0x12, 0x63, 4, 0, 52, 0, 1, 2, 2, 0, 0, 0, 0x90, 0, 0, 0, 2, 0, 0, 0 };

	(void)state;
	assert_int_equal(
		run_script(&(struct spdm_script){ .rsp = { v10_only }, .len = { 8 }, .n = 1 }),
		SPDM_FAIL_VERSION);
	assert_int_equal(
		run_script(&(struct spdm_script){ .rsp = { v_zero }, .len = { 6 }, .n = 1 }),
		SPDM_FAIL_MALFORMED);
	assert_int_equal(
		run_script(&(struct spdm_script){ .rsp = { v_short }, .len = { 8 }, .n = 1 }),
		SPDM_FAIL_TRUNCATED);
	assert_int_equal(run_script(&(struct spdm_script){
				 .rsp = { version12, caps_no_kex }, .len = { 8, 20 }, .n = 2 }),
			 SPDM_FAIL_CAPS);
	/* BaseAsymSel with two bits set (0x90): not a selection. */
	memcpy(algs + 36, (u8[]){ 2, 0x20, 0x10, 0, 3, 0x20, 2, 0, 4, 0x20, 0, 0, 5, 0x20, 1, 0 },
	       16);
	assert_int_equal(run_script(&(struct spdm_script){ .rsp = { version12, caps_ok, algs },
							   .len = { 8, 20, 52 },
							   .n = 3 }),
			 SPDM_FAIL_ALGO);
	/* Length field that disagrees with the table count. */
	algs[12] = 0x80;
	algs[4] = 60;
	assert_int_equal(run_script(&(struct spdm_script){ .rsp = { version12, caps_ok, algs },
							   .len = { 8, 20, 52 },
							   .n = 3 }),
			 SPDM_FAIL_MALFORMED);
}

/* VCA for ECDSA P-256 / SHA-256 / secp256r1 / AES-128-GCM, then the scripted responses. */
static const u8 algs_p256[48] = {
	0x12, 0x63, 3, 0, 48, 0, 1, 2, 2, 0, 0, 0, 0x10, 0,    0, 0, 1, 0,    0, 0, 0, 0,    0, 0,
	0,    0,    0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 2,	 0x20, 8, 0, 3, 0x20, 1, 0, 5, 0x20, 1, 0
};

static enum spdm_fail run_cert_script(const u8 *const *rsp, const size_t *len, unsigned n)
{
	struct spdm_script s = { .rsp = { version12, caps_ok, algs_p256 },
				 .len = { 8, 20, 48 },
				 .n = 3 };
	struct spdm_transport tp = { .exchange = spdm_script_exchange, .ctx = &s, .align = 4 };
	struct spdm_config cfg = { .rng = spdm_stack_rng, .anchor_digest_len = 32 };

	for (unsigned i = 0; i < n; i++) {
		s.rsp[3 + i] = rsp[i];
		s.len[3 + i] = len[i];
	}
	s.n += n;
	spdm_init(&F.s.conn, &tp, &cfg);
	assert_int_equal(spdm_connect(&F.s.conn), 0);
	assert_int_not_equal(spdm_get_certificate(&F.s.conn, 0), 0);
	assert_wiped(&F.s.conn);
	return F.s.conn.fail;
}

static void refuses_hostile_certificate_responses(void **state)
{
	static u8 dig[36] = { 0x12, 0x01, 0, 1 }, dig_no_slot0[36] = { 0x12, 0x01, 0, 2 };
	static u8 big[8 + 16] = { 0x12, 0x02, 0, 0, 16, 0, 0xf1, 0x0f };  /* total 4096+ */
	static u8 first[8 + 16] = { 0x12, 0x02, 0, 0, 16, 0, 24, 0, 40 }; /* total 40 */
	static u8 moved[8 + 8] = { 0x12, 0x02, 0, 0, 8, 0, 24, 0 };	  /* now total 48 */
	static u8 too_long[8 + 16] = { 0x12, 0x02, 0, 0, 16, 0, 0, 0 };	  /* says 16, carries 12 */
	static u8 done[8 + 24] = { 0x12, 0x02, 0, 0, 24, 0, 0, 0 };	  /* the rest */

	(void)state;
	assert_int_equal(run_cert_script((const u8 *[]){ dig_no_slot0 }, (size_t[]){ 36 }, 1),
			 SPDM_FAIL_CAPS);
	assert_int_equal(run_cert_script((const u8 *[]){ dig, big }, (size_t[]){ 36, 24 }, 2),
			 SPDM_FAIL_OVERSIZED);
	assert_int_equal(
		run_cert_script((const u8 *[]){ dig, first, moved }, (size_t[]){ 36, 24, 16 }, 3),
		SPDM_FAIL_MALFORMED);
	assert_int_equal(run_cert_script((const u8 *[]){ dig, too_long }, (size_t[]){ 36, 20 }, 2),
			 SPDM_FAIL_TRUNCATED);
	/* A complete 40-byte "chain" whose hash is not the digest announced (all zero). */
	assert_int_equal(
		run_cert_script((const u8 *[]){ dig, first, done }, (size_t[]){ 36, 24, 32 }, 3),
		SPDM_FAIL_DIGEST);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(full_session_with_p384_device),
		T(vendor_messages_wait_without_holding_the_cpu),
		T(full_session_with_p256_device),
		T(anchor_given_as_certificate),
		T(foreign_anchor_certificate_refuses_device),
		T(measurements_use_the_callers_nonce),
		T(refuses_bad_signature),
		T(refuses_wrong_nonce),
		T(refuses_truncated_response),
		T(refuses_oversized_response),
		T(refuses_wrong_session_id),
		T(refuses_replayed_record),
		T(refuses_reordered_record),
		T(refuses_device_too_slow),
		T(refuses_chain_from_another_root),
		T(error_outside_the_session_fails_the_connection),
		T(error_inside_the_session_refuses_only_that_request),
		T(vendor_error_is_a_refusal_and_decrypt_error_ends_the_session),
		T(spdm_13_is_chosen_when_both_speak_it),
		T(spdm_13_only_device_connects),
		T(no_common_spdm_version_is_refused_naming_the_versions),
		T(secured_message_versions_10_to_12_are_accepted),
		T(sha512_is_negotiated),
		T(small_data_transfer_size_uses_chunks_both_ways),
		T(too_large_without_chunking_is_refused),
		T(request_above_the_request_buffer_is_refused_and_the_session_goes_on),
		T(certificate_dates_follow_the_policy),
		T(leaf_extended_key_usage_must_allow_the_responder),
		T(waits_for_a_device_not_ready_once),
		T(operations_out_of_order_are_refused),
		T(dead_mailbox_fails_the_transport),
		T(refuses_hostile_negotiation),
		T(refuses_hostile_certificate_responses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
