"""``position --input``: a batch of JSON lines, priced in groups, written in input order.

Each line is what :func:`liqcalc.app.position.evaluate_line` makes of it (the Decimal core is
the reference). With ``--fields`` the lines that the vector form models
(:mod:`liqcalc.core.vector`: isolated, ``leverage`` or ``margin``, ``mark``, ``fill``,
``insurance_fund``, numbers of at most 15 digits) and whose fields it computes are grouped by
preset and symbol and priced as arrays; a line it does not model, a line the core would refuse
or warn about, and a figure the GUARD cannot print for certain go through the Decimal core, one
by one, exactly as without ``--fields``. Every line's output is the same bytes either way
(``tests/app/test_batch.py`` compares them).

The full object (no ``--fields``) always comes from the Decimal core: its 70-odd figures
(waterfalls, distances, fees) are the core's, and the vector form computes the 14 of the
compact set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from liqcalc.app.position import SCHEMA_VERSION, evaluate_line
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
    "liquidation_price", "bankruptcy_price",
})
#: ``--format csv`` without ``--fields``: the compact set.
COMPACT = ("line", "symbol", "side", "entry", "size", "mark", "notional", "leverage", "initial_margin", "margin_balance",
           "maintenance_margin", "liquidation_price", "bankruptcy_price", "contract_type")
#: Lines priced together (and held in memory) at most.
CHUNK = 8192


def parse_fields(text: str) -> tuple[str, ...]:
    """``--fields a,b,c`` as a tuple of keys; ValueError naming the unknown one and the valid ones."""
    fields = tuple(part.strip() for part in text.split(","))
    for field in fields:
        if field not in FIELDS or field == "error":
            raise ValueError(f"--fields: unknown field {field!r}; valid fields: {', '.join(f for f in FIELDS if f != 'error')}")
    return tuple(dict.fromkeys(fields))


# -- the lines the vector form models --------------------------------------------------------

_NUMBER = re.compile(r"(-?)(\d+)(?:\.(\d+))?")
_KEYS = frozenset({"preset", "symbol", "side", "entry", "size", "leverage", "margin", "mark", "mode", "fill",
                   "insurance_fund"})


def _decimal(raw: Any) -> tuple[float, int, bool] | None:
    """A number as typed (JSON text or an option's text): its digits, places and sign, when the
    vector form can hold it exactly (at most 15 digits, no exponent), else None."""
    if type(raw) is not str:
        return None
    match = _NUMBER.fullmatch(raw)
    if match is None:
        return None
    sign, whole, places = match.groups()
    digits = whole + (places or "")
    if len(digits.lstrip("0")) > 15 or len(places or "") > 22:
        return None
    return float(int(digits)), len(places or ""), bool(sign) and int(digits) != 0


def _text(raw: Any) -> str | None:
    return raw.strip() or None if type(raw) is str else None


class _Row:
    __slots__ = ("fields", "index", "number", "preset", "side", "symbol")

    def __init__(self, index: int, number: int, preset: str, symbol: str, side: str, fields: dict[str, tuple[float, int]]):
        self.index, self.number, self.preset, self.symbol, self.side, self.fields = index, number, preset, symbol, side, fields


def _modelled(values: Mapping[str, Any], index: int, number: int) -> _Row | None:
    """The row of a line the vector form models, or None (the Decimal core takes it)."""
    if not _KEYS.issuperset(values):
        return None
    preset, symbol, side = _text(values.get("preset")), _text(values.get("symbol")), _text(values.get("side"))
    if preset is None or symbol is None or side is None:
        return None
    side = side.lower()
    if side not in ("long", "short"):
        return None
    mode = values.get("mode")
    if mode is not None and (_text(mode) or "").lower() != "isolated":
        return None
    fields: dict[str, tuple[float, int]] = {}
    for key in ("entry", "size", "leverage", "margin", "mark", "fill", "insurance_fund"):
        raw = values.get(key)
        if raw is None:
            continue
        if key == "leverage" and type(raw) is list:
            if len(raw) != 1:
                return None
            raw = raw[0]
        number_ = _decimal(raw)
        if number_ is None or number_[2]:  # not held exactly, or negative: the core says what
            return None
        if number_[0] == 0 and key != "insurance_fund":
            return None
        fields[key] = number_[:2]
    if "entry" not in fields or "size" not in fields or ("leverage" in fields) == ("margin" in fields):
        return None
    if "leverage" in fields and fields["leverage"][0] < 10.0 ** fields["leverage"][1]:
        return None  # below 1x: the core's error
    return _Row(index, number, preset, symbol, side, fields)


# -- the batch ---------------------------------------------------------------------------------


#: One output line: the JSON literal of each field, or (line number, error message).
Cells = list[str]


def run(session: Session, defaults: Mapping[str, Any], lines: Iterable[str | UnicodeDecodeError],
        fields: tuple[str, ...] | None) -> Iterator[dict[str, Any] | Cells | tuple[int, str]]:
    """The output of each non-blank line, in input order: without ``fields`` the full object
    (a dict, as ``--json`` writes it); with ``fields`` the JSON literal of each (a list), or for
    a failed line ``(line, error)``."""
    if fields is None:
        for number, line in enumerate(lines, start=1):
            obj = evaluate_line(session, defaults, number, line)
            if obj is not None:
                yield obj
        return
    vector = VECTOR_FIELDS.issuperset(fields)
    chunk: list[tuple[int, str | UnicodeDecodeError]] = []
    for number, line in enumerate(lines, start=1):
        chunk.append((number, line))
        if len(chunk) >= CHUNK:
            yield from _chunk(session, defaults, chunk, fields, vector)
            chunk = []
    if chunk:
        yield from _chunk(session, defaults, chunk, fields, vector)


def _projected(session: Session, defaults: Mapping[str, Any], number: int, line: str | UnicodeDecodeError,
               fields: tuple[str, ...]) -> Cells | tuple[int, str] | None:
    """One line through the Decimal core, its ``fields`` as JSON literals."""
    from liqcalc.render.numbers import dumps

    obj = evaluate_line(session, defaults, number, line)
    if obj is None:
        return None
    if "error" in obj:
        return number, obj["error"]
    return [dumps(obj.get(field)) for field in fields]


def _chunk(session: Session, defaults: Mapping[str, Any], chunk: list[tuple[int, str | UnicodeDecodeError]],
           fields: tuple[str, ...], vector: bool) -> Iterator[Cells | tuple[int, str]]:
    import json

    out: list[Cells | tuple[int, str] | None] = [None] * len(chunk)
    groups: dict[tuple[str, str], list[_Row]] = {}
    decimal: list[int] = []
    for index, (number, line) in enumerate(chunk):
        row = None
        if isinstance(line, str) and not line.strip():
            continue  # a blank line: nothing out
        if vector and isinstance(line, str):
            try:
                values = json.loads(line, parse_float=str, parse_int=str)
            except (ValueError, RecursionError):
                values = None
            if type(values) is dict:
                row = _modelled({**defaults, **values}, index, number)
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
    for cells in out:
        if cells is not None:
            yield cells


def _price_group(session: Session, preset: str, symbol: str, rows: list[_Row], fields: tuple[str, ...],
                 out: list[Cells | tuple[int, str] | None]) -> list[_Row]:
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

    n = len(rows)

    def column(key: str, default: str | None = None) -> Any:
        digits = np.empty(n)
        places = np.empty(n)
        present = np.ones(n, dtype=bool)
        for i, row in enumerate(rows):
            got = row.fields.get(key) or (row.fields.get(default) if default else None)
            if got is None:
                digits[i], places[i], present[i] = 1.0, 0.0, False
            else:
                digits[i], places[i] = got
        return vector.exact(digits, places), present

    side = np.array([1.0 if row.side == "long" else -1.0 for row in rows])
    size, _ = column("size")
    entry, _ = column("entry")
    mark, _ = column("mark", "entry")
    leverage, has_leverage = column("leverage")
    margin, _ = column("margin")
    figures = vector.evaluate(calc.venue, calc.symbol, side, size, entry, mark, leverage, margin, ~has_leverage)
    ok = figures.ok.copy()
    texts: dict[str, list[str]] = {}
    sym = calc.symbol
    from liqcalc.render.numbers import dumps, json_number

    fixed = {
        "schema_version": str(SCHEMA_VERSION), "command": '"position"', "contract_type": dumps(sym.contract_type),
        "face_value": json_number(sym.face_value) if sym.inverse else "null", "margin_asset": dumps(sym.margin_asset),
        "symbol": dumps(sym.name),
    }
    echoed = {"size": (size, np.abs(size.hi)), "entry": (entry, np.abs(entry.hi)), "mark": (mark, np.abs(mark.hi))}
    for field in fields:
        if field in fixed or field in ("line", "side"):
            continue
        value, scale = echoed[field] if field in echoed else getattr(figures, field)
        certain, counts = vector.printable(value, scale)
        ok &= certain
        missing = np.isnan(value.hi).tolist()
        texts[field] = [("null" if gap else _count_text(c)) for c, gap in zip(counts.tolist(), missing, strict=True)]
    sides = {"long": '"long"', "short": '"short"'}
    for i, row in enumerate(rows):
        if not ok[i]:
            left.append(row)
            continue
        cells: Cells = []
        for field in fields:
            if field == "line":
                cells.append(str(row.number))
            elif field == "side":
                cells.append(sides[row.side])
            elif field in fixed:
                cells.append(fixed[field])
            else:
                cells.append(texts[field][i])
        out[row.index] = cells
    return left


_UNIT = 10 ** 10


def _count_text(count: int) -> str:
    """A count of 1e-10 as :func:`liqcalc.render.numbers.json_number` writes the number."""
    if count == 0:
        return "0"
    sign = "-" if count < 0 else ""
    whole, fraction = divmod(abs(count), _UNIT)
    if fraction:
        return f"{sign}{whole}.{fraction:010d}".rstrip("0")
    return f"{sign}{whole}"


# -- writing -----------------------------------------------------------------------------------


def json_writer(fields: tuple[str, ...]) -> Callable[[Cells | tuple[int, str]], str]:
    """A line's cells as its JSON object (the keys of ``fields``); a failed line as ``line`` and ``error``."""
    from liqcalc.render.numbers import dumps

    prefixes = [dumps(field) + ": " for field in fields]

    def write(cells: Cells | tuple[int, str]) -> str:
        if isinstance(cells, tuple):
            return dumps({"line": cells[0], "error": cells[1]})
        return "{" + ", ".join([p + c for p, c in zip(prefixes, cells, strict=True)]) + "}"

    return write


def csv_writer(fields: tuple[str, ...]) -> tuple[str, Callable[[Cells | tuple[int, str]], str]]:
    """The CSV header (``fields`` and a last ``error`` column) and a writer of a line's row:
    numbers as in the JSON, text plain (with the formula guard of :mod:`liqcalc.render.rows`),
    null empty, an object or a list as its JSON; a failed line has its ``line`` and ``error``."""
    import json

    from liqcalc.render.rows import Rows, to_csv

    def row(cells: list[str]) -> str:
        return to_csv(Rows("", tuple(cells), ())).removesuffix("\n")

    def cell(literal: str) -> str:
        if literal == "null":
            return ""
        if literal.startswith('"'):
            return str(json.loads(literal)) if "\\" in literal else literal[1:-1]
        return literal

    where = fields.index("line") if "line" in fields else None

    def write(cells: Cells | tuple[int, str]) -> str:
        if isinstance(cells, tuple):
            blank = [""] * len(fields)
            if where is not None:
                blank[where] = str(cells[0])
            return row([*blank, cells[1]])
        return row([*(cell(c) for c in cells), ""])

    return row([*fields, "error"]), write
