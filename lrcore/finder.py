"""The learning-rate range test, as fastai's ``Learner.lr_find`` runs it, and
the stability sweep (:func:`stability`): many constant rates, each classified
as converging or diverging.

One run whose rate grows exponentially, update by update, from ``min_lr`` to
``max_lr``; the loss recorded at each update is smoothed, the test stops once
the smoothed loss has clearly blown up, and three rules read a suggested rate
off the smoothed curve (fastai's ``valley``, ``steep`` and ``minimum``).

Where this differs from fastai, and why:

- The rates include both ends: ``rate_t = min_lr*(max_lr/min_lr)**(t/(steps-1))``
  for t = 0..steps-1. fastai's ``LRFinder`` uses ``t/num_it``, so its last
  update runs at ``min_lr*(max_lr/min_lr)**((num_it-1)/num_it)``, just short
  of ``end_lr``; here ``max_lr`` is the last rate used, as its name says.
- The loss paired with update t is the loss *on the full data* before that
  update (``Trajectory.loss[0, t]``); fastai records the mini-batch loss
  computed before the optimizer step, which is noisier. With ``batch_size``
  the steps use mini-batches, the recorded loss does not.
- The test stops at the first smoothed loss that is not finite; fastai's
  ``smooth_loss > 4*best_loss`` is False for NaN, so it runs on and its
  ``lr_find`` then drops everything from the first NaN. The suggestions come
  out the same; this way ``stopped_at`` says where the run broke.
- For a negative best loss the stop threshold is ``best + (stop_factor -
  1)*|best|`` (the same rise as for a positive best); fastai's
  ``stop_factor*best`` would stop at the first update. Losses here are never
  negative, so this only matters for :func:`smooth_losses`'s direct callers.
- ``valley`` counts a fall only when it is more than :data:`VALLEY_FLAT`
  (1%) of the curve's range. fastai's valley relies on the noise of
  mini-batch losses to break up the flat start of the curve, where tiny rates
  barely move the loss; our full-data losses have no noise, so every tiny
  fall would count and the "valley" would always start at the first record
  (its suggestion would follow ``min_lr``, not the data). ``flat=0`` is
  fastai's rule exactly.
- ``valley`` clamps its index at 0: fastai's ``max_start`` is one before the
  valley's first point, and for a valley of two points at the very start its
  index is -1, which Python reads as the *last* rate.
- When the trimmed window (fastai drops the first ``num_it//10`` and the last
  5 records) holds fewer than :data:`MIN_WINDOW` finite points, the
  suggestions use every finite record instead of failing (fastai raises on an
  empty window); with no finite record at all each suggestion is NaN and
  ``reason`` says why.
- ``steep`` skips segments whose two rates are equal (possible when
  ``max_lr/min_lr`` is within rounding of 1), where fastai divides by 0.
- fastai raises ``num_it`` to at least 6; here ``steps >= 2`` is enough.
- The default ``smooth=0.05`` is the project's contract; fastai's Recorder
  uses ``beta=0.98``, i.e. ``smooth=0.02``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from . import descent as _descent
from . import losses as _losses
from .data import Dataset
from .descent import run
from .optimizers import get as _get_optimizer

__all__ = [
    "MIN_WINDOW",
    "VALLEY_FLAT",
    "RangeTest",
    "STABILITY_CELLS",
    "Stability",
    "lr_range_test",
    "minimum",
    "smooth_losses",
    "stability",
    "stability_window",
    "steep",
    "suggest",
    "valley",
]

#: A fall smaller than this fraction of the curve's range does not extend a valley.
VALLEY_FLAT = 0.01
#: Fewest finite points in fastai's trimmed window for the suggestions to use it.
MIN_WINDOW = 5
#: fastai's trimming: drop the first ``steps // SKIP_START_DIVISOR`` records ...
SKIP_START_DIVISOR = 10
#: ... and the last ``SKIP_END`` (where the smoothed loss lags the blow-up).
SKIP_END = 5

#: ``stop_reason`` values.
STOP_ROSE = "rose"
STOP_NOT_FINITE = "not finite"
STOP_COMPLETED = "completed"

SUGGESTION_NAMES = ("valley", "steep", "minimum")


@dataclass(frozen=True, eq=False)
class RangeTest:
    """The result of :func:`lr_range_test`; m updates were recorded.

    Fields:
        lrs: (m,) the rate of each update, growing from ``min_lr``.
        losses: (m,) the raw loss paired with each update: the loss on the
            full data just before it (NaN once the run diverged).
        smoothed: (m,) the debiased moving average of ``losses``.
        stopped_at: the update at which the test stopped (``m - 1``), or -1
            if it ran all ``steps`` updates.
        stop_reason: ``"rose"`` (the smoothed loss exceeded ``stop_factor``
            times its best), ``"not finite"`` (it was NaN or inf), or
            ``"completed"``.
        suggestions: ``{"valley": lr, "steep": lr, "minimum": lr}`` (fastai's
            meanings, see :func:`suggest`); NaN where there is none.
        reason: why a suggestion is NaN; ``""`` when all three are numbers.
        window: ``(start, stop)``, the slice of the records the suggestions
            were read from (empty when there was no finite record).

    >>> from lrcore import make_data
    >>> test = lr_range_test(make_data(), steps=60)
    >>> test.stop_reason, test.stopped_at == test.lrs.size - 1, test.reason
    ('rose', True, '')
    >>> sorted(test.suggestions)
    ['minimum', 'steep', 'valley']
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_at: int
    stop_reason: str
    suggestions: dict
    reason: str
    window: tuple[int, int]


