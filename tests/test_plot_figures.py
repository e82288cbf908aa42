"""Charts (salesmodel.plot) read back from their Figure objects, without rendering:
the exact bars, colours, labels, limits and notes a reader sees, on small
hand-made results, and the exact (path, value, expected) of each refused argument."""

from __future__ import annotations

import pickle
import sys
import warnings
from decimal import Decimal
from typing import Any

import attrs
import pytest

pytest.importorskip("matplotlib")

from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from salesmodel import DEFAULT_SCORER, LossReason, Money, SalesModelError, ValidationError, plot
from salesmodel.errors import CurrencyMismatchError
from salesmodel.kpi import (
    CohortRow,
    CohortTable,
    Funnel,
    FunnelStep,
    Grouped,
    LossReasonRow,
    LossReasons,
    Period,
    Ratio,
    Total,
)
from salesmodel.plot import MissingExtraError
from salesmodel.samples import generate

REACHED, ADVANCED = "#c6dbef", "#2171b5"
BOTTLENECK_REACHED, BOTTLENECK, WON = "#fdd0a2", "#d94801", "#238b45"
VALUE, WEIGHTED = "#9ecae1", "#08519c"
NO_REASON = "#bdbdbd"
GREY_NOTE = "#737373"


def issue(error: pytest.ExceptionInfo[ValidationError]) -> tuple[Any, Any, str]:
    (only,) = error.value.issues
    return only.path, only.value, only.expected


def hexes(patches: Any) -> list[str]:
    return [to_hex(p.get_facecolor()) for p in patches]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def flat(pairs: Any) -> list[float]:
    return [float(x) for pair in pairs for x in pair]


def ticks(labels: Any) -> list[str]:
    return [t.get_text() for t in labels]


def tick_length(axis: Any) -> Any:
    return axis._major_tick_kw.get("size")


def step(stage: str, reached: int, advanced: int) -> FunnelStep:
    return FunnelStep(
        stage,
        reached,
        advanced,
        0,
        reached - advanced,
        Ratio(advanced, reached),
        Ratio(reached, 10),
        Ratio(reached - advanced, reached),
    )


def won_step(reached: int) -> FunnelStep:
    return FunnelStep("won", reached, 0, 0, 0, Ratio(0, 0), Ratio(reached, 10), Ratio(0, 0))


# --- arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", [(0, 4), (8, -1), (8,), (8, 5, 1), "85", (8, float("inf")), (True, 5), ("8", 5), 8]
)
def test_a_bad_figure_size_names_the_argument_value_and_rule(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        plot.score_distribution([], figsize=bad)  # type: ignore[arg-type]
    assert issue(caught) == ("figsize", bad, "two positive numbers, (width, height) in inches")


def test_a_figure_size_may_be_ints_or_a_list() -> None:
    fig = plot.score_distribution([], figsize=[3, 2])  # type: ignore[arg-type]
    assert tuple(fig.get_size_inches()) == (3.0, 2.0)
    assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
    assert tuple(plot.score_distribution([]).get_size_inches()) == (8.0, 5.0)


def test_a_title_is_text_or_none_and_bold() -> None:
    with pytest.raises(ValidationError) as caught:
        plot.score_distribution([], title=b"x")  # type: ignore[arg-type]
    assert issue(caught) == ("title", b"x", "a str, or None for the default title")
    title = plot.score_distribution([], title="Mine").axes[0].title
    assert (title.get_text(), title.get_fontweight(), title.get_wrap()) == ("Mine", "bold", True)
    assert plot.score_distribution([], title="").axes[0].get_title() == ""


def test_funnel_and_pipeline_arguments_are_refused_with_their_rule() -> None:
    with pytest.raises(ValidationError) as caught:
        plot.funnel_chart([])  # type: ignore[arg-type]
    assert issue(caught) == (
        "funnel",
        [],
        "a Funnel from kpi.funnel() (for a grouped result, one group)",
    )
    with pytest.raises(ValidationError) as caught:
        plot.funnel_chart(Funnel((), None), pipeline="p")  # type: ignore[arg-type]
    assert issue(caught) == ("pipeline", "p", "a Pipeline")


def test_heatmap_arguments_are_refused_with_their_rule() -> None:
    table = CohortTable((), None)
    with pytest.raises(ValidationError) as caught:
        plot.cohort_heatmap({})  # type: ignore[arg-type]
    assert issue(caught) == ("table", {}, "a CohortTable from kpi.cohort_retention()")
    for bad in (0, -0.5, 1.01, True, "0.5"):
        with pytest.raises(ValidationError) as caught:
            plot.cohort_heatmap(table, vmax=bad)  # type: ignore[arg-type]
        assert issue(caught) == ("vmax", bad, "a share in (0, 1], or None")
    with pytest.raises(ValidationError) as caught:
        plot.cohort_heatmap(table, annotate=1)  # type: ignore[arg-type]
    assert issue(caught) == ("annotate", 1, "True, False or None")
    for good in (1, 1.0, Decimal("0.5"), 0.001):
        image = plot.cohort_heatmap(table, vmax=good).axes[0].images[0]
        assert image.norm.vmax == float(good)


def test_pipeline_values_are_refused_with_their_rule() -> None:
    rule = 'totals per stage id, e.g. kpi.pipeline_value(deals, by="stage")'
    total = Total(Money(1, "EUR"), 1)
    for bad in (total, [("closing", total)]):
        with pytest.raises(ValidationError) as caught:
            plot.pipeline_value_chart(bad)  # type: ignore[arg-type]
        assert issue(caught) == ("values", bad, rule)
    with pytest.raises(ValidationError) as caught:
        plot.pipeline_value_chart({}, weighted=total)  # type: ignore[arg-type]
    assert issue(caught) == ("weighted", total, rule)
    grouped = Grouped({("closing", "o"): total}, ("stage", "owner_id"))
    with pytest.raises(ValidationError) as caught:
        plot.pipeline_value_chart({}, weighted=grouped)  # type: ignore[arg-type]
    assert issue(caught) == (
        "weighted",
        grouped,
        "grouped by stage alone (got by=('stage', 'owner_id')): "
        'kpi.pipeline_value(deals, by="stage")',
    )
    by_stage = Grouped({"closing": total}, ("stage",))
    assert plot.pipeline_value_chart(by_stage).axes[0].patches[5].get_width() == 1
    with pytest.raises(ValidationError) as caught:
        plot.pipeline_value_chart({"closing": total}, weighted={2: total})  # type: ignore[dict-item]
    assert issue(caught) == ("weighted[2]", 2, "a stage id (a str)")
    with pytest.raises(ValidationError) as caught:
        plot.pipeline_value_chart({"closing": 3})  # type: ignore[dict-item]
    assert issue(caught) == ("values['closing']", 3, "a Total")
    with pytest.raises(ValidationError) as caught:
        plot.pipeline_value_chart({}, pipeline=None)  # type: ignore[arg-type]
    assert issue(caught) == ("pipeline", None, "a Pipeline")


def test_two_currencies_are_refused_with_the_way_out() -> None:
    with pytest.raises(CurrencyMismatchError) as caught:
        plot.pipeline_value_chart(
            {"closing": Total(Money(1, "USD"), 1)},
            weighted={"closing": Total(Money(1, "EUR"), 1)},
        )
    assert str(caught.value).startswith(
        "cannot plot amounts in EUR, USD on one axis: compute the values with currency= "
        "and rates=, or plot each currency alone"
    )
    assert caught.value.currencies == ("EUR", "USD")


def test_score_arguments_are_refused_with_their_rule() -> None:
    for bad in (0, 101, -1, 20.0, False):
        with pytest.raises(ValidationError) as caught:
            plot.score_distribution([], bins=bad)  # type: ignore[arg-type]
        assert issue(caught) == ("bins", bad, "an int from 1 to 100")
    with pytest.raises(ValidationError) as caught:
        plot.score_distribution(["x"])  # type: ignore[list-item]
    assert issue(caught) == ("scores[0]", "x", "a LeadScore")
    assert len(plot.score_distribution([], bins=1).axes[0].containers[0]) == 1
    assert len(plot.score_distribution([], bins=100).axes[0].containers[0]) == 100


# --- shared helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0"),
        (0.25, "0.25"),
        (512, "512"),
        (999.4, "999"),
        (999.6, "1k"),
        (97_277.5, "97.3k"),
        (999_600, "1M"),
        (5_449_250, "5.45M"),
        (2.5e9, "2.5B"),
        (3e13, "30T"),
        (-5000, "-5k"),
        (-999_600, "-1M"),
        (999.5, "1k"),
        (999.49, "999"),
        (999_499, "999k"),
        (999_500, "1M"),
        (999_500_000, "1B"),
        (999_499_000, "999M"),
        (999_500_000_000, "1T"),
        (1_234_000_000_000, "1.23T"),
        # No unit above T: plain digits in three significant figures, not 1e+03T.
        (999_499_000_000_000, "999T"),
        (999_999_999_999_999, "1,000T"),
        (123_456_789_012_345_678, "123,000T"),
        (-1.5e15, "-1,500T"),
        (1e30, "1,000,000,000,000,000,000T"),
    ],
)
def test_amounts_are_written_in_three_significant_digits_and_round_into_the_next_unit(
    amount: float, text: str
) -> None:
    assert plot._compact(amount) == text


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.0, "0"),
        (0.075, "7.5%"),
        (0.0994, "9.9%"),
        (0.09951, "10%"),
        (0.114, "11%"),
        (1.0, "100%"),
    ],
)
def test_cell_shares_keep_one_decimal_below_ten_percent(share: float, text: str) -> None:
    assert plot._share(share) == text


