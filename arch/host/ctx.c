// SPDX-License-Identifier: MIT
/*
 * Context switch for the host unit tests and fuzzers: arch/x86's switch, with the fiber
 * annotations AddressSanitizer needs to follow a stack switch.
 */
#include <arch/ctx.h>

#include <stdint.h>

#include "arch/x86/ctx_switch.inc"

#if defined(__SANITIZE_ADDRESS__)
#define HOST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_ASAN 1
#endif
#endif

#ifdef HOST_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old);
void __asan_unpoison_memory_region(const volatile void *addr, size_t size);

/* Switching to a thread's own stack (bounds unknown until left once): what ASan told us. */
static _Thread_local const void *thread_stack;
static _Thread_local size_t thread_stack_size;

/*
 * The suspended context's fake stack is kept in a local of this call: it lives on that
 * context's own stack, which stays untouched until the context is resumed here.
 */
void arch_ctx_switch(struct arch_ctx *save, struct arch_ctx *to)
{
	void *fake_stack = NULL;
	const void *old;
	size_t old_size;

	__sanitizer_start_switch_fiber(&fake_stack, to->stack ? to->stack : thread_stack,
				       to->stack ? to->size : thread_stack_size);
	x86_ctx_swap(&save->sp, to->sp);
	__sanitizer_finish_switch_fiber(fake_stack, &old, &old_size);
	if (save->stack) { /* resumed on a context's stack: we came from the thread's */
		thread_stack = old;
		thread_stack_size = old_size;
	}
}

/* The first code on a new context's stack: tell ASan the switch is complete. */
struct host_ctx_boot {
	void (*entry)(void *);
	void *arg;
};

static void host_ctx_first(void *p)
{
	struct host_ctx_boot *b = p;

	__sanitizer_finish_switch_fiber(NULL, &thread_stack, &thread_stack_size);
	b->entry(b->arg);
}

void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
	/* The boot record sits at the bottom of the context's own stack, below any frame. */
	struct host_ctx_boot *b = stack;

	/* A reused stack still carries the redzones of the frames its last run left behind. */
	__asan_unpoison_memory_region(stack, size);

	b->entry = entry;
	b->arg = arg;
	c->stack = stack;
	c->size = size;
	c->sp = x86_ctx_frame(stack, size, host_ctx_first, b);
}
#elif defined(__SANITIZE_THREAD__)
/* ThreadSanitizer follows a stack switch as a switch between fibers (the stress flavour). */
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);

void arch_ctx_switch(struct arch_ctx *save, struct arch_ctx *to)
{
	save->fiber = __tsan_get_current_fiber();
	__tsan_switch_to_fiber(to->fiber, 0);
	x86_ctx_swap(&save->sp, to->sp);
}

void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
	if (!c->fiber) /* a context reused for the next operation keeps its fiber */
		c->fiber = __tsan_create_fiber(0);
	c->stack = stack;
	c->size = size;
	c->sp = x86_ctx_frame(stack, size, entry, arg);
}
#else
void arch_ctx_switch(struct arch_ctx *save, struct arch_ctx *to)
{
	x86_ctx_swap(&save->sp, to->sp);
}

void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
	c->stack = stack;
	c->size = size;
	c->sp = x86_ctx_frame(stack, size, entry, arg);
}
#endif
