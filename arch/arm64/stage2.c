// SPDX-License-Identifier: MIT
/*
 * VM stage-2 (Arm ARM D8.2/D8.3) on the shared page-table library, and the VTCR_EL2 and
 * VTTBR_EL2 values that point the CPU at it (D19.2.157, D19.2.158). Private and shared RAM
 * are normal write-back memory, readable, writable and executable; emulated MMIO (vGIC,
 * vPL011) is left unmapped so that every access traps.
 */
#define LOG_COMPONENT "s2"
#include "arch/arm64/stage2.h"

#include "arch/arm64/sysreg.h"
#include "core/frame.h"
#include "core/own_pt.h"
#include "vmm/vdev.h"
#include "vmm/vm_mmio.h"
#include "core/log.h"
#include "lib/pt.h"
#include "lib/bits.h"
#include "lib/err.h"

#define VTCR_IRGN0_WBWA (1ULL << 8)
#define VTCR_ORGN0_WBWA (1ULL << 10)
#define VTCR_SH0_INNER (3ULL << 12)
#define VTCR_SL0_SHIFT 6
#define VTCR_PS_SHIFT 16
#define VTCR_VS BIT(19) /* 16-bit VMID */
#define VTCR_RES1 BIT(31)

/* Stage-2 tables live with the library's state, one slot per VM id. */
static struct {
	struct pt pt;
	struct pt_allocator alloc;
} s2_tables[VM_MAX + 1];

/* ID_AA64MMFR0_EL1.PARange -> bits (D19.2.64). */
static unsigned s2_pa_bits(u64 *parange)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48 };

	*parange = MIN(read_sysreg(id_aa64mmfr0_el1) & 0xf, 5ULL);
	return bits[*parange];
}

/* core/own_pt.h: a stage-2 change is complete for every CPU once the gather is synced. */
static int s2_own_sync(struct own_pt *o)
{
	pt_gather_sync(o->g, o->pt);
	return 0;
}

/* Only RAM the ownership record gives the VM enters its stage-2 (core/own.h), counted. */
static int s2_map(struct pt *pt, const struct vm *vm, const struct vm_ram *r, struct pt_gather *g)
{
	struct own_pt o = { pt, g, s2_own_sync, NULL };

	if (!r->size)
		return 0;
	return own_pt_map(&o, r->base.v, r->hpa, r->size, PT_PROT_R | PT_PROT_W | PT_PROT_X,
			  own_vm(vm->id));
}

int s2_vm_create(struct vm *vm, struct frame_alloc *fa)
{
	struct pt_config cfg = { .fmt = PT_ARM_S2, .ias = S2_IPA_BITS };
	struct pt *pt = &s2_tables[vm->id].pt;
	struct pt_hw_desc d;
	struct pt_gather g;
	u64 parange;
	int err;

	if (vm->id == 0 || vm->id > VM_MAX)
		return -E_RANGE;
	cfg.oas = s2_pa_bits(&parange);
	pt_allocator_frames(&s2_tables[vm->id].alloc, fa);
	cfg.alloc = &s2_tables[vm->id].alloc;
	if ((err = pt_init(pt, &cfg)))
		return err;
	pt_gather_init(&g, NULL); /* not yet reachable by any CPU: nothing to invalidate */
	if ((err = s2_map(pt, vm, &vm->priv, &g)) || (err = s2_map(pt, vm, &vm->shared, &g))) {
		pr_err("%s: stage-2 map: %s", vm->name, err_str(err));
		own_pt_forget(pt); /* never reachable: nothing to invalidate */
		pt_destroy(pt);
		return err;
	}
	pt_gather_sync(&g, pt);
	pt_hw_describe(pt, &d);
	vm->arch.vtcr = VTCR_RES1 | VTCR_VS | parange << VTCR_PS_SHIFT | VTCR_SH0_INNER |
			VTCR_ORGN0_WBWA | VTCR_IRGN0_WBWA | (u64)d.arm_sl0 << VTCR_SL0_SHIFT |
			d.arm_t0sz;
	vm->arch.vttbr = (u64)vm->id << 48 | d.root.v; /* VMID = VM id */
	dsb(ishst);
	return 0;
}

/*
 * Device memory in a VM's stage-2 (assigned BARs: vmm/vdev.c). Callers serialise per VM (the
 * device-assignment operation slot). An unmap is complete for every CPU before it returns:
 * TLBI by IPA then VMALLE1 for the VM's VMID (D8.14: stage-2 changes need the combined
 * stage-1 entries removed too), with VTTBR_EL2 switched to that VM for the duration.
 */
static void s2_flush_vm(struct vm *vm, const struct pt_gather *g)
{
	u64 old = read_sysreg(vttbr_el2);

	if (g->end == g->start)
		return;
	dsb(ishst);
	write_sysreg(vttbr_el2, vm->arch.vttbr);
	isb();
	for (u64 a = g->start; a < g->end && g->end - g->start <= (64ULL << PAGE_SHIFT);
	     a += PAGE_SIZE)
		__asm__ volatile("tlbi ipas2e1is, %0" ::"r"(a >> 12) : "memory");
	dsb(ish);
	__asm__ volatile("tlbi vmalls12e1is\n dsb ish" ::: "memory");
	write_sysreg(vttbr_el2, old);
	isb();
}

static void s2_gather_flush(struct pt_gather *g, struct pt *pt)
{
	for (unsigned i = 1; i <= VM_MAX; i++)
		if (&s2_tables[i].pt == pt)
			s2_flush_vm(vm_get(i - 1), g);
}

int arch_vm_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size)
{
	struct pt_gather gt;
	struct own_pt o = { NULL, &gt, s2_own_sync, NULL };
	int err;

	if (vm->id == 0 || vm->id > VM_MAX)
		return -E_RANGE;
	o.pt = &s2_tables[vm->id].pt;
	pt_gather_init(&gt, s2_gather_flush);
	/* A BAR of the VM's vdev only (core/own.h), counted. */
	err = own_pt_map(&o, g.v, hpa, size, PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE,
			 own_bar(vm->id));
	pt_gather_sync(&gt, o.pt);
	return err;
}

void arch_vm_unmap_mmio(struct vm *vm, gpa_t g, u64 size)
{
	struct pt_gather gt;
	struct own_pt o = { NULL, &gt, s2_own_sync, NULL };

	if (vm->id == 0 || vm->id > VM_MAX)
		return;
	o.pt = &s2_tables[vm->id].pt;
	pt_gather_init(&gt, s2_gather_flush);
	if (own_pt_unmap(&o, g.v, size))
		pr_err("%s: stage-2 unmap of 0x%llx failed", vm->name, (unsigned long long)g.v);
	pt_gather_sync(&gt, o.pt);
}

void arch_vm_raise_spi(struct vm *vm, unsigned intid)
{
	struct vcpu *t = vgic_spi_target(vm, intid);

	if (t)
		vgic_raise(t, intid);
}
