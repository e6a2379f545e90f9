"""The schedules table of the schedules page (ui/catalog.py), without Streamlit.

Each builder is checked through ``build_schedule`` against the published
Keras and PyTorch formulas, written out here in numpy (period bounds of the
restarts by whole numbers, OneCycleLR's and ReduceLROnPlateau's own loops);
every schedule builds at the edges of its settings with finite positive
rates; the widgets' settings in ``ui.state`` match the table.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrcore
from ui import catalog, state

FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LR = 0.05
STEPS_LOW, STEPS_HIGH = int(state.SCHED["sched_steps"].low), int(state.SCHED["sched_steps"].high)

#: Each schedule's builder, by the name the page and the URL use.
BUILDERS = {
    "constant": catalog._constant,
    "step_decay": catalog._step,
    "multistep_decay": catalog._multistep,
    "exponential_decay": catalog._exponential,
    "inverse_time_decay": catalog._inverse_time,
    "polynomial_decay": catalog._polynomial,
    "cosine_decay": catalog._cosine,
    "cosine_restarts": catalog._restarts,
    "warmup_cosine": catalog._warmup_cosine,
    "one_cycle": catalog._one_cycle,
    "cyclic": catalog._cyclic,
    "reduce_on_plateau": catalog._plateau,
}


def defaults_of(name):
    """A schedule's settings at the defaults the widgets show (``ui.state``)."""
    return {param: state.SCHED[key].default for param, key in state.SCHEDULE_PARAMS[name].items()}


# --- the published formulas, in numpy -----------------------------------------------------


def restarts(t, first, t_mul, m_mul, alpha):
    """Keras CosineDecayRestarts: period i lasts first·t_mul**i steps and peaks at m_mul**i;
    the period holding t is found by adding whole periods (no logarithm)."""
    out = np.empty(t.shape)
    for k, step in enumerate(t):
        i, start, length = 0, 0.0, float(first)
        while step >= start + length:
            start, length, i = start + length, length * t_mul, i + 1
        fraction = (step - start) / length
        out[k] = LR * ((1 - alpha) * m_mul**i * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)
    return out


def one_cycle_lr(t, total, pct, div, three_phase, final_div=1e4):
    """PyTorch OneCycleLR.get_lr with anneal_strategy="cos", step by step."""
    initial = LR / div
    minimum = initial / final_div
    if three_phase:
        phases = [(float(pct * total) - 1, initial, LR), (float(2 * pct * total) - 2, LR, initial),
                  (total - 1, initial, minimum)]
    else:
        phases = [(float(pct * total) - 1, initial, LR), (total - 1, LR, minimum)]
    out = np.empty(t.shape)
    for k, step in enumerate(t):
        start_step = 0.0
        for i, (end_step, start_lr, end_lr) in enumerate(phases):
            if step <= end_step or i == len(phases) - 1:
                pct_done = (step - start_step) / (end_step - start_step)
                out[k] = end_lr + (start_lr - end_lr) / 2 * (math.cos(math.pi * pct_done) + 1)
                break
            start_step = end_step
    return out


def cyclic_lr(t, up, mode, gamma=1.0):
    """PyTorch CyclicLR from LR/10 to LR, step_size_down = step_size_up."""
    base = LR / 10
    total = 2 * up
    cycle = np.floor(1 + t / total)
    x = 1 + t / total - cycle
    height = (LR - base) * np.where(x <= 0.5, x / 0.5, (x - 1) / (0.5 - 1))
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": gamma**t}[mode]
    return base + height * scale


