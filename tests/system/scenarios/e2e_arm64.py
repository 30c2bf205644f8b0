# SPDX-License-Identifier: MIT
"""Guest-driven confidential device assignment, end to end (issue 9), on QEMU virt with the
SMMUv3, QEMU's nvme forwarding its DOE mailbox to devemu (spdm_port) and an edu device.

VM "alpha" owns the nvme function (its TDI): it checks the evidence against the trust anchor
in its bootargs, binds, verifies the interface report, accepts, builds its own stage-1 on the
nested SMMUv3 and runs NVMe Identify Controller into private RAM, then unbinds with an NVMe
Read really in flight (the drive is null-co with 1.5 s of latency; the Read's completion entry
is due in a private I/O completion queue): the late completion write faults, reaches alpha's
fault queue by interrupt and changes no private byte. It then shows DMA is back to shared RAM
only, and resets the function (FLR) while running. VM "beta" (same run) owns QEMU's edu as a
plain vdev (no TDI): its DMA through beta's own vIOMMU reaches beta's shared RAM, and DMA
anywhere else faults, the fault arriving in beta's fault queue by interrupt (the SMMU's
event-queue SPI drained at EL2); beta also tries to bind alpha's TDI, to set up DMA on it, and
to reach its MMIO; every attempt fails with the documented status while alpha goes on.
A second run has devemu put the TDI in ERROR once it runs: alpha is told, the TDI torn down.
Each run gets its own devemu port (@PORT@, tests/system/qemu.py)."""
import os

from qemu import PORT, ROOT, Scenario

IMAGE = "build/arm64/Image"
DEVEMU = "build/tools/devemu"
PKI = "build/tools/pki/p384"
CONFIG = "build/guests/e2e-config.dtb"
ERROR_CONFIG = "build/guests/e2e-error-config.dtb"
REFUSE_CONFIG = "build/guests/e2e-refuse-config.dtb"
DEV = "0000:00:01.0"
BARS = "bar0=0x10000000:0x4000"
EDU = rf"^moat: vdev: beta: 0000:00:02.0 1234:11e8 assigned as vdev 0x28000 \(no TDISP\)$"
SMMU_IRQ = (r"^moat: smmu: SMMUv3 at 0x9050000: S1\+S2, .* stream table, "
            r"events by interrupt$")



def anchor():
    try:
        with open(os.path.join(ROOT, PKI, "root.sha384")) as f:
            return f.read().strip()
    except OSError:
        return "missing"


def devemu_argv(port, fault=None):
    # not_ready: the device takes 64 ms to lock, start and stop an interface (ResponseNotReady),
    # so the guest's TDI calls are BUSY and continued while it works
    env = f"DEVEMU_TDISP={BARS},bdf=00:01.0,not_ready" + (f",fault={fault}" if fault else "")
    return ["env", env, DEVEMU, "--port", str(port), "--pki", PKI]


def qemu_argv(port, config, anchor_hex=None):
    """QEMU for the demo (also used by `make run`, see tools/run_demo.py)."""
    return ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
            "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-smp", "2", "-m", "512", "-kernel", IMAGE,
            "-initrd", config,
            "-append", f"moat.spdm.anchor={anchor_hex or anchor()} moat.tsm.ide=0 "
                       "moat.tsm.meas=1,2,3",
            # null-co: reads of zeroes, each 1.5 s late, so a DMA is in flight at unbind
            "-drive", "if=none,id=n0,driver=null-co,read-zeroes=on,latency-ns=1500000000",
            "-device", f"nvme,drive=n0,serial=moat{port},spdm_port={port}",
            "-device", "edu,dma_mask=0xffffffffffffffff"]


def e2e(name, config, expect, streams=(), fault=None, forbid=()):
    port = PORT
    # the runner picks a free port and waits for devemu to listen on it before QEMU starts
    return Scenario(name, qemu_argv(port, config),
                    [SMMU_IRQ] + expect + [r"^moat: all VMs stopped, powering off$", POWER_OFF],
                    forbid=[r"^\[\w+\] FAIL", r"^moat: smmu: error", *forbid], timeout=150,
                    helpers=[devemu_argv(port, fault)], streams=list(streams),
                    needs=[IMAGE, DEVEMU, PKI + "/root.sha384", config])


def a(s):
    return rf"^\[alpha\] {s}"


# After the last VM: the device's ordered disconnect, keys first, then its session.
POWER_OFF = rf"^moat: tsm: {DEV}: disconnected \(power-off\): K_SET_STOP x6, END_SESSION$"


