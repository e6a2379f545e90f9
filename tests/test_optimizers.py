"""The optimizers against PyTorch's update rules, written again here as a plain
scalar loop (Python floats, one run and one coordinate at a time, gradients
summed sample by sample), and against the theory of heavy-ball momentum."""

import copy
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcore
from lrcore import optimizers, theory
from lrcore.optimizers import adagrad, adam, get, rmsprop, sgd
from conftest import DATASETS


# --- the reference: PyTorch's rules, one scalar at a time ------------------------


class ScalarRule:
    """One coordinate of torch.optim.<name>, as its docs and single-tensor code
    state it, in Python floats."""

    def __init__(self, name, **hp):
        self.name, self.hp = name, hp
        self.t = 0
        self.buf = None  # SGD's momentum_buffer
        self.acc = 0.0  # Adagrad's sum, RMSprop's square_avg, Adam's exp_avg_sq
        self.avg = 0.0  # Adam's exp_avg

    def step(self, p, g, lr):
        hp = self.hp
        self.t += 1
        if self.name == "sgd":
            momentum = hp.get("momentum", 0.0)
            if momentum == 0.0:
                return p - lr * g
            self.buf = g if self.buf is None else momentum * self.buf + g
            d = g + momentum * self.buf if hp.get("nesterov", False) else self.buf
            return p - lr * d
        if self.name == "adagrad":
            self.acc = self.acc + g * g
            return p - lr * g / (math.sqrt(self.acc) + hp["eps"])
        if self.name == "rmsprop":
            alpha = hp["alpha"]
            self.acc = alpha * self.acc + (1 - alpha) * g * g
            return p - lr * g / (math.sqrt(self.acc) + hp["eps"])
        if self.name == "adam":
            b1, b2 = hp["beta1"], hp["beta2"]
            self.avg = b1 * self.avg + (1 - b1) * g
            self.acc = b2 * self.acc + (1 - b2) * g * g
            step_size = lr / (1 - b1**self.t)
            denom = math.sqrt(self.acc) / math.sqrt(1 - b2**self.t) + hp["eps"]
            return p - step_size * self.avg / denom
        raise AssertionError(self.name)


def reference_run(data, rate, steps, name, hp, loss="mse", start=(0.0, 0.0), batch_size=None, seed=0):
    """One run: (w, b) lists of steps+1 entries. Batches as lrcore.run draws
    them: per epoch rng.permutation(n), consecutive slices, last one kept."""
    x = [float(v) for v in data.x]
    y = [float(v) for v in data.y]
    n = len(x)
    w, b = start
    rule_w, rule_b = ScalarRule(name, **hp), ScalarRule(name, **hp)
    rng = np.random.default_rng(seed)
    per_epoch = n if batch_size is None else math.ceil(n / batch_size)
    order = list(range(n))
    ws, bs = [w], [b]
    for t in range(steps):
        epoch, j = divmod(t, per_epoch)
        if batch_size is None:
            batch = order
        else:
            if j == 0:
                order = [int(i) for i in rng.permutation(n)]
            batch = order[j * batch_size:(j + 1) * batch_size]
        gw = gb = 0.0
        for i in batch:
            r = w * x[i] + b - y[i]
            if loss == "mse":
                slope = 2.0 * r
            else:  # mae: sign(r), sign(0) = 0
                slope = (r > 0) - (r < 0)
            gw += slope * x[i]
            gb += slope
        gw, gb = gw / len(batch), gb / len(batch)
        lr = float(rate(t)) if callable(rate) else float(rate)
        w, b = rule_w.step(w, gw, lr), rule_b.step(b, gb, lr)
        ws.append(w)
        bs.append(b)
    return ws, bs


