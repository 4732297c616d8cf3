"""The other positions of ``adl-risk``: a book read from a CSV, Parquet, Arrow IPC or
JSON-lines file, a sample shipped with liqcalc, standard input, or rows given from Python, and
checked row by row (every bad row named by file and line, by its row in a Parquet or Arrow
file, or by its index in the rows, and field).

CSV, Parquet and Arrow files are read by pyarrow straight into typed columns (:class:`TableBook`),
checked as arrays, and kept as columns (the ids stay in an Arrow array). Only when pyarrow
refuses a CSV file, or a check finds a problem, is the book read again as text
(:class:`BookFile`, the walk that names the first bad cell); JSON lines and rows from Python
are read as text. numpy and pyarrow are imported only here, where a book is read.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import operator
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast, overload

from liqcalc.core.errors import InputError, LeverageError, LiqcalcError, TierError, UsageError
from liqcalc.core.model import Side
from liqcalc.core.numbers import to_decimal
from liqcalc.core.position import Calculator, PositionResult, PositionSpec

if TYPE_CHECKING:
    from liqcalc.core.book import Columns

Namer = Callable[[str], str]

SAMPLE = "sample:"
"""``book="sample:NAME"`` reads a book shipped inside the package (``liqcalc/samples/NAME.csv``),
so the example in ``--help`` runs as written from any folder."""
COLUMNS = ("id", "side", "size", "entry", "margin", "leverage", "wallet", "mark")
REQUIRED = ("id", "side", "size", "entry")
YOU = "you"
#: Largest book file read: a million positions as CSV is about 35 MB.
BOOK_LIMIT = 1024 * 1024 * 1024


# -- the book file --------------------------------------------------------------------------


@dataclass(frozen=True)
class BookFile:
    """The book as read: raw text per column (None where absent) and each row's line."""

    name: str
    lines: Sequence[int]
    values: dict[str, list[str | None]]
    ascii: bool = False
    """The whole file is ASCII (then no cell needs its digits checked)."""
    rows: bool = False
    """Given from Python as rows: a row is named by its index (``book[2]``), not by a line."""
    numbered: bool = False
    """A Parquet or Arrow file: a row is named by its number, from 1 (``book.parquet row 12``)."""

    def __len__(self) -> int:
        return len(self.lines)

    def where(self, row: int) -> str:
        """Row ``row`` (0-based) as an error names it: ``book.csv:12``, ``book[10]`` for rows,
        ``book.parquet row 11`` for a Parquet or Arrow file."""
        if self.numbered:
            return f"{self.name} row {self.lines[row]}"
        return f"{self.name}[{self.lines[row]}]" if self.rows else f"{self.name}:{self.lines[row]}"

    def also(self, row: int) -> str:
        """Where a duplicate was seen first: ``line 12``, ``row 11``, or ``book[10]`` for rows."""
        if self.numbered:
            return f"row {self.lines[row]}"
        return self.where(row) if self.rows else f"line {self.lines[row]}"

    def text(self) -> BookFile:
        """The book as text (it is)."""
        return self


def _columns_text() -> str:
    return "id, side, size, entry, margin or leverage, and optional wallet and mark"


def check_columns(names: Sequence[str], where: str) -> None:
    """A book's column names (a CSV header, a table's schema), lower-cased: no column twice (the
    first repeat is named), none unknown, none of :data:`REQUIRED` missing; ``where`` names the
    header (``book.csv:1``) or the file."""
    for number, column in enumerate(names):
        if column in names[:number]:
            raise InputError(f"{where}: {column}", "duplicate column")
    for column in names:
        if column not in COLUMNS:
            raise InputError(f"{where}: {column}", f"unknown column; the columns are {_columns_text()}")
    for column in REQUIRED:
        if column not in names:
            raise InputError(f"{where}: {column}", f"missing column; the columns are {_columns_text()}")


def samples() -> list[str]:
    """The names of the books shipped with liqcalc (``--book sample:NAME``)."""
    from importlib.resources import files

    return sorted(p.name.removesuffix(".csv") for p in (files("liqcalc") / "samples").iterdir() if p.name.endswith(".csv"))


def _open(source: str, name: Namer) -> tuple[str, bytes | str]:
    """The book's name in errors and its content: bytes from a file, a sample or standard
    input (sniffed as a file without a suffix is; CSV and JSON lines from standard input are
    then read as text, as ever: :func:`_stdin_text`)."""
    option = name("book")
    if source.startswith(SAMPLE):
        from importlib.resources import files

        sample = source.removeprefix(SAMPLE)
        if sample not in samples():
            raise UsageError(f"{option}: no sample book {sample!r}; the samples are {', '.join(samples())} (sample:NAME)")
        return source, (files("liqcalc") / "samples" / f"{sample}.csv").read_bytes()
    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text-only stream (replaced by a caller): text, as ever
            return "stdin", sys.stdin.read().removeprefix("\ufeff")
        return "stdin", bytes(stream.read())
    from pathlib import Path

    from liqcalc.presets.files import read_regular

    if not Path(source).exists() and not Path(source).is_symlink():
        raise UsageError(f"{option}: no such file {source}")
    # A regular file only, up to BOOK_LIMIT: a FIFO is not waited on, /dev/zero not read for GiBs
    # (a pipe goes through ``--book -``).
    return source, read_regular(Path(source), BOOK_LIMIT, UsageError, label=f"{option}: {source}")


