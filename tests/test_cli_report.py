"""``python -m salesmodel report``: KPIs of a real CSV export, and clear errors.

The hostile inputs of issue #13 live in test_cli_hostile.py, the fuzz run in
test_cli_fuzz.py."""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pandas as pd
import pytest

from cli_support import MAVEN, generic, lost, report, write_csv
from salesmodel._cli import main
from salesmodel._cli import report as report_module

# --- the Maven export (real data) -----------------------------------------------------------


def test_the_maven_export_loads_every_row_and_gives_the_figures_of_the_kpi_tests(data_dir):
    code, out, err = report(str(data_dir / MAVEN), "--preset", "maven", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["rows"], result["deals"], result["skipped"]["rows"]) == (8800, 8800, 0)
    assert (result["open"], result["won"], result["lost"]) == (2089, 4238, 2473)
    overall = result["overall"]
    assert (overall["win_rate"]["numerator"], overall["win_rate"]["denominator"]) == (4238, 6711)
    # The average won value checked against pandas in test_kpi_maven.py, to the cent.
    assert overall["average_ticket"] == {"USD": "2360.91"}
    # The 500 Prospecting rows have no date and no value (SOURCE.md); the 1,589
    # Engaging rows a date but no value: open deals of unknown value, never 0.00 USD.
    assert result["undated"] == 500
    assert result["value_unknown"] == {"open": 2089, "won": 0, "lost": 0}
    assert result["open_pipeline"] == {
        "Prospecting": {"deals": 500, "value": {}, "value_unknown": 500},
        "Engaging": {"deals": 1589, "value": {}, "value_unknown": 1589},
    }


def test_the_maven_groups_agree_with_pandas(data_dir):
    path = data_dir / MAVEN
    frame = pd.read_csv(path)
    code, out, err = report(str(path), "--preset", "maven", "--json")
    assert code == 0, err
    groups = json.loads(out)["groups"]
    assert set(groups) == set(frame.sales_agent)
    for agent, rows in frame.groupby("sales_agent"):
        won = rows[rows.deal_stage == "Won"]
        closed = rows[rows.deal_stage.isin(["Won", "Lost"])]
        figures = groups[agent]
        assert figures["key"] == agent
        assert (figures["deals"], figures["won"]) == (len(rows), len(won))
        assert figures["win_rate"]["denominator"] == len(closed)
        assert figures["bookings"] == {"USD": str(int(won.close_value.sum()))}
        assert figures["open"] == rows.deal_stage.isin(["Prospecting", "Engaging"]).sum()


def test_the_maven_text_report_groups_by_agent_and_quarter(data_dir):
    code, out, err = report(str(data_dir / MAVEN), "--preset", "maven", "--period", "quarter")
    assert code == 0, err
    head = out.split("\n\n")[0].splitlines()
    assert head[0].endswith(
        "sales_pipeline.csv (maven layout): 8,800 rows, 8,800 deals (2,089 open, 4,238 won, "
        "2,473 lost), 0 rows skipped"
    )
    assert head[1:] == [
        "500 open deals have no date (Prospecting): counted in the deals, their groups and the "
        "open pipeline, never in a dated figure.",
        "Dates read in UTC.",
        "Amounts in USD.",
        "Deals of unknown value (no amount): 2,089 (2,089 open); left out of every sum and "
        "average, never counted as zero.",
    ]
    assert "63.2% (4,238/6,711)" in out
    assert "\n2017Q2  61.7% (1,254/2,032)  3,086,111.00 USD\n" in out
    assert out.endswith(
        "stage        open deals  value\n"
        "-----------  ----------  -------------\n"
        "Prospecting         500  value unknown\n"
        "Engaging          1,589  value unknown\n"
    )  # counts with thousands separators, as every other figure


def test_the_maven_report_groups_by_the_agent_column_or_its_field(data_dir):
    path = str(data_dir / MAVEN)
    by_column = json.loads(report(path, "--preset", "maven", "--json", "--by", "sales_agent")[1])
    by_field = json.loads(report(path, "--preset", "maven", "--json")[1])
    assert by_column["by_field"] == by_field["by_field"] == "owner_id"
    assert by_column["groups"] == by_field["groups"]


# --- errors: one line, exit 2 ---------------------------------------------------------------


def test_a_missing_file_is_one_exact_line_and_exit_2(tmp_path):
    missing = str(tmp_path / "nope.csv")
    assert report(missing) == (2, "", f"error: cannot read {missing}: No such file or directory\n")


