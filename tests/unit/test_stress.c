// SPDX-License-Identifier: MIT
/*
 * Concurrency stress (issue 13, "concurrency is tested"): four threads are the vCPUs of two
 * VMs, each with a TDISP device (the device model behind a DSM transport whose every answer
 * waits on the "mailbox") on one fake SMMUv3 unit, and a fifth thread is the devices faulting
 * and the run loop polling. The vCPUs make random calls: share/unshare, FAULTQ set/clear,
 * SET_S1/CLEAR_S1, invalidate, bind/report/accept/unbind, TDI state, FLR through the virtual
 * Device Control, and VM reset (with the VM's other vCPU parked, as the reset path does).
 * After every step the thread that made it runs the invariant checker, which takes every lock
 * and walks every stage-2 and IOMMU table:
 *   - every DMA mapping of a VM's views points into that VM's RAM at the GPA's own offset
 *     (no page in two VMs, nothing of Moat's, no device memory);
 *   - the shared view holds no private page the guest did not share;
 *   - a vdev on the full view (T=1) has a TDI bound to its VM, not CONFIG_UNLOCKED, and
 *     its stage-1 context (if any) in private RAM the guest has not shared;
 *     otherwise its stream is on the shared view (or blocked);
 *   - every CPU stage-2 device mapping lies inside a BAR of the VM's own vdevs, no BAR
 *     overlaps RAM, and a BAR with private mappings has no shared one;
 *   - the ownership record (core/own.h): every page a table maps belongs to that VM (its
 *     RAM) or to its vdev's BAR, and every RAM and BAR page's mapping count equals the number
 *     of table entries that map it;
 *   - trusted DMA never while the TDI is in ERROR (a teardown removes it before its STOP).
 * Built twice: ASan+UBSan (build/host) and ThreadSanitizer (build/host-tsan). A short run in
 * make test; MOAT_SOAK=1 (make soak) runs it long.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "fake_smmu.h"

#include <arch/cpu.h>

#include "arch/host/vm_host.h"
#include "core/devop.h"
#include "guest_abi/moat_abi.h"
#include "core/own.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "tdisp_dev/tdev.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"

#define PRIV (1ULL << 20)
#define SHARED (1ULL << 20)
#define SHB (VM_RAM_BASE + PRIV)
#define NVM 2
#define NCPU 2
#define FN_ID 0x00000100u

#define RAM_PAGES ((PRIV + SHARED) / PAGE_SIZE)
#define BAR_SIZE 0x4000
#define BAR_PAGES (BAR_SIZE / PAGE_SIZE)

struct svm {
	struct vm *vm;
	u8 *ram;
	u8 counts[RAM_PAGES]; /* the record's per-page mapping counts of the RAM (core/own.h) */
	unsigned exp_ram[RAM_PAGES], exp_bar[BAR_PAGES]; /* the checker's, from the tables */
	u64 *bits;
	struct tdev dev;
	struct tsm_pdev pd;
	struct tdi tdi;
	u16 bdf;
	u64 bar;
	u32 h;
	pthread_rwlock_t run; /* vCPUs run calls with it read-held; a reset write-holds it */
};

static struct svm S[NVM];
static struct fake_smmu fk;
static struct pt_host_alloc ha;
static u32 cfg[1024];
static int stop;
static unsigned violations, steps_done;
static unsigned n_accepted, n_flr, n_reset, n_shared; /* what the random calls achieved */
static char first_violation[160];

static struct svm *svm_of_pd(const struct tsm_pdev *p)
{
	return &S[p == &S[1].pd];
}

static int dsm_vdm(struct tsm_pdev *p, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		   size_t cap, size_t *len)
{
	devop_wait(); /* every answer waits on the mailbox once: operations suspend */
	return tdev_handle(&svm_of_pd(p)->dev, protocol, req, req_len, rsp, cap, len) ? -E_TIMEOUT
										      : 0;
}

