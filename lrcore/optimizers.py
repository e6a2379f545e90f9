"""Optimizers: how a gradient becomes a step, for K runs at once.

An optimizer is a pair of pure functions, as in optax::

    state = opt.init(params)                  # params: (K, 2) rows [w, b]
    step, state = opt.update(grads, state, lr)  # grads: (K, 2), lr: (K,)
    params = params + step                    # the step carries sign and rate

The update rules and defaults are PyTorch's, step for step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from . import _checks

__all__ = [
    "NAMES",
    "OPTIMIZERS",
    "AdagradState",
    "AdamState",
    "Optimizer",
    "OptimizerSpec",
    "RMSpropState",
    "SGDState",
    "adagrad",
    "adam",
    "configured",
    "get",
    "rmsprop",
    "sgd",
]


@dataclass(frozen=True)
class Optimizer:
    """An ``init/update`` pair with a ``name`` and its ``params`` (a dict).

    >>> opt = sgd(momentum=0.9)
    >>> opt.name, opt.params, opt.is_plain_gd
    ('sgd', {'momentum': 0.9, 'nesterov': False}, False)
    """

    name: str
    params: dict = field(hash=False)
    init: Callable[[np.ndarray], Any] = field(repr=False, compare=False)
    update: Callable[[np.ndarray, Any, np.ndarray], tuple[np.ndarray, Any]] = field(
        repr=False, compare=False
    )

    @property
    def is_plain_gd(self) -> bool:
        """True for plain gradient descent, ``step = -lr*grad``."""
        return self.name == "sgd" and self.params.get("momentum", 0.0) == 0.0


class SGDState(NamedTuple):
    """``momentum_buffer``: (K, 2), the running sum PyTorch calls ``buf``.

    >>> sgd(momentum=0.5).init(np.zeros((3, 2))).momentum_buffer.shape
    (3, 2)
    """

    momentum_buffer: np.ndarray


def _decay(name: str, value) -> float:
    """A momentum or a moving average's decay: a real number in [0, 1)."""
    return _checks.real(name, value, low=0.0, high=1.0, high_open=True)


def _eps(value) -> float:
    """A denominator's guard: a finite real number > 0."""
    return _checks.real("eps", value, low=0.0, low_open=True)


def sgd(momentum: float = 0.0, nesterov: bool = False) -> Optimizer:
    """Gradient descent, with optional heavy-ball or Nesterov momentum.

    PyTorch's ``torch.optim.SGD`` with dampening 0: ``buf = momentum*buf + g``
    (``buf = g`` at the first step), then ``d = g + momentum*buf`` (Nesterov)
    or ``d = buf``, and ``step = -lr*d``. With ``momentum=0`` it is plain
    gradient descent, ``step = -lr*g``.

    Args:
        momentum: in [0, 1).
        nesterov: use Nesterov momentum (needs ``momentum > 0``).

    >>> opt = sgd(momentum=0.5)
    >>> state = opt.init(np.zeros((1, 2)))
    >>> step, state = opt.update(np.array([[1.0, 2.0]]), state, np.array([0.1]))
    >>> step, state = opt.update(np.array([[1.0, 2.0]]), state, np.array([0.1]))
    >>> step.tolist()  # -0.1 * (0.5*g + g)
    [[-0.15000000000000002, -0.30000000000000004]]
    """
    momentum = _decay("momentum", momentum)
    nesterov = _checks.flag("nesterov", nesterov)
    if nesterov and momentum == 0.0:
        raise ValueError("momentum must be > 0 for nesterov=True, got 0.0")

    def init(params: np.ndarray) -> SGDState:
        return SGDState(momentum_buffer=np.zeros_like(np.asarray(params, dtype=np.float64)))

    def update(grads: np.ndarray, state: SGDState, lr: np.ndarray) -> tuple[np.ndarray, SGDState]:
        rate = np.asarray(lr, dtype=np.float64)[:, None]
        if momentum == 0.0:
            return -rate * grads, state
        buf = momentum * state.momentum_buffer + grads
        direction = grads + momentum * buf if nesterov else buf
        return -rate * direction, SGDState(momentum_buffer=buf)

    return Optimizer("sgd", {"momentum": momentum, "nesterov": nesterov}, init, update)


# --- adaptive optimizers ----------------------------------------------------------
#
# Each update is written in the order of PyTorch's single-tensor path (foreach=False),
# so that float64 runs agree with torch.optim to the last few bits. A step is never
# computed in place: the caller's grads and state arrays are left as they were.
# np.errstate: a huge finite gradient squares to inf (the step is then 0, as in
# torch); that is data, not a warning.


