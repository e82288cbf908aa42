"""``python -m salesmodel demo``: a sales manager's report on a built-in sample book."""

from __future__ import annotations

import argparse
import textwrap
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any, TextIO

from salesmodel import (
    DEFAULT_PIPELINE,
    DEFAULT_SCORER,
    LEAD_LIFECYCLE,
    Activity,
    Deal,
    Lead,
    LeadScore,
    Money,
    Status,
    TargetMetric,
    Temperature,
    TransitionError,
    __version__,
    kpi,
    samples,
)
from salesmodel._cli.tables import DASH, table
from salesmodel.kpi import Ratio

WIDTH = 80
_DAY = timedelta(days=1)
TOP_LEADS = 8
COLD_LEADS = 3
TOP_REPS = 12
TOP_LOSS_REASONS = 5
COHORT_COLUMNS = 9


def add_parser(commands: Any) -> None:
    """Register the ``demo`` command."""
    parser = commands.add_parser(
        "demo",
        help="a report on a built-in sample book of business",
        description="Build a seeded sample book of business and print the report a "
        "sales manager would read: funnel and bottleneck, why deals are lost, reps, "
        "hottest leads, retention cohorts, and a deal moving through the pipeline.",
    )
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    parser.add_argument(
        "--size",
        choices=["small", "medium", "large"],
        default="medium",
        help="the sample's size: small (40 deals), medium (3,000; the default), "
        "large (100,000; takes about a minute)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the demo report for ``args.seed`` and ``args.size``."""
    started = time.perf_counter()
    if args.size != "small":
        print(f"building the {args.size} sample book (seed {args.seed})...", file=err, flush=True)
    book = samples.generate(seed=args.seed, size=args.size)
    if args.size != "small":
        print(f"built in {time.perf_counter() - started:.1f} s; computing...", file=err, flush=True)
    sections = [
        _header(book, args),
        _pipeline_section(book),
        _losses_section(book),
        _reps_section(book),
        _leads_section(book),
        _cohort_section(book),
        _moves_section(book),
    ]
    print("\n\n".join(sections), file=out)
    if args.size != "small":
        print(f"done in {time.perf_counter() - started:.1f} s", file=err, flush=True)
    return 0


def _heading(number: int, text: str) -> str:
    title = f"{number}. {text}"
    return f"{title}\n{'=' * len(title)}"


def _money(value: Money) -> str:
    return f"{value.amount.quantize(Decimal(1)):,} {value.currency}"


def _money_or_dash(total: kpi.Total | None) -> str:
    return DASH if total is None or total.amount is None else _money(total.amount)


def _percent(ratio: Ratio) -> str:
    value = ratio.value
    return DASH if value is None else f"{float(value) * 100:.1f}%"


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def _header(book: samples.Book, args: argparse.Namespace) -> str:
    reps = sum(1 for r in book.reps if r.manager_id is not None)
    lines = [
        f"salesmodel {__version__} demo: a sample book of business (seed {args.seed}, {args.size})",
        f"{book.start:%Y-%m-%d} to {book.as_of:%Y-%m-%d}: {reps} reps, {len(book.leads):,} "
        f"leads, {len(book.deals):,} deals, {len(book.customers):,} customers",
    ]
    return "\n".join(lines)


def _currency(book: samples.Book) -> str:
    """The currency of the book's first deal of known value."""
    return next(d.amount.currency for d in book.deals if d.amount is not None)


def _pipeline_section(book: samples.Book) -> str:
    stages = DEFAULT_PIPELINE.open_stages
    currency = _currency(book)
    open_deals = [d for d in book.deals if d.status is Status.OPEN]
    counts = kpi.pipeline_value(open_deals, by="stage", currency=currency)
    weighted = kpi.weighted_pipeline(open_deals, by="stage", currency=currency)
    rows: list[list[object]] = []
    for stage in stages:
        total = counts.get(stage.id)
        rows.append(
            [
                stage.name,
                f"{float(stage.probability) * 100:.0f}%",
                0 if total is None else total.count,
                DASH if total is None or total.amount is None else _money(total.amount),
                _money_or_dash(weighted.get(stage.id)),
            ]
        )
    now = table(["stage", "chance", "open deals", "value", "weighted"], rows)
    funnel = kpi.funnel(book.deals)
    steps = [s for s in funnel.steps if DEFAULT_PIPELINE.stage(s.stage).is_open]
    flow = table(
        ["stage", "reached", "moved on", "next step", "from the start"],
        [
            [
                DEFAULT_PIPELINE.stage(s.stage).name,
                s.reached,
                s.advanced,
                _percent(s.conversion),
                _percent(s.cumulative),
            ]
            for s in steps
        ],
    )
    worst = next(s for s in steps if s.stage == funnel.bottleneck)
    verdict = _wrap(
        f"Bottleneck: {DEFAULT_PIPELINE.stage(worst.stage).name.lower()}. Only "
        f"{_percent(worst.conversion)} of the deals that reach it move on; "
        f"{worst.dropped} were lost there.",
        "",
    )
    return "\n".join(
        [
            _heading(1, "The pipeline: where deals are, and where they get stuck"),
            "",
            f"Open deals by stage, as of {book.as_of:%Y-%m-%d}:",
            "",
            now,
            "",
            "The funnel (every deal, by the furthest stage it reached):",
            "",
            flow,
            "",
            verdict,
        ]
    )


def _losses_section(book: samples.Book) -> str:
    why = kpi.loss_reasons(book.deals)
    rows: list[list[object]] = []
    for row in why.rows[:TOP_LOSS_REASONS]:
        stage = row.stages[0][0] if row.stages else None
        rows.append(
            [
                "(no reason)" if row.reason is None else getattr(row.reason, "value", row.reason),
                row.lost,
                _percent(row.share),
                DASH if stage is None else DEFAULT_PIPELINE.stage(stage).name,
            ]
        )
    notes = [
        _wrap(
            f"The {why.lost:,} deals lost, by the reason recorded: share of all losses, "
            "and the stage most of them were lost from.",
            "",
        )
    ]
    rest = why.rows[TOP_LOSS_REASONS:]
    if rest:
        notes.append(f"... and {len(rest)} more reasons ({sum(r.lost for r in rest):,} lost).")
    return "\n".join(
        [
            _heading(2, "Why we lose: the reasons deals are lost, and where"),
            "",
            table(["reason", "lost", "share", "lost most from"], rows)
            if rows
            else "  (no lost deals in this sample)",
            "",
            *notes,
        ]
    )


def _reps_section(book: samples.Book) -> str:
    sellers = {r.id: r for r in book.reps if r.manager_id is not None}
    deals = [d for d in book.deals if d.owner_id in sellers]
    wins = kpi.win_rate(deals, by="owner_id")
    tickets = kpi.average_ticket(deals, by="owner_id")
    cycles = kpi.sales_cycle(deals, by="owner_id")
    quarter_end = book.as_of
    quarter_start = quarter_end - timedelta(days=92)
    attained: dict[str, Ratio] = {}
    for target in book.targets:
        if (
            target.metric is TargetMetric.REVENUE
            and target.rep_id in sellers
            and target.start >= quarter_start
            and target.end <= quarter_end
        ):
            attained[target.rep_id] = kpi.attainment(deals, target, reps=sellers).ratio
    ranked = sorted(
        sellers,
        key=lambda rep: (attained[rep].value or 0) if rep in attained else -1,
        reverse=True,
    )
    rows: list[list[object]] = []
    for rep_id in ranked[:TOP_REPS]:
        rate = wins.get(rep_id)
        ticket = tickets.get(rep_id)
        cycle = cycles.get(rep_id)
        rows.append(
            [
                sellers[rep_id].name,
                sellers[rep_id].team or DASH,
                DASH if rate is None else f"{rate.numerator}/{rate.denominator}",
                DASH if rate is None else _percent(rate),
                DASH if ticket is None or ticket.value is None else _money(ticket.value),
                DASH if cycle is None or cycle.median is None else round(cycle.median / _DAY),
                DASH if rep_id not in attained else _percent(attained[rep_id]),
            ]
        )
    shown = table(["rep", "team", "won", "win rate", "avg ticket", "cycle d", "Q attained"], rows)
    more = len(sellers) - min(len(sellers), TOP_REPS)
    notes = [
        _wrap(
            "Ranked by attainment of their revenue target for the last quarter. Win rate: "
            "won / closed; cycle: median days from creation to win.",
            "",
        )
    ]
    if more:
        notes.append(f"... and {more} more reps.")
    return "\n".join([_heading(3, "The reps: who sells, and how well"), "", shown, "", *notes])


def _activities_by_lead(activities: Iterable[Activity]) -> dict[str, list[Activity]]:
    grouped: dict[str, list[Activity]] = defaultdict(list)
    for activity in activities:
        if activity.lead_id is not None:
            grouped[activity.lead_id].append(activity)
    return grouped


def _leads_section(book: samples.Book) -> str:
    activities = _activities_by_lead(book.activities)
    open_leads = [lead for lead in book.leads if lead.status is Status.OPEN]
    scored: list[tuple[LeadScore, Lead]] = [
        (DEFAULT_SCORER.score(lead, activities.get(lead.id, ()), at=book.as_of), lead)
        for lead in open_leads
    ]
    scored.sort(key=lambda pair: (-pair[0].total, -pair[0].engagement, -pair[0].fit, pair[1].id))
    # Who to call: the best scores among the leads that said they buy within about
    # three months. A busy lead without a timeframe is named apart, with why.
    timed = [pair for pair in scored if pair[0].temperature is not Temperature.COLD][:TOP_LEADS]
    rows: list[list[object]] = [
        [
            lead.company or lead.name,
            float(score.total),
            score.temperature.value,
            score.grade,
            _reasons(score),
        ]
        for score, lead in timed
    ]
    lowest = timed[-1][0].total if timed else Decimal(0)
    cold = [
        f"{lead.company or lead.name} ({float(score.total):.1f}: {_reasons(score)})"
        for score, lead in scored
        if score.temperature is Temperature.COLD and score.total > lowest
    ][:COLD_LEADS]
    notes = [
        _wrap(
            f"{len(open_leads):,} open leads scored by DEFAULT_SCORER (fit, source, BANT "
            "and decayed engagement, on a curve that keeps the busiest apart); listed "
            "by score among the hot and warm ones, who gave a purchase timeframe of "
            "three months or less.",
            "",
        )
    ]
    if cold:
        notes.append(
            _wrap(
                f"Also scoring this high, but cold: {'; '.join(cold)}. They gave no "
                "purchase timeframe: ask for one before a sales call.",
                "",
            )
        )
    return "\n".join(
        [
            _heading(4, "The hottest leads: who to call first, and why"),
            "",
            table(["lead", "score", "temp", "grade", "top reasons"], rows),
            "",
            "\n\n".join(notes),
        ]
    )


def _reasons(score: LeadScore) -> str:
    """The two largest contributions, as ``"form +48, need +15"`` (a faded
    fraction of a point to one decimal, so it never reads as +0)."""
    return ", ".join(
        f"{c.rule} {c.points:+.0f}" if abs(c.points) >= 1 else f"{c.rule} {c.points:+.1f}"
        for c in score.top_reasons(2)
    )


def _cohort_section(book: samples.Book) -> str:
    cohorts = kpi.cohort_retention(book.deals, tz=UTC, as_of=book.as_of)
    width = min(COHORT_COLUMNS, max((len(r.cells) for r in cohorts.rows), default=0))
    rows: list[list[object]] = []
    for row in cohorts.rows:
        cells: list[object] = [
            "." if cell is None else f"{float(cell.value or 0) * 100:.0f}%"
            for cell in row.cells[:width]
        ]
        rows.append([row.cohort, row.size, *cells, *["."] * (width - len(cells))])
    headers = ["cohort", "custs", *[f"m{i}" for i in range(width)]]
    return "\n".join(
        [
            _heading(5, "Retention: monthly customer cohorts"),
            "",
            table(headers, rows) if rows else "  (no customers in this sample)",
            "",
            _wrap(
                "Share of each month's new customers who bought again in each later "
                "month (m0 is the month they were won): an add-on while they onboard, "
                "expansions later, a renewal after a year. '.' is a month not yet "
                "observed.",
                "",
            ),
        ]
    )


def _moves_section(book: samples.Book) -> str:
    deal = Deal(
        id="DEMO-1",
        name="Acme Ltd - 40 seats",
        amount=Money("48000", _currency(book)),
        created_at=book.as_of - timedelta(days=30),
        owner_id=book.reps[-1].id,
    )
    lines = [_heading(6, "A deal moving through the pipeline"), ""]
    day = deal.created_at
    for stage in ("qualification", "research", "demonstration"):
        day += timedelta(days=4)
        deal = DEFAULT_PIPELINE.move(deal, stage, at=day, by=deal.owner_id)
        lines.append(f"  {day:%Y-%m-%d}  {deal.history[-1].from_stage} -> {stage}")
    lines += ["", "Skipping straight to won is refused, and the deal is left as it was:", ""]
    try:
        DEFAULT_PIPELINE.win(deal, at=day + timedelta(days=1))
    except TransitionError as error:
        lines.append(_wrap(str(error)))
        lines.append(f"  (rule {error.rule!r}; allowed: {', '.join(error.allowed)})")
    lost = DEFAULT_PIPELINE.lose(deal, "price", at=day + timedelta(days=2))
    reopened = DEFAULT_PIPELINE.reopen(lost, at=day + timedelta(days=9))
    lines += [
        "",
        _wrap(
            f"Lost on price, then reopened a week later: stage {reopened.stage!r}, status "
            f"{reopened.status.value!r}, {len(reopened.history)} changes kept in its "
            "history.",
            "",
        ),
    ]
    lead = next((x for x in book.leads if x.status is Status.OPEN and x.stage == "sql"), None)
    if lead is not None:
        lines.append(
            _wrap(
                f"Lead {lead.id} is sales-qualified; LEAD_LIFECYCLE lets it go to "
                f"{', '.join(LEAD_LIFECYCLE.targets(lead.stage))}.",
                "",
            )
        )
    return "\n".join(lines)
