// SPDX-License-Identifier: MIT
/*
 * Issue 13 items 3, 4, 5, 7 and 13: what two VMs, several vCPUs and a hostile device can do to
 * each other through the device-assignment layer. VM A (id 1, two vCPUs) owns a vdev whose TDI
 * is the TDISP device model behind a fake SMMUv3 unit; VM B (id 2) owns a plain vdev on the
 * same unit. Each test names the hole it closes; the threaded ones race real vCPU threads
 * against the fault delivery and device operations.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_util.h"

#include "fake_smmu.h"

#include <arch/cpu.h>

#include "arch/host/vm_host.h"
#include "core/devop.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "guest_abi/moat_abi.h"
#include "core/own.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "tdisp_dev/tdev.h"
#include "tsm/tdisp.h"

#define PRIV (4ULL << 20)
#define SHARED (2ULL << 20)
#define FN_ID 0x00000100u
#define BDF 0x0100
#define BDF_B 0x0200
#define BAR0 0x10000000ull
#define SHB (VM_RAM_BASE + PRIV) /* first shared GPA */
#define FQ (SHB + 0x10000)	 /* where the tests put a fault queue */

static struct fake_smmu fk;
static struct pt_host_alloc ha;
static struct tdev dev;
static struct tsm_pdev pd;
static struct tdi tdi;
static u32 cfg[1024];
static struct vm *vma, *vmb;
static u8 *rama, *ramb;
static u64 *bitsa, *bitsb;
static u32 h; /* A's vdev handle */

/* The device's misbehaviour switches (item 5) and its mailbox latency. */
static unsigned vdm_waits;	  /* waits before each answer, as a DOE would */
static u16 report_portion_ask;	  /* non-zero: the device answers portions of this size */
static unsigned report_exchanges; /* GET_DEVICE_INTERFACE_REPORT requests seen */
static u64 vdm_ns;		  /* fake time each exchange takes */

static void rewrite_report_ask(const u8 *req, size_t len, u8 *copy)
{
	memcpy(copy, req, len);
	if (len >= TDISP_HDR_LEN + TDISP_GETREP_LEN &&
	    req[TDISP_OFF_TYPE] == TDISP_GET_DEVICE_INTERFACE_REPORT) {
		report_exchanges++;
		if (report_portion_ask) {
			copy[TDISP_HDR_LEN + TDISP_GETREP_OFF_LENGTH] = (u8)report_portion_ask;
			copy[TDISP_HDR_LEN + TDISP_GETREP_OFF_LENGTH + 1] =
				(u8)(report_portion_ask >> 8);
		}
	}
}

static unsigned stops_sent, stops_sent_trusted; /* STOP_INTERFACE requests; with trusted DMA on */

static void note_stop(const u8 *req, size_t len)
{
	if (len > TDISP_OFF_TYPE && req[TDISP_OFF_TYPE] == TDISP_STOP_INTERFACE) {
		stops_sent++;
		stops_sent_trusted += vdev_at(vma, 0)->trusted;
	}
}

static int dsm_vdm(struct tsm_pdev *p, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		   size_t cap, size_t *len)
{
	u8 copy[512];

	(void)p;
	if (req_len > sizeof(copy))
		return -E_PROTO;
	note_stop(req, req_len);
	for (unsigned i = 0; i < vdm_waits; i++)
		devop_wait();
	host_time_now_ns += vdm_ns;
	rewrite_report_ask(req, req_len, copy);
	return tdev_handle(&dev, protocol, copy, req_len, rsp, cap, len) ? -E_TIMEOUT : 0;
}

static unsigned flr_waits; /* waits the FLR takes (pci_flr's 100 ms and more) */
static int flr_running;	   /* atomic: a dsm_flr is between its first and last wait */

static int dsm_flr(struct tsm_pdev *p, u32 fn)
{
	(void)p;
	__atomic_store_n(&flr_running, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < flr_waits; i++) {
		cpu_spin_hint(); /* real time passes too, for the other threads */
		devop_wait();
	}
	__atomic_store_n(&flr_running, 0, __ATOMIC_RELEASE);
	tdev_flr(&dev, fn);
	return 0;
}

static const struct tsm_dsm_ops dsm_ops = { .vdm = dsm_vdm, .flr = dsm_flr };

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	return cfg[off / 4];
}
static const struct vdev_backend be = { .cfg_read32 = be_cfg };

