"""Number construction for the core: one place that turns input into Decimal.

Rounding happens only where a venue's rule says so; display precision belongs to the
renderer. NaN and infinities are never valid in a financial input.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Context, Decimal, InvalidOperation, localcontext

from liqcalc.core.errors import InputError

#: Working precision for every core computation: ample for notionals of 1e12 quoted to 1e-12.
PRECISION = 34

#: Largest decimal exponent, either way, of an input: far beyond any price, size or amount,
#: and far inside what 34-digit arithmetic handles without overflow.
MAGNITUDE = 30

ZERO = Decimal(0)
ONE = Decimal(1)


def context() -> Context:
    """The decimal context the core computes in (34 significant digits, round half even)."""
    return Context(prec=PRECISION)


#: A number as text: optional sign, ASCII digits (``_`` between digits allowed, as in Python),
#: an optional fraction and exponent; or the words Decimal reads for NaN and infinities, which
#: are refused below with their own message.
_NUMBER = re.compile(
    r"[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?"
    r"|[+-]?(?:inf|infinity|s?nan\d*)",
    re.IGNORECASE | re.ASCII,
)


def shown(value: object) -> str:
    """``value`` as an error shows it: a number as a number (grouped, never ``Decimal('...')``;
    beyond :data:`MAGNITUDE` in exponent form, the only way to show 1e400 in a line), anything
    else as its repr (control characters escaped); at most 40 characters."""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        number = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
        if number.is_finite() and number and not -MAGNITUDE <= number.adjusted() <= MAGNITUDE:
            text = f"{number.normalize():e}".replace("E", "e").replace("e+", "e")
        elif number.is_finite():
            text = given(number)
        else:
            text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_decimal(value: object, field: str) -> Decimal:
    """Turn ``value`` into a finite Decimal, or raise :class:`InputError` naming ``field``.

    Floats go through ``repr`` so ``0.1`` becomes ``Decimal("0.1")``, not its binary expansion.
    """
    if isinstance(value, bool):
        raise InputError(field, f"expected a number, got {shown(value)}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(int(value))
    elif isinstance(value, float):
        # float(): numpy's float64 is a float whose repr is "np.float64(60000.0)"
        result = Decimal(repr(float(value)))
    elif isinstance(value, numbers.Integral):  # numpy's integers (np.int64 is not an int)
        result = Decimal(int(value))
    elif isinstance(value, str):
        text = value.strip()
        # Decimal() reads any Unicode digit ("١٢٣", fullwidth "１２３") as ASCII; a price typed in
        # another script is more likely a paste error than a number: ASCII only.
        if not text.isascii():
            raise InputError(field, f"expected a number in ASCII digits (such as 60000, 0.5, 1e-3), got {shown(value)}")
        if not _NUMBER.fullmatch(text):
            raise InputError(field, f"expected a number, got {shown(value)}")
        try:
            result = Decimal(text.replace("_", ""))
        except InvalidOperation:
            raise InputError(field, f"expected a number, got {shown(value)}") from None
    else:
        raise InputError(field, f"expected a number, got {shown(value)}")
    if not result.is_finite():
        raise InputError(field, f"expected a finite number, got {shown(value)}")
    if result and not -MAGNITUDE <= result.adjusted() <= MAGNITUDE:
        raise InputError(field, f"{shown(value)} is out of range (between 1e-{MAGNITUDE} and 1e{MAGNITUDE} in size)")
    return result


# -- numbers in messages ---------------------------------------------------------------------
# The core cannot import the renderer, yet its errors and warnings print numbers: these read
# like the tables (liqcalc/render/numbers.py): grouped thousands, never an exponent, never
# ``Decimal('...')``; tests/core/test_message_numbers.py checks they agree with the renderer.


def _grouped(value: Decimal, places: int, rounding: str | None, trim: bool) -> str:
    with localcontext(Context(prec=200)):
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=rounding)
        if trim:
            rounded = rounded.normalize()
            if rounded.as_tuple().exponent > 0:  # type: ignore[operator]
                rounded = rounded.quantize(ONE)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:,f}"


def price_places(value: Decimal) -> int:
    """The decimals a price is shown with: 6 significant digits, at least 2."""
    return max(2, 6 - (value.copy_abs().adjusted() + 1)) if value else 2


def price_text(value: Decimal, rounding: str | None = None, like: Decimal | None = None) -> str:
    """A price in a message, as the tables show it: 6 significant digits, at least 2 decimals,
    grouped (``40,160.64``, ``0.002595``); with ``like``, the decimals of that price (a gap
    beside the price it is measured from). ``rounding`` (``ROUND_FLOOR`` for an upper bound)
    overrides half-even."""
    return _grouped(value, price_places(value if like is None else like), rounding, trim=False)


#: The most decimals an amount of money is shown with (a satoshi's; a stablecoin's cent is 2).
MONEY_DECIMALS = 8


#: Whether amounts are in a coin (an inverse contract's margin asset): shown to the satoshi,
#: 1e-8, since a cent of a coin is worth hundreds of dollars. Set by the renderers for the
#: symbol whose amounts they print (:func:`coin_amounts`); the core's messages keep the default.
_COIN: ContextVar[bool] = ContextVar("liqcalc_coin_amounts", default=False)
#: Decimals kept of a coin amount at the least (``0.5000 BTC``), trailing zeros beyond trimmed.
COIN_MIN_DECIMALS = 4


@contextmanager
def coin_amounts(on: bool = True) -> Iterator[None]:
    """Amounts shown inside the block are in a coin (``on``), or in a quote currency."""
    token = _COIN.set(on)
    try:
        yield
    finally:
        _COIN.reset(token)


def in_coin() -> bool:
    """Whether amounts are shown in a coin (inside :func:`coin_amounts`)."""
    return _COIN.get()


def money_unit() -> Decimal:
    """The smallest amount shown: a cent, or a satoshi inside :func:`coin_amounts`."""
    return Decimal(1).scaleb(-MONEY_DECIMALS) if _COIN.get() else Decimal("0.01")


def money_text(value: Decimal) -> str:
    """An amount of quote currency in a message, to the cent as the tables show it
    (``6,100,000,000.00``, ``-999,997,000.00``); an amount below 1 keeps 4 significant digits,
    at most :data:`MONEY_DECIMALS` decimals (below half of 1e-8 it is 0.00, never 1e-22 of noise).
    Inside :func:`coin_amounts`, to the satoshi: 8 decimals, trailing zeros trimmed to 4."""
    if abs(value) < Decimal(1).scaleb(-MONEY_DECIMALS) / 2:
        value = ZERO
    if _COIN.get():
        text = _grouped(value, MONEY_DECIMALS, None, trim=False)
        whole, _, fraction = text.partition(".")
        return f"{whole}.{fraction.rstrip('0').ljust(COIN_MIN_DECIMALS, '0')}"
    places = 2 if value == 0 or abs(value) >= 1 else min(MONEY_DECIMALS, max(2, 3 - value.adjusted()))
    return _grouped(value, places, None, trim=False)


def size_text(value: Decimal, rounding: str | None = None) -> str:
    """A size (or a leverage) in a message: at most 8 decimals, no trailing zeros, grouped
    (``29,508.19672131``, ``0.5``); below 1e-8, 8 significant digits."""
    places = 8 if not value or value.adjusted() >= -8 else 7 - value.adjusted()
    return _grouped(value, places, rounding, trim=True)


def given(value: Decimal) -> str:
    """A number the user gave, in a message: the digits as typed, grouped, never an exponent
    (``1E+9`` reads ``1,000,000,000``; ``0.4500`` stays ``0.4500``)."""
    return f"{value:,f}"


#: The context :func:`div` divides in: built once (a ``Context`` a call cost about a microsecond,
#: 30-odd times a position). ``Context.divide`` reads only its precision, rounding and traps,
#: which nothing changes; the flags it sets are never read.
_DIVIDE = Context(prec=PRECISION).divide


def div(a: Decimal, b: Decimal) -> Decimal:
    """``a / b`` in the core's context (34 significant digits)."""
    return _DIVIDE(a, b)


__all__ = [
    "ONE", "PRECISION", "ZERO", "coin_amounts", "in_coin", "context", "div", "given", "money_text", "money_unit", "price_text",
    "shown", "size_text", "to_decimal",
]
