// SPDX-License-Identifier: MIT
/*
 * SMMUv3 bring-up, command queue, event queue and global errors (SMMUv3 chapters 3.5, 4, 6,
 * 7). The command queue is polled; the event queue and global errors are drained by the
 * caller, from the SMMU's wired interrupts when the platform describes them (smmu_iommu.c)
 * or by polling.
 */
#define LOG_COMPONENT "smmu"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>
#include <string.h>

#include "core/frame.h"
#include "core/irq.h"
#include "core/log.h"
#include "iommu/smmuv3/smmu_internal.h"
#include "lib/err.h"

/*
 * The spec gives no completion time for CR0ACK, GBPA.Update or CMD_SYNC; a second is orders
 * of magnitude beyond any implementation's latency, so expiry means the SMMU is broken.
 */
#define SMMU_POLL_TIMEOUT_NS 1000000000ULL

/*
 * Event queue: 4096 records (128 KiB). A device's faulting DMA burst is written before the
 * CPU can drain anything (QEMU writes one record per failing 4-byte access, so a 4 KiB
 * transfer is 1024 records), and the queue must hold a few such bursts.
 */
#define SMMU_EVTQ_LOG2 12

u32 smmu_read32(struct smmu_dev *s, u32 off)
{
	return mmio_read32(s->regs + off);
}

void smmu_write32(struct smmu_dev *s, u32 off, u32 v)
{
	mmio_write32(s->regs + off, v);
}

static void smmu_write64(struct smmu_dev *s, u32 off, u64 v)
{
	mmio_write64(s->regs + off, v);
}

/* Polls `off` until (value & mask) == want, for at most s->poll_timeout_ns. */
static int smmu_poll(struct smmu_dev *s, u32 off, u32 mask, u32 want)
{
	u64 start = arch_time_ns();

	for (;;) {
		if ((smmu_read32(s, off) & mask) == want)
			return 0;
		if (arch_time_ns() - start > s->poll_timeout_ns)
			return trace_err(-E_TIMEOUT);
		cpu_relax();
	}
}

/* 6.3.9: every CR0 change is acknowledged through CR0ACK. */
static int smmu_cr0_set(struct smmu_dev *s, u32 val)
{
	int err;

	smmu_write32(s, SMMU_CR0, val);
	err = smmu_poll(s, SMMU_CR0ACK, ~0u, val);
	if (err)
		pr_err("CR0ACK did not follow CR0=0x%x (ack 0x%x)", val,
		       smmu_read32(s, SMMU_CR0ACK));
	return err;
}

/* 6.3.14: GBPA is changed by writing it with Update set and waiting for Update to clear. */
static int smmu_gbpa_abort(struct smmu_dev *s)
{
	int err;

	smmu_write32(s, SMMU_GBPA, GBPA_ABORT | GBPA_UPDATE);
	err = smmu_poll(s, SMMU_GBPA, GBPA_UPDATE, 0);
	if (err)
		pr_err("GBPA update did not complete");
	return err;
}

/* ---- queues ------------------------------------------------------------------------------- */

static u32 q_idx(const struct smmu_queue *q, u32 p)
{
	return p & ((1u << q->log2) - 1);
}

static u32 q_wrap(const struct smmu_queue *q, u32 p)
{
	return p & (1u << q->log2);
}

static u32 q_ptr(const struct smmu_queue *q, u32 p)
{
	return p & ((2u << q->log2) - 1);
}

static u32 q_inc(const struct smmu_queue *q, u32 p)
{
	return q_ptr(q, p + 1);
}

/* Entries in use between cons and prod, wrap-aware. */
static u32 q_used(const struct smmu_queue *q, u32 prod, u32 cons)
{
	if (q_wrap(q, prod) == q_wrap(q, cons))
		return q_idx(q, prod) - q_idx(q, cons);
	return (1u << q->log2) - q_idx(q, cons) + q_idx(q, prod);
}

