"""Plots: each chart renders headless to a PNG of the expected size, shows what it
claims (bars, bottleneck, masked cells, stacks), writes nothing by itself, and says
what to install when matplotlib is missing."""

from __future__ import annotations

import itertools
import struct
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text

from salesmodel import (
    DEFAULT_PIPELINE,
    DEFAULT_SCORER,
    LEAD_LIFECYCLE,
    Deal,
    Money,
    Pipeline,
    Stage,
    Status,
    Temperature,
    ValidationError,
    kpi,
    plot,
)
from salesmodel.errors import CurrencyMismatchError
from salesmodel.samples import Book, generate

ORANGE = "#d94801"
GREEN = "#238b45"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book() -> Book:
    """A book big enough for every chart to have something in every part."""
    return generate(seed=0, size=400)


@pytest.fixture(scope="module")
def funnel(book: Book) -> kpi.Funnel:
    return kpi.funnel(book.deals)


@pytest.fixture(scope="module")
def cohorts(book: Book) -> kpi.CohortTable:
    return kpi.cohort_retention(book.deals, tz=UTC, as_of=book.as_of)


@pytest.fixture(scope="module")
def open_deals(book: Book) -> list[Deal]:
    return [d for d in book.deals if d.status is Status.OPEN]


@pytest.fixture(scope="module")
def scores(book: Book) -> list[Any]:
    return [DEFAULT_SCORER.score(lead, at=book.as_of) for lead in book.leads]


@pytest.fixture(scope="module")
def charts(
    book: Book,
    funnel: kpi.Funnel,
    cohorts: kpi.CohortTable,
    open_deals: list[Deal],
    scores: list[Any],
) -> dict[str, Callable[..., Figure]]:
    """Each chart as a function of its keyword options only."""
    values = kpi.pipeline_value(open_deals, by="stage")
    weighted = kpi.weighted_pipeline(open_deals, by="stage")
    losses = kpi.loss_reasons(book.deals)
    return {
        "funnel": lambda **kw: plot.funnel_chart(funnel, **kw),
        "cohorts": lambda **kw: plot.cohort_heatmap(cohorts, **kw),
        "pipeline": lambda **kw: plot.pipeline_value_chart(values, weighted=weighted, **kw),
        "scores": lambda **kw: plot.score_distribution(scores, **kw),
        "losses": lambda **kw: plot.loss_reasons_chart(losses, by="value", **kw),
    }


CHARTS = ["funnel", "cohorts", "pipeline", "scores", "losses"]


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height a PNG's header (its IHDR chunk) declares."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def render(fig: Figure, path: Path) -> bytes:
    """Save *fig* as a PNG at 100 dpi (headless: Agg is what PNGs are drawn with)."""
    fig.savefig(path, dpi=100)
    return path.read_bytes()


def bars(fig: Figure) -> list[Any]:
    """The rectangles of the first axes (bars, and the heat map's ground)."""
    return list(fig.axes[0].patches)


def bars_at(fig: Figure, y: float, within: float = 1e-9) -> list[Any]:
    """The bars of the first axes centred on *y*, widest first."""
    found = [p for p in bars(fig) if abs(p.get_y() + p.get_height() / 2 - y) < within]
    return sorted(found, key=lambda p: -p.get_width())


def legend_texts(legend: Any) -> list[str]:
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


# --- every chart ----------------------------------------------------------------------


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_renders_to_a_non_empty_png_of_the_expected_size(
    name: str, charts: dict[str, Callable[..., Figure]], tmp_path: Path
) -> None:
    fig = charts[name]()
    data = render(fig, tmp_path / f"{name}.png")
    assert isinstance(fig, Figure)
    assert png_size(data) == (800, 500)
    assert len(data) > 10_000  # a drawn chart, not a blank page


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_takes_a_size_and_a_title(
    name: str, charts: dict[str, Callable[..., Figure]], tmp_path: Path
) -> None:
    fig = charts[name](figsize=(6, 4.5), title="Board pack, Q4")
    assert png_size(render(fig, tmp_path / "chart.png")) == (600, 450)
    assert fig.axes[0].get_title() == "Board pack, Q4"
    assert charts[name](title="").axes[0].get_title() == ""
    assert charts[name]().axes[0].get_title() != ""


