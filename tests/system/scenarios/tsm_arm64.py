# SPDX-License-Identifier: MIT
"""The TSM on arm64 virt: QEMU's nvme forwards its DOE objects to devemu (spdm_port); at boot
Moat connects the device (SPDM session, measurements, IDE_KM keys for stream 0), and the
self-test (moat.tsm.selftest) binds, reads the report, accepts and unbinds its TDI, printing
Moat's and the device's TDISP state after each step. With each devemu TDISP fault switch the
TDI must end with a specific refusal and torn down. Ports 23660-23679 belong to this file.

devemu cannot see the nvme's config space, so it is told the BAR Moat assigns on this machine
(BAR0 at 0x10000000, 16 KiB; printed by Moat at connect) through DEVEMU_TDISP."""
import os

from qemu import ROOT, Scenario

IMAGE = "build/arm64/Image"
DEVEMU = "build/tools/devemu"
PKI = "build/tools/pki/p384"
BASE_PORT = 23660
DEV = "0000:00:01.0"
BARS = "bar0=0x10000000:0x4000"

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


def _anchor():
    try:
        with open(os.path.join(ROOT, PKI, "root.sha384")) as f:
            return f.read().strip()
    except OSError:
        return "missing"


def tsm(name, port, fault, expect, forbid=(), meas="1,2,3"):
    env = f"DEVEMU_TDISP={BARS}" + (f",fault={fault}" if fault else "")
    helper = ["env", env, DEVEMU, "--port", str(port), "--pki", PKI]
    qemu = ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
            "-cpu", "max", "-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-m", "256", "-kernel", IMAGE,
            "-append", f"moat.spdm.anchor={_anchor()} moat.tsm.selftest moat.tsm.ide=0 "
                       f"moat.tsm.meas={meas}",
            "-drive", "if=none,id=n0,file=/dev/null,format=raw,readonly=on",
            "-device", f"nvme,drive=n0,serial=moat{port},spdm_port={port}"]
    return Scenario(name, ["python3", "-c", WAIT_THEN_EXEC, str(port)] + qemu,
                    expect + [r"^moat: demo complete, powering off$"],
                    forbid=list(forbid), timeout=90, helpers=[helper],
                    needs=[IMAGE, DEVEMU, PKI + "/root.sha384"])


def state(step, tdi, dev):
    return rf"^moat: tsm: {DEV}: after {step}: TDI {tdi}, device {dev}$"


CONNECTED = [
    rf"^moat: tsm: {DEV}: connected: session 0x[0-9a-f]{{8}}, 3 measurement block\(s\) kept",
    rf"^moat: tsm: {DEV}: IDE stream 0 keyed over IDE_KM \(K0: 6 keys, K_SET_GO\)$",
    rf"^moat: tsm: {DEV}: TDI 0x00000008 ready, CONFIG_UNLOCKED$",
    rf"^moat: tsm: {DEV}: selftest: TDI 0x00000008 CONFIG_UNLOCKED$",
]
TORN_DOWN = rf"^moat: tsm: {DEV}: selftest failed: TDI CONFIG_UNLOCKED, torn down$"


def faulty(fault, port, refusal, teardown_state=state("teardown", "CONFIG_UNLOCKED", r"\w+"),
           end=TORN_DOWN, pre=(), reaches_run=False):
    forbid = [r"selftest passed"]
    if not reaches_run:  # refused before accept: nothing may ever be mapped private
        forbid.append(r"selftest VM: private MMIO .* mapped$")
    return tsm(f"arm64-tsm-fault-{fault.replace('_', '-')}", port, fault,
               CONNECTED + list(pre) + [refusal, teardown_state, end], forbid=forbid)


