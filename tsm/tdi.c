// SPDX-License-Identifier: MIT
/* TDI state machine, guest operations and the ordered teardown; see tsm/tdi.h. */
#define LOG_COMPONENT "tdi"
#include "tsm/tdi.h"

#include <string.h>

#include <mbedtls/sha256.h>

#include "core/log.h"
#include "lib/err.h"

/* TDISP 1.0 section 11.1 (figure 11-4) as Moat drives it; nothing else is allowed. */
static const struct {
	enum tdi_state from;
	enum tdi_event ev;
	enum tdi_state to;
} tdi_table[] = {
	{ TDI_CONFIG_UNLOCKED, TDI_EV_LOCKED, TDI_CONFIG_LOCKED },
	{ TDI_CONFIG_LOCKED, TDI_EV_STARTED, TDI_RUN },
	{ TDI_CONFIG_LOCKED, TDI_EV_STOPPED, TDI_CONFIG_UNLOCKED },
	{ TDI_RUN, TDI_EV_STOPPED, TDI_CONFIG_UNLOCKED },
	{ TDI_ERROR, TDI_EV_STOPPED, TDI_CONFIG_UNLOCKED },
	{ TDI_CONFIG_LOCKED, TDI_EV_FAILED, TDI_ERROR },
	{ TDI_RUN, TDI_EV_FAILED, TDI_ERROR },
	{ TDI_ERROR, TDI_EV_FAILED, TDI_ERROR },
};

const char *tdi_state_name(enum tdi_state s)
{
	return tdisp_state_name((enum tdisp_state)s);
}

int tdi_transition(struct tdi *t, enum tdi_event ev)
{
	for (unsigned i = 0; i < ARRAY_SIZE(tdi_table); i++) {
		if (tdi_table[i].from == t->state && tdi_table[i].ev == ev) {
			t->state = tdi_table[i].to;
			return 0;
		}
	}
	pr_err("function 0x%x: event %d not allowed in %s", t->function_id, ev,
	       tdi_state_name(t->state));
	return trace_err(-E_STATE);
}

void tdi_init(struct tdi *t, struct tsm_pdev *pd, u32 function_id, const struct tsm_bars *bars)
{
	memset(t, 0, sizeof(*t));
	t->pdev = pd;
	t->function_id = function_id;
	t->bars = *bars;
	t->state = TDI_CONFIG_UNLOCKED;
	t->lock_flags = TDISP_LOCK_NO_FW_UPDATE;
}

int tdi_assign(struct tdi *t, u32 vm, const struct tsm_vm_ops *ops)
{
	if (vm == 0 || !ops)
		return trace_err(-E_INVAL);
	if (t->vm)
		return trace_err(-E_BUSY);
	/* A TDI the device has not stopped may hold the previous VM's data: reset it first. */
	if (t->state != TDI_CONFIG_UNLOCKED)
		return trace_err(-E_BUSY);
	t->vm = vm;
	t->vm_ops = ops;
	return 0;
}

static int tdi_check_owner(const struct tdi *t, u32 vm)
{
	if (vm == 0 || t->vm != vm)
		return trace_err(-E_PERM);
	return 0;
}

/* ---- teardown ------------------------------------------------------------------------------ */

/* STOP_INTERFACE; a refusal is accepted only if the device says it is already unlocked. */
static int tdi_stop_device(struct tdi *t)
{
	enum tdisp_state s;
	int err = tdisp_req_stop(t);

	if (!err)
		return 0;
	if (!tdisp_req_state(t, &s) && s == TDISP_STATE_CONFIG_UNLOCKED)
		return 0;
	return err;
}

static void tdi_forget(struct tdi *t)
{
	memset(t->nonce, 0, sizeof(t->nonce));
	t->nonce_valid = false;
	memset(t->report, 0, sizeof(t->report));
	t->report_len = 0;
	memset(t->report_digest, 0, sizeof(t->report_digest));
	memset(&t->parsed, 0, sizeof(t->parsed));
}

/*
 * The ordered teardown (tsm/tdi.h). Always removes trusted DMA and private MMIO; the TDI ends
 * CONFIG_UNLOCKED with shared operation restored, or, if the device would not stop, ERROR with
 * its shared MMIO still revoked. Returns the STOP error, if any.
 */
