// SPDX-License-Identifier: MIT
/* tsm/tdisp.c, tsm/report.c and tsm/ide_km.c: the codecs against hand-built messages. */
#include <string.h>

#include "test_util.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "tsm/ide_km.h"
#include "tsm/report.h"
#include "tsm/tdisp.h"

static void requests_carry_version_code_and_interface_id(void **state)
{
	u8 buf[64], nonce[32];
	struct tdisp_lock_req lk = { .flags = 0x5,
				     .default_stream_id = 3,
				     .mmio_reporting_offset = 0xd0000000 };
	int n;

	(void)state;
	n = tdisp_build_req(buf, sizeof(buf), TDISP_GET_VERSION, 0x01000100, NULL, 0);
	assert_int_equal(n, 16);
	assert_int_equal(buf[0], 0x10);
	assert_int_equal(buf[1], 0x81);
	assert_int_equal(get_le32(buf + 4), 0x01000100);
	assert_int_equal(get_le64(buf + 8), 0);
	n = tdisp_build_lock(buf, sizeof(buf), 7, &lk);
	assert_int_equal(n, 36);
	assert_int_equal(get_le16(buf + 16), 5);
	assert_int_equal(buf[18], 3);
	assert_int_equal(get_le64(buf + 20), 0xd0000000);
	memset(nonce, 0xab, sizeof(nonce));
	n = tdisp_build_start(buf, sizeof(buf), 7, nonce);
	assert_int_equal(n, 48);
	assert_memory_equal(buf + 16, nonce, 32);
	assert_int_equal(tdisp_build_start(buf, 47, 7, nonce), -E_NOSPC);
	assert_int_equal(tdisp_function_id(0x0108, 2, true), 0x01020108);
}

static size_t rsp_hdr(u8 *m, u8 code, u32 fid)
{
	memset(m, 0, 16);
	m[0] = 0x10;
	m[1] = code;
	put_le32(m + 4, fid);
	return 16;
}

static void responses_must_echo_the_request(void **state)
{
	u8 m[64];
	const u8 *body;
	size_t len, n = rsp_hdr(m, 0x05, 9);
	struct tdisp_error e;

	(void)state;
	m[n] = 2;
	assert_int_equal(
		tdisp_parse_rsp(m, n + 1, TDISP_GET_DEVICE_INTERFACE_STATE, 9, &body, &len, &e), 0);
	assert_int_equal(len, 1);
	/* wrong interface, code, version, truncated, reserved interface bytes */
	assert_int_equal(tdisp_parse_rsp(m, n + 1, 0x85, 8, &body, &len, &e), -E_PROTO);
	assert_int_equal(tdisp_parse_rsp(m, n + 1, 0x84, 9, &body, &len, &e), -E_PROTO);
	m[0] = 0x11;
	assert_int_equal(tdisp_parse_rsp(m, n + 1, 0x85, 9, &body, &len, &e), -E_PROTO);
	m[0] = 0x10;
	assert_int_equal(tdisp_parse_rsp(m, 15, 0x85, 9, &body, &len, &e), -E_PROTO);
	m[12] = 1;
	assert_int_equal(tdisp_parse_rsp(m, n + 1, 0x85, 9, &body, &len, &e), -E_PROTO);
}

static void tdisp_errors_map_to_specific_errors(void **state)
{
	static const struct {
		u32 code;
		int err;
	} map[] = {
		{ 0x0001, -E_INVAL },	{ 0x0003, -E_BUSY },   { 0x0004, -E_STATE },
		{ 0x0005, -E_IO },	{ 0x0007, -E_NOTSUP }, { 0x0041, -E_PROTO },
		{ 0x0101, -E_NOENT },	{ 0x0102, -E_AUTH },   { 0x0103, -E_AGAIN },
		{ 0x0104, -E_CORRUPT }, { 0xdead, -E_IO },
	};
	u8 m[64];
	const u8 *body;
	size_t len;
	struct tdisp_error e;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++) {
		size_t n = rsp_hdr(m, 0x7f, 1);

		put_le32(m + n, map[i].code);
		put_le32(m + n + 4, 0x55);
		assert_int_equal(tdisp_parse_rsp(m, n + 8, 0x86, 1, &body, &len, &e), map[i].err);
		assert_int_equal(e.code, map[i].code);
		assert_int_equal(e.data, 0x55);
	}
	/* a TDISP_ERROR too short for its code */
	assert_int_equal(tdisp_parse_rsp(m, 16 + 7, 0x86, 1, &body, &len, &e), -E_PROTO);
}

