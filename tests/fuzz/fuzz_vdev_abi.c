// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness over the device-assignment hypercalls and the virtual ECAM: the input is a
 * sequence of guest operations (a hypercall of ABI 1.1 with fuzzed registers and fuzzed guest
 * memory, or a config-space access) from VM A (which owns a vdev whose TDI is the TDISP device
 * model) or VM B (which owns nothing). After every operation the layer's invariants must hold:
 * B never gets a device mapping or A's device; private MMIO and trusted DMA only while the TDI
 * is RUN; the vdev is always attached to the view its state allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cpu.h>

#include "arch/host/vm_host.h"
#include "core/own.h"
#include "core/devop.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "lib/err.h"
#include "fake_smmu.c"
#include "fuzz_frames.h"
#include "fuzz_ram.h"
#include "tdisp_dev/tdev.c"

/*
 * RAM in 2 MiB blocks (host and guest addresses 2 MiB-aligned), so that building and tearing
 * down the four views per input maps and unmaps a block per range, not 4 KiB page by page:
 * the views cost what the input does to them (a page it shares), not the size of the RAM.
 * Zeroed between inputs by giving the pages back (fuzz_ram.h): a page costs only if touched.
 */
#define PRIV (2ULL << 20)
#define SHARED (2ULL << 20)
#define FN_ID 0x100u
#define BAR0 0x10000000ull

static struct fake_smmu fk; /* tests/unit/support/fake_smmu.c */
static struct fz_frames ha; /* tables from one arena, not a malloc per table */

static struct tdev dev;
static struct tsm_pdev pd;
static struct tdi tdi;
static const u8 chain[] = "chain", meas[] = "meas";

static unsigned vdm_waits; /* the "mailbox" is busy this many polls before each answer */

static int dsm_vdm(struct tsm_pdev *p, u8 proto, const u8 *req, size_t len, u8 *rsp, size_t cap,
		   size_t *rlen)
{
	(void)p;
	for (unsigned i = 0; i < vdm_waits; i++)
		devop_wait(); /* a TDI call returns BUSY here and is continued later */
	return tdev_handle(&dev, proto, req, len, rsp, cap, rlen) ? -E_TIMEOUT : 0;
}
static int dsm_flr(struct tsm_pdev *p, u32 fn)
{
	(void)p;
	tdev_flr(&dev, fn);
	return 0;
}
static const struct tsm_dsm_ops dsm = { .vdm = dsm_vdm, .flr = dsm_flr };

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	static const u32 space[0x20] = { 0x00101b36, 0x00100006,  0x01080200,
					 0,	     [13] = 0x40, [16] = 0x00000010 };
	return off < sizeof(space) ? space[off / 4] : 0;
}
static const struct vdev_backend be = { .cfg_read32 = be_cfg };

static void quiet(const char *s, size_t n)
{
	(void)s, (void)n;
}

