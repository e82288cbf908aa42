"""The report on hostile and ordinary-but-awkward exports (issue #13): every case ends
in a correct report or one line on stderr with exit status 2, never a traceback, and
no figure changes in silence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import generic, lost, report, write_csv
from salesmodel._cli.report import json_text


def one_line_error(result: tuple[int, str, str]) -> str:
    """The message of a failed report: exit 2, nothing on stdout, one line on stderr."""
    code, out, err = result
    assert (code, out) == (2, ""), err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert err[:-1].isprintable()
    return err[len("error: ") : -1]


def as_json(result: tuple[int, str, str]) -> dict:
    code, out, err = result
    assert (code, err) == (0, ""), err
    return json.loads(out)


# --- tracebacks on ordinary exports -------------------------------------------------------


def test_two_currencies_are_reported_per_currency_and_said_so(tmp_path):
    rows = [generic(), generic(id="2", amount="300", currency="USD", owner_id="bo"), lost(id="3")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    result = as_json(report(path, "--json", "--period", "month", "--by", "currency"))
    assert (result["currencies"], result["converted_to"]) == (["EUR", "USD"], None)
    assert result["overall"]["bookings"] == {"EUR": "100", "USD": "300"}
    assert result["overall"]["average_ticket"] == {"EUR": "100.00", "USD": "300.00"}
    assert result["periods"]["2026-01"]["bookings"] == {"EUR": "100", "USD": "300"}
    assert [(g["key"], g["deals"]) for g in result["groups"].values()] == [("EUR", 2), ("USD", 1)]
    code, out, err = report(path)
    assert (code, err) == (0, "")
    assert out.splitlines()[2] == (
        "Amounts in EUR, USD: each figure of money is given per currency (to convert, pass "
        "--rates RATES.csv and --convert-to CURRENCY)."
    )
    assert "\nbookings (won)               100.00 EUR; 300.00 USD\n" in out


def rates_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_two_currencies_convert_with_the_rates_a_user_names_and_say_so(tmp_path):
    rows = [generic(), generic(id="2", amount="300", currency="usd", owner_id="bo")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    rates = rates_file(tmp_path, "base,quote,rate\nEUR,USD,1.08\n")
    result = as_json(report(path, "--json", "--rates", rates, "--convert-to", "usd"))
    assert (result["rates"], result["converted_to"]) == (rates, "USD")
    assert result["overall"]["bookings"] == {"USD": "408.00"}
    assert result["groups"]["ana"]["average_ticket"] == {"USD": "108.00"}
    # The other way round: the rate inverted (USD in EUR), to 28 significant digits in
    # JSON (as RateTable inverts it), to the cent in the text.
    result = as_json(report(path, "--json", "--rates", rates, "--convert-to", "EUR"))
    assert result["overall"]["bookings"] == {"EUR": "377.7777777777777777777777778"}
    text = report(path, "--rates", rates, "--convert-to", "EUR")[1]
    assert "\nbookings (won)               377.78 EUR\n" in text
    out = report(path, "--rates", rates, "--convert-to", "USD")[1]
    assert (
        out.splitlines()[2]
        == f"Amounts converted to USD with the rates in {rates}: 1 EUR = 1.08 USD."
    )


def test_a_rate_missing_or_a_bad_rates_file_is_one_line(tmp_path):
    rows = [generic(), generic(id="2", currency="GBP")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    rates = rates_file(tmp_path, "base,quote,rate\nEUR,USD,1.08\n")
    assert one_line_error(report(path, "--rates", rates, "--convert-to", "USD")) == (
        "no exchange rate from GBP to USD (the table has: EUR->USD); add a row "
        f"base,quote,rate for it to {rates}"
    )
    assert one_line_error(report(path, "--rates", rates)) == (
        "--rates needs --convert-to: the currency to report in"
    )
    assert one_line_error(report(path, "--convert-to", "USD")) == (
        "--convert-to needs --rates: no exchange rate is ever assumed"
    )
    assert one_line_error(report(path, "--rates", rates, "--convert-to", "bucks")) == (
        "--convert-to 'bucks' must be a currency code such as USD"
    )
    for text, message in [
        ("base,quote\n", " has no column 'rate' (a rates file has the columns base, quote, "
         "rate: 1 base buys rate quote)"),
        ("base,quote,rate\nEUR,USD,abc\n", ", line 2: rate must be a positive finite rate "
         "(got 'abc')"),
        ("base,quote,rate\nEUR,USD,0\n", ", line 2: rate must be a positive finite rate (got '0')"),
        ("base,quote,rate\nEUR,EUR,1\n", ", line 2: base and quote must be a pair of two "
         "different currency codes (got ('EUR', 'EUR'))"),
        ("base,quote,rate\nEUR,USD,1.08\nEUR,USD,1.1\n", ", line 3: the rate of EUR in USD is "
         "on line 2 already; give each pair once"),
        # a decimal comma split the rate, and its first part was read as all of it
        ("base,quote,rate\nUSD,EUR,1,17\n", ", line 2: 4 cells where the header has 3 (a "
         "decimal comma? write rates with a point: 1.17)"),
    ]:  # fmt: skip
        bad = rates_file(tmp_path, text)
        assert one_line_error(report(path, "--rates", bad, "--convert-to", "USD")) == bad + message


def test_a_currency_option_is_taken_in_any_case_or_refused_in_one_line(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic(currency="")]))
    assert as_json(report(path, "--json", "--currency", "usd"))["currencies"] == ["USD"]
    assert as_json(report(path, "--json", "--currency", " gbp "))["currencies"] == ["GBP"]
    for code in ("dollars", "", "U$D", "€"):
        assert one_line_error(report(path, "--currency", code)) == (
            f"--currency {code!r} must be a currency code such as USD"
        )


def test_a_time_zone_that_is_a_folder_of_the_zone_database_is_one_line(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    assert one_line_error(report(path, "--tz", "America")) == (
        "--tz 'America' is not a known time zone (e.g. Europe/Paris)"
    )


def test_an_amount_of_1e26_is_shown_to_the_cent(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic(amount="1e26")]))
    code, out, err = report(path)
    assert (code, err) == (0, "")
    assert "\nbookings (won)               100,000,000,000,000,000,000,000,000.00 EUR\n" in out
    assert as_json(report(path, "--json"))["overall"]["bookings"] == {
        "EUR": "100000000000000000000000000"
    }


def test_dates_at_the_ends_of_the_calendar_are_skipped_rows_whatever_the_zone(tmp_path):
    rows = [
        generic(created_at="0001-01-01T00:00:00+00:00", closed_at="0001-01-02T00:00:00+00:00"),
        generic(id="2", created_at="9999-12-30T00:00:00+00:00", closed_at="9999-12-31"),
        generic(id="3", closed_at="0001-01-01"),
        generic(id="4"),
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    for zone in ("America/New_York", "Asia/Tokyo", "UTC"):
        for period in ("week", "month", "quarter", "year"):
            result = as_json(report(path, "--json", "--period", period, "--tz", zone))
            assert result["deals"] == 1
            assert result["skipped"]["rows"] == 3
    reasons = as_json(report(path, "--json", "--tz", "America/New_York"))["skipped"]["reasons"]
    assert {(r["field"], r["problem"]) for r in reasons} >= {
        ("created_at", "must be a date from 0002-01-01 to 9998-12-31")
    }


# --- figures changed in silence ------------------------------------------------------------


def test_a_blank_amount_is_unknown_never_zero(tmp_path):
    rows = [generic(amount="1000"), generic(id="2", amount=""), generic(id="3", amount=" ")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    result = as_json(report(path, "--json"))
    assert (result["deals"], result["skipped"]["rows"]) == (3, 0)
    assert result["overall"]["average_ticket"] == {"EUR": "1000.00"}  # not 333.33
    assert result["overall"]["won_value_unknown"] == 2
    assert result["value_unknown"] == {"open": 0, "won": 2, "lost": 0}
    out = report(path)[1]
    assert "\naverage ticket (won)         1,000.00 EUR (2 unknown)\n" in out
    assert "Deals of unknown value (no amount): 2 (2 won); left out of every sum" in out


def test_an_open_pipeline_of_unknown_value_says_so(tmp_path):
    rows = [generic(id=str(i), stage="research", amount="", closed_at="") for i in range(3)]
    out = report(str(write_csv(tmp_path / "x.csv", rows)))[1]
    assert out.endswith("research           3  value unknown\n")
    assert "0.00" not in out


def test_a_column_named_twice_is_refused_as_which_to_read_cannot_be_guessed(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "id,name,amount,currency,stage,created_at,closed_at,owner_id,amount\n"
        "1,A,1000,EUR,won,2026-01-02,2026-01-12,ana,5\n",
        encoding="utf-8",
    )
    assert one_line_error(report(str(path))) == (
        f"{path} has the column 'amount' twice (columns 3 and 9); rename one: which to read "
        "cannot be guessed"
    )
    # Unnamed columns (trailing separators) hold nothing to read.
    path.write_text(
        "id,name,amount,currency,stage,created_at,closed_at,owner_id,,\n"
        "1,A,1000,EUR,won,2026-01-02,2026-01-12,ana,,\n",
        encoding="utf-8",
    )
    assert as_json(report(str(path), "--json"))["deals"] == 1


def test_a_repeated_deal_id_is_counted_once_and_its_other_rows_listed(tmp_path):
    rows = [generic(), generic(), generic(id=" 1 ", amount="5"), generic(id="2")]
    path = str(write_csv(tmp_path / "x.csv", rows))
    result = as_json(report(path, "--json"))
    assert (result["rows"], result["deals"], result["won"]) == (4, 2, 2)
    assert result["overall"]["bookings"] == {"EUR": "200"}
    assert result["skipped"]["reasons"] == [
        {"field": "id", "problem": "must be unique", "rows": 2, "lines": [3, 4],
         "example": "'1', also on line 2"}
    ]  # fmt: skip
    assert report(path, "--strict")[0] == 1


def test_group_keys_that_would_print_the_same_stay_apart(tmp_path):
    rows = [
        generic(owner_id=""),  # a won deal without an owner
        lost(id="2", owner_id="None"),
        generic(id="3", owner_id="(blank)"),
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    groups = as_json(report(path, "--json"))["groups"]
    assert {label: (g["key"], g["deals"], g["won"]) for label, g in groups.items()} == {
        "(blank)": (None, 1, 1),
        "'(blank)'": ("(blank)", 1, 1),
        "None": ("None", 1, 0),
    }
    table = report(path)[1].split("By owner_id\n")[1].split("\n\n")[0].splitlines()[3:]
    assert sorted(line.split()[0] for line in table) == sorted(groups)
    # A tab and the text "\t" print alike once escaped: both are quoted.
    rows = [generic(manager="a\tb"), generic(id="2", manager="a\\tb")]
    groups = as_json(report(str(write_csv(tmp_path / "y.csv", rows)), "--json", "--by",
                            "manager"))["groups"]  # fmt: skip
    assert {label: g["key"] for label, g in groups.items()} == {
        "'a\\tb'": "a\tb",
        "'a\\\\tb'": "a\\tb",
    }


# --- output a person can trust --------------------------------------------------------------


def test_control_characters_in_cells_are_printed_as_escapes(tmp_path):
    rows = [
        generic(manager="x\nfake  9  9  100.0% (9/9)"),  # a line break forging a row
        generic(id="2", manager="\u202eevil"),  # a right-to-left override
        generic(id="3", manager="zero\u200bwidth"),
        generic(id="4", owner_id="\x1b[31mRED\x1b[0m", name="\x1b[2J"),  # ANSI escapes
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    for by in ("manager", "owner_id", "name"):
        code, out, err = report(path, "--by", by, "--period", "month")
        assert (code, err) == (0, "")
        assert all(line.isprintable() for line in out.splitlines())
        assert "\x1b" not in out
    out = report(path, "--by", "manager")[1]
    groups = out.split("By manager\n")[1].split("\n\n")[0].splitlines()[3:]
    # An escape in an id or a name is refused by the deal (that row is skipped, named);
    # what attribute values may hold is printed escaped.
    assert [line.split()[0] for line in groups] == [
        "\\u202eevil",
        "x\\nfake",
        "zero\\u200bwidth",
    ]
    assert "1 row skipped" in out


def test_json_escapes_what_a_terminal_acts_on_and_keeps_the_rest():
    text = json_text({"k": "Zoë \x1b\x7f\x9b\u202e\U000e0041\n"})
    assert text == '{\n  "k": "Zoë \\u001b\\u007f\\u009b\\u202e\\udb40\\udc41\\n"\n}'
    assert json.loads(text) == {"k": "Zoë \x1b\x7f\x9b\u202e\U000e0041\n"}


def test_a_file_name_with_control_characters_is_printed_as_escapes(tmp_path):
    path = write_csv(tmp_path / "a\x1b[2Jb\nc.csv", [generic()])
    code, out, err = report(str(path))
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith(str(tmp_path / "a\\x1b[2Jb\\nc.csv"))
    assert one_line_error(report(str(tmp_path / "\x1b[2J.csv"))).startswith(
        f"cannot read {tmp_path}/\\x1b[2J.csv"
    )


# --- the Maven preset ------------------------------------------------------------------------


def test_maven_prospecting_rows_are_undated_open_deals_not_skipped(tmp_path):
    head = {"opportunity_id": "", "sales_agent": "Ana", "product": "GTX", "account": "",
            "deal_stage": "", "engage_date": "", "close_date": "", "close_value": ""}  # fmt: skip
    rows = [
        {**head, "opportunity_id": "P1", "deal_stage": "Prospecting"},
        {**head, "opportunity_id": "P2", "deal_stage": "Prospecting", "sales_agent": "Bo"},
        {**head, "opportunity_id": "E1", "deal_stage": "Engaging", "engage_date": "2017-01-02"},
        {**head, "opportunity_id": "W1", "deal_stage": "Won", "engage_date": "2017-01-02",
         "close_date": "2017-01-12", "close_value": "550"},
        {**head, "opportunity_id": "X1", "deal_stage": "Engaging"},  # Engaging needs a date
    ]  # fmt: skip
    path = str(write_csv(tmp_path / "m.csv", rows))
    result = as_json(report(path, "--preset", "maven", "--json", "--period", "month"))
    assert (result["deals"], result["undated"], result["open"]) == (4, 2, 3)
    assert {g: f["deals"] for g, f in result["groups"].items()} == {"Ana": 3, "Bo": 1}
    assert result["open_pipeline"]["Prospecting"] == {"deals": 2, "value": {}, "value_unknown": 2}
    assert list(result["periods"]) == ["2017-01"]
    assert [(r["field"], r["lines"]) for r in result["skipped"]["reasons"]] == [("created_at", [6])]


# --- what a CSV file can be -------------------------------------------------------------------


def test_a_row_with_too_few_or_too_many_cells_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "id,name,amount,currency,stage,created_at,closed_at,owner_id\n"
        "1,Acme, Inc,1000,EUR,won,2026-01-02,2026-01-12,ana\n"  # an unquoted comma
        "2,B,1000,EUR,won,2026-01-02,2026-01-12\n"  # cut short
        "3,C,1000,EUR,won,2026-01-02,2026-01-12,ana,,\n"  # empty extra cells, this row only
        "\n"  # a blank line is no row
        "4,D,1000,EUR,won,2026-01-02,2026-01-12,ana\n",
        encoding="utf-8",
    )
    result = as_json(report(str(path), "--json"))
    assert (result["rows"], result["deals"]) == (4, 1)
    assert result["skipped"]["reasons"] == [
        {"field": "cells", "problem": "must be 8 cells, as in the header (an unquoted comma?)",
         "rows": 2, "lines": [2, 4], "example": "9"},
        {"field": "cells", "problem": "must be 8 cells, as in the header (a row cut short?)",
         "rows": 1, "lines": [3], "example": "7"},
    ]  # fmt: skip


SHIFT_HEADER = "id,name,amount,currency,stage,created_at,closed_at,owner_id,product,loss_reason\n"


def test_a_row_shifted_by_an_unquoted_comma_is_refused_even_if_its_last_cell_was_empty(
    tmp_path,
):
    # The comma in "Widget, large" pushes the empty reason into a cell beyond the
    # header's: read as it stands, the product would be "Widget" in silence.
    path = tmp_path / "x.csv"
    path.write_text(
        SHIFT_HEADER + "1,Acme,100,EUR,won,2026-01-05,2026-01-15,ana,Widget, large,\n"
        "2,Beta,100,EUR,won,2026-01-05,2026-01-15,ana,Gadget,\n",
        encoding="utf-8",
    )
    result = as_json(report(str(path), "--json", "--by", "product"))
    assert (result["rows"], result["deals"], list(result["groups"])) == (2, 1, ["Gadget"])
    assert result["skipped"]["reasons"] == [
        {"field": "cells", "problem": "must be 10 cells, as in the header (an unquoted comma?)",
         "rows": 1, "lines": [2], "example": "11"}
    ]  # fmt: skip
    # A lone row is no pattern of a trailing delimiter: refused too.
    path.write_text(
        SHIFT_HEADER + "1,Acme,100,EUR,won,2026-01-05,2026-01-15,ana,Widget, large,\n",
        encoding="utf-8",
    )
    code, out, _ = report(str(path), "--json")
    assert (code, json.loads(out)["skipped"]["reasons"][0]["lines"]) == (1, [2])


def test_a_delimiter_ending_every_row_is_read_and_a_row_shifted_past_it_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    rows = [
        "1,Acme,100,EUR,won,2026-01-05,2026-01-15,ana,Widget,,\n",
        "2,Beta,100,EUR,won,2026-01-05,2026-01-15,ana,Gadget,,\n",
    ]
    path.write_text(SHIFT_HEADER + "".join(rows), encoding="utf-8")
    result = as_json(report(str(path), "--json", "--by", "product"))
    assert (result["deals"], result["skipped"]["rows"]) == (2, 0)
    assert list(result["groups"]) == ["Gadget", "Widget"]
    shifted = "3,Cora,100,EUR,won,2026-01-05,2026-01-15,ana,Widget, large,,\n"
    path.write_text(SHIFT_HEADER + "".join(rows) + shifted, encoding="utf-8")
    result = as_json(report(str(path), "--json"))
    assert (result["deals"], result["skipped"]["reasons"][0]["lines"]) == (2, [4])


def test_a_shifted_row_refused_for_another_field_says_it_is_shifted(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        SHIFT_HEADER + "1,Acme, Inc,100,EUR,won,2026-01-05,2026-01-15,ana,Widget,\n"
        "2,Beta,100,EUR,won,2026-01-05,2026-01-15,ana,Gadget,\n",
        encoding="utf-8",
    )
    (reason,) = as_json(report(str(path), "--json"))["skipped"]["reasons"]
    assert (reason["field"], reason["lines"], reason["example"]) == ("stage", [2], "'EUR'")
    assert reason["problem"].endswith(
        "(the row has 11 cells where the header has 10: an unquoted comma?)"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\x00id\x00", ", line 1: not UTF-8 text (invalid start byte); name the "
         "file's encoding with --encoding, e.g. cp1252, latin-1 or utf-16-le"),
        (b"id,name\n" + b"1,Zo\xeb\n" * 3, ", line 2: not UTF-8 text (invalid "
         "continuation byte); name the file's encoding with --encoding, e.g. cp1252, latin-1 "
         "or utf-16-le"),
        (b'id,name,amount,stage,created_at\n1,"a"b,1,won,2026-01-01\n', ", line 2: not valid "
         "CSV (',' expected after '\"'; fix the quoting)"),
        (b'id,name,amount,stage,created_at\n1,"' + b"x" * 200_000 + b'",1\n', ", line 2: not "
         "valid CSV (field larger than field limit (131072); a quote opened and never closed?)"),
        (b"id;name;amount;stage;created_at\n1;A;1;won;2026-01-01\n", " has no column 'id' (its "
         "columns: id;name;amount;stage;created_at); its columns look separated by ';': pass "
         "--delimiter ';'"),
        (b"deals\n", " has no column 'id' (its columns: deals); pick a --preset or map it "
         "with --column FIELD=COLUMN"),
        (b"id\tname\tamount\n", " has no column 'id' (its columns: id\\tname\\tamount); its "
         "columns look separated by tab: pass --delimiter tab"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_csv_as_told_is_one_line_naming_where(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert one_line_error(report(str(path))) == f"{path}{message}"


def test_other_encodings_and_delimiters_are_read_when_named(tmp_path):
    rows = [generic(owner_id="Zoë"), lost(id="2", owner_id="Zoë")]
    expected = as_json(report(str(write_csv(tmp_path / "x.csv", rows)), "--json"))["overall"]
    text = (tmp_path / "x.csv").read_text(encoding="utf-8")
    for encoding, delimiter in [
        ("cp1252", ","),
        ("utf-16", ","),
        ("latin-1", ";"),
        ("utf-8", "\t"),
    ]:
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.replace(",", delimiter).encode(encoding))
        name = "tab" if delimiter == "\t" else delimiter
        result = as_json(report(str(path), "--json", "--encoding", encoding, "--delimiter", name))
        assert result["overall"] == expected
        assert list(result["groups"]) == ["Zoë"]
    assert one_line_error(report(str(path), "--encoding", "klingon")) == (
        "--encoding 'klingon' must be a text encoding such as utf-8, cp1252, latin-1 or utf-16"
    )
    for bad in ("", ";;", "a", "\n"):
        assert one_line_error(report(str(path), "--delimiter", bad)) == (
            f"--delimiter {bad!r} must be one character such as ';' or '|', or 'tab'"
        )


@pytest.mark.parametrize(
    "name", ["rot13", "base64", "hex", "zlib", "undefined", "", "utf-8\x00", "\udcff"]
)
def test_an_encoding_that_reads_no_text_is_one_line_naming_it(tmp_path, name):
    # Codecs from bytes to bytes or text to text, and one that refuses everything.
    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    assert one_line_error(report(path, "--encoding", name)) == (
        f"--encoding {name!r} must be a text encoding such as utf-8, cp1252, latin-1 or utf-16"
    )


def test_a_file_not_in_the_encoding_named_is_one_line_whatever_the_codec(tmp_path):
    # These codecs raise UnicodeError itself, not UnicodeDecodeError.
    hint = "name the file's encoding with --encoding, e.g. cp1252, latin-1 or utf-16-le"
    path = write_csv(tmp_path / "x.csv", [generic()])
    assert one_line_error(report(str(path), "--encoding", "punycode")) == (
        f"{path}: not punycode text (Invalid extended code point ','); {hint}"
    )
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))  # no BOM
    assert one_line_error(report(str(path), "--encoding", "utf-16")) == (
        f"{path}: not utf-16 text (UTF-16 stream does not start with BOM); {hint}"
    )
    assert as_json(report(str(path), "--json", "--encoding", "utf-16-le"))["deals"] == 1


def test_nul_characters_and_long_cells_do_not_stop_the_report(tmp_path):
    rows = [generic(name="a\x00b"), generic(id="2", owner_id="x" * 100_000), generic(id="3")]
    code, out, err = report(str(write_csv(tmp_path / "x.csv", rows)))
    assert (code, err) == (0, "")
    # Both rows are refused by the deal's text rules, each named with a bounded value.
    assert all(line.isprintable() and len(line) <= 300 for line in out.splitlines()[1:])
    assert "2 rows skipped" in out
    assert "(line 2; first got 'a\\x00b')" in out


def test_an_empty_file_or_a_header_alone(tmp_path):
    path = tmp_path / "x.csv"
    for empty in (b"", b"\n\r\n  \n"):
        path.write_bytes(empty)
        assert one_line_error(report(str(path))) == (
            f"{path} is empty: a CSV export starts with a header naming its columns"
        )
    path.write_text("id,name,amount,currency,stage,created_at\n\n\n", encoding="utf-8")
    result = as_json(report(str(path), "--json", "--period", "week"))
    assert (result["rows"], result["deals"], result["groups"]) == (0, 0, {})
    assert result["overall"]["win_rate"] == {"numerator": 0, "denominator": 0, "value": None}
    assert report(str(path))[0] == 0


def test_a_blank_id_is_refused_by_the_deal_and_never_taken_for_a_repeat(tmp_path):
    rows = [generic(id=""), generic(id=" "), generic(id="2")]
    result = as_json(report(str(write_csv(tmp_path / "x.csv", rows)), "--json"))
    assert result["deals"] == 1
    assert [(r["field"], r["lines"]) for r in result["skipped"]["reasons"]] == [("id", [2, 3])]


def test_a_lost_deal_without_the_reason_its_pipeline_requires_is_refused(tmp_path):
    rows = [lost(), lost(id="2", loss_reason=""), lost(id="3", loss_reason="competitor")]
    result = as_json(report(str(write_csv(tmp_path / "x.csv", rows)), "--json"))
    assert (result["lost"], result["skipped"]["rows"]) == (2, 1)
    assert result["skipped"]["reasons"][0]["field"] == "loss_reason"


def test_loss_reasons_are_printed_escaped_and_in_json_escaped_too(tmp_path):
    rows = [
        lost(loss_reason="\u202eevil"),
        lost(id="2", loss_reason="zero\u200bwidth"),
        lost(id="3", loss_reason="went \x1b[31mquiet"),  # refused by the deal, and named
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    code, out, err = report(path)
    assert (code, err) == (0, "")
    assert all(line.isprintable() for line in out.splitlines())
    reasons = out.split("Why we lose\n")[1].split("\n\n")[0].splitlines()[3:]
    assert [line.split()[0] for line in reasons] == ["zero\\u200bwidth", "\\u202eevil"]
    text = report(path, "--json")[1]
    assert "\\u202eevil" in text
    assert all(line.isprintable() for line in text.splitlines())
    assert [r["reason"] for r in json.loads(text)["loss_reasons"]] == [
        "zero\u200bwidth",
        "\u202eevil",
    ]


def test_loss_values_in_two_currencies_are_given_per_currency_or_converted(tmp_path):
    rows = [
        lost(),
        lost(id="2", amount="300", currency="USD"),
        lost(id="3", amount=""),
        lost(id="4", loss_reason="timing", amount="", currency=""),
    ]
    path = str(write_csv(tmp_path / "x.csv", rows))
    result = as_json(report(path, "--json"))
    assert [
        (r["reason"], r["lost"], r["value"], r["value_unknown"]) for r in result["loss_reasons"]
    ] == [
        ("price", 3, {"EUR": "100", "USD": "300"}, 1),
        ("timing", 1, {}, 1),
    ]
    rates = tmp_path / "rates.csv"
    rates.write_text("base,quote,rate\nUSD,EUR,0.5\n", encoding="utf-8")
    converted = ("--rates", str(rates), "--convert-to", "EUR")
    result = as_json(report(path, "--json", *converted))
    assert [(r["reason"], r["value"], r["value_unknown"]) for r in result["loss_reasons"]] == [
        ("price", {"EUR": "250.0"}, 1),
        ("timing", {}, 1),
    ]
    out = report(path, *converted)[1]
    assert out.split("Why we lose\n")[1].splitlines()[3:5] == [
        "price      3  75.0% (3/4)  250.00 EUR (1 unknown)",
        "timing     1  25.0% (1/4)  value unknown",
    ]


@pytest.mark.parametrize(
    ("encoding", "ending", "head"),
    [
        ("utf-8", "\n", b""),
        ("utf-8", "\r\n", b"\xef\xbb\xbf"),  # a byte-order mark shifts no line
        ("utf-8", "\r", b""),
        ("utf-16-le", "\r\n", b""),
        ("utf-16", "\n", b"\xff\xfe"),
    ],
)
@pytest.mark.parametrize("line", [2, 501, 3000])
def test_a_byte_not_in_the_encoding_is_named_by_its_own_line(
    tmp_path, encoding, ending, head, line
):
    # Text is decoded ahead of the rows, a chunk at a time: the line the reader had
    # reached (384 for a bad byte on line 501) is not the one to look at.
    codec = "utf-16-le" if encoding.startswith("utf-16") else encoding
    lines = [",".join(generic())]
    for i in range(1, 4000):
        row = ",".join(generic(id=str(i), name="Acme").values())
        if i == 7:  # a line break in a quoted cell: one row, two lines
            lines += [f'{i},"Ac', 'me"' + row.removeprefix(f"{i},Acme")]
        else:
            lines.append(row)
    bad = b"\x00\xd8" if codec == "utf-16-le" else b"\xe9"  # a lone surrogate; no UTF-8
    content = head + ending.join(lines[: line - 1]).encode(codec) + ending.encode(codec)
    content += bad + ending.join(lines[line - 1 :]).encode(codec)
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    message = one_line_error(report(str(path), "--encoding", encoding))
    assert message.startswith(f"{path}, line {line}: not {encoding.replace('utf-8', 'UTF-8')} ")


def test_one_bad_row_leaves_a_trailing_delimiter_the_pattern_of_the_others(tmp_path):
    """A row cut short, or one with text beyond the header, is refused on its own:
    it does not make every other row of a delimiter-ending file look shifted."""
    good = [f"{i},Acme,100,EUR,won,2026-01-05,2026-01-15,ana,Widget,,\n" for i in range(1, 6)]
    for bad in (
        "9,Bad,50,EUR,won\n",  # cut short
        "9,Widget, large,50,EUR,won,2026-01-05,2026-01-15,ana,x\n",  # text past the header
    ):
        path = tmp_path / "x.csv"
        path.write_text(SHIFT_HEADER + "".join(good[:2]) + bad + "".join(good[2:]), "utf-8")
        result = as_json(report(str(path), "--json"))
        assert (result["deals"], result["skipped"]["rows"]) == (5, 1)


GENERIC_HEADER = "id,name,amount,currency,stage,created_at,closed_at,owner_id,loss_reason\n"


def test_a_column_named_on_the_command_line_must_be_in_the_file(tmp_path):
    """Read as blank, it would change every figure of its field without a word."""
    path = tmp_path / "x.csv"
    path.write_text(GENERIC_HEADER + "1,A,5,EUR,won,2026-01-01,2026-01-02,ana,\n", "utf-8")
    for mapping, column in (("owner_id=rep", "rep"), ("closed_at=Close", "Close")):
        message = one_line_error(report(str(path), "--column", mapping))
        assert message.startswith(f"{path} has no column {column!r}")
        assert f"--column {mapping} reads the" in message


def test_a_column_a_preset_reads_that_the_file_lacks_is_noted(tmp_path):
    header = "opportunity_id,agent,product,account,deal_stage,engage_date,close_date,close_value\n"
    path = tmp_path / "m.csv"
    path.write_text(header + "A1,x,p,Acme,Won,2017-01-01,2017-02-01,10\n", "utf-8")
    code, _, err = report(str(path), "--preset", "maven")
    assert code == 0
    assert err == (
        f"note: {path} has no column 'sales_agent': the maven preset reads the owner_id "
        "from it, so no deal has one (map it with --column owner_id=COLUMN)\n"
    )


def test_grouping_by_the_column_a_name_falls_back_from_keeps_its_blanks(tmp_path):
    """Maven names a deal without an account by its opportunity id: grouped by the
    account column, those deals are one blank group, not one group each."""
    header = (
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
    )
    rows = [f"A{i},x,p,{account},Won,2017-01-01,2017-02-01,10\n" for i, account in
            enumerate(["", "", "Acme"])]  # fmt: skip
    path = tmp_path / "m.csv"
    path.write_text(header + "".join(rows), "utf-8")
    result = as_json(report(str(path), "--json", "--preset", "maven", "--by", "account"))
    assert {g["key"]: g["deals"] for g in result["groups"].values()} == {"Acme": 1, None: 2}


def test_line_breaks_in_a_name_or_a_reason_are_read_as_spaces(tmp_path):
    """Multi-line free text is common in lost reasons (HubSpot): the row is read,
    its text on one line, as an entity's text is."""
    path = tmp_path / "x.csv"
    row = '3,"C\r\nD",250,EUR,lost,2026-01-07,2026-01-17,bo,"too \nexpensive"\n'
    path.write_text(GENERIC_HEADER + row, "utf-8")
    result = as_json(report(str(path), "--json", "--by", "name"))
    assert (result["deals"], list(result["groups"])) == (1, ["C D"])
    assert [r["reason"] for r in result["loss_reasons"]] == ["too expensive"]


