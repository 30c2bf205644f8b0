// SPDX-License-Identifier: MIT
/*
 * Everything a guest controls on a VT-d nested domain, from one fuzz input: its memory (the
 * first-stage tables), its first-stage description (pointer, levels, flags, vDID), the PASID
 * it attaches at, the addresses its device touches and its invalidation requests. Runs the
 * real driver behind the IOMMU core over the VT-d model. Properties: nothing crashes; the
 * driver never queues a descriptor the unit refuses, never writes a 32-bit register with an
 * 8-byte access, never sets SW and IF together; every IOTLB-type descriptor carries a domain
 * ID Moat allocated (never a guest's); fault records name the device.
 *
 * Then the same through the guest ABI (1.3 typed forms): a VM whose vdev sits behind the unit
 * gives a fuzzed struct moat_s1_desc (any type, the VT-d member's pointer mostly in its RAM)
 * and fuzzed struct moat_inv entries (any operation) to the hypercalls, so the vIOMMU's VT-d
 * part (vmm/viommu_vtd.c) checks and routes them. Properties: an accepted stage-1's root lies
 * in the VM's RAM; no descriptor carries a guest's vDID (the harness makes every guest vDID
 * >= 256, Moat's DIDs are below) or a PASID the device is not attached at (only RID_PASID).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu.h"
#include "iommu/vtd/vtd.h"
#include "lib/bits.h"
#include "guest_abi/moat_abi.h"

/* The model is test support, not part of the fuzzed library: built into the harness. */
#include "pt/ref_walk.c"
#include "vtd/vtd_model.c"
#include "vtd/vtd_model_xlate.c"
#include "fuzz_unit.h"

#define RAM_SIZE (4ULL << 20)
#define GUEST_BASE FZ_GUEST_BASE
#define SID 0x10

static struct fz_unit F;
static struct vtd_model *M;

static void fuzz_up(void)
{
	struct vtd_model_cfg cfg = vtd_model_nested();
	struct pa_range r = fz_unit_ram(&F, RAM_SIZE, true);

	M = vtd_model_create(0xfed90000ULL, &cfg);
	vtd_model_add_ram(M, r.base.v, RAM_SIZE);
	/* vtd_driver() also links the driver in from the library */
	fz_unit_probe(&F, IOMMU_KIND_VTD, vtd_driver(), 0xfed90000ULL, 0x1000, 39);
	fz_unit_guest(&F);
}

/* IOTLB (2), PASID-based IOTLB (6) and PASID cache (7) descriptors carry Moat's DIDs only. */
static void check_descriptors(u16 nd_did)
{
	unsigned first = M->nlog > VTDM_LOG ? M->nlog - VTDM_LOG : 0;

	for (unsigned i = first; i < M->nlog; i++) {
		u64 w0 = M->log[i % VTDM_LOG].w[0];
		unsigned type = (unsigned)(w0 & 0xf), g = (unsigned)FIELD_GET(GENMASK(5, 4), w0);
		u16 did = (u16)FIELD_GET(GENMASK(31, 16), w0);

		bool global = (type == 2 && g == 1) || (type == 7 && g == 3);

		if ((type == 2 || type == 6 || type == 7) && !global && did != nd_did &&
		    did != F.s2.tags.did)
			__builtin_trap();
	}
	if (M->iqe || M->width_aborts || M->sw_if_aborts)
		__builtin_trap();
}

static void guest_dma(struct reader *r)
{
	u32 w = 0;

	for (unsigned i = rd(r, 1) & 7; i; i--)
		(void)vtd_model_dma(M, SID, rd(r, 8), &w, 4, rd(r, 1) & 1);
	fz_unit_faults(&F, SID);
}

