"""Turn what a user wrote (options, an --input line, an account row) into core inputs.

Each value is checked here, and a bad one is named the way the user wrote it: ``--entry`` on
the command line, ``entry`` in a JSON line, ``entry=`` in a Python call, ``positions[2].size``
in an account file. The namer (:func:`option_name`, :func:`key_name`, :func:`keyword_name`) is
the only thing that differs. The core's own errors and warnings write the inputs they mention
as placeholders (``{wallet}``, :func:`liqcalc.core.errors.worded`); each edge names them with the
same namer (``error.renamed(key_name)``), and the command line's wording is their default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, cast

from liqcalc.core.errors import InputError, UsageError
from liqcalc.core.errors import Namer as Namer
from liqcalc.core.errors import option_name as option_name  # the command line's namer (the default wording)
from liqcalc.core.model import PARTIES, Party, Side, SymbolSpec
from liqcalc.core.numbers import given, shown, to_decimal
from liqcalc.core.position import Mode, PositionSpec


def key_name(key: str) -> str:
    """A JSON key names itself."""
    return key


def keyword_name(key: str) -> str:
    """The Python API's keyword: ``add_margin`` -> ``add_margin=``."""
    return key + "="


class UsageInputError(InputError):
    """A malformed value on the command line: a usage error (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Request:
    """One position request: the preset and symbol to use, the specs to evaluate (one per
    leverage), the fill and the waterfall caps."""

    preset: str
    symbol: str
    specs: Sequence[PositionSpec]
    fill: Decimal | None
    caps: Mapping[Party, Decimal]
    inputs: Mapping[str, Any]
    notional: Decimal | None = None
    """The quote value the size was given as (``notional``), or None: the specs' size reads it
    at the entry for a linear contract; :meth:`sized` reads it for the symbol's contract."""

    def __post_init__(self) -> None:  # read-only, as the reports that hold it
        from liqcalc.core.frozen import frozen

        object.__setattr__(self, "specs", tuple(self.specs))
        object.__setattr__(self, "caps", frozen(self.caps))
        object.__setattr__(self, "inputs", frozen(self.inputs))

    def sized(self, symbol: SymbolSpec) -> Request:
        """The request with its size (and the echoed ``size`` and ``notional``) in the terms
        of ``symbol``'s contract: an inverse contract counts contracts of ``face_value``."""
        if not symbol.inverse:
            return self
        entry = self.specs[0].entry
        size = symbol.size_of(self.notional, entry) if self.notional is not None else self.specs[0].size
        inputs = {**self.inputs, "size": size, "notional": symbol.quote_notional(size, entry)}
        return replace(self, specs=[replace(spec, size=size) for spec in self.specs], inputs=inputs)


def contracts_note(symbol: SymbolSpec, contracts: Decimal, quote_value: Decimal | None = None) -> str | None:
    """What to say of an inverse position of ``contracts`` that is not a whole number (the venue
    trades whole contracts; the figures stay those of the exact size), or None. ``quote_value``
    is the quote amount the count was derived from, shown when given."""
    from liqcalc.core.numbers import money_text, size_text

    if not symbol.inverse or contracts == contracts.to_integral_value():
        return None
    low = contracts.to_integral_value(rounding="ROUND_FLOOR")
    derived = (f" ({money_text(quote_value)} {symbol.quote} / {size_text(symbol.face_value)} {symbol.quote} a contract)"
               if quote_value is not None else "")
    return (f"{size_text(contracts)} contracts{derived} is not a whole number, and {symbol.name} trades whole "
            f"contracts ({size_text(low)} or {size_text(low + 1)}): the figures are for the exact size, not rounded")


def _echo_value(raw: Any, value: Decimal) -> str:
    return given(value)


