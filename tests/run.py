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
  --fuzz-campaign  every harness to 10^7 executions or --campaign-seconds (default 120) each
  --bench       benchmarks: build/bench/bench_* (figures, not pass/fail timings)
  -k PATTERN    only tests whose name contains PATTERN
"""
import argparse
import concurrent.futures
import glob
import importlib.util
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import qemu  # noqa: E402

passed = failed = 0
failures = []


def keep_log(name, log):
    """The whole transcript of a failed run, in build/test/logs/ (the report shows its tail)."""
    path = os.path.join(ROOT, "build", "test", "logs", name.replace("/", "_") + ".log")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(log)
    return os.path.relpath(path, ROOT)


def record(ok, name, detail="", log=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        failures.append(name)
        print(f"FAIL {name}{': ' + detail if detail else ''}")
        if log:
            tail = 200 if "timed out" in detail else 60
            lines = log.rstrip().splitlines()
            print(f"    (whole transcript, {len(lines)} lines: {keep_log(name, log)})")
            print("\n".join("    | " + ln for ln in lines[-tail:]))


def unit_binaries():
    """The ASan+UBSan tests, then the ThreadSanitizer flavour of the concurrency tests."""
    for flavour, prefix in (("build/host/tests", ""), ("build/host-tsan/tests", "tsan/")):
        for exe in sorted(glob.glob(os.path.join(ROOT, flavour, "test_*"))):
            yield exe, prefix + os.path.basename(exe)


def run_unit(pattern):
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP",
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
               TSAN_OPTIONS="halt_on_error=1:exitcode=66")
    for exe, name in unit_binaries():
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


def fuzz_campaign(pattern, seconds, runs=10_000_000):
    """Every harness to `runs` executions or `seconds`, whichever comes first, on a corpus kept
    in build/fuzz/campaign/<name> (seeded like the smoke run); one line per harness with
    executions, execs/s, corpus size and crashes, and a FIGURE line against issue 21's goal."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
    from figure import figure
    for exe in sorted(glob.glob(os.path.join(ROOT, "build/fuzz/fuzz_*"))):
        name = os.path.basename(exe)
        if pattern and pattern not in name:
            continue
        corpus = os.path.join(ROOT, "build", "fuzz", "campaign", name)
        crashes = os.path.join(ROOT, "build", "fuzz", "campaign", "crashes", name)
        os.makedirs(corpus, exist_ok=True)
        os.makedirs(crashes, exist_ok=True)
        argv = [exe, corpus, *fuzz_seeds(name), f"-runs={runs}", f"-max_total_time={seconds}",
                "-max_len=65536", "-timeout=60", "-print_final_stats=1",
                f"-artifact_prefix={crashes}/"]
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 300)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        stat = dict(re.findall(r"stat::(\w+):\s+(\d+)", p.stderr))
        execs = int(stat.get("number_of_executed_units", 0))
        rate = int(stat.get("average_exec_per_sec", 0))
        # execs/s is wall-clock: on a shared machine also per CPU-second of the harness
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        cpu_rate = int(execs / cpu) if cpu > 0 else 0
        ncorp = len(os.listdir(corpus))
        ncrash = len(os.listdir(crashes))
        record(p.returncode == 0 and ncrash == 0, f"fuzz-campaign/{name}",
               f"exit {p.returncode}, {ncrash} crash file(s) in {crashes}", p.stderr[-4000:])
        print(f"fuzz-campaign {name}: {execs} execs, {rate} execs/s ({cpu_rate} per CPU-s), "
              f"corpus {ncorp}, crashes {ncrash}")
        figure(f"fuzz {name} execs/s", rate, "execs/s", 10000, at_most=False)


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
    ap.add_argument("--fuzz-campaign", action="store_true")
    ap.add_argument("--campaign-seconds", type=int, default=120)
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
    if a.fuzz_campaign:
        fuzz_campaign(a.pattern, a.campaign_seconds)
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