# --- arguments ------------------------------------------------------------------------


def _smoothing(smooth, stop_factor) -> tuple[float, float]:
    """``smooth`` in (0, 1] and ``stop_factor`` > 1 (``inf``: never stop on a rise)."""
    smooth = _checks.real("smooth", smooth, low=0.0, high=1.0, low_open=True)
    stop_factor = _checks.real("stop_factor", stop_factor, low=1.0, low_open=True, allow_inf=True)
    return smooth, stop_factor


def _check_optimizer(optimizer):
    """None, an optimizer, or a name for :func:`lrcore.optimizers.get` (as the optimizer)."""
    if isinstance(optimizer, str):
        return _get_optimizer(optimizer)
    return None if optimizer is None else _descent._check_optimizer(optimizer)


def _check_arguments(min_lr, max_lr, steps, smooth, stop_factor):
    min_lr = _checks.real("min_lr", min_lr, low=0.0, low_open=True)
    max_lr = _checks.real("max_lr", max_lr, low=min_lr, low_open=True)
    steps = _checks.integer("steps", steps, low=2)
    smooth, stop_factor = _smoothing(smooth, stop_factor)
    return min_lr, max_lr, steps, smooth, stop_factor


def _exponential_rates(min_lr: float, max_lr: float, steps: int) -> np.ndarray:
    """``min_lr*(max_lr/min_lr)**(t/(steps-1))``, t = 0..steps-1, both ends exact.
    In logs when the ratio overflows (min_lr near 1e-300, max_lr near 1e300)."""
    fraction = np.arange(steps) / (steps - 1)
    ratio = max_lr / min_lr  # Python floats: inf on overflow, no warning
    if math.isfinite(ratio):
        rates = min_lr * ratio**fraction
    else:
        rates = np.exp(math.log(min_lr) + fraction * (math.log(max_lr) - math.log(min_lr)))
    rates[0], rates[-1] = min_lr, max_lr
    return np.clip(rates, min_lr, max_lr)


# --- smoothing and stopping -----------------------------------------------------------


def _rose(value: float, best: float, stop_factor: float) -> bool:
    """fastai's ``smooth_loss > 4*best_loss``, with ``stop_factor`` for 4; for a
    negative best the same rise, ``(stop_factor - 1)*|best|``, above it."""
    if stop_factor == math.inf:
        return False
    limit = stop_factor * best if best >= 0.0 else best + (stop_factor - 1.0) * -best
    return value > limit


