// SPDX-License-Identifier: MIT
/*
 * The in-tree test guest: runs at EL1 under Moat and prints PASS/FAIL lines for the hypercall
 * ABI (every call, valid and invalid arguments), stage-2 isolation, PSCI with two vCPUs (when
 * the VM has them), virtual timer interrupts through the virtual GIC, and the virtual PL011.
 */
#include "guest_abi/moat_guest.h"
#include "tests/guests/guest_abi_cases.h"
#include "tests/guests/guest_check.h"
#include "tests/guests/guest_out.h"

#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_AFFINITY_INFO 0xc4000004u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_VERSION 0x84000000u

#define GICD 0x08000000ul
#define GICR_SGI(cpu) (0x080A0000ul + (cpu)*0x20000ul + 0x10000ul)
#define UART 0x09000000ul

/*
 * Waits for `cond` at most `secs` seconds of the virtual counter (which follows host time
 * under TCG, so a host thread of another vCPU that is slow to run does not fail a test).
 */
#define WAIT_FOR(cond, secs)                                                              \
	({                                                                                \
		uint64_t _end = read_sysreg(cntvct_el0) + (secs)*read_sysreg(cntfrq_el0); \
		while (!(cond) && read_sysreg(cntvct_el0) < _end)                         \
			__asm__ volatile("yield");                                        \
		(cond);                                                                   \
	})

static struct moat_vm_info info;
static volatile uint64_t abort_esr, abort_far, nr_aborts;
static volatile uint64_t ticks, sgis, uart_irqs, resgis;
static volatile uint64_t cpu1_ctx;
static char line[160];

static int64_t hc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return moat_call(fn, a1, a2, a3, 0, 0, 0).status;
}

static void test_isolation(void)
{
	int before = failures;
	uint64_t ram_end = info.shared_base + info.shared_size;
	static const uint64_t outside[] = { 0x20000000ul, 0x3ffff000ul, 0x10000000ul };

	if (!info.shared_size)
		ram_end = info.private_base + info.private_size;
	for (unsigned i = 0; i < 3; i++) {
		nr_aborts = 0;
		(void)*(volatile uint32_t *)outside[i];
		check("abort taken", nr_aborts, 1);
		check("abort class (data abort, same EL)", abort_esr >> 26, 0x25);
		check("abort DFSC (synchronous external)", abort_esr & 0x3f, 0x10);
		check("abort address", abort_far, outside[i]);
	}
	nr_aborts = 0;
	*(volatile uint32_t *)ram_end = 0xdead;
	check("write past RAM aborts", nr_aborts, 1);
	/* Executing outside RAM: an instruction abort (same EL), external. */
	nr_aborts = 0;
	((void (*)(void))0x20000000ul)();
	check("fetch outside RAM aborts", nr_aborts, 1);
	check("fetch abort class", abort_esr >> 26, 0x21);
	check("fetch abort IFSC", abort_esr & 0x3f, 0x10);
	result("stage-2 isolation", before);
}

/* Registers a guest may not touch: an UNDEFINED exception (EC 0), Moat keeps running. */
static void test_forbidden_sysregs(void)
{
	int before = failures;
	uint64_t v = 0;

	nr_aborts = 0;
	__asm__ volatile("mrs %0, cntp_ctl_el0" : "=r"(v)); /* EL1 physical timer: Moat's */
	check("physical timer access undefined", nr_aborts, 1);
	check("physical timer EC", abort_esr >> 26, 0);
	nr_aborts = 0;
	__asm__ volatile("mrs %0, actlr_el1" : "=r"(v)); /* trapped by HCR_EL2.TACR */
	check("ACTLR_EL1 access undefined", nr_aborts, 1);
	nr_aborts = 0;
	__asm__ volatile("mrs %0, S3_0_C15_C0_0" : "=r"(v)); /* implementation defined: TIDCP */
	check("IMPDEF register access undefined", nr_aborts, 1);
	(void)v;
	result("forbidden system registers", before);
}

/* PSCI through the SMC conduit too (trapped by HCR_EL2.TSC). */
static int64_t smc_call(uint64_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;

	__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	return (int64_t)x0;
}

static void mmio_write32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

