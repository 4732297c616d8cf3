"""`liqcalc presets fetch` against a real HTTP server on 127.0.0.1 serving answers in each
venue's documented format: what is written, or that nothing is."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from venue_server import Answer, VenueServer

from liqcalc.cli import app
from liqcalc.presets import fetchers
from liqcalc.presets.http import Budget, FetchError
from liqcalc.presets.loader import load, load_path

runner = CliRunner()
D = Decimal
FAST = Budget(retries=3, backoff=0.001, longest_wait=0.01, total_wait=1)


@pytest.fixture
def server() -> Iterator[VenueServer]:
    with VenueServer() as running:
        yield running


def run_fetch(*args: str) -> Any:
    return runner.invoke(app, ["presets", "fetch", *args])


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(), parse_float=Decimal)


# -- recorded answers, in the shapes of the venues' documentation --------------------------------

def bybit(rows: list[dict[str, Any]], cursor: str = "", code: int = 0, message: str = "OK") -> dict[str, Any]:
    """https://bybit-exchange.github.io/docs/v5/market/risk-limit (and instruments-info)."""
    return {"retCode": code, "retMsg": message, "result": {"category": "linear", "list": rows, "nextPageCursor": cursor},
            "retExtInfo": {}, "time": 1795737600000}


def instrument(symbol: str, base: str, quote: str, kind: str = "LinearPerpetual", status: str = "Trading") -> dict[str, Any]:
    return {"symbol": symbol, "contractType": kind, "status": status, "baseCoin": base, "quoteCoin": quote,
            "settleCoin": quote}


def risk(symbol: str, n: int, value: str, mm: str, im: str, lev: str, deduction: str) -> dict[str, Any]:
    return {"id": n, "symbol": symbol, "riskLimitValue": value, "maintenanceMargin": mm, "initialMargin": im,
            "isLowestRisk": 1 if n == 1 else 0, "maxLeverage": lev, "mmDeduction": deduction}


BYBIT_INSTRUMENTS = bybit([
    instrument("BTCUSDT", "BTC", "USDT"), instrument("ETHUSDT", "ETH", "USDT"), instrument("BTCPERP", "BTC", "USDC"),
    instrument("BTC-26DEC26", "BTC", "USDC", kind="LinearFutures"), instrument("NEWUSDT", "NEW", "USDT", status="PreLaunch"),
])
BYBIT_PAGE_1 = bybit([
    risk("BTCUSDT", 1, "300000", "0.0033", "0.0066", "150.00", ""),
    risk("BTCUSDT", 2, "2000000", "0.005", "0.01", "100.00", "510"),
    risk("ETHUSDT", 1, "200000", "0.0033", "0.0066", "150.00", ""),
], cursor="page2")
BYBIT_PAGE_2 = bybit([
    risk("BTCPERP", 1, "1000000", "0.005", "0.01", "100.00", ""),
    risk("BTC-26DEC26", 1, "1000000", "0.01", "0.02", "50.00", ""),
])


def serve_bybit(server: VenueServer, *page_2: Any) -> None:
    server.route("/v5/market/instruments-info", BYBIT_INSTRUMENTS)
    server.route("/v5/market/risk-limit", *(page_2 or (BYBIT_PAGE_2,)), cursor="page2")
    server.route("/v5/market/risk-limit", BYBIT_PAGE_1)


BYBIT_INVERSE_INSTRUMENTS = bybit([
    instrument("BTCUSD", "BTC", "USD", kind="InversePerpetual"), instrument("ETHUSD", "ETH", "USD", kind="InversePerpetual"),
    instrument("BTCUSDH27", "BTC", "USD", kind="InverseFutures"),
])
BYBIT_INVERSE_RISK = bybit([
    risk("BTCUSD", 1, "150", "0.005", "0.01", "100.00", ""),
    risk("BTCUSD", 2, "300", "0.01", "0.015", "66.66", "0.75"),
    risk("ETHUSD", 1, "5000", "0.005", "0.01", "100.00", ""),
    risk("BTCUSDH27", 1, "150", "0.005", "0.01", "100.00", ""),
])


