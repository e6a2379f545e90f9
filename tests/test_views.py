"""The view builders and their sentences (ui/views), without Streamlit.

Each sentence with a number or a verdict is checked against the numbers it
states, computed here by a second method: lrcore.run's own trajectories,
numpy's eigenvalues, loops, published formulas, one-sided differences.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrcore
from conftest import DATASETS
from ui import catalog, state
from ui.views import common, contour, finder, fit, home, loss_slice, schedules

FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DEFAULT = lrcore.make_data()
SMALL = lrcore.make_data(n=30, seed=3, noise=2.0)


def stated(text: str, pattern: str) -> float:
    """The number ``pattern`` (a regex with one group) finds in ``text``."""
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return float(found.group(1).replace(",", ""))


NUMBER = r"(-?[0-9][0-9,]*(?:\.[0-9]+)?(?:e-?[0-9]+)?|inf)"


def eigenvalues(data) -> tuple[float, float]:
    """The MSE's Hessian 2·[[mean x², mean x], [mean x, 1]], its eigenvalues by numpy: a second method."""
    x = np.asarray(data.x)
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    low, high = np.linalg.eigvalsh(hessian)
    return float(low), float(high)


# --- common ------------------------------------------------------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False, width=64), st.integers(1, 6))
def test_num_is_pythons_g_format_written_compactly(value, digits):
    text = common.num(value, digits)
    assert float(text) == float(f"{value:.{digits}g}")
    assert "+" not in text and not re.search(r"e-?0", text)
    assert text.count("e") <= 1 and " " not in text


def test_num_of_non_finite_numbers():
    assert [common.num(v) for v in (math.inf, -math.inf, math.nan)] == ["inf", "-inf", "nan"]


@given(st.floats(0, 1e15))
def test_count_is_the_rounded_number_with_separators(value):
    text = common.count(value)
    assert int(text.replace(",", "")) == round(value)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", text)


def trajectory(losses, diverged_at):
    """A one-run Trajectory holding ``losses`` (its w and b are not read here)."""
    losses = np.asarray(losses, dtype=float)[None, :]
    return lrcore.Trajectory(w=np.zeros_like(losses), b=np.zeros_like(losses), loss=losses,
                             lr=np.full((1, losses.shape[1] - 1), 0.1), diverged_at=np.array([diverged_at]))


def summary_by_loop(losses, diverged_at, floor, tol):
    """RunSummary's numbers by a plain loop over the steps."""
    steps = len(losses) - 1
    last = steps if diverged_at < 0 else max(diverged_at - 1, 0)
    finite = [float(v) for v in losses[: last + 1]]
    gaps = [v - floor for v in finite]
    width = max(1, math.ceil(round(0.1 * steps, 9)))
    reached = None
    for t, gap in enumerate(gaps):
        if gaps[0] > 0 and gap <= tol * gaps[0]:
            reached = t
            break
    tail = gaps[-width:] if diverged_at < 0 else [math.nan]
    return finite[-1], min(finite), gaps[-1], sum(tail) / len(tail), reached


@given(st.lists(st.floats(0.0, 1e6), min_size=2, max_size=60), st.integers(-1, 59), st.floats(1e-6, 0.99))
def test_summarize_runs_against_a_loop(values, diverged_at, tol):
    losses = np.array(values)
    diverged_at = diverged_at if diverged_at < len(values) else -1
    if diverged_at >= 1:
        losses[diverged_at:] = np.nan
    elif diverged_at == 0:
        diverged_at = -1
    floor = float(np.nanmin(losses)) * 0.5
    (s,) = common.summarize_runs(trajectory(losses, diverged_at), floor, tol)
    final, best, gap, tail, reached = summary_by_loop(losses, diverged_at, floor, tol)
    assert (s.final_loss, s.best_loss, s.final_gap) == pytest.approx((final, best, gap), rel=1e-12, abs=1e-9)
    assert s.tail_gap == pytest.approx(tail, rel=1e-9, abs=1e-9, nan_ok=True)
    assert s.steps_to_tol == reached
    assert s.diverged_at == (diverged_at if diverged_at >= 0 else None)


def test_summarize_runs_of_a_real_run_is_within_the_theorys_bound():
    """Curvature.steps_to is an upper bound on the steps for the gap to shrink by tol."""
    c = lrcore.theory.curvature(DEFAULT)
    rates = (0.005, 0.02, 0.026)
    traj = lrcore.run(DEFAULT, list(rates), steps=3000, start=(-2.0, 8.0))
    for k, (lr, s) in enumerate(zip(rates, common.summarize_runs(traj, c.min_loss, 1e-4))):
        assert s.steps_to_tol is not None and s.steps_to_tol <= c.steps_to(1e-4, lr)
        gaps = traj.loss[k] - c.min_loss
        assert gaps[s.steps_to_tol] <= 1e-4 * gaps[0] < gaps[s.steps_to_tol - 1]


def test_results_table_writes_each_summary():
    calm, wild = (common.summarize_runs(trajectory(losses, d), 1.0, 0.25)[0] for losses, d in
                  (([5.0, 3.0, 2.0, 1.5, 1.1], -1), ([5.0, 40.0, 2e3, np.nan, np.nan], 3)))
    table = common.results_table(["calm", "wild"], [calm, wild], 0.25, tail=True)
    calm, wild = table.to_dict("records")
    (reach,) = [name for name in table.columns if name.startswith("steps to ")]
    assert calm["run"] == "calm" and float(calm["final loss"]) == 1.1 and float(calm["best loss"]) == 1.1
    assert calm[reach] == "2"  # a gap of 1.0 <= 0.25 * 4 first at step 2
    assert calm["diverged at step"] == "no"
    assert float(calm["mean gap, last 10% of steps"]) == pytest.approx(0.1, rel=1e-3)
    assert wild["final loss"] == "2000" and wild["best loss"] == "5"  # num(2e3, 4)
    assert wild[reach] == "not reached"
    assert wild["diverged at step"] == "3" and wild["mean gap, last 10% of steps"] == "diverged"
    (big,) = common.summarize_runs(trajectory(np.append(np.linspace(9.0, 2.0, 12_000), np.nan), 12_000), 1.0, 1e-3)
    assert common.results_table(["big"], [big], 1e-3)["diverged at step"].iloc[0] == "12,000"


@settings(deadline=None)
@given(st.floats(-0.9999, 0.9999), st.sampled_from([1e-1, 1e-3, 1e-6]))
def test_steps_to_shrink_against_a_loop(factor, shrink):
    expected = 1
    size = abs(factor)
    while size ** expected > shrink * (1 + 1e-12):
        expected += 1
    assert common.steps_to_shrink(factor, shrink) in (expected, expected - 1 if expected > 1 else 1)
    steps = common.steps_to_shrink(factor, shrink)
    assert size**steps <= shrink * (1 + 1e-9) and (steps == 1 or size ** (steps - 1) > shrink * (1 - 1e-9))


