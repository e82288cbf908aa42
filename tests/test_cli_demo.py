"""The demo: the main job a newcomer runs first."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from datetime import timedelta

import attrs
import pytest

from salesmodel import Activity, Bant, __version__, kpi
from salesmodel._cli import demo, main
from salesmodel.samples import generate


def run_demo(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        assert main(["demo", *args]) == 0
    finally:
        sys.stdout, sys.stderr = saved
    return out.getvalue(), err.getvalue()


# The whole report on the small book of seed 0, as a reader sees it: every heading,
# column, figure and note. It changes only when the sample book, a KPI or the
# report's wording does.
SMALL_SEED_0 = [
    f"salesmodel {__version__} demo: a sample book of business (seed 0, small)",
    "2025-01-01 to 2026-01-01: 4 reps, 155 leads, 40 deals, 8 customers",
    "",
    "1. The pipeline: where deals are, and where they get stuck",
    "==========================================================",
    "",
    "Open deals by stage, as of 2026-01-01:",
    "",
    "stage                chance  open deals  value       weighted",
    "-------------------  ------  ----------  ----------  ----------",
    "Prospecting          5%               0  -           -",
    "Qualification        10%              1  16,800 USD  1,680 USD",
    "Research             20%              0  -           -",
    "Demonstration        40%              1  66,000 USD  26,400 USD",
    "Handling objections  60%              2  2,750 USD   1,650 USD",
    "Closing              80%              0  -           -",
    "",
    "The funnel (every deal, by the furthest stage it reached):",
    "",
    "stage                reached  moved on  next step  from the start",
    "-------------------  -------  --------  ---------  --------------",
    "Prospecting               40        39  97.5%      100.0%",
    "Qualification             39        31  79.5%      97.5%",
    "Research                  31        29  93.5%      77.5%",
    "Demonstration             29        18  62.1%      72.5%",
    "Handling objections       18        12  66.7%      45.0%",
    "Closing                   12        10  83.3%      30.0%",
    "",
    "Bottleneck: demonstration. Only 62.1% of the deals that reach it move on; 10",
    "were lost there.",
    "",
    "2. Why we lose: the reasons deals are lost, and where",
    "=====================================================",
    "",
    "reason                 lost  share  lost most from",
    "---------------------  ----  -----  -------------------",
    "competitor_comparison     8  30.8%  Demonstration",
    "no_budget                 3  11.5%  Qualification",
    "unresponsive              3  11.5%  Qualification",
    "demo_failed               2  7.7%   Demonstration",
    "no_authority              2  7.7%   Handling objections",
    "",
    "The 26 deals lost, by the reason recorded: share of all losses, and the stage",
    "most of them were lost from.",
    "... and 6 more reasons (8 lost).",
    "",
    "3. The reps: who sells, and how well",
    "====================================",
    "",
    "rep           team          won   win rate  avg ticket   cycle d  Q attained",
    "------------  ------------  ----  --------  -----------  -------  ----------",
    "Emeka Dubois  Inside Sales  3/9   33.3%     2,733 USD    28       178.3%",
    "Omar Silva    Inside Sales  2/8   25.0%     4,400 USD    28       157.5%",
    "Wei Mensah    Enterprise    5/14  35.7%     123,200 USD  70       46.9%",
    "Lucia Cohen   Mid-Market    0/5   0.0%      -            -        0.0%",
    "",
    "Ranked by attainment of their revenue target for the last quarter. Win rate: won",
    "/ closed; cycle: median days from creation to win.",
    "",
    "4. The hottest leads: who to call first, and why",
    "================================================",
    "",
    "lead                  score  temp  grade  top reasons",
    "--------------------  -----  ----  -----  --------------------------------------",
    "Evergreen Market       84.4  warm  A1     form +48, need +15",
    "Granite Manufacturi…   58.0  hot   A3     need +15, budget +10",
    "Zenith Pharma          50.3  hot   A3     event or conversation +10, budget +10",
    "Willow Health          40.8  hot   A3     event or conversation +10, budget +10",
    "Zenith Outfitters      25.0  hot   B3     need +15, form +1",
    "Crest Consulting       16.1  hot   C3     no need -20, event or conversation +10",
    "Sterling Insurance     15.9  warm  C3     need +15, outbound -5",
    "Quartz Clinics         15.9  hot   C3     timescale +10, page views +0.0",
    "",
    "57 open leads scored by DEFAULT_SCORER (fit, source, BANT and decayed",
    "engagement, on a curve that keeps the busiest apart); listed by score among the",
    "hot and warm ones, who gave a purchase timeframe of three months or less.",
    "",
    "Also scoring this high, but cold: Lumen Finance (56.2: form +17, need +15);",
    "Beacon College (46.5: need +15, webinar +11); Evergreen Cloud (44.9: need +15,",
    "budget +10). They gave no purchase timeframe: ask for one before a sales call.",
    "",
    "5. Retention: monthly customer cohorts",
    "======================================",
    "",
    "cohort   custs  m0    m1  m2    m3  m4  m5  m6  m7   m8",
    "-------  -----  ----  --  ----  --  --  --  --  ---  --",
    "2025-03      1  100%  0%  0%    0%  0%  0%  0%  0%   0%",
    "2025-05      2  100%  0%  0%    0%  0%  0%  0%  50%  .",
    "2025-06      1  100%  0%  0%    0%  0%  0%  0%  .    .",
    "2025-07      1  100%  0%  0%    0%  0%  0%  .   .    .",
    "2025-08      1  100%  0%  0%    0%  0%  .   .   .    .",
    "2025-10      1  100%  0%  100%  .   .   .   .   .    .",
    "2025-11      1  100%  0%  .     .   .   .   .   .    .",
    "",
    "Share of each month's new customers who bought again in each later month (m0 is",
    "the month they were won): an add-on while they onboard, expansions later, a",
    "renewal after a year. '.' is a month not yet observed.",
    "",
    "6. A deal moving through the pipeline",
    "=====================================",
    "",
    "  2025-12-06  prospecting -> qualification",
    "  2025-12-10  qualification -> research",
    "  2025-12-14  research -> demonstration",
    "",
    "Skipping straight to won is refused, and the deal is left as it was:",
    "",
    "  cannot move Deal 'DEMO-1' from 'demonstration' to 'won': 'demonstration' →",
    "  'won' is not allowed (allowed from 'demonstration': research,",
    "  objection_handling, lost)",
    "  (rule 'not-allowed'; allowed: research, objection_handling, lost)",
    "",
    "Lost on price, then reopened a week later: stage 'qualification', status 'open',",
    "5 changes kept in its history.",
    "",
]


def test_the_small_demo_prints_this_exact_report():
    out, err = run_demo("--size", "small")
    assert err == ""
    assert out.split("\n") == SMALL_SEED_0


def test_a_sales_qualified_lead_is_named_with_where_it_may_go():
    out, _ = run_demo("--size", "small", "--seed", "4")
    assert out.endswith(
        "5 changes kept in its history.\n"
        "Lead L-000012 is sales-qualified; LEAD_LIFECYCLE lets it go to mql, nurture,\n"
        "converted, disqualified.\n"
    )


def test_the_help_describes_the_demo_and_its_options(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "demo      a report on a built-in sample book of business" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for text in (
        "Build a seeded sample book of business and print the report a sales manager would "
        "read: funnel and bottleneck, why deals are lost, reps, hottest leads, retention "
        "cohorts, and a deal moving through the pipeline.",
        "--seed SEED the sample's seed (default 0)",
        "--size {small,medium,large} the sample's size: small (40 deals), medium (3,000; the "
        "default), large (100,000; takes about a minute)",
    ):
        assert text in shown


@pytest.fixture(scope="module")
def medium() -> tuple[str, str]:
    return run_demo()


def test_the_demo_prints_every_section_a_sales_manager_reads(medium):
    out, _ = medium
    for heading in (
        "1. The pipeline",
        "Bottleneck: demonstration",
        "2. Why we lose",
        "3. The reps",
        "4. The hottest leads",
        "5. Retention: monthly customer cohorts",
        "6. A deal moving through the pipeline",
        "rule 'not-allowed'",
        # Only the top twelve of the 25 reps are listed.
        "\n... and 13 more reps.\n",
    ):
        assert heading in out


def test_the_demo_fits_in_80_columns(medium):
    out, _ = medium
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_slow_demo_shows_progress_on_stderr_and_a_small_one_stays_quiet(medium):
    _, err = medium
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0] == "building the medium sample book (seed 0)..."
    # How long it took is shown, not checked.
    assert re.fullmatch(r"built in \d+\.\d s; computing\.\.\.", lines[1])
    assert re.fullmatch(r"done in \d+\.\d s", lines[2])
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


def test_the_hottest_leads_are_ranked_by_score_among_the_hot_and_warm_ones(medium):
    out, _ = medium
    section = out.split("4. The hottest leads")[1].split("5. Retention")[0]
    table = [re.split(r"\s{2,}", row) for row in section.split("\n\n")[1].splitlines()[2:]]
    assert [row[:3] for row in table] == [
        ["Evergreen Capital", "98.4", "warm"],
        ["Horizon Finance", "95.9", "warm"],
        ["Sterling Travel", "95.7", "hot"],
        ["Horizon Pharma", "95.4", "hot"],
        ["Sterling Finance", "94.8", "warm"],
        ["Nimbus Industries", "93.3", "hot"],
        ["Beacon Hotels", "93.2", "hot"],
        ["Bright Advisors", "92.6", "hot"],
    ]
    # No two share a score; the cold leads that score as high are named apart,
    # with what earned their score and why they are not listed.
    assert len({row[1] for row in table}) == len(table)
    note = " ".join(section.split("\n\n")[3].split())
    assert note.startswith("Also scoring this high, but cold: Juniper Bank (97.3: form +97,")
    assert note.endswith("They gave no purchase timeframe: ask for one before a sales call.")


def test_under_the_curve_few_sample_leads_reach_the_top_score():
    book = generate(seed=0, size="medium")
    activities = demo._activities_by_lead(book.activities)
    totals = [
        demo.DEFAULT_SCORER.score(lead, activities.get(lead.id, ()), at=book.as_of).total
        for lead in book.leads
    ]
    top = max(totals)
    assert top < 100
    assert sum(t == top for t in totals) / len(totals) < 0.02
    assert len(set(totals)) > len(totals) / 5


def test_month_1_retention_in_the_demo_is_neither_0_nor_most(medium):
    out, _ = medium
    section = out.split("5. Retention")[1].split("\n\n")[1].splitlines()[2:]
    month_1 = [int(row.split()[3].rstrip("%")) for row in section if row.split()[3] != "."]
    assert sum(5 <= share <= 30 for share in month_1) >= 0.8 * len(month_1)


def test_a_faded_fraction_of_a_point_reads_as_such_not_as_0():
    book = generate(seed=0, size="small")
    quiet = attrs.evolve(book.leads[0], source="other", bant=Bant(), purchase_timeframe_days=None)
    viewed = Activity(
        id="A-1", kind="page_view", at=book.as_of - timedelta(days=30), lead_id=quiet.id
    )
    score = demo.DEFAULT_SCORER.score(quiet, [viewed], at=book.as_of)
    assert demo._reasons(score) == "page views +0.5"  # one view, a half-life ago


def test_the_demo_is_written_to_the_streams_it_is_given(capsys):
    parser = argparse.ArgumentParser()
    demo.add_parser(parser.add_subparsers())
    args = parser.parse_args(["demo", "--size", "small"])
    out, err = io.StringIO(), io.StringIO()
    assert args.run(args, out, err) == 0
    assert out.getvalue().split("\n") == SMALL_SEED_0
    assert err.getvalue() == ""
    assert capsys.readouterr() == ("", "")


def test_a_rep_without_deals_or_target_shows_dashes_and_ranks_last():
    book = generate(seed=0, size="small")
    idle = next(rep for rep in book.reps if rep.manager_id is not None)
    book = attrs.evolve(
        book,
        deals=tuple(d for d in book.deals if d.owner_id != idle.id),
        targets=tuple(t for t in book.targets if t.rep_id != idle.id),
    )
    rows = demo._reps_section(book).split("\n\n")[1].splitlines()
    assert rows[2:] == [
        "Emeka Dubois  Inside Sales  3/9   33.3%     2,733 USD    28       178.3%",
        "Wei Mensah    Enterprise    5/14  35.7%     123,200 USD  70       46.9%",
        "Lucia Cohen   Mid-Market    0/5   0.0%      -            -        0.0%",
        f"{idle.name}    Inside Sales  -     -         -            -        -",
    ]


def test_a_ratio_without_a_value_shows_a_dash():
    assert demo._percent(kpi.win_rate([])) == "-"
    assert demo._percent(kpi.win_rate(generate(seed=0, size="small").deals)) == "27.8%"


def test_a_book_without_customers_says_so_instead_of_a_cohort_table():
    section = demo._cohort_section(generate(seed=0, size=0))
    assert section.split("\n\n")[1] == "  (no customers in this sample)"


def test_why_we_lose_names_losses_without_a_reason_and_without_a_stage():
    book = generate(seed=0, size="small")
    lost = [d for d in book.deals if d.loss_reason is not None]
    unexplained = {d.id for d in lost[:9]}  # more than any one reason of this book
    deals = tuple(
        attrs.evolve(d, loss_reason=None, history=()) if d.id in unexplained else d
        for d in book.deals
    )
    rows = demo._losses_section(attrs.evolve(book, deals=deals)).split("\n\n")[1]
    assert rows.splitlines()[2] == "(no reason)               9  34.6%  -"


def test_a_book_without_lost_deals_says_so_instead_of_a_table():
    section = demo._losses_section(generate(seed=0, size=0))
    assert section.split("\n\n")[1] == "  (no lost deals in this sample)"
