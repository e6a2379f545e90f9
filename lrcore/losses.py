"""Losses of a line fit ``y = w*x + b``: mean squared, mean absolute, Huber.

The definitions are those of Keras and PyTorch (the mean over samples, no 1/2
in MSE), with the residual ``r = w*x + b - y``:

- ``mse``: ``mean(r**2)``
- ``mae``: ``mean(|r|)``
- ``huber``: ``mean(rho(r))``, ``rho(r) = 0.5*r**2`` if ``|r| <= delta`` else
  ``delta*(|r| - 0.5*delta)``

Every loss evaluates at many points ``(w, b)`` in one call: ``w`` and ``b``
broadcast together (a meshgrid for a contour, ``(K,)`` vectors for K runs).

MSE works from :attr:`Dataset.moments` only, so a 400x400 grid costs the same
for 10 points or a million. MAE and Huber sum over every sample, exactly; on a
grid, where many points share a slope ``w``, the samples are binned once per
slope between the grid's intercepts, and then every ``b`` costs O(1) (see
:meth:`_SampleSums.bin_totals`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Callable, ClassVar, Mapping, NamedTuple

import numpy as np

from . import _checks
from .data import Dataset

__all__ = [
    "LOSSES",
    "NAMES",
    "Loss",
    "LossSpec",
    "MSE",
    "MAE",
    "Huber",
    "configured",
    "get",
    "mse_floor",
    "mse_hessian",
    "mse_minimizer",
]

# The direct path works on chunks of at most this many (point, sample) pairs:
# two float64 buffers of 8 MB each, whatever the grid and n.
_CHUNK_PAIRS = 1 << 20
# The binned path reads the samples in slices of this many: its ~8 buffers stay
# near 8 MB (and in cache) whatever n is.
_SAMPLE_SLICE = 1 << 17
# Cost model (nanoseconds, measured on a 2-core machine; only ratios matter):
# the direct path per (point, sample), the binned path per (slope, sample) and
# per slope.
_DIRECT_NS = 1.5
_BINNED_NS = 12.0
_PER_SLOPE_NS = 100_000.0
# Below this many pairs the direct path is always cheap enough (~2 ms).
_DIRECT_ALWAYS = 1 << 20
# The binned path subtracts prefix sums of e**2; past this size they could overflow.
_BINNED_MAX_ABS = 1e100


def _quiet():
    """Overflow to inf is an answer here (a diverging run), not a warning."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def _as_floats(value, name: str) -> np.ndarray:
    """Numbers as a float64 array; any value, inf and NaN included (a diverging
    run is evaluated too), but never strings or bools."""
    return _checks.real_array(name, value, allow_inf=True, allow_nan=True)


def _points(w, b) -> tuple[np.ndarray, np.ndarray]:
    """``w`` and ``b`` as float64 arrays broadcast to one shape (views, no copies)."""
    w = _as_floats(w, "w")
    b = _as_floats(b, "b")
    try:
        return np.broadcast_arrays(w, b)
    except ValueError:
        raise ValueError(f"w and b must broadcast together, got shapes {w.shape} and {b.shape}") from None


def _shaped(flat: np.ndarray, shape: tuple) -> np.ndarray:
    """``flat`` in ``shape``; a 0-d result comes out as a numpy float64 scalar."""
    return flat.reshape(shape)[()]


