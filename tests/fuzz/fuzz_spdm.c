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
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdh.h>
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

/*
 * The requester's ephemeral ECDH key (spdm_ecdh_begin) is drawn before any response is read,
 * from this harness's constant RNG: the same key for every input that starts a session, and
 * an EC scalar multiplication (most of such an input's time) that the input cannot change.
 * The harness stands in for mbedtls_ecdh_gen_public (the library's symbol, found with
 * RTLD_NEXT): a group's first call runs the library's and records the random bytes it drew;
 * a later call draws as many from its own generator and, only when they are the same bytes,
 * returns the same key (the result is a function of them); otherwise the library runs.
 */
#define GEN_RNG_MAX 512

typedef int (*rng_fn)(void *, unsigned char *, size_t);
typedef int (*gen_fn)(mbedtls_ecp_group *, mbedtls_mpi *, mbedtls_ecp_point *, rng_fn, void *);

static struct gen_memo {
	mbedtls_ecp_group_id id;
	u8 drawn[GEN_RNG_MAX];
	size_t ndrawn; /* > GEN_RNG_MAX: too many to keep, never reused */
	mbedtls_mpi d;
	mbedtls_ecp_point q;
	bool checked; /* the library, given the recorded bytes again, gave the same key */
} memo[4];
static unsigned nmemo;

struct rec_rng {
	rng_fn f;
	void *ctx;
	struct gen_memo *m;
};

static int rec_rng(void *ctx, unsigned char *out, size_t len)
{
	struct rec_rng *r = ctx;
	int ret = r->f(r->ctx, out, len);

	if (!ret && r->m->ndrawn + len <= GEN_RNG_MAX)
		memcpy(r->m->drawn + r->m->ndrawn, out, len);
	r->m->ndrawn += len;
	return ret;
}

/* The recorded bytes again, in order (for the check that they give the same key). */
static int replay_rng(void *ctx, unsigned char *out, size_t len)
{
	struct rec_rng *r = ctx;

	if (r->m->ndrawn + len > sizeof(r->m->drawn))
		return -1;
	memcpy(out, r->m->drawn + r->m->ndrawn, len);
	r->m->ndrawn += len;
	return 0;
}

/* Once per group, on its first reuse: the library's own answer from the same bytes. */
static void memo_check(gen_fn real, mbedtls_ecp_group *grp, struct gen_memo *m)
{
	struct gen_memo again = { .id = m->id };
	mbedtls_mpi d;
	mbedtls_ecp_point q;

	memcpy(again.drawn, m->drawn, sizeof(again.drawn));
	mbedtls_mpi_init(&d);
	mbedtls_ecp_point_init(&q);
	if (real(grp, &d, &q, replay_rng, &(struct rec_rng){ NULL, NULL, &again }) ||
	    again.ndrawn != m->ndrawn || mbedtls_mpi_cmp_mpi(&d, &m->d) ||
	    mbedtls_ecp_point_cmp(&q, &m->q))
		abort(); /* the key is not a function of the bytes drawn: no memo */
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	m->checked = true;
}

int mbedtls_ecdh_gen_public(mbedtls_ecp_group *grp, mbedtls_mpi *d, mbedtls_ecp_point *q,
			    rng_fn f_rng, void *p_rng)
{
	static gen_fn real;
	struct gen_memo *m = NULL;
	u8 now[GEN_RNG_MAX];
	int ret;

	if (!real && !(real = (gen_fn)dlsym(RTLD_NEXT, "mbedtls_ecdh_gen_public")))
		abort();
	for (unsigned i = 0; i < nmemo; i++)
		if (memo[i].id == grp->id)
			m = &memo[i];
	if (m && m->ndrawn <= GEN_RNG_MAX) {
		if (f_rng(p_rng, now, m->ndrawn))
			return MBEDTLS_ERR_ECP_RANDOM_FAILED;
		if (!memcmp(now, m->drawn, m->ndrawn) && !m->checked)
			memo_check(real, grp, m);
		if (!memcmp(now, m->drawn, m->ndrawn))
			return mbedtls_mpi_copy(d, &m->d) || mbedtls_ecp_copy(q, &m->q)
				       ? MBEDTLS_ERR_MPI_ALLOC_FAILED
				       : 0;
	}
	if (m || nmemo == sizeof(memo) / sizeof(memo[0]))
		return real(grp, d, q, f_rng, p_rng); /* other bytes: not what was recorded */
	m = &memo[nmemo];
	m->id = grp->id;
	m->ndrawn = 0;
	m->checked = false;
	mbedtls_mpi_init(&m->d);
	mbedtls_ecp_point_init(&m->q);
	ret = real(grp, d, q, rec_rng, &(struct rec_rng){ f_rng, p_rng, m });
	if (!ret && !mbedtls_mpi_copy(&m->d, d) && !mbedtls_ecp_copy(&m->q, q))
		nmemo++;
	return ret;
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
