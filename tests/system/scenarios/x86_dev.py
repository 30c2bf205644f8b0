# SPDX-License-Identifier: MIT
"""An x86 VM owns a PCI function through the platform IOMMU (issues 19 and 20, item 6), in the
production image: one x86 VM on SVM+NPT ("beta", tests/guests/x86/dev.dts.in) gets QEMU's
device at 00:01.0 as a plain vdev (tsm-policy "none") and runs the device-assignment cases
(tests/guests/dev_cases.c through tests/guests/x86/x86_dev.c): the vdev list and the virtual
ECAM (MMIO exits decoded by Moat), the BAR mapped into its NPT, DMA through its IOMMU view
into its shared RAM, DMA to a private page and outside its RAM blocked with a record in its
fault queue (vdev, page address, stage 2, translation) and the fault interrupt on its x2APIC,
a private page shared with MEM_SHARE taking DMA and no longer taking it once UNSHARE returned.
Two runs per IOMMU: QEMU's edu (its DMA engine) and an NVMe controller (admin queues in
shared RAM, Identify Controller where the case points it).
VT-d: intel-iommu in scalable mode with second-stage translation (x-scalable-mode=on,
intremap=on) on q35, and the edu run again on a first-stage-only unit (x-flts=on). AMD-Vi: amd-iommu with pt=off (v1 host tables), whose own PCI function
takes 00:01.0, so the device is 00:02.0; QEMU 10.0 writes no event-log record, so the guest
checks blocked DMA in memory only (a blocked write leaves the page as it was, a blocked read
brings none of a private page's bytes to the device). A configuration that names the AMD-Vi
function itself is refused: the IOMMU is Moat's."""
from qemu import Scenario

ELF = "build/x86_64/moat.elf"
CONFIG = "build/guests/moat-x86-dev.dtb"
CONFIG_AMDVI = "build/guests/moat-x86-dev-amdvi.dtb"
Q35 = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-nodefaults",
       "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", "1", "-m", "256"]
EDU = ["-device", "edu"]
NVME = ["-drive", "if=none,id=n0,file=/dev/null,format=raw,file.locking=off",
        "-device", "nvme,drive=n0,serial=deadbeef"]
VTD = ["-device", "intel-iommu,x-scalable-mode=on,intremap=on"]
AMDVI = ["-device", "amd-iommu,pt=off,intremap=on"]

G = r"^\[beta\] "
FAULT = G + r"  fault queue: vdev 0x18000, IOVA {}, {}, stage 2, kind 1 \(translation\)$"


def head(unit, vid_did, dev="01"):
    return [rf"^moat: Moat \S+ \(x86_64, direct boot\)$", unit,
            rf"^moat: vdev: beta: 0000:00:{dev}\.0 {vid_did} assigned as vdev 0x18000 \(no TDISP\)$",
            r"^moat: vm: beta: id 1, 1 vCPU\(s\), 8 MiB private \+ 2 MiB shared RAM$",
            r"^moat: svm: SVM: 16 ASIDs, nested paging",
            G + r"x86 device guest up$"]


def edu_steps(records=True):
    return [G + r"vdev 0x18000: 0x1234:0x11e8, BAR0 at 0x10000000, no TDI$",
            G + r"PASS edu DMA through the VM's IOMMU view into its shared RAM$",
            *([FAULT.format("0x500000", "write"), FAULT.format("0x500000", "read"),
                FAULT.format("0x4000000", "write")] if records else []),
            G + (r"PASS edu DMA outside the VM's view blocked, fault in the VM's queue$" if records
                 else r"PASS edu DMA outside the VM's view blocked \(memory checked: no records\)$"),
            *([FAULT.format("0x600000", "write")] if records else []),
            G + r"PASS MEM_SHARE: a shared page takes DMA, UNSHARE stops it before it returns$",
            G + r"PASS x86 device guest done$",
            r"^moat: vm: beta stopped$", r"^moat: all VMs stopped, powering off$"]