def test_the_colour_scale_top_rounds_the_highest_later_share_up_to_five_percent() -> None:
    assert plot._cohort_vmax([[1.0, 0.25, None], [1.0, 0.1]]) == 0.25
    assert plot._cohort_vmax([[1.0, 0.2501]]) == 0.3
    assert plot._cohort_vmax([[1.0, 0.01]]) == 0.05
    assert plot._cohort_vmax([[1.0, 0.0, None]]) == 1.0
    assert plot._cohort_vmax([[1.0]]) == 1.0
    assert plot._cohort_vmax([[0.5, 0.99]]) == 1.0


def test_room_for_notes_leaves_each_note_its_width_after_its_bar() -> None:
    # 8 in wide: axes 6 in; "2.5k (3 deals)" takes (14 + 2) / 15 in, 16/90 of them
    assert plot._room_for_notes([(2500, "2.5k (3 deals)"), (0, "0")], 8) == pytest.approx(
        2500 / (1 - 16 / 90)
    )
    # a note never takes more than 60 % of the axes
    assert plot._room_for_notes([(2500, "2.5k (3 deals)")], 1) == pytest.approx(2500 / 0.4)
    assert plot._room_for_notes([(0, "0 (0 deals)")], 8) == 1.0
    assert plot._room_for_notes([], 8) == 1.0


# --- the funnel ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def funnel() -> Funnel:
    return Funnel(
        (
            step("prospecting", 10, 8),
            step("qualification", 8, 2),
            step("mystery", 2, 1),
            won_step(1),
        ),
        "qualification",
    )


def test_the_funnel_draws_centred_bars_of_reached_and_advanced(funnel: Funnel) -> None:
    ax = plot.funnel_chart(funnel).axes[0]
    geometry = [(p.get_x(), p.get_y(), p.get_width(), p.get_height()) for p in ax.patches]
    assert flat(geometry) == pytest.approx(
        flat(
            [
                (-5, -0.4, 10, 0.8),
                (-4, -0.4, 8, 0.8),
                (-4, 0.6, 8, 0.8),
                (-1, 0.6, 2, 0.8),
                (-1, 1.6, 2, 0.8),
                (-0.5, 1.6, 1, 0.8),
                (-0.5, 2.6, 1, 0.8),
            ]
        )
    )
    assert hexes(ax.patches) == [
        REACHED,
        ADVANCED,
        BOTTLENECK_REACHED,
        BOTTLENECK,
        REACHED,
        ADVANCED,
        WON,
    ]
    assert ax.get_ylim() == (3.5, -0.5)
    assert ax.get_xlim() == pytest.approx((-5.1, 5.1))


