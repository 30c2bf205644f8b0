# SPDX-License-Identifier: MIT
"""x86_64 VMs on Intel VMX with EPT in the production image under Bochs (issue 18 item 4): the
same moat.elf and the same configuration (tests/guests/x86/config.dts: alpha and beta, two
vCPUs each) as svm_x86.py runs on SVM under QEMU, booted by GRUB (multiboot2, the
configuration as the first boot module). Moat picks VMX from CPUID at run time; each guest
goes through the same steps as on SVM, with hypercalls through VMCALL: the boot protocol
entry, one system reset (alpha), the hypercall cases, the 16550, CPUID/MSR virtualisation, #MC
outside its map (an EPT violation), the second vCPU through INIT and start-up IPIs, IPIs,
x2APIC timer interrupts and power-off; Moat powers off after both.

Two CPU models exercise the capability handling: Skylake-X (EPT A/D, 1 GiB EPT pages) and
Ivy Bridge (pre-Haswell: no EPT A/D, no VMCS shadowing, 2 MiB EPT pages). Lynnfield (no
unrestricted guest) is refused with one line and no VM runs.

Hostile neighbours (tests/guests/x86/hostile.dts), as on SVM: "spin" never exits with
interrupts off (the VMX-preemption timer ends its entries), "triple" triple-faults and is
stopped, "beta" beside them passes everything; Moat keeps running "spin", so Bochs is stopped
by its time limit once beta is done."""
import importlib.util
import os

from qemu import Scenario

_spec = importlib.util.spec_from_file_location(
    "svm_x86", os.path.join(os.path.dirname(os.path.abspath(__file__)), "svm_x86.py"))
svm_x86 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(svm_x86)

ELF = "build/x86_64/moat.elf"
CONFIG = "build/guests/moat-x86-config.dtb"


def bochs(name, cpu, config=CONFIG, timeout=60):
    return ["python3", "tests/system/bochs.py", "--elf", ELF, "--cpu", cpu, "--name", name,
            "--module", config, "--timeout", str(timeout)]


CAPS = r"^moat: vmx: VMX: VMCS revision 0x2b, EPT {} pages, EPT A/D {}, VPID yes, " \
       r"preemption timer yes$"


def expect(leaf, ad):
    return [r"^moat: Moat \S+ \(x86_64, direct boot\)$", r"^moat: x86vm: VM backend: VMX$",
            CAPS.format(leaf, ad),
            r"^moat: vm: alpha: id 1, 2 vCPU\(s\), 16 MiB private \+ 2 MiB shared RAM$",
            r"^moat: vm: beta: id 2, 2 vCPU\(s\), 8 MiB private \+ 0 MiB shared RAM$",
            r"^moat: all VMs stopped, powering off$", r"^bochs: exit status 0$"]


FORBID = [r"^\[(alpha|beta)\] FAIL", r"^moat: vmx: error", r"unexpected exception",
          r"VMENTER FAIL|VMFAIL"]

SCENARIOS = [
    Scenario("x86_64-vmx-guests-skylake-x", bochs("vmx-guests-skx", "corei7_skylake_x"),
             expect("1G", "yes"), forbid=FORBID, streams=svm_x86.STREAMS, timeout=80,
             needs=[ELF, CONFIG]),
    Scenario("x86_64-vmx-guests-ivybridge", bochs("vmx-guests-ivb", "corei7_ivy_bridge_3770k"),
             expect("2M", "no"), forbid=FORBID, streams=svm_x86.STREAMS, timeout=80,
             needs=[ELF, CONFIG]),
    Scenario("x86_64-vmx-guests-refused-lynnfield",
             bochs("vmx-guests-lynnfield", "corei5_lynnfield_750"),
             [r"^moat: x86vm: VM backend: VMX$",
              r"^moat: vmx: error: no usable VMX: not supported$", r"^bochs: exit status 1$"],
             forbid=[r"^\[(alpha|beta)\]"], timeout=80, needs=[ELF, CONFIG]),
]

HOSTILE = "build/guests/moat-x86-hostile.dtb"
SCENARIOS.append(
    Scenario("x86_64-vmx-hostile-neighbour",
             bochs("vmx-hostile", "corei7_skylake_x", HOSTILE, timeout=20),
             [r"^moat: vm: spin: id 1, 1 vCPU\(s\)", r"^\[spin\] spinning forever, interrupts off$",
              r"^bochs: exit status timeout$"],
             streams=[[r"^\[triple\] triple-faulting$",
                       r"^moat: vmx: error: triple: vCPU 0: shutdown \(triple fault\) .*: "
                       r"stopping the VM$", r"^moat: vm: triple stopped$"],
                      [*(rf"^\[beta\] {s.format(id=3)}$" for s in svm_x86.STEPS),
                       r"^moat: vm: beta stopped$"]],
             forbid=[r"^\[beta\] FAIL", r"unexpected exception"], timeout=40,
             needs=[ELF, HOSTILE]))
