/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX definitions (Intel SDM vol. 3C ch. 24-28 and appendices A "VMX capability
 * reporting facility", B "Field encoding in VMCS", C "VMX basic exit reasons"): capability
 * MSRs, VMCS fields, controls, exit reasons, event injection, and the VMX backend's per-vCPU
 * state. File names follow the backend pattern (docs/vm-backend.md): vmx*.c beside svm*.c.
 *
 * The VMCS is opaque: every access goes through vmcs_read()/vmcs_write() on the current
 * VMCS (VMREAD/VMWRITE in the image, a field table in the host tests), so the set-up and the
 * exit dispatch are the same sources on both.
 */
#ifndef X86_VMX_H
#define X86_VMX_H

#include "arch/x86/ept.h"
#include "arch/x86/vio.h"
#include "arch/x86/vlapic.h"
#include "vmm/config.h"
#include "lib/compiler.h"
#include "lib/types.h"

struct vcpu;

/* ---- capability MSRs (appendix A) -------------------------------------------------------- */

#define MSR_VMX_BASIC 0x480u
#define MSR_VMX_PINBASED 0x481u
#define MSR_VMX_PROCBASED 0x482u
#define MSR_VMX_EXIT 0x483u
#define MSR_VMX_ENTRY 0x484u
#define MSR_VMX_MISC 0x485u
#define MSR_VMX_CR0_FIXED0 0x486u
#define MSR_VMX_CR0_FIXED1 0x487u
#define MSR_VMX_CR4_FIXED0 0x488u
#define MSR_VMX_CR4_FIXED1 0x489u
#define MSR_VMX_PROCBASED2 0x48bu
#define MSR_VMX_EPT_VPID_CAP 0x48cu
#define MSR_VMX_TRUE_PINBASED 0x48du
#define MSR_VMX_TRUE_PROCBASED 0x48eu
#define MSR_VMX_TRUE_EXIT 0x48fu
#define MSR_VMX_TRUE_ENTRY 0x490u

/* The raw MSR values, as read (a.5: PROCBASED2 and EPT_VPID_CAP only where they exist). */
struct vmx_msrs {
	u64 basic, pin, proc, exit, entry, misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 proc2, ept_vpid;
	u64 true_pin, true_proc, true_exit, true_entry; /* when basic bit 55 says they exist */
};

#define VMX_BASIC_TRUE_CTLS (1ULL << 55)
#define VMX_BASIC_MEM_WB 6ULL /* bits 53:50: the VMCS memory type */

/* Pin-based controls (24.6.1). */
#define PIN_EXT_INTR (1u << 0)
#define PIN_NMI (1u << 3)
#define PIN_VIRTUAL_NMI (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
/* Primary processor-based controls (24.6.2, table 24-6). */
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_HLT (1u << 7)
#define PROC_MWAIT (1u << 10)
#define PROC_CR3_LOAD (1u << 15)
#define PROC_CR3_STORE (1u << 16)
#define PROC_CR8_LOAD (1u << 19)
#define PROC_CR8_STORE (1u << 20)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_IO_UNCOND (1u << 24)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR (1u << 29)
#define PROC_SECONDARY (1u << 31)
/* Secondary processor-based controls (table 24-7). */
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID (1u << 12)
#define PROC2_XSAVES (1u << 20)
/* VM-exit controls (24.7.1). */
#define EXIT_HOST_64 (1u << 9)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
/* VM-entry controls (24.8.1). */
#define ENTRY_IA32E (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* IA32_VMX_EPT_VPID_CAP (A.10). */
#define EPTCAP_WALK4 (1ULL << 6)
#define EPTCAP_WB (1ULL << 14)
#define EPTCAP_2M (1ULL << 16)
#define EPTCAP_1G (1ULL << 17)
#define EPTCAP_INVEPT (1ULL << 20)
#define EPTCAP_AD (1ULL << 21)
#define EPTCAP_INVEPT_SINGLE (1ULL << 25)
#define EPTCAP_INVEPT_ALL (1ULL << 26)
#define EPTCAP_INVVPID (1ULL << 32)
#define EPTCAP_INVVPID_ADDR (1ULL << 40)
#define EPTCAP_INVVPID_SINGLE (1ULL << 41)
#define EPTCAP_INVVPID_ALL (1ULL << 42)

/* What Moat runs guests with, computed from the MSRs (vmx_caps.c); never hard-coded. */
struct vmx_caps {
	u32 revision;
	u32 pin, proc, proc2, exit, entry; /* the control values to write */
	u32 proc_intr_window_ok;	   /* PROC_INTR_WINDOW may be set */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 cr0_mask, cr4_mask; /* guest/host masks: bits the guest may not own */
	unsigned preempt_shift; /* the preemption timer counts TSC >> this */
	u64 ept_max_leaf;	/* PT_SIZE_2M / PT_SIZE_1G / PT_SIZE_4K */
	bool true_ctls, vpid, preempt_timer, ept_ad, rdtscp;
	bool invept_single, invept_all, invvpid_single, invvpid_all;
};

/*
 * From the MSRs: -E_NOTSUP when something Moat needs is missing (EPT with a 4-level WB walk,
 * INVEPT, unrestricted guest, the EFER/PAT load and save controls, the 64-bit host), -E_INVAL
 * for MSR values that contradict themselves (a bit required to be 1 that may not be 1).
 * Optional features (VPID, preemption timer, RDTSCP, large EPT pages) are taken where offered.
 */
int vmx_caps_parse(const struct vmx_msrs *m, struct vmx_caps *caps) __must_check;
/* vmx_caps_parse with one log line: the summary, or the refusal and its reason. */
int vmx_caps_take(const struct vmx_msrs *m, struct vmx_caps *caps) __must_check;

/* IA32_FEATURE_CONTROL (SDM 23.7): what x86 boot found, and what it did. */
enum vmx_fc_state {
	VMX_FC_NONE,	    /* no VMX on this CPU */
	VMX_FC_LOCKED_ON,   /* firmware locked it with VMX outside SMX on */
	VMX_FC_LOCKED_OFF,  /* firmware locked VMX off: no VMX until its settings change */
	VMX_FC_SET_BY_MOAT, /* it was unlocked: Moat turned VMX on and locked it */
};
/* The state for the value `cur`, and in *out the value to write for VMX_FC_SET_BY_MOAT. */
enum vmx_fc_state vmx_feature_control_decide(u64 cur, u64 *out);
/* Image only (vmx_cpu.c). */
void vmx_feature_control_init(void);
enum vmx_fc_state vmx_feature_control_state(void);

/* ---- VMCS fields (appendix B) ---------------------------------------------------------------- */

enum vmcs_field {
	VMCS_VPID = 0x0000,
	VMCS_GUEST_ES_SEL = 0x0800, /* ES CS SS DS FS GS LDTR TR: + 2 each */
	VMCS_HOST_ES_SEL = 0x0c00,  /* ES CS SS DS FS GS TR: + 2 each */
	VMCS_MSR_BITMAP = 0x2004,
	VMCS_EPTP = 0x201a,
	VMCS_GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_PTR = 0x2800,
	VMCS_GUEST_PAT = 0x2804,
	VMCS_GUEST_EFER = 0x2806,
	VMCS_HOST_PAT = 0x2c00,
	VMCS_HOST_EFER = 0x2c02,
	VMCS_PIN_CTLS = 0x4000,
	VMCS_PROC_CTLS = 0x4002,
	VMCS_EXCEPTION_BITMAP = 0x4004,
	VMCS_CR3_TARGET_COUNT = 0x400a,
	VMCS_EXIT_CTLS = 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT = 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT = 0x4010,
	VMCS_ENTRY_CTLS = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT = 0x4014,
	VMCS_ENTRY_INTR_INFO = 0x4016,
	VMCS_ENTRY_EXCEPTION_ERROR = 0x4018,
	VMCS_ENTRY_INSN_LEN = 0x401a,
	VMCS_PROC2_CTLS = 0x401e,
	VMCS_INSN_ERROR = 0x4400,
	VMCS_EXIT_REASON = 0x4402,
	VMCS_EXIT_INTR_INFO = 0x4404,
	VMCS_EXIT_INTR_ERROR = 0x4406,
	VMCS_IDT_VECTORING_INFO = 0x4408,
	VMCS_IDT_VECTORING_ERROR = 0x440a,
	VMCS_EXIT_INSN_LEN = 0x440c,
	VMCS_GUEST_ES_LIMIT = 0x4800, /* ES .. TR, GDTR 0x4810, IDTR 0x4812 */
	VMCS_GUEST_GDTR_LIMIT = 0x4810,
	VMCS_GUEST_IDTR_LIMIT = 0x4812,
	VMCS_GUEST_ES_AR = 0x4814, /* ES .. TR */
	VMCS_GUEST_INTERRUPTIBILITY = 0x4824,
	VMCS_GUEST_ACTIVITY = 0x4826,
	VMCS_GUEST_SYSENTER_CS = 0x482a,
	VMCS_PREEMPT_TIMER = 0x482e,
	VMCS_HOST_SYSENTER_CS = 0x4c00,
	VMCS_CR0_MASK = 0x6000,
	VMCS_CR4_MASK = 0x6002,
	VMCS_CR0_SHADOW = 0x6004,
	VMCS_CR4_SHADOW = 0x6006,
	VMCS_EXIT_QUAL = 0x6400,
	VMCS_GUEST_LINEAR_ADDR = 0x640a,
	VMCS_GUEST_CR0 = 0x6800,
	VMCS_GUEST_CR3 = 0x6802,
	VMCS_GUEST_CR4 = 0x6804,
	VMCS_GUEST_ES_BASE = 0x6806, /* ES .. TR, GDTR 0x6816, IDTR 0x6818 */
	VMCS_GUEST_GDTR_BASE = 0x6816,
	VMCS_GUEST_IDTR_BASE = 0x6818,
	VMCS_GUEST_DR7 = 0x681a,
	VMCS_GUEST_RSP = 0x681c,
	VMCS_GUEST_RIP = 0x681e,
	VMCS_GUEST_RFLAGS = 0x6820,
	VMCS_GUEST_PENDING_DBG = 0x6822,
	VMCS_GUEST_SYSENTER_ESP = 0x6824,
	VMCS_GUEST_SYSENTER_EIP = 0x6826,
	VMCS_HOST_CR0 = 0x6c00,
	VMCS_HOST_CR3 = 0x6c02,
	VMCS_HOST_CR4 = 0x6c04,
	VMCS_HOST_FS_BASE = 0x6c06,
	VMCS_HOST_GS_BASE = 0x6c08,
	VMCS_HOST_TR_BASE = 0x6c0a,
	VMCS_HOST_GDTR_BASE = 0x6c0c,
	VMCS_HOST_IDTR_BASE = 0x6c0e,
	VMCS_HOST_SYSENTER_ESP = 0x6c10,
	VMCS_HOST_SYSENTER_EIP = 0x6c12,
	VMCS_HOST_RSP = 0x6c14,
	VMCS_HOST_RIP = 0x6c16,
};

/* Segment register index in the ES-based field groups. */
enum {
	VMX_ES,
	VMX_CS,
	VMX_SS,
	VMX_DS,
	VMX_FS,
	VMX_GS,
	VMX_LDTR,
	VMX_TR
};

/* The current VMCS (image: VMREAD/VMWRITE after VMPTRLD; host tests: a field table). */
u64 vmcs_read(u32 field);
void vmcs_write(u32 field, u64 v);

/* ---- exits (appendix C) and event injection (24.8.3, 24.9.2) ------------------------------- */

#define VMX_EXIT_EXCEPTION_NMI 0
#define VMX_EXIT_EXT_INTR 1
#define VMX_EXIT_TRIPLE_FAULT 2
#define VMX_EXIT_INIT 3
#define VMX_EXIT_SIPI 4
#define VMX_EXIT_INTR_WINDOW 7
#define VMX_EXIT_NMI_WINDOW 8
#define VMX_EXIT_TASK_SWITCH 9
#define VMX_EXIT_CPUID 10
#define VMX_EXIT_GETSEC 11
#define VMX_EXIT_HLT 12
#define VMX_EXIT_INVD 13
#define VMX_EXIT_VMCALL 18
#define VMX_EXIT_VMCLEAR \
	19 /* .. 27: VMLAUNCH VMPTRLD VMPTRST VMREAD VMRESUME VMWRITE VMXOFF VMXON */
#define VMX_EXIT_VMXON 27
#define VMX_EXIT_CR_ACCESS 28
#define VMX_EXIT_IO 30
#define VMX_EXIT_RDMSR 31
#define VMX_EXIT_WRMSR 32
#define VMX_EXIT_BAD_GUEST 33
#define VMX_EXIT_BAD_MSR_LOAD 34
#define VMX_EXIT_MWAIT 36
#define VMX_EXIT_MONITOR 39
#define VMX_EXIT_MACHINE_CHECK 41
#define VMX_EXIT_EPT_VIOLATION 48
#define VMX_EXIT_EPT_MISCONFIG 49
#define VMX_EXIT_INVEPT 50
#define VMX_EXIT_PREEMPT_TIMER 52
#define VMX_EXIT_INVVPID 53
#define VMX_EXIT_XSETBV 55
#define VMX_EXIT_REASON_ENTRY_FAIL (1u << 31)

#define VMX_INTR_VALID (1u << 31)
#define VMX_INTR_ERR_VALID (1u << 11)
#define VMX_INTR_TYPE_SHIFT 8
#define VMX_INTR_TYPE_EXT 0u
#define VMX_INTR_TYPE_NMI 2u
#define VMX_INTR_TYPE_HW_EXCP 3u
#define VMX_INTR_TYPE_SW_INTR 4u
#define VMX_INTR_TYPE_PRIV_SW_EXCP 5u
#define VMX_INTR_TYPE_SW_EXCP 6u

/* ---- per-vCPU state -------------------------------------------------------------------------- */

/* The general registers, indexed like x86_insn.reg; RSP is mirrored from the VMCS. */
enum {
	VGPR_RAX,
	VGPR_RCX,
	VGPR_RDX,
	VGPR_RBX,
	VGPR_RSP,
	VGPR_RBP,
	VGPR_RSI,
	VGPR_RDI,
	VGPR_R8,
	VGPR_R9
};

/* Guest TLB tags (vmx_tlb.c): a VPID, and what must be invalidated before the next entry. */
struct vmx_tlb_vcpu {
	u16 vpid;	 /* 0: none (the VPID control is off: every entry and exit flushes) */
	bool ept_stale;	 /* the EPT changed: INVEPT before the next entry */
	bool vpid_stale; /* the guest's linear translations must go (Moat changed its paging) */
};

struct vmx_vm;

#define VMX_LAZY_MSRS 5 /* STAR, LSTAR, CSTAR, SFMASK, KernelGSbase: VMX does not switch them */

struct vmx_vcpu {
	struct vcpu *v; /* the core object (VM, index, power state) */
	struct vmx_vm *xm;
	paddr_t vmcs;
	u64 gprs[16];
	struct vlapic lapic;
	struct vmx_tlb_vcpu tlb;
	u64 exits;			/* exits handled */
	u64 cr8;			/* CR8 when its accesses exit (no TPR shadow) */
	bool launched;			/* VMLAUNCH done: VMRESUME from now on */
	bool nmi_pending, init_pending; /* set by other vCPUs' IPIs */
	bool wait_sipi;			/* after INIT: only a start-up IPI runs it */
	bool sipi_after_init;		/* a start-up IPI came before its INIT was taken */
	u8 sipi_vector;
	bool running; /* has an entry state (boot CPU, or started by a start-up IPI) */
	bool halted;  /* in HLT until an interrupt it can take */
	/* What the CPU keeps across entries and exits, saved when it runs another vCPU. */
	bool fpu_valid;
	u64 lazy_msr[VMX_LAZY_MSRS], cr2;
	u8 fpu[512] __aligned(16); /* FXSAVE image */
	/* vmx_exit_fast() answers exits until the TSC is there (vmx_fast_allowed()). */
	u64 fast_until_tsc;
};

/* The VMX backend's VM: the core VM, its EPT, its I/O devices and vCPUs. */
struct vmx_vm {
	struct vm *vm;
	const struct vmx_caps *caps;
	struct ept ept;
	struct x86_vio io;
	struct vmx_vcpu vcpu[CFG_MAX_VCPUS];
	void (*kick)(struct vmx_vm *xm, unsigned idx);
};

/* ---- VMCS set-up (vmx_vmcs.c) ---------------------------------------------------------------- */

/* The host state an exit returns to (image: read from the CPU; tests: any values). */
struct vmx_host_state {
	u64 cr0, cr3, cr4, efer, pat, fs_base, gdtr_base, idtr_base, tr_base;
	u16 cs, ds, tr;
};

/* The current VMCS's controls, host state, EPTP, VPID, MSR bitmap and masks. */
void vmx_vmcs_init(const struct vmx_caps *caps, const struct vmx_host_state *h, u64 eptp, u16 vpid,
		   u64 msr_bitmap_pa);
/* The MSR bitmap (24.6.9): every MSR intercepted except those the VMCS switches itself. */
void vmx_msr_bitmap_init(u8 *bitmap);
bool vmx_msr_bitmap_intercepts(const u8 *bitmap, u32 msr, bool write);
/* Entry states: the Linux 64-bit boot protocol (as svm_vmcb_set_boot64), and the real-mode
 * start-up at vector << 12 after INIT and SIPI. */
void vmx_vmcs_set_boot64(const struct vmx_caps *caps, u64 rip, u64 cr3, u64 gdt, u16 gdt_limit);
void vmx_vmcs_set_sipi(const struct vmx_caps *caps, u8 vector);
/* CR0/CR4 as the hardware needs them for the guest's values (fixed bits forced). */
u64 vmx_cr0_hw(const struct vmx_caps *caps, u64 guest);
u64 vmx_cr4_hw(const struct vmx_caps *caps, u64 guest);

/* ---- TLB tags (vmx_tlb.c) ---------------------------------------------------------------------- */

#define INVEPT_SINGLE 1
#define INVEPT_ALL 2
#define INVVPID_ADDR 0
#define INVVPID_SINGLE 1
#define INVVPID_ALL 2

/* The instructions (image: vmx_cpu.c; tests: the TLB model). */
void vmx_hw_invept(unsigned type, u64 eptp);
void vmx_hw_invvpid(unsigned type, u16 vpid, u64 la);

/* A VPID for a new vCPU, 0 when the 16-bit space (1..65535) is used up. */
u16 vmx_vpid_alloc(void);
void vmx_vpid_free(u16 vpid);
/* Before an entry: the invalidations the vCPU's pending changes need (SDM 28.4.3). */
void vmx_tlb_prepare(const struct vmx_caps *caps, struct vmx_tlb_vcpu *t, u64 eptp);
/* The VM's EPT lost or changed translations: every vCPU invalidates before its next entry. */
void vmx_ept_changed(struct vmx_vm *xm);
/* Moat changed the vCPU's paging state behind its back (INIT, SIPI, emulated CR writes). */
void vmx_tlb_guest_flush(struct vmx_tlb_vcpu *t);

/* ---- exits (vmx_exit.c) ------------------------------------------------------------------------ */

enum vmx_action {
	VMX_RESUME,    /* enter again */
	VMX_HALT,      /* the vCPU waits for an interrupt (HLT) */
	VMX_STOP_VM,   /* the VM cannot go on (triple fault, entry failure) */
	VMX_POWER_OFF, /* the guest asked for power-off */
	VMX_RESET,     /* the guest asked for a reset */
};

void vmx_vm_send_ipi(struct vmx_vm *xm, unsigned from, const struct vlapic_ipi *ipi);
/* Handles the exit the current VMCS describes. Everything in it and in guest memory is hostile. */
enum vmx_action vmx_handle_exit(struct vmx_vcpu *xv, u64 now_ns);
/* VMLAUNCH/VMRESUME itself failed (VMfailValid: `insn_error` from the VMCS; VMfailInvalid: 0). */
enum vmx_action vmx_entry_failed(struct vmx_vcpu *xv, bool valid, u64 insn_error);
/* Queues the next event (NMI, vlapic vector) or asks for an interrupt window. */
void vmx_inject_pending(struct vmx_vcpu *xv);
/*
 * Whether the entry about to run (vmx_inject_pending() done) may have its exits answered by
 * vmx_exit_fast(): the full path has nothing to do before the next entry (no stop request, no
 * INIT or NMI, no event to inject, no interrupt window, no vector in the IRR whatever its
 * priority), and a fast hypercall changes none of it. What else could change it meanwhile
 * (a device, in time another CPU's kick) is an interrupt, held while Moat runs with IF 0, that
 * ends the next entry at once (external-interrupt exiting). If so, the fast path may go on
 * until the TSC reaches `until_tsc` (the caller's slice: re-entries from the fast path
 * restart the preemption timer), and while the guest's x2APIC timer is not due (the full path
 * polls it).
 */
bool vmx_fast_allowed(struct vmx_vcpu *xv, u64 until_tsc);
/*
 * The exit fast path (vmx_entry.S calls it at the exit, before anything else, for an entry
 * vmx_fast_allowed() let use it). regs[7] is the hypercall register block (x0..x6,
 * docs/guest-abi.md x86): the guest's RAX, RDI, RSI, RDX, RCX, R8, R9, which are not in gprs
 * meanwhile. A VMCALL of a fast hypercall (hypercall_dispatch_fast()) within the time
 * vmx_fast_allowed() gave is answered: results in regs[0..3], RIP past it, true returned,
 * and the guest re-enters at once. False: nothing changed; vmx_handle_exit() takes the exit.
 */
bool vmx_exit_fast(struct vmx_vcpu *xv, u64 *regs);
/* A short name for an exit reason or VM-instruction error, for the log. */
const char *vmx_exit_name(u32 reason);
const char *vmx_insn_error_name(u64 err);

/* ---- image only (vmx_cpu.c, vmx_run.c) --------------------------------------------------------- */

int vmx_cpu_probe(struct vmx_msrs *m) __must_check;
/* VMXON with the CPU's fixed CR0/CR4 bits applied; `region`: a zeroed 4 KiB page. */
int vmx_cpu_enable(const struct vmx_caps *caps, paddr_t region) __must_check;
/* Makes the VMCS at `vmcs` current, clearing it first when `clear` (a new VMCS). */
int vmx_vmcs_load(const struct vmx_caps *caps, paddr_t vmcs, bool clear) __must_check;
void vmx_host_state_read(struct vmx_host_state *h);
/* At most one guest entry (VMX_HALT when the vCPU cannot run now); the vCPU's loop. */
enum vmx_action vmx_vcpu_step(struct vmx_vcpu *xv);
enum vmx_action vmx_vcpu_run(struct vmx_vcpu *xv);
/* The current VMCS changed outside vmx_vcpu_step (a new or reset vCPU). */
void vmx_vcpu_forget(void);
/* SYSTEM_RESET of a VM (vmx_vm.c): RAM reloaded, every vCPU at its boot state again. */
int vmx_vm_reset(struct vmx_vm *xm) __must_check;

#endif