def number(values: Mapping[str, Any], key: str, name: Namer, *, sign: str = "positive", error: type[InputError] = InputError,
           echo: Callable[[Any, Decimal], str] = _echo_value) -> Decimal | None:
    """The number at ``key``, or None when absent; ``sign`` is "positive", "non_negative" or "any".
    ``echo(raw, value)`` writes the refused number in a message (default: the value, grouped)."""
    raw = values.get(key)
    if raw is None:
        return None
    try:
        value = to_decimal(raw, name(key))
    except InputError as problem:
        raise error(problem.field, problem.problem) from None
    if sign == "positive" and value <= 0:
        raise error(name(key), f"must be greater than 0, got {echo(raw, value)}")
    if sign == "non_negative" and value < 0:
        raise error(name(key), f"must be 0 or more, got {echo(raw, value)}")
    return value


def text(values: Mapping[str, Any], key: str, name: Namer, error: type[InputError]) -> str | None:
    """The text at ``key``, stripped, or None when absent."""
    raw = values.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise error(name(key), f"expected text, got {shown(raw)}")
    return raw.strip()


def side_of(values: Mapping[str, Any], name: Namer, error: type[InputError]) -> Side:
    """The ``side`` value: long or short (any case)."""
    raw = text(values, "side", name, error)
    if raw is None:
        raise error(name("side"), "missing; give long or short")
    lowered = raw.lower()
    if lowered not in ("long", "short"):
        raise error(name("side"), f"expected long or short, got {shown(raw)}")
    return cast(Side, lowered)


def parse_caps(pairs: list[str], insurance_fund: Decimal | None, fund_party: Callable[[], Party | None], name: Namer, error: type[InputError]) -> dict[Party, Decimal]:
    """``--can-pay PARTY=AMOUNT`` pairs and ``--insurance-fund`` as waterfall caps."""
    caps: dict[Party, Decimal] = {}
    for pair in pairs:
        if not isinstance(pair, str):
            raise error(name("can_pay"), f"expected PARTY=AMOUNT text (or a list of them), got {shown(pair)}")
        party, sep, amount = pair.partition("=")
        party = party.strip()
        if not sep or party not in PARTIES:
            raise error(name("can_pay"), f"expected PARTY=AMOUNT with PARTY one of {', '.join(PARTIES)}, got {shown(pair)}")
        value = number({"v": amount}, "v", lambda _: name("can_pay"), sign="non_negative", error=error)
        assert value is not None
        caps[cast(Party, party)] = value
    if insurance_fund is not None:
        fund = fund_party()
        if fund is None:
            raise UsageError(
                f"{name('insurance_fund')}: this preset's waterfall has no insurance fund; "
                f"cap its payers with {name('can_pay')} PARTY=AMOUNT"
            )
        if fund in caps:
            raise error(name("insurance_fund"), f"and {name('can_pay')} {fund}=... both cap the fund; give one")
        caps[fund] = insurance_fund
    return caps


