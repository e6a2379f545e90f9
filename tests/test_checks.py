"""Argument checks: every public engine function rejects a string, a bool, NaN
and an out-of-range value where a number is due, with one message that names
the parameter and shows the value; and the checks of ``lrcore._checks`` alone."""

import math
from fractions import Fraction

import numpy as np
import pytest

import lrcore
from lrcore import _checks, finder, losses, optimizers, schedules, search, slices, theory
from lrcore.data import DataError

DATA = lrcore.make_data(n=20, seed=5)
CURVATURE = theory.curvature(DATA)
TRAJECTORY = lrcore.run(DATA, [0.01, 0.02], steps=10)
SLICE = slices.along(DATA, "b", 0.0)
SEARCH = search.random_search(DATA, guesses=10, center=(0.0, 0.0), half_width=(1.0, 1.0))
BANK = schedules.plateau_bank([schedules.reduce_on_plateau(0.1)])
LRS = [1e-3, 1e-2, 1e-1, 1.0]
CURVE = [4.0, 3.0, 1.0, 2.0]
BOX = {"center": (0.0, 0.0), "half_width": (1.0, 1.0)}

NUMBER, INTEGER, FLAG, ARRAY = "number", "integer", "flag", "array"
NO_RANGE = object()


def case(call, name, kind=NUMBER, out_of_range=NO_RANGE, nan=True):
    """One argument of one function: ``call(value)`` passes ``value`` as it.

    ``kind``: a real number, an integer, a flag, or numbers in an array
    (which a string or a bool may not be either, but where NaN may be data);
    ``out_of_range``: a value outside its bounds, if it has any; ``nan``:
    whether NaN is rejected (it is data for a loss evaluated on a diverged run).
    """
    return call, name, kind, out_of_range, nan


