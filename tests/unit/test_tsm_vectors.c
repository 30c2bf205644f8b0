// SPDX-License-Identifier: MIT
/*
 * TDISP known answers (PCIe 6.x chapter 11, TDISP 1.0 message tables), written byte by byte,
 * never from tsm/tdisp.h: against Moat's codec (tsm/tdisp.c, tsm/report.c), against the device
 * model (tests/models/tdisp_dev) and against devemu inside a real SPDM session, each on its own.
 * The interface is function 00:01.0 of segment 0: INTERFACE_ID = FUNCTION_ID 00000008h (RID
 * 0008h, segment 0, segment not valid) then 8 reserved bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "spdm_stack.h"

#include "../../tools/devemu/devemu_tdisp.h"
#include "lib/err.h"
#include "tsm/report.h"
#include "tsm/tdisp.h"

#define IID 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

/* Requests: TDISPVersion 10h, MessageType, reserved u16, INTERFACE_ID, then the body. */
static const u8 v_get_version[16] = { 0x10, 0x81, 0x00, 0x00, IID };
static const u8 v_get_caps[20] = { 0x10, 0x82, 0x00, 0x00, IID, 0x00, 0x00, 0x00, 0x00 };
/* LOCK_INTERFACE_REQUEST: FLAGS 0001h (NO_FW_UPDATE), DEFAULT_STREAM_ID 2, reserved,
 * MMIO_REPORTING_OFFSET 0, BIND_P2P_ADDRESS_MASK 0 */
static const u8 v_lock[36] = { 0x10, 0x83, 0x00, 0x00, IID, 0x01, 0x00, 0x02, 0x00, 0, 0, 0, 0,
			       0,    0,	   0,	 0,    0,   0,	  0,	0,    0,    0, 0, 0 };
static const u8 v_get_state[16] = { 0x10, 0x85, 0x00, 0x00, IID };
/* GET_DEVICE_INTERFACE_REPORT: OFFSET 0, LENGTH 80h */
static const u8 v_get_report[20] = { 0x10, 0x84, 0x00, 0x00, IID, 0x00, 0x00, 0x80, 0x00 };
static const u8 v_stop[16] = { 0x10, 0x87, 0x00, 0x00, IID };

/* Responses of the model (and devemu): the response code is the request's with bit 7 clear. */
static const u8 v_version[18] = { 0x10, 0x01, 0x00, 0x00, IID, 0x01, 0x10 };
/* TDISP_CAPABILITIES: DSM_CAPS 0 | REQ_MSGS_SUPPORTED: bits 1..7 of byte 0 (81h..87h) |
 * LOCK_INTERFACE_FLAGS_SUPPORTED 0007h | 3 reserved | DEV_ADDR_WIDTH 52 | NUM_REQ_THIS 1 |
 * NUM_REQ_ALL 1 */
static const u8 v_caps[44] = { 0x10, 0x02, 0x00, 0x00, IID,  0, 0, 0, 0,    0xfe, 0,
			       0,    0,	   0,	 0,    0,    0, 0, 0, 0,    0,	  0,
			       0,    0,	   0,	 0x07, 0x00, 0, 0, 0, 0x34, 0x01, 0x01 };
static const u8 v_state_locked[17] = { 0x10, 0x05, 0x00, 0x00, IID, 0x01 };
static const u8 v_stop_rsp[16] = { 0x10, 0x07, 0x00, 0x00, IID };
/* TDISP_ERROR: ERROR_CODE 0004h (INVALID_INTERFACE_STATE), ERROR_DATA 0 */
static const u8 v_error_state[24] = { 0x10, 0x7f, 0x00, 0x00, IID, 0x04, 0x00,
				      0x00, 0x00, 0,	0,    0,   0 };
/* The interface report of a 16 KiB BAR0 at 10000000h (the model's layout, PCIe 6.x 11.3.11):
 * INTERFACE_INFO 0003h (no FW update, DMA without PASID) | reserved | MSI-X control 0 | LNR 0 |
 * TPH 0 | MMIO_RANGE_COUNT 2 | {FIRST_PAGE 10000h, 3 pages, attributes 0, RANGE_ID 0} |
 * {10003h, 1 page, MSI-X table | non-TEE (0005h), RANGE_ID 0} | DEVICE_SPECIFIC_INFO_LEN 64 */
