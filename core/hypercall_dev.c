// SPDX-License-Identifier: MIT
/*
 * Device-assignment hypercalls (ABI 1.1, docs/guest-abi.md "Device assignment"): memory
 * sharing, the vdev list, the vIOMMU calls and the TDI calls. Same rules as hypercall.c:
 * every handle is checked against the caller, every (GPA, length) overflow-checked and in RAM
 * of the required kind, guest structures copied once before they are checked and used.
 *
 * Calls that talk to the device or change vIOMMU state hold one operation slot; a call that
 * finds it taken (another vCPU's operation is running) returns MOAT_BUSY and the guest calls
 * again. This also serialises the page-table and attachment changes the callee makes.
 */
#define LOG_COMPONENT "hc"
#include "core/hypercall_dev.h"

#include <string.h>

#include "core/vdev.h"
#include "core/viommu.h"
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

/* One device operation at a time (vdev_op_begin()); its buffer is shared by the TDI calls. */
static u8 op_buf[TDISP_REPORT_MAX > 8192 ? TDISP_REPORT_MAX : 8192];

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

/* ---- TDIs -------------------------------------------------------------------------------- */

/* The vdev's TDI, with the operation slot held; NULL (status set) otherwise. */
static struct vdev *hc_tdi_begin(struct vcpu *v, u64 *regs)
{
	struct vdev *d = hc_vdev(v, regs);

	if (!d)
		return NULL;
	if (!d->tdi) {
		st(regs, MOAT_DENIED);
		return NULL;
	}
	if (!op_begin()) {
		st(regs, MOAT_BUSY);
		return NULL;
	}
	return d;
}

static void hc_tdi_end(struct vdev *d, u64 *regs, int err)
{
	d->op_cause = 0;
	op_end();
	st(regs, hc_err(err));
}

void hc_tdi_bind(struct vcpu *v, u64 *regs)
{
	struct vdev *d = hc_tdi_begin(v, regs);

	if (!d)
		return;
	d->op_cause = MOAT_CAUSE_BIND_FAILED;
	hc_tdi_end(d, regs, tdi_bind(d->tdi, v->vm->id));
}

/* Copies `len` bytes of op_buf out to the guest's (gpa, cap), already checked. */
static void hc_copy_out(void *dst, size_t len)
{
	if (len)
		memcpy(dst, op_buf, len);
}

void hc_tdi_get_report(struct vcpu *v, u64 *regs)
{
	u64 cap = MIN(regs[3], (u64)sizeof(op_buf));
	u8 digest[TSM_DIGEST_LEN];
	void *dst = NULL, *dig;
	size_t len = 0;
	struct vdev *d;
	int err;

	if (regs[3] && !(dst = vm_gpa_to_host(v->vm, gpa(regs[2]), regs[3], VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!(dig = vm_gpa_to_host(v->vm, gpa(regs[4]), TSM_DIGEST_LEN, VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (!(d = hc_tdi_begin(v, regs)))
		return;
	err = tdi_get_report(d->tdi, v->vm->id, op_buf, cap, &len, digest);
	if (!err) {
		hc_copy_out(dst, len);
		memcpy(dig, digest, sizeof(digest));
	}
	hc_tdi_end(d, regs, err);
	regs[1] = len; /* also on MOAT_BAD_SIZE: the length needed */
}

static int hc_evidence(struct vdev *d, u32 vm, u64 kind, const u8 *nonce, size_t cap, size_t *len)
{
	switch (kind) {
	case MOAT_EV_CERT_CHAIN:
		return nonce ? -E_INVAL
			     : tdi_get_evidence(d->tdi, vm, TSM_EV_CERT_CHAIN, op_buf, cap, len);
	case MOAT_EV_MEASUREMENTS:
		/* with a nonce: fresh, signed over it; without: the record taken at connect */
		return nonce ? tdi_get_measurements(d->tdi, vm, nonce, op_buf, cap, len)
			     : tdi_get_evidence(d->tdi, vm, TSM_EV_MEASUREMENTS, op_buf, cap, len);
	case MOAT_EV_VCA_DIGEST:
		if (nonce)
			return -E_INVAL;
		if (d->tdi->vm != vm)
			return -E_PERM;
		if (!d->be->evidence)
			return -E_NOTSUP;
		return d->be->evidence(d, MOAT_EV_VCA_DIGEST, NULL, op_buf, cap, len);
	}
	return -E_INVAL;
}

void hc_tdi_get_evidence(struct vcpu *v, u64 *regs)
{
	u64 cap = MIN(regs[4], (u64)sizeof(op_buf));
	u8 nonce[MOAT_NONCE_LEN];
	const void *nsrc = NULL;
	void *dst = NULL;
	size_t len = 0;
	struct vdev *d;
	int err;

	if (regs[4] && !(dst = vm_gpa_to_host(v->vm, gpa(regs[3]), regs[4], VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (regs[5] && !(nsrc = vm_gpa_to_host(v->vm, gpa(regs[5]), sizeof(nonce), VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	if (nsrc)
		memcpy(nonce, nsrc, sizeof(nonce));
	if (!(d = hc_tdi_begin(v, regs)))
		return;
	err = hc_evidence(d, v->vm->id, regs[2], nsrc ? nonce : NULL, cap, &len);
	if (!err)
		hc_copy_out(dst, len);
	hc_tdi_end(d, regs, err);
	regs[1] = len;
}

void hc_tdi_accept(struct vcpu *v, u64 *regs)
{
	u8 digest[TSM_DIGEST_LEN];
	const void *src;
	struct vdev *d;

	if (!(src = vm_gpa_to_host(v->vm, gpa(regs[2]), sizeof(digest), VM_MEM_ANY)))
		return st(regs, MOAT_BAD_ADDRESS);
	memcpy(digest, src, sizeof(digest));
	if (!(d = hc_tdi_begin(v, regs)))
		return;
	d->op_cause = MOAT_CAUSE_ACCEPT_FAILED;
	hc_tdi_end(d, regs, tdi_accept(d->tdi, v->vm->id, digest));
}

void hc_tdi_unbind(struct vcpu *v, u64 *regs)
{
	struct vdev *d = hc_tdi_begin(v, regs);

	if (!d)
		return;
	d->op_cause = MOAT_CAUSE_UNBIND;
	hc_tdi_end(d, regs, tdi_unbind(d->tdi, v->vm->id));
}

/* Asks the device (a locked or running TDI): a state Moat did not expect tears it down. */
void hc_tdi_state(struct vcpu *v, u64 *regs)
{
	struct vdev *d = hc_tdi_begin(v, regs);
	int err;

	if (!d)
		return;
	err = d->tdi->vm == v->vm->id ? tdi_check_device(d->tdi) : -E_PERM;
	hc_tdi_end(d, regs, err == -E_PERM ? err : 0);
	if (err == -E_PERM)
		return;
	regs[1] = vdev_tdi_state(d);
	regs[2] = d->last_cause;
	regs[3] = d->teardowns;
}