# Every public engine function (lrcore.export's scripts aside) and each of its
# numeric or flag arguments. The id is "function:argument".
CASES = {
    # data
    "make_data:n": case(lambda v: lrcore.make_data(n=v), "n", INTEGER, 1),
    "make_data:w": case(lambda v: lrcore.make_data(w=v), "w"),
    "make_data:b": case(lambda v: lrcore.make_data(b=v), "b"),
    "make_data:noise": case(lambda v: lrcore.make_data(noise=v), "noise", out_of_range=-1.0),
    "make_data:x_min": case(lambda v: lrcore.make_data(x_min=v), "x_min"),
    "make_data:x_max": case(lambda v: lrcore.make_data(x_max=v), "x_max"),
    "make_data:seed": case(lambda v: lrcore.make_data(seed=v), "seed", INTEGER, -1),
    "make_data:outliers": case(lambda v: lrcore.make_data(outliers=v), "outliers", out_of_range=1.5),
    # losses
    "losses.get:delta": case(lambda v: losses.get("huber", delta=v), "delta", out_of_range=0.0),
    "Huber:delta": case(lambda v: losses.Huber(delta=v), "delta", out_of_range=-1.0),
    "losses.configured:delta": case(lambda v: losses.configured("huber", {"delta": v}), "delta", out_of_range=0.0),
    "Loss.value:w": case(lambda v: losses.get("mae").value(DATA, v, 0.0), "w", ARRAY, nan=False),
    "Loss.grad:b": case(lambda v: losses.get("mse").grad(DATA, 0.0, v), "b", ARRAY, nan=False),
    "Loss.value_and_grad:w": case(lambda v: losses.get("huber").value_and_grad(DATA, v, 0.0), "w", ARRAY, nan=False),
    "Loss.pointwise:r": case(lambda v: losses.get("huber").pointwise(v), "r", ARRAY, nan=False),
    "Loss.derivative:r": case(lambda v: losses.get("mae").derivative(v), "r", ARRAY, nan=False),
    # optimizers
    "sgd:momentum": case(lambda v: optimizers.sgd(momentum=v), "momentum", out_of_range=1.0),
    "sgd:nesterov": case(lambda v: optimizers.sgd(momentum=0.9, nesterov=v), "nesterov", FLAG),
    "adagrad:eps": case(lambda v: optimizers.adagrad(eps=v), "eps", out_of_range=0.0),
    "rmsprop:alpha": case(lambda v: optimizers.rmsprop(alpha=v), "alpha", out_of_range=1.0),
    "rmsprop:eps": case(lambda v: optimizers.rmsprop(eps=v), "eps", out_of_range=-1e-8),
    "adam:beta1": case(lambda v: optimizers.adam(beta1=v), "beta1", out_of_range=-0.1),
    "adam:beta2": case(lambda v: optimizers.adam(beta2=v), "beta2", out_of_range=1.0),
    "adam:eps": case(lambda v: optimizers.adam(eps=v), "eps", out_of_range=0.0),
    "optimizers.get:momentum": case(lambda v: optimizers.get("momentum", momentum=v), "momentum", out_of_range=2.0),
    "optimizers.configured:beta2": case(lambda v: optimizers.configured("adam", {"beta2": v}), "beta2",
                                        out_of_range=1.5),
    # schedules
    "constant:lr": case(lambda v: schedules.constant(v), "lr", out_of_range=-0.1),
    "step_decay:step_size": case(lambda v: schedules.step_decay(0.1, v), "step_size", INTEGER, 0),
    "step_decay:gamma": case(lambda v: schedules.step_decay(0.1, 10, gamma=v), "gamma", out_of_range=0.0),
    "multistep_decay:milestones": case(lambda v: schedules.multistep_decay(0.1, [v]), "milestones[0]", INTEGER, 0),
    "multistep_decay:gamma": case(lambda v: schedules.multistep_decay(0.1, [5], gamma=v), "gamma",
                                  out_of_range=-1.0),
    "exponential_decay:lr": case(lambda v: schedules.exponential_decay(v, 10, 0.5), "lr", out_of_range=-1.0),
    "exponential_decay:decay_steps": case(lambda v: schedules.exponential_decay(0.1, v, 0.5), "decay_steps",
                                          INTEGER, 0),
    "exponential_decay:decay_rate": case(lambda v: schedules.exponential_decay(0.1, 10, v), "decay_rate",
                                         out_of_range=0.0),
    "exponential_decay:staircase": case(lambda v: schedules.exponential_decay(0.1, 10, 0.5, staircase=v),
                                        "staircase", FLAG),
    "inverse_time_decay:decay_rate": case(lambda v: schedules.inverse_time_decay(0.1, 10, v), "decay_rate",
                                          out_of_range=-1.0),
    "inverse_time_decay:staircase": case(lambda v: schedules.inverse_time_decay(0.1, 10, 1.0, staircase=v),
                                         "staircase", FLAG),
    "polynomial_decay:decay_steps": case(lambda v: schedules.polynomial_decay(0.1, v), "decay_steps", INTEGER, 0),
    "polynomial_decay:end_lr": case(lambda v: schedules.polynomial_decay(0.1, 10, end_lr=v), "end_lr",
                                    out_of_range=-1.0),
    "polynomial_decay:power": case(lambda v: schedules.polynomial_decay(0.1, 10, power=v), "power",
                                   out_of_range=0.0),
    "cosine_decay:lr": case(lambda v: schedules.cosine_decay(v, 10), "lr", out_of_range=-1.0),
    "cosine_decay:alpha": case(lambda v: schedules.cosine_decay(0.1, 10, alpha=v), "alpha", out_of_range=1.5),
    "cosine_restarts:first_decay_steps": case(lambda v: schedules.cosine_restarts(0.1, v), "first_decay_steps",
                                              INTEGER, 0),
    "cosine_restarts:t_mul": case(lambda v: schedules.cosine_restarts(0.1, 10, t_mul=v), "t_mul",
                                  out_of_range=0.5),
    "cosine_restarts:m_mul": case(lambda v: schedules.cosine_restarts(0.1, 10, m_mul=v), "m_mul",
                                  out_of_range=-1.0),
    "cosine_restarts:alpha": case(lambda v: schedules.cosine_restarts(0.1, 10, alpha=v), "alpha",
                                  out_of_range=2.0),
    "join:boundaries": case(lambda v: schedules.join([schedules.constant(1.0), schedules.constant(0.5)], [v]),
                            "boundaries[0]", INTEGER, 0),
    "linear_warmup:warmup_steps": case(lambda v: schedules.linear_warmup(schedules.constant(0.1), v),
                                       "warmup_steps", INTEGER, 0),
    "linear_warmup:start_factor": case(lambda v: schedules.linear_warmup(schedules.constant(0.1), 5, v),
                                       "start_factor", out_of_range=0.0),
    "one_cycle:max_lr": case(lambda v: schedules.one_cycle(v, 100), "max_lr", out_of_range=-1.0),
    "one_cycle:total_steps": case(lambda v: schedules.one_cycle(0.1, v), "total_steps", INTEGER, 1),
    "one_cycle:pct_start": case(lambda v: schedules.one_cycle(0.1, 100, pct_start=v), "pct_start",
                                out_of_range=1.0),
    "one_cycle:div_factor": case(lambda v: schedules.one_cycle(0.1, 100, div_factor=v), "div_factor",
                                 out_of_range=0.0),
    "one_cycle:final_div_factor": case(lambda v: schedules.one_cycle(0.1, 100, final_div_factor=v),
                                       "final_div_factor", out_of_range=-1.0),
    "one_cycle:three_phase": case(lambda v: schedules.one_cycle(0.1, 100, three_phase=v), "three_phase", FLAG),
    "cyclic:base_lr": case(lambda v: schedules.cyclic(v, 1.0), "base_lr", out_of_range=-1.0),
    "cyclic:max_lr": case(lambda v: schedules.cyclic(0.5, v), "max_lr", out_of_range=0.1),
    "cyclic:step_size_up": case(lambda v: schedules.cyclic(0.1, 1.0, step_size_up=v), "step_size_up", INTEGER, 0),
    "cyclic:step_size_down": case(lambda v: schedules.cyclic(0.1, 1.0, step_size_down=v), "step_size_down",
                                  INTEGER, 0),
    "cyclic:gamma": case(lambda v: schedules.cyclic(0.1, 1.0, mode="exp_range", gamma=v), "gamma",
                         out_of_range=0.0),
    "reduce_on_plateau:lr": case(lambda v: schedules.reduce_on_plateau(v), "lr", out_of_range=-1.0),
    "reduce_on_plateau:factor": case(lambda v: schedules.reduce_on_plateau(0.1, factor=v), "factor",
                                     out_of_range=1.0),
    "reduce_on_plateau:patience": case(lambda v: schedules.reduce_on_plateau(0.1, patience=v), "patience",
                                       INTEGER, -1),
    "reduce_on_plateau:threshold": case(lambda v: schedules.reduce_on_plateau(0.1, threshold=v), "threshold",
                                        out_of_range=-1.0),
    "reduce_on_plateau:cooldown": case(lambda v: schedules.reduce_on_plateau(0.1, cooldown=v), "cooldown",
                                       INTEGER, -1),
    "reduce_on_plateau:min_lr": case(lambda v: schedules.reduce_on_plateau(0.1, min_lr=v), "min_lr",
                                     out_of_range=-1.0),
    # a schedule's step may be a whole float (Keras counts steps in floats), never 0.5
    "Schedule.__call__:step": case(lambda v: schedules.constant(0.1)(v), "step", out_of_range=-1),
    "PlateauBank.observe:loss": case(lambda v: BANK.observe(v), "loss", ARRAY, nan=False),
    # descent
    "run:lr": case(lambda v: lrcore.run(DATA, v, steps=5), "lr", out_of_range=-0.1),
    "run:lr[1]": case(lambda v: lrcore.run(DATA, [0.01, v], steps=5), "lr[1]", out_of_range=-0.1),
    "run:steps": case(lambda v: lrcore.run(DATA, 0.01, steps=v), "steps", INTEGER, -1),
    "run:start": case(lambda v: lrcore.run(DATA, 0.01, steps=5, start=(v, 0.0)), "start[0]"),
    "run:batch_size": case(lambda v: lrcore.run(DATA, 0.01, steps=5, batch_size=v), "batch_size", INTEGER, 0),
    "run:seed": case(lambda v: lrcore.run(DATA, 0.01, steps=5, batch_size=4, seed=v), "seed", INTEGER, -1),
    "tail_window:steps": case(lambda v: lrcore.descent.tail_window(v), "steps", INTEGER, -1),
    "tail_window:share": case(lambda v: lrcore.descent.tail_window(10, v), "share", out_of_range=1.5),
    "Trajectory.steps_to:target": case(lambda v: TRAJECTORY.steps_to(v), "target"),
    "Trajectory.tail_mean:share": case(lambda v: TRAJECTORY.tail_mean(v), "share", out_of_range=1.5),
    "Trajectory.tail_mean:floor": case(lambda v: TRAJECTORY.tail_mean(0.5, floor=v), "floor"),
    "Trajectory.settled:floor": case(lambda v: TRAJECTORY.settled(v, 0.1), "floor"),
    "Trajectory.settled:tol": case(lambda v: TRAJECTORY.settled(0.0, v), "tol", out_of_range=-1.0),
    # theory
    "Curvature.contraction:lr": case(lambda v: CURVATURE.contraction(v), "lr", out_of_range=-1.0),
    "Curvature.steps_to:tol": case(lambda v: CURVATURE.steps_to(v, 0.01), "tol", out_of_range=0.0),
    "Curvature.steps_to:lr": case(lambda v: CURVATURE.steps_to(1e-3, v), "lr", out_of_range=-1.0),
    "Curvature.regimes:lr": case(lambda v: CURVATURE.regimes(v), "lr", out_of_range=-1.0),
    "Curvature.components:w": case(lambda v: CURVATURE.components(v, 0.0), "w", ARRAY, nan=False),
    "Curvature.gap_after:lr": case(lambda v: CURVATURE.gap_after(v, 3, (0.0, 0.0)), "lr", out_of_range=-1.0),
    "Curvature.gap_after:steps": case(lambda v: CURVATURE.gap_after(0.01, v, (0.0, 0.0)), "steps", INTEGER, -1),
    "Curvature.gap_after:start": case(lambda v: CURVATURE.gap_after(0.01, 3, (0.0, v)), "start[1]"),
    "Curvature.best_rate:steps": case(lambda v: CURVATURE.best_rate(v, (0.0, 0.0)), "steps", INTEGER, 0),
    "Curvature.best_rate:start": case(lambda v: CURVATURE.best_rate(10, (v, 0.0)), "start[0]"),
    "local_curvature:delta": case(lambda v: theory.local_curvature(DATA, "huber", delta=v), "delta",
                                  out_of_range=0.0),
    "lr_max_stable_momentum:momentum": case(lambda v: theory.lr_max_stable_momentum(DATA, v), "momentum",
                                            out_of_range=1.0),
    # finder
    "smooth_losses:losses": case(lambda v: finder.smooth_losses([1.0, v]), "losses", ARRAY, nan=False),
    "smooth_losses:smooth": case(lambda v: finder.smooth_losses(CURVE, smooth=v), "smooth", out_of_range=0.0),
    "smooth_losses:stop_factor": case(lambda v: finder.smooth_losses(CURVE, stop_factor=v), "stop_factor",
                                      out_of_range=1.0),
    "valley:lrs": case(lambda v: finder.valley([v, *LRS[1:]], CURVE), "lrs", ARRAY, -1.0),
    "valley:losses": case(lambda v: finder.valley(LRS, [v, *CURVE[1:]]), "losses", ARRAY),
    "valley:flat": case(lambda v: finder.valley(LRS, CURVE, flat=v), "flat", out_of_range=1.0),
    "steep:lrs": case(lambda v: finder.steep([*LRS[:3], v], CURVE), "lrs", ARRAY, 0.0),
    "minimum:losses": case(lambda v: finder.minimum(LRS, [*CURVE[:3], v]), "losses", ARRAY),
    "suggest:lrs": case(lambda v: finder.suggest([v, *LRS[1:]], CURVE), "lrs", ARRAY, -1.0),
    "suggest:skip_start": case(lambda v: finder.suggest(LRS, CURVE, skip_start=v), "skip_start", INTEGER, -1),
    "suggest:skip_end": case(lambda v: finder.suggest(LRS, CURVE, skip_end=v), "skip_end", INTEGER, -1),
    "lr_range_test:min_lr": case(lambda v: lrcore.lr_range_test(DATA, min_lr=v, steps=10), "min_lr",
                                 out_of_range=0.0),
    "lr_range_test:max_lr": case(lambda v: lrcore.lr_range_test(DATA, max_lr=v, steps=10), "max_lr",
                                 out_of_range=1e-8),
    "lr_range_test:steps": case(lambda v: lrcore.lr_range_test(DATA, steps=v), "steps", INTEGER, 1),
    "lr_range_test:smooth": case(lambda v: lrcore.lr_range_test(DATA, steps=10, smooth=v), "smooth",
                                 out_of_range=1.5),
    "lr_range_test:stop_factor": case(lambda v: lrcore.lr_range_test(DATA, steps=10, stop_factor=v),
                                      "stop_factor", out_of_range=0.5),
    "lr_range_test:batch_size": case(lambda v: lrcore.lr_range_test(DATA, steps=10, batch_size=v), "batch_size",
                                     INTEGER, 0),
    "lr_range_test:seed": case(lambda v: lrcore.lr_range_test(DATA, steps=10, seed=v), "seed", INTEGER, -1),
    "lr_range_test:start": case(lambda v: lrcore.lr_range_test(DATA, steps=10, start=(0.0, v)), "start[1]"),
    "stability_window:steps": case(lambda v: finder.stability_window(v), "steps", INTEGER, 0),
    "stability:rates": case(lambda v: finder.stability(DATA, [0.01, v], steps=5), "rates", ARRAY, -1.0),
    "stability:steps": case(lambda v: finder.stability(DATA, [0.01], steps=v), "steps", INTEGER, 0),
    "stability:delta": case(lambda v: finder.stability(DATA, [0.01], steps=5, loss="huber", delta=v), "delta",
                            out_of_range=0.0),
    "stability:start": case(lambda v: finder.stability(DATA, [0.01], steps=5, start=(v, 0.0)), "start[0]"),
    "stability:tol": case(lambda v: finder.stability(DATA, [0.01], steps=5, tol=v), "tol", out_of_range=1.5),
    # search
    "random_search:guesses": case(lambda v: search.random_search(DATA, guesses=v, **BOX), "guesses", INTEGER, 0),
    "random_search:center": case(lambda v: search.random_search(DATA, guesses=5, center=(v, 0.0),
                                                                half_width=(1.0, 1.0)), "center[0]"),
    "random_search:half_width": case(lambda v: search.random_search(DATA, guesses=5, center=(0.0, 0.0),
                                                                    half_width=(1.0, v)), "half_width[1]",
                                     out_of_range=0.0),
    "random_search:seed": case(lambda v: search.random_search(DATA, guesses=5, seed=v, **BOX), "seed", INTEGER, -1),
    "RandomSearch.evaluations_to:target_loss": case(lambda v: SEARCH.evaluations_to(v), "target_loss"),
    "expected_evaluations:target_gap": case(lambda v: search.expected_evaluations(DATA, target_gap=v, **BOX),
                                            "target_gap", out_of_range=0.0),
    "expected_evaluations:half_width": case(
        lambda v: search.expected_evaluations(DATA, center=(0.0, 0.0), half_width=(v, 1.0), target_gap=1.0),
        "half_width[0]", out_of_range=-1.0),
    # slices
    "along:held": case(lambda v: slices.along(DATA, "w", held=v), "held"),
    "run_slice:lr": case(lambda v: slices.run_slice(DATA, v, param="b", held=0.0, start=0.0, steps=3), "lr",
                         out_of_range=-1.0),
    "run_slice:held": case(lambda v: slices.run_slice(DATA, 0.1, param="b", held=v, start=0.0, steps=3), "held"),
    "run_slice:start": case(lambda v: slices.run_slice(DATA, 0.1, param="b", held=0.0, start=v, steps=3), "start"),
    "run_slice:steps": case(lambda v: slices.run_slice(DATA, 0.1, param="b", held=0.0, start=0.0, steps=v),
                            "steps", INTEGER, -1),
    "Slice.value:p": case(lambda v: SLICE.value(DATA, v), "p", ARRAY, nan=False),
    "Slice.grad:p": case(lambda v: SLICE.grad(DATA, v), "p", ARRAY, nan=False),
    "regime:lr": case(lambda v: slices.regime(SLICE, v), "lr", out_of_range=0.0),
}


