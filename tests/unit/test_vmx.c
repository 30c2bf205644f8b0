// SPDX-License-Identifier: MIT
/*
 * The VMX backend's portable parts: capabilities and the VMCS set-up from the capability
 * MSRs of three Bochs CPU models (checked against the allowed-0/1 settings and the VM-entry
 * rules of SDM 26.2-26.3, not against Moat's own constants), and the exit dispatch on the
 * fake VMCS (every exit reason Moat's controls cause, the guest faults it answers with, entry
 * failures named in the log).
 */
#include <string.h>

#include "test_util.h"
#include "vmx_fixture.h"

#include "vmm/hypercall.h"
#include "guest_abi/moat_abi.h"
#include "lib/err.h"

static struct vmxf f;

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	vmxf_init(&f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vmxf_fini(&f);
	return 0;
}

/* ---- capabilities and the VMCS ----------------------------------------------------------- */

/* v obeys a control MSR: every allowed-0 bit set, nothing outside allowed-1. */
static void assert_ctl(u64 v, u64 msr)
{
	assert_int_equal(v & (u32)msr, (u32)msr);
	assert_int_equal(v & ~(msr >> 32), 0);
}

static void assert_vmcs_obeys(const struct vmx_msrs *m, const struct vmx_caps *c)
{
	bool t = m->basic & (1ULL << 55);
	u64 cr0 = vmcsf_get(VMCS_GUEST_CR0), cr4 = vmcsf_get(VMCS_GUEST_CR4);
	u64 efer = vmcsf_get(VMCS_GUEST_EFER), entry = vmcsf_get(VMCS_ENTRY_CTLS);

	assert_ctl(vmcsf_get(VMCS_PIN_CTLS), t ? m->true_pin : m->pin);
	assert_ctl(vmcsf_get(VMCS_PROC_CTLS), t ? m->true_proc : m->proc);
	assert_ctl(vmcsf_get(VMCS_EXIT_CTLS), t ? m->true_exit : m->exit);
	assert_ctl(entry, t ? m->true_entry : m->entry);
	assert_ctl(vmcsf_get(VMCS_PROC2_CTLS), m->proc2);
	/* 26.2.1: secondary controls, EPT and unrestricted guest, the 64-bit host */
	assert_true(vmcsf_get(VMCS_PROC_CTLS) & (1u << 31));
	assert_true((vmcsf_get(VMCS_PROC2_CTLS) & 0x82) == 0x82);
	assert_true(vmcsf_get(VMCS_EXIT_CTLS) & (1u << 9));
	assert_true(ept_model_eptp_valid(vmcsf_get(VMCS_EPTP), c->ept_ad));
	assert_int_equal(vmcsf_get(VMCS_LINK_PTR), ~0ULL);
	if (vmcsf_get(VMCS_PROC2_CTLS) & (1u << 5))
		assert_int_not_equal(vmcsf_get(VMCS_VPID), 0);
	/* 26.3.1.1: CR0/CR4 fixed bits (PE and PG free under unrestricted guest) */
	assert_int_equal(cr0 & (m->cr0_fixed0 & ~0x80000001ULL), m->cr0_fixed0 & ~0x80000001ULL);
	assert_int_equal(cr0 & ~m->cr0_fixed1, 0);
	assert_int_equal(cr4 & m->cr4_fixed0, m->cr4_fixed0);
	assert_int_equal(cr4 & ~m->cr4_fixed1, 0);
	/* IA-32e mode guest iff EFER.LMA, and then PG and PAE */
	assert_int_equal(!!(entry & (1u << 9)), !!(efer & (1u << 10)));
	if (efer & (1u << 10))
		assert_true((cr0 >> 31) && (cr4 & 0x20));
	assert_true(vmcsf_get(VMCS_GUEST_RFLAGS) & 2);
	assert_int_not_equal(vmcsf_get(VMCS_HOST_ES_SEL + 2 * 6), 0); /* host TR */
	assert_int_equal(vmcsf_bad_writes(), 0);
}