def _stdin_text(data: bytes) -> str:
    """CSV or JSON lines read from standard input as bytes, made the text that reading the
    stream as text gave: its encoding and error handler, universal newlines, no byte-order mark."""
    encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
    errors = getattr(sys.stdin, "errors", None) or "strict"
    wrapper = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=errors, newline=None)
    try:
        return wrapper.read().removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise InputError("stdin", f"not {encoding} text ({error.reason} at byte {error.start})") from None


def _decode(where: str, data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")  # a byte-order mark is not data
    except UnicodeDecodeError as error:
        raise InputError(f"{where}", f"not UTF-8 text ({error.reason} at byte {error.start})") from None


JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")
PARQUET_MAGIC = b"PAR1"
ARROW_MAGIC = b"ARROW1"
IPC_STREAM_MAGIC = b"\xff\xff\xff\xff"
"""An Arrow IPC stream begins with a message's continuation marker."""


def book_format(source: str, head: bytes | str) -> str:
    """``csv``, ``jsonl``, ``parquet`` or ``arrow``: from the suffix (``.csv``; ``.jsonl``,
    ``.ndjson``, ``.json``; ``.parquet``, ``.pq``; ``.arrow``, ``.feather``, ``.ipc``: an
    Arrow IPC file, Feather, or an IPC stream), else from the content: Parquet's ``PAR1``,
    Arrow's ``ARROW1`` magic or an IPC stream's first marker, a JSON object's ``{``, else CSV
    (standard input, ``-``, is sniffed too)."""
    lowered = source.lower()
    if source.startswith(SAMPLE) or lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(JSON_SUFFIXES):
        return "jsonl"
    if lowered.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lowered.endswith(ARROW_SUFFIXES):
        return "arrow"
    if isinstance(head, bytes):
        if head.startswith(PARQUET_MAGIC):
            return "parquet"
        if head.startswith(ARROW_MAGIC) or head.startswith(IPC_STREAM_MAGIC):
            return "arrow"
        head = head[:4096].removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    return "jsonl" if head.lstrip().startswith("{") else "csv"


def output_format(path: str) -> str:
    """The format a book written to ``path`` takes from its suffix: ``parquet``, ``arrow``,
    else ``csv`` (``book synth --output``)."""
    lowered = path.lower()
    if lowered.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return "arrow" if lowered.endswith(ARROW_SUFFIXES) else "csv"


def read_book(source: str | os.PathLike[str] | Sequence[Mapping[str, Any]],
              name: Namer = lambda key: f"{key}=") -> BookFile | TableBook:
    """Read a CSV (with a header line), Parquet, Arrow IPC or JSON-lines book; the format comes
    from the file's suffix, else from its content (:func:`book_format`).

    ``source`` is a path, ``sample:NAME``, ``-`` (standard input, read as bytes and sniffed
    as a file without a suffix is: Parquet, Arrow IPC file or stream, JSON lines or CSV) or rows
    (mappings of the columns, as a JSON line holds them); ``name`` names the option in errors
    (``--book`` on the command line, ``book=`` from Python)."""
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        if isinstance(source, Sequence):
            return read_rows(cast("Sequence[Mapping[str, Any]]", source))
        raise UsageError(f"{name('book')}: expected a path, \"sample:NAME\" or a list of rows, got {source!r}")
    where, data = _open(source, name)
    head = data[:4096]
    if len(data) > len(head) and not (head.decode("utf-8", "replace") if isinstance(head, bytes) else head).strip():
        head = _decode(where, data)  # blank beyond the first 4 KiB: the first character decides
    kind = book_format(source if source != "-" else "", head)
    if kind in ("parquet", "arrow"):
        assert isinstance(data, bytes)
        return _read_table(where, data, kind)
    if source == "-" and isinstance(data, bytes):
        data = _stdin_text(data)
    if kind == "csv":
        fast = _read_csv_columns(where, data)
        if fast is not None:
            return fast
    text = _decode(where, data)
    book = _read_jsonl(where, text) if kind == "jsonl" else _read_csv(where, text)
    return replace(book, ascii=text.isascii())


# -- CSV, Parquet and Arrow through pyarrow: typed columns ----------------------------------


@dataclass(frozen=True)
class TableBook:
    """A book read by pyarrow into typed columns: float64 for the numbers, text for id and side.

    ``data`` (the file's bytes) is kept to read the book again as text (:meth:`text`) when a
    check finds a problem or the Decimal path wants each row's digits as written; ``table`` is
    dropped once the columns are taken."""

    name: str
    kind: str
    """``csv``, ``parquet`` or ``arrow``."""
    data: bytes
    count: int
    table: Any = None
    """The :class:`pyarrow.Table` as read (None once checked)."""
    first_line: int = 2
    """A CSV book's line of its first row, when every row is one line (else 0: found by :meth:`text`)."""

    def __len__(self) -> int:
        return self.count

    def _line(self, row: int) -> int:
        if self.first_line:
            return self.first_line + row
        return int(self.text().lines[row])

    def where(self, row: int) -> str:
        """Row ``row`` (0-based) as an error names it: ``book.csv:12``, ``book.parquet row 11``."""
        return f"{self.name}:{self._line(row)}" if self.kind == "csv" else f"{self.name} row {row + 1}"

    def also(self, row: int) -> str:
        """Where a duplicate was seen first: ``line 12``, ``row 11``."""
        return f"line {self._line(row)}" if self.kind == "csv" else f"row {row + 1}"

    def text(self) -> BookFile:
        """The book read again as text, row by row (the walk that names a bad cell)."""
        if self.kind == "csv":
            text = _decode(self.name, self.data)
            return replace(_read_csv(self.name, text), ascii=text.isascii())
        return _table_text(self.name, _load_table(self.name, self.data, self.kind))


class ArrowIds(Sequence[str]):
    """A book's ids in an Arrow string array: a row's id becomes a ``str`` when it is read."""

    def __init__(self, array: Any) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def take(self, at: Any) -> list[str]:
        """The ids of rows ``at`` (non-negative integers), in one Arrow take."""
        import numpy as np

        return cast(list[str], self.array.take(np.asarray(at, dtype=np.int64)).to_pylist())

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return ArrowIds(self.array[index])
        at = operator.index(index)
        if at < 0:
            at += len(self.array)
        if not 0 <= at < len(self.array):
            raise IndexError("id index out of range")
        return cast(str, self.array[at].as_py())

    def __iter__(self) -> Iterator[str]:
        for chunk in getattr(self.array, "chunks", [self.array]):
            yield from chunk.to_pylist()


NUMBERS = ("size", "entry", "margin", "leverage", "wallet", "mark")
TEXT = ("id", "side")


def _line_facts(data: bytes) -> tuple[int, int, int]:
    """Lines (as the text reader counts them: newlines, plus an unended last line), blank lines
    (empty, or a lone carriage return) and the longest line, in chunks (no list of lines)."""
    import numpy as np

    if not data:
        return 0, 0, 0
    view = np.frombuffer(data, dtype=np.uint8)
    blank = longest = 0
    previous = -1  # the newline before the current chunk's first line
    step = 1 << 22
    for begin in range(0, view.size, step):
        ends = np.flatnonzero(view[begin:begin + step] == 10) + begin
        if not ends.size:
            continue
        starts = np.concatenate(([previous + 1], ends[:-1] + 1))
        lengths = ends - starts
        longest = max(longest, int(lengths.max()))
        blank += int((lengths == 0).sum())
        crs = starts[lengths == 1]
        blank += int((view[crs] == 13).sum())
        previous = int(ends[-1])
    tail = view.size - previous - 1
    longest = max(longest, tail)
    newlines = int(data.count(b"\n"))
    return newlines + (1 if tail else 0), blank, longest


def _read_csv_columns(where: str, data: bytes | str) -> TableBook | None:
    """A CSV book through pyarrow's reader, typed; None when this fast path cannot vouch that
    it reads the book as the text reader would (then :func:`_read_csv` reads it): a header not
    on the first line (or with an odd count of quotes), an unknown, missing or repeated column,
    a cell the typed reader refuses (a word where a number goes, a blank number, a ragged row),
    a quoted cell across lines, a lone carriage return, a line longer than the csv module's
    field limit."""
    import pyarrow as pa
    import pyarrow.csv as pv

    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            return None
    body = data.removeprefix(b"\xef\xbb\xbf")
    end = body.find(b"\n")
    first = body if end < 0 else body[:end]
    try:
        line = first.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        return None
    if not line.strip() or line.count('"') % 2 or "\r" in line or len(line) > csv.field_size_limit():
        return None
    # quotes balanced: the header is this one line, as the csv module reads it
    header = [cell.strip().lower() for cell in next(csv.reader([line]))]
    if len(set(header)) != len(header) or not set(header) <= set(COLUMNS) or not set(REQUIRED) <= set(header):
        return None
    if body.count(b"\r") != body.count(b"\r\n"):
        return None
    lines, blank, longest = _line_facts(body)
    if longest > csv.field_size_limit():
        return None
    types = {column: (pa.string() if column in TEXT else pa.float64()) for column in header}
    try:
        table = pv.read_csv(
            pa.py_buffer(body)[end + 1:] if end >= 0 else pa.py_buffer(b""),
            read_options=pv.ReadOptions(column_names=header),
            parse_options=pv.ParseOptions(newlines_in_values=False),
            convert_options=pv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=False,
                                              quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowIndexError):
        return None
    if table.num_rows + blank != lines - 1:  # a row across lines, or a blank line the reader took
        return None
    return TableBook(where, "csv", data, table.num_rows, table, first_line=2 if not blank else 0)


def _load_table(where: str, data: bytes, kind: str) -> Any:
    """The table in a Parquet or Arrow IPC file, validated in full before any use: a file
    whose offsets or lengths are wrong (a corrupted one) would otherwise crash the reading of
    its cells (pyarrow trusts the buffers it is given). Parquet pages are checked against their
    CRC where the writer stored one. Invalid UTF-8 in a text column is named by row and field
    (:func:`_first_bad_text`)."""
    import pyarrow as pa

    what = "a Parquet" if kind == "parquet" else "an Arrow IPC"
    read = False
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            # ParquetFile, not read_table: the dataset reader adds columns of its own
            # (__fragment_index ...) to a schema with a repeated name and fails on them
            table = pq.ParquetFile(pa.BufferReader(data), page_checksum_verification=True).read()
        else:
            import pyarrow.ipc as ipc

            if data.startswith(ARROW_MAGIC):
                table = ipc.open_file(pa.BufferReader(data)).read_all()
            elif data.startswith(b"FEA1"):
                import pyarrow.feather as feather

                table = feather.read_table(pa.BufferReader(data))
            else:
                table = ipc.open_stream(pa.BufferReader(data)).read_all()
        read = True
        table.validate()
        for number, column in enumerate(table.columns):
            try:
                column.validate(full=True)
            except pa.ArrowInvalid:
                bad = _first_bad_text(column)
                if bad is None:
                    raise
                raise InputError(f"{where} row {bad + 1}: {str(table.column_names[number]).strip().lower()}",
                                 "not UTF-8 text") from None
    except (pa.ArrowException, OSError, ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError,
            OverflowError, MemoryError) as error:
        detail = " ".join(str(error).split())[:200]
        if read:  # read, but its buffers do not hold together
            raise InputError(where, f"not a valid {what.split(' ', 1)[1]} file ({detail})") from None
        raise InputError(where, f"not {what} file, or a damaged or truncated one ({detail})") from None
    return table


def _first_bad_text(column: Any) -> int | None:
    """The first row (0-based) of a text column whose bytes are not UTF-8, when the column is
    sound but for that (its offsets valid as binary); None otherwise."""
    import pyarrow as pa

    base = 0
    for chunk in column.chunks:
        if pa.types.is_string(chunk.type):
            raw = chunk.view(pa.binary())
        elif pa.types.is_large_string(chunk.type):
            raw = chunk.view(pa.large_binary())
        else:
            return None
        try:
            raw.validate(full=True)
        except pa.ArrowInvalid:
            return None
        try:
            chunk.validate(full=True)
        except pa.ArrowInvalid:
            for number, cell in enumerate(raw.to_pylist()):
                try:
                    (cell or b"").decode("utf-8")
                except UnicodeDecodeError:
                    return base + number
            return None
        base += len(chunk)
    return None


def _kind_of(type_: Any) -> str:
    import pyarrow.types as t

    if t.is_string(type_) or t.is_large_string(type_) or getattr(t, "is_string_view", lambda _: False)(type_):
        return "text"
    if t.is_dictionary(type_):
        return _kind_of(type_.value_type)
    if t.is_integer(type_):
        return "integer"
    if t.is_floating(type_) or t.is_decimal(type_):
        return "number"
    if t.is_null(type_):
        return "null"
    return "other"


def _read_table(where: str, data: bytes, kind: str) -> TableBook:
    """A Parquet or Arrow IPC book: its columns named as a CSV header names them (any case),
    numbers in integer or floating-point columns, id in text or integers, side in text."""
    import pyarrow as pa

    table = _load_table(where, data, kind)
    names = [str(n).strip().lower() for n in table.column_names]
    check_columns(names, where)
    columns = {}
    for column, field in zip(names, table.schema, strict=True):
        kind_of = _kind_of(field.type)
        if column == "side" and kind_of not in ("text", "null"):
            raise InputError(f"{where}: side", f"expected a column of text (long or short), got {field.type}")
        if column == "id" and kind_of not in ("text", "integer", "null"):
            raise InputError(f"{where}: id", f"expected a column of text or whole numbers, got {field.type}")
        if column in NUMBERS and kind_of not in ("integer", "number", "null"):
            raise InputError(f"{where}: {column}", f"expected a column of numbers, got {field.type}")
        target = pa.string() if column in TEXT else pa.float64()
        columns[column] = table.column(field.name).cast(target, safe=False)
    return TableBook(where, kind, data, table.num_rows, pa.table(columns))


def _table_text(where: str, table: Any) -> BookFile:
    """A Parquet or Arrow book as text, each number as Python writes it (``-5.0``, ``nan``):
    for the walk that names a bad cell, and for the Decimal path."""
    values: dict[str, list[str | None]] = {}
    names = {str(n).strip().lower(): n for n in table.column_names}
    for column in COLUMNS:
        if column not in names:
            values[column] = [None if column in TEXT else ""] * table.num_rows
            continue
        cells = table.column(names[column]).to_pylist()
        if column in TEXT:
            values[column] = [None if v is None else (str(v).strip() or None) for v in cells]
        else:
            values[column] = ["" if v is None else repr(float(v)) if isinstance(v, float) else str(v) for v in cells]
    return BookFile(where, range(1, table.num_rows + 1), values, ascii=True, numbered=True)


ROWS = "book"
"""What rows given from Python are called in errors: ``book[2]: size: ...``."""


def read_rows(rows: Sequence[Mapping[str, Any]]) -> BookFile:
    """Rows given from Python, each a mapping of the columns (numbers as Decimal, int, float
    or text), read as a JSON line is: the same checks and messages, a row named ``book[N]``."""
    lines: list[int] = []
    values: dict[str, list[str | None]] = {column: [] for column in COLUMNS}
    for number, item in enumerate(rows):
        if not isinstance(item, Mapping):
            raise InputError(f"{ROWS}[{number}]", f"expected a mapping of the columns ({_columns_text()})")
        _add(f"{ROWS}[{number}]", item, values)
        lines.append(number)
    return BookFile(ROWS, lines, values, rows=True)


def _add(where: str, item: Mapping[str, Any], values: dict[str, list[str | None]]) -> None:
    """One row (a JSON line, or a mapping from Python) into the columns, as text."""
    for key in item:
        if key not in COLUMNS:
            raise InputError(f"{where}: {key}", f"unknown field; the fields are {_columns_text()}")
    for column in COLUMNS:
        raw = item.get(column)
        if isinstance(raw, str) and len(raw) > CELL_LIMIT:
            raise InputError(f"{where}: {column}", _too_long())
        if column == "id" and raw is not None:
            # as in a Parquet file: text or a whole number, and stripped (blank is missing), as in CSV
            if isinstance(raw, str):
                raw = raw.strip() or None
            elif isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
            else:
                shown = str(raw) if isinstance(raw, Decimal) else json.dumps(raw, default=str)
                raise InputError(f"{where}: id", f"expected text or a whole number, got {shown[:80]}")
        if raw is None:
            values[column].append(None if column in ("id", "side") else "")
        else:
            values[column].append(raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, bool) else str(raw))