# (name, hyperparameters, rate scale). The rates stay where the runs contract:
# an adaptive method hovering about the minimum at a large rate is chaotic (a
# rounding difference doubles every few steps), and heavy-ball momentum past
# its edge diverges; neither would test the update rule.
SETTINGS = [
    ("adagrad", {"eps": 1e-10}, 1.0),
    ("adagrad", {"eps": 1e-3}, 1.0),
    ("rmsprop", {"alpha": 0.99, "eps": 1e-8}, 1.0),
    ("rmsprop", {"alpha": 0.9, "eps": 1e-6}, 1.0),
    ("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, 1.0),
    ("adam", {"beta1": 0.5, "beta2": 0.9, "eps": 1e-6}, 1.0),
    ("adam", {"beta1": 0.0, "beta2": 0.99, "eps": 1e-8}, 1.0),
    ("sgd", {"momentum": 0.9}, 0.2),
    ("sgd", {"momentum": 0.5, "nesterov": True}, 0.2),
]


def factory(name, hp):
    return {"sgd": sgd, "adagrad": adagrad, "rmsprop": rmsprop, "adam": adam}[name](**hp)


def rates_for(scale):
    """K = 4 runs in one call: two constant rates and two schedules."""

    def decaying(t):
        return scale * 0.03 * 0.98**t

    def stepped(t):
        return np.where(np.asarray(t) < 80, scale * 0.03, scale * 0.005)

    return [scale * 0.01, scale * 0.02, decaying, stepped]


def assert_matches_reference(data, name, hp, rates, steps, **kw):
    traj = lrcore.run(data, rates, steps=steps, optimizer=factory(name, hp), **kw)
    assert (traj.diverged_at == -1).all()
    for k, rate in enumerate(rates):
        w, b = reference_run(data, rate, steps, name, hp, **kw)
        np.testing.assert_allclose(traj.w[k], w, rtol=1e-10, atol=1e-12, err_msg=f"w, run {k}")
        np.testing.assert_allclose(traj.b[k], b, rtol=1e-10, atol=1e-12, err_msg=f"b, run {k}")


def setting_id(value):
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return f"lr x{value}"


@pytest.mark.parametrize("name, hp, scale", SETTINGS, ids=setting_id)
def test_full_batch_mse_matches_the_scalar_reference(name, hp, scale):
    data = lrcore.make_data(n=12, seed=21)
    assert_matches_reference(data, name, hp, rates_for(scale), 200, start=(-1.0, 3.0))


@pytest.mark.parametrize("name, hp, scale", SETTINGS, ids=setting_id)
def test_mini_batches_match_the_scalar_reference(name, hp, scale):
    """n=10, batch 4: batches of 4, 4 and 2, reshuffled every epoch."""
    data = lrcore.make_data(n=10, seed=22)
    assert_matches_reference(data, name, hp, rates_for(scale), 200, start=(3.0, -2.0), batch_size=4, seed=7)


@pytest.mark.parametrize("name, hp, scale", [SETTINGS[0], SETTINGS[2], SETTINGS[4]], ids=setting_id)
def test_mae_matches_the_scalar_reference(name, hp, scale):
    data = lrcore.make_data(n=15, outliers=0.2, seed=23)
    assert_matches_reference(data, name, hp, rates_for(scale), 200, loss="mae", start=(-2.0, 5.0))


# --- shapes, purity, arguments ---------------------------------------------------


ALL = [sgd(), sgd(momentum=0.9), sgd(momentum=0.9, nesterov=True), adagrad(), rmsprop(), adam()]


@pytest.mark.parametrize("opt", ALL, ids=lambda o: f"{o.name}{o.params}")
def test_state_shapes_and_no_mutation(opt):
    params = np.arange(6.0).reshape(3, 2)
    state = opt.init(params)
    for value in state:
        if isinstance(value, np.ndarray):
            assert value.shape == (3, 2) and value.dtype == np.float64
    grads = np.array([[1.0, -2.0], [0.5, 0.0], [-3.0, 4.0]])
    lr = np.array([0.1, 0.2, 0.3])
    for _ in range(3):
        before = (grads.copy(), lr.copy(), copy.deepcopy(state), params.copy())
        step, new_state = opt.update(grads, state, lr)
        assert step.shape == (3, 2)
        np.testing.assert_array_equal(grads, before[0])
        np.testing.assert_array_equal(lr, before[1])
        np.testing.assert_array_equal(params, before[3])
        for old, kept in zip(state, before[2]):
            np.testing.assert_array_equal(old, kept)
        assert type(new_state) is type(state)
        state = new_state


def test_adagrad_rmsprop_adam_state_fields():
    zeros = np.zeros((4, 2))
    assert adagrad().init(zeros)._fields == ("sum",)
    assert rmsprop().init(zeros)._fields == ("square_avg",)
    state = adam().init(zeros)
    assert state._fields == ("count", "exp_avg", "exp_avg_sq") and state.count == 0
    _, state = adam().update(np.ones((4, 2)), state, np.full(4, 0.1))
    _, state = adam().update(np.ones((4, 2)), state, np.full(4, 0.1))
    assert state.count == 2


def test_is_plain_gd_only_without_momentum():
    """The flag run uses to take its fast path: true exactly when the step is -lr*g."""
    grads, lr = np.array([[1.0, -2.0]]), np.array([0.1])
    for opt in (sgd(), sgd(momentum=0.9), sgd(momentum=0.5, nesterov=True), adagrad(), rmsprop(), adam()):
        state = opt.init(np.zeros((1, 2)))
        steps = []
        for _ in range(2):
            step, state = opt.update(grads, state, lr)
            steps.append(step)
        plain = all(np.array_equal(step, -lr[:, None] * grads) for step in steps)
        assert opt.is_plain_gd is plain


#: Each name as PyTorch's class with its keyword arguments (the name's own
#: choice for "momentum" and "nesterov", PyTorch's defaults for the rest).
TORCH_EQUIVALENT = {
    "sgd": ("sgd", {}),  # torch.optim.SGD(params, lr): momentum=0
    "momentum": ("sgd", {"momentum": 0.9}),  # SGD(params, lr, momentum=0.9)
    "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),  # SGD(..., momentum=0.9, nesterov=True)
    "adagrad": ("adagrad", {"eps": 1e-10}),  # Adagrad(params, lr)
    "rmsprop": ("rmsprop", {"alpha": 0.99, "eps": 1e-8}),  # RMSprop(params, lr)
    "adam": ("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),  # Adam(params, lr)
}
GRADS = [np.array([[0.5, -2.0], [3.0, 1e-3]]), np.array([[-1.0, 4.0], [2.5, 0.0]]), np.array([[0.2, 0.2], [-7.0, 1.0]])]
RATES = np.array([0.1, 0.03])


def torch_steps(rule, hp):
    """The steps of three updates by PyTorch's published rule, one scalar at a time."""
    steps = np.empty((len(GRADS), 2, 2))
    for k in range(2):
        for j in range(2):
            reference = ScalarRule(rule, **hp)
            for t, grads in enumerate(GRADS):
                steps[t, k, j] = reference.step(0.0, float(grads[k, j]), float(RATES[k]))  # from 0: the step
    return steps


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_every_name_steps_as_pytorch_with_its_defaults(name):
    opt = get(name)
    state = opt.init(np.zeros((2, 2)))
    expected = torch_steps(*TORCH_EQUIVALENT[name])
    for t, grads in enumerate(GRADS):
        step, state = opt.update(grads, state, RATES)
        np.testing.assert_allclose(step, expected[t], rtol=1e-13, atol=1e-300, err_msg=f"{name}, update {t}")
    assert get(name.upper()).params == opt.params  # any case


def test_each_name_accepts_exactly_its_params_and_they_change_the_steps():
    values = {"momentum": 0.5, "nesterov": True, "alpha": 0.5, "beta1": 0.5, "beta2": 0.5, "eps": 1e-3}
    for name, spec in optimizers.OPTIMIZERS.items():
        rule, defaults = TORCH_EQUIVALENT[name]
        for param, value in values.items():
            if param not in spec.params:
                with pytest.raises(ValueError, match=f"unknown parameter '{param}'"):
                    get(name, **{param: value})
                continue
            if param == "nesterov":
                given = {"momentum": 0.5, "nesterov": True}
            else:
                given = {param: value}
            opt = get(name, **given)
            state = opt.init(np.zeros((2, 2)))
            expected = torch_steps(rule, {**defaults, **given})
            for t, grads in enumerate(GRADS):
                step, state = opt.update(grads, state, RATES)
                np.testing.assert_allclose(step, expected[t], rtol=1e-13, atol=1e-300, err_msg=f"{name} {given}")


def test_configured_builds_any_optimizer_from_one_dict_of_settings():
    settings = {"momentum": 0.5, "alpha": 0.5, "beta1": 0.5, "beta2": 0.5, "eps": 1e-3, "delta": 9.0, "lr": 7.0}
    for name, (rule, defaults) in TORCH_EQUIVALENT.items():
        opt = optimizers.configured(name, settings)
        taken = {k: v for k, v in settings.items() if k in optimizers.OPTIMIZERS[name].params}
        expected = torch_steps(rule, {**defaults, **taken})
        state = opt.init(np.zeros((2, 2)))
        for t, grads in enumerate(GRADS):
            step, state = opt.update(grads, state, RATES)
            np.testing.assert_allclose(step, expected[t], rtol=1e-13, atol=1e-300, err_msg=name)
    # "momentum" stays heavy-ball and "nesterov" Nesterov whatever the dict says
    assert optimizers.configured("momentum", {"nesterov": True}).params["nesterov"] is False
    assert optimizers.configured("nesterov", {"nesterov": False, "momentum": 0.5}).params["nesterov"] is True
    with pytest.raises(ValueError, match="beta1 must be a real number in \\[0, 1\\), got '0.5'"):
        optimizers.configured("adam", {"beta1": "0.5"})
    with pytest.raises(ValueError, match="settings"):
        optimizers.configured("adam", None)


def test_get_returns_an_optimizer_object_as_it_is():
    opt = adam()
    assert get(opt) is opt


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: get("adamw"), "adamw"),
        (lambda: get(3), "optimizer must be one of 'sgd', .*, got 3"),
        (lambda: get("adam", momentum=0.9), "momentum"),
        (lambda: get("momentum", nesterov=True), "nesterov"),
        (lambda: get("adagrad", alpha=0.5), "alpha"),
        (lambda: get(adam(), eps=1.0), "optimizer object"),
        (lambda: get("nesterov", momentum=0.0), "momentum"),
        (lambda: adam(beta1=1.0), "beta1"),
        (lambda: adam(beta1=-0.1), "beta1"),
        (lambda: adam(beta2=1.0), "beta2"),
        (lambda: adam(beta2=float("nan")), "beta2"),
        (lambda: adam(eps=0.0), "eps"),
        (lambda: adam(eps=float("inf")), "eps"),
        (lambda: adam(eps=-1e-8), "eps"),
        (lambda: adam(beta1=True), "beta1"),
        (lambda: adam(beta1="0.9"), "beta1"),
        (lambda: rmsprop(alpha=1.0), "alpha"),
        (lambda: rmsprop(alpha=-0.5), "alpha"),
        (lambda: rmsprop(eps=float("nan")), "eps"),
        (lambda: adagrad(eps=0), "eps"),
        (lambda: adagrad(eps=None), "eps"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# --- numbers to check by hand ----------------------------------------------------


def test_adam_first_step_is_lr_per_coordinate():
    """Step 1: exp_avg = 0.1 g, exp_avg_sq = 0.001 g**2; step_size = lr/0.1,
    denom = |g| + eps, so step = -lr * g/(|g| + eps): size lr, whatever |g| is."""
    grads = np.array([[1e-4, -3.0], [250.0, -1e6]])
    lr = np.array([0.01, 0.5])
    step, _ = adam().update(grads, adam().init(np.zeros((2, 2))), lr)
    expected = -lr[:, None] * grads / (np.abs(grads) + 1e-8)
    np.testing.assert_allclose(step, expected, rtol=1e-12)
    np.testing.assert_allclose(np.abs(step), lr[:, None] * np.ones((2, 2)), rtol=1e-4)


def test_rmsprop_first_step_is_ten_lr_at_the_default_alpha():
    """square_avg = 0.01 g**2, so the first step is -lr*g/(0.1|g|) = -10 lr sign(g)."""
    step, _ = rmsprop().update(np.array([[2.0, -7.0]]), rmsprop().init(np.zeros((1, 2))), np.array([0.01]))
    np.testing.assert_allclose(step, [[-0.1, 0.1]], rtol=1e-7)


def test_adagrad_steps_shrink_like_one_over_sqrt_t_for_a_constant_gradient():
    """sum = t g**2 after t steps, so step t is -lr/sqrt(t)."""
    opt = adagrad()
    state = opt.init(np.zeros((1, 2)))
    for t in range(1, 6):
        step, state = opt.update(np.array([[5.0, -0.5]]), state, np.array([0.2]))
        np.testing.assert_allclose(step, [[-0.2 / math.sqrt(t), 0.2 / math.sqrt(t)]], rtol=1e-9)


@given(
    g=st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False),
    lr=st.floats(0.0, 1e308, allow_nan=False, allow_infinity=False),
    steps=st.integers(1, 4),
    which=st.sampled_from([adagrad(), rmsprop(), rmsprop(alpha=0.0), adam(), adam(beta1=0.0, beta2=0.0)]),
)
@settings(max_examples=150, deadline=None)
def test_any_finite_input_never_warns(g, lr, steps, which):
    state = which.init(np.zeros((2, 2)))
    grads = np.array([[g, -g], [g / 3, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(steps):
            step, state = which.update(grads, state, np.array([lr, lr / 2]))
    assert step.shape == (2, 2)


# --- momentum and the theory's edge of divergence --------------------------------


@pytest.mark.parametrize("name", ["default", "negative-x", "x-near-1000-standardized"])
def test_heavy_ball_edge_is_lr_max_stable_momentum(name):
    """Below 2(1 + m)/lambda_max the heavy ball converges, above it it diverges."""
    data = DATASETS[name]()
    edge = theory.lr_max_stable_momentum(data, 0.9)
    w_star, b_star = theory.curvature(data).minimizer
    start = (w_star + 3.0, b_star - 2.0)
    traj = lrcore.run(data, [0.99 * edge, 1.01 * edge], steps=3000, start=start, optimizer=sgd(momentum=0.9))
    assert traj.diverged_at[0] == -1
    distance = np.hypot(traj.w[0] - w_star, traj.b[0] - b_star)
    assert distance[-1] < 1e-8 * distance[0]
    assert traj.diverged_at[1] > 0


# --- PyTorch itself, when it is installed ----------------------------------------


def test_matches_torch_optim_directly():
    torch = pytest.importorskip(
        "torch", reason="torch is not installed: the scalar reference above stands in for it"
    )
    data = lrcore.make_data(n=12, seed=21)
    x = torch.tensor(data.x, dtype=torch.float64)
    y = torch.tensor(data.y, dtype=torch.float64)
    optim = torch.optim
    cases = [  # (ours, torch's, rate)
        (adagrad(), lambda p, lr: optim.Adagrad(p, lr=lr), 0.05),
        (rmsprop(alpha=0.9, eps=1e-6), lambda p, lr: optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-6), 0.02),
        (rmsprop(), lambda p, lr: optim.RMSprop(p, lr=lr), 0.01),
        (adam(), lambda p, lr: optim.Adam(p, lr=lr), 0.02),
        (adam(0.5, 0.9, 1e-6), lambda p, lr: optim.Adam(p, lr=lr, betas=(0.5, 0.9), eps=1e-6), 0.02),
        (sgd(momentum=0.9), lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9), 0.005),
        (sgd(momentum=0.9, nesterov=True), lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9, nesterov=True), 0.005),
    ]
    for opt, make, lr in cases:
        traj = lrcore.run(data, lr, steps=200, start=(-1.0, 3.0), optimizer=opt)
        w = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
        # foreach=False: the single-tensor path our arithmetic follows
        torch_opt = make([w, b], lr)
        for group in torch_opt.param_groups:
            group["foreach"] = False
        ws, bs = [w.item()], [b.item()]
        for _ in range(200):
            torch_opt.zero_grad()
            torch.mean((w * x + b - y) ** 2).backward()
            torch_opt.step()
            ws.append(w.item())
            bs.append(b.item())
        assert traj.diverged_at[0] == -1
        np.testing.assert_allclose(traj.w[0], ws, rtol=1e-10, atol=1e-12, err_msg=f"{opt.name} {opt.params}")
        np.testing.assert_allclose(traj.b[0], bs, rtol=1e-10, atol=1e-12, err_msg=f"{opt.name} {opt.params}")
