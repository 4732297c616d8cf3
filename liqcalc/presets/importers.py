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


def venue_symbol(ccxt_symbol: str, spelling: str = "binance") -> tuple[str, str, str, str]:
    """The venue's own spelling of a ccxt unified symbol, with base, quote and kind.

    ``BTC/USDT:USDT`` -> ``BTCUSDT`` (perpetual); ``BTC/USDT:USDT-260925`` ->
    ``BTCUSDT_260925`` (delivery), as Binance names its USDⓈ-M contracts; with ``spelling``
    "okx", ``BTC-USDT-SWAP``; "hyperliquid", ``BTC``; "dydx", ``BTC-USD``.
    """
    pair, _, settle = ccxt_symbol.partition(":")
    base, _, quote = pair.partition("/")
    if not base or not quote:
        raise PresetError(f"{ccxt_symbol}: not a ccxt unified symbol (BASE/QUOTE:SETTLE)")
    _, _, expiry = settle.partition("-")
    kind = "delivery" if expiry else "perpetual"
    if spelling == "okx":
        return f"{base}-{quote}-{expiry or 'SWAP'}", base, quote, kind
    if spelling == "hyperliquid":
        return base, base, quote, kind
    if spelling == "dydx":
        return f"{base}-{quote}", base, quote, kind
    if expiry:
        return f"{base}{quote}_{expiry}", base, quote, kind
    return f"{base}{quote}", base, quote, kind


def from_ccxt(
    dump: Any,
    *,
    source: str = "ccxt dump",
    spelling: str = "binance",
    contract_sizes: Mapping[str, Decimal] | None = None,
) -> dict[str, dict[str, Any]]:
    """Symbols table from a ccxt ``fetch_leverage_tiers()`` dump (``{symbol: [tiers]}``) or
    ``fetch_market_leverage_tiers()`` list; the maintenance amount from ``info.cum`` where
    present (Binance), else left to the preset's recursion. ccxt's OKX tiers are contracts
    (``minSz``/``maxSz``): with ``contract_sizes`` (base per contract, by ccxt base asset or
    ``"*"``) the bounds become base quantities (``tier_unit = "base"``)."""
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
        name, base, quote, kind = venue_symbol(str(ccxt_symbol), spelling)
        contract = None if contract_sizes is None else (contract_sizes.get(base) or contract_sizes.get("*"))
        if spelling == "okx" and contract is None:
            raise PresetError(
                f"{source}: {ccxt_symbol}: ccxt's OKX tiers are in contracts; give --contract-size {base}=CTVAL"
            )
        scale = contract or Decimal(1)
        tiers = []
        for n, row in enumerate(rows):
            where = f"{source}: {ccxt_symbol}[{n}]"
            info = row.get("info") or {}
            tier: dict[str, Any] = {
                "floor": _decimal(_field(row, "minNotional", where), f"{where}.minNotional") * scale,
                "cap": _decimal(_field(row, "maxNotional", where), f"{where}.maxNotional") * scale,
                "max_leverage": _decimal(_field(row, "maxLeverage", where), f"{where}.maxLeverage"),
                "mmr": _decimal(_field(row, "maintenanceMarginRate", where), f"{where}.maintenanceMarginRate"),
            }
            if isinstance(info, Mapping) and info.get("cum") is not None:
                tier["maint_amount"] = _decimal(info["cum"], f"{where}.info.cum")
            tiers.append(tier)
        # contiguous bounds: each floor is the previous cap (OKX leaves gaps of one contract)
        for previous, tier in zip(tiers, tiers[1:], strict=False):
            tier["floor"] = previous["cap"]
        symbols[name] = {"base": base, "quote": quote, "kind": kind, "tiers": tiers}
        if contract is not None:
            symbols[name]["tier_unit"] = "base"
    return symbols


def build_preset(like: dict[str, Any], symbols: dict[str, dict[str, Any]], *, name: str, as_of: Any,
                 source: str) -> dict[str, Any]:
    """A whole preset: the rules of ``like`` (a model dump of a built-in preset) with fresh
    tables, a new name and date, and the import's source added to ``sources``."""
    if not symbols:
        raise PresetError(f"{source}: no symbols found")
    preset = {key: value for key, value in like.items() if key != "symbols"}
    like_name = preset["name"]
    preset["name"] = name
    preset["as_of"] = as_of
    preset["sources"] = [*preset["sources"], source]
    preset["notes"] = [f"Tier tables imported from {source} on {as_of}; the rules are those of the built-in "
                       f"{like_name} preset."] + [n for n in preset.get("notes", []) if "tier" not in n.lower()]
    preset["symbols"] = symbols
    return preset


# -- the venues' raw responses ------------------------------------------------------------

# Quote assets recognised at the end of a Binance or Bybit symbol, longest first.
_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "USD1", "USD", "U")