def drawn_tick_labels(axis: Any) -> list[Text]:
    """The tick labels an axis draws: those of ticks inside its view."""
    low, high = sorted(axis.get_view_interval())
    slack = (high - low) * 1e-9
    return [
        tick.label1
        for tick in axis.get_major_ticks()
        if low - slack <= tick.get_loc() <= high + slack and tick.label1.get_text()
    ]


def assert_readable(fig: Figure) -> None:
    """Everything drawn is inside the figure, and no two tick labels overlap."""
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    fig.draw(renderer)
    page = fig.bbox
    ax = fig.axes[0]
    boxes = [a.get_tightbbox(renderer) for a in fig.axes]  # ticks, labels, titles, notes
    legends = [*fig.legends, ax.get_legend()]
    boxes += [legend.get_window_extent(renderer) for legend in legends if legend is not None]
    boxes += [text.get_window_extent(renderer) for text in ax.texts]
    for box in boxes:
        assert box is not None
        assert page.x0 - 1 <= box.x0, box
        assert box.x1 <= page.x1 + 1, box
        assert page.y0 - 1 <= box.y0, box
        assert box.y1 <= page.y1 + 1, box
    for axis in (ax.xaxis, ax.yaxis):
        labels = drawn_tick_labels(axis)
        extents = [t.get_window_extent(renderer) for t in labels]
        for a, b in itertools.pairwise(extents):
            assert not a.overlaps(b), [t.get_text() for t in labels]


@pytest.mark.parametrize("figsize", [(8, 5), (6, 4)])
@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_keeps_every_label_inside_the_figure_and_apart(
    name: str, figsize: tuple[float, float], charts: dict[str, Callable[..., Figure]]
) -> None:
    assert_readable(charts[name](figsize=figsize))


@pytest.mark.parametrize("name", CHARTS)
def test_a_figure_size_must_be_two_positive_numbers(
    name: str, charts: dict[str, Callable[..., Figure]]
) -> None:
    for bad in [(0, 4), (8,), "8x5", (8, float("nan")), (True, 5)]:
        with pytest.raises(ValidationError, match="figsize"):
            charts[name](figsize=bad)


def test_charts_write_nothing_and_leave_pyplot_alone(tmp_path: Path) -> None:
    # In a fresh interpreter, so that no other test's pyplot import hides a use of it.
    script = """
import os, sys
from datetime import UTC
from salesmodel import DEFAULT_SCORER, Status, kpi, plot
from salesmodel.samples import generate
book = generate(seed=0)
deals = [d for d in book.deals if d.status is Status.OPEN]
figures = [
    plot.funnel_chart(kpi.funnel(book.deals)),
    plot.cohort_heatmap(kpi.cohort_retention(book.deals, tz=UTC)),
    plot.pipeline_value_chart(kpi.pipeline_value(deals, by="stage")),
    plot.score_distribution(DEFAULT_SCORER.score(x, at=book.as_of) for x in book.leads),
    plot.loss_reasons_chart(kpi.loss_reasons(book.deals), by="value"),
]
for fig in figures:
    fig.canvas.draw()
print(sorted(os.listdir(".")), "matplotlib.pyplot" in sys.modules)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["[]", "False"]


def test_charts_drawn_in_threads_at_once_equal_those_drawn_one_by_one(
    charts: dict[str, Callable[..., Figure]],
) -> None:
    def png(name: str) -> bytes:
        buffer = BytesIO()
        charts[name]().savefig(buffer, format="png", dpi=50)
        return buffer.getvalue()

    alone = [png(name) for name in CHARTS]
    with ThreadPoolExecutor(max_workers=len(CHARTS)) as pool:
        together = list(pool.map(png, CHARTS))
    assert together == alone


# --- without matplotlib ----------------------------------------------------------------


def test_the_module_imports_without_matplotlib_and_does_not_import_it() -> None:
    script = """
