# SPDX-License-Identifier: MIT
"""VT-d on QEMU (issue 19): the test image's moat.selftest=vtd (tests/selftest/vtd_edu.c; never
in the production image) gives VM 1's guest-physical view to QEMU's edu through intel-iommu in
scalable mode, once with second-stage translation (x-scalable-mode=on) and once on a
first-stage-only unit (x-flts=on, the same Moat-owned table in the first-stage format). edu
DMA reaches the VM's RAM, DMA outside the view faults with the right reason into VM 1's fault
ring, an unshared page takes no DMA once iommu_s2_unmap() returned, and a remap is seen by the
next DMA. Interrupt remapping: edu's MSI through a Moat-owned IRTE arrives as its vector (seen in
the local APIC's IRR, interrupts off), a handle Moat did not hand out and a freed IRTE are
blocked with fault 0x22; a compatibility-format MSI is only reported (QEMU 10.0 delivers it
although GSTS.CFIS is clear; the model blocks it as the spec says). QEMU emulates no nested
(PGTT 3) translation: that path runs on the model only."""
from qemu import Scenario

ELF = "build/x86_64/moat-test.elf"


def cmd(iommu, edu=True):
    return ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-nodefaults",
            "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", "1", "-m", "256",
            "-device", iommu, *(["-device", "edu"] if edu else []), "-kernel", ELF,
            "-append", "moat.selftest=vtd"]


T = r"^moat: vtd-test: "


def steps(stage, fmt, fr):
    return [rf"^moat: vtd: VT-d at 0xfed90000: scalable, {stage}, 48-bit HAW, 65536 DIDs, "
            r"1 FRCD, IR, faults by MSI$",
            T + rf"edu at rid 0x8; VM 1 view: DID 1, {fmt} table$",
            T + r"(first|second) stage: GPA 0x1001000 -> PA 0x\w+: data landed in the VM's RAM$",
            T + rf"outside: DMA outside the VM's view: fault reason {fr} rid 0x8 owner 1 "
                r"addr 0x1010000$",
            T + rf"unshare: DMA to the unshared page: fault reason {fr} rid 0x8 owner 1 "
                r"addr 0x1001000$",
            T + r"remap: GPA 0x1001000 -> PA 0x\w+: seen by the next DMA$",
            T + r"ir: IRTE \d+: edu's MSI arrived as vector 0x61 on APIC 0$",
            T + r"ir: a handle Moat did not hand out: blocked, fault reason 0x22$",
            T + r"ir: the freed IRTE: blocked, fault reason 0x22$",
            T + r"ir: compatibility-format MSI with GSTS.CFIS clear: ",
            T + r"PASS$"]


FORBID = [r"vtd-test: error", r"moat: vtd: error", r"FAIL"]

SCENARIOS = [
    Scenario("vtd-edu-second-stage", cmd("intel-iommu,x-scalable-mode=on"),
             steps("SL", "vtd-ss", "0x5"), forbid=FORBID, timeout=60, needs=[ELF]),
    Scenario("vtd-edu-first-stage", cmd("intel-iommu,x-scalable-mode=on,x-flts=on"),
             steps("FL", "x86-64", "0x71"), forbid=FORBID, timeout=60, needs=[ELF]),
    # Without the edu the test fails cleanly, not by hanging.
    Scenario("vtd-edu-missing", cmd("intel-iommu,x-scalable-mode=on", edu=False),
             [r"vtd-test: error: no edu device", r"vtd-test: error: FAIL"], forbid=[r"PASS"],
             must_exit=False, allow_fatal=True, timeout=30, needs=[ELF]),
]

# The second device: QEMU's NVMe controller (admin queues and Identify data in VM 1's view).
N = r"^moat: vtd-nvme: "
NVME = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-nodefaults",
        "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", "1", "-m", "256",
        "-device", "intel-iommu,x-scalable-mode=on",
        "-drive", "if=none,id=n0,file=/dev/null,format=raw,file.locking=off",
        "-device", "nvme,drive=n0,serial=deadbeef", "-kernel", ELF,
        "-append", "moat.selftest=vtd-nvme"]
SCENARIOS += [
    Scenario("vtd-nvme-second-stage", NVME,
             [N + r"NVMe at rid 0x\w+; VM 1 view: DID 1$",
              N + r"identify: GPA 0x2002000 -> PA 0x\w+: controller data \(VID 0x1b36\) landed "
                  r"in the VM's RAM$",
              N + r"unshare: Identify completed \(status 0x\w+\), the unshared page untouched$",
              N + r"unshare: Identify into the unshared page: fault reason 0x5 rid 0x\w+ "
                  r"owner 1 addr 0x2002000$",
              N + r"PASS$"],
             forbid=[r"vtd-nvme: error", r"moat: vtd: error", r"FAIL"], timeout=60,
             needs=[ELF]),
]
