// SPDX-License-Identifier: MIT
/*
 * IDT (Intel SDM vol. 3A 6.10-6.14): the CPU exceptions report and stop cleanly; every
 * external interrupt vector (32-255) has its own stub (vectors.S) into x86_irq_dispatch()
 * (irq_vec.c): the handler registered for it, then EOI.
 */
#define LOG_COMPONENT "arch"
#include <arch/cpu.h>

#include "arch/x86/x86.h"
#include "core/log.h"
#include "lib/types.h"

#define IDT_VECTORS 32
#define IDT_ALL 256
#define STUB_SIZE 16
#define GATE_INTR64 0x8e /* present, DPL0, 64-bit interrupt gate */

struct x86_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
};

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

static struct idt_gate idt[IDT_ALL] __aligned(16);
extern const char x86_exc_stubs[], x86_irq_stubs[];

static const char *const exc_name[IDT_VECTORS] = {
	"divide error",
	"debug",
	"nmi",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid tss",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 fp",
	"alignment check",
	"machine check",
	"simd fp",
	"virtualization",
	"control protection",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"hypervisor injection",
	"vmm communication",
	"security",
	"reserved",
};

void x86_exception(struct x86_regs *r);

void x86_exception(struct x86_regs *r)
{
	u64 v = r->vector < IDT_VECTORS ? r->vector : 15;

	pr_err("unexpected exception: %s (#%llu): error=0x%llx RIP=0x%llx CR2=0x%llx RFLAGS=0x%llx",
	       exc_name[v], (unsigned long long)r->vector, (unsigned long long)r->error,
	       (unsigned long long)r->rip, (unsigned long long)read_cr2(),
	       (unsigned long long)r->rflags);
	pr_err("rax=0x%llx rdi=0x%llx rsi=0x%llx rbp=0x%llx rsp=0x%llx", (unsigned long long)r->rax,
	       (unsigned long long)r->rdi, (unsigned long long)r->rsi, (unsigned long long)r->rbp,
	       (unsigned long long)r->rsp);
	arch_halt(false);
}

void x86_idt_init(void)
{
	struct __packed {
		u16 limit;
		u64 base;
	} d = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	for (unsigned i = 0; i < IDT_ALL; i++) {
		u64 h = i < IDT_VECTORS
				? (u64)(uintptr_t)(x86_exc_stubs + i * STUB_SIZE)
				: (u64)(uintptr_t)(x86_irq_stubs + (i - IDT_VECTORS) * STUB_SIZE);
		idt[i] = (struct idt_gate){ .off_lo = (u16)h,
					    .sel = SEL_CODE64,
					    .type = GATE_INTR64,
					    .off_mid = (u16)(h >> 16),
					    .off_hi = (u32)(h >> 32) };
	}
	__asm__ volatile("lidt %0" : : "m"(d));
}
