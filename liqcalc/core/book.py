"""The whole book under a price shock, vectorized (numpy, float64).

This is the float twin of :func:`liqcalc.core.adl.cascade` for books of 100,000 positions and
sweeps of 100 shocks; ``tests/core/test_book.py`` checks it against the Decimal reference (the
same liquidation and bankruptcy prices as ``Calculator.evaluate``, the same queue, the same
allocation on small books). It is imported only by ``liqcalc adl-risk`` with a shock, so that
``import liqcalc.cli`` stays free of numpy.

The venue's rules are the rule objects of :mod:`liqcalc.core.rules` (closing fee, tier and
maintenance basis, ranking, ADL price) and ``Venue.surplus``: the book calls their array
forms, the Decimal core their Decimal forms, and ``tests/core/test_book_vs_core.py`` checks
the two on every tier of every built-in preset and every combination of the rules.

What is computed once: each position's liquidation and bankruptcy price (they do not depend
on the shock; the same equations as ``liqcalc.core.position.Calculator``, one tier at a time),
the order in which a move crosses the liquidation prices, and each side's columns gathered in
that order into contiguous arrays. What is computed per shock: the fills and the waterfall of
the liquidated prefix (slices of those arrays), the scores at the shocked marks, and both
allocations; a sweep orders only the queue's rows around where the deleveraged size runs out.
Every per-shock pass is linear in the rows (bench_adl.py prints the cost per row at 10,000,
100,000 and 1,000,000 positions).
"""

from __future__ import annotations

import operator
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast, overload

import numpy as np
from numpy.typing import NDArray

from liqcalc.core.errors import LiqcalcError
from liqcalc.core.model import Ranking, SymbolSpec, Venue
from liqcalc.core.rules import (
    MaintenanceBasisRule,
    adl_price_rule,
    close_fee_rule,
    maintenance_basis_rule,
    ranking_rule,
    tier_basis_rule,
)
from liqcalc.core.tiers import beyond_last_tier, plain

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]


class BookRowError(LiqcalcError):
    """A book row the venue's rules cannot hold (beyond the tiers, leverage above the tier's);
    ``row`` is its index in the book, ``field`` the column at fault.
    """

    def __init__(self, row: int, field: str, problem: str) -> None:
        super().__init__(f"row {row}: {field}: {problem}")
        self.row = row
        self.field = field
        self.problem = problem


class UnsupportedWaterfall(LiqcalcError):
    """The vectorized cascade models a waterfall of one fund, then ADL."""


@dataclass(frozen=True)
class Columns:
    """The book as columns (one entry per position; ``nan`` where a column is absent).

    Attributes:
        ids: each position's id.
        side: +1 long, -1 short.
        size: base quantity.
        entry: average entry price.
        mark: the position's mark price.
        margin: isolated margin.
        leverage: leverage (isolated: sets the margin; cross: optional).
        wallet: cross wallet balance (its presence makes the row cross-margined).
    """

    ids: Sequence[str]
    """Any sequence of str: a tuple, or a compact column (a book read by pyarrow keeps its ids
    in an Arrow array, and a row's id becomes a ``str`` only when a report prints it)."""
    side: Array
    size: Array
    entry: Array
    mark: Array
    margin: Array
    leverage: Array
    wallet: Array

    def __len__(self) -> int:
        return len(self.side)

    def with_row(self, ident: str, side: float, size: float, entry: float, mark: float, margin: float,
                 leverage: float, wallet: float) -> Columns:
        """The book with one more row at the end (``nan`` where the row has no such value):
        your position, appended once, without copying the ids into Python strings."""
        ids: Sequence[str] = (*self.ids, ident) if isinstance(self.ids, tuple) else _WithRow(self.ids, ident)
        return Columns(ids, np.append(self.side, side), np.append(self.size, size), np.append(self.entry, entry),
                       np.append(self.mark, mark), np.append(self.margin, margin), np.append(self.leverage, leverage),
                       np.append(self.wallet, wallet))


class _WithRow(Sequence[str]):
    """The ids of a book and one more at the end, without copying the book's."""

    def __init__(self, ids: Sequence[str], last: str) -> None:
        self._ids = ids
        self._last = last
        self._count = len(ids)

    def __len__(self) -> int:
        return self._count + 1

    def take(self, at: Sequence[int]) -> list[str]:
        """The ids of rows ``at`` (non-negative integers): the book's in one ``take`` when its ids
        have one (an Arrow column), the last one put in place."""
        take = getattr(self._ids, "take", None)
        if take is None:
            return [self[i] for i in at]
        rows = np.asarray(at, dtype=np.intp)
        last = rows == self._count
        out: list[str] = take(np.where(last, 0, rows))
        for k in np.flatnonzero(last).tolist():
            out[k] = self._last
        return out

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count + 1))]
        at = operator.index(index)
        if at < 0:
            at += self._count + 1
        if at == self._count:
            return self._last
        if not 0 <= at < self._count:
            raise IndexError("id index out of range")
        return self._ids[at]


def _f(value: Any) -> float:
    return float(value)


@dataclass(frozen=True)
class Tiers:
    """A symbol's tier table as arrays, with the venue's maintenance rules applied."""

    floor: Array
    cap: Array
    max_leverage: Array
    rate: Array
    """Tier rate, plus the taker rate where the venue puts it in maintenance margin."""
    amount: Array
    ranged: bool
    """Tier read at the notional at the liquidation price (Binance, Hyperliquid, dYdX)."""
    basis: MaintenanceBasisRule
    """The price maintenance margin is valued at."""
    base_unit: bool

    @classmethod
    def of(cls, venue: Venue, symbol: SymbolSpec) -> Tiers:
        """The table of ``symbol`` under ``venue``'s maintenance rules."""
        from liqcalc.core.rules import maintenance_rate_rule

        if maintenance_rate_rule(venue.margin.maintenance_rate).scales:  # a rate for each row's size: not vectorized
            raise LiqcalcError(f"{venue.name}: its margin grows with each position's size (size_scaled), which the book does not model")
        taker = close_fee_rule(venue.margin.close_fee).rate_extra(_f(venue.fees.taker))
        return cls(
            floor=np.array([_f(t.floor) for t in symbol.tiers]),
            cap=np.array([np.inf if t.cap is None else _f(t.cap) for t in symbol.tiers]),
            max_leverage=np.array([_f(t.max_leverage) for t in symbol.tiers]),
            rate=np.array([_f(t.mmr) + taker for t in symbol.tiers]),
            amount=np.array([_f(t.maint_amount) for t in symbol.tiers]),
            ranged=tier_basis_rule(venue.margin.tier_basis).ranged(symbol),
            basis=maintenance_basis_rule(venue.margin.maintenance_basis),
            base_unit=symbol.tier_unit == "base",
        )

    def index(self, measure: Array) -> IntArray:
        """The tier holding each measure (``floor < measure <= cap``); ``len`` beyond the table."""
        return np.searchsorted(self.cap, measure, side="left")


