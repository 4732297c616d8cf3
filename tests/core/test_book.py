"""The vectorized book (numpy floats) against the Decimal reference: the position core's
prices, and ``liqcalc.core.adl.cascade``'s liquidations, queue and allocation on small books."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
from helpers import D, columns

from liqcalc.core import adl, book, rules
from liqcalc.core.position import Calculator, PositionSpec
from liqcalc.presets.loader import load

VENUES = [("binance", "BTCUSDT"), ("bybit", "BTCUSDT"), ("okx", "BTC-USDT-SWAP"), ("hyperliquid", "BTC"),
          ("dydx", "BTC-USD"), ("bitget", "BTCUSDT")]
RANKINGS = list(rules.CHOOSABLE_RANKINGS)  # every ranking --ranking offers, a new one included


def random_specs(seed: int, count: int = 30) -> list[tuple[str, PositionSpec]]:
    """Isolated by leverage, isolated by margin, and cross rows, around 60,000, within tier 1
    of every preset's BTC table (OKX: up to 10 BTC)."""
    rng = random.Random(seed)
    specs = []
    for n in range(count):
        side = rng.choice(["long", "short"])
        size = D(str(round(rng.uniform(0.01, 3), 3)))
        entry = D(str(round(rng.uniform(55000, 65000), 1)))
        mark = D(str(round(rng.uniform(58000, 62000), 1)))
        leverage = D(rng.randint(2, 20))
        if n % 5 == 0:
            spec = PositionSpec(side=side, size=size, entry=entry, mark=mark, mode="cross",
                                wallet=(size * entry / leverage).quantize(D("0.01")))
        elif n % 3 == 0:
            spec = PositionSpec(side=side, size=size, entry=entry, mark=mark, margin=(size * entry / leverage).quantize(D("0.01")))
        else:
            spec = PositionSpec(side=side, size=size, entry=entry, mark=mark, leverage=leverage)
        specs.append((f"p{n}", spec))
    return specs


def close(a: Decimal | None, b: float, rel: float = 1e-9) -> bool:
    if a is None:
        return bool(np.isnan(b))
    return bool(abs(float(a) - b) <= rel * max(1.0, abs(float(a))))


@pytest.mark.parametrize(("preset", "symbol"), VENUES)
def test_prices_match_the_position_core(preset: str, symbol: str) -> None:
    loaded = load(preset)
    sym = loaded.symbol(symbol)
    calc = Calculator(loaded.venue, sym)
    for seed in range(3):
        specs = random_specs(seed)
        priced = book.price_book(loaded.venue, sym, columns(specs))
        for n, (_, spec) in enumerate(specs):
            result = calc.evaluate(spec)
            assert close(result.liquidation_price, priced.liquidation[n]), (n, spec)
            assert close(result.bankruptcy_price, priced.bankruptcy[n]), (n, spec)
            assert close(result.margin_balance, priced.backing[n]), (n, spec)
            mm = priced.maintenance(np.array([n]), np.array([float(spec.mark)]))[0]
            assert close(result.maintenance_margin, mm), (n, spec)


@pytest.mark.parametrize(("preset", "symbol"), VENUES)
@pytest.mark.parametrize("shock", ["-9", "-3", "4", "11"])
@pytest.mark.parametrize("fund", [None, "0", "800"])
def test_cascade_matches_the_decimal_reference(preset: str, symbol: str, shock: str, fund: str | None) -> None:
    loaded = load(preset)
    venue, sym = loaded.venue, loaded.symbol(symbol)
    for seed, ranking in enumerate(RANKINGS):
        specs = random_specs(100 + seed)
        ref = adl.cascade(venue, sym, specs, shock=D(shock), slippage_bps=D(50),
                          insurance_fund=None if fund is None else D(fund), ranking=ranking, seed=seed,  # type: ignore[arg-type]
                          low=venue.adl.indicator_min, high=venue.adl.indicator_max)
        model = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking=ranking,  # type: ignore[arg-type]
                          slippage_bps=50.0, insurance_fund=None if fund is None else float(fund), seed=seed)
        step = model.step(float(shock))
        ids = [i for i, _ in specs]
        assert [x.holder.id for x in ref.liquidations] == [ids[i] for i in step.liquidated]
        for x, paid, to_adl, size in zip(ref.liquidations, step.fund_paid, step.adl_deficit, step.adl_size, strict=True):
            assert close(x.fund_paid, paid, 1e-8) and close(x.adl_deficit, to_adl, 1e-8) and close(x.adl_size, size, 1e-8)
        assert [r.holder.id for r in ref.queue.rows] == [ids[i] for i in step.queue]
        for key in ("shortfall", "fund_surplus_in", "fund_paid", "adl_covered", "unabsorbed", "deleveraged_size",
                    "deleveraged_notional"):
            assert close(getattr(ref.attribution, key), step.attribution[key], 1e-8), key
        for policy in ("queue", "pro_rata"):
            allocation = ref.allocations[policy]  # type: ignore[index]
            for a, b in zip(allocation.sizes, step.sizes[policy], strict=True):
                assert close(a, b, 1e-8)
            for a, b in zip(allocation.prices, step.prices[policy], strict=True):
                assert close(a, b, 1e-8)
            assert close(allocation.overshoot, step.overshoot(policy), 1e-8)
        if ranking != "random_start":
            for row, value in zip(ref.queue.rows, step.score, strict=True):
                assert close(row.score, value, 1e-8)
            if venue.adl.indicator_max > venue.adl.indicator_min:
                assert [r.indicator for r in ref.queue.rows] == list(step.indicator(venue.adl.indicator_min, venue.adl.indicator_max))


