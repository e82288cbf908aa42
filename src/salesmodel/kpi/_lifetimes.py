"""The customer summary the ``lifetimes`` package fits its models on (BG/NBD,
Pareto/NBD, Gamma-Gamma): frequency, recency, T and monetary value per customer,
from purchases."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Final, Literal

import attrs

from salesmodel.entities import Deal
from salesmodel.enums import Status
from salesmodel.errors import CurrencyMismatchError, Issue, ValidationError
from salesmodel.money import RateTable

from ._accumulators import Accumulator
from ._amounts import check_currency
from ._grouping import Zone, check_tz, local
from ._records import purchase_issue
from ._results import EXACT, NOTHING_SKIPPED, ZERO, Skipped, Table, fraction_to_decimal

__all__ = ["CustomerSummary", "CustomerSummaryAccumulator", "SummaryRow", "customer_summary"]

WON: Final = Status.WON
_UNITS: Final = {"days": 1, "weeks": 7}


@attrs.frozen
class SummaryRow:
    """One customer's summary, in the ``lifetimes`` sense.

    Attributes:
        customer_id: The customer.
        frequency: Repeat purchases: the number of distinct purchase days, minus
            one, up to the calibration end.
        recency: From the first purchase day to the last, in the unit.
        T: From the first purchase day to the calibration end, in the unit.
        monetary_value: The mean spend of the repeat purchase days (a day's
            purchases added up; the first day left out); 0 without repeats.

    .. versionadded:: 0.1.0
    """

    customer_id: str
    frequency: int
    recency: Decimal
    T: Decimal
    monetary_value: Decimal

    def to_record(self) -> dict[str, Any]:
        """The row with ``lifetimes``' column names."""
        return attrs.asdict(self)