import sys
import salesmodel.plot as plot
assert "matplotlib" not in sys.modules, "importing salesmodel.plot imported matplotlib"
sys.modules["matplotlib"] = None  # as if it were not installed
from salesmodel.samples import generate
from salesmodel import kpi
try:
    plot.funnel_chart(kpi.funnel(generate(seed=0).deals))
except plot.MissingExtraError as error:
    print(error)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert 'pip install "salesmodel[plot]"' in result.stdout


# --- the funnel ------------------------------------------------------------------------


def test_the_funnel_draws_each_step_as_reached_with_an_advanced_core(
    funnel: kpi.Funnel,
) -> None:
    fig = plot.funnel_chart(funnel)
    for y, step in enumerate(funnel.steps):
        bars = bars_at(fig, y)
        widths = [bar.get_width() for bar in bars]
        if step.stage == "won":
            assert widths == [step.reached]
            assert to_hex(bars[0].get_facecolor()) == GREEN
        else:
            assert widths == [step.reached, step.advanced]
        for bar in bars:  # centred: a funnel, not a bar chart
            assert bar.get_x() + bar.get_width() / 2 == pytest.approx(0)


def test_the_funnel_highlights_its_bottleneck_and_only_it(funnel: kpi.Funnel) -> None:
    assert funnel.bottleneck == "demonstration"
    fig = plot.funnel_chart(funnel)
    ax = fig.axes[0]
    labels = {t.get_text(): t for t in ax.get_yticklabels()}
    for y, step in enumerate(funnel.steps):
        core = bars_at(fig, y)[-1]
        label = labels[DEFAULT_PIPELINE.stage(step.stage).name]
        if step.stage == funnel.bottleneck:
            assert to_hex(core.get_facecolor()) == ORANGE
            assert to_hex(label.get_color()) == ORANGE
            assert label.get_fontweight() == "bold"
        else:
            assert to_hex(core.get_facecolor()) != ORANGE
            assert label.get_fontweight() == "normal"
    assert ax.get_title() == "Sales process funnel: bottleneck at Demonstration"
    assert legend_texts(fig.legends[0]) == ["reached", "went on", "bottleneck"]


def test_the_funnel_labels_each_step_with_its_count_and_conversion(
    funnel: kpi.Funnel,
) -> None:
    notes = [t.get_text() for t in plot.funnel_chart(funnel).axes[0].texts]
    first = funnel.steps[0]
    won = funnel["won"]
    assert len(notes) == len(funnel.steps)
    assert notes[0] == (
        f"{first.reached:,} reached, {float(first.conversion.value or 0) * 100:.1f}% went on"
    )
    assert notes[-1] == f"{won.reached:,} won ({won.reached / first.reached * 100:.1f}% of all)"


def test_the_funnel_names_steps_by_their_pipeline(book: Book) -> None:
    leads = kpi.funnel(book.leads, pipeline=LEAD_LIFECYCLE)
    fig = plot.funnel_chart(leads, pipeline=LEAD_LIFECYCLE)
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert names == [LEAD_LIFECYCLE.stage(step.stage).name for step in leads.steps]
    assert names[:3] == ["Suspect", "Contacted", "Marketing qualified"]
    assert fig.axes[0].get_title().startswith("Lead lifecycle funnel")


def test_the_funnel_title_names_the_pipeline_never_by_its_id(book: Book) -> None:
    stages = [Stage("new", "New", "0.1"), Stage("signed", "Signed", "1", status=Status.WON)]
    stages.append(Stage("gone", "Gone", "0", status=Status.LOST))
    unnamed = Pipeline("b2b_new", stages)
    named = Pipeline("b2b_new", stages, name="New business")
    deal = Deal(
        id="D-1",
        name="d",
        amount=Money(1, "EUR"),
        created_at=book.start,
        pipeline_id="b2b_new",
        stage="new",
    )
    funnel = kpi.funnel([deal], pipeline=unnamed)
    title = plot.funnel_chart(funnel, pipeline=unnamed).axes[0].get_title()
    assert title == "Funnel: bottleneck at New"
    title = plot.funnel_chart(funnel, pipeline=named).axes[0].get_title()
    assert title == "New business funnel: bottleneck at New"
    # Plotted against a pipeline it was not computed on: no pipeline named.
    leads = kpi.funnel(book.leads, pipeline=LEAD_LIFECYCLE)
    assert plot.funnel_chart(leads).axes[0].get_title().startswith("Funnel: bottleneck at ")


