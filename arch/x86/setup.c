// SPDX-License-Identifier: MIT
/*
 * x86_64 boot: the PVH and multiboot2 entries (from head.S, long mode on a temporary identity
 * map) turn the hvm_start_info or the multiboot2 information (mb2.c) into a struct boot_info; x86_boot() is shared with the UEFI path and sets up
 * Moat's GDT, IDT, per-CPU data (FS base, stack canary) and page tables before moat_main().
 */
#define LOG_COMPONENT "arch"
#include <arch/cpu.h>
#include <arch/mm.h>

#include "arch/x86/mb2.h"
#include "arch/x86/vmx.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/boot_info.h"
#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"

const char arch_name[] = "x86_64";

extern char __text_start[], __image_end[];

/* hvm_start_info (Xen include/public/arch-x86/hvm/start_info.h), version 1 layout. */
#define PVH_MAGIC 0x336ec578U
#define PVH_OFF_VERSION 4
#define PVH_OFF_NR_MODULES 12
#define PVH_OFF_MODLIST 16
#define PVH_MODLIST_ENTRY 32
#define PVH_OFF_CMDLINE 24
#define PVH_OFF_RSDP 32
#define PVH_OFF_MEMMAP 40
#define PVH_OFF_MEMMAP_N 48
#define PVH_MEMMAP_ENTRY 24
#define E820_RAM 1
#define E820_ACPI 3
#define E820_NVS 4

static struct boot_info pvh_bi;
static struct x86_percpu cpu0;

static const u64 gdt[] __aligned(16) = {
	0, 0x00af9a000000ffffULL, /* SEL_CODE64: long mode, DPL0 */
	0x00cf92000000ffffULL,	  /* SEL_DATA */
};

static void pvh_add_mem(struct boot_info *bi, u64 base, u64 size, u32 type)
{
	enum boot_mem_kind kind;

	if (type == E820_RAM)
		kind = BOOT_MEM_RAM;
	else if (type == E820_ACPI || type == E820_NVS)
		kind = BOOT_MEM_KEEP;
	else
		return;
	if (boot_info_add_mem(bi, pa(base), size, kind))
		bi->mem_dropped = true;
}

/* Boot modules (QEMU: -initrd), each named by its command line or "module<n>". */
static void pvh_modules(const u8 *si, struct boot_info *bi)
{
	const u8 *ml = (const u8 *)(uintptr_t) * (const u64 *)(si + PVH_OFF_MODLIST);
	u32 n = *(const u32 *)(si + PVH_OFF_NR_MODULES);

	if (!ml || (u64)(uintptr_t)ml >= (4ULL << 30))
		return;
	for (u32 i = 0; i < n && bi->nmodules < BOOT_MAX_MODULES; i++) {
		const u8 *e = ml + (u64)i * PVH_MODLIST_ENTRY;
		struct boot_module *m = &bi->modules[bi->nmodules];
		u64 cmd = *(const u64 *)(e + 16);
		unsigned k = 0;

		m->base = pa(*(const u64 *)e);
		m->size = *(const u64 *)(e + 8);
		if (!m->size)
			continue;
		if (cmd && cmd < (4ULL << 30))
			for (const char *c = (const char *)(uintptr_t)cmd;
			     c[k] && k < sizeof(m->name) - 1; k++)
				m->name[k] = c[k];
		if (!k)
			fmt_snprintf(m->name, sizeof(m->name), "module%u", i);
		else
			m->name[k] = '\0';
		bi->nmodules++;
		pr_info("boot module %s (%llu bytes)", m->name, (unsigned long long)m->size);
	}
}

/* The first boot module is Moat's configuration when it is a device tree (QEMU: -initrd). */
static void pvh_config(struct boot_info *bi)
{
	const u8 *m = (const u8 *)(uintptr_t)bi->modules[0].base.v;

	if (bi->nmodules && bi->modules[0].size >= 4 && m[0] == 0xd0 && m[1] == 0x0d &&
	    m[2] == 0xfe && m[3] == 0xed) {
		bi->config = bi->modules[0].base;
		bi->config_size = bi->modules[0].size;
	}
}

