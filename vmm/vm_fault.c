// SPDX-License-Identifier: MIT
/* Logging of refused guest actions (vmm/vm_fault.h). */
#define LOG_COMPONENT "vcpu"
#include "vmm/vm_fault.h"

#include <arch/cpu.h>
#include <stdarg.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/fmt.h"
#include "lib/lock.h"

static struct spinlock fault_lock = SPINLOCK_INIT;
static unsigned fault_tokens = VM_FAULT_BURST;
static u64 fault_refill_at;
static unsigned fault_dropped;

/* Takes a token (and the count of lines dropped before it); false when none is left. */
static bool vm_fault_take(unsigned *dropped)
{
	u64 now = arch_time_ns();
	bool ok;

	spin_lock(&fault_lock);
	while (fault_tokens < VM_FAULT_BURST && now >= fault_refill_at) {
		fault_tokens++;
		fault_refill_at += VM_FAULT_REFILL_NS;
	}
	if (fault_tokens == VM_FAULT_BURST)
		fault_refill_at = now + VM_FAULT_REFILL_NS;
	ok = fault_tokens > 0;
	if (ok) {
		fault_tokens--;
		*dropped = fault_dropped;
		fault_dropped = 0;
	} else {
		fault_dropped++;
	}
	spin_unlock(&fault_lock);
	return ok;
}

void vm_fault_log(struct vcpu *v, enum vm_fault_kind kind, const char *fmt, ...)
{
	char msg[160];
	unsigned dropped;
	va_list ap;

	if (kind >= VMF_KINDS ||
	    (__atomic_fetch_or(&v->faults_logged, BIT(kind), __ATOMIC_ACQ_REL) & BIT(kind)))
		return;
	if (!vm_fault_take(&dropped))
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dropped)
		pr_info("%s/%u: %s (%u more suppressed)", v->vm->name, v->id, msg, dropped);
	else
		pr_info("%s/%u: %s", v->vm->name, v->id, msg);
}

void vm_fault_log_reset(void)
{
	spin_lock(&fault_lock);
	fault_tokens = VM_FAULT_BURST;
	fault_dropped = 0;
	spin_unlock(&fault_lock);
}