def serve_bybit_inverse(server: VenueServer) -> None:
    """Bybit's category=inverse answers (risk limits in the coin); before serve_bybit's routes."""
    server.route("/v5/market/instruments-info", BYBIT_INVERSE_INSTRUMENTS, category="inverse")
    server.route("/v5/market/risk-limit", BYBIT_INVERSE_RISK, category="inverse")


def okx(rows: list[dict[str, Any]], code: str = "0", msg: str = "") -> dict[str, Any]:
    """https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers (and get-instruments)."""
    return {"code": code, "msg": msg, "data": rows}


OKX_INSTRUMENTS = okx([
    {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "instFamily": "BTC-USDT", "uly": "BTC-USDT", "ctVal": "0.01",
     "ctValCcy": "BTC", "ctType": "linear", "settleCcy": "USDT", "state": "live"},
    {"instType": "SWAP", "instId": "BTC-USD-SWAP", "instFamily": "BTC-USD", "uly": "BTC-USD", "ctVal": "100",
     "ctValCcy": "USD", "ctType": "inverse", "settleCcy": "BTC", "state": "live"},
    {"instType": "SWAP", "instId": "ETH-USDT-SWAP", "instFamily": "ETH-USDT", "uly": "ETH-USDT", "ctVal": "0.1",
     "ctValCcy": "ETH", "ctType": "linear", "settleCcy": "USDT", "state": "live"},
])


def okx_tier(family: str, n: int, low: str, high: str, mmr: str, imr: str, lever: str) -> dict[str, Any]:
    return {"uly": family, "instFamily": family, "instId": "", "tier": str(n), "minSz": low, "maxSz": high, "mmr": mmr,
            "imr": imr, "maxLever": lever, "optMgnFactor": "", "quoteMaxLoan": "", "baseMaxLoan": "", "ts": "1795737600000"}


def serve_okx(server: VenueServer, eth: Any = None) -> None:
    server.route("/api/v5/public/instruments", OKX_INSTRUMENTS, instType="SWAP")
    server.route("/api/v5/public/position-tiers", okx([
        okx_tier("BTC-USDT", 1, "0", "1000", "0.004", "0.01", "100"),
        okx_tier("BTC-USDT", 2, "1001", "2000", "0.005", "0.0125", "75"),
    ]), instFamily="BTC-USDT", tdMode="isolated", instType="SWAP")
    server.route("/api/v5/public/position-tiers", eth or okx([okx_tier("ETH-USDT", 1, "0", "5000", "0.004", "0.01", "100")]),
                 instFamily="ETH-USDT")


def bitget(rows: list[dict[str, Any]], code: str = "00000", msg: str = "success") -> dict[str, Any]:
    """https://www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever (and contracts)."""
    return {"code": code, "msg": msg, "requestTime": 1795737600000, "data": rows}


def bitget_tier(symbol: str, level: int, start: str, end: str, lev: str, rate: str) -> dict[str, Any]:
    return {"symbol": symbol, "level": str(level), "startUnit": start, "endUnit": end, "leverage": lev, "keepMarginRate": rate}


def serve_bitget(server: VenueServer, eth: list[dict[str, Any]] | None = None) -> None:
    server.route("/api/v2/mix/market/contracts", bitget([
        {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "symbolType": "perpetual", "symbolStatus": "normal"},
        {"symbol": "ETHUSDT", "baseCoin": "ETH", "quoteCoin": "USDT", "symbolType": "perpetual", "symbolStatus": "normal"},
        {"symbol": "BTCUSDT0327", "baseCoin": "BTC", "quoteCoin": "USDT", "symbolType": "delivery", "symbolStatus": "normal"},
    ]), productType="USDT-FUTURES")
    server.route("/api/v2/mix/market/query-position-lever", bitget([
        bitget_tier("BTCUSDT", 1, "0", "200000", "150", "0.004"), bitget_tier("BTCUSDT", 2, "200000", "1000000", "100", "0.005"),
    ]), symbol="BTCUSDT")
    server.route("/api/v2/mix/market/query-position-lever",
                 bitget(eth or [bitget_tier("ETHUSDT", 1, "0", "100000", "100", "0.005")]), symbol="ETHUSDT")


