"""``liqcalc adl-risk``: where you stand in the venue's ADL queue, and what an event takes from you.

The book is read here (CSV or JSON lines, every bad row named by file, line and field). An
event on the book (``--liquidated-size``) is computed in Decimal by ``liqcalc.core.adl``; a
shock or a sweep on the whole book by the vectorized ``liqcalc.core.book``, imported inside
the command so that ``import liqcalc.cli`` never loads numpy.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from liqcalc.cli.errors import boundary
from liqcalc.cli.options import (
    EntryOpt,
    InsuranceFundOpt,
    JsonOpt,
    LeverageOpt,
    MarginOpt,
    ModeOpt,
    NoStaleWarningOpt,
    NotionalOpt,
    PresetOpt,
    SideOpt,
    SizeOpt,
    SymbolOpt,
)
from liqcalc.cli.request import UsageInputError, build, option_name
from liqcalc.core.errors import InputError, LeverageError, LiqcalcError, TierError, UsageError
from liqcalc.core.model import Ranking, Side, SymbolSpec, Venue, side_sign
from liqcalc.core.numbers import ZERO, to_decimal
from liqcalc.core.position import Calculator, PositionResult, PositionSpec
from liqcalc.render import OutputFormat

if TYPE_CHECKING:
    from liqcalc.core.adl import Allocation, Holder
    from liqcalc.core.book import Columns, Step, Sweep
    from liqcalc.render.adl import AdlReport

EXAMPLE = ("liqcalc adl-risk --preset binance --symbol BTCUSDT --side long --entry 60000 --size 1 --leverage 20 "
           "--mark 66000 --book sample:btcusdt --shock 2:10:2 --insurance-fund 20000")
SAMPLE = "sample:"
"""``--book sample:NAME`` reads a book shipped inside the package (``liqcalc/samples/NAME.csv``),
so the example in ``--help`` runs as written from any folder."""

WalletOpt = Annotated[
    str | None, typer.Option("--wallet", metavar="AMOUNT", help="Your cross wallet balance (with --mode cross).")
]
"""adl-risk's own --wallet: it takes one position and has no --account."""

RANKINGS: tuple[str, ...] = ("pnl_x_leverage", "binance_leverage_pnl", "hyperliquid", "bitget", "random_start")
COLUMNS = ("id", "side", "size", "entry", "margin", "leverage", "wallet", "mark")
REQUIRED = ("id", "side", "size", "entry")
DEFAULT_SLIPPAGE_BPS = "50"
YOU = "you"
MAX_STEPS = 10_000
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

    def __len__(self) -> int:
        return len(self.lines)


def _columns_text() -> str:
    return "id, side, size, entry, margin or leverage, and optional wallet and mark"


def samples() -> list[str]:
    """The names of the books shipped with liqcalc (``--book sample:NAME``)."""
    from importlib.resources import files

    return sorted(p.name.removesuffix(".csv") for p in (files("liqcalc") / "samples").iterdir() if p.name.endswith(".csv"))


