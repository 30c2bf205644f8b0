// SPDX-License-Identifier: MIT
/*
 * Host ABI tests of the device-assignment hypercalls (ABI 1.1): every call's happy path and
 * each error status, through hypercall_dispatch() as a guest would reach it. Two VMs: A owns a
 * vdev whose TDI is the TDISP device model (tests/models/tdisp_dev) behind a fake SMMUv3 unit;
 * B owns nothing and every attempt on A's device must fail. What a guest could reach is read
 * back from the fake arch (CPU stage-2 device mappings) and from the vIOMMU's stage-2 tables.
 */
#include <stdlib.h>
#include <string.h>

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
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "tdisp_dev/tdev.h"

#define PRIV (4ULL << 20)
#define SHARED (2ULL << 20)
#define FN_ID 0x00000100u
#define BDF 0x0100
#define BAR0 0x10000000ull
#define BAR2 0x10100000ull
#define SHB (VM_RAM_BASE + PRIV) /* first shared GPA */

/* ---- a fake SMMUv3 unit recording what the vIOMMU asks of it (fake_smmu.h) -------------- */
static struct fake_smmu fk;
static struct pt_host_alloc ha;

/* ---- the device: TDISP model behind a DSM transport, plus its config space -------------- */
static struct tdev dev;
static struct tsm_pdev pd;
static struct tdi tdi;
static u32 cfg[1024];
static const u8 chain[] = "certificate chain";
static const u8 meas[] = "measurements at connect";
static u8 last_nonce[MOAT_NONCE_LEN];
static int nested_status;  /* status of a call made while a device operation was running */
static unsigned vdm_waits; /* waits on the "mailbox" before each answer, as a DOE would */

static int dsm_vdm(struct tsm_pdev *p, u8 protocol, const u8 *req, size_t req_len, u8 *rsp,
		   size_t cap, size_t *len)
{
	(void)p;
	for (unsigned i = 0; i < vdm_waits; i++)
		devop_wait();
	return tdev_handle(&dev, protocol, req, req_len, rsp, cap, len) ? -E_TIMEOUT : 0;
}
static int dsm_flr(struct tsm_pdev *p, u32 fn)
{
	(void)p;
	tdev_flr(&dev, fn);
	return 0;
}
static struct vm *vma, *vmb;
static int64_t call(struct vm *vm, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6);
static u32 h; /* A's vdev handle */

static int dsm_measure(struct tsm_pdev *p, const u8 nonce[TSM_NONCE_LEN], u8 *buf, size_t cap,
		       size_t *len)
{
	(void)p;
	/* A second vCPU calling while this device operation runs must be told to come back. */
	nested_status = (int)call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0);
	*len = 48;
	if (*len > cap)
		return -E_NOSPC;
	memset(buf, 0x33, *len);
	memcpy(last_nonce, nonce, MOAT_NONCE_LEN);
	memcpy(buf, nonce, MOAT_NONCE_LEN); /* a signed record binds the nonce */
	return 0;
}
static const struct tsm_dsm_ops dsm_ops = { .vdm = dsm_vdm,
					    .flr = dsm_flr,
					    .measure = dsm_measure };

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	return cfg[off / 4];
}

static int be_evidence(struct vdev *d, enum moat_evidence kind, const u8 *nonce, u8 *buf,
		       size_t cap, size_t *len)
{
	(void)d, (void)nonce;
	*len = 32;
	if (*len > cap)
		return -E_NOSPC;
	memset(buf, kind, *len);
	return 0;
}
static const struct vdev_backend be = { .cfg_read32 = be_cfg, .evidence = be_evidence };