static int tdi_teardown(struct tdi *t, enum tdi_cause cause)
{
	int err = 0;

	/* Trusted DMA goes first: the STOP exchange suspends the operation, and a TDI being torn
	 * down (in ERROR, or about to leave RUN) must not reach private RAM meanwhile. */
	if (t->trusted_dma) {
		t->vm_ops->disable_trusted_dma(t);
		t->trusted_dma = false;
	}
	if (t->state != TDI_CONFIG_UNLOCKED)
		err = tdi_stop_device(t);
	if (t->private_mapped) {
		t->vm_ops->unmap_private_mmio(t);
		t->private_mapped = false;
	}
	tdi_forget(t);
	if (err) {
		pr_err("function 0x%x: device refused STOP (%s): TDI left in ERROR, torn down",
		       t->function_id, err_str(err));
		if (t->state != TDI_CONFIG_UNLOCKED && tdi_transition(t, TDI_EV_FAILED))
			panic("TDI transition table");
		return err;
	}
	if (t->shared_revoked) {
		t->vm_ops->restore_shared_mmio(t);
		t->shared_revoked = false;
	}
	if (t->state != TDI_CONFIG_UNLOCKED && tdi_transition(t, TDI_EV_STOPPED))
		panic("TDI transition table");
	pr_debug("function 0x%x: torn down (cause %d)", t->function_id, cause);
	return 0;
}

/* A failure in the middle of an operation: enter ERROR, tear down, return the first error. */
static int tdi_fail(struct tdi *t, int err, enum tdi_cause cause)
{
	if (t->state != TDI_CONFIG_UNLOCKED && tdi_transition(t, TDI_EV_FAILED))
		panic("TDI transition table");
	(void)tdi_teardown(t, cause);
	return err;
}

/* ---- bind ---------------------------------------------------------------------------------- */

static int tdi_check_caps(struct tdi *t)
{
	struct tdisp_caps caps;
	int err = tdisp_req_caps(t, &caps);

	if (err)
		return err;
	/* The mandatory requests 0x81..0x87 are bits 1..7 of byte 0. */
	if ((caps.req_msgs[0] & 0xfe) != 0xfe)
		return trace_err(-E_NOTSUP);
	if ((t->lock_flags & ~caps.lock_flags_supported) != 0)
		return trace_err(-E_NOTSUP);
	return 0;
}

static int tdi_expect_state(struct tdi *t, enum tdisp_state want)
{
	enum tdisp_state s;
	int err = tdisp_req_state(t, &s);

	if (err)
		return err;
	if (s != want) {
		pr_err("function 0x%x: device reports %s, expected %s", t->function_id,
		       tdisp_state_name(s), tdisp_state_name(want));
		return trace_err(s == TDISP_STATE_ERROR ? -E_IO : -E_PROTO);
	}
	return 0;
}

static void tdi_digest(const u8 *buf, size_t len, u8 out[TSM_DIGEST_LEN])
{
	if (mbedtls_sha256_ret(buf, len, out, 0))
		panic("sha256");
}

/* Fetches, parses and validates the report into `t` (only on success). */
static int tdi_load_report(struct tdi *t)
{
	u8 *buf = t->scratch;
	struct tdisp_report r;
	size_t len;
	int err = tdisp_req_report(t, buf, sizeof(t->scratch), &len);

	if (!err)
		err = tdisp_report_parse(buf, len, &r);
	if (!err)
		err = tdisp_report_validate(&r, &t->bars, t->reporting_offset);
	/* A device that promised no firmware update while locked must say so in its report. */
	if (!err && (t->lock_flags & TDISP_LOCK_NO_FW_UPDATE) &&
	    !(r.interface_info & TDISP_INFO_NO_FW_UPDATE))
		err = trace_err(-E_PROTO);
	if (err) {
		pr_err("function 0x%x: interface report rejected: %s", t->function_id,
		       err_str(err));
		return err;
	}
	memcpy(t->report, buf, len);
	t->report_len = len;
	t->parsed = r;
	t->parsed.dev_info = t->report + (r.dev_info - buf);
	tdi_digest(t->report, len, t->report_digest);
	return 0;
}

static int tdi_lock(struct tdi *t)
{
	struct tdisp_lock_req lk = {
		.flags = t->lock_flags,
		.default_stream_id = t->pdev->ide_stream_id,
		.mmio_reporting_offset = t->reporting_offset,
	};
	int err;

	/* GET_VERSION first for every interface (spdm-tdisp-doe.md 3.6). */
	err = tdisp_req_version(t);
	if (!err)
		err = tdi_check_caps(t);
	if (!err)
		err = tdisp_req_lock(t, &lk);
	return err;
}

