"""Schedules against the frameworks they are named after.

Each reference below is written independently of ``lrcore.schedules``, as a
plain per-step Python loop that mirrors the framework's own code: PyTorch's
chainable ``get_lr`` (StepLR, MultiStepLR, LinearLR + SequentialLR), its
``get_lr`` for OneCycleLR and CyclicLR (not chainable), a class stepping like
``ReduceLROnPlateau.step``, and Keras' closed forms evaluated one step at a
time with the ``math`` module. Values must agree to 1e-12 relative (with an
absolute floor of 1e-15 times the schedule's scale, where ``1 + cos`` near pi
cancels to ~0).
"""

import collections
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcore
from lrcore import schedules as sch

N = 3001  # steps 0..3000
STEPS = np.arange(N)
RTOL = 1e-12


def assert_matches(ours, reference, scale):
    np.testing.assert_allclose(ours, reference, rtol=RTOL, atol=1e-15 * scale)


def check_against(schedule, reference, scale, boundary_steps=()):
    """The array over 0..N-1, a 2-D array, and single ints (boundaries, ends) all match."""
    reference = np.asarray(reference, dtype=np.float64)
    n = reference.size
    values = schedule(np.arange(n))
    assert values.shape == (n,) and values.dtype == np.float64
    assert_matches(values, reference, scale)
    grid = np.arange(n - n % 3).reshape(3, -1)
    assert_matches(schedule(grid), reference[grid], scale)
    for t in {0, 1, n - 1, *(b for b in boundary_steps if 0 <= b < n)}:
        value = schedule(t)
        assert isinstance(value, float)
        assert_matches(value, reference[t], scale)
        assert value == values[t]  # one step and an array agree exactly


# ---------------------------------------------------------------------------
# References: PyTorch


def torch_step_lr(lr, step_size, gamma, n):
    """StepLR.get_lr (chainable), stepped once per update from last_epoch 0."""
    group_lr, out = lr, []
    for last_epoch in range(n):
        if not (last_epoch == 0 or last_epoch % step_size != 0):
            group_lr = group_lr * gamma
        out.append(group_lr)
    return out


def torch_multistep_lr(lr, milestones, gamma, n):
    """MultiStepLR.get_lr (chainable): a Counter of milestones."""
    counts = collections.Counter(milestones)
    group_lr, out = lr, []
    for last_epoch in range(n):
        if last_epoch in counts:
            group_lr = group_lr * gamma ** counts[last_epoch]
        out.append(group_lr)
    return out


def torch_linear_then(base, start_factor, warmup, inner, n):
    """LinearLR(start_factor, end_factor=1, total_iters=warmup).get_lr (chainable),
    then SequentialLR hands over at milestone ``warmup``: the inner scheduler
    restarts at its step 0 (``inner[k]`` is its rate at its step k)."""
    group_lr, out = base, []
    for last_epoch in range(n):
        if last_epoch >= warmup:
            out.append(inner[last_epoch - warmup])
            continue
        if last_epoch == 0:
            group_lr = base * start_factor
        else:
            group_lr = group_lr * (
                1.0 + (1.0 - start_factor) / (warmup * start_factor + (last_epoch - 1) * (1.0 - start_factor))
            )
        out.append(group_lr)
    return out


