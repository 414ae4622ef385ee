"""Count judged findings: the first look, and what a new scan still reports.

    python benchmarks/precision/tally.py VERDICTS_DIR... [--scans SCANS_DIR]

Each VERDICTS_DIR holds the reviewers' JSON-lines files (see sample.py), say one round's
(`benchmarks/precision/round*`: all rounds at once); a finding is keyed by (rule, path, line),
one verdict per finding. Without --scans, prints TP/FP/unsure per rule as judged. With --scans (a
directory of `backlint scan --format json` reports of the same trees at the same commits), also
prints "now": the judged findings that the new scan still reports, so a fix shows as false
positives gone and any true finding it cost shows as TP lost.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def verdicts(*directories: Path) -> dict[tuple[str, str, int], dict]:
    judged: dict[tuple[str, str, int], dict] = {}
    for path in sorted(p for directory in directories for p in directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                v = json.loads(line)
                judged[(v["rule"], v["path"], v["line"])] = v
    return judged


def reported(scans: Path) -> set[tuple[str, str, int]]:
    keys: set[tuple[str, str, int]] = set()
    for report in scans.glob("*.json"):
        keys.update((f["rule"], f["path"], f["line"]) for f in json.loads(report.read_text())["findings"])
    return keys


def _cell(counts: Counter) -> str:
    tp, fp = counts["TP"], counts["FP"]
    share = f"{100 * tp / (tp + fp):.0f}%" if tp + fp else "–"
    return f"{tp}/{fp} ({share})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("verdicts", type=Path, nargs="+")
    parser.add_argument("--scans", type=Path)
    args = parser.parse_args()
    judged = verdicts(*args.verdicts)
    still = reported(args.scans) if args.scans else None
    first: dict[str, Counter] = {}
    now: dict[str, Counter] = {}
    for key, v in judged.items():
        first.setdefault(key[0], Counter())[v["verdict"]] += 1
        if still is not None and key in still:
            now.setdefault(key[0], Counter())[v["verdict"]] += 1
    print("| rule | first look (TP/FP) | unsure |" + (" now |" if still is not None else ""))
    print("|---|---:|---:|" + ("---:|" if still is not None else ""))
    for rule in sorted(first):
        row = f"| {rule} | {_cell(first[rule])} | {first[rule]['unsure']} |"
        if still is not None:
            row += f" {_cell(now.get(rule, Counter()))} |"
        print(row)
    if still is not None:
        for key, v in sorted(judged.items()):
            if key not in still:
                print(f"gone: {v['verdict']:6} {key[0]} {key[1]}:{key[2]}")


if __name__ == "__main__":
    main()
