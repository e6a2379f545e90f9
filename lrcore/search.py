"""Random search: guess ``(w, b)`` at random and keep the best guess so far.

The lesson starts here: without the slope, all you can do is guess. Each
guess is drawn uniformly in a box ``center ± half_width``, and the best loss
so far falls only when a guess happens to land in the small region near the
minimum. For MSE that region, ``{L - L_min <= gap}``, is an ellipse whose area
grows only linearly in ``gap``, so the expected number of guesses grows like
``1/gap``, while gradient descent needs ``O(log(1/gap))`` steps
(:meth:`lrcore.theory.Curvature.steps_to`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from . import losses as _losses
from .data import Dataset
from .descent import _point
from .theory import curvature

__all__ = ["MAX_GUESSES", "RandomSearch", "random_search", "expected_evaluations"]

#: The most guesses :func:`random_search` draws in one call.
MAX_GUESSES = 1_000_000

# Loss calls take at most this many points: a few MB of buffers whatever
# ``guesses`` is (MAE and Huber chunk again over the samples inside).
_CHUNK = 100_000


def _check_box(center, half_width) -> tuple[tuple[float, float], tuple[float, float]]:
    """The box ``center ± half_width``: finite pairs, half-widths > 0, edges finite."""
    center = _point("center", center)
    half_width = _point("half_width", half_width, low=0.0, low_open=True)
    edges = [c + s * h for c, h in zip(center, half_width) for s in (-1.0, 1.0)]
    if not all(math.isfinite(edge) for edge in edges):
        raise ValueError(
            f"half_width {half_width!r} around center {center!r} reaches past the largest float64"
        )
    return center, half_width


@dataclass(frozen=True, eq=False)
class RandomSearch:
    """``guesses`` random points ``(w, b)`` in a box, their losses, the best so far.

    Fields (read-only arrays):
        w, b: (guesses,) the points, in the order drawn.
        loss: (guesses,) the loss at each point.
        best_so_far: (guesses,) ``np.minimum.accumulate(loss)``: the best
            loss after ``i + 1`` guesses (non-increasing).
        best_index: the index of the lowest loss (its first occurrence).
        best: ``(w[best_index], b[best_index])``, floats.

    >>> data = Dataset([-1.0, 1.0], [-1.0, 3.0])  # L = (w - 2)**2 + (b - 1)**2
    >>> s = random_search(data, guesses=4, center=(2.0, 1.0), half_width=(1.0, 1.0))
    >>> s.best_so_far.tolist() == np.minimum.accumulate(s.loss).tolist()
    True
    >>> s.best == (s.w[s.best_index], s.b[s.best_index]), s.evaluations_to(2.0)
    (True, 1)
    """

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    best_so_far: np.ndarray
    best_index: int
    best: tuple[float, float]

    def evaluations_to(self, target_loss) -> int | None:
        """The loss evaluations (1-based) until ``best_so_far <= target_loss``:
        ``min{i : best_so_far[i-1] <= target_loss}``, or ``None`` if no guess
        reached it.

        Args:
            target_loss: a number, not NaN (``inf`` is reached at once).

        >>> s = RandomSearch(np.zeros(4), np.zeros(4), np.array([5.0, 3.0, 4.0, 1.0]),
        ...                  np.array([5.0, 3.0, 3.0, 1.0]), 3, (0.0, 0.0))
        >>> s.evaluations_to(10.0), s.evaluations_to(3.5), s.evaluations_to(1.0), s.evaluations_to(0.5)
        (1, 2, 4, None)
        """
        target = _checks.real("target_loss", target_loss, allow_inf=True)
        reached = self.best_so_far <= target
        if not reached.size or not reached[-1]:  # non-increasing: the last is the best
            return None
        return int(np.argmax(reached)) + 1


def random_search(data: Dataset, *, guesses: int, center, half_width, loss="mse", seed: int = 0) -> RandomSearch:
    """Draw ``guesses`` points uniformly in the box ``center ± half_width`` and
    evaluate the loss at each: ``w_i = cw + hw*(2*u_i - 1)``, ``b_i = cb +
    hb*(2*v_i - 1)``, with ``(u_i, v_i)`` row ``i`` of
    ``np.random.default_rng(seed).random((guesses, 2))``.

    The same seed gives the same points, and a longer search extends a
    shorter one (its first points are the shorter search's). The loss is
    evaluated in vectorised calls of at most 100,000 points.

    Args:
        data: the points, ``x`` and ``y`` of shape (n,).
        guesses: how many points, an integer in 1..``MAX_GUESSES``.
        center: ``(cw, cb)``, finite.
        half_width: ``(hw, hb)``, finite and > 0.
        loss: a name for :func:`lrcore.losses.get` or a loss object.
        seed: an integer >= 0.

    Returns:
        A :class:`RandomSearch` with arrays of shape (guesses,).

    Raises ``ValueError`` naming a bad argument.

    >>> data = Dataset([-1.0, 1.0], [-1.0, 3.0])  # L = (w - 2)**2 + (b - 1)**2
    >>> s = random_search(data, guesses=1000, center=(0.0, 0.0), half_width=(4.0, 4.0), seed=1)
    >>> s.w.shape, bool(np.all(np.abs(s.w) <= 4.0) and np.all(np.abs(s.b) <= 4.0))
    ((1000,), True)
    >>> bool(s.best_so_far[-1] < 0.05), s.evaluations_to(0.05) <= 1000
    (True, True)
    """
    data = _checks.dataset("data", data)
    guesses = _checks.integer("guesses", guesses, low=1, high=MAX_GUESSES)
    (cw, cb), (hw, hb) = _check_box(center, half_width)
    seed = _checks.integer("seed", seed, low=0)
    loss_fn = _losses.get(loss)

    # Rows, not columns, per guess: then guess i is the same for any `guesses`.
    unit = np.random.default_rng(seed).random((guesses, 2))
    # |2u - 1| <= 1 exactly, so rounding cannot step outside [c - h, c + h].
    w = cw + hw * (2.0 * unit[:, 0] - 1.0)
    b = cb + hb * (2.0 * unit[:, 1] - 1.0)
    values = np.empty(w.size)
    for start in range(0, w.size, _CHUNK):
        stop = start + _CHUNK
        values[start:stop] = loss_fn.value(data, w[start:stop], b[start:stop])
    best_so_far = np.minimum.accumulate(values)
    best_index = int(np.argmin(values))
    for array in (w, b, values, best_so_far):
        array.flags.writeable = False
    return RandomSearch(
        w=w,
        b=b,
        loss=values,
        best_so_far=best_so_far,
        best_index=best_index,
        best=(float(w[best_index]), float(b[best_index])),
    )


def _disk_triangle_area(p: np.ndarray, q: np.ndarray, radius: float) -> float:
    """Signed area of (disk of ``radius`` at the origin) ∩ triangle(origin, p, q).

    The edge p->q is cut where it crosses the circle; a piece inside the disk
    adds its triangle with the origin, a piece outside adds the circular
    sector it subtends.
    """
    d = q - p
    a = float(d @ d)
    if a == 0.0:
        return 0.0
    r2 = radius * radius
    cross_pq = float(p[0] * q[1] - p[1] * q[0])
    # a*(r**2 - distance of the line from the origin**2): no cancellation of |p|**2 - r**2
    disc = a * r2 - cross_pq * cross_pq
    cuts = [0.0]
    if disc > 0.0:
        root = math.sqrt(disc)
        along = -float(p @ d)
        cuts += [t for t in ((along - root) / a, (along + root) / a) if 0.0 < t < 1.0]
    cuts.append(1.0)
    area = 0.0
    for t0, t1 in zip(cuts[:-1], cuts[1:]):
        u, v, mid = p + t0 * d, p + t1 * d, p + 0.5 * (t0 + t1) * d
        cross = float(u[0] * v[1] - u[1] * v[0])
        if mid @ mid <= r2:
            area += 0.5 * cross
        else:
            area += 0.5 * r2 * math.atan2(cross, float(u @ v))
    return area


def _disk_polygon_area(vertices: np.ndarray, radius: float) -> float:
    """Area of (disk of ``radius`` at the origin) ∩ the convex polygon
    ``vertices`` (m, 2), counter-clockwise; exactly 0.0 when they do not overlap."""
    edges = list(zip(vertices, np.roll(vertices, -1, axis=0)))
    inside = all(p[0] * q[1] - p[1] * q[0] >= 0.0 for p, q in edges)
    if not inside:
        nearest = math.inf
        for p, q in edges:
            d = q - p
            t = min(max(-float(p @ d) / float(d @ d), 0.0), 1.0)
            closest = p + t * d
            nearest = min(nearest, float(closest @ closest))
        if nearest >= radius * radius:  # disjoint or touching: no area
            return 0.0
    return max(sum(_disk_triangle_area(p, q, radius) for p, q in edges), 0.0)


def expected_evaluations(data: Dataset, *, center, half_width, target_gap, loss="mse") -> float:
    """The expected number of uniform guesses in the box ``center ± half_width``
    until one lands within ``target_gap`` of the minimum MSE: ``1/p`` with
    ``p = area(E ∩ box) / (4*hw*hb)``, ``E = {L - L_min <= target_gap}``.

    For MSE, ``L - L_min = d^T H d / 2`` with ``d = (w, b) - (w*, b*)`` and
    ``H = lrcore.theory.curvature(data).hessian``, so ``E`` is an ellipse of
    area ``2*pi*target_gap/sqrt(det H)``. That closed form is used when ``E``
    lies inside the box. Otherwise the intersection is clipped analytically:
    ``u = A d`` with ``A^T A = H`` (Cholesky) maps ``E`` to the disk
    ``|u|**2 <= 2*target_gap`` and the box to a parallelogram; the area of
    disk ∩ convex polygon is exact (a triangle or a circular sector per piece
    of each edge), and divided by ``det A = sqrt(det H)``. Exact up to
    rounding, no sampling.

    The count of guesses is geometric: its standard deviation is
    ``sqrt(1 - p)/p``; it is compared with :meth:`RandomSearch.evaluations_to`
    at ``target_loss = L_min + target_gap``.

    Args:
        data: the points, ``x`` and ``y`` of shape (n,).
        center: ``(cw, cb)``, finite.
        half_width: ``(hw, hb)``, finite and > 0.
        target_gap: finite and > 0.
        loss: ``"mse"`` (or the MSE object): the only loss whose level sets
            are ellipses.

    Returns:
        A float >= 1; ``math.inf`` when the ellipse misses the box.

    Raises ``ValueError`` naming a bad argument.

    >>> data = Dataset([-1.0, 1.0], [-1.0, 3.0])  # H = 2I: E is a disk of radius sqrt(gap) at (2, 1)
    >>> round(expected_evaluations(data, center=(2.0, 1.0), half_width=(1.0, 1.0), target_gap=0.25), 6)  # 16/pi
    5.092958
    >>> round(expected_evaluations(data, center=(3.0, 1.0), half_width=(1.0, 1.0), target_gap=1.0), 6)  # half a disk: 8/pi
    2.546479
    >>> expected_evaluations(data, center=(2.0, 1.0), half_width=(1.0, 1.0), target_gap=2.0)  # the disk covers the box
    1.0
    >>> expected_evaluations(data, center=(9.0, 1.0), half_width=(1.0, 1.0), target_gap=1.0)
    inf
    """
    data = _checks.dataset("data", data)
    (cw, cb), (hw, hb) = _check_box(center, half_width)
    gap = _checks.real("target_gap", target_gap, low=0.0, low_open=True)
    if _losses.get(loss).name != "mse":
        raise ValueError(f"loss must be 'mse' (its level sets are ellipses), got {loss!r}")

    curv = curvature(data)
    (h_ww, h_wb), (_, h_bb) = curv.hessian
    # det H = 4*var_x; h_ww*h_bb - h_wb**2 would cancel when x is far from 0.
    det = curv.lambda_min * curv.lambda_max
    w_star, b_star = curv.minimizer
    offset_w, offset_b = cw - w_star, cb - b_star
    box_area = 4.0 * hw * hb
    # Half-extents of E along w and b: sqrt(2*gap*(H^-1)_ww), sqrt(2*gap*(H^-1)_bb).
    extent_w = math.sqrt(2.0 * gap * h_bb / det)
    extent_b = math.sqrt(2.0 * gap * h_ww / det)
    if abs(offset_w) + extent_w <= hw and abs(offset_b) + extent_b <= hb:
        area = 2.0 * math.pi * gap / math.sqrt(det)
    else:
        scale = math.sqrt(h_ww)
        to_disk = np.array([[scale, h_wb / scale], [0.0, math.sqrt(det) / scale]])  # A, det A > 0
        corners = np.array([[-hw, -hb], [hw, -hb], [hw, hb], [-hw, hb]]) - [w_star - cw, b_star - cb]
        area = _disk_polygon_area(corners @ to_disk.T, math.sqrt(2.0 * gap)) / math.sqrt(det)
    if not area > 0.0:
        return math.inf
    return max(box_area / area, 1.0)