def torch_one_cycle(max_lr, total_steps, pct_start, div_factor, final_div_factor, anneal, three_phase):
    """OneCycleLR.get_lr at last_epoch 0..total_steps-1 (the steps of total_steps updates)."""
    group = {"initial_lr": max_lr / div_factor, "max_lr": max_lr}
    group["min_lr"] = group["initial_lr"] / final_div_factor
    if three_phase:
        phases = [
            {"end_step": float(pct_start * total_steps) - 1, "start_lr": "initial_lr", "end_lr": "max_lr"},
            {
                "end_step": float(2 * pct_start * total_steps) - 2,
                "start_lr": "max_lr",
                "end_lr": "initial_lr",
            },
            {"end_step": total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr"},
        ]
    else:
        phases = [
            {"end_step": float(pct_start * total_steps) - 1, "start_lr": "initial_lr", "end_lr": "max_lr"},
            {"end_step": total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr"},
        ]

    def annealing_cos(start, end, pct):
        cos_out = math.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out

    def annealing_linear(start, end, pct):
        return (end - start) * pct + start

    anneal_func = annealing_cos if anneal == "cos" else annealing_linear
    out = []
    for step_num in range(total_steps):
        start_step = 0.0
        for i, phase in enumerate(phases):
            end_step = phase["end_step"]
            if step_num <= end_step or i == len(phases) - 1:
                pct = (step_num - start_step) / (end_step - start_step)
                computed_lr = anneal_func(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                break
            start_step = phase["end_step"]
        out.append(computed_lr)
    return out


def torch_cyclic(base_lr, max_lr, step_size_up, step_size_down, mode, gamma, n):
    """CyclicLR.get_lr at last_epoch 0..n-1."""
    step_size_up = float(step_size_up)
    step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
    total_size = step_size_up + step_size_down
    step_ratio = step_size_up / total_size
    scale_fn, scale_mode = {
        "triangular": (lambda x: 1.0, "cycle"),
        "triangular2": (lambda x: 1 / (2.0 ** (x - 1)), "cycle"),
        "exp_range": (lambda x: gamma**x, "iterations"),
    }[mode]
    out = []
    for last_epoch in range(n):
        cycle = math.floor(1 + last_epoch / total_size)
        x = 1.0 + last_epoch / total_size - cycle
        if x <= step_ratio:
            scale_factor = x / step_ratio
        else:
            scale_factor = (x - 1) / (step_ratio - 1)
        base_height = (max_lr - base_lr) * scale_factor
        if scale_mode == "cycle":
            out.append(base_lr + base_height * scale_fn(cycle))
        else:
            out.append(base_lr + base_height * scale_fn(last_epoch))
    return out


class TorchPlateau:
    """ReduceLROnPlateau(mode="min", eps=1e-8) on one param group, step for step."""

    def __init__(
        self, lr, factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel", cooldown=0, min_lr=0.0
    ):
        self.lr = lr
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self.threshold, self.threshold_mode, self.eps = threshold, threshold_mode, 1e-8
        self.best, self.num_bad_epochs, self.cooldown_counter, self.last_epoch = math.inf, 0, 0, 0

    def is_better(self, a, best):
        if self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        return a < best - self.threshold

    def step(self, metrics):
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            old_lr = float(self.lr)
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0


# ---------------------------------------------------------------------------
# References: Keras closed forms, one step at a time


def keras_exponential(lr, decay_steps, decay_rate, staircase, step):
    p = float(step) / float(decay_steps)
    if staircase:
        p = math.floor(p)
    return lr * decay_rate**p


def keras_inverse_time(lr, decay_steps, decay_rate, staircase, step):
    p = float(step) / float(decay_steps)
    if staircase:
        p = math.floor(p)
    return lr / (1.0 + decay_rate * p)


def keras_polynomial(lr, decay_steps, end_lr, power, step):
    step = min(float(step), float(decay_steps))
    p = step / float(decay_steps)
    return (lr - end_lr) * (1 - p) ** power + end_lr


def keras_cosine(lr, decay_steps, alpha, step):
    step = min(float(step), float(decay_steps))
    completed_fraction = step / decay_steps
    cosine_decayed = 0.5 * (1.0 + math.cos(math.pi * completed_fraction))
    return lr * ((1 - alpha) * cosine_decayed + alpha)


def keras_cosine_restarts(lr, first_decay_steps, t_mul, m_mul, alpha, step):
    completed_fraction = float(step) / first_decay_steps
    if t_mul == 1.0:
        i_restart = math.floor(completed_fraction)
        completed_fraction -= i_restart
    else:
        i_restart = math.floor(math.log(1.0 - completed_fraction * (1.0 - t_mul)) / math.log(t_mul))
        sum_r = (1.0 - t_mul**i_restart) / (1.0 - t_mul)
        completed_fraction = (completed_fraction - sum_r) / t_mul**i_restart
    m_fac = m_mul**i_restart
    cosine_decayed = 0.5 * m_fac * (1.0 + math.cos(math.pi * completed_fraction))
    return lr * ((1 - alpha) * cosine_decayed + alpha)


def sgdr_periods(first_decay_steps, t_mul, n):
    """(period index, fraction of the period) per step, by walking the periods."""
    out, start, length, i = [], 0.0, float(first_decay_steps), 0
    for t in range(n):
        while t >= start + length:
            start, length, i = start + length, length * t_mul, i + 1
        out.append((i, (t - start) / length))
    return out


def sgdr_restarts(lr, first_decay_steps, t_mul, m_mul, alpha, n):
    return [
        lr * ((1 - alpha) * 0.5 * m_mul**i * (1.0 + math.cos(math.pi * f)) + alpha)
        for i, f in sgdr_periods(first_decay_steps, t_mul, n)
    ]


# ---------------------------------------------------------------------------
# Each schedule against its namesake, steps 0..3000


@pytest.mark.parametrize(
    "lr, step_size, gamma",
    [(0.1, 7, 0.7), (1.0, 1, 0.99), (0.5, 1000, 0.1), (2.0, 3000, 0.5), (1e-3, 100, 1.5)],
)
def test_step_decay_matches_torch_steplr(lr, step_size, gamma):
    s = sch.step_decay(lr, step_size, gamma)
    bounds = [k * step_size + d for k in (1, 2, 3) for d in (-1, 0)]
    check_against(s, torch_step_lr(lr, step_size, gamma, N), lr, bounds)


@pytest.mark.parametrize(
    "lr, milestones, gamma",
    [
        (0.1, [10, 500, 500, 2999], 0.5),  # a repeated milestone decays twice
        (1.0, [1], 0.1),
        (0.3, [], 0.1),
        (1.0, [3000, 4000], 0.3),
        (0.2, list(range(1, 3001, 3)), 0.99),
    ],
)
def test_multistep_decay_matches_torch_multisteplr(lr, milestones, gamma):
    s = sch.multistep_decay(lr, milestones, gamma)
    bounds = [m + d for m in milestones[:20] for d in (-1, 0)]
    check_against(s, torch_multistep_lr(lr, milestones, gamma, N), lr, bounds)


@pytest.mark.parametrize(
    "lr, decay_steps, decay_rate",
    [(0.1, 100, 0.96), (1.0, 1, 0.999), (0.5, 7, 1.001), (2.0, 3000, 0.01), (0.1, 250, 0.5)],
)
@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_matches_keras(lr, decay_steps, decay_rate, staircase):
    s = sch.exponential_decay(lr, decay_steps, decay_rate, staircase)
    reference = [keras_exponential(lr, decay_steps, decay_rate, staircase, t) for t in range(N)]
    bounds = [k * decay_steps + d for k in (1, 2) for d in (-1, 0)]
    check_against(s, reference, lr, bounds)


@pytest.mark.parametrize(
    "lr, decay_steps, decay_rate",
    [(0.1, 10, 0.5), (1.0, 1, 2.0), (1.0, 333, 0.0), (0.01, 3000, 7.0)],
)
@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay_matches_keras(lr, decay_steps, decay_rate, staircase):
    s = sch.inverse_time_decay(lr, decay_steps, decay_rate, staircase)
    reference = [keras_inverse_time(lr, decay_steps, decay_rate, staircase, t) for t in range(N)]
    bounds = [k * decay_steps + d for k in (1, 2) for d in (-1, 0)]
    check_against(s, reference, lr, bounds)


@pytest.mark.parametrize(
    "lr, decay_steps, end_lr, power",
    [
        (0.1, 1000, 1e-4, 1.0),
        (1.0, 2999, 0.0, 0.5),
        (0.01, 10, 0.1, 2.0),
        (1.0, 1, 0.5, 3.0),
        (0.3, 3000, 0.0, 1.7),
    ],
)
def test_polynomial_decay_matches_keras(lr, decay_steps, end_lr, power):
    s = sch.polynomial_decay(lr, decay_steps, end_lr, power)
    reference = [keras_polynomial(lr, decay_steps, end_lr, power, t) for t in range(N)]
    check_against(s, reference, max(lr, end_lr), [decay_steps - 1, decay_steps, decay_steps + 1])


@pytest.mark.parametrize(
    "lr, decay_steps, alpha",
    [(0.1, 1000, 0.0), (1.0, 2999, 0.1), (1.0, 1, 0.5), (0.3, 3000, 1.0), (0.05, 77, 0.01)],
)
def test_cosine_decay_matches_keras(lr, decay_steps, alpha):
    s = sch.cosine_decay(lr, decay_steps, alpha)
    reference = [keras_cosine(lr, decay_steps, alpha, t) for t in range(N)]
    check_against(s, reference, lr, [decay_steps - 1, decay_steps, decay_steps + 1])


RESTARTS = [  # (lr, first_decay_steps, t_mul, m_mul, alpha): t_mul whose periods add up exactly
    (0.1, 10, 2.0, 1.0, 0.0),
    (1.0, 10, 3.0, 0.5, 0.1),
    (1.0, 100, 1.0, 0.9, 0.0),
    (0.5, 7, 1.5, 1.0, 0.2),
    (1.0, 1, 10.0, 0.8, 0.0),
    (1.0, 3, 1.0, 0.999, 0.0),
    (0.2, 5, 1.25, 1.1, 0.0),
]


def first_steps(first_decay_steps, t_mul, n):
    """The first step of each period that holds one (a restart when its fraction is 0)."""
    periods = sgdr_periods(first_decay_steps, t_mul, n)
    return [t for t, (i, f) in enumerate(periods) if t == 0 or i != periods[t - 1][0]]


def restart_steps(first_decay_steps, t_mul, n):
    periods = sgdr_periods(first_decay_steps, t_mul, n)
    return [t for t in first_steps(first_decay_steps, t_mul, n) if t > 0 and periods[t][1] == 0.0]


@pytest.mark.parametrize("lr, first, t_mul, m_mul, alpha", RESTARTS)
def test_cosine_restarts_matches_sgdr_periods(lr, first, t_mul, m_mul, alpha):
    s = sch.cosine_restarts(lr, first, t_mul, m_mul, alpha)
    starts = first_steps(first, t_mul, N)
    bounds = [r + d for r in starts[:30] for d in (-1, 0, 1)]
    scale = lr * max(1.0, m_mul ** len(starts))
    check_against(s, sgdr_restarts(lr, first, t_mul, m_mul, alpha, N), scale, bounds)


@pytest.mark.parametrize("lr, first, t_mul, m_mul, alpha", RESTARTS)
def test_cosine_restarts_matches_keras_except_where_its_log_misplaces_a_restart(
    lr, first, t_mul, m_mul, alpha
):
    s = sch.cosine_restarts(lr, first, t_mul, m_mul, alpha)
    keras = np.array([keras_cosine_restarts(lr, first, t_mul, m_mul, alpha, t) for t in range(N)])
    ours = s(STEPS)
    scale = lr * max(1.0, m_mul**30)
    differ = ~np.isclose(ours, keras, rtol=RTOL, atol=1e-15 * scale)
    restarts = set(restart_steps(first, t_mul, N))
    assert set(np.flatnonzero(differ).tolist()) <= restarts
    for t in np.flatnonzero(differ):  # Keras ends the previous period there: alpha*lr
        i, _ = sgdr_periods(first, t_mul, t + 1)[-1]
        assert math.isclose(keras[t], alpha * lr, rel_tol=1e-9, abs_tol=1e-15)
        assert math.isclose(ours[t], lr * ((1 - alpha) * m_mul**i + alpha), rel_tol=RTOL)


def test_keras_restart_misplacement_is_real_for_t_mul_3():
    # c = 121 = 1 + 3 + 9 + 27 + 81 starts period 5, but log(243)/log(3) < 5 in float64.
    s = sch.cosine_restarts(1.0, 10, t_mul=3.0, m_mul=0.5, alpha=0.0)
    assert keras_cosine_restarts(1.0, 10, 3.0, 0.5, 0.0, 1210) < 1e-30
    assert s(1210) == 0.5**5
    assert s(1209) < 1e-4 and s(1211) < 0.5**5


@pytest.mark.parametrize(
    "inner, reference_inner, warmup, start_factor",
    [
        (sch.step_decay(0.1, 30, 0.5), torch_step_lr(0.1, 30, 0.5, N), 100, 1 / 3),
        (sch.multistep_decay(1.0, [5, 9], 0.1), torch_multistep_lr(1.0, [5, 9], 0.1, N), 1, 0.25),
        (sch.cosine_decay(0.2, 1000, 0.1), [keras_cosine(0.2, 1000, 0.1, t) for t in range(N)], 50, 0.05),
        (sch.constant(1.0), [1.0] * N, 2999, 1.0),
        (
            sch.exponential_decay(0.3, 10, 0.9),
            [keras_exponential(0.3, 10, 0.9, False, t) for t in range(N)],
            500,
            0.001,
        ),
    ],
)
def test_linear_warmup_matches_torch_linearlr_then_sequentiallr(inner, reference_inner, warmup, start_factor):
    s = sch.linear_warmup(inner, warmup, start_factor)
    reference = torch_linear_then(reference_inner[0], start_factor, warmup, reference_inner, N)
    check_against(s, reference, reference_inner[0], [warmup - 1, warmup, warmup + 1])


ONE_CYCLES = [  # (max_lr, total_steps, pct_start, div_factor, final_div_factor, anneal, three_phase)
    (0.1, 3000, 0.3, 25.0, 1e4, "cos", False),
    (1.0, 1000, 0.25, 10.0, 100.0, "linear", False),
    (1.0, 1001, 0.3, 25.0, 1e4, "cos", True),
    (0.5, 7, 0.45, 5.0, 1e3, "linear", True),  # phase ends 2.15, 4.3, 6
    (1.0, 2, 0.75, 25.0, 1e4, "cos", False),  # phase ends 0.5, 1
    (1.0, 10, 0.12, 25.0, 1e4, "cos", True),  # phase ends 0.2, 0.4, 9: the middle holds no step
    (2.0, 2999, 0.999, 4.0, 2.0, "cos", False),
    (0.3, 500, 0.5, 1.0, 1.0, "linear", True),
]


@pytest.mark.parametrize("max_lr, total, pct, div, final_div, anneal, three", ONE_CYCLES)
def test_one_cycle_matches_torch_onecyclelr_and_then_holds(max_lr, total, pct, div, final_div, anneal, three):
    s = sch.one_cycle(max_lr, total, pct, div, final_div, anneal, three)
    reference = torch_one_cycle(max_lr, total, pct, div, final_div, anneal, three)
    ends = [float(pct * total) - 1, float(2 * pct * total) - 2, total - 1]
    bounds = [math.floor(e) + d for e in ends for d in (0, 1)]
    check_against(s, reference, max_lr, bounds)
    # PyTorch raises when stepped past total_steps; we hold the last value.
    after = s(np.arange(total, N + total))
    assert np.all(after == reference[-1])
    assert s(10**12) == reference[-1]


@pytest.mark.parametrize(
    "base_lr, max_lr, up, down, mode, gamma",
    [
        (0.001, 0.1, 20, None, "triangular", 1.0),
        (0.01, 0.1, 7, 13, "triangular2", 1.0),
        (0.0, 1.0, 50, 25, "exp_range", 0.999),
        (0.1, 0.1, 1, 1, "triangular", 1.0),
        (0.0, 1.0, 1, 1, "exp_range", 0.99),
        (0.001, 0.006, 2000, None, "triangular", 1.0),
        (0.2, 0.5, 3, 1, "triangular2", 0.5),
        (0.0, 2.0, 10, 290, "exp_range", 1.0),
    ],
)
def test_cyclic_matches_torch_cycliclr(base_lr, max_lr, up, down, mode, gamma):
    s = sch.cyclic(base_lr, max_lr, up, down, mode, gamma)
    total = up + (down if down is not None else up)
    bounds = [k * total + d for k in (1, 2, 3) for d in (-1, 0, up)]
    check_against(s, torch_cyclic(base_lr, max_lr, up, down, mode, gamma, N), max_lr, bounds)


def test_constant_is_constant():
    s = sch.constant(0.25)
    assert np.all(s(STEPS) == 0.25) and s(0) == 0.25 and s(10**15) == 0.25


def test_defaults_behave_as_the_frameworks_defaults():
    """Each factory given only its required arguments runs as the framework's
    class given only its own: the references above, called with the
    defaults the frameworks document."""
    n = 3001
    check_against(sch.step_decay(0.1, 5), torch_step_lr(0.1, 5, 0.1, n), 0.1, [4, 5])  # StepLR gamma=0.1
    check_against(sch.multistep_decay(0.1, [5, 9]), torch_multistep_lr(0.1, [5, 9], 0.1, n), 0.1, [5, 9])
    keras = {  # Keras: staircase=False, end_learning_rate=1e-4, power=1, alpha=0
        sch.exponential_decay(0.1, 50, 0.5): [keras_exponential(0.1, 50, 0.5, False, t) for t in range(n)],
        sch.inverse_time_decay(0.1, 50, 0.5): [keras_inverse_time(0.1, 50, 0.5, False, t) for t in range(n)],
        sch.polynomial_decay(0.1, 50): [keras_polynomial(0.1, 50, 1e-4, 1.0, t) for t in range(n)],
        sch.cosine_decay(0.1, 50): [keras_cosine(0.1, 50, 0.0, t) for t in range(n)],
    }
    for schedule, reference in keras.items():
        check_against(schedule, reference, 0.1, [49, 50, 51])
    # CosineDecayRestarts: t_mul=2, m_mul=1, alpha=0
    check_against(sch.cosine_restarts(0.1, 50), sgdr_restarts(0.1, 50, 2.0, 1.0, 0.0, n), 0.1, [50, 150, 350])
    # LinearLR: start_factor=1/3
    check_against(sch.linear_warmup(sch.constant(0.1), 5), torch_linear_then(0.1, 1 / 3, 5, [0.1] * n, n), 0.1)
    # OneCycleLR: pct_start=0.3, div_factor=25, final_div_factor=1e4, anneal_strategy="cos", three_phase=False
    check_against(sch.one_cycle(0.1, 100), torch_one_cycle(0.1, 100, 0.3, 25.0, 1e4, "cos", False), 0.1, [29, 30])
    # CyclicLR: step_size_up=2000, step_size_down=None, mode="triangular", gamma=1
    check_against(
        sch.cyclic(0.001, 0.006), torch_cyclic(0.001, 0.006, 2000, None, "triangular", 1.0, 5000), 0.006, [2000, 4000]
    )
    # ReduceLROnPlateau: factor=0.1, patience=10, threshold=1e-4 ("rel"), cooldown=0, min_lr=0
    bank = sch.plateau_bank([sch.reduce_on_plateau(0.1)])
    reference = TorchPlateau(0.1)
    for loss in random_losses(np.random.default_rng(3), 300, 1)[:, 0]:
        bank.observe([loss])
        reference.step(loss)
        assert bank.lr.tolist() == [reference.lr]
    assert reference.lr < 0.1  # the defaults did cut the rate


# ---------------------------------------------------------------------------
# Endpoints and shapes


def is_nonincreasing(values):
    return bool(np.all(np.diff(values) <= 0))


@pytest.mark.parametrize(
    "schedule",
    [
        sch.step_decay(0.1, 7, 0.7),
        sch.multistep_decay(0.1, [3, 3, 100], 0.5),
        sch.exponential_decay(0.1, 10, 0.9),
        sch.exponential_decay(0.1, 10, 0.9, staircase=True),
        sch.inverse_time_decay(0.1, 10, 0.5),
        sch.inverse_time_decay(0.1, 10, 0.5, staircase=True),
        sch.polynomial_decay(0.1, 1000, 1e-3, 0.5),
        sch.cosine_decay(0.1, 1000, 0.1),
    ],
    ids=repr,
)
def test_decays_start_at_lr_and_never_rise(schedule):
    values = schedule(STEPS)
    assert values[0] == schedule.params["lr"]
    assert is_nonincreasing(values)


def test_polynomial_and_cosine_reach_their_floor_and_hold():
    poly = sch.polynomial_decay(0.1, 100, end_lr=0.01, power=2.0)
    assert poly(0) == 0.1 and np.all(poly(np.arange(100, 500)) == 0.01)
    rising = sch.polynomial_decay(0.01, 100, end_lr=0.1)
    assert np.all(np.diff(rising(np.arange(101))) > 0) and rising(100) == 0.1
    cos = sch.cosine_decay(0.1, 100, alpha=0.2)
    assert cos(0) == 0.1 and np.all(cos(np.arange(100, 500)) == pytest.approx(0.02, rel=1e-15))
    assert sch.cosine_decay(0.1, 100)(100) == 0.0
    assert cos(50) == pytest.approx(0.1 * (0.8 * 0.5 + 0.2), rel=1e-15)


def test_step_decay_boundaries():
    s = sch.step_decay(1.0, 10, 0.5)
    assert (s(9), s(10), s(19), s(20)) == (1.0, 0.5, 0.5, 0.25)
    repeated = sch.multistep_decay(1.0, [4, 4, 6], 0.5)
    assert repeated(np.array([3, 4, 5, 6])).tolist() == [1.0, 0.25, 0.25, 0.125]


@pytest.mark.parametrize("lr, first, t_mul, m_mul, alpha", RESTARTS)
def test_cosine_restarts_restart_at_m_mul_power_and_decay_within_periods(lr, first, t_mul, m_mul, alpha):
    s = sch.cosine_restarts(lr, first, t_mul, m_mul, alpha)
    values = s(STEPS)
    periods = sgdr_periods(first, t_mul, N)
    starts = first_steps(first, t_mul, N)
    restarts = set(restart_steps(first, t_mul, N))
    assert len(starts) > 3 and (t_mul != 2.0 or len(restarts) == len(starts) - 1)
    for k, start in enumerate(starts):
        if start == 0 or start in restarts:
            i = periods[start][0]
            assert values[start] == pytest.approx(lr * ((1 - alpha) * m_mul**i + alpha), rel=RTOL)
        end = starts[k + 1] if k + 1 < len(starts) else N
        assert is_nonincreasing(values[start:end])
    assert np.all(values >= alpha * lr * (1 - 1e-15))


def test_linear_warmup_rises_to_the_inner_start_then_follows_it():
    inner = sch.cosine_decay(0.2, 100)
    s = sch.linear_warmup(inner, 10, start_factor=0.1)
    values = s(np.arange(200))
    assert values[0] == pytest.approx(0.02, rel=1e-15)
    assert np.all(np.diff(values[:11]) > 0)
    assert values[10] == 0.2
    np.testing.assert_array_equal(values[10:], inner(np.arange(190)))
    assert sch.linear_warmup(inner, 10, start_factor=1.0)(np.arange(10)).tolist() == [0.2] * 10


def test_linear_warmup_is_a_join_of_a_ramp_and_the_schedule():
    inner = sch.step_decay(0.1, 7, 0.5)
    s = sch.linear_warmup(inner, 20, 0.5)
    ramp = sch.linear_warmup(sch.constant(0.1), 20, 0.5)
    joined = sch.join([ramp, inner], [20])
    np.testing.assert_array_equal(s(STEPS), joined(STEPS))


@pytest.mark.parametrize("max_lr, total, pct, div, final_div, anneal, three", ONE_CYCLES)
def test_one_cycle_endpoints_and_shape(max_lr, total, pct, div, final_div, anneal, three):
    s = sch.one_cycle(max_lr, total, pct, div, final_div, anneal, three)
    values = s(np.arange(total))
    initial, min_lr = max_lr / div, max_lr / div / final_div
    assert values[0] == pytest.approx(initial, rel=RTOL)
    assert values[-1] == pytest.approx(min_lr, rel=1e-9, abs=1e-15 * max_lr)
    assert np.all(values <= max(max_lr, initial) * (1 + 1e-15))
    assert np.all(values >= min(min_lr, initial) * (1 - 1e-12))
    rise_end = float(pct * total) - 1
    peak = math.floor(rise_end)
    if max_lr >= initial:
        assert np.all(np.diff(values[: peak + 1]) >= 0)
        if not three:
            assert np.all(np.diff(values[peak + 1 :]) <= 0)
    if float(rise_end).is_integer():
        assert values[peak] == pytest.approx(max_lr, rel=RTOL)


def test_cyclic_shape():
    s = sch.cyclic(0.1, 1.0, step_size_up=4, step_size_down=6)
    values = s(np.arange(30))
    # PyTorch's x = 1 + t/total - cycle lands a hair past the peak: 0.9999999999999998, not 1.
    assert values[0] == 0.1 and values[10] == 0.1
    assert values[4] == pytest.approx(1.0, rel=1e-15) and values[14] == pytest.approx(1.0, rel=1e-15)
    assert np.all(np.diff(values[:5]) > 0) and np.all(np.diff(values[4:11]) < 0)
    assert np.all((values >= 0.1) & (values <= 1.0))
    halving = sch.cyclic(0.0, 1.0, 2, mode="triangular2")
    assert halving(np.array([2, 6, 10, 14])).tolist() == [1.0, 0.5, 0.25, 0.125]
    assert halving(10**9) == 0.0  # 1/2**(cycle - 1) underflows quietly


@pytest.mark.parametrize(
    "schedule",
    [
        sch.constant(0.1),
        sch.step_decay(0.1, 3),
        sch.multistep_decay(0.1, [2, 5]),
        sch.exponential_decay(0.1, 3, 0.5),
        sch.inverse_time_decay(0.1, 3, 0.5, staircase=True),
        sch.polynomial_decay(0.1, 3),
        sch.cosine_decay(0.1, 3),
        sch.cosine_restarts(0.1, 3),
        sch.linear_warmup(sch.cosine_decay(0.1, 3), 2),
        sch.one_cycle(0.1, 10),
        sch.cyclic(0.1, 0.2, 2),
        sch.reduce_on_plateau(0.1),
        sch.join([sch.constant(0.1), sch.constant(0.2)], [3]),
    ],
    ids=lambda s: s.name,
)
def test_steps_of_any_shape(schedule):
    grid = np.arange(24).reshape(2, 3, 4)
    values = schedule(grid)
    assert values.shape == (2, 3, 4) and values.dtype == np.float64
    assert values[1, 2, 3] == schedule(23) == schedule(np.int32(23)) == schedule(23.0)
    assert schedule(np.array(5)).shape == ()
    assert schedule(np.array([], dtype=np.int64)).shape == (0,)
    assert schedule(np.arange(5, dtype=np.uint8)).tolist() == schedule(np.arange(5)).tolist()
    assert schedule([0, 1]).tolist() == [schedule(0), schedule(1)]
    assert isinstance(schedule(np.int64(3)), float)


@pytest.mark.parametrize(
    "bad", [-1, 1.5, float("nan"), np.array([1, -2]), np.array([0.5]), "3", True, None, [1, "a"]]
)
def test_bad_steps_raise(bad):
    with pytest.raises(ValueError, match="step"):
        sch.cosine_decay(0.1, 10)(bad)


# ---------------------------------------------------------------------------
# The schedule object


ALL = {
    "constant": sch.constant(0.1),
    "step_decay": sch.step_decay(0.1, 3, 0.5),
    "multistep_decay": sch.multistep_decay(0.1, [2, 5]),
    "exponential_decay": sch.exponential_decay(0.1, 3, 0.5, staircase=True),
    "inverse_time_decay": sch.inverse_time_decay(0.1, 3, 0.5),
    "polynomial_decay": sch.polynomial_decay(0.1, 3, power=2.0),
    "cosine_decay": sch.cosine_decay(0.1, 3, 0.1),
    "cosine_restarts": sch.cosine_restarts(0.1, 3, 1.5, 0.9, 0.05),
    "linear_warmup": sch.linear_warmup(sch.cosine_decay(0.1, 30), 5),
    "one_cycle": sch.one_cycle(0.1, 50, three_phase=True),
    "cyclic": sch.cyclic(0.01, 0.1, 5, 7, "exp_range", 0.99),
    "reduce_on_plateau": sch.reduce_on_plateau(0.1, patience=3, threshold_mode="abs"),
    "join": sch.join([sch.constant(0.1), sch.cosine_decay(0.1, 5)], [2]),
}


def schedules_within(schedule):
    """The schedule and every schedule in its params, however deep."""
    yield schedule
    for value in schedule.params.values():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, sch.Schedule):
                yield from schedules_within(item)


def test_every_factory_is_in_schedules_and_every_schedule_is_named_by_a_key():
    assert set(ALL) == set(sch.SCHEDULES)  # a case below for each factory
    for name, factory in sch.SCHEDULES.items():
        assert factory is getattr(sch, name)
    for schedule in ALL.values():
        for inner in schedules_within(schedule):
            assert sch.SCHEDULES[inner.name](**inner.params) == inner


@pytest.mark.parametrize("name", sorted(ALL))
def test_name_params_repr_equality_pickle(name):
    s = ALL[name]
    assert s.name == name
    assert s.reactive is (name == "reduce_on_plateau")
    rebuilt = eval(repr(s), vars(sch))  # the repr reads like the call that made it
    assert rebuilt == s and hash(rebuilt) == hash(s) and rebuilt is not s
    factory = getattr(sch, name)
    assert factory(**s.params) == s
    unpickled = pickle.loads(pickle.dumps(s))
    assert unpickled == s
    np.testing.assert_array_equal(unpickled(np.arange(100)), s(np.arange(100)))
    assert {s: 1}[rebuilt] == 1  # usable as a cache key


def test_params_hold_the_arguments_by_name():
    inner = sch.cosine_decay(0.1, 30)
    warm = sch.linear_warmup(inner, 5, 0.5)
    assert warm.params == {"schedule": inner, "warmup_steps": 5, "start_factor": 0.5}
    assert warm.params["schedule"] is inner
    assert sch.multistep_decay(0.1, [2, 5]).params["milestones"] == (2, 5)
    assert sch.constant(1).params == {"lr": 1.0} and isinstance(sch.constant(1).params["lr"], float)
    assert sch.join([inner], []).params == {"schedules": (inner,), "boundaries": ()}
    assert repr(sch.step_decay(0.1, 3)) == "step_decay(lr=0.1, step_size=3, gamma=0.1)"


def test_schedules_are_immutable():
    s = sch.step_decay(0.1, 3)
    with pytest.raises(AttributeError):
        s.name = "other"
    with pytest.raises(AttributeError):
        s.extra = 1
    params = s.params
    params["lr"] = 5.0
    assert s.params["lr"] == 0.1 and s(0) == 0.1
    milestones = [2, 5]
    m = sch.multistep_decay(0.1, milestones)
    milestones.append(1)
    assert m.params["milestones"] == (2, 5) and m(6) == pytest.approx(0.001)


def test_equality_is_by_name_and_params():
    assert sch.constant(0.1) == sch.constant(0.1)
    assert sch.constant(0.1) != sch.constant(0.2)
    assert sch.step_decay(0.1, 3) != sch.exponential_decay(0.1, 3, 0.1)
    assert sch.cyclic(0.1, 0.2) == sch.cyclic(0.1, 0.2, 2000, None, "triangular", 1.0)
    assert sch.constant(0.1) != 0.1
    assert len({sch.constant(0.1), sch.constant(0.1), sch.constant(0.2)}) == 2


def test_join_pieces_restart_at_their_boundaries():
    a, b, c = sch.constant(1.0), sch.step_decay(1.0, 2, 0.5), sch.cosine_decay(1.0, 4)
    s = sch.join([a, b, c], [3, 7])
    t = np.arange(20)
    expected = np.where(t < 3, a(t), np.where(t < 7, b(np.maximum(t - 3, 0)), c(np.maximum(t - 7, 0))))
    np.testing.assert_array_equal(s(t), expected)
    assert s(6) == b(3) and s(7) == c(0) == 1.0
    nested = sch.join([s, sch.constant(0.5)], [10])
    assert nested(9) == s(9) and nested(10) == 0.5


def test_schedules_drive_run():
    data = lrcore.make_data(n=20, seed=0)
    rates = [sch.one_cycle(0.01, 100), sch.cyclic(0.001, 0.01, 10), 0.005]
    traj = lrcore.run(data, rates, steps=100)
    np.testing.assert_array_equal(traj.lr[0], rates[0](np.arange(100)))
    np.testing.assert_array_equal(traj.lr[1], rates[1](np.arange(100)))


# ---------------------------------------------------------------------------
# Bad parameters: each raises ValueError naming the parameter and its value


def _not_a_schedule(t):
    return 0.1


ONE = sch.constant(0.1)


BAD = [
    (sch.constant, dict(lr=-1.0), ["lr", "-1.0"]),
    (sch.constant, dict(lr=float("nan")), ["lr", "nan"]),
    (sch.constant, dict(lr=float("inf")), ["lr", "inf"]),
    (sch.constant, dict(lr="0.1"), ["lr", "'0.1'"]),
    (sch.constant, dict(lr=True), ["lr", "True"]),
    (sch.step_decay, dict(lr=0.1, step_size=0), ["step_size", "0"]),
    (sch.step_decay, dict(lr=0.1, step_size=-3), ["step_size", "-3"]),
    (sch.step_decay, dict(lr=0.1, step_size=2.5), ["step_size", "2.5"]),
    (sch.step_decay, dict(lr=0.1, step_size=5, gamma=0.0), ["gamma", "0.0"]),
    (sch.step_decay, dict(lr=0.1, step_size=5, gamma=-0.5), ["gamma", "-0.5"]),
    (sch.step_decay, dict(lr=-0.1, step_size=5), ["lr", "-0.1"]),
    (sch.multistep_decay, dict(lr=0.1, milestones=[5, 3]), ["milestones", "[5, 3]"]),
    (sch.multistep_decay, dict(lr=0.1, milestones=[-1, 3]), ["milestones[0]", "-1"]),
    (sch.multistep_decay, dict(lr=0.1, milestones=[0]), ["milestones[0]", "0"]),
    (sch.multistep_decay, dict(lr=0.1, milestones=[2, 2.5]), ["milestones[1]", "2.5"]),
    (sch.multistep_decay, dict(lr=0.1, milestones=5), ["milestones", "5"]),
    (sch.multistep_decay, dict(lr=0.1, milestones=[5], gamma=0), ["gamma", "0"]),
    (sch.exponential_decay, dict(lr=0.1, decay_steps=0, decay_rate=0.5), ["decay_steps", "0"]),
    (sch.exponential_decay, dict(lr=0.1, decay_steps=10.0, decay_rate=0.5), ["decay_steps", "10.0"]),
    (sch.exponential_decay, dict(lr=0.1, decay_steps=10, decay_rate=0.0), ["decay_rate", "0.0"]),
    (sch.exponential_decay, dict(lr=0.1, decay_steps=10, decay_rate=-2), ["decay_rate", "-2"]),
    (
        sch.exponential_decay,
        dict(lr=0.1, decay_steps=10, decay_rate=0.5, staircase="yes"),
        ["staircase", "'yes'"],
    ),
    (sch.inverse_time_decay, dict(lr=0.1, decay_steps=-5, decay_rate=0.5), ["decay_steps", "-5"]),
    (sch.inverse_time_decay, dict(lr=0.1, decay_steps=5, decay_rate=-0.1), ["decay_rate", "-0.1"]),
    (sch.polynomial_decay, dict(lr=0.1, decay_steps=0), ["decay_steps", "0"]),
    (sch.polynomial_decay, dict(lr=0.1, decay_steps=10, end_lr=-1.0), ["end_lr", "-1.0"]),
    (sch.polynomial_decay, dict(lr=0.1, decay_steps=10, power=0.0), ["power", "0.0"]),
    (sch.cosine_decay, dict(lr=0.1, decay_steps=0), ["decay_steps", "0"]),
    (sch.cosine_decay, dict(lr=0.1, decay_steps=10, alpha=-0.1), ["alpha", "-0.1"]),
    (sch.cosine_decay, dict(lr=0.1, decay_steps=10, alpha=1.5), ["alpha", "1.5"]),
    (sch.cosine_restarts, dict(lr=0.1, first_decay_steps=0), ["first_decay_steps", "0"]),
    (sch.cosine_restarts, dict(lr=0.1, first_decay_steps=10, t_mul=0.5), ["t_mul", "0.5"]),
    (sch.cosine_restarts, dict(lr=0.1, first_decay_steps=10, m_mul=-1.0), ["m_mul", "-1.0"]),
    (sch.cosine_restarts, dict(lr=0.1, first_decay_steps=10, alpha=2.0), ["alpha", "2.0"]),
    (sch.linear_warmup, dict(schedule=_not_a_schedule, warmup_steps=5), ["schedule", "_not_a_schedule"]),
    (sch.linear_warmup, dict(schedule=0.1, warmup_steps=5), ["schedule", "0.1"]),
    (sch.linear_warmup, dict(schedule=sch.reduce_on_plateau(0.1), warmup_steps=5), ["schedule", "plateau"]),
    (sch.linear_warmup, dict(schedule=ONE, warmup_steps=0), ["warmup_steps", "0"]),
    (sch.linear_warmup, dict(schedule=ONE, warmup_steps=1.5), ["warmup_steps", "1.5"]),
    (sch.linear_warmup, dict(schedule=ONE, warmup_steps=5, start_factor=0.0), ["start_factor", "0."]),
    (sch.linear_warmup, dict(schedule=ONE, warmup_steps=5, start_factor=1.5), ["start_factor", "1.5"]),
    (sch.one_cycle, dict(max_lr=-1.0, total_steps=100), ["max_lr", "-1.0"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=1), ["total_steps", "1"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100.0), ["total_steps", "100.0"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100, pct_start=0.0), ["pct_start", "0.0"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100, pct_start=1.0), ["pct_start", "1.0"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100, pct_start=1.2), ["pct_start", "1.2"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=3), ["pct_start", "0.3", "total_steps", "3"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=10, pct_start=0.1), ["pct_start", "0.1", "total_steps"]),
    (
        sch.one_cycle,
        dict(max_lr=0.1, total_steps=100, pct_start=0.505, three_phase=True),  # phase 3 would be empty
        ["pct_start", "0.505", "total_steps", "100"],
    ),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100, div_factor=0.0), ["div_factor", "0.0"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100, final_div_factor=-1.0), ["final_div_factor", "-1.0"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100, anneal="cosine"), ["anneal", "'cosine'"]),
    (sch.one_cycle, dict(max_lr=0.1, total_steps=100, three_phase="no"), ["three_phase", "'no'"]),
    (sch.cyclic, dict(base_lr=0.1, max_lr=0.01), ["max_lr", "0.01"]),
    (sch.cyclic, dict(base_lr=-0.1, max_lr=0.01), ["base_lr", "-0.1"]),
    (sch.cyclic, dict(base_lr=0.01, max_lr=0.1, step_size_up=0), ["step_size_up", "0"]),
    (sch.cyclic, dict(base_lr=0.01, max_lr=0.1, step_size_up=2.5), ["step_size_up", "2.5"]),
    (sch.cyclic, dict(base_lr=0.01, max_lr=0.1, step_size_down=0), ["step_size_down", "0"]),
    (sch.cyclic, dict(base_lr=0.01, max_lr=0.1, mode="cosine"), ["mode", "'cosine'"]),
    (sch.cyclic, dict(base_lr=0.01, max_lr=0.1, mode="exp_range", gamma=0.0), ["gamma", "0.0"]),
    (sch.cyclic, dict(base_lr=0.01, max_lr=0.1, mode="exp_range", gamma=1.5), ["gamma", "1.5"]),
    (sch.reduce_on_plateau, dict(lr=0.1, factor=0.0), ["factor", "0.0"]),
    (sch.reduce_on_plateau, dict(lr=0.1, factor=1.0), ["factor", "1.0"]),
    (sch.reduce_on_plateau, dict(lr=0.1, factor=1.5), ["factor", "1.5"]),
    (sch.reduce_on_plateau, dict(lr=0.1, patience=-1), ["patience", "-1"]),
    (sch.reduce_on_plateau, dict(lr=0.1, patience=2.5), ["patience", "2.5"]),
    (sch.reduce_on_plateau, dict(lr=0.1, threshold=-1e-4), ["threshold", "-0.0001"]),
    (sch.reduce_on_plateau, dict(lr=0.1, threshold=1.0), ["threshold", "1.0"]),
    (sch.reduce_on_plateau, dict(lr=0.1, threshold_mode="relative"), ["threshold_mode", "'relative'"]),
    (sch.reduce_on_plateau, dict(lr=0.1, cooldown=-1), ["cooldown", "-1"]),
    (sch.reduce_on_plateau, dict(lr=0.1, min_lr=-1.0), ["min_lr", "-1.0"]),
    (sch.reduce_on_plateau, dict(lr=float("nan")), ["lr", "nan"]),
    (sch.join, dict(schedules=[], boundaries=[]), ["schedules", "[]"]),
    (sch.join, dict(schedules=[sch.constant(0.1), "x"], boundaries=[3]), ["schedules[1]", "'x'"]),
    (sch.join, dict(schedules=[sch.constant(0.1), sch.constant(0.2)], boundaries=[]), ["boundaries", "[]"]),
    (sch.join, dict(schedules=[sch.constant(0.1)] * 3, boundaries=[5, 5]), ["boundaries", "[5, 5]"]),
    (sch.join, dict(schedules=[sch.constant(0.1)] * 2, boundaries=[0]), ["boundaries[0]", "0"]),
    (sch.join, dict(schedules=[sch.reduce_on_plateau(0.1)], boundaries=[]), ["schedules[0]", "plateau"]),
    (sch.plateau_bank, dict(schedules=[sch.constant(0.1)]), ["schedules[0]", "constant"]),
    (sch.plateau_bank, dict(schedules="abc"), ["schedules", "'abc'"]),
]