CELL_LIMIT = 131_072
"""The longest cell of a book, in characters, in every format: the csv module's field limit."""
CONTROL = "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]"
"""The characters an id may not hold (control characters and line or paragraph separators):
they would break the lines of a table or a CSV written from the book. :data:`CONTROL_RE2`:
the same for pyarrow's regular expressions."""
CONTROL_RE2 = "[\\x{0}-\\x{1f}\\x{7f}-\\x{9f}\\x{2028}\\x{2029}]"


def _too_long() -> str:
    return f"a cell longer than {CELL_LIMIT:,} characters; a book cell holds one number or id"


@functools.cache
def _control() -> Any:
    import re

    return re.compile(CONTROL)


def _id_problem(ident: str) -> str | None:
    """What is wrong with an id beyond missing, reserved or repeated: too long, or a control
    character in it."""
    if len(ident) > CELL_LIMIT:
        return _too_long()
    found = _control().search(ident)
    if found:
        return f"a control character (U+{ord(found.group()):04X}) in the id; an id is one line of printable text"
    return None


def _read_csv(name: str, text: str) -> BookFile:
    try:
        return _parse_csv(name, text)
    except csv.Error as error:  # e.g. a cell over the csv module's field limit of 131,072 characters
        line = _csv_error_line(text, error)
        where = f"{name}:{line}" if line else name
        limit = csv.field_size_limit()
        problem = (f"a cell longer than {limit:,} characters; a book cell holds one number or id"
                   if "field larger than field limit" in str(error) else f"not CSV ({error})")
        raise InputError(where, problem) from None


