"""Issue 7 §3 for ``liqcalc position`` (single, several leverages, --account): no Decimal
noise in texts, no figure cut at 80 columns, the tier shown makes the maintenance margin
shown, margin balance + unrealized PnL = equity beside the margin ratio, and the liquidation
fee row shows what is paid."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
ACCOUNT = str(Path(__file__).parents[1] / "assets" / "accounts" / "binance-cross.json")
DOGE = ["position", "--preset", "binance", "--symbol", "DOGEUSDT", "--side", "short", "--entry", "0.3",
        "--notional", "5000000", "--no-stale-warning"]
BTC = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--no-stale-warning"]


def run(*args: str, columns: int | None = None) -> Any:
    env = None if columns is None else {"COLUMNS": str(columns)}
    return runner.invoke(app, list(args), env=env)


NOISE = re.compile(r"\d\.\d{9,}|\d{20,}")


def test_position_texts_show_sizes_and_money_without_decimal_noise() -> None:
    """Seen: "short 16666666.66666666666666666667", "the entry notional
    4999999.9999999999999999999998 USDT"."""
    table = run(*DOGE, "--leverage", "5")
    assert table.exit_code == 0, table.output
    assert "DOGEUSDT short 16,666,666.66666667 @ 0.300000" in table.stdout
    assert not NOISE.search(table.stdout), NOISE.search(table.stdout)
    refused = run(*DOGE, "--leverage", "20")
    assert refused.exit_code == 1
    assert refused.stderr == ("liqcalc: error: --leverage: leverage 20x is above the maximum 10x for DOGEUSDT at "
                              "5,000,000.00 USDT notional (tier 6)\n")


def test_implied_leverage_in_messages_is_rounded() -> None:
    result = run(*BTC, "--side", "long", "--entry", "60000", "--size", "1", "--margin", "299.123456789")
    assert result.exit_code == 1
    assert "leverage 200.58607454x (implied by --margin 299.123456789) is above the maximum 150x" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        [*BTC, "--side", "long", "--entry", "60000", "--size", "1", "--leverage", "5,10,20,50"],
        [*BTC, "--side", "short", "--entry", "100000", "--size", "15000", "--leverage", "1", "--mark", "101000"],
        [*BTC, "--side", "short", "--entry", "60000", "--size", "4.9", "--leverage", "20", "--fill", "63500",
         "--insurance-fund", "100"],
        [*DOGE, "--leverage", "1,2,3,5,10"],
        [*DOGE, "--leverage", "5", "--fill", "0.4", "--insurance-fund", "1000"],
        ["position", "--account", ACCOUNT, "--no-stale-warning"],
    ],
)
def test_no_number_is_cut_at_80_columns(args: list[str]) -> None:
    """Seen: "48,19…" in the several --leverage table at COLUMNS=80: columns fold or are left
    out (and named), a figure is never truncated."""
    narrow = run(*args, columns=80)
    assert narrow.exit_code == 0, narrow.output
    assert "…" not in narrow.stdout
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80
    wide = run(*args, columns=200)
    left_out = re.search(r"Left out at 80 columns: (.*) \(", narrow.stdout.replace("\n", " "))
    if left_out is None:
        # every figure of the wide table is whole in the narrow one
        figures = set(re.findall(r"-?[\d,]+\.\d+%?", wide.stdout))
        for figure in figures:
            assert figure in narrow.stdout.replace("\n", " ") or figure in narrow.stdout, figure


def test_leverage_table_keeps_whole_liquidation_prices_at_80_columns() -> None:
    narrow = run(*BTC, "--side", "long", "--entry", "60000", "--size", "1", "--leverage", "5,10,20,50", columns=80)
    for figure in ("48,192.77", "54,216.87", "57,228.92", "59,036.14", "12,000.00", "-19.68%"):
        assert figure in narrow.stdout
    assert "Left out at 80 columns: liq. fee, to bkr." in narrow.stdout


def test_no_liquidation_price_shows_the_tier_of_the_maintenance_margin() -> None:
    """Seen: "tier 1 ... MMR 0.4000%" beside a maintenance margin of 38,000.00 that is tier 4's
    (long 50 BTC @ 100,000, 1x: 5,000,000 x 1% - 12,000 = 38,000)."""
    args = [*BTC, "--side", "long", "--entry", "100000", "--size", "50", "--leverage", "1"]
    data = json.loads(run(*args, "--json").stdout)
    assert data["liquidation_price"] is None
    tier = data["tier"]
    assert tier["number"] == 4
    assert Decimal(str(data["maintenance_margin"])) == 5000000 * Decimal(str(tier["mmr"])) - Decimal(str(tier["maint_amount"]))
    table = run(*args).stdout
    assert re.search(r"tier\s+│\s+4 │ MMR 1\.0000%, amount 12,000\.00", table)
    assert "38,000.00 USDT" in table