@pytest.mark.parametrize(
    "factory, kwargs, words", BAD, ids=[f"{f.__name__}-{'-'.join(w[:2])}" for f, _, w in BAD]
)
def test_bad_parameters_raise_naming_them(factory, kwargs, words):
    with pytest.raises(ValueError) as error:
        factory(**kwargs)
    message = str(error.value)
    for word in words:
        assert word in message


# ---------------------------------------------------------------------------
# Property tests: random valid parameters


rates = st.floats(0.0, 10.0)
positive_rates = st.floats(1e-6, 10.0)
unit = st.floats(0.0, 1.0)
decay_factor = st.floats(1e-3, 1.0)
small_ints = st.integers(1, 500)

VALID = {
    "constant": st.builds(sch.constant, rates),
    "step_decay": st.builds(sch.step_decay, rates, small_ints, decay_factor),
    "multistep_decay": st.builds(
        sch.multistep_decay, rates, st.lists(small_ints, max_size=6).map(sorted), decay_factor
    ),
    "exponential_decay": st.builds(sch.exponential_decay, rates, small_ints, decay_factor, st.booleans()),
    "inverse_time_decay": st.builds(
        sch.inverse_time_decay, rates, small_ints, st.floats(0.0, 100.0), st.booleans()
    ),
    "polynomial_decay": st.builds(sch.polynomial_decay, rates, small_ints, rates, st.floats(0.1, 5.0)),
    "cosine_decay": st.builds(sch.cosine_decay, rates, small_ints, unit),
    "cosine_restarts": st.builds(
        sch.cosine_restarts, rates, small_ints, st.floats(1.0, 4.0), st.floats(0.0, 1.0), unit
    ),
    "linear_warmup": st.builds(
        sch.linear_warmup,
        st.builds(sch.cosine_decay, rates, small_ints, unit) | st.builds(sch.step_decay, rates, small_ints),
        small_ints,
        st.floats(1e-3, 1.0),
    ),
    "cyclic": st.tuples(
        rates,
        rates,
        small_ints,
        st.none() | small_ints,
        st.sampled_from(["triangular", "triangular2", "exp_range"]),
        decay_factor,
    ).map(lambda a: sch.cyclic(min(a[0], a[1]), max(a[0], a[1]), *a[2:])),
}


