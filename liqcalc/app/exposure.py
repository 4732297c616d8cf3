"""The inputs of ``adl-risk``'s expected exposure: ``--vol`` with ``--horizon`` (and ``--tails``),
or ``--returns``, read and checked into a :class:`liqcalc.core.exposure.Distribution`; and
``--insurance-fund FROM:TO:STEP``.

A returns file holds moves over the horizon in percent (``-3.5``: the mark 3.5% lower), one per
line, or a CSV with a header line and a column named ``return``; blank lines and lines starting
with ``#`` are skipped.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liqcalc.core.errors import InputError, UsageError
from liqcalc.core.numbers import MAGNITUDE, to_decimal

if TYPE_CHECKING:
    from liqcalc.app.books import Namer
    from liqcalc.core.exposure import Distribution

DEFAULT_SAMPLES = 1000
MAX_SAMPLES = 100_000
RETURNS_LIMIT = 64 * 1024 * 1024
_HORIZON = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*", re.IGNORECASE)
_UNIT_DAYS = {"m": 1 / 1440, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0}


MAX_HORIZON_DAYS = 365
"""The longest horizon: the move is one move of the mark applied to the book as it is now, and
over more than a year the book (its positions, entries and leverage) is another one."""


def parse_horizon(raw: Any, name: Namer, error: type[InputError]) -> tuple[float, str]:
    """``8h``, ``1d``, ``7d``, ``2w``, ``30m`` as days, and as written (``8h``), for the words."""
    match = _HORIZON.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise error(name("horizon"), f"expected a duration like 8h, 1d, 7d or 2w, got {raw!r}")
    days = float(match[1]) * _UNIT_DAYS[match[2].lower()]
    if days <= 0:
        raise error(name("horizon"), f"must be longer than 0, got {raw!r}")
    if days > MAX_HORIZON_DAYS:
        raise error(name("horizon"), f"at most {MAX_HORIZON_DAYS}d (a year): the move is applied to the book as it is now, "
                                     f"and over more than a year the book is another one; got {raw!r}")
    return days, f"{match[1]}{match[2].lower()}"


def parse_tails(raw: Any, name: Namer, error: type[InputError]) -> float | None:
    """``normal`` (None) or ``student-t:NU`` (NU > 2, so that the variance is finite)."""
    if raw is None or (isinstance(raw, str) and raw.lower() == "normal"):
        return None
    if isinstance(raw, str) and raw.lower().startswith("student-t:"):
        text = raw.split(":", 1)[1]
        try:
            nu = float(to_decimal(text, name("tails")))
        except InputError:
            nu = float("nan")
        if nu == nu and 2 < nu <= 1000:
            return nu
        raise error(name("tails"), f"student-t:NU needs NU above 2 (a finite variance) and at most 1000, got {text!r}")
    raise error(name("tails"), f"expected normal or student-t:NU (NU above 2), got {raw!r}")


def _move_text(text: str) -> str:
    """A move as written, one trailing ``%`` dropped (``1.5%`` is 1.5)."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith("%") else text


def _written(text: str) -> Decimal | None:
    """``text`` read as a Decimal with no range check (None: not written as a number)."""
    written = _move_text(text)
    if not written.isascii():
        return None
    try:
        return Decimal(written)
    except ArithmeticError:
        return None


def _percent(text: str, where: str) -> float:
    try:
        value = to_decimal(_move_text(text), where)
    except InputError:
        read = _written(text)
        if read is not None and read.is_finite() and read.adjusted() > 0:
            raise InputError(where, f"{_move_text(text)!r} is too large for a move in percent (at most 1e{MAGNITUDE} "
                                    "in size)") from None
        if read is not None and read.is_finite():
            raise InputError(where, f"{_move_text(text)!r} is too small to write out (at least 1e-{MAGNITUDE} in size); "
                                    "give 0 for no move") from None
        raise InputError(where, f"expected a move in percent, got {text.strip()!r} (such as -3.5, 2 or 1.5%)") from None
    if value <= -100:
        raise InputError(where, f"{value}% takes the mark to zero or below")
    return float(value)


def parse_returns(label: str, text: str) -> list[float]:
    """The moves of a returns file (see the module), each checked; a bad line is named."""
    import csv
    import io

    lines = text.splitlines()
    content = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        raise InputError(label, "no moves; give one move in percent a line, or a CSV with a column named return")
    first_number, first = content[0]
    moves: list[float] = []
    if "," in first or _written(first) is None:
        header = [cell.strip().lower() for cell in next(csv.reader([first]))]
        if header != ["return"] and all("," not in line for _, line in content):
            # one column, and its first value not a number: not a CSV header but a bad move
            raise InputError(f"{label}:{first_number}", f"expected a move in percent, got {first.strip()!r} (such as -3.5, 2 or "
                                                        "1.5%), or a CSV whose header line names a column return")
        if "return" not in header:
            raise InputError(f"{label}:{first_number}", f"no column named return (the columns are {', '.join(header)})")
        column = header.index("return")
        for number, line in content[1:]:
            cells = next(csv.reader(io.StringIO(line)))
            if len(cells) != len(header):
                raise InputError(f"{label}:{number}", f"expected {len(header)} fields, got {len(cells)}")
            moves.append(_percent(cells[column], f"{label}:{number}: return"))
    else:
        moves = [_percent(line, f"{label}:{number}") for number, line in content]
    if not moves:
        raise InputError(label, "no moves below the header line")
    return moves


