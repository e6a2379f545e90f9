"""The same configuration as a Keras script and as a PyTorch script.

A learner who has watched a run here can take it to the frameworks they will
use next: :func:`pytorch_script` and :func:`keras_script` return complete,
standalone Python programs that train the same one-neuron linear model
``y = w*x + b`` on the same points, from the same start, with the same loss,
optimizer and learning-rate schedule, using each framework's own classes and
argument names. Where a framework has no built-in for a schedule, the script
states our formula through the framework's own mechanism (``LambdaLR`` in
PyTorch, a ``LearningRateSchedule`` subclass in Keras).

The PyTorch script reproduces ``lrcore.run`` step for step (float64, the same
mini-batches drawn with the same numpy generator). The Keras script follows
the same rules; where Keras computes a rule differently it says so in a
comment (for example, Keras adds epsilon inside the square root of Adagrad
and RMSprop, and shuffles its own mini-batches).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from . import losses as _losses
from .data import Dataset
from .optimizers import sgd

__all__ = ["EMBED_MAX_POINTS", "keras_script", "pytorch_script"]

#: Datasets up to this many points are written into the script itself.
EMBED_MAX_POINTS = 2000

_RECIPE_KEYS = ("n", "w", "b", "noise", "x_min", "x_max", "seed", "outliers")


# --- pieces shared by both scripts -------------------------------------------------


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
        r = {key: recipe[key] for key in _RECIPE_KEYS}
        return (
            "# The points, drawn exactly as Learning-Rate Explorer draws them.\n"
            f"rng = np.random.default_rng({int(r['seed'])})\n"
            f"x = rng.uniform({_num(r['x_min'])}, {_num(r['x_max'])}, size={int(r['n'])})\n"
            f"y = {_num(r['w'])} * x + {_num(r['b'])} + {_num(r['noise'])} * rng.standard_normal({int(r['n'])})\n"
            f"outliers = int(np.floor({_num(r['outliers'])} * {int(r['n'])} + 0.5))\n"
            "if outliers:\n"
            f"    scale = abs({_num(r['w'])}) * ({_num(r['x_max'])} - {_num(r['x_min'])}) / 2"
            f" + 5 * {_num(r['noise'])} + 1\n"
            f"    rows = rng.choice({int(r['n'])}, size=outliers, replace=False)\n"
            "    y[rows] += scale * rng.uniform(2.0, 4.0, size=outliers)\n"
        )
    return (
        f"# {data.n:,} points are too many to write here: download them from the\n"
        "# app as data.csv (columns x, y) and put the file beside this script.\n"
        'table = np.loadtxt("data.csv", delimiter=",", skiprows=1)\n'
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


def _check(data, lr, steps, start, batch_size, seed):
    if not isinstance(data, Dataset):
        raise ValueError(f"data must be a Dataset, got {type(data).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    if not (callable(lr) or isinstance(lr, Real) and not isinstance(lr, bool)):
        raise ValueError(f"lr must be one rate or one schedule, got {lr!r}")
    if not callable(lr) and not (math.isfinite(float(lr)) and float(lr) > 0):
        raise ValueError(f"lr must be finite and > 0, got {lr!r}")
    w0, b0 = (float(v) for v in start)
    if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) < 1):
        raise ValueError(f"batch_size must be None or an integer >= 1, got {batch_size!r}")
    batch = None if batch_size is None or batch_size >= data.n else int(batch_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return int(steps), (w0, b0), batch, int(seed)


def _optimizer_of(optimizer):
    opt = sgd() if optimizer is None else optimizer
    name = getattr(opt, "name", None)
    if name not in ("sgd", "adagrad", "rmsprop", "adam"):
        raise ValueError(f"optimizer must be one of lrcore.optimizers' own, got {optimizer!r}")
    return name, dict(opt.params)


def _initial_rate(lr, steps: int) -> float:
    if not callable(lr):
        return float(lr)
    return float(np.asarray(lr(0), dtype=np.float64))


# --- PyTorch -------------------------------------------------------------------------

_TORCH_LOSS = {
    "mse": "torch.nn.MSELoss()",
    "mae": "torch.nn.L1Loss()",
    "huber": "torch.nn.HuberLoss(delta={delta})",
}


def _torch_optimizer(name: str, params: dict, lr: float) -> str:
    if name == "sgd":
        return (
            f"torch.optim.SGD(model.parameters(), lr={_num(lr)}, "
            f"momentum={_num(params['momentum'])}, nesterov={bool(params['nesterov'])})"
        )
    if name == "adagrad":
        return f"torch.optim.Adagrad(model.parameters(), lr={_num(lr)}, eps={_num(params['eps'])})"
    if name == "rmsprop":
        return (
            f"torch.optim.RMSprop(model.parameters(), lr={_num(lr)}, "
            f"alpha={_num(params['alpha'])}, eps={_num(params['eps'])})"
        )
    return (
        f"torch.optim.Adam(model.parameters(), lr={_num(lr)}, "
        f"betas=({_num(params['beta1'])}, {_num(params['beta2'])}), eps={_num(params['eps'])})"
    )


class _TorchSchedule:
    """How the PyTorch script sets up and steps one schedule."""

    def __init__(self, schedule, steps: int):
        self.helpers = ""  # functions the script defines before training
        self.step_call = "scheduler.step()"
        self.note = ""
        if not callable(schedule):
            self.lr, self.setup, self.step_call = float(schedule), "", ""
            return
        self.lr = _initial_rate(schedule, steps)  # the optimizer's base rate; _setup may change it
        self.setup = self._setup(schedule, steps)

    def _setup(self, s, steps: int) -> str:
        name, p = getattr(s, "name", None), dict(getattr(s, "params", {}))
        S = "torch.optim.lr_scheduler"
        if name == "constant":
            self.step_call = ""
            return ""
        if name == "step_decay":
            return f"{S}.StepLR(optimizer, step_size={int(p['step_size'])}, gamma={_num(p['gamma'])})"
        if name == "multistep_decay":
            milestones = ", ".join(str(int(m)) for m in p["milestones"])
            return f"{S}.MultiStepLR(optimizer, milestones=[{milestones}], gamma={_num(p['gamma'])})"
        if name == "exponential_decay":
            if p.get("staircase"):
                return f"{S}.StepLR(optimizer, step_size={int(p['decay_steps'])}, gamma={_num(p['decay_rate'])})"
            self.note = "# Keras' ExponentialDecay lr*rate**(step/decay_steps) is PyTorch's\n# ExponentialLR with gamma = rate**(1/decay_steps).\n"
            return f"{S}.ExponentialLR(optimizer, gamma={_num(p['decay_rate'])} ** (1 / {int(p['decay_steps'])}))"
        if name == "cosine_decay" and steps <= int(p["decay_steps"]) + 1:
            return (
                f"{S}.CosineAnnealingLR(optimizer, T_max={int(p['decay_steps'])}, "
                f"eta_min={_num(p['alpha'])} * {_num(p['lr'])})"
            )
        if (
            name == "cosine_restarts"
            and float(p["m_mul"]) == 1.0
            and float(p["t_mul"]) >= 1.0
            and float(p["t_mul"]).is_integer()
        ):
            return (
                f"{S}.CosineAnnealingWarmRestarts(optimizer, T_0={int(p['first_decay_steps'])}, "
                f"T_mult={int(p['t_mul'])}, eta_min={_num(p['alpha'])} * {_num(p['lr'])})"
            )
        if name == "linear_warmup":
            inner = _TorchSchedule(p["schedule"], max(steps - int(p["warmup_steps"]), 1))
            self.helpers, self.note = inner.helpers, inner.note
            self.lr = inner.lr  # LinearLR scales the inner schedule's base rate
            warmup = (
                f"{S}.LinearLR(optimizer, start_factor={_num(p['start_factor'])}, "
                f"end_factor=1.0, total_iters={int(p['warmup_steps'])})"
            )
            if not inner.setup:
                return warmup
            if inner.step_call != "scheduler.step()":
                raise ValueError("linear_warmup of a reactive or one-cycle schedule cannot be exported")
            return (
                f"{S}.SequentialLR(\n    optimizer,\n    schedulers=[\n        {warmup},\n"
                f"        {inner.setup},\n    ],\n    milestones=[{int(p['warmup_steps'])}],\n)"
            )
        if name == "one_cycle":
            total = int(p["total_steps"])
            if steps > total:
                self.step_call = f"if step + 1 < {total}:  # OneCycleLR ends at total_steps; hold its last rate\n        scheduler.step()"
            return (
                f"{S}.OneCycleLR(\n    optimizer,\n    max_lr={_num(p['max_lr'])},\n    total_steps={total},\n"
                f"    pct_start={_num(p['pct_start'])},\n    anneal_strategy={p['anneal']!r},\n"
                f"    cycle_momentum=False,\n    div_factor={_num(p['div_factor'])},\n"
                f"    final_div_factor={_num(p['final_div_factor'])},\n    three_phase={bool(p['three_phase'])},\n)"
            )
        if name == "cyclic":
            down = "None" if p.get("step_size_down") is None else str(int(p["step_size_down"]))
            return (
                f"{S}.CyclicLR(\n    optimizer,\n    base_lr={_num(p['base_lr'])},\n    max_lr={_num(p['max_lr'])},\n"
                f"    step_size_up={int(p['step_size_up'])},\n    step_size_down={down},\n"
                f"    mode={p['mode']!r},\n    gamma={_num(p['gamma'])},\n    cycle_momentum=False,\n)"
            )
        if name == "reduce_on_plateau":
            self.step_call = "scheduler.step(loss_before)  # the loss of the parameters this update started from"
            return (
                f"{S}.ReduceLROnPlateau(\n    optimizer,\n    mode='min',\n    factor={_num(p['factor'])},\n"
                f"    patience={int(p['patience'])},\n    threshold={_num(p['threshold'])},\n"
                f"    threshold_mode={p['threshold_mode']!r},\n    cooldown={int(p['cooldown'])},\n"
                f"    min_lr={_num(p['min_lr'])},\n)"
            )
        # No built-in: our formula through LambdaLR (rate = lr * factor(step)).
        self.helpers, self.lr = _torch_formula(name, p, s, steps)
        return f"{S}.LambdaLR(optimizer, lr_lambda=factor)"


def _torch_formula(name: str, p: dict, schedule, steps: int) -> tuple[str, float]:
    """A Python function ``factor(step)`` with our formula divided by a base
    rate, for ``LambdaLR``, and that base rate (the optimizer's ``lr``)."""
    if name == "inverse_time_decay":
        t = "math.floor(step / {d})" if p.get("staircase") else "step / {d}"
        t = t.format(d=int(p["decay_steps"]))
        body = f"return 1.0 / (1.0 + {_num(p['decay_rate'])} * {t})"
        doc = "Keras InverseTimeDecay: lr / (1 + decay_rate * step / decay_steps)."
    elif name == "polynomial_decay":
        d = int(p["decay_steps"])
        body = (
            f"done = min(step, {d}) / {d}\n"
            f"    rate = ({_num(p['lr'])} - {_num(p['end_lr'])}) * (1 - done) ** {_num(p['power'])}"
            f" + {_num(p['end_lr'])}\n"
            f"    return rate / {_num(p['lr'])}"
        )
        doc = "Keras PolynomialDecay: (lr - end_lr) * (1 - min(step, decay_steps)/decay_steps)**power + end_lr."
    elif name == "cosine_decay":
        d = int(p["decay_steps"])
        body = (
            f"cosine = 0.5 * (1 + math.cos(math.pi * min(step, {d}) / {d}))\n"
            f"    return (1 - {_num(p['alpha'])}) * cosine + {_num(p['alpha'])}"
        )
        doc = "Keras CosineDecay: holds alpha*lr after decay_steps (CosineAnnealingLR would rise again)."
    elif name == "cosine_restarts":
        f, t_mul, m_mul, alpha = (int(p["first_decay_steps"]), float(p["t_mul"]), float(p["m_mul"]), float(p["alpha"]))
        if t_mul == 1.0:
            restart = "i = math.floor(done)\n    done -= i"
        else:
            restart = (
                f"i = math.floor(math.log(1 - done * (1 - {_num(t_mul)})) / math.log({_num(t_mul)}))\n"
                f"    done = (done - (1 - {_num(t_mul)} ** i) / (1 - {_num(t_mul)})) / {_num(t_mul)} ** i"
            )
        body = (
            f"done = step / {f}\n    {restart}\n"
            f"    cosine = {_num(m_mul)} ** i * 0.5 * (1 + math.cos(math.pi * done))\n"
            f"    return (1 - {_num(alpha)}) * cosine + {_num(alpha)}"
        )
        doc = "Keras CosineDecayRestarts: cosine periods growing by t_mul, peaks shrinking by m_mul."
    else:
        # Any other schedule (a join of schedules, a function): its rates, as lrcore computed them.
        rates = np.asarray([float(schedule(int(t))) for t in range(steps)], dtype=np.float64)
        base = float(rates[0]) if rates[0] != 0 else 1.0
        return (
            f"\n\nRATES = {_floats(rates)}  # the schedule's rate at each update, as computed by lrcore\n\n\n"
            "def factor(step):\n"
            f"    return RATES[min(step, len(RATES) - 1)] / {_num(base)}\n"
        ), base
    return f"\n\ndef factor(step):\n    \"\"\"{doc}\"\"\"\n    {body}\n", float(p["lr"])


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
    uploaded dataset is read from ``data.csv``).

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
    steps, (w0, b0), batch, seed = _check(data, lr, steps, start, batch_size, seed)
    loss_fn = _losses.get(loss)
    opt_name, opt_params = _optimizer_of(optimizer)
    schedule = _TorchSchedule(lr, steps)
    loss_code = _TORCH_LOSS[loss_fn.name].format(**{k: _num(v) for k, v in loss_fn.params.items()})
    scheduler = f"scheduler = {schedule.setup}\n" if schedule.setup else ""
    step_call = f"    {schedule.step_call}\n" if schedule.step_call else ""
    needs_math = "math." in schedule.helpers
    batch_line = (
        "    idx = next(batch_order)\n    batch_loss = loss_fn(model(x[idx]), y[idx])\n"
        if batch
        else "    batch_loss = loss_fn(model(x), y)\n"
    )
    return (
        f'"""Train y = w*x + b with PyTorch: {_describe(lr, opt_name, opt_params, loss_fn, steps, batch, data.n)}.\n\n'
        "Exported from Learning-Rate Explorer; run it with `python train_pytorch.py`.\n"
        '"""\n\n'
        + ("import math\n\n" if needs_math else "")
        + "import numpy as np\nimport torch\n\n"
        "torch.set_default_dtype(torch.float64)  # the app computes in float64 too\n\n"
        + _data_block(data, recipe)
        + "x = torch.tensor(x).reshape(-1, 1)\ny = torch.tensor(y).reshape(-1, 1)\n"
        + _batches_block(data.n, batch, seed)
        + schedule.helpers
        + "\n\n"
        "model = torch.nn.Linear(1, 1)  # one neuron: y = w*x + b\n"
        "with torch.no_grad():\n"
        f"    model.weight.fill_({_num(w0)})  # w at the start\n"
        f"    model.bias.fill_({_num(b0)})  # b at the start\n"
        f"loss_fn = {loss_code}\n"
        f"optimizer = {_torch_optimizer(opt_name, opt_params, schedule.lr)}\n"
        + schedule.note
        + scheduler
        + (f"batch_order = batches(len(x), {batch}, seed={seed})\n" if batch else "")
        + "\n"
        "\ndef full_loss():\n"
        "    with torch.no_grad():\n"
        "        return loss_fn(model(x), y).item()\n"
        "\n\n"
        "history = [(model.weight.item(), model.bias.item(), full_loss())]\n"
        f"for step in range({steps}):\n"
        "    loss_before = history[-1][2]\n"
        "    optimizer.zero_grad()\n"
        + batch_line
        + "    batch_loss.backward()\n"
        "    optimizer.step()\n"
        + step_call
        + "    history.append((model.weight.item(), model.bias.item(), full_loss()))\n"
        "\n"
        "w, b, final = history[-1]\n"
        f'print(f"after {steps} steps: w = {{w:.6g}}, b = {{b:.6g}}, loss = {{final:.6g}}")\n'
    )


