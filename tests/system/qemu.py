# SPDX-License-Identifier: MIT
"""QEMU scenario runner: start QEMU with a hard timeout, read the serial console, match the
expected lines in order, and kill only the QEMU (process group) it started."""
import dataclasses
import os
import re
import selectors
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

import ports

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Lines that fail any scenario whatever it expects.
FATAL = [r"moat: panic: ", r"moat: arch: error: unexpected exception", r"AddressSanitizer"]


@dataclass
class Scenario:
    name: str
    cmd: list                      # argv; relative paths are relative to the repository root
    expect: list                   # regexes that must appear, in this order
    forbid: list = field(default_factory=list)  # regexes that fail the scenario
    timeout: float = 60.0          # hard limit, seconds
    must_exit: bool = True         # QEMU must exit by itself (the demo powers off)
    allow_fatal: bool = False      # the scenario provokes a fault on purpose
    helpers: list = field(default_factory=list)  # argv of host programs started first (devemu)
    needs: list = field(default_factory=list)    # files that must exist (else: fail, not skip)
    # further sequences, each matched in order on its own (e.g. another VM's interleaved lines)
    streams: list = field(default_factory=list)


@dataclass
class Result:
    ok: bool
    seconds: float
    reason: str
    log: str


def _kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


PORT = "@PORT@"  # in cmd or helpers: replaced by a free TCP port on 127.0.0.1 for this run


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_port(sc):
    """A copy of the scenario with @PORT@ replaced, so that concurrent runs (two test suites on
    one machine, or parallel scenarios) never share a devemu socket; and the port, or None."""
    if not any(PORT in a for a in sc.cmd + [x for h in sc.helpers for x in h]):
        return sc, None
    port = _free_port()
    sub = lambda argv: [a.replace(PORT, str(port)) for a in argv]
    return dataclasses.replace(sc, cmd=sub(sc.cmd), helpers=[sub(h) for h in sc.helpers]), port


def _wait_listening(port, helpers, seconds=30):
    """QEMU connects to a helper's socket while realizing the device and exits if nobody
    listens: wait for the helper's listening socket, without connecting (tests/system/ports.py:
    a strict SPDM responder exits on a probe connection)."""
    return ports.wait_listening(port, helpers, seconds)


# A free port is found by binding port 0 and closing it, so another process on the machine (a
# second test suite, a parallel scenario) may take it before the helper binds it: the helper
# then exits at once. That, and only that, is retried on a new port.
PORT_ATTEMPTS = 3


def run(sc: Scenario) -> Result:
    start = time.monotonic()
    for f in sc.needs:
        if not os.path.exists(os.path.join(ROOT, f)):
            return Result(False, 0.0, f"missing {f} (not built?)", "")
    for attempt in range(PORT_ATTEMPTS):
        this, port = _with_port(sc)
        helpers = []
        try:
            for argv in this.helpers:
                helpers.append(subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL,
                                                start_new_session=True))
            if port is not None and helpers:
                why = _wait_listening(port, helpers)
                if why == ports.HELPER_EXITED and attempt + 1 < PORT_ATTEMPTS:
                    continue
                if why:
                    return Result(False, time.monotonic() - start,
                                  f"{why} (port {port}, attempt {attempt + 1})", "")
            return _run_qemu(this, start)
        finally:
            for h in helpers:
                _kill_group(h)


def _waiting_for(sc, idx, sidx):
    """What a timed-out run was still waiting for: the next expected line of each stream."""
    want = [sc.expect[idx]] if idx < len(sc.expect) else []
    want += [st[sidx[k]] for k, st in enumerate(sc.streams) if sidx[k] < len(st)]
    return f", waiting for {' and '.join('/' + w + '/' for w in want)}" if want else ""


def _run_qemu(sc, start):
    p = subprocess.Popen(sc.cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    buf, lines, idx, reason = b"", [], 0, None
    deadline = start + sc.timeout
    expect = [re.compile(e) for e in sc.expect]
    streams = [[re.compile(e) for e in st] for st in sc.streams]
    sidx = [0] * len(streams)
    forbid = [re.compile(f) for f in sc.forbid + ([] if sc.allow_fatal else FATAL)]
    eof = False
    try:
        while not eof:
            left = deadline - time.monotonic()
            if left <= 0:
                reason = f"timed out after {sc.timeout:.0f}s" + _waiting_for(sc, idx, sidx)
                break
            if not sel.select(timeout=min(left, 0.5)):
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                eof = True
            buf += chunk
            *done, buf = buf.split(b"\n")
            if eof and buf:
                done, buf = done + [buf], b""
            for raw in done:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                lines.append(line)
                for f in forbid:
                    if f.search(line):
                        reason = reason or f"forbidden line: {line}"
                if idx < len(expect) and expect[idx].search(line):
                    idx += 1
                for k, st in enumerate(streams):
                    if sidx[k] < len(st) and st[sidx[k]].search(line):
                        sidx[k] += 1
            if reason:
                break
            if idx == len(expect) and not sc.must_exit and sidx == [len(t) for t in streams]:
                break
    finally:
        if p.poll() is None:
            if eof:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    reason = reason or f"QEMU did not exit within {sc.timeout:.0f}s"
            _kill_group(p)
    secs = time.monotonic() - start
    log = "\n".join(lines)
    if not reason and idx < len(expect):
        reason = f"expected line not seen: /{sc.expect[idx]}/"
    for k, st in enumerate(sc.streams):
        if not reason and sidx[k] < len(st):
            reason = f"expected line not seen: /{st[sidx[k]]}/"
    if not reason and sc.must_exit and not eof:
        reason = "QEMU did not exit by itself"
    return Result(reason is None, secs, reason or "", log)
