// SPDX-License-Identifier: MIT
/*
 * Known answers for the SPDM messages Moat builds and parses, written byte by byte from the
 * specification's message tables (DSP0274 1.2/1.3, DSP0277 1.2, PCIe 6.x 6.30 DOE), never from
 * spdm/wire.h. Each is checked against Moat's codec (requests recorded at the transport,
 * responses fed to it) and separately against devemu (the vector request as a raw DOE object,
 * its answer compared with the vector answer). Fields the protocol makes random (nonces, ECDHE
 * keys, signatures) are taken from a counting RNG where Moat makes them, and checked for what
 * they must satisfy where the device makes them (the signature verified here, independently,
 * with the PKI's leaf key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/x509_crt.h>

#include "test_util.h"

#include "spdm_stack.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

/* ---- the vectors ---------------------------------------------------------------------------- */

/* GET_VERSION: SPDMVersion 10h (always 1.0), RequestResponseCode 84h, Param1, Param2. */
static const u8 v_get_version[4] = { 0x10, 0x84, 0x00, 0x00 };
/* VERSION from a device of 1.2 and 1.3: 10h 04h, reserved x2, reserved, VersionNumberEntryCount
 * 2, entries 1200h and 1300h (bits 15:12 major, 11:8 minor), little-endian. */
static const u8 v_version_12_13[10] = {
	0x10, 0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x12, 0x00, 0x13
};
/* GET_CAPABILITIES 1.3 as Moat sends it: 13h E1h 00 00 | reserved | CTExponent 20 (14h) |
 * reserved u16 | Flags: ENCRYPT_CAP (bit 6), MAC_CAP (7), KEY_EX_CAP (9), HBEAT_CAP (13),
 * KEY_UPD_CAP (14), CHUNK_CAP (17) = 000262C0h | DataTransferSize 4096 | MaxSPDMmsgSize 4096. */
static const u8 v_get_caps_13[20] = { 0x13, 0xe1, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0xc0, 0x62,
				      0x02, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00 };
/* CAPABILITIES of devemu (1.3, default): CTExponent 12; CERT (1), CHAL (2), MEAS signed
 * (bits 4:3 = 2), MEAS_FRESH (5), ENCRYPT (6), MAC (7), KEY_EX (9), HBEAT (13), KEY_UPD (14)
 * = 000062F6h; DataTransferSize = MaxSPDMmsgSize = 1024. */
static const u8 v_caps_13[20] = { 0x13, 0x61, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0xf6, 0x62,
				  0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00 };
/* The same with CHUNK_CAP (bit 17) and MaxSPDMmsgSize 4096, for the codec. */
static const u8 v_caps_13_chunk[20] = {
	0x13, 0x61, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0xd6, 0x62,
	0x02, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00
};
/* NEGOTIATE_ALGORITHMS 1.3 as Moat sends it: 13h E3h, Param1 = 4 AlgStruct tables, 00 |
 * Length 48 | MeasurementSpecification 01h (DMTF) | OtherParamsSupport 02h (OpaqueDataFmt1) |
 * BaseAsymAlgo 90h (ECDSA P-256 10h | P-384 80h) | BaseHashAlgo 07h (SHA-256, -384, -512) |
 * 12 reserved | ExtAsymCount 0, ExtHashCount 0, reserved, MELSpecification 0 | AlgStructs
 * {AlgType, AlgCount 20h (2 fixed bytes), AlgSupported}: DHE (2) secp256r1 08h | secp384r1 10h,
 * AEAD (3) AES-128-GCM 1 | AES-256-GCM 2, ReqBaseAsymAlg (4) 90h, KeySchedule (5) 1. */
static const u8 v_negotiate_13[48] = {
	0x13, 0xe3, 0x04, 0x00, 0x30, 0x00, 0x01, 0x02, 0x90, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x18, 0x00,
	0x03, 0x20, 0x03, 0x00, 0x04, 0x20, 0x90, 0x00, 0x05, 0x20, 0x01, 0x00,
};
/* ALGORITHMS of a P-384 device (devemu): 13h 63h, Param1 = 3 tables | Length 48 | DMTF |
 * OpaqueDataFmt1 | MeasurementHashAlgo SHA-384 (04h) | BaseAsymSel 80h | BaseHashSel 02h |
 * 11 reserved, MELSpecificationSel 0 | ExtAsymSelCount 0, ExtHashSelCount 0, reserved u16 |
 * DHE secp384r1 10h, AEAD AES-256-GCM 02h, KeySchedule 1. */