@dataclass(frozen=True)
class Priced:
    """Each position's prices and margin lines, computed once.

    Attributes:
        cols: the book.
        tiers: the table.
        backing: margin balance: isolated margin, or the cross wallet.
        close_fee: Bybit UTA's estimated closing fee (else 0).
        leverage: the row's leverage, given or implied by its margin (``nan``: none, a cross
            row without one).
        liquidation: liquidation price (``nan``: none, a long backed by its notional).
        bankruptcy: bankruptcy price (``nan``: no positive price).
        line_tier: the tier the liquidation price was solved in (its line prices the
            maintenance margin in the waterfall, as ``Calculator.evaluate`` does).
        entry_tier: the tier of the entry notional (or of the size, for base-unit tables).
    """

    cols: Columns
    tiers: Tiers
    backing: Array
    close_fee: Array
    leverage: Array
    liquidation: Array
    bankruptcy: Array
    line_tier: IntArray
    entry_tier: IntArray
    liquidation_fee_rate: float
    """The symbol's liquidation-fee rate, else the venue's."""

    def maintenance(self, rows: IntArray, price: Array, tier: IntArray | None = None) -> Array:
        """Maintenance margin of ``rows`` at ``price``: in ``tier``, or in the tier the venue
        reads at that price (the notional's tier where the table is ranged, else the entry
        tier; the last tier beyond the table).
        """
        t = self.tiers
        q, entry = self.cols.size[rows], self.cols.entry[rows]
        if tier is None:
            if t.ranged:
                tier = np.minimum(t.index(q * price), len(t.cap) - 1)
            else:
                tier = self.entry_tier[rows]
        rate, amount = t.rate[tier], t.amount[tier]
        constant = self.close_fee[rows] - amount
        return t.basis.values_at(q, entry, rate, constant, price)


def price_book(venue: Venue, symbol: SymbolSpec, cols: Columns) -> Priced:
    """Liquidation and bankruptcy prices of every row.

    The equations are those of ``liqcalc.core.position.Calculator`` (see there for each
    venue's documentation):

    - equity(P) = A + side x q x (P - E); MM(P) = q x P x rate - amount + close fee
      (Binance, https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93 ),
      the rate with the taker fee added on OKX and Bitget, valued at the entry price on Bybit;
    - the liquidation price solves equity = MM in the tier that holds its own solution
      (Binance's re-substitution rule), the bankruptcy price solves equity = 0 (Bybit UTA:
      equity = the estimated closing fee at that price).

    Raises :class:`BookRowError` for the first row the table cannot hold or whose leverage
    is above its tier's maximum.
    """
    t = Tiers.of(venue, symbol)
    n = len(cols)
    s, q, entry = cols.side, cols.size, cols.entry
    notional = q * entry
    taker = _f(venue.fees.taker)
    rule = close_fee_rule(venue.margin.close_fee)
    last = len(t.cap) - 1

    measure = q if t.base_unit else notional
    entry_tier = t.index(measure)
    beyond = np.flatnonzero(entry_tier > last)
    if beyond.size:
        row = int(beyond[0])
        raise BookRowError(row, "size", str(beyond_last_tier(symbol, _decimal(measure[row]), "entry notional")))

    cross = ~np.isnan(cols.wallet)
    leverage = cols.leverage.copy()
    margin = cols.margin
    with np.errstate(divide="ignore", invalid="ignore"):
        # Bybit UTA: margin = notional/L + notional x (1 - side/L) x taker, inverted for L
        # (Calculator.implied_leverage)
        reserved = rule.reserved(notional, taker)
        by_margin = ~cross & ~np.isnan(margin)
        short_of_fee = np.flatnonzero(by_margin & (margin <= reserved))
        if short_of_fee.size:
            row = int(short_of_fee[0])
            raise BookRowError(row, "margin", f"{_given(margin[row])} does not cover the estimated closing fee "
                                              f"{plain(_decimal(reserved[row]), 8)}; give more margin")
        implied = rule.implied_leverages(s, notional, margin, taker)
        leverage = np.where(by_margin, implied, leverage)
    too_high = np.flatnonzero(~np.isnan(leverage) & (leverage > t.max_leverage[entry_tier]))
    if too_high.size:
        row = int(too_high[0])
        what = "leverage" if np.isnan(margin[row]) else "margin"
        implied_text = "" if what == "leverage" else f" (implied by margin {_given(margin[row])})"
        raise BookRowError(
            row, what,
            f"leverage {plain(_decimal(leverage[row]), 8)}x{implied_text} is above the maximum "
            f"{plain(_decimal(t.max_leverage[entry_tier[row]]), 8)}x for {symbol.name} at "
            f"{plain(_decimal(notional[row]), 2)} {symbol.quote} notional (tier {int(entry_tier[row]) + 1})",
        )

    # the closing-fee rule's fee: Bybit UTA's estimated fee to close at the bankruptcy price,
    # entry x (1 - side/L) (Calculator.close_fee); a cross row's at the bankruptcy price its
    # wallet gives (Calculator.cross_close_fee); else 0
    reserve = rule.reserve_rate(taker)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross_bankruptcy = (s * q * entry - cols.wallet) / (s * q - q * reserve)
    cross_fee = rule.cross_fees(q, np.where(cross_bankruptcy > 0, cross_bankruptcy, np.nan), taker)
    close_fee = np.where(cross, cross_fee, rule.fees(s, q, entry, leverage, taker))
    initial = notional / np.where(np.isnan(leverage), 1.0, leverage) + close_fee
    backing = np.where(cross, cols.wallet, np.where(np.isnan(margin), initial, margin))

    # Candidate lines: every tier where the table is ranged, else the entry tier alone; one
    # tier at a time (n-long arrays, not an n x tiers grid: a million rows and 12 tiers would
    # hold a dozen 96 MB matrices), keeping each row's best candidate so far.
    sq = s * q
    sqe = sq * entry
    long_rows = s > 0
    tiers_tried: list[Any] = list(range(len(t.cap))) if t.ranged else [entry_tier]

    def line(k: Any, at: Any) -> tuple[Array, Array, Array, NDArray[np.bool_]]:
        """Rows ``at``'s line in tier ``k``: its root (equity = maintenance margin), the bounds
        of the tier in price, and whether the line has a slope."""
        rate, amount = t.rate[k], t.amount[k]
        q_at = q[at]
        slope, constant = t.basis.lines(q_at, entry[at], rate, close_fee[at] - amount)
        gradient = sq[at] - slope
        with np.errstate(divide="ignore", invalid="ignore"):
            root = (constant - backing[at] + sqe[at]) / gradient
            if t.ranged:
                low = t.floor[k] / q_at
                high = t.cap[k] / q_at
                if symbol.complete and np.all(k == last):
                    # a complete table's last tier holds every larger notional (Calculator.extends_last_tier)
                    high = np.full_like(root, np.inf)
            else:
                low = np.zeros_like(root)
                high = np.full_like(root, np.inf)
        return root, low, high, gradient != 0

    every = slice(None)
    best_long = np.full(n, -np.inf)
    best_short = np.full(n, np.inf)
    pick_long = np.zeros(n, dtype=np.intp)
    pick_short = np.zeros(n, dtype=np.intp)
    beyond_long = np.zeros(n, dtype=bool)
    for j, k in enumerate(tiers_tried):
        root, low, high, usable = line(k, every)
        is_last = k == last
        long_ok = usable & (root > low) & (root > 0)
        if np.ndim(is_last) or is_last:
            beyond_long |= long_ok & (root > high) & is_last & np.isfinite(high)
        # (in place, the same values as np.where)
        long_cand = np.minimum(root, high)
        np.copyto(long_cand, -np.inf, where=~long_ok)
        better = long_cand > best_long  # the first tier of the largest candidate (argmax)
        np.copyto(best_long, long_cand, where=better)
        np.copyto(pick_long, j, where=better)
        short_ok = usable & (root <= high)
        short_cand = np.maximum(root, low)
        np.copyto(short_cand, np.inf, where=~short_ok)
        better = short_cand < best_short  # the first tier of the smallest (argmin)
        np.copyto(best_short, short_cand, where=better)
        np.copyto(pick_short, j, where=better)
        del root, low, high, usable, long_ok, long_cand, short_ok, short_cand, better

    def roots_of(row: int) -> tuple[Array, Array]:
        """Row ``row``'s root and upper bound in every candidate tier (for its error message)."""
        at = np.array([row])
        lines = [line(k if np.ndim(k) == 0 else k[at], at) for k in tiers_tried]
        return np.array([r[0][0] for r in lines]), np.array([r[2][0] for r in lines])

    bad = np.flatnonzero(long_rows & beyond_long)
    # a liquidation price beyond a table known in part comes from what backs the row (as in
    # Calculator.backing_option): its wallet, margin or leverage
    def backed_by(row: int) -> str:
        return "wallet" if cross[row] else "leverage" if np.isnan(margin[row]) else "margin"

    if bad.size:
        row = int(bad[0])
        raise BookRowError(row, backed_by(row), str(beyond_last_tier(symbol, _decimal(roots_of(row)[0].max() * q[row]),
                                                                    "notional at the liquidation price")))
    pick = np.where(long_rows, pick_long, pick_short)
    best = np.where(long_rows, best_long, best_short)
    del best_long, best_short, pick_long, pick_short
    bad = np.flatnonzero(~long_rows & ~np.isfinite(best))
    if bad.size:
        row = int(bad[0])
        root_row, high_row = roots_of(row)
        # the last tier's own solution, beyond its cap (Calculator.solve_liquidation), else the entry notional
        beyond = root_row[-1] * q[row] if np.isfinite(root_row[-1]) and root_row[-1] > high_row[-1] else notional[row]
        raise BookRowError(row, backed_by(row), str(beyond_last_tier(symbol, _decimal(beyond),
                                                                    "notional at the liquidation price")))
    liquidation = np.where(np.isfinite(best), best, np.nan)
    chosen = np.where(np.isfinite(best), pick, 0)
    line_tier = chosen if t.ranged else entry_tier

    # backing + side x q x (P - E) = q x P x reserve (Calculator.bankruptcy)
    bankruptcy = (s * q * entry - backing) / (s * q - q * reserve)
    bankruptcy = np.where(bankruptcy > 0, bankruptcy, np.nan)
    fee_rate = symbol.liquidation_fee if symbol.liquidation_fee is not None else venue.fees.liquidation
    return Priced(cols, t, backing, close_fee, leverage, liquidation, bankruptcy, np.asarray(line_tier), entry_tier, _f(fee_rate))


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(repr(float(value)))


