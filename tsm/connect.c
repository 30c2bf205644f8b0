// SPDX-License-Identifier: MIT
/* Device connect: SPDM session, evidence, IDE_KM, the TDI; see tsm/tsm.h. */
#define LOG_COMPONENT "tsm"
#include "tsm/tsm.h"
#include "tsm/evidence.h"

#include <string.h>

#include "core/log.h"
#include "lib/err.h"
#include "lib/fmt.h"

#define SPDM_STANDARD_PCISIG 0x0003

static const u8 tsm_pcisig_vendor[2] = { 0x01, 0x00 }; /* PCI-SIG vendor ID 0x0001, LE */

/*
 * One PCI-SIG vendor-defined request in the session (spdm-tdisp-doe.md 3.1): the payload is
 * the protocol ID then the protocol message; the response must echo the protocol ID.
 */
static int tsm_vdm(struct tsm_pdev *pd, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		   size_t rsp_cap, size_t *rsp_len)
{
	struct tsm_dev *d = container_of(pd, struct tsm_dev, pd);
	size_t len = 0;
	int err;

	if (req_len >= sizeof(d->vdm_buf))
		return trace_err(-E_RANGE);
	d->vdm_buf[0] = protocol;
	memcpy(d->vdm_buf + 1, req, req_len);
	err = spdm_vendor_request(&d->spdm, SPDM_STANDARD_PCISIG, tsm_pcisig_vendor,
				  sizeof(tsm_pcisig_vendor), d->vdm_buf, req_len + 1, d->vdm_buf,
				  sizeof(d->vdm_buf), &len);
	/* IDE keys travel in these buffers: never leave them behind. */
	memset(d->spdm.req, 0, sizeof(d->spdm.req));
	if (!err && (len < 1 || d->vdm_buf[0] != protocol))
		err = trace_err(-E_PROTO);
	if (!err && len - 1 > rsp_cap)
		err = trace_err(-E_NOSPC);
	if (!err) {
		memcpy(rsp, d->vdm_buf + 1, len - 1);
		*rsp_len = len - 1;
	}
	memset(d->vdm_buf, 0, sizeof(d->vdm_buf));
	if (err && d->spdm.state != SPDM_STATE_SESSION) {
		pr_err("%s: secure session lost (%s): device disconnected", d->name,
		       spdm_fail_str(d->spdm.fail));
		pd->connected = false;
	}
	return err;
}

static int tsm_flr(struct tsm_pdev *pd, u32 function_id)
{
	struct tsm_dev *d = container_of(pd, struct tsm_dev, pd);

	if (function_id != d->tdi.function_id)
		return trace_err(-E_NOENT);
	return pci_flr(d->pci);
}

/*
 * GET_MEASUREMENTS in the session over a guest's nonce: the guest gets the signed exchange as
 * evidence it can verify itself (struct moat_ev_meas); also refreshes the kept record.
 */
static int tsm_measure(struct tsm_pdev *pd, const u8 nonce[TSM_NONCE_LEN], u8 *buf, size_t cap,
		       size_t *len)
{
	struct tsm_dev *d = container_of(pd, struct tsm_dev, pd);
	struct spdm_meas_capture ex = { .buf = d->ev_msg, .cap = sizeof(d->ev_msg) };
	struct spdm_measurements m = { .record = d->meas,
				       .record_cap = sizeof(d->meas),
				       .capture = &ex };
	int err = spdm_get_measurements(&d->spdm, nonce, &m);

	if (err) {
		d->meas_len = 0; /* a refused refresh leaves no stale evidence behind */
		pd->meas_len = 0;
		if (d->spdm.state != SPDM_STATE_SESSION)
			pd->connected = false;
		return err;
	}
	d->meas_len = m.len;
	d->meas_blocks = m.nblocks;
	pd->meas_len = m.len;
	return tsm_ev_meas_build(&d->spdm, &ex, buf, cap, len);
}

static const struct tsm_dsm_ops tsm_dsm_ops = {
	.vdm = tsm_vdm,
	.flr = tsm_flr,
	.measure = tsm_measure,
};

