"""What the theory of a quadratic loss predicts for gradient descent on MSE.

The mean squared error of a line is a quadratic bowl in ``(w, b)``::

    L(w, b) = L_min + 1/2 * d^T H d,   d = (w - w*, b - b*),
    H = 2 * [[mean(x*x), mean(x)], [mean(x), 1]]

Write the error ``d`` in the eigenvectors of ``H``: ``d = c_flat*v_flat +
c_steep*v_steep`` (:meth:`Curvature.components`), so that ``L - L_min =
lambda_min/2*c_flat**2 + lambda_max/2*c_steep**2``. Plain gradient descent
with a constant rate ``lr`` multiplies each component by exactly ``1 -
lr*lambda_i`` per step, independently of the other, so everything below
follows from the two eigenvalues and the start's two components: the regime
of each direction (:meth:`Curvature.regimes`), the exact loss gap after k
steps (:meth:`Curvature.gap_after`) and the rate that makes it least
(:meth:`Curvature.best_rate`). The components are the "error along each
direction" of Goh's *Why Momentum Really Works* (Distill, 2017); ``w`` and
``b`` themselves mix both, so either may pass its best value even where
neither component changes sign.

With momentum each direction carries a second number, the momentum buffer,
and the rate at which every direction still contracts comes from a 2x2
iteration matrix per direction (:func:`stable_edge`). Huber's loss is
quadratic only near its minimiser: :func:`local_curvature` gives the bowl
there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from . import losses as _losses
from .data import Dataset
from .descent import _point
from .optimizers import Optimizer
from .optimizers import get as _get_optimizer

__all__ = [
    "REGIMES",
    "Curvature",
    "curvature",
    "local_curvature",
    "lr_max_stable_momentum",
    "slice_curvature",
    "stable_edge",
]

#: Plain gradient descent's regimes along one eigen-direction, in the order of
#: growing ``lr*lambda_i``: ``<= 1``, ``(1, 2)``, ``== 2``, ``> 2``.
REGIMES = ("monotone", "oscillating", "edge", "diverging")

#: ``lr*lambda_i`` within this relative distance of 2 is the ``"edge"`` regime.
EDGE_RTOL = 1e-12


def _as_rates(lr) -> np.ndarray:
    return _checks.real_array("lr", lr, low=0.0)


@dataclass(frozen=True)
class Curvature:
    """The curvature of a quadratic bowl in ``(w, b)`` and the rates it implies.

    For the MSE (:func:`curvature`) the bowl is the loss itself; for Huber
    (:func:`local_curvature`) it is the loss near its minimiser.

    Fields: ``hessian`` (2, 2) over ``(w, b)``; its eigenvalues ``lambda_min``
    <= ``lambda_max`` and ``eigenvectors`` (2, 2), columns in the same order
    (the flat direction, then the steep one); ``minimizer`` ``(w*, b*)`` and
    ``min_loss``. Derived: ``condition_number = lambda_max/lambda_min``;
    ``lr_monotone = 1/lambda_max`` (at or below it the error along every
    eigen-direction keeps its sign); ``lr_optimal = 2/(lambda_min +
    lambda_max)`` (the least worst-case factor per step, the fastest rate in
    the long run; after a given number of steps see :meth:`best_rate`);
    ``lr_max_stable = 2/lambda_max`` (past it the steep direction grows:
    plain gradient descent diverges).

    >>> c = curvature(Dataset([0.0, 2.0], [1.0, 5.0]))  # H = [[4, 2], [2, 2]]
    >>> round(c.lambda_min, 4), round(c.lambda_max, 4)  # 3 -+ sqrt(5)
    (0.7639, 5.2361)
    >>> round(c.lr_max_stable, 4), c.minimizer, c.min_loss
    (0.382, (2.0, 1.0), 0.0)
    """

    hessian: np.ndarray
    eigenvectors: np.ndarray
    lambda_min: float
    lambda_max: float
    minimizer: tuple[float, float]
    min_loss: float

    @property
    def condition_number(self) -> float:
        """``lambda_max / lambda_min``: how stretched the bowl's ellipses are."""
        return self.lambda_max / self.lambda_min

    @property
    def lr_monotone(self) -> float:
        """``1/lambda_max``: at or below it ``|1 - lr*lambda_i| = 1 - lr*lambda_i``
        for both eigenvalues, so the error along every eigen-direction keeps its
        sign and shrinks at every step (:data:`REGIMES`' ``"monotone"``).

        ``w`` and ``b`` are mixtures of the two directions and may still pass
        their best values: on ``make_data()`` from ``(0, 0)`` at
        ``0.1/lambda_max``, ``w - w*`` is ``-2.118 + 0.065`` at the start (the
        steep and flat directions' shares, of opposite signs); the steep share
        shrinks by 0.9 per step, the flat one by 0.9994, and ``w`` passes
        ``w*`` at step 34, neither component having changed sign.
        """
        return 1.0 / self.lambda_max

    @property
    def lr_optimal(self) -> float:
        """``2/(lambda_min + lambda_max)``: the rate that minimises the worst-case
        factor ``max_i |1 - lr*lambda_i|``; both directions then shrink by
        ``(kappa - 1)/(kappa + 1)`` per step, ``kappa`` the condition number.

        It is the fastest constant rate in the long run (for the slowest
        direction, whatever the start), not the one with the least loss after a
        given number of steps from a given start: that is :meth:`best_rate`,
        which tends to this one as the steps grow.
        """
        return 2.0 / (self.lambda_min + self.lambda_max)

    @property
    def lr_max_stable(self) -> float:
        """``2/lambda_max``: the edge of divergence for plain gradient descent
        (see :func:`stable_edge` for momentum)."""
        return 2.0 / self.lambda_max

    def contraction(self, lr):
        """``max_i |1 - lr*lambda_i|``: how much the distance to the minimiser
        shrinks per step in the slowest direction (>= 1: no convergence).

        Args:
            lr: a rate >= 0, or an array of them; the result has its shape.

        >>> c = curvature(Dataset([-1.0, 1.0], [0.0, 0.0]))  # H = 2*I
        >>> float(c.contraction(0.25)), float(c.contraction(1.5))
        (0.5, 2.0)
        """
        rates = _as_rates(lr)
        return np.maximum(np.abs(1.0 - rates * self.lambda_min), np.abs(1.0 - rates * self.lambda_max))

    def steps_to(self, tol, lr):
        """An upper bound on the steps for the loss gap ``L - L_min`` to shrink
        by the factor ``tol``: the smallest ``k`` with
        ``contraction(lr)**(2k) <= tol`` (``inf`` where the contraction is >= 1).

        It is the slowest direction's worst case, from any start: the gap
        ``sum_i lambda_i/2*c_i**2*(1 - lr*lambda_i)**(2k)`` is at most
        ``contraction**(2k)`` times the start's. The exact count from a given
        start is often smaller: on ``make_data()`` at ``lr=0.02`` it gives 500
        steps to ``tol=1e-4`` where a run from ``(-2, 8)`` takes 326 (see
        :meth:`gap_after` for the exact gap).

        Args:
            tol: factor in (0, 1].
            lr: a rate >= 0, or an array of them; the result has its shape.

        >>> c = curvature(Dataset([-1.0, 1.0], [0.0, 0.0]))
        >>> float(c.steps_to(1e-6, 0.25)), float(c.steps_to(1e-6, 0.5)), float(c.steps_to(1e-6, 1.0))
        (10.0, 1.0, inf)
        """
        tol = _checks.real("tol", tol, low=0.0, high=1.0, low_open=True)
        rho = np.asarray(self.contraction(lr), dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.ceil(np.log(tol) / (2.0 * np.log(rho)) - 1e-9)
        k = np.where(rho >= 1.0, np.inf, np.where(rho == 0.0, 1.0, np.maximum(k, 0.0)))
        if tol == 1.0:
            k = np.where(rho >= 1.0, np.inf, 0.0)
        return k[()] if k.ndim == 0 else k

    def regimes(self, lr) -> tuple[str, str]:
        """Plain gradient descent's regime along each eigen-direction,
        ``(flattest, steepest)``, from ``p = lr*lambda_i``:

        - ``"monotone"``, ``p <= 1``: the error along it keeps its sign
          (``1 - p >= 0``) and shrinks;
        - ``"oscillating"``, ``1 < p < 2``: it changes sign at every step and
          shrinks;
        - ``"edge"``, ``p == 2`` to :data:`EDGE_RTOL` relative: it flips sign
          and keeps its size;
        - ``"diverging"``, ``p > 2``: it flips sign and grows.

        These are the directions' errors, not ``w`` and ``b``: either may pass
        its best value in any regime (say "along the steep direction", not
        "w overshoots").

        Args:
            lr: one rate, a finite number >= 0.

        >>> c = curvature(Dataset([-1.0, 1.0], [0.0, 0.0]))  # lambda = 2, 2
        >>> c.regimes(0.25), c.regimes(0.75), c.regimes(1.0), c.regimes(1.5)
        (('monotone', 'monotone'), ('oscillating', 'oscillating'), ('edge', 'edge'), ('diverging', 'diverging'))
        >>> c = curvature(Dataset([0.0, 2.0], [1.0, 5.0]))  # lambda = 0.76, 5.24
        >>> c.regimes(0.3), c.regimes(0.5)
        (('monotone', 'oscillating'), ('monotone', 'diverging'))
        """
        rate = _checks.real("lr", lr, low=0.0)

        def regime(lam: float) -> str:
            p = rate * lam
            if abs(p - 2.0) <= 2.0 * EDGE_RTOL:
                return "edge"
            if p <= 1.0:
                return "monotone"
            return "oscillating" if p < 2.0 else "diverging"

        return regime(self.lambda_min), regime(self.lambda_max)

    def components(self, w, b):
        """The error ``(w - w*, b - b*)`` along each eigenvector:
        ``c_flat = v_flat . d``, ``c_steep = v_steep . d``.

        ``d = c_flat*v_flat + c_steep*v_steep`` and ``L - L_min =
        lambda_min/2*c_flat**2 + lambda_max/2*c_steep**2``. Plain gradient
        descent at a constant rate multiplies ``c_i`` by ``1 - lr*lambda_i`` at
        every step. (The eigenvectors' signs are a convention: compare
        components of one ``Curvature``.)

        Args:
            w, b: floats or arrays that broadcast together.

        Returns:
            ``(flat, steep)``, each of the broadcast shape.

        >>> c = curvature(Dataset([-1.0, 1.0], [-1.0, 3.0]))  # y = 2x + 1, H = 2*I
        >>> flat, steep = c.components([2.0, 3.0], 1.0)
        >>> np.hypot(flat, steep).tolist()  # the distance to (2, 1)
        [0.0, 1.0]
        """
        w_arr = _checks.real_array("w", w, allow_inf=True, allow_nan=True)
        b_arr = _checks.real_array("b", b, allow_inf=True, allow_nan=True)
        try:
            w_arr, b_arr = np.broadcast_arrays(w_arr, b_arr)
        except ValueError:
            raise ValueError(f"w and b must broadcast together, got shapes {w_arr.shape} and {b_arr.shape}") from None
        du = w_arr - self.minimizer[0]
        dv = b_arr - self.minimizer[1]
        (f_w, s_w), (f_b, s_b) = self.eigenvectors
        return (f_w * du + f_b * dv)[()], (s_w * du + s_b * dv)[()]

    def gap_after(self, lr, steps, start):
        """The loss gap ``L - L_min`` after ``steps`` plain gradient descent
        steps at the constant rate ``lr`` from ``start``, exactly::

            gap = sum_i lambda_i/2 * c_i**2 * (1 - lr*lambda_i)**(2*steps)

        with ``c = components(*start)``.

        Args:
            lr: a rate >= 0, or an array of them; the result has its shape
                (``inf`` where a diverging direction overflows).
            steps: an integer >= 0.
            start: ``(w0, b0)``.

        >>> c = curvature(Dataset([-1.0, 1.0], [-1.0, 3.0]))  # H = 2*I, L_min = 0
        >>> c.gap_after([0.25, 0.5, 1.0], 3, (3.0, 1.0)).tolist()  # (1 - 2*lr)**6
        [0.015625, 0.0, 1.0]
        """
        rates = _as_rates(lr)
        steps = _checks.integer("steps", steps, low=0)
        flat, steep = self.components(*_point("start", start))
        gap = np.zeros(rates.shape)
        with np.errstate(over="ignore"):
            for lam, c in ((self.lambda_min, flat), (self.lambda_max, steep)):
                if c != 0.0:
                    gap = gap + 0.5 * lam * c * c * np.abs(1.0 - rates * lam) ** (2 * steps)
        return gap[()]

    def edge(self, optimizer=None) -> float | None:
        """The largest constant rate at which ``optimizer`` contracts on this
        bowl: :func:`stable_edge`'s rule (``2/lambda_max`` for plain gradient
        descent, ``2*(1 + beta)/lambda_max`` for heavy-ball momentum, Nesterov's
        from its iteration matrix; None for adagrad, rmsprop and adam) on this
        curvature, which may be Huber's near its minimum (:func:`local_curvature`).

        >>> c = curvature(Dataset([-1.0, 1.0], [0.0, 0.0]))  # lambda = 2, 2
        >>> c.edge(), c.edge("momentum"), c.edge("adam")
        (1.0, 1.9, None)
        """
        factor = _edge_factor(optimizer)
        return None if factor is None else factor / self.lambda_max

    def best_rate(self, steps, start) -> float:
        """The constant rate in ``(0, 2/lambda_max]`` with the least
        :meth:`gap_after` after ``steps`` plain gradient descent steps from
        ``start``.

        The gap is convex in ``lr`` (a sum of ``(1 - lr*lambda_i)**(2k)``, even
        powers of affine functions), so its one stationary point is the
        minimum. Its derivative ``-2k*sum_i lambda_i**2/2*c_i**2*(1 -
        lr*lambda_i)**(2k-1)`` is negative for ``lr <= 1/lambda_max``; between
        ``1/lambda_max`` and ``1/lambda_min`` setting it to 0 and taking the
        ``(2k-1)``-th root gives a closed form::

            a_i = (lambda_i**2 * c_i**2)**(1/(2k-1))
            lr  = (a_min + a_max) / (a_min*lambda_min + a_max*lambda_max)

        clipped to ``2/lambda_max``. For ``k = 1`` it is the exact line search
        ``g.g/g.Hg``; as ``k`` grows both ``a_i`` tend to 1 and it tends to
        :attr:`lr_optimal`. With no steep component it is clipped to
        ``2/lambda_max`` (the flat direction alone would want
        ``1/lambda_min``); from the minimiser itself every rate gives a gap of
        0 and :attr:`lr_optimal` is returned.

        Args:
            steps: an integer >= 1.
            start: ``(w0, b0)``.

        >>> c = curvature(Dataset([0.0, 2.0], [1.0, 5.0]))  # H = [[4, 2], [2, 2]], minimiser (2, 1)
        >>> round(c.best_rate(1, (3.0, 1.0)), 6)  # g = H @ (1, 0) = (4, 2): g.g/g.Hg = 20/104
        0.192308
        >>> round(c.best_rate(100_000, (3.0, 1.0)) / c.lr_optimal, 4)  # many steps: lr_optimal
        1.0
        """
        steps = _checks.integer("steps", steps, low=1)
        flat, steep = (float(v) for v in self.components(*_point("start", start)))
        if flat == 0.0 and steep == 0.0:
            return self.lr_optimal
        root = 1.0 / (2 * steps - 1)
        # In logs, as (lambda*c)**(2/(2k-1)) under- or overflows for tiny or huge c.
        logs = [
            2.0 * root * (math.log(lam) + math.log(abs(c))) if c != 0.0 else -math.inf
            for lam, c in ((self.lambda_min, flat), (self.lambda_max, steep))
        ]
        top = max(logs)
        a_min, a_max = (math.exp(v - top) for v in logs)
        rate = (a_min + a_max) / (a_min * self.lambda_min + a_max * self.lambda_max)
        return float(min(rate, self.lr_max_stable))


def _bowl(hessian: np.ndarray, var_x: float, minimizer, min_loss: float) -> Curvature:
    """The :class:`Curvature` of ``H = scale*[[var_x + mean_x**2, mean_x], [mean_x, 1]]``
    (``losses._line_hessian``), given with the ``var_x`` it was made from.

    Eigenvalues by the closed form for a symmetric 2x2 matrix, written so that
    ``lambda_min`` keeps its digits when ``mean_x`` is large:
    ``lambda_min = det/lambda_max`` with ``det = scale**2*var_x`` exactly,
    ``scale = h_bb`` (the difference ``half_trace - half_gap`` would cancel).
    """
    (h_ww, h_wb), (_, h_bb) = hessian
    h_ww, h_wb, h_bb = float(h_ww), float(h_wb), float(h_bb)
    half_trace = 0.5 * (h_ww + h_bb)
    half_gap = math.hypot(0.5 * (h_ww - h_bb), h_wb)
    lambda_max = half_trace + half_gap
    lambda_min = h_bb * h_bb * var_x / lambda_max
    # Eigenvector of lambda_max: (h_wb, lambda_max - h_ww) or (lambda_max - h_bb, h_wb);
    # take the longer of the two for accuracy.
    v1 = np.array([h_wb, lambda_max - h_ww])
    v2 = np.array([lambda_max - h_bb, h_wb])
    top = v1 if np.hypot(*v1) >= np.hypot(*v2) else v2
    norm = np.hypot(*top)
    top = np.array([1.0, 0.0]) if norm == 0 else top / norm
    bottom = np.array([-top[1], top[0]])
    return Curvature(
        hessian=hessian,
        eigenvectors=np.column_stack([bottom, top]),
        lambda_min=float(lambda_min),
        lambda_max=float(lambda_max),
        minimizer=(float(minimizer[0]), float(minimizer[1])),
        min_loss=float(min_loss),
    )


def curvature(data: Dataset) -> Curvature:
    """The Hessian of the MSE of ``data`` and the learning rates it implies.

    ``H = 2*[[var_x + mean_x**2, mean_x], [mean_x, 1]]`` (constant: the loss is
    quadratic); eigenvalues by the closed form for a symmetric 2x2 matrix,
    written so that ``lambda_min`` keeps its digits when ``mean_x`` is large
    (``lambda_min = det/lambda_max`` with ``det = 4*var_x``).

    >>> c = curvature(Dataset([-1.0, 1.0], [-1.0, 3.0]))  # y = 2x + 1
    >>> c.lambda_min, c.lambda_max, c.lr_max_stable, c.minimizer
    (2.0, 2.0, 1.0, (2.0, 1.0))
    """
    data = _checks.dataset("data", data)
    hessian = _losses.mse_hessian(data)
    return _bowl(hessian, data.moments.var_x, _losses.mse_minimizer(data), _losses.mse_floor(data))


def local_curvature(data: Dataset, loss="mse", **params) -> Curvature | None:
    """The curvature of ``loss`` at its minimiser: the quadratic bowl that
    gradient descent sees once it is close.

    - MSE: :func:`curvature` (the loss is that bowl everywhere).
    - Huber: ``rho(r) = 0.5*r**2`` for ``|r| <= delta``, linear beyond, so at
      its minimiser ``(w*, b*)`` (``loss.minimizer(data)``) the Hessian is::

          H = 1/n * sum_{|r_i| <= delta} [[x_i**2, x_i], [x_i, 1]]
            = f * [[var_in + mean_in**2, mean_in], [mean_in, 1]]

      with ``f`` the fraction of points inside ``delta`` and ``mean_in``,
      ``var_in`` the mean and centered variance of their ``x``: at most half
      the MSE's Hessian (``rho`` has no factor 2, and points outside add
      nothing). ``min_loss`` is Huber's loss there. ``None`` when fewer than 2
      distinct ``x`` lie inside ``delta`` (the Hessian is singular). Points
      with ``|r_i| == delta`` count as inside; a point within rounding of
      ``delta`` may fall either side.
    - MAE: ``None`` (piecewise linear: no curvature).

    Args:
        data: the points.
        loss: ``"mse"``, ``"mae"``, ``"huber"`` or a loss from ``losses.get``.
        **params: the loss's parameters for a name (``delta`` for ``"huber"``).

    >>> data = Dataset([-2.0, -1.0, 0.0, 1.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 10.0])
    >>> c = local_curvature(data, "huber", delta=1.0)  # fit y = 0.2: the outlier is outside
    >>> [round(v, 12) + 0.0 for v in c.minimizer], c.hessian.round(12).tolist()  # 1/6*[[4+1+0+1+4, 0], [0, 5]]
    ([0.0, 0.2], [[1.666666666667, 0.0], [0.0, 0.833333333333]])
    >>> local_curvature(data, "mae") is None
    True
    >>> square = Dataset([0.0, 0.0, 1.0, 1.0], [0.0, 2.0, 0.0, 2.0])  # y = 1: every |r| = 1
    >>> local_curvature(square, "huber", delta=0.5) is None  # no point inside delta
    True
    """
    _checks.dataset("data", data)
    loss_fn = _losses.get(loss, **params)
    if loss_fn.name == "mse":
        return curvature(data)
    if loss_fn.name != "huber":
        return None
    w_star, b_star = loss_fn.minimizer(data)
    with np.errstate(over="ignore", invalid="ignore"):
        residual = w_star * data.x + b_star - data.y
    inside = np.abs(residual) <= loss_fn.delta
    x_in = data.x[inside]
    if np.unique(x_in).size < 2:
        return None
    mean_in = float(np.mean(x_in))
    var_in = float(np.mean((x_in - mean_in) ** 2))  # centered: x near 1000 keeps its digits
    fraction = x_in.size / data.n
    min_loss = float(loss_fn.value(data, w_star, b_star))
    return _bowl(_losses._line_hessian(fraction, mean_in, var_in), var_in, (w_star, b_star), min_loss)


def slice_curvature(data: Dataset, param: str) -> float:
    """The MSE's second derivative along one parameter, the other held fixed.

    ``d2L/dw2 = 2*mean(x*x)``, ``d2L/db2 = 2``.

    >>> slice_curvature(Dataset([1.0, 3.0], [0.0, 0.0]), "w"), slice_curvature(Dataset([1.0, 3.0], [0.0, 0.0]), "b")
    (10.0, 2.0)
    """
    param = _checks.choice("param", param, ("w", "b"))
    hessian = _losses.mse_hessian(data)
    return float(hessian[0, 0] if param == "w" else hessian[1, 1])


def _edge_factor(optimizer) -> float | None:
    """The largest ``h = lr*lambda`` at which ``optimizer`` contracts on a
    quadratic with curvature ``lambda``, or None (no fixed edge)."""
    if optimizer is None:
        return 2.0
    if isinstance(optimizer, str):
        optimizer = _get_optimizer(optimizer)
    if not isinstance(optimizer, Optimizer):
        raise _checks.error("optimizer", "None, a name or an Optimizer", optimizer)
    if optimizer.name != "sgd":
        return None
    beta = float(optimizer.params.get("momentum", 0.0))
    if optimizer.params.get("nesterov", False):
        return 2.0 * (1.0 + beta) / (1.0 + 2.0 * beta)
    return 2.0 * (1.0 + beta)


def stable_edge(data: Dataset, optimizer=None) -> float | None:
    """The largest constant rate at which every direction of the MSE contracts.

    - Plain gradient descent (``None`` or ``sgd()``): ``2/lambda_max``.
    - Heavy-ball momentum (``sgd(momentum=beta)``): ``2*(1 + beta)/lambda_max``.
    - Nesterov (``sgd(momentum=beta, nesterov=True)``):
      ``2*(1 + beta)/((1 + 2*beta)*lambda_max)``.
    - ``None`` for adagrad, rmsprop and adam: their step is divided by a
      running size of the gradient, so no constant rate is an edge.

    Derivation. Along one eigen-direction the gradient is ``lambda*e``, ``e``
    the error. PyTorch's SGD keeps ``buf = beta*buf + g`` (from ``buf = 0``:
    its first ``buf = g`` is the same). With ``h = lr*lambda`` and ``m =
    lr*buf`` the state ``(e, m)`` evolves linearly, ``(e, m) <- A (e, m)``::

        heavy ball, p -= lr*buf:            Nesterov, p -= lr*(g + beta*buf):
        A = [[1 - h, -beta],                A = [[1 - h*(1 + beta), -beta**2],
             [h,      beta]]                     [h,                 beta   ]]
        tr A = 1 + beta - h                 tr A = 1 + beta - h*(1 + beta)
        det A = beta                        det A = beta*(1 - h)

    Both eigenvalues of ``A`` lie inside the unit circle iff (Jury's, or
    Schur-Cohn's, conditions for ``z**2 - tr*z + det``) ``|det| < 1``,
    ``1 - tr + det > 0`` and ``1 + tr + det > 0``. Here ``1 - tr + det = h``
    for both (> 0 for any rate > 0); ``1 + tr + det`` is ``2*(1 + beta) - h``
    (heavy ball) and ``2*(1 + beta) - h*(1 + 2*beta)`` (Nesterov); and
    ``|det| < 1`` holds wherever those do (``beta < 1``, and ``0 < h < 2``
    for Nesterov). So the binding condition is the third, an eigenvalue
    leaving through -1: ``h < 2*(1 + beta)`` and ``h < 2*(1 + beta)/(1 +
    2*beta)``. It is tightest for the largest ``lambda``. With ``beta = 0``
    both are plain gradient descent's ``h < 2``.

    Args:
        data: the points.
        optimizer: None, an :class:`~lrcore.optimizers.Optimizer`, or a name
            for :func:`lrcore.optimizers.get` (``"momentum"`` is beta 0.9).

    >>> data = Dataset([-1.0, 1.0], [0.0, 0.0])  # lambda = 2, 2
    >>> from lrcore.optimizers import sgd
    >>> stable_edge(data), stable_edge(data, sgd(momentum=0.5)), stable_edge(data, "adam")
    (1.0, 1.5, None)
    >>> round(stable_edge(data, sgd(momentum=0.5, nesterov=True)), 12)  # (1 + 0.5)/(1 + 1)
    0.75
    """
    _edge_factor(optimizer)  # a bad optimizer is named before the data is looked at
    return curvature(_checks.dataset("data", data)).edge(optimizer)


def lr_max_stable_momentum(data: Dataset, momentum: float) -> float:
    """The edge of divergence for heavy-ball momentum in PyTorch's form
    (``v = momentum*v + g; p -= lr*v``): ``lr < 2*(1 + momentum)/lambda_max``
    (:func:`stable_edge` with ``sgd(momentum=momentum)``).

    >>> lr_max_stable_momentum(Dataset([-1.0, 1.0], [0.0, 0.0]), 0.9)
    1.9
    """
    momentum = _checks.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    return 2.0 * (1.0 + momentum) / curvature(data).lambda_max