def nvme_steps(records=True, bdf="0008"):
    return [G + r"vdev 0x18000: 0x1b36:0x10, BAR0 at 0x10000000, no TDI$",
            G + r"PASS NVMe Identify through the VM's IOMMU view into its shared RAM$",
            *([FAULT.format("0x500000", "write")] if records else []),
            G + (r"PASS NVMe DMA outside the VM's view blocked, fault in the VM's queue$" if records
                 else r"PASS NVMe DMA outside the VM's view blocked \(memory checked: no records\)$"),
            *([FAULT.format("0x600000", "write")] if records else []),
            G + r"PASS MEM_SHARE: a shared page takes DMA, UNSHARE stops it before it returns$",
            rf"^moat: vmsi: beta: {bdf}: MSI-X vector 0: host vector 0x\w+ on APIC 0, "
            r"remapped \(entry \d+\)$",
            G + r"PASS NVMe completion interrupt by MSI-X through interrupt remapping, as the "
                r"guest's vector$",
            G + r"PASS x86 device guest done$",
            r"^moat: vm: beta stopped$", r"^moat: all VMs stopped, powering off$"]


FORBID = [G + r"FAIL", r"^moat: (svm|vtd|amdvi|vdev|viommu|iommu): error",
          r"unexpected exception"]
VTD_UNIT = (r"^moat: vtd: VT-d at 0xfed90000: scalable, SL, 48-bit HAW, 65536 DIDs, 1 FRCD, IR, "
            r"faults by MSI$")

SCENARIOS = [
    Scenario("x86_64-vtd-vm-edu", [*Q35, *VTD, *EDU, "-kernel", ELF, "-initrd", CONFIG],
             head(VTD_UNIT, "1234:11e8") + edu_steps(), forbid=FORBID, timeout=90,
             needs=[ELF, CONFIG]),
    # A first-stage-only unit (x-flts=on): Moat's view in the first-stage format, to the VM
    # still its stage 2 (the guest has no stage 1 of its own).
    Scenario("x86_64-vtd-vm-edu-first-stage",
             [*Q35, "-device", "intel-iommu,x-scalable-mode=on,x-flts=on,intremap=on", *EDU,
              "-kernel", ELF, "-initrd", CONFIG],
             head(VTD_UNIT.replace("SL", "FL"), "1234:11e8") + edu_steps(), forbid=FORBID,
             timeout=90, needs=[ELF, CONFIG]),
    Scenario("x86_64-vtd-vm-nvme", [*Q35, *VTD, *NVME, "-kernel", ELF, "-initrd", CONFIG],
             head(VTD_UNIT, "1b36:0010") + nvme_steps(), forbid=FORBID, timeout=90,
             needs=[ELF, CONFIG]),
]

AMDVI_UNIT = (r"^moat: amdvi: AMD-Vi at 0xfed80000: EFR 0x\w+, v1 host tables up to 6 levels, GT, "
              r"65536 DTEs, events by polling$")
SCENARIOS += [
    Scenario("x86_64-amdvi-vm-edu", [*Q35, *AMDVI, *EDU, "-kernel", ELF, "-initrd", CONFIG_AMDVI],
             head(AMDVI_UNIT, "1234:11e8", "02") + edu_steps(False),
             forbid=FORBID + [r"fault queue:"], timeout=90, needs=[ELF, CONFIG_AMDVI]),
    Scenario("x86_64-amdvi-vm-nvme", [*Q35, *AMDVI, *NVME, "-kernel", ELF, "-initrd", CONFIG_AMDVI],
             head(AMDVI_UNIT, "1b36:0010", "02") + nvme_steps(False, "0010"),
             forbid=FORBID + [r"fault queue:"], timeout=90, needs=[ELF, CONFIG_AMDVI]),
    # The VT-d configuration on AMD-Vi names 00:01.0, the IOMMU's own function: refused.
    Scenario("x86_64-amdvi-vm-owns-iommu-refused",
             [*Q35, *AMDVI, *EDU, "-kernel", ELF, "-initrd", CONFIG],
             [AMDVI_UNIT, r"^moat: vdev: error: beta: 0000:00:01\.0 is an IOMMU: not assignable$"],
             forbid=[r"\[beta\]", r"assigned as vdev"], must_exit=False, allow_fatal=True,
             timeout=30, needs=[ELF, CONFIG]),
]
