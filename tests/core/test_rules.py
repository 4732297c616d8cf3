"""Rules as objects (liqcalc.core.rules): every value a preset can name has one rule, with
words for each table, and the core asks the rule rather than testing its name."""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

import numpy as np
import pytest
from helpers import D

from liqcalc.core import adl, book, rules
from liqcalc.core.model import AdlPrice, CloseFee, MaintenanceBasis, Ranking, TierBasis
from liqcalc.core.position import PositionSpec
from liqcalc.presets.loader import load


def test_every_value_the_schema_accepts_has_a_rule() -> None:
    assert set(get_args(Ranking)) == set(rules.RANKINGS)
    assert set(get_args(CloseFee)) == set(rules.CLOSE_FEES)
    assert set(get_args(AdlPrice)) == set(rules.ADL_PRICES)
    assert set(get_args(TierBasis)) == set(rules.TIER_BASES)
    assert set(get_args(MaintenanceBasis)) == set(rules.MAINTENANCE_BASES)
    for table in (rules.ADL_PRICES, rules.TIER_BASES, rules.MAINTENANCE_BASES):
        for name, rule in table.items():
            assert rule.name == name
    for name, ranking in rules.RANKINGS.items():
        assert ranking.name == name and ranking.summary and ranking.short
        assert ranking.explained or not ranking.ranks, name
    for name, fee in rules.CLOSE_FEES.items():
        assert fee.name == name and fee.words


def test_the_ranking_option_lists_the_choosable_rules() -> None:
    from liqcalc.app.adl import RANKINGS

    assert RANKINGS == ("pnl_x_leverage", "binance_leverage_pnl", "hyperliquid", "bitget", "random_start")
    assert rules.CHOOSABLE_RANKINGS == RANKINGS


