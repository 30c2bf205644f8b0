# SPDX-License-Identifier: MIT
"""The boot matrix: arm64 {direct, uefi} and x86_64 {direct, uefi}, and x86_64 q35 with VT-d
(scalable mode) and AMD-Vi. Each checks the banner, the platform summary (CPUs and RAM from the
firmware's tables, the IOMMU kind and base from DMAR, IVRS, IORT or the DT) and a clean exit."""
from qemu import Scenario

X86_ELF = "build/x86_64/moat.elf"
# moat.selftest=... exists only in the test image (tests/selftest/)
X86_TEST_ELF = "build/x86_64/moat-test.elf"


def q35(extra, smp=2, mem=512):
    return ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-nodefaults",
            "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", str(smp),
            "-m", str(mem), *extra]


def summary(cpus, ram, ecam, iommu, gic=""):
    return (rf"^moat: platform: cpus={cpus} ram={ram}MiB ecam={ecam} iommu={iommu}"
            + (f" gic={gic}" if gic else "") + "$")


def banner(arch, boot):
    return rf"^moat: Moat \S+ \({arch}, {boot} boot\)$"


DONE = r"^moat: demo complete, powering off$"

SCENARIOS = [
    # A PVH boot module (QEMU -initrd) is handed over in boot_info.
    Scenario("x86_64-direct", q35(["-kernel", X86_ELF,
                                   "-initrd", "tests/system/esp/payload.bin"]),
             [r"^moat: arch: boot module module0 \(47 bytes\)$",
              banner("x86_64", "direct"), summary(2, 512, "0xb0000000", "none"), DONE],
             timeout=30, needs=[X86_ELF]),
    Scenario("x86_64-direct-vtd-scalable",
             q35(["-device", "intel-iommu,x-scalable-mode=on", "-kernel", X86_ELF]),
             [banner("x86_64", "direct"), summary(2, 512, "0xb0000000", "vtd@0xfed90000"), DONE],
             timeout=30, needs=[X86_ELF]),
    Scenario("x86_64-direct-amdvi",
             q35(["-device", "amd-iommu,pt=off", "-kernel", X86_ELF], smp=4, mem=1024),
             [banner("x86_64", "direct"), summary(4, 1024, "0xb0000000", "amdvi@0xfed80000"),
              DONE],
             timeout=30, needs=[X86_ELF]),
    # Exception reporting: a read of an unmapped address is a page fault, reported and stopped.
    Scenario("x86_64-exception-report",
             q35(["-kernel", X86_TEST_ELF, "-append", "moat.selftest=fault"], smp=1, mem=256),
             [r"^moat: arch: error: unexpected exception: page fault \(#14\): error=0x0 "
              r"RIP=0x\w+ CR2=0x7ffff0000000"],
             forbid=[r"demo complete"], allow_fatal=True, must_exit=False, timeout=30,
             needs=[X86_TEST_ELF]),
    # W^X: writing the image's text is a protection fault (error code P|W = 0x3).
    Scenario("x86_64-wx-text-readonly",
             q35(["-kernel", X86_TEST_ELF, "-append", "moat.selftest=wx"], smp=1, mem=256),
             [r"^moat: arch: error: unexpected exception: page fault \(#14\): error=0x3 "],
             forbid=[r"demo complete"], allow_fatal=True, must_exit=False, timeout=30,
             needs=[X86_TEST_ELF]),
]

X86_ESP = "build/x86_64/esp-test.img"
OVMF = ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        "-drive", "if=pflash,format=raw,unit=1,snapshot=on,file=/usr/share/OVMF/OVMF_VARS_4M.fd"]


def esp(path):
    return ["-drive", f"file={path},format=raw,if=none,id=esp,snapshot=on",
            "-device", "virtio-blk-pci,drive=esp"]


# On UEFI the ESP's configuration (boot/moat-x86_64.dts) runs the x86 test guest as VMs alpha
# and beta on SVM, loaded from the ESP as a boot module: the guests' PASS lines prove it.
X86_UEFI_VM = [r"^moat: vm: alpha: id 1, 2 vCPU\(s\), 16 MiB private \+ 2 MiB shared RAM$",
               r"^moat: all VMs stopped, powering off$"]
X86_UEFI_STREAMS = [[rf"^\[{n}\] PASS all x86 guest tests$"] for n in ("alpha", "beta")]