def split_symbol(symbol: str, where: str) -> tuple[str, str, str]:
    """Base, quote and kind of a Binance/Bybit linear symbol (``BTCUSDT``, ``BTCUSDT_260925``)."""
    pair, _, expiry = symbol.partition("_")
    for quote in _QUOTES:
        if pair.endswith(quote) and len(pair) > len(quote):
            return pair[: -len(quote)], quote, "delivery" if expiry else "perpetual"
    raise PresetError(f"{where}: cannot tell the quote asset of {symbol!r} (expected it to end in {', '.join(_QUOTES)})")


def _payload(data: Any, source: str, *keys: str) -> Any:
    """Unwrap an API envelope (``result.list``, ``data``), checking the venue's error code."""
    for key in keys:
        if not isinstance(data, Mapping) or key not in data:
            raise PresetError(f"{source}: expected the venue's response with {'.'.join(keys)}; {key} is missing")
        data = data[key]
    return data


def from_binance(data: Any, *, source: str = "leverageBracket response") -> dict[str, dict[str, Any]]:
    """Symbols from Binance ``GET /fapi/v1/leverageBracket``: a list of
    ``{"symbol", "brackets": [{"bracket", "initialLeverage", "notionalCap", "notionalFloor",
    "maintMarginRatio", "cum"}]}`` (or one such object for a single symbol).
    https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets
    """
    rows = [data] if isinstance(data, Mapping) else data
    if not isinstance(rows, list):
        raise PresetError(f"{source}: expected a list of {{symbol, brackets}}")
    symbols: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(rows):
        where = f"{source}[{n}]"
        if not isinstance(row, Mapping) or "symbol" not in row or "brackets" not in row:
            raise PresetError(f"{where}: expected {{symbol, brackets}}")
        if row.get("notionalCoef") not in (None, 1, "1", 1.0):
            raise PresetError(
                f"{where}.notionalCoef: {row['notionalCoef']} means this account's brackets are scaled; "
                "import the public brackets (notionalCoef 1)"
            )
        base, quote, kind = split_symbol(str(row["symbol"]), where)
        tiers = []
        for m, bracket in enumerate(sorted(row["brackets"], key=lambda b: float(b["notionalFloor"]))):
            at = f"{where}.brackets[{m}]"
            tiers.append({
                "floor": _decimal(bracket.get("notionalFloor"), f"{at}.notionalFloor"),
                "cap": _decimal(bracket.get("notionalCap"), f"{at}.notionalCap"),
                "max_leverage": _decimal(bracket.get("initialLeverage"), f"{at}.initialLeverage"),
                "mmr": _decimal(bracket.get("maintMarginRatio"), f"{at}.maintMarginRatio"),
                "maint_amount": _decimal(bracket.get("cum"), f"{at}.cum"),
            })
        symbols[str(row["symbol"])] = {"base": base, "quote": quote, "kind": kind, "tiers": tiers}
    return symbols


def from_bybit(data: Any, *, source: str = "risk-limit response") -> dict[str, dict[str, Any]]:
    """Symbols from Bybit ``GET /v5/market/risk-limit``: ``result.list`` of ``{id, symbol,
    riskLimitValue, maintenanceMargin, initialMargin, maxLeverage, mmDeduction}``; each tier
    runs from the previous tier's ``riskLimitValue`` to its own.
    https://bybit-exchange.github.io/docs/v5/market/risk-limit
    """
    if isinstance(data, Mapping) and data.get("retCode") not in (None, 0):
        raise PresetError(f"{source}: the venue answered retCode {data.get('retCode')}: {data.get('retMsg')}")
    rows = _payload(data, source, "result", "list")
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row.get("symbol")), []).append(row)
    symbols: dict[str, dict[str, Any]] = {}
    for name, tiers_raw in grouped.items():
        where = f"{source}: {name}"
        base, quote, kind = split_symbol(name, where)
        ordered = sorted(tiers_raw, key=lambda r: _decimal(r.get("riskLimitValue"), f"{where}.riskLimitValue"))
        floor = Decimal(0)
        tiers = []
        for m, row in enumerate(ordered):
            at = f"{where}[{m}]"
            mmr = _decimal(row.get("maintenanceMargin"), f"{at}.maintenanceMargin")
            cap = _decimal(row.get("riskLimitValue"), f"{at}.riskLimitValue")
            leverage = _decimal(row.get("maxLeverage"), f"{at}.maxLeverage")
            if mmr >= 1 or mmr * leverage >= 1:
                # Bybit's inverse examples print "0.5" for 0.5% (https://github.com/ccxt/ccxt/pull/13308 ;
                # docs.rs bybit-rust-api risk_limit.rs): a rate no position could open under.
                raise PresetError(
                    f"{at}.maintenanceMargin: {mmr} looks like a percentage (at {leverage}x the initial rate is "
                    f"{1 / leverage:.4f}); expected a rate such as 0.005"
                )
            deduction = row.get("mmDeduction")
            tier: dict[str, Any] = {
                "floor": floor, "cap": cap,
                "max_leverage": leverage, "mmr": mmr,
                "maint_amount": Decimal(0) if deduction in (None, "") else _decimal(deduction, f"{at}.mmDeduction"),
            }
            tiers.append(tier)
            floor = cap
        symbols[name] = {"base": base, "quote": quote, "kind": kind, "tiers": tiers}
    return symbols