static void vmcs_from_two_models_obeys_their_msrs(void **state)
{
	const struct vmx_msrs *models[] = { &vmxf_skylake_x, &vmxf_ivy_bridge };
	struct vmx_host_state h = { .cr0 = 0x80050033, .cr4 = 0x2020, .cs = 8, .ds = 16, .tr = 24 };

	for (unsigned i = 0; i < 2; i++) {
		struct vmx_caps c;

		assert_int_equal(vmx_caps_parse(models[i], &c), 0);
		vmcsf_reset();
		vmx_vmcs_init(&c, &h, 0x5000 | 0x1e, 7, 0x6000);
		vmx_vmcs_set_boot64(&c, 0x100000, 0x1000, 0x2000, 0x1f);
		assert_vmcs_obeys(models[i], &c);
		vmx_vmcs_set_sipi(&c, 0x10); /* real mode: no IA-32e, PE and PG clear */
		assert_vmcs_obeys(models[i], &c);
		assert_int_equal(vmcsf_get(VMCS_GUEST_CR0) & 0x80000001ULL, 0);
		assert_int_equal(vmcsf_get(VMCS_GUEST_ES_BASE + 2), 0x10000);
	}
	(void)state;
}

static void model_capabilities_differ_as_reported(void **state)
{
	struct vmx_caps skx, ivb;

	assert_int_equal(vmx_caps_parse(&vmxf_skylake_x, &skx), 0);
	assert_int_equal(vmx_caps_parse(&vmxf_ivy_bridge, &ivb), 0);
	assert_int_equal(skx.ept_max_leaf, PT_SIZE_1G);
	assert_int_equal(ivb.ept_max_leaf, PT_SIZE_2M);
	assert_true(skx.ept_ad);
	assert_false(ivb.ept_ad);
	assert_true(skx.vpid && ivb.vpid && skx.preempt_timer && ivb.preempt_timer);
	assert_int_equal(skx.preempt_shift, 0);
	assert_true(skx.true_ctls);
	/* TRUE controls let Moat clear CR3-load/store exiting, default1 in the old MSR */
	assert_int_equal(skx.proc & (3u << 15), 0);
	(void)state;
}

static void missing_features_and_contradictions_are_refused(void **state)
{
	struct vmx_msrs m = vmxf_skylake_x;
	struct vmx_caps c;

	assert_int_equal(vmx_caps_parse(&vmxf_lynnfield, &c), -E_NOTSUP); /* no unrestricted */
	m.ept_vpid &= ~(1ULL << 6);					  /* no 4-level walk */
	assert_int_equal(vmx_caps_parse(&m, &c), -E_NOTSUP);
	m = vmxf_skylake_x;
	m.true_pin = 0x0000000100000016ULL; /* must-be-1 bits that may not be 1 */
	assert_int_equal(vmx_caps_parse(&m, &c), -E_INVAL);
	m = vmxf_skylake_x;
	m.proc2 &= ~(1ULL << (32 + 5)); /* no VPID: taken where offered, else off */
	assert_int_equal(vmx_caps_parse(&m, &c), 0);
	assert_false(c.vpid);
	assert_int_equal(c.proc2 & (1u << 5), 0);
	m = vmxf_skylake_x;
	m.basic &= ~(1ULL << 55); /* no TRUE MSRs: the default1 CR3 exiting stays */
	assert_int_equal(vmx_caps_parse(&m, &c), 0);
	assert_int_equal(c.proc & (3u << 15), 3u << 15);
	(void)state;
}

static void feature_control_is_locked_only_when_unlocked(void **state)
{
	u64 out;

	assert_int_equal(vmx_feature_control_decide(0, &out), VMX_FC_SET_BY_MOAT);
	assert_int_equal(out, 0x5);
	assert_int_equal(vmx_feature_control_decide(0x5, &out), VMX_FC_LOCKED_ON);
	assert_int_equal(out, 0x5);
	assert_int_equal(vmx_feature_control_decide(0x1, &out), VMX_FC_LOCKED_OFF);
	assert_int_equal(out, 0x1);
	(void)state;
}