def test_a_file_without_a_needed_column_names_it_and_the_columns_there_are(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,amount,stage,created_at\n1,5,won,2026-01-02\n", encoding="utf-8")
    assert report(str(path))[2] == (
        f"error: {path} has no column 'name' (its columns: id, amount, stage, created_at); "
        "pick a --preset or map it with --column FIELD=COLUMN\n"
    )
    path.write_text("", encoding="utf-8")
    assert report(str(path))[2] == (
        f"error: {path} is empty: a CSV export starts with a header naming its columns\n"
    )


def test_a_column_a_preset_or_a_mapping_names_is_said_to_be_theirs_when_missing(tmp_path):
    # "pick a --preset" is no advice to one who picked one, or mapped the column.
    path = tmp_path / "x.csv"
    path.write_text("id,name,amount,stage,created_at\n1,A,5,won,2026-01-02\n", encoding="utf-8")
    columns = "(its columns: id, name, amount, stage, created_at)"
    assert report(str(path), "--preset", "maven")[2] == (
        f"error: {path} has no column 'opportunity_id' {columns}; the maven preset reads the "
        "id from it: map the id to a column of the file with --column id=COLUMN\n"
    )
    assert report(str(path), "--column", "id=ref")[2] == (
        f"error: {path} has no column 'ref' {columns}; --column id=ref reads the id from it: "
        "name a column of the file\n"
    )
    mapped = ["id=id", "name=name", "amount=amount", "created_at=created_at", "stage=Phase"]
    args = [arg for column in mapped for arg in ("--column", column)]
    assert report(str(path), "--preset", "hubspot", *args)[2] == (
        f"error: {path} has no column 'Phase' {columns}; --column stage=Phase reads the stage "
        "from it: name a column of the file\n"
    )
    path.write_text("Opportunity ID,Created Date,Amount,Stage\n", encoding="utf-8")
    assert report(str(path), "--preset", "salesforce", "--column", "name=title")[2] == (
        f"error: {path} has no column 'Opportunity Name' (its columns: Opportunity ID, Created "
        "Date, Amount, Stage); the salesforce preset names a deal by it when the file has no "
        "column 'title' either: map the name with --column name=COLUMN\n"
    )


@pytest.mark.parametrize(
    ("fmt", "reason"),
    [
        ("%Q", "'Q' is a bad directive in format '%Q'"),
        ("%d/%m/%", "stray % in format '%d/%m/%'"),
        ("%H:%M", "it reads no whole date: a year, a month and a day"),
        ("%m/%d", "it reads no whole date: a year, a month and a day"),
        ("%Y", "it reads no whole date: a year, a month and a day"),
        ("deals", "it reads no whole date: a year, a month and a day"),
    ],
)
def test_a_date_format_that_reads_no_date_is_refused_before_any_row(tmp_path, fmt, reason):
    # Without the check, %Q refused every row, and %H:%M read every date as 1900-01-01.
    path = str(write_csv(tmp_path / "x.csv", [generic(created_at="10:00", closed_at="11:00")]))
    assert report(path, "--date-format", fmt) == (
        2,
        "",
        f"error: --date-format {fmt!r} must be a strptime format of a date such as %d/%m/%Y "
        f"or %m/%d/%Y %H:%M ({reason})\n",
    )


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d.%m.%y %H:%M", "%Y%j", "%c", "%G-W%V-%u"])
def test_a_date_format_that_reads_a_date_is_taken(tmp_path, fmt):
    day = datetime(2026, 1, 2, 9, 30)
    row = generic(created_at=day.strftime(fmt), closed_at=(day + timedelta(days=7)).strftime(fmt))
    code, _, err = report(str(write_csv(tmp_path / "x.csv", [row])), "--date-format", fmt)
    assert (code, err) == (0, ""), err


def test_a_bad_time_zone_is_a_usage_error_and_utc_takes_any_case(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    assert report(path)[1].splitlines()[1] == "Dates read in UTC."
    code, out, _ = report(path, "--tz", "utc")
    assert (code, out.splitlines()[1]) == (0, "Dates read in utc.")
    for zone in ("europe/paris", "Mars/Olympus", "America", "", "../../etc/passwd", "a\0b"):
        code, out, err = report(path, "--tz", zone)
        assert (code, out) == (2, "")
        assert err == f"error: --tz {zone!r} is not a known time zone (e.g. Europe/Paris)\n"


def test_a_column_mapping_splits_at_the_first_equals_sign_and_names_known_fields(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic(**{"owner=x": "Bo"})]))
    code, out, err = report(path, "--column", "owner_id=owner=x", "--json")
    assert code == 0, err
    assert list(json.loads(out)["groups"]) == ["Bo"]
    for bad in ("name=", "=title", "name"):
        assert report(path, "--column", bad) == (
            2,
            "",
            f"error: --column {bad!r} must look like FIELD=COLUMN\n",
        )
    assert report(path, "--column", "history=x")[2] == (
        "error: --column 'history=x': FIELD must be a Deal field read from a column (id, name, "
        "amount, created_at, owner_id, prospect_id, customer_id, product, source), or stage, "
        "closed_at, currency, loss_reason\n"
    )


def test_stage_close_date_currency_and_reason_columns_can_be_mapped(tmp_path):
    rows = [
        {"ref": "1", "title": "A", "value": "10", "phase": "won", "opened": "2026-01-02",
         "done": "2026-01-04", "cur": "GBP", "why": ""},
        {"ref": "2", "title": "B", "value": "20", "phase": "lost", "opened": "2026-01-02",
         "done": "2026-01-03", "cur": "GBP", "why": "price"},
    ]  # fmt: skip
    path = write_csv(tmp_path / "x.csv", rows)
    columns = ["id=ref", "name=title", "amount=value", "created_at=opened"]
    columns += ["stage=phase", "closed_at=done", "currency=cur", "loss_reason=why"]
    args = [arg for column in columns for arg in ("--column", column)]
    code, out, err = report(str(path), *args, "--json", "--by", "loss_reason")
    assert code == 0, err
    result = json.loads(out)
    assert (result["won"], result["lost"]) == (1, 1)
    assert result["overall"]["bookings"] == {"GBP": "10"}
    assert result["overall"]["cycle_days"]["mean"] == 2.0
    assert {k: g["deals"] for k, g in result["groups"].items()} == {"(blank)": 1, "price": 1}


