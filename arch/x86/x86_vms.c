// SPDX-License-Identifier: MIT
/*
 * What the turn-taking schedulers of both x86 backends (svm_vms.c, vmx_vms.c; image only) do
 * once a VM's round has ended (arch/x86/x86_vm.h): a reset reloads it, a power-off or a VM
 * that cannot go on retires it with one log line and its console flushed. The lines carry the
 * backend's log component ("svm", "vmx"), as they did when each backend wrote its own.
 */
#include "arch/x86/x86_vm.h"

#include "core/log.h"
#include "vmm/hypercall.h"
#include "vmm/vm.h"
#include "vmm/vm_boot.h"
#include "lib/err.h"

static void retire(struct vm *vm, const struct x86_vms_ops *ops, const char *why)
{
	log_emit(LOG_INFO, ops->log, "%s: %s after %llu exits", vm->name, why,
		 (unsigned long long)ops->exits(vm));
	vm_console_flush(vm);
	log_raw("moat: vm: %s stopped\n", vm->name);
}

bool x86_vm_round_end(struct vm *vm, enum x86_round r, const struct x86_vms_ops *ops)
{
	int err;

	switch (r) {
	case X86_ROUND_POWER_OFF: retire(vm, ops, "system off"); return true;
	case X86_ROUND_RESET:
		log_emit(LOG_INFO, ops->log, "%s: system reset", vm->name);
		vm_console_flush(vm);
		if (!(err = ops->reset(vm)))
			return false;
		log_emit(LOG_ERR, ops->log, "%s: reset failed (%s)", vm->name, err_str(err));
		retire(vm, ops, "reset failed");
		return true;
	case X86_ROUND_STOP:
		retire(vm, ops,
		       ops->stuck(vm) ? "every vCPU halted with nothing to wake it" : "stopped");
		return true;
	default: return false;
	}
}