def test_the_funnel_labels_each_step_beside_the_axes(funnel: Funnel) -> None:
    fig = plot.funnel_chart(funnel)
    ax = fig.axes[0]
    assert texts(fig) == [
        "10 reached, 80.0% went on",
        "8 reached, 25.0% went on",
        "2 reached, 50.0% went on",
        "1 won (10.0% of all)",
    ]
    for y, note in enumerate(ax.texts):
        slow = y == 1
        assert note.xy == (1.0, y)  # type: ignore[attr-defined]
        assert note.xyann == (6, 0)  # type: ignore[attr-defined]
        assert note.anncoords == "offset points"  # type: ignore[attr-defined]
        assert note.xycoords == ("axes fraction", "data")  # type: ignore[attr-defined]
        assert (note.get_va(), note.get_ha()) == ("center", "left")
        assert to_hex(note.get_color()) == (BOTTLENECK if slow else "#000000")
        assert note.get_fontweight() == ("bold" if slow else "normal")
    labels = ax.get_yticklabels()
    assert ticks(labels) == ["Prospecting", "Qualification", "mystery", "Won"]
    assert [to_hex(t.get_color()) for t in labels] == ["#000000", BOTTLENECK, "#000000", "#000000"]
    assert [t.get_fontweight() for t in labels] == ["normal", "bold", "normal", "normal"]
    assert list(ax.get_yticks()) == [0, 1, 2, 3]
    assert ax.get_title() == "Sales process funnel: bottleneck at Qualification"


def test_the_funnel_shows_no_axis_frame_or_ticks_and_a_three_entry_legend(funnel: Funnel) -> None:
    fig = plot.funnel_chart(funnel)
    ax = fig.axes[0]
    assert not ax.xaxis.get_visible()
    assert ax.yaxis.get_visible()
    assert [ax.spines[s].get_visible() for s in ("top", "right", "bottom", "left")] == [False] * 4
    assert tick_length(ax.yaxis) == 0
    (legend,) = fig.legends
    assert ticks(legend.get_texts()) == ["reached", "went on", "bottleneck"]
    assert hexes(legend.legend_handles) == [REACHED, ADVANCED, BOTTLENECK]
    assert legend._ncols == 3
    assert not legend.get_frame_on()
    assert (legend._outside_loc, legend._loc) == ("lower", 8)  # type: ignore[attr-defined]  # lower center


def test_an_unreached_funnel_says_so_and_keeps_a_unit_width() -> None:
    empty = Funnel((step("prospecting", 0, 0), won_step(0)), None)
    fig = plot.funnel_chart(empty)
    ax = fig.axes[0]
    assert texts(fig) == ["0 reached", "0 won (n/a of all)", "no records reached the funnel"]
    note = ax.texts[-1]
    assert note.get_position() == (0.5, 0.5)
    assert note.get_transform() == ax.transAxes
    assert (note.get_ha(), note.get_va(), to_hex(note.get_color())) == (
        "center",
        "center",
        GREY_NOTE,
    )
    assert ax.get_xlim() == pytest.approx((-0.51, 0.51))
    assert ax.get_title() == "Sales process funnel"


def test_a_funnel_step_outside_the_pipeline_named_won_is_the_won_step() -> None:
    outside = Funnel((step("a", 4, 2), won_step(2)), "a")
    other = plot.funnel_chart(outside, pipeline=generate_lead_pipeline())
    ax = other.axes[0]
    assert ticks(ax.get_yticklabels()) == ["a", "won"]
    assert hexes(ax.patches) == [BOTTLENECK_REACHED, BOTTLENECK, WON]
    assert texts(other) == ["4 reached, 50.0% went on", "2 won (50.0% of all)"]
    # None of its steps is a lead stage: the title names no pipeline.
    assert ax.get_title() == "Funnel: bottleneck at a"


def generate_lead_pipeline() -> Any:
    from salesmodel import LEAD_LIFECYCLE

    return LEAD_LIFECYCLE


# --- cohort retention ---------------------------------------------------------------------


def month(n: int) -> Period:
    return Period("month", 2026, n)


@pytest.fixture(scope="module")
def table() -> CohortTable:
    return CohortTable(
        (
            CohortRow(month(1), 4, (Ratio(4, 4), Ratio(1, 4), Ratio(0, 4))),
            CohortRow(month(2), 1200, (Ratio(1200, 1200), Ratio(90, 1200))),
        ),
        month(3),
    )


def test_the_heatmap_draws_each_share_and_masks_the_unobserved(table: CohortTable) -> None:
    fig = plot.cohort_heatmap(table)
    ax = fig.axes[0]
    (image,) = ax.images
    values: Any = image.get_array()
    assert values.tolist() == [[1.0, 0.25, 0.0], [1.0, 0.075, None]]
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 0.25)
    assert image.get_extent() == [-0.5, 2.5, 1.5, -0.5]
    assert image.get_interpolation() == "nearest"
    assert image.get_zorder() == 1
    assert ax.get_aspect() == "auto"
    assert image.cmap(0.0) == colormaps["YlGnBu"](0.0)
    assert image.cmap(1.0) == colormaps["YlGnBu"](1.0)
    assert image.cmap.get_bad().tolist() == [0.0, 0.0, 0.0, 0.0]
    (ground,) = ax.patches
    assert (ground.get_x(), ground.get_y(), ground.get_width(), ground.get_height()) == (
        -0.5,
        -0.5,
        3,
        2,
    )
    assert to_hex(ground.get_facecolor()) == "#f0f0f0"
    assert to_hex(ground.get_edgecolor()) == "#bdbdbd"
    assert (ground.get_hatch(), ground.get_linewidth(), ground.get_zorder()) == ("///", 0, 0)


