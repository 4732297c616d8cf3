"""``position``: one position (one result per leverage), from the API, the command line or a
line of ``--input``; the three go through :func:`evaluate` and differ only in how a bad value
is named (``entry=``, ``--entry``, ``"entry"``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any, NamedTuple

from liqcalc.app.reports import PositionReport
from liqcalc.app.request import Namer, build, key_name, keyword_name, number
from liqcalc.app.session import Session
from liqcalc.core.errors import InputError, LiqcalcError, reworded

#: A number as the API takes it: Decimal, int, str, or float (read through its repr).
Number = Decimal | int | float | str

#: The schema version of the batch's per-line objects (the envelope's).
SCHEMA_VERSION = 1


def evaluate(values: Mapping[str, Any], name: Namer, session: Session, error: type[InputError] = InputError) -> PositionReport:
    """Check ``values`` (keys named like the options, in snake_case) and evaluate them."""
    request = build(values, name, fund_party=session.fund_party, error=error)
    report = session.report(request)
    if not any(r.warnings for r in report.results):
        return report  # nothing to reword (a replace costs a batch line a few microseconds)
    results = [replace(r, warnings=tuple(reworded(w, name) for w in r.warnings)) for r in report.results]
    return replace(report, results=results)


@contextmanager
def keywords() -> Iterator[None]:
    """Name the inputs of any liqcalc error raised inside as the API's keywords (``leverage=``):
    the core names them by key, so only the name changes, never the problem."""
    try:
        yield
    except LiqcalcError as error:
        raise error.renamed(keyword_name) from None


def given_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values given: None and an empty list mean "not given", as an absent option does."""
    return {k: v for k, v in values.items() if v is not None and not (isinstance(v, list | tuple) and not v)}


def position(
    *,
    preset: str,
    symbol: str,
    side: str,
    entry: Number,
    size: Number | None = None,
    notional: Number | None = None,
    leverage: Number | Sequence[Number] | None = None,
    margin: Number | None = None,
    mark: Number | None = None,
    mode: str | None = None,
    wallet: Number | None = None,
    add_margin: Number | None = None,
    funding: Number | None = None,
    fill: Number | None = None,
    insurance_fund: Number | None = None,
    can_pay: Mapping[str, Number] | None = None,
    mmr: Number | None = None,
    maint_amount: Number | None = None,
    liquidation_fee: Number | None = None,
    no_stale_warning: bool = False,
    session: Session | None = None,
) -> PositionReport:
    """Liquidation and bankruptcy prices of a position, and where the money goes.

    The keywords are ``liqcalc position``'s options in snake_case; ``leverage`` takes a number
    or a list of them (one result each, like a repeated ``--leverage``), ``can_pay`` a mapping
    ``{party: amount}``. Numbers may be Decimal, int, str or float (read through its repr).
    Pass one :class:`~liqcalc.app.session.Session` to many calls to load each preset once.

    Raises a :class:`~liqcalc.core.errors.LiqcalcError` naming the keyword (``entry=``).
    """
    values = given_values({
        "preset": preset, "symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional,
        "leverage": list(leverage) if isinstance(leverage, list | tuple) else leverage, "margin": margin,
        "mark": mark, "mode": mode, "wallet": wallet, "add_margin": add_margin, "funding": funding, "fill": fill,
        "insurance_fund": insurance_fund, "can_pay": dict(can_pay) if can_pay is not None else None, "mmr": mmr,
        "maint_amount": maint_amount, "liquidation_fee": liquidation_fee,
    })
    with keywords():
        return evaluate(values, keyword_name, session or Session(stale_warning=not no_stale_warning))


# -- batch lines ------------------------------------------------------------------------------

#: The numbers an ``--input`` default may hold, with their sign rule.
DEFAULT_NUMBERS = (("entry", "positive"), ("size", "positive"), ("notional", "positive"), ("margin", "positive"),
                   ("mark", "positive"), ("add_margin", "non_negative"), ("funding", "any"), ("mmr", "positive"),
                   ("maint_amount", "any"), ("wallet", "positive"), ("fill", "positive"),
                   ("insurance_fund", "non_negative"), ("liquidation_fee", "non_negative"))


