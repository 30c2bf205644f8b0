// SPDX-License-Identifier: MIT
/*
 * The x86_64 test guest: runs on Moat's SVM and VMX backends and prints PASS/FAIL lines for
 * the hypercall ABI through VMMCALL or VMCALL (the same function numbers and statuses as
 * arm64), the entry
 * state (boot_params, e820), CPUID and MSR virtualisation, isolation (#MC outside the memory
 * map, #GP for an MSR Moat does not offer), the 16550 and the x2APIC timer; then powers off
 * through the ACPI sleep control register.
 */
#include <stdbool.h>

#include "guest_abi/moat_guest.h"
#include "tests/guests/guest_abi_cases.h"
#include "tests/guests/guest_check.h"
#include "tests/guests/guest_out.h"

struct guest_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

void guest_trap(struct guest_frame *f);
void guest_ap(void);
void guest_main(uint64_t boot_params, uint64_t first_tsc);

static struct moat_vm_info info;
static volatile uint64_t traps[256], last_error;
static char line[160];

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
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

/* #GP, #MC and #UD come back from instructions the tests chose (2, 2 and 3 bytes long). */
void guest_trap(struct guest_frame *f)
{
	traps[f->vector & 0xff]++;
	last_error = f->error;
	if (f->vector == 13 || f->vector == 18 || f->vector == 6) {
		f->rip += f->vector == 6 ? 3 : 2;
		return;
	}
	if (f->vector == 0x40 || f->vector == 0x41) {
		wrmsr(0x80b, 0); /* x2APIC EOI */
		return;
	}
	say("FAIL unexpected exception\n");
	power_off();
}

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern char idt_stubs[];

static void idt_load(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(d));
}

void idt_setup(void);
void idt_setup(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint64_t h = (uint64_t)(idt_stubs + 16 * i);
		idt[i] = (struct idt_gate){ (uint16_t)h,	 0x10, 0, 0x8e, (uint16_t)(h >> 16),
					    (uint32_t)(h >> 32), 0 };
	}
	idt_load();
}

static void test_entry(uint64_t bp)
{
	int before = failures;
	const volatile uint8_t *p = (const volatile uint8_t *)bp;

	check("boot_flag", p[0x1fe] | p[0x1ff] << 8, 0xaa55);
	check("HdrS", p[0x202] == 'H' && p[0x203] == 'd' && p[0x204] == 'r' && p[0x205] == 'S', 1);
	check("e820 entries", p[0x1e8] >= 3, 1);
	check("rsdp in low memory",
	      *(const volatile uint64_t *)(p + 0x70) == info.private_base + 0xe0000, 1);
	result("64-bit boot protocol entry", before);
}

static void test_cpu(void)
{
	int before = failures;
	uint32_t a = 0x40000000, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	check("hypervisor leaf", b == 0x74616f4d && c == 0x74616f4d && d == 0x74616f4d, 1);
	a = 1, c = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	check("x2APIC and hypervisor bits", (c >> 21 & 1) && (c >> 31), 1);
	check("APIC_BASE", rdmsr(0x1b), 0xfee00d00);
	check("x2APIC ID", rdmsr(0x802), 0);
	traps[13] = 0;
	(void)rdmsr(0xc0010114); /* VM_CR: SVM is not offered to guests */
	check("unknown MSR is #GP", traps[13], 1);
	result("cpuid and msrs", before);
}

static void test_isolation(void)
{
	int before = failures;

	traps[18] = 0;
	/* mov (%rax),%eax at a guest-physical address outside the VM: #MC, 2 bytes skipped */
	__asm__ volatile("mov (%%rax), %%eax" : : "a"(0x20000000ul) : "memory");
	check("outside the memory map is #MC", traps[18], 1);
	traps[6] = 0;
	__asm__ volatile("vmrun" : : "a"(0ul) : "memory"); /* SVM is Moat's, not the guest's */
	__asm__ volatile(".byte 0x0f, 0x01, 0xdc");	   /* STGI */
	check("SVM instructions are #UD", traps[6], 2);
	__asm__ volatile("vmxoff" : : : "cc", "memory"); /* and so is VMX */
	check("VMX instructions are #UD", traps[6], 3);
	__asm__ volatile(".byte 0x0f, 0x0b, 0x90"); /* UD2 (and a NOP: the handler skips 3) */
	check("an undefined instruction is #UD", traps[6], 4);
	result("isolation", before);
}

