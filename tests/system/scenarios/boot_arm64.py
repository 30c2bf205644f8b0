# SPDX-License-Identifier: MIT
"""arm64 direct boot at EL2: banner, the platform summary (values from QEMU's DT), clean exit."""
from qemu import Scenario

IMAGE = "build/arm64/Image"
# moat.selftest=... exists only in the test image (tests/selftest/)
TEST_IMAGE = "build/arm64/Image-test"


def virt(smp, mem, extra=(), image=IMAGE):
    return ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
            "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-smp", str(smp), "-m", str(mem),
            "-kernel", image, *extra]


SCENARIOS = [
    Scenario("arm64-direct-smp2-512M", virt(2, 512),
             [r"^moat: Moat \S+ \(arm64, direct boot\)$",
              r"^moat: platform: cpus=2 ram=512MiB ecam=0x4010000000 "
              r"iommu=smmuv3@0x9050000 gic=v3$",
              r"^moat: demo complete, powering off$"],
             timeout=30, needs=[IMAGE]),
    Scenario("arm64-direct-smp4-1G", virt(4, 1024),
             [r"^moat: platform: cpus=4 ram=1024MiB ecam=0x4010000000 "
              r"iommu=smmuv3@0x9050000 gic=v3$",
              r"^moat: demo complete, powering off$"],
             timeout=30, needs=[IMAGE]),
    # Memory above 4 GiB and no SMMU: the summary must follow the DT, not a built-in table.
    Scenario("arm64-direct-smp1-5G-noiommu",
             ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on",
              "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
              "-serial", "stdio", "-no-reboot", "-smp", "1", "-m", "5120", "-kernel", IMAGE],
             [r"^moat: platform: cpus=1 ram=5120MiB ecam=0x4010000000 iommu=none gic=v3$",
              r"^moat: demo complete, powering off$"],
             timeout=30, needs=[IMAGE]),
    # The exception path: a deliberate abort is reported with ESR/FAR/ELR and stops cleanly.
    Scenario("arm64-exception-report", virt(1, 256, ["-append", "moat.selftest=fault"], TEST_IMAGE),
             [r"^moat: arch: error: unexpected exception: sync, data abort: ESR=0x9[67]\w+ "
              r"FAR=0xfffff0000000 ELR=0x4\w+",
              r"^moat: arch: error: x0="],
             forbid=[r"demo complete"], allow_fatal=True, timeout=30, needs=[TEST_IMAGE]),
    # W^X: a write to the image's text faults (permission fault, level 3: DFSC 0x0f).
    Scenario("arm64-wx-text-readonly", virt(1, 256, ["-append", "moat.selftest=wx"], TEST_IMAGE),
             [r"^moat: arch: error: unexpected exception: sync, data abort: ESR=0x9[67]\w*4f "],
             forbid=[r"demo complete"], allow_fatal=True, timeout=30, needs=[TEST_IMAGE]),
]
