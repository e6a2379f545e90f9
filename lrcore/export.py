"""The same configuration as a Keras script and as a PyTorch script.

A learner who has watched a run here can take it to the frameworks they will
use next: :func:`pytorch_script` and :func:`keras_script` return complete,
standalone Python programs that train the same one-neuron linear model
``y = w*x + b`` on the same points, from the same start, with the same loss,
optimizer and learning-rate schedule, using each framework's own classes and
argument names. Where a framework has no built-in for a schedule, or its
built-in follows another rule, the script states ours through the
framework's own mechanism (``LambdaLR`` in PyTorch; in Keras a
``LearningRateSchedule``, ``Optimizer`` or ``Callback`` subclass).

The PyTorch script reproduces ``lrcore.run`` step for step (float64, the same
mini-batches drawn with the same numpy generator). The Keras script trains on
the same mini-batches by the same rules; where Keras computes a rule
differently it says so in a comment (for example, Keras adds epsilon inside
the square root of Adagrad and RMSprop). Both keep ``history``, one row
``(w, b, loss on all the points)`` per step from the start, stop where the
app says a run diverged and say so, and print the last row otherwise
(:func:`printed_result` writes the same line from an ``lrcore.run``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from . import _checks
from . import losses as _losses
from .data import Dataset, _draw_points
from .descent import DIVERGENCE_FACTOR
from .optimizers import sgd

__all__ = ["EMBED_MAX_POINTS", "SECTIONS", "keras_script", "printed_result", "pytorch_script"]

#: Datasets up to this many points are written into the script itself.
EMBED_MAX_POINTS = 2000

#: make_data's arguments, which a recipe holds.
_RECIPE_KEYS = tuple(inspect.signature(_draw_points).parameters)


# --- pieces shared by both scripts -------------------------------------------------

#: The comment lines that open each script's parts: the points, the training,
#: the result (a notebook puts each part in a cell of its own).
SECTIONS = ("# --- the points ---\n", "\n# --- training ---\n", "\n# --- the result ---\n")

#: How both scripts write their last line; :func:`printed_result` writes the same.
_RESULT_FORMAT = "after {steps} steps: w = {w}, b = {b}, loss = {loss}"
_NUMBER = ".12g"  # 12 significant digits: a check to 1e-9 can read them
_FACTOR = f"{DIVERGENCE_FACTOR:g}".replace("e+", "e")  # 1e12, as Python reads it too
_DIVERGED_FORMAT = ("Diverged at step {step}: the loss on all the points is past {factor} times its start "
                    "(and past {factor}) or not a number, where Learning-Rate Explorer stops a run too. "
                    "Training stopped.")


def printed_result(steps: int, w: float, b: float, loss: float, diverged_at: int | None = None) -> str:
    """The line an exported script prints at its end: the final w, b and loss
    on all the points, or where the run diverged.

    >>> printed_result(200, 2.0, 1.0, 0.25)
    'after 200 steps: w = 2, b = 1, loss = 0.25'
    >>> printed_result(200, float("nan"), 0.0, float("inf"), diverged_at=17)[:26]
    'Diverged at step 17: the l'
    """
    if diverged_at is not None:
        return _DIVERGED_FORMAT.format(step=diverged_at, factor=_FACTOR)
    return _RESULT_FORMAT.format(steps=steps, w=format(w, _NUMBER), b=format(b, _NUMBER), loss=format(loss, _NUMBER))


def _ending_block(steps: int) -> str:
    """The script's last lines: the result, or where the run diverged."""
    result = _RESULT_FORMAT.format(steps=steps, w=f"{{w:{_NUMBER}}}", b=f"{{b:{_NUMBER}}}",
                                   loss=f"{{final:{_NUMBER}}}")
    diverged = _DIVERGED_FORMAT.format(step="{diverged_at}", factor=_FACTOR)
    return (
        "if diverged_at is None:\n"
        "    w, b, final = history[-1]\n"
        f'    print(f"{result}")\n'
        "else:\n"
        f'    print(f"{diverged}")\n'
    )


#: Where both scripts stop a run: the app's own rule (lrcore.descent).
_LIMIT_BLOCK = f'''

def divergence_limit(start_loss):
    """The loss past which Learning-Rate Explorer says a run diverged:
    {_FACTOR} times the start's loss (at least {_FACTOR}); a loss that is not
    a number is past it too."""
    if not math.isfinite(start_loss):
        return sys.float_info.max
    return min({_FACTOR} * max(1.0, start_loss), sys.float_info.max)
'''


def _num(value) -> str:
    """A float literal that reads back to the same float."""
    value = float(value)
    if math.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    return repr(value)


def _floats(values) -> str:
    """A wrapped list of float literals."""
    items = [_num(v) for v in values]
    lines, line = [], ""
    for item in items:
        if len(line) + len(item) + 2 > 88:
            lines.append(line.rstrip())
            line = ""
        line += item + ", "
    lines.append(line.rstrip(", "))
    return "[\n    " + "\n    ".join(lines) + ",\n]"


def _data_block(data: Dataset, recipe: dict | None) -> str:
    """Python lines that set numpy arrays ``x`` and ``y`` to the points."""
    if data.n <= EMBED_MAX_POINTS:
        return f"x = np.array({_floats(data.x)})\ny = np.array({_floats(data.y)})\n"
    if recipe is not None:
        # make_data's own drawing function, so that the script and the app cannot differ
        args = "".join(
            f"    {key}={_num(value) if isinstance(value, float) else value},\n" for key, value in recipe.items()
        )
        return (
            "\n" + inspect.getsource(_draw_points) + "\n\n"
            "# The points, drawn exactly as Learning-Rate Explorer draws them.\n"
            f"x, y = _draw_points(\n{args})\n"
        )
    return (
        f"# {data.n:,} points are too many to write here: download them from the\n"
        "# app's Data page as points.csv (columns x, y) and put the file beside this script.\n"
        'table = np.loadtxt("points.csv", delimiter=",", skiprows=1)\n'
        "x, y = table[:, 0], table[:, 1]\n"
    )