static int dsm_flr(struct tsm_pdev *p, u32 fn)
{
	for (unsigned i = 0; i < 3; i++)
		devop_wait();
	tdev_flr(&svm_of_pd(p)->dev, fn);
	return 0;
}

static const struct tsm_dsm_ops dsm_ops = { .vdm = dsm_vdm, .flr = dsm_flr };

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	return cfg[off / 4];
}
static const struct vdev_backend be = { .cfg_read32 = be_cfg };

static struct vm_config vcfg[NVM] = {
	{ .name = "A", .private_size = PRIV, .shared_size = SHARED, .nvcpus = NCPU },
	{ .name = "B", .private_size = PRIV, .shared_size = SHARED, .nvcpus = NCPU },
};

/* ---- the invariant checker ---------------------------------------------------------------- */

static const char *kinds_seen[16]; /* each kind of violation since `violations` was 0 */

static void violation(const char *what, unsigned vm, u64 a)
{
	unsigned n = __atomic_fetch_add(&violations, 1, __ATOMIC_RELAXED);

	if (n == 0) {
		snprintf(first_violation, sizeof(first_violation), "VM %u: %s at 0x%llx", vm, what,
			 (unsigned long long)a);
		memset(kinds_seen, 0, sizeof(kinds_seen));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(kinds_seen); i++) {
		if (kinds_seen[i] == what)
			break;
		if (!kinds_seen[i]) {
			kinds_seen[i] = what;
			break;
		}
	}
}

/* The planted-hole test only (one thread): was this kind of violation reported? */
static bool saw(const char *what)
{
	for (unsigned i = 0; violations && i < ARRAY_SIZE(kinds_seen) && kinds_seen[i]; i++)
		if (!strcmp(kinds_seen[i], what))
			return true;
	return false;
}

static bool in_ram(const struct svm *s, u64 hpa)
{
	u64 base = (u64)(uintptr_t)s->ram;

	return hpa >= base && hpa - base < PRIV + SHARED;
}

/* The record: a page in a table of VM s belongs to it (`who`); the count the tables give it. */
static void count_mapping(struct svm *s, u64 hpa, struct own_id who)
{
	if (!own_eq(own_owner(pa(hpa)), who))
		violation("a mapped page the record does not give the VM", s->vm->id, hpa);
	for (unsigned k = 0; k < NVM; k++) {
		if (in_ram(&S[k], hpa))
			S[k].exp_ram[(hpa - (u64)(uintptr_t)S[k].ram) / PAGE_SIZE]++;
		if (hpa >= S[k].bar && hpa - S[k].bar < BAR_SIZE)
			S[k].exp_bar[(hpa - S[k].bar) / PAGE_SIZE]++;
	}
}

/* Every recorded page's mapping count is what the tables show (RAM and BARs of the VMs). */
static void check_counts(void)
{
	for (unsigned k = 0; k < NVM; k++) {
		for (unsigned i = 0; i < RAM_PAGES; i++)
			if (own_maps(pa((u64)(uintptr_t)S[k].ram + i * PAGE_SIZE)) !=
			    S[k].exp_ram[i])
				violation("RAM mapping count differs from the tables", k + 1,
					  (u64)(uintptr_t)S[k].ram + i * PAGE_SIZE);
		for (unsigned i = 0; i < BAR_PAGES; i++)
			if (own_maps(pa(S[k].bar + i * PAGE_SIZE)) != S[k].exp_bar[i])
				violation("BAR mapping count differs from the tables", k + 1,
					  S[k].bar + i * PAGE_SIZE);
		memset(S[k].exp_ram, 0, sizeof(S[k].exp_ram));
		memset(S[k].exp_bar, 0, sizeof(S[k].exp_bar));
	}
}