def _csv_error_line(text: str, error: csv.Error) -> int | None:
    """The line the csv module stopped on (it does not say in the error): read again up to it."""
    reader = csv.reader(io.StringIO(text))
    try:
        for _ in reader:
            pass
    except csv.Error:
        return reader.line_num
    return None


def _parse_csv(name: str, text: str) -> BookFile:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    header_line = 0
    for row in reader:
        if row and any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            header_line = reader.line_num
            break
    if header is None:
        return BookFile(name, [], {column: [] for column in COLUMNS})
    check_columns(header, f"{name}:{header_line}")
    width = len(header)
    rows: list[list[str]] = list(reader)
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(rows) == physical - header_line and set(map(len, rows)) <= {width}:
        # one row per line, none blank, none quoted across lines: the line numbers follow
        lines = list(range(header_line + 1, header_line + 1 + len(rows)))
    else:
        reader = csv.reader(io.StringIO(text))
        lines, rows = [], []
        for row in reader:
            if reader.line_num <= header_line:
                continue
            if len(row) != width:
                if not row or all(not cell.strip() for cell in row):
                    continue
                raise InputError(f"{name}:{reader.line_num}", f"expected {width} fields, got {len(row)}")
            lines.append(reader.line_num)
            rows.append(row)
    by_column = dict(zip(header, zip(*rows, strict=True), strict=True)) if rows else dict.fromkeys(header, ())
    values: dict[str, list[str | None]] = {}
    for column in COLUMNS:
        cells = by_column.get(column)
        if cells is None:
            values[column] = [None if column in ("id", "side") else ""] * len(rows)
        elif column in ("id", "side"):
            values[column] = [cell.strip() or None for cell in cells]
        else:  # numbers as written: an empty (or blank) cell is an absent value
            values[column] = list(cells)
    return BookFile(name, lines, values)


