#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`make run`: the end-to-end confidential device-assignment demo on QEMU (issue 9).

Starts devemu (the SPDM/TDISP/IDE_KM responder behind QEMU's nvme spdm_port) on a free port,
boots Moat with the two demo VMs (tests/guests/e2e.dts.in: "alpha" owns the nvme TDI, "beta"
owns edu without a TDI and tries to reach alpha's device and memory), prints the console as it
comes and a short summary, then stops devemu.

  tools/run_demo.py [--responder PORT --anchor ROOT.der]

With --responder (make run SPDM_RESPONDER=PORT SPDM_ANCHOR=ROOT.der) the demo uses an SPDM
responder the user already runs on 127.0.0.1:PORT (DMTF's spdm_responder_emu --trans PCI_DOE,
devemu, ...) instead of starting devemu: Moat's and the guest's trust anchor is the SHA-384 of
that root certificate, and the wait for the responder looks for its listening socket without
connecting (a strict responder exits when a connection closes without the spdm-socket
SHUTDOWN command; QEMU itself sends that command when it exits).
Exits with QEMU's status (non-zero if a guest reported FAIL or Moat did not power off)."""
import argparse
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system", "scenarios"))
import e2e_arm64  # noqa: E402  (the scenario's QEMU and devemu command lines)
import ports  # noqa: E402

TIMEOUT = 180
SUMMARY = ("SPDM 1.", "events by", "leaf certificate", "connected:", "IDE stream",
           "assigned as vdev", "edu DMA", "fault by interrupt",
           "certificate chain", "signed measurements", "bound to VM", "interface report",
           "continuation(s)", "private MMIO 0x", "trusted DMA:", "RUN for VM", "Identify Controller", "torn down",
           "late completion", "in-flight DMA", "after unbind", "memory sharing", "FLR",
           "disconnected", "PASS e2e", "FAIL", "refused", "unreachable")
GUESTS = os.path.join(ROOT, "build", "guests")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def outside_config(anchor_hex):
    """The demo's VM configuration with the given anchor in alpha's bootargs."""
    with open(os.path.join(ROOT, "tests", "guests", "e2e.dts.in")) as f:
        dts = f.read().replace("@ANCHOR@", anchor_hex).replace("@MODE@", "normal")
    src = os.path.join(GUESTS, "e2e-outside.dts")
    out = os.path.join(GUESTS, "e2e-outside-config.dtb")
    with open(src, "w") as f:
        f.write(dts)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-i", GUESTS, "-o", out, src],
                   check=True)
    return out


def run_qemu(argv):
    lines = []
    qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + TIMEOUT
    for raw in qemu.stdout:
        line = raw.decode("utf-8", "replace").rstrip()
        lines.append(line)
        print(line, flush=True)
        if time.monotonic() > deadline:
            break
    try:
        rc = qemu.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(qemu.pid, signal.SIGKILL)
        qemu.wait()
        print("make run: QEMU timed out", file=sys.stderr)
        return 3, lines
    return rc, lines


def summary(lines, rc):
    print("\n---- transcript ----")
    for line in lines:
        if any(k in line for k in SUMMARY):
            print(line)
    failed = any("FAIL" in x for x in lines)
    done = any("all VMs stopped, powering off" in x for x in lines)
    print(f"---- demo {'FAILED' if failed or not done else 'complete'} ----")
    return 1 if failed or not done else rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--responder", type=int, metavar="PORT",
                    help="use the SPDM responder already listening on 127.0.0.1:PORT")
    ap.add_argument("--anchor", metavar="ROOT.der",
                    help="its root CA certificate (DER): the trust anchor of Moat and guest")
    args = ap.parse_args()
    if bool(args.responder) != bool(args.anchor):
        ap.error("--responder and --anchor go together")
    os.chdir(ROOT)
    if args.responder:
        with open(args.anchor, "rb") as f:
            anchor_hex = hashlib.sha384(f.read()).hexdigest()
        if ports.wait_listening(args.responder, seconds=10):
            print(f"make run: nothing listens on 127.0.0.1:{args.responder}", file=sys.stderr)
            return 2
        print(f"make run: using the SPDM responder on port {args.responder} (devemu not "
              f"started); trust anchor SHA-384 {anchor_hex[:16]}... of {args.anchor}",
              flush=True)
        rc, lines = run_qemu(e2e_arm64.qemu_argv(args.responder, outside_config(anchor_hex),
                                                 anchor_hex))
        return summary(lines, rc)
    port = free_port()
    dev = subprocess.Popen(e2e_arm64.devemu_argv(port), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if ports.wait_listening(port, [dev], 20):
            print("make run: devemu did not start", file=sys.stderr)
            return 2
        print(f"make run: devemu (SPDM/TDISP responder) on port {port}; booting Moat "
              "with VMs alpha (owns the nvme TDI) and beta (owns edu)", flush=True)
        rc, lines = run_qemu(e2e_arm64.qemu_argv(port, e2e_arm64.CONFIG))
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        dev.wait()
    return summary(lines, rc)


if __name__ == "__main__":
    sys.exit(main())
