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