static int tsm_spdm_flow(struct tsm_dev *d, const struct tsm_connect_policy *pol,
			 const char **stage)
{
	struct spdm_measurements m = { .record = d->meas, .record_cap = sizeof(d->meas) };
	unsigned missing = 0;
	int err;

	/*
	 * The one boot-time authentication of a device: CHALLENGE proves the leaf key before any
	 * session, and HEARTBEAT / KEY_UPDATE / HEARTBEAT prove the session's records (and their
	 * sequence numbers) in both directions before IDE keys or TDISP travel in it.
	 */
	if ((*stage = "VCA", err = spdm_connect(&d->spdm)) ||
	    (*stage = "CERTIFICATE", err = spdm_get_certificate(&d->spdm, 0)) ||
	    (*stage = "CHALLENGE", err = spdm_challenge(&d->spdm)) ||
	    (*stage = "KEY_EXCHANGE/FINISH", err = spdm_start_session(&d->spdm)) ||
	    (*stage = "MEASUREMENTS", err = spdm_get_measurements(&d->spdm, NULL, &m)) ||
	    (*stage = "HEARTBEAT", err = spdm_heartbeat(&d->spdm)) ||
	    (*stage = "KEY_UPDATE", err = spdm_key_update(&d->spdm, true)) ||
	    (*stage = "HEARTBEAT", err = spdm_heartbeat(&d->spdm)))
		return err;
	d->meas_len = m.len;
	d->meas_blocks = m.nblocks;
	*stage = "measurement policy";
	err = tsm_meas_check(d->meas, d->meas_len, d->meas_blocks, pol, &missing);
	if (err == -E_NOENT)
		pr_err("%s: required measurement block %u missing", d->name, missing);
	return err;
}

static void tsm_tdi_setup(struct tsm_dev *d)
{
	struct tsm_bars bars = { 0 };
	u16 seg = d->pci->host ? d->pci->host->segment : 0;

	for (unsigned i = 0; i < 6; i++)
		bars.bar[i] = (struct pa_range){ pa(d->pci->bar[i]), d->pci->bar_size[i] };
	tdi_init(&d->tdi, &d->pd, tdisp_function_id(d->pci->bdf, (u8)seg, seg != 0), &bars);
}

int tsm_connect(struct tsm_dev *d, struct pci_dev *pci, const struct tsm_connect_policy *pol,
		const struct spdm_config *cfg, tsm_rng_fn rng, const char **stage)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->pci = pci;
	pci_bdf_str(pci, d->name, sizeof(d->name));
	*stage = "DOE";
	err = doe_init(&d->mb, pci, pci->doe_cap);
	if (!err)
		err = spdm_doe_bind(&d->doe, &d->mb);
	if (err)
		return err;
	spdm_init(&d->spdm, &d->doe.tp, cfg);
	err = tsm_spdm_flow(d, pol, stage);
	if (err)
		goto fail;
	d->pd.ops = &tsm_dsm_ops;
	d->pd.connected = true;
	d->pd.cert_chain = d->spdm.cert_chain;
	d->pd.cert_chain_len = d->spdm.cert_chain_len;
	d->pd.meas = d->meas;
	d->pd.meas_len = d->meas_len;
	d->pd.ide_stream_id = pol->ide_stream;
	if (pol->ide == TSM_IDE_OFF || (pol->ide == TSM_IDE_AUTO && !pci->ide_cap)) {
		d->ide.why =
			pol->ide == TSM_IDE_OFF ? "policy off" : "the device has no IDE capability";
	} else {
		err = tsm_ide_connect(&d->pd, &d->ide, pci, pol->ide_stream,
				      pol->ide == TSM_IDE_LINK, rng, stage);
		if (err)
			goto fail;
	}
	tsm_tdi_setup(d);
	return 0;
fail:
	d->pd.connected = false;
	d->fail = d->spdm.fail;
	d->fail_detail = d->spdm.fail_detail;
	spdm_reset(&d->spdm);
	return err;
}

void tsm_disconnect(struct tsm_dev *d)
{
	if (d->tdi.vm && tdi_vm_teardown(&d->tdi, d->tdi.vm))
		pr_warn("%s: TDI teardown incomplete", d->name);
	/* Even when the session is gone: Enable off and the root port's keys stopped. */
	if (tsm_ide_stop(&d->pd, &d->ide) && d->pd.connected)
		pr_warn("%s: K_SET_STOP failed", d->name);
	if (d->pd.connected && spdm_end_session(&d->spdm))
		pr_warn("%s: END_SESSION failed", d->name);
	d->pd.connected = false;
	spdm_reset(&d->spdm);
}

/* ---- the devices connected at boot --------------------------------------------------------- */

static struct tsm_dev tsm_devs[TSM_MAX_DEVS];
static unsigned tsm_ndev;

struct tsm_dev *tsm_dev_slot(void)
{
	return tsm_ndev < TSM_MAX_DEVS ? &tsm_devs[tsm_ndev] : NULL;
}

void tsm_dev_commit(void)
{
	tsm_ndev++;
}

unsigned tsm_ndevs(void)
{
	return tsm_ndev;
}

struct tsm_dev *tsm_dev_at(unsigned i)
{
	return i < tsm_ndev ? &tsm_devs[i] : NULL;
}

struct tdi *tsm_find_tdi(u16 segment, pci_bdf_t bdf)
{
	for (unsigned i = 0; i < tsm_ndev; i++) {
		const struct pci_dev *p = tsm_devs[i].pci;

		if (p->bdf == bdf && (p->host ? p->host->segment : 0) == segment)
			return &tsm_devs[i].tdi;
	}
	return NULL;
}
