"""`liqcalc presets import` recognises inverse (coin-margined) markets: a ccxt dump of
``BTC/USD:BTC``, Bybit's ``category=inverse`` risk limits, Binance COIN-M's brackets in the coin
(``qtyFloor``/``qtyCap``). Each is imported as inverse, or refused with a line that says why:
never silently linear (issue 9)."""

from __future__ import annotations

import json
import string
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.core.position import Calculator, PositionSpec
from liqcalc.presets import importers
from liqcalc.presets.loader import builtin_dir, load_path, parse
from liqcalc.presets.writer import checked_text, write_atomic

runner = CliRunner()
D = Decimal


def ccxt_tier(symbol: str, n: int, low: float, high: float, mmr: float, lev: int, **extra: Any) -> dict[str, Any]:
    """A row of ccxt's fetch_leverage_tiers(): bounds of an inverse market in its coin."""
    return {"tier": n, "symbol": symbol, "currency": "BTC", "minNotional": low, "maxNotional": high,
            "maintenanceMarginRate": mmr, "maxLeverage": lev, "info": {}, **extra}


def write(tmp_path: Path, data: Any, name: str = "dump.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def run_import(*args: str) -> Any:
    return runner.invoke(app, ["presets", "import", *args, "--as-of", "2026-11-01"])


def bankruptcy_at_10x(path: Path, symbol: str, contracts: str) -> Decimal | None:
    preset = load_path(path)
    spec = PositionSpec(side="long", size=D(contracts), entry=D(60000), mark=D(60000), leverage=D(10))
    return Calculator(preset.venue, preset.symbol(symbol)).evaluate(spec).bankruptcy_price


def test_a_ccxt_dump_of_btc_usd_btc_like_bybit_is_inverse_with_bybit_inverse_rules(tmp_path: Path) -> None:
    """Seen (issue 9): accepted as linear, titled "Bybit USDT perpetual", a 10x long bankrupt at
    54,000.00 where the inverse answer is 60,000 / 1.1 = 54,545.45."""
    dump = {"BTC/USD:BTC": [ccxt_tier("BTC/USD:BTC", 1, 0, 150, 0.005, 100, contractSize=1),
                            ccxt_tier("BTC/USD:BTC", 2, 150, 300, 0.01, 50, contractSize=1)]}
    target = tmp_path / "out.toml"
    result = run_import(str(write(tmp_path, dump)), "--format", "ccxt", "--like", "bybit", "--output", str(target))
    assert result.exit_code == 0, result.output
    preset = load_path(target)
    symbol = preset.symbol("BTC")
    assert (symbol.name, symbol.contract_type, symbol.face_value, symbol.margin_asset) == ("BTCUSD", "inverse", 1, "BTC")
    assert [t.cap for t in symbol.tiers] == [150, 300]  # in the coin, as ccxt states them
    assert preset.venue.title.startswith("Bybit inverse perpetual")
    assert preset.venue.name == "bybit-inverse"  # the default name is the rules': never over the linear bybit
    assert "rules of bybit-inverse" in result.stderr and "inverse" in result.stderr
    assert round(bankruptcy_at_10x(target, "BTCUSD", "60000") or 0, 2) == D("54545.45")


def test_settle_equal_to_base_is_inverse_even_without_the_inverse_flag(tmp_path: Path) -> None:
    dump = [ccxt_tier("BTC/USD:BTC", 1, 0, 5, 0.004, 125, info={"cum": "0"})]
    target = tmp_path / "coinm.toml"
    result = run_import(str(write(tmp_path, dump)), "--format", "ccxt", "--like", "binance", "--output", str(target),
                        "--face-value", "100")
    assert result.exit_code == 0, result.output
    symbol = load_path(target).symbol("BTCUSD_PERP")
    assert (symbol.contract_type, symbol.face_value) == ("inverse", 100)
    assert load_path(target).venue.title.startswith("Binance COIN-M")


def test_an_inverse_market_without_a_face_value_is_refused_naming_the_option(tmp_path: Path) -> None:
    dump = {"ETH/USD:ETH": [ccxt_tier("ETH/USD:ETH", 1, 0, 100, 0.005, 75)]}
    target = tmp_path / "x.toml"
    result = run_import(str(write(tmp_path, dump)), "--format", "ccxt", "--like", "binance", "--output", str(target))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "liqcalc: error: dump.json: ETHUSD_PERP is an inverse contract and the file states no face value (ccxt's "
        "contractSize: the USD one contract is worth); give --face-value ETHUSD_PERP=USD (or --face-value ETH=USD)"]
    assert not target.exists()


