"""Bybit UTA's estimated fee to close sits in initial and maintenance margin, priced at the
bankruptcy price (CloseFeeRule.fee). A long below 1x, and an inverse short whose margin exceeds
its notional (its linear twin is such a long), has no bankruptcy price: the fee is 0, never
negative, and the maintenance margin is the tier's notional x MMR - amount."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from liqcalc.app.session import Session
from liqcalc.core.book import Columns, price_book
from liqcalc.core.position import PositionSpec

SESSION = Session(stale_warning=False)


@pytest.mark.parametrize(("preset", "symbol", "side", "entry", "size", "margin"), [
    ("bybit", "BTCUSDT", "long", "60000", "1", "120000"),                 # 0.5x long
    ("bybit-inverse", "BTCUSD", "short", "55429.12", "1000", "0.02"),       # 0.90x inverse short
    ("bybit-inverse", "BTCUSD", "short", "55429.12", "1", "0.12036"),       # a trial's case: far below 1x
])
def test_a_position_below_1x_reserves_no_negative_fee_to_close(preset: str, symbol: str, side: str, entry: str,
                                                                 size: str, margin: str) -> None:
    calc = SESSION.calculator(preset, symbol)
    spec = PositionSpec(side=side, size=Decimal(size), entry=Decimal(entry), mark=Decimal(entry),  # type: ignore[arg-type]
                        margin=Decimal(margin))
    result = calc.evaluate(spec)
    tier = result.tier
    assert tier is not None
    value = result.notional  # in the margin asset (the coin for an inverse contract)
    tiny = Decimal("1e-25")  # the core's 34 digits, reached by another order of operations
    assert result.close_fee == 0
    assert result.maintenance_margin == pytest.approx(value * tier.mmr - tier.maint_amount, rel=tiny)
    assert result.leverage is not None and Decimal(0) < result.leverage < 1
    assert result.leverage == pytest.approx(value / Decimal(margin), rel=tiny)
    assert result.bankruptcy_price is None and result.liquidation_price is None


def test_the_book_prices_a_long_below_1x_as_the_core_does() -> None:
    calc = SESSION.calculator("bybit", "BTCUSDT")
    nan = float("nan")
    cols = Columns(("a", "b"), np.array([1.0, 1.0]), np.array([1.0, 1.0]), np.array([60000.0, 60000.0]),
                   np.array([60000.0, 60000.0]), np.array([120000.0, 3000.0]), np.array([nan, nan]),
                   np.array([nan, nan]))
    priced = price_book(calc.venue, calc.symbol, cols)
    assert priced.close_fee[0] == 0.0
    assert priced.leverage[0] == pytest.approx(0.5, rel=1e-15)
    core = calc.evaluate(PositionSpec(side="long", size=Decimal(1), entry=Decimal(60000), mark=Decimal(60000),
                                      margin=Decimal(3000)))
    assert priced.leverage[1] == pytest.approx(float(core.leverage or 0), rel=1e-12)
    assert priced.close_fee[1] > 0


def test_a_leverage_far_below_1x_is_shown_not_rounded_to_0x() -> None:
    from liqcalc.render.position import leverage_text

    assert leverage_text(Decimal("0.0001498788")) == "0.00015x"
    assert leverage_text(Decimal("0.9020529281")) == "0.9x"
    assert leverage_text(Decimal("86.666")) == "86.67x"
    assert leverage_text(Decimal(20)) == "20x"
