#!/usr/bin/env python3
"""Profile one backlint scan in a single process with cProfile and list the hotspots.

    python benchmarks/profile_backlint.py /path/to/tree [--top 40] [--out scan.pstats] [-- SCAN OPTIONS]

backlint analyses Python files in forked worker processes, which cProfile in the parent never
sees, even with `--jobs 1`. This script therefore replaces `backlint.pool.run` with a loop that
calls `backlint.pool.analyze_task` on each file in this process (with the worker's gc and
recursion settings), then runs the ordinary `backlint scan` command line under cProfile. The
semgrep pass over JS/TS files still runs as a subprocess; its time shows only as waiting.
cProfile roughly doubles the run time of pure-Python code; compare shares, not seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import tempfile
import time
from pathlib import Path


def _inline_pool() -> bool:
    from backlint import pool

    analyze = getattr(pool, "analyze_task", None)
    if analyze is None or not hasattr(pool, "run"):
        print("# backlint.pool has no analyze_task/run: profiling the parent only (workers unseen)", file=sys.stderr)
        return False

    def run_inline(tasks, specs, jobs, timeout, facts=None, *rest, **kw):  # same signature as pool.run
        gc.set_threshold(100_000, 50, 100)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 6000))
        for task in tasks:
            yield analyze(task, specs, facts) if facts is not None else analyze(task, specs)

    pool.run = run_inline
    return True


def _where(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    if filename == "~":
        return func  # a builtin
    for marker in ("/site-packages/", "/src/", "/lib/python"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}:{func}"


def table(stats: pstats.Stats, sort: str, top: int) -> str:
    rows = []
    for key, (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((ct if sort == "cumulative" else tt, nc, tt, ct, _where(key)))
    rows.sort(reverse=True)
    out = ["| # | function | calls | tottime (s) | cumtime (s) |", "|---:|---|---:|---:|---:|"]
    for i, (_, nc, tt, ct, where) in enumerate(rows[:top], 1):
        out.append(f"| {i} | `{where}` | {nc:,} | {tt:.2f} | {ct:.2f} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--out", type=Path, help="also save the raw profile (pstats) here")
    ap.add_argument("scan_args", nargs="*", help="extra `backlint scan` options, after --")
    args = ap.parse_args()

    inline = _inline_pool()
    from backlint import cli

    report = Path(tempfile.mkdtemp(prefix="backlint-profile-")) / "report.json"
    argv = ["backlint", "scan", str(args.tree), "--format", "json", "-o", str(report), "--fail-on", "never",
            "-j", "1", *args.scan_args]
    sys.argv = argv
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    try:
        cli.main()
    except SystemExit:
        pass
    finally:
        prof.disable()
    wall = time.perf_counter() - start
    if args.out:
        prof.dump_stats(str(args.out))
    stats = pstats.Stats(prof)
    print(f"Profile of `{' '.join(argv)}` ({'files analysed in this process' if inline else 'parent only'}), "
          f"{wall:.1f} s under cProfile, total {stats.total_tt:.1f} s of profiled time.\n")  # type: ignore[attr-defined]
    print(f"Top {args.top} by cumulative time:\n")
    print(table(stats, "cumulative", args.top))
    print(f"\nTop {args.top} by own time (tottime):\n")
    print(table(stats, "tottime", args.top))
    with open(report, "rb") as fh:
        size = len(fh.read())
    print(f"\n(report: {report}, {size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