static struct vm_config cfga = {
	.name = "A", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 2
};
static struct vm_config cfgb = {
	.name = "B", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 2
};

/* One hypercall from vCPU `cpu` of `vm`; the registers come back in `r`. */
static int64_t callr(struct vm *vm, unsigned cpu, u64 *r, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4)
{
	u64 in[HC_NREGS] = { fn, a1, a2, a3, a4 };

	memcpy(r, in, sizeof(in));
	hypercall_dispatch(&vm->vcpu[cpu], r);
	return (int64_t)r[0];
}

static u64 regs[HC_NREGS];

static int64_t call(struct vm *vm, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4)
{
	return callr(vm, 0, regs, fn, a1, a2, a3, a4);
}

static int64_t call_until_done(struct vm *vm, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4)
{
	int64_t s;
	unsigned n = 0;

	while ((s = call(vm, fn, a1, a2, a3, a4)) == MOAT_BUSY)
		assert_true(++n < 100000);
	return s;
}

static void *ga(struct vm *vm, u64 g)
{
	return vm_gpa_to_host(vm, gpa(g), 1, VM_MEM_ANY);
}

static void cfg_space_init(void)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x00101b36;
	cfg[1] = 0x00100006;
	cfg[2] = 0x01080200;
	cfg[0x34 / 4] = 0x60;
	cfg[0x60 / 4] = 0x00020010;  /* PCIe capability, last */
	cfg[0x100 / 4] = 0x1401002e; /* DOE extended capability: Moat's */
	cfg[0x104 / 4] = 0xd0e0d0e0;
}

static int group_setup(void **state)
{
	(void)state;
	vma = vm_alloc();
	vmb = vm_alloc();
	rama = aligned_alloc(4096, PRIV + SHARED);
	ramb = aligned_alloc(4096, PRIV + SHARED);
	bitsa = calloc(1, 4096);
	bitsb = calloc(1, 4096);
	return !vma || !vmb || !rama || !ramb || !bitsa || !bitsb;
}

static void device_init(void)
{
	struct tsm_bars tb = { { { pa(BAR0), 0x4000 } } };

	tdev_init(&dev, 7);
	dev.bar_base[0] = BAR0;
	dev.bar_size[0] = 0x4000;
	assert_true(tdev_add_iface(&dev, FN_ID) >= 0);
	memset(&pd, 0, sizeof(pd));
	pd.ops = &dsm_ops;
	pd.connected = true;
	tdi_init(&tdi, &pd, FN_ID, &tb);
}

static int setup(void **state)
{
	struct pa_range bars[6] = { { pa(BAR0), 0x4000 } };
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };

	(void)state;
	test_log_capture();
	test_log_reset();
	vdm_waits = flr_waits = 0;
	report_portion_ask = 0;
	report_exchanges = 0;
	stops_sent = stops_sent_trusted = 0;
	vdm_ns = 0;
	hc_ops_vm_gone(1);
	hc_ops_vm_gone(2);
	pt_host_alloc_init(&ha);
	iommu_units_reset();
	host_s2_reset();
	vdev_reset_all();
	cfg_space_init();
	memset(rama, 0, PRIV + SHARED);
	memset(ramb, 0, PRIV + SHARED);
	memset(bitsa, 0, 4096);
	memset(bitsb, 0, 4096);
	vm_init(vma, 1, &cfga, pa((u64)(uintptr_t)rama));
	vm_init(vmb, 2, &cfgb, pa((u64)(uintptr_t)ramb));
	/* as boot leaves it: each VM's RAM its own, the BARs unassigned (core/own.h) */
	own_reset();
	assert_int_equal(own_add(pa((u64)(uintptr_t)rama), PRIV + SHARED, own_vm(1)), 0);
	assert_int_equal(own_add(pa((u64)(uintptr_t)ramb), PRIV + SHARED, own_vm(2)), 0);
	assert_int_equal(own_add(pa(BAR0), 0x600000, own_bar(0)), 0);
	assert_int_equal(fake_smmu_add(&fk, &ha.a), 0);
	assert_int_equal(viommu_init(vma, &fk.u, bitsa), 0);
	assert_int_equal(viommu_init(vmb, &fk.u, bitsb), 0);
	device_init();
	assert_int_equal(vdev_create(vma, 0, BDF, 0x1b36, 0x0010, bars, types, &tdi, &be, NULL), 0);
	assert_int_equal(vdev_create(vmb, 0, BDF_B, 0x1234, 0x11e8, none, types, NULL, &be, NULL),
			 0);
	h = vdev_at(vma, 0)->handle;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hc_ops_vm_gone(1);
	hc_ops_vm_gone(2);
	viommu_fini(vma);
	viommu_fini(vmb);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(rama);
	free(ramb);
	free(bitsa);
	free(bitsb);
	return 0;
}