HYPERLIQUID_META = {
    "universe": [
        {"szDecimals": 5, "name": "BTC", "maxLeverage": 40, "marginTableId": 56},
        {"szDecimals": 0, "name": "DOGE", "maxLeverage": 10, "marginTableId": 10},
        {"szDecimals": 1, "name": "OLD", "maxLeverage": 3, "marginTableId": 3, "isDelisted": True, "onlyIsolated": True},
    ],
    "marginTables": [[56, {"description": "tiered 40x", "marginTiers": [
        {"lowerBound": "0.0", "maxLeverage": 40}, {"lowerBound": "150000000.0", "maxLeverage": 20}]}]],
    "collateralToken": 0,
}

DYDX_MARKETS = {"markets": {
    "BTC-USD": {"ticker": "BTC-USD", "status": "ACTIVE", "initialMarginFraction": "0.02", "maintenanceMarginFraction": "0.012",
                "marketType": "CROSS", "openInterest": "1000", "clobPairId": "0", "atomicResolution": -10},
    "SOL-USD": {"ticker": "SOL-USD", "status": "ACTIVE", "initialMarginFraction": "0.03", "maintenanceMarginFraction": "0.018",
                "marketType": "CROSS", "openInterest": "10", "clobPairId": "2", "atomicResolution": -7},
    "OLD-USD": {"ticker": "OLD-USD", "status": "FINAL_SETTLEMENT", "initialMarginFraction": "1",
                "maintenanceMarginFraction": "0", "marketType": "ISOLATED"},
}}


# -- what is written --------------------------------------------------------------------------


def test_bybit_follows_the_cursor_and_keeps_only_linear_perpetuals(server: VenueServer, tmp_path: Path) -> None:
    serve_bybit(server)
    target = tmp_path / "bybit-now.toml"
    result = run_fetch("bybit", "--base-url", server.url, "--output", str(target), "--name", "bybit-now")
    assert result.exit_code == 0, result.output
    written = read(target)
    assert sorted(written["symbols"]) == ["BTCPERP", "BTCUSDT", "ETHUSDT"]  # no dated future, no pre-launch
    assert written["symbols"]["BTCPERP"]["quote"] == "USDC"  # from instruments-info, not the name
    btc = written["symbols"]["BTCUSDT"]["tiers"]
    assert [(t["floor"], t["cap"], t["mmr"], t["maint_amount"]) for t in btc] == [
        (0, 300000, D("0.0033"), 0), (300000, 2000000, D("0.005"), 510)]
    assert str(written["as_of"]) == "2026-11-21"
    assert written["name"] == "bybit-now"
    assert f"{server.url}/v5/market/risk-limit (fetched on 2026-11-21)" in written["sources"]
    built_in = read(Path(load("bybit").path))
    assert written["fees"] == built_in["fees"] and written["margin"] == built_in["margin"]
    cursors = [r.query.get("cursor") for r in server.requests if r.path == "/v5/market/risk-limit"]
    assert cursors == [None, "page2"]
    assert "wrote" in result.stderr and "3 symbols" in result.stderr
    assert load_path(target).symbol("ETH").name == "ETHUSDT"


