"""lrcore.run against numbers we can trust: lstsq, the theory's thresholds,
and a naive per-sample loop written for the test."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lrcore
from lrcore import DataError, losses, theory
from lrcore.descent import DIVERGENCE_FACTOR
from conftest import DATASETS, lstsq_line


def naive_run(data, rates, steps, loss="mse", start=(0.0, 0.0), batch_size=None, seed=0):
    """Plain gradient descent the obvious way: one run, numpy over samples,
    batches drawn as the contract says. Returns (w, b, loss) lists."""
    fn = losses.get(loss)
    x, y = data.x, data.y
    w, b = start
    ws, bs, ls = [], [], []
    rng = np.random.default_rng(seed)
    order = None
    for t in range(steps + 1):
        ws.append(w)
        bs.append(b)
        ls.append(float(np.mean(fn.pointwise(w * x + b - y))))
        if t == steps:
            break
        if batch_size is None:
            idx = np.arange(data.n)
        else:
            per_epoch = math.ceil(data.n / batch_size)
            epoch, j = divmod(t, per_epoch)
            if j == 0:
                order = rng.permutation(data.n)
            idx = order[j * batch_size:(j + 1) * batch_size]
        slope = fn.derivative(w * x[idx] + b - y[idx])
        gw, gb = np.mean(slope * x[idx]), np.mean(slope)
        lr = rates(t) if callable(rates) else rates
        w, b = w - lr * gw, b - lr * gb
    return np.array(ws), np.array(bs), np.array(ls)


def first_broken(losses_seq):
    threshold = min(DIVERGENCE_FACTOR * max(1.0, float(losses_seq[0])), np.finfo(float).max)
    for t, value in enumerate(losses_seq):
        if not (value <= threshold):
            return t
    return -1


# --- convergence and the edge of divergence ---------------------------------

CONVERGING = ["default", "steep-noisy", "negative-x", "x-near-1000-standardized", "outliers"]


@pytest.mark.parametrize("name", CONVERGING)
def test_converges_to_lstsq_below_the_edge(name):
    data = DATASETS[name]()
    c = theory.curvature(data)
    rates = [0.5 * c.lr_max_stable, c.lr_optimal, 0.99 * c.lr_max_stable]
    traj = lrcore.run(data, rates, steps=20_000)
    w, b = lstsq_line(data)
    assert (traj.diverged_at == -1).all()
    np.testing.assert_allclose(traj.w[:, -1], w, atol=1e-8, rtol=0)
    np.testing.assert_allclose(traj.b[:, -1], b, atol=1e-8, rtol=0)
    np.testing.assert_allclose(traj.loss[:, -1], c.min_loss, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_edge_of_divergence_is_lr_max_stable(name):
    data = DATASETS[name]()
    edge = theory.curvature(data).lr_max_stable
    steps = 6000
    traj = lrcore.run(data, [0.99 * edge, 1.01 * edge], steps=steps, start=(1.0, 1.0))
    assert traj.diverged_at[0] == -1
    assert np.isfinite(traj.loss[0]).all()
    # below the edge the quadratic's loss never rises
    assert (np.diff(traj.loss[0]) <= 1e-9 * traj.loss[0, :-1]).all()
    # above it, diverged_at is the first column whose loss broke the rule,
    # found again by a naive per-sample loop
    assert traj.diverged_at[1] > 0
    _, _, naive_losses = naive_run(data, 1.01 * edge, int(traj.diverged_at[1]) + 1, start=(1.0, 1.0))
    assert first_broken(naive_losses) == traj.diverged_at[1]


def test_diverged_run_is_nan_from_diverged_at_and_finite_before():
    data = lrcore.make_data(seed=0)
    edge = theory.curvature(data).lr_max_stable
    traj = lrcore.run(data, [0.5 * edge, 1.5 * edge, 100 * edge], steps=300)
    for k in (1, 2):
        d = traj.diverged_at[k]
        assert 0 < d <= 300
        for table in (traj.w, traj.b, traj.loss):
            assert np.isfinite(table[k, :d]).all()
            assert np.isnan(table[k, d:]).all()
        assert traj.loss[k, d - 1] <= DIVERGENCE_FACTOR * max(1.0, traj.loss[k, 0])
    assert traj.diverged_at[2] < traj.diverged_at[1]
    np.testing.assert_array_equal(traj.lr[1], 1.5 * edge)  # lr stays as given


def test_an_infinite_start_has_diverged_at_column_0():
    data = lrcore.make_data(seed=0)
    traj = lrcore.run(data, 0.01, steps=5, start=(1e300, 0.0))
    assert traj.diverged_at.tolist() == [0]
    assert np.isnan(traj.loss).all()


# --- theory predicts the simulation -----------------------------------------


@pytest.mark.parametrize("name", ["default", "negative-x", "x-near-1000-standardized", "steep-noisy"])
@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.8, 0.97])
def test_steps_to_predicts_the_simulated_runs(name, fraction):
    data = DATASETS[name]()
    c = theory.curvature(data)
    lr = fraction * c.lr_max_stable
    tol = 1e-6
    # Start along the slowest-contracting eigenvector: the gap then shrinks
    # by exactly contraction**2 per step.
    factors = np.abs(1 - lr * np.array([c.lambda_min, c.lambda_max]))
    direction = c.eigenvectors[:, int(np.argmax(factors))]
    start = np.array(c.minimizer) + 3.0 * direction
    predicted = float(c.steps_to(tol, lr))
    traj = lrcore.run(data, lr, steps=int(predicted) + 5, start=tuple(start))
    gap = traj.loss[0] - c.min_loss
    simulated = int(np.argmax(gap <= tol * gap[0]))
    assert abs(simulated - predicted) <= 1
    # from any start, the prediction bounds the simulation
    traj = lrcore.run(data, lr, steps=int(predicted) + 5, start=(0.0, 0.0))
    gap = traj.loss[0] - c.min_loss
    assert (gap <= tol * gap[0] * (1 + 1e-6) + 1e-12).any()


def test_contraction_is_the_per_step_distance_factor():
    data = lrcore.make_data(n=40, seed=9)
    c = theory.curvature(data)
    lr = 0.7 * c.lr_max_stable
    traj = lrcore.run(data, lr, steps=400, start=(5.0, 5.0))
    w_star, b_star = c.minimizer
    dist = np.hypot(traj.w[0] - w_star, traj.b[0] - b_star)
    ratio = dist[301] / dist[300]
    assert ratio == pytest.approx(float(c.contraction(lr)), rel=1e-6)


# --- the same numbers as a naive loop ----------------------------------------


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_full_batch_matches_a_naive_loop(loss):
    data = lrcore.make_data(n=37, outliers=0.1, seed=11)
    traj = lrcore.run(data, [0.003, 0.01], steps=60, loss=loss, start=(-1.0, 2.0))
    for k, lr in enumerate([0.003, 0.01]):
        w, b, ls = naive_run(data, lr, 60, loss=loss, start=(-1.0, 2.0))
        np.testing.assert_allclose(traj.w[k], w, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(traj.b[k], b, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(traj.loss[k], ls, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("batch_size", [1, 3, 7])
def test_mini_batches_match_a_naive_loop(loss, batch_size):
    """n=10 with batch 3 gives batches of 3, 3, 3 and 1 (the last one kept);
    every epoch reshuffles; the loss is always on the full data."""
    data = lrcore.make_data(n=10, x_min=1000.0, x_max=1004.0, seed=12) if loss == "mse" else \
        lrcore.make_data(n=10, seed=12)
    lr = 1e-7 if loss == "mse" else 0.01
    traj = lrcore.run(data, [lr, 2 * lr], steps=25, loss=loss, batch_size=batch_size, seed=5)
    for k, rate in enumerate([lr, 2 * lr]):
        w, b, ls = naive_run(data, rate, 25, loss=loss, batch_size=batch_size, seed=5)
        np.testing.assert_allclose(traj.w[k], w, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(traj.b[k], b, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(traj.loss[k], ls, rtol=1e-9, atol=1e-12)


def test_runs_share_their_batches():
    data = lrcore.make_data(n=50, seed=13)
    together = lrcore.run(data, [0.001, 0.004], steps=40, batch_size=8, seed=3)
    alone = lrcore.run(data, [0.004], steps=40, batch_size=8, seed=3)
    np.testing.assert_array_equal(together.w[1], alone.w[0])
    other_seed = lrcore.run(data, [0.004], steps=40, batch_size=8, seed=4)
    assert not np.array_equal(other_seed.w[0], alone.w[0])


def test_batch_size_at_least_n_is_full_batch():
    data = lrcore.make_data(n=20, seed=14)
    full = lrcore.run(data, 0.01, steps=30)
    for batch_size in (20, 1000):
        same = lrcore.run(data, 0.01, steps=30, batch_size=batch_size)
        np.testing.assert_allclose(same.w, full.w, rtol=1e-12)


def test_general_path_matches_the_fast_path():
    """An outside init/update optimizer doing plain descent takes the general
    loop; it must give the MSE fast path's numbers."""
    class PlainDescent:
        def init(self, params):
            return ()

        def update(self, grads, state, lr):
            return -lr[:, None] * grads, state

    data = lrcore.make_data(n=30, x_min=1000.0, x_max=1010.0, seed=15)
    c = theory.curvature(data)
    rates = [0.5 * c.lr_max_stable, 1.2 * c.lr_max_stable]
    fast = lrcore.run(data, rates, steps=800)
    general = lrcore.run(data, rates, steps=800, optimizer=PlainDescent())
    np.testing.assert_array_equal(fast.diverged_at, general.diverged_at)
    np.testing.assert_allclose(fast.w, general.w, rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(fast.loss, general.loss, rtol=1e-7, atol=1e-10, equal_nan=True)


def test_momentum_matches_a_hand_written_heavy_ball():
    data = lrcore.make_data(n=25, seed=16)
    lr, beta = 0.004, 0.8
    traj = lrcore.run(data, lr, steps=50, optimizer=lrcore.optimizers.sgd(momentum=beta))
    mse = losses.get("mse")
    p = np.zeros(2)
    buf = np.zeros(2)
    for t in range(50):
        g = np.array(mse.grad(data, p[0], p[1]), dtype=float)
        buf = beta * buf + g
        p = p - lr * buf
    assert traj.w[0, -1] == pytest.approx(p[0], rel=1e-10)
    assert traj.b[0, -1] == pytest.approx(p[1], rel=1e-10)


# --- learning rates and schedules -------------------------------------------


def test_rates_floats_arrays_and_schedules():
    data = lrcore.make_data(n=20, seed=17)

    def halving(t):  # written for arrays
        return 0.01 * 0.5 ** (np.asarray(t) // 10)

    def stepwise(t):  # written for one int at a time
        return 0.01 if t < 5 else 0.001

    traj = lrcore.run(data, [0.02, halving, stepwise, np.float64(0.005)], steps=30)
    assert traj.lr.shape == (4, 30)
    np.testing.assert_array_equal(traj.lr[0], 0.02)
    np.testing.assert_allclose(traj.lr[1], [0.01 * 0.5 ** (t // 10) for t in range(30)])
    np.testing.assert_array_equal(traj.lr[2], [0.01] * 5 + [0.001] * 25)
    np.testing.assert_array_equal(traj.lr[3], 0.005)
    w, _, _ = naive_run(data, stepwise, 30)
    np.testing.assert_allclose(traj.w[2], w, rtol=1e-10)
    single = lrcore.run(data, halving, steps=30)
    np.testing.assert_array_equal(single.w[0], traj.w[1])
    assert lrcore.run(data, np.array([0.01, 0.02]), steps=3).k == 2


def test_inputs_are_not_mutated_and_outputs_are_read_only():
    data = lrcore.make_data(n=20, seed=18)
    rates = np.array([0.01, 0.02])
    start = np.array([1.0, 2.0])
    traj = lrcore.run(data, rates, steps=5, start=start)
    assert rates.tolist() == [0.01, 0.02] and start.tolist() == [1.0, 2.0]
    for table in (traj.w, traj.b, traj.loss, traj.lr, traj.diverged_at):
        with pytest.raises(ValueError):
            table[0] = 0
    assert traj.w[0, 0] == 1.0 and traj.b[0, 0] == 2.0


def test_zero_steps_is_just_the_start():
    data = lrcore.make_data(n=20, seed=19)
    traj = lrcore.run(data, 0.1, steps=0, start=(2.0, 3.0))
    assert traj.w.shape == (1, 1) and traj.lr.shape == (1, 0)
    assert traj.loss[0, 0] == pytest.approx(float(losses.get("mse").value(data, 2.0, 3.0)))


# --- bad arguments -------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"steps": -1}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"steps": True}, "steps"),
        ({"lr": -0.1}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"lr": "fast"}, "lr"),
        ({"lr": []}, "lr"),
        ({"lr": [0.1, -1.0]}, r"lr\[1\]"),
        ({"lr": lambda t: -0.1 + 0 * np.asarray(t)}, "lr"),
        ({"lr": lambda t: float("nan")}, "lr"),
        ({"start": (float("nan"), 0.0)}, "start"),
        ({"start": (1.0,)}, "start"),
        ({"start": "ab"}, "start"),
        ({"loss": "hinge"}, "hinge"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"seed": -1}, "seed"),
        ({"optimizer": "adam"}, "optimizer"),
        ({"lr": [0.1] * 10_000, "steps": 10_000}, "steps"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, match):
    data = lrcore.make_data(n=10, seed=20)
    args = {"lr": 0.01, "steps": 10, **kwargs}
    lr = args.pop("lr")
    with pytest.raises(ValueError, match=match):
        lrcore.run(data, lr, **args)


def test_data_must_be_a_dataset():
    with pytest.raises(ValueError, match="Dataset"):
        lrcore.run([[0, 1], [1, 2]], 0.1, steps=3)


# --- properties over wide inputs ----------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def descent_problems(draw):
    n = draw(st.integers(2, 100_000))
    loss = draw(st.sampled_from(["mse", "mae", "huber"]))
    max_steps = 10_000 if loss == "mse" else max(0, min(10_000, 2_000_000 // n))
    steps = draw(st.integers(0, max_steps))
    rates = draw(st.lists(st.floats(1e-12, 1e12), min_size=1, max_size=4))
    start = (draw(finite), draw(finite))
    batch_size = draw(st.one_of(st.none(), st.integers(1, 2 * n)))
    if batch_size is not None and loss != "mse":
        steps = min(steps, 500)
    return dict(
        n=n, loss=loss, steps=steps, rates=rates, start=start, batch_size=batch_size,
        seed=draw(st.integers(0, 2**32)),
        data_seed=draw(st.integers(0, 1000)),
        x_min=draw(st.floats(-1e6, 1e6)),
        width=draw(st.floats(1e-3, 1e6)),
        noise=draw(st.floats(0, 1e3)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descent_problems())
def test_run_properties_over_wide_inputs(p):
    try:
        data = lrcore.make_data(n=p["n"], x_min=p["x_min"], x_max=p["x_min"] + p["width"],
                                noise=p["noise"], seed=p["data_seed"])
    except (DataError, ValueError):
        assume(False)
    traj = lrcore.run(data, p["rates"], steps=p["steps"], start=p["start"], loss=p["loss"],
                      batch_size=p["batch_size"], seed=p["seed"])
    k, steps = len(p["rates"]), p["steps"]
    assert traj.w.shape == traj.b.shape == traj.loss.shape == (k, steps + 1)
    assert traj.lr.shape == (k, steps)
    np.testing.assert_array_equal(traj.lr, np.repeat(np.array(p["rates"])[:, None], steps, axis=1))
    assert ((traj.diverged_at >= -1) & (traj.diverged_at <= steps)).all()
    for row in range(k):
        d = traj.diverged_at[row]
        stop = steps + 1 if d < 0 else d
        for table in (traj.w, traj.b, traj.loss):
            assert np.isfinite(table[row, :stop]).all()
            assert np.isnan(table[row, stop:]).all()
        assert (traj.loss[row, :stop] >= 0).all()
        if stop > 0:
            limit = min(DIVERGENCE_FACTOR * max(1.0, float(traj.loss[row, 0])), np.finfo(float).max)
            assert traj.loss[row, :stop].max() <= limit


@settings(max_examples=100, deadline=None)
@given(
    lr=st.one_of(finite, st.just(float("nan")), st.just(float("inf")), st.text(max_size=3),
                 st.lists(finite, max_size=3)),
    steps=st.one_of(st.integers(-5, 50), st.floats(allow_nan=True), st.booleans()),
    batch_size=st.one_of(st.none(), st.integers(-3, 30), st.floats()),
    start=st.one_of(st.tuples(finite, finite), st.tuples(st.floats(), st.floats()),
                    st.lists(finite, max_size=3)),
)
def test_invalid_arguments_raise_only_value_error(lr, steps, batch_size, start):
    data = lrcore.make_data(n=12, seed=21)
    try:
        traj = lrcore.run(data, lr, steps=steps, batch_size=batch_size, start=start)
    except ValueError:
        return
    assert traj.w.shape[1] == steps + 1


def test_reactive_schedules_among_other_runs_match_running_alone():
    """reduce_on_plateau reacts to its own run's loss, whatever else runs beside it."""
    from lrcore import schedules

    data = lrcore.make_data(n=40, seed=22)
    edge = theory.curvature(data).lr_max_stable
    items = [
        0.3 * edge,
        schedules.reduce_on_plateau(1.5 * edge, factor=0.5, patience=2),  # diverging until reduced
        schedules.exponential_decay(0.5 * edge, 50, 0.5),
        schedules.reduce_on_plateau(0.9 * edge, factor=0.3, patience=4, threshold_mode="abs", cooldown=3),
    ]
    for loss, batch_size in (("mse", None), ("mae", None), ("mse", 8)):
        together = lrcore.run(data, items, steps=150, loss=loss, batch_size=batch_size)
        for k, item in enumerate(items):
            alone = lrcore.run(data, item, steps=150, loss=loss, batch_size=batch_size)
            np.testing.assert_array_equal(together.lr[k], alone.lr[0])
            np.testing.assert_allclose(together.w[k], alone.w[0], rtol=1e-12, equal_nan=True)
    # the reactive rates really moved, and the first plateau run was rescued
    mse = lrcore.run(data, items, steps=150)
    assert mse.lr[1, -1] < mse.lr[1, 0] and mse.lr[3, -1] < mse.lr[3, 0]


# --- summaries of a trajectory ----------------------------------------------------


def hand_made(loss, diverged_at):
    """A Trajectory with these (K, steps+1) losses; w, b and lr are filler."""
    loss = np.array(loss, dtype=np.float64)
    k, columns = loss.shape
    return lrcore.Trajectory(
        w=np.zeros((k, columns)),
        b=np.zeros((k, columns)),
        loss=loss,
        lr=np.full((k, columns - 1), 0.1),
        diverged_at=np.array(diverged_at, dtype=np.int64),
    )


NAN = math.nan
# finite; blew up at column 1; at column 0 (the start overflowed); at column 3
RUNS = hand_made(
    [
        [4.0, 2.0, 1.0, 3.0, 0.5],
        [4.0, NAN, NAN, NAN, NAN],
        [NAN, NAN, NAN, NAN, NAN],
        [4.0, 3.0, 2.0, NAN, NAN],
    ],
    [-1, 1, 0, 3],
)


def test_last_finite_and_final_loss_keep_diverged_at_zero_apart_from_finite():
    assert RUNS.last_finite.tolist() == [4, 0, 0, 2]
    np.testing.assert_array_equal(RUNS.final_loss, [0.5, 4.0, NAN, 2.0])
    # the runs that blew up at columns 1 and 0 share a last column, not a final loss
    assert RUNS.diverged_at[1] != RUNS.diverged_at[2]
    assert RUNS.last_finite.dtype.kind == "i"


def test_best_loss_is_the_lowest_finite_loss_or_nan():
    np.testing.assert_array_equal(RUNS.best_loss, [0.5, 4.0, NAN, 2.0])
    assert hand_made([[3.0, 1.0, 2.0]], [-1]).best_loss.tolist() == [1.0]  # not the last


def test_steps_to_is_the_first_column_at_or_below_the_target():
    assert RUNS.steps_to(1.0).tolist() == [2, -1, -1, -1]
    assert RUNS.steps_to(0.5).tolist() == [4, -1, -1, -1]  # equal counts
    assert RUNS.steps_to(4.0).tolist() == [0, 0, -1, 0]
    assert RUNS.steps_to(0.1).tolist() == [-1, -1, -1, -1]
    assert RUNS.steps_to(math.inf).tolist() == [0, 0, -1, 0]  # NaN reaches nothing
    assert RUNS.steps_to([1.0, 5.0, 1.0, 2.5]).tolist() == [2, 0, -1, 2]  # one target per run
    with pytest.raises(ValueError, match=r"target must be a loss or 4 of them"):
        RUNS.steps_to([1.0, 2.0])


def test_tail_mean_averages_the_last_share_of_the_steps_of_finite_runs():
    np.testing.assert_array_equal(RUNS.tail_mean(0.5), [1.75, NAN, NAN, NAN])  # (3 + 0.5)/2
    np.testing.assert_array_equal(RUNS.tail_mean(0.1), [0.5, NAN, NAN, NAN])  # at least one column
    np.testing.assert_array_equal(RUNS.tail_mean(1.0), [1.625, NAN, NAN, NAN])  # columns 1..4
    np.testing.assert_array_equal(RUNS.tail_mean(1.0, floor=0.5), [1.125, NAN, NAN, NAN])
    # 0.1*30 is 3.0000000000000004 in floats: still 3 columns, not 4
    thirty = hand_made([[9.0] * 27 + [1.0, 2.0, 3.0] + [6.0]], [-1])
    assert thirty.tail_mean(0.1).tolist() == [(2.0 + 3.0 + 6.0) / 3]


def test_tail_mean_with_one_step_and_with_none():
    one = hand_made([[2.0, 1.0], [2.0, NAN]], [-1, 1])
    np.testing.assert_array_equal(one.tail_mean(0.1), [1.0, NAN])
    np.testing.assert_array_equal(one.last_finite, [1, 0])
    np.testing.assert_array_equal(one.final_loss, [1.0, 2.0])
    none = hand_made([[2.0]], [-1])
    assert none.tail_mean(0.5).tolist() == [2.0] and none.last_finite.tolist() == [0]


def test_settled_compares_the_final_gap_with_the_starting_one():
    # gaps to 0.5: start 3.5, end 0 (finite run); diverged runs never settle
    assert RUNS.settled(0.5, 0.0).tolist() == [True, False, False, False]
    # gaps to 0: 4 at the start, 0.5 at the end: settled for tol >= 1/8, inclusive
    assert RUNS.settled(0.0, 0.125).tolist() == [True, False, False, False]
    assert RUNS.settled(0.0, 0.12).tolist() == [False, False, False, False]


def test_summaries_of_real_runs_by_hand():
    """Loss w**2 + b**2 from (1, 1): each step multiplies it by (1 - 2*lr)**2."""
    data = lrcore.Dataset([-1.0, 1.0], [0.0, 0.0])
    traj = lrcore.run(data, [0.25, 0.75, 1e7], steps=4, start=(1.0, 1.0))
    assert traj.diverged_at.tolist() == [-1, -1, 1]
    np.testing.assert_allclose(traj.final_loss[:2], [2 / 4**4, 2 / 4**4], rtol=1e-15)
    assert traj.final_loss[2] == 2.0 and traj.last_finite.tolist() == [4, 4, 0]
    assert traj.steps_to(2 / 4**2).tolist() == [2, 2, -1]
    assert traj.settled(0.0, 1 / 4**4).tolist() == [True, True, False]


def test_a_start_whose_loss_overflows_diverges_at_column_zero():
    data = lrcore.Dataset([0.0, 1.0], [1e155, 1e155])  # (0 - 1e155)**2 overflows
    traj = lrcore.run(data, [0.1, 0.2], steps=3)
    assert traj.diverged_at.tolist() == [0, 0]
    assert traj.last_finite.tolist() == [0, 0]
    assert np.isnan(traj.final_loss).all() and np.isnan(traj.best_loss).all()
    assert traj.steps_to(math.inf).tolist() == [-1, -1]
    assert np.isnan(traj.tail_mean()).all() and not traj.settled(0.0, 1.0).any()