def _open(source: str) -> tuple[str, str]:
    if source.startswith(SAMPLE):
        from importlib.resources import files

        name = source.removeprefix(SAMPLE)
        if name not in samples():
            raise UsageError(f"--book: no sample book {name!r}; the samples are {', '.join(samples())} (sample:NAME)")
        return source, (files("liqcalc") / "samples" / f"{name}.csv").read_text(encoding="utf-8")
    if source == "-":
        return "stdin", sys.stdin.read().removeprefix("\ufeff")
    from pathlib import Path

    from liqcalc.presets.files import read_regular

    if not Path(source).exists() and not Path(source).is_symlink():
        raise UsageError(f"--book: no such file {source}")
    # A regular file only, up to BOOK_LIMIT: a FIFO is not waited on, /dev/zero not read for GiBs
    # (a pipe goes through ``--book -``).
    data = read_regular(Path(source), BOOK_LIMIT, UsageError, label=f"--book: {source}")
    try:
        return source, data.decode("utf-8-sig")  # a byte-order mark is not data
    except UnicodeDecodeError as error:
        raise InputError(f"{source}", f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def read_book(source: str) -> BookFile:
    """Read a CSV (with a header line) or JSON-lines book; the format comes from the file's
    suffix (``.csv``, ``.jsonl``/``.ndjson``/``.json``), else from its first character."""
    name, text = _open(source)
    lowered = source.lower()
    if source.startswith(SAMPLE):
        lowered += ".csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        is_json = True
    elif lowered.endswith(".csv"):
        is_json = False
    else:
        is_json = text.lstrip().startswith("{")
    book = _read_jsonl(name, text) if is_json else _read_csv(name, text)
    return replace(book, ascii=text.isascii())


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
        for key in item:
            if key not in COLUMNS:
                raise InputError(f"{name}:{number}: {key}", f"unknown field; the fields are {_columns_text()}")
        lines.append(number)
        for column in COLUMNS:
            raw = item.get(column)
            if raw is None:
                values[column].append(None if column in ("id", "side") else "")
            else:
                values[column].append(raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, bool) else str(raw))
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
            problems.append((n, 0, "id", f"duplicate id {ident!r} (also on line {book.lines[seen[ident]]})"))
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
        raise InputError(f"{book.name}:{book.lines[row]}: {field}", message)

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
                raise InputError(f"{book.file.name}:{book.file.lines[row]}: {column}", error.problem) from None

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
            field = "margin" if spec.margin is not None else "leverage"
            message = str(error).split(": ", 1)[1].replace(" (implied by --margin", " (implied by margin")
            raise InputError(f"{book.file.name}:{book.file.lines[n]}: {field}", message) from None
        except TierError as error:
            raise InputError(f"{book.file.name}:{book.file.lines[n]}: size", str(error)) from None
        except InputError as error:
            field = error.field.removeprefix("--")
            raise InputError(f"{book.file.name}:{book.file.lines[n]}: {field}", error.problem) from None
        except LiqcalcError as error:  # any other rule the row breaks: still named by file and line
            raise InputError(f"{book.file.name}:{book.file.lines[n]}", str(error)) from None
    return results


# -- options --------------------------------------------------------------------------------


def _number(raw: str | None, option: str, *, sign: str = "positive") -> Decimal | None:
    if raw is None:
        return None
    try:
        value = to_decimal(raw, option)
    except InputError as problem:
        raise UsageInputError(problem.field, problem.problem) from None
    if sign == "positive" and value <= 0:
        raise UsageInputError(option, f"must be greater than 0, got {raw}")
    if sign == "non_negative" and value < 0:
        raise UsageInputError(option, f"must be 0 or more, got {raw}")
    return value


def parse_shock(raw: str) -> list[Decimal]:
    """``PCT`` or ``FROM:TO:STEP`` (percent, inclusive of TO when the steps land on it)."""
    parts = raw.split(":")
    if len(parts) == 1:
        values = [_number(raw, "--shock", sign="any")]
    elif len(parts) == 3:
        start, stop, step = (_number(p, "--shock", sign="any") for p in parts)
        assert start is not None and stop is not None and step is not None
        if step == 0 or (stop - start) * step < 0:
            raise UsageInputError("--shock", f"the step {step} does not lead from {start} to {stop}")
        count = int((stop - start) / step) + 1
        if count > MAX_STEPS:
            raise UsageInputError("--shock", f"{count} steps; at most {MAX_STEPS}")
        values = [start + step * k for k in range(count)]
    else:
        raise UsageInputError("--shock", f"expected PCT or FROM:TO:STEP (percent), got {raw!r}")
    checked = [cast(Decimal, v) for v in values]
    for v in checked:
        if v <= -100:
            raise UsageInputError("--shock", f"{v}% takes the mark to zero or below")
    return checked


# -- the command ----------------------------------------------------------------------------