def bad_values(kind, out_of_range, nan):
    """(label, value) pairs that must be rejected."""
    if kind == FLAG:
        return [("string", "True"), ("number", 1), ("nan", math.nan)]
    values = [("string", "0.5" if kind != INTEGER else "5"), ("bool", True)]
    if nan:
        values.append(("nan", math.nan))
    if kind == INTEGER:
        values.append(("float", 5.0))
    if out_of_range is not NO_RANGE:
        values.append(("range", out_of_range))
    return values


PARAMS = [
    pytest.param(call, name, value, id=f"{key}-{label}")
    for key, (call, name, kind, out_of_range, nan) in CASES.items()
    for label, value in bad_values(kind, out_of_range, nan)
]


@pytest.mark.parametrize("call, name, value", PARAMS)
def test_every_public_function_rejects_a_bad_argument_naming_it_and_its_value(call, name, value):
    with pytest.raises(ValueError) as caught:
        call(value)
    message = str(caught.value)
    # "<name> must be <rule>, got <value>": an array argument may be named with
    # the index of its bad element, or shown whole around the bad value
    subject, _, rest = message.partition(" must be ")
    assert subject in (name, name.split("[")[0]) or subject.startswith(name.split("[")[0] + "["), message
    assert _checks.shown(value) in rest.rpartition("got ")[2], message


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_case_accepts_a_good_value(key):
    """The cases above fail for the bad value, not because the call is wrong."""
    call, _, kind, _, _ = CASES[key]
    good = {NUMBER: 0.5, INTEGER: 5, FLAG: False, ARRAY: 0.5}[kind]
    if key in {"cyclic:max_lr", "lr_range_test:max_lr", "Schedule.__call__:step"}:
        good = 1.0
    if key in {"cosine_restarts:t_mul", "smooth_losses:stop_factor", "lr_range_test:stop_factor"}:
        good = 2.0
    call(good)


