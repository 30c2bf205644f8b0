# SPDX-License-Identifier: MIT
"""SPDM over the nvme's DOE mailbox on arm64 virt: QEMU forwards the DOE objects to devemu
(spdm_port), Moat enumerates PCI, finds the DOE capability, authenticates the device against
the trust anchor on its command line and opens a session; with each devemu fault switch Moat
must refuse the device with the specific reason. Ports 23610-23629 belong to this file."""
import hashlib
import os

from qemu import ROOT, Scenario

IMAGE = "build/arm64/Image"
DEVEMU = "build/tools/devemu"
PKI = "build/tools/pki/p384"
BASE_PORT = 23610
DEV = "0000:00:01.0"

# QEMU connects to the spdm port while realizing the nvme and exits if nobody listens: wait
# for devemu's socket before exec'ing QEMU (devemu serves the probe connection and moves on).
WAIT_THEN_EXEC = """
import os, socket, sys, time
port = int(sys.argv[1])
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        break
    except OSError:
        time.sleep(0.05)
os.execvp(sys.argv[2], sys.argv[2:])
"""


def _read(path, mode="r"):
    try:
        with open(os.path.join(ROOT, path), mode) as f:
            return f.read()
    except OSError:
        return None


def _anchor():
    a = _read(PKI + "/root.sha384")
    return a.strip() if a else "missing"


def _leaf_digest():
    der = _read(PKI + "/leaf.der", "rb")
    return hashlib.sha384(der).hexdigest() if der else "missing"


def spdm(name, port, fault, expect, forbid=(), anchor=None):
    helper = [DEVEMU, "--port", str(port), "--pki", PKI]
    if fault:
        helper += ["--fault", fault]
    qemu = ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
            "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-m", "256", "-kernel", IMAGE,
            "-append", f"moat.spdm.anchor={anchor or _anchor()}",
            "-drive", "if=none,id=n0,file=/dev/null,format=raw,readonly=on",
            "-device", f"nvme,drive=n0,serial=moat{port},spdm_port={port}"]
    return Scenario(name, ["python3", "-c", WAIT_THEN_EXEC, str(port)] + qemu,
                    expect + [r"^moat: demo complete, powering off$"],
                    forbid=list(forbid), timeout=90, helpers=[helper],
                    needs=[IMAGE, DEVEMU, PKI + "/root.sha384"])


def refused(fault, port, stage, reason):
    return spdm(f"arm64-spdm-fault-{fault}", port, fault,
                [rf"^moat: spdm: error: {DEV}: device refused at {stage}: {reason}"],
                forbid=[r"device authenticated", r"session 0x\w+ established"])


SCENARIOS = [
    spdm("arm64-spdm-session", BASE_PORT, None, [
        rf"^moat: pci: {DEV} 1b36:0010 class 010802 doe$",
        rf"^moat: spdm: {DEV}: SPDM 1.2 asym=ECDSA-P384 hash=SHA-384 dhe=secp384r1 "
        r"aead=AES-256-GCM$",
        rf"^moat: spdm: {DEV}: leaf certificate SHA-384 {_leaf_digest()}$",
        rf"^moat: spdm: {DEV}: measurements: 3 block\(s\), \d+ bytes, signed over a fresh nonce$",
        rf"^moat: spdm: {DEV}: session 0xcafe0001 established",
        rf"^moat: spdm: {DEV}: device authenticated"],
        forbid=[r"device refused"]),
    spdm("arm64-spdm-not-ready-once", BASE_PORT + 1, "not-ready-once",
         [rf"^moat: spdm: {DEV}: device authenticated"], forbid=[r"device refused"]),
    spdm("arm64-spdm-wrong-anchor", BASE_PORT + 2, None,
         [rf"^moat: spdm: error: {DEV}: device refused at CERTIFICATE: certificate chain does "
          r"not reach the trust anchor"],
         forbid=[r"device authenticated"], anchor="00" * 48),
    refused("bad-signature", BASE_PORT + 3, "CHALLENGE", "signature does not verify"),
    refused("wrong-nonce", BASE_PORT + 4, "MEASUREMENTS",
            "measurement signature does not verify over our nonce"),
    refused("truncated", BASE_PORT + 5, "VCA", "response truncated"),
    refused("oversized", BASE_PORT + 6, "CERTIFICATE", "response longer than its content"),
    refused("wrong-session-id", BASE_PORT + 7, "KEY_EXCHANGE/FINISH",
            "secured message for the wrong session ID"),
    refused("replay", BASE_PORT + 8, "HEARTBEAT", r"secured message failed authentication"),
    refused("reorder", BASE_PORT + 9, "HEARTBEAT", r"secured message failed authentication"),
    refused("slow", BASE_PORT + 10, "KEY_EXCHANGE/FINISH",
            "device not ready within the time limit"),
    refused("rogue-chain", BASE_PORT + 11, "CERTIFICATE",
            "certificate chain does not reach the trust anchor"),
    refused("error", BASE_PORT + 12, "MEASUREMENTS", r"device answered ERROR \(error 0x04"),
]
