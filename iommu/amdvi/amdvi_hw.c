// SPDX-License-Identifier: MIT
/*
 * AMD-Vi bring-up, the command buffer and the event log (48882 "MMIO Registers",
 * "Commands", "Event Log"). Every wait on the hardware is bounded; 64-bit registers are
 * written with one 8-byte access.
 */
#define LOG_COMPONENT "amdvi"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>
#include <string.h>

#include "core/frame.h"
#include "core/log.h"
#include "iommu/amdvi/amdvi.h"
#include "iommu/amdvi/amdvi_regs.h"
#include "lib/err.h"

/*
 * 48882 gives no completion time for the run bits or a completion wait; a second is orders
 * of magnitude beyond any implementation, so expiry means the unit is broken.
 */
#define AMDVI_POLL_TIMEOUT_NS 1000000000ULL
#define AMDVI_BUF_LEN_256 8 /* 2^8 entries of 16 bytes: one page */

static u64 amdvi_read64(struct amdvi_dev *v, u32 off)
{
	return mmio_read64(v->regs + off);
}

static void amdvi_write64(struct amdvi_dev *v, u32 off, u64 val)
{
	mmio_write64(v->regs + off, val);
}

/* Waits until the status bits `mask` read `want`. */
static int amdvi_status_wait(struct amdvi_dev *v, u64 mask, u64 want)
{
	u64 start = arch_time_ns();

	while ((amdvi_read64(v, AMDVI_STATUS) & mask) != want) {
		if (arch_time_ns() - start > v->poll_timeout_ns) {
			pr_err("status 0x%llx did not reach 0x%llx (mask 0x%llx)",
			       (unsigned long long)amdvi_read64(v, AMDVI_STATUS),
			       (unsigned long long)want, (unsigned long long)mask);
			return trace_err(-E_TIMEOUT);
		}
		cpu_relax();
	}
	return 0;
}

static void amdvi_ctl(struct amdvi_dev *v, u64 set, u64 clear)
{
	v->ctl = (v->ctl | set) & ~clear;
	amdvi_write64(v, AMDVI_CONTROL, v->ctl);
}

/* ---- commands --------------------------------------------------------------------------------- */

struct amdvi_cmd amdvi_cmd_completion_wait(u64 store_pa, u64 data)
{
	return (struct amdvi_cmd){
		{ FIELD_PREP(CMD_OP, CMD_COMPLETION_WAIT) | (store_pa & CW_ADDR) | CW_S, data }
	};
}

struct amdvi_cmd amdvi_cmd_inv_dte(u16 devid)
{
	return (struct amdvi_cmd){ { FIELD_PREP(CMD_OP, CMD_INV_DEVTAB_ENTRY) |
				     FIELD_PREP(CMD_DEVID, devid) } };
}

struct amdvi_cmd amdvi_cmd_inv_intr(u16 devid)
{
	return (struct amdvi_cmd){ { FIELD_PREP(CMD_OP, CMD_INV_INTR_TABLE) |
				     FIELD_PREP(CMD_DEVID, devid) } };
}

/* S = 1: the range is the naturally aligned power of two that covers it, encoded by setting
 * the address bits below its size's top bit (the lowest clear bit names the size). */
u64 amdvi_range_addr(u64 addr, u64 size, bool *s)
{
	u64 span = PAGE_SIZE;

	*s = true;
	if (!size)
		return INV_ALL_ADDR;
	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	while (span < (1ULL << 62) && ALIGN_DOWN(addr, span) + span < addr + size)
		span <<= 1;
	if (span >= (1ULL << 62))
		return INV_ALL_ADDR;
	*s = span > PAGE_SIZE;
	addr = ALIGN_DOWN(addr, span);
	return *s ? (addr | ((span >> 1) - 1)) & ~0xfffULL : addr;
}

struct amdvi_cmd amdvi_cmd_inv_pages(u16 did, u32 pasid, bool gn, u64 addr, u64 size)
{
	bool s;
	u64 a = amdvi_range_addr(addr, size, &s);

	return (struct amdvi_cmd){ { FIELD_PREP(CMD_OP, CMD_INV_IOMMU_PAGES) |
					     FIELD_PREP(IP_DOMID, did) |
					     (gn ? FIELD_PREP(IP_PASID, pasid) : 0),
				     a | (s ? IP_S : 0) | IP_PDE | (gn ? IP_GN : 0) } };
}