/* Distributor on, this vCPU's CPU interface on, `intid` (SGI/PPI) enabled. */
static void gic_setup(unsigned cpu, unsigned intid)
{
	mmio_write32(GICD, 2); /* GICD_CTLR.EnableGrp1 */
	*(volatile uint8_t *)(GICR_SGI(cpu) + 0x400 + intid) = 0x80;
	mmio_write32(GICR_SGI(cpu) + 0x100, 1u << intid); /* ISENABLER0 */
	write_sysreg(S3_0_C12_C12_5, 7);		  /* ICC_SRE_EL1 */
	__asm__ volatile("isb");
	write_sysreg(S3_0_C4_C6_0, 0xff); /* ICC_PMR_EL1 */
	write_sysreg(S3_0_C12_C12_7, 1);  /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb");
}

static void test_psci(void)
{
	int before = failures;
	struct moat_ret r;

	check("psci version", hc(PSCI_VERSION, 0, 0, 0), 0x10001);
	check("psci version over SMC", smc_call(PSCI_VERSION), 0x10001);
	if (info.nr_vcpus < 2) {
		check("cpu_on past nvcpus", hc(PSCI_CPU_ON, 1, 0x40000000, 0), -2);
		result("psci (one vCPU)", before);
		return;
	}
	extern char secondary_start[];
	check("cpu_on bad entry", hc(PSCI_CPU_ON, 1, 0x1000, 0), -9);
	check("cpu_on bad target", hc(PSCI_CPU_ON, 7, (uint64_t)secondary_start, 0), -2);
	check("cpu_on self", hc(PSCI_CPU_ON, 0, (uint64_t)secondary_start, 0), -4);
	gic_setup(0, 3); /* vCPU 1 sends SGI 3 */
	__asm__ volatile("msr daifclr, #2");
	check("cpu_on", hc(PSCI_CPU_ON, 1, (uint64_t)secondary_start, 0x1234), 0);
	WAIT_FOR(cpu1_ctx == 0x1234, 20);
	check("vcpu1 ran with its context", cpu1_ctx, 0x1234);
	WAIT_FOR(sgis != 0, 20);
	__asm__ volatile("msr daifset, #2");
	check("SGI from vcpu1", sgis, 1);
	WAIT_FOR((r = moat_call(PSCI_AFFINITY_INFO, 1, 0, 0, 0, 0, 0)).status == 1, 20);
	check("vcpu1 off again (affinity_info)", r.status, 1);
	check("affinity_info bad level", hc(PSCI_AFFINITY_INFO, 1, 1, 0), -2);
	/* A second life for vCPU 1: entered afresh at the new entry with the new context. */
	check("cpu_on again", hc(PSCI_CPU_ON, 1, (uint64_t)secondary_start, 0x5678), 0);
	WAIT_FOR(cpu1_ctx == 0x5678, 20);
	check("vcpu1 ran again with its new context", cpu1_ctx, 0x5678);
	WAIT_FOR((r = moat_call(PSCI_AFFINITY_INFO, 1, 0, 0, 0, 0, 0)).status == 1, 20);
	check("vcpu1 off a second time", r.status, 1);
	result("two vCPUs via PSCI", before);
}

void guest_secondary(uint64_t ctx)
{
	uint64_t st = 0;

	check("vcpu1 mpidr", read_sysreg(mpidr_el1) & 0xff, 1);
	check("vcpu1 state", moat_vcpu_state(((uint64_t)info.vm_id << 16) | 1, &st), MOAT_OK);
	check("vcpu1 state on", st, MOAT_VCPU_ON);
	say("vcpu1 up\n");
	if (ctx == 0x1234)
		write_sysreg(S3_0_C12_C11_5, (3ull << 24) | 1); /* ICC_SGI1R_EL1: SGI 3 to vCPU 0 */
	__asm__ volatile("isb");
	__atomic_store_n(&cpu1_ctx, ctx, __ATOMIC_RELEASE);
	hc(PSCI_CPU_OFF, 0, 0, 0);
	say("FAIL cpu_off returned\n");
	for (;;)
		__asm__ volatile("wfi");
}

static void test_timer(void)
{
	int before = failures;
	uint64_t freq = read_sysreg(cntfrq_el0);

	mmio_write32(GICD, 2);					/* GICD_CTLR.EnableGrp1 */
	*(volatile uint8_t *)(GICR_SGI(0) + 0x400 + 27) = 0x80; /* priority */
	mmio_write32(GICR_SGI(0) + 0x100, 1u << 27);		/* ISENABLER0: virtual timer */
	write_sysreg(S3_0_C12_C12_5, 7);			/* ICC_SRE_EL1 */
	__asm__ volatile("isb");
	write_sysreg(S3_0_C4_C6_0, 0xff); /* ICC_PMR_EL1 */
	write_sysreg(S3_0_C12_C12_7, 1);  /* ICC_IGRPEN1_EL1 */
	write_sysreg(cntv_tval_el0, freq / 100);
	write_sysreg(cntv_ctl_el0, 1);
	__asm__ volatile("isb\n msr daifclr, #2");
	uint64_t end = read_sysreg(cntvct_el0) + 20 * freq;
	while (ticks < 3 && read_sysreg(cntvct_el0) < end)
		__asm__ volatile("wfi");
	__asm__ volatile("msr daifset, #2");
	write_sysreg(cntv_ctl_el0, 0);
	check("timer ticks", ticks >= 3, 1);
	result("timer interrupts", before);
}

