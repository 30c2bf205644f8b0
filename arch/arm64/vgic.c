// SPDX-License-Identifier: MIT
/*
 * Virtual GICv3 (Arm IHI 0069): the distributor and one redistributor per vCPU are emulated
 * on stage-2 faults; the CPU interface is the hardware's virtual one (ICV_* registers backed
 * by ICH_* list registers). Interrupts: the virtual timer PPI (hardware-linked) and SPIs
 * 32..63 for virtual devices. Registers not listed read as zero and ignore writes, as the
 * architecture allows for unimplemented features; out-of-range accesses abort the guest.
 */
#include "arch/arm64/gic.h"

#include <string.h>

#include "arch/arm64/sysreg.h"
#include "arch/arm64/vcpu.h"
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

#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_SGI 0x10000

/* ICH_LR<n>_EL2 (12.4.8): state 63:62, HW 61, group 60, priority 55:48, pINTID 44:32 */
#define LR_PENDING (1ULL << 62)
#define LR_STATE (3ULL << 62)
#define LR_HW BIT(61)
#define LR_GROUP1 BIT(60)
#define LR_PRIO_SHIFT 48
#define LR_PINTID_SHIFT 32
#define LR_EOI BIT(41)
#define ICH_HCR_UIE BIT(1)

static u64 lr_read(unsigned i)
{
	switch (i) {
	case 0: return read_sysreg(S3_4_C12_C12_0);
	case 1: return read_sysreg(S3_4_C12_C12_1);
	case 2: return read_sysreg(S3_4_C12_C12_2);
	default: return read_sysreg(S3_4_C12_C12_3);
	}
}

static void lr_write(unsigned i, u64 v)
{
	switch (i) {
	case 0: write_sysreg(S3_4_C12_C12_0, v); break;
	case 1: write_sysreg(S3_4_C12_C12_1, v); break;
	case 2: write_sysreg(S3_4_C12_C12_2, v); break;
	default: write_sysreg(S3_4_C12_C12_3, v); break;
	}
}

static unsigned lr_count(void)
{
	unsigned n = (unsigned)(read_sysreg(S3_4_C12_C11_1) & 0x1f) + 1; /* ICH_VTR_EL2.ListRegs */

	return MIN(n, 4u);
}

bool vgic_has_pending(void)
{
	for (unsigned i = 0; i < lr_count(); i++)
		if ((lr_read(i) & LR_STATE) == LR_PENDING)
			return true;
	return false;
}

static bool vgic_enabled(struct vcpu *v, unsigned intid)
{
	struct arch_vm *a = &v->vm->arch;

	if (!(a->gicd_ctlr & GICD_CTLR_GRP1))
		return false;
	if (intid < 32)
		return v->arch.ppi_enabled & BIT(intid);
	intid -= 32;
	return intid < VGIC_NR_SPIS && (a->spi_enabled[intid / 32] & BIT(intid % 32));
}

static u8 vgic_prio(struct vcpu *v, unsigned intid)
{
	return intid < 32 ? v->arch.prio[intid] : v->vm->arch.spi_prio[intid - 32];
}

/* Puts intid in a free list register; false when all are busy. */
static bool vgic_lr_add(struct vcpu *v, unsigned intid, unsigned pintid)
{
	unsigned n = lr_count(), free = n;
	u64 lr;

	for (unsigned i = 0; i < n; i++) {
		lr = lr_read(i);
		if ((lr & LR_STATE) && (lr & 0xffffffff) == intid)
			return true; /* already queued: interrupts do not count */
		if (!(lr & LR_STATE) && free == n)
			free = i;
	}
	if (free == n) {
		/* Ask for a maintenance interrupt when the list registers drain (12.4.6, UIE). */
		write_sysreg(S3_4_C12_C11_0, read_sysreg(S3_4_C12_C11_0) | ICH_HCR_UIE);
		return false;
	}
	lr = LR_PENDING | LR_GROUP1 | (u64)vgic_prio(v, intid) << LR_PRIO_SHIFT | intid;
	if (pintid)
		lr |= LR_HW | (u64)pintid << LR_PINTID_SHIFT;
	else if (intid == VGIC_INTID_UART)
		lr |= LR_EOI; /* level-sensitive: look at the line again once the guest is done */
	lr_write(free, lr);
	isb();
	return true;
}

void vgic_inject(struct vcpu *v, unsigned intid, unsigned pintid)
{
	/* Until it is enabled and queued, a hardware interrupt stays active so it cannot refire. */
	if (!vgic_enabled(v, intid) || !vgic_lr_add(v, intid, pintid))
		v->arch.held_hw |= BIT(intid);
}

void vgic_flush(struct vcpu *v)
{
	u64 pend = __atomic_load_n(&v->arch.pending, __ATOMIC_ACQUIRE);
	u32 held = v->arch.held_hw;

	for (unsigned i = 0; held && i < 32; i++) {
		if ((held & BIT(i)) && vgic_enabled(v, i) && vgic_lr_add(v, i, i))
			v->arch.held_hw &= ~BIT(i);
	}
	for (unsigned i = 0; pend && i < VGIC_NR_IRQS; i++) {
		if (!(pend & BIT(i)) || !vgic_enabled(v, i))
			continue; /* stays pending until the guest enables it */
		if (!vgic_lr_add(v, i, 0))
			break;
		__atomic_fetch_and(&v->arch.pending, ~BIT(i), __ATOMIC_ACQ_REL);
	}
}

