// SPDX-License-Identifier: MIT
/*
 * Physical MSI-X delivery end to end on the host (vmm/vdev_msix.c, arch/arm64/gic_its.c, the
 * ITS model): a plain assigned function behind a fake SMMUv3 unit, its BAR in host memory so
 * the physical MSI-X table Moat writes can be read back. The guest programs its virtual
 * table through the trapped BAR page and enables MSI-X through the virtual ECAM; the physical
 * entry must then hold Moat's doorbell (the reserved IPA, mapped to GITS_TRANSLATER in the
 * function's IOMMU view) and Moat's EventID, and a message the function sends must become the
 * SPI the guest chose on the vCPU it chose, in its own VM only. A bad guest entry, a masked
 * vector, a reset and an ITS that fails all leave the physical vector masked.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "fake_smmu.h"

#include "arch/arm64/gic_its.h"
#include "arch/host/vm_host.h"
#include "core/frame.h"
#include "core/own.h"
#include "its/its_model.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "vmm/vm_mmio.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"

#define PRIV (4ULL << 20)
#define BDF 0x0010
#define ITS_BASE 0x7f000000ULL
#define RD_BASE 0x7f100000ULL
#define TABLE 0x2000 /* MSI-X table at BAR0 + 8 KiB, PBA at + 12 KiB */
#define NVEC 4

static struct fake_smmu fk;
static struct pt_host_alloc ha;
static struct vm_config cfga = { .name = "A", .private_size = PRIV, .nvcpus = 2 };
static struct vm_config cfgb = { .name = "B", .private_size = PRIV, .nvcpus = 2 };
static struct vm *vma, *vmb;
static u8 *rama, *ramb, *bar0, *itsram;
static u64 *bits;
static u32 cfg[1024];
static u32 msgctl_writes, msgctl_last;
static struct frame_alloc fa;
static struct its_model *its;

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	return cfg[off / 4];
}

static void be_cfg_write(const struct vdev *d, u16 off, u32 v)
{
	(void)d;
	if (off == 0x40) {
		msgctl_writes++;
		msgctl_last = v;
	}
}

static const struct vdev_backend be = { .cfg_read32 = be_cfg, .cfg_write32 = be_cfg_write };

static void lpi_to_moat(void *ctx, unsigned intid)
{
	(void)ctx;
	assert_true(its_lpi_dispatch(intid)); /* the EL2 IRQ path */
}

static void its_up(void)
{
	struct pa_range r = { pa((u64)(uintptr_t)itsram), 2 << 20 };
	struct its_model_cfg mc = its_model_default_cfg();
	struct its_desc d = { pa(ITS_BASE), pa(RD_BASE) };

	its_reset();
	memset(itsram, 0, 2 << 20);
	assert_int_equal(frame_init(&fa, &r, 1, NULL, 0), 0);
	its = its_model_create(ITS_BASE, RD_BASE, &mc);
	assert_non_null(its);
	its_model_add_ram(its, r.base.v, r.size);
	its->deliver = lpi_to_moat;
	assert_int_equal(its_init(&d, &fa), 0);
}

static void cfg_init(void)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x00101b36;
	cfg[1] = 0x00100006;			 /* capabilities list; MEM | BME */
	cfg[0x34 / 4] = 0x40;			 /* MSI-X at 0x40, the only capability */
	cfg[0x40 / 4] = (NVEC - 1) << 16 | 0x11; /* MSI-X, 4 vectors */
	cfg[0x44 / 4] = TABLE;			 /* table: BIR 0 */
	cfg[0x48 / 4] = TABLE + 0x1000;		 /* PBA: BIR 0 */
}

static int group_setup(void **state)
{
	(void)state;
	vma = vm_alloc();
	vmb = vm_alloc();
	rama = aligned_alloc(4096, PRIV);
	ramb = aligned_alloc(4096, PRIV);
	bar0 = aligned_alloc(0x4000, 0x4000);
	itsram = aligned_alloc(1 << 21, 2 << 20);
	bits = calloc(1, 4096);
	return !vma || !vmb || !rama || !ramb || !bar0 || !itsram || !bits;
}

static int group_teardown(void **state)
{
	(void)state;
	free(rama), free(ramb), free(bar0), free(itsram), free(bits);
	return 0;
}

