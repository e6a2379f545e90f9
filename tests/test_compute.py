"""The cached calls the pages make (ui/compute.py), the work budget of MAE and
Huber (ui/budget.py), the downloads (ui/downloads.py) and the server's memory
guards (ui/server.py), run outside a Streamlit runtime (in-memory caches).

Each cached call is checked by a second method: numpy's own draw and
least squares, the loss summed by hand at grid nodes, lines through pairs of
points for the MAE, central differences for Huber, the view builder called
directly, the file read back bit for bit.
"""

import dataclasses
import itertools
import math
import platform
import sys

import altair as alt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lrcore
from conftest import lstsq_line
from ui import budget, catalog, charts, compute, downloads, server, state
from ui.views import finder, fit, home, loss_slice, schedules

FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Points no other test draws, so the shared caches start empty for them.
SMALL = lrcore.make_data(n=30, w=-1.2, b=4.0, noise=0.8, x_min=-3.0, x_max=6.0, seed=9173)
OUTLIERS = lrcore.make_data(n=25, outliers=0.2, seed=9174)
BUDGET = 20_000_000  # point-evaluations one MAE or Huber grid may spend: about a second of one core


def assert_same(got, expected, where="view"):
    """Two views equal field by field: frames, arrays, floats (NaN equal to NaN), nested."""
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, obj=where)
    elif isinstance(expected, np.ndarray):
        np.testing.assert_array_equal(got, expected, err_msg=where)
    elif dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        assert type(got) is type(expected), where
        for f in dataclasses.fields(expected):
            assert_same(getattr(got, f.name), getattr(expected, f.name), f"{where}.{f.name}")
    elif isinstance(expected, dict):
        assert got.keys() == expected.keys(), where
        for key in expected:
            assert_same(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert type(got) is type(expected) and len(got) == len(expected), where
        for k, (a, b) in enumerate(zip(got, expected)):
            assert_same(a, b, f"{where}[{k}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got), where
    else:
        assert got == expected, where


def loss_by_hand(loss, data, w, b, delta=1.0):
    """The mean loss of the line (w, b), summed over the points in numpy."""
    r = w * np.asarray(data.x) + b - np.asarray(data.y)
    if loss == "mse":
        return float(np.mean(r * r))
    if loss == "mae":
        return float(np.mean(np.abs(r)))
    a = np.abs(r)
    return float(np.mean(np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))))


# --- the data ----------------------------------------------------------------------------


def test_made_data_draws_what_numpy_draws_for_the_seed():
    """x ~ Uniform(x_min, x_max), y = w·x + b + noise·N(0, 1), from default_rng(seed)."""
    settings_ = state.DataSettings(n=40, w=-1.5, b=3.0, noise=0.7, x_min=-2.0, x_max=5.0, seed=123)
    rng = np.random.default_rng(123)
    x = rng.uniform(-2.0, 5.0, size=40)
    y = -1.5 * x + 3.0 + 0.7 * rng.standard_normal(40)
    data = compute.made_data(settings_)
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y)
    other = compute.made_data(dataclasses.replace(settings_, seed=124))
    assert not np.array_equal(other.x, data.x)