def test_sweep_totals_are_the_steps_totals() -> None:
    loaded = load("binance")
    venue, sym = loaded.venue, loaded.symbol("BTCUSDT")
    specs = random_specs(7, 60) + [("you", PositionSpec(side="short", size=D(1), entry=D(61000), mark=D(60000), leverage=D(50)))]
    model = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking="binance_leverage_pnl",
                      slippage_bps=50.0, insurance_fund=0.0, you=len(specs) - 1)
    shocks = np.arange(-1.0, -31.0, -1.5)
    sweep = model.sweep(shocks)
    for i, shock in enumerate(shocks):
        step = model.step(float(shock))
        assert sweep.deficit[i] == pytest.approx(step.deficit)
        assert sweep.deleveraged_size[i] == pytest.approx(step.closed.sum())
        for key, values in sweep.attribution.items():
            assert values[i] == pytest.approx(step.attribution[key], nan_ok=True), key
        where = np.flatnonzero(step.queue == len(specs) - 1)
        assert sweep.you_adl_size["queue"][i] == pytest.approx(step.sizes["queue"][where[0]] if where.size else 0.0)
    assert sweep.you_adl_size["queue"].max() > 0  # the sweep reaches the short


def test_rows_beyond_the_table_or_above_max_leverage_are_named() -> None:
    loaded = load("okx")
    venue, sym = loaded.venue, loaded.symbol("BTC-USDT-SWAP")
    specs = random_specs(1, 5) + [("big", PositionSpec(side="long", size=D(50), entry=D(60000), mark=D(60000), leverage=D(2)))]
    with pytest.raises(book.BookRowError) as error:
        book.price_book(venue, sym, columns(specs))
    assert error.value.row == 5 and error.value.field == "size"
    specs = random_specs(1, 5) + [("lev", PositionSpec(side="long", size=D(1), entry=D(60000), mark=D(60000), leverage=D(500)))]
    with pytest.raises(book.BookRowError) as error:
        book.price_book(venue, sym, columns(specs))
    assert error.value.row == 5 and error.value.field == "leverage"
    assert "above the maximum 100x" in error.value.problem


@pytest.mark.parametrize("ranking", ["pnl_x_leverage", "binance_leverage_pnl", "hyperliquid", "random_start"])
def test_sweep_on_a_large_book_matches_the_full_sort(ranking: str) -> None:
    """The sweep selects only the queue's head (argpartition, widened until it covers the
    deleveraged size): on 2,000 positions, where the head takes several widenings, every
    figure equals the one from fully sorted steps."""
    loaded = load("bybit")
    venue, sym = loaded.venue, loaded.symbol("BTCUSDT")
    specs = random_specs(11, 2000) + [("you", PositionSpec(side="short", size=D("0.5"), entry=D(60500), mark=D(60000), leverage=D(20)))]
    you = len(specs) - 1
    model = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking=ranking,  # type: ignore[arg-type]
                      slippage_bps=50.0, insurance_fund=0.0, you=you)
    shocks = np.arange(-1.0, -25.0, -2.0)
    sweep = model.sweep(shocks)
    for i, shock in enumerate(shocks):
        step = model.step(float(shock))
        taken = step.sizes["queue"]
        assert sweep.overshoot["queue"][i] == pytest.approx(step.overshoot("queue"), rel=1e-9, abs=1e-9)
        where = np.flatnonzero(step.queue == you)
        assert sweep.you_rank[i] == (int(where[0]) + 1 if where.size else 0)
        assert sweep.you_adl_size["queue"][i] == pytest.approx(taken[where[0]] if where.size else 0.0)
        assert sweep.you_adl_size["pro_rata"][i] == pytest.approx(step.sizes["pro_rata"][where[0]] if where.size else 0.0)


