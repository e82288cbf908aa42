"""The grouped accumulator every grouping KPI shares (salesmodel.kpi._base): the
anchor, ``by=`` names checked against the entity classes before any record is
read, records of other types checked for what ``by=`` reads, and results wrapped
with what was skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from salesmodel import Deal, Lead, Money, Status, ValidationError, kpi
from salesmodel.kpi import Period, Ratio
from salesmodel.kpi._base import GroupedAccumulator
from support import Row, issues

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def won(did: str, owner: str | None = None) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(1, "EUR"),
        created_at=T0,
        stage="won",
        status="won",
        closed_at=T0 + timedelta(days=1),
        owner_id=owner,
    )


def lead(lid: str, company: str) -> Lead:
    return Lead(id=lid, name=lid, created_at=T0, source="web", company=company)


def open_row(rid: str, **fields: Any) -> Row:
    return Row(id=rid, status=Status.OPEN, created_at=T0, closed_at=None, **fields)


def test_an_anchor_must_be_one_the_kpi_allows() -> None:
    assert issues(lambda: kpi.WinRateAccumulator(anchor="opened")) == [  # type: ignore[arg-type]
        ("anchor", "opened", "one of 'created', 'closed'")
    ]
    conversion = kpi.ConversionRateAccumulator()  # its only anchor, by default
    assert conversion._grouping.anchor == "created_at"
    assert kpi.WinRateAccumulator()._grouping.anchor == "closed_at"
    assert kpi.WinRateAccumulator(anchor="created")._grouping.anchor == "created_at"


def test_the_options_recorded_are_those_merges_compare() -> None:
    acc = kpi.WinRateAccumulator(by="owner_id", period="month", tz=UTC, anchor="created")
    assert acc._options == {
        "strict": True,
        "by": "owner_id",
        "period": "month",
        "tz": UTC,
        "anchor": "created",
        "by_value": False,
        "currency": None,
        "rates": None,
    }
    for other in (
        kpi.WinRateAccumulator(by="owner_id", period="month", tz=UTC),
        kpi.WinRateAccumulator(by="owner_id", period="year", tz=UTC, anchor="created"),
        kpi.WinRateAccumulator(by="source", period="month", tz=UTC, anchor="created"),
        kpi.WinRateAccumulator(by="owner_id", period="month", tz="recorded", anchor="created"),
        kpi.WinRateAccumulator(
            by="owner_id", period="month", tz=UTC, anchor="created", strict=False
        ),
    ):
        with pytest.raises(ValidationError) as caught:
            acc.merge(other)
        assert caught.value.field == "other"
    same = kpi.WinRateAccumulator(by="owner_id", period="month", tz=UTC, anchor="created")
    assert acc.merge(same)._grouping.anchor == "created_at"


def test_a_by_name_no_entity_has_is_refused_before_any_record() -> None:
    found = issues(lambda: kpi.BookingsAccumulator(by="owner"))
    assert [(p, v) for p, v, _ in found] == [("by", "owner")]
    expected = found[0][2]
    assert expected.startswith("names of fields of Deal (id, name, amount, created_at, owner_id, ")
    assert expected.endswith(", attributes, history, currency), or a callable")
    assert issues(lambda: kpi.WinRateAccumulator(by=("owner_id", "nobody")))[0][:2] == (
        "by",
        ("owner_id", "nobody"),
    )
    assert issues(lambda: kpi.ActivityVolumeAccumulator(by="owner_id"))[0][2].startswith(
        "names of fields of Activity ("
    )
    # A dotted name is checked by its head; an alias by what it stands for.
    assert kpi.bookings([won("a")], by="amount.currency") == kpi.bookings([won("a")], by="currency")


def test_entities_lacking_a_by_name_another_entity_has_are_checked_one_by_one() -> None:
    leads = [lead("l1", "acme"), lead("l2", "acme")]
    assert dict(kpi.win_rate(leads, by="company")) == {}
    assert dict(kpi.conversion_rate(leads, by="company")) == {"acme": Ratio(0, 2)}
    deal = won("d")
    assert issues(lambda: kpi.conversion_rate([*leads, deal], by="company")) == [
        ("company", deal, "a record with 'company' ('Deal' object has no attribute 'company')")
    ]
    mixed = kpi.conversion_rate([*leads, deal], by="company", strict=False)
    assert dict(mixed) == {"acme": Ratio(0, 2)}
    assert [(s.id, s.field) for s in mixed.skipped] == [("d", "company")]
    pair = ("company", "source")
    assert issues(lambda: kpi.conversion_rate([deal], by=pair))[0][0] == "('company', 'source')"
    both = kpi.conversion_rate([*leads], by=("owner_id", "company"))
    assert dict(both) == {(None, "acme"): Ratio(0, 2)}


def test_records_of_other_types_must_have_what_by_reads() -> None:
    rows = [open_row("a", owner_id="ana"), open_row("b")]
    assert issues(lambda: kpi.conversion_rate(rows, by="owner_id")) == [
        ("owner_id", rows[1], "a record with 'owner_id' ('Row' object has no attribute 'owner_id')")
    ]

    def region(record: Any) -> Any:
        return record.region.upper()

    regional = [open_row("c", region="eu"), open_row("d", region=None)]
    result = kpi.conversion_rate(regional, by=region, strict=False)
    assert dict(result) == {"EU": Ratio(0, 1)}
    assert [(s.id, s.field) for s in result.skipped] == [("d", str(region))]
    assert result.skipped.records[0].reason.startswith(f"must be a record with {region!r} (")
    typed = kpi.conversion_rate(
        [open_row("e", region=3)], by=lambda r: r.region + "x", strict=False
    )
    assert [s.id for s in typed.skipped] == ["e"]  # a TypeError too


def test_results_carry_what_was_skipped_grouped_or_not() -> None:
    rows = [won("a", "ana"), Row(id="bad", status="won")]
    single = kpi.win_rate(rows, strict=False)
    assert single == Ratio(1, 1)
    assert [s.id for s in single.skipped] == ["bad"]
    grouped = kpi.win_rate(rows, by="owner_id", strict=False)
    assert dict(grouped) == {"ana": Ratio(1, 1)}
    assert [s.id for s in grouped.skipped] == ["bad"]
    assert grouped.columns == ("owner_id",)
    empty = kpi.win_rate(rows[1:], strict=False)
    assert empty == Ratio(0, 0)
    assert empty.skipped.count == 1
    clean = kpi.win_rate(rows[:1], strict=False)
    assert clean.skipped.count == 0
    monthly = kpi.win_rate(rows[:1], period="month", tz=UTC)
    assert dict(monthly) == {Period("month", 2026, 1): Ratio(1, 1)}
    assert monthly.columns == ("period",)


class ClosedCount(GroupedAccumulator):
    """A grouped KPI of one's own with a single anchor, relying on the defaults."""

    accepts = (Deal,)
    anchors = ("closed",)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.n: dict[Any, int] = {}

    def _issue(self, record: Any) -> Any:  # pragma: no cover - only entities here
        return None

    def _add_chunk(self, chunk: list[Any]) -> None:
        for record in chunk:
            key = self._grouping.key(record)
            self.n[key] = self.n.get(key, 0) + 1

    def result(self) -> Any:
        return self._wrap({k: Ratio(v, v) for k, v in self.n.items()}, lambda: Ratio(0, 0))


class TwoAnchors(ClosedCount):
    anchors = ("created", "closed")


def test_a_kpi_with_one_anchor_takes_it_by_default_and_refuses_others() -> None:
    acc = ClosedCount()
    assert acc._grouping.anchor == "closed_at"
    assert acc._options["anchor"] == "closed"
    assert acc.strict is True
    assert issues(lambda: ClosedCount(anchor="created")) == [
        ("anchor", "created", "one of 'closed'")
    ]
    assert ClosedCount(anchor="closed")._grouping.anchor == "closed_at"
    assert issues(lambda: TwoAnchors()) == [("anchor", None, "one of 'created', 'closed'")]
    assert TwoAnchors(anchor="created")._grouping.anchor == "created_at"
    monthly = ClosedCount(period="month", tz=UTC).add_many([won("a")]).result()
    assert dict(monthly) == {Period("month", 2026, 1): Ratio(1, 1)}


def test_a_dotted_by_name_is_checked_by_its_first_part() -> None:
    deals = [won("a"), won("b")]
    by_size = kpi.bookings(deals, by="amount.amount.real")
    assert list(by_size) == [1]
