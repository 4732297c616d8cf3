"""Display precision and JSON numbers: the only place results are rounded."""

from __future__ import annotations

import numbers
from decimal import Decimal
from typing import Any

from liqcalc.core.numbers import money_text, money_unit, price_text

# A JSON string literal, quoted and escaped as json.dumps writes it (ASCII only), without
# importing the json package on the JSON path (its decoder and scanner: most of a millisecond).
try:
    from _json import encode_basestring_ascii as _quoted
except ImportError:  # an interpreter without the C accelerator
    from json.encoder import py_encode_basestring_ascii as _quoted

JSON_DECIMALS = 10
"""JSON numbers carry at most this many decimals (issue 7: no Decimal or float noise)."""
FLOAT_DIGITS = 12
"""Significant digits kept of a float (the vectorized book code computes in doubles): a double
holds 15 to 17 digits, and a sum over a book of n positions may lose n x 2**-53 of its value,
about 1e-12 for a few thousand rows; the digits beyond are noise (49999.99999999985 for 50000)."""
SIZE_DECIMALS = 8
"""Decimals of a size when the symbol's step is not known (a satoshi is 1e-8 BTC)."""


def fixed(value: Decimal, places: int) -> str:
    """``value`` rounded half-even to at most ``places`` decimals, in fixed-point text without
    trailing zeros or a negative zero (never an exponent, however large or small the value;
    Decimal's own formatting is exact at any size and the fastest way there)."""
    text = format(value, f".{places}f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def json_number(value: Decimal | float) -> str:
    """A number as a JSON literal: at most 10 decimals, no exponent, no trailing zeros; a
    float first loses the digits beyond its 12 significant ones; NaN and infinities are null
    (JSON has no literal for them)."""
    if isinstance(value, float):
        value = Decimal(format(value, f".{FLOAT_DIGITS}g"))
    if not value.is_finite():
        return "null"
    text = format(value, ".10f").rstrip("0").rstrip(".")  # fixed(value, JSON_DECIMALS), inlined: the batch's hot path
    return "0" if text in ("-0", "") else text


class JsonText(str):
    """A value's JSON text, written as it is by :func:`dumps`: what the batch writes on every
    line and never changes (a tier, the preset), rendered once (:func:`liqcalc.render.position.report_json`
    with ``texts=True``)."""

    __slots__ = ()


def dumps(value: Any) -> str:
    """Compact JSON where Decimals are numbers (never strings, never exponents).

    One pass that appends the pieces to a list, dispatching on the exact type first and writing
    a container's Decimals and strings in place (the batch writes some 130 values a line; a
    recursive join of generators cost twice as much)."""
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts)


#: The text of a Decimal already written (a batch writes the same rates, tiers and zeros on every
#: line), bounded: emptied when it holds :data:`_REMEMBERED` of them.
_TEXTS: dict[Decimal, str] = {}
_REMEMBERED = 4096
#: A dict key as written before its value (``"key": ``).
_KEYS: dict[str, str] = {}


def _decimal_text(value: Decimal) -> str:
    text = _TEXTS.get(value)
    if text is None:
        if not value.is_finite():
            return "null"
        text = format(value, ".10f").rstrip("0").rstrip(".")  # fixed(value, JSON_DECIMALS), inlined
        if text in ("-0", ""):
            text = "0"
        if len(_TEXTS) >= _REMEMBERED:
            _TEXTS.clear()
        _TEXTS[value] = text
    return text


