// SPDX-License-Identifier: MIT
/*
 * Physical GICv3 at EL2 (Arm IHI 0069, GICv3/v4 architecture specification). Moat uses the
 * EL1 virtual timer PPI (linked to the guest through HW list registers, so EOImode=1: Moat
 * drops priority, the guest's EOI deactivates), one SGI to kick another CPU, and the SPIs its
 * own drivers request (core/irq.h: the SMMUv3 event queue and global errors), each routed to
 * the CPU that asked and handled at EL2. Every other SPI stays disabled. LPIs come from the
 * ITS (gic_its.c): assigned functions' MSI-X, taken by the boot CPU.
 */
#define LOG_COMPONENT "gic"
#include "arch/arm64/gic.h"
#include "arch/arm64/gic_its.h"

#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "arch/arm64/sysreg.h"
#include "core/init.h"
#include "core/irq.h"
#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"

#define GICD_CTLR 0x0000
#define GICD_CTLR_RWP BIT(31)
#define GICD_CTLR_ARE BIT(4)
#define GICD_CTLR_GRP1 BIT(1)
#define GICD_TYPER 0x0004
#define GICD_TYPER_ITLINES GENMASK(4, 0)
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ICPENDR 0x0280
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IROUTER 0x6000
#define GICR_TYPER 0x0008
#define GICR_TYPER_LAST BIT(4)
#define GICR_WAKER 0x0014
#define GICR_WAKER_SLEEP BIT(1)
#define GICR_WAKER_ASLEEP BIT(2)
#define GICR_SGI 0x10000 /* SGI_base frame */
#define GICR_IGROUPR0 (GICR_SGI + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)
#define GICR_STRIDE 0x20000 /* RD_base + SGI_base, no VLPI frames (12.10) */

/* ICC_SRE_EL2.SRE|Enable, ICC_CTLR_EL1.EOImode, ICH_HCR_EL2.En */
#define ICC_SRE_SRE BIT(0)
#define ICC_SRE_ENABLE BIT(3)
#define ICC_CTLR_EOIMODE BIT(1)
#define ICH_HCR_EN BIT(0)

/* The spec gives no bound for RWP or ChildrenAsleep; 10 ms is ample for any implementation. */
#define GIC_POLL_NS 10000000ULL

static u8 *gicd, *gicr;
static u64 gicr_size;
static paddr_t gicr_pa;

static int gic_poll(const volatile void *reg, u32 mask, u32 want)
{
	u64 start = arch_time_ns();

	while ((mmio_read32(reg) & mask) != want) {
		if (arch_time_ns() - start > GIC_POLL_NS)
			return -E_TIMEOUT;
		cpu_relax();
	}
	return 0;
}

