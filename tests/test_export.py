"""lrcore.export: the scripts compile, name only real framework classes and
arguments, and (where the frameworks are installed) reproduce our runs."""

import ast
import importlib.util
import inspect
import json
import math
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import lrcore
from lrcore import export, losses, optimizers, schedules
from ui import state

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_KERAS = HAVE_TORCH and importlib.util.find_spec("keras") is not None
HAVE_TENSORFLOW = HAVE_KERAS and importlib.util.find_spec("tensorflow") is not None

# Class names and keyword arguments as the frameworks document them
# (docs.pytorch.org torch.optim / torch.optim.lr_scheduler / torch.nn, and
# keras.io optimizers, learning-rate schedules, callbacks, layers, losses).
DOCUMENTED = {
    "torch.set_default_dtype": set(),
    "torch.tensor": set(),
    "torch.no_grad": set(),
    "torch.nn.Linear": {"in_features", "out_features", "bias"},
    "torch.nn.MSELoss": {"reduction"},
    "torch.nn.L1Loss": {"reduction"},
    "torch.nn.HuberLoss": {"reduction", "delta"},
    "torch.optim.SGD": {"lr", "momentum", "dampening", "weight_decay", "nesterov"},
    "torch.optim.Adagrad": {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"},
    "torch.optim.RMSprop": {"lr", "alpha", "eps", "weight_decay", "momentum", "centered"},
    "torch.optim.Adam": {"lr", "betas", "eps", "weight_decay", "amsgrad"},
    "torch.optim.lr_scheduler.StepLR": {"step_size", "gamma"},
    "torch.optim.lr_scheduler.MultiStepLR": {"milestones", "gamma"},
    "torch.optim.lr_scheduler.ExponentialLR": {"gamma"},
    "torch.optim.lr_scheduler.LambdaLR": {"lr_lambda"},
    "torch.optim.lr_scheduler.CosineAnnealingLR": {"T_max", "eta_min"},
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts": {"T_0", "T_mult", "eta_min"},
    "torch.optim.lr_scheduler.LinearLR": {"start_factor", "end_factor", "total_iters"},
    "torch.optim.lr_scheduler.SequentialLR": {"schedulers", "milestones"},
    "torch.optim.lr_scheduler.OneCycleLR": {
        "max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start", "anneal_strategy",
        "cycle_momentum", "base_momentum", "max_momentum", "div_factor", "final_div_factor",
        "three_phase",
    },
    "torch.optim.lr_scheduler.CyclicLR": {
        "base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "scale_fn",
        "scale_mode", "cycle_momentum", "base_momentum", "max_momentum",
    },
    "torch.optim.lr_scheduler.ReduceLROnPlateau": {
        "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps",
    },
    "keras.config.set_floatx": set(),
    "keras.Sequential": set(),
    "keras.Input": {"shape"},
    "keras.layers.Dense": {"units", "kernel_initializer", "bias_initializer"},
    "keras.initializers.Constant": {"value"},
    "keras.losses.MeanSquaredError": set(),
    "keras.losses.MeanAbsoluteError": set(),
    "keras.losses.Huber": {"delta"},
    "keras.optimizers.SGD": {"learning_rate", "momentum", "nesterov"},
    "keras.optimizers.Adagrad": {"learning_rate", "initial_accumulator_value", "epsilon"},
    "keras.optimizers.RMSprop": {"learning_rate", "rho", "momentum", "epsilon", "centered"},
    "keras.optimizers.Adam": {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"},
    "keras.optimizers.schedules.ExponentialDecay": {
        "initial_learning_rate", "decay_steps", "decay_rate", "staircase",
    },
    "keras.optimizers.schedules.InverseTimeDecay": {
        "initial_learning_rate", "decay_steps", "decay_rate", "staircase",
    },
    "keras.optimizers.schedules.PolynomialDecay": {
        "initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle",
    },
    "keras.optimizers.schedules.CosineDecay": {
        "initial_learning_rate", "decay_steps", "alpha", "warmup_target", "warmup_steps",
    },
    "keras.optimizers.schedules.CosineDecayRestarts": {
        "initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha",
    },
    "keras.optimizers.schedules.PiecewiseConstantDecay": {"boundaries", "values"},
    "keras.ops.cast": set(),
    "keras.ops.convert_to_numpy": set(),
    "keras.ops.add": set(),
    "keras.ops.multiply": set(),
    "keras.ops.cos": set(),
    "keras.ops.floor": set(),
    "keras.ops.maximum": set(),
    "keras.ops.minimum": set(),
    "keras.ops.where": set(),
    "keras.ops.take": set(),
    "keras.ops.shape": set(),
    "keras.ops.convert_to_tensor": {"dtype"},
}
DOCUMENTED_BASES = {"keras.optimizers.schedules.LearningRateSchedule", "keras.callbacks.Callback",
                    "keras.optimizers.Optimizer"}


def dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def framework_calls(code):
    """(dotted name, keyword names) of every call into torch or keras."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name and name.split(".")[0] in ("torch", "keras"):
                yield name, {k.arg for k in node.keywords if k.arg}
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                yield "base:" + dotted(base), set()


def assert_documented(code):
    """Every framework class, function and keyword the script names is documented."""
    for name, keywords in framework_calls(code):
        if name.startswith("base:"):
            assert name[5:] in DOCUMENTED_BASES, name
            continue
        assert name in DOCUMENTED, name
        assert keywords <= DOCUMENTED[name], (name, keywords - DOCUMENTED[name])


def all_schedules(steps=120):
    lr = 0.01
    return {
        "constant": schedules.constant(lr),
        "step_decay": schedules.step_decay(lr, step_size=30, gamma=0.5),
        "multistep_decay": schedules.multistep_decay(lr, milestones=[20, 50, 90], gamma=0.3),
        "exponential_decay": schedules.exponential_decay(lr, decay_steps=40, decay_rate=0.5),
        "exponential_staircase": schedules.exponential_decay(lr, 40, 0.5, staircase=True),
        "inverse_time_decay": schedules.inverse_time_decay(lr, decay_steps=10, decay_rate=0.5),
        "inverse_time_staircase": schedules.inverse_time_decay(lr, 10, 0.5, staircase=True),
        "polynomial_decay": schedules.polynomial_decay(lr, decay_steps=80, end_lr=1e-4, power=2.0),
        "cosine_decay": schedules.cosine_decay(lr, decay_steps=steps, alpha=0.1),
        "cosine_decay_held": schedules.cosine_decay(lr, decay_steps=60, alpha=0.1),
        "cosine_restarts": schedules.cosine_restarts(lr, first_decay_steps=20, t_mul=2.0, m_mul=1.0),
        "cosine_restarts_mmul": schedules.cosine_restarts(lr, 20, t_mul=1.5, m_mul=0.5, alpha=0.01),
        "cosine_restarts_t1_mmul": schedules.cosine_restarts(lr, 15, t_mul=1.0, m_mul=0.7, alpha=0.2),
        "linear_warmup_cosine": schedules.linear_warmup(schedules.cosine_decay(lr, steps - 10), 10),
        "linear_warmup_step": schedules.linear_warmup(schedules.step_decay(lr, 25, 0.5), 15, 0.1),
        "linear_warmup_constant": schedules.linear_warmup(schedules.constant(lr), 15),
        "one_cycle": schedules.one_cycle(0.02, total_steps=steps),
        "one_cycle_short_linear3": schedules.one_cycle(0.02, total_steps=60, anneal="linear", three_phase=True),
        "cyclic": schedules.cyclic(0.001, 0.02, step_size_up=15, step_size_down=25),
        "cyclic_triangular2": schedules.cyclic(0.001, 0.02, step_size_up=10, mode="triangular2"),
        "cyclic_exp_range": schedules.cyclic(0.001, 0.02, step_size_up=10, mode="exp_range", gamma=0.99),
        "reduce_on_plateau": schedules.reduce_on_plateau(0.02, factor=0.5, patience=3, threshold=1e-3),
        "reduce_on_plateau_abs": schedules.reduce_on_plateau(0.02, 0.5, 2, 1e-4, "abs", cooldown=2, min_lr=1e-3),
        "join": schedules.join([schedules.constant(lr), schedules.step_decay(lr / 2, 10, 0.5)], [40]),
        "a_function": lambda t: 0.01 / (1 + 0.05 * np.asarray(t)),
    }


OPTIMIZERS = {
    "gd": None,
    "momentum": optimizers.sgd(momentum=0.9),
    "nesterov": optimizers.sgd(momentum=0.8, nesterov=True),
    "adagrad": optimizers.adagrad(),
    "rmsprop": optimizers.rmsprop(),
    "adam": optimizers.adam(),
}

DATA = lrcore.make_data(n=40, noise=0.5, seed=7)
STEPS = 120


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize("schedule_name", sorted(all_schedules()))
def test_every_schedule_exports_valid_python_with_documented_names(framework, schedule_name):
    script = getattr(export, f"{framework}_script")
    code = script(DATA, all_schedules()[schedule_name], steps=STEPS)
    compile(code, f"{framework}.py", "exec")
    assert_documented(code)


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_every_optimizer_and_loss_exports(framework, opt, loss):
    script = getattr(export, f"{framework}_script")
    code = script(DATA, 0.01, steps=10, loss=loss, optimizer=OPTIMIZERS[opt], batch_size=8)
    compile(code, f"{framework}.py", "exec")
    assert_documented(code)


def test_every_schedule_optimizer_and_loss_of_the_engine_has_an_export_entry():
    """A schedule, optimizer or loss added to the engine without its Keras and
    PyTorch forms fails here (a schedule with no closed form is registered
    as a rate table)."""
    factories = {name for name in schedules._FACTORIES if not name.startswith("_")}
    assert factories == set(export._SCHEDULES)
    assert {optimizers.get(name).name for name in optimizers.NAMES} == set(export._OPTIMIZERS)
    assert set(losses.NAMES) == set(export._LOSSES)
    for name in optimizers.NAMES:
        for script in (export.pytorch_script, export.keras_script):
            compile(script(DATA, 0.01, steps=3, optimizer=optimizers.get(name)), name, "exec")


def script_rates(code, framework_stub):
    """The rate at each update of a script, from its own definitions:
    ``framework_stub`` stands in for the framework's classes."""
    tree = ast.parse(code)
    keep = [node for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef)) or (
        isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in ("RATES", "learning_rate"))]
    namespace = {"math": math, **framework_stub}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "rates", "exec"), namespace)  # our own script
    return namespace


