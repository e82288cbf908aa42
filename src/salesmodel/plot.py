"""Plots of KPI results: the funnel, cohort retention, pipeline value, why deals are
lost, lead scores.

An optional extra: ``pip install "salesmodel[plot]"`` brings matplotlib. This module
imports matplotlib only when a function is called, so importing it costs nothing
and works without matplotlib; calling a function without it raises
:class:`MissingExtraError` saying what to install.

Every function takes a KPI result, returns a new :class:`matplotlib.figure.Figure`
and does nothing else: it writes no file, never calls ``pyplot.show()`` and never
touches pyplot's global state (figures are built with ``Figure()`` directly), so it
is safe from threads and leaks no figure. Save one with
``fig.savefig("funnel.png")``; a notebook displays one returned by a cell.

>>> from salesmodel import kpi, plot
>>> from salesmodel.samples import generate
>>> fig = plot.funnel_chart(kpi.funnel(generate(seed=0).deals))
>>> fig.axes[0].get_title()
'Sales process funnel: bottleneck at Demonstration'

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Final, Literal

from salesmodel._checks import collection_argument
from salesmodel.enums import Status, Temperature
from salesmodel.errors import CurrencyMismatchError, SalesModelError, ValidationError
from salesmodel.kpi import (
    CohortTable,
    Funnel,
    FunnelStep,
    Grouped,
    LossReasonRow,
    LossReasons,
    Total,
)
from salesmodel.pipeline import DEFAULT_PIPELINE, Pipeline
from salesmodel.scoring import LeadScore

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_FIGSIZE",
    "MissingExtraError",
    "cohort_heatmap",
    "funnel_chart",
    "loss_reasons_chart",
    "pipeline_value_chart",
    "score_distribution",
]

#: The size of every figure unless ``figsize=`` says otherwise, in inches (at
#: matplotlib's default 100 dpi, 800 x 500 pixels).
DEFAULT_FIGSIZE: Final = (8.0, 5.0)

# Colours: ColorBrewer hues, distinct in lightness too (readable by colour-blind
# readers and in grey print). Blue is the ordinary case, orange the one to look at.
_REACHED: Final = "#c6dbef"
_ADVANCED: Final = "#2171b5"
_BOTTLENECK_REACHED: Final = "#fdd0a2"
_BOTTLENECK: Final = "#d94801"
_WON: Final = "#238b45"
_VALUE: Final = "#9ecae1"
_WEIGHTED: Final = "#08519c"
# Grey: losses without a recorded reason, a gap in the data rather than a reason.
_NO_REASON: Final = "#bdbdbd"
_NOT_OBSERVED: Final = "#f0f0f0"
_NOT_OBSERVED_HATCH: Final = "#bdbdbd"
_TEMPERATURE_COLOURS: Final = {
    Temperature.COLD: "#4575b4",
    Temperature.WARM: "#fdae61",
    Temperature.HOT: "#d73027",
}
_COHORT_CMAP: Final = "YlGnBu"
_MAX_LABELLED_COLUMNS: Final = 16
# How a loss without a recorded reason is labelled, and how long a reason may print.
_NO_REASON_LABEL: Final = "(no reason)"
_REASON_CHARACTERS: Final = 32
# The share of a figure's width (height) the heat map's cells take, roughly.
_PLOT_SHARE: Final = 0.7
_LABELS_PER_INCH: Final = 4


class MissingExtraError(SalesModelError, ImportError):
    """An optional extra of salesmodel is not installed.

    Raised when a function needs a package that only an extra brings, e.g. a plot
    without matplotlib. The message says what to install.

    Attributes:
        extra: The extra to install, e.g. ``"plot"``.
        package: The missing package, e.g. ``"matplotlib"``; also ``name``, as
            for any :class:`ImportError`.
        feature: What needs it, e.g. ``"salesmodel.plot.funnel_chart"``.

    .. versionadded:: 0.1.0
    """

    extra: str
    package: str
    feature: str

    def __init__(self, extra: str, package: str, feature: str) -> None:
        self.extra = extra
        self.package = package
        self.feature = feature
        super().__init__(
            f'{feature} needs {package}, which is not installed: pip install "salesmodel[{extra}]"',
            name=package,
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.extra, self.package, self.feature))


# --- shared helpers ------------------------------------------------------------------


def _new_figure(what: str, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new figure with one axes, laid out so nothing overlaps; matplotlib
    imported here, lazily."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise MissingExtraError("plot", "matplotlib", f"salesmodel.plot.{what}") from error
    size = _check_figsize(figsize)
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _check_figsize(figsize: object) -> tuple[float, float]:
    if isinstance(figsize, Sequence) and not isinstance(figsize, str) and len(figsize) == 2:
        width, height = figsize
        if all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x > 0
            for x in (width, height)
        ):
            return float(width), float(height)
    raise ValidationError.single(
        "figsize", figsize, "two positive numbers, (width, height) in inches"
    )


def _note_empty(ax: Axes, text: str) -> None:
    """Say in the middle of an empty chart that there is nothing to show."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#737373")


