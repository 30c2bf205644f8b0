// SPDX-License-Identifier: MIT
/*
 * Everything a guest controls on an SMMUv3 nested domain, from one fuzz input: the contents of
 * its memory (CDs, stage-1 tables), its stage-1 description, the addresses its device touches
 * and its invalidation requests. Runs the real driver behind the IOMMU core over the SMMUv3
 * model. Properties: nothing crashes; the driver never sends a command the SMMU refuses; every
 * stage-1 TLB invalidation carries the nesting parent's VMID; fault records name the device.
 *
 * Then the same through the guest ABI (1.3): a VM whose vdev sits behind the unit gives a
 * fuzzed struct moat_s1_desc of any type (the VT-d and AMD-Vi forms among them) and fuzzed
 * struct moat_inv entries of any operation to the hypercalls. Properties: only the SMMUv3
 * form is ever accepted, with its CD in the VM's RAM; an entry of another vendor's operation
 * is never executed; every stage-1 TLBI carries one of the VM's views' VMIDs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu.h"
#include "iommu/smmuv3/smmu_iommu.h"
#include "iommu/smmuv3/smmuv3_regs.h"
#include "lib/bits.h"
#include "guest_abi/moat_abi.h"

/* The model is test support, not part of the fuzzed library: built into the harness. */
#include "pt/ref_walk.c"
#include "smmuv3/smmuv3_model.c"
#include "fuzz_unit.h"

#define RAM_SIZE (4ULL << 20)
#define GUEST_BASE FZ_GUEST_BASE
#define RID 0x10

static struct fz_unit F;
static struct smmu_model *M;

static void fuzz_up(void)
{
	struct smmu_model_cfg cfg = smmu_model_default_cfg();
	struct pa_range r = fz_unit_ram(&F, RAM_SIZE, true);

	M = smmu_model_create(0x09050000ULL, &cfg);
	smmu_model_add_ram(M, r.base.v, RAM_SIZE);
	fz_unit_probe(&F, IOMMU_KIND_SMMUV3, iommu_driver_find(IOMMU_KIND_SMMUV3), 0x09050000ULL,
		      0x20000, 40);
	fz_unit_guest(&F);
}

static void check_commands(void)
{
	for (unsigned i = 0; i < M->nlog; i++) {
		unsigned op = M->log[i].w0 & 0xff;
		if (op >= CMD_TLBI_NH_ALL && op <= CMD_TLBI_NH_VAA &&
		    FIELD_GET(CMD0_VMID, M->log[i].w0) != F.s2.tags.vmid)
			__builtin_trap();
	}
	if (smmu_unit_of(F.u)->dev.cmd_errors)
		__builtin_trap();
}

static void guest_dma(struct reader *r)
{
	u32 w = 0;

	for (unsigned i = rd(r, 1) & 7; i; i--)
		(void)smmu_model_dma(M, RID, rd(r, 8), &w, 4, rd(r, 1) & 1);
	fz_unit_faults(&F, RID);
}

static void guest_invalidate(struct reader *r)
{
	struct iommu_inv inv[4];
	unsigned n = rd(r, 1) % 5, done;

	memset(inv, 0, sizeof(inv));
	for (unsigned i = 0; i < n; i++) {
		inv[i].kind = (enum iommu_inv_kind)(rd(r, 1) & 3) + 1;
		inv[i].smmu = (struct iommu_inv_smmu){ .op = (enum iommu_inv_smmu_op)rd(r, 1),
						       .asid = (u16)rd(r, 2),
						       .addr = rd(r, 8),
						       .leaf = rd(r, 1) & 1,
						       .tg = (u8)rd(r, 1),
						       .ttl = (u8)rd(r, 1),
						       .num = (u8)rd(r, 1),
						       .scale = (u8)rd(r, 1) };
		if (inv[i].kind == IOMMU_INV_ATC)
			inv[i].atc = fz_read_atc(r);
	}
	(void)iommu_invalidate(&F.s2, inv, n, &done);
}

/* ---- the guest ABI: a VM with one vdev behind the unit ------------------------------------ */

#define SHB FZ_SHB
#define VRID 0x18

static struct fz_vm V;

static void abi_up(void)
{
	fz_vm_up(&V, &F, VRID, 0x1b36, 0x1234);
	smmu_model_add_ram(M, (u64)(uintptr_t)V.ram, FZ_VM_PRIV + FZ_VM_SHARED);
}

/* A fuzzed description of any type; the SMMUv3 CD pointer mostly in guest RAM. */
static void abi_s1(struct reader *r)
{
	struct moat_s1_desc *s = fz_vga(&V, SHB);
	u8 sel = (u8)rd(r, 1);

	for (unsigned i = 0; i < 4; i++)
		s->raw[i] = sel & 16 ? 0 : rd(r, 8);
	s->size = sizeof(*s);
	s->type = sel & 3;
	if (sel & 4)
		s->smmu.cd_table = (sel & 8 ? SHB : VM_RAM_BASE) + (rd(r, 4) & 0xfffc0);
}

