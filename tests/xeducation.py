"""X Education's 9,240 real leads (Leads.csv, see the data's SOURCE.md), read as a
user would (the library does no I/O), for the real-data tests and
benchmarks/bench_scoring.py.

Two readings of a row: for the predictive models, the source and every column the
sales team does not fill in after contact as attributes; for the rule scorer, the
same lead with what X Education recorded mapped onto salesmodel's own fields (its
lead source onto :class:`~salesmodel.LeadSource`, its visits and last activity onto
:class:`~salesmodel.Activity` records).

The splits are fixed: ``split(n, seed)`` shuffles with ``random.Random(seed)``.
Settings were chosen on :data:`TUNING_SEEDS` and are reported on
:data:`REPORT_SEEDS`.
"""

from __future__ import annotations

import csv
import random
import statistics
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from salesmodel import Activity, ActivityKind, Lead, LeadSource
from salesmodel.predictive import roc_auc

# Assigned by the sales team or a vendor after contact: they leak the outcome.
LEAKY = frozenset({"Tags", "Lead Quality", "Lead Profile"})
NOT_FEATURES = frozenset({"Prospect ID", "Lead Number", "Converted", "Lead Source", ""})
NUMERIC = frozenset({"TotalVisits", "Total Time Spent on Website", "Page Views Per Visit"})
CAPTURED = datetime(2020, 1, 1, tzinfo=UTC)  # the file has no dates

#: The splits the models' settings were chosen on...
TUNING_SEEDS = range(1000, 1010)
#: ...and the ones their figures are reported on (docs/explanation/predictive.md).
REPORT_SEEDS = range(10)