def _read_jsonl(name: str, text: str) -> BookFile:
    lines: list[int] = []
    values: dict[str, list[str | None]] = {column: [] for column in COLUMNS}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise InputError(f"{name}:{number}", f"not JSON ({error.msg} at column {error.colno})") from None
        except RecursionError:
            raise InputError(f"{name}:{number}", "nested too deeply; a line is one flat JSON object") from None
        except ValueError:  # Python's limit on the digits of an integer read from text
            raise InputError(f"{name}:{number}", f"an integer of more than {sys.get_int_max_str_digits():,} digits; "
                                                 "a book cell holds one number or id") from None
        if not isinstance(item, dict):
            raise InputError(f"{name}:{number}", "expected a JSON object")
        _add(f"{name}:{number}", item, values)
        lines.append(number)
    return BookFile(name, lines, values)


@dataclass(frozen=True)
class Book:
    """A checked book: the columns for the vectorized path, the file (its text on demand) for
    the Decimal one and for naming a row."""

    file: BookFile | TableBook
    columns: Columns


@functools.cache
def _space_class() -> str:
    """The characters ``str.strip`` strips (``str.isspace``), as a regular-expression class."""
    spaces = [c for c in range(0x3001) if chr(c).isspace()]
    return "[" + "".join(f"\\x{{{c:x}}}" for c in spaces) + "]"