static void bodies_are_length_checked(void **state)
{
	u8 b[40] = { 2, 0x11, 0x10 };
	u8 nonce[32];
	enum tdisp_state s;
	struct tdisp_caps caps;
	struct tdisp_report_portion p;

	(void)state;
	assert_int_equal(tdisp_parse_version(b, 3, 0x10), 0);
	assert_int_equal(tdisp_parse_version(b, 2, 0x10), -E_PROTO);
	assert_int_equal(tdisp_parse_version(b, 4, 0x10), -E_PROTO);
	b[2] = 0x20;
	assert_int_equal(tdisp_parse_version(b, 3, 0x10), -E_NOTSUP);
	b[0] = 0;
	assert_int_equal(tdisp_parse_version(b, 1, 0x10), -E_PROTO);
	assert_int_equal(tdisp_parse_caps(b, 27, &caps), -E_PROTO);
	assert_int_equal(tdisp_parse_caps(b, 28, &caps), 0);
	assert_int_equal(tdisp_parse_lock(b, 31, nonce), -E_PROTO);
	b[0] = 4;
	assert_int_equal(tdisp_parse_state(b, 1, &s), -E_PROTO);
	b[0] = 3;
	assert_int_equal(tdisp_parse_state(b, 1, &s), 0);
	assert_int_equal(s, TDISP_STATE_ERROR);
	assert_int_equal(tdisp_parse_state(b, 2, &s), -E_PROTO);
	assert_int_equal(tdisp_parse_empty(b, 1), -E_PROTO);
	/* portion longer than asked, body shorter than portion, no progress */
	put_le16(b, 8);
	put_le16(b + 2, 0);
	assert_int_equal(tdisp_parse_report_portion(b, 12, 8, &p), 0);
	assert_int_equal(tdisp_parse_report_portion(b, 12, 4, &p), -E_PROTO);
	assert_int_equal(tdisp_parse_report_portion(b, 11, 8, &p), -E_PROTO);
	put_le16(b, 0);
	put_le16(b + 2, 5);
	assert_int_equal(tdisp_parse_report_portion(b, 4, 8, &p), -E_PROTO);
}

/* A report with `n` ranges (first_page, pages, attrs|id<<16) and 4 bytes of device info. */
static size_t make_report(u8 *buf, const u64 (*ranges)[3], u32 n)
{
	size_t off = 16;

	memset(buf, 0, 16);
	put_le16(buf, 0x0002);
	put_le32(buf + 12, n);
	for (u32 i = 0; i < n; i++, off += 16) {
		put_le64(buf + off, ranges[i][0]);
		put_le32(buf + off + 8, (u32)ranges[i][1]);
		put_le32(buf + off + 12, (u32)ranges[i][2]);
	}
	put_le32(buf + off, 4);
	memcpy(buf + off + 4, "info", 4);
	return off + 8;
}

static const struct tsm_bars bars = {
	.bar = { [0] = { { 0x10000000 }, 0x4000 }, [2] = { { 0x20000000 }, 0x1000 } },
};

static void report_ranges_are_checked_against_the_bars(void **state)
{
	static const u64 good[][3] = { { 0xd0000, 3, 0 },
				       { 0xd0003, 1, 0x5 },
				       { 0xe0000, 1, 2u << 16 } };
	static const u64 outside[][3] = { { 0xd0003, 2, 0 } };
	static const u64 overlap[][3] = { { 0xd0000, 2, 0 }, { 0xd0001, 1, 0 } };
	static const u64 empty[][3] = { { 0xd0000, 0, 0 } };
	static const u64 badattr[][3] = { { 0xd0000, 1, 0x10 } };
	static const u64 msix_both[][3] = { { 0xd0000, 1, 0x3 } };
	static const u64 wrap[][3] = { { 0xfffffffffffff, 2, 0 } };
	struct tdisp_report r;
	u8 buf[256];
	size_t n = make_report(buf, good, 3);

	(void)state;
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(r.nranges, 3);
	assert_int_equal(r.dev_info_len, 4);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0), -E_RANGE);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0xc0000000), 0);
	assert_int_equal(r.range[0].hpa.v, 0x10000000);
	assert_int_equal(r.range[2].bar, 2);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0xc0000001), -E_INVAL);

	n = make_report(buf, outside, 1);
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0xc0000000), -E_RANGE);
	n = make_report(buf, overlap, 2);
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0xc0000000), -E_RANGE);
	n = make_report(buf, empty, 1);
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0xc0000000), -E_RANGE);
	n = make_report(buf, badattr, 1);
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0xc0000000), -E_INVAL);
	n = make_report(buf, msix_both, 1);
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0xc0000000), -E_INVAL);
	n = make_report(buf, wrap, 1);
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0), -E_OVERFLOW);
	(void)r;
}

