#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs Moat's test layers and prints one closing line "N passed, N failed".

  --unit        host unit tests (cmocka, ASan/UBSan): build/host/tests/test_*
  --fuzz-smoke  each libFuzzer harness for a short, fixed number of runs
  --fuzz        each harness for --fuzz-seconds (make fuzz)
  --system      QEMU scenarios from tests/system/scenarios/*.py
  --style       every C file is clang-formatted (scripts/check-format.sh)
  --images      the production images carry no test code (scripts/check-test-code.py)
  --layers      every include points down the layers of docs/architecture.md, no cycle
                (scripts/check-layers.py)
  --bench       benchmarks: build/bench/bench_* (figures, not pass/fail timings)
  -k PATTERN    only tests whose name contains PATTERN
"""
import argparse
import concurrent.futures
import glob
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import qemu  # noqa: E402

passed = failed = 0
failures = []


def record(ok, name, detail="", log=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        failures.append(name)
        print(f"FAIL {name}{': ' + detail if detail else ''}")
        if log:
            print("\n".join("    | " + ln for ln in log.rstrip().splitlines()[-60:]))


def run_unit(pattern):
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP",
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    for exe in sorted(glob.glob(os.path.join(ROOT, "build/host/tests/test_*"))):
        name = os.path.basename(exe)
        p = subprocess.run([exe], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=1200)
        out = p.stdout + p.stderr
        oks = nots = 0
        for line in p.stdout.splitlines():
            m = re.match(r"^(not ok|ok) \d+ - (.*)$", line)
            if not m:
                continue
            case = f"unit/{name}/{m.group(2)}"
            if pattern and pattern not in case:
                continue
            if m.group(1) == "ok":
                oks += 1
                record(True, case)
            else:
                nots += 1
                record(False, case, "", out)
        if p.returncode != 0 and nots == 0:
            record(False, f"unit/{name}", f"exited with {p.returncode} (sanitizer or crash)", out)
        elif p.returncode == 0 and oks == 0 and not pattern:
            record(False, f"unit/{name}", "ran no test", out)
        if oks or nots:
            print(f"unit  {name}: {oks} passed, {nots} failed")


def fuzz_seeds(name):
    dirs = []
    seeds = os.path.join(ROOT, "tests", "fuzz", name + ".seeds")
    if os.path.exists(seeds):
        for line in open(seeds):
            line = line.strip()
            if line and not line.startswith("#"):
                dirs.append(os.path.join(ROOT, line))
    corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    if os.path.isdir(corpus):
        dirs.append(corpus)
    return [d for d in dirs if os.path.isdir(d)]


def run_fuzz(pattern, seconds=None, runs=200000):
    for exe in sorted(glob.glob(os.path.join(ROOT, "build/fuzz/fuzz_*"))):
        name = os.path.basename(exe)
        if pattern and pattern not in name:
            continue
        with tempfile.TemporaryDirectory() as work:
            limit = ([f"-max_total_time={seconds}"] if seconds
                     else [f"-runs={runs}", "-max_total_time=10"])
            argv = [exe, work, *fuzz_seeds(name), *limit, "-max_len=65536", "-timeout=60",
                    f"-artifact_prefix={work}/"]
            t0 = time.monotonic()
            p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True,
                               timeout=(seconds or 300) + 120)
            secs = time.monotonic() - t0
            ok = p.returncode == 0
            record(ok, f"fuzz/{name}", f"exit {p.returncode}", p.stderr)
            if ok:
                execs = re.findall(r"stat::number_of_executed_units: (\d+)", p.stderr)
                done = re.findall(r"Done (\d+) runs", p.stderr)
                print(f"fuzz  {name}: {(done or execs or ['?'])[-1]} runs in {secs:.1f}s")


def load_scenarios():
    scs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/system/scenarios/*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        scs.extend(getattr(mod, "SCENARIOS", []))
    return scs


def run_system(pattern, jobs):
    scs = [s for s in load_scenarios() if not pattern or pattern in s.name]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for sc, res in zip(scs, ex.map(qemu.run, scs)):
            if res.ok:
                print(f"PASS system/{sc.name} ({res.seconds:.1f}s)")
            record(res.ok, f"system/{sc.name}", res.reason, res.log)


def run_style():
    p = subprocess.run([os.path.join(ROOT, "scripts", "check-format.sh")], cwd=ROOT,
                       capture_output=True, text=True)
    record(p.returncode == 0, "style/clang-format", "", p.stdout + p.stderr)
    if p.returncode == 0:
        print("style clang-format: every C file formatted")


def run_check(name, script, show):
    p = subprocess.run([os.path.join(ROOT, "scripts", script)], cwd=ROOT, capture_output=True,
                       text=True)
    record(p.returncode == 0, name, "", p.stdout + p.stderr)
    if p.returncode == 0:
        sys.stdout.write("".join(ln + "\n" for ln in p.stdout.splitlines()[-show:]))


def run_bench(pattern):
    for exe in sorted(glob.glob(os.path.join(ROOT, "build/bench/bench_*"))):
        if pattern and pattern not in os.path.basename(exe):
            continue
        p = subprocess.run([exe], cwd=ROOT, text=True, capture_output=True)
        sys.stdout.write(p.stdout)
        record(p.returncode == 0, f"bench/{os.path.basename(exe)}", f"exit {p.returncode}",
               p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit", action="store_true")
    ap.add_argument("--fuzz-smoke", action="store_true")
    ap.add_argument("--fuzz", action="store_true")
    ap.add_argument("--fuzz-seconds", type=int, default=300)
    ap.add_argument("--system", action="store_true")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--style", action="store_true")
    ap.add_argument("--images", action="store_true")
    ap.add_argument("--layers", action="store_true")
    ap.add_argument("-k", dest="pattern", default=os.environ.get("TEST", ""))
    ap.add_argument("-j", dest="jobs", type=int, default=int(os.environ.get("SYSTEST_JOBS", 2)))
    a = ap.parse_args()
    t0 = time.monotonic()
    if a.style:
        run_style()
    if a.layers:
        run_check("layers/includes", "check-layers.py", 1)
    if a.images:
        run_check("images/no-test-code", "check-test-code.py", 4)
    if a.unit:
        run_unit(a.pattern)
    if a.fuzz_smoke:
        run_fuzz(a.pattern)
    if a.fuzz:
        run_fuzz(a.pattern, seconds=a.fuzz_seconds)
    if a.system:
        run_system(a.pattern, a.jobs)
    if a.bench:
        run_bench(a.pattern)
    if failures:
        print("failed: " + ", ".join(failures[:40]) + (" ..." if len(failures) > 40 else ""))
    print(f"({time.monotonic() - t0:.0f}s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
