"""Every setting the app shows: its URL key, label, default and range, defined
once. Pages, widgets and tests read them from here.

A setting also knows how to read a value that arrived in a URL: numbers are
parsed, checked for being finite and clamped into range; anything else is
ignored. Each adjustment comes with a sentence the page shows the learner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import lrcore

from .catalog import SCHEDULES
from .setting import MAX_SCHEDULES, MAX_URL_VALUE, Setting, format_rate  # noqa: F401 (read from here)

LR_MIN, LR_MAX = 1e-6, 10.0


def _log_grid(low: float, high: float, mantissas=(1, 1.5, 2, 3, 5, 7)) -> tuple[str, ...]:
    """Labels of 'nice' rates spaced evenly in log scale from low to high."""
    values = set()
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for m in mantissas:
            v = float(f"{m}e{exponent}")
            if low * (1 - 1e-12) <= v <= high * (1 + 1e-12):
                values.add(v)
    return tuple(format_rate(v) for v in sorted(values))


def _settings(*items: Setting) -> dict[str, Setting]:
    return {s.key: s for s in items}


# --- the data, shared by every page (sidebar) --------------------------------------

DATA = _settings(
    Setting("n", "Points n", 50, "int", 2, lrcore.data.MAX_POINTS,
            help="How many points to draw (2 to 1,000,000). The MSE engine costs the same for any n."),
    Setting("w", "True slope w", 2.0, "float", -100.0, 100.0, help="The slope of the line the points are drawn around."),
    Setting("b", "True intercept b", 1.0, "float", -100.0, 100.0, help="Where that line crosses x = 0."),
    Setting("noise", "Noise", 1.0, "float", 0.0, 100.0, help="Standard deviation of the scatter around the true line."),
    Setting("x_min", "x from", 0.0, "float", -10_000.0, 10_000.0, help="The smallest x a point can have."),
    Setting("x_max", "x to", 10.0, "float", -10_000.0, 10_000.0, help="The largest x a point can have."),
    Setting("outliers", "Outlier fraction", 0.0, "float", 0.0, 0.5,
            help="A share of the points lifted far above the line, to see how the loss reacts."),
    Setting("seed", "Seed", 0, "int", 0, 2**31 - 1, help="The same seed always draws the same points."),
    Setting("std", "Standardize x", False, "bool",
            help="Rescale x to mean 0 and standard deviation 1: the loss bowl becomes round, "
            "so one learning rate suits both w and b."),
)

# --- the Data page's gradient-descent fit ------------------------------------------

FIT = _settings(
    Setting("fit_lr", "Learning rate", format_rate(0.02), "rate", LR_MIN, LR_MAX,
            options=_log_grid(LR_MIN, LR_MAX),
            help="How far each step moves against the gradient (log scale, 1e-6 to 10)."),
    Setting("fit_steps", "Steps", 200, "int", 1, 5000, help="How many gradient-descent updates to run."),
    Setting("fit_w0", "Start w0", 0.0, "float", -100.0, 100.0, help="The slope of the first guess."),
    Setting("fit_b0", "Start b0", 0.0, "float", -100.0, 100.0, help="The intercept of the first guess."),
)

# --- the loss-slice page --------------------------------------------------------------

LOSS_NAMES = {name: spec.label for name, spec in lrcore.losses.LOSSES.items()}
LOSS_LABELS = tuple(LOSS_NAMES.values())

SLICE = _settings(
    Setting("slice_param", "Move", "b", "choice", options=("b", "w"), labels=("b (w held)", "w (b held)"),
            help="The parameter gradient descent moves; the other one is held."),
    Setting("slice_hold", "Hold the other at", "best fit", "choice", options=("best fit", "a value"),
            help="The best fit's value of the held parameter, or one you type."),
    Setting("slice_held", "Held value", 0.0, "float", -100.0, 100.0, help="The held parameter's value."),
    Setting("slice_loss", "Loss", "mse", "choice", options=tuple(LOSS_NAMES), labels=LOSS_LABELS,
            help="MSE: mean of r²; MAE: mean of |r|; Huber: r²/2 near the line, linear beyond delta."),
    Setting("slice_delta", "Huber delta", 1.0, "float", 0.01, 100.0,
            help="Residuals smaller than delta count quadratically, larger ones linearly."),
    Setting("slice_start", "Start", -4.0, "float", -1000.0, 1000.0, help="Where the first guess is."),
    Setting("slice_lr", "Learning rate", format_rate(0.7), "rate", LR_MIN, 100.0,
            options=_log_grid(LR_MIN, 100.0), help="The step size, on a log scale from 1e-6 to 100."),
    Setting("slice_steps", "Steps", 20, "int", 1, 500, help="How many gradient steps to take."),
    Setting("slice_decay", "Decay the rate", "none", "choice", options=("none", "exponential", "inverse time"),
            help="Run the same start again with a shrinking rate, beside the constant one."),
    Setting("slice_decay_rate", "Decay per step", 0.1, "float", 0.001, 1.0,
            help="Exponential: lr·(1 − d)^t. Inverse time: lr/(1 + d·t)."),
)

# --- the contour page --------------------------------------------------------------------

OPTIMIZER_NAMES = {name: spec.label for name, spec in lrcore.optimizers.OPTIMIZERS.items()}
#: Plain gradient descent was called "gd" in older links.
_OLD_OPTIMIZER_NAMES = (("gd", "sgd"),)
MAX_RUNS = 5
_RUN_RATES = ("0.007", "0.02", "0.03", "0.01", "0.005")

CONTOUR = _settings(
    Setting("contour_runs", "Runs", 3, "int", 1, MAX_RUNS, help="How many runs to draw, each with its own colour."),
    *[Setting(f"contour_lr{i}", f"Run {i}: learning rate", _RUN_RATES[i - 1], "rate", LR_MIN, LR_MAX,
              options=_log_grid(LR_MIN, LR_MAX), help="This run's learning rate (log scale).")
      for i in range(1, MAX_RUNS + 1)],
    *[Setting(f"contour_opt{i}", f"Run {i}: optimizer", "sgd", "choice", options=tuple(OPTIMIZER_NAMES),
              labels=tuple(OPTIMIZER_NAMES.values()), aliases=_OLD_OPTIMIZER_NAMES,
              help="PyTorch's update rule for this run.") for i in range(1, MAX_RUNS + 1)],
    Setting("contour_momentum", "Momentum", 0.9, "float", 0.0, 0.99, help="For momentum and Nesterov runs."),
    Setting("contour_alpha", "RMSprop alpha", 0.99, "float", 0.0, 0.999, format="%.3f", help="RMSprop's averaging of g²."),
    Setting("contour_beta1", "Adam beta1", 0.9, "float", 0.0, 0.999, format="%.3f", help="Adam's averaging of g."),
    Setting("contour_beta2", "Adam beta2", 0.999, "float", 0.0, 0.9999, format="%.4f", help="Adam's averaging of g²."),
    Setting("contour_w0", "Start w0", -2.0, "float", -100.0, 100.0, help="Where every run starts (or click the chart)."),
    Setting("contour_b0", "Start b0", 8.0, "float", -100.0, 100.0, help="Where every run starts (or click the chart)."),
    Setting("contour_steps", "Steps", 500, "int", 1, 5000, help="Updates per run."),
    Setting("contour_batch", "Batch size", 0, "int", 0, 1000,
            help="0 uses every point each step; a smaller batch draws mini-batches (the same for every run)."),
    Setting("contour_loss", "Loss", "mse", "choice", options=tuple(LOSS_NAMES), labels=LOSS_LABELS,
            help="The loss drawn and descended."),
    Setting("contour_delta", "Huber delta", 1.0, "float", 0.01, 100.0, help="Huber's switch from r²/2 to linear."),
    Setting("contour_tol", "Tolerance", 1e-5, "float", 1e-12, 1.0, format="%.0e",
            help="A run has arrived when its loss gap to the minimum is this fraction of where it started."),
    Setting("contour_guesses", "Random guesses", 5000, "int", 0, 100_000,
            help="Guesses drawn at random in a box around the start, to compare with descent."),
    Setting("contour_equal", "Same scale on w and b", True, "bool",
            help="One unit of w and one of b take the same length on the map, so its right angles are true."),
)



@dataclass(frozen=True)
class OptimizerSettings:
    """The optimizers' hyper-parameters a page holds, by name; each optimizer
    reads those it has (``lrcore.optimizers.configured``). The defaults are
    the contour page's, used where a page does not ask."""

    momentum: float = CONTOUR["contour_momentum"].default
    alpha: float = CONTOUR["contour_alpha"].default
    beta1: float = CONTOUR["contour_beta1"].default
    beta2: float = CONTOUR["contour_beta2"].default

