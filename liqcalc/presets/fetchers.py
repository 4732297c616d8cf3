"""``liqcalc presets fetch``: download a venue's current tier tables from its public endpoints.

One :class:`Fetcher` per venue in :data:`FETCHERS` (host, endpoints, the function that
requests and parses); adding a venue, or a category of one (``bybit-inverse``), is one entry.
The parsers are the importers' (:mod:`liqcalc.presets.importers`), so a fetch builds the very
preset ``presets import`` builds from the same answers; the preset is then checked as
``presets validate`` checks a file, and written atomically. Nothing is written on any failure,
and a download missing a symbol's table is a failure, never a smaller preset.

Each entry fetches one kind of contract: the linear perpetuals (``bybit``, ``okx``, ...) or,
for ``bybit-inverse``, Bybit's inverse perpetuals, written as inverse (``contract_type``,
``face_value``, tiers in the coin); a fetched symbol of a kind its rules do not hold is an
error, never silently linear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from liqcalc.core.errors import LiqcalcError, PresetError
from liqcalc.presets import importers
from liqcalc.presets.http import DEFAULT_BUDGET, Budget, FetchError, Http


class Progress(Protocol):
    """Where a fetcher reports its requests (a progress bar, or nothing)."""

    def start(self, what: str, total: int | None) -> None: ...
    def advance(self) -> None: ...


class Silent:
    """No progress shown."""

    def start(self, what: str, total: int | None) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass
class Context:
    """What one fetch works with: the connection, the host, the symbols asked for."""

    fetcher: Fetcher
    http: Http
    base_url: str
    wanted: tuple[str, ...] | None
    progress: Progress
    pace: float
    main_quote: str
    sleep: Callable[[float], None] = time.sleep
    used: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        address = f"{self.base_url}{path}"
        if address not in self.used:
            self.used.append(address)
        return address

    def paced(self, n: int) -> None:
        """Wait between the requests of a per-symbol loop (the venue's rate limit)."""
        if n and self.pace > 0:
            self.sleep(self.pace)

    def source(self, path: str) -> str:
        return f"{self.fetcher.venue} {path}"

    def select(self, listed: Mapping[str, tuple[str, str]]) -> list[str]:
        """The listed symbols (name -> base, quote) that ``--symbols`` asks for, all without
        it; a name asked for that is not listed is an error naming it."""
        if self.wanted is None:
            return list(listed)
        chosen: list[str] = []
        for query in self.wanted:
            folded = query.strip().casefold()
            names = [n for n in listed if n.casefold() == folded]
            if not names:
                bases = [n for n, (base, _) in listed.items() if base.casefold() == folded]
                main = [n for n in bases if listed[n][1] == self.main_quote]
                names = main[:1] or bases[:1]
            if not names:
                raise FetchError(
                    f"--symbols: {query} is not a {self.fetcher.title} that {self.base_url} lists "
                    f"({len(listed)} listed; give the venue's names, e.g. {', '.join(sorted(listed)[:3])})"
                )
            chosen.extend(n for n in names if n not in chosen)
        return chosen


FetchFunction = Callable[[Context], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Fetcher:
    """One venue's public tier tables: where they are and how they are read."""

    venue: str
    """The name on the command line, and of the preset written (``--name`` changes it)."""
    like: str
    """The built-in preset whose rules (fees, waterfall, ADL) the fetched tables get."""
    title: str
    """What it fetches, in words (``Bybit linear perpetual``)."""
    host: str
    """The venue's public API host (``--base-url`` replaces it)."""
    endpoints: tuple[str, ...]
    """The paths requested, written in the preset's sources."""
    docs: tuple[str, ...]
    """The venue's documentation of those endpoints."""
    fetch: FetchFunction
    options: Mapping[str, str] = field(default_factory=dict)
    """Per-entry parameters of ``fetch`` (a category, a product type)."""
    pace: float = 0.0
    """Seconds between the requests of a per-symbol loop (the venue's stated rate limit)."""
    needs: tuple[str, ...] = ()
    """Environment variables the fetch needs (a signed endpoint's key and secret)."""
    notes: tuple[str, ...] = ()


# -- the venues -----------------------------------------------------------------------------


def _bybit_result(data: Any, source: str) -> Mapping[str, Any]:
    """``result`` of a Bybit v5 answer, or the venue's error (``retCode`` != 0)."""
    if not isinstance(data, Mapping):
        raise FetchError(f"{source}: expected Bybit's {{retCode, result}} answer")
    if data.get("retCode") != 0:
        raise FetchError(f"{source}: the venue answered retCode {data.get('retCode')}: {data.get('retMsg')}")
    result = data.get("result")
    if not isinstance(result, Mapping) or not isinstance(result.get("list"), list):
        raise FetchError(f"{source}: expected result.list in Bybit's answer")
    return result


#: Most pages read from one cursor-paginated list (Bybit answers 15 symbols a page).
MAX_PAGES = 2000


def _bybit_pages(ctx: Context, path: str, params: Mapping[str, str]) -> list[Any]:
    """Every row of a cursor-paginated Bybit list (``nextPageCursor``, empty on the last page)."""
    rows: list[Any] = []
    cursor = ""
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        query = dict(params, cursor=cursor) if cursor else dict(params)
        ctx.paced(page)
        result = _bybit_result(ctx.http.get(ctx.url(path), query), f"{ctx.source(path)} (page {page + 1})")
        ctx.progress.advance()
        rows.extend(result["list"])
        cursor = str(result.get("nextPageCursor") or "")
        if not cursor:
            return rows
        if cursor in seen:
            raise FetchError(f"{ctx.source(path)}: page {page + 1} gives a cursor already followed; the list never ends")
        seen.add(cursor)
    raise FetchError(f"{ctx.source(path)}: more than {MAX_PAGES} pages")


def fetch_bybit(ctx: Context) -> dict[str, dict[str, Any]]:
    """Bybit v5: ``instruments-info`` (which symbols are perpetuals of this category, their
    base and quote coins), then ``risk-limit`` of the whole category, page by page."""
    category, contract_type = ctx.fetcher.options["category"], ctx.fetcher.options["contract_type"]
    ctx.progress.start(f"{ctx.fetcher.venue}: instruments", None)
    instruments = _bybit_pages(ctx, "/v5/market/instruments-info", {"category": category, "limit": "1000"})
    listed: dict[str, tuple[str, str]] = {}
    for n, row in enumerate(instruments):
        if not isinstance(row, Mapping):
            raise FetchError(f"{ctx.source('/v5/market/instruments-info')}: list[{n}] is not an instrument object")
        if row.get("contractType") == contract_type and row.get("status") == "Trading":
            listed[str(row.get("symbol"))] = (str(row.get("baseCoin")), str(row.get("quoteCoin")))
    chosen = ctx.select(listed)
    path = "/v5/market/risk-limit"
    if ctx.wanted is not None:
        ctx.progress.start(f"{ctx.fetcher.venue}: risk limits", len(chosen))
        rows: list[Any] = []
        for n, symbol in enumerate(chosen):
            ctx.paced(n)
            result = _bybit_result(ctx.http.get(ctx.url(path), {"category": category, "symbol": symbol}),
                                   f"{ctx.source(path)} ({symbol})")
            ctx.progress.advance()
            rows.extend(result["list"])
    else:
        ctx.progress.start(f"{ctx.fetcher.venue}: risk limits", None)
        rows = _bybit_pages(ctx, path, {"category": category})
    keep = set(chosen)
    rows = [row for row in rows if isinstance(row, Mapping) and row.get("symbol") in keep]
    symbols = importers.from_bybit({"result": {"list": rows}}, source=ctx.source(path),
                                   names={name: listed[name] for name in chosen}, category=category)
    if "face_value" in ctx.fetcher.options:  # the venue's face value, for every inverse contract it lists
        importers.resolve_faces(symbols, {"*": Decimal(ctx.fetcher.options["face_value"])}, {}, ctx.source(path))
    return _all_there(ctx, chosen, symbols, path)


def fetch_okx(ctx: Context) -> dict[str, dict[str, Any]]:
    """OKX v5: ``instruments`` (SWAP; the linear ones, their family and ``ctVal``), then
    ``position-tiers`` of each family (isolated margin). Tiers are in contracts; with ctVal
    they become the base asset (``tier_unit = "base"``), as in the built-in okx preset."""
    path = "/api/v5/public/instruments"
    answer = ctx.http.get(ctx.url(path), {"instType": "SWAP"})
    rows = _okx_data(answer, ctx.source(path))
    families: dict[str, Decimal] = {}
    listed: dict[str, tuple[str, str]] = {}
    for n, row in enumerate(rows):
        where = f"{ctx.source(path)}: data[{n}]"
        if not isinstance(row, Mapping):
            raise FetchError(f"{where}: not an instrument object")
        if row.get("ctType") != "linear" or row.get("state") not in ("live", "suspend"):
            continue
        family = str(row.get("instFamily") or row.get("uly") or "")
        base, _, quote = family.partition("-")
        if not base or not quote or row.get("ctValCcy") not in (None, "", base):
            raise FetchError(f"{where}: expected a linear swap of family BASE-QUOTE valued in BASE, got "
                             f"{family!r} valued in {row.get('ctValCcy')!r}")
        try:
            families[family] = importers._decimal(row.get("ctVal"), f"{where}.ctVal")
        except PresetError as error:
            raise FetchError(str(error)) from None
        listed[f"{family}-SWAP"] = (base, quote)
    chosen = ctx.select(listed)
    tiers_path = "/api/v5/public/position-tiers"
    ctx.progress.start(f"{ctx.fetcher.venue}: position tiers", len(chosen))
    combined: list[Any] = []
    for n, name in enumerate(chosen):
        family = name.removesuffix("-SWAP")
        ctx.paced(n)
        answer = ctx.http.get(ctx.url(tiers_path), {"instType": "SWAP", "tdMode": "isolated", "instFamily": family})
        combined.extend(_okx_data(answer, f"{ctx.source(tiers_path)} ({family})"))
        ctx.progress.advance()
    sizes = {name.removesuffix("-SWAP"): families[name.removesuffix("-SWAP")] for name in chosen}
    symbols = importers.from_okx({"code": "0", "data": combined}, sizes, source=ctx.source(tiers_path))
    return _all_there(ctx, chosen, symbols, tiers_path)


def _okx_data(answer: Any, source: str) -> list[Any]:
    if not isinstance(answer, Mapping) or not isinstance(answer.get("data"), list):
        raise FetchError(f"{source}: expected OKX's {{code, data}} answer")
    if str(answer.get("code")) != "0":
        raise FetchError(f"{source}: the venue answered code {answer.get('code')}: {answer.get('msg')}")
    return list(answer["data"])


def fetch_bitget(ctx: Context) -> dict[str, dict[str, Any]]:
    """Bitget v2: ``contracts`` of the product type (the perpetuals), then
    ``query-position-lever`` of each symbol."""
    product = ctx.fetcher.options["productType"]
    path = "/api/v2/mix/market/contracts"
    rows = _bitget_data(ctx.http.get(ctx.url(path), {"productType": product}), ctx.source(path))
    listed: dict[str, tuple[str, str]] = {}
    for n, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise FetchError(f"{ctx.source(path)}: data[{n}] is not a contract object")
        if row.get("symbolType") == "perpetual" and row.get("symbolStatus") in ("normal", "limit_open", "restrictedAPI", "maintain"):
            listed[str(row.get("symbol"))] = (str(row.get("baseCoin")), str(row.get("quoteCoin")))
    chosen = ctx.select(listed)
    tiers_path = "/api/v2/mix/market/query-position-lever"
    ctx.progress.start(f"{ctx.fetcher.venue}: position tiers", len(chosen))
    combined: list[Any] = []
    for n, symbol in enumerate(chosen):
        ctx.paced(n)
        answer = ctx.http.get(ctx.url(tiers_path), {"symbol": symbol, "productType": product})
        combined.extend(_bitget_data(answer, f"{ctx.source(tiers_path)} ({symbol})"))
        ctx.progress.advance()
    symbols = importers.from_bitget({"code": "00000", "data": combined}, source=ctx.source(tiers_path))
    for name in symbols:
        symbols[name]["base"], symbols[name]["quote"] = listed[name]
    return _all_there(ctx, chosen, symbols, tiers_path)


def _bitget_data(answer: Any, source: str) -> list[Any]:
    if not isinstance(answer, Mapping) or not isinstance(answer.get("data"), list):
        raise FetchError(f"{source}: expected Bitget's {{code, data}} answer")
    if str(answer.get("code")) != "00000":
        raise FetchError(f"{source}: the venue answered code {answer.get('code')}: {answer.get('msg')}")
    return list(answer["data"])


def fetch_hyperliquid(ctx: Context) -> dict[str, dict[str, Any]]:
    """Hyperliquid: ``POST /info {"type": "meta"}``, every coin of the main perp dex and
    the margin tables by id (ids below 50 are one tier at that leverage)."""
    path = "/info"
    answer = ctx.http.post(ctx.url(path), {"type": "meta"})
    if not isinstance(answer, Mapping):
        raise FetchError(f"{ctx.source(path)}: expected the meta object {{universe, marginTables}}")
    symbols = importers.from_hyperliquid(answer, source=ctx.source(path))
    chosen = ctx.select({name: (s["base"], s["quote"]) for name, s in symbols.items()})
    return {name: symbols[name] for name in chosen}


def fetch_dydx(ctx: Context) -> dict[str, dict[str, Any]]:
    """dYdX v4 indexer: ``GET /v4/perpetualMarkets``, every market's initial and maintenance
    margin fractions (one tier each)."""
    path = "/v4/perpetualMarkets"
    answer = ctx.http.get(ctx.url(path))
    symbols = importers.from_dydx(answer, source=ctx.source(path))
    chosen = ctx.select({name: (s["base"], s["quote"]) for name, s in symbols.items()})
    return {name: symbols[name] for name in chosen}


#: The environment variables of Binance's signed leverageBracket (never an option, never logged).
BINANCE_KEY, BINANCE_SECRET = "LIQCALC_BINANCE_API_KEY", "LIQCALC_BINANCE_API_SECRET"


def binance_missing() -> str | None:
    """Why the Binance fetch cannot run (its key or secret not in the environment), or None."""
    if os.environ.get(BINANCE_KEY) and os.environ.get(BINANCE_SECRET):
        return None
    return (f"binance: GET /fapi/v1/leverageBracket is a signed endpoint; set {BINANCE_KEY} and {BINANCE_SECRET} "
            "(a read-only key), or save ccxt's binanceusdm().fetch_leverage_tiers() as JSON and run "
            "`liqcalc presets import FILE --format ccxt --like binance`")


def fetch_binance(ctx: Context) -> dict[str, dict[str, Any]]:
    """Binance USDⓈ-M: the signed ``GET /fapi/v1/leverageBracket`` (HMAC SHA256 of the query,
    the key in ``X-MBX-APIKEY``), the perpetuals only. The key and secret are read from the
    environment here and go nowhere else: not in a message, not in the preset."""
    missing = binance_missing()
    if missing is not None:
        raise FetchError(missing)
    key, secret = os.environ[BINANCE_KEY], os.environ[BINANCE_SECRET]
    path = "/fapi/v1/leverageBracket"
    query = f"recvWindow=10000&timestamp={int(time.time() * 1000)}"
    signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    answer = ctx.http.get(f"{ctx.url(path)}?{query}&signature={signature}", headers={"X-MBX-APIKEY": key})
    if isinstance(answer, Mapping) and "code" in answer and "brackets" not in answer:
        raise FetchError(f"{ctx.source(path)}: the venue answered code {answer.get('code')}: {answer.get('msg')}")
    symbols = importers.from_binance(answer, source=ctx.source(path))
    perpetual = {name: (s["base"], s["quote"]) for name, s in symbols.items() if s["kind"] == "perpetual"}
    return {name: symbols[name] for name in ctx.select(perpetual)}


def _all_there(ctx: Context, chosen: Iterable[str], symbols: dict[str, dict[str, Any]], path: str) -> dict[str, dict[str, Any]]:
    """The tables of every chosen symbol, or an error: a partial download is never saved."""
    missing = [name for name in chosen if name not in symbols]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise FetchError(f"{ctx.source(path)}: no tiers for {shown}, which the venue lists; nothing written "
                         "(leave them out with --symbols)")
    return {name: symbols[name] for name in chosen}


FETCHERS: dict[str, Fetcher] = {
    fetcher.venue: fetcher
    for fetcher in (
        Fetcher(
            venue="binance", like="binance", title="Binance USDⓈ-M perpetual", host="https://fapi.binance.com",
            endpoints=("/fapi/v1/leverageBracket",),
            docs=("https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets",),
            fetch=fetch_binance, needs=(BINANCE_KEY, BINANCE_SECRET),
        ),
        Fetcher(
            venue="bybit", like="bybit", title="Bybit linear perpetual", host="https://api.bybit.com",
            endpoints=("/v5/market/instruments-info", "/v5/market/risk-limit"),
            docs=("https://bybit-exchange.github.io/docs/v5/market/instrument",
                  "https://bybit-exchange.github.io/docs/v5/market/risk-limit"),
            fetch=fetch_bybit, options={"category": "linear", "contract_type": "LinearPerpetual"}, pace=0.05,
        ),
        Fetcher(
            venue="bybit-inverse", like="bybit-inverse", title="Bybit inverse perpetual", host="https://api.bybit.com",
            endpoints=("/v5/market/instruments-info", "/v5/market/risk-limit"),
            docs=("https://bybit-exchange.github.io/docs/v5/market/instrument",
                  "https://bybit-exchange.github.io/docs/v5/market/risk-limit"),
            fetch=fetch_bybit, options={"category": "inverse", "contract_type": "InversePerpetual", "face_value": "1"},
            pace=0.05,
            notes=("Face value: 1 USD a contract for every inverse perpetual fetched, as the built-in bybit-inverse "
                   "preset states it for BTCUSD (Bybit's inverse contracts are quoted in USD, one contract = 1 USD); "
                   "the risk-limit answer does not state it. Tier bounds and deductions are in the coin.",),
        ),
        Fetcher(
            venue="okx", like="okx", title="OKX linear perpetual swap", host="https://www.okx.com",
            endpoints=("/api/v5/public/instruments", "/api/v5/public/position-tiers"),
            docs=("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments",
                  "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers"),
            fetch=fetch_okx, pace=0.2,
        ),
        Fetcher(
            venue="bitget", like="bitget", title="Bitget USDT-M perpetual", host="https://api.bitget.com",
            endpoints=("/api/v2/mix/market/contracts", "/api/v2/mix/market/query-position-lever"),
            docs=("https://www.bitget.com/api-doc/contract/market/Get-All-Symbols-Contracts",
                  "https://www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever"),
            fetch=fetch_bitget, options={"productType": "USDT-FUTURES"}, pace=0.1,
        ),
        Fetcher(
            venue="hyperliquid", like="hyperliquid", title="Hyperliquid perpetual (main dex)",
            host="https://api.hyperliquid.xyz", endpoints=("/info",),
            docs=("https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals",
                  "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers"),
            fetch=fetch_hyperliquid,
        ),
        Fetcher(
            venue="dydx", like="dydx", title="dYdX v4 perpetual market", host="https://indexer.dydx.trade",
            endpoints=("/v4/perpetualMarkets",),
            docs=("https://docs.dydx.exchange/indexer-client/http/markets/get_perpetual_markets",),
            fetch=fetch_dydx,
            notes=("Margin fractions are the indexer's initialMarginFraction and maintenanceMarginFraction per "
                   "market; markets with open-interest caps raise their initial fraction as open interest grows, "
                   "which one fetched tier does not follow.",),
        ),
    )
}


# -- fetch, check, write ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """One venue's fetched preset, checked, not yet written."""

    fetcher: Fetcher
    target: Path
    text: str
    symbols: int
    as_of: dt.date
    base_url: str


def fetch_preset(
    venue: str,
    *,
    target: Path,
    name: str | None = None,
    base_url: str | None = None,
    timeout: float = 10.0,
    wanted: tuple[str, ...] | None = None,
    progress: Progress | None = None,
    budget: Budget = DEFAULT_BUDGET,
    pace: float | None = None,
    today: dt.date | None = None,
) -> Fetched:
    """Download ``venue``'s tables, build the preset (the rules of its built-in preset,
    ``as_of`` today, the endpoints in ``sources``) and check it as ``presets validate``
    does. Nothing is written: :func:`write` does that."""
    from liqcalc.presets import loader
    from liqcalc.presets.writer import checked_text

    fetcher = FETCHERS[venue]
    base = (base_url or fetcher.host).rstrip("/")
    like_path = loader.builtin_dir() / f"{fetcher.like}.toml"
    main_quote = loader.load_path(like_path, "built-in").venue.main_quote  # cached: no parse before the download
    date = today or loader.today()
    with Http(venue=venue, timeout=timeout, budget=budget) as http:
        ctx = Context(fetcher=fetcher, http=http, base_url=base, wanted=wanted, progress=progress or Silent(),
                      pace=fetcher.pace if pace is None else pace, main_quote=main_quote)
        try:
            symbols = fetcher.fetch(ctx)
        except LiqcalcError as error:
            raise FetchError(f"{error}; nothing written") from None
        except (TypeError, KeyError, AttributeError, ValueError, ArithmeticError) as error:
            raise FetchError(f"{venue}: an answer liqcalc cannot read ({type(error).__name__}: {error}); nothing written") from None
    if not symbols:
        raise FetchError(f"{venue}: {base} lists no {fetcher.title}; nothing written")
    like_model = loader.parse(like_path)
    like_document = like_model.model_dump(exclude_unset=True)
    kinds = {str(s.get("contract_type", "linear")) for s in symbols.values()}
    if not kinds <= importers.contract_types(like_document):  # never a contract under the other kind's rules
        raise FetchError(f"{venue}: {base} answered {' and '.join(sorted(kinds))} contracts, and the rules of "
                         f"{fetcher.like} are for {' and '.join(sorted(importers.contract_types(like_document)))} "
                         "ones; nothing written")
    what = f"`liqcalc presets fetch {venue}` from {base}"
    document = importers.build_preset(like_document, symbols, name=name or venue, as_of=date, source=what,
                                      as_of_from="the day of the fetch")
    document["sources"] = [*like_model.sources, *(f"{url} (fetched on {date})" for url in ctx.used), *fetcher.docs]
    document["notes"] = [*document["notes"], *fetcher.notes]
    text = checked_text(document, f"fetched {venue}")
    return Fetched(fetcher=fetcher, target=target, text=text, symbols=len(symbols), as_of=date, base_url=base)


def write(fetched: Fetched, *, force: bool) -> None:
    """Write a checked preset atomically (never over a file without ``force``)."""
    from liqcalc.presets.writer import write_atomic

    write_atomic(fetched.target, fetched.text, force=force)
