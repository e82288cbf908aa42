"""``python -m salesmodel report FILE.csv``: the KPIs of a real CRM export.

This is the only code in the package that reads a file: the one named on the
command line. Bad rows are reported with their line number and field, then
skipped (or, with ``--strict``, fatal); a missing file or column is a one-line
error and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any, Final, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from salesmodel import DEFAULT_PIPELINE, Deal, Money, Pipeline, Status, ValidationError, kpi
from salesmodel._cli.layouts import LAYOUTS, Layout
from salesmodel._cli.tables import DASH, table
from salesmodel.bulk import from_records
from salesmodel.kpi import Ratio
from salesmodel.kpi._grouping import PeriodKind

USAGE_ERROR: Final = 2
DATA_ERROR: Final = 1
SHOWN_ERRORS: Final = 10
PERIODS: Final = ("week", "month", "quarter", "year")
REQUIRED: Final = ("id", "created_at", "amount")

#: Columns named as Deal fields, for exports with no preset.
GENERIC: Final = Layout(
    name="generic",
    description="columns named as Deal fields (id, name, amount, created_at, stage, ...)",
    columns={f: f for f in ("id", "name", "amount", "created_at", "owner_id", "product", "source")},
    stage="stage",
    closed_at="closed_at",
    currency="currency",
    pipeline=DEFAULT_PIPELINE,
)


class UsageError(Exception):
    """A problem with the command line or the file as a whole (exit 2)."""


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
        "FIELD may also be 'stage' or 'closed_at'",
    )
    parser.add_argument("--currency", help="the currency of plain amounts, e.g. USD")
    parser.add_argument(
        "--date-format", help="strptime format of the dates, e.g. %%m/%%d/%%Y (default ISO 8601)"
    )
    parser.add_argument(
        "--tz",
        default="UTC",
        help="the time zone of naive dates, and of periods (an IANA name; default UTC)",
    )
    parser.add_argument(
        "--by", default="owner_id", help="the Deal field to group by (default owner_id)"
    )
    parser.add_argument("--period", choices=PERIODS, help="also group by close period")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad row")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Read ``args.file`` and print its report."""
    try:
        layout = _layout(args)
        zone = _zone(args.tz)
        records, lines, problems = _read(args.file, layout, args.date_format)
    except UsageError as error:
        print(f"error: {error}", file=err)
        return USAGE_ERROR
    # Every data row: those built, and those refused before building (one problem each).
    rows = len(lines) + len(problems)
    currency = args.currency or ("USD" if layout.name == "maven" else None)
    built = from_records(
        Deal,
        records,
        tz=zone,
        currency=currency,
        defaults={"pipeline_id": layout.pipeline.id},
        strict=False,
    )
    for row_error in built.errors:
        line = lines[row_error.row]
        problems.extend((line, i.path.split(".", 1)[-1], i.message) for i in row_error.error.issues)
    problems.sort()
    if problems and args.strict:
        line, field, message = problems[0]
        print(f"error: {args.file}, line {line}: {field} {message}", file=err)
        return DATA_ERROR
    deals = built.records
    try:
        report = _report(deals, layout.pipeline, by=args.by, period=args.period, zone=zone)
    except ValidationError as error:
        print(f"error: {error}", file=err)
        return USAGE_ERROR
    report["file"] = args.file
    report["layout"] = layout.name
    report["rows"] = rows
    report["skipped"] = [{"line": ln, "field": f, "problem": m} for ln, f, m in problems]
    if args.json:
        json.dump(report, out, indent=2, ensure_ascii=False)
        print(file=out)
    else:
        print(_text(report, args), file=out)
    return 0


# --- reading ---------------------------------------------------------------------


def _layout(args: argparse.Namespace) -> Layout:
    layout = LAYOUTS[args.preset] if args.preset else GENERIC
    columns = dict(layout.columns)
    stage, closed_at, currency = layout.stage, layout.closed_at, layout.currency
    for item in args.column:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise UsageError(f"--column {item!r} must look like FIELD=COLUMN")
        if field == "stage":
            stage = column
        elif field == "closed_at":
            closed_at = column
        elif field == "currency":
            currency = column
        elif field not in attrs.fields_dict(Deal):
            known = ", ".join(attrs.fields_dict(Deal))
            raise UsageError(f"--column {item!r}: Deal has no field {field!r} ({known})")
        else:
            columns[field] = column
    return attrs.evolve(
        layout, columns=columns, stage=stage, closed_at=closed_at, currency=currency
    )


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--tz {name!r} is not a known time zone (e.g. Europe/Paris)") from None


