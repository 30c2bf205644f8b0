// SPDX-License-Identifier: MIT
/* Device connect and disconnect: SPDM session, evidence, IDE_KM, the TDI; see tsm/tsm.h. */
#define LOG_COMPONENT "tsm"
#include "tsm/tsm.h"
#include "tsm/evidence.h"

#include <string.h>

#include "core/log.h"
#include "lib/err.h"
#include "lib/fmt.h"

#define SPDM_STANDARD_PCISIG 0x0003

static const u8 tsm_pcisig_vendor[2] = { 0x01, 0x00 }; /* PCI-SIG vendor ID 0x0001, LE */
/* The vendor-defined payload (PCIe 6.x 6.31.4): the Protocol ID, then the protocol message. */
#define TSM_VDM_OFF_PROTOCOL 0
#define TSM_VDM_OFF_MSG 1

/* What a PCI-SIG vendor-defined request is, for the refusal's line. */
static void tsm_vdm_name(u8 protocol, const u8 *req, size_t len, char *buf, size_t size)
{
	static const char *const ide[] = { "QUERY",  "QUERY_RESP", "KEY_PROG",
					   "KP_ACK", "K_SET_GO",   "K_SET_STOP" };
	static const char *const tdisp[] = { "GET_TDISP_VERSION",
					     "GET_TDISP_CAPABILITIES",
					     "LOCK_INTERFACE",
					     "GET_DEVICE_INTERFACE_REPORT",
					     "GET_DEVICE_INTERFACE_STATE",
					     "START_INTERFACE",
					     "STOP_INTERFACE" };

	if (protocol == IDE_KM_PROTOCOL_ID && len > IDE_KM_OFF_OBJECT &&
	    req[IDE_KM_OFF_OBJECT] < ARRAY_SIZE(ide))
		fmt_snprintf(buf, size, "IDE_KM %s", ide[req[IDE_KM_OFF_OBJECT]]);
	else if (protocol == TDISP_PROTOCOL_ID && len > 1 && req[1] >= TDISP_GET_VERSION &&
		 req[1] < TDISP_GET_VERSION + ARRAY_SIZE(tdisp))
		fmt_snprintf(buf, size, "TDISP %s", tdisp[req[1] - TDISP_GET_VERSION]);
	else
		fmt_snprintf(buf, size, "protocol %u request", protocol);
}

/*
 * One PCI-SIG vendor-defined request in the session (PCIe 6.x 6.31.4): the payload is the
 * protocol ID then the protocol message; the response must echo the protocol ID. An SPDM ERROR
 * answer refuses this request only: the session stays for what follows (clean-up included).
 */
