// SPDX-License-Identifier: MIT
/*
 * The TSM's boot unit (INIT_TSM): device connect for every device the policy selects, and at
 * power-off the ordered disconnect of every connected device (the unit's shutdown). The
 * certificate clock is the platform's real-time clock where Moat has one (core/rtc.h).
 */
#define LOG_COMPONENT "tsm"
#include "lib/compiler.h" /* before any libc header: picolibc has its own */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "core/init.h"
#include "core/log.h"
#include "core/rtc.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "tsm/tsm.h"

#include <stdlib.h>
#include <string.h>

static mbedtls_entropy_context tsm_entropy;
static mbedtls_ctr_drbg_context tsm_drbg;
static struct tsm_connect_policy tsm_pol;

static int tsm_spdm_rng(void *ctx, unsigned char *out, size_t len)
{
	return mbedtls_ctr_drbg_random(ctx, out, len);
}

static int tsm_rng(u8 *out, size_t len)
{
	return mbedtls_ctr_drbg_random(&tsm_drbg, out, len) ? -E_IO : 0;
}

static int tsm_policy_from_args(const struct platform *p, struct tsm_connect_policy *pol)
{
	char v[PLAT_BOOTARGS_MAX];

	memset(pol, 0, sizeof(*pol));
	if (!platform_bootarg(p, "moat.spdm.anchor", v, sizeof(v)) || tsm_parse_anchor(v, pol)) {
		pr_err("no valid moat.spdm.anchor=<root certificate digest>: no device connected");
		return -E_INVAL;
	}
	if (platform_bootarg(p, "moat.tsm.devices", v, sizeof(v)) && tsm_parse_devices(v, pol)) {
		pr_err("moat.tsm.devices: cannot parse '%s'", v);
		return -E_INVAL;
	}
	if (platform_bootarg(p, "moat.tsm.meas", v, sizeof(v)) && tsm_parse_meas(v, pol)) {
		pr_err("moat.tsm.meas: cannot parse '%s'", v);
		return -E_INVAL;
	}
	if (platform_bootarg(p, "moat.tsm.ide", v, sizeof(v)) && tsm_parse_ide(v, pol)) {
		pr_err("moat.tsm.ide: cannot parse '%s'", v);
		return -E_INVAL;
	}
	if (platform_bootarg(p, "moat.tsm.reset", v, sizeof(v)) && tsm_parse_reset(v, pol)) {
		pr_err("moat.tsm.reset: cannot parse '%s' (keep or reconnect)", v);
		return -E_INVAL;
	}
	return 0;
}

/* What the device proved at connect: the negotiated algorithms and the leaf certificate. */
static void tsm_report_auth(const struct tsm_dev *d)
{
	const struct spdm_conn *c = &d->spdm;
	char hex[2 * SPDM_HASH_MAX + 1];

	pr_info("%s: SPDM %s, secured messages %s, asym=%s hash=%s dhe=%s aead=%s", d->name,
		spdm_version_str(c->version), spdm_sm_version_str(c->sm_version),
		spdm_asym_name(c->alg.asym), spdm_hash_name(c->alg.hash), spdm_dhe_name(c->alg.dhe),
		spdm_aead_name(c->alg.aead));
	for (unsigned i = 0; i < c->hash_len && i < SPDM_HASH_MAX; i++)
		fmt_snprintf(hex + 2 * i, 3, "%02x", c->leaf_digest[i]);
	hex[2 * MIN(c->hash_len, SPDM_HASH_MAX)] = '\0';
	pr_info("%s: leaf certificate %s %s", d->name, spdm_hash_name(c->alg.hash), hex);
}

static void tsm_connect_one(struct pci_dev *pci, const struct spdm_config *cfg)
{
	struct tsm_dev *d = tsm_dev_slot();
	const char *stage = "";
	char name[16], line[160];
	int err;

	pci_bdf_str(pci, name, sizeof(name));
	if (!d) {
		pr_err("%s: not connected: more than %u devices", name, TSM_MAX_DEVS);
		return;
	}
	err = tsm_connect(d, pci, &tsm_pol, cfg, tsm_rng, &stage);
	if (err) {
		pr_err("%s: device refused at %s: %s", name, stage, d->why);
		return;
	}
	tsm_dev_commit();
	tsm_report_auth(d);
	pr_info("%s: connected: session 0x%08x, %u measurement block(s) kept as evidence", name,
		d->spdm.sess.id, d->meas_blocks);
	tsm_ide_describe(&d->ide, line, sizeof(line));
	pr_info("%s: %s", name, line);
	pr_info("%s: TDI 0x%08x ready, CONFIG_UNLOCKED", name, d->tdi.function_id);
	for (unsigned b = 0; b < 6; b++)
		if (d->tdi.bars.bar[b].size)
			pr_info("%s:   BAR%u 0x%llx size 0x%llx", name, b,
				(unsigned long long)d->tdi.bars.bar[b].base.v,
				(unsigned long long)d->tdi.bars.bar[b].size);
}

static int tsm_boot_init(struct moat_ctx *ctx)
{
	struct pci_state *s = pci_boot_state();
	struct spdm_config cfg = { .rng = tsm_spdm_rng,
				   .rng_ctx = &tsm_drbg,
				   .clock = rtc_seconds };
	bool any = false;

	for (unsigned i = 0; i < s->ndevs; i++)
		any |= s->devs[i].doe_cap != 0;
	if (!any)
		return -E_NODEV;
	mbedtls_entropy_init(&tsm_entropy);
	mbedtls_ctr_drbg_init(&tsm_drbg);
	if (mbedtls_ctr_drbg_seed(&tsm_drbg, mbedtls_entropy_func, &tsm_entropy,
				  (const u8 *)"moat-tsm", 8)) {
		pr_err("cannot seed the random generator: no device connected");
		return 0;
	}
	if (tsm_policy_from_args(ctx->plat, &tsm_pol))
		return 0;
	memcpy(cfg.anchor_digest, tsm_pol.anchor_digest, sizeof(cfg.anchor_digest));
	cfg.anchor_digest_len = tsm_pol.anchor_digest_len;
	for (unsigned i = 0; i < s->ndevs; i++) {
		struct pci_dev *p = &s->devs[i];

		if (p->doe_cap && tsm_policy_selects(&tsm_pol, p->host->segment, p->bdf))
			tsm_connect_one(p, &cfg);
	}
	return 0;
}

/* Power-off: every device's ordered disconnect (TDI, IDE stream, K_SET_STOP, END_SESSION). */
static void tsm_boot_shutdown(void)
{
	tsm_disconnect_all("power-off");
}

MOAT_UNIT_SHUTDOWN("tsm", INIT_TSM, tsm_boot_init, tsm_boot_shutdown);