def keyword_value(code, call_name, keyword):
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and dotted(node.func) == call_name:
            return {k.arg: ast.literal_eval(k.value) for k in node.keywords}[keyword]
    raise AssertionError(f"no {call_name} call")


class KerasSchedules:
    """keras.optimizers.schedules as keras.io states each formula, in numpy."""

    class LearningRateSchedule:
        pass

    class ExponentialDecay:
        def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
            self.args = initial_learning_rate, decay_steps, decay_rate, staircase

        def __call__(self, step):
            lr, decay_steps, decay_rate, staircase = self.args
            p = step / decay_steps
            return lr * decay_rate ** (np.floor(p) if staircase else p)

    class InverseTimeDecay:
        def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
            self.args = initial_learning_rate, decay_steps, decay_rate, staircase

        def __call__(self, step):
            lr, decay_steps, decay_rate, staircase = self.args
            p = step / decay_steps
            return lr / (1 + decay_rate * (np.floor(p) if staircase else p))

    class PolynomialDecay:
        def __init__(self, initial_learning_rate, decay_steps, end_learning_rate, power, cycle):
            assert cycle is False
            self.args = initial_learning_rate, decay_steps, end_learning_rate, power

        def __call__(self, step):
            lr, decay_steps, end_lr, power = self.args
            return (lr - end_lr) * (1 - min(step, decay_steps) / decay_steps) ** power + end_lr

    class CosineDecay:
        def __init__(self, initial_learning_rate, decay_steps, alpha):
            self.args = initial_learning_rate, decay_steps, alpha

        def __call__(self, step):
            lr, decay_steps, alpha = self.args
            cosine = 0.5 * (1 + np.cos(np.pi * min(step, decay_steps) / decay_steps))
            return lr * ((1 - alpha) * cosine + alpha)

    class CosineDecayRestarts:
        def __init__(self, initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha):
            self.args = initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha

        def __call__(self, step):
            lr, first, t_mul, m_mul, alpha = self.args
            done = step / first
            if t_mul == 1.0:
                i = np.floor(done)
                done -= i
            else:
                i = np.floor(np.log(1 - done * (1 - t_mul)) / np.log(t_mul))
                done = (done - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i
            cosine = m_mul**i * 0.5 * (1 + np.cos(np.pi * done))
            return lr * ((1 - alpha) * cosine + alpha)

    class PiecewiseConstantDecay:
        def __init__(self, boundaries, values):
            self.boundaries, self.values = boundaries, values

        def __call__(self, step):
            return self.values[sum(step > b for b in self.boundaries)]  # the rate changes after a boundary


KERAS_STUB = {"keras": SimpleNamespace(
    optimizers=SimpleNamespace(schedules=KerasSchedules),
    callbacks=SimpleNamespace(Callback=object),
    ops=SimpleNamespace(
        cast=lambda value, dtype: np.asarray(value).astype(dtype), cos=np.cos, floor=np.floor,
        maximum=np.maximum, minimum=np.minimum, where=np.where, take=np.take, shape=np.shape,
        convert_to_tensor=lambda value, dtype: np.asarray(value, dtype=dtype),
    ),
)}


@pytest.mark.parametrize("schedule_name", sorted(set(all_schedules()) - {"reduce_on_plateau", "reduce_on_plateau_abs"}))
def test_keras_script_rates_are_the_schedule(schedule_name):
    """The Keras script's learning_rate, its classes run on numpy stand-ins for
    keras.ops and for Keras' own schedules (their published formulas), gives
    our rate at every update."""
    schedule = all_schedules()[schedule_name]
    code = export.keras_script(DATA, schedule, steps=STEPS)
    rate = script_rates(code, KERAS_STUB)["learning_rate"]
    got = [float(rate(np.float64(t)) if callable(rate) else rate) for t in range(STEPS)]
    np.testing.assert_allclose(got, schedule(np.arange(STEPS)), rtol=1e-12, atol=0)


LAMBDA_LR = "scheduler = torch.optim.lr_scheduler.LambdaLR("


def stated_in_the_script():
    """The schedules whose PyTorch script states the rate itself (LambdaLR);
    the others use a PyTorch scheduler class, checked by name here and by
    their runs in test_pytorch_scripts_reproduce_our_trajectories."""
    return sorted(name for name, schedule in all_schedules().items()
                  if LAMBDA_LR in export.pytorch_script(DATA, schedule, steps=STEPS))


@pytest.mark.parametrize("schedule_name", stated_in_the_script())
def test_pytorch_script_formulas_are_the_schedule(schedule_name):
    """Where the PyTorch script states a rate itself (LambdaLR's factor, a
    rate table), the optimizer's lr times the factor is our rate at every update."""
    schedule = all_schedules()[schedule_name]
    code = export.pytorch_script(DATA, schedule, steps=STEPS)
    assert LAMBDA_LR in code
    factor = script_rates(code, {})["factor"]
    base = keyword_value(code, "torch.optim.SGD", "lr")
    got = [base * factor(t) for t in range(STEPS)]
    np.testing.assert_allclose(got, schedule(np.arange(STEPS)), rtol=1e-12, atol=0)


def test_scripts_embed_small_data_exactly_and_read_large_uploads_from_csv():
    code = export.pytorch_script(DATA, 0.01, steps=3)
    tree = ast.parse(code)
    values = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and dotted(node.value.func) == "np.array"):
            values[node.targets[0].id] = ast.literal_eval(node.value.args[0])
    np.testing.assert_array_equal(values["x"], DATA.x)
    np.testing.assert_array_equal(values["y"], DATA.y)
    # a large uploaded dataset is read from points.csv, the Data page's download
    big = lrcore.make_data(n=export.EMBED_MAX_POINTS + 1)
    assert 'np.loadtxt("points.csv"' in export.pytorch_script(big, 0.01, steps=3)


