// SPDX-License-Identifier: MIT
/* IDE stream keying over IDE_KM; see tsm/ide.h. */
#define LOG_COMPONENT "ide"
#include "tsm/ide.h"

#include <string.h>

#include "core/log.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "tsm/tdi.h"

/* The six sub-streams of a key set, receive side first (Intel TEE-IO Table B-6 order). */
static const u8 ide_sub_streams[6] = {
	IDE_KM_SUB_PR,
	IDE_KM_SUB_NPR,
	IDE_KM_SUB_CPL,
	IDE_KM_SUB_PR | IDE_KM_KS_TX,
	IDE_KM_SUB_NPR | IDE_KM_KS_TX,
	IDE_KM_SUB_CPL | IDE_KM_KS_TX,
};

static int ide_exchange(struct tsm_pdev *pd, int req_len, size_t *rsp_len)
{
	int err;

	if (req_len < 0)
		return req_len;
	if (!pd->ops || !pd->ops->vdm)
		return trace_err(-E_NODEV);
	err = pd->ops->vdm(pd, IDE_KM_PROTOCOL_ID, pd->req, (size_t)req_len, pd->rsp,
			   sizeof(pd->rsp), rsp_len);
	if (!err && *rsp_len > sizeof(pd->rsp))
		err = trace_err(-E_PROTO);
	return err;
}

static int ide_query(struct tsm_pdev *pd, struct tsm_ide *ide)
{
	size_t len;
	int err = ide_exchange(pd, ide_km_build_query(pd->req, sizeof(pd->req), ide->port_index),
			       &len);

	if (!err)
		err = ide_km_parse_query_resp(pd->rsp, len, ide->port_index, &ide->query);
	if (!err)
		ide->nstreams = ide_km_selective_streams(&ide->query);
	return err;
}

static struct ide_km_slot ide_slot(const struct tsm_ide *ide, unsigned i)
{
	return (struct ide_km_slot){
		.stream_id = ide->stream_id,
		.key_sub_stream = (u8)(ide_sub_streams[i] | (ide->key_set ? IDE_KM_KS_K1 : 0)),
		.port_index = ide->port_index,
	};
}

/* The root port's KeySubStream for the device's slot i: same sub-stream, other direction. */
static u8 ide_rp_sub(const struct tsm_ide *ide, unsigned i)
{
	return (u8)(ide_slot(ide, i).key_sub_stream ^ IDE_KM_KS_TX);
}

static int ide_key_prog(struct tsm_pdev *pd, const struct tsm_ide *ide, unsigned i, tsm_rng_fn rng)
{
	/* PCIe IV = 0x00000000 || IFV, initial IFV 1 (spdm-tdisp-doe.md 3.7). */
	static const u8 ifv[IDE_KM_IFV_BYTES] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	struct ide_km_slot s = ide_slot(ide, i);
	u8 key[IDE_KM_KEY_BYTES];
	size_t len;
	int n, err;

	err = rng(key, sizeof(key));
	if (err)
		return err;
	n = ide_km_build_key_prog(pd->req, sizeof(pd->req), &s, key, ifv);
	if (ide->rp_ops && n >= 0)
		err = ide->rp_ops->key_prog(ide->rp.pci, ide->stream_id, ide_rp_sub(ide, i), key,
					    ifv);
	memset(key, 0, sizeof(key));
	if (!err)
		err = ide_exchange(pd, n, &len);
	memset(pd->req, 0, sizeof(pd->req)); /* the key's wire copy */
	return err ? err : ide_km_parse_kp_ack(pd->rsp, len, &s);
}

static int ide_gostop(struct tsm_pdev *pd, const struct tsm_ide *ide, unsigned i, bool go)
{
	struct ide_km_slot s = ide_slot(ide, i);
	size_t len;
	int err = ide_exchange(pd, ide_km_build_gostop(pd->req, sizeof(pd->req), &s, go), &len);

	return err ? err : ide_km_parse_gostop_ack(pd->rsp, len, &s);
}