def test_the_heatmap_writes_each_share_in_a_colour_readable_on_its_cell(
    table: CohortTable,
) -> None:
    fig = plot.cohort_heatmap(table)
    ax = fig.axes[0]
    assert texts(fig) == ["100%", "25%", "0", "100%", "7.5%"]
    assert [t.get_position() for t in ax.texts] == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1)]
    assert [t.get_color() for t in ax.texts] == ["white", "white", "black", "white", "black"]
    assert {(t.get_ha(), t.get_va()) for t in ax.texts} == {("center", "center")}
    assert [t.get_fontsize() for t in ax.texts] == pytest.approx([_size("small")] * 5)
    # with the whole scale, a 25 % cell is pale: dark text (white only above 60 %)
    full = plot.cohort_heatmap(table, vmax=1).axes[0]
    assert [t.get_color() for t in full.texts] == ["white", "black", "black", "white", "black"]


def _size(name: str) -> float:
    from matplotlib.font_manager import FontProperties

    return float(FontProperties(size=name).get_size_in_points())


def test_the_heatmap_axes_colour_bar_legend_and_title(table: CohortTable) -> None:
    fig = plot.cohort_heatmap(table)
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == [0, 1, 2]
    assert list(ax.get_yticks()) == [0, 1]
    assert ticks(ax.get_yticklabels()) == ["2026-01 (4)", "2026-02 (1,200)"]
    assert ax.get_xlabel() == "months since the first purchase"
    assert ax.get_ylabel() == "cohort (customers)"
    assert tick_length(ax.xaxis) == 0
    assert tick_length(ax.yaxis) == 0
    assert not any(s.get_visible() for s in ax.spines.values())
    assert ax.get_title() == "Customer retention by monthly cohort, observed until 2026-03"
    bar = fig.axes[1]
    assert bar._colorbar_info["parents"] == [ax]  # type: ignore[attr-defined]
    assert bar._colorbar_info["shrink"] == 0.9  # type: ignore[attr-defined]
    assert bar.get_ylabel() == "share of the cohort that bought"
    assert bar.yaxis.get_major_formatter()(0.25, 0) == "25%"
    assert fig.axes[0].images[0].colorbar.extend == "max"  # type: ignore[union-attr]
    whole = plot.cohort_heatmap(table, vmax=1)
    assert whole.axes[0].images[0].colorbar.extend == "neither"  # type: ignore[union-attr]
    (legend,) = fig.legends
    assert ticks(legend.get_texts()) == ["not observed yet"]
    (handle,) = legend.legend_handles
    assert to_hex(handle.get_facecolor()) == "#f0f0f0"  # type: ignore[union-attr]
    assert to_hex(handle.get_edgecolor()) == "#bdbdbd"  # type: ignore[union-attr]
    assert handle.get_hatch() == "///"  # type: ignore[union-attr]
    assert (legend._outside_loc, legend._loc) == ("lower", 4)  # type: ignore[attr-defined]  # lower right
    assert not legend.get_frame_on()
    untitled = CohortTable(table.rows, None)
    assert (
        plot.cohort_heatmap(untitled).axes[0].get_title() == "Customer retention by monthly cohort"
    )
    assert texts(fig)[-1] != "no customers: no won deal with a customer_id"


def one_row(columns: int, kind: str = "month") -> CohortRow:
    cells = (Ratio(1, 1),) + (Ratio(0, 1),) * (columns - 1)
    return CohortRow(Period(kind, 2026, 1), 1, cells)  # type: ignore[arg-type]


def test_the_heatmap_writes_cells_while_they_hold_a_share() -> None:
    def written(rows: int, columns: int) -> int:
        table = CohortTable(tuple(one_row(columns) for _ in range(rows)), None)
        return len(plot.cohort_heatmap(table).axes[0].texts)

    assert written(1, 16) == 16  # 8 in * 0.7 / 16 = 0.35 in wide, a third of an inch
    assert written(1, 17) == 0
    assert written(24, 1) == 24  # 5 in * 0.7 / 24 = 0.146 in high, a seventh
    assert written(25, 1) == 0


def test_a_single_cell_is_written_while_a_third_of_an_inch_wide_and_a_seventh_high() -> None:
    def written(figsize: tuple[float, float]) -> int:
        table = CohortTable((one_row(1),), None)
        return len(plot.cohort_heatmap(table, figsize=figsize).axes[0].texts)

    # 70 % of the figure is the cell: 0.56 and 0.28 in wide, 0.21 and 0.105 in high
    assert [written(size) for size in [(0.8, 5), (0.4, 5), (8, 0.3), (8, 0.15)]] == [1, 0, 1, 0]


def test_the_heatmap_and_the_pipeline_value_chart_take_a_title() -> None:
    table = CohortTable((one_row(2),), None)
    assert plot.cohort_heatmap(table, title="Retention").axes[0].get_title() == "Retention"
    chart = plot.pipeline_value_chart(VALUES, title="Open pipeline")
    assert chart.axes[0].get_title() == "Open pipeline"


def test_a_wide_heatmap_writes_smaller_and_thins_its_columns() -> None:
    def heat(columns: int) -> Any:
        return plot.cohort_heatmap(CohortTable((one_row(columns),), None), annotate=True)

    assert heat(10).axes[0].texts[0].get_fontsize() == pytest.approx(_size("small"))
    assert heat(11).axes[0].texts[0].get_fontsize() == pytest.approx(_size("x-small"))
    assert list(heat(16).axes[0].get_xticks()) == list(range(16))
    locator = heat(17).axes[0].xaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)
    assert locator._nbins == "auto"  # type: ignore[attr-defined]
    assert locator._integer  # type: ignore[attr-defined]
    assert list(locator._steps) == [1, 2, 5, 10]  # type: ignore[attr-defined]
    weekly = CohortTable((one_row(2, "week"),), None)
    ax = plot.cohort_heatmap(weekly).axes[0]
    assert ax.get_xlabel() == "weeks since the first purchase"
    assert ax.get_title() == "Customer retention by weekly cohort"


def test_a_tall_heatmap_labels_about_four_cohorts_an_inch() -> None:
    rows = tuple(CohortRow(month(n), n, (Ratio(1, 1),)) for n in range(1, 6))
    table = CohortTable(rows, None)
    assert list(plot.cohort_heatmap(table).axes[0].get_yticks()) == [0, 1, 2, 3, 4]
    # 1 in high: 4 labels; 5 cohorts, every second
    ax = plot.cohort_heatmap(table, figsize=(8, 1)).axes[0]
    assert list(ax.get_yticks()) == [0, 2, 4]
    assert ticks(ax.get_yticklabels()) == ["2026-01 (1)", "2026-03 (3)", "2026-05 (5)"]
    # too low for even two labels an inch: still two labels for the table
    ax = plot.cohort_heatmap(table, figsize=(8, 0.3)).axes[0]
    assert list(ax.get_yticks()) == [0, 3]


