"""Build preset tier tables from data a trader gets with one API or ccxt call.

The venue rules (fees, surplus, waterfall, ADL) are not in that data; an import takes them
from a built-in preset (``--like``) and only refreshes the tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
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
    """A number of a response (JSON number or numeric text, ASCII digits only), or an error
    naming the field."""
    from liqcalc.core.errors import InputError
    from liqcalc.core.numbers import to_decimal

    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PresetError(f"{where}: expected a number, got {_shown(value)}")
    try:
        return to_decimal(value, where)
    except InputError as error:
        raise PresetError(str(error)) from None


def _shown(value: Any) -> str:
    """A value as a message shows it: short, one line."""
    if value is None:
        return "null"
    text = repr(value) if not isinstance(value, list | dict) else f"a {'list' if isinstance(value, list) else 'object'}"
    return text if len(text) <= 60 else text[:57] + "..."


def _list(value: Any, where: str, what: str) -> list[Any]:
    """``value`` if it is a JSON list, else an error naming the field."""
    if not isinstance(value, list):
        raise PresetError(f"{where}: expected a list of {what}, got {_shown(value)}")
    return value


def _object(value: Any, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PresetError(f"{where}: expected {what}, got {_shown(value)}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PresetError(f"{where}: expected a name, got {_shown(value)}")
    return value


# -- the date the data carries ------------------------------------------------------------

#: Timestamps outside these years are not a response's date (milliseconds since 1970).
_YEARS = (2009, 2200)


def response_date(data: Any, data_format: str, source: str) -> tuple[dt.date, str] | None:
    """The date a response carries, with the field it came from: Bybit v5's top-level
    ``time`` ("Current timestamp (ms)", https://bybit-exchange.github.io/docs/v5/intro ),
    OKX's ``ts`` (at the top level or in the rows, the newest wins). None when there is none
    (Binance's leverageBracket, ccxt dumps, Hyperliquid's meta carry no date)."""
    stamps: list[tuple[Any, str]] = []
    if isinstance(data, Mapping):
        if data_format == "bybit" and data.get("time") is not None:
            stamps.append((data["time"], "time"))
        if data_format == "okx":
            if data.get("ts") is not None:
                stamps.append((data["ts"], "ts"))
            rows = data.get("data")
            if isinstance(rows, list):
                stamps.extend((row["ts"], f"data[{n}].ts") for n, row in enumerate(rows)
                              if isinstance(row, Mapping) and row.get("ts") not in (None, ""))
    best: tuple[dt.date, str] | None = None
    for raw, field in stamps:
        text = str(raw)
        if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and text.isascii() and text.isdigit())):
            raise PresetError(f"{source}: {field}: expected a time in milliseconds since 1970, got {_shown(raw)}")
        milliseconds = int(text) if len(text) < 20 else -1
        low, high = (int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp() * 1000) for year in _YEARS)
        if not low <= milliseconds < high:
            raise PresetError(
                f"{source}: {field}: {text} is not a time in milliseconds between {_YEARS[0]} and {_YEARS[1]}; "
                "give --as-of YYYY-MM-DD"
            )
        day = dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.UTC).date()
        if best is None or day > best[0]:
            best = (day, f"the response's {field} field ({text} ms, UTC)")
    return best


def venue_symbol(ccxt_symbol: str, spelling: str = "binance", *, inverse: bool = False) -> tuple[str, str, str, str]:
    """The venue's own spelling of a ccxt unified symbol, with base, quote and kind.

    ``BTC/USDT:USDT`` -> ``BTCUSDT`` (perpetual); ``BTC/USDT:USDT-260925`` ->
    ``BTCUSDT_260925`` (delivery), as Binance names its USDⓈ-M contracts; with ``spelling``
    "okx", ``BTC-USDT-SWAP``; "hyperliquid", ``BTC``; "dydx", ``BTC-USD``. An ``inverse``
    perpetual ``BTC/USD:BTC`` is ``BTCUSD_PERP`` on Binance COIN-M, ``XBTUSD`` on BitMEX,
    ``BTCUSD`` on Bybit.
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
    if inverse and spelling.startswith("binance") and not expiry:
        return f"{base}{quote}_PERP", base, quote, kind
    if spelling == "bitmex" and not expiry:
        return f"{'XBT' if base == 'BTC' else base}{quote}", base, quote, kind
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
            grouped.setdefault(_text(row["symbol"], f"{source}[{n}].symbol"), []).append(row)
        dump = grouped
    if not isinstance(dump, Mapping):
        raise PresetError(f"{source}: expected {{symbol: [tiers]}} or a list of tiers")
    symbols: dict[str, dict[str, Any]] = {}
    for ccxt_symbol, rows in dump.items():
        rows = _list(rows, f"{source}: {ccxt_symbol}", "leverage tiers")
        if not rows:
            raise PresetError(f"{source}: {ccxt_symbol}: no tiers")
        for n, row in enumerate(rows):
            _object(row, f"{source}: {ccxt_symbol}[{n}]", "a leverage tier object")
        inverse, face = _ccxt_contract(str(ccxt_symbol), rows, f"{source}: {ccxt_symbol}")
        name, base, quote, kind = venue_symbol(str(ccxt_symbol), spelling, inverse=inverse)
        if inverse and spelling == "okx":
            raise PresetError(f"{source}: {ccxt_symbol}: an inverse OKX swap (tiers in contracts of USD); liqcalc has "
                              "no preset with OKX's inverse rules: import OKX's linear swaps only")
        contract = None if contract_sizes is None or inverse else (contract_sizes.get(base) or contract_sizes.get("*"))
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
        if inverse:  # bounds and maintenance amounts in the settle coin, as ccxt states them
            symbols[name].update(contract_type="inverse", face_value=face)
        if contract is not None:
            symbols[name]["tier_unit"] = "base"
    return symbols


def _ccxt_contract(ccxt_symbol: str, rows: list[Any], where: str) -> tuple[bool, Decimal | None]:
    """Whether a ccxt market is inverse, and the face value its rows state (``contractSize``,
    the quote one inverse contract is worth), from the market fields a dump may carry on its
    rows (``inverse``, ``linear``, ``contractSize``) and the unified symbol: ``BTC/USD:BTC``
    settles in its base, the mark of an inverse contract. A row saying ``inverse: false`` of a
    symbol settled in its base is a contradiction, not a guess."""
    pair, _, settle = ccxt_symbol.partition(":")
    base = pair.partition("/")[0]
    settles_in_base = bool(settle) and settle.partition("-")[0] == base
    flags = {row.get("inverse") for row in rows if isinstance(row.get("inverse"), bool)}
    flags |= {not row["linear"] for row in rows if isinstance(row.get("linear"), bool)}
    if len(flags) > 1:
        raise PresetError(f"{where}: its rows disagree on whether the market is inverse (inverse/linear fields)")
    inverse = flags.pop() if flags else settles_in_base
    if not inverse and settles_in_base:
        raise PresetError(f"{where}: settles in its base asset {base}, the mark of an inverse contract, yet says "
                          "inverse: false; check the dump")
    sizes = {_decimal(row["contractSize"], f"{where}.contractSize") for row in rows if row.get("contractSize") is not None}
    if len(sizes) > 1:
        raise PresetError(f"{where}: its rows state different contract sizes ({', '.join(map(str, sorted(sizes)))})")
    return inverse, (sizes.pop() if sizes and inverse else None)


# -- inverse contracts: their face value and the rules they take ----------------------------

#: A built-in preset's twin for the other kind of contract: data of inverse contracts imported
#: ``--like bybit`` take bybit-inverse's rules, and the other way round.
TWINS = {"bybit": "bybit-inverse", "bybit-inverse": "bybit", "binance": "binance-coinm", "binance-coinm": "binance"}


def contract_types(preset: Mapping[str, Any]) -> set[str]:
    """The kinds of contract (``linear``, ``inverse``) a preset document's symbols are; none for
    a preset whose margin is not a tier table (Deribit's grows with the size), whose rules an
    imported table cannot take."""
    if preset.get("margin", {}).get("maintenance_rate") == "size_scaled":
        return set()
    return {str(s.get("contract_type", "linear")) for s in preset.get("symbols", {}).values()}


def face_values(preset: Mapping[str, Any]) -> dict[str, Decimal]:
    """The face value of each inverse symbol of a preset document, by the venue's name."""
    return {name: Decimal(str(s["face_value"])) for name, s in preset.get("symbols", {}).items()
            if s.get("contract_type") == "inverse" and s.get("face_value") is not None}


def resolve_faces(symbols: dict[str, dict[str, Any]], given: Mapping[str, Decimal], known: Mapping[str, Decimal],
                  source: str, what: str = "the USD one contract is worth") -> None:
    """Give each inverse symbol its face value: the file's, else ``given`` (``--face-value``, by
    the symbol's name, its base, or ``"*"``), else ``known`` (the rules' preset, by name); a file's
    value the option contradicts, or none at all, is an error naming the option, and so is an
    option that names no imported inverse symbol or base (a typo would be ignored). In place."""
    inverse = {n: s for n, s in symbols.items() if s.get("contract_type") == "inverse"}
    unused = sorted(key for key in given if key != "*" and key not in inverse
                    and key not in {s["base"] for s in inverse.values()})
    if unused:
        names = ", ".join(sorted(inverse)) or "none"
        raise PresetError(f"{source}: --face-value {unused[0]}=...: no inverse symbol or base of that name in the file "
                          f"(its inverse symbols: {names})")
    for name, symbol in symbols.items():
        if symbol.get("contract_type") != "inverse":
            continue
        base = symbol["base"]
        option = next((given[key] for key in (name, base, "*") if key in given), None)
        stated = symbol.get("face_value")
        if stated is not None:
            if option is not None and option != stated:
                raise PresetError(f"{source}: the file states a face value of {stated} (contractSize) for {name}; "
                                  f"--face-value says {option}")
            continue
        face = option if option is not None else known.get(name)
        if face is None:
            raise PresetError(f"{source}: {name} is an inverse contract and the file states no face value ({what}); "
                              f"give --face-value {name}=USD (or --face-value {base}=USD)")
        symbol["face_value"] = face


def choose_rules(like: str, symbols: Mapping[str, Mapping[str, Any]], types_of: Callable[[str], set[str]],
                 builtin: Sequence[str]) -> str:
    """The built-in preset whose rules the imported ``symbols`` take: ``like`` when its symbols
    are of the kinds imported; else its twin for the other kind (bybit -> bybit-inverse,
    binance -> binance-coinm) when that holds them all; else an error naming the presets that
    would. ``types_of(name)`` gives a built-in preset's kinds (:func:`contract_types`), read
    only when ``like``'s do not fit."""
    kinds = {name: str(s.get("contract_type", "linear")) for name, s in symbols.items()}
    wanted = set(kinds.values())
    own = types_of(like)
    if wanted <= own:
        return like
    if not own:
        fits = [n for n in builtin if wanted <= types_of(n)]
        raise PresetError(f"--like {like}: its margin is not a tier table (it grows with the position's size), so "
                          "imported tiers cannot take its rules; give a preset with tiers: "
                          + _choices([f"--like {n}" for n in fits]))
    twin = TWINS.get(like)
    if twin is not None and twin in builtin and wanted <= types_of(twin):
        return twin
    builtin_types = {name: types_of(name) for name in builtin}
    if len(wanted) > 1:
        linear = ", ".join(n for n, k in kinds.items() if k == "linear")
        inverse = ", ".join(n for n, k in kinds.items() if k == "inverse")
        both = [n for n, t in builtin_types.items() if wanted <= t]
        hint = f", or --like {' / '.join(both)} (rules for both)" if both else ""
        raise PresetError(f"--like {like}: the file holds linear ({_few(linear)}) and inverse ({_few(inverse)}) "
                          f"contracts, and {like}'s rules are for one kind: import each kind with its own --like{hint}")
    kind = wanted.pop()
    names = list(kinds)
    other = "inverse (coin-margined)" if kind == "inverse" else "linear"
    fits = [n for n, t in builtin_types.items() if kind in t]
    verb = "is" if len(names) == 1 else "are"
    raise PresetError(f"--like {like}: its rules are for {'linear' if kind == 'inverse' else 'inverse'} contracts, and "
                      f"{_few(', '.join(names))} {verb} {other}; give a preset with {kind} rules: "
                      + _choices([f"--like {n}" for n in fits]))


def _few(names: str) -> str:
    parts = names.split(", ")
    return names if len(parts) <= 3 else f"{', '.join(parts[:3])} and {len(parts) - 3} more"


def _choices(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def build_preset(like: dict[str, Any], symbols: dict[str, dict[str, Any]], *, name: str, as_of: Any,
                 source: str, as_of_from: str | None = None) -> dict[str, Any]:
    """A whole preset: the rules of ``like`` (a model dump of a built-in preset) with fresh
    tables, a new name and date, and the import's source added to ``sources``; ``as_of_from``
    says where the date came from (the response's own field, the file's modification date,
    ``--as-of``) and is written in the notes."""
    if not symbols:
        raise PresetError(f"{source}: no symbols found")
    preset = {key: value for key, value in like.items() if key != "symbols"}
    like_name = preset["name"]
    preset["name"] = name
    preset["as_of"] = as_of
    preset["sources"] = [*preset["sources"], source]
    dated = f"as of {as_of}, taken from {as_of_from}" if as_of_from else f"on {as_of}"
    preset["notes"] = [f"Tier tables imported from {source}, {dated}; the rules are those of the built-in "
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
            return pair[: -len(quote)], quote, "delivery" if expiry and expiry != "PERP" else "perpetual"
    raise PresetError(f"{where}: cannot tell the quote asset of {symbol!r} (expected it to end in {', '.join(_QUOTES)})")


def split_inverse(symbol: str, where: str) -> tuple[str, str, str]:
    """Base, quote and kind of a Binance COIN-M or Bybit inverse symbol (``BTCUSD_PERP``,
    ``BTCUSD``): quoted in USD, whatever the coin's name ends in (``BUSD`` is not the quote of
    ``ABUSD_PERP``)."""
    pair, _, expiry = symbol.partition("_")
    if pair.endswith("USD") and len(pair) > 3:
        return pair[:-3], "USD", "delivery" if expiry and expiry != "PERP" else "perpetual"
    return split_symbol(symbol, where)


def _by_symbol(rows: list[Any], where: str, what: str) -> dict[str, list[Mapping[str, Any]]]:
    """An answer's tier rows grouped by their ``symbol``, in the answer's order (each row an
    object, each symbol a text: else an error naming ``where[n]``)."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for n, row in enumerate(rows):
        row = _object(row, f"{where}[{n}]", what)
        grouped.setdefault(_text(row.get("symbol"), f"{where}[{n}].symbol"), []).append(row)
    return grouped


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

    COIN-M's ``GET /dapi/v2/leverageBracket`` (by ``symbol``) or ``/dapi/v1/leverageBracket``
    (by ``pair``, whose perpetual is ``PAIR_PERP``) states its brackets in the coin,
    ``qtyFloor``/``qtyCap``: those symbols are inverse, their bounds and ``cum`` in the coin,
    their face value left to :func:`resolve_faces` (the answer does not state it).
    https://developers.binance.com/docs/derivatives/coin-margined-futures/account/Notional-Bracket-for-Symbol
    """
    rows = [data] if isinstance(data, Mapping) else data
    if not isinstance(rows, list):
        raise PresetError(f"{source}: expected a list of {{symbol, brackets}}")
    symbols: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(rows):
        where = f"{source}[{n}]"
        if not isinstance(row, Mapping) or ("symbol" not in row and "pair" not in row) or "brackets" not in row:
            raise PresetError(f"{where}: expected {{symbol, brackets}}")
        name = _text(row["symbol"], f"{where}.symbol") if "symbol" in row else f"{_text(row['pair'], f'{where}.pair')}_PERP"
        brackets = _list(row["brackets"], f"{where}.brackets", "brackets")
        if not brackets:
            raise PresetError(f"{where}.brackets: empty; expected at least one bracket")
        first = _object(brackets[0], f"{where}.brackets[0]", "a bracket object")
        coin = "qtyFloor" in first or "qtyCap" in first  # COIN-M: bounds in the coin, an inverse contract
        low, high = ("qtyFloor", "qtyCap") if coin else ("notionalFloor", "notionalCap")
        floors = [_decimal(_object(b, f"{where}.brackets[{m}]", "a bracket object").get(low),
                           f"{where}.brackets[{m}].{low}") for m, b in enumerate(brackets)]
        if row.get("notionalCoef") not in (None, 1, "1", 1.0):
            raise PresetError(
                f"{where}.notionalCoef: {row['notionalCoef']} means this account's brackets are scaled; "
                "import the public brackets (notionalCoef 1)"
            )
        base, quote, kind = split_inverse(name, where) if coin else split_symbol(name, where)
        if not coin and quote == "USD":  # never linear: a USD-quoted symbol is COIN-M's, its bounds in the coin
            raise PresetError(
                f"{where}: {name} is quoted in USD, as Binance's COIN-M (inverse) symbols are, but its brackets are "
                "notionalFloor/notionalCap (USDⓈ-M's, in the quote): COIN-M states them in the coin, qtyFloor/qtyCap; "
                "import the /dapi leverageBracket answer as it came"
            )
        tiers = []
        order = sorted(range(len(brackets)), key=lambda m: floors[m])
        for m, bracket in enumerate(brackets[k] for k in order):
            at = f"{where}.brackets[{m}]"
            tiers.append({
                "floor": _decimal(bracket.get(low), f"{at}.{low}"),
                "cap": _decimal(bracket.get(high), f"{at}.{high}"),
                "max_leverage": _decimal(bracket.get("initialLeverage"), f"{at}.initialLeverage"),
                "mmr": _decimal(bracket.get("maintMarginRatio"), f"{at}.maintMarginRatio"),
                "maint_amount": _decimal(bracket.get("cum"), f"{at}.cum"),
            })
        symbols[name] = {"base": base, "quote": quote, "kind": kind, "tiers": tiers}
        if coin:
            symbols[name]["contract_type"] = "inverse"
    return symbols


def from_bybit(data: Any, *, source: str = "risk-limit response",
               names: Mapping[str, tuple[str, str]] | None = None, category: str | None = None) -> dict[str, dict[str, Any]]:
    """Symbols from Bybit ``GET /v5/market/risk-limit``: ``result.list`` of ``{id, symbol,
    riskLimitValue, maintenanceMargin, initialMargin, maxLeverage, mmDeduction}``; each tier
    runs from the previous tier's ``riskLimitValue`` to its own. ``names`` gives each
    symbol's base and quote (``baseCoin``, ``quoteCoin`` of ``/v5/market/instruments-info``);
    without it they are read off the symbol's name.
    https://bybit-exchange.github.io/docs/v5/market/risk-limit

    The answer's ``result.category`` (or ``category``, the request's) says the kind: ``inverse``
    symbols (BTCUSD) are inverse, their ``riskLimitValue`` and ``mmDeduction`` in the coin, their
    face value left to :func:`resolve_faces`. Without a category, a symbol quoted in USD is
    inverse: Bybit's linear contracts settle in USDT or USDC.
    """
    if isinstance(data, Mapping) and data.get("retCode") not in (None, 0):
        raise PresetError(f"{source}: the venue answered retCode {data.get('retCode')}: {data.get('retMsg')}")
    rows = _list(_payload(data, source, "result", "list"), f"{source}: result.list", "risk-limit tiers")
    if category is None:
        stated = data["result"].get("category") if isinstance(data["result"], Mapping) else None
        category = str(stated) if stated not in (None, "") else None
    if category not in (None, "linear", "inverse"):
        raise PresetError(f"{source}: result.category {category!r}; expected linear or inverse risk limits")
    grouped = _by_symbol(rows, f"{source}: result.list", "a risk-limit tier object")
    symbols: dict[str, dict[str, Any]] = {}
    for name, tiers_raw in grouped.items():
        where = f"{source}: {name}"
        if names is not None and name in names:
            (base, quote), kind = names[name], "perpetual"
        elif category == "inverse":
            base, quote, kind = split_inverse(name, where)
        else:
            base, quote, kind = split_symbol(name, where)
            if category == "linear" and quote == "USD":  # never silently linear
                raise PresetError(
                    f"{where}: {name} is quoted in USD, as Bybit's inverse contracts are, but the answer says "
                    "category linear (Bybit's linear contracts settle in USDT or USDC); import the category=inverse "
                    "risk-limit answer"
                )
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
        if category == "inverse" or (category is None and quote == "USD"):
            symbols[name]["contract_type"] = "inverse"
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
    rows = _list(_payload(data, source, "data"), f"{source}: data", "position tiers")
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for n, row in enumerate(rows):
        row = _object(row, f"{source}: data[{n}]", "a position tier object")
        family = row.get("instFamily") or row.get("uly")
        if not family:
            raise PresetError(f"{source}: data[{n}]: a tier without instFamily")
        grouped.setdefault(_text(family, f"{source}: data[{n}].instFamily"), []).append(row)
    symbols: dict[str, dict[str, Any]] = {}
    for family, tiers_raw in grouped.items():
        where = f"{source}: {family}"
        ct_val = contract_sizes.get(family) or contract_sizes.get("*")
        if ct_val is None:
            raise PresetError(
                f"{where}: OKX tiers are in contracts; give --contract-size {family}=CTVAL (e.g. 0.01 for BTC-USDT)"
            )
        base, _, quote = family.partition("-")
        ranks = [_decimal(r.get("tier", 0), f"{where}[{m}].tier") for m, r in enumerate(tiers_raw)]
        ordered = [tiers_raw[k] for k in sorted(range(len(tiers_raw)), key=lambda k: ranks[k])]
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
    universe = _list(_payload(data, source, "universe"), f"{source}.universe", "assets")
    tables: dict[int, list[Mapping[str, Any]]] = {}
    for n, entry in enumerate(_list(data.get("marginTables") or [], f"{source}.marginTables", "[id, table] pairs")):
        where = f"{source}.marginTables[{n}]"
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], Mapping)):
            raise PresetError(f"{where}: expected [id, {{marginTiers: [...]}}]")
        raw_table_id = _decimal(entry[0], f"{where}[0]")
        tiers_raw = _list(entry[1].get("marginTiers"), f"{where}.marginTiers", "tiers")
        if raw_table_id != raw_table_id.to_integral_value() or not tiers_raw:
            raise PresetError(f"{where}: expected [id, {{marginTiers: [...]}}] with a whole id and at least one tier")
        tables[int(raw_table_id)] = [_object(t, f"{where}.marginTiers[{m}]", "a tier object") for m, t in enumerate(tiers_raw)]
    symbols: dict[str, dict[str, Any]] = {}
    for n, asset in enumerate(universe):
        where = f"{source}.universe[{n}]"
        if not isinstance(asset, Mapping) or "name" not in asset:
            raise PresetError(f"{where}: expected {{name, maxLeverage, marginTableId}}")
        if asset.get("isDelisted"):
            continue
        raw_id = _decimal(asset.get("marginTableId", asset.get("maxLeverage")), f"{where}.marginTableId")
        if raw_id != raw_id.to_integral_value() or raw_id < 1:
            raise PresetError(f"{where}.marginTableId: expected a whole number of 1 or more, got {raw_id}")
        table_id = int(raw_id)
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
        coin = _text(asset["name"], f"{where}.name")
        symbols[coin] = {"base": coin, "quote": "USDC", "kind": "perpetual", "tiers": tiers}
    return symbols