static const u8 v_report_head[52] = {
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
};

static void codec_builds_the_vectors(void **state)
{
	struct tdisp_lock_req lk = { .flags = TDISP_LOCK_NO_FW_UPDATE, .default_stream_id = 2 };
	u8 buf[64], tsm_caps[4] = { 0 };

	(void)state;
	assert_int_equal(tdisp_build_req(buf, sizeof(buf), TDISP_GET_VERSION, 8, NULL, 0), 16);
	assert_memory_equal(buf, v_get_version, 16);
	assert_int_equal(tdisp_build_req(buf, sizeof(buf), TDISP_GET_CAPABILITIES, 8, tsm_caps, 4),
			 20);
	assert_memory_equal(buf, v_get_caps, 20);
	assert_int_equal(tdisp_build_lock(buf, sizeof(buf), 8, &lk), 36);
	assert_memory_equal(buf, v_lock, 36);
	assert_int_equal(tdisp_build_get_report(buf, sizeof(buf), 8, 0, 0x80), 20);
	assert_memory_equal(buf, v_get_report, 20);
	assert_int_equal(tdisp_build_req(buf, sizeof(buf), TDISP_STOP_INTERFACE, 8, NULL, 0), 16);
	assert_memory_equal(buf, v_stop, 16);
}

static void codec_parses_the_vectors(void **state)
{
	struct tdisp_error e;
	struct tdisp_caps caps;
	struct tdisp_report r;
	enum tdisp_state st;
	const u8 *body;
	size_t len;
	u8 report[52 + 64] = { 0 };

	(void)state;
	assert_int_equal(tdisp_parse_rsp(v_version, 18, TDISP_GET_VERSION, 8, &body, &len, &e), 0);
	assert_int_equal(tdisp_parse_version(body, len, 0x10), 0);
	assert_int_equal(tdisp_parse_rsp(v_caps, 44, TDISP_GET_CAPABILITIES, 8, &body, &len, &e),
			 0);
	assert_int_equal(tdisp_parse_caps(body, len, &caps), 0);
	assert_int_equal(caps.req_msgs[0], 0xfe);
	assert_int_equal(caps.lock_flags_supported, 7);
	assert_int_equal(caps.dev_addr_width, 52);
	assert_int_equal(caps.num_req_all, 1);
	assert_int_equal(tdisp_parse_rsp(v_state_locked, 17, TDISP_GET_DEVICE_INTERFACE_STATE, 8,
					 &body, &len, &e),
			 0);
	assert_int_equal(tdisp_parse_state(body, len, &st), 0);
	assert_int_equal(st, TDISP_STATE_CONFIG_LOCKED);
	assert_int_equal(
		tdisp_parse_rsp(v_error_state, 24, TDISP_STOP_INTERFACE, 8, &body, &len, &e),
		-E_STATE);
	assert_int_equal(e.code, 4);
	memcpy(report, v_report_head, sizeof(v_report_head));
	assert_int_equal(tdisp_report_parse(report, sizeof(report), &r), 0);
	assert_int_equal(r.interface_info, 3);
	assert_int_equal(r.nranges, 2);
	assert_int_equal(r.range[0].first_page, 0x10000);
	assert_int_equal(r.range[0].npages, 3);
	assert_int_equal(r.range[1].attrs, TDISP_RANGE_MSIX_TABLE | TDISP_RANGE_NON_TEE);
	assert_int_equal(r.dev_info_len, 64);
}

/* ---- the device model ------------------------------------------------------------------------- */