def test_steps_to_shrink_never_at_or_past_one():
    assert common.steps_to_shrink(1.0) == math.inf and common.steps_to_shrink(-1.5) == math.inf


@given(st.integers(1, 200_000), st.integers(10, 3000))
def test_thinned_keeps_the_ends_and_at_most_most(count, most):
    picked = common.thinned(count, most)
    assert picked[0] == 0 and picked[-1] == count - 1
    assert np.all(np.diff(picked) > 0) and len(picked) <= max(most, count if count <= most else most)


@given(st.integers(1, 20_000), st.integers(2, 1000))
def test_frame_steps_have_an_odd_stride_and_the_last_step(steps, most):
    shown = common.frame_steps(steps, most)
    assert shown[0] == 0 and shown[-1] == steps
    stride = np.diff(shown[:-1]) if len(shown) > 2 else np.array([1])
    assert np.all(stride == stride[0]) and stride[0] % 2 == 1
    assert len(shown) <= most + 2
    until = common.frame_until(shown)
    assert np.all(until[:-1] == shown[1:]) and until[-1] == steps + 1


def test_contour_lines_lie_on_their_levels():
    c = lrcore.theory.curvature(DEFAULT)
    ws, bs = np.linspace(0.0, 4.0, 300), np.linspace(-4.0, 6.0, 300)
    gw, gb = np.meshgrid(ws, bs)
    z = lrcore.losses.get("mse").value(DEFAULT, gw, gb)
    lines = common.contour_lines(ws, bs, z, c.min_loss, count=8)
    assert lines["level"].nunique() == 8 and (lines["level"] > c.min_loss).all()
    loss = lrcore.losses.get("mse").value(DEFAULT, lines["w"].to_numpy(), lines["b"].to_numpy())
    np.testing.assert_allclose(loss, lines["level"], rtol=2e-3)


# --- fit (the Data page) -----------------------------------------------------------------------------

HEADS = ("**Diverged at step", "**Diverging.**", "**At the edge.**", "**Bouncing, and converging.**",
         "**No bounce.**")


@FEW
@given(st.floats(-4.0, math.log10(4.0)), st.integers(1, 300), st.floats(-20, 20), st.floats(-20, 20),
       st.sampled_from(["default", "negative-x", "x-near-1000-standardized", "outliers"]))
def test_fit_verdict_names_the_regime_of_lr_times_lambda_max(log_multiple, steps, w0, b0, which):
    data = DATASETS[which]()
    low, high = eigenvalues(data)
    lr = 10**log_multiple / high  # lr·λmax from 1e-4 to 4
    view = fit.build(data, lr, steps, w0, b0)
    text = view.verdict.text
    (head,) = [h for h in HEADS if text.startswith(h)]
    product = lr * high
    if head.startswith("**Diverg"):
        assert product > 2 * (1 - 1e-9)
        assert (head == "**Diverged at step") == (view.diverged_at >= 0)
    elif head == "**At the edge.**":
        assert product == pytest.approx(2.0, rel=1e-9)
    elif head.startswith("**Bouncing"):
        assert 1 - 1e-9 < product < 2 * (1 + 1e-9)
    else:
        assert product <= 1 + 1e-9
    # the factors are 1 − lr·λ, with λ from numpy's eigenvalues
    assert view.factors == pytest.approx((1 - lr * low, 1 - lr * high), rel=1e-9, abs=1e-12)
    # the loss it states after these steps is the run's own (a second run)
    traj = lrcore.run(data, lr, steps=steps, start=(w0, b0))
    assert view.diverged_at == int(traj.diverged_at[0])
    if view.diverged_at < 0 and "above the best fit's" in text:
        gap = stated(text, rf"the loss is {NUMBER} above the best fit's")
        c = lrcore.theory.curvature(data)
        assert gap == pytest.approx(max(float(traj.loss[0, -1]) - c.min_loss, 0.0), rel=5e-3, abs=1e-12)


@pytest.mark.parametrize("lr", [0.004, 0.012, 0.02, 0.026])
def test_fit_verdict_numbers_against_the_trajectory(lr):
    data, steps = DEFAULT, 200
    c = lrcore.theory.curvature(data)
    view = fit.build(data, lr, steps, 0.0, 0.0)
    text = view.verdict.text
    traj = lrcore.run(data, lr, steps=4000)
    flat, steep = c.components(traj.w[0], traj.b[0])
    # the per-step factors it prints are the trajectory's ratios of errors along each direction
    assert flat[1:6] / flat[:5] == pytest.approx([view.factors[0]] * 5, rel=1e-6)
    assert steep[1:6] / steep[:5] == pytest.approx([view.factors[1]] * 5, rel=1e-6)
    flat_factor = stated(text, rf"(?:shrinks by|by) {NUMBER} per step")
    assert flat_factor == pytest.approx(1 - lr * c.lambda_min, rel=1e-3)
    # "the flat direction's error shrinks 1,000× in N steps": the first step where the run's flat error is a
    # thousandth of its start
    needed = stated(text, rf"the flat direction's error shrinks 1,000× in {NUMBER} step")
    first = int(np.flatnonzero(np.abs(flat) <= fit.SHRINK * abs(flat[0]))[0])
    assert needed == first
    steep_needed = stated(text, rf"and the steep direction's shrinks 1,000× in {NUMBER} step")
    assert steep_needed == int(np.flatnonzero(np.abs(steep) <= fit.SHRINK * abs(steep[0]))[0])
    if lr * c.lambda_max <= 1:
        assert text.startswith("**No bounce.**")
        if "passes its best value at step" in text:
            step = int(stated(text, rf"passes its best value at step {NUMBER}"))
            error = traj.w[0, : step + 1] - c.minimizer[0]
            assert np.sign(error[step]) == -np.sign(error[0]) and np.all(np.sign(error[:step]) == np.sign(error[0]))
    else:
        assert text.startswith("**Bouncing")
        assert stated(text, rf"shrinks to {NUMBER} of its size") == pytest.approx(abs(1 - lr * c.lambda_max),
                                                                                     rel=1e-3)


