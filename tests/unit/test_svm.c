// SPDX-License-Identifier: MIT
/*
 * The SVM backend on the host: feature parsing (QEMU's measured CPUID), the VMCB set-up
 * (byte offsets from APM appendix B, intercepts, the entry states against the VMRUN
 * consistency checks of APM 15.5.1), the MSR permission map, and the exit dispatch for every
 * exit kind with the guest's documented faults, a malformed instruction at the exit RIP,
 * IPIs with INIT/SIPI, event injection, and an exit storm.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "arch/x86/svm.h"
#include "arch/x86/vcpuid.h"
#include "vmm/hypercall.h"
#include "guest_abi/moat_abi.h"
#include "lib/err.h"
#include "svm_fixture.h"

static struct svmf f;

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	test_log_reset();
	svmf_init(&f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	svmf_fini(&f);
	return 0;
}

/* ---- features and the VMCB ------------------------------------------------------------------ */

static void caps_from_qemu_cpuid(void **state)
{
	/* -cpu max under TCG: 8000_000A = rev 1, 16 ASIDs, EDX 0x10010001 (NPT, VGIF, ...) */
	const u32 qemu[4] = { 1, 16, 0, 0x10010001 }, no_npt[4] = { 1, 16, 0, 0 },
		  one_asid[4] = { 1, 1, 0, 1 };
	struct svm_caps c;

	assert_int_equal(svm_caps_parse(1u << 2, qemu, 0, &c), 0);
	assert_int_equal(c.nasid, 16);
	assert_true(c.npt && c.vgif);
	assert_false(c.nrips || c.flush_by_asid || c.decode_assists);
	assert_int_equal(svm_caps_parse(0, qemu, 0, &c), -E_NOTSUP);
	assert_int_equal(svm_caps_parse(1u << 2, no_npt, 0, &c), -E_NOTSUP);
	assert_int_equal(svm_caps_parse(1u << 2, qemu, 1u << 4, &c), -E_PERM); /* SVMDIS */
	assert_int_equal(svm_caps_parse(1u << 2, one_asid, 0, &c), -E_INVAL);
	(void)state;
}

static u64 at(const void *base, unsigned off)
{
	u64 v;

	memcpy(&v, (const u8 *)base + off, 8);
	return v;
}

/* The VMRUN consistency checks of APM 15.5.1 that an entry state can fail (a model). */
static bool vmrun_state_ok(const struct vmcb *v)
{
	const struct vmcb_save *s = &v->s;
	bool lme = s->efer & EFER_LME, pg = s->cr0 >> 31 & 1, pae = s->cr4 >> 5 & 1;
	bool cs_l = s->cs.attrib >> 9 & 1, cs_d = s->cs.attrib >> 10 & 1;

	if (!(s->efer & EFER_SVME) || (s->cr0 >> 32) || ((s->cr0 >> 29 & 3) == 1))
		return false; /* SVME clear, CR0[63:32], CD = 0 with NW = 1 */
	if (s->dr6 >> 32 || s->dr7 >> 32 || (s->efer >> 16))
		return false;
	if (lme && pg && (!pae || !(s->cr0 & 1)))
		return false;
	if (lme && pg && pae && cs_l && cs_d)
		return false;
	if (!(v->c.intercept4 & SVM_I4_VMRUN) || !v->c.asid)
		return false;
	return true;
}

static void vmcb_layout_and_intercepts(void **state)
{
	struct vmcb *v = f.vmcb[0];

	/* Byte offsets of APM table B-1/B-2, through the struct */
	v->c.asid = 0x1234;
	v->c.ncr3 = 0x5000;
	v->s.rax = 0xaa55;
	v->s.rip = 0x7777;
	assert_int_equal(at(v, 0x058) & 0xffffffff, 0x1234);
	assert_int_equal(at(v, 0x0b0), 0x5000);
	assert_int_equal(at(v, 0x5f8), 0xaa55);
	assert_int_equal(at(v, 0x578), 0x7777);
	svm_vmcb_init(v, 0x11000, 0x22000, 0x33000);
	assert_int_equal(at(v, 0x040), 0x11000);
	assert_int_equal(at(v, 0x048), 0x22000);
	assert_int_equal(at(v, 0x090) & 1, 1);
	assert_int_equal(v->c.ncr3, 0x33000);
	assert_true(v->c.intercept4 & SVM_I4_VMRUN);
	for (u32 b = SVM_I3_INTR; b; b <<= 1) {
		bool want = b & (SVM_I3_INTR | SVM_I3_NMI | SVM_I3_HLT | SVM_I3_IOIO | SVM_I3_MSR |
				 SVM_I3_CPUID | SVM_I3_SHUTDOWN | SVM_I3_INVD | SVM_I3_INIT);
		if (want)
			assert_true(v->c.intercept3 & b);
	}
	assert_true(v->c.intercept4 & SVM_I4_VMMCALL);
	assert_int_equal(v->c.exceptions, 1u << 1 | 1u << 17 | 1u << 18);
	assert_int_equal(v->s.g_pat, 0x0007040600070406ULL);
	(void)state;
}