def test_rows_shifted_by_a_comma_are_refused_even_when_most_rows_are(tmp_path):
    """Three rows of five pushed one cell right by "Smith, Ana": the two rows of the
    header's width say the file's lines end with no delimiter."""
    rows = [
        "1,A,1000,EUR,won,2026-01-05,2026-01-15,Smith, Ana,\n",
        "2,B,500,EUR,won,2026-01-06,2026-01-26,Smith, Ana,\n",
        "3,C,250,EUR,lost,2026-01-07,2026-01-17,bo,price\n",
        "4,D,700,EUR,research,2026-01-08,,bo,\n",
        "5,E,900,EUR,won,2026-01-09,2026-02-10,Smith, Bo,\n",
    ]
    path = tmp_path / "x.csv"
    path.write_text(GENERIC_HEADER + "".join(rows), "utf-8")
    result = as_json(report(str(path), "--json"))
    assert (result["deals"], result["skipped"]["rows"]) == (2, 3)
    assert [r["field"] for r in result["skipped"]["reasons"]] == ["cells"]


def test_a_date_not_written_in_iso_says_how_to_name_its_format(tmp_path):
    path = tmp_path / "x.csv"
    rows = "1,A,5,EUR,won,10/20/2016,10/22/2016,,\n2,B,5,EUR,won,46027,46029,,\n"
    # a first number above 12 is a day; four digits first, a year
    rows += "4,D,5,EUR,won,20.10.2016,22.10.2016,,\n5,E,5,EUR,won,2016/10/20,2016/10/22,,\n"
    good = "3,C,5,EUR,won,2016-10-20,2016-10-22,,\n"
    path.write_text(GENERIC_HEADER + rows + good, "utf-8")
    reasons = as_json(report(str(path), "--json"))["skipped"]["reasons"]
    hints = {r["problem"].partition(" (")[2] for r in reasons}
    assert hints == {
        "not an ISO date: name the file's format with --date-format, such as %m/%d/%Y)",
        "not an ISO date: name the file's format with --date-format, such as %d.%m.%Y)",
        "not an ISO date: name the file's format with --date-format, such as %Y/%m/%d)",
        "a spreadsheet's day number? write the column as dates first)",
    }