# --- the schedules page ------------------------------------------------------------------

SCHEDULE_NAMES = {name: choice.label for name, choice in SCHEDULES.items()}

SCHED = _settings(
    Setting("sched_pick", "Schedules", ("constant", "exponential_decay", "cosine_decay"), "multi",
            options=tuple(SCHEDULE_NAMES), labels=tuple(SCHEDULE_NAMES.values()),
            help="Up to 6 schedules, run side by side from the same start."),
    Setting("sched_lr", "Base learning rate", format_rate(0.02), "rate", LR_MIN, LR_MAX,
            options=_log_grid(LR_MIN, LR_MAX), help="The rate every schedule starts from (or peaks at)."),
    Setting("sched_steps", "Steps", 1000, "int", 10, 5000, help="Updates per run."),
    Setting("sched_opt", "Optimizer", "sgd", "choice", options=tuple(OPTIMIZER_NAMES),
            labels=tuple(OPTIMIZER_NAMES.values()), aliases=_OLD_OPTIMIZER_NAMES, help="The same for every run."),
    Setting("sched_loss", "Loss", "mse", "choice", options=tuple(LOSS_NAMES), labels=LOSS_LABELS,
            help="The same for every run."),
    Setting("sched_batch", "Batch size", 4, "int", 0, 1000, help="0: every point each step; else mini-batches."),
    Setting("sched_log", "Log scale for the rates", True, "bool", help="Draw the learning rates on a log axis."),
    *[replace(param, key=f"sched_{name}_{param.key}") for name, choice in SCHEDULES.items() for param in choice.params],
)
SCHEDULE_PARAMS = {name: {param.key: f"sched_{name}_{param.key}" for param in choice.params}
                   for name, choice in SCHEDULES.items()}