extern const char ap_tramp[], ap_tramp_end[];
static volatile uint64_t ap_up;

/* vCPU 1, started by INIT and start-up IPIs: says hello, sends IPI 0x41 to vCPU 0, stops. */
void guest_ap(void)
{
	idt_load();
	wrmsr(0x80f, 0x1ff);
	check("vcpu1 x2APIC ID", rdmsr(0x802), 1);
	say("vcpu1 up through INIT/SIPI\n");
	__atomic_store_n(&ap_up, 0x1234, __ATOMIC_RELEASE);
	wrmsr(0x830, 0x41); /* fixed, physical, to x2APIC 0 */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The PC start-up sequence (SDM 8.4.4.1, as Linux does it): INIT, INIT de-assert, SIPI twice. */
static void test_smp(void)
{
	int before = failures;
	volatile char *dst = (volatile char *)0x10000;

	if (info.nr_vcpus < 2)
		return;
	for (const char *s = ap_tramp; s < ap_tramp_end; s++)
		*dst++ = *s;
	wrmsr(0x80f, 0x1ff);
	traps[0x41] = 0;
	wrmsr(0x830, 1ULL << 32 | 0x4500); /* INIT, level assert */
	wrmsr(0x830, 1ULL << 32 | 0x8500); /* INIT, level de-assert */
	wrmsr(0x830, 1ULL << 32 | 0x0610); /* start-up, vector 0x10 */
	wrmsr(0x830, 1ULL << 32 | 0x0610); /* the second one is ignored */
	for (unsigned i = 0; i < 100000 && !traps[0x41]; i++)
		__asm__ volatile("sti; hlt; cli");
	check("vcpu1 ran", __atomic_load_n(&ap_up, __ATOMIC_ACQUIRE), 0x1234);
	check("IPI from vcpu1", traps[0x41], 1);
	/* an IPI to an x2APIC ID no vCPU of the VM has reaches nobody */
	wrmsr(0x830, 7ULL << 32 | 0x41);
	wrmsr(0x830, 2ULL << 32 | 0x41); /* the next ID: another VM's vCPU in a global count */
	check("IPI to nobody", traps[0x41], 1);
	result("two vCPUs: INIT/SIPI and IPIs", before);
}

static void test_uart(void)
{
	static const char s[] = "hello from the 16550\n";

	for (const char *p = s; *p; p++)
		outb(0x3f8, (uint8_t)*p);
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void test_timer(void)
{
	int before = failures;

	wrmsr(0x80f, 0x1ff);	       /* SVR: APIC enabled */
	wrmsr(0x83e, 0xb);	       /* divide by 1: 1 GHz */
	wrmsr(0x832, 1u << 17 | 0x40); /* periodic, vector 0x40 */
	wrmsr(0x838, 2000000);	       /* 2 ms */
	for (unsigned i = 0; i < 1000 && traps[0x40] < 3; i++)
		__asm__ volatile("sti; hlt; cli");
	wrmsr(0x838, 0);
	check("timer ticks", traps[0x40] >= 3, 1);
	/* Spinning with interrupts on and no exit: Moat's preemption still delivers the ticks. */
	traps[0x40] = 0;
	wrmsr(0x838, 2000000);
	__asm__ volatile("sti");
	for (uint64_t end = rdtsc() + 4000000000ull; traps[0x40] < 3 && rdtsc() < end;)
		__asm__ volatile("pause");
	__asm__ volatile("cli");
	wrmsr(0x838, 0);
	check("timer ticks while spinning", traps[0x40] >= 3, 1);
	/* Nothing but null hypercalls, which Moat answers on its exit fast path: the ticks
	 * still come (the fast path ends when the timer is due). */
	traps[0x40] = 0;
	wrmsr(0x838, 2000000);
	__asm__ volatile("sti");
	for (uint64_t end = rdtsc() + 4000000000ull; traps[0x40] < 3 && rdtsc() < end;)
		moat_null();
	__asm__ volatile("cli");
	wrmsr(0x838, 0);
	check("timer ticks while making null hypercalls", traps[0x40] >= 3, 1);
	result("x2APIC timer interrupts", before);
}

/* The value of "key=<decimal>" or the presence of "key" in the command line. */
static bool cmdline_has(const char *cl, const char *key, uint64_t *val)
{
	for (const char *c = cl; *c; c++) {
		unsigned k = 0;

		while (key[k] && c[k] == key[k])
			k++;
		if (key[k] || (c != cl && c[-1] != ' '))
			continue;
		if (val && c[k] == '=')
			for (*val = 0, c += k + 1; *c >= '0' && *c <= '9'; c++)
				*val = *val * 10 + (uint64_t)(*c - '0');
		return true;
	}
	return false;
}

static char *put_dec(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void bench_line(const char *what, uint64_t v)
{
	char *p = line;

	p = put_str(p, "BENCH ");
	p = put_str(p, what);
	p = put_str(p, ": ");
	p = put_dec(p, v);
	p = put_str(p, " instructions\n");
	*p = 0;
	say(line);
}

/* Under QEMU -icount shift=0 the TSC counts instructions (one virtual nanosecond each). */
static void bench(uint64_t first_tsc, uint64_t entry_tsc)
{
	enum {
		N = 1000
	};
	uint64_t t0, t1;

	bench_line("moat-entry-to-first-guest-instruction", first_tsc - entry_tsc);
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		moat_null();
	t1 = rdtsc();
	bench_line("null-hypercall-round-trip", (t1 - t0) / N);
	power_off();
}

/*
 * A hostile neighbour (bootargs "moat.hostile=spin|triple"): spins forever with interrupts
 * off and never exits, or triple-faults (no IDT, then a breakpoint). The VMs beside it must
 * go on (scenario x86_64-svm-hostile-neighbour).
 */
static void hostile(const char *cl)
{
	static const struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} no_idt = { 0, 0 };

	if (cmdline_has(cl, "moat.hostile=spin", NULL)) {
		say("spinning forever, interrupts off\n");
		for (;;)
			__asm__ volatile("cli");
	}
	if (cmdline_has(cl, "moat.hostile=triple", NULL)) {
		say("triple-faulting\n");
		__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	}
}

void guest_main(uint64_t boot_params, uint64_t first_tsc)
{
	const char *cl = (const char *)(uint64_t) * (const uint32_t *)(boot_params + 0x228);
	uint64_t entry_tsc = 0;
	char *p = line;

	if (cmdline_has(cl, "moat.bench", NULL) && cmdline_has(cl, "moat.entry_tsc", &entry_tsc))
		bench(first_tsc, entry_tsc);
	hostile(cl);
	check("vm_info", moat_vm_info(&info), MOAT_OK);
	p = put_str(p, "guest up: vm ");
	p = put_hex(p, info.vm_id);
	p = put_str(p, ", vcpus ");
	p = put_hex(p, info.nr_vcpus);
	p = put_str(p, "\n");
	*p = 0;
	say(line);
	if (info.shared_size) {
		/* Shared RAM survives SYSTEM_RESET (private RAM does not): reset once. */
		volatile uint32_t *mark = (volatile uint32_t *)info.shared_base;
		if (*mark != 0x52534554) {
			*mark = 0x52534554;
			say("requesting system reset\n");
			moat_call(0x84000009u, 0, 0, 0, 0, 0, 0);
			say("FAIL system reset returned\n");
		}
		result("system reset (booted again, shared RAM kept)", failures);
	}
	test_uart();
	guest_abi_cases(&info);
	test_entry(boot_params);
	test_cpu();
	test_isolation();
	test_smp();
	test_timer();
	say(failures ? "FAIL x86 guest tests\n" : "PASS all x86 guest tests\n");
	power_off();
}
