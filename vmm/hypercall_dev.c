// SPDX-License-Identifier: MIT
/*
 * Device-assignment hypercalls (ABI 1.1, docs/guest-abi.md "Device assignment"): memory
 * sharing, the vdev list, the vIOMMU calls and the TDI calls. Same rules as hypercall.c:
 * every handle is checked against the caller, every (GPA, length) overflow-checked and in RAM
 * of the required kind, guest structures copied once before they are checked and used.
 *
 * Calls that talk to the device or change vIOMMU state run under one operation lock
 * (vdev_op_begin()); a call that finds it taken (another vCPU is in such a call) returns
 * MOAT_BUSY and the guest calls again. This also serialises the page-table and attachment
 * changes the callee makes. TDI calls are resumable device operations (below): the lock is
 * held only while one runs, never across its waits on the device.
 */
#define LOG_COMPONENT "hc"
#include "vmm/hypercall_dev.h"

#include <arch/cpu.h>

#include <string.h>

#include "core/devop.h"
#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "lib/bits.h"
#include "lib/err.h"

static void st(u64 *regs, enum moat_status s)
{
	regs[0] = (u64)(int64_t)s;
}

/* Internal errors to the one guest status enum. */
static enum moat_status hc_err(int err)
{
	switch (-err) {
	case 0: return MOAT_OK;
	case E_INVAL:
	case E_OVERFLOW: return MOAT_INVALID_PARAM;
	case E_RANGE: return MOAT_BAD_ADDRESS;
	case E_NOSPC: return MOAT_BAD_SIZE;
	case E_PERM: return MOAT_DENIED;
	case E_STATE:
	case E_NODEV: return MOAT_BAD_STATE;
	case E_AUTH: return MOAT_MISMATCH;
	case E_BUSY:
	case E_AGAIN: return MOAT_BUSY;
	case E_NOTSUP: return MOAT_NOT_SUPPORTED;
	default: return MOAT_DEVICE_ERROR; /* E_IO, E_TIMEOUT, E_PROTO, E_CORRUPT, ... */
	}
}

static bool op_begin(void)
{
	return vdev_op_begin();
}

static void op_end(void)
{
	vdev_op_end();
}

/* ---- memory sharing -------------------------------------------------------------------- */

void hc_mem_share(struct vcpu *v, u64 *regs)
{
	u64 g = regs[1], len = regs[2], op = regs[3];

	if (!len || !IS_ALIGNED(g | len, PAGE_SIZE) || (op != MOAT_SHARE && op != MOAT_UNSHARE))
		return st(regs, MOAT_INVALID_PARAM);
	if (!vm_gpa_to_host(v->vm, gpa(g), len, VM_MEM_PRIVATE))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!viommu_of(v->vm))
		return st(regs, MOAT_DENIED); /* no vIOMMU: the VM has no assigned device */
	if (!op_begin())
		return st(regs, MOAT_BUSY); /* the vIOMMU tables are changed by one CPU at a time */
	st(regs, hc_err(viommu_share(v->vm, gpa(g), len, op == MOAT_SHARE)));
	op_end();
}

/* ---- vdevs and the vIOMMU ---------------------------------------------------------------- */

static void vdev_info_fill(const struct vdev *d, struct moat_vdev_info *i)
{
	memset(i, 0, sizeof(*i));
	i->size = sizeof(*i);
	i->handle = d->handle;
	i->vbdf = d->vbdf;
	i->vendor = d->vendor;
	i->device = d->device;
	i->tdi_state = (u16)vdev_tdi_state(d);
	for (unsigned b = 0; b < 6; b++) {
		i->bar_gpa[b] = d->bar[b].gpa.v;
		i->bar_size[b] = d->bar[b].size;
	}
}