static int smmu_queue_alloc(struct smmu_dev *s, struct smmu_queue *q, unsigned log2, unsigned entry,
			    u32 prod_reg, u32 cons_reg)
{
	u64 bytes = (u64)entry << log2, frames = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	int err = frame_alloc_run(s->frames, frames, MAX(bytes, PAGE_SIZE), &q->pa);

	if (err)
		return err;
	q->base = phys_to_virt(q->pa);
	memset(q->base, 0, frames << PAGE_SHIFT);
	q->log2 = log2;
	q->entry = entry;
	q->prod = q->cons = 0;
	q->prod_reg = prod_reg;
	q->cons_reg = cons_reg;
	return 0;
}

static void smmu_queue_free(struct smmu_dev *s, struct smmu_queue *q)
{
	u64 frames = (((u64)q->entry << q->log2) + PAGE_SIZE - 1) >> PAGE_SHIFT;

	if (q->base && frame_free_run(s->frames, q->pa, frames))
		pr_warn("queue frames at 0x%llx were not allocated", (unsigned long long)q->pa.v);
	q->base = NULL;
}

static u64 smmu_queue_base_reg(const struct smmu_queue *q)
{
	return Q_BASE_RWA | (q->pa.v & Q_BASE_ADDR) | FIELD_PREP(Q_BASE_LOG2SIZE, q->log2);
}

/*
 * 6.3.18 GERRORN: errors are acknowledged by making its bits equal GERROR's. The command path
 * (any CPU) and the event/GERROR interrupt handler (its CPU) each own some bits; the
 * read-modify-write of the shared register is serialised so neither undoes the other.
 */
static void smmu_gerrorn_update(struct smmu_dev *s, u32 mask, u32 bits)
{
	spin_lock(&s->gerrorn_lock);
	smmu_write32(s, SMMU_GERRORN, (smmu_read32(s, SMMU_GERRORN) & ~mask) | (bits & mask));
	spin_unlock(&s->gerrorn_lock);
}

/* ---- command queue (3.5, 4) ---------------------------------------------------------------- */

static void smmu_cmd_write(struct smmu_dev *s, const u64 cmd[2])
{
	struct smmu_queue *q = &s->cmdq;
	u64 *slot = (u64 *)(q->base + (u64)q_idx(q, q->prod) * q->entry);

	slot[0] = cmd[0];
	slot[1] = cmd[1];
	q->prod = q_inc(q, q->prod);
}

static void smmu_cmd_publish(struct smmu_dev *s)
{
	/* mmio_write32 orders the queue stores before the PROD update (dmb oshst). */
	smmu_write32(s, s->cmdq.prod_reg, s->cmdq.prod);
}

/*
 * 7.1: the command at CONS was refused. It is overwritten with a CMD_SYNC, which has no effect
 * of its own, and the error is acknowledged; the SMMU then resumes at CONS.
 */
static void smmu_cmdq_recover(struct smmu_dev *s, u32 gerror)
{
	struct smmu_queue *q = &s->cmdq;
	u32 cons = smmu_read32(s, q->cons_reg);
	u64 *slot = (u64 *)(q->base + (u64)q_idx(q, cons) * q->entry);
	unsigned code = (unsigned)FIELD_GET(CMDQ_CONS_ERR, cons);

	s->cmd_errors++;
	pr_err("command refused (CERROR %u) at %u: 0x%016llx 0x%016llx", code, q_idx(q, cons),
	       (unsigned long long)slot[0], (unsigned long long)slot[1]);
	if (code != CERROR_ATC_INV_SYNC) {
		slot[0] = FIELD_PREP(CMD0_OP, CMD_SYNC);
		slot[1] = 0;
	}
	smmu_gerrorn_update(s, GERROR_CMDQ_ERR, gerror & GERROR_CMDQ_ERR);
}

static bool smmu_cmdq_error(struct smmu_dev *s)
{
	u32 g = smmu_read32(s, SMMU_GERROR), n = smmu_read32(s, SMMU_GERRORN);

	if (!((g ^ n) & GERROR_CMDQ_ERR))
		return false;
	smmu_cmdq_recover(s, g);
	return true;
}