def test_fit_verdict_of_a_run_that_blew_up():
    view = fit.build(DEFAULT, 1.0, 200, 0.0, 0.0)
    traj = lrcore.run(DEFAULT, 1.0, steps=200)
    d = int(traj.diverged_at[0])
    low, high = eigenvalues(DEFAULT)
    assert view.verdict.kind == "error" and view.verdict.text.startswith(f"**Diverged at step {d}.**")
    assert stated(view.verdict.text, rf"1 − lr·λmax = {NUMBER}") == pytest.approx(1 - high, rel=1e-3)
    # what is drawn stops at the last finite step
    assert view.frames["step"].max() == d - 1 == view.curve["step"].max()
    assert np.isfinite(view.frames[["w", "b", "loss"]].to_numpy()).all()
    assert np.isfinite(view.directions["error"]).all()
    assert view.final == pytest.approx((traj.w[0, d - 1], traj.b[0, d - 1], traj.loss[0, d - 1]))


# --- the loss slice --------------------------------------------------------------------------------


def slice_of(data, param, loss="mse"):
    best = lrcore.losses.get(loss).minimizer(data)
    return lrcore.slices.along(data, param, best[0] if param == "b" else best[1], loss)


def curvature_by_hand(data, param):
    """Along b the MSE is a parabola of curvature 2, along w of 2·mean(x²)."""
    return 2.0 if param == "b" else 2.0 * float(np.mean(np.asarray(data.x) ** 2))


def settled_words(text: str) -> bool:
    """Whether a decay verdict says the decayed run settled."""
    return text.startswith(("Both runs settled", "Both runs end within")) or bool(re.match(r"The .* settled:", text))


def decay_rates(kind, lr, d, steps):
    t = np.arange(steps)
    return lr * (1 - d) ** t if kind == "exponential" else lr / (1 + d * t)


def check_decay_words(data, kind, loss, param, lr, per_step, steps, start) -> str:
    """Build the slice page's decay verdict and check what it says against runs of lrcore.slices.run_slice:
    "settled" only when the run ends within SETTLED of the start's distance, "can never reach" only when
    no run of the same rates, however long, ever gets that close. Returns the verdict."""
    s = slice_of(data, param, loss)
    distance = abs(start - s.minimizer)
    view = loss_slice.build(data, s, start=start, lr=lr, steps=steps, decay=kind, decay_rate=per_step)
    text = view.decay.text
    schedule = loss_slice.decay_schedule(kind, lr, per_step)
    np.testing.assert_allclose(schedule(np.arange(steps)), decay_rates(kind, lr, per_step, steps), rtol=1e-12)
    short = lrcore.slices.run_slice(data, schedule, param=param, held=s.held, start=start, steps=steps, loss=loss)
    moved = short.w[0] if param == "w" else short.b[0]
    if settled_words(text):
        assert abs(moved[-1] - s.minimizer) <= loss_slice.SETTLED * distance
    if text.startswith("Both runs"):
        constant = lrcore.slices.run_slice(data, lr, param=param, held=s.held, start=start, steps=steps, loss=loss)
        p = constant.w[0] if param == "w" else constant.b[0]
        assert abs(p[-1] - s.minimizer) <= loss_slice.SETTLED * distance
    if "can never reach" in text:
        assert kind == "exponential"
        # long enough that the rates left add up to nothing: (1 - d)^T / d < 1e-12
        long = int(math.ceil(math.log(1e-12 * per_step) / math.log(1 - per_step)))
        far = lrcore.slices.run_slice(data, schedule, param=param, held=s.held, start=start, steps=long, loss=loss)
        p = far.w[0] if param == "w" else far.b[0]
        assert np.min(np.abs(p - s.minimizer)) > loss_slice.SETTLED * distance
    if short.diverged_at[0] < 0 and "Its rates add up" in text:  # the sum of this schedule's rates
        said = stated(text, rf"Its rates add up to {NUMBER} over these steps")
        assert said == pytest.approx(float(decay_rates(kind, lr, per_step, steps).sum()), rel=5e-3)
        if kind == "exponential":
            assert stated(text, rf"could never pass {NUMBER}") == pytest.approx(lr / per_step, rel=5e-3)
    assert loss_slice.decay_name(kind) in text or text.startswith("Both runs")
    return text


@FEW
@given(kind=st.sampled_from(["exponential", "inverse time"]), loss=st.sampled_from(["mse", "mae", "huber"]),
       param=st.sampled_from(["b", "w"]), multiple=st.floats(0.02, 1.9), per_step=st.floats(0.01, 0.9),
       steps=st.integers(10, 300), start=st.floats(-30, 30))
def test_decay_words_settled_and_never_against_long_runs(kind, loss, param, multiple, per_step, steps, start):
    scale = curvature_by_hand(SMALL, param)
    if abs(start - slice_of(SMALL, param, loss).minimizer) > 1e-6:
        check_decay_words(SMALL, kind, loss, param, multiple / scale, per_step, steps, start)


@pytest.mark.parametrize("kind, loss, param, multiple, per_step, steps, start, says", [
    ("exponential", "mse", "b", 0.2, 0.5, 50, -4.0, "can never reach"),  # rates add up to 0.2: 2·0.2 < ln 100
    ("exponential", "mse", "w", 0.5, 0.01, 300, 8.0, "settled"),
    ("exponential", "mae", "b", 0.05, 0.5, 100, -4.0, "can never reach"),  # at most 0.1 × 1 of 4.8
    ("inverse time", "mae", "b", 1.0, 0.1, 200, -4.0, "settled"),
    ("exponential", "huber", "w", 0.02, 0.3, 100, 9.0, "can never reach"),
    ("exponential", "mse", "b", 3.0, 0.01, 100, -4.0, "diverged at step"),
])
def test_decay_words_in_each_case(kind, loss, param, multiple, per_step, steps, start, says):
    text = check_decay_words(DEFAULT, kind, loss, param, multiple / curvature_by_hand(DEFAULT, param), per_step,
                             steps, start)
    assert settled_words(text) if says == "settled" else says in text


@pytest.mark.parametrize("lr, per_step", [(0.3, 0.05), (0.1, 0.5), (0.45, 0.2), (0.05, 0.01)])
def test_closest_ever_is_where_a_long_exponential_run_ends(lr, per_step):
    """On the parabola along b (L'' = 2) the distance left is the product of |1 − lr_t·L''|: run it."""
    s = slice_of(DEFAULT, "b")
    schedule = loss_slice.decay_schedule("exponential", lr, per_step)
    steps = int(math.ceil(math.log(1e-14) / math.log(1 - per_step)))
    traj = lrcore.slices.run_slice(DEFAULT, schedule, param="b", held=s.held, start=s.minimizer + 5.0, steps=steps)
    left = abs(traj.b[0, -1] - s.minimizer) / 5.0
    assert loss_slice.closest_ever("exponential", lr, per_step, 2.0) == pytest.approx(left, rel=1e-6)
    assert loss_slice.closest_ever("inverse time", lr, per_step, 2.0) == 0.0