def test_an_empty_heatmap_says_there_are_no_customers() -> None:
    fig = plot.cohort_heatmap(CohortTable((), None))
    ax = fig.axes[0]
    assert texts(fig) == ["no customers: no won deal with a customer_id"]
    assert list(ax.get_xticks()) == []
    assert list(ax.get_yticks()) == []
    (ground,) = ax.patches
    assert (ground.get_width(), ground.get_height()) == (1, 1)
    assert ax.images[0].get_extent() == [-0.5, 0.5, 0.5, -0.5]
    assert ax.images[0].norm.vmax == 1.0
    assert ax.get_xlabel() == "months since the first purchase"
    assert ax.get_title() == "Customer retention by monthly cohort"


# --- pipeline value -------------------------------------------------------------------------


def eur(amount: int, count: int) -> Total:
    return Total(Money(amount, "EUR"), count)


VALUES = {"research": eur(1000, 1), "closing": eur(2500, 3), "custom": eur(500, 2)}
WEIGHTS = {"research": eur(300, 1), "closing": eur(2000, 3), "other": Total(None, 0)}
NAMES = [
    "Prospecting",
    "Qualification",
    "Research",
    "Demonstration",
    "Handling objections",
    "Closing",
    "custom",
    "other",
]


def test_pipeline_value_bars_open_stages_in_order_then_the_others() -> None:
    fig = plot.pipeline_value_chart(VALUES, weighted=WEIGHTS)
    ax = fig.axes[0]
    assert ticks(ax.get_yticklabels()) == NAMES
    assert list(ax.get_yticks()) == list(range(8))
    assert ax.get_ylim() == (7.5, -0.5)
    opened, weighted = ax.patches[:8], ax.patches[8:]
    assert [p.get_width() for p in opened] == [0, 0, 1000, 0, 0, 2500, 500, 0]
    assert [p.get_width() for p in weighted] == [0, 0, 300, 0, 0, 2000, 0, 0]
    assert flat([(p.get_y(), p.get_height()) for p in opened[:2]]) == pytest.approx(
        flat([(-0.4, 0.4), (0.6, 0.4)])
    )
    assert flat([(p.get_y(), p.get_height()) for p in weighted[:2]]) == pytest.approx(
        flat([(0.0, 0.4), (1.0, 0.4)])
    )
    assert set(hexes(opened)) == {VALUE}
    assert set(hexes(weighted)) == {WEIGHTED}


def test_pipeline_value_notes_each_bar_with_its_amount_and_deals() -> None:
    fig = plot.pipeline_value_chart(VALUES, weighted=WEIGHTS)
    ax = fig.axes[0]
    assert texts(fig) == [
        "0 (0 deals)",
        "0 (0 deals)",
        "1k (1 deal)",
        "0 (0 deals)",
        "0 (0 deals)",
        "2.5k (3 deals)",
        "500 (2 deals)",
        "0 (0 deals)",
        *["0", "0", "300", "0", "0", "2k", "0", "0"],
    ]
    opened, weighted = ax.texts[:8], ax.texts[8:]
    assert flat([n.xy for n in opened[2:4]]) == pytest.approx(flat([(1000, 1.8), (0, 2.8)]))  # type: ignore[attr-defined]
    assert flat([n.xy for n in weighted[2:4]]) == pytest.approx(flat([(300, 2.2), (0, 3.2)]))  # type: ignore[attr-defined]
    for note in ax.texts:
        assert note.xycoords == "data"  # type: ignore[attr-defined]
        assert note.xyann == (4, 0)  # type: ignore[attr-defined]
        assert note.anncoords == "offset points"  # type: ignore[attr-defined]
        assert note.get_va() == "center"
        assert note.get_fontsize() == pytest.approx(_size("small"))
    assert {to_hex(n.get_color()) for n in opened} == {"#000000"}
    assert {to_hex(n.get_color()) for n in weighted} == {WEIGHTED}
    assert ax.get_title() == "Open pipeline by stage: 4k EUR in 6 deals, 2.3k weighted"


def test_pipeline_value_axis_grid_legend_and_room_for_notes() -> None:
    fig = plot.pipeline_value_chart(VALUES, weighted=WEIGHTS)
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((0, 2500 / (1 - 16 / 90)))
    assert ax.get_xlabel() == "EUR"
    assert ax.xaxis.get_major_formatter()(2500, 0) == "2.5k"
    gridline = ax.xaxis.get_gridlines()[0]
    assert gridline.get_visible()
    assert (to_hex(gridline.get_color()), gridline.get_linewidth()) == ("#e0e0e0", 0.8)
    assert not ax.yaxis.get_gridlines()[0].get_visible()
    assert ax.get_axisbelow() is True
    assert tick_length(ax.yaxis) == 0
    assert tick_length(ax.xaxis) is None
    assert [ax.spines[s].get_visible() for s in ("top", "right", "bottom", "left")] == [
        False,
        False,
        True,
        True,
    ]
    (legend,) = fig.legends
    assert ticks(legend.get_texts()) == ["open value", "weighted by stage probability"]
    assert hexes(legend.legend_handles) == [VALUE, WEIGHTED]
    assert legend._ncols == 2
    assert not legend.get_frame_on()
    assert (legend._outside_loc, legend._loc) == ("lower", 8)  # type: ignore[attr-defined]  # lower center
    assert "no open deals" not in texts(fig)


def test_pipeline_value_alone_draws_one_wider_bar_a_stage() -> None:
    fig = plot.pipeline_value_chart(VALUES)
    ax = fig.axes[0]
    assert flat([(p.get_y(), p.get_height()) for p in ax.patches[:2]]) == pytest.approx(
        flat([(-0.35, 0.7), (0.65, 0.7)])
    )
    assert ticks(ax.get_yticklabels()) == NAMES[:7]
    assert ax.texts[5].xy == (2500, 5)  # type: ignore[attr-defined]
    assert ticks(fig.legends[0].get_texts()) == ["open value"]
    assert ax.get_title() == "Open pipeline by stage: 4k EUR in 6 deals"