static u32 ecam_rd(struct vm *vm, unsigned off, unsigned size)
{
	u64 v = 0;

	assert_true(vdev_ecam_mmio(vm, MOAT_GPA_ECAM + off, false, size, &v));
	return (u32)v;
}

static void ecam_wr(struct vm *vm, unsigned off, unsigned size, u64 v)
{
	assert_true(vdev_ecam_mmio(vm, MOAT_GPA_ECAM + off, true, size, &v));
}

/* ---- item 7: nothing at or above 0x100 is ever visible -------------------------------------- */

/*
 * Every place the PCIe capability may sit (0x40..0xfc): the guest reads the whole 4 KiB of
 * its function's config space with every access size and sees no byte of the extended space
 * (where Moat's DOE and IDE capabilities live), and a Device Control write beyond 0x100 is
 * no FLR.
 */
static void no_config_byte_at_or_above_0x100_is_visible_whatever_the_capability_offset(void **s)
{
	(void)s;
	for (unsigned cap = 0x40; cap <= 0xfc; cap += 4) {
		cfg_space_init();
		for (unsigned off = 0x100; off < 0x1000; off += 4)
			cfg[off / 4] = 0xa5a5a5a5;
		cfg[0x34 / 4] = cap;
		cfg[cap / 4] = 0x00020010;
		for (unsigned off = 0x100; off < 0x1000; off++) {
			assert_int_equal(ecam_rd(vma, off, 1), 0);
			if (!(off & 1))
				assert_int_equal(ecam_rd(vma, off, 2), 0);
			if (!(off & 3))
				assert_int_equal(ecam_rd(vma, off, 4), 0);
		}
		/* the part below 0x100 is still the capability */
		assert_int_equal(ecam_rd(vma, 0x34, 1), cap);
		assert_int_equal(ecam_rd(vma, cap, 4), 0x00020010);
	}
	/* a capability whose Device Control would lie past 0x100: a write there is not an FLR */
	cfg[0x34 / 4] = 0xfc;
	cfg[0xfc / 4] = 0x00020010;
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0), MOAT_OK);
	ecam_wr(vma, 0xfc + 8, 2, 0x8000);
	assert_int_equal(tdi.state, TDI_CONFIG_LOCKED);
}

/* ---- item 3: fault-queue registration against delivery ------------------------------------ */

static int stop_faults, storm_rounds;
static unsigned fq_torn; /* queues seen in a state no single writer could have left */
static unsigned fq_seen; /* checks that found records (the race was really run) */

static void *fault_storm(void *arg)
{
	struct iommu_fault f = { .tag = BDF,
				 .addr = 0xdead000,
				 .stage = IOMMU_FAULT_S1,
				 .kind = IOMMU_FAULT_TRANSLATION,
				 .access = IOMMU_FAULT_WRITE };

	(void)arg;
	while (!__atomic_load_n(&stop_faults, __ATOMIC_ACQUIRE)) {
		for (unsigned i = 0; i < 8; i++)
			iommu_fault_report(&fk.u, &f);
		viommu_faults_deliver();
		__atomic_fetch_add(&storm_rounds, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Every record below the tail Moat published is whole and names A's vdev. */
static bool fq_consistent(const struct moat_fault_queue *q)
{
	u32 tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (q->size != MOAT_FAULTQ_HDR_SIZE || tail >= q->nslots)
		return false;
	for (u32 i = 0; i < tail; i++)
		if (q->rec[i].size != sizeof(q->rec[i]) || q->rec[i].vdev != h)
			return false;
	return true;
}

static void *faultq_flipper(void *arg)
{
	struct moat_fault_queue *q = ga(vma, FQ);
	u64 r[HC_NREGS];

	(void)arg;
	while (__atomic_load_n(&storm_rounds, __ATOMIC_ACQUIRE) == 0)
		cpu_spin_hint();
	/*
	 * Long enough to overlap the storm even on a loaded machine: at least 5000 rounds and
	 * until 100 checks found records, bounded by wall-clock time (60 s), not by a round
	 * count a starved storm thread could outlast. Every 64th round yields the CPU to it.
	 */
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < 5000 || fq_seen < 100; i++) {
		if (i % 64 == 63) {
			sched_yield();
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec > 60)
				break;
		}
		if (callr(vma, 1, r, MOAT_HC_VIOMMU_FAULTQ, FQ, 40, 0, 0) != MOAT_OK)
			fq_torn += 1000000;
		for (unsigned k = 0; k < 4; k++) {
			if (!fq_consistent(q))
				fq_torn++;
			fq_seen += __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) != 0;
		}
		__atomic_store_n(&q->head, __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE); /* the guest consumes */
		if (i % 4 == 3 && callr(vma, 1, r, MOAT_HC_VIOMMU_FAULTQ, 0, 0, 0, 0) != MOAT_OK)
			fq_torn++;
	}
	return NULL;
}

