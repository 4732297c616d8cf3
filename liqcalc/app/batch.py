"""``position --input``: a batch of JSON lines, priced in groups, written in input order.

Each line is what :func:`liqcalc.app.position.evaluate_line` makes of it (the Decimal core is
the reference). With ``--fields`` the lines that the vector form models
(:mod:`liqcalc.core.vector`: isolated, ``leverage`` or ``margin``, ``mark``, ``fill``,
``insurance_fund``, numbers of at most 15 digits) and whose fields it computes are grouped by
preset and symbol and priced as arrays; a line it does not model, a line the core would refuse
(or read beyond the tier table), and a figure the GUARD cannot print for certain go through the
Decimal core, one by one, exactly as without ``--fields``. Every line's output is the same bytes
either way (``tests/app/test_batch.py`` compares them). The warnings a line would carry are not
among the compact fields, so they do not send it to the core.

The full object (no ``--fields``) always comes from the Decimal core: its 70-odd figures
(waterfalls, distances, fees) are the core's, and the vector form computes the 15 of the
compact set.

:func:`texts` reads the lines in chunks; past the first chunk, forked worker processes (one per
core, ``LIQCALC_BATCH_WORKERS``) price them and this process writes their text in input order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from liqcalc.app.position import SCHEMA_VERSION, Line, evaluate_line, with_defaults
from liqcalc.app.session import Session

#: Every top-level key of a line's object: one position's keys, ``results`` for several
#: leverages, ``error`` for a line that failed.
FIELDS = (
    "schema_version", "line", "command", "preset", "inputs", "warnings", "contract_type", "face_value", "margin_asset",
    "symbol", "side", "size", "entry", "mark", "notional", "leverage", "initial_margin", "margin_balance",
    "maintenance_margin", "maintenance_margin_at_liquidation", "unrealized_pnl", "equity", "margin_ratio", "tier",
    "tier_at_entry", "tier_at_mark", "liquidation_price", "bankruptcy_price", "liquidation_distance",
    "bankruptcy_distance", "liquidation_fee_rate", "liquidation_fee", "liquidation_fee_paid", "open_fee", "waterfall",
    "waterfalls", "results", "error",
)
#: The keys the vector form computes.
VECTOR_FIELDS = frozenset({
    "schema_version", "line", "command", "contract_type", "face_value", "margin_asset", "symbol", "side", "size",
    "entry", "mark", "notional", "leverage", "initial_margin", "margin_balance", "maintenance_margin",
    "liquidation_price", "bankruptcy_price", "error",
})
#: ``--format csv`` without ``--fields``: the compact set.
COMPACT = ("line", "symbol", "side", "entry", "size", "mark", "notional", "leverage", "initial_margin", "margin_balance",
           "maintenance_margin", "margin_asset", "liquidation_price", "bankruptcy_price", "contract_type")
#: Lines priced together (and held in memory) at most.
CHUNK = 8192


def parse_fields(text: str) -> tuple[str, ...]:
    """``--fields a,b,c`` as a tuple of keys; ValueError naming the unknown one and the valid ones."""
    fields = tuple(part.strip() for part in text.split(","))
    for field in fields:
        if field not in FIELDS:
            raise ValueError(f"--fields: unknown field {field!r}; valid fields: {', '.join(FIELDS)}")
    return tuple(dict.fromkeys(fields))


# -- the lines the vector form models --------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class _Odd:
    """A JSON number the vector form does not read from a double: in exponent form, or of 17
    characters or more (more digits than a double holds); the core reads its line."""

    __slots__ = ()


_ODD = _Odd()


def _float(text: str) -> float | _Odd:
    """A JSON number with a fraction or an exponent, as the vector form reads it."""
    if len(text) > 16 or "e" in text or "E" in text:
        return _ODD
    return float(text)

_KEYS = frozenset({"preset", "symbol", "side", "entry", "size", "leverage", "margin", "mark", "mode", "fill",
                   "insurance_fund"})


def typed_defaults(defaults: Mapping[str, Any]) -> dict[str, Any] | None:
    """Command-line defaults as a line's JSON would give them (``--leverage 20`` as 20.0), or
    None when one of them is a number the vector form does not read (the core takes every line)."""
    def read(value: Any) -> Any:
        if isinstance(value, list):
            return [read(item) for item in value]
        if isinstance(value, str) and _NUMBER.fullmatch(value) and len(value) <= 16:
            return float(value)
        return value

    typed = {key: value if key in ("preset", "symbol", "side", "mode") else read(value) for key, value in defaults.items()}
    return None if any(type(v) is str for k, v in typed.items() if k not in ("preset", "symbol", "side", "mode")) else typed


def _text(raw: Any) -> str | None:
    return raw.strip() or None if type(raw) is str else None


class _Row:
    __slots__ = ("fields", "index", "number", "preset", "side", "symbol")

    def __init__(self, index: int, number: int, preset: str, symbol: str, side: str,
                 fields: dict[str, float]):
        self.index, self.number, self.preset, self.symbol, self.side, self.fields = index, number, preset, symbol, side, fields


_NUMBERS = frozenset({"entry", "size", "leverage", "margin", "mark", "fill", "insurance_fund"})
_SIDES = {"long": "long", "short": "short", "Long": "long", "Short": "short", "LONG": "long", "SHORT": "short"}


def _modelled(values: Mapping[str, Any], index: int, number: int) -> _Row | None:
    """The row of a line the vector form models, or None (the Decimal core takes it)."""
    if not _KEYS.issuperset(values):
        return None
    preset, symbol, side = values.get("preset"), values.get("symbol"), values.get("side")
    if type(preset) is not str or type(symbol) is not str or type(side) is not str:
        return None
    preset, symbol = preset.strip(), symbol.strip()
    if not preset or not symbol:
        return None
    side = _SIDES.get(side) or _SIDES.get(side.strip().lower())
    if side is None:
        return None
    mode = values.get("mode")
    if mode is not None and (_text(mode) or "").lower() != "isolated":
        return None
    fields: dict[str, float] = {}
    for key, raw in values.items():
        if key not in _NUMBERS or raw is None:
            continue
        if type(raw) is list and key == "leverage" and len(raw) == 1:
            raw = raw[0]
        kind = type(raw)
        if kind is not float and kind is not int:
            return None  # text, a list, a bool: the core reads it (or says what is wrong)
        if not 0 < raw < 1e16 and not (raw == 0 and key == "insurance_fund"):
            return None  # not positive, not finite, or too large: the core's error
        fields[key] = raw
    if "entry" not in fields or "size" not in fields or ("leverage" in fields) == ("margin" in fields):
        return None
    if "leverage" in fields and fields["leverage"] < 1:
        return None  # below 1x: the core's error
    return _Row(index, number, preset, symbol, side, fields)


def _places(values: Any) -> Any:
    """The decimal each double was typed as: the fewest places (0..22) at which it reads back
    from at most 15 digits (-1: none, a number of more digits). Two decimals of at most 15
    significant digits are never the same double, so this is the number as typed."""
    import numpy as np

    places = np.full(len(values), -1)
    for k in range(23):
        scale = 10.0 ** k
        digits = np.round(values * scale)
        found = (places < 0) & (digits < 1e15) & (digits / scale == values)
        places[found] = k
    return places


def _echoes(values: Any, digits: Any, places: Any) -> list[str | None]:
    """Inputs as :func:`liqcalc.render.numbers.json_number` writes them (None beyond 10 places:
    the value is printed): a double's repr is the decimal typed (at most 15 digits), less a
    trailing ``.0``; a repr in exponent form is written from the digits."""
    out: list[str | None] = []
    for value, n, p in zip(values.tolist(), digits.tolist(), places.tolist(), strict=True):
        if p > 10:
            out.append(None)
            continue
        text = repr(value)
        if text[-2:] == ".0":
            text = text[:-2]
        elif "e" in text:
            whole = str(int(n)).rjust(p + 1, "0")
            text = (whole[:-p] + "." + whole[-p:]).rstrip("0").rstrip(".") if p else whole
        out.append(text)
    return out


# -- the batch ---------------------------------------------------------------------------------


#: One output line: the JSON literal of each field.
Cells = tuple[str, ...]


class Failed(NamedTuple):
    """A line that failed: its number and the error object's message."""

    line: int
    error: str


