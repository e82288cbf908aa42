"""Exact sums of amounts per group and per currency, and how currencies are
reported: one currency as is, several only per currency (``by="currency"``) or
converted with a caller's :class:`~salesmodel.RateTable` into ``currency=``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from operator import attrgetter
from typing import Any, Final

from salesmodel.errors import CurrencyMismatchError, ValidationError
from salesmodel.money import Money, RateTable, is_currency

from ._grouping import ALL
from ._results import EXACT, ZERO

__all__ = ["CURRENCY_ALIAS", "add_amounts", "check_currency", "merge_sums", "resolve"]

AMOUNT: Final = attrgetter("amount.amount")
CURRENCY: Final = attrgetter("amount.currency")
#: ``by="currency"`` groups by the amount's currency.
CURRENCY_ALIAS: Final = {"currency": "amount.currency"}

Sums = dict[tuple[Any, str], Decimal]


def check_currency(currency: object, rates: object) -> tuple[str | None, RateTable | None]:
    """``currency=`` and ``rates=`` checked: rates need a target currency."""
    if currency is not None and not is_currency(currency):
        raise ValidationError.single(
            "currency", currency, "None or a three-letter upper-case currency code such as 'EUR'"
        )
    if rates is not None and not isinstance(rates, RateTable):
        raise ValidationError.single("rates", rates, "None or a RateTable")
    if rates is not None and currency is None:
        raise ValidationError.single(
            "currency", None, "the currency to convert into, since rates= is given"
        )
    return currency, rates  # type: ignore[return-value]


def add_amounts(sums: Sums, keys: Iterable[Any] | None, records: list[Any]) -> None:
    """Add each record's ``amount`` into ``sums[(key, currency)]``, exactly."""
    if not records:
        return
    currencies = set(map(CURRENCY, records))
    with localcontext(EXACT):
        if len(currencies) == 1:
            (currency,) = currencies
            if keys is None:
                total = sum(map(AMOUNT, records), ZERO)
                sums[(ALL, currency)] = sums.get((ALL, currency), ZERO) + total
                return
            partial: dict[Any, Decimal] = {}
            get = partial.get
            for key, amount in zip(keys, map(AMOUNT, records), strict=True):
                partial[key] = get(key, ZERO) + amount
            for key, total in partial.items():
                sums[(key, currency)] = sums.get((key, currency), ZERO) + total
            return
        pairs = zip(keys if keys is not None else [ALL] * len(records), records, strict=True)
        for key, record in pairs:
            money = record.amount
            slot = (key, money.currency)
            sums[slot] = sums.get(slot, ZERO) + money.amount


def merge_sums(into: Sums, other: Mapping[tuple[Any, str], Decimal]) -> None:
    """Add *other*'s sums into *into*."""
    with localcontext(EXACT):
        for slot, total in other.items():
            into[slot] = into.get(slot, ZERO) + total


def per_key(sums: Mapping[tuple[Any, str], Decimal]) -> dict[Any, dict[str, Decimal]]:
    """``{key: {currency: sum}}``."""
    out: dict[Any, dict[str, Decimal]] = {}
    for (key, currency), total in sums.items():
        out.setdefault(key, {})[currency] = total
    return out


def resolve(
    by_currency: Mapping[str, Decimal],
    *,
    currency: str | None,
    rates: RateTable | None,
    what: str,
) -> Money | None:
    """One Money for sums held per currency.

    One currency is reported as is; several are converted with *rates* into
    *currency* (each currency's exact sum converted, then added), or raise.

    Raises:
        CurrencyMismatchError: for amounts in several currencies (or in one other
            than *currency*) without a rate table.
    """
    if not by_currency:
        return None if currency is None else Money.zero(currency)
    if currency is None:
        if len(by_currency) == 1:
            ((code, total),) = by_currency.items()
            return Money(total, code)
        raise _mixed(sorted(by_currency), what)
    others = sorted(c for c in by_currency if c != currency)
    if others and rates is None:
        raise CurrencyMismatchError(
            f"{what} has amounts in {', '.join(others)}, not only {currency}: pass "
            f"rates=RateTable(...) to convert them into {currency}",
            (currency, *others),
        )
    with localcontext(EXACT):
        total = ZERO
        for code, part in sorted(by_currency.items()):
            if code == currency:
                total += part
            else:
                assert rates is not None
                total += rates.apply(part, code, currency)
    return Money(total, currency)


def _mixed(currencies: list[str], what: str) -> CurrencyMismatchError:
    return CurrencyMismatchError(
        f"{what} mixes amounts in {', '.join(currencies)}: pass by='currency' to report "
        "each currency apart, or rates=RateTable(...) and currency='...' to convert them",
        currencies,
    )
