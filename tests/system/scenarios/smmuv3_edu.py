# SPDX-License-Identifier: MIT
"""SMMUv3 on QEMU: the hypervisor's self-test drives the edu device's DMA through a stage-2-only
nesting parent and a nested (guest stage-1 over stage-2) domain, with faults and remaps."""
from qemu import Scenario

IMAGE = "build/arm64/Image-test"  # the self-test is in the test image only

CMD = ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
       "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none", "-serial", "stdio",
       "-no-reboot", "-m", "512", "-kernel", IMAGE,
       "-device", "edu,dma_mask=0xffffffffffffffff", "-append", "moat.selftest=smmuv3"]

T = r"^moat: smmu-test: "

SCENARIOS = [
    Scenario("smmuv3-edu-s2-nested", CMD,
             [r"^moat: smmu: SMMUv3 at 0x9050000: S1\+S2, 16-bit SIDs, 44-bit OAS, 2-level",
              T + r"edu 0008 at BAR0 0x\w+, rid 0x8; nesting parent VMID \d+, 40-bit IPA$",
              T + r"s2: IPA 0x2000001000 -> PA 0x\w+: data landed at the translated address$",
              T + r"s2: unmapped IPA: F_TRANSLATION \(event 0x10\) rid 0x8 stage 2 "
                  r"addr 0x2000010000$",
              T + r"s2: remap \+ TLBI_S2_IPA: DMA used the new page",
              T + r"nested: IOVA 0x10000000 -> IPA 0x2000001000 -> PA 0x\w+: data landed",
              T + r"nested: IOVA unmapped at stage 1: F_TRANSLATION \(event 0x10\) rid 0x8 "
                  r"stage 1 addr 0x10100000$",
              T + r"nested: IPA unmapped at stage 2: F_TRANSLATION \(event 0x10\) rid 0x8 "
                  r"stage 2 addr 0x10002000$",
              T + r"nested: guest remap \+ TLBI_NH_ASID \(VMID \d+ forced\): DMA used the new",
              T + r"PASS$"],
             forbid=[r"smmu-test: error", r"moat: smmu: error", r"FAIL"],
             timeout=60, needs=[IMAGE]),
    # Without the edu device the self-test must fail cleanly, not hang or crash.
    Scenario("smmuv3-selftest-no-edu", CMD[:-4] + ["-append", "moat.selftest=smmuv3"],
             [r"smmu-test: error: no edu device", r"smmu-test: error: FAIL"],
             forbid=[r"PASS"], timeout=30, needs=[IMAGE]),
]