def test_pipeline_value_counts_deals_of_unknown_value_and_never_adds_them_as_zero() -> None:
    values = {
        "research": Total(Money(1000, "EUR"), 1, unknown=1),
        "closing": Total(None, 0, unknown=2),
    }
    weighted = {"research": eur(300, 1), "closing": Total(None, 0, unknown=2)}
    fig = plot.pipeline_value_chart(values, weighted=weighted)
    ax = fig.axes[0]
    notes = texts(fig)
    assert notes[2] == "1k (2 deals; 1 of unknown value)"
    assert notes[5] == "value unknown (2 deals)"
    assert notes[6 + 5] == "value unknown"  # its weighted bar
    assert "no open deals" not in notes
    assert ax.get_title() == (
        "Open pipeline by stage: 1k EUR in 4 deals, 300 weighted, 3 of unknown value"
    )


def test_pipeline_value_of_unknown_amounts_only_counts_them_without_a_figure() -> None:
    fig = plot.pipeline_value_chart({"closing": Total(None, 0, unknown=1)})
    assert texts(fig)[5] == "value unknown (1 deal)"
    assert "no open deals" not in texts(fig)
    assert fig.axes[0].get_title() == "Open pipeline by stage: 1 deal, 1 of unknown value"


def test_amounts_of_a_thousand_trillion_and_more_read_plainly_on_axis_and_title() -> None:
    values = {"research": Total(Money("123456789012345678", "IDR"), 1)}
    fig = plot.pipeline_value_chart(values)
    ax = fig.axes[0]
    assert texts(fig)[2] == "123,000T (1 deal)"
    assert ax.get_title() == "Open pipeline by stage: 123,000T IDR in 1 deal"
    assert ax.xaxis.get_major_formatter()(2e17, 0) == "200,000T"


def test_pipeline_value_without_amounts_says_so_on_a_plain_axis() -> None:
    fig = plot.pipeline_value_chart({"closing": Total(None, 0)})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "amount"
    assert ax.get_xlim() == (0, 1)
    assert texts(fig)[-1] == "no open deals"
    assert ax.get_title() == "Open pipeline by stage: 0 in 0 deals"


# --- why deals are lost ---------------------------------------------------------------------


def loss(reason: Any, lost: int, value: Total) -> LossReasonRow:
    """A row of ten lost deals in all."""
    return LossReasonRow(reason, lost, Ratio(lost, 10), value, ())


LONG = "the champion left and the new head of purchasing never replied"
LOSSES = LossReasons(
    (
        loss(LossReason.PRICE, 4, Total(Money(1000, "EUR"), 3, unknown=1)),
        loss(None, 3, eur(2500, 3)),
        loss("went quiet", 2, Total(None, 0, unknown=2)),
        loss(LONG, 1, eur(500, 1)),
    )
)


def test_loss_reasons_bar_the_lost_deals_of_each_reason_most_first() -> None:
    fig = plot.loss_reasons_chart(LOSSES)
    ax = fig.axes[0]
    assert ticks(ax.get_yticklabels()) == [
        "price",
        "(no reason)",
        "went quiet",
        "the champion left and the new h…",
    ]
    assert list(ax.get_yticks()) == [0, 1, 2, 3]
    assert ax.get_ylim() == (3.5, -0.5)
    assert [p.get_width() for p in ax.patches] == [4, 3, 2, 1]
    assert flat([(p.get_y(), p.get_height()) for p in ax.patches[:2]]) == pytest.approx(
        flat([(-0.35, 0.7), (0.65, 0.7)])
    )
    assert hexes(ax.patches) == [ADVANCED, NO_REASON, ADVANCED, ADVANCED]
    assert texts(fig) == ["4 lost (40.0%)", "3 lost (30.0%)", "2 lost (20.0%)", "1 lost (10.0%)"]
    assert [n.xy for n in ax.texts] == [(4, 0), (3, 1), (2, 2), (1, 3)]  # type: ignore[attr-defined]
    for note in ax.texts:
        assert note.xyann == (4, 0)  # type: ignore[attr-defined]
        assert note.anncoords == "offset points"  # type: ignore[attr-defined]
        assert note.get_va() == "center"
        assert note.get_fontsize() == pytest.approx(_size("small"))
    assert ax.get_xlim() == pytest.approx((0, plot._room_for_notes([(4, "4 lost (40.0%)")], 8)))
    assert ax.get_xlabel() == "lost deals"
    locator = ax.xaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)
    assert locator._integer  # type: ignore[attr-defined]
    assert ax.get_title() == "Why we lose: 10 lost deals"
    assert fig.legends == []


def test_loss_reasons_by_value_bar_known_values_and_say_what_is_unknown() -> None:
    fig = plot.loss_reasons_chart(LOSSES, by="value")
    ax = fig.axes[0]
    # Largest value first; "went quiet" has no known value: no bar, and last.
    assert ticks(ax.get_yticklabels()) == [
        "(no reason)",
        "price",
        "the champion left and the new h…",
        "went quiet",
    ]
    assert [(p.get_y() + p.get_height() / 2, p.get_width()) for p in ax.patches] == [
        (0, 2500),
        (1, 1000),
        (2, 500),
    ]
    assert hexes(ax.patches) == [NO_REASON, ADVANCED, ADVANCED]
    assert texts(fig) == [
        "2.5k (3 lost, 30.0%)",
        "1k (4 lost, 40.0%; 1 of unknown value)",
        "500 (1 lost, 10.0%)",
        "value unknown (2 lost, 20.0%)",
    ]
    assert [n.xy for n in ax.texts] == [(2500, 0), (1000, 1), (500, 2), (0, 3)]  # type: ignore[attr-defined]
    assert ax.get_xlabel() == "EUR"
    assert ax.xaxis.get_major_formatter()(2500, 0) == "2.5k"
    assert ax.get_title() == "Why we lose: 4k EUR in 10 lost deals, 3 of unknown value"