void guest_irq(uint64_t *frame)
{
	uint64_t iar = read_sysreg(S3_0_C12_C12_0); /* ICC_IAR1_EL1 */

	(void)frame;
	if ((iar & 0xffffff) == 27) {
		ticks++;
		write_sysreg(cntv_tval_el0, read_sysreg(cntfrq_el0) / 100);
	} else if ((iar & 0xffffff) == 3) {
		sgis++;
	} else if ((iar & 0xffffff) == 5) {
		/* The first time, SGI 5 again while this one is active: it must come once more. */
		if (++resgis == 1) {
			write_sysreg(S3_0_C12_C11_5, (5ull << 24) | 1); /* ICC_SGI1R_EL1: to self */
			__asm__ volatile("isb");
		}
	} else if ((iar & 0xffffff) == 33 && (*(volatile uint32_t *)(UART + 0x40) & (1u << 5))) {
		/* Level-sensitive: left asserted the first time, it must come back after EOI. */
		if (++uart_irqs >= 2)
			*(volatile uint32_t *)(UART + 0x44) = 1u << 5; /* UARTICR.TXIC */
	}
	write_sysreg(S3_0_C12_C12_1, iar); /* ICC_EOIR1_EL1 */
}

void guest_sync(uint64_t *frame)
{
	abort_esr = read_sysreg(esr_el1);
	abort_far = read_sysreg(far_el1);
	nr_aborts++;
	/* An instruction abort came from a call: return to the caller (x30, frame slot 19). */
	if ((abort_esr >> 26) == 0x21)
		write_sysreg(elr_el1, frame[19]);
	else
		write_sysreg(elr_el1, read_sysreg(elr_el1) + 4);
}

void guest_unexpected(uint64_t *frame)
{
	(void)frame;
	say("FAIL unexpected exception\n");
	hc(PSCI_SYSTEM_OFF, 0, 0, 0);
}

static void test_device_irq(void)
{
	int before = failures;

	gic_setup(0, 27);
	mmio_write32(GICD + 0x104, 1u << 1);		    /* ISENABLER1: SPI 33 */
	*(volatile uint8_t *)(GICD + 0x400 + 33) = 0x80;    /* priority */
	*(volatile uint64_t *)(GICD + 0x6000 + 8 * 33) = 0; /* IROUTER: vCPU 0 */
	for (const char *t = "PL011 transmit interrupt, level-sensitive:"; *t; t++)
		*(volatile uint32_t *)UART = (uint32_t)*t; /* masked: raises nothing */
	mmio_write32(UART + 0x44, 1u << 5);		   /* UARTICR: the output above set TXRIS */
	mmio_write32(UART + 0x38, 1u << 5);		   /* UARTIMSC.TXIM */
	__asm__ volatile("msr daifclr, #2");
	*(volatile uint32_t *)UART = '\n'; /* ends the line and sets TXRIS: the interrupt */
	WAIT_FOR(uart_irqs >= 2, 20);
	__asm__ volatile("msr daifset, #2");
	mmio_write32(UART + 0x38, 0);
	check("PL011 interrupts (level, re-raised after EOI)", uart_irqs, 2);
	check("PL011 MIS clear", *(volatile uint32_t *)(UART + 0x40), 0);
	result("virtual device interrupt", before);
}

/* GIC 4.1.2: an edge raised while its previous instance is active is pending and active,
 * taken again after the EOI; a hypervisor must not fold it into the active one. */
static void test_sgi_while_active(void)
{
	int before = failures;

	gic_setup(0, 5);
	__asm__ volatile("msr daifclr, #2");
	write_sysreg(S3_0_C12_C11_5, (5ull << 24) | 1); /* ICC_SGI1R_EL1: SGI 5 to vCPU 0 */
	__asm__ volatile("isb");
	WAIT_FOR(resgis >= 2, 5);
	__asm__ volatile("msr daifset, #2");
	check("SGI raised while active taken again", resgis, 2);
	result("interrupt raised while active", before);
}