/* ---- VMs -------------------------------------------------------------------------------- */
static struct vm_config cfga = {
	.name = "A", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
static struct vm_config cfgb = {
	.name = "B", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
static u8 *rama, *ramb;
static u64 *bitsa, *bitsb;
static u64 r[HC_NREGS];

static int64_t call(struct vm *vm, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6)
{
	u64 in[HC_NREGS] = { fn, a1, a2, a3, a4, a5, a6 };

	memcpy(r, in, sizeof(r));
	hypercall_dispatch(&vm->vcpu[0], r);
	return (int64_t)r[0];
}

/* Guest memory: host pointer of a GPA of A or B. */
static void *ga(struct vm *vm, u64 g)
{
	return vm_gpa_to_host(vm, gpa(g), 1, VM_MEM_ANY);
}

static void cfg_space_init(void)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x00101b36;	     /* QEMU nvme */
	cfg[1] = 0x00100006;	     /* caps list; MEM | BME */
	cfg[2] = 0x01080200;	     /* NVMe class */
	cfg[3] = 0x00800010;	     /* multi-function bit: hidden */
	cfg[0x34 / 4] = 0x40;	     /* PM at 0x40 -> PCIe at 0x60 */
	cfg[0x40 / 4] = 0x00006001;  /* PM capability, next 0x60 */
	cfg[0x60 / 4] = 0x00027010;  /* PCIe capability, next 0x70 (hidden) */
	cfg[0x64 / 4] = 0x12345678;  /* device capabilities */
	cfg[0x100 / 4] = 0x1401002e; /* DOE extended capability: hidden */
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

static int setup(void **state)
{
	struct pa_range bars[6] = { { pa(BAR0), 0x4000 }, { { 0 }, 0 }, { pa(BAR2), 0x1000 } };
	u32 types[6] = { 0x4, 0, 0 };
	struct tsm_bars tb = { { { pa(BAR0), 0x4000 }, { { 0 }, 0 }, { pa(BAR2), 0x1000 } } };

	(void)state;
	test_log_capture();
	test_log_reset();
	vdm_waits = 0;
	hc_ops_vm_gone(1); /* a call a failed test left in flight */
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
	assert_int_equal(fake_smmu_add(&fk, &ha.a), 0);
	assert_int_equal(viommu_init(vma, &fk.u, bitsa), 0);
	assert_int_equal(viommu_init(vmb, &fk.u, bitsb), 0);
	tdev_init(&dev, 7);
	dev.bar_base[0] = BAR0;
	dev.bar_size[0] = 0x4000;
	dev.bar_base[2] = BAR2;
	dev.bar_size[2] = 0x1000;
	assert_true(tdev_add_iface(&dev, FN_ID) >= 0);
	memset(&pd, 0, sizeof(pd));
	pd.ops = &dsm_ops;
	pd.connected = true;
	pd.cert_chain = chain;
	pd.cert_chain_len = sizeof(chain);
	pd.meas = meas;
	pd.meas_len = sizeof(meas);
	tdi_init(&tdi, &pd, FN_ID, &tb);
	assert_int_equal(vdev_create(vma, 0, BDF, 0x1b36, 0x0010, bars, types, &tdi, &be, NULL), 0);
	h = vdev_at(vma, 0)->handle;
	nested_status = 0;
	vdm_waits = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
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

static const struct vdev_bar *bar(unsigned i)
{
	return &vdev_at(vma, 0)->bar[i];
}

/* Binds, fetches the report into A's shared RAM and returns its digest. */
static void bind_and_report(u8 digest[32])
{
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, SHB + 8192, 0, 0),
			 MOAT_OK);
	assert_true(r[1] > 16);
	memcpy(digest, ga(vma, SHB + 8192), 32);
}

static void to_run(void)
{
	u8 digest[32];

	bind_and_report(digest);
	memcpy(ga(vma, SHB + 12288), digest, 32);
	assert_int_equal(call(vma, MOAT_HC_TDI_ACCEPT, h, SHB + 12288, 0, 0, 0, 0), MOAT_OK);
}

/* ---- version, list, ECAM ----------------------------------------------------------------- */

static void version_is_1_2_and_features_know_every_new_call(void **state)
{
	(void)state;
	assert_int_equal(call(vma, MOAT_HC_VERSION, 0, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], 0x10002);
	for (unsigned n = MOAT_HC_MEM_SHARE; n <= MOAT_HC_TDI_STATE; n++)
		assert_int_equal(call(vma, MOAT_HC_FEATURES, n, 0, 0, 0, 0, 0), MOAT_OK);
}

static void vdev_list_names_the_callers_devices_only(void **state)
{
	struct moat_vdev_info *info = ga(vma, SHB);

	(void)state;
	assert_int_equal(call(vma, MOAT_HC_VDEV_LIST, SHB, 4 * MOAT_VDEV_INFO_SIZE, 0, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 1);
	assert_int_equal(info->size, MOAT_VDEV_INFO_SIZE);
	assert_int_equal(info->handle, h);
	assert_int_equal(info->vendor, 0x1b36);
	assert_int_equal(info->tdi_state, MOAT_TDI_UNLOCKED);
	assert_int_equal(info->bar_gpa[0], MOAT_GPA_BARS);
	assert_int_equal(info->bar_size[0], 0x4000);
	assert_int_equal(info->bar_gpa[2], MOAT_GPA_BARS + 0x4000);
	/* count only */
	assert_int_equal(call(vma, MOAT_HC_VDEV_LIST, 0, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 0);
	assert_int_equal(call(vmb, MOAT_HC_VDEV_LIST, SHB, MOAT_VDEV_INFO_SIZE, 0, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(r[1], 0);
	assert_int_equal(call(vma, MOAT_HC_VDEV_LIST, SHB + SHARED - 8, 112, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_VDEV_LIST, SHB, 0, 0, 0, 0, 0), MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VDEV_LIST, SHB, 112, 1, 0, 0, 0), MOAT_INVALID_PARAM);
}

static u64 ecam(struct vm *vm, unsigned dev_fn, unsigned off, unsigned size)
{
	u64 v = 0;

	assert_true(vdev_ecam_mmio(vm, MOAT_GPA_ECAM + ((u64)dev_fn << 12) + off, false, size, &v));
	return v;
}

static void ecam_wr(struct vm *vm, unsigned off, unsigned size, u64 v)
{
	assert_true(vdev_ecam_mmio(vm, MOAT_GPA_ECAM + off, true, size, &v));
}

static void ecam_shows_a_filtered_config_space(void **state)
{
	(void)state;
	assert_int_equal(ecam(vma, 0, 0, 4), 0x00101b36);
	assert_int_equal(ecam(vma, 0, 2, 2), 0x0010);
	assert_int_equal(ecam(vma, 0, 0x0e, 1), 0);	     /* header type: one function */
	assert_int_equal(ecam(vma, 0, 0x34, 1), 0x60);	     /* only the PCIe capability */
	assert_int_equal(ecam(vma, 0, 0x60, 4), 0x00020010); /* ... and it is the last */
	assert_int_equal(ecam(vma, 0, 0x64, 4), 0x12345678);
	assert_int_equal(ecam(vma, 0, 0x40, 4), 0);  /* PM hidden */
	assert_int_equal(ecam(vma, 0, 0x100, 4), 0); /* DOE (extended space) hidden */
	assert_int_equal(ecam(vma, 0, 0x10, 4), MOAT_GPA_BARS | 0x4);
	assert_int_equal(ecam(vma, 0, 0x14, 4), 0);
	/* sizing: all-ones, then the size mask; other values do not move the BAR */
	ecam_wr(vma, 0x10, 4, 0xffffffff);
	assert_int_equal(ecam(vma, 0, 0x10, 4), 0xffffc004);
	ecam_wr(vma, 0x10, 4, 0x12340000);
	assert_int_equal(ecam(vma, 0, 0x10, 4), MOAT_GPA_BARS | 0x4);
	/* command: virtual, the memory and master bits only */
	ecam_wr(vma, 0x04, 2, 0xffff);
	assert_int_equal(ecam(vma, 0, 0x04, 2), 0x6);
	assert_int_equal(cfg[1] & 0xffff, 0x6); /* the physical register untouched */
	/* nothing elsewhere, and misaligned or 8-byte accesses read all-ones */
	assert_int_equal(ecam(vma, 1 << 3, 0, 4), 0xffffffff);
	assert_int_equal(ecam(vma, 0, 1, 2), 0xffff);
	assert_int_equal(ecam(vma, 0, 0, 8), ~0ULL);
	/* B's ECAM is empty */
	assert_int_equal(ecam(vmb, 0, 0, 4), 0xffffffff);
	u64 v;
	assert_false(vdev_ecam_mmio(vma, MOAT_GPA_ECAM + MOAT_GPA_ECAM_SIZE, false, 4, &v));
}

/* ---- TDI life cycle ------------------------------------------------------------------------ */

static void bind_revokes_shared_mmio_and_accept_maps_exactly_the_report(void **state)
{
	struct vdev *d = vdev_at(vma, 0);
	u64 hpa;

	(void)state;
	assert_true(host_s2_lookup(1, bar(0)->gpa.v, &hpa));
	assert_int_equal(hpa, BAR0);
	to_run();
	assert_int_equal(tdi.state, TDI_RUN);
	assert_true(d->trusted);
	/* the model reports BAR0 pages 0-2 and BAR2 page 0 as TEE ranges, the MSI-X page not */
	assert_true(host_s2_lookup(1, bar(0)->gpa.v, &hpa));
	assert_int_equal(hpa, BAR0);
	assert_true(host_s2_lookup(1, bar(0)->gpa.v + 0x2000, NULL));
	assert_false(host_s2_lookup(1, bar(0)->gpa.v + 0x3000, NULL));
	assert_true(host_s2_lookup(1, bar(2)->gpa.v, &hpa));
	assert_int_equal(hpa, BAR2);
	assert_int_equal(call(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], MOAT_TDI_RUN);
	assert_int_equal(call(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_false(d->trusted);
	assert_int_equal(d->npriv, 0);
	assert_true(host_s2_lookup(1, bar(0)->gpa.v + 0x3000, NULL)); /* shared again */
	assert_int_equal(call(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], MOAT_TDI_UNLOCKED);
	assert_int_equal(r[2], MOAT_CAUSE_UNBIND);
	assert_int_equal(r[3], 1);
}

static void bind_hides_the_bars_until_accept(void **state)
{
	u8 digest[32];

	(void)state;
	bind_and_report(digest);
	assert_false(host_s2_lookup(1, bar(0)->gpa.v, NULL));
	assert_false(host_s2_lookup(1, bar(2)->gpa.v, NULL));
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BAD_STATE);
}

static void accept_before_bind_and_with_a_stale_digest_are_refused(void **state)
{
	u8 digest[32];

	(void)state;
	memset(ga(vma, SHB), 0x5a, 32);
	assert_int_equal(call(vma, MOAT_HC_TDI_ACCEPT, h, SHB, 0, 0, 0, 0), MOAT_BAD_STATE);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	bind_and_report(digest);
	digest[5] ^= 1;
	memcpy(ga(vma, SHB), digest, 32);
	assert_int_equal(call(vma, MOAT_HC_TDI_ACCEPT, h, SHB, 0, 0, 0, 0), MOAT_MISMATCH);
	assert_int_equal(tdi.state, TDI_CONFIG_LOCKED);
	assert_false(vdev_at(vma, 0)->trusted);
	assert_int_equal(call(vma, MOAT_HC_TDI_ACCEPT, h, SHB + SHARED - 16, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_BAD_STATE);
}

static void report_says_the_size_it_needs(void **state)
{
	u8 digest[32];

	(void)state;
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, SHB + 8192, 0, 0),
			 MOAT_BAD_STATE);
	bind_and_report(digest);
	size_t need = r[1];
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 8, SHB + 8192, 0, 0),
			 MOAT_BAD_SIZE);
	assert_int_equal(r[1], need);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_REPORT, h, SHB + SHARED - 4, 4096, SHB, 0, 0),
			 MOAT_BAD_ADDRESS);
}