def read(data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / "leads" / "Leads.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _value(column: str, raw: str) -> Any:
    raw = raw.strip()
    if raw in ("", "Select"):  # "Select": the form field was left at its default
        return None
    if column in NUMERIC:
        number = float(raw)
        return int(number) if number.is_integer() else number
    return raw


def lead(row: dict[str, str], source: str | None = None) -> Lead:
    """The row as a Lead: the non-leaky columns as attributes."""
    attributes = {
        column: _value(column, raw)
        for column, raw in row.items()
        if column not in NOT_FEATURES
        and column not in LEAKY
        and not column.startswith("Asymmetrique")
    }
    return Lead(
        id=row["Prospect ID"],
        name=f"Lead {row['Lead Number']}",
        created_at=CAPTURED,
        source=source or row["Lead Source"] or "unknown",
        attributes=attributes,
    )


def converted(row: dict[str, str]) -> bool:
    return row["Converted"] == "1"


# --- the rule scorer's reading -------------------------------------------------------------

SOURCES = {
    "Google": LeadSource.WEBSITE,  # search: they came to the website
    "google": LeadSource.WEBSITE,
    "bing": LeadSource.WEBSITE,
    "Organic Search": LeadSource.WEBSITE,
    "Direct Traffic": LeadSource.WEBSITE,
    "Referral Sites": LeadSource.WEBSITE,  # links from other sites, not a customer's word
    "Welingak Website": LeadSource.WEBSITE,
    "Olark Chat": LeadSource.LIVE_CHAT,
    "Live Chat": LeadSource.LIVE_CHAT,
    "Click2call": LeadSource.LIVE_CHAT,
    "Reference": LeadSource.REFERRAL,
    "Facebook": LeadSource.SOCIAL_MEDIA,
    "Social Media": LeadSource.SOCIAL_MEDIA,
    "youtubechannel": LeadSource.SOCIAL_MEDIA,
    "Pay per Click Ads": LeadSource.ADVERTISING,
    "blog": LeadSource.CONTENT,
    "welearnblog_Home": LeadSource.CONTENT,
    "WeLearn": LeadSource.CONTENT,
    "Press_Release": LeadSource.CONTENT,
}
LAST_ACTIVITY = {
    "Email Opened": ActivityKind.EMAIL_OPEN,
    "Email Link Clicked": ActivityKind.LINK_CLICK,
    "View in browser link Clicked": ActivityKind.LINK_CLICK,
    "Form Submitted on Website": ActivityKind.FORM_SUBMISSION,
    "Converted to Lead": ActivityKind.FORM_SUBMISSION,
    "Olark Chat Conversation": ActivityKind.CHAT,
    "Page Visited on Website": ActivityKind.PAGE_VIEW,
    "Visited Booth in Tradeshow": ActivityKind.EVENT,
    "Unsubscribed": ActivityKind.UNSUBSCRIBE,
    "Had a Phone Conversation": ActivityKind.CALL,  # the rep's: scores nothing by default
}
FORM_ORIGINS = frozenset({"Landing Page Submission", "Lead Add Form", "Quick Add Form"})


def scored(row: dict[str, str]) -> tuple[Lead, list[Activity]]:
    """The row as a rule scorer sees it, as of its capture: the source mapped onto
    LeadSource; a page view per page seen (visits times pages per visit), a form
    submission for a lead that came in through a form, its last activity, and an
    unsubscribe for "Do Not Email". All at the moment of capture: the file has no
    dates, so nothing fades."""
    found = lead(row, SOURCES.get(row["Lead Source"], LeadSource.OTHER))
    kinds: list[ActivityKind] = []
    visits = found.attributes.get("TotalVisits") or 0
    per_visit = found.attributes.get("Page Views Per Visit") or 0
    kinds += [ActivityKind.PAGE_VIEW] * round(float(visits) * float(per_visit))
    if row["Lead Origin"] in FORM_ORIGINS:
        kinds.append(ActivityKind.FORM_SUBMISSION)
    if row["Last Activity"] in LAST_ACTIVITY:
        kinds.append(LAST_ACTIVITY[row["Last Activity"]])
    if row["Do Not Email"] == "Yes":
        kinds.append(ActivityKind.UNSUBSCRIBE)
    activities = [
        Activity(id=f"{found.id}-{i}", kind=kind, at=CAPTURED, lead_id=found.id)
        for i, kind in enumerate(kinds)
    ]
    return found, activities


# --- splits ------------------------------------------------------------------------------


def split(n: int, seed: int) -> tuple[list[int], list[int]]:
    """A fixed 70/30 split of ``range(n)``."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    cut = (n * 7) // 10
    return order[:cut], order[cut:]


def held_out_aucs(
    leads: Sequence[Lead],
    labels: Sequence[bool],
    fit: Callable[[list[Lead], list[bool]], Callable[[Lead], float]],
    seeds: range = REPORT_SEEDS,
) -> list[float]:
    """The ROC AUC on the held-out 30 % of each split, of the scores a model
    fitted on the other 70 % gives (``fit`` returns a scoring function)."""
    aucs = []
    for seed in seeds:
        train, test = split(len(leads), seed)
        score = fit([leads[i] for i in train], [labels[i] for i in train])
        aucs.append(roc_auc([labels[i] for i in test], [score(leads[i]) for i in test]))
    return aucs


def report_aucs(data_dir: Path, model: str) -> list[float]:
    """:func:`held_out_aucs` of *model* (``"naive_bayes"`` or ``"logistic"``,
    fitted with its defaults) on the report splits, from the file in *data_dir*:
    what a fresh process runs (see test_predictive_real_data's ``held_out``)."""
    from salesmodel.predictive import LogisticScorer, NaiveBayesScorer

    scorer = {"naive_bayes": NaiveBayesScorer, "logistic": LogisticScorer}[model]
    rows = read(data_dir)
    leads, labels = [lead(row) for row in rows], [converted(row) for row in rows]
    return held_out_aucs(leads, labels, lambda x, y: scorer.fit(x, y).predict_proba)


def summary(aucs: Sequence[float]) -> str:
    """``"mean 0.893, worst 0.885 (10 splits)"``."""
    return f"mean {statistics.mean(aucs):.3f}, worst {min(aucs):.3f} ({len(aucs)} splits)"