static void entry_states_pass_vmrun_checks(void **state)
{
	struct vmcb *v = f.vmcb[0];

	svm_vmcb_set_boot64(v, 0x100000, 0x9000, 0x6000, 0x1f);
	v->c.asid = 1;
	assert_true(vmrun_state_ok(v));
	assert_int_equal(v->s.cs.sel, 0x10); /* __BOOT_CS, __BOOT_DS: Linux boot protocol */
	assert_int_equal(v->s.ds.sel, 0x18);
	assert_int_equal(v->s.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
	assert_int_equal(v->s.rflags & (1u << 9), 0); /* interrupts off */
	assert_int_equal(v->s.gdtr.base, 0x6000);
	svm_vmcb_set_sipi(v, 0x9a);
	assert_true(vmrun_state_ok(v));
	assert_int_equal(v->s.cs.sel, 0x9a00);
	assert_int_equal(v->s.cs.base, 0x9a000);
	assert_int_equal(v->s.rip, 0);
	assert_int_equal(v->s.cr0 & 1, 0);
	/* the model catches a broken state: CS.L and CS.D together in long mode */
	svm_vmcb_set_boot64(v, 0, 0, 0, 0);
	v->s.cs.attrib |= 1u << 10;
	assert_false(vmrun_state_ok(v));
	(void)state;
}

static void msr_permission_map(void **state)
{
	u8 *iopm = malloc(3 * 4096), *msrpm = malloc(2 * 4096);

	svm_permission_maps_init(iopm, msrpm);
	for (unsigned i = 0; i < 3 * 4096; i++)
		assert_int_equal(iopm[i], 0xff);
	/* switched by VMLOAD/VMSAVE: not intercepted */
	assert_false(svm_msrpm_intercepts(msrpm, 0xc0000100, false)); /* FS.base */
	assert_false(svm_msrpm_intercepts(msrpm, 0xc0000102, true));  /* KernelGSbase */
	assert_false(svm_msrpm_intercepts(msrpm, 0x175, true));	      /* SYSENTER_ESP */
	/* bit positions of 15.11: MSR 0x175 write is bit 2*0x175+1 of the first block */
	assert_int_equal(msrpm[(2 * 0x175 + 1) / 8] >> ((2 * 0x175 + 1) % 8) & 1, 0);
	assert_true(svm_msrpm_intercepts(msrpm, 0xc0000080, true)); /* EFER */
	assert_true(svm_msrpm_intercepts(msrpm, 0x830, true));	    /* x2APIC ICR */
	assert_true(svm_msrpm_intercepts(msrpm, 0xc0010114, false));
	assert_true(svm_msrpm_intercepts(msrpm, 0x40000000, false)); /* outside the map */
	free(iopm);
	free(msrpm);
	(void)state;
}

/* ---- exits ----------------------------------------------------------------------------------- */

static struct svm_vcpu *cpu0(void)
{
	return &f.sm.vcpu[0];
}

static enum svm_action run_exit(u64 code, u64 i1, u64 i2, const u8 *b, unsigned n)
{
	svmf_exit(&f, 0, code, i1, i2, b, n);
	return svm_handle_exit(cpu0(), 1000);
}

static u64 injected(void)
{
	return f.vmcb[0]->c.event_inj;
}

#define EXC(v) ((u64)(v) | SVM_EV_TYPE_EXCP | SVM_EV_VALID)

static void hlt_cpuid_and_invd(void **state)
{
	struct svm_vcpu *sv = cpu0();

	assert_int_equal(run_exit(SVM_EXIT_HLT, 0, 0, (const u8[]){ 0xf4 }, 1), SVM_HALT);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 1);
	assert_int_equal(run_exit(SVM_EXIT_HLT, 0, 0, (const u8[]){ 0x3e, 0xf4 }, 2), SVM_HALT);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 2);
	sv->gprs[GPR_RAX] = 1;
	f.vmcb[0]->s.rax = 1;
	assert_int_equal(run_exit(SVM_EXIT_CPUID, 0, 0, (const u8[]){ 0x0f, 0xa2 }, 2), SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 2);
	assert_true(sv->gprs[GPR_RCX] & 1u << 21);	     /* x2APIC */
	assert_true(sv->gprs[GPR_RCX] & 1u << 31);	     /* hypervisor */
	assert_false(sv->gprs[GPR_RCX] & 1u << 5);	     /* VMX hidden */
	assert_int_equal(sv->gprs[GPR_RBX] >> 24, 0);	     /* APIC ID of vCPU 0 */
	assert_int_equal(sv->gprs[GPR_RBX] >> 16 & 0xff, 2); /* two vCPUs */
	f.vmcb[0]->s.rax = 0x80000001u;
	run_exit(SVM_EXIT_CPUID, 0, 0, (const u8[]){ 0x0f, 0xa2 }, 2);
	assert_false(sv->gprs[GPR_RCX] & 1u << 2); /* SVM hidden */
	f.vmcb[0]->s.rax = X86_CPUID_MOAT_LEAF;
	run_exit(SVM_EXIT_CPUID, 0, 0, (const u8[]){ 0x0f, 0xa2 }, 2);
	assert_memory_equal(&sv->gprs[GPR_RBX], "Moat", 4);
	/* a prefix the plain-encoding fast path does not know: the decoder gives the length */
	assert_int_equal(run_exit(SVM_EXIT_CPUID, 0, 0, (const u8[]){ 0x3e, 0x0f, 0xa2 }, 3),
			 SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 3);
	assert_int_equal(run_exit(SVM_EXIT_INVD, 0, 0, (const u8[]){ 0x0f, 0x08 }, 2), SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 2);
	(void)state;
}

/* The bytes at RIP are not the instruction the exit reports (another vCPU rewrote them, or
 * never were): RIP stays, nothing is emulated, the guest runs what is there. */
