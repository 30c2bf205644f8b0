# SPDX-License-Identifier: MIT
"""Path lengths under QEMU -icount shift=0 (one instruction per virtual nanosecond): the null
hypercall round trip and Moat's entry to the first guest instruction, both measured by the
test guest with the virtual counter, and the boot's per-phase breakdown (moat.bootprof: the
phase marks Moat prints at power-off; vm-start runs until the guest's first instruction). As a scenario it checks that the figures are printed; run
as a script (make bench) it prints them."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from qemu import Scenario, run  # noqa: E402
from figure import figure  # noqa: E402

IMAGE = "build/arm64/Image"
CONFIG = "build/guests/moat-bench.dtb"
CMD = ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
       "-cpu", "max", "-accel", "tcg", "-icount", "shift=0", "-nodefaults", "-display", "none",
       "-serial", "stdio", "-no-reboot", "-smp", "1", "-m", "256", "-kernel", IMAGE,
       "-initrd", CONFIG, "-append", "moat.bootprof"]
EXPECT = [r"^\[bench\] BENCH moat-entry-to-first-guest-instruction: \d+ instructions$",
          r"^\[bench\] BENCH null-hypercall-round-trip: \d+ instructions$",
          r"^moat: all VMs stopped, powering off$"]

# Issue 21's goals, in instructions.
GOALS = {"moat-entry-to-first-guest-instruction": 5_000_000, "null-hypercall-round-trip": 150}

SCENARIOS = [Scenario("arm64-vm-bench-icount", CMD, EXPECT, timeout=60, needs=[IMAGE, CONFIG])]

if __name__ == "__main__":
    res = run(SCENARIOS[0])
    phases = re.findall(r"^moat: boot: phase (\S+): at (\d+) ns, (\d+) ns$", res.log, re.M)
    # The guest counts from the counter's 0 (reset); Moat's own path starts at its first
    # instruction (phase "entry", head.S), after QEMU's boot stub and whatever time passed.
    entry = int(phases[0][1]) if phases and phases[0][0] == "entry" else 0
    print(f"bench arm64 boot: reset to Moat's first instruction: {entry} instructions")
    for name, _, took in phases:
        print(f"bench arm64 boot phase {name}: {took} instructions")
    for line in res.log.splitlines():
        m = re.match(r"^\[bench\] BENCH (\S+): (\d+) instructions$", line)
        if m and m.group(1) in GOALS:
            v = int(m.group(2)) - (entry if m.group(1).startswith("moat-entry") else 0)
            figure(f"arm64 {m.group(1)}", v, "instr", GOALS[m.group(1)])
    if not res.ok:
        print(f"FAIL bench/arm64-vm: {res.reason}")
        sys.exit(1)
