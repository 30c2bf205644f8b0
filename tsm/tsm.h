/* SPDX-License-Identifier: MIT */
/*
 * The TSM's devices (docs/architecture.md section 2 `pdev`): connect at boot (INIT_TSM) for each device
 * the policy selects: DOE mailbox, SPDM 1.2/1.3 session with the certificate chain checked
 * against the trust anchor, measurements kept as evidence and checked against the required
 * blocks, IDE_KM keys for the selective stream; then one TDI per function, unbound, for the VM
 * layer. The ordered disconnect (TDI stopped, IDE stream disabled, K_SET_STOP for each key,
 * END_SESSION; every step bounded by the DOE and SPDM time limits) runs at power-off, for a
 * device no VM was given, when a connect is refused after its session was made, and at a VM
 * reset when the policy asks for a new session (moat.tsm.reset=reconnect).
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
	char why[192];	     /* the last connect's refusal, one line (tsm_connect()) */
	/* what the connect was given, for a reconnect */
	const struct tsm_connect_policy *pol;
	struct spdm_config cfg;
	tsm_rng_fn rng;
	u8 meas[TSM_MEAS_MAX];
	size_t meas_len;
	unsigned meas_blocks;
	u8 vdm_buf[TSM_MSG_MAX + 1];
	u8 ev_msg[SPDM_REC_MAX + 64]; /* a signed GET_MEASUREMENTS exchange (tsm_measure) */
	struct tdi tdi;
};

/*
 * Connects `pci`; on failure *stage names the step, d->why says why in one line (with the
 * clean-up sent when the session already existed) and the device stays unconnected.
 */
int tsm_connect(struct tsm_dev *d, struct pci_dev *pci, const struct tsm_connect_policy *pol,
		const struct spdm_config *cfg, tsm_rng_fn rng, const char **stage) __must_check;
/*
 * The ordered disconnect: the TDI's teardown (STOP_INTERFACE, VM assignment dropped), the IDE
 * stream's Enable cleared at both ends, K_SET_STOP for every key, END_SESSION. One line says
 * what was done (`why` in it). Steps that fail are reported and the rest still run; without
 * the session only the Enables and the root port's keys can be undone. -E_IO if any failed.
 */
int tsm_disconnect(struct tsm_dev *d, const char *why);
/* Every connected device (power-off). */
void tsm_disconnect_all(const char *why);
/* Connected devices whose TDI no VM was assigned (after the VMs are built). */
void tsm_disconnect_unassigned(void);
/*
 * The VM owning `t` was reset (its TDI is torn down already): with moat.tsm.reset=reconnect
 * the device is disconnected and connected again (a new session and new IDE keys), its TDI
 * assigned to the same VM; otherwise nothing.
 */
int tsm_vm_reset(struct tdi *t) __must_check;

/* The connected devices (boot): fill the free slot with tsm_connect(), then commit it. */
struct tsm_dev *tsm_dev_slot(void);
void tsm_dev_commit(void);
unsigned tsm_ndevs(void);
struct tsm_dev *tsm_dev_at(unsigned i);
/* The TDI of a function, for the VM layer; NULL if the TSM did not connect it. */
struct tdi *tsm_find_tdi(u16 segment, pci_bdf_t bdf);

#endif
