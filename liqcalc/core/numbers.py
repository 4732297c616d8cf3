"""Number construction for the core: one place that turns input into Decimal.

Rounding happens only where a venue's rule says so; display precision belongs to the
renderer. NaN and infinities are never valid in a financial input.
"""

from __future__ import annotations

import re
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


def _shown(value: object) -> str:
    """``value`` as an error shows it: repr (control characters escaped), at most 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_decimal(value: object, field: str) -> Decimal:
    """Turn ``value`` into a finite Decimal, or raise :class:`InputError` naming ``field``.

    Floats go through ``repr`` so ``0.1`` becomes ``Decimal("0.1")``, not its binary expansion.
    """
    if isinstance(value, bool):
        raise InputError(field, f"expected a number, got {_shown(value)}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        # Decimal() reads any Unicode digit ("١٢٣", fullwidth "１２３") as ASCII; a price typed in
        # another script is more likely a paste error than a number: ASCII only.
        if not text.isascii():
            raise InputError(field, f"expected a number in ASCII digits (such as 60000, 0.5, 1e-3), got {_shown(value)}")
        if not _NUMBER.fullmatch(text):
            raise InputError(field, f"expected a number, got {_shown(value)}")
        try:
            result = Decimal(text.replace("_", ""))
        except InvalidOperation:
            raise InputError(field, f"expected a number, got {_shown(value)}") from None
    else:
        raise InputError(field, f"expected a number, got {_shown(value)}")
    if not result.is_finite():
        raise InputError(field, f"expected a finite number, got {_shown(value)}")
    if result and not -MAGNITUDE <= result.adjusted() <= MAGNITUDE:
        raise InputError(field, f"{_shown(value)} is out of range (between 1e-{MAGNITUDE} and 1e{MAGNITUDE} in size)")
    return result


def positive(value: Decimal, field: str) -> Decimal:
    """Return ``value`` if it is > 0, else raise :class:`InputError` naming ``field``."""
    if value <= 0:
        raise InputError(field, f"must be greater than 0, got {value}")
    return value


def non_negative(value: Decimal, field: str) -> Decimal:
    """Return ``value`` if it is >= 0, else raise :class:`InputError` naming ``field``."""
    if value < 0:
        raise InputError(field, f"must be 0 or more, got {value}")
    return value


def div(a: Decimal, b: Decimal) -> Decimal:
    """``a / b`` in the core's context (34 significant digits)."""
    with localcontext(context()):
        return a / b


__all__ = ["ONE", "PRECISION", "ZERO", "context", "div", "non_negative", "positive", "to_decimal"]
