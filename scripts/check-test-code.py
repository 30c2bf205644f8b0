#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The production images carry no test code (issue 15 item 6).

For each arch, the symbols the self-test objects define (tests/selftest/*.o and the arch's
selftest.o, whose units the test image links) must all be in the test image, and none of them,
nor any symbol named like a self-test, may be in a production image (the direct-boot ELF and
the UEFI application's ELF). Prints one line per image; exits 1 on any finding."""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ARCHES = {
    "arm64": ("aarch64-linux-gnu-nm", "arch/arm64", ["moat.elf", "moat-efi.so"], "moat-test.elf"),
    "x86_64": ("nm", "arch/x86", ["moat.elf", "moat-efi.so"], "moat-test.elf"),
}
SELFTEST_NAME = re.compile(r"selftest", re.I)


def symbols(nm, path, defined_only=False):
    argv = [nm] + (["--defined-only"] if defined_only else []) + [path]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return {ln.split()[-1] for ln in out.splitlines() if len(ln.split()) >= 2}


def check_arch(arch, nm, arch_dir, prods, test):
    out = os.path.join(ROOT, "build", arch)
    objs = glob.glob(os.path.join(out, "obj/tests/selftest/*.o"))
    objs += glob.glob(os.path.join(out, "obj", arch_dir, "selftest.o"))
    if not objs:
        return [f"{arch}: no self-test objects built (make images-all first)"]
    mine = set()
    for o in objs:
        mine |= {s for s in symbols(nm, o, True) if not s.startswith((".", "$"))}
    errs = []
    test_syms = symbols(nm, os.path.join(out, test))
    units = {s for s in mine if s.startswith("__moat_unit_")}
    if not units or not units <= test_syms:
        errs.append(f"{arch}: {test} lacks the self-test units {sorted(units - test_syms)}")
    for p in prods:
        found = sorted(s for s in symbols(nm, os.path.join(out, p))
                       if s in mine or SELFTEST_NAME.search(s))
        if found:
            errs.append(f"{arch}: production image {p} carries test code: {', '.join(found[:8])}")
        else:
            print(f"images {arch}/{p}: no test code ({len(units)} self-test unit(s) in {test} only)")
    return errs


def main():
    errs = []
    for arch, spec in ARCHES.items():
        errs += check_arch(arch, *spec)
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