class LargestFirst(rules.RankingRule):
    """A ranking no venue has: the largest position first."""

    name = "largest_first"
    explained = "size, largest first"
    summary = "size"
    short = "size"

    def score(self, h: adl.Holder) -> Decimal | None:
        return h.size

    def scores(self, priced: book.Priced, rows: np.ndarray, mark: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = priced.cols.size[rows]
        return size, np.ones(size.shape, dtype=bool)


def test_a_new_ranking_is_one_object(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registered, a new ranking orders the Decimal queue (of the longs, with no move) and the book's queue alike, without
    an edit to liqcalc.core.adl or liqcalc.core.book."""
    monkeypatch.setitem(rules.RANKINGS, "largest_first", LargestFirst())
    loaded = load("binance")
    venue, sym = loaded.venue, loaded.symbol("BTCUSDT")
    sizes = ["0.2", "1.5", "0.7", "3", "0.01"]
    specs = [(f"s{n}", PositionSpec(side="long", size=D(q), entry=D(59000), mark=D(60000), leverage=D(10)))
             for n, q in enumerate(sizes)]
    ref = adl.cascade(venue, sym, specs, shock=D(0), slippage_bps=D(0), insurance_fund=None,
                      ranking="largest_first", low=venue.adl.indicator_min, high=venue.adl.indicator_max)  # type: ignore[arg-type]
    expected = ["s3", "s1", "s2", "s0", "s4"]
    assert [r.holder.id for r in ref.queue.rows] == expected
    cols = book.Columns(tuple(i for i, _ in specs), np.full(len(specs), 1.0), np.array([float(q) for q in sizes]),
                        np.full(len(specs), 59000.0), np.full(len(specs), 60000.0), np.full(len(specs), np.nan),
                        np.full(len(specs), 10.0), np.full(len(specs), np.nan))
    model = book.Book(venue, book.price_book(venue, sym, cols), ranking="largest_first",  # type: ignore[arg-type]
                      slippage_bps=0.0, insurance_fund=None)
    step = model.step(0.0)
    assert [specs[i][0] for i in step.queue] == expected


@pytest.mark.parametrize("name", list(rules.CLOSE_FEES))
def test_close_fee_forms_agree(name: str) -> None:
    """Each closing-fee rule's array form gives its Decimal form's fee and implied leverage."""
    rule = rules.close_fee_rule(name)
    taker = D("0.00055")
    for s, leverage in ((1, D(10)), (-1, D(3)), (1, None)):
        fee = rule.fee(s, D("1.5"), D(60000), leverage, taker)
        fees = rule.fees(np.array([float(s)]), np.array([1.5]), np.array([60000.0]),
                         np.array([np.nan if leverage is None else float(leverage)]), float(taker))
        assert float(fee) == pytest.approx(fees[0], rel=1e-12, abs=1e-12)
        implied = rule.implied_leverage(s, D(90000), D(9500), taker)
        implied_array = rule.implied_leverages(np.array([float(s)]), np.array([90000.0]), np.array([9500.0]), float(taker))
        assert float(implied) == pytest.approx(implied_array[0], rel=1e-12)
    assert (rule.reserve_rate(taker) == taker) == rule.estimated
    assert (rule.rate_extra(taker) == taker) == rule.in_rate


def test_adl_price_forms_agree() -> None:
    """Each ADL price rule closes at the same price in both forms (a missing bankruptcy price
    closes at 0 in the book, as the cascade's ``bankruptcy_price or 0``)."""
    for rule in rules.ADL_PRICES.values():
        for bankruptcy in (D("54000.5"), None):
            at = rule.closes_at(bankruptcy, D(60000))
            array = rule.closes_at_array(np.array([np.nan if bankruptcy is None else float(bankruptcy)]), np.array([60000.0]))
            if rule.at_bankruptcy or rule.at_mark:
                assert float(at or 0) == array[0]
            else:
                assert at is None


def prepared_book(preset: str, symbol: str, *, one_mark: bool) -> book.Priced:
    """2,000 positions across the first tiers of ``symbol`` (sizes up to 8 BTC at 60,000),
    isolated and cross, at one mark or at marks around it."""
    rng = np.random.default_rng(7)
    n = 2000
    side = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    size = np.round(rng.uniform(0.001, 8.0, n), 3)
    entry = np.round(60000 * rng.uniform(0.9, 1.1, n), 1)
    mark = np.full(n, 60000.0) if one_mark else np.round(60000 * rng.uniform(0.98, 1.02, n), 1)
    cross = np.arange(n) % 7 == 0
    leverage = np.where(cross, np.nan, rng.integers(2, 5, n).astype(float))
    wallet = np.where(cross, np.round(size * entry / 3, 2), np.nan)
    cols = book.Columns(tuple(f"p{i}" for i in range(n)), side, size, entry, mark, np.full(n, np.nan), leverage, wallet)
    loaded = load(preset)
    return book.price_book(loaded.venue, loaded.symbol(symbol), cols)


@pytest.mark.parametrize("one_mark", [True, False], ids=["one_mark", "marks"])
@pytest.mark.parametrize(("preset", "symbol"), [("binance", "BTCUSDT"), ("bybit", "BTCUSDT"), ("okx", "BTC-USDT-SWAP"),
                                                ("bitget", "BTCUSDT")])
@pytest.mark.parametrize("ranking", [name for name, rule in rules.RANKINGS.items() if rule.ranks])
def test_prepared_scores_are_the_array_forms_bit_for_bit(ranking: str, preset: str, symbol: str, one_mark: bool) -> None:
    """The prepared form of each ranking (what a sweep computes once per side: the tier of the
    maintenance margin read once where the notional stays in one tier over the sweep's range)
    gives the array form's scores exactly, at every mark of the range, rows that change tier
    within it included."""
    priced = prepared_book(preset, symbol, one_mark=one_mark)
    rule = rules.ranking_rule(ranking)
    low, high = 0.8, 1.2
    for side in (1.0, -1.0):
        g = book._Gathered.of(priced, np.flatnonzero(priced.cols.side == side))
        prepared = book.Prepared(g, low, high)
        assert (prepared.mark is not None) == one_mark
        if priced.tiers.ranged:
            assert prepared.loose.size > 0  # some notionals cross a tier bound within the range
        for factor in np.linspace(low, high, 7):
            marks = g.mark * factor
            expected, expected_ok = rule.scores(g.priced, np.arange(g.rows.size), marks)
            price = prepared.price(float(factor))
            value, ok = rule.prepared_scores(prepared, price, prepared.unrealized(price))
            np.testing.assert_array_equal(value, expected)
            np.testing.assert_array_equal(np.ones(g.rows.size, dtype=bool) if ok is None else ok, expected_ok)
