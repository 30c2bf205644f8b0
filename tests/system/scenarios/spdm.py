# SPDX-License-Identifier: MIT
"""SPDM over the nvme's DOE mailbox on arm64 virt and x86_64 q35: QEMU forwards the DOE objects
to devemu (spdm_port), Moat enumerates PCI, finds the DOE capability, and the TSM's connect (the
one boot-time authentication of a device) checks the device against the trust anchor on its
command line, opens a session and keeps it (and ends it at power-off); with each devemu fault switch
the connect must refuse the device with the specific reason; with devemu's version, hash and
transfer-size switches Moat negotiates what both speak (SPDM 1.2/1.3, secured messages 1.0-1.2,
chunking), or refuses in one line. Each run gets its own devemu port (@PORT@)."""
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


def _p256_anchor():
    a = _read("build/tools/pki/p256/root.sha256")
    return a.strip() if a else "missing"


def _leaf_digest():
    der = _read(PKI + "/leaf.der", "rb")
    return hashlib.sha384(der).hexdigest() if der else "missing"


def machine(arch):
    if arch == "arm64":
        return ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
                "-cpu", "max"]
    return ["qemu-system-x86_64", "-M", "q35", "-cpu", "max"]


def spdm(arch, name, port, fault, expect, forbid=(), anchor=None, devemu_args=(), pki=PKI,
         power_off=None):
    port = PORT  # a free port picked by the runner at run time (the argument names the slot)
    helper = [DEVEMU, "--port", str(port), "--pki", pki, *devemu_args]
    if fault:
        helper += ["--fault", fault]
    # at power-off the TSM ends each session it still has (no IDE on QEMU's nvme by default)
    end = [r"^moat: demo complete, powering off$"] + (
        [rf"^moat: tsm: {DEV}: disconnected \(power-off\): END_SESSION$"] if power_off else [])
    qemu = machine(arch) + [
        "-accel", "tcg", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
        "-m", "256", "-kernel", IMAGES[arch],
        "-append", f"moat.spdm.anchor={anchor or _anchor()}",
        "-drive", "if=none,id=n0,file=/dev/null,format=raw,readonly=on,file.locking=off",
        "-device", f"nvme,drive=n0,serial=moat{port},spdm_port={port}"]
    return Scenario(f"{arch}-spdm-{name}", qemu, expect + end,
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
    # inside the session an ERROR refuses that request only: the connect is refused and the
    # session it made is ended
    ("error", "MEASUREMENTS",
     r"the device refused it: SPDM ERROR UnexpectedRequest \(0x04\); clean-up: END_SESSION$"),
]

CONNECTED = rf"^moat: tsm: {DEV}: connected: session 0x[0-9a-f]{{8}}, 3 measurement block\(s\)"