# (id, schedule, its settings (the rest at their defaults), steps, the rate at steps t)
PUBLISHED = [
    ("constant", "constant", {}, 100, lambda t: np.full(t.shape, LR)),
    # StepLR(step_size = every·steps, gamma)
    ("step", "step_decay", {"every": 0.1, "gamma": 0.7}, 1000, lambda t: LR * 0.7 ** np.floor(t / 100)),
    ("step, 0.25 of 333 steps is 83", "step_decay", {}, 333, lambda t: LR * 0.5 ** np.floor(t / 83)),
    # MultiStepLR(milestones=[first·steps, second·steps], gamma)
    ("multistep", "multistep_decay", {"first": 0.2, "second": 0.6, "gamma": 0.5}, 1000,
     lambda t: LR * 0.5 ** ((t >= 200).astype(int) + (t >= 600))),
    ("multistep, second before first: one step after it", "multistep_decay",
     {"first": 0.6, "second": 0.2, "gamma": 0.5}, 1000, lambda t: LR * 0.5 ** ((t >= 600).astype(int) + (t >= 601))),
    # ExponentialDecay(decay_steps=steps, decay_rate=to)
    ("exponential", "exponential_decay", {"to": 1e-3}, 500, lambda t: LR * 1e-3 ** (t / 500)),
    # ExponentialDecay(decay_steps=steps/10, decay_rate=to**(1/10), staircase=True)
    ("exponential staircase", "exponential_decay", {"to": 0.01, "staircase": True}, 1000,
     lambda t: LR * (0.01 ** 0.1) ** np.floor(t / 100)),
    # InverseTimeDecay(decay_steps=steps/10, decay_rate=rate[, staircase])
    ("inverse time", "inverse_time_decay", {"rate": 0.5}, 200, lambda t: LR / (1 + 0.5 * t / 20)),
    ("inverse time staircase", "inverse_time_decay", {"rate": 2.5, "staircase": True}, 1000,
     lambda t: LR / (1 + 2.5 * np.floor(t / 100))),
    # PolynomialDecay(decay_steps=steps, end_learning_rate=end·lr, power)
    ("polynomial", "polynomial_decay", {"power": 2.0, "end": 0.1}, 400,
     lambda t: (LR - 0.1 * LR) * (1 - np.minimum(t, 400) / 400) ** 2 + 0.1 * LR),
    # CosineDecay(decay_steps=steps, alpha)
    ("cosine", "cosine_decay", {"alpha": 0.2}, 300,
     lambda t: LR * ((1 - 0.2) * 0.5 * (1 + np.cos(np.pi * np.minimum(t, 300) / 300)) + 0.2)),
    # CosineDecayRestarts(first_decay_steps=first·steps, t_mul, m_mul, alpha)
    ("cosine restarts", "cosine_restarts", {"first": 0.1, "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.1}, 1000,
     lambda t: restarts(t, 100, 2.0, 0.5, 0.1)),
    ("cosine restarts, equal periods", "cosine_restarts", {"first": 0.05, "t_mul": 1.0, "m_mul": 0.8}, 1000,
     lambda t: restarts(t, 50, 1.0, 0.8, 0.0)),
    ("cosine restarts, t_mul 3 (restart at 121)", "cosine_restarts", {"first": 0.01, "t_mul": 3.0, "m_mul": 0.9}, 149,
     lambda t: restarts(t, 1, 3.0, 0.9, 0.0)),
    # LinearLR(start_factor, total_iters=warmup·steps), then CosineAnnealingLR(T_max = the rest)
    ("warmup cosine", "warmup_cosine", {"warmup": 0.2, "start": 0.5}, 500,
     lambda t: np.where(t < 100, LR * (0.5 + 0.5 * t / 100), 0.5 * LR * (1 + np.cos(np.pi * (t - 100) / 400)))),
    # OneCycleLR(max_lr=lr, total_steps=steps, pct_start, div_factor, three_phase)
    ("one-cycle", "one_cycle", {"pct_start": 0.25, "div": 10.0}, 200,
     lambda t: one_cycle_lr(t, 200, 0.25, 10.0, False)),
    ("one-cycle three phases", "one_cycle", {"three_phase": True}, 1000,
     lambda t: one_cycle_lr(t, 1000, 0.3, 25.0, True)),
    # CyclicLR(base_lr=lr/10, max_lr=lr, step_size_up=up·steps, mode, gamma)
    ("cyclic triangular2", "cyclic", {"up": 0.05, "mode": "triangular2"}, 1000, lambda t: cyclic_lr(t, 50, "triangular2")),
    ("cyclic exp_range", "cyclic", {"up": 0.1, "mode": "exp_range", "gamma": 0.99}, 300,
     lambda t: cyclic_lr(t, 30, "exp_range", 0.99)),
    # ReduceLROnPlateau: before any loss is seen, the rate is lr
    ("reduce on plateau", "reduce_on_plateau", {"factor": 0.3, "patience": 2}, 100, lambda t: np.full(t.shape, LR)),
]


@pytest.mark.parametrize("name, values, steps, formula", [case[1:] for case in PUBLISHED],
                         ids=[case[0] for case in PUBLISHED])
def test_each_builder_follows_the_published_formula(name, values, steps, formula):
    t = np.arange(steps)  # the rates of a run's updates (PyTorch's OneCycleLR serves no more)
    expected = formula(t)
    np.testing.assert_allclose(catalog.build_schedule(name, LR, steps, values)(t), expected, rtol=1e-9)
    # the table's row runs this very builder, with the unnamed settings at their defaults
    assert catalog.SCHEDULES[name].build is BUILDERS[name]
    np.testing.assert_allclose(BUILDERS[name](LR, steps, {**defaults_of(name), **values})(t), expected, rtol=1e-9)


def test_every_schedule_of_the_table_has_a_published_case_and_a_builder():
    assert set(BUILDERS) == set(catalog.SCHEDULES) == {case[1] for case in PUBLISHED}


def pytorch_plateau(losses, lr, factor, patience, cooldown, threshold=1e-4, eps=1e-8):
    """PyTorch ReduceLROnPlateau.step (mode "min", threshold_mode "rel"), one loss
    at a time: the rate after each loss."""
    best, bad, cooling, rates = math.inf, 0, 0, []
    for loss in losses:
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
        if cooling > 0:
            cooling -= 1
            bad = 0
        if bad > patience:
            cut = max(lr * factor, 0.0)
            if lr - cut > eps:
                lr = cut
            cooling, bad = cooldown, 0
        rates.append(lr)
    return rates


@pytest.mark.parametrize("values", [{}, {"factor": 0.3, "patience": 2, "cooldown": 3}, {"patience": 0}])
def test_reduce_on_plateau_cuts_the_rate_as_pytorch_does(values):
    """The rate is lr until a plateau; then the page's factor, patience and
    cooldown act as PyTorch's (its step written out above)."""
    settings_ = {**defaults_of("reduce_on_plateau"), **values}
    schedule = catalog.build_schedule("reduce_on_plateau", 1.0, 200, values)
    losses = [1.0 / (k + 1) for k in range(20)] + [0.05] * 60 + [0.01] + [0.01] * 40  # falls, a plateau, a drop
    bank = lrcore.schedules.plateau_bank([schedule])
    assert float(bank.lr[0]) == 1.0
    seen = []
    for loss in losses:
        bank.observe([loss])
        seen.append(float(bank.lr[0]))
    expected = pytorch_plateau(losses, 1.0, settings_["factor"], settings_["patience"], settings_["cooldown"])
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    assert expected[19] == 1.0 and expected[-1] < 1.0  # no cut while it falls; cut on the plateau


# --- every schedule at the edges of its settings ---------------------------------------


def edge_values(param):
    """The values a widget can take at its edges: low, default and high; both
    booleans; every option."""
    if param.kind == "bool":
        return [False, True]
    if param.kind == "choice":
        return list(param.options)
    return [param.low, param.default, param.high]


EDGES = [(name, {}) for name in catalog.SCHEDULES] + [
    (name, {param.key: value}) for name, choice in catalog.SCHEDULES.items()
    for param in choice.params for value in edge_values(param)]


@pytest.mark.parametrize("steps", [STEPS_LOW, STEPS_HIGH])
@pytest.mark.parametrize("name, values", EDGES, ids=[f"{n}-{v}" for n, v in EDGES])
def test_every_schedule_builds_at_its_edges_with_finite_positive_rates(name, values, steps):
    rates = catalog.build_schedule(name, LR, steps, values)(np.arange(steps))
    assert rates.shape == (steps,)
    assert np.all(np.isfinite(rates)) and np.all(rates > 0)
    assert rates.max() <= LR * (1 + 1e-12)  # every schedule starts at or peaks at the base rate


def any_values(name):
    """Every setting of ``name`` drawn within its widget's range."""
    parts = {}
    for param in catalog.SCHEDULES[name].params:
        if param.kind == "bool":
            parts[param.key] = st.booleans()
        elif param.kind == "choice":
            parts[param.key] = st.sampled_from(param.options)
        elif param.kind == "int":
            parts[param.key] = st.integers(int(param.low), int(param.high))
        else:
            parts[param.key] = st.floats(param.low, param.high)
    return st.fixed_dictionaries(parts)


@FEW
@given(st.data())
def test_every_schedule_builds_anywhere_in_its_settings_ranges(data):
    name = data.draw(st.sampled_from(list(catalog.SCHEDULES)))
    values = data.draw(any_values(name))
    steps = data.draw(st.integers(STEPS_LOW, STEPS_HIGH))
    lr = 10 ** data.draw(st.floats(math.log10(state.LR_MIN), math.log10(state.LR_MAX)))
    rates = catalog.build_schedule(name, lr, steps, values)(np.arange(steps))
    assert np.all(np.isfinite(rates)) and np.all(rates > 0) and rates.max() <= lr * (1 + 1e-12)


# --- the exponential staircase reaches the end rate at the end --------------------------


@pytest.mark.parametrize("steps", [10, 1000, 5000])
def test_exponential_staircase_is_at_the_end_rate_after_the_last_step(steps):
    """'Exponential: rate at the end (× lr)': the staircase is there at t = steps, as the smooth decay is."""
    for staircase in (False, True):
        schedule = catalog.build_schedule("exponential_decay", 1.0, steps, {"to": 0.01, "staircase": staircase})
        assert float(schedule(steps)) == pytest.approx(0.01, rel=1e-9)


@pytest.mark.parametrize("steps", [14, 15, 25, 4995])
def test_exponential_staircase_is_at_the_end_rate_for_any_steps(steps):
    schedule = catalog.build_schedule("exponential_decay", 1.0, steps, {"to": 0.01, "staircase": True})
    assert float(schedule(steps)) == pytest.approx(0.01, rel=1e-9)
    assert schedule(np.arange(steps)).min() >= 0.01 * (1 - 1e-12)  # it may get there at the last step


# --- length, the settings in ui.state, the defaults -------------------------------------


@given(st.floats(0.0, 1.0), st.integers(1, 100_000))
def test_length_is_the_nearest_whole_number_of_steps_and_at_least_one(fraction, steps):
    got = catalog.length(fraction, steps)
    assert isinstance(got, int) and got >= 1
    if fraction * steps >= 1:
        assert abs(got - fraction * steps) <= 0.5
    else:
        assert got == 1


def test_length_by_hand():
    assert [catalog.length(0.25, 1000), catalog.length(0.1, 333), catalog.length(0.001, 10),
            catalog.length(0.0, 10), catalog.length(1.0, 7)] == [250, 33, 1, 1, 7]


def test_each_rows_settings_are_the_widgets_of_ui_state():
    expected_keys = set()
    for name, choice in catalog.SCHEDULES.items():
        for param in choice.params:
            key = f"sched_{name}_{param.key}"
            expected_keys.add(key)
            widget = state.SCHED[key]
            assert (widget.default, widget.low, widget.high, widget.kind, widget.options) == \
                (param.default, param.low, param.high, param.kind, param.options), key
            assert state.SCHEDULE_PARAMS[name][param.key] == key
            assert widget is state.ALL[key]  # bound to the URL
        assert choice.defaults() == {p.key: p.default for p in choice.params}
    # and no schedule widget that the table does not hold
    assert {key for key in state.SCHED if any(key.startswith(f"sched_{name}_") for name in catalog.SCHEDULES)} \
        == expected_keys
    assert state.SCHEDULE_NAMES == {name: choice.label for name, choice in catalog.SCHEDULES.items()}


@pytest.mark.parametrize("name", [name for name, choice in catalog.SCHEDULES.items() if choice.params])
def test_a_setting_missing_from_values_takes_its_default(name):
    t = np.arange(400)
    steps = 400
    full = defaults_of(name)
    at_defaults = catalog.build_schedule(name, LR, steps, full)(t)
    np.testing.assert_array_equal(catalog.build_schedule(name, LR, steps, {})(t), at_defaults)
    np.testing.assert_array_equal(catalog.build_schedule(name, LR, steps, None)(t), at_defaults)
    for key in full:  # each one left out, the others given
        rest = {k: v for k, v in full.items() if k != key}
        np.testing.assert_array_equal(catalog.build_schedule(name, LR, steps, rest)(t), at_defaults, err_msg=key)


def test_a_missing_setting_takes_its_default_by_hand():
    """Only gamma given: the step stays every 0.25 of the steps, the default."""
    t = np.arange(1000)
    np.testing.assert_allclose(catalog.build_schedule("step_decay", LR, 1000, {"gamma": 0.7})(t),
                               LR * 0.7 ** np.floor(t / 250), rtol=1e-12)