static const u8 v_algorithms_13_p384[48] = {
	0x13, 0x63, 0x03, 0x00, 0x30, 0x00, 0x01, 0x02, 0x04, 0x00, 0x00, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x20, 0x10, 0x00, 0x03, 0x20, 0x02, 0x00, 0x05, 0x20, 0x01, 0x00,
};
/* GET_DIGESTS 1.3; GET_CERTIFICATE slot 0, Offset 0, Length 1024 - 8 = 1016 (03F8h). */
static const u8 v_get_digests_13[4] = { 0x13, 0x81, 0x00, 0x00 };
static const u8 v_get_cert_13[8] = { 0x13, 0x82, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x03 };
/* The KEY_EXCHANGE opaque data: OpaqueDataLength 20, then the general opaque data format
 * (TotalElements 1, 3 reserved; element: ID 0 (DMTF), VendorLen 0, OpaqueElementDataLen 9,
 * then DSP0277's SMDataVersion 1, SMDataID 1 (SupportedVersionList), VersionCount 3, versions
 * 1200h, 1100h, 1000h; 3 bytes of padding to a 4-byte boundary). */
static const u8 v_kex_opaque[22] = { 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
				     0x09, 0x00, 0x01, 0x01, 0x03, 0x00, 0x12, 0x00,
				     0x11, 0x00, 0x10, 0x00, 0x00, 0x00 };
/* Secured-message VersionSelection 1.2 in KEY_EXCHANGE_RSP's opaque data. */
static const u8 v_sm_select_12[12] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
				       0x04, 0x00, 0x01, 0x00, 0x00, 0x12 };

/* ---- Moat's codec: a transport recording requests and answering from a script -------------- */

static struct {
	u8 req[8][512];
	size_t req_len[8];
	unsigned nreq;
	const u8 *rsp[8];
	size_t rsp_len[8];
	unsigned nrsp;
	u8 rng_next;
} R;

static int rec_exchange(void *ctx, bool secured, const u8 *req, size_t req_len, u8 *rsp, size_t cap,
			size_t *len)
{
	unsigned i = R.nreq;

	(void)ctx;
	(void)secured;
	if (i >= 8 || req_len > sizeof(R.req[0]))
		return -E_IO;
	memcpy(R.req[i], req, req_len);
	R.req_len[i] = req_len;
	R.nreq++;
	if (i >= R.nrsp || R.rsp_len[i] > cap)
		return -E_IO;
	memcpy(rsp, R.rsp[i], R.rsp_len[i]);
	*len = R.rsp_len[i];
	return 0;
}

/* A counting RNG: nonces and contexts are known in advance. */
static int rec_rng(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		out[i] = R.rng_next++;
	return 0;
}

static struct spdm_conn C;
static const struct spdm_transport rec_tp = { .exchange = rec_exchange, .align = 1 };

static void rec_start(void)
{
	struct spdm_config cfg = { .rng = rec_rng, .anchor_digest_len = 48 };

	memset(&R, 0, sizeof(R));
	R.rng_next = 0x40;
	spdm_init(&C, &rec_tp, &cfg);
}

static void rec_answer(const u8 *rsp, size_t len)
{
	R.rsp[R.nrsp] = rsp;
	R.rsp_len[R.nrsp++] = len;
}

