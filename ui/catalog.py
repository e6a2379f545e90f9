"""The schedules the schedules page offers, one row each: the label it shows,
its own settings (lengths as fractions of the run's steps, so the defaults
suit any number of steps) and how they become an lrcore schedule.

``ui.state`` makes the widgets' settings from this table, ``build_schedule``
reads the builders, and the export reads the schedule built (its lrcore
name and parameters). Losses and optimizers have their tables in the engine
(``lrcore.losses.LOSSES``, ``lrcore.optimizers.OPTIMIZERS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import lrcore

from .setting import Setting

#: A period of the staircase decays and of inverse-time decay, as a share of the steps.
PERIOD = 0.1
#: The cyclic schedule runs from the base rate divided by this up to the base rate.
CYCLIC_SPAN = 10


@dataclass(frozen=True)
class ScheduleChoice:
    """A schedule as the page offers it: ``build(lr, steps, values)`` is the
    lrcore schedule at base rate ``lr`` for a run of ``steps``, ``values``
    holding each of ``params`` by its key (``ui.state`` prefixes the keys
    with ``sched_<name>_`` for the widgets and the URL)."""

    name: str
    label: str
    build: Callable[[float, int, Mapping], Any]
    params: tuple = ()

    def defaults(self) -> dict:
        """{parameter: its default}."""
        return {param.key: param.default for param in self.params}


def length(fraction: float, steps: int) -> int:
    """``fraction`` of ``steps`` as a whole number of steps, at least 1.

    >>> length(0.25, 1000), length(0.001, 10)
    (250, 1)
    """
    return max(1, int(round(fraction * steps)))


def _constant(lr, steps, values):
    return lrcore.schedules.constant(lr)


def _step(lr, steps, values):
    return lrcore.schedules.step_decay(lr, length(values["every"], steps), values["gamma"])


def milestones(values: dict, steps: int) -> tuple[int, int]:
    """Multistep's two milestones in steps: the second at least one step after the first."""
    first = length(values["first"], steps)
    return first, max(length(values["second"], steps), first + 1)


def warmup_steps(values: dict, steps: int) -> int:
    """The warmup's length in steps, leaving at least one step for the cosine."""
    return min(length(values["warmup"], steps), steps - 1)


def pct_start(values: dict, steps: int) -> float:
    """One-cycle's pct_start, moved so that every phase has at least one whole step."""
    low, high = (1.5 / steps, 0.5 - 1.0 / steps) if values["three_phase"] else (1.5 / steps, 1 - 1.5 / steps)
    return min(max(values["pct_start"], low), high)


def _multistep(lr, steps, values):
    return lrcore.schedules.multistep_decay(lr, list(milestones(values, steps)), values["gamma"])