# --- Keras -----------------------------------------------------------------------------

_KERAS_LOSS = {
    "mse": "keras.losses.MeanSquaredError()",
    "mae": "keras.losses.MeanAbsoluteError()",
    "huber": "keras.losses.Huber(delta={delta})",
}


def _keras_optimizer(name: str, params: dict, rate: str) -> tuple[str, str]:
    """(constructor, comment on how Keras' rule differs from PyTorch's)."""
    if name == "sgd":
        note = ""
        if params["momentum"]:
            note = (
                "# Keras keeps the rate inside its velocity (v = momentum*v - lr*g; w += v);\n"
                "# with a constant rate this equals PyTorch's rule, with a schedule it is close.\n"
            )
        return (
            f"keras.optimizers.SGD(learning_rate={rate}, momentum={_num(params['momentum'])}, "
            f"nesterov={bool(params['nesterov'])})",
            note,
        )
    if name == "adagrad":
        return (
            f"keras.optimizers.Adagrad(learning_rate={rate}, initial_accumulator_value=0.0, "
            f"epsilon={_num(params['eps'])})",
            "# Keras adds epsilon inside the square root: g / sqrt(sum + eps).\n",
        )
    if name == "rmsprop":
        return (
            f"keras.optimizers.RMSprop(learning_rate={rate}, rho={_num(params['alpha'])}, "
            f"momentum=0.0, epsilon={_num(params['eps'])}, centered=False)",
            "# Keras adds epsilon inside the square root: g / sqrt(avg + eps).\n",
        )
    return (
        f"keras.optimizers.Adam(learning_rate={rate}, beta_1={_num(params['beta1'])}, "
        f"beta_2={_num(params['beta2'])}, epsilon={_num(params['eps'])})",
        "# Keras' epsilon is added after the bias correction ('epsilon hat').\n",
    )