def test_an_unreadable_file_is_one_line_naming_where(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\x00bad")
    assert report(str(bad)) == (
        2,
        "",
        f"error: {bad}, line 1: not UTF-8 text (invalid start byte); name the "
        "file's encoding with --encoding, e.g. cp1252, latin-1 or utf-16-le\n",
    )
    bad.write_bytes(b'id,name,amount,stage,created_at\n1,"unclosed\n')
    assert report(str(bad))[2] == (
        f"error: {bad}, line 2: not valid CSV (unexpected end of data; a quote opened and "
        "never closed?)\n"
    )


def test_the_command_line_entry_point_reports_without_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "salesmodel", "report", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: cannot read")
    assert done.stderr.count("\n") == 1


# --- layouts and presets --------------------------------------------------------------------


def test_a_generic_export_with_columns_named_as_fields(tmp_path):
    path = write_csv(
        tmp_path / "deals.csv",
        [
            generic(),
            lost(id="2", name="B", amount="50", created_at="2026-01-03", closed_at="2026-01-05"),
            generic(id="3", name="C", amount="70", stage="closing", created_at="2026-01-04",
                    closed_at="2026-02-01", owner_id="bo"),
            generic(id="4", name="D", amount="70", stage="shipped", closed_at="", owner_id="bo"),
        ],
    )  # fmt: skip
    code, out, err = report(str(path), "--json", "--tz", "Europe/Paris")
    assert code == 0, err
    result = json.loads(out)
    assert result["overall"]["win_rate"]["value"] == 0.5
    assert result["overall"]["average_ticket"] == {"EUR": "100.00"}
    assert result["groups"]["ana"]["deals"] == 2
    assert result["open_pipeline"] == {
        "closing": {"deals": 1, "value": {"EUR": "70"}, "value_unknown": 0}
    }
    assert result["skipped"]["reasons"][0]["lines"] == [5]
    assert result["skipped"]["reasons"][0]["field"] == "stage"


def test_a_salesforce_report_with_us_dates(tmp_path):
    path = write_csv(
        tmp_path / "sf.csv",
        [
            {"Opportunity ID": "006A", "Opportunity Name": "Acme", "Amount": "1200",
             "Created Date": "1/15/2026", "Close Date": "2/20/2026", "Stage": "Closed Won",
             "Opportunity Owner": "Ana", "Lead Source": "Web"},
            {"Opportunity ID": "006B", "Opportunity Name": "Globex", "Amount": "800",
             "Created Date": "1/20/2026", "Close Date": "3/31/2026", "Stage": "Negotiation/Review",
             "Opportunity Owner": "Ana", "Lead Source": "Partner"},
        ],
    )  # fmt: skip
    code, out, err = report(
        str(path), "--preset", "salesforce", "--currency", "USD", "--date-format", "%m/%d/%Y",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert (result["won"], result["open"]) == (1, 1)
    assert result["overall"]["cycle_days"]["median"] == 36.0


def test_a_hubspot_export_by_stage_label_reads_the_reason_of_lost_deals_only(tmp_path):
    path = write_csv(
        tmp_path / "hs.csv",
        [
            {"Record ID": "1", "Deal Name": "Acme", "Amount": "500", "Create Date": "2026-01-01",
             "Close Date": "2026-01-31", "Deal Stage": "Closed Lost", "Deal owner": "Bo",
             "Closed Lost Reason": "price"},
            {"Record ID": "2", "Deal Name": "Initech", "Amount": "900", "Create Date": "2026-01-05",
             "Close Date": "", "Deal Stage": "Contract Sent", "Deal owner": "Bo",
             "Closed Lost Reason": "an old reason, before it was reopened"},
        ],
    )  # fmt: skip
    code, out, err = report(
        str(path), "--preset", "hubspot", "--currency", "USD", "--json", "--by", "loss_reason"
    )
    assert code == 0, err
    result = json.loads(out)
    assert (result["lost"], result["open"]) == (1, 1)
    assert "contractsent" in result["open_pipeline"]
    assert {k: g["key"] for k, g in result["groups"].items()} == {"(blank)": None, "price": "price"}


def test_a_preset_names_a_deal_by_its_fallback_column_when_the_name_column_is_missing(tmp_path):
    path = write_csv(
        tmp_path / "maven.csv",
        [{"opportunity_id": "OPP1", "sales_agent": "Ana", "product": "GTX", "deal_stage": "Won",
          "engage_date": "2017-01-02", "close_date": "2017-01-10", "close_value": "550"}],
    )  # fmt: skip
    code, out, err = report(str(path), "--preset", "maven", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["overall"]["bookings"] == {"USD": "550"}
    assert result["groups"] == {"Ana": {"key": "Ana", **result["overall"]}}


def maven_row(**changes: str) -> dict[str, str]:
    row = {"ref": "OPP1", "account": "Acme", "sales_agent": "Ana", "deal_stage": "Won",
           "engage_date": "2017-01-02", "close_date": "2017-01-10",
           "close_value": "550"}  # fmt: skip
    return {**row, **changes}


def test_a_preset_that_names_a_deal_by_its_id_follows_the_id_where_it_is_mapped(tmp_path):
    # The maven preset names a deal without an account by its id: with the id
    # mapped to another column, it named none, and refused every such row.
    rows = [maven_row(), maven_row(ref="OPP2", account="")]
    path = write_csv(tmp_path / "m.csv", rows)
    code, out, err = report(str(path), "--preset", "maven", "--column", "id=ref", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["deals"], result["skipped"]["rows"]) == (2, 0)
    code, out, err = report(str(path), "--preset", "maven", "--column", "id=ref", "--by", "name")
    assert "\nAcme " in out
    assert "\nOPP2 " in out
    # without the name column either, every deal is named by its id
    rows = [{k: v for k, v in maven_row().items() if k != "account"}]
    path = write_csv(tmp_path / "n.csv", rows)
    code, out, err = report(str(path), "--preset", "maven", "--column", "id=ref", "--json")
    assert code == 0, err
    assert json.loads(out)["deals"] == 1


def test_a_preset_names_a_deal_by_its_name_column_and_by_the_fallback_when_empty(tmp_path):
    rows = [maven_row(opportunity_id="OPP1"), maven_row(opportunity_id="OPP2", account=" ")]
    path = write_csv(tmp_path / "m.csv", rows)
    code, out, err = report(str(path), "--preset", "maven", "--by", "name", "--json")
    assert code == 0, err
    assert list(json.loads(out)["groups"]) == ["Acme", "OPP2"]


def test_the_deals_of_a_preset_belong_to_its_pipeline(tmp_path):
    path = write_csv(tmp_path / "m.csv", [maven_row(opportunity_id="OPP1")])
    code, out, err = report(str(path), "--preset", "maven", "--by", "pipeline_id", "--json")
    assert code == 0, err
    assert list(json.loads(out)["groups"]) == ["maven"]
    code, out, err = report(str(write_csv(tmp_path / "g.csv", [generic()])), "--by", "pipeline_id")
    assert "\ndefault " in out


# --- grouping ---------------------------------------------------------------------------------


def test_any_other_column_of_the_file_groups_through_the_attributes(tmp_path):
    rows = [generic(manager="Dustin"), lost(id="2", manager="Dustin"), generic(id="3", manager="")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    for by in ("manager", "attributes.manager"):
        code, out, err = report(path, "--json", "--by", by)
        assert code == 0, err
        result = json.loads(out)
        assert result["by_field"] == "attributes.manager"
        assert {k: (g["key"], g["deals"], g["won"]) for k, g in result["groups"].items()} == {
            "(blank)": (None, 1, 1),
            "Dustin": ("Dustin", 2, 1),
        }
    assert "\nmanager  deals  won" in report(path, "--by", "manager")[1]


def test_a_group_field_that_names_no_group_or_no_column_is_a_usage_error(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    fields = (
        "id, name, owner_id, prospect_id, customer_id, pipeline_id, stage, status, loss_reason, "
        "source, product, currency"
    )
    for by in ("created_at", "amount", "closed_at", "attributes.amount", "history"):
        assert report(path, "--by", by) == (
            2,
            "",
            f"error: --by {by!r} must be a Deal field that names a group ({fields}), or another "
            "column of the file (periods of dates: --period)\n",
        )
    assert report(path, "--by", "colour") == (
        2,
        "",
        f"error: {path} has no column 'colour' to group by (its columns: id, name, amount, "
        "currency, stage, created_at, closed_at, owner_id, loss_reason); --by takes a Deal "
        "field such as owner_id, 'currency', or a column of the file\n",
    )
    assert report(path, "--by", "attributes.")[2] == "error: --by 'attributes.' names no column\n"


def test_deals_group_by_status_stage_and_currency(tmp_path):
    rows = [generic(), lost(id="2", currency="USD"), generic(id="3", stage="closing", amount="")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    groups = {}
    for by in ("status", "stage", "currency"):
        code, out, err = report(path, "--json", "--by", by)
        assert code == 0, err
        groups[by] = {k: g["deals"] for k, g in json.loads(out)["groups"].items()}
    assert groups == {
        "status": {"lost": 1, "open": 1, "won": 1},
        "stage": {"closing": 1, "lost": 1, "won": 1},
        "currency": {"(blank)": 1, "EUR": 1, "USD": 1},
    }


# --- rows, dates, skipped rows ----------------------------------------------------------------


def test_rows_refused_by_the_deal_are_skipped_with_their_line_and_field(tmp_path):
    rows = [
        generic(stage="nowhere"),
        generic(id="2", closed_at="", stage="closing", created_at="2026-02-30"),
        generic(id="3", amount="1,200"),
        generic(id="4", currency="ZZZZ"),
        generic(id="5", stage=""),
        generic(id="6", stage="closing", closed_at="soon"),
        generic(id="7", stage="lost"),
        generic(id="8"),
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["rows"], result["deals"], result["skipped"]["rows"]) == (8, 1, 7)
    stages = "prospecting, qualification, research, demonstration, objection_handling, closing"
    assert [
        (r["lines"], r["field"], r["problem"], r["example"]) for r in result["skipped"]["reasons"]
    ] == [
        ([2, 6], "stage", f"must be one of {stages}, won, lost", "'nowhere'"),
        ([3], "created_at", "must be an ISO date or datetime, a date, or a datetime",
         "'2026-02-30'"),
        ([4], "amount", "must be an amount (a number, or a str such as '12.50') (a decimal "
         "comma? this reader takes a point as the decimal separator and no thousands "
         "separator; convert the column first)", "'1,200'"),
        ([5], "amount.currency", "must be an ISO 4217 currency code such as 'EUR' (upper case)",
        "'ZZZZ'",
        ),
        ([7], "expected_close", "must be an ISO date such as '2026-03-31' (or an ISO "
         "datetime, whose date is taken)", "'soon'"),
        ([8], "loss_reason", "must be a reason, since pipeline 'default' requires one for a "
         "lost stage", "None"),
    ]  # fmt: skip
    code, out, err = report(path)
    assert out.splitlines()[0] == (
        f"{path} (generic layout): 8 rows, 1 deal (0 open, 1 won, 0 lost), 7 rows skipped"
    )
    assert "\nSkipped rows (7), by reason:\n" in out


def test_a_row_without_a_currency_is_refused_before_it_is_built(tmp_path):
    rows = [generic(currency=""), generic(id="2", currency="", amount="")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["deals"] == 1  # the unknown amount needs no currency
    assert result["skipped"]["reasons"] == [
        {"field": "amount.currency", "problem": "must be a currency: a currency column, or "
         "--currency for the whole file", "rows": 1, "lines": [2], "example": "nothing"}
    ]  # fmt: skip
    assert json.loads(report(path, "--json", "--currency", "GBP")[1])["currencies"] == ["GBP"]


def test_dates_not_in_the_given_format_are_skipped_rows_naming_their_field(tmp_path):
    rows = [
        generic(created_at="01/02/2026", closed_at="01/12/2026"),
        generic(id="2", created_at="2026-01-03", closed_at="02/05/2026"),
        generic(id="3", created_at="01/04/2026", closed_at="2026-01-14"),
        generic(id="4", stage="closing", created_at="01/04/2026", closed_at="Q3"),
    ]
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--date-format", "%m/%d/%Y", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["deals"] == 1
    assert [(r["lines"], r["field"], r["problem"]) for r in result["skipped"]["reasons"]] == [
        ([3], "created_at", "must be a date like '%m/%d/%Y'"),
        ([4], "closed_at", "must be a date like '%m/%d/%Y'"),
        ([5], "expected_close", "must be a date like '%m/%d/%Y'"),
    ]


def test_dates_with_a_time_of_day_keep_it(tmp_path):
    row = generic(created_at="1/15/2026 12:00", closed_at="1/25/2026 18:00")
    open_row = generic(id="2", stage="closing", created_at="1/15/2026 12:00")
    path = write_csv(tmp_path / "x.csv", [row, {**open_row, "closed_at": "2/1/2026 9:00"}])
    code, out, err = report(str(path), "--date-format", "%m/%d/%Y %H:%M", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["deals"], result["overall"]["cycle_days"]["median"]) == (2, 10.25)


def test_cycle_days_are_rounded_to_two_places(tmp_path):
    row = generic(created_at="2023-04-08T00:00:00Z", closed_at="2026-01-02T08:00:00Z")
    code, out, err = report(str(write_csv(tmp_path / "x.csv", [row])), "--json")
    assert code == 0, err
    assert json.loads(out)["overall"]["cycle_days"]["mean"] == 1000.33


def test_skipped_rows_are_summed_up_by_reason_with_their_first_lines(tmp_path):
    rows = [generic(id=str(i), stage="nowhere") for i in range(7)]
    rows += [generic(id="7", currency="ZZZZ"), generic(id="8")]
    _, out, _ = report(str(write_csv(tmp_path / "x.csv", rows)))
    assert out.split("\n\n")[-1] == (
        "Skipped rows (8), by reason:\n"
        "  stage must be one of prospecting, qualification, research, demonstration, "
        "objection_handling, closing, won, lost: 7 rows (lines 2, 3, 4, 5, 6, ...; first got "
        "'nowhere')\n"
        "  amount.currency must be an ISO 4217 currency code such as 'EUR' (upper case): 1 row "
        "(line 9; first got 'ZZZZ')\n"
    )


def test_strict_reports_the_first_bad_row_by_line_and_exits_1(tmp_path):
    rows = [generic(amount="abc"), generic(id="2", stage="nowhere"), generic(id="3")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    assert report(path, "--strict") == (
        1,
        "",
        f"error: {path}, line 2: amount must be an amount (a number, or a str such as '12.50') "
        "(got 'abc')\n",
    )
    assert report(str(write_csv(tmp_path / "y.csv", [generic()])), "--strict")[0] == 0


def test_an_export_none_of_whose_rows_is_read_lists_why_then_fails_with_status_1(tmp_path):
    # A European spreadsheet: ';' between cells and a decimal comma in every amount.
    path = tmp_path / "x.csv"
    path.write_text(
        "id;name;amount;currency;stage;created_at;closed_at;owner_id;loss_reason\n"
        "1;Acme;1000,50;EUR;won;2026-01-05;2026-01-15;ana;\n"
        "2;Globex;1.250,00;EUR;lost;2026-01-06;2026-01-26;bo;price\n",
        encoding="utf-8",
    )
    code, out, err = report(str(path), "--delimiter", ";")
    assert (code, err) == (1, f"error: {path}: no row could be read (2 rows, every one skipped)\n")
    assert out.splitlines()[0].endswith("2 rows, 0 deals (0 open, 0 won, 0 lost), 2 rows skipped")
    assert out.endswith(
        "Skipped rows (2), by reason:\n"
        "  amount must be an amount (a number, or a str such as '12.50') (a decimal comma? this "
        "reader takes a point as the decimal separator and no thousands separator; convert the "
        "column first): 2 rows (lines 2, 3; first got '1000,50')\n"
    )
    code, out, err = report(str(path), "--delimiter", ";", "--json")
    assert (code, json.loads(out)["skipped"]["rows"]) == (1, 2)
    assert err.startswith("error: ")
    # One row read is a report; none written is one too.
    path.write_text(path.read_text().replace("1000,50", "1000.50"), encoding="utf-8")
    assert report(str(path), "--delimiter", ";")[0] == 0
    path.write_text("id;name;amount;currency;stage;created_at\n", encoding="utf-8")
    assert report(str(path), "--delimiter", ";")[0:3:2] == (0, "")


@pytest.mark.parametrize(
    ("amount", "hint"),
    [
        ("1000,50", "a decimal comma?"),
        ("-1.000,5", "a decimal comma?"),
        ("1 000,50", "a decimal comma?"),
        ("1,234,567.89", "a thousands separator?"),
        # finer than cents: a point between thousands, which Money would hold
        ("1.054", "a point between thousands?"),
        ("1.500", "a point between thousands?"),
        ("1.0545", None),
        ("12,50 EUR", None),
        ("abc", None),
        ("1e999", None),
    ],
)
def test_an_amount_refused_says_when_it_looks_written_for_another_locale(tmp_path, amount, hint):
    rows = [generic(amount=amount), generic(id="2")]
    result = json.loads(report(str(write_csv(tmp_path / "x.csv", rows)), "--json")[1])
    (reason,) = result["skipped"]["reasons"]
    assert reason["field"] == "amount"
    if hint is None:
        assert "?" not in reason["problem"]
    else:
        assert f"({hint} this reader takes " in reason["problem"]


# --- the text and JSON reports ------------------------------------------------------------


def test_the_text_report_without_periods_open_deals_or_skipped_rows(tmp_path):
    path = write_csv(tmp_path / "x.csv", [generic(), lost(id="2", amount="", owner_id="bo")])
    code, out, err = report(str(path))
    assert code == 0, err
    assert out.split("\n\n") == [
        f"{path} (generic layout): 2 rows, 2 deals (0 open, 1 won, 1 lost), 0 rows skipped\n"
        "Dates read in UTC.\n"
        "Amounts in EUR.\n"
        "Deals of unknown value (no amount): 1 (1 lost); left out of every sum and average, "
        "never counted as zero.",
        "Overall\n"
        "=======\n"
        "measure                      value\n"
        "---------------------------  -----------\n"
        "win rate (won / closed)      50.0% (1/2)\n"
        "average ticket (won)         100.00 EUR\n"
        "bookings (won)               100.00 EUR\n"
        "cycle, mean days (won)       10.0\n"
        "cycle, median days           10.0\n"
        "cycle, 90th percentile days  10.0",
        "By owner_id\n"
        "===========\n"
        "owner_id  deals  won  win rate      avg ticket  median d\n"
        "--------  -----  ---  ------------  ----------  --------\n"
        "ana           1    1  100.0% (1/1)  100.00 EUR      10.0\n"
        "bo            1    0  0.0% (0/1)    -                  -",
        "Why we lose\n"
        "===========\n"
        "reason  lost  share         value\n"
        "------  ----  ------------  -------------\n"
        "price      1  100.0% (1/1)  value unknown\n",
    ]


def test_the_text_report_shows_a_dash_where_there_is_no_figure(tmp_path):
    rows = [generic(stage="closing"), lost(id="2", owner_id="bo", closed_at="2026-02-05")]
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--period", "month")
    assert code == 0, err
    parts = out.split("\n\n")
    assert parts[1].splitlines()[4:] == [
        "win rate (won / closed)      0.0% (0/1)",
        "average ticket (won)         -",
        "bookings (won)               -",
        "cycle, mean days (won)       -",
        "cycle, median days           -",
        "cycle, 90th percentile days  -",
    ]
    assert parts[2].splitlines()[4] == "ana           1    0  -           -                  -"
    assert parts[3].splitlines()[4] == "2026-02  0.0% (0/1)  -"
    assert parts[4].splitlines()[4] == "closing           1  100.00 EUR"


def test_money_is_shown_with_its_currency_s_places_and_no_digit_of_a_sum_lost(tmp_path):
    rows = [
        generic(amount="1.005", currency="KWD"),
        generic(id="2", amount="1.001", currency="KWD"),
        generic(id="3", amount="456", currency="JPY"),
        generic(id="4", amount="1.01", currency="EUR"),
        generic(id="5", amount="1", currency="EUR"),
        lost(id="6", amount="1200", currency="EUR", closed_at="2026-02-01"),
        generic(id="7", amount="1.005", currency="EUR"),  # finer than EUR's cents: refused
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path, "--period", "month")
    assert code == 0, err
    overall = out.split("\n\n")[1].splitlines()
    # The text shows the JSON's figures: sums exact, averages as kpi.average_ticket
    # rounds them (1.005 EUR to 1.00, half to even).
    assert overall[5:7] == [
        "average ticket (won)         1.00 EUR; 456 JPY; 1.003 KWD",
        "bookings (won)               2.01 EUR; 456 JPY; 2.006 KWD",
    ]
    assert "\n2026-01  100.0% (5/5)  2.01 EUR; 456 JPY; 2.006 KWD\n" in out
    assert "\nprice      1  100.0% (1/1)  1,200.00 EUR" in out
    result = json.loads(report(path, "--json")[1])
    assert result["overall"]["bookings"] == {"EUR": "2.01", "JPY": "456", "KWD": "2.006"}
    assert result["overall"]["average_ticket"] == {"EUR": "1.00", "JPY": "456", "KWD": "1.003"}
    (reason,) = result["skipped"]["reasons"]
    assert reason["problem"].startswith("must be at most 2 decimal places, the minor unit of EUR")


def test_converted_money_is_rounded_to_the_places_of_the_currency_reported_in(tmp_path):
    rows = [generic(amount="100", currency="EUR"), generic(id="2", amount="1000", currency="JPY")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    rates = tmp_path / "rates.csv"
    rates.write_text("base,quote,rate\nJPY,EUR,0.0061\n", encoding="utf-8")
    args = (path, "--rates", str(rates), "--convert-to")
    # 1000 JPY = 6.1 EUR; 100 EUR = 16,393.44... JPY (the rate inverted).
    assert json.loads(report(*args, "JPY", "--json")[1])["overall"]["bookings"] == {
        "JPY": "17393.44262295081967213114754"
    }
    overall = report(*args, "JPY")[1].split("\n\n")[1].splitlines()
    assert overall[5:7] == [
        "average ticket (won)         8,697 JPY",
        "bookings (won)               17,393 JPY",
    ]
    overall = report(*args, "EUR")[1].split("\n\n")[1].splitlines()
    assert overall[5:7] == [
        "average ticket (won)         53.05 EUR",
        "bookings (won)               106.10 EUR",
    ]


def test_the_text_report_with_periods_open_deals_and_skipped_rows(tmp_path):
    rows = [
        generic(),
        lost(id="2", closed_at="2026-02-03"),
        generic(id="3", stage="closing", amount="70", closed_at=""),
        generic(id="4", stage="closing", amount="", closed_at=""),
        generic(id="5", stage="nowhere"),
    ]
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--period", "month")
    assert code == 0, err
    parts = out.split("\n\n")
    assert parts[0].splitlines()[0] == (
        f"{path} (generic layout): 5 rows, 4 deals (2 open, 1 won, 1 lost), 1 row skipped"
    )
    assert parts[3:] == [
        "By close month\n"
        "==============\n"
        "period   win rate      bookings\n"
        "-------  ------------  ----------\n"
        "2026-01  100.0% (1/1)  100.00 EUR\n"
        "2026-02  0.0% (0/1)    -",
        "Open pipeline by stage\n"
        "======================\n"
        "stage    open deals  value\n"
        "-------  ----------  ---------------------\n"
        "closing           2  70.00 EUR (1 unknown)",
        "Why we lose\n"
        "===========\n"
        "reason  lost  share         value\n"
        "------  ----  ------------  ----------\n"
        "price      1  100.0% (1/1)  100.00 EUR",
        "Skipped rows (1), by reason:\n"
        "  stage must be one of prospecting, qualification, research, demonstration,"
        " objection_handling, closing, won, lost: 1 row (line 6; first got 'nowhere')\n",
    ]
    code, out, err = report(str(path), "--period", "month", "--json")
    assert json.loads(out)["periods"] == {
        "2026-01": {"win_rate": {"numerator": 1, "denominator": 1, "value": 1.0},
                    "bookings": {"EUR": "100"}, "won_value_unknown": 0},
        "2026-02": {"win_rate": {"numerator": 0, "denominator": 1, "value": 0.0},
                    "bookings": {}, "won_value_unknown": 0},
    }  # fmt: skip


def test_the_json_report_names_its_file_layout_and_options_in_a_fixed_order(tmp_path):
    rows = [
        generic(id="2", owner_id="Zoë"),
        lost(id="1", owner_id="Ana", closed_at="2026-01-05"),
        generic(id="3", owner_id="", stage="closing", closed_at=""),
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path, "--json")
    assert code == 0, err
    assert '"Zoë"' in out  # printable text is not escaped
    result = json.loads(out)
    assert list(result) == [
        "file", "layout", "rows", "tz", "by", "by_field", "period", "rates", "deals", "open",
        "won", "lost", "undated", "currencies", "converted_to", "value_unknown", "overall",
        "groups", "periods", "open_pipeline", "loss_reasons", "skipped",
    ]  # fmt: skip
    assert [result[k] for k in ("file", "layout", "rows", "tz", "by", "period", "rates")] == [
        path, "generic", 3, "UTC", "owner_id", None, None
    ]  # fmt: skip
    # Sorted by label; a deal without an owner is in the group "(blank)", its key null.
    assert list(result["groups"]) == ["(blank)", "Ana", "Zoë"]
    assert result["groups"]["(blank)"]["key"] is None
    assert result["overall"]["cycle_days"] == {
        "count": 1, "mean": 10.0, "median": 10.0, "p90": 10.0
    }  # fmt: skip


def test_a_file_is_read_as_utf8_with_or_without_a_byte_order_mark(tmp_path):
    text = "id,name,amount,currency,stage,created_at,closed_at,owner_id\r\n"
    text += '1,"Acme, East",100,EUR,won,2026-01-02,2026-01-12,Zoë\r\n'
    path = tmp_path / "x.csv"
    for encoding in ("utf-8", "utf-8-sig"):
        path.write_bytes(text.encode(encoding))
        code, out, err = report(str(path), "--json", "--by", "name")
        assert code == 0, err
        result = json.loads(out)
        # A quoted delimiter is kept as it is, and the row counts once.
        assert result["groups"]["Acme, East"]["key"] == "Acme, East"
        assert result["rows"] == 1
    # A quoted line break keeps the row whole: one row, its name on one line.
    path.write_bytes(text.replace("Acme, East", "Acme\r\nEast").encode())
    result = json.loads(report(str(path), "--json", "--by", "name")[1])
    assert (result["rows"], result["deals"]) == (1, 1)
    assert list(result["groups"]) == ["Acme East"]


def test_the_report_is_written_to_the_streams_it_is_given(tmp_path, capsys):
    def run_direct(*args: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser()
        report_module.add_parser(parser.add_subparsers())
        parsed = parser.parse_args(["report", *args])
        out, err = io.StringIO(), io.StringIO()
        code = parsed.run(parsed, out, err)
        return code, out.getvalue(), err.getvalue()

    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    code, out, err = run_direct(path)
    assert (code, err) == (0, "")
    assert out.startswith(f"{path} (generic layout): 1 row, 1 deal")
    assert out.endswith("10.0\n")
    code, out, err = run_direct(path, "--json")
    assert (code, err) == (0, "")
    assert out.startswith('{\n  "file": ')
    assert out.endswith('\n  "skipped": {\n    "rows": 0,\n    "reasons": []\n  }\n}\n')
    path = str(write_csv(tmp_path / "y.csv", [generic(amount="x")]))
    code, out, err = run_direct(path, "--strict")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {path}, line 2: amount must be")
    assert capsys.readouterr() == ("", "")


def test_the_help_names_the_command_every_option_and_every_preset(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "report    KPIs of a CRM export (CSV)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for text in (
        "Read a CSV export of deals and print its KPIs: win rate, average ticket, cycle time "
        "and bookings, overall, by a field, and by period.",
        "FILE.csv the export to read",
        "--preset {hubspot,maven,salesforce} a known export layout",
        "--column FIELD=COLUMN read a Deal field from this column (repeatable; overrides the "
        "preset); FIELD may also be 'stage', 'closed_at', 'currency' or 'loss_reason'",
        "--currency CURRENCY the currency of amounts without one, e.g. USD",
        "--rates RATES.csv exchange rates to convert amounts with (columns base, quote, rate: "
        "1 base buys rate quote); without them, amounts in several currencies are reported per "
        "currency",
        "--convert-to CURRENCY the currency to report in, with --rates",
        "--date-format DATE_FORMAT strptime format of the dates, e.g. %m/%d/%Y (default ISO 8601)",
        "--tz TZ the time zone of naive dates, and of periods (an IANA name; default UTC)",
        "--by BY group by a Deal field, 'currency', or any other column of the file (default "
        "owner_id)",
        "--period {week,month,quarter,year} also group by close period",
        "--encoding ENCODING the file's encoding (default utf-8)",
        "--delimiter DELIMITER the character between cells (default ','; 'tab' for tabs)",
        "--json print JSON instead of tables",
        "--strict stop at the first bad row",
        "Presets: maven: Maven Analytics CRM Sales Opportunities (sales_pipeline.csv); "
        "salesforce: Salesforce opportunity report (Opportunity ID, Stage, Amount, ...); "
        "hubspot: HubSpot deals export (Record ID, Deal Stage, Amount, ...). "
        "Without a preset, columns are named as Deal fields.",
    ):
        assert text in shown
    assert "--json JSON" not in shown
    assert "--strict STRICT" not in shown


# --- why we lose ------------------------------------------------------------------------------


def test_why_we_lose_agrees_with_a_count_of_the_file(tmp_path):
    rng = random.Random(16)
    reasons = ["price", "Price ", "PRICE", "timing", "went quiet", "Went Quiet", "competitor"]
    rows = []
    for i in range(60):
        stage = rng.choice(["lost", "lost", "won", "closing"])
        rows.append(
            generic(
                id=str(i),
                stage=stage,
                amount=rng.choice(["", "100", "250", "1200"]),
                currency=rng.choice(["EUR", "USD"]),
                closed_at="" if stage == "closing" else "2026-01-12",
                loss_reason=rng.choice(reasons) if stage == "lost" else "",
            )
        )
    path = str(write_csv(tmp_path / "x.csv", rows))
    # The count, independently: reasons grouped ignoring case and surrounding spaces.
    lost = [r for r in rows if r["stage"] == "lost"]
    counts = Counter(r["loss_reason"].strip().casefold() for r in lost)
    sums: dict[str, Counter[str]] = defaultdict(Counter)
    for r in lost:
        if r["amount"]:
            sums[r["loss_reason"].strip().casefold()][r["currency"]] += int(r["amount"])
    expected = [
        {
            "reason": reason,
            "lost": counts[reason],
            "share": {
                "numerator": counts[reason],
                "denominator": len(lost),
                "value": counts[reason] / len(lost),
            },
            "value": {code: str(total) for code, total in sorted(sums[reason].items())},
            "value_unknown": sum(
                1 for r in lost if r["loss_reason"].strip().casefold() == reason and not r["amount"]
            ),
        }
        for reason in sorted(counts, key=lambda reason: (-counts[reason], reason))
    ]
    code, out, err = report(path, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["skipped"]["rows"] == 0
    assert result["loss_reasons"] == expected
    assert sum(r["lost"] for r in expected) == result["lost"]
    code, out, err = report(path)
    assert code == 0, err
    table = out.split("Why we lose\n")[1].split("\n\n")[0].splitlines()
    assert table[1].split() == ["reason", "lost", "share", "value"]
    assert [re.split(r"\s{2,}", line)[:3] for line in table[3:]] == [
        [
            r["reason"],
            str(r["lost"]),
            f"{r['lost'] / len(lost) * 100:.1f}% ({r['lost']}/{len(lost)})",
        ]
        for r in expected
    ]


def test_why_we_lose_prints_each_reason_its_share_and_value(tmp_path):
    rows = [
        lost(),
        lost(id="2", loss_reason="Price", amount="", currency=""),
        lost(id="3", loss_reason="timing", amount="300", currency="USD"),
        lost(id="4", loss_reason="went quiet", amount=""),
        generic(id="5"),
    ]
    code, out, err = report(str(write_csv(tmp_path / "x.csv", rows)))
    assert code == 0, err
    assert out.split("\n\n")[3] == (
        "Why we lose\n"
        "===========\n"
        "reason      lost  share        value\n"
        "----------  ----  -----------  ----------------------\n"
        "price          2  50.0% (2/4)  100.00 EUR (1 unknown)\n"
        "timing         1  25.0% (1/4)  300.00 USD\n"
        "went quiet     1  25.0% (1/4)  value unknown\n"
    )


def test_without_a_reason_column_the_report_says_nothing_of_reasons(tmp_path):
    rows = [maven_row(opportunity_id="OPP1", deal_stage="Lost"), maven_row(opportunity_id="OPP2")]
    path = str(write_csv(tmp_path / "m.csv", rows))
    code, out, err = report(path, "--preset", "maven", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["lost"], result["loss_reasons"]) == (1, None)
    code, out, err = report(path, "--preset", "maven")
    assert code == 0, err
    assert "Why we lose" not in out
    # A reason column and no lost deal: nothing to say either.
    code, out, err = report(str(write_csv(tmp_path / "g.csv", [generic()])), "--json")
    assert json.loads(out)["loss_reasons"] == []
    assert "Why we lose" not in report(str(tmp_path / "g.csv"))[1]


def test_the_maven_export_has_no_reason_column(data_dir):
    code, out, err = report(str(data_dir / MAVEN), "--preset", "maven", "--json")
    assert code == 0, err
    assert json.loads(out)["loss_reasons"] is None


def hubspot_lost(record: str, reason: str) -> dict[str, str]:
    return {"Record ID": record, "Deal Name": "Acme", "Amount": "500",
            "Create Date": "2026-01-01", "Close Date": "2026-01-31",
            "Deal Stage": "Closed Lost", "Deal owner": "Bo",
            "Closed Lost Reason": reason}  # fmt: skip


def test_blank_reasons_group_as_no_reason_apart_from_a_reason_written_so(tmp_path):
    rows = [
        hubspot_lost("1", ""),
        hubspot_lost("2", "  "),
        hubspot_lost("3", "(No reason)"),
        hubspot_lost("4", "Budget"),
        hubspot_lost("5", ""),
    ]
    path = str(write_csv(tmp_path / "hs.csv", rows))
    args = ("--preset", "hubspot", "--currency", "USD")
    code, out, err = report(path, *args, "--json")
    assert code == 0, err
    result = json.loads(out)["loss_reasons"]
    assert [(r["reason"], r["lost"], r["value"]) for r in result] == [
        (None, 3, {"USD": "1500"}),
        ("(no reason)", 1, {"USD": "500"}),
        ("budget", 1, {"USD": "500"}),
    ]
    code, out, err = report(path, *args)
    assert out.split("\n\n")[3].splitlines()[4:] == [
        "(no reason)       3  60.0% (3/5)  1,500.00 USD",
        "'(no reason)'     1  20.0% (1/5)  500.00 USD",
        "budget            1  20.0% (1/5)  500.00 USD",
    ]


def test_a_reason_column_named_on_the_command_line_is_read(tmp_path):
    rows = [
        maven_row(opportunity_id="OPP1", deal_stage="Lost", why="Price"),
        maven_row(opportunity_id="OPP2", why="x"),  # won: its reason is not read
    ]
    path = str(write_csv(tmp_path / "m.csv", rows))
    code, out, err = report(path, "--preset", "maven", "--column", "loss_reason=why", "--json")
    assert code == 0, err
    (price,) = json.loads(out)["loss_reasons"]
    assert price == {
        "reason": "price",
        "lost": 1,
        "share": {"numerator": 1, "denominator": 1, "value": 1.0},
        "value": {"USD": "550"},
        "value_unknown": 0,
    }
