// SPDX-License-Identifier: MIT
/*
 * The physical GICv3 ITS (arch/arm64/gic_its.h; Arm IHI 0069H chapter 5, registers in 12.19,
 * commands in 5.3, the redistributor's LPI registers in 12.11). One ITS, one collection (0,
 * on the redistributor Moat named), flat device and collection tables, one ITT frame per
 * mapped device. Every command is followed by a bounded wait for GITS_CREADR to pass it; a
 * stalled queue or a timeout marks the ITS failed and every later mapping is refused, so the
 * vectors that depended on it stay masked at their device.
 */
#define LOG_COMPONENT "its"
#include "arch/arm64/gic_its.h"

#include <string.h>

#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "core/log.h"
#include "lib/bits.h"
#include "core/own.h"
#include "lib/err.h"
#include "lib/lock.h"
#include "vmm/vdev.h"
#include "vmm/vm_mmio.h"

/* 12.19 ITS control registers (offsets from ITS_base). */
#define GITS_CTLR 0x0000
#define GITS_CTLR_ENABLED BIT(0)
#define GITS_CTLR_QUIESCENT BIT(31)
#define GITS_TYPER 0x0008
#define GITS_TYPER_PHYSICAL BIT(0)
#define GITS_TYPER_ITT_SIZE GENMASK(7, 4)
#define GITS_TYPER_IDBITS GENMASK(12, 8)
#define GITS_TYPER_DEVBITS GENMASK(17, 13)
#define GITS_TYPER_PTA BIT(19)
#define GITS_CBASER 0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_CREADR_STALLED BIT(0)
#define GITS_OFFSET GENMASK(19, 5)
#define GITS_BASER(n) (0x0100 + 8 * (n))
/* GITS_BASER<n> / GITS_CBASER fields (12.19.1, 12.19.2). */
#define BASER_VALID BIT(63)
#define BASER_INDIRECT BIT(62)
#define BASER_INNER_WB (7ULL << 59) /* Normal, Inner Write-back RaWa */
#define BASER_TYPE GENMASK(58, 56)
#define BASER_TYPE_DEVICE 1
#define BASER_TYPE_COLLECTION 4
#define BASER_ESIZE GENMASK(52, 48)
#define BASER_PA GENMASK(47, 12)
#define BASER_SH GENMASK(11, 10)
#define BASER_SH_INNER (1ULL << 10) /* Non-shareable read back: not coherent, not driven */
#define BASER_PSIZE GENMASK(9, 8)
#define BASER_SIZE GENMASK(7, 0)

/* 12.11 redistributor LPI registers (offsets from RD_base). */
#define GICR_CTLR 0x0000
#define GICR_CTLR_ENABLE_LPIS BIT(0)
#define GICR_CTLR_RWP BIT(3)
#define GICR_TYPER 0x0008
#define GICR_TYPER_PLPIS BIT(0)
#define GICR_TYPER_PROCNUM GENMASK(23, 8)
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_BASER_INNER_WB (7ULL << 7)
#define GICR_PENDBASER_PTZ BIT(62)

/* 5.3 command opcodes. */
#define ITS_CMD_SYNC 0x05
#define ITS_CMD_MAPD 0x08
#define ITS_CMD_MAPC 0x09
#define ITS_CMD_MAPTI 0x0a
#define ITS_CMD_INV 0x0c
#define ITS_CMD_INVALL 0x0d
#define ITS_CMD_DISCARD 0x0f
#define ITS_CMD_SIZE 32

#define ITS_LPI_IDBITS 14 /* INTIDs below 16384: LPIs 8192..16383 (5.1.1) */
#define ITS_PROP_BYTES ((1u << ITS_LPI_IDBITS) - ITS_LPI_BASE)
#define ITS_PEND_ALIGN 0x10000	 /* GICR_PENDBASER: 64 KiB aligned (12.11.33) */
#define ITS_LPI_PROP 0xa2	 /* priority 0xa0, bit 1 RES1; bit 0 Enable (5.1.2) */
#define ITS_DT_MAX_BYTES 0x10000 /* flat device table: at most 64 KiB */
#define ITS_CMDQ_BYTES 0x1000	 /* one 4 KiB page: 128 commands */
/* The spec gives no bound for command completion; QEMU completes on the CWRITER write. */
#define ITS_POLL_NS 100000000ULL

