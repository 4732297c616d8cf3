"""The distributions of ``liqcalc.core.exposure``: where they put their points, and the
expectation over them."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from liqcalc.core.exposure import (
    empirical,
    expected,
    normal_points,
    parametric,
    sigma_of,
    student_t_points,
    weighted_quantile,
)


def test_sigma_is_vol_times_the_square_root_of_the_horizon_in_years() -> None:
    assert sigma_of(80, 1) == pytest.approx(0.8 / math.sqrt(365))
    assert sigma_of(80, 365) == pytest.approx(0.8)
    assert sigma_of(60, 1 / 3) == pytest.approx(0.6 * math.sqrt(1 / 3 / 365))


def test_lognormal_points_have_the_stated_mean_and_sigma_of_log_returns() -> None:
    d = parametric(80, 7, 2000)
    logs = [math.log1p(m / 100) for m in d.moves]
    assert d.model == "lognormal" and d.samples == 2000 and sum(d.weights) == pytest.approx(1)
    assert statistics.fmean(logs) == pytest.approx(-d.sigma**2 / 2, abs=1e-6)
    assert statistics.pstdev(logs) == pytest.approx(d.sigma, rel=2e-3)
    assert list(d.moves) == sorted(d.moves)


@pytest.mark.parametrize(("nu", "quantile_975"), [(3, 3.182446305), (5, 2.570581836), (30, 2.042272456)])
def test_student_t_points_are_the_t_quantiles_scaled_to_unit_variance(nu: float, quantile_975: float) -> None:
    # 20 slices: the last midpoint is the 0.975 quantile; the table values are the t quantiles
    points = student_t_points(20, nu)
    assert points[-1] / math.sqrt((nu - 2) / nu) == pytest.approx(quantile_975, rel=1e-6)
    assert points[0] == pytest.approx(-points[-1])


def test_normal_points_are_the_normal_quantiles() -> None:
    assert normal_points(20)[-1] == pytest.approx(1.959963985, rel=1e-9)


def test_a_wider_vol_moves_every_point_of_the_far_tails_outward() -> None:
    low, high = parametric(40, 1, 500), parametric(80, 1, 500)
    assert all(h <= lo for h, lo in zip(high.moves[:100], low.moves[:100], strict=True))
    assert all(h >= lo for h, lo in zip(high.moves[-100:], low.moves[-100:], strict=True))


def test_empirical_weighs_each_move_equally() -> None:
    d = empirical([-3.5, 2.0, 8.0], 1.0)
    assert d.weights == (1 / 3,) * 3 and d.moves == (-3.5, 2.0, 8.0) and d.horizon_days == 1.0


def test_weighted_quantile_is_the_inverted_distribution_function() -> None:
    values = np.arange(1.0, 101.0)
    weights = np.full(100, 0.01)
    assert weighted_quantile(values, weights, 0.99) == 99
    assert weighted_quantile(values, weights, 0.95) == 95
    assert weighted_quantile(np.array([5.0, 1.0]), np.array([0.5, 0.5]), 0.99) == 5


def test_expected_counts_the_share_of_moves_exactly() -> None:
    d = empirical([-10.0, -1.0, 1.0, 10.0, 20.0, 30.0, 40.0], None)
    adl = np.array([0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 0.0])
    liquidated = np.array([True, False, False, False, False, False, False])
    loss = np.array([0.0, 0.0, 0.0, 10.0, 30.0, 50.0, 0.0])
    e = expected(d, adl, liquidated, loss, side=1, size=1.0, hedge=0.25)
    assert e.p_adl == 3 / 7 and e.p_liquidated == 1 / 7
    assert e.expected_adl_size == pytest.approx(2.5 / 7)
    assert e.expected_loss_vs_mark == pytest.approx(90 / 7)
    # left: liquidated 0, else 1 - adl; net of the 0.25 hedge
    left = [0.0, 1.0, 1.0, 0.5, 0.0, 0.0, 1.0]
    assert e.expected_residual_exposure == pytest.approx(sum(x - 0.25 for x in left) / 7)
    assert e.loss_vs_mark_quantiles == {"p95": 50.0, "p99": 50.0}