@pytest.mark.parametrize("kind, per_step", [("exponential", 0.05), ("exponential", 0.5), ("inverse time", 0.1)])
def test_rate_sum_limit_is_the_sum_of_the_rates(kind, per_step):
    total = decay_rates(kind, 0.3, per_step, 200_000).sum()
    limit = loss_slice.rate_sum_limit(kind, 0.3, per_step)
    if kind == "exponential":
        assert limit == pytest.approx(total, rel=1e-9)
    else:
        assert limit == math.inf and total > 0.3 * 10  # the harmonic series: without bound


@pytest.mark.parametrize("param", ["b", "w"])
@pytest.mark.parametrize("multiple", [0.3, 1.0, 1.5, 2.0, 2.5])
def test_constant_verdict_names_the_regime_of_lr_times_curvature(param, multiple):
    data = DEFAULT
    s = slice_of(data, param)
    curvature = curvature_by_hand(data, param)
    assert s.curvature == pytest.approx(curvature, rel=1e-12)
    lr = multiple / curvature
    view = loss_slice.build(data, s, start=-4.0, lr=lr, steps=30, decay="none", decay_rate=0.1)
    text = view.verdict.text
    expected = {0.3: "monotone", 1.0: "one step", 1.5: "oscillating but converging", 2.0: "stuck bouncing",
                2.5: "diverging"}[multiple]
    assert text.startswith(f"**Regime: {expected}.**")
    assert stated(text, rf"1/L'' = {NUMBER}") == pytest.approx(1 / curvature, rel=1e-3)
    assert stated(text, rf"here 1 − lr·L'' = {NUMBER}") == pytest.approx(1 - multiple, abs=1e-3)
    p = view.runs.loc[view.runs["run"] == loss_slice.CONSTANT, "p"].to_numpy()
    error = p - s.minimizer  # each step multiplies it by 1 − lr·L''
    np.testing.assert_allclose(error[1:4], (1 - multiple) * error[:3], rtol=1e-6, atol=1e-9 * abs(error[0]))
    assert view.decay is None


def test_the_mae_note_states_the_slopes_next_to_the_minimum():
    """The slope just left and just right of the minimum, as the note states them, against one-sided
    differences of the slice itself. Two points whose own best values coincide up to rounding put a
    kink 1e-13 from the minimum, and the slope the note states holds only within it."""
    failures = []
    for seed in range(4):
        data = lrcore.make_data(seed=seed)
        for param in ("b", "w"):
            s = slice_of(data, param, "mae")
            note = loss_slice.loss_note(data, s)
            h = 1e-7
            left = float((s.value(data, s.minimizer) - s.value(data, s.minimizer - h)) / h)
            right = float((s.value(data, s.minimizer + h) - s.value(data, s.minimizer)) / h)
            said_left = stated(note, rf"just left of the minimum it is {NUMBER}")
            said_right = stated(note, rf"just right of it {NUMBER}")
            if not (said_left == pytest.approx(left, rel=1e-2, abs=1e-6)
                    and said_right == pytest.approx(right, rel=1e-2, abs=1e-6)):
                failures.append(f"seed {seed}, {param}: says {said_left}, {said_right}; slopes {left:.4g}, {right:.4g}")
    assert not failures, "\n".join(failures)


def test_the_mae_note_states_the_far_slope():
    for param in ("b", "w"):
        s = slice_of(DEFAULT, param, "mae")
        note = loss_slice.loss_note(DEFAULT, s)
        far = abs(float(s.grad(DEFAULT, 1e6)))  # far right of every point: the slope is mean|a|
        assert stated(note, rf"up to {NUMBER} in size far away") == pytest.approx(far, rel=1e-3)


# --- schedules --------------------------------------------------------------------------------------


def summary(tail_gap, diverged_at=None):
    return common.RunSummary(final_loss=1.0 + tail_gap, best_loss=1.0, final_gap=tail_gap, tail_gap=tail_gap,
                             steps_to_tol=None, diverged_at=diverged_at)


@given(st.floats(1e-9, 1e3), st.lists(st.tuples(st.floats(1e-9, 1e3), st.booleans()), min_size=1, max_size=5),
       st.booleans())
def test_decay_verdict_says_decay_wins_only_when_some_decay_is_wins_times_closer(constant, decays, gone):
    keys = ["constant"] + [f"decay{i}" for i in range(len(decays))]
    summaries = [summary(constant, 7 if gone else None)] + [summary(g, 5 if d else None) for g, d in decays]
    verdict = schedules.decay_verdict(keys, keys, summaries, steps=1000)
    alive = [g for g, d in decays if not d]
    wins = not gone and any(g * schedules.WINS <= constant for g in alive)
    assert ("Decay wins" in verdict.text) == wins
    assert (verdict.kind == "success") == wins
    if wins:
        for i, (g, d) in enumerate(decays):
            if not d and g < constant:  # the ratio it prints is constant / gap
                ratio = stated(verdict.text, rf"decay{i} [^ ]+ \(([0-9.e-]+)× closer\)")
                assert ratio == pytest.approx(constant / g, rel=5e-3)
    for i, (g, d) in enumerate(decays):
        assert (f"decay{i} diverged at step 5" in verdict.text) == d
    if gone or not alive:
        assert "Decay wins" not in verdict.text


def test_decay_verdict_calls_closer_only_what_ended_closer():
    """A decay whose gap is larger than the constant rate's did not end closer: "0.5× closer" reads as
    closer, while its own numbers say twice as far."""
    keys = ["constant", "exponential_decay", "cosine_decay"]
    verdict = schedules.decay_verdict(keys, ["constant", "exponential", "cosine"],
                                      [summary(1.0), summary(2.0), summary(0.05)], steps=1000)
    assert "Decay wins" in verdict.text  # cosine is 20× closer
    for name, gap in (("exponential", 2.0), ("cosine", 0.05)):
        said = re.search(rf"{name} [^ ]+ \(([0-9.e-]+)× closer\)", verdict.text)
        assert said is None or float(said.group(1)) >= 1, f"{name} ended at {gap}, the constant rate at 1.0: " \
            + verdict.text


def test_decay_verdict_when_every_schedule_diverged():
    verdict = schedules.decay_verdict(["constant", "cosine_decay"], ["constant", "cosine"],
                                      [summary(1.0, 3), summary(1.0, 9)], steps=100)
    assert verdict.kind == "error" and "Every schedule diverged" in verdict.text


LR, STEPS = 0.02, 1000


def defaults_of(name):
    return {param: state.SCHED[key].default for param, key in state.SCHEDULE_PARAMS[name].items()}


def cos_anneal(start, end, fraction):
    return end + (start - end) / 2 * (np.cos(np.pi * fraction) + 1)


