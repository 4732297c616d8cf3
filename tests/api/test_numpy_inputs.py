"""numpy's scalars are numbers to the API (seen: np.float64 raised decimal.InvalidOperation,
np.int64 was refused): a quant's values often come out of a DataFrame."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import liqcalc


def test_numpy_scalars_price_like_python_numbers() -> None:
    plain = liqcalc.position(preset="binance", symbol="BTCUSDT", side="long", entry=60000.0, size=1, leverage=20)
    numpy = liqcalc.position(preset="binance", symbol="BTCUSDT", side="long", entry=np.float64(60000), size=np.int64(1),
                             leverage=np.int32(20))
    assert numpy.to_dict() == plain.to_dict()
    assert round(numpy.liquidation_price, 2) == Decimal("57228.92")


@pytest.mark.parametrize("bad", [np.float64("nan"), np.float64("inf")])
def test_numpy_non_finite_values_are_named_errors(bad: object) -> None:
    with pytest.raises(liqcalc.InputError, match="^entry=: expected a finite number"):
        liqcalc.position(preset="binance", symbol="BTCUSDT", side="long", entry=bad, size=1, leverage=20)


@pytest.mark.parametrize(("kw", "kind"), [({"preset": "binanse"}, liqcalc.PresetError),
                                          ({"symbol": "NOPE"}, liqcalc.SymbolError)])
def test_every_error_has_a_field_to_read(kw: dict[str, str], kind: type[liqcalc.LiqcalcError]) -> None:
    """Seen: the README's `error.field` raised AttributeError for a PresetError or a SymbolError."""
    args = {"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20, **kw}
    with pytest.raises(kind) as caught:
        liqcalc.position(**args)  # type: ignore[arg-type]
    assert caught.value.field is None and str(caught.value)
