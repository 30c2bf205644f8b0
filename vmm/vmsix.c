// SPDX-License-Identifier: MIT
/* MSI-X virtualization (vmm/vmsix.h). */
#define LOG_COMPONENT "vdev"
#include "vmm/vmsix.h"

#include <string.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/vdev.h"
#include "vmm/vm_mmio.h"

/* Table Offset/BIR and PBA Offset/BIR (7.7.2.3-4): BIR in bits 2:0, offset QWORD aligned. */
static int vmsix_region(u32 dw, u64 len, const u64 bar_size[6], u8 *bir, u32 *off)
{
	u64 end;

	*bir = dw & 7;
	*off = dw & ~7u;
	if (*bir > 5 || !bar_size[*bir] || add_overflow((u64)*off, len, &end) ||
	    end > bar_size[*bir])
		return -E_INVAL;
	return 0;
}

int vmsix_parse(struct vmsix *m, u16 cap, const u32 dw[3], const u64 bar_size[6])
{
	unsigned nvec = ((dw[0] >> 16) & 0x7ff) + 1;
	u8 tbir, pbir;
	u32 toff, poff;

	if ((dw[0] & 0xff) != PCI_CAP_ID_MSIX || cap < 0x40 || cap > 0xf4 || (cap & 3))
		return -E_INVAL;
	if (nvec > VMSIX_MAX_VECTORS)
		return -E_NOTSUP;
	if (vmsix_region(dw[1], (u64)nvec * VMSIX_ENTRY_SIZE, bar_size, &tbir, &toff) ||
	    vmsix_region(dw[2], (nvec + 63) / 64 * 8, bar_size, &pbir, &poff))
		return -E_INVAL;
	if (tbir == pbir && toff < poff + 8 && poff < toff + nvec * VMSIX_ENTRY_SIZE)
		return -E_INVAL; /* table and PBA overlap */
	memset(m, 0, sizeof(*m));
	spin_lock_init(&m->lock);
	*m = (struct vmsix){ .cap = cap,
			     .nvec = (u16)nvec,
			     .table_bir = tbir,
			     .pba_bir = pbir,
			     .table_off = toff,
			     .pba_off = poff };
	for (unsigned i = 0; i < nvec; i++)
		m->e[i].ctrl = VMSIX_VEC_MASKED;
	return 0;
}

void vmsix_reset(struct vmsix *m)
{
	spin_lock(&m->lock);
	m->ctrl = 0;
	memset(m->pending, 0, sizeof(m->pending));
	memset(m->bad, 0, sizeof(m->bad));
	for (unsigned i = 0; i < m->nvec; i++)
		m->e[i] = (struct vmsix_entry){ .ctrl = VMSIX_VEC_MASKED };
	spin_unlock(&m->lock);
}

u32 vmsix_cfg_read(struct vmsix *m, u16 off, u32 phys, u8 next)
{
	if (off != m->cap)
		return phys; /* Table and PBA Offset/BIR: read-only, the device's */
	return (u32)(m->ctrl | (m->nvec - 1)) << 16 | (u32)next << 8 | PCI_CAP_ID_MSIX;
}

int vmsix_target(const struct vmsix *m, unsigned vec, unsigned *intid)
{
	const struct vmsix_entry *e;

	if (vec >= m->nvec)
		return -E_RANGE;
	e = &m->e[vec];
	return arch_vdev_msi_target(e->addr_lo, e->addr_hi, e->data, intid);
}

bool vmsix_bit(const u64 *w, unsigned i)
{
	return w[i / 64] & BIT(i % 64);
}

void vmsix_bit_set(u64 *w, unsigned i, bool on)
{
	if (on)
		w[i / 64] |= BIT(i % 64);
	else
		w[i / 64] &= ~BIT(i % 64);
}

static bool vmsix_masked(const struct vmsix *m, unsigned vec)
{
	return !(m->ctrl & VMSIX_CTRL_ENABLE) || (m->ctrl & VMSIX_CTRL_MASKALL) ||
	       (m->e[vec].ctrl & VMSIX_VEC_MASKED);
}

/* An unmasked vector with a pending message delivers it (6.1.4.5); lock held. */
static void vmsix_deliver(struct vm *vm, struct vmsix *m, unsigned vec)
{
	unsigned intid;
	int err;

	if (vmsix_masked(m, vec)) {
		vmsix_bit_set(m->pending, vec, true);
		return;
	}
	vmsix_bit_set(m->pending, vec, false);
	if ((err = vmsix_target(m, vec, &intid))) {
		if (!vmsix_bit(m->bad, vec))
			pr_info("%s: MSI-X vector %u: address 0x%08x%08x data 0x%x is not a "
				"message of the VM's own (%s): dropped",
				vm->name, vec, m->e[vec].addr_hi, m->e[vec].addr_lo, m->e[vec].data,
				err_str(err));
		vmsix_bit_set(m->bad, vec, true);
		return;
	}
	arch_vm_raise_spi(vm, intid); /* the VM's own IROUTER picks one of its vCPUs */
}

