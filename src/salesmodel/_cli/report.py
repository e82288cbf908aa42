"""``python -m salesmodel report FILE.csv``: the KPIs of a real CRM export.

This is the only code in the package that reads files: the export named on the
command line, and the rates file ``--rates`` names. What it promises:

- No traceback on an export: a problem with the command line or a file as a whole
  is one line on stderr and exit status 2; a bad row is skipped and summarised by
  reason (with ``--strict``, the first one stops the report: exit status 1). An
  export none of whose rows is read is a failure too: the report lists why, then
  one line on stderr, exit status 1.
- No figure changed in silence: a blank amount is an unknown value, counted apart
  and never added as zero; amounts in several currencies are reported per currency
  unless ``--rates`` converts them; a repeated deal id is counted once and its
  other rows listed; groups whose keys print alike stay apart.
- Output a person can trust: every character of file content a terminal would act
  on is printed as its escape.
"""

from __future__ import annotations

import argparse
import codecs
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from decimal import Context
from functools import partial
from operator import attrgetter
from typing import Any, Final, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from salesmodel import Attributes, Deal, Money, SalesModelError, ValidationError
from salesmodel._cli.figures import NO_REASON, Conversion, Key, figures, labels
from salesmodel._cli.layouts import GENERIC, LAYOUTS, READABLE, Layout
from salesmodel._cli.reading import (
    Problem,
    Reading,
    UsageError,
    read_export,
    read_rates,
)
from salesmodel._cli.tables import DASH, printable, table

USAGE_ERROR: Final = 2
DATA_ERROR: Final = 1
PERIODS: Final = ("week", "month", "quarter", "year")
#: Line numbers shown for each reason rows were skipped.
SHOWN_LINES: Final = 5
#: Deal fields ``--by`` takes (besides ``currency`` and the file's other columns).
GROUPABLE: Final = (
    "id",
    "name",
    "owner_id",
    "prospect_id",
    "customer_id",
    "pipeline_id",
    "stage",
    "status",
    "loss_reason",
    "source",
    "product",
)
_DEAL_FIELDS: Final = frozenset(attrs.fields_dict(Deal))
#: Layout columns a ``--column`` mapping sets besides the Deal fields.
_SPECIAL: Final = ("stage", "closed_at", "currency", "loss_reason")


