// SPDX-License-Identifier: MIT
/*
 * Evidence a guest verifies itself: the SPDM layer's capture of a signed GET_MEASUREMENTS
 * exchange (against devemu through the DOE stack), the VCA bound, the MOAT_EV_MEASUREMENTS
 * blob builder (tsm/evidence.c) and the guest-side checker (guest_abi/lib/moat_evidence.c).
 * The signature is re-verified here with mbedTLS and the device's leaf key read from the PKI,
 * independently of the requester, over the bytes the blob carries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/x509_crt.h>

#include "test_util.h"

#include "spdm_stack.h"

#include "guest_abi/moat_evidence.h"
#include "lib/err.h"
#include "tsm/evidence.h"

/* The e2e guest's own checker, built here against the host's mbedTLS (tests/guests/). */
#include "../guests/e2e_evidence.c"

static struct {
	struct spdm_stack s;
	u8 meas[1024];
	u8 ex[SPDM_REC_MAX + 64];
	struct spdm_meas_capture cap;
	struct spdm_measurements m;
	u8 blob[8192];
	size_t blob_len;
} F;

/* devemu (P-384) behind the DOE model, SPDM connected with a session. */
static int setup(void **state)
{
	(void)state;
	test_log_capture();
	memset(&F, 0, sizeof(F));
	spdm_stack_up(&F.s, "p384", DEVEMU_FAULT_NONE);
	F.cap = (struct spdm_meas_capture){ .buf = F.ex, .cap = sizeof(F.ex) };
	F.m = (struct spdm_measurements){ .record = F.meas,
					  .record_cap = sizeof(F.meas),
					  .capture = &F.cap };
	assert_int_equal(spdm_connect(&F.s.conn), 0);
	assert_int_equal(spdm_get_certificate(&F.s.conn, 0), 0);
	assert_int_equal(spdm_start_session(&F.s.conn), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spdm_reset(&F.s.conn);
	pm_detach(&F.s.model);
	devemu_free(&F.s.dev);
	return 0;
}

/*
 * The verifier's own check (what a guest does): SHA-384 over L1/L2, the DSP0274 1.2 prefix,
 * SHA-384 again, ECDSA P-384 with the leaf certificate's key from the PKI.
 */
static int verify_l1l2(const u8 *l1l2, size_t len, const u8 *sig)
{
	const mbedtls_md_info_t *sha384 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
	u8 m[100 + 48], digest[48];
	mbedtls_x509_crt leaf;
	mbedtls_mpi r, s;
	size_t n;
	u8 *der;
	int ret;

	der = spdm_stack_pki_file("p384", "leaf.der", &n);
	mbedtls_x509_crt_init(&leaf);
	assert_int_equal(mbedtls_x509_crt_parse_der(&leaf, der, n), 0);
	moat_ev_sign_prefix(0x12, MOAT_EV_MEAS_CONTEXT, m);
	assert_int_equal(mbedtls_md(sha384, l1l2, len, m + 100), 0);
	assert_int_equal(mbedtls_md(sha384, m, sizeof(m), digest), 0);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	assert_int_equal(mbedtls_mpi_read_binary(&r, sig, 48), 0);
	assert_int_equal(mbedtls_mpi_read_binary(&s, sig + 48, 48), 0);
	const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(leaf.pk);
	ret = mbedtls_ecdsa_verify((mbedtls_ecp_group *)&ec->grp, digest, 48, &ec->Q, &r, &s);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_x509_crt_free(&leaf);
	free(der);
	return ret;
}

static void capture_is_the_signed_exchange(void **state)
{
	u8 nonce[32], l1l2[2048];
	size_t vlen, n;
	const u8 *vca;

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		nonce[i] = (u8)(0xc0 + i);
	assert_int_equal(spdm_get_measurements(&F.s.conn, nonce, &F.m), 0);
	assert_int_equal(F.cap.req_len, 37);
	assert_int_equal(F.ex[1], 0xe0);
	assert_memory_equal(F.ex + 4, nonce, 32);
	assert_int_equal(F.cap.sig_len, 96);
	assert_int_equal(F.ex[37 + 1], 0x60);
	assert_memory_equal(F.ex + 37 + 8, F.meas, F.m.len); /* the record inside the response */
	/* L1/L2 = VCA || request || response without the signature, verified independently. */
	vca = spdm_vca(&F.s.conn, &vlen);
	assert_true(vlen > 0 && vlen <= SPDM_VCA_MAX);
	n = F.cap.req_len + F.cap.rsp_len - F.cap.sig_len;
	assert_true(vlen + n <= sizeof(l1l2));
	memcpy(l1l2, vca, vlen);
	memcpy(l1l2 + vlen, F.ex, n);
	assert_int_equal(verify_l1l2(l1l2, vlen + n, F.ex + n), 0);
	l1l2[vlen + 4] ^= 1; /* another nonce: the signature does not cover it */
	assert_int_not_equal(verify_l1l2(l1l2, vlen + n, F.ex + n), 0);
	/* A second exchange starts L1/L2 afresh from the VCA (message_m reset). */
	assert_int_equal(spdm_get_measurements(&F.s.conn, NULL, &F.m), 0);
	n = F.cap.req_len + F.cap.rsp_len - F.cap.sig_len;
	memcpy(l1l2, vca, vlen);
	memcpy(l1l2 + vlen, F.ex, n);
	assert_int_equal(verify_l1l2(l1l2, vlen + n, F.ex + n), 0);
}

static void capture_too_small_keeps_the_session(void **state)
{
	(void)state;
	F.cap.cap = 100;
	assert_int_equal(spdm_get_measurements(&F.s.conn, NULL, &F.m), -E_NOSPC);
	assert_int_equal(F.cap.req_len, 37);
	assert_true(F.cap.rsp_len > 100);
	assert_int_equal(F.s.conn.state, SPDM_STATE_SESSION);
	F.cap.cap = sizeof(F.ex);
	assert_int_equal(spdm_get_measurements(&F.s.conn, NULL, &F.m), 0);
	F.m.capture = NULL; /* capture is optional */
	assert_int_equal(spdm_get_measurements(&F.s.conn, NULL, &F.m), 0);
}

static void build(void)
{
	assert_int_equal(spdm_get_measurements(&F.s.conn, NULL, &F.m), 0);
	assert_int_equal(tsm_ev_meas_build(&F.s.conn, &F.cap, F.blob, sizeof(F.blob), &F.blob_len),
			 0);
}

/* MOAT_EV_SEED=path writes the good blob there (the fuzz harness's seed corpus). */
static void save_seed(void)
{
	const char *path = getenv("MOAT_EV_SEED");
	FILE *f = path ? fopen(path, "wb") : NULL;

	if (!f)
		return;
	assert_int_equal(fwrite(F.blob, 1, F.blob_len, f), F.blob_len);
	fclose(f);
}

static void blob_frames_the_exchange_and_parses(void **state)
{
	struct moat_ev_meas_view v;
	const struct moat_ev_meas *h = (const void *)F.blob;
	size_t vlen;
	const u8 *vca = spdm_vca(&F.s.conn, &vlen);

	(void)state;
	build();
	assert_int_equal(F.blob_len, 64 + vlen + F.cap.req_len + F.cap.rsp_len);
	assert_int_equal(h->size, MOAT_EV_MEAS_SIZE);
	assert_int_equal(h->total, F.blob_len);
	assert_int_equal(h->base_asym, SPDM_ASYM_ECDSA_P384);
	assert_int_equal(h->base_hash, SPDM_HASH_SHA384);
	assert_int_equal(h->meas_hash, F.s.conn.alg.meas_hash);
	assert_int_equal(moat_ev_meas_parse(F.blob, F.blob_len, &v), MOAT_EV_OK);
	assert_memory_equal(v.vca, vca, vlen);
	assert_memory_equal(v.req, F.ex, F.cap.req_len);
	assert_memory_equal(v.rsp, F.ex + F.cap.req_len, F.cap.rsp_len);
	assert_int_equal(v.sig_len, 96);
	assert_int_equal(v.hash_len, 48);
	assert_ptr_equal(v.nonce, v.req + 4);
	assert_int_equal(v.record_len, F.m.len);
	assert_int_equal(v.nblocks, F.m.nblocks);
	assert_memory_equal(v.record, F.meas, F.m.len);
	assert_int_equal(verify_l1l2(v.signed_data, v.signed_len, v.sig), 0);
	save_seed();
	/* One flipped byte anywhere in the signed part breaks the signature. */
	F.blob[h->rsp.off + 8] ^= 0x40;
	assert_int_equal(moat_ev_meas_parse(F.blob, F.blob_len, &v), MOAT_EV_OK);
	assert_int_not_equal(verify_l1l2(v.signed_data, v.signed_len, v.sig), 0);
}

static void blob_builder_refuses_small_buffers_and_bad_parts(void **state)
{
	struct spdm_meas_capture bad;
	size_t len = 0;

	(void)state;
	build();
	memset(F.blob, 0xee, sizeof(F.blob));
	assert_int_equal(tsm_ev_meas_build(&F.s.conn, &F.cap, F.blob, F.blob_len - 1, &len),
			 -E_NOSPC);
	assert_int_equal(len, F.blob_len); /* the size needed */
	assert_int_equal(F.blob[0], 0xee); /* nothing written */
	assert_int_equal(tsm_ev_meas_build(&F.s.conn, &F.cap, F.blob, 0, &len), -E_NOSPC);
	bad = F.cap;
	bad.sig_len = bad.rsp_len + 1;
	assert_int_equal(tsm_ev_meas_build(&F.s.conn, &bad, F.blob, sizeof(F.blob), &len),
			 -E_INVAL);
	bad = F.cap;
	bad.rsp_len = (size_t)UINT32_MAX + 1;
	assert_int_equal(tsm_ev_meas_build(&F.s.conn, &bad, F.blob, sizeof(F.blob), &len),
			 -E_INVAL);
	bad = F.cap;
	bad.req_len = UINT32_MAX - 10; /* each part fits 32 bits, the sum does not */
	assert_int_equal(tsm_ev_meas_build(&F.s.conn, &bad, F.blob, sizeof(F.blob), &len),
			 -E_INVAL);
	spdm_reset(&F.s.conn); /* no VCA: nothing to frame */
	assert_int_equal(tsm_ev_meas_build(&F.s.conn, &F.cap, F.blob, sizeof(F.blob), &len),
			 -E_INVAL);
}

/* Mutates a copy of the good blob and expects `want` from the checker. */
static void expect_parse(void (*mutate)(u8 *b, struct moat_ev_meas *h), size_t len, int want)
{
	static u8 b[8192];
	struct moat_ev_meas_view v;

	memcpy(b, F.blob, F.blob_len);
	if (mutate)
		mutate(b, (struct moat_ev_meas *)b);
	assert_int_equal(moat_ev_meas_parse(b, len, &v), want);
}

static void m_size(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->size = 60;
}
static void m_version(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->version = 2;
}
static void m_reserved(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->reserved[1] = 1;
}
static void m_total(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->total += 1;
}
static void m_gap(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->req.off += 1;
}
static void m_wrap(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->rsp.off = 0xfffffff0u;
	h->rsp.len = 0x20; /* off + len wraps in 32 bits */
}
static void m_sig_mid(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->sig.off -= 1;
}
static void m_sig_len(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->sig.len = 64; /* P-256's size with P-384 */
	h->sig.off += 32;
}
static void m_asym(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->base_asym = 0x10; /* the header lies about the algorithm the VCA selected */
	h->sig.len = 64;
	h->sig.off += 32;
}
static void m_meas_hash(u8 *b, struct moat_ev_meas *h)
{
	(void)b;
	h->meas_hash ^= 0x3;
}
static void m_vca_code(u8 *b, struct moat_ev_meas *h)
{
	b[h->vca.off + 1] = 0x85;
}
static void m_vca_count(u8 *b, struct moat_ev_meas *h)
{
	b[h->vca.off + 4 + 5] += 1;
}
static void m_req_unsigned(u8 *b, struct moat_ev_meas *h)
{
	b[h->req.off + 2] = 0;
}
static void m_req_slot(u8 *b, struct moat_ev_meas *h)
{
	b[h->req.off + 36] = 3;
}
static void m_rsp_code(u8 *b, struct moat_ev_meas *h)
{
	b[h->rsp.off + 1] = 0x7f;
}
static void m_rsp_reclen(u8 *b, struct moat_ev_meas *h)
{
	b[h->rsp.off + 7] = 0xff;
}
static void m_rsp_opaque(u8 *b, struct moat_ev_meas *h)
{
	u32 rec = b[h->rsp.off + 5] | b[h->rsp.off + 6] << 8 | b[h->rsp.off + 7] << 16;

	b[h->rsp.off + 8 + rec + 32] += 1;
}

static void checker_refuses_every_inconsistency(void **state)
{
	(void)state;
	build();
	expect_parse(NULL, F.blob_len, MOAT_EV_OK);
	expect_parse(NULL, F.blob_len + 100, MOAT_EV_OK); /* a larger buffer is fine */
	expect_parse(NULL, 63, MOAT_EV_E_SHORT);
	expect_parse(NULL, F.blob_len - 1, MOAT_EV_E_SHORT);
	expect_parse(m_size, F.blob_len, MOAT_EV_E_HEADER);
	expect_parse(m_version, F.blob_len, MOAT_EV_E_HEADER);
	expect_parse(m_reserved, F.blob_len, MOAT_EV_E_HEADER);
	expect_parse(m_total, F.blob_len + 1, MOAT_EV_E_LAYOUT);
	expect_parse(m_gap, F.blob_len, MOAT_EV_E_LAYOUT);
	expect_parse(m_wrap, F.blob_len, MOAT_EV_E_LAYOUT);
	expect_parse(m_sig_mid, F.blob_len, MOAT_EV_E_LAYOUT);
	expect_parse(m_sig_len, F.blob_len, MOAT_EV_E_ALGO);
	expect_parse(m_asym, F.blob_len, MOAT_EV_E_ALGO);
	expect_parse(m_meas_hash, F.blob_len, MOAT_EV_E_ALGO);
	expect_parse(m_vca_code, F.blob_len, MOAT_EV_E_VCA);
	expect_parse(m_vca_count, F.blob_len, MOAT_EV_E_VCA);
	expect_parse(m_req_unsigned, F.blob_len, MOAT_EV_E_REQUEST);
	expect_parse(m_req_slot, F.blob_len, MOAT_EV_E_REQUEST);
	expect_parse(m_rsp_code, F.blob_len, MOAT_EV_E_RESPONSE);
	expect_parse(m_rsp_reclen, F.blob_len, MOAT_EV_E_RESPONSE);
	expect_parse(m_rsp_opaque, F.blob_len, MOAT_EV_E_RESPONSE);
}

/* ---- the VCA bound, with a scripted responder ------------------------------------------- */

static void vca_overflowing_its_buffer_is_refused(void **state)
{
	static u8 version[6 + 2 * 255] = { 0x10, 0x04, 0, 0, 0, 255 };
	static u8 version_fits[6 + 2 * 200] = { 0x10, 0x04, 0, 0, 0, 200 };
	struct spdm_script s = { .rsp = { version }, .len = { sizeof(version) }, .n = 1 };
	struct spdm_transport tp = { .exchange = spdm_script_exchange, .ctx = &s, .align = 4 };
	struct spdm_config cfg = { .rng = spdm_stack_rng };
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 255; i++)
		version[7 + 2 * i] = 0x12; /* 255 entries of 1.2: legal, but 516 bytes */
	spdm_reset(&F.s.conn);
	spdm_init(&F.s.conn, &tp, &cfg);
	assert_int_equal(spdm_connect(&F.s.conn), -E_PROTO);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_VCA_SIZE);
	assert_string_equal(spdm_fail_str(F.s.conn.fail),
			    "VCA (GET_VERSION .. ALGORITHMS) larger than its 512-byte buffer");
	assert_int_equal(spdm_vca(&F.s.conn, &len) != NULL && len == 0, 1);
	/* 406 bytes of VERSION fit; the 20-byte GET_CAPABILITIES and its answer do not all. */
	for (unsigned i = 0; i < 200; i++)
		version_fits[7 + 2 * i] = 0x12;
	static const u8 caps[20] = { 0x12, 0x61, 0, 0,	0, 12, 0, 0,  0xd6, 0x62,
				     0,	   0,	 0, 16, 0, 0,  0, 16, 0,    0 };
	static const u8 algs[48] = { 0x12, 0x63, 3, 0, 48, 0,	 1, 2, 2, 0,	0, 0,
				     0x10, 0,	 0, 0, 1,  0,	 0, 0, 0, 0,	0, 0,
				     0,	   0,	 0, 0, 0,  0,	 0, 0, 0, 0,	0, 0,
				     2,	   0x20, 8, 0, 3,  0x20, 1, 0, 5, 0x20, 1, 0 };
	s = (struct spdm_script){ .rsp = { version_fits, caps, algs },
				  .len = { sizeof(version_fits), 20, 48 },
				  .n = 3 };
	spdm_init(&F.s.conn, &tp, &cfg);
	assert_int_equal(spdm_connect(&F.s.conn), -E_PROTO);
	assert_int_equal(F.s.conn.fail, SPDM_FAIL_VCA_SIZE);
}

