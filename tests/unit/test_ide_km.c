// SPDX-License-Identifier: MIT
/*
 * IDE_KM known answers (PCIe 6.x 6.33.3): every message Moat builds or parses, written out byte
 * by byte from the specification's message tables, never from the layout in tsm/ide_km.h.
 * Each vector is checked three ways, independently: against Moat's codec (tsm/ide_km.c), against
 * the device model (tests/models/tdisp_dev, IDE_KM payload only), and against devemu inside a
 * real SPDM session (the whole PCI-SIG vendor-defined message, envelope included).
 *
 * Sizes after the Protocol ID: QUERY 3, KEY_PROG 47 (7 header bytes, 8 DW key, 2 DW IFV),
 * KP_ACK / K_SET_GO / K_SET_STOP / K_GOSTOP_ACK 7.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "spdm_stack.h"

#include "../../tools/devemu/devemu_tdisp.h"
#include "lib/err.h"
#include "tsm/ide_km.h"

/* KEY_PROG for stream 5, key set K0, TX, NPR (KeySubStream 0x12), port 1, key bytes 00..1f in
 * AES order, initial IFV (PCIe IV = 00000000h || IFV, IFV = 1). */
static const u8 v_key_prog[47] = {
	0x02, 0x00, 0x00, 0x05, 0x00, 0x12, 0x01,
	/* Key DW0..DW7: each DW holds four AES key bytes, the first in bits 31:24 */
	0x03, 0x02, 0x01, 0x00, 0x07, 0x06, 0x05, 0x04, 0x0b, 0x0a, 0x09, 0x08, 0x0f, 0x0e, 0x0d,
	0x0c, 0x13, 0x12, 0x11, 0x10, 0x17, 0x16, 0x15, 0x14, 0x1b, 0x1a, 0x19, 0x18, 0x1f, 0x1e,
	0x1d, 0x1c,
	/* IFV DW1 = IV bytes 4..7 (0), IFV DW0 = IV bytes 8..11 (1) */
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00
};
static const u8 v_kp_ack[7] = { 0x03, 0x00, 0x00, 0x05, 0x00, 0x12, 0x01 };
static const u8 v_kp_ack_bad_length[7] = { 0x03, 0x00, 0x00, 0x05, 0x01, 0x12, 0x01 };
static const u8 v_k_set_go[7] = { 0x04, 0x00, 0x00, 0x05, 0x00, 0x12, 0x01 };
static const u8 v_k_set_stop[7] = { 0x05, 0x00, 0x00, 0x05, 0x00, 0x12, 0x01 };
static const u8 v_k_gostop_ack[7] = { 0x06, 0x00, 0x00, 0x05, 0x00, 0x12, 0x01 };
static const u8 v_query[3] = { 0x00, 0x00, 0x01 };
/* QUERY_RESP of port 1 of function 00:01.0 (Dev/Func 08h, Bus 0, Segment 0), MaxPortIndex 1,
 * then the IDE capability image: IDE Capability (selective IDE, IDE_KM, one selective stream),
 * IDE Control, and selective stream 0's Capability (one address association block), Control,
 * Status, RID Association 1 and 2, Address Association 1 to 3. */