/* The root port's six keys; RX first from its own point of view, like the device's. */
static int ide_rp_gostop(const struct tsm_ide *ide, bool go)
{
	int first = 0;

	for (unsigned i = 0; i < 6; i++) {
		u8 sub = (u8)(ide_sub_streams[i] | (ide->key_set ? IDE_KM_KS_K1 : 0));
		int err = go ? ide->rp_ops->key_go(ide->rp.pci, ide->stream_id, sub)
			     : ide->rp_ops->key_stop(ide->rp.pci, ide->stream_id, sub);

		if (err && go)
			return err;
		if (err && !first)
			first = err;
	}
	return first;
}

static void ide_stop_first(struct tsm_pdev *pd, struct tsm_ide *ide, unsigned n)
{
	for (unsigned i = 0; i < n && pd->connected; i++) {
		if (ide_gostop(pd, ide, i, false))
			pr_warn("stream %u: K_SET_STOP %u failed", ide->stream_id, i);
		else
			ide->stops++;
	}
	if (ide->rp_ops && ide_rp_gostop(ide, false))
		pr_warn("stream %u: root port key stop failed", ide->stream_id);
}

/*
 * QUERY_RESP carries an image of the port's IDE capability (PCIe 6.x 6.33.3): where the function
 * has that capability in config space, the two must agree, or the device is lying to one of us.
 */
static int ide_check_cap(const struct tsm_ide *ide, const struct pci_dev *pci)
{
	u32 cap;

	if (!pci->ide_cap)
		return 0;
	cap = pci_dev_read32(pci, (u16)(pci->ide_cap + PCI_IDE_CAP));
	if (cap == ide->query.regs[0])
		return 0;
	pr_err("IDE_KM reports IDE Cap 0x%08x, config space has 0x%08x", ide->query.regs[0], cap);
	return trace_err(-E_PROTO);
}

/*
 * QUERY_RESP names the function whose port answers (PCIe 6.x 6.33.3: Dev/Func, Bus, Segment):
 * it must be the one Moat is keying, or the keys would go to some other function's stream.
 */
static int ide_check_identity(const struct tsm_ide *ide, const struct pci_dev *pci)
{
	const struct ide_km_query_resp *q = &ide->query;
	u16 seg = pci->host ? pci->host->segment : 0;
	char name[16];

	if (q->bus == PCI_BUS(pci->bdf) && q->dev_func == (pci->bdf & 0xff) && q->segment == seg)
		return 0;
	pci_bdf_str(pci, name, sizeof(name));
	pr_err("IDE_KM QUERY_RESP names %04x:%02x:%02x.%u, not the function keyed (%s)", q->segment,
	       q->bus, q->dev_func >> 3, q->dev_func & 7, name);
	return trace_err(-E_PROTO);
}

/*
 * QUERY, KEY_PROG x6, K_SET_GO x6 on the device (and the root port, if rp_ops is set). With
 * `pci`, QUERY_RESP must describe that function before any key is sent.
 */
static int ide_keys(struct tsm_pdev *pd, struct tsm_ide *ide, tsm_rng_fn rng,
		    const struct pci_dev *pci)
{
	unsigned i;
	int err = ide_query(pd, ide);

	if (!err && pci && !(err = ide_check_identity(ide, pci)))
		err = ide_check_cap(ide, pci);
	if (err)
		return err;
	if (ide->nstreams == 0)
		return trace_err(-E_NOTSUP);
	for (i = 0; i < 6; i++) {
		err = ide_key_prog(pd, ide, i, rng);
		if (err)
			goto stop;
	}
	for (i = 0; i < 6; i++) {
		err = ide_gostop(pd, ide, i, true);
		if (err)
			goto stop;
	}
	if (ide->rp_ops && (err = ide_rp_gostop(ide, true))) {
		pr_err("stream %u: root port keys refused: %s", ide->stream_id, err_str(err));
		ide_stop_first(pd, ide, 6);
		return err;
	}
	ide->keyed = true;
	ide->rp_keyed = ide->rp_ops != NULL;
	return 0;
stop:
	pr_err("stream %u: key set-up failed at sub-stream %u: %s", ide->stream_id, i,
	       err_str(err));
	ide_stop_first(pd, ide, 6);
	return err;
}