static void guest_invalidate(struct iommu_domain *nd, struct reader *r)
{
	struct iommu_inv inv[4];
	unsigned n = rd(r, 1) % 5, done;

	memset(inv, 0, sizeof(inv));
	for (unsigned i = 0; i < n; i++) {
		inv[i].kind = rd(r, 1) & 1 ? IOMMU_INV_VTD : IOMMU_INV_ATC;
		inv[i].vtd =
			(struct iommu_inv_vtd){ .gran = (enum iommu_inv_vtd_gran)(rd(r, 1) % 3),
						.vdid = (u16)rd(r, 2),
						.pasid = (u32)rd(r, 3),
						.addr = rd(r, 8),
						.am = (u8)rd(r, 1),
						.ih = rd(r, 1) & 1 };
		if (inv[i].kind == IOMMU_INV_ATC)
			inv[i].atc = fz_read_atc(r);
	}
	(void)iommu_invalidate(nd, inv, n, &done);
}

static void guest_s1(struct reader *r, struct iommu_s1 *s1)
{
	u64 ptr = rd(r, 8);
	u8 flags = (u8)rd(r, 1);

	/* Mostly inside guest memory, so that its tables get walked. */
	if (ptr & 1)
		ptr = GUEST_BASE + (ptr & 0x7000);
	*s1 = (struct iommu_s1){ .vendor = flags & 0x80 ? IOMMU_VENDOR_SMMUV3 : IOMMU_VENDOR_VTD,
				 .vtd = { .fsptptr = gpa(ptr),
					  .levels = (u8)(3 + (flags & 3)),
					  .sre = flags & 4,
					  .wpe = flags & 8,
					  .eafe = flags & 16,
					  .vdid = (u16)rd(r, 2) } };
}

/* ---- the guest ABI: a VM with one vdev behind the unit ------------------------------------ */

#define SHB FZ_SHB /* shared RAM: the guest's tables (walked via the view) */
#define VSID 0x18
#define GUEST_VDID 0x100 /* or-ed into every guest vDID: Moat's are below VTD_MAX_DIDS */

static struct fz_vm V;

static void abi_up(void)
{
	fz_vm_up(&V, &F, VSID, 0x8086, 0x1234);
	vtd_model_add_ram(M, (u64)(uintptr_t)V.ram, FZ_VM_PRIV + FZ_VM_SHARED);
}

/* A fuzzed description at SHB: any type and bytes; the VT-d pointer mostly in guest RAM. */
static void abi_s1(struct reader *r)
{
	struct moat_s1_desc *s = fz_vga(&V, SHB);
	u8 sel = (u8)rd(r, 1);

	for (unsigned i = 0; i < 4; i++)
		s->raw[i] = rd(r, 8);
	s->size = sizeof(*s);
	s->type = sel & 3;
	if (sel & 4)
		s->vtd.flptptr = (sel & 8 ? SHB : VM_RAM_BASE) + (s->vtd.flptptr & 0xff000);
	s->vtd.vdid |= GUEST_VDID;
	if (sel & 16) { /* mostly well-formed otherwise */
		s->vtd.flags &= MOAT_S1_VTD_FLAGS;
		s->vtd.pasid = 0;
		s->vtd.flpm &= 1;
		s->vtd.reserved[0] = s->vtd.reserved[1] = 0;
	}
}

static const u32 abi_ops[] = { MOAT_INV_VTD_PIOTLB_PASID, MOAT_INV_VTD_PIOTLB_ADDR,
			       MOAT_INV_VTD_PASID_CACHE,  MOAT_INV_VTD_DEVTLB,
			       MOAT_INV_SMMU_TLBI_ALL,	  MOAT_INV_AMD_IOMMU_PAGES };

static unsigned abi_inv(struct reader *r, u32 vdid)
{
	struct moat_inv *e = fz_vga(&V, SHB + 0x100);
	unsigned n = 1 + (unsigned)rd(r, 1) % 4;

	for (unsigned i = 0; i < n; i++) {
		u8 sel = (u8)rd(r, 1);

		memset(&e[i], 0, sizeof(e[i]));
		e[i].size = sizeof(e[i]);
		e[i].op = sel & 0x80 ? (u32)rd(r, 1) : abi_ops[sel % 6];
		e[i].vtd.vdid = (u16)(sel & 0x40 ? vdid : rd(r, 2) | GUEST_VDID);
		e[i].vtd.vdev = sel & 0x20 ? vdev_at(V.vm, 0)->handle : (u32)rd(r, 1);
		e[i].vtd.am = (u8)(rd(r, 1) & 0x3f);
		e[i].vtd.flags = (u8)(rd(r, 1) & 1);
		e[i].vtd.addr = rd(r, 8) & ~0xfffULL;
		e[i].vtd.pasid = sel & 0x10 ? (u32)rd(r, 3) : 0;
	}
	return n;
}