SCENARIOS = [
    tsm("arm64-tsm-selftest", BASE_PORT, None, CONNECTED + [
        r"^moat: tsm: selftest VM: shared MMIO of TDI 0x00000008 revoked$",
        state("bind", "CONFIG_LOCKED", "CONFIG_LOCKED"),
        state("get report", "CONFIG_LOCKED", "CONFIG_LOCKED"),
        rf"^moat: tsm: {DEV}: interface report 116 bytes, 2 range\(s\), info 0x0003",
        rf"^moat: tsm: {DEV}:   range 0: 0x10000000 \+3 page\(s\) BAR0$",
        rf"^moat: tsm: {DEV}:   range 1: 0x10003000 \+1 page\(s\) BAR0 non-TEE MSI-X$",
        r"^moat: tsm: selftest VM: private MMIO 0x10000000 \+3 page\(s\) \(BAR0\) mapped$",
        r"^moat: tsm: selftest VM: trusted DMA for TDI 0x00000008 enabled$",
        state("accept", "RUN", "RUN"),
        state("state check", "RUN", "RUN"),
        # the ordered teardown: STOP, private MMIO, trusted DMA, shared MMIO
        r"^moat: tsm: selftest VM: private MMIO of TDI 0x00000008 unmapped$",
        r"^moat: tsm: selftest VM: trusted DMA for TDI 0x00000008 disabled$",
        r"^moat: tsm: selftest VM: shared MMIO of TDI 0x00000008 restored$",
        state("unbind", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED"),
        rf"^moat: tsm: {DEV}: selftest passed: TDI CONFIG_UNLOCKED, torn down$"],
        forbid=[r"error", r"warning: .*tdi"]),
    faulty("report_outside_bar", BASE_PORT + 1,
           rf"^moat: tsm: error: {DEV}: bind refused: out of range$",
           pre=[r"^moat: tdi: error: function 0x8: interface report rejected: out of range$"]),
    faulty("state_mismatch", BASE_PORT + 2,
           rf"^moat: tsm: error: {DEV}: bind refused: protocol violation$",
           pre=[r"^moat: tdi: error: function 0x8: device reports \w+, expected CONFIG_LOCKED$"]),
    faulty("error_while_run", BASE_PORT + 3,
           rf"^moat: tsm: error: {DEV}: state check refused: I/O error$",
           pre=[state("accept", "RUN", "ERROR"),
                r"^moat: tdi: error: function 0x8: device reports ERROR, expected RUN$",
                r"^moat: tsm: selftest VM: private MMIO of TDI 0x00000008 unmapped$",
                r"^moat: tsm: selftest VM: trusted DMA for TDI 0x00000008 disabled$"],
           teardown_state=state("teardown", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED"),
           reaches_run=True),
    faulty("refuse_stop", BASE_PORT + 4,
           rf"^moat: tsm: error: {DEV}: unbind refused: I/O error$",
           pre=[r"^moat: tdisp: warning: function 0x8: request 0x87 refused: TDISP_ERROR "
                r"UNSPECIFIED \(0x5\)$",
                r"^moat: tdi: error: function 0x8: device refused STOP \(I/O error\): TDI left "
                r"in ERROR, torn down$"],
           teardown_state=state("teardown", "ERROR", "RUN"),
           end=rf"^moat: tsm: {DEV}: selftest failed: TDI ERROR, torn down$", reaches_run=True),
    faulty("report_changes", BASE_PORT + 5,
           rf"^moat: tsm: error: {DEV}: accept refused: corrupt data$",
           pre=[r"^moat: tdi: error: function 0x8: interface report changed since bind$"],
           teardown_state=state("teardown", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED")),
    tsm("arm64-tsm-fault-key-prog-fail", BASE_PORT + 6, "key_prog_fail", [
        r"^moat: ide: error: stream 0: key set-up failed at sub-stream 0: I/O error$",
        rf"^moat: tsm: error: {DEV}: device refused at IDE_KM: I/O error$",
        r"^moat: tsm: warning: selftest: no connected device$"],
        forbid=[r"TDI 0x00000008 ready"]),
    tsm("arm64-tsm-missing-measurement", BASE_PORT + 7, None, [
        rf"^moat: tsm: error: {DEV}: required measurement block 9 missing$",
        rf"^moat: tsm: error: {DEV}: device refused at measurement policy: not found$"],
        forbid=[r"TDI 0x00000008 ready"], meas="1,9"),
]
