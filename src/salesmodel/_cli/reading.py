"""Reading the files named on the report's command line: the export's rows as deals,
with the line each comes from and every refused row's reason, and a rates file.

No figure may change in silence, so the reader refuses what it cannot read exactly:
a header naming a column twice (or twice but for case and spaces), a value under a
column the header leaves unnamed, a row with cells missing or beyond the header's
(unless every row ends with the same empty cells: a trailing delimiter), quoting
that is not valid CSV, text that is not in the file's encoding, a file that is not
CSV text at all (JSON, an archive). A repeated deal id
keeps its first row; later rows with that id are refused and listed. A blank amount
is an unknown value (None), never zero.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timezone, tzinfo
from typing import Any, Final, TextIO

import attrs

from salesmodel import Deal, Money, Pipeline, RateTable, Stage, Status, ValidationError
from salesmodel._cli.layouts import Layout
from salesmodel.bulk import from_records
from salesmodel.errors import MISSING, SalesModelError, short_repr
from salesmodel.money import minor_unit

#: Where a row names an amount's currency (a key of the record, not a column).
_CURRENCY: Final = "amount.currency"
#: The creation date an undated row is checked with, then never read: such deals are
#: kept apart from every dated figure (see :attr:`Layout.undated`).
_UNDATED_AT: Final = datetime(2000, 1, 1, tzinfo=UTC)
#: One row in how many may end otherwise than a file's trailing delimiters say.
_ODD_ROWS: Final = 100
#: Line breaks in a cell, with the spaces around them.
_LINE_BREAKS: Final = re.compile(r"[ \t]*[\r\n]+[ \t]*")
#: Dates the report takes: a period of any zone around them exists in the calendar
#: (year 1 and 9999 are the placeholders some exports write for "no date").
FIRST_DAY: Final = date(2, 1, 1)
LAST_DAY: Final = date(9998, 12, 31)


class UsageError(SalesModelError):
    """The command line, or a file as a whole, cannot be used (exit status 2)."""


@attrs.frozen
class Problem:
    """Why one row of the export is not a deal.

    Attributes:
        line: The line the row starts on (the header is line 1).
        field: The Deal field at fault, or ``"cells"`` or ``"id"``.
        expected: What the field must be (follows "must be").
        value: What the row holds there.
        hint: What the value suggests went wrong, if anything (a decimal comma, a
            row shifted by an unquoted comma).
        detail: What of this row alone the value is wrong against (the line that
            has its id first, the creation date a close date precedes): kept out of
            :attr:`expected`, so that rows refused for one reason count together.
    """

    line: int
    field: str
    expected: str
    value: Any = MISSING
    hint: str | None = None
    detail: str | None = None

    @property
    def problem(self) -> str:
        """``"must be <expected> (<hint>)"``."""
        return f"must be {self.expected}" + (f" ({self.hint})" if self.hint else "")

    @property
    def reason(self) -> str:
        """``"<field> must be <expected> (<hint>)"``: rows with one reason are counted
        together."""
        return f"{self.field} {self.problem}"

    @property
    def got(self) -> str:
        """The value as shown, then its :attr:`detail` if any."""
        return self._shown + (f", {self.detail}" if self.detail else "")

    @property
    def _shown(self) -> str:
        """The value as the file could write it (a time, an amount), else its
        repr, cut to a readable length."""
        value = self.value
        if value is MISSING:
            return "nothing"
        if isinstance(value, datetime):
            if value.tzinfo is None or isinstance(value.tzinfo, timezone):
                return value.isoformat(sep=" ")
            return f"{value.replace(tzinfo=None).isoformat(sep=' ')} in {value.tzinfo}"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Money):
            return f"{value.amount} {value.currency}"
        return short_repr(value)


@attrs.frozen
class Export:
    """What the export holds.

    Attributes:
        rows: Its data rows (blank lines are not rows).
        deals: The deals of its good rows, dated.
        undated: The open deals of stages the export leaves undated.
        problems: Every refused row's problems, by line.
        reasons: Whether it has the layout's loss-reason column.
        absent: The (field, column) pairs a preset reads that the file lacks:
            each such field is blank in every deal.
    """

    rows: int
    deals: list[Deal]
    undated: list[Deal]
    problems: list[Problem]
    reasons: bool
    absent: tuple[tuple[str, str], ...] = ()


@attrs.frozen(kw_only=True)
class Reading:
    """How to read the export: the command line's options."""

    encoding: str = "utf-8-sig"
    delimiter: str = ","
    date_format: str | None = None
    tz: tzinfo = UTC
    currency: str | None = None
    #: A column read into ``attributes`` under its own name (the ``--by`` column).
    extra: str | None = None