static const u8 v_query_resp[7 + 40] = {
	0x01, 0x00, 0x01, 0x08, 0x00, 0x00, 0x01,	/* head */
	0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* IDE Capability, IDE Control */
	0x01, 0x00, 0x00, 0x00,				/* stream 0 Capability */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

/* The PCI-SIG vendor-defined envelope (DSP0274 VENDOR_DEFINED_REQUEST/RESPONSE; PCIe 6.x
 * 6.31.4): SPDM 1.2 header, StandardID 0003h (PCI-SIG), VendorIDLen 2, VendorID 0001h,
 * PayloadLength, Protocol ID 00h (IDE_KM). */
static const u8 v_vdm_req_hdr[4 + 2 + 1 + 2] = { 0x12, 0xfe, 0x00, 0x00, 0x03,
						 0x00, 0x02, 0x01, 0x00 };
static const u8 v_vdm_rsp_hdr[4 + 2 + 1 + 2] = { 0x12, 0x7e, 0x00, 0x00, 0x03,
						 0x00, 0x02, 0x01, 0x00 };

static const struct ide_km_slot v_slot = { .stream_id = 5,
					   .key_sub_stream = IDE_KM_SUB_NPR | IDE_KM_KS_TX,
					   .port_index = 1 };

static void v_key(u8 key[IDE_KM_KEY_BYTES], u8 ifv[IDE_KM_IFV_BYTES])
{
	for (unsigned i = 0; i < IDE_KM_KEY_BYTES; i++)
		key[i] = (u8)i;
	memset(ifv, 0, IDE_KM_IFV_BYTES);
	ifv[7] = 1;
}

/* ---- Moat's codec ---------------------------------------------------------------------------- */

static void codec_builds_the_vectors(void **state)
{
	u8 key[IDE_KM_KEY_BYTES], ifv[IDE_KM_IFV_BYTES], buf[64];

	(void)state;
	v_key(key, ifv);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ide_km_build_key_prog(buf, sizeof(buf), &v_slot, key, ifv), 47);
	assert_memory_equal(buf, v_key_prog, sizeof(v_key_prog));
	assert_int_equal(buf[47], 0xee); /* not one byte more */
	assert_int_equal(ide_km_build_gostop(buf, sizeof(buf), &v_slot, true), 7);
	assert_memory_equal(buf, v_k_set_go, 7);
	assert_int_equal(ide_km_build_gostop(buf, sizeof(buf), &v_slot, false), 7);
	assert_memory_equal(buf, v_k_set_stop, 7);
	assert_int_equal(ide_km_build_query(buf, sizeof(buf), 1), 3);
	assert_memory_equal(buf, v_query, 3);
}

static void codec_parses_the_vectors(void **state)
{
	struct ide_km_query_resp q;
	u8 longer[8];

	(void)state;
	assert_int_equal(ide_km_parse_kp_ack(v_kp_ack, sizeof(v_kp_ack), &v_slot), 0);
	assert_int_equal(ide_km_parse_kp_ack(v_kp_ack_bad_length, 7, &v_slot), -E_PROTO);
	assert_int_equal(ide_km_parse_gostop_ack(v_k_gostop_ack, 7, &v_slot), 0);
	/* one byte more than the table is not an acknowledgement */
	memcpy(longer, v_kp_ack, 7);
	longer[7] = 0;
	assert_int_equal(ide_km_parse_kp_ack(longer, 8, &v_slot), -E_PROTO);
	memcpy(longer, v_k_gostop_ack, 7);
	assert_int_equal(ide_km_parse_gostop_ack(longer, 8, &v_slot), -E_PROTO);
	assert_int_equal(ide_km_parse_query_resp(v_query_resp, sizeof(v_query_resp), 1, &q), 0);
	assert_int_equal(q.dev_func, 0x08);
	assert_int_equal(q.bus, 0);
	assert_int_equal(q.segment, 0);
	assert_int_equal(q.max_port_index, 1);
	assert_int_equal(q.nregs, 10);
	assert_int_equal(q.regs[0], 0x00000042);
	assert_int_equal(q.regs[2], 0x00000001);
	assert_int_equal(ide_km_selective_streams(&q), 1);
}

/* ---- the device model -------------------------------------------------------------------------- */