def data_block(code):
    """The statements of a script that draw its points (numpy only)."""
    tree = ast.parse(code)
    keep = [node for node in tree.body
            if (isinstance(node, ast.FunctionDef) and node.name == "_draw_points")
            or (isinstance(node, ast.Assign) and ast.unparse(node.targets[0]).strip("()") == "x, y")]
    return ast.Module(body=keep, type_ignores=[])


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize("recipe", [
    dict(n=5000, w=-1.5, b=3.0, noise=2.0, x_min=-4.0, x_max=9.0, seed=11, outliers=0.05),
    dict(n=export.EMBED_MAX_POINTS + 1, w=2, b=1, noise=0, x_min=0, x_max=10, seed=0, outliers=0),
    dict(n=3000, w=0.1 + 0.2, b=-1e-7, noise=0.3, x_min=1000.0, x_max=1010.0, seed=2**40, outliers=1.0),
])
def test_scripts_redraw_large_made_data_with_make_datas_own_function(framework, recipe):
    """A large made dataset is drawn again by the script, with the very
    function make_data draws with (its source), bit for bit."""
    made = lrcore.make_data(**recipe)
    code = getattr(export, f"{framework}_script")(made, 0.01, steps=3, recipe=recipe)
    assert inspect.getsource(lrcore.data._draw_points) in code
    namespace = {}
    exec("import numpy as np", namespace)
    exec(compile(data_block(code), "data", "exec"), namespace)  # our own generated code, numpy only
    assert set(namespace) == {"__builtins__", "np", "_draw_points", "x", "y"}
    np.testing.assert_array_equal(namespace["x"], made.x)
    np.testing.assert_array_equal(namespace["y"], made.y)


