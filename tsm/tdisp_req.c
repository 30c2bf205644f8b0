// SPDX-License-Identifier: MIT
/*
 * The TDISP requester: one request/response per call, over the DSM's vendor-defined channel
 * (inside the SPDM session). Responses are checked by tsm/tdisp.c.
 */
#define LOG_COMPONENT "tdisp"
#include "tsm/tdi.h"

#include <arch/cpu.h>
#include <string.h>

#include "core/log.h"
#include "lib/compiler.h"
#include "lib/err.h"

/* Sends the `req_len` bytes in pd->req and returns the checked body of the response. */
static int tdisp_exchange(struct tdi *t, int req_len, u8 code, const u8 **body, size_t *len)
{
	struct tsm_pdev *pd = t->pdev;
	size_t rsp_len = 0;
	int err;

	if (req_len < 0)
		return req_len;
	if (!pd->connected)
		return trace_err(-E_NODEV);
	err = pd->ops->vdm(pd, TDISP_PROTOCOL_ID, pd->req, (size_t)req_len, pd->rsp,
			   sizeof(pd->rsp), &rsp_len);
	if (err)
		return err;
	if (rsp_len > sizeof(pd->rsp))
		return trace_err(-E_PROTO);
	err = tdisp_parse_rsp(pd->rsp, rsp_len, code, t->function_id, body, len, &t->last_err);
	if (err && t->last_err.code)
		pr_warn("function 0x%x: request 0x%x refused: TDISP_ERROR %s (0x%x)",
			t->function_id, code, tdisp_err_name(t->last_err.code), t->last_err.code);
	return err;
}

static int tdisp_simple(struct tdi *t, u8 code, const u8 **body, size_t *len)
{
	int n = tdisp_build_req(t->pdev->req, sizeof(t->pdev->req), code, t->function_id, NULL, 0);

	return tdisp_exchange(t, n, code, body, len);
}

int tdisp_req_version(struct tdi *t)
{
	const u8 *body;
	size_t len;
	int err = tdisp_simple(t, TDISP_GET_VERSION, &body, &len);

	return err ? err : tdisp_parse_version(body, len, TDISP_VERSION_1_0);
}

int tdisp_req_caps(struct tdi *t, struct tdisp_caps *caps)
{
	u8 tsm_caps[TDISP_GETCAPS_LEN] = { 0 }; /* TSM_CAPS: none defined in TDISP 1.0 */
	const u8 *body;
	size_t len;
	int n = tdisp_build_req(t->pdev->req, sizeof(t->pdev->req), TDISP_GET_CAPABILITIES,
				t->function_id, tsm_caps, sizeof(tsm_caps));
	int err = tdisp_exchange(t, n, TDISP_GET_CAPABILITIES, &body, &len);

	return err ? err : tdisp_parse_caps(body, len, caps);
}

int tdisp_req_lock(struct tdi *t, const struct tdisp_lock_req *lk)
{
	const u8 *body;
	size_t len;
	int n = tdisp_build_lock(t->pdev->req, sizeof(t->pdev->req), t->function_id, lk);
	int err = tdisp_exchange(t, n, TDISP_LOCK_INTERFACE, &body, &len);

	if (!err)
		err = tdisp_parse_lock(body, len, t->nonce);
	t->nonce_valid = !err;
	return err;
}

/* A fetch in progress: where it is, what the device said the total is, what it may still use. */
struct tdisp_fetch {
	u8 *buf;
	size_t cap, off, total;
	unsigned portions;
	u64 start_ns;
};

/*
 * The device may cut a portion short, but not below TSM_REPORT_MIN_PORTION unless it is the
 * rest: otherwise the device would choose how many exchanges a fetch takes.
 */
static int tdisp_portion_check(const struct tdi *t, const struct tdisp_fetch *f,
			       const struct tdisp_report_portion *p)
{
	if (p->remainder_len && p->portion_len < TSM_REPORT_MIN_PORTION) {
		pr_err("function 0x%x: report portion of %u bytes at offset %zu (minimum %u): "
		       "device in error",
		       t->function_id, p->portion_len, f->off, TSM_REPORT_MIN_PORTION);
		return trace_err(-E_PROTO);
	}
	return 0;
}