/* One view: every extent maps the VM's own RAM at the GPA's offset; shared: no private page. */
static void check_view(struct svm *s, struct iommu_domain *dom, bool shared)
{
	struct pt_extent x;
	u64 at = 0, end = 1ULL << 40;

	while (at < end && !pt_lookup_next(&dom->s2, at, end, &x)) {
		for (u64 off = 0; off < x.size; off += PAGE_SIZE) {
			u64 g = x.in + off, hpa = x.out.v + off;

			if (!in_ram(s, hpa) || hpa - (u64)(uintptr_t)s->ram != g - VM_RAM_BASE)
				violation("DMA mapping outside the VM's own RAM", s->vm->id, g);
			count_mapping(s, hpa, own_vm(s->vm->id));
			if (shared && !viommu_page_shared(s->vm, gpa(g)))
				violation("private page on the shared view", s->vm->id, g);
		}
		at = x.in + x.size;
	}
}

static void check_vdev(const struct svm *s, struct viommu *v)
{
	struct vdev *d = vdev_at(s->vm, 0);
	struct iommu_domain *full = &v->u[0].view[VIOMMU_FULL];
	struct iommu_domain *parent = d->dom ? (d->dom->parent ? d->dom->parent : d->dom) : NULL;

	/* LOCKED on the way to RUN (accept enables trusted DMA before START); never in ERROR:
	 * a teardown removes trusted DMA before its STOP goes out (tsm/tdi.h) */
	if (d->trusted && (d->tdi->vm != s->vm->id || d->tdi->state == TDI_CONFIG_UNLOCKED ||
			   d->tdi->state == TDI_ERROR))
		violation("trusted DMA without a bound TDI", s->vm->id, d->tdi->state);
	if (d->trusted && d->s1_set &&
	    (vm_gpa_kind(s->vm, gpa(d->s1.smmu.s1ctxptr.v)) != VM_MEM_PRIVATE ||
	     viommu_page_shared(s->vm, gpa(d->s1.smmu.s1ctxptr.v))))
		violation("trusted DMA through a stage-1 in shared memory", s->vm->id,
			  d->s1.smmu.s1ctxptr.v);
	if (parent == full && !d->trusted)
		violation("untrusted stream on the full view", s->vm->id, 0);
	if (d->npriv && d->shared_mmio)
		violation("private and shared MMIO at once", s->vm->id, 0);
}

/* CPU stage-2 device mappings: inside the VM's own BARs, never over RAM. */
static void check_cpu_s2(void)
{
	for (unsigned i = 0; i < HOST_S2_MAX; i++) {
		const struct host_s2_map *m = &host_s2[i];
		struct svm *s;
		const struct vdev *d;

		if (!m->size)
			continue;
		if (m->vm < 1 || m->vm > NVM) {
			violation("device mapping of an unknown VM", m->vm, m->gpa);
			continue;
		}
		s = &S[m->vm - 1];
		d = vdev_at(s->vm, 0);
		if (m->hpa < d->bar[0].hpa.v || m->hpa + m->size > d->bar[0].hpa.v + d->bar[0].size)
			violation("device mapping outside the VM's own BAR", m->vm, m->hpa);
		for (unsigned k = 0; k < NVM; k++)
			if (in_ram(&S[k], m->hpa) || in_ram(&S[k], m->hpa + m->size - 1))
				violation("device mapping over RAM", m->vm, m->hpa);
		for (u64 off = 0; off < m->size; off += PAGE_SIZE)
			count_mapping(&S[m->vm - 1], m->hpa + off, own_bar(m->vm));
	}
}

static void check_all(void)
{
	vdev_op_lock();
	for (unsigned i = 0; i < NVM; i++)
		vdev_vm_lock(S[i].vm);
	for (unsigned i = 0; i < NVM; i++) {
		struct viommu *v = viommu_of(S[i].vm);

		check_view(&S[i], &v->u[0].view[VIOMMU_SHARED], true);
		check_view(&S[i], &v->u[0].view[VIOMMU_FULL], false);
		check_vdev(&S[i], v);
	}
	check_cpu_s2();
	check_counts();
	for (unsigned i = NVM; i-- > 0;)
		vdev_vm_unlock(S[i].vm);
	vdev_op_end();
}

/* ---- vCPUs ----------------------------------------------------------------------------------- */