def _exponential(lr, steps, values):
    if values["staircase"]:  # whole periods, reaching the end rate after the last whole one, at step `steps`
        period = length(PERIOD, steps)
        return lrcore.schedules.exponential_decay(lr, period, values["to"] ** (1 / (steps // period)), staircase=True)
    return lrcore.schedules.exponential_decay(lr, steps, values["to"])


def _inverse_time(lr, steps, values):
    return lrcore.schedules.inverse_time_decay(lr, length(PERIOD, steps), values["rate"],
                                               staircase=values["staircase"])


def _polynomial(lr, steps, values):
    return lrcore.schedules.polynomial_decay(lr, steps, end_lr=lr * values["end"], power=values["power"])


def _cosine(lr, steps, values):
    return lrcore.schedules.cosine_decay(lr, steps, alpha=values["alpha"])


def _restarts(lr, steps, values):
    return lrcore.schedules.cosine_restarts(lr, length(values["first"], steps), t_mul=values["t_mul"],
                                            m_mul=values["m_mul"], alpha=values["alpha"])


def _warmup_cosine(lr, steps, values):
    warmup = warmup_steps(values, steps)
    return lrcore.schedules.linear_warmup(lrcore.schedules.cosine_decay(lr, max(1, steps - warmup)), warmup,
                                          start_factor=values["start"])


def _one_cycle(lr, steps, values):
    return lrcore.schedules.one_cycle(lr, max(steps, 2), pct_start=pct_start(values, steps), div_factor=values["div"],
                                      three_phase=values["three_phase"])


def _cyclic(lr, steps, values):
    gamma = min(max(values["gamma"], 1e-12), 1.0)
    return lrcore.schedules.cyclic(lr / CYCLIC_SPAN, lr, step_size_up=length(values["up"], steps),
                                   mode=values["mode"], gamma=gamma)


def _plateau(lr, steps, values):
    return lrcore.schedules.reduce_on_plateau(lr, factor=values["factor"], patience=int(values["patience"]),
                                              cooldown=int(values["cooldown"]))


_ALPHA = "The floor, as a fraction of lr."

SCHEDULES = {choice.name: choice for choice in (
    ScheduleChoice("constant", "constant", _constant),
    ScheduleChoice("step_decay", "step", _step, (
        Setting("every", "Step: every (fraction of steps)", 0.25, "float", low=0.01, high=1.0, help="step_size = every × steps."),
        Setting("gamma", "Step: gamma", 0.5, "float", low=0.01, high=1.0, help="The factor at each step."),
    )),
    ScheduleChoice("multistep_decay", "multistep", _multistep, (
        Setting("first", "Multistep: first milestone (fraction)", 0.5, "float", low=0.01, high=0.99,
              help="The first milestone, as a fraction of the steps."),
        Setting("second", "Multistep: second milestone (fraction)", 0.75, "float", low=0.01, high=0.99,
              help="The second milestone (after the first)."),
        Setting("gamma", "Multistep: gamma", 0.3, "float", low=0.01, high=1.0, help="The factor at each milestone."),
    )),
    ScheduleChoice("exponential_decay", "exponential", _exponential, (
        Setting("to", "Exponential: rate at the end (× lr)", 0.01, "float", low=1e-6, high=1.0,
              help="decay_steps = steps and decay_rate = this: lr·rate^(t/steps)."),
        Setting("staircase", "Exponential: staircase", False, "bool",
              help=f"Decay in whole periods (with decay_steps = steps/{1 / PERIOD:g})."),
    )),
    ScheduleChoice("inverse_time_decay", "inverse time", _inverse_time, (
        Setting("rate", "Inverse time: decay_rate", 1.0, "float", low=0.001, high=1000.0,
              help=f"lr/(1 + rate·t/decay_steps), decay_steps = steps/{1 / PERIOD:g}."),
        Setting("staircase", "Inverse time: staircase", False, "bool", help="Decay in whole periods of decay_steps."),
    )),
    ScheduleChoice("polynomial_decay", "polynomial", _polynomial, (
        Setting("power", "Polynomial: power", 1.0, "float", low=0.1, high=10.0, help="The curve's power."),
        Setting("end", "Polynomial: end rate (× lr)", 0.01, "float", low=0.0, high=1.0, help="end_lr = end × lr."),
    )),
    ScheduleChoice("cosine_decay", "cosine", _cosine, (
        Setting("alpha", "Cosine: alpha", 0.0, "float", low=0.0, high=1.0, help=_ALPHA),
    )),
    ScheduleChoice("cosine_restarts", "cosine with restarts", _restarts, (
        Setting("first", "Restarts: first period (fraction)", 0.1, "float", low=0.01, high=1.0,
              help="first_decay_steps = first × steps."),
        Setting("t_mul", "Restarts: t_mul", 2.0, "float", low=1.0, high=5.0, help="Each period is t_mul times the last."),
        Setting("m_mul", "Restarts: m_mul", 1.0, "float", low=0.01, high=1.0, help="Each peak is m_mul times the last."),
        Setting("alpha", "Restarts: alpha", 0.0, "float", low=0.0, high=1.0, help=_ALPHA),
    )),
    ScheduleChoice("warmup_cosine", "linear warmup + cosine", _warmup_cosine, (
        Setting("warmup", "Warmup: length (fraction)", 0.1, "float", low=0.01, high=0.9, help="warmup_steps = warmup × steps."),
        Setting("start", "Warmup: start_factor", 1 / 3, "float", low=0.01, high=1.0, help="The first step's share of lr."),
    )),
    ScheduleChoice("one_cycle", "one-cycle", _one_cycle, (
        Setting("pct_start", "One-cycle: pct_start", 0.3, "float", low=0.05, high=0.9, help="The share of steps spent rising."),
        Setting("div", "One-cycle: div_factor", 25.0, "float", low=1.0, high=1e4, help="It starts at max_lr/div_factor."),
        Setting("three_phase", "One-cycle: three phases", False, "bool",
              help="Up, back down to the start, then to the minimum."),
    )),
    ScheduleChoice("cyclic", "cyclic", _cyclic, (
        Setting("up", "Cyclic: half cycle (fraction)", 0.1, "float", low=0.01, high=0.5, help="step_size_up = up × steps."),
        Setting("mode", "Cyclic: mode", "triangular", "choice", options=("triangular", "triangular2", "exp_range"),
              help="triangular; triangular2 halves the height each cycle; exp_range scales it by gamma^step."),
        Setting("gamma", "Cyclic: gamma (exp_range)", 0.999, "float", low=0.5, high=1.0, help="exp_range's factor per step."),
    )),
    ScheduleChoice("reduce_on_plateau", "reduce on plateau", _plateau, (
        Setting("factor", "Plateau: factor", 0.5, "float", low=0.01, high=0.99, help="The factor on each plateau."),
        Setting("patience", "Plateau: patience", 10, "int", 0, 1000, help="Steps without improvement tolerated."),
        Setting("cooldown", "Plateau: cooldown", 0, "int", 0, 1000, help="Steps to wait after a reduction."),
    )),
)}


def build_schedule(name: str, lr: float, steps: int, values: Mapping | None = None):
    """The lrcore schedule the page runs for ``name`` at base rate ``lr`` over
    ``steps``; ``values`` holds its settings by name (defaults where absent).

    >>> float(build_schedule("step_decay", 0.1, 100)(25))  # halved every 0.25 of the 100 steps
    0.05
    """
    choice = SCHEDULES[name]
    return choice.build(lr, steps, {**choice.defaults(), **(values or {})})
