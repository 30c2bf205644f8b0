/* SPDX-License-Identifier: MIT */
/*
 * The one lock type of Moat: a ticket spinlock. Fair (first come, first served), so a vCPU
 * spinning for a lock another VM's vCPUs take in a loop still gets it in bounded time.
 *
 * Rules:
 * - A lock protects short critical sections only. Nothing that waits on a device (DOE, SPDM,
 *   FLR, IOMMU command completion beyond its spec bound) runs with a lock that another VM needs
 *   held; such work is a device operation (core/devop.h).
 * - Moat runs with interrupts masked in hypervisor context on every arch (they arrive as exits
 *   from the guest), so spin_lock() is enough for state an interrupt handler shares;
 *   spin_lock_irqsave() is for code that may run with them unmasked.
 * - A function that needs a lock held says so in its signature: it takes a lock-evidence
 *   value (a small struct holding the object, made only by the function that took the lock,
 *   as in `struct vm_locked`), not a bare pointer.
 */
#ifndef LIB_LOCK_H
#define LIB_LOCK_H

#include <arch/cpu.h>

#include "lib/types.h"

struct spinlock {
	u32 next;  /* next ticket to hand out */
	u32 owner; /* ticket being served */
};

#define SPINLOCK_INIT \
	{             \
		0, 0  \
	}

static inline void spin_lock_init(struct spinlock *l)
{
	__atomic_store_n(&l->next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

static inline void spin_lock(struct spinlock *l)
{
	u32 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_spin_hint();
}

/* Takes the lock only if nobody holds or waits for it. */
static inline bool spin_trylock(struct spinlock *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	u32 next = owner;

	return __atomic_compare_exchange_n(&l->next, &next, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, __atomic_load_n(&l->owner, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/* True while somebody holds it (for assertions; racy by nature otherwise). */
static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

static inline irqflags_t spin_lock_irqsave(struct spinlock *l)
{
	irqflags_t f = arch_irq_save();

	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, irqflags_t f)
{
	spin_unlock(l);
	arch_irq_restore(f);
}

#endif
