// SPDX-License-Identifier: MIT
/*
 * The Moat hypercall dispatcher (guest_abi/moat_abi.h, docs/guest-abi.md). Everything in
 * `regs` comes from the guest: reserved registers must be zero, every (GPA, length) is
 * overflow-checked and must lie in RAM of the kind the call needs, every handle must name
 * an object of the calling VM. Guest memory is copied before it is used, so a racing vCPU
 * cannot change what was checked.
 */
#define LOG_COMPONENT "hc"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"

#include <string.h>

#include "guest_abi/moat_abi.h"
#include "lib/bits.h"

struct hc_desc {
	u32 fn;
	unsigned nargs; /* x1..x[nargs] used; the rest of x1..x6 must be zero */
	void (*handler)(struct vcpu *v, u64 *regs);
	/* never blocks, stops the VM or switches vCPUs, writes regs[0..3] only: fast path */
	bool fast;
};

static void hc_version(struct vcpu *v, u64 *regs);
static void hc_features(struct vcpu *v, u64 *regs);
static void hc_null(struct vcpu *v, u64 *regs);
static void hc_console_write(struct vcpu *v, u64 *regs);
static void hc_vm_info(struct vcpu *v, u64 *regs);
static void hc_vcpu_state(struct vcpu *v, u64 *regs);
static void hc_shared_check(struct vcpu *v, u64 *regs);

/*
 * Indexed by function number. HC() derives the slot from the same constant it stores, so a
 * row cannot sit at the wrong index; a number past MOAT_HC_COUNT does not compile, and two
 * rows for one slot fail the -Werror builds (-Woverride-init). A slot left empty is refused
 * by hc_lookup() (test_hypercall checks that every function below MOAT_HC_COUNT is served).
 */
#define HC_IDX(fn) ((fn)&0xffffu)
#define HC(fn, n, h) [HC_IDX(fn)] = { (fn), (n), (h), false }
#define HC_FAST(fn, n, h) [HC_IDX(fn)] = { (fn), (n), (h), true }
static const struct hc_desc hc_table[MOAT_HC_COUNT] = {
	HC_FAST(MOAT_HC_VERSION, 0, hc_version),
	HC_FAST(MOAT_HC_FEATURES, 1, hc_features),
	HC_FAST(MOAT_HC_NULL, 0, hc_null),
	HC(MOAT_HC_CONSOLE_WRITE, 2, hc_console_write),
	HC_FAST(MOAT_HC_VM_INFO, 2, hc_vm_info),
	HC_FAST(MOAT_HC_VCPU_STATE, 1, hc_vcpu_state),
	HC_FAST(MOAT_HC_SHARED_CHECK, 2, hc_shared_check),
	HC(MOAT_HC_MEM_SHARE, 3, hc_mem_share),
	HC(MOAT_HC_VDEV_LIST, 2, hc_vdev_list),
	HC(MOAT_HC_VIOMMU_INFO, 2, hc_viommu_info),
	HC(MOAT_HC_VIOMMU_SET_S1, 3, hc_viommu_set_s1),
	HC(MOAT_HC_VIOMMU_CLEAR_S1, 1, hc_viommu_clear_s1),
	HC(MOAT_HC_VIOMMU_INVALIDATE, 2, hc_viommu_invalidate),
	HC(MOAT_HC_VIOMMU_FAULTQ, 2, hc_viommu_faultq),
	HC(MOAT_HC_TDI_BIND, 1, hc_tdi_bind),
	HC(MOAT_HC_TDI_GET_REPORT, 4, hc_tdi_get_report),
	HC(MOAT_HC_TDI_GET_EVIDENCE, 5, hc_tdi_get_evidence),
	HC(MOAT_HC_TDI_ACCEPT, 2, hc_tdi_accept),
	HC(MOAT_HC_TDI_UNBIND, 1, hc_tdi_unbind),
	HC(MOAT_HC_TDI_STATE, 1, hc_tdi_state),
};

static void hc_status(u64 *regs, enum moat_status st)
{
	regs[0] = (u64)(int64_t)st;
}

bool hypercall_is_moat(u64 fn)
{
	/* SMCCC: the upper 32 bits of x0 are ignored for the function ID only in SMC32; Moat
	 * calls are SMC64 and must have them zero. */
	return (fn & 0xffffffffff000000ULL) == MOAT_HC_BASE;
}

/* Moat's calls are MOAT_HC_BASE + n, n < MOAT_HC_COUNT: hypercall_is_moat() with bits 23:16
 * zero and a function number below the count, in one compare (the fast paths' cost). */
static const struct hc_desc *hc_lookup(u64 fn)
{
	u64 n = fn - MOAT_HC_BASE; /* below the base: wraps past the count */

	if (n >= MOAT_HC_COUNT || !hc_table[n].handler)
		return NULL;
	return &hc_table[n];
}