RECIPE = dict(n=DATA.n, w=2.0, b=1.0, noise=0.5, x_min=0.0, x_max=10.0, seed=7, outliers=0.0)


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize(("lr", "kwargs", "message"), [
    (0.01, dict(steps=0), "steps must be an integer >= 1, got 0"),
    (0.01, dict(steps="3"), "steps must be an integer >= 1, got '3'"),
    (0.01, dict(steps=3.0), "steps must be an integer >= 1, got 3.0"),
    ([0.01, 0.02], dict(steps=5),
     "lr must be one finite rate > 0 or one schedule (a script trains one run), got [0.01, 0.02]"),
    (-1.0, dict(steps=5), "lr must be one finite rate > 0 or one schedule (a script trains one run), got -1.0"),
    ("0.1", dict(steps=5), "lr must be one finite rate > 0 or one schedule (a script trains one run), got '0.1'"),
    (0.01, dict(steps=5, start=("0.5", 0.0)), "start[0] must be a finite real number, got '0.5'"),
    (0.01, dict(steps=5, start=(0.0, float("inf"))), "start[1] must be a finite real number, got inf"),
    (0.01, dict(steps=5, start=(1.0,)), "start must be a pair of real numbers (w, b), got (1.0,)"),
    (0.01, dict(steps=5, batch_size="8"), "batch_size must be an integer >= 1, got '8'"),
    (0.01, dict(steps=5, batch_size=2.5), "batch_size must be an integer >= 1, got 2.5"),
    (0.01, dict(steps=5, seed="0"), "seed must be an integer >= 0, got '0'"),
    (0.01, dict(steps=5, seed=-1), "seed must be an integer >= 0, got -1"),
    (0.01, dict(steps=5, optimizer="adam"), "optimizer must be None or one of lrcore.optimizers' own, got 'adam'"),
    (0.01, dict(steps=5, recipe=dict(RECIPE, w="2")), "recipe['w'] must be a finite real number, got '2'"),
    (0.01, dict(steps=5, recipe=dict(RECIPE, n=99)), f"recipe['n'] must be the number of points, {DATA.n}, got 99"),
    (0.01, dict(steps=5, recipe={"n": 1}),
     "recipe must be None or make_data's arguments n, w, b, noise, x_min, x_max, seed, outliers, got {'n': 1}"),
])
def test_bad_arguments_raise_value_error_naming_the_argument_and_the_value(framework, lr, kwargs, message):
    """A string where a number is due is rejected, not converted, with the
    engine's one message: "{name} must be {what}, got {value}"."""
    with pytest.raises(ValueError) as caught:
        getattr(export, f"{framework}_script")(DATA, lr, **kwargs)
    assert str(caught.value) == message


def test_data_that_is_not_a_dataset_is_a_data_error():
    with pytest.raises(lrcore.DataError, match="^data must be a lrcore Dataset"):
        export.pytorch_script([[0.0, 1.0], [1.0, 3.0]], 0.01, steps=5)


