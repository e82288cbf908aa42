"""The command line: ``python -m salesmodel demo`` and ``python -m salesmodel report``.

This is the only place in the package that prints, and ``report`` the only place
that reads files (those named on its command line).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Final

from salesmodel import __version__
from salesmodel._cli import demo, report

#: The status a shell reports for a command stopped by SIGPIPE (128 + 13), as
#: ``cat big.csv | head`` stops ``cat``.
BROKEN_PIPE: Final = 141


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
    try:
        code = int(args.run(args, sys.stdout, sys.stderr))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``... | head``): stop quietly, as Unix tools do. Python
        # would complain again when it flushes stdout at exit, so point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    return code
