// SPDX-License-Identifier: MIT
/*
 * VMX capabilities (Intel SDM vol. 3C appendix A): every control Moat writes is computed from
 * the capability MSRs. A control MSR's low half is the allowed-0 setting (a 1 there: the bit
 * must be 1), its high half the allowed-1 setting (a 0 there: the bit must be 0) (A.3).
 * Where IA32_VMX_BASIC bit 55 says so, the TRUE MSRs give the allowed-0 settings, which lets
 * Moat clear the "default1" controls it does not want (CR3 load/store exiting, A.2). Pure
 * data manipulation: built for the image and the host tests.
 */
#include "arch/x86/vmx.h"

#include "lib/err.h"

#define FC_LOCK (1ULL << 0)
#define FC_VMX_OUTSIDE_SMX (1ULL << 2)

enum vmx_fc_state vmx_feature_control_decide(u64 cur, u64 *out)
{
	*out = cur;
	if (cur & FC_LOCK)
		return (cur & FC_VMX_OUTSIDE_SMX) ? VMX_FC_LOCKED_ON : VMX_FC_LOCKED_OFF;
	*out = cur | FC_LOCK | FC_VMX_OUTSIDE_SMX;
	return VMX_FC_SET_BY_MOAT;
}

/*
 * The value of one control field: `need` must all be settable, `want` are set where allowed.
 * -E_NOTSUP when a needed bit may not be 1; -E_INVAL when the MSR requires a bit it forbids.
 */
static int vmx_ctl(u64 msr, u32 need, u32 want, u32 *out)
{
	u32 must1 = (u32)msr, may1 = (u32)(msr >> 32);

	if (must1 & ~may1)
		return -E_INVAL;
	if (need & ~may1)
		return -E_NOTSUP;
	*out = must1 | need | (want & may1);
	return 0;
}

#define PIN_NEED (PIN_EXT_INTR | PIN_NMI)
#define PIN_WANT PIN_PREEMPT_TIMER
#define PROC_NEED \
	(PROC_HLT | PROC_IO_UNCOND | PROC_MSR_BITMAPS | PROC_SECONDARY | PROC_MWAIT | PROC_MONITOR)
#define PROC2_NEED (PROC2_EPT | PROC2_UNRESTRICTED)
#define PROC2_WANT (PROC2_VPID | PROC2_RDTSCP)
#define EXIT_NEED (EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define ENTRY_NEED (ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)
#define ENTRY_MAY (ENTRY_IA32E) /* set per guest state, must be allowed */

static int vmx_caps_controls(const struct vmx_msrs *m, struct vmx_caps *c)
{
	bool t = m->basic & VMX_BASIC_TRUE_CTLS;
	u32 unused;
	int err;

	if ((err = vmx_ctl(t ? m->true_pin : m->pin, PIN_NEED, PIN_WANT, &c->pin)) ||
	    (err = vmx_ctl(t ? m->true_proc : m->proc, PROC_NEED, 0, &c->proc)) ||
	    (err = vmx_ctl(m->proc2, PROC2_NEED, PROC2_WANT, &c->proc2)) ||
	    (err = vmx_ctl(t ? m->true_exit : m->exit, EXIT_NEED, 0, &c->exit)) ||
	    (err = vmx_ctl(t ? m->true_entry : m->entry, ENTRY_NEED, 0, &c->entry)) ||
	    (err = vmx_ctl(t ? m->true_entry : m->entry, ENTRY_MAY, 0, &unused)))
		return err;
	c->entry &= ~ENTRY_IA32E; /* per guest state (vmx_vmcs_set_*) */
	c->proc_intr_window_ok = (u32)((t ? m->true_proc : m->proc) >> 32) & PROC_INTR_WINDOW;
	c->true_ctls = t;
	c->preempt_timer = c->pin & PIN_PREEMPT_TIMER;
	c->vpid = c->proc2 & PROC2_VPID;
	c->rdtscp = c->proc2 & PROC2_RDTSCP;
	return 0;
}

/* EPT and VPID (A.10): a 4-level WB walk and INVEPT are needed; INVVPID where VPIDs are used. */
static int vmx_caps_ept(u64 cap, struct vmx_caps *c)
{
	if (!(cap & EPTCAP_WALK4) || !(cap & EPTCAP_WB) || !(cap & EPTCAP_INVEPT) ||
	    !(cap & (EPTCAP_INVEPT_SINGLE | EPTCAP_INVEPT_ALL)))
		return -E_NOTSUP;
	c->ept_max_leaf = (cap & EPTCAP_1G)   ? PT_SIZE_1G
			  : (cap & EPTCAP_2M) ? PT_SIZE_2M
					      : PT_SIZE_4K;
	c->ept_ad = cap & EPTCAP_AD;
	c->invept_single = cap & EPTCAP_INVEPT_SINGLE;
	c->invept_all = cap & EPTCAP_INVEPT_ALL;
	c->invvpid_single = cap & EPTCAP_INVVPID_SINGLE;
	c->invvpid_all = cap & EPTCAP_INVVPID_ALL;
	/* VPIDs without a way to invalidate one: run without them (every entry flushes). */
	if (!(cap & EPTCAP_INVVPID) || !(c->invvpid_single || c->invvpid_all)) {
		c->vpid = false;
		c->proc2 &= ~PROC2_VPID;
	}
	return 0;
}

/* The bits fixed in CR0/CR4 in VMX operation (A.7, A.8); PE and PG are the guest's with
 * unrestricted guest (26.3.1.1). The masks make the guest exit on writes to them. */
#define CR0_PE (1ULL << 0)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_VMXE (1ULL << 13)

static void vmx_caps_fixed(const struct vmx_msrs *m, struct vmx_caps *c)
{
	c->cr0_fixed0 = m->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	c->cr0_fixed1 = m->cr0_fixed1;
	c->cr4_fixed0 = m->cr4_fixed0;
	c->cr4_fixed1 = m->cr4_fixed1;
	/* PG and PE: long-mode activation (EFER.LMA, the IA-32e entry control) is Moat's. */
	c->cr0_mask = c->cr0_fixed0 | ~c->cr0_fixed1 | CR0_PE | CR0_PG | CR0_CD | CR0_NW;
	c->cr4_mask = c->cr4_fixed0 | ~c->cr4_fixed1 | CR4_VMXE | CR4_PAE;
}

int vmx_caps_parse(const struct vmx_msrs *m, struct vmx_caps *caps)
{
	struct vmx_caps c = { 0 };
	int err;

	/* A.1: bit 48 (32-bit VMCS addresses) is 0 on 64-bit CPUs; the VMCS is WB. */
	if ((m->basic & (1ULL << 48)) || ((m->basic >> 50) & 0xf) != VMX_BASIC_MEM_WB)
		return -E_NOTSUP;
	if (((m->basic >> 32) & 0x1fff) > 4096 || !(u32)m->basic)
		return -E_INVAL;
	c.revision = (u32)m->basic & 0x7fffffffu;
	if ((err = vmx_caps_controls(m, &c)) || (err = vmx_caps_ept(m->ept_vpid, &c)))
		return err;
	if ((m->cr0_fixed0 & ~m->cr0_fixed1) || (m->cr4_fixed0 & ~m->cr4_fixed1))
		return -E_INVAL;
	vmx_caps_fixed(m, &c);
	c.preempt_shift = (unsigned)(m->misc & 0x1f);
	*caps = c;
	return 0;
}
