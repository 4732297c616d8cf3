"""Display precision and JSON numbers: the only place results are rounded."""

from __future__ import annotations

import json
from decimal import Context, Decimal
from typing import Any

_SIGNIFICANT = Context(prec=16)


def json_number(value: Decimal) -> str:
    """A Decimal as a JSON number literal: 16 significant digits (a float's precision), no
    exponent, no trailing zeros."""
    rounded = _SIGNIFICANT.plus(value).normalize()
    text = format(rounded, "f")
    return "0" if text in ("-0", "0") else text


def dumps(value: Any) -> str:
    """Compact JSON where Decimals are numbers (never strings, never exponents)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, int | float | str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    return json.dumps(str(value))


def decimals_for(value: Decimal, significant: int = 6) -> int:
    """How many decimals show ``significant`` digits of a price, at least 2."""
    if value == 0:
        return 2
    digits = value.copy_abs().adjusted() + 1
    return max(2, significant - digits)


def price(value: Decimal | None) -> str:
    """A price with enough decimals for its magnitude (60,000.00; 0.002595)."""
    if value is None:
        return "none"
    return f"{value:,.{decimals_for(value)}f}"


def money(value: Decimal | None, quote: str = "") -> str:
    """An amount of quote currency, to the cent, or more decimals for tiny amounts."""
    if value is None:
        return "none"
    places = 2 if value == 0 or abs(value) >= 1 else decimals_for(value, 4)
    text = f"{value:,.{places}f}"
    return f"{text} {quote}".rstrip()


def percent(value: Decimal | None, places: int = 2) -> str:
    """A fraction as a percentage (0.004 -> 0.40%)."""
    if value is None:
        return "none"
    return f"{value * 100:.{places}f}%"


def quantity(value: Decimal) -> str:
    """A base quantity or a leverage, as given, without trailing zeros."""
    text = format(value.normalize(), "f")
    return text