PUBLISHED = {  # the schedules' formulas as Keras and PyTorch publish them, with the page's default settings
    "constant": lambda t: np.full(t.shape, LR),
    "step_decay": lambda t: LR * 0.5 ** np.floor(t / 250),  # StepLR(step_size=0.25·steps, gamma=0.5)
    "multistep_decay": lambda t: LR * 0.3 ** ((t >= 500).astype(int) + (t >= 750)),
    "exponential_decay": lambda t: LR * 0.01 ** (t / STEPS),
    "inverse_time_decay": lambda t: LR / (1 + 1.0 * t / 100),
    "polynomial_decay": lambda t: (LR - 0.01 * LR) * (1 - np.minimum(t, STEPS) / STEPS) + 0.01 * LR,
    "cosine_decay": lambda t: 0.5 * LR * (1 + np.cos(np.pi * np.minimum(t, STEPS) / STEPS)),
    "warmup_cosine": lambda t: np.where(
        t < 100, LR * (1 / 3 + (1 - 1 / 3) * t / 100), 0.5 * LR * (1 + np.cos(np.pi * (t - 100) / 900))),
    "one_cycle": lambda t: np.where(  # OneCycleLR, anneal "cos": up over pct_start·total − 1 steps, then down
        t <= 299, cos_anneal(LR / 25, LR, t / 299), cos_anneal(LR, LR / 25 / 1e4, (t - 299) / (999 - 299))),
    "cyclic": lambda t: LR / 10 + (LR - LR / 10) * np.maximum(
        0, 1 - np.abs(t / 100 - 2 * np.floor(1 + t / 200) + 1)),  # CyclicLR triangular
}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_the_pages_schedules_follow_the_published_formulas(name):
    schedule = catalog.build_schedule(name, LR, STEPS, defaults_of(name))
    t = np.arange(STEPS)
    np.testing.assert_allclose(schedule(t), PUBLISHED[name](t), rtol=1e-9)


def test_schedules_build_tables_the_sum_of_the_rates_and_the_flat_error_left():
    data = DEFAULT
    chosen = tuple((name, tuple(sorted(defaults_of(name).items())))
                   for name in ("constant", "exponential_decay", "cosine_decay"))
    view = schedules.build(data, chosen=chosen, lr=LR, steps=STEPS,
                           optimizer=common.optimizer("sgd"), opt="sgd", loss="mse", batch=0)
    c = lrcore.theory.curvature(data)
    t = np.arange(STEPS)
    rates = [PUBLISHED[name](t) for name, _ in chosen]
    traj = lrcore.run(data, [lrcore.schedules.constant(LR), lrcore.schedules.exponential_decay(LR, STEPS, 0.01),
                             lrcore.schedules.cosine_decay(LR, STEPS)], steps=STEPS)
    flat0, _ = c.components(0.0, 0.0)
    for k, row in enumerate(view.table.to_dict("records")):
        assert float(row["sum of the rates"]) == pytest.approx(rates[k].sum(), rel=5e-3)
        flat_end, _ = c.components(traj.w[k, -1], traj.b[k, -1])  # what is left of the flat error, run
        assert float(row["flat direction's error left"]) == pytest.approx(flat_end / flat0, rel=5e-3)
        assert view.summaries[k].final_loss == pytest.approx(traj.loss[k, -1], rel=1e-12)
    # full batch, MSE, below the edge: the page says a constant rate converges on its own, and no decay wins
    assert LR < c.lr_max_stable and "converges here on its own" in view.when
    assert "Decay wins" not in view.verdict.text


def test_when_decay_helps_follows_the_settings():
    c = lrcore.theory.curvature(DEFAULT)
    words = schedules.when_decay_helps(DEFAULT, c, lr=1.2 * c.lr_max_stable, opt="sgd", loss="mse", batch=0)
    assert "cannot converge" in words and "converges here on its own" not in words
    words = schedules.when_decay_helps(DEFAULT, c, lr=0.5 * c.lr_max_stable, opt="sgd", loss="mse", batch=0)
    assert "converges here on its own" in words
    assert "mini-batches of 4" in schedules.when_decay_helps(DEFAULT, c, lr=0.01, opt="sgd", loss="mse", batch=4)
    # a batch as large as the data is full batch
    assert "mini-batches" not in schedules.when_decay_helps(DEFAULT, c, lr=0.01, opt="sgd", loss="mse",
                                                            batch=DEFAULT.n).split("(")[0]


def test_when_decay_helps_agrees_with_the_verdict_for_adaptive_optimizers():
    """RMSprop at a constant rate does not settle on full-batch MSE (its steps are about lr per
    coordinate, whatever the gradient); the verdict measures decay winning by orders of magnitude, so
    the caption beside it must not say decay matters only under mini-batch noise or with MAE."""
    chosen = tuple((name, tuple(sorted(defaults_of(name).items())))
                   for name in ("constant", "exponential_decay", "cosine_decay"))
    view = schedules.build(DEFAULT, chosen=chosen, lr=0.1, steps=STEPS,
                           optimizer=common.optimizer("rmsprop", state.OptimizerSettings()), opt="rmsprop",
                           loss="mse", batch=0)
    constant = view.summaries[0].tail_gap
    assert all(s.tail_gap * schedules.WINS <= constant for s in view.summaries[1:])  # measured: decay wins
    assert "Decay wins" in view.verdict.text
    assert "decay matters under mini-batch noise or with MAE" not in view.when, view.when


# --- the contour map -------------------------------------------------------------------------------


def test_frame_window_holds_the_converging_runs_and_leaves_the_diverged_out():
    center, start = (2.0, 1.0), (-2.0, 8.0)
    t = np.linspace(0, 1, 50)
    calm_w, calm_b = start[0] + (center[0] - start[0]) * t, start[1] + (center[1] - start[1]) * t ** 2
    wild_w, wild_b = start[0] * 10 ** (3 * t), start[1] * 10 ** (3 * t) * np.cos(np.pi * 49 * t)
    w, b = np.vstack([calm_w, wild_w]), np.vstack([calm_b, wild_b])
    alone = contour.frame_window(center, start, w[:1], b[:1], np.array([-1]))
    both = contour.frame_window(center, start, w, b, np.array([-1, 40]))
    assert both == alone
    w_lo, w_hi, b_lo, b_hi = both
    assert w_lo <= min(calm_w.min(), center[0]) and w_hi >= max(calm_w.max(), center[0])
    assert b_lo <= min(calm_b.min(), center[1]) and b_hi >= max(calm_b.max(), center[1])
    # a run that did not diverge but wandered far is cut at REACH start distances
    reach = contour.REACH * math.hypot(start[0] - center[0], start[1] - center[1])
    far = contour.frame_window(center, start, w, b, np.array([-1, -1]))
    assert far[1] - far[0] <= 2 * reach * 1.25 and far[3] - far[2] <= 2 * reach * 1.25