def test_equal_scores_keep_book_order_with_you_first() -> None:
    """Ties in the queue: identical positions rank in book order, yours first among them
    (the pessimistic reading, as adl.rank), whatever the formula puts before or after them."""
    loaded = load("binance")
    venue, sym = loaded.venue, loaded.symbol("BTCUSDT")
    twin = PositionSpec(side="long", size=D(1), entry=D(58000), mark=D(60000), leverage=D(10))
    best = PositionSpec(side="long", size=D(1), entry=D(50000), mark=D(60000), leverage=D(10))
    specs = [("a", twin), ("b", twin), ("top", best), ("c", twin), ("you", twin), ("d", twin)]
    for ranking in ("pnl_x_leverage", "binance_leverage_pnl", "hyperliquid", "bitget"):
        model = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking=ranking,  # type: ignore[arg-type]
                          slippage_bps=50.0, insurance_fund=None, you=4)
        step = model.step(0.0)  # no move: the longs' queue as it stands
        names = [specs[i][0] for i in step.queue]
        twins = [n for n in names if n != "top"]
        assert twins == ["you", "a", "b", "c", "d"], ranking
        head, rank, _ = model._queue_head(1, 1.0, 3.0)
        assert [specs[i][0] for i in head] == names[: len(head)] and len(head) >= 3
        assert rank == names.index("you") + 1


def big_book(seed: int, count: int, you: tuple[float, float, float, float]) -> book.Columns:
    """``count`` positions as arrays (sizes 0.001-3 BTC at 2-20x around 60,000, a tenth cross,
    equal entries and leverages often: ties), and yours (side, size, entry, leverage) last."""
    rng = np.random.default_rng(seed)
    side = rng.choice([1.0, -1.0], count)
    size = np.round(rng.uniform(0.001, 3, count), 3)
    entry = np.round(rng.choice([57000.0, 60000.0, 63000.0]) + rng.integers(-30, 30, count) * 100.0, 1)
    leverage = rng.integers(2, 21, count).astype(float)
    cross = np.arange(count) % 10 == 0
    wallet = np.where(cross, np.round(size * entry / leverage, 2), np.nan)
    leverage = np.where(cross, np.nan, leverage)
    s, q, e, lev = you
    ids = tuple(f"p{n}" for n in range(count)) + ("you",)
    return book.Columns(ids, np.append(side, s), np.append(size, q), np.append(entry, e), np.full(count + 1, 60000.0),
                        np.full(count + 1, np.nan), np.append(leverage, lev), np.append(wallet, np.nan))


@pytest.mark.parametrize("ranking", ["pnl_x_leverage", "binance_leverage_pnl", "hyperliquid", "bitget"])
def test_sweep_brackets_the_cut_on_a_big_book_as_the_full_sort(ranking: str) -> None:
    """On 30,000 positions the sweep orders only the rows around where the deleveraged size runs
    out (a partition brackets them): every figure equals the one from fully sorted steps, from a
    short head to nearly the whole side, ties in the book included."""
    loaded = load("binance")
    venue, sym = loaded.venue, loaded.symbol("BTCUSDT")
    cols = big_book(3, 30_000, (-1.0, 0.5, 60500.0, 20.0))
    you = len(cols) - 1
    for fund in (0.0, 3e5):
        model = book.Book(venue, book.price_book(venue, sym, cols), ranking=ranking,  # type: ignore[arg-type]
                          slippage_bps=50.0, insurance_fund=fund, you=you)
        shocks = np.array([-2.0, -4.0, -6.0, -9.0, -13.0, -18.0, -25.0])
        sweep = model.sweep(shocks)
        for i, shock in enumerate(shocks):
            step = model.step(float(shock))
            where = np.flatnonzero(step.queue == you)
            assert sweep.overshoot["queue"][i] == pytest.approx(step.overshoot("queue"), rel=1e-9, abs=1e-6)
            assert sweep.you_rank[i] == (int(where[0]) + 1 if where.size else 0)
            assert sweep.you_adl_size["queue"][i] == pytest.approx(step.sizes["queue"][where[0]] if where.size else 0.0,
                                                                  abs=1e-9)
        assert 0 < sweep.deleveraged_size.max()


