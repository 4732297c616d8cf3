"""Builders for venues and symbols used by the tests (rules stated per test)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np

from liqcalc.core import book
from liqcalc.core.model import (
    AdlRule,
    FeeRules,
    MarginRules,
    ShortfallRule,
    SurplusRule,
    SymbolSpec,
    Tier,
    Venue,
)
from liqcalc.core.position import PositionSpec
from liqcalc.core.tiers import maint_amounts

D = Decimal


def venue(
    *,
    tier_basis: Any = "liquidation_notional",
    maintenance_basis: Any = "liquidation_price",
    close_fee: Any = "none",
    taker: str = "0",
    liquidation: str = "0",
    surplus_to: Any = "insurance_fund",
    backstop: tuple[int, int] | None = None,
    waterfall: tuple[Any, ...] = ("insurance_fund", "adl_counterparties"),
    adl_price: Any = "bankruptcy",
) -> Venue:
    return Venue(
        name="test", title="Test venue", as_of=dt.date(2026, 1, 1), illustrative=True, main_quote="USDT",
        sources=("test",), notes=(),
        margin=MarginRules(tier_basis, maintenance_basis, close_fee, "test"),
        fees=FeeRules(D(0), D(taker), D(liquidation), "insurance_fund", "test"),
        surplus=SurplusRule(surplus_to, backstop, "backstop_vault" if backstop else None, "test"),
        shortfall=ShortfallRule(waterfall, "test"),
        adl=AdlRule("pnl_x_leverage", adl_price, 1, 5, "test"),
    )


def symbol(rows: list[tuple[str, str | None, str, str]], *, deduction: bool = True, complete: bool = True) -> SymbolSpec:
    """``rows`` of (floor, cap, max_leverage, mmr); amounts by the recursion when ``deduction``."""
    floors = [D(r[0]) for r in rows]
    rates = [D(r[3]) for r in rows]
    amounts = maint_amounts(floors, rates) if deduction else [D(0)] * len(rows)
    tiers = tuple(
        Tier(n + 1, floors[n], None if r[1] is None else D(r[1]), D(r[2]), rates[n], amounts[n])
        for n, r in enumerate(rows)
    )
    return SymbolSpec("TESTUSDT", "TEST", "USDT", "perpetual", complete, None, tiers)


def one_tier(mmr: str, max_leverage: str = "125") -> SymbolSpec:
    return symbol([("0", None, max_leverage, mmr)])


def rounded(value: Decimal | None, places: int) -> Decimal:
    assert value is not None
    return value.quantize(Decimal(1).scaleb(-places))


def columns(specs: list[tuple[str, PositionSpec]]) -> book.Columns:
    """The book arrays of ``specs`` (id, spec), as a book file would give them."""
    def col(get: object) -> np.ndarray:
        return np.array([np.nan if (v := get(s)) is None else float(v) for _, s in specs])  # type: ignore[operator]

    return book.Columns(
        tuple(i for i, _ in specs), np.array([1.0 if s.side == "long" else -1.0 for _, s in specs]),
        col(lambda s: s.size), col(lambda s: s.entry), col(lambda s: s.mark), col(lambda s: s.margin),
        col(lambda s: s.leverage), col(lambda s: s.wallet),
    )


def same(a: Any, b: Any, where: str = "") -> None:
    """Equal JSON objects, numbers to relative 1e-9 (or 2e-8 absolute: 8 decimals): a report of
    the vectorized (float) path against the Decimal path's."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{n}]")
    elif isinstance(a, Decimal | float) and not isinstance(a, bool) and isinstance(b, Decimal | float | int):
        assert abs(float(a) - float(b)) <= max(2e-8, 1e-9 * max(abs(float(a)), abs(float(b)))), (where, a, b)
    else:
        assert a == b, (where, a, b)
