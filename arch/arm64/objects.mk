arm64-srcs += arch/arm64/head.S arch/arm64/vectors.S arch/arm64/setup.c arch/arm64/mmu.c \
	arch/arm64/exception.c arch/arm64/psci.c arch/arm64/pl011.c arch/arm64/random.c