struct amdvi_cmd amdvi_cmd_inv_iotlb(u16 devid, u32 pasid, bool gn, u64 addr, u64 size)
{
	bool s;
	u64 a = amdvi_range_addr(addr, size, &s);
	u64 w0 = FIELD_PREP(CMD_OP, CMD_INV_IOTLB_PAGES) | FIELD_PREP(CMD_DEVID, devid) |
		 FIELD_PREP(IT_QUEUEID, devid);

	if (gn)
		w0 |= FIELD_PREP(IT_PASID_HI, (pasid >> 8) & 0xff) |
		      FIELD_PREP(IT_PASID_LO, pasid & 0xff);
	return (struct amdvi_cmd){ { w0, a | (s ? IP_S : 0) | (gn ? IP_GN : 0) } };
}

static void amdvi_cmd_put(struct amdvi_dev *v, const struct amdvi_cmd *c)
{
	u64 *slot = v->cmd + v->cmd_tail * 2;

	slot[0] = c->w[0];
	slot[1] = c->w[1];
	v->cmd_tail = (v->cmd_tail + 1) % AMDVI_CMD_ENTRIES;
}

/*
 * An illegal command stops the buffer with the head on it (CmdBufRun clear): what is queued
 * behind it is dropped (head = tail) and the buffer restarted.
 */
static int amdvi_cmd_error(struct amdvi_dev *v)
{
	u64 head = amdvi_read64(v, AMDVI_CMD_HEAD);

	v->cmd_errors++;
	pr_err("command buffer stopped at entry %llu", (unsigned long long)(head >> 4));
	amdvi_ctl(v, 0, CTL_CMDBUF_EN);
	(void)amdvi_status_wait(v, ST_CMD_RUN, 0);
	amdvi_write64(v, AMDVI_CMD_HEAD, (u64)v->cmd_tail << 4);
	amdvi_ctl(v, CTL_CMDBUF_EN, 0);
	if (amdvi_status_wait(v, ST_CMD_RUN, ST_CMD_RUN))
		pr_err("command buffer did not restart");
	return trace_err(-E_IO);
}

/* The store-based completion wait, polled until the data shows or time runs out. */
static int amdvi_cmd_wait(struct amdvi_dev *v)
{
	u64 seq = ++v->wait_seq, start = arch_time_ns();
	struct amdvi_cmd w =
		amdvi_cmd_completion_wait(virt_to_phys((const void *)v->wait_word).v, seq);

	amdvi_cmd_put(v, &w);
	amdvi_write64(v, AMDVI_CMD_TAIL, (u64)v->cmd_tail << 4);
	while (__atomic_load_n(v->wait_word, __ATOMIC_ACQUIRE) != seq) {
		if (!(amdvi_read64(v, AMDVI_STATUS) & ST_CMD_RUN))
			return amdvi_cmd_error(v);
		if (arch_time_ns() - start > v->poll_timeout_ns) {
			pr_err("completion wait %llu timed out", (unsigned long long)seq);
			return trace_err(-E_TIMEOUT);
		}
		cpu_relax();
	}
	return 0;
}

int amdvi_cmd_submit(struct amdvi_dev *v, const struct amdvi_cmd *c, unsigned n)
{
	int err;

	spin_lock(&v->cmd_lock);
	/* each wait empties the buffer, so slices of half of it never overrun the head */
	for (unsigned i = 0; i < n; i++) {
		amdvi_cmd_put(v, &c[i]);
		if ((i + 1) % (AMDVI_CMD_ENTRIES / 2) == 0 && (err = amdvi_cmd_wait(v)))
			goto out;
	}
	err = amdvi_cmd_wait(v);
out:
	spin_unlock(&v->cmd_lock);
	return err;
}

/* ---- event log ------------------------------------------------------------------------------- */