def test_the_cases_cover_every_public_function_with_numeric_arguments():
    """A new public function or parameter that takes a number needs a case here."""
    covered = {part for key in CASES for part in key.split(":")[0].split(".")}
    numeric_free = {  # their arguments are data, names, arrays of state, or objects
        "DataError", "Dataset", "Moments", "read_csv", "standardize", "MSE", "MAE", "LossSpec", "mse_floor",
        "mse_hessian", "mse_minimizer", "Optimizer", "OptimizerSpec", "SGDState", "AdagradState",
        "RMSpropState", "AdamState", "plateau_bank", "Curvature", "curvature", "slice_curvature",
        "stable_edge", "RangeTest", "Stability", "RandomSearch", "Regime", "only",
    }
    for module in (lrcore.data, losses, optimizers, schedules, lrcore.descent, theory, finder, search, slices):
        for name in module.__all__:
            if callable(getattr(module, name)):
                assert name in covered | numeric_free, f"{module.__name__}.{name} has no case"


# --- the checks themselves ------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [(3, 3.0), (-2.5, -2.5), (np.float32(0.25), 0.25), (np.int64(7), 7.0), (np.array(1.5), 1.5),
     (Fraction(1, 4), 0.25)],
)
def test_real_accepts_python_and_numpy_numbers(value, expected):
    got = _checks.real("x", value)
    assert got == expected and type(got) is float