def from_bitget(data: Any, *, source: str = "query-position-lever response") -> dict[str, dict[str, Any]]:
    """Symbols from Bitget ``GET /api/v2/mix/market/query-position-lever``: ``data`` rows of
    ``{symbol, level, startUnit, endUnit, leverage, keepMarginRate}``, the bounds a position
    value in the quote coin (USDT), no maintenance deduction. ``code`` "00000" is success.
    https://www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever
    """
    if isinstance(data, Mapping) and str(data.get("code", "00000")) != "00000":
        raise PresetError(f"{source}: the venue answered code {data.get('code')}: {data.get('msg')}")
    rows = _list(_payload(data, source, "data"), f"{source}: data", "position tiers")
    grouped = _by_symbol(rows, f"{source}: data", "a position tier object")
    symbols: dict[str, dict[str, Any]] = {}
    for name, tiers_raw in grouped.items():
        where = f"{source}: {name}"
        base, quote, kind = split_symbol(name, where)
        levels = [_decimal(r.get("level"), f"{where}[{m}].level") for m, r in enumerate(tiers_raw)]
        ordered = [tiers_raw[k] for k in sorted(range(len(tiers_raw)), key=lambda k: levels[k])]
        tiers = []
        for m, row in enumerate(ordered):
            at = f"{where}[{m}]"
            tiers.append({
                "floor": _decimal(row.get("startUnit"), f"{at}.startUnit"),
                "cap": _decimal(row.get("endUnit"), f"{at}.endUnit"),
                "max_leverage": _decimal(row.get("leverage"), f"{at}.leverage"),
                "mmr": _decimal(row.get("keepMarginRate"), f"{at}.keepMarginRate"),
            })
        symbols[name] = {"base": base, "quote": quote, "kind": kind, "tiers": tiers}
    return symbols