/* Overflow (48882 "Event Log"): logging stopped; it is restarted with EventLogEn 0 -> 1. */
static void amdvi_evt_restart(struct amdvi_dev *v)
{
	v->evt_overflows++;
	pr_warn("event log overflowed: events were lost");
	amdvi_ctl(v, 0, CTL_EVTLOG_EN);
	if (amdvi_status_wait(v, ST_EVT_RUN, 0))
		return;
	amdvi_write64(v, AMDVI_STATUS, ST_EVT_OVERFLOW);
	amdvi_ctl(v, CTL_EVTLOG_EN, 0);
	if (amdvi_status_wait(v, ST_EVT_RUN, ST_EVT_RUN))
		pr_err("event log did not restart");
}

int amdvi_events_drain(struct amdvi_dev *v, void (*sink)(struct amdvi_dev *v, const u64 *rec))
{
	u64 st = amdvi_read64(v, AMDVI_STATUS);
	unsigned tail = (unsigned)(FIELD_GET(AMDVI_PTR, amdvi_read64(v, AMDVI_EVT_TAIL)));
	unsigned n = 0;

	if (tail >= AMDVI_EVT_ENTRIES) {
		pr_err("event log tail %u outside the log", tail);
		return trace_err(-E_IO);
	}
	/* at most one lap: the hardware cannot have written more than the log holds */
	while (v->evt_head != tail && n < AMDVI_EVT_ENTRIES) {
		u64 rec[2] = { v->evt[v->evt_head * 2], v->evt[v->evt_head * 2 + 1] };

		sink(v, rec);
		v->evt_head = (v->evt_head + 1) % AMDVI_EVT_ENTRIES;
		v->events_seen++;
		n++;
	}
	amdvi_write64(v, AMDVI_EVT_HEAD, (u64)v->evt_head << 4);
	if (st & ST_EVT_INT)
		amdvi_write64(v, AMDVI_STATUS, ST_EVT_INT);
	if (st & ST_EVT_OVERFLOW)
		amdvi_evt_restart(v);
	return (int)n;
}

/* ---- bring-up -------------------------------------------------------------------------------- */

static int amdvi_features(struct amdvi_dev *v, u64 fw_efr)
{
	u64 efr = amdvi_read64(v, AMDVI_EFR);

	v->efr = efr ? efr : fw_efr; /* the IVHD copy where the register reads zero */
	v->gt = v->efr & EFR_GT;
	v->ia = v->efr & EFR_IA;
	v->host_levels = 4 + (unsigned)FIELD_GET(EFR_HATS, v->efr);
	if (v->host_levels > 6)
		v->host_levels = 4; /* reserved encoding: assume the minimum */
	v->guest_levels = FIELD_GET(EFR_GATS, v->efr) == 1 ? 5 : 4;
	v->glx_max = FIELD_GET(EFR_GLX, v->efr) == 1 ? 1 : 0; /* 2 and 3 are reserved */
	return 0;
}

static int amdvi_alloc(struct amdvi_dev *v, u64 count, void **out)
{
	paddr_t p;
	int err = count == 1 ? frame_alloc_one(v->frames, &p)
			     : frame_alloc_run(v->frames, count, count * PAGE_SIZE, &p);

	if (err)
		return err;
	*out = phys_to_virt(p);
	memset(*out, 0, count * PAGE_SIZE);
	return 0;
}

/* Every DeviceID blocked (DMA and interrupts) before translation is turned on. */
static int amdvi_devtab_init(struct amdvi_dev *v)
{
	const u64 pages = AMDVI_DEVIDS * 32 / PAGE_SIZE;
	struct amdvi_dte blocked;
	int err = amdvi_alloc(v, pages, (void **)&v->devtab);

	if (err)
		return err;
	amdvi_dte_blocked(&blocked);
	for (unsigned i = 0; i < AMDVI_DEVIDS; i++)
		memcpy(v->devtab + i * 4, blocked.q, sizeof(blocked.q));
	amdvi_write64(v, AMDVI_DEVTAB,
		      virt_to_phys(v->devtab).v | FIELD_PREP(AMDVI_DEVTAB_SIZE, pages - 1));
	return 0;
}