def adl_risk(
    *,
    preset: PresetOpt = None,
    symbol: SymbolOpt = None,
    side: SideOpt = None,
    entry: EntryOpt = None,
    size: SizeOpt = None,
    notional: NotionalOpt = None,
    leverage: LeverageOpt = None,
    margin: MarginOpt = None,
    mode: ModeOpt = None,
    wallet: WalletOpt = None,
    mark: Annotated[str | None, typer.Option(metavar="PRICE", help="The mark price now, for you and for book rows without one (default: your entry).")] = None,
    book: Annotated[str | None, typer.Option(metavar="FILE|-|sample:NAME", help="The other positions: CSV or JSON lines with id, side, size, entry, margin or leverage (wallet for cross, mark optional); - reads standard input; sample:btcusdt is a small BTCUSDT book shipped with liqcalc.")] = None,
    liquidated_size: Annotated[str | None, typer.Option(metavar="QTY", help="An uncovered liquidation on the other side: its size...")] = None,
    bankruptcy_price: Annotated[str | None, typer.Option(metavar="PRICE", help="...and its bankruptcy price.")] = None,
    liquidated_side: Annotated[str | None, typer.Option(metavar="long|short", help="The liquidated side (default: the side opposite yours).")] = None,
    shock: Annotated[str | None, typer.Option(metavar="PCT|FROM:TO:STEP", help="Move every mark by PCT percent (-10: 10% down), or sweep FROM:TO:STEP.")] = None,
    slippage_bps: Annotated[str, typer.Option(metavar="BPS", help="How much worse than the shocked mark a liquidation fills, in basis points. 50 (0.5%): a liquidation is a market order that crosses the spread and walks a book thinned by the move; 0 fills at the mark.")] = DEFAULT_SLIPPAGE_BPS,
    insurance_fund: InsuranceFundOpt = None,
    ranking: Annotated[str | None, typer.Option(metavar="NAME", help="Override the preset's queue ranking: pnl_x_leverage, binance_leverage_pnl, hyperliquid, bitget, random_start.")] = None,
    policy: Annotated[str, typer.Option(metavar="queue|pro-rata", help="Whose allocation fills adl_size: the venue's queue, or pro-rata by profit (both are shown).")] = "queue",
    seed: Annotated[int, typer.Option(metavar="N", help="random_start (dYdX): seed of the walk's random start, so a run repeats.")] = 0,
    hedge_size: Annotated[str | None, typer.Option(metavar="QTY", help="Size held elsewhere against this position (the hedge ADL would leave alone).")] = None,
    lights: Annotated[int | None, typer.Option(metavar="N", help="The ADL indicator the venue shows you, to place you in a band of the queue.")] = None,
    top: Annotated[int | None, typer.Option(metavar="N", help="Queue rows shown: 10 in the table and every row in JSON unless given; with --json, the first N rows and yours.")] = None,
    no_stale_warning: NoStaleWarningOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Your exposure to auto-deleveraging: your place in the venue's queue, what a liquidation
    or a price shock takes from you, at what price against the mark, and what is left of a hedge.

    Events: --liquidated-size with --bankruptcy-price (a liquidation the fund does not cover),
    or --shock PCT, or a sweep --shock FROM:TO:STEP over the whole --book. --insurance-fund
    AMOUNT caps what the venue's fund pays (without it the fund pays every shortfall).

    Example: liqcalc adl-risk --preset binance --symbol BTCUSDT --side long --entry 60000 --size 1 --leverage 20 --mark 66000 --book sample:btcusdt --shock 2:10:2 --insurance-fund 20000
    """
    run_adl_risk(
        {"preset": preset, "symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional,
         "leverage": leverage, "margin": margin, "mode": mode, "wallet": wallet, "mark": mark},
        book=book, liquidated_size=liquidated_size, bankruptcy_price=bankruptcy_price, liquidated_side=liquidated_side,
        shock=shock, slippage_bps=slippage_bps, insurance_fund=insurance_fund, ranking=ranking, policy=policy,
        seed=seed, hedge_size=hedge_size, lights=lights, top=top, stale_warning=not no_stale_warning,
        output=OutputFormat.json if json_output else OutputFormat.table,
    )


@dataclass
class Context:
    """What every path needs."""

    venue: Venue
    symbol: SymbolSpec
    calc: Calculator
    ranking: Ranking
    policy: str
    mark: Decimal
    you: PositionResult | None
    book: Book | None
    warnings: list[str]


@boundary
def run_adl_risk(options: dict[str, Any], *, book: str | None, liquidated_size: str | None, bankruptcy_price: str | None,
                 liquidated_side: str | None, shock: str | None, slippage_bps: str, insurance_fund: str | None,
                 ranking: str | None, policy: str, seed: int, hedge_size: str | None, lights: int | None, top: int | None,
                 stale_warning: bool, output: OutputFormat) -> None:
    from liqcalc.presets.loader import load
    from liqcalc.presets.loader import stale_warning as age_warning

    given = {k: v for k, v in options.items() if v is not None}
    preset_name, symbol_name = given.get("preset"), given.get("symbol")
    if preset_name is None:
        raise UsageError("--preset: missing; give a preset name (binance, bybit, ...) or a .toml path")
    if symbol_name is None:
        raise UsageError("--symbol: missing; give the venue's symbol (BTCUSDT) or a base asset (BTC)")
    loaded = load(preset_name)
    venue = loaded.venue
    symbol = loaded.symbol(symbol_name)
    if venue.adl.ranking == "none" or venue.adl.price == "none":
        raise LiqcalcError(f"{venue.name}: this preset has no auto-deleveraging (its shortfall waterfall is "
                           f"{', '.join(venue.shortfall.waterfall)}); adl-risk needs a venue with an ADL queue")
    chosen_ranking = cast(Ranking, venue.adl.ranking)
    if ranking is not None:
        if ranking not in RANKINGS:
            raise UsageError(f"--ranking: expected one of {', '.join(RANKINGS)}, got {ranking!r}")
        chosen_ranking = cast(Ranking, ranking)
    if policy not in ("queue", "pro-rata"):
        raise UsageError(f"--policy: expected queue or pro-rata, got {policy!r}")
    if top is not None and top < 1:
        raise UsageError(f"--top: must be at least 1, got {top}")
    chosen_policy = policy.replace("-", "_")

    position_keys = ("side", "entry", "size", "notional", "leverage", "margin", "mode", "wallet")
    you: PositionResult | None = None
    calc = Calculator(venue, symbol)
    if any(k in given for k in position_keys):
        request = build(given, option_name, fund_party=lambda _: venue.fund_party, error=UsageInputError)
        if len(request.specs) > 1:
            raise UsageError("--leverage: give one leverage (adl-risk evaluates one position)")
        you = calc.evaluate(request.specs[0])
    market_mark = _number(given.get("mark"), "--mark")
    if market_mark is None:
        if you is None:
            raise UsageError("--mark: missing; give the market's mark price (or your position, whose entry it defaults to)")
        market_mark = you.spec.mark

    fund = _number(insurance_fund, "--insurance-fund", sign="non_negative")
    slippage = _number(slippage_bps, "--slippage-bps", sign="non_negative")
    assert slippage is not None
    if slippage >= 10000:
        raise UsageError(f"--slippage-bps: {slippage_bps} bps would fill at or below zero; give less than 10000 (100%)")
    hedge = _number(hedge_size, "--hedge-size", sign="non_negative")
    if lights is not None:
        low, high = venue.adl.indicator_min, venue.adl.indicator_max
        if chosen_ranking == "random_start" or high <= low:
            raise UsageError(f"--lights: {venue.name} shows no ADL indicator (its queue starts at random)")
        if not low <= lights <= high:
            raise UsageError(f"--lights: {venue.name} shows {low} to {high}, got {lights}")

    event_size = _number(liquidated_size, "--liquidated-size")
    event_price = _number(bankruptcy_price, "--bankruptcy-price")
    if (event_size is None) != (event_price is None):
        missing = "--bankruptcy-price" if event_price is None else "--liquidated-size"
        raise UsageError(f"{missing}: missing; a liquidation event needs --liquidated-size and --bankruptcy-price")
    shocks = parse_shock(shock) if shock is not None else None
    if shocks is not None and event_size is not None:
        raise UsageError("--shock and --liquidated-size are two events; give one")
    event_side: Side | None = None
    if liquidated_side is not None:
        if shocks is not None:
            raise UsageError("--liquidated-side: a shock decides which side is liquidated (down: longs, up: shorts)")
        lowered = liquidated_side.lower()
        if lowered not in ("long", "short"):
            raise UsageInputError("--liquidated-side", f"expected long or short, got {liquidated_side!r}")
        event_side = cast(Side, lowered)
    elif event_size is not None:
        if you is None:
            raise UsageError("--liquidated-side: give long or short (no position of yours implies it)")
        event_side = "short" if you.spec.side == "long" else "long"
    if shocks is not None and book is None:
        raise UsageError("--shock: a shock liquidates positions of a --book; give one")
    if you is None and book is None:
        raise UsageError("give your position (--side, --entry, --size, --leverage) or a --book, or both")

    warnings: list[str] = list(you.warnings) if you is not None else []
    if stale_warning and (old := age_warning(loaded)):
        warnings.insert(0, old)
    checked: Book | None = None
    if book is not None:
        import gc

        # A book is 100,000s of small lists and strings that are never cyclic: the cyclic
        # collector would walk them again and again while they are built (about a third of
        # the reading time on 100,000 rows), so it waits until they are arrays.
        gc.disable()
        try:
            checked = check_book(read_book(book), market_mark)
        finally:
            gc.enable()
    ctx = Context(venue, symbol, calc, chosen_ranking, chosen_policy, market_mark, you, checked, warnings)

    from liqcalc.render.adl import AdlInputs

    inputs = AdlInputs(
        preset=preset_name, symbol=symbol.name, mark=market_mark, book=book, book_rows=len(checked.file) if checked else 0,
        liquidated_size=event_size, bankruptcy_price=event_price, liquidated_side=event_side,
        shock=None if shocks is None else (shocks[0] if ":" not in (shock or "") else
                                           {"from": shocks[0], "to": shocks[-1], "steps": len(shocks)}),
        slippage_bps=slippage, insurance_fund=fund, ranking=chosen_ranking, ranking_from="--ranking" if ranking else "preset",
        policy=chosen_policy, seed=seed, hedge_size=hedge, lights=lights, top=top,
        position=None if you is None else {
            "side": you.spec.side, "size": you.spec.size, "entry": you.spec.entry, "leverage": you.spec.leverage,
            "margin": you.spec.margin, "mode": you.spec.mode, "wallet": you.spec.wallet,
        },
    )
    if shocks is not None:
        assert checked is not None
        report = shock_report(ctx, inputs, checked, shocks, slippage, fund, seed)
    else:
        report = event_report(ctx, inputs, event_side, event_size, event_price, fund, seed)
    emit(report, output, loaded)


# -- an event (or none) on the book: Decimal ------------------------------------------------


def _holders(ctx: Context) -> list[Holder]:
    from liqcalc.core.adl import holder

    holders: list[Holder] = []
    if ctx.book is not None:
        specs = book_specs(ctx.book, ctx.mark)
        results = evaluate_rows(ctx.calc, ctx.book, specs)
        holders = [holder(r, id, n, ctx.calc) for n, ((id, _), r) in enumerate(zip(specs, results, strict=True))]
    if ctx.you is not None:
        holders.append(holder(ctx.you, YOU, len(holders), ctx.calc))
    return holders


def event_report(ctx: Context, inputs: Any, event_side: Side | None, size: Decimal | None, price: Decimal | None,
                 fund: Decimal | None, seed: int) -> AdlReport:
    from liqcalc.core.adl import Handed, Piece, allocate, attribute, rank
    from liqcalc.render.adl import AdlReport, EventInfo, accounting, r8

    venue = ctx.venue
    holders = _holders(ctx)
    you = ctx.you
    if event_side is not None:
        queue_side: Side = "short" if event_side == "long" else "long"
    else:
        queue_side = you.spec.side if you is not None else "long"
    queue = rank(holders, queue_side, ctx.ranking, low=venue.adl.indicator_min, high=venue.adl.indicator_max, seed=seed)
    allocations: dict[str, Allocation] | None = None
    event: EventInfo | None = None
    if size is not None and price is not None and event_side is not None:
        s = side_sign(event_side)
        shortfall = max(ZERO, -s * size * (ctx.mark - price))
        if shortfall == 0:
            ctx.warnings.append(
                f"the mark {ctx.mark} is not beyond the bankruptcy price {price} of the liquidated {event_side}: filled at the "
                "mark it would leave no shortfall; the event is taken as given (an uncovered liquidation)")
        # "an uncovered liquidation": the fund pays only when --insurance-fund says it can
        fund_paid = ZERO if fund is None else min(fund, shortfall)
        deficit = shortfall - fund_paid
        adl_size = size if shortfall == 0 else size * deficit / shortfall
        adl_price = price if venue.adl.price == "bankruptcy" else ctx.mark
        pieces = [Piece(adl_size, adl_price)] if adl_size > 0 else []
        # without a book the other side is taken to absorb it all (there is no queue to see)
        capacity = None if ctx.book is None else sum((r.holder.size for r in queue.rows), ZERO)
        split = attribute([Handed(event_side, size, shortfall, fund_paid, adl_size, adl_price, ctx.mark, ctx.mark)], capacity,
                          venue.adl.price, venue.adl.unabsorbed_by, fund_start=fund, fund_surplus_in=ZERO,
                          fund_left=None if fund is None else fund - fund_paid)
        deficit = split.adl_covered + split.unabsorbed
        if ctx.book is not None:
            allocations = cast(dict[str, "Allocation"], allocate(queue, pieces, deficit))
        shown = accounting(fund_start=split.fund_start, fund_surplus_in=split.fund_surplus_in, fund_paid=split.fund_paid,
                           fund_left=split.fund_left, adl_covered=split.adl_covered, unabsorbed=split.unabsorbed,
                           unabsorbed_by=split.unabsorbed_by, deleveraged_size=split.deleveraged_size,
                           deleveraged_notional=split.deleveraged_notional, fund_party=venue.fund_party)
        event = EventInfo(kind="liquidation", liquidated_side=event_side, liquidated_size=size, bankruptcy_price=price,
                          adl_price=adl_price, deficit=shown["adl_covered"] + shown["unabsorbed"], shock=None, mark_after=None,
                          liquidated_count=1, liquidated_notional=r8(size * price) or ZERO, handed_size=r8(adl_size) or ZERO,
                          **shown)
    return AdlReport.build(ctx=ctx, inputs=inputs, queue=queue, allocations=allocations, event=event, sweep=None, step_marks=None)


# -- a shock or a sweep: the vectorized book ------------------------------------------------


def shock_report(ctx: Context, inputs: Any, book: Book, shocks: list[Decimal], slippage: Decimal, fund: Decimal | None,
                 seed: int) -> AdlReport:
    import numpy as np

    from liqcalc.core import book as vector
    from liqcalc.render.adl import AdlReport

    columns = book.columns
    you_index: int | None = None
    if ctx.you is not None:
        spec = ctx.you.spec
        nan = float("nan")
        columns = vector.Columns(
            columns.ids + (YOU,),
            np.append(columns.side, float(side_sign(spec.side))), np.append(columns.size, float(spec.size)),
            np.append(columns.entry, float(spec.entry)), np.append(columns.mark, float(spec.mark)),
            np.append(columns.margin, nan if spec.margin is None or spec.mode == "cross" else float(spec.margin)),
            np.append(columns.leverage, nan if spec.leverage is None else float(spec.leverage)),
            np.append(columns.wallet, nan if spec.wallet is None or spec.mode != "cross" else float(spec.wallet)),
        )
        you_index = len(columns) - 1
    try:
        priced = vector.price_book(ctx.venue, ctx.symbol, columns)
    except vector.BookRowError as error:
        raise InputError(f"{book.file.name}:{book.file.lines[error.row]}: {error.field}", error.problem) from None
    model = vector.Book(ctx.venue, priced, ranking=ctx.ranking, slippage_bps=float(slippage),
                        insurance_fund=None if fund is None else float(fund), seed=seed, you=you_index)
    values = np.array([float(s) for s in shocks])
    sweep: Sweep | None = None
    if len(shocks) == 1:
        chosen = shocks[0]
    else:
        sweep = model.sweep(values)
        reached = np.flatnonzero(sweep.you_adl_size[ctx.policy] > 0)
        if reached.size:
            by_size = reached[np.argsort(np.abs(values[reached]), kind="stable")]
            chosen = shocks[int(by_size[0])]
        else:
            chosen = shocks[int(np.argmax(np.abs(values)))]
    step: Step = model.step(float(chosen))
    return AdlReport.from_step(ctx=ctx, inputs=inputs, priced=priced, step=step, shock=chosen, sweep=sweep,
                               shocks=shocks, you_index=you_index)


# -- output ---------------------------------------------------------------------------------


def emit(report: AdlReport, output: OutputFormat, preset: Any) -> None:
    """Write the report in the chosen format; warnings also go to stderr with tables."""
    from liqcalc.render.adl import render_json, render_table

    renderers: dict[OutputFormat, Callable[[AdlReport, Any], None]] = {
        OutputFormat.json: render_json,
        OutputFormat.table: render_table,
    }
    renderers[output](report, preset)


def iter_rows(book: BookFile) -> Iterator[dict[str, str | None]]:
    """The rows as dicts (for tests and debugging)."""
    for n in range(len(book)):
        yield {column: book.values[column][n] for column in COLUMNS}
