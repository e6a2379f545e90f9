"""Gradient descent on a line's loss, K learning rates at once.

``run`` keeps the run axis first and loops over steps only: every step is a
handful of numpy operations on (K,) vectors, whatever K is. For the mean
squared error a step never touches the samples (it works from
``Dataset.moments``), so a step costs O(K) whatever n is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Callable, Sequence, Union

import numpy as np

from . import _checks
from . import losses as _losses
from .data import Dataset
from .optimizers import Optimizer, sgd

__all__ = ["Trajectory", "run", "tail_window", "DIVERGENCE_FACTOR", "MAX_CELLS"]

#: A run diverges when its loss exceeds this many times max(1, initial loss).
DIVERGENCE_FACTOR = 1e12
#: The most K*(steps+1) cells one call may ask for (four float64 tables of it).
MAX_CELLS = 10_000_000

Schedule = Callable[[Union[int, np.ndarray]], Union[float, np.ndarray]]


def tail_window(steps: int, share: float = 0.1) -> int:
    """How many last loss columns make the last ``share`` of ``steps``:
    ``max(1, ceil(share*steps))``, what :meth:`Trajectory.tail_mean` averages.

    >>> tail_window(1000), tail_window(25), tail_window(0), tail_window(300, 0.1)
    (100, 3, 1, 30)
    """
    steps = _checks.integer("steps", steps, low=0)
    share = _checks.real("share", share, low=0.0, high=1.0, low_open=True)
    # round first: 0.1*300 is 30.000000000000004, which must not become 31
    return max(1, math.ceil(round(share * steps, 9)))


@dataclass(frozen=True, eq=False)
class Trajectory:
    """K runs of gradient descent, row k for learning rate k.

    Fields (read-only arrays):
        w, b, loss: (K, steps+1). Column 0 is the start; ``loss`` is always
            the loss on the full data. NaN from a run's ``diverged_at`` on.
        lr: (K, steps), the rate used by each update.
        diverged_at: (K,) int, the first loss column that was not finite or
            exceeded ``1e12*max(1, initial loss)``; -1 where the run stayed finite.

    Summaries, one value per run, (K,): :attr:`last_finite`,
    :attr:`final_loss`, :attr:`best_loss`, :meth:`steps_to`,
    :meth:`tail_mean`, :meth:`settled`.

    >>> from lrcore import make_data
    >>> traj = run(make_data(n=10), [0.001, 1.0], steps=50)
    >>> traj.k, traj.steps, traj.diverged.tolist()
    (2, 50, [False, True])
    """

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    diverged_at: np.ndarray

    @property
    def k(self) -> int:
        """The number of runs."""
        return int(self.w.shape[0])

    @property
    def steps(self) -> int:
        """The number of updates per run."""
        return int(self.w.shape[1] - 1)

    @property
    def diverged(self) -> np.ndarray:
        """(K,) bool: which runs diverged."""
        return self.diverged_at >= 0

    # -- summaries, one number per run -------------------------------------

    @property
    def last_finite(self) -> np.ndarray:
        """(K,) int: each run's last finite loss column.

        ``steps`` where the run stayed finite, else ``diverged_at - 1``; 0
        where it diverged at column 0 (its start's loss already overflowed:
        then even column 0 is NaN, and :attr:`final_loss` is NaN). Tell the
        two apart by :attr:`diverged_at`, never by this column.

        >>> data = Dataset([-1.0, 1.0], [0.0, 0.0])  # loss w**2 + b**2, 2 at (1, 1)
        >>> traj = run(data, [0.25, 1e7], steps=3, start=(1.0, 1.0))  # halves w, b; blows up
        >>> traj.last_finite.tolist(), traj.diverged_at.tolist()
        ([3, 0], [-1, 1])
        """
        return np.where(self.diverged_at >= 0, np.maximum(self.diverged_at - 1, 0), self.steps)

    @property
    def final_loss(self) -> np.ndarray:
        """(K,) float: the loss at :attr:`last_finite`, where each run ended
        (or the last loss before it blew up; NaN if it diverged at column 0).

        >>> data = Dataset([-1.0, 1.0], [0.0, 0.0])  # loss w**2 + b**2
        >>> run(data, [0.25, 1e7], steps=3, start=(1.0, 1.0)).final_loss.tolist()  # 2/4**3; the start's 2
        [0.03125, 2.0]
        """
        return self.loss[np.arange(self.k), self.last_finite]

    @property
    def best_loss(self) -> np.ndarray:
        """(K,) float: the lowest finite loss of each run (NaN if it has none).

        >>> data = Dataset([-1.0, 1.0], [0.0, 0.0])  # loss w**2 + b**2
        >>> run(data, [0.75, 1.5], steps=3, start=(1.0, 1.0)).best_loss.tolist()  # factors -0.5 and -2
        [0.03125, 2.0]
        """
        finite = np.isfinite(self.loss)
        lowest = np.where(finite, self.loss, np.inf).min(axis=1, initial=np.inf)
        return np.where(finite.any(axis=1), lowest, np.nan)

    def steps_to(self, target) -> np.ndarray:
        """(K,) int: the first loss column whose loss is ``<= target``; -1
        where the run never got there.

        Args:
            target: a loss, or (K,) one per run; not NaN (``inf`` is reached at
                column 0 by any finite run).

        >>> data = Dataset([-1.0, 1.0], [0.0, 0.0])  # loss w**2 + b**2: 2, 0.5, 0.125, 0.03125
        >>> traj = run(data, [0.25, 1e7], steps=3, start=(1.0, 1.0))
        >>> traj.steps_to(0.2).tolist(), traj.steps_to([2.0, 2.0]).tolist(), traj.steps_to(0.0).tolist()
        ([2, -1], [0, 0], [-1, -1])
        """
        targets = _checks.real_array("target", target, allow_inf=True)
        if targets.ndim > 1 or targets.size not in (1, self.k):
            raise _checks.error("target", f"a loss or {self.k} of them, one per run", target)
        with np.errstate(invalid="ignore"):
            reached = self.loss <= targets.reshape(-1, 1)
        return np.where(reached.any(axis=1), reached.argmax(axis=1), -1)

    def tail_mean(self, share: float = 0.1, *, floor: float = 0.0) -> np.ndarray:
        """(K,) float: the mean of ``loss - floor`` over the last ``share`` of
        the steps, where a run ended up when it is noisy (mini-batches, a
        constant rate bouncing about the minimum); NaN where the run diverged.

        The window is the last ``tail_window(steps, share)`` loss columns
        (column 0, the start, when ``steps`` is 0).

        Args:
            share: the part of the steps averaged, in (0, 1].
            floor: subtracted from every loss (the minimum loss, to average
                the gap above it), finite.

        >>> data = Dataset([-1.0, 1.0], [0.0, 0.0])  # loss w**2 + b**2: 2, 0.5, 0.125, 0.03125
        >>> traj = run(data, [0.25, 1e7], steps=3, start=(1.0, 1.0))
        >>> traj.tail_mean(0.5).tolist()  # the last ceil(1.5) = 2 columns: (0.125 + 0.03125)/2
        [0.078125, nan]
        >>> traj.tail_mean(0.1, floor=0.03125).tolist()
        [0.0, nan]
        """
        floor = _checks.real("floor", floor)
        window = tail_window(self.steps, share)
        tail = self.loss[:, self.steps + 1 - window :] - floor
        finite = self.diverged_at < 0
        means = np.full(self.k, np.nan)
        means[finite] = tail[finite].mean(axis=1)
        return means

    def settled(self, floor: float, tol: float) -> np.ndarray:
        """(K,) bool: the run stayed finite and its final gap to ``floor`` is
        at most ``tol`` times its starting gap::

            diverged_at == -1  and  final_loss - floor <= tol * (loss[:, 0] - floor)

        Args:
            floor: the loss's minimum (e.g. ``losses.mse_floor(data)``), finite.
            tol: the factor by which the gap must have shrunk, a real number >= 0.

        >>> data = Dataset([-1.0, 1.0], [0.0, 0.0])  # loss w**2 + b**2: 2, 0.5, 0.125, 0.03125
        >>> traj = run(data, [0.25, 1e7], steps=3, start=(1.0, 1.0))
        >>> traj.settled(0.0, 0.05).tolist(), traj.settled(0.0, 0.01).tolist()  # 0.03125/2 = 0.016
        ([True, False], [False, False])
        """
        floor = _checks.real("floor", floor)
        tol = _checks.real("tol", tol, low=0.0)
        with np.errstate(invalid="ignore", over="ignore"):
            shrunk = self.final_loss - floor <= tol * (self.loss[:, 0] - floor)
        return shrunk & (self.diverged_at < 0)


def _schedule_values(schedule: Schedule, steps: int, where: str) -> np.ndarray:
    """``schedule(t)`` for t = 0..steps-1, asking for all steps at once and
    falling back to one call per step for schedules written for ints."""
    t = np.arange(steps)
    values = None
    try:
        with np.errstate(all="ignore"):
            candidate = np.asarray(schedule(t), dtype=np.float64)
        if candidate.shape in ((steps,), ()):
            values = np.broadcast_to(candidate, (steps,))
    except Exception:  # a schedule written for one int step at a time
        values = None
    if values is None:
        try:
            with np.errstate(all="ignore"):
                values = np.array([float(schedule(int(i))) for i in t], dtype=np.float64)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"lr{where} schedule failed: {exc}") from None
    bad = ~(np.isfinite(values) & (values >= 0.0))
    if bad.any():
        step = int(np.argmax(bad))
        raise ValueError(
            f"lr{where} schedule must give finite rates >= 0, got {values[step]!r} at step {step}"
        )
    return values


def _rate_items(lr) -> list:
    """The K rates or schedules in ``lr``."""
    if callable(lr) or isinstance(lr, (Real, np.number)) and not isinstance(lr, bool):
        items = [lr]
    elif isinstance(lr, np.ndarray) and lr.ndim == 0:
        items = [lr.item()]
    elif isinstance(lr, (Sequence, np.ndarray)) and not isinstance(lr, (str, bytes)):
        items = list(lr)
        if not items:
            raise _checks.error("lr", "at least one rate or schedule", lr)
    else:
        raise _checks.error("lr", "a rate, a schedule or a sequence of them", lr)
    return items


def _rate_table(items: list, steps: int) -> np.ndarray:
    """The (steps, K) table of rates, one column per run."""
    table = np.empty((steps, len(items)), dtype=np.float64)
    for k, item in enumerate(items):  # evaluating K schedules once each, not a run loop
        where = f"[{k}]" if len(items) > 1 else ""
        if callable(item):
            table[:, k] = _schedule_values(item, steps, where)
        else:
            table[:, k] = _checks.real(f"lr{where}", item, low=0.0)
    return table


def _point(name: str, value, *, low=None, low_open=False) -> tuple[float, float]:
    """A pair ``(w, b)`` of finite real numbers (each within ``low`` if given):
    a start, a centre, a half-width."""
    items = None
    if not isinstance(value, (str, bytes)):
        try:
            items = tuple(value)
        except TypeError:
            pass
    if items is None or len(items) != 2:
        raise _checks.error(name, "a pair of real numbers (w, b)", value)
    first, second = (_checks.real(f"{name}[{i}]", v, low=low, low_open=low_open) for i, v in enumerate(items))
    return first, second


def _check_batch_size(batch_size, n: int):
    """None for full batch (None, or a batch of all n points); else the size."""
    if batch_size is None:
        return None
    batch_size = _checks.integer("batch_size", batch_size, low=1)
    return None if batch_size >= n else batch_size


def _check_optimizer(optimizer) -> Optimizer:
    if optimizer is None:
        return sgd()
    if not (callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))):
        raise _checks.error("optimizer", "None or an optimizer with init and update", optimizer)
    return optimizer


def _divergence_threshold(initial_loss: float) -> float:
    # Capped at the largest float, so that an infinite loss always breaks it
    # (even when 1e12 times a huge initial loss overflows).
    largest = float(np.finfo(np.float64).max)
    if not math.isfinite(initial_loss):
        return largest
    return min(DIVERGENCE_FACTOR * max(1.0, initial_loss), largest)


class _Reactive:
    """The reactive schedules among the K runs (reduce_on_plateau): their
    rates come from each run's losses, tracked for all of them at once."""

    def __init__(self, items: list, rates: np.ndarray):
        self.columns = np.array(
            [k for k, item in enumerate(items) if getattr(item, "reactive", False)], dtype=np.intp
        )
        self.bank = None
        if self.columns.size:
            from .schedules import plateau_bank

            self.bank = plateau_bank([items[k] for k in self.columns])
        self.rates = rates

    def __bool__(self) -> bool:
        return self.bank is not None

    def rate_for(self, t: int) -> None:
        """Write the rates the schedules hold for update t into the table."""
        self.rates[t, self.columns] = self.bank.lr

    def observe(self, loss: np.ndarray) -> None:
        """Step the schedules with the loss of the update just made."""
        self.bank.observe(loss[self.columns])