static int tsm_vdm(struct tsm_pdev *pd, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		   size_t rsp_cap, size_t *rsp_len)
{
	struct tsm_dev *d = container_of(pd, struct tsm_dev, pd);
	size_t len = 0;
	char what[48];
	int err;

	if (req_len >= sizeof(d->vdm_buf))
		return trace_err(-E_RANGE);
	tsm_vdm_name(protocol, req, req_len, what, sizeof(what));
	d->vdm_buf[TSM_VDM_OFF_PROTOCOL] = protocol;
	memcpy(d->vdm_buf + TSM_VDM_OFF_MSG, req, req_len);
	err = spdm_vendor_request(&d->spdm, SPDM_STANDARD_PCISIG, tsm_pcisig_vendor,
				  sizeof(tsm_pcisig_vendor), d->vdm_buf, TSM_VDM_OFF_MSG + req_len,
				  d->vdm_buf, sizeof(d->vdm_buf), &len);
	/* IDE keys travel in these buffers: never leave them behind. */
	memset(d->spdm.req, 0, sizeof(d->spdm.req));
	if (!err && (len < TSM_VDM_OFF_MSG || d->vdm_buf[TSM_VDM_OFF_PROTOCOL] != protocol))
		err = trace_err(-E_PROTO);
	if (!err && len - TSM_VDM_OFF_MSG > rsp_cap)
		err = trace_err(-E_NOSPC);
	if (!err) {
		memcpy(rsp, d->vdm_buf + TSM_VDM_OFF_MSG, len - TSM_VDM_OFF_MSG);
		*rsp_len = len - TSM_VDM_OFF_MSG;
	}
	memset(d->vdm_buf, 0, sizeof(d->vdm_buf));
	if (err && d->spdm.state == SPDM_STATE_SESSION && d->spdm.refusal)
		pr_err("%s: %s refused by the device: SPDM ERROR %s (0x%02x); session kept",
		       d->name, what, spdm_error_name(d->spdm.refusal), d->spdm.refusal);
	if (err && d->spdm.state != SPDM_STATE_SESSION && pd->connected) {
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
		else if (d->spdm.refusal)
			pr_err("%s: GET_MEASUREMENTS refused by the device: SPDM ERROR %s "
			       "(0x%02x); "
			       "session kept",
			       d->name, spdm_error_name(d->spdm.refusal), d->spdm.refusal);
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

	/* pci/bar.c validated these (issue 13 item 1); a refused function gets none. */
	for (unsigned i = 0; i < 6 && !d->pci->refused; i++)
		if (d->pci->bar[i])
			bars.bar[i] = (struct pa_range){ pa(d->pci->bar[i]), d->pci->bar_size[i] };
	tdi_init(&d->tdi, &d->pd, tdisp_function_id(d->pci->bdf, (u8)seg, seg != 0), &bars);
}

static int tsm_ide_flow(struct tsm_dev *d, const struct tsm_connect_policy *pol, const char **stage)
{
	const struct pci_dev *pci = d->pci;

	if (pol->ide == TSM_IDE_OFF || (pol->ide == TSM_IDE_AUTO && !pci->ide_cap)) {
		d->ide.why =
			pol->ide == TSM_IDE_OFF ? "policy off" : "the device has no IDE capability";
		return 0;
	}
	return tsm_ide_connect(&d->pd, &d->ide, d->pci, pol->ide_stream, pol->ide == TSM_IDE_LINK,
			       d->rng, stage);
}

/* Why the connect failed, in one line: the SPDM reason, or the device's refusal. */
static void tsm_describe_failure(struct tsm_dev *d, int err)
{
	const struct spdm_conn *c = &d->spdm;

	if (c->fail != SPDM_FAIL_NONE)
		spdm_fail_describe(c, d->why, sizeof(d->why));
	else if (c->refusal)
		fmt_snprintf(d->why, sizeof(d->why),
			     "the device refused it: SPDM ERROR %s (0x%02x)",
			     spdm_error_name(c->refusal), c->refusal);
	else
		fmt_snprintf(d->why, sizeof(d->why), "%s", err_str(err));
}

/* After a refusal with the session up: K_SET_STOP already went (tsm/ide.c), END_SESSION now. */
static void tsm_refused_cleanup(struct tsm_dev *d)
{
	size_t n = strlen(d->why);

	if (d->spdm.state != SPDM_STATE_SESSION)
		return;
	if (spdm_end_session(&d->spdm)) {
		fmt_snprintf(d->why + n, sizeof(d->why) - n, "; END_SESSION failed");
		return;
	}
	if (d->ide.stops)
		fmt_snprintf(d->why + n, sizeof(d->why) - n,
			     "; clean-up: K_SET_STOP x%u, END_SESSION", d->ide.stops);
	else
		fmt_snprintf(d->why + n, sizeof(d->why) - n, "; clean-up: END_SESSION");
}

int tsm_connect(struct tsm_dev *d, struct pci_dev *pci, const struct tsm_connect_policy *pol,
		const struct spdm_config *cfg, tsm_rng_fn rng, const char **stage)
{
	struct spdm_config keep = *cfg; /* `cfg` may be d->cfg itself (a reconnect) */
	int err;

	memset(d, 0, sizeof(*d));
	d->pci = pci;
	d->pol = pol;
	d->cfg = keep;
	d->rng = rng;
	pci_bdf_str(pci, d->name, sizeof(d->name));
	*stage = "DOE";
	err = doe_init(&d->mb, pci, pci->doe_cap);
	if (!err)
		err = spdm_doe_bind(&d->doe, &d->mb);
	if (err) {
		fmt_snprintf(d->why, sizeof(d->why), "%s", err_str(err));
		return err;
	}
	spdm_init(&d->spdm, &d->doe.tp, &d->cfg);
	d->pd.ops = &tsm_dsm_ops;
	d->pd.connected = true; /* for the IDE_KM exchanges; cleared below on failure */
	err = tsm_spdm_flow(d, pol, stage);
	if (!err)
		err = tsm_ide_flow(d, pol, stage);
	if (err)
		goto fail;
	d->pd.cert_chain = d->spdm.cert_chain;
	d->pd.cert_chain_len = d->spdm.cert_chain_len;
	d->pd.meas = d->meas;
	d->pd.meas_len = d->meas_len;
	d->pd.ide_stream_id = pol->ide_stream;
	tsm_tdi_setup(d);
	return 0;
fail:
	tsm_describe_failure(d, err);
	tsm_refused_cleanup(d);
	d->pd.connected = false;
	d->fail = d->spdm.fail;
	d->fail_detail = d->spdm.fail_detail;
	spdm_reset(&d->spdm);
	return err;
}

/* Appends ", step" (or "step" first) to the disconnect's line. */
static void tsm_step(char *buf, size_t size, const char *step)
{
	size_t n = strlen(buf);

	fmt_snprintf(buf + n, size - n, "%s%s", n ? ", " : "", step);
}

static int tsm_disconnect_ide(struct tsm_dev *d, char *done, size_t size)
{
	bool enabled = d->ide.ep.enabled || d->ide.rp.enabled, keyed = d->ide.keyed;
	unsigned before = d->ide.stops;
	char s[48];
	int err = tsm_ide_stop(&d->pd, &d->ide);

	if (enabled) {
		fmt_snprintf(s, sizeof(s), "IDE stream %u disabled", d->ide.stream_id);
		tsm_step(done, size, s);
	}
	if (keyed && d->ide.stops > before) {
		fmt_snprintf(s, sizeof(s), "K_SET_STOP x%u", d->ide.stops - before);
		tsm_step(done, size, s);
	}
	if (err)
		pr_warn("%s: K_SET_STOP failed: %s", d->name, err_str(err));
	return err;
}

int tsm_disconnect(struct tsm_dev *d, const char *why)
{
	char done[128] = "";
	bool stopped = d->tdi.state != TDI_CONFIG_UNLOCKED;
	int first = 0, err;

	err = d->tdi.vm ? tdi_vm_teardown(&d->tdi, d->tdi.vm) : tdi_stop_unowned(&d->tdi);
	if (err) {
		pr_warn("%s: TDI teardown incomplete: %s", d->name, err_str(err));
		first = err;
	} else if (stopped) {
		tsm_step(done, sizeof(done), "TDI stopped");
	}
	/* Even when the session is gone: Enable off and the root port's keys stopped. */
	if ((err = tsm_disconnect_ide(d, done, sizeof(done))) && d->pd.connected && !first)
		first = err;
	if (d->pd.connected && d->spdm.state == SPDM_STATE_SESSION) {
		if ((err = spdm_end_session(&d->spdm))) {
			pr_warn("%s: END_SESSION failed: %s", d->name, spdm_fail_str(d->spdm.fail));
			first = first ? first : err;
		} else {
			tsm_step(done, sizeof(done), "END_SESSION");
		}
	}
	pr_info("%s: disconnected (%s): %s", d->name, why, done[0] ? done : "nothing to undo");
	d->pd.connected = false;
	spdm_reset(&d->spdm);
	return first ? -E_IO : 0;
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

void tsm_disconnect_all(const char *why)
{
	for (unsigned i = 0; i < tsm_ndev; i++)
		if (tsm_devs[i].pd.connected)
			(void)tsm_disconnect(&tsm_devs[i], why);
}

void tsm_disconnect_unassigned(void)
{
	for (unsigned i = 0; i < tsm_ndev; i++)
		if (tsm_devs[i].pd.connected && !tsm_devs[i].tdi.vm)
			(void)tsm_disconnect(&tsm_devs[i], "assigned to no VM");
}

/* The device of one of our TDIs, or NULL (a TDI the TSM did not connect). */
static struct tsm_dev *tsm_dev_of(const struct tdi *t)
{
	for (unsigned i = 0; i < tsm_ndev; i++)
		if (&tsm_devs[i].tdi == t)
			return &tsm_devs[i];
	return NULL;
}

int tsm_vm_reset(struct tdi *t)
{
	struct tsm_dev *d = tsm_dev_of(t);
	const struct tsm_vm_ops *ops = t->vm_ops;
	const char *stage = "";
	u32 vm = t->vm;
	int err;

	if (!d || !d->pol || !d->pol->reconnect_on_reset || !vm || !d->pd.connected)
		return 0;
	(void)tsm_disconnect(d, "VM reset");
	err = tsm_connect(d, d->pci, d->pol, &d->cfg, d->rng, &stage);
	if (err) {
		pr_err("%s: reconnect after the VM reset refused at %s: %s", d->name, stage,
		       d->why);
		return err;
	}
	pr_info("%s: reconnected: session 0x%08x, new IDE keys", d->name, d->spdm.sess.id);
	return tdi_assign(&d->tdi, vm, ops);
}