def test_inverse_data_like_a_linear_preset_without_an_inverse_twin_is_refused(tmp_path: Path) -> None:
    dump = {"BTC/USD:BTC": [ccxt_tier("BTC/USD:BTC", 1, 0, 150, 0.005, 100, contractSize=1, inverse=True)]}
    result = run_import(str(write(tmp_path, dump)), "--format", "ccxt", "--like", "bitget", "--output",
                        str(tmp_path / "x.toml"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "liqcalc: error: --like bitget: its rules are for linear contracts, and BTCUSD is inverse (coin-margined); "
        "give a preset with inverse rules: --like binance-coinm, --like bitmex or --like bybit-inverse")


def test_a_dump_mixing_linear_and_inverse_markets_is_refused(tmp_path: Path) -> None:
    dump = {"BTC/USD:BTC": [ccxt_tier("BTC/USD:BTC", 1, 0, 150, 0.005, 100, contractSize=1)],
            "ETH/USDT:USDT": [dict(ccxt_tier("ETH/USDT:USDT", 1, 0, 1000000, 0.005, 100), currency="USDT")]}
    path = write(tmp_path, dump)
    refused = run_import(str(path), "--format", "ccxt", "--like", "bybit", "--output", str(tmp_path / "x.toml"))
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "liqcalc: error: --like bybit: the file holds linear (ETHUSDT) and inverse (BTCUSD) contracts, and bybit's "
        "rules are for one kind: import each kind with its own --like")
    assert not (tmp_path / "x.toml").exists()


def test_ccxt_inverse_false_is_linear_and_a_stated_face_value_beats_no_option(tmp_path: Path) -> None:
    # a stated contractSize that --face-value contradicts is the file's word against the user's: refused
    dump = {"BTC/USD:BTC": [ccxt_tier("BTC/USD:BTC", 1, 0, 5, 0.004, 125, contractSize=100)]}
    result = run_import(str(write(tmp_path, dump)), "--format", "ccxt", "--like", "binance-coinm", "--output",
                        str(tmp_path / "x.toml"), "--face-value", "10")
    assert result.exit_code == 1
    assert "states a face value of 100 (contractSize) for BTCUSD_PERP; --face-value says 10" in result.stderr


def test_a_face_value_that_is_not_a_positive_number_is_a_usage_error(tmp_path: Path) -> None:
    path = str(write(tmp_path, {"BTC/USD:BTC": [ccxt_tier("BTC/USD:BTC", 1, 0, 5, 0.004, 125)]}))
    for bad, says in (("BTC=0", "must be above 0, got '0'"), ("BTC=ten", "expected SYMBOL=USD or USD with USD a number")):
        result = run_import(path, "--format", "ccxt", "--like", "binance-coinm", "--output", str(tmp_path / "x.toml"),
                            "--face-value", bad)
        assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert not (tmp_path / "x.toml").exists()