@given(st.floats(-1e3, 1e3), st.floats(1e-3, 1e3), st.floats(-1e3, 1e3), st.floats(1e-3, 1e3),
       st.integers(100, 2000), st.integers(100, 2000))
def test_equal_window_keeps_the_centre_and_equalises_units_per_pixel(w_mid, w_half, b_mid, b_half, width, height):
    window = (w_mid - w_half, w_mid + w_half, b_mid - b_half, b_mid + b_half)
    w_lo, w_hi, b_lo, b_hi = contour.equal_window(window, width, height)
    assert (w_lo + w_hi) / 2 == pytest.approx(w_mid, abs=1e-9 * (abs(w_mid) + w_half))
    assert (b_lo + b_hi) / 2 == pytest.approx(b_mid, abs=1e-9 * (abs(b_mid) + b_half))
    assert (w_hi - w_lo) / width == pytest.approx((b_hi - b_lo) / height, rel=1e-9)
    # it only widens, and one axis keeps its span
    assert w_hi - w_lo >= 2 * w_half * (1 - 1e-9) and b_hi - b_lo >= 2 * b_half * (1 - 1e-9)
    assert (w_hi - w_lo == pytest.approx(2 * w_half, rel=1e-9)) or (b_hi - b_lo == pytest.approx(2 * b_half,
                                                                                                   rel=1e-9))


def run_summary(steps_to_tol):
    return common.RunSummary(final_loss=1.0, best_loss=1.0, final_gap=0.0, tail_gap=0.0,
                             steps_to_tol=steps_to_tol, diverged_at=None)


@given(st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=1, max_size=5),
       st.one_of(st.none(), st.floats(1.0, 1e9)))
def test_race_verdict_ratio_is_expected_over_evaluations(steps_to_tol, expected):
    names = [f"run {i + 1}" for i in range(len(steps_to_tol))]
    summaries = [run_summary(k) for k in steps_to_tol]
    best_so_far = np.geomspace(10.0, 1e-3, 500) + 1.0
    search = {"w": np.zeros(500), "b": np.zeros(500), "best_so_far": best_so_far}
    target = 0.05
    words = contour.race_verdict(names, summaries, search, 1.0, target, 1e-3, expected, "mse")
    reached = [k for k in steps_to_tol if k is not None]
    if reached:
        evaluations = min(reached) + 1
        who = names[steps_to_tol.index(min(reached))]
        assert f"The fastest run, {who}, first got" in words
        assert f"after {evaluations - 1:,} steps: {evaluations:,} evaluations" in words
        if expected is not None:
            ratio = expected / evaluations
            if ratio >= 1:
                assert stated(words, rf"{NUMBER}× the run's evaluations") == pytest.approx(ratio, rel=5e-3)
            else:
                assert stated(words, rf"\({NUMBER}× fewer\)") == pytest.approx(1 / ratio, rel=5e-3)
    else:
        assert "No run got within" in words and "× the run's evaluations" not in words
    # the drawn search: the first guess within the target
    hit = int(np.flatnonzero(best_so_far - 1.0 <= target)[0]) + 1
    assert f"reaching the tolerance after {hit:,} guesses" in words
    if expected is not None:
        assert f"needs {common.count(expected)} guesses" in words


def test_contour_view_runs_and_summaries_are_lrcores():
    from ui import compute

    runs = ((0.01, "sgd"), (0.03, "sgd"), (0.02, "momentum"))
    view = compute.contour_view(DEFAULT, runs=runs, settings=state.OptimizerSettings(), start=(-2.0, 8.0), steps=300,
                                batch=0, loss="mse", delta=1.0, tol=1e-3, guesses=200, equal=False)
    c = lrcore.theory.curvature(DEFAULT)
    traj = lrcore.run(DEFAULT, [0.01, 0.03], steps=300, start=(-2.0, 8.0))
    momentum = lrcore.run(DEFAULT, 0.02, steps=300, start=(-2.0, 8.0), optimizer=lrcore.optimizers.sgd(momentum=0.9))
    losses = [traj.loss[0], traj.loss[1], momentum.loss[0]]
    diverged = [int(traj.diverged_at[0]), int(traj.diverged_at[1]), int(momentum.diverged_at[0])]
    for s, loss, d in zip(view.summaries, losses, diverged):
        assert s.diverged_at == (d if d >= 0 else None)
        gaps = loss - c.min_loss
        reached = np.flatnonzero(gaps <= 1e-3 * gaps[0])
        assert s.steps_to_tol == (int(reached[0]) if reached.size else None)
    assert diverged[1] > 0 and any(f"diverged at step {diverged[1]}" in words for words in view.exit_words)
    assert "different scales" in view.map_words and "Momentum carries its velocity" in view.map_words
    assert view.window == contour.frame_window(c.minimizer, (-2.0, 8.0), np.vstack([traj.w, momentum.w]),
                                         np.vstack([traj.b, momentum.b]), np.array(diverged))


# --- the LR finder ---------------------------------------------------------------------------------


def first_step_by_running(data, rates, start, shrink, steps):
    """The first step where lrcore.run's loss gap is at most ``shrink`` times the start's, and whether
    that step is a near tie (the gap within 1e-9 of the goal there or a step before)."""
    c = lrcore.theory.curvature(data)
    traj = lrcore.run(data, list(rates), steps=steps, start=start)
    gaps = traj.loss - c.min_loss
    goal = shrink * gaps[:, :1]
    found, ties = [], []
    for k in range(len(rates)):
        hit = np.flatnonzero(gaps[k] <= goal[k])
        found.append(int(hit[0]) if hit.size else math.inf)
        near = np.abs(gaps[k] - goal[k]) <= 1e-9 * goal[k] + 1e-12 * c.min_loss
        ties.append(bool(near.any()))
    return found, ties


@FEWER
@given(seed=st.integers(0, 50), spread=st.floats(0.5, 6.0), centre=st.floats(-3, 3),
       start=st.tuples(st.floats(-10, 10), st.floats(-10, 10)),
       shrink=st.sampled_from([1e-2, 1e-4]))
def test_steps_needed_equals_the_first_step_of_a_run_within_shrink(seed, spread, centre, start, shrink):
    data = lrcore.make_data(n=20, seed=seed, x_min=centre - spread, x_max=centre + spread)
    c = lrcore.theory.curvature(data)
    rates = c.lr_max_stable * np.array([0.05, 0.2, 0.5, 0.8, 0.95, 0.999])
    needed = finder.steps_needed(c, rates, start, shrink)
    if c.gap_after(0.0, 0, start) == 0:
        return
    most = int(min(np.max(needed[np.isfinite(needed)]), 60_000))
    found, ties = first_step_by_running(data, rates, start, shrink, most + 2)
    for k in range(len(rates)):
        if needed[k] > most:
            continue
        if ties[k]:
            assert abs(needed[k] - found[k]) <= 1
        else:
            assert needed[k] == found[k], (rates[k], needed[k], found[k])