def add_parser(commands: Any) -> None:
    """Register the ``report`` command."""
    parser = commands.add_parser(
        "report",
        help="KPIs of a CRM export (CSV)",
        description="Read a CSV export of deals and print its KPIs: win rate, "
        "average ticket, cycle time and bookings, overall, by a field, and by period.",
        epilog="Presets: "
        + "; ".join(f"{name}: {layout.description}" for name, layout in LAYOUTS.items())
        + ". Without a preset, columns are named as Deal fields.",
    )
    parser.add_argument("file", metavar="FILE.csv", help="the export to read")
    parser.add_argument("--preset", choices=sorted(LAYOUTS), help="a known export layout")
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="read a Deal field from this column (repeatable; overrides the preset); "
        "FIELD may also be 'stage', 'closed_at', 'currency' or 'loss_reason'",
    )
    parser.add_argument("--currency", help="the currency of amounts without one, e.g. USD")
    parser.add_argument(
        "--rates",
        metavar="RATES.csv",
        help="exchange rates to convert amounts with (columns base, quote, rate: 1 base buys "
        "rate quote); without them, amounts in several currencies are reported per currency",
    )
    parser.add_argument(
        "--convert-to", metavar="CURRENCY", help="the currency to report in, with --rates"
    )
    parser.add_argument(
        "--date-format", help="strptime format of the dates, e.g. %%m/%%d/%%Y (default ISO 8601)"
    )
    parser.add_argument(
        "--tz",
        default="UTC",
        help="the time zone of naive dates, and of periods (an IANA name; default UTC)",
    )
    parser.add_argument(
        "--by",
        default="owner_id",
        help="group by a Deal field, 'currency', or any other column of the file "
        "(default owner_id)",
    )
    parser.add_argument("--period", choices=PERIODS, help="also group by close period")
    parser.add_argument("--encoding", default="utf-8", help="the file's encoding (default utf-8)")
    parser.add_argument(
        "--delimiter", default=",", help="the character between cells (default ','; 'tab' for tabs)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad row")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Read ``args.file`` and print its report; returns the exit status."""
    try:
        return _run(args, out, err)
    except SalesModelError as error:
        message = one_line(error)
        if args.rates:  # the command line's rates are a file, not a RateTable
            message = message.replace(
                "add one to the RateTable", f"add a row base,quote,rate for it to {args.rates}"
            )
        print(f"error: {message}", file=err)
        return USAGE_ERROR


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    layout = _layout(args.column, LAYOUTS[args.preset] if args.preset else GENERIC)
    zone = _zone(args.tz)
    currency = _currency("--currency", args.currency) or layout.amounts_in
    conversion = _conversion(args.rates, _currency("--convert-to", args.convert_to))
    field, key, extra = _grouping(args.by, layout)
    reading = Reading(
        encoding=_encoding(args.encoding),
        delimiter=_delimiter(args.delimiter),
        date_format=_date_format(args.date_format),
        tz=zone,
        currency=currency,
        extra=extra,
    )
    if layout.amounts_in and currency != layout.amounts_in:
        note = (
            f"note: the {layout.name} preset's amounts are in {layout.amounts_in}; "
            f"--currency {currency} reads them as {currency} (no rate applied: --rates converts)"
        )
        print(note, file=err)
    export = read_export(args.file, layout, reading)
    for field, column in export.absent:
        if field == "currency" and currency:
            continue  # every amount is in the currency the command line names
        todo = f"map it with --column {field}=COLUMN"
        if field == "currency":  # its rows are refused: say how to read them
            todo = f"pass --currency XXX, the currency of every amount, e.g. USD; or {todo}"
        note = (
            f"note: {args.file} has no column {column!r}: the {layout.name} preset reads the "
            f"{field} from it, so no deal has one ({todo})"
        )
        print(printable(note), file=err)
    if export.problems and args.strict:
        first = export.problems[0]
        shown = printable(f"{args.file}, line {first.line}: {first.reason} (got {first.got})")
        print(f"error: {shown}", file=err)
        return DATA_ERROR
    report: dict[str, Any] = {
        "file": args.file,
        "layout": layout.name,
        "rows": export.rows,
        "tz": args.tz,
        "by": args.by,
        "by_field": field,
        "period": args.period,
        "rates": args.rates,
        **figures(
            export, layout.pipeline, key=key, period=args.period, zone=zone, conversion=conversion
        ),
        "skipped": _skipped(export.problems),
    }
    if args.json:
        print(json_text(report), file=out)
    else:
        print(_text(report, layout, conversion), file=out)
    if export.rows and not report["deals"]:
        # A report of nothing must not pass for one in a script: say so, and fail.
        rows = f"{export.rows:,} row{'' if export.rows == 1 else 's'}"
        shown = printable(f"{args.file}: no row could be read ({rows}, every one skipped)")
        print(f"error: {shown}", file=err)
        return DATA_ERROR
    return 0


def one_line(error: BaseException) -> str:
    """*error*'s message on one printable line (a message listing several problems
    has one per line)."""
    return printable(str(error).replace("\n", " "))


def json_text(data: Any) -> str:
    """*data* as indented JSON whose every character prints as itself: JSON
    escapes the control characters below U+0020; the others a terminal acts on
    (DEL, C1 controls, bidirectional overrides) are escaped here too."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


# --- the command line's options -----------------------------------------------------------


def _layout(mappings: Sequence[str], layout: Layout) -> Layout:
    """*layout* with the ``--column FIELD=COLUMN`` mappings applied."""
    columns = dict(layout.columns)
    special = {name: getattr(layout, name) for name in _SPECIAL}
    mapped = set(layout.mapped)
    for item in mappings:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise UsageError(f"--column {item!r} must look like FIELD=COLUMN")
        if field in _SPECIAL:
            special[field] = column
        elif field in READABLE:
            columns[field] = column
        else:
            raise UsageError(
                f"--column {item!r}: FIELD must be a Deal field read from a column "
                f"({', '.join(READABLE)}), or {', '.join(_SPECIAL)}"
            )
        mapped.add(field)
    fallback = layout.fallback_name
    if fallback is not None and fallback == layout.columns.get("id"):
        # a preset that names a deal by its id does so by the id's column, wherever it is
        fallback = columns["id"]
    return attrs.evolve(
        layout, columns=columns, mapped=frozenset(mapped), fallback_name=fallback, **special
    )