def _given(value: float) -> str:
    """A number the book gave, in a message: its shortest repr (the digits the row holds, up to
    17 significant ones), in plain notation, never ``:g``'s 6 digits or an exponent."""
    return format(_decimal(value).normalize(), "f")


EVERY = slice(None)
"""Every row of a gathered side, as the ranking rules' ``rows`` (a slice reads views)."""

#: Significant bits kept by :func:`tie_key` (2**-40 ~ 9.1e-13 relative).
TIE_BITS = 40


def tie_key(values: Array) -> Array:
    """``values`` rounded to :data:`TIE_BITS` significant bits, to be sorted and compared.

    Two positions whose scores (or liquidation-over-mark ratios) are equal in exact arithmetic
    (the same entry and leverage at different sizes, say) come out of float64 a few units in
    the last place apart, which would order them by rounding noise; the Decimal core sees them
    equal and keeps the book's order. Rounded to 40 bits they are equal again; values closer
    than that (relative 1e-12) are beyond what float inputs can tell apart anyway.

    On the bits of normal numbers: the 13 low bits of the 52-bit fraction rounded off, half to
    even (a carry into the exponent is the next power of two, as it should be); zeros,
    subnormals, infinities and nan through :func:`tie_key_reference`, which gives the same bits
    for every float (``tests/core/test_book.py``) at three times the cost.
    """
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    field = bits >> np.uint64(52)
    field &= np.uint64(0x7FF)
    field -= np.uint64(1)
    special = field >= np.uint64(0x7FE)  # exponent field 0 or 0x7FF (0 wraps below 0)
    del field  # (one temporary at a time: a sweep's peak memory is here)
    rounded = bits >> np.uint64(53 - TIE_BITS)
    rounded &= np.uint64(1)  # the last bit kept: a tie rounds to it being 0
    rounded += np.uint64((1 << (52 - TIE_BITS)) - 1)
    rounded += bits
    rounded &= np.uint64(~((1 << (53 - TIE_BITS)) - 1) & 0xFFFFFFFFFFFFFFFF)
    result: Array = rounded.view(np.float64)
    if special.any():
        at = np.flatnonzero(special)
        result[at] = tie_key_reference(np.asarray(values)[at])
    return result


def tie_key_reference(values: Array) -> Array:
    """:func:`tie_key` by its definition: the mantissa rounded to :data:`TIE_BITS` bits."""
    mantissa, exponent = np.frexp(values)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.ldexp(np.round(mantissa * 2.0**TIE_BITS) / 2.0**TIE_BITS, exponent)


# -- scores ---------------------------------------------------------------------------------


def scores(ranking: Ranking, priced: Priced, rows: IntArray, mark: Array) -> tuple[Array, NDArray[np.bool_]]:
    """Each row's score at ``mark`` (``-inf`` where the formula leaves it out) and whether the
    formula ranks it: the array form of the ranking rule (:mod:`liqcalc.core.rules`, beside
    its Decimal form).
    """
    value, ok = ranking_rule(ranking).scores(priced, rows, mark)
    return np.where(ok, value, -np.inf), ok