def _set_title(ax: Axes, title: str | None, default: str) -> None:
    if title is not None and not isinstance(title, str):
        raise ValidationError.single("title", title, "a str, or None for the default title")
    text = default if title is None else title
    if text:
        # wrapped at the figure's edge, so a long title survives a small figure
        ax.set_title(text, fontweight="bold", wrap=True)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _percent(value: float | None, places: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{places}f}%"


def _compact(amount: float) -> str:
    """*amount* in three significant digits: ``5.45M``, ``97.3k``, ``512``;
    from a thousand trillion on, in trillions with separators: ``1,000T``,
    ``123,000T``."""
    size = abs(amount)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        # 999,600 rounds to 1.00M, not to 1e+03k
        if size >= limit * 0.9995:
            scaled = f"{amount / limit:.3g}"
            if "e" in scaled:  # no unit above T: plain digits, not 1e+03T
                scaled = f"{float(scaled):,.0f}"
            return f"{scaled}{suffix}"
    return f"{amount:.3g}"


def _stage_name(pipeline: Pipeline, stage_id: str) -> str:
    return pipeline.stage(stage_id).name if stage_id in pipeline else stage_id


def _check_pipeline(pipeline: object) -> Pipeline:
    if not isinstance(pipeline, Pipeline):
        raise ValidationError.single("pipeline", pipeline, "a Pipeline")
    return pipeline


# --- the funnel ------------------------------------------------------------------------