int gic_init(const struct platform *p)
{
	if (gicd)
		return 0; /* done at platform set-up, before the drivers ask for SPIs */
	if (p->gic_version != 3 || !p->gicd.v || !p->gicr.v)
		return -E_NODEV;
	u8 *d = arch_map_device(p->gicd, p->gicd_size ? p->gicd_size : 0x10000);
	int err;

	gicr = arch_map_device(p->gicr, p->gicr_size);
	if (!d || !gicr)
		return -E_NOMEM;
	gicr_size = p->gicr_size;
	gicr_pa = p->gicr;
	mmio_write32(d + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
	if ((err = gic_poll(d + GICD_CTLR, GICD_CTLR_RWP, 0)))
		return err;
	gicd = d;
	return 0;
}

static u8 *gic_find_rdist(u64 mpidr)
{
	u64 aff = (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;

	for (u64 off = 0; off + GICR_STRIDE <= gicr_size; off += GICR_STRIDE) {
		u64 typer = mmio_read64(gicr + off + GICR_TYPER);

		if (typer >> 32 == aff)
			return gicr + off;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return NULL;
}

int gic_cpu_init(u64 mpidr)
{
	u8 *rd = gic_find_rdist(mpidr);
	u32 ppis = BIT(GIC_INTID_VTIMER) | BIT(GIC_INTID_KICK) | BIT(GIC_INTID_MAINT);
	int err;

	if (!rd)
		return -E_NODEV;
	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_SLEEP);
	if ((err = gic_poll(rd + GICR_WAKER, GICR_WAKER_ASLEEP, 0)))
		return err;
	mmio_write32(rd + GICR_IGROUPR0, mmio_read32(rd + GICR_IGROUPR0) | ppis);
	mmio_write8(rd + GICR_IPRIORITYR + GIC_INTID_VTIMER, 0x80);
	mmio_write8(rd + GICR_IPRIORITYR + GIC_INTID_KICK, 0x80);
	mmio_write8(rd + GICR_IPRIORITYR + GIC_INTID_MAINT, 0x80);
	mmio_write32(rd + GICR_ISENABLER0, ppis);
	write_sysreg(S3_4_C12_C9_5, ICC_SRE_SRE | ICC_SRE_ENABLE); /* ICC_SRE_EL2 */
	isb();
	write_sysreg(S3_0_C4_C6_0, 0xff);		/* ICC_PMR_EL1 */
	write_sysreg(S3_0_C12_C12_4, ICC_CTLR_EOIMODE); /* ICC_CTLR_EL1 */
	write_sysreg(S3_0_C12_C12_7, 1);		/* ICC_IGRPEN1_EL1 */
	write_sysreg(S3_4_C12_C11_0, ICH_HCR_EN);	/* ICH_HCR_EL2 */
	isb();
	return 0;
}

void gic_send_sgi(u64 mpidr, unsigned intid)
{
	/* ICC_SGI1R_EL1 (12.11.24): Aff3.Aff2.Aff1 and a target list bit for Aff0 < 16. */
	u64 v = BIT(mpidr & 0xf) | ((mpidr >> 8) & 0xff) << 16 | (u64)(intid & 0xf) << 24 |
		((mpidr >> 16) & 0xff) << 32 | ((mpidr >> 32) & 0xff) << 48;

	dsb(ish);
	write_sysreg(S3_0_C12_C11_5, v);
	isb();
}

/* ---- SPIs for Moat's own drivers (core/irq.h) ------------------------------------------ */

static struct {
	unsigned intid;
	irq_handler_fn fn;
	void *ctx;
} gic_handlers[IRQ_MAX_HANDLERS];

/* 12.9.38 GICD_TYPER.ITLinesNumber: the distributor implements INTIDs up to 32(N+1)-1. */
static bool gic_spi_valid(unsigned intid)
{
	unsigned lines = (unsigned)FIELD_GET(GICD_TYPER_ITLINES, mmio_read32(gicd + GICD_TYPER));

	return intid >= 32 && intid <= 1019 && intid < 32 * (lines + 1);
}

static int gic_spi_disable(unsigned intid)
{
	mmio_write32(gicd + GICD_ICENABLER + 4 * (intid / 32), BIT(intid % 32));
	return gic_poll(gicd + GICD_CTLR, GICD_CTLR_RWP, 0);
}

/* 12.9: group 1, priority as the PPIs, trigger, affinity routing to this CPU (IRM = 0). */
static void gic_spi_config(unsigned intid, bool edge)
{
	u64 mpidr = read_sysreg(mpidr_el1);
	u64 route = (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 32; /* Aff3.Aff2.Aff1.Aff0 */
	u32 cfg = mmio_read32(gicd + GICD_ICFGR + 4 * (intid / 16));
	u32 bit = BIT(2 * (intid % 16) + 1); /* Int_config[1]: 1 = edge */

	mmio_write32(gicd + GICD_IGROUPR + 4 * (intid / 32),
		     mmio_read32(gicd + GICD_IGROUPR + 4 * (intid / 32)) | BIT(intid % 32));
	mmio_write8(gicd + GICD_IPRIORITYR + intid, 0x80);
	mmio_write32(gicd + GICD_ICFGR + 4 * (intid / 16), edge ? cfg | bit : cfg & ~bit);
	mmio_write64(gicd + GICD_IROUTER + 8ULL * intid, route);
	mmio_write32(gicd + GICD_ICPENDR + 4 * (intid / 32), BIT(intid % 32));
}

int arch_irq_request(unsigned intid, bool edge, irq_handler_fn fn, void *ctx)
{
	int slot = -1, err;

	if (!gicd)
		return -E_NOTSUP;
	if (!fn || !gic_spi_valid(intid))
		return -E_RANGE;
	for (int i = IRQ_MAX_HANDLERS - 1; i >= 0; i--) {
		if (gic_handlers[i].fn && gic_handlers[i].intid == intid)
			return -E_BUSY;
		if (!gic_handlers[i].fn)
			slot = i;
	}
	if (slot < 0)
		return -E_NOSPC;
	if ((err = gic_spi_disable(intid)))
		return err;
	gic_spi_config(intid, edge);
	gic_handlers[slot].intid = intid;
	gic_handlers[slot].ctx = ctx;
	__atomic_store_n(&gic_handlers[slot].fn, fn, __ATOMIC_RELEASE);
	dsb(ish);
	mmio_write32(gicd + GICD_ISENABLER + 4 * (intid / 32), BIT(intid % 32));
	return 0;
}

void arch_irq_release(unsigned intid)
{
	for (unsigned i = 0; gicd && i < IRQ_MAX_HANDLERS; i++) {
		if (gic_handlers[i].fn && gic_handlers[i].intid == intid) {
			if (gic_spi_disable(intid))
				pr_err("SPI %u: disable did not complete", intid);
			__atomic_store_n(&gic_handlers[i].fn, NULL, __ATOMIC_RELEASE);
		}
	}
}

/* MSIs to Moat's own drivers are not routed through the ITS (its one user, the VT-d fault
 * event, is x86's); the ITS serves assigned functions (gic_its.c, vmm/vdev.h). Callers poll. */
int arch_msi_request(irq_handler_fn fn, void *ctx, u64 *addr, u32 *data)
{
	(void)fn, (void)ctx, (void)addr, (void)data;
	return -E_NOTSUP;
}

void arch_msi_release(u32 data)
{
	(void)data;
}

bool gic_spi_dispatch(unsigned intid)
{
	if (intid >= ITS_LPI_BASE)
		return its_lpi_dispatch(intid);
	for (unsigned i = 0; i < IRQ_MAX_HANDLERS; i++) {
		irq_handler_fn fn = __atomic_load_n(&gic_handlers[i].fn, __ATOMIC_ACQUIRE);

		if (fn && gic_handlers[i].intid == intid) {
			fn(gic_handlers[i].ctx);
			return true;
		}
	}
	return false;
}

void gic_irq_drain(void)
{
	for (int n = 0; n < 16; n++) {
		u64 iar = read_sysreg(S3_0_C12_C12_0); /* ICC_IAR1_EL1 */
		unsigned intid = iar & 0xffffff;

		if (intid >= GIC_SPURIOUS && intid < ITS_LPI_BASE) /* 1020..1023: none */
			break;
		write_sysreg(S3_0_C12_C12_1, iar); /* ICC_EOIR1_EL1: priority drop */
		if (intid >= 32)
			(void)gic_spi_dispatch(intid);
		if (intid >= ITS_LPI_BASE)
			continue; /* an LPI has no active state: nothing to deactivate (5.1) */
		write_sysreg(S3_0_C12_C11_1, iar); /* ICC_DIR_EL1 */
		isb();
	}
}

/* ---- the ITS: LPIs collected on the boot CPU's redistributor (gic_its.c) ------------------ */

static int gic_its_unit(struct moat_ctx *ctx)
{
	const struct platform *p = ctx->plat;
	struct its_desc d;
	u8 *rd;

	if (!p->gic_its.v || p->gic_version != 3)
		return -E_NODEV;
	if (gic_init(p) || !(rd = gic_find_rdist(read_sysreg(mpidr_el1))))
		return -E_NODEV;
	d = (struct its_desc){ p->gic_its, pa(gicr_pa.v + (u64)(rd - gicr)) };
	if (its_init(&d, ctx->frames))
		pr_warn("assigned functions get no physical MSI-X delivery");
	return 0;
}
MOAT_UNIT("gic-its", INIT_IOMMU, gic_its_unit);
