"""Every worked example the venues (and peers) publish, to the printed precision.

Labels follow shared/reference/venues.md: STATED (the venue's page), STATED-3P (a third party
quoting the venue), DERIVED (computed from a stated formula: a regression test of ours).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import D, one_tier, rounded, symbol, venue

from liqcalc.core.position import AccountRow, Calculator, PositionSpec, evaluate_account
from liqcalc.core.tiers import maint_amounts, mmr_from_max_leverage, tier_for
from liqcalc.presets.loader import load

# -- Binance ------------------------------------------------------------------------------

# BTCUSDT brackets effective 2021-03-18 (Binance announcement 86cf9aa472574b8cb2e05bb751c2a9a6):
BINANCE_2021 = [
    ("0", "50000", "125", "0.004"), ("50000", "250000", "100", "0.005"), ("250000", "1000000", "50", "0.01"),
    ("1000000", "10000000", "20", "0.025"), ("10000000", "20000000", "10", "0.05"),
    ("20000000", "50000000", "5", "0.10"), ("50000000", "100000000", "4", "0.125"),
    ("100000000", "200000000", "3", "0.15"), ("200000000", "300000000", "2", "0.25"),
    ("300000000", "500000000", "1", "0.50"),
]


def test_binance_faq_maintenance_amount_level_3_is_1300() -> None:
    """STATED, binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93: "the Maintenance
    Amount on Level 5 = 250,000 * (1% - 0.5%) + 50 USDT = 1,300 USDT"; "if the position ... is
    500,000 USDT, then the maintenance amount would be 1,300 USDT"."""
    table = symbol(BINANCE_2021)
    assert tier_for(table, D(500000), "notional").maint_amount == D(1300)
    assert [t.maint_amount for t in table.tiers] == [
        D(v) for v in ("0", "50", "1300", "16300", "266300", "1266300", "2516300", "5016300", "25016300", "100016300")
    ]


def test_binance_faq_264000_is_at_1_percent() -> None:
    """STATED, same FAQ: "if the position ... is 264,000 USDT, then the maintenance margin rate
    would be 1% (or 0.01)"."""
    assert tier_for(symbol(BINANCE_2021), D(264000), "notional").mmr == D("0.01")


def test_binance_coinm_maintenance_amount_step() -> None:
    """STATED, binance.com/es/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46: "BTCUSD Maintenance
    Amount on Level 5 = 50 BTC * (5% -2.5%) + 0.56 BTC = 1.81 BTC"."""
    amounts = maint_amounts([D(0), D(50)], [D("0.025"), D("0.05")])
    assert amounts[1] + D("0.56") == D("1.81")


def test_binance_2022_snapshot_amounts_follow_the_recursion() -> None:
    """SNAPSHOT (boolean404/heikin-ashi-trading-bot fapiPrivate_get_leverage_bracket.py):
    the published `cum` column equals the recursion at every bracket."""
    rows = [("0", "50000", "125", "0.004"), ("50000", "250000", "100", "0.005"), ("250000", "3000000", "50", "0.01"),
            ("3000000", "20000000", "20", "0.025"), ("20000000", "40000000", "10", "0.05"),
            ("40000000", "100000000", "5", "0.10"), ("100000000", "120000000", "4", "0.125"),
            ("120000000", "200000000", "3", "0.15"), ("200000000", "300000000", "2", "0.25"),
            ("300000000", "500000000", "1", "0.50")]
    assert [t.maint_amount for t in symbol(rows).tiers] == [
        D(v) for v in ("0", "50", "1300", "46300", "546300", "2546300", "5046300", "8046300", "28046300", "103046300")
    ]


def _binance_cross_rows(mmr_btc: str = "0.025", cum_btc: str = "16300") -> list[AccountRow]:
    btc = load("binance").symbol("BTCUSDT")
    eth = load("binance").symbol("ETHUSDT")
    return [
        AccountRow(btc, "long", D("109.488"), D("32481.98"), D("31967.27"), D(mmr_btc), D(cum_btc)),
        AccountRow(eth, "long", D("3683.979"), D("1456.84"), D("1335.18"), D("0.1"), D("135365")),
    ]


def test_binance_faq_cross_example() -> None:
    """STATED-3P: Binance FAQ cross-margin calculation example, transcribed in freqtrade
    tests/exchange/test_binance.py ("From calc example"): WB 1,535,443.01 -> LP(BTCUSDT)
    26,316.89, LP(ETHUSDT) 1,153.26."""
    results = evaluate_account(load("binance").venue, D("1535443.01"), _binance_cross_rows())
    assert rounded(results[0].liquidation_price, 2) == D("26316.89")
    assert rounded(results[1].liquidation_price, 2) == D("1153.26")