def _floats(array) -> np.ndarray:
    return np.asarray(array, dtype=np.float64)


class AdagradState(NamedTuple):
    """``sum``: (K, 2), the running sum of squared gradients (PyTorch's
    ``state["sum"]``, starting at ``initial_accumulator_value = 0``).

    >>> adagrad().init(np.zeros((3, 2))).sum.shape
    (3, 2)
    """

    sum: np.ndarray


def adagrad(eps: float = 1e-10) -> Optimizer:
    """Adagrad: each coordinate's rate shrinks with its accumulated squared gradients.

    PyTorch's ``torch.optim.Adagrad`` with ``lr_decay=0``, ``weight_decay=0``,
    ``initial_accumulator_value=0``::

        sum  = sum + g*g
        step = -lr * g / (sqrt(sum) + eps)

    Shapes: ``init(params)`` with params (K, 2) gives :class:`AdagradState`;
    ``update(grads (K, 2), state, lr (K,)) -> (step (K, 2), state)``.

    Args:
        eps: added to the denominator, finite > 0 (PyTorch's default 1e-10).

    >>> opt = adagrad()
    >>> state = opt.init(np.zeros((1, 2)))
    >>> step, state = opt.update(np.array([[3.0, -4.0]]), state, np.array([0.1]))
    >>> step.tolist()  # -0.1 * g/(|g| + 1e-10): 0.1 per coordinate at the first step
    [[-0.09999999999666669, 0.0999999999975]]
    >>> step, state = opt.update(np.array([[3.0, 0.0]]), state, np.array([0.1]))
    >>> step.round(9).tolist(), state.sum.tolist()  # -0.1 * 3/sqrt(18)
    ([[-0.070710678, -0.0]], [[18.0, 16.0]])
    """
    eps = _eps(eps)

    def init(params: np.ndarray) -> AdagradState:
        return AdagradState(sum=np.zeros_like(_floats(params)))

    def update(grads: np.ndarray, state: AdagradState, lr: np.ndarray) -> tuple[np.ndarray, AdagradState]:
        g = _floats(grads)
        rate = _floats(lr)[:, None]
        with np.errstate(all="ignore"):
            total = state.sum + g * g
            step = (-rate * g) / (np.sqrt(total) + eps)
        return step, AdagradState(sum=total)

    return Optimizer("adagrad", {"eps": eps}, init, update)


class RMSpropState(NamedTuple):
    """``square_avg``: (K, 2), the moving average of squared gradients
    (PyTorch's ``state["square_avg"]``, starting at 0).

    >>> rmsprop().init(np.zeros((3, 2))).square_avg.shape
    (3, 2)
    """

    square_avg: np.ndarray


def rmsprop(alpha: float = 0.99, eps: float = 1e-8) -> Optimizer:
    """RMSprop: the gradient divided by the root of a moving average of its square.

    PyTorch's ``torch.optim.RMSprop`` with ``centered=False``, ``momentum=0``,
    ``weight_decay=0``::

        square_avg = alpha*square_avg + (1 - alpha)*g*g
        step       = -lr * g / (sqrt(square_avg) + eps)

    (No bias correction: the first steps are ``1/sqrt(1 - alpha)`` = 10 times
    ``lr`` per coordinate at the default alpha, as in PyTorch.)

    Shapes: ``init(params)`` with params (K, 2) gives :class:`RMSpropState`;
    ``update(grads (K, 2), state, lr (K,)) -> (step (K, 2), state)``.

    Args:
        alpha: the smoothing constant, in [0, 1) (PyTorch's default 0.99).
        eps: added to the denominator, finite > 0 (PyTorch's default 1e-8).

    >>> opt = rmsprop(alpha=0.75)
    >>> state = opt.init(np.zeros((1, 2)))
    >>> step, state = opt.update(np.array([[2.0, -2.0]]), state, np.array([0.1]))
    >>> state.square_avg.tolist()  # 0.25 * g*g
    [[1.0, 1.0]]
    >>> step.tolist()  # -0.1 * g / (1 + 1e-8)
    [[-0.19999999800000004, 0.19999999800000004]]
    """
    alpha = _decay("alpha", alpha)
    eps = _eps(eps)

    def init(params: np.ndarray) -> RMSpropState:
        return RMSpropState(square_avg=np.zeros_like(_floats(params)))

    def update(grads: np.ndarray, state: RMSpropState, lr: np.ndarray) -> tuple[np.ndarray, RMSpropState]:
        g = _floats(grads)
        rate = _floats(lr)[:, None]
        with np.errstate(all="ignore"):
            square_avg = alpha * state.square_avg + (1.0 - alpha) * g * g
            step = (-rate * g) / (np.sqrt(square_avg) + eps)
        return step, RMSpropState(square_avg=square_avg)

    return Optimizer("rmsprop", {"alpha": alpha, "eps": eps}, init, update)