def check_defaults(options: dict[str, Any], name: Namer, error: type[InputError]) -> dict[str, Any]:
    """Defaults for the lines of a batch, checked once as what they are (options: exit 2)."""
    for key, sign in DEFAULT_NUMBERS:
        number(options, key, name, sign=sign, error=error)
    for item in options.get("leverage") or []:
        for part in str(item).split(","):
            number({"leverage": part}, "leverage", name, error=error)
    return options


class LongLine(NamedTuple):
    """A line of ``--input`` longer than the reader holds: skipped to its newline, unread; the
    batch gives its error object and goes on. ``limit``: the longest line read, in bytes."""

    limit: int


#: Pairs of keys that say the same thing two ways: a line that gives one of a pair drops the
#: default of the other (``--leverage 20`` and a line's ``"margin": 3000``: the line's margin).
EITHER = (("leverage", "margin"), ("margin", "leverage"), ("size", "notional"), ("notional", "size"))


def with_defaults(defaults: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A line's values over the command line's defaults: the line's keys win, and a key the line
    gives drops the default of its other way (:data:`EITHER`); a line's ``mode`` drops the
    default that mode refuses (``isolated``: ``wallet``; ``cross``: ``margin``)."""
    if not defaults:
        return values
    merged = {**defaults, **values}
    for key, other in EITHER:
        if values.get(key) is not None and other in defaults and other not in values:
            del merged[other]
    mode = values.get("mode")
    if type(mode) is str:
        drop = {"isolated": "wallet", "cross": "margin"}.get(mode.strip().lower())
        if drop is not None and drop in defaults and drop not in values:
            del merged[drop]
    return merged


def line_error(number: int, message: str) -> dict[str, Any]:
    """The object a failed line gives."""
    return {"schema_version": SCHEMA_VERSION, "line": number, "error": message}


#: ``json.loads(line, parse_float=Decimal)``, its decoder built once (json.loads with arguments
#: builds one a call).
_DECODE: Any = None


#: A line of ``--input`` as the reader gives it: its text, or why it has none.
Line = str | UnicodeDecodeError | LongLine


def evaluate_line(session: Session, defaults: Mapping[str, Any], number: int, line: Line) -> dict[str, Any] | None:
    """One line of a batch as its output object: the ``--json`` object with its line number,
    or an error object (a bad line never ends the batch); None for a blank line.

    The line's keys win over ``defaults`` (:func:`with_defaults`); a bad value is named by its JSON key.
    """
    import json

    global _DECODE
    if _DECODE is None:
        _DECODE = json.JSONDecoder(parse_float=Decimal).decode
    if isinstance(line, UnicodeDecodeError):
        return line_error(number, f"line {number}: not UTF-8 text ({line.reason} at byte {line.start})")
    if isinstance(line, LongLine):
        return line_error(number, f"line {number}: longer than {line.limit // 1024 // 1024} MiB, skipped; each line is "
                                  "one JSON object (a position)")
    if not line.strip():
        return None
    try:
        try:
            values = _DECODE(line)
        except json.JSONDecodeError as error:
            raise InputError(f"line {number}", f"not JSON ({error.msg} at column {error.colno})") from None
        except RecursionError:
            raise InputError(f"line {number}", "nested too deeply; a line is one flat JSON object") from None
        except ValueError as error:  # an integer beyond Python's digit limit
            from liqcalc.presets.files import too_long

            raise InputError(f"line {number}", too_long(error)) from None
        if not isinstance(values, dict):
            raise InputError(f"line {number}", "expected a JSON object")
        report = evaluate(with_defaults(defaults, values), key_name, session)
        from liqcalc.render.position import report_json

        # the report's JSON object, its inputs left read-only (to_dict() thaws them for a caller to
        # change; a batch line is written and dropped)
        return {"schema_version": SCHEMA_VERSION, "line": number, **report_json(report, texts=True)}
    except LiqcalcError as error:
        return line_error(number, str(error.renamed(key_name)))
    except Exception as error:  # a bug must not cost the rest of the batch
        return line_error(number, f"internal error: {type(error).__name__}: {error}")
