"""lrcore.finder.stability: its classification against the theory's edge
(lrcore.theory.stable_edge, itself checked against the iteration matrix in
test_theory.py), its gaps against lrcore.run and the exact gap formula, and
its arguments."""

import math

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import lrcore
from lrcore import finder, theory
from lrcore.finder import Stability, stability, stability_window
from lrcore.optimizers import sgd
from conftest import DATASETS

DEFAULT = lrcore.make_data()


def classify_by_band(rates, edge, diverging, band=0.03):
    """(rates below (1 - band)*edge called diverging, rates above (1 + band)*edge not)."""
    ratio = np.asarray(rates) / edge
    return ratio[diverging & (ratio < 1 - band)], ratio[~diverging & (ratio > 1 + band)]


# --- the review's regression: "the loss rose at the last step" -------------------------


def test_momentum_sweep_of_the_finder_page_finds_the_edge_not_a_tenth_of_it():
    """The LR finder page's default sweep (300 rates from 1e-4 to 10 x 2/lambda_max,
    200 steps, momentum 0.9, from (0, 0)). The old rule, "diverged, or the loss
    rose over the last step", called 22 converging rates diverging, the first at
    a tenth of the edge: a heavy-ball run's loss oscillates as it shrinks."""
    c = theory.curvature(DEFAULT)
    rates = c.lr_max_stable * np.geomspace(1e-4, 10, 300)
    optimizer = sgd(momentum=0.9)
    edge = theory.stable_edge(DEFAULT, optimizer)

    traj = lrcore.run(DEFAULT, rates, steps=200, optimizer=optimizer)
    with np.errstate(invalid="ignore"):
        old_rule = (traj.diverged_at >= 0) | (traj.loss[:, -1] > traj.loss[:, -2])
    assert np.sum(old_rule & (rates < edge)) == 22
    assert rates[old_rule].min() / edge == pytest.approx(0.0997, abs=1e-3)

    found = stability(DEFAULT, rates, steps=200, optimizer=optimizer)
    wrongly_diverging, wrongly_converging = classify_by_band(rates, edge, found.diverging, band=0.0)
    assert wrongly_diverging.size == 0 and wrongly_converging.size == 0
    assert found.first_diverging == rates[rates > edge].min()  # 1.005 x the edge
    assert found.window == 28  # ceil(log(18)/log(1/0.9))


# --- the classification against the theory's edge -------------------------------------


OPTIMIZERS = {
    "gd": None,
    "heavy-ball-0.5": sgd(momentum=0.5),
    "heavy-ball-0.9": sgd(momentum=0.9),
    "heavy-ball-0.99": sgd(momentum=0.99),
    "nesterov-0.5": sgd(momentum=0.5, nesterov=True),
    "nesterov-0.9": sgd(momentum=0.9, nesterov=True),
    "nesterov-0.99": sgd(momentum=0.99, nesterov=True),
}


@pytest.mark.parametrize("data_name", sorted(DATASETS))
@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_sweep_around_the_edge_agrees_with_the_theory(opt_name, data_name):
    """600 steps: for beta = 0.99 the window is ceil(log 18/log(1/0.99)) = 288
    steps and two of them must fit (the window rule is sure to see a converging
    heavy-ball run shrink only then); at 0.97 x the edge every mode shrinks
    the gap by at least 0.99 per step (heavy ball's |eigenvalue|**2 = beta), and
    at 1.03 x it grows it by at least 1.12 per step (plain gradient descent,
    |1 - 2.06|**2; momentum grows faster), so both are decided well within it."""
    data = DATASETS[data_name]()
    optimizer = OPTIMIZERS[opt_name]
    edge = theory.stable_edge(data, optimizer)
    rates = edge * np.concatenate([np.geomspace(1e-3, 1e2, 121), [0.97, 0.98, 0.99, 1.01, 1.02, 1.03]])
    found = stability(data, rates, steps=600, optimizer=optimizer)
    wrongly_diverging, wrongly_converging = classify_by_band(rates, edge, found.diverging)
    assert wrongly_diverging.size == 0, wrongly_diverging
    assert wrongly_converging.size == 0, wrongly_converging
    assert 0.97 * edge <= found.first_diverging <= 1.03 * edge


data_settings = st.fixed_dictionaries(
    {
        "n": st.integers(2, 200),
        "w": st.floats(-100.0, 100.0),
        "b": st.floats(-100.0, 100.0),
        "noise": st.one_of(st.just(0.0), st.floats(1e-3, 10.0)),
        "x_min": st.one_of(st.floats(-1000.0, 1000.0), st.sampled_from([0.0, -5.0, 1000.0])),
        "width": st.one_of(st.floats(1e-2, 1e3), st.sampled_from([1.0, 10.0])),
        "seed": st.integers(0, 10_000),
        "outliers": st.sampled_from([0.0, 0.1]),
    }
)


