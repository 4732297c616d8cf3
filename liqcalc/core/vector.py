"""Isolated positions of one symbol as arrays: the batch's vector form of ``Calculator.evaluate``.

The batch (``liqcalc position --input``) prints each figure to 10 decimals, so a price of
57,228.9156626506 needs 15 significant digits right: more than a double's arithmetic keeps
after a few operations. The arrays here are therefore *double-doubles* (a value is ``hi + lo``,
two float64 arrays, about 32 significant digits: Dekker's and Knuth's error-free sum and product,
as in Hida, Li and Bailey's QD library), and each figure comes with a bound ``scale`` of the
magnitudes it was computed from: the Decimal core (34 digits) and this form agree to far less
than ``1e-24 x scale``, and :func:`printable` refuses (the GUARD) any figure that close to a
rounding boundary of the printed precision, or too large to print from a double, so the caller
sends that position to the Decimal core. Decisions (which tier, whether a price exists) are
taken in floats and refused as well when a comparison is within ``1e-9`` of going the other way.

What is modelled: isolated positions with ``leverage`` or ``margin``, ``mark``, linear and
inverse contracts, tier tables read at the entry or at the liquidation notional, the closing
fee in the rate (OKX, Bitget) or estimated at the bankruptcy price (Bybit UTA, with a
leverage), maintenance valued at the price or at the entry. Anything else (rates that grow
with the size, overrides, funding, cross margin, a position the core refuses or warns about
beyond the table) is left to the core: :func:`evaluate` marks the row not ``ok``.

The equations are the core's (``liqcalc.core.position.Calculator``, where each venue's
documentation is quoted): equity(P) = A + s x q x (P - E), MM(P) = slope x P + intercept,
liquidation where they meet in the tier that holds its own solution, bankruptcy where equity
is the reserved closing fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqcalc.core.model import SymbolSpec, Venue
from liqcalc.core.rules import close_fee_rule, maintenance_basis_rule, maintenance_rate_rule, tier_basis_rule

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]

#: Relative closeness at which a decision in floats (a tier bound, a sign) is left to the core.
DECISION = 1e-9
#: The bound, relative to a figure's scale, within which the Decimal core and this form agree.
AGREE = 1e-24
_SPLIT = 134217729.0  # 2**27 + 1, Dekker's splitter
_EXACT = Context(prec=200)


# -- double-double arithmetic -------------------------------------------------------------------


@dataclass(frozen=True)
class DD:
    """Arrays of double-doubles: each value is ``hi + lo`` with ``|lo| <= ulp(hi) / 2``."""

    hi: Array
    lo: Array

    def __add__(self, other: DD) -> DD:
        s1, s2 = _two_sum(self.hi, other.hi)
        t1, t2 = _two_sum(self.lo, other.lo)
        s2 = s2 + t1
        s1, s2 = _quick(s1, s2)
        s2 = s2 + t2
        return DD(*_quick(s1, s2))

    def __neg__(self) -> DD:
        return DD(-self.hi, -self.lo)

    def __sub__(self, other: DD) -> DD:
        return self + (-other)

    def __mul__(self, other: DD) -> DD:
        p, e = _two_prod(self.hi, other.hi)
        e = e + (self.hi * other.lo + self.lo * other.hi)
        return DD(*_quick(p, e))

    def __truediv__(self, other: DD) -> DD:
        q1 = self.hi / other.hi
        r = self - other * DD(q1, np.zeros_like(q1))
        q2 = r.hi / other.hi
        r = r - other * DD(q2, np.zeros_like(q2))
        q3 = r.hi / other.hi
        q1, q2 = _quick(q1, q2)
        return DD(q1, q2) + DD(q3, np.zeros_like(q3))

    def scaled(self, factor: float) -> DD:
        """The values times an exact power of two or a small integer (``-1``, ``2``)."""
        return DD(self.hi * factor, self.lo * factor)

    def where(self, mask: Mask, other: DD) -> DD:
        """``self`` where ``mask``, else ``other``."""
        return DD(np.where(mask, self.hi, other.hi), np.where(mask, self.lo, other.lo))

    def take(self, index: Any) -> DD:
        """The rows at ``index``."""
        return DD(self.hi[index], self.lo[index])


def _two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _quick(a: Array, b: Array) -> tuple[Array, Array]:
    s = a + b
    return s, b - (s - a)


def _split(a: Array) -> tuple[Array, Array]:
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a: Array, b: Array) -> tuple[Array, Array]:
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def constant(value: Decimal, n: int) -> DD:
    """``value`` (a preset's rate, cap or fee) as ``n`` copies of its double-double."""
    hi = float(value)
    lo = float(_EXACT.subtract(value, Decimal(hi)))
    return DD(np.full(n, hi), np.full(n, lo))


def exact(digits: Array, places: Array) -> DD:
    """The decimals ``digits / 10**places`` (integers below 2**53 and 0..22 places, both exact
    as doubles), as double-doubles: an input as typed, to about 32 digits."""
    zero = np.zeros_like(digits)
    return DD(digits, zero) / DD(10.0 ** places, zero)


# -- the solve ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The batch's figures of each row, in the trader's terms (prices as quoted).

    Each figure is a :class:`DD` with its ``scale`` (the magnitude it was computed from, for
    :func:`printable`); a price that does not exist is ``nan``. ``ok`` is False for a row this
    form does not model, or where a decision was too close to call: the core prices it.
    """

    ok: Mask
    notional: tuple[DD, Array]
    leverage: tuple[DD, Array]
    initial_margin: tuple[DD, Array]
    margin_balance: tuple[DD, Array]
    maintenance_margin: tuple[DD, Array]
    liquidation_price: tuple[DD, Array]
    bankruptcy_price: tuple[DD, Array]


def supported(venue: Venue) -> bool:
    """Whether this form models ``venue``'s rules (not rates that grow with the size)."""
    return not maintenance_rate_rule(venue.margin.maintenance_rate).scales


def _close(a: Array, b: Array) -> Mask:
    """Where ``a`` and ``b`` are too close to compare in floats."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= DECISION * np.maximum(np.abs(a), np.abs(b)))


def evaluate(venue: Venue, symbol: SymbolSpec, side: Array, size: DD, entry: DD, mark: DD,
             leverage: DD, margin: DD, by_margin: Mask) -> Figures:
    """The figures of isolated positions of ``symbol`` (``side`` +1 long, -1 short; ``size`` as
    the trader counts it, contracts for an inverse contract; ``leverage`` where not
    ``by_margin``, else ``margin``): see the module's docstring."""
    with np.errstate(all="ignore"):  # a row dividing by zero is a row the core takes (not ok)
        return _evaluate(venue, symbol, side, size, entry, mark, leverage, margin, by_margin)


def _evaluate(venue: Venue, symbol: SymbolSpec, side: Array, size: DD, entry: DD, mark: DD,
              leverage: DD, margin: DD, by_margin: Mask) -> Figures:
    n = len(side)
    zero = np.zeros(n)
    inverse = symbol.contract_type == "inverse"
    ok = np.ones(n, dtype=bool)
    one = DD(np.ones(n), zero)
    # the core's terms: an inverse contract is its linear twin in 1/P (ContractRule)
    if inverse:
        s = -side
        q = size * constant(symbol.face_value, n)
        e, m = one / entry, one / mark
    else:
        s, q, e, m = side, size, entry, mark
    sq = q.scaled(1.0) * DD(s, zero)
    notional_core = q * e
    shown_notional = q / entry if inverse else notional_core

    rule = close_fee_rule(venue.margin.close_fee)
    taker = venue.fees.taker
    taker_dd = constant(taker, n)
    extra = rule.rate_extra(taker)
    tiers = symbol.tiers
    t_count = len(tiers)
    caps = np.array([np.inf if t.cap is None else float(t.cap) for t in tiers])

    # the entry tier: floor < measure <= cap (tier_for); a bound too close to call goes to the core
    measure = q.hi if symbol.tier_unit == "base" else notional_core.hi
    entry_tier = np.searchsorted(caps, measure, side="left")
    finite_caps = caps[np.isfinite(caps)]
    if finite_caps.size:
        ok &= ~_close(measure[:, None], finite_caps[None, :]).any(axis=1)
    ok &= entry_tier < t_count  # beyond the table: the core's error
    entry_tier = np.minimum(entry_tier, t_count - 1)
    max_leverage = np.array([float(t.max_leverage) for t in tiers])[entry_tier]

    # leverage, given or implied by the margin (Calculator.implied_leverage)
    if rule.estimated:
        # margin = notional/L + notional x (1 - s/L) x taker, inverted (CloseFeeRule.implied_leverage);
        # a margin that does not cover the fee at the entry is the core's error
        reserved = notional_core * taker_dd
        ok &= ~(by_margin & ((margin.hi <= reserved.hi) | _close(margin.hi, reserved.hi)))
        implied = notional_core * (one - DD(s, zero) * taker_dd) / (margin - reserved)
    else:
        implied = notional_core / margin
    lev = implied.where(by_margin, leverage)
    ok &= ~(lev.hi > max_leverage) & ~_close(lev.hi, max_leverage)

    # the estimated closing fee (Bybit UTA): q x E x (1 - s/L) x taker (CloseFeeRule.fee); a
    # long at or below 1x (no bankruptcy price above zero, the fee 0) is left to the core
    if rule.estimated:
        ok &= ~((s > 0) & ((lev.hi <= 1) | _close(lev.hi, np.ones(n))))
        close_fee = q * (e * (one - DD(s, zero) / lev)) * taker_dd
    else:
        close_fee = DD(zero.copy(), zero.copy())
    initial = notional_core / lev + close_fee
    balance = margin.where(by_margin, initial)
    im_scale = np.abs(initial.hi) + np.abs(close_fee.hi)

    # one line a tier: MM(P) = slope x P + intercept (Calculator.maintenance)
    basis = maintenance_basis_rule(venue.margin.maintenance_basis)
    rates = [constant(t.mmr + extra, n) for t in tiers]
    amounts = [constant(t.maint_amount, n) for t in tiers]

    def line(k: int) -> tuple[DD, DD]:
        c = close_fee - amounts[k]
        if basis.at_entry:
            return DD(zero.copy(), zero.copy()), q * e * rates[k] + c
        return q * rates[k], c

    ranged = tier_basis_rule(venue.margin.tier_basis).ranged(symbol)
    extend = ranged and symbol.complete
    candidates = list(range(t_count)) if ranged else [None]
    best = np.full(n, np.nan)
    best_root: DD = DD(np.full(n, np.nan), zero.copy())
    best_scale = np.zeros(n)
    longs = s > 0
    for k in candidates:
        if k is None:  # the entry tier's line, for each row
            slope_hi = np.zeros(n)
            slope = DD(zero.copy(), zero.copy())
            intercept = DD(zero.copy(), zero.copy())
            for j in range(t_count):
                sl, ic = line(j)
                pick = entry_tier == j
                slope, intercept = sl.where(pick, slope), ic.where(pick, intercept)
            slope_hi = slope.hi
            low = np.zeros(n)
            high = np.full(n, np.inf)
            last = np.zeros(n, dtype=bool)
        else:
            slope, intercept = line(k)
            slope_hi = slope.hi
            tier = tiers[k]
            low = float(tier.floor) / q.hi
            high = np.full(n, np.inf) if tier.cap is None else float(tier.cap) / q.hi
            last = np.full(n, k == t_count - 1)
        gradient = sq - slope
        numerator = intercept - balance + sq * e
        with np.errstate(divide="ignore", invalid="ignore"):
            root_f = numerator.hi / gradient.hi
            root = numerator / gradient
        usable = gradient.hi != 0
        scale = ((np.abs(intercept.hi) + np.abs(balance.hi) + np.abs(sq.hi * e.hi)) / np.abs(gradient.hi)
                 + np.abs(root_f) * (np.abs(q.hi) + np.abs(slope_hi)) / np.abs(gradient.hi))
        beyond = usable & last & (root_f > high)
        if extend:
            high = np.where(beyond, np.inf, high)
        else:
            ok &= ~(beyond & longs)  # a long beyond a table known in part: the core's error
            usable = usable & ~beyond  # a short's: the core passes over that tier
        # decisions too close to call: the root against its tier's bounds and zero
        ok &= ~(usable & (_close(root_f, low) | _close(root_f, high) | (np.abs(root_f) <= DECISION * scale)))
        long_c = np.where(usable & (root_f > low) & (root_f > 0), np.minimum(root_f, high), -np.inf)
        short_c = np.where(usable & ~(root_f > high), np.maximum(root_f, low), np.inf)
        cand = np.where(longs, long_c, short_c)
        finite = np.isfinite(cand)
        with np.errstate(invalid="ignore"):
            ok &= ~(finite & np.isfinite(best) & _close(cand, best))
            better = finite & (np.isnan(best) | np.where(longs, cand > best, cand < best))
        # the candidate's exact value: the root, or the tier bound it was clamped to (cap/q, floor/q)
        if k is None:
            value = root
        else:
            tier = tiers[k]
            clamp_high = longs & (root_f > high)
            clamp_low = ~longs & (root_f < low)
            value = root
            if tier.cap is not None:
                value = (constant(tier.cap, n) / q).where(clamp_high, value)
            value = (constant(tier.floor, n) / q).where(clamp_low, value)
        best = np.where(better, cand, best)
        best_root = value.where(better, best_root)
        best_scale = np.where(better, scale + np.abs(cand), best_scale)
    ok &= ~(~longs & np.isnan(best))  # a short with no price: the core's error
    liquidation = best_root

    # maintenance margin at the mark: the mark notional's tier where the table is ranged, else the entry tier's line
    mark_tier = entry_tier
    if ranged:
        at_mark = q.hi if symbol.tier_unit == "base" else (q * m).hi
        mark_tier = np.searchsorted(caps, at_mark, side="left")
        if finite_caps.size:
            ok &= ~_close(at_mark[:, None], finite_caps[None, :]).any(axis=1)
        ok &= mark_tier < t_count  # beyond the table: a warning or the core's error
        mark_tier = np.minimum(mark_tier, t_count - 1)
    mm = DD(np.full(n, np.nan), zero.copy())
    mm_scale = np.zeros(n)
    for j in range(t_count):
        sl, ic = line(j)
        value = sl * m + ic
        pick = mark_tier == j
        mm = value.where(pick, mm)
        mm_scale = np.where(pick, np.abs(sl.hi * m.hi) + np.abs(ic.hi) + np.abs(q.hi * e.hi * rates[j].hi), mm_scale)

    # bankruptcy: balance + s q (P - E) = q P reserve (Calculator.bankruptcy)
    reserve = constant(rule.reserve_rate(taker), n)
    b_den = sq - q * reserve
    b_num = sq * e - balance
    bankruptcy = b_num / b_den
    b_scale = (np.abs(sq.hi * e.hi) + np.abs(balance.hi)) / np.abs(b_den.hi) * 2
    ok &= ~(np.abs(bankruptcy.hi) <= DECISION * b_scale)
    bankruptcy = bankruptcy.where(bankruptcy.hi > 0, DD(np.full(n, np.nan), zero.copy()))

    liq_scale, bank_scale = best_scale, b_scale
    if inverse:  # the prices back as quoted: 1/x, the same relative error
        with np.errstate(divide="ignore", invalid="ignore"):
            liquidation = one / liquidation
            bankruptcy = one / bankruptcy
            liq_scale = np.abs(liquidation.hi) * best_scale / np.abs(best_root.hi)
            bank_scale = np.abs(bankruptcy.hi) * b_scale * np.abs(bankruptcy.hi)
    lev_scale = np.abs(lev.hi)
    return Figures(
        ok=ok,
        notional=(shown_notional, np.abs(shown_notional.hi)),
        leverage=(lev, lev_scale),
        initial_margin=(initial, im_scale),
        margin_balance=(balance, np.where(by_margin, np.abs(balance.hi), im_scale)),
        maintenance_margin=(mm, mm_scale),
        liquidation_price=(liquidation, liq_scale),
        bankruptcy_price=(bankruptcy, bank_scale),
    )


# -- printing ------------------------------------------------------------------------------------

#: The printed precision (``liqcalc.render.numbers.JSON_DECIMALS``) as a factor.
_PLACES = 1e10
#: Beyond this, a figure's count of 1e-10 does not fit an int64.
_LARGEST = 2.0 ** 62 / _PLACES


def printable(value: DD, scale: Array) -> tuple[Mask, NDArray[np.int64]]:
    """Each figure rounded half-even to 10 decimals, as an integer count of 1e-10 (``nan``
    figures give 0 and are the caller's ``null``), and where that rounding is certain: not
    within the agreement bound of a half-way point (the GUARD), and small enough to print
    exactly. Where it is not, the row goes to the Decimal core."""
    with np.errstate(all="ignore"):  # inf and nan of the rows the core takes
        return _printable(value, scale)


def _printable(value: DD, scale: Array) -> tuple[Mask, NDArray[np.int64]]:
    missing = np.isnan(value.hi)
    hi = np.where(missing, 0.0, value.hi)
    lo = np.where(missing, 0.0, value.lo)
    x_hi, x_err = _two_prod(hi, np.full_like(hi, _PLACES))  # x = value x 1e10 = x_hi + x_lo
    x_lo = x_err + lo * _PLACES
    whole = np.floor(x_hi)  # x_hi - whole is exact (0 beyond 2**52, where x_hi is whole)
    rest = (x_hi - whole) + x_lo
    more = np.floor(rest)
    frac = rest - more
    # the agreement bound, plus the roundings of rest (a few ulps of it)
    tolerance = AGREE * np.where(missing, 0.0, scale) * _PLACES + 4e-16 * (1.0 + np.abs(rest))
    certain = (np.abs(frac - 0.5) > tolerance) & (np.abs(hi) < _LARGEST) & np.isfinite(tolerance)
    whole = np.where(certain, whole, 0.0).astype(np.int64)
    more = np.where(certain, more + (frac > 0.5), 0.0).astype(np.int64)
    return certain | missing, whole + more