/* The start info and everything it points to lie in the first 4 GiB, mapped by head.S. */
static void pvh_parse(const u8 *si, struct boot_info *bi)
{
	u64 cmd = *(const u64 *)(si + PVH_OFF_CMDLINE);

	bi->path = BOOT_DIRECT;
	bi->rsdp = pa(*(const u64 *)(si + PVH_OFF_RSDP));
	if (cmd && cmd < (4ULL << 30)) {
		const char *s = (const char *)(uintptr_t)cmd;
		unsigned i;
		for (i = 0; i < sizeof(bi->cmdline) - 1 && s[i]; i++)
			bi->cmdline[i] = s[i];
		bi->cmdline[i] = '\0';
	}
	pvh_modules(si, bi);
	pvh_config(bi);
	if (*(const u32 *)(si + PVH_OFF_VERSION) < 1)
		return;
	const u8 *mm = (const u8 *)(uintptr_t) * (const u64 *)(si + PVH_OFF_MEMMAP);
	u32 n = *(const u32 *)(si + PVH_OFF_MEMMAP_N);
	if (!mm || (u64)(uintptr_t)mm >= (4ULL << 30) || n > 1024)
		return;
	for (u32 i = 0; i < n; i++) {
		const u8 *e = mm + (u64)i * PVH_MEMMAP_ENTRY;
		pvh_add_mem(bi, *(const u64 *)e, *(const u64 *)(e + 8), *(const u32 *)(e + 16));
	}
}

__attribute__((no_stack_protector)) __noreturn void x86_direct_entry(u32 info, u32 mb2_magic);

/* From head.S: PVH (mb2_magic 0) or multiboot2; the information lies in the first 4 GiB. */
void x86_direct_entry(u32 info, u32 mb2_magic)
{
	const u8 *si = (const u8 *)(uintptr_t)info;

	if (mb2_magic == MB2_BOOTLOADER_MAGIC) {
		if (!si || mb2_parse(si, (4ULL << 30) - info, pa(info), &pvh_bi))
			arch_halt(false); /* a broken boot information: nothing to report to */
		/* GRUB: module2 CONFIG.dtb, as QEMU's -initrd */
		pvh_config(&pvh_bi);
		x86_boot(&pvh_bi);
	}
	if (mb2_magic || !si || *(const u32 *)si != PVH_MAGIC)
		arch_halt(false); /* not started through PVH: nothing to report to */
	pvh_parse(si, &pvh_bi);
	x86_boot(&pvh_bi);
}

static void x86_load_gdt(void)
{
	struct __packed {
		u16 limit;
		u64 base;
	} d = { sizeof(gdt) - 1, (u64)(uintptr_t)gdt };

	/* Reload CS with a far return, then the data segments (SDM vol. 3A 3.4.3). */
	__asm__ volatile("lgdt %0\n"
			 "pushq %1\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1: mov %2, %%eax\n"
			 "mov %%eax, %%ds\n mov %%eax, %%es\n mov %%eax, %%ss\n"
			 "xor %%eax, %%eax\n mov %%eax, %%fs\n mov %%eax, %%gs\n"
			 :
			 : "m"(d), "i"(SEL_CODE64), "i"(SEL_DATA)
			 : "rax", "memory");
}

/* RDRAND when present (its CF says whether the value is good), mixed with the TSC. */
__attribute__((no_stack_protector)) static u64 x86_canary_seed(void)
{
	u32 r[4];
	u64 v = 0;
	u8 ok = 0;

	cpuid(1, 0, r);
	if (r[2] & (1U << 30))
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
	return (ok ? v : 0) ^ rdtsc() * 0x9e3779b97f4a7c15ULL;
}

/* First C code after the switch to Moat's tables; separate so that nothing above runs on them. */
static __attribute__((noinline)) __noreturn void x86_start(struct boot_info *bi)
{
	bi->image_base = pa((u64)(uintptr_t)__text_start);
	bi->image_size = (u64)(uintptr_t)(__image_end - __text_start);
	moat_main(bi);
}

/* Points FS at CPU 0's data; idempotent, so the UEFI path can call it before x86_boot(). */
__attribute__((no_stack_protector)) void x86_percpu_init(void)
{
	if (cpu0.self)
		return;
	cpu0.self = &cpu0;
	cpu0.stack_canary = x86_canary_seed();
	wrmsr(MSR_FS_BASE, (u64)(uintptr_t)&cpu0);
}

u64 x86_entry_tsc;

/* Runs before FS points at the per-CPU data, so it must not use the stack protector itself. */
__attribute__((no_stack_protector)) void x86_boot(struct boot_info *bi)
{
	x86_entry_tsc = rdtsc();
	__asm__ volatile("cli");
	x86_load_gdt();
	/* Loading FS cleared its base: set it again (same canary). */
	wrmsr(MSR_FS_BASE, (u64)(uintptr_t)&cpu0);
	x86_percpu_init();
	x86_idt_init();
	vmx_feature_control_init();
	if (x86_mmu_init())
		arch_halt(false);
	x86_time_init();
	x86_start(bi);
}