@attrs.frozen(repr=False)
class CustomerSummary(Table):
    """Per-customer frequency, recency, T and monetary value, sorted by customer.

    ``pandas.DataFrame(summary.to_records()).set_index("customer_id")`` is the
    frame ``lifetimes.utils.summary_data_from_transaction_data`` returns.

    .. versionadded:: 0.1.0
    """

    rows: tuple[SummaryRow, ...]
    calibration_end: dt.date
    unit: str
    currency: str | None
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, customer_id: str) -> SummaryRow:
        for row in self.rows:
            if row.customer_id == customer_id:
                return row
        raise KeyError(customer_id)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per customer."""
        return [row.to_record() for row in self.rows]

    def _caption(self) -> str:
        return f"Customer summary ({self.unit}, calibration end {self.calibration_end})"

    def __repr__(self) -> str:
        return (
            f"CustomerSummary({len(self.rows)} customers, {self.unit}, "
            f"calibration end {self.calibration_end})"
        )


#: Why a purchase of unknown value cannot be summarised.
_KNOWN: Final = "a known amount (the summary averages every purchase's value)"


class CustomerSummaryAccumulator(Accumulator[CustomerSummary]):
    """Accumulates :func:`customer_summary`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal,)
    expects = "a Deal"

    def __init__(
        self,
        *,
        calibration_end: dt.date,
        tz: Zone | None = None,
        unit: Literal["days", "weeks"] = "weeks",
        places: int = 2,
        rounding: str = decimal.ROUND_HALF_UP,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        if type(calibration_end) is not dt.date:
            raise ValidationError.single(
                "calibration_end", calibration_end, "a date (the last day observed)"
            )
        zone = check_tz(tz, "days")
        if unit not in _UNITS:
            raise ValidationError.single("unit", unit, "'days' or 'weeks'")
        if type(places) is not int or not 0 <= places <= 28:
            raise ValidationError.single("places", places, "an int from 0 to 28")
        check_currency(currency, rates)
        super().__init__(
            strict=strict,
            calibration_end=calibration_end,
            tz=tz,
            unit=unit,
            places=places,
            rounding=rounding,
            currency=currency,
            rates=rates,
        )
        self._end = calibration_end
        self._tz = zone
        self._unit = unit
        self._places = places
        self._rounding = rounding
        self._currency = currency
        self._rates = rates
        self._spend: dict[tuple[str, dt.date], Decimal] = {}
        self._currencies: set[str] = set()

    def _issue(self, record: Any) -> Issue | None:
        return purchase_issue(record, amount=True)

    def _add_chunk(self, chunk: list[Any]) -> None:
        bought = [r for r in chunk if r.status is WON and r.customer_id is not None]
        tz = self._tz
        assert tz is not None
        end = self._end
        spend = self._spend
        target, rates = self._currency, self._rates
        with localcontext(EXACT):
            for record in bought:
                day = local(record.closed_at, tz, "closed_at").date()
                if day > end:
                    continue
                money = record.amount
                if money is None:  # its monetary value needs every purchase's value
                    self._reject(record, Issue("amount", None, _KNOWN))
                    continue
                amount = money.amount
                if target is not None and money.currency != target:
                    if rates is None:
                        raise CurrencyMismatchError(
                            f"purchase {record.id!r} is in {money.currency}, not {target}: "
                            "pass rates= to convert",
                            (target, money.currency),
                        )
                    amount = rates.apply(amount, money.currency, target)
                else:
                    self._currencies.add(money.currency)
                slot = (record.customer_id, day)
                spend[slot] = spend.get(slot, ZERO) + amount

    def _absorb(self, other: CustomerSummaryAccumulator) -> None:
        with localcontext(EXACT):
            for slot, amount in other._spend.items():
                self._spend[slot] = self._spend.get(slot, ZERO) + amount
        self._currencies |= other._currencies

    def _round(self, value: Fraction) -> Decimal:
        return fraction_to_decimal(value, self._places, self._rounding)

    def result(self) -> CustomerSummary:
        """The :class:`CustomerSummary`."""
        if self._currency is None and len(self._currencies) > 1:
            currencies = sorted(self._currencies)
            raise CurrencyMismatchError(
                f"purchases mix {', '.join(currencies)}: pass currency= and rates= to convert",
                currencies,
            )
        days: dict[str, list[tuple[dt.date, Decimal]]] = {}
        for (customer, day), amount in self._spend.items():
            days.setdefault(customer, []).append((day, amount))
        per = _UNITS[self._unit]
        rows = []
        for customer in sorted(days):
            bought = sorted(days[customer])
            first, last = bought[0][0], bought[-1][0]
            repeats = [amount for _, amount in bought[1:]]
            # exact: a Decimal sum here would round to the context's 28 digits
            mean = (
                sum(map(Fraction, repeats), Fraction(0)) / len(repeats) if repeats else Fraction(0)
            )
            rows.append(
                SummaryRow(
                    customer,
                    len(repeats),
                    self._round(Fraction((last - first).days, per)),
                    self._round(Fraction((self._end - first).days, per)),
                    self._round(mean),
                )
            )
        currency = self._currency or (next(iter(self._currencies)) if self._currencies else None)
        return CustomerSummary(tuple(rows), self._end, self._unit, currency, skipped=self.skipped)


def customer_summary(
    deals: Iterable[Deal],
    *,
    calibration_end: dt.date,
    tz: Zone | None = None,
    unit: Literal["days", "weeks"] = "weeks",
    places: int = 2,
    rounding: str = decimal.ROUND_HALF_UP,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> CustomerSummary:
    """The ``lifetimes`` customer summary: frequency, recency, T and monetary
    value per customer, from purchases.

    Purchases are won deals (current status) with a ``customer_id``, dated by the
    calendar day of ``closed_at`` in ``tz=`` (required); purchases on the same day
    are merged into one (their amounts added), as
    ``lifetimes.utils.summary_data_from_transaction_data`` does with
    ``freq="D"``; purchases after *calibration_end* are left out, and so are
    customers whose first purchase is after it. Per customer:

    - ``frequency``: purchase days minus one (repeat purchases);
    - ``recency``: last purchase day minus first, in *unit*;
    - ``T``: *calibration_end* minus first purchase day, in *unit*;
    - ``monetary_value``: mean spend of the repeat purchase days (the first left
      out), 0 without repeats.

    Recency, T and monetary value are exact, then rounded to *places* with
    *rounding* (half up by default, as the published CDNOW summary is; weeks =
    days / 7, lifetimes' ``freq="D", freq_multiplier=7``). Memory: one entry per
    customer-day.

    Args:
        deals: Purchases: won deals with a ``customer_id``.
        calibration_end: The last day observed (included).
        tz: The zone purchase days are read in.
        unit: ``"weeks"`` (default) or ``"days"``.
        places: Decimal places to round to.
        rounding: A :mod:`decimal` rounding mode.
        currency: The currency to report in (purchases in others need *rates*).
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`CustomerSummary`.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for purchases in several currencies without rates.

    .. versionadded:: 0.1.0
    """
    acc = CustomerSummaryAccumulator(
        calibration_end=calibration_end,
        tz=tz,
        unit=unit,
        places=places,
        rounding=rounding,
        currency=currency,
        rates=rates,
        strict=strict,
    )
    return acc.add_many(deals).result()
