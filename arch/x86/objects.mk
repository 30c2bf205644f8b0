x86_64-srcs += arch/x86/random.c arch/x86/setup.c arch/x86/mmu.c arch/x86/idt.c \
	arch/x86/vectors.S arch/x86/uart.c arch/x86/time.c arch/x86/power.c \
	arch/x86/irq.c
# The PVH entry is only in the direct-boot image (the UEFI image enters through boot/).
x86_64-direct-srcs += arch/x86/head.S
x86_64-srcs += arch/x86/ctx.c
