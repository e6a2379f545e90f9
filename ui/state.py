"""Every setting the app shows: its URL key, label, default and range, defined
once. Pages, widgets and tests read them from here.

A setting also knows how to read a value that arrived in a URL: numbers are
parsed, checked for being finite and clamped into range; anything else is
ignored. Each adjustment comes with a sentence the page shows the learner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import lrcore

#: The longest URL value looked at; anything longer is ignored unread.
MAX_URL_VALUE = 64

LR_MIN, LR_MAX = 1e-6, 10.0


def format_rate(value: float, digits: int = 4) -> str:
    """A learning rate as the short label the controls and the URL use."""
    return f"{value:.{digits}g}"


def _log_grid(low: float, high: float, mantissas=(1, 1.5, 2, 3, 5, 7)) -> tuple[str, ...]:
    """Labels of 'nice' rates spaced evenly in log scale from low to high."""
    values = set()
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for m in mantissas:
            v = float(f"{m}e{exponent}")
            if low * (1 - 1e-12) <= v <= high * (1 + 1e-12):
                values.add(v)
    return tuple(format_rate(v) for v in sorted(values))


@dataclass(frozen=True)
class Setting:
    """One setting: a widget, its URL query parameter and its bounds.

    kind: "float", "int" (a whole number), "bool", "choice" (one of
    ``options``), "multi" (several of them) or "rate" (a learning rate on a
    log scale, stored as its label, e.g. "0.02").

    labels: the words the widget shows for ``options``, in the same order
    (none: the options themselves). Streamlit writes these words into the
    address bar, so a link may name an option either way.
    """

    key: str
    label: str
    default: Any
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    options: tuple = ()
    help: str = ""
    labels: tuple = ()
    format: str | None = None

    def clamp(self, value):
        """The nearest allowed value."""
        if self.kind in ("float", "int"):
            number = min(max(float(value), self.low), self.high)
            return int(round(number)) if self.kind == "int" else number
        if self.kind == "rate":
            return format_rate(min(max(float(value), self.low), self.high), 6)
        return value

    def label_of(self) -> dict:
        """{option: the word its widget shows}, for the options that have a label."""
        return dict(zip(self.options, self.labels))

    def option_named(self, text: str):
        """The option ``text`` names, by itself or by its label; None if none."""
        if text in self.options:
            return text
        if text in self.labels:
            return self.options[self.labels.index(text)]
        return None

    def from_url(self, raw) -> tuple[Any, str | None]:
        """(value to use or None to ignore, a notice or None) for a URL value."""
        text = str(raw).strip()
        shown = text if len(text) <= 20 else text[:17] + "..."
        # quoted as code in a notice: a backtick or a line break would end the quote early
        shown = " ".join(shown.split()).replace("`", "'")
        # a list of choices may be as long as its most items, each of them bounded
        longest = (MAX_URL_VALUE + 1) * MAX_SCHEDULES if self.kind == "multi" else MAX_URL_VALUE
        if len(text) > longest or (self.kind == "multi" and any(len(item) > MAX_URL_VALUE
                                                                 for item in text.split(","))):
            return None, f"`{self.key}` was too long to be a setting and was ignored."
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in ("true", "1", "yes", "on"):
                return True, None
            if lowered in ("false", "0", "no", "off"):
                return False, None
            return None, f"`{self.key}={shown}` is not true or false and was ignored."
        if self.kind == "choice":
            option = self.option_named(text)
            if option is not None:
                return option, None
            return None, f"`{self.key}={shown}` is not one of {', '.join(self.options)} and was ignored."
        if self.kind == "multi":
            named = (self.option_named(item) for item in text.split(","))
            chosen = [option for option in named if option is not None][:MAX_SCHEDULES]
            chosen = list(dict.fromkeys(chosen))
            if not chosen:
                return None, f"`{self.key}={shown}` names none of the choices and was ignored."
            return chosen, None if len(chosen) == len(text.split(",")) else \
                f"`{self.key}`: only {', '.join(chosen)} were understood."
        try:
            number = float(text)
        except ValueError:
            return None, f"`{self.key}={shown}` is not a number and was ignored."
        if not math.isfinite(number):
            return None, f"`{self.key}={shown}` is not a finite number and was ignored."
        value = self.clamp(number)
        numeric = float(value)
        if numeric != number and not (self.kind == "int" and numeric == round(number)):
            if self.kind == "rate" and math.isclose(numeric, number, rel_tol=1e-5):
                return value, None  # only rounded to the label's digits
            return value, f"`{self.key}={shown}` is outside {self.describe_range()}; using {value}."
        return value, None

    def describe_range(self) -> str:
        low, high = self.low, self.high
        if self.kind == "int":
            return f"{int(low):,} to {int(high):,}"
        return f"{low:g} to {high:g}"


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

LOSS_NAMES = {"mse": "MSE", "mae": "MAE", "huber": "Huber"}
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

OPTIMIZER_NAMES = {"gd": "gradient descent", "momentum": "momentum", "nesterov": "Nesterov",
                   "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}
MAX_RUNS = 5
_RUN_RATES = ("0.007", "0.02", "0.03", "0.01", "0.005")

CONTOUR = _settings(
    Setting("contour_runs", "Runs", 3, "int", 1, MAX_RUNS, help="How many runs to draw, each with its own colour."),
    *[Setting(f"contour_lr{i}", f"Run {i}: learning rate", _RUN_RATES[i - 1], "rate", LR_MIN, LR_MAX,
              options=_log_grid(LR_MIN, LR_MAX), help="This run's learning rate (log scale).")
      for i in range(1, MAX_RUNS + 1)],
    *[Setting(f"contour_opt{i}", f"Run {i}: optimizer", "gd", "choice", options=tuple(OPTIMIZER_NAMES),
              labels=tuple(OPTIMIZER_NAMES.values()),
              help="PyTorch's update rule for this run.") for i in range(1, MAX_RUNS + 1)],
    Setting("contour_momentum", "Momentum", 0.9, "float", 0.0, 0.99, help="For momentum and Nesterov runs."),
    Setting("contour_alpha", "RMSprop alpha", 0.99, "float", 0.0, 0.999, help="RMSprop's averaging of g²."),
    Setting("contour_beta1", "Adam beta1", 0.9, "float", 0.0, 0.999, help="Adam's averaging of g."),
    Setting("contour_beta2", "Adam beta2", 0.999, "float", 0.0, 0.9999, help="Adam's averaging of g²."),
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

#: The optimizers' hyperparameters where a page does not ask for them:
#: (momentum, RMSprop's alpha, Adam's beta1, beta2), the contour page's defaults.
HYPERPARAMETERS = tuple(CONTOUR[key].default for key in ("contour_momentum", "contour_alpha", "contour_beta1",
                                                          "contour_beta2"))

# --- the schedules page ------------------------------------------------------------------

SCHEDULE_NAMES = {
    "constant": "constant", "step_decay": "step", "multistep_decay": "multistep",
    "exponential_decay": "exponential", "inverse_time_decay": "inverse time", "polynomial_decay": "polynomial",
    "cosine_decay": "cosine", "cosine_restarts": "cosine with restarts", "warmup_cosine": "linear warmup + cosine",
    "one_cycle": "one-cycle", "cyclic": "cyclic", "reduce_on_plateau": "reduce on plateau",
}
MAX_SCHEDULES = 6

#: Each schedule's own settings: (name, parameter, label, default, low, high, kind, help). Lengths are
#: fractions of the run's steps, so the defaults suit any number of steps.
_SCHEDULE_PARAMS = [
    ("step_decay", "every", "Step: every (fraction of steps)", 0.25, 0.01, 1.0, "float", "step_size = every × steps."),
    ("step_decay", "gamma", "Step: gamma", 0.5, 0.01, 1.0, "float", "The factor at each step."),
    ("multistep_decay", "first", "Multistep: first milestone (fraction)", 0.5, 0.01, 0.99, "float",
     "The first milestone, as a fraction of the steps."),
    ("multistep_decay", "second", "Multistep: second milestone (fraction)", 0.75, 0.01, 0.99, "float",
     "The second milestone (after the first)."),
    ("multistep_decay", "gamma", "Multistep: gamma", 0.3, 0.01, 1.0, "float", "The factor at each milestone."),
    ("exponential_decay", "to", "Exponential: rate at the end (× lr)", 0.01, 1e-6, 1.0, "float",
     "decay_steps = steps and decay_rate = this: lr·rate^(t/steps)."),
    ("exponential_decay", "staircase", "Exponential: staircase", False, None, None, "bool",
     "Decay in whole periods (with decay_steps = steps/10)."),
    ("inverse_time_decay", "rate", "Inverse time: decay_rate", 1.0, 0.001, 1000.0, "float",
     "lr/(1 + rate·t/decay_steps), decay_steps = steps/10."),
    ("inverse_time_decay", "staircase", "Inverse time: staircase", False, None, None, "bool",
     "Decay in whole periods of decay_steps."),
    ("polynomial_decay", "power", "Polynomial: power", 1.0, 0.1, 10.0, "float", "The curve's power."),
    ("polynomial_decay", "end", "Polynomial: end rate (× lr)", 0.01, 0.0, 1.0, "float", "end_lr = end × lr."),
    ("cosine_decay", "alpha", "Cosine: alpha", 0.0, 0.0, 1.0, "float", "The floor, as a fraction of lr."),
    ("cosine_restarts", "first", "Restarts: first period (fraction)", 0.1, 0.01, 1.0, "float",
     "first_decay_steps = first × steps."),
    ("cosine_restarts", "t_mul", "Restarts: t_mul", 2.0, 1.0, 5.0, "float", "Each period is t_mul times the last."),
    ("cosine_restarts", "m_mul", "Restarts: m_mul", 1.0, 0.01, 1.0, "float", "Each peak is m_mul times the last."),
    ("cosine_restarts", "alpha", "Restarts: alpha", 0.0, 0.0, 1.0, "float", "The floor, as a fraction of lr."),
    ("warmup_cosine", "warmup", "Warmup: length (fraction)", 0.1, 0.01, 0.9, "float", "warmup_steps = warmup × steps."),
    ("warmup_cosine", "start", "Warmup: start_factor", 1 / 3, 0.01, 1.0, "float", "The first step's share of lr."),
    ("one_cycle", "pct_start", "One-cycle: pct_start", 0.3, 0.05, 0.9, "float", "The share of steps spent rising."),
    ("one_cycle", "div", "One-cycle: div_factor", 25.0, 1.0, 1e4, "float", "It starts at max_lr/div_factor."),
    ("one_cycle", "three_phase", "One-cycle: three phases", False, None, None, "bool",
     "Up, back down to the start, then to the minimum."),
    ("cyclic", "up", "Cyclic: half cycle (fraction)", 0.1, 0.01, 0.5, "float", "step_size_up = up × steps."),
    ("cyclic", "mode", "Cyclic: mode", "triangular", None, None, "choice",
     "triangular; triangular2 halves the height each cycle; exp_range scales it by gamma^step."),
    ("cyclic", "gamma", "Cyclic: gamma (exp_range)", 0.999, 0.5, 1.0, "float", "exp_range's factor per step."),
    ("reduce_on_plateau", "factor", "Plateau: factor", 0.5, 0.01, 0.99, "float", "The factor on each plateau."),
    ("reduce_on_plateau", "patience", "Plateau: patience", 10, 0, 1000, "int", "Steps without improvement tolerated."),
    ("reduce_on_plateau", "cooldown", "Plateau: cooldown", 0, 0, 1000, "int", "Steps to wait after a reduction."),
]
_CHOICES = {("cyclic", "mode"): ("triangular", "triangular2", "exp_range")}

SCHED = _settings(
    Setting("sched_pick", "Schedules", ("constant", "exponential_decay", "cosine_decay"), "multi",
            options=tuple(SCHEDULE_NAMES), labels=tuple(SCHEDULE_NAMES.values()),
            help="Up to 6 schedules, run side by side from the same start."),
    Setting("sched_lr", "Base learning rate", format_rate(0.02), "rate", LR_MIN, LR_MAX,
            options=_log_grid(LR_MIN, LR_MAX), help="The rate every schedule starts from (or peaks at)."),
    Setting("sched_steps", "Steps", 1000, "int", 10, 5000, help="Updates per run."),
    Setting("sched_opt", "Optimizer", "gd", "choice", options=tuple(OPTIMIZER_NAMES),
            labels=tuple(OPTIMIZER_NAMES.values()), help="The same for every run."),
    Setting("sched_loss", "Loss", "mse", "choice", options=tuple(LOSS_NAMES), labels=LOSS_LABELS,
            help="The same for every run."),
    Setting("sched_batch", "Batch size", 4, "int", 0, 1000, help="0: every point each step; else mini-batches."),
    Setting("sched_log", "Log scale for the rates", True, "bool", help="Draw the learning rates on a log axis."),
    *[Setting(f"sched_{name}_{param}", label, default, kind, low, high,
              options=_CHOICES.get((name, param), ()), help=text)
      for name, param, label, default, low, high, kind, text in _SCHEDULE_PARAMS],
)
SCHEDULE_PARAMS = {name: {param: f"sched_{name}_{param}" for n, param, *_ in _SCHEDULE_PARAMS if n == name}
                   for name in SCHEDULE_NAMES}
"""Each schedule's own settings: {schedule: {parameter: the setting's key}}."""

# --- the LR finder page ------------------------------------------------------------------

FINDER = _settings(
    Setting("finder_rates", "Learning rates in the sweep", 300, "int", 50, 2000,
            help="How many log-spaced constant rates to run, all at once."),
    Setting("finder_steps", "Steps per run", 200, "int", 10, 2000, help="Updates per rate."),
    Setting("finder_opt", "Optimizer", "gd", "choice", options=("gd", "momentum", "adam"),
            labels=tuple(OPTIMIZER_NAMES[name] for name in ("gd", "momentum", "adam")),
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

#: Every setting bound to the URL, by key.
ALL = {**DATA, **FIT, **SLICE, **CONTOUR, **SCHED, **FINDER}


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
        if x_min == x_max:
            return x_min, x_min + 1.0, f"x from and x to were both {x_min:g}: x to is taken as {x_min + 1:g}."
        return x_min, x_min + 1.0, (f"x from ({x_min:g}) and x to ({x_max:g}) were too close to draw distinct x: "
                                    f"x to is taken as {x_min + 1:g}.")
    return x_min, x_max, notice