def test_made_data_is_standardized_when_asked():
    raw = compute.made_data(state.DataSettings(n=60, x_min=1000.0, x_max=1010.0, seed=77))
    scaled = compute.made_data(state.DataSettings(n=60, x_min=1000.0, x_max=1010.0, seed=77, std=True))
    assert abs(np.mean(scaled.x)) < 1e-12 and np.std(scaled.x) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(scaled.x, (raw.x - raw.x.mean()) / raw.x.std(), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(scaled.y, raw.y)


def test_made_data_is_one_shared_read_only_copy_per_settings():
    settings_ = state.DataSettings(n=33, seed=31337)
    first = compute.made_data(settings_)
    assert compute.made_data(state.DataSettings(n=33, seed=31337)) is first  # equal settings, a new object
    assert compute._made_data(settings_.key()) is first
    assert compute.made_data(dataclasses.replace(settings_, std=True)) is not first
    assert not first.x.flags.writeable and not first.y.flags.writeable  # no session can change the shared copy


def test_shared_upload_gives_every_session_the_first_copy_of_the_same_points():
    x = np.linspace(0.0, 1.0, 17) ** 2
    y = np.cos(9.0 * x)
    first, second = lrcore.Dataset(x, y), lrcore.Dataset(x.copy(), y.copy())  # two sessions, the same file
    assert first is not second and first.fingerprint == second.fingerprint
    assert compute.shared_upload(first, first.fingerprint) is first
    assert compute.shared_upload(second, second.fingerprint) is first
    other = lrcore.Dataset(x, y + 1.0)
    assert compute.shared_upload(other, other.fingerprint) is other


def test_standardized_upload_is_shared_and_standardized():
    upload = lrcore.Dataset([1.0, 2.0, 4.0, 8.0], [0.0, 1.0, 0.0, 1.0])
    once = compute.standardized(upload, upload.fingerprint)
    assert compute.standardized(upload, upload.fingerprint) is once
    x = np.array([1.0, 2.0, 4.0, 8.0])
    np.testing.assert_allclose(once.x, (x - 3.75) / np.sqrt(np.mean((x - 3.75) ** 2)), rtol=1e-12)


def test_chart_spec_is_to_spec_built_once_per_content_and_each_caller_gets_its_own():
    data = lrcore.make_data(n=40, seed=5)
    view = fit.build(data, 0.01, 30, 0.0, 0.0)
    calls = []

    def build(frames, curve, *, title):
        calls.append(title)
        return alt_chart(frames, title)

    first = compute.chart_spec(build, view.frames, view.curve, title="one")
    again = compute.chart_spec(build, view.frames.copy(), view.curve.copy(), title="one")  # equal content, new objects
    assert calls == ["one"] and again == first and again is not first
    assert again["datasets"] is not first["datasets"]
    first.pop("datasets")  # as Streamlit does with the spec it is given: the kept one is untouched
    assert "datasets" in compute.chart_spec(build, view.frames, view.curve, title="one")
    moved = view.frames.assign(w=view.frames["w"] + 1e-12)  # one value changed: built anew
    compute.chart_spec(build, moved, view.curve, title="one")
    compute.chart_spec(build, view.frames, view.curve, title="two")
    assert calls == ["one", "one", "two"]
    assert compute.chart_spec(build, view.frames, view.curve, title="one")["title"] == "one"
    direct = charts.to_spec(alt_chart(view.frames, "one"))
    assert {k: v for k, v in direct.items() if k != "datasets"} == {
        k: v for k, v in compute.chart_spec(build, view.frames, view.curve, title="one").items() if k != "datasets"}


def alt_chart(frames, title):
    return alt.Chart(frames).mark_line().encode(x="step:Q", y="w:Q").properties(title=title)


def test_chart_spec_digest_tells_content_apart():
    digest = compute._digest
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    assert digest((frame,)) == digest((frame.copy(),))
    assert digest((frame,)) != digest((frame.astype("float32"),))
    assert digest((frame,)) != digest((frame.rename(columns={"a": "b"}),))
    assert digest([1, 2]) != digest((1, 2)) and digest(1) != digest(1.0) and digest("1") != digest(1)
    assert digest(np.arange(3)) != digest(np.arange(3).reshape(3, 1))
    assert digest(state.OptimizerSettings(momentum=0.5)) != digest(state.OptimizerSettings(momentum=0.6))
    assert digest(np.float64(0.5)) == digest(0.5) and digest(np.int64(3)) == digest(3)
    with pytest.raises(TypeError):
        digest(object())


# --- the Data page -----------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.005, 0.1])  # one below the edge 2/λmax of this data, one past it
def test_fit_view_is_the_views_build(lr):
    got = compute.fit_view(SMALL, SMALL.fingerprint, lr, 60, 0.5, -1.0)
    x = np.asarray(SMALL.x)
    edge = 2 / np.linalg.eigvalsh(2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]]))[-1]
    assert (got.diverged_at == -1) == (lr < edge)
    assert_same(got, fit.build(SMALL, lr, 60, 0.5, -1.0))