def test_a_date_format_may_read_an_offset(tmp_path):
    path = tmp_path / "x.csv"
    row = "1,A,5,EUR,won,2026-01-01T10:00:00+0200,2026-01-02T22:00:00+0200,,\n"
    path.write_text(GENERIC_HEADER + row, "utf-8")
    result = as_json(report(str(path), "--json", "--date-format", "%Y-%m-%dT%H:%M:%S%z"))
    assert result["overall"]["cycle_days"]["mean"] == 1.5


def test_refused_times_and_amounts_are_shown_as_a_file_writes_them(tmp_path):
    path = tmp_path / "x.csv"
    rows = (
        "1,A,-5,EUR,won,2026-01-05,2026-01-02,,\n"
        "2,B,5,EUR,won,2026-03-08 02:30,2026-03-09,,\n"
        "3,C,5,EUR,won,2026-01-05,2026-01-09,,\n"
    )
    path.write_text(GENERIC_HEADER + rows, "utf-8")
    result = as_json(report(str(path), "--json", "--tz", "America/New_York"))
    assert [r["example"] for r in result["skipped"]["reasons"]] == [
        "-5 EUR",
        "2026-01-02 00:00:00-05:00, where created_at is 2026-01-05 00:00:00-05:00",
        "2026-03-08 02:30:00 in America/New_York",
    ]


