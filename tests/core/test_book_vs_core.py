"""One model of a position: the vectorized book (numpy float64, ``liqcalc.core.book``) agrees
with the Decimal core (``Calculator.evaluate``, ``adl.cascade``) on random positions across
every tier of every built-in preset, both sides, isolated (by leverage or by margin) and cross.

Sizes are drawn so that the entry notional (or size, for base-unit tables) lands inside each
tier or just beside one of its bounds, so that the liquidation notional often lies in another
tier than the entry's (Binance's ranged tables) and the tier is read in both paths.

Tolerance: relative 1e-9 (of the value, or of 1 when it is smaller). The inputs are exact
decimals; the float path rounds each to 53 bits (relative 2**-53 ~ 1.1e-16) and a liquidation
price amplifies an input's error by at most about the leverage (up to 200x) through a handful of
operations, so honest agreement is near 1e-13; 1e-9 leaves four orders of margin while a wrong
tier, fee or rule (differences of 1e-4 and more) still fails. Bounds are approached at a relative
distance of at least 1e-9: closer than float rounding (1e-16) no float can say which side of a
bound a notional lies on, and the maintenance amounts keep the margin continuous there anyway.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import numpy as np
import pytest
from helpers import venue as make_venue
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from liqcalc.core import adl, book, rules
from liqcalc.core.errors import LiqcalcError
from liqcalc.core.model import SymbolSpec, Venue
from liqcalc.core.position import Calculator, PositionSpec
from liqcalc.presets.loader import Preset, load

PRESETS = ["binance", "bybit", "okx", "hyperliquid", "dydx", "bitget", "clearinghouse"]
REL = 1e-9
RANKINGS = list(rules.CHOOSABLE_RANKINGS)  # every ranking --ranking offers, a new one included


def columns(specs: list[tuple[str, PositionSpec]]) -> book.Columns:
    def col(values: list[Decimal | None]) -> np.ndarray:
        return np.array([np.nan if v is None else float(v) for v in values])

    return book.Columns(
        tuple(i for i, _ in specs), np.array([1.0 if s.side == "long" else -1.0 for _, s in specs]),
        col([s.size for _, s in specs]), col([s.entry for _, s in specs]), col([s.mark for _, s in specs]),
        col([s.margin for _, s in specs]), col([s.leverage for _, s in specs]), col([s.wallet for _, s in specs]),
    )


def close(a: Decimal | None, b: float, rel: float) -> bool:
    if a is None:
        return bool(np.isnan(b))
    if np.isnan(b):
        # the book has no price where the Decimal one is below what a float of the inputs resolves
        # (seen: a cross long whose 28-digit size backs it to 2.2e-28: the float root is <= 0)
        return abs(a) <= Decimal(FLOAT_RESOLUTION)
    return bool(abs(float(a) - b) <= rel * max(1.0, abs(float(a))))


#: What a float64 computation of a price near 1 can tell from 0 (a few ulps of 1).
FLOAT_RESOLUTION = 1e-12


@cache
def preset(name: str) -> Preset:
    return load(name)


@st.composite
def symbol_and_tier(draw: st.DrawFn, name: str) -> tuple[SymbolSpec, int]:
    loaded = preset(name)
    sym = loaded.symbol(draw(st.sampled_from(loaded.symbol_names)))
    return sym, draw(st.integers(0, len(sym.tiers) - 1))


def measure_in(draw: st.DrawFn, sym: SymbolSpec, tier: int) -> Decimal:
    """A notional (or size) in ``tier``: anywhere inside, or just inside one of its bounds."""
    t = sym.tiers[tier]
    floor = t.floor
    cap = t.cap if t.cap is not None else max(floor * 3, Decimal(1000))
    where = draw(st.sampled_from(["inside", "above_floor", "below_cap"]))
    gap = Decimal(10) ** -draw(st.integers(3, 9))
    if where == "inside" or floor == 0 and where == "above_floor":
        share = Decimal(draw(st.integers(1, 999))) / 1000
        value = floor + (cap - floor) * share
    elif where == "above_floor":
        value = floor * (1 + gap)
    else:
        value = cap * (1 - gap) if t.cap is not None else cap
    return value if value > 0 else Decimal("0.001")


@st.composite
def position(draw: st.DrawFn, sym: SymbolSpec, tier: int) -> PositionSpec:
    entry = Decimal(draw(st.integers(100, 10**7))) / 100  # 1.00 .. 100,000.00
    measure = measure_in(draw, sym, tier)
    size = measure if sym.tier_unit == "base" else measure / entry
    size = +size  # context precision, as a user's number
    mark = entry * (1 + Decimal(draw(st.integers(-500, 500))) / 10_000)
    max_leverage = sym.tiers[tier].max_leverage
    leverage = max(Decimal(1), (max_leverage * Decimal(draw(st.integers(1, 100))) / 100).quantize(Decimal("0.01")))
    leverage = min(leverage, max_leverage)
    side = draw(st.sampled_from(["long", "short"]))
    mode = draw(st.sampled_from(["leverage", "margin", "cross", "cross_leverage"]))
    margin = (size * entry / leverage).quantize(Decimal("0.01")) + Decimal("0.01")
    if mode == "leverage":
        return PositionSpec(side=side, size=size, entry=entry, mark=mark, leverage=leverage)
    if mode == "margin":
        return PositionSpec(side=side, size=size, entry=entry, mark=mark, margin=margin)
    return PositionSpec(side=side, size=size, entry=entry, mark=mark, mode="cross", wallet=margin * 2,
                        leverage=leverage if mode == "cross_leverage" else None)


def near(value: Decimal | None) -> str | None:
    """A sort key rounded to 10 significant digits (``None``: unranked)."""
    return None if value is None else f"{float(value):.9e}"


def tolerance_for(value: Decimal, scale: Decimal) -> float:
    return REL * max(1.0, abs(float(value)), float(scale))


@pytest.mark.parametrize("name", PRESETS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_book_prices_every_tier_as_the_decimal_core(name: str, data: st.DataObject) -> None:
    """Liquidation and bankruptcy prices, margin balance, leverage, closing fee and the
    maintenance margin at the mark, row by row, against ``Calculator.evaluate``; a row the
    core refuses (above the tier's leverage, beyond the table) the book refuses too."""
    sym, tier = data.draw(symbol_and_tier(name))
    check_prices(preset(name).venue, sym, tier, data)


def check_prices(venue: Venue, sym: SymbolSpec, tier: int, data: st.DataObject) -> None:
    name = venue.name
    specs = [(f"p{n}", data.draw(position(sym, tier))) for n in range(data.draw(st.integers(1, 4)))]
    calc = Calculator(venue, sym)
    results = []
    for _, spec in specs:
        try:
            results.append(calc.evaluate(spec))
        except LiqcalcError as error:
            # the mark is read by the shock (its own check), not by the book's prices
            assume("mark" not in str(getattr(error, "field", "")))
            with pytest.raises(book.BookRowError):
                book.price_book(venue, sym, columns(specs))
            return
    priced = book.price_book(venue, sym, columns(specs))
    for n, ((_, spec), result) in enumerate(zip(specs, results, strict=True)):
        notional = spec.size * spec.entry
        what = (name, sym.name, tier, n, spec)
        assert close(result.liquidation_price, priced.liquidation[n], REL), (*what, result.liquidation_price, priced.liquidation[n])
        assert close(result.bankruptcy_price, priced.bankruptcy[n], REL), (*what, result.bankruptcy_price, priced.bankruptcy[n])
        assert abs(float(result.margin_balance) - priced.backing[n]) <= tolerance_for(result.margin_balance, notional), what
        assert close(result.close_fee, priced.close_fee[n], REL), what
        if result.leverage is None:
            assert np.isnan(priced.leverage[n]), what
        else:
            assert close(result.leverage, priced.leverage[n], REL), what
        mm = priced.maintenance(np.array([n]), np.array([float(spec.mark)]))[0]
        assert abs(float(result.maintenance_margin) - mm) <= tolerance_for(result.maintenance_margin, notional), \
            (*what, result.maintenance_margin, mm)


BOOK_PRESETS = ["binance", "bybit", "okx", "hyperliquid", "dydx", "bitget"]


@pytest.mark.parametrize("name", BOOK_PRESETS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_book_shock_and_waterfall_agree_with_the_cascade_on_every_tier(name: str, data: st.DataObject) -> None:
    """A small book of one symbol with positions in every tier: the shock's liquidations (who,
    in which order), each one's split of the shortfall between the fund and ADL and its surplus
    into the fund, the queue and the attribution, against ``adl.cascade``."""
    sym, _ = data.draw(symbol_and_tier(name))
    check_cascade(preset(name).venue, sym, data)


def check_cascade(venue: Venue, sym: SymbolSpec, data: st.DataObject) -> None:
    specs = []
    for n in range(data.draw(st.integers(2, 10))):
        tier = data.draw(st.integers(0, len(sym.tiers) - 1))
        specs.append((f"p{n}", data.draw(position(sym, tier))))
    calc = Calculator(venue, sym)
    try:
        for _, spec in specs:
            calc.evaluate(spec)
    except LiqcalcError:
        assume(False)
    shock = Decimal(data.draw(st.integers(-300, 300))) / 10
    fund = data.draw(st.sampled_from([None, "0", "50", "5000"]))
    ranking = data.draw(st.sampled_from([venue.adl.ranking, *RANKINGS]))
    seed = data.draw(st.integers(0, 5))
    try:
        ref = adl.cascade(venue, sym, specs, shock=shock, slippage_bps=Decimal(50),
                          insurance_fund=None if fund is None else Decimal(fund), ranking=ranking, seed=seed,
                          low=venue.adl.indicator_min, high=venue.adl.indicator_max)
    except LiqcalcError:
        assume(False)  # a shocked mark beyond the table: the shock command refuses it before the book
    model = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking=ranking, slippage_bps=50.0,
                      insurance_fund=None if fund is None else float(fund), seed=seed)
    step = model.step(float(shock))
    ids = [i for i, _ in specs]
    # Orders agree up to near-ties: the Decimal core's own 28 digits separate values that are
    # equal in exact arithmetic (a size of 299700/1.71), which no float can follow; each order
    # must list the same keys, rounded to 10 significant digits, in the same sequence.
    crossing = {i: near(x.holder.liquidation_price / x.holder.mark) for i, x in enumerate(ref.liquidations)}
    by_id = {x.holder.id: crossing[i] for i, x in enumerate(ref.liquidations)}
    assert [by_id[ids[i]] for i in step.liquidated] == list(crossing.values())
    assert sorted(x.holder.id for x in ref.liquidations) == sorted(ids[i] for i in step.liquidated)
    scale = max([float(s.size * s.entry) for _, s in specs])
    row = {ids[i]: k for k, i in enumerate(step.liquidated)}
    same_order = [x.holder.id for x in ref.liquidations] == [ids[i] for i in step.liquidated]
    # a capped fund pays in crossing order: near-tied rows swapped split it differently (totals agree)
    for x in ref.liquidations if same_order or fund is None else []:
        k = row[x.holder.id]
        paid, received, to_adl = step.fund_paid[k], step.fund_received[k], step.adl_deficit[k]
        size, fill, price = step.adl_size[k], step.fill[k], step.adl_price[k]
        assert abs(float(x.fill_price) - fill) <= REL * float(x.fill_price)
        for a, b in ((x.shortfall, paid + to_adl), (x.fund_paid, paid), (x.fund_received, received),
                     (x.adl_deficit, to_adl), (x.adl_price, price)):
            assert abs(float(a) - b) <= REL * scale, (a, b)
        assert abs(float(x.adl_size) - size) <= REL * max(1.0, float(x.holder.size))
    if ranking in ("random_start", "none"):
        assert [r.holder.id for r in ref.queue.rows] == [ids[i] for i in step.queue]
    else:
        score = {r.holder.id: near(r.score) for r in ref.queue.rows}
        assert [score[ids[i]] for i in step.queue] == [score[r.holder.id] for r in ref.queue.rows]
    for key in ("shortfall", "fund_surplus_in", "fund_paid", "adl_covered", "unabsorbed", "deleveraged_size",
                "deleveraged_notional"):
        assert abs(float(getattr(ref.attribution, key)) - step.attribution[key]) <= REL * scale * len(specs), key



#: Rule combinations no built-in preset has (maintenance valued at the entry price with each
#: closing fee and tier basis, a backstop, the mark as ADL price), on a ranged table and a
#: base-unit one: every rule object's array form meets its Decimal form.
COMBOS = [
    {"tier_basis": tb, "maintenance_basis": mb, "close_fee": cf, "adl_price": ap, "backstop": bs, "surplus_to": to}
    for tb in ("liquidation_notional", "entry_notional")
    for mb in ("liquidation_price", "entry_price")
    for cf in ("none", "taker_rate", "estimated_close_at_bankruptcy")
    for ap, bs, to in (("bankruptcy", None, "insurance_fund"), ("mark", (2, 3), "trader"))
]
TABLES = [("binance", "BTCUSDT"), ("okx", "BTC-USDT-SWAP")]


def combo_venue(combo: dict[str, object]) -> Venue:
    return make_venue(taker="0.00055", liquidation="0.005", **combo)  # type: ignore[arg-type]


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "-".join(str(v) for v in c.values()))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_book_prices_every_rule_combination_as_the_decimal_core(combo: dict[str, object], data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(TABLES))
    sym = preset(table[0]).symbol(table[1])
    check_prices(combo_venue(combo), sym, data.draw(st.integers(0, len(sym.tiers) - 1)), data)


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "-".join(str(v) for v in c.values()))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_book_cascade_agrees_on_every_rule_combination(combo: dict[str, object], data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(TABLES))
    venue = combo_venue(combo)
    if venue.fund_party is None:
        pytest.skip("the book models a fund then ADL")
    check_cascade(venue, preset(table[0]).symbol(table[1]), data)