@pytest.mark.parametrize(
    "value", ["0.5", b"0.5", None, True, np.True_, 1 + 0j, math.nan, math.inf, -math.inf, [0.5], np.array([0.5])]
)
def test_real_rejects_what_is_not_a_finite_real_number(value):
    with pytest.raises(ValueError, match=r"^x must be a finite real number, got "):
        _checks.real("x", value)


def test_real_states_its_bounds_the_way_they_are_written():
    cases = [
        ({"low": 0.0, "high": 1.0, "high_open": True}, 1.0, "x must be a real number in [0, 1), got 1.0"),
        ({"low": 0.0, "high": 1.0, "low_open": True}, 0, "x must be a real number in (0, 1], got 0"),
        ({"low": 0.0}, -1e-300, "x must be a finite real number >= 0, got -1e-300"),
        ({"low": 1e-12, "low_open": True}, 1e-12, "x must be a finite real number > 1e-12, got 1e-12"),
        ({"high": 2.5}, 3, "x must be a finite real number <= 2.5, got 3"),
        ({"high": 2.5, "high_open": True}, 2.5, "x must be a finite real number < 2.5, got 2.5"),
        ({"low": 1.0, "low_open": True, "allow_inf": True}, math.nan, "x must be a real number > 1, got nan"),
    ]
    for bounds, value, message in cases:
        with pytest.raises(ValueError) as caught:
            _checks.real("x", value, **bounds)
        assert str(caught.value) == message