/* x1 = GPA, x2 = bytes: as many records as fit; x1 = vdevs of the VM, x2 = records written. */
void hc_vdev_list(struct vcpu *v, u64 *regs)
{
	unsigned n = vdev_count(v->vm), fit = (unsigned)MIN(regs[2] / MOAT_VDEV_INFO_SIZE, 64);
	u8 *dst = NULL;

	if (regs[2] && !(dst = vm_gpa_to_host(v->vm, gpa(regs[1]), regs[2], VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!regs[2] && regs[1])
		return st(regs, MOAT_INVALID_PARAM);
	fit = MIN(fit, n);
	for (unsigned i = 0; i < fit; i++) {
		struct moat_vdev_info info;

		vdev_info_fill(vdev_at(v->vm, i), &info);
		memcpy(dst + (size_t)i * sizeof(info), &info, sizeof(info));
	}
	st(regs, MOAT_OK);
	regs[1] = n;
	regs[2] = fit;
}

void hc_viommu_info(struct vcpu *v, u64 *regs)
{
	struct moat_viommu_info info = { 0 };
	void *dst;

	if (regs[2] < sizeof(info))
		return st(regs, MOAT_BAD_SIZE);
	if (!(dst = vm_gpa_to_host(v->vm, gpa(regs[1]), sizeof(info), VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!viommu_of(v->vm))
		return st(regs, MOAT_DENIED);
	info.size = sizeof(info);
	info.type = MOAT_IOMMU_SMMUV3;
	info.formats = MOAT_S1FMT_ARM_4K;
	info.ias_bits = 48;
	info.ipa_bits = 40;
	info.ssid_bits = 0; /* one CD per vdev in 1.1 */
	info.asid_bits = 16;
	info.nr_vdevs = vdev_count(v->vm);
	info.inv_max = MOAT_INV_MAX;
	memcpy(dst, &info, sizeof(info));
	st(regs, MOAT_OK);
	regs[1] = sizeof(info);
}

static struct vdev *hc_vdev(struct vcpu *v, u64 *regs)
{
	struct vdev *d = vdev_from_handle(v->vm, regs[1]);

	if (!d)
		st(regs, MOAT_BAD_HANDLE);
	return d;
}

void hc_viommu_set_s1(struct vcpu *v, u64 *regs)
{
	struct vdev *d = hc_vdev(v, regs);
	struct moat_s1_desc desc;
	const void *src;

	if (!d)
		return;
	if (regs[3] < sizeof(desc))
		return st(regs, MOAT_BAD_SIZE);
	if (!(src = vm_gpa_to_host(v->vm, gpa(regs[2]), sizeof(desc), VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	memcpy(&desc, src, sizeof(desc));
	if (desc.size < sizeof(desc))
		return st(regs, MOAT_BAD_SIZE);
	if (desc.type != MOAT_IOMMU_SMMUV3 || desc.raw[2] || desc.raw[3])
		return st(regs, MOAT_INVALID_PARAM);
	if (!viommu_of(v->vm))
		return st(regs, MOAT_DENIED);
	if (!op_begin())
		return st(regs, MOAT_BUSY);
	st(regs, hc_err(viommu_set_s1(d, &desc.smmu)));
	op_end();
}

void hc_viommu_clear_s1(struct vcpu *v, u64 *regs)
{
	struct vdev *d = hc_vdev(v, regs);

	if (!d)
		return;
	if (!op_begin())
		return st(regs, MOAT_BUSY);
	st(regs, hc_err(viommu_clear_s1(d)));
	op_end();
}

/* x1 = done; on failure x2 = the failing index, and its status in x0. */
void hc_viommu_invalidate(struct vcpu *v, u64 *regs)
{
	static struct moat_inv batch[VM_MAX + 1][MOAT_INV_MAX]; /* one per VM: its vCPU runs it */
	struct moat_inv *inv = batch[v->vm->id];
	u64 n = regs[2];
	const void *src;

	if (!n || n > MOAT_INV_MAX)
		return st(regs, MOAT_INVALID_PARAM);
	if (!(src = vm_gpa_to_host(v->vm, gpa(regs[1]), n * sizeof(*inv), VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!viommu_of(v->vm))
		return st(regs, MOAT_DENIED);
	if (!op_begin())
		return st(regs, MOAT_BUSY);
	memcpy(inv, src, n * sizeof(*inv));
	for (u64 i = 0; i < n; i++) {
		enum moat_status s = inv[i].size != sizeof(*inv)
					     ? MOAT_BAD_SIZE
					     : hc_err(viommu_invalidate_one(v->vm, &inv[i]));
		if (s != MOAT_OK) {
			op_end();
			st(regs, s);
			regs[1] = i;
			regs[2] = i;
			return;
		}
	}
	op_end();
	st(regs, MOAT_OK);
	regs[1] = n;
}

void hc_viommu_faultq(struct vcpu *v, u64 *regs)
{
	if (!viommu_of(v->vm))
		return st(regs, MOAT_DENIED);
	if ((regs[1] || regs[2]) && !vm_gpa_to_host(v->vm, gpa(regs[1]), PAGE_SIZE, VM_MEM_ANY))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!op_begin())
		return st(regs, MOAT_BUSY);
	st(regs, hc_err(viommu_faultq_set(v->vm, gpa(regs[1]), (unsigned)MIN(regs[2], 1024))));
	op_end();
}

/* ---- TDIs: resumable device operations ------------------------------------------------------ */

/*
 * A TDI call that talks to the device runs as a device operation (core/devop.h): where it
 * waits on the DOE mailbox it is suspended and the call returns MOAT_BUSY; the guest continues
 * it by making the same call again (x0..xN as before) and gets the result once the device
 * has answered. One operation per device (its mailbox and SPDM session carry one exchange at
 * a time); other calls on that device get MOAT_BUSY meanwhile. An owner that stops
 * continuing its operation for HC_OP_ABANDONED_NS loses it: the next caller runs it to the end
 * (bounded by the DOE deadlines) and its results are dropped.
 */
#define HC_OPS 4 /* device operations in flight at once, each on its own device */
#define HC_OP_ABANDONED_NS 2000000000ull
#define HC_OP_BUF (TDISP_REPORT_MAX > 8192 ? TDISP_REPORT_MAX : 8192)

enum hc_op_state {
	HC_OP_FREE = 0,
	HC_OP_SUSPENDED,
	HC_OP_DONE
};

struct hc_op;
typedef void (*hc_op_fn)(struct hc_op *op);

/* What a call asks, checked (guest buffers resolved, guest structures copied) before it runs. */
struct hc_op_args {
	void *dst; /* output buffer in guest memory, `cap` bytes */
	size_t cap;
	void *dig; /* GET_REPORT: where the digest goes */
	u64 kind;  /* GET_EVIDENCE: the evidence kind */
	bool has_nonce;
	u8 nonce[MOAT_NONCE_LEN];
	u8 digest[TSM_DIGEST_LEN]; /* ACCEPT: the report digest the guest checked */
};

struct hc_op {
	struct devop co;
	enum hc_op_state state;
	const struct tsm_pdev *pd; /* the device the operation talks to */
	u32 vm;			   /* the caller and its call, matched by a continuation */
	unsigned nregs;
	u64 in[HC_NREGS];
	u64 touched_ns; /* last time its owner ran it */
	struct vdev *d;
	hc_op_fn fn;
	struct hc_op_args a;
	bool discard; /* the owner is gone: nothing is copied to its memory */
	u64 out[4];   /* x0..x3 for the owner */
	u8 buf[HC_OP_BUF];
};

static struct hc_op hc_ops[HC_OPS];

static struct hc_op *hc_op_of(const struct tsm_pdev *pd)
{
	for (unsigned i = 0; i < HC_OPS; i++)
		if (hc_ops[i].state != HC_OP_FREE && hc_ops[i].pd == pd)
			return &hc_ops[i];
	return NULL;
}

static bool hc_op_is(const struct hc_op *op, const struct vcpu *v, const u64 *regs, unsigned nregs)
{
	return op->vm == v->vm->id && op->nregs == nregs &&
	       !memcmp(op->in, regs, nregs * sizeof(*regs));
}

static void hc_op_entry(struct devop *co)
{
	struct hc_op *op = container_of(co, struct hc_op, co);

	op->fn(op);
}

/* Runs a suspended operation to its end in place (bounded by the device deadlines). */
static void hc_op_finish(struct hc_op *op, bool discard)
{
	if (op->state != HC_OP_SUSPENDED)
		return;
	op->discard |= discard;
	while (!devop_run(&op->co))
		;
	op->state = HC_OP_DONE;
}

/* The device's slot: its own operation, a fresh one, or NULL (another caller's is running). */
static struct hc_op *hc_op_slot(struct vcpu *v, u64 *regs, unsigned nregs, struct vdev *d)
{
	struct hc_op *op = hc_op_of(d->tdi->pdev);

	if (op && hc_op_is(op, v, regs, nregs))
		return op;
	if (op && arch_time_ns() - op->touched_ns < HC_OP_ABANDONED_NS)
		return NULL;
	if (op) {
		pr_warn("%s: device operation of VM %u abandoned: finished without it", v->vm->name,
			op->vm);
		hc_op_finish(op, true);
		op->state = HC_OP_FREE;
	}
	for (unsigned i = 0; i < HC_OPS; i++)
		if (hc_ops[i].state == HC_OP_FREE)
			return &hc_ops[i];
	return NULL;
}

/*
 * Starts or continues the call's device operation on `d` (a vdev with a TDI); sets the
 * caller's registers to its results once it is done, MOAT_BUSY until then.
 */
static void hc_op_call(struct vcpu *v, u64 *regs, unsigned nregs, struct vdev *d, hc_op_fn fn,
		       const struct hc_op_args *a)
{
	struct hc_op *op;

	if (!vdev_op_begin())
		return st(regs, MOAT_BUSY);
	if (!(op = hc_op_slot(v, regs, nregs, d))) {
		vdev_op_end();
		return st(regs, MOAT_BUSY);
	}
	if (op->state == HC_OP_FREE) {
		op->state = HC_OP_SUSPENDED;
		op->pd = d->tdi->pdev;
		op->vm = v->vm->id;
		op->nregs = nregs;
		memcpy(op->in, regs, nregs * sizeof(*regs));
		op->d = d;
		op->fn = fn;
		op->a = *a;
		op->discard = false;
		memset(op->out, 0, sizeof(op->out));
		devop_prepare(&op->co, hc_op_entry);
	}
	op->touched_ns = arch_time_ns();
	if (op->state == HC_OP_SUSPENDED && devop_run(&op->co))
		op->state = HC_OP_DONE;
	if (op->state == HC_OP_DONE) {
		memcpy(regs, op->out, sizeof(op->out));
		op->state = HC_OP_FREE;
	} else {
		st(regs, MOAT_BUSY);
	}
	vdev_op_end();
}

void hc_ops_drain(const struct tsm_pdev *pd)
{
	struct hc_op *op = hc_op_of(pd);

	if (op)
		hc_op_finish(op, false);
}

void hc_ops_vm_gone(u32 vm)
{
	for (unsigned i = 0; i < HC_OPS; i++) {
		if (hc_ops[i].state == HC_OP_FREE || hc_ops[i].vm != vm)
			continue;
		hc_op_finish(&hc_ops[i], true);
		hc_ops[i].state = HC_OP_FREE;
	}
}

unsigned hc_ops_in_flight(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < HC_OPS; i++)
		n += hc_ops[i].state != HC_OP_FREE;
	return n;
}

/* The vdev of x1 if it has a TDI; NULL with the status set otherwise. */
static struct vdev *hc_tdi_vdev(struct vcpu *v, u64 *regs)
{
	struct vdev *d = hc_vdev(v, regs);

	if (d && !d->tdi) {
		st(regs, MOAT_DENIED);
		return NULL;
	}
	return d;
}

static void hc_op_status(struct hc_op *op, int err)
{
	op->out[0] = (u64)(int64_t)hc_err(err);
}

/* Copies `len` bytes of the operation's buffer to the guest's buffer (checked at the call). */
static void hc_op_copy_out(struct hc_op *op, size_t len)
{
	if (len && !op->discard)
		memcpy(op->a.dst, op->buf, len);
}

static void op_bind(struct hc_op *op)
{
	op->d->op_cause = MOAT_CAUSE_BIND_FAILED;
	hc_op_status(op, tdi_bind(op->d->tdi, op->vm));
	op->d->op_cause = 0;
}

void hc_tdi_bind(struct vcpu *v, u64 *regs)
{
	struct hc_op_args a = { 0 };
	struct vdev *d = hc_tdi_vdev(v, regs);

	if (d)
		hc_op_call(v, regs, 2, d, op_bind, &a);
}

static void op_get_report(struct hc_op *op)
{
	u8 digest[TSM_DIGEST_LEN];
	size_t len = 0;
	int err = tdi_get_report(op->d->tdi, op->vm, op->buf, op->a.cap, &len, digest);

	if (!err) {
		hc_op_copy_out(op, len);
		if (!op->discard)
			memcpy(op->a.dig, digest, sizeof(digest));
	}
	hc_op_status(op, err);
	op->out[1] = len; /* also on MOAT_BAD_SIZE: the length needed */
}

void hc_tdi_get_report(struct vcpu *v, u64 *regs)
{
	struct hc_op_args a = { .cap = MIN(regs[3], (u64)HC_OP_BUF) };
	struct vdev *d;

	if (regs[3] && !(a.dst = vm_gpa_to_host(v->vm, gpa(regs[2]), regs[3], VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!(a.dig = vm_gpa_to_host(v->vm, gpa(regs[4]), TSM_DIGEST_LEN, VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if ((d = hc_tdi_vdev(v, regs)))
		hc_op_call(v, regs, 5, d, op_get_report, &a);
}

static int hc_evidence(struct hc_op *op, size_t *len)
{
	struct vdev *d = op->d;
	const u8 *nonce = op->a.has_nonce ? op->a.nonce : NULL;
	size_t cap = op->a.cap;
	u32 vm = op->vm;
	int err;

	switch (op->a.kind) {
	case MOAT_EV_CERT_CHAIN:
		return nonce ? -E_INVAL
			     : tdi_get_evidence(d->tdi, vm, TSM_EV_CERT_CHAIN, op->buf, cap, len);
	case MOAT_EV_MEASUREMENTS:
		/* without a nonce: the record taken at connect; with one: fresh, signed over it
		 * and checked by Moat (the exchange refreshes the kept record) */
		if (nonce &&
		    (err = tdi_get_measurements(d->tdi, vm, nonce, op->buf, sizeof(op->buf), len)))
			return err;
		return tdi_get_evidence(d->tdi, vm, TSM_EV_MEASUREMENTS, op->buf, cap, len);
	case MOAT_EV_SIGNED_MEASUREMENTS:
		/* the signed exchange itself, for the guest to verify (struct moat_ev_meas) */
		return nonce ? tdi_get_measurements(d->tdi, vm, nonce, op->buf, cap, len)
			     : -E_INVAL;
	case MOAT_EV_VCA_DIGEST:
		if (nonce)
			return -E_INVAL;
		if (d->tdi->vm != vm)
			return -E_PERM;
		if (!d->be->evidence)
			return -E_NOTSUP;
		return d->be->evidence(d, MOAT_EV_VCA_DIGEST, NULL, op->buf, cap, len);
	}
	return -E_INVAL;
}

static void op_get_evidence(struct hc_op *op)
{
	size_t len = 0;
	int err = hc_evidence(op, &len);

	if (!err)
		hc_op_copy_out(op, len);
	hc_op_status(op, err);
	op->out[1] = len;
}

void hc_tdi_get_evidence(struct vcpu *v, u64 *regs)
{
	struct hc_op_args a = { .cap = MIN(regs[4], (u64)HC_OP_BUF), .kind = regs[2] };
	const void *nsrc = NULL;
	struct vdev *d;

	if (regs[4] && !(a.dst = vm_gpa_to_host(v->vm, gpa(regs[3]), regs[4], VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (regs[5] && !(nsrc = vm_gpa_to_host(v->vm, gpa(regs[5]), MOAT_NONCE_LEN, VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (nsrc) {
		memcpy(a.nonce, nsrc, sizeof(a.nonce));
		a.has_nonce = true;
	}
	if ((d = hc_tdi_vdev(v, regs)))
		hc_op_call(v, regs, 6, d, op_get_evidence, &a);
}

static void op_accept(struct hc_op *op)
{
	op->d->op_cause = MOAT_CAUSE_ACCEPT_FAILED;
	hc_op_status(op, tdi_accept(op->d->tdi, op->vm, op->a.digest));
	op->d->op_cause = 0;
}

void hc_tdi_accept(struct vcpu *v, u64 *regs)
{
	struct hc_op_args a = { 0 };
	const void *src;
	struct vdev *d;

	if (!(src = vm_gpa_to_host(v->vm, gpa(regs[2]), sizeof(a.digest), VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	memcpy(a.digest, src, sizeof(a.digest));
	if ((d = hc_tdi_vdev(v, regs)))
		hc_op_call(v, regs, 3, d, op_accept, &a);
}

static void op_unbind(struct hc_op *op)
{
	op->d->op_cause = MOAT_CAUSE_UNBIND;
	hc_op_status(op, tdi_unbind(op->d->tdi, op->vm));
	op->d->op_cause = 0;
}

void hc_tdi_unbind(struct vcpu *v, u64 *regs)
{
	struct hc_op_args a = { 0 };
	struct vdev *d = hc_tdi_vdev(v, regs);

	if (d)
		hc_op_call(v, regs, 2, d, op_unbind, &a);
}

/* Asks the device (a locked or running TDI): a state Moat did not expect tears it down. */
static void op_state(struct hc_op *op)
{
	struct vdev *d = op->d;

	if (d->tdi->vm != op->vm)
		return hc_op_status(op, -E_PERM);
	/* A mismatch (torn down) is reported through the state and the cause, not as an error. */
	if (tdi_check_device(d->tdi))
		pr_debug("%04x: device state check tore the TDI down", d->bdf);
	hc_op_status(op, 0);
	op->out[1] = vdev_tdi_state(d);
	op->out[2] = d->last_cause;
	op->out[3] = d->teardowns;
}

void hc_tdi_state(struct vcpu *v, u64 *regs)
{
	struct hc_op_args a = { 0 };
	struct vdev *d = hc_tdi_vdev(v, regs);

	if (d)
		hc_op_call(v, regs, 2, d, op_state, &a);
}
