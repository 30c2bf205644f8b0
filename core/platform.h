/* SPDX-License-Identifier: MIT */
/*
 * What Moat knows about the machine, discovered from the device tree (arm64 direct boot) or
 * ACPI. Nothing in here is hard-coded: every field comes from firmware tables.
 */
#ifndef CORE_PLATFORM_H
#define CORE_PLATFORM_H

#include "lib/compiler.h"
#include "lib/types.h"

#define PLAT_MAX_CPUS 64
#define PLAT_MAX_MEM 16
#define PLAT_MAX_RSV 32
#define PLAT_MAX_IOMMU 8
#define PLAT_MAX_ECAM 4
#define PLAT_MAX_FWWIN 4 /* memory windows of one ACPI host bridge */
#define PLAT_BOOTARGS_MAX 256

enum iommu_kind {
	IOMMU_KIND_NONE,
	IOMMU_KIND_SMMUV3,
	IOMMU_KIND_VTD,
	IOMMU_KIND_AMDVI
};
enum uart_kind {
	UART_NONE,
	UART_PL011,
	UART_16550_MMIO,
	UART_16550_PIO
};
enum psci_conduit {
	PSCI_NONE,
	PSCI_SMC,
	PSCI_HVC
};

#define PLAT_MAX_SCOPE 32

/* What requester IDs an IOMMU covers, as the firmware table describes them. */
enum plat_scope_kind {
	SCOPE_DEVICE, /* DMAR endpoint: the function at bus/path */
	SCOPE_BRIDGE, /* DMAR bridge: everything below the bridge at bus/path */
	SCOPE_IOAPIC, /* DMAR/IVRS special device (I/O APIC) */
	SCOPE_HPET,   /* DMAR/IVRS special device (HPET) */
	SCOPE_RANGE,  /* IVRS/IORT: rid_first..rid_last, output ID out_base + (rid - rid_first) */
	SCOPE_ALIAS,  /* IVRS: rid_first..rid_last all issue DMA as out_base */
};

struct plat_scope {
	u8 kind;  /* enum plat_scope_kind */
	u8 bus;	  /* DMAR: start bus of the path */
	u8 npath; /* DMAR: number of (device << 3 | function) hops in path[] */
	u8 path[5];
	u16 segment;
	u16 rid_first, rid_last;
	/*
	 * SCOPE_RANGE: requester ID bits dropped before the lookup (a DT iommu-map-mask, as
	 * ~mask), so RIDs that differ only there share an output ID; 0 for IORT and IVRS.
	 */
	u16 rid_ignore;
	u32 out_base; /* IORT/DT: stream ID of rid_first; IVRS alias: the alias device ID */
	u32 enum_id;  /* DMAR/IVRS special devices: the I/O APIC or HPET ID */
};

/*
 * Wired interrupts of an IOMMU (SMMUv3: DT "interrupts"/"interrupt-names", IORT GSIVs), as GIC
 * INTIDs; intid 0: not described (the driver polls its queues instead).
 */
enum plat_iommu_irq {
	PLAT_IOMMU_IRQ_EVTQ,
	PLAT_IOMMU_IRQ_PRIQ,
	PLAT_IOMMU_IRQ_CMDQ_SYNC,
	PLAT_IOMMU_IRQ_GERROR,
	PLAT_IOMMU_NIRQ
};
struct plat_irq {
	u32 intid;
	bool edge; /* edge-triggered (else level) */
};

struct plat_iommu {
	enum iommu_kind kind;
	paddr_t base;
	u64 size;
	u32 phandle; /* DT phandle, 0 if none */
	u16 segment;
	u16 rid;	  /* IVRS: the IOMMU's own PCI requester ID */
	bool include_all; /* DMAR INCLUDE_PCI_ALL / IVRS "all" entry */
	/*
	 * The firmware says which requesters the unit translates (IORT, DMAR, IVRS, or a DT
	 * whose host bridges carry iommu-map): a requester outside scope[] and include_all is
	 * not behind it. Without a description a unit is taken to see every requester with its
	 * requester ID as hardware tag (the identity wiring).
	 */
	bool scoped;
	u64 features; /* IVRS 0x11/0x40: EFR image; DMAR: 0 */
	unsigned nscope;
	struct plat_scope scope[PLAT_MAX_SCOPE];
	struct plat_irq irq[PLAT_IOMMU_NIRQ];
};