static void codec_negotiates_13_from_the_vectors(void **state)
{
	(void)state;
	rec_start();
	rec_answer(v_version_12_13, sizeof(v_version_12_13));
	rec_answer(v_caps_13_chunk, sizeof(v_caps_13_chunk));
	rec_answer(v_algorithms_13_p384, sizeof(v_algorithms_13_p384));
	assert_int_equal(spdm_connect(&C), 0);
	assert_int_equal(R.nreq, 3);
	assert_int_equal(R.req_len[0], 4);
	assert_memory_equal(R.req[0], v_get_version, 4);
	assert_int_equal(R.req_len[1], 20);
	assert_memory_equal(R.req[1], v_get_caps_13, 20);
	assert_int_equal(R.req_len[2], 48);
	assert_memory_equal(R.req[2], v_negotiate_13, 48);
	assert_int_equal(C.version, 0x13);
	assert_int_equal(C.rsp_dts, 1024);
	assert_int_equal(C.rsp_max_msg, 4096);
	assert_true(C.chunk);
	assert_int_equal(C.alg.asym, 0x80);
	assert_int_equal(C.alg.hash, 0x2);
	assert_int_equal(C.alg.meas_hash, 0x4);
	assert_int_equal(C.alg.dhe, 0x10);
	assert_int_equal(C.alg.aead, 0x2);
	/* the VCA kept verbatim: the six messages back to back */
	size_t n;
	const u8 *vca = spdm_vca(&C, &n);
	assert_int_equal(n, 4 + 10 + 20 + 20 + 48 + 48);
	assert_memory_equal(vca + 4, v_version_12_13, 10);
	assert_memory_equal(vca + 14 + 20, v_caps_13_chunk, 20);
	spdm_reset(&C);
}

/* The requests after VCA, recorded: each answered nothing (the transport fails afterwards). */
static void codec_requests_match_the_vectors(void **state)
{
	u8 want[64], nonce[32];
	mbedtls_ecp_keypair leaf;

	(void)state;
	rec_start();
	rec_answer(v_version_12_13, sizeof(v_version_12_13));
	rec_answer(v_caps_13, sizeof(v_caps_13));
	rec_answer(v_algorithms_13_p384, sizeof(v_algorithms_13_p384));
	assert_int_equal(spdm_connect(&C), 0);
	/* GET_DIGESTS: nothing answers, the request is what counts */
	assert_int_not_equal(spdm_get_certificate(&C, 0), 0);
	assert_memory_equal(R.req[3], v_get_digests_13, 4);
	/* GET_CERTIFICATE after a DIGESTS answer */
	rec_start();
	rec_answer(v_version_12_13, sizeof(v_version_12_13));
	rec_answer(v_caps_13, sizeof(v_caps_13));
	rec_answer(v_algorithms_13_p384, sizeof(v_algorithms_13_p384));
	static u8 digests[4 + 48] = { 0x13, 0x01, 0x01, 0x01 };
	rec_answer(digests, sizeof(digests));
	assert_int_equal(spdm_connect(&C), 0);
	assert_int_not_equal(spdm_get_certificate(&C, 0), 0);
	assert_int_equal(R.req_len[4], 8);
	assert_memory_equal(R.req[4], v_get_cert_13, 8);
	/* an authenticated connection for CHALLENGE and GET_MEASUREMENTS (a P-384 key) */
	for (unsigned kind = 0; kind < 3; kind++) {
		rec_start();
		rec_answer(v_version_12_13, sizeof(v_version_12_13));
		rec_answer(v_caps_13, sizeof(v_caps_13));
		rec_answer(v_algorithms_13_p384, sizeof(v_algorithms_13_p384));
		assert_int_equal(spdm_connect(&C), 0);
		mbedtls_ecp_keypair_init(&leaf);
		assert_int_equal(
			mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, &leaf, rec_rng, NULL), 0);
		mbedtls_ecp_keypair_init(&C.leaf);
		assert_int_equal(mbedtls_ecp_group_load(&C.leaf.grp, MBEDTLS_ECP_DP_SECP384R1), 0);
		assert_int_equal(mbedtls_ecp_copy(&C.leaf.Q, &leaf.Q), 0);
		mbedtls_ecp_keypair_free(&leaf);
		C.leaf_live = true;
		C.state = SPDM_STATE_AUTHENTICATED;
		R.rng_next = 0x40;
		if (kind == 0) {
			/* CHALLENGE 1.3: 13h 83h SlotID 0, MeasurementSummaryHashType 0 | Nonce |
			 * RequesterContext: 44 bytes, the RNG's first 40 bytes */
			assert_int_not_equal(spdm_challenge(&C), 0);
			want[0] = 0x13, want[1] = 0x83, want[2] = 0, want[3] = 0;
			for (unsigned i = 0; i < 40; i++)
				want[4 + i] = (u8)(0x40 + i);
			assert_int_equal(R.req_len[3], 44);
			assert_memory_equal(R.req[3], want, 44);
		} else if (kind == 1) {
			/* GET_MEASUREMENTS 1.3 signed, all blocks: 13h E0h 01h FFh | the caller's
			 * Nonce | SlotIDParam 0 | RequesterContext (RNG): 45 bytes */
			u8 rec[64];
			struct spdm_measurements m = { .record = rec, .record_cap = sizeof(rec) };

			memset(nonce, 0xc3, sizeof(nonce));
			assert_int_not_equal(spdm_get_measurements(&C, nonce, &m), 0);
			want[0] = 0x13, want[1] = 0xe0, want[2] = 0x01, want[3] = 0xff;
			memcpy(want + 4, nonce, 32);
			want[36] = 0;
			for (unsigned i = 0; i < 8; i++)
				want[37 + i] = (u8)(0x40 + i);
			assert_int_equal(R.req_len[3], 45);
			assert_memory_equal(R.req[3], want, 45);
		} else {
			/* KEY_EXCHANGE 1.3, secp384r1: 13h E4h, MeasurementSummaryHashType 0, SlotID 0
			 * | ReqSessionID 0001h | SessionPolicy 0 | reserved | RandomData (RNG) |
			 * ExchangeData X || Y (96) | the opaque data above: 158 bytes */
			const u8 *q = R.req[3];

			assert_int_not_equal(spdm_start_session(&C), 0);
			assert_int_equal(R.req_len[3], 40 + 96 + sizeof(v_kex_opaque));
			assert_memory_equal(q, ((u8[]){ 0x13, 0xe4, 0, 0, 0x01, 0x00, 0, 0 }), 8);
			for (unsigned i = 0; i < 32; i++)
				assert_int_equal(q[8 + i], (u8)(0x40 + i));
			assert_memory_equal(q + 136, v_kex_opaque, sizeof(v_kex_opaque));
		}
		spdm_reset(&C);
	}
}