struct its_dev {
	bool used;
	u32 devid;
	unsigned nev; /* events mapped */
	paddr_t itt;
};

struct its_lpi {
	irq_handler_fn fn;
	void *ctx;
	u32 devid, event;
};

static struct {
	struct spinlock lock;
	u8 *base, *rd;
	paddr_t pa, rd_pa;
	struct frame_alloc *fa;
	bool ready, failed;
	unsigned idbits, ite_size;
	u32 ndevids; /* DeviceIDs the device table covers */
	u64 rdbase;  /* the RDbase field of MAPC/SYNC (12.19.8 PTA) */
	u64 *cmdq;
	u32 wr;
	u8 *prop;
	struct its_dev dev[ITS_MAX_DEVICES];
	struct its_lpi lpi[ITS_MAX_LPIS];
} its;

static void *frames_zeroed(u64 bytes, u64 align, paddr_t *out)
{
	u64 n = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	if (frame_alloc_run(its.fa, n, align < PAGE_SIZE ? PAGE_SIZE : align, out))
		return NULL;
	memset(phys_to_virt(*out), 0, n * PAGE_SIZE);
	return phys_to_virt(*out);
}

static int its_fail(const char *what, int err)
{
	if (!its.failed)
		pr_err("command %s not completed (%s, GITS_CREADR 0x%llx): ITS stopped", what,
		       err_str(err), (unsigned long long)mmio_read64(its.base + GITS_CREADR));
	its.failed = true;
	return err;
}

/* Queues one command and waits until the ITS has read past it (lock held). */
static int its_cmd(const u64 c[4], const char *what)
{
	u32 next = (its.wr + ITS_CMD_SIZE) % ITS_CMDQ_BYTES;
	u64 start = arch_time_ns(), rd;

	if (its.failed)
		return -E_IO;
	memcpy((u8 *)its.cmdq + its.wr, c, ITS_CMD_SIZE);
	its.wr = next;
	mmio_write64(its.base + GITS_CWRITER, next); /* orders the command stores first */
	for (;;) {
		rd = mmio_read64(its.base + GITS_CREADR);
		if (rd & GITS_CREADR_STALLED)
			return its_fail(what, -E_IO);
		if ((rd & GITS_OFFSET) == next)
			return 0;
		if (arch_time_ns() - start > ITS_POLL_NS)
			return its_fail(what, -E_TIMEOUT);
		cpu_relax();
	}
}

/* 5.3 command layouts: four little-endian doublewords. */
static int its_cmd_mapd(u32 devid, paddr_t itt, unsigned evbits, bool valid)
{
	u64 c[4] = { ITS_CMD_MAPD | (u64)devid << 32, evbits - 1,
		     (valid ? BIT(63) : 0) | (itt.v & GENMASK(51, 8)), 0 };

	return its_cmd(c, "MAPD");
}

static int its_cmd_mapti(u32 devid, u32 event, unsigned intid, u16 icid)
{
	u64 c[4] = { ITS_CMD_MAPTI | (u64)devid << 32, event | (u64)intid << 32, icid, 0 };

	return its_cmd(c, "MAPTI");
}

static int its_cmd_event(u8 op, u32 devid, u32 event, const char *what)
{
	u64 c[4] = { op | (u64)devid << 32, event, 0, 0 };

	return its_cmd(c, what);
}

static int its_cmd_mapc(u16 icid)
{
	u64 c[4] = { ITS_CMD_MAPC, 0, BIT(63) | its.rdbase << 16 | icid, 0 };

	return its_cmd(c, "MAPC");
}

