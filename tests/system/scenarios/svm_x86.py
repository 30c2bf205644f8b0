# SPDX-License-Identifier: MIT
"""x86_64 on AMD SVM with nested paging (issue 17, phase 1): the SVM test image (moat.elf plus
one unit, tests/svmtest; never the production image) runs the x86 test guest as one VM on
QEMU's emulated SVM (-cpu max: NPT, 16 ASIDs, no NRIPS or decode assists). The guest enters
through the Linux 64-bit boot protocol state, calls Moat through VMMCALL, writes the 16550,
checks CPUID/MSR virtualisation, gets #MC for memory outside its map, starts its second vCPU
with INIT and start-up IPIs (real mode, then its own way to long mode) and takes an IPI from
it, takes x2APIC timer interrupts and powers off through the ACPI sleep control register."""
from qemu import Scenario

ELF = "build/x86_64/moat-svmtest.elf"
CMD = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-nodefaults",
       "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", "1", "-m", "256",
       "-kernel", ELF]
STEPS = ["guest up: vm 0x1, vcpus 0x2", "hello from the 16550", "console write through VMMCALL",
         "PASS hypercalls", "PASS 64-bit boot protocol entry", "PASS cpuid and msrs",
         "PASS isolation", "vcpu1 up through INIT/SIPI", "PASS two vCPUs: INIT/SIPI and IPIs",
         "PASS x2APIC timer interrupts", "PASS all x86 guest tests"]

SCENARIOS = [
    Scenario("x86_64-svm-npt-guest", CMD,
             [r"^moat: svmtest: SVM: 16 ASIDs, nested paging, NRIPS no, decode assists no$",
              *[rf"^\[x86test\] {s}$" for s in STEPS],
              r"^moat: svmtest: x86test powered off after \d+ \+ \d+ exits$",
              r"^moat: demo complete, powering off$"],
             forbid=[r"^\[x86test\] FAIL", r"^moat: svm: error"], timeout=60, needs=[ELF]),
]