static void malformed_instruction_at_rip(void **state)
{
	static const u8 nops[4] = { 0x90, 0x90, 0x90, 0x90 }, junk[15] = { [0 ... 14] = 0x66 };
	u64 calls = f.vm.con_len;

	assert_int_equal(run_exit(SVM_EXIT_CPUID, 0, 0, nops, 4), SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE);
	assert_int_equal(injected(), 0);
	assert_int_equal(run_exit(SVM_EXIT_HLT, 0, 0, junk, 15), SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE);
	assert_int_equal(run_exit(SVM_EXIT_MSR, 1, 0, (const u8[]){ 0x0f, 0xa2 }, 2), SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE);
	/* RIP outside RAM: nothing to read, nothing done */
	svmf_exit(&f, 0, SVM_EXIT_CPUID, 0, 0, nops, 1);
	f.vmcb[0]->s.rip = 0x7ffffffff000ULL;
	assert_int_equal(svm_handle_exit(cpu0(), 0), SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, 0x7ffffffff000ULL);
	assert_int_equal(f.vm.con_len, calls);
	(void)state;
}

/* With NRIPS the CPU gives the length: the bytes at RIP are not read again; a next RIP no
 * instruction can give (before RIP, past 15 bytes) is ignored and the bytes decide. */
static void nrips_gives_the_length(void **state)
{
	static const u8 nops[4] = { 0x90, 0x90, 0x90, 0x90 };
	struct vmcb *v = f.vmcb[0];

	f.sm.nrips = true;
	svmf_exit(&f, 0, SVM_EXIT_VMMCALL, 0, 0, nops, 4);
	v->c.next_rip = SVMF_CODE + 3;
	v->s.rax = MOAT_HC_NULL;
	assert_int_equal(svm_handle_exit(cpu0(), 0), SVM_RESUME);
	assert_int_equal(v->s.rip, SVMF_CODE + 3);
	assert_int_equal(v->s.rax, MOAT_OK);
	svmf_exit(&f, 0, SVM_EXIT_HLT, 0, 0, nops, 4);
	v->c.next_rip = SVMF_CODE + 16; /* impossible: the NOPs are not HLT, RIP stays */
	assert_int_equal(svm_handle_exit(cpu0(), 0), SVM_RESUME);
	assert_int_equal(v->s.rip, SVMF_CODE);
	svmf_exit(&f, 0, SVM_EXIT_HLT, 0, 0, (const u8[]){ 0xf4 }, 1);
	v->c.next_rip = SVMF_CODE; /* no length: the bytes give it */
	assert_int_equal(svm_handle_exit(cpu0(), 0), SVM_HALT);
	assert_int_equal(v->s.rip, SVMF_CODE + 1);
	f.sm.nrips = false;
	(void)state;
}

static void msr_accesses(void **state)
{
	struct svm_vcpu *sv = cpu0(), *sv1 = &f.sm.vcpu[1];
	static const u8 rd[] = { 0x0f, 0x32 }, wr[] = { 0x0f, 0x30 };

	sv->gprs[GPR_RCX] = 0x1b; /* IA32_APIC_BASE: x2APIC on, BSP */
	assert_int_equal(run_exit(SVM_EXIT_MSR, 0, 0, rd, 2), SVM_RESUME);
	assert_int_equal(sv->gprs[GPR_RAX], 0xfee00d00);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 2);
	/* an unknown MSR: #GP(0) at the instruction */
	sv->gprs[GPR_RCX] = 0xc0010114; /* VM_CR: SVM is not offered */
	assert_int_equal(run_exit(SVM_EXIT_MSR, 0, 0, rd, 2), SVM_RESUME);
	assert_int_equal(injected(), EXC(13) | SVM_EV_ERR_VALID);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE);
	/* EFER: SVME may not be set, NXE may */
	sv->gprs[GPR_RCX] = 0xc0000080;
	f.vmcb[0]->s.rax = EFER_SVME | EFER_LME;
	sv->gprs[GPR_RDX] = 0;
	assert_int_equal(run_exit(SVM_EXIT_MSR, 1, 0, wr, 2), SVM_RESUME);
	assert_int_equal(injected(), EXC(13) | SVM_EV_ERR_VALID);
	f.vmcb[0]->s.rax = EFER_NXE | EFER_LME | EFER_SCE;
	run_exit(SVM_EXIT_MSR, 1, 0, wr, 2);
	assert_int_equal(injected(), 0);
	assert_true(f.vmcb[0]->s.efer & EFER_SVME); /* VMRUN needs it; the guest does not see it */
	run_exit(SVM_EXIT_MSR, 0, 0, rd, 2);
	assert_int_equal(sv->gprs[GPR_RAX], EFER_NXE | EFER_LME | EFER_SCE | EFER_LMA);
	/* PAT: reserved memory type 2 is #GP */
	sv->gprs[GPR_RCX] = 0x277;
	f.vmcb[0]->s.rax = 0x02;
	run_exit(SVM_EXIT_MSR, 1, 0, wr, 2);
	assert_int_equal(injected(), EXC(13) | SVM_EV_ERR_VALID);
	/* x2APIC ICR: a fixed IPI to vCPU 1 (vector 0x61), which is kicked */
	vlapic_reset(&sv1->lapic, 1);
	sv->gprs[GPR_RCX] = X2APIC_ICR;
	f.vmcb[0]->s.rax = 0x61;
	sv->gprs[GPR_RDX] = 1;
	run_exit(SVM_EXIT_MSR, 1, 0, wr, 2);
	assert_int_equal(injected(), 0);
	assert_true(sv1->lapic.irr[3] & 1u << 1);
	assert_int_equal(f.kicks[1], 1);
	/* to x2APIC ID 5, which no vCPU of this VM has: nothing, nobody kicked */
	sv->gprs[GPR_RDX] = 5;
	run_exit(SVM_EXIT_MSR, 1, 0, wr, 2);
	assert_int_equal(f.kicks[0] + f.kicks[1], 1);
	/* reserved ICR bits: #GP */
	f.vmcb[0]->s.rax = 0x61 | 1u << 20;
	run_exit(SVM_EXIT_MSR, 1, 0, wr, 2);
	assert_int_equal(injected(), EXC(13) | SVM_EV_ERR_VALID);
	(void)state;
}