def test_a_file_that_is_not_a_csv_export_is_refused_saying_what_it_is(tmp_path):
    as_json_text = tmp_path / "x.json"
    as_json_text.write_text('[{"id": "1", "currency": "EUR"}, {"id": "2", "currency": "EUR"}]\n')
    assert "looks like JSON: this command reads CSV exports" in one_line_error(
        report(str(as_json_text))
    )
    one_line = tmp_path / "long.csv"
    one_line.write_text("x" * ((1 << 24) + 10))  # no line break
    assert "more than 16,777,216 characters without a line break" in one_line_error(
        report(str(one_line))
    )
    assert one_line_error(report("-")) == (
        "the export must be a file: save standard input to one first"
    )


def test_a_currency_other_than_the_presets_is_noted(tmp_path):
    header = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,"
    path = tmp_path / "m.csv"
    path.write_text(header + "close_value\nA1,x,p,Acme,Won,2017-01-01,2017-02-01,10\n", "utf-8")
    code, _, err = report(str(path), "--preset", "maven", "--currency", "EUR")
    assert code == 0
    assert err.startswith("note: the maven preset's amounts are in USD; --currency EUR reads")


def test_messages_say_what_to_do_in_a_file_not_in_python(tmp_path):
    path = tmp_path / "x.csv"
    rows = (
        "1,A,5,EUR,won,2026-11-01 01:30,2026-11-09,,\n"
        "2,B,5,XXQ,won,2026-01-05,2026-01-09,,\n"
        "3,C,5,USD,won,2026-01-05,2026-01-09,,\n"
    )
    path.write_text(GENERIC_HEADER + rows, "utf-8")
    result = as_json(report(str(path), "--json", "--tz", "America/New_York"))
    problems = [r["problem"] for r in result["skipped"]["reasons"]]
    assert problems == [
        "must be a time that occurs once in America/New_York (2026-11-01 01:30:00 occurs "
        "twice: write it with its UTC offset; the first occurrence's is -04:00)",
        "must be an ISO 4217 currency code such as 'EUR' (upper case)",
    ]
    rates = tmp_path / "rates.csv"
    rates.write_text("base,quote,rate\nGBP,EUR,1.1\n", "utf-8")
    message = one_line_error(report(str(path), "--rates", str(rates), "--convert-to", "EUR"))
    assert message.endswith(f"add a row base,quote,rate for it to {rates}")