/* Waits for `need` free slots (one stays empty so that full and empty differ). */
static int smmu_cmdq_space(struct smmu_dev *s, u32 need, bool *refused)
{
	struct smmu_queue *q = &s->cmdq;
	u64 start = arch_time_ns();
	bool published = false;

	for (;;) {
		q->cons = q_ptr(q, smmu_read32(s, q->cons_reg));
		if ((1u << q->log2) - q_used(q, q->prod, q->cons) >= need)
			return 0;
		/* The queue only drains what it has been shown: publish what is written. */
		if (!published) {
			smmu_cmd_publish(s);
			published = true;
		}
		if (smmu_cmdq_error(s))
			*refused = true;
		if (arch_time_ns() - start > s->poll_timeout_ns) {
			pr_err("command queue full: prod 0x%x cons 0x%x", q->prod, q->cons);
			return trace_err(-E_TIMEOUT);
		}
		cpu_relax();
	}
}

/* The sync at `sync` has been consumed once CONS lies in (sync, prod]. */
static bool smmu_cmdq_passed(const struct smmu_queue *q, u32 sync, u32 cons)
{
	return q_used(q, cons, sync) >= 1 && q_used(q, cons, sync) <= q_used(q, q->prod, sync);
}

static int smmu_cmdq_wait(struct smmu_dev *s, u32 sync, bool *refused)
{
	struct smmu_queue *q = &s->cmdq;
	u64 start = arch_time_ns();

	for (;;) {
		q->cons = q_ptr(q, smmu_read32(s, q->cons_reg));
		if (smmu_cmdq_passed(q, sync, q->cons))
			return 0;
		if (smmu_cmdq_error(s)) {
			*refused = true;
			continue;
		}
		if (arch_time_ns() - start > s->poll_timeout_ns) {
			pr_err("CMD_SYNC timed out: prod 0x%x cons 0x%x gerror 0x%x", q->prod,
			       q->cons, smmu_read32(s, SMMU_GERROR));
			return trace_err(-E_TIMEOUT);
		}
		cpu_relax();
	}
}

int smmu_cmd_issue(struct smmu_dev *s, const u64 (*cmds)[2], unsigned n)
{
	const u64 sync[2] = { FIELD_PREP(CMD0_OP, CMD_SYNC), 0 };
	bool refused = false;
	u32 sync_at;
	int err;

	for (unsigned i = 0; i < n; i++) {
		err = smmu_cmdq_space(s, 2, &refused);
		if (err)
			return err;
		smmu_cmd_write(s, cmds[i]);
	}
	err = smmu_cmdq_space(s, 2, &refused);
	if (err)
		return err;
	sync_at = s->cmdq.prod;
	smmu_cmd_write(s, sync);
	smmu_cmd_publish(s);
	err = smmu_cmdq_wait(s, sync_at, &refused);
	if (!err && refused)
		err = trace_err(-E_IO);
	return err;
}

int smmu_cmd_sync(struct smmu_dev *s)
{
	return smmu_cmd_issue(s, NULL, 0);
}

/* ---- event queue (7.2-7.4) and global errors (6.3.17) ------------------------------------ */

static void smmu_evt_decode(const u64 *r, struct smmu_event *e)
{
	e->type = (u8)FIELD_GET(EVT0_TYPE, r[0]);
	e->sid = (u32)FIELD_GET(EVT0_SID, r[0]);
	e->ssv = r[0] & EVT0_SSV;
	e->ssid = (u32)FIELD_GET(EVT0_SSID, r[0]);
	e->s2 = r[1] & EVT1_S2;
	e->cls = (u8)FIELD_GET(EVT1_CLASS, r[1]);
	e->read = r[1] & EVT1_RNW;
	e->addr = r[2];
	e->ipa = r[3] & EVT3_IPA;
}

static void smmu_evtq_overflow(struct smmu_dev *s, u32 prod)
{
	struct smmu_queue *q = &s->evtq;

	if (!((prod ^ q->cons) & EVTQ_PROD_OVFLG))
		return;
	/* 7.4: records were lost; acknowledge by copying OVFLG into CONS.OVACKFLG. */
	s->events_lost++;
	if (!(s->events_lost & (s->events_lost - 1))) /* 1, 2, 4, ...: no flood */
		pr_warn("event queue overflowed: the SMMU dropped events (%llu time(s))",
			(unsigned long long)s->events_lost);
	q->cons = (q->cons & ~EVTQ_CONS_OVACKFLG) | (prod & EVTQ_PROD_OVFLG);
}