static uint32_t be32(const volatile uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* x0 at entry: Moat's generated DTB at the top of private RAM, naming the hypervisor. */
static void test_dtb(uint64_t dtb)
{
	int before = failures, found = 0;
	const volatile uint8_t *p = (const volatile uint8_t *)dtb;
	static const char want[] = "moat,hypervisor";
	uint64_t end = info.private_base + info.private_size;

	check("dtb in private RAM", dtb >= info.private_base && dtb < end, 1);
	if (failures != before)
		return result("generated device tree", before);
	check("dtb magic", be32(p), 0xd00dfeed);
	check("dtb fits", be32(p + 4) <= end - dtb, 1);
	for (uint32_t i = 0; failures == before && i + sizeof(want) <= be32(p + 4); i++) {
		unsigned k = 0;
		while (k < sizeof(want) && p[i + k] == (uint8_t)want[k])
			k++;
		found |= k == sizeof(want);
	}
	check("dtb names moat,hypervisor", found, 1);
	result("generated device tree", before);
}

static void test_uart(void)
{
	static const char s[] = "hello from the virtual PL011\n";

	for (const char *p = s; *p; p++) {
		while (*(volatile uint32_t *)(UART + 0x18) & (1u << 5))
			;
		*(volatile uint32_t *)UART = (uint32_t)*p;
	}
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

/* Counter ticks to nanoseconds; under QEMU -icount shift=0 that is instructions. */
static uint64_t ticks_to_ns(uint64_t t)
{
	uint64_t f = read_sysreg(cntfrq_el0);

	return t / f * 1000000000ull + t % f * 1000000000ull / f;
}

static void bench_line(const char *what, uint64_t v, const char *unit)
{
	char *p = line;

	p = put_str(p, "BENCH ");
	p = put_str(p, what);
	p = put_str(p, ": ");
	p = put_dec(p, v);
	p = put_str(p, unit);
	p = put_str(p, "\n");
	*p = 0;
	say(line);
}

/* The "bench" VM: path lengths instead of tests (run with -icount shift=0). */
static void bench(uint64_t first_count)
{
	enum {
		N = 1000
	};
	uint64_t t0, t1;

	bench_line("moat-entry-to-first-guest-instruction", ticks_to_ns(first_count),
		   " instructions");
	__asm__ volatile("isb");
	t0 = read_sysreg(cntvct_el0);
	for (int i = 0; i < N; i++)
		moat_null();
	__asm__ volatile("isb");
	t1 = read_sysreg(cntvct_el0);
	bench_line("null-hypercall-round-trip", ticks_to_ns(t1 - t0) / N, " instructions");
	hc(PSCI_SYSTEM_OFF, 0, 0, 0);
}

void guest_main(uint64_t first_count, uint64_t dtb)
{
	int64_t st = moat_vm_info(&info);
	char *p = line;

	if (!st && info.name[0] == 'b' && info.name[1] == 'e' && info.name[2] == 'n' &&
	    info.name[3] == 'c' && info.name[4] == 'h' && !info.name[5])
		bench(first_count);

	check("vm_info", st, MOAT_OK);
	p = put_str(p, "guest up: vm ");
	p = put_hex(p, info.vm_id);
	p = put_str(p, ", vcpus ");
	p = put_hex(p, info.nr_vcpus);
	p = put_str(p, "\n");
	*p = 0;
	say(line);
	if (info.shared_size) {
		/* Shared RAM survives PSCI SYSTEM_RESET (private RAM does not): reset once. */
		volatile uint32_t *mark = (volatile uint32_t *)info.shared_base;
		if (*mark != 0x52534554) {
			*mark = 0x52534554;
			say("requesting system reset\n");
			hc(0x84000009u, 0, 0, 0);
			say("FAIL system reset returned\n");
		}
		result("system reset (booted again, shared RAM kept)", failures);
	}
	test_dtb(dtb);
	test_uart();
	guest_abi_cases(&info);
	test_isolation();
	test_forbidden_sysregs();
	test_psci();
	test_timer();
	test_device_irq();
	test_sgi_while_active();
	say(failures ? "FAIL guest tests\n" : "PASS all guest tests\n");
	hc(PSCI_SYSTEM_OFF, 0, 0, 0);
	say("FAIL system_off returned\n");
	for (;;)
		__asm__ volatile("wfi");
}