static void msr_bitmap_passes_only_switched_msrs(void **state)
{
	static u8 bm[4096];

	vmx_msr_bitmap_init(bm);
	assert_false(vmx_msr_bitmap_intercepts(bm, 0xc0000082, false)); /* LSTAR */
	assert_false(vmx_msr_bitmap_intercepts(bm, 0xc0000100, true));	/* FS.base */
	assert_true(vmx_msr_bitmap_intercepts(bm, 0xc0000080, true));	/* EFER */
	assert_true(vmx_msr_bitmap_intercepts(bm, 0x1b, false));	/* APIC_BASE */
	assert_true(vmx_msr_bitmap_intercepts(bm, 0x830, true));	/* x2APIC ICR */
	assert_true(vmx_msr_bitmap_intercepts(bm, 0x40000000, false));	/* outside the map */
	(void)state;
}

/* ---- exits --------------------------------------------------------------------------------- */

static struct vmx_vcpu *bsp(void)
{
	return &f.xm.vcpu[0];
}

static void assert_injected(unsigned vec, bool err)
{
	u64 info = vmcsf_get(VMCS_ENTRY_INTR_INFO);

	assert_int_equal(info, vec | 3u << 8 | 1u << 31 | (err ? 1u << 11 : 0));
}

static void vmcall_runs_the_hypercall_with_the_svm_mapping(void **state)
{
	static const u8 vmcall[] = { 0x0f, 0x01, 0xc1 };

	vmxf_exit(&f, VMX_EXIT_VMCALL, 0, 3, vmcall, 3);
	bsp()->gprs[VGPR_RAX] = MOAT_HC_VERSION;
	bsp()->gprs[VGPR_R9] = 0;
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(bsp()->gprs[VGPR_RAX], MOAT_OK);
	assert_int_equal(bsp()->gprs[VGPR_RDI], MOAT_ABI_VERSION);
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE + 3);
	vmxf_exit(&f, VMX_EXIT_VMCALL, 0, 3, vmcall, 3);
	bsp()->gprs[VGPR_RAX] = 0x1234; /* not a Moat function */
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(bsp()->gprs[VGPR_RAX], (u64)-1);
	vmxf_exit(&f, VMX_EXIT_VMCALL, 0, 3, vmcall, 3);
	bsp()->gprs[VGPR_RAX] = 0x84000008; /* PSCI SYSTEM_OFF */
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_POWER_OFF);
	(void)state;
}

/* What vmx_entry.S does around vmx_exit_fast(): RAX, RDI, RSI, RDX, RCX, R8, R9 into the
 * hypercall block and back into the registers (reloaded from it, answered or not). */
static bool fast_exit(struct vmx_vcpu *xv)
{
	static const unsigned reg[HC_NREGS] = { VGPR_RAX, VGPR_RDI, VGPR_RSI, VGPR_RDX,
						VGPR_RCX, VGPR_R8,  VGPR_R9 };
	u64 regs[HC_NREGS];
	bool done;

	for (unsigned i = 0; i < HC_NREGS; i++)
		regs[i] = xv->gprs[reg[i]];
	done = vmx_exit_fast(xv, regs);
	for (unsigned i = 0; i < HC_NREGS; i++)
		xv->gprs[reg[i]] = regs[i];
	return done;
}

static void vmcall_exit(u64 fn, const u64 x[6])
{
	static const u8 vmcall[] = { 0x0f, 0x01, 0xc1 };
	static const unsigned reg[6] = { VGPR_RDI, VGPR_RSI, VGPR_RDX, VGPR_RCX, VGPR_R8, VGPR_R9 };

	vmxf_exit(&f, VMX_EXIT_VMCALL, 0, 3, vmcall, 3);
	vmcsf_set(VMCS_GUEST_INTERRUPTIBILITY, 1); /* VMCALL right after STI */
	bsp()->gprs[VGPR_RAX] = fn;
	for (unsigned i = 0; i < 6; i++)
		bsp()->gprs[reg[i]] = x[i];
}

/*
 * The fast path answers exactly the calls that never block, with the registers, RIP, shadow
 * and exit count the full path gives; anything else it declines having changed nothing:
 * other calls, other exits or a failed entry, after its slice, with the guest's timer due.
 */
