"""lrcore.losses against numbers we can trust: the definitions written out per
sample, central differences, np.linalg.lstsq, and a brute-force LAD fit."""

import contextlib
import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrcore
from lrcore import losses
from lrcore.data import Dataset, make_data, standardize

DATASETS = {
    "default": lambda: make_data(seed=0),
    "steep-noisy": lambda: make_data(n=200, w=-3.0, b=5.0, noise=4.0, seed=1),
    "negative-x": lambda: make_data(n=30, x_min=-5.0, x_max=2.0, seed=2),
    "x-near-1000": lambda: make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3),
    "x-near-1000-standardized": lambda: standardize(make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3)),
    "outliers": lambda: make_data(n=100, outliers=0.1, seed=4),
}

LOSSES = [("mse", {}), ("mae", {}), ("huber", {"delta": 1.0}), ("huber", {"delta": 0.3})]
LOSS_IDS = ["mse", "mae", "huber-1", "huber-0.3"]


@pytest.fixture(params=sorted(DATASETS))
def data(request):
    return DATASETS[request.param]()


@pytest.fixture(params=LOSSES, ids=LOSS_IDS)
def loss(request):
    name, params = request.param
    return losses.get(name, **params)


def per_sample(loss, data, w, b):
    """(value, gw, gb) the obvious way, from the definitions: an (points, n)
    table of residuals r = w*x + b - y, then means over samples."""
    w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
    r = w.reshape(-1, 1) * data.x + b.reshape(-1, 1) - data.y
    if loss.name == "mse":
        rho, slope = r**2, 2 * r
    elif loss.name == "mae":
        rho, slope = np.abs(r), np.sign(r)
    else:
        delta = loss.params["delta"]
        rho = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
        slope = np.clip(r, -delta, delta)
    shape = w.shape
    return (
        rho.mean(axis=1).reshape(shape),
        (slope * data.x).mean(axis=1).reshape(shape),
        slope.mean(axis=1).reshape(shape),
    )


def random_points(data, rng, count, spread=2.0):
    """Points around the least-squares line: slopes off by up to a few
    std_y/std_x, intercepts moved with them so the residuals stay moderate."""
    m = data.moments
    w0, b0 = losses.MSE().minimizer(data)
    u = spread * np.sqrt(m.var_y / m.var_x) * rng.standard_normal(count)
    v = spread * np.sqrt(m.var_y) * rng.standard_normal(count)
    return w0 + u, b0 - u * m.mean_x + v


