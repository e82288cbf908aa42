"""Plain-text tables for the command line: aligned, and readable in 80 columns."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

_NUMERIC: Final = (int, float, Decimal)
#: What a table shows for a missing value.
DASH: Final = "-"


def cell(value: object) -> str:
    """*value* as table text: None as a dash, floats to one decimal."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = None,
    width: int = 80,
) -> str:
    """*rows* under *headers*, numbers right-aligned, text left-aligned; cells too
    wide for *width* are cut with an ellipsis (the first column is cut first).

    >>> print(table(["rep", "won"], [["ana", 3], ["bruno", 12]]))
    rep    won
    -----  ---
    ana      3
    bruno   12
    """
    texts = [[cell(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], _NUMERIC) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]
    overflow = sum(widths) + 2 * (len(widths) - 1) - width
    if overflow > 0 and widths:
        widths[0] = max(len(headers[0]), widths[0] - overflow)

    def line(values: Sequence[str]) -> str:
        parts = []
        for i, text in enumerate(values):
            if len(text) > widths[i]:
                text = text[: widths[i] - 1] + "…"
            parts.append(text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [] if title is None else [title, "=" * min(len(title), width)]
    out.append(line(headers))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in texts)
    return "\n".join(out)