def versions(arch, port):
    """What devemu speaks (its switches) and what Moat negotiates, or refuses in one line."""
    def algos(spdm, sm, asym="ECDSA-P384", hash_="SHA-384", dhe="secp384r1",
              aead="AES-256-GCM"):
        return (rf"^moat: tsm: {DEV}: SPDM {spdm}, secured messages {sm}, asym={asym} "
                rf"hash={hash_} dhe={dhe} aead={aead}$")
    return [
        spdm(arch, "spdm-1.3", port, None, [algos("1.3", "1.1"), CONNECTED],
             devemu_args=["--spdm", "1.3"], power_off=True),
        spdm(arch, "spdm-1.2-and-1.3", port, None, [algos("1.3", "1.2"), CONNECTED],
             devemu_args=["--spdm", "1.2,1.3", "--sm", "1.0,1.1,1.2"], power_off=True),
        spdm(arch, "sm-1.0", port, None, [algos("1.2", "1.0"), CONNECTED],
             devemu_args=["--sm", "1.0"], power_off=True),
        spdm(arch, "sm-1.2", port, None, [algos("1.2", "1.2"), CONNECTED],
             devemu_args=["--sm", "1.2"], power_off=True),
        # 64 bytes per message: CHUNK_SEND and CHUNK_GET in the clear and in the session
        spdm(arch, "small-transfer-size", port, None, [algos("1.2", "1.1"), CONNECTED],
             devemu_args=["--dts", "64"], power_off=True),
        spdm(arch, "sha512-p256", port, None,
             [algos("1.2", "1.1", "ECDSA-P256", "SHA-512", "secp256r1", "AES-128-GCM"),
              CONNECTED],
             devemu_args=["--hash", "512"], pki="build/tools/pki/p256",
             anchor=_p256_anchor(), power_off=True),
        # the certificate policy in the image itself (its mbedTLS has no clock of its own):
        # expired leaf refused by the build-time floor, a leaf valid only from 2040 refused by
        # the PL031 clock QEMU's virt machine has, a requester-only EKU refused
        spdm(arch, "cert-expired", port, None,
             [rf"^moat: tsm: error: {DEV}: device refused at CERTIFICATE: certificate expired "
              r"or not yet valid$"], forbid=[r"connected: "], devemu_args=["--leaf", "expired"]),
        spdm(arch, "cert-not-yet-valid", port, None,
             [rf"^moat: tsm: error: {DEV}: device refused at CERTIFICATE: certificate expired "
              r"or not yet valid$"], forbid=[r"connected: "], devemu_args=["--leaf", "future"]),
        spdm(arch, "cert-requester-eku", port, None,
             [rf"^moat: tsm: error: {DEV}: device refused at CERTIFICATE: leaf certificate's "
              r"extended key usage excludes SPDM responder$"],
             forbid=[r"connected: "], devemu_args=["--leaf", "reqeku"]),
        spdm(arch, "cert-responder-eku", port, None, [CONNECTED],
             devemu_args=["--leaf", "rspeku"], power_off=True),
        spdm(arch, "no-common-version", port, None,
             [rf"^moat: tsm: error: {DEV}: device refused at VCA: no common SPDM version "
              r"\(device offers 1.1; Moat speaks 1.3, 1.2\)$"],
             forbid=[r"connected: "], devemu_args=["--spdm", "1.1"]),
        spdm(arch, "no-common-sm-version", port, None,
             [rf"^moat: tsm: error: {DEV}: device refused at KEY_EXCHANGE/FINISH: device answered "
              r"ERROR InvalidRequest \(error 0x01\) to request 0xe4, which offered secured "
              r"messages 1.2, 1.1, 1.0$"],
             forbid=[r"connected: "], devemu_args=["--sm", "1.3"]),
    ]


def scenarios(arch):
    port = PORTS[arch]
    bar = r"0x10000000\+0x4000" if arch == "arm64" else r"0x[0-9a-f]+\+0x4000"
    out = [
        spdm(arch, "session", port, None, [
            rf"^moat: pci: {DEV} 1b36:0010 class 010802 bar0={bar} doe$",
            rf"^moat: tsm: {DEV}: SPDM 1.2, secured messages 1.1, asym=ECDSA-P384 hash=SHA-384 "
            r"dhe=secp384r1 aead=AES-256-GCM$",
            rf"^moat: tsm: {DEV}: leaf certificate SHA-384 {_leaf_digest()}$",
            rf"^moat: tsm: {DEV}: connected: session 0xcafe0001, 3 measurement block\(s\) kept "
            r"as evidence$",
            # no moat.tsm.ide: the default keys only devices with an IDE capability
            rf"^moat: tsm: {DEV}: IDE: link mode none \(not keyed: the device has no IDE "
            r"capability\)$",
            rf"^moat: tsm: {DEV}: TDI 0x00000008 ready, CONFIG_UNLOCKED$"],
            forbid=[r"device refused", r"^moat: spdm: "], power_off=True),
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


SCENARIOS = scenarios("arm64") + scenarios("x86_64") + versions("arm64", 23650)
