// SPDX-License-Identifier: MIT
/*
 * Host ABI tests of the device-assignment hypercalls (ABI 1.1), the vendor-neutral part: every
 * call's happy path and each error status, through hypercall_dispatch() as a guest would reach
 * it, on the fixture of hcdev_fixture.h (A owns a TDISP vdev, B owns nothing). The vIOMMU forms
 * of each vendor are in test_hypercall_dev_smmu.c, _vtd.c and _amdvi.c.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "hcdev_fixture.h"

/* ---- version, list, ECAM ----------------------------------------------------------------- */

static void version_is_1_3_and_features_know_every_new_call(void **state)
{
	(void)state;
	assert_int_equal(call(vma, MOAT_HC_VERSION, 0, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], 0x10003);
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
	u32 b0 = (u32)(2 << 16) | MOAT_VDEV_TAG; /* B's own index 0: B has no vdevs */
	u8 digest[32];

	(void)state;
	assert_int_equal(call(vmb, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
	assert_int_equal(call(vmb, MOAT_HC_TDI_BIND, b0, 0, 0, 0, 0, 0), MOAT_BAD_HANDLE);
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

/*
 * Issue 13, ownership of every host frame: a BAR that names another VM's RAM, or a BAR already
 * assigned to another VM, does not become a vdev BAR; before, both were mapped into the VM.
 */
static void a_bar_over_ram_or_another_vms_bar_is_not_assignable(void **state)
{
	struct pa_range over_ram[6] = { { pa((u64)(uintptr_t)rama), 0x1000 } };
	struct pa_range taken[6] = { { pa(BAR2), 0x1000 } };
	struct pa_range free_bar[6] = { { pa(0x10200000), 0x1000 } };
	u32 types[6] = { 0 };

	(void)state;
	assert_int_equal(
		vdev_create(vmb, 0, 0x0200, 0x1234, 0x11e8, over_ram, types, NULL, &be, NULL),
		-E_PERM);
	assert_true(test_log_has("is not an unassigned device BAR (owner: vm 1)"));
	assert_int_equal(vdev_create(vmb, 0, 0x0200, 0x1234, 0x11e8, taken, types, NULL, &be, NULL),
			 -E_PERM);
	assert_true(test_log_has("(owner: bar of vm 1)"));
	assert_int_equal(vdev_count(vmb), 0);
	assert_false(host_s2_lookup(2, MOAT_GPA_BARS, NULL));
	/* An unassigned BAR is assignable, and goes back when the assignment fails later. */
	assert_int_equal(own_add(pa(0x10200000), 0x1000, own_bar(0)), 0);
	host_s2_fail = -E_NOMEM;
	assert_int_equal(
		vdev_create(vmb, 0, 0x0200, 0x1234, 0x11e8, free_bar, types, NULL, &be, NULL),
		-E_NOMEM);
	assert_true(own_eq(own_owner(pa(0x10200000)), own_bar(0)));
	host_s2_fail = 0;
	assert_int_equal(
		vdev_create(vmb, 0, 0x0200, 0x1234, 0x11e8, free_bar, types, NULL, &be, NULL), 0);
	assert_true(own_eq(own_owner(pa(0x10200000)), own_bar(2)));
	assert_true(host_s2_lookup(2, vdev_at(vmb, 0)->bar[0].gpa.v, NULL));
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
	s1_at(SHB, VM_RAM_BASE + 0x1000); /* private: trusted DMA goes through it */
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

/*
 * Issue 13 item 4: the vIOMMU calls take their own VM's lock only. Another vCPU of the same
 * VM in such a call makes them BUSY; a device operation (any VM's) does not, it only makes
 * the TDI calls BUSY.
 */
static void calls_that_change_state_answer_busy_while_another_runs(void **state)
{
	(void)state;
	s1_at(SHB, SHB + 0x1000);
	inv_at(SHB + 0x2000, 1);
	assert_true(vdev_vm_trylock(vma)); /* another vCPU of A in a vIOMMU call */
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x2000, 1, 0, 0, 0, 0),
			 MOAT_BUSY);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_FAULTQ, SHB + 0x3000, 40, 0, 0, 0, 0), MOAT_BUSY);
	assert_false(vdev_at(vma, 0)->s1_set); /* nothing happened */
	memcpy(ga(vmb, SHB + 0x2000), ga(vma, SHB + 0x2000), sizeof(struct moat_inv));
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x2000, 1, 0, 0, 0, 0),
			 MOAT_OK); /* B is not held up by A */
	vdev_vm_unlock(vma);
	assert_true(vdev_op_begin()); /* a step of some VM's device operation */
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_BUSY);
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_MEM_SHARE, VM_RAM_BASE, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_OK);
	vdev_op_end();
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
	ecam_wr(vma, 0x68, 2, 0x8000); /* FLR: queued behind the bind, then teardown and reset */
	assert_true(vdev_flr_in_progress(vdev_at(vma, 0)));
	assert_int_equal(ecam(vma, 0, 0, 4), 0xffffffff); /* the function is resetting */
	/* the owner still gets its bind's result, then the reset runs and it learns of it */
	assert_int_equal(call_until_done(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, &busy), MOAT_OK);
	for (unsigned n = 0; vdev_flr_in_progress(vdev_at(vma, 0)); n++) {
		assert_true(n < 1000);
		hc_ops_poll();
	}
	assert_int_equal(tdi.state, TDI_CONFIG_UNLOCKED);
	assert_int_equal(dev.ifc[0].state, TDEV_UNLOCKED);
	assert_int_equal(ecam(vma, 0, 0, 4), 0x00101b36);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(version_is_1_3_and_features_know_every_new_call),
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
		T(faults_reach_the_guest_queue_with_an_interrupt),
		T(a_fault_flood_evicts_only_the_flooding_vms_records),
		T(a_vdev_behind_another_unit_gets_views_there),
		T(a_function_sharing_dma_tags_is_assigned_with_its_group_or_not_at_all),
		T(a_bar_over_ram_or_another_vms_bar_is_not_assignable),
		T(a_vm_without_devices_has_no_viommu),
		T(system_reset_tears_the_tdi_down_and_forgets_guest_iommu_state),
		T(calls_that_change_state_answer_busy_while_another_runs),
		T(tdi_calls_wait_on_the_device_without_holding_the_vcpu),
		T(a_continuation_must_repeat_the_call),
		T(an_abandoned_operation_is_finished_by_the_next_caller),
		T(guest_flr_and_vm_reset_end_the_call_in_flight_first),
	};

	return cmocka_run_group_tests(tests, hcdev_group_setup, hcdev_group_teardown);
}
