"""Issue 7 §1: every unit of a shortfall has a payer, on the Decimal reference (``adl.cascade``)
and on the vectorized book (``book.Book``), for every preset with ADL, over random books, shocks,
fund sizes and slippages (hypothesis)."""

from __future__ import annotations

import random
from decimal import Decimal, localcontext

import numpy as np
import pytest
from helpers import D, columns
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcalc.core import adl, book
from liqcalc.core.model import side_sign
from liqcalc.core.numbers import context
from liqcalc.core.position import PositionSpec
from liqcalc.presets.loader import load

# every built-in preset with an ADL queue, with a symbol each (OKX: within its tier 1, 10 BTC)
ADL_PRESETS = [("binance", "BTCUSDT"), ("bybit", "BTCUSDT"), ("okx", "BTC-USDT-SWAP"), ("hyperliquid", "BTC"),
               ("dydx", "BTC-USD"), ("bitget", "BTCUSDT")]
# the inverse presets (issue 9): their books count contracts and money in the coin; the cascade
# and the book run on each symbol's linear twin (prices 1/P, sides flipped, contracts x face)
INVERSE_ADL_PRESETS = {"binance-coinm", "bybit-inverse", "bitmex"}
INVERSE_SYMBOLS = [("binance-coinm", "BTCUSD_PERP"), ("bybit-inverse", "BTCUSD"), ("bitmex", "XBTUSD")]
MARK = D(60000)
TOL = 1e-8


def test_every_adl_preset_is_covered() -> None:
    from liqcalc.presets.loader import builtin_names

    with_adl = {n for n in builtin_names() if load(n).venue.adl.ranking != "none"}
    assert with_adl == {name for name, _ in ADL_PRESETS} | INVERSE_ADL_PRESETS
    assert {name for name, _ in INVERSE_SYMBOLS} == INVERSE_ADL_PRESETS
    for name in with_adl:
        assert load(name).venue.adl.unabsorbed_by is not None, name


def book_of(seed: int, count: int, long_share: float) -> list[tuple[str, PositionSpec]]:
    """A random book at one mark: isolated by leverage or margin, and cross rows."""
    rng = random.Random(seed)
    specs = []
    for n in range(count):
        side = "long" if rng.random() < long_share else "short"
        size = D(str(round(rng.uniform(0.01, 2.5), 3)))
        entry = D(str(round(rng.uniform(54000, 66000), 1)))
        leverage = D(rng.randint(2, 25))
        if n % 5 == 0:
            spec = PositionSpec(side=side, size=size, entry=entry, mark=MARK, mode="cross",
                                wallet=(size * entry / leverage).quantize(D("0.01")))
        elif n % 3 == 0:
            spec = PositionSpec(side=side, size=size, entry=entry, mark=MARK, margin=(size * entry / leverage).quantize(D("0.01")))
        else:
            spec = PositionSpec(side=side, size=size, entry=entry, mark=MARK, leverage=leverage)
        specs.append((f"p{n}", spec))
    return specs


