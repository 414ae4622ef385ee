#!/usr/bin/env python3
"""Time backlint against bandit, semgrep and ruff on the same tree of real Python code.

    python benchmarks/run.py                          # the pinned PyPI tree (downloaded once)
    python benchmarks/run.py /path/to/tree            # any tree already on disk
    python benchmarks/run.py /path/to/tree --pypi     # both, one section each
    python benchmarks/run.py ... --write-docs         # also rewrite the table in docs/performance.md

For each tree the tools run in rotation (backlint, bandit, semgrep, ruff, backlint, ...) for
`--runs` rounds, so a burst of load from elsewhere on the machine hits every tool alike; the
table reports medians and ratios to bandit. Then come backlint's single-file latency (a fixed
~300-line file in an otherwise empty directory, the other tools timed on it too) and, when
`backlint scan --help` offers a result cache, a warm re-scan and a re-scan after editing one
file, both on a private copy of the tree.

How each figure is measured:
- wall: from just before the process is started to its exit (time.perf_counter);
- CPU: user + system time of the process and every descendant it waited for, from the
  rusage that wait4() returns (the same figure as RUSAGE_CHILDREN deltas or /usr/bin/time);
- peak RSS (tree): the largest sum of VmRSS over the process and all its live descendants,
  sampled every `--sample-interval` seconds from /proc. backlint's workers are forked, so the
  pages they share with the parent count once per process here: this over-counts, and is the
  figure to hold against a memory limit only as an upper bound;
- peak PSS (tree): the same sampling, summing Pss from /proc/PID/smaps_rollup, which splits
  shared pages among the processes sharing them: the closest figure to the tree's real memory;
- max RSS (1 proc): the kernel's exact high-water mark of the largest single process (ru_maxrss).
- lines/s: physical lines of the tree's .py files divided by the median wall time.

Only the standard library is used; the tools are found beside this interpreter (the venv's
bin/) or on PATH. No network is used except `pip download` of the pinned PyPI packages, once,
into the cache directory; semgrep runs only local rule files with --metrics=off.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOCS = REPO / "docs" / "performance.md"
SAMPLE = HERE / "sample_app.py"
SEMGREP_RULES = [HERE / "semgrep" / "python-backend.yaml", REPO / "rules"]

# The PyPI tree: fixed versions of web frameworks and their neighbours, pure-Python wheels
# (no build step runs), 252,120 physical lines of Python in 1,195 .py files
# (plus 27,092 lines of JS in Django's admin static files).
PYPI_PACKAGES = [
    "Django==5.1.15",
    "Flask==3.1.3",
    "Werkzeug==3.1.9",
    "fastapi==0.115.14",
    "starlette==0.46.2",
    "celery==5.5.3",
]
# `--packages large`: the same plus SQLAlchemy (about 494,000 lines) for a tree twice as big.
LARGE_EXTRA = ["SQLAlchemy==2.0.58"]

BEGIN = "<!-- benchmark:begin (written by benchmarks/run.py --write-docs; edit outside the markers) -->"
END = "<!-- benchmark:end -->"
TOOLS = ("backlint", "bandit", "semgrep", "ruff")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".backlint_cache"}


# ---------------------------------------------------------------------------------------------
# measurement


@dataclass
class Run:
    wall: float
    cpu: float
    user: float
    sys: float
    peak_rss: int  # bytes, sum over the live process tree, sampled
    peak_pss: int  # bytes, sum over the live process tree, sampled
    max_rss: int  # bytes, largest single process (kernel)
    rc: int
    stderr: str = ""
    breakdown: dict[str, int] = field(default_factory=dict)  # PSS by process kind at the PSS peak


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(_children(p))
    return seen


def _status_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Polls the memory of a process and its descendants until told to stop."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.breakdown: dict[str, int] = {}
        self.done = threading.Event()

    def _kind(self, pid: int) -> str:
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            comm = "?"
        if pid == self.pid:
            return f"main ({comm})"
        return f"{comm} children"

    def run(self) -> None:
        while not self.done.is_set():
            pids = _tree(self.pid)
            self.peak_rss = max(self.peak_rss, sum(_status_rss(p) for p in pids))
            pss = {p: _pss(p) for p in pids}
            total = sum(pss.values())
            if total > self.peak_pss:
                self.peak_pss = total
                self.breakdown = {}
                for p, v in pss.items():
                    kind = self._kind(p)
                    self.breakdown[kind] = self.breakdown.get(kind, 0) + v
            self.done.wait(self.interval)


def measure(cmd: list[str], cwd: Path, interval: float, env: dict[str, str] | None = None) -> Run:
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
        sampler = Sampler(proc.pid, interval)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        user=usage.ru_utime,
        sys=usage.ru_stime,
        peak_rss=max(sampler.peak_rss, usage.ru_maxrss * 1024),
        peak_pss=sampler.peak_pss,
        max_rss=usage.ru_maxrss * 1024,
        rc=proc.returncode,
        stderr=stderr,
        breakdown=sampler.breakdown,
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------------------------------------
# trees


def count_lines(root: Path) -> dict[str, tuple[int, int]]:
    """Files and physical lines per extension (.py, .js, .ts) under `root`."""
    counts = {ext: [0, 0] for ext in (".py", ".js", ".ts")}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            ext = os.path.splitext(name)[1]
            if ext in counts:
                try:
                    data = Path(dirpath, name).read_bytes()
                except OSError:
                    continue
                counts[ext][0] += 1
                counts[ext][1] += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _safe_extract_zip(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve()) + os.sep) or info.is_dir():
                continue
            if ".dist-info/" in info.filename or ".data/" in info.filename:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))


def _safe_extract_tar(archive: Path, dest: Path) -> None:
    with tarfile.open(archive) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(dest, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            members = [m for m in tf.getmembers() if m.isfile() or m.isdir()]
            members = [m for m in members if not (m.name.startswith("/") or ".." in Path(m.name).parts)]
            tf.extractall(dest, members=members)


def pypi_tree(cache: Path, packages: list[str], sdist: bool) -> Path:
    """Download the pinned packages once into `cache` and unpack them into one tree."""
    kind = "sdist" if sdist else "wheel"
    key = re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(sorted(p.lower().replace("==", "-") for p in packages)))
    if len(key) > 120:
        key = hashlib.sha256(key.encode()).hexdigest()[:16]
    tree = cache / f"tree-{kind}-{key}"
    marker = tree / ".complete"
    if marker.exists():
        return tree
    downloads = cache / f"downloads-{kind}"
    downloads.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", str(downloads)]
    cmd += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    print(f"# downloading {', '.join(packages)} ({kind}s) into {downloads}", file=sys.stderr)
    subprocess.run(cmd + packages, check=True, stdout=sys.stderr)
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    for spec in packages:
        name, _, version = spec.partition("==")
        norm = re.sub(r"[-_.]+", "_", name).lower()
        found = [
            f
            for f in downloads.iterdir()
            if re.sub(r"[-_.]+", "_", f.name).lower().startswith(f"{norm}_{version.replace('.', '_')}")
            and (f.suffix == ".whl" if not sdist else f.name.endswith((".tar.gz", ".zip")))
        ]
        if not found:
            raise SystemExit(f"benchmark: pip saved no {kind} for {spec} in {downloads}")
        dest = tree / f"{norm}-{version}"
        dest.mkdir()
        if found[0].suffix in (".whl", ".zip"):
            _safe_extract_zip(found[0], dest)
        else:
            _safe_extract_tar(found[0], dest)
    (tree / "PACKAGES.txt").write_text("\n".join(packages) + "\n")
    marker.write_text("")
    return tree


def edit_target(root: Path) -> Path:
    """A deterministic file to edit for the one-file re-scan: the .py file nearest to 300 lines."""
    best: tuple[int, str] | None = None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(".py"):
                p = Path(dirpath, name)
                n = p.read_bytes().count(b"\n")
                cand = (abs(n - 300), str(p.relative_to(root)))
                best = cand if best is None or cand < best else best
    assert best is not None, "no Python file in the tree"
    return root / best[1]


# ---------------------------------------------------------------------------------------------
# tools


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name)


def tool_version(exe: str, name: str) -> str:
    try:
        # semgrep's own --version checks for a newer release over the network unless told not to.
        extra = ["--disable-version-check"] if name == "semgrep" else []
        out = subprocess.run([exe, "--version", *extra], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    first = out.splitlines()[0] if out else "?"
    return first if name in first.lower() else f"{name} {first}"


def backlint_caps(exe: str) -> dict[str, bool]:
    try:
        text = subprocess.run([exe, "scan", "--help"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        text = ""
    return {"cache_dir": "--cache-dir" in text, "no_cache": "--no-cache" in text}


@dataclass
class Tools:
    exes: dict[str, str]
    jobs: int
    out: Path  # a scratch directory for reports
    caps: dict[str, bool] = field(default_factory=dict)

    def command(self, name: str, target: str, cold: bool = True) -> list[str]:
        out = str(self.out / f"{name}.json")
        exe = self.exes[name]
        if name == "backlint":
            # Never `-o /dev/null`: backlint writes reports atomically (a temporary file renamed
            # over the target), which as root would replace the device node itself.
            cmd = [exe, "scan", target, "--format", "json", "-o", out, "--fail-on", "never", "-j", str(self.jobs)]
            if cold and self.caps.get("no_cache"):
                cmd.append("--no-cache")
            elif cold and self.caps.get("cache_dir"):
                cmd += ["--cache-dir", str(self.out / "cold-cache-unused")]
            return cmd
        if name == "bandit":
            return [exe, "-r", "-q", "-f", "json", "-o", out, target]
        if name == "semgrep":
            cmd = [exe, "scan", "--metrics=off", "--disable-version-check", "--json", "-o", out, "--quiet", "-j", str(self.jobs)]
            for cfg in SEMGREP_RULES:
                cmd += ["--config", str(cfg)]
            return cmd + [target]
        if name == "ruff":
            return [exe, "check", "--select", "ALL", "--no-cache", "--exit-zero", "--isolated",
                    "--output-format", "json", "--output-file", out, target]
        raise KeyError(name)

    def before(self, name: str) -> None:
        if name == "backlint" and self.caps.get("cache_dir") and not self.caps.get("no_cache"):
            shutil.rmtree(self.out / "cold-cache-unused", ignore_errors=True)

    def findings(self, name: str) -> int | None:
        """How many findings the last run reported, counted in a child process.

        ruff with every rule reports tens of thousands of findings (tens of MB of JSON). Loading
        that here would raise this process's memory high-water mark, which every process it starts
        afterwards inherits through fork/exec as the floor of its ru_maxrss.
        """
        code = (
            "import json, sys\n"
            "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
            "key = {'backlint': 'findings', 'bandit': 'results', 'semgrep': 'results'}.get(sys.argv[2])\n"
            "print(len(d[key]) if key else len(d))\n"
        )
        try:
            out = subprocess.run([sys.executable, "-c", code, str(self.out / f"{name}.json"), name],
                                 capture_output=True, text=True, timeout=600)
            return int(out.stdout.strip())
        except (OSError, ValueError, subprocess.SubprocessError):
            return None


def ok(name: str, run: Run) -> bool:
    # bandit exits 1 when it found issues; the others were asked not to fail on findings.
    return run.rc == 0 or (name == "bandit" and run.rc == 1)


# ---------------------------------------------------------------------------------------------
# the benchmark of one tree


@dataclass
class Result:
    label: str
    root: Path
    counts: dict[str, tuple[int, int]]
    commands: dict[str, list[str]]
    runs: dict[str, list[Run]]
    findings: dict[str, int | None]
    single: dict[str, list[float]]
    single_cmds: dict[str, list[str]]
    warm: dict[str, object]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    failures: list[str]
    src_changed: bool = False


def src_fingerprint() -> str:
    """A hash of backlint's sources, to notice when they change under a running benchmark."""
    h = hashlib.sha256()
    src = REPO / "src"
    for p in sorted(src.rglob("*.py")) if src.is_dir() else []:
        with contextlib.suppress(OSError):
            h.update(str(p.relative_to(src)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def bench_tree(label: str, root: Path, tools: Tools, args: argparse.Namespace) -> Result:
    names = [t for t in args.tools if t in tools.exes]
    counts = count_lines(root)
    print(f"# {label}: {root} — {counts['.py'][1]:,} lines of Python in {counts['.py'][0]:,} files", file=sys.stderr)
    load_before = os.getloadavg()
    fingerprint = src_fingerprint()
    runs: dict[str, list[Run]] = {n: [] for n in names}
    failures: list[str] = []
    commands = {n: tools.command(n, ".") for n in names}
    for _ in range(args.warmup):
        for n in names:
            tools.before(n)
            measure(commands[n], root, args.sample_interval)
    for i in range(args.runs):
        for n in names:
            tools.before(n)
            r = measure(commands[n], root, args.sample_interval)
            print(f"#   round {i + 1}/{args.runs} {n:9s} wall {r.wall:7.2f} s  cpu {r.cpu:7.2f} s  "
                  f"rss {r.peak_rss / 2**20:6.0f} MiB  pss {r.peak_pss / 2**20:6.0f} MiB  rc {r.rc}", file=sys.stderr)
            if not ok(n, r):
                failures.append(f"{n} exited {r.rc} on {label}: {r.stderr.strip()[-400:]}")
            runs[n].append(r)
    findings = {n: tools.findings(n) for n in names}

    single: dict[str, list[float]] = {}
    single_cmds: dict[str, list[str]] = {}
    if not args.skip_single:
        with tempfile.TemporaryDirectory(prefix="backlint-bench-single-") as tmp:
            shutil.copyfile(SAMPLE, Path(tmp, "app.py"))
            single_cmds = {n: tools.command(n, "app.py") for n in names}
            single = {n: [] for n in names}
            for _ in range(args.single_runs):
                for n in names:
                    tools.before(n)
                    r = measure(single_cmds[n], Path(tmp), args.sample_interval)
                    if not ok(n, r):
                        failures.append(f"{n} exited {r.rc} on the single file: {r.stderr.strip()[-400:]}")
                    single[n].append(r.wall)

    warm = bench_warm(root, tools, args) if "backlint" in names and not args.skip_warm else {"skipped": "not asked for"}
    return Result(label, root, counts, commands, runs, findings, single, single_cmds, warm,
                  load_before, os.getloadavg(), failures, src_fingerprint() != fingerprint)


def bench_warm(root: Path, tools: Tools, args: argparse.Namespace) -> dict[str, object]:
    caps = tools.caps
    if not (caps.get("cache_dir") or caps.get("no_cache")):
        return {"skipped": "`backlint scan --help` offers neither --cache-dir nor --no-cache: no result cache to time"}
    exe = tools.exes["backlint"]
    with tempfile.TemporaryDirectory(prefix="backlint-bench-warm-") as tmp:
        copy = Path(tmp, "tree")
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(*SKIP_DIRS), symlinks=True)
        cache = Path(tmp, "cache")
        base = [exe, "scan", ".", "--format", "json", "-o", str(Path(tmp, "report.json")), "--fail-on", "never",
                "-j", str(tools.jobs)]
        if caps.get("cache_dir"):
            base += ["--cache-dir", str(cache)]
        cold = measure(base, copy, args.sample_interval)
        warm = [measure(base, copy, args.sample_interval) for _ in range(args.runs)]
        target = edit_target(copy)
        rel = str(target.relative_to(copy))
        original = target.read_bytes()
        edits: list[Run] = []
        alone: list[Run] = []
        alone_cmd = [exe, "scan", rel, "--format", "json", "-o", str(Path(tmp, "alone.json")), "--fail-on", "never",
                     "-j", str(tools.jobs)] + (["--no-cache"] if caps.get("no_cache") else [])
        for i in range(args.runs):
            target.write_bytes(original + f"\n# benchmark edit {i} {time.time_ns()}\n".encode())
            edits.append(measure(base, copy, args.sample_interval))
            alone.append(measure(alone_cmd, copy, args.sample_interval))
        target.write_bytes(original)
        failures = [f"rc {r.rc}: {r.stderr.strip()[-300:]}" for r in [cold, *warm, *edits, *alone] if r.rc != 0]
        return {
            "command": base,
            "cold": cold,
            "warm": warm,
            "edit_file": rel,
            "edit_file_lines": original.count(b"\n"),
            "edits": edits,
            "alone": alone,
            "alone_command": alone_cmd,
            "failures": failures,
        }


# ---------------------------------------------------------------------------------------------
# report


def machine_info(exes: dict[str, str]) -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    osname = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                osname = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.system()} {platform.release()})"
    commit = "?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True, text=True)
        commit = head.stdout.strip() + (" with uncommitted changes under src/" if dirty.stdout.strip() else "")
    versions = {n: tool_version(e, n) for n, e in exes.items()}
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        versions["libcst"] = "libcst " + importlib.metadata.version("libcst")
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": mem,
        "os": osname,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": ", ".join(versions[k] for k in versions),
        "commit": commit,
    }