def _may_have_edge_spaces(column: Any) -> bool:
    """Whether any cell of a text column starts or ends with a byte that may begin or end a
    space (ASCII whitespace, or any byte of a non-ASCII character): read from the Arrow
    buffers (the offsets and the bytes), with no string made; False means no cell needs
    stripping."""
    import numpy as np
    import pyarrow as pa

    suspect = np.zeros(256, dtype=bool)
    suspect[[c for c in range(128) if chr(c).isspace()]] = True
    suspect[128:] = True
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True  # another layout: the regular expression decides
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        width = np.int32 if pa.types.is_string(chunk.type) else np.int64
        ends = np.frombuffer(offsets, dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1].astype(np.int64)
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
        filled = ends[1:] > ends[:-1]
        if suspect[raw[ends[:-1][filled]]].any() or suspect[raw[ends[1:][filled] - 1]].any():
            return True
    return False


def _may_have_control(column: Any) -> bool:
    """Whether a text column's bytes hold an ASCII control character or any non-ASCII byte
    (a C1 control or a line separator is one): False means no id has a control character,
    decided on the data buffers in a few array passes (a regular expression over every id
    costs several times more)."""
    import numpy as np
    import pyarrow as pa

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is None or len(chunk) == 0:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        if (raw < 32).any() or (raw >= 127).any():
            return True
    return False


def _strip_text(column: Any) -> Any:
    """A text column as the text reader strips its cells (``str.strip``): only the cells that
    start or end with a space of any kind go through Python."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _may_have_edge_spaces(column):
        return column
    odd = pc.fill_null(pc.match_substring_regex(column, f"^{_space_class()}|{_space_class()}$"), False)
    if not pc.any(odd).as_py():
        return column
    flat = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    at = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
    stripped = [None if v is None else v.strip() for v in flat.take(pa.array(at)).to_pylist()]
    mask = np.zeros(len(flat), dtype=bool)
    mask[at] = True
    return pc.replace_with_mask(flat, pa.array(mask), pa.array(stripped, type=pa.string()))


def _check_table(book: TableBook, market_mark: Decimal) -> Book | None:
    """The checks of :func:`check_book` on typed columns; the checked book, or None when a
    row breaks a rule (then the text walk names the first bad cell, in the same order)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    table, count = book.table, book.count
    if count == 0:
        return None
    names = set(table.column_names)
    ids = _strip_text(table.column("id"))
    if ids.null_count or pc.any(pc.equal(ids, "")).as_py() or pc.any(pc.equal(ids, YOU)).as_py():
        return None
    if len(pc.unique(ids)) != count:
        return None
    if pc.max(pc.utf8_length(ids)).as_py() > CELL_LIMIT:
        return None  # an id too long: the text walk names it
    if _may_have_control(ids) and pc.any(pc.match_substring_regex(ids, CONTROL_RE2)).as_py():
        return None  # an id with a control character: the text walk names it
    if table.column("side").null_count == 0 and pc.max(pc.utf8_length(table.column("side"))).as_py() > CELL_LIMIT:
        return None
    sides = table.column("side")
    if sides.null_count:
        return None
    longs = pc.equal(sides, "long")
    shorts = pc.equal(sides, "short")
    if pc.sum(pc.or_(longs, shorts)).as_py() != count:  # other spellings (LONG, Short, " long") are accepted too
        lowered = pc.ascii_lower(_strip_text(sides))
        longs, shorts = pc.equal(lowered, "long"), pc.equal(lowered, "short")
        if pc.sum(pc.or_(longs, shorts)).as_py() != count:
            return None
    side = np.where(np.asarray(longs.to_numpy(zero_copy_only=False)), 1.0, -1.0)
    arrays: dict[str, Any] = {}
    absent: dict[str, Any] = {}
    for column in NUMBERS:
        if column not in names:
            arrays[column] = np.full(count, np.nan)
            absent[column] = np.ones(count, dtype=bool)
            continue
        values = table.column(column)
        parsed = np.asarray(values.to_numpy(), dtype=np.float64)  # nulls (blank cells) as nan
        gone = np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool) if values.null_count else np.zeros(count, dtype=bool)
        present = parsed[~gone] if gone.any() else parsed
        if present.size:
            if not np.isfinite(present).all():
                return None
            magnitude = np.abs(present)
            if ((present != 0) & ((magnitude < 1e-30) | (magnitude >= 1e31))).any():
                return None
            if (present < 1).any() if column == "leverage" else (present <= 0).any():
                return None
        if column in ("size", "entry") and gone.any():
            return None
        arrays[column], absent[column] = parsed, gone
    has_margin, has_leverage, has_wallet = ~absent["margin"], ~absent["leverage"], ~absent["wallet"]
    if (~has_wallet & ~has_margin & ~has_leverage).any() or (~has_wallet & has_margin & has_leverage).any() \
            or (has_wallet & has_margin).any():
        return None

    from liqcalc.core.book import Columns

    mark = np.where(absent["mark"], float(market_mark), arrays["mark"])
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    columns = Columns(ArrowIds(ids), side, arrays["size"], arrays["entry"], mark, arrays["margin"],
                      arrays["leverage"], arrays["wallet"])
    return Book(replace(book, table=None), columns)