def test_checked_arguments_keep_the_scripts():
    """Numbers of any numeric type write the same script."""
    code = export.pytorch_script(DATA, 0.01, steps=5, batch_size=8, seed=3, start=(0.5, -1.0), recipe=RECIPE)
    same = export.pytorch_script(DATA, np.float64(0.01), steps=np.int64(5), batch_size=np.int32(8),
                                 seed=np.uint8(3), start=np.array([0.5, -1.0]), recipe=dict(RECIPE, w=2))
    assert same == code


def run_script(code, env=None):
    """Run our own generated script in a fresh interpreter, as a learner runs
    it: (its history, the last line it printed)."""
    probe = code + "\nimport json\nprint('HISTORY', json.dumps(history))\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    *printed, line = out.stdout.splitlines()
    return np.array(json.loads(line[len("HISTORY "):]), dtype=float), printed[-1]


def assert_reproduces(history, traj, tol=1e-6, case=""):
    stop = traj.diverged_at[0] if traj.diverged_at[0] >= 0 else traj.steps + 1
    for column, ours in enumerate((traj.w[0], traj.b[0], traj.loss[0])):
        np.testing.assert_allclose(history[:stop, column], ours[:stop], rtol=tol, atol=tol, err_msg=case)


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed (it is not a requirement); "
                    "the exported PyTorch scripts are then only compiled and name-checked")
def test_pytorch_scripts_reproduce_our_trajectories():
    """One interpreter per batch of cases keeps this fast: each case's script
    runs in its own namespace."""
    cases = []
    for name, schedule in all_schedules().items():
        cases.append((name, schedule, dict()))
    for opt_name, opt in OPTIMIZERS.items():
        cases.append((opt_name, 0.01, dict(optimizer=opt)))
        cases.append((opt_name + "-batch", schedules.exponential_decay(0.01, 30, 0.5),
                      dict(optimizer=opt, batch_size=7, seed=3)))
    for loss in ("mae", "huber"):
        cases.append((loss, schedules.cosine_decay(0.05, STEPS), dict(loss=loss, batch_size=9)))
    cases.append(("plateau-mae", schedules.reduce_on_plateau(0.05, 0.5, 2), dict(loss="mae")))
    cases.append(("diverging", 0.2, dict(start=(3.0, -2.0))))
    import torch  # noqa: F401  (present: checked by skipif)

    for name, lr, kwargs in cases:
        code = export.pytorch_script(DATA, lr, steps=STEPS, start=(0.5, -1.0), **kwargs) \
            if "start" not in kwargs else export.pytorch_script(DATA, lr, steps=STEPS, **kwargs)
        namespace = {}
        exec(compile(code, name, "exec"), namespace)  # our own generated script
        traj = lrcore.run(DATA, lr, steps=STEPS, **({"start": (0.5, -1.0)} | kwargs))
        assert_reproduces(np.array(namespace["history"]), traj, case=name)


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed: no signature check")
def test_documented_names_exist_in_torch_with_those_arguments():
    import torch

    for name, keywords in DOCUMENTED.items():
        if not name.startswith("torch."):
            continue
        obj = torch
        for part in name.split(".")[1:]:
            obj = getattr(obj, part)
        if keywords:
            assert keywords <= set(inspect.signature(obj).parameters), name


@pytest.mark.skipif(not HAVE_KERAS, reason="keras is not installed: no signature check")
def test_documented_names_exist_in_keras_with_those_arguments():
    os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported: its backend is read once
    import keras

    for name in [*DOCUMENTED, *DOCUMENTED_BASES]:
        if not name.startswith("keras."):
            continue
        obj = keras
        for part in name.split(".")[1:]:
            obj = getattr(obj, part)
        keywords = DOCUMENTED.get(name, set())
        if keywords:
            assert keywords <= set(inspect.signature(obj).parameters), name
    assert {"build", "update_step"} <= set(vars(keras.optimizers.Optimizer)) | {
        name for base in keras.optimizers.Optimizer.__mro__ for name in vars(base)}


#: Every schedule, full batch: each Keras form runs for real.
KERAS_CASES = sorted(all_schedules())

KERAS_RUNNER = """
import json, sys
codes = json.loads(sys.stdin.read())
results = {}
for name, code in codes.items():
    namespace = {}
    exec(compile(code, name, "exec"), namespace)  # the project's own generated scripts
    results[name] = [namespace["w"], namespace["b"]]
print("RESULTS", json.dumps(results))
"""


#: Mini-batch runs: Keras' fit is fed the app's own batches, so it lands where the app does.
#: Momentum under a schedule too: the script's own optimizer follows PyTorch's rule.
KERAS_BATCH_CASES = {
    **{f"{name}-batch": (schedules.exponential_decay(0.01, 30, 0.5), dict(optimizer=opt, batch_size=7, seed=3))
       for name, opt in OPTIMIZERS.items()},
    "nesterov-cosine-full": (schedules.cosine_decay(0.02, 60), dict(optimizer=OPTIMIZERS["nesterov"])),
    "plateau-rel-batch": (schedules.reduce_on_plateau(0.05, 0.5, 2, threshold=0.05), dict(batch_size=7, seed=3)),
    "plateau-abs-batch-mae": (schedules.reduce_on_plateau(0.05, 0.5, 1, 1e-3, "abs", cooldown=1), dict(
        loss="mae", batch_size=9)),
    "plateau-rel-full": (schedules.reduce_on_plateau(0.05, 0.5, 3, threshold=0.02), dict()),
    # the plateau's rules each at work (test_the_plateau_cases_exercise_every_rule): cuts, the floor, the 1e-8 rule
    "plateau-cuts": (schedules.reduce_on_plateau(0.05, 0.5, 0, threshold=0.05), dict(batch_size=7, seed=1)),
    "plateau-floor": (schedules.reduce_on_plateau(0.05, 0.1, 0, 0.05, cooldown=2, min_lr=1e-3), dict()),
    "plateau-eps": (schedules.reduce_on_plateau(1e-6, 0.1, 0, threshold=0.5), dict(loss="mae", batch_size=4)),
    "mae-batch": (schedules.cosine_decay(0.05, 60), dict(loss="mae", batch_size=9)),
    "huber-batch": (schedules.cosine_decay(0.05, 60), dict(loss="huber", batch_size=9, seed=5)),
}