/*
 * Issue 13 item 3: one vCPU of A registers and unregisters its fault queue in a loop while
 * A's device faults and another CPU delivers. Moat must neither crash (a NULL queue at EL2)
 * nor tear the queue (records written into a page being re-initialised, a tail past them).
 */
static void faultq_registration_races_delivery_without_crash_or_torn_queue(void **s)
{
	pthread_t storm, flip;

	(void)s;
	stop_faults = 0;
	storm_rounds = 0;
	fq_torn = 0;
	fq_seen = 0;
	assert_int_equal(pthread_create(&storm, NULL, fault_storm, NULL), 0);
	assert_int_equal(pthread_create(&flip, NULL, faultq_flipper, NULL), 0);
	pthread_join(flip, NULL);
	__atomic_store_n(&stop_faults, 1, __ATOMIC_RELEASE);
	pthread_join(storm, NULL);
	assert_int_equal(fq_torn, 0);
	assert_true(fq_seen >= 100); /* faults did reach a queue while it was flipped */
}

/* The tail is Moat's but in guest memory: a guest that moves it gets no write out of place. */
static void a_guest_written_tail_is_read_once_and_bounded(void **s)
{
	struct moat_fault_queue *q = ga(vma, FQ);
	struct iommu_fault f = { .tag = BDF, .addr = 0x1000, .stage = IOMMU_FAULT_S1 };

	(void)s;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, FQ, 40, 0, 0), MOAT_OK);
	q->tail = 0xfffffff0u;
	iommu_fault_report(&fk.u, &f);
	viommu_faults_deliver();
	assert_int_equal(q->overflow, 1);
	assert_int_equal(q->tail, 0xfffffff0u);
	q->tail = 3;
	iommu_fault_report(&fk.u, &f);
	viommu_faults_deliver();
	assert_int_equal(q->tail, 4);
	assert_int_equal(q->rec[3].vdev, h);
}

/* ---- item 5: the report fetch has a bound Moat sets ---------------------------------------- */

/* A bind that failed on the device: torn down, nothing of the device left mapped or trusted. */
static void assert_torn_down_after_failed_bind(void)
{
	struct vdev *d = vdev_at(vma, 0);

	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(dev.ifc[0].state, TDEV_UNLOCKED);
	assert_false(d->trusted);
	assert_int_equal(d->npriv, 0);
	assert_true(host_s2_lookup(1, d->bar[0].gpa.v, NULL)); /* shared MMIO restored */
	assert_int_equal(d->last_cause, MOAT_CAUSE_BIND_FAILED);
}

/*
 * Issue 13 item 5: a device answering the report in 1-byte portions would make the fetch
 * take one DOE exchange per byte. A short portion that is not the rest is a device error.
 */
static void a_device_dribbling_its_report_is_in_error_after_one_portion(void **s)
{
	(void)s;
	report_portion_ask = 1;
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0), MOAT_DEVICE_ERROR);
	assert_int_equal(report_exchanges, 1);
	assert_true(test_log_has("report portion of 1 bytes at offset 0 (minimum 64)"));
	assert_torn_down_after_failed_bind();
	/* portions of the minimum size are fine */
	report_portion_ask = TSM_REPORT_MIN_PORTION;
	report_exchanges = 0;
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0), MOAT_OK);
	assert_int_equal(report_exchanges, 2); /* 116 bytes */
}