def _batches_block(n: int, batch_size: int | None, seed: int) -> str:
    """A generator of index arrays, one per update, as lrcore.run draws them."""
    if batch_size is None:
        return ""
    return (
        "\n\ndef batches(n, batch_size, seed):\n"
        '    """Mini-batches without replacement, reshuffled every epoch; an\n'
        '    epoch\'s last, smaller batch is kept (as DataLoader does)."""\n'
        "    rng = np.random.default_rng(seed)\n"
        "    while True:\n"
        "        order = rng.permutation(n)\n"
        "        for first in range(0, n, batch_size):\n"
        "            yield order[first:first + batch_size]\n"
    )


def _check_arguments(data, lr, steps, start, batch_size, seed, recipe):
    """The arguments as the script uses them, checked by lrcore._checks (the engine's one message)."""
    _checks.dataset("data", data)
    steps = _checks.integer("steps", steps, low=1)
    if not callable(lr):
        try:
            lr = _checks.real("lr", lr, low=0.0, low_open=True)
        except ValueError:
            raise _checks.error("lr", "one finite rate > 0 or one schedule (a script trains one run)", lr) from None
    if isinstance(start, (str, bytes)) or not isinstance(start, (Sequence, np.ndarray)) or len(start) != 2:
        raise _checks.error("start", "a pair of real numbers (w, b)", start)
    start = tuple(_checks.real(f"start[{i}]", value) for i, value in enumerate(start))
    batch = None if batch_size is None else _checks.integer("batch_size", batch_size, low=1)
    if batch is not None and batch >= data.n:
        batch = None  # a batch of every point is full batch
    seed = _checks.integer("seed", seed, low=0)
    return lr, steps, start, batch, seed, _check_recipe(recipe, data)


def _check_recipe(recipe, data: Dataset) -> dict | None:
    """make_data's arguments as it uses them (counts as ints, the rest as floats)."""
    if recipe is None:
        return None
    if not isinstance(recipe, Mapping) or set(recipe) != set(_RECIPE_KEYS):
        raise _checks.error("recipe", f"None or make_data's arguments {', '.join(_RECIPE_KEYS)}", recipe)
    checked = {
        key: _checks.integer(f"recipe[{key!r}]", recipe[key]) if key in ("n", "seed")
        else _checks.real(f"recipe[{key!r}]", recipe[key])
        for key in _RECIPE_KEYS
    }
    if checked["n"] != data.n:
        raise _checks.error("recipe['n']", f"the number of points, {data.n}", recipe["n"])
    return checked


def _optimizer_of(optimizer):
    opt = sgd() if optimizer is None else optimizer
    name = getattr(opt, "name", None)
    if not isinstance(name, str) or name not in _OPTIMIZERS:
        raise _checks.error("optimizer", "None or one of lrcore.optimizers' own", optimizer)
    return name, dict(opt.params)


# --- one table: each schedule, optimizer and loss in Keras and in PyTorch ----------
#
# A schedule's entry holds its Keras form and its PyTorch form side by side, each
# a function of the schedule's params and the number of updates. A schedule with
# no entry of its own (a join, any other function of the step) is written out as
# its rate at each update.

TORCH_SCHED = "torch.optim.lr_scheduler"
KERAS_SCHED = "keras.optimizers.schedules"


@dataclass(frozen=True)
class _TorchForm:
    """How the PyTorch script sets up and steps one schedule."""

    setup: str = ""  # the scheduler's constructor; "" keeps the optimizer's rate
    step_call: str = "scheduler.step()"  # after every optimizer.step(); "" for none
    helpers: str = ""  # functions the script defines before training
    note: str = ""  # a comment above the scheduler
    lr: float | None = None  # the optimizer's base rate; None: the schedule's rate at step 0


@dataclass(frozen=True)
class _KerasForm:
    """How the Keras script expresses one schedule."""

    expr: str  # the optimizer's learning_rate
    classes: tuple[str, ...] = ()  # LearningRateSchedule subclasses the script defines (source)
    callback: str = ""  # a model.fit callback that sets the rate
    note: str = ""  # a comment above the rate


@dataclass(frozen=True)
class _ScheduleTemplate:
    """One schedule in both frameworks: ``keras(params, steps)`` and
    ``torch(params, steps)``, where ``params`` is the schedule's ``.params``
    (or ``{"rates": [...]}``, its rate at each update, when ``from_rates``)."""

    keras: Callable[[dict, int], _KerasForm]
    torch: Callable[[dict, int], _TorchForm]
    from_rates: bool = False


def _torch_lambda(doc: str, body: str, base: float) -> _TorchForm:
    """Our formula through ``LambdaLR``: the script's ``factor(step)`` is the
    rate divided by ``base``, the optimizer's ``lr``."""
    return _TorchForm(
        setup=f"{TORCH_SCHED}.LambdaLR(optimizer, lr_lambda=factor)",
        helpers=f"\n\ndef factor(step):\n    \"\"\"{doc}\"\"\"\n    {body}\n",
        lr=base,
    )