@settings(max_examples=40, deadline=None)
@given(
    schedule=st.sampled_from(sorted(VALID)).flatmap(lambda name: VALID[name]),
    steps=st.lists(st.integers(0, 10**7), min_size=1, max_size=20),
)
def test_valid_schedules_give_finite_nonnegative_rates_and_arrays_agree_with_ints(schedule, steps):
    everywhere = np.concatenate([np.arange(2000), np.array(steps)])
    values = schedule(everywhere)
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    for t in steps:
        assert schedule(t) == values[2000 + steps.index(t)]


@settings(max_examples=40, deadline=None)
@given(
    max_lr=rates,
    total=st.integers(2, 2500),
    pct=st.floats(0.001, 0.999),
    div=st.floats(0.5, 100.0),
    final_div=st.floats(1.0, 1e5),
    anneal=st.sampled_from(["cos", "linear"]),
    three=st.booleans(),
)
def test_one_cycle_is_valid_exactly_when_its_phases_are_and_then_matches_torch(
    max_lr, total, pct, div, final_div, anneal, three
):
    rise_end = float(pct * total) - 1
    valid = rise_end > 0 and (not three or float(2 * pct * total) - 2 < total - 1)
    if not valid:
        with pytest.raises(ValueError, match="pct_start"):
            sch.one_cycle(max_lr, total, pct, div, final_div, anneal, three)
        return
    s = sch.one_cycle(max_lr, total, pct, div, final_div, anneal, three)
    reference = torch_one_cycle(max_lr, total, pct, div, final_div, anneal, three)
    values = s(np.arange(total + 10))
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert_matches(values[:total], reference, max(max_lr, max_lr / div))
    assert np.all(values[total:] == reference[-1])