@contextlib.contextmanager
def patched(**settings):
    """Set module constants of lrcore.losses for the block (no fixture, so
    that hypothesis tests can use it too)."""
    saved = {name: getattr(losses, name) for name in settings}
    for name, value in settings.items():
        setattr(losses, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(losses, name, value)


def binned_path():
    """The cost model picks the binned (sorted-grid) path for any grid, and the
    samples are read in slices of 64: small data, cheap to check per sample,
    exercise all of it."""
    return patched(_DIRECT_ALWAYS=0, _DIRECT_NS=1e12, _SAMPLE_SLICE=64)


def assert_matches(loss, data, w, b, rtol=1e-9):
    """value, grad and value_and_grad at (w, b) against the per-sample table."""
    value, gw, gb = per_sample(loss, data, w, b)
    got_value = loss.value(data, w, b)
    got_gw, got_gb = loss.grad(data, w, b)
    both = loss.value_and_grad(data, w, b)
    np.testing.assert_allclose(got_value, value, rtol=rtol, atol=1e-13 * (1 + np.abs(value).max()))
    # gradients: relative to the largest in the batch (one near 0 has no digits to compare)
    np.testing.assert_allclose(got_gw, gw, rtol=rtol, atol=rtol * np.abs(gw).max() + 1e-300)
    np.testing.assert_allclose(got_gb, gb, rtol=rtol, atol=rtol * np.abs(gb).max() + 1e-300)
    for one_pass, separate in zip(both, (got_value, got_gw, got_gb)):
        np.testing.assert_allclose(one_pass, separate, rtol=1e-13, atol=1e-300)


# --- values and gradients against the per-sample definitions ----------------------


def test_random_points_match_the_definitions(loss, data):
    w, b = random_points(data, np.random.default_rng(10), 40)
    assert_matches(loss, data, w, b)


def test_direct_grid_matches_the_definitions(loss, data):
    w0, b0 = losses.MSE().minimizer(data)
    ww, bb = np.meshgrid(w0 + np.linspace(-1.5, 1.5, 13), b0 + np.linspace(-8.0, 8.0, 11))
    assert_matches(loss, data, ww, bb)
    with patched(_CHUNK_PAIRS=3 * data.n):  # chunks of 3 points, the last one short
        assert_matches(loss, data, ww, bb)


@pytest.mark.parametrize("name, params", LOSSES[1:], ids=LOSS_IDS[1:])
def test_binned_grid_matches_the_definitions(name, params, data):
    loss = losses.get(name, **params)
    m = data.moments
    w0, b0 = losses.MSE().minimizer(data)
    slopes = w0 + np.sqrt(m.var_y / m.var_x) * np.linspace(-2.0, 2.0, 17)
    ww, bb = np.meshgrid(slopes, np.linspace(-3.0, 3.0, 23))
    bb = bb * np.sqrt(m.var_y) + b0 - (ww - w0) * m.mean_x  # follow the valley when x is far from 0
    with binned_path():
        assert losses._slope_groups(ww.ravel(), bb.ravel(), data.n) is not None
        assert_matches(loss, data, ww, bb)


@pytest.mark.parametrize("name, params", [("mae", {}), ("huber", {"delta": 0.05}), ("huber", {"delta": 7.0})])
def test_binned_grid_far_from_the_data(name, params):
    """Intercepts far beyond the residuals (every sample on one side) and a
    wide slope range: the centered sums must keep their digits."""
    loss = losses.get(name, **params)
    data = make_data(n=300, x_min=1000.0, x_max=1010.0, noise=0.5, seed=21)
    ww, bb = np.meshgrid(np.linspace(-10.0, 10.0, 9), np.linspace(-3e4, 3e4, 31))
    with binned_path():
        assert_matches(loss, data, ww, bb)


def test_binned_huber_keeps_digits_when_delta_is_tiny_next_to_the_spread():
    """Two clusters 1e6 apart, the quadratic window on the far one: a plain
    prefix sum of e**2 would lose ~1e-8 of the value here."""
    rng = np.random.default_rng(22)
    x = rng.uniform(0.0, 1.0, 2000)
    y = np.where(np.arange(2000) < 1000, 0.0, 1e6) + rng.normal(0.0, 0.05, 2000)
    data = Dataset(x, y)
    loss = losses.Huber(delta=0.01)
    ww, bb = np.meshgrid(np.linspace(-0.1, 0.1, 5), 1e6 + np.linspace(-0.2, 0.2, 41))
    with binned_path():
        assert_matches(loss, data, ww, bb, rtol=1e-10)


@pytest.mark.parametrize("name, params", [("mae", {}), ("huber", {"delta": 0.5})])
def test_binned_grid_with_clustered_intercepts(name, params):
    """Intercepts bunched within 1e-6 plus one far away: too many per lattice
    cell, so the bins come from np.searchsorted instead."""
    loss = losses.get(name, **params)
    data = make_data(n=500, seed=26)
    intercepts = np.concatenate((1.0 + np.linspace(0.0, 1e-6, 20), [1e3]))
    assert losses._lattice(np.unique(intercepts)) is None
    ww, bb = np.meshgrid(np.linspace(1.0, 3.0, 6), intercepts)
    with binned_path():
        assert_matches(loss, data, ww, bb)


def test_binned_path_is_chosen_for_a_real_grid_and_matches():
    data = make_data(n=40_000, outliers=0.05, seed=23)
    ww, bb = np.meshgrid(np.linspace(-2.0, 6.0, 40), np.linspace(-5.0, 7.0, 40))
    assert losses._slope_groups(ww.ravel(), bb.ravel(), data.n) is not None
    picks = np.random.default_rng(24).choice(ww.size, size=25, replace=False)
    for loss in (losses.get("mae"), losses.get("huber")):
        value = loss.value(data, ww, bb).ravel()[picks]
        gw, gb = (g.ravel()[picks] for g in loss.grad(data, ww, bb))
        ref_value, ref_gw, ref_gb = per_sample(loss, data, ww.ravel()[picks], bb.ravel()[picks])
        np.testing.assert_allclose(value, ref_value, rtol=1e-9)
        np.testing.assert_allclose(gw, ref_gw, rtol=1e-9, atol=1e-9 * np.abs(ref_gw).max())
        np.testing.assert_allclose(gb, ref_gb, rtol=1e-9, atol=1e-9 * np.abs(ref_gb).max())


@pytest.mark.parametrize("far_intercept", [False, True], ids=["lattice", "searchsorted"])
def test_mae_ties_give_sign_zero_on_both_paths(far_intercept):
    """Integer data and an integer grid put samples exactly on the line:
    sign(0) = 0 there, in the binned path as in the direct one. A far
    intercept crowds the others into one lattice cell (np.searchsorted then)."""
    rng = np.random.default_rng(25)
    data = Dataset(rng.integers(0, 12, 400).astype(float), rng.integers(-5, 30, 400).astype(float))
    intercepts = np.arange(-6.0, 31.0)
    if far_intercept:
        intercepts = np.append(intercepts, 1e6)
        assert losses._lattice(intercepts) is None
    ww, bb = np.meshgrid(np.arange(-3.0, 4.0, 0.5), intercepts)
    r = ww.reshape(-1, 1) * data.x + bb.reshape(-1, 1) - data.y
    assert (r == 0).any(axis=1).mean() > 0.5  # the ties are really there
    mae = losses.get("mae")
    direct = mae.value_and_grad(data, ww, bb)
    with binned_path():
        binned = mae.value_and_grad(data, ww, bb)
    for fast, slow, exact in zip(binned, direct, per_sample(mae, data, ww, bb)):
        np.testing.assert_allclose(fast, exact, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(slow, exact, rtol=1e-12, atol=1e-12)


def test_gradient_matches_central_differences(loss, data):
    """Central differences are exact (to rounding) for a loss that is
    quadratic or linear along the step: so the points are kept only where no
    residual crosses a kink of MAE (r = 0) or Huber's |r| = delta within a step."""
    m = data.moments
    h_w = 1e-6 * np.sqrt(m.var_y / m.var_x)
    h_b = 1e-6 * np.sqrt(m.var_y)
    rng = np.random.default_rng(11)
    checked = 0
    for w, b in zip(*random_points(data, rng, 60)):
        r = w * data.x + b - data.y
        reach = h_w * np.abs(data.x) + h_b
        kinks = [0.0] if loss.name == "mae" else [] if loss.name == "mse" else [loss.params["delta"]]
        if any(np.any(np.abs(np.abs(r) - k) <= 2 * reach) for k in kinks):
            continue
        gw, gb = loss.grad(data, w, b)
        value = float(loss.value(data, w, b))
        fd_w = (float(loss.value(data, w + h_w, b)) - float(loss.value(data, w - h_w, b))) / (2 * h_w)
        fd_b = (float(loss.value(data, w, b + h_b)) - float(loss.value(data, w, b - h_b))) / (2 * h_b)
        assert fd_w == pytest.approx(float(gw), rel=1e-6, abs=1e-12 * value / h_w)
        assert fd_b == pytest.approx(float(gb), rel=1e-6, abs=1e-12 * value / h_b)
        checked += 1
    assert checked >= 30


def test_pointwise_and_derivative_by_hand():
    r = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_array_equal(losses.MSE().pointwise(r), r**2)
    np.testing.assert_array_equal(losses.MSE().derivative(r), 2 * r)
    np.testing.assert_array_equal(losses.MAE().pointwise(r), np.abs(r))
    np.testing.assert_array_equal(losses.MAE().derivative(r), [-1, -1, -1, 0, 1, 1, 1])
    huber = losses.Huber(delta=1.0)
    np.testing.assert_array_equal(huber.pointwise(r), [2.5, 0.5, 0.125, 0.0, 0.125, 0.5, 2.5])
    np.testing.assert_array_equal(huber.derivative(r), [-1, -1, -0.5, 0, 0.5, 1, 1])
    assert huber.pointwise(np.ones((2, 3))).shape == (2, 3)


# --- Huber's limits -----------------------------------------------------------------


def test_huber_with_a_huge_delta_is_half_the_mse(data):
    w, b = random_points(data, np.random.default_rng(12), 30)
    huber, mse = losses.Huber(delta=1e9), losses.MSE()
    np.testing.assert_allclose(huber.value(data, w, b), 0.5 * mse.value(data, w, b), rtol=1e-9)
    for g_huber, g_mse in zip(huber.grad(data, w, b), mse.grad(data, w, b)):
        np.testing.assert_allclose(g_huber, 0.5 * g_mse, rtol=1e-9, atol=1e-9 * np.abs(g_mse).max())


@pytest.mark.parametrize("delta", [1e-3, 1e-6])
def test_huber_with_a_tiny_delta_is_delta_times_mae(data, delta):
    """rho(r)/delta differs from |r| by at most delta/2, and its derivative
    equals sign(r) wherever |r| > delta."""
    w, b = random_points(data, np.random.default_rng(13), 30)
    huber, mae = losses.Huber(delta=delta), losses.MAE()
    mae_value = mae.value(data, w, b)
    gap = huber.value(data, w, b) / delta - mae_value
    assert np.all(np.abs(gap) <= delta / 2 + 1e-12 * mae_value)
    outside = np.array([np.all(np.abs(wk * data.x + bk - data.y) > delta) for wk, bk in zip(w, b)])
    assert outside.sum() >= 20
    for g_huber, g_mae in zip(huber.grad(data, w[outside], b[outside]), mae.grad(data, w[outside], b[outside])):
        np.testing.assert_allclose(g_huber / delta, g_mae, rtol=1e-9, atol=1e-12 * np.abs(g_mae).max())


# --- minimisers -------------------------------------------------------------------


def lstsq_line(data):
    design = np.column_stack([data.x, np.ones_like(data.x)])
    (w, b), *_ = np.linalg.lstsq(design, data.y, rcond=None)
    return float(w), float(b)


def test_mse_minimizer_is_least_squares(data):
    w_ref, b_ref = lstsq_line(data)
    for w, b in (losses.get("mse").minimizer(data), losses.mse_minimizer(data)):
        assert isinstance(w, float) and isinstance(b, float)
        assert w == pytest.approx(w_ref, rel=1e-10)
        # b = mean_y - w*mean_x carries w's error times mean_x (x near 1000)
        assert b == pytest.approx(b_ref, rel=1e-10, abs=1e-10 * abs(w_ref * data.moments.mean_x))
    assert losses.mse_floor(data) == pytest.approx(float(np.mean((w_ref * data.x + b_ref - data.y) ** 2)), rel=1e-9)


def test_mse_hessian_is_twice_the_mean_outer_product_of_the_samples(data):
    design = np.column_stack([data.x, np.ones_like(data.x)])
    from_samples = 2.0 * design.T @ design / data.n
    hessian = losses.mse_hessian(data)
    assert hessian.shape == (2, 2)
    np.testing.assert_allclose(hessian, from_samples, rtol=1e-12, atol=1e-12 * np.abs(from_samples).max())


def test_the_engine_reads_each_mse_formula_from_one_place(data):
    """Descent, theory and slices give the least-squares line, the least loss
    and the curvature of losses.mse_minimizer, mse_floor and mse_hessian, to the bit."""
    from lrcore import descent, slices, theory

    line, floor, hessian = losses.mse_minimizer(data), losses.mse_floor(data), losses.mse_hessian(data)
    c = theory.curvature(data)
    assert c.minimizer == line and c.min_loss == floor
    np.testing.assert_array_equal(c.hessian, hessian)
    assert losses.MSE().value(data, *line) == floor
    assert descent.run(data, 0.0, steps=1, start=line).loss[0].tolist() == [floor, floor]
    assert theory.slice_curvature(data, "w") == hessian[0, 0] == slices.along(data, "w", line[1]).curvature
    assert theory.slice_curvature(data, "b") == hessian[1, 1] == slices.along(data, "b", line[0]).curvature


def test_mse_floor_of_huge_values_is_finite_where_the_covariance_squared_overflows():
    """cov(x, y)**2 overflows float64 here while the floor, at most var(y), is
    finite: the curvature of such an upload must still be computed."""
    data = lrcore.Dataset([-5.6e16, 1.7e16, -1e6, 0.0], [-1e150, 5.8e5, -3e4, 7.5e4])
    m = data.moments
    with pytest.raises(OverflowError):
        m.cov_xy**2  # noqa: B018
    floor = losses.mse_floor(data)
    assert 0.0 <= floor <= m.var_y and np.isfinite(floor)
    assert lrcore.theory.curvature(data).min_loss == floor


def brute_force_lad(data):
    """The least mean |r| over every line through two data points (an LAD
    optimum always passes through two of them)."""
    i, j = np.triu_indices(data.n, 1)
    keep = data.x[i] != data.x[j]
    i, j = i[keep], j[keep]
    w = (data.y[j] - data.y[i]) / (data.x[j] - data.x[i])
    b = data.y[i] - w * data.x[i]
    return float(np.abs(w[:, None] * data.x + b[:, None] - data.y).mean(axis=1).min())


LAD_CASES = [
    dict(n=30, seed=30),
    dict(n=31, outliers=0.2, seed=31),
    dict(n=40, x_min=1000.0, x_max=1010.0, seed=32),
    dict(n=35, x_min=-5.0, x_max=2.0, noise=3.0, seed=33),
    dict(n=36, noise=0.0, outliers=0.1, seed=34),
    dict(n=33, w=-50.0, b=1e4, noise=20.0, seed=35),
    dict(n=38, noise=1e-3, outliers=0.3, seed=36),
]


@pytest.mark.parametrize("case", LAD_CASES, ids=lambda case: f"n{case['n']}-seed{case['seed']}")
def test_mae_minimizer_reaches_the_brute_force_optimum(case):
    data = make_data(**case)
    mae = losses.get("mae")
    w, b = mae.minimizer(data)
    best = brute_force_lad(data)
    found = float(mae.value(data, w, b))
    assert abs(found - best) <= 1e-9 * max(1.0, best)
    assert found >= best - 1e-12 * max(1.0, best)  # it cannot beat the true optimum


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6)), min_size=2, max_size=25).filter(
        lambda points: len({x for x, _ in points}) > 1),
    st.sampled_from([1e-3, 1.0, 1e3]),
)
def test_mae_minimizer_reaches_the_optimum_with_ties(points, unit):
    """Small integer grids: many points share a residual, and many lines tie
    for the optimum, which is where setting points aside as always below or
    above the median could go wrong."""
    data = Dataset([unit * x for x, _ in points], [unit * y for _, y in points])
    w, b = losses.MAE().minimizer(data)
    best = brute_force_lad(data)
    found = float(losses.MAE().value(data, w, b))
    assert abs(found - best) <= 1e-9 * max(unit, best)