@pytest.mark.parametrize(("row", "expected"), [(0, "18778.73"), (1, "1114.78")])
def test_binance_faq_example_isolated_variants(row: int, expected: str) -> None:
    """STATED-3P, same freqtrade test: each position alone with WB as its isolated margin."""
    r = _binance_cross_rows()[row]
    spec = PositionSpec(side=r.side, size=r.size, entry=r.entry, mark=r.mark, margin=D("1535443.01"),
                        mmr=r.mmr, maint_amount=r.maint_amount)
    result = Calculator(load("binance").venue, r.symbol).evaluate(spec)
    assert rounded(result.liquidation_price, 2) == D(expected)


@pytest.mark.parametrize(
    ("side", "leverage", "entry", "expected", "places"),
    [("short", "5", "10", "11.89108910891089", 14), ("long", "5", "10", "8.070707070707071", 14),
     ("long", "3", "10", "6.723905723905723", 14), ("long", "5", "8", "6.454545454545454", 14)],
)
def test_freqtrade_binance_formula_grid(side: str, leverage: str, entry: str, expected: str, places: int) -> None:
    """STATED-3P, freqtrade tests/exchange/test_exchange.py test_get_liquidation_price (MMR
    0.01, cum 0.01, WB = stake, qty 1). freqtrade's values are binary floats printed to 16
    digits; compared one digit short of that."""
    spec = PositionSpec(side=side, size=D(1), entry=D(entry), mark=D(entry), leverage=D(leverage),  # type: ignore[arg-type]
                        mmr=D("0.01"), maint_amount=D("0.01"))
    result = Calculator(venue(), one_tier("0.01")).evaluate(spec)
    assert rounded(result.liquidation_price, places) == rounded(D(expected), places)


def test_binance_btcusdt_2026_table_long_and_short() -> None:
    """STATED-3P (freqtrade 2026.9 run on the same table as the built-in preset): 1 BTC @ 60,000,
    20x isolated -> 57,228.92 long, 62,749.00 short."""
    calc = Calculator(load("binance").venue, load("binance").symbol("BTCUSDT"))
    long = calc.evaluate(PositionSpec(side="long", size=D(1), entry=D(60000), mark=D(60000), leverage=D(20)))
    short = calc.evaluate(PositionSpec(side="short", size=D(1), entry=D(60000), mark=D(60000), leverage=D(20)))
    assert rounded(long.liquidation_price, 2) == D("57228.92")
    assert rounded(short.liquidation_price, 2) == D("62749.00")


def test_binance_isolated_derived_vector() -> None:
    """DERIVED (venues.md §2.5 #6): 1 BTC @ 100,000, WB 5,000, tier 0.4%/0 -> 95,381.53 / 104,581.67."""
    calc = Calculator(venue(), symbol([("0", "300000", "150", "0.004")]))
    long = calc.evaluate(PositionSpec(side="long", size=D(1), entry=D(100000), mark=D(100000), margin=D(5000)))
    short = calc.evaluate(PositionSpec(side="short", size=D(1), entry=D(100000), mark=D(100000), margin=D(5000)))
    assert rounded(long.liquidation_price, 2) == D("95381.53")
    assert rounded(short.liquidation_price, 2) == D("104581.67")


# -- Bybit --------------------------------------------------------------------------------

BYBIT_CLASSIC = {"tier_basis": "entry_notional", "maintenance_basis": "entry_price"}


def test_bybit_isolated_usdt_example() -> None:
    """STATED, testnet.bybit.com/en-US/help-center/s/article/Liquidation-Price-USDT-Contract
    (classic account, no closing fee in the margin): 1 BTC long @ 20,000, 50x, MMR 0.5% ->
    IM 400, MM 100, LP 19,700."""
    calc = Calculator(venue(**BYBIT_CLASSIC), one_tier("0.005", "100"))  # type: ignore[arg-type]
    r = calc.evaluate(PositionSpec(side="long", size=D(1), entry=D(20000), mark=D(20000), leverage=D(50)))
    assert r.initial_margin == D(400)
    assert r.maintenance_margin == D(100)
    assert r.liquidation_price == D(19700)


def test_bybit_bankruptcy_price_example() -> None:
    """STATED, Bybit "Bankruptcy Price (USDT Contract)": 1 BTC long @ 10,000, 50x ->
    10,000 x (1 - 2%) = 9,800; holds with the UTA closing fee in the margin too."""
    for close_fee in ("none", "estimated_close_at_bankruptcy"):
        calc = Calculator(venue(**BYBIT_CLASSIC, close_fee=close_fee, taker="0.00055"), one_tier("0.005", "100"))  # type: ignore[arg-type]
        r = calc.evaluate(PositionSpec(side="long", size=D(1), entry=D(10000), mark=D(10000), leverage=D(50)))
        assert r.bankruptcy_price == D(9800)