@settings(max_examples=40, deadline=None)
@given(
    lr=positive_rates,
    first=st.integers(1, 50),
    t_mul=st.sampled_from([1.0, 1.25, 1.5, 2.0, 3.0, 4.0]),
    m_mul=st.floats(0.0, 1.0),
    alpha=unit,
)
def test_cosine_restarts_matches_sgdr_for_random_parameters(lr, first, t_mul, m_mul, alpha):
    s = sch.cosine_restarts(lr, first, t_mul, m_mul, alpha)
    assert_matches(s(np.arange(1500)), sgdr_restarts(lr, first, t_mul, m_mul, alpha, 1500), lr)


@settings(max_examples=40, deadline=None)
@given(
    base=rates,
    span=rates,
    up=st.integers(1, 300),
    down=st.none() | st.integers(1, 300),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    gamma=decay_factor,
)
def test_cyclic_matches_torch_for_random_parameters(base, span, up, down, mode, gamma):
    s = sch.cyclic(base, base + span, up, down, mode, gamma)
    reference = torch_cyclic(base, base + span, up, down, mode, gamma, 1500)
    assert_matches(s(np.arange(1500)), reference, base + span)


@settings(max_examples=40, deadline=None)
@given(
    lr=rates,
    step_size=small_ints,
    milestones=st.lists(st.integers(1, 1500), max_size=8).map(sorted),
    gamma=decay_factor,
)
def test_step_decays_match_torch_for_random_parameters(lr, step_size, milestones, gamma):
    with np.errstate(under="ignore"):
        step = sch.step_decay(lr, step_size, gamma)(np.arange(1500))
        multi = sch.multistep_decay(lr, milestones, gamma)(np.arange(1500))
    tiny = 1e-280  # below it the recursive product and the power may round differently (subnormals)
    np.testing.assert_allclose(step, torch_step_lr(lr, step_size, gamma, 1500), rtol=RTOL, atol=tiny)
    np.testing.assert_allclose(multi, torch_multistep_lr(lr, milestones, gamma, 1500), rtol=RTOL, atol=tiny)