static void evidence_chain_measurements_with_nonce_and_vca(void **state)
{
	u8 *nonce = ga(vma, SHB + 4096);

	(void)state;
	assert_int_equal(
		call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_CERT_CHAIN, SHB, 4096, 0, 0),
		MOAT_OK);
	assert_int_equal(r[1], sizeof(chain));
	assert_memory_equal(ga(vma, SHB), chain, sizeof(chain));
	for (unsigned i = 0; i < 32; i++)
		nonce[i] = (u8)(i * 7);
	/* the signed exchange itself (what the fake device signs binds the nonce) */
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_SIGNED_MEASUREMENTS, SHB,
			      4096, SHB + 4096, 0),
			 MOAT_OK);
	assert_int_equal(r[1], 48);
	assert_memory_equal(last_nonce, nonce, 32);
	assert_memory_equal(ga(vma, SHB), nonce, 32);
	assert_int_equal(nested_status, MOAT_BUSY); /* the second caller was sent back */
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_SIGNED_MEASUREMENTS, SHB,
			      4096, 0, 0),
			 MOAT_INVALID_PARAM); /* a nonce is required */
	/* MEASUREMENTS with a nonce (1.1): measured afresh, the record handed out */
	memset(last_nonce, 0, sizeof(last_nonce));
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_MEASUREMENTS, SHB, 4096,
			      SHB + 4096, 0),
			 MOAT_OK);
	assert_memory_equal(last_nonce, nonce, 32);
	assert_int_equal(r[1], sizeof(meas));
	assert_memory_equal(ga(vma, SHB), meas, sizeof(meas));
	assert_int_equal(
		call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_MEASUREMENTS, SHB, 4096, 0, 0),
		MOAT_OK);
	assert_int_equal(r[1], sizeof(meas));
	assert_int_equal(
		call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_VCA_DIGEST, SHB, 4096, 0, 0),
		MOAT_OK);
	assert_int_equal(r[1], 32);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_VCA_DIGEST, SHB, 16, 0, 0),
			 MOAT_BAD_SIZE);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, 9, SHB, 4096, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_CERT_CHAIN, SHB, 4096,
			      SHB + 4096, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_CERT_CHAIN, SHB, 4096,
			      VM_RAM_BASE - 4096, 0),
			 MOAT_BAD_ADDRESS);
}

