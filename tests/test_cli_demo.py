"""The demo: the main job a newcomer runs first."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from salesmodel._cli import main


def run_demo(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        assert main(["demo", *args]) == 0
    finally:
        sys.stdout, sys.stderr = saved
    return out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def medium() -> tuple[str, str]:
    return run_demo()


def test_the_demo_prints_every_section_a_sales_manager_reads(medium):
    out, _ = medium
    for heading in (
        "1. The pipeline",
        "Bottleneck: demonstration",
        "2. The reps",
        "3. The hottest leads",
        "4. Retention: monthly customer cohorts",
        "5. A deal moving through the pipeline",
        "rule 'not-allowed'",
    ):
        assert heading in out


def test_the_demo_fits_in_80_columns(medium):
    out, _ = medium
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_slow_demo_shows_progress_on_stderr_and_a_small_one_stays_quiet(medium):
    _, err = medium
    assert "building the medium sample book" in err
    _, quiet = run_demo("--size", "small", "--seed", "3")
    assert quiet == ""


def test_the_same_seed_prints_the_same_report():
    assert run_demo("--size", "small")[0] == run_demo("--size", "small")[0]


def test_python_dash_m_salesmodel_demo_runs():
    done = subprocess.run(
        [sys.executable, "-m", "salesmodel", "demo", "--size", "small"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "salesmodel" in done.stdout


def test_a_bad_option_exits_with_a_usage_message():
    done = subprocess.run(
        [sys.executable, "-m", "salesmodel", "demo", "--size", "huge"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
    assert "Traceback" not in done.stderr