def funnel_chart(
    funnel: Funnel,
    *,
    pipeline: Pipeline = DEFAULT_PIPELINE,
    title: str | None = None,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
) -> Figure:
    """A funnel chart: per stage, how many reached it and how many went further,
    the bottleneck highlighted.

    One centred bar per step, top to bottom: its full width is how many records
    reached the step, its dark core how many went on to a later step, so the pale
    wings are the records that stopped there (still open or lost). The
    bottleneck (the step with the lowest next-step conversion) is orange, the won
    step green; each step is labelled with its count and its conversion.

    >>> from salesmodel import kpi
    >>> from salesmodel.samples import generate
    >>> fig = funnel_chart(kpi.funnel(generate(seed=0).deals))
    >>> [label.get_text() for label in fig.axes[0].get_yticklabels()][:3]
    ['Prospecting', 'Qualification', 'Research']

    Args:
        funnel: A :class:`~salesmodel.kpi.Funnel` from :func:`salesmodel.kpi.funnel`
            (one group of a grouped result: ``result[key]``).
        pipeline: The pipeline it was computed on; its stage names label the
            steps (ids it lacks are shown as they are).
        title: The title; None for a default naming the pipeline (by its name,
            never its id; left out when the pipeline has no name of its own or
            none of the funnel's steps is one of its stages) and the bottleneck,
            ``""`` for none.
        figsize: ``(width, height)`` in inches.

    Returns:
        A new figure, not shown and not saved.

    Raises:
        ValidationError: for an argument of the wrong kind.
        MissingExtraError: when matplotlib is not installed.

    .. versionadded:: 0.1.0
    """
    if not isinstance(funnel, Funnel):
        raise ValidationError.single(
            "funnel", funnel, "a Funnel from kpi.funnel() (for a grouped result, one group)"
        )
    pipeline = _check_pipeline(pipeline)
    fig, ax = _new_figure("funnel_chart", figsize)
    from matplotlib.patches import Patch

    steps = funnel.steps
    widest = max((s.reached for s in steps), default=0) or 1
    ys = list(range(len(steps)))
    first = steps[0].reached if steps else 0
    names = [_stage_name(pipeline, s.stage) for s in steps]
    for y, step, name in zip(ys, steps, names, strict=True):
        won = _is_won(step, pipeline)
        slow = step.stage == funnel.bottleneck
        outer = _WON if won else (_BOTTLENECK_REACHED if slow else _REACHED)
        ax.barh(y, step.reached, left=-step.reached / 2, height=0.8, color=outer)
        if not won:
            inner = _BOTTLENECK if slow else _ADVANCED
            ax.barh(y, step.advanced, left=-step.advanced / 2, height=0.8, color=inner)
        ax.annotate(
            _funnel_label(step, name if won else None, first),
            xy=(1.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            color=_BOTTLENECK if slow else "black",
            fontweight="bold" if slow else "normal",
        )
    ax.set_yticks(ys, names)
    for label, step in zip(ax.get_yticklabels(), steps, strict=True):
        if step.stage == funnel.bottleneck:
            label.set_color(_BOTTLENECK)
            label.set_fontweight("bold")
    ax.set_ylim(len(steps) - 0.5, -0.5)
    ax.set_xlim(-widest / 2 * 1.02, widest / 2 * 1.02)
    if funnel.bottleneck is None:
        _note_empty(ax, "no records reached the funnel")
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    handles = [
        Patch(color=_REACHED, label="reached"),
        Patch(color=_ADVANCED, label="went on"),
        Patch(color=_BOTTLENECK, label="bottleneck"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    default = _funnel_title(funnel, pipeline)
    if funnel.bottleneck is not None:
        default += f": bottleneck at {_stage_name(pipeline, funnel.bottleneck)}"
    _set_title(ax, title, default)
    return fig


def _funnel_title(funnel: Funnel, pipeline: Pipeline) -> str:
    """``"Sales process funnel"``: the pipeline's name, when it has one of its own
    (not just its id) and some of the funnel's steps are its stages; else
    ``"Funnel"``: never a pipeline id, nor the name of a pipeline the funnel was
    not computed on."""
    ours = not funnel.steps or any(step.stage in pipeline for step in funnel.steps)
    if pipeline.name != pipeline.id and ours:
        return f"{pipeline.name} funnel"
    return "Funnel"


def _is_won(step: FunnelStep, pipeline: Pipeline) -> bool:
    if step.stage in pipeline:
        return pipeline.stage(step.stage).status is Status.WON
    return step.stage == "won"


def _funnel_label(step: FunnelStep, won: str | None, first: int) -> str:
    """``"1,865 reached, 54.3% went on"``; at the won step (named *won*),
    ``"594 won (19.8% of all)"``."""
    if won is not None:
        share = step.reached / first if first else None
        return f"{step.reached:,} {won.lower()} ({_percent(share)} of all)"
    if not step.reached:
        return "0 reached"
    return f"{step.reached:,} reached, {_percent(_float(step.conversion.value))} went on"


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


# --- cohort retention --------------------------------------------------------------------


def cohort_heatmap(
    table: CohortTable,
    *,
    vmax: float | None = None,
    annotate: bool | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
) -> Figure:
    """The cohort retention heat map: one row per cohort, one column per period
    since the first purchase.

    Each cell's colour is the share of the cohort that bought in that period,
    written in the cell when the table is small enough to read. A cell not yet
    observable (None in the table: its period begins after ``as_of``) is left
    uncoloured and hatched, distinct from 0 % (the palest colour): an unknown is
    not a zero. Rows are labelled with the cohort and its number of customers.

    Column 0 is 100 % by definition, so by default the colour scale ends at the
    highest share of the later columns (rounded up to 5 %) and would otherwise
    wash them out; cells above it take the darkest colour, as the colour bar's
    arrow shows, and their figure is written in them.

    >>> from datetime import UTC
    >>> from salesmodel import kpi
    >>> from salesmodel.samples import generate
    >>> book = generate(seed=0, size=400)
    >>> fig = cohort_heatmap(kpi.cohort_retention(book.deals, tz=UTC, as_of=book.as_of))
    >>> fig.axes[0].get_xlabel()
    'months since the first purchase'

    Args:
        table: A :class:`~salesmodel.kpi.CohortTable` from
            :func:`salesmodel.kpi.cohort_retention`.
        vmax: The share at the top of the colour scale, in (0, 1]; None for the
            default above, 1 for a scale from 0 % to 100 %.
        annotate: Write each share in its cell; None writes them when the cells
            are large enough to hold them (at the default size, up to about 16
            columns and 24 rows).
        title: The title; None for a default, ``""`` for none.
        figsize: ``(width, height)`` in inches.

    Returns:
        A new figure, not shown and not saved.

    Raises:
        ValidationError: for an argument of the wrong kind or out of range.
        MissingExtraError: when matplotlib is not installed.

    .. versionadded:: 0.1.0
    """
    if not isinstance(table, CohortTable):
        raise ValidationError.single("table", table, "a CohortTable from kpi.cohort_retention()")
    if vmax is not None and not (
        isinstance(vmax, int | float | Decimal) and not isinstance(vmax, bool) and 0 < vmax <= 1
    ):
        raise ValidationError.single("vmax", vmax, "a share in (0, 1], or None")
    if annotate is not None and not isinstance(annotate, bool):
        raise ValidationError.single("annotate", annotate, "True, False or None")
    fig, ax = _new_figure("cohort_heatmap", figsize)
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    matrix = table.matrix()
    rows = len(matrix)
    columns = max((len(r) for r in matrix), default=0)
    unit = table.rows[0].cohort.kind if table.rows else "month"
    data = np.zeros((rows, columns))
    hidden = np.ones((rows, columns), dtype=bool)
    for i, row in enumerate(matrix):
        for j, cell in enumerate(row):
            if cell is not None:
                data[i, j], hidden[i, j] = cell, False
    values = np.ma.MaskedArray(data, mask=hidden)
    top = _cohort_vmax(matrix) if vmax is None else float(vmax)
    cmap = colormaps[_COHORT_CMAP].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    # The hatched ground shows through the masked (not observed) cells only.
    ax.add_patch(
        Rectangle(
            (-0.5, -0.5),
            max(columns, 1),
            max(rows, 1),
            facecolor=_NOT_OBSERVED,
            edgecolor=_NOT_OBSERVED_HATCH,
            hatch="///",
            linewidth=0,
            zorder=0,
        )
    )
    image = ax.imshow(
        values,
        cmap=cmap,
        vmin=0.0,
        vmax=top,
        aspect="auto",
        interpolation="nearest",
        zorder=1,
        extent=(-0.5, max(columns, 1) - 0.5, max(rows, 1) - 0.5, -0.5),
    )
    bar = fig.colorbar(image, ax=ax, extend="max" if top < 1 else "neither", shrink=0.9)
    bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    bar.set_label("share of the cohort that bought")
    if annotate is None:  # when a cell can hold "11.4%": a third of an inch by a seventh
        width = fig.get_figwidth() * _PLOT_SHARE / max(columns, 1)
        height = fig.get_figheight() * _PLOT_SHARE / max(rows, 1)
        annotate = width >= 1 / 3 and height >= 1 / 7
    if annotate:
        small = "x-small" if columns > 10 else "small"
        for i, row in enumerate(matrix):
            for j, cell in enumerate(row):
                if cell is not None:
                    ax.text(
                        j,
                        i,
                        _share(cell),
                        ha="center",
                        va="center",
                        fontsize=small,
                        color="white" if cell > 0.6 * top else "black",
                    )
    if columns <= _MAX_LABELLED_COLUMNS:
        ax.set_xticks(list(range(columns)))
    else:  # "auto": as many ticks as the axis length holds, so labels never collide.
        ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True, steps=[1, 2, 5, 10]))
    ax.set_xlabel(f"{unit}s since the first purchase")
    # About four labels an inch of height: every cohort when they fit, else every n-th.
    step = max(1, math.ceil(rows / max(2, int(fig.get_figheight() * _LABELS_PER_INCH))))
    ax.set_yticks(
        list(range(0, rows, step)),
        [f"{r.cohort} ({r.size:,})" for r in table.rows[::step]],
    )
    ax.set_ylabel("cohort (customers)")
    if not rows:
        ax.set_xticks([])
        _note_empty(ax, "no customers: no won deal with a customer_id")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [
        Patch(
            facecolor=_NOT_OBSERVED,
            edgecolor=_NOT_OBSERVED_HATCH,
            hatch="///",
            label="not observed yet",
        )
    ]
    fig.legend(handles=handles, loc="outside lower right", frameon=False)
    observed = "" if table.observed_until is None else f", observed until {table.observed_until}"
    _set_title(ax, title, f"Customer retention by {unit}ly cohort{observed}")
    return fig


def _cohort_vmax(matrix: list[list[float | None]]) -> float:
    later = [cell for row in matrix for cell in row[1:] if cell is not None]
    highest = max(later, default=0.0)
    if highest <= 0:
        return 1.0
    return min(1.0, math.ceil(highest * 20 - 1e-9) / 20)


def _share(value: float) -> str:
    percent = value * 100
    if percent == 0:
        return "0"
    if percent >= 9.95:
        return f"{percent:.0f}%"
    return f"{percent:.1f}%"


# --- pipeline value ------------------------------------------------------------------------


def pipeline_value_chart(
    values: Mapping[str, Total],
    *,
    weighted: Mapping[str, Total] | None = None,
    pipeline: Pipeline = DEFAULT_PIPELINE,
    title: str | None = None,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
) -> Figure:
    """Open pipeline value by stage, and the weighted value beside it if given.

    One horizontal bar per stage, in the pipeline's order (every open stage,
    with 0 where nothing is; then any other stage the values hold), labelled with
    its amount and number of deals. Deals of unknown value are counted and said
    so beside the bar and in the title ("2 of unknown value"), never added as zero,
    as on :func:`loss_reasons_chart`; a stage whose deals all have an unknown value
    has no bar and is labelled ``value unknown``. With *weighted*, a second,
    darker bar per stage shows the value weighted by the stage's probability.

    >>> from salesmodel import Status, kpi
    >>> from salesmodel.samples import generate
    >>> open_deals = [d for d in generate(seed=0).deals if d.status is Status.OPEN]
    >>> fig = pipeline_value_chart(
    ...     kpi.pipeline_value(open_deals, by="stage"),
    ...     weighted=kpi.weighted_pipeline(open_deals, by="stage"),
    ... )
    >>> fig.axes[0].get_xlabel()
    'USD'

    Args:
        values: Open value per stage id: ``kpi.pipeline_value(deals, by="stage")``
            (any mapping of stage id to :class:`~salesmodel.kpi.Total`).
        weighted: Weighted value per stage id:
            ``kpi.weighted_pipeline(deals, by="stage")``; None for none.
        pipeline: The deals' pipeline: the stages' order and names.
        title: The title; None for a default with the totals, ``""`` for none.
        figsize: ``(width, height)`` in inches.

    Returns:
        A new figure, not shown and not saved.

    Raises:
        ValidationError: for values not keyed by stage id, or not totals.
        CurrencyMismatchError: when the totals are in more than one currency
            (compute them with ``currency=`` and ``rates=``).
        MissingExtraError: when matplotlib is not installed.

    .. versionadded:: 0.1.0
    """
    _check_by_stage("values", values)
    if weighted is not None:
        _check_by_stage("weighted", weighted)
    pipeline = _check_pipeline(pipeline)
    currency = _one_currency([*values.values(), *(weighted or {}).values()])
    stages = [s.id for s in pipeline.open_stages]
    extra = [k for k in (*values, *(weighted or {})) if k not in stages]
    stages += list(dict.fromkeys(extra))
    fig, ax = _new_figure("pipeline_value_chart", figsize)
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    amounts = [_amount(values.get(s)) for s in stages]
    counts = [values[s].count if s in values else 0 for s in stages]
    unknowns = [values[s].unknown if s in values else 0 for s in stages]
    notes = [_value_note(values.get(s)) for s in stages]
    ys = list(range(len(stages)))
    height = 0.4 if weighted is not None else 0.7
    shift = height / 2 if weighted is not None else 0.0
    ax.barh([y - shift for y in ys], amounts, height=height, color=_VALUE)
    for y, amount, note in zip(ys, amounts, notes, strict=True):
        ax.annotate(
            note,
            xy=(amount, y - shift),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    handles = [Patch(color=_VALUE, label="open value")]
    ends = list(zip(amounts, notes, strict=True))
    if weighted is not None:
        weights = [_amount(weighted.get(s)) for s in stages]
        weighted_notes = [_weighted_note(weighted.get(s)) for s in stages]
        ends += list(zip(weights, weighted_notes, strict=True))
        ax.barh([y + shift for y in ys], weights, height=height, color=_WEIGHTED)
        for y, amount, note in zip(ys, weights, weighted_notes, strict=True):
            ax.annotate(
                note,
                xy=(amount, y + shift),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize="small",
                color=_WEIGHTED,
            )
        handles.append(Patch(color=_WEIGHTED, label="weighted by stage probability"))
    ax.set_yticks(ys, [_stage_name(pipeline, s) for s in stages])
    ax.set_ylim(len(stages) - 0.5, -0.5)
    ax.set_xlim(0, _room_for_notes(ends, fig.get_figwidth()))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _compact(x)))
    ax.set_xlabel(currency or "amount")
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    total = sum(amounts)
    known = sum(counts)
    unknown = sum(unknowns)
    deals = _count(known + unknown, "deal")
    if not known + unknown:
        _note_empty(ax, "no open deals")
    default = f"Open pipeline by stage: {deals}"
    if known or not unknown:
        default = f"Open pipeline by stage: {_compact(total)} {currency or ''} in {deals}"
        if weighted is not None:
            default += f", {_compact(sum(weights))} weighted"
    # else no known value to add up: no figure, rather than a 0 that is not one
    default += f", {unknown:,} of unknown value" if unknown else ""
    _set_title(ax, title, " ".join(default.split()))
    return fig