static void model_answers_the_vectors(void **state)
{
	struct tdev d;
	u8 rsp[600];
	size_t n;

	(void)state;
	tdev_init(&d, 1);
	d.bar_base[0] = 0x10000000;
	d.bar_size[0] = 0x4000;
	assert_int_equal(tdev_add_iface(&d, 8), 0);
	assert_int_equal(tdev_handle(&d, 1, v_get_version, 16, rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 18);
	assert_memory_equal(rsp, v_version, 18);
	assert_int_equal(tdev_handle(&d, 1, v_get_caps, 20, rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 44);
	assert_memory_equal(rsp, v_caps, 44);
	assert_int_equal(tdev_handle(&d, 1, v_stop, 16, rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 24);
	assert_memory_equal(rsp, v_error_state, 24); /* STOP while CONFIG_UNLOCKED */
	assert_int_equal(tdev_handle(&d, 1, v_lock, 36, rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 16 + 32);
	assert_memory_equal(rsp, ((u8[]){ 0x10, 0x03, 0x00, 0x00, IID }), 16);
	assert_int_equal(tdev_handle(&d, 1, v_get_state, 16, rsp, sizeof(rsp), &n), 0);
	assert_memory_equal(rsp, v_state_locked, 17);
	/* the first portion: 40h bytes (the model's cap), REMAINDER 116 - 64 = 52 */
	assert_int_equal(tdev_handle(&d, 1, v_get_report, 20, rsp, sizeof(rsp), &n), 0);
	assert_int_equal(n, 16 + 4 + 0x40);
	assert_memory_equal(rsp, ((u8[]){ 0x10, 0x04, 0x00, 0x00, IID, 0x40, 0x00, 0x34, 0x00 }),
			    20);
	assert_memory_equal(rsp + 20, v_report_head, 52);
	assert_int_equal(tdev_handle(&d, 1, v_stop, 16, rsp, sizeof(rsp), &n), 0);
	assert_memory_equal(rsp, v_stop_rsp, 16);
}

/* ---- devemu in a session: the PCI-SIG envelope with Protocol ID 01h (TDISP) ---------------- */

static struct spdm_stack S;

static int setup_devemu(void **state)
{
	(void)state;
	test_log_capture();
	memset(&S, 0, sizeof(S));
	setenv("DEVEMU_TDISP", "bar0=0x10000000:0x4000,bdf=00:01.0", 1);
	(void)devemu_tdisp_reset();
	spdm_stack_up(&S, "p384", DEVEMU_FAULT_NONE);
	assert_int_equal(spdm_connect(&S.conn), 0);
	assert_int_equal(spdm_get_certificate(&S.conn, 0), 0);
	assert_int_equal(spdm_start_session(&S.conn), 0);
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

/* The TDISP message in VENDOR_DEFINED_REQUEST: 12h FEh 00 00 | StandardID 0003h | VendorIDLen
 * 2 | VendorID 0001h | PayloadLength | Protocol ID 01h | message. The answer's TDISP part is
 * returned (after the same envelope with 7Eh). */
static size_t devemu_tdisp(const u8 *msg, size_t len, u8 *out)
{
	u8 req[128], rsp[600];
	size_t rlen;

	memcpy(req, (u8[]){ 0x12, 0xfe, 0x00, 0x00, 0x03, 0x00, 0x02, 0x01, 0x00 }, 9);
	req[9] = (u8)(len + 1);
	req[10] = 0;
	req[11] = 0x01;
	memcpy(req + 12, msg, len);
	assert_int_equal(spdm_session_exchange(&S.conn, req, 12 + len, rsp, sizeof(rsp), &rlen), 0);
	assert_memory_equal(rsp, ((u8[]){ 0x12, 0x7e, 0x00, 0x00, 0x03, 0x00, 0x02, 0x01, 0x00 }),
			    9);
	assert_int_equal(rsp[9] | rsp[10] << 8, rlen - 11);
	assert_int_equal(rsp[11], 0x01);
	memcpy(out, rsp + 12, rlen - 12);
	return rlen - 12;
}

static void devemu_answers_the_vectors(void **state)
{
	u8 out[600];

	(void)state;
	assert_int_equal(devemu_tdisp(v_get_version, 16, out), 18);
	assert_memory_equal(out, v_version, 18);
	assert_int_equal(devemu_tdisp(v_get_caps, 20, out), 44);
	assert_memory_equal(out, v_caps, 44);
	assert_int_equal(devemu_tdisp(v_lock, 36, out), 48);
	assert_memory_equal(out, ((u8[]){ 0x10, 0x03, 0x00, 0x00, IID }), 16);
	assert_int_equal(devemu_tdisp(v_get_state, 16, out), 17);
	assert_memory_equal(out, v_state_locked, 17);
	assert_int_equal(devemu_tdisp(v_get_report, 20, out), 16 + 4 + 0x40);
	assert_memory_equal(out + 20, v_report_head, 52);
	assert_int_equal(devemu_tdisp(v_stop, 16, out), 16);
	assert_memory_equal(out, v_stop_rsp, 16);
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
