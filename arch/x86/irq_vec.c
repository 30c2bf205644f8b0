// SPDX-License-Identifier: MIT
/*
 * Moat's own x86 interrupt vectors (arch/x86/x86.h): X86_VEC_FIRST to X86_VEC_LAST, each
 * given to one handler, reached from the IDT (vectors.S) through x86_irq_dispatch(), which
 * signals EOI to the x2APIC after the handler (none for the spurious vector). Portable: the
 * host tests build it with a fake APIC (tests/unit/test_x86_irq.c).
 */
#define LOG_COMPONENT "irq"
#include "arch/x86/x86.h"
#include "core/irq.h"
#include "core/log.h"
#include "lib/err.h"
#include "lib/lock.h"

static struct {
	struct spinlock lock;
	irq_handler_fn fn[256];
	void *ctx[256];
	u64 unclaimed[4]; /* vectors that arrived with no handler, said once each */
} vecs = { .lock = SPINLOCK_INIT };

int x86_vec_alloc(irq_handler_fn fn, void *ctx, u8 *vec)
{
	irqflags_t f;

	if (!fn)
		return -E_INVAL;
	if (x86_apic_init())
		return -E_NOTSUP;
	f = spin_lock_irqsave(&vecs.lock);
	for (unsigned v = X86_VEC_FIRST; v <= X86_VEC_LAST; v++) {
		if (vecs.fn[v])
			continue;
		vecs.ctx[v] = ctx;
		vecs.fn[v] = fn;
		spin_unlock_irqrestore(&vecs.lock, f);
		*vec = (u8)v;
		return 0;
	}
	spin_unlock_irqrestore(&vecs.lock, f);
	return -E_NOSPC;
}

void x86_vec_free(u8 vec)
{
	irqflags_t f;

	if (vec < X86_VEC_FIRST || vec > X86_VEC_LAST)
		return;
	f = spin_lock_irqsave(&vecs.lock);
	vecs.fn[vec] = NULL;
	vecs.ctx[vec] = NULL;
	vecs.unclaimed[vec / 64] &= ~(1ULL << (vec % 64));
	spin_unlock_irqrestore(&vecs.lock, f);
}

/*
 * From the IDT stubs, interrupts off. The handler and its context are read together under the
 * lock (a free on another CPU never leaves one without the other) and the handler runs outside
 * it. The spurious vector takes no EOI (SDM 11.9); it and the preemption timer's are expected
 * without a handler.
 */
void x86_irq_dispatch(u64 vector)
{
	irq_handler_fn fn = NULL;
	bool say = false;
	void *ctx = NULL;

	if (vector < 256) {
		spin_lock(&vecs.lock);
		if (vector >= X86_VEC_FIRST && vector <= X86_VEC_LAST) {
			fn = vecs.fn[vector];
			ctx = vecs.ctx[vector];
		}
		if (!fn && vector != X86_VEC_PREEMPT && vector != X86_VEC_SPURIOUS &&
		    !(vecs.unclaimed[vector / 64] & (1ULL << (vector % 64)))) {
			vecs.unclaimed[vector / 64] |= 1ULL << (vector % 64);
			say = true;
		}
		spin_unlock(&vecs.lock);
	}
	if (fn)
		fn(ctx);
	else if (say)
		pr_warn("vector 0x%llx arrived with no handler: dropped",
			(unsigned long long)vector);
	if (vector != X86_VEC_SPURIOUS)
		x86_apic_eoi();
}
