# SPDX-License-Identifier: MIT
"""SPDM over the nvme's DOE mailbox on arm64 virt and x86_64 q35: QEMU forwards the DOE objects
to devemu (spdm_port), Moat enumerates PCI, finds the DOE capability, and the TSM's connect (the
one boot-time authentication of a device) checks the device against the trust anchor on its
command line, opens a session and keeps it; with each devemu fault switch the connect must refuse
the device with the specific reason. Ports 23610-23649 belong to this file (arm64 23610-23629,
x86_64 23630-23649)."""
import hashlib
import os

from qemu import PORT, ROOT, Scenario

IMAGES = {"arm64": "build/arm64/Image", "x86_64": "build/x86_64/moat.elf"}
PORTS = {"arm64": 23610, "x86_64": 23630}
DEVEMU = "build/tools/devemu"
PKI = "build/tools/pki/p384"
DEV = "0000:00:01.0"


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


def machine(arch):
    if arch == "arm64":
        return ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
                "-cpu", "max"]
    return ["qemu-system-x86_64", "-M", "q35", "-cpu", "max"]


def spdm(arch, name, port, fault, expect, forbid=(), anchor=None):
    port = PORT  # a free port picked by the runner at run time (the argument names the slot)
    helper = [DEVEMU, "--port", str(port), "--pki", PKI]
    if fault:
        helper += ["--fault", fault]
    qemu = machine(arch) + [
        "-accel", "tcg", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
        "-m", "256", "-kernel", IMAGES[arch],
        "-append", f"moat.spdm.anchor={anchor or _anchor()}",
        "-drive", "if=none,id=n0,file=/dev/null,format=raw,readonly=on",
        "-device", f"nvme,drive=n0,serial=moat{port},spdm_port={port}"]
    return Scenario(f"{arch}-spdm-{name}", qemu,
                    expect + [r"^moat: demo complete, powering off$"],
                    forbid=list(forbid), timeout=90, helpers=[helper],
                    needs=[IMAGES[arch], DEVEMU, PKI + "/root.sha384"])


# fault switch, the stage Moat refuses at, the reason it prints
FAULTS = [
    ("bad-signature", "CHALLENGE", "signature does not verify"),
    ("wrong-nonce", "MEASUREMENTS", "measurement signature does not verify over our nonce"),
    ("truncated", "VCA", "response truncated"),
    ("oversized", "CERTIFICATE", "response longer than its content"),
    ("wrong-session-id", "KEY_EXCHANGE/FINISH", "secured message for the wrong session ID"),
    ("replay", "HEARTBEAT", r"secured message failed authentication"),
    ("reorder", "HEARTBEAT", r"secured message failed authentication"),
    ("slow", "KEY_EXCHANGE/FINISH", "device not ready within the time limit"),
    ("rogue-chain", "CERTIFICATE", "certificate chain does not reach the trust anchor"),
    ("error", "MEASUREMENTS", r"device answered ERROR \(error 0x04"),
]


def scenarios(arch):
    port = PORTS[arch]
    bar = r"0x10000000\+0x4000" if arch == "arm64" else r"0x[0-9a-f]+\+0x4000"
    out = [
        spdm(arch, "session", port, None, [
            rf"^moat: pci: {DEV} 1b36:0010 class 010802 bar0={bar} doe$",
            rf"^moat: tsm: {DEV}: SPDM 1.2 asym=ECDSA-P384 hash=SHA-384 dhe=secp384r1 "
            r"aead=AES-256-GCM$",
            rf"^moat: tsm: {DEV}: leaf certificate SHA-384 {_leaf_digest()}$",
            rf"^moat: tsm: {DEV}: connected: session 0xcafe0001, 3 measurement block\(s\) kept "
            r"as evidence$",
            # no moat.tsm.ide: the default keys only devices with an IDE capability
            rf"^moat: tsm: {DEV}: IDE: link mode none \(not keyed: the device has no IDE "
            r"capability\)$",
            rf"^moat: tsm: {DEV}: TDI 0x00000008 ready, CONFIG_UNLOCKED$"],
            forbid=[r"device refused", r"^moat: spdm: "]),
        spdm(arch, "not-ready-once", port + 1, "not-ready-once",
             [rf"^moat: tsm: {DEV}: connected: "], forbid=[r"device refused"]),
        spdm(arch, "wrong-anchor", port + 2, None,
             [rf"^moat: tsm: error: {DEV}: device refused at CERTIFICATE: certificate chain "
              r"does not reach the trust anchor"],
             forbid=[r"connected: ", r"TDI 0x\w+ ready"], anchor="00" * 48),
    ]
    for i, (fault, stage, reason) in enumerate(FAULTS):
        out.append(spdm(arch, f"fault-{fault}", port + 3 + i, fault,
                        [rf"^moat: tsm: error: {DEV}: device refused at {stage}: {reason}"],
                        forbid=[r"connected: ", r"TDI 0x\w+ ready"]))
    return out


SCENARIOS = scenarios("arm64") + scenarios("x86_64")