def test_an_empty_funnel_draws_with_a_note_and_no_bottleneck() -> None:
    fig = plot.funnel_chart(kpi.funnel([]))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "no records reached the funnel" in texts
    assert fig.axes[0].get_title() == "Sales process funnel"
    assert all(bar.get_width() == 0 for bar in bars(fig))


def test_a_grouped_funnel_or_another_result_is_refused(book: Book) -> None:
    grouped = kpi.funnel(book.deals, by="owner_id")
    with pytest.raises(ValidationError, match="one group") as caught:
        plot.funnel_chart(grouped)  # type: ignore[arg-type]
    assert caught.value.field == "funnel"
    with pytest.raises(ValidationError, match="'pipeline' must be a Pipeline"):
        plot.funnel_chart(grouped[next(iter(grouped))], pipeline="default")  # type: ignore[arg-type]


# --- cohort retention ------------------------------------------------------------------


def test_cohort_cells_not_observed_are_masked_and_zeros_are_not(
    cohorts: kpi.CohortTable,
) -> None:
    fig = plot.cohort_heatmap(cohorts)
    image: Any = fig.axes[0].images[0].get_array()
    matrix = cohorts.matrix()
    assert image.shape == (len(matrix), max(len(r) for r in matrix))
    nones = zeros = 0
    for i, row in enumerate(matrix):
        padded = row + [None] * (image.shape[1] - len(row))
        for j, cell in enumerate(padded):
            assert bool(image.mask[i, j]) is (cell is None)
            if cell is None:
                nones += 1
            else:
                assert image[i, j] == cell
                zeros += cell == 0
    assert nones > 0  # both kinds are in the sample
    assert zeros > 0
    # the hatched ground the masked cells show, and its legend entry
    ground = [p for p in fig.axes[0].patches if p.get_hatch() == "///"]
    assert len(ground) == 1
    assert legend_texts(fig.legends[0]) == ["not observed yet"]


def test_cohort_cells_are_written_in_the_cells_when_they_fit(
    cohorts: kpi.CohortTable,
) -> None:
    texts = [t.get_text() for t in plot.cohort_heatmap(cohorts).axes[0].texts]
    observed = sum(cell is not None for row in cohorts.matrix() for cell in row)
    assert len(texts) == observed
    assert texts[0] == "100%"
    assert "0" in texts
    assert len(plot.cohort_heatmap(cohorts, annotate=False).axes[0].texts) == 0
    assert len(plot.cohort_heatmap(cohorts, figsize=(4, 3)).axes[0].texts) == 0  # too small
    forced = plot.cohort_heatmap(cohorts, figsize=(4, 3), annotate=True)
    assert len(forced.axes[0].texts) == observed


def test_cohort_rows_name_the_cohort_and_its_size(cohorts: kpi.CohortTable) -> None:
    fig = plot.cohort_heatmap(cohorts)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [f"{row.cohort} ({row.size:,})" for row in cohorts.rows]
    assert fig.axes[0].get_xlabel() == "months since the first purchase"


def test_the_cohort_colour_scale_ends_at_the_highest_later_share(
    cohorts: kpi.CohortTable,
) -> None:
    later = max(c for row in cohorts.matrix() for c in row[1:] if c is not None)
    assert later == pytest.approx(0.5)  # 2 of the 4 customers of June 2025, in August
    image = plot.cohort_heatmap(cohorts).axes[0].images[0]
    assert image.norm.vmax == pytest.approx(0.5)  # a multiple of 5 %: kept
    assert plot.cohort_heatmap(cohorts, vmax=1).axes[0].images[0].norm.vmax == 1
    for bad in [0, 1.5, "1", True]:
        with pytest.raises(ValidationError, match="vmax"):
            plot.cohort_heatmap(cohorts, vmax=bad)  # type: ignore[arg-type]