def _says(template: str, raw: list[str | None]) -> Callable[[int], str]:
    return lambda n: template.format(raw[n])


def check_book(book: BookFile | TableBook, market_mark: Decimal) -> Book:
    """Check every row; the first bad one (by line, then by column) is an error naming file,
    line and field. Numbers are parsed as arrays, and only a column that fails is walked; a
    book read by pyarrow is checked on its typed columns, and read again as text only when a
    row breaks a rule."""
    import numpy as np

    if isinstance(book, TableBook):
        checked = _check_table(book, market_mark)
        if checked is not None:
            return checked
        book = book.text()
    count = len(book)
    if count == 0:
        raise InputError(book.name, "no positions (an empty book, or a header line only): a book with no positions "
                                    f"says nothing about ADL; give one position a row ({_columns_text()})")
    problems: list[tuple[int, int, str, str]] = []  # (row, column order, field, message)

    def first(mask: Any, field: str, message: Callable[[int], str]) -> None:
        hits = np.flatnonzero(mask)
        if hits.size:
            row = int(hits[0])
            problems.append((row, COLUMNS.index(field), field, message(row)))

    ids = book.values["id"]
    seen: dict[str, int] = {}
    fine = None not in ids and YOU not in ids and len(set(ids)) == count
    if fine:
        joined = "".join(cast(list[str], ids))
        fine = len(joined) <= CELL_LIMIT or max(map(len, cast(list[str], ids))) <= CELL_LIMIT
        fine = fine and not _control().search(joined)
    for n, ident in enumerate([] if fine else ids):
        if ident is None:
            problems.append((n, 0, "id", "missing"))
            break
        wrong = _id_problem(ident)
        if wrong:
            problems.append((n, 0, "id", wrong))
            break
        if ident == YOU:
            problems.append((n, 0, "id", "'you' is reserved for your own position; rename this row"))
            break
        if ident in seen:
            problems.append((n, 0, "id", f"duplicate id {ident!r} (also on {book.also(seen[ident])})"))
            break
        seen[ident] = n
    sides = book.values["side"]
    for n, cell in enumerate(sides if max(map(len, filter(None, sides)), default=0) > CELL_LIMIT else []):
        if cell is not None and len(cell) > CELL_LIMIT:
            problems.append((n, 1, "side", _too_long()))
            break
    written = np.array(sides, dtype=object)
    side = np.where(written == "long", 1.0, np.where(written == "short", -1.0, 0.0))
    for odd in np.flatnonzero(side == 0).tolist():  # other spellings (LONG, Short) are accepted too
        word = (sides[odd] or "").lower()
        side[odd] = 1.0 if word == "long" else (-1.0 if word == "short" else 0.0)
    for n in np.flatnonzero(side == 0)[:1]:
        raw = sides[n]
        problems.append((int(n), 1, "side", "missing; give long or short" if raw is None else f"expected long or short, got {raw!r}"))

    arrays: dict[str, Any] = {}
    for column in ("size", "entry", "margin", "leverage", "wallet", "mark"):
        raw_values = book.values[column]
        try:
            if not any(raw_values):  # a column the book does not have, or leaves blank throughout
                parsed = np.full(count, np.nan)
                absent = np.ones(count, dtype=bool)
            else:
                try:  # the common case: every cell a number
                    parsed = np.array(raw_values, dtype=np.float64)
                    absent = np.zeros(count, dtype=bool)
                except (ValueError, TypeError):  # some cells blank: they are absent values
                    parsed = np.array([v if v and v.strip() else "nan" for v in raw_values], dtype=np.float64)
                    absent = np.array([not (v and v.strip()) for v in raw_values], dtype=bool)
        except ValueError:  # a cell that is not a number: walk the column to name the first
            parsed = np.full(count, np.nan)
            absent = np.zeros(count, dtype=bool)
            for n, v in enumerate(raw_values):
                if v is None or not v.strip():
                    absent[n] = True
                    continue
                try:
                    parsed[n] = float(v)
                except ValueError:
                    problems.append((n, COLUMNS.index(column), column, f"expected a number, got {v!r}"))
                    parsed[n:] = 1.0  # checked up to here; the row named above is the column's first problem
                    break
        raw_of = raw_values
        first(~absent & ~np.isfinite(parsed), column, _says("expected a finite number, got {!r}", raw_of))
        # what the Decimal core takes (liqcalc.core.numbers.to_decimal), so both paths read the
        # same book: ASCII digits, and magnitudes from 1e-30 to 1e30 (a denormal float such as
        # 1e-320 would overflow the vectorized divisions)
        magnitude = np.abs(parsed)
        with np.errstate(invalid="ignore"):
            out_of_range = ~absent & np.isfinite(parsed) & (parsed != 0) & ((magnitude < 1e-30) | (magnitude >= 1e31))
        first(out_of_range, column, _says("{!r} is out of range (between 1e-30 and 1e30 in size)", raw_of))
        if not book.ascii and not "".join(v or "" for v in raw_values).isascii():
            first(np.array([not (v or "").isascii() for v in raw_values], dtype=bool), column,
                  _says("expected a number in ASCII digits, got {!r}", raw_of))
        arrays[column] = parsed
        arrays[column + "_absent"] = absent
        if column in ("size", "entry"):
            first(absent, column, _says("missing; every row needs " + column, raw_of))
        if column == "leverage":
            first(~absent & (parsed < 1), column, _says("must be at least 1, got {}", raw_of))
        else:
            first(~absent & (parsed <= 0), column, _says("must be greater than 0, got {}", raw_of))
    has_margin, has_leverage, has_wallet = (~arrays["margin_absent"], ~arrays["leverage_absent"], ~arrays["wallet_absent"])
    first(~has_wallet & ~has_margin & ~has_leverage, "margin",
          lambda n: "missing; give margin or leverage for an isolated position, or wallet for a cross one")
    first(~has_wallet & has_margin & has_leverage, "margin", lambda n: "give margin or leverage, not both")
    first(has_wallet & has_margin, "margin", lambda n: "margin is for isolated positions; this row has a wallet (cross)")
    if problems:
        row, _, field, message = min(problems)
        raise InputError(f"{book.where(row)}: {field}", message)

    from liqcalc.core.book import Columns

    mark = np.where(arrays["mark_absent"], float(market_mark), arrays["mark"])
    columns = Columns(tuple(cast(list[str], ids)), side, arrays["size"], arrays["entry"], mark,
                      arrays["margin"], arrays["leverage"], arrays["wallet"])
    return Book(book, columns)