static int amdvi_buffers_init(struct amdvi_dev *v)
{
	int err;

	if ((err = amdvi_alloc(v, 1, (void **)&v->cmd)) ||
	    (err = amdvi_alloc(v, 1, (void **)&v->evt)) ||
	    (err = amdvi_alloc(v, 1, (void **)&v->wait_word)))
		return err;
	spin_lock_init(&v->cmd_lock);
	v->cmd_tail = v->evt_head = 0;
	amdvi_write64(v, AMDVI_CMDBUF,
		      virt_to_phys(v->cmd).v | FIELD_PREP(AMDVI_BUF_LEN, AMDVI_BUF_LEN_256));
	amdvi_write64(v, AMDVI_EVTLOG,
		      virt_to_phys(v->evt).v | FIELD_PREP(AMDVI_BUF_LEN, AMDVI_BUF_LEN_256));
	amdvi_write64(v, AMDVI_CMD_HEAD, 0);
	amdvi_write64(v, AMDVI_CMD_TAIL, 0);
	amdvi_write64(v, AMDVI_EVT_HEAD, 0);
	amdvi_write64(v, AMDVI_EVT_TAIL, 0);
	return 0;
}

static int amdvi_disable(struct amdvi_dev *v)
{
	v->ctl = 0;
	amdvi_write64(v, AMDVI_CONTROL, 0);
	return amdvi_status_wait(v, ST_CMD_RUN | ST_EVT_RUN, 0);
}

/* Caches that firmware may have filled: everything dropped once the tables are Moat's. */
static int amdvi_flush_all(struct amdvi_dev *v)
{
	struct amdvi_cmd c[32] = { { { FIELD_PREP(CMD_OP, CMD_INV_IOMMU_ALL) } } };
	int err = 0;

	if (v->ia)
		return amdvi_cmd_submit(v, c, 1);
	/* without INVALIDATE_IOMMU_ALL: every DomainID Moat uses and every DTE, 32 at a time */
	for (unsigned i = 0; i < AMDVI_DEVIDS + AMDVI_MAX_DIDS && !err; i += 32) {
		for (unsigned k = 0; k < 32; k++)
			c[k] = i < AMDVI_MAX_DIDS
				       ? amdvi_cmd_inv_pages((u16)(i + k), 0, false, 0, 0)
				       : amdvi_cmd_inv_dte((u16)(i - AMDVI_MAX_DIDS + k));
		err = amdvi_cmd_submit(v, c, 32);
	}
	return err;
}

int amdvi_hw_init(struct amdvi_dev *v, paddr_t base, u64 fw_efr, struct frame_alloc *fa)
{
	int err;

	memset(v, 0, sizeof(*v));
	v->phys = base;
	v->frames = fa;
	v->poll_timeout_ns = AMDVI_POLL_TIMEOUT_NS;
	for (unsigned i = 0; i < AMDVI_MAX_IRT; i++)
		v->irt[i].devid = ~0u;
	v->regs = arch_map_device(base, AMDVI_MMIO_MAP);
	if (!v->regs)
		return -E_NOMEM;
	if ((err = amdvi_features(v, fw_efr)) || (err = amdvi_disable(v)))
		return err;
	/* the exclusion range would let DMA bypass translation: off */
	amdvi_write64(v, AMDVI_EXCL_BASE, 0);
	amdvi_write64(v, AMDVI_EXCL_LIMIT, 0);
	if ((err = amdvi_devtab_init(v)) || (err = amdvi_buffers_init(v)))
		return err;
	amdvi_write64(v, AMDVI_STATUS, ST_EVT_OVERFLOW | ST_EVT_INT | ST_COMWAIT_INT);
	/*
	 * The buffers run only with IommuEn set (QEMU 10.0 the same), so translation goes on
	 * with them: every DTE already blocks, and the caches are flushed before anything is
	 * attached. Every DeviceID is blocked from here on.
	 */
	amdvi_ctl(v, CTL_IOMMU_EN | CTL_CMDBUF_EN | CTL_EVTLOG_EN, 0);
	if ((err = amdvi_status_wait(v, ST_CMD_RUN | ST_EVT_RUN, ST_CMD_RUN | ST_EVT_RUN)))
		return err;
	return amdvi_flush_all(v);
}

void amdvi_fini(struct amdvi_dev *v)
{
	if (v->regs && amdvi_disable(v))
		pr_err("AMD-Vi at 0x%llx did not stop", (unsigned long long)v->phys.v);
	amdvi_tables_free(v);
}
