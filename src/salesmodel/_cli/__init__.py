"""The command line: ``python -m salesmodel demo`` and ``python -m salesmodel report``.

This is the only place in the package that prints, and ``report`` the only place
that reads a file (the one named on its command line).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from salesmodel import __version__
from salesmodel._cli import demo, report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with *argv* (default: ``sys.argv[1:]``); returns the
    exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m salesmodel",
        description="salesmodel: a typed, immutable domain model of sales management.",
    )
    parser.add_argument("--version", action="version", version=f"salesmodel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.add_parser(commands)
    report.add_parser(commands)
    args = parser.parse_args(argv)
    return int(args.run(args, sys.stdout, sys.stderr))