def near(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def check(parts: dict[str, float], rule: str) -> None:
    """The identity, the cap, and the sign of every part."""
    assert near(parts["shortfall"], parts["fund_paid"] + parts["adl_covered"] + parts["unabsorbed"]), parts
    if not np.isnan(parts["fund_start"]):
        assert parts["fund_paid"] <= parts["fund_start"] + parts["fund_surplus_in"] + TOL * max(1.0, parts["fund_start"])
    for key in ("fund_paid", "adl_covered", "unabsorbed", "deleveraged_size", "deleveraged_notional"):
        assert parts[key] >= -TOL * max(1.0, parts["shortfall"]), (key, parts)
    if rule == "mark":  # closed at the mark: the counterparties give up nothing against it
        assert parts["adl_covered"] == 0


@settings(max_examples=40)
@given(venue_symbol=st.sampled_from(ADL_PRESETS), seed=st.integers(0, 10_000), count=st.integers(4, 40),
       long_share=st.floats(0.1, 0.95), shock=st.sampled_from(["-18", "-11", "-6.5", "-2", "3", "7.5", "12", "19"]),
       fund=st.sampled_from([None, "0", "150", "2500", "40000"]), slippage=st.sampled_from(["0", "50", "300"]))
def test_shortfall_is_fund_plus_adl_plus_unabsorbed_on_both_paths(
        venue_symbol: tuple[str, str], seed: int, count: int, long_share: float, shock: str, fund: str | None,
        slippage: str) -> None:
    preset, symbol = venue_symbol
    loaded = load(preset)
    venue, sym = loaded.venue, loaded.symbol(symbol)
    specs = book_of(seed, count, long_share)
    low, high = venue.adl.indicator_min, venue.adl.indicator_max
    ref = adl.cascade(venue, sym, specs, shock=D(shock), slippage_bps=D(slippage),
                      insurance_fund=None if fund is None else D(fund), ranking=venue.adl.ranking, low=low, high=high)
    a = ref.attribution
    dec = {k: float("nan") if (v := getattr(a, k)) is None else float(v) for k in book.ATTRIBUTION}
    def same(x: Decimal, y: Decimal) -> bool:  # Decimal at the core's precision: equal but for the last digits
        return abs(x - y) <= Decimal("1e-20") * max(Decimal(1), abs(x))

    with localcontext(context()):
        assert same(a.shortfall, a.fund_paid + a.adl_covered + a.unabsorbed)
        check(dec, venue.adl.price)
        assert a.unabsorbed_by == venue.adl.unabsorbed_by
        fill_shortfall = sum((x.shortfall for x in ref.liquidations), Decimal(0))
        assert a.fund_paid <= a.shortfall or same(a.fund_paid, a.shortfall)
        assert a.shortfall <= fill_shortfall or same(a.shortfall, fill_shortfall)
        capacity = sum((r.holder.size for r in ref.queue.rows), Decimal(0))
        assert same(a.deleveraged_size, min(capacity, ref.handed_size))  # the queue closes all it can, no more
        if slippage == "0":  # nothing to take off the market: the shortfall is the fills'
            assert same(a.shortfall, fill_shortfall)
        if venue.adl.price == "bankruptcy" and ref.handed_size <= capacity:
            assert same(a.unabsorbed, Decimal(0))
        if venue.adl.price == "bankruptcy":
            # independently, from the queue side: what the closed winners give up against the mark
            closed = ref.allocations["queue"]
            given_up = sum((size * side_sign(r.holder.side) * (r.holder.mark - p)
                            for r, size, p in zip(ref.queue.rows, closed.sizes, closed.prices, strict=True)
                            if size > 0 and p is not None), Decimal(0))
            mark_after = MARK * (1 + D(shock) / 100)
            beyond = all(side_sign(x.holder.side) * ((x.holder.bankruptcy_price or 0) - mark_after) >= 0
                         for x in ref.liquidations if x.adl_size > 0)  # every closed order's mark past its bankruptcy price
            if venue.margin.close_fee == "estimated_close_at_bankruptcy":
                # Bybit's bankruptcy price keeps the closing-fee reserve: the winners give that up too
                if beyond:
                    assert given_up >= a.adl_covered or same(a.adl_covered, given_up)
            else:
                assert a.adl_covered >= given_up or same(a.adl_covered, given_up)
                if beyond:
                    assert abs(a.adl_covered - given_up) <= Decimal("1e-9") * max(Decimal(1), given_up)

    model = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking=venue.adl.ranking,
                      slippage_bps=float(slippage), insurance_fund=None if fund is None else float(fund))
    step = model.step(float(shock))
    check(step.attribution, venue.adl.price)
    sweep = model.sweep(np.array([float(shock), float(shock) / 2]))
    for i in range(2):
        check({k: float(v[i]) for k, v in sweep.attribution.items()}, venue.adl.price)
    for key in book.ATTRIBUTION:  # the float twin agrees with the Decimal reference
        x, y = dec[key], step.attribution[key]
        assert (np.isnan(x) and np.isnan(y)) or abs(x - y) <= 1e-7 * max(1.0, abs(x)), (key, x, y)
        assert (np.isnan(y) and np.isnan(sweep.attribution[key][0])) or near(y, sweep.attribution[key][0]), key


@pytest.mark.parametrize("rule", ["bankruptcy", "mark"])
def test_adl_covered_per_price_rule(rule: str) -> None:
    """A liquidated long of 2 with bankruptcy price 61,000, the mark at 60,000 after the move: at
    the bankruptcy price the shorts closed give up 1,000 a unit against the mark; at the mark
    they give up nothing and the deficit stays with the preset's party."""
    handed = [adl.Handed("long", D(2), D(2000), D(500), D("1.5"), D(61000) if rule == "bankruptcy" else MARK, MARK, MARK)]
    a = adl.attribute(handed, D(1), rule, "backstop_vault", fund_start=D(500), fund_surplus_in=D(0), fund_left=D(0))
    assert a.deleveraged_size == 1 and a.fund_paid == 500
    if rule == "bankruptcy":
        assert (a.adl_covered, a.unabsorbed) == (1000, 500)  # 0.5 not absorbed, at its fill
    else:
        assert (a.adl_covered, a.unabsorbed) == (0, 1500)
    assert a.shortfall == 2000 and a.unabsorbed_by == "backstop_vault"


