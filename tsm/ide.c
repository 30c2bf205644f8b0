// SPDX-License-Identifier: MIT
/* IDE stream keying over IDE_KM; see tsm/ide.h. */
#define LOG_COMPONENT "ide"
#include "tsm/ide.h"

#include <string.h>

#include "core/log.h"
#include "lib/err.h"
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
	memset(key, 0, sizeof(key));
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

static void ide_stop_first(struct tsm_pdev *pd, const struct tsm_ide *ide, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ide_gostop(pd, ide, i, false))
			pr_warn("stream %u: K_SET_STOP %u failed", ide->stream_id, i);
}

int tsm_ide_setup(struct tsm_pdev *pd, struct tsm_ide *ide, u8 stream_id, tsm_rng_fn rng)
{
	unsigned i;
	int err;

	memset(ide, 0, sizeof(*ide));
	ide->stream_id = stream_id;
	err = ide_query(pd, ide);
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
	ide->keyed = true;
	return 0;
stop:
	pr_err("stream %u: key set-up failed at sub-stream %u: %s", stream_id, i, err_str(err));
	ide_stop_first(pd, ide, 6);
	return err;
}

int tsm_ide_stop(struct tsm_pdev *pd, struct tsm_ide *ide)
{
	int first = 0;

	if (!ide->keyed)
		return 0;
	for (unsigned i = 0; i < 6; i++) {
		int err = ide_gostop(pd, ide, i, false);

		if (err && !first)
			first = err;
	}
	ide->keyed = false;
	return first;
}