#: A date and time whose every part differs, to check a --date-format with.
_PROBE: Final = datetime(2026, 11, 23, 14, 35, 56, tzinfo=UTC)  # aware: %z and %Z write it


def _date_format(fmt: str | None) -> str | None:
    """*fmt*, checked to read back a whole date: a bad directive, or a format
    without a year, month or day (every date would be read as one of 1900), is
    refused before any row is read."""
    if fmt is None:
        return None
    try:
        readable = datetime.strptime(_PROBE.strftime(fmt), fmt).date() == _PROBE.date()
        reason = "it reads no whole date: a year, a month and a day"
    except ValueError as error:  # a bad directive, a stray %, a NUL
        readable, reason = False, str(error)
    if not readable:
        raise UsageError(
            f"--date-format {fmt!r} must be a strptime format of a date such as %d/%m/%Y "
            f"or %m/%d/%Y %H:%M ({reason})"
        )
    return fmt


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, e.g. "America"
        raise UsageError(f"--tz {name!r} is not a known time zone (e.g. Europe/Paris)") from None


def _currency(option: str, code: str | None) -> str | None:
    """The currency code an option names, any case; refused as Money refuses it."""
    if code is None:
        return None
    try:
        return Money(0, code.strip().upper()).currency
    except ValidationError:
        raise UsageError(f"{option} {code!r} must be a currency code such as USD") from None


def _conversion(rates: str | None, currency: str | None) -> Conversion | None:
    if rates is None and currency is None:
        return None
    if rates is None:
        raise UsageError("--convert-to needs --rates: no exchange rate is ever assumed")
    if currency is None:
        raise UsageError("--rates needs --convert-to: the currency to report in")
    return Conversion(currency, read_rates(rates, "utf-8-sig"))


def _encoding(name: str) -> str:
    """The codec to read with; UTF-8 drops a byte-order mark, as Excel writes one."""
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL or a lone surrogate in the name
        codec = None
    if codec is None or not _reads_text(codec):
        raise UsageError(
            f"--encoding {name!r} must be a text encoding such as utf-8, cp1252, latin-1 or utf-16"
        )
    return "utf-8-sig" if codec.name == "utf-8" else codec.name


def _reads_text(codec: codecs.CodecInfo) -> bool:
    """Whether *codec* reads bytes as text, as a CSV file needs: Python also has
    codecs from bytes to bytes (base64, hex, zlib), from text to text (rot13), and
    one that refuses everything (undefined)."""
    # The flag open() itself checks, to refuse base64 and the like.
    if not getattr(codec, "_is_text_encoding", True):
        return False
    try:
        return codecs.decode(codecs.encode(_HEADER, codec.name), codec.name) == _HEADER
    except UnicodeError:
        return False


#: Text every encoding a CSV file is in can hold.
_HEADER: Final = "id,name\r\n"


def _delimiter(text: str) -> str:
    mark = {"tab": "\t", "\\t": "\t"}.get(text, text)
    if mark == '"':  # the csv module would take it, and read no cell as written
        raise UsageError(
            "--delimiter '\"' cannot be the quote character, which encloses cells that hold "
            "the delimiter: pass another character such as ';' or '|', or 'tab'"
        )
    if len(mark) != 1 or mark in '"\r\n' or mark.isalnum():
        raise UsageError(f"--delimiter {text!r} must be one character such as ';' or '|', or 'tab'")
    return mark


def _grouping(by: str, layout: Layout) -> tuple[str, Key, str | None]:
    """What ``--by`` groups by: a Deal field (also named by the column it is read
    from), the amount's currency, or another column of the file, read into
    ``attributes`` (``manager`` or ``attributes.manager``). Returns the field (or
    ``attributes.<column>``), the key of a deal, and the column to read, if any."""
    read_from = {column: field for field, column in layout.columns.items()}
    read_from[layout.stage] = "stage"
    field = by if by in GROUPABLE else read_from.get(by, by)
    column = by.removeprefix("attributes.")
    if field == "name" and by != "name" and layout.fallback_name:
        # the column as written: where it is blank, a deal's name is another column's
        return f"attributes.{column}", _attribute(column), column
    if field == "currency":
        return field, _currency_of, None
    if field in GROUPABLE:
        return field, attrgetter(field), None
    read_as = (layout.closed_at, layout.currency, layout.loss_reason)
    known = ", ".join((*GROUPABLE, "currency"))
    if column in read_from and column not in _DEAL_FIELDS:
        raise UsageError(
            f"--by {by!r}: that column is read as the deal's {read_from[column]}, which names "
            f"no group (a Deal field that does: {known}; periods of dates: --period)"
        )
    if by in _DEAL_FIELDS or column in read_from or column in read_as:
        raise UsageError(
            f"--by {by!r} must be a Deal field that names a group ({known}), or another "
            "column of the file (periods of dates: --period)"
        )
    try:
        Attributes({column: None})
    except ValidationError:
        raise UsageError(f"--by {by!r} names no column") from None
    return f"attributes.{column}", _attribute(column), column