class Loss:
    """What every loss offers; get one with :func:`get`.

    A loss is immutable, and equal (and hashed) by ``(name, params)``, so it can
    key a cache.

    >>> get("huber", delta=2.0) == get("huber", delta=2.0), get("mse").name
    (True, 'mse')
    """

    name: ClassVar[str]

    @property
    def params(self) -> dict:
        """The loss's parameters by name, e.g. ``{"delta": 1.0}`` for Huber.

        >>> get("huber", delta=2).params, get("mse").params
        ({'delta': 2.0}, {})
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def _key(self) -> tuple:
        return (self.name, tuple(sorted(self.params.items())))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Loss):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    # -- per residual ------------------------------------------------------

    def pointwise(self, r):
        """The loss of each residual ``r = w*x + b - y``, elementwise, any shape.

        ``value`` is its mean over the samples; the mini-batch code takes the
        mean over a batch.

        >>> get("huber").pointwise([[0.0, 2.0], [-1.0, 0.5]])
        array([[0.   , 1.5  ],
               [0.5  , 0.125]])
        """
        raise NotImplementedError

    def derivative(self, r):
        """The derivative of :meth:`pointwise` in ``r``, elementwise, any shape.

        ``grad`` is ``(mean(derivative(r)*x), mean(derivative(r)))``.

        >>> get("mae").derivative([[0.0, 2.0], [-1.0, 0.5]])
        array([[ 0.,  1.],
               [-1.,  1.]])
        """
        raise NotImplementedError

    # -- over a dataset ------------------------------------------------------

    def value(self, data: Dataset, w, b):
        """The loss ``mean_i pointwise(w*x_i + b - y_i)`` at every point ``(w, b)``.

        Args:
            data: the points, ``x`` and ``y`` of shape (n,).
            w, b: floats or arrays that broadcast together, e.g. a meshgrid of
                shape (400, 400) or (K,) vectors for K runs.

        Returns:
            an array of the broadcast shape (a float64 scalar for scalars).
            Overflow gives ``inf``, never a warning.

        >>> from lrcore.data import Dataset
        >>> data = Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> get("mse").value(data, [2.0, 3.0], 1.0)
        array([0.        , 1.66666667])
        """
        with _quiet():
            value, _, _ = self._evaluate(_checks.dataset("data", data), *_points(w, b), True, False)
        return value

    def grad(self, data: Dataset, w, b):
        """The gradient ``(dL/dw, dL/db) = (mean(L'(r)*x), mean(L'(r)))``, ``r = w*x + b - y``.

        ``L'`` is :meth:`derivative`. ``w`` and ``b`` broadcast as in
        :meth:`value`; ``gw`` and ``gb`` have the broadcast shape.

        >>> from lrcore.data import Dataset
        >>> data = Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> gw, gb = get("mae").grad(data, 3.0, 1.0)
        >>> float(gw), float(gb)
        (1.0, 0.6666666666666666)
        """
        with _quiet():
            _, gw, gb = self._evaluate(_checks.dataset("data", data), *_points(w, b), False, True)
        return gw, gb

    def value_and_grad(self, data: Dataset, w, b):
        """``(value, gw, gb)``: :meth:`value` and :meth:`grad` in one pass over the samples.

        The descent loop calls it with ``w``, ``b`` of shape (K,) for K runs.

        >>> from lrcore.data import Dataset
        >>> data = Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> value, gw, gb = get("huber").value_and_grad(data, [2.0, 4.0], [1.0, 1.0])
        >>> value.tolist(), gw.tolist(), gb.tolist()
        ([0.0, 1.6666666666666667], [0.0, 1.0], [0.0, 0.6666666666666666])
        """
        with _quiet():
            return self._evaluate(_checks.dataset("data", data), *_points(w, b), True, True)

    def minimizer(self, data: Dataset) -> tuple[float, float]:
        """The ``(w, b)`` of least loss on ``data``, as two floats.

        Exact for MSE; within about 1e-12 of the least loss for MAE and Huber.

        >>> from lrcore.data import Dataset
        >>> get("mse").minimizer(Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]))
        (2.0, 1.0)
        """
        raise NotImplementedError

    def _evaluate(self, data, w, b, want_value, want_grad):
        """``(value, gw, gb)`` at ``w``, ``b`` of one shape; None for what is not wanted."""
        raise NotImplementedError


# --- mean squared error -------------------------------------------------------
#
# The three formulas of the MSE's bowl, each written once, from the centered
# moments of the data: the engine (the loss, descent, theory, slices) reads
# them from here.


def mse_minimizer(data: Dataset) -> tuple[float, float]:
    """The least-squares line: ``w* = cov_xy/var_x``, ``b* = mean_y - w*·mean_x``.

    From the centered moments of ``data``, so x far from 0 loses no digits.

    >>> from lrcore.data import Dataset
    >>> mse_minimizer(Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]))
    (2.0, 1.0)
    """
    return _line_of(_checks.dataset("data", data).moments)


def _line_of(m) -> tuple[float, float]:
    w = m.cov_xy / m.var_x
    return float(w), float(m.mean_y - w * m.mean_x)


def mse_floor(data: Dataset) -> float:
    """The least mean squared error: ``max(var_y - cov_xy**2/var_x, 0)``.

    From the centered moments of ``data`` (the clamp at 0 removes rounding
    below a perfect fit), as ``var_y - cov_xy*(cov_xy/var_x)``: ``cov_xy**2``
    alone may overflow where the floor, at most ``var_y``, is finite.

    >>> from lrcore.data import Dataset
    >>> round(mse_floor(Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 4.0])), 12)  # 1/18
    0.055555555556
    """
    return _floor_of(_checks.dataset("data", data).moments)


def _floor_of(m) -> float:
    return max(m.var_y - m.cov_xy * (m.cov_xy / m.var_x), 0.0)


def _line_hessian(scale: float, mean_x: float, var_x: float) -> np.ndarray:
    """``scale*[[var_x + mean_x**2, mean_x], [mean_x, 1]]``: the Hessian over
    ``(w, b)`` of ``scale/2*mean((w*x + b - y)**2)`` for x of that mean and
    centered variance (the MSE's with ``scale = 2``, Huber's near its
    minimiser with the inliers' share and moments)."""
    h_ww = scale * (var_x + mean_x * mean_x)
    h_wb = scale * mean_x
    return np.array([[h_ww, h_wb], [h_wb, scale]])


def mse_hessian(data: Dataset) -> np.ndarray:
    """(2, 2) the Hessian of the MSE over ``(w, b)``, constant (the loss is quadratic)::

        H = 2*[[mean(x*x), mean(x)], [mean(x), 1]] = 2*[[var_x + mean_x**2, mean_x], [mean_x, 1]]

    Its determinant is ``4*var_x`` exactly (``h_ww*h_bb - h_wb**2`` would
    cancel when x is far from 0).

    >>> from lrcore.data import Dataset
    >>> mse_hessian(Dataset([0.0, 2.0], [1.0, 5.0])).tolist()
    [[4.0, 2.0], [2.0, 2.0]]
    """
    m = _checks.dataset("data", data).moments
    return _line_hessian(2.0, m.mean_x, m.var_x)


@dataclass(frozen=True, eq=False)
class MSE(Loss):
    """Mean squared error, ``mean(r**2)`` with ``r = w*x + b - y`` (Keras, PyTorch).

    Computed from ``data.moments`` only, as offsets from the minimiser
    ``(w*, b*)``: with ``u = w - w*``, ``v = b - b*``,
    ``L = var_x*u**2 + (u*mean_x + v)**2 + L_min``. Writing it this way keeps
    the digits near the minimum, where the raw expansion cancels.

    >>> from lrcore.data import Dataset
    >>> float(MSE().value(Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]), 2.0, 2.0))
    1.0
    """

    name: ClassVar[str] = "mse"

    def pointwise(self, r):
        """``r**2``, elementwise.

        >>> MSE().pointwise([-2.0, 0.5])
        array([4.  , 0.25])
        """
        r = _as_floats(r, "r")
        with _quiet():
            return r * r

    def derivative(self, r):
        """``2*r``, elementwise.

        >>> MSE().derivative([-2.0, 0.5])
        array([-4.,  1.])
        """
        return 2.0 * _as_floats(r, "r")

    def minimizer(self, data: Dataset) -> tuple[float, float]:
        """The least-squares line: ``w = cov_xy/var_x``, ``b = mean_y - w*mean_x``.

        >>> from lrcore.data import Dataset
        >>> MSE().minimizer(Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]))
        (2.0, 1.0)
        """
        return mse_minimizer(data)

    def _evaluate(self, data, w, b, want_value, want_grad):
        m = data.moments
        w_best, b_best = _line_of(m)  # data was checked by the caller
        u = w - w_best
        # u*mean_x + v is the mean residual: the part of the error b can fix
        mean_r = u * m.mean_x + (b - b_best)
        value = gw = gb = None
        if want_value:
            # a sum of squares: overflow gives inf, never nan
            value = (m.var_x * (u * u) + mean_r * mean_r + _floor_of(m))[()]
        if want_grad:
            gb = 2.0 * mean_r
            gw = (2.0 * (m.var_x * u + mean_r * m.mean_x))[()]
            gb = gb[()]
        return value, gw, gb


# --- the samples: a direct pass, or bins per slope --------------------------


class _SampleLoss(Loss):
    """A loss that needs every sample: MAE and Huber.

    Subclasses give ``_rho_psi`` (in place, for the direct path) and
    ``_binned_group`` (all the intercepts of one slope, for the binned path).
    """

    #: whether ``_rho_psi`` needs the derivative to compute the loss
    needs_psi_for_value: ClassVar[bool] = False

    def _evaluate(self, data, w, b, want_value, want_grad):
        shape = w.shape
        w = w.ravel()  # a copy only where the broadcast needs one
        b = b.ravel()
        value = np.empty(w.size) if want_value else None
        gw = np.empty(w.size) if want_grad else None
        gb = np.empty(w.size) if want_grad else None
        outputs = (value, gw, gb)
        slopes = _slope_groups(w, b, data.n)
        if slopes is None:
            _direct(self, data, w, b, np.arange(w.size), outputs)
        else:
            _binned(self, data, w, b, slopes, outputs)
        return tuple(None if out is None else _shaped(out, shape) for out in outputs)

    def _rho_psi(self, r: np.ndarray, psi: np.ndarray | None, want_value: bool) -> float:
        """Overwrite ``psi`` (if given) with L'(r) and, if ``want_value``, ``r`` with
        ``scale*rho(r)``; return ``scale``."""
        raise NotImplementedError

    def _binned_group(self, slope, b, sums_of, want_value, want_grad):
        """``(value, gw, gb)`` at ``(slope, b[k])`` for every k, or None where the
        binned sums could overflow."""
        raise NotImplementedError


class _SlopeGroups(NamedTuple):
    """The points sorted by slope: ``rows[starts[g]:starts[g+1]]`` share ``slopes[g]``."""

    slopes: np.ndarray
    rows: np.ndarray
    starts: np.ndarray


def _slope_groups(w, b, n) -> _SlopeGroups | None:
    """Group the points by slope when binning per slope is cheaper than the direct path."""
    points = w.size
    if points * n <= _DIRECT_ALWAYS or points < 4:
        return None
    if not (np.isfinite(w).all() and np.isfinite(b).all()):
        return None
    slopes, which = np.unique(w, return_inverse=True)
    direct_cost = points * n * _DIRECT_NS
    binned_cost = slopes.size * (n * _BINNED_NS + _PER_SLOPE_NS)
    if binned_cost >= direct_cost:
        return None
    rows = np.argsort(which, kind="stable")
    starts = np.concatenate(([0], np.cumsum(np.bincount(which, minlength=slopes.size))))
    return _SlopeGroups(slopes, rows, starts)


def _store(outputs, rows, results) -> None:
    for out, result in zip(outputs, results):
        if out is not None:
            out[rows] = result


def _direct(loss, data, w, b, rows, outputs) -> None:
    """Fill ``outputs[rows]`` summing over every sample, chunk by chunk: O(len(rows)*n)."""
    value, gw, gb = outputs
    want_value, want_grad = value is not None, gw is not None
    x, y, n = data.x, data.y, data.n
    mean_x = data.moments.mean_x
    x_centered = x - mean_x  # centered, so that gw keeps its digits when x is near 1000
    per_chunk = max(1, min(rows.size, _CHUNK_PAIRS // n))
    r_buffer = np.empty((per_chunk, n))
    psi_buffer = np.empty((per_chunk, n)) if (want_grad or loss.needs_psi_for_value) else None
    for start in range(0, rows.size, per_chunk):
        chunk = rows[start:start + per_chunk]
        r = r_buffer[: chunk.size]
        psi = None if psi_buffer is None else psi_buffer[: chunk.size]
        np.multiply(w[chunk, None], x, out=r)
        r += b[chunk, None]
        r -= y
        scale = loss._rho_psi(r, psi, want_value)
        if want_value:
            value[chunk] = r.mean(axis=1) / scale
        if want_grad:
            gb_chunk = psi.sum(axis=1) / n
            gw[chunk] = psi @ x_centered / n + mean_x * gb_chunk
            gb[chunk] = gb_chunk


def _binned(loss, data, w, b, groups: _SlopeGroups, outputs) -> None:
    """Fill ``outputs`` slope by slope with the binned sums, the direct path where it can't."""
    want_value, want_grad = outputs[0] is not None, outputs[1] is not None
    sums_of = _SampleSums(data)
    leftover = []
    for g, slope in enumerate(groups.slopes):
        rows = groups.rows[groups.starts[g]:groups.starts[g + 1]]
        results = loss._binned_group(float(slope), b[rows], sums_of, want_value, want_grad)
        if results is None:
            leftover.append(rows)
            continue
        # prefix sums that overflowed give nan or inf: redo those points directly
        bad = np.zeros(rows.size, dtype=bool)
        for result in results:
            if result is not None:
                bad |= ~np.isfinite(result)
        _store(outputs, rows, results)
        if bad.any():
            leftover.append(rows[bad])
    if leftover:
        _direct(loss, data, w, b, np.concatenate(leftover), outputs)


class _Lattice(NamedTuple):
    """Sorted thresholds ``t`` and a uniform lattice of cells over them, to find
    ``#{t < e}`` for many ``e`` in O(1) each (see :func:`_count_below`)."""

    low: float
    cells_per_unit: float
    cells: int
    first: np.ndarray  # (cells,) first[c] = #{t in cells before c}
    padded: np.ndarray  # thresholds, then `rounds` infs
    rounds: int  # the most thresholds in one cell


def _cell_of(values, lattice_low, cells_per_unit, cells, scratch, out) -> None:
    np.subtract(values, lattice_low, out=scratch)
    scratch *= cells_per_unit
    np.floor(scratch, out=scratch)
    np.clip(scratch, 0, cells - 1, out=scratch)
    np.copyto(out, scratch, casting="unsafe")


def _lattice(thresholds: np.ndarray) -> _Lattice | None:
    """A lattice with about 4 cells per threshold; None where it would hold
    more than 4 thresholds in one cell (then np.searchsorted is used)."""
    m = thresholds.size
    cells = 4 * m
    span = thresholds[-1] - thresholds[0]
    cells_per_unit = cells / span if span > 0 else 0.0
    if not np.isfinite(cells_per_unit) or (m > 1 and cells_per_unit == 0.0):
        return None
    cell = np.empty(m, dtype=np.intp)
    _cell_of(thresholds, thresholds[0], cells_per_unit, cells, np.empty(m), cell)
    rounds = int(np.bincount(cell, minlength=cells).max())
    if rounds > 4:
        return None
    first = np.searchsorted(cell, np.arange(cells), side="left")
    padded = np.concatenate((thresholds, np.full(rounds, np.inf)))
    return _Lattice(float(thresholds[0]), cells_per_unit, cells, first, padded, rounds)


class _Scratch:
    """Buffers for one slice of samples, allocated once per call (fresh arrays
    would page-fault on every slope)."""

    def __init__(self, size: int):
        self.e = np.empty(size)
        self.e_offset = np.empty(size)
        self.product = np.empty(size)
        self.real = np.empty(size)
        self.below = np.empty(size, dtype=np.intp)
        self.index = np.empty(size, dtype=np.intp)
        self.flag = np.empty(size, dtype=bool)


def _count_below(e, lattice, work, size, split_ties) -> np.ndarray:
    """``below[i] = #{t < e[i]}`` (np.searchsorted, side="left"), as codes
    ``2*below + (e == t[below])`` if ``split_ties``.

    Why it is exact: the cell index is a monotone function of the value (each
    rounding step is), so a threshold in an earlier cell than ``e`` is below it
    and one in a later cell is not; only thresholds in ``e``'s own cell (at most
    ``rounds``) are compared.
    """
    below = work.below[:size]
    index = work.index[:size]
    real = work.real[:size]
    flag = work.flag[:size]
    _cell_of(e, lattice.low, lattice.cells_per_unit, lattice.cells, real, index)
    np.take(lattice.first, index, out=below, mode="clip")
    np.copyto(index, below)
    for step in range(lattice.rounds):
        if step:
            index += 1
        np.take(lattice.padded, index, out=real, mode="clip")
        np.less(real, e, out=flag)
        below += flag
    if split_ties:
        np.take(lattice.padded, below, out=real, mode="clip")
        np.equal(real, e, out=flag)
        below *= 2
        below += flag
    return below


class _SampleSums:
    """Per-slope binned sums of the samples, with the buffers they need."""

    def __init__(self, data: Dataset):
        self.x = data.x
        self.y = data.y
        self.n = data.n
        self.mean_x = data.moments.mean_x
        self.mean_y = data.moments.mean_y
        self.x_centered = data.x - self.mean_x
        self.y_centered_max = float(np.max(np.abs(data.y - self.mean_y)))
        self.x_centered_max = float(np.max(np.abs(self.x_centered)))
        self.work = _Scratch(min(self.n, _SAMPLE_SLICE))

    def center(self, slope: float) -> float | None:
        """The mean of ``e = y - slope*x``; None if the binned sums could overflow."""
        if abs(slope) * self.x_centered_max + self.y_centered_max > _BINNED_MAX_ABS:
            return None
        return self.mean_y - slope * self.mean_x

    def bin_totals(self, slope, thresholds, split_ties, kinds, reference) -> dict:
        """Sums over bins of the samples ``e = y - slope*x`` cut at ``thresholds``.

        Bin ``k`` holds the samples with code ``k``: ``#{t < e}``, or
        ``2*#{t < e} + (e == t)`` with ``split_ties``. ``out[kind][k]`` sums
        over bin ``k`` one of: ``"count"`` (1), ``"e"`` (``e - reference``),
        ``"ee"`` (its square), ``"x"`` (``x - mean_x``), ``"xe"`` (their
        product). ``reference`` is a float, or an array giving each bin its own
        (an anchor near the bin keeps its sums small).
        """
        lattice = _lattice(thresholds)
        bins = 2 * thresholds.size + 1 if split_ties else thresholds.size + 1
        totals = {kind: np.zeros(bins) for kind in kinds}
        work = self.work
        for start in range(0, self.n, _SAMPLE_SLICE):
            stop = min(start + _SAMPLE_SLICE, self.n)
            size = stop - start
            x, y, x_centered = self.x[start:stop], self.y[start:stop], self.x_centered[start:stop]
            e = work.e[:size]
            np.multiply(x, slope, out=e)
            np.subtract(y, e, out=e)
            if lattice is None:
                codes = np.searchsorted(thresholds, e, side="left")
                if split_ties:
                    codes = 2 * codes + (np.append(thresholds, np.inf)[codes] == e)
            else:
                codes = _count_below(e, lattice, work, size, split_ties)
            e_offset = work.e_offset[:size]
            if np.ndim(reference):
                np.take(reference, codes, out=e_offset, mode="clip")
                np.subtract(e, e_offset, out=e_offset)
            else:
                np.subtract(e, reference, out=e_offset)
            product = work.product[:size]
            for kind in kinds:
                if kind == "count":
                    weights = None
                elif kind == "e":
                    weights = e_offset
                elif kind == "ee":
                    weights = np.multiply(e_offset, e_offset, out=product)
                elif kind == "x":
                    weights = x_centered
                else:  # "xe"
                    weights = np.multiply(x_centered, e_offset, out=product)
                totals[kind] += np.bincount(codes, weights=weights, minlength=bins)
        return totals


def _prefix(totals: np.ndarray) -> np.ndarray:
    """``out[k] = sum(totals[:k])``, so a run of bins ``[i, k)`` sums to ``out[k] - out[i]``."""
    return np.concatenate((np.zeros(1, dtype=totals.dtype), np.cumsum(totals)))


# --- mean absolute error --------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MAE(_SampleLoss):
    """Mean absolute error, ``mean(|r|)`` with ``r = w*x + b - y`` (Keras, PyTorch).

    Its derivative is ``sign(r)`` with ``sign(0) = 0``, as torch.abs's backward.

    >>> from lrcore.data import Dataset
    >>> float(MAE().value(Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]), 2.0, 2.0))
    1.0
    """

    name: ClassVar[str] = "mae"

    def pointwise(self, r):
        """``|r|``, elementwise.

        >>> MAE().pointwise([-2.0, 0.5])
        array([2. , 0.5])
        """
        return np.abs(_as_floats(r, "r"))

    def derivative(self, r):
        """``sign(r)``, elementwise, with ``sign(0) = 0``.

        >>> MAE().derivative([-2.0, 0.0, 0.5])
        array([-1.,  0.,  1.])
        """
        return np.sign(_as_floats(r, "r"))

    def minimizer(self, data: Dataset) -> tuple[float, float]:
        """The least-absolute-deviations line: ``argmin mean|w*x + b - y|``.

        Golden-section search on the convex profile ``f(w) = min_b mean|y - w*x - b|``
        (the inner minimum is at ``b = median(y - w*x)``), in standardized x,
        to about 1e-12 of the loss; O(n) per step, about 80 steps.

        >>> from lrcore.data import Dataset
        >>> w, b = MAE().minimizer(Dataset([0, 1, 2, 3, 4], [1, 3, 5, 7, 20]))
        >>> round(w, 9), round(b, 9)  # through the four points on a line
        (2.0, 1.0)
        """
        with _quiet():
            return _least_absolute_deviations(_checks.dataset("data", data))

    def _rho_psi(self, r, psi, want_value):
        if psi is not None:
            np.sign(r, out=psi)
        if want_value:
            np.abs(r, out=r)
        return 1.0

    def _binned_group(self, slope, b, sums_of, want_value, want_grad):
        """Value and gradient at ``(slope, b[k])`` for every k, from one binning of
        ``e = y - slope*x``: ``r = b - e``, so the samples split at ``e = b``."""
        center = sums_of.center(slope)
        if center is None:
            return None
        thresholds, at = np.unique(b, return_inverse=True)
        kinds = ("count", "e") + (("x",) if want_grad else ())
        totals = sums_of.bin_totals(slope, thresholds, want_grad, kinds, center)
        prefix = {kind: _prefix(total) for kind, total in totals.items()}
        n = sums_of.n
        # prefix index of the samples with e < b and with e <= b
        if want_grad:
            below, upto = 2 * at + 1, 2 * at + 2
        else:
            below = upto = at + 1
        value = gw = gb = None
        if want_value:
            b_centered = b - center
            count, e_sum = prefix["count"], prefix["e"]
            # sum over e <= b of (b - e) plus sum over e > b of (e - b)
            total = (
                count[upto] * b_centered - e_sum[upto]
                + (e_sum[-1] - e_sum[upto]) - (n - count[upto]) * b_centered
            )
            value = np.maximum(total / n, 0.0)
        if want_grad:
            count, x_sum = prefix["count"], prefix["x"]
            # sign(r) = +1 where e < b, -1 where e > b, 0 at a tie
            gb = (count[below] - (n - count[upto])) / n
            gw = (x_sum[below] - (x_sum[-1] - x_sum[upto])) / n + sums_of.mean_x * gb
        return value, gw, gb


def _standardized(data: Dataset) -> tuple[np.ndarray, np.ndarray, float]:
    """``x_s = (x - mean_x)/std_x``, ``y_c = y - mean_y`` and ``std_x``: a line is
    ``y_c = slope*x_s + intercept``, with ``w = slope/std_x``."""
    m = data.moments
    std_x = math.sqrt(m.var_x)
    return (data.x - m.mean_x) / std_x, data.y - m.mean_y, std_x


def _least_absolute_deviations(data: Dataset) -> tuple[float, float]:
    x_s, y_c, std_x = _standardized(data)
    profile = _LadProfile(x_s, y_c)
    m = data.moments
    scale = math.sqrt(m.var_y) or 1.0  # the slope's natural size in standardized x
    left, right, best, f_best = _bracket(profile, m.cov_xy / std_x, scale)
    slope = _golden_section(profile, left, right, best, f_best, scale, narrowed=profile.narrow)
    w = slope / std_x
    return float(w), float(np.median(data.y - w * data.x))


class _LadProfile:
    """``f(slope) = min_b mean|e - b|`` with ``e = y_c - slope*x_s``: the sum of
    the upper half of the residuals minus that of the lower half (the inner
    minimum is at ``b = median(e)``), by a partition at the median.

    Once the slope is known to lie in a bracket, most points are on the same
    side of the median for every slope in it; ``narrow`` sets those aside as
    sums (their residuals are linear in the slope), so that each later
    evaluation partitions only the points that may still cross the median.
    A search costs a few passes over the data rather than one per step."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.n, self.half, self.odd = x.size, x.size // 2, x.size % 2
        self.x, self.y = x, y  # the points that may still cross the median
        self.work = np.empty(x.size)
        # the points set aside: their count and their sums of x and y, below and above
        self.below = [0, 0.0, 0.0]
        self.above = [0, 0.0, 0.0]
        self.width = math.inf  # the bracket's width when last narrowed
        self.shrink = 0.25  # how much narrower the bracket must be before narrowing again

    def __call__(self, slope: float) -> float:
        work = self.work[: self.x.size]
        np.multiply(self.x, slope, out=work)
        np.subtract(self.y, work, out=work)
        lower = self.half - self.below[0]  # this many of the points kept are in the lower half
        upper = lower + self.odd  # and these from here on in the upper half
        work.partition(lower)  # lower < work.size: the median itself is never set aside
        low_sum = work[:lower].sum() + (self.below[2] - slope * self.below[1])
        high_sum = work[upper:].sum() + (self.above[2] - slope * self.above[1])
        return float(high_sum - low_sum) / self.n

    def narrow(self, left: float, right: float) -> None:
        """Set aside the points that stay below (or above) the median for
        every slope in ``[left, right]``, once the bracket is a quarter as
        wide as when last narrowed (a sixteenth if that set few aside: on
        points close to a line most residuals cross the median until the
        bracket is very narrow). Each point's residual lies between its
        residuals at the two ends, so the median lies between the medians of
        those lower and upper ends."""
        if right - left > self.shrink * self.width:
            return
        self.width = right - left
        x, y = self.x, self.y
        at_left, at_right = y - left * x, y - right * x
        lowest, highest = np.minimum(at_left, at_right), np.maximum(at_left, at_right)
        rank = self.half - self.below[0]  # the median's rank among the points kept
        floor = np.partition(lowest, rank)[rank]
        ceiling = np.partition(highest, rank)[rank]
        below, above = highest < floor, lowest > ceiling
        for side, mask in ((self.below, below), (self.above, above)):
            side[0] += int(mask.sum())
            side[1] += float(x[mask].sum())
            side[2] += float(y[mask].sum())
        keep = ~(below | above)
        self.x, self.y = x[keep], y[keep]
        self.shrink = 0.25 if self.x.size < 0.9 * x.size else 1 / 16


def _bracket(f, start: float, step: float):
    """``(left, right, mid, f(mid))`` with ``f(mid) <= f(left), f(right)``: for a
    convex ``f`` a minimiser lies in ``[left, right]``. The step doubles while
    ``f`` still falls on one side."""
    left, mid, right = start - step, start, start + step
    f_left, f_mid, f_right = f(left), f(mid), f(right)
    for _ in range(2000):
        if f_left < f_mid:
            right, mid, f_mid = mid, left, f_left
            step *= 2.0
            left = mid - step
            f_left = f(left)
        elif f_right < f_mid:
            left, mid, f_mid = mid, right, f_right
            step *= 2.0
            right = mid + step
            f_right = f(right)
        else:
            break
    return left, right, mid, f_mid


_INVERSE_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def _golden_section(f, left, right, best, f_best, scale, narrowed=None) -> float:
    """A minimiser of the convex ``f`` on ``[left, right]``, to a width of
    ``1e-12*f_best`` (f is 1-Lipschitz in standardized x, so this bounds the loss
    error) or the rounding of the arguments. ``narrowed(left, right)``, if
    given, is told each new bracket before ``f`` is evaluated inside it."""
    inner_left = right - _INVERSE_GOLDEN * (right - left)
    inner_right = left + _INVERSE_GOLDEN * (right - left)
    f_inner_left, f_inner_right = f(inner_left), f(inner_right)
    for _ in range(400):
        for point, value in ((inner_left, f_inner_left), (inner_right, f_inner_right)):
            if value < f_best:
                best, f_best = point, value
        width = right - left
        if width <= max(1e-12 * f_best, 4.0 * np.finfo(float).eps * (abs(left) + abs(right)), 1e-15 * scale):
            break
        if f_inner_left <= f_inner_right:
            right, inner_right, f_inner_right = inner_right, inner_left, f_inner_left
            inner_left = right - _INVERSE_GOLDEN * (right - left)
            if narrowed is not None:
                narrowed(left, right)
            f_inner_left = f(inner_left)
        else:
            left, inner_left, f_inner_left = inner_left, inner_right, f_inner_right
            inner_right = left + _INVERSE_GOLDEN * (right - left)
            if narrowed is not None:
                narrowed(left, right)
            f_inner_right = f(inner_right)
    return best


# --- Huber ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Huber(_SampleLoss):
    """Huber loss (Keras Huber, PyTorch HuberLoss), ``mean(rho(r))`` with
    ``r = w*x + b - y`` and ``rho(r) = 0.5*r**2`` if ``|r| <= delta`` else
    ``delta*(|r| - 0.5*delta)``; ``rho'(r) = clip(r, -delta, delta)``.

    Args:
        delta: where the loss turns from quadratic to linear, finite > 0.

    >>> from lrcore.data import Dataset
    >>> float(Huber(delta=0.5).value(Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]), 2.0, 2.0))
    0.375
    """

    name: ClassVar[str] = "huber"
    needs_psi_for_value: ClassVar[bool] = True
    delta: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "delta", _checks.real("delta", self.delta, low=0.0, low_open=True))

    def pointwise(self, r):
        """``0.5*r**2`` where ``|r| <= delta``, else ``delta*(|r| - 0.5*delta)``, elementwise.

        Computed as ``q*(|r| - 0.5*q)`` with ``q = min(|r|, delta)``, which never
        squares a large residual.

        >>> Huber(delta=1.0).pointwise([0.5, -3.0])
        array([0.125, 2.5  ])
        """
        size = np.abs(_as_floats(r, "r"))
        inside = np.minimum(size, self.delta)
        with _quiet():
            return inside * (size - 0.5 * inside)

    def derivative(self, r):
        """``clip(r, -delta, delta)``, elementwise.

        >>> Huber(delta=1.0).derivative([0.5, -3.0])
        array([ 0.5, -1. ])
        """
        return np.clip(_as_floats(r, "r"), -self.delta, self.delta)

    def minimizer(self, data: Dataset) -> tuple[float, float]:
        """``argmin mean(rho(w*x + b - y))`` by damped Newton steps in standardized x.

        The loss is piecewise quadratic, so a Newton step is exact once the set
        ``|r| <= delta`` is right; where that set's Hessian is singular, an IRLS
        step (weights ``min(1, delta/|r|)``) is taken instead; Armijo
        backtracking makes every step a descent. Starts at the least-squares line.

        >>> from lrcore.data import Dataset
        >>> w, b = Huber().minimizer(Dataset([0, 1, 2, 3, 4], [1, 3, 5, 7, 20]))
        >>> round(w, 9), round(b, 9)  # clip(r, -1, 1) = (-0.5, 0, 0.5, 1, -1) sums to 0, also times x
        (2.5, 0.5)
        """
        with _quiet():
            return _huber_fit(_checks.dataset("data", data), self.delta)

    def _rho_psi(self, r, psi, want_value):
        np.clip(r, -self.delta, self.delta, out=psi)
        if want_value:
            # rho = psi*(r - psi/2), kept doubled to save a pass: 2*rho = psi*(2r - psi)
            r *= 2.0
            r -= psi
            r *= psi
        return 2.0

    def _binned_group(self, slope, b, sums_of, want_value, want_grad):
        """Value and gradient at ``(slope, b[k])`` for every k from one binning of
        ``e = y - slope*x`` at ``b - delta`` and ``b + delta``: with ``r = b - e``
        the samples with ``e <= b - delta`` are on the linear part (``rho' = delta``),
        those with ``e > b + delta`` on the other (``-delta``), the rest quadratic."""
        center = sums_of.center(slope)
        if center is None:
            return None
        delta = self.delta
        lower, upper = b - delta, b + delta
        thresholds = np.unique(np.concatenate((lower, upper)))
        # each sample measured from the upper threshold of its bin: the sums of
        # the quadratic part then hold small numbers, and no prefix cancels them
        anchors = np.append(thresholds, thresholds[-1])
        kinds = ("count", "e") + (("ee",) if want_value else ()) + (("x", "xe") if want_grad else ())
        totals = sums_of.bin_totals(slope, thresholds, False, kinds, anchors)
        prefix = _huber_prefix(totals, anchors, center)
        n = sums_of.n
        a = np.searchsorted(thresholds, lower) + 1  # prefix index: samples with e <= b - delta
        z = np.searchsorted(thresholds, upper) + 1  # ... with e <= b + delta
        count, e_sum = prefix["count"], prefix["e"]
        k_low, k_high = count[a], count[z]
        inside = k_high - k_low
        e_inside = e_sum[z] - e_sum[a]
        wide = np.longdouble
        b_c = b.astype(wide) - wide(center)
        delta = wide(delta)
        value = gw = gb = None
        if want_value:
            ee = prefix["ee"]
            low_part = delta * (k_low * (b_c - delta / 2) - e_sum[a])
            # sum over the quadratic samples of (b - e)**2, expanded
            quadratic = np.maximum(inside * b_c * b_c - 2 * b_c * e_inside + (ee[z] - ee[a]), 0)
            high_part = delta * ((e_sum[-1] - e_sum[z]) - (n - k_high) * (b_c + delta / 2))
            value = np.maximum((low_part + quadratic / 2 + high_part) / n, 0).astype(np.float64)
        if want_grad:
            x_sum, xe = prefix["x"], prefix["xe"]
            gb = (delta * k_low + (inside * b_c - e_inside) - delta * (n - k_high)) / n
            gw_centered = (
                delta * x_sum[a]
                + (b_c * (x_sum[z] - x_sum[a]) - (xe[z] - xe[a]))
                - delta * (x_sum[-1] - x_sum[z])
            ) / n
            gw = (gw_centered + sums_of.mean_x * gb).astype(np.float64)
            gb = gb.astype(np.float64)
        return value, gw, gb


def _huber_prefix(totals: dict, anchors: np.ndarray, center: float) -> dict:
    """Prefix sums of the bins' totals measured from ``center`` instead of each
    bin's anchor, in long double: the sums of e**2 grow with the distance from
    the center, and the quadratic part is a difference of two of them."""
    wide = np.longdouble
    shift = anchors.astype(wide) - wide(center)
    count = totals["count"].astype(wide)
    e = totals["e"].astype(wide)
    moved = {"count": count, "e": e + count * shift}
    if "ee" in totals:
        moved["ee"] = totals["ee"].astype(wide) + 2 * shift * e + count * shift * shift
    if "x" in totals:
        x = totals["x"].astype(wide)
        moved["x"] = x
        moved["xe"] = totals["xe"].astype(wide) + shift * x
    return {kind: _prefix(total) for kind, total in moved.items()}


class _HuberProblem:
    """``mean(rho(slope*x_s + intercept - y_c))`` in standardized x, with the
    buffers its steps reuse (fresh arrays of n floats would page-fault each step)."""

    def __init__(self, data: Dataset, delta: float):
        self.x_s, self.y_c, self.std_x = _standardized(data)
        self.x_squared = self.x_s * self.x_s
        self.delta = delta
        self.n = data.n
        self.r = np.empty(self.n)
        self.psi = np.empty(self.n)
        self.weight = np.empty(self.n)

    def residuals(self, theta) -> np.ndarray:
        np.multiply(self.x_s, theta[0], out=self.r)
        np.subtract(self.r, self.y_c, out=self.r)
        return np.add(self.r, theta[1], out=self.r)

    def loss(self, theta) -> float:
        r = self.residuals(theta)
        np.clip(r, -self.delta, self.delta, out=self.psi)
        # 2*rho = psi*(2r - psi)
        r *= 2.0
        r -= self.psi
        r *= self.psi
        return float(r.sum()) / (2.0 * self.n)

    def directions(self, theta):
        """``(gradient, [Newton step if the inliers' Hessian is regular, IRLS step])``.

        With x standardized, ``mean([[x*x, x], [x, 1]])`` is the identity; the
        Hessian is the part of it the inliers (``|r| <= delta``) carry. IRLS
        weighs each sample by ``psi/r = min(1, delta/|r|)``, a quadratic that
        majorizes the loss, so its full step always descends.
        """
        r = self.residuals(theta)
        psi, weight, n = self.psi, self.weight, self.n
        np.clip(r, -self.delta, self.delta, out=psi)
        grad = np.array([psi @ self.x_s, psi.sum()]) / n
        np.abs(r, out=r)
        np.divide(self.delta, r, out=weight)  # inf where r == 0, clipped next
        np.minimum(weight, 1.0, out=weight)
        irls = self._moments(weight)
        np.less_equal(r, self.delta, out=r, casting="unsafe")  # 1.0 for the inliers
        hessian = self._moments(r)
        steps = []
        if np.linalg.eigvalsh(hessian)[0] > 1e-9:
            steps.append(-np.linalg.solve(hessian, grad))
        steps.append(-np.linalg.solve(irls, grad))
        return grad, steps

    def _moments(self, weight) -> np.ndarray:
        cross = weight @ self.x_s
        return np.array([[weight @ self.x_squared, cross], [cross, weight.sum()]]) / self.n


def _huber_fit(data: Dataset, delta: float) -> tuple[float, float]:
    problem = _HuberProblem(data, delta)
    m = data.moments
    theta = np.array([m.cov_xy / problem.std_x, 0.0])  # the least-squares line
    f = problem.loss(theta)
    scale = math.sqrt(m.var_y) + delta
    stalls = 0
    # Newton finishes in a few steps once the inliers settle; with delta tiny
    # next to the residuals there are too few inliers for a while, and the IRLS
    # steps (linear convergence) carry it there
    for _ in range(500):
        grad, steps = problem.directions(theta)
        for direction in steps:
            slope_along = float(grad @ direction)
            if not slope_along < 0.0:
                continue
            trial, f_trial = _armijo(problem.loss, theta, f, direction, slope_along)
            if trial is not None:
                break
        else:
            break  # no direction descends: a minimum, to rounding
        if f_trial > f:
            break  # rounding noise: a step there and one back could alternate forever
        stalls = stalls + 1 if f_trial == f else 0
        change = np.abs(trial - theta).max()
        theta, f = trial, f_trial
        if stalls >= 2 or change <= 1e-15 * (np.abs(theta).max() + scale):
            break
    slope, intercept = theta
    w = slope / problem.std_x
    return float(w), float(intercept + m.mean_y - w * m.mean_x)


def _armijo(loss, theta, f, direction, slope_along):
    """``(theta + t*direction, its loss)`` for the first of t = 1, 1/2, 1/4, ...
    that decreases the loss enough (Armijo), then t doubled while the loss
    still falls; ``(None, f)`` if none does."""
    step = 1.0
    for _ in range(60):
        trial = theta + step * direction
        f_trial = loss(trial)
        # room for the rounding of f: near the minimum the predicted decrease is
        # below it, and the exact Newton step must pass
        if f_trial <= f + 1e-4 * step * slope_along + 1e-15 * f:
            break
        step *= 0.5
    else:
        return None, f
    if step == 1.0:
        # IRLS steps fall short when delta is tiny: go on while it pays
        for _ in range(30):
            further = theta + 2.0 * step * direction
            f_further = loss(further)
            if not f_further < f_trial:
                break
            step, trial, f_trial = 2.0 * step, further, f_further
    return trial, f_trial


# --- by name ----------------------------------------------------------------------


@dataclass(frozen=True)
class LossSpec:
    """One loss the engine knows by name: what :func:`get` builds for it.

    Fields: ``name`` (the key in :data:`LOSSES`), ``label`` (the word a page
    shows), ``factory`` (the loss class) and ``params`` (the arguments it takes).

    >>> spec = LOSSES["huber"]
    >>> spec.label, spec.params, spec.factory(delta=2.0)
    ('Huber', ('delta',), Huber(delta=2.0))
    """

    name: str
    label: str
    factory: Callable[..., Loss] = field(repr=False)
    params: tuple[str, ...]


#: Every loss by name, in the order a page lists them.
LOSSES: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec("mse", "MSE", MSE, ()),
        LossSpec("mae", "MAE", MAE, ()),
        LossSpec("huber", "Huber", Huber, ("delta",)),
    )
}

#: The names :func:`get` knows: the keys of :data:`LOSSES`.
NAMES = tuple(LOSSES)


def _spec(name) -> LossSpec:
    return LOSSES[_checks.choice("loss", name, NAMES, ignore_case=True)]


def get(name, **params) -> Loss:
    """The loss called ``name`` (``"mse"``, ``"mae"``, ``"huber"``) with ``params``.

    Args:
        name: a name (any case), or a loss object, returned as is (then no
            ``params``).
        **params: ``delta`` (float, finite > 0, default 1.0) for ``"huber"``;
            none for the others.

    Raises ``ValueError`` naming an unknown loss or parameter, or a bad value.

    >>> get("huber", delta=2.0)
    Huber(delta=2.0)
    >>> get(get("mae")) == get("MAE")
    True
    """
    if isinstance(name, Loss):
        if params:
            raise ValueError(f"parameters {params!r} can't be given with a loss object {name!r}")
        return name
    spec = _spec(name)
    for key in params:
        if key not in spec.params:
            takes = f"its parameters are {', '.join(map(repr, spec.params))}" if spec.params else "it takes no parameters"
            raise ValueError(f"unknown parameter {key!r} for loss {spec.name!r}: {takes}")
    return spec.factory(**params)


def configured(name, settings: Mapping) -> Loss:
    """The loss called ``name``, built with those of ``settings`` it takes.

    Only the loss's own :attr:`LossSpec.params` are read from ``settings``
    (``delta`` for Huber), so one dict of settings builds any loss:
    ``configured("mse", {"delta": 1.0})`` is the MSE.

    Args:
        name: ``"mse"``, ``"mae"`` or ``"huber"`` (any case).
        settings: a mapping of parameter names to values.

    >>> configured("mse", {"delta": 2.0}), configured("Huber", {"delta": 2.0})
    (MSE(), Huber(delta=2.0))
    """
    spec = _spec(name)
    if not isinstance(settings, Mapping):
        raise _checks.error("settings", "a mapping of parameter names to values", settings)
    return spec.factory(**{key: settings[key] for key in spec.params if key in settings})
