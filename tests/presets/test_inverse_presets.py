"""The inverse built-in presets (issue 9): bybit-inverse, binance-coinm and bitmex state their
contracts as the venues do, their tables hold the venues' stated figures, and the properties of
an inverse contract hold on each of them, in the coin."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from helpers import D

import liqcalc
from liqcalc.core.tiers import maint_amounts, tier_for
from liqcalc.presets.loader import load

INVERSE = {"bybit-inverse": "BTCUSD", "binance-coinm": "BTCUSD_PERP", "bitmex": "XBTUSD"}


@pytest.mark.parametrize(("preset", "symbol", "face"), [
    # Bybit: "10,000 contracts" of BTCUSD are worth 10,000 / 8,000 = 1.25 BTC (help.bybit.com 360039261334)
    ("bybit-inverse", "BTCUSD", "1"),
    # Binance COIN-M: "contractSize": 100 for BTCUSD; the issue: "100 USD for Binance COIN-M BTCUSD"
    ("binance-coinm", "BTCUSD_PERP", "100"),
    # BitMEX: "multiplier": -100000000, "isInverse": true (recorded instrument, 2024-11-24)
    ("bitmex", "XBTUSD", "1"),
])
def test_each_inverse_preset_states_its_contract_in_the_coin(preset: str, symbol: str, face: str) -> None:
    spec = load(preset).symbol(symbol)
    assert (spec.contract_type, spec.face_value, spec.margin_asset, spec.unit) == ("inverse", D(face), "BTC", "BTC")
    assert not spec.complete  # only the first tiers are known: beyond them, an error rather than a guess


def test_bitmex_symbol_btc_is_xbtusd() -> None:
    """Issue 9: "Symbols in the venue's spelling and by base asset (--symbol BTC on bitmex is XBTUSD)"."""
    assert load("bitmex").symbol("BTC").name == "XBTUSD"


def test_bybit_inverse_counts_added_margin_net_of_the_taker_fee() -> None:
    """STATED, Bybit UTA isolated inverse formula (2026-05-27): "(Extra Margin Added / (1 + Taker
    Fee Rate))". 0.1 BTC added to a 60,000 USD long @ 50,000 at 10x counts 0.1 / 1.00055."""
    assert load("bybit-inverse").venue.margin.added_margin == "divided_by_one_plus_taker"
    trade = partial(liqcalc.position, preset="bybit-inverse", symbol="BTCUSD", side="long", entry=50000, size=60000,
                    leverage=10, no_stale_warning=True)
    plain, added = trade().to_dict(), trade(add_margin="0.1").to_dict()
    assert added["margin_balance"] - plain["margin_balance"] == D("0.1") / D("1.00055")


def test_binance_coinm_brackets_follow_the_faq_recursion_and_300_btc_is_12_5_percent() -> None:
    """STATED, https://www.binance.com/es/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46 : "if the
    position of the BTCUSD contract is 300 BTC, then the maintenance margin rate would be 12.5%";
    "Maintenance Amount formula = [ Floor of Position Bracket on Level n * difference between
    Maintenance Margin Rate on Level n and Maintenance Margin Rate on Level n-1) ] + Maintenance
    Amount on Level n-1", worked as "Level 5 = 50 BTC * (5% -2.5%) + 0.56 BTC".

    The preset's brackets (bounds at 5/10/20/50 BTC, newer than the FAQ's 10/20/30/50) put 300
    BTC at 12.5% as the FAQ says; their level-5 step is the FAQ's own, 50 BTC x (5% - 2.5%) +
    the level-4 amount, with this table's level 4 (0.355 BTC): 1.605 BTC, and 11.605 BTC at 300
    BTC where the FAQ's older table has 11.81 (tests/core/test_inverse_examples.py reproduces the
    FAQ's figures from that table)."""
    spec = load("binance-coinm").symbol("BTCUSD_PERP")
    tiers = spec.tiers
    assert [t.maint_amount for t in tiers] == maint_amounts([t.floor for t in tiers], [t.mmr for t in tiers])
    assert (tiers[4].floor, tiers[4].mmr, tiers[3].mmr) == (D(50), D("0.05"), D("0.025"))
    assert tiers[4].maint_amount == D(50) * (D("0.05") - D("0.025")) + tiers[3].maint_amount == D("1.605")
    at_300 = tier_for(spec, D(300), "value")
    assert (at_300.number, at_300.mmr, at_300.maint_amount) == (7, D("0.125"), D("11.605"))


def test_bitmex_risk_limit_example_180_to_230_xbt_moves_mm_to_1_and_im_to_1_5_percent() -> None:
    """STATED, https://bitmex.com/app/riskLimitsExamples : "A trader has a XBTUSD position worth
    180 XBT. The current maintenance margin requirement is 0.50% (0.90 XBT), and current initial
    margin requirement for new orders is 1.00%." Adding 50 XBT makes 230 XBT, "1 step above the
    Base Risk Limit of 200 XBT ... the next step (<350XBT) to 1.00% and 1.50%". The preset's
    XBTUSD table is that page's; the whole position takes the step's rates (no deduction).
    Through liqcalc.position at 10,000 USD: 1,800,000 contracts are 180 XBT, 2,300,000 are 230."""
    spec = load("bitmex").symbol("XBTUSD")
    before, after = tier_for(spec, D(180), "value"), tier_for(spec, D(230), "value")
    assert (before.mmr, round(1 / before.max_leverage, 4)) == (D("0.005"), D("0.01"))
    assert (after.mmr, round(1 / after.max_leverage, 4)) == (D("0.01"), D("0.015"))
    assert all(t.maint_amount == 0 for t in spec.tiers)
    trade = partial(liqcalc.position, preset="bitmex", symbol="XBTUSD", side="long", entry=10000, leverage=50,
                    no_stale_warning=True)
    small, large = trade(size=1_800_000).to_dict(), trade(size=2_300_000).to_dict()
    assert (small["notional"], round(small["maintenance_margin"], 2)) == (D(180), D("0.90"))
    assert (large["notional"], large["tier"]["number"], round(large["maintenance_margin"], 2)) == (D(230), 2, D("2.30"))


@pytest.mark.parametrize(("preset", "symbol"), INVERSE.items())
@pytest.mark.parametrize("mark", ["1000", "45000", "60000", "1000000"])
def test_a_1x_inverse_short_has_no_bankruptcy_price_at_any_mark(preset: str, symbol: str, mark: str) -> None:
    """Issue 9: "a 1x inverse short (equity = contracts x face / mark, in the coin) has no
    bankruptcy price at any mark": the coin posted at 1x is worth the contracts' USD at every
    price, so equity never reaches zero."""
    d = liqcalc.position(preset=preset, symbol=symbol, side="short", entry=45000, size=1000, leverage=1, mark=mark,
                         no_stale_warning=True).to_dict()
    assert d["bankruptcy_price"] is None
    face = load(preset).symbol(symbol).face_value
    assert abs(d["equity"] - 1000 * face / Decimal(mark)) <= D("1e-20")