def _value_note(total: Total | None) -> str:
    """``"425k (8 deals)"``, ``"425k (8 deals; 2 of unknown value)"``, or
    ``"value unknown (3 deals)"`` for a stage of no known value, as the loss
    reasons chart says it; ``"0 (0 deals)"`` for an empty stage."""
    if total is None:
        return f"{_compact(0)} ({_count(0, 'deal')})"
    deals = _count(total.count + total.unknown, "deal")
    if total.unknown and not total.count:
        return f"value unknown ({deals})"
    unknown = f"; {total.unknown:,} of unknown value" if total.unknown else ""
    return f"{_compact(_amount(total))} ({deals}{unknown})"


def _weighted_note(total: Total | None) -> str:
    """The weighted amount; ``"value unknown"`` for a stage of no known value."""
    if total is not None and total.unknown and not total.count:
        return "value unknown"
    return _compact(_amount(total))


def _room_for_notes(ends: list[tuple[float, str]], figwidth: float) -> float:
    """The end of an amount axis that leaves room for each bar's note after it.

    Estimated before layout: the axes take about three quarters of the figure's
    width, and a character of the small font about 1/15 inch."""
    axes_width = figwidth * 0.75
    right = 0.0
    for amount, note in ends:
        share = min(0.6, (len(note) + 2) / 15 / axes_width)
        right = max(right, amount / (1 - share))
    return right or 1.0