def _attribute(column: str) -> Key:
    """The key of a deal: its attribute *column* (None when blank)."""

    def attribute(deal: Any) -> Any:
        return deal.attributes.get(column)

    return attribute


def _currency_of(deal: Any) -> str | None:
    return None if deal.amount is None else deal.amount.currency


# --- skipped rows -------------------------------------------------------------------------


def _skipped(problems: Sequence[Problem]) -> dict[str, Any]:
    """The refused rows, summed up by reason: how many, their lines, an example."""
    by_reason: dict[str, list[Problem]] = {}
    for problem in problems:
        by_reason.setdefault(problem.reason, []).append(problem)
    reasons: list[dict[str, Any]] = [
        {
            "field": found[0].field,
            "problem": found[0].problem,
            "rows": len({p.line for p in found}),
            "lines": sorted({p.line for p in found}),
            "example": found[0].got,
        }
        for found in by_reason.values()
    ]
    reasons.sort(key=lambda r: (-r["rows"], r["lines"][0]))
    return {"rows": len({p.line for p in problems}), "reasons": reasons}


# --- text -------------------------------------------------------------------------------


def _text(report: Mapping[str, Any], layout: Layout, conversion: Conversion | None) -> str:
    overall = report["overall"]
    show_money = partial(_show_money, converted=conversion is not None)
    parts = [
        "\n".join(_head(report, layout, conversion)),
        table(
            ["measure", "value"],
            [
                ["win rate (won / closed)", _show_ratio(overall["win_rate"])],
                [
                    "average ticket (won)",
                    show_money(overall["average_ticket"], overall["won_value_unknown"]),
                ],
                ["bookings (won)", show_money(overall["bookings"], overall["won_value_unknown"])],
                ["cycle, mean days (won)", overall["cycle_days"]["mean"]],
                ["cycle, median days", overall["cycle_days"]["median"]],
                ["cycle, 90th percentile days", overall["cycle_days"]["p90"]],
            ],
            title="Overall",
        ),
        table(
            [report["by"], "deals", "won", "win rate", "avg ticket", "median d"],
            [
                [
                    label,
                    f["deals"],
                    f["won"],
                    _show_ratio(f["win_rate"]),
                    show_money(f["average_ticket"], f["won_value_unknown"]),
                    f["cycle_days"]["median"],
                ]
                for label, f in report["groups"].items()
            ],
            title=f"By {report['by']}",
        ),
    ]
    if report["periods"]:
        parts.append(
            table(
                ["period", "win rate", "bookings"],
                [
                    [
                        key,
                        _show_ratio(p["win_rate"]),
                        show_money(p["bookings"], p["won_value_unknown"]),
                    ]
                    for key, p in report["periods"].items()
                ],
                title=f"By close {report['period']}",
            )
        )
    if report["open_pipeline"]:
        parts.append(
            table(
                ["stage", "open deals", "value"],
                [
                    [stage, v["deals"], show_money(v["value"], v["value_unknown"])]
                    for stage, v in report["open_pipeline"].items()
                ],
                title="Open pipeline by stage",
            )
        )
    if report["loss_reasons"]:  # None without a reason column
        reasons = report["loss_reasons"]
        names = labels([r["reason"] for r in reasons], blank=NO_REASON)
        parts.append(
            table(
                ["reason", "lost", "share", "value"],
                [
                    [
                        names[r["reason"]],
                        r["lost"],
                        _show_ratio(r["share"]),
                        show_money(r["value"], r["value_unknown"]),
                    ]
                    for r in reasons
                ],
                title="Why we lose",
            )
        )
    if report["skipped"]["rows"]:
        parts.append(_show_skipped(report["skipped"]))
    return "\n\n".join(parts)