CONNECT = [
    rf"^moat: tsm: {DEV}: connected: session 0x[0-9a-f]{{8}}, 3 measurement block\(s\)",
    rf"^moat: tsm: {DEV}: TDI 0x00000008 ready, CONFIG_UNLOCKED$",
    rf"^moat: vdev: alpha: {DEV} 1b36:0010 assigned as vdev 0x18000, TDI unbound$",
    EDU,
]
OWNER_START = [
    a(r"vdev 0x18000: 0x1b36:0x10, BAR0 at 0x10000000 size 0x4000, TDI CONFIG_UNLOCKED$"),
    a(r"PASS virtual ECAM: filtered config space, DOE hidden$"),
    a(r"PASS shared MMIO before bind$"),
    a(r"certificate chain \d+ bytes, \d certs, root [0-9a-f]{16}\.\.\. = trust anchor, "
      r"each signed by its issuer, leaf P-384$"),
    a(r"PASS evidence: the guest verified the certificate chain up to its trust anchor$"),
    a(r"signed measurements \(guest nonce a5a8bf82\.\.\.\): \d+ bytes, 3 blocks, SPDM 1.2 "
      r"P-384/SHA-384 over L1/L2 \(\d+ B\) verified$"),
    a(r"PASS evidence: the guest verified the measurement signature over its own nonce$"),
    a(r"VCA digest [0-9a-f]{16}\.\.\. = SHA-256 of the signed VCA \(\d+ bytes\)$"),
    a(r"PASS evidence: VCA digest matches the VCA the device signed$"),
    a(r"PASS evidence: a flipped byte in the response fails verification$"),
    a(r"PASS evidence: a wrong nonce is detected$"),
    r"^moat: tdi: function 0x8: bound to VM 1: CONFIG_LOCKED, report 116 bytes, 2 range\(s\)$",
    a(r"bind: [1-9]\d* continuation\(s\) while the device worked, vCPU not held$"),
    a(r"interface report 116 bytes, info 0x3, 2 MMIO range\(s\), digest [0-9a-f]{16}\.\.\.$"),
    a(r"  range 0: page 0x10000 \+3 TEE$"),
    a(r"  range 1: page 0x10003 \+1 MSI-X \(non-TEE\)$"),
    a(r"PASS bind: CONFIG_LOCKED, report checked$"),
]
BETA = [rf"^\[beta\] {s}" for s in (
    r"e2e: VM with a plain device \(edu\), trying to reach another VM's$",
    r"vdev 0x28000: edu 0x1234:0x11e8, BAR0 at 0x10000000, no TDI$",
    r"PASS edu DMA through beta's own vIOMMU into its shared RAM$",
    r"  fault by interrupt: vdev 0x28000, IOVA 0x40400000, stage 2, kind 1$",
    r"  fault by interrupt: vdev 0x28000, IOVA 0x41000000, stage 2, kind 1$",
    r"PASS edu DMA outside beta's shared RAM faults; the fault arrives by interrupt$",
    r"PASS bind/accept/unbind/evidence of another VM's TDI refused \(BAD_HANDLE\)$",
    r"PASS DMA set-up on another VM's device or memory refused$",
    r"PASS another VM's MMIO unreachable \(abort\), virtual ECAM shows edu only$",
    r"PASS e2e guest done$")]

EVIDENCE_START = OWNER_START[:OWNER_START.index(
    r"^moat: tdi: function 0x8: bound to VM 1: CONFIG_LOCKED, report 116 bytes, 2 range\(s\)$")]


def refused_bind():
    """The device's interface report lies outside its BAR: Moat refuses the bind, the guest
    reports it and goes on; its VM and device still work as a plain assignment."""
    return e2e("arm64-e2e-refused-bind-leaves-vm-usable", REFUSE_CONFIG, CONNECT + EVIDENCE_START + [
        r"^moat: tdi: error: function 0x8: interface report rejected: out of range$",
        a(r"bind refused by Moat: status -?\d+ \(this run's device reports an interface Moat "
          r"must refuse\)$"),
        a(r"PASS after a refused bind: TDI CONFIG_UNLOCKED, shared MMIO and DMA to shared RAM "
          r"work$"),
        a(r"PASS e2e guest done$")], streams=[BETA], fault="report_outside_bar")


