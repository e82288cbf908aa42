"""``python -m salesmodel report``: KPIs of a real CSV export, and clear errors."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from salesmodel._cli import main
from salesmodel._cli import report as report_module

MAVEN = "pipeline/maven_crm_sales_opportunities/sales_pipeline.csv"


def report(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["report", *args])
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_maven_export_gives_the_win_rate_and_ticket_of_the_kpi_tests(data_dir):
    code, out, _ = report(str(data_dir / MAVEN), "--preset", "maven", "--json")
    assert code == 0
    result = json.loads(out)
    overall = result["overall"]
    assert (overall["win_rate"]["numerator"], overall["win_rate"]["denominator"]) == (4238, 6711)
    # The average won value checked against pandas in test_kpi_maven.py, to the cent.
    assert overall["average_ticket"] == {"amount": "2360.91", "currency": "USD"}
    assert result["won"] == 4238
    assert result["lost"] == 2473
    # Prospecting rows carry no date at all: reported by line and field, then skipped.
    assert len(result["skipped"]) == 500
    assert {item["field"] for item in result["skipped"]} == {"created_at"}


def test_the_maven_text_report_groups_by_agent_and_quarter(data_dir):
    code, out, _ = report(str(data_dir / MAVEN), "--preset", "maven", "--period", "quarter")
    assert code == 0
    assert "63.2% (4,238/6,711)" in out
    assert "By close quarter" in out
    assert "2017Q2" in out
    assert "line 8302: created_at" in out


def test_strict_stops_at_the_first_bad_row_with_its_line(data_dir):
    code, _, err = report(str(data_dir / MAVEN), "--preset", "maven", "--strict")
    assert code == 1
    assert err.startswith("error: ")
    assert "line 8302: created_at" in err
    assert "Traceback" not in err


def test_a_missing_file_is_one_line_and_exit_2(tmp_path):
    code, out, err = report(str(tmp_path / "nope.csv"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "cannot read" in err


def test_a_missing_column_names_it_and_the_columns_there_are(tmp_path):
    path = write_csv(tmp_path / "x.csv", [{"id": "1", "stage": "won"}])
    code, _, err = report(str(path))
    assert code == 2
    assert "has no column 'created_at'" in err
    assert "its columns: id, stage" in err


def test_a_bad_time_zone_or_column_mapping_is_a_usage_error(tmp_path):
    path = write_csv(tmp_path / "x.csv", [{"id": "1"}])
    assert report(str(path), "--tz", "Mars/Olympus")[0] == 2
    assert "not a known time zone" in report(str(path), "--tz", "Mars/Olympus")[2]
    assert "FIELD=COLUMN" in report(str(path), "--column", "oops")[2]
    assert "no field 'colour'" in report(str(path), "--column", "colour=x")[2]


def test_a_generic_export_with_columns_named_as_fields(tmp_path):
    path = write_csv(
        tmp_path / "deals.csv",
        [
            {"id": "1", "name": "A", "amount": "100", "currency": "EUR", "stage": "won",
             "created_at": "2026-01-02", "closed_at": "2026-01-12", "owner_id": "ana"},
            {"id": "2", "name": "B", "amount": "50", "currency": "EUR", "stage": "lost",
             "created_at": "2026-01-03", "closed_at": "2026-01-05", "owner_id": "ana"},
            {"id": "3", "name": "C", "amount": "70", "currency": "EUR", "stage": "closing",
             "created_at": "2026-01-04", "closed_at": "2026-02-01", "owner_id": "bo"},
            {"id": "4", "name": "D", "amount": "70", "currency": "EUR", "stage": "shipped",
             "created_at": "2026-01-04", "closed_at": "", "owner_id": "bo"},
        ],
    )  # fmt: skip
    code, out, _ = report(str(path), "--json", "--tz", "Europe/Paris")
    assert code == 0
    result = json.loads(out)
    assert result["overall"]["win_rate"]["value"] == 0.5
    assert result["overall"]["average_ticket"] == {"amount": "100.00", "currency": "EUR"}
    assert result["groups"]["ana"]["deals"] == 2
    assert result["open_pipeline"] == {
        "closing": {"deals": 1, "value": {"amount": "70", "currency": "EUR"}}
    }
    assert result["skipped"][0]["line"] == 5
    assert result["skipped"][0]["field"] == "stage"


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


def test_a_hubspot_export_by_stage_label(tmp_path):
    path = write_csv(
        tmp_path / "hs.csv",
        [
            {"Record ID": "1", "Deal Name": "Acme", "Amount": "500", "Create Date": "2026-01-01",
             "Close Date": "2026-01-31", "Deal Stage": "Closed Lost", "Deal owner": "Bo"},
            {"Record ID": "2", "Deal Name": "Initech", "Amount": "900", "Create Date": "2026-01-05",
             "Close Date": "", "Deal Stage": "Contract Sent", "Deal owner": "Bo"},
        ],
    )  # fmt: skip
    code, out, err = report(str(path), "--preset", "hubspot", "--currency", "USD", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["lost"], result["open"]) == (1, 1)
    assert "contractsent" in result["open_pipeline"]


def test_the_command_line_entry_point_reports_without_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "salesmodel", "report", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("content", [b"\xff\xfe\x00bad", b'a,b\n"unclosed'])
def test_an_unreadable_csv_is_a_usage_error(tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, _, err = report(str(path))
    assert code == 2
    assert err.startswith("error: ")


def generic_rows(count: int = 2) -> list[dict[str, str]]:
    rows = [
        {"id": "1", "name": "A", "amount": "100", "stage": "won", "created_at": "2026-01-02",
         "closed_at": "2026-01-12", "owner_id": "ana"},
        {"id": "2", "name": "B", "amount": "", "stage": "lost", "created_at": "2026-01-03",
         "closed_at": "2026-02-05", "owner_id": "bo"},
    ]  # fmt: skip
    return rows[:count]


def test_stage_close_date_and_currency_columns_can_be_mapped(tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        [{"ref": "1", "title": "A", "value": "10", "phase": "won", "opened": "2026-01-02",
          "done": "2026-01-04", "cur": "GBP"}],
    )  # fmt: skip
    columns = ["id=ref", "name=title", "amount=value", "created_at=opened"]
    columns += ["stage=phase", "closed_at=done", "currency=cur"]
    args = [arg for column in columns for arg in ("--column", column)]
    code, out, err = report(str(path), *args, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["won"] == 1
    assert result["overall"]["bookings"] == {"amount": "10", "currency": "GBP"}
    assert result["overall"]["cycle_days"]["mean"] == 2.0


def test_an_unknown_group_field_is_a_usage_error(tmp_path):
    path = write_csv(tmp_path / "x.csv", generic_rows())
    code, out, err = report(str(path), "--currency", "EUR", "--by", "colour")
    assert (code, out) == (2, "")
    assert err.startswith("error: ")
    assert "'--by' must be a Deal field" in err


def test_a_preset_names_a_deal_by_its_fallback_column_when_the_name_column_is_missing(tmp_path):
    path = write_csv(
        tmp_path / "maven.csv",
        [{"opportunity_id": "OPP1", "sales_agent": "Ana", "product": "GTX", "deal_stage": "Won",
          "engage_date": "2017-01-02", "close_date": "2017-01-10", "close_value": "550"}],
    )  # fmt: skip
    code, out, err = report(str(path), "--preset", "maven", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["overall"]["bookings"] == {"amount": "550", "currency": "USD"}
    assert result["groups"] == {"Ana": result["overall"]}


def test_dates_not_in_the_given_format_are_skipped_rows(tmp_path):
    rows = generic_rows()
    rows[1]["created_at"] = "2026-01-03"
    rows[0]["created_at"], rows[0]["closed_at"] = "01/02/2026", "01/12/2026"
    rows[1]["closed_at"] = "02/05/2026"
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--currency", "EUR", "--date-format", "%m/%d/%Y", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["deals"] == 1
    assert result["skipped"] == [
        {"line": 3, "field": "created_at", "problem": "must be a date like '%m/%d/%Y'"}
    ]


def test_the_text_report_without_periods_open_deals_or_skipped_rows(tmp_path):
    path = write_csv(tmp_path / "x.csv", generic_rows())
    code, out, err = report(str(path), "--currency", "EUR")
    assert code == 0, err
    assert out.split("\n\n")[1:] == [
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
        "bo            1    0  0.0% (0/1)    -                  -\n",
    ]


def test_the_text_report_shows_a_dash_where_there_is_no_figure(tmp_path):
    rows = generic_rows()
    rows[0]["stage"] = "closing"
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--currency", "EUR", "--period", "month")
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


def test_more_than_ten_skipped_rows_are_summed_up_by_field(tmp_path):
    rows = generic_rows(1) + [
        {**generic_rows(1)[0], "id": str(i), "stage": "nowhere"} for i in range(12)
    ]
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--currency", "EUR")
    assert code == 0, err
    tail = out.split("Skipped rows (12):")[1].splitlines()
    assert len(tail) == 12
    assert tail[1].startswith("  line 3: stage must be one of prospecting")
    assert tail[-1] == "  ... and 2 more (by field: stage: 12)"


def test_a_few_skipped_rows_are_each_listed(tmp_path):
    rows = [*generic_rows(1), {**generic_rows(1)[0], "id": "9", "stage": "nowhere"}]
    code, out, err = report(str(write_csv(tmp_path / "x.csv", rows)), "--currency", "EUR")
    assert code == 0, err
    assert out.split("\n\n")[-1].splitlines() == [
        "Skipped rows (1):",
        "  line 3: stage must be one of prospecting, qualification, research, demonstration,"
        " objection_handling, closing, won, lost (got 'nowhere')",
    ]


# --- what the survivors of mutation testing showed (docs/explanation/mutation-testing.md)


def run_direct(*args: str) -> tuple[int, str, str]:
    """``report`` run with streams of its own, not through sys.stdout and sys.stderr."""
    parser = argparse.ArgumentParser()
    report_module.add_parser(parser.add_subparsers())
    parsed = parser.parse_args(["report", *args])
    out, err = io.StringIO(), io.StringIO()
    code = parsed.run(parsed, out, err)
    return code, out.getvalue(), err.getvalue()


def generic(**changes: str) -> dict[str, str]:
    row = {"id": "1", "name": "A", "amount": "100", "currency": "EUR", "stage": "won",
           "created_at": "2026-01-02", "closed_at": "2026-01-12", "owner_id": "ana"}  # fmt: skip
    return {**row, **changes}


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
        "preset); FIELD may also be 'stage' or 'closed_at'",
        "--currency CURRENCY the currency of plain amounts, e.g. USD",
        "--date-format DATE_FORMAT strptime format of the dates, e.g. %m/%d/%Y (default ISO 8601)",
        "--tz TZ the time zone of naive dates, and of periods (an IANA name; default UTC)",
        "--by BY the Deal field to group by (default owner_id)",
        "--period {week,month,quarter,year} also group by close period",
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


def test_the_report_is_written_to_the_streams_it_is_given(tmp_path, capsys):
    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    code, out, err = run_direct(path)
    assert (code, err) == (0, "")
    assert out.startswith(f"{path} (generic layout): 1 rows, 1 deals")
    assert out.endswith("10.0\n")
    code, out, err = run_direct(path, "--json")
    assert (code, err) == (0, "")
    assert out.startswith('{\n  "deals": 1,\n  "open": 0,\n')
    assert out.endswith('\n  "skipped": []\n}\n')
    path = str(write_csv(tmp_path / "y.csv", [generic(amount="x")]))
    code, out, err = run_direct(path, "--strict")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {path}, line 2: amount must be")
    assert capsys.readouterr() == ("", "")


def test_the_json_report_names_its_file_layout_and_rows_in_a_fixed_order(tmp_path):
    rows = [
        generic(id="2", owner_id="Zoë"),
        generic(id="1", owner_id="Ana", stage="lost", closed_at="2026-01-05"),
        generic(id="3", owner_id="", stage="closing", closed_at=""),
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path, "--json")
    assert code == 0, err
    assert '"Zoë"' in out  # not escaped
    result = json.loads(out)
    assert list(result) == [
        "deals", "open", "won", "lost", "overall", "by", "groups", "period", "periods",
        "open_pipeline", "file", "layout", "rows", "skipped",
    ]  # fmt: skip
    assert (result["file"], result["layout"], result["rows"]) == (path, "generic", 3)
    # Sorted by the key as text: a deal without an owner is in the group "None".
    assert list(result["groups"]) == ["Ana", "None", "Zoë"]
    assert result["overall"]["cycle_days"] == {
        "count": 1, "mean": 10.0, "median": 10.0, "p90": 10.0
    }  # fmt: skip


def test_strict_reports_the_first_bad_row_by_line(tmp_path):
    rows = [generic(amount="abc"), generic(id="2", stage="nowhere"), generic(id="3")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path, "--strict")
    assert (code, out) == (1, "")
    assert err == (
        f"error: {path}, line 2: amount must be an amount (a number, or a str such as '12.50')"
        " with a currency (got {'amount': 'abc', 'currency': 'EUR'})\n"
    )


def test_rows_refused_by_the_deal_are_skipped_with_their_line_and_field(tmp_path):
    rows = [
        generic(stage="nowhere"),
        generic(id="2", currency="", closed_at="", stage="closing", created_at="2026-02-30"),
        generic(id="3", amount="1,200"),
        generic(id="4", currency="ZZZZ"),
        generic(id="5", stage=""),
        generic(id="6", stage="closing", closed_at="soon"),
        generic(id="7"),
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["rows"], result["deals"]) == (7, 1)
    stages = "prospecting, qualification, research, demonstration, objection_handling, closing"
    amount = "must be an amount (a number, or a str such as '12.50') with a currency"
    assert [tuple(item.values()) for item in result["skipped"]] == [
        (2, "stage", f"must be one of {stages}, won, lost (got 'nowhere')"),
        (3, "amount.currency", "must be a currency: pass currency= or map it (got nothing)"),
        (3, "created_at", "must be an ISO date or datetime, a date, or a datetime "
         "(got '2026-02-30')"),
        (4, "amount", f"{amount} (got {{'amount': '1,200', 'currency': 'EUR'}})"),
        (5, "amount", f"{amount} (got {{'amount': '100', 'currency': 'ZZZZ'}})"),
        (6, "stage", f"must be one of {stages}, won, lost (got '')"),
        (7, "expected_close", "must be an ISO date such as '2026-03-31' (got 'soon')"),
    ]  # fmt: skip
    code, out, err = report(path)
    assert out.splitlines()[0] == (
        f"{path} (generic layout): 7 rows, 1 deals (0 open, 1 won, 0 lost), 6 rows skipped"
    )
    assert "\nSkipped rows (6):\n" in out


DEAL_FIELDS = (
    "id, name, amount, created_at, owner_id, prospect_id, customer_id, pipeline_id, stage, "
    "status, closed_at, loss_reason, source, product, expected_close, attributes, history"
)


def test_a_column_mapping_splits_at_the_first_equals_sign(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic(**{"owner=x": "Bo"})]))
    code, out, err = report(path, "--column", "owner_id=owner=x", "--json")
    assert code == 0, err
    assert list(json.loads(out)["groups"]) == ["Bo"]
    for bad in ("name=", "=title", "name"):
        code, out, err = report(path, "--column", bad)
        assert (code, out) == (2, "")
        assert err == f"error: --column {bad!r} must look like FIELD=COLUMN\n"
    code, _, err = report(path, "--column", "colour=x")
    assert err == f"error: --column 'colour=x': Deal has no field 'colour' ({DEAL_FIELDS})\n"


def test_time_zones_are_named_case_insensitively_for_utc_only(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    assert report(path)[1].splitlines()[1] == "Dates read in UTC."
    code, out, _ = report(path, "--tz", "utc")
    assert (code, out.splitlines()[1]) == (0, "Dates read in utc.")
    code, _, err = report(path, "--tz", "europe/paris")
    assert (code, err) == (
        2,
        "error: --tz 'europe/paris' is not a known time zone (e.g. Europe/Paris)\n",
    )


def test_a_file_is_read_as_utf8_with_or_without_a_byte_order_mark(tmp_path):
    text = "id,name,amount,currency,stage,created_at,closed_at,owner_id\r\n"
    text += '1,"Acme\r\nEast",100,EUR,won,2026-01-02,2026-01-12,Zoë\r\n'
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, out, err = report(str(path), "--json", "--by", "name")
    assert code == 0, err
    result = json.loads(out)
    # A quoted line break is kept as it is, and counts as one row.
    assert list(result["groups"]) == ["Acme\r\nEast"]
    assert result["rows"] == 1


def test_a_file_that_cannot_be_read_or_parsed_is_one_exact_line(tmp_path):
    missing = str(tmp_path / "nope.csv")
    assert report(missing)[2] == f"error: cannot read {missing}: No such file or directory\n"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00bad")
    assert report(str(bad))[2].startswith(f"error: {bad} is not a readable CSV file: 'utf-8'")


def test_a_file_without_a_needed_column_names_it_and_the_columns_there_are(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,amount,stage,created_at\n1,5,won,2026-01-02\n", encoding="utf-8")
    assert report(str(path))[2] == (
        f"error: {path} has no column 'name' (its columns: id, amount, stage, created_at); "
        "pick a --preset or map it with --column FIELD=COLUMN\n"
    )
    path.write_text("", encoding="utf-8")
    assert f"{path} has no column 'id' (its columns: none); pick" in report(str(path))[2]


def maven_row(**changes: str) -> dict[str, str]:
    row = {"ref": "OPP1", "account": "Acme", "sales_agent": "Ana", "deal_stage": "Won",
           "engage_date": "2017-01-02", "close_date": "2017-01-10",
           "close_value": "550"}  # fmt: skip
    return {**row, **changes}


def test_a_preset_needs_its_fallback_name_column_only_when_the_name_column_is_missing(tmp_path):
    # The maven id column mapped elsewhere: its fallback name column is no longer needed...
    rows = [maven_row(), maven_row(ref="OPP2", account="")]
    path = write_csv(tmp_path / "m.csv", rows)
    code, out, err = report(str(path), "--preset", "maven", "--column", "id=ref", "--json")
    assert code == 0, err
    result = json.loads(out)
    # ...and a row with an empty name column is named by it: absent, so no name.
    assert result["deals"] == 1
    assert [item["field"] for item in result["skipped"]] == ["name"]
    code, out, err = report(str(path), "--preset", "maven", "--column", "id=ref", "--by", "name")
    assert "\nAcme " in out
    # ...unless the name column is missing too.
    rows = [{k: v for k, v in maven_row().items() if k != "account"}]
    path = write_csv(tmp_path / "n.csv", rows)
    code, _, err = report(str(path), "--preset", "maven", "--column", "id=ref")
    assert code == 2
    assert f"{path} has no column 'opportunity_id'" in err


def test_a_preset_names_a_deal_by_its_name_column_and_by_the_fallback_when_empty(tmp_path):
    rows = [maven_row(opportunity_id="OPP1"), maven_row(opportunity_id="OPP2", account=" ")]
    path = write_csv(tmp_path / "m.csv", rows)
    code, out, err = report(str(path), "--preset", "maven", "--by", "name", "--json")
    assert code == 0, err
    assert list(json.loads(out)["groups"]) == ["Acme", "OPP2"]


def test_a_row_with_a_bad_date_is_skipped_and_the_next_rows_are_read(tmp_path):
    rows = [generic(created_at="2026-01-02"), generic(id="2", created_at="01/03/2026")]
    rows += [generic(id="3", created_at="01/04/2026", closed_at="01/14/2026")]
    rows[1]["closed_at"] = "01/13/2026"
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--date-format", "%m/%d/%Y", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["rows"], result["deals"]) == (3, 2)
    assert [item["line"] for item in result["skipped"]] == [2]


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


def test_an_unknown_group_field_is_named_with_the_known_ones(tmp_path):
    path = write_csv(tmp_path / "x.csv", [generic()])
    code, out, err = report(str(path), "--by", "colour")
    assert (code, out) == (2, "")
    assert (
        err == f"error: invalid input: '--by' must be a Deal field ({DEAL_FIELDS}) (got 'colour')\n"
    )


def test_the_text_report_with_periods_open_deals_and_skipped_rows(tmp_path):
    rows = [
        generic(),
        generic(id="2", stage="lost", closed_at="2026-02-03"),
        generic(id="3", stage="closing", amount="70", closed_at=""),
        generic(id="4", stage="nowhere"),
    ]
    path = write_csv(tmp_path / "x.csv", rows)
    code, out, err = report(str(path), "--period", "month")
    assert code == 0, err
    parts = out.split("\n\n")
    assert parts[0] == (
        f"{path} (generic layout): 4 rows, 3 deals (1 open, 1 won, 1 lost), 1 rows skipped\n"
        "Dates read in UTC."
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
        "-------  ----------  ---------\n"
        "closing           1  70.00 EUR",
        "Skipped rows (1):\n"
        "  line 5: stage must be one of prospecting, qualification, research, demonstration,"
        " objection_handling, closing, won, lost (got 'nowhere')\n",
    ]
    code, out, err = report(str(path), "--period", "month", "--json")
    assert json.loads(out)["periods"] == {
        "2026-01": {"win_rate": {"numerator": 1, "denominator": 1, "value": 1.0},
                    "bookings": {"amount": "100", "currency": "EUR"}},
        "2026-02": {"win_rate": {"numerator": 0, "denominator": 1, "value": 0.0},
                    "bookings": None},
    }  # fmt: skip


def test_ten_skipped_rows_are_all_listed_and_more_are_counted_by_field(tmp_path):
    rows = [generic(id=str(i), stage="nowhere") for i in range(10)]
    _, out, _ = report(str(write_csv(tmp_path / "x.csv", rows)))
    assert out.endswith("(got 'nowhere')\n")
    rows += [generic(id="10", currency=""), generic(id="11", stage="")]
    _, out, _ = report(str(write_csv(tmp_path / "x.csv", rows)))
    assert out.endswith("  ... and 2 more (by field: stage: 11, amount.currency: 1)\n")


def test_the_deals_of_a_preset_belong_to_its_pipeline(tmp_path):
    path = write_csv(tmp_path / "m.csv", [maven_row(opportunity_id="OPP1")])
    code, out, err = report(str(path), "--preset", "maven", "--by", "pipeline_id", "--json")
    assert code == 0, err
    assert list(json.loads(out)["groups"]) == ["maven"]
    code, out, err = report(str(write_csv(tmp_path / "g.csv", [generic()])), "--by", "pipeline_id")
    assert "\ndefault " in out
