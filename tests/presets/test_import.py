"""`liqcalc presets import` from ccxt dumps and the venues' raw responses."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.core.position import Calculator, PositionSpec
from liqcalc.presets.importers import from_ccxt
from liqcalc.presets.loader import load, load_path

RESPONSES = Path(__file__).parent.parent / "assets" / "responses"
SHARED = Path(__file__).parents[3] / "shared" / "data" / "binance-usdm-leverage-tiers.ccxt.json"
runner = CliRunner()
D = Decimal


def run_import(*args: str) -> object:
    return runner.invoke(app, ["presets", "import", *args])


def test_ccxt_dump_reproduces_the_built_in_binance_preset(tmp_path: Path) -> None:
    """Importing the shared ccxt dump gives, for a handful of symbols and sizes, exactly the
    liquidation prices of the built-in binance preset."""
    if not SHARED.is_file():
        pytest.skip("shared/ data not beside the checkout")
    target = tmp_path / "binance-fresh.toml"
    result = run_import(str(SHARED), "--format", "ccxt", "--like", "binance", "--name", "binance-fresh",
                        "--output", str(target), "--as-of", "2026-09-01")
    assert result.exit_code == 0, result.output
    fresh, built_in = load_path(target), load("binance")
    cases = [("BTCUSDT", "long", "60000", "1", "20"), ("BTCUSDT", "short", "60000", "4.9", "20"),
             ("BTCUSDT", "long", "60000", "40", "10"), ("ETHUSDT", "short", "3000", "150", "25"),
             ("SOLUSDT", "long", "150", "2000", "5"), ("1000PEPEUSDT", "short", "0.01", "9000000", "5")]
    for symbol, side, entry, size, leverage in cases:
        spec = PositionSpec(side=side, size=D(size), entry=D(entry), mark=D(entry), leverage=D(leverage))  # type: ignore[arg-type]
        a = Calculator(fresh.venue, fresh.symbol(symbol)).evaluate(spec)
        b = Calculator(built_in.venue, built_in.symbol(symbol)).evaluate(spec)
        assert a.liquidation_price == b.liquidation_price, symbol
        assert a.tier == b.tier


def test_ccxt_old_field_names_and_derived_amounts() -> None:
    """ccxt's older names (notionalFloor/notionalCap/maintenanceMarginRatio/notionalCurrency),
    no info.cum: the amount is left to the recursion."""
    dump = [{"symbol": "BTC/USDT:USDT", "tier": 1, "notionalCurrency": "USDT", "notionalFloor": 0, "notionalCap": 50000,
             "maintenanceMarginRatio": 0.004, "maxLeverage": 125},
            {"symbol": "BTC/USDT:USDT", "tier": 2, "notionalCurrency": "USDT", "notionalFloor": 50000, "notionalCap": 250000,
             "maintenanceMarginRatio": 0.005, "maxLeverage": 100}]
    symbols = from_ccxt(json.loads(json.dumps(dump), parse_float=Decimal))
    tiers = symbols["BTCUSDT"]["tiers"]
    assert [t["cap"] for t in tiers] == [D(50000), D(250000)]
    assert all("maint_amount" not in t for t in tiers)


def test_ccxt_okx_contracts_need_a_contract_size() -> None:
    dump = {"BTC/USDT:USDT": [{"tier": 1, "minNotional": 0, "maxNotional": 1000, "maintenanceMarginRate": 0.004,
                               "maxLeverage": 100, "currency": "USDT"}]}
    with pytest.raises(Exception, match="give --contract-size BTC=CTVAL"):
        from_ccxt(dump, spelling="okx")
    symbols = from_ccxt(dump, spelling="okx", contract_sizes={"BTC": D("0.01")})
    assert symbols["BTC-USDT-SWAP"]["tier_unit"] == "base"
    assert symbols["BTC-USDT-SWAP"]["tiers"][0]["cap"] == D(10)


@pytest.mark.parametrize(
    ("fmt", "like", "extra", "symbol", "expected"),
    [
        ("binance", "binance", [], "BTCUSDT", [("0", "300000", "150", "0.004", "0"), ("300000", "800000", "100", "0.005", "300"),
                                             ("800000", "3000000", "75", "0.0065", "1500"), ("3000000", "12000000", "50", "0.01", "12000")]),
        ("bybit", "bybit", [], "BTCUSDT", [("0", "300000", "150", "0.0033", "0"), ("300000", "2000000", "100", "0.005", "510"),
                                          ("2000000", "2600000", "90", "0.0056", "1710")]),
        ("okx", "okx", ["--contract-size", "BTC-USDT=0.01"], "BTC-USDT-SWAP",
         [("0", "10", "100", "0.004", "0"), ("10", "50", "50", "0.008", "0")]),
        ("hyperliquid", "hyperliquid", [], "BTC", [("0", "150000000", "40", "0.0125", "0"), ("150000000", None, "20", "0.025", "1875000")]),
    ],
)
def test_raw_responses(tmp_path: Path, fmt: str, like: str, extra: list[str], symbol: str,
                       expected: list[tuple[str, str | None, str, str, str]]) -> None:
    source = RESPONSES / {"binance": "binance-leverageBracket.json", "bybit": "bybit-risk-limit.json",
                          "okx": "okx-position-tiers.json", "hyperliquid": "hyperliquid-meta.json"}[fmt]
    target = tmp_path / f"{fmt}.toml"
    result = run_import(str(source), "--format", fmt, "--like", like, "--output", str(target), "--as-of", "2026-11-01", *extra)
    assert result.exit_code == 0, result.output
    preset = load_path(target)
    assert preset.venue.as_of.isoformat() == "2026-11-01"
    assert preset.venue.fees == load(like).venue.fees  # the rules come from --like
    tiers = preset.symbol(symbol).tiers
    assert [(t.floor, t.cap, t.max_leverage, t.mmr, t.maint_amount) for t in tiers] == [
        (D(f), None if c is None else D(c), D(lev), D(m), D(a)) for f, c, lev, m, a in expected]


def test_hyperliquid_small_table_ids_and_delisted_coins(tmp_path: Path) -> None:
    target = tmp_path / "hl.toml"
    assert run_import(str(RESPONSES / "hyperliquid-meta.json"), "--format", "hyperliquid", "--like", "hyperliquid",
                      "--output", str(target)).exit_code == 0
    preset = load_path(target)
    assert preset.symbol_names == ["BTC", "TOKEN"]
    token = preset.symbol("TOKEN").tiers
    assert len(token) == 1 and token[0].max_leverage == 3 and token[0].cap is None


def test_import_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("precious")
    args = [str(RESPONSES / "bybit-risk-limit.json"), "--format", "bybit", "--like", "bybit", "--output", str(target)]
    result = run_import(*args)
    assert result.exit_code == 1
    assert result.stderr == f"liqcalc: error: {target}: already exists; use --force to replace it\n"
    assert target.read_text() == "precious"
    assert run_import(*args, "--force").exit_code == 0
    assert load_path(target).symbol("BTC").name == "BTCUSDT"


def test_import_into_the_user_folder_overrides_the_built_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCALC_PRESETS_DIR", str(tmp_path / "user"))
    result = run_import(str(RESPONSES / "bybit-risk-limit.json"), "--format", "bybit", "--like", "bybit")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "user" / "bybit.toml").is_file()
    assert load("bybit").origin == "user"
    listed = runner.invoke(app, ["presets", "list", "--json"])
    rows = {r["name"]: r for r in json.loads(listed.stdout)["presets"]}
    assert rows["bybit"]["origin"] == "user"
    assert "overrides the built-in bybit" in listed.stderr


def test_import_bad_inputs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run_import(str(bad), "--format", "bybit", "--like", "bybit", "--output", str(tmp_path / "x.toml"))
    assert result.exit_code == 1
    assert result.stderr == "liqcalc: error: bad.json: not JSON (Expecting property name enclosed in double quotes at line 1, column 2)\n"
    result = run_import(str(bad), "--format", "kraken", "--like", "bybit")
    assert result.exit_code == 2
    assert result.stderr == "liqcalc: error: --format: expected one of ccxt, binance, bybit, okx, hyperliquid, got 'kraken'\n"
    percent = tmp_path / "pct.json"
    percent.write_text(json.dumps({"retCode": 0, "result": {"list": [{"symbol": "BTCUSD", "riskLimitValue": "150",
                       "maintenanceMargin": "0.5", "initialMargin": "1", "maxLeverage": "100", "mmDeduction": ""}]}}))
    result = run_import(str(percent), "--format", "bybit", "--like", "bybit", "--output", str(tmp_path / "y.toml"))
    assert result.exit_code == 1
    assert "looks like a percentage" in result.stderr
    assert not (tmp_path / "y.toml").exists()
