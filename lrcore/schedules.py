"""Learning-rate schedules: the rate for each update, one step or many at once.

A schedule is a small immutable object made by a factory of this module::

    rate = schedule(t)         # t: int >= 0              -> float
    rates = schedule(steps)    # steps: integer array, any shape -> float array, same shape

Step ``t`` is 0-based and counts updates: ``schedule(t)`` is the rate used by
update t. That is the learning rate PyTorch's optimizer holds for update t
when ``scheduler.step()`` follows every update, or Keras' ``schedule(step=t)``.

As in optax, a factory checks its arguments once and returns an inner function
written with ``np.where``/``np.minimum``, so a whole run's rates cost one call;
new schedules are joins of old ones (:func:`join`; :func:`linear_warmup` and
:func:`one_cycle` join their pieces the same way). Every schedule has ``name``
(its factory's, a key of :data:`SCHEDULES`), ``params`` (the factory's arguments, defaults filled in),
``reactive``, a repr that reads like the call that made it, and equality (and
a hash) by ``(name, params)``, so it can key a cache.

:func:`reduce_on_plateau` is the one reactive schedule: its rate depends on the
losses of the run, so calling it gives only its initial rate, and a
:class:`PlateauBank` (from :func:`plateau_bank`) steps many of them at once
from the runs' losses.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from . import _checks

__all__ = [
    "SCHEDULES",
    "PlateauBank",
    "Schedule",
    "constant",
    "cosine_decay",
    "cosine_restarts",
    "cyclic",
    "exponential_decay",
    "inverse_time_decay",
    "join",
    "linear_warmup",
    "multistep_decay",
    "one_cycle",
    "plateau_bank",
    "polynomial_decay",
    "reduce_on_plateau",
    "step_decay",
]

#: ReduceLROnPlateau's ``eps``: a reduction smaller than this is skipped.
PLATEAU_EPS = 1e-8

_StepFn = Callable[[np.ndarray], np.ndarray]


# ---------------------------------------------------------------------------
# The schedule object


def _freeze(value):
    """Params as hashable values: lists become tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _as_steps(step) -> tuple[np.ndarray, tuple | None]:
    """The steps as a flat int64 array, and the shape to give back (None for one step)."""
    int64_max = int(np.iinfo(np.int64).max)
    if isinstance(step, (int, np.integer)) and not isinstance(step, (bool, np.bool_)):
        return np.array([_checks.integer("step", step, low=0, high=int64_max)], dtype=np.int64), None
    if isinstance(step, (float, np.floating)):
        # A whole float is a step too (Keras passes its step counter as a float).
        if not (math.isfinite(step) and 0 <= step < 2.0**63 and float(step).is_integer()):
            raise _checks.error("step", "a whole number >= 0", step)
        return np.array([int(step)], dtype=np.int64), None
    try:
        steps = np.asarray(step)
    except (TypeError, ValueError, OverflowError):
        steps = None
    if steps is None or steps.dtype.kind not in "iuf":
        raise _checks.error("step", "an integer >= 0 or an array of them", step)
    if steps.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(steps) & (steps == np.floor(steps)) & (steps < 2.0**63)
        if not integral.all():
            bad = steps.reshape(-1)[np.argmin(integral.reshape(-1))]
            raise _checks.error("steps", "whole numbers >= 0", bad)
    if steps.size and steps.min() < 0:
        raise _checks.error("steps", "whole numbers >= 0", steps.min())
    return steps.astype(np.int64).reshape(-1), steps.shape


