// SPDX-License-Identifier: MIT
/*
 * Virtual GICv3 distributor and redistributors (Arm IHI 0069: GICD 12.9, GICR 12.10), for a
 * VM whose CPU interface is the hardware's virtual one. Implemented: GICD_CTLR, TYPER,
 * IGROUPR (group 1 only: RAO/WI), ISENABLER/ICENABLER, IPRIORITYR and IROUTER for SPIs
 * 32..63; GICR_TYPER, WAKER and in the SGI frame IGROUPR0, ISENABLER0/ICENABLER0,
 * IPRIORITYR; PIDR2 everywhere. Other registers in range read as zero and ignore writes, as
 * for features not implemented. Guest accesses of any size and value are safe here.
 */
#include "vmm/vdev.h"
#include "vmm/vm_mmio.h"

#include <string.h>

#include "lib/bits.h"

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GIC_PIDR2 0xffe8
#define GIC_PIDR2_V3 0x3b /* ArchRev 3 (bits 7:4) */
#define GICD_CTLR_ARE BIT(4)
#define GICD_CTLR_GRP1 BIT(1)
#define GICD_IROUTER_MASK 0xff80ffffffULL /* Aff3, IRM, Aff2.Aff1.Aff0 */

#define GICR_TYPER 0x0008
#define GICR_TYPER_LAST BIT(4)
#define GICR_WAKER 0x0014
#define GICR_WAKER_SLEEP BIT(1)
#define GICR_WAKER_ASLEEP BIT(2)
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_IPRIORITYR 0x0400

bool vgic_irq_enabled(const struct vcpu *v, unsigned intid)
{
	if (!(v->vm->vgic.ctlr & GICD_CTLR_GRP1) || intid >= VGIC_NR_IRQS)
		return false;
	if (intid < 32)
		return v->vgic.enabled & BIT(intid);
	return v->vm->vgic.spi_enabled & BIT(intid - 32);
}

u8 vgic_irq_prio(const struct vcpu *v, unsigned intid)
{
	if (intid >= VGIC_NR_IRQS)
		return 0xff;
	return intid < 32 ? v->vgic.prio[intid] : v->vm->vgic.spi_prio[intid - 32];
}

struct vcpu *vgic_spi_target(struct vm *vm, unsigned intid)
{
	u64 route = intid >= 32 && intid < VGIC_NR_IRQS ? vm->vgic.spi_route[intid - 32] : 0;

	/* IRM (bit 31), or an affinity naming no vCPU: vCPU 0 takes it. */
	if ((route & BIT(31)) || (route & 0xff00ffff00ULL) || (route & 0xff) >= vm->nvcpus)
		return &vm->vcpu[0];
	return &vm->vcpu[route & 0xff];
}

void vgic_raise(struct vcpu *t, unsigned intid)
{
	if (intid >= VGIC_NR_IRQS)
		return;
	__atomic_fetch_or(&t->vgic.pending, BIT(intid), __ATOMIC_ACQ_REL);
	arch_vcpu_kick(t);
}

void vgic_sgi(struct vcpu *v, u64 val)
{
	unsigned intid = (val >> 24) & 0xf;
	struct vm *vm = v->vm;

	if (val & BIT(40)) { /* IRM: every vCPU but the sender */
		for (unsigned i = 0; i < vm->nvcpus; i++)
			if (&vm->vcpu[i] != v)
				vgic_raise(&vm->vcpu[i], intid);
		return;
	}
	/* vCPUs are Aff0 0..nvcpus-1: Aff3.Aff2.Aff1 and RS must be 0 to name any. */
	if (val & (0xffULL << 48 | 0xfULL << 44 | 0xffULL << 32 | 0xffULL << 16))
		return;
	for (unsigned i = 0; i < vm->nvcpus && i < 16; i++)
		if (val & BIT(i))
			vgic_raise(&vm->vcpu[i], intid);
}

void vm_mmio_reset(struct vm *vm)
{
	memset(&vm->vgic, 0, sizeof(vm->vgic));
	memset(&vm->uart, 0, sizeof(vm->uart));
	for (unsigned i = 0; i < vm->nvcpus; i++)
		memset(&vm->vcpu[i].vgic, 0, sizeof(vm->vcpu[i].vgic));
}

/* Byte-array registers (priorities): any access size, little endian, bounded by n. */
static void vgic_bytes(u8 *arr, unsigned n, u64 off, bool write, unsigned size, u64 *val)
{
	if (!write)
		*val = 0;
	for (unsigned i = 0; i < size && off + i < n; i++) {
		if (write)
			arr[off + i] = (u8)(*val >> (8 * i));
		else
			*val |= (u64)arr[off + i] << (8 * i);
	}
}

/* Set/clear-enable register pairs: a write of 1 bits sets or clears, reads give the state. */
static void vgic_enable_reg(u32 *en, bool set, bool write, u64 *val)
{
	if (!write)
		*val = __atomic_load_n(en, __ATOMIC_ACQUIRE);
	else if (set)
		__atomic_fetch_or(en, (u32)*val, __ATOMIC_ACQ_REL);
	else
		__atomic_fetch_and(en, ~(u32)*val, __ATOMIC_ACQ_REL);
}

static void vgicd_irouter(struct vgic_dist *d, u64 off, bool write, unsigned size, u64 *val)
{
	u64 *r = &d->spi_route[(off - GICD_IROUTER) / 8 - 32];
	unsigned sh = (off & 4) ? 32 : 0; /* a 32-bit access to either half */
	u64 mask = size == 8 ? ~0ULL : 0xffffffffULL << sh;

	if (write)
		*r = ((*r & ~mask) | ((*val << sh) & mask)) & GICD_IROUTER_MASK;
	else
		*val = size == 8 ? *r : (u32)(*r >> sh);
}

