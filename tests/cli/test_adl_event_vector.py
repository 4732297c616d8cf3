"""A liquidation event on a book (``liquidated_size``/``bankruptcy_price``), and the queue
alone, run on the vectorized book; the Decimal path (``VECTOR_EVENTS = False``, every row
through the position core) stays the reference: the same report on random small books of every
preset with ADL, linear and inverse, both allocation policies, to the printed precision
(relative 1e-9: the float book's 12 significant digits against Decimal's 28)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from helpers import same
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import liqcalc
import liqcalc.app.adl as adl_app
from liqcalc.presets.loader import load

# every built-in preset with an ADL queue, a symbol of it, its mark, and whether it is inverse
VENUES = [("binance", "BTCUSDT", 60000), ("bybit", "BTCUSDT", 60000), ("okx", "BTC", 60000),
          ("hyperliquid", "BTC", 60000), ("dydx", "BTC-USD", 60000), ("bitget", "BTCUSDT", 60000),
          ("bitmex", "XBTUSD", 60000), ("binance-coinm", "BTCUSD_PERP", 60000), ("bybit-inverse", "BTCUSD", 60000)]
INVERSE = {"bitmex", "binance-coinm", "bybit-inverse"}


def book(seed: int, face: Decimal | None, count: int) -> list[dict[str, Any]]:
    """Rows within every preset's known tiers: linear sizes up to 2 BTC at 1-20x, inverse
    counts of contracts of ``face`` at 2-20x (near 1x an inverse short's bankruptcy price runs
    to infinity, beyond what a float of 1/P resolves); a fifth by margin, a fifth cross.
    Entries are distinct: positions equal in exact arithmetic are ordered by the Decimal path's
    28th digit but kept in book order by the float one (tests/core/test_book_vs_core.py
    compares those orders up to near-ties; tie order has its own tests)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        side = "long" if rng.random() < 0.5 else "short"
        size = rng.randint(1, 400) * int(100 / face) if face is not None else Decimal(rng.randint(1, 2000)) / 1000
        entry = Decimal(rng.randint(540000, 660000)) / 10 + Decimal(n) / 1000
        leverage = rng.randint(2 if face is not None else 1, 20)
        row: dict[str, Any] = {"id": f"p{n}", "side": side, "size": size, "entry": entry}
        notional = Decimal(size) * face / entry if face is not None else size * entry
        if n % 5 == 1:
            # (a margin of the whole notional, 1x, puts the bankruptcy price within the rounding
            # of the margin to 1e-8 of zero: none in one path, 1e-12 in the other)
            row["margin"] = (notional / max(leverage, 2)).quantize(Decimal("1e-8"))
        elif n % 5 == 2:
            row["wallet"] = (notional / leverage * Decimal("1.5")).quantize(Decimal("1e-8"))
            row["leverage"] = leverage
        else:
            row["leverage"] = leverage
        if n % 7 == 3:
            row["mark"] = Decimal(60000 + rng.choice([-1500, 1500]))
        rows.append(row)
    return rows


def both(**options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    vector = liqcalc.adl_risk(no_stale_warning=True, **options).to_dict()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adl_app, "VECTOR_EVENTS", False)
        decimal = liqcalc.adl_risk(no_stale_warning=True, **options).to_dict()
    return vector, decimal


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(venue=st.sampled_from(VENUES), seed=st.integers(0, 10_000), policy=st.sampled_from(["queue", "pro-rata"]),
       you_side=st.sampled_from(["long", "short", None]), fund=st.sampled_from([None, 0, 500]),
       liquidated=st.sampled_from(["short", "long", None]), count=st.integers(1, 60))
def test_an_event_on_a_book_is_the_decimal_report(venue: tuple[str, str, int], seed: int, policy: str, you_side: str | None,
                                                  fund: int | None, liquidated: str | None, count: int) -> None:
    preset, symbol, mark = venue
    inverse = preset in INVERSE
    face = load(preset).symbol(symbol).face_value if inverse else None
    options: dict[str, Any] = {"preset": preset, "symbol": symbol, "mark": mark, "book": book(seed, face, count),
                               "policy": policy, "seed": seed}
    if you_side is not None:
        options.update(side=you_side, entry=58000, size=int(3000 / face) if face else Decimal("0.7"), leverage=10)
    if liquidated is not None:
        options.update(liquidated_side=liquidated, liquidated_size=int(20000 / face) if face else 3,
                       bankruptcy_price=61500 if liquidated == "short" else 58500)
        if fund is not None:
            options["insurance_fund"] = Decimal(fund) / 60000 if inverse else fund
    elif you_side is None:
        options["liquidated_side"] = None
    vector, decimal = both(**options)
    same(vector, decimal)


def test_an_event_on_the_sample_book_is_the_decimal_report() -> None:
    vector, decimal = both(preset="binance", symbol="BTCUSDT", side="long", entry=60000, size=1, leverage=20, mark=66000,
                           book="sample:btcusdt", liquidated_size=5, bankruptcy_price=67000, insurance_fund=1000)
    same(vector, decimal)
    assert vector["queue_count"] > 3 and vector["you"]["adl_size"] > 0


def test_an_event_on_a_book_does_not_evaluate_each_row_in_decimal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are priced by the float book: the position core is not called once per row."""
    from liqcalc.core.position import Calculator

    calls = 0
    evaluate = Calculator.evaluate

    def counting(self: Calculator, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(Calculator, "evaluate", counting)
    liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", side="long", entry=60000, size=1, leverage=20, mark=66000,
                     book=book(1, None, 200), liquidated_size=5, bankruptcy_price=67000, no_stale_warning=True)
    assert calls <= 2  # your position (and nothing per row)