FEW_MOVES = 20
"""Below this many moves, the tail figures of a sample (p95, p99, 1 in 100) rest on a handful."""


def returns_warnings(moves: Sequence[float], label: str) -> list[str]:
    """What a sample of moves may have wrong: fractions where percent is meant (every move
    below 1 in size), or too few moves for its tail figures."""
    found = []
    if moves and all(abs(m) < 1 for m in moves):
        found.append(f"every move of {label} is below 1 in size: the moves are percent (0.01 is 0.01%, not 1%); if they "
                     "are fractions (0.01 for 1%), multiply them by 100")
    if len(moves) < FEW_MOVES:
        found.append(f"{label} holds {len(moves)} move{'s' if len(moves) != 1 else ''}: the tail figures (p95, p99, "
                     f"1 in 100) rest on that few moves; give at least {FEW_MOVES}")
    return found


def read_returns(source: Any, name: Namer, error: type[InputError]) -> tuple[str, list[float]]:
    """The moves of ``source``: a path, ``-`` (standard input, the command line's) or from
    Python a sequence of percents; with the name it goes by in messages."""
    option = name("returns")
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        if isinstance(source, Sequence) and len(source) > 0:
            return "returns", [_percent(str(v), f"{option}[{n}]") for n, v in enumerate(source)]
        raise error(option, f"expected a path or a list of moves in percent, got {source!r}")
    if source == "-":
        if option.endswith("="):
            raise error(option, "\"-\" (standard input) is the command line's; give a path or a list of moves")
        return "stdin", parse_returns("stdin", sys.stdin.read().removeprefix("\ufeff"))
    from pathlib import Path

    from liqcalc.presets.files import read_regular

    path = Path(source)
    if not path.exists():
        raise UsageError(f"{option}: no such file {source}")
    data = read_regular(path, RETURNS_LIMIT, UsageError, label=f"{option}: {source}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise InputError(source, f"not UTF-8 text ({problem.reason} at byte {problem.start})") from None
    return source, parse_returns(source, text)


def distribution(*, vol: Any, horizon: Any, tails: Any, returns: Any, samples: Any, name: Namer,
                 error: type[InputError]) -> tuple[Distribution, str | None] | None:
    """The distribution of moves the inputs describe (None: none given), and the returns'
    source name (None for a model)."""
    from liqcalc.core import exposure

    if vol is None and returns is None:
        for key, value in (("horizon", horizon), ("tails", tails)):
            if value is not None:
                raise error(name(key), f"goes with {name('vol')} (a model of the moves)")
        return None
    if vol is not None and returns is not None:
        raise UsageError(f"{name('vol')} and {name('returns')} are two distributions of the moves; give one")
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int)):
        raise error(name("samples"), f"expected a whole number, got {samples!r}")
    if samples is not None and not 2 <= samples <= MAX_SAMPLES:
        raise error(name("samples"), f"must be from 2 to {MAX_SAMPLES:,}, got {samples}")
    days, written = (None, None) if horizon is None else parse_horizon(horizon, name, error)
    if returns is not None:
        if tails is not None:
            raise error(name("tails"), f"shapes a model ({name('vol')}); {name('returns')} are the moves themselves")
        if samples is not None:
            raise error(name("samples"), f"goes with {name('vol')}; {name('returns')} are evaluated at every move")
        label, moves = read_returns(returns, name, error)
        return exposure.empirical(moves, days, written), label
    try:
        volatility = to_decimal(vol, name("vol"))
    except InputError as problem:
        raise error(problem.field or name("vol"), problem.problem) from None
    if volatility <= 0 or volatility > 10000:
        raise error(name("vol"), f"expected an annualized volatility in percent, above 0 and at most 10000, got {vol!r}")
    if days is None:
        raise error(name("horizon"), f"missing; {name('vol')} is annualized: give the horizon of the move (8h, 1d, 7d)")
    nu = parse_tails(tails, name, error)
    return exposure.parametric(float(volatility), days, DEFAULT_SAMPLES if samples is None else samples, nu,
                               horizon=written), None


def parse_fund_range(raw: Any, name: Namer, error: type[InputError], limit: int) -> list[Decimal] | None:
    """``--insurance-fund FROM:TO:STEP`` as the funds it names (None: one amount)."""
    option = name("insurance_fund")
    if isinstance(raw, str) and raw.count(":") not in (0, 2):
        raise error(option, f"expected an AMOUNT or a range FROM:TO:STEP (5000:200000:5000), got {raw!r}")
    if not isinstance(raw, str) or raw.count(":") != 2:
        return None
    parts = []
    for text in raw.split(":"):
        try:
            parts.append(to_decimal(text.strip(), option))
        except InputError as problem:
            raise error(option, f"in FROM:TO:STEP, {problem.problem}") from None
    start, stop, step = parts
    if start < 0 or step <= 0 or stop < start:
        raise error(option, f"FROM:TO:STEP needs 0 <= FROM <= TO and STEP above 0, got {raw!r}")
    count = int((stop - start) / step) + 1
    if count > limit:
        raise error(option, f"{count} steps; at most {limit}")
    return [start + step * k for k in range(count)]
