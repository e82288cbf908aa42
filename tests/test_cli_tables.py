"""Plain-text tables of the command line (salesmodel._cli.tables): cells, alignment
and cutting to the width."""

from __future__ import annotations

from decimal import Decimal

from salesmodel._cli.tables import DASH, cell, printable, table


def test_cells_show_none_as_a_dash_and_floats_to_one_decimal() -> None:
    assert [cell(None), cell(2.25), cell(Decimal("2.25")), cell("x")] == [DASH, "2.2", "2.25", "x"]


def test_counts_and_floats_have_thousands_separators_as_every_other_figure() -> None:
    # A count column printed 1866 beside "1,436 open" in the text above it.
    assert [cell(1866), cell(-1_000_000), cell(1234.56), cell(999), cell(True)] == [
        "1,866", "-1,000,000", "1,234.6", "999", "True",
    ]  # fmt: skip
    assert table(["stage", "open deals"], [["Engaging", 1589]]).splitlines()[2] == (
        "Engaging       1,589"
    )


def test_numbers_and_missing_values_align_right_and_text_left() -> None:
    text = table(["rep", "rate"], [["ana", None], ["bo", 12.5]], title="Reps")
    assert text.splitlines() == [
        "Reps",
        "====",
        "rep  rate",
        "---  ----",
        "ana     -",
        "bo   12.5",
    ]


def test_an_empty_table_has_its_headers_and_text_columns() -> None:
    assert table(["rep", "won"], []).splitlines() == ["rep  won", "---  ---"]


def test_a_table_too_wide_cuts_its_first_column_with_an_ellipsis() -> None:
    text = table(["name", "code"], [["a" * 20, "b" * 5]], width=16, title="A long title here")
    assert text.splitlines() == [
        "A long title here",
        "=" * 16,
        "name       code",
        "---------  -----",
        "aaaaaaaa…  bbbbb",
    ]


def test_a_table_one_column_too_wide_cuts_one_character() -> None:
    text = table(["name", "code"], [["abcdef", "xy"]], width=11)
    assert text.splitlines() == ["name   code", "-----  ----", "abcd…  xy"]


def test_the_default_width_is_80_columns() -> None:
    # 78 + 2 (separator) + 1 = 81 columns: one too many for the default width.
    wide = table(["name", "n"], [["a" * 78, 1]])
    assert wide.splitlines()[2] == "a" * 76 + "…  1"
    # Exactly 80 columns fit as they are.
    assert table(["name", "n"], [["a" * 77, 1]]).splitlines()[2] == "a" * 77 + "  1"


def test_printable_text_is_kept_and_anything_a_terminal_acts_on_is_escaped() -> None:
    assert printable("Zoë Ñúñez 北京 -> ok") == "Zoë Ñúñez 北京 -> ok"
    assert printable("\x1b[2J\x1b]0;title\x07") == "\\x1b[2J\\x1b]0;title\\x07"
    assert printable("a\nb\rc\td\x00e\x7f\x9b") == "a\\nb\\rc\\td\\x00e\\x7f\\x9b"
    # Right-to-left override, zero-width space, line separator, a tag, a lone surrogate.
    assert printable("\u202e\u200b\u2028\U000e0041\udcff") == (
        "\\u202e\\u200b\\u2028\\U000e0041\\udcff"
    )


def test_cells_titles_and_headers_are_printable() -> None:
    text = table(["who\n", "n"], [["x\ny  1", 1]], title="\x1b[31mred")
    assert text.splitlines() == [
        "\\x1b[31mred",
        "=" * 11,
        "who\\n    n",
        "-------  -",
        "x\\ny  1  1",
    ]
