"""The command line: ``python -m salesmodel demo``.

This is the one place in the package that prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from . import (
    Bant,
    Deal,
    Lead,
    LeadSource,
    Money,
    Rep,
    StageChange,
    Status,
    ValidationError,
    __version__,
    to_dict,
)


def _demo(out: argparse.Namespace) -> int:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    rep = Rep(id="ana", name="Ana Souza", team="Inbound", region="South")
    lead = Lead(
        id="L-1",
        name="Bruno Lima",
        company="Acme Ltda",
        email="bruno@acme.example",
        created_at=start,
        source=LeadSource.WEBINAR,
        owner_id=rep.id,
        purchase_timeframe_days=45,
        bant=Bant(budget=Money("20000", "BRL"), authority=True, need=True, timescale_days=45),
    )
    deal = Deal(
        id="D-1",
        name="Acme - 40 seats",
        amount=Money("18500.00", "BRL"),
        created_at=start + timedelta(days=3),
        owner_id=rep.id,
        source=lead.source,
        stage="qualification",
        history=(
            StageChange(
                from_stage="prospecting",
                to_stage="qualification",
                at=start + timedelta(days=4),
                by=rep.id,
            ),
        ),
    )
    print(f"salesmodel {__version__} demo\n")
    for entity in (rep, lead, deal):
        print(f"{type(entity).__name__} {entity.id}:")
        print(json.dumps(to_dict(entity), indent=2, ensure_ascii=False))
        print()
    print("A deal marked won without a close date is refused:")
    try:
        Deal(
            id="D-2",
            name="Globex",
            amount=Money("900", "BRL"),
            created_at=start,
            status=Status.WON,
        )
    except ValidationError as error:
        print(f"  {error}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with *argv* (default: ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        prog="python -m salesmodel", description="salesmodel: a domain model of sales."
    )
    parser.add_argument("--version", action="version", version=f"salesmodel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="show salesmodel at work on built-in data")
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