def _read(
    path: str, layout: Layout, date_format: str | None
) -> tuple[list[dict[str, Any]], list[int], list[tuple[int, str, str]]]:
    """The rows as Deal records, the line number of each, and the rows refused
    before building (an unknown stage, a date in the wrong format)."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            _check_columns(path, layout, header)
            return _rows(reader, layout, date_format, header)
        except (UnicodeDecodeError, csv.Error) as error:
            raise UsageError(f"{path} is not a readable CSV file: {error}") from None


def _check_columns(path: str, layout: Layout, header: Sequence[str]) -> None:
    """Refuse a file without a column a deal cannot do without; other mapped
    columns are read when present."""
    needed = [layout.columns[f] for f in REQUIRED if f in layout.columns] + [layout.stage]
    if layout.fallback_name and layout.columns.get("name") not in header:
        needed.append(layout.fallback_name)
    elif not layout.fallback_name and "name" in layout.columns:
        needed.append(layout.columns["name"])
    for column in needed:
        if column not in header:
            shown = ", ".join(header) or "none"
            raise UsageError(
                f"{path} has no column {column!r} (its columns: {shown}); "
                "pick a --preset or map it with --column FIELD=COLUMN"
            )


def _rows(
    reader: csv.DictReader[str], layout: Layout, date_format: str | None, header: Sequence[str]
) -> tuple[list[dict[str, Any]], list[int], list[tuple[int, str, str]]]:
    stages = _stage_lookup(layout.pipeline)
    present = set(header)
    columns = {f: c for f, c in layout.columns.items() if c in present}
    dates = {f for f in ("created_at",) if f in columns}
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    problems: list[tuple[int, str, str]] = []
    for row in reader:
        line = reader.line_num
        record: dict[str, Any] = {f: row.get(c) for f, c in columns.items()}
        raw_stage = (row.get(layout.stage) or "").strip()
        stage = stages.get(raw_stage.casefold())
        if stage is None:
            known = ", ".join(s.id for s in layout.pipeline.stages)
            problems.append((line, "stage", f"must be one of {known} (got {raw_stage!r})"))
            continue
        record["stage"] = stage.id
        record["status"] = stage.status
        closing = (row.get(layout.closed_at) or "").strip() if layout.closed_at else ""
        if stage.status is Status.OPEN:
            record["expected_close"] = closing or None
        else:
            record["closed_at"] = closing or None
        if not (record.get("name") or "").strip() and layout.fallback_name:
            record["name"] = row.get(layout.fallback_name)
        if not (record.get("amount") or "").strip():
            record["amount"] = "0"
        if layout.currency and (row.get(layout.currency) or "").strip():
            # Built with the row, so that a bad amount or currency is a skipped row.
            currency = row[layout.currency].strip()
            record["amount"] = {"amount": record["amount"], "currency": currency}
        try:
            _parse_dates(record, dates, date_format)
        except ValueError:
            problems.append((line, "created_at", f"must be a date like {date_format!r}"))
            continue
        records.append(record)
        lines.append(line)
    return records, lines, problems


def _stage_lookup(pipeline: Pipeline) -> dict[str, Any]:
    lookup = {s.name.casefold(): s for s in pipeline.stages}
    lookup.update({s.id.casefold(): s for s in pipeline.stages})
    return lookup


def _parse_dates(record: dict[str, Any], fields: set[str], date_format: str | None) -> None:
    if date_format is None:
        return
    for field in (*fields, "closed_at", "expected_close"):
        value = record.get(field)
        if isinstance(value, str) and value.strip():
            parsed = datetime.strptime(value.strip(), date_format)
            record[field] = parsed.date() if field == "expected_close" else parsed


# --- figures ---------------------------------------------------------------------


def _report(
    deals: list[Deal], pipeline: Pipeline, *, by: str, period: PeriodKind | None, zone: tzinfo
) -> dict[str, Any]:
    statuses = Counter(d.status for d in deals)
    report: dict[str, Any] = {
        "deals": len(deals),
        "open": statuses[Status.OPEN],
        "won": statuses[Status.WON],
        "lost": statuses[Status.LOST],
        "overall": _figures(deals),
        "by": by,
        "groups": {},
        "period": period,
        "periods": {},
    }
    if deals and by not in attrs.fields_dict(Deal):
        known = ", ".join(attrs.fields_dict(Deal))
        raise ValidationError.single("--by", by, f"a Deal field ({known})")
    groups: dict[Any, list[Deal]] = {}
    for deal in deals:
        groups.setdefault(getattr(deal, by), []).append(deal)
    report["groups"] = {
        str(key): _figures(members)
        for key, members in sorted(groups.items(), key=lambda kv: str(kv[0]))
    }
    if period is not None:
        rates = kpi.win_rate(deals, period=period, tz=zone)
        booked = kpi.bookings(deals, period=period, tz=zone)
        # every period with a booking (a won deal) has a win rate (a closed deal)
        report["periods"] = {
            str(key): {
                "win_rate": _ratio(rates[key]),
                "bookings": _money(booked[key].amount) if key in booked else None,
            }
            for key in sorted(rates.keys())
        }
    open_deals = [d for d in deals if d.status is Status.OPEN]
    by_stage = kpi.pipeline_value(open_deals, by="stage") if open_deals else {}
    report["open_pipeline"] = {
        stage.id: {
            "deals": by_stage[stage.id].count,
            "value": _money(by_stage[stage.id].amount),
        }
        for stage in pipeline.stages
        if stage.id in by_stage
    }
    return report


def _figures(deals: list[Deal]) -> dict[str, Any]:
    won = [d for d in deals if d.status is Status.WON]
    cycle = kpi.sales_cycle(won)
    return {
        "deals": len(deals),
        "won": len(won),
        "win_rate": _ratio(kpi.win_rate(deals)),
        "average_ticket": _money(kpi.average_ticket(won).value),
        "bookings": _money(kpi.bookings(won).amount),
        "cycle_days": {
            "count": cycle.count,
            "mean": _days(cycle.mean),
            "median": _days(cycle.median),
            "p90": _days(cycle.p90),
        },
    }


def _ratio(ratio: Ratio) -> dict[str, Any]:
    value = ratio.value
    return {
        "numerator": ratio.numerator,
        "denominator": ratio.denominator,
        "value": None if value is None else float(value),
    }


def _money(value: Money | None) -> dict[str, str] | None:
    return None if value is None else {"amount": str(value.amount), "currency": value.currency}


def _days(value: Any) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 2)


# --- text ------------------------------------------------------------------------


def _text(report: Mapping[str, Any], args: argparse.Namespace) -> str:
    overall = report["overall"]
    head = [
        f"{report['file']} ({report['layout']} layout): {report['rows']:,} rows, "
        f"{report['deals']:,} deals ({report['open']:,} open, {report['won']:,} won, "
        f"{report['lost']:,} lost), {_count_rows(report['skipped']):,} rows skipped",
        f"Dates read in {args.tz}.",
    ]
    summary = table(
        ["measure", "value"],
        [
            ["win rate (won / closed)", _show_ratio(overall["win_rate"])],
            ["average ticket (won)", _show_money(overall["average_ticket"])],
            ["bookings (won)", _show_money(overall["bookings"])],
            ["cycle, mean days (won)", overall["cycle_days"]["mean"]],
            ["cycle, median days", overall["cycle_days"]["median"]],
            ["cycle, 90th percentile days", overall["cycle_days"]["p90"]],
        ],
        title="Overall",
    )
    groups = table(
        [report["by"], "deals", "won", "win rate", "avg ticket", "median d"],
        [
            [
                key,
                f["deals"],
                f["won"],
                _show_ratio(f["win_rate"]),
                _show_money(f["average_ticket"]),
                f["cycle_days"]["median"],
            ]
            for key, f in report["groups"].items()
        ],
        title=f"By {report['by']}",
    )
    parts = ["\n".join(head), summary, groups]
    if report["periods"]:
        parts.append(
            table(
                ["period", "win rate", "bookings"],
                [
                    [key, _show_ratio(p["win_rate"]), _show_money(p["bookings"])]
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
                    [stage, v["deals"], _show_money(v["value"])]
                    for stage, v in report["open_pipeline"].items()
                ],
                title="Open pipeline by stage",
            )
        )
    if report["skipped"]:
        parts.append(_skipped(report["skipped"]))
    return "\n\n".join(parts)


def _skipped(skipped: Sequence[Mapping[str, Any]]) -> str:
    lines = [f"Skipped rows ({_count_rows(skipped):,}):"]
    for item in skipped[:SHOWN_ERRORS]:
        lines.append(f"  line {item['line']}: {item['field']} {item['problem']}")
    if len(skipped) > SHOWN_ERRORS:
        fields = Counter(item["field"] for item in skipped)
        counts = ", ".join(f"{field}: {n:,}" for field, n in fields.most_common())
        lines.append(f"  ... and {len(skipped) - SHOWN_ERRORS:,} more (by field: {counts})")
    return "\n".join(lines)


def _count_rows(skipped: Sequence[Mapping[str, Any]]) -> int:
    """The rows skipped: a row may have several problems."""
    return len({item["line"] for item in skipped})


def _show_ratio(ratio: Mapping[str, Any] | None) -> str:
    if ratio is None or ratio["value"] is None:
        return DASH
    return f"{ratio['value'] * 100:.1f}% ({ratio['numerator']:,}/{ratio['denominator']:,})"


def _show_money(money: Mapping[str, str] | None) -> str:
    if money is None:
        return DASH
    amount = Decimal(money["amount"]).quantize(Decimal("0.01"))
    return f"{amount:,} {money['currency']}"
