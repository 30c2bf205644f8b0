arm64-srcs += arch/arm64/head.S arch/arm64/vectors.S arch/arm64/setup.c arch/arm64/mmu.c \
	arch/arm64/exception.c arch/arm64/psci.c arch/arm64/pl011.c arch/arm64/random.c
# Virtualization: stage-2, vCPUs and traps, virtual GIC, guest PSCI, secondary CPUs.
arm64-srcs += arch/arm64/stage2.c arch/arm64/gic.c arch/arm64/vgic.c arch/arm64/vcpu.c \
	arch/arm64/vpsci.c arch/arm64/smp.c arch/arm64/smp_entry.S
arm64-srcs += arch/arm64/ctx.c
# The guest's ID-register view: portable, built for the image and the host tests
# (tests/unit/test_arm64_idreg.c); the hardware reads are the image's.
arm64-vm-srcs := arch/arm64/idreg.c
arm64-srcs += $(arm64-vm-srcs) arch/arm64/idreg_hw.c
host-srcs += $(arm64-vm-srcs)
# The deliberate faults of the test image (tests/selftest/).
arm64-selftest-srcs += arch/arm64/selftest.c
# The GICv3 ITS driver: portable (MMIO and frames only), built for the image and for the host
# tests against tests/models/its/ (tests/unit/test_gic_its.c).
arm64-its-srcs := arch/arm64/gic_its.c
arm64-srcs += $(arm64-its-srcs)
host-srcs += $(arm64-its-srcs)