def test_bybit_fee_article_example() -> None:
    """STATED-3P, Bybit fee article as summarised at mobie.io: 1 BTC @ 10,000, 50x, taker
    0.075% -> IM 200, opening fee 7.5, closing fee at the bankruptcy price 9,800 x 0.075% =
    7.35, total cost 214.85 (UTA: the closing fee is inside the initial margin)."""
    calc = Calculator(venue(**BYBIT_CLASSIC, close_fee="estimated_close_at_bankruptcy", taker="0.00075"),  # type: ignore[arg-type]
                      one_tier("0.005", "100"))
    r = calc.evaluate(PositionSpec(side="long", size=D(1), entry=D(10000), mark=D(10000), leverage=D(50)))
    assert r.open_fee == D("7.5")
    assert calc.close_fee("long", D(1), D(10000), D(50)) == D("7.35")
    assert r.initial_margin == D("207.35")
    assert r.initial_margin + r.open_fee == D("214.85")


def test_bybit_uta_api_capture() -> None:
    """STATED-3P (a real /v5/position/list response, 2024-06-27): BTCUSDT long 0.001 @ 60,766.7,
    10x, riskId 1 (MMR 0.5%, the table of that date, given with --mmr) -> positionIM
    6.10674952, positionMM 0.33391302, with the built-in Bybit taker rate 0.055%."""
    preset = load("bybit")
    assert preset.venue.fees.taker == D("0.00055")
    calc = Calculator(preset.venue, preset.symbol("BTCUSDT"))
    r = calc.evaluate(PositionSpec(side="long", size=D("0.001"), entry=D("60766.7"), mark=D("60766.7"),
                                   leverage=D(10), mmr=D("0.005")))
    assert rounded(r.initial_margin, 8) == D("6.10674952")
    assert rounded(r.maintenance_margin, 8) == D("0.33391302")


def test_bybit_uta_derived_vector() -> None:
    """DERIVED (venues.md §3.5 #7): UTA long 1 BTC @ 100,000, 10x, MMR 0.5%, taker 0.055% ->
    IM 10,049.5, MM 549.5, LP 90,500."""
    calc = Calculator(venue(**BYBIT_CLASSIC, close_fee="estimated_close_at_bankruptcy", taker="0.00055"),  # type: ignore[arg-type]
                      one_tier("0.005", "100"))
    r = calc.evaluate(PositionSpec(side="long", size=D(1), entry=D(100000), mark=D(100000), leverage=D(10)))
    assert (r.initial_margin, r.maintenance_margin, r.liquidation_price) == (D("10049.5"), D("549.5"), D(90500))


@pytest.mark.parametrize(
    ("side", "leverage", "expected"),
    [("long", "5", "8.1"), ("long", "10", "9.1"), ("long", "1", "0.1"), ("short", "5", "11.9"), ("short", "10", "10.9")],
)
def test_freqtrade_bybit_isolated_grid(side: str, leverage: str, expected: str) -> None:
    """STATED-3P, freqtrade test_get_liquidation_price, Bybit isolated (MMR 0.01, @10, qty 1)."""
    calc = Calculator(venue(**BYBIT_CLASSIC), one_tier("0.01"))  # type: ignore[arg-type]
    r = calc.evaluate(PositionSpec(side=side, size=D(1), entry=D(10), mark=D(10), leverage=D(leverage)))  # type: ignore[arg-type]
    assert r.liquidation_price == D(expected)


def test_bybit_tier_illustration_deduction() -> None:
    """DERIVED from Bybit "Maintenance Margin (USDT Contract)" XYZUSDT tiers (2%..4% per 1,000):
    3,500 of position value -> MM 92.5 = 3,500 x 3.5% - 30."""
    table = symbol([("0", "1000", "50", "0.02"), ("1000", "2000", "40", "0.025"), ("2000", "3000", "33", "0.03"),
                    ("3000", "4000", "28", "0.035"), ("4000", "5000", "25", "0.04")])
    tier = tier_for(table, D(3500), "notional")
    assert tier.maint_amount == D(30)
    assert D(3500) * tier.mmr - tier.maint_amount == D("92.5")


