"""`liqcalc presets list|show|validate`, `liqcalc compare` and the 90-day warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
ASSETS = Path(__file__).parent.parent / "assets" / "presets"


def test_list_json() -> None:
    result = runner.invoke(app, ["presets", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)["presets"]}
    assert rows["binance"]["symbols"] == 907
    assert rows["binance"]["age_days"] == 81  # as of 2026-09-01, counted from LIQCALC_TODAY 2026-11-21
    assert rows["clearinghouse"]["illustrative"] is True


def test_show_symbol_json_and_table() -> None:
    data = json.loads(runner.invoke(app, ["presets", "show", "binance", "--symbol", "btc", "--json"]).stdout)
    assert data["symbol"]["name"] == "BTCUSDT"
    assert data["symbol"]["tiers"][1]["maint_amount"] == 300
    assert data["rules"]["adl"] == {"ranking": "binance_leverage_pnl", "price": "bankruptcy", "indicator_min": 0,
                                    "indicator_max": 4, "source": "https://www.binance.com/en/support/faq/360033525471"}
    table = runner.invoke(app, ["presets", "show", "hyperliquid", "--symbol", "BTC"])
    assert table.exit_code == 0
    assert "below 2/3 of maintenance margin the backstop takes it" in table.stdout
    assert "1,875,000.00" in table.stdout


def test_validate_reports_every_problem_and_exits_1() -> None:
    result = runner.invoke(app, ["presets", "validate", str(ASSETS / "valid-minimal.toml"), str(ASSETS / "invalid-gap.toml"),
                                 str(ASSETS / "invalid-rate.toml")])
    assert result.exit_code == 1
    assert result.stdout == f"{ASSETS / 'valid-minimal.toml'}: ok (minimal, 1 symbol, as of 2026-01-01)\n"
    assert result.stderr.splitlines() == [
        f"{ASSETS / 'invalid-gap.toml'}: symbols.BTCUSDT.tiers[1].floor: 60000 leaves a gap after the previous tier, "
        "which ends at 50000 (each floor must equal the previous cap)",
        f"{ASSETS / 'invalid-rate.toml'}: symbols.BTCUSDT.tiers[1].mmr: a maintenance rate must be in (0, 1), got 1.5",
        "liqcalc: error: 2 of 3 preset files invalid",
    ]


def test_compare_has_a_row_per_venue_and_explains_refusals() -> None:
    result = runner.invoke(app, ["compare", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
                                 "--leverage", "10", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {r["preset"]: r for r in data["results"]}
    assert set(rows) >= {"binance", "bybit", "okx", "bitget", "hyperliquid", "dydx", "clearinghouse"}
    assert rows["binance"]["liquidation_price"] == pytest.approx(54216.86746987952)
    assert rows["clearinghouse"]["ok"] is False
    assert rows["clearinghouse"]["error"] == ("--leverage: leverage 10x is above the maximum 4x for BTC at 60,000.00 USD "
                                              "notional (tier 1)")
    assert rows["hyperliquid"]["surplus_to"] == "trader" and rows["hyperliquid"]["adl"]["price"] == "mark"
    assert rows["clearinghouse"]["shortfall_waterfall"] == ["trader", "clearing_member", "guaranty_fund"]
    assert any("dydx preset is 213 days old" in w for w in data["warnings"])


def test_compare_named_presets_and_unknown_symbol() -> None:
    result = runner.invoke(app, ["compare", "--presets", "binance,okx", "--symbol", "BTCUSDT", "--side", "short",
                                 "--entry", "60000", "--size", "1", "--leverage", "5", "--json"])
    rows = json.loads(result.stdout)["results"]
    assert [r["preset"] for r in rows] == ["binance", "okx"]
    assert rows[0]["ok"] and not rows[1]["ok"]
    assert rows[1]["error"].startswith("--symbol: BTCUSDT is not a symbol of the okx preset")


def test_stale_preset_warns_once_and_can_be_silenced() -> None:
    args = ["position", "--preset", "dydx", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
            "--leverage", "10"]
    table = runner.invoke(app, args)
    assert table.stderr == ("liqcalc: warning: the dydx preset is 213 days old (as of 2026-04-22); tier tables change "
                            "often: refresh it with `liqcalc presets fetch dydx`, or pass --no-stale-warning\n")
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert data["warnings"] == [table.stderr.removeprefix("liqcalc: warning: ").strip()]
    quiet = runner.invoke(app, [*args, "--no-stale-warning", "--json"])
    assert quiet.stderr == "" and json.loads(quiet.stdout)["warnings"] == []


def test_adl_risk_warns_about_a_stale_preset_too() -> None:
    args = ["adl-risk", "--preset", "dydx", "--symbol", "BTC", "--side", "short", "--entry", "64000", "--size", "1",
            "--leverage", "10", "--mark", "60000", "--liquidated-size", "1", "--bankruptcy-price", "61000"]
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert any("dydx preset is 213 days old" in w for w in data["warnings"])
    quiet = json.loads(runner.invoke(app, [*args, "--json", "--no-stale-warning"]).stdout)
    assert not any("days old" in w for w in quiet["warnings"])