@pytest.mark.skipif(not HAVE_KERAS, reason="keras (with the torch backend) is not installed")
def test_keras_scripts_run_and_land_where_we_do():
    """Keras 3 on its torch backend, one interpreter for all the scripts."""
    codes = {name: export.keras_script(DATA, all_schedules()[name], steps=60, start=(0.5, -1.0))
             for name in KERAS_CASES}
    codes |= {name: export.keras_script(DATA, lr, steps=60, start=(0.5, -1.0), **kwargs)
              for name, (lr, kwargs) in KERAS_BATCH_CASES.items()}
    out = subprocess.run([sys.executable, "-c", KERAS_RUNNER], input=json.dumps(codes), capture_output=True,
                         text=True, timeout=600, env={**os.environ, "KERAS_BACKEND": "torch"})
    assert out.returncode == 0, out.stderr[-2000:]
    line = [l for l in out.stdout.splitlines() if l.startswith("RESULTS ")][0]
    results = json.loads(line[8:])
    size = lambda traj: abs(traj.w[0, -1]) * np.abs(DATA.x).max() + abs(traj.b[0, -1])  # see same_line
    for name in KERAS_CASES:
        traj = lrcore.run(DATA, all_schedules()[name], steps=60, start=(0.5, -1.0))
        w, b = results[name]
        assert w == pytest.approx(traj.w[0, -1], rel=1e-6), name
        assert abs(b - traj.b[0, -1]) <= 1e-6 * size(traj), name
    for name, (lr, kwargs) in KERAS_BATCH_CASES.items():
        traj = lrcore.run(DATA, lr, steps=60, start=(0.5, -1.0), **kwargs)
        w, b = results[name]
        assert w == pytest.approx(traj.w[0, -1], rel=1e-6), name
        assert abs(b - traj.b[0, -1]) <= 1e-6 * size(traj), name


RESULT = re.compile(r"after (\d+) steps: w = (\S+), b = (\S+), loss = (\S+)$")


def printed_numbers(line):
    """(steps, w, b, loss) of a script's last line."""
    found = RESULT.match(line)
    assert found, line
    return int(found[1]), *(float(v) for v in found.groups()[1:])


def assert_same_result(printed, traj, rel, reach=None, loss_rel=None):
    """The script's last line is the line printed_result writes from our run (see same_line)."""
    same_line(printed, export.printed_result(traj.steps, traj.w[0, -1], traj.b[0, -1], traj.loss[0, -1],
                                             int(traj.diverged_at[0]) if traj.diverged_at[0] >= 0 else None),
              rel, reach, loss_rel)


def same_line(printed, shown, rel, reach=None, loss_rel=None):
    """A script's last line against the line the app shows: the same
    divergence sentence, or the same steps and numbers to ``rel`` (the loss
    to ``loss_rel`` if given). With ``reach`` (the largest |x|), b is held to
    ``rel`` of the line's size, |w|*reach + |b|, not of itself: float32
    products (Keras on torch) err by a share of the line's values, and b can
    be near 0."""
    if shown.startswith("Diverged"):
        assert printed == shown
        return
    steps, *got = printed_numbers(printed)
    shown_steps, *expected = printed_numbers(shown)
    assert steps == shown_steps
    message = f"{printed!r} vs {shown!r}"
    w, b, loss = expected
    np.testing.assert_allclose(got[0], w, rtol=rel, atol=0, err_msg=message)
    np.testing.assert_allclose(got[2], loss, rtol=rel if loss_rel is None else loss_rel, atol=0, err_msg=message)
    size = abs(b) if reach is None else abs(w) * reach + abs(b)
    assert abs(got[1] - b) <= rel * size, message


PRINT_CASES = {
    "gd-full": (0.01, dict()),
    "adam-batch-huber": (schedules.cosine_decay(0.05, 60), dict(optimizer=optimizers.adam(), loss="huber",
                                                               batch_size=9, seed=2)),
    "plateau-mae": (schedules.reduce_on_plateau(0.05, 0.5, 2), dict(loss="mae")),
    "diverging": (0.2, dict(start=(3.0, -2.0))),
    "diverging-batch": (0.5, dict(batch_size=7, seed=1)),
}


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("case", sorted(PRINT_CASES))
def test_the_pytorch_script_prints_our_result_or_where_we_say_it_diverged(case):
    """Run in a fresh interpreter as a learner runs it: its last line is our
    run's final w, b and loss to 1e-9, or the app's 'Diverged at step N', and
    it stops there."""
    lr, kwargs = PRINT_CASES[case]
    kwargs = {"start": (0.5, -1.0)} | kwargs
    traj = lrcore.run(DATA, lr, steps=60, **kwargs)
    history, printed = run_script(export.pytorch_script(DATA, lr, steps=60, **kwargs))
    assert_same_result(printed, traj, 1e-9)
    diverged = int(traj.diverged_at[0])
    assert len(history) == (diverged + 1 if diverged >= 0 else 61)
    if case.startswith("diverging"):
        assert diverged >= 0 and printed.startswith(f"Diverged at step {diverged}: ")


