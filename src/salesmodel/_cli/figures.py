"""The report's figures: counts, win rate, average ticket, bookings and cycle time,
overall, by group and by close period, the open pipeline by stage, and why deals
are lost, as JSON-ready data (the text report is drawn from the same data).

Two rules shape every figure of money:

- A deal of unknown value (no amount) is left out of every sum and average and
  counted apart, as ``value_unknown``: unknown is never zero.
- Amounts in several currencies are given per currency, unless rates convert them
  into one; no rate is ever assumed.

Groups are kept apart by their real value: a blank owner and an owner named
``"None"`` are two groups, whose labels never print the same.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import Any, Final

import attrs

from salesmodel import Deal, Money, Pipeline, RateTable, Status, kpi
from salesmodel._cli.reading import Export
from salesmodel._cli.tables import printable
from salesmodel.kpi import Period, Ratio
from salesmodel.kpi._grouping import PeriodKind

#: A deal's group.
Key = Callable[[Deal], Hashable]
#: How a blank group key (None) is labelled.
BLANK: Final = "(blank)"
#: How the losses without a recorded reason are labelled.
NO_REASON: Final = "(no reason)"


@attrs.frozen
class Conversion:
    """Amounts converted into *currency* with *rates* (without one, amounts are
    reported per currency)."""

    currency: str
    rates: RateTable


def figures(
    export: Export,
    pipeline: Pipeline,
    *,
    key: Key,
    period: PeriodKind | None,
    zone: tzinfo,
    conversion: Conversion | None,
) -> dict[str, Any]:
    """Every figure of the report on *export*'s deals (see the module docs)."""
    deals, undated = export.deals, export.undated
    everything = [*deals, *undated]
    statuses = Counter(d.status for d in everything)
    unknown = Counter(d.status for d in everything if d.amount is None)
    currencies = sorted({d.amount.currency for d in everything if d.amount is not None})
    if conversion is not None:
        for code in currencies:  # a missing rate: CurrencyMismatchError names it
            conversion.rates.rate(code, conversion.currency)
    overall = _groups(deals, undated, lambda _: None, conversion).get(None, _EMPTY)
    groups = _groups(deals, undated, key, conversion)
    names = labels(groups)
    return {
        "deals": len(everything),
        "open": statuses[Status.OPEN],
        "won": statuses[Status.WON],
        "lost": statuses[Status.LOST],
        "undated": len(undated),
        "currencies": currencies,
        "converted_to": None if conversion is None else conversion.currency,
        "value_unknown": {s.value: unknown[s] for s in Status},
        "overall": overall,
        "groups": {
            names[g]: {"key": _json_key(g), **groups[g]}
            for g in sorted(groups, key=names.__getitem__)
        },
        "periods": {} if period is None else _periods(deals, period, zone, conversion),
        "open_pipeline": _open_pipeline(deals, undated, pipeline, conversion),
        # None when the export has no reason column: nothing to say, not "no reason".
        "loss_reasons": _loss_reasons(deals, conversion) if export.reasons else None,
    }


# --- groups ------------------------------------------------------------------------------


def _groups(
    deals: list[Deal], undated: list[Deal], key: Key, conversion: Conversion | None
) -> dict[Hashable, dict[str, Any]]:
    counts: defaultdict[Hashable, Counter[Status]] = defaultdict(Counter)
    for deal in (*deals, *undated):
        counts[key(deal)][deal.status] += 1
    won = [d for d in deals if d.status is Status.WON]
    known = [d for d in won if d.amount is not None]
    unknown = Counter(key(d) for d in won if d.amount is None)
    rates = kpi.win_rate(deals, by=key)
    cycles = kpi.sales_cycle(won, by=key)
    tickets = _money(kpi.average_ticket, known, conversion, by=key)
    booked = _money(kpi.bookings, known, conversion, by=key)
    return {
        group: {
            "deals": counts[group].total(),
            "open": counts[group][Status.OPEN],
            "won": counts[group][Status.WON],
            "lost": counts[group][Status.LOST],
            "win_rate": _ratio(rates.get(group)),
            "average_ticket": tickets.get(group, {}),
            "bookings": booked.get(group, {}),
            "won_value_unknown": unknown[group],
            "cycle_days": _cycle(cycles.get(group)),
        }
        for group in counts
    }


_EMPTY: Final[dict[str, Any]] = {
    "deals": 0,
    "open": 0,
    "won": 0,
    "lost": 0,
    "win_rate": {"numerator": 0, "denominator": 0, "value": None},
    "average_ticket": {},
    "bookings": {},
    "won_value_unknown": 0,
    "cycle_days": {"count": 0, "mean": None, "median": None, "p90": None},
}


def labels(keys: Iterable[Hashable], blank: str = BLANK) -> dict[Hashable, str]:
    """A distinct, printable label for each group key: the key's text, a blank key
    (None) as *blank*; keys whose labels would print the same are quoted.

    >>> labels([None, "None", "(blank)"])
    {None: '(blank)', 'None': 'None', '(blank)': "'(blank)'"}
    """
    shown = {k: blank if k is None else printable(str(k)) for k in keys}
    clashes = Counter(shown.values())
    return {
        k: text if clashes[text] == 1 or k is None else repr(str(k)) for k, text in shown.items()
    }


