// SPDX-License-Identifier: MIT
/*
 * The VMX capabilities taken for the image's VMs (vmx_vm.c): the MSRs parsed (vmx_caps.c)
 * and one log line either way, the summary or the refusal with its reason. Built for the
 * image and the host tests (tests/unit/test_vmx_vm.c).
 */
#define LOG_COMPONENT "vmx"
#include "arch/x86/vmx.h"

#include "core/log.h"
#include "lib/err.h"

static const char *vmx_leaf_name(u64 leaf)
{
	return leaf == PT_SIZE_1G ? "1G" : leaf == PT_SIZE_2M ? "2M" : "4K";
}

int vmx_caps_take(const struct vmx_msrs *m, struct vmx_caps *caps)
{
	int err = vmx_caps_parse(m, caps);

	if (err) {
		pr_err("no usable VMX: %s", err_str(err));
		return err;
	}
	pr_info("VMX: VMCS revision 0x%x, EPT %s pages, EPT A/D %s, VPID %s, preemption timer %s",
		caps->revision, vmx_leaf_name(caps->ept_max_leaf), caps->ept_ad ? "yes" : "no",
		caps->vpid ? "yes" : "no", caps->preempt_timer ? "yes" : "no");
	return 0;
}
