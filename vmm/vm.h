/* SPDX-License-Identifier: MIT */
/*
 * VM and vCPU objects (docs/architecture.md section 2) and the VM memory map. The guest-physical layout
 * is fixed per arch and the same for every VM (docs/guest-abi.md "Memory map"); arm64's:
 *   0x0800_0000  virtual GICv3 distributor (64 KiB), redistributors from 0x080A_0000
 *   0x0900_0000  virtual PL011 console (4 KiB)
 *   0x4000_0000  private RAM, then shared RAM right after it
 * Everything else faults: the guest gets a synchronous external abort. x86 VMs have RAM from
 * GPA 0 (the backend's vmb_vm_layout(), vmm/vm_backend.h, gives the RAM base).
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <arch/vcpu.h>

#include "vmm/config.h"
#include "lib/compiler.h"
#include "lib/lock.h"
#include "lib/types.h"

#define VM_MAX CFG_MAX_VMS
#define VM_MAX_VCPUS CFG_MAX_VCPUS

#define VM_GICD_BASE 0x08000000ULL
#define VM_GICD_SIZE 0x10000ULL
#define VM_GICR_BASE 0x080A0000ULL
#define VM_GICR_STRIDE 0x20000ULL /* RD_base + SGI_base frames per redistributor */
#define VM_UART_BASE 0x09000000ULL
#define VM_UART_SIZE 0x1000ULL
#define VM_RAM_BASE 0x40000000ULL /* arm64 (and the host tests' fake arch) */

#define VGIC_NR_SPIS 32 /* SPIs 32..63 */
#define VGIC_NR_IRQS (32 + VGIC_NR_SPIS)
#define VGIC_INTID_VTIMER 27 /* EL1 virtual timer PPI (Arm BSA) */
#define VGIC_INTID_UART 33   /* the virtual PL011 (SPI 1) */
/* Message-based SPIs (GICD_SETSPI_NSR, GICv3 12.9.29): the MSI targets of assigned functions. */
#define VGIC_MBI_BASE 48
#define VGIC_MBI_COUNT 16

enum vm_mem_kind {
	VM_MEM_PRIVATE = 1,
	VM_MEM_SHARED = 2,
	VM_MEM_ANY = 3
};

/* Virtual GICv3 state (vmm/vm_mmio.c): one redistributor per vCPU, one distributor. */
struct vgic_cpu {
	u64 pending; /* raised, not yet handed to the CPU interface (bit = INTID) */
	u32 enabled; /* GICR_ISENABLER0: SGIs and PPIs */
	u32 waker;   /* GICR_WAKER.ProcessorSleep as written */
	u8 prio[32]; /* GICR_IPRIORITYR */
};

struct vgic_dist {
	u32 ctlr;		     /* GICD_CTLR.EnableGrp1 (ARE is fixed to 1) */
	u32 spi_enabled;	     /* GICD_ISENABLER1 */
	u64 spi_cfg;		     /* GICD_ICFGR2-3: 2 bits per SPI, Int_config[1] = edge */
	u8 spi_prio[VGIC_NR_SPIS];   /* GICD_IPRIORITYR */
	u64 spi_route[VGIC_NR_SPIS]; /* GICD_IROUTER */
};

/* Virtual PL011 state (vmm/vm_uart.c); ris and imsc are also read without the lock. */
#define VUART_RX_FIFO 32
struct vuart {
	struct spinlock lock;
	u32 ris, imsc;
	u32 cr, lcr_h, ifls, ibrd, fbrd, ilpr, dmacr;
	u8 rx[VUART_RX_FIFO];
	unsigned rx_head, rx_count;
	bool rt_latched;
};

struct vm_ram {
	gpa_t base;
	u64 size;
	paddr_t hpa; /* host-physical backing, contiguous */
};

/* vCPU power state (PSCI AFFINITY_INFO values match: ON 0, OFF 1, ON_PENDING 2). */
enum vcpu_power {
	VCPU_ON = 0,
	VCPU_OFF = 1,
	VCPU_ON_PENDING = 2
};

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned id;
	volatile enum vcpu_power power;
	u64 boot_pc, boot_ctx; /* from PSCI CPU_ON */
	struct vgic_cpu vgic;
	u32 faults_logged; /* bit per enum vm_fault_kind already logged (vmm/vm_fault.c) */
	struct arch_vcpu arch;
};

struct vm {
	unsigned id; /* 1-based: also the VMID */
	char name[CFG_NAME_MAX];
	const struct vm_config *cfg;
	struct vm_ram priv, shared;
	unsigned nvcpus;
	struct vcpu vcpu[VM_MAX_VCPUS];
	volatile unsigned running; /* pinned vCPUs not yet retired */
	unsigned online;	   /* vCPUs ON or ON_PENDING (all off: the VM stops) */
	struct spinlock psci_lock; /* serialises vCPU power-state changes */
	bool stopping;
	bool resetting; /* stopping for SYSTEM_RESET */
	unsigned parked, reset_gen;
	/* reset rendezvous of the VM's CPUs */ /* SYSTEM_OFF / RESET asked for */
	unsigned con_len;			/* console line being assembled (vm_console.c) */
	char con_line[120];
	struct vgic_dist vgic;
	struct vuart uart;
	struct arch_vm arch;
};

/*
 * Guest memory check: the host pointer for [g, g + len) when the whole range lies inside one
 * RAM region of a kind allowed by `kinds`; NULL when it overflows, is empty or is elsewhere.
 */
void *vm_gpa_to_host(const struct vm *vm, gpa_t g, u64 len, enum vm_mem_kind kinds);
/* The kind of RAM at g (0 when it is not RAM). */
enum vm_mem_kind vm_gpa_kind(const struct vm *vm, gpa_t g);

/* Initialises a VM object over RAM the caller provides (private and shared, contiguous). */
void vm_init(struct vm *vm, unsigned id, const struct vm_config *cfg, paddr_t ram);

/* Reserves the next VM slot (boot time, single threaded); NULL when all are used. */
struct vm *vm_alloc(void);
/* Every VM built at boot; vm_count() of them. */
struct vm *vm_get(unsigned idx);
unsigned vm_count(void);

/* A vCPU handle as the guest ABI names it: the VM id in the upper half. */
u64 vcpu_handle(const struct vcpu *v);
/* The vCPU a handle names, only when it belongs to `vm`; NULL otherwise. */
struct vcpu *vcpu_from_handle(struct vm *vm, u64 handle);

#endif