static int its_cmd_invall(u16 icid)
{
	u64 c[4] = { ITS_CMD_INVALL, 0, icid, 0 };

	return its_cmd(c, "INVALL");
}

static int its_cmd_sync(void)
{
	u64 c[4] = { ITS_CMD_SYNC, 0, its.rdbase << 16, 0 };

	return its_cmd(c, "SYNC");
}

/*
 * Programs GITS_BASER<n> with a flat table of at most `max` bytes. The page size is the
 * first of 4, 16, 64 KiB the register keeps (12.19.1: Page_Size may be read-only). Returns
 * the entries it covers, 0 on failure.
 */
static u64 its_baser_setup(unsigned n, u64 max)
{
	static const u64 psz[3] = { 0x1000, 0x4000, 0x10000 };
	u64 v = mmio_read64(its.base + GITS_BASER(n));
	u64 esz = FIELD_GET(BASER_ESIZE, v) + 1, bytes;
	paddr_t t;

	for (unsigned p = 0; p < 3; p++) {
		bytes = max < psz[p] ? psz[p] : max / psz[p] * psz[p];
		if (bytes / psz[p] > 256 || !frames_zeroed(bytes, psz[p], &t))
			continue;
		v = BASER_VALID | BASER_INNER_WB | (v & (BASER_TYPE | BASER_ESIZE)) |
		    (t.v & BASER_PA) | BASER_SH_INNER | FIELD_PREP(BASER_PSIZE, p) |
		    FIELD_PREP(BASER_SIZE, bytes / psz[p] - 1);
		mmio_write64(its.base + GITS_BASER(n), v);
		v = mmio_read64(its.base + GITS_BASER(n));
		if (FIELD_GET(BASER_PSIZE, v) == p && (v & BASER_SH))
			return bytes / esz;
		if (frame_free_run(its.fa, t, bytes / PAGE_SIZE))
			pr_err("BASER%u: table frames lost", n);
	}
	mmio_write64(its.base + GITS_BASER(n), 0);
	return 0;
}

static int its_tables_setup(u64 typer)
{
	unsigned devbits = (unsigned)FIELD_GET(GITS_TYPER_DEVBITS, typer) + 1;

	for (unsigned n = 0; n < 8; n++) {
		u64 v = mmio_read64(its.base + GITS_BASER(n)), esz = FIELD_GET(BASER_ESIZE, v) + 1;
		u64 want = (1ULL << devbits) * esz, got;

		switch (FIELD_GET(BASER_TYPE, v)) {
		case 0: continue;
		case BASER_TYPE_DEVICE:
			got = its_baser_setup(n, want < ITS_DT_MAX_BYTES ? want : ITS_DT_MAX_BYTES);
			if (!got)
				return -E_NOMEM;
			its.ndevids = got < (1ULL << devbits) ? (u32)got : (u32)(1ULL << devbits);
			break;
		case BASER_TYPE_COLLECTION:
			if (!its_baser_setup(n, PAGE_SIZE))
				return -E_NOMEM;
			break;
		default: /* vPE tables (GICv4): Moat maps no vLPIs */
			mmio_write64(its.base + GITS_BASER(n), 0);
		}
	}
	return its.ndevids ? 0 : -E_NOTSUP;
}

static int its_cmdq_setup(void)
{
	paddr_t q;

	its.cmdq = frames_zeroed(ITS_CMDQ_BYTES, PAGE_SIZE, &q);
	if (!its.cmdq)
		return -E_NOMEM;
	mmio_write64(its.base + GITS_CBASER, BASER_VALID | BASER_INNER_WB |
						     (q.v & GENMASK(51, 12)) | BASER_SH_INNER |
						     (ITS_CMDQ_BYTES / PAGE_SIZE - 1));
	mmio_write64(its.base + GITS_CWRITER, 0);
	its.wr = 0;
	return 0;
}