static void io_ports(void **state)
{
	/* OUT DX, AL at 0x3f8: "hi\n" on the VM's console, with its name */
	static const char *s = "hi\n";
	u64 out = (u64)0x3f8 << 16 | 1u << 4;

	for (const char *p = s; *p; p++) {
		f.vmcb[0]->s.rax = (u8)*p;
		assert_int_equal(
			run_exit(SVM_EXIT_IOIO, out, SVMF_CODE + 1, (const u8[]){ 0xee }, 1),
			SVM_RESUME);
		assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 1);
	}
	assert_true(test_log_has("[x86vm] hi"));
	/* IN from LSR: transmitter empty; from an unclaimed port: all ones (AL only) */
	f.vmcb[0]->s.rax = 0x1234;
	run_exit(SVM_EXIT_IOIO, (u64)0x3fd << 16 | 1u << 4 | 1, SVMF_CODE + 1, NULL, 0);
	assert_int_equal(f.vmcb[0]->s.rax, 0x1260);
	run_exit(SVM_EXIT_IOIO, (u64)0x80 << 16 | 1u << 6 | 1, SVMF_CODE + 1, NULL, 0);
	assert_int_equal(f.vmcb[0]->s.rax, 0xffffffff);
	/* string I/O: #GP, RIP stays */
	assert_int_equal(run_exit(SVM_EXIT_IOIO, out | 1u << 2, SVMF_CODE + 1, NULL, 0),
			 SVM_RESUME);
	assert_int_equal(injected(), EXC(13) | SVM_EV_ERR_VALID);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE);
	/* power-off through the sleep control register (SLP_TYP 5, SLP_EN), reset at 0xcf9 */
	f.vmcb[0]->s.rax = 5 << 2 | 1 << 5;
	assert_int_equal(run_exit(SVM_EXIT_IOIO, (u64)0x600 << 16 | 1u << 4, 0, NULL, 0),
			 SVM_POWER_OFF);
	f.vmcb[0]->s.rax = 3 << 2 | 1 << 5; /* S3: not offered, ignored */
	assert_int_equal(run_exit(SVM_EXIT_IOIO, (u64)0x600 << 16 | 1u << 4, 0, NULL, 0),
			 SVM_RESUME);
	f.vmcb[0]->s.rax = 0x06;
	assert_int_equal(run_exit(SVM_EXIT_IOIO, (u64)0xcf9 << 16 | 1u << 4, 0, NULL, 0),
			 SVM_RESET);
	(void)state;
}

static void hypercalls_through_vmmcall(void **state)
{
	static const u8 vmmcall[] = { 0x0f, 0x01, 0xd9 };
	struct svm_vcpu *sv = cpu0();

	f.vmcb[0]->s.rax = MOAT_HC_VERSION;
	assert_int_equal(run_exit(SVM_EXIT_VMMCALL, 0, 0, vmmcall, 3), SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rax, MOAT_OK);
	assert_int_equal(sv->gprs[GPR_RDI], MOAT_ABI_VERSION);		/* x1 -> RDI */
	assert_int_equal(sv->gprs[GPR_RSI], (1u << MOAT_HC_COUNT) - 1); /* x2 -> RSI */
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 3);
	/* a reserved argument register (x6 = R9) not zero */
	f.vmcb[0]->s.rax = MOAT_HC_NULL;
	sv->gprs[GPR_R9] = 1;
	run_exit(SVM_EXIT_VMMCALL, 0, 0, vmmcall, 3);
	assert_int_equal((int64_t)f.vmcb[0]->s.rax, MOAT_INVALID_PARAM);
	sv->gprs[GPR_R9] = 0;
	/* console write: x1 = GPA (RDI), x2 = length (RSI) */
	memcpy(svmf_host(&f, VM_RAM_BASE + 0x2000), "from vmmcall\n", 13);
	f.vmcb[0]->s.rax = MOAT_HC_CONSOLE_WRITE;
	sv->gprs[GPR_RDI] = VM_RAM_BASE + 0x2000;
	sv->gprs[GPR_RSI] = 13;
	run_exit(SVM_EXIT_VMMCALL, 0, 0, vmmcall, 3);
	assert_int_equal(f.vmcb[0]->s.rax, MOAT_OK);
	assert_true(test_log_has("[x86vm] from vmmcall"));
	/* outside RAM */
	f.vmcb[0]->s.rax = MOAT_HC_CONSOLE_WRITE;
	sv->gprs[GPR_RDI] = 0x1000;
	sv->gprs[GPR_RSI] = 8;
	run_exit(SVM_EXIT_VMMCALL, 0, 0, vmmcall, 3);
	assert_int_equal((int64_t)f.vmcb[0]->s.rax, MOAT_BAD_ADDRESS);
	/* not a Moat function: -1 (NOT_SUPPORTED) */
	f.vmcb[0]->s.rax = 0x12345678;
	run_exit(SVM_EXIT_VMMCALL, 0, 0, vmmcall, 3);
	assert_int_equal((int64_t)f.vmcb[0]->s.rax, -1);
	/* the power calls shared with arm64 */
	f.vmcb[0]->s.rax = 0x84000008;
	assert_int_equal(run_exit(SVM_EXIT_VMMCALL, 0, 0, vmmcall, 3), SVM_POWER_OFF);
	f.vmcb[0]->s.rax = 0x84000009;
	assert_int_equal(run_exit(SVM_EXIT_VMMCALL, 0, 0, vmmcall, 3), SVM_RESET);
	(void)state;
}