def test_bybit_inverse_perpetuals_are_written_as_inverse_in_the_coin(server: VenueServer, tmp_path: Path) -> None:
    serve_bybit_inverse(server)
    target = tmp_path / "bi.toml"
    result = run_fetch("bybit-inverse", "--base-url", server.url, "--output", str(target))
    assert result.exit_code == 0, result.output
    written = read(target)
    assert sorted(written["symbols"]) == ["BTCUSD", "ETHUSD"]  # no inverse future
    btc = written["symbols"]["BTCUSD"]
    assert (btc["contract_type"], btc["face_value"], btc["base"], btc["quote"]) == ("inverse", 1, "BTC", "USD")
    assert [(t["floor"], t["cap"], t["maint_amount"]) for t in btc["tiers"]] == [(0, 150, 0), (150, 300, D("0.75"))]
    built_in = read(Path(load("bybit-inverse").path))
    assert written["margin"] == built_in["margin"] and written["title"] == built_in["title"]
    assert {r.query.get("category") for r in server.requests} == {"inverse"}
    preset = load_path(target)
    assert preset.symbol("ETH").inverse and preset.symbol("ETH").margin_asset == "ETH"
    assert any("1 USD a contract" in note for note in written["notes"])


def test_bybit_symbols_are_asked_one_by_one(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v5/market/instruments-info", BYBIT_INSTRUMENTS)
    server.route("/v5/market/risk-limit", bybit(BYBIT_PAGE_1["result"]["list"][:2]), symbol="BTCUSDT")
    target = tmp_path / "b.toml"
    result = run_fetch("bybit", "--symbols", "btcusdt", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert list(read(target)["symbols"]) == ["BTCUSDT"]


def test_bybit_error_answer_on_a_later_page_writes_nothing(server: VenueServer, tmp_path: Path) -> None:
    serve_bybit(server, bybit([], code=10006, message="Too many visits!"))
    target = tmp_path / "bybit.toml"
    result = run_fetch("bybit", "--base-url", server.url, "--output", str(target))
    assert result.exit_code == 1
    assert result.stderr == ("liqcalc: error: bybit /v5/market/risk-limit (page 2): the venue answered retCode 10006: "
                             "Too many visits!; nothing written\n")
    assert not target.exists() and not list(tmp_path.iterdir())


def test_okx_tiers_in_contracts_become_base_quantities_and_inverse_swaps_are_left_out(server: VenueServer, tmp_path: Path) -> None:
    serve_okx(server)
    target = tmp_path / "okx.toml"
    result = run_fetch("okx", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 0, result.output
    symbols = read(target)["symbols"]
    assert sorted(symbols) == ["BTC-USDT-SWAP", "ETH-USDT-SWAP"]
    btc = symbols["BTC-USDT-SWAP"]
    assert btc["tier_unit"] == "base"
    assert [(t["floor"], t["cap"], t["max_leverage"]) for t in btc["tiers"]] == [(0, 10, 100), (10, 20, 75)]
    assert [r.query["instFamily"] for r in server.requests if r.path.endswith("position-tiers")] == ["BTC-USDT", "ETH-USDT"]


def test_okx_error_code_writes_nothing(server: VenueServer, tmp_path: Path) -> None:
    serve_okx(server, eth=okx([], code="50011", msg="Too Many Requests"))
    target = tmp_path / "okx.toml"
    result = run_fetch("okx", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 1
    assert "position-tiers (ETH-USDT): the venue answered code 50011: Too Many Requests; nothing written" in result.stderr
    assert not target.exists()


def test_bitget_per_symbol_tiers(server: VenueServer, tmp_path: Path) -> None:
    serve_bitget(server)
    target = tmp_path / "bitget.toml"
    result = run_fetch("bitget", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 0, result.output
    symbols = read(target)["symbols"]
    assert sorted(symbols) == ["BTCUSDT", "ETHUSDT"]
    assert symbols["BTCUSDT"]["tiers"][1] == {"floor": 200000, "cap": 1000000, "max_leverage": 100, "mmr": D("0.005")}


def test_a_symbol_with_a_malformed_tier_writes_nothing(server: VenueServer, tmp_path: Path) -> None:
    serve_bitget(server, eth=[bitget_tier("ETHUSDT", 1, "0", "100000", "100", "0.005"),
                              bitget_tier("ETHUSDT", 2, "150000", "300000", "50", "0.01")])
    target = tmp_path / "bitget.toml"
    result = run_fetch("bitget", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.startswith("liqcalc: error: fetched bitget: symbols.ETHUSDT.tiers[1].floor: 150000 leaves a gap")
    assert not target.exists()


def test_a_tier_that_is_not_a_number_names_symbol_and_field(server: VenueServer, tmp_path: Path) -> None:
    serve_bitget(server, eth=[bitget_tier("ETHUSDT", 1, "0", "100000", "100", "n/a")])
    result = run_fetch("bitget", "--base-url", server.url, "-o", str(tmp_path / "bitget.toml"))
    assert result.exit_code == 1
    assert "ETHUSDT[0].keepMarginRate" in result.stderr and "nothing written" in result.stderr
    assert not list(tmp_path.iterdir())


def test_hyperliquid_every_coin_with_its_margin_table(server: VenueServer, tmp_path: Path) -> None:
    server.route("/info", HYPERLIQUID_META, method="POST")
    target = tmp_path / "hl.toml"
    result = run_fetch("hyperliquid", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 0, result.output
    symbols = read(target)["symbols"]
    assert sorted(symbols) == ["BTC", "DOGE"]  # the delisted coin is skipped
    assert symbols["BTC"]["tiers"] == [{"floor": 0, "cap": 150000000, "max_leverage": 40}, {"floor": 150000000, "max_leverage": 20}]
    assert symbols["DOGE"]["tiers"] == [{"floor": 0, "max_leverage": 10}]
    assert server.requests[0].body == {"type": "meta"}


def test_dydx_margin_fractions_are_one_tier(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v4/perpetualMarkets", DYDX_MARKETS)
    target = tmp_path / "dydx.toml"
    result = run_fetch("dydx", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 0, result.output
    symbols = read(target)["symbols"]
    assert sorted(symbols) == ["BTC-USD", "SOL-USD"]
    assert symbols["BTC-USD"]["tiers"] == [{"floor": 0, "max_leverage": 50, "mmr": D("0.012")}]
    assert symbols["SOL-USD"]["tiers"][0]["max_leverage"] == D("33.3333")  # 1/0.03 rounded down


def test_binance_without_keys_says_how_to_import_a_ccxt_dump(server: VenueServer, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fetchers.BINANCE_KEY, raising=False)
    monkeypatch.delenv(fetchers.BINANCE_SECRET, raising=False)
    result = run_fetch("binance", "--base-url", server.url, "-o", str(tmp_path / "b.toml"))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "set LIQCALC_BINANCE_API_KEY and LIQCALC_BINANCE_API_SECRET" in result.stderr
    assert "liqcalc presets import FILE --format ccxt --like binance" in result.stderr
    assert server.requests == []


def test_binance_signs_with_keys_from_the_environment_and_never_writes_them(server: VenueServer, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fetchers.BINANCE_KEY, "KEY-abc123")
    monkeypatch.setenv(fetchers.BINANCE_SECRET, "SECRET-xyz789")
    bracket = {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0}
    server.route("/fapi/v1/leverageBracket", [
        {"symbol": "BTCUSDT", "notionalCoef": 1.0, "brackets": [bracket]},
        {"symbol": "BTCUSDT_261225", "notionalCoef": 1.0, "brackets": [bracket]},
    ])
    target = tmp_path / "binance.toml"
    result = run_fetch("binance", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 0, result.output
    request = server.requests[0]
    assert request.headers["X-MBX-APIKEY"] == "KEY-abc123"
    assert len(request.query["signature"]) == 64 and "timestamp" in request.query
    text = target.read_text()
    assert list(read(target)["symbols"]) == ["BTCUSDT"]  # the delivery contract left out
    assert "KEY-abc123" not in text and "SECRET-xyz789" not in text and "signature" not in text
    assert "abc123" not in result.output


def test_binance_error_never_shows_the_signature(server: VenueServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fetchers.BINANCE_KEY, "KEY-abc123")
    monkeypatch.setenv(fetchers.BINANCE_SECRET, "SECRET-xyz789")
    server.route("/fapi/v1/leverageBracket", Answer({"code": -2015, "msg": "Invalid API-key"}, status=401))
    result = run_fetch("binance", "--base-url", server.url, "-o", str(tmp_path / "b.toml"))
    assert result.exit_code == 1
    assert "HTTP 401" in result.stderr and "Invalid API-key" in result.stderr
    assert "signature" not in result.stderr and "abc123" not in result.stderr


# -- failures of the connection -------------------------------------------------------------------


def test_429_then_success_is_retried_within_the_budget(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v4/perpetualMarkets", Answer({"errors": [{"msg": "slow down"}]}, status=429, headers={"Retry-After": "0"}),
                 Answer({}, status=503), DYDX_MARKETS)
    fetched = fetchers.fetch_preset("dydx", target=tmp_path / "d.toml", base_url=server.url, budget=FAST)
    fetchers.write(fetched, force=False)
    assert len(server.requests) == 3
    assert sorted(read(tmp_path / "d.toml")["symbols"]) == ["BTC-USD", "SOL-USD"]


def test_429_beyond_the_budget_writes_nothing(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v4/perpetualMarkets", Answer({}, status=429))
    with pytest.raises(FetchError, match=r"answered HTTP 429 Too Many Requests 4 times; the retry budget is spent"):
        fetchers.fetch_preset("dydx", target=tmp_path / "d.toml", base_url=server.url, budget=FAST)
    assert len(server.requests) == 4
    assert not list(tmp_path.iterdir())


def test_a_timeout_is_one_line_and_writes_nothing(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v4/perpetualMarkets", Answer(DYDX_MARKETS, delay=1.0))
    result = run_fetch("dydx", "--base-url", server.url, "-o", str(tmp_path / "d.toml"), "--timeout", "0.2")
    assert result.exit_code == 1
    assert result.stderr == (f"liqcalc: error: dydx: GET {server.url}/v4/perpetualMarkets: no answer within 0.2 s "
                             "(give more with --timeout); nothing written\n")
    assert not list(tmp_path.iterdir())


def test_a_truncated_answer_writes_nothing(server: VenueServer, tmp_path: Path) -> None:
    server.route("/info", Answer(HYPERLIQUID_META, truncate=120), method="POST")
    result = run_fetch("hyperliquid", "--base-url", server.url, "-o", str(tmp_path / "hl.toml"))
    assert result.exit_code == 1
    assert "the connection broke before the whole answer arrived" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_a_refused_connection_is_named(tmp_path: Path) -> None:
    with VenueServer() as gone:
        url = gone.url
    result = run_fetch("dydx", "--base-url", url, "-o", str(tmp_path / "d.toml"), "--timeout", "2")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"liqcalc: error: dydx: GET {url}/v4/perpetualMarkets: cannot connect")


def test_an_answer_that_is_not_json(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v4/perpetualMarkets", Answer(raw=b"<html>maintenance</html>"))
    result = run_fetch("dydx", "--base-url", server.url, "-o", str(tmp_path / "d.toml"))
    assert result.exit_code == 1
    assert "the answer is not JSON" in result.stderr


# -- the command's guards ---------------------------------------------------------------------


def test_an_existing_file_is_refused_before_any_request(server: VenueServer, tmp_path: Path) -> None:
    target = tmp_path / "dydx.toml"
    target.write_text("keep me")
    result = run_fetch("dydx", "--base-url", server.url, "-o", str(target))
    assert result.exit_code == 2
    assert "already exists; use --force to replace it" in result.stderr
    assert server.requests == [] and target.read_text() == "keep me"
    server.route("/v4/perpetualMarkets", DYDX_MARKETS)
    assert run_fetch("dydx", "--base-url", server.url, "-o", str(target), "--force").exit_code == 0
    assert "BTC-USD" in read(target)["symbols"]


def test_an_unknown_symbol_is_an_error(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v4/perpetualMarkets", DYDX_MARKETS)
    result = run_fetch("dydx", "--symbols", "BTC,NOPE-USD", "--base-url", server.url, "-o", str(tmp_path / "d.toml"))
    assert result.exit_code == 1
    assert "--symbols: NOPE-USD is not a dYdX v4 perpetual market" in result.stderr
    assert not list(tmp_path.iterdir())


def test_all_venues_are_all_or_nothing(server: VenueServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCALC_PRESETS_DIR", str(tmp_path))
    monkeypatch.delenv(fetchers.BINANCE_KEY, raising=False)
    serve_bybit_inverse(server)
    serve_bybit(server)
    serve_okx(server)
    serve_bitget(server)
    server.route("/info", HYPERLIQUID_META, method="POST")
    server.route("/v4/perpetualMarkets", Answer({}, status=404))
    result = run_fetch("--all", "--base-url", server.url)
    assert result.exit_code == 1
    assert "dydx: GET" in result.stderr and "HTTP 404" in result.stderr
    assert not list(tmp_path.iterdir())
    server.routes.pop()
    server.route("/v4/perpetualMarkets", DYDX_MARKETS)
    result = run_fetch("--all", "--base-url", server.url)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bitget.toml", "bybit-inverse.toml", "bybit.toml", "dydx.toml",
                                                          "hyperliquid.toml", "okx.toml"]
    assert "skipping binance" in result.stderr


def test_usage_errors() -> None:
    assert run_fetch().exit_code == 2
    assert "no fetcher for 'kraken'" in run_fetch("kraken").stderr
    assert run_fetch("--all", "--name", "x").exit_code == 2
    assert run_fetch("dydx", "--timeout", "0").exit_code == 2
    assert run_fetch("dydx", "--base-url", "ftp://x").exit_code == 2


def test_help_states_the_retry_budget() -> None:
    result = run_fetch("--help")
    words = " ".join(fetchers.DEFAULT_BUDGET.words().split())
    assert words in " ".join(result.stdout.replace("│", " ").split())


def test_every_fetcher_is_one_table_entry_with_its_built_in_rules() -> None:
    from liqcalc.presets.loader import FETCH_VENUES, builtin_names

    assert set(FETCH_VENUES) == set(fetchers.FETCHERS)
    for name, fetcher in fetchers.FETCHERS.items():
        assert fetcher.venue == name and fetcher.like in builtin_names()
        assert fetcher.host.startswith("https://") and fetcher.endpoints and fetcher.docs


# -- what the rest of liqcalc says about it -------------------------------------------------------


def test_quiet_says_nothing_on_success(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v4/perpetualMarkets", DYDX_MARKETS)
    result = run_fetch("dydx", "--base-url", server.url, "-o", str(tmp_path / "d.toml"), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and result.stdout == ""


def test_no_progress_bar_when_stderr_is_not_a_terminal(server: VenueServer, tmp_path: Path) -> None:
    serve_okx(server)
    result = run_fetch("okx", "--base-url", server.url, "-o", str(tmp_path / "okx.toml"))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("liqcalc: wrote ") and result.stderr.count("\n") == 1


def test_the_progress_bar_counts_the_requests(server: VenueServer, tmp_path: Path) -> None:
    from liqcalc.cli.presets_cmd import _Bar

    serve_okx(server)
    with _Bar() as bar:
        fetchers.fetch_preset("okx", target=tmp_path / "okx.toml", base_url=server.url, progress=bar, pace=0)
        task = bar.progress.tasks[-1]
    assert (task.description, task.total, task.completed) == ("okx: position tiers", 2, 2)


def test_presets_list_shows_coverage_and_the_command_that_refreshes(server: VenueServer, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("LIQCALC_PRESETS_DIR", str(tmp_path))
    before = {p["name"]: p for p in json.loads(runner.invoke(app, ["presets", "list", "--json"]).stdout)["presets"]}
    assert (before["bybit"]["coverage"], before["bybit"]["complete_symbols"]) == ("first_tiers", 0)
    assert before["binance"]["coverage"] == "complete"
    assert before["bybit"]["refresh"] == "liqcalc presets fetch bybit"
    assert before["clearinghouse"]["refresh"] == "liqcalc presets import FILE --like clearinghouse"
    serve_bybit(server)
    assert run_fetch("bybit", "--base-url", server.url).exit_code == 0
    after = {p["name"]: p for p in json.loads(runner.invoke(app, ["presets", "list", "--json"]).stdout)["presets"]}
    assert (after["bybit"]["origin"], after["bybit"]["symbols"], after["bybit"]["coverage"]) == ("user", 3, "complete")
    assert after["bybit"]["age_days"] == 0
    table = runner.invoke(app, ["presets", "list", "--format", "csv"]).stdout
    assert "tiers" in table.splitlines()[0] and ",first only," in table


def test_an_unknown_symbol_names_the_fetch_of_its_venue() -> None:
    result = runner.invoke(app, ["position", "--preset", "bybit", "--symbol", "DOGEUSDT", "--side", "long", "--entry", "1",
                                 "--size", "1", "--leverage", "2"])
    assert result.exit_code == 1
    assert result.stderr.endswith("`liqcalc presets fetch bybit` downloads every symbol the venue lists\n")


def test_a_cursor_that_comes_back_is_an_error_not_an_endless_loop(server: VenueServer, tmp_path: Path) -> None:
    serve_bybit(server, bybit(BYBIT_PAGE_2["result"]["list"], cursor="page2"))
    result = run_fetch("bybit", "--base-url", server.url, "-o", str(tmp_path / "b.toml"))
    assert result.exit_code == 1
    assert "page 2 gives a cursor already followed" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_base_asset_picks_the_perpetual_in_the_main_quote(server: VenueServer, tmp_path: Path) -> None:
    server.route("/v5/market/instruments-info", BYBIT_INSTRUMENTS)
    server.route("/v5/market/risk-limit", bybit(BYBIT_PAGE_1["result"]["list"][:2]), symbol="BTCUSDT")
    result = run_fetch("bybit", "--symbols", "BTC", "--base-url", server.url, "-o", str(tmp_path / "b.toml"), "-q")
    assert result.exit_code == 0, result.output
    assert list(read(tmp_path / "b.toml")["symbols"]) == ["BTCUSDT"]  # not BTCPERP, quoted in USDC


def test_retry_after_is_honoured_up_to_its_cap_and_the_total_budget(server: VenueServer) -> None:
    from liqcalc.presets.http import Http

    server.route("/slow", Answer({}, status=429, headers={"Retry-After": "7"}), Answer({}, status=500), {"ok": True})
    waits: list[float] = []
    budget = Budget(retries=4, backoff=0.5, longest_wait=5, total_wait=60)
    with Http(venue="test", timeout=2, budget=budget, sleep=waits.append) as http:
        assert http.get(f"{server.url}/slow") == {"ok": True}
    assert waits == [5, 1.0]  # Retry-After 7 capped at 5; then the backoff's second step
    server.route("/down", Answer({}, status=503))
    waits.clear()
    with Http(venue="test", timeout=2, budget=Budget(retries=10, backoff=4, total_wait=10), sleep=waits.append) as http:
        with pytest.raises(FetchError, match="the retry budget is spent"):
            http.get(f"{server.url}/down")
    assert waits == [4] and sum(waits) <= 10  # the next wait (8 s) would pass the 10 s budget