# ---------------------------------------------------------------------------
# ReduceLROnPlateau: the bank against PyTorch's step(), row by row


PLATEAUS = [
    dict(lr=0.1),
    dict(lr=1.0, factor=0.5, patience=0),
    dict(lr=0.3, factor=0.9, patience=3, threshold=0.05, threshold_mode="abs", cooldown=2),
    dict(lr=1e-7, factor=0.5, patience=1),  # reductions under eps = 1e-8 are skipped
    dict(lr=0.5, factor=0.2, patience=2, threshold=0.0, cooldown=5, min_lr=0.01),
    dict(lr=2.0, factor=0.7, patience=4, threshold=0.3, threshold_mode="rel", min_lr=0.5),
    dict(lr=0.0, patience=0),
    dict(lr=0.2, factor=0.1, patience=1, threshold=2.0, threshold_mode="abs"),
]


def random_losses(rng, steps, rows):
    """Per row: a noisy decreasing loss with flat stretches, repeats, NaNs and infs."""
    trend = np.exp(-np.cumsum(rng.exponential(0.02, size=(steps, rows)), axis=0))
    noisy = trend * (1 + 0.05 * rng.standard_normal((steps, rows)))
    flat = rng.random((steps, rows)) < 0.4
    losses = np.where(flat, np.maximum.accumulate(noisy, axis=0), noisy)
    losses[rng.random((steps, rows)) < 0.05] = np.nan
    losses[rng.random((steps, rows)) < 0.01] = np.inf
    repeat = rng.random((steps, rows)) < 0.2
    losses[1:][repeat[1:]] = losses[:-1][repeat[1:]]
    return losses