@pytest.mark.skipif(not HAVE_KERAS, reason="keras (with the torch backend) is not installed")
def test_the_keras_script_prints_our_result_or_where_we_say_it_diverged():
    """The same with Keras on its torch backend, one interpreter for every case.
    Keras multiplies float64 in float32 there (Dense's matmul: keras-team/keras#23704),
    so its numbers agree to about 1e-7, not to float64's last digits."""
    codes = {case: export.keras_script(DATA, lr, steps=60, **({"start": (0.5, -1.0)} | kwargs))
             for case, (lr, kwargs) in PRINT_CASES.items()}
    runner = ("import contextlib, io, json, sys\ncodes = json.loads(sys.stdin.read())\nout = {}\n"
              "for name, code in codes.items():\n    buffer, namespace = io.StringIO(), {}\n"
              "    with contextlib.redirect_stdout(buffer):\n"
              "        exec(compile(code, name, 'exec'), namespace)  # the project's own generated scripts\n"
              "    out[name] = [buffer.getvalue().splitlines()[-1], len(namespace['history'])]\n"
              "print('RESULTS', json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", runner], input=json.dumps(codes), capture_output=True, text=True,
                          timeout=600, env={**os.environ, "KERAS_BACKEND": "torch"})
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads([l for l in done.stdout.splitlines() if l.startswith("RESULTS ")][0][8:])
    for case, (lr, kwargs) in PRINT_CASES.items():
        traj = lrcore.run(DATA, lr, steps=60, **({"start": (0.5, -1.0)} | kwargs))
        printed, rows = results[case]
        assert_same_result(printed, traj, 1e-6, reach=float(np.abs(DATA.x).max()))
        diverged = int(traj.diverged_at[0])
        assert rows == (diverged + 1 if diverged >= 0 else 61), case


DATA_KEYS = {"n", "w", "b", "noise", "x_min", "x_max", "outliers", "seed"}

#: The schedules page (the page that shows code) at its defaults, and on a second
#: dataset with another optimizer, loss, batch and schedule: (query, session state).
PAGE_CASES = {
    "defaults": ({}, {}),
    "second dataset": ({"n": 200, "w": -3.0, "noise": 3.0, "seed": 5, "sched_opt": "adam", "sched_loss": "huber",
                        "sched_batch": 0, "sched_steps": 400}, {"sched_code_pick": "exponential_decay"}),
    "diverging": ({"sched_lr": "0.5", "sched_batch": 0}, {}),
}