# OVMF needs about 4 s to reach the EFI application under TCG (qemu-10.0-platform.md 7).
SCENARIOS += [
    Scenario("x86_64-uefi-vtd-scalable",
             q35(["-device", "intel-iommu,x-scalable-mode=on", *OVMF, *esp(X86_ESP)]),
             [r"^moat: efi: loaded \\EFI\\moat\\moat.dtb \(\d+ bytes\)$",
              r"^moat: efi: loaded x86_guest.bin \(\d+ bytes\)$",
              banner("x86_64", "uefi"), summary(2, 512, "0xb0000000", "vtd@0xfed90000"),
              *X86_UEFI_VM], streams=X86_UEFI_STREAMS,
             forbid=[r"^\[(alpha|beta)\] FAIL"], timeout=90, needs=[X86_ESP]),
    # The configuration is untrusted: one that is not a device tree stops the boot, with a reason.
    Scenario("x86_64-uefi-bad-config",
             q35([*OVMF, *esp("build/x86_64/esp-badcfg.img")], smp=1, mem=256),
             [r"^moat: efi: loaded \\EFI\\moat\\moat.dtb \(47 bytes\)$",
              r"^moat: efi: error: \\EFI\\moat\\moat.dtb is not a valid device tree: header invalid$",
              r"^moat: efi: error: cannot load the configuration or a file it names: "],
             forbid=[r"moat: Moat "], must_exit=False, timeout=60,
             needs=["build/x86_64/esp-badcfg.img"]),
    Scenario("x86_64-uefi-amdvi",
             q35(["-device", "amd-iommu,pt=off", *OVMF, *esp(X86_ESP)]),
             [banner("x86_64", "uefi"), summary(2, 512, "0xb0000000", "amdvi@0xfed80000"),
              *X86_UEFI_VM], streams=X86_UEFI_STREAMS,
             forbid=[r"^\[(alpha|beta)\] FAIL"], timeout=90, needs=[X86_ESP]),
]

ARM64_IMAGE = "build/arm64/Image"
ARM64_ESP = "build/arm64/esp-test.img"


def virt(extra, smp=2, mem=512):
    return ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
            "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-smp", str(smp), "-m", str(mem), *extra]


ARM64_SUMMARY = summary(2, 512, "0x4010000000", "smmuv3@0x9050000", "v3")
# On UEFI the ESP's configuration (boot/moat.dts) runs the test guest as VM "alpha", loaded
# from the ESP as a boot module: the guest's own PASS lines prove the image arrived intact.
ARM64_UEFI_VM = [r"^moat: vm: alpha: id 1, 1 vCPU\(s\), 16 MiB private \+ 2 MiB shared RAM$",
                 r"^\[alpha\] PASS all guest tests$",
                 r"^moat: all VMs stopped, powering off$"]

# The GICv3 ITS, found in the DT (arm,gic-v3-its) or in the MADT (GIC ITS structure).
ARM64_ITS = r"^moat: its: ITS at 0x8080000: 8192 DeviceIDs, 256 EventIDs each, LPIs 8192\.\.8447$"
# arm64 direct takes the platform from QEMU's DT; UEFI from ACPI (MADT, MCFG, IORT, SPCR).
# QEMU_EFI needs about 6 s to reach the EFI application under TCG.
SCENARIOS += [
    Scenario("arm64-direct-dt", virt(["-kernel", ARM64_IMAGE]),
             [banner("arm64", "direct"), ARM64_SUMMARY, ARM64_ITS, DONE], timeout=30,
             needs=[ARM64_IMAGE]),
    Scenario("arm64-uefi-acpi",
             virt(["-bios", "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd", *esp(ARM64_ESP)]),
             [r"^moat: efi: loaded \\EFI\\moat\\moat.dtb \(\d+ bytes\)$",
              r"^moat: efi: loaded guest_tests.bin \(\d+ bytes\)$",
              banner("arm64", "uefi"), ARM64_SUMMARY, ARM64_ITS, *ARM64_UEFI_VM],
             forbid=[r"^\[alpha\] FAIL"], timeout=90, needs=[ARM64_ESP]),
]
# Without ACPI (acpi=off) the firmware passes its DT in the configuration table instead.
SCENARIOS += [
    Scenario("arm64-uefi-dt",
             ["qemu-system-aarch64", "-M",
              "virt,gic-version=3,virtualization=on,iommu=smmuv3,acpi=off", "-cpu", "max",
              "-accel", "tcg", "-nodefaults", "-display", "none", "-serial", "stdio",
              "-no-reboot", "-smp", "2", "-m", "512",
              "-bios", "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd", *esp(ARM64_ESP)],
             [banner("arm64", "uefi"), ARM64_SUMMARY, *ARM64_UEFI_VM],
             forbid=[r"^\[alpha\] FAIL"], timeout=90, needs=[ARM64_ESP]),
]