BYBIT_INVERSE = {"retCode": 0, "retMsg": "OK", "time": 1795737600000, "result": {"category": "inverse", "list": [
    {"id": 1, "symbol": "BTCUSD", "riskLimitValue": "150", "maintenanceMargin": "0.005", "initialMargin": "0.01",
     "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""},
    {"id": 2, "symbol": "BTCUSD", "riskLimitValue": "300", "maintenanceMargin": "0.01", "initialMargin": "0.015",
     "isLowestRisk": 0, "maxLeverage": "66.66", "mmDeduction": "0.75"},
    {"id": 1, "symbol": "ETHUSD", "riskLimitValue": "5000", "maintenanceMargin": "0.005", "initialMargin": "0.01",
     "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""},
]}}


def test_bybit_category_inverse_is_inverse_in_the_coin(tmp_path: Path) -> None:
    path = write(tmp_path, BYBIT_INVERSE)
    missing = run_import(str(path), "--format", "bybit", "--like", "bybit", "--output", str(tmp_path / "x.toml"))
    assert missing.exit_code == 1  # ETHUSD is not in the bybit-inverse preset: its face value is not known
    assert "ETHUSD is an inverse contract and the file states no face value" in missing.stderr
    target = tmp_path / "bi.toml"
    result = run_import(str(path), "--format", "bybit", "--like", "bybit", "--output", str(target), "--face-value", "ETH=1")
    assert result.exit_code == 0, result.output
    preset = load_path(target)
    btc = preset.symbol("BTCUSD")
    assert (btc.contract_type, btc.face_value, btc.margin_asset) == ("inverse", 1, "BTC")  # BTCUSD's from the preset
    assert [(t.cap, t.maint_amount) for t in btc.tiers] == [(150, 0), (300, D("0.75"))]
    assert preset.venue.name == "bybit-inverse"


BINANCE_COINM = [{"symbol": "BTCUSD_PERP", "brackets": [
    {"bracket": 1, "initialLeverage": 125, "qtyCap": 5, "qtyFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0},
    {"bracket": 2, "initialLeverage": 100, "qtyCap": 10, "qtyFloor": 5, "maintMarginRatio": 0.005, "cum": 0.005},
]}]


def test_binance_coinm_brackets_in_the_coin_are_inverse(tmp_path: Path) -> None:
    target = tmp_path / "coinm.toml"
    result = run_import(str(write(tmp_path, BINANCE_COINM)), "--format", "binance", "--like", "binance",
                        "--output", str(target))
    assert result.exit_code == 0, result.output
    preset = load_path(target)
    btc = preset.symbol("BTCUSD_PERP")
    assert (btc.contract_type, btc.face_value, btc.kind) == ("inverse", 100, "perpetual")  # 100 USD: the preset's
    assert [(t.floor, t.cap, t.maint_amount) for t in btc.tiers] == [(0, 5, 0), (5, 10, D("0.005"))]
    assert preset.venue.name == "binance-coinm"


# -- the property: the linear/inverse choice is never lost on import ------------------------------

LIKE = {"ccxt": "bybit-inverse", "bybit": "bybit-inverse", "binance": "binance-coinm"}


@st.composite
def inverse_market(draw: st.DrawFn) -> tuple[str, Any, str, Decimal, bool]:
    """One inverse market as a file of each format states it: the format, the parsed JSON, the
    base coin, the face value, and whether the file states it (ccxt's contractSize)."""
    data_format = draw(st.sampled_from(sorted(LIKE)))
    base = draw(st.text(string.ascii_uppercase, min_size=2, max_size=5).filter(lambda b: b not in ("USD", "XBT")))
    face = draw(st.sampled_from([D(1), D(10), D(100), D("0.5"), D("25")]))
    count = draw(st.integers(1, 3))
    caps = sorted(draw(st.sets(st.integers(1, 10_000), min_size=count, max_size=count)))
    rates = sorted(draw(st.sets(st.integers(1, 100), min_size=count, max_size=count)))  # in 1/10,000
    tiers, floor, amount, previous = [], D(0), D(0), D(0)
    for cap, rate in zip(caps, rates, strict=True):
        mmr = D(rate) / 10_000
        amount += floor * (mmr - previous)  # the documented recursion, so that the file's amounts check
        tiers.append((floor, D(cap), mmr, amount))
        floor, previous = D(cap), mmr
    stated = data_format == "ccxt" and draw(st.booleans())
    if data_format == "ccxt":
        symbol = f"{base}/USD:{base}"
        data: Any = {symbol: [{"tier": n + 1, "symbol": symbol, "currency": base, "minNotional": str(lo),
                               "maxNotional": str(hi), "maintenanceMarginRate": str(mmr), "maxLeverage": 20,
                               **({"contractSize": str(face)} if stated else {})}
                              for n, (lo, hi, mmr, _) in enumerate(tiers)]}
    elif data_format == "bybit":
        data = {"retCode": 0, "result": {"category": "inverse", "list": [
            {"symbol": f"{base}USD", "riskLimitValue": str(hi), "maintenanceMargin": str(mmr), "maxLeverage": "20",
             "mmDeduction": str(cum)} for _, hi, mmr, cum in tiers]}}
    else:
        data = [{"symbol": f"{base}USD_PERP", "brackets": [
            {"bracket": n + 1, "initialLeverage": 20, "qtyFloor": str(lo), "qtyCap": str(hi), "maintMarginRatio": str(mmr),
             "cum": str(cum)} for n, (lo, hi, mmr, cum) in enumerate(tiers)]}]
    return data_format, data, base, face, stated


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(market=inverse_market())
def test_an_imported_inverse_symbol_keeps_its_contract_type_and_face_value_through_write_and_load(
        market: tuple[str, Any, str, Decimal, bool]) -> None:
    data_format, data, base, face, stated = market
    data = json.loads(json.dumps(data), parse_float=Decimal)
    parsers = {"ccxt": lambda d: importers.from_ccxt(d, spelling="bybit"), "bybit": importers.from_bybit,
               "binance": importers.from_binance}
    symbols = parsers[data_format](data)
    assert {s.get("contract_type") for s in symbols.values()} == {"inverse"}
    like = parse(builtin_dir() / f"{LIKE[data_format]}.toml").model_dump(exclude_unset=True)
    importers.resolve_faces(symbols, {} if stated else {base: face}, importers.face_values(like), "file")
    document = importers.build_preset(like, symbols, name="roundtrip", as_of="2026-11-01", source="test")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roundtrip.toml"
        write_atomic(path, checked_text(document, "test"))
        loaded = load_path(path).symbol(base)
    assert (loaded.contract_type, loaded.face_value, loaded.margin_asset) == ("inverse", face, base)


def test_like_a_preset_without_tier_tables_is_refused_in_one_line() -> None:
    """Deribit's margin grows with the size (no tier table): imported tiers cannot take its rules,
    and no refusal suggests it (seen: `--like deribit` failed with five schema problems, and two
    refusals recommended it)."""
    import pytest

    from liqcalc.core.errors import LiqcalcError

    def kinds(name: str) -> set[str]:
        return importers.contract_types(parse(builtin_dir() / f"{name}.toml").model_dump(exclude_unset=True))

    with pytest.raises(LiqcalcError, match=r"--like deribit: its margin is not a tier table .* --like binance-coinm"):
        importers.choose_rules("deribit", {"BTCUSD": {"contract_type": "inverse"}}, kinds,
                               ["binance-coinm", "deribit", "bitmex"])


def test_usd_quoted_data_said_to_be_linear_is_refused_never_linear() -> None:
    """Seen in a trial: COIN-M brackets renamed to notionalFloor/notionalCap came out as a linear
    BTCUSD_PERP in USD, and a Bybit answer saying category linear for BTCUSD too."""
    import pytest

    from liqcalc.core.errors import LiqcalcError

    binance = [{"symbol": "BTCUSD_PERP", "brackets": [
        {"bracket": 1, "initialLeverage": 125, "notionalCap": 5, "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0}]}]
    with pytest.raises(LiqcalcError, match="BTCUSD_PERP is quoted in USD.*qtyFloor/qtyCap"):
        importers.from_binance(binance)
    bybit = {"retCode": 0, "result": {"category": "linear", "list": [
        {"id": 1, "symbol": "BTCUSD", "riskLimitValue": "150", "maintenanceMargin": "0.005", "initialMargin": "0.01",
         "maxLeverage": "100", "mmDeduction": ""}]}}
    with pytest.raises(LiqcalcError, match="BTCUSD is quoted in USD.*category linear"):
        importers.from_bybit(bybit)


def test_face_value_options_that_would_be_ignored_are_refused(tmp_path: Path) -> None:
    """Seen in a trial: `--face-value =5` accepted and ignored, `ETH=5` on a BTC-only file ignored,
    `--face-value 5 --face-value 7` quietly 7."""
    dump = [ccxt_tier("BTC/USD:BTC", 1, 0, 5, 0.004, 125, info={"cum": "0"})]
    path = str(write(tmp_path, dump))
    target = tmp_path / "x.toml"
    for args, says, code in (
        (["--face-value", "=5"], "names no symbol", 2),
        (["--face-value", "5", "--face-value", "7"], "two values for every symbol (5 and 7)", 2),
        (["--face-value", "ETH=5"], "--face-value ETH=...: no inverse symbol or base of that name", 1),
    ):
        result = run_import(path, "--format", "ccxt", "--like", "binance", "--output", str(target), *args)
        assert result.exit_code == code and says in result.stderr, result.output
        assert len(result.stderr.splitlines()) == 1 and not target.exists()