class AdamState(NamedTuple):
    """Adam's state, named as in optax's ``ScaleByAdamState``: ``count``, the
    updates taken so far (an int, shared by the K runs; PyTorch's
    ``state["step"]``), ``exp_avg`` and ``exp_avg_sq``, (K, 2), the moving
    averages of the gradient and of its square.

    >>> state = adam().init(np.zeros((3, 2)))
    >>> state.count, state.exp_avg.shape, state.exp_avg_sq.shape
    (0, (3, 2), (3, 2))
    """

    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray


def adam(beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam: a moving average of the gradient over the root of one of its square,
    both corrected for their start at 0.

    PyTorch's ``torch.optim.Adam`` with ``amsgrad=False``, ``weight_decay=0``,
    in the order of its single-tensor path::

        exp_avg    = beta1*exp_avg + (1 - beta1)*g
        exp_avg_sq = beta2*exp_avg_sq + (1 - beta2)*g*g
        count      = count + 1
        step_size  = lr / (1 - beta1**count)
        denom      = sqrt(exp_avg_sq) / sqrt(1 - beta2**count) + eps
        step       = -step_size * exp_avg / denom

    The first step is ``-lr * g/(|g| + eps)``: about ``lr`` per coordinate,
    whatever the gradient's size. (PyTorch 2 writes the first line as
    ``exp_avg.lerp_(g, 1 - beta1)``, the same up to the last bit or so.)

    Shapes: ``init(params)`` with params (K, 2) gives :class:`AdamState`;
    ``update(grads (K, 2), state, lr (K,)) -> (step (K, 2), state)``.

    Args:
        beta1: decay of the gradient's average, in [0, 1) (PyTorch's default 0.9).
        beta2: decay of the squared gradient's average, in [0, 1) (default 0.999).
        eps: added to the denominator, finite > 0 (default 1e-8).

    >>> opt = adam()
    >>> state = opt.init(np.zeros((2, 2)))
    >>> grads = np.array([[1e-3, -50.0], [4.0, 0.0]])
    >>> step, state = opt.update(grads, state, np.array([0.01, 0.1]))
    >>> step.tolist()  # -lr * g/(|g| + 1e-8): lr per coordinate, 0 where g is 0
    [[-0.009999900000999989, 0.009999999997999998], [-0.09999999975000001, -0.0]]
    >>> state.count
    1
    """
    beta1 = _decay("beta1", beta1)
    beta2 = _decay("beta2", beta2)
    eps = _eps(eps)

    def init(params: np.ndarray) -> AdamState:
        zeros = np.zeros_like(_floats(params))
        return AdamState(count=0, exp_avg=zeros, exp_avg_sq=zeros.copy())

    def update(grads: np.ndarray, state: AdamState, lr: np.ndarray) -> tuple[np.ndarray, AdamState]:
        g = _floats(grads)
        rate = _floats(lr)[:, None]
        count = int(state.count) + 1
        # Python floats: beta**count underflows quietly to 0 for a long run
        bias_correction1 = 1.0 - beta1**count
        bias_correction2_sqrt = math.sqrt(1.0 - beta2**count)
        with np.errstate(all="ignore"):
            exp_avg = beta1 * state.exp_avg + (1.0 - beta1) * g
            exp_avg_sq = beta2 * state.exp_avg_sq + (1.0 - beta2) * g * g
            step_size = rate / bias_correction1
            denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
            step = (-step_size * exp_avg) / denom
        return step, AdamState(count=count, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)

    return Optimizer("adam", {"beta1": beta1, "beta2": beta2, "eps": eps}, init, update)


# --- by name ------------------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer the engine knows by name: what :func:`get` builds for it.

    Fields: ``name`` (the key in :data:`OPTIMIZERS`), ``label`` (the words a
    page shows for it), ``factory`` (the function that builds it),
    ``defaults`` (the factory arguments the name fixes, before any given
    ones) and ``params`` (the arguments :func:`get` accepts for it).

    >>> spec = OPTIMIZERS["nesterov"]
    >>> spec.label, spec.factory is sgd, spec.defaults, spec.params
    ('Nesterov', True, {'momentum': 0.9, 'nesterov': True}, ('momentum',))
    """

    name: str
    label: str
    factory: Callable[..., Optimizer] = field(repr=False)
    defaults: Mapping[str, Any] = field(hash=False)
    params: tuple[str, ...]