class _Epochs:
    """Mini-batches without replacement, reshuffled each epoch from ``seed``;
    an epoch's last, smaller batch is kept. The same batches serve all K runs."""

    def __init__(self, n: int, batch_size: int, seed: int):
        self.n = n
        self.batch_size = batch_size
        self.per_epoch = -(-n // batch_size)
        self.rng = np.random.default_rng(seed)
        self.epoch = -1
        self.order = None

    def batch(self, t: int) -> tuple[bool, int, np.ndarray]:
        """(new epoch?, batch number in the epoch, sample indices) of step t."""
        epoch, j = divmod(t, self.per_epoch)
        fresh = epoch != self.epoch
        if fresh:
            self.epoch = epoch
            self.order = self.rng.permutation(self.n)
        return fresh, j, self.order[j * self.batch_size : (j + 1) * self.batch_size]


class _MseBatchStats:
    """Per-batch means of x', y', x'x', x'y' in coordinates centred on the full
    data's means (so x around 1000 loses no digits), computed once per epoch
    for the batches the run will use."""

    def __init__(self, data: Dataset, epochs: _Epochs, steps: int):
        m = data.moments
        self.xc = data.x - m.mean_x
        self.yc = data.y - m.mean_y
        self.epochs = epochs
        self.steps = steps

    def at(self, t: int):
        fresh, j, _ = self.epochs.batch(t)
        if fresh:
            e = self.epochs
            first = e.epoch * e.per_epoch
            used = min(e.per_epoch, self.steps - first)
            idx = e.order[: min(used * e.batch_size, e.n)]
            starts = np.arange(0, idx.size, e.batch_size)
            counts = np.diff(np.append(starts, idx.size)).astype(np.float64)
            xc, yc = self.xc[idx], self.yc[idx]
            sums = np.add.reduceat(np.stack([xc, yc, xc * xc, xc * yc]), starts, axis=1)
            self.table = sums / counts
        return self.table[:, j]


def run(
    data: Dataset,
    lr,
    *,
    steps: int,
    start=(0.0, 0.0),
    loss="mse",
    optimizer=None,
    batch_size=None,
    seed: int = 0,
) -> Trajectory:
    """Gradient descent from ``start``, one run per learning rate.

    Each update is ``params += optimizer step`` with the gradient of ``loss``
    on the full data (or on a mini-batch); for plain gradient descent
    ``(w, b) -= lr_t * grad L(w, b)``.

    Args:
        data: the points.
        lr: a rate, a schedule (``step -> rate``, step 0-based per update), or
            a sequence of them: K runs computed together. A reactive schedule
            (``reduce_on_plateau``) is stepped after each update with the
            loss of the parameters that update started from, as PyTorch's
            ``scheduler.step(loss)`` after ``optimizer.step()``.
        steps: number of updates, >= 0.
        start: ``(w, b)`` where every run starts.
        loss: ``"mse"``, ``"mae"``, ``"huber"`` or a loss from ``losses.get``.
        optimizer: an ``init/update`` pair; None is plain gradient descent.
        batch_size: None (or >= n) for full batch; smaller draws mini-batches
            without replacement, reshuffled each epoch from ``seed``.
        seed: seed of the batch order, >= 0.

    Returns:
        A :class:`Trajectory`: ``w``, ``b``, ``loss`` (K, steps+1), ``lr``
        (K, steps), ``diverged_at`` (K,).

    >>> from lrcore import make_data
    >>> data = make_data(n=20, noise=0.0)
    >>> traj = run(data, [0.02, 0.05], steps=2000)
    >>> traj.w.shape, traj.diverged_at.tolist()
    ((2, 2001), [-1, 14])
    >>> round(float(traj.w[0, -1]), 6), round(float(traj.b[0, -1]), 6)
    (2.0, 1.0)
    """
    _checks.dataset("data", data)
    steps = _checks.integer("steps", steps, low=0)
    items = _rate_items(lr)
    runs = len(items)
    if runs * (steps + 1) > MAX_CELLS:
        raise ValueError(
            f"runs*(steps+1) must be <= {MAX_CELLS:,}, got {runs}*({steps}+1) = {runs * (steps + 1):,}"
        )
    rates = _rate_table(items, steps)
    reactive = _Reactive(items, rates)
    w0, b0 = _point("start", start)
    loss_fn = _losses.get(loss)
    opt = _check_optimizer(optimizer)
    batch = _check_batch_size(batch_size, data.n)
    seed = _checks.integer("seed", seed, low=0)

    with np.errstate(all="ignore"):
        if loss_fn.name == "mse" and batch is None and getattr(opt, "is_plain_gd", False):
            tables = _run_mse_gd(data, rates, w0, b0, reactive)
        else:
            tables = _run_general(data, rates, w0, b0, loss_fn, opt, batch, seed, reactive)
    return _finish(*tables, rates)


def _run_mse_gd(data: Dataset, rates: np.ndarray, w0: float, b0: float, reactive: _Reactive):
    """Plain gradient descent on MSE in offsets from the minimiser:
    with u = w - w*, v = b - b*, r = u*mean_x + v,
    L = var_x*u**2 + r**2 + L_min, dL/du = 2*(var_x*u + r*mean_x), dL/dv = 2*r."""
    m = data.moments
    w_star, b_star = _losses.mse_minimizer(data)
    floor = _losses.mse_floor(data)
    steps, runs = rates.shape
    u = np.full(runs, w0 - w_star)
    v = np.full(runs, b0 - b_star)
    w_tab = np.empty((steps + 1, runs))
    b_tab = np.empty((steps + 1, runs))
    loss_tab = np.empty((steps + 1, runs))
    diverged_at = np.full(runs, -1, dtype=np.int64)
    r = np.empty(runs)
    grad_u = np.empty(runs)
    scratch = np.empty(runs)
    vx2, mx, mx2 = 2.0 * m.var_x, m.mean_x, 2.0 * m.mean_x
    threshold = None
    for t in range(steps + 1):
        np.multiply(u, mx, out=r)
        r += v
        loss = loss_tab[t]
        np.multiply(u, u, out=loss)
        loss *= m.var_x
        np.multiply(r, r, out=scratch)
        loss += scratch
        loss += floor
        np.add(u, w_star, out=w_tab[t])
        np.add(v, b_star, out=b_tab[t])
        if threshold is None:
            threshold = _divergence_threshold(float(loss[0]))
        bad = ~(loss <= threshold)
        if bad.any():
            # Park a diverged run at the minimiser: its gradient is 0 there, so
            # it stays finite and quiet; _finish blanks it from diverged_at on.
            diverged_at[bad] = t
            u[bad] = 0.0
            v[bad] = 0.0
            r[bad] = 0.0
        if t == steps:
            break
        if reactive:
            reactive.rate_for(t)
        rate = rates[t]
        np.multiply(u, vx2, out=grad_u)
        np.multiply(r, mx2, out=scratch)
        grad_u += scratch
        grad_u *= rate
        u -= grad_u
        np.multiply(r, rate, out=scratch)
        scratch *= 2.0
        v -= scratch
        if reactive:
            reactive.observe(loss)
    return w_tab, b_tab, loss_tab, diverged_at


def _run_general(data, rates, w0, b0, loss_fn, opt, batch, seed, reactive):
    """Any loss, any optimizer, full batch or mini-batches."""
    steps, runs = rates.shape
    params = np.empty((runs, 2))
    params[:, 0] = w0
    params[:, 1] = b0
    state = opt.init(params.copy())
    w_tab = np.empty((steps + 1, runs))
    b_tab = np.empty((steps + 1, runs))
    loss_tab = np.empty((steps + 1, runs))
    diverged_at = np.full(runs, -1, dtype=np.int64)
    dead = np.zeros(runs, dtype=bool)
    grads = np.empty((runs, 2))
    epochs = _Epochs(data.n, batch, seed) if batch is not None else None
    mse_stats = _MseBatchStats(data, epochs, steps) if epochs and loss_fn.name == "mse" else None
    mx, my = data.moments.mean_x, data.moments.mean_y
    threshold = None
    for t in range(steps + 1):
        w, b = params[:, 0], params[:, 1]
        if epochs is None or t == steps:
            loss, gw, gb = loss_fn.value_and_grad(data, w, b)
        else:
            loss = loss_fn.value(data, w, b)
            if mse_stats is not None:
                # r = w*x' + c - y' with c = b + w*mean_x - mean_y, on the batch.
                x_mean, y_mean, xx_mean, xy_mean = mse_stats.at(t)
                c = b + w * mx - my
                r_mean = w * x_mean + c - y_mean
                rx_mean = w * xx_mean + c * x_mean - xy_mean
                gb = 2.0 * r_mean
                gw = 2.0 * (rx_mean + mx * r_mean)
            else:
                _, _, idx = epochs.batch(t)
                xb, yb = data.x[idx], data.y[idx]
                slope = loss_fn.derivative(w[:, None] * xb + b[:, None] - yb)
                gw = np.mean(slope * xb, axis=1)
                gb = np.mean(slope, axis=1)
        loss = np.broadcast_to(np.asarray(loss, dtype=np.float64), (runs,))
        w_tab[t] = w
        b_tab[t] = b
        loss_tab[t] = loss
        if threshold is None:
            threshold = _divergence_threshold(float(loss[0]))
        fresh = ~(loss <= threshold) & ~dead
        if fresh.any():
            diverged_at[fresh] = t
            dead |= fresh
        if t == steps:
            break
        grads[:, 0] = gw
        grads[:, 1] = gb
        if dead.any():
            grads[dead] = 0.0
        if reactive:
            reactive.rate_for(t)
        step, state = opt.update(grads, state, rates[t])
        params = params + step
        if dead.any():
            params[dead] = (w0, b0)  # keep diverged runs finite; blanked in _finish
        if reactive:
            reactive.observe(loss)
    return w_tab, b_tab, loss_tab, diverged_at


def _finish(w_tab, b_tab, loss_tab, diverged_at, rates) -> Trajectory:
    """Blank each diverged run from its diverged_at column on, and transpose the
    step-major tables to the run-major views the contract promises."""
    if (diverged_at >= 0).any():
        cols = np.arange(w_tab.shape[0])[:, None]
        first = np.where(diverged_at >= 0, diverged_at, w_tab.shape[0])
        blank = cols >= first[None, :]
        for table in (w_tab, b_tab, loss_tab):
            table[blank] = np.nan
    fields = [w_tab.T, b_tab.T, loss_tab.T, rates.T, diverged_at]
    for array in fields:
        array.flags.writeable = False
    return Trajectory(*fields)
