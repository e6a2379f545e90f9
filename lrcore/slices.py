"""The loss along one parameter, the other held fixed: the lesson's parabola.

Along b (w held) or along w (b held), the loss is a function of one number
``p``; gradient descent on it is :func:`lrcore.run` with the held parameter
frozen. For MSE the slice is a parabola with curvature ``L''`` (``2`` along b,
``2*mean(x*x)`` along w), so a constant rate ``lr`` multiplies the distance to
the minimum by ``1 - lr*L''`` each step: one step lands on it at
``lr = 1/L''``, the steps overshoot above that and diverge past ``2/L''``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from . import losses as _losses
from .data import Dataset
from .descent import Trajectory, run
from .optimizers import Optimizer, sgd

__all__ = ["PARAMS", "Slice", "Regime", "along", "only", "regime", "run_slice"]

PARAMS = ("w", "b")


def only(param: str, optimizer: Optimizer | None = None) -> Optimizer:
    """An optimizer that moves only ``param`` ("w" or "b"): the other
    coordinate's gradient is zeroed before the update and its step after.

    >>> opt = only("b")
    >>> step, _ = opt.update(np.array([[3.0, 2.0]]), opt.init(np.zeros((1, 2))), np.array([0.5]))
    >>> step.tolist()
    [[0.0, -1.0]]
    """
    column = PARAMS.index(_checks.choice("param", param, PARAMS))
    inner = sgd() if optimizer is None else optimizer
    keep = np.zeros(2, dtype=bool)
    keep[column] = True

    def init(params):
        return inner.init(params)

    def update(grads, state, lr):
        step, state = inner.update(np.where(keep, grads, 0.0), state, lr)
        return np.where(keep, step, 0.0), state

    # Its own name: run must not take the two-parameter fast path for it.
    return Optimizer(f"{inner.name} along {param}", {**inner.params, "param": param}, init, update)


@dataclass(frozen=True)
class Slice:
    """The loss along ``param`` with the other parameter held at ``held``.

    Fields: ``param``, ``held``, ``loss`` (a loss object), ``minimizer`` (the
    p of the lowest loss on the slice), ``min_loss``, ``curvature`` (the
    second derivative at the minimum: exact for MSE; for Huber that of the
    points within delta of the line there; 0 for MAE, whose slice is
    piecewise linear).

    >>> from lrcore import Dataset
    >>> s = along(Dataset([0.0, 2.0], [1.0, 5.0]), "b", held=2.0)  # L(b) = (b - 1)**2
    >>> s.minimizer, s.curvature, float(s.value(Dataset([0.0, 2.0], [1.0, 5.0]), 3.0))
    (1.0, 2.0, 4.0)
    """

    param: str
    held: float
    loss: object
    minimizer: float
    min_loss: float
    curvature: float

    def point(self, p):
        """(w, b) of the slice's points ``p`` (broadcast)."""
        p = _checks.real_array("p", p, allow_inf=True, allow_nan=True)
        held = np.full_like(p, self.held)
        return (p, held) if self.param == "w" else (held, p)

    def value(self, data: Dataset, p):
        """The loss at ``p`` on the slice; any shape."""
        return self.loss.value(data, *self.point(p))

    def grad(self, data: Dataset, p):
        """dL/dp at ``p`` on the slice; any shape."""
        gw, gb = self.loss.grad(data, *self.point(p))
        return gw if self.param == "w" else gb

    def side_slopes(self, data: Dataset) -> tuple[float, float]:
        """The slope just left and just right of the minimiser.

        Equal (0) for MSE and Huber, whose slices are smooth. The MAE's slice
        is piecewise linear with a kink at each point's own best value
        ``t_i``: right of ``p`` its slope is ``(sum of |a_i| over t_i <= p
        minus over t_i > p)/n``, left of it the same with ``<`` and ``>=``,
        so next to the minimum it is not 0 but a jump across it (along b,
        ``a_i = 1``: the share of points below minus the share above).

        >>> from lrcore import Dataset
        >>> data = Dataset([0.0, 1.0, 2.0, 3.0], [0.0, 0.0, 1.0, 5.0])
        >>> s = along(data, "b", held=0.0, loss="mae")  # kinks at 0, 0, 1, 5: minimiser 0
        >>> s.minimizer, s.side_slopes(data)
        (0.0, (-1.0, 0.0))
        """
        if self.loss.name != "mae":
            return 0.0, 0.0
        targets, weights = _targets(data, self.param, self.held)
        p = self.minimizer
        # Kinks within rounding of the minimiser are at it: t_i = (y_i - held*x_i)/x_i
        # computed two ways can differ in the last digits.
        near = 1e-9 * max(1.0, abs(p), float(np.max(np.abs(targets))) if targets.size else 0.0)
        right = (weights[targets <= p + near].sum() - weights[targets > p + near].sum()) / data.n
        left = (weights[targets < p - near].sum() - weights[targets >= p - near].sum()) / data.n
        return float(left), float(right)

    def slope_bound(self, data: Dataset) -> float:
        """The largest size the slope can have anywhere on the slice: ``inf``
        for MSE (it grows with the distance), ``mean|a|`` for MAE (1 along b,
        ``mean|x|`` along w) and ``delta*mean|a|`` for Huber, whose slopes
        are capped. A run at rates ``lr_t`` moves at most ``sum(lr_t)`` times it.

        >>> from lrcore import Dataset
        >>> data = Dataset([-2.0, 4.0], [0.0, 1.0])
        >>> along(data, "b", 0.0, "mae").slope_bound(data), along(data, "w", 0.0, "mae").slope_bound(data)
        (1.0, 3.0)
        """
        if self.loss.name == "mse":
            return math.inf
        size = 1.0 if self.param == "b" else float(np.mean(np.abs(data.x)))
        return size * (float(self.loss.params["delta"]) if self.loss.name == "huber" else 1.0)

    @property
    def lr_one_step(self) -> float:
        """``1/L''``: for MSE one step from anywhere lands on the minimum."""
        return 1.0 / self.curvature if self.curvature > 0 else math.inf

    @property
    def lr_max_stable(self) -> float:
        """``2/L''``: past it the steps grow (MSE) or keep bouncing."""
        return 2.0 / self.curvature if self.curvature > 0 else math.inf