#: dYdX market statuses whose markets hold no positions to price (not yet open, or settled).
_DYDX_CLOSED = ("INITIALIZING", "FINALSETTLEMENT")


def from_dydx(data: Any, *, source: str = "perpetualMarkets response") -> dict[str, dict[str, Any]]:
    """Symbols from the dYdX v4 indexer's ``GET /v4/perpetualMarkets``: ``markets``, a map of
    ticker to ``{ticker, status, initialMarginFraction, maintenanceMarginFraction, ...}``.
    Each market is one tier without a cap: max leverage 1 / IMF, maintenance rate MMF.
    Markets initializing or in final settlement are skipped.
    https://docs.dydx.exchange/indexer-client/http/markets/get_perpetual_markets
    """
    markets = _object(_payload(data, source, "markets"), f"{source}: markets", "a map of ticker to market")
    symbols: dict[str, dict[str, Any]] = {}
    for ticker, market in markets.items():
        where = f"{source}: markets.{ticker}"
        market = _object(market, where, "a market object")
        status = str(market.get("status", "")).upper().replace("_", "")
        if status in _DYDX_CLOSED:
            continue
        name = _text(market.get("ticker", ticker), f"{where}.ticker")
        base, dash, quote = name.partition("-")
        if not dash or not base or not quote:
            raise PresetError(f"{where}.ticker: expected BASE-QUOTE (BTC-USD), got {_shown(name)}")
        imf = _decimal(market.get("initialMarginFraction"), f"{where}.initialMarginFraction")
        mmf = _decimal(market.get("maintenanceMarginFraction"), f"{where}.maintenanceMarginFraction")
        if not 0 < mmf < imf <= 1:
            raise PresetError(
                f"{where}: expected 0 < maintenanceMarginFraction < initialMarginFraction <= 1, got {mmf} and {imf}"
            )
        symbols[name] = {"base": base, "quote": quote, "kind": "perpetual",
                         "tiers": [{"floor": Decimal(0), "max_leverage": _leverage_of(imf), "mmr": mmf}]}
    return symbols


def _leverage_of(fraction: Decimal) -> Decimal:
    """1 / an initial margin fraction, exact when it is (0.05 -> 20), else rounded down to
    4 decimals (0.03 -> 33.3333), never above what the venue allows."""
    import decimal

    leverage = Decimal(1) / fraction
    if leverage * fraction == 1:
        return leverage.normalize()
    return leverage.quantize(Decimal("0.0001"), rounding=decimal.ROUND_DOWN)
