"""Tier tables: the maintenance-amount recursion and the lookup of a notional's tier."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Context, Decimal, localcontext

from liqcalc.core.errors import TierError
from liqcalc.core.model import SymbolSpec, Tier
from liqcalc.core.numbers import ONE, ZERO, div, money_text, size_text


def maint_amounts(floors: Sequence[Decimal], rates: Sequence[Decimal]) -> list[Decimal]:
    """Maintenance amount of every tier, by the recursion the venues document.

    Docs (Binance): "Maintenance Amount = [Floor of Position Bracket on Level n * (MMR on
    Level n - MMR on Level n-1)] + Maintenance Amount on Level n-1"
    https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93
    Docs (Hyperliquid): "maintenance_deduction(tier = n) = maintenance_deduction(tier = n-1)
    + notional_position_lower_bound(tier = n) * (mmr(tier = n) - mmr(tier = n-1))"
    https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers
    """
    amounts: list[Decimal] = []
    for n, (floor, rate) in enumerate(zip(floors, rates, strict=True)):
        if n == 0:
            amounts.append(ZERO)
        else:
            amounts.append(amounts[-1] + floor * (rate - rates[n - 1]))
    return amounts


def mmr_from_max_leverage(max_leverage: Decimal) -> Decimal:
    """Maintenance rate as half the initial margin rate at the tier's maximum leverage.

    Docs (Hyperliquid): "maintenance_margin_rate(tier = n) = (Initial Margin Rate at Maximum
    leverage at tier n) / 2"; "at 20x max leverage, maintenance_margin_rate = 2.5%".
    https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers
    """
    return div(ONE, 2 * max_leverage)


def tier_for(symbol: SymbolSpec, notional: Decimal, what: str) -> Tier:
    """The tier holding ``notional`` (``floor < notional <= cap``).

    Raises :class:`TierError` when the notional is beyond the last tier, saying whether the
    table is known to be complete and how to supply a fuller one. ``what`` names the
    notional in the message ("entry notional", "notional at the liquidation price").
    """
    for tier in symbol.tiers:
        if tier.contains(notional):
            return tier
    raise beyond_last_tier(symbol, notional, what)


def plain(value: Decimal, places: int, rounding: str | None = None) -> str:
    """``value`` in a message: rounded to ``places`` decimals, without trailing zeros or an
    exponent (``4999999.9999999999999999999998`` -> ``5000000``; ``60000`` stays ``60000``).
    A value too small to show at ``places`` keeps 8 significant digits. ``rounding``
    (``ROUND_FLOOR`` for an upper bound: "at most 66666.66666666") overrides half-even."""
    if value == 0:
        return "0"
    exponent = -places if value.adjusted() >= -places else value.adjusted() - 7
    with localcontext(Context(prec=100)):
        return format(value.quantize(Decimal(1).scaleb(exponent), rounding=rounding).normalize(), "f")


def echo(value: Decimal) -> str:
    """A number the user gave, in a message, as the Decimal it was read as: the digits typed,
    in plain notation (``0.4500`` stays ``0.4500``; ``4.5e-1`` reads ``0.45``, ``1E+5`` reads
    ``100000``), never through a float (whose repr would add noise such as ``0.44999999999999996``)."""
    if not isinstance(value, Decimal):  # a caller's float or int: its shortest repr, as Decimal reads it
        value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return format(value, "f")


def beyond_last_tier(symbol: SymbolSpec, notional: Decimal, what: str, valid: str = "") -> TierError:
    """The error for a notional past the last tier of ``symbol``'s table. ``valid`` says what
    would be inside it (``"give a mark of at most 2000000 (2000000 USDT / size 1)"``)."""
    last = symbol.tiers[-1]
    # numbers as the tables show them: a size in the base asset, else an amount of the quote
    shown_as = size_text if symbol.tier_unit == "base" else money_text
    shown = shown_as(notional)
    cap = "-" if last.cap is None else shown_as(last.cap)
    if symbol.complete:
        return TierError(
            f"{symbol.name}: the {what} {shown} {symbol.unit} is beyond the "
            f"largest position the venue allows ({cap} {symbol.unit}, tier {last.number})"
            + (f"; {valid}" if valid else "")
        )
    remedy = f"{valid[:1].upper()}{valid[1:]}; or supply" if valid else "Supply"
    return TierError(
        f"{symbol.name}: the {what} {shown} {symbol.unit} is beyond the last "
        f"known tier (tier {last.number}, up to {cap} {symbol.unit}); this preset knows "
        f"only the first tiers of this symbol. {remedy} a fuller table with "
        "`liqcalc presets import`, or give the tier yourself with {mmr} and {maint_amount}"
    )