def test_home_view_is_the_views_build():
    assert_same(compute.home_view(SMALL, SMALL.fingerprint), home.build(SMALL))


def test_scatter_sample_holds_every_point_up_to_most():
    frame = compute.scatter_sample(SMALL, SMALL.fingerprint)
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"x": SMALL.x, "y": SMALL.y}))
    exactly = compute.scatter_sample(SMALL, SMALL.fingerprint, SMALL.n)
    assert len(exactly) == SMALL.n


def test_scatter_sample_of_more_points_is_most_distinct_rows_of_the_data_and_always_the_same():
    data = lrcore.make_data(n=400, seed=9175)
    sample = compute.scatter_sample(data, data.fingerprint, 50)
    assert list(sample.columns) == ["x", "y"] and len(sample) == 50
    rows = set(zip(data.x.tolist(), data.y.tolist()))
    picked = list(zip(sample["x"].tolist(), sample["y"].tolist()))
    assert len(set(picked)) == 50 and set(picked) <= rows
    again = compute.scatter_sample(data, data.fingerprint, 50)
    pd.testing.assert_frame_equal(again, sample)
    compute.scatter_sample.clear()  # computed afresh, not served from the cache: the same sample
    pd.testing.assert_frame_equal(compute.scatter_sample(data, data.fingerprint, 50), sample)


# --- best fits and the loss map ------------------------------------------------------


def test_best_fit_of_the_mse_is_least_squares():
    w, b = compute.best_fit(SMALL, SMALL.fingerprint, "mse", 1.0)
    assert (w, b) == pytest.approx(lstsq_line(SMALL), rel=1e-9)


def test_best_fit_of_the_mae_is_the_lowest_line_through_two_points():
    """A least-absolute-deviations line passes through two of the points (a vertex
    of its linear programme), so the lowest of those lines is the minimum."""
    data = OUTLIERS
    best = compute.best_fit(data, data.fingerprint, "mae", 1.0)
    assert best == lrcore.losses.get("mae").minimizer(data)
    lowest = min(loss_by_hand("mae", data, w, data.y[i] - w * data.x[i])
                 for i, j in itertools.combinations(range(data.n), 2) if data.x[i] != data.x[j]
                 for w in [(data.y[j] - data.y[i]) / (data.x[j] - data.x[i])])
    at_best = loss_by_hand("mae", data, *best)
    assert at_best == pytest.approx(lowest, rel=1e-9)
    assert at_best <= loss_by_hand("mae", data, *lstsq_line(data))
    # the outliers pull the least-squares line, not the least-absolute one
    assert at_best < loss_by_hand("mae", data, *lstsq_line(data)) * 0.99


@pytest.mark.parametrize("delta", [0.5, 3.0])
def test_best_fit_of_huber_is_where_its_slope_vanishes(delta):
    data = OUTLIERS
    w, b = compute.best_fit(data, data.fingerprint, "huber", delta)
    assert (w, b) == lrcore.losses.get("huber", delta=delta).minimizer(data)
    h = 1e-6
    dw = (loss_by_hand("huber", data, w + h, b, delta) - loss_by_hand("huber", data, w - h, b, delta)) / (2 * h)
    db = (loss_by_hand("huber", data, w, b + h, delta) - loss_by_hand("huber", data, w, b - h, delta)) / (2 * h)
    assert abs(dw) < 1e-6 and abs(db) < 1e-6
    assert loss_by_hand("huber", data, w, b, delta) <= loss_by_hand("huber", data, *lstsq_line(data), delta)


