// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness over the SPDM requester's response parsers: every response the requester
 * receives comes from the input ([u16 length][bytes] records). The first byte picks where to
 * start -- from GET_VERSION, from an authenticated connection (a real leaf key, so CHALLENGE_AUTH,
 * MEASUREMENTS and KEY_EXCHANGE_RSP are parsed up to their signatures), or inside a session
 * (secured records, vendor-defined responses) -- and which negotiation the canned VCA made:
 * SPDM 1.2, SPDM 1.3 (RequesterContext in CHALLENGE_AUTH and MEASUREMENTS), or 1.2 with a
 * 64-byte DataTransferSize and CHUNK_CAP (CHUNK_SEND acknowledgements, ERROR LargeResponse and
 * CHUNK_RESPONSE reassembly from the input).
 */
#include <stdint.h>
#include <string.h>

#include <mbedtls/ecp.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

struct feed {
	const u8 *p;
	size_t n;
	unsigned canned;  /* canned VCA responses still to serve before fuzz data */
	unsigned variant; /* which canned VCA */
};

/* Three canned VCAs: 1.2; 1.3; 1.2 with CHUNK_CAP and a 64-byte DataTransferSize. */
static const u8 vca_rsp[3][3][52] = {
	{
		{ 0x10, 0x04, 0, 0, 0, 1, 0x00, 0x12 },
		{ 0x12, 0x61, 0, 0, 0, 12, 0, 0, 0xd6, 0x62, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0 },
		{ 0x12, 0x63, 3, 0, 48, 0,    1, 2, 2, 0,    0, 0, 0x10, 0,    0, 0,
		  1,	0,    0, 0, 0,	0,    0, 0, 0, 0,    0, 0, 0,	 0,    0, 0,
		  0,	0,    0, 0, 2,	0x20, 8, 0, 3, 0x20, 1, 0, 5,	 0x20, 1, 0 },
	},
	{
		{ 0x10, 0x04, 0, 0, 0, 1, 0x00, 0x13 },
		{ 0x13, 0x61, 0, 0, 0, 12, 0, 0, 0xd6, 0x62, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0 },
		{ 0x13, 0x63, 3, 0, 48, 0,    1, 2, 2, 0,    0, 0, 0x10, 0,    0, 0,
		  1,	0,    0, 0, 0,	0,    0, 0, 0, 0,    0, 0, 0,	 0,    0, 0,
		  0,	0,    0, 0, 2,	0x20, 8, 0, 3, 0x20, 1, 0, 5,	 0x20, 1, 0 },
	},
	{
		{ 0x10, 0x04, 0, 0, 0, 1, 0x00, 0x12 },
		{ 0x12, 0x61, 0, 0, 0, 12, 0, 0, 0xd6, 0x62, 2, 0, 64, 0, 0, 0, 0, 0x10, 0, 0 },
		{ 0x12, 0x63, 3, 0, 48, 0,    1, 2, 2, 0,    0, 0, 0x10, 0,    0, 0,
		  1,	0,    0, 0, 0,	0,    0, 0, 0, 0,    0, 0, 0,	 0,    0, 0,
		  0,	0,    0, 0, 2,	0x20, 8, 0, 3, 0x20, 1, 0, 5,	 0x20, 1, 0 },
	},
};
static const size_t vca_len[3] = { 8, 20, 48 };

static int fuzz_exchange(void *ctx, bool secured, const u8 *req, size_t req_len, u8 *rsp,
			 size_t cap, size_t *len)
{
	struct feed *f = ctx;
	size_t n;

	(void)secured;
	(void)req;
	(void)req_len;
	if (f->canned) {
		unsigned i = 3 - f->canned--;
		memcpy(rsp, vca_rsp[f->variant][i], vca_len[i]);
		*len = vca_len[i];
		return 0;
	}
	if (f->n < 2)
		return -E_IO;
	n = get_le16(f->p);
	f->p += 2;
	f->n -= 2;
	if (n > f->n || n > cap)
		return -E_IO;
	memcpy(rsp, f->p, n);
	*len = n;
	f->p += n;
	f->n -= n;
	return 0;
}

static int fuzz_rng(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	memset(out, 0x42, len);
	return 0;
}

static struct spdm_conn conn;
static u8 meas[512];

/* A P-256 key standing in for a validated leaf certificate's. */
static int fuzz_leaf(struct spdm_conn *c)
{
	static mbedtls_ecp_keypair key;
	static int ready;

	if (!ready) {
		mbedtls_ecp_keypair_init(&key);
		if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, &key, fuzz_rng, NULL))
			return -1;
		ready = 1;
	}
	mbedtls_ecp_keypair_init(&c->leaf);
	if (mbedtls_ecp_group_load(&c->leaf.grp, MBEDTLS_ECP_DP_SECP256R1) ||
	    mbedtls_ecp_copy(&c->leaf.Q, &key.Q))
		return -1;
	c->leaf_live = true;
	c->state = SPDM_STATE_AUTHENTICATED;
	c->cert_chain_len = 0;
	return 0;
}

static void fuzz_authenticated(struct spdm_conn *c, u8 sel)
{
	struct spdm_measurements m = { .record = meas, .record_cap = sizeof(meas) };

	if (spdm_connect(c) || fuzz_leaf(c))
		return;
	if (sel & 1)
		(void)spdm_challenge(c);
	else if (sel & 2)
		(void)spdm_get_measurements(c, NULL, &m);
	else
		(void)spdm_start_session(c);
}

static void fuzz_session(struct spdm_conn *c, u8 sel)
{
	u8 vid[2] = { 1, 0 }, out[64];
	size_t olen;

	if (spdm_connect(c) || fuzz_leaf(c))
		return;
	c->state = SPDM_STATE_SESSION;
	c->in_session = true;
	c->sess.id = 0xcafe0001;
	memset(c->sess.req.key, 1, sizeof(c->sess.req.key));
	memset(c->sess.rsp.key, 2, sizeof(c->sess.rsp.key));
	if (sel & 1)
		(void)spdm_heartbeat(c);
	else
		(void)spdm_vendor_request(c, 3, vid, 2, vid, 2, out, sizeof(out), &olen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f;
	struct spdm_transport tp = { .exchange = fuzz_exchange, .ctx = &f, .align = 4 };
	struct spdm_config cfg = { .rng = fuzz_rng, .anchor_digest_len = 48 };

	if (size < 1)
		return 0;
	f = (struct feed){ data + 1, size - 1, 0, (data[0] / 3) % 3 };
	spdm_init(&conn, &tp, &cfg);
	switch (data[0] % 3) {
	case 0:
		if (!spdm_connect(&conn))
			(void)spdm_get_certificate(&conn, 0);
		break;
	case 1:
		f.canned = 3;
		fuzz_authenticated(&conn, data[0] / 9);
		break;
	default:
		f.canned = 3;
		fuzz_session(&conn, data[0] / 9);
		break;
	}
	spdm_reset(&conn);
	return 0;
}