static void the_other_vm_cannot_name_bind_or_reach_the_device(void **state)
{
	u32 hb = (u32)(2 << 16) | MOAT_VDEV_TAG; /* B's own index 0: B has no vdevs */
	u8 digest[32];

	(void)state;
	assert_int_equal(call(vmb, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	assert_int_equal(call(vmb, MOAT_HC_TDI_BIND, hb, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	assert_int_equal(
		call(vmb, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_CERT_CHAIN, SHB, 4096, 0, 0),
		MOAT_BAD_HANDLE);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_BAD_HANDLE);
	/* a vCPU handle is not a vdev handle */
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, 1 << 16, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	to_run();
	assert_int_equal(call(vmb, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	memcpy(digest, tdi.report_digest, 32);
	memcpy(ga(vmb, SHB), digest, 32);
	assert_int_equal(call(vmb, MOAT_HC_TDI_ACCEPT, h, SHB, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	/* B has no mapping of A's BARs, in the CPU stage-2 nor anywhere else */
	for (unsigned i = 0; i < HOST_S2_MAX; i++)
		assert_true(host_s2[i].size == 0 || host_s2[i].vm == 1);
	assert_int_equal(tdi.state, TDI_RUN);
	/* B's DMA view holds only B's RAM: A's RAM is a different host range */
	struct pt_mapping m;
	struct viommu *vb = viommu_of(vmb);
	assert_int_equal(pt_lookup(&vb->u[0].view[VIOMMU_FULL].s2, VM_RAM_BASE, &m), 0);
	assert_int_equal(m.out.v, (u64)(uintptr_t)ramb);
}

static void device_error_while_running_tears_down_in_order(void **state)
{
	struct vdev *d = vdev_at(vma, 0);

	(void)state;
	struct moat_fault_queue *q = ga(vma, SHB + 0x10000);

	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10000, 41, 0, 0, 0, 0), MOAT_OK);
	to_run();
	tdev_inject_error(&dev, FN_ID);
	assert_int_equal(call(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_not_equal(r[1], MOAT_TDI_RUN);
	assert_int_equal(r[2], MOAT_CAUSE_DEVICE_ERROR);
	assert_false(d->trusted);
	assert_int_equal(d->npriv, 0);
	/* the guest is told through its fault queue and the SPI it chose */
	assert_int_equal(q->tail, 1);
	assert_int_equal(q->rec[0].stage, MOAT_FAULT_TDI_EVENT);
	assert_int_equal(q->rec[0].kind, MOAT_CAUSE_DEVICE_ERROR);
	assert_int_equal(q->rec[0].vdev, h);
	assert_int_equal(host_spi_last[1], 41);
	/* a guest's own unbind posts nothing */
	to_run();
	assert_int_equal(call(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(q->tail, 1);
}

static void flr_while_running_removes_private_access(void **state)
{
	struct vdev *d = vdev_at(vma, 0);

	(void)state;
	to_run();
	assert_int_equal(tdi_flr(&tdi), 0);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_false(d->trusted);
	assert_int_equal(d->npriv, 0);
	assert_true(host_s2_lookup(1, bar(0)->gpa.v, NULL));
	/* and the guest can bind again */
	to_run();
}

static void guest_flr_through_the_virtual_devctl_tears_down_first(void **state)
{
	struct vdev *d = vdev_at(vma, 0);

	(void)state;
	to_run();
	ecam_wr(vma, 0x68, 2, 0x8000); /* PCIe Device Control: Initiate FLR */
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(dev.ifc[0].state, TDEV_UNLOCKED);
	assert_false(d->trusted);
	assert_int_equal(d->npriv, 0);
	assert_int_equal(call(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[2], MOAT_CAUSE_FLR);
	/* other Device Control writes do nothing */
	ecam_wr(vma, 0x68, 2, 0x0001);
	assert_int_equal(r[3], 1);
}

/* ---- memory sharing ------------------------------------------------------------------------ */

static bool dma_maps(struct vm *vm, enum viommu_view view, u64 g)
{
	struct pt_mapping m;

	return pt_lookup(&viommu_of(vm)->u[0].view[view].s2, g, &m) == 0;
}

static void share_and_unshare_follow_in_the_dma_view(void **state)
{
	u64 g = VM_RAM_BASE + 0x10000;

	(void)state;
	assert_false(dma_maps(vma, VIOMMU_SHARED, g));
	assert_true(dma_maps(vma, VIOMMU_SHARED, SHB));
	assert_true(dma_maps(vma, VIOMMU_FULL, g));
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g, 0x2000, MOAT_SHARE, 0, 0, 0), MOAT_OK);
	assert_true(dma_maps(vma, VIOMMU_SHARED, g + 0x1000));
	assert_true(viommu_page_shared(vma, gpa(g)));
	unsigned flushes = fk.flushes;
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g, 0x1000, MOAT_UNSHARE, 0, 0, 0), MOAT_OK);
	assert_false(dma_maps(vma, VIOMMU_SHARED, g));
	assert_true(dma_maps(vma, VIOMMU_SHARED, g + 0x1000));
	assert_true(fk.flushes > flushes); /* invalidated before the call returned */
	assert_false(viommu_page_shared(vma, gpa(g)));
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g, 0x1000, 3, 0, 0, 0), MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g + 1, 0x1000, 1, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g, 0, 1, 0, 0, 0), MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, SHB, 0x1000, 1, 0, 0, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, SHB - 0x1000, 0x2000, 1, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, ~0xfffULL, 0x2000, 1, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g, 0x1000, 1, 1, 0, 0), MOAT_INVALID_PARAM);
}

/* ---- vIOMMU ------------------------------------------------------------------------------- */

static void viommu_info_describes_the_smmu(void **state)
{
	struct moat_viommu_info *i = ga(vma, SHB);

	(void)state;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(i->size, MOAT_VIOMMU_INFO_SIZE);
	assert_int_equal(i->type, MOAT_IOMMU_SMMUV3);
	assert_int_equal(i->formats, MOAT_S1FMT_ARM_4K);
	assert_int_equal(i->nr_vdevs, 1);
	assert_int_equal(i->inv_max, MOAT_INV_MAX);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INFO, SHB, 39, 0, 0, 0, 0), MOAT_BAD_SIZE);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INFO, 0x1000, 40, 0, 0, 0, 0), MOAT_BAD_ADDRESS);
}