def mib(b: float) -> str:
    return f"{b / 2**20:,.0f}"


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def ratio(x: float, base: float) -> str:
    return f"{x / base:.2f}" if base and base == base else "–"


def render(results: list[Result], info: dict[str, str], args: argparse.Namespace, tools: Tools) -> str:
    out: list[str] = []
    w = out.append
    w(f"Run on {info['date']}: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}; "
      f"{info['python']}.  ")
    w(f"Tools: {info['versions']}. backlint at commit {info['commit']}.  ")
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w(f"The harness itself peaked at {floor:.0f} MiB RSS; a child's kernel max RSS cannot read lower than that "
      "(the high-water mark is inherited through fork/exec).  ")
    w(f"{args.runs} rounds per tree, tools in rotation ({' → '.join(t for t in args.tools if t in tools.exes)}), "
      f"medians shown; `-j {tools.jobs}` for backlint and semgrep; bandit is single-process, ruff uses its own threads. "
      f"Memory sampled every {args.sample_interval:g} s.")
    w("")
    for res in results:
        py_files, py_lines = res.counts[".py"]
        js = res.counts[".js"][1] + res.counts[".ts"][1]
        w(f"### {res.label}")
        w("")
        w(f"{py_lines:,} physical lines of Python in {py_files:,} .py files"
          + (f" (plus {js:,} lines of JS/TS, which backlint and semgrep also scan)" if js else "")
          + f". Load average before/after: {res.load_before[0]:.2f} / {res.load_after[0]:.2f}.")
        w("")
        w("| tool | wall (s) | × bandit | CPU (s) | × bandit | peak RSS, tree (MiB) | peak PSS, tree (MiB) | max RSS, 1 process (MiB) | × bandit (PSS) | Python lines/s | findings |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        base = res.runs.get("bandit")
        bw = median([r.wall for r in base]) if base else float("nan")
        bc = median([r.cpu for r in base]) if base else float("nan")
        bp = median([r.peak_pss for r in base]) if base else float("nan")
        for n, runs in res.runs.items():
            wall = median([r.wall for r in runs])
            cpu = median([r.cpu for r in runs])
            pss = median([r.peak_pss for r in runs])
            w(f"| {n} | {fmt_s(wall)} | {ratio(wall, bw)} | {fmt_s(cpu)} | {ratio(cpu, bc)} | "
              f"{mib(median([r.peak_rss for r in runs]))} | {mib(pss)} | {mib(median([r.max_rss for r in runs]))} | "
              f"{ratio(pss, bp)} | {py_lines / wall:,.0f} | {res.findings.get(n) if res.findings.get(n) is not None else '?'} |")
        w("")
        w("Every run (wall s / CPU s / peak PSS MiB), and the PSS by process at the peak of the median-PSS run:")
        w("")
        for n, runs in res.runs.items():
            mid = sorted(runs, key=lambda r: r.peak_pss)[len(runs) // 2]
            parts = ", ".join(f"{k} {mib(v)}" for k, v in sorted(mid.breakdown.items(), key=lambda kv: -kv[1]))
            w(f"- {n}: " + ", ".join(f"{r.wall:.2f} / {r.cpu:.2f} / {mib(r.peak_pss)}" for r in runs)
              + (f" — at the peak: {parts}" if parts else ""))
        w("")
        if res.single:
            sample_lines = SAMPLE.read_bytes().count(b"\n")
            w(f"Single file (`benchmarks/sample_app.py`, {sample_lines} lines, copied alone into an empty "
              f"directory), wall from process start, median of {args.single_runs}:")
            w("")
            w("| tool | wall (s) | all runs (s) |")
            w("|---|---:|---|")
            for n, walls in res.single.items():
                w(f"| {n} | {median(walls):.2f} | {', '.join(f'{x:.2f}' for x in walls)} |")
            w("")
        warm = res.warm
        if "skipped" in warm:
            w(f"Warm re-scan and one-file edit: skipped — {warm['skipped']}.")
            w("")
        else:
            cold: Run = warm["cold"]  # type: ignore[assignment]
            warms: list[Run] = warm["warm"]  # type: ignore[assignment]
            edits: list[Run] = warm["edits"]  # type: ignore[assignment]
            alone: list[Run] = warm["alone"]  # type: ignore[assignment]
            cold_table = median([r.wall for r in res.runs.get("backlint", [])])
            wm = median([r.wall for r in warms])
            em = median([r.wall for r in edits])
            am = median([r.wall for r in alone])
            w("backlint with its result cache, on a private copy of the tree:")
            w("")
            w("| scan | wall (s) | CPU (s) | peak PSS, tree (MiB) | note |")
            w("|---|---:|---:|---:|---|")
            w(f"| cold, filling an empty cache | {cold.wall:.2f} | {cold.cpu:.2f} | {mib(cold.peak_pss)} | |")
            w(f"| warm, nothing changed (median) | {wm:.2f} | {median([r.cpu for r in warms]):.2f} | "
              f"{mib(median([r.peak_pss for r in warms]))} | {cold.wall / wm:.1f}× faster than the cold fill, "
              f"{cold_table / wm:.1f}× faster than the cold scan above |")
            w(f"| one file edited (median) | {em:.2f} | {median([r.cpu for r in edits]):.2f} | "
              f"{mib(median([r.peak_pss for r in edits]))} | `{warm['edit_file']}` ({warm['edit_file_lines']} lines) |")
            w(f"| that file alone, no cache (median) | {am:.2f} | {median([r.cpu for r in alone]):.2f} | "
              f"{mib(median([r.peak_pss for r in alone]))} | edit − alone = {em - am:+.2f} s |")
            w("")
            if warm["failures"]:
                w("Failures: " + "; ".join(warm["failures"]))  # type: ignore[arg-type]
                w("")
        if res.src_changed:
            w("**backlint's sources under src/ changed while this tree was being timed**: its figures mix versions.")
            w("")
        if res.failures:
            w("**Failures:**")
            w("")
            for f in res.failures:
                w(f"- {f}")
            w("")
        w("Commands (run with the tree as the working directory):")
        w("")
        w("```")
        for n, cmd in res.commands.items():
            w(_shown(cmd))
        if "command" in warm:
            w("# warm / edit: " + _shown(warm["command"]))  # type: ignore[arg-type]
        w("```")
        w("")
    return "\n".join(out)


def _short(cmd: list[str]) -> list[str]:
    """Commands as a reader would type them: tool names and paths relative to the repository."""
    out = []
    for i, part in enumerate(cmd):
        if i == 0:
            part = Path(part).name
        elif part.startswith(str(REPO) + os.sep):
            part = os.path.relpath(part, REPO)
        elif part.startswith(tempfile.gettempdir() + os.sep):
            part = "$TMP/" + Path(part).name
        out.append(part)
    return out


def _shown(cmd: list[str]) -> str:
    return " ".join(p if p.startswith("$TMP/") else shlex.quote(p) for p in _short(cmd))


def write_docs(table: str, command_line: str) -> None:
    block = f"{BEGIN}\n\nProduced by `{command_line}`.\n\n{table}\n{END}"
    if DOCS.exists():
        text = DOCS.read_text()
        if BEGIN in text and END in text:
            head, _, rest = text.partition(BEGIN)
            _, _, tail = rest.partition(END)
            DOCS.write_text(head + block + tail)
            return
        DOCS.write_text(text.rstrip() + "\n\n## Latest results\n\n" + block + "\n")
        return
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text("# Performance\n\n## Latest results\n\n" + block + "\n")


def to_json(results: list[Result], info: dict[str, str]) -> dict[str, object]:
    def run(r: Run) -> dict[str, object]:
        return {k: v for k, v in r.__dict__.items() if k != "stderr"}

    return {
        "machine": info,
        "trees": [
            {
                "label": res.label,
                "root": str(res.root),
                "counts": res.counts,
                "commands": res.commands,
                "runs": {n: [run(r) for r in rs] for n, rs in res.runs.items()},
                "findings": res.findings,
                "single": res.single,
                "warm": {k: ([run(x) for x in v] if isinstance(v, list) and v and isinstance(v[0], Run)
                             else run(v) if isinstance(v, Run) else v) for k, v in res.warm.items()},
                "failures": res.failures,
            }
            for res in results
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path, help="trees already on disk (default: the PyPI tree)")
    ap.add_argument("--pypi", action="store_true", help="also benchmark the PyPI tree when paths are given")
    ap.add_argument("--packages", default="default",
                    help="'default' (%s), 'large' (+ %s) or a comma-separated list of NAME==VERSION"
                    % (", ".join(PYPI_PACKAGES), ", ".join(LARGE_EXTRA)))
    ap.add_argument("--sdist", action="store_true", help="download source distributions instead of wheels "
                    "(includes tests; pip prepares their metadata, which runs their build backend)")
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backlint-bench",
                    help="where downloaded packages and unpacked trees are kept [default: %(default)s]")
    ap.add_argument("-n", "--runs", type=int, default=3, help="rounds of the rotation per tree [default: 3]")
    ap.add_argument("--warmup", type=int, default=0, help="untimed rounds first [default: 0]")
    ap.add_argument("--single-runs", type=int, default=5, help="runs per tool on the single file [default: 5]")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="-j for backlint and semgrep [default: 2]")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of %s" % ",".join(TOOLS))
    ap.add_argument("--skip-single", action="store_true", help="skip the single-file latency runs")
    ap.add_argument("--skip-warm", action="store_true", help="skip the warm and one-file-edit re-scans")
    ap.add_argument("--sample-interval", type=float, default=0.1, help="memory sampling period in seconds [default: 0.1]")
    ap.add_argument("--write-docs", action="store_true", help=f"replace the results block in {DOCS.relative_to(REPO)}")
    ap.add_argument("--json", type=Path, help="also write every measurement to this JSON file")
    args = ap.parse_args(argv)
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(args.tools) - set(TOOLS)
    if unknown:
        ap.error(f"unknown tools: {', '.join(sorted(unknown))}")

    exes = {}
    for t in args.tools:
        exe = find_tool(t)
        if exe is None:
            print(f"# {t} not found beside {sys.executable} or on PATH: left out", file=sys.stderr)
        else:
            exes[t] = exe
    if "bandit" not in exes:
        print("# bandit missing: ratios will be blank", file=sys.stderr)

    if args.packages == "default":
        packages = list(PYPI_PACKAGES)
    elif args.packages == "large":
        packages = PYPI_PACKAGES + LARGE_EXTRA
    else:
        packages = [p.strip() for p in args.packages.split(",") if p.strip()]
        bad = [p for p in packages if "==" not in p]
        if bad:
            ap.error(f"pin every package with ==: {', '.join(bad)}")

    trees: list[tuple[str, Path]] = []
    for p in args.paths:
        if not p.is_dir():
            ap.error(f"not a directory: {p}")
        trees.append((f"{p.resolve().name} ({p.resolve()})", p.resolve()))
    if args.pypi or not args.paths:
        tree = pypi_tree(args.cache.expanduser(), packages, args.sdist)
        trees.append((f"PyPI tree ({', '.join(packages)}; {'sdists' if args.sdist else 'wheels'})", tree))

    with tempfile.TemporaryDirectory(prefix="backlint-bench-") as scratch:
        tools = Tools(exes, args.jobs, Path(scratch))
        if "backlint" in exes:
            tools.caps = backlint_caps(exes["backlint"])
        info = machine_info(exes)
        results = [bench_tree(label, root, tools, args) for label, root in trees]
    table = render(results, info, args, tools)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(to_json(results, info), indent=2, default=str))
    if args.write_docs:
        shown = ["python", "benchmarks/run.py"] + [a if not a.startswith(str(Path.home())) else "~" + a[len(str(Path.home())):]
                                                 for a in (argv if argv is not None else sys.argv[1:])]
        write_docs(table, shlex.join(shown))
        print(f"# wrote {DOCS}", file=sys.stderr)
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