static int setup(void **state)
{
	struct pa_range bars[6] = { { pa((u64)(uintptr_t)bar0), 0x4000 } };
	u32 types[6] = { 0x4 };

	(void)state;
	test_log_capture();
	test_log_reset();
	host_time_step_ns = 1000;
	pt_host_alloc_init(&ha);
	iommu_units_reset();
	host_s2_reset();
	vdev_reset_all();
	cfg_init();
	msgctl_writes = msgctl_last = 0;
	memset(bar0, 0, 0x4000);
	memset(bits, 0, 4096);
	vm_init(vma, 1, &cfga, pa((u64)(uintptr_t)rama));
	vm_init(vmb, 2, &cfgb, pa((u64)(uintptr_t)ramb));
	own_reset();
	assert_int_equal(own_add(pa((u64)(uintptr_t)rama), PRIV, own_vm(1)), 0);
	assert_int_equal(own_add(pa((u64)(uintptr_t)ramb), PRIV, own_vm(2)), 0);
	assert_int_equal(own_add(bars[0].base, 0x4000, own_bar(0)), 0);
	its_up();
	assert_int_equal(fake_smmu_add(&fk, &ha.a), 0);
	assert_int_equal(viommu_init(vma, &fk.u, bits), 0);
	assert_int_equal(vdev_create(vma, 0, BDF, 0x1b36, 0x0010, bars, types, NULL, &be, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	viommu_fini(vma);
	its_model_destroy(its);
	its_reset();
	return 0;
}

static struct vdev *dev(void)
{
	return vdev_at(vma, 0);
}

/* The guest's accesses: its table through the BAR page, its capability through its ECAM. */
static void gwr(u64 off, u32 v)
{
	u64 x = v;

	assert_true(vdev_bar_mmio(vma, dev()->bar[0].gpa.v + TABLE + off, true, 4, &x));
}

static void gprogram(unsigned vec, u64 addr, u32 data, bool masked)
{
	gwr(vec * 16 + 0, (u32)addr);
	gwr(vec * 16 + 4, (u32)(addr >> 32));
	gwr(vec * 16 + 8, data);
	gwr(vec * 16 + 12, masked);
}

static void genable(bool on)
{
	u64 v = (on ? 0x8000u : 0) << 16;

	assert_true(vdev_ecam_mmio(vma, MOAT_GPA_ECAM + 0x40, true, 4, &v));
}

static void groute(unsigned spi, u64 vcpu)
{
	assert_true(vm_mmio_access(&vma->vcpu[0], VM_GICD_BASE + 0x6000 + 8 * spi, true, 8, &vcpu));
}

static u32 phys(unsigned vec, unsigned dw)
{
	u32 v;

	memcpy(&v, bar0 + TABLE + vec * 16 + dw * 4, 4);
	return v;
}

/* The function sends vector `vec`: it writes its physical entry's data to its address, which
 * its IOMMU view translates (as the SMMU would) to the ITS's doorbell. */
static int device_sends(unsigned vec)
{
	struct iommu_domain *view = viommu_view(viommu_of(vma), &fk.u, VIOMMU_SHARED);
	u64 addr = (u64)phys(vec, 1) << 32 | phys(vec, 0);
	struct pt_mapping pm;

	if (phys(vec, 3) & 1)
		return -1; /* masked: the function holds it in its PBA */
	assert_int_equal(pt_lookup(&view->s2, addr & ~0xfffULL, &pm), 0);
	assert_int_equal(pm.out.v + (addr & 0xfff), ITS_BASE + 0x10040); /* GITS_TRANSLATER */
	return its_model_msi(its, BDF, phys(vec, 2));
}

static u64 pending(struct vm *vm, unsigned i)
{
	return vm->vcpu[i].vgic.pending;
}

static void assignment_masks_every_physical_vector(void **state)
{
	(void)state;
	for (unsigned v = 0; v < NVEC; v++)
		assert_int_equal(phys(v, 3), 1);
	assert_int_equal(msgctl_writes, 0);
	assert_int_equal(its->nlog, 3); /* only the ITS's own bring-up */
}

/* The guest's entry names its doorbell and SPI 50 routed to vCPU 1: the physical entry gets
 * Moat's doorbell and EventID, and the function's message becomes SPI 50 on A's vCPU 1. */
static void a_message_becomes_the_guests_spi_on_its_vcpu(void **state)
{
	(void)state;
	groute(VGIC_MBI_BASE + 2, 1);
	gprogram(1, VMSIX_DOORBELL, VGIC_MBI_BASE + 2, false);
	assert_int_equal(phys(1, 3), 1); /* MSI-X not enabled by the guest yet */
	genable(true);
	assert_int_equal(phys(1, 0), VMSIX_PHYS_DOORBELL_IPA + 0x40);
	assert_int_equal(phys(1, 1), 0);
	assert_int_equal(phys(1, 2), 1); /* EventID: the vector */
	assert_int_equal(phys(1, 3), 0);
	assert_int_equal(phys(0, 3), 1); /* the other vectors stay masked */
	assert_int_equal(msgctl_writes, 1);
	assert_int_equal(msgctl_last >> 16 & 0xc000, 0x8000); /* Enable, no Function Mask */
	assert_int_equal(its_lpi_of(BDF, 1), ITS_LPI_BASE);
	assert_int_equal(device_sends(1), 0);
	assert_int_equal(pending(vma, 1), 1ULL << (VGIC_MBI_BASE + 2));
	assert_int_equal(pending(vma, 0) | pending(vmb, 0) | pending(vmb, 1), 0);
	/* The guest moves the vector to SPI 51 on vCPU 0: the physical entry does not change. */
	vma->vcpu[1].vgic.pending = 0;
	groute(VGIC_MBI_BASE + 3, 0);
	gwr(1 * 16 + 8, VGIC_MBI_BASE + 3);
	assert_int_equal(phys(1, 2), 1);
	assert_int_equal(device_sends(1), 0);
	assert_int_equal(pending(vma, 0), 1ULL << (VGIC_MBI_BASE + 3));
	assert_int_equal(pending(vma, 1), 0);
}

/* The function's MSI-X Enable follows the guest's before any vector is unmasked (a function
 * may choose MSI-X over INTx when it is set up, as QEMU's nvme does at controller enable). */
static void physical_enable_follows_the_guests_at_once(void **state)
{
	(void)state;
	genable(true);
	assert_int_equal(msgctl_writes, 1);
	assert_int_equal(msgctl_last >> 16 & 0xc000, 0x8000);
	for (unsigned v = 0; v < NVEC; v++)
		assert_int_equal(phys(v, 3), 1);
	gprogram(0, VMSIX_DOORBELL, VGIC_MBI_BASE, false);
	assert_int_equal(phys(0, 3), 0);
	assert_int_equal(msgctl_writes, 1); /* once */
}

/* Masking by vector, by Function Mask or by disabling masks the physical vector. */
static void guest_masks_reach_the_device(void **state)
{
	u64 v = (u64)0xc000 << 16; /* Enable | Function Mask */

	(void)state;
	gprogram(0, VMSIX_DOORBELL, VGIC_MBI_BASE, false);
	genable(true);
	assert_int_equal(phys(0, 3), 0);
	gwr(12, 1);
	assert_int_equal(phys(0, 3), 1);
	gwr(12, 0);
	assert_int_equal(phys(0, 3), 0);
	assert_true(vdev_ecam_mmio(vma, MOAT_GPA_ECAM + 0x40, true, 4, &v));
	assert_int_equal(phys(0, 3), 1);
	genable(true);
	assert_int_equal(phys(0, 3), 0);
	genable(false);
	assert_int_equal(phys(0, 3), 1);
	assert_int_equal(device_sends(0), -1);
	assert_int_equal(pending(vma, 0) | pending(vma, 1), 0);
}

/* Entries naming anything but A's doorbell and message SPIs never unmask the device. */
static void a_bad_guest_entry_leaves_the_vector_masked(void **state)
{
	(void)state;
	genable(true);
	gprogram(0, ITS_BASE + 0x10040, 1, false); /* the physical ITS itself */
	gprogram(1, VMSIX_DOORBELL, VGIC_INTID_UART, false);
	gprogram(2, VMSIX_DOORBELL, VGIC_MBI_BASE + VGIC_MBI_COUNT, false);
	gprogram(3, VMSIX_DOORBELL | 1ULL << 32, VGIC_MBI_BASE, false);
	for (unsigned v = 0; v < NVEC; v++) {
		assert_int_equal(phys(v, 3), 1);
		assert_int_equal(its_lpi_of(BDF, v), 0);
	}
	/* A vector past the table is not the guest's to touch. */
	u64 x = 0;
	assert_false(vdev_bar_mmio(vma, dev()->bar[0].gpa.v + TABLE + NVEC * 16 + 12, true, 4, &x));
	/* A forged message for an EventID Moat did not map reaches nobody. */
	assert_int_equal(its_model_msi(its, BDF, 2), -1);
	assert_int_equal(pending(vma, 0) | pending(vma, 1) | pending(vmb, 0) | pending(vmb, 1), 0);
}

/* Reset: physical vectors masked first, then the ITS mapping discarded. */
static void reset_masks_then_discards(void **state)
{
	(void)state;
	gprogram(2, VMSIX_DOORBELL, VGIC_MBI_BASE, false);
	genable(true);
	assert_int_equal(phys(2, 3), 0);
	vdev_msix_reset(dev());
	assert_int_equal(phys(2, 3), 1);
	assert_int_equal(its_lpi_of(BDF, 2), 0);
	assert_int_equal(its_model_lookup(its, BDF, 2), 0);
	assert_int_equal(its->log[its->nlog - 4].dw[0] & 0xff, 0x0f); /* DISCARD */
	/* The guest starts again: the mapping comes back. */
	gprogram(2, VMSIX_DOORBELL, VGIC_MBI_BASE, false);
	genable(true);
	assert_int_equal(phys(2, 3), 0);
	assert_int_equal(device_sends(2), 0);
	assert_int_equal(pending(vma, 0), 1ULL << VGIC_MBI_BASE);
}

/* The ITS refuses the mapping: the function's vectors stay masked, said once. */
static void an_its_error_keeps_the_function_masked(void **state)
{
	(void)state;
	its->fail_op = 0x0a; /* MAPTI */
	its->fail_count = 1;
	gprogram(0, VMSIX_DOORBELL, VGIC_MBI_BASE, false);
	gprogram(1, VMSIX_DOORBELL, VGIC_MBI_BASE + 1, false);
	genable(true);
	assert_int_equal(phys(0, 3), 1);
	assert_int_equal(phys(1, 3), 1);
	assert_true(test_log_has("A: 0010: MSI-X vector 0: no physical message target (I/O "
				 "error): the function's vectors stay masked"));
	gwr(12, 0);
	assert_int_equal(phys(0, 3), 1);
}

/*
 * The doorbell mapping takes only the page the ownership record names the MSI doorbell (the
 * ITS translation page, recorded at ITS bring-up) and counts it; any other page, the VM's
 * own RAM included, is refused. Before, iommu_s2_map_msi mapped whatever page it was given.
 */
static void only_the_recorded_doorbell_enters_a_view_counted(void **state)
{
	struct iommu_domain *v = viommu_view(viommu_of(vma), &fk.u, VIOMMU_SHARED);
	paddr_t db = pa(its_doorbell().v & ~0xfffULL);

	(void)state;
	assert_true(own_eq(own_owner(db), own_doorbell()));
	assert_int_equal(own_maps(db), 2); /* the vdev's shared and full views */
	assert_int_equal(iommu_s2_map_msi(v, gpa(0x0a100000), pa((u64)(uintptr_t)rama)), -E_PERM);
	assert_int_equal(iommu_s2_map_msi(v, gpa(0x0a100000), pa(0x7f000000)), -E_PERM);
	assert_int_equal(own_maps(db), 2);
	assert_int_equal(iommu_s2_map_msi(v, gpa(0x0a100000), db), 0);
	assert_int_equal(own_maps(db), 3);
	assert_int_equal(iommu_s2_unmap(v, gpa(0x0a100000), 0x1000), 0);
	assert_int_equal(own_maps(db), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(assignment_masks_every_physical_vector, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_message_becomes_the_guests_spi_on_its_vcpu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(physical_enable_follows_the_guests_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(guest_masks_reach_the_device, setup, teardown),
		cmocka_unit_test_setup_teardown(a_bad_guest_entry_leaves_the_vector_masked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reset_masks_then_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(only_the_recorded_doorbell_enters_a_view_counted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(an_its_error_keeps_the_function_masked, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
