"""Charts (salesmodel.plot) at their edges: titles, shares and stage keys of the
wrong kind, a funnel ending in a merged won step, a pipeline with no open deal."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

pytest.importorskip("matplotlib")

from salesmodel import Deal, Money, Pipeline, Stage, Status, ValidationError, kpi, plot
from salesmodel.kpi import Grouped, Total

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_title_must_be_text() -> None:
    with pytest.raises(ValidationError) as caught:
        plot.funnel_chart(kpi.funnel([]), title=3)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("title", 3)


def test_the_colour_scale_top_is_a_share_up_to_one() -> None:
    table = kpi.cohort_retention([], tz=UTC)
    for bad in (0, 1.5, True, "1"):
        with pytest.raises(ValidationError) as caught:
            plot.cohort_heatmap(table, vmax=bad)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("vmax", bad)


def test_stage_keys_must_be_stage_ids() -> None:
    values = Grouped({1: Total(Money(5, "EUR"), 1)}, ("stage",))
    with pytest.raises(ValidationError) as caught:
        plot.pipeline_value_chart(values)
    assert (caught.value.field, caught.value.value) == ("values[1]", 1)


def test_a_pipeline_without_open_deals_draws_with_a_note() -> None:
    fig = plot.pipeline_value_chart(kpi.pipeline_value([], by="stage"))
    assert "no open deals" in [t.get_text() for t in fig.axes[0].texts]


def test_a_funnel_of_several_won_stages_draws_its_merged_won_step_as_won() -> None:
    two_wins = Pipeline(
        "two",
        [
            Stage("open", "Open", "0.5"),
            Stage("won_new", "Won new", 1, Status.WON),
            Stage("won_renewal", "Won renewal", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    base = Deal(
        id="a", name="a", amount=Money(1, "EUR"), created_at=T0, pipeline_id="two", stage="open"
    )
    won = two_wins.move(base, "won_new", at=T0)
    funnel = kpi.funnel([won, attrs.evolve(base, id="b")], pipeline=two_wins)
    assert [s.stage for s in funnel.steps] == ["open", "won"]
    fig = plot.funnel_chart(funnel, pipeline=two_wins)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Open", "won"]
    assert [t.get_text() for t in ax.texts] == ["2 reached, 50.0% went on", "1 won (50.0% of all)"]


def test_annotate_is_a_bool_or_none() -> None:
    with pytest.raises(ValidationError) as caught:
        plot.cohort_heatmap(kpi.cohort_retention([], tz=UTC), annotate="yes")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("annotate", "yes")