def _keras_constant(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(_num(params["lr"]))


def _torch_constant(params: dict, steps: int) -> _TorchForm:
    return _TorchForm(step_call="")


def _keras_step_decay(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        f"{KERAS_SCHED}.ExponentialDecay(initial_learning_rate={_num(params['lr'])}, "
        f"decay_steps={int(params['step_size'])}, decay_rate={_num(params['gamma'])}, staircase=True)",
        note="# PyTorch's StepLR is Keras' ExponentialDecay with staircase=True.\n",
    )


def _torch_step_decay(params: dict, steps: int) -> _TorchForm:
    return _TorchForm(
        f"{TORCH_SCHED}.StepLR(optimizer, step_size={int(params['step_size'])}, gamma={_num(params['gamma'])})"
    )


def _keras_multistep_decay(params: dict, steps: int) -> _KerasForm:
    milestones = [int(m) for m in params["milestones"]]
    values = [float(params["lr"]) * float(params["gamma"]) ** i for i in range(len(milestones) + 1)]
    return _KerasForm(
        f"{KERAS_SCHED}.PiecewiseConstantDecay(boundaries=[{', '.join(str(m - 1) for m in milestones)}], "
        f"values=[{', '.join(_num(v) for v in values)}])",
        note="# Keras' boundaries are inclusive: the rate changes after step m - 1.\n",
    )


def _torch_multistep_decay(params: dict, steps: int) -> _TorchForm:
    milestones = ", ".join(str(int(m)) for m in params["milestones"])
    return _TorchForm(
        f"{TORCH_SCHED}.MultiStepLR(optimizer, milestones=[{milestones}], gamma={_num(params['gamma'])})"
    )


def _keras_exponential_decay(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        f"{KERAS_SCHED}.ExponentialDecay(initial_learning_rate={_num(params['lr'])}, "
        f"decay_steps={int(params['decay_steps'])}, "
        f"decay_rate={_num(params['decay_rate'])}, staircase={bool(params['staircase'])})"
    )


def _torch_exponential_decay(params: dict, steps: int) -> _TorchForm:
    decay_steps, decay_rate = int(params["decay_steps"]), _num(params["decay_rate"])
    if params.get("staircase"):
        return _TorchForm(f"{TORCH_SCHED}.StepLR(optimizer, step_size={decay_steps}, gamma={decay_rate})")
    return _TorchForm(
        f"{TORCH_SCHED}.ExponentialLR(optimizer, gamma={decay_rate} ** (1 / {decay_steps}))",
        note=(
            "# Keras' ExponentialDecay lr*rate**(step/decay_steps) is PyTorch's\n"
            "# ExponentialLR with gamma = rate**(1/decay_steps).\n"
        ),
    )


def _keras_inverse_time_decay(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        f"{KERAS_SCHED}.InverseTimeDecay(initial_learning_rate={_num(params['lr'])}, "
        f"decay_steps={int(params['decay_steps'])}, "
        f"decay_rate={_num(params['decay_rate'])}, staircase={bool(params['staircase'])})"
    )


def _torch_inverse_time_decay(params: dict, steps: int) -> _TorchForm:
    decay_steps = int(params["decay_steps"])
    done = f"math.floor(step / {decay_steps})" if params.get("staircase") else f"step / {decay_steps}"
    return _torch_lambda(
        "Keras InverseTimeDecay: lr / (1 + decay_rate * step / decay_steps).",
        f"return 1.0 / (1.0 + {_num(params['decay_rate'])} * {done})",
        float(params["lr"]),
    )


def _keras_polynomial_decay(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        f"{KERAS_SCHED}.PolynomialDecay(initial_learning_rate={_num(params['lr'])}, "
        f"decay_steps={int(params['decay_steps'])}, "
        f"end_learning_rate={_num(params['end_lr'])}, power={_num(params['power'])}, cycle=False)"
    )


def _torch_polynomial_decay(params: dict, steps: int) -> _TorchForm:
    decay_steps, lr, end_lr = int(params["decay_steps"]), _num(params["lr"]), _num(params["end_lr"])
    return _torch_lambda(
        "Keras PolynomialDecay: (lr - end_lr) * (1 - min(step, decay_steps)/decay_steps)**power + end_lr.",
        f"done = min(step, {decay_steps}) / {decay_steps}\n"
        f"    rate = ({lr} - {end_lr}) * (1 - done) ** {_num(params['power'])} + {end_lr}\n"
        f"    return rate / {lr}",
        float(params["lr"]),
    )


def _keras_cosine_decay(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        f"{KERAS_SCHED}.CosineDecay(initial_learning_rate={_num(params['lr'])}, "
        f"decay_steps={int(params['decay_steps'])}, alpha={_num(params['alpha'])})"
    )


def _torch_cosine_decay(params: dict, steps: int) -> _TorchForm:
    decay_steps, alpha = int(params["decay_steps"]), _num(params["alpha"])
    if steps <= decay_steps + 1:  # CosineAnnealingLR agrees until it would rise again
        return _TorchForm(
            f"{TORCH_SCHED}.CosineAnnealingLR(optimizer, T_max={decay_steps}, "
            f"eta_min={alpha} * {_num(params['lr'])})"
        )
    return _torch_lambda(
        "Keras CosineDecay: holds alpha*lr after decay_steps (CosineAnnealingLR would rise again).",
        f"cosine = 0.5 * (1 + math.cos(math.pi * min(step, {decay_steps}) / {decay_steps}))\n"
        f"    return (1 - {alpha}) * cosine + {alpha}",
        float(params["lr"]),
    )


def _keras_cosine_restarts(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        f"{KERAS_SCHED}.CosineDecayRestarts(initial_learning_rate={_num(params['lr'])}, "
        f"first_decay_steps={int(params['first_decay_steps'])}, t_mul={_num(params['t_mul'])}, "
        f"m_mul={_num(params['m_mul'])}, alpha={_num(params['alpha'])})"
    )


def _torch_cosine_restarts(params: dict, steps: int) -> _TorchForm:
    first = int(params["first_decay_steps"])
    t_mul, m_mul, alpha = float(params["t_mul"]), float(params["m_mul"]), float(params["alpha"])
    if m_mul == 1.0 and t_mul >= 1.0 and t_mul.is_integer():
        return _TorchForm(
            f"{TORCH_SCHED}.CosineAnnealingWarmRestarts(optimizer, T_0={first}, "
            f"T_mult={int(t_mul)}, eta_min={_num(alpha)} * {_num(params['lr'])})"
        )
    if t_mul == 1.0:
        restart = "i = math.floor(done)\n    done -= i"
    else:
        restart = (
            f"i = math.floor(math.log(1 - done * (1 - {_num(t_mul)})) / math.log({_num(t_mul)}))\n"
            f"    done = (done - (1 - {_num(t_mul)} ** i) / (1 - {_num(t_mul)})) / {_num(t_mul)} ** i"
        )
    return _torch_lambda(
        "Keras CosineDecayRestarts: cosine periods growing by t_mul, peaks shrinking by m_mul.",
        f"done = step / {first}\n    {restart}\n"
        f"    cosine = {_num(m_mul)} ** i * 0.5 * (1 + math.cos(math.pi * done))\n"
        f"    return (1 - {_num(alpha)}) * cosine + {_num(alpha)}",
        float(params["lr"]),
    )


_KERAS_LINEAR_WARMUP = '''

class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """PyTorch's LinearLR then the schedule: for step < warmup_steps,
    schedule(0) * (start_factor + (1 - start_factor) * step / warmup_steps),
    then schedule(step - warmup_steps)."""

    def __init__(self, schedule, warmup_steps, start_factor):
        self.schedule = schedule if callable(schedule) else (lambda step: schedule)
        self.warmup_steps = warmup_steps
        self.start_factor = start_factor

    def __call__(self, step):
        step = keras.ops.cast(step, "float64")
        # Keras' own schedules answer in their own dtype (float32 on TensorFlow): cast
        first = keras.ops.cast(self.schedule(keras.ops.cast(0, "float64")), "float64")
        ramp = first * (self.start_factor + (1 - self.start_factor) * step / self.warmup_steps)
        after = keras.ops.cast(self.schedule(keras.ops.maximum(step - self.warmup_steps, 0)), "float64")
        return keras.ops.where(step < self.warmup_steps, ramp, after)
'''


def _keras_linear_warmup(params: dict, steps: int) -> _KerasForm:
    warmup_steps = int(params["warmup_steps"])
    inner = _keras_form(params["schedule"], max(steps - warmup_steps, 1))
    if inner.callback:
        raise ValueError("linear_warmup of a reactive schedule cannot be exported")
    return _KerasForm(
        f"LinearWarmup({inner.expr}, warmup_steps={warmup_steps}, "
        f"start_factor={_num(params['start_factor'])})",
        classes=inner.classes + (_KERAS_LINEAR_WARMUP,),
        note=inner.note,
    )


def _torch_linear_warmup(params: dict, steps: int) -> _TorchForm:
    warmup_steps = int(params["warmup_steps"])
    inner = _torch_form(params["schedule"], max(steps - warmup_steps, 1))
    warmup = (
        f"{TORCH_SCHED}.LinearLR(optimizer, start_factor={_num(params['start_factor'])}, "
        f"end_factor=1.0, total_iters={warmup_steps})"
    )
    if not inner.setup:
        setup = warmup
    elif inner.step_call != "scheduler.step()":
        raise ValueError("linear_warmup of a reactive or one-cycle schedule cannot be exported")
    else:
        setup = (
            f"{TORCH_SCHED}.SequentialLR(\n    optimizer,\n    schedulers=[\n        {warmup},\n"
            f"        {inner.setup},\n    ],\n    milestones=[{warmup_steps}],\n)"
        )
    # LinearLR scales the inner schedule's base rate
    return _TorchForm(setup, helpers=inner.helpers, note=inner.note, lr=inner.lr)


_KERAS_ONE_CYCLE = '''

class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """PyTorch's OneCycleLR: from max_lr/div_factor up to max_lr over the first
    pct_start of total_steps, then down to max_lr/div_factor/final_div_factor
    (three_phase: up, back down to the start, then to the minimum)."""

    def __init__(self, max_lr, total_steps, pct_start, div_factor, final_div_factor, anneal, three_phase):
        self.max_lr = max_lr
        self.initial = max_lr / div_factor
        self.minimum = self.initial / final_div_factor
        if three_phase:
            ends = [pct_start * total_steps - 1, 2 * pct_start * total_steps - 2, total_steps - 1]
            levels = [self.initial, max_lr, self.initial, self.minimum]
        else:
            ends = [pct_start * total_steps - 1, total_steps - 1]
            levels = [self.initial, max_lr, self.minimum]
        self.ends, self.levels, self.anneal = ends, levels, anneal

    def _anneal(self, start, end, pct):
        if self.anneal == "cos":
            return end + (start - end) / 2 * (1 + keras.ops.cos(math.pi * pct))
        return (end - start) * pct + start

    def __call__(self, step):
        step = keras.ops.minimum(keras.ops.cast(step, "float64"), self.ends[-1])
        begin = 0.0
        rate = self._anneal(self.levels[-2], self.levels[-1], (step - self.ends[-2]) / (self.ends[-1] - self.ends[-2]))
        for i in reversed(range(len(self.ends) - 1)):
            begin = 0.0 if i == 0 else self.ends[i - 1]
            phase = self._anneal(self.levels[i], self.levels[i + 1], (step - begin) / (self.ends[i] - begin))
            rate = keras.ops.where(step <= self.ends[i], phase, rate)
        return rate
'''


def _keras_one_cycle(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        f"OneCycle(max_lr={_num(params['max_lr'])}, total_steps={int(params['total_steps'])}, "
        f"pct_start={_num(params['pct_start'])}, div_factor={_num(params['div_factor'])}, "
        f"final_div_factor={_num(params['final_div_factor'])}, anneal={params['anneal']!r}, "
        f"three_phase={bool(params['three_phase'])})",
        classes=(_KERAS_ONE_CYCLE,),
    )


def _torch_one_cycle(params: dict, steps: int) -> _TorchForm:
    total = int(params["total_steps"])
    step_call = "scheduler.step()"
    if steps > total:
        step_call = (
            f"if step + 1 < {total}:  # OneCycleLR ends at total_steps; hold its last rate\n"
            "        scheduler.step()"
        )
    return _TorchForm(
        f"{TORCH_SCHED}.OneCycleLR(\n    optimizer,\n    max_lr={_num(params['max_lr'])},\n"
        f"    total_steps={total},\n"
        f"    pct_start={_num(params['pct_start'])},\n    anneal_strategy={params['anneal']!r},\n"
        f"    cycle_momentum=False,\n    div_factor={_num(params['div_factor'])},\n"
        f"    final_div_factor={_num(params['final_div_factor'])},\n"
        f"    three_phase={bool(params['three_phase'])},\n)",
        step_call=step_call,
    )


_KERAS_CYCLIC = '''

class Cyclic(keras.optimizers.schedules.LearningRateSchedule):
    """PyTorch's CyclicLR: triangular waves between base_lr and max_lr, up in
    step_size_up steps and down in step_size_down; 'triangular2' halves the
    height every cycle, 'exp_range' scales it by gamma**step."""

    def __init__(self, base_lr, max_lr, step_size_up, step_size_down, mode, gamma):
        self.base_lr, self.max_lr, self.mode, self.gamma = base_lr, max_lr, mode, gamma
        self.total = step_size_up + step_size_down
        self.ratio = step_size_up / self.total

    def __call__(self, step):
        step = keras.ops.cast(step, "float64")
        cycle = keras.ops.floor(1 + step / self.total)
        x = 1.0 + step / self.total - cycle
        scale = keras.ops.where(x <= self.ratio, x / self.ratio, (x - 1) / (self.ratio - 1))
        if self.mode == "triangular":
            height = 1.0
        elif self.mode == "triangular2":
            height = 1 / 2.0 ** (cycle - 1)
        else:
            height = self.gamma ** step
        return self.base_lr + (self.max_lr - self.base_lr) * scale * height
'''


def _keras_cyclic(params: dict, steps: int) -> _KerasForm:
    up = int(params["step_size_up"])
    down = up if params.get("step_size_down") is None else int(params["step_size_down"])
    return _KerasForm(
        f"Cyclic(base_lr={_num(params['base_lr'])}, max_lr={_num(params['max_lr'])}, "
        f"step_size_up={up}, step_size_down={down}, "
        f"mode={params['mode']!r}, gamma={_num(params['gamma'])})",
        classes=(_KERAS_CYCLIC,),
    )


def _torch_cyclic(params: dict, steps: int) -> _TorchForm:
    down = "None" if params.get("step_size_down") is None else str(int(params["step_size_down"]))
    return _TorchForm(
        f"{TORCH_SCHED}.CyclicLR(\n    optimizer,\n    base_lr={_num(params['base_lr'])},\n"
        f"    max_lr={_num(params['max_lr'])},\n"
        f"    step_size_up={int(params['step_size_up'])},\n    step_size_down={down},\n"
        f"    mode={params['mode']!r},\n    gamma={_num(params['gamma'])},\n    cycle_momentum=False,\n)"
    )


_KERAS_PLATEAU = '''

class TorchPlateau(keras.callbacks.Callback):
    """PyTorch's ReduceLROnPlateau (mode "min"), which Learning-Rate Explorer
    follows, stepped after every update with the loss on all the points the
    update started from (the Recorder writes it into the logs). Keras' own
    ReduceLROnPlateau counts patience and cooldown one step apart, has an
    absolute threshold only, and cuts even a rate near 0; this states PyTorch's rule."""

    def __init__(self, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps=1e-8):
        super().__init__()
        self.factor, self.patience, self.cooldown, self.min_lr, self.eps = factor, patience, cooldown, min_lr, eps
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.best, self.bad_steps, self.cooldown_left = math.inf, 0, 0

    def better(self, loss):
        if self.threshold_mode == "rel":
            return loss < self.best * (1 - self.threshold)
        return loss < self.best - self.threshold

    def on_epoch_end(self, epoch, logs=None):  # one update per epoch
        loss = logs["loss_before_update"]
        if self.better(loss):
            self.best, self.bad_steps = loss, 0
        else:
            self.bad_steps += 1
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.bad_steps = 0
        if self.bad_steps > self.patience:
            old = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            new = max(old * self.factor, self.min_lr)
            if old - new > self.eps:
                self.model.optimizer.learning_rate = new
            self.cooldown_left, self.bad_steps = self.cooldown, 0
'''


def _keras_reduce_on_plateau(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(
        _num(params["lr"]),
        classes=(_KERAS_PLATEAU,),
        callback=(
            f"TorchPlateau(\n    factor={_num(params['factor'])},\n    patience={int(params['patience'])},\n"
            f"    threshold={_num(params['threshold'])},\n    threshold_mode={params['threshold_mode']!r},\n"
            f"    cooldown={int(params['cooldown'])},\n    min_lr={_num(params['min_lr'])},\n)"
        ),
    )


def _torch_reduce_on_plateau(params: dict, steps: int) -> _TorchForm:
    return _TorchForm(
        f"{TORCH_SCHED}.ReduceLROnPlateau(\n    optimizer,\n    mode='min',\n"
        f"    factor={_num(params['factor'])},\n"
        f"    patience={int(params['patience'])},\n    threshold={_num(params['threshold'])},\n"
        f"    threshold_mode={params['threshold_mode']!r},\n    cooldown={int(params['cooldown'])},\n"
        f"    min_lr={_num(params['min_lr'])},\n)",
        step_call="scheduler.step(loss_before)  # the loss of the parameters this update started from",
    )


_KERAS_RATE_TABLE = '''

class RateTable(keras.optimizers.schedules.LearningRateSchedule):
    """The schedule's rate at each update, as Learning-Rate Explorer computed
    it; the last rate is held after the table ends."""

    def __init__(self, rates):
        self.rates = keras.ops.convert_to_tensor(rates, dtype="float64")

    def __call__(self, step):
        last = keras.ops.shape(self.rates)[0] - 1
        return keras.ops.take(self.rates, keras.ops.minimum(keras.ops.cast(step, "int32"), last))
'''


def _keras_rate_table(params: dict, steps: int) -> _KerasForm:
    return _KerasForm(f"RateTable({_floats(params['rates'])})", classes=(_KERAS_RATE_TABLE,))


def _torch_rate_table(params: dict, steps: int) -> _TorchForm:
    rates = params["rates"]
    base = float(rates[0]) if rates[0] != 0 else 1.0
    return _TorchForm(
        f"{TORCH_SCHED}.LambdaLR(optimizer, lr_lambda=factor)",
        helpers=(
            f"\n\nRATES = {_floats(rates)}  # the schedule's rate at each update, as computed by lrcore\n\n\n"
            "def factor(step):\n"
            f"    return RATES[min(step, len(RATES) - 1)] / {_num(base)}\n"
        ),
        lr=base,
    )


#: Any schedule without a template of its own: its rate at each update.
_RATE_TABLE = _ScheduleTemplate(_keras_rate_table, _torch_rate_table, from_rates=True)

#: Each schedule's Keras and PyTorch forms, keyed by its ``.name``.
_SCHEDULES: dict[str, _ScheduleTemplate] = {
    "constant": _ScheduleTemplate(_keras_constant, _torch_constant),
    "step_decay": _ScheduleTemplate(_keras_step_decay, _torch_step_decay),
    "multistep_decay": _ScheduleTemplate(_keras_multistep_decay, _torch_multistep_decay),
    "exponential_decay": _ScheduleTemplate(_keras_exponential_decay, _torch_exponential_decay),
    "inverse_time_decay": _ScheduleTemplate(_keras_inverse_time_decay, _torch_inverse_time_decay),
    "polynomial_decay": _ScheduleTemplate(_keras_polynomial_decay, _torch_polynomial_decay),
    "cosine_decay": _ScheduleTemplate(_keras_cosine_decay, _torch_cosine_decay),
    "cosine_restarts": _ScheduleTemplate(_keras_cosine_restarts, _torch_cosine_restarts),
    "linear_warmup": _ScheduleTemplate(_keras_linear_warmup, _torch_linear_warmup),
    "one_cycle": _ScheduleTemplate(_keras_one_cycle, _torch_one_cycle),
    "cyclic": _ScheduleTemplate(_keras_cyclic, _torch_cyclic),
    "reduce_on_plateau": _ScheduleTemplate(_keras_reduce_on_plateau, _torch_reduce_on_plateau),
    "join": _RATE_TABLE,  # schedules one after another: no one class in either framework
}


def _template_of(schedule, steps: int) -> tuple[_ScheduleTemplate, dict]:
    """The schedule's template and the params its two forms read."""
    template = _SCHEDULES.get(getattr(schedule, "name", None), _RATE_TABLE)
    if template.from_rates:
        return template, {"rates": [float(schedule(int(t))) for t in range(steps)]}
    return template, dict(getattr(schedule, "params", {}))


def _torch_form(schedule, steps: int) -> _TorchForm:
    """``schedule`` (a schedule or one rate) in the PyTorch script."""
    if not callable(schedule):
        return _TorchForm(step_call="", lr=float(schedule))
    template, params = _template_of(schedule, steps)
    form = template.torch(params, steps)
    if form.lr is None:
        form = replace(form, lr=float(np.asarray(schedule(0), dtype=np.float64)))
    return form


def _keras_form(schedule, steps: int) -> _KerasForm:
    """``schedule`` (a schedule or one rate) in the Keras script."""
    if not callable(schedule):
        return _KerasForm(_num(schedule))
    template, params = _template_of(schedule, steps)
    return template.keras(params, steps)


@dataclass(frozen=True)
class _OptimizerTemplate:
    """One optimizer in both frameworks: ``keras(params, rate)`` gives the
    constructor (``rate`` is the script's expression for the learning rate)
    and a comment on how Keras' rule differs from PyTorch's;
    ``torch(params, lr)`` gives the constructor at base rate ``lr``."""

    keras: Callable[[dict, str], tuple[str, str]]
    torch: Callable[[dict, float], str]


_KERAS_TORCH_MOMENTUM = '''

class TorchMomentum(keras.optimizers.Optimizer):
    """SGD with momentum by PyTorch's rule, which Learning-Rate Explorer follows:
    v = momentum*v + g, then w -= lr*v (Nesterov: w -= lr*(g + momentum*v)).
    keras.optimizers.SGD keeps the rate inside its velocity (v = momentum*v - lr*g;
    w += v): the same steps while the rate is constant, other steps once a
    schedule moves it."""

    def __init__(self, learning_rate, momentum, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum, self.nesterov = momentum, nesterov

    def build(self, variables):
        super().build(variables)
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.velocities[self._get_variable_index(variable)]  # as keras.io's own example
        self.assign(velocity, keras.ops.add(keras.ops.multiply(velocity, self.momentum), gradient))
        step = velocity
        if self.nesterov:
            step = keras.ops.add(gradient, keras.ops.multiply(velocity, self.momentum))
        self.assign_sub(variable, keras.ops.multiply(step, learning_rate))
'''


def _keras_sgd(params: dict, rate: str) -> tuple[str, str]:
    if params["momentum"]:  # Keras' own SGD parts from the app's rule once the rate changes
        code = (f"TorchMomentum(learning_rate={rate}, momentum={_num(params['momentum'])}, "
                f"nesterov={bool(params['nesterov'])})")
        return code, ""
    return f"keras.optimizers.SGD(learning_rate={rate}, momentum=0.0, nesterov=False)", ""


def _torch_sgd(params: dict, lr: float) -> str:
    return (
        f"torch.optim.SGD(model.parameters(), lr={_num(lr)}, "
        f"momentum={_num(params['momentum'])}, nesterov={bool(params['nesterov'])})"
    )


def _keras_adagrad(params: dict, rate: str) -> tuple[str, str]:
    return (
        (
            f"keras.optimizers.Adagrad(learning_rate={rate}, initial_accumulator_value=0.0, "
            f"epsilon={_num(params['eps'])})"
        ),
        "# Keras adds epsilon inside the square root: g / sqrt(sum + eps).\n",
    )


def _torch_adagrad(params: dict, lr: float) -> str:
    return f"torch.optim.Adagrad(model.parameters(), lr={_num(lr)}, eps={_num(params['eps'])})"


def _keras_rmsprop(params: dict, rate: str) -> tuple[str, str]:
    return (
        (
            f"keras.optimizers.RMSprop(learning_rate={rate}, rho={_num(params['alpha'])}, "
            f"momentum=0.0, epsilon={_num(params['eps'])}, centered=False)"
        ),
        "# Keras adds epsilon inside the square root: g / sqrt(avg + eps).\n",
    )


def _torch_rmsprop(params: dict, lr: float) -> str:
    return (
        f"torch.optim.RMSprop(model.parameters(), lr={_num(lr)}, "
        f"alpha={_num(params['alpha'])}, eps={_num(params['eps'])})"
    )


def _keras_adam(params: dict, rate: str) -> tuple[str, str]:
    return (
        (
            f"keras.optimizers.Adam(learning_rate={rate}, beta_1={_num(params['beta1'])}, "
            f"beta_2={_num(params['beta2'])}, epsilon={_num(params['eps'])})"
        ),
        "# Keras adds epsilon to the square root before the bias correction ('epsilon hat'),\n"
        "# PyTorch after it.\n",
    )


def _torch_adam(params: dict, lr: float) -> str:
    return (
        f"torch.optim.Adam(model.parameters(), lr={_num(lr)}, "
        f"betas=({_num(params['beta1'])}, {_num(params['beta2'])}), eps={_num(params['eps'])})"
    )


#: Each optimizer's Keras and PyTorch constructors, keyed by its ``.name``
#: (``lrcore.optimizers``' "momentum" and "nesterov" are ``sgd`` optimizers).
_OPTIMIZERS: dict[str, _OptimizerTemplate] = {
    "sgd": _OptimizerTemplate(keras=_keras_sgd, torch=_torch_sgd),
    "adagrad": _OptimizerTemplate(keras=_keras_adagrad, torch=_torch_adagrad),
    "rmsprop": _OptimizerTemplate(keras=_keras_rmsprop, torch=_torch_rmsprop),
    "adam": _OptimizerTemplate(keras=_keras_adam, torch=_torch_adam),
}


@dataclass(frozen=True)
class _LossTemplate:
    """One loss in both frameworks: its constructor, ``{param}`` standing for
    each of the loss's params."""

    keras: str
    torch: str
    numpy: str  # the loss of residuals ``r`` on all the points, in numpy


#: Each loss's Keras and PyTorch classes, keyed by its ``.name``.
_LOSSES: dict[str, _LossTemplate] = {
    "mse": _LossTemplate(keras="keras.losses.MeanSquaredError()", torch="torch.nn.MSELoss()",
                         numpy="np.mean(r * r)"),
    "mae": _LossTemplate(keras="keras.losses.MeanAbsoluteError()", torch="torch.nn.L1Loss()",
                         numpy="np.mean(np.abs(r))"),
    "huber": _LossTemplate(keras="keras.losses.Huber(delta={delta})", torch="torch.nn.HuberLoss(delta={delta})",
                           numpy="np.mean(np.where(np.abs(r) <= {delta}, 0.5 * r * r, "
                                 "{delta} * (np.abs(r) - 0.5 * {delta})))"),
}


def _loss_code(template: str, loss_fn) -> str:
    return template.format(**{key: _num(value) for key, value in loss_fn.params.items()})


# --- PyTorch -------------------------------------------------------------------------


def pytorch_script(
    data: Dataset,
    lr,
    *,
    steps: int,
    start=(0.0, 0.0),
    loss="mse",
    optimizer=None,
    batch_size=None,
    seed: int = 0,
    recipe: dict | None = None,
) -> str:
    """A standalone PyTorch script that trains the same line the same way.

    The arguments are :func:`lrcore.run`'s (one rate or one schedule), plus
    ``recipe``: ``make_data``'s arguments, so that a large made dataset is
    drawn again in the script instead of written out (up to
    ``EMBED_MAX_POINTS`` points are written into the script; a larger
    uploaded dataset is read from ``points.csv``, the Data page's download).

    The script uses ``torch.nn.Linear(1, 1)`` in float64, the loss
    (``MSELoss``, ``L1Loss``, ``HuberLoss``), the optimizer
    (``torch.optim.SGD``, ``Adagrad``, ``RMSprop``, ``Adam``) and the
    schedule from ``torch.optim.lr_scheduler``, with ``scheduler.step()``
    after every ``optimizer.step()``. It keeps ``history``: one row
    ``(w, b, full-data loss)`` per step, starting with the start.

    >>> from lrcore import make_data
    >>> code = pytorch_script(make_data(n=5), 0.01, steps=10)
    >>> compile(code, "train.py", "exec") is not None, "torch.optim.SGD(" in code
    (True, True)
    """
    lr, steps, (w0, b0), batch, seed, recipe = _check_arguments(data, lr, steps, start, batch_size, seed, recipe)
    loss_fn = _losses.get(loss)
    opt_name, opt_params = _optimizer_of(optimizer)
    schedule = _torch_form(lr, steps)
    loss_code = _loss_code(_LOSSES[loss_fn.name].torch, loss_fn)
    scheduler = f"scheduler = {schedule.setup}\n" if schedule.setup else ""
    step_call = f"    {schedule.step_call}\n" if schedule.step_call else ""
    batch_line = (
        "    idx = next(batch_order)\n    batch_loss = loss_fn(model(x[idx]), y[idx])\n"
        if batch
        else "    batch_loss = loss_fn(model(x), y)\n"
    )
    return (
        f'"""Train y = w*x + b with PyTorch: {_describe(lr, opt_name, opt_params, loss_fn, steps, batch, data.n)}.\n\n'
        "Exported from Learning-Rate Explorer; run it with `python train_pytorch.py`.\n"
        '"""\n\n'
        + "import math\nimport sys\n\nimport numpy as np\nimport torch\n\n"
        "torch.set_default_dtype(torch.float64)  # the app computes in float64 too\n\n"
        + SECTIONS[0]
        + _data_block(data, recipe)
        + "x = torch.tensor(x).reshape(-1, 1)\ny = torch.tensor(y).reshape(-1, 1)\n"
        + SECTIONS[1]
        + _batches_block(data.n, batch, seed)
        + _LIMIT_BLOCK
        + schedule.helpers
        + "\n\n"
        "model = torch.nn.Linear(1, 1)  # one neuron: y = w*x + b\n"
        "with torch.no_grad():\n"
        f"    model.weight.fill_({_num(w0)})  # w at the start\n"
        f"    model.bias.fill_({_num(b0)})  # b at the start\n"
        f"loss_fn = {loss_code}\n"
        f"optimizer = {_OPTIMIZERS[opt_name].torch(opt_params, schedule.lr)}\n"
        + schedule.note
        + scheduler
        + (f"batch_order = batches(len(x), {batch}, seed={seed})\n" if batch else "")
        + "\n"
        "\ndef full_loss():\n"
        "    with torch.no_grad():\n"
        "        return loss_fn(model(x), y).item()\n"
        "\n\n"
        "history = [(model.weight.item(), model.bias.item(), full_loss())]\n"
        "limit = divergence_limit(history[0][2])\n"
        "diverged_at = None\n"
        f"for step in range({steps}):\n"
        "    loss_before = history[-1][2]\n"
        "    optimizer.zero_grad()\n"
        + batch_line
        + "    batch_loss.backward()\n"
        "    optimizer.step()\n"
        + step_call
        + "    history.append((model.weight.item(), model.bias.item(), full_loss()))\n"
        "    if not history[-1][2] <= limit:  # past the limit, or not a number\n"
        "        diverged_at = step + 1\n"
        "        break\n"
        "\n"
        + SECTIONS[2]
        + _ending_block(steps)
    )


# --- Keras -----------------------------------------------------------------------------


def keras_script(
    data: Dataset,
    lr,
    *,
    steps: int,
    start=(0.0, 0.0),
    loss="mse",
    optimizer=None,
    batch_size=None,
    seed: int = 0,
    recipe: dict | None = None,
) -> str:
    """A standalone Keras 3 (TensorFlow 2) script that trains the same line.

    Same arguments as :func:`pytorch_script`. The model is one ``Dense(1)``
    unit initialised at ``start``; the optimizer is ``keras.optimizers.SGD``,
    ``Adagrad``, ``RMSprop`` or ``Adam`` with PyTorch's defaults made
    explicit (SGD with momentum: ``TorchMomentum``, PyTorch's rule); the
    schedule is a ``keras.optimizers.schedules`` class (or a
    ``LearningRateSchedule`` subclass stating our formula; the plateau rule:
    the ``TorchPlateau`` callback), whose ``step`` counts updates from 0 like
    ours. One epoch is one update: all the points, or one of the app's
    mini-batches.

    >>> from lrcore import make_data
    >>> code = keras_script(make_data(n=5), 0.01, steps=10)
    >>> compile(code, "train.py", "exec") is not None, "keras.optimizers.SGD(" in code
    (True, True)
    """
    lr, steps, (w0, b0), batch, seed, recipe = _check_arguments(data, lr, steps, start, batch_size, seed, recipe)
    loss_fn = _losses.get(loss)
    opt_name, opt_params = _optimizer_of(optimizer)
    schedule = _keras_form(lr, steps)
    opt_code, opt_note = _OPTIMIZERS[opt_name].keras(opt_params, "learning_rate")
    loss_code = _loss_code(_LOSSES[loss_fn.name].keras, loss_fn)
    classes = "".join(dict.fromkeys(schedule.classes))
    if opt_code.startswith("TorchMomentum("):
        classes += _KERAS_TORCH_MOMENTUM
    if batch:
        # The app's own mini-batches, in its order, one per update: fed to fit from a
        # generator, one batch an epoch, so that schedules and callbacks count updates.
        feed = "    app_batches(),\n"
        fit = (f"    steps_per_epoch=1,\n    epochs={steps},  # one mini-batch per epoch: one update\n"
               "    shuffle=False,  # the batches come in the app's order\n")
        batch_note = (
            "\n\ndef app_batches():\n"
            '    """The mini-batches Learning-Rate Explorer trains on, in its order."""\n'
            f"    for idx in batches(len(x), {batch}, seed={seed}):\n"
            "        yield x[idx], y[idx]\n\n\n"
        )
    else:
        feed = "    x,\n    y,\n"
        fit = f"    batch_size=len(x),\n    epochs={steps},  # full batch: one update per epoch\n    shuffle=False,\n"
        batch_note = ""
    own = f", {schedule.callback.replace(chr(10), chr(10) + '    ')}" if schedule.callback else ""
    callbacks = f"    callbacks=[recorder{own}],  # the recorder first: it writes the loss the others watch\n"
    return (
        f'"""Train y = w*x + b with Keras: {_describe(lr, opt_name, opt_params, loss_fn, steps, batch, data.n)}.\n\n'
        "Exported from Learning-Rate Explorer; run it with `python train_keras.py`.\n"
        "Keras 3 runs on TensorFlow or PyTorch; with only PyTorch installed:\n"
        "`KERAS_BACKEND=torch python train_keras.py`.\n"
        '"""\n\n'
        + "import math\nimport sys\n\nimport keras\nimport numpy as np\n\n"
        'keras.config.set_floatx("float64")  # the app computes in float64 too\n\n'
        + SECTIONS[0]
        + _data_block(data, recipe)
        + "x = x.reshape(-1, 1)\n"
        + "# Your own points: set x (shape (n, 1)) and y (shape (n,)) here instead.\n"
        + SECTIONS[1]
        + _batches_block(data.n, batch, seed)
        + _LIMIT_BLOCK
        + _keras_recorder(_loss_code(_LOSSES[loss_fn.name].numpy, loss_fn))
        + classes
        + "\n\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(1,)),\n"
        "    keras.layers.Dense(\n        1,\n"
        f"        kernel_initializer=keras.initializers.Constant({_num(w0)}),  # w at the start\n"
        f"        bias_initializer=keras.initializers.Constant({_num(b0)}),  # b at the start\n"
        "    ),\n])\n"
        + "recorder = Recorder()\n"
        + schedule.note
        + f"learning_rate = {schedule.expr}\n"
        + opt_note
        + f"model.compile(optimizer={opt_code}, loss={loss_code})\n"
        + batch_note
        + "model.fit(\n"
        + feed
        + fit
        + callbacks
        + "    verbose=0,\n)\n"
        "history, diverged_at = recorder.history, recorder.diverged_at\n"
        "\n"
        + SECTIONS[2]
        + _ending_block(steps)
    )


def _keras_recorder(loss_expr: str) -> str:
    """A callback that keeps the app's history and stops where it says a run diverged."""
    return (
        "\n\ndef full_loss(w, b):\n"
        '    """The loss on all the points, as Learning-Rate Explorer draws it."""\n'
        '    with np.errstate(over="ignore", invalid="ignore"):\n'
        "        r = w * x[:, 0] + b - y\n"
        f"        return float({loss_expr})\n"
        "\n\nclass Recorder(keras.callbacks.Callback):\n"
        '    """Keeps (w, b, loss on all the points) after every update, from the\n'
        '    start, and stops training where the run diverged."""\n'
        "\n"
        "    def on_train_begin(self, logs=None):\n"
        "        self.history = [self.now()]\n"
        "        self.limit = divergence_limit(self.history[0][2])\n"
        "        self.diverged_at = None\n"
        "\n"
        "    def now(self):\n"
        "        kernel, bias = self.model.layers[0].get_weights()\n"
        "        w, b = float(kernel[0, 0]), float(bias[0])\n"
        "        return w, b, full_loss(w, b)\n"
        "\n"
        "    def on_epoch_end(self, epoch, logs=None):  # one update per epoch\n"
        "        self.history.append(self.now())\n"
        "        before = self.history[-2][2]  # the loss of the parameters this update started from\n"
        "        if logs is not None:\n"
        '            logs["loss_before_update"] = before\n'
        "        if not self.history[-1][2] <= self.limit:  # past the limit, or not a number\n"
        "            self.diverged_at = epoch + 1\n"
        "            self.model.stop_training = True\n"
    )


def _describe(lr, opt_name, opt_params, loss_fn, steps, batch, n) -> str:
    if callable(lr):
        params = getattr(lr, "params", {})
        shown = ", ".join(f"{k}={v}" for k, v in params.items() if k != "schedule")
        rate = f"{getattr(lr, 'name', 'a schedule')}({shown})"
    else:
        rate = f"learning rate {_num(lr)}"
    extras = ", ".join(f"{k}={v}" for k, v in opt_params.items())
    batching = f"mini-batches of {batch}" if batch else "full batch"
    return f"{opt_name}({extras}), {rate}, {loss_fn.name.upper()}, {steps} steps, {batching}, {n} points"