def _head(report: Mapping[str, Any], layout: Layout, conversion: Conversion | None) -> list[str]:
    skipped = report["skipped"]["rows"]
    lines = [
        printable(
            f"{report['file']} ({report['layout']} layout): {_count(report['rows'], 'row')}, "
            f"{_count(report['deals'], 'deal')} ({report['open']:,} open, {report['won']:,} won, "
            f"{report['lost']:,} lost), {_count(skipped, 'row')} skipped"
        )
    ]
    if report["undated"]:
        stages = ", ".join(sorted(layout.undated))
        lines.append(
            f"{report['undated']:,} open deals have no date ({stages}): counted in the deals, "
            "their groups and the open pipeline, never in a dated figure."
        )
    lines.append(printable(f"Dates read in {report['tz']}."))
    lines.extend(_currency_lines(report, conversion))
    unknown = report["value_unknown"]
    if sum(unknown.values()):
        counts = ", ".join(f"{unknown[s]:,} {s}" for s in ("open", "won", "lost") if unknown[s])
        lines.append(
            f"Deals of unknown value (no amount): {sum(unknown.values()):,} ({counts}); "
            "left out of every sum and average, never counted as zero."
        )
    return lines


def _currency_lines(report: Mapping[str, Any], conversion: Conversion | None) -> list[str]:
    currencies = report["currencies"]
    if conversion is not None:
        target = conversion.currency
        applied = "; ".join(
            f"1 {code} = {conversion.rates.rate(code, target)} {target}"
            for code in currencies
            if code != target
        )
        return [
            printable(f"Amounts converted to {target} with the rates in {report['rates']}")
            + (f": {applied}." if applied else ".")
        ]
    if len(currencies) > 1:
        return [
            f"Amounts in {', '.join(currencies)}: each figure of money is given per currency "
            "(to convert, pass --rates RATES.csv and --convert-to CURRENCY)."
        ]
    return [f"Amounts in {currencies[0]}."] if currencies else []


def _show_skipped(skipped: Mapping[str, Any]) -> str:
    lines = [f"Skipped rows ({skipped['rows']:,}), by reason:"]
    for reason in skipped["reasons"]:
        shown = ", ".join(map(str, reason["lines"][:SHOWN_LINES]))
        more = ", ..." if len(reason["lines"]) > SHOWN_LINES else ""
        lines.append(
            printable(
                f"  {reason['field']} {reason['problem']}: {_count(reason['rows'], 'row')} "
                f"({'line' if reason['rows'] == 1 else 'lines'} {shown}{more}; first got "
                f"{reason['example']})"
            )
        )
    return "\n".join(lines)


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def _show_ratio(ratio: Mapping[str, Any]) -> str:
    if ratio["value"] is None:
        return DASH
    return f"{ratio['value'] * 100:.1f}% ({ratio['numerator']:,}/{ratio['denominator']:,})"


#: Wide enough for any amount salesmodel holds (10**±30) and its every digit.
_DISPLAY: Final = Context(prec=100)


def _show_money(money: Mapping[str, str], unknown: int, *, converted: bool) -> str:
    """Amounts by currency, and how many deals of unknown value they leave out.

    Each amount has its currency's decimal places (``456 JPY``, ``2.006 KWD``) and
    any further digit it holds, as the JSON does: a sum is never rounded, and an
    average comes rounded to the minor unit already (as ``kpi.Average.value``
    rounds it). *converted* amounts, whose further digits come from a rate, are
    rounded to the currency's places (half to even)."""
    shown = "; ".join(
        _show_amount(Money(amount, code), converted) for code, amount in sorted(money.items())
    )
    if not unknown:
        return shown or DASH
    if not shown:
        return "value unknown"
    return f"{shown} ({unknown:,} unknown)"


def _show_amount(money: Money, rounded: bool) -> str:
    if rounded:
        money = money.round()
    exponent = money.amount.normalize(_DISPLAY).as_tuple().exponent
    assert isinstance(exponent, int)  # Money is finite
    places = max(money.places, -exponent)
    return f"{money.amount:,.{places}f} {money.currency}"