def test_a_long_weekly_table_thins_its_labels_and_leaves_cells_unwritten() -> None:
    deals = generate(seed=1, size=1500, months=30).deals
    table = kpi.cohort_retention(deals, tz=UTC, period="week")
    assert len(table.rows) > 100
    fig = plot.cohort_heatmap(table)
    assert_readable(fig)
    ax = fig.axes[0]
    assert len(ax.texts) == 0
    assert len(ax.get_yticks()) <= 20
    assert ax.get_xlabel() == "weeks since the first purchase"
    assert "weekly cohort" in ax.get_title()


def test_an_empty_cohort_table_draws_with_a_note() -> None:
    fig = plot.cohort_heatmap(kpi.cohort_retention([], tz=UTC))
    assert "no customers: no won deal with a customer_id" in [
        t.get_text() for t in fig.axes[0].texts
    ]


def test_the_heatmap_refuses_anything_but_a_cohort_table(book: Book) -> None:
    with pytest.raises(ValidationError, match="CohortTable"):
        plot.cohort_heatmap(kpi.win_rate(book.deals))  # type: ignore[arg-type]


# --- pipeline value ----------------------------------------------------------------------


def test_pipeline_value_has_one_bar_per_open_stage_in_pipeline_order(
    open_deals: list[Deal],
) -> None:
    values = kpi.pipeline_value(open_deals, by="stage")
    fig = plot.pipeline_value_chart(values)
    ax = fig.axes[0]
    stages = DEFAULT_PIPELINE.open_stages
    assert [t.get_text() for t in ax.get_yticklabels()] == [s.name for s in stages]
    assert len(ax.patches) == len(stages)
    for y, stage in enumerate(stages):
        (bar,) = bars_at(fig, y)
        total = values.get(stage.id)
        expected = 0 if total is None or total.amount is None else float(total.amount.amount)
        assert bar.get_width() == pytest.approx(expected)
    assert ax.get_xlabel() == "USD"


def test_a_stage_without_open_deals_shows_as_zero() -> None:
    deal = Deal(
        id="1", name="a", amount=Money(1000, "EUR"), created_at=generate().start, stage="research"
    )
    fig = plot.pipeline_value_chart(kpi.pipeline_value([deal], by="stage"))
    widths = [bars_at(fig, y)[0].get_width() for y in range(6)]
    assert widths == [0, 0, 1000, 0, 0, 0]
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert notes[2] == "1k (1 deal)"
    assert notes[0] == "0 (0 deals)"
    assert fig.axes[0].get_title() == "Open pipeline by stage: 1k EUR in 1 deal"


def test_weighted_value_adds_a_darker_bar_beside_each_stage(open_deals: list[Deal]) -> None:
    values = kpi.pipeline_value(open_deals, by="stage")
    weighted = kpi.weighted_pipeline(open_deals, by="stage")
    fig = plot.pipeline_value_chart(values, weighted=weighted)
    assert len(fig.axes[0].patches) == 2 * len(DEFAULT_PIPELINE.open_stages)
    demo = DEFAULT_PIPELINE.index("demonstration")
    pair = bars_at(fig, demo, within=0.5)
    assert sorted(p.get_width() for p in pair) == pytest.approx(
        sorted(
            float(t.amount.amount)
            for t in (values["demonstration"], weighted["demonstration"])
            if t.amount
        )
    )
    assert legend_texts(fig.legends[0]) == [
        "open value",
        "weighted by stage probability",
    ]


def test_pipeline_values_must_be_totals_keyed_by_stage_alone(open_deals: list[Deal]) -> None:
    with pytest.raises(ValidationError, match='by="stage"'):
        plot.pipeline_value_chart(kpi.pipeline_value(open_deals))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="grouped by stage alone"):
        plot.pipeline_value_chart(kpi.pipeline_value(open_deals, by="owner_id"))
    with pytest.raises(ValidationError, match="a Total"):
        plot.pipeline_value_chart({"closing": 12})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="weighted"):
        plot.pipeline_value_chart({}, weighted=[1, 2])  # type: ignore[arg-type]


