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

struct plat_iommu {
	enum iommu_kind kind;
	paddr_t base;
	u64 size;
	u32 phandle; /* DT phandle, 0 if none */
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
	enum uart_kind uart;
	paddr_t uart_base;
	enum psci_conduit psci;
	char bootargs[PLAT_BOOTARGS_MAX];
};

const char *iommu_kind_name(enum iommu_kind k);
u64 platform_ram_bytes(const struct platform *p);
/* The one-line summary: "cpus=2 ram=512MiB ecam=0x... iommu=smmuv3@0x... gic=v3". */
int platform_summary(const struct platform *p, char *buf, size_t size);

/* Device-tree discovery. The blob is untrusted: every offset and length is checked. */
int platform_from_dt(const void *fdt, size_t max_size, struct platform *p) __must_check;

/* True when the boot arguments contain the word `key` or `key=...`; copies the value. */
bool platform_bootarg(const struct platform *p, const char *key, char *val, size_t val_size);

#endif