def smooth_losses(losses, smooth: float = 0.05, stop_factor: float = 4.0):
    """fastai's ``AvgSmoothLoss`` with its ``LRFinder`` stop rule, over a sequence.

    With ``beta = 1 - smooth``::

        avg_t      = beta*avg_{t-1} + smooth*loss_t,     avg_{-1} = 0
        smoothed_t = avg_t / (1 - beta**(t+1))

    (the debiasing ``1 - beta**(t+1)`` is computed as
    ``-expm1((t+1)*log1p(-smooth))``, which stays exact for a tiny ``smooth``).
    After each value the best so far is updated first, then the test stops at
    ``t`` if ``smoothed_t`` is not finite or ``smoothed_t > stop_factor*best``
    (for a negative best: ``> best + (stop_factor - 1)*|best|``).

    Args:
        losses: (n,) the raw losses, any floats.
        smooth: the weight of the new value, in (0, 1]; 1 is no smoothing.
        stop_factor: > 1; ``math.inf`` never stops on a rise.

    Returns:
        ``(smoothed, stopped_at, stop_reason)``: smoothed (m,) up to and
        including the stop, ``stopped_at`` = m - 1 or -1 if it never stopped,
        ``stop_reason`` ``"rose"``, ``"not finite"`` or ``"completed"``.

    >>> smoothed, stopped_at, why = smooth_losses([4.0, 2.0, 1.0, 9.0, 50.0], smooth=0.5)
    >>> smoothed.round(4).tolist(), stopped_at, why  # 2/0.5, (1 + 1)/0.75, (1 + 0.5)/0.875, ...
    ([4.0, 2.6667, 1.7143, 5.6, 28.5161], 4, 'rose')
    """
    values = _checks.real_array("losses", losses, allow_inf=True, allow_nan=True).ravel()
    smooth, stop_factor = _smoothing(smooth, stop_factor)
    beta = 1.0 - smooth
    log_beta = math.log1p(-smooth) if smooth < 1.0 else -math.inf
    avg, best = 0.0, math.inf
    smoothed = []
    # Python floats: overflow gives inf and 0*inf gives nan without a warning
    for t, loss in enumerate(values.tolist()):
        avg = beta * avg + smooth * loss
        debias = -math.expm1((t + 1) * log_beta) if smooth < 1.0 else 1.0
        value = avg / debias
        smoothed.append(value)
        if not math.isfinite(value):
            return np.array(smoothed), t, STOP_NOT_FINITE
        if value < best:
            best = value
        if _rose(value, best, stop_factor):
            return np.array(smoothed), t, STOP_ROSE
    return np.array(smoothed, dtype=np.float64), -1, STOP_COMPLETED


# --- suggestions ----------------------------------------------------------------------


def _curve(lrs, losses, *, finite_losses: bool) -> tuple[np.ndarray, np.ndarray]:
    """A recorded curve: rates finite and > 0, losses (finite ones, if asked)
    of the same length, both flattened."""
    lrs = _checks.real_array("lrs", lrs, low=0.0, low_open=True).ravel()
    losses = _checks.real_array(
        "losses", losses, allow_inf=not finite_losses, allow_nan=not finite_losses
    ).ravel()
    if lrs.shape != losses.shape:
        raise ValueError(f"lrs and losses must have the same length, got {lrs.size} and {losses.size}")
    return lrs, losses