static struct moat_s1_desc *s1_at(u64 g, u64 cd)
{
	struct moat_s1_desc *s = ga(vma, g);

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->type = MOAT_IOMMU_SMMUV3;
	s->smmu.cd_table = cd;
	s->smmu.asid = 5;
	return s;
}

static void set_s1_nests_on_the_view_the_tdi_allows(void **state)
{
	struct vdev *d = vdev_at(vma, 0);
	struct viommu *v = viommu_of(vma);

	(void)state;
	assert_ptr_equal(d->dom, &v->u[0].view[VIOMMU_SHARED]);
	s1_at(SHB, SHB + 0x1000);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_OK);
	assert_ptr_equal(d->dom, &d->nested);
	assert_ptr_equal(d->nested.parent, &v->u[0].view[VIOMMU_SHARED]);
	assert_int_equal(d->nested.s1.smmu.s1ctxptr.v, SHB + 0x1000);
	to_run();
	assert_ptr_equal(d->dom, &d->nested);
	assert_ptr_equal(d->nested.parent, &v->u[0].view[VIOMMU_FULL]); /* T=1: private RAM too */
	assert_int_equal(call(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_ptr_equal(d->nested.parent, &v->u[0].view[VIOMMU_SHARED]);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_CLEAR_S1, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_ptr_equal(d->dom, &v->u[0].view[VIOMMU_SHARED]);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_CLEAR_S1, h, 0, 0, 0, 0, 0), MOAT_BAD_STATE);
}

static void set_s1_refuses_bad_descriptions_and_changes_nothing(void **state)
{
	struct vdev *d = vdev_at(vma, 0);
	struct moat_s1_desc *s;

	(void)state;
	s1_at(SHB, SHB + 0x1000);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 39, 0, 0, 0), MOAT_BAD_SIZE);
	s = s1_at(SHB, SHB + 0x1000);
	s->size = 8;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_BAD_SIZE);
	s = s1_at(SHB, SHB + 0x1000);
	s->type = 2;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s = s1_at(SHB, SHB + 0x1000);
	s->raw[3] = 1;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s = s1_at(SHB, SHB + 0x1000);
	s->smmu.s1cdmax = 3;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s1_at(SHB, SHB + 0x1008);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s1_at(SHB, 0x20000000); /* not guest RAM */
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, 0x1000, 40, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_false(d->s1_set);
	assert_ptr_equal(d->dom, &viommu_of(vma)->u[0].view[VIOMMU_SHARED]);
}

static struct moat_inv *inv_at(u64 g, unsigned n)
{
	struct moat_inv *e = ga(vma, g);

	memset(e, 0, n * sizeof(*e));
	for (unsigned i = 0; i < n; i++) {
		e[i].size = sizeof(*e);
		e[i].op = MOAT_INV_SMMU_TLBI_ASID;
		e[i].asid = 5;
	}
	return e;
}

static void invalidate_forces_the_vmids_and_reports_the_failing_index(void **state)
{
	struct viommu *v = viommu_of(vma);
	struct moat_inv *e;

	(void)state;
	inv_at(SHB, 3);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 3, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], 3);
	assert_int_equal(fk.invs, 6);	     /* each on both views */
	assert_int_equal(fk.invs_not_s2, 0); /* always through a nesting parent */
	for (unsigned i = 0; i < fk.ninv_vmid; i++)
		assert_true(fk.inv_vmid[i] == v->u[0].view[0].tags.vmid ||
			    fk.inv_vmid[i] == v->u[0].view[1].tags.vmid);
	e = inv_at(SHB, 4);
	e[1].op = MOAT_INV_SMMU_TLBI_VA;
	e[1].addr = 0x7000;
	e[1].leaf = 1;
	e[2].op = MOAT_INV_SMMU_TLBI_VA;
	e[2].addr = 0x7001; /* misaligned */
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 4, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(r[1], 2);
	assert_int_equal(r[2], 2);
	e = inv_at(SHB, 2);
	e[1].size = 16;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 2, 0, 0, 0, 0), MOAT_BAD_SIZE);
	assert_int_equal(r[2], 1);
	e = inv_at(SHB, 1);
	e[0].op = MOAT_INV_SMMU_TLBI_ALL; /* carries an ASID it may not have */
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	e = inv_at(SHB, 1);
	e[0].reserved1 = 1;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	e = inv_at(SHB, 1);
	e[0].op = 77;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 0, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, MOAT_INV_MAX + 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB + SHARED - 32, 2, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
}