/*
 * VMMCALL has one encoding (0F 01 D9): its exit gives RIP + 3 whatever the bytes at RIP are
 * now (they are not read), or the CPU's next RIP with NRIPS; the call runs either way.
 */
static void vmmcall_length_from_the_exit(void **state)
{
	static const u8 nops[4] = { 0x90, 0x90, 0x90, 0x90 };
	struct vmcb *v = f.vmcb[0];

	v->s.rax = MOAT_HC_NULL;
	assert_int_equal(run_exit(SVM_EXIT_VMMCALL, 0, 0, nops, 4), SVM_RESUME);
	assert_int_equal(v->s.rip, SVMF_CODE + 3);
	assert_int_equal(v->s.rax, MOAT_OK);
	assert_int_equal(injected(), 0);
	f.sm.nrips = true; /* a prefixed VMMCALL: the CPU counts the prefix */
	svmf_exit(&f, 0, SVM_EXIT_VMMCALL, 0, 0, (const u8[]){ 0x3e, 0x0f, 0x01, 0xd9 }, 4);
	v->c.next_rip = SVMF_CODE + 4;
	v->s.rax = MOAT_HC_NULL;
	assert_int_equal(svm_handle_exit(cpu0(), 0), SVM_RESUME);
	assert_int_equal(v->s.rip, SVMF_CODE + 4);
	svmf_exit(&f, 0, SVM_EXIT_VMMCALL, 0, 0, nops, 4);
	v->c.next_rip = SVMF_CODE + 16; /* impossible: 3 */
	v->s.rax = MOAT_HC_NULL;
	assert_int_equal(svm_handle_exit(cpu0(), 0), SVM_RESUME);
	assert_int_equal(v->s.rip, SVMF_CODE + 3);
	(void)state;
}

/* Sets up a VMMCALL exit of vCPU 0 with the call in RAX and x1..x6 in their registers. */
static void vmmcall_exit(u64 fn, const u64 x[6])
{
	static const unsigned reg[6] = { GPR_RDI, GPR_RSI, GPR_RDX, GPR_RCX, GPR_R8, GPR_R9 };

	svmf_exit(&f, 0, SVM_EXIT_VMMCALL, 0, 0, (const u8[]){ 0x0f, 0x01, 0xd9 }, 3);
	f.vmcb[0]->s.rax = fn;
	for (unsigned i = 0; i < 6; i++)
		cpu0()->gprs[reg[i]] = x[i];
	f.vmcb[0]->c.int_state = 1;
	f.vmcb[0]->c.tlb_control = 1;
}

/* What svm_entry.S does around svm_exit_fast(): x1..x6 from the guest's registers into the
 * block, and back into them (the asm reloads them from it, answered or not). */
static bool fast_exit(struct svm_vcpu *sv)
{
	static const unsigned reg[6] = { GPR_RDI, GPR_RSI, GPR_RDX, GPR_RCX, GPR_R8, GPR_R9 };
	u64 regs[HC_NREGS] = { 0x5a5a };
	bool done;

	for (unsigned i = 0; i < 6; i++)
		regs[1 + i] = sv->gprs[reg[i]];
	done = svm_exit_fast(sv, regs);
	for (unsigned i = 0; i < 6; i++)
		sv->gprs[reg[i]] = regs[1 + i];
	return done;
}

/*
 * The fast path answers exactly the calls that never block, with the registers, RIP, shadow
 * and exit count the full path gives; anything else (other calls, other exits, an event to
 * deliver again) it declines having changed nothing.
 */
static void fast_exit_matches_full_exit_or_declines(void **state)
{
	static const u64 args[3][6] = { { 0 },
					{ VM_RAM_BASE + 0x2000, 4096 },
					{ MOAT_HC_NULL, 0, 0, 0, 0, 9 } };
	static const u64 extra[] = { 0x84000008, 0x12345678, MOAT_HC_BASE | 0x10000,
				     (u64)1 << 32 | MOAT_HC_NULL };
	struct svm_vcpu *sv = cpu0();
	struct vmcb *v = f.vmcb[0], full;
	u64 gfull[16], exits;
	unsigned nfast = 0;

	for (unsigned n = 0; n < MOAT_HC_COUNT + 1 + ARRAY_SIZE(extra); n++) {
		u64 fn = n <= MOAT_HC_COUNT ? MOAT_HC_FN(n) : extra[n - MOAT_HC_COUNT - 1];

		for (unsigned p = 0; p < 3; p++) {
			u64 in[HC_NREGS] = { fn,	 args[p][0], args[p][1], args[p][2],
					     args[p][3], args[p][4], args[p][5] };
			bool fast = hypercall_dispatch_fast(&f.vm.vcpu[0], in);

			vmmcall_exit(fn, args[p]);
			exits = sv->exits;
			if (fast) {
				assert_int_equal(svm_handle_exit(sv, 0), SVM_RESUME);
				memcpy(&full, v, sizeof(full));
				memcpy(gfull, sv->gprs, sizeof(gfull));
				vmmcall_exit(fn, args[p]);
			}
			assert_int_equal(fast_exit(sv), fast);
			if (!fast) {
				assert_int_equal(v->s.rip, SVMF_CODE);
				assert_int_equal(v->s.rax, fn);
				assert_int_equal(v->c.int_state, 1);
				assert_int_equal(sv->exits, exits);
				assert_int_equal(sv->gprs[GPR_RDI], args[p][0]);
				assert_int_equal(sv->gprs[GPR_RSI], args[p][1]);
				assert_int_equal(sv->gprs[GPR_R9], args[p][5]);
				continue;
			}
			nfast++;
			assert_int_equal(sv->exits, exits + 2);
			assert_int_equal(v->s.rip, full.s.rip);
			assert_int_equal(v->s.rax, full.s.rax);
			assert_int_equal(v->c.int_state, full.c.int_state);
			assert_int_equal(v->c.event_inj, 0);
			assert_int_equal(v->c.tlb_control, 0);
			assert_memory_equal(sv->gprs + 1, gfull + 1, sizeof(gfull) - 8);
		}
	}
	assert_int_equal(nfast, 3 * 6); /* VERSION FEATURES NULL VM_INFO VCPU_STATE SHARED_CHECK */
	/* other exits, and a VMMCALL exit that interrupted an event's delivery, are not its */
	vmmcall_exit(MOAT_HC_NULL, args[0]);
	v->c.exit_code = SVM_EXIT_CPUID;
	assert_false(fast_exit(sv));
	vmmcall_exit(MOAT_HC_NULL, args[0]);
	v->c.exit_int_info = 0x20 | SVM_EV_TYPE_INTR | SVM_EV_VALID;
	assert_false(fast_exit(sv));
	assert_int_equal(v->s.rip, SVMF_CODE);
	(void)state;
}

