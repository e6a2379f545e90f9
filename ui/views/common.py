"""Helpers every view shares: number words, the finite part of a run, the
thinning of long runs for drawing, and a run's summary."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import contourpy
import numpy as np
import pandas as pd

import lrcore

#: Most points of a loss curve sent to a chart.
MAX_CURVE = 2000
#: Most frames an in-browser iteration scrubber steps through.
MAX_FRAMES = 400
#: The share of a run's last steps whose mean gap says where the run ended up
#: (a noisy run's single last step says little).
TAIL = 0.1


def num(value: float, digits: int = 3) -> str:
    """A number as the charts' axes write it: ``digits`` significant digits,
    powers of ten as ``1e10`` and ``1e-5`` (no plus sign, no padded exponent).

    >>> num(1.2345e10), num(0.00012), num(73.04), num(-2.0), num(float("inf"))
    ('1.23e10', '0.00012', '73', '-2', 'inf')
    >>> num(1e-5, 2), num(123456.0)
    ('1e-5', '1.23e5')
    """
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf" if value < 0 else "nan"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def num_beside(value: float, *marks: float, digits: int = 3) -> str:
    """``value`` with at least ``digits`` significant digits and as many more
    as it takes to print on the same side of each of ``marks`` as it is (a
    factor of 0.9999995 must not print as 1, nor lr·λ = 1.0000004 as 1).

    >>> num_beside(0.9999995, 1.0), num_beside(1.48, 1.0, 2.0), num_beside(2.0, 2.0)
    ('0.9999995', '1.48', '2')
    """
    for more in range(digits, 17):
        shown = float(num(value, more))
        if all((shown > mark) == (value > mark) and (shown == mark) == (value == mark) for mark in marks):
            return num(value, more)
    return repr(float(value))


def plural(amount: float, word: str) -> str:
    """``amount`` written as ``count`` writes it, and ``word``, with an s unless it is 1.

    >>> plural(1, "step"), plural(2_000, "guess"), plural(float("inf"), "step")
    ('1 step', '2,000 guesses', 'never')
    """
    if not math.isfinite(amount):
        return "never"
    return f"{count(amount)} {word}" + ("" if amount == 1 else "es" if word.endswith("s") else "s")


def is_round(c) -> bool:
    """A bowl (a ``Curvature``) whose two eigenvalues are equal: every
    direction is an eigen-direction, none steep or flat."""
    return c.lambda_max <= c.lambda_min * (1 + 1e-9)


def descent_rule(c) -> str:
    """Plain gradient descent's rule on the bowl ``c`` (a ``Curvature``), per
    eigen-direction: what 1 − lr·λ does to the error along each."""
    if is_round(c):
        return (f"The bowl's steepest curvature, λmax, is {num(c.lambda_max, 4)}, its flattest, λmin, "
                f"{num(c.lambda_min, 4)}: it is round, so every direction is an eigen-direction, and each step "
                "multiplies the error, whichever way it points, by 1 − lr·λ: at or below 1/λmax it keeps its sign; "
                "between 1/λmax and 2/λmax it flips sign every step and shrinks, a bounce; past the edge "
                f"2/λmax = {num(c.lr_max_stable, 4)} it flips and grows.")
    return (f"The bowl's steepest curvature, λmax, is {num(c.lambda_max, 4)}, its flattest, λmin, "
            f"{num(c.lambda_min, 4)}. Each step multiplies the error along each of these two eigen-directions by "
            "1 − lr·λ: at or below 1/λmax no direction's error changes sign (w and b themselves may still pass their "
            "best values); between 1/λmax and 2/λmax the steep direction's error flips sign every step and shrinks, "
            f"a bounce; past the edge 2/λmax = {num(c.lr_max_stable, 4)} it flips and grows.")


def count(value: float) -> str:
    """A whole count with thousands separators; ``inf`` as "never".

    >>> count(72396.2), count(float("inf"))
    ('72,396', 'never')
    """
    return f"{round(value):,}" if math.isfinite(value) else "never"


def odd_stride_for(steps: int, most: int) -> int:
    """A stride of at most about ``most`` points that is odd, so that a
    quantity whose sign flips every step still flips between drawn points.

    >>> odd_stride_for(500, 1000), odd_stride_for(5000, 1000), odd_stride_for(3000, 1000)
    (1, 5, 3)
    """
    stride = max(1, math.ceil(steps / most))
    return stride if stride % 2 else stride + 1


def frame_steps(steps: int, most: int = MAX_FRAMES) -> np.ndarray:
    """The steps drawn as frames of a replay: every ``stride``-th from 0 (an
    odd stride, ``odd_stride_for``) and always the last step itself.

    >>> frame_steps(6, 10).tolist(), frame_steps(10, 4).tolist()
    ([0, 1, 2, 3, 4, 5, 6], [0, 3, 6, 9, 10])
    """
    steps = int(steps)
    shown = np.arange(0, steps + 1, odd_stride_for(steps, most))
    return shown if shown[-1] == steps else np.append(shown, steps)


def frame_until(shown: np.ndarray) -> np.ndarray:
    """For each frame, the step where the next one takes over (one past the
    last frame for the last): a scrubber at step t shows the frame with
    ``step <= t < until``.

    >>> frame_until(np.array([0, 3, 6, 7])).tolist()
    [3, 6, 7, 8]
    """
    return np.append(shown[1:], shown[-1] + 1) if shown.size else shown


def thinned(count: int, most: int) -> np.ndarray:
    """Indices 0..count-1, at most about ``most`` of them, always with the
    first and last, denser at the start where curves change fastest.

    >>> thinned(5, 10).tolist()
    [0, 1, 2, 3, 4]
    >>> picked = thinned(100_000, 2000)
    >>> int(picked[0]), int(picked[-1]), len(picked) <= 2000
    (0, 99999, True)
    """
    if count <= most:
        return np.arange(count)
    dense = np.unique(np.geomspace(1, count, most // 2).astype(np.int64) - 1)
    even = np.linspace(0, count - 1, most // 2).astype(np.int64)
    return np.union1d(dense, even)


@dataclass(frozen=True)
class RunSummary:
    """One run's results for a table: the loss at its last finite step and
    the lowest it reached, where it ended up (the mean gap over its last
    ``TAIL`` of steps), the first step within ``tol`` of the start's gap
    (None if never), the column where it diverged (None if it did not), and
    the gap it started from."""

    final_loss: float
    best_loss: float
    final_gap: float
    tail_gap: float
    steps_to_tol: int | None
    diverged_at: int | None
    start_gap: float = math.nan

    @property
    def rising(self) -> bool:
        """Not blown up, but ending farther from the minimum than it started:
        a run on its way out (past an edge, with too few steps to blow up)."""
        return self.diverged_at is None and self.tail_gap > self.start_gap


def summarize_runs(traj, floor: float, tol: float) -> list[RunSummary]:
    """Each run of ``traj`` (an ``lrcore.Trajectory``) summarised from its own
    summaries, its gaps taken above ``floor`` (the minimum loss), with
    ``tol`` a fraction of the start's gap.

    >>> data = lrcore.Dataset([-1.0, 1.0], [0.0, 0.0])  # loss w**2 + b**2: 2, 0.5, 0.125, 0.03125
    >>> s, = summarize_runs(lrcore.run(data, 0.25, steps=3, start=(1.0, 1.0)), 0.0, 0.1)
    >>> s.final_loss, s.best_loss, s.steps_to_tol, s.diverged_at
    (0.03125, 0.03125, 2, None)
    """
    start_gap = traj.loss[:, 0] - floor
    with np.errstate(invalid="ignore"):
        reached = traj.steps_to(np.where(start_gap > 0, floor + tol * start_gap, -np.inf))
    final, best, tail = traj.final_loss, traj.best_loss, traj.tail_mean(TAIL, floor=floor)
    return [RunSummary(final_loss=float(final[k]), best_loss=float(best[k]), final_gap=float(final[k] - floor),
                       tail_gap=float(tail[k]), steps_to_tol=int(reached[k]) if reached[k] >= 0 else None,
                       diverged_at=int(d) if d >= 0 else None, start_gap=float(start_gap[k]))
            for k, d in enumerate(traj.diverged_at)]


def results_table(names: list[str], summaries: list[RunSummary], tol: float, *, tail: bool = False) -> pd.DataFrame:
    """The runs' results as the tables show them, numbers written as ``num``
    writes them: final and best loss, (with ``tail``) the mean gap over the
    last ``TAIL`` of the steps, the steps to ``tol`` of the start's gap, and
    where a run diverged.

    >>> s = RunSummary(1.1, 1.1, 0.1, 0.1, steps_to_tol=2, diverged_at=None, start_gap=4.0)
    >>> results_table(["a"], [s], 0.25).iloc[0].tolist()
    ['a', '1.1', '1.1', '2', 'no']
    """
    rows = []
    for name, s in zip(names, summaries):
        row = {"run": name, "final loss": num(s.final_loss, 4), "best loss": num(s.best_loss, 4)}
        if tail:
            row[f"mean gap, last {TAIL:.0%} of steps"] = num(s.tail_gap) if s.diverged_at is None else "diverged"
        row[f"steps to {num(tol)} of the start's gap"] = f"{s.steps_to_tol:,}" if s.steps_to_tol is not None \
            else "not reached"
        row["diverged at step"] = f"{s.diverged_at:,}" if s.diverged_at is not None else \
            "not yet: rising" if s.rising else "no"
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Preset:
    """A button that sets several widgets at once: its widget ``key``, its
    ``label`` and ``help``, and the widget ``values`` it sets."""

    key: str
    label: str
    help: str
    values: dict


@dataclass(frozen=True)
class Verdict:
    """A sentence with a verdict, and how the page shows it: ``kind`` is
    "success", "info", "warning" or "error" (Streamlit's alert of that name)."""

    kind: str
    text: str


def steps_to_shrink(factor: float, shrink: float = 1e-3) -> float:
    """The steps for an error multiplied by ``factor`` each step to shrink
    to ``shrink`` of its size: the smallest k with ``|factor|**k <= shrink``
    (0 for a factor of 0, inf when ``|factor| >= 1``).

    >>> steps_to_shrink(0.5), steps_to_shrink(-0.5), steps_to_shrink(0.0), steps_to_shrink(1.0)
    (10, 10, 1, inf)
    """
    size = abs(float(factor))
    if size >= 1.0:
        return math.inf
    if size == 0.0:
        return 1
    return max(1, math.ceil(math.log(shrink) / math.log(size) - 1e-9))


#: A contour line keeps the points it needs to stay within this fraction of
#: the map's width and height (about half a pixel on a 500-pixel map).
LINE_TOLERANCE = 1e-3


def simplified(points: np.ndarray, tolerance: float) -> np.ndarray:
    """The indices of ``points`` (n x 2) that Douglas and Peucker's
    algorithm keeps: every point left out lies within ``tolerance`` of the
    segment between the kept points around it. The first and last are kept.

    >>> simplified(np.array([[0, 0], [1, 0.001], [2, 0], [3, 1], [4, 2]], dtype=float), 0.01)
    array([0, 2, 4])
    """
    n = len(points)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[[0, -1]] = True
    spans = [(0, n - 1)]
    while spans:
        first, last = spans.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        inner = points[first + 1:last]
        along = b - a
        length = math.hypot(*along)
        offset = inner - a
        far = (np.abs(along[0] * offset[:, 1] - along[1] * offset[:, 0]) / length if length > 0
               else np.hypot(offset[:, 0], offset[:, 1]))
        worst = int(np.argmax(far))
        if far[worst] > tolerance:
            middle = first + 1 + worst
            keep[middle] = True
            spans += [(first, middle), (middle, last)]
    return np.flatnonzero(keep)


def contour_lines(ws: np.ndarray, bs: np.ndarray, z: np.ndarray, floor: float, count: int = 14) -> pd.DataFrame:
    """Contour lines of z by contourpy, at levels spaced evenly in log scale
    above ``floor`` (the minimum loss), so that both the valley floor and the
    rim show, each line thinned to the points that draw it (``simplified``).
    Returns level, path, order, w, b."""
    finite = z[np.isfinite(z)]
    top = float(finite.max()) if finite.size else floor + 1.0
    gap_top = max(top - floor, 1e-12)
    gap_low = max(float(np.percentile(finite, 0.5)) - floor, gap_top * 1e-6) if finite.size else gap_top * 1e-6
    levels = floor + np.geomspace(gap_low, gap_top, count + 1)[:-1]
    generator = contourpy.contour_generator(ws, bs, np.where(np.isfinite(z), z, top), line_type="Separate")
    span = np.array([np.ptp(ws), np.ptp(bs)], dtype=float)
    span[~(span > 0)] = 1.0
    pieces = []
    path = 0
    for level in levels:
        for line in generator.lines(float(level)):
            line = line[simplified(line / span, LINE_TOLERANCE)]
            pieces.append(pd.DataFrame({"level": float(level), "path": path, "order": np.arange(len(line)),
                                        "w": line[:, 0], "b": line[:, 1]}))
            path += 1
    if not pieces:
        return pd.DataFrame({"level": [], "path": [], "order": [], "w": [], "b": []})
    return pd.concat(pieces, ignore_index=True)


def optimizer(name: str, settings=None):
    """The lrcore optimizer called ``name`` with a page's hyper-parameters
    ``settings`` (a mapping or dataclass of momentum, alpha, beta1, beta2;
    each optimizer reads those it has, the rest take PyTorch's defaults).

    >>> optimizer("nesterov", {"momentum": 0.5, "alpha": 0.9}).params
    {'momentum': 0.5, 'nesterov': True}
    >>> optimizer("sgd", {"momentum": 0.5}).is_plain_gd
    True
    """
    values = dict(dataclasses.asdict(settings) if dataclasses.is_dataclass(settings) else settings or {})
    if name == "sgd":  # the pages' "gradient descent" is plain: the momentum setting is for momentum and Nesterov
        values.pop("momentum", None)
    if name == "nesterov":  # Nesterov needs some momentum: at 0 it would be plain gradient descent
        values["momentum"] = max(values.get("momentum", 0.9), 1e-9)
    return lrcore.optimizers.configured(name, values)