def _json_key(key: Hashable) -> str | None:
    return None if key is None else str(key)


# --- periods and the open pipeline ---------------------------------------------------------


def _periods(
    deals: list[Deal], period: PeriodKind, zone: tzinfo, conversion: Conversion | None
) -> dict[str, Any]:
    won = [d for d in deals if d.status is Status.WON]
    known = [d for d in won if d.amount is not None]
    unknown = Counter(
        Period.of(d.closed_at.astimezone(zone), period)
        for d in won
        if d.amount is None and d.closed_at is not None
    )
    rates = kpi.win_rate(deals, period=period, tz=zone)
    booked = _money(kpi.bookings, known, conversion, period=period, tz=zone)
    # Every period with a booking (a won deal) has a win rate (a closed deal).
    return {
        str(p): {
            "win_rate": _ratio(rates[p]),
            "bookings": booked.get(p, {}),
            "won_value_unknown": unknown[p],
        }
        for p in sorted(rates.keys())
    }


def _open_pipeline(
    deals: list[Deal], undated: list[Deal], pipeline: Pipeline, conversion: Conversion | None
) -> dict[str, Any]:
    open_deals = [d for d in deals if d.status is Status.OPEN] + undated
    counts = Counter(d.stage for d in open_deals)
    unknown = Counter(d.stage for d in open_deals if d.amount is None)
    known = [d for d in open_deals if d.amount is not None]
    values = _money(kpi.pipeline_value, known, conversion, by="stage", pipelines=pipeline)
    return {
        stage.id: {
            "deals": counts[stage.id],
            "value": values.get(stage.id, {}),
            "value_unknown": unknown[stage.id],
        }
        for stage in pipeline.stages
        if counts[stage.id]
    }


def _loss_reasons(deals: list[Deal], conversion: Conversion | None) -> list[dict[str, Any]]:
    """Why deals were lost (``kpi.loss_reasons``): one record per reason, most
    losses first (``reason`` None for losses without one), its value lost given
    as every figure of money is: per currency, or converted."""
    lost = [d for d in deals if d.status is Status.LOST]
    parts: Mapping[Hashable, kpi.LossReasons]
    if conversion is None:
        # Counts and shares from a pass that adds no amount, so that currencies
        # never meet; each currency's value from a pass of its own.
        why = kpi.loss_reasons(attrs.evolve(d, amount=None) for d in lost)
        parts = kpi.loss_reasons(lost, by="currency")
    else:
        why = kpi.loss_reasons(lost, currency=conversion.currency, rates=conversion.rates)
        parts = {conversion.currency: why}
    # Each currency's value lost per reason, where the reason lost a deal of known value.
    values = {
        code: {row.reason: row.value for row in part.rows if row.value.count}
        for code, part in parts.items()
    }
    records = []
    for row in why.rows:
        known = {code: v[row.reason] for code, v in values.items() if row.reason in v}
        records.append(
            {
                "reason": _json_key(row.reason),
                "lost": row.lost,
                "share": _ratio(row.share),
                "value": {str(code): str(_amount(t).amount) for code, t in sorted(known.items())},
                "value_unknown": row.lost - sum(t.count for t in known.values()),
            }
        )
    return records


# --- money, ratios, durations ---------------------------------------------------------------


def _money(
    measure: Callable[..., Any],
    deals: Sequence[Deal],
    conversion: Conversion | None,
    **options: Any,
) -> dict[Hashable, dict[str, str]]:
    """*measure* (a KPI of money, grouped by *options*) of *deals*, all of known
    value: ``{group: {currency: amount}}``, per currency or converted."""
    by_currency: dict[str, list[Deal]] = defaultdict(list)
    if conversion is not None:
        results = {
            conversion.currency: measure(
                deals, currency=conversion.currency, rates=conversion.rates, **options
            )
        }
    else:
        for deal in deals:
            assert deal.amount is not None
            by_currency[deal.amount.currency].append(deal)
        results = {c: measure(ds, **options) for c, ds in sorted(by_currency.items())}
    out: dict[Hashable, dict[str, str]] = defaultdict(dict)
    for currency, grouped in results.items():
        for group, result in grouped.items():
            out[group][currency] = str(_amount(result).amount)
    return out


def _amount(result: Any) -> Money:
    """The Money of a Total (its sum) or an Average (its value): never None, as
    every group holds a deal."""
    amount = result.value if isinstance(result, kpi.Average) else result.amount
    assert isinstance(amount, Money)
    return amount


def _ratio(ratio: Ratio | None) -> dict[str, Any]:
    if ratio is None:
        return {"numerator": 0, "denominator": 0, "value": None}
    value = ratio.value
    return {
        "numerator": ratio.numerator,
        "denominator": ratio.denominator,
        "value": None if value is None else float(value),
    }


def _cycle(summary: kpi.DurationSummary | None) -> dict[str, Any]:
    if summary is None:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    return {
        "count": summary.count,
        "mean": _days(summary.mean),
        "median": _days(summary.median),
        "p90": _days(summary.p90),
    }


def _days(value: Any) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 2)
