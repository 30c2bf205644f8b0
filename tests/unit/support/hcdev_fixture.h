/* SPDX-License-Identifier: MIT */
/*
 * The fixture of the device-assignment hypercall tests (test_hypercall_dev*.c): two VMs. A
 * owns a vdev whose TDI is the TDISP device model (tests/models/tdisp_dev) behind a fake
 * SMMUv3 unit (fake_smmu.h); B owns nothing, and every attempt on A's device must fail. The
 * per-vendor files give B a device behind a fake unit of one vendor (b_on_unit()). What a
 * guest could reach is read back from the fake arch (CPU stage-2 device mappings) and from
 * the vIOMMU's stage-2 tables. Include after test_util.h (cmocka).
 */
#ifndef HCDEV_FIXTURE_H
#define HCDEV_FIXTURE_H

#include "fake_smmu.h"

#include <arch/cpu.h>

#include "arch/host/vm_host.h"
#include "core/devop.h"
#include "core/own.h"
#include "guest_abi/moat_abi.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "tdisp_dev/tdev.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"

#define PRIV (4ULL << 20)
#define SHARED (2ULL << 20)
#define FN_ID 0x00000100u
#define BDF 0x0100
#define BAR0 0x10000000ull
#define BAR2 0x10100000ull
#define SHB (VM_RAM_BASE + PRIV) /* first shared GPA */

/* the fake SMMUv3 unit of both VMs, and the one of B's per-vendor device */
extern struct fake_smmu fk, fkv;
extern struct pt_host_alloc ha;
/* the device: TDISP model behind a DSM transport, plus its config space */
extern struct tdev dev;
extern struct tsm_pdev pd;
extern struct tdi tdi;
extern u32 cfg[1024];
extern const u8 chain[18], meas[24];
extern u8 last_nonce[MOAT_NONCE_LEN];
extern int nested_status;  /* status of a call made while a device operation was running */
extern unsigned vdm_waits; /* waits on the "mailbox" before each answer, as a DOE would */
extern const struct vdev_backend be;
extern struct vm *vma, *vmb;
extern u8 *rama, *ramb;
extern u64 *bitsa, *bitsb;
extern u64 r[HC_NREGS]; /* the registers of the last call() */
extern u32 h;		/* A's vdev handle */
extern u32 hb;		/* B's vdev handle (b_on_unit) */

int hcdev_group_setup(void **state);
int hcdev_group_teardown(void **state);
int hcdev_setup(void **state);
int hcdev_teardown(void **state);
#define T(f) cmocka_unit_test_setup_teardown(f, hcdev_setup, hcdev_teardown)

/* A hypercall from `vm`'s vCPU 0; its registers after the call are in r[]. */
int64_t call(struct vm *vm, u64 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6);
/* Guest memory: host pointer of a GPA of A or B. */
void *ga(struct vm *vm, u64 g);
u32 be_cfg(const struct vdev *d, u16 off);
const struct vdev_bar *bar(unsigned i);
/* Binds, fetches the report into A's shared RAM and returns its digest. */
void bind_and_report(u8 digest[32]);
/* Binds and accepts A's TDI: it is RUN. */
void to_run(void);
bool dma_maps(struct vm *vm, enum viommu_view view, u64 g);
/* B's vIOMMU again, on a fake unit of `vendor` (fkv), with one vdev (handle hb). */
struct vdev *b_on_unit(enum iommu_vendor vendor);
void info_matches(const struct moat_viommu_info *i, u32 type, u32 formats);
/* VIOMMU_SET_S1 of B's vdev with the description at SHB. */
int64_t set_s1_b(void);
/* One invalidation entry of B at SHB + 0x100, and the call that sends it. */
struct moat_inv *inv_b(unsigned op, u16 vdid, u32 pasid);
int64_t inv_b_call(void);
/* A's SMMUv3 stage-1 description (CD table `cd`, ASID 5) at `g`. */
struct moat_s1_desc *s1_at(u64 g, u64 cd);
/* `n` TLBI_ASID entries of ASID 5 in A's memory at `g`. */
struct moat_inv *inv_at(u64 g, unsigned n);

#endif