/*
 * A device answering each portion just inside the DOE limit (0.9 s): a 276-byte report in
 * 64-byte portions would take 4.5 s. The fetch gives up past TSM_REPORT_FETCH_NS.
 */
static void a_slow_report_fetch_ends_at_the_time_bound(void **s)
{
	(void)s;
	for (unsigned b = 1; b < 6; b++) {
		dev.bar_base[b] = BAR0 + 0x100000ull * b;
		dev.bar_size[b] = 0x2000;
	}
	report_portion_ask = TSM_REPORT_MIN_PORTION;
	vdm_ns = 900000000ull;
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0), MOAT_DEVICE_ERROR);
	assert_int_equal(report_exchanges, 4);
	assert_true(test_log_has("report fetch took over 3000 ms"));
	assert_torn_down_after_failed_bind();
}

/* ---- item 4: one VM's FLR holds up no other VM ------------------------------------------- */

static int flrs_done, b_stop;
static unsigned b_busy, b_fail, b_during_flr;

/* VM A's vCPU 0: FLR after FLR of its function, polling its config space as a driver does. */
static void *flr_loop(void *arg)
{
	(void)arg;
	/* At least 20 resets, and on until B's calls overlapped some (a loaded host), bounded. */
	while (flrs_done < 20 ||
	       (__atomic_load_n(&b_during_flr, __ATOMIC_ACQUIRE) < 10 && flrs_done < 5000)) {
		u64 v = 0x8000;

		vdev_ecam_mmio(vma, MOAT_GPA_ECAM + 0x60 + 8, true, 2, &v);
		for (unsigned n = 0; n < 100000; n++) {
			vdev_ecam_mmio(vma, MOAT_GPA_ECAM, false, 4, &v);
			if (v != 0xffffffffu)
				break;
		}
		flrs_done++;
	}
	__atomic_store_n(&b_stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void b_calls(u64 *r)
{
	int64_t st[3];

	st[0] = callr(vmb, 0, r, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_SHARE, 0);
	st[1] = callr(vmb, 0, r, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0);
	st[2] = callr(vmb, 0, r, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_UNSHARE, 0);
	for (unsigned i = 0; i < 3; i++) {
		b_busy += st[i] == MOAT_BUSY;
		b_fail += st[i] != MOAT_BUSY && st[i] != MOAT_OK;
	}
}

/* VM B's vCPU 0: conversions and invalidations while A resets its device. */
static void *b_loop(void *arg)
{
	u64 r[HC_NREGS];

	(void)arg;
	while (!__atomic_load_n(&b_stop, __ATOMIC_ACQUIRE)) {
		bool during = __atomic_load_n(&flr_running, __ATOMIC_ACQUIRE);

		b_calls(r);
		if (during && __atomic_load_n(&flr_running, __ATOMIC_ACQUIRE))
			__atomic_fetch_add(&b_during_flr, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Issue 13 item 4: A's guest repeats FLRs of its function (each waiting on the device) while
 * B converts pages and invalidates its vIOMMU. None of B's calls may be refused as BUSY:
 * A's reset holds no lock B needs.
 */
static void another_vms_flr_never_makes_share_or_invalidate_busy(void **s)
{
	struct moat_inv e = { .size = sizeof(e), .op = MOAT_INV_SMMU_TLBI_ALL };
	pthread_t a, b;

	(void)s;
	memcpy(ga(vmb, SHB), &e, sizeof(e));
	flr_waits = 200;
	flrs_done = b_stop = 0;
	b_busy = b_fail = b_during_flr = 0;
	assert_int_equal(pthread_create(&a, NULL, flr_loop, NULL), 0);
	assert_int_equal(pthread_create(&b, NULL, b_loop, NULL), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	assert_true(b_during_flr > 0); /* the calls did overlap A's resets */
	assert_int_equal(b_busy, 0);
	assert_int_equal(b_fail, 0);
	assert_int_equal(dev.ifc[0].state, TDEV_UNLOCKED);
}

/* A's TDI in RUN, then its FLR: the teardown runs as steps, the TDI ends unlocked. */
static void a_guest_flr_is_a_resumable_device_operation(void **s)
{
	struct vdev *d = vdev_at(vma, 0);
	u8 *dg = ga(vma, SHB + 0x2000);
	unsigned steps = 0;

	(void)s;
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0), MOAT_OK);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, SHB + 0x2000),
			 MOAT_OK);
	memcpy(ga(vma, SHB + 0x3000), dg, 32);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_ACCEPT, h, SHB + 0x3000, 0, 0), MOAT_OK);
	assert_true(d->trusted);
	flr_waits = 10;
	vdm_waits = 2;
	ecam_wr(vma, 0x60 + 8, 2, 0x8000);
	assert_true(vdev_flr_in_progress(d)); /* suspended at its first wait: the vCPU is back */
	assert_int_equal(call(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0), MOAT_BUSY);
	while (vdev_flr_in_progress(d)) {
		assert_true(++steps < 1000);
		hc_ops_poll();
	}
	assert_true(steps >= 10);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_false(d->trusted);
	assert_int_equal(d->npriv, 0);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0), MOAT_OK);
	assert_int_equal(regs[2], MOAT_CAUSE_FLR);
}