class Schedule:
    """A learning rate as a function of the step: ``rate = schedule(t)``.

    Made by this module's factories. ``t`` is an int >= 0 (gives a float) or
    an integer array of any shape (gives a float array of that shape).
    Immutable; ``name`` is the factory's name, ``params`` a fresh dict of its
    arguments, ``reactive`` is True only for :func:`reduce_on_plateau`.
    Two schedules are equal when their name and params are.

    >>> s = exponential_decay(0.1, decay_steps=10, decay_rate=0.5)
    >>> s
    exponential_decay(lr=0.1, decay_steps=10, decay_rate=0.5, staircase=False)
    >>> s(10), s(np.array([[0, 20]])).tolist()
    (0.05, [[0.1, 0.025]])
    >>> s == exponential_decay(0.1, 10, 0.5), s.name, s.reactive
    (True, 'exponential_decay', False)
    """

    __slots__ = ("_name", "_items", "_fn", "_reactive")

    def __init__(self, name: str, params: dict, fn: _StepFn, *, reactive: bool = False):
        object.__setattr__(self, "_name", str(name))
        object.__setattr__(self, "_items", tuple((k, _freeze(v)) for k, v in params.items()))
        object.__setattr__(self, "_fn", fn)
        object.__setattr__(self, "_reactive", bool(reactive))

    @property
    def name(self) -> str:
        """The factory's name, e.g. ``"cosine_decay"``."""
        return self._name

    @property
    def params(self) -> dict:
        """The factory's arguments by name, defaults filled in (a fresh dict)."""
        return dict(self._items)

    @property
    def reactive(self) -> bool:
        """True when the rate depends on the run's losses (:func:`reduce_on_plateau`)."""
        return self._reactive

    def __call__(self, step):
        t, shape = _as_steps(step)
        # Growth (gamma > 1) may overflow to inf for huge steps: an answer, not a warning.
        with np.errstate(over="ignore", under="ignore"):
            rates = np.asarray(self._fn(t), dtype=np.float64)
        return float(rates[0]) if shape is None else rates.reshape(shape)

    def __setattr__(self, name, value):
        raise AttributeError(f"a Schedule is immutable: cannot set {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"a Schedule is immutable: cannot delete {name!r}")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._items)
        return f"{self._name}({args})"

    def __eq__(self, other):
        if not isinstance(other, Schedule):
            return NotImplemented
        return self._name == other._name and dict(self._items) == dict(other._items)

    def __hash__(self):
        return hash((self._name, frozenset(self._items)))

    def __reduce__(self):
        # Pickled (and copied) as the call that made it: the inner function is a closure.
        if self._name not in SCHEDULES:
            raise TypeError(f"cannot pickle a schedule not made by lrcore.schedules: {self!r}")
        return _rebuild, (self._name, dict(self._items))


def _rebuild(name: str, params: dict) -> Schedule:
    return SCHEDULES[name](**params)


# ---------------------------------------------------------------------------
# Argument checks (lrcore._checks), and the one only schedules have


def _schedule(name: str, value) -> Schedule:
    if not isinstance(value, Schedule):
        raise _checks.error(name, "a schedule from lrcore.schedules", value)
    if value.reactive:
        raise _checks.error(name, "a schedule whose rate does not depend on the losses", value)
    return value


def _scaled(lr: float, factor: np.ndarray) -> np.ndarray:
    """``lr*factor``, with 0 for lr = 0 even where a growing factor overflowed."""
    return np.zeros_like(factor) if lr == 0.0 else lr * factor


# ---------------------------------------------------------------------------
# Fixed schedules


def constant(lr) -> Schedule:
    """The same rate at every step.

    ``rate(t) = lr``

    Args:
        lr: the rate, finite and >= 0.

    Returns:
        A :class:`Schedule` named ``"constant"``.

    >>> s = constant(0.1)
    >>> s(0), s(np.arange(3)).tolist()
    (0.1, [0.1, 0.1, 0.1])
    """
    lr = _checks.real("lr", lr, low=0.0)

    def fn(t):
        return np.full(t.shape, lr)

    return Schedule("constant", {"lr": lr}, fn)


def step_decay(lr, step_size, gamma=0.1) -> Schedule:
    """Multiply the rate by ``gamma`` every ``step_size`` steps (PyTorch ``StepLR``).

    ``rate(t) = lr * gamma**(t // step_size)``

    Args:
        lr: the initial rate, finite and >= 0.
        step_size: steps between decays, an integer >= 1.
        gamma: the factor per decay, > 0 (above 1 the rate grows).

    Returns:
        A :class:`Schedule` named ``"step_decay"``.

    >>> s = step_decay(0.1, step_size=10, gamma=0.5)
    >>> s(9), s(10), s(np.array([0, 19, 20, 30])).tolist()
    (0.1, 0.05, [0.1, 0.05, 0.025, 0.0125])
    """
    lr = _checks.real("lr", lr, low=0.0)
    step_size = _checks.integer("step_size", step_size, low=1)
    gamma = _checks.real("gamma", gamma, low=0.0, low_open=True)

    def fn(t):
        return _scaled(lr, gamma ** (t // step_size))

    return Schedule("step_decay", {"lr": lr, "step_size": step_size, "gamma": gamma}, fn)


def multistep_decay(lr, milestones, gamma=0.1) -> Schedule:
    """Multiply the rate by ``gamma`` at each milestone (PyTorch ``MultiStepLR``).

    ``rate(t) = lr * gamma**(number of milestones <= t)``; a milestone listed
    twice decays twice, as PyTorch's counter of milestones does.

    Args:
        lr: the initial rate, finite and >= 0.
        milestones: steps at which to decay: integers >= 1 in non-decreasing
            order (may be empty).
        gamma: the factor per milestone, > 0.

    Returns:
        A :class:`Schedule` named ``"multistep_decay"``; ``params["milestones"]``
        is a tuple.

    >>> s = multistep_decay(1.0, milestones=[3, 5, 5], gamma=0.5)
    >>> s(np.arange(7)).tolist()
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.125, 0.125]
    """
    lr = _checks.real("lr", lr, low=0.0)
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, (Sequence, np.ndarray)):
        raise _checks.error("milestones", "a sequence of integers >= 1", milestones)
    marks = tuple(_checks.integer(f"milestones[{i}]", m, low=1) for i, m in enumerate(milestones))
    if any(b < a for a, b in zip(marks, marks[1:])):
        raise _checks.error("milestones", "sorted (non-decreasing)", milestones)
    gamma = _checks.real("gamma", gamma, low=0.0, low_open=True)
    edges = np.array(marks, dtype=np.int64)

    def fn(t):
        return _scaled(lr, gamma ** np.searchsorted(edges, t, side="right"))

    return Schedule("multistep_decay", {"lr": lr, "milestones": marks, "gamma": gamma}, fn)


def exponential_decay(lr, decay_steps, decay_rate, staircase=False) -> Schedule:
    """Decay by ``decay_rate`` every ``decay_steps`` steps, smoothly (Keras ``ExponentialDecay``).

    ``rate(t) = lr * decay_rate**(t / decay_steps)``, with ``floor(t / decay_steps)``
    when ``staircase``.

    Args:
        lr: the initial rate, finite and >= 0.
        decay_steps: an integer >= 1.
        decay_rate: > 0 (above 1 the rate grows).
        staircase: decay in steps rather than smoothly.

    Returns:
        A :class:`Schedule` named ``"exponential_decay"``.

    >>> s = exponential_decay(1.0, decay_steps=2, decay_rate=0.25)
    >>> s(1), s(2), exponential_decay(1.0, 2, 0.25, staircase=True)(3)
    (0.5, 0.25, 0.25)
    """
    lr = _checks.real("lr", lr, low=0.0)
    decay_steps = _checks.integer("decay_steps", decay_steps, low=1)
    decay_rate = _checks.real("decay_rate", decay_rate, low=0.0, low_open=True)
    staircase = _checks.flag("staircase", staircase)

    def fn(t):
        p = t / decay_steps
        if staircase:
            p = np.floor(p)
        return _scaled(lr, decay_rate**p)

    params = {"lr": lr, "decay_steps": decay_steps, "decay_rate": decay_rate, "staircase": staircase}
    return Schedule("exponential_decay", params, fn)


def inverse_time_decay(lr, decay_steps, decay_rate, staircase=False) -> Schedule:
    """Decay as ``1/t`` (Keras ``InverseTimeDecay``).

    ``rate(t) = lr / (1 + decay_rate * t / decay_steps)``, with
    ``floor(t / decay_steps)`` when ``staircase``.

    Args:
        lr: the initial rate, finite and >= 0.
        decay_steps: an integer >= 1.
        decay_rate: finite and >= 0.
        staircase: decay in steps rather than smoothly.

    Returns:
        A :class:`Schedule` named ``"inverse_time_decay"``.

    >>> s = inverse_time_decay(1.0, decay_steps=10, decay_rate=1.0)
    >>> s(0), s(10), s(30), inverse_time_decay(1.0, 10, 1.0, staircase=True)(19)
    (1.0, 0.5, 0.25, 0.5)
    """
    lr = _checks.real("lr", lr, low=0.0)
    decay_steps = _checks.integer("decay_steps", decay_steps, low=1)
    decay_rate = _checks.real("decay_rate", decay_rate, low=0.0)
    staircase = _checks.flag("staircase", staircase)

    def fn(t):
        p = t / decay_steps
        if staircase:
            p = np.floor(p)
        return lr / (1.0 + decay_rate * p)

    params = {"lr": lr, "decay_steps": decay_steps, "decay_rate": decay_rate, "staircase": staircase}
    return Schedule("inverse_time_decay", params, fn)


def polynomial_decay(lr, decay_steps, end_lr=1e-4, power=1.0) -> Schedule:
    """From ``lr`` to ``end_lr`` along a polynomial, then hold (Keras ``PolynomialDecay``, ``cycle=False``).

    ``rate(t) = (lr - end_lr) * (1 - min(t, decay_steps)/decay_steps)**power + end_lr``

    Args:
        lr: the initial rate, finite and >= 0.
        decay_steps: steps to reach ``end_lr``, an integer >= 1.
        end_lr: the final rate, finite and >= 0 (Keras' ``end_learning_rate``).
        power: the polynomial's power, > 0 (1 is linear).

    Returns:
        A :class:`Schedule` named ``"polynomial_decay"``.

    >>> s = polynomial_decay(1.0, decay_steps=4, end_lr=0.0, power=2.0)
    >>> s(np.arange(6)).tolist()
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """
    lr = _checks.real("lr", lr, low=0.0)
    decay_steps = _checks.integer("decay_steps", decay_steps, low=1)
    end_lr = _checks.real("end_lr", end_lr, low=0.0)
    power = _checks.real("power", power, low=0.0, low_open=True)

    def fn(t):
        p = np.minimum(t, decay_steps) / decay_steps
        return (lr - end_lr) * (1.0 - p) ** power + end_lr

    params = {"lr": lr, "decay_steps": decay_steps, "end_lr": end_lr, "power": power}
    return Schedule("polynomial_decay", params, fn)


def cosine_decay(lr, decay_steps, alpha=0.0) -> Schedule:
    """Half a cosine from ``lr`` down to ``alpha*lr``, then hold (Keras ``CosineDecay``, no warmup).

    ``rate(t) = lr * ((1 - alpha) * 0.5*(1 + cos(pi * min(t, decay_steps)/decay_steps)) + alpha)``.
    It holds ``alpha*lr`` after ``decay_steps``, where PyTorch's
    ``CosineAnnealingLR`` would rise again.

    Args:
        lr: the initial rate, finite and >= 0.
        decay_steps: steps to reach ``alpha*lr``, an integer >= 1.
        alpha: the final rate as a fraction of ``lr``, in [0, 1].

    Returns:
        A :class:`Schedule` named ``"cosine_decay"``.

    >>> s = cosine_decay(1.0, decay_steps=4, alpha=0.1)
    >>> s(np.array([0, 2, 4, 100])).tolist()
    [1.0, 0.55, 0.1, 0.1]
    """
    lr = _checks.real("lr", lr, low=0.0)
    decay_steps = _checks.integer("decay_steps", decay_steps, low=1)
    alpha = _checks.real("alpha", alpha, low=0.0, high=1.0)

    def fn(t):
        fraction = np.minimum(t, decay_steps) / decay_steps
        cosine = 0.5 * (1.0 + np.cos(np.pi * fraction))
        return lr * ((1.0 - alpha) * cosine + alpha)

    return Schedule("cosine_decay", {"lr": lr, "decay_steps": decay_steps, "alpha": alpha}, fn)


def cosine_restarts(lr, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0) -> Schedule:
    """Cosine decays with warm restarts, SGDR (Keras ``CosineDecayRestarts``).

    Period i (from 0) lasts ``first_decay_steps * t_mul**i`` steps and starts
    at ``m_mul**i * lr``; within it, at fraction f of the period,
    ``rate = lr * ((1 - alpha) * m_mul**i * 0.5*(1 + cos(pi*f)) + alpha)``.
    As in Keras, with ``c = t/first_decay_steps`` the period is
    ``i = floor(c)`` when ``t_mul == 1`` and otherwise
    ``i = floor(log(1 - c*(1 - t_mul)) / log(t_mul))``, and
    ``f = (c - (1 - t_mul**i)/(1 - t_mul)) / t_mul**i``. Unlike Keras, ``i``
    is then checked against the period's exact bounds: Keras' floating-point
    log puts some restart steps (e.g. ``t_mul=3``, ``c=121``) at the end of the
    previous period, giving ``alpha*lr`` where the restart gives ``m_mul**i*lr``.

    Args:
        lr: the initial rate, finite and >= 0.
        first_decay_steps: steps of the first period, an integer >= 1.
        t_mul: how much longer each period is than the last, >= 1.
        m_mul: how much higher each restart starts than the last, >= 0.
        alpha: the floor of every period as a fraction of ``lr``, in [0, 1].

    Returns:
        A :class:`Schedule` named ``"cosine_restarts"``.

    >>> s = cosine_restarts(1.0, first_decay_steps=2, t_mul=2.0, m_mul=0.5)
    >>> np.round(s(np.arange(7)), 6).tolist()  # periods [0, 2), [2, 6), [6, 14)
    [1.0, 0.5, 0.5, 0.426777, 0.25, 0.073223, 0.25]
    """
    lr = _checks.real("lr", lr, low=0.0)
    first_decay_steps = _checks.integer("first_decay_steps", first_decay_steps, low=1)
    t_mul = _checks.real("t_mul", t_mul, low=1.0)
    m_mul = _checks.real("m_mul", m_mul, low=0.0)
    alpha = _checks.real("alpha", alpha, low=0.0, high=1.0)

    def period_start(i):
        return (1.0 - t_mul**i) / (1.0 - t_mul)

    def fn(t):
        c = t / first_decay_steps
        if t_mul == 1.0:
            i = np.floor(c)
            fraction = c - i
        else:
            i = np.floor(np.log(1.0 - c * (1.0 - t_mul)) / np.log(t_mul))
            i = np.where(c >= period_start(i + 1.0), i + 1.0, np.where(c < period_start(i), i - 1.0, i))
            fraction = (c - period_start(i)) / t_mul**i
        cosine = 0.5 * m_mul**i * (1.0 + np.cos(np.pi * fraction))
        return _scaled(lr, (1.0 - alpha) * cosine + alpha)

    params = {
        "lr": lr,
        "first_decay_steps": first_decay_steps,
        "t_mul": t_mul,
        "m_mul": m_mul,
        "alpha": alpha,
    }
    return Schedule("cosine_restarts", params, fn)


# ---------------------------------------------------------------------------
# Combinators and the schedules built from them


def join(schedules, boundaries) -> Schedule:
    """One schedule after another, each restarted from step 0 at its boundary (optax ``join_schedules``).

    ``rate(t) = schedules[i](t - boundaries[i-1])`` for
    ``boundaries[i-1] <= t < boundaries[i]`` (with ``boundaries[-1] = 0``
    before the first and no end after the last).

    Args:
        schedules: one or more (non-reactive) schedules.
        boundaries: ``len(schedules) - 1`` strictly increasing integers >= 1.

    Returns:
        A :class:`Schedule` named ``"join"``; ``params`` holds the tuples
        ``schedules`` and ``boundaries``.

    >>> s = join([constant(1.0), step_decay(0.5, step_size=2, gamma=0.5)], [3])
    >>> s(np.arange(7)).tolist()
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    if isinstance(schedules, Schedule) or not isinstance(schedules, Sequence) or not schedules:
        raise _checks.error("schedules", "a non-empty sequence of schedules", schedules)
    pieces = tuple(_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules))
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, (Sequence, np.ndarray)):
        raise _checks.error("boundaries", "a sequence of integers", boundaries)
    if len(boundaries) != len(pieces) - 1:
        raise _checks.error("boundaries", f"len(schedules) - 1 = {len(pieces) - 1} steps", boundaries)
    bounds = tuple(_checks.integer(f"boundaries[{i}]", b, low=1) for i, b in enumerate(boundaries))
    if any(b <= a for a, b in zip(bounds, bounds[1:])):
        raise _checks.error("boundaries", "strictly increasing", boundaries)
    fn = _joined([s._fn for s in pieces], bounds)
    return Schedule("join", {"schedules": pieces, "boundaries": bounds}, fn)


def _joined(fns: list, bounds: tuple) -> _StepFn:
    if not bounds:
        return fns[0]
    edges = np.array(bounds, dtype=np.int64)
    starts = (0,) + bounds

    def fn(t):
        piece = np.searchsorted(edges, t, side="right")
        rates = np.empty(t.shape)
        for i, inner in enumerate(fns):  # a loop over pieces, not steps
            mine = piece == i
            if mine.any():
                rates[mine] = inner(t[mine] - starts[i])
        return rates

    return fn


def _linear_ramp(lr, warmup_steps, start_factor) -> _StepFn:
    """PyTorch ``LinearLR`` to end_factor 1 over ``warmup_steps`` (closed form):
    ``lr * (start_factor + (1 - start_factor) * min(t, warmup_steps) / warmup_steps)``."""

    def fn(t):
        return lr * (start_factor + (1.0 - start_factor) * np.minimum(t, warmup_steps) / warmup_steps)

    return fn


def linear_warmup(schedule, warmup_steps, start_factor=1 / 3) -> Schedule:
    """A linear warm-up to ``schedule(0)``, then ``schedule`` from its start
    (PyTorch ``LinearLR(total_iters=warmup_steps)`` then ``SequentialLR`` at ``warmup_steps``).

    ``rate(t) = schedule(0) * (start_factor + (1 - start_factor) * t/warmup_steps)``
    for ``t < warmup_steps``, else ``schedule(t - warmup_steps)``: a
    :func:`join` of the ramp and ``schedule``.

    Args:
        schedule: the (non-reactive) schedule after the warm-up.
        warmup_steps: length of the warm-up, an integer >= 1.
        start_factor: the first step's fraction of ``schedule(0)``, in (0, 1].

    Returns:
        A :class:`Schedule` named ``"linear_warmup"``; ``params["schedule"]`` is
        the inner schedule.

    >>> s = linear_warmup(constant(0.3), warmup_steps=3, start_factor=0.5)
    >>> np.round(s(np.arange(5)), 12).tolist()
    [0.15, 0.2, 0.25, 0.3, 0.3]
    """
    schedule = _schedule("schedule", schedule)
    warmup_steps = _checks.integer("warmup_steps", warmup_steps, low=1)
    start_factor = _checks.real("start_factor", start_factor, low=0.0, high=1.0, low_open=True)
    ramp = _linear_ramp(schedule(0), warmup_steps, start_factor)
    params = {"schedule": schedule, "warmup_steps": warmup_steps, "start_factor": start_factor}
    return Schedule("linear_warmup", params, _joined([ramp, schedule._fn], (warmup_steps,)))


def _anneal(start_lr, end_lr, offset, start_step, end_step, anneal) -> _StepFn:
    """One phase of OneCycleLR, at local step ``t`` (global step ``t + offset``):
    ``pct = min((t + offset - start_step) / (end_step - start_step), 1)``, then
    cosine ``end + (start - end)/2 * (1 + cos(pi*pct))`` or linear ``(end - start)*pct + start``."""
    span = end_step - start_step

    def fn(t):
        pct = np.minimum(((t + offset) - start_step) / span, 1.0)
        if anneal == "cos":
            return end_lr + (start_lr - end_lr) / 2.0 * (np.cos(np.pi * pct) + 1.0)
        return (end_lr - start_lr) * pct + start_lr

    return fn


def one_cycle(
    max_lr,
    total_steps,
    pct_start=0.3,
    div_factor=25.0,
    final_div_factor=1e4,
    anneal="cos",
    three_phase=False,
) -> Schedule:
    """Up to ``max_lr`` and down below where it started, in one cycle (PyTorch ``OneCycleLR``).

    With ``initial = max_lr/div_factor`` and ``min_lr = initial/final_div_factor``,
    phases end (as PyTorch computes them) at ``e1 = float(pct_start*total_steps) - 1``,
    ``e2 = float(2*pct_start*total_steps) - 2`` (three phases) and
    ``total_steps - 1``: initial -> max_lr over ``[0, e1]``, then
    max_lr -> min_lr, or with ``three_phase`` max_lr -> initial over
    ``(e1, e2]`` and initial -> min_lr. Within a phase ``(s, e]``,
    ``pct = (t - s)/(e - s)`` and the rate is
    ``end + (start - end)/2 * (1 + cos(pi*pct))`` (``"cos"``) or
    ``(end - start)*pct + start`` (``"linear"``): a :func:`join` of the phases.
    PyTorch's scheduler serves ``total_steps`` updates and raises when stepped
    past ``total_steps``; this schedule instead holds its last value (``min_lr``,
    up to rounding) from step ``total_steps - 1`` on.

    Args:
        max_lr: the peak rate, finite and >= 0.
        total_steps: length of the cycle, an integer >= 2.
        pct_start: the fraction of the cycle spent rising, in (0, 1), with
            ``pct_start*total_steps > 1`` (the rise must cover step 0) and, for
            three phases, ``2*pct_start*total_steps - 2 < total_steps - 1``.
        div_factor: ``max_lr/initial``, > 0.
        final_div_factor: ``initial/min_lr``, > 0.
        anneal: ``"cos"`` or ``"linear"`` (PyTorch's ``anneal_strategy``).
        three_phase: fall back to ``initial`` symmetrically before annealing to ``min_lr``.

    Returns:
        A :class:`Schedule` named ``"one_cycle"``.

    >>> s = one_cycle(1.0, total_steps=5, pct_start=0.5, div_factor=4.0,
    ...               final_div_factor=10.0, anneal="linear")
    >>> [round(v, 6) for v in s(np.arange(7)).tolist()]  # phases [0, 1.5], (1.5, 4]
    [0.25, 0.75, 0.805, 0.415, 0.025, 0.025, 0.025]
    """
    max_lr = _checks.real("max_lr", max_lr, low=0.0)
    total_steps = _checks.integer("total_steps", total_steps, low=2)
    pct_start = _checks.real("pct_start", pct_start, low=0.0, high=1.0, low_open=True, high_open=True)
    div_factor = _checks.real("div_factor", div_factor, low=0.0, low_open=True)
    final_div_factor = _checks.real("final_div_factor", final_div_factor, low=0.0, low_open=True)
    anneal = _checks.choice("anneal", anneal, ("cos", "linear"))
    three_phase = _checks.flag("three_phase", three_phase)

    last = float(total_steps - 1)
    rise_end = float(pct_start * total_steps) - 1
    if not rise_end > 0.0:
        raise ValueError(
            "pct_start*total_steps must be > 1 so that the rising phase covers step 0 "
            f"(PyTorch divides by zero at 1 and skips the rise below), got pct_start={pct_start!r}, "
            f"total_steps={total_steps!r}"
        )
    initial = max_lr / div_factor
    min_lr = initial / final_div_factor
    if three_phase:
        fall_end = float(2 * pct_start * total_steps) - 2
        if not fall_end < last:
            raise ValueError(
                "three_phase needs 2*pct_start*total_steps - 2 < total_steps - 1 so that the "
                f"third phase is not empty, got pct_start={pct_start!r}, total_steps={total_steps!r}"
            )
        phases = [
            (0.0, rise_end, initial, max_lr),
            (rise_end, fall_end, max_lr, initial),
            (fall_end, last, initial, min_lr),
        ]
    else:
        phases = [(0.0, rise_end, initial, max_lr), (rise_end, last, max_lr, min_lr)]

    pieces, starts = [], []
    for k, (start_step, end_step, start_lr, end_lr) in enumerate(phases):
        first = 0 if k == 0 else math.floor(start_step) + 1  # the first step with t > start_step
        if first > end_step:
            continue  # a phase too short to hold a step (the middle one of three)
        pieces.append(_anneal(start_lr, end_lr, first, start_step, end_step, anneal))
        starts.append(first)
    joined = _joined(pieces, tuple(starts[1:]))
    params = {
        "max_lr": max_lr,
        "total_steps": total_steps,
        "pct_start": pct_start,
        "div_factor": div_factor,
        "final_div_factor": final_div_factor,
        "anneal": anneal,
        "three_phase": three_phase,
    }
    return Schedule("one_cycle", params, joined)


def cyclic(base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular", gamma=1.0) -> Schedule:
    """Cycle between ``base_lr`` and ``max_lr`` along triangles (PyTorch ``CyclicLR``, learning rate only).

    As PyTorch computes it, with ``total = up + down`` and ``ratio = up/total``:
    ``cycle = floor(1 + t/total)``, ``x = 1 + t/total - cycle``,
    ``h = x/ratio`` if ``x <= ratio`` else ``(x - 1)/(ratio - 1)``, and
    ``rate = base_lr + (max_lr - base_lr) * h * scale``, where ``scale`` is 1
    (``"triangular"``), ``1/2**(cycle - 1)`` (``"triangular2"``) or ``gamma**t``
    (``"exp_range"``). PyTorch's momentum cycling is out of scope.

    Args:
        base_lr: the bottom of the cycle, finite and >= 0.
        max_lr: the top of the cycle, finite and >= base_lr.
        step_size_up: steps rising, an integer >= 1.
        step_size_down: steps falling, an integer >= 1; None means ``step_size_up``.
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        gamma: ``"exp_range"``'s factor per step, in (0, 1] (PyTorch asks
            that a scale stay within [0, 1]).

    Returns:
        A :class:`Schedule` named ``"cyclic"``; ``params["step_size_down"]``
        keeps None when it was not given.

    >>> s = cyclic(0.0, 1.0, step_size_up=2, step_size_down=1, mode="triangular2")
    >>> np.round(s(np.arange(7)), 12).tolist()
    [0.0, 0.5, 1.0, 0.0, 0.25, 0.5, 0.0]
    """
    base_lr = _checks.real("base_lr", base_lr, low=0.0)
    max_lr = _checks.real("max_lr", max_lr, low=0.0)
    if max_lr < base_lr:
        raise _checks.error("max_lr", f"a real number >= base_lr = {base_lr!r}", max_lr)
    step_size_up = _checks.integer("step_size_up", step_size_up, low=1)
    if step_size_down is not None:
        step_size_down = _checks.integer("step_size_down", step_size_down, low=1)
    mode = _checks.choice("mode", mode, ("triangular", "triangular2", "exp_range"))
    gamma = _checks.real("gamma", gamma, low=0.0, high=1.0, low_open=True)

    up = float(step_size_up)
    total = up + (float(step_size_down) if step_size_down is not None else up)
    ratio = up / total

    def fn(t):
        cycle = np.floor(1.0 + t / total)
        x = 1.0 + t / total - cycle
        height = (max_lr - base_lr) * np.where(x <= ratio, x / ratio, (x - 1.0) / (ratio - 1.0))
        if mode == "triangular":
            return base_lr + height * 1.0
        if mode == "triangular2":
            return base_lr + height * 0.5 ** (cycle - 1.0)  # = 1/2**(cycle - 1), without overflow
        return base_lr + height * gamma**t

    params = {
        "base_lr": base_lr,
        "max_lr": max_lr,
        "step_size_up": step_size_up,
        "step_size_down": step_size_down,
        "mode": mode,
        "gamma": gamma,
    }
    return Schedule("cyclic", params, fn)


# ---------------------------------------------------------------------------
# The reactive schedule


def reduce_on_plateau(
    lr,
    factor=0.1,
    patience=10,
    threshold=1e-4,
    threshold_mode="rel",
    cooldown=0,
    min_lr=0.0,
) -> Schedule:
    """Cut the rate when the loss stops improving (PyTorch ``ReduceLROnPlateau``, mode "min").

    Stepped once per update with that update's loss (see :class:`PlateauBank`):
    a loss is better when ``loss < best*(1 - threshold)`` (``"rel"``) or
    ``loss < best - threshold`` (``"abs"``); after more than ``patience`` steps
    that are not, ``rate = max(rate*factor, min_lr)`` (skipped when it would
    change by less than 1e-8), then ``cooldown`` steps ignore bad steps. The
    one reactive schedule: ``s(t)`` gives the initial ``lr``, its rate before
    any loss is seen.

    Args:
        lr: the initial rate, finite and >= 0.
        factor: the cut, in (0, 1).
        patience: bad steps tolerated, an integer >= 0.
        threshold: the least improvement that counts, >= 0 (and < 1 for ``"rel"``).
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: steps after a cut during which bad steps are not counted, an integer >= 0.
        min_lr: the floor, finite and >= 0.

    Returns:
        A :class:`Schedule` named ``"reduce_on_plateau"`` with ``reactive`` True.

    >>> s = reduce_on_plateau(0.1, patience=5)
    >>> s.reactive, s(0), s(np.arange(2)).tolist()
    (True, 0.1, [0.1, 0.1])
    """
    lr = _checks.real("lr", lr, low=0.0)
    factor = _checks.real("factor", factor, low=0.0, high=1.0, low_open=True, high_open=True)
    patience = _checks.integer("patience", patience, low=0)
    threshold_mode = _checks.choice("threshold_mode", threshold_mode, ("rel", "abs"))
    threshold = _checks.real("threshold", threshold, low=0.0)
    if threshold_mode == "rel" and threshold >= 1.0:
        raise _checks.error("threshold", "a real number in [0, 1) for threshold_mode='rel'", threshold)
    cooldown = _checks.integer("cooldown", cooldown, low=0)
    min_lr = _checks.real("min_lr", min_lr, low=0.0)

    def fn(t):
        return np.full(t.shape, lr)

    params = {
        "lr": lr,
        "factor": factor,
        "patience": patience,
        "threshold": threshold,
        "threshold_mode": threshold_mode,
        "cooldown": cooldown,
        "min_lr": min_lr,
    }
    return Schedule("reduce_on_plateau", params, fn, reactive=True)


class PlateauBank:
    """R :func:`reduce_on_plateau` schedules stepped together, vectorised over R.

    Their parameters are (R,) arrays (threshold modes may differ). At update t
    a run uses ``bank.lr`` and then calls ``bank.observe(loss)`` with the (R,)
    losses at the parameters before that update; ``observe`` applies
    PyTorch's ``ReduceLROnPlateau.step`` to every row at once: ``best`` starts
    at +inf, NaN is never better, and a cut ``max(lr*factor, min_lr)`` is
    applied only if it lowers the rate by more than 1e-8. State: ``lr``,
    ``best``, ``num_bad_epochs``, ``cooldown_counter`` (copies, (R,)).

    >>> bank = plateau_bank([reduce_on_plateau(0.1, patience=1),
    ...                      reduce_on_plateau(1.0, factor=0.5, patience=0)])
    >>> bank.lr.tolist()
    [0.1, 1.0]
    >>> for loss in [1.0, 1.0, 1.0]:  # no improvement after the first
    ...     _ = bank.observe([loss, loss])
    >>> np.round(bank.lr, 12).tolist()
    [0.01, 0.25]
    """

    def __init__(self, schedules):
        if isinstance(schedules, Schedule):
            schedules = [schedules]
        if isinstance(schedules, (str, bytes)) or not isinstance(schedules, (Sequence, np.ndarray)):
            raise ValueError(
                f"schedules must be a sequence of reduce_on_plateau schedules, got {schedules!r}"
            )
        for i, s in enumerate(schedules):
            if not (isinstance(s, Schedule) and s.name == "reduce_on_plateau"):
                raise ValueError(f"schedules[{i}] must be a reduce_on_plateau schedule, got {s!r}")
        params = [s.params for s in schedules]

        def column(key, dtype):
            return np.array([p[key] for p in params], dtype=dtype).reshape(len(params))

        self.schedules = tuple(schedules)
        rel = np.array([p["threshold_mode"] == "rel" for p in params], dtype=bool).reshape(len(params))
        threshold = column("threshold", np.float64)
        # is_better(a, best) is a < best*scale - shift: best*(1 - threshold) (rel) or best - threshold (abs)
        self._scale = np.where(rel, 1.0 - threshold, 1.0)
        self._shift = np.where(rel, 0.0, threshold)
        self._factor = column("factor", np.float64)
        self._patience = column("patience", np.int64)
        self._cooldown = column("cooldown", np.int64)
        self._min_lr = column("min_lr", np.float64)
        self._lr = column("lr", np.float64)
        self._best = np.full(len(params), np.inf)
        self._bad = np.zeros(len(params), dtype=np.int64)
        self._cooldown_counter = np.zeros(len(params), dtype=np.int64)

    def __len__(self) -> int:
        return int(self._lr.size)

    def __repr__(self) -> str:
        return f"PlateauBank({len(self)} schedules, lr={self._lr.tolist()!r})"

    @property
    def lr(self) -> np.ndarray:
        """(R,) the rates for the next update."""
        return self._lr.copy()

    @property
    def best(self) -> np.ndarray:
        """(R,) the best loss seen so far (+inf before any)."""
        return self._best.copy()

    @property
    def num_bad_epochs(self) -> np.ndarray:
        """(R,) steps since the last improvement, as PyTorch counts them."""
        return self._bad.copy()

    @property
    def cooldown_counter(self) -> np.ndarray:
        """(R,) cooldown steps left."""
        return self._cooldown_counter.copy()

    def observe(self, loss) -> np.ndarray:
        """Step every schedule with its loss, as ``ReduceLROnPlateau.step(loss)``.

        Args:
            loss: (R,) the losses (a scalar is shared by all rows); NaN counts
                as no improvement.

        Returns:
            (R,) the rates for the next update (a copy of :attr:`lr`).

        >>> bank = plateau_bank([reduce_on_plateau(1.0, factor=0.5, patience=0)])
        >>> [bank.observe([v]).item() for v in (3.0, 2.0, float("nan"), 2.0)]
        [1.0, 1.0, 0.5, 0.25]
        """
        values = _checks.real_array("loss", loss, allow_inf=True, allow_nan=True)
        try:
            losses = np.broadcast_to(values, self._lr.shape)
        except ValueError:
            raise _checks.error("loss", f"a number or {len(self)} of them", loss) from None
        better = losses < self._best * self._scale - self._shift  # False for NaN
        self._best = np.where(better, losses, self._best)
        bad = np.where(better, 0, self._bad + 1)
        cooling = self._cooldown_counter > 0
        counter = np.where(cooling, self._cooldown_counter - 1, self._cooldown_counter)
        bad = np.where(cooling, 0, bad)
        cut = bad > self._patience
        new_lr = np.maximum(self._lr * self._factor, self._min_lr)
        self._lr = np.where(cut & (self._lr - new_lr > PLATEAU_EPS), new_lr, self._lr)
        self._cooldown_counter = np.where(cut, self._cooldown, counter)
        self._bad = np.where(cut, 0, bad)
        return self.lr


def plateau_bank(schedules) -> PlateauBank:
    """A :class:`PlateauBank` tracking ``schedules``, R reduce_on_plateau schedules at once.

    ``bank.lr`` (R,) is the rate for the next update; ``bank.observe(loss)``
    with the (R,) losses before that update steps them all.

    Args:
        schedules: a sequence of R :func:`reduce_on_plateau` schedules (R may be 0).

    Returns:
        A fresh :class:`PlateauBank`, rates at the schedules' ``lr``.

    >>> bank = plateau_bank([reduce_on_plateau(0.1), reduce_on_plateau(0.2, threshold_mode="abs")])
    >>> bank.lr.tolist(), len(bank)
    ([0.1, 0.2], 2)
    """
    return PlateauBank(schedules)


#: Every schedule factory by name: a schedule's ``name`` is its factory's key
#: here, and ``SCHEDULES[s.name](**s.params) == s``.
SCHEDULES = {
    f.__name__: f
    for f in (
        constant,
        step_decay,
        multistep_decay,
        exponential_decay,
        inverse_time_decay,
        polynomial_decay,
        cosine_decay,
        cosine_restarts,
        join,
        linear_warmup,
        one_cycle,
        cyclic,
        reduce_on_plateau,
    )
}
_FACTORIES = SCHEDULES  # the name it had before it was public