def test_by_a_column_read_as_a_field_that_names_no_group_says_so(tmp_path):
    header = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,"
    path = tmp_path / "m.csv"
    path.write_text(header + "close_value\nA1,x,p,Acme,Won,2017-01-01,2017-02-01,10\n", "utf-8")
    message = one_line_error(report(str(path), "--preset", "maven", "--by", "close_value"))
    assert message.startswith(
        "--by 'close_value': that column is read as the deal's amount, which names no group"
    )


def test_a_header_read_with_the_wrong_delimiter_or_encoding_says_which_to_pass(tmp_path):
    path = tmp_path / "x.csv"
    text = "id,name,amount,currency,stage,created_at,closed_at\n"
    text += "1,A,5,EUR,won,2026-01-05,2026-01-09\n"
    path.write_text(text, "utf-8")
    assert one_line_error(report(str(path), "--delimiter", ";")).endswith(
        "its columns look separated by ',': pass --delimiter ','"
    )
    path.write_bytes(text.encode("utf-16-le"))
    assert one_line_error(report(str(path))).endswith(
        "UTF-16 without a byte-order mark? pass --encoding utf-16-le"
    )


def test_spaces_around_an_id_are_the_export_s(tmp_path):
    # "A1 " was refused as no id, and then the clean "A1" as its duplicate
    rows = (
        "A1 ,Acme,100,EUR,won,2017-01-01,2017-02-01, ana,\n"
        "A1,Acme,100,EUR,won,2017-01-01,2017-02-01,ana,\n"
        "B2,Globex,50,EUR,won,2017-01-01,2017-02-01,ana ,\n"
    )
    path = tmp_path / "x.csv"
    path.write_text(GENERIC_HEADER + rows, "utf-8")
    result = as_json(report(str(path), "--json"))
    assert (result["deals"], list(result["groups"])) == (2, ["ana"])
    ((reason),) = result["skipped"]["reasons"]
    assert reason["field"] == "id"