# -- one shock ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One shock, in full (what the tables and the JSON ``queue`` show).

    Attributes:
        shock: percent move of every mark.
        factor: ``1 + shock/100``.
        liquidated_side: +1 (longs, a fall) or -1 (shorts, a rise).
        liquidated: book rows liquidated, in the order the move crosses them.
        fill: their fill prices.
        shortfall, fund_paid, fund_received, adl_deficit, adl_size, adl_price: per liquidated row.
        queue: the winning side's rows in queue order (ranked rows only).
        excluded: winning-side rows the formula leaves out.
        score: their scores (``nan`` for random_start).
        sizes, prices, profit: per policy (``queue``, ``pro_rata``), per queue row.
        deficit: what the fund leaves unpaid (``adl_covered + unabsorbed`` of the attribution).
        fund_left: the fund after the cascade (``nan``: uncapped).
    """

    shock: float
    factor: float
    liquidated_side: int
    liquidated: IntArray
    fill: Array
    shortfall: Array
    fund_paid: Array
    fund_received: Array
    adl_deficit: Array
    adl_size: Array
    adl_price: Array
    queue: IntArray
    excluded: IntArray
    score: Array
    sizes: dict[str, Array] = field(default_factory=dict)
    prices: dict[str, Array] = field(default_factory=dict)
    profit: dict[str, Array] = field(default_factory=dict)
    deficit: float = 0.0
    fund_left: float = float("nan")
    closed: Array = field(default_factory=lambda: np.zeros(0))
    """Per liquidated row, the size ADL actually closed (at most what the queue holds)."""
    attribution: dict[str, float] = field(default_factory=dict)
    """Who pays the shortfall (the keys of :data:`ATTRIBUTION`), as :func:`liqcalc.core.adl.attribute`."""

    def overshoot(self, policy: str) -> float:
        """Profit taken beyond the deficit; pro-rata takes min(deficit, profits) by construction
        (as in :func:`liqcalc.core.adl.allocate`), so its float sum is not trusted to be exact.
        """
        if policy == "pro_rata":
            return 0.0
        return max(0.0, float(self.profit[policy].sum()) - self.deficit)

    def percentile(self, sizes: Array | None = None) -> Array:
        """Share of the ranked side at or below each queue row, in percent: of its count, or with
        ``sizes`` (each queue row's) of its size (as :func:`liqcalc.core.adl.rank`)."""
        count = self.queue.size
        if sizes is not None and count:
            before = np.cumsum(sizes) - sizes
            result: Array = (sizes.sum() - before) / sizes.sum() * 100.0
            return result
        return (count - np.arange(count)) / count * 100.0 if count else np.zeros(0)

    def indicator(self, low: int, high: int, sizes: Array | None = None) -> NDArray[np.int64]:
        """Each queue row's lights, in integers as in :func:`liqcalc.core.adl.indicator`; with
        ``sizes`` (each queue row's, the preset's ``indicator_basis = "size"``) the bands divide
        the size cumulated from the head (:func:`liqcalc.core.adl.indicator_by_size`)."""
        count = self.queue.size
        bands = high - low + 1
        if sizes is not None and count:
            through = np.cumsum(sizes)
            by_size = np.ceil(tie_key(through * bands / through[-1])).astype(np.int64)
            return high - np.clip(by_size, 1, bands) + 1
        at_or_below = count - np.arange(count)
        band = -(-at_or_below * bands // max(count, 1))
        return low + np.clip(band, 1, bands) - 1


#: The shortfall's attribution, per shock (:class:`liqcalc.core.adl.Attribution`).
ATTRIBUTION = ("shortfall", "fund_start", "fund_surplus_in", "fund_paid", "fund_left", "adl_covered", "unabsorbed",
               "deleveraged_size", "deleveraged_notional")


@dataclass(frozen=True)
class Sweep:
    """Per-shock totals of a sweep (arrays of one value per shock); ``fund_paid``,
    ``deleveraged_size`` and ``deleveraged_notional`` as in :data:`ATTRIBUTION`, and
    ``attribution`` holds every key of it."""

    shock: Array
    liquidated_count: NDArray[np.int64]
    liquidated_notional: Array
    fund_paid: Array
    deficit: Array
    deleveraged_size: Array
    deleveraged_notional: Array
    overshoot: dict[str, Array]
    you_adl_size: dict[str, Array]
    you_adl_price: dict[str, Array]
    you_loss_vs_mark: dict[str, Array]
    you_liquidated: NDArray[np.bool_]
    you_rank: NDArray[np.int64]
    attribution: dict[str, Array] = field(default_factory=dict)


class Book:
    """A priced book and the venue's rules: shocks and sweeps."""

    def __init__(self, venue: Venue, priced: Priced, *, ranking: Ranking, slippage_bps: float,
                 insurance_fund: float | None, seed: int = 0, you: int | None = None, reciprocal: bool = False) -> None:
        fund = venue.fund_party
        if fund is None or venue.shortfall.waterfall != (fund, "adl_counterparties"):
            raise UnsupportedWaterfall(
                f"the shock model covers a waterfall of one fund then ADL; {venue.name}'s is "
                f"{', '.join(venue.shortfall.waterfall)}"
            )
        self.venue, self.priced, self.ranking = venue, priced, ranking
        self.fund = fund
        self.slip = slippage_bps / 10_000.0
        # an inverse contract's linear twin (prices x = 1/P): a fill b worse than the mark in P
        # (P x (1 - s b) for the trader's side s = -s' of the twin's) is x / (1 + s' b) in x
        self.reciprocal = reciprocal
        self.insurance_fund = insurance_fund
        self.seed, self.you = seed, you
        cols = priced.cols
        # (as a tie key: equal ratios in exact arithmetic keep the book's order, as in the
        # Decimal cascade, whatever the last bits of their float quotients)
        self.ratio = tie_key(priced.liquidation / cols.mark)
        # Crossing order, once per side: longs by liquidation price over mark, highest first;
        # shorts lowest first (ties keep the book's order).
        self.crossing: dict[int, IntArray] = {}
        self.crossing_ratio: dict[int, Array] = {}
        index = np.arange(len(cols.side))
        for side in (1, -1):
            rows = index[(cols.side == side) & ~np.isnan(self.ratio)]
            order = rows[np.argsort(-side * self.ratio[rows], kind="stable")]  # rows ascend: ties keep them
            self.crossing[side] = order
            self.crossing_ratio[side] = -side * self.ratio[order]
        self.sides = {side: index[cols.side == side] for side in (1, -1)}
        self.start = {side: random.Random(seed).randrange(rows.size) if rows.size else 0
                      for side, rows in self.sides.items()}
        # Each side's columns gathered once into contiguous arrays, in crossing order (then the
        # rows no move liquidates): a shock liquidates a prefix of it, read as slices, and the
        # queue's scores are computed on the same arrays (ties are ordered by book row).
        # Gathering a million rows at random on every step costs more than the arithmetic: each
        # read misses the cache.
        self._crossed: dict[int, _Gathered] = {}
        self._you_crossing: dict[int, int] = {}
        self._you_in: dict[int, int] = {}
        for side, order in self.crossing.items():
            never = index[(cols.side == side) & np.isnan(self.ratio)]
            gathered = _Gathered.of(priced, np.concatenate((order, never)) if never.size else order)
            self._crossed[side] = gathered
            if you is not None:
                at = np.flatnonzero(gathered.rows == you)
                if at.size:
                    self._you_in[side] = int(at[0])
                    if at[0] < order.size:
                        self._you_crossing[side] = int(at[0])
        self._ranked = self._crossed
        # per crossing row, what every shock's cascade multiplies by (computed as _liquidate
        # would, once): side x size, the slippage factor of the fill, the fee rate x size
        self._fill_by = {side: (1 + g.side * self.slip) if reciprocal else (1 - g.side * self.slip)
                         for side, g in self._crossed.items()}
        self._signed = {side: g.side * g.size for side, g in self._crossed.items()}
        self._fee_by = {side: priced.liquidation_fee_rate * g.size for side, g in self._crossed.items()}

    # -- the cascade --------------------------------------------------------------------

    def _liquidate(self, shock: float) -> tuple[int, IntArray, dict[str, Array]]:
        priced, venue = self.priced, self.venue
        factor = 1.0 + shock / 100.0
        losing = 1 if shock < 0 else -1
        count = 0 if shock == 0 else int(np.searchsorted(self.crossing_ratio[losing], -losing * factor, side="right"))
        hit = self.crossing[losing][:count]
        g = self._crossed[losing]
        q, entry = g.size[:count], g.entry[:count]
        new_mark = g.mark[:count] * factor
        by = self._fill_by[losing][:count]
        fill = new_mark / by if self.reciprocal else new_mark * by
        equity = g.backing[:count] + self._signed[losing][:count] * (fill - entry)
        surplus = np.maximum(equity, 0.0)
        shortfall = np.maximum(-equity, 0.0)
        # Surplus (liqcalc.core.waterfall.settle): the backstop takes it all when equity is
        # below its fraction of maintenance margin (Hyperliquid), else the liquidation fee
        # (capped at the surplus) to its recipient and the rest to surplus.to.
        rule = venue.surplus
        backstop = np.zeros(count, dtype=bool)
        if rule.has_backstop:
            t = priced.tiers
            tier = g.line_tier[:count]
            maintenance = t.basis.values_at(q, entry, t.rate[tier], g.close_fee[:count] - t.amount[tier], fill)
            backstop = (equity >= 0) & rule.backstop_takes(equity, maintenance)  # elementwise on arrays
        fee = np.minimum(self._fee_by[losing][:count] * fill, surplus)
        received = rule.received(self.fund, venue.fees.liquidation_fee_to, surplus, fee, backstop)
        # Shortfall: the fund pays while it can; the rest goes to ADL. With a capped fund the
        # running balance b_j = max(0, b_(j-1) + received_j - shortfall_j) is a Lindley
        # recursion: with S = F + cumsum(x), the total left to ADL after j is -min(0, min S).
        if self.insurance_fund is None:
            adl = np.zeros(count)
            fund_left = np.nan
        else:
            total = self.insurance_fund + np.cumsum(received - shortfall)
            if not count or float(total.min()) >= 0.0:  # the fund pays every shortfall
                adl = np.zeros(count)
                fund_left = max(0.0, float(total[-1])) if count else self.insurance_fund
            else:
                lowest = np.minimum(total, 0.0)
                np.minimum.accumulate(lowest, out=lowest)
                uncovered = np.negative(lowest, out=lowest)
                # within [0, shortfall] and a fund never below zero: float residues (-1e-8) are no
                # flows (the differences of uncovered, from 0, clipped; in place)
                adl = np.empty(count)
                adl[0] = uncovered[0] - 0.0
                np.subtract(uncovered[1:], uncovered[:-1], out=adl[1:])
                np.maximum(adl, 0.0, out=adl)
                np.minimum(adl, shortfall, out=adl)
                fund_left = max(0.0, float(total[-1] + uncovered[-1]))
        paid = shortfall - adl
        if self.insurance_fund is None or not adl.any():
            adl_size = np.zeros(count)  # nothing handed to ADL
        else:
            # q x adl / shortfall where there is a shortfall, else 0 (adl is within [0, shortfall]:
            # 0 / the least positive float is 0)
            adl_size = q * adl
            adl_size /= np.maximum(shortfall, np.nextafter(0.0, 1.0))
        adl_price = adl_price_rule(venue.adl.price).closes_at_array(g.bankruptcy[:count], new_mark)
        return losing, hit, {
            "mark": new_mark, "fill": fill, "shortfall": shortfall, "fund_paid": paid, "fund_received": received,
            "adl_deficit": adl, "adl_size": adl_size, "adl_price": adl_price, "fund_left": np.array([fund_left]),
            "size": q,
        }

    def _attribute(self, hit: IntArray, x: dict[str, Array], factor: float, capacity: float) -> tuple[Array, dict[str, float]]:
        """Who pays each unit of the shortfall: :func:`liqcalc.core.adl.attribute`, line by line
        (the handed sizes closed in crossing order up to ``capacity``; a closed unit lacks what
        its equity lacks at the mark, paid by the counterparties at the bankruptcy price and
        left to ``unabsorbed_by`` at the mark; an unabsorbed one keeps its deficit at the fill)."""
        # Per handed order of size a with deficit D = a x shortfall/size: a closed unit lacks
        # shortfall/size - |mark - fill| (the fill is the mark worsened by the slippage), so the
        # closed share c/a of the order lacks (c/a) x max(0, D - a x mark x slip); the rest keeps
        # (1 - c/a) x D. The queue absorbs all (the common case) or a prefix in crossing order.
        a, deficit = x["adl_size"], x["adl_deficit"]
        gap = np.abs(x["mark"] - x["fill"]) if self.reciprocal else x["mark"] * self.slip
        at_mark_all = np.maximum(0.0, deficit - a * gap)
        if float(a.sum()) <= capacity:
            closed = a
            at_mark, rest = float(at_mark_all.sum()), 0.0
        else:
            closed = np.clip(capacity - (np.cumsum(a) - a), 0.0, a)
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(a > 0, closed / a, 0.0)
            at_mark, rest = float((share * at_mark_all).sum()), float(((1.0 - share) * deficit).sum())
        paid = float(x["fund_paid"].sum())
        at_bankruptcy = adl_price_rule(self.venue.adl.price).at_bankruptcy
        covered, unabsorbed = (at_mark, rest) if at_bankruptcy else (0.0, at_mark + rest)
        fund_left = float(x["fund_left"][0])
        totals = {
            "shortfall": paid + covered + unabsorbed,
            "fund_start": np.nan if self.insurance_fund is None else self.insurance_fund,
            "fund_surplus_in": float(x["fund_received"].sum()),
            "fund_paid": paid,
            "fund_left": fund_left,
            "adl_covered": covered,
            "unabsorbed": unabsorbed,
            "deleveraged_size": float(closed.sum()),
            "deleveraged_notional": float((closed * x["adl_price"]).sum()),
        }
        return closed, totals

    def _scored(self, side: int, factor: float) -> tuple[_Gathered, Array, NDArray[np.bool_]]:
        """The side's gathered rows, their scores at the shocked marks (tie keys) and whether
        the formula ranks each."""
        g = self._ranked[side]
        # every row of the gathered side, as a slice: the rules read views, not copies
        value, ok = scores(self.ranking, g.priced, cast(IntArray, EVERY), g.mark * factor)
        return g, tie_key(value), np.broadcast_to(ok, value.shape)

    def queue(self, side: int, factor: float = 1.0) -> tuple[IntArray, IntArray, Array]:
        """The queue of ``side`` (+1 longs, -1 shorts) at the marks times ``factor``: its rows in
        queue order, the rows the formula leaves out (in book order) and the queue's scores
        (``nan`` where the venue does not rank), as :func:`liqcalc.core.adl.rank` orders them."""
        return self._queue(side, factor)

    def _queue(self, side: int, factor: float) -> tuple[IntArray, IntArray, Array]:
        rows = self.sides[side]
        if not ranking_rule(self.ranking).ranks:
            start = self.start[side]
            order = np.concatenate((rows[start:], rows[:start]))
            return order, np.zeros(0, dtype=np.intp), np.full(order.size, np.nan)
        g, values, ok = self._scored(side, factor)
        ranked = g.rows if ok.all() else g.rows[ok]
        values = values if ok.all() else values[ok]
        order = self._order(ranked, values)
        excluded = np.sort(g.rows[~ok])
        return ranked[order], excluded, values[order]

    def _order(self, ranked: IntArray, values: Array, among: IntArray | None = None) -> IntArray:
        """Positions (of ``among``, default all) by score, highest first: equal scores keep the
        book's order (``ranked`` holds each one's row in the book), with your position moved to
        the head of its tie group (as :func:`liqcalc.core.adl.rank`).

        One unstable sort by score, then only the runs of equal scores sorted again by row (a
        sort of integers): cheaper than a stable sort of the floats."""
        chosen = np.arange(ranked.size) if among is None else among
        negative = -values[chosen]
        by_value = np.argsort(negative)
        order = chosen[by_value]
        ordered = negative[by_value]
        equal = ordered[1:] == ordered[:-1]
        if equal.any():
            tied = np.zeros(order.size, dtype=bool)
            tied[1:] |= equal
            tied[:-1] |= equal
            at = np.flatnonzero(tied)
            group = np.cumsum(np.concatenate(([True], ~equal)))[at].astype(np.int64)
            # (group, row) as one integer key: groups ascend along the scores, rows below 2**40
            key = (group << 40) | ranked[order[at]].astype(np.int64)
            order[at] = order[at[np.argsort(key)]]
        if self.you is not None:
            mine = np.flatnonzero(ranked == self.you)
            where = np.flatnonzero(order == mine[0]) if mine.size else mine
            if where.size:
                k = int(where[0])
                first = int((negative < -values[mine[0]]).sum())  # the head of your tie group
                if first < k:
                    order = np.concatenate((order[:first], order[k : k + 1], order[first:k], order[k + 1 :]))
        return order

    def _queue_head(self, side: int, factor: float, quantity: float) -> tuple[IntArray, int, float]:
        """:meth:`_head` with the head as rows of the book."""
        g, head, rank, capacity = self._head(side, factor, quantity)
        return g.rows[head], rank, capacity

    def _head(self, side: int, factor: float, quantity: float) -> tuple[_Gathered, IntArray, int, float]:
        """The first positions of the queue, in order, enough to cover ``quantity``, your
        rank (0 when you are not queued) and the size the whole queue holds (0 when ``quantity``
        is 0): what :meth:`_queue`
        gives, without sorting the whole side when the head is short. The head is selected with a partition; every position
        scoring at least the cut is then sorted, so ties at the cut keep the queue's order."""
        g = self._ranked[side]
        none = np.zeros(0, dtype=np.intp)
        if not ranking_rule(self.ranking).ranks:
            order, _, _ = self._queue(side, factor)
            where = np.flatnonzero(order == self.you) if self.you is not None else none
            local = np.empty(len(self.priced.cols.side), dtype=np.intp)
            local[g.rows] = np.arange(g.rows.size)
            return g, local[order], int(where[0]) + 1 if where.size else 0, float(self.priced.cols.size[order].sum())
        mine = self._you_in.get(side)
        if quantity <= 0 and mine is None:
            return g, none, 0, 0.0  # nothing handed to ADL, and no rank to find: nothing to score
        g, values, ok = self._scored(side, factor)
        every = bool(ok.all())
        rank = 0
        if mine is not None and ok[mine]:
            rank = int((values[ok] > values[mine]).sum()) + 1 if not every else int((values > values[mine]).sum()) + 1
        if quantity <= 0:
            return g, none, rank, 0.0  # nothing handed to ADL: nothing to absorb
        ranked = g.rows if every else g.rows[ok]
        if ranked.size == 0:
            return g, none, rank, 0.0
        local = g.local if every else np.flatnonzero(ok)
        values = values if every else values[ok]
        size = g.size if every else g.size[ok]
        capacity = float(size.sum())
        # Most of a side's ties are the losers at the tail (Binance scores every loss 0): when
        # the positive scores cover the quantity, only they are ordered, and only a head of
        # about twice the positions the quantity needs at the average size when that is short.
        positive = np.flatnonzero(values > 0)
        if size[positive].sum() >= quantity:
            k = int(min(positive.size, 2 * quantity / max(capacity / size.size, 1e-300) + 64))
            if k < positive.size:
                negative = -values[positive]
                cut = np.partition(negative, k - 1)[k - 1]
                head = self._order(ranked, values, positive[negative <= cut])
                if size[head].sum() >= quantity:
                    return g, local[head], rank, capacity
            return g, local[self._order(ranked, values, positive)], rank, capacity
        return g, local[self._order(ranked, values)], rank, capacity

    def _cut(self, side: int, factor: float, quantity: float,
             prepared: Prepared | None = None) -> tuple[_Gathered, int, float, float, float, Array | None]:
        """What the sweep reads of the queue of ``side`` for ``quantity``: the side's gathered
        rows, your rank (0: not queued), the size the queue holds, the profit the queue policy
        takes (whole positions in order, the last one partly), the size ahead of you (at most
        ``quantity``) and each row's profit at the mark, size x max(0, side x (mark - entry))
        (None when not computed).

        Only the rows around where the quantity runs out are ordered: a partition by score
        brackets them (every row above the bracket is closed whole, in whatever order, every
        row below it keeps its size); the bracket holds every row equal to its bounds, so ties
        keep the queue's order. A bracket that misses the cut falls back to ordering them all."""
        g = self._ranked[side]
        if not ranking_rule(self.ranking).ranks:  # a walk from a random start: its order is given
            g, head, rank, capacity = self._head(side, factor, quantity)
            size = g.size[head]
            unit = np.maximum(0.0, g.side[head] * (g.mark[head] * factor - g.entry[head]))
            before_each, taken = queue_taken(quantity, size)
            position = np.flatnonzero(head == self._you_in.get(side, -1))
            ahead = min(float(before_each[position[0]]), quantity) if position.size else quantity
            return g, rank, capacity, float((taken * unit).sum()), ahead, None
        mine = self._you_in.get(side)
        if quantity <= 0 and mine is None:
            return g, 0, 0.0, 0.0, quantity, None  # nothing handed to ADL, and no rank to find
        if prepared is None:
            g, values, ok = self._scored(side, factor)
            every = bool(ok.all())
            gain = np.maximum(0.0, g.side * (g.mark * factor - g.entry)) * g.size
        else:
            price = prepared.price(factor)
            unrealized = prepared.unrealized(price)
            value, ranks = ranking_rule(self.ranking).prepared_scores(prepared, price, unrealized)
            every = ranks is None or bool(ranks.all())
            values = tie_key(value if every else np.where(cast(NDArray[np.bool_], ranks), value, -np.inf))
            ok = np.broadcast_to(True, values.shape) if ranks is None else ranks
            # each row's profit at the mark, size x max(0, side x (mark - entry)): the same floats
            # as max(0, unrealized), side being +-1
            gain = np.maximum(unrealized, 0.0, out=unrealized)
        vals = values if every else values[ok]
        size = g.size if every else g.size[ok]
        rank = 0
        ahead = quantity
        if mine is not None and ok[mine]:
            higher = vals > values[mine]  # you go first among your equals
            rank = int(np.count_nonzero(higher)) + 1
            ahead = min(_dot(size, higher.astype(np.float64)), quantity)
        if quantity <= 0 or vals.size == 0:
            return g, rank, 0.0, 0.0, ahead, gain
        capacity = prepared.capacity if prepared is not None and every else float(size.sum())
        profit = gain if every else gain[ok]
        if capacity <= quantity:
            return g, rank, capacity, float(profit.sum()), ahead, gain  # every position closed whole
        rows = g.rows if every else g.rows[ok]
        count = vals.size
        estimate = quantity / (capacity / count)  # positions the quantity takes at the average size
        low, high = max(0, int(estimate * 0.8) - 64), min(count - 1, int(estimate * 1.25) + 64)
        order: IntArray | None = None
        above: Array | None = None
        before = 0.0
        if count > 4096 and low < high:
            for top, bottom in _brackets(vals, size, quantity, low, high):
                above_mask = vals > top
                above = above_mask.astype(np.float64)
                inside = np.flatnonzero((vals >= bottom) ^ above_mask)  # bottom <= vals <= top (above: vals > top)
                before = _dot(size, above)
                if before < quantity <= before + float(size[inside].sum()):
                    order = self._order(rows, vals, inside)
                    break
        if order is None:
            above, before = None, 0.0
            order = self._order(rows, vals)
        reached = size[order]
        cum = before + np.cumsum(reached)
        whole = _dot(profit, above) if above is not None else 0.0
        # the positions before the one where the quantity runs out are closed whole (their
        # profit: gain), that one in part, the rest not at all
        last = min(int(np.searchsorted(cum, quantity, side="left")), order.size - 1)
        partly = min(max(quantity - float(cum[last] - reached[last]), 0.0), float(reached[last]))
        at = int(order[last]) if every else int(np.flatnonzero(ok)[order[last]])
        its_unit = max(0.0, float(g.side[at] * (g.mark[at] * factor - g.entry[at])))
        return g, rank, capacity, whole + float(profit[order[:last]].sum()) + partly * its_unit, ahead, gain

    def step(self, shock: float) -> Step:
        """One shock in full: the liquidations, the queue and both allocations."""
        losing, hit, x = self._liquidate(shock)
        factor = 1.0 + shock / 100.0
        queue, excluded, values = self._queue(-losing, factor)
        cols = self.priced.cols
        size = cols.size[queue]
        profit_unit = np.maximum(0.0, cols.side[queue] * (cols.mark[queue] * factor - cols.entry[queue]))
        quantity = float(x["adl_size"].sum())
        closed, attribution = self._attribute(hit, x, factor, float(size.sum()))
        # what the fund leaves unpaid: the ADL counterparties' part and the unabsorbed part
        deficit = attribution["adl_covered"] + attribution["unabsorbed"]
        cum_size, cum_value = _pieces(x["adl_size"], x["adl_price"])
        sizes, prices, profit = {}, {}, {}
        # Queue: whole positions in order, the last one partly (adl.queue_fill).
        ahead, taken = queue_taken(quantity, size)
        sizes["queue"] = taken
        with np.errstate(divide="ignore", invalid="ignore"):
            low = np.minimum(ahead, quantity)
            high = low + taken
            prices["queue"] = np.where(taken > 0, (_value_at(high, cum_size, cum_value) - _value_at(low, cum_size, cum_value)) / taken, np.nan)
        profit["queue"] = taken * profit_unit
        # Pro-rata (adl.pro_rata_share): the same fraction of every winner's profit.
        winners = size * profit_unit
        total = winners.sum()
        share = min(1.0, deficit / total) if total > 0 and deficit > 0 else 0.0
        sizes["pro_rata"] = np.where(winners > 0, size * share, 0.0)
        average = cum_value[-1] / cum_size[-1] if cum_size[-1] > 0 else np.nan
        prices["pro_rata"] = np.where(sizes["pro_rata"] > 0, average, np.nan)
        profit["pro_rata"] = winners * share
        return Step(
            shock=shock, factor=factor, liquidated_side=losing, liquidated=hit, fill=x["fill"],
            shortfall=x["shortfall"], fund_paid=x["fund_paid"], fund_received=x["fund_received"],
            adl_deficit=x["adl_deficit"], adl_size=x["adl_size"], adl_price=x["adl_price"],
            queue=queue, excluded=excluded, score=values, sizes=sizes, prices=prices, profit=profit,
            deficit=deficit, fund_left=float(x["fund_left"][0]), closed=closed, attribution=attribution,
        )

    def sweep(self, shocks: Array) -> Sweep:
        """Totals per shock, and your part (``you``) under each policy."""
        n = shocks.size
        cols = self.priced.cols
        out: dict[str, Any] = {k: np.zeros(n) for k in ("liquidated_notional", "fund_paid", "deficit",
                                                         "deleveraged_size", "deleveraged_notional")}
        count = np.zeros(n, dtype=np.int64)
        overshoot = {p: np.zeros(n) for p in ("queue", "pro_rata")}
        you_size = {p: np.zeros(n) for p in ("queue", "pro_rata")}
        you_price = {p: np.full(n, np.nan) for p in ("queue", "pro_rata")}
        you_loss = {p: np.zeros(n) for p in ("queue", "pro_rata")}
        you_liquidated = np.zeros(n, dtype=bool)
        you_rank = np.zeros(n, dtype=np.int64)
        attribution = {key: np.zeros(n) for key in ATTRIBUTION}
        # each winning side prepared once for the sweep's range of marks (Prepared)
        factors = 1.0 + shocks / 100.0
        low, high = (float(factors.min()), float(factors.max())) if n else (1.0, 1.0)
        prepared: dict[int, Prepared | None] = {}
        rule = ranking_rule(self.ranking)
        for i, shock in enumerate(shocks):
            # The totals of self.step(shock), without the per-row detail: the queue is sorted
            # once; only its touched head, the profitable total and your row are read.
            losing, hit, x = self._liquidate(float(shock))
            factor = 1.0 + float(shock) / 100.0
            count[i] = hit.size
            out["liquidated_notional"][i] = float((x["size"] * x["fill"]).sum())
            quantity = float(x["adl_size"].sum())
            winning = -losing
            if winning not in prepared:
                prepared[winning] = Prepared(self._ranked[winning], low, high) if rule.ranks else None
            g, rank, capacity, taken_profit, ahead, gain = self._cut(winning, factor, quantity, prepared[winning])
            _, totals = self._attribute(hit, x, factor, capacity)
            deficit = totals["adl_covered"] + totals["unabsorbed"]
            out["deficit"][i] = deficit
            for key, value in totals.items():
                attribution[key][i] = value
            out["fund_paid"][i] = totals["fund_paid"]
            out["deleveraged_size"][i] = totals["deleveraged_size"]
            out["deleveraged_notional"][i] = totals["deleveraged_notional"]
            overshoot["queue"][i] = max(0.0, taken_profit - deficit)
            if self.you is None:
                continue
            you_liquidated[i] = self._you_crossing.get(losing, hit.size) < hit.size
            you_rank[i] = rank
            if not rank:
                continue
            # pro-rata needs the side's whole profit; only computed when there is a deficit
            profits = 0.0
            if deficit > 0:
                if gain is None:
                    gain = np.maximum(0.0, g.side * (g.mark * factor - g.entry)) * g.size
                profits = float(gain.sum())
            share = min(1.0, deficit / profits) if profits > 0 and deficit > 0 else 0.0
            you = self.you
            mark = cols.mark[you] * factor
            you_unit = max(0.0, float(cols.side[you] * (mark - cols.entry[you])))
            # (a residue of the size ahead, QUEUE_RESIDUE of the quantity, is no take: queue_taken)
            reached = quantity - ahead if quantity - ahead > QUEUE_RESIDUE * quantity else 0.0
            mine = {"queue": min(reached, float(cols.size[you])),
                    "pro_rata": float(cols.size[you]) * share if you_unit > 0 else 0.0}
            for policy, amount in mine.items():
                you_size[policy][i] = amount
                if amount <= 0:
                    continue
                if policy == "queue":
                    price = _value_between(x["adl_size"], x["adl_price"], ahead, ahead + amount) / amount
                else:
                    price = float((x["adl_size"] * x["adl_price"]).sum() / x["adl_size"].sum())
                you_price[policy][i] = price
                you_loss[policy][i] = amount * cols.side[you] * (mark - price)
        return Sweep(
            shock=shocks, liquidated_count=count, overshoot=overshoot, you_adl_size=you_size,
            you_adl_price=you_price, you_loss_vs_mark=you_loss, you_liquidated=you_liquidated, you_rank=you_rank,
            attribution=attribution, **out,
        )


@dataclass(frozen=True)
class _Gathered:
    """Some rows of a priced book (one side, in an order), their columns gathered into
    contiguous arrays once, as a :class:`Priced` of their own (which the ranking rules' array
    forms read with ``local``); ``rows`` are their rows in the book."""

    rows: IntArray
    priced: Priced
    local: IntArray

    @classmethod
    def of(cls, priced: Priced, rows: IntArray) -> _Gathered:
        """``rows`` of ``priced``, gathered."""
        c = priced.cols
        empty = np.zeros(0)
        # only what the cascade and the ranking rules read is gathered (the rest left empty)
        cols = Columns(ids=(), side=c.side[rows], size=c.size[rows], entry=c.entry[rows], mark=c.mark[rows],
                       margin=empty, leverage=empty, wallet=empty)
        part = Priced(cols, priced.tiers, priced.backing[rows], priced.close_fee[rows], empty, empty,
                      priced.bankruptcy[rows], priced.line_tier[rows], priced.entry_tier[rows],
                      priced.liquidation_fee_rate)
        return cls(rows, part, np.arange(rows.size))

    @property
    def side(self) -> Array:
        return self.priced.cols.side

    @property
    def size(self) -> Array:
        return self.priced.cols.size

    @property
    def entry(self) -> Array:
        return self.priced.cols.entry

    @property
    def mark(self) -> Array:
        return self.priced.cols.mark

    @property
    def backing(self) -> Array:
        return self.priced.backing

    @property
    def bankruptcy(self) -> Array:
        return self.priced.bankruptcy

    @property
    def close_fee(self) -> Array:
        return self.priced.close_fee

    @property
    def line_tier(self) -> IntArray:
        return self.priced.line_tier



#: What the queue policy's float arithmetic cannot tell from nothing, relative to the quantity
#: handed to ADL: the running sums of sizes leave residues of a few units in the last place.
QUEUE_RESIDUE = 1e-12


def queue_taken(quantity: float, size: Array, before: float = 0.0) -> tuple[Array, Array]:
    """The queue policy (:func:`liqcalc.core.adl.queue_fill`): each row's size ahead of it
    (``before`` plus the rows before it, a shifted running sum) and what ``quantity`` takes of
    it, whole positions in order and the last one partly. A take within :data:`QUEUE_RESIDUE`
    of nothing (or of the whole position) is nothing (the whole): (0.5 + 0.2) - 0.2 is not 0.5
    in floats, and a row the quantity does not reach must not be closed by the residue."""
    cum = np.cumsum(size)
    ahead = before + np.concatenate(([0.0], cum[:-1])) if size.size else np.zeros(0)
    taken = np.clip(quantity - ahead, 0.0, size)
    tolerance = QUEUE_RESIDUE * max(abs(quantity), float(before + cum[-1]) if size.size else 0.0)
    taken = np.where(taken <= tolerance, 0.0, np.where(size - taken <= tolerance, size, taken))
    return ahead, taken


class Prepared:
    """One gathered side prepared for a sweep whose marks move by factors within ``[low, high]``:
    what every step's scores read that does not depend on the mark, computed once (the ranking
    rules' prepared forms, :meth:`liqcalc.core.rules.RankingRule.prepared_scores`, read it).

    - ``mark``: the side's one mark when every row has the same (a step's shocked mark is then
      one float, not an array), else None;
    - ``backing``, ``wallet_floor`` (max(1, backing)), ``entry_value``
      (|size x entry|, when first read), ``capacity`` (the side's size);
    - the maintenance margin's line: where the table is ranged, the tier at the notional at
      the shocked mark is read once for every row whose notional stays in one tier at every
      factor of the range (the notional is monotone in the factor), and again at each step for
      the few others (``loose``). Each value is computed by the same operations as
      :meth:`Priced.maintenance`, so the scores are the same bit for bit.
    """

    def __init__(self, gathered: _Gathered, low: float, high: float) -> None:
        g = gathered
        self.priced = g.priced
        marks = g.mark
        first = float(marks[0]) if marks.size else float("nan")
        self.mark: float | None = first if marks.size and bool(np.all(marks == first)) else None
        self.backing = g.backing
        self.wallet_floor = np.maximum(1.0, g.backing)
        self.capacity = float(g.size.sum())
        t = g.priced.tiers
        self._tiers = t
        q = g.size
        if t.ranged:
            last = len(t.cap) - 1
            at_low = np.minimum(t.index(q * (marks * low)), last)
            at_high = np.minimum(t.index(q * (marks * high)), last)
            tier = at_low
            self.loose: IntArray = np.flatnonzero(at_low != at_high)
        else:
            tier = g.priced.entry_tier
            self.loose = np.zeros(0, dtype=np.intp)
        rate, amount = t.rate[tier], t.amount[tier]
        constant = g.close_fee - amount
        if t.basis.at_entry:  # constant in the price
            self._slope: Array | None = None
            self._constant = t.basis.values_at(q, g.entry, rate, constant, marks)
        else:
            self._slope = q * rate
            self._constant = constant

    @cached_property
    def entry_value(self) -> Array:
        """|size x entry| (read by Bitget's score only: computed when first read)."""
        cols = self.priced.cols
        return np.abs(cols.size * cols.entry)

    def price(self, factor: float) -> Array | float:
        """The shocked mark: one float when the side has one mark, else each row's."""
        if self.mark is not None:
            return self.mark * factor
        return self.priced.cols.mark * factor

    def unrealized(self, price: Array | float) -> Array:
        """The unrealized PnL, side x size x (price - entry), as the ranking rules' array forms
        compute it: the side is +-1, so (price - entry) x side x size is the same float as
        (side x size) x (price - entry), one rounding of size x (price - entry)."""
        cols = self.priced.cols
        gap = np.subtract(price, cols.entry)
        gap *= cols.side
        gap *= cols.size
        return gap

    def maintenance(self, price: Array | float) -> Array:
        """Maintenance margin of every row at ``price`` (a new array): :meth:`Priced.maintenance`."""
        if self._slope is None:
            out = self._constant.copy()
        else:
            out = np.multiply(self._slope, price)
            out += self._constant
        loose = self.loose
        if loose.size:
            priced, t = self.priced, self._tiers
            at = np.broadcast_to(price, priced.cols.size.shape)[loose]
            q = priced.cols.size[loose]
            tier = np.minimum(t.index(q * at), len(t.cap) - 1)
            out[loose] = t.basis.values_at(q, priced.cols.entry[loose], t.rate[tier],
                                           priced.close_fee[loose] - t.amount[tier], at)
        return out



#: One score in this many is read to guess where the queue's cut lies (:func:`_brackets`).
SAMPLE_STRIDE = 64


def _brackets(vals: Array, size: Array, quantity: float, low: int, high: int) -> Iterator[tuple[float, float]]:
    """Score bounds (top, bottom) around where ``quantity`` runs out along ``vals`` (highest
    first, each row holding ``size``), best guess first. A sample of one score in
    :data:`SAMPLE_STRIDE` (a strided view: the side's rows in crossing order) gives two
    guesses: where the sample's sizes (times the stride), highest score first, reach the
    quantity, and the ``low``-th to ``high``-th highest scores (0-based), each widened by four
    standard deviations of where a sample's rank lands. Then the exact ``low``-th and
    ``high``-th (a partition of every score). The caller keeps the first bracket that holds
    the cut, which any bracket holding it may be: the order within and the sums around it are
    the same."""
    count = vals.size
    sample = vals[::SAMPLE_STRIDE]
    m = sample.size
    if m > 64:
        by_score = np.argsort(-sample)
        reach = np.cumsum(size[::SAMPLE_STRIDE][by_score]) * SAMPLE_STRIDE
        at = int(np.searchsorted(reach, quantity))
        margin = int(4 * np.sqrt(at + 1)) + 8
        first, last = at - margin, at + margin
        if last < m - 1:
            yield float(sample[by_score[first]]) if first > 0 else float("inf"), float(sample[by_score[last]])
        first = max(0, int(low / SAMPLE_STRIDE - 4 * np.sqrt(low / SAMPLE_STRIDE)) - 8)
        last = min(m - 1, int(high / SAMPLE_STRIDE + 4 * np.sqrt(high / SAMPLE_STRIDE)) + 8)
        if first < last:
            ranked = -sample[by_score]
            yield float(-ranked[first]) if first > 0 else float("inf"), float(-ranked[last])
    # the low-th and high-th highest scores (a partition of the scores, ascending)
    bounds = np.partition(vals, [count - 1 - high, count - 1 - low])
    yield float(bounds[count - 1 - low]), float(bounds[count - 1 - high])


def _dot(a: Array, b: Array) -> float:
    """sum(a x b) in one pass, on this thread (``np.dot`` hands a long vector to BLAS threads,
    which wait for a core on a busy machine)."""
    return float(np.einsum("i,i->", a, b))


def _pieces(size: Array, price: Array) -> tuple[Array, Array]:
    """Cumulative size and value of the liquidated pieces, from 0 (for interpolation)."""
    return np.concatenate(([0.0], np.cumsum(size))), np.concatenate(([0.0], np.cumsum(size * price)))


def _value_between(size: Array, price: Array, start: float, stop: float) -> float:
    """Value of the pieces' units from ``start`` to ``stop`` (in size, from the first piece):
    :func:`_value_at` of the two ends, reading only the pieces between them."""
    cum = np.cumsum(size)
    if not cum.size or cum[-1] <= 0:
        return 0.0
    start, stop = min(max(start, 0.0), float(cum[-1])), min(max(stop, 0.0), float(cum[-1]))
    first = min(int(np.searchsorted(cum, start, side="right")), cum.size - 1)
    last = int(np.searchsorted(cum, stop, side="left"))
    if last <= first:
        return (stop - start) * float(price[first])
    inner = float(np.dot(size[first + 1 : last], price[first + 1 : last]))
    return (float(cum[first]) - start) * float(price[first]) + inner + (stop - float(cum[last - 1])) * float(price[last])


def _value_at(at: Array, cum_size: Array, cum_value: Array) -> Array:
    """Value of the first ``at`` units of the pieces (piecewise linear in ``at``)."""
    if cum_size[-1] <= 0:
        return np.zeros_like(at)
    return np.interp(at, cum_size, cum_value)