def far_from_the_minimizer(c, start):
    """A start whose error is well above the parameters' rounding (``run``
    with momentum steps ``w`` and ``b`` themselves: an error of a few ulps of
    ``w*`` cannot grow or shrink smoothly) and whose gap has not underflowed."""
    error = math.hypot(start[0] - c.minimizer[0], start[1] - c.minimizer[1])
    scale = max(1.0, abs(c.minimizer[0]), abs(c.minimizer[1]))
    return error > 1e-8 * scale and c.gap_after(0.0, 0, start) > 1e-100


def made_data(settings):
    settings = dict(settings)
    width = settings.pop("width")
    return lrcore.make_data(x_max=settings["x_min"] + width, **settings)


@given(settings_=data_settings, start=st.tuples(st.floats(-10.0, 10.0), st.floats(-10.0, 10.0)))
@settings(max_examples=60, deadline=None)
def test_gradient_descent_diverges_exactly_past_the_edge_on_any_data(settings_, start):
    """1500 steps: at 1.03 x the edge the steep component grows by 1.06 per
    step, so even one seeded by rounding (1e-16 of the start) reaches the
    start's gap by step ~640 and blows up (1e12 x) by ~1100; below 0.97 x the
    gap falls at every step."""
    try:
        data = made_data(settings_)
    except lrcore.DataError:  # x all equal after rounding
        assume(False)
    c = theory.curvature(data)
    assume(far_from_the_minimizer(c, start))
    event(f"condition number 1e{int(math.log10(c.condition_number))}")
    edge = theory.stable_edge(data)
    rates = edge * np.concatenate([np.geomspace(0.01, 100.0, 41), [0.969, 1.031]])
    found = stability(data, rates, steps=1500, start=start)
    wrongly_diverging, wrongly_converging = classify_by_band(rates, edge, found.diverging)
    assert wrongly_diverging.size == 0 and wrongly_converging.size == 0


@given(
    settings_=data_settings,
    beta=st.floats(0.05, 0.95),
    nesterov=st.booleans(),
    start=st.tuples(st.floats(-10.0, 10.0), st.floats(-10.0, 10.0)),
)
@settings(max_examples=40, deadline=None)
def test_momentum_diverges_exactly_past_the_edge_on_any_data(settings_, beta, nesterov, start):
    """1500 steps: the window for beta <= 0.95 is at most 150 steps, and the
    rates at +-3% are decided as for plain gradient descent (momentum's modes
    grow faster past the edge, and shrink at least by beta per step below it)."""
    try:
        data = made_data(settings_)
    except lrcore.DataError:
        assume(False)
    c = theory.curvature(data)
    assume(far_from_the_minimizer(c, start))
    optimizer = sgd(momentum=beta, nesterov=nesterov)
    edge = theory.stable_edge(data, optimizer)
    rates = edge * np.concatenate([np.geomspace(0.01, 100.0, 21), [0.969, 1.031]])
    found = stability(data, rates, steps=1500, optimizer=optimizer, start=start)
    wrongly_diverging, wrongly_converging = classify_by_band(rates, edge, found.diverging)
    assert wrongly_diverging.size == 0 and wrongly_converging.size == 0


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_just_past_the_edge_is_caught_within_50_steps(opt_name):
    """The claim in stability's docstring, on make_data(): at 1.003 x the edge
    the gap has outgrown the start and is still rising after 50 steps."""
    optimizer = OPTIMIZERS[opt_name]
    edge = theory.stable_edge(DEFAULT, optimizer)
    found = stability(DEFAULT, [0.97 * edge, 1.003 * edge], steps=50, optimizer=optimizer)
    assert found.diverging[1] and found.diverged_at[1] == -1  # caught by the window, not a blow-up


def test_adam_runs_that_blow_up_are_diverging():
    rates = np.geomspace(1e-4, 1e14, 40)
    found = stability(DEFAULT, rates, steps=300, optimizer="adam")
    blew_up = found.diverged_at >= 0
    assert blew_up.any() and not blew_up.all()
    assert found.diverging[blew_up].all()
    assert found.first_diverging <= rates[blew_up].min()
    assert theory.stable_edge(DEFAULT, "adam") is None  # no edge to compare with
    # a blown-up run's final gap is the last finite one
    traj = lrcore.run(DEFAULT, rates[blew_up][:1], steps=300, optimizer=lrcore.optimizers.adam())
    last = traj.diverged_at[0] - 1
    assert found.final_gap[blew_up][0] == traj.loss[0, last] - found.min_loss