"""Each schedule's own settings: {schedule: {parameter: the setting's key}}."""

# --- the LR finder page ------------------------------------------------------------------

FINDER = _settings(
    Setting("finder_rates", "Learning rates in the sweep", 300, "int", 50, 2000,
            help="How many log-spaced constant rates to run, all at once."),
    Setting("finder_steps", "Steps per run", 200, "int", 10, 2000, help="Updates per rate."),
    Setting("finder_opt", "Optimizer", "sgd", "choice", options=("sgd", "momentum", "adam"),
            labels=tuple(OPTIMIZER_NAMES[name] for name in ("sgd", "momentum", "adam")), aliases=_OLD_OPTIMIZER_NAMES,
            help="Plain gradient descent, heavy-ball momentum, or Adam."),
    Setting("finder_momentum", "Momentum", 0.9, "float", 0.0, 0.99, help="For the momentum sweep."),
    Setting("finder_tol", "Tolerance", 1e-4, "float", 1e-12, 1.0, format="%.0e",
            help="A run has arrived when its loss gap is this fraction of where it started."),
    Setting("finder_min", "Range test: min_lr", 1e-7, "float", 1e-10, 1.0, format="%.0e", help="The first rate."),
    Setting("finder_max", "Range test: max_lr", 10.0, "float", 1e-6, 1000.0, format="%.0e", help="The last rate."),
    Setting("finder_rt_steps", "Range test: steps", 100, "int", 10, 1000, help="Updates, one rate each."),
    Setting("finder_smooth", "Range test: smoothing", 0.05, "float", 0.001, 1.0, format="%.3f",
            help="The new loss's weight in the moving average (fastai's 1 − beta)."),
    Setting("finder_stop", "Range test: stop factor", 4.0, "float", 1.01, 100.0,
            help="Stop when the smoothed loss exceeds this many times its best."),
    Setting("finder_batch", "Range test: batch size", 0, "int", 0, 1000, help="0: every point each step."),
)