def _check_pair(lrs, losses, fewest: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The curve a suggestion reads: finite losses, at least ``fewest`` points."""
    lrs, losses = _curve(lrs, losses, finite_losses=True)
    if lrs.size < fewest:
        raise ValueError(f"{name} needs at least {fewest} points, got {lrs.size}")
    return lrs, losses


def _valley_index(losses: np.ndarray, flat: float) -> int:
    """fastai's ``valley`` index: its double loop, the inner loop in numpy.

    ``lds[i]`` is the length of the longest decreasing subsequence ending at
    i, ``1 + max(lds[j])`` over the earlier j higher by more than
    ``flat*(max - min)`` (fastai: ``flat=0``, strictly higher). fastai
    re-checks ``lds[max_end] < lds[i]`` after every j; as ``lds[max_end]`` is
    the longest so far, ``lds[i]`` can only pass it on its last value, so one
    check per i is the same.
    """
    n = losses.size
    lds = np.ones(n, dtype=np.int64)
    max_start = max_end = 0
    # The range of huge losses may overflow to inf: then nothing counts as a fall.
    with np.errstate(over="ignore", invalid="ignore"):
        margin = flat * float(losses.max() - losses.min()) if n else 0.0
        for i in range(1, n):
            higher = losses[:i] > losses[i] + margin
            if higher.any():
                lds[i] = lds[:i][higher].max() + 1
                if lds[i] > lds[max_end]:
                    max_end, max_start = i, i - int(lds[i])
    sections = (max_end - max_start) / 3
    return max(max_start + int(sections) + int(sections / 2), 0)


def valley(lrs, losses, flat: float = VALLEY_FLAT) -> float:
    """fastai's ``valley``: a rate from the longest valley of the loss curve.

    The longest valley is the longest decreasing run of losses (not
    necessarily consecutive: a subsequence; each fall larger than
    ``flat*(max(losses) - min(losses))``), ending at ``max_end`` and taken
    to start at ``max_start = max_end - its length``; the suggestion is the
    rate at ``max_start + int(L/3) + int(L/6)``, ``L = max_end - max_start``,
    about half way down the valley (clamped at index 0).

    Args:
        lrs: (n,) rates, finite > 0; losses: (n,) finite losses; n >= 1.
        flat: in [0, 1); 0 is fastai's strict rule.

    >>> lrs = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]
    >>> valley(lrs, [9.0, 9.0, 8.0, 6.0, 3.0, 1.0, 2.0, 7.0, 20.0])  # 9 8 6 3 1: index 0 + 1 + 0
    2.0
    """
    lrs, losses = _check_pair(lrs, losses, 1, "valley")
    flat = _checks.real("flat", flat, low=0.0, high=1.0, high_open=True)
    return float(lrs[_valley_index(losses, flat)])


def steep(lrs, losses) -> float:
    """fastai's ``steep``: the rate where the loss falls fastest against log lr.

    ``slope_i = (loss[i+1] - loss[i]) / (log lr[i+1] - log lr[i])``; the
    suggestion is ``lrs[argmin slope]`` (the left end of the steepest segment).
    Segments where the rate did not grow (equal neighbours) are skipped.

    Args:
        lrs: (n,) rates, finite > 0; losses: (n,) finite losses; n >= 2.

    Returns NaN if no segment has rates that grow.

    >>> steep([1.0, 2.0, 4.0, 8.0], [9.0, 8.0, 2.0, 1.0])  # slopes -1, -6, -1 per log 2
    2.0
    """
    lrs, losses = _check_pair(lrs, losses, 2, "steep")
    with np.errstate(all="ignore"):  # a difference of two huge losses is +-inf: still the order
        rise = np.diff(np.log(lrs))
        fall = np.diff(losses)
        slopes = np.where(rise > 0, fall / np.where(rise > 0, rise, 1.0), np.nan)
    if np.isnan(slopes).all():
        return math.nan
    return float(lrs[int(np.nanargmin(slopes))])


def minimum(lrs, losses) -> float:
    """fastai's ``minimum``: a tenth of the rate at the lowest loss.

    ``lrs[argmin losses] / 10`` (the first lowest, if it repeats).

    Args:
        lrs: (n,) rates, finite > 0; losses: (n,) finite losses; n >= 1.

    >>> minimum([1.0, 2.0, 4.0, 8.0], [3.0, 1.0, 0.5, 7.0])
    0.4
    """
    lrs, losses = _check_pair(lrs, losses, 1, "minimum")
    return float(lrs[int(np.argmin(losses))]) / 10.0


def suggest(lrs, losses, *, skip_start: int = 0, skip_end: int = 0) -> tuple[dict, str, tuple[int, int]]:
    """The three suggestions on a recorded (smoothed) curve, the way fastai's
    ``lr_find`` reads them, and never an exception for odd losses.

    The records are trimmed to ``[skip_start, n - skip_end)`` (fastai:
    ``num_it//10`` and 5) and cut before the first loss that is not finite. If
    that leaves fewer than :data:`MIN_WINDOW` points, every record before the
    first non-finite one is used instead. No logarithm of a loss is taken, so
    zero and negative losses are fine.

    Args:
        lrs: (n,) rates, finite > 0.
        losses: (n,) recorded losses, any floats (NaN and inf allowed).
        skip_start, skip_end: integers >= 0.

    Returns:
        ``(suggestions, reason, window)``: ``{"valley", "steep", "minimum"}``
        rates, NaN where none can be given; ``reason``, ``""`` or why some are
        NaN; ``window``, the ``(start, stop)`` slice used.

    >>> lrs = [1.0, 2.0, 4.0, 8.0, 16.0]
    >>> suggest(lrs, [3.0, 2.0, -1.0, -2.0, 0.0])[0]  # a V shape, below zero
    {'valley': 1.0, 'steep': 2.0, 'minimum': 0.8}
    >>> suggest(lrs, [math.nan] * 5)[:2]
    ({'valley': nan, 'steep': nan, 'minimum': nan}, 'no finite loss was recorded')
    """
    lrs, losses = _curve(lrs, losses, finite_losses=False)
    skip_start = _checks.integer("skip_start", skip_start, low=0)
    skip_end = _checks.integer("skip_end", skip_end, low=0)
    n = losses.size
    bad = ~np.isfinite(losses)
    finite_end = int(np.argmax(bad)) if bad.any() else n
    start, stop = skip_start, min(n - skip_end, finite_end)
    if stop - start < MIN_WINDOW:
        start, stop = 0, finite_end
    nan = dict.fromkeys(SUGGESTION_NAMES, math.nan)
    if stop == 0:
        return nan, "no finite loss was recorded", (0, 0)
    part_lrs, part_losses = lrs[start:stop], losses[start:stop]
    found = {
        "valley": valley(part_lrs, part_losses),
        "steep": steep(part_lrs, part_losses) if stop - start >= 2 else math.nan,
        "minimum": minimum(part_lrs, part_losses),
    }
    reason = ""
    if math.isnan(found["steep"]):
        reason = "steep needs two finite points with growing rates"
    return found, reason, (start, stop)


# --- the test -------------------------------------------------------------------------


def lr_range_test(
    data: Dataset,
    *,
    min_lr: float = 1e-7,
    max_lr: float = 10.0,
    steps: int = 100,
    loss="mse",
    optimizer=None,
    batch_size=None,
    seed: int = 0,
    smooth: float = 0.05,
    stop_factor: float = 4.0,
    start=(0.0, 0.0),
) -> RangeTest:
    """The LR range test (Leslie Smith; fastai's ``lr_find``) on ``data``.

    One run through :func:`lrcore.run` from ``start`` whose update t uses::

        rate_t = min_lr * (max_lr/min_lr)**(t/(steps - 1)),   t = 0..steps-1

    (both ends included; fastai uses ``t/num_it`` and never reaches
    ``end_lr``). Update t is paired with the loss on the full data just
    before it, ``traj.loss[0, t]``, as fastai pairs a batch's rate with the
    loss computed before its optimizer step. The losses are smoothed with
    fastai's debiased moving average (:func:`smooth_losses`, ``beta = 1 -
    smooth``) and the test stops at the first smoothed loss that is not finite
    or exceeds ``stop_factor`` times the best so far. The suggestions
    (:func:`suggest`) read the smoothed curve in fastai's window
    ``[steps//10, m - 5)``.

    On the MSE with full-batch gradient descent the loss falls from the very
    first update (the bowl is convex), so the longest valley runs from the
    window's start to the minimum and ``valley`` lands about half way there in
    log lr: it moves with ``min_lr`` (1.7e-4 on ``make_data()`` with the
    defaults, below ``curvature(data).lr_monotone/10``), while ``steep`` and
    ``minimum`` follow the curvature.

    Args:
        data: the points.
        min_lr, max_lr: the first and last rate, ``0 < min_lr < max_lr``, finite.
        steps: the number of updates if the test never stops, an integer >= 2.
        loss, optimizer, batch_size, seed: as in :func:`lrcore.run`
            (``optimizer`` may also be a name for :func:`lrcore.optimizers.get`).
        smooth: the moving average's weight on the new loss, in (0, 1]
            (fastai's ``beta = 0.98`` is ``smooth=0.02``).
        stop_factor: > 1 (fastai: 4); ``math.inf`` never stops on a rise
            (fastai's ``stop_div=False``).
        start: ``(w, b)`` where the run starts.

    Returns:
        A :class:`RangeTest`.

    Raises ``ValueError`` naming a bad argument; a diverging run is data.

    >>> from lrcore import make_data, theory
    >>> data = make_data()
    >>> test = lr_range_test(data)
    >>> test.stop_reason, float(test.lrs[0]), test.lrs.size == test.stopped_at + 1
    ('rose', 1e-07, True)
    >>> c = theory.curvature(data)  # it stops past the edge of divergence
    >>> bool(test.lrs[test.stopped_at] > c.lr_max_stable)
    True
    >>> {name: float(f"{lr:.3g}") for name, lr in test.suggestions.items()}
    {'valley': 0.00278, 'steep': 0.00278, 'minimum': 0.00792}
    """
    min_lr, max_lr, steps, smooth, stop_factor = _check_arguments(min_lr, max_lr, steps, smooth, stop_factor)
    optimizer = _check_optimizer(optimizer)
    rates = _exponential_rates(min_lr, max_lr, steps)
    traj = run(
        data,
        lambda t: rates[t],
        steps=steps,
        start=start,
        loss=loss,
        optimizer=optimizer,
        batch_size=batch_size,
        seed=seed,
    )
    raw = np.array(traj.loss[0, :steps])
    smoothed, stopped_at, stop_reason = smooth_losses(raw, smooth, stop_factor)
    recorded = smoothed.size
    suggestions, reason, window = suggest(
        rates[:recorded],
        smoothed,
        skip_start=steps // SKIP_START_DIVISOR,
        skip_end=SKIP_END,
    )
    fields = [rates[:recorded].copy(), raw[:recorded].copy(), smoothed]
    for array in fields:
        array.flags.writeable = False
    return RangeTest(*fields, stopped_at, stop_reason, suggestions, reason, window)


# --- the stability sweep --------------------------------------------------------------

#: The most trajectory cells (runs x (steps + 1)) :func:`stability` holds at once.
STABILITY_CELLS = 2_000_000
#: The window is at least ``steps // STABILITY_WINDOW_DIVISOR`` ...
STABILITY_WINDOW_DIVISOR = 10
#: ... and at least this many steps.
STABILITY_MIN_WINDOW = 5
#: A rise of the window maximum smaller than this fraction of the loss's scale is rounding.
STABILITY_RISE_RTOL = 1e-12


@dataclass(frozen=True, eq=False)
class Stability:
    """The result of :func:`stability`: K runs at constant rates, classified.

    Fields (read-only arrays):
        rates: (K,) the constant rates, in the order given.
        final_gap: (K,) the loss above the loss's minimum at the last finite
            step (NaN if even the start was not finite).
        diverging: (K,) bool: the run blew up (``diverged_at >= 0``) or the
            maximum of its loss gap over the last ``window`` steps exceeds the
            maximum over the ``window`` steps before, and the start's gap.
        first_diverging: the smallest diverging rate, or None.
        steps_to_tol: (K,) float: the first step whose gap is ``<= tol*`` the
            start's gap, NaN if never (all NaN when ``tol`` is None).
        diverged_at: (K,) int, as in :class:`lrcore.Trajectory` (-1: finite).
        window: the window, in steps.
        min_loss: the loss's minimum the gaps are measured from.

    >>> from lrcore import make_data
    >>> found = stability(make_data(), [0.01, 0.02, 0.03], steps=300, tol=1e-4)  # edge 0.027
    >>> found.diverging.tolist(), found.first_diverging, found.steps_to_tol.tolist()
    ([False, False, True], 0.03, [111.0, 56.0, nan])
    """

    rates: np.ndarray
    final_gap: np.ndarray
    diverging: np.ndarray
    first_diverging: float | None
    steps_to_tol: np.ndarray
    diverged_at: np.ndarray
    window: int
    min_loss: float


def stability_window(steps: int, optimizer=None) -> int:
    """The window, in steps, over which :func:`stability` compares maxima.

    ``max(steps // 10, 5, ceil(log(18)/log(1/beta)))`` (the last term for
    ``sgd(momentum=beta)`` only), at most ``(steps + 1)//2`` so that two
    windows fit in the run's ``steps + 1`` losses.

    Why: with momentum the loss gap of a converging run is not monotone. Along
    each eigen-direction the error is ``r**t*(A cos(theta*t) + B sin(theta*t))``
    with ``r**2 <= beta`` (``det A`` of :func:`lrcore.theory.stable_edge`'s
    iteration matrix is ``beta``, or ``beta*(1 - lr*lambda)`` for Nesterov), so
    between two adjacent windows the envelope of its square falls by at least
    ``beta**window``, while the oscillation can raise a window's maximum at most
    9-fold (``sin(3x)**2/sin(x)**2 <= 9``, a first window centred on a zero
    crossing); two directions at most double that. A window with
    ``18*beta**window < 1`` therefore never sees a converging heavy-ball run
    grow: 28 steps for beta = 0.9, 288 for 0.99, 5 for 0.5. (From PyTorch's
    start, ``buf = 0``, an over-damped direction, real roots, shrinks
    monotonically.) Plain gradient descent's gap falls at every step below the
    edge, so any window works; a tenth of the run lets slow adaptive
    optimizers settle, and 5 steps is the floor for short runs.

    >>> from lrcore.optimizers import sgd
    >>> stability_window(200), stability_window(200, "momentum"), stability_window(200, sgd(momentum=0.99))
    (20, 28, 100)
    """
    steps = _checks.integer("steps", steps, low=1)
    optimizer = _check_optimizer(optimizer)
    window = max(int(steps) // STABILITY_WINDOW_DIVISOR, STABILITY_MIN_WINDOW)
    params = getattr(optimizer, "params", None) or {}
    beta = params.get("momentum", 0.0) if getattr(optimizer, "name", None) == "sgd" else 0.0
    if beta > 0.0:
        window = max(window, math.ceil(math.log(18.0) / -math.log(beta)))
    return max(min(window, (int(steps) + 1) // 2), 1)


def _check_stability_arguments(data, rates, steps, optimizer, loss, delta, tol):
    _checks.dataset("data", data)
    rate_array = np.array(_checks.real_array("rates", rates, low=0.0))  # a copy: the caller's stays theirs
    if rate_array.ndim > 1 or rate_array.size == 0:
        raise _checks.error("rates", "one rate or a 1-D sequence of them", rates)
    rate_array = rate_array.reshape(-1)
    steps = _checks.integer("steps", steps, low=1, high=STABILITY_CELLS - 1)
    optimizer = _check_optimizer(optimizer)
    loss_fn = _losses.configured(loss, {"delta": delta}) if isinstance(loss, str) else _losses.get(loss)
    if tol is not None:
        tol = _checks.real("tol", tol, low=0.0, high=1.0, low_open=True)
    return rate_array, steps, optimizer, loss_fn, tol


def stability(
    data: Dataset,
    rates,
    *,
    steps: int,
    optimizer=None,
    loss="mse",
    delta: float = 1.0,
    start=(0.0, 0.0),
    tol: float | None = None,
) -> Stability:
    """Run each constant rate for ``steps`` updates and say which diverge.

    One :func:`lrcore.run` per group of rates, each group at most
    :data:`STABILITY_CELLS` trajectory cells (K x (steps + 1)), so a sweep of
    2000 rates x 2000 steps never holds all 4 million at once. With
    ``gap[k, t] = loss[k, t] - min_loss`` (``min_loss`` the loss at
    ``loss.minimizer(data)``) and ``W`` = :func:`stability_window`::

        late  = max(gap[k, S-W+1 : S+1]),  early = max(gap[k, S-2W+1 : S-W+1])
        rising    = late - early > 1e-12*(|gap[k, 0]| + |early| + |min_loss|)
                    and late > gap[k, 0]
        diverging = diverged_at >= 0  or  rising

    ``S = steps``. A run "still growing" is one whose gap in the last window
    rose above everything in the window before, and above where it started.
    The window maxima follow the envelope of an oscillating (momentum) run,
    where "the loss rose at the last step" calls many converging rates
    diverging. The tolerance is rounding: a rise smaller than 1e-12 of the
    loss's scale (or of the start's gap, for a run that has settled 12 orders
    of magnitude down) is noise, not growth. The start's gap separates growth
    from a bounded bounce: gradient descent on MAE, or RMSprop and Adam at a
    constant rate, settle into a bounce around the minimum whose window maxima
    differ irregularly (on ``make_data()`` by up to 10 orders of magnitude for
    RMSprop), but stay below the start's gap; a run past the edge grows
    geometrically and passes it (on ``make_data()`` within 50 steps at 1.003
    times the edge for every optimizer :func:`lrcore.theory.stable_edge` knows).

    The classification needs enough steps to be decidable: a run just past
    the edge must have grown to dominate the gap within the last ``2W``
    steps, and a run just below it must have shrunk its slowest oscillation
    (see :func:`stability_window`) and outgrown the start's gap. Where there
    is no edge (adagrad, rmsprop, adam; MAE), "diverging" means "blew up, or
    rose over the last window to above where it started".

    Args:
        data: the points.
        rates: (K,) constant rates, finite >= 0 (a single rate is K = 1).
        steps: updates per run, an integer in [1, STABILITY_CELLS - 1].
        optimizer: None (plain gradient descent), an optimizer, or a name for
            :func:`lrcore.optimizers.get`.
        loss: ``"mse"``, ``"mae"``, ``"huber"`` (with ``delta``) or a loss object.
        delta: Huber's delta when ``loss`` is the name ``"huber"``.
        start: ``(w, b)`` where every run starts.
        tol: None, or the factor in (0, 1] of :attr:`Stability.steps_to_tol`.

    Returns:
        A :class:`Stability`.

    Raises ``ValueError`` naming a bad argument; a diverging run is data.

    >>> from lrcore import make_data, theory
    >>> data = make_data()
    >>> edge = theory.stable_edge(data, "momentum")  # beta = 0.9
    >>> found = stability(data, edge * np.array([0.1, 0.5, 0.9, 1.1, 2.0]), steps=300, optimizer="momentum")
    >>> found.diverging.tolist(), round(found.first_diverging / edge, 6)
    ([False, False, False, True, True], 1.1)
    """
    rate_array, steps, optimizer, loss_fn, tol = _check_stability_arguments(
        data, rates, steps, optimizer, loss, delta, tol
    )
    window = stability_window(steps, optimizer)
    min_loss = float(loss_fn.value(data, *loss_fn.minimizer(data)))
    count = rate_array.size
    final_gap = np.empty(count)
    diverging = np.empty(count, dtype=bool)
    steps_to_tol = np.full(count, np.nan)
    diverged_at = np.empty(count, dtype=np.int64)
    group = max(1, STABILITY_CELLS // (steps + 1))
    late_cols = slice(steps + 1 - window, steps + 1)
    early_cols = slice(steps + 1 - 2 * window, steps + 1 - window)
    for first in range(0, count, group):
        part = slice(first, min(first + group, count))
        traj = run(data, rate_array[part], steps=steps, start=start, loss=loss_fn, optimizer=optimizer)
        rows = np.arange(traj.k)
        with np.errstate(invalid="ignore", over="ignore"):
            gaps = traj.loss - min_loss
            blew_up = traj.diverged_at >= 0
            last = np.where(blew_up, traj.diverged_at - 1, steps)
            final_gap[part] = np.where(last >= 0, gaps[rows, np.maximum(last, 0)], np.nan)
            late = gaps[:, late_cols].max(axis=1)
            early = gaps[:, early_cols].max(axis=1)
            scale = np.abs(gaps[:, 0]) + np.abs(early) + abs(min_loss)
            rising = (late - early > STABILITY_RISE_RTOL * scale) & (late > gaps[:, 0])
            diverging[part] = blew_up | rising
            if tol is not None:
                arrived = gaps <= tol * gaps[:, :1]
                reached = arrived.any(axis=1)
                steps_to_tol[part] = np.where(reached, arrived.argmax(axis=1), np.nan)
        diverged_at[part] = traj.diverged_at
    first_diverging = float(rate_array[diverging].min()) if diverging.any() else None
    for array in (rate_array, final_gap, diverging, steps_to_tol, diverged_at):
        array.flags.writeable = False
    return Stability(rate_array, final_gap, diverging, first_diverging, steps_to_tol, diverged_at, window, min_loss)
