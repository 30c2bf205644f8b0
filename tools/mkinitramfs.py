#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds the Linux guest's initramfs: a newc cpio archive (the kernel's
Documentation/driver-api/early-userspace/buffer-format.rst) holding /init, /dev/console and the
kernel modules asked for with the modules they depend on (the "depends=" entry of each
module's .modinfo), listed in load order in /etc/modules.

  mkinitramfs.py OUT.cpio INIT MODULES_DIR [MODULE_NAME...]
"""
import os
import sys


def modinfo_depends(path):
    data = open(path, "rb").read()
    i = data.find(b"\0depends=")
    if i < 0:
        return []
    end = data.index(b"\0", i + 1)
    val = data[i + 9:end].decode()
    return [d for d in val.split(",") if d]


def index_modules(root):
    """Module name (dashes and underscores alike) -> path of its .ko under root."""
    idx = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".ko"):
                idx[f[:-3].replace("-", "_")] = os.path.join(d, f)
    return idx


def load_order(idx, wanted):
    order, seen = [], set()

    def visit(name, depth=0):
        key = name.replace("-", "_")
        if key in seen:
            return
        if key not in idx:
            sys.exit(f"mkinitramfs: module {name} not found")
        if depth > 32:
            sys.exit(f"mkinitramfs: dependency loop at {name}")
        seen.add(key)
        for dep in modinfo_depends(idx[key]):
            visit(dep, depth + 1)
        order.append(idx[key])

    for w in wanted:
        visit(w)
    return order


class Cpio:
    def __init__(self):
        self.out = bytearray()
        self.ino = 1

    def add(self, name, mode, data=b"", rdev=(0, 0)):
        nameb = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(nameb), 0]
        self.ino += 1
        self.out += b"070701" + b"".join(b"%08x" % f for f in fields) + nameb
        self._pad()
        self.out += data
        self._pad()

    def _pad(self):
        self.out += b"\0" * (-len(self.out) % 4)

    def finish(self):
        self.add("TRAILER!!!", 0)
        return bytes(self.out)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, init, moddir, wanted = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    order = load_order(index_modules(moddir), wanted) if wanted else []
    c = Cpio()
    for d in ("dev", "proc", "sys", "etc", "lib", "lib/modules"):
        c.add(d, 0o040755)
    c.add("dev/console", 0o020600, rdev=(5, 1))
    c.add("init", 0o100755, open(init, "rb").read())
    for p in order:
        c.add("lib/modules/" + os.path.basename(p), 0o100644, open(p, "rb").read())
    c.add("etc/modules", 0o100644, "".join(os.path.basename(p) + "\n" for p in order).encode())
    with open(out + ".tmp", "wb") as f:
        f.write(c.finish())
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