static void model_answers_the_vectors(void **state)
{
	struct tdev d;
	u8 rsp[128], longer[48];
	size_t n;

	(void)state;
	tdev_init(&d, 1);
	d.devfn = 0x08;
	assert_int_equal(tdev_handle(&d, 0, v_query, sizeof(v_query), rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 7 + 40);
	assert_memory_equal(rsp, v_query_resp, sizeof(v_query_resp));
	assert_int_equal(tdev_handle(&d, 0, v_key_prog, 47, rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(rsp, v_kp_ack, 7);
	assert_int_equal(d.nkey_prog, 1);
	/* a 48-byte KEY_PROG (the old off-by-one) is "incorrect length" */
	memcpy(longer, v_key_prog, 47);
	longer[47] = 0;
	assert_int_equal(tdev_handle(&d, 0, longer, 48, rsp, sizeof(rsp), &n), 0);
	assert_memory_equal(rsp, v_kp_ack_bad_length, 7);
	assert_int_equal(d.nkey_prog, 1);
	assert_int_equal(tdev_handle(&d, 0, v_k_set_go, 7, rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(rsp, v_k_gostop_ack, 7);
	assert_int_equal(d.keys_go, 1u << (1 * 4 + 2)); /* NPR, TX, K0 */
	assert_int_equal(tdev_handle(&d, 0, v_k_set_stop, 7, rsp, sizeof(rsp), &n), 0);
	assert_memory_equal(rsp, v_k_gostop_ack, 7);
	assert_int_equal(d.keys_go, 0);
}

/* ---- devemu, through a real session ------------------------------------------------------------ */

static struct spdm_stack S;

static int setup_devemu(void **state)
{
	struct spdm_conn *c = &S.conn;
	u8 m[1024];
	struct spdm_measurements meas = { .record = m, .record_cap = sizeof(m) };

	(void)state;
	test_log_capture();
	memset(&S, 0, sizeof(S));
	setenv("DEVEMU_TDISP", "bar0=0x10000000:0x4000,bdf=00:01.0", 1);
	(void)devemu_tdisp_reset();
	spdm_stack_up(&S, "p384", DEVEMU_FAULT_NONE);
	assert_int_equal(spdm_connect(c), 0);
	assert_int_equal(spdm_get_certificate(c, 0), 0);
	assert_int_equal(spdm_start_session(c), 0);
	assert_int_equal(spdm_get_measurements(c, NULL, &meas), 0);
	return 0;
}

static int teardown_devemu(void **state)
{
	(void)state;
	spdm_reset(&S.conn);
	pm_detach(&S.model);
	devemu_free(&S.dev);
	return 0;
}

/* One IDE_KM message in its envelope, written out, sent as is; the response must be exactly
 * the expected answer in its envelope. */
static void devemu_exchange(const u8 *msg, size_t len, const u8 *want, size_t want_len)
{
	u8 req[128], rsp[128], exp[128];
	size_t n, rlen;

	memcpy(req, v_vdm_req_hdr, sizeof(v_vdm_req_hdr));
	req[9] = (u8)(1 + len); /* PayloadLength, LE: Protocol ID + message */
	req[10] = 0;
	req[11] = 0x00; /* Protocol ID: IDE_KM */
	memcpy(req + 12, msg, len);
	n = 12 + len;
	memcpy(exp, v_vdm_rsp_hdr, sizeof(v_vdm_rsp_hdr));
	exp[9] = (u8)(1 + want_len);
	exp[10] = 0;
	exp[11] = 0x00;
	memcpy(exp + 12, want, want_len);
	assert_int_equal(spdm_session_exchange(&S.conn, req, n, rsp, sizeof(rsp), &rlen), 0);
	assert_int_equal(rlen, 12 + want_len);
	assert_memory_equal(rsp, exp, rlen);
}

static void devemu_answers_the_vectors(void **state)
{
	u8 longer[48];

	(void)state;
	devemu_exchange(v_query, sizeof(v_query), v_query_resp, sizeof(v_query_resp));
	devemu_exchange(v_key_prog, sizeof(v_key_prog), v_kp_ack, sizeof(v_kp_ack));
	devemu_exchange(v_k_set_go, sizeof(v_k_set_go), v_k_gostop_ack, sizeof(v_k_gostop_ack));
	devemu_exchange(v_k_set_stop, sizeof(v_k_set_stop), v_k_gostop_ack, sizeof(v_k_gostop_ack));
	memcpy(longer, v_key_prog, 47);
	longer[47] = 0;
	devemu_exchange(longer, 48, v_kp_ack_bad_length, sizeof(v_kp_ack_bad_length));
	assert_int_equal(S.conn.state, SPDM_STATE_SESSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec_builds_the_vectors),
		cmocka_unit_test(codec_parses_the_vectors),
		cmocka_unit_test(model_answers_the_vectors),
		cmocka_unit_test_setup_teardown(devemu_answers_the_vectors, setup_devemu,
						teardown_devemu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