static void cfgi_cd_needs_the_callers_vdev_with_a_stage1(void **state)
{
	struct moat_inv *e;

	(void)state;
	e = inv_at(SHB, 1);
	e[0].op = MOAT_INV_SMMU_CFGI_CD;
	e[0].asid = 0;
	e[0].vdev = h;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0), MOAT_BAD_STATE);
	s1_at(SHB + 4096, SHB + 8192);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB + 4096, 40, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(fk.cfgi_cd, 1);
	/* B cannot invalidate A's device, nor name a vdev it does not have */
	memcpy(ga(vmb, SHB), e, sizeof(*e));
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0), MOAT_DENIED);
	assert_int_equal(fk.cfgi_cd, 1);
}

static void faults_reach_the_guest_queue_with_an_interrupt(void **state)
{
	struct moat_fault_queue *q = ga(vma, SHB + 0x10000);
	struct iommu_fault f = { .tag = BDF, /* the fake unit's tags are requester IDs */
				 .addr = 0xdead000,
				 .stage = IOMMU_FAULT_S1,
				 .kind = IOMMU_FAULT_TRANSLATION,
				 .access = IOMMU_FAULT_WRITE };

	(void)state;
	/* without a queue the fault is counted as lost */
	iommu_fault_report(&fk.u, &f);
	viommu_faults_deliver();
	assert_int_equal(viommu_of(vma)->faults_lost, 1);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10000, 40, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(q->size, MOAT_FAULTQ_HDR_SIZE);
	assert_int_equal(q->nslots, (4096 - 32) / 32);
	iommu_fault_report(&fk.u, &f);
	f.tag = 0x0200; /* nobody's device: dropped */
	iommu_fault_report(&fk.u, &f);
	viommu_faults_deliver();
	assert_int_equal(q->tail, 1);
	assert_int_equal(q->rec[0].vdev, h);
	assert_int_equal(q->rec[0].addr, 0xdead000);
	assert_int_equal(q->rec[0].kind, 1);
	assert_int_equal(q->rec[0].access, 2);
	assert_int_equal(host_spi_raised[1], 1);
	assert_int_equal(host_spi_last[1], 40);
	assert_int_equal(host_spi_raised[2], 0);
	/* a corrupted head: the record is dropped, nothing is written out of the page */
	q->head = 5000;
	f.tag = BDF;
	iommu_fault_report(&fk.u, &f);
	viommu_faults_deliver();
	assert_int_equal(q->overflow, 1);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10000, 31, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10008, 40, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + SHARED, 40, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, 0, 0, 0, 0, 0, 0), MOAT_OK);
}

/*
 * Issue 13 item 14: a device of A floods the unit with faults after one of B's devices
 * faulted once. B's record reaches B's queue; A loses only its own oldest records.
 */
static void a_fault_flood_evicts_only_the_flooding_vms_records(void **state)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };
	struct moat_fault_queue *qa = ga(vma, SHB + 0x10000), *qb = ga(vmb, SHB + 0x10000);
	struct iommu_fault f = { .tag = 0x0200,
				 .addr = 0xbbb000,
				 .stage = IOMMU_FAULT_S2,
				 .kind = IOMMU_FAULT_TRANSLATION,
				 .access = IOMMU_FAULT_WRITE };
	const unsigned flood = IOMMU_FAULT_RING * 3;

	(void)state;
	assert_int_equal(vdev_create(vmb, 0, 0x0200, 0x1234, 0x11e8, none, types, NULL, &be, NULL),
			 0);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10000, 40, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10000, 41, 0, 0, 0, 0), MOAT_OK);
	iommu_fault_report(&fk.u, &f);
	f.tag = BDF;
	for (unsigned i = 0; i < flood; i++) {
		f.addr = 0x40000000 + (u64)i * PAGE_SIZE;
		iommu_fault_report(&fk.u, &f);
	}
	viommu_faults_deliver();
	assert_int_equal(qb->tail, 1);
	assert_int_equal(qb->rec[0].addr, 0xbbb000);
	assert_int_equal(qa->tail, IOMMU_FAULT_RING);
	assert_int_equal(qa->rec[0].addr, 0x40000000 + (u64)(flood - IOMMU_FAULT_RING) * PAGE_SIZE);
	assert_int_equal(host_spi_last[2], 41);
}

/* ---- several IOMMU units (issue 13 item 10) ----------------------------------------------- */

static struct fake_smmu fk2;

/* A function the firmware puts behind the second unit. */
static int be2_dma(const struct vdev *d, struct iommu **unit, struct iommu_dev *id)
{
	(void)d, (void)id;
	*unit = &fk2.u;
	return 0;
}
static const struct vdev_backend be2 = { .cfg_read32 = be_cfg, .dma_identity = be2_dma };