/* One portion at f->off; checks that the total (offset + portion + remainder) never changes. */
static int tdisp_report_portion(struct tdi *t, struct tdisp_fetch *f)
{
	struct tdisp_report_portion p;
	const u8 *body;
	size_t len, end;
	int n = tdisp_build_get_report(t->pdev->req, sizeof(t->pdev->req), t->function_id,
				       (u16)f->off, TSM_REPORT_CHUNK);
	int err = tdisp_exchange(t, n, TDISP_GET_DEVICE_INTERFACE_REPORT, &body, &len);

	if (!err)
		err = tdisp_parse_report_portion(body, len, TSM_REPORT_CHUNK, &p);
	if (!err)
		err = tdisp_portion_check(t, f, &p);
	if (err)
		return err;
	end = f->off + p.portion_len + p.remainder_len;
	if (f->total == 0)
		f->total = end;
	if (end != f->total)
		return trace_err(-E_PROTO);
	if (end > f->cap)
		return trace_err(-E_NOSPC);
	memcpy(f->buf + f->off, p.data, p.portion_len);
	f->off += p.portion_len;
	return 0;
}

/* Issue 13 item 5: the fetch's own bounds, checked before every further exchange. */
static int tdisp_fetch_bounded(const struct tdi *t, const struct tdisp_fetch *f)
{
	if (f->portions >= TSM_REPORT_MAX_PORTIONS) {
		pr_err("function 0x%x: report not complete after %u portions: device in error",
		       t->function_id, f->portions);
		return trace_err(-E_PROTO);
	}
	if (arch_time_ns() - f->start_ns > TSM_REPORT_FETCH_NS) {
		pr_err("function 0x%x: report fetch took over %llu ms: device in error",
		       t->function_id, TSM_REPORT_FETCH_NS / 1000000);
		return trace_err(-E_TIMEOUT);
	}
	return 0;
}

int tdisp_req_report(struct tdi *t, u8 *buf, size_t cap, size_t *len)
{
	struct tdisp_fetch f = { .buf = buf,
				 .cap = MIN(cap, (size_t)0xffff) /* OFFSET: 16 bits */ };
	int err;

	f.start_ns = arch_time_ns();
	do {
		if ((err = tdisp_fetch_bounded(t, &f)) || (err = tdisp_report_portion(t, &f)))
			return err;
		f.portions++;
	} while (f.off < f.total);
	if (f.total == 0)
		return trace_err(-E_PROTO);
	*len = f.total;
	return 0;
}

int tdisp_req_state(struct tdi *t, enum tdisp_state *state)
{
	const u8 *body;
	size_t len;
	int err = tdisp_simple(t, TDISP_GET_DEVICE_INTERFACE_STATE, &body, &len);

	return err ? err : tdisp_parse_state(body, len, state);
}

int tdisp_req_start(struct tdi *t)
{
	const u8 *body;
	size_t len;
	int n, err;

	if (!t->nonce_valid)
		return trace_err(-E_STATE);
	n = tdisp_build_start(t->pdev->req, sizeof(t->pdev->req), t->function_id, t->nonce);
	/* The nonce is single use: forget it whatever the device answers (and the request copy). */
	memset(t->nonce, 0, sizeof(t->nonce));
	t->nonce_valid = false;
	err = tdisp_exchange(t, n, TDISP_START_INTERFACE, &body, &len);
	memset(t->pdev->req, 0, sizeof(t->pdev->req));
	return err ? err : tdisp_parse_empty(body, len);
}

int tdisp_req_stop(struct tdi *t)
{
	const u8 *body;
	size_t len;
	int err = tdisp_simple(t, TDISP_STOP_INTERFACE, &body, &len);

	return err ? err : tdisp_parse_empty(body, len);
}
