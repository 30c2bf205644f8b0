# SPDX-License-Identifier: MIT
"""The TSM on arm64 virt and x86_64 q35: QEMU's nvme forwards its DOE objects to devemu (spdm_port); at boot
Moat connects the device (SPDM session, measurements, IDE_KM keys for stream 0), and the
self-test (moat.tsm.selftest) binds, reads the report, accepts and unbinds its TDI, printing
Moat's and the device's TDISP state after each step. With each devemu TDISP fault switch the
TDI must end with a specific refusal and torn down. Ports 23660-23699 belong to this file
(arm64 23660-23679, x86_64 23680-23699; x86_64 runs the self-test, FLR and two faults).

devemu cannot see the nvme's config space, so it is told the BAR the function has on each
machine (printed by Moat at connect) through DEVEMU_TDISP: on arm64 virt Moat assigns BAR0 at
0x10000000, on q35 the firmware left it at 0xfebf8000 (16 KiB both)."""
import os

from qemu import PORT, ROOT, Scenario

# moat.tsm.selftest is in the test images only (tests/selftest/)
IMAGES = {"arm64": "build/arm64/Image-test", "x86_64": "build/x86_64/moat-test.elf"}
BAR0 = {"arm64": 0x10000000, "x86_64": 0xfebf8000}
MACHINE = {
    "arm64": ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on,iommu=smmuv3",
              "-cpu", "max"],
    "x86_64": ["qemu-system-x86_64", "-M", "q35", "-cpu", "max"],
}
DEVEMU = "build/tools/devemu"
PKI = "build/tools/pki/p384"
DEV = "0000:00:01.0"


def _anchor():
    try:
        with open(os.path.join(ROOT, PKI, "root.sha384")) as f:
            return f.read().strip()
    except OSError:
        return "missing"


# At power-off: the ordered disconnect of a connected device (its keys, then its session).
POWER_OFF = [r"^moat: tsm: 0000:00:01.0: disconnected \(power-off\): K_SET_STOP x6, "
             r"END_SESSION$"]


def tsm(arch, name, port, fault, expect, forbid=(), meas="1,2,3",
        selftest="moat.tsm.selftest", end=POWER_OFF):
    port = PORT  # a free port picked by the runner at run time (the argument names the slot)
    # bdf: the function IDE_KM's QUERY_RESP must name (Moat checks it against the one keyed)
    env = f"DEVEMU_TDISP=bar0={BAR0[arch]:#x}:0x4000,bdf=00:01.0" + (
        f",fault={fault}" if fault else "")
    helper = ["env", env, DEVEMU, "--port", str(port), "--pki", PKI]
    qemu = MACHINE[arch] + [
        "-accel", "tcg", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
        "-m", "256", "-kernel", IMAGES[arch],
        "-append", f"moat.spdm.anchor={_anchor()} {selftest} moat.tsm.ide=0 moat.tsm.meas={meas}",
        "-drive", "if=none,id=n0,file=/dev/null,format=raw,readonly=on,file.locking=off",
        "-device", f"nvme,drive=n0,serial=moat{port},spdm_port={port}"]
    return Scenario(f"{arch}-tsm-{name}", qemu,
                    expect + [r"^moat: demo complete, powering off$", *end],
                    forbid=list(forbid), timeout=90, helpers=[helper],
                    needs=[IMAGES[arch], DEVEMU, PKI + "/root.sha384"])


def state(step, tdi, dev):
    return rf"^moat: tsm: {DEV}: after {step}: TDI {tdi}, device {dev}$"


CONNECTED_ONLY = [
    rf"^moat: tsm: {DEV}: connected: session 0x[0-9a-f]{{8}}, 3 measurement block\(s\) kept",
    # QEMU's ports have no IDE capability: the keys live on the device side only
    rf"^moat: tsm: {DEV}: IDE stream 0: link mode device-side keys only \(K0: 6 keys over "
    r"IDE_KM, K_SET_GO; no stream enabled: the device has no IDE capability\)$",
    rf"^moat: tsm: {DEV}: TDI 0x00000008 ready, CONFIG_UNLOCKED$",
]
CONNECTED = CONNECTED_ONLY + [rf"^moat: tsm: {DEV}: selftest: TDI 0x00000008 CONFIG_UNLOCKED$"]
TORN_DOWN = rf"^moat: tsm: {DEV}: selftest failed: TDI CONFIG_UNLOCKED, torn down$"