static void hc_version(struct vcpu *v, u64 *regs)
{
	(void)v;
	hc_status(regs, MOAT_OK);
	regs[1] = MOAT_ABI_VERSION;
	regs[2] = (1ULL << MOAT_HC_COUNT) - 1;
}

static void hc_features(struct vcpu *v, u64 *regs)
{
	(void)v;
	hc_status(regs, hc_lookup(regs[1]) ? MOAT_OK : MOAT_NOT_SUPPORTED);
}

static void hc_null(struct vcpu *v, u64 *regs)
{
	(void)v;
	hc_status(regs, MOAT_OK);
}

static void hc_console_write(struct vcpu *v, u64 *regs)
{
	char buf[MOAT_CONSOLE_MAX];
	u64 len = regs[2];
	const void *src;

	if (!len || len > MOAT_CONSOLE_MAX)
		return hc_status(regs, MOAT_INVALID_PARAM);
	src = vm_gpa_to_host(v->vm, gpa(regs[1]), len, VM_MEM_ANY);
	if (!src)
		return hc_status(regs, MOAT_BAD_ADDRESS);
	memcpy(buf, src, len);
	vm_console_write(v->vm, buf, len);
	hc_status(regs, MOAT_OK);
}

static void hc_vm_info(struct vcpu *v, u64 *regs)
{
	struct moat_vm_info info = { 0 };
	void *dst;

	if (regs[2] < sizeof(info))
		return hc_status(regs, MOAT_BAD_SIZE);
	dst = vm_gpa_to_host(v->vm, gpa(regs[1]), sizeof(info), VM_MEM_ANY);
	if (!dst)
		return hc_status(regs, MOAT_BAD_ADDRESS);
	info.size = sizeof(info);
	info.vm_id = v->vm->id;
	info.nr_vcpus = v->vm->nvcpus;
	info.private_base = v->vm->priv.base.v;
	info.private_size = v->vm->priv.size;
	info.shared_base = v->vm->shared.base.v;
	info.shared_size = v->vm->shared.size;
	memcpy(info.name, v->vm->name, sizeof(info.name));
	info.name[sizeof(info.name) - 1] = '\0';
	memcpy(dst, &info, sizeof(info));
	hc_status(regs, MOAT_OK);
	regs[1] = sizeof(info);
}

static void hc_vcpu_state(struct vcpu *v, u64 *regs)
{
	struct vcpu *t = vcpu_from_handle(v->vm, regs[1]);

	if (!t)
		return hc_status(regs, MOAT_BAD_HANDLE);
	hc_status(regs, MOAT_OK);
	switch (t->power) {
	case VCPU_ON: regs[1] = MOAT_VCPU_ON; break;
	case VCPU_ON_PENDING: regs[1] = MOAT_VCPU_ON_PENDING; break;
	default: regs[1] = MOAT_VCPU_OFF; break;
	}
}

static void hc_shared_check(struct vcpu *v, u64 *regs)
{
	if (!regs[2] || !IS_ALIGNED(regs[1] | regs[2], PAGE_SIZE))
		return hc_status(regs, MOAT_INVALID_PARAM);
	if (!vm_gpa_to_host(v->vm, gpa(regs[1]), regs[2], VM_MEM_SHARED))
		return hc_status(regs, MOAT_BAD_ADDRESS);
	hc_status(regs, MOAT_OK);
}

static void hc_run(const struct hc_desc *d, struct vcpu *v, u64 regs[HC_NREGS])
{
	u64 unused = 0; /* x[nargs + 1]..x6 ORed: they must be zero (unrolled: the fast paths) */

	STATIC_ASSERT(HC_NREGS == 7, "x0..x6");
	switch (d->nargs) {
	case 0: unused |= regs[1]; /* fallthrough */
	case 1: unused |= regs[2]; /* fallthrough */
	case 2: unused |= regs[3]; /* fallthrough */
	case 3: unused |= regs[4]; /* fallthrough */
	case 4: unused |= regs[5]; /* fallthrough */
	case 5: unused |= regs[6]; break;
	default: break;
	}
	if (unused)
		return hc_status(regs, MOAT_INVALID_PARAM);
	d->handler(v, regs);
}

bool hypercall_dispatch_fast(struct vcpu *v, u64 regs[HC_NREGS])
{
	const struct hc_desc *d = hc_lookup(regs[0]);

	if (!d || !d->fast)
		return false;
	hc_run(d, v, regs);
	return true;
}

void hypercall_dispatch(struct vcpu *v, u64 regs[HC_NREGS])
{
	const struct hc_desc *d = hc_lookup(regs[0]);

	if (!d)
		return hc_status(regs, MOAT_NOT_SUPPORTED);
	hc_run(d, v, regs);
}