static void vgicd_access(struct vcpu *v, u64 off, bool write, unsigned size, u64 *val)
{
	struct vgic_dist *d = &v->vm->vgic;
	u64 reg = off & ~0x7fULL;

	if (off == GICD_CTLR) {
		if (write)
			d->ctlr = (u32)(*val & GICD_CTLR_GRP1);
		else
			*val = d->ctlr | GICD_CTLR_ARE;
	} else if (off == GICD_TYPER && !write) {
		*val = (9u << 19) | (VGIC_NR_IRQS / 32 - 1); /* IDbits: 10, ITLinesNumber */
	} else if (reg == GICD_IGROUPR) {
		*val = write ? *val : 0xffffffff;
	} else if (reg == GICD_ISENABLER || reg == GICD_ICENABLER) {
		/* Register 0 (SGIs, PPIs) is in the redistributors with ARE: RAZ/WI here. */
		if ((off & 0x7f) == 4)
			vgic_enable_reg(&d->spi_enabled, reg == GICD_ISENABLER, write, val);
		else if (!write)
			*val = 0;
	} else if (off >= GICD_IPRIORITYR + 32 && off < GICD_IPRIORITYR + VGIC_NR_IRQS) {
		vgic_bytes(d->spi_prio, VGIC_NR_SPIS, off - GICD_IPRIORITYR - 32, write, size, val);
	} else if (off >= GICD_IROUTER + 8 * 32 && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		vgicd_irouter(d, off, write, size, val);
	} else if (!write) {
		*val = off == GIC_PIDR2 ? GIC_PIDR2_V3 : 0;
	}
}

static void vgicr_sgi_access(struct vcpu *t, u64 off, bool write, unsigned size, u64 *val)
{
	if (off == GICR_IGROUPR0) {
		*val = write ? *val : 0xffffffff;
	} else if (off == GICR_ISENABLER0 || off == GICR_ICENABLER0) {
		vgic_enable_reg(&t->vgic.enabled, off == GICR_ISENABLER0, write, val);
	} else if (off >= GICR_IPRIORITYR && off < GICR_IPRIORITYR + 32) {
		vgic_bytes(t->vgic.prio, 32, off - GICR_IPRIORITYR, write, size, val);
	} else if (!write) {
		*val = 0;
	}
}

static void vgicr_access(struct vcpu *v, u64 off, bool write, unsigned size, u64 *val)
{
	struct vcpu *t = &v->vm->vcpu[off / VM_GICR_STRIDE]; /* bounded by vm_mmio_is_emulated */
	u64 typer;

	off %= VM_GICR_STRIDE;
	if (off >= GICR_SGI)
		return vgicr_sgi_access(t, off - GICR_SGI, write, size, val);
	if (write) {
		if (off == GICR_WAKER)
			t->vgic.waker = (u32)*val & GICR_WAKER_SLEEP;
		return;
	}
	/* TYPER (12.10.35): affinity = the vCPU's MPIDR, processor number, Last. */
	typer = (u64)t->id << 32 | (u64)t->id << 8 |
		(t->id == v->vm->nvcpus - 1 ? GICR_TYPER_LAST : 0);
	if (off == GICR_TYPER)
		*val = size == 8 ? typer : (u32)typer;
	else if (off == GICR_TYPER + 4)
		*val = typer >> 32;
	else if (off == GICR_WAKER)
		*val = t->vgic.waker | (t->vgic.waker ? GICR_WAKER_ASLEEP : 0);
	else
		*val = off == GIC_PIDR2 ? GIC_PIDR2_V3 : 0;
}

static bool in(u64 ipa, u64 base, u64 size)
{
	return ipa >= base && ipa - base < size;
}

bool vm_mmio_is_emulated(const struct vm *vm, u64 ipa)
{
	return in(ipa, VM_GICD_BASE, VM_GICD_SIZE) ||
	       in(ipa, VM_GICR_BASE, vm->nvcpus * VM_GICR_STRIDE) ||
	       in(ipa, VM_UART_BASE, VM_UART_SIZE);
}

/* Every vCPU looks at its interrupts again (an enable, priority or route changed). */
static void vgic_kick_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (vm->vcpu[i].power == VCPU_ON)
			arch_vcpu_kick(&vm->vcpu[i]);
}

bool vm_mmio_access(struct vcpu *v, u64 ipa, bool write, unsigned size, u64 *val)
{
	bool gicd = in(ipa, VM_GICD_BASE, VM_GICD_SIZE);

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (in(ipa, VM_UART_BASE, VM_UART_SIZE))
		return size == 4 && vuart_access(v, ipa - VM_UART_BASE, write, val);
	if (vdev_ecam_mmio(v->vm, ipa, write, size, val)) /* assigned devices' config space */
		return true;
	if (!gicd && !in(ipa, VM_GICR_BASE, v->vm->nvcpus * VM_GICR_STRIDE))
		return false;
	/* GIC registers: naturally aligned 32/64-bit, bytes only for priorities (12.1.3). */
	if (ipa & (size - 1) || size == 2 || (size == 1 && (ipa & 0xfc00) != 0x0400))
		return false;
	if (gicd)
		vgicd_access(v, ipa - VM_GICD_BASE, write, size, val);
	else
		vgicr_access(v, ipa - VM_GICR_BASE, write, size, val);
	if (write)
		vgic_kick_all(v->vm);
	return true;
}
