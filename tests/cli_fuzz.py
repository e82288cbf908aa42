"""A fuzzer for ``python -m salesmodel report``: generated CSV exports, each with what
an independent oracle knows about it, and a check that the report tells the truth.

Each case is a CSV file written from rows whose meaning the generator knows (a won
deal of 1,200.50 EUR closed on 2026-03-04 by "ana"), some spoiled on purpose (an
unknown stage, an amount of "1,200", a repeated id, a row cut short) and some made
of hostile text whose fate depends on the library's text rules (control characters,
ANSI escapes, line breaks, 5,000-character names): those may load or be refused,
but the report must say which. Whole files are spoiled too (another encoding or
delimiter, a column named twice, broken quoting, a cell over the CSV field limit),
with or without the option that reads them.

The check runs the report in this process, as JSON, as text and sometimes with
``--strict``, and finds a problem when:

- anything but ``SystemExit`` escapes, or the exit status is not the expected one
  (1 after the report when no row could be read);
- a failure is not exactly one printable line on stderr;
- a printed line holds a character a terminal would act on;
- a row is lost: rows ≠ deals + skipped rows, a good row is skipped, a spoiled row
  is loaded or refused for another field;
- a figure differs from the oracle's, computed from the rows the report says it
  loaded: counts by status, win rate, bookings and average ticket per currency
  (or converted), deals of unknown value, groups and their keys, the open pipeline
  by stage, bookings by close period in the named zone, the lost deals and their
  value by loss reason;
- the text report shows a different number of group rows than there are groups.

Used by tests/test_cli_fuzz.py (a few hundred files in CI) and scripts/fuzz_cli.py
(long runs).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import random
import re
import sys
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from salesmodel._cli import main
from salesmodel._cli.tables import printable
from salesmodel.money import minor_unit

#: ISO 4217 minor units of the codes drawn here that do not use cents, by hand.
MINOR_UNIT = {"JPY": Decimal(1), "KRW": Decimal(1), "BHD": Decimal("0.001")}
CENT = Decimal("0.01")

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe",
         "America/Sao_Paulo")  # fmt: skip
CURRENCIES = ("EUR", "USD", "JPY", "GBP")
OPEN_STAGES = {
    "prospecting": ("prospecting", "Prospecting", "PROSPECTING"),
    "qualification": ("qualification", "Qualification"),
    "research": ("research", "RESEARCH"),
    "demonstration": ("demonstration",),
    "objection_handling": ("objection_handling", "Handling objections"),
    "closing": ("closing", " Closing "),
}
HOSTILE_TEXT = (
    "\x1b[31mred\x1b[0m", "line\nbreak", "cr\rreturn", "tab\there", "nul\x00byte",
    "\u202eevil", "zero\u200bwidth", "csi\x9b2J", " padded ", "x" * 5000, "Zoë 北京",
    "None", "(blank)", "\\x1b", "a,b", 'quo"te', "'", "=cmd|' /C calc'!A0",
)  # fmt: skip
GOOD_TEXT = ("ana", "bo", "Carla Souza", "D'Arcy", "Émile", "rep-7", "None", "(blank)")
REASONS = ("price", "timing", "went dark", "no_budget")
PERIODS = ("week", "month", "quarter", "year")


@dataclass
class Row:
    """One data row and what the oracle knows of it."""

    cells: dict[str, str]
    sure: str = "good"  # "good", "bad" (refused for `field`) or "either"
    field: str | None = None
    status: str = "open"
    stage: str = "prospecting"
    amount: Decimal | None = None
    currency: str | None = None
    closed: str | None = None  # the close date cell of a closed deal
    undated: bool = False
    line: int = 0
    extra: list[str] = dataclasses.field(default_factory=list)  # cells beyond the header
    short: bool = False


@dataclass
class Case:
    """A file, the options to read it with, and what to expect."""

    seed: int
    content: bytes
    args: list[str]
    rows: list[Row]
    by: str
    columns: list[str]
    expect_error: str | None = None  # why the report must fail (exit 2)
    rates: dict[str, Decimal] | None = None  # currency -> rate into `target`
    target: str | None = None
    rates_text: str | None = None
    zone: str = "UTC"
    period: str | None = None
    preset: str | None = None
    strict: bool = False


# --- generating ------------------------------------------------------------------------------


def generate(seed: int) -> Case:
    """The case of *seed* (the same seed, the same case)."""
    rng = random.Random(seed)
    preset = "maven" if rng.random() < 0.2 else None
    rows = _maven_rows(rng) if preset else _generic_rows(rng)
    columns = (
        ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
         "close_date", "close_value"]
        if preset
        else ["id", "name", "amount", "currency", "stage", "created_at", "closed_at",
              "owner_id", "loss_reason", "manager"]
    )  # fmt: skip
    if rng.random() < 0.3:
        columns.append("notes")
        for row in rows:
            row.cells["notes"] = rng.choice(("", "call back", *HOSTILE_TEXT))
    rng.shuffle(columns)
    zone = rng.choice(ZONES)
    period = rng.choice((None, *PERIODS))
    by = _pick_by(rng, preset)
    args = ["--json", "--tz", zone, "--by", by]
    if preset:
        args += ["--preset", preset]
    if period:
        args += ["--period", period]
    case = Case(seed, b"", args, rows, by, columns, zone=zone, period=period, preset=preset)
    if not preset and rng.random() < 0.3:
        code = rng.choice(CURRENCIES)
        case.args += ["--currency", rng.choice((code, code.lower()))]
        for row in rows:
            if row.cells["currency"] == "" and row.amount is not None:
                row.currency = code
                if row.sure == "bad" and row.field == "amount.currency":
                    row.sure, row.field = "good", None
    if rng.random() < 0.15:
        _add_rates(rng, case)
    case.strict = rng.random() < 0.2
    _write(rng, case)
    if rng.random() < 0.05:
        bad_option = rng.choice((("--tz", "America"), ("--tz", "Mars/Base"),
                                 ("--currency", "dollars"), ("--delimiter", ";;"),
                                 ("--encoding", "klingon"), ("--by", "created_at")))  # fmt: skip
        case.args += list(bad_option)
        case.expect_error = f"bad option {bad_option}"
    return case


def _pick_by(rng: random.Random, preset: str | None) -> str:
    if preset:
        return rng.choice(("owner_id", "sales_agent", "stage", "status", "product", "name"))
    return rng.choice(("owner_id", "stage", "status", "currency", "manager",
                       "attributes.manager", "name", "loss_reason"))  # fmt: skip


def _day(rng: random.Random) -> date:
    return date(2000, 1, 1) + timedelta(days=rng.randrange(30 * 365))


def _date_cell(rng: random.Random, day: date) -> str:
    """*day* as a cell: a date, a naive time at noon, or a time with an offset."""
    kind = rng.random()
    if kind < 0.6:
        return day.isoformat()
    if kind < 0.8:
        return f"{day.isoformat()} 12:00:00"
    hours = rng.choice((-11, -5, 0, 1, 5, 9))
    return f"{day.isoformat()}T12:00:00{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"


def _amount_cell(rng: random.Random, places: int = 2) -> tuple[str, Decimal | None]:
    """An amount as an export writes one in a currency of *places* decimals (no
    finer: the report refuses a finer one as a point between thousands)."""
    pick = rng.random()
    if pick < 0.2:
        return rng.choice(("", " ")), None
    if pick < 0.25:
        return "1e26", Decimal("1e26")
    if pick < 0.3:
        return "0", Decimal(0)
    cents = rng.randrange(1, 10**9)
    text = f"{Decimal(cents).scaleb(-places)}" if places and rng.random() < 0.5 else str(cents)
    return text, Decimal(text)


def _generic_rows(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for n in range(rng.randrange(0, 30)):
        status = rng.choice(("open", "won", "won", "lost"))
        stage = rng.choice(list(OPEN_STAGES)) if status == "open" else status
        stage_cell = rng.choice(OPEN_STAGES[stage]) if status == "open" else rng.choice(
            (stage, stage.title(), stage.upper())
        )  # fmt: skip
        created = _day(rng)
        closed = created + timedelta(days=rng.randrange(3, 400))
        currency = rng.choice(CURRENCIES)
        amount_text, amount = _amount_cell(rng, minor_unit(currency))
        cells = {
            "id": f"D{n}",
            "name": rng.choice(GOOD_TEXT),
            "amount": amount_text,
            "currency": rng.choice((currency, currency.lower())),
            "stage": stage_cell,
            "created_at": _date_cell(rng, created),
            "closed_at": _date_cell(rng, closed) if status != "open" or rng.random() < 0.5 else "",
            "owner_id": rng.choice(("", *GOOD_TEXT)),
            "loss_reason": rng.choice(REASONS) if status == "lost" else "",
            "manager": rng.choice(("", "Dustin", "Cara")),
        }
        row = Row(cells, status=status, stage=stage, amount=amount,
                  currency=currency if amount is not None else None,
                  closed=cells["closed_at"] if status != "open" else None)  # fmt: skip
        _spoil(rng, row, rows)
        rows.append(row)
    return rows


def _spoil(rng: random.Random, row: Row, before: list[Row]) -> None:
    """Make *row* bad (with the field it is refused for) or hostile, sometimes."""
    pick = rng.random()
    if pick < 0.6:
        return
    # A row refused for its cells is refused before its id is read (its cells may be
    # shifted), so only the ids of the other rows are taken.
    ids = [r.cells["id"] for r in before if r.field != "cells" and r.cells["id"].strip()]
    if pick < 0.8:
        column = rng.choice(("name", "owner_id", "manager", "id"))
        row.cells[column] = rng.choice(HOSTILE_TEXT)
        row.sure = "either"
        return
    spoilers = [
        ("stage", lambda: row.cells.update(stage=rng.choice(("nowhere", "", "wonn")))),
        (
            "amount",
            lambda: row.cells.update(
                amount=rng.choice(("1,200", "abc", "12.5.1", "NaN", "inf", "-5", "1e31", "1_000"))
            ),
        ),
        ("amount.currency", lambda: row.cells.update(currency=rng.choice(("EURO", "€", "12")))),
        (
            "created_at",
            lambda: row.cells.update(
                created_at=rng.choice(
                    ("yesterday", "2026-02-30", "2026-13-01", "0001-01-01T00:00:00+00:00")
                )
            ),
        ),
        ("id", lambda: row.cells.update(id=rng.choice(ids))),
        ("name", lambda: row.cells.update(name=" ")),
        ("cells", lambda: setattr(row, "short", True)),
        ("cells", lambda: setattr(row, "extra", ["surplus"])),
    ]
    # An empty cell beyond the header's is a row shifted by an unquoted comma unless
    # every row ends with one (a trailing delimiter): never spoil every row so.
    if any(r.extra != [""] for r in before):
        spoilers.append(("cells", lambda: setattr(row, "extra", [""])))
    if row.status == "lost":
        spoilers.append(("loss_reason", lambda: row.cells.update(loss_reason="")))
    if row.status != "open":
        spoilers.append(("closed_at", lambda: row.cells.update(closed_at="")))
    if row.amount is None:
        spoilers = [s for s in spoilers if s[0] != "amount.currency"]
    if not ids:
        spoilers = [s for s in spoilers if s[0] != "id"]
    row.field, spoil = rng.choice(spoilers)
    spoil()
    row.sure = "bad"
    if row.field == "amount.currency" or (row.field == "amount" and row.amount is None):
        row.currency = None


def _maven_rows(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for n in range(rng.randrange(0, 30)):
        stage = rng.choice(("Prospecting", "Engaging", "Won", "Won", "Lost"))
        status = {"Won": "won", "Lost": "lost"}.get(stage, "open")
        created = _day(rng)
        closed = created + timedelta(days=rng.randrange(3, 400))
        amount_text, amount = ("", None) if status == "open" else _amount_cell(rng)
        if status == "lost" and amount is not None:
            amount_text, amount = "0", Decimal(0)
        cells = {
            "opportunity_id": f"M{n}",
            "sales_agent": rng.choice(("", *GOOD_TEXT)),
            "product": rng.choice(("GTX Pro", "MG Special", "")),
            "account": rng.choice(("", "Acme", "Betatech")),
            "deal_stage": rng.choice((stage, stage.lower(), stage.upper())),
            "engage_date": "" if stage == "Prospecting" else _date_cell(rng, created),
            "close_date": _date_cell(rng, closed) if status != "open" else "",
            "close_value": amount_text,
        }
        row = Row(cells, status=status, stage=stage, amount=amount,
                  currency="USD" if amount is not None else None,
                  closed=cells["close_date"] or None, undated=stage == "Prospecting")  # fmt: skip
        pick = rng.random()
        if pick < 0.1 and stage == "Engaging":
            row.cells["engage_date"] = ""
            row.sure, row.field = "bad", "created_at"
        elif pick < 0.2:
            row.cells["sales_agent"] = rng.choice(HOSTILE_TEXT)
            row.sure = "either"
        elif pick < 0.25:
            row.cells["deal_stage"] = "Negotiating"
            row.sure, row.field = "bad", "stage"
        rows.append(row)
    return rows


def _add_rates(rng: random.Random, case: Case) -> None:
    target = rng.choice(CURRENCIES)
    known = {r.currency for r in case.rows if r.currency} | {"USD"}
    rates = {c: Decimal(rng.randrange(1, 5000)) / 1000 for c in known if c != target}
    case.rates, case.target = rates, target
    lines = ["base,quote,rate"] + [f"{c},{target},{r}" for c, r in rates.items()]
    case.rates_text = "\n".join(lines) + "\n"
    case.args += ["--convert-to", target.lower() if rng.random() < 0.3 else target]


def _write(rng: random.Random, case: Case) -> None:
    """The file's bytes, each row's line, and maybe a spoiled whole file."""
    delimiter, encoding = ",", "utf-8"
    spoil = rng.random()
    if spoil < 0.1:
        delimiter = rng.choice((";", "\t", "|"))
        if rng.random() < 0.7:
            case.args += ["--delimiter", "tab" if delimiter == "\t" else delimiter]
        else:
            case.expect_error = "another delimiter, not named"
    elif spoil < 0.2:
        encoding = rng.choice(("cp1252", "utf-16", "utf-8-sig", "latin-1"))
        if rng.random() < 0.7:
            case.args += ["--encoding", encoding]
        elif encoding != "utf-8-sig":
            case.expect_error = "another encoding, not named"  # unless it is plain ASCII
    header = list(case.columns)
    if 0.2 <= spoil < 0.25:
        header.append(rng.choice(header))
        case.expect_error = "a column named twice"
    text = io.StringIO()
    # A line break in a cell is quoted only when it is part of the writer's line
    # terminator: "\n" rows quote every cell, so a lone "\r" cannot break a row.
    if rng.random() < 0.5:
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    else:
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    if rng.random() < 0.1:
        text.write("\n")  # a blank line is no row
    # A tool that ends every data row with a delimiter: read as if it did not. A row
    # cut short or too long would then be ambiguous, and one row is no pattern.
    trailing = [""] if rng.random() < 0.1 else []
    if len(case.rows) < 2 or any(r.short or r.extra for r in case.rows):
        trailing = []
    for row in case.rows:
        row.line = _lines(text.getvalue()) + 1
        cells = [row.cells.get(c, "") for c in case.columns]
        if len(header) > len(case.columns):
            cells.append("dup")
        if row.short:
            cells = cells[:-1]
        writer.writerow(cells + row.extra + trailing)
    content = text.getvalue()
    if 0.25 <= spoil < 0.28 and case.rows:
        content += '1,"never closed\n'
        case.expect_error = "a quote opened and never closed"
    elif 0.28 <= spoil < 0.3:
        content += "x" * 140_000 + "\n" if delimiter == "," else ""
        case.expect_error = "a cell over the CSV field limit" if delimiter == "," else None
    try:
        case.content = content.encode(encoding)
    except UnicodeEncodeError:  # text cp1252 cannot hold: write UTF-8 and say so
        case.content = content.encode("utf-8")
        encoding = "utf-8"
        if "--encoding" in case.args:
            i = case.args.index("--encoding")
            case.args[i + 1] = "utf-8"
    if case.expect_error == "another encoding, not named":
        try:
            case.content.decode("utf-8")
            case.expect_error = None
        except UnicodeDecodeError:
            pass


def _lines(text: str) -> int:
    """Lines in *text* as CSV counts them (\\r\\n, \\r and \\n each end one)."""
    return len(re.findall(r"\r\n|\r|\n", text))


# --- running ----------------------------------------------------------------------------------


def run_report(args: list[str]) -> tuple[int, str, str]:
    """``python -m salesmodel report *args`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["report", *args])
    except SystemExit as exit_:  # argparse
        code = int(exit_.code or 0)
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def check(case: Case, folder: Path) -> list[str]:
    """Every problem the report on *case* shows (empty: it told the truth)."""
    path = folder / f"case{case.seed}.csv"
    path.write_bytes(case.content)
    args = [str(path), *case.args]
    if case.rates_text is not None:
        rates = folder / f"rates{case.seed}.csv"
        rates.write_text(case.rates_text, encoding="utf-8")
        args += ["--rates", str(rates)]
    try:
        code, out, err = run_report(args)
    except Exception:
        return [f"raised: {traceback.format_exc()}"]
    problems = _printable("json", out, err)
    if case.expect_error is not None:
        if code != 2 or out or err.count("\n") != 1 or not err.startswith("error: "):
            problems.append(f"expected one error line and exit 2 ({case.expect_error}); got "
                            f"{code}: {err[:300]!r}")  # fmt: skip
        return problems
    if code not in (0, 1):
        return [*problems, f"exit {code}: {err[:500]!r}"]
    try:
        report = json.loads(out)
    except ValueError as error:
        return [*problems, f"not JSON: {error}"]
    problems += _status(code, err, report)
    with localcontext(prec=100):  # exact for amounts up to 10**30, as salesmodel's
        problems += _figures(case, report)
    problems += _text(case, args, report)
    if case.strict:
        code, out, err = run_report([*args, "--strict"])
        problems += _printable("strict", out, err)
        expected = 1 if report["skipped"]["rows"] else 0
        if code != expected or (code and err.count("\n") != 1):
            problems.append(f"--strict: exit {code}, expected {expected}: {err[:300]!r}")
    return problems


def _status(code: int, err: str, report: dict[str, Any]) -> list[str]:
    """The exit status and stderr of a report: 1 and one error line when rows were
    written and none could be read, else 0 and nothing."""
    nothing = bool(report["rows"]) and not report["deals"]
    if nothing and (code != 1 or err.count("\n") != 1 or "no row could be read" not in err):
        return [f"no row read: exit {code}, expected 1 and one error line: {err[:300]!r}"]
    if not nothing and (code, err) != (0, ""):
        return [f"exit {code}: {err[:500]!r}"]
    return []


def _printable(what: str, out: str, err: str) -> list[str]:
    bad = [line for line in (out + err).splitlines() if not line.isprintable()]
    return [f"{what}: a line a terminal would act on: {bad[0][:200]!r}"] if bad else []


def _text(case: Case, args: list[str], report: dict[str, Any]) -> list[str]:
    code, out, err = run_report([a for a in args if a != "--json"])
    problems = _printable("text", out, err)
    status = _status(code, err, report)
    if status:
        return [*problems, *(f"text report: {s}" for s in status)]
    head = out.splitlines()[0]
    if f"{report['rows']:,} row" not in head or f"{report['deals']:,} deal" not in head:
        problems.append(f"text head disagrees with JSON: {head[:300]!r}")
    table = out.split(f"\nBy {printable(report['by'])}\n", 1)[1].split("\n\n")[0].splitlines()
    if len(table) - 3 != len(report["groups"]):
        problems.append(f"text shows {len(table) - 3} group rows for {len(report['groups'])}")
    return problems


# --- the oracle -------------------------------------------------------------------------------


def _figures(case: Case, report: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    skipped_lines: dict[int, set[str]] = defaultdict(set)
    for reason in report["skipped"]["reasons"]:
        for line in reason["lines"]:
            skipped_lines[line].add(reason["field"])
    if report["rows"] != len(case.rows):
        problems.append(f"rows {report['rows']} != {len(case.rows)} written")
    if report["deals"] + report["skipped"]["rows"] != report["rows"]:
        problems.append("deals + skipped rows != rows")
    loaded = []
    for row in case.rows:
        fields = skipped_lines.get(row.line)
        if row.sure == "good" and fields:
            problems.append(f"line {row.line}: a good row skipped for {sorted(fields)}")
        elif row.sure == "bad" and not fields:
            problems.append(f"line {row.line}: a row spoiled in {row.field} was loaded")
        elif row.sure == "bad" and row.field not in fields:
            problems.append(f"line {row.line}: spoiled in {row.field}, refused for {fields}")
        if not fields:
            loaded.append(row)
    if problems:
        return problems
    statuses = Counter(r.status for r in loaded)
    expected: dict[str, Any] = {
        "deals": len(loaded),
        "open": statuses["open"],
        "won": statuses["won"],
        "lost": statuses["lost"],
        "undated": sum(r.undated for r in loaded),
        "value_unknown": {s: sum(1 for r in loaded if r.status == s and r.amount is None)
                          for s in ("open", "won", "lost")},
        "currencies": sorted({r.currency for r in loaded if r.amount is not None and r.currency}),
    }  # fmt: skip
    for key, value in expected.items():
        if report[key] != value:
            problems.append(f"{key}: {report[key]!r}, expected {value!r}")
    problems += _same("overall", report["overall"], _group_figures(case, loaded))
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in loaded:
        groups[_key(case, row)].append(row)
    keys = {g["key"] for g in report["groups"].values()}
    if keys != set(groups) or len(keys) != len(report["groups"]):
        problems.append(f"group keys {sorted(map(str, keys))[:10]} != "
                        f"{sorted(map(str, groups))[:10]}")  # fmt: skip
    else:
        for label, figures in report["groups"].items():
            problems += _same(f"group {label}", figures,
                              _group_figures(case, groups[figures["key"]]))  # fmt: skip
    problems += _open_pipeline(case, loaded, report["open_pipeline"])
    problems += _loss_reasons(case, loaded, report["loss_reasons"])
    if case.period is not None:
        problems += _periods(case, loaded, report["periods"])
    return problems


def _key(case: Case, row: Row) -> str | None:
    """The group of *row* for the case's ``--by``."""
    by = case.by
    if by == "status":
        return row.status
    if by == "stage":
        return row.stage
    if by == "currency":
        return row.currency if row.amount is not None else None
    column = {"owner_id": "sales_agent" if case.preset else "owner_id",
              "attributes.manager": "manager",
              "name": "account" if case.preset else "name"}.get(by, by)  # fmt: skip
    value = row.cells.get(column, "")
    if case.preset and by == "name" and not value.strip():
        value = row.cells["opportunity_id"]
    if by == "name":  # a name is one line: its line breaks (and spaces by them) a space
        value = re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", value)
    if column == ("sales_agent" if case.preset else "owner_id"):  # the owner's id, unpadded
        value = value.strip()
    if by == "loss_reason" and row.status != "lost":
        return None
    return value if value.strip() else None


def _group_figures(case: Case, rows: list[Row]) -> dict[str, Any]:
    won = [r for r in rows if r.status == "won"]
    closed = [r for r in rows if r.status != "open"]
    known = [r for r in won if r.amount is not None]
    totals = _totals(case, known)
    counts = Counter(_currency(case, r) for r in known)
    return {
        "deals": len(rows),
        "won": len(won),
        "lost": len(closed) - len(won),
        "win_rate": (len(won), len(closed)),
        "bookings": totals,
        "average_ticket": {c: (t / counts[c]).quantize(MINOR_UNIT.get(c, CENT), ROUND_HALF_EVEN)
                           for c, t in totals.items()},
        "won_value_unknown": len(won) - len(known),
        "cycle_count": len(won),
    }  # fmt: skip


def _currency(case: Case, row: Row) -> str:
    return case.target if case.target else str(row.currency)


def _totals(case: Case, rows: list[Row]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        assert row.amount is not None
        assert row.currency is not None
        converted = case.rates is not None and row.currency != case.target
        rate = case.rates[row.currency] if case.rates and converted else Decimal(1)
        totals[_currency(case, row)] += row.amount * rate
    return dict(totals)


def _same(what: str, got: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    seen = {
        "deals": got["deals"],
        "won": got["won"],
        "lost": got["lost"],
        "win_rate": (got["win_rate"]["numerator"], got["win_rate"]["denominator"]),
        "bookings": {c: Decimal(a) for c, a in got["bookings"].items()},
        "average_ticket": {c: Decimal(a) for c, a in got["average_ticket"].items()},
        "won_value_unknown": got["won_value_unknown"],
        "cycle_count": got["cycle_days"]["count"],
    }
    return [f"{what} {k}: {seen[k]!r}, expected {v!r}" for k, v in expected.items()
            if seen[k] != v]  # fmt: skip


def _open_pipeline(case: Case, loaded: list[Row], got: dict[str, Any]) -> list[str]:
    by_stage: dict[str, list[Row]] = defaultdict(list)
    for row in loaded:
        if row.status == "open":
            by_stage[row.stage].append(row)
    expected = {
        stage: {
            "deals": len(rows),
            "value": _totals(case, [r for r in rows if r.amount is not None]),
            "value_unknown": sum(1 for r in rows if r.amount is None),
        }
        for stage, rows in by_stage.items()
    }
    seen = {s: {**v, "value": {c: Decimal(a) for c, a in v["value"].items()}}
            for s, v in got.items()}  # fmt: skip
    return [] if seen == expected else [f"open pipeline {seen!r}, expected {expected!r}"]


def _loss_reasons(case: Case, loaded: list[Row], got: list[dict[str, Any]] | None) -> list[str]:
    if "loss_reason" not in case.columns:  # Maven's export has no reason column
        return [] if got is None else [f"loss reasons {got!r} without a reason column"]
    by_reason: dict[str, list[Row]] = defaultdict(list)
    for row in loaded:
        if row.status == "lost":
            by_reason[row.cells["loss_reason"].strip().casefold()].append(row)
    expected = {
        reason: {
            "lost": len(rows),
            "value": _totals(case, [r for r in rows if r.amount is not None]),
            "value_unknown": sum(1 for r in rows if r.amount is None),
        }
        for reason, rows in by_reason.items()
    }
    seen = {r["reason"]: {"lost": r["lost"], "value_unknown": r["value_unknown"],
                          "value": {c: Decimal(a) for c, a in r["value"].items()}}
            for r in got or []}  # fmt: skip
    losses = [r["lost"] for r in got or []]
    if losses != sorted(losses, reverse=True):
        return [f"loss reasons not most lost first: {losses}"]
    return [] if seen == expected else [f"loss reasons {seen!r}, expected {expected!r}"]


def _periods(case: Case, loaded: list[Row], got: dict[str, Any]) -> list[str]:
    zone = UTC if case.zone == "UTC" else ZoneInfo(case.zone)
    closed: dict[str, list[Row]] = defaultdict(list)
    for row in loaded:
        if row.status != "open" and row.closed:
            closed[_period(row.closed, zone, str(case.period))].append(row)
    expected = {
        p: {
            "win_rate": (sum(r.status == "won" for r in rows), len(rows)),
            "bookings": _totals(
                case, [r for r in rows if r.status == "won" and r.amount is not None]
            ),
            "won_value_unknown": sum(r.status == "won" and r.amount is None for r in rows),
        }
        for p, rows in closed.items()
    }  # fmt: skip
    seen = {
        p: {
            "win_rate": (v["win_rate"]["numerator"], v["win_rate"]["denominator"]),
            "bookings": {c: Decimal(a) for c, a in v["bookings"].items()},
            "won_value_unknown": v["won_value_unknown"],
        }
        for p, v in got.items()
    }
    return [] if seen == expected else [f"periods {seen!r}, expected {expected!r}"]


def _period(cell: str, zone: Any, kind: str) -> str:
    """The period label of the date cell *cell*, read as the report reads it."""
    text = cell.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
    else:
        moment = datetime.fromisoformat(text)
        # A wall time is in the zone of the report; a time with an offset is moved there.
        day = moment.date() if moment.tzinfo is None else moment.astimezone(zone).date()
    if kind == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return str(day.year)