/* Entries with anything for the full path to do before the next one do not use the fast
 * path: a stop, INIT, NMI, an event to inject, an interrupt window, a vector in the IRR. */
static void fast_path_only_with_nothing_pending(void **state)
{
	struct svm_vcpu *sv = cpu0();
	struct vmcb *v = f.vmcb[0];

	svm_inject_pending(sv);
	assert_true(svm_fast_allowed(sv));
	f.vm.stopping = true;
	assert_false(svm_fast_allowed(sv));
	f.vm.stopping = false;
	sv->init_pending = true;
	assert_false(svm_fast_allowed(sv));
	sv->init_pending = false;
	sv->nmi_pending = true;
	assert_false(svm_fast_allowed(sv));
	svm_inject_pending(sv); /* the NMI is injected: still not */
	assert_false(svm_fast_allowed(sv));
	v->c.event_inj = 0;
	assert_true(svm_fast_allowed(sv));
	/* a vector below the priority: nothing injected, but it is in the IRR */
	sv->lapic.svr = 0x1ff;
	sv->lapic.tpr = 0xf0;
	vlapic_accept(&sv->lapic, 0xe1);
	svm_inject_pending(sv);
	assert_int_equal(v->c.event_inj, 0);
	assert_false(svm_fast_allowed(sv));
	/* deliverable with interrupts off: a window is asked for */
	sv->lapic.tpr = 0;
	v->s.rflags = 0;
	svm_inject_pending(sv);
	assert_true(v->c.intercept3 & SVM_I3_VINTR);
	assert_false(svm_fast_allowed(sv));
	v->s.rflags = 1u << 9;
	svm_inject_pending(sv); /* injected: IRR -> ISR, nothing left in the IRR */
	assert_true(v->c.event_inj & SVM_EV_VALID);
	assert_false(svm_fast_allowed(sv));
	v->c.event_inj = 0;
	assert_true(svm_fast_allowed(sv));
	(void)state;
}

static void nested_page_faults(void **state)
{
	/* mov (%rdx),%eax from the virtual ECAM (no device there: all ones), RIP advances */
	struct svm_vcpu *sv = cpu0();

	f.vmcb[0]->s.rax = 0x1234567890ULL;
	sv->gprs[GPR_RDX] = MOAT_GPA_ECAM + 0x800;
	assert_int_equal(
		run_exit(SVM_EXIT_NPF, 4, MOAT_GPA_ECAM + 0x800, (const u8[]){ 0x8b, 0x02 }, 2),
		SVM_RESUME);
	assert_int_equal(injected(), 0);
	assert_int_equal(f.vmcb[0]->s.rax, 0xffffffff);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 2);
	/* a store there is taken (and dropped: no device) */
	assert_int_equal(run_exit(SVM_EXIT_NPF, 6, MOAT_GPA_ECAM, (const u8[]){ 0x89, 0x02 }, 2),
			 SVM_RESUME);
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE + 2);
	/* outside the memory map: #MC at the instruction */
	assert_int_equal(run_exit(SVM_EXIT_NPF, 6, 0x20000000, (const u8[]){ 0x89, 0x02 }, 2),
			 SVM_RESUME);
	assert_int_equal(injected(), EXC(18));
	assert_int_equal(f.vmcb[0]->s.rip, SVMF_CODE);
	/* emulated range, but not a MOV Moat emulates (a locked one): #MC */
	run_exit(SVM_EXIT_NPF, 6, MOAT_GPA_ECAM, (const u8[]){ 0xf0, 0x89, 0x02 }, 3);
	assert_int_equal(injected(), EXC(18));
	/* a fault on the guest's own page-table walk */
	run_exit(SVM_EXIT_NPF, 1ULL << 33 | 4, MOAT_GPA_ECAM, (const u8[]){ 0x89, 0x02 }, 2);
	assert_int_equal(injected(), EXC(18));
	(void)state;
}