_KERAS_CLASSES = {
    "linear_warmup": '''

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
        first = self.schedule(keras.ops.cast(0, "float64"))
        ramp = first * (self.start_factor + (1 - self.start_factor) * step / self.warmup_steps)
        after = self.schedule(keras.ops.maximum(step - self.warmup_steps, 0))
        return keras.ops.where(step < self.warmup_steps, ramp, after)
''',
    "one_cycle": '''

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
''',
    "cyclic": '''

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
''',
    "table": '''

class RateTable(keras.optimizers.schedules.LearningRateSchedule):
    """The schedule's rate at each update, as Learning-Rate Explorer computed
    it; the last rate is held after the table ends."""

    def __init__(self, rates):
        self.rates = keras.ops.convert_to_tensor(rates, dtype="float64")

    def __call__(self, step):
        last = keras.ops.shape(self.rates)[0] - 1
        return keras.ops.take(self.rates, keras.ops.minimum(keras.ops.cast(step, "int32"), last))
''',
}


class _KerasSchedule:
    """How the Keras script expresses one schedule."""

    def __init__(self, schedule, steps: int):
        self.classes: list[str] = []  # custom LearningRateSchedule classes the script defines
        self.callback = ""
        self.note = ""
        if not callable(schedule):
            self.expr = _num(schedule)
            return
        self.expr = self._expr(schedule, steps)

    def _expr(self, s, steps: int) -> str:
        name, p = getattr(s, "name", None), dict(getattr(s, "params", {}))
        K = "keras.optimizers.schedules"
        if name == "constant":
            return _num(p["lr"])
        if name == "step_decay":
            self.note = "# PyTorch's StepLR is Keras' ExponentialDecay with staircase=True.\n"
            return (
                f"{K}.ExponentialDecay(initial_learning_rate={_num(p['lr'])}, decay_steps={int(p['step_size'])}, "
                f"decay_rate={_num(p['gamma'])}, staircase=True)"
            )
        if name == "multistep_decay":
            milestones = [int(m) for m in p["milestones"]]
            values = [float(p["lr"]) * float(p["gamma"]) ** i for i in range(len(milestones) + 1)]
            self.note = "# Keras' boundaries are inclusive: the rate changes after step m - 1.\n"
            return (
                f"{K}.PiecewiseConstantDecay(boundaries=[{', '.join(str(m - 1) for m in milestones)}], "
                f"values=[{', '.join(_num(v) for v in values)}])"
            )
        if name == "exponential_decay":
            return (
                f"{K}.ExponentialDecay(initial_learning_rate={_num(p['lr'])}, decay_steps={int(p['decay_steps'])}, "
                f"decay_rate={_num(p['decay_rate'])}, staircase={bool(p['staircase'])})"
            )
        if name == "inverse_time_decay":
            return (
                f"{K}.InverseTimeDecay(initial_learning_rate={_num(p['lr'])}, decay_steps={int(p['decay_steps'])}, "
                f"decay_rate={_num(p['decay_rate'])}, staircase={bool(p['staircase'])})"
            )
        if name == "polynomial_decay":
            return (
                f"{K}.PolynomialDecay(initial_learning_rate={_num(p['lr'])}, decay_steps={int(p['decay_steps'])}, "
                f"end_learning_rate={_num(p['end_lr'])}, power={_num(p['power'])}, cycle=False)"
            )
        if name == "cosine_decay":
            return (
                f"{K}.CosineDecay(initial_learning_rate={_num(p['lr'])}, decay_steps={int(p['decay_steps'])}, "
                f"alpha={_num(p['alpha'])})"
            )
        if name == "cosine_restarts":
            return (
                f"{K}.CosineDecayRestarts(initial_learning_rate={_num(p['lr'])}, "
                f"first_decay_steps={int(p['first_decay_steps'])}, t_mul={_num(p['t_mul'])}, "
                f"m_mul={_num(p['m_mul'])}, alpha={_num(p['alpha'])})"
            )
        if name == "linear_warmup":
            inner = _KerasSchedule(p["schedule"], max(steps - int(p["warmup_steps"]), 1))
            if inner.callback:
                raise ValueError("linear_warmup of a reactive schedule cannot be exported")
            self.classes += inner.classes + ["linear_warmup"]
            self.note = inner.note
            return (
                f"LinearWarmup({inner.expr}, warmup_steps={int(p['warmup_steps'])}, "
                f"start_factor={_num(p['start_factor'])})"
            )
        if name == "one_cycle":
            self.classes.append("one_cycle")
            return (
                f"OneCycle(max_lr={_num(p['max_lr'])}, total_steps={int(p['total_steps'])}, "
                f"pct_start={_num(p['pct_start'])}, div_factor={_num(p['div_factor'])}, "
                f"final_div_factor={_num(p['final_div_factor'])}, anneal={p['anneal']!r}, "
                f"three_phase={bool(p['three_phase'])})"
            )
        if name == "cyclic":
            self.classes.append("cyclic")
            down = int(p["step_size_up"]) if p.get("step_size_down") is None else int(p["step_size_down"])
            return (
                f"Cyclic(base_lr={_num(p['base_lr'])}, max_lr={_num(p['max_lr'])}, "
                f"step_size_up={int(p['step_size_up'])}, step_size_down={down}, "
                f"mode={p['mode']!r}, gamma={_num(p['gamma'])})"
            )
        if name == "reduce_on_plateau":
            patience = int(p["patience"]) + 1
            self.callback = (
                "keras.callbacks.ReduceLROnPlateau(\n    monitor='loss',\n    mode='min',\n"
                f"    factor={_num(p['factor'])},\n    patience={patience},  # Keras reduces at wait >= patience, PyTorch at > patience\n"
                f"    min_delta={_num(p['threshold'])},\n    cooldown={int(p['cooldown'])},\n"
                f"    min_lr={_num(p['min_lr'])},\n)"
            )
            if p["threshold_mode"] == "rel":
                self.note = (
                    "# PyTorch's threshold_mode='rel' counts an improvement below best*(1 - threshold);\n"
                    "# Keras' min_delta is absolute (below best - min_delta).\n"
                )
            return _num(p["lr"])
        self.classes.append("table")
        rates = [float(s(int(t))) for t in range(steps)]
        return f"RateTable({_floats(rates)})"


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
    explicit; the schedule is a ``keras.optimizers.schedules`` class (or a
    ``LearningRateSchedule`` subclass stating our formula), whose ``step``
    counts updates from 0 like ours. Full batch: one epoch is one update.

    >>> from lrcore import make_data
    >>> code = keras_script(make_data(n=5), 0.01, steps=10)
    >>> compile(code, "train.py", "exec") is not None, "keras.optimizers.SGD(" in code
    (True, True)
    """
    steps, (w0, b0), batch, seed = _check(data, lr, steps, start, batch_size, seed)
    loss_fn = _losses.get(loss)
    opt_name, opt_params = _optimizer_of(optimizer)
    schedule = _KerasSchedule(lr, steps)
    opt_code, opt_note = _keras_optimizer(opt_name, opt_params, "learning_rate")
    loss_code = _KERAS_LOSS[loss_fn.name].format(**{k: _num(v) for k, v in loss_fn.params.items()})
    classes = "".join(_KERAS_CLASSES[c] for c in dict.fromkeys(schedule.classes))
    if batch:
        per_epoch = -(-data.n // batch)
        epochs = -(-steps // per_epoch)
        fit = (
            f"    batch_size={batch},\n    epochs={epochs},  # {per_epoch} updates per epoch\n    shuffle=True,\n"
        )
        batch_note = (
            "# Keras shuffles its own mini-batches: the path has the same rule but other noise,\n"
            f"# and it trains whole epochs ({epochs * per_epoch} updates).\n"
        )
    else:
        fit = f"    batch_size=len(x),\n    epochs={steps},  # full batch: one update per epoch\n    shuffle=False,\n"
        batch_note = ""
    callbacks = f"    callbacks=[{schedule.callback.replace(chr(10), chr(10) + '    ')}],\n" if schedule.callback else ""
    return (
        f'"""Train y = w*x + b with Keras: {_describe(lr, opt_name, opt_params, loss_fn, steps, batch, data.n)}.\n\n'
        "Exported from Learning-Rate Explorer; run it with `python train_keras.py`.\n"
        '"""\n\n'
        + ("import math\n\n" if "math." in classes else "")
        + "import keras\nimport numpy as np\n\n"
        'keras.config.set_floatx("float64")  # the app computes in float64 too\n\n'
        + _data_block(data, recipe)
        + "x = x.reshape(-1, 1)\n"
        + classes
        + "\n\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(1,)),\n"
        "    keras.layers.Dense(\n        1,\n"
        f"        kernel_initializer=keras.initializers.Constant({_num(w0)}),  # w at the start\n"
        f"        bias_initializer=keras.initializers.Constant({_num(b0)}),  # b at the start\n"
        "    ),\n])\n"
        + schedule.note
        + f"learning_rate = {schedule.expr}\n"
        + opt_note
        + f"model.compile(optimizer={opt_code}, loss={loss_code})\n"
        + batch_note
        + "history = model.fit(\n    x,\n    y,\n"
        + fit
        + callbacks
        + "    verbose=0,\n)\n"
        "kernel, bias = model.layers[0].get_weights()\n"
        "w, b = float(kernel[0, 0]), float(bias[0])\n"
        "final = model.evaluate(x, y, batch_size=len(x), verbose=0)  # the loss on all the points\n"
        'print(f"after training: w = {w:.6g}, b = {b:.6g}, loss = {final:.6g}")\n'
    )


def _describe(lr, opt_name, opt_params, loss_fn, steps, batch, n) -> str:
    if callable(lr):
        p = getattr(lr, "params", {})
        shown = ", ".join(f"{k}={v}" for k, v in p.items() if k != "schedule")
        rate = f"{getattr(lr, 'name', 'a schedule')}({shown})"
    else:
        rate = f"learning rate {_num(lr)}"
    extras = ", ".join(f"{k}={v}" for k, v in opt_params.items())
    batching = f"mini-batches of {batch}" if batch else "full batch"
    return f"{opt_name}({extras}), {rate}, {loss_fn.name.upper()}, {steps} steps, {batching}, {n} points"