def _check_by_stage(name: str, values: object) -> None:
    if isinstance(values, Total) or not isinstance(values, Mapping):
        raise ValidationError.single(
            name, values, 'totals per stage id, e.g. kpi.pipeline_value(deals, by="stage")'
        )
    if isinstance(values, Grouped) and values.columns != ("stage",):
        raise ValidationError.single(
            name,
            values,
            f"grouped by stage alone (got by={values.columns!r}): "
            'kpi.pipeline_value(deals, by="stage")',
        )
    for key, total in values.items():
        if not isinstance(key, str):
            raise ValidationError.single(f"{name}[{key!r}]", key, "a stage id (a str)")
        if not isinstance(total, Total):
            raise ValidationError.single(f"{name}[{key!r}]", total, "a Total")


def _one_currency(totals: Iterable[Total]) -> str | None:
    currencies = sorted({t.amount.currency for t in totals if t.amount is not None})
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"cannot plot amounts in {', '.join(currencies)} on one axis: compute the "
            "values with currency= and rates=, or plot each currency alone",
            currencies,
        )
    return currencies[0] if currencies else None


def _amount(total: Total | None) -> float:
    return 0.0 if total is None or total.amount is None else float(total.amount.amount)


# --- why deals are lost ----------------------------------------------------------------------