static void report_structure_is_exact(void **state)
{
	static const u64 one[][3] = { { 0x10000, 1, 0 } };
	struct tdisp_report r;
	u8 buf[256];
	size_t n = make_report(buf, one, 1);

	(void)state;
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_parse(buf, n - 1, &r), -E_PROTO); /* truncated info */
	assert_int_equal(tdisp_report_parse(buf, n + 1, &r), -E_PROTO); /* trailing byte */
	put_le32(buf + 12, 2);						/* count too big */
	assert_int_equal(tdisp_report_parse(buf, n, &r), -E_PROTO);
	put_le32(buf + 12, TDISP_REPORT_MAX_RANGES + 1);
	assert_int_equal(tdisp_report_parse(buf, n, &r), -E_RANGE);
	put_le32(buf + 12, 1);
	put_le32(buf + 32, 0xffffffff); /* info length wraps */
	assert_int_equal(tdisp_report_parse(buf, n, &r), -E_PROTO);
	put_le32(buf + 32, 4);
	put_le16(buf + 2, 1); /* reserved */
	assert_int_equal(tdisp_report_parse(buf, n, &r), -E_PROTO);
	put_le16(buf + 2, 0);
	buf[0] = 0x40; /* INTERFACE_INFO bit we do not know */
	assert_int_equal(tdisp_report_parse(buf, n, &r), 0);
	assert_int_equal(tdisp_report_validate(&r, &bars, 0), -E_INVAL);
}

static void ide_km_key_prog_uses_the_wire_byte_order(void **state)
{
	struct ide_km_slot s = { .stream_id = 5,
				 .key_sub_stream = IDE_KM_SUB_NPR | IDE_KM_KS_TX,
				 .port_index = 1 };
	u8 key[32], ifv[8] = { 0, 0, 0, 0, 0, 0, 0, 1 }, buf[64];

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		key[i] = (u8)i;
	assert_int_equal(ide_km_build_key_prog(buf, sizeof(buf), &s, key, ifv), 47);
	assert_int_equal(buf[0], 2);
	assert_int_equal(buf[3], 5);
	assert_int_equal(buf[5], 0x12);
	assert_int_equal(buf[6], 1);
	/* AES byte 0 is the most significant byte of the first DW */
	assert_int_equal(get_le32(buf + 7), 0x00010203);
	assert_int_equal(get_le32(buf + 11), 0x04050607);
	assert_int_equal(get_le32(buf + 39), 0);
	assert_int_equal(get_le32(buf + 43), 1);
	assert_int_equal(ide_km_build_key_prog(buf, 46, &s, key, ifv), -E_NOSPC);
}

static void ide_km_acks_must_echo_the_slot(void **state)
{
	struct ide_km_slot s = { .stream_id = 5, .key_sub_stream = 0x21, .port_index = 1 };
	u8 ack[8] = { 3, 0, 0, 5, 0, 0x21, 1, 0 };

	(void)state;
	assert_int_equal(ide_km_parse_kp_ack(ack, 7, &s), 0);
	assert_int_equal(ide_km_parse_kp_ack(ack, 8, &s), -E_PROTO);
	assert_int_equal(ide_km_parse_kp_ack(ack, 6, &s), -E_PROTO);
	ack[4] = 2;
	assert_int_equal(ide_km_parse_kp_ack(ack, 7, &s), -E_NODEV);
	ack[4] = 4;
	assert_int_equal(ide_km_parse_kp_ack(ack, 7, &s), -E_IO);
	ack[4] = 0;
	ack[3] = 6;
	assert_int_equal(ide_km_parse_kp_ack(ack, 7, &s), -E_PROTO);
	ack[3] = 5;
	ack[0] = 6;
	assert_int_equal(ide_km_parse_gostop_ack(ack, 7, &s), 0);
	ack[6] = 0;
	assert_int_equal(ide_km_parse_gostop_ack(ack, 7, &s), -E_PROTO);
}

static void ide_km_query_resp_is_bounded(void **state)
{
	u8 m[7 + 4 * (IDE_KM_REGS_MAX + 1)] = { 1, 0, 1, 0, 1, 0, 1 };
	struct ide_km_query_resp q;

	(void)state;
	put_le32(m + 7, 0x00010042); /* selective IDE, 2 streams */
	assert_int_equal(ide_km_parse_query_resp(m, 7 + 8, 1, &q), 0);
	assert_int_equal(q.nregs, 2);
	assert_int_equal(ide_km_selective_streams(&q), 2);
	assert_int_equal(ide_km_parse_query_resp(m, 7 + 4, 1, &q), -E_PROTO);
	assert_int_equal(ide_km_parse_query_resp(m, 7 + 9, 1, &q), -E_PROTO);
	assert_int_equal(ide_km_parse_query_resp(m, sizeof(m), 1, &q), -E_PROTO);
	assert_int_equal(ide_km_parse_query_resp(m, 7 + 8, 0, &q), -E_PROTO);
	m[6] = 0; /* port index above the maximum */
	assert_int_equal(ide_km_parse_query_resp(m, 7 + 8, 1, &q), -E_PROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_carry_version_code_and_interface_id),
		cmocka_unit_test(responses_must_echo_the_request),
		cmocka_unit_test(tdisp_errors_map_to_specific_errors),
		cmocka_unit_test(bodies_are_length_checked),
		cmocka_unit_test(report_ranges_are_checked_against_the_bars),
		cmocka_unit_test(report_structure_is_exact),
		cmocka_unit_test(ide_km_key_prog_uses_the_wire_byte_order),
		cmocka_unit_test(ide_km_acks_must_echo_the_slot),
		cmocka_unit_test(ide_km_query_resp_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