def test_mae_minimizer_on_a_large_sample_matches_a_search_over_every_point():
    """At 200,000 points (where most are set aside early) the optimum's loss
    equals a golden-section search that partitions every point at every step."""
    data = make_data(n=200_000, noise=3.0, outliers=0.2, seed=41)
    x_s, y_c, std_x = losses._standardized(data)

    def profile(slope):
        e = np.sort(y_c - slope * x_s)
        return float(e[data.n // 2:].sum() - e[: data.n // 2].sum()) / data.n

    scale = float(np.std(data.y))
    left, right, best, f_best = losses._bracket(profile, data.moments.cov_xy / std_x, scale)
    reference = losses._golden_section(profile, left, right, best, f_best, scale) / std_x
    mae = losses.MAE()
    w, b = mae.minimizer(data)
    floor = float(mae.value(data, reference, float(np.median(data.y - reference * data.x))))
    assert float(mae.value(data, w, b)) == pytest.approx(floor, rel=1e-12)
    assert w == pytest.approx(reference, rel=1e-6)


def test_mae_minimizer_on_two_points_is_the_line_through_them():
    w, b = losses.MAE().minimizer(Dataset([1.0, 3.0], [2.0, -4.0]))
    assert (w, b) == (pytest.approx(-3.0, rel=1e-12), pytest.approx(5.0, rel=1e-12))


HUBER_CASES = ["default", "steep-noisy", "x-near-1000", "x-near-1000-standardized", "outliers"]


@pytest.mark.parametrize("delta", [0.1, 1.0, 5.0])
@pytest.mark.parametrize("name", HUBER_CASES)
def test_huber_minimizer_is_a_minimum(name, delta):
    data = DATASETS[name]()
    huber = losses.Huber(delta=delta)
    w, b = huber.minimizer(data)
    gw, gb = huber.grad(data, w, b)
    # the gradient is a mean of clip(r, -delta, delta) (times x): zero to rounding
    assert abs(float(gb)) <= 1e-9 * delta
    assert abs(float(gw)) <= 1e-9 * delta * np.mean(np.abs(data.x))
    best = float(huber.value(data, w, b))
    m = data.moments
    rng = np.random.default_rng(14)
    size = 10.0 ** rng.uniform(-8, -1, 400)
    du = size * np.sqrt(m.var_y / m.var_x) * rng.standard_normal(400)
    dv = size * np.sqrt(m.var_y) * rng.standard_normal(400)
    nearby = huber.value(data, w + du, b - du * m.mean_x + dv)  # along the valley too
    assert np.all(nearby >= best * (1 - 1e-13))
    for other in (losses.MSE().minimizer(data), losses.MAE().minimizer(data)):
        assert best <= float(huber.value(data, *other)) * (1 + 1e-13)


@pytest.mark.parametrize("delta", [1e-6, 1e3])
def test_huber_minimizer_at_the_extremes_of_delta(delta):
    """A huge delta gives the least-squares line; a tiny one a loss within
    delta/2 (relative to delta) of the LAD optimum."""
    data = make_data(n=60, outliers=0.1, seed=37)
    w, b = losses.Huber(delta=delta).minimizer(data)
    if delta > 1:
        w_ref, b_ref = lstsq_line(data)
        assert (w, b) == (pytest.approx(w_ref, rel=1e-9), pytest.approx(b_ref, rel=1e-9))
    else:
        lad = float(losses.MAE().value(data, *losses.MAE().minimizer(data)))
        found = float(losses.MAE().value(data, w, b))
        assert lad <= found <= lad + delta


# --- MSE from the moments only ------------------------------------------------------


def test_mse_never_reads_the_samples():
    data = make_data(n=1000, seed=15)
    ww, bb = np.meshgrid(np.linspace(-2.0, 6.0, 30), np.linspace(-5.0, 7.0, 20))
    expected = per_sample(losses.MSE(), data, ww, bb)
    object.__setattr__(data, "x", None)  # reading a sample now fails
    object.__setattr__(data, "y", None)
    mse = losses.MSE()
    got = (mse.value(data, ww, bb), *mse.grad(data, ww, bb))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9 * np.abs(e).max())
    assert mse.minimizer(data) == pytest.approx(lstsq_line(make_data(n=1000, seed=15)), rel=1e-10)


# --- shapes -------------------------------------------------------------------------


@pytest.mark.parametrize("name", losses.NAMES)
def test_broadcasting_shapes(name):
    data = make_data(n=20, seed=16)
    loss = losses.get(name)
    scalar = loss.value(data, 2.0, 1.0)
    assert np.ndim(scalar) == 0 and isinstance(float(scalar), float)
    assert all(np.ndim(g) == 0 for g in loss.grad(data, 2.0, 1.0))
    cases = [
        ((np.linspace(0, 4, 5), 1.0), (5,)),
        ((2.0, [0.0, 1.0, 2.0]), (3,)),
        (np.meshgrid(np.linspace(0, 4, 4), np.linspace(-1, 1, 3)), (3, 4)),
        ((np.linspace(0, 4, 3)[:, None], np.linspace(-1, 1, 4)), (3, 4)),
        ((np.zeros((2, 0)), 1.0), (2, 0)),
    ]
    for (w, b), shape in cases:
        value, gw, gb = loss.value_and_grad(data, w, b)
        assert value.shape == gw.shape == gb.shape == shape
        assert loss.value(data, w, b).shape == shape
        assert all(g.shape == shape for g in loss.grad(data, w, b))
        if value.size:
            np.testing.assert_allclose(value, per_sample(loss, data, w, b)[0], rtol=1e-12)
    with pytest.raises(ValueError, match="broadcast"):
        loss.value(data, [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="w must be real numbers, got 'steep'"):
        loss.value(data, "steep", 1.0)
    with pytest.raises(ValueError, match="Dataset"):
        loss.value((data.x, data.y), 1.0, 1.0)


# --- get and the loss objects ---------------------------------------------------------


R = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 2.0])
#: Each name's loss per residual as Keras and PyTorch define it, with their
#: default delta of 1.0 for Huber, at the residuals R.
BY_HAND = {
    "mse": [9.0, 1.0, 0.25, 0.0, 0.25, 4.0],
    "mae": [3.0, 1.0, 0.5, 0.0, 0.5, 2.0],
    "huber": [2.5, 0.5, 0.125, 0.0, 0.125, 1.5],  # 0.5*r**2 inside 1, |r| - 0.5 outside
}


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_every_name_is_the_frameworks_loss_with_its_defaults(name):
    assert losses.get(name).pointwise(R).tolist() == BY_HAND[name]
    assert losses.get(name.upper()).pointwise(R).tolist() == BY_HAND[name]
    assert losses.LOSSES[name].name == name