static unsigned abi_inv(struct reader *r)
{
	struct moat_inv *e = fz_vga(&V, SHB + 0x100);
	unsigned n = 1 + (unsigned)rd(r, 1) % 4;

	for (unsigned i = 0; i < n; i++) {
		u8 sel = (u8)rd(r, 1);

		memset(&e[i], 0, sizeof(e[i]));
		e[i].size = sizeof(e[i]);
		e[i].op = sel & 0x80 ? (u32)rd(r, 1) : 1 + sel % 5;
		e[i].vdev = sel & 0x40 ? vdev_at(V.vm, 0)->handle : 0;
		e[i].asid = (u16)rd(r, 2);
		e[i].leaf = sel & 0x20 ? 1 : 0;
		e[i].addr = sel & 0x10 ? rd(r, 8) : (rd(r, 2) << 12);
	}
	return n;
}

static bool abi_vmid(u64 vmid)
{
	struct viommu *v = viommu_of(V.vm);

	return vmid == v->u[0].view[0].tags.vmid || vmid == v->u[0].view[1].tags.vmid;
}

static void abi_check(unsigned from)
{
	for (unsigned i = from; i < M->nlog; i++) {
		unsigned op = M->log[i].w0 & 0xff;
		if (op >= CMD_TLBI_NH_ALL && op <= CMD_TLBI_NH_VAA &&
		    !abi_vmid(FIELD_GET(CMD0_VMID, M->log[i].w0)))
			__builtin_trap();
	}
	if (smmu_unit_of(F.u)->dev.cmd_errors)
		__builtin_trap();
}

static void abi_round(struct reader *r, struct reader *mem)
{
	unsigned n, from = M->nlog;
	struct moat_inv *e;
	struct vdev *d;
	u64 done;
	u32 w = 0;

	if (!V.up)
		abi_up();
	d = vdev_at(V.vm, 0);
	e = fz_vga(&V, SHB + 0x100);
	fz_vm_fill(&V, mem);
	abi_s1(r);
	if (fz_hc(&V, MOAT_HC_VIOMMU_SET_S1, d->handle, SHB, MOAT_S1_DESC_SIZE, &done) == MOAT_OK &&
	    (((struct moat_s1_desc *)fz_vga(&V, SHB))->type != MOAT_IOMMU_SMMUV3 || !d->s1_set ||
	     !vm_gpa_to_host(V.vm, d->s1.smmu.s1ctxptr, 64, VM_MEM_ANY)))
		__builtin_trap(); /* another vendor's form, or a CD outside the VM, accepted */
	n = abi_inv(r);
	if (fz_hc(&V, MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x100, n, 0, &done) == MOAT_OK)
		done = n;
	for (unsigned i = 0; i < done && i < n; i++)
		if (e[i].op < MOAT_INV_SMMU_TLBI_ALL || e[i].op > MOAT_INV_SMMU_CFGI_CD)
			__builtin_trap(); /* another vendor's operation executed */
	for (unsigned i = rd(r, 1) & 3; i; i--)
		(void)smmu_model_dma(M, VRID, rd(r, 8), &w, 4, true);
	if (d->s1_set && fz_hc(&V, MOAT_HC_VIOMMU_CLEAR_S1, d->handle, 0, 0, &done) != MOAT_OK)
		__builtin_trap();
	abi_check(from);
	fz_vm_faults(&V, &F, VRID);
}

#define CTL_BYTES 192 /* requests first (for both rounds), then the guest's memory */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, MIN(size, CTL_BYTES) }, mem = { data + r.n, size - r.n }, abi;
	struct iommu_domain nd;
	struct iommu_s1 s1 = { .vendor = IOMMU_VENDOR_SMMUV3 };
	u64 ptr;

	if (!M)
		fuzz_up();
	M->nlog = 0;
	fz_unit_guest_fill(&F, &mem);
	/* Half the time the CD pointer lands in guest memory, so that CDs get parsed. */
	ptr = rd(&r, 8);
	if (ptr & 1)
		ptr = GUEST_BASE + (ptr & 0x7fc0);
	s1.smmu = (struct iommu_s1_smmu){ .s1ctxptr = gpa(ptr),
					  .s1fmt = (enum iommu_smmu_s1fmt)rd(&r, 1),
					  .s1cdmax = (u8)rd(&r, 1),
					  .s1dss = (u8)rd(&r, 1) };
	if (!iommu_domain_nested_init(&nd, &F.s2, &s1)) {
		if (!iommu_attach(&nd, RID, IOMMU_NO_PASID)) {
			guest_dma(&r);
			guest_invalidate(&r);
			guest_dma(&r);
			if (iommu_detach(&nd, RID, IOMMU_NO_PASID))
				__builtin_trap();
		}
		if (iommu_domain_fini(&nd))
			__builtin_trap();
	}
	check_commands();
	abi = (struct reader){ data, MIN(size, CTL_BYTES) }; /* the same bytes, the ABI's way */
	abi_round(&abi, &mem);
	return 0;
}
