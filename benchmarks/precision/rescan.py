"""Re-scan the judged files of every round quickly, to see what a change does to judged findings.

    python benchmarks/precision/rescan.py CORPORA OUT ROUND_DIR... [--rules BL102,BL401] [--base SCANS]

For each repository of the rounds given (`roundN/INDEX.md` names them; `CORPORA/corpusN/<repo>/`
holds each tree), only the files that hold a judged finding of the rules (and, with `--base`, the
files where an earlier scan of the same layout reported one) are analysed; the project facts are
still read from every file of the repository, as a whole scan reads them. Semgrep does not run:
the JavaScript rules' findings are not in these reports. A repository takes about a tenth of a
whole scan, so every round can be re-counted after each change:

    python benchmarks/precision/tally.py benchmarks/precision/round{15..57} --scans OUT

(`tally.py` counts the judged findings; what this script does not analyse it cannot report, so
compare only judged findings, or findings of files `--base` names, with a whole scan's.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from backlint import cli, engine

_DIRECTORY = re.compile(r"^(\w+): ", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpora", type=Path, help="the directory holding corpusN/<repo>/ trees")
    parser.add_argument("out", type=Path, help="where to write N_<repo>.json reports")
    parser.add_argument("rounds", nargs="+", type=Path, help="benchmarks/precision/roundN directories")
    parser.add_argument("--rules", default="", help="rule ids to run (default: every rule with a verdict)")
    parser.add_argument("--base", type=Path, help="earlier reports (N_<repo>.json) whose files are analysed too")
    args = parser.parse_args()

    rounds = [d.resolve() for d in args.rounds]
    out, base = args.out.resolve(), args.base.resolve() if args.base is not None else None
    os.chdir(args.corpora)
    out.mkdir(parents=True, exist_ok=True)
    verdicts = [json.loads(line) for d in rounds for f in sorted(d.glob("*.jsonl")) for line in f.open()]
    rules = tuple(args.rules.split(",")) if args.rules else tuple(sorted({v["rule"] for v in verdicts}))
    for round_dir in rounds:
        number = round_dir.name.removeprefix("round")
        for repo in _DIRECTORY.findall((round_dir / "INDEX.md").read_text()):
            root = Path(f"corpus{number}/{repo}")
            name = f"{number}_{repo}.json"
            if not root.is_dir() or (out / name).exists():
                continue
            wanted = {v["path"] for v in verdicts if v["rule"] in rules and v["path"].startswith(f"{root}/")}
            if base is not None and (base / name).exists():
                wanted |= {f["path"] for f in json.loads((base / name).read_text())["findings"] if f["rule"] in rules}
            _scan(root, rules, {os.path.abspath(p) for p in wanted}, out / name)
            print(name, len(wanted), flush=True)


def _scan(root: Path, rules: tuple[str, ...], files: set[str], report: Path) -> None:
    """`backlint scan root --select rules --format json -o report`, analysing only `files` (absolute
    paths) and running no semgrep."""
    analysed, start = engine._analysed, engine.semgrep.start

    def only(targets, *rest, **options):  # type: ignore[no-untyped-def]
        return analysed([t for t in targets if os.path.abspath(str(t.path)) in files], *rest, **options)

    engine._analysed, engine.semgrep.start = only, lambda *a, **k: None
    try:
        cli.cli.main(["scan", f"{root}/", "--select", ",".join(rules), "--format", "json", "--no-cache", "-o", str(report),
                      "--fail-on", "never", "-q", "-j", "2"], standalone_mode=False)
    except SystemExit:
        pass  # (the scan command exits with its status; the report is written)
    finally:
        engine._analysed, engine.semgrep.start = analysed, start


if __name__ == "__main__":
    sys.exit(main())