def test_equal_ratios_and_scores_in_exact_arithmetic_keep_the_book_order() -> None:
    """Positions with the same entry, mark and leverage at different sizes have the same
    liquidation-over-mark ratio and the same score; their float quotients differ in the last
    bits, and the book used to order them by that noise. Like the Decimal cascade, it keeps
    the book's order (liqcalc.core.book.tie_key)."""
    loaded = preset("bybit")
    venue, sym = loaded.venue, loaded.symbol("BTCUSDT")
    sizes = ["0.1", "0.3", "0.7", "1.3", "0.9", "2.9", "0.07", "1.1", "0.33", "3.7"]
    specs = [(f"long{n}", PositionSpec(side="long", size=Decimal(q), entry=Decimal("60000"), mark=Decimal("60000"),
                                       leverage=Decimal("8"))) for n, q in enumerate(sizes)]
    specs += [(f"short{n}", PositionSpec(side="short", size=Decimal(q), entry=Decimal("64000"), mark=Decimal("60000"),
                                         leverage=Decimal("8"))) for n, q in enumerate(sizes)]
    ref = adl.cascade(venue, sym, specs, shock=Decimal(-14), slippage_bps=Decimal(50), insurance_fund=Decimal(0),
                      ranking="pnl_x_leverage", low=venue.adl.indicator_min, high=venue.adl.indicator_max)
    step = book.Book(venue, book.price_book(venue, sym, columns(specs)), ranking="pnl_x_leverage", slippage_bps=50.0,
                     insurance_fund=0.0).step(-14.0)
    ids = [i for i, _ in specs]
    assert [x.holder.id for x in ref.liquidations] == [f"long{n}" for n in range(len(sizes))]
    assert [ids[i] for i in step.liquidated] == [x.holder.id for x in ref.liquidations]
    assert [ids[i] for i in step.queue] == [r.holder.id for r in ref.queue.rows] == [f"short{n}" for n in range(len(sizes))]


