"""The inverse venues' published worked examples (issue 9), each to its printed precision and
with its source: Binance COIN-M's maintenance-amount steps and calculator figure, BitMEX's ADL
queue, Bybit's inverse cross, ADL-page and UTA isolated examples."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from pathlib import Path

from helpers import D

import liqcalc
from liqcalc.core.adl import Holder, Piece, allocate, rank
from liqcalc.core.tiers import maint_amounts
from liqcalc.presets.loader import builtin_dir

# -- Binance COIN-M: the maintenance amount ---------------------------------------------------

#: Binance's BTCUSD COIN-M brackets of the FAQ's time (the FAQ is dated 2021-02-05): the bounds
#: (BTC) are "Leverage and Margin in Coin-Margined Futures Contracts", 2020-06-11 version
#: (https://www.binance.com/en/support/faq/be2c7d9d95b04a7e8044ed02dd7dfe5c : 125x "Max Position
#: 10", 100x 20, 50x 30, 20x 50, 10x 100, 5x 200, 4x 400, 3x 1,000); the maintenance rates are the
#: "Maintenance Margin Ratio (Before Adjustment)" column of the same BTCUSD brackets in Binance's
#: announcement of April 2021 (https://www.binance.com/en/support/announcement/9c6a1766be424fccacd2549db3d61a3f :
#: 0.40%, 0.50%, 1.00%, 2.50%, 5.00%, 10.00%, 12.50%, 15.00%). Both pages are Binance's own.
FAQ_FLOORS = [D(0), D(10), D(20), D(30), D(50), D(100), D(200), D(400)]
FAQ_RATES = [D("0.004"), D("0.005"), D("0.01"), D("0.025"), D("0.05"), D("0.1"), D("0.125"), D("0.15")]


def test_binance_coinm_faq_maintenance_amount_level_5_is_1_81_btc() -> None:
    """STATED, https://www.binance.com/es/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46 ("How to
    Calculate Liquidation Price of COIN-M Futures Contracts", 2021-02-05): "the BTCUSD
    Maintenance Amount on Level 5 = 50 BTC * (5% -2.5%) + 0.56 BTC = 1.81 BTC"; "if the
    position of BTCUSD Contract is 300BTC, then the maintenance amount would be 11.81 BTC" and
    "the maintenance margin rate would be 12.5%". The recursion over the brackets of the FAQ's
    time (module constants, Binance's own pages) gives level 4's 0.56, level 5's 1.81 and, for
    300 BTC (level 7, 200 < 300 <= 400), 11.81 BTC at 12.5%."""
    amounts = maint_amounts(FAQ_FLOORS, FAQ_RATES)
    assert amounts[3] == D("0.56")
    assert amounts[4] == D("1.81")
    assert amounts[4] == FAQ_FLOORS[4] * (FAQ_RATES[4] - FAQ_RATES[3]) + amounts[3]  # the FAQ's own step
    level = next(n for n in range(len(FAQ_FLOORS) - 1) if FAQ_FLOORS[n] < 300 <= FAQ_FLOORS[n + 1])
    assert (level + 1, FAQ_RATES[level], amounts[level]) == (7, D("0.125"), D("11.81"))


# -- BitMEX: the ADL queue ----------------------------------------------------------------------

#: STATED, https://www.bitmex.com/app/autoDeleveragingExamples : (account, quantity, PNL ranking).
BITMEX_LONGS = [(1, 10, 3), (2, 10, 6), (3, 20, 1), (4, 30, 4), (5, 20, 5), (6, 10, 2)]
#: The page's second table, in queue order: (account, percentile).
BITMEX_PERCENTILES = [(2, 20), (5, 40), (4, 60), (1, 80), (6, 80), (3, 100)]


def bitmex_queue() -> list[Holder]:
    """The six longs as XBTUSD positions (sizes in 1 USD contracts), at entries that give each
    its printed PNL Ranking as BitMEX scores inverse values: PnL% = (mark value - entry value) /
    |entry value| = 1 - entry / mark = ranking / 100 (no bankruptcy price at 1x: effective
    leverage 1). liqcalc's Holder scores (mark - entry) / entry, which ranks them alike."""
    mark = D(700)
    holders = []
    for n, (account, qty, ranking) in enumerate(BITMEX_LONGS):
        # value = -contracts / price (BitMEX's negative multiplier): entry = mark x (1 - ranking / 100)
        entry = mark * (1 - D(ranking) / 100)
        holders.append(Holder(str(account), "long", D(qty), entry, mark, D(0), D(0), None, None, n))
    return holders


def test_bitmex_adl_queue_example_closes_account_2_then_5_at_650() -> None:
    """STATED, https://www.bitmex.com/app/autoDeleveragingExamples : "a short position that has
    been liquidated with size 20 and bankruptcy price of USD 650. Accounts 2 and 5 will be
    deleveraged at the bankruptcy price of USD 650. Account 2 will have their entire position of
    10 contracts closed, while the remaining 10 contracts from the short liquidation will be
    assigned to account 5." The queue runs "from the highest score to the lowest": 2, 5, 4, 1,
    6, 3. Sizes are contracts (XBTUSD, 1 USD each)."""
    queue = rank(bitmex_queue(), "long", "pnl_x_leverage", low=1, high=5)
    assert [int(r.holder.id) for r in queue.rows] == [account for account, _ in BITMEX_PERCENTILES]
    result = allocate(queue, [Piece(D(20), D(650))], deficit=D(0))["queue"]
    closed = {r.holder.id: size for r, size in zip(queue.rows, result.sizes, strict=True) if size > 0}
    assert closed == {"2": D(10), "5": D(10)}
    assert {r.holder.id: p for r, p in zip(queue.rows, result.prices, strict=True) if p is not None} == {
        "2": D(650), "5": D(650)}


def test_bitmex_printed_percentiles_follow_cumulative_quantity_in_queue_order() -> None:
    """The page's "Percentile" column (20, 40, 60, 80, 80, 100%) for the queue 2, 5, 4, 1, 6, 3.
    [DERIVED reading] It is each position's cumulative quantity from the head of the queue over
    the side's total (10, 30, 60, 70, 80, 100 of 100 contracts), rounded up to the next 20% step
    ("your priority in the queue in 20% increments", https://bitmex.com/app/autoDeleveraging):
    all six printed values follow. A count of positions does not: 1/6, 2/6 ... rounded up to
    20% gives 20, 40, 60, 80, 100, 100."""
    queue = rank(bitmex_queue(), "long", "pnl_x_leverage", low=1, high=5)
    total = sum(r.holder.size for r in queue.rows)
    running = D(0)
    printed = []
    for r in queue.rows:
        running += r.holder.size
        printed.append(int((running * 5 / total).to_integral_value(rounding=ROUND_CEILING)) * 20)
    assert list(zip([int(r.holder.id) for r in queue.rows], printed, strict=True)) == BITMEX_PERCENTILES




def test_bitmex_indicator_matches_the_printed_percentiles() -> None:
    """Lights from the page's percentiles: 20% is the top quintile (5 lights), 100% the last (1):
    accounts 2, 5, 4, 1, 6, 3 show 5, 4, 3, 2, 2, 1: the bands divide the size cumulated from
    the head (the preset's indicator_basis = "size"); bands of the count would give 5, 5, 4, 3,
    2, 1."""
    assert liqcalc.load_preset("bitmex").venue.adl.indicator_basis == "size"
    queue = rank(bitmex_queue(), "long", "pnl_x_leverage", low=1, high=5, by_size=True)
    expected = [6 - percentile // 20 for _, percentile in BITMEX_PERCENTILES]
    assert [r.indicator for r in queue.rows] == expected



# -- positions through the API (liqcalc.position), amounts in the coin ------------------------


def bybit_classic(tmp_path: Path) -> str:
    """Bybit's classic (pre-UTA) inverse account, as its inverse-era examples compute: the
    maintenance margin at the entry value (the tier read there too), fee 0.075% (the rate the
    cross example states: "MM 0.5%, fee 0.075%"); the rest as the bybit-inverse preset.
    https://help.bybit.com/hc/en-us/articles/360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract-"""
    text = (builtin_dir() / "bybit-inverse.toml").read_text(encoding="utf-8")
    for old, new in (('name = "bybit-inverse"', 'name = "bybit-inverse-classic"'),
                     ('tier_basis = "liquidation_notional"', 'tier_basis = "entry_notional"'),
                     ('maintenance_basis = "liquidation_price"', 'maintenance_basis = "entry_price"'),
                     ("taker = 0.00055", "taker = 0.00075"), ("liquidation = 0.00055", "liquidation = 0.00075")):
        assert text.count(f"\n{old}\n") == 1, old
        text = text.replace(f"\n{old}\n", f"\n{new}\n")
    path = tmp_path / "bybit-inverse-classic.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def on_tick(price: Decimal, tick: str, rounding: str) -> Decimal:
    return (price / D(tick)).to_integral_value(rounding=rounding) * D(tick)


def test_bybit_inverse_cross_example_bankruptcy_5718_57_liquidation_5739_50(tmp_path: Path) -> None:
    """STATED, https://help.bybit.com/hc/en-us/articles/360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract- :
    balance 0.5 BTC, long 10,000 contracts @ 8,000, MM 0.5%, fee 0.075%: "Bankruptcy Price =
    1.00075 x 10000 / (10000/8000 + (0.5 - 0)) = 5718.57", liquidation price 5,739.50. The
    solve gives 5,739.08 (venues.md section 12.1), which is 5,739.50 on the 0.5 tick, rounded
    up (towards the mark) for a long. Classic account: maintenance at the entry value."""
    d = liqcalc.position(preset=bybit_classic(tmp_path), symbol="BTCUSD", side="long", entry=8000, size=10000,
                         mode="cross", wallet="0.5").to_dict()
    assert (d["contract_type"], d["margin_asset"], d["notional"]) == ("inverse", "BTC", D("1.25"))
    assert round(d["bankruptcy_price"], 2) == D("5718.57")
    assert round(d["liquidation_price"], 2) == D("5739.08")
    assert on_tick(d["liquidation_price"], "0.5", ROUND_CEILING) == D("5739.5")


def test_bybit_adl_page_bankruptcy_price_7735_37(tmp_path: Path) -> None:
    """STATED, https://help.bybit.com/hc/en-us/articles/900000031623-What-is-Auto-Deleveraging-ADL- :
    a long of 5,000 BTCUSD @ 7,890.08 at 50x, liquidation price 7,773.50, "Bankruptcy Price =
    (7,890.08 x 50) / (50 + 1)" = 7,735.372549 (the page rounds it to 7,735.50 on the 0.5 tick).
    Isolated, classic account (the page's era); the liquidation price 7,773.48 is the page's
    7,773.50 on the 0.5 tick, rounded up for a long."""
    d = liqcalc.position(preset=bybit_classic(tmp_path), symbol="BTCUSD", side="long", entry="7890.08", size=5000,
                         leverage=50).to_dict()
    assert round(d["bankruptcy_price"], 2) == D("7735.37")
    assert abs(d["bankruptcy_price"] - D("7890.08") * 50 / 51) < D("1e-20")  # E x L / (L + 1)
    assert on_tick(d["liquidation_price"], "0.5", ROUND_CEILING) == D("7773.5")


def test_bybit_uta_inverse_isolated_value_1_2_btc_initial_margin_0_12_btc() -> None:
    """STATED inputs and figures, Bybit "Liquidation Price Calculation under Isolated Mode (Unified
    Trading Account)", version 2026-05-27 (read on https://www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account ):
    60,000 USD long @ 50,000, 10x, MMR 0.5%: position value 60,000 / 50,000 = 1.2 BTC, initial
    margin 1.2 / 10 = 0.12 BTC. The page's IM adds the "Estimated Fee to Close Position" (size /
    bankruptcy price x taker = 1.2 x (1 + 1/10) x 0.055% = 0.000726 BTC) [DERIVED]; its
    long formula LP = Q x (MMR + 1) / (Q/EP + Q/EP/L) = 60,300 / 1.32 = 45,681.82 [DERIVED from
    the stated formula; venues.md section 3.5's 45,662.10 values the maintenance at entry]."""
    d = liqcalc.position(preset="bybit-inverse", symbol="BTCUSD", side="long", entry=50000, size=60000, leverage=10,
                         no_stale_warning=True).to_dict()
    assert d["notional"] == D("1.2")
    assert d["initial_margin"] == D("0.12") + D("1.2") * D("1.1") * D("0.00055")
    assert round(d["liquidation_price"], 2) == D("45681.82")


def test_binance_coinm_calculator_figure_33599_40_is_bracket_7_with_amount_11_605_btc() -> None:
    """STATED-3P, https://dev.binance.vision/t/coin-margined-futures-liquidation-price-calculation-help-cm-variable/6292 :
    Binance's COIN-M calculator shows 33,599.40 for a cross long of 100,000 BTCUSD_PERP
    contracts (100 USD each) @ 45,000 with 101 BTC (the user's own formula gave 33,578.86).

    Which bracket reproduces it: the value at the liquidation price, 10,000,000 / 33,599.4 =
    297.6 BTC, is in bracket 7 (200-400 BTC, MMR 12.5%) of the binance-coinm preset, whose
    maintenance amount by the recursion is 11.605 BTC: LP = N (MMR + 1) / (WB + cum + N/EP) =
    11,250,000 / (101 + 11.605 + 222.2222) = 33,599.4186, which is 33,599.40 on BTCUSD_PERP's
    0.1 tick. The FAQ's older bracket table (amount 11.81 BTC for the same 12.5% bracket) gives
    33,578.86, the user's figure: the calculator used the newer table."""
    d = liqcalc.position(preset="binance-coinm", symbol="BTCUSD_PERP", side="long", entry=45000, size=100000,
                         mode="cross", wallet=101, no_stale_warning=True).to_dict()
    assert (d["tier"]["number"], d["tier"]["mmr"], d["tier"]["maint_amount"]) == (7, D("0.125"), D("11.605"))
    assert on_tick(d["liquidation_price"], "0.1", ROUND_HALF_EVEN) == D("33599.4")
    assert round(d["liquidation_price"], 2) == D("33599.42")
    older = D(10_000_000) * D("1.125") / (101 + D("11.81") + D(10_000_000) / 45000)
    assert round(older, 2) == D("33578.86")


def test_the_book_bands_the_size_as_the_decimal_queue_does() -> None:
    """The vectorized book's lights and percentiles by size (liqcalc.core.book.Step) agree with
    the Decimal queue's on BitMEX's example."""
    from types import SimpleNamespace

    import numpy as np

    from liqcalc.core import book

    queue = rank(bitmex_queue(), "long", "pnl_x_leverage", low=1, high=5, by_size=True)
    sizes = np.array([float(r.holder.size) for r in queue.rows])
    step = SimpleNamespace(queue=np.arange(len(sizes)))
    assert list(book.Step.indicator(step, 1, 5, sizes)) == [r.indicator for r in queue.rows]  # type: ignore[arg-type]
    assert list(book.Step.percentile(step, sizes)) == [float(r.percentile or 0) for r in queue.rows]  # type: ignore[arg-type]
