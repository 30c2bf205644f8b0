# SPDX-License-Identifier: MIT
"""Run a multiboot2 ELF under Bochs (Intel VMX + EPT; QEMU/TCG has no VMX) and print what the
scenario runner reads: the serial console (COM1), the VM-entry checks Bochs names in its log
(VMFAIL, VMENTER FAIL), and last `bochs: exit status N`.

  bochs.py --elf build/x86_64/moat.elf --cpu corei7_skylake_x [--module CONFIG.dtb]
           [--args '...'] [--bios bochs|seabios] [--timeout S] [--name NAME]

The ELF goes on a GRUB ISO (scripts/mkiso.sh) with the command line `moat.exit=bochs ARGS`, so
Moat's power-off is status 0 and a failure status 1. Headless and without any listener:
display sdl2 with SDL_VIDEODRIVER=dummy (no window, no port); the internal debugger's prompt is
answered by a script (continue, quit). Deterministic: sync=none and a fixed time0. Each run
works in build/test/bochs/NAME (kept for debugging: bochsrc, bochs.log, serial.txt)."""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIOS = {"bochs": "/usr/share/bochs/BIOS-bochs-latest", "seabios": "/usr/share/seabios/bios.bin"}

BOCHSRC = """display_library: sdl2
megs: {megs}
romimage: file={bios}{fastboot}
vgaromimage: file=/usr/share/seabios/vgabios-isavga.bin
cpu: model={cpu}, count=1, ips=20000000, reset_on_triple_fault=0, ignore_bad_msrs=1
clock: sync=none, time0=946684800
com1: enabled=1, mode=file, dev=serial.txt
port_e9_hack: enabled=1
pci: enabled=1, chipset=i440fx
sound: driver=dummy
speaker: enabled=0
log: bochs.log
panic: action=fatal
error: action=report
ata0-master: type=cdrom, path=moat.iso, status=inserted
boot: cdrom
"""

LOG_KEEP = re.compile(r"VMFAIL|VMENTER FAIL|VMEXIT|triple fault|PANIC", re.I)


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elf", required=True)
    ap.add_argument("--cpu", default="corei7_skylake_x")
    ap.add_argument("--args", default="")
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--bios", choices=sorted(BIOS), default="bochs")
    ap.add_argument("--megs", type=int, default=256)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--name", default=None)
    a = ap.parse_args()
    work = os.path.join(ROOT, "build", "test", "bochs", a.name or a.cpu)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    iso = os.path.join(work, "moat.iso")
    subprocess.run([os.path.join(ROOT, "scripts", "mkiso.sh"), iso,
                    os.path.join(ROOT, a.elf),
                    *[x for m in a.module for x in ("-m", os.path.join(ROOT, m))],
                    "moat.exit=bochs", *a.args.split()], check=True)
    with open(os.path.join(work, "bochsrc"), "w") as f:
        f.write(BOCHSRC.format(megs=a.megs, bios=BIOS[a.bios], cpu=a.cpu,
                               fastboot=", options=fastboot" if a.bios == "bochs" else ""))
    with open(os.path.join(work, "dbg.rc"), "w") as f:
        f.write("continue\nquit\n")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    p = subprocess.Popen(["bochs-bin", "-q", "-f", "bochsrc", "-rc", "dbg.rc"], cwd=work,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        rc = p.wait(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        rc = "timeout"
    out = _read(os.path.join(work, "serial.txt"))
    sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
    for line in _read(os.path.join(work, "bochs.log")).splitlines():
        if LOG_KEEP.search(line):
            print("bochs.log: " + line.rstrip())
    print(f"bochs: exit status {rc}")


if __name__ == "__main__":
    main()