def test_positions_that_cross_together_keep_the_book_order_in_both_paths() -> None:
    """Two longs at the same leverage and entry ratio cross at the same move; the Decimal core's
    34th digit of liquidation/mark must not order them (it did: p2 before p1, so the one ADL
    counterparty closed p2's size and the attribution differed from the book's). Found by
    hypothesis on okx."""
    from liqcalc.core.position import PositionSpec

    okx = preset("okx")
    sym = okx.symbol("BTC-USDT-SWAP")

    def spec(side: str, size: str, entry: str, leverage: str) -> PositionSpec:
        return PositionSpec(side=side, size=Decimal(size), entry=Decimal(entry), mark=Decimal(entry),  # type: ignore[arg-type]
                            leverage=Decimal(leverage))

    specs = [("p0", spec("short", "9.99", "1", "1")), ("p1", spec("long", "9.99", "1", "12")),
             ("p2", spec("long", "9.99", "3.18", "12")), ("p3", spec("long", "0.01", "1", "1"))]
    ref = adl.cascade(okx.venue, sym, specs, shock=Decimal(-8), slippage_bps=Decimal(50), insurance_fund=Decimal(0),
                      ranking="pnl_x_leverage", seed=0, low=1, high=5)
    model = book.Book(okx.venue, book.price_book(okx.venue, sym, columns(specs)), ranking="pnl_x_leverage",
                      slippage_bps=50.0, insurance_fund=0.0, seed=0)
    step = model.step(-8.0)
    assert [x.holder.id for x in ref.liquidations] == ["p1", "p2"] == [specs[i][0] for i in step.liquidated]
    assert float(ref.attribution.shortfall) == pytest.approx(step.attribution["shortfall"], rel=1e-9)
