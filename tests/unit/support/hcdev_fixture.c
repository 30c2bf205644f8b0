// SPDX-License-Identifier: MIT
/* The fixture of the device-assignment hypercall tests (hcdev_fixture.h). */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "hcdev_fixture.h"

/* ---- fake units recording what the vIOMMU asks of them (fake_smmu.h) ---------------------- */
struct fake_smmu fk;  /* both VMs' unit */
struct fake_smmu fkv; /* B's per-vendor unit (b_on_unit) */
u32 hb;
struct pt_host_alloc ha;

/* ---- the device: TDISP model behind a DSM transport, plus its config space -------------- */
struct tdev dev;
struct tsm_pdev pd;
struct tdi tdi;
u32 cfg[1024];
const u8 chain[] = "certificate chain";
const u8 meas[] = "measurements at connect";
u8 last_nonce[MOAT_NONCE_LEN];
int nested_status;  /* status of a call made while a device operation was running */
unsigned vdm_waits; /* waits on the "mailbox" before each answer, as a DOE would */

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
struct vm *vma, *vmb;
u32 h;

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

u32 be_cfg(const struct vdev *d, u16 off)
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
const struct vdev_backend be = { .cfg_read32 = be_cfg, .evidence = be_evidence };

/* ---- VMs -------------------------------------------------------------------------------- */
static struct vm_config cfga = {
	.name = "A", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
static struct vm_config cfgb = {
	.name = "B", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};
u8 *rama, *ramb;
u64 *bitsa, *bitsb;
u64 r[HC_NREGS];

int64_t call(struct vm *vm, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6)
{
	u64 in[HC_NREGS] = { fn, a1, a2, a3, a4, a5, a6 };

	memcpy(r, in, sizeof(r));
	hypercall_dispatch(&vm->vcpu[0], r);
	return (int64_t)r[0];
}

/* Guest memory: host pointer of a GPA of A or B. */
void *ga(struct vm *vm, u64 g)
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

int hcdev_group_setup(void **state)
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

int hcdev_setup(void **state)
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
	/* The ownership record as boot leaves it: each VM's RAM, the device's BARs unassigned. */
	own_reset();
	assert_int_equal(own_add(pa((u64)(uintptr_t)rama), PRIV + SHARED, own_vm(1)), 0);
	assert_int_equal(own_add(pa((u64)(uintptr_t)ramb), PRIV + SHARED, own_vm(2)), 0);
	assert_int_equal(own_add(pa(BAR0), 0x4000, own_bar(0)), 0);
	assert_int_equal(own_add(pa(BAR2), 0x1000, own_bar(0)), 0);
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

int hcdev_teardown(void **state)
{
	(void)state;
	viommu_fini(vma);
	viommu_fini(vmb);
	return 0;
}

int hcdev_group_teardown(void **state)
{
	(void)state;
	free(rama);
	free(ramb);
	free(bitsa);
	free(bitsb);
	return 0;
}

const struct vdev_bar *bar(unsigned i)
{
	return &vdev_at(vma, 0)->bar[i];
}

/* Binds, fetches the report into A's shared RAM and returns its digest. */
void bind_and_report(u8 digest[32])
{
	assert_int_equal(call(vma, MOAT_HC_TDI_BIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_TDI_GET_REPORT, h, SHB, 4096, SHB + 8192, 0, 0),
			 MOAT_OK);
	assert_true(r[1] > 16);
	memcpy(digest, ga(vma, SHB + 8192), 32);
}

void to_run(void)
{
	u8 digest[32];

	bind_and_report(digest);
	memcpy(ga(vma, SHB + 12288), digest, 32);
	assert_int_equal(call(vma, MOAT_HC_TDI_ACCEPT, h, SHB + 12288, 0, 0, 0, 0), MOAT_OK);
}

/* ---- helpers ------------------------------------------------------------------------------ */

bool dma_maps(struct vm *vm, enum viommu_view view, u64 g)
{
	struct pt_mapping m;

	return pt_lookup(&viommu_of(vm)->u[0].view[view].s2, g, &m) == 0;
}

struct vdev *b_on_unit(enum iommu_vendor vendor)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };

	viommu_fini(vmb);
	memset(bitsb, 0, 4096);
	assert_int_equal(fake_unit_add(&fkv, &ha.a, vendor), 0);
	assert_int_equal(viommu_init(vmb, &fkv.u, bitsb), 0);
	assert_int_equal(vdev_create(vmb, 2, 0x0200, 0x8086, 0x1234, none, types, NULL, &be, NULL),
			 0);
	hb = vdev_at(vmb, 0)->handle;
	return vdev_at(vmb, 0);
}

void info_matches(const struct moat_viommu_info *i, u32 type, u32 formats)
{
	assert_int_equal(i->size, MOAT_VIOMMU_INFO_SIZE);
	assert_int_equal(i->type, type);
	assert_int_equal(i->formats, formats);
	assert_int_equal(i->ias_bits, fkv.info.s1_ias);
	assert_int_equal(i->ipa_bits, fkv.info.s2_ias_max); /* the views' size: the driver's */
	assert_int_equal(i->ssid_bits, 0);		    /* one stage-1 per vdev (1.3) */
	assert_int_equal(i->asid_bits, fkv.info.tag_bits);
	assert_int_equal(i->nr_vdevs, 1);
	assert_int_equal(i->reserved[0] | i->reserved[1], 0);
}

int64_t set_s1_b(void)
{
	return call(vmb, MOAT_HC_VIOMMU_SET_S1, hb, SHB, MOAT_S1_DESC_SIZE, 0, 0, 0);
}

struct moat_inv *inv_b(unsigned op, u16 vdid, u32 pasid)
{
	struct moat_inv *e = ga(vmb, SHB + 0x100);

	memset(e, 0, sizeof(*e));
	e->size = sizeof(*e);
	e->op = op;
	e->vtd.vdid = vdid;
	e->vtd.pasid = pasid;
	return e;
}

int64_t inv_b_call(void)
{
	return call(vmb, MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x100, 1, 0, 0, 0, 0);
}

struct moat_s1_desc *s1_at(u64 g, u64 cd)
{
	struct moat_s1_desc *s = ga(vma, g);

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->type = MOAT_IOMMU_SMMUV3;
	s->smmu.cd_table = cd;
	s->smmu.asid = 5;
	return s;
}

struct moat_inv *inv_at(u64 g, unsigned n)
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