/* ACPI fixed-hardware power management (FADT), used for a clean power-off on x86. */
struct plat_acpi_pm {
	bool valid;
	u16 pm1a_cnt, pm1b_cnt;	  /* I/O ports, 0 if absent */
	u16 slp_typ_a, slp_typ_b; /* \_S5 sleep type values from the DSDT */
};

struct plat_ecam {
	paddr_t base;
	u64 size;
	u16 segment;
	u8 bus_start;
	u8 bus_end;
	/* Memory windows for BARs from the host bridge's "ranges" (size 0: none). */
	struct pa_range mem32;
	struct pa_range mem64;
	/*
	 * ACPI: the memory windows of the host bridge's _CRS (core/acpi_aml.c). Moat keeps
	 * firmware's placement there (no mem32/mem64) and checks every BAR against them.
	 */
	unsigned nfwwin;
	struct pa_range fwwin[PLAT_MAX_FWWIN];
};

struct platform {
	unsigned ncpus;
	u64 cpu_id[PLAT_MAX_CPUS]; /* MPIDR affinity (arm64) or APIC ID (x86) */
	unsigned nmem;
	struct pa_range mem[PLAT_MAX_MEM];
	unsigned nrsv;
	struct pa_range rsv[PLAT_MAX_RSV];
	unsigned necam;
	struct plat_ecam ecam[PLAT_MAX_ECAM];
	unsigned niommu;
	struct plat_iommu iommu[PLAT_MAX_IOMMU];
	unsigned gic_version; /* 0: none */
	paddr_t gicd, gicr;
	u64 gicd_size, gicr_size;
	paddr_t gic_its; /* GICv3 ITS (DT "arm,gic-v3-its", MADT GIC ITS), 0: none */
	enum uart_kind uart;
	paddr_t uart_base;
	paddr_t rtc_pl031; /* an Arm PL031 real-time clock (DT "arm,pl031"), 0: none */
	enum psci_conduit psci;
	struct plat_acpi_pm acpi_pm;
	char bootargs[PLAT_BOOTARGS_MAX];
};

const char *iommu_kind_name(enum iommu_kind k);
u64 platform_ram_bytes(const struct platform *p);
/* The one-line summary: "cpus=2 ram=512MiB ecam=0x... iommu=smmuv3@0x... gic=v3". */
int platform_summary(const struct platform *p, char *buf, size_t size);

/*
 * Issue 13 item 6: RAM that overlaps registers or PCI windows this description names is
 * punched out of p->mem, one line per overlap naming both; -E_NOSPC (firmware refused) when
 * the ranges left do not fit. platform_from_dt() calls it; the ACPI path after the memory map.
 */
int platform_mem_check(struct platform *p) __must_check;

/* Device-tree discovery. The blob is untrusted: every offset and length is checked. */
int platform_from_dt(const void *fdt, size_t max_size, struct platform *p) __must_check;

/*
 * ACPI discovery (core/acpi*.c) from the RSDP at `rsdp`: CPUs (MADT), ECAM (MCFG), IOMMUs
 * (DMAR, IVRS, IORT), GIC (MADT), console (SPCR), power management (FADT). Memory comes from the
 * boot path's memory map, not from ACPI. Every table is checked before use; a corrupt optional
 * table is reported and ignored, a corrupt or missing MADT fails the discovery.
 */
int platform_from_acpi(paddr_t rsdp, struct platform *p) __must_check;

/* True when the boot arguments contain the word `key` or `key=...`; copies the value. */
bool platform_bootarg(const struct platform *p, const char *key, char *val, size_t val_size);

#endif
