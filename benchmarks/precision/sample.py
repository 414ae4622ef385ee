"""Sample findings of `backlint scan --format json` reports for review, round-robin over repositories.

    python benchmarks/precision/sample.py SCANS_DIR OUT_DIR [--per-rule 40]

SCANS_DIR holds one JSON report per repository (`<repo>.json`). For each rule, up to
`--per-rule` findings are taken in turn from each repository (so that no repository dominates),
in file order within a repository, and written to OUT_DIR/<rule>.jsonl, one finding per line
with an empty verdict for a reviewer to fill in: "TP", "FP" or "unsure", and a reason.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def sample(scans: Path, per_rule: int) -> dict[str, list[dict]]:
    by_rule: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for report in sorted(scans.glob("*.json")):
        for f in json.loads(report.read_text())["findings"]:
            by_rule[f["rule"]][report.stem].append(
                {"rule": f["rule"], "repo": report.stem, "path": f["path"], "line": f["line"], "message": f["message"],
                 "verdict": "", "reason": ""})
    picked: dict[str, list[dict]] = {}
    for rule, repos in sorted(by_rule.items()):
        queues = [sorted(found, key=lambda f: (f["path"], f["line"])) for _, found in sorted(repos.items())]
        out: list[dict] = []
        while len(out) < per_rule and any(queues):
            for queue in queues:
                if queue and len(out) < per_rule:
                    out.append(queue.pop(0))
        picked[rule] = out
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scans", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-rule", type=int, default=40)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for rule, found in sample(args.scans, args.per_rule).items():
        with open(args.out / f"{rule}.jsonl", "w") as handle:
            for f in found:
                handle.write(json.dumps(f) + "\n")
        print(rule, len(found))


if __name__ == "__main__":
    main()