static void other_exits(void **state)
{
	assert_int_equal(run_exit(SVM_EXIT_VMRUN, 0, 0, NULL, 0), SVM_RESUME);
	assert_int_equal(injected(), EXC(6));
	assert_int_equal(run_exit(SVM_EXIT_STGI, 0, 0, NULL, 0), SVM_RESUME);
	assert_int_equal(injected(), EXC(6));
	assert_int_equal(run_exit(SVM_EXIT_INTR, 0, 0, NULL, 0), SVM_RESUME);
	assert_int_equal(run_exit(SVM_EXIT_NMI, 0, 0, NULL, 0), SVM_RESUME);
	assert_int_equal(run_exit(SVM_EXIT_SHUTDOWN, 0, 0, NULL, 0), SVM_STOP_VM);
	assert_true(test_log_has("x86vm: vCPU 0: shutdown (triple fault)"));
	assert_int_equal(run_exit(SVM_EXIT_INVALID, 0, 0, NULL, 0), SVM_STOP_VM);
	assert_int_equal(run_exit(0x3ff, 0, 0, NULL, 0), SVM_STOP_VM);
	/* #AC is reflected with its error code, #DB without; a host #MC stops the VM */
	run_exit(SVM_EXIT_EXCP_BASE + 17, 0, 0, NULL, 0);
	assert_int_equal(injected(), EXC(17) | SVM_EV_ERR_VALID);
	run_exit(SVM_EXIT_EXCP_BASE + 1, 0, 0, NULL, 0);
	assert_int_equal(injected(), EXC(1));
	assert_int_equal(run_exit(SVM_EXIT_EXCP_BASE + 18, 0, 0, NULL, 0), SVM_STOP_VM);
	/* an event the exit interrupted is delivered again */
	svmf_exit(&f, 0, SVM_EXIT_INTR, 0, 0, NULL, 0);
	f.vmcb[0]->c.exit_int_info = 0x30 | SVM_EV_VALID;
	svm_handle_exit(cpu0(), 0);
	assert_int_equal(injected(), 0x30 | SVM_EV_VALID);
	(void)state;
}

/* "sti; hlt": the STI shadow covers the HLT; once Moat steps past it, the shadow is over and
 * a pending interrupt is injected at once instead of waiting for a window that never comes. */
static void stepping_ends_the_interrupt_shadow(void **state)
{
	struct svm_vcpu *sv = cpu0();
	struct vmcb *v = f.vmcb[0];

	vlapic_reset(&sv->lapic, 0);
	sv->lapic.svr = 0x1ff;
	svmf_exit(&f, 0, SVM_EXIT_HLT, 0, 0, (const u8[]){ 0xf4 }, 1);
	v->s.rflags = 0x202;
	v->c.int_state = 1;
	assert_int_equal(svm_handle_exit(sv, 0), SVM_HALT);
	assert_int_equal(v->c.int_state & 1, 0);
	vlapic_accept(&sv->lapic, 0x40);
	svm_inject_pending(sv);
	assert_int_equal(v->c.event_inj, 0x40 | SVM_EV_VALID);
	/* an exit that does not move RIP keeps the shadow */
	svmf_exit(&f, 0, SVM_EXIT_INTR, 0, 0, NULL, 0);
	v->c.int_state = 1;
	svm_handle_exit(sv, 0);
	assert_int_equal(v->c.int_state & 1, 1);
	(void)state;
}

static void injection_and_interrupt_window(void **state)
{
	struct svm_vcpu *sv = cpu0();
	struct vmcb *v = f.vmcb[0];

	vlapic_reset(&sv->lapic, 0);
	sv->lapic.svr = 0x1ff;
	vlapic_accept(&sv->lapic, 0x40);
	v->c.event_inj = 0;
	v->s.rflags = 0x2; /* IF clear: a window is asked for, nothing injected */
	svm_inject_pending(sv);
	assert_int_equal(v->c.event_inj, 0);
	assert_true(v->c.intercept3 & SVM_I3_VINTR);
	assert_true(v->c.vintr & 1u << 8);
	v->s.rflags = 0x202;
	svm_inject_pending(sv);
	assert_int_equal(v->c.event_inj, 0x40 | SVM_EV_VALID);
	assert_false(v->c.intercept3 & SVM_I3_VINTR);
	assert_true(sv->lapic.isr[2] & 1u); /* in service */
	/* an NMI goes first; an event already queued is not replaced */
	v->c.event_inj = 0;
	sv->nmi_pending = true;
	vlapic_accept(&sv->lapic, 0x80);
	svm_inject_pending(sv);
	assert_int_equal(v->c.event_inj, 2 | SVM_EV_TYPE_NMI | SVM_EV_VALID);
	svm_inject_pending(sv);
	assert_int_equal(v->c.event_inj, 2 | SVM_EV_TYPE_NMI | SVM_EV_VALID);
	(void)state;
}

static void init_and_startup_ipis(void **state)
{
	struct vlapic_ipi init = { .dest = 1, .mode = APIC_DM_INIT },
			  deassert = { .dest = 1, .mode = APIC_DM_INIT, .deassert = true },
			  sipi = { .dest = 1, .mode = APIC_DM_STARTUP, .vector = 0x9a };
	struct svm_vcpu *t = &f.sm.vcpu[1];

	t->wait_sipi = false; /* running: a start-up IPI alone is ignored */
	svm_vm_send_ipi(&f.sm, 0, &sipi);
	assert_int_equal(t->sipi_vector, 0);
	svm_vm_send_ipi(&f.sm, 0, &init);
	assert_true(t->init_pending);
	t->init_pending = false; /* what the target's run loop does with it */
	t->wait_sipi = true;
	/* Linux's sequence: INIT assert, INIT de-assert (no effect), SIPI, SIPI (ignored) */
	svm_vm_send_ipi(&f.sm, 0, &deassert);
	assert_false(t->init_pending);
	svm_vm_send_ipi(&f.sm, 0, &sipi);
	assert_false(t->wait_sipi);
	assert_int_equal(t->sipi_vector, 0x9a);
	sipi.vector = 0x77;
	svm_vm_send_ipi(&f.sm, 0, &sipi);
	assert_int_equal(t->sipi_vector, 0x9a);
	assert_int_equal(f.kicks[1], 2);
	(void)state;
}