def loss_reasons_chart(
    reasons: LossReasons,
    *,
    by: Literal["lost", "value"] = "lost",
    title: str | None = None,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
) -> Figure:
    """Why we lose: one horizontal bar per loss reason, the largest on top.

    With ``by="lost"`` (the default) each bar is how many deals were lost for the
    reason, labelled with that count and its share of all losses. With
    ``by="value"`` each bar is the value lost, labelled with it, the count and
    the share; deals of unknown value are said so beside it, never added as
    zero, and a reason whose deals all have an unknown value has no bar and is
    labelled ``value unknown``, after the others. Losses without a recorded
    reason are the grey bar ``(no reason)``.

    >>> from salesmodel import kpi
    >>> from salesmodel.samples import generate
    >>> fig = loss_reasons_chart(kpi.loss_reasons(generate(seed=0).deals))
    >>> [label.get_text() for label in fig.axes[0].get_yticklabels()][:2]
    ['competitor_comparison', 'no_budget']

    Args:
        reasons: A :class:`~salesmodel.kpi.LossReasons` from
            :func:`salesmodel.kpi.loss_reasons` (one group of a grouped result:
            ``result[key]``).
        by: ``"lost"`` to compare how many deals each reason lost, ``"value"``
            how much value.
        title: The title; None for a default with the total, ``""`` for none.
        figsize: ``(width, height)`` in inches.

    Returns:
        A new figure, not shown and not saved.

    Raises:
        ValidationError: for an argument of the wrong kind.
        CurrencyMismatchError: with ``by="value"``, when the values are in more
            than one currency (compute them with ``currency=`` and ``rates=``).
        MissingExtraError: when matplotlib is not installed.

    .. versionadded:: 0.1.0
    """
    if not isinstance(reasons, LossReasons):
        raise ValidationError.single(
            "reasons",
            reasons,
            "LossReasons from kpi.loss_reasons() (for a grouped result, one group)",
        )
    if by not in ("lost", "value"):
        raise ValidationError.single("by", by, "'lost' or 'value'")
    rows = list(reasons.rows)  # most lost first
    currency = None
    if by == "value":
        currency = _one_currency(row.value for row in rows)
        # Largest value first; a reason of no known value is no bar, after the others.
        rows.sort(key=lambda row: (not row.value.count, -_amount(row.value)))
    fig, ax = _new_figure("loss_reasons_chart", figsize)
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    # Where each bar ends (0 for a reason of no known value, which has no bar).
    ends = [float(row.lost) if by == "lost" else _amount(row.value) for row in rows]
    bars = [y for y, row in enumerate(rows) if by == "lost" or row.value.count]
    ax.barh(
        bars,
        [ends[y] for y in bars],
        height=0.7,
        color=[_NO_REASON if rows[y].reason is None else _ADVANCED for y in bars],
    )
    notes = [_loss_note(row, by) for row in rows]
    for y, (end, note) in enumerate(zip(ends, notes, strict=True)):
        ax.annotate(
            note,
            xy=(end, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.set_yticks(list(range(len(rows))), [_reason_label(row) for row in rows])
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_xlim(0, _room_for_notes(list(zip(ends, notes, strict=True)), fig.get_figwidth()))
    if by == "value":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _compact(x)))
        ax.set_xlabel(currency or "amount")
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        ax.set_xlabel("lost deals")
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not rows:
        _note_empty(ax, "no lost deals")
    lost = _count(reasons.lost, "lost deal")
    default = f"Why we lose: {lost}"
    if by == "value":
        unknown = sum(row.value.unknown for row in rows)
        if any(row.value.count for row in rows) or not unknown:
            default = f"Why we lose: {_compact(sum(ends))} {currency or ''} in {lost}"
        # else, as on the pipeline value chart, no 0 that is not a figure
        default += f", {unknown:,} of unknown value" if unknown else ""
    _set_title(ax, title, " ".join(default.split()))
    return fig