def test_steps_needed_is_inf_at_or_past_the_edge_and_zero_at_the_minimum():
    c = lrcore.theory.curvature(DEFAULT)
    edge = c.lr_max_stable
    assert np.all(np.isinf(finder.steps_needed(c, [edge, edge * (1 + 1e-9), 2 * edge, 10.0], (0.0, 0.0))))
    assert np.all(finder.steps_needed(c, [0.01, 0.02], c.minimizer) == 0)
    # and a run past the edge indeed never gets there
    traj = lrcore.run(DEFAULT, 1.01 * edge, steps=2000)
    gaps = traj.loss[0] - c.min_loss
    assert not np.any(gaps[1:] <= finder.SHRINK * gaps[0])


def test_the_fastest_rate_beats_a_grid_of_runs():
    c = lrcore.theory.curvature(DEFAULT)
    rate, steps = finder.fastest_rate(c, (0.0, 0.0))
    grid = c.lr_max_stable * np.linspace(0.5, 0.999, 40)
    found, _ = first_step_by_running(DEFAULT, list(grid) + [rate], (0.0, 0.0), finder.SHRINK, 1000)
    assert found[-1] == steps and found[-1] <= min(found[:-1])


@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_stability_view_rules_regions_and_words(opt):
    data = DEFAULT
    view = finder.stability_view(data, count_rates=120, steps=200, opt=opt, momentum=0.9, tol=1e-4)
    c = lrcore.theory.curvature(data)
    optimizer = {"sgd": None, "momentum": lrcore.optimizers.sgd(momentum=0.9), "adam": lrcore.optimizers.adam()}[opt]
    edge = lrcore.theory.stable_edge(data, optimizer)
    rules = sorted(view.rules["lr"])
    if opt == "sgd":
        low, high = eigenvalues(data)
        assert rules == pytest.approx(sorted([1 / high, 2 / (low + high), 2 / high]), rel=1e-9)
    elif opt == "momentum":
        assert rules == pytest.approx([2 * 1.9 / c.lambda_max], rel=1e-12)
    else:
        assert rules == [] and edge is None
    # the sweep is lrcore.finder.stability's on the same rates
    found = lrcore.finder.stability(data, view.sweep["lr"].to_numpy(), steps=200, optimizer=optimizer, tol=1e-4)
    np.testing.assert_array_equal(view.sweep["diverging"], found.diverging)
    grid_step = (view.high / view.low) ** (1 / (len(view.sweep) - 1))
    if edge is not None:
        assert stated(view.words, rf"the grid's step is {NUMBER}×") == pytest.approx(grid_step, rel=1e-3)
        first = found.first_diverging
        assert edge <= first <= edge * grid_step * (1 + 1e-12)
        assert stated(view.words, rf"The first diverging rate is {NUMBER},") == pytest.approx(first, rel=1e-3)
        assert stated(view.words, rf", {NUMBER}× the theory's edge") == pytest.approx(first / edge, rel=1e-3)
        diverging = view.regions[view.regions["regime"] == "diverging"].iloc[0]
        assert diverging["start"] == pytest.approx(first) and diverging["end"] == pytest.approx(view.high)
    elif found.first_diverging is None:
        assert "No rate in the sweep diverged" in view.words
    # the bands tile the sweep without overlap
    bands = view.regions.sort_values("start")
    assert bands["start"].iloc[0] == pytest.approx(view.low) and bands["end"].iloc[-1] == pytest.approx(view.high)
    np.testing.assert_allclose(bands["start"].to_numpy()[1:], bands["end"].to_numpy()[:-1], rtol=1e-12)


def test_range_test_view_table_against_the_theory():
    data = DEFAULT
    found = lrcore.lr_range_test(data)
    view = finder.range_test_view(data, found)
    c = lrcore.theory.curvature(data)
    (column,) = [name for name in view.table.columns if "steps to shrink" in name]
    for row in view.table.to_dict("records"):
        key = {"minimum/10": "minimum"}.get(row["suggestion"], row["suggestion"])
        rate = found.suggestions[key]
        assert float(row["learning rate"]) == pytest.approx(rate, rel=1e-3)
        assert float(row["× edge (2/λmax)"]) == pytest.approx(rate / c.lr_max_stable, rel=5e-3)
        assert float(row["× worst-case optimal"]) == pytest.approx(rate / c.lr_optimal, rel=5e-3)
        (steps,), _ = first_step_by_running(data, [rate], (0.0, 0.0), finder.SHRINK, 20_000)
        assert row[column] == f"{steps:,}"
    rate, steps = finder.fastest_rate(c, (0.0, 0.0))
    assert f"the quickest to shrink the gap 10,000× is lr = {common.num(rate)}, in {common.count(steps)} steps" \
        in view.words


# --- home ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", sorted(DATASETS))
def test_home_names_match_each_runs_regime(which):
    data = DATASETS[which]()
    view = home.build(data)
    c = lrcore.theory.curvature(data)
    rates = [m / c.lambda_max for m in home.MULTIPLES]
    traj = lrcore.run(data, rates, steps=home.STEPS)
    _, high = eigenvalues(data)
    assert len(view.names) == 4
    for name, multiple, rate, d in zip(view.names, home.MULTIPLES, rates, traj.diverged_at):
        assert name.startswith(f"{multiple:g}/λmax: ")
        assert home.REGIME_WORDS[c.regimes(rate)[1]] in name
        if abs(rate * high - 1) > 1e-9:  # away from 1/λmax, the regime by numpy's eigenvalue
            words = "no direction bounces" if rate * high < 1 else \
                "bounces and shrinks" if rate * high < 2 else "bounces and grows"
            assert words in name
        assert ("diverges at step" in name) == (d >= 0)
        if d >= 0:
            assert name.endswith(f"diverges at step {d}")
        curve = view.curves[view.curves["run"] == name]
        assert curve["step"].max() == (home.STEPS if d < 0 else d - 1)
        steep = view.steep[view.steep["run"] == name]
        _, error = c.components(traj.w[list(view.names).index(name), steep["step"]],
                                traj.b[list(view.names).index(name), steep["step"]])
        np.testing.assert_allclose(steep["error"], error, rtol=1e-9, atol=1e-12)
    assert np.isfinite(view.curves["gap"]).all() and np.isfinite(view.steep["error"]).all()
    assert stated(view.words, rf"λmax, is {NUMBER}") == pytest.approx(high, rel=1e-3)


# --- what an outside review of the sentences found, each checked against its numbers ---------------