def assert_bank_matches(bank, references):
    np.testing.assert_array_equal(bank.lr, [r.lr for r in references])
    np.testing.assert_array_equal(bank.best, [r.best for r in references])
    np.testing.assert_array_equal(bank.num_bad_epochs, [r.num_bad_epochs for r in references])
    np.testing.assert_array_equal(bank.cooldown_counter, [r.cooldown_counter for r in references])


@pytest.mark.parametrize("seed", range(5))
def test_plateau_bank_matches_torch_step_for_step(seed):
    rng = np.random.default_rng(seed)
    bank = sch.plateau_bank([sch.reduce_on_plateau(**p) for p in PLATEAUS])
    references = [TorchPlateau(**p) for p in PLATEAUS]
    losses = random_losses(rng, 600, len(PLATEAUS))
    cuts = 0
    for row in losses:
        before = bank.lr
        returned = bank.observe(row)
        for reference, loss in zip(references, row):
            reference.step(loss)
        assert_bank_matches(bank, references)
        np.testing.assert_array_equal(returned, bank.lr)
        cuts += int(np.sum(bank.lr != before))
    assert cuts > 10  # the sequences do exercise the reductions


@settings(max_examples=30, deadline=None)
@given(
    params=st.lists(
        st.fixed_dictionaries(
            {
                "lr": st.floats(0.0, 1.0),
                "factor": st.floats(0.01, 0.99),
                "patience": st.integers(0, 5),
                "threshold": st.floats(0.0, 0.5),
                "threshold_mode": st.sampled_from(["rel", "abs"]),
                "cooldown": st.integers(0, 4),
                "min_lr": st.floats(0.0, 0.01),
            }
        ),
        min_size=1,
        max_size=6,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_plateau_bank_matches_torch_for_random_parameters(params, seed):
    losses = random_losses(np.random.default_rng(seed), 150, len(params))
    bank = sch.plateau_bank([sch.reduce_on_plateau(**p) for p in params])
    references = [TorchPlateau(**p) for p in params]
    for row in losses:
        bank.observe(row)
        for reference, loss in zip(references, row):
            reference.step(loss)
        assert_bank_matches(bank, references)


def test_plateau_by_hand():
    bank = sch.plateau_bank([sch.reduce_on_plateau(1.0, factor=0.5, patience=1, cooldown=1)])
    rates = [bank.observe([loss]).item() for loss in [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 4.0, np.nan]]
    # best 5; bad 1; bad 2 > 1: cut, cooldown 1; cooldown step; bad 1; bad 2: cut; better; NaN: bad 1
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]


def test_plateau_bank_shapes_and_state():
    assert len(sch.plateau_bank([])) == 0 and sch.plateau_bank([]).observe([]).shape == (0,)
    one = sch.plateau_bank(sch.reduce_on_plateau(0.1))
    assert one.lr.tolist() == [0.1] and one.best.tolist() == [math.inf]
    lr = one.lr
    lr[0] = 5.0  # a copy: the bank's state is its own
    assert one.lr.tolist() == [0.1]
    two = sch.plateau_bank([sch.reduce_on_plateau(0.1), sch.reduce_on_plateau(0.2)])
    two.observe(1.0)  # a scalar is shared by every row
    assert two.best.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="loss"):
        two.observe([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="loss"):
        two.observe(["a", "b"])


def test_reduce_on_plateau_called_gives_its_initial_rate():
    s = sch.reduce_on_plateau(0.3, patience=2)
    assert s.reactive and s(0) == 0.3 and s(np.arange(4)).tolist() == [0.3] * 4
    assert not any(ALL[name].reactive for name in ALL if name != "reduce_on_plateau")
