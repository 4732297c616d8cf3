"""The other positions of ``adl-risk``: a book read from a CSV or JSON-lines file, a sample
shipped with liqcalc, standard input, or rows given from Python, and checked row by row
(every bad row named by file and line, or by its index in the rows, and field).

numpy is imported only inside :func:`check_book`, where the book becomes arrays.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

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
    lines: list[int]
    values: dict[str, list[str | None]]
    ascii: bool = False
    """The whole file is ASCII (then no cell needs its digits checked)."""
    rows: bool = False
    """Given from Python as rows: a row is named by its index (``book[2]``), not by a line."""

    def __len__(self) -> int:
        return len(self.lines)

    def where(self, row: int) -> str:
        """Row ``row`` (0-based) as an error names it: ``book.csv:12``, or ``book[10]`` for rows."""
        return f"{self.name}[{self.lines[row]}]" if self.rows else f"{self.name}:{self.lines[row]}"

    def also(self, row: int) -> str:
        """Where a duplicate was seen first: ``line 12``, or ``book[10]`` for rows."""
        return self.where(row) if self.rows else f"line {self.lines[row]}"


def _columns_text() -> str:
    return "id, side, size, entry, margin or leverage, and optional wallet and mark"


def samples() -> list[str]:
    """The names of the books shipped with liqcalc (``--book sample:NAME``)."""
    from importlib.resources import files

    return sorted(p.name.removesuffix(".csv") for p in (files("liqcalc") / "samples").iterdir() if p.name.endswith(".csv"))


def _open(source: str, name: Namer) -> tuple[str, str]:
    option = name("book")
    if source.startswith(SAMPLE):
        from importlib.resources import files

        sample = source.removeprefix(SAMPLE)
        if sample not in samples():
            raise UsageError(f"{option}: no sample book {sample!r}; the samples are {', '.join(samples())} (sample:NAME)")
        return source, (files("liqcalc") / "samples" / f"{sample}.csv").read_text(encoding="utf-8")
    if source == "-":
        return "stdin", sys.stdin.read().removeprefix("\ufeff")
    from pathlib import Path

    from liqcalc.presets.files import read_regular

    if not Path(source).exists() and not Path(source).is_symlink():
        raise UsageError(f"{option}: no such file {source}")
    # A regular file only, up to BOOK_LIMIT: a FIFO is not waited on, /dev/zero not read for GiBs
    # (a pipe goes through ``--book -``).
    data = read_regular(Path(source), BOOK_LIMIT, UsageError, label=f"{option}: {source}")
    try:
        return source, data.decode("utf-8-sig")  # a byte-order mark is not data
    except UnicodeDecodeError as error:
        raise InputError(f"{source}", f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def read_book(source: str | os.PathLike[str] | Sequence[Mapping[str, Any]], name: Namer = lambda key: f"{key}=") -> BookFile:
    """Read a CSV (with a header line) or JSON-lines book; the format comes from the file's
    suffix (``.csv``, ``.jsonl``/``.ndjson``/``.json``), else from its first character.

    ``source`` is a path, ``sample:NAME``, ``-`` (standard input) or rows (mappings of the
    columns, as a JSON line holds them); ``name`` names the option in errors (``--book`` on
    the command line, ``book=`` from Python)."""
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        if isinstance(source, Sequence):
            return read_rows(cast("Sequence[Mapping[str, Any]]", source))
        raise UsageError(f"{name('book')}: expected a path, \"sample:NAME\" or a list of rows, got {source!r}")
    where, text = _open(source, name)
    lowered = source.lower()
    if source.startswith(SAMPLE):
        lowered += ".csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        is_json = True
    elif lowered.endswith(".csv"):
        is_json = False
    else:
        is_json = text.lstrip().startswith("{")
    book = _read_jsonl(where, text) if is_json else _read_csv(where, text)
    return replace(book, ascii=text.isascii())


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
        if raw is None:
            values[column].append(None if column in ("id", "side") else "")
        else:
            values[column].append(raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, bool) else str(raw))


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
    for column in header:
        if column not in COLUMNS:
            raise InputError(f"{name}:{header_line}: {column}", f"unknown column; the columns are {_columns_text()}")
    for column in REQUIRED:
        if column not in header:
            raise InputError(f"{name}:{header_line}: {column}", f"missing column; the columns are {_columns_text()}")
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
        if not isinstance(item, dict):
            raise InputError(f"{name}:{number}", "expected a JSON object")
        _add(f"{name}:{number}", item, values)
        lines.append(number)
    return BookFile(name, lines, values)


@dataclass(frozen=True)
class Book:
    """A checked book: the columns for the vectorized path, the text for the Decimal one."""

    file: BookFile
    columns: Columns


def _says(template: str, raw: list[str | None]) -> Callable[[int], str]:
    return lambda n: template.format(raw[n])


def check_book(book: BookFile, market_mark: Decimal) -> Book:
    """Check every row; the first bad one (by line, then by column) is an error naming file,
    line and field. Numbers are parsed as arrays, and only a column that fails is walked."""
    import numpy as np

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
    for n, ident in enumerate([] if fine else ids):
        if ident is None:
            problems.append((n, 0, "id", "missing"))
            break
        if ident == YOU:
            problems.append((n, 0, "id", "'you' is reserved for your own position; rename this row"))
            break
        if ident in seen:
            problems.append((n, 0, "id", f"duplicate id {ident!r} (also on {book.also(seen[ident])})"))
            break
        seen[ident] = n
    sides = book.values["side"]
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
    """Each row as a Decimal :class:`PositionSpec` (for the Decimal event path)."""
    values = book.file.values
    specs: list[tuple[str, PositionSpec]] = []
    for n in range(len(book.file)):
        def number(column: str, row: int = n) -> Decimal | None:
            raw = values[column][row]
            if raw is None or not raw.strip():
                return None
            try:
                return to_decimal(raw, column)
            except InputError as error:
                raise InputError(f"{book.file.where(row)}: {column}", error.problem) from None

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

