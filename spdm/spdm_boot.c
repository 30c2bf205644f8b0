// SPDX-License-Identifier: MIT
/*
 * Boot-time device authentication (INIT_TSM) until the TSM (issue 7) takes it over: for each
 * function with a DOE mailbox offering CMA/SPDM, run the whole requester flow against the trust
 * anchor given as moat.spdm.anchor=<sha256|sha384 hex of the root certificate> and print the
 * outcome. A device that fails is refused with the specific reason; boot continues.
 */
#define LOG_COMPONENT "spdm"
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "core/init.h"
#include "core/log.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "pci/doe.h"
#include "pci/pci.h"
#include "spdm/spdm_doe.h"

#include <string.h>

static struct spdm_conn spdm_boot_conn;
static struct doe_mb spdm_boot_mb;
static struct spdm_doe spdm_boot_doe;
static u8 spdm_boot_meas[1024];
static mbedtls_entropy_context spdm_entropy;
static mbedtls_ctr_drbg_context spdm_drbg;

static int spdm_boot_rng(void *ctx, unsigned char *out, size_t len)
{
	return mbedtls_ctr_drbg_random(ctx, out, len);
}

static int spdm_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int spdm_anchor_from_args(const struct platform *p, struct spdm_config *cfg)
{
	char hex[2 * SPDM_HASH_MAX + 2];
	size_t n;

	if (!platform_bootarg(p, "moat.spdm.anchor", hex, sizeof(hex)))
		return -E_NOENT;
	n = strlen(hex);
	if (n != 64 && n != 96)
		return -E_INVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = spdm_hexval(hex[2 * i]), lo = spdm_hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -E_INVAL;
		cfg->anchor_digest[i] = (u8)(hi << 4 | lo);
	}
	cfg->anchor_digest_len = (u8)(n / 2);
	return 0;
}

static void spdm_hex(const u8 *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		fmt_snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The whole flow; *stage names the step that failed. */
static int spdm_boot_flow(struct spdm_conn *c, struct spdm_measurements *m, const char **stage)
{
	int err;

	if ((*stage = "VCA", err = spdm_connect(c)) ||
	    (*stage = "CERTIFICATE", err = spdm_get_certificate(c, 0)) ||
	    (*stage = "CHALLENGE", err = spdm_challenge(c)) ||
	    (*stage = "KEY_EXCHANGE/FINISH", err = spdm_start_session(c)) ||
	    (*stage = "MEASUREMENTS", err = spdm_get_measurements(c, NULL, m)) ||
	    (*stage = "HEARTBEAT", err = spdm_heartbeat(c)) ||
	    (*stage = "KEY_UPDATE", err = spdm_key_update(c, true)) ||
	    (*stage = "HEARTBEAT", err = spdm_heartbeat(c)))
		return err;
	return 0;
}

static void spdm_boot_report(const struct spdm_conn *c, const struct spdm_measurements *m,
			     const char *dev)
{
	char hex[2 * SPDM_HASH_MAX + 1];

	pr_info("%s: SPDM 1.2 asym=%s hash=%s dhe=%s aead=%s", dev, spdm_asym_name(c->alg.asym),
		spdm_hash_name(c->alg.hash), spdm_dhe_name(c->alg.dhe),
		spdm_aead_name(c->alg.aead));
	spdm_hex(c->leaf_digest, c->hash_len, hex);
	pr_info("%s: leaf certificate %s %s", dev, spdm_hash_name(c->alg.hash), hex);
	pr_info("%s: measurements: %u block(s), %zu bytes, signed over a fresh nonce", dev,
		m->nblocks, m->len);
	pr_info("%s: session 0x%08x established (heartbeat and key update done)", dev, c->sess.id);
}

static void spdm_boot_device(const struct pci_dev *d, const struct spdm_config *cfg)
{
	struct spdm_conn *c = &spdm_boot_conn;
	struct spdm_measurements m = { .record = spdm_boot_meas,
				       .record_cap = sizeof(spdm_boot_meas) };
	const char *stage = "DOE";
	char dev[16];
	int err;

	pci_bdf_str(d, dev, sizeof(dev));
	if ((err = doe_init(&spdm_boot_mb, d, d->doe_cap))) {
		pr_err("%s: device refused: DOE mailbox: %s", dev, err_str(err));
		return;
	}
	if (spdm_doe_bind(&spdm_boot_doe, &spdm_boot_mb))
		return; /* the mailbox speaks other protocols only */
	spdm_init(c, &spdm_boot_doe.tp, cfg);
	err = spdm_boot_flow(c, &m, &stage);
	if (err) {
		pr_err("%s: device refused at %s: %s (error 0x%02x, %s)", dev, stage,
		       spdm_fail_str(c->fail), c->fail_detail, err_str(err));
		spdm_reset(c);
		return;
	}
	spdm_boot_report(c, &m, dev);
	if ((err = spdm_end_session(c))) {
		pr_err("%s: END_SESSION: %s", dev, spdm_fail_str(c->fail));
		return;
	}
	pr_info("%s: device authenticated; session ended (no TSM consumer yet)", dev);
	spdm_reset(c);
}

static int spdm_boot_init(struct moat_ctx *ctx)
{
	struct pci_state *s = pci_boot_state();
	struct spdm_config cfg = { .rng = spdm_boot_rng, .rng_ctx = &spdm_drbg };
	bool any = false;

	for (unsigned i = 0; i < s->ndevs; i++)
		any |= s->devs[i].doe_cap != 0;
	if (!any)
		return -E_NODEV;
	mbedtls_entropy_init(&spdm_entropy);
	mbedtls_ctr_drbg_init(&spdm_drbg);
	if (mbedtls_ctr_drbg_seed(&spdm_drbg, mbedtls_entropy_func, &spdm_entropy,
				  (const u8 *)"moat-spdm", 9)) {
		pr_err("cannot seed the random generator: devices stay unauthenticated");
		return 0;
	}
	if (spdm_anchor_from_args(ctx->plat, &cfg)) {
		pr_err("no valid moat.spdm.anchor=<root certificate digest>: devices refused");
		return 0;
	}
	for (unsigned i = 0; i < s->ndevs; i++)
		if (s->devs[i].doe_cap && PCI_FN(s->devs[i].bdf) == 0)
			spdm_boot_device(&s->devs[i], &cfg);
	return 0;
}

MOAT_UNIT("spdm", INIT_TSM, spdm_boot_init);