/* The opaque data Moat offers and the selections it takes or refuses. */
static void opaque_data_matches_dsp0277(void **state)
{
	u8 buf[64];
	u16 v = 0;
	static const u8 select_13[12] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
					  0x04, 0x00, 0x01, 0x00, 0x00, 0x13 };

	(void)state;
	assert_int_equal(spdm_opaque_sm_offer(buf, sizeof(buf)), 20);
	assert_memory_equal(buf, v_kex_opaque + 2, 20);
	assert_int_equal(spdm_opaque_sm_selection(v_sm_select_12, 12, &v), 0);
	assert_int_equal(v, 0x1200);
	assert_int_equal(spdm_opaque_sm_selection(select_13, 12, &v), -E_NOTSUP);
	assert_int_equal(v, 0x1300);
	assert_int_equal(spdm_opaque_sm_selection(v_sm_select_12, 11, &v), -E_PROTO);
}

/*
 * DSP0277 1.2 on PCI DOE: SessionID (LE32) | Length (LE16) = 2 + message + 16 | AEAD over
 * {ApplicationDataLength (LE16) | message} with AAD = SessionID || Length and IV = salt XOR the
 * sequence number (little-endian in IV bytes 0..7) | MAC (16). Checked by decrypting Moat's
 * HEARTBEAT record here, independently, and by sealing the HEARTBEAT_ACK here for Moat.
 */
static void gcm(bool seal, const u8 *key, const u8 *salt, u64 seq, const u8 *aad, const u8 *in,
		size_t n, u8 *out, u8 *tag)
{
	mbedtls_gcm_context g;
	u8 iv[12];

	memcpy(iv, salt, 12);
	for (unsigned i = 0; i < 8; i++)
		iv[i] ^= (u8)(seq >> (8 * i));
	mbedtls_gcm_init(&g);
	assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256), 0);
	if (seal)
		assert_int_equal(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad,
							   6, in, out, 16, tag),
				 0);
	else
		assert_int_equal(mbedtls_gcm_auth_decrypt(&g, n, iv, 12, aad, 6, tag, 16, in, out),
				 0);
	mbedtls_gcm_free(&g);
}

