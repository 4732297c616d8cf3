"""The inverse venues' published worked examples (issue 9), each to its printed precision and
with its source: Binance COIN-M's maintenance-amount steps and BitMEX's ADL queue."""

from __future__ import annotations

from decimal import ROUND_CEILING

import pytest
from helpers import D

from liqcalc.core.adl import Holder, Piece, allocate, rank
from liqcalc.core.tiers import maint_amounts

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
    """The six longs as XBTUSD positions (1 USD contracts, PnL in XBT): each one's BitMEX score
    equals its printed PNL Ranking / 100 (see the test below)."""
    mark = D(700)
    holders = []
    for n, (account, qty, ranking) in enumerate(BITMEX_LONGS):
        # inverse PnL% = (mark value - entry value) / |entry value| with value = -contracts / price
        # (BitMEX's negative multiplier): 1 - entry / mark; no bankruptcy price (1x): effective
        # leverage 1, so the score is the PnL% and entry = mark x (1 - ranking / 100).
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


@pytest.mark.xfail(strict=True, reason="liqcalc's indicator bands the count of ranked positions; BitMEX's "
                   "printed percentiles band the cumulative quantity (see the test above)")
def test_bitmex_indicator_matches_the_printed_percentiles() -> None:
    """Lights from the page's percentiles: 20% is the top quintile (5 lights), 100% the last (1):
    accounts 2, 5, 4, 1, 6, 3 show 5, 4, 3, 2, 2, 1. liqcalc's count-based bands give 5, 5, 4,
    3, 2, 1 (reported to the integrator; liqcalc/core/adl.py is not this branch's to change)."""
    queue = rank(bitmex_queue(), "long", "pnl_x_leverage", low=1, high=5)
    expected = [6 - percentile // 20 for _, percentile in BITMEX_PERCENTILES]
    assert [r.indicator for r in queue.rows] == expected