def book_specs(book: Book, market_mark: Decimal) -> list[tuple[str, PositionSpec]]:
    """Each row as a Decimal :class:`PositionSpec` (for the Decimal event path), from the
    digits as written (a book read by pyarrow is read again as text)."""
    file = book.file.text()
    values = file.values
    specs: list[tuple[str, PositionSpec]] = []
    for n in range(len(file)):
        def number(column: str, row: int = n) -> Decimal | None:
            raw = values[column][row]
            if raw is None or not raw.strip():
                return None
            try:
                return to_decimal(raw, column)
            except InputError as error:
                raise InputError(f"{file.where(row)}: {column}", error.problem) from None

        wallet = number("wallet")
        side = cast(Side, cast(str, values["side"][n]).lower())
        specs.append((cast(str, values["id"][n]), PositionSpec(
            side=side, size=cast(Decimal, number("size")), entry=cast(Decimal, number("entry")),
            mark=number("mark") or market_mark, leverage=number("leverage"), margin=number("margin"),
            mode="cross" if wallet is not None else "isolated", wallet=wallet,
        )))
    return specs


def evaluate_rows(calc: Calculator, book: Book, specs: Sequence[tuple[str, PositionSpec]]) -> list[PositionResult]:
    """The position core on every row; its errors name the row's file, line and field."""
    results = []
    for n, (_, spec) in enumerate(specs):
        try:
            results.append(calc.evaluate(spec))
        except LeverageError as error:
            raise InputError(f"{book.file.where(n)}: {error.field}", error.problem(lambda key: key)) from None
        except TierError as error:
            raise InputError(f"{book.file.where(n)}: size", str(error)) from None
        except InputError as error:
            field = error.field.removeprefix("--")
            raise InputError(f"{book.file.where(n)}: {field}", error.problem) from None
        except LiqcalcError as error:  # any other rule the row breaks: still named by file and line
            raise InputError(f"{book.file.where(n)}", str(error)) from None
    return results

