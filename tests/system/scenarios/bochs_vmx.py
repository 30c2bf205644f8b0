# SPDX-License-Identifier: MIT
"""x86_64 on Intel VMX with EPT under Bochs (issue 18): the VMX test image (moat.elf plus one
unit, tests/vmxtest; never the production image) runs the same x86 test guest as the SVM test
image under QEMU, through VMCALL with the same register mapping: 64-bit boot protocol entry,
hypercalls, the 16550, CPUID/MSR virtualisation, #MC outside the memory map (an EPT
violation), #UD for SVM and VMX instructions, the second vCPU through INIT and start-up IPIs
(real mode to long mode under unrestricted guest, with Moat's CR0/EFER handling), IPIs, x2APIC
timer interrupts, power-off through the ACPI sleep register.

Two CPU models exercise the capability handling: Skylake-X (EPT A/D, 1 GiB EPT pages, VMCS
shadowing) and Ivy Bridge (pre-Haswell: no EPT A/D, no VMCS shadowing, 2 MiB EPT pages).
Lynnfield (no unrestricted guest) is refused cleanly. A VMCS whose guest state breaks an
entry rule ends with Moat naming the failed entry, and Bochs exit status 1."""
from qemu import Scenario

ELF = "build/x86_64/moat-vmxtest.elf"


def bochs(name, cpu, *args):
    return ["python3", "tests/system/bochs.py", "--elf", ELF, "--cpu", cpu, "--name", name,
            "--timeout", "50", *(["--args", " ".join(args)] if args else [])]


STEPS = ["guest up: vm 0x1, vcpus 0x2", "hello from the 16550", "PASS hypercalls",
         "PASS 64-bit boot protocol entry", "PASS cpuid and msrs", "PASS isolation",
         "vcpu1 up through INIT/SIPI", "PASS two vCPUs: INIT/SIPI and IPIs",
         "PASS x2APIC timer interrupts", "PASS all x86 guest tests"]
GUEST = [*[rf"^\[x86test\] {s}$" for s in STEPS],
         r"^moat: vmxtest: x86test powered off after \d+ \+ \d+ exits$",
         r"^moat: demo complete, powering off$", r"^bochs: exit status 0$"]
FORBID = [r"^\[x86test\] FAIL", r"^moat: vmx: error", r"VMENTER FAIL|VMFAIL"]
CAPS = r"^moat: vmxtest: VMX: VMCS revision 0x2b, EPT {} pages, EPT A/D {}, VPID yes, " \
       r"preemption timer yes, TRUE controls yes$"

SCENARIOS = [
    Scenario("x86_64-vmx-ept-guest-skylake-x", bochs("vmx-skx", "corei7_skylake_x"),
             [r"^moat: vmxtest: IA32_FEATURE_CONTROL locked by firmware$",
              CAPS.format("1G", "yes"), *GUEST], forbid=FORBID, timeout=70, needs=[ELF]),
    Scenario("x86_64-vmx-ept-guest-ivybridge", bochs("vmx-ivb", "corei7_ivy_bridge_3770k"),
             [CAPS.format("2M", "no"), *GUEST], forbid=FORBID, timeout=70, needs=[ELF]),
    Scenario("x86_64-vmx-refused-without-unrestricted-guest",
             bochs("vmx-lynnfield", "corei5_lynnfield_750"),
             [r"^moat: vmxtest: error: no usable VMX: not supported$",
              r"^bochs: exit status 1$"], timeout=70, needs=[ELF]),
    Scenario("x86_64-vmx-entry-failure-reported",
             bochs("vmx-badvmcs", "corei7_skylake_x", "vmxtest=badvmcs"),
             [r"^moat: vmx: error: x86test: vCPU 0: VM entry failed \(exit 33 invalid guest "
              r"state, qualification 0x0, RIP 0x100000\): stopping the VM$",
              r"^moat: vmxtest: x86test stopped after 1 \+ 0 exits$",
              r"^bochs.log: .*VMENTER FAIL: RFLAGS\[1\] cleared$",
              r"^bochs: exit status 1$"], timeout=70, needs=[ELF]),
]