struct cpu {
	struct svm *s;
	unsigned id;
	u64 rng;
	u64 r[HC_NREGS];
};

static int64_t hc(struct cpu *c, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4)
{
	u64 in[HC_NREGS] = { fn, a1, a2, a3, a4 };

	memcpy(c->r, in, sizeof(in));
	hypercall_dispatch(&c->s->vm->vcpu[c->id], c->r);
	return (int64_t)c->r[0];
}

/* A TDI call, continued while BUSY (bounded: another vCPU's call on the device goes on). */
static int64_t hc_done(struct cpu *c, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4)
{
	int64_t st = MOAT_BUSY;

	for (unsigned n = 0; n < 100000 && st == MOAT_BUSY; n++) {
		st = hc(c, fn, a1, a2, a3, a4);
		if (st == MOAT_BUSY)
			cpu_spin_hint();
	}
	return st;
}

/* This vCPU's scratch page in shared RAM (descriptors, reports, digests). */
static u64 scratch(const struct cpu *c)
{
	return SHB + 0x40000 + (u64)c->id * 0x10000;
}

static void *host(const struct cpu *c, u64 g)
{
	return vm_gpa_to_host(c->s->vm, gpa(g), 1, VM_MEM_ANY);
}

static void step_report_accept(struct cpu *c)
{
	u64 buf = scratch(c), dig = buf + 0x8000;

	if (hc_done(c, MOAT_HC_TDI_GET_REPORT, c->s->h, buf, 4096, dig) == MOAT_OK &&
	    hc_done(c, MOAT_HC_TDI_ACCEPT, c->s->h, dig, 0, 0) == MOAT_OK)
		__atomic_fetch_add(&n_accepted, 1, __ATOMIC_RELAXED);
}

static void step_set_s1(struct cpu *c)
{
	struct moat_s1_desc desc = { .size = sizeof(desc), .type = MOAT_IOMMU_SMMUV3 };

	/* in shared RAM (then accept must refuse trusted DMA) or in a private page */
	desc.smmu.cd_table =
		test_rand(&c->rng) % 2 ? scratch(c) + 0xc000 : VM_RAM_BASE + (u64)c->id * PAGE_SIZE;
	memcpy(host(c, scratch(c) + 0xd000), &desc, sizeof(desc));
	hc(c, MOAT_HC_VIOMMU_SET_S1, c->s->h, scratch(c) + 0xd000, sizeof(desc), 0);
}

static void step_invalidate(struct cpu *c)
{
	struct moat_inv e = { .size = sizeof(e), .op = MOAT_INV_SMMU_TLBI_ALL };

	memcpy(host(c, scratch(c) + 0xe000), &e, sizeof(e));
	hc(c, MOAT_HC_VIOMMU_INVALIDATE, scratch(c) + 0xe000, 1, 0, 0);
}

/* The guest's FLR, then it polls its function until it answers (as a driver does). */
static void step_flr(struct cpu *c)
{
	u64 v = 0x8000;

	vdev_ecam_mmio(c->s->vm, MOAT_GPA_ECAM + 0x60 + 8, true, 2, &v);
	__atomic_fetch_add(&n_flr, 1, __ATOMIC_RELAXED);
	for (unsigned n = 0; n < 100000; n++) {
		vdev_ecam_mmio(c->s->vm, MOAT_GPA_ECAM, false, 4, &v);
		if (v != 0xffffffffu)
			break;
		cpu_spin_hint();
	}
}

/* SYSTEM_RESET from vCPU 0: the VM's other vCPU is parked meanwhile. */
static void step_reset(struct cpu *c)
{
	pthread_rwlock_unlock(&c->s->run);
	pthread_rwlock_wrlock(&c->s->run);
	vdev_vm_reset(c->s->vm);
	__atomic_fetch_add(&n_reset, 1, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&c->s->run);
	pthread_rwlock_rdlock(&c->s->run);
}