def test_amounts_in_two_currencies_are_refused_on_one_axis() -> None:
    values = {
        "closing": kpi.Total(Money(10, "EUR"), 1),
        "research": kpi.Total(Money(10, "USD"), 1),
    }
    with pytest.raises(CurrencyMismatchError, match="EUR, USD") as caught:
        plot.pipeline_value_chart(values)
    assert caught.value.currencies == ("EUR", "USD")


# --- why deals are lost ------------------------------------------------------------------


def test_loss_reasons_bar_each_reason_of_the_kpi_most_lost_first(book: Book) -> None:
    why = kpi.loss_reasons(book.deals)
    fig = plot.loss_reasons_chart(why)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [row.reason for row in why.rows]
    widths = [bar.get_width() for bar in bars(fig)]
    assert widths == [row.lost for row in why.rows]
    assert widths == sorted(widths, reverse=True)
    assert sum(widths) == why.lost == sum(d.status is Status.LOST for d in book.deals)
    top = why.rows[0]
    assert ax.texts[0].get_text() == f"{top.lost} lost ({top.lost / why.lost * 100:.1f}%)"
    assert ax.get_title() == f"Why we lose: {why.lost} lost deals"


def test_loss_reasons_by_value_bar_the_value_lost_largest_first(book: Book) -> None:
    why = kpi.loss_reasons(book.deals)
    fig = plot.loss_reasons_chart(why, by="value")
    widths = [bar.get_width() for bar in bars(fig)]
    assert widths == sorted(widths, reverse=True)
    lost = {row.reason: float(row.value.amount.amount) for row in why.rows if row.value.amount}
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert widths == [lost[name] for name in names]
    assert fig.axes[0].get_xlabel() == "USD"


# --- lead scores ---------------------------------------------------------------------------


def test_scores_stack_cold_warm_and_hot_with_their_counts(scores: list[Any]) -> None:
    fig = plot.score_distribution(iter(scores))  # one pass: an iterator works
    ax = fig.axes[0]
    counts = Counter(s.temperature for s in scores)
    stacks: list[Any] = list(ax.containers)
    assert len(stacks) == 3
    temperatures = [Temperature.COLD, Temperature.WARM, Temperature.HOT]
    for stack, temperature in zip(stacks, temperatures, strict=True):
        assert len(stack.patches) == 20
        assert sum(p.get_height() for p in stack.patches) == counts[temperature]
    legend = legend_texts(ax.get_legend())
    assert [text.split(":")[0] for text in legend] == ["hot", "warm", "cold"]
    assert legend[0].startswith(f"hot: {counts[Temperature.HOT]:,} leads, median ")
    assert ax.get_title() == f"Lead scores by temperature ({len(scores):,} leads)"
    assert ax.get_xlim() == (0, 100)


def test_scores_take_a_number_of_bins(scores: list[Any]) -> None:
    fig = plot.score_distribution(scores, bins=10)
    assert [len(c) for c in fig.axes[0].containers] == [10, 10, 10]
    for bad in [0, 101, 2.5, True]:
        with pytest.raises(ValidationError, match="bins"):
            plot.score_distribution(scores, bins=bad)  # type: ignore[arg-type]


def test_anything_but_a_lead_score_is_refused_by_its_position(scores: list[Any]) -> None:
    with pytest.raises(ValidationError, match=r"'scores\[2\]' must be a LeadScore"):
        plot.score_distribution([*scores[:2], 42.0])  # type: ignore[list-item]


def test_scores_that_are_not_an_iterable_are_named() -> None:
    for bad in (None, 5, "scores"):
        with pytest.raises(ValidationError) as caught:
            plot.score_distribution(bad)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("scores", bad)
        assert caught.value.allowed == "an iterable of LeadScore"


def test_no_scores_draw_an_empty_chart_with_a_note() -> None:
    ax = plot.score_distribution([]).axes[0]
    assert "no scores" in [t.get_text() for t in ax.texts]
    assert legend_texts(ax.get_legend()) == [
        "hot: no leads",
        "warm: no leads",
        "cold: no leads",
    ]
