"""The program's entry point (`backlint`, `python -m backlint`).

A scan that analyses files spends its first few hundred milliseconds importing the analyzer
(libcst builds hundreds of node classes, then the rules and the framework model load). So for a
scan with `--no-cache`, which analyses every file, the first worker process is forked before
anything else happens: it does those imports while this process reads the command line, the
configuration and the file tree (see `pool.prestart`). With the cache on, most scans take every
file from the cache and never load the analyzer, so nothing is started early; nor for any other
command.
"""

from __future__ import annotations

import sys


def main() -> None:
    if _analyses_every_file(sys.argv[1:]):
        from backlint import pool

        pool.prestart()
    from backlint.cli import main as cli_main

    cli_main()


def _analyses_every_file(args: list[str]) -> bool:
    return bool(args) and args[0] == "scan" and "--no-cache" in args and "--help" not in args and "-h" not in args
