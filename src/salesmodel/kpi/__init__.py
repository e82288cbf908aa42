"""KPIs: exact, documented sales metrics, grouped by any key and period, and
mergeable across partitions (Dask, Spark).

Common rules of every KPI (the full definitions are in ``docs/kpi.md``):

- **One pass** over any iterable (a generator works); memory bounded by the number
  of groups, except where an exact median or a per-customer figure needs more (each
  KPI says so).
- **by=** an attribute name (dotted names reach inside, ``"currency"`` is the
  amount's currency), a tuple of names, or a callable → a :class:`Grouped` mapping
  keyed by group. **period=** ``"week"``, ``"month"``, ``"quarter"`` or ``"year"``
  needs **tz=**: periods are bucketed in the caller's zone, never silently in UTC
  (``tz="recorded"`` buckets each datetime by the offset it carries). **anchor=**
  ``"closed"`` (the default of outcome KPIs: win rate, bookings, average ticket,
  cycle time) or ``"created"`` (the only anchor of conversion cohorts).
- **Typed results**: :class:`Ratio` (``.value`` an exact Fraction, None for x/0),
  :class:`DurationSummary`, :class:`Total` and :class:`Average` of exact
  :class:`~salesmodel.Money`, never a float. Mixed currencies raise
  :class:`~salesmodel.CurrencyMismatchError` unless ``by="currency"`` or
  ``rates=`` and ``currency=`` are given.
- **Bad records** (records of other types breaking an entity invariant, deals of
  an unknown pipeline or stage, a cycle that ends before it starts) raise
  :class:`~salesmodel.ValidationError` naming the record's id and field; with
  ``strict=False`` they are skipped and reported in the result's ``.skipped``.
- **Reopened deals**: current-state KPIs read the current status; history KPIs
  (time in stage, funnel) count every visit.
- Every KPI has a mergeable, picklable **accumulator** (``add``, ``add_many``,
  ``merge``, ``result``); the functions are thin wrappers over them, and
  :func:`collect` runs several in one pass.
- **DataFrames**: win rate, conversion rate, average ticket, bookings, sales
  cycle, pipeline value, weighted pipeline, forecast, sales velocity and pipeline
  coverage also take a DataFrame (pandas,
  polars eager or lazy, PyArrow, DuckDB, Dask, PySpark; the ``frames`` extra) whose
  columns carry the entity field names (``columns=`` maps others); the same figures
  come out, and only aggregates leave the engine (:data:`Frame`). Funnel, time in
  stage and loss reasons read a second frame of stage changes (``history=``:
  ``deal_id``, ``from_stage``, ``to_stage``, ``at``, optionally ``seq``). Naive
  datetime (or date) columns need **tz=**, the zone they were recorded in, which
  every KPI that takes a frame takes (on records, where datetimes are aware, a
  KPI without periods checks it and reads nothing in it).
- Results turn into a pandas DataFrame in one line,
  ``pandas.DataFrame(result.to_records())``, without salesmodel importing
  pandas; tables render as HTML in notebooks.

>>> from datetime import datetime, timezone
>>> from salesmodel import Deal, Money
>>> from salesmodel.kpi import win_rate
>>> t = datetime(2026, 1, 5, tzinfo=timezone.utc)
>>> deals = [
...     Deal(id="1", name="a", amount=Money(10, "EUR"), created_at=t, owner_id="ana",
...          stage="won", status="won", closed_at=t),
...     Deal(id="2", name="b", amount=Money(20, "EUR"), created_at=t, owner_id="ana",
...          stage="lost", status="lost", closed_at=t, loss_reason="price"),
...     Deal(id="3", name="c", amount=Money(30, "EUR"), created_at=t, owner_id="bo"),
... ]
>>> win_rate(deals)
1/2 (50.0%)
>>> win_rate(deals, by="owner_id")
Grouped(by=('owner_id',), {'ana': 1/2 (50.0%)})

.. versionadded:: 0.1.0
"""