static void step(struct cpu *c)
{
	u64 pg = VM_RAM_BASE + (test_rand(&c->rng) % (PRIV / PAGE_SIZE)) * PAGE_SIZE;
	u32 h = c->s->h;

	switch (test_rand(&c->rng) % 13) {
	case 0:
		if (hc(c, MOAT_HC_MEM_SHARE, pg, PAGE_SIZE, MOAT_SHARE, 0) == MOAT_OK)
			__atomic_fetch_add(&n_shared, 1, __ATOMIC_RELAXED);
		break;
	case 1: hc(c, MOAT_HC_MEM_SHARE, pg, PAGE_SIZE, MOAT_UNSHARE, 0); break;
	case 2: hc(c, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10000 + c->id * PAGE_SIZE, 40, 0, 0); break;
	case 3: hc(c, MOAT_HC_VIOMMU_FAULTQ, 0, 0, 0, 0); break;
	case 4: step_set_s1(c); break;
	case 5: hc(c, MOAT_HC_VIOMMU_CLEAR_S1, h, 0, 0, 0); break;
	case 6: step_invalidate(c); break;
	case 7: hc_done(c, MOAT_HC_TDI_BIND, h, 0, 0, 0); break;
	case 8: step_report_accept(c); break;
	case 9: hc_done(c, MOAT_HC_TDI_UNBIND, h, 0, 0, 0); break;
	case 10: hc_done(c, MOAT_HC_TDI_STATE, h, 0, 0, 0); break;
	case 11: step_flr(c); break;
	case 12:
		if (c->id == 0 && test_rand(&c->rng) % 4 == 0)
			step_reset(c);
		break;
	}
}

static unsigned steps_per_cpu;

static void *vcpu_thread(void *arg)
{
	struct cpu *c = arg;

	pthread_rwlock_rdlock(&c->s->run);
	for (unsigned i = 0; i < steps_per_cpu; i++) {
		step(c);
		check_all();
		__atomic_fetch_add(&steps_done, 1, __ATOMIC_RELAXED);
	}
	pthread_rwlock_unlock(&c->s->run);
	return NULL;
}

/* The devices fault on their streams and the run loop polls, until the vCPUs are done. */
static void *device_thread(void *arg)
{
	struct iommu_fault f = { .addr = 0xdead000, .stage = IOMMU_FAULT_S2 };

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (unsigned i = 0; i < NVM; i++) {
			f.tag = S[i].bdf;
			iommu_fault_report(&fk.u, &f);
		}
		viommu_faults_deliver();
		hc_ops_poll();
		cpu_spin_hint();
	}
	return NULL;
}

/* ---- set-up ---------------------------------------------------------------------------------- */

static void svm_init(struct svm *s, unsigned id)
{
	struct pa_range bars[6] = { { pa(s->bar), 0x4000 } };
	struct tsm_bars tb = { { { pa(s->bar), 0x4000 } } };
	u32 types[6] = { 0 };

	memset(s->ram, 0, PRIV + SHARED);
	memset(s->bits, 0, 4096);
	vm_init(s->vm, id, &vcfg[id - 1], pa((u64)(uintptr_t)s->ram));
	/* as boot leaves it: the VM's RAM its own, its BAR unassigned (core/own.h) */
	if (id == 1)
		own_reset();
	memset(s->counts, 0, sizeof(s->counts));
	assert_int_equal(
		own_add_counted(pa((u64)(uintptr_t)s->ram), PRIV + SHARED, own_vm(id), s->counts),
		0);
	assert_int_equal(own_add(pa(s->bar), BAR_SIZE, own_bar(0)), 0);
	assert_int_equal(viommu_init(s->vm, &fk.u, s->bits), 0);
	tdev_init(&s->dev, id);
	s->dev.bar_base[0] = s->bar;
	s->dev.bar_size[0] = 0x4000;
	assert_true(tdev_add_iface(&s->dev, FN_ID) >= 0);
	memset(&s->pd, 0, sizeof(s->pd));
	s->pd.ops = &dsm_ops;
	s->pd.connected = true;
	tdi_init(&s->tdi, &s->pd, FN_ID, &tb);
	assert_int_equal(
		vdev_create(s->vm, 0, s->bdf, 0x1b36, 0x0010, bars, types, &s->tdi, &be, NULL), 0);
	s->h = vdev_at(s->vm, 0)->handle;
	pthread_rwlock_init(&s->run, NULL);
}