def run(session: Session, defaults: Mapping[str, Any], lines: Iterable[Line],
        fields: tuple[str, ...] | None, *, start: int = 1) -> Iterator[dict[str, Any] | Cells | Failed]:
    """The output of each non-blank line, in input order: without ``fields`` the full object
    (a dict, as ``--json`` writes it); with ``fields`` the JSON literal of each (a tuple), or for
    a failed line a :class:`Failed`. ``start``: the number of the first line."""
    if fields is None:
        for number, line in enumerate(lines, start=start):
            obj = evaluate_line(session, defaults, number, line)
            if obj is not None:
                yield obj
        return
    typed = typed_defaults(defaults)
    vector = VECTOR_FIELDS.issuperset(fields) and typed is not None
    chunk: list[tuple[int, Line]] = []
    for number, line in enumerate(lines, start=start):
        chunk.append((number, line))
        if len(chunk) >= CHUNK:
            yield from _chunk(session, defaults, typed, chunk, fields, vector)
            chunk = []
    if chunk:
        yield from _chunk(session, defaults, typed, chunk, fields, vector)


def _results(session: Session, defaults: Mapping[str, Any], chunk: list[tuple[int, Line]],
             fields: tuple[str, ...] | None) -> list[dict[str, Any] | Cells | Failed]:
    """The output of each non-blank line of ``chunk`` (:func:`run`, for lines read already)."""
    if fields is None:
        return [obj for number, line in chunk if (obj := evaluate_line(session, defaults, number, line)) is not None]
    typed = typed_defaults(defaults)
    return list(_chunk(session, defaults, typed, chunk, fields, VECTOR_FIELDS.issuperset(fields) and typed is not None))