def test_each_loss_takes_exactly_its_params():
    for name, spec in losses.LOSSES.items():
        if "delta" in spec.params:
            assert losses.get(name, delta=2.0).pointwise([3.0]).tolist() == [4.0]  # 2*(3 - 1)
        else:
            with pytest.raises(ValueError, match="delta"):
                losses.get(name, delta=2.0)


def test_configured_passes_only_the_params_a_loss_takes():
    settings = {"delta": 2.0, "momentum": 0.9}
    assert losses.configured("mse", settings).pointwise([3.0]).tolist() == [9.0]
    assert losses.configured("MAE", settings).pointwise([3.0]).tolist() == [3.0]
    assert losses.configured("huber", settings).pointwise([3.0]).tolist() == [4.0]
    assert losses.configured("huber", {}).pointwise([3.0]).tolist() == [2.5]
    with pytest.raises(ValueError, match="delta must be a finite real number > 0, got '2'"):
        losses.configured("huber", {"delta": "2"})
    with pytest.raises(ValueError, match="loss must be one of 'mse', 'mae', 'huber', got 'hinge'"):
        losses.configured("hinge", settings)
    with pytest.raises(ValueError, match="settings"):
        losses.configured("mse", [("delta", 1.0)])


def test_get_names_params_and_identity():
    assert losses.get("mse") == losses.MSE() and losses.get("MAE") == losses.MAE()
    huber = losses.get("huber")
    assert huber.name == "huber" and huber.params == {"delta": 1.0}
    assert losses.get("huber", delta=2) == losses.Huber(2.0)
    assert hash(losses.get("huber", delta=2)) == hash(losses.Huber(delta=2.0))
    assert losses.Huber(1.0) != losses.Huber(2.0) and losses.MSE() != losses.MAE()
    assert len({losses.get("mse"), losses.MSE(), huber, losses.Huber()}) == 2
    assert losses.get(huber) is huber
    assert losses.get("mse").params == {} and losses.get("mae").name == "mae"
    huber.params["delta"] = 5.0  # a copy: the loss is unchanged
    assert huber.delta == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        huber.delta = 3.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        losses.MSE().name = "mae"


