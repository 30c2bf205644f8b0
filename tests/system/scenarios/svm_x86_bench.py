# SPDX-License-Identifier: MIT
"""x86_64 path lengths under QEMU -icount shift=0, where the TSC counts instructions (one
virtual nanosecond each): Moat's entry (its common boot code) to the first guest instruction,
and the null hypercall round trip through VMMCALL, both measured by the x86 test guest as the
production image's one "bench" VM (tests/guests/x86/bench.dts: bootargs "moat.bench", to
which Moat adds its entry TSC). As a scenario it checks that the figures are printed; run as a
script (make bench) it prints them like the arm64 ones."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from qemu import Scenario, run  # noqa: E402
from figure import figure  # noqa: E402

ELF = "build/x86_64/moat.elf"
CONFIG = "build/guests/moat-x86-bench.dtb"
CMD = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-accel", "tcg", "-icount", "shift=0",
       "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot", "-smp", "1",
       "-m", "256", "-kernel", ELF, "-initrd", CONFIG]
EXPECT = [r"^\[bench\] BENCH moat-entry-to-first-guest-instruction: \d+ instructions$",
          r"^\[bench\] BENCH null-hypercall-round-trip: \d+ instructions$",
          r"^moat: vm: bench stopped$", r"^moat: all VMs stopped, powering off$"]

# Issue 21's goals, in instructions.
GOALS = {"moat-entry-to-first-guest-instruction": 5_000_000, "null-hypercall-round-trip": 150}

SCENARIOS = [Scenario("x86_64-svm-bench-icount", CMD, EXPECT, timeout=90, needs=[ELF, CONFIG])]

if __name__ == "__main__":
    res = run(SCENARIOS[0])
    for line in res.log.splitlines():
        m = re.match(r"^\[bench\] BENCH (\S+): (\d+) instructions$", line)
        if m and m.group(1) in GOALS:
            figure(f"x86_64 {m.group(1)}", int(m.group(2)), "instr", GOALS[m.group(1)])
    if not res.ok:
        print(f"FAIL bench/x86_64-svm: {res.reason}")
        sys.exit(1)