def test_loss_reasons_of_unknown_value_only_are_counted_without_a_figure() -> None:
    quiet = LossReasons((loss("went quiet", 2, Total(None, 0, unknown=2)),))
    ax = plot.loss_reasons_chart(quiet, by="value").axes[0]
    assert ax.get_title() == "Why we lose: 2 lost deals, 2 of unknown value"


def test_loss_reasons_axes_and_grid_follow_the_pipeline_value_chart() -> None:
    ax = plot.loss_reasons_chart(LOSSES).axes[0]
    gridline = ax.xaxis.get_gridlines()[0]
    assert gridline.get_visible()
    assert (to_hex(gridline.get_color()), gridline.get_linewidth()) == ("#e0e0e0", 0.8)
    assert not ax.yaxis.get_gridlines()[0].get_visible()
    assert ax.get_axisbelow() is True
    assert tick_length(ax.yaxis) == 0
    assert [ax.spines[s].get_visible() for s in ("top", "right", "bottom", "left")] == [
        False,
        False,
        True,
        True,
    ]


def test_a_reason_written_as_the_no_reason_label_is_quoted_apart_from_it() -> None:
    both = LossReasons((loss(None, 1, eur(1, 1)), loss("(no reason)", 1, eur(1, 1))))
    labels = plot.loss_reasons_chart(both).axes[0].get_yticklabels()
    assert ticks(labels) == ["(no reason)", "'(no reason)'"]


def test_no_lost_deals_draw_an_empty_chart_with_a_note() -> None:
    for by, title in (
        ("lost", "Why we lose: 0 lost deals"),
        ("value", "Why we lose: 0 in 0 lost deals"),
    ):
        fig = plot.loss_reasons_chart(LossReasons(()), by=by)  # type: ignore[arg-type]
        ax = fig.axes[0]
        assert texts(fig) == ["no lost deals"]
        assert (len(ax.patches), list(ax.get_yticks())) == (0, [])
        assert (ax.get_xlim(), ax.get_ylim()) == ((0, 1), (0.5, -0.5))
        assert ax.get_title() == title


def test_loss_reasons_arguments_are_refused_with_their_rule() -> None:
    rule = "LossReasons from kpi.loss_reasons() (for a grouped result, one group)"
    grouped = Grouped({"ana": LOSSES}, ("owner_id",))
    for bad in (grouped, list(LOSSES.rows), None):
        with pytest.raises(ValidationError) as caught:
            plot.loss_reasons_chart(bad)  # type: ignore[arg-type]
        assert issue(caught) == ("reasons", bad, rule)
    for wrong in ("count", "Value", None, ["lost"]):
        with pytest.raises(ValidationError) as caught:
            plot.loss_reasons_chart(LOSSES, by=wrong)  # type: ignore[arg-type]
        assert issue(caught) == ("by", wrong, "'lost' or 'value'")
    with pytest.raises(ValidationError) as caught:
        plot.loss_reasons_chart(LOSSES, title=1)  # type: ignore[arg-type]
    assert issue(caught) == ("title", 1, "a str, or None for the default title")
    with pytest.raises(ValidationError) as caught:
        plot.loss_reasons_chart(LOSSES, figsize=(8, 0))
    assert issue(caught) == ("figsize", (8, 0), "two positive numbers, (width, height) in inches")


def test_loss_values_in_two_currencies_are_refused_on_one_axis_but_counts_are_drawn() -> None:
    mixed = LossReasons((loss("price", 1, eur(5, 1)), loss("timing", 1, Total(Money(7, "USD"), 1))))
    with pytest.raises(CurrencyMismatchError) as caught:
        plot.loss_reasons_chart(mixed, by="value")
    assert str(caught.value).startswith(
        "cannot plot amounts in EUR, USD on one axis: compute the values with currency= "
        "and rates=, or plot each currency alone"
    )
    assert [p.get_width() for p in plot.loss_reasons_chart(mixed).axes[0].patches] == [1, 1]


# --- lead scores ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scores() -> list[Any]:
    """Two cold (0, 25), three hot (30, 30, 50), one warm (40) lead score."""
    book = generate(seed=0, size=60)
    # Fit alone, capped and clamped rather than curved: round totals to pick from.
    linear = attrs.evolve(DEFAULT_SCORER, fit_max=Decimal(50), half_points=None)
    found = [linear.score(lead, at=book.as_of) for lead in book.leads]
    wanted = [(0, "cold"), (25, "cold"), (30, "hot"), (30, "hot"), (50, "hot"), (40, "warm")]
    out = []
    for total, temperature in wanted:
        out.append(
            next(
                s
                for s in found
                if s.total == total and s.temperature.value == temperature and s not in out
            )
        )
    return out


def test_scores_stack_by_temperature_in_equal_bins(scores: list[Any]) -> None:
    fig = plot.score_distribution(scores, bins=4)
    ax = fig.axes[0]
    cold, warm, hot = ax.containers
    assert [p.get_height() for p in cold] == [1, 1, 0, 0]  # type: ignore[attr-defined]
    assert [p.get_height() for p in warm] == [0, 1, 0, 0]  # type: ignore[attr-defined]
    assert [p.get_height() for p in hot] == [0, 2, 1, 0]  # type: ignore[attr-defined]
    assert [p.get_x() for p in cold] == [0, 25, 50, 75]  # type: ignore[attr-defined]
    assert [p.get_width() for p in cold] == [25] * 4  # type: ignore[attr-defined]
    assert [p.get_y() for p in hot] == [1, 2, 0, 0]  # type: ignore[attr-defined]
    assert [hexes(c)[0] for c in (cold, warm, hot)] == ["#4575b4", "#fdae61", "#d73027"]
    edge = cold[0]  # type: ignore[index]
    assert (to_hex(edge.get_edgecolor()), edge.get_linewidth()) == ("#ffffff", 0.5)


