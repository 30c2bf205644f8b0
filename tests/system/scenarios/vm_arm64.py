# SPDX-License-Identifier: MIT
"""arm64 VMs under Moat: two test guests side by side (alpha: two vCPUs, beta: one), each
printing PASS/FAIL for the hypercall ABI, stage-2 isolation, PSCI (with an SGI between the two
vCPUs), virtual timer interrupts and the virtual PL011's level-sensitive interrupt.
The configuration with the guest images inlined reaches Moat as QEMU's -initrd."""
from qemu import Scenario

IMAGE = "build/arm64/Image"
DEBUG_IMAGE = "build/arm64-debug/Image"  # make DEBUG=1: trace_err() logs file:line
CONFIG = "build/guests/moat-config.dtb"


def virt(smp, extra=(), image=IMAGE):
    return ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
            "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-smp", str(smp), "-m", "512",
            "-kernel", image, *extra]


def guest(vm, multi):
    steps = [r"PASS generated device tree", r"hello from the virtual PL011", r"PASS hypercalls",
             r"PASS stage-2 isolation", r"PASS forbidden system registers",
             r"PASS two vCPUs via PSCI" if multi else r"PASS psci \(one vCPU\)",
             r"PASS timer interrupts", r"PASS virtual device interrupt",
             r"PASS interrupt raised while active",
             r"PASS all guest tests"]
    return [rf"^\[{vm}\] {s}$" for s in steps]


def refused(vm):
    """Moat's log lines for the faults the guest's isolation tests provoke (vmm/vm_fault.h)."""
    return [rf"^moat: vcpu: {vm}/0: data abort at IPA 0x20000000, pc 0x\w+ \(word read of an "
            r"address with nothing mapped\) -> SEA$",
            rf"^moat: vcpu: {vm}/0: instruction abort at IPA 0x20000000, pc 0x20000000 "
            r"\(not guest RAM\) -> SEA$",
            rf"^moat: vcpu: {vm}/0: read of system register S3_3_C14_C2_1 at pc 0x\w+ "
            r"refused -> UNDEF$"]


SCENARIOS = [
    # Lines of the two VMs interleave, so each VM's sequence is checked in its own scenario.
    *[Scenario(f"arm64-vm-two-guests-{vm}", virt(3, ["-initrd", CONFIG]),
               [r"^moat: vm: alpha: id 1, 2 vCPU\(s\), 16 MiB private \+ 2 MiB shared RAM$",
                r"^moat: vm: beta: id 2, 1 vCPU\(s\), 8 MiB private \+ 0 MiB shared RAM$",
                rf"^\[{vm}\] guest up: vm 0x{vid}, vcpus 0x{n}$",
                *([r"^\[alpha\] requesting system reset$", r"^moat: vcpu: alpha: system reset$",
                   r"^\[alpha\] guest up: vm 0x1, vcpus 0x2$",
                   r"^\[alpha\] PASS system reset \(booted again, shared RAM kept\)$"]
                  if vm == "alpha" else []),
                *guest(vm, n == 2),
                r"^moat: all VMs stopped, powering off$"],
               forbid=[r"^\[\w+\] FAIL", r"demo complete"], timeout=60, needs=[IMAGE, CONFIG],
               streams=[refused(vm)])
      for vm, vid, n in (("alpha", 1, 2), ("beta", 2, 1))],
    # A bad configuration stops the boot with the node and property named, before any guest.
    Scenario("arm64-vm-bad-config", virt(1, ["-initrd", "build/guests/bad-config.dtb"]),
             [r"^moat: config: error: vm@0: memory-private: not a multiple of 2 MiB$",
              r"^moat: boot: error: vm: "],
             forbid=[r"^\[\w+\] ", r"demo complete"], timeout=30,
             needs=[IMAGE, "build/guests/bad-config.dtb"]),
    # The debug build: the same refusal, and the trace names the file and line where the error
    # arose, on the line after the error it explains.
    Scenario("arm64-debug-trace-bad-config",
             virt(1, ["-initrd", "build/guests/bad-config.dtb"], DEBUG_IMAGE),
             [r"^moat: config: error: vm@0: memory-private: not a multiple of 2 MiB$",
              r"^moat: trace: vmm/config\.c:\d+: returning invalid argument$",
              r"^moat: boot: error: vm: "],
             forbid=[r"^\[\w+\] ", r"demo complete"], timeout=30,
             needs=[DEBUG_IMAGE, "build/guests/bad-config.dtb"]),
    # The debug build runs the guests as the production one does.
    Scenario("arm64-debug-two-guests-alpha", virt(3, ["-initrd", CONFIG], DEBUG_IMAGE),
             [r"^moat: vm: alpha: id 1, 2 vCPU\(s\)", *guest("alpha", True),
              r"^moat: all VMs stopped, powering off$"],
             forbid=[r"^\[\w+\] FAIL", r"demo complete"], timeout=60,
             needs=[DEBUG_IMAGE, CONFIG]),
    # Three vCPUs need three CPUs: with two, Moat refuses to start rather than overcommit.
    Scenario("arm64-vm-too-few-cpus", virt(2, ["-initrd", CONFIG]),
             [r"^moat: smp: error: beta: not enough CPUs"],
             forbid=[r"^\[\w+\] "], timeout=30, needs=[IMAGE, CONFIG]),
]
