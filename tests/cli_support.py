"""Helpers the command-line tests share: run ``report`` in this process, write CSVs."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from salesmodel._cli import main

#: The Maven export, under the real data folder.
MAVEN = "pipeline/maven_crm_sales_opportunities/sales_pipeline.csv"


def report(*args: str) -> tuple[int, str, str]:
    """``python -m salesmodel report *args``, in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["report", *args])
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def write_csv(path: Path, rows: list[dict[str, str]], **options: str) -> Path:
    """*rows* as a CSV file with a header (the first row's keys)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), **options)  # type: ignore[arg-type]
        writer.writeheader()
        writer.writerows(rows)
    return path


def generic(**changes: str) -> dict[str, str]:
    """A won deal's row of a generic export (columns named as Deal fields)."""
    row = {"id": "1", "name": "A", "amount": "100", "currency": "EUR", "stage": "won",
           "created_at": "2026-01-02", "closed_at": "2026-01-12", "owner_id": "ana",
           "loss_reason": ""}  # fmt: skip
    return {**row, **changes}


def lost(**changes: str) -> dict[str, str]:
    """A lost deal's row, with the reason the default pipeline asks for."""
    return generic(**{"stage": "lost", "loss_reason": "price", **changes})