# --- a user trial: ordinary exports read wrong, hints that misled ---------------------------


@pytest.mark.parametrize("owner", ["Owner_ID", " owner_id ", "OWNER_ID "])
def test_a_header_differing_in_case_or_spaces_only_is_the_column(tmp_path, owner):
    path = tmp_path / "x.csv"
    header = GENERIC_HEADER.replace("owner_id", owner)
    path.write_text(header + "1,A,5,EUR,won,2026-01-05,2026-01-09,ana,\n", "utf-8")
    code, out, err = report(str(path), "--json")
    assert (code, err) == (0, "")
    assert list(json.loads(out)["groups"]) == ["ana"]


def test_two_headers_naming_one_column_but_for_case_or_spaces_are_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(GENERIC_HEADER.replace("owner_id", "owner_id,Owner_ID "), "utf-8")
    assert one_line_error(report(str(path))) == (
        f"{path} has two columns that read as 'owner_id' (case and spaces aside): 'owner_id' "
        "(column 8) and 'Owner_ID ' (column 9); rename one: which to read cannot be guessed"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"id":"1","stage":"won"},{"id":"2","stage":"won"}]', " looks like JSON: this "
         "command reads CSV exports (convert it first, e.g. with pandas: read_json, then "
         "to_csv)"),
        (b'{"id":"1","stage":"won"}\n{"id":"2","stage":"won"}\n', " looks like JSON Lines (a "
         "JSON object per line): this command reads CSV exports (convert it first, e.g. with "
         "pandas: read_json(lines=True), then to_csv)"),
        (b'\n{"deals": [{"id": "1"}]}\n', " looks like JSON: this command reads CSV exports "
         "(convert it first, e.g. with pandas: read_json, then to_csv)"),
        (b"PK\x03\x04\x14\x00\x06\x00", " is a zip archive, not text (an Excel workbook, "
         ".xlsx, is one): save the sheet as CSV, or unzip the CSV it holds"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", " is an Office file, not text (an Excel "
         "97-2003 workbook, .xls, is one): save the sheet as CSV"),
        (b"\x1f\x8b\x08\x00", " is gzip-compressed: decompress it first (gunzip, 7-Zip)"),
        ("id,name\n".encode("utf-16"), " is UTF-16 text (it starts with a byte-order mark): "
         "pass --encoding utf-16, or save it as UTF-8"),
        (b"\xfe\xff" + "id,name\n".encode("utf-16-be"), " is UTF-16 text (it starts with a "
         "byte-order mark): pass --encoding utf-16, or save it as UTF-8"),
        ("id,name\n".encode("utf-32"), " is UTF-32 text (it starts with a byte-order mark): "
         "pass --encoding utf-32, or save it as UTF-8"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_csv_text_is_told_by_its_first_bytes(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert one_line_error(report(str(path))) == f"{path}{message}"
    rates = tmp_path / "rates.csv"
    rates.write_bytes(content)
    args = ("--rates", str(rates), "--convert-to", "EUR")
    good = str(write_csv(tmp_path / "y.csv", [generic()]))
    assert one_line_error(report(good, *args)) == f"{rates}{message}"


def test_a_utf16_file_with_a_byte_order_mark_is_read_with_the_encoding_it_names(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(
        (GENERIC_HEADER + "1,A,5,EUR,won,2026-01-05,2026-01-09,ana,\n").encode("utf-16")
    )
    assert as_json(report(str(path), "--json", "--encoding", "utf-16"))["deals"] == 1
    assert "pass --encoding utf-16" in one_line_error(
        report(str(path), "--encoding", "utf-16-le")  # would read the mark as a character
    )


def test_trailing_empty_header_cells_and_the_empty_cells_under_them_are_ignored(tmp_path):
    path = tmp_path / "x.csv"
    row = "1,A,5,EUR,won,2026-01-05,2026-01-09,ana,"
    for rows in ([row, row.replace("1,", "2,", 1)], [row + ",,", row.replace("1,", "2,", 1)]):
        path.write_text(GENERIC_HEADER.replace("\n", ",,\n") + "\n".join(rows) + "\n", "utf-8")
        result = as_json(report(str(path), "--json"))
        assert (result["deals"], result["skipped"]["rows"]) == (2, 0)
    # a row longer than the header with its trailing cells is judged as before
    path.write_text(GENERIC_HEADER.replace("\n", ",,\n") + f"{row}\n2{row[1:]},,,x\n", "utf-8")
    (reason,) = as_json(report(str(path), "--json"))["skipped"]["reasons"]
    assert reason["problem"] == "must be 9 cells, as in the header (an unquoted comma?)"


def test_a_column_without_a_name_holding_a_value_is_refused_saying_where(tmp_path):
    path = tmp_path / "x.csv"
    header = GENERIC_HEADER.replace("stage,", "stage,,")
    path.write_text(header + "1,A,5,EUR,won,,2026-01-05,2026-01-09,ana,\n"
                    "2,A,5,EUR,won,q4,2026-01-05,2026-01-09,ana,\n", "utf-8")  # fmt: skip
    assert one_line_error(report(str(path))) == (
        f"{path}, line 3: column 6 holds 'q4' but has no name in the header: name it there, "
        "or delete the column (a header short of a name reads every column after it as the "
        "next one)"
    )
    path.write_text(GENERIC_HEADER.replace("\n", ",\n") + "1,A,5,EUR,won,2026-01-05,"
                    "2026-01-09,ana,,note\n", "utf-8")  # fmt: skip
    assert "line 2: column 10 holds 'note' but has no name" in one_line_error(report(str(path)))
    # the index pandas and R write first, without a name, is not read, as before
    path.write_text("," + GENERIC_HEADER + "0,1,A,5,EUR,won,2026-01-05,2026-01-09,ana,\n", "utf-8")
    assert as_json(report(str(path), "--json"))["deals"] == 1


def test_repeated_ids_and_closes_before_creation_count_as_one_reason_each(tmp_path):
    rows = [generic(id=str(i % 3), created_at=f"2026-01-0{i + 1}") for i in range(8)]
    rows += [generic(id=str(10 + i), created_at=f"2026-02-0{i + 1}") for i in range(3)]
    result = as_json(report(str(write_csv(tmp_path / "x.csv", rows)), "--json"))
    reasons = [
        (r["field"], r["problem"], r["rows"], r["example"]) for r in result["skipped"]["reasons"]
    ]
    assert reasons == [
        ("id", "must be unique", 5, "'0', also on line 2"),
        ("closed_at", "must be no earlier than created_at", 3,
         "2026-01-12 00:00:00+00:00, where created_at is 2026-02-01 00:00:00+00:00"),
    ]  # fmt: skip
    out = report(str(tmp_path / "x.csv"))[1]
    assert (
        "  id must be unique: 5 rows (lines 5, 6, 7, 8, 9; first got '0', also on line 2)\n" in out
    )
    assert report(str(tmp_path / "x.csv"), "--strict")[2].endswith(
        "line 5: id must be unique (got '0', also on line 2)\n"
    )


def test_a_quote_as_delimiter_is_refused_saying_what_is_allowed(tmp_path):
    path = str(write_csv(tmp_path / "x.csv", [generic()]))
    assert one_line_error(report(path, "--delimiter", '"')) == (
        "--delimiter '\"' cannot be the quote character, which encloses cells that hold the "
        "delimiter: pass another character such as ';' or '|', or 'tab'"
    )


@pytest.mark.parametrize(
    "amount", ["1 200", "1'200", "1\u202f200.50", "1\u00a0200", "-12 000 000", "1\u2019200"]
)
def test_thousands_set_apart_by_a_space_or_an_apostrophe_get_a_hint(tmp_path, amount):
    path = str(write_csv(tmp_path / "x.csv", [generic(amount=amount)]))
    out = report(path, "--json")[1]
    (reason,) = json.loads(out)["skipped"]["reasons"]
    assert reason["problem"].endswith(
        "(a space or an apostrophe between thousands? this reader takes no thousands "
        "separator; remove them from the column first)"
    )
    for other in ("12 00", "1 2000", "1'2"):  # no thousands: no hint
        path = str(write_csv(tmp_path / "y.csv", [generic(amount=other)]))
        (reason,) = json.loads(report(path, "--json")[1])["skipped"]["reasons"]
        assert "thousands" not in reason["problem"]


def test_a_salesforce_export_without_a_currency_column_says_to_pass_currency(tmp_path):
    path = tmp_path / "sf.csv"
    path.write_text(
        "Opportunity ID,Opportunity Name,Opportunity Owner,Lead Source,Created Date,Amount,"
        "Stage,Close Date\n006A,Acme,ana,Web,2026-01-02,100,Closed Won,2026-01-12\n",
        "utf-8",
    )
    code, _, err = report(str(path), "--preset", "salesforce")
    assert code == 1
    assert err.splitlines()[0] == (
        f"note: {path} has no column 'Opportunity Currency': the salesforce preset reads the "
        "currency from it, so no deal has one (pass --currency XXX, the currency of every "
        "amount, e.g. USD; or map it with --column currency=COLUMN)"
    )
    result = as_json(report(str(path), "--preset", "salesforce", "--currency", "USD", "--json"))
    assert (result["deals"], result["currencies"]) == (1, ["USD"])
