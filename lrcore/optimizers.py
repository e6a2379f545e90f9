"""Optimizers: how a gradient becomes a step, for K runs at once.

An optimizer is a pair of pure functions, as in optax::

    state = opt.init(params)                  # params: (K, 2) rows [w, b]
    step, state = opt.update(grads, state, lr)  # grads: (K, 2), lr: (K,)
    params = params + step                    # the step carries sign and rate

The update rules and defaults are PyTorch's, step for step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = ["Optimizer", "SGDState", "sgd"]


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


def _check_unit(name: str, value, *, high_open: bool = True) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not (0.0 <= number < 1.0 if high_open else 0.0 <= number <= 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return number


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
    momentum = _check_unit("momentum", momentum)
    nesterov = bool(nesterov)
    if nesterov and momentum == 0.0:
        raise ValueError("nesterov=True needs momentum > 0, got momentum=0.0")

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