def test_huber_slice_regimes_speak_of_near_the_minimum_where_the_steps_are_not_a_parabolas():
    data = DEFAULT
    s = lrcore.slices.along(data, "b", lrcore.losses.get("huber").minimizer(data)[0], "huber")
    # from -4, one step at 1/L'' does not land on the minimum: the slope far away is capped
    traj = lrcore.slices.run_slice(data, s.lr_one_step, param="b", held=s.held, start=-4.0, steps=1, loss=s.loss)
    assert abs(traj.b[0, 1] - s.minimizer) > 1.0
    for lr in (0.5 * s.lr_one_step, s.lr_one_step, 1.5 * s.lr_one_step):
        assert "near the minimum" in lrcore.slices.regime(s, lr).why


def test_the_mae_slice_says_a_run_that_has_not_arrived_has_not_arrived():
    data = DEFAULT
    s = lrcore.slices.along(data, "b", lrcore.losses.get("mae").minimizer(data)[0], "mae")
    view = loss_slice.build(data, s, start=-4.0, lr=0.01, steps=20, decay="none", decay_rate=0.1)
    p = view.runs["p"].to_numpy()
    assert np.all(p < s.minimizer)  # it never got there
    assert "has not reached the minimum yet" in view.verdict.text
    assert stated(view.verdict.text, rf"it is {NUMBER} away") == pytest.approx(s.minimizer - p[-1], rel=5e-3)
    # the slope's sign: every point above the line gives -1 (below minus above)
    assert float(s.grad(data, -4.0)) == pytest.approx(-1.0)
    assert "share of points below the line minus the share above" in view.verdict.text


def test_a_round_bowl_has_no_flat_direction_to_speak_of():
    data = lrcore.standardize(DEFAULT)  # lambda_min = lambda_max = 2
    view = fit.build(data, 1.0, 50, 0.0, 0.0)
    assert view.verdict.text.startswith("**At the edge.**")
    assert "along every direction" in view.verdict.text and "flat direction" not in view.verdict.text
    assert "shrinks by -1" not in view.verdict.text and "multiplied by -1" not in view.verdict.text
    assert set(view.directions["direction"].str.split(" \\(").str[0]) == {"one direction", "the other direction"}


def test_rates_next_to_a_regime_boundary_print_on_their_side_of_it():
    c = lrcore.theory.curvature(DEFAULT)
    lr = 0.999999 / c.lambda_max  # no bounce, by a hair
    text = fit.fit_verdict(c, lr, 10, -1, 1.0, None).text
    assert text.startswith("**No bounce.**") and "is between 1 and 2" not in text
    assert common.num_beside(lr * c.lambda_max, 1.0, 2.0) != "1"
    assert common.plural(1, "step") == "1 step" and common.plural(2, "step") == "2 steps"


def test_the_finder_says_momentum_with_no_beta_is_plain_gradient_descent():
    view = finder.stability_view(DEFAULT, count_rates=60, steps=100, opt="momentum", momentum=0.0, tol=1e-4)
    assert "plain gradient descent" in view.words and "spirals" not in view.words


def test_the_finder_speaks_of_adam_from_its_own_sweep():
    view = finder.stability_view(DEFAULT, count_rates=60, steps=200, opt="adam", momentum=0.9, tol=1e-4)
    reached = np.isfinite(view.sweep["steps_to_tol"].to_numpy())
    assert f"{int(reached.sum())} of the 60 rates reached the tolerance" in view.words
    assert "hovering" not in view.words and view.rules.empty


def schedules_view(opt="sgd", loss="mse", batch=4, lr=0.02, steps=1000, names=("constant", "exponential_decay", "cosine_decay")):
    chosen = tuple((name, tuple(sorted({param: state.SCHED[key].default
                                        for param, key in state.SCHEDULE_PARAMS[name].items()}.items())))
                   for name in names)
    return schedules.build(DEFAULT, chosen=chosen, lr=lr, steps=steps,
                           optimizer=common.optimizer(opt, state.OptimizerSettings()), opt=opt, loss=loss, batch=batch)


def test_the_schedules_caption_gives_each_optimizer_its_own_edge():
    nesterov = lrcore.optimizers.sgd(momentum=state.OptimizerSettings().momentum, nesterov=True)
    edge = lrcore.theory.stable_edge(DEFAULT, nesterov)
    view = schedules_view(opt="nesterov")
    assert common.num(edge, 4) in view.when and "2/λmax" not in view.when
    full = schedules_view(opt="nesterov", batch=0)
    assert "at or above this momentum's own edge" in full.when  # 0.02 > its edge 0.0183: it cannot converge
    assert full.summaries[0].diverged_at is not None  # and the constant run does diverge


def test_a_run_that_climbs_without_blowing_up_is_called_diverging_not_a_noise_floor():
    view = schedules_view(opt="momentum", batch=4)
    constant = view.summaries[0]
    assert constant.diverged_at is None and constant.tail_gap > constant.start_gap  # on its way out
    assert "constant is diverging" in view.verdict.text
    assert "the constant rate's loss stayed" not in view.verdict.text
    assert view.table.loc[0, "diverged at step"] == "not yet: rising"


def test_huber_on_every_point_is_compared_with_its_own_edge():
    view = schedules_view(loss="huber", batch=0, lr=0.1, steps=600)
    edge = lrcore.theory.local_curvature(DEFAULT, "huber").edge()
    assert 0.1 > edge and common.num(edge, 4) in view.when and "cannot converge" in view.when


def test_adams_caption_claims_nothing_its_runs_can_contradict():
    view = schedules_view(opt="adam", batch=0)
    assert "hovering" not in view.when and "The runs above say what happened here." in view.when


def test_a_tie_is_not_called_a_win():
    view = schedules_view(opt="momentum", batch=0)
    gaps = [s.tail_gap for s in view.summaries]
    if gaps[0] == min(gaps[1:]):
        assert "equally close" in view.verdict.text and "ended closest" not in view.verdict.text


def test_the_race_draws_each_runs_best_so_far_and_says_first_got_within():
    from ui import compute

    view = compute.contour_view(DEFAULT, runs=((0.02, "sgd"), (0.02, "momentum")), settings=state.OptimizerSettings(),
                                start=(-2.0, 8.0), steps=300, batch=4, loss="mse", delta=1.0, tol=1e-5,
                                guesses=100, equal=True)
    for _, run in view.race.groupby("run"):
        assert np.all(np.diff(run.sort_values("evaluations")["gap"].to_numpy()) <= 0)
    if "first got within" in view.race_words and "it ended" in view.race_words:
        ended = stated(view.race_words, rf"it ended {NUMBER} above the minimum")
        assert ended > view.target_gap
    assert "momentum's" in view.map_words and "not its edges" in view.map_words