int smmu_evtq_drain(struct smmu_dev *s, unsigned max)
{
	struct smmu_queue *q = &s->evtq;
	u32 prod = smmu_read32(s, q->prod_reg);
	int n = 0;

	smmu_evtq_overflow(s, prod);
	while (q_ptr(q, q->cons) != q_ptr(q, prod) && n < (int)max) {
		const u64 *rec = (const u64 *)(q->base + (u64)q_idx(q, q->cons) * q->entry);
		struct smmu_event e;

		smmu_evt_decode(rec, &e);
		s->events++;
		if (s->sink)
			s->sink(s, &e);
		q->cons = (q->cons & EVTQ_CONS_OVACKFLG) | q_inc(q, q->cons);
		n++;
	}
	smmu_write32(s, q->cons_reg, q->cons);
	return n;
}

int smmu_evtq_poll(struct smmu_dev *s)
{
	/* At most one queue's worth per call, so a babbling device cannot hold the CPU. */
	int n = smmu_evtq_drain(s, 1u << s->evtq.log2);

	return smmu_gerror_handle(s) ? -E_IO : n;
}

/*
 * 6.3.17 EVENTQ_ABT_ERR: an event record could not be written. The spec means an external
 * abort on the queue memory; QEMU also raises it when the queue is full instead of setting
 * PROD.OVFLG (qemu-10.0-platform.md 3.2). Either way the records are gone: the queue has
 * been drained by the caller, so count it, say so once in a while, acknowledge and go on.
 */
static void smmu_evtq_aborted(struct smmu_dev *s)
{
	s->evtq_aborts++;
	s->events_lost++;
	if (!(s->evtq_aborts & (s->evtq_aborts - 1)))
		pr_warn("event queue full or unwritable: the SMMU dropped events (%llu time(s); "
			"queue drained, going on)",
			(unsigned long long)s->evtq_aborts);
}

int smmu_gerror_handle(struct smmu_dev *s)
{
	u32 g = smmu_read32(s, SMMU_GERROR), n = smmu_read32(s, SMMU_GERRORN);
	u32 active = (g ^ n) & GERROR_MASK & ~GERROR_CMDQ_ERR;

	if (!active)
		return 0;
	if (active & GERROR_EVTQ_ABT_ERR)
		smmu_evtq_aborted(s);
	if (active & ~(GERROR_EVTQ_ABT_ERR | GERROR_SFM_ERR))
		pr_err("global error 0x%x", active);
	/* Acknowledge by toggling GERRORN to match; CMDQ_ERR is left to the command path. */
	smmu_gerrorn_update(s, active, ~n);
	if (active & GERROR_SFM_ERR) {
		pr_err("service failure mode: the SMMU stopped translating");
		return trace_err(-E_IO);
	}
	return 0;
}

/* ---- initialisation ------------------------------------------------------------------------ */

