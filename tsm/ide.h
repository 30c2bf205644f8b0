/* SPDX-License-Identifier: MIT */
/*
 * IDE stream keying over IDE_KM (PCIe 6.x 6.33.3; spdm-tdisp-doe.md 3.7): QUERY the device's
 * port, then for one selective stream KEY_PROG the six keys of a key set ({RX,TX} x
 * {PR,NPR,CPL}, fresh random AES-256 keys, initial IFV 1) and K_SET_GO them, receive side
 * first; K_SET_STOP on teardown. Keys are wiped from Moat's memory once sent (the root-port
 * side, whose key registers are platform-specific, is programmed by the platform's driver).
 */
#ifndef TSM_IDE_H
#define TSM_IDE_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "tsm/ide_km.h"

struct tsm_pdev;

struct tsm_ide {
	bool keyed;	   /* K_SET_GO done for all six sub-streams */
	u8 port_index;	   /* the device port we keyed */
	u8 stream_id;	   /* the selective stream */
	u8 key_set;	   /* 0 (K0) or 1 (K1) */
	unsigned nstreams; /* selective streams the port offers */
	struct ide_km_query_resp query;
};

/* Random bytes for the keys (the TSM's DRBG). */
typedef int (*tsm_rng_fn)(u8 *out, size_t len);

/* QUERY, KEY_PROG x6, K_SET_GO x6 (RX then TX). On failure keys already sent are stopped. */
int tsm_ide_setup(struct tsm_pdev *pd, struct tsm_ide *ide, u8 stream_id,
		  tsm_rng_fn rng) __must_check;
/* K_SET_STOP x6. */
int tsm_ide_stop(struct tsm_pdev *pd, struct tsm_ide *ide) __must_check;

#endif