/* ---- item 13: a trusted device's stage-1 stays out of its untrusted siblings' reach ------------ */

static int64_t set_s1_at(u64 desc_gpa, u64 cd)
{
	struct moat_s1_desc desc = { .size = sizeof(desc), .type = MOAT_IOMMU_SMMUV3 };

	desc.smmu.cd_table = cd;
	memcpy(ga(vma, desc_gpa), &desc, sizeof(desc));
	return call(vma, MOAT_HC_VIOMMU_SET_S1, h, desc_gpa, sizeof(desc), 0);
}

static int64_t bind_report_accept(void)
{
	u8 *dg = ga(vma, SHB + 0x2000);

	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0), MOAT_OK);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, SHB + 0x2000),
			 MOAT_OK);
	memcpy(ga(vma, SHB + 0x3000), dg, 32);
	return call_until_done(vma, MOAT_HC_TDI_ACCEPT, h, SHB + 0x3000, 0, 0);
}

/*
 * Issue 13 item 13: with its CD in shared RAM, any of the VM's untrusted devices could
 * rewrite the stage-1 of the device that has trusted DMA and aim it at private RAM. Accept
 * refuses trusted DMA through a stage-1 that is not in private, unshared RAM.
 */
static void accept_refuses_trusted_dma_through_a_stage1_in_shared_ram(void **s)
{
	struct vdev *d = vdev_at(vma, 0);

	(void)s;
	assert_int_equal(set_s1_at(SHB + 0x5000, SHB + 0x6000), MOAT_OK); /* CD in shared RAM */
	assert_int_equal(bind_report_accept(), MOAT_DENIED);
	assert_false(d->trusted);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_true(test_log_has("trusted DMA refused: its stage-1 context"));
	/* a private page the guest shared is no better */
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_SHARE, 0), MOAT_OK);
	assert_int_equal(set_s1_at(SHB + 0x5000, VM_RAM_BASE), MOAT_OK);
	assert_int_equal(bind_report_accept(), MOAT_DENIED);
	assert_false(d->trusted);
}

/* With the CD private, accept works; afterwards the CD page can neither be shared nor moved
 * to shared RAM while the TDI has trusted DMA. */
static void a_trusted_vdevs_stage1_stays_private_while_it_runs(void **s)
{
	struct vdev *d = vdev_at(vma, 0);

	(void)s;
	assert_int_equal(set_s1_at(SHB + 0x5000, VM_RAM_BASE + 0x2000), MOAT_OK);
	assert_int_equal(bind_report_accept(), MOAT_OK);
	assert_true(d->trusted);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE + 0x2000, 0x1000, MOAT_SHARE, 0),
			 MOAT_DENIED);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x4000, MOAT_SHARE, 0),
			 MOAT_DENIED); /* a range covering it */
	assert_false(viommu_page_shared(vma, gpa(VM_RAM_BASE)));
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE + 0x3000, 0x1000, MOAT_SHARE, 0),
			 MOAT_OK); /* other pages as before */
	assert_int_equal(set_s1_at(SHB + 0x5000, SHB + 0x6000), MOAT_DENIED);
	assert_int_equal(d->s1.smmu.s1ctxptr.v, VM_RAM_BASE + 0x2000); /* unchanged */
	assert_int_equal(set_s1_at(SHB + 0x5000, VM_RAM_BASE + 0x4000), MOAT_OK);
	/* after unbind the rule is lifted */
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE + 0x4000, 0x1000, MOAT_SHARE, 0),
			 MOAT_OK);
}