static int group_setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NVM; i++) {
		S[i].vm = vm_alloc();
		S[i].ram = aligned_alloc(4096, PRIV + SHARED);
		S[i].bits = calloc(1, 4096);
		S[i].bdf = (u16)(0x0100 * (i + 1));
		S[i].bar = 0x10000000ull + 0x100000ull * i;
		if (!S[i].vm || !S[i].ram || !S[i].bits)
			return 1;
	}
	test_log_capture();
	pt_host_alloc_init(&ha);
	iommu_units_reset();
	host_s2_reset();
	vdev_reset_all();
	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x00101b36;
	cfg[1] = 0x00100006;
	cfg[0x34 / 4] = 0x60;
	cfg[0x60 / 4] = 0x00020010;
	if (fake_smmu_add(&fk, &ha.a))
		return 1;
	return 0;
}

/* After a test: the VMs' devices and views go, so that the next test builds them again. */
static int svms_fini(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NVM; i++) {
		hc_ops_vm_gone(S[i].vm->id);
		viommu_fini(S[i].vm);
		pthread_rwlock_destroy(&S[i].run);
	}
	vdev_reset_all();
	host_s2_reset();
	violations = steps_done = 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NVM; i++) {
		free(S[i].ram);
		free(S[i].bits);
	}
	return 0;
}