def from_okx(data: Any, contract_sizes: Mapping[str, Decimal], *, source: str = "position-tiers response") -> dict[str, dict[str, Any]]:
    """Symbols from OKX ``GET /api/v5/public/position-tiers`` (instType SWAP): ``data`` rows of
    ``{instFamily (or uly), tier, minSz, maxSz, mmr, imr, maxLever}``. Sizes are contracts;
    ``contract_sizes`` gives each family's ``ctVal`` (base asset per contract), so the tiers
    are written in the base asset (``tier_unit = "base"``). OKX bounds can leave gaps of one
    contract (``maxSz 950000``, next ``minSz 950001``); each floor is taken as the previous cap.
    https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers
    """
    if isinstance(data, Mapping) and str(data.get("code", "0")) != "0":
        raise PresetError(f"{source}: the venue answered code {data.get('code')}: {data.get('msg')}")
    rows = _payload(data, source, "data")
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        family = row.get("instFamily") or row.get("uly")
        if not family:
            raise PresetError(f"{source}: a tier without instFamily")
        grouped.setdefault(str(family), []).append(row)
    symbols: dict[str, dict[str, Any]] = {}
    for family, tiers_raw in grouped.items():
        where = f"{source}: {family}"
        ct_val = contract_sizes.get(family) or contract_sizes.get("*")
        if ct_val is None:
            raise PresetError(
                f"{where}: OKX tiers are in contracts; give --contract-size {family}=CTVAL (e.g. 0.01 for BTC-USDT)"
            )
        base, _, quote = family.partition("-")
        ordered = sorted(tiers_raw, key=lambda r: int(r.get("tier", 0)))
        floor = Decimal(0)
        tiers = []
        for m, row in enumerate(ordered):
            at = f"{where}[{m}]"
            cap = _decimal(row.get("maxSz"), f"{at}.maxSz") * ct_val
            tiers.append({
                "floor": floor, "cap": cap,
                "max_leverage": _decimal(row.get("maxLever"), f"{at}.maxLever"),
                "mmr": _decimal(row.get("mmr"), f"{at}.mmr"),
            })
            floor = cap
        symbols[f"{family}-SWAP"] = {"base": base, "quote": quote, "kind": "perpetual", "tier_unit": "base", "tiers": tiers}
    return symbols


def from_hyperliquid(data: Any, *, source: str = "meta response") -> dict[str, dict[str, Any]]:
    """Symbols from Hyperliquid's ``info`` ``{"type": "meta"}``: ``universe`` (``name``,
    ``maxLeverage``, ``marginTableId``) and ``marginTables`` (``[id, {marginTiers: [{lowerBound,
    maxLeverage}]}]``). "For IDs less than 50, there is a single tier with max leverage equal
    to the ID." https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers
    Delisted coins are skipped.
    """
    universe = _payload(data, source, "universe")
    tables: dict[int, list[Mapping[str, Any]]] = {}
    for n, entry in enumerate(data.get("marginTables") or []):
        try:
            table_id, table = entry
            tables[int(table_id)] = list(table["marginTiers"])
        except (TypeError, ValueError, KeyError):
            raise PresetError(f"{source}.marginTables[{n}]: expected [id, {{marginTiers: [...]}}]") from None
    symbols: dict[str, dict[str, Any]] = {}
    for n, asset in enumerate(universe):
        where = f"{source}.universe[{n}]"
        if not isinstance(asset, Mapping) or "name" not in asset:
            raise PresetError(f"{where}: expected {{name, maxLeverage, marginTableId}}")
        if asset.get("isDelisted"):
            continue
        table_id = int(asset.get("marginTableId", asset.get("maxLeverage", 0)))
        if table_id < 50:
            raw_tiers: list[Mapping[str, Any]] = [{"lowerBound": 0, "maxLeverage": table_id}]
        elif table_id in tables:
            raw_tiers = tables[table_id]
        else:
            raise PresetError(f"{where}.marginTableId: {table_id} is not in marginTables")
        bounds = [_decimal(t.get("lowerBound"), f"{where}.lowerBound") for t in raw_tiers]
        tiers = []
        for m, tier in enumerate(raw_tiers):
            row: dict[str, Any] = {"floor": bounds[m], "max_leverage": _decimal(tier.get("maxLeverage"), f"{where}.maxLeverage")}
            if m + 1 < len(bounds):
                row["cap"] = bounds[m + 1]
            tiers.append(row)
        symbols[str(asset["name"])] = {"base": str(asset["name"]), "quote": "USDC", "kind": "perpetual", "tiers": tiers}
    return symbols
