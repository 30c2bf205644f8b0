/* SPDX-License-Identifier: MIT */
/*
 * The TSM's devices (DESIGN.md section 2 `pdev`): connect at boot (INIT_TSM) for each device
 * the policy selects: DOE mailbox, SPDM 1.2 session with the certificate chain checked against
 * the trust anchor, measurements kept as evidence and checked against the required blocks,
 * IDE_KM keys for the selective stream; then one TDI per function, unbound, for the VM layer.
 */
#ifndef TSM_TSM_H
#define TSM_TSM_H

#include "pci/doe.h"
#include "pci/pci.h"
#include "spdm/spdm_doe.h"
#include "tsm/ide.h"
#include "tsm/policy.h"
#include "tsm/tdi.h"

#define TSM_MAX_DEVS 4
#define TSM_MEAS_MAX 1024

struct tsm_dev {
	struct pci_dev *pci;
	char name[16];
	struct doe_mb mb;
	struct spdm_doe doe;
	struct spdm_conn spdm;
	struct tsm_pdev pd;
	struct tsm_ide ide;
	enum spdm_fail fail; /* why the last connect's SPDM flow failed (kept past the reset) */
	u8 fail_detail;	     /* the responder's ERROR code, if it answered ERROR */
	u8 meas[TSM_MEAS_MAX];
	size_t meas_len;
	unsigned meas_blocks;
	u8 vdm_buf[TSM_MSG_MAX + 1];
	u8 ev_msg[SPDM_REC_MAX + 64]; /* a signed GET_MEASUREMENTS exchange (tsm_measure) */
	struct tdi tdi;
};

/* Connects `pci`; on failure *stage names the step and the device stays unconnected. */
int tsm_connect(struct tsm_dev *d, struct pci_dev *pci, const struct tsm_connect_policy *pol,
		const struct spdm_config *cfg, tsm_rng_fn rng, const char **stage) __must_check;
/* Unbinds the TDI, stops the IDE keys and ends the session. */
void tsm_disconnect(struct tsm_dev *d);

/* The connected devices (boot): fill the free slot with tsm_connect(), then commit it. */
struct tsm_dev *tsm_dev_slot(void);
void tsm_dev_commit(void);
unsigned tsm_ndevs(void);
struct tsm_dev *tsm_dev_at(unsigned i);
/* The TDI of a function, for the VM layer; NULL if the TSM did not connect it. */
struct tdi *tsm_find_tdi(u16 segment, pci_bdf_t bdf);

#endif