static void fast_exit_matches_full_exit_or_declines(void **state)
{
	static const u64 args[3][6] = { { 0 },
					{ VM_RAM_BASE + 0x2000, 4096 },
					{ MOAT_HC_NULL, 0, 0, 0, 0, 9 } };
	static const u64 extra[] = { 0x84000008, 0x12345678, MOAT_HC_BASE | 0x10000,
				     (u64)1 << 32 | MOAT_HC_NULL };
	struct vmx_vcpu *xv = bsp();
	u64 gfull[16], exits;
	unsigned nfast = 0;

	xv->fast_until_tsc = ~0ULL;
	for (unsigned n = 0; n < MOAT_HC_COUNT + 1 + ARRAY_SIZE(extra); n++) {
		u64 fn = n <= MOAT_HC_COUNT ? MOAT_HC_FN(n) : extra[n - MOAT_HC_COUNT - 1];

		for (unsigned p = 0; p < 3; p++) {
			u64 in[HC_NREGS] = { fn,	 args[p][0], args[p][1], args[p][2],
					     args[p][3], args[p][4], args[p][5] };
			bool fast = hypercall_dispatch_fast(&f.vm.vcpu[0], in);

			vmcall_exit(fn, args[p]);
			exits = xv->exits;
			if (fast) {
				assert_int_equal(vmx_handle_exit(xv, 0), VMX_RESUME);
				memcpy(gfull, xv->gprs, sizeof(gfull));
				vmcall_exit(fn, args[p]);
			}
			assert_int_equal(fast_exit(xv), fast);
			if (!fast) {
				assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE);
				assert_int_equal(vmcsf_get(VMCS_GUEST_INTERRUPTIBILITY), 1);
				assert_int_equal(xv->gprs[VGPR_RAX], fn);
				assert_int_equal(xv->gprs[VGPR_RDI], args[p][0]);
				assert_int_equal(xv->gprs[VGPR_R9], args[p][5]);
				assert_int_equal(xv->exits, exits);
				continue;
			}
			nfast++;
			assert_int_equal(xv->exits, exits + 2);
			assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE + 3);
			assert_int_equal(vmcsf_get(VMCS_GUEST_INTERRUPTIBILITY), 0);
			assert_memory_equal(xv->gprs, gfull, sizeof(gfull));
		}
	}
	assert_int_equal(nfast, 3 * 6); /* VERSION FEATURES NULL VM_INFO VCPU_STATE SHARED_CHECK */
	vmcall_exit(MOAT_HC_NULL, args[0]);
	vmcsf_set(VMCS_EXIT_REASON, VMX_EXIT_CPUID);
	assert_false(fast_exit(xv));
	vmcsf_set(VMCS_EXIT_REASON, VMX_EXIT_VMCALL | VMX_EXIT_REASON_ENTRY_FAIL);
	assert_false(fast_exit(xv));
	vmcsf_set(VMCS_EXIT_REASON, VMX_EXIT_VMCALL);
	xv->fast_until_tsc = 0; /* the slice is over */
	assert_false(fast_exit(xv));
	xv->fast_until_tsc = ~0ULL;
	host_time_now_ns = 5000;
	xv->lapic.deadline_ns = 5000; /* the guest's timer is due: the full path polls it */
	assert_false(fast_exit(xv));
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE);
	xv->lapic.deadline_ns = 5001;
	assert_true(fast_exit(xv));
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE + 3);
	host_time_now_ns = 0;
	(void)state;
}

/* Entries with anything for the full path to do before the next one do not use the fast
 * path: a stop, INIT, NMI, an event to inject, an interrupt window, a vector in the IRR. */