def test_jesse_isolated_short() -> None:
    """STATED-3P, jesse TestLiquidationInIsolatedModeForShortTrade: short 2,000 @ 10, 2x, MMR
    0.4% (Bybit-style MM at entry) -> liquidation 14.96, bankruptcy 15."""
    calc = Calculator(venue(**BYBIT_CLASSIC), one_tier("0.004"))  # type: ignore[arg-type]
    r = calc.evaluate(PositionSpec(side="short", size=D(2000), entry=D(10), mark=D(10), leverage=D(2)))
    assert (r.liquidation_price, r.bankruptcy_price) == (D("14.96"), D(15))


# -- OKX and Bitget -----------------------------------------------------------------------

TAKER_IN_MM = {"tier_basis": "entry_notional", "maintenance_basis": "liquidation_price", "close_fee": "taker_rate"}


@pytest.mark.parametrize(
    ("side", "leverage", "expected", "places"),
    [("short", "5", "11.87413417771621", 13), ("long", "5", "8.085708510208207", 14), ("long", "3", "6.738090425173506", 14)],
)
def test_freqtrade_okx_gate_grid(side: str, leverage: str, expected: str, places: int) -> None:
    """STATED-3P, freqtrade test_get_liquidation_price, Gate/OKX generic (MMR 0.01 + taker
    0.0006, @10, qty 1); binary floats compared one digit short of their 16."""
    calc = Calculator(venue(**TAKER_IN_MM, taker="0.0006"), one_tier("0.01"))  # type: ignore[arg-type]
    r = calc.evaluate(PositionSpec(side=side, size=D(1), entry=D(10), mark=D(10), leverage=D(leverage)))  # type: ignore[arg-type]
    assert rounded(r.liquidation_price, places) == rounded(D(expected), places)


@pytest.mark.parametrize(("taker", "long", "short"), [("0.0005", "90406.83", "109507.22"), ("0.0006", "90415.91", "109496.32")])
def test_okx_and_bitget_derived_vectors(taker: str, long: str, short: str) -> None:
    """DERIVED (venues.md §4.2 OKX, §8 Bitget): 1 BTC @ 100,000, margin 10,000, MMR 0.4% plus
    the taker / liquidation fee rate."""
    calc = Calculator(venue(**TAKER_IN_MM, taker=taker), one_tier("0.004"))  # type: ignore[arg-type]
    lp = [calc.evaluate(PositionSpec(side=s, size=D(1), entry=D(100000), mark=D(100000), margin=D(10000))).liquidation_price
          for s in ("long", "short")]  # type: ignore[misc]
    assert [rounded(p, 2) for p in lp] == [D(long), D(short)]


# -- Hyperliquid --------------------------------------------------------------------------


def test_hyperliquid_mmr_is_half_initial_at_max_leverage() -> None:
    """STATED, hyperliquid.gitbook.io .../margin-tiers: "at 20x max leverage,
    maintenance_margin_rate = 2.5%"."""
    assert mmr_from_max_leverage(D(20)) == D("0.025")


def test_hyperliquid_btc_tier_deduction() -> None:
    """DERIVED from the margin-tiers page: BTC 40x below 150M, 20x above -> MMR 1.25% / 2.5%,
    deduction at tier 2 = 150,000,000 x 1.25% = 1,875,000."""
    btc = load("hyperliquid").symbol("BTC")
    assert [t.mmr for t in btc.tiers[:2]] == [D("0.0125"), D("0.025")]
    assert btc.tiers[1].maint_amount == D(1875000)


@pytest.mark.parametrize(("side", "margin", "expected"), [("long", 3000, "57721.52"), ("short", 3000, "62222.22"),
                                                           ("long", 10000, "91139.24"), ("short", 10000, "108641.98")])
def test_hyperliquid_isolated_btc(side: str, margin: int, expected: str) -> None:
    """STATED-3P (freqtrade 2026.9 run, BTC max 40x): 1 BTC @ 60,000, margin 3,000 -> 57,721.52 /
    62,222.22; DERIVED (venues.md §5.2): 1 BTC @ 100,000, 10x -> 91,139.24 / 108,641.98."""
    preset = load("hyperliquid")
    entry = D(60000) if margin == 3000 else D(100000)
    r = Calculator(preset.venue, preset.symbol("BTC")).evaluate(
        PositionSpec(side=side, size=D(1), entry=entry, mark=entry, margin=D(margin)))  # type: ignore[arg-type]
    assert rounded(r.liquidation_price, 2) == D(expected)


def test_clearing_amounts_are_exact_decimals() -> None:
    """Our own: 0.1 + 0.2 stays 0.3 through the core (no binary floats)."""
    r = Calculator(venue(), one_tier("0.1")).evaluate(
        PositionSpec(side="long", size=D("0.1"), entry=D("0.2"), mark=D("0.2"), margin=D("0.01")))
    assert r.notional == Decimal("0.02")