void vgic_raise(struct vcpu *t, unsigned intid)
{
	if (intid >= VGIC_NR_IRQS)
		return;
	__atomic_fetch_or(&t->arch.pending, BIT(intid), __ATOMIC_ACQ_REL);
	if (t == vcpu_this())
		vgic_flush(t);
	else
		gic_send_sgi(t->arch.host_mpidr, GIC_INTID_KICK);
}

/* Another vCPU's interrupt state may have changed (enables): let every vCPU re-check. */
static void vgic_kick_others(struct vcpu *v)
{
	for (unsigned i = 0; i < v->vm->nvcpus; i++)
		if (&v->vm->vcpu[i] != v && v->vm->vcpu[i].power == VCPU_ON)
			gic_send_sgi(v->vm->vcpu[i].arch.host_mpidr, GIC_INTID_KICK);
}

struct vcpu *vgic_spi_target(struct vm *vm, unsigned intid)
{
	u64 route = vm->arch.spi_route[intid - 32];

	/* IRM (bit 31) or an affinity naming no vCPU: vCPU 0 takes it. */
	if ((route & BIT(31)) || (route & 0xff00ffff00ULL) || (route & 0xff) >= vm->nvcpus)
		return &vm->vcpu[0];
	return &vm->vcpu[route & 0xff];
}

void vgic_maintenance(struct vcpu *v)
{
	u64 eisr = read_sysreg(S3_4_C12_C11_3); /* ICH_EISR_EL2 */

	for (unsigned i = 0; i < lr_count(); i++) {
		if (!(eisr & BIT(i)))
			continue;
		unsigned intid = lr_read(i) & 0xffffffff;
		lr_write(i, 0);
		if (intid == VGIC_INTID_UART && vuart_line(v->vm))
			vgic_raise(vgic_spi_target(v->vm, intid), intid);
	}
	write_sysreg(S3_4_C12_C11_0, read_sysreg(S3_4_C12_C11_0) & ~ICH_HCR_UIE);
	isb();
	vgic_flush(v);
}

/* ICC_SGI1R_EL1 written by the guest (trapped with HCR_EL2.IMO, GICv3 12.11.24). */
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
	/* Aff3.Aff2.Aff1 must be 0 and RS 0: vCPUs are Aff0 0..nvcpus-1. */
	if (val & (0xffULL << 48 | 0xffULL << 32 | 0xfULL << 44 | 0xffULL << 16))
		return;
	for (unsigned i = 0; i < vm->nvcpus && i < 16; i++)
		if (val & BIT(i))
			vgic_raise(&vm->vcpu[i], intid);
}

void vgic_vm_init(struct vm *vm)
{
	memset(vm->arch.spi_prio, 0xa0, sizeof(vm->arch.spi_prio));
	for (unsigned i = 0; i < vm->nvcpus; i++)
		memset(vm->vcpu[i].arch.prio, 0xa0, sizeof(vm->vcpu[i].arch.prio));
}

void vgic_vm_reset(struct vm *vm)
{
	struct arch_vm *a = &vm->arch;

	a->gicd_ctlr = 0;
	memset(a->spi_enabled, 0, sizeof(a->spi_enabled));
	memset(a->spi_route, 0, sizeof(a->spi_route));
	a->uart_ris = a->uart_imsc = 0;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct arch_vcpu *c = &vm->vcpu[i].arch;
		c->pending = 0;
		c->ppi_enabled = 0;
		c->waker = 0;
	}
	vgic_vm_init(vm);
}

void vgic_cpu_reset(struct vcpu *v)
{
	for (unsigned i = 0; i < lr_count(); i++) {
		u64 lr = lr_read(i);
		if ((lr & LR_HW) && (lr & LR_STATE))
			write_sysreg(S3_0_C12_C11_1,
				     (lr >> LR_PINTID_SHIFT) & 0x1fff); /* ICC_DIR */
		lr_write(i, 0);
	}
	for (unsigned i = 0; i < 32; i++)
		if (v->arch.held_hw & BIT(i))
			write_sysreg(S3_0_C12_C11_1, i);
	v->arch.held_hw = 0;
	isb();
}

bool vgic_is_mmio(const struct vm *vm, u64 ipa)
{
	return (ipa >= VM_GICD_BASE && ipa < VM_GICD_BASE + VM_GICD_SIZE) ||
	       (ipa >= VM_GICR_BASE && ipa < VM_GICR_BASE + vm->nvcpus * VM_GICR_STRIDE);
}

/* Byte-array registers (priorities): any access size, little endian. */
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