int tsm_ide_setup(struct tsm_pdev *pd, struct tsm_ide *ide, u8 stream_id, tsm_rng_fn rng)
{
	memset(ide, 0, sizeof(*ide));
	ide->stream_id = stream_id;
	return ide_keys(pd, ide, rng, NULL);
}

int tsm_ide_stop(struct tsm_pdev *pd, struct tsm_ide *ide)
{
	int first = 0;

	tsm_ide_link_stop(ide); /* Enable off before the keys go (Table B-6, "Stop") */
	if (!ide->keyed)
		return 0;
	/* Without the session the device's keys cannot be reached; the root port's still can. */
	for (unsigned i = 0; i < 6 && pd->connected; i++) {
		int err = ide_gostop(pd, ide, i, false);

		if (err && !first)
			first = err;
		ide->stops += !err;
	}
	if (!pd->connected)
		first = trace_err(-E_STATE);
	if (ide->rp_keyed) {
		int err = ide_rp_gostop(ide, false);

		if (err && !first)
			first = err;
	}
	ide->keyed = false;
	ide->rp_keyed = false;
	return first;
}

static const struct tsm_ide_rp_ops *tsm_ide_rp;

void tsm_ide_set_rp_ops(const struct tsm_ide_rp_ops *ops)
{
	tsm_ide_rp = ops;
}

int tsm_ide_connect(struct tsm_pdev *pd, struct tsm_ide *ide, struct pci_dev *pci, u8 stream_id,
		    bool require_link, tsm_rng_fn rng, const char **stage)
{
	bool link = false;
	int err;

	memset(ide, 0, sizeof(*ide));
	ide->stream_id = stream_id;
	*stage = "IDE capability";
	err = tsm_ide_link_probe(ide, pci, &link);
	if (err)
		return err;
	if (link && !tsm_ide_rp) {
		link = false;
		ide->why = "no platform hook programs the root port's keys";
	}
	if (!link && require_link) {
		pr_err("stream %u: policy requires a link stream: %s", stream_id, ide->why);
		return trace_err(-E_NOTSUP);
	}
	ide->rp_ops = link ? tsm_ide_rp : NULL;
	*stage = "IDE_KM";
	err = ide_keys(pd, ide, rng, pci);
	if (err)
		return err;
	ide->link = TSM_IDE_LINK_DEV_ONLY;
	if (!link)
		return 0;
	*stage = "IDE stream";
	err = tsm_ide_link_start(ide);
	if (err) {
		if (tsm_ide_stop(pd, ide))
			pr_warn("stream %u: K_SET_STOP failed", stream_id);
		return err;
	}
	ide->link = TSM_IDE_LINK_SECURE;
	return 0;
}

void tsm_ide_describe(const struct tsm_ide *ide, char *buf, size_t size)
{
	char rp[16] = "";

	if (ide->rp.pci)
		pci_bdf_str(ide->rp.pci, rp, sizeof(rp));
	if (ide->link == TSM_IDE_LINK_SECURE)
		fmt_snprintf(
			buf, size,
			"IDE stream %u: link mode selective, Secure at both ends (device block "
			"%u, root port %s block %u; keys over IDE_KM and the platform hook)",
			ide->stream_id, ide->ep.block, rp, ide->rp.block);
	else if (ide->link == TSM_IDE_LINK_DEV_ONLY)
		fmt_snprintf(buf, size,
			     "IDE stream %u: link mode device-side keys only (K0: 6 keys over "
			     "IDE_KM, K_SET_GO; no stream enabled: %s)",
			     ide->stream_id, ide->why ? ide->why : "?");
	else
		fmt_snprintf(buf, size, "IDE: link mode none (not keyed: %s)",
			     ide->why ? ide->why : "policy off");
}
