#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`make run`: the end-to-end confidential device-assignment demo on QEMU (issue 9).

Starts devemu (the SPDM/TDISP/IDE_KM responder behind QEMU's nvme spdm_port) on a free port,
boots Moat with the two demo VMs (tests/guests/e2e.dts.in: "alpha" owns the nvme TDI, "beta"
owns edu without a TDI and tries to reach alpha's device and memory), prints the console as it
comes and a short summary, then stops devemu.
Exits with QEMU's status (non-zero if a guest reported FAIL or Moat did not power off)."""
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

TIMEOUT = 180
SUMMARY = ("SPDM 1.2", "events by", "leaf certificate", "connected:", "IDE stream",
           "assigned as vdev", "edu DMA", "fault by interrupt",
           "certificate chain", "signed measurements", "bound to VM", "interface report",
           "continuation(s)", "private MMIO 0x", "trusted DMA:", "RUN for VM", "Identify Controller", "torn down",
           "late completion", "in-flight DMA", "after unbind", "memory sharing", "FLR",
           "PASS e2e", "FAIL", "refused", "unreachable")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc):
    for _ in range(200):
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def main():
    os.chdir(ROOT)
    port = free_port()
    dev = subprocess.Popen(e2e_arm64.devemu_argv(port), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    lines = []
    try:
        if not wait_port(port, dev):
            print("make run: devemu did not start", file=sys.stderr)
            return 2
        print(f"make run: devemu (SPDM/TDISP responder) on port {port}; booting Moat "
              "with VMs alpha (owns the nvme TDI) and beta (owns edu)", flush=True)
        qemu = subprocess.Popen(e2e_arm64.qemu_argv(port, e2e_arm64.CONFIG),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
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
            return 3
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        dev.wait()
    print("\n---- transcript ----")
    for line in lines:
        if any(k in line for k in SUMMARY):
            print(line)
    failed = any("FAIL" in x for x in lines)
    done = any("all VMs stopped, powering off" in x for x in lines)
    print(f"---- demo {'FAILED' if failed or not done else 'complete'} ----")
    return 1 if failed or not done else rc


if __name__ == "__main__":
    sys.exit(main())