static struct vm *vma, *vmb;
static struct vm_config ca = {
	.name = "A", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
static struct vm_config cb = {
	.name = "B", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
static u8 *rama, *ramb;
static u64 *bitsa, *bitsb;

static void env_setup(void)
{
	struct pa_range bars[6] = { { pa(BAR0), 0x4000 } };
	u32 types[6] = { 0 };
	struct tsm_bars tb = { { { pa(BAR0), 0x4000 } } };

	/* Calls the last input left in flight end on the state they started on. */
	vdm_waits = 0;
	hc_ops_vm_gone(1);
	hc_ops_vm_gone(2);
	if (!vma) {
		log_set_sink(quiet);
		vma = vm_alloc();
		vmb = vm_alloc();
		rama = fz_ram_map(PRIV + SHARED, 2ULL << 20);
		ramb = fz_ram_map(PRIV + SHARED, 2ULL << 20);
		bitsa = calloc(1, 4096);
		bitsb = calloc(1, 4096);
	}
	viommu_fini(vma);
	viommu_fini(vmb);
	iommu_units_reset();
	host_s2_reset();
	vdev_reset_all();
	fz_frames_init(&ha);
	fz_ram_zero(rama, PRIV + SHARED);
	fz_ram_zero(ramb, PRIV + SHARED);
	memset(bitsa, 0, 4096);
	memset(bitsb, 0, 4096);
	vm_init(vma, 1, &ca, pa((u64)(uintptr_t)rama));
	vm_init(vmb, 2, &cb, pa((u64)(uintptr_t)ramb));
	own_reset(); /* as boot leaves it: each VM's RAM, the BAR unassigned (core/own.h) */
	if (own_add(pa((u64)(uintptr_t)rama), PRIV + SHARED, own_vm(1)) ||
	    own_add(pa((u64)(uintptr_t)ramb), PRIV + SHARED, own_vm(2)) ||
	    own_add(pa(BAR0), 0x4000, own_bar(0)))
		abort();
	if (fake_smmu_add(&fk, &ha.a) || viommu_init(vma, &fk.u, bitsa) ||
	    viommu_init(vmb, &fk.u, bitsb))
		abort();
	tdev_init(&dev, 1);
	dev.bar_base[0] = BAR0;
	dev.bar_size[0] = 0x4000;
	if (tdev_add_iface(&dev, FN_ID) < 0)
		abort();
	memset(&pd, 0, sizeof(pd));
	pd.ops = &dsm;
	pd.connected = true;
	pd.cert_chain = chain;
	pd.cert_chain_len = sizeof(chain);
	pd.meas = meas;
	pd.meas_len = sizeof(meas);
	tdi_init(&tdi, &pd, FN_ID, &tb);
	if (vdev_create(vma, 0, 0x0100, 0x1b36, 0x10, bars, types, &tdi, &be, NULL))
		abort();
}

static void check_invariants(void)
{
	struct vdev *d = vdev_at(vma, 0);
	struct viommu *v = viommu_of(vma);

	for (unsigned i = 0; i < HOST_S2_MAX; i++)
		if (host_s2[i].size && host_s2[i].vm != 1)
			abort(); /* B never gets device memory */
	if (vdev_count(vmb))
		abort();
	if (fk.invs_not_s2)
		abort(); /* guest invalidations reach hardware only through a nesting parent */
	/* private MMIO or trusted DMA outside RUN; an accept in flight maps them before START */
	if ((d->npriv || d->trusted) && tdi.state != TDI_RUN && !hc_ops_in_flight())
		abort();
	if (d->shared_mmio && tdi.state != TDI_CONFIG_UNLOCKED)
		abort();
	if (!d->dom)
		return; /* blocked is always safe */
	struct iommu_domain *parent = d->dom->parent ? d->dom->parent : d->dom;
	if (parent != viommu_view(v, d->unit, d->trusted ? VIOMMU_FULL : VIOMMU_SHARED))
		abort();
}

/* Guest addresses the fuzzer mostly aims at RAM of the caller. */
static u64 pick_gpa(u8 sel, u64 raw)
{
	switch (sel & 3) {
	case 0: return VM_RAM_BASE + PRIV + (raw % SHARED);
	case 1: return VM_RAM_BASE + (raw % PRIV);
	case 2: return MOAT_GPA_ECAM + (raw & 0xfffff);
	default: return raw;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	env_setup();
	while (size >= 48) {
		struct vm *vm = (data[0] & 0x80) ? vmb : vma;
		u8 *ram = vm == vma ? rama : ramb;
		u64 a[6];

		memcpy(a, data + 1, sizeof(a) - 8);
		a[5] = data[41];
		/* handles: mostly the real one, sometimes the other VM's or garbage */
		if ((data[0] & 0x30) == 0)
			a[0] = vdev_at(vma, 0)->handle;
		a[1] = (data[0] & 0x40) ? pick_gpa(data[1], a[1]) : a[1];
		a[2] = (data[0] & 0x08) ? pick_gpa(data[2], a[2]) : a[2] & 0xffff;
		/* some bytes of guest memory from the input, at the start of shared RAM */
		size_t n = size - 48 < 256 ? size - 48 : 256;
		memcpy(ram + PRIV, data + 48, n);
		/* the device sometimes takes a while; sometimes the owner stops continuing */
		vdm_waits = data[42] & 3;
		if (data[43] == 0xff)
			host_time_now_ns += 3000000000ull;
		if ((data[0] & 7) == 7) {
			u64 v = a[3];
			vdev_ecam_mmio(vm, MOAT_GPA_ECAM + (a[1] & 0xfffff), a[2] & 1,
				       1u << (a[4] & 3), &v);
		} else {
			u64 r[HC_NREGS] = {
				MOAT_HC_FN(7 + data[0] % 13), a[0], a[1], a[2], a[3], a[4], 0
			};
			hypercall_dispatch(&vm->vcpu[0], r);
		}
		check_invariants();
		data += 48 + n;
		size -= 48 + n;
	}
	return 0;
}