static void fast_path_only_with_nothing_pending(void **state)
{
	struct vmx_vcpu *xv = bsp();
	struct vlapic_ipi ipi;
	bool sent;

	vmx_inject_pending(xv);
	assert_true(vmx_fast_allowed(xv, 1234));
	assert_int_equal(xv->fast_until_tsc, 1234);
	f.vm.stopping = true;
	assert_false(vmx_fast_allowed(xv, 1));
	f.vm.stopping = false;
	xv->init_pending = true;
	assert_false(vmx_fast_allowed(xv, 1));
	xv->init_pending = false;
	xv->nmi_pending = true;
	assert_false(vmx_fast_allowed(xv, 1));
	vmx_inject_pending(xv); /* the NMI is injected: still not */
	assert_false(vmx_fast_allowed(xv, 1));
	vmcsf_set(VMCS_ENTRY_INTR_INFO, 0);
	assert_true(vmx_fast_allowed(xv, 1));
	/* a vector below the priority: nothing injected, but it is in the IRR */
	assert_int_equal(vlapic_write(&xv->lapic, 0x80f, 0x1ff, 0, &ipi, &sent), 0);
	assert_int_equal(vlapic_write(&xv->lapic, 0x808, 0xf0, 0, &ipi, &sent), 0);
	vlapic_accept(&xv->lapic, 0xe1);
	vmx_inject_pending(xv);
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_false(vmx_fast_allowed(xv, 1));
	/* deliverable with interrupts off: a window is asked for */
	assert_int_equal(vlapic_write(&xv->lapic, 0x808, 0, 0, &ipi, &sent), 0);
	vmcsf_set(VMCS_GUEST_RFLAGS, 0x2);
	vmx_inject_pending(xv);
	assert_true(vmcsf_get(VMCS_PROC_CTLS) & PROC_INTR_WINDOW);
	assert_false(vmx_fast_allowed(xv, 1));
	vmcsf_set(VMCS_GUEST_RFLAGS, 0x202);
	vmx_inject_pending(xv); /* injected: IRR -> ISR, nothing left in the IRR */
	assert_true(vmcsf_get(VMCS_ENTRY_INTR_INFO) & VMX_INTR_VALID);
	assert_false(vmx_fast_allowed(xv, 1));
	vmcsf_set(VMCS_ENTRY_INTR_INFO, 0);
	assert_true(vmx_fast_allowed(xv, 1));
	(void)state;
}

static void cpuid_hlt_and_msrs(void **state)
{
	vmxf_exit(&f, VMX_EXIT_CPUID, 0, 2, NULL, 0);
	bsp()->gprs[VGPR_RAX] = 0x40000000;
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(bsp()->gprs[VGPR_RBX], 0x74616f4d); /* "Moat" */
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE + 2);
	vmxf_exit(&f, VMX_EXIT_HLT, 0, 1, NULL, 0);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_HALT);
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE + 1);
	vmxf_exit(&f, VMX_EXIT_RDMSR, 0, 2, NULL, 0);
	bsp()->gprs[VGPR_RCX] = 0x1b;
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(bsp()->gprs[VGPR_RAX], 0xfee00d00);
	vmxf_exit(&f, VMX_EXIT_RDMSR, 0, 2, NULL, 0);
	bsp()->gprs[VGPR_RCX] = 0xc0010114; /* VM_CR: not offered */
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_injected(13, true);
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE); /* at the instruction */
	vmxf_exit(&f, VMX_EXIT_WRMSR, 0, 2, NULL, 0);
	bsp()->gprs[VGPR_RCX] = 0xc0000080;
	bsp()->gprs[VGPR_RAX] = 0x1d01; /* EFER with SVME */
	bsp()->gprs[VGPR_RDX] = 0;
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_injected(13, true);
	(void)state;
}

static void io_exits_and_string_io(void **state)
{
	vmxf_exit(&f, VMX_EXIT_IO, 0x3f8u << 16, 1, NULL, 0); /* OUT to COM1, 1 byte */
	bsp()->gprs[VGPR_RAX] = 'x';
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE + 1);
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 0);
	vmxf_exit(&f, VMX_EXIT_IO, 0x3f8u << 16 | 1u << 4 | 1u << 3, 2, NULL, 0); /* INSB */
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_injected(13, true);
	vmxf_exit(&f, VMX_EXIT_IO, 0x600u << 16, 1, NULL, 0); /* sleep control: SLP_TYP 5, EN */
	bsp()->gprs[VGPR_RAX] = 5 << 2 | 1 << 5;
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_POWER_OFF);
	(void)state;
}

