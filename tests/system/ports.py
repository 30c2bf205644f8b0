# SPDX-License-Identifier: MIT
"""Waiting for a TCP listener without connecting to it.

QEMU's spdm-socket and DMTF's spdm_responder_emu speak a framed protocol whose clients end with
a SHUTDOWN command; a strict responder treats a connection closed without it as fatal and exits.
So a readiness check must not open and close a connection: it looks for the listening socket in
the kernel's table (/proc/net/tcp, /proc/net/tcp6: state 0A is LISTEN)."""
import time

HELPER_EXITED = "a helper exited before listening"


def listening(port):
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 3 and fields[3] == "0A" and \
                    int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def wait_listening(port, procs=(), seconds=30):
    """None once something listens on `port`, else why not (a helper exited, or the time ran
    out). `procs`: processes we started for it, whose exit ends the wait."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return HELPER_EXITED
        if listening(port):
            return None
        time.sleep(0.05)
    return f"nothing listened on port {port} within {seconds}s"


if __name__ == "__main__":  # python3 tests/system/ports.py PORT: exit 0 if something listens
    import sys
    sys.exit(0 if listening(int(sys.argv[1])) else 1)