/* What was pending and is now unmasked goes out (Function Mask, Enable or a vector's mask). */
static void vmsix_flush(struct vm *vm, struct vmsix *m)
{
	for (unsigned i = 0; i < m->nvec; i++)
		if (vmsix_bit(m->pending, i) && !vmsix_masked(m, i))
			vmsix_deliver(vm, m, i);
}

void vmsix_cfg_write(struct vm *vm, struct vmsix *m, u16 off, u32 mask, u32 val)
{
	if (off != m->cap || !(mask & 0xffff0000u))
		return;
	spin_lock(&m->lock);
	m->ctrl = (u16)((val >> 16) & (VMSIX_CTRL_ENABLE | VMSIX_CTRL_MASKALL));
	vmsix_flush(vm, m);
	spin_unlock(&m->lock);
}

bool vmsix_claims(const struct vmsix *m, unsigned bir, u64 off, unsigned size)
{
	u64 tend = m->table_off + (u64)m->nvec * VMSIX_ENTRY_SIZE;
	u64 pend = m->pba_off + (m->nvec + 63) / 64 * 8;

	if (!m->nvec || !size)
		return false;
	return (bir == m->table_bir && off >= m->table_off && off < tend) ||
	       (bir == m->pba_bir && off >= m->pba_off && off < pend);
}

static void vmsix_entry_write(struct vm *vm, struct vmsix *m, unsigned vec, unsigned dw, u32 v)
{
	struct vmsix_entry *e = &m->e[vec];

	switch (dw) {
	case 0: e->addr_lo = v & ~3u; break;
	case 1: e->addr_hi = v; break;
	case 2: e->data = v; break;
	default: e->ctrl = v & VMSIX_VEC_MASKED; break;
	}
	vmsix_bit_set(m->bad, vec, false); /* a new entry is judged again */
	if (dw == 3 && vmsix_bit(m->pending, vec))
		vmsix_deliver(vm, m, vec);
}

static u32 vmsix_entry_read(const struct vmsix *m, unsigned vec, unsigned dw)
{
	const struct vmsix_entry *e = &m->e[vec];
	const u32 w[4] = { e->addr_lo, e->addr_hi, e->data, e->ctrl };

	return w[dw];
}

/* One dword of the table or the PBA (lock held). */
static void vmsix_dword(struct vm *vm, struct vmsix *m, unsigned bir, u64 off, bool write, u32 *v)
{
	if (bir == m->table_bir && off >= m->table_off &&
	    off - m->table_off < (u64)m->nvec * VMSIX_ENTRY_SIZE) {
		unsigned vec = (unsigned)((off - m->table_off) / VMSIX_ENTRY_SIZE);
		unsigned dw = (unsigned)((off - m->table_off) % VMSIX_ENTRY_SIZE) / 4;

		if (write)
			vmsix_entry_write(vm, m, vec, dw, *v);
		else
			*v = vmsix_entry_read(m, vec, dw);
	} else if (!write) { /* the PBA: read-only (7.7.2.5), writes are dropped */
		unsigned word = (unsigned)(off - m->pba_off) / 4;
		*v = word < 2 * VMSIX_WORDS ? (u32)(m->pending[word / 2] >> (32 * (word % 2))) : 0;
	}
}

bool vmsix_table_access(struct vm *vm, struct vmsix *m, unsigned bir, u64 off, bool write,
			unsigned size, u64 *val)
{
	u32 lo = (u32)*val, hi = (u32)(*val >> 32);

	/* 6.1.4.2: DWORD or aligned QWORD accesses only. */
	if ((size != 4 && size != 8) || (off & (size - 1)) || !vmsix_claims(m, bir, off, size))
		return false;
	spin_lock(&m->lock);
	vmsix_dword(vm, m, bir, off, write, &lo);
	if (size == 8)
		vmsix_dword(vm, m, bir, off + 4, write, &hi);
	spin_unlock(&m->lock);
	if (!write)
		*val = size == 8 ? (u64)hi << 32 | lo : lo;
	return true;
}

int vmsix_fire(struct vm *vm, struct vmsix *m, unsigned vec)
{
	if (vec >= m->nvec)
		return -E_RANGE;
	spin_lock(&m->lock);
	vmsix_deliver(vm, m, vec);
	spin_unlock(&m->lock);
	return 0;
}

bool vmsix_live(const struct vmsix *m, unsigned vec)
{
	unsigned intid;

	return vec < m->nvec && !vmsix_masked(m, vec) && !vmsix_target(m, vec, &intid);
}

void vmsix_pvec_fire(void *ctx)
{
	struct vmsix_pvec *p = ctx;

	if (vmsix_fire(p->m->vm, p->m, p->vec))
		pr_err("MSI-X: message for vector %u outside the table", p->vec);
}
