"""lrcore.slices: the one-parameter slices against closed forms, brute force
and a naive one-parameter loop; the regime labels against the simulation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcore
from lrcore import losses, slices
from conftest import DATASETS


def naive_slice_run(data, loss, param, held, start, lr, steps):
    fn = losses.get(loss)
    p, out = start, [start]
    for t in range(steps):
        w, b = (p, held) if param == "w" else (held, p)
        slope = fn.derivative(w * data.x + b - data.y)
        grad = np.mean(slope * data.x) if param == "w" else np.mean(slope)
        p = p - (lr(t) if callable(lr) else lr) * grad
        out.append(p)
    return np.array(out)


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("param", ["w", "b"])
def test_mse_slice_is_the_parabola_through_the_loss(name, param):
    data = DATASETS[name]()
    s = slices.along(data, param, held=0.7)
    p = s.minimizer + np.array([-1.0, 0.0, 1.0])
    values = s.value(data, p)
    # a parabola through three points: its vertex and its second derivative
    second = values[0] - 2 * values[1] + values[2]
    assert second == pytest.approx(s.curvature, rel=1e-6)
    assert values[1] <= values.min() + 1e-9 * max(1.0, values.max())
    assert s.grad(data, s.minimizer) == pytest.approx(0.0, abs=1e-7 * s.curvature * (1 + abs(s.minimizer)))
    assert s.curvature == pytest.approx(lrcore.theory.slice_curvature(data, param))
    assert s.min_loss == pytest.approx(float(s.value(data, s.minimizer)))


def test_mae_slice_minimizer_is_the_median_along_b_and_a_weighted_median_along_w():
    data = lrcore.make_data(n=41, outliers=0.1, seed=5)
    s = slices.along(data, "b", held=1.5, loss="mae")
    assert s.min_loss == pytest.approx(np.mean(np.abs(1.5 * data.x + np.median(data.y - 1.5 * data.x) - data.y)))
    s = slices.along(data, "w", held=0.3, loss="mae")
    candidates = (data.y - 0.3) / data.x  # the exact minimum sits at one of the points' own best w
    best = min(float(s.value(data, c)) for c in candidates)
    assert s.min_loss == pytest.approx(best, rel=1e-9)
    assert s.curvature == 0.0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-5, 5), st.floats(-1e3, 1e3)), min_size=2, max_size=30).filter(
           lambda points: len({x for x, _ in points}) > 1),
       st.sampled_from(["w", "b"]), st.floats(-50, 50))
def test_mae_slice_minimum_is_no_higher_than_at_any_point_s_own_best(points, param, held):
    """Points at x = 0 (no pull on w), ties and repeated points included."""
    data = lrcore.Dataset([float(x) for x, _ in points], [y for _, y in points])
    s = slices.along(data, param, held=held, loss="mae")
    usable = data.x != 0
    candidates = data.y - held * data.x if param == "b" else (data.y[usable] - held) / data.x[usable]
    best = min(float(s.value(data, c)) for c in candidates)
    assert s.min_loss <= best + 1e-12 * max(1.0, best)


def test_huber_slice_minimizer_has_zero_slope_and_local_curvature():
    data = lrcore.make_data(n=60, noise=2.0, seed=6)
    s = slices.along(data, "b", held=2.0, loss="huber")
    assert abs(float(s.grad(data, s.minimizer))) < 1e-9
    inside = np.abs(2.0 * data.x + s.minimizer - data.y) <= 1.0
    assert s.curvature == pytest.approx(inside.mean())


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("param", ["w", "b"])
def test_run_slice_moves_one_parameter_as_a_naive_loop_does(loss, param):
    data = lrcore.make_data(n=30, seed=7)
    lrs = [0.002, lrcore.schedules.exponential_decay(0.01, 1, 0.95)]
    traj = slices.run_slice(data, lrs, param=param, held=0.4, start=-3.0, steps=40, loss=loss)
    moving, held = (traj.w, traj.b) if param == "w" else (traj.b, traj.w)
    assert (held == 0.4).all()
    for k, lr in enumerate(lrs):
        np.testing.assert_allclose(moving[k], naive_slice_run(data, loss, param, 0.4, -3.0, lr, 40), rtol=1e-10)


@pytest.mark.parametrize("name", ["default", "negative-x", "x-near-1000-standardized"])
@pytest.mark.parametrize("param", ["w", "b"])
def test_regimes_match_the_simulation(name, param):
    data = DATASETS[name]()
    s = slices.along(data, param, held=0.5)
    one = s.lr_one_step
    expected = {0.5: "monotone", 1.0: "one step", 1.5: "oscillating but converging",
                1.99: "oscillating but converging", 2.01: "diverging"}
    for multiple, label in expected.items():
        assert slices.regime(s, multiple * one).name == label
    start = s.minimizer + 3.0
    # one step at 1/L'' lands on the minimum
    traj = slices.run_slice(data, one, param=param, held=0.5, start=start, steps=1)
    moving = traj.w if param == "w" else traj.b
    assert moving[0, 1] == pytest.approx(s.minimizer, abs=1e-9 * max(1.0, abs(s.minimizer)))
    traj = slices.run_slice(data, [m * one for m in (0.5, 1.5, 1.99, 2.01)], param=param, held=0.5,
                            start=start, steps=3000)
    moving = traj.w if param == "w" else traj.b
    gap = moving - s.minimizer
    assert (np.diff(gap[0][:20]) < 0).all() and (gap[0][:20] > 0).all()  # monotone: one side, shrinking
    assert np.sign(gap[1][1]) == -1 and abs(gap[1][1]) < abs(gap[1][0])  # jumps across, lands closer
    assert traj.diverged_at[2] == -1 and abs(gap[2][1000]) < abs(gap[2][0])
    assert traj.diverged_at[3] > 0  # 2.01: diverges
    assert slices.regime(s, 2 * one).name == "stuck bouncing"


def test_mae_at_a_constant_rate_keeps_bouncing_and_decay_settles():
    data = lrcore.make_data(n=50, seed=8)
    s = slices.along(data, "b", held=2.0, loss="mae")
    assert slices.regime(s, 0.3).name == "stuck bouncing"
    decayed = lrcore.schedules.exponential_decay(0.3, 1, 0.97)
    traj = slices.run_slice(data, [0.3, decayed], param="b", held=2.0, start=-5.0, steps=400, loss="mae")
    late = np.abs(traj.b[:, -80:] - s.minimizer).max(axis=1)
    assert late[0] > 10 * late[1]  # the constant rate still bounces; the decayed one settled


def test_bad_arguments():
    data = lrcore.make_data(n=10)
    with pytest.raises(ValueError, match="param"):
        slices.along(data, "x", 0.0)
    with pytest.raises(ValueError, match="held"):
        slices.along(data, "w", float("nan"))
    with pytest.raises(ValueError, match="start"):
        slices.run_slice(data, 0.1, param="w", held=0.0, start="a", steps=3)
    with pytest.raises(ValueError, match="lr"):
        slices.regime(slices.along(data, "b", 0.0), -1.0)
