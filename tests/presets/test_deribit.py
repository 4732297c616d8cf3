"""The deribit preset (issue 9): margin that grows with the size, no tiers ("size_scaled"), and
Deribit's own worked examples to their printed precision.

STATED, https://support.deribit.com/hc/en-us/articles/25944738177565-Linear-Perpetual (BTC_USDC
at 100,000, SOL_USDC at 200): "2% + 25 * 0.005% = 2.125% (position 25 BTC = 2,500,000 USDC)",
"25 * 2.125% = 0.53125 BTC 0.53125 * 100,000 = 53,125 USDC"; "1% + 25 * 0.005% = 1.125%", "25 *
1.125% = 0.28125 BTC 0.28125 BTC * 100,000 = 28,125 USDC"; "2% + 350 * 0.005% = 3.75%", "13.125 BTC
* 100,000 = 1,312,500 USDC"; "4% + 25 * 0.0005% = 4.0125%", "1.003125 * 200 = 200.625 USDC"; "2% +
25 * 0.0005% = 2.0125%", "0.503125 SOL * 200 = 100.625 USDC"; "4% + 6000 * 0.0005% = 7%", "420 SOL *
200 = 84,000 USDC". The inverse BTC-PERPETUAL from 11 January 2022 has BTC_USDC's rates
(https://support.deribit.com/hc/en-us/articles/25944826427293-11-January-2022 ).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import D

from liqcalc.core.errors import LeverageError, LiqcalcError, PresetError
from liqcalc.core.position import Calculator, PositionResult, PositionSpec
from liqcalc.presets.loader import builtin_dir, load, parse


def at_max_leverage(symbol: str, size: str, entry: str) -> tuple[Calculator, PositionResult]:
    """A long of ``size`` at ``entry`` opened at the maximum leverage its size allows."""
    preset = load("deribit")
    calc = Calculator(preset.venue, preset.symbol(symbol))
    _, q, (e,) = calc.to_core("long", D(size), D(entry))
    leverage = calc.tier_at(q, e, "entry").max_leverage
    return calc, calc.evaluate(PositionSpec(side="long", size=D(size), entry=D(entry), mark=D(entry), leverage=leverage))


@pytest.mark.parametrize(("symbol", "size", "entry", "initial_rate", "initial_margin", "mmr", "maintenance"), [
    ("BTC_USDC", "25", "100000", "0.02125", "53125", "0.01125", "28125"),
    ("BTC_USDC", "350", "100000", "0.0375", "1312500", "0.02750", "962500"),
    ("SOL_USDC", "25", "200", "0.040125", "200.625", "0.020125", "100.625"),
    ("SOL_USDC", "6000", "200", "0.07", "84000", "0.05", "60000"),
])
def test_deribit_linear_margin_examples(symbol: str, size: str, entry: str, initial_rate: str, initial_margin: str,
                                        mmr: str, maintenance: str) -> None:
    """The Linear Perpetual page's table: the rates at each size and the margins in USDC, to the
    page's precision (IM at the maximum leverage, 1 / the initial rate; MM at the mark = entry).
    The page prints no MM for 350 BTC or 6000 SOL: 2.75% and 5% follow its formula."""
    _, r = at_max_leverage(symbol, size, entry)
    assert (1 / r.tier.max_leverage).quantize(D("1e-12")) == D(initial_rate)
    assert r.initial_margin is not None and r.initial_margin.quantize(D("0.001")) == D(initial_margin)
    assert r.tier.mmr == D(mmr) and r.maintenance_margin == D(maintenance)


def test_deribit_btc_perpetual_25_btc_is_0_53125_btc_initial_and_0_28125_btc_maintenance() -> None:
    """Issue 9: "25 BTC at 100,000: IM 2.125% = 0.53125 BTC, MM 1.125% = 0.28125 BTC", on the inverse
    BTC-PERPETUAL (10 USD a contract: 250,000 contracts are 25 BTC at 100,000, read at the entry)."""
    calc, r = at_max_leverage("BTC-PERPETUAL", "250000", "100000")
    assert calc.symbol.contract_type == "inverse" and calc.symbol.face_value == 10 and calc.symbol.margin_asset == "BTC"
    assert r.notional == 25
    assert r.initial_margin is not None and r.initial_margin.quantize(D("1e-8")) == D("0.53125")
    assert (r.tier.mmr, r.maintenance_margin) == (D("0.01125"), D("0.28125"))
    assert r.liquidation_fee_rate == D("0.0075")  # "Deribit will raise BTC liquidation fees to 0.75%"


def test_deribit_rates_grow_with_the_size_and_equity_meets_them_at_the_liquidation_price() -> None:
    """MM = size x price x (1% + size x 0.005%) on BTC_USDC: at the liquidation price, equity is
    that maintenance margin (the rate of 10 BTC, 1.05%, valued at the price)."""
    preset = load("deribit")
    calc = Calculator(preset.venue, preset.symbol("BTC_USDC"))
    r = calc.evaluate(PositionSpec(side="short", size=D(10), entry=D(100000), mark=D(100000), leverage=D(20)))
    assert r.tier.mmr == D("0.0105") and r.liquidation_price is not None
    equity = r.margin_balance - 10 * (r.liquidation_price - 100000)
    assert abs(equity - 10 * r.liquidation_price * D("0.0105")) < D("1e-20")
    small = calc.evaluate(PositionSpec(side="short", size=D(1), entry=D(100000), mark=D(100000), leverage=D(20)))
    assert small.tier.mmr == D("0.01005") and small.liquidation_price is not None
    assert small.liquidation_price > r.liquidation_price  # the larger short pays a higher rate: liquidated sooner


def test_deribit_refuses_a_leverage_above_one_over_the_initial_rate_at_the_size() -> None:
    preset = load("deribit")
    calc = Calculator(preset.venue, preset.symbol("SOL_USDC"))
    with pytest.raises(LeverageError) as caught:
        calc.evaluate(PositionSpec(side="short", size=D(6000), entry=D(200), mark=D(200), leverage=D(15)))
    assert str(caught.value) == ("--leverage: leverage 15x is above the maximum 14.28571429x for SOL_USDC at "
                                 "1,200,000.00 USDC notional (initial margin 7% at 6,000 SOL)")
    ok = calc.evaluate(PositionSpec(side="short", size=D(6000), entry=D(200), mark=D(200), leverage=D(14)))
    assert ok.leverage == 14


def test_deribit_refuses_a_size_whose_initial_rate_reaches_100_percent() -> None:
    """2% + size x 0.005% reaches 100% at 19,600 BTC: no leverage is left, the size is refused."""
    result = _cli("position", "--preset", "deribit", "--symbol", "BTC_USDC", "--side", "long", "--entry", "100000",
                  "--size", "19600", "--leverage", "1")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("liqcalc: error: --size: BTC_USDC: 19,600 BTC is beyond the largest position its rates "
                             "allow: the initial margin rate grows with the size and reaches 100% at 19,600 BTC; give a "
                             "smaller size\n")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    stale = [] if args[0] == "presets" else ["--no-stale-warning"]
    return subprocess.run([sys.executable, "-m", "liqcalc", *args, *stale], capture_output=True, text=True,
                          cwd=tempfile.gettempdir(), check=False)


def test_deribit_leverage_refusal_is_one_line_through_the_cli() -> None:
    result = _cli("position", "--preset", "deribit", "--symbol", "BTC_USDC", "--side", "long", "--entry", "100000",
                  "--size", "25", "--leverage", "48")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("liqcalc: error: --leverage: leverage 48x is above the maximum 47.05882353x for BTC_USDC "
                             "at 2,500,000.00 USDC notional (initial margin 2.125% at 25 BTC)\n")


def test_deribit_has_no_adl_and_the_book_refuses_its_size_scaled_margin_in_one_line() -> None:
    """No ADL queue (insurance fund, then socialized loss): adl-risk refuses the preset; the numpy
    book, reached from Python, refuses a margin it does not vectorize with one line."""
    result = _cli("adl-risk", "--preset", "deribit", "--symbol", "BTC_USDC", "--mark", "100000",
                  "--liquidated-size", "1", "--bankruptcy-price", "90000")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "no auto-deleveraging" in result.stderr
    from liqcalc.core.book import Tiers

    preset = load("deribit")
    assert preset.venue.shortfall.waterfall == ("insurance_fund", "socialized_loss")
    with pytest.raises(LiqcalcError) as caught:
        Tiers.of(preset.venue, preset.symbol("BTC_USDC"))
    assert str(caught.value) == ("deribit: its margin grows with each position's size (size_scaled), which the book "
                                 "does not model")


def test_deribit_cross_account_takes_each_positions_rate_at_its_size() -> None:
    from liqcalc.core.position import AccountRow, evaluate_account

    preset = load("deribit")
    rows = [AccountRow(preset.symbol("BTC_USDC"), "long", D(25), D(100000), D(100000)),
            AccountRow(preset.symbol("SOL_USDC"), "short", D(6000), D(200), D(200))]
    results = evaluate_account(preset.venue, D(100000), rows)
    assert [(r.tier.mmr, r.maintenance_margin) for r in results] == [(D("0.01125"), D(28125)), (D("0.05"), D(60000))]


def test_deribit_notes_say_where_the_liquidation_price_comes_from_and_where_coinbase_traders_go() -> None:
    notes = " ".join(load("deribit").venue.notes)
    assert "where equity meets the maintenance margin" in notes
    assert "Coinbase International Exchange" in notes and "1 October 2026" in notes


BASE = (builtin_dir() / "deribit.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('tier_basis = "entry_notional"', 'tier_basis = "liquidation_notional"',
     'margin.tier_basis: a size-scaled rate reads the size at the entry ("entry_notional")'),
    (", mmr_per_size = 0.000005 }", " }", 'symbols.SOL_USDC.tiers[0].mmr_per_size: missing (margin.maintenance_rate is "size_scaled")'),
    ('\nmaintenance_rate = "size_scaled"', '\nmaintenance_rate = "tier"',
     'symbols.BTC-PERPETUAL.tiers[0].imr_per_size: only margin.maintenance_rate = "size_scaled" has a per-size factor'),
    ("mmr_per_size = 0.000005 }", "mmr_per_size = 0.00001 }",
     "symbols.SOL_USDC.tiers[0].mmr_per_size: 0.00001 is above imr_per_size 0.000005"),
    ('tier_unit = "base"\n', "", 'symbols.BTC_USDC.tier_unit: a size-scaled rate grows with the size in the base coin'),
    ("imr_per_size = 0.000005, mmr_per_size = 0.000005 },",
     "imr_per_size = 0.000005, mmr_per_size = 0.000005, cap = 10 },\n  { floor = 10, max_leverage = 20, mmr = 0.03, "
     "imr_per_size = 0, mmr_per_size = 0 },",
     "symbols.SOL_USDC.tiers: a size-scaled rate has one row"),
])
def test_a_size_scaled_preset_is_validated(old: str, new: str, message: str, tmp_path: Path) -> None:
    assert old in BASE
    path = tmp_path / "deribit-bad.toml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PresetError) as caught:
        parse(path)
    assert any(message in line for line in caught.value.problems), caught.value.problems


def test_presets_show_gives_the_per_size_factors() -> None:
    result = _cli("presets", "show", "deribit", "--symbol", "SOL_USDC", "--json")
    import json

    data = json.loads(result.stdout)
    assert data["symbol"]["tiers"] == [{"number": 1, "floor": 0, "cap": None, "max_leverage": 25, "mmr": 0.02,
                                        "maint_amount": 0, "overridden": False, "imr_per_size": 0.000005,
                                        "mmr_per_size": 0.000005}]
    assert data["rules"]["margin"]["tier_basis"] == "entry_notional"
    assert Decimal(str(data["symbol"]["tiers"][0]["mmr"])) == D("0.02")


@pytest.mark.parametrize("mark", ["1000", "45000", "60000", "1000000"])
def test_deribit_1x_inverse_short_has_no_bankruptcy_price_at_any_mark(mark: str) -> None:
    """Issue 9's property of every inverse preset, on BTC-PERPETUAL: at 1x the coin posted is worth
    the contracts' USD at every price (equity = contracts x 10 / mark), so it never reaches zero."""
    import liqcalc

    d = liqcalc.position(preset="deribit", symbol="BTC-PERPETUAL", side="short", entry=45000, size=1000, leverage=1,
                         mark=mark, no_stale_warning=True).to_dict()
    assert d["bankruptcy_price"] is None
    assert abs(d["equity"] - 1000 * D(10) / Decimal(mark)) <= D("1e-20")


def test_every_maintenance_rate_a_preset_can_name_is_a_rule() -> None:
    from typing import get_args

    from liqcalc.core.model import MaintenanceRate
    from liqcalc.core.rules import MAINTENANCE_RATES

    assert set(MAINTENANCE_RATES) == set(get_args(MaintenanceRate))
    assert [name for name, rule in MAINTENANCE_RATES.items() if rule.scales] == ["size_scaled"]


@pytest.mark.parametrize(("query", "name"), [("BTC", "BTC-PERPETUAL"), ("btc_usdc", "BTC_USDC"), ("SOL", "SOL_USDC")])
def test_deribit_symbols_by_venue_spelling_and_base(query: str, name: str) -> None:
    assert load("deribit").symbol(query).name == name
