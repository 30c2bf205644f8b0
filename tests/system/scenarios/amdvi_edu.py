# SPDX-License-Identifier: MIT
"""AMD-Vi on QEMU (issue 20 item 6): the test image's moat.selftest=amdvi (tests/selftest/
amdvi_edu.c; never in the production image) gives VM 1's guest-physical view (v1 host tables)
to QEMU's edu through amd-iommu with pt=off (with QEMU 10.0's default pt=on DMA is never
translated). edu DMA reaches the VM's RAM; DMA outside the view is blocked, seen in memory only
(QEMU 10.0 writes no event: the write is dropped, the read gives zeros); an unshared page takes
no DMA once iommu_s2_unmap() returned; a remap is seen by the next DMA; a remap behind the
driver's back (no INVALIDATE_IOMMU_PAGES) shows QEMU's stale IOTLB entry until the driver's
flush. With intremap=on, edu's MSI through a Moat-owned IRTE arrives as its vector, and an
entry Moat did not set, an index beyond the table and a freed entry deliver nothing. The second
run does the same with QEMU's NVMe controller (moat.selftest=amdvi-nvme).
QEMU ignores the guest (GCR3) fields and writes no event: those paths run on the model only
(tests/unit/test_amdvi*.c)."""
from qemu import Scenario

ELF = "build/x86_64/moat-test.elf"
BASE = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-nodefaults",
        "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", "1", "-m", "256",
        "-device", "amd-iommu,pt=off"]
T = r"^moat: amdvi-test: "
N = r"^moat: amdvi-nvme: "
PROBE = (r"^moat: amdvi: AMD-Vi at 0xfed80000: EFR 0x29d3, v1 host tables up to 6 levels, GT, "
         r"65536 DTEs, events by polling$")

EDU_STEPS = [
    PROBE,
    T + r"edu at DeviceID 0x\w+; VM 1 view: DomainID 1, amd-v1 table$",
    T + r"v1: GPA 0x1001000 -> PA 0x\w+: data landed in the VM's RAM$",
    T + r"outside: DMA to and from PA 0x\w+ \(not in the view\): write dropped, read gave "
        r"zeros$",
    T + r"unshare: DMA to the unshared page: blocked before iommu_s2_unmap\(\) returned$",
    T + r"remap: GPA 0x1001000 -> PA 0x\w+: seen by the next DMA$",
    T + r"stale: table remapped to PA 0x\w+ without invalidation: DMA went to the old page "
        r"\(stale IOTLB entry\)$",
    T + r"stale: after INVALIDATE_IOMMU_PAGES of DomainID 1: DMA reached the new page$",
]
IR_STEPS = [
    T + r"ir: IRTE 0: edu's MSI arrived as vector 0x61 on APIC 0$",
    T + r"ir: an entry Moat did not set \(MSI data 0x1\): blocked$",
    T + r"ir: an index beyond the table \(MSI data 0x1ff\): blocked$",
    T + r"ir: the freed IRTE \(MSI data 0x0\): blocked$",
    T + r"PASS$",
]
FORBID = [r"amdvi-test: error", r"amdvi-nvme: error", r"moat: amdvi: error", r"FAIL"]

SCENARIOS = [
    # intremap=on: QEMU remaps MSIs through Moat's IRTEs (10.0 was seen doing so without it too).
    Scenario("amdvi-edu", BASE[:-1] + ["amd-iommu,pt=off,intremap=on", "-device", "edu",
                                       "-kernel", ELF, "-append", "moat.selftest=amdvi"],
             EDU_STEPS + IR_STEPS, forbid=FORBID, timeout=60, needs=[ELF]),
    # file.locking=off: another QEMU (a parallel run) may hold /dev/null's image lock.
    Scenario("amdvi-nvme", BASE + ["-drive",
                                   "if=none,id=n0,file=/dev/null,format=raw,file.locking=off",
                                   "-device", "nvme,drive=n0,serial=deadbeef", "-kernel", ELF,
                                   "-append", "moat.selftest=amdvi-nvme"],
             [PROBE,
              N + r"NVMe at DeviceID 0x\w+; VM 1 view: DomainID 1$",
              N + r"identify: GPA 0x2002000 -> PA 0x\w+: controller data \(VID 0x1b36\) landed "
                  r"in the VM's RAM$",
              N + r"unshare: Identify completed \(status 0x\w+\), the unshared page untouched$",
              N + r"PASS$"],
             forbid=FORBID, timeout=60, needs=[ELF]),
    # Without the edu the test fails cleanly, not by hanging.
    Scenario("amdvi-edu-missing", BASE + ["-kernel", ELF, "-append", "moat.selftest=amdvi"],
             [r"amdvi-test: error: no edu device", r"amdvi-test: error: FAIL"], forbid=[r"PASS"],
             must_exit=False, allow_fatal=True, timeout=30, needs=[ELF]),
]