def build(
    values: Mapping[str, Any],
    name: Namer,
    *,
    fund_party: Callable[[str], Party | None],
    error: type[InputError] = InputError,
) -> Request:
    """Check ``values`` (option or JSON keys) and build a :class:`Request`.

    ``fund_party(preset)`` says which party ``insurance_fund`` caps for that preset.
    """
    known = {
        "preset", "symbol", "side", "entry", "size", "notional", "leverage", "margin", "mark", "add_margin",
        "funding", "mmr", "maint_amount", "mode", "wallet", "fill", "insurance_fund", "can_pay", "liquidation_fee",
    }
    unknown = sorted(set(values) - known)
    if unknown:
        raise error(name(unknown[0]), f"unknown field; valid fields: {', '.join(sorted(known))}")
    preset = text(values, "preset", name, error)
    if preset is None:
        raise error(name("preset"), "missing; give a preset name (binance, bybit, ...) or a .toml path")
    symbol = text(values, "symbol", name, error)
    if symbol is None:
        raise error(name("symbol"), "missing; give the venue's symbol (BTCUSDT) or a base asset (BTC)")
    side = side_of(values, name, error)
    entry = number(values, "entry", name, error=error)
    if entry is None:
        raise error(name("entry"), "missing; give the average entry price")
    size = number(values, "size", name, error=error)
    notional = number(values, "notional", name, error=error)
    if (size is None) == (notional is None):
        raise error(name("size"), f"give exactly one of {name('size')} (base quantity) and {name('notional')} (quote value)")
    if size is None:
        assert notional is not None
        size = notional / entry
    mark = number(values, "mark", name, error=error) or entry
    mode_raw = (text(values, "mode", name, error) or "isolated").lower()
    if mode_raw not in ("isolated", "cross"):
        raise error(name("mode"), f"expected isolated or cross, got {shown(values.get('mode'))}")
    mode = cast(Mode, mode_raw)
    raw_leverage = values.get("leverage")
    leverage_items: list[Any] = raw_leverage if isinstance(raw_leverage, list) else ([] if raw_leverage is None else [raw_leverage])
    leverages: list[Decimal | None] = []
    for item in leverage_items:
        for part in (str(item).split(",") if isinstance(item, str) else [item]):
            value = number({"leverage": part}, "leverage", name, error=error)
            assert value is not None
            if value < 1:
                raise error(name("leverage"), f"must be at least 1, got {given(value)}")
            leverages.append(value)
    margin = number(values, "margin", name, error=error)
    if mode == "isolated" and not leverages and margin is None:
        raise error(name("leverage"), f"give {name('leverage')} or {name('margin')} (the isolated margin)")
    if leverages and margin is not None:
        raise error(name("margin"), f"give {name('leverage')} or {name('margin')}, not both")
    mmr = number(values, "mmr", name, error=error)
    if mmr is not None and mmr >= 1:
        raise error(name("mmr"), f"must be below 1 (a rate: 0.004 is 0.4%), got {given(mmr)}")
    maint_amount = number(values, "maint_amount", name, sign="any", error=error)
    if maint_amount is not None and mmr is None:
        raise error(name("maint_amount"), f"goes with {name('mmr')}; give both to override the tier")
    liquidation_fee = number(values, "liquidation_fee", name, sign="non_negative", error=error)
    if liquidation_fee is not None and liquidation_fee >= 1:
        raise error(name("liquidation_fee"), f"must be below 1 (a rate: 0.0125 is 1.25%), got {given(liquidation_fee)}")
    base = PositionSpec(
        side=side, size=size, entry=entry, mark=mark,
        add_margin=number(values, "add_margin", name, sign="non_negative", error=error) or Decimal(0),
        funding=number(values, "funding", name, sign="any", error=error) or Decimal(0),
        mmr=mmr, maint_amount=maint_amount, mode=mode,
        wallet=number(values, "wallet", name, error=error),
        liquidation_fee=liquidation_fee,
    )
    if leverages:
        specs = [replace(base, leverage=lev) for lev in leverages]
    else:
        specs = [replace(base, margin=margin)]
    fill = number(values, "fill", name, error=error)
    insurance_fund = number(values, "insurance_fund", name, sign="non_negative", error=error)
    raw_caps = values.get("can_pay") or []
    if isinstance(raw_caps, dict):  # {"insurance_fund": 5} in a JSON line
        raw_caps = [f"{party}={amount}" for party, amount in raw_caps.items()]
    caps = parse_caps(list(raw_caps) if isinstance(raw_caps, list) else [raw_caps], insurance_fund,
                      lambda: fund_party(preset), name, error)
    inputs = {
        "preset": preset, "symbol": symbol, "side": side, "entry": entry, "size": size, "notional": size * entry,
        "mark": mark, "leverage": leverages if len(leverages) > 1 else (leverages[0] if leverages else None),
        "margin": margin, "add_margin": base.add_margin, "funding": base.funding, "mmr": mmr,
        "maint_amount": maint_amount, "mode": mode, "wallet": base.wallet, "fill": fill,
        "insurance_fund": insurance_fund, "can_pay": dict(caps.items()), "liquidation_fee": liquidation_fee,
    }
    return Request(preset=preset, symbol=symbol, specs=specs, fill=fill, caps=caps, inputs=inputs, notional=notional)