/* Descriptors with a DID (IOTLB, PIOTLB, PASID cache): Moat's DIDs, RID_PASID only. */
static void abi_check_descriptors(void)
{
	unsigned first = M->nlog > VTDM_LOG ? M->nlog - VTDM_LOG : 0;

	for (unsigned i = first; i < M->nlog; i++) {
		u64 w0 = M->log[i % VTDM_LOG].w[0];
		unsigned type = (unsigned)(w0 & 0xf);

		if ((type == 2 || type == 6 || type == 7) &&
		    FIELD_GET(GENMASK(31, 16), w0) >= VTD_MAX_DIDS)
			__builtin_trap(); /* a guest's vDID reached the unit */
		if ((type == 6 || type == 7) && FIELD_GET(GENMASK(51, 32), w0))
			__builtin_trap(); /* a PASID the device is not attached at */
	}
	if (M->iqe || M->width_aborts || M->sw_if_aborts)
		__builtin_trap();
}

static void abi_round(struct reader *r, struct reader *mem)
{
	struct vdev *d;
	unsigned n;
	u32 w = 0;

	if (!V.up)
		abi_up();
	d = vdev_at(V.vm, 0);
	M->nlog = 0;
	fz_vm_fill(&V, mem);
	abi_s1(r);
	if (fz_hc(&V, MOAT_HC_VIOMMU_SET_S1, d->handle, SHB, MOAT_S1_DESC_SIZE, NULL) == MOAT_OK &&
	    (!d->s1_set || !vm_gpa_to_host(V.vm, d->s1.vtd.fsptptr, PAGE_SIZE, VM_MEM_ANY)))
		__builtin_trap(); /* a first-stage root outside the VM accepted */
	n = abi_inv(r, d->s1_set ? d->s1.vtd.vdid : GUEST_VDID);
	if (n)
		(void)fz_hc(&V, MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x100, n, 0, NULL);
	for (unsigned i = rd(r, 1) & 3; i; i--)
		(void)vtd_model_dma(M, VSID, rd(r, 8), &w, 4, true);
	if (d->s1_set && fz_hc(&V, MOAT_HC_VIOMMU_CLEAR_S1, d->handle, 0, 0, NULL) != MOAT_OK)
		__builtin_trap();
	abi_check_descriptors();
	fz_vm_faults(&V, &F, VSID);
}

#define CTL_BYTES 192 /* requests first (for both rounds), then the guest's memory */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, MIN(size, CTL_BYTES) }, mem = { data + r.n, size - r.n };
	struct reader abi = { data, r.n }; /* the same control bytes, read the ABI's way */
	struct iommu_domain nd;
	struct iommu_s1 s1;
	u16 did = 0;
	u32 pasid;

	if (!M)
		fuzz_up();
	M->nlog = 0;
	fz_unit_guest_fill(&F, &mem);
	guest_s1(&r, &s1);
	pasid = rd(&r, 1) & 1 ? IOMMU_NO_PASID : (u32)rd(&r, 3);
	if (!iommu_domain_nested_init(&nd, &F.s2, &s1)) {
		did = nd.tags.did;
		if (!iommu_attach(&nd, SID, pasid)) {
			guest_dma(&r);
			guest_invalidate(&nd, &r);
			guest_dma(&r);
			if (iommu_detach(&nd, SID, pasid))
				__builtin_trap();
		}
		if (iommu_domain_fini(&nd))
			__builtin_trap();
	}
	check_descriptors(did);
	abi_round(&abi, &mem);
	return 0;
}