# --- the lesson (home page) ---------------------------------------------------------------

LESSON = _settings(
    Setting("chapter", "Chapter", "1", "choice", options=("1", "2", "3", "4", "5", "6"),
            labels=("1 Guessing", "2 Gradient", "3 No rate", "4 Too large", "5 Decay", "6 Choosing"),
            help="One chapter at a time; a link opens the chapter it names (chapter=3 works too)."),
)

#: Every setting bound to the URL, by key.
ALL = {**DATA, **FIT, **SLICE, **CONTOUR, **SCHED, **FINDER, **LESSON}


@dataclass(frozen=True)
class DataSettings:
    """The made data's parameters (``make_data``'s arguments) and ``std``."""

    n: int = DATA["n"].default
    w: float = DATA["w"].default
    b: float = DATA["b"].default
    noise: float = DATA["noise"].default
    x_min: float = DATA["x_min"].default
    x_max: float = DATA["x_max"].default
    outliers: float = DATA["outliers"].default
    seed: int = DATA["seed"].default
    std: bool = DATA["std"].default

    def recipe(self) -> dict:
        """``make_data``'s keyword arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "std"}

    def key(self) -> tuple:
        """The settings as a plain tuple, for cache keys."""
        return tuple(getattr(self, f.name) for f in fields(self))


#: The narrowest x range, as a share of the range's size (at least 1): narrower
#: ranges draw points whose x are all equal in float64 (a slope is then undefined).
MIN_X_WIDTH = 1e-6


def x_range_fixed(x_min: float, x_max: float) -> tuple[float, float, str | None]:
    """An x range with x_min < x_max, at least ``MIN_X_WIDTH`` of its size
    wide, and a notice if it had to be mended.

    >>> x_range_fixed(0.0, 5e-324)
    (0.0, 1.0, 'x from (0) and x to (4.94066e-324) were too close to draw distinct x: x to is taken as 1.')
    """
    notice = None
    if x_min > x_max:
        x_min, x_max = x_max, x_min
        notice = f"x from ({x_max:g}) was above x to ({x_min:g}): the two were swapped."
    narrowest = MIN_X_WIDTH * max(1.0, abs(x_min), abs(x_max))
    if x_max - x_min < narrowest:
        # one unit wide, inside the settings' range: at its top end the range grows downward
        if x_min + 1.0 <= DATA["x_max"].high:
            low, high, which = x_min, x_min + 1.0, f"x to is taken as {x_min + 1.0:g}"
        else:
            low, high, which = x_max - 1.0, x_max, f"x from is taken as {x_max - 1.0:g}"
        if x_min == x_max:
            return low, high, f"x from and x to were both {x_min:g}: {which}."
        return low, high, (f"x from ({x_min:g}) and x to ({x_max:g}) were too close to draw distinct x: "
                           f"{which}.")
    return x_min, x_max, notice


def range_test_fixed(min_lr: float, max_lr: float) -> tuple[float, float, str | None]:
    """The LR range test's (min_lr, max_lr) with min_lr < max_lr: an empty or
    reversed range runs from min_lr to 1000 × min_lr, with a notice.

    >>> range_test_fixed(1.0, 1e-6)
    (1.0, 1000.0, 'min_lr (1) must be below max_lr (1e-06): using max_lr = 1000 × min_lr.')
    """
    if min_lr < max_lr:
        return min_lr, max_lr, None
    return min_lr, min_lr * 1000, f"min_lr ({min_lr:g}) must be below max_lr ({max_lr:g}): using max_lr = 1000 × min_lr."


def link_notices(values: dict) -> list[str]:
    """Notices for settings a link carried that are each valid but not
    together ({key: checked value}; a missing key is at its default), so the
    page that opens shows them at once rather than after the next click."""
    low = values.get("finder_min", FINDER["finder_min"].default)
    high = values.get("finder_max", FINDER["finder_max"].default)
    if "finder_min" not in values and "finder_max" not in values:
        return []
    _, _, notice = range_test_fixed(low, high)
    return [notice] if notice else []
