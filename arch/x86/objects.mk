x86_64-srcs += arch/x86/random.c