def _write(value: Any, out: Any) -> None:
    kind = type(value)
    if kind is Decimal:
        out(_decimal_text(value))
    elif kind is str:
        out(_quoted(value))
    elif kind is JsonText:
        out(value)
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, dict):
        out("{")
        separator = ""
        keys = _KEYS
        for key, item in value.items():
            prefix = keys.get(key) if type(key) is str else None
            if prefix is None:
                prefix = _quoted(key if type(key) is str else str(key)) + ": "
                if type(key) is str and len(keys) < _REMEMBERED:
                    keys[key] = prefix
            kind = type(item)
            if kind is Decimal:
                out(separator + prefix + _decimal_text(item))
            elif kind is str:
                out(separator + prefix + _quoted(item))
            elif item is None:
                out(separator + prefix + "null")
            else:
                out(separator + prefix)
                _write(item, out)
            separator = ", "
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        first = True
        for item in value:
            if first:
                first = False
            else:
                out(", ")
            _write(item, out)
        out("]")
    else:
        out(_scalar(value))


def _scalar(value: Any) -> str:
    """A value other than a container, None or a bool, as :func:`dumps` writes it."""
    if isinstance(value, Decimal | float):
        return json_number(value)
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, int):
        return int.__repr__(value)  # as json.dumps writes an int (an IntEnum's value, not its name)
    if isinstance(value, numbers.Integral):  # numpy's integers
        return str(int(value))
    if isinstance(value, numbers.Real):  # numpy's other floats
        return json_number(float(value))
    return _quoted(str(value))


def price(value: Decimal | None) -> str:
    """A price with enough decimals for its magnitude (60,000.00; 0.002595): the core's rule
    for messages, :func:`liqcalc.core.numbers.price_text`, so tables and messages agree."""
    if value is None:
        return "none"
    return price_text(value)


def price_gap(gap: Decimal, reference: Decimal) -> str:
    """A difference of prices with the decimals of the price it is measured from (the mark
    60,000.00: -178.78, not -178.781)."""
    return price_text(gap, like=reference)


def money(value: Decimal | None, quote: str = "") -> str:
    """An amount of quote currency, to the cent, or more decimals for tiny amounts (the core's
    rule for messages, :func:`liqcalc.core.numbers.money_text`, so tables and messages agree)."""
    if value is None:
        return "none"
    return f"{money_text(value)} {quote}".rstrip()


def cents_adding_up(parts: list[Decimal], total: Decimal, unit: Decimal | None = None) -> list[Decimal]:
    """``parts`` (of ``total``, each >= 0) rounded to the cent so that, as printed, they add up to
    ``total`` printed to the cent: the cents rounding takes away go to the parts that lost the
    most (largest remainder), so a table never shows 31.52 + 12,293.24 beside 12,324.75. Amounts
    in a coin (:func:`liqcalc.core.numbers.coin_amounts`) add up to the satoshi instead, and with
    ``unit`` to that unit (the JSON's 1e-10)."""
    from decimal import ROUND_FLOOR, Context, localcontext

    cent = money_unit() if unit is None else unit
    with localcontext(Context(prec=200)):  # cents of amounts up to 1e30 (the largest input) and beyond
        floors = [p.quantize(cent, rounding=ROUND_FLOOR) for p in parts]
        missing = int((total.quantize(cent) - sum(floors, Decimal(0))) / cent)
        for i in sorted(range(len(parts)), key=lambda i: parts[i] - floors[i], reverse=True)[:max(0, missing)]:
            floors[i] += cent
    return floors


def percent(value: Decimal | None, places: int = 2) -> str:
    """A fraction as a percentage (0.004 -> 0.40%)."""
    if value is None:
        return "none"
    return f"{value * 100:.{places}f}%"


def quantity(value: Decimal, step: Decimal | None = None) -> str:
    """A size in the base asset (or a leverage): at the symbol's ``step`` when it is known
    (0.001 -> 3 decimals, kept), else to at most 8 decimals without trailing zeros. A non-zero
    size below 1e-8 says so instead of showing 0."""
    if not value.is_finite():
        return format(value, "f")
    if step is not None and step > 0:
        places = max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]
        return format(value, f".{places}f")
    text = fixed(value, SIZE_DECIMALS)
    if text == "0" and value != 0:
        tick = fixed(Decimal(1).scaleb(-SIZE_DECIMALS), SIZE_DECIMALS)
        return f"<{tick}" if value > 0 else f">-{tick}"
    return text