def faulty(arch, fault, port, refusal,
           teardown_state=state("teardown", "CONFIG_UNLOCKED", r"\w+"), end=TORN_DOWN, pre=(),
           reaches_run=False):
    forbid = [r"selftest passed"]
    if not reaches_run:  # refused before accept: nothing may ever be mapped private
        forbid.append(r"selftest VM: private MMIO .* mapped$")
    return tsm(arch, f"fault-{fault.replace('_', '-')}", port, fault,
               CONNECTED + list(pre) + [refusal, teardown_state, end], forbid=forbid)


def selftest(arch, port):
    bar = BAR0[arch]
    return tsm(arch, "selftest", port, None, CONNECTED + [
        r"^moat: tsm: selftest VM: shared MMIO of TDI 0x00000008 revoked$",
        state("bind", "CONFIG_LOCKED", "CONFIG_LOCKED"),
        state("get report", "CONFIG_LOCKED", "CONFIG_LOCKED"),
        rf"^moat: tsm: {DEV}: interface report 116 bytes, 2 range\(s\), info 0x0003",
        rf"^moat: tsm: {DEV}:   range 0: {bar:#x} \+3 page\(s\) BAR0$",
        rf"^moat: tsm: {DEV}:   range 1: {bar + 0x3000:#x} \+1 page\(s\) BAR0 non-TEE MSI-X$",
        rf"^moat: tsm: selftest VM: private MMIO {bar:#x} \+3 page\(s\) \(BAR0\) mapped$",
        r"^moat: tsm: selftest VM: trusted DMA for TDI 0x00000008 enabled$",
        state("accept", "RUN", "RUN"),
        state("state check", "RUN", "RUN"),
        # the ordered teardown: trusted DMA, STOP, private MMIO, shared MMIO
        r"^moat: tsm: selftest VM: trusted DMA for TDI 0x00000008 disabled$",
        r"^moat: tsm: selftest VM: private MMIO of TDI 0x00000008 unmapped$",
        r"^moat: tsm: selftest VM: shared MMIO of TDI 0x00000008 restored$",
        state("unbind", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED"),
        rf"^moat: tsm: {DEV}: selftest passed: TDI CONFIG_UNLOCKED, torn down$"],
        forbid=[r"error", r"warning: .*tdi"])


def flr(arch, port):
    """FLR while locked and while running: the ordered teardown runs first, then the reset,
    and the TDI binds again afterwards."""
    return tsm(arch, "flr", port, None, CONNECTED_ONLY + [
        state("bind", "CONFIG_LOCKED", "CONFIG_LOCKED"),
        r"^moat: tsm: selftest VM: shared MMIO of TDI 0x00000008 restored$",
        state("FLR while locked", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED"),
        state("re-bind", "CONFIG_LOCKED", "CONFIG_LOCKED"),
        state("accept", "RUN", "RUN"),
        r"^moat: tsm: selftest VM: trusted DMA for TDI 0x00000008 disabled$",
        r"^moat: tsm: selftest VM: private MMIO of TDI 0x00000008 unmapped$",
        r"^moat: tsm: selftest VM: shared MMIO of TDI 0x00000008 restored$",
        state("FLR while running", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED"),
        rf"^moat: tsm: {DEV}: FLR selftest passed: TDI CONFIG_UNLOCKED$"],
        forbid=[r"error"], selftest="moat.tsm.selftest=flr")


def refuse_stop(arch, port):
    return faulty(arch, "refuse_stop", port,
                  rf"^moat: tsm: error: {DEV}: unbind refused: I/O error$",
                  pre=[r"^moat: tdisp: warning: function 0x8: request 0x87 refused: "
                       r"TDISP_ERROR UNSPECIFIED \(0x5\)$",
                       r"^moat: tdi: error: function 0x8: device refused STOP \(I/O error\): "
                       r"TDI left in ERROR, torn down$"],
                  teardown_state=state("teardown", "ERROR", "RUN"),
                  end=rf"^moat: tsm: {DEV}: selftest failed: TDI ERROR, torn down$",
                  reaches_run=True)


def report_outside_bar(arch, port):
    return faulty(arch, "report_outside_bar", port,
                  rf"^moat: tsm: error: {DEV}: bind refused: out of range$",
                  pre=[r"^moat: tdi: error: function 0x8: interface report rejected: "
                       r"out of range$"])


def tsm_ide_km_error(arch):
    sc = tsm(arch, "ide-km-error", 0, None, [
        rf"^moat: tsm: error: {DEV}: IDE_KM K_SET_GO refused by the device: SPDM ERROR "
        r"InvalidRequest \(0x01\); session kept$",
        r"^moat: ide: error: stream 0: key set-up failed at sub-stream 0: invalid argument$",
        rf"^moat: tsm: error: {DEV}: device refused at IDE_KM: invalid argument; clean-up: "
        r"K_SET_STOP x6, END_SESSION$"],
        forbid=[r"TDI 0x00000008 ready", r"secure session lost"], end=[])
    sc.helpers[0] += ["--fault", "ide-km-error"]
    return sc


A, X = 23660, 23680
SCENARIOS = [
    selftest("arm64", A),
    report_outside_bar("arm64", A + 1),
    faulty("arm64", "state_mismatch", A + 2,
           rf"^moat: tsm: error: {DEV}: bind refused: protocol violation$",
           pre=[r"^moat: tdi: error: function 0x8: device reports \w+, expected CONFIG_LOCKED$"]),
    faulty("arm64", "error_while_run", A + 3,
           rf"^moat: tsm: error: {DEV}: state check refused: I/O error$",
           pre=[state("accept", "RUN", "ERROR"),
                r"^moat: tdi: error: function 0x8: device reports ERROR, expected RUN$",
                r"^moat: tsm: selftest VM: trusted DMA for TDI 0x00000008 disabled$",
                r"^moat: tsm: selftest VM: private MMIO of TDI 0x00000008 unmapped$"],
           teardown_state=state("teardown", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED"),
           reaches_run=True),
    refuse_stop("arm64", A + 4),
    faulty("arm64", "report_changes", A + 5,
           rf"^moat: tsm: error: {DEV}: accept refused: corrupt data$",
           pre=[r"^moat: tdi: error: function 0x8: interface report changed since bind$"],
           teardown_state=state("teardown", "CONFIG_UNLOCKED", "CONFIG_UNLOCKED")),
    # a refused connect ends what it began: the keys sent are stopped, the session ended
    tsm("arm64", "fault-key-prog-fail", A + 6, "key_prog_fail", [
        r"^moat: ide: error: stream 0: key set-up failed at sub-stream 0: I/O error$",
        rf"^moat: tsm: error: {DEV}: device refused at IDE_KM: I/O error; clean-up: "
        r"K_SET_STOP x6, END_SESSION$",
        r"^moat: tsm: warning: selftest: no connected device$"],
        forbid=[r"TDI 0x00000008 ready"], end=[]),
    tsm("arm64", "missing-measurement", A + 7, None, [
        rf"^moat: tsm: error: {DEV}: required measurement block 9 missing$",
        rf"^moat: tsm: error: {DEV}: device refused at measurement policy: not found; "
        r"clean-up: END_SESSION$"],
        forbid=[r"TDI 0x00000008 ready"], meas="1,9", end=[]),
    # one IDE_KM request answered with an SPDM ERROR: refused in one line, the session kept
    # for the clean-up (K_SET_STOP x6, END_SESSION) -- devemu's ide-km-error switch
    tsm_ide_km_error("arm64"),
    flr("arm64", A + 8),
    faulty("arm64", "fw_updatable", A + 9,
           rf"^moat: tsm: error: {DEV}: bind refused: protocol violation$",
           pre=[r"^moat: tdi: error: function 0x8: interface report rejected: "
                r"protocol violation$"]),
    selftest("x86_64", X),
    flr("x86_64", X + 1),
    refuse_stop("x86_64", X + 2),
    report_outside_bar("x86_64", X + 3),
]