int tdi_bind(struct tdi *t, u32 vm)
{
	int err = tdi_check_owner(t, vm);

	if (err)
		return err;
	if (t->state != TDI_CONFIG_UNLOCKED)
		return trace_err(-E_STATE);
	if (!t->pdev->connected)
		return trace_err(-E_NODEV);
	err = t->vm_ops->revoke_shared_mmio(t);
	if (err)
		return err;
	t->shared_revoked = true;
	err = tdi_lock(t);
	if (err) {
		/* The device may have locked before answering badly: treat it as locked, so the
		 * teardown stops it (a STOP it refuses as unlocked is confirmed by its state). */
		if (tdi_transition(t, TDI_EV_LOCKED))
			panic("TDI transition table");
		return tdi_fail(t, err, TDI_CAUSE_BIND_FAILED);
	}
	if (tdi_transition(t, TDI_EV_LOCKED))
		panic("TDI transition table");
	err = tdi_expect_state(t, TDISP_STATE_CONFIG_LOCKED);
	if (!err)
		err = tdi_load_report(t);
	if (err)
		return tdi_fail(t, err, TDI_CAUSE_BIND_FAILED);
	pr_info("function 0x%x: bound to VM %u: CONFIG_LOCKED, report %zu bytes, %u range(s)",
		t->function_id, vm, t->report_len, t->parsed.nranges);
	return 0;
}

/* ---- evidence ------------------------------------------------------------------------------ */

static int tdi_copy_out(const u8 *src, size_t n, u8 *buf, size_t cap, size_t *len)
{
	*len = n;
	if (n > cap)
		return trace_err(-E_NOSPC);
	if (n)
		memcpy(buf, src, n);
	return 0;
}

int tdi_get_report(struct tdi *t, u32 vm, u8 *buf, size_t cap, size_t *len,
		   u8 digest[TSM_DIGEST_LEN])
{
	int err = tdi_check_owner(t, vm);

	if (err)
		return err;
	if (t->state != TDI_CONFIG_LOCKED && t->state != TDI_RUN)
		return trace_err(-E_STATE);
	err = tdi_copy_out(t->report, t->report_len, buf, cap, len);
	if (!err)
		memcpy(digest, t->report_digest, TSM_DIGEST_LEN);
	return err;
}

int tdi_get_evidence(struct tdi *t, u32 vm, enum tsm_evidence kind, u8 *buf, size_t cap,
		     size_t *len)
{
	u8 digest[TSM_DIGEST_LEN];
	int err = tdi_check_owner(t, vm);

	if (err)
		return err;
	switch (kind) {
	case TSM_EV_CERT_CHAIN:
		if (!t->pdev->connected)
			return trace_err(-E_NODEV);
		return tdi_copy_out(t->pdev->cert_chain, t->pdev->cert_chain_len, buf, cap, len);
	case TSM_EV_MEASUREMENTS:
		if (!t->pdev->connected)
			return trace_err(-E_NODEV);
		return tdi_copy_out(t->pdev->meas, t->pdev->meas_len, buf, cap, len);
	case TSM_EV_REPORT: return tdi_get_report(t, vm, buf, cap, len, digest);
	}
	return trace_err(-E_INVAL);
}

int tdi_get_measurements(struct tdi *t, u32 vm, const u8 nonce[TSM_NONCE_LEN], u8 *buf, size_t cap,
			 size_t *len)
{
	int err = tdi_check_owner(t, vm);

	if (err)
		return err;
	if (!t->pdev->connected)
		return trace_err(-E_NODEV);
	if (!t->pdev->ops->measure)
		return trace_err(-E_NOTSUP);
	return t->pdev->ops->measure(t->pdev, nonce, buf, cap, len);
}

/* ---- accept -------------------------------------------------------------------------------- */

/* The device must still hold the report the guest checked (a changed report is a fault). */
static int tdi_recheck_report(struct tdi *t)
{
	u8 digest[TSM_DIGEST_LEN];
	size_t len;
	int err = tdisp_req_report(t, t->scratch, sizeof(t->scratch), &len);

	if (err)
		return err;
	tdi_digest(t->scratch, len, digest);
	if (len != t->report_len || memcmp(digest, t->report_digest, TSM_DIGEST_LEN)) {
		pr_err("function 0x%x: interface report changed since bind", t->function_id);
		return trace_err(-E_CORRUPT);
	}
	return 0;
}

static int tdi_map_private(struct tdi *t)
{
	for (u32 i = 0; i < t->parsed.nranges; i++) {
		const struct tdisp_mmio_range *r = &t->parsed.range[i];
		int err;

		if (r->attrs & TDISP_RANGE_NON_TEE)
			continue;	  /* stays shared (spdm-tdisp-doe.md 5.8 step 4) */
		t->private_mapped = true; /* removal covers a partial map */
		err = t->vm_ops->map_private_mmio(t, r);
		if (err)
			return err;
	}
	return 0;
}