def test_margin_balance_unrealized_pnl_and_equity_add_up_beside_the_margin_ratio() -> None:
    """equity = margin balance + unrealized PnL; margin ratio = maintenance margin / equity."""
    args = [*BTC, "--side", "long", "--entry", "60000", "--size", "1", "--leverage", "20", "--mark", "58500",
            "--funding", "12.5"]
    data = json.loads(run(*args, "--json").stdout)
    assert data["unrealized_pnl"] == -1500
    assert data["margin_balance"] == 2987.5
    assert data["equity"] == 1487.5
    assert data["margin_ratio"] == pytest.approx(data["maintenance_margin"] / data["equity"])
    table = run(*args).stdout
    assert re.search(r"margin balance\s+│\s+2,987\.50 USDT", table)
    assert re.search(r"unrealized PnL\s+│\s+-1,500\.00 USDT", table)
    assert re.search(r"equity\s+│\s+1,487\.50 USDT │ margin balance \+ unrealized PnL", table)
    assert "maintenance margin / equity" in table
    assert data["margin_ratio"] == pytest.approx(234 / 1487.5)  # 58,500 x 0.4%


def test_liquidation_fee_row_shows_the_fee_capped_at_what_is_left() -> None:
    """Binance 20x long 1 BTC @ 60,000: 1.25% of 57,228.92 is 715.36, but only 228.92 is left."""
    args = [*BTC, "--side", "long", "--entry", "60000", "--size", "1", "--leverage", "20"]
    data = json.loads(run(*args, "--json").stdout)
    assert data["liquidation_fee"] == pytest.approx(715.3614457831)
    assert data["liquidation_fee_paid"] == pytest.approx(228.9156626506)
    table = run(*args).stdout
    assert re.search(r"liquidation fee\s+│\s+228\.92 USDT │ 1\.25% of notional = 715\.36, capped at what is left", table)
    assert "margin → insurance fund 228.92 (fee)" in table


def test_liquidation_fee_row_in_a_backstop_liquidation_is_none() -> None:
    args = ["position", "--preset", "hyperliquid", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
            "--leverage", "20", "--liquidation-fee", "0.01", "--no-stale-warning"]
    data = json.loads(run(*args, "--json").stdout)
    backstop = data["waterfalls"][0]["backstop"]
    if backstop:
        assert data["liquidation_fee_paid"] == 0
    else:
        assert data["liquidation_fee_paid"] == pytest.approx(min(data["liquidation_fee"], data["waterfalls"][0]["surplus"]))


def test_account_equity_and_margin_ratio_add_up() -> None:
    data = json.loads(run("position", "--account", ACCOUNT, "--no-stale-warning", "--json").stdout)
    pnl = sum(p["unrealized_pnl"] for p in data["positions"])
    assert data["unrealized_pnl"] == pytest.approx(pnl)
    assert data["equity"] == pytest.approx(data["margin_balance"] + pnl)
    assert data["maintenance_margin"] == pytest.approx(sum(p["maintenance_margin"] for p in data["positions"]))
    assert data["margin_ratio"] == pytest.approx(data["maintenance_margin"] / data["equity"])
    table = re.sub(r"\s+", " ", run("position", "--account", ACCOUNT, "--no-stale-warning").stdout)
    assert ("Margin balance 1,535,443.01 USDT + unrealized PnL -504,547.45 USDT = equity 1,030,895.56 USDT; margin "
            "ratio = maintenance margin 427,713.32 USDT / equity = 41.49%") in table
    assert data["margin_asset"] == "USDT"


def test_equity_note_has_no_rounding_residue() -> None:
    """A mark with a float tail left "+ other positions' PnL -0.00000000000000000000001933"
    in the equity note of a single (not cross-account) position."""
    args = ["position", "--preset", "dydx", "--symbol", "BTC-USD", "--side", "long", "--entry", "60000", "--notional",
            "5000000", "--leverage", "7", "--mark", "64200.00000000001", "--no-stale-warning"]
    result = run(*args, columns=120)
    assert result.exit_code == 0, result.output
    assert "other positions" not in result.stdout
    assert not NOISE.search(result.stdout)


def test_distances_have_the_decimals_of_the_mark_they_are_measured_from() -> None:
    """Seen: "-178.781 (-0.83%) from mark" beside prices of 2 decimals (new-user trial)."""
    result = runner.invoke(app, ["position", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "long",
                                      "--entry", "21631.9", "--size", "13.934708", "--margin", "3641.65",
                                      "--no-stale-warning"])
    assert result.exit_code == 0, result.output
    assert "-178.78 (-0.83%) from mark" in result.stdout and "-249.58 (-1.15%) from mark" in result.stdout