@pytest.mark.parametrize("loss, delta", [("mse", 1.0), ("mae", 1.0), ("huber", 0.7)])
def test_loss_grid_holds_the_loss_at_its_nodes(loss, delta):
    window = (-3.0, 1.0, -2.0, 7.0)
    ws, bs, z = compute.loss_grid(SMALL, SMALL.fingerprint, window, loss, delta)
    assert z.shape == (bs.size, ws.size) == (160, 160)  # Z[b, w]
    assert (ws[0], ws[-1], bs[0], bs[-1]) == window
    for i, j in [(0, 0), (159, 159), (37, 101), (80, 3), (150, 42)]:
        assert z[i, j] == pytest.approx(loss_by_hand(loss, SMALL, ws[j], bs[i], delta), rel=1e-9), (i, j)


def test_loss_grid_of_the_mae_on_many_points_has_fewer_slopes_and_the_mse_all():
    data = lrcore.make_data(n=150_000, seed=9176)
    window = (1.0, 3.0, 0.0, 2.0)
    ws, bs, z = compute.loss_grid(data, data.fingerprint, window, "mae", 1.0)
    assert budget.FEWEST_SLOPES <= ws.size < 160 and bs.size == 160 and z.shape == (160, ws.size)
    assert ws.size * data.n <= BUDGET  # each slope reads every point once
    assert (ws[0], ws[-1]) == (1.0, 3.0)
    assert z[77, ws.size // 2] == pytest.approx(loss_by_hand("mae", data, ws[ws.size // 2], bs[77]), rel=1e-9)
    ws, bs, z = compute.loss_grid(data, data.fingerprint, window, "mse", 1.0)
    assert ws.size == bs.size == 160  # the MSE reads the moments, not the points


def test_random_guesses_are_lrcores_random_search_and_keep_the_best_so_far():
    center, half = (0.0, 2.0), (3.0, 4.0)
    got = compute.random_guesses(SMALL, SMALL.fingerprint, 500, center, half, "mse", 1.0)
    found = lrcore.search.random_search(SMALL, guesses=500, center=center, half_width=half, loss="mse")
    for key in ("w", "b", "best_so_far"):
        np.testing.assert_array_equal(got[key], np.asarray(getattr(found, key)))
    assert np.all(np.abs(got["w"] - center[0]) <= half[0]) and np.all(np.abs(got["b"] - center[1]) <= half[1])
    losses = [loss_by_hand("mse", SMALL, w, b) for w, b in zip(got["w"], got["b"])]
    np.testing.assert_allclose(got["best_so_far"], np.minimum.accumulate(losses), rtol=1e-9)


def test_random_guesses_with_huber_are_lrcores():
    got = compute.random_guesses(OUTLIERS, OUTLIERS.fingerprint, 200, (1.0, 1.0), (2.0, 2.0), "huber", 0.5)
    found = lrcore.search.random_search(OUTLIERS, guesses=200, center=(1.0, 1.0), half_width=(2.0, 2.0),
                                        loss=lrcore.losses.get("huber", delta=0.5))
    np.testing.assert_array_equal(got["best_so_far"], np.asarray(found.best_so_far))


def test_bowl_is_the_mse_hessians_and_none_for_the_mae():
    x = np.asarray(SMALL.x)
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    low, high = np.linalg.eigvalsh(hessian)
    c = compute.bowl(SMALL, SMALL.fingerprint, "mse", 1.0)
    assert (c.lambda_min, c.lambda_max) == pytest.approx((low, high), rel=1e-9)
    assert compute.bowl(SMALL, SMALL.fingerprint, "mae", 1.0) is None


def test_slice_of_the_mse_has_its_minimum_where_algebra_puts_it():
    """Along b with w held: L(b) = mean((w·x + b - y)²), lowest at b = mean(y - w·x)
    with curvature 2; along w with b held: at w = Σx(y - b)/Σx², curvature 2·mean(x²)."""
    x, y = np.asarray(SMALL.x), np.asarray(SMALL.y)
    along_b = compute.slice_of(SMALL, SMALL.fingerprint, "b", 1.5, "mse", 1.0)
    assert along_b.minimizer == pytest.approx(np.mean(y - 1.5 * x), rel=1e-9)
    assert along_b.min_loss == pytest.approx(np.var(y - 1.5 * x), rel=1e-9)
    assert along_b.curvature == pytest.approx(2.0, rel=1e-12)
    along_w = compute.slice_of(SMALL, SMALL.fingerprint, "w", 4.0, "mse", 1.0)
    assert along_w.minimizer == pytest.approx(np.sum(x * (y - 4.0)) / np.sum(x * x), rel=1e-9)
    assert along_w.curvature == pytest.approx(2 * np.mean(x * x), rel=1e-9)


@pytest.mark.parametrize("param, decay", [("b", "none"), ("w", "exponential")])
def test_slice_view_is_the_views_build(param, decay):
    s = compute.slice_of(SMALL, SMALL.fingerprint, param, 0.0, "mse", 1.0)
    got = compute.slice_view(SMALL, SMALL.fingerprint, s, param, 0.0, "mse", 1.0, -4.0, 0.05, 20, decay, 0.1)
    assert_same(got, loss_slice.build(SMALL, s, start=-4.0, lr=0.05, steps=20, decay=decay, decay_rate=0.1,
                                      curve_points=301))


def test_contour_view_frames_the_best_fit_and_the_start():
    runs = ((0.01, "sgd"), (0.02, "momentum"))
    view = compute.contour_view(SMALL, runs=runs, settings=state.OptimizerSettings(), start=(-2.0, 8.0), steps=50,
                                batch=0, loss="mse", delta=1.0, tol=1e-5, guesses=200, equal=True)
    assert view.best == pytest.approx(lstsq_line(SMALL), rel=1e-9)
    assert view.min_loss == pytest.approx(loss_by_hand("mse", SMALL, *lstsq_line(SMALL)), rel=1e-9)
    w_lo, w_hi, b_lo, b_hi = view.window
    for w, b in (view.best, (-2.0, 8.0)):
        assert w_lo <= w <= w_hi and b_lo <= b <= b_hi
    assert len(view.names) == 2 and len(view.guesses) == 200


# --- the schedules page ------------------------------------------------------------------


def test_schedule_view_names_each_chosen_schedule_by_its_catalog_label():
    chosen = (("constant", ()), ("step_decay", (("every", 0.25), ("gamma", 0.5))), ("one_cycle", ()),
              ("reduce_on_plateau", (("patience", 3),)))
    view = compute.schedule_view(SMALL, SMALL.fingerprint, chosen, 0.01, 60, "sgd", state.OptimizerSettings(), "mse", 0)
    assert view.names == [catalog.SCHEDULES[name].label for name, _ in chosen]
    assert view.names == ["constant", "step", "one-cycle", "reduce on plateau"]
    assert_same(view, schedules.build(SMALL, chosen=chosen, lr=0.01, steps=60,
                                      optimizer=lrcore.optimizers.sgd(), opt="sgd", loss="mse", batch=0))


#: The Keras and the PyTorch class each schedule's scripts name (None: a constant rate, no scheduler).
EXPORTED = {
    "constant": (None, None),
    "step_decay": ("ExponentialDecay(", "StepLR("),
    "multistep_decay": ("PiecewiseConstantDecay(", "MultiStepLR("),
    "exponential_decay": ("ExponentialDecay(", "ExponentialLR("),
    "inverse_time_decay": ("InverseTimeDecay(", "LambdaLR("),
    "polynomial_decay": ("PolynomialDecay(", "LambdaLR("),
    "cosine_decay": ("CosineDecay(", "CosineAnnealingLR("),
    "cosine_restarts": ("CosineDecayRestarts(", "CosineAnnealingWarmRestarts("),
    "warmup_cosine": ("LinearWarmup(", "LinearLR("),
    "one_cycle": ("OneCycle(", "OneCycleLR("),
    "cyclic": ("Cyclic(", "CyclicLR("),
    "reduce_on_plateau": ("TorchPlateau(", "ReduceLROnPlateau("),
}


def test_every_schedule_of_the_catalog_has_an_export_expected():
    assert set(EXPORTED) == set(catalog.SCHEDULES)


@pytest.mark.parametrize("name", list(EXPORTED))
def test_schedule_code_is_two_scripts_that_compile_and_name_the_schedule(name):
    code = compute.schedule_code(SMALL, SMALL.fingerprint, name, (), 0.01, 60, "sgd", state.OptimizerSettings(),
                                 "mse", 0, None)
    assert isinstance(code, tuple) and len(code) == 2
    keras_code, torch_code = code
    compile(keras_code, "train_keras.py", "exec")
    compile(torch_code, "train_pytorch.py", "exec")
    keras_class, torch_class = EXPORTED[name]
    assert "keras.optimizers.SGD(" in keras_code and "torch.optim.SGD(" in torch_code
    if keras_class is None:
        assert "learning_rate = 0.01\n" in keras_code and "scheduler" not in torch_code
    else:
        assert keras_class in keras_code and torch_class in torch_code


def test_schedule_code_of_a_staircase_and_of_each_optimizer():
    keras_code, torch_code = compute.schedule_code(
        SMALL, SMALL.fingerprint, "exponential_decay", (("staircase", True), ("to", 0.01)), 0.01, 100, "adam",
        state.OptimizerSettings(), "huber", 8, None)
    assert "staircase=True" in keras_code and "StepLR(" in torch_code and "HuberLoss(" in torch_code
    assert "keras.optimizers.Adam(" in keras_code and "torch.optim.Adam(" in torch_code
    for opt in state.OPTIMIZER_NAMES:
        code = compute.schedule_code(SMALL, SMALL.fingerprint, "cosine_decay", (), 0.01, 60, opt,
                                     state.OptimizerSettings(), "mse", 0, None)
        assert isinstance(code, tuple), (opt, code)
        for script in code:
            compile(script, "train.py", "exec")


def test_schedule_code_says_why_a_combination_cannot_be_exported():
    """The export rejects a recipe that does not draw the points in use (here one
    point too many); the page gets the reason as a sentence, not an exception."""
    wrong = tuple(state.DataSettings(n=SMALL.n + 1).recipe().items())
    said = compute.schedule_code(SMALL, SMALL.fingerprint, "constant", (), 0.01, 60, "sgd",
                                 state.OptimizerSettings(), "mse", 0, wrong)
    assert isinstance(said, str)
    assert said.startswith("This combination cannot be exported: ") and "recipe['n']" in said
    settings_ = state.DataSettings(n=30, seed=9177)
    made = compute.made_data(settings_)
    code = compute.schedule_code(made, made.fingerprint, "constant", (), 0.01, 60, "sgd", state.OptimizerSettings(),
                                 "mse", 0, tuple(settings_.recipe().items()))
    assert isinstance(code, tuple)


# --- the LR finder page ------------------------------------------------------------------


def test_stability_view_is_the_views():
    got = compute.stability_view(SMALL, SMALL.fingerprint, 50, 20, "momentum", 0.8, 1e-4)
    assert_same(got, finder.stability_view(SMALL, count_rates=50, steps=20, opt="momentum", momentum=0.8, tol=1e-4))
    assert len(got.sweep) == 50


def test_range_test_view_reads_lrcores_range_test():
    got = compute.range_test_view(SMALL, SMALL.fingerprint, 1e-5, 10.0, 40, 0.05, 4.0, 0)
    found = lrcore.lr_range_test(SMALL, min_lr=1e-5, max_lr=10.0, steps=40, smooth=0.05, stop_factor=4.0,
                                 batch_size=None)
    assert_same(got, finder.range_test_view(SMALL, found))


# --- the budget ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 1000, 150_000, lrcore.data.MAX_POINTS])
def test_the_mse_grid_is_never_cut(n):
    assert [budget.affordable_slopes("mse", n, size) for size in (1, 24, 160, 301)] == [1, 24, 160, 301]


@FEW
@given(st.sampled_from(["mae", "huber"]), st.integers(2, lrcore.data.MAX_POINTS), st.integers(1, 1000))
def test_mae_and_huber_grids_keep_within_the_budget_and_keep_a_few_slopes(loss, n, size):
    slopes = budget.affordable_slopes(loss, n, size)
    assert isinstance(slopes, int) and 1 <= slopes <= size
    assert slopes >= min(size, budget.FEWEST_SLOPES)  # a map is still a map
    assert slopes * n <= BUDGET or slopes == budget.FEWEST_SLOPES  # only the floor may pass the budget
    assert slopes * n <= budget.FEWEST_SLOPES * lrcore.data.MAX_POINTS <= 1.25 * BUDGET
    if slopes < size:  # cut: one slope more would not have fit
        assert (slopes + 1) * n > BUDGET


def test_mae_grid_slopes_by_hand():
    """2e7 point-evaluations: 160 slopes fit 125,000 points; 200,000 points get 100; a million get the floor."""
    assert budget.affordable_slopes("mae", 125_000, 160) == 160
    assert budget.affordable_slopes("huber", 200_000, 160) == 100
    assert budget.affordable_slopes("mae", 1_000_000, 160) == budget.FEWEST_SLOPES
    assert budget.affordable_slopes("mae", 1_000_000, 10) == 10  # never more than asked


@FEW
@given(st.sampled_from(["mae", "huber"]), st.integers(2, lrcore.data.MAX_POINTS), st.integers(1, 6),
       st.integers(1, 5000), st.integers(0, 100_000))
def test_steps_and_guesses_fit_the_budget_or_say_so(loss, n, runs, steps, guesses):
    kept, notice = budget.affordable_steps(loss, n, runs, steps)
    assert 1 <= kept <= steps
    assert (notice is None) == (kept == steps)
    if notice:
        assert kept * n * runs <= BUDGET or kept == 1
        assert f"Running {kept:,} steps" in notice and f"{steps:,} steps" in notice
    drawn, notice = budget.affordable_guesses(loss, n, guesses)
    assert drawn <= max(guesses, 1) and (notice is None) == (drawn == guesses)
    if notice:
        assert drawn * n <= BUDGET or drawn == 1
        assert f"drawing {drawn:,}" in notice
    assert budget.affordable_steps("mse", n, runs, steps) == (steps, None)
    assert budget.affordable_guesses("mse", n, guesses) == (guesses, None)


# --- the downloads -------------------------------------------------------------------------


def test_csv_bytes_reads_back_bit_for_bit():
    x = np.array([0.1, 1 / 3, -2.5e-310, 1e150, -7.0, 123456789.123456789, 5e-324, -0.0, np.nextafter(1.0, 2.0)])
    y = np.array([-0.0, 1e-300, 3.0, 1 / 7, -1e100, 0.0, 2.5, 9.999999999999999e22, 1e-5])
    data = lrcore.Dataset(x, y)
    text = downloads.csv_bytes(data)
    assert text.splitlines()[0] == b"x,y" and len(text.splitlines()) == 1 + data.n
    read = lrcore.read_csv(text)
    assert read.x.dtype == read.y.dtype == np.float64
    assert read.x.tobytes() == x.tobytes() and read.y.tobytes() == y.tobytes()  # -0.0 and subnormals too


@FEW
@given(hnp.arrays(np.float64, st.integers(2, 40), elements=st.floats(-1e150, 1e150)),
       hnp.arrays(np.float64, 40, elements=st.floats(-1e150, 1e150)))
def test_csv_bytes_reads_back_bit_for_bit_for_any_points(x, y):
    assume(np.unique(x).size > 1)
    try:
        data = lrcore.Dataset(x, y[: x.size])
    except lrcore.data.DataError:  # the data's own limits (squares too large), not the file's
        assume(False)
    read = lrcore.read_csv(downloads.csv_bytes(data))
    assert read.x.tobytes() == data.x.tobytes() and read.y.tobytes() == data.y.tobytes()


def test_sample_csv_is_a_small_file_the_upload_accepts():
    text = downloads.sample_csv()
    assert text.startswith(b"x,y\n") and len(text) < 2000
    data = lrcore.read_csv(text)
    assert data.n == 20
    w, b = lstsq_line(data)  # points about y = 1.5·x − 2
    assert w == pytest.approx(1.5, abs=0.2) and b == pytest.approx(-2.0, abs=1.0)


@pytest.mark.parametrize("std", [False, True])
def test_points_csv_holds_the_made_points(std):
    settings_ = state.DataSettings(n=25, w=0.5, b=-1.0, noise=2.0, x_min=-1.0, x_max=1.0, seed=9178, std=std)
    rng = np.random.default_rng(9178)
    x = rng.uniform(-1.0, 1.0, size=25)
    y = 0.5 * x + -1.0 + 2.0 * rng.standard_normal(25)
    read = lrcore.read_csv(downloads.points_csv(settings_))
    np.testing.assert_array_equal(read.y, y)
    if std:
        np.testing.assert_allclose(read.x, (x - x.mean()) / x.std(), rtol=1e-12, atol=1e-15)
        assert read == compute.made_data(settings_)  # the very points the pages use
    else:
        np.testing.assert_array_equal(read.x, x)


@pytest.mark.parametrize("std", [False, True])
def test_points_csv_holds_the_upload(std):
    upload = lrcore.read_csv(b"x,y\n0,1\n1,3\n2,5.5\n3,7\n")
    read = lrcore.read_csv(downloads.points_csv(state.DataSettings(n=999, seed=1, std=std), upload))
    np.testing.assert_array_equal(read.y, [1.0, 3.0, 5.5, 7.0])
    expected = (np.arange(4.0) - 1.5) / np.sqrt(1.25) if std else np.arange(4.0)
    np.testing.assert_allclose(read.x, expected, rtol=1e-15, atol=1e-15)


# --- the server's memory ---------------------------------------------------------------------

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_libc_is_glibc_on_linux():
    libc = server._libc()
    assert libc is not None and callable(libc.malloc_trim) and callable(libc.mallopt)
    assert server._LIBC is not None


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_tune_memory_is_accepted_by_glibc():
    assert server._tune_memory() is True


def test_release_memory_runs_and_returns_none():
    assert server.release_memory() is None
    junk = [np.ones(1 << 18) for _ in range(8)]  # 16 MB freed just before
    del junk
    assert server.release_memory() is None


def test_without_glibc_memory_is_left_to_the_system(monkeypatch):
    monkeypatch.setattr(server, "_LIBC", None)
    assert server._tune_memory() is False
    assert server.release_memory() is None


def test_a_page_run_leaves_the_loaded_libraries_out_of_the_collections_after_it():
    """Streamlit collects all garbage after each run: after the first page
    run of a process, the collector no longer walks what was loaded (Altair's
    classes among it), and is left with far fewer objects than it skips."""
    import gc

    from app_helpers import open_page

    open_page("pages/1_Data.py")
    assert server._frozen.is_set()
    assert server.leave_loaded_objects_out_of_collections() is False  # once per process
    assert gc.get_freeze_count() > 50_000
    walked = gc.get_objects()
    assert len(walked) < gc.get_freeze_count()
    kept_schema = alt.Chart._schema
    assert all(obj is not kept_schema for obj in walked)
    assert gc.is_tracked(state.CONTOUR) and all(obj is not state.CONTOUR for obj in walked)