#: Every optimizer by name, in the order a page lists them.
OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        OptimizerSpec("sgd", "gradient descent", sgd, {}, ("momentum", "nesterov")),
        OptimizerSpec("momentum", "momentum", sgd, {"momentum": 0.9}, ("momentum",)),
        OptimizerSpec("nesterov", "Nesterov", sgd, {"momentum": 0.9, "nesterov": True}, ("momentum",)),
        OptimizerSpec("adagrad", "Adagrad", adagrad, {}, ("eps",)),
        OptimizerSpec("rmsprop", "RMSprop", rmsprop, {}, ("alpha", "eps")),
        OptimizerSpec("adam", "Adam", adam, {}, ("beta1", "beta2", "eps")),
    )
}

#: The names :func:`get` knows: the keys of :data:`OPTIMIZERS`.
NAMES = tuple(OPTIMIZERS)


def _spec(name) -> OptimizerSpec:
    return OPTIMIZERS[_checks.choice("optimizer", name, NAMES, ignore_case=True)]


def get(name, **params) -> Optimizer:
    """The optimizer called ``name`` with ``params``.

    ``"sgd"`` is :func:`sgd` (``momentum``, ``nesterov``); ``"momentum"`` is
    ``sgd(momentum=0.9)`` and ``"nesterov"`` is ``sgd(momentum=0.9,
    nesterov=True)`` (each takes ``momentum``); ``"adagrad"`` (``eps``),
    ``"rmsprop"`` (``alpha``, ``eps``), ``"adam"`` (``beta1``, ``beta2``,
    ``eps``). Parameters left out take PyTorch's defaults.

    Args:
        name: one of :data:`NAMES` (any case), or an :class:`Optimizer`,
            returned as is (then no ``params``).
        **params: the factory's parameters.

    Raises ``ValueError`` naming an unknown optimizer or parameter, or a bad value.

    >>> get("adam", beta2=0.99).params
    {'beta1': 0.9, 'beta2': 0.99, 'eps': 1e-08}
    >>> get("Nesterov").params
    {'momentum': 0.9, 'nesterov': True}
    >>> get("momentum", momentum=0.5).is_plain_gd, get("sgd").is_plain_gd
    (False, True)
    """
    if isinstance(name, Optimizer):
        if params:
            raise ValueError(f"parameters {params!r} can't be given with an optimizer object {name!r}")
        return name
    spec = _spec(name)
    for param in params:
        if param not in spec.params:
            raise ValueError(
                f"unknown parameter {param!r} for optimizer {spec.name!r}: "
                f"its parameters are {', '.join(map(repr, spec.params))}"
            )
    return spec.factory(**{**spec.defaults, **params})


def configured(name, settings: Mapping) -> Optimizer:
    """The optimizer called ``name``, built with those of ``settings`` it accepts.

    ``settings`` may hold any hyper-parameters (``momentum``, ``alpha``,
    ``beta1``, ``beta2``, ``eps``, ``nesterov``, or others): the ones in the
    optimizer's :attr:`OptimizerSpec.params` are passed to :func:`get`, the
    rest are ignored. So one dict of hyper-parameters builds any optimizer.
    (``"nesterov"`` fixes ``nesterov=True`` and ``"momentum"`` fixes
    ``nesterov=False``, whatever ``settings`` says; ``"sgd"`` takes both.)

    Args:
        name: one of :data:`NAMES` (any case).
        settings: a mapping of parameter names to values; the values used are
            checked as :func:`get` checks them.

    >>> settings = {"momentum": 0.5, "beta1": 0.8, "eps": 1e-6}
    >>> configured("momentum", settings).params
    {'momentum': 0.5, 'nesterov': False}
    >>> configured("adam", settings).params
    {'beta1': 0.8, 'beta2': 0.999, 'eps': 1e-06}
    >>> configured("sgd", settings).params
    {'momentum': 0.5, 'nesterov': False}
    """
    spec = _spec(name)
    if not isinstance(settings, Mapping):
        raise _checks.error("settings", "a mapping of parameter names to values", settings)
    return get(spec.name, **{key: settings[key] for key in spec.params if key in settings})