static int smmu_probe_idr(struct smmu_dev *s)
{
	s->idr0 = smmu_read32(s, SMMU_IDR0);
	s->idr1 = smmu_read32(s, SMMU_IDR1);
	s->idr3 = smmu_read32(s, SMMU_IDR3);
	s->idr5 = smmu_read32(s, SMMU_IDR5);
	s->s1p = s->idr0 & IDR0_S1P;
	s->s2p = s->idr0 & IDR0_S2P;
	s->ats = s->idr0 & IDR0_ATS;
	s->cd2l = s->idr0 & IDR0_CD2L;
	s->ril = s->idr3 & BIT(10);
	s->sid_bits = (unsigned)FIELD_GET(IDR1_SIDSIZE, s->idr1);
	s->ssid_bits = (unsigned)FIELD_GET(IDR1_SSIDSIZE, s->idr1);
	s->oas_enc = MIN((unsigned)FIELD_GET(IDR5_OAS, s->idr5), 5u); /* tables are 48-bit */
	s->asid_bits = (s->idr0 & IDR0_ASID16) ? 16 : 8;
	s->vmid_bits = (s->idr0 & IDR0_VMID16) ? 16 : 8;
	if (FIELD_GET(IDR0_TTF, s->idr0) != IDR0_TTF_AA64 && FIELD_GET(IDR0_TTF, s->idr0) != 3) {
		pr_err("no AArch64 translation tables (IDR0 0x%x)", s->idr0);
		return -E_NOTSUP;
	}
	if (!s->s2p || !(s->idr5 & IDR5_GRAN4K)) {
		pr_err("stage 2 with 4 KiB granule required (IDR0 0x%x IDR5 0x%x)", s->idr0,
		       s->idr5);
		return -E_NOTSUP;
	}
	if (!(s->idr0 & IDR0_COHACC) || FIELD_GET(IDR0_TTENDIAN, s->idr0) == IDR0_TTENDIAN_BE) {
		/* Non-coherent table walks would need cache maintenance on every table store. */
		pr_err("non-coherent or big-endian-only SMMU is not supported (IDR0 0x%x)",
		       s->idr0);
		return -E_NOTSUP;
	}
	/*
	 * Issue 13 item 9: a stalled transaction waits for CMD_RESUME, which Moat never sends
	 * for a guest, and PCIe requesters cannot be held. Where stalls are optional the nested
	 * STEs veto them (S1STALLD); an SMMU that can only stall is refused.
	 */
	s->stall_optional = FIELD_GET(IDR0_STALL_MODEL, s->idr0) == IDR0_STALL_OPTIONAL;
	if (FIELD_GET(IDR0_STALL_MODEL, s->idr0) == IDR0_STALL_FORCED) {
		pr_err("stall-only SMMU (IDR0.STALL_MODEL 0b10) is not supported: faulting DMA "
		       "would be held, not terminated (IDR0 0x%x)",
		       s->idr0);
		return -E_NOTSUP;
	}
	if (s->idr1 & (IDR1_TABLES_PRESET | IDR1_QUEUES_PRESET)) {
		pr_err("preset tables or queues are not supported (IDR1 0x%x)", s->idr1);
		return -E_NOTSUP;
	}
	return 0;
}

static int smmu_queues_init(struct smmu_dev *s, const struct smmu_opts *o)
{
	unsigned cl =
		MIN((unsigned)FIELD_GET(IDR1_CMDQS, s->idr1), o->cmdq_log2 ? o->cmdq_log2 : 8);
	unsigned el = MIN((unsigned)FIELD_GET(IDR1_EVENTQS, s->idr1),
			  o->evtq_log2 ? o->evtq_log2 : SMMU_EVTQ_LOG2);
	int err;

	if (cl < 1) {
		pr_err("command queue too small (CMDQS %u)", cl);
		return -E_NOTSUP;
	}
	err = smmu_queue_alloc(s, &s->cmdq, cl, CMD_DWORDS * 8, SMMU_CMDQ_PROD, SMMU_CMDQ_CONS);
	if (err)
		return err;
	err = smmu_queue_alloc(s, &s->evtq, el, EVT_DWORDS * 8, SMMU_EVENTQ_PROD, SMMU_EVENTQ_CONS);
	if (err)
		return err;
	smmu_write64(s, SMMU_CMDQ_BASE, smmu_queue_base_reg(&s->cmdq));
	smmu_write32(s, SMMU_CMDQ_PROD, 0);
	smmu_write32(s, SMMU_CMDQ_CONS, 0);
	smmu_write64(s, SMMU_EVENTQ_BASE, smmu_queue_base_reg(&s->evtq));
	smmu_write32(s, SMMU_EVENTQ_PROD, 0);
	smmu_write32(s, SMMU_EVENTQ_CONS, 0);
	return 0;
}

/* Invalidates everything the SMMU may have cached from before (3.21: after reset). */
static int smmu_caches_flush(struct smmu_dev *s)
{
	u64 cmds[2][2] = {
		{ FIELD_PREP(CMD0_OP, CMD_CFGI_STE_RANGE), FIELD_PREP(CMD1_RANGE, 31) },
		{ FIELD_PREP(CMD0_OP, CMD_TLBI_NSNH_ALL), 0 },
	};

	return smmu_cmd_issue(s, cmds, 2);
}