/* The e2e guest's checker (the guest library underneath) over real evidence of every
 * algorithm and version Moat negotiates: the chain up to an anchor of any SHA-2 size, the
 * measurement signature over the guest's nonce. */
static void guest_checker_verifies_every_negotiated_algorithm(void **state)
{
	static const struct {
		const char *pki;
		unsigned hash;
		uint16_t spdm;
		u32 asym, base_hash;
		unsigned curve;
	} cases[] = {
		{ "p384", 0, 1u << 2, 0x80, 0x2, 384 },	  { "p256", 0, 1u << 2, 0x10, 0x1, 256 },
		{ "p384", 512, 1u << 3, 0x80, 0x4, 384 }, { "p256", 512, 1u << 2, 0x10, 0x4, 256 },
		{ "p256", 384, 1u << 3, 0x10, 0x2, 256 }, { "p384", 256, 1u << 3, 0x80, 0x1, 384 },
	};
	static const mbedtls_md_type_t anchors[] = { MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384,
						     MBEDTLS_MD_SHA512 };

	(void)state;
	teardown(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct moat_ev_meas_view v;
		const char *why = "";
		unsigned ncerts = 0, curve = 0;
		u8 nonce[32], anchor[64];
		size_t n;
		u8 *root;

		memset(&F, 0, sizeof(F));
		F.s.dev.opt = (struct devemu_opts){ .spdm = cases[i].spdm, .hash = cases[i].hash };
		spdm_stack_up(&F.s, cases[i].pki, DEVEMU_FAULT_NONE);
		F.cap = (struct spdm_meas_capture){ .buf = F.ex, .cap = sizeof(F.ex) };
		F.m = (struct spdm_measurements){ .record = F.meas,
						  .record_cap = sizeof(F.meas),
						  .capture = &F.cap };
		assert_int_equal(spdm_connect(&F.s.conn), 0);
		assert_int_equal(spdm_get_certificate(&F.s.conn, 0), 0);
		assert_int_equal(spdm_start_session(&F.s.conn), 0);
		memset(nonce, 0x30 + (int)i, sizeof(nonce));
		assert_int_equal(spdm_get_measurements(&F.s.conn, nonce, &F.m), 0);
		assert_int_equal(
			tsm_ev_meas_build(&F.s.conn, &F.cap, F.blob, sizeof(F.blob), &F.blob_len),
			0);
		assert_int_equal(moat_ev_meas_parse(F.blob, F.blob_len, &v), MOAT_EV_OK);
		if (i == 2) { /* MOAT_EV_SEED13=path: the SPDM 1.3 / SHA-512 blob, a fuzz seed */
			const char *path = getenv("MOAT_EV_SEED13");
			FILE *f = path ? fopen(path, "wb") : NULL;

			if (f) {
				assert_int_equal(fwrite(F.blob, 1, F.blob_len, f), F.blob_len);
				fclose(f);
			}
		}
		assert_int_equal(v.base_asym, cases[i].asym);
		assert_int_equal(v.base_hash, cases[i].base_hash);
		root = spdm_stack_pki_file(cases[i].pki, "root.der", &n);
		const mbedtls_md_info_t *md = mbedtls_md_info_from_type(anchors[i % 3]);
		assert_int_equal(mbedtls_md(md, root, n, anchor), 0);
		assert_int_equal(ev_chain_verify(F.s.conn.cert_chain, F.s.conn.cert_chain_len,
						 v.hash_len, anchor, mbedtls_md_get_size(md),
						 &ncerts, &curve, &why),
				 0);
		assert_int_equal(ncerts, 3);
		assert_int_equal(curve, cases[i].curve);
		assert_int_equal(ev_meas_verify(F.blob, F.blob_len, nonce, &v, &why), 0);
		F.blob[F.blob_len - 1] ^= 1; /* the signature's last byte */
		assert_int_equal(ev_meas_verify(F.blob, F.blob_len, nonce, &v, &why),
				 EV_E_SIGNATURE);
		anchor[0] ^= 1;
		assert_int_equal(ev_chain_verify(F.s.conn.cert_chain, F.s.conn.cert_chain_len,
						 v.hash_len, anchor, mbedtls_md_get_size(md),
						 &ncerts, &curve, &why),
				 EV_E_CHAIN);
		free(root);
		teardown(NULL);
	}
	memset(&F, 0, sizeof(F));
	setup(NULL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(capture_is_the_signed_exchange),
		T(guest_checker_verifies_every_negotiated_algorithm),
		T(capture_too_small_keeps_the_session),
		T(blob_frames_the_exchange_and_parses),
		T(blob_builder_refuses_small_buffers_and_bad_parts),
		T(checker_refuses_every_inconsistency),
		T(vca_overflowing_its_buffer_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
