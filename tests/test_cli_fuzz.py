"""A fuzz run of ``python -m salesmodel report`` over generated CSV exports (see
cli_fuzz.py): no traceback, no figure changed in silence, nothing printed that a
terminal would act on. CI tries FILES files; ``scripts/fuzz_cli.py`` runs longer."""

from __future__ import annotations

import pytest

from cli_fuzz import check, generate

#: Files tried in CI (seeds 0..FILES-1, the same files every run).
FILES = 250


@pytest.mark.parametrize("first", range(0, FILES, 50))
def test_the_report_tells_the_truth_about_generated_exports(tmp_path, first):
    found = {}
    for seed in range(first, first + 50):
        problems = check(generate(seed), tmp_path)
        if problems:
            found[seed] = problems[:3]
    assert found == {}


def test_the_generator_makes_every_kind_of_case():
    cases = [generate(seed) for seed in range(FILES)]
    errors = {c.expect_error for c in cases if c.expect_error}
    assert {
        "another delimiter, not named",
        "a column named twice",
        "a quote opened and never closed",
        "a cell over the CSV field limit",
    } <= {e for e in errors if not e.startswith("bad option")}
    assert any(e.startswith("bad option") for e in errors)
    rows = [r for c in cases for r in c.rows]
    assert {r.field for r in rows if r.sure == "bad"} >= {
        "stage", "amount", "amount.currency", "created_at", "id", "name", "cells",
        "loss_reason", "closed_at",
    }  # fmt: skip
    assert sum(r.sure == "either" for r in rows) > 100
    assert sum(r.undated for r in rows) > 20
    assert sum(c.rates is not None for c in cases) > 10
    assert sum(c.strict for c in cases) > 20