@pytest.mark.parametrize(
    "name, params, named",
    [
        ("hinge", {}, "hinge"),
        ("", {}, "''"),
        (None, {}, "None"),
        (3, {}, "3"),
        ("mse", {"delta": 1.0}, "delta"),
        ("huber", {"dleta": 1.0}, "dleta"),
        ("huber", {"delta": 0.0}, "delta"),
        ("huber", {"delta": -1.0}, "delta"),
        ("huber", {"delta": float("nan")}, "delta"),
        ("huber", {"delta": float("inf")}, "delta"),
        ("huber", {"delta": "1"}, "delta"),
        ("huber", {"delta": True}, "delta"),
        ("huber", {"delta": None}, "delta"),
    ],
)
def test_get_rejects_what_it_does_not_know(name, params, named):
    with pytest.raises(ValueError, match=named):
        losses.get(name, **params)


def test_get_rejects_params_with_a_loss_object():
    with pytest.raises(ValueError, match="delta"):
        losses.get(losses.Huber(), delta=2.0)


# --- no warning, whatever the (finite) input ------------------------------------------


@pytest.mark.parametrize("name", ["default", "x-near-1000-standardized"])
def test_huge_parameters_give_inf_not_warnings(name):
    data = DATASETS[name]()
    w = np.array([1e300, -1e300, 1.7e308, 1e-300, 0.0, 1.7e308])
    b = np.array([0.0, 1e300, -1.7e308, 1e300, -1.7e308, 1.7e308])
    for loss in (losses.MSE(), losses.MAE(), losses.Huber(), losses.Huber(delta=1e300)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, gw, gb = loss.value_and_grad(data, w, b)
            ww, bb = np.meshgrid(w, b)
            with binned_path():
                grid = loss.value_and_grad(data, ww, bb)
        assert not np.isnan(value).any() and (value > 1e200).all()
        assert not np.isnan(grid[0]).any() and (grid[0] >= 0).all()
        if loss.name != "mse":  # bounded derivatives: finite gradients
            assert np.isfinite(gw).all() and np.isfinite(gb).all()
            assert np.isfinite(grid[1]).all() and np.isfinite(grid[2]).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 2000),
    noise=st.floats(0.0, 5.0),
    x_low=st.floats(-1000.0, 1000.0),
    x_width=st.floats(0.01, 200.0),
    name=st.sampled_from(losses.NAMES),
    delta=st.floats(0.01, 100.0),
    ws=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=6),
    bs=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=6),
    binned=st.booleans(),
)
def test_values_are_finite_nonnegative_and_quiet(seed, n, noise, x_low, x_width, name, delta, ws, bs, binned):
    data = make_data(n=n, noise=noise, x_min=x_low, x_max=x_low + x_width, seed=seed, outliers=0.05)
    loss = losses.get(name, **({"delta": delta} if name == "huber" else {}))
    ww, bb = np.meshgrid(ws, bs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with binned_path() if binned else contextlib.nullcontext():
            value, gw, gb = loss.value_and_grad(data, ww, bb)
    assert np.isfinite(value).all() and (value >= 0).all()
    assert np.isfinite(gw).all() and np.isfinite(gb).all()
    expected = per_sample(loss, data, ww, bb)[0]
    np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-12 * (1 + expected.max()))
