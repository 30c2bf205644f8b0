/* SPDX-License-Identifier: MIT */
/*
 * AMD SVM definitions (AMD64 APM vol. 2, ch. 15 and appendix B "Layout of VMCB", appendix C
 * "SVM Intercept Exit Codes"): the VMCB, intercepts, exit codes, event injection, and the
 * SVM backend's per-vCPU state. File names follow the backend pattern (docs/vm-backend.md):
 * svm*.c beside a future vmx*.c.
 */
#ifndef X86_SVM_H
#define X86_SVM_H

#include "arch/x86/gwalk.h"
#include "arch/x86/npt.h"
#include "arch/x86/vio.h"
#include "arch/x86/vlapic.h"
#include "vmm/config.h"
#include "lib/compiler.h"
#include "lib/types.h"

struct vcpu;

/* ---- VMCB (appendix B, tables B-1 and B-2) ----------------------------------------------- */

struct vmcb_seg {
	u16 sel, attrib; /* attrib: descriptor bits 47:40 in 7:0, bits 55:52 in 11:8 */
	u32 limit;
	u64 base;
};

struct vmcb_control {
	u32 cr_rd_wr;	/* 0x000: CR reads 15:0, writes 31:16 */
	u32 dr_rd_wr;	/* 0x004 */
	u32 exceptions; /* 0x008: bit n intercepts vector n */
	u32 intercept3; /* 0x00c: INTR .. SHUTDOWN (SVM_I3_*) */
	u32 intercept4; /* 0x010: VMRUN .. (SVM_I4_*) */
	u32 intercept5; /* 0x014 */
	u8 rsvd0[0x3c - 0x18];
	u16 pause_thresh; /* 0x03c */
	u16 pause_count;  /* 0x03e */
	u64 iopm_pa;	  /* 0x040 */
	u64 msrpm_pa;	  /* 0x048 */
	u64 tsc_offset;	  /* 0x050 */
	u32 asid;	  /* 0x058 */
	u8 tlb_control;	  /* 0x05c */
	u8 rsvd1[3];
	u64 vintr;	   /* 0x060: V_TPR 7:0, V_IRQ 8, VGIF 9, V_INTR_PRIO 19:16, V_IGN_TPR 20,
			   * V_INTR_MASKING 24, V_INTR_VECTOR 39:32 */
	u64 int_state;	   /* 0x068: interrupt shadow bit 0 */
	u64 exit_code;	   /* 0x070 */
	u64 exit_info1;	   /* 0x078 */
	u64 exit_info2;	   /* 0x080 */
	u64 exit_int_info; /* 0x088 */
	u64 np_enable;	   /* 0x090: bit 0 nested paging */
	u8 rsvd2[0x0a8 - 0x098];
	u64 event_inj; /* 0x0a8 */
	u64 ncr3;      /* 0x0b0 */
	u64 lbr_virt;  /* 0x0b8 */
	u32 clean;     /* 0x0c0: VMCB clean bits (0: reload everything) */
	u32 rsvd3;
	u64 next_rip; /* 0x0c8: only with NRIPS (absent on QEMU) */
	u8 insn_len;  /* 0x0d0: only with decode assists */
	u8 insn_bytes[15];
	u8 rsvd4[0x400 - 0x0e0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 .. 0x49f */
	u8 rsvd0[0x4cb - 0x4a0];
	u8 cpl; /* 0x4cb */
	u32 rsvd1;
	u64 efer; /* 0x4d0 */
	u8 rsvd2[0x548 - 0x4d8];
	u64 cr4, cr3, cr0, dr7, dr6, rflags, rip; /* 0x548 .. 0x57f */
	u8 rsvd3[0x5d8 - 0x580];
	u64 rsp; /* 0x5d8 */
	u8 rsvd4[0x5f8 - 0x5e0];
	u64 rax;					  /* 0x5f8 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;	  /* 0x600 .. 0x627 */
	u64 sysenter_cs, sysenter_esp, sysenter_eip, cr2; /* 0x628 .. 0x647 */
	u8 rsvd5[0x668 - 0x648];
	u64 g_pat; /* 0x668 */
	u64 dbgctl;
	u8 rsvd6[0x1000 - 0x678];
};

struct vmcb {
	struct vmcb_control c;
	struct vmcb_save s;
};

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(__builtin_offsetof(struct vmcb, c.asid) == 0x058, "VMCB ASID");
_Static_assert(__builtin_offsetof(struct vmcb, c.event_inj) == 0x0a8, "VMCB EVENTINJ");
_Static_assert(__builtin_offsetof(struct vmcb, c.ncr3) == 0x0b0, "VMCB N_CR3");
_Static_assert(__builtin_offsetof(struct vmcb, c.insn_bytes) == 0x0d1, "VMCB insn bytes");
_Static_assert(__builtin_offsetof(struct vmcb, s.cs) == 0x410, "VMCB CS");
_Static_assert(__builtin_offsetof(struct vmcb, s.tr) == 0x490, "VMCB TR");
_Static_assert(__builtin_offsetof(struct vmcb, s.cpl) == 0x4cb, "VMCB CPL");
_Static_assert(__builtin_offsetof(struct vmcb, s.efer) == 0x4d0, "VMCB EFER");
_Static_assert(__builtin_offsetof(struct vmcb, s.cr4) == 0x548, "VMCB CR4");
_Static_assert(__builtin_offsetof(struct vmcb, s.rip) == 0x578, "VMCB RIP");
_Static_assert(__builtin_offsetof(struct vmcb, s.rsp) == 0x5d8, "VMCB RSP");
_Static_assert(__builtin_offsetof(struct vmcb, s.rax) == 0x5f8, "VMCB RAX");
_Static_assert(__builtin_offsetof(struct vmcb, s.cr2) == 0x640, "VMCB CR2");
_Static_assert(__builtin_offsetof(struct vmcb, s.g_pat) == 0x668, "VMCB G_PAT");

/* Intercept vector 3 (offset 0x00c) and 4 (0x010), APM table B-1. */
#define SVM_I3_INTR (1u << 0)
#define SVM_I3_NMI (1u << 1)
#define SVM_I3_SMI (1u << 2)
#define SVM_I3_INIT (1u << 3)
#define SVM_I3_VINTR (1u << 4)
#define SVM_I3_CPUID (1u << 18)
#define SVM_I3_RSM (1u << 19)
#define SVM_I3_INVD (1u << 22)
#define SVM_I3_HLT (1u << 24)
#define SVM_I3_INVLPGA (1u << 26)
#define SVM_I3_IOIO (1u << 27)
#define SVM_I3_MSR (1u << 28)
#define SVM_I3_TASK_SWITCH (1u << 29)
#define SVM_I3_SHUTDOWN (1u << 31)
#define SVM_I4_VMRUN (1u << 0)
#define SVM_I4_VMMCALL (1u << 1)
#define SVM_I4_VMLOAD (1u << 2)
#define SVM_I4_VMSAVE (1u << 3)
#define SVM_I4_STGI (1u << 4)
#define SVM_I4_CLGI (1u << 5)
#define SVM_I4_SKINIT (1u << 6)
#define SVM_I4_MONITOR (1u << 10)
#define SVM_I4_MWAIT (1u << 11)
#define SVM_I4_MWAIT_ARMED (1u << 12)

/* Exit codes (appendix C). */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_RSM 0x073
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_MWAIT_ARMED 0x08c
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID ((u64)-1)

/* Event injection and EXITINTINFO (15.20): vector 7:0, type 10:8, EV 11, V 31, error 63:32. */
#define SVM_EV_VALID (1ULL << 31)
#define SVM_EV_ERR_VALID (1ULL << 11)
#define SVM_EV_TYPE_INTR (0ULL << 8)
#define SVM_EV_TYPE_NMI (2ULL << 8)
#define SVM_EV_TYPE_EXCP (3ULL << 8)

/* TLB_CONTROL (15.16.1, table B-1). */
#define SVM_TLB_NONE 0
#define SVM_TLB_FLUSH_ALL 1
#define SVM_TLB_FLUSH_ASID 3

#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define EFER_SVME (1ULL << 12)

/* ---- features (CPUID 8000_000A, 15.4) ---------------------------------------------------- */

struct svm_caps {
	unsigned nasid; /* ASIDs, 0 (the host's) included */
	bool npt, nrips, flush_by_asid, decode_assists, vgif;
};

/*
 * From CPUID 8000_0001 ECX, 8000_000A EAX..EDX and VM_CR: -E_NOTSUP without SVM or nested
 * paging, -E_PERM when firmware disabled SVM (VM_CR.SVMDIS), -E_INVAL for fewer than two
 * ASIDs (one for the host, one for a guest).
 */
int svm_caps_parse(u32 ext1_ecx, const u32 leaf_a[4], u64 vm_cr,
		   struct svm_caps *caps) __must_check;

/* Image only (svm_cpu.c): this CPU's features, and SVM turned on with its host save area. */
int svm_cpu_probe(struct svm_caps *caps) __must_check;
int svm_cpu_enable(paddr_t hsave) __must_check;

/* ---- per-vCPU state ---------------------------------------------------------------------- */

/* The general registers VMRUN does not switch, indexed like x86_insn.reg (RAX and RSP are
 * mirrored from the VMCB around exit handling). */
enum {
	GPR_RAX,
	GPR_RCX,
	GPR_RDX,
	GPR_RBX,
	GPR_RSP,
	GPR_RBP,
	GPR_RSI,
	GPR_RDI,
	GPR_R8,
	GPR_R9
};

struct svm_asid_vcpu {
	u32 asid;	/* 0: none yet */
	u64 generation; /* of the CPU's ASID space it was handed out in */
	unsigned cpu;	/* the CPU it was handed out on */
	bool stale;	/* its translations changed (NPT): do not run on it again */
};

struct svm_vm;

struct svm_vcpu {
	struct vcpu *v; /* the core object (VM, index, power state) */
	struct svm_vm *sm;
	struct vmcb *vmcb;
	u64 vmcb_pa; /* the VMCB's host-physical address, for VMRUN */
	u64 gprs[16];
	struct vlapic lapic;
	struct svm_asid_vcpu asid;
	u64 guest_efer;			/* the guest's view: the VMCB's EFER also has SVME */
	u64 exits;			/* exits handled */
	bool nmi_pending, init_pending; /* set by other vCPUs' IPIs */
	bool wait_sipi;			/* after INIT: only a start-up IPI runs it */
	bool sipi_after_init;		/* a start-up IPI came before the pending INIT was taken */
	u8 sipi_vector;
	bool running; /* has an entry state (boot CPU, or started by a start-up IPI) */
	bool halted;  /* in HLT until an interrupt it can take */
};

/* The SVM backend's VM: the core VM, its nested tables, its I/O devices and vCPUs. */
struct svm_vm {
	struct vm *vm;
	struct npt npt;
	struct x86_vio io;
	struct svm_vcpu vcpu[CFG_MAX_VCPUS];
	/* Tells vCPU `idx`'s CPU to exit (an IPI to it; a counter in host tests). */
	void (*kick)(struct svm_vm *sm, unsigned idx);
	bool done; /* every vCPU is out for good (the image's scheduler) */
	/* The CPU saves next RIP (CPUID 8000_000A EDX bit 3): intercepted instructions' lengths
	 * come from the VMCB, not from reading the guest's code (svm_exit.c). */
	bool nrips;
};

/* ---- the VM memory map in NPT (svm_npt.c) ------------------------------------------------ */

/* Assigned MMIO (shared or private, docs/guest-abi.md x86 "Memory map") into the VM's NPT. */
int svm_vm_map_mmio(struct svm_vm *sm, gpa_t g, paddr_t hpa, u64 size) __must_check;
/*
 * Removes [g, g + size) and makes every vCPU of the VM drop the old translations before it
 * runs again: each vCPU's ASID goes stale (a fresh one, or a flush, at its next entry) and its
 * CPU is kicked, so no vCPU keeps using the range after this returns.
 */
int svm_vm_unmap(struct svm_vm *sm, gpa_t g, u64 size) __must_check;

/* Image only (svm_vm.c): SYSTEM_RESET of a stopped VM: RAM reloaded, boot state again. */
int svm_vm_reset(struct svm_vm *sm) __must_check;

/* The VMCB's static part: intercepts, permission maps, nested paging, G_PAT. */
void svm_vmcb_init(struct vmcb *vmcb, u64 iopm_pa, u64 msrpm_pa, u64 ncr3);

/* Fills the I/O (12 KiB) and MSR (8 KiB) permission maps: every access intercepted, except
 * the MSRs VMLOAD/VMSAVE switch (docs/guest-abi.md, x86 "MSRs"). */
void svm_permission_maps_init(u8 *iopm, u8 *msrpm);
/* True when the MSR permission map intercepts the access (for tests and the fuzzer). */
bool svm_msrpm_intercepts(const u8 *msrpm, u32 msr, bool write);

/*
 * Entry state of the Linux x86 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * "64-bit Boot Protocol"): long mode, paging on with the identity map at `cr3`, a GDT at
 * `gdt` with flat __BOOT_CS (0x10) and __BOOT_DS (0x18), interrupts off, RSI = boot_params.
 */
void svm_vmcb_set_boot64(struct vmcb *vmcb, u64 rip, u64 cr3, u64 gdt, u16 gdt_limit);
/* Real-mode start-up at vector << 12 (SDM 8.4.4 / 11.6.1: the state after INIT and SIPI). */
void svm_vmcb_set_sipi(struct vmcb *vmcb, u8 vector);

/* ---- ASIDs (svm_asid.c) ------------------------------------------------------------------- */

struct svm_asid_cpu {
	unsigned id;	/* the CPU */
	u32 next, max;	/* next free ASID, highest usable (nasid - 1) */
	u64 generation; /* bumped when the ASIDs run out and are reused */
	bool flush_by_asid;
};

void svm_asid_cpu_init(struct svm_asid_cpu *c, unsigned cpu, const struct svm_caps *caps);
/*
 * Before VMRUN of vCPU `a` on CPU `c`: the ASID to run with (written to the VMCB) and the
 * TLB_CONTROL value that makes its translations current (15.16): a fresh ASID of the
 * current generation needs nothing, the first one of a new generation flushes every ASID.
 */
void svm_asid_prepare(struct svm_asid_cpu *c, struct svm_asid_vcpu *a, u32 *asid, u8 *tlb_control);
/* The vCPU's guest-physical translations changed (NPT unmap): its next run must not see the
 * old ones. */
void svm_asid_invalidate(struct svm_asid_vcpu *a);

/* ---- exits (svm_exit.c) --------------------------------------------------------------------- */

enum svm_action {
	SVM_RESUME,    /* VMRUN again */
	SVM_HALT,      /* the vCPU waits for an interrupt (HLT) */
	SVM_STOP_VM,   /* the VM cannot go on (shutdown, invalid state) */
	SVM_POWER_OFF, /* the guest asked for power-off */
	SVM_RESET,     /* the guest asked for a reset */
};

/* Delivers an IPI vCPU `from` sent, to the VM's vCPUs it names (never outside the VM). */
void svm_vm_send_ipi(struct svm_vm *sm, unsigned from, const struct vlapic_ipi *ipi);

/*
 * Takes a pending INIT (SDM 8.4, 11.4.7.3): the vCPU forgets its state and waits for a
 * start-up IPI, unless one was already sent after that INIT (INIT, SIPI, SIPI arrive in one
 * burst before the target gets to the INIT): then it starts from that one.
 */
void svm_vcpu_take_init(struct svm_vcpu *sv);

/* Handles the exit the VMCB describes. Everything in the VMCB and guest memory is hostile. */
enum svm_action svm_handle_exit(struct svm_vcpu *sv, u64 now_ns);
/*
 * The exit fast path (svm_entry.S calls it right after #VMEXIT, GIF still 0, the host's FS/GS
 * loaded) of an entry svm_fast_allowed() let use it. regs[7] is the hypercall register block
 * (x0..x6, docs/guest-abi.md x86): x1..x6 are the guest's RDI, RSI, RDX, RCX, R8, R9, which
 * are not in gprs meanwhile; x0 is set here from the VMCB's RAX. A VMMCALL of a fast
 * hypercall (hypercall_dispatch_fast()) whose delivery interrupted no event is answered:
 * results in regs[1..3] and RAX, RIP past it, true returned, and the guest re-enters at
 * once. False: nothing changed but regs[0]; svm_handle_exit() takes the exit.
 */
bool svm_exit_fast(struct svm_vcpu *sv, u64 *regs);
/*
 * Whether the entry about to run (svm_inject_pending() done) may have its exits answered by
 * svm_exit_fast(): the full path has nothing to do before the next entry (no stop request, no
 * INIT or NMI, nothing to inject, no window asked for, no vector in the IRR whatever its
 * priority), and a fast hypercall changes none of it. What else could change it meanwhile
 * comes with a physical interrupt, held while GIF is 0, that ends the next entry at once
 * (INTR exit, the full path): the host timer armed for the guest's timer deadline, a kick
 * from another CPU, a device interrupt.
 */
bool svm_fast_allowed(const struct svm_vcpu *sv);
/* Queues whatever the vCPU should take next (exception, NMI, vlapic vector) into EVENTINJ,
 * or asks for an interrupt window. */
void svm_inject_pending(struct svm_vcpu *sv);

/*
 * Image only (svm_run.c): at most one guest entry of the vCPU on CPU `cpu`; SVM_HALT when it
 * cannot run now (in HLT with nothing to take, waiting for a start-up IPI). vmcb_pa: its
 * VMCB; host_vmcb_pa: a page for the host state VMSAVE keeps. The scheduler (svm_vms.c)
 * calls it in turns for every vCPU.
 */
extern bool svm_host_if; /* physical interrupts end guest entries (the host APIC's timer) */
enum svm_action svm_vcpu_step(struct svm_vcpu *sv, struct svm_asid_cpu *cpu, u64 vmcb_pa,
			      u64 host_vmcb_pa);

#endif