/* INIT, SIPI, SIPI sent in one burst, before the target takes the INIT: it starts from the
 * first SIPI (fails when taking the INIT forgets a SIPI that came after it). */
static void startup_before_init_is_taken(void **state)
{
	struct vlapic_ipi init = { .dest = 1, .mode = APIC_DM_INIT },
			  sipi = { .dest = 1, .mode = APIC_DM_STARTUP, .vector = 0x9a };
	struct svm_vcpu *t = &f.sm.vcpu[1];

	t->wait_sipi = false;
	t->running = true;
	svm_vm_send_ipi(&f.sm, 0, &init);
	svm_vm_send_ipi(&f.sm, 0, &sipi);
	sipi.vector = 0x77;
	svm_vm_send_ipi(&f.sm, 0, &sipi); /* the second one is ignored */
	svm_vcpu_take_init(t);
	assert_false(t->init_pending);
	assert_false(t->running);
	assert_false(t->wait_sipi); /* the run loop starts it at once */
	assert_int_equal(t->sipi_vector, 0x9a);
	/* a later INIT alone: waits again */
	svm_vm_send_ipi(&f.sm, 0, &init);
	svm_vcpu_take_init(t);
	assert_true(t->wait_sipi);
	svm_vcpu_take_init(t); /* nothing pending: no change */
	assert_true(t->wait_sipi);
	(void)state;
}

/* Random exits, infos, registers and bytes at RIP: every answer is one of the actions, RIP
 * moves by at most 15 (or to IOIO's next RIP), only exceptions Moat documents are injected. */
static void exit_storm(void **state)
{
	static const u64 codes[] = { SVM_EXIT_INTR,    SVM_EXIT_VINTR,	      SVM_EXIT_CPUID,
				     SVM_EXIT_HLT,     SVM_EXIT_IOIO,	      SVM_EXIT_MSR,
				     SVM_EXIT_VMMCALL, SVM_EXIT_NPF,	      SVM_EXIT_INVD,
				     SVM_EXIT_VMRUN,   SVM_EXIT_EXCP_BASE + 1 };
	struct svm_vcpu *sv = cpu0();
	u64 rng = 42, n = 200000;

	for (u64 i = 0; i < n; i++) {
		u8 b[15];
		u64 code = codes[test_rand(&rng) % ARRAY_SIZE(codes)], r;
		u64 i1 = test_rand(&rng), i2 = SVMF_CODE + (test_rand(&rng) & 15);
		enum svm_action a;

		for (unsigned k = 0; k < 15; k++)
			b[k] = (u8)test_rand(&rng);
		if (code == SVM_EXIT_IOIO) /* ports away from the power registers */
			i1 = (i1 & 0x7d) | (u64)(0x3f8 + (i1 >> 40) % 8) << 16;
		if (code == SVM_EXIT_NPF)
			i2 = test_rand(&rng) & 1 ? MOAT_GPA_ECAM + (test_rand(&rng) & 0xfffff)
						 : test_rand(&rng);
		for (unsigned k = 0; k < 16; k++)
			sv->gprs[k] = test_rand(&rng) & 1 ? test_rand(&rng) : MOAT_GPA_ECAM;
		f.vmcb[0]->s.rax = sv->gprs[0];
		if (code == SVM_EXIT_VMMCALL || code == SVM_EXIT_MSR)
			f.vmcb[0]->s.rax &= 0xffff; /* neither the power calls nor huge values */
		svmf_exit(&f, 0, code, i1, i2, b, 15);
		a = svm_handle_exit(sv, i);
		assert_true(a == SVM_RESUME || a == SVM_HALT);
		r = f.vmcb[0]->s.rip;
		assert_true((r >= SVMF_CODE && r <= SVMF_CODE + 15));
		r = f.vmcb[0]->c.event_inj;
		assert_true(r == 0 || r == EXC(6) || r == EXC(18) || r == EXC(1) ||
			    r == (EXC(13) | SVM_EV_ERR_VALID));
		svm_inject_pending(sv);
	}
	assert_int_equal(sv->exits, n + 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(caps_from_qemu_cpuid, setup, teardown),
		cmocka_unit_test_setup_teardown(vmcb_layout_and_intercepts, setup, teardown),
		cmocka_unit_test_setup_teardown(entry_states_pass_vmrun_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(msr_permission_map, setup, teardown),
		cmocka_unit_test_setup_teardown(hlt_cpuid_and_invd, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_instruction_at_rip, setup, teardown),
		cmocka_unit_test_setup_teardown(nrips_gives_the_length, setup, teardown),
		cmocka_unit_test_setup_teardown(msr_accesses, setup, teardown),
		cmocka_unit_test_setup_teardown(io_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(hypercalls_through_vmmcall, setup, teardown),
		cmocka_unit_test_setup_teardown(vmmcall_length_from_the_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(fast_exit_matches_full_exit_or_declines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fast_path_only_with_nothing_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(nested_page_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(other_exits, setup, teardown),
		cmocka_unit_test_setup_teardown(injection_and_interrupt_window, setup, teardown),
		cmocka_unit_test_setup_teardown(stepping_ends_the_interrupt_shadow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(init_and_startup_ipis, setup, teardown),
		cmocka_unit_test_setup_teardown(startup_before_init_is_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(exit_storm, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