static void secured_records_match_dsp0277(void **state)
{
	u8 plain[8], ack[6 + 6 + 16];
	const u8 *rec;

	(void)state;
	rec_start();
	rec_answer(v_version_12_13, sizeof(v_version_12_13));
	rec_answer(v_caps_13, sizeof(v_caps_13));
	rec_answer(v_algorithms_13_p384, sizeof(v_algorithms_13_p384));
	assert_int_equal(spdm_connect(&C), 0);
	C.state = SPDM_STATE_SESSION;
	C.in_session = true;
	C.sess.id = 0x11223344;
	memset(C.sess.req.key, 0x21, 32);
	memset(C.sess.req.iv, 0x31, 12);
	memset(C.sess.rsp.key, 0x22, 32);
	memset(C.sess.rsp.iv, 0x32, 12);
	C.sess.req.seq = C.sess.rsp.seq = 5;
	/* the answer: HEARTBEAT_ACK (13h 68h 00 00) sealed here with the responder's key */
	memcpy(ack, (u8[]){ 0x44, 0x33, 0x22, 0x11, 0x16, 0x00 }, 6);
	memcpy(plain, (u8[]){ 0x04, 0x00, 0x13, 0x68, 0x00, 0x00 }, 6);
	gcm(true, C.sess.rsp.key, C.sess.rsp.iv, 5, ack, plain, 6, ack + 6, ack + 12);
	rec_answer(ack, sizeof(ack));
	assert_int_equal(spdm_heartbeat(&C), 0);
	rec = R.req[3];
	assert_int_equal(R.req_len[3], 4 + 2 + 2 + 4 + 16);
	assert_memory_equal(rec, ((u8[]){ 0x44, 0x33, 0x22, 0x11, 0x16, 0x00 }), 6);
	gcm(false, C.sess.req.key, C.sess.req.iv, 5, rec, rec + 6, 6, plain, (u8 *)rec + 12);
	assert_memory_equal(plain, ((u8[]){ 0x04, 0x00, 0x13, 0xe8, 0x00, 0x00 }), 6);
	assert_int_equal(C.sess.req.seq, 6);
	assert_int_equal(C.sess.rsp.seq, 6);
	/* END_SESSION (13h ECh, Param1 0: no PreserveNegotiatedState) and its ACK (13h 6Ch) */
	R.nreq = R.nrsp = 0;
	memcpy(ack, (u8[]){ 0x44, 0x33, 0x22, 0x11, 0x16, 0x00 }, 6);
	memcpy(plain, (u8[]){ 0x04, 0x00, 0x13, 0x6c, 0x00, 0x00 }, 6);
	gcm(true, C.sess.rsp.key, C.sess.rsp.iv, 6, ack, plain, 6, ack + 6, ack + 12);
	rec_answer(ack, sizeof(ack));
	assert_int_equal(spdm_end_session(&C), 0);
	rec = R.req[0];
	assert_memory_equal(rec, ((u8[]){ 0x44, 0x33, 0x22, 0x11, 0x16, 0x00 }), 6);
	gcm(false, (u8[32]){ 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21,
			     0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21,
			     0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21 },
	    (u8[12]){ 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31 }, 6,
	    rec, rec + 6, 6, plain, (u8 *)rec + 12);
	assert_memory_equal(plain, ((u8[]){ 0x04, 0x00, 0x13, 0xec, 0x00, 0x00 }), 6);
	assert_int_equal(C.state, SPDM_STATE_AUTHENTICATED);
	assert_false(C.in_session);
	spdm_reset(&C);
}