def _reason_label(row: LossReasonRow) -> str:
    """The reason as it reads on the axis: its text, cut to a readable length;
    ``(no reason)`` for losses without one (and a reason written so, quoted)."""
    if row.reason is None:
        return _NO_REASON_LABEL
    text = str(getattr(row.reason, "value", row.reason))
    if text == _NO_REASON_LABEL:
        return repr(text)
    if len(text) > _REASON_CHARACTERS:
        return text[: _REASON_CHARACTERS - 1] + "…"
    return text


def _loss_note(row: LossReasonRow, by: str) -> str:
    """``"8 lost (30.8%)"``; by value ``"425k (8 lost, 30.8%; 2 of unknown value)"``,
    or ``"value unknown (3 lost, 11.5%)"`` for a reason of no known value."""
    share = _percent(_float(row.share.value))
    if by == "lost":
        return f"{row.lost:,} lost ({share})"
    value = _compact(_amount(row.value)) if row.value.count else "value unknown"
    unknown = (
        f"; {row.value.unknown:,} of unknown value" if row.value.unknown and row.value.count else ""
    )
    return f"{value} ({row.lost:,} lost, {share}{unknown})"


# --- lead scores ---------------------------------------------------------------------------


def score_distribution(
    scores: Iterable[LeadScore],
    *,
    bins: int = 20,
    title: str | None = None,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
) -> Figure:
    """The distribution of lead scores, stacked by temperature (cold, warm, hot).

    A histogram of ``LeadScore.total`` over [0, 100], each bar split by the
    scores' temperatures; the legend gives each temperature's number of leads
    and median score.

    >>> from salesmodel import DEFAULT_SCORER
    >>> from salesmodel.samples import generate
    >>> book = generate(seed=0)
    >>> fig = score_distribution(DEFAULT_SCORER.score(lead, at=book.as_of) for lead in book.leads)
    >>> fig.axes[0].get_xlabel()
    'lead score'

    Args:
        scores: Lead scores from :meth:`salesmodel.LeadScorer.score` (any
            iterable; a generator works).
        bins: How many equal bins divide [0, 100], from 1 to 100.
        title: The title; None for a default with the number of leads, ``""``
            for none.
        figsize: ``(width, height)`` in inches.

    Returns:
        A new figure, not shown and not saved.

    Raises:
        ValidationError: for a score that is not a LeadScore, or a bad argument.
        MissingExtraError: when matplotlib is not installed.

    .. versionadded:: 0.1.0
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 100:
        raise ValidationError.single("bins", bins, "an int from 1 to 100")
    collection_argument(scores, "scores", "an iterable of LeadScore", None)
    by_temperature: dict[Temperature, list[float]] = {t: [] for t in _TEMPERATURE_COLOURS}
    for i, score in enumerate(scores):
        if not isinstance(score, LeadScore):
            raise ValidationError.single(f"scores[{i}]", score, "a LeadScore")
        by_temperature[score.temperature].append(float(score.total))
    fig, ax = _new_figure("score_distribution", figsize)
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    edges = [100 * i / bins for i in range(bins + 1)]
    labels = []
    for temperature, totals in by_temperature.items():
        if totals:
            median = statistics.median(totals)
            labels.append(
                f"{temperature.value}: {_count(len(totals), 'lead')}, median {median:.0f}"
            )
        else:
            labels.append(f"{temperature.value}: no leads")
    ax.hist(
        list(by_temperature.values()),
        bins=edges,
        stacked=True,
        color=list(_TEMPERATURE_COLOURS.values()),
        label=labels,
        edgecolor="white",
        linewidth=0.5,
    )
    ax.set_xlim(0, 100)
    ax.set_xlabel("lead score")
    ax.set_ylabel("leads")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # Hot on top in the legend, as in the stack.
    handles, texts = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], texts[::-1], title="temperature", frameon=False)
    n = sum(len(t) for t in by_temperature.values())
    if not n:
        ax.set_ylim(0, 1)
        _note_empty(ax, "no scores")
    _set_title(ax, title, f"Lead scores by temperature ({_count(n, 'lead')})")
    return fig
