# SPDX-License-Identifier: MIT
"""x86_64 under Bochs through GRUB and multiboot2 (issue 18 item 1): the production image on a
GRUB ISO (scripts/mkiso.sh) reaches its banner on COM1 and powers off with Bochs exit status 0;
a failure (a provoked page fault, in the test image) ends with status 1; SeaBIOS, which leaves
IA32_FEATURE_CONTROL unlocked, boots the same image. Headless, no network listener
(tests/system/bochs.py)."""
from qemu import Scenario

ELF = "build/x86_64/moat.elf"
TEST_ELF = "build/x86_64/moat-test.elf"  # the self-tests (moat.selftest=) live there


def bochs(name, *args, bios="bochs", cpu="corei7_skylake_x", elf=ELF):
    return ["python3", "tests/system/bochs.py", "--elf", elf, "--cpu", cpu, "--bios", bios,
            "--name", name, "--timeout", "40", *(["--args", " ".join(args)] if args else [])]


BOOT = [r"^moat: Moat \S+ \(x86_64, direct boot\)$", r"^moat: platform: cpus=1 ram=256MiB",
        r"^moat: demo complete, powering off$"]

SCENARIOS = [
    Scenario("x86_64-bochs-multiboot2", bochs("mb2"), [*BOOT, r"^bochs: exit status 0$"],
             timeout=60, needs=[ELF]),
    Scenario("x86_64-bochs-multiboot2-seabios", bochs("mb2-seabios", bios="seabios"),
             [*BOOT, r"^bochs: exit status 0$"], timeout=60, needs=[ELF]),
    Scenario("x86_64-bochs-failure-exit", bochs("mb2-fail", "moat.selftest=fault", elf=TEST_ELF),
             [r"^moat: arch: error: unexpected exception: page fault",
              r"^bochs: exit status 1$"], allow_fatal=True, timeout=60, needs=[TEST_ELF]),
]