static void a_vdev_behind_another_unit_gets_views_there(void **state)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };
	struct moat_fault_queue *q = ga(vma, SHB + 0x10000);
	struct iommu_fault f = { .tag = 0x0008, .addr = 0xc000, .stage = IOMMU_FAULT_S2 };
	struct viommu *v = viommu_of(vma);
	u64 g = VM_RAM_BASE + 0x10000;
	struct pt_mapping m;
	struct vdev *d;

	(void)state;
	assert_int_equal(fake_smmu_add(&fk2, &ha.a), 0);
	assert_int_equal(vdev_create(vma, 1, 0x0008, 0x1234, 0x11e8, none, types, NULL, &be2, NULL),
			 0);
	d = vdev_at(vma, 1);
	assert_ptr_equal(d->unit, &fk2.u);
	assert_int_equal(d->rid, IOMMU_RID(1, 0x0008));
	assert_ptr_equal(d->dom, viommu_view(v, &fk2.u, VIOMMU_SHARED));
	assert_int_equal(fk2.attaches, 1);
	assert_int_equal(viommu_view(v, &fk2.u, VIOMMU_SHARED)->owner, 1);
	/* conversions reach the shared views on both units */
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g, 0x1000, MOAT_SHARE, 0, 0, 0), MOAT_OK);
	assert_int_equal(pt_lookup(&viommu_view(v, &fk.u, VIOMMU_SHARED)->s2, g, &m), 0);
	assert_int_equal(pt_lookup(&viommu_view(v, &fk2.u, VIOMMU_SHARED)->s2, g, &m), 0);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, g, 0x1000, MOAT_UNSHARE, 0, 0, 0), MOAT_OK);
	assert_int_not_equal(pt_lookup(&viommu_view(v, &fk2.u, VIOMMU_SHARED)->s2, g, &m), 0);
	assert_true(fk2.flushes > 0);
	/* a fault on the second unit names the vdev there, not A's first one (same tag space) */
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x10000, 40, 0, 0, 0, 0), MOAT_OK);
	iommu_fault_report(&fk2.u, &f);
	viommu_faults_deliver();
	assert_int_equal(q->tail, 1);
	assert_int_equal(q->rec[0].vdev, d->handle);
}

/*
 * Issue 13 item 2 at assignment: a function whose DMA tags another VM's function already
 * holds (here: the fake unit has no description, so 0001:01:00.0 arrives with the same tag
 * as A's 0000:01:00.0) is refused with one line; so is an alias of a TDISP function.
 */
static void a_function_sharing_dma_tags_is_assigned_with_its_group_or_not_at_all(void **state)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };

	(void)state;
	test_log_reset();
	assert_int_equal(vdev_create(vmb, 1, BDF, 0x1234, 0x11e8, none, types, NULL, &be, NULL),
			 -E_BUSY);
	assert_true(
		test_log_has("B: 0001:0100 shares its DMA tags on IOMMU 0 with 0000:0100 of A"));
	assert_int_equal(vdev_count(vmb), 0);
	/* in A itself: A's vdev has a TDI, so it shares with nothing */
	assert_int_equal(vdev_create(vma, 1, BDF, 0x1234, 0x11e8, none, types, NULL, &be, NULL),
			 -E_BUSY);
	assert_true(test_log_has("a TDISP function shares its tags with nothing"));
	assert_int_equal(vdev_count(vma), 1);
}

static void a_vm_without_devices_has_no_viommu(void **state)
{
	(void)state;
	viommu_fini(vmb);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_DENIED);
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 4096, 1, 0, 0, 0), MOAT_DENIED);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_FAULTQ, SHB, 40, 0, 0, 0, 0), MOAT_DENIED);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0), MOAT_DENIED);
}

static void system_reset_tears_the_tdi_down_and_forgets_guest_iommu_state(void **state)
{
	struct vdev *d = vdev_at(vma, 0);

	(void)state;
	s1_at(SHB, SHB + 0x1000);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_OK);
	to_run();
	vdev_vm_reset(vma);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(dev.ifc[0].state, TDEV_UNLOCKED);
	assert_int_equal(d->last_cause, MOAT_CAUSE_VM_TEARDOWN);
	assert_false(d->trusted);
	assert_false(d->s1_set);
	assert_ptr_equal(d->dom, &viommu_of(vma)->u[0].view[VIOMMU_SHARED]);
	assert_false(viommu_page_shared(vma, gpa(VM_RAM_BASE)));
	assert_false(dma_maps(vma, VIOMMU_SHARED, VM_RAM_BASE));
	assert_true(host_s2_lookup(1, bar(0)->gpa.v, NULL));
	assert_int_equal(viommu_of(vma)->fq.v, 0); /* the new instance registers its own queue */
}

static void calls_that_change_state_answer_busy_while_another_runs(void **state)
{
	(void)state;
	s1_at(SHB, SHB + 0x1000);
	inv_at(SHB + 0x2000, 1);
	assert_true(vdev_op_begin()); /* another vCPU's operation */
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x2000, 1, 0, 0, 0, 0),
			 MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x3000, 40, 0, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED); /* nothing happened */
	assert_false(vdev_at(vma, 0)->s1_set);
	vdev_op_end();
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_OK);
}

/* ---- resumable device operations ----------------------------------------------------------- */

/* Makes the same call until it is no longer BUSY; returns its status, *busy the BUSY count. */
static int64_t call_until_done(struct vm *vm, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5,
			       unsigned *busy)
{
	int64_t s;

	*busy = 0;
	while ((s = call(vm, fn, a1, a2, a3, a4, a5, 0)) == MOAT_BUSY)
		assert_true(++*busy < 1000);
	return s;
}