def test_real_takes_inf_only_when_allowed_and_within_bounds():
    assert _checks.real("x", math.inf, low=1.0, allow_inf=True) == math.inf
    assert _checks.real("x", 10**400, allow_inf=True) == math.inf  # an int past the largest float
    with pytest.raises(ValueError, match="got 100000"):
        _checks.real("x", 10**400)
    with pytest.raises(ValueError, match=r"^x must be a real number <= 0, got inf$"):
        _checks.real("x", math.inf, high=0.0, allow_inf=True)
    assert _checks.real("x", -math.inf, high=0.0, allow_inf=True) == -math.inf


def test_integer_accepts_ints_and_numpy_integers_only():
    assert _checks.integer("n", 5) == 5 and type(_checks.integer("n", np.int16(5))) is int
    assert _checks.integer("n", np.array(3, dtype=np.uint8), low=0) == 3
    for value in (5.0, np.float64(5.0), "5", True, np.True_, None, 5 + 0j):
        with pytest.raises(ValueError, match=r"^n must be an integer in \[2, 10\], got "):
            _checks.integer("n", value, low=2, high=10)
    with pytest.raises(ValueError, match=r"^n must be an integer >= 2, got 1$"):
        _checks.integer("n", 1, low=2)
    with pytest.raises(ValueError, match=r"^n must be an integer <= 2, got 3$"):
        _checks.integer("n", 3, high=2)


