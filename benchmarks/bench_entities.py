"""Entities and serialisation against pydantic v2 and msgspec, in the same run,
in the shapes users send.

Run: ``python benchmarks/bench_entities.py`` (needs the ``bench`` extra).
Ratios above 1 mean salesmodel is faster than the peer. Each table ends with its
worst shape: a goal is met only when every shape meets it.

The shapes: an open deal and a won deal whose history holds two stage changes;
built with enum members, or with enum fields as plain strings (``status="won"``,
``source="referral"``, as the README does and as JSON gives them); loaded from
the JSON data ``to_dict`` writes (ISO datetimes, decimal strings); dumped to it.
Every side builds everything it is given (its Money, its stage changes).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec

from _timing import compare
from peers import MDeal, PDeal, PMoney, PStageChange
from peers import Status as PeerStatus
from salesmodel import Deal, LeadSource, Money, StageChange, Status, from_dict, to_dict

T0 = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=3)
T2 = T0 + dt.timedelta(days=9)
AMOUNT = Decimal("1200.50")
NUMBER = 2_000
GOALS = {"construct": 1.5, "from_dict": 1.0, "to_dict": 1.0}


def arguments(won: bool, strings: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The enum arguments of one shape: salesmodel's, then the peers'. The
    peers' source is a plain str field, so they are given a str in every shape."""
    status = "won" if won else "open"
    if strings:
        return {"status": status, "source": "referral"}, {"status": status, "source": "referral"}
    return (
        {"status": Status(status), "source": LeadSource.REFERRAL},
        {"status": PeerStatus(status), "source": "referral"},
    )


def build(won: bool, enums: dict[str, Any], deal: Any, money: Any, change: Any) -> Any:
    """One shape's deal, built by one side from its own classes."""
    history = (
        (
            change(from_stage="prospecting", to_stage="proposal", at=T1),
            change(from_stage="proposal", to_stage="won", at=T2),
        )
        if won
        else ()
    )
    return deal(
        id="D-1",
        name="Acme",
        amount=money(amount=AMOUNT, currency="EUR"),
        created_at=T0,
        owner_id="ana",
        stage="won" if won else "prospecting",
        closed_at=T2 if won else None,
        product="crm",
        history=history,
        **enums,
    )


def ours(won: bool, enums: dict[str, Any]) -> Deal:
    return build(won, enums, Deal, Money, StageChange)  # type: ignore[no-any-return]


def pydantic_deal(won: bool, enums: dict[str, Any]) -> PDeal:
    return build(won, enums, PDeal, PMoney, PStageChange)  # type: ignore[no-any-return]


def python_data(deal: Deal) -> dict[str, Any]:
    """What msgspec.convert is given to build from objects: the deal's fields as
    Python values (msgspec's plain constructor checks nothing)."""
    data: dict[str, Any] = to_dict(deal)
    data.update(amount={"amount": AMOUNT, "currency": "EUR"}, created_at=T0)
    data["closed_at"] = deal.closed_at
    data["history"] = [{**to_dict(change), "at": change.at} for change in deal.history]
    return data


Cases = dict[str, Callable[[], object]]
Row = tuple[str, dict[str, float]]


def shapes() -> tuple[list[Row], list[Row], list[Row]]:
    built: list[Row] = []
    loaded: list[Row] = []
    dumped: list[Row] = []
    for won in (False, True):
        deal_name = "won deal, 2-change history" if won else "open deal"
        for strings in (False, True):
            mine, theirs = arguments(won, strings)
            objects = python_data(ours(won, mine))
            cases: Cases = {
                "salesmodel": lambda w=won, e=mine: ours(w, e),  # type: ignore[misc]
                "pydantic": lambda w=won, e=theirs: pydantic_deal(w, e),  # type: ignore[misc]
                "msgspec": lambda o=objects: msgspec.convert(o, MDeal),  # type: ignore[misc]
            }
            how = "enums as strings" if strings else "enum members"
            built.append((f"{deal_name}, {how}", compare(cases, number=NUMBER, rounds=5)))
        deal = ours(won, arguments(won, True)[0])
        data = to_dict(deal)
        peer = PDeal.model_validate(data)
        struct = msgspec.convert(data, MDeal, strict=False)
        loads: Cases = {
            "salesmodel": lambda d=data: from_dict(d, Deal),  # type: ignore[misc]
            "pydantic": lambda d=data: PDeal.model_validate(d),  # type: ignore[misc]
            "msgspec": lambda d=data: msgspec.convert(d, MDeal, strict=False),  # type: ignore[misc]
        }
        dumps: Cases = {
            "salesmodel": lambda d=deal: to_dict(d),  # type: ignore[misc]
            "pydantic": lambda p=peer: p.model_dump(mode="json"),  # type: ignore[misc]
            "msgspec": lambda s=struct: msgspec.to_builtins(s),  # type: ignore[misc]
        }
        loaded.append((f"{deal_name} (JSON data)", compare(loads, number=NUMBER, rounds=5)))
        dumped.append((deal_name, compare(dumps, number=NUMBER, rounds=5)))
    return built, loaded, dumped


def report(measure: str, peer_call: str, rows: list[Row]) -> str:
    goal = GOALS[measure]
    title = f"{measure}: salesmodel vs pydantic {peer_call} and msgspec (goal >= {goal}x pydantic)"
    width = max(len(shape) for shape, _ in rows)
    lines = [
        title,
        "-" * len(title),
        f"{'shape':<{width}}  salesmodel  pydantic   ratio   msgspec   ratio",
    ]
    for shape, t in rows:
        sm, pd, ms = t["salesmodel"], t["pydantic"], t["msgspec"]
        lines.append(
            f"{shape:<{width}}  {sm * 1e6:7.2f} us  {pd * 1e6:6.2f} us  {pd / sm:5.2f}x"
            f"  {ms * 1e6:6.2f} us  {ms / sm:5.2f}x"
        )
    worst_shape, worst = min(rows, key=lambda row: row[1]["pydantic"] / row[1]["salesmodel"])
    ratio = worst["pydantic"] / worst["salesmodel"]
    verdict = "met" if ratio >= goal else "NOT MET"
    lines.append(f"worst shape: {worst_shape}, {ratio:.2f}x pydantic (goal >= {goal}x: {verdict})")
    return "\n".join(lines)


def main() -> int:
    built, loaded, dumped = shapes()
    print("CPU time per call, best of 5 interleaved rounds; ratio = peer time / salesmodel time")
    print()
    print(report("construct", "Deal(...)", built))
    print()
    print(report("from_dict", "model_validate", loaded))
    print()
    print(report("to_dict", 'model_dump(mode="json")', dumped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