/* CHUNK_SEND and CHUNK_GET as the tables lay them out, parsed by Moat's chunk code. */
static void chunk_messages_match_the_tables(void **state)
{
	/* CHUNK_RESPONSE seq 0 of a 10-byte message, 6 bytes of it: 12h 06h, not last, Handle 9 |
	 * ChunkSeqNo 0 | reserved | ChunkSize 6 | LargeMessageSize 10 | chunk */
	static const u8 first[16 + 6] = { 0x12, 0x06, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
					  0x06, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00,
					  0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5 };
	/* seq 1, last: 12h 06h 01h 09h | 0001h | 0 | ChunkSize 4 | chunk */
	static const u8 second[12 + 4] = { 0x12, 0x06, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00,
					   0x04, 0x00, 0x00, 0x00, 0xa6, 0xa7, 0xa8, 0xa9 };
	/* CHUNK_SEND_ACK of seq 1 carrying the response 12h 64h 00 00 */
	static const u8 ack[6 + 4] = { 0x12, 0x05, 0x00, 0x09, 0x01, 0x00, 0x12, 0x64, 0x00, 0x00 };
	u8 buf[16];
	struct spdm_chunk_rx st = {
		.version = 0x12, .handle = 9, .cap = sizeof(buf), .max_chunk = 64, .buf = buf
	};
	const u8 *rsp;
	size_t rlen;

	(void)state;
	assert_int_equal(spdm_chunk_rsp_parse(&st, first, sizeof(first)), 0);
	assert_false(st.last);
	assert_int_equal(spdm_chunk_rsp_parse(&st, second, sizeof(second)), 0);
	assert_true(st.last);
	assert_int_equal(st.got, 10);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(buf[i], 0xa0 + i);
	assert_int_equal(spdm_chunk_ack_parse(0x12, 9, 1, true, ack, sizeof(ack), &rsp, &rlen), 0);
	assert_int_equal(rlen, 4);
	assert_memory_equal(rsp, ack + 6, 4);
	assert_int_equal(spdm_chunk_ack_parse(0x12, 9, 0, true, ack, sizeof(ack), &rsp, &rlen),
			 -E_PROTO); /* another sequence number */
}

/* ---- devemu, the same vectors as raw DOE objects --------------------------------------------- */

static struct devemu D;
static u8 dev_vca[512], dev_b[4096];
static size_t dev_vca_len, dev_b_len;

/* One vector through devemu in a DOE object (DW0 Vendor 0001h, Type 01h; DW1 Length in DW);
 * the answer's payload into `out`. */
static size_t devemu_send(const u8 *msg, size_t len, u8 *out)
{
	u8 obj[600], rsp[4200];
	size_t olen, dw = 2 + (len + 3) / 4;

	memset(obj, 0, sizeof(obj));
	memcpy(obj, (u8[]){ 0x01, 0x00, 0x01, 0x00 }, 4);
	put_le32(obj + 4, (u32)dw);
	memcpy(obj + 8, msg, len);
	assert_int_equal(devemu_doe(&D, obj, dw * 4, rsp, sizeof(rsp), &olen), 0);
	assert_memory_equal(rsp, ((u8[]){ 0x01, 0x00, 0x01, 0x00 }), 4);
	assert_int_equal(get_le32(rsp + 4) * 4, olen);
	memcpy(out, rsp + 8, olen - 8);
	return olen - 8;
}

static void keep(u8 *buf, size_t *len, const u8 *p, size_t n)
{
	assert_true(*len + n <= 4096);
	memcpy(buf + *len, p, n);
	*len += n;
}

/* The slot-0 chain as DSP0274 lays it out, built here from the PKI files. */
static size_t chain_from_pki(u8 *out)
{
	size_t nr, ni, nl, n;
	u8 *root = spdm_stack_pki_file("p384", "root.der", &nr);
	u8 *inter = spdm_stack_pki_file("p384", "inter.der", &ni);
	u8 *leaf = spdm_stack_pki_file("p384", "leaf.der", &nl);

	n = 4 + 48 + nr + ni + nl;
	put_le16(out, (u16)n);
	out[2] = out[3] = 0;
	assert_int_equal(
		mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA384), root, nr, out + 4), 0);
	memcpy(out + 52, root, nr);
	memcpy(out + 52 + nr, inter, ni);
	memcpy(out + 52 + nr + ni, leaf, nl);
	free(root);
	free(inter);
	free(leaf);
	return n;
}

static int setup_devemu(void **state)
{
	char dir[256];

	(void)state;
	memset(&D, 0, sizeof(D));
	D.opt.spdm = 1u << 2 | 1u << 3;
	snprintf(dir, sizeof(dir), "%s/p384", spdm_stack_pki_dir());
	assert_int_equal(devemu_init(&D, dir, DEVEMU_FAULT_NONE), 0);
	dev_vca_len = dev_b_len = 0;
	return 0;
}

static int teardown_devemu(void **state)
{
	(void)state;
	devemu_free(&D);
	return 0;
}

