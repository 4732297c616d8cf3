"""ADL in Decimal: each venue's score on hand-checked cases, BitMEX's published queue, and the
properties every allocation keeps (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import D
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcalc.core.adl import (
    Holder,
    Piece,
    allocate,
    binance_leverage_pnl,
    bitget_score,
    hyperliquid_index,
    indicator,
    lights_band,
    pnl_x_leverage,
    pro_rata_share,
    queue_fill,
    random_start,
    rank,
    score,
)


def long_at(id: str, size: str, entry: str, mark: str, order: int, *, wallet: str = "0", bankruptcy: str | None = None,
            mm: str = "0") -> Holder:
    return Holder(id, "long", D(size), D(entry), D(mark), D(wallet), D(mm), None if bankruptcy is None else D(bankruptcy),
                  None, order)


# -- BitMEX's published example -------------------------------------------------------------


def test_bitmex_queue_example() -> None:
    """STATED, https://www.bitmex.com/app/autoDeleveragingExamples : six longs (account, qty,
    ranking) = (1,10,3) (2,10,6) (3,20,1) (4,30,4) (5,20,5) (6,10,2); "a short position that has
    been liquidated with size 20 and bankruptcy price of USD 650. Accounts 2 and 5 will be
    deleveraged at the bankruptcy price of USD 650. Account 2 will have their entire position of
    10 contracts closed, while the remaining 10 contracts ... will be assigned to account 5."

    The published rankings are reproduced as BitMEX scores: with no positive bankruptcy price
    the effective leverage is mark value / (mark value - 0) = 1, so the score is the PnL
    percentage (mark - entry) / entry; entry = mark / (1 + ranking / 100) gives ranking / 100.
    """
    table = [(1, 10, 3), (2, 10, 6), (3, 20, 1), (4, 30, 4), (5, 20, 5), (6, 10, 2)]
    mark = D(700)
    holders = [
        Holder(str(account), "long", D(qty), mark / (1 + D(r) / 100), mark, D(0), D(0), None, None, n)
        for n, (account, qty, r) in enumerate(table)
    ]
    queue = rank(holders, "long", "pnl_x_leverage", low=1, high=5)
    assert [r.holder.id for r in queue.rows] == ["2", "5", "4", "1", "6", "3"]
    assert [round(r.score, 12) for r in queue.rows] == [D("0.06"), D("0.05"), D("0.04"), D("0.03"), D("0.02"), D("0.01")]
    result = allocate(queue, [Piece(D(20), D(650))], deficit=D(0))["queue"]
    taken = {r.holder.id: size for r, size in zip(queue.rows, result.sizes, strict=True) if size > 0}
    assert taken == {"2": D(10), "5": D(10)}
    assert {r.holder.id: p for r, p in zip(queue.rows, result.prices, strict=True) if p is not None} == {"2": D(650), "5": D(650)}


# -- each venue's formula -------------------------------------------------------------------


def test_bitmex_bybit_okx_ranking_profit_and_loss() -> None:
    """BitMEX formula, by hand. Long 2 @ 50,000, mark 55,000, bankruptcy 45,000:
    mark value 110,000, entry value 100,000, bankrupt value 90,000;
    PnL% = 10,000 / 100,000 = 0.1; effective leverage = 110,000 / 20,000 = 5.5; score 0.55.
    Short 1 @ 50,000, mark 55,000, bankruptcy 60,000: mark value -55,000, entry -50,000,
    bankrupt -60,000; PnL% = -5,000 / 50,000 = -0.1; effective leverage = 55,000 / 5,000 = 11;
    a loss divides: -0.1 / 11 = -0.00909..."""
    assert pnl_x_leverage("long", D(2), D(50000), D(55000), D(45000)) == D("0.55")
    loss = pnl_x_leverage("short", D(1), D(50000), D(55000), D(60000))
    assert loss is not None and round(loss, 10) == round(D("-0.1") / 11, 10)
    assert pnl_x_leverage("long", D(1), D(50000), D(44000), D(45000)) is None  # beyond bankruptcy: not ranked


def test_binance_leverage_pnl() -> None:
    """Binance (STATED-3P formula): uPnL 500, wallet 1,000, MM 60:
    Pnl Percent = 500 / 1,000 = 0.5; Margin Ratio = 60 / (1,000 + 500) = 0.04; score 0.02.
    A loss scores 0 (max(0, uPnL)); wallet below 1 divides by 1; WB + uPnL <= 0 gives ratio 0."""
    assert binance_leverage_pnl(D(500), D(1000), D(60)) == D("0.02")
    assert binance_leverage_pnl(D(-500), D(1000), D(60)) == 0
    assert binance_leverage_pnl(D(2), D("0.5"), D(1)) == D(2) * (D(1) / D("2.5"))
    assert binance_leverage_pnl(D(1), D(-5), D(1)) == 0


def test_hyperliquid_index() -> None:
    """Hyperliquid: mark 66,000, entry 60,000, notional 66,000 (1 BTC), account value
    6,000 + 6,000 = 12,000: (66,000 / 60,000) x (66,000 / 12,000) = 1.1 x 5.5 = 6.05."""
    assert hyperliquid_index(D(66000), D(60000), D(66000), D(12000)) == D("6.05")
    assert hyperliquid_index(D(66000), D(60000), D(66000), D(0)) is None


def test_bitget_score() -> None:
    """Bitget cross: uPnL 6,000 on an entry value of 60,000: ROI 0.1; MM 330, equity 12,000:
    account MMR 0.0275; profitable: 0.1 x 0.0275 = 0.00275. Loss of 3,000 with equity 3,000 and
    MM 300: ROI -0.05, MMR 0.1: -0.05 / 0.1 = -0.5."""
    assert bitget_score(D(6000), D(60000), D(330), D(12000)) == D("0.00275")
    assert bitget_score(D(-3000), D(60000), D(300), D(3000)) == D("-0.5")
    assert bitget_score(D(-3000), D(60000), D(300), D(0)) is None


def test_score_dispatch_uses_each_venue_formula() -> None:
    h = Holder("a", "long", D(1), D(60000), D(66000), D(6000), D(330), D(54000), None, 0)
    assert score("pnl_x_leverage", h) == D("0.55")  # 0.1 x 66,000 / 12,000
    assert score("binance_leverage_pnl", h) == D(1) * D(330) / D(12000)  # 6,000/6,000 x 330/12,000
    assert score("hyperliquid", h) == D("6.05")
    assert score("bitget", h) == D("0.00275")
    assert score("random_start", h) is None


@pytest.mark.parametrize(
    ("count", "low", "high", "expected"),
    [
        (5, 0, 4, [4, 3, 2, 1, 0]),  # Binance 0-4
        (5, 1, 5, [5, 4, 3, 2, 1]),  # Bybit / OKX 1-5, BitMEX 20% steps
        (10, 1, 5, [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]),
        (3, 1, 5, [5, 4, 2]),  # 100%, 66.7%, 33.3%: ceil(3 x 5/3)=5, ceil(2 x 5/3)=4, ceil(5/3)=2
    ],
)
def test_indicator_bands(count: int, low: int, high: int, expected: list[int]) -> None:
    holders = [long_at(str(n), "1", "100", str(200 - n), n) for n in range(count)]
    queue = rank(holders, "long", "pnl_x_leverage", low=low, high=high)
    assert [r.indicator for r in queue.rows] == expected
    assert [r.indicator for r in queue.rows] == [indicator(count - n, count, low, high) for n in range(count)]


def test_lights_band() -> None:
    assert lights_band(3, 0, 4) == (D(60), D(80))
    assert lights_band(1, 1, 5) == (D(0), D(20))


def test_ties_put_you_first_then_book_order() -> None:
    holders = [long_at("a", "1", "100", "110", 0), long_at("you", "1", "100", "110", 1), long_at("b", "1", "100", "110", 2)]
    assert [r.holder.id for r in rank(holders, "long", "pnl_x_leverage", low=1, high=5).rows] == ["you", "a", "b"]


def test_random_start_is_repeatable_and_walks_the_book() -> None:
    holders = [long_at(str(n), "1", "100", "110", n) for n in range(7)]
    first = rank(holders, "long", "random_start", low=0, high=0, seed=3)
    again = rank(holders, "long", "random_start", low=0, high=0, seed=3)
    assert [r.holder.id for r in first.rows] == [r.holder.id for r in again.rows]
    start = random_start(7, 3)
    assert [r.holder.id for r in first.rows] == [str((start + k) % 7) for k in range(7)]
    assert all(r.score is None and r.indicator is None and r.percentile is None for r in first.rows)


def test_pro_rata_takes_the_deficit_in_proportion_to_profit() -> None:
    """Chitra: h_i = D x p_i / sum p. Profits 100, 300 (and a loser), deficit 200: share 0.5,
    haircuts 50 and 150; the loser pays nothing."""
    holders = [long_at("a", "1", "100", "200", 0), long_at("b", "3", "100", "200", 1), long_at("c", "1", "300", "200", 2)]
    queue = rank(holders, "long", "pnl_x_leverage", low=1, high=5)
    result = allocate(queue, [Piece(D(2), D(150))], deficit=D(200))
    pro = result["pro_rata"]
    by_id = {r.holder.id: (s, p) for r, s, p in zip(queue.rows, pro.sizes, pro.profit_taken, strict=True)}
    assert by_id["a"] == (D("0.5"), D(50)) and by_id["b"] == (D("1.5"), D(150)) and by_id["c"] == (D(0), D(0))
    assert pro.overshoot == 0
    assert pro_rata_share([D(100), D(300)], D(1000)) == 1  # capped at all of the profit


# -- properties -----------------------------------------------------------------------------

sizes = st.lists(st.decimals(min_value="0.001", max_value="100", places=3), min_size=0, max_size=12)


@st.composite
def queues(draw: st.DrawFn) -> tuple[list[Holder], Decimal, Decimal]:
    """Longs with random entries around a mark of 100; a liquidation and a deficit."""
    entries = draw(st.lists(st.decimals(min_value="50", max_value="150", places=2), min_size=0, max_size=12))
    held = [
        long_at(str(n), str(draw(st.decimals(min_value="0.001", max_value="50", places=3))), str(e), "100", n,
                bankruptcy=str(e / 2))
        for n, e in enumerate(entries)
    ]
    quantity = draw(st.decimals(min_value="0", max_value="300", places=3))
    deficit = draw(st.decimals(min_value="0", max_value="3000", places=2))
    return held, quantity, deficit


@settings(max_examples=200, deadline=None)
@given(queues())
def test_allocation_properties(case: tuple[list[Holder], Decimal, Decimal]) -> None:
    holders, quantity, deficit = case
    queue = rank(holders, "long", "pnl_x_leverage", low=1, high=5)
    result = allocate(queue, [Piece(quantity, D(95))] if quantity > 0 else [], deficit)
    capacity = sum((r.holder.size for r in queue.rows), D(0))
    for policy in ("queue", "pro_rata"):
        for row, size in zip(queue.rows, result[policy].sizes, strict=True):
            assert 0 <= size <= row.holder.size  # never more than a position's size
    q = result["queue"]
    # adds up to the liquidated size when the side can absorb it (else takes everything)
    assert q.closed_size == min(quantity, capacity)
    # follows the queue order: a row is touched only when every row ahead is closed in full
    for n, size in enumerate(q.sizes):
        if size > 0:
            assert all(q.sizes[k] == queue.rows[k].holder.size for k in range(n))
    # pro-rata never overshoots more than the queue, and takes min(deficit, profits)
    assert result["pro_rata"].overshoot <= q.overshoot
    profits = sum((max(D(0), r.holder.unrealized_pnl) for r in queue.rows), D(0))
    assert abs(result["pro_rata"].total_profit_taken - min(deficit, profits)) < D("1e-20")


@given(sizes, st.decimals(min_value="0", max_value="500", places=3))
def test_queue_fill_is_greedy(values: list[Decimal], quantity: Decimal) -> None:
    taken = queue_fill(values, quantity)
    assert sum(taken, D(0)) == min(quantity, sum(values, D(0)))
    assert len([1 for t, v in zip(taken, values, strict=True) if 0 < t < v]) <= 1


def test_uncovered_liquidation_splits_the_shortfall_between_fund_and_adl() -> None:
    from liqcalc.core.adl import uncovered_liquidation

    # a short of 3 bankrupt at 61000, filled at the mark 62000: 3 x 1000 missing
    hit = uncovered_liquidation("short", D("3"), D("61000"), D("62000"), D("1000"), "bankruptcy")
    assert (hit.shortfall, hit.fund_paid, hit.deficit) == (D("3000"), D("1000"), D("2000"))
    assert hit.adl_size == D("2") and hit.adl_price == D("61000")
    # no fund given: an uncovered liquidation, all of it to ADL, at the mark under the mark rule
    bare = uncovered_liquidation("long", D("2"), D("59000"), D("58000"), None, "mark")
    assert (bare.shortfall, bare.fund_paid, bare.adl_size, bare.adl_price) == (D("2000"), D("0"), D("2"), D("58000"))
    # the mark not beyond the bankruptcy price: no shortfall, the whole order handed on as given
    none = uncovered_liquidation("long", D("2"), D("59000"), D("60000"), D("5"), "bankruptcy")
    assert (none.shortfall, none.fund_paid, none.adl_size) == (D("0"), D("0"), D("2"))


def test_pnl_x_leverage_factors_multiply_to_the_score() -> None:
    from liqcalc.core.adl import pnl_x_leverage, pnl_x_leverage_factors

    factors = pnl_x_leverage_factors("long", D("60000"), D("66000"), D("57300"))
    assert factors is not None
    pnl, effective = factors
    assert pnl == D("0.1") and effective == D("66000") / D("8700")
    score = pnl_x_leverage("long", D("2"), D("60000"), D("66000"), D("57300"))
    assert score is not None and abs(score - pnl * effective) < D("1e-20")
    assert pnl_x_leverage_factors("short", D("60000"), D("66000"), D("65000")) is None
