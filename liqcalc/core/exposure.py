"""Expected ADL exposure: a distribution over the move of the mark, and what a sweep of the
book at its moves adds up to.

A distribution is a finite set of moves (percent) with weights summing to 1, placed where
the distribution puts its mass:

- log-normal: ``ln(1 + r) ~ N(-sigma^2/2, sigma^2)`` with ``sigma = vol x sqrt(days / 365)``,
  evaluated at the midpoints of ``n`` equally likely slices of its probability
  (``z_i = Phi^-1((i + 1/2) / n)``), each weighing ``1/n``: no random draw, so a run repeats
  and a larger ``vol`` moves every point outward;
- Student-t with ``nu`` degrees of freedom (``nu > 2``), scaled to unit variance and then to
  the same ``sigma`` (``z_i`` the t quantiles times ``sqrt((nu - 2)/nu)``): fat tails at the
  same volatility;
- empirical: the moves of a sample, each weighing ``1/n`` (exactly the sample's moves, so a
  share of them is a share of the sample).

numpy is imported inside the functions that need it (the core's other modules never do).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liqcalc.core.book import Book

DAYS_PER_YEAR = 365
"""The year ``vol`` is annualized over (crypto trades every day)."""
QUANTILES = (("p95", 0.95), ("p99", 0.99))
"""The quantiles of the loss against the mark that ``expected`` reports."""


@dataclass(frozen=True)
class Distribution:
    """Moves of the mark over a horizon, in percent, and the probability of each.

    Attributes:
        model: ``lognormal``, ``student-t`` or ``empirical``.
        moves: each move in percent (``-3.2``: the mark 3.2% lower).
        weights: each move's probability (they sum to 1).
        sigma: the standard deviation of ``ln(1 + r)`` (a fraction: 0.0419 is 4.19%); for a
            sample, the sample's own.
        horizon_days: the horizon in days (None: a sample without one).
        vol: the annualized volatility in percent (None for a sample).
        nu: the Student-t degrees of freedom (None otherwise).
        horizon: the horizon as written (``8h``, ``2w``; None: none given, or not written).
    """

    model: str
    moves: tuple[float, ...]
    weights: tuple[float, ...]
    sigma: float
    horizon_days: float | None
    vol: float | None = None
    nu: float | None = None
    horizon: str | None = None

    @property
    def samples(self) -> int:
        """How many moves the sweep is evaluated at."""
        return len(self.moves)


def sigma_of(vol_percent: float, horizon_days: float) -> float:
    """``sigma = vol x sqrt(horizon / 365 days)``, as a fraction (``vol`` in percent)."""
    return vol_percent / 100.0 * math.sqrt(horizon_days / DAYS_PER_YEAR)


def normal_points(count: int) -> list[float]:
    """Standard normal quantiles at the midpoints of ``count`` equally likely slices."""
    unit = NormalDist()
    return [unit.inv_cdf((i + 0.5) / count) for i in range(count)]


def student_t_points(count: int, nu: float) -> list[float]:
    """Student-t quantiles (``nu`` degrees of freedom, scaled to unit variance) at the midpoints
    of ``count`` equally likely slices.

    With ``t = sqrt(nu) tan(theta)`` the t density becomes ``cos(theta)^(nu - 1)`` on
    ``(-pi/2, pi/2)``, bounded and smooth: its cumulative integral on a fine grid (trapezoids)
    gives the distribution function, inverted by interpolation."""
    import numpy as np

    theta = np.linspace(-math.pi / 2, math.pi / 2, 400_001)
    density = np.cos(theta) ** (nu - 1.0)
    density[0] = density[-1] = 0.0
    cdf = np.concatenate(([0.0], np.cumsum((density[1:] + density[:-1]) / 2.0)))
    cdf /= cdf[-1]
    probability = (np.arange(count) + 0.5) / count
    at = np.interp(probability, cdf, theta)
    t = math.sqrt(nu) * np.tan(at)
    scaled = t * math.sqrt((nu - 2.0) / nu)
    return [float(v) for v in scaled]


def parametric(vol_percent: float, horizon_days: float, count: int, nu: float | None = None, *,
               horizon: str | None = None) -> Distribution:
    """The log-normal move (or its Student-t twin) over ``horizon_days`` at ``vol_percent``
    annualized volatility, at ``count`` points (see the module)."""
    sigma = sigma_of(vol_percent, horizon_days)
    z = normal_points(count) if nu is None else student_t_points(count, nu)
    # to 1e-6 percent, so that a move reads short (+1.237639%); rounding keeps the order
    moves = tuple(round((math.exp(-sigma * sigma / 2.0 + sigma * value) - 1.0) * 100.0, 6) for value in z)
    return Distribution("lognormal" if nu is None else "student-t", moves, (1.0 / count,) * count, sigma, horizon_days,
                        vol=vol_percent, nu=nu, horizon=horizon)


def empirical(moves: Sequence[float], horizon_days: float | None, horizon: str | None = None) -> Distribution:
    """A sample of moves (percent), equally weighted; ``sigma`` is the sample's standard
    deviation of ``ln(1 + r)``."""
    logs = [math.log1p(m / 100.0) for m in moves]
    mean = sum(logs) / len(logs)
    sigma = math.sqrt(sum((v - mean) ** 2 for v in logs) / (len(logs) - 1)) if len(logs) > 1 else 0.0
    return Distribution("empirical", tuple(moves), (1.0 / len(moves),) * len(moves), sigma, horizon_days,
                        horizon=horizon)


def weighted_quantile(values: Any, weights: Any, level: float) -> float:
    """The smallest value whose cumulative weight reaches ``level`` (the inverted distribution
    function: with equal weights, the ``ceil(level x n)``-th smallest)."""
    import numpy as np

    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(np.asarray(weights)[order])
    k = int(np.searchsorted(cumulative, level - 1e-12, side="left"))
    return float(np.asarray(values)[order][min(k, len(order) - 1)])


@dataclass(frozen=True)
class Exposure:
    """What a distribution of moves does to your position, in expectation.

    Attributes:
        p_adl: the probability that the move deleverages you (part or all of your position).
        p_liquidated: the probability that the move liquidates your position itself.
        expected_adl_size: the size ADL is expected to close.
        expected_loss_vs_mark: the expected loss of closing at the ADL price against the mark.
        loss_vs_mark_quantiles: that loss at the 95th and 99th percentile (``p95``, ``p99``).
        expected_residual_exposure: what is expected to be left of your position net of the
            hedge, signed (+ long, - short).
        reached: per move, whether it deleverages you.
    """

    p_adl: float
    p_liquidated: float
    expected_adl_size: float
    expected_loss_vs_mark: float
    loss_vs_mark_quantiles: dict[str, float]
    expected_residual_exposure: float
    reached: tuple[bool, ...]


def expected(distribution: Distribution, adl: Any, liquidated: Any, loss: Any, *, side: int, size: float,
             hedge: float) -> Exposure:
    """The expectation over ``distribution`` of a sweep evaluated at its moves (in order): per
    move, your ADL size, whether you are liquidated, and your loss against the mark (arrays,
    as :class:`liqcalc.core.book.Sweep` holds them for one policy)."""
    import numpy as np

    weights = np.asarray(distribution.weights)
    liquidated = np.asarray(liquidated, dtype=bool)
    closed = np.where(liquidated, 0.0, adl)
    reached = closed > 0
    loss = np.where(reached, loss, 0.0)
    remaining = np.where(liquidated, 0.0, size - closed)
    residual = side * (remaining - hedge)
    equal = bool((weights == weights[0]).all())

    def chance(mask: Any) -> float:
        # equal weights: the share counted, k / n, exactly (not a float sum of k weights)
        return int(mask.sum()) / mask.size if equal else float(weights[mask].sum())

    return Exposure(
        p_adl=chance(reached),
        p_liquidated=chance(liquidated),
        expected_adl_size=float((weights * closed).sum()),
        expected_loss_vs_mark=float((weights * loss).sum()),
        loss_vs_mark_quantiles={name: weighted_quantile(loss, weights, level) for name, level in QUANTILES},
        expected_residual_exposure=float((weights * residual).sum()),
        reached=tuple(bool(r) for r in reached),
    )


@dataclass(frozen=True)
class YourSweep:
    """Your outcome at each move of a sweep, for one allocation policy (arrays, one value per move)."""

    adl_size: Any
    adl_price: Any
    loss_vs_mark: Any
    liquidated: Any
    liquidated_notional: Any
    """The notional the move liquidates (at the fills)."""
    fund_paid: Any
    """What the fund pays of the shortfall."""


def your_sweep(book: Book, moves: Any, policy: str) -> YourSweep:
    """:meth:`liqcalc.core.book.Book.sweep`'s figures of your position at ``moves``, the full
    sweep run only at the moves whose liquidations leave something to ADL: at the others
    (most of a distribution's moves, with a fund) nobody is deleveraged, and only whether your
    own position is liquidated is read from the cascade."""
    import numpy as np

    values = np.asarray(moves, dtype=np.float64)
    handed = np.zeros(values.size, dtype=bool)
    liquidated = np.zeros(values.size, dtype=bool)
    notional, paid = np.zeros(values.size), np.zeros(values.size)
    size = book.priced.cols.size
    for i, move in enumerate(values):
        _, hit, x = book._liquidate(float(move))
        handed[i] = float(x["adl_size"].sum()) > 0
        liquidated[i] = book.you is not None and bool((hit == book.you).any())
        notional[i] = float((size[hit] * x["fill"]).sum())
        paid[i] = float(x["fund_paid"].sum())
    adl, loss = np.zeros(values.size), np.zeros(values.size)
    price = np.full(values.size, np.nan)
    at = np.flatnonzero(handed)
    if at.size:
        sweep = book.sweep(values[at])
        adl[at], price[at] = sweep.you_adl_size[policy], sweep.you_adl_price[policy]
        loss[at], liquidated[at] = sweep.you_loss_vs_mark[policy], sweep.you_liquidated
        notional[at], paid[at] = sweep.liquidated_notional, sweep.fund_paid
    return YourSweep(adl, price, loss, liquidated, notional, paid)


def with_fund(book: Book, fund: float | None) -> Book:
    """The same priced book with another insurance fund (its crossing order and queue
    sorts are shared, not recomputed)."""
    import copy

    other = copy.copy(book)
    other.insurance_fund = fund
    return other


def fund_needed(book: Book, shocks: Sequence[float], funds: Sequence[float], policy: str) -> float | None:
    """The smallest of ``funds`` (ascending) at which none of ``shocks`` deleverages you, or
    None when even the largest does not suffice. A larger fund leaves ADL less at every
    liquidation (the fund's running balance is larger at each step), so the first fund that
    suffices is found by bisection."""
    import numpy as np

    values = np.asarray(list(shocks), dtype=np.float64)

    def safe(fund: float) -> bool:
        yours = your_sweep(with_fund(book, fund), values, policy)
        closed = np.where(yours.liquidated, 0.0, yours.adl_size)
        return not bool((closed > 0).any())

    low, high = 0, len(funds) - 1
    if not funds or not safe(funds[high]):
        return None
    while low < high:
        middle = (low + high) // 2
        if safe(funds[middle]):
            high = middle
        else:
            low = middle + 1
    return funds[low]