static void devemu_answers_the_vca_vectors(void **state)
{
	u8 out[4200];
	size_t n;

	(void)state;
	n = devemu_send(v_get_version, 4, out);
	assert_int_equal(n, 12); /* 10 bytes, padded to DWs */
	assert_memory_equal(out, v_version_12_13, 10);
	keep(dev_vca, &dev_vca_len, v_get_version, 4);
	keep(dev_vca, &dev_vca_len, out, 10);
	n = devemu_send(v_get_caps_13, 20, out);
	assert_int_equal(n, 20);
	assert_memory_equal(out, v_caps_13, 20);
	keep(dev_vca, &dev_vca_len, v_get_caps_13, 20);
	keep(dev_vca, &dev_vca_len, out, 20);
	n = devemu_send(v_negotiate_13, 48, out);
	assert_int_equal(n, 48);
	assert_memory_equal(out, v_algorithms_13_p384, 48);
	keep(dev_vca, &dev_vca_len, v_negotiate_13, 48);
	keep(dev_vca, &dev_vca_len, out, 48);
}

/* Signature over Hash(M1): prefix "dmtf-spdm-v1.3.*" x4, padding, the context, Hash(M1). */
static int verify_p384(const u8 *transcript, size_t len, const char *ctx, const u8 *sig)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
	u8 m[100 + 48], digest[48], *der;
	mbedtls_x509_crt leaf;
	mbedtls_mpi r, s;
	size_t n, cl = strlen(ctx);
	int ret;

	for (int i = 0; i < 4; i++)
		memcpy(m + 16 * i, "dmtf-spdm-v1.3.*", 16);
	memset(m + 64, 0, 36 - cl);
	memcpy(m + 100 - cl, ctx, cl);
	assert_int_equal(mbedtls_md(md, transcript, len, m + 100), 0);
	assert_int_equal(mbedtls_md(md, m, sizeof(m), digest), 0);
	der = spdm_stack_pki_file("p384", "leaf.der", &n);
	mbedtls_x509_crt_init(&leaf);
	assert_int_equal(mbedtls_x509_crt_parse_der(&leaf, der, n), 0);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	assert_int_equal(mbedtls_mpi_read_binary(&r, sig, 48), 0);
	assert_int_equal(mbedtls_mpi_read_binary(&s, sig + 48, 48), 0);
	ret = mbedtls_ecdsa_verify(&mbedtls_pk_ec(leaf.pk)->grp, digest, 48,
				   &mbedtls_pk_ec(leaf.pk)->Q, &r, &s);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_x509_crt_free(&leaf);
	free(der);
	return ret;
}

static void devemu_answers_the_authentication_vectors(void **state)
{
	u8 out[4200], chain[4096], d[48], chal[44], m1[8192];
	static const u8 get_cert_128[8] = { 0x13, 0x82, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00 };
	size_t n, clen = chain_from_pki(chain), m1_len = 0;

	(void)state;
	devemu_answers_the_vca_vectors(state);
	/* DIGESTS 1.3: 13h 01h, SupportedSlotMask 01h, ProvisionedSlotMask 01h, SHA-384(chain) */
	n = devemu_send(v_get_digests_13, 4, out);
	assert_int_equal(n, 52);
	assert_memory_equal(out, ((u8[]){ 0x13, 0x01, 0x01, 0x01 }), 4);
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA384), chain, clen, d),
			 0);
	assert_memory_equal(out + 4, d, 48);
	keep(dev_b, &dev_b_len, v_get_digests_13, 4);
	keep(dev_b, &dev_b_len, out, 52);
	/* CERTIFICATE: 13h 02h SlotID 0, 0 | PortionLength 128 | RemainderLength | the chain */
	n = devemu_send(get_cert_128, 8, out);
	assert_int_equal(n, 8 + 128);
	assert_memory_equal(out, ((u8[]){ 0x13, 0x02, 0x00, 0x00, 0x80, 0x00 }), 6);
	assert_int_equal(get_le16(out + 6), clen - 128);
	assert_memory_equal(out + 8, chain, 128);
	keep(dev_b, &dev_b_len, get_cert_128, 8);
	keep(dev_b, &dev_b_len, out, 8 + 128);
	/* CHALLENGE 1.3 (44 bytes) -> CHALLENGE_AUTH: 13h 03h, SlotID 0, SlotMask 01h |
	 * CertChainHash | Nonce (device's) | no summary hash | OpaqueLength 0 | RequesterContext
	 * echoed | Signature (96) over M1 = VCA || B || CHALLENGE || CHALLENGE_AUTH w/o signature */
	memcpy(chal, (u8[]){ 0x13, 0x83, 0x00, 0x00 }, 4);
	for (unsigned i = 0; i < 40; i++)
		chal[4 + i] = (u8)(0x80 + i);
	n = devemu_send(chal, 44, out);
	assert_int_equal(n, 192); /* 4 + 48 + 32 + 2 + 8 + 96 = 190, then two bytes to a DW */
	assert_memory_equal(out + 190, ((u8[]){ 0, 0 }), 2);
	assert_memory_equal(out, ((u8[]){ 0x13, 0x03, 0x00, 0x01 }), 4);
	assert_memory_equal(out + 4, d, 48);
	assert_memory_equal(out + 84, ((u8[]){ 0x00, 0x00 }), 2);
	assert_memory_equal(out + 86, chal + 36, 8);
	memcpy(m1, dev_vca, dev_vca_len);
	m1_len = dev_vca_len;
	memcpy(m1 + m1_len, dev_b, dev_b_len);
	m1_len += dev_b_len;
	memcpy(m1 + m1_len, chal, 44);
	m1_len += 44;
	memcpy(m1 + m1_len, out, 94);
	m1_len += 94;
	assert_int_equal(verify_p384(m1, m1_len, "responder-challenge_auth signing", out + 94), 0);
}