/* ---- the "concurrency is tested" finding: no trusted DMA while a teardown's STOP is out ---- */

/*
 * A TDI entering ERROR (the device fails in RUN), one the guest unbinds, and one whose device
 * refuses STOP: trusted DMA is gone before the STOP request goes out (the exchange suspends
 * the operation, so the window was open to the device for the whole exchange), and stays gone
 * in ERROR. Before, every STOP went out with trusted DMA on.
 */
static void trusted_dma_is_gone_before_a_teardowns_stop_is_sent(void **s)
{
	struct vdev *d = vdev_at(vma, 0);

	(void)s;
	vdm_waits = 1; /* each exchange suspends the operation once */
	assert_int_equal(set_s1_at(SHB + 0x5000, VM_RAM_BASE + 0x2000), MOAT_OK);
	assert_int_equal(bind_report_accept(), MOAT_OK);
	assert_true(d->trusted);
	dev.faults = TDEV_FAULT_ERROR_WHILE_RUN;
	for (unsigned i = 0; i < 3 && tdi.state == TDI_RUN; i++)
		(void)call_until_done(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(stops_sent, 1);
	assert_false(d->trusted);
	dev.faults = 0;
	assert_int_equal(bind_report_accept(), MOAT_OK);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0), MOAT_OK);
	assert_int_equal(stops_sent, 2);
	dev.faults = TDEV_FAULT_REFUSE_STOP;
	assert_int_equal(bind_report_accept(), MOAT_OK);
	(void)call_until_done(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0);
	assert_int_equal(tdi.state, TDI_ERROR);
	assert_false(d->trusted);
	assert_int_equal(stops_sent, 3);
	assert_int_equal(stops_sent_trusted, 0);
	dev.faults = 0;
}

/* ---- issue 13 item 1: an assignment that fails gives its BARs back, unmapped ---------------- */

/*
 * BAR0 maps, BAR1 finds the CPU stage-2 full: the assignment fails, BAR0 is unmapped and both
 * BARs go back to "unassigned", their mapping counts 0 (the record refuses to give back a page
 * a table still maps, so a missed uncount would leave them the VM's).
 */
static void a_failed_assignment_gives_its_bars_back_unmapped(void **s)
{
	struct pa_range bars[6] = { { pa(BAR0 + 0x200000), 0x4000 },
				    { pa(BAR0 + 0x300000), 0x4000 } };
	u32 types[6] = { 0 };
	unsigned used = 0;

	(void)s;
	for (unsigned i = 0; i < HOST_S2_MAX; i++)
		used += host_s2[i].size != 0;
	for (unsigned i = 0, left = HOST_S2_MAX - used - 1; i < HOST_S2_MAX && left; i++)
		if (!host_s2[i].size) {
			host_s2[i] = (struct host_s2_map){ 9, 0x1000 * (i + 1), 0, 0x1000 };
			left--;
		}
	assert_int_equal(vdev_create(vmb, 0, 0x0300, 0x1234, 0x11e8, bars, types, NULL, &be, NULL),
			 -E_NOSPC);
	for (unsigned b = 0; b < 2; b++) {
		assert_true(own_eq(own_owner(bars[b].base), own_bar(0)));
		assert_int_equal(own_maps(bars[b].base), 0);
	}
	assert_false(test_log_has("not given back"));
	for (unsigned i = 0; i < HOST_S2_MAX; i++)
		if (host_s2[i].vm == 9)
			memset(&host_s2[i], 0, sizeof(host_s2[i]));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(no_config_byte_at_or_above_0x100_is_visible_whatever_the_capability_offset),
		T(faultq_registration_races_delivery_without_crash_or_torn_queue),
		T(a_guest_written_tail_is_read_once_and_bounded),
		T(a_device_dribbling_its_report_is_in_error_after_one_portion),
		T(a_slow_report_fetch_ends_at_the_time_bound),
		T(another_vms_flr_never_makes_share_or_invalidate_busy),
		T(a_guest_flr_is_a_resumable_device_operation),
		T(accept_refuses_trusted_dma_through_a_stage1_in_shared_ram),
		T(a_trusted_vdevs_stage1_stays_private_while_it_runs),
		T(trusted_dma_is_gone_before_a_teardowns_stop_is_sent),
		T(a_failed_assignment_gives_its_bars_back_unmapped),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