def test_flag_accepts_bools_only():
    assert _checks.flag("f", True) is True and _checks.flag("f", np.False_) is False
    for value in (1, 0, "True", None, 1.0):
        with pytest.raises(ValueError, match=r"^f must be True or False, got "):
            _checks.flag("f", value)


def test_choice_matches_exactly_or_ignoring_case_and_spaces():
    assert _checks.choice("mode", "abs", ("rel", "abs")) == "abs"
    assert _checks.choice("name", " ADAM ", ("sgd", "adam"), ignore_case=True) == "adam"
    for value in ("Abs", " abs", None, 3):
        with pytest.raises(ValueError, match=r"^mode must be one of 'rel', 'abs', got "):
            _checks.choice("mode", value, ("rel", "abs"))


def test_dataset_is_a_data_error_naming_what_it_got():
    assert _checks.dataset("data", DATA) is DATA
    with pytest.raises(DataError, match=r"^data must be a lrcore Dataset .*, got \(array"):
        _checks.dataset("data", (DATA.x, DATA.y))


def test_real_array_checks_the_dtype_then_each_element():
    values = np.array([0.5, 2.0])
    assert _checks.real_array("lr", values) is values  # float64 already: no copy
    assert _checks.real_array("lr", [1, 2]).dtype == np.float64
    assert _checks.real_array("lr", 3).shape == ()
    for value in (["0.5"], "0.5", [True, False], [0.5, True], [[0.5], [np.True_]], [1 + 0j], [None], [object()]):
        with pytest.raises(ValueError, match=r"^lr must be real numbers, got "):
            _checks.real_array("lr", value)
    with pytest.raises(ValueError, match=r"^lr\[1, 0\] must be a real number in \[0, 1\], got 2.0$"):
        _checks.real_array("lr", [[0.5], [2.0]], low=0.0, high=1.0)
    with pytest.raises(ValueError, match=r"^lr must be a finite real number, got nan$"):
        _checks.real_array("lr", math.nan)
    with_nan = _checks.real_array("loss", [1.0, math.nan, math.inf], allow_nan=True, allow_inf=True)
    assert np.isnan(with_nan[1]) and with_nan[2] == math.inf


def test_shown_keeps_messages_to_one_short_line():
    assert _checks.shown("a\nb") == "'a\\nb'"
    assert _checks.shown(np.float64(0.1)) == "0.1"
    long = _checks.shown(list(range(1000)))
    assert len(long) == 80 and long.endswith("...")
    assert "\n" not in _checks.shown(np.zeros((5, 5)))
