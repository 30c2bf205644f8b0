#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layering in docs/architecture.md is what the includes show.

Reads the `layers` block of docs/architecture.md (one line per component: its layer number,
its name, the path prefixes it owns, and optionally `peers=` naming same-layer components it
may include), assigns every C/assembly source and header of the hypervisor to a component,
and checks each #include: a component may include itself, components of a lower layer, and
its declared peers. Then checks that the component graph has no cycle. `<arch/x.h>` is the
arch's primitive header set (arch/<arch>/include/arch/x.h or arch/x.h), owned by `base`.
Prints the component graph and one line per violation; exits 1 on any."""
import fnmatch
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DOC = os.path.join(ROOT, "docs", "architecture.md")
SOURCE_DIRS = ["arch", "boot", "core", "guest_abi", "iommu", "lib", "pci", "spdm", "tsm", "vmm"]
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def read_layers():
    text = open(DOC).read()
    m = re.search(r"```layers\n(.*?)```", text, re.S)
    if not m:
        sys.exit("check-layers: docs/architecture.md has no ```layers block")
    comps = []
    for ln in m.group(1).splitlines():
        ln = ln.split("#", 1)[0].strip()
        if not ln:
            continue
        layer, rest = ln.split(None, 1)
        name, owns = rest.split(":", 1)
        peers = []
        words = []
        for w in owns.split():
            if w.startswith("peers="):
                peers = w[len("peers="):].split(",")
            else:
                words.append(w)
        comps.append({"layer": int(layer), "name": name.strip(), "owns": words, "peers": peers})
    return comps


def owner(path, comps):
    """The component owning a repository path: the longest matching prefix or pattern."""
    best, blen = None, -1
    for c in comps:
        for pat in c["owns"]:
            hit = fnmatch.fnmatch(path, pat + "*") if any(ch in pat for ch in "*?[") \
                else path.startswith(pat)
            if hit and len(pat) > blen:
                best, blen = c, len(pat)
    return best


def resolve(kind, inc, src):
    if kind == "<":
        if not inc.startswith("arch/"):
            return None  # the C library or a third-party header
        if os.path.exists(os.path.join(ROOT, inc)):
            return inc
        for a in ("arm64", "x86", "host"):
            cand = f"arch/{a}/include/{inc}"
            if os.path.exists(os.path.join(ROOT, cand)):
                return cand
        return None
    for cand in (inc, os.path.join(os.path.dirname(src), inc)):
        if os.path.exists(os.path.join(ROOT, cand)):
            return os.path.normpath(cand)
    return None


def sources():
    for d in SOURCE_DIRS:
        for dp, _, fs in os.walk(os.path.join(ROOT, d)):
            for f in fs:
                if f.endswith((".c", ".h", ".S", ".inc")):
                    yield os.path.relpath(os.path.join(dp, f), ROOT)


def find_cycle(graph):
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if not state.get(n):
            c = visit(n)
            if c:
                return c
    return None


def main():
    comps = read_layers()
    by_name = {c["name"]: c for c in comps}
    errs, graph, nfiles = [], {}, 0
    for src in sources():
        me = owner(src, comps)
        if me is None:
            errs.append(f"{src}: no component in docs/architecture.md owns it")
            continue
        nfiles += 1
        for kind, inc in INCLUDE.findall(open(os.path.join(ROOT, src), errors="replace").read()):
            path = resolve(kind, inc, src)
            if path is None:
                continue
            it = owner(path, comps)
            if it is None or it is me:
                continue
            graph.setdefault(me["name"], set()).add(it["name"])
            if it["layer"] < me["layer"] or it["name"] in me["peers"]:
                continue
            errs.append(f"{src}: includes {inc} ({it['name']}, layer {it['layer']}) from "
                        f"{me['name']} (layer {me['layer']})")
    cycle = find_cycle(graph)
    if cycle:
        errs.append("component cycle: " + " -> ".join(cycle))
    for name in sorted(graph, key=lambda n: (by_name[n]["layer"], n)):
        print(f"layers: {by_name[name]['layer']} {name} -> {', '.join(sorted(graph[name]))}")
    for e in errs:
        print("layers: error: " + e)
    if not errs:
        print(f"layers: {nfiles} files in {len(comps)} components, every include points down, "
              "no cycle")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
