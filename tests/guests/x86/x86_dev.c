// SPDX-License-Identifier: MIT
/*
 * The x86_64 device-assignment test guest (tests/guests/dev_cases.c, the arch-neutral cases):
 * an x86 VM on SVM that owns one PCI function (edu or NVMe) through VT-d or AMD-Vi. This file
 * is the x86 side: the IDT (start.S stubs), the fault-queue interrupt as a fixed x2APIC
 * vector (docs/guest-abi.md, x86 "Interrupts"), the TSC clock, power-off through the ACPI
 * sleep control register. Bootargs "moat.dev.no-records": the IOMMU writes no fault records
 * (QEMU 10.0's AMD-Vi event log), so blocked DMA is checked in memory only.
 */
#include <stdbool.h>

#include "tests/guests/dev_cases.h"
#include "tests/guests/guest_check.h"
#include "tests/guests/guest_out.h"

struct guest_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

void guest_trap(struct guest_frame *f);
void guest_ap(void);
void idt_setup(void);
void guest_main(uint64_t boot_params, uint64_t first_tsc);

/* Guest memory plan: private RAM from GPA 0 (the image at 1 MiB), shared RAM after it. */
#define PRIV_PAGE 0x500000ul
#define SHARE_PAGE 0x600000ul
#define OUTSIDE 0x4000000ul /* 64 MiB: no RAM of the VM's, inside edu's 28-bit reach */
#define FAULT_VECTOR 0x30
#define MSI_VECTOR 0x41 /* the assigned function's MSI-X vector 0, as the guest wants it */
#define TIMER_VECTOR 0x42

static struct moat_vm_info info;
static unsigned fault_vector;

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void power_off(void)
{
	outb(0x600, 5 << 2 | 1 << 5); /* SLP_TYP 5 (\_S5), SLP_EN */
	say("FAIL power-off returned\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_trap(struct guest_frame *f)
{
	if (fault_vector && f->vector == fault_vector) {
		dev_fault_irqs++;
		wrmsr(0x80b, 0); /* x2APIC EOI */
		return;
	}
	if (f->vector == MSI_VECTOR || f->vector == TIMER_VECTOR) {
		dev_msi_irqs += f->vector == MSI_VECTOR;
		wrmsr(0x80b, 0);
		return;
	}
	{
		char l[80], *p = put_str(l, "FAIL unexpected exception: vector ");

		p = put_hex(p, f->vector);
		p = put_str(p, ", RIP ");
		p = put_hex(p, f->rip);
		put_str(p, "\n");
		say(l);
	}
	power_off();
}

void guest_ap(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern char idt_stubs[];

void idt_setup(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = { sizeof(idt) - 1, (uint64_t)idt };

	for (unsigned i = 0; i < 256; i++) {
		uint64_t h = (uint64_t)(idt_stubs + 16 * i);
		idt[i] = (struct idt_gate){ (uint16_t)h,	 0x10, 0, 0x8e, (uint16_t)(h >> 16),
					    (uint32_t)(h >> 32), 0 };
	}
	__asm__ volatile("lidt %0" : : "m"(d));
}

/* The TSC counts at least 1 GHz here (QEMU's TCG: the host's TSC): an upper bound in ms. */
uint64_t dev_now_ms(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo) / 1000000;
}

/* Interrupts on for a moment: Moat injects the fault vector at the next entry. */
void dev_idle(void)
{
	__asm__ volatile("sti; pause; pause; pause; pause; cli");
}

/* The x2APIC timer (one-shot, 1 GHz with divide by 1) bounds the halt; armed before `start`
 * (which submits the work), so nothing but the halt follows it. */
uint64_t dev_halt_ms(unsigned ms, void (*start)(void))
{
	uint64_t t0;

	wrmsr(0x83e, 0xb);	    /* divide by 1 */
	wrmsr(0x832, TIMER_VECTOR); /* one-shot, unmasked */
	wrmsr(0x838, (uint64_t)ms * 1000000u);
	t0 = dev_now_ms();
	start();
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	wrmsr(0x838, 0);
	wrmsr(0x832, 1u << 16); /* masked */
	return dev_now_ms() - t0;
}

/* Compatibility format: fixed delivery, edge, physical destination APIC ID 0 (vCPU 0). */
void dev_msi_message(unsigned vector, uint32_t *addr_lo, uint32_t *addr_hi, uint32_t *data)
{
	*addr_lo = 0xfee00000u;
	*addr_hi = 0;
	*data = vector;
}

void dev_irq_enable(unsigned intid)
{
	fault_vector = intid;
	wrmsr(0x80f, 0x1ff); /* SVR: x2APIC software-enabled */
}

static bool cmdline_has(const char *cl, const char *key)
{
	for (const char *c = cl; *c; c++) {
		unsigned k = 0;

		while (key[k] && c[k] == key[k])
			k++;
		if (!key[k] && (c == cl || c[-1] == ' ') && (!c[k] || c[k] == ' '))
			return true;
	}
	return false;
}

void guest_main(uint64_t boot_params, uint64_t first_tsc)
{
	const char *cl = (const char *)(uint64_t) * (const uint32_t *)(boot_params + 0x228);
	struct dev_plan plan = { .priv = PRIV_PAGE,
				 .share = SHARE_PAGE,
				 .outside = OUTSIDE,
				 .intid = FAULT_VECTOR,
				 .no_records = cmdline_has(cl, "moat.dev.no-records"),
				 .msi_vector = MSI_VECTOR };

	(void)first_tsc;
	check("vm_info", moat_vm_info(&info), MOAT_OK);
	check("shared RAM for the device", info.shared_size >= 0x40000, 1);
	plan.shared = info.shared_base;
	say("x86 device guest up\n");
	if (!failures)
		dev_cases(&info, &plan);
	say(failures ? "FAIL x86 device guest\n" : "PASS x86 device guest done\n");
	power_off();
}