static int smmu_enable(struct smmu_dev *s)
{
	int err;

	smmu_write32(s, SMMU_CR1,
		     FIELD_PREP(CR1_TABLE_SH, CR1_SH_ISH) | FIELD_PREP(CR1_TABLE_OC, CR1_CACHE_WB) |
			     FIELD_PREP(CR1_TABLE_IC, CR1_CACHE_WB) |
			     FIELD_PREP(CR1_QUEUE_SH, CR1_SH_ISH) |
			     FIELD_PREP(CR1_QUEUE_OC, CR1_CACHE_WB) |
			     FIELD_PREP(CR1_QUEUE_IC, CR1_CACHE_WB));
	/* Record C_BAD_STREAMID; PTM: no broadcast TLB maintenance reaches the SMMU. */
	smmu_write32(s, SMMU_CR2, CR2_RECINVSID | CR2_PTM);
	smmu_write32(s, SMMU_IRQ_CTRL, 0);
	err = smmu_cr0_set(s, CR0_CMDQEN);
	if (!err)
		err = smmu_caches_flush(s);
	if (!err)
		err = smmu_cr0_set(s, CR0_CMDQEN | CR0_EVENTQEN);
	if (!err)
		err = smmu_cr0_set(s, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
	return err;
}

static int smmu_disable(struct smmu_dev *s)
{
	/* Abort first: with SMMUEN clear, GBPA decides what incoming traffic does. */
	int err = smmu_gbpa_abort(s);

	if (err)
		return err;
	return smmu_cr0_set(s, 0);
}

int smmu_init(struct smmu_dev *s, paddr_t base, struct frame_alloc *fa, const struct smmu_opts *o)
{
	static const struct smmu_opts none;
	int err;

	memset(s, 0, sizeof(*s));
	o = o ? o : &none;
	s->phys = base;
	s->frames = fa;
	s->poll_timeout_ns = SMMU_POLL_TIMEOUT_NS;
	s->regs = arch_map_device(base, SMMU_MMIO_SIZE);
	if (!s->regs)
		return -E_NOMEM;
	err = smmu_probe_idr(s);
	if (!err)
		err = smmu_disable(s);
	if (!err)
		err = smmu_strtab_init(s, o);
	if (!err)
		err = smmu_queues_init(s, o);
	if (!err)
		err = smmu_enable(s);
	if (err)
		smmu_fini(s);
	return err;
}

int smmu_irq_ctrl(struct smmu_dev *s, bool evtq, bool gerror)
{
	u32 v = (evtq ? IRQ_CTRL_EVENTQ_IRQEN : 0) | (gerror ? IRQ_CTRL_GERROR_IRQEN : 0);
	int err;

	smmu_write32(s, SMMU_IRQ_CTRL, v);
	err = smmu_poll(s, SMMU_IRQ_CTRLACK, ~0u, v);
	if (err)
		pr_err("IRQ_CTRLACK did not follow IRQ_CTRL=0x%x (ack 0x%x)", v,
		       smmu_read32(s, SMMU_IRQ_CTRLACK));
	return err;
}

void smmu_irqs_release(struct smmu_dev *s)
{
	if (!s->irq_evtq && !s->irq_gerror)
		return;
	if (smmu_irq_ctrl(s, false, false))
		pr_err("SMMU at 0x%llx: interrupts left enabled", (unsigned long long)s->phys.v);
	if (s->irq_evtq)
		arch_irq_release(s->irq_evtq);
	if (s->irq_gerror && s->irq_gerror != s->irq_evtq)
		arch_irq_release(s->irq_gerror);
	s->irq_evtq = s->irq_gerror = 0;
}

void smmu_fini(struct smmu_dev *s)
{
	if (s->regs)
		smmu_irqs_release(s);
	if (s->regs && smmu_disable(s))
		pr_err("SMMU at 0x%llx did not disable", (unsigned long long)s->phys.v);
	smmu_queue_free(s, &s->cmdq);
	smmu_queue_free(s, &s->evtq);
	smmu_strtab_free(s);
}