def test_scores_legend_counts_and_medians_hot_first(scores: list[Any]) -> None:
    fig = plot.score_distribution(scores)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert ticks(legend.get_texts()) == [
        "hot: 3 leads, median 30",
        "warm: 1 lead, median 40",
        "cold: 2 leads, median 12",
    ]
    assert hexes(legend.legend_handles) == ["#d73027", "#fdae61", "#4575b4"]
    assert legend.get_title().get_text() == "temperature"
    assert not legend.get_frame_on()
    assert ax.get_title() == "Lead scores by temperature (6 leads)"
    assert "no scores" not in texts(fig)


def test_the_score_axes(scores: list[Any]) -> None:
    fig = plot.score_distribution(scores)
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, 100)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("lead score", "leads")
    locator = ax.yaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)
    assert locator._integer  # type: ignore[attr-defined]
    assert list(locator._steps) == [1, 2, 5, 10]  # type: ignore[attr-defined]
    assert ax.yaxis.get_major_formatter()(1234, 0) == "1,234"
    gridline = ax.yaxis.get_gridlines()[0]
    assert gridline.get_visible()
    assert (to_hex(gridline.get_color()), gridline.get_linewidth()) == ("#e0e0e0", 0.8)
    assert not ax.xaxis.get_gridlines()[0].get_visible()
    assert ax.get_axisbelow() is True
    assert [ax.spines[s].get_visible() for s in ("top", "right", "bottom", "left")] == [
        False,
        False,
        True,
        True,
    ]
    assert ax.get_ylim()[1] > 2
    # 20 bins of 5 points by default
    assert [len(c) for c in ax.containers] == [20, 20, 20]
    assert [p.get_width() for p in ax.containers[0]] == [5] * 20  # type: ignore[attr-defined]


def test_no_scores_keep_a_unit_count_axis_and_a_note() -> None:
    fig = plot.score_distribution([])
    ax = fig.axes[0]
    assert ax.get_ylim() == (0, 1)
    assert texts(fig) == ["no scores"]
    assert ax.get_title() == "Lead scores by temperature (0 leads)"


def test_one_score_is_one_lead(scores: list[Any]) -> None:
    ax = plot.score_distribution(scores[-1:]).axes[0]
    assert ax.get_title() == "Lead scores by temperature (1 lead)"
    assert ticks(ax.get_legend().get_texts()) == [
        "hot: no leads",
        "warm: 1 lead, median 40",
        "cold: no leads",
    ]


# --- without matplotlib -------------------------------------------------------------------


def test_each_chart_without_matplotlib_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, funnel: Funnel
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    charts = {
        "funnel_chart": lambda: plot.funnel_chart(funnel),
        "cohort_heatmap": lambda: plot.cohort_heatmap(CohortTable((), None)),
        "pipeline_value_chart": lambda: plot.pipeline_value_chart({}),
        "score_distribution": lambda: plot.score_distribution([]),
        "loss_reasons_chart": lambda: plot.loss_reasons_chart(LOSSES),
    }
    for what, chart in charts.items():
        with pytest.raises(MissingExtraError) as caught:
            chart()
        error = caught.value
        assert isinstance(error, SalesModelError)
        assert isinstance(error, ImportError)
        assert (error.extra, error.package, error.name, error.feature) == (
            "plot",
            "matplotlib",
            "matplotlib",
            f"salesmodel.plot.{what}",
        )
        assert str(error) == (
            f"salesmodel.plot.{what} needs matplotlib, which is not installed: "
            'pip install "salesmodel[plot]"'
        )
        assert isinstance(error.__cause__, ImportError)


def test_the_missing_extra_error_survives_pickling() -> None:
    error = MissingExtraError("plot", "matplotlib", "salesmodel.plot.cohort_heatmap")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.extra, copy.package, copy.feature, copy.name) == (
        MissingExtraError,
        str(error),
        "plot",
        "matplotlib",
        "salesmodel.plot.cohort_heatmap",
        "matplotlib",
    )


# --- edges ----------------------------------------------------------------------------------


def test_a_small_figure_under_an_inch_is_allowed() -> None:
    fig = plot.score_distribution([], figsize=(0.5, 0.75))
    assert tuple(fig.get_size_inches()) == (0.5, 0.75)


def test_a_cell_share_of_exactly_9_95_percent_is_written_as_10_percent() -> None:
    share = 0.09949999999999999  # the float whose percent is 9.95 exactly
    assert share * 100 == 9.95
    assert plot._share(share) == "10%"


def test_room_for_notes_of_amounts_below_one() -> None:
    # "0.5 (1 deal)": (12 + 2) / 15 in of 6 in
    assert plot._room_for_notes([(0.5, "0.5 (1 deal)")], 8) == pytest.approx(0.5 / (1 - 14 / 90))


def test_a_funnel_without_steps_draws_its_note() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no rows: an empty y range
        fig = plot.funnel_chart(Funnel((), None))
    assert texts(fig) == ["no records reached the funnel"]
    assert fig.axes[0].get_xlim() == pytest.approx((-0.51, 0.51))


def test_the_heatmap_scale_starts_at_zero_and_writes_white_only_above_60_percent() -> None:
    table = CohortTable((CohortRow(month(1), 5, (Ratio(5, 5), Ratio(3, 5), Ratio(4, 5))),), None)
    ax = plot.cohort_heatmap(table, vmax=1).axes[0]
    assert ax.images[0].norm.vmin == 0.0  # not the lowest share, 60 %
    assert texts(ax.figure) == ["100%", "60%", "80%"]  # type: ignore[arg-type]
    assert [t.get_color() for t in ax.texts] == ["white", "black", "white"]


def test_an_empty_heatmap_has_an_empty_image() -> None:
    ax = plot.cohort_heatmap(CohortTable((), None)).axes[0]
    assert ax.images[0].get_array().shape == (0, 0)  # type: ignore[union-attr]


def test_a_cell_of_exactly_a_third_by_a_seventh_of_an_inch_is_written() -> None:
    rows = tuple(one_row(3) for _ in range(5))
    table = CohortTable(rows, None)
    # 3 columns in 3 / 2.1 in at 70 %: a third of an inch each; 5 rows in 5 / 4.9 in: a seventh
    fig = plot.cohort_heatmap(table, figsize=(3 / 2.1, 5 / 4.9))
    assert len(fig.axes[0].texts) == 15