from ._accumulators import Accumulator
from ._activity import ActivityVolumeAccumulator, activity_volume
from ._collect import collect
from ._customers import (
    ChurnRateAccumulator,
    CohortRetentionAccumulator,
    CohortRow,
    CohortTable,
    RepeatPurchaseRateAccumulator,
    RetentionAccumulator,
    churn_rate,
    cohort_retention,
    repeat_purchase_rate,
    retention_rate,
)
from ._deals import (
    AverageTicketAccumulator,
    BookingsAccumulator,
    ConversionRateAccumulator,
    SalesCycleAccumulator,
    WinRateAccumulator,
    average_ticket,
    bookings,
    business_days,
    conversion_rate,
    sales_cycle,
    win_rate,
)
from ._define import Frame
from ._grouping import Period
from ._growth import GrowthAccumulator, LeadVelocityRateAccumulator, growth, lead_velocity_rate
from ._lifetimes import CustomerSummary, CustomerSummaryAccumulator, SummaryRow, customer_summary
from ._losses import LossReasonRow, LossReasons, LossReasonsAccumulator, loss_reasons
from ._pipeline import (
    Forecast,
    ForecastAccumulator,
    PipelineCoverageAccumulator,
    PipelineValueAccumulator,
    SalesVelocityAccumulator,
    StaleDeal,
    StaleDeals,
    StaleDealsAccumulator,
    Velocity,
    WeightedPipelineAccumulator,
    forecast,
    pipeline_coverage,
    pipeline_value,
    sales_velocity,
    stale_deals,
    weighted_pipeline,
)
from ._results import (
    Average,
    Count,
    DurationSummary,
    Grouped,
    Ratio,
    Skipped,
    SkippedRecord,
    Total,
)
from ._stages import (
    Funnel,
    FunnelAccumulator,
    FunnelStep,
    TimeInStageAccumulator,
    funnel,
    time_in_stage,
)
from ._targets import (
    Attainment,
    AttainmentAccumulator,
    Leaderboard,
    LeaderboardAccumulator,
    LeaderboardRow,
    attainment,
    leaderboard,
)

__all__ = [
    "Accumulator",
    "ActivityVolumeAccumulator",
    "Attainment",
    "AttainmentAccumulator",
    "Average",
    "AverageTicketAccumulator",
    "BookingsAccumulator",
    "ChurnRateAccumulator",
    "CohortRetentionAccumulator",
    "CohortRow",
    "CohortTable",
    "ConversionRateAccumulator",
    "Count",
    "CustomerSummary",
    "CustomerSummaryAccumulator",
    "DurationSummary",
    "Forecast",
    "ForecastAccumulator",
    "Frame",
    "Funnel",
    "FunnelAccumulator",
    "FunnelStep",
    "Grouped",
    "GrowthAccumulator",
    "LeadVelocityRateAccumulator",
    "Leaderboard",
    "LeaderboardAccumulator",
    "LeaderboardRow",
    "LossReasonRow",
    "LossReasons",
    "LossReasonsAccumulator",
    "Period",
    "PipelineCoverageAccumulator",
    "PipelineValueAccumulator",
    "Ratio",
    "RepeatPurchaseRateAccumulator",
    "RetentionAccumulator",
    "SalesCycleAccumulator",
    "SalesVelocityAccumulator",
    "Skipped",
    "SkippedRecord",
    "StaleDeal",
    "StaleDeals",
    "StaleDealsAccumulator",
    "SummaryRow",
    "TimeInStageAccumulator",
    "Total",
    "Velocity",
    "WeightedPipelineAccumulator",
    "WinRateAccumulator",
    "activity_volume",
    "attainment",
    "average_ticket",
    "bookings",
    "business_days",
    "churn_rate",
    "cohort_retention",
    "collect",
    "conversion_rate",
    "customer_summary",
    "forecast",
    "funnel",
    "growth",
    "lead_velocity_rate",
    "leaderboard",
    "loss_reasons",
    "pipeline_coverage",
    "pipeline_value",
    "repeat_purchase_rate",
    "retention_rate",
    "sales_cycle",
    "sales_velocity",
    "stale_deals",
    "time_in_stage",
    "weighted_pipeline",
    "win_rate",
]
