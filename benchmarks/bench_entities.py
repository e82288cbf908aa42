"""Entities and serialisation against pydantic v2 and msgspec, in the same run.

Run: ``python benchmarks/bench_entities.py`` (needs the ``bench`` extra).
Ratios above 1 mean salesmodel is faster than the peer.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import msgspec

from _timing import compare, table
from peers import MDeal, PDeal, PMoney
from salesmodel import Deal, Money, from_dict, to_dict

T0 = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
AMOUNT = Decimal("1200.50")


def main() -> int:
    number = 20_000
    ours = Deal(
        id="D-1",
        name="Acme",
        amount=Money(AMOUNT, "EUR"),
        created_at=T0,
        owner_id="ana",
        source="web",
        product="crm",
    )
    data = to_dict(ours)
    peer = PDeal.model_validate(data)
    peer_struct = msgspec.convert(data, MDeal, strict=False)
    python_data = {**data, "amount": {"amount": AMOUNT, "currency": "EUR"}, "created_at": T0}

    build = compare(
        {
            "salesmodel": lambda: Deal(
                id="D-1",
                name="Acme",
                amount=Money(AMOUNT, "EUR"),
                created_at=T0,
                owner_id="ana",
                source="web",
                product="crm",
            ),
            "pydantic": lambda: PDeal(
                id="D-1",
                name="Acme",
                amount=PMoney(amount=AMOUNT, currency="EUR"),
                created_at=T0,
                owner_id="ana",
                source="web",
                product="crm",
            ),
            "msgspec": lambda: msgspec.convert(python_data, MDeal),
        },
        number=number,
    )
    load = compare(
        {
            "salesmodel": lambda: from_dict(data, Deal),
            "pydantic": lambda: PDeal.model_validate(data),
            "msgspec": lambda: msgspec.convert(data, MDeal, strict=False),
        },
        number=number,
    )
    dump = compare(
        {
            "salesmodel": lambda: to_dict(ours),
            "pydantic": lambda: peer.model_dump(mode="json"),
            "msgspec": lambda: msgspec.to_builtins(peer_struct),
        },
        number=number,
    )
    print("per call (us):")
    for name, timings in (("construct", build), ("from_dict", load), ("to_dict", dump)):
        print(f"  {name:<10}" + "  ".join(f"{k} {v * 1e6:6.2f}" for k, v in timings.items()))
    print()
    rows = [
        ("construct Deal(...)", "pydantic Deal(...)", build, "pydantic", ">= 1.5x"),
        ("from_dict", "pydantic model_validate", load, "pydantic", ">= 1.0x"),
        ("to_dict", "pydantic model_dump(json)", dump, "pydantic", ">= 1.0x"),
        ("construct Deal(...)", "msgspec.convert(objects)", build, "msgspec", "report"),
        ("from_dict", "msgspec.convert(json dict)", load, "msgspec", "report"),
        ("to_dict", "msgspec.to_builtins", dump, "msgspec", "report"),
    ]
    title = "salesmodel Deal (17 fields, every invariant checked) vs peers"
    print(table(title, [(m, p, t[k] / t["salesmodel"], g) for m, p, t, k, g in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