/* 12.11: LPI configuration and pending tables, then EnableLPIs (once; it cannot be undone). */
static int its_rdist_setup(void)
{
	u64 typer = mmio_read64(its.rd + GICR_TYPER);
	paddr_t prop, pend;

	if (!(typer & GICR_TYPER_PLPIS))
		return -E_NODEV;
	if (mmio_read32(its.rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS)
		return -E_STATE; /* someone else's tables: Moat does not take them over */
	its.prop = frames_zeroed(ITS_PROP_BYTES, PAGE_SIZE, &prop);
	if (!its.prop || !frames_zeroed(1u << ITS_LPI_IDBITS >> 3, ITS_PEND_ALIGN, &pend))
		return -E_NOMEM;
	mmio_write64(its.rd + GICR_PROPBASER, (prop.v & GENMASK(51, 12)) | BASER_SH_INNER |
						      GICR_BASER_INNER_WB | (ITS_LPI_IDBITS - 1));
	mmio_write64(its.rd + GICR_PENDBASER,
		     (pend.v & GENMASK(51, 16)) | BASER_SH_INNER | GICR_BASER_INNER_WB);
	mmio_write32(its.rd + GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
	its.rdbase = (mmio_read64(its.base + GITS_TYPER) & GITS_TYPER_PTA)
			     ? its.rd_pa.v >> 16
			     : FIELD_GET(GICR_TYPER_PROCNUM, typer);
	return 0;
}

static void its_disable(void)
{
	mmio_write32(its.base + GITS_CTLR, 0);
	for (unsigned n = 0; n < 8; n++)
		mmio_write64(its.base + GITS_BASER(n), 0);
	mmio_write64(its.base + GITS_CBASER, 0);
}

static int its_enable(void)
{
	int err;

	mmio_write32(its.base + GITS_CTLR, GITS_CTLR_ENABLED);
	if ((err = its_cmd_mapc(0)) || (err = its_cmd_invall(0)) || (err = its_cmd_sync()))
		return err;
	return 0;
}

static int its_probe(u64 typer)
{
	int err;

	if (!(typer & GITS_TYPER_PHYSICAL))
		return -E_NODEV;
	if (mmio_read32(its.base + GITS_CTLR) & GITS_CTLR_ENABLED)
		return -E_STATE; /* left enabled by firmware: its tables are not Moat's */
	its.idbits = (unsigned)FIELD_GET(GITS_TYPER_IDBITS, typer) + 1;
	its.ite_size = (unsigned)FIELD_GET(GITS_TYPER_ITT_SIZE, typer) + 1;
	if ((err = its_tables_setup(typer)) || (err = its_cmdq_setup()) ||
	    (err = its_rdist_setup()) || (err = its_enable()))
		return err;
	return 0;
}

/* The translation page is recorded as the one MSI doorbell IOMMU views may map (core/own.h). */
static int its_doorbell_own(void)
{
	paddr_t p = pa(its_doorbell().v & ~(PAGE_SIZE - 1));

	if (own_eq(own_owner(p), own_doorbell()))
		return 0;
	return own_add(p, PAGE_SIZE, own_doorbell());
}

int its_init(const struct its_desc *d, struct frame_alloc *fa)
{
	int err;

	if (its.ready)
		return its_doorbell_own();
	its_reset();
	its.fa = fa;
	its.pa = d->its;
	its.rd_pa = d->rdist;
	its.base = arch_map_device(d->its, 0x20000);
	its.rd = arch_map_device(d->rdist, 0x10000);
	if (!its.base || !its.rd)
		return -E_NOMEM;
	if ((err = its_probe(mmio_read64(its.base + GITS_TYPER))) || (err = its_doorbell_own())) {
		its_disable();
		pr_err("ITS at 0x%llx not used: %s", (unsigned long long)d->its.v, err_str(err));
		its.base = NULL;
		return err;
	}
	its.ready = true;
	pr_info("ITS at 0x%llx: %u DeviceIDs, %u EventIDs each, LPIs %u..%u",
		(unsigned long long)d->its.v, its.ndevids, ITS_MAX_EVENTS, ITS_LPI_BASE,
		ITS_LPI_BASE + ITS_MAX_LPIS - 1);
	return 0;
}

bool its_ready(void)
{
	return its.ready && !its.failed;
}

paddr_t its_doorbell(void)
{
	return pa(its.pa.v + ITS_TRANSLATER);
}

/* The handler of an LPI whose DISCARD failed: the slot is never handed out again. */
static void its_lpi_stale(void *ctx)
{
	(void)ctx;
}

/* A linear search, straight-line: no coverage callbacks under libFuzzer (lib/compiler.h). */
static __no_coverage int its_lpi_find(u32 devid, u32 event)
{
	for (int i = 0; i < ITS_MAX_LPIS; i++)
		if (its.lpi[i].fn && its.lpi[i].devid == devid && its.lpi[i].event == event)
			return i;
	return -1;
}

static unsigned its_evbits(void)
{
	unsigned b = (unsigned)__builtin_ctz(ITS_MAX_EVENTS);

	return b < its.idbits ? b : its.idbits;
}

static struct its_dev *its_dev_find(u32 devid)
{
	for (unsigned i = 0; i < ITS_MAX_DEVICES; i++)
		if (its.dev[i].used && its.dev[i].devid == devid)
			return &its.dev[i];
	return NULL;
}

/* The device's ITT, mapped with MAPD on its first event (lock held). */
static int its_dev_get(u32 devid, struct its_dev **out)
{
	struct its_dev *free = NULL;
	int err;

	if ((*out = its_dev_find(devid)))
		return 0;
	for (unsigned i = 0; i < ITS_MAX_DEVICES && !free; i++)
		if (!its.dev[i].used)
			free = &its.dev[i];
	if (!free)
		return -E_NOSPC;
	if (!frames_zeroed((u64)its.ite_size << its_evbits(), PAGE_SIZE, &free->itt))
		return -E_NOMEM;
	if ((err = its_cmd_mapd(devid, free->itt, its_evbits(), true)))
		return err; /* the ITS may hold the ITT: its frames are not reused */
	*free = (struct its_dev){ .used = true, .devid = devid, .itt = free->itt };
	*out = free;
	return 0;
}

/* Drops the device's ITT after its last event (lock held). */
static void its_dev_put(struct its_dev *d)
{
	if (--d->nev)
		return;
	if (its_cmd_mapd(d->devid, pa(0), its_evbits(), false) || its_cmd_sync())
		return; /* the ITS may still read the ITT: keep its frames */
	if (frame_free_run(its.fa, d->itt, ((u64)its.ite_size << its_evbits()) / PAGE_SIZE ?: 1))
		pr_err("DeviceID 0x%x: ITT frames lost", d->devid);
	d->used = false;
}

static int its_map_locked(u32 devid, u32 event, irq_handler_fn fn, void *ctx)
{
	struct its_dev *d;
	int slot = -1, err;

	if (!its.ready || its.failed)
		return its.ready ? -E_IO : -E_NODEV;
	if (devid >= its.ndevids || event >= ITS_MAX_EVENTS || event >> its_evbits())
		return -E_RANGE;
	if (its_lpi_find(devid, event) >= 0)
		return -E_BUSY;
	for (int i = ITS_MAX_LPIS - 1; i >= 0; i--)
		if (!its.lpi[i].fn)
			slot = i;
	if (slot < 0)
		return -E_NOSPC;
	if ((err = its_dev_get(devid, &d)))
		return err;
	d->nev++;
	its.prop[slot] = ITS_LPI_PROP | 1; /* 5.1.2: priority, Enable */
	its.lpi[slot] = (struct its_lpi){ .ctx = ctx, .devid = devid, .event = event };
	__atomic_store_n(&its.lpi[slot].fn, fn, __ATOMIC_RELEASE);
	if ((err = its_cmd_mapti(devid, event, ITS_LPI_BASE + (unsigned)slot, 0)) ||
	    (err = its_cmd_event(ITS_CMD_INV, devid, event, "INV")) || (err = its_cmd_sync())) {
		its.prop[slot] = 0;
		__atomic_store_n(&its.lpi[slot].fn, NULL, __ATOMIC_RELEASE);
		its_dev_put(d);
	}
	return err;
}

int its_map_event(u32 devid, u32 event, irq_handler_fn fn, void *ctx)
{
	int err;

	if (!fn)
		return -E_INVAL;
	spin_lock(&its.lock);
	err = its_map_locked(devid, event, fn, ctx);
	spin_unlock(&its.lock);
	return err;
}

void its_unmap_event(u32 devid, u32 event)
{
	int slot;

	spin_lock(&its.lock);
	slot = its_lpi_find(devid, event);
	if (slot >= 0 && its.lpi[slot].fn != its_lpi_stale) {
		struct its_dev *d = its_dev_find(devid);

		its.prop[slot] = 0;
		/* DISCARD drops the mapping and a pending LPI (5.3.4); failure is logged. */
		if (!its_cmd_event(ITS_CMD_DISCARD, devid, event, "DISCARD") && !its_cmd_sync())
			__atomic_store_n(&its.lpi[slot].fn, NULL, __ATOMIC_RELEASE);
		else
			its.lpi[slot].ctx = NULL, its.lpi[slot].fn = its_lpi_stale;
		if (d)
			its_dev_put(d);
	}
	spin_unlock(&its.lock);
}

bool its_lpi_dispatch(unsigned intid)
{
	unsigned slot = intid - ITS_LPI_BASE;
	irq_handler_fn fn;

	if (intid < ITS_LPI_BASE || slot >= ITS_MAX_LPIS)
		return false;
	fn = __atomic_load_n(&its.lpi[slot].fn, __ATOMIC_ACQUIRE);
	if (!fn)
		return false;
	fn(its.lpi[slot].ctx);
	return true;
}

unsigned its_lpi_of(u32 devid, u32 event)
{
	int slot;

	spin_lock(&its.lock);
	slot = its_lpi_find(devid, event);
	spin_unlock(&its.lock);
	return slot < 0 ? 0 : ITS_LPI_BASE + (unsigned)slot;
}

void its_reset(void)
{
	memset(&its, 0, sizeof(its));
	spin_lock_init(&its.lock);
}

/* ---- physical MSI delivery for assigned functions (vmm/vdev.h) ---------------------------- */

/* DeviceID = requester ID: the identity msi-map of QEMU's virt (segment 0 only). */
int arch_vdev_msi_doorbell(paddr_t *page)
{
	if (!its_ready())
		return -E_NOTSUP;
	*page = pa(its_doorbell().v & ~(PAGE_SIZE - 1));
	return 0;
}

/* The message: GITS_TRANSLATER at its offset in the page mapped at VMSIX_PHYS_DOORBELL_IPA,
 * and the EventID (12.19.17). */
int arch_vdev_msi_map(struct vdev *d, u32 event, irq_handler_fn fn, void *ctx, u64 *addr, u32 *data)
{
	int err;

	if (!its_ready())
		return -E_NOTSUP;
	if (d->segment)
		return -E_NOTSUP;
	if ((err = its_map_event(d->bdf, event, fn, ctx)))
		return err;
	*addr = VMSIX_PHYS_DOORBELL_IPA + (its_doorbell().v & (PAGE_SIZE - 1));
	*data = event;
	return 0;
}

void arch_vdev_msi_unmap(struct vdev *d, u32 event)
{
	if (!d->segment)
		its_unmap_event(d->bdf, event);
}

/* The guest's message: a message SPI of its vGIC written to GICD_SETSPI_NSR. */
int arch_vdev_msi_target(u32 addr_lo, u32 addr_hi, u32 data, unsigned *intid)
{
	if (addr_hi || addr_lo != (u32)VMSIX_DOORBELL)
		return -E_PERM;
	if (!vgic_is_mbi(data))
		return -E_RANGE;
	*intid = data;
	return 0;
}
