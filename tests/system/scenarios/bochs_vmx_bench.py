# SPDX-License-Identifier: MIT
"""x86_64 path lengths on VMX under Bochs, whose TSC counts emulated instructions: Moat's entry
(its common boot code) to the first guest instruction, and the null hypercall round trip
through VMCALL, both measured by the x86 test guest on the VMX test image (vmxtest=bench, one
vCPU), as the SVM figures are under QEMU -icount. As a scenario it checks that the figures are
printed; run as a script (make bench) it prints them like the others."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from qemu import Scenario, run  # noqa: E402
from figure import figure  # noqa: E402

ELF = "build/x86_64/moat-vmxtest.elf"
CMD = ["python3", "tests/system/bochs.py", "--elf", ELF, "--cpu", "corei7_skylake_x",
       "--name", "vmx-bench", "--timeout", "50", "--args", "vmxtest=bench"]
EXPECT = [r"^\[x86test\] BENCH moat-entry-to-first-guest-instruction: \d+ instructions$",
          r"^\[x86test\] BENCH null-hypercall-round-trip: \d+ instructions$",
          r"^moat: vmxtest: x86test powered off after \d+ \+ 0 exits$", r"^bochs: exit status 0$"]

# Issue 21's goals, in instructions (the same as for SVM and arm64).
GOALS = {"moat-entry-to-first-guest-instruction": 5_000_000, "null-hypercall-round-trip": 150}

SCENARIOS = [Scenario("x86_64-vmx-bench-bochs", CMD, EXPECT, timeout=70, needs=[ELF])]

if __name__ == "__main__":
    res = run(SCENARIOS[0])
    for line in res.log.splitlines():
        m = re.match(r"^\[x86test\] BENCH (\S+): (\d+) instructions$", line)
        if m and m.group(1) in GOALS:
            figure(f"x86_64-vmx {m.group(1)}", int(m.group(2)), "instr", GOALS[m.group(1)])
    if not res.ok:
        print(f"FAIL bench/x86_64-vmx: {res.reason}")
        sys.exit(1)
