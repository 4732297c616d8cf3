"""Build preset tier tables from data a trader gets with one API or ccxt call.

The venue rules (fees, surplus, waterfall, ADL) are not in that data; an import takes them
from a built-in preset (``--like``) and only refreshes the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from liqcalc.core.errors import PresetError

# ccxt renamed these fields over time (https://github.com/ccxt/ccxt/pull/12873 ,
# https://github.com/ccxt/ccxt/pull/11985 , https://github.com/ccxt/ccxt/pull/11938).
_CCXT_ALIASES = {
    "minNotional": ("minNotional", "notionalFloor"),
    "maxNotional": ("maxNotional", "notionalCap"),
    "maintenanceMarginRate": ("maintenanceMarginRate", "maintenanceMarginRatio"),
    "currency": ("currency", "notionalCurrency"),
}


def _field(row: Mapping[str, Any], name: str, where: str) -> Any:
    for alias in _CCXT_ALIASES.get(name, (name,)):
        if alias in row and row[alias] is not None:
            return row[alias]
    raise PresetError(f"{where}.{name}: missing")


def _decimal(value: Any, where: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except Exception:
        raise PresetError(f"{where}: expected a number, got {value!r}") from None
    if not result.is_finite():
        raise PresetError(f"{where}: expected a finite number, got {value!r}")
    return result


def venue_symbol(ccxt_symbol: str) -> tuple[str, str, str, str]:
    """Binance's own spelling of a ccxt unified symbol, with base, quote and kind.

    ``BTC/USDT:USDT`` -> ``BTCUSDT`` (perpetual); ``BTC/USDT:USDT-260925`` ->
    ``BTCUSDT_260925`` (delivery), as Binance names its USDⓈ-M contracts.
    """
    pair, _, settle = ccxt_symbol.partition(":")
    base, _, quote = pair.partition("/")
    if not base or not quote:
        raise PresetError(f"{ccxt_symbol}: not a ccxt unified symbol (BASE/QUOTE:SETTLE)")
    _, _, expiry = settle.partition("-")
    if expiry:
        return f"{base}{quote}_{expiry}", base, quote, "delivery"
    return f"{base}{quote}", base, quote, "perpetual"


def from_ccxt(dump: Any, *, source: str = "ccxt dump") -> dict[str, dict[str, Any]]:
    """Symbols table from a ccxt ``fetch_leverage_tiers()`` dump (``{symbol: [tiers]}``) or
    ``fetch_market_leverage_tiers()`` list; the maintenance amount from ``info.cum`` where
    present (Binance), else left to the preset's recursion."""
    if isinstance(dump, list):
        grouped: dict[str, list[Any]] = {}
        for n, row in enumerate(dump):
            if not isinstance(row, Mapping) or "symbol" not in row:
                raise PresetError(f"{source}[{n}]: expected a ccxt leverage tier with a symbol")
            grouped.setdefault(str(row["symbol"]), []).append(row)
        dump = grouped
    if not isinstance(dump, Mapping):
        raise PresetError(f"{source}: expected {{symbol: [tiers]}} or a list of tiers")
    symbols: dict[str, dict[str, Any]] = {}
    for ccxt_symbol, rows in dump.items():
        name, base, quote, kind = venue_symbol(str(ccxt_symbol))
        tiers = []
        for n, row in enumerate(rows):
            where = f"{source}: {ccxt_symbol}[{n}]"
            info = row.get("info") or {}
            tier: dict[str, Any] = {
                "floor": _decimal(_field(row, "minNotional", where), f"{where}.minNotional"),
                "cap": _decimal(_field(row, "maxNotional", where), f"{where}.maxNotional"),
                "max_leverage": _decimal(_field(row, "maxLeverage", where), f"{where}.maxLeverage"),
                "mmr": _decimal(_field(row, "maintenanceMarginRate", where), f"{where}.maintenanceMarginRate"),
            }
            if isinstance(info, Mapping) and info.get("cum") is not None:
                tier["maint_amount"] = _decimal(info["cum"], f"{where}.info.cum")
            tiers.append(tier)
        symbols[name] = {"base": base, "quote": quote, "kind": kind, "tiers": tiers}
    return symbols
