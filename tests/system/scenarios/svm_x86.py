# SPDX-License-Identifier: MIT
"""x86_64 VMs on AMD SVM with nested paging in the production image (issue 17): the two x86
test VMs of the configuration (alpha and beta, two vCPUs each; tests/guests/x86/config.dts)
run side by side on QEMU's emulated SVM (-cpu max: NPT, 16 ASIDs, no NRIPS or decode
assists), on q35 booted directly (PVH, the configuration as -initrd) and through OVMF (the
configuration and the guest on the ESP). Each guest enters through the Linux 64-bit boot
protocol state, resets itself once (alpha: shared RAM keeps its mark), runs the hypercall cases
shared with the arm64 guest (tests/guests/guest_abi_cases.c) through VMMCALL, writes the 16550, checks CPUID/MSR
virtualisation, gets #MC for memory outside its map, starts its second vCPU with INIT and
start-up IPIs, takes an IPI from it, finds that an IPI to an x2APIC ID its VM does not have
(the other VM's vCPUs included) reaches nobody, takes x2APIC timer interrupts (also while spinning without exits: the host APIC preempts; and while making only null hypercalls, answered on the exit fast path) and powers off
through the ACPI sleep control register; the other VM goes on and Moat powers off after both."""
from qemu import Scenario

ELF = "build/x86_64/moat.elf"
CONFIG = "build/guests/moat-x86-config.dtb"
ESP = "build/x86_64/esp.img"
Q35 = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-nodefaults",
       "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", "2", "-m", "512"]
OVMF = ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        "-drive", "if=pflash,format=raw,unit=1,snapshot=on,file=/usr/share/OVMF/OVMF_VARS_4M.fd",
        "-drive", f"file={ESP},format=raw,if=none,id=esp,snapshot=on",
        "-device", "virtio-blk-pci,drive=esp"]
RESET = ["guest up: vm 0x1, vcpus 0x2", "requesting system reset", "guest up: vm 0x1, vcpus 0x2",
         "PASS system reset \\(booted again, shared RAM kept\\)"]
STEPS = ["guest up: vm 0x{id}, vcpus 0x2", "hello from the 16550",
         "console write from guest memory", "PASS hypercalls", "PASS 64-bit boot protocol entry",
         "PASS cpuid and msrs", "PASS isolation", "vcpu1 up through INIT/SIPI",
         "PASS two vCPUs: INIT/SIPI and IPIs", "PASS x2APIC timer interrupts",
         "PASS all x86 guest tests"]


def expect(boot):
    return [rf"^moat: Moat \S+ \(x86_64, {boot} boot\)$",
            r"^moat: vm: alpha: id 1, 2 vCPU\(s\), 16 MiB private \+ 2 MiB shared RAM$",
            r"^moat: vm: beta: id 2, 2 vCPU\(s\), 8 MiB private \+ 0 MiB shared RAM$",
            r"^moat: svm: SVM: 16 ASIDs, nested paging, NRIPS no, decode assists no$",
            r"^moat: all VMs stopped, powering off$"]


# Each VM's lines in order; the two VMs' lines interleave.
# alpha (shared RAM) resets itself once first, as the arm64 guest does.
STREAMS = [[*(rf"^\[{name}\] {s.format(id=vm_id)}$" for s in (RESET + STEPS[1:] if vm_id == 1 else STEPS)),
            rf"^moat: vm: {name} stopped$"] for vm_id, name in ((1, "alpha"), (2, "beta"))]

FORBID = [r"^\[(alpha|beta)\] FAIL", r"^moat: svm: error", r"unexpected exception"]

SCENARIOS = [
    Scenario("x86_64-svm-guests-direct", [*Q35, "-kernel", ELF, "-initrd", CONFIG],
             expect("direct"), forbid=FORBID, streams=STREAMS, timeout=90, needs=[ELF, CONFIG]),
    Scenario("x86_64-svm-guests-ovmf", [*Q35, *OVMF], expect("uefi"), forbid=FORBID, streams=STREAMS,
             timeout=150, needs=[ESP]),
]

# Hostile neighbours (tests/guests/x86/hostile.dts): "spin" never exits with interrupts off,
# "triple" triple-faults and is stopped; "beta" beside them passes everything. Moat keeps
# running "spin" (it never powers off), so the scenario ends once beta is done.
HOSTILE = "build/guests/moat-x86-hostile.dtb"
SCENARIOS.append(
    Scenario("x86_64-svm-hostile-neighbour", [*Q35, "-kernel", ELF, "-initrd", HOSTILE],
             [r"^moat: vm: spin: id 1, 1 vCPU\(s\)", r"^\[spin\] spinning forever, interrupts off$"],
             streams=[[r"^\[triple\] triple-faulting$",
                       r"^moat: svm: error: triple: vCPU 0: shutdown \(triple fault\) .*: "
                       r"stopping the VM$", r"^moat: vm: triple stopped$"],
                      [*(rf"^\[beta\] {s.format(id=3)}$" for s in STEPS),
                       r"^moat: vm: beta stopped$"]],
             forbid=[r"^\[beta\] FAIL", r"unexpected exception"], must_exit=False, timeout=90,
             needs=[ELF, HOSTILE]))