static void cr0_write_enters_long_mode_and_flushes_the_vpid(void **state)
{
	vmx_vmcs_set_sipi(&f.caps, 0x10);
	vmcsf_set(VMCS_GUEST_EFER, 1u << 8); /* LME */
	vmcsf_set(VMCS_CR4_SHADOW, 0x20);    /* PAE */
	vmxf_exit(&f, VMX_EXIT_CR_ACCESS, 0 | 0 << 4 | VGPR_RBX << 8, 3, NULL, 0);
	bsp()->gprs[VGPR_RBX] = 0x80000011; /* PG | ET | PE */
	bsp()->tlb.vpid_stale = false;
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_true(vmcsf_get(VMCS_GUEST_EFER) & (1u << 10));
	assert_true(vmcsf_get(VMCS_ENTRY_CTLS) & (1u << 9));
	assert_int_equal(vmcsf_get(VMCS_CR0_SHADOW), 0x80000011);
	assert_true(vmcsf_get(VMCS_GUEST_CR0) & (1u << 5)); /* NE forced in the real CR0 */
	assert_true(bsp()->tlb.vpid_stale);
	vmxf_exit(&f, VMX_EXIT_CR_ACCESS, 0 | 0 << 4 | VGPR_RBX << 8, 3, NULL, 0);
	bsp()->gprs[VGPR_RBX] = 0x80000010; /* PG without PE */
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_injected(13, true);
	vmxf_exit(&f, VMX_EXIT_CR_ACCESS, 4 | 0 << 4 | VGPR_RCX << 8, 3, NULL, 0);
	bsp()->gprs[VGPR_RCX] = 0x2020; /* VMXE: VMX is not offered */
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_injected(13, true);
	assert_int_equal(vmcsf_get(VMCS_CR4_SHADOW), 0x20);
	(void)state;
}

static void ept_violations_are_the_guests_mc(void **state)
{
	static const u8 load[] = { 0x8b, 0x00 }; /* mov (%rax), %eax */

	vmxf_exit(&f, VMX_EXIT_EPT_VIOLATION, 0x181, 0, load, 2);
	vmcsf_set(VMCS_GUEST_PHYS_ADDR, 0x20000000);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 18 | 3u << 8 | 1u << 31);
	/* in the emulated ECAM but during a guest page walk: #MC too */
	vmxf_exit(&f, VMX_EXIT_EPT_VIOLATION, 0x081, 0, load, 2);
	vmcsf_set(VMCS_GUEST_PHYS_ADDR, MOAT_GPA_ECAM);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 18 | 3u << 8 | 1u << 31);
	assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE);
	(void)state;
}

static void stops_and_entry_failures_are_named(void **state)
{
	vmxf_exit(&f, VMX_EXIT_EPT_MISCONFIG, 0, 0, NULL, 0);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_STOP_VM);
	assert_true(test_log_has("EPT misconfiguration (exit 49 EPT misconfiguration"));
	vmxf_exit(&f, VMX_EXIT_TRIPLE_FAULT, 0, 0, NULL, 0);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_STOP_VM);
	assert_true(test_log_has("shutdown (triple fault)"));
	vmxf_exit(&f, VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_BAD_GUEST, 3, 0, NULL, 0);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_STOP_VM);
	assert_true(
		test_log_has("VM entry failed (exit 33 invalid guest state, qualification 0x3"));
	assert_int_equal(vmx_entry_failed(bsp(), true, 7), VMX_STOP_VM);
	assert_true(
		test_log_has("VMLAUNCH failed: invalid control fields (VM-instruction error 7)"));
	vmxf_exit(&f, 0xffff, 0, 0, NULL, 0);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_STOP_VM);
	assert_true(test_log_has("unexpected exit (exit 65535 unknown"));
	(void)state;
}

static void vmx_instructions_and_asynchronous_exits(void **state)
{
	unsigned windows = vmxf_irq_windows;

	for (u32 r = VMX_EXIT_VMCLEAR; r <= VMX_EXIT_VMXON; r++) {
		vmxf_exit(&f, r, 0, 3, NULL, 0);
		assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
		assert_injected(6, false);
		assert_int_equal(vmcsf_get(VMCS_GUEST_RIP), VMXF_CODE);
	}
	vmxf_exit(&f, VMX_EXIT_PREEMPT_TIMER, 0, 0, NULL, 0);
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(vmxf_irq_windows, windows);
	vmxf_exit(&f, VMX_EXIT_EXT_INTR, 0, 0, NULL, 0);
	vmcsf_set(VMCS_IDT_VECTORING_INFO, 0x41 | 1u << 31); /* interrupted delivery of 0x41 */
	assert_int_equal(vmx_handle_exit(bsp(), 0), VMX_RESUME);
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 0x41 | 1u << 31);
	/* not acknowledged on exit: Moat's own interrupt is taken in the window (irq.c) */
	assert_int_equal(vmxf_irq_windows, windows + 1);
	(void)state;
}

