"""What the theory of a quadratic loss predicts for gradient descent on MSE.

The mean squared error of a line is a quadratic bowl in ``(w, b)``::

    L(w, b) = L_min + 1/2 * d^T H d,   d = (w - w*, b - b*),
    H = 2 * [[mean(x*x), mean(x)], [mean(x), 1]]

Plain gradient descent with a constant rate ``lr`` multiplies the error along
each eigenvector of ``H`` by ``1 - lr*lambda_i`` per step, so everything below
follows from the two eigenvalues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .data import Dataset

__all__ = ["Curvature", "curvature", "slice_curvature", "lr_max_stable_momentum"]


def _as_rates(lr) -> np.ndarray:
    rates = np.asarray(lr, dtype=np.float64)
    if np.any(~np.isfinite(rates)) or np.any(rates < 0):
        raise ValueError(f"lr must be finite and >= 0, got {lr!r}")
    return rates


@dataclass(frozen=True)
class Curvature:
    """The curvature of the MSE bowl of a dataset and the rates it implies.

    Fields: ``hessian`` (2, 2) over ``(w, b)``; its eigenvalues ``lambda_min``
    <= ``lambda_max`` and ``eigenvectors`` (2, 2), columns in the same order;
    ``condition_number = lambda_max/lambda_min``; ``lr_monotone = 1/lambda_max``
    (no direction overshoots); ``lr_optimal = 2/(lambda_min + lambda_max)``
    (the fastest constant rate); ``lr_max_stable = 2/lambda_max`` (past it the
    run diverges); ``minimizer`` ``(w*, b*)`` and ``min_loss``.

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
        """``1/lambda_max``: below it no direction overshoots the minimum."""
        return 1.0 / self.lambda_max

    @property
    def lr_optimal(self) -> float:
        """``2/(lambda_min + lambda_max)``: the constant rate that converges fastest."""
        return 2.0 / (self.lambda_min + self.lambda_max)

    @property
    def lr_max_stable(self) -> float:
        """``2/lambda_max``: the edge of divergence."""
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
        """The smallest ``k`` with ``contraction(lr)**(2k) <= tol``: the steps
        for the loss gap ``L - L_min`` to shrink by the factor ``tol``
        (``inf`` where the contraction is >= 1).

        Args:
            tol: factor in (0, 1].
            lr: a rate >= 0, or an array of them; the result has its shape.

        >>> c = curvature(Dataset([-1.0, 1.0], [0.0, 0.0]))
        >>> float(c.steps_to(1e-6, 0.25)), float(c.steps_to(1e-6, 0.5)), float(c.steps_to(1e-6, 1.0))
        (10.0, 1.0, inf)
        """
        tol = float(tol)
        if not 0.0 < tol <= 1.0:
            raise ValueError(f"tol must be in (0, 1], got {tol!r}")
        rho = np.asarray(self.contraction(lr), dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.ceil(np.log(tol) / (2.0 * np.log(rho)) - 1e-9)
        k = np.where(rho >= 1.0, np.inf, np.where(rho == 0.0, 1.0, np.maximum(k, 0.0)))
        if tol == 1.0:
            k = np.where(rho >= 1.0, np.inf, 0.0)
        return k[()] if k.ndim == 0 else k


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
    m = data.moments
    h_ww = 2.0 * (m.var_x + m.mean_x * m.mean_x)
    h_wb = 2.0 * m.mean_x
    h_bb = 2.0
    half_trace = 0.5 * (h_ww + h_bb)
    half_gap = math.hypot(0.5 * (h_ww - h_bb), h_wb)
    lambda_max = half_trace + half_gap
    lambda_min = 4.0 * m.var_x / lambda_max  # det(H) = 4*var_x, exactly
    # Eigenvector of lambda_max: (h_wb, lambda_max - h_ww) or (lambda_max - h_bb, h_wb);
    # take the longer of the two for accuracy.
    v1 = np.array([h_wb, lambda_max - h_ww])
    v2 = np.array([lambda_max - h_bb, h_wb])
    top = v1 if np.hypot(*v1) >= np.hypot(*v2) else v2
    norm = np.hypot(*top)
    top = np.array([1.0, 0.0]) if norm == 0 else top / norm
    bottom = np.array([-top[1], top[0]])
    w_star = m.cov_xy / m.var_x
    b_star = m.mean_y - w_star * m.mean_x
    return Curvature(
        hessian=np.array([[h_ww, h_wb], [h_wb, h_bb]]),
        eigenvectors=np.column_stack([bottom, top]),
        lambda_min=float(lambda_min),
        lambda_max=float(lambda_max),
        minimizer=(float(w_star), float(b_star)),
        min_loss=float(max(m.var_y - m.cov_xy * w_star, 0.0)),
    )


def slice_curvature(data: Dataset, param: str) -> float:
    """The MSE's second derivative along one parameter, the other held fixed.

    ``d2L/dw2 = 2*mean(x*x)``, ``d2L/db2 = 2``.

    >>> slice_curvature(Dataset([1.0, 3.0], [0.0, 0.0]), "w"), slice_curvature(Dataset([1.0, 3.0], [0.0, 0.0]), "b")
    (10.0, 2.0)
    """
    m = data.moments
    if param == "w":
        return float(2.0 * (m.var_x + m.mean_x * m.mean_x))
    if param == "b":
        return 2.0
    raise ValueError(f"param must be 'w' or 'b', got {param!r}")


def lr_max_stable_momentum(data: Dataset, momentum: float) -> float:
    """The edge of divergence for heavy-ball momentum in PyTorch's form
    (``v = momentum*v + g; p -= lr*v``): ``lr < 2*(1 + momentum)/lambda_max``.

    >>> lr_max_stable_momentum(Dataset([-1.0, 1.0], [0.0, 0.0]), 0.9)
    1.9
    """
    momentum = float(momentum)
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    return 2.0 * (1.0 + momentum) / curvature(data).lambda_max