def outside_responder():
    """`make run SPDM_RESPONDER=PORT SPDM_ANCHOR=root.der` against a responder started apart:
    devemu in its strict mode (a connection closed without SHUTDOWN ends it, as DMTF's
    spdm_responder_emu does), with the P-256 PKI, SPDM 1.2/1.3 and secured messages 1.0-1.2;
    the demo starts no devemu, waits without connecting, and the guest verifies P-256/SHA-256
    evidence of SPDM 1.3 itself."""
    port = PORT
    env = f"DEVEMU_TDISP={BARS},bdf=00:01.0,not_ready"
    helper = ["env", env, DEVEMU, "--port", str(port), "--pki", "build/tools/pki/p256",
              "--strict", "--spdm", "1.2,1.3", "--sm", "1.0,1.1,1.2"]
    cmd = ["python3", "tools/run_demo.py", "--responder", str(port),
           "--anchor", "build/tools/pki/p256/root.der"]
    return Scenario("arm64-e2e-outside-responder", cmd, [
        r"^make run: using the SPDM responder on port \d+ \(devemu not started\); trust "
        r"anchor SHA-384 [0-9a-f]{16}\.\.\. of build/tools/pki/p256/root.der$",
        rf"^moat: tsm: {DEV}: SPDM 1.3, secured messages 1.2, asym=ECDSA-P256 hash=SHA-256 "
        r"dhe=secp256r1 aead=AES-128-GCM$",
        *CONNECT,
        a(r"certificate chain \d+ bytes, \d certs, root [0-9a-f]{16}\.\.\. = trust anchor, "
          r"each signed by its issuer, leaf P-256$"),
        a(r"signed measurements \(guest nonce a5a8bf82\.\.\.\): \d+ bytes, 3 blocks, SPDM 1.3 "
          r"P-256/SHA-256 over L1/L2 \(\d+ B\) verified$"),
        a(r"PASS bind: CONFIG_LOCKED, report checked$"),
        a(r"PASS DMA into private memory through the nested SMMUv3$"),
        a(r"PASS e2e guest done$"),
        r"^moat: all VMs stopped, powering off$", POWER_OFF,
        r"^---- demo complete ----$"],
        forbid=[r"^\[\w+\] FAIL", r"^moat: smmu: error", r"devemu did not start"],
        timeout=220, helpers=[helper], streams=[BETA],
        needs=[IMAGE, DEVEMU, "build/tools/pki/p256/root.der", CONFIG])


SCENARIOS = [
    e2e("arm64-e2e-assign-bind-accept-dma-unbind", CONFIG, CONNECT + OWNER_START + [
        r"^moat: tdi: function 0x8: RUN for VM 1$",
        a(r"accept: [1-9]\d* continuation\(s\) while the device worked, vCPU not held$"),
        a(r"PASS accept: RUN, private MMIO at the BAR's guest address$"),
        a(r"PASS own stage-1 \(CD \+ tables\) on the nested SMMUv3, invalidations$"),
        a(r"Identify Controller into private RAM via IOVA 0x202000: VID 0x1b36, "
          r"serial 'moat\d+', model 'QEMU NVMe Ctrl'$"),
        a(r"PASS DMA into private memory through the nested SMMUv3$"),
        a(r"  unbind returned after \d+ ms with the Read in flight \(due after 1500 ms\)$"),
        a(r"  late completion \(private CQ\): fault queued, IOVA 0x203000, stage 2; "
          r"private bytes written 0; no completion$"),
        a(r"PASS unbind during in-flight DMA: the late DMA faults, private RAM untouched$"),
        a(r"  Identify into private RAM: status -?\d+, private bytes written by the device: 0$"),
        a(r"  fault queued: vdev 0x18000, IOVA 0x202[0-9a-f]{3}, stage 2, kind 1$"),
        a(r"PASS after unbind: DMA reaches shared RAM only$"),
        a(r"PASS memory sharing: a shared page is DMA-reachable, unsharing removes it at once$"),
        a(r"PASS FLR while running: teardown first, then the reset$"),
        a(r"PASS e2e guest done$")], streams=[BETA]),
    e2e("arm64-e2e-device-error-while-running", ERROR_CONFIG,
        CONNECT + OWNER_START + [
            r"^moat: tdi: function 0x8: RUN for VM 1$",
            r"^moat: tdi: error: function 0x8: device reports ERROR, expected RUN$",
            a(r"  notified \(fault queue \+ SPI, TDI state\): TDI torn down after a device "
              r"error$"),
            a(r"PASS device ERROR while running: guest notified, TDI torn down, "
              r"no private DMA$"),
            a(r"PASS e2e guest done$")], streams=[BETA], fault="error_while_run"),
    refused_bind(),
    outside_responder(),
]