def read_export(path: str, layout: Layout, reading: Reading) -> Export:
    """The deals of the CSV file *path*.

    Raises:
        UsageError: the file cannot be read, is not CSV in *reading*'s encoding,
            names a column twice or lacks one a deal cannot do without.
    """
    with _open(path, reading.encoding) as handle:
        cells = csv.reader(_lines(path, handle), delimiter=reading.delimiter, strict=True)
        rows = _rows(path, cells, reading.encoding)
        full = _header(path, rows)
        header = _named(full)
        nameless = _nameless(full)
        columns = _columns(path, layout, header, reading.extra)
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        problems: list[Problem] = []
        undated: set[int] = set()
        first_line: dict[str, int] = {}
        builder = _RowBuilder(layout, columns, len(header), reading)
        tails = _Tails(len(header))
        count = 0
        for line, row in rows:
            count += 1
            row = _unpadded(path, line, row, nameless, len(header), len(full))
            tails.add(line, row)
            record = builder.record(line, row, first_line)
            if isinstance(record, Problem):
                problems.append(record)
                continue
            if record["created_at"] is _UNDATED_AT:
                undated.add(line)
            records.append(record)
            lines.append(line)
    problems = [tails.hinted(p) for p in problems]
    deals, undated_deals = _build(records, lines, undated, layout, reading, problems, tails)
    problems.sort(key=lambda p: p.line)
    return Export(
        count,
        deals,
        undated_deals,
        problems,
        layout.loss_reason in columns,
        _absent(layout, columns),
    )


def _absent(layout: Layout, columns: Mapping[str, int]) -> tuple[tuple[str, str], ...]:
    """The (field, column) pairs of a preset (not the generic layout, whose
    columns are each optional) that the file lacks."""
    if layout.name == "generic":
        return ()
    named = {**layout.columns, "currency": layout.currency, "loss_reason": layout.loss_reason}
    name = layout.columns.get("name")  # a blank name falls back to another column
    return tuple(
        (field, column)
        for field, column in named.items()
        if isinstance(column, str) and column not in columns and column != name
    )


def _open(path: str, encoding: str) -> TextIO:
    if path == "-":  # read twice (for the line of a bad byte): a file, not a stream
        raise UsageError("the export must be a file: save standard input to one first")
    try:
        raw = open(path, "rb")  # noqa: SIM115 - the caller closes it, as text
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        _refuse_binary(path, raw.peek(_SIGNATURE), encoding)
    except BaseException:
        raw.close()
        raise
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