@pytest.mark.parametrize("optimizer", ["adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("loss", ["mse", "huber", "mae"])
def test_adaptive_optimizers_settling_into_a_bounce_are_not_diverging(optimizer, loss):
    """On make_data() none of these runs blows up; at a constant rate they bounce
    around the minimum, below the start's gap (the bounce's window maxima
    differ, by up to 10 orders of magnitude for RMSprop: the rise alone would
    call many of them diverging)."""
    rates = theory.curvature(DEFAULT).lr_max_stable * np.geomspace(1e-4, 10, 60)
    found = stability(DEFAULT, rates, steps=400, optimizer=optimizer, loss=loss)
    assert (found.diverged_at == -1).all()
    traj = lrcore.run(DEFAULT, rates, steps=400, optimizer=lrcore.optimizers.get(optimizer), loss=loss)
    gap = traj.loss - found.min_loss
    assert (gap[:, -found.window:].max(axis=1) < gap[:, 0]).all()  # the second method: below the start
    assert not found.diverging.any() and found.first_diverging is None


def test_gradient_descent_on_mae_bounces_and_is_not_diverging():
    rates = theory.curvature(DEFAULT).lr_max_stable * np.geomspace(1e-4, 10, 60)
    found = stability(DEFAULT, rates, steps=2000, loss="mae")
    assert not found.diverging.any()


# --- the numbers: gaps, steps to a tolerance, the window --------------------------------


@pytest.mark.parametrize("data_name", ["default", "negative-x", "x-near-1000"])
def test_final_gap_and_steps_to_tol_match_the_exact_gap_of_gradient_descent(data_name):
    data = DATASETS[data_name]()
    c = theory.curvature(data)
    rates = c.lr_max_stable * np.array([0.01, 0.3, 0.7, 0.99, 1.2, 5.0])
    start, steps, tol = (-2.0, 8.0), 300, 1e-3
    found = stability(data, rates, steps=steps, start=start, tol=tol)
    assert found.min_loss == c.min_loss
    exact = np.array([c.gap_after(rates, t, start) for t in range(steps + 1)]).T  # (K, steps+1)
    finite = found.diverged_at < 0
    np.testing.assert_allclose(
        found.final_gap[finite], exact[finite, -1], rtol=1e-7, atol=1e-12 * (exact[0, 0] + c.min_loss)
    )
    arrived = exact <= tol * exact[:, :1]
    expected = np.where(arrived.any(axis=1), arrived.argmax(axis=1), np.nan)
    ok = np.isnan(expected) == np.isnan(found.steps_to_tol)
    ok &= np.isnan(expected) | (np.abs(np.nan_to_num(expected) - np.nan_to_num(found.steps_to_tol)) <= 1)
    assert ok.all(), (expected, found.steps_to_tol)  # 1 step of slack: a gap at tol to rounding
    # the steps to tol against the theory's upper bound (the slowest direction's worst case)
    bound = c.steps_to(tol, rates)
    converged = np.isfinite(found.steps_to_tol)
    assert (found.steps_to_tol[converged] <= bound[converged]).all()
    # past the edge: diverging, final gap at the last finite step of lrcore.run
    assert found.diverging.tolist() == [False, False, False, False, True, True]
    traj = lrcore.run(data, rates, steps=steps, start=start)
    last = np.where(traj.diverged_at >= 0, traj.diverged_at - 1, steps)
    np.testing.assert_array_equal(found.final_gap, traj.loss[np.arange(rates.size), last] - c.min_loss)
    np.testing.assert_array_equal(found.diverged_at, traj.diverged_at)
    assert np.isnan(stability(data, rates, steps=10).steps_to_tol).all()  # tol=None


def test_huber_and_mae_gaps_are_measured_from_their_own_minimum():
    data = lrcore.make_data(n=80, outliers=0.1, seed=4)
    for loss, loss_fn in (("huber", lrcore.losses.get("huber", delta=2.0)), ("mae", lrcore.losses.get("mae"))):
        found = stability(data, [1e-3, 1e-2], steps=500, loss=loss, delta=2.0)
        assert found.min_loss == float(loss_fn.value(data, *loss_fn.minimizer(data)))
        same = stability(data, [1e-3, 1e-2], steps=500, loss=loss_fn)
        np.testing.assert_array_equal(found.final_gap, same.final_gap)
        assert (found.final_gap > -1e-9 * found.min_loss).all()  # nothing below the minimum
    # Huber with GD converges to its minimiser below its local edge
    c = theory.local_curvature(data, "huber", delta=2.0)
    found = stability(data, [0.5 * c.lr_max_stable], steps=3000, loss="huber", delta=2.0, start=c.minimizer)
    assert abs(found.final_gap[0]) < 1e-9 * c.min_loss


def test_stability_window_rule():
    assert stability_window(200) == 20  # a tenth of the run
    assert stability_window(20) == 5  # at least 5
    assert stability_window(7) == 4  # two windows fit in the 8 losses
    assert stability_window(1) == 1
    for beta in (0.5, 0.9, 0.99):
        window = math.ceil(math.log(18) / math.log(1 / beta))
        assert 18 * beta**window < 1 <= 18 * beta ** (window - 1)  # the smallest with 18*beta**W < 1
        assert stability_window(10_000, sgd(momentum=beta)) == 1000
        assert stability_window(1000, sgd(momentum=beta)) == max(100, window)
    assert stability_window(1000, sgd(momentum=0.99, nesterov=True)) == 288
    assert stability_window(1000, lrcore.optimizers.adam()) == 100


def test_rates_go_in_groups_of_at_most_the_cell_budget(monkeypatch):
    rates = theory.stable_edge(DEFAULT) * np.geomspace(0.1, 10, 50)
    whole = stability(DEFAULT, rates, steps=99, optimizer="momentum", tol=1e-2)
    calls = []
    real_run = finder.run

    def counting_run(data, lr, **kwargs):
        calls.append(len(lr) * (kwargs["steps"] + 1))
        return real_run(data, lr, **kwargs)

    monkeypatch.setattr(finder, "run", counting_run)
    monkeypatch.setattr(finder, "STABILITY_CELLS", 1000)  # 10 runs of 100 losses per group
    grouped = stability(DEFAULT, rates, steps=99, optimizer="momentum", tol=1e-2)
    assert calls == [1000] * 5
    for name in ("rates", "final_gap", "diverging", "steps_to_tol", "diverged_at"):
        np.testing.assert_array_equal(getattr(grouped, name), getattr(whole, name))
    assert grouped.first_diverging == whole.first_diverging


def test_result_is_frozen_and_read_only():
    found = stability(DEFAULT, [0.01, 0.1], steps=50, tol=0.5)
    assert isinstance(found, Stability)
    for name in ("rates", "final_gap", "diverging", "steps_to_tol", "diverged_at"):
        with pytest.raises(ValueError):
            getattr(found, name)[0] = 0
    with pytest.raises(AttributeError):
        found.window = 3
    one = stability(DEFAULT, 0.01, steps=5)  # a single rate
    assert one.rates.shape == (1,) and one.first_diverging is None


def test_the_callers_rates_are_not_touched():
    rates = np.array([0.03, 0.01])
    found = stability(DEFAULT, rates, steps=100)
    rates[0] = 7.0
    assert found.rates.tolist() == [0.03, 0.01] and found.first_diverging == 0.03


# --- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"rates": []}, "rates"),
        ({"rates": [0.1, -0.1]}, "rates"),
        ({"rates": [np.nan]}, "rates"),
        ({"rates": [[0.1]]}, "rates"),
        ({"rates": "0.1"}, "rates"),
        ({"steps": 0}, "steps"),
        ({"steps": -5}, "steps"),
        ({"steps": 10.0}, "steps"),
        ({"steps": True}, "steps"),
        ({"steps": 2_000_000}, "steps"),
        ({"optimizer": "adamw"}, "optimizer"),
        ({"optimizer": 3}, "optimizer"),
        ({"loss": "mape"}, "loss"),
        ({"loss": "huber", "delta": -1.0}, "delta"),
        ({"loss": "huber", "delta": math.nan}, "delta"),
        ({"tol": 0.0}, "tol"),
        ({"tol": 1.5}, "tol"),
        ({"tol": math.nan}, "tol"),
        ({"tol": "1e-3"}, "tol"),
        ({"start": (math.nan, 0.0)}, "start"),
        ({"start": 3.0}, "start"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, word):
    arguments = {"rates": [0.01], "steps": 10, **kwargs}
    rates = arguments.pop("rates")
    with pytest.raises(ValueError, match=word):
        stability(DEFAULT, rates, **arguments)


def test_bad_data_raises_value_error():
    with pytest.raises(ValueError, match="data"):
        stability([1.0, 2.0], [0.01], steps=10)