@pytest.mark.skipif(not HAVE_KERAS, reason="keras and torch are not installed: the page's scripts cannot run")
@pytest.mark.parametrize("case", sorted(PAGE_CASES))
def test_the_scripts_the_schedules_page_shows_print_the_line_it_says_they_print(case):
    """The page under AppTest, its two scripts each in a fresh interpreter:
    PyTorch's last line is the page's to 1e-9, Keras' (float32 products on
    its torch backend) to 1e-6."""
    from app_helpers import open_page

    query, session = PAGE_CASES[case]
    at = open_page("pages/4_Schedules.py", query, session)
    assert not at.exception
    keras_code, torch_code, shown = (element.proto.code_text for element in list(at.get("code"))[:3])
    assert "keras.Sequential(" in keras_code and "torch.nn.Linear(" in torch_code and shown
    if session:
        assert "ExponentialDecay" in keras_code and "Adam" in keras_code and "Huber" in keras_code
    _, printed = run_script(torch_code)
    same_line(printed, shown, 1e-9)
    done = subprocess.run([sys.executable, "-c", keras_code], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "KERAS_BACKEND": "torch"})
    assert done.returncode == 0, done.stderr[-2000:]
    data = lrcore.make_data(**state.DataSettings(**{k: v for k, v in query.items() if k in DATA_KEYS}).recipe())
    same_line(done.stdout.splitlines()[-1], shown, 1e-6, reach=float(np.abs(data.x).max()))
    if HAVE_TENSORFLOW:  # the course's backend, as the page says (in CI, always)
        done = subprocess.run([sys.executable, "-c", keras_code], capture_output=True, text=True, timeout=600,
                              env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"})
        assert done.returncode == 0, done.stderr[-2000:]
        same_line(done.stdout.splitlines()[-1], shown, 1e-5, reach=float(np.abs(data.x).max()), loss_rel=1e-3)
    elif os.environ.get("CI"):
        pytest.fail("tensorflow must be installed in CI (requirements-frameworks.txt)")
    labels = [button.proto.label for button in at.get("download_button")]
    assert "This run as a Keras notebook (.ipynb)" in labels and "This run as a PyTorch notebook (.ipynb)" in labels


HAVE_JUPYTER = all(importlib.util.find_spec(name) is not None
                   for name in ("nbformat", "nbclient", "ipykernel", "matplotlib"))


@pytest.fixture
def own_kernel(tmp_path, monkeypatch):
    """A Jupyter kernel that is this test's own Python (the kernelspec
    installed as "python3" runs whichever "python" is first on PATH)."""
    folder = tmp_path / "kernels" / "lre-tests"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "this test's Python", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return "lre-tests"


@pytest.mark.skipif(not (HAVE_KERAS and HAVE_JUPYTER), reason="the frameworks or Jupyter's nbclient, ipykernel "
                    "and matplotlib are not installed (requirements-frameworks.txt)")
@pytest.mark.parametrize("case", sorted(PAGE_CASES))
def test_the_schedules_pages_notebooks_run_headless_and_print_the_pages_line(case, own_kernel, tmp_path):
    """The page's two scripts as notebooks (ui.notebook), executed by nbclient
    in a kernel of this Python: the note and the link first, every cell runs,
    the result cell prints the page's line, and the plot cell draws."""
    import nbclient
    import nbformat
    from app_helpers import open_page

    from ui import notebook

    query, session = PAGE_CASES[case]
    at = open_page("pages/4_Schedules.py", query, session)
    keras_code, torch_code, shown = (element.proto.code_text for element in list(at.get("code"))[:3])
    data = lrcore.make_data(**state.DataSettings(**{k: v for k, v in query.items() if k in DATA_KEYS}).recipe())
    for framework, code, rel in (("pytorch", torch_code, 1e-9), ("keras", keras_code, 1e-6)):
        text = notebook.notebook(code, framework, exploring="You were comparing schedules.",
                                 link="http://localhost:8501/Schedules?sched_steps=400")
        nb = nbformat.reads(text, as_version=4)
        assert nb.cells[0].cell_type == "markdown"
        assert "You were comparing schedules." in nb.cells[0].source
        assert "(http://localhost:8501/Schedules?sched_steps=400)" in nb.cells[0].source
        nbclient.NotebookClient(nb, timeout=600, kernel_name=own_kernel,
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
        printed = "".join(output.get("text", "") for output in nb.cells[4].outputs).splitlines()[-1]
        same_line(printed, shown, rel, reach=float(np.abs(data.x).max()))
        drawn = [output for output in nb.cells[-1].outputs if "image/png" in output.get("data", {})]
        assert drawn, nb.cells[-1].outputs


#: Keras on TensorFlow, the course's own backend: its built-in schedules and
#: Adam compute in float32 there, so w and b agree to 1e-5 and the loss, near
#: its floor, to 1e-3 (measured: 4.5e-6 and 1.2e-4 at worst, Adam on Huber).
TENSORFLOW_RUNNER = """
import contextlib, io, json, sys
codes = json.loads(sys.stdin.read())
out = {}
for name, code in codes.items():
    buffer, namespace = io.StringIO(), {}
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, name, "exec"), namespace)  # the project's own generated scripts
    out[name] = [buffer.getvalue().splitlines()[-1], len(namespace["history"])]
print("RESULTS", json.dumps(out))
"""


@pytest.mark.skipif(not HAVE_TENSORFLOW, reason="tensorflow is not installed (requirements-frameworks.txt)")
def test_keras_scripts_run_on_tensorflow_the_courses_backend_and_land_where_we_do():
    """Every schedule, optimizer, loss, batch and the diverging runs, on
    KERAS_BACKEND=tensorflow in one interpreter: each prints our line (w and
    b to 1e-5, b against the line's size; the loss to 1e-3) or where we say
    the run diverged, and stops there."""
    cases = {f"schedule {name}": (schedule, {}) for name, schedule in all_schedules().items()}
    cases |= KERAS_BATCH_CASES | PRINT_CASES
    codes = {name: export.keras_script(DATA, lr, steps=60, **({"start": (0.5, -1.0)} | kwargs))
             for name, (lr, kwargs) in cases.items()}
    done = subprocess.run([sys.executable, "-c", TENSORFLOW_RUNNER], input=json.dumps(codes), capture_output=True,
                          text=True, timeout=900,
                          env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("RESULTS "))[8:])
    for name, (lr, kwargs) in cases.items():
        traj = lrcore.run(DATA, lr, steps=60, **({"start": (0.5, -1.0)} | kwargs))
        printed, rows = results[name]
        assert_same_result(printed, traj, 1e-5, reach=float(np.abs(DATA.x).max()), loss_rel=1e-3)
        diverged = int(traj.diverged_at[0])
        assert rows == (diverged + 1 if diverged >= 0 else 61), name


def test_the_plateau_cases_exercise_every_rule():
    """The Keras plateau cases are not idle: the app's rates are cut several
    times, hold at min_lr, and stop near 1e-8 where a cut would change less
    than 1e-8 (PyTorch's eps), so each rule decides those runs."""
    rates = {name: lrcore.run(DATA, lr, steps=60, start=(0.5, -1.0), **kwargs).lr[0]
             for name, (lr, kwargs) in KERAS_BATCH_CASES.items() if name.startswith("plateau-")}
    assert len(set(rates["plateau-cuts"])) >= 4
    assert rates["plateau-floor"][-1] == 1e-3 and len(set(rates["plateau-floor"])) == 3
    assert 1e-8 <= rates["plateau-eps"][-1] < 1e-7 and len(set(rates["plateau-eps"])) == 3