#: Bytes enough to tell what a file is from how it starts.
_SIGNATURE: Final = 8
#: How files that are not CSV text start, and what to do instead: an encoding's
#: error would say "name the file's encoding", which reads none of them.
_NOT_TEXT: Final = (
    (b"PK\x03\x04", "is a zip archive, not text (an Excel workbook, .xlsx, is one): "
     "save the sheet as CSV, or unzip the CSV it holds"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an Office file, not text (an Excel "
     "97-2003 workbook, .xls, is one): save the sheet as CSV"),
    (b"\x1f\x8b", "is gzip-compressed: decompress it first (gunzip, 7-Zip)"),
)  # fmt: skip
#: Byte-order marks other than UTF-8's, longest first (UTF-32's starts as UTF-16's).
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _refuse_binary(path: str, start: bytes, encoding: str) -> None:
    """Refuse a file whose first bytes say it is not text in *encoding*: an
    archive, a compressed file, or UTF-16 (or UTF-32) text read as another
    encoding."""
    for signature, what in _NOT_TEXT:
        if start.startswith(signature):
            raise UsageError(f"{path} {what}")
    for bom, codec in _BOMS:
        if start.startswith(bom):
            if encoding != codec:  # utf-16-le would keep the mark as a character
                raise UsageError(
                    f"{path} is {codec.upper()} text (it starts with a byte-order mark): "
                    f"pass --encoding {codec}, or save it as UTF-8"
                )
            return


def _lines(path: str, handle: TextIO) -> Iterator[str]:
    """The lines of *handle*, each read with a bound: a file with no line break
    (a JSON export on one line, ``/dev/zero``) is refused, not read whole into
    memory."""
    number = 0
    text = False  # whether a line before held anything
    while line := handle.readline(_LONGEST_LINE + 1):
        number += 1
        if not text and line.strip():
            text = True
            _refuse_json(path, line, handle)
        if len(line) > _LONGEST_LINE:
            raise UsageError(
                f"{path}, line {number}: more than {_LONGEST_LINE:,} characters without a "
                "line break; this command reads CSV exports, a row per line"
            )
        yield line


def _refuse_json(path: str, line: str, handle: TextIO) -> None:
    """Refuse a file whose first line with text, *line*, is JSON's: an array or an
    object, or an object per line (JSON Lines). A CSV header starts with neither."""
    start = line.strip()
    if not start.startswith(("[", "{")):
        return
    try:
        whole = isinstance(json.loads(start), dict)  # a whole object on the first line
    except ValueError:  # the start of an array or object spread over lines
        whole = False
    if whole and handle.readline(_LONGEST_LINE).lstrip().startswith("{"):
        raise UsageError(
            f"{path} looks like JSON Lines (a JSON object per line): this command reads CSV "
            "exports (convert it first, e.g. with pandas: read_json(lines=True), then to_csv)"
        )
    raise UsageError(
        f"{path} looks like JSON: this command reads CSV exports (convert it first, "
        "e.g. with pandas: read_json, then to_csv)"
    )


def _rows(path: str, reader: Any, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each row that holds anything; file-level errors as
    :class:`UsageError` naming the line."""
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeError as error:  # not only UnicodeDecodeError: utf-16 without a BOM
            if isinstance(error, UnicodeDecodeError):
                reason, where = error.reason, _bad_line(path, encoding)
            else:  # no position: a codec that refuses the stream as a whole
                reason, where = str(error), None
            at = "" if where is None else f", line {where}"
            raise UsageError(
                f"{path}{at}: not {_encoding_name(encoding)} text ({reason}); "
                "name the file's encoding with --encoding, e.g. cp1252, latin-1 or utf-16-le"
            ) from None
        except csv.Error as error:
            hint = (
                "a quote opened and never closed?"
                if "field limit" in str(error) or "end of data" in str(error)
                else "fix the quoting"
            )
            raise UsageError(f"{path}, line {line}: not valid CSV ({error}; {hint})") from None
        if any(c.strip() for c in row):
            yield line, row
        line = reader.line_num + 1


#: The most characters a line of an export may hold (a row of many full cells
#: fits; a file that has no line breaks does not).
_LONGEST_LINE: Final = 1 << 24
#: Bytes decoded at a time when looking for the line of a byte the encoding refuses.
_CHUNK: Final = 1 << 16


def _bad_line(path: str, encoding: str) -> int | None:
    """The line of the first byte of *path* that *encoding* refuses, as CSV counts
    lines; None when it cannot be told. The reader's own line is not it: text is
    decoded ahead of the rows, a chunk at a time."""
    if not os.path.isfile(path):  # a pipe cannot be read again (and may block)
        return None
    decoder = codecs.getincrementaldecoder(encoding)()
    text = ""  # the last character decoded, to count a CR LF split between chunks once
    ends = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            state = decoder.getstate()
            try:
                decoded = decoder.decode(chunk)
            except UnicodeError:
                # Again byte by byte: the text before the byte at fault, whatever offsets
                # the codec's error counts from (a buffered byte, a byte-order mark).
                decoder.setstate(state)
                decoded = ""
                for i in range(len(chunk)):
                    try:
                        decoded += decoder.decode(chunk[i : i + 1])
                    except UnicodeError:
                        return ends + _line_ends(text + decoded) - _line_ends(text) + 1
                return None
            ends += _line_ends(text + decoded) - _line_ends(text)
            text = decoded[-1:] or text
    return None


def _line_ends(text: str) -> int:
    """Lines ended in *text* as CSV counts them: ``\\r\\n``, ``\\r`` and ``\\n``
    each end one."""
    return len(_LINE_END.findall(text))


_LINE_END: Final = re.compile(r"\r\n|\r|\n")


def _header(path: str, rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    header = next(rows, None)
    if header is None:
        raise UsageError(f"{path} is empty: a CSV export starts with a header naming its columns")
    return header[1]


def _named(header: list[str]) -> list[str]:
    """*header* without its trailing unnamed cells: a spreadsheet's empty columns
    (``id,owner_id,status,,,``), not columns rows must have."""
    width = len(header)
    while width > 1 and not header[width - 1].strip():
        width -= 1
    return header[:width]


def _nameless(header: Sequence[str]) -> list[int]:
    """The columns *header* leaves unnamed, but the first: the index pandas and R
    write (``,id,name``) is a column the report need not read, and never did."""
    return [i for i, name in enumerate(header) if i and not name.strip()]


def _unpadded(
    path: str, line: int, row: list[str], nameless: Sequence[int], width: int, full: int
) -> list[str]:
    """*row* without its cells under the header's trailing unnamed cells (from
    *width* to *full*), which must be empty, as must every other unnamed column's:
    a value under a column without a name is read as nothing, and is likely a
    header one name short, which would read every column after it as another."""
    for i in nameless:
        if i < len(row) and row[i].strip():
            raise UsageError(
                f"{path}, line {line}: column {i + 1} holds {short_repr(row[i])} but has no "
                "name in the header: name it there, or delete the column (a header short of "
                "a name reads every column after it as the next one)"
            )
    return row[:width] + row[full:] if len(row) > width else row


def _encoding_name(codec: str) -> str:
    """*codec* as a person names it: UTF-8 with or without a byte-order mark is UTF-8."""
    return "UTF-8" if codec in ("utf-8", "utf-8-sig") else codec


def _columns(path: str, layout: Layout, header: Sequence[str], extra: str | None) -> dict[str, int]:
    """Each column's index, checked: no column twice, every needed one there."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in index and name.strip():
            raise UsageError(
                f"{path} has the column {name!r} twice (columns {index[name] + 1} and {i + 1}); "
                "rename one: which to read cannot be guessed"
            )
        index.setdefault(name, i)
    _fold_into(path, header, index, _wanted(layout, extra))
    # (field, column): which field a missing column was to give, to say so.
    needed = [(f, layout.columns[f]) for f in ("id", "created_at", "amount") if f in layout.columns]
    needed.append(("stage", layout.stage))
    if layout.fallback_name and layout.columns.get("name") not in index:
        needed.append(("name", layout.fallback_name))
    elif not layout.fallback_name and "name" in layout.columns:
        needed.append(("name", layout.columns["name"]))
    if extra is not None and extra not in index:
        raise UsageError(
            f"{path} has no column {extra!r} to group by (its columns: {_shown(header)}); "
            "--by takes a Deal field such as owner_id, 'currency', or a column of the file"
        )
    # a column the command line named is needed too: read as blank, it would
    # change every figure that reads its field without a word
    for field in sorted(layout.mapped):
        column = layout.columns.get(field) or getattr(layout, field, None)
        if isinstance(column, str) and (field, column) not in needed:
            needed.append((field, column))
    for field, column in needed:
        if column not in index:
            raise UsageError(
                f"{path} has no column {column!r} (its columns: {_shown(header)}); "
                f"{_delimiter_hint(header) or _missing_hint(layout, field, column)}"
            )
    return index


def _wanted(layout: Layout, extra: str | None) -> list[str]:
    """Every column *layout* (and ``--by``) reads."""
    named = (layout.stage, layout.closed_at, layout.currency, layout.loss_reason)
    others = (*named, layout.fallback_name, extra)
    return [*layout.columns.values(), *(c for c in others if c is not None)]


def _fold(name: str) -> str:
    return name.strip().casefold()


def _fold_into(path: str, header: Sequence[str], index: dict[str, int], wanted: list[str]) -> None:
    """Add to *index* each *wanted* column the header names otherwise in case or
    spaces only (``Owner_ID``, `` owner_id ``): an export's way of writing it, not
    another column. Two headers that name one column so are refused: which to read
    cannot be guessed."""
    folded: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        folded.setdefault(_fold(name), []).append(i)
    for column in wanted:
        found = folded.get(_fold(column), [])
        if len(found) > 1:
            first, second = found[:2]
            raise UsageError(
                f"{path} has two columns that read as {column!r} (case and spaces aside): "
                f"{header[first]!r} (column {first + 1}) and {header[second]!r} "
                f"(column {second + 1}); rename one: which to read cannot be guessed"
            )
        if found:
            index[column] = found[0]


def _missing_hint(layout: Layout, field: str, column: str) -> str:
    """What to do about a missing column: it depends on who named it."""
    if field == "name" and column == layout.fallback_name:
        return (
            f"the {layout.name} preset names a deal by it when the file has no column "
            f"{layout.columns.get('name')!r} either: map the name with --column name=COLUMN"
        )
    if field in layout.mapped:
        return f"--column {field}={column} reads the {field} from it: name a column of the file"
    if layout.name != "generic":
        return (
            f"the {layout.name} preset reads the {field} from it: map the {field} to a column "
            f"of the file with --column {field}=COLUMN"
        )
    return "pick a --preset or map it with --column FIELD=COLUMN"


def _shown(header: Sequence[str]) -> str:
    return ", ".join(header)


def _delimiter_hint(header: Sequence[str]) -> str | None:
    """What the header suggests was read wrong: the delimiter, or the encoding."""
    if any("\x00" in name for name in header):  # every other byte zero: two per letter
        return (
            "NUL between its letters: UTF-16 without a byte-order mark? pass --encoding utf-16-le"
        )
    if len(header) == 1:
        for mark, name in ((";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")):
            if mark in header[0]:
                return f"its columns look separated by {name}: pass --delimiter {name}"
    return None


def _as_header(width: int) -> str:
    return f"{width} cells, as in the header"


def _too_many(line: int, cells: int, width: int) -> Problem:
    return Problem(line, "cells", _as_header(width), cells, hint="an unquoted comma?")


class _Tails:
    """Which rows longer than the header are shifted, from every row of the file.

    A row whose cells beyond the header's are all empty is a trailing delimiter
    only when the file's rows end so, as a tool that ends each line with a
    delimiter writes them: all of them but one in a hundred at most (at least
    one), each odd row refused on its own. Otherwise it is a row shifted by an
    unquoted comma whose last cell happened to be empty (``…,Widget, large,``),
    and reading it would put every cell after the comma in the wrong field: a
    file whose rows end in several ways is read by the fewest empty cells any of
    its rows ends with, so that most rows shifted so cannot pass for the pattern.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows = 0
        #: How many rows end with each number of empty cells beyond the header's.
        self.endings: Counter[int] = Counter()
        #: The number of cells of each row longer than the header, by line, when
        #: every cell beyond the header's is empty.
        self.longer: dict[int, int] = {}
        self._shifted: dict[int, int] | None = None

    def add(self, line: int, row: Sequence[str]) -> None:
        """Note the cells of the row on *line* (every row, in order)."""
        extra = len(row) - self.width
        empty = 0
        for cell in reversed(row[self.width :]):
            if cell.strip():
                break
            empty += 1
        if extra < 0 or empty < extra:
            # cut short, or text beyond the header: refused on its own, and no sign
            # of whether the file's lines end with a delimiter
            return
        self.endings[empty] += 1
        self.rows += 1
        if extra:
            self.longer[line] = len(row)

    @property
    def shifted(self) -> Mapping[int, int]:
        """The number of cells of each shifted row, by line (once every row is added)."""
        if self._shifted is None:
            # The file's own ending is what its rows end with but a few odd ones,
            # else the fewest empty cells any row ends with; a lone row is no
            # pattern: its empty last cell may be shifted there.
            common, count = max(self.endings.items(), key=lambda e: (e[1], -e[0]), default=(0, 0))
            odd = self.rows - count
            trailing = common if odd <= max(1, self.rows // _ODD_ROWS) else min(self.endings)
            trailing = trailing if self.rows > 1 else 0
            self._shifted = {
                line: cells for line, cells in self.longer.items() if cells != self.width + trailing
            }
        return self._shifted

    def hinted(self, problem: Problem) -> Problem:
        """*problem*, saying so if its row is shifted: the value refused is likely
        another column's."""
        cells = self.shifted.get(problem.line)
        if cells is None or problem.field == "cells":
            return problem
        hint = f"the row has {cells} cells where the header has {self.width}: an unquoted comma?"
        return attrs.evolve(problem, hint=hint)

    def refusal(self, line: int) -> Problem | None:
        """Why the row on *line* is refused for its cells, if it is shifted."""
        cells = self.shifted.get(line)
        return None if cells is None else _too_many(line, cells, self.width)


class _RowBuilder:
    """One row's cells as a Deal record, or the :class:`Problem` that refuses it
    before a deal is built."""

    def __init__(
        self, layout: Layout, index: Mapping[str, int], width: int, reading: Reading
    ) -> None:
        self.layout = layout
        self.width = width
        self.reading = reading
        self.fields = {f: index[c] for f, c in layout.columns.items() if c in index}
        self.id = self.fields["id"]
        self.stage = index[layout.stage]
        self.closed_at = index.get(layout.closed_at) if layout.closed_at else None
        self.currency = index.get(layout.currency) if layout.currency else None
        self.loss_reason = index.get(layout.loss_reason) if layout.loss_reason else None
        self.fallback = index.get(layout.fallback_name) if layout.fallback_name else None
        self.extra = None if reading.extra is None else index[reading.extra]
        self.stages = _stage_lookup(layout.pipeline)
        self.known = ", ".join(s.id for s in layout.pipeline.stages)

    def record(
        self, line: int, row: list[str], first_line: dict[str, int]
    ) -> dict[str, Any] | Problem:
        """The record of *row*, or why it is refused; *first_line* maps each id
        seen to its first row's line."""
        if len(row) < self.width:
            return Problem(line, "cells", _as_header(self.width), len(row), hint="a row cut short?")
        if any(c.strip() for c in row[self.width :]):
            return _too_many(line, len(row), self.width)
        key = row[self.id].strip()
        if key:  # a blank id is the entity's to refuse
            first = first_line.setdefault(key, line)
            if first != line:
                return Problem(line, "id", "unique", row[self.id], detail=f"also on line {first}")
        record: dict[str, Any] = {f: row[i] for f, i in self.fields.items()}
        for field in _ID_CELLS.intersection(record):  # "A1 " is A1, as the duplicate check reads it
            record[field] = record[field].strip()
        raw_stage = row[self.stage].strip()
        stage = self.stages.get(raw_stage.casefold())
        if stage is None:
            return Problem(line, "stage", f"one of {self.known}", raw_stage)
        record["stage"] = stage.id
        record["status"] = stage.status
        closing = "" if self.closed_at is None else row[self.closed_at].strip()
        if stage.status is Status.OPEN:
            record["expected_close"] = closing or None
        else:
            record["closed_at"] = closing or None
        if stage.status is Status.LOST and self.loss_reason is not None:
            record["loss_reason"] = _one_line(row[self.loss_reason])
        if self.fallback is not None and not (record.get("name") or "").strip():
            record["name"] = row[self.fallback]
        if "name" in record:
            record["name"] = _one_line(record["name"])
        problem = self._amount(line, row, record)
        if problem is not None:
            return problem
        if self.extra is not None:
            value = row[self.extra]
            record["attributes"] = {self.reading.extra: value if value.strip() else None}
        if stage.id in self.layout.undated and not (record.get("created_at") or "").strip():
            record["created_at"] = _UNDATED_AT
            return record
        return self._dates(line, record)

    def _amount(self, line: int, row: list[str], record: dict[str, Any]) -> Problem | None:
        amount = record.get("amount")
        code = "" if self.currency is None else row[self.currency].strip().upper()
        code = code or self.reading.currency or ""
        if amount is not None and amount.strip() and not code:
            expected = "a currency: a currency column, or --currency for the whole file"
            return Problem(line, _CURRENCY, expected)
        record[_CURRENCY] = code or None
        return None

    def _dates(self, line: int, record: dict[str, Any]) -> dict[str, Any] | Problem:
        fmt = self.reading.date_format
        if fmt is None:
            return record
        for field in ("created_at", "closed_at", "expected_close"):
            value = record.get(field)
            if isinstance(value, str) and value.strip():
                try:
                    parsed = datetime.strptime(value.strip(), fmt)
                except ValueError:
                    return Problem(line, field, f"a date like {fmt!r}", value)
                record[field] = parsed.date() if field == "expected_close" else parsed
        return record


#: The fields whose cells are ids: a space around one is the export's, not the id's.
_ID_CELLS: Final = frozenset({"id", "owner_id", "customer_id", "prospect_id"})


def _one_line(text: str) -> str:
    """A free text (a name, a reason) on one line: an export's multi-line cell
    ("too\\nexpensive") has its line breaks read as spaces, as an entity's text
    is one line."""
    return _LINE_BREAKS.sub(" ", text) if "\n" in text or "\r" in text else text


def _stage_lookup(pipeline: Pipeline) -> dict[str, Stage]:
    """Stages by id and by name, any case."""
    lookup = {s.name.casefold(): s for s in pipeline.stages}
    lookup.update({s.id.casefold(): s for s in pipeline.stages})
    return lookup


def _build(
    records: list[dict[str, Any]],
    lines: list[int],
    undated_lines: set[int],
    layout: Layout,
    reading: Reading,
    problems: list[Problem],
    tails: _Tails,
) -> tuple[list[Deal], list[Deal]]:
    """The deals, checked by the entity and against the layout's pipeline, dated
    and undated; every refused row added to *problems*, and every shifted one
    (*tails*), refused or not."""
    built = from_records(
        Deal,
        records,
        columns={"amount.currency": _CURRENCY},
        tz=reading.tz,
        defaults={"pipeline_id": layout.pipeline.id},
        pipelines=layout.pipeline,
        strict=False,
    )
    refused = {e.row for e in built.errors}
    for row_error in built.errors:
        line = lines[row_error.row]
        for issue in row_error.error.issues:
            _, dot, field = issue.path.partition(".")
            field = field if dot else "row"
            hint = _amount_hint(issue.value) if field == "amount" else None
            if field in _DATE_FIELDS and reading.date_format is None:
                hint = _date_hint(issue.value)
            expected, detail = _per_row(_in_file_words(issue.expected))
            problem = Problem(line, field, expected, issue.value, hint=hint, detail=detail)
            problems.append(tails.hinted(problem))
    good = iter(built.records)
    deals: list[Deal] = []
    undated: list[Deal] = []
    for n, line in enumerate(lines):
        if n in refused:
            continue
        deal = next(good)
        shifted = tails.refusal(line)
        if shifted is not None:
            problems.append(shifted)
            continue
        finer = _too_fine(deal, line)
        if finer is not None:
            problems.append(finer)
            continue
        if line in undated_lines:
            undated.append(deal)
            continue
        outside = _outside_calendar(deal)
        if outside is None:
            deals.append(deal)
        else:
            problems.append(Problem(line, outside, _CALENDAR, getattr(deal, outside)))
    return deals, undated


#: What the entities advise a Python caller, and what to do in a file instead.
_PYTHON_ADVICE: Final = (
    (
        re.compile(r"pass fold=1 for the second occurrence, or write the first with its offset, "),
        "write it with its UTC offset; the first occurrence's is ",
    ),
    (re.compile(r", or a code registered with salesmodel\.money\.register_currency\(\)"), ""),
)


#: What a date must be that names another's value ("no earlier than created_at
#: (2026-01-12T00:00:00+00:00)"): a reason of its own for every row, unless split.
_EARLIER: Final = re.compile(r"(no earlier than (\w+)) \((.+)\)")


def _per_row(expected: str) -> tuple[str, str | None]:
    """*expected* as the same words for every row, and the value of this row it
    names, if any: rows refused for one reason are counted together."""
    earlier = _EARLIER.fullmatch(expected)
    if earlier is None:
        return expected, None
    other = earlier.group(3)
    with contextlib.suppress(ValueError):  # shown as the row's own value is
        other = datetime.fromisoformat(other).isoformat(sep=" ")
    return earlier.group(1), f"where {earlier.group(2)} is {other}"


def _in_file_words(expected: str) -> str:
    """What a value must be, as a file can make it so (no Python advice)."""
    for advice, instead in _PYTHON_ADVICE:
        expected = advice.sub(instead, expected)
    return expected


#: Numbers written with a decimal comma (1000,50 or 1.000,50) or with commas
#: between thousands (1,000.50), as spreadsheets of many countries write them.
_DECIMAL_COMMA: Final = re.compile(r"[-+]?(\d+|\d{1,3}([. \u00a0\u202f]\d{3})+),\d+")
_THOUSANDS: Final = re.compile(r"[-+]?\d{1,3}(,\d{3})+\.\d+")
#: Thousands set apart by a space (a plain, a no-break or a narrow no-break one:
#: French, Nordic) or an apostrophe (Swiss): 1 200, 1'200.50.
_SPACED: Final = re.compile(r"[-+]?\d{1,3}([ \u00a0\u202f'\u2019]\d{3})+(\.\d+)?")


def _amount_hint(value: object) -> str | None:
    """What an amount refused suggests: a number as a spreadsheet of another
    locale writes it (the reader takes none, as no guess is safe: 1,000 is a
    thousand in one country and one in another)."""
    if not isinstance(value, str):
        return None
    if _DECIMAL_COMMA.fullmatch(value.strip()):
        return (
            "a decimal comma? this reader takes a point as the decimal separator and no "
            "thousands separator; convert the column first"
        )
    if _THOUSANDS.fullmatch(value.strip()):
        return "a thousands separator? this reader takes none; remove them from the column first"
    if _SPACED.fullmatch(value.strip()):
        return (
            "a space or an apostrophe between thousands? this reader takes no thousands "
            "separator; remove them from the column first"
        )
    return None


def _too_fine(deal: Deal, line: int) -> Problem | None:
    """The problem of an amount written finer than its currency's minor unit: an
    export writes whole cents, so "1.054" dollars is more likely a thousand and
    fifty-four with a point between thousands (a Money would hold it, and every
    sum would be a thousandth of what the file means)."""
    amount = deal.amount
    if amount is None:
        return None
    places, exponent = minor_unit(amount.currency), amount.amount.as_tuple().exponent
    if not isinstance(exponent, int) or -exponent <= places:
        return None
    expected = f"at most {places} decimal places, the minor unit of {amount.currency}"
    hint = (
        "a point between thousands? this reader takes a point as the decimal separator "
        "and no thousands separator; remove them from the column first"
        if -exponent == 3
        else None
    )
    return Problem(line, "amount", expected, str(amount.amount), hint=hint)


_DATE_FIELDS: Final = ("created_at", "closed_at", "expected_close")
#: The start of an ISO 8601 date: a refused cell that has it was not refused for
#: its format.
_ISO_DATE: Final = re.compile(r"\s*[+-]?\d{4}-\d{2}-\d{2}")
#: A date written otherwise: three numbers between separators (10/20/2016).
_OTHER_DATE: Final = re.compile(r"(\d{1,4})([/.\- ])(\d{1,2})[/.\- ](\d{1,4})")


def _date_hint(value: object) -> str | None:
    """What a date refused suggests: one written otherwise than ISO 8601 (the
    reader's default) needs its format named."""
    if not isinstance(value, str) or not value.strip() or _ISO_DATE.match(value):
        return None
    if value.strip().isdigit():
        return "a spreadsheet's day number? write the column as dates first"
    written = _OTHER_DATE.search(value)
    if written:
        first, sep = written.group(1), written.group(2)
        # the likely order, from the numbers: a year first, a day first (above 12)
        order = (
            ("Y", "m", "d")
            if len(first) == 4
            else ("d", "m", "Y")
            if int(first) > 12
            else ("m", "d", "Y")
        )
        example = sep.join(f"%{part}" for part in order)
        return f"not an ISO date: name the file's format with --date-format, such as {example}"
    return None


_CALENDAR: Final = f"a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def _outside_calendar(deal: Deal) -> str | None:
    """The first date field of *deal* outside the report's calendar, if any."""
    for field in ("created_at", "closed_at"):
        value = getattr(deal, field)
        if value is not None and not FIRST_DAY <= value.date() <= LAST_DAY:
            return field
    return None


def read_rates(path: str, encoding: str) -> RateTable:
    """The exchange rates of the CSV file *path*: columns ``base``, ``quote`` and
    ``rate`` (1 *base* buys *rate* *quote*), one pair per row."""
    with _open(path, encoding) as handle:
        rows = _rows(path, csv.reader(_lines(path, handle), strict=True), encoding)
        header = [c.strip().lower() for c in _header(path, rows)]
        missing = [c for c in ("base", "quote", "rate") if c not in header]
        if missing:
            raise UsageError(
                f"{path} has no column {missing[0]!r} (a rates file has the columns base, "
                f"quote, rate: 1 base buys rate quote)"
            )
        base, quote, rate = (header.index(c) for c in ("base", "quote", "rate"))
        pairs: dict[tuple[str, str], str] = {}
        seen: dict[tuple[str, str], int] = {}
        for line, row in rows:
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                # "USD,EUR,1,17": a decimal comma splits the rate, whose first part
                # would be read as all of it
                raise UsageError(
                    f"{path}, line {line}: {len(row)} cells where the header has "
                    f"{len(header)} (a decimal comma? write rates with a point: 1.17)"
                )
            cells = [*row, "", "", ""]
            pair = (cells[base].strip().upper(), cells[quote].strip().upper())
            try:
                RateTable({pair: cells[rate]})
            except ValidationError as error:
                issue = error.issues[0]
                what = "base and quote" if issue.value == pair else "rate"
                raise UsageError(f"{path}, line {line}: {what} {issue.message}") from None
            if pair in seen:
                raise UsageError(
                    f"{path}, line {line}: the rate of {pair[0]} in {pair[1]} is on line "
                    f"{seen[pair]} already; give each pair once"
                )
            reverse = (pair[1], pair[0])
            if reverse in seen:  # both ways: they must agree (see RateTable)
                try:
                    RateTable({reverse: pairs[reverse], pair: cells[rate]})
                except ValidationError as error:
                    raise UsageError(
                        f"{path}, line {line}: rate {error.issues[0].message}; line "
                        f"{seen[reverse]} gives the rate of {reverse[0]} in {reverse[1]}"
                    ) from None
            seen[pair] = line
            pairs[pair] = cells[rate]
    return RateTable(pairs)