def _projected(session: Session, defaults: Mapping[str, Any], number: int, line: Line,
               fields: tuple[str, ...]) -> Cells | Failed | list[Cells] | None:
    """One line through the Decimal core, its ``fields`` as JSON literals; a line of several
    leverages as one row each (:func:`per_leverage`) unless ``results`` is among the fields."""
    from liqcalc.render.numbers import dumps

    obj = evaluate_line(session, defaults, number, line)
    if obj is None:
        return None
    if "error" in obj:
        return Failed(number, obj["error"])
    if "results" in obj and "results" not in fields:
        return [tuple([dumps(row.get(field)) for field in fields]) for row in per_leverage(obj)]
    return tuple([dumps(obj.get(field)) for field in fields])


def per_leverage(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A line's object of several leverages as one object per leverage: the line's keys (its
    number, preset, inputs, contract) and the keys of that leverage's result, its ``warnings``
    the line's less those of the other leverages."""
    results = obj["results"]
    envelope = {key: value for key, value in obj.items() if key != "results"}
    theirs = {w for result in results for w in result.get("warnings", ())}
    rows = []
    for result in results:
        own = set(result.get("warnings", ()))
        warnings = [w for w in obj.get("warnings", ()) if w in own or w not in theirs]
        rows.append({**envelope, **result, "warnings": warnings})
    return rows


def _chunk(session: Session, defaults: Mapping[str, Any], typed: Mapping[str, Any] | None,
           chunk: list[tuple[int, Line]], fields: tuple[str, ...],
           vector: bool) -> list[Cells | Failed]:
    import json

    scan = json.JSONDecoder(parse_float=_float).scan_once  # type: ignore[attr-defined]  # the C scanner

    out: list[Cells | Failed | list[Cells] | None] = [None] * len(chunk)
    groups: dict[tuple[str, str], list[_Row]] = {}
    decimal: list[int] = []
    for index, (number, line) in enumerate(chunk):
        row = None
        if isinstance(line, str) and not line.strip():
            continue  # a blank line: nothing out
        if vector and isinstance(line, str):
            try:
                values, end = scan(line, 0)
            except (StopIteration, ValueError, RecursionError):
                values = None  # the core reads it (a space before the object, not JSON, ...)
            else:
                if line[end:].strip():
                    values = None
            if type(values) is dict:
                row = _modelled(with_defaults(typed, values) if typed else values, index, number)
        if row is None:
            decimal.append(index)
        else:
            groups.setdefault((row.preset, row.symbol), []).append(row)
    for (preset, symbol), rows in groups.items():
        left = _price_group(session, preset, symbol, rows, fields, out)
        decimal.extend(row.index for row in left)
    for index in decimal:
        number, line = chunk[index]
        out[index] = _projected(session, defaults, number, line, fields)
    written: list[Cells | Failed] = []
    for cells in out:
        if isinstance(cells, list):
            written.extend(cells)  # a line of several leverages: a row each
        elif cells is not None:
            written.append(cells)
    return written


def _price_group(session: Session, preset: str, symbol: str, rows: list[_Row], fields: tuple[str, ...],
                 out: list[Cells | Failed | list[Cells] | None]) -> list[_Row]:
    """Price ``rows`` of one preset and symbol as arrays into ``out``; the rows left to the core."""
    from liqcalc.core.errors import LiqcalcError

    try:
        calc = session.calculator(preset, symbol)
        fund = session.fund_party(preset)
    except LiqcalcError:
        return rows  # each line gets the core's error
    from liqcalc.core import vector

    if not vector.supported(calc.venue):
        return rows
    if fund is None:
        left = [row for row in rows if "insurance_fund" in row.fields]
        rows = [row for row in rows if "insurance_fund" not in row.fields]
    else:
        left = []
    if not rows:
        return left
    import numpy as np


    read_back = np.ones(len(rows), dtype=bool)

    nan = float("nan")

    def column(key: str, default: str | None = None) -> Any:
        if default is None:
            values = np.array([row.fields.get(key, nan) for row in rows], dtype=float)
        else:
            values = np.array([row.fields.get(key) or row.fields[default] for row in rows], dtype=float)
        present = ~np.isnan(values)
        values[~present] = 1.0
        places = _places(values)
        read_back[present & (places < 0)] = False  # more than 15 digits: the core reads it
        places = np.maximum(places, 0)
        digits = np.round(values * 10.0 ** places)
        return vector.exact(digits, places.astype(float)), present, (values, digits, places)

    side = np.array([1.0 if row.side == "long" else -1.0 for row in rows])
    size, _, size_echo = column("size")
    entry, _, entry_echo = column("entry")
    mark, _, mark_echo = column("mark", "entry")
    leverage, has_leverage, leverage_echo = column("leverage")
    margin, _, margin_echo = column("margin")
    figures = vector.evaluate(calc.venue, calc.symbol, side, size, entry, mark, leverage, margin, ~has_leverage)
    ok = figures.ok & read_back
    sym = calc.symbol
    from liqcalc.render.numbers import dumps, json_number

    fixed = {
        "schema_version": str(SCHEMA_VERSION), "command": '"position"', "contract_type": dumps(sym.contract_type),
        "face_value": json_number(sym.face_value) if sym.inverse else "null", "margin_asset": dumps(sym.margin_asset),
        "symbol": dumps(sym.name), "error": "null",
    }
    computed: dict[str, list[str | None]] = {}

    def printed(name: str) -> list[str | None]:
        """The figure ``name`` of each row as text, None where the guard refuses it."""
        if name not in computed:
            value, scale = getattr(figures, name)
            certain, counts = vector.printable(value, scale)
            computed[name] = _count_texts(counts, np.isnan(value.hi), certain)
        return computed[name]

    def echoed(numbers: Any, value: Any) -> list[str | None]:
        """Inputs as typed; the rows with more than 10 places printed from their value."""
        echo = _echoes(*numbers)
        if all(text is not None for text in echo):
            return echo
        certain, counts = vector.printable(value, abs(value.hi))
        return [e if e is not None else t for e, t in zip(echo, _count_texts(counts, np.isnan(value.hi), certain),
                                                           strict=True)]

    texts: dict[str, list[str | None]] = {}
    for field in fields:
        if field in fixed or field in ("line", "side"):
            continue
        if field == "size":
            texts[field] = echoed(size_echo, size)
        elif field == "entry":
            texts[field] = echoed(entry_echo, entry)
        elif field == "mark":
            texts[field] = echoed(mark_echo, mark)
        elif field == "leverage":
            given = echoed(leverage_echo, leverage)
            implied = printed("leverage")
            texts[field] = [g if has else i for g, i, has in zip(given, implied, has_leverage.tolist(), strict=True)]
        elif field == "margin_balance":
            posted = echoed(margin_echo, margin)
            initial = printed("initial_margin")
            texts[field] = [i if has else p for p, i, has in zip(posted, initial, has_leverage.tolist(), strict=True)]
        else:
            texts[field] = printed(field)
    n = len(rows)
    columns: list[Any] = []
    for field in fields:
        if field in texts:
            columns.append(texts[field])
        elif field in fixed:
            columns.append([fixed[field]] * n)
        elif field == "line":
            columns.append([str(row.number) for row in rows])
        else:
            columns.append(['"long"' if row.side == "long" else '"short"' for row in rows])
    for row, sure, cells in zip(rows, ok.tolist(), zip(*columns, strict=True), strict=True):
        if sure and None not in cells:
            out[row.index] = cells
        else:
            left.append(row)
    return left


_UNIT = 10 ** 10


def _count_texts(counts: Any, missing: Any, certain: Any) -> list[str | None]:
    """Counts of 1e-10 as :func:`liqcalc.render.numbers.json_number` writes the numbers
    (``null`` where ``missing``, None where not ``certain``): below 1e15 (15 digits) the repr of
    count / 1e10, the double nearest that decimal, is the decimal (two decimals of at most 15
    digits are never the same double), less a trailing ``.0``; else from the digits."""
    import numpy as np

    out: list[str | None] = []
    append = out.append
    short = (np.abs(counts) < 10 ** 15).tolist()
    for count, value, gap, sure, fits in zip(counts.tolist(), (counts / 1e10).tolist(), missing.tolist(),
                                             certain.tolist(), short, strict=True):
        if gap:
            append("null")
        elif not sure:
            append(None)
        else:
            text = repr(value) if fits else "e"
            if text[-2:] == ".0":
                text = text[:-2]
            elif "e" in text:
                whole, fraction = divmod(abs(count), _UNIT)
                text = f"{whole}.{fraction:010d}".rstrip("0") if fraction else str(whole)
                if count < 0:
                    text = "-" + text
            append(text)
    return out


# -- the command's output, over the machine's cores -----------------------------------------------

#: Lines a worker process takes at a time: the full object costs ~150 us a line, the compact set
#: ~20 us (a chunk of either is a tenth of a second or so of work).
FULL_CHUNK = 512
#: Worker processes for a batch of more than one chunk (None: the environment's
#: ``LIQCALC_BATCH_WORKERS``, else one per core this process may use; 1: none, the lines are
#: priced here).
WORKERS: int | None = None


def writer(fields: tuple[str, ...] | None, csv: bool) -> Callable[[Any], str]:
    """The text of one line's output: the full object, its JSON fields, or its CSV row."""
    if fields is None:
        from liqcalc.render.numbers import dumps

        return dumps
    return csv_writer(fields)[1] if csv else json_writer(fields)


def _failed(result: Any) -> bool:
    return isinstance(result, Failed) or (type(result) is dict and "error" in result)


#: What a forked worker prices with: (session, defaults, fields, csv), set before the fork.
_JOB: tuple[Session, Mapping[str, Any], tuple[str, ...] | None, bool] | None = None


def _priced(chunk: list[tuple[int, Line]]) -> tuple[str, int, dict[str, str]]:
    """In a worker: one chunk's text, its failures, and the warnings of the presets it loaded first."""
    assert _JOB is not None
    session, defaults, fields, csv = _JOB
    known = set(session.warnings)
    text, failures = _chunk_text(session, defaults, chunk, fields, writer(fields, csv))
    return text, failures, {k: v for k, v in session.warnings.items() if k not in known}


def _chunk_text(session: Session, defaults: Mapping[str, Any], chunk: list[tuple[int, Line]],
                fields: tuple[str, ...] | None, write: Callable[[Any], str]) -> tuple[str, int]:
    results = _results(session, defaults, chunk, fields)
    failures = sum(map(_failed, results))
    out = list(map(write, results))
    out.append("")
    return ("\n".join(out) if len(out) > 1 else ""), failures


def _chunks(lines: Iterable[Line], size: int) -> Iterator[list[tuple[int, Line]]]:
    chunk: list[tuple[int, Line]] = []
    try:
        for number, line in enumerate(lines, start=1):
            chunk.append((number, line))
            if len(chunk) >= size:
                yield chunk
                chunk = []
    except Exception:  # the input cannot go on (a line over the limit): what came before is written
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


def _workers() -> int:
    import multiprocessing
    import os
    import sys

    if WORKERS is not None:
        return WORKERS
    given = os.environ.get("LIQCALC_BATCH_WORKERS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return 1  # forking a process with numpy loaded is only safe on Linux
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def texts(session: Session, defaults: Mapping[str, Any], lines: Iterable[Line],
          fields: tuple[str, ...] | None, csv: bool = False) -> Iterator[tuple[str, int]]:
    """The batch's output as text, chunk by chunk, in input order, with each chunk's failures.

    A batch of more than one chunk is priced by forked worker processes (one per core), the
    lines read and the text written here; the result is the same text. The stale-preset
    warnings the workers find are added to ``session.warnings`` in input order."""
    global _JOB

    size = FULL_CHUNK if fields is None else CHUNK
    write = writer(fields, csv)
    chunks = _chunks(lines, size)
    first = next(chunks, None)
    if first is None:
        return
    # the first chunk here: the presets it names are loaded (and numpy imported) before a fork
    yield _chunk_text(session, defaults, first, fields, write)
    second = next(chunks, None)
    if second is None:
        return
    workers = _workers()
    if workers < 2:
        for chunk in _chain(second, chunks):
            yield _chunk_text(session, defaults, chunk, fields, write)
        return
    import multiprocessing
    from collections import deque

    _JOB = (session, defaults, fields, csv)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque[Any] = deque()
            stop: Exception | None = None
            try:
                for chunk in _chain(second, chunks):
                    pending.append(pool.apply_async(_priced, (chunk,)))
                    if len(pending) > 2 * workers:  # a bounded window: the input is never read whole
                        yield _merged(session, pending.popleft().get())
            except Exception as error:  # the input cannot go on: the lines before it are written first
                stop = error
            while pending:
                yield _merged(session, pending.popleft().get())
            if stop is not None:
                raise stop
    finally:
        _JOB = None


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _merged(session: Session, result: tuple[str, int, dict[str, str]]) -> tuple[str, int]:
    text, failures, warnings = result
    for name, warning in warnings.items():
        session.warnings.setdefault(name, warning)
    return text, failures


# -- writing -----------------------------------------------------------------------------------


def json_writer(fields: tuple[str, ...]) -> Callable[[Cells | Failed], str]:
    """A line's cells as its JSON object (the keys of ``fields``); a failed line as ``line`` and ``error``."""
    from liqcalc.render.numbers import dumps

    template = "{" + ", ".join(dumps(field).replace("%", "%%") + ": %s" for field in fields) + "}"

    def write(cells: Cells | Failed) -> str:
        if isinstance(cells, Failed):
            return dumps({"line": cells.line, "error": cells.error})
        return template % cells

    return write


def csv_writer(fields: tuple[str, ...]) -> tuple[str, Callable[[Cells | Failed], str]]:
    r"""The CSV header (``fields`` and a last ``error`` column, unless ``error`` is among them)
    and a writer of a line's row: numbers as in the JSON, text plain (with the formula guard of
    :mod:`liqcalc.render.rows`, control characters escaped as stderr writes them, ``\n``, so a row
    is one line), null empty, an object or a list as its JSON; a failed line has its ``line``
    and ``error``."""
    import json

    from liqcalc.core.errors import escape
    from liqcalc.render.rows import Rows, to_csv

    def row(cells: list[str]) -> str:
        return to_csv(Rows("", tuple(cells), ())).removesuffix("\n")

    def cell(literal: str) -> str:
        if literal == "null":
            return ""
        if literal.startswith('"'):
            return escape(json.loads(literal)) if "\\" in literal else literal[1:-1]
        return literal

    where = fields.index("line") if "line" in fields else None
    columns = fields if "error" in fields else (*fields, "error")
    error = columns.index("error")
    extra = [] if "error" in fields else [""]

    def write(cells: Cells | Failed) -> str:
        if isinstance(cells, Failed):
            blank = [""] * len(columns)
            if where is not None:
                blank[where] = str(cells.line)
            blank[error] = escape(cells.error)
            return row(blank)
        return row([*(cell(c) for c in cells), *extra])

    return row(list(columns)), write