static void interrupts_wait_for_a_window(void **state)
{
	struct vlapic_ipi ipi;
	bool sent;

	assert_int_equal(vlapic_write(&bsp()->lapic, 0x80f, 0x1ff, 0, &ipi, &sent), 0);
	vlapic_accept(&bsp()->lapic, 0x40);
	vmcsf_set(VMCS_GUEST_RFLAGS, 0x2); /* IF clear */
	vmx_inject_pending(bsp());
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_true(vmcsf_get(VMCS_PROC_CTLS) & PROC_INTR_WINDOW);
	vmcsf_set(VMCS_GUEST_RFLAGS, 0x202);
	vmx_inject_pending(bsp());
	assert_int_equal(vmcsf_get(VMCS_ENTRY_INTR_INFO), 0x40 | 1u << 31);
	assert_false(vmcsf_get(VMCS_PROC_CTLS) & PROC_INTR_WINDOW);
	(void)state;
}

static void init_and_startup_ipis_reach_the_other_vcpu(void **state)
{
	struct vlapic_ipi init = { .mode = APIC_DM_INIT, .dest = 1 };
	struct vlapic_ipi sipi = { .mode = APIC_DM_STARTUP, .vector = 0x10, .dest = 1 };

	f.xm.vcpu[1].wait_sipi = false;
	vmx_vm_send_ipi(&f.xm, 0, &init);
	assert_true(f.xm.vcpu[1].init_pending);
	/* The INIT is not taken yet: the first SIPI after it counts, a second one does not
	 * (INIT-SIPI-SIPI within one turn of the sender, as the test guests do). */
	vmx_vm_send_ipi(&f.xm, 0, &sipi);
	assert_int_equal(f.xm.vcpu[1].sipi_vector, 0x10);
	assert_true(f.xm.vcpu[1].sipi_after_init);
	sipi.vector = 0x20;
	vmx_vm_send_ipi(&f.xm, 0, &sipi);
	assert_int_equal(f.xm.vcpu[1].sipi_vector, 0x10);
	assert_int_equal(f.kicks[1], 2);
	/* Taken INIT, then a SIPI to a vCPU waiting for one: it starts. */
	f.xm.vcpu[1].init_pending = f.xm.vcpu[1].sipi_after_init = false;
	f.xm.vcpu[1].wait_sipi = true;
	vmx_vm_send_ipi(&f.xm, 0, &sipi);
	assert_int_equal(f.xm.vcpu[1].sipi_vector, 0x20);
	assert_false(f.xm.vcpu[1].wait_sipi);
	assert_int_equal(f.kicks[1], 3);
	/* Not waiting (running): ignored. */
	sipi.vector = 0x30;
	vmx_vm_send_ipi(&f.xm, 0, &sipi);
	assert_int_equal(f.xm.vcpu[1].sipi_vector, 0x20);
	(void)state;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(vmcs_from_two_models_obeys_their_msrs),
		T(model_capabilities_differ_as_reported),
		T(missing_features_and_contradictions_are_refused),
		T(feature_control_is_locked_only_when_unlocked),
		T(msr_bitmap_passes_only_switched_msrs),
		T(vmcall_runs_the_hypercall_with_the_svm_mapping),
		T(fast_exit_matches_full_exit_or_declines),
		T(fast_path_only_with_nothing_pending),
		T(cpuid_hlt_and_msrs),
		T(io_exits_and_string_io),
		T(cr0_write_enters_long_mode_and_flushes_the_vpid),
		T(ept_violations_are_the_guests_mc),
		T(stops_and_entry_failures_are_named),
		T(vmx_instructions_and_asynchronous_exits),
		T(interrupts_wait_for_a_window),
		T(init_and_startup_ipis_reach_the_other_vcpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
