/* SPDX-License-Identifier: MIT */
/*
 * IDE stream keying over IDE_KM (PCIe 6.x 6.33.3; spdm-tdisp-doe.md 3.7): QUERY the device's
 * port, then for one selective stream KEY_PROG the six keys of a key set ({RX,TX} x
 * {PR,NPR,CPL}, fresh random AES-256 keys, initial IFV 1) and K_SET_GO them, receive side
 * first; K_SET_STOP on teardown. Keys are wiped from Moat's memory once sent. Where the device
 * and its root port both have the IDE Extended Capability (pci/ide.h) and the platform can key
 * the root port (tsm_ide_rp_ops), the same keys go to the root port and a selective stream
 * block is programmed and enabled at each end (tsm/ide_link.c), following the bring-up order of
 * Intel's TEE-IO guide Table B-6: keys, K_SET_GO, device Enable, root-port Enable, Secure.
 */
#ifndef TSM_IDE_H
#define TSM_IDE_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "pci/ide.h"
#include "tsm/ide_km.h"

struct tsm_pdev;

/*
 * The root port's half of a stream. Root-complex key programming has no standard register
 * interface (PCIe 6.x 6.33.3 leaves it to the platform; Intel's KCU, AMD's PSP and Arm's RMM
 * each have their own), so a platform driver provides these; QEMU has none. KeySubStream uses
 * the IDE_KM encoding from the root port's point of view (its TX keys are the device's RX keys).
 */
struct tsm_ide_rp_ops {
	int (*key_prog)(const struct pci_dev *rp, u8 stream_id, u8 key_sub_stream,
			const u8 key[IDE_KM_KEY_BYTES], const u8 ifv[IDE_KM_IFV_BYTES]);
	int (*key_go)(const struct pci_dev *rp, u8 stream_id, u8 key_sub_stream);
	int (*key_stop)(const struct pci_dev *rp, u8 stream_id, u8 key_sub_stream);
};

/* Registers the platform's root-port key hook (NULL: none). */
void tsm_ide_set_rp_ops(const struct tsm_ide_rp_ops *ops);

/* What a connected device's link ended up with. */
enum tsm_ide_link {
	TSM_IDE_LINK_NONE,     /* not keyed */
	TSM_IDE_LINK_DEV_ONLY, /* keys on the device only: no stream enabled in config space */
	TSM_IDE_LINK_SECURE, /* selective stream blocks programmed, enabled and Secure at both ends */
};

/* One end of the link: its IDE capability as parsed once, and the block used for the stream. */
struct tsm_ide_port {
	struct pci_dev *pci;
	struct pci_ide cap;
	unsigned block;
	bool enabled;
};

struct tsm_ide {
	bool keyed;	   /* K_SET_GO done for all six sub-streams */
	u8 port_index;	   /* the device port we keyed */
	u8 stream_id;	   /* the selective stream */
	u8 key_set;	   /* 0 (K0) or 1 (K1) */
	unsigned nstreams; /* selective streams the port offers */
	struct ide_km_query_resp query;
	enum tsm_ide_link link;
	const char *why;		     /* why the link is not TSM_IDE_LINK_SECURE */
	const struct tsm_ide_rp_ops *rp_ops; /* non-NULL while the root port holds keys */
	bool rp_keyed;
	unsigned stops; /* K_SET_STOPs the device acknowledged since the keys were sent */
	struct tsm_ide_port ep, rp;
};

/* Random bytes for the keys (the TSM's DRBG). */
typedef int (*tsm_rng_fn)(u8 *out, size_t len);

/* QUERY, KEY_PROG x6, K_SET_GO x6 (RX then TX). On failure keys already sent are stopped. */
int tsm_ide_setup(struct tsm_pdev *pd, struct tsm_ide *ide, u8 stream_id,
		  tsm_rng_fn rng) __must_check;
/*
 * Clears the streams' Enable at both ends, then K_SET_STOP x6 and the root port's keys. With the
 * session lost (pd->connected false) only the Enables and the root port's keys can be undone:
 * -E_STATE.
 */
int tsm_ide_stop(struct tsm_pdev *pd, struct tsm_ide *ide) __must_check;

/*
 * The whole IDE set-up of a connected device `pci` for `stream_id`: where the device and its
 * root port both have a usable IDE capability and the platform can key the root port, keys at
 * both ends, matching selective stream blocks programmed, enabled and Secure (bounded);
 * otherwise device-side keys only, with ide->why saying why, unless `require_link`, which
 * refuses (-E_NOTSUP). A malformed capability is refused before anything is written or sent.
 * *stage names the step that failed.
 */
int tsm_ide_connect(struct tsm_pdev *pd, struct tsm_ide *ide, struct pci_dev *pci, u8 stream_id,
		    bool require_link, tsm_rng_fn rng, const char **stage) __must_check;
/* One line describing the link's IDE mode, for the boot log. */
void tsm_ide_describe(const struct tsm_ide *ide, char *buf, size_t size);

/* ---- tsm/ide_link.c: the config-space half ---- */
/* Probes both ends; fills ide->ep/rp and returns whether a link stream is possible (else why). */
int tsm_ide_link_probe(struct tsm_ide *ide, struct pci_dev *pci, bool *possible) __must_check;
/* Programs both blocks for ide->stream_id, enables them, waits for Secure; undoes on error. */
int tsm_ide_link_start(struct tsm_ide *ide) __must_check;
/* Clears Enable (device first, then root port) and the associations. */
void tsm_ide_link_stop(struct tsm_ide *ide);

#endif
