"""Number construction for the core: one place that turns input into Decimal.

Rounding happens only where a venue's rule says so; display precision belongs to the
renderer. NaN and infinities are never valid in a financial input.
"""

from __future__ import annotations

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


def to_decimal(value: object, field: str) -> Decimal:
    """Turn ``value`` into a finite Decimal, or raise :class:`InputError` naming ``field``.

    Floats go through ``repr`` so ``0.1`` becomes ``Decimal("0.1")``, not its binary expansion.
    """
    if isinstance(value, bool):
        raise InputError(field, f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise InputError(field, f"expected a number, got {value!r}") from None
    else:
        raise InputError(field, f"expected a number, got {value!r}")
    if not result.is_finite():
        raise InputError(field, f"expected a finite number, got {value!r}")
    if result and not -MAGNITUDE <= result.adjusted() <= MAGNITUDE:
        raise InputError(field, f"{value!r} is out of range (between 1e-{MAGNITUDE} and 1e{MAGNITUDE} in size)")
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