static int tdi_start(struct tdi *t)
{
	int err = tdi_recheck_report(t);

	if (!err)
		err = tdi_expect_state(t, TDISP_STATE_CONFIG_LOCKED);
	if (!err)
		err = tdi_map_private(t);
	if (!err) {
		err = t->vm_ops->enable_trusted_dma(t);
		t->trusted_dma = !err;
	}
	if (!err)
		err = tdisp_req_start(t);
	if (!err)
		err = tdi_expect_state(t, TDISP_STATE_RUN);
	return err;
}

int tdi_accept(struct tdi *t, u32 vm, const u8 digest[TSM_DIGEST_LEN])
{
	int err = tdi_check_owner(t, vm);

	if (err)
		return err;
	if (t->state != TDI_CONFIG_LOCKED)
		return trace_err(-E_STATE);
	/* Bound to the report the guest checked: a stale digest changes nothing. */
	if (memcmp(digest, t->report_digest, TSM_DIGEST_LEN))
		return trace_err(-E_AUTH);
	err = tdi_start(t);
	if (err) {
		pr_err("function 0x%x: accept failed: %s", t->function_id, err_str(err));
		return tdi_fail(t, err, TDI_CAUSE_ACCEPT_FAILED);
	}
	if (tdi_transition(t, TDI_EV_STARTED))
		panic("TDI transition table");
	pr_info("function 0x%x: RUN for VM %u", t->function_id, vm);
	return 0;
}

/* ---- unbind and host events ---------------------------------------------------------------- */

int tdi_unbind(struct tdi *t, u32 vm)
{
	int err = tdi_check_owner(t, vm);

	if (err)
		return err;
	if (t->state == TDI_CONFIG_UNLOCKED)
		return trace_err(-E_STATE);
	return tdi_teardown(t, TDI_CAUSE_UNBIND);
}

int tdi_device_error(struct tdi *t)
{
	if (t->state == TDI_CONFIG_UNLOCKED)
		return 0;
	pr_warn("function 0x%x: device error in %s: tearing down", t->function_id,
		tdi_state_name(t->state));
	return tdi_fail(t, 0, TDI_CAUSE_DEVICE_ERROR);
}

int tdi_flr(struct tdi *t)
{
	int err;

	if (t->state != TDI_CONFIG_UNLOCKED)
		(void)tdi_fail(t, 0, TDI_CAUSE_FLR);
	err = t->pdev->ops->flr(t->pdev, t->function_id);
	if (err)
		return err;
	/* A TDI the device would not stop is in ERROR after the reset: stopping it now returns
	 * it to CONFIG_UNLOCKED (TDISP 1.0 section 11.1: STOP is allowed in ERROR). */
	if (t->state == TDI_ERROR)
		return tdi_teardown(t, TDI_CAUSE_FLR);
	return 0;
}

int tdi_vm_teardown(struct tdi *t, u32 vm)
{
	int err = 0;

	if (t->vm != vm || vm == 0)
		return trace_err(-E_PERM);
	if (t->state != TDI_CONFIG_UNLOCKED)
		err = tdi_teardown(t, TDI_CAUSE_VM_TEARDOWN);
	/* The device would not stop: reset it, so no VM data outlives the VM. */
	if (err && t->pdev->ops->flr(t->pdev, t->function_id) == 0)
		err = tdi_teardown(t, TDI_CAUSE_VM_TEARDOWN);
	/* The VM's mappings go with it: nothing shared is left to restore. */
	t->shared_revoked = false;
	t->vm = 0;
	t->vm_ops = NULL;
	return err;
}

int tdi_stop_unowned(struct tdi *t)
{
	if (t->vm)
		return trace_err(-E_BUSY);
	if (t->state == TDI_CONFIG_UNLOCKED)
		return 0;
	/* No VM: nothing is mapped for one, so the teardown only stops the device. */
	return tdi_teardown(t, TDI_CAUSE_VM_TEARDOWN);
}

int tdi_check_device(struct tdi *t)
{
	static const enum tdisp_state want[] = {
		[TDI_CONFIG_UNLOCKED] = TDISP_STATE_CONFIG_UNLOCKED,
		[TDI_CONFIG_LOCKED] = TDISP_STATE_CONFIG_LOCKED,
		[TDI_RUN] = TDISP_STATE_RUN,
		[TDI_ERROR] = TDISP_STATE_ERROR,
	};
	int err;

	if (t->state == TDI_CONFIG_UNLOCKED || t->state == TDI_ERROR)
		return 0;
	err = tdi_expect_state(t, want[t->state]);
	return err ? tdi_fail(t, err, TDI_CAUSE_DEVICE_ERROR) : 0;
}
