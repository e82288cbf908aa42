"""``python -m salesmodel report``: KPIs of a real CSV export, and clear errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from salesmodel._cli import main

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