static void run_stress(unsigned steps, u64 seed)
{
	pthread_t t[NVM * NCPU], devt;
	struct cpu c[NVM * NCPU];

	for (unsigned i = 0; i < NVM; i++)
		svm_init(&S[i], i + 1);
	steps_per_cpu = steps;
	stop = 0;
	check_all();
	assert_int_equal(pthread_create(&devt, NULL, device_thread, NULL), 0);
	for (unsigned i = 0; i < NVM * NCPU; i++) {
		c[i] = (struct cpu){ .s = &S[i / NCPU], .id = i % NCPU, .rng = seed + i * 7919 };
		assert_int_equal(pthread_create(&t[i], NULL, vcpu_thread, &c[i]), 0);
	}
	for (unsigned i = 0; i < NVM * NCPU; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(devt, NULL);
	check_all();
	print_message("stress: %u accepts, %u FLRs, %u resets, %u shares, %u fault records\n",
		      n_accepted, n_flr, n_reset, n_shared,
		      host_spi_raised[1] + host_spi_raised[2]);
	if (violations)
		print_error("%u violation(s), first: %s\n", violations, first_violation);
	assert_int_equal(violations, 0);
	assert_int_equal(steps_done, steps * NVM * NCPU);
	/* the calls did reach the states the invariants are about */
	assert_true(n_accepted > 0 && n_flr > 0 && n_reset > 0 && n_shared > 0);
}

/*
 * The random calls of 4 vCPUs of 2 VMs against 2 TDISP devices that fault all along: the
 * isolation invariants hold after every step. MOAT_SOAK=1: 50 times as many steps.
 */
static void random_calls_of_two_vms_keep_isolation_after_every_step(void **state)
{
	const char *soak = getenv("MOAT_SOAK");
	unsigned steps = soak && *soak && *soak != '0' ? 30000 : 600;
	u64 seed = 0x5eed0000 + (u64)arch_time_ns();

	(void)state;
	print_message("stress: %u steps per vCPU, seed 0x%llx\n", steps, (unsigned long long)seed);
	run_stress(steps, seed);
}

/* A table entry written behind the ownership record's back (a map path with a bug). */
static void plant_map(struct pt *pt, u64 g, u64 hpa)
{
	struct pt_gather gt;

	pt_gather_init(&gt, NULL);
	assert_int_equal(pt_map(pt, g, pa(hpa), PAGE_SIZE, PT_PROT_R, &gt), 0);
	pt_gather_sync(&gt, pt);
}

static void plant_unmap(struct pt *pt, u64 g)
{
	struct pt_gather gt;

	pt_gather_init(&gt, NULL);
	assert_int_equal(pt_unmap(pt, g, PAGE_SIZE, &gt), 0);
	pt_gather_sync(&gt, pt);
}

/* The checker is not blind: each kind of hole planted by hand is reported. */
static void the_checker_sees_each_planted_hole(void **state)
{
	struct viommu *va;
	u64 ramb = 0, rama;

	(void)state;
	for (unsigned i = 0; i < NVM; i++)
		svm_init(&S[i], i + 1);
	va = viommu_of(S[0].vm);
	ramb = (u64)(uintptr_t)S[1].ram;
	rama = (u64)(uintptr_t)S[0].ram;
	check_all();
	assert_int_equal(violations, 0);
	/* a private page of A on A's shared view, unshared */
	assert_int_equal(iommu_s2_map(&va->u[0].view[VIOMMU_SHARED], gpa(VM_RAM_BASE),
				      pa((u64)(uintptr_t)S[0].ram), PAGE_SIZE, PT_PROT_R),
			 0);
	check_all();
	assert_true(strstr(first_violation, "private page on the shared view"));
	assert_int_equal(iommu_s2_unmap(&va->u[0].view[VIOMMU_SHARED], gpa(VM_RAM_BASE), PAGE_SIZE),
			 0);
	/* B's RAM in A's full view: a map path that skipped the record writes the table itself */
	violations = 0;
	plant_map(&va->u[0].view[VIOMMU_FULL].s2, 0x20000000, ramb);
	check_all();
	assert_true(strstr(first_violation, "outside the VM's own RAM"));
	plant_unmap(&va->u[0].view[VIOMMU_FULL].s2, 0x20000000);
	/* a device mapping of A over B's RAM */
	violations = 0;
	host_s2[HOST_S2_MAX - 1] =
		(struct host_s2_map){ 1, MOAT_GPA_BARS + 0x100000, ramb, PAGE_SIZE };
	check_all();
	assert_true(strstr(first_violation, "device mapping"));
	memset(&host_s2[HOST_S2_MAX - 1], 0, sizeof(host_s2[0]));
	/* the record: a count no table accounts for */
	violations = 0;
	assert_int_equal(own_map(pa(rama + 0x3000), PAGE_SIZE, own_vm(1)), 0);
	check_all();
	assert_true(saw("RAM mapping count differs from the tables"));
	assert_int_equal(own_unmap(pa(rama + 0x3000), PAGE_SIZE), 0);
	/* the record: an entry of A's full view removed behind its back (counted, not mapped) */
	violations = 0;
	plant_unmap(&va->u[0].view[VIOMMU_FULL].s2, VM_RAM_BASE + 0x3000);
	check_all();
	assert_true(saw("RAM mapping count differs from the tables"));
	/* ... put back behind its back after the page left A: mapped, not A's */
	assert_int_equal(own_unmap(pa(rama + 0x3000), PAGE_SIZE), 0);
	assert_int_equal(own_transfer(pa(rama + 0x3000), PAGE_SIZE, own_vm(1), own_moat()), 0);
	plant_map(&va->u[0].view[VIOMMU_FULL].s2, VM_RAM_BASE + 0x3000, rama + 0x3000);
	violations = 0;
	check_all();
	assert_true(saw("a mapped page the record does not give the VM"));
	assert_int_equal(own_transfer(pa(rama + 0x3000), PAGE_SIZE, own_moat(), own_vm(1)), 0);
	assert_int_equal(own_map(pa(rama + 0x3000), PAGE_SIZE, own_vm(1)), 0);
	violations = 0;
	check_all();
	assert_int_equal(violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(the_checker_sees_each_planted_hole, svms_fini),
		cmocka_unit_test_teardown(random_calls_of_two_vms_keep_isolation_after_every_step,
					  svms_fini),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