static bool vgicd_access(struct vcpu *v, u64 off, bool write, unsigned size, u64 *val)
{
	struct arch_vm *a = &v->vm->arch;
	u64 spi_reg = (off & 0x7f) / 4; /* ISENABLER<n>: n=1 covers SPIs 32..63 */

	if (off == GICD_CTLR) {
		if (write)
			a->gicd_ctlr = (u32)(*val & GICD_CTLR_GRP1) | GICD_CTLR_ARE;
		else
			*val = a->gicd_ctlr | GICD_CTLR_ARE;
	} else if (off == GICD_TYPER && !write) {
		*val = (9u << 19) | (VGIC_NR_IRQS / 32 - 1); /* IDbits: 10, ITLinesNumber */
	} else if (off >= GICD_IGROUPR && off < GICD_IGROUPR + 0x80) {
		*val = write ? *val : 0xffffffff; /* group 1 only: RAO/WI */
	} else if ((off & ~0x7fULL) == GICD_ISENABLER || (off & ~0x7fULL) == GICD_ICENABLER) {
		bool set = (off & ~0x7fULL) == GICD_ISENABLER;
		u32 *en = spi_reg == 1 ? &a->spi_enabled[0] : NULL;
		if (!write)
			*val = en ? *en : 0;
		else if (en && set)
			__atomic_fetch_or(en, (u32)*val, __ATOMIC_ACQ_REL);
		else if (en)
			__atomic_fetch_and(en, ~(u32)*val, __ATOMIC_ACQ_REL);
	} else if (off >= GICD_IPRIORITYR + 32 && off < GICD_IPRIORITYR + VGIC_NR_IRQS) {
		vgic_bytes(a->spi_prio, VGIC_NR_SPIS, off - GICD_IPRIORITYR - 32, write, size, val);
	} else if (off >= GICD_IROUTER + 8 * 32 && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		u64 *r = &a->spi_route[(off - GICD_IROUTER) / 8 - 32];
		unsigned sh = (off & 4) ? 32 : 0; /* a 32-bit access to either half */
		u64 mask = size == 8 ? ~0ULL : 0xffffffffULL << sh;
		if (write)
			*r = ((*r & ~mask) | ((*val << sh) & mask)) & 0xff80ffffffULL;
		else
			*val = size == 8 ? *r : (u32)(*r >> sh);
	} else if (off == GIC_PIDR2 && !write) {
		*val = GIC_PIDR2_V3;
	} else if (!write) {
		*val = 0;
	}
	return true;
}

static bool vgicr_sgi_access(struct vcpu *t, u64 off, bool write, unsigned size, u64 *val)
{
	if (off == 0x0080) {
		*val = write ? *val : 0xffffffff;
	} else if (off == 0x0100 || off == 0x0180) {
		if (!write)
			*val = t->arch.ppi_enabled;
		else if (off == 0x0100)
			__atomic_fetch_or(&t->arch.ppi_enabled, (u32)*val, __ATOMIC_ACQ_REL);
		else
			__atomic_fetch_and(&t->arch.ppi_enabled, ~(u32)*val, __ATOMIC_ACQ_REL);
	} else if (off >= 0x0400 && off < 0x0420) {
		vgic_bytes(t->arch.prio, 32, off - 0x0400, write, size, val);
	} else if (!write) {
		*val = 0;
	}
	return true;
}

static bool vgicr_access(struct vcpu *v, u64 off, bool write, unsigned size, u64 *val)
{
	struct vcpu *t = &v->vm->vcpu[off / VM_GICR_STRIDE];

	off %= VM_GICR_STRIDE;
	if (off >= GICR_SGI)
		return vgicr_sgi_access(t, off - GICR_SGI, write, size, val);
	if (write) {
		if (off == GICR_WAKER)
			t->arch.waker = (u32)*val & BIT(1);
		return true;
	}
	if (off == GICR_TYPER || off == GICR_TYPER + 4) {
		u64 typer = (t->arch.vmpidr & 0xffffff) << 32 | (u64)t->id << 8 |
			    (t->id == v->vm->nvcpus - 1 ? BIT(4) : 0);
		*val = off == GICR_TYPER ? typer : typer >> 32;
		if (size == 4 && off == GICR_TYPER)
			*val &= 0xffffffff;
	} else if (off == GICR_WAKER) {
		*val = t->arch.waker | (t->arch.waker ? BIT(2) : 0);
	} else {
		*val = off == GIC_PIDR2 ? GIC_PIDR2_V3 : 0;
	}
	return true;
}

bool vgic_mmio(struct vcpu *v, u64 ipa, bool write, unsigned size, u64 *val)
{
	bool ok;

	if (size != 4 && size != 8 && !(size == 1 && (ipa & 0xfc00) == GICD_IPRIORITYR))
		return false;
	if (ipa >= VM_GICD_BASE && ipa < VM_GICD_BASE + VM_GICD_SIZE)
		ok = vgicd_access(v, ipa - VM_GICD_BASE, write, size, val);
	else
		ok = vgicr_access(v, ipa - VM_GICR_BASE, write, size, val);
	if (ok && write) {
		vgic_flush(v);
		vgic_kick_others(v);
	}
	return ok;
}