def test_value_between_two_points_of_the_pieces_is_the_interpolated_one() -> None:
    """The sweep prices your queue share by reading only the pieces it spans: the same value as
    interpolating the cumulated pieces (the step's way), ends on and between piece bounds."""
    rng = np.random.default_rng(2)
    size = np.round(rng.uniform(0, 3, 40), 3)
    size[[3, 17]] = 0.0  # pieces of nothing
    price = rng.uniform(50000, 70000, 40)
    cum_size, cum_value = book._pieces(size, price)
    bounds = list(np.cumsum(size)[:10])
    for start in [0.0, 0.5, *bounds, float(size.sum()) - 0.1]:
        for width in (0.0004, 0.7, 3.0, 25.0, float(size.sum())):
            stop = min(start + width, float(size.sum()))
            ends = book._value_at(np.array([start, stop]), cum_size, cum_value)
            # (to the float resolution of the cumulated value the interpolation subtracts)
            assert book._value_between(size, price, start, stop) == pytest.approx(float(ends[1] - ends[0]), rel=1e-12,
                                                                                  abs=1e-15 * float(cum_value[-1]))


def test_the_sampled_bracket_holds_the_ranks_of_the_exact_one() -> None:
    """The sweep first guesses the bounds of the queue's cut from one score in 64 (no partition
    of the whole side): on 200,000 scores, ties at zero included, the guess holds the ranks the
    exact partition brackets and is not much wider, and the exact bracket follows it."""
    rng = np.random.default_rng(5)
    vals = np.where(rng.random(200_000) < 0.3, 0.0, rng.lognormal(0.0, 2.0, 200_000))
    ranked = np.sort(vals)[::-1]
    for low, high in ((0, 400), (900, 1500), (20_000, 31_000), (100_000, 125_000)):
        *_, (top, bottom), exact = list(book._brackets(vals, np.ones(vals.size), float(low + high) / 2, low, high))
        assert exact == (ranked[low], ranked[high])
        assert top >= ranked[low] and bottom <= ranked[high]
        inside = int(((vals >= bottom) & (vals <= top)).sum())
        assert inside <= 2 * (high - low) + 4000


def test_tie_key_on_the_bits_is_the_rounded_mantissa() -> None:
    """tie_key rounds the bits of normal numbers (half to even) and sends zeros, subnormals,
    infinities and nan to the definition: the same floats as rounding frexp's mantissa to 40
    bits, on every kind of float and on halfway cases."""
    rng = np.random.default_rng(11)
    anything = rng.integers(0, 2**64 - 1, 1_000_000, dtype=np.uint64, endpoint=True).view(np.float64)
    # exact ties: 1.x with the 13 dropped bits 1000000000000, the last kept bit 0 and 1 in turn
    halfway = (np.uint64(0x3FF0000000000000) | (np.arange(4096, dtype=np.uint64) << np.uint64(13))
               | np.uint64(1 << 12)).view(np.float64)
    near = 1.0 + np.arange(-300, 300) * 2.0**-52
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 2.2250738585072014e-308,
                        np.finfo(float).max, -np.finfo(float).max, 1e-310])
    assert halfway.size == 4096 and np.unique(book.tie_key(halfway)).size < halfway.size  # ties went both ways
    for values in (anything, halfway, -halfway, halfway * 2.0**1023, near, special, rng.lognormal(0, 5, 1000)):
        np.testing.assert_array_equal(book.tie_key(values).view(np.uint64)[~np.isnan(values)],
                                      book.tie_key_reference(values).view(np.uint64)[~np.isnan(values)])
        assert np.isnan(book.tie_key(values)[np.isnan(values)]).all()


def test_the_first_bracket_is_read_on_the_sampled_sizes() -> None:
    """The first guess of the cut is where the sample's sizes (times the stride), highest score
    first, reach the quantity: on 300,000 rows of sizes 0.001-4 it holds the cut (the sizes
    above it fall short of the quantity, with the bracket's they reach it) and leaves fewer
    rows to order than the ranks' bracket."""
    rng = np.random.default_rng(8)
    n = 300_000
    vals = np.where(rng.random(n) < 0.3, 0.0, rng.lognormal(0.0, 2.0, n))
    size = np.round(rng.uniform(0.001, 4.0, n), 3)
    by_score = np.argsort(-vals, kind="stable")
    for cut in (3_000, 40_000, 150_000):
        quantity = float(size[by_score[:cut]].sum()) - 0.0005
        estimate = quantity / float(size.mean())
        low, high = max(0, int(estimate * 0.8) - 64), min(n - 1, int(estimate * 1.25) + 64)
        top, bottom = next(book._brackets(vals, size, quantity, low, high))
        assert size[vals > top].sum() < quantity <= size[vals >= bottom].sum()
        # about the sample's margin of four standard deviations each way (the rank bracket: 0.45 x the cut)
        stride = book.SAMPLE_STRIDE
        assert ((vals <= top) & (vals >= bottom)).sum() <= 1.5 * 2 * stride * (4 * np.sqrt(cut / stride) + 9)