def twin_book_of(seed: int, count: int, long_share: float, face: Decimal) -> list[tuple[str, PositionSpec]]:
    """A random inverse book in contracts at one mark, as its linear twin by hand: the other side,
    contracts x face, prices 1/P; margins and wallets in the coin (contracts x face / entry /
    leverage)."""
    rng = random.Random(seed)
    specs = []
    one = Decimal(1)
    for n in range(count):
        side = "long" if rng.random() < long_share else "short"
        size = D(rng.randint(1, 1500)) * face if face > 1 else D(rng.randint(100, 150_000))
        entry = D(str(round(rng.uniform(54000, 66000), 1)))
        leverage = D(rng.randint(2, 25))
        twin_side = "short" if side == "long" else "long"
        coin = (size / entry / leverage).quantize(D("1e-8"))
        if n % 5 == 0:
            spec = PositionSpec(side=twin_side, size=size, entry=one / entry, mark=one / MARK, mode="cross", wallet=coin)
        elif n % 3 == 0:
            spec = PositionSpec(side=twin_side, size=size, entry=one / entry, mark=one / MARK, margin=coin)
        else:
            spec = PositionSpec(side=twin_side, size=size, entry=one / entry, mark=one / MARK, leverage=leverage)
        specs.append((f"p{n}", spec))
    return specs


@settings(max_examples=30)
@given(venue_symbol=st.sampled_from(INVERSE_SYMBOLS), seed=st.integers(0, 10_000), count=st.integers(4, 30),
       long_share=st.floats(0.1, 0.95), shock=st.sampled_from(["-18", "-11", "-6.5", "-2", "3", "7.5", "12", "19"]),
       fund=st.sampled_from([None, "0", "0.005", "0.1", "2"]), slippage=st.sampled_from(["0", "50", "300"]))
def test_shortfall_is_fund_plus_adl_plus_unabsorbed_on_inverse_presets(
        venue_symbol: tuple[str, str], seed: int, count: int, long_share: float, shock: str, fund: str | None,
        slippage: str) -> None:
    """Every unit of a shortfall in the coin has a payer on the inverse presets: the cascade and
    the book on each symbol's linear twin, a move of r% of P being 100/(1 + r/100) - 100 of x,
    and the two paths agree (the fill b worse in P on both)."""
    from dataclasses import replace

    preset, symbol = venue_symbol
    loaded = load(preset)
    venue, inverse = loaded.venue, loaded.symbol(symbol)
    sym = replace(inverse, base=inverse.quote, quote=inverse.base, contract_type="linear", face_value=Decimal(1))
    specs = twin_book_of(seed, count, long_share, inverse.face_value)
    move = Decimal(100) / (1 + D(shock) / 100) - 100
    low, high = venue.adl.indicator_min, venue.adl.indicator_max
    ref = adl.cascade(venue, sym, specs, shock=move, slippage_bps=D(slippage),
                      insurance_fund=None if fund is None else D(fund), ranking=venue.adl.ranking, low=low, high=high,
                      reciprocal=True)
    a = ref.attribution
    dec = {k: float("nan") if (v := getattr(a, k)) is None else float(v) for k in book.ATTRIBUTION}
    with localcontext(context()):
        assert abs(a.shortfall - (a.fund_paid + a.adl_covered + a.unabsorbed)) <= Decimal("1e-20") * max(1, a.shortfall)
        check(dec, venue.adl.price)
        if slippage == "0":  # the shortfall is the fills'
            fills = sum((x.shortfall for x in ref.liquidations), Decimal(0))
            assert abs(a.shortfall - fills) <= Decimal("1e-20") * max(1, fills)
    model = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking=venue.adl.ranking,
                      slippage_bps=float(slippage), insurance_fund=None if fund is None else float(fund), reciprocal=True)
    step = model.step(float(move))
    check(step.attribution, venue.adl.price)
    for key in book.ATTRIBUTION:  # the float twin agrees with the Decimal reference
        x, y = dec[key], step.attribution[key]
        assert (np.isnan(x) and np.isnan(y)) or abs(x - y) <= 1e-7 * max(1.0, abs(x)), (key, x, y)
