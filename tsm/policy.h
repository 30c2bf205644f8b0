/* SPDX-License-Identifier: MIT */
/*
 * TSM policy from the configuration (the boot arguments until the configuration file lands):
 *   moat.spdm.anchor=<hex>         SHA-256/384 digest of the trusted root certificate
 *   moat.tsm.devices=SSSS:BB:DD.F,...  which functions to connect (default: every function 0
 *                                  whose DOE mailbox speaks secured CMA/SPDM)
 *   moat.tsm.meas=I,J,...          measurement block indices the device must report
 *   moat.tsm.ide=<stream id>[:link]|off  key this selective IDE stream on every device, and
 *                                  where the device and its root port both have the IDE
 *                                  capability set the stream up in config space at both ends;
 *                                  ":link": refuse a device whose link cannot; "off": never;
 *                                  default: stream 0 on functions with an IDE capability
 *   moat.tsm.reset=keep|reconnect  at a VM's reset, keep the device's session and keys
 *                                  (default) or disconnect it and connect it again
 * and the check of a device's measurement record against it.
 */
#ifndef TSM_POLICY_H
#define TSM_POLICY_H

#include "lib/compiler.h"
#include "lib/types.h"

#define TSM_POLICY_MAX_DEVS 8

struct tsm_dev_sel {
	u16 segment;
	u16 bdf;
};

enum tsm_ide_mode {
	TSM_IDE_AUTO = 0, /* key devices whose function has an IDE capability */
	TSM_IDE_OFF,
	TSM_IDE_ON,   /* key every device (its IDE_KM responder decides); device-side keys only
		       * where the link cannot carry a selective stream */
	TSM_IDE_LINK, /* refuse a device unless the stream is Secure at both ends of its link */
};

struct tsm_connect_policy {
	u8 anchor_digest[64];
	u8 anchor_digest_len;
	unsigned ndevs; /* 0: every capable function 0 */
	struct tsm_dev_sel devs[TSM_POLICY_MAX_DEVS];
	u8 meas_required[32]; /* bitmap of block indices 0..255 */
	enum tsm_ide_mode ide;
	u8 ide_stream;
	bool reconnect_on_reset;
};

/* "SSSS:BB:DD.F[,...]" (hex; the segment may be omitted). */
int tsm_parse_devices(const char *s, struct tsm_connect_policy *pol) __must_check;
/* "I[,J...]" (decimal, 1..254). */
int tsm_parse_meas(const char *s, struct tsm_connect_policy *pol) __must_check;
/* 64, 96 or 128 hex digits (SHA-256, SHA-384, SHA-512 of the root certificate). */
int tsm_parse_anchor(const char *s, struct tsm_connect_policy *pol) __must_check;
/* "off", "N" or "N:link" (N decimal 0..255). */
int tsm_parse_ide(const char *s, struct tsm_connect_policy *pol) __must_check;
/* "keep" or "reconnect". */
int tsm_parse_reset(const char *s, struct tsm_connect_policy *pol) __must_check;
bool tsm_policy_selects(const struct tsm_connect_policy *pol, u16 segment, u16 bdf);

/*
 * Walks an SPDM measurement record (DSP0274 1.2 table 45: Index u8, MeasurementSpecification
 * u8, MeasurementSize u16, Measurement) of `nblocks` blocks and `len` bytes; every required
 * index must be present. Returns -E_PROTO if malformed, -E_NOENT naming the first missing
 * index in *missing.
 */
int tsm_meas_check(const u8 *rec, size_t len, unsigned nblocks,
		   const struct tsm_connect_policy *pol, unsigned *missing) __must_check;

#endif
