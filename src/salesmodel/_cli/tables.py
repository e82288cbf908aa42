"""Plain-text output for the command line: aligned tables readable in 80 columns,
and text that is safe to print.

Everything the command line prints from a file goes through :func:`printable`
(table cells do by themselves): a cell of a CRM export can hold an ANSI escape
sequence that recolours or clears the terminal, or a line break that forges a
table row.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

_NUMERIC: Final = (int, float, Decimal)
#: What a table shows for a missing value.
DASH: Final = "-"


def printable(text: str) -> str:
    """*text* with every character a terminal would act on or hide written as its
    escape, as Python writes it: control characters (``\\x1b``, ``\\n``, ``\\t``),
    format characters such as right-to-left overrides (``\\u202e``), separators other
    than the space, and lone surrogates (from undecodable file names).

    >>> print(printable("Ana\\x1b[31m\\nBo"))
    Ana\\x1b[31m\\nBo
    """
    if text.isprintable():  # the common case, one C-level scan
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


_SHORT: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def cell(value: object) -> str:
    """*value* as table text: None as a dash, numbers with thousands separators
    (as the report's other figures: ``1,866``) and floats to one decimal, and text
    made :func:`printable`."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return printable(str(value))


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
    headers = [cell(h) for h in headers]
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

    out = [] if title is None else [cell(title), "=" * min(len(cell(title)), width)]
    out.append(line(headers))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in texts)
    return "\n".join(out)