/* ---- the DOE data objects pci/doe.c writes (PCIe 6.0 6.30.1) ------------------------------- */

static struct {
	u8 obj[64];
	size_t len;
} seen;

static int record_doe(void *ctx, const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
		      size_t *olen)
{
	if (len <= sizeof(seen.obj)) {
		memcpy(seen.obj, obj, len);
		seen.len = len;
	}
	return spdm_stack_doe(ctx, obj, len, out, cap, olen);
}

static void doe_objects_match_the_spec(void **state)
{
	struct spdm_stack *s = calloc(1, sizeof(*s));
	/* Discovery request (type 00h), Length 3 DW, Index 2 (the last of three protocols) */
	static const u8 disc_last[12] = { 0x01, 0x00, 0x00, 0x00, 0x03, 0x00,
					  0x00, 0x00, 0x02, 0x00, 0x00, 0x00 };
	/* GET_VERSION in a CMA/SPDM object (type 01h), Length 3 DW */
	static const u8 get_version_obj[12] = { 0x01, 0x00, 0x01, 0x00, 0x03, 0x00,
						0x00, 0x00, 0x10, 0x84, 0x00, 0x00 };

	(void)state;
	spdm_stack_up(s, "p384", DEVEMU_FAULT_NONE);
	/* what the driver wrote last during discovery, from the mailbox model's buffer (the
	 * model keeps the DWs, its count is reset once the object is consumed) */
	assert_memory_equal(s->doe.wbuf, disc_last, 12);
	/* the protocols the model announced, as the driver parsed them: (1,0), (1,1), (1,2) */
	assert_int_equal(s->mb.nprot, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(s->mb.prot[i].vendor, 1);
		assert_int_equal(s->mb.prot[i].type, i);
	}
	/* the first object of a connect: GET_VERSION through the DOE binding and driver */
	s->doe.handler = record_doe;
	seen.len = 0;
	u8 rsp[64];
	size_t rlen;
	assert_int_equal(s->bind.tp.exchange(s->bind.tp.ctx, false, v_get_version, 4, rsp,
					     sizeof(rsp), &rlen),
			 0);
	assert_int_equal(rlen, 8); /* devemu's VERSION (1.2 only), whole DWs */
	assert_int_equal(seen.len, 12);
	assert_memory_equal(seen.obj, get_version_obj, 12);
	pm_detach(&s->model);
	devemu_free(&s->dev);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec_negotiates_13_from_the_vectors),
		cmocka_unit_test(codec_requests_match_the_vectors),
		cmocka_unit_test(opaque_data_matches_dsp0277),
		cmocka_unit_test(secured_records_match_dsp0277),
		cmocka_unit_test(chunk_messages_match_the_tables),
		cmocka_unit_test_setup_teardown(devemu_answers_the_vca_vectors, setup_devemu,
						teardown_devemu),
		cmocka_unit_test_setup_teardown(devemu_answers_the_authentication_vectors,
						setup_devemu, teardown_devemu),
		cmocka_unit_test(doe_objects_match_the_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