def _targets(data: Dataset, param: str, held: float) -> tuple[np.ndarray, np.ndarray]:
    """Each point's best p on its own, t_i, and its weight |a_i|, where the
    residual is ``a_i*p - c_i`` (so the slice's minimiser lies between
    min t and max t for any convex loss of the residuals)."""
    if param == "b":
        return data.y - held * data.x, np.ones(data.n)
    usable = data.x != 0
    return (data.y[usable] - held) / data.x[usable], np.abs(data.x[usable])


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest ``v`` among ``values`` with at least half the total weight
    at or below it: a minimiser of ``sum(weights*|p - values|)``.

    >>> _weighted_median(np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 5.0]))
    2.0
    """
    order = np.argsort(values, kind="stable")
    below = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(below, 0.5 * below[-1])])


def along(data: Dataset, param: str, held: float, loss="mse") -> Slice:
    """The slice of ``loss`` along ``param`` with the other parameter at ``held``.

    MSE, residual ``r = a*p - c``: minimiser ``mean(a*c)/mean(a*a)``,
    curvature ``2*mean(a*a)`` (``a = 1`` along b, ``a = x`` along w). MAE and
    Huber: the minimiser by golden-section search between the points' own
    best values (the loss is convex in p).

    >>> from lrcore import Dataset
    >>> s = along(Dataset([1.0, 3.0], [2.0, 6.0]), "w", held=0.0)
    >>> s.minimizer, s.curvature, s.min_loss, s.lr_one_step
    (2.0, 10.0, 0.0, 0.1)
    """
    _checks.dataset("data", data)
    _checks.choice("param", param, PARAMS)
    held = _checks.real("held", held)
    loss_fn = _losses.get(loss)
    m = data.moments
    if param == "b":
        mean_ac = m.mean_y - held * m.mean_x
    else:
        mean_ac = m.cov_xy + m.mean_x * m.mean_y - held * m.mean_x
    if loss_fn.name == "mse":
        # the MSE's second derivative along p is the Hessian's diagonal, 2*mean(a*a)
        i = PARAMS.index(param)
        curvature = float(_losses.mse_hessian(data)[i, i])
        p_min = mean_ac / (curvature / 2.0)
    else:
        targets, weights = _targets(data, param, held)
        low, high = (float(targets.min()), float(targets.max())) if targets.size else (0.0, 0.0)
        slice_values = Slice(param, held, loss_fn, 0.0, 0.0, 0.0)

        def f(p):
            return float(slice_values.value(data, p))

        scale = max(1.0, abs(low), abs(high))
        if loss_fn.name == "mae" and targets.size:
            # mean|a*p - c| = mean(a*|p - t|): a minimiser is the a-weighted median of t
            p_min = _weighted_median(targets, weights)
        else:
            p_min = _losses._golden_section(f, low, high, low, f(low), scale) if high > low else low
        curvature = 0.0
        if loss_fn.name == "huber":
            a2 = data.x * data.x if param == "w" else np.ones(data.n)

            def local_curvature(p):
                w, b = (p, held) if param == "w" else (held, p)
                inside = np.abs(w * data.x + b - data.y) <= loss_fn.params["delta"]
                return float(np.mean(np.where(inside, a2, 0.0)))

            # Golden section finds a smooth minimum to about sqrt(eps); Newton
            # steps on the (piecewise quadratic) slice finish the digits.
            for _ in range(20):
                curvature = local_curvature(p_min)
                if curvature <= 0:
                    break
                slope = float(slice_values.grad(data, p_min))
                step = slope / curvature
                # Loss values differ only in rounding this close: judge by the slope.
                if not (abs(step) > 1e-15 * max(1.0, abs(p_min))
                        and abs(float(slice_values.grad(data, p_min - step))) < abs(slope)):
                    break
                p_min -= step
            curvature = local_curvature(p_min)
    result = Slice(param, held, loss_fn, float(p_min), 0.0, float(curvature))
    return Slice(param, held, loss_fn, float(p_min), float(result.value(data, p_min)), float(curvature))


def run_slice(data: Dataset, lr, *, param: str, held: float, start: float, steps: int, loss="mse") -> Trajectory:
    """Gradient descent along one parameter: ``p -= lr_t * dL/dp``, the other
    parameter held. ``lr`` is anything :func:`lrcore.run` takes (K runs).

    Returns :func:`lrcore.run`'s Trajectory; the moving parameter is
    ``traj.w`` (param "w") or ``traj.b`` (param "b"), the other stays ``held``.

    >>> from lrcore import Dataset
    >>> data = Dataset([1.0, 3.0], [2.0, 6.0])
    >>> traj = run_slice(data, 0.1, param="w", held=0.0, start=5.0, steps=1)
    >>> traj.w[0].tolist(), traj.b[0].tolist()  # one step at 1/L'' lands on w = 2
    ([5.0, 2.0], [0.0, 0.0])
    """
    _checks.choice("param", param, PARAMS)
    held = _checks.real("held", held)
    start = _checks.real("start", start)
    point = (start, held) if param == "w" else (held, start)
    return run(data, lr, steps=steps, start=point, loss=loss, optimizer=only(param))


@dataclass(frozen=True)
class Regime:
    """What a constant rate does on a slice: ``name`` (one of "monotone",
    "one step", "oscillating but converging", "stuck bouncing", "diverging"),
    ``factor`` (the distance to the minimum is multiplied by it per step near
    the minimum, ``|1 - lr*L''|``; NaN where it does not apply) and ``why``,
    one plain sentence.

    >>> from lrcore import Dataset
    >>> r = regime(along(Dataset([-1.0, 1.0], [0.0, 0.0]), "b", held=0.0), 0.75)
    >>> r.name, r.factor
    ('oscillating but converging', 0.5)
    """

    name: str
    factor: float
    why: str


def regime(s: Slice, lr: float) -> Regime:
    """The regime of a constant rate ``lr`` on slice ``s``, from the theory.

    >>> from lrcore import Dataset
    >>> s = along(Dataset([-1.0, 1.0], [0.0, 0.0]), "b", held=0.0)  # L'' = 2
    >>> [regime(s, lr).name for lr in (0.25, 0.5, 0.75, 1.0, 1.01)]
    ['monotone', 'one step', 'oscillating but converging', 'stuck bouncing', 'diverging']
    """
    lr = _checks.real("lr", lr, low=0.0, low_open=True)
    name = s.loss.name
    if name == "mae" or s.curvature == 0.0:
        return Regime(
            "stuck bouncing",
            math.nan,
            "the slope of the MAE does not shrink smoothly to 0 near the minimum: it is the share of points "
            "below the line minus the share above (weighted by |x| along w), which changes in jumps, so once "
            "there a constant rate keeps hopping across the minimum",
        )
    product = lr * s.curvature
    factor = abs(1.0 - product)
    tol = 1e-9
    if name == "huber" and product >= 2.0 - tol:
        return Regime(
            "stuck bouncing",
            factor,
            "near the minimum the Huber loss is a parabola of curvature "
            f"{s.curvature:.4g} (only the points within delta of the line curve it), and this rate is at "
            "or past its edge 2/L''; far away its slope is capped, so the steps cannot grow without bound "
            "either: they keep bouncing",
        )
    # Huber is a parabola only near its minimum, where every point it curves is within delta
    # of the line; farther out its slope is capped, so its steps there are shorter.
    near = ("near the minimum, where only the points within delta of the line curve the loss, "
            if name == "huber" else "")
    if abs(product - 1.0) <= tol:
        return Regime("one step", factor, f"lr = 1/L'': {near}one step lands on the minimum")
    if product < 1.0:
        return Regime("monotone", factor, f"{near}each step moves part of the way to the minimum, never past it")
    if product < 2.0 - tol:
        return Regime("oscillating but converging", factor,
                      f"{near}each step jumps past the minimum, but lands closer than it started")
    if product <= 2.0 + tol:
        return Regime("stuck bouncing", factor, "lr = 2/L'': each step jumps to the mirror point, forever")
    return Regime("diverging", factor, "each step jumps past the minimum and lands farther away than it started")