static void tdi_calls_wait_on_the_device_without_holding_the_vcpu(void **state)
{
	u8 digest[32];
	unsigned busy;

	(void)state;
	vdm_waits = 2;
	/* bind: GET_VERSION, GET_CAPABILITIES, LOCK, GET_STATE, report portions: each waits */
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED); /* not locked yet: the device is asked */
	/* meanwhile: another call on the device waits its turn, calls without it go on */
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, SHB + 8192, 0, 0),
			 MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_OK);
	assert_int_equal(call(vmb, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, &busy), MOAT_OK);
	assert_true(busy >= 8);
	assert_int_equal(tdi.state, TDI_CONFIG_LOCKED);
	assert_int_equal(
		call_until_done(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, SHB + 8192, 0, &busy),
		MOAT_OK);
	assert_int_equal(busy, 0); /* the report Moat checked at bind: no device round trip */
	memcpy(digest, ga(vma, SHB + 8192), 32);
	memcpy(ga(vma, SHB + 4096), digest, 32);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_ACCEPT, h, SHB + 4096, 0, 0, 0, &busy),
			 MOAT_OK);
	assert_true(busy > 0);
	assert_int_equal(tdi.state, TDI_RUN);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, &busy), MOAT_OK);
	assert_int_equal(r[1], MOAT_TDI_RUN);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, &busy), MOAT_OK);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(dev.ifc[0].state, TDEV_UNLOCKED);
}

static void a_continuation_must_repeat_the_call(void **state)
{
	unsigned busy;

	(void)state;
	vdm_waits = 1;
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_MEASUREMENTS, SHB, 4096,
			      SHB + 4096, 0),
			 MOAT_OK); /* the fake measure does not wait */
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	/* the same call with other arguments is another call: it waits its turn */
	assert_int_equal(
		call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_CERT_CHAIN, SHB, 4096, 0, 0),
		MOAT_BUSY);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, &busy), MOAT_OK);
	assert_int_equal(
		call(vma, MOAT_HC_TDI_GET_EVIDENCE, h, MOAT_EV_CERT_CHAIN, SHB, 4096, 0, 0),
		MOAT_OK);
}

static void an_abandoned_operation_is_finished_by_the_next_caller(void **state)
{
	unsigned busy;

	(void)state;
	vdm_waits = 1;
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	host_time_now_ns += 3000000000ull; /* the owner stops continuing it */
	test_log_reset();
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, &busy), MOAT_OK);
	assert_true(test_log_has("device operation of VM 1 abandoned"));
	assert_int_equal(r[1], MOAT_TDI_LOCKED); /* the bind ran to its end */
	/* continuing the bind now starts a new one, refused: the TDI is bound */
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, &busy),
			 MOAT_BAD_STATE);
}

static void guest_flr_and_vm_reset_end_the_call_in_flight_first(void **state)
{
	u8 digest[32];
	unsigned busy;

	(void)state;
	vdm_waits = 1;
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	ecam_wr(vma, 0x68, 2, 0x8000); /* FLR: the bind completes, then the teardown and reset */
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(dev.ifc[0].state, TDEV_UNLOCKED);
	/* the owner still gets its bind's result, then learns of the FLR */
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_STATE, h, 0, 0, 0, 0, &busy), MOAT_OK);
	assert_int_equal(r[2], MOAT_CAUSE_FLR);
	/* a reset: the old instance's call in flight ends and its result is dropped */
	vdm_waits = 0;
	bind_and_report(digest);
	vdm_waits = 1;
	memcpy(ga(vma, SHB + 4096), digest, 32);
	assert_int_equal(call(vma, MOAT_HC_TDI_ACCEPT, h, SHB + 4096, 0, 0, 0, 0), MOAT_BUSY);
	memset(ga(vma, SHB), 0, 64);
	vdev_vm_reset(vma);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_false(vdev_at(vma, 0)->trusted);
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_ACCEPT, h, SHB + 4096, 0, 0, 0, &busy),
			 MOAT_BAD_STATE); /* a new call: nothing is bound */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(version_is_1_2_and_features_know_every_new_call),
		T(vdev_list_names_the_callers_devices_only),
		T(ecam_shows_a_filtered_config_space),
		T(bind_revokes_shared_mmio_and_accept_maps_exactly_the_report),
		T(bind_hides_the_bars_until_accept),
		T(accept_before_bind_and_with_a_stale_digest_are_refused),
		T(report_says_the_size_it_needs),
		T(evidence_chain_measurements_with_nonce_and_vca),
		T(the_other_vm_cannot_name_bind_or_reach_the_device),
		T(device_error_while_running_tears_down_in_order),
		T(flr_while_running_removes_private_access),
		T(guest_flr_through_the_virtual_devctl_tears_down_first),
		T(share_and_unshare_follow_in_the_dma_view),
		T(viommu_info_describes_the_smmu),
		T(set_s1_nests_on_the_view_the_tdi_allows),
		T(set_s1_refuses_bad_descriptions_and_changes_nothing),
		T(invalidate_forces_the_vmids_and_reports_the_failing_index),
		T(cfgi_cd_needs_the_callers_vdev_with_a_stage1),
		T(faults_reach_the_guest_queue_with_an_interrupt),
		T(a_fault_flood_evicts_only_the_flooding_vms_records),
		T(a_vdev_behind_another_unit_gets_views_there),
		T(a_function_sharing_dma_tags_is_assigned_with_its_group_or_not_at_all),
		T(a_vm_without_devices_has_no_viommu),
		T(system_reset_tears_the_tdi_down_and_forgets_guest_iommu_state),
		T(calls_that_change_state_answer_busy_while_another_runs),
		T(tdi_calls_wait_on_the_device_without_holding_the_vcpu),
		T(a_continuation_must_repeat_the_call),
		T(an_abandoned_operation_is_finished_by_the_next_caller),
		T(guest_flr_and_vm_reset_end_the_call_in_flight_first),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
