"""The contour page's view: the loss over (w, b), the runs across it, the
direction of steepest descent at each run's current point, and random
guessing against gradient descent; with the sentences that say what they show.

The map is framed on what converges (the start, the minimum, and the points
of runs that did not diverge within ``REACH`` start distances of the
minimum): a diverging run is drawn until it leaves the map, and marked there.
With equal scales on both axes the map's right angles are true ones, so
gradient descent's steps, along −gradient, cross the contours at right angles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

import lrcore

from .common import (MAX_CURVE, Preset, count, frame_steps, frame_until, is_round, num, optimizer, results_table,
                     summarize_runs, thinned)

#: The map holds visited points within this many start distances of the minimum.
REACH = 3.0
#: The map's size in pixels (fixed, so that equal scales can be kept).
WIDTH, HEIGHT = 720, 520
#: Most frames of a run on the map (an odd stride between them keeps a zig-zag a zig-zag).
MAX_FRAMES = 1000
#: The drawn length of a gradient arrow, as a share of the map's width.
ARROW = 0.09
#: Optimizers whose rate is a step length per coordinate, not a multiple of the gradient.
ADAPTIVE = ("adagrad", "rmsprop", "adam")


def run_names(runs) -> list[str]:
    """``runs``: ((lr, optimizer), ...) -> "run 1: gradient descent, lr 0.02", ..."""
    return [f"run {i + 1}: {lrcore.optimizers.OPTIMIZERS[opt].label}, lr {num(lr, 4)}" for i, (lr, opt) in enumerate(runs)]


def flying_away(w: np.ndarray, b: np.ndarray, loss: np.ndarray | None) -> np.ndarray:
    """(K,) bools: runs whose last finite loss is above their start's (they
    have not blown up yet, but are leaving); all False without ``loss``."""
    if loss is None:
        return np.zeros(w.shape[0], dtype=bool)
    finite = np.isfinite(loss)
    last = loss.shape[1] - 1 - np.argmax(finite[:, ::-1], axis=1)  # the last finite column (the start is finite)
    return loss[np.arange(loss.shape[0]), last] > loss[:, 0]


def frame_window(center, start, w: np.ndarray, b: np.ndarray, diverged_at: np.ndarray,
              loss: np.ndarray | None = None) -> tuple:
    """The map's window (w_lo, w_hi, b_lo, b_hi) holding the minimum ``center``, the
    start, and the points of the runs that converge (did not diverge, and
    end lower than they started, when ``loss`` is given), within ``REACH``
    times the start's distance from the minimum; padded by 12%.

    Args:
        w, b: (K, steps+1) the runs; diverged_at: (K,), -1 where finite;
        loss: (K, steps+1) their losses, or None.
    """
    reach = REACH * max(math.hypot(start[0] - center[0], start[1] - center[1]), 1e-3)
    ws, bs = [center[0], start[0]], [center[1], start[1]]
    kept = (np.asarray(diverged_at) < 0) & ~flying_away(w, b, loss)
    if kept.any():
        wk, bk = w[kept], b[kept]
        near = np.isfinite(wk) & np.isfinite(bk) & (np.hypot(wk - center[0], bk - center[1]) <= reach)
        ws += [float(wk[near].min()), float(wk[near].max())] if near.any() else []
        bs += [float(bk[near].min()), float(bk[near].max())] if near.any() else []
    w_lo, w_hi, b_lo, b_hi = min(ws), max(ws), min(bs), max(bs)
    w_pad = 0.12 * max(w_hi - w_lo, 1e-3)
    b_pad = 0.12 * max(b_hi - b_lo, 1e-3)
    return (w_lo - w_pad, w_hi + w_pad, b_lo - b_pad, b_hi + b_pad)


def equal_window(window: tuple, width: int = WIDTH, height: int = HEIGHT) -> tuple:
    """``window`` widened along one axis so that one unit of w and one of b take
    the same number of pixels on a ``width`` x ``height`` map.

    >>> equal_window((0.0, 1.0, 0.0, 4.0), 100, 100)
    (-1.5, 2.5, 0.0, 4.0)
    """
    w_lo, w_hi, b_lo, b_hi = window
    per_pixel = max((w_hi - w_lo) / width, (b_hi - b_lo) / height)
    w_mid, b_mid = (w_lo + w_hi) / 2, (b_lo + b_hi) / 2
    return (w_mid - per_pixel * width / 2, w_mid + per_pixel * width / 2,
            b_mid - per_pixel * height / 2, b_mid + per_pixel * height / 2)


@dataclass(frozen=True)
class ContourView:
    """What the contour page draws and says.

    Fields:
        names: the runs' names, in colour order.
        window: (w_lo, w_hi, b_lo, b_hi) of the map; equal: whether one unit of
            w and of b take the same pixels.
        heat: w0, w1, b0, b1, w, b, loss; the shading's cells.
        lines: level, path, order, w, b; the contour lines.
        paths: run, step, until, w, b, loss, and the −gradient arrow at that
            point (aw, ab: its end on the map; angle: its heading in degrees,
            clockwise from up, as drawn); the frames of ``common.frame_steps``
            on the map, each shown from its step until the next one's.
        steps: the run's last step, the scrubber's end.
        exits: run, w, b, label; where a run leaves the map.
        eigen: w, b, w2, b2, label; the bowl's eigen-directions (empty for MAE).
        guesses: w, b; the random guesses drawn.
        race: run, evaluations, gap; best gap so far against evaluations, the
            runs and random guessing.
        best: the (w, b) of the lowest loss; min_loss: that loss.
        target_gap: the gap the tolerance asks for.
        expected: the expected number of random guesses to reach it (MSE), or None.
        summaries: one RunSummary per run; table: the same as a DataFrame.
        race_words: the race's verdict; map_words: what the map's marks mean;
            exit_words: one sentence per run that left the map.
    """

    names: list
    window: tuple
    equal: bool
    steps: int
    heat: pd.DataFrame
    lines: pd.DataFrame
    paths: pd.DataFrame
    exits: pd.DataFrame
    eigen: pd.DataFrame
    guesses: pd.DataFrame
    race: pd.DataFrame
    best: tuple
    min_loss: float
    target_gap: float
    expected: float | None
    summaries: list
    table: pd.DataFrame
    race_words: str
    map_words: str
    exit_words: tuple

    @property
    def frame_count(self) -> int:
        """How many frames the replay holds (``common.frame_steps``)."""
        return int(frame_steps(self.steps, MAX_FRAMES).size)


def guess_box(start: tuple, best: tuple) -> tuple[float, float]:
    """The half widths of the box random guesses fall in, around ``start``:
    one and a half times the distance to the best fit along each parameter
    (so the box holds it), at least 0.5.

    >>> guess_box((-2.0, 8.0), (2.0, 1.0))
    (6.0, 10.5)
    """
    return (max(1.5 * abs(start[0] - best[0]), 0.5), max(1.5 * abs(start[1] - best[1]), 0.5))


def run_all(data: lrcore.Dataset, runs: tuple, settings, *, start: tuple, steps: int, batch: int,
            loss) -> lrcore.Trajectory:
    """Every run from the same ``start`` on the same batches, in the order of
    ``runs`` ((lr, optimizer name), ...), as one Trajectory; ``settings``: the
    optimizers' hyper-parameters (``common.optimizer``). Runs that share an
    optimizer are computed together, by one ``lrcore.run`` per optimizer."""
    count = len(runs)
    w = np.full((count, steps + 1), np.nan)
    b, losses, rates = w.copy(), w.copy(), np.full((count, steps), np.nan)
    diverged = np.full(count, -1)
    for name in dict.fromkeys(opt for _, opt in runs):
        rows = [k for k, (_, opt) in enumerate(runs) if opt == name]
        traj = lrcore.run(data, [runs[k][0] for k in rows], steps=steps, start=start, loss=loss,
                          optimizer=optimizer(name, settings), batch_size=batch or None, seed=0)
        w[rows], b[rows], losses[rows], rates[rows], diverged[rows] = traj.w, traj.b, traj.loss, traj.lr, \
            traj.diverged_at
    return lrcore.Trajectory(w=w, b=b, loss=losses, lr=rates, diverged_at=diverged)


def build(
    data: lrcore.Dataset, *, runs: tuple, result: lrcore.Trajectory, start: tuple, steps: int, loss: str, delta: float,
    tol: float, best: tuple, min_loss: float, window: tuple, equal: bool, grid: tuple, lines: pd.DataFrame,
    search: dict | None, half: tuple, curvature, arrows: bool, batch: int, momentum: float = 0.9,
) -> ContourView:
    """Shape the page's computed pieces for drawing and say what they show.

    Args:
        runs: ((lr, optimizer name), ...); result: their runs (``run_all``).
        best, min_loss: the loss's minimiser and minimum; window: the map.
        grid: (ws, bs, Z[b, w]) the loss over the window; lines: its contours.
        search: random guessing's ``w``, ``b``, ``best_so_far``, or None;
            half: its box's half widths around the start.
        curvature: the bowl's Curvature (the MSE's, Huber's near its
            minimum), or None (MAE).
        arrows: whether to draw a −gradient arrow at each frame.
        momentum: the β of the momentum and Nesterov runs (their edges are said).
    """
    names = run_names(runs)
    loss_fn = lrcore.losses.configured(loss, {"delta": delta})
    ws, bs, z = grid
    cw, cb = ws[::4], bs[::4]
    dw = (cw[1] - cw[0]) / 2 if cw.size > 1 else (window[1] - window[0]) / 2
    db = (cb[1] - cb[0]) / 2 if cb.size > 1 else (window[3] - window[2]) / 2
    gw, gb = np.meshgrid(cw, cb)
    heat = pd.DataFrame({"w": gw.ravel(), "b": gb.ravel(), "loss": z[::4, ::4].ravel()})
    heat = heat.assign(w0=heat["w"] - dw, w1=heat["w"] + dw, b0=heat["b"] - db, b1=heat["b"] + db)

    shown_steps = frame_steps(steps, MAX_FRAMES)
    until = frame_until(shown_steps)
    pieces, exits, exit_words = [], [], []
    length = ARROW * (window[1] - window[0])
    x_per_unit = WIDTH / (window[1] - window[0])
    y_per_unit = HEIGHT / (window[3] - window[2])
    for k, name in enumerate(names):
        w_all, b_all = result.w[k], result.b[k]
        inside = np.isfinite(w_all) & np.isfinite(b_all) & (w_all >= window[0]) & (w_all <= window[1]) \
            & (b_all >= window[2]) & (b_all <= window[3])
        left_at = int(np.argmin(inside)) if not inside.all() else None  # every step, not only the frames
        end = int(np.searchsorted(shown_steps, left_at)) if left_at is not None else len(shown_steps)
        w_k, b_k = w_all[shown_steps], b_all[shown_steps]
        shown = shown_steps[:end]
        piece = pd.DataFrame({"run": name, "step": shown, "until": until[:end], "w": w_k[:end], "b": b_k[:end],
                              "loss": result.loss[k, shown]})
        if arrows and end:
            gw_k, gb_k = loss_fn.grad(data, piece["w"].to_numpy(), piece["b"].to_numpy())
            size = np.hypot(gw_k, gb_k)
            unit = np.where(size > 0, 1.0 / np.where(size > 0, size, 1.0), 0.0)
            down_w, down_b = -gw_k * unit, -gb_k * unit
            piece = piece.assign(aw=piece["w"] + length * down_w, ab=piece["b"] + length * down_b,
                                 angle=np.degrees(np.arctan2(down_w * x_per_unit, down_b * y_per_unit)))
        pieces.append(piece)
        d = int(result.diverged_at[k])
        if left_at is not None:
            label = f"run {k + 1} leaves the map at step {left_at}" + (f", diverges at step {d}" if d >= 0 else "")
            if end:
                exits.append({"run": name, "w": float(w_k[end - 1]), "b": float(b_k[end - 1]), "label": label})
            away = float(result.loss[k, -1] - result.loss[k, 0])
            exit_words.append(f"**{name}** left the map at step {left_at}"
                              + (f" and diverged at step {d}." if d >= 0 else
                                 f" and is still flying away: after {steps:,} steps its loss is "
                                 f"{num(float(result.loss[k, -1]))}, above the {num(float(result.loss[k, 0]))} "
                                 "it started from." if away > 0 else "."))
    paths = pd.concat(pieces, ignore_index=True)
    exits = pd.DataFrame(exits, columns=["run", "w", "b", "label"])

    eigen = _eigen_strokes(curvature, loss, window)
    gap0 = float(result.loss[0, 0] - min_loss)
    target = tol * gap0
    summaries = summarize_runs(result, min_loss, tol)
    descent = []
    for k, name in enumerate(names):
        d = int(result.diverged_at[k])
        finite = np.arange(result.loss.shape[1] if d < 0 else d)
        picked = finite[thinned(finite.size, MAX_CURVE)] if finite.size else finite
        best_so_far = np.minimum.accumulate(result.loss[k, : finite.size]) if finite.size else finite
        descent.append(pd.DataFrame({"run": name, "evaluations": picked + 1, "gap": best_so_far[picked] - min_loss}))
    guessing = pd.DataFrame({"run": [], "evaluations": [], "gap": []})
    dots = pd.DataFrame({"w": [], "b": []})
    expected = None
    if search is not None:
        guesses = search["best_so_far"].size
        picked = thinned(guesses, MAX_CURVE)
        guessing = pd.DataFrame({"run": "random guessing", "evaluations": picked + 1,
                                 "gap": search["best_so_far"][picked] - min_loss})
        shown = np.unique(np.linspace(0, guesses - 1, min(guesses, 2000)).astype(int))
        dots = pd.DataFrame({"w": search["w"][shown], "b": search["b"][shown]})
        if loss == "mse" and target > 0:
            expected = lrcore.search.expected_evaluations(data, center=start, half_width=half, target_gap=target)
    race = pd.concat(descent + [guessing], ignore_index=True)
    race_words = race_verdict(names, summaries, search, min_loss, target, tol, expected, loss)
    table = results_table(names, summaries, tol)
    edges = {opt: curvature.edge(lrcore.optimizers.sgd(momentum=max(momentum, 1e-9), nesterov=opt == "nesterov"))
             for opt in ("momentum", "nesterov")} if curvature is not None else {}
    map_words = map_sentence(runs, equal, curvature, loss, arrows, batch, data.n, edges)
    exit_words = tuple(exit_words)
    return ContourView(names, window, equal, int(steps), heat, lines, paths, exits, eigen, dots,
                       race, tuple(best), min_loss, target, expected, summaries, table, race_words, map_words,
                       exit_words)


def _eigen_strokes(curvature, loss: str, window: tuple) -> pd.DataFrame:
    """The bowl's eigen-directions through its minimum, the steep one half as long."""
    if curvature is None:
        return pd.DataFrame({"w": [], "b": [], "w2": [], "b2": [], "label": []})
    span = min(window[1] - window[0], window[3] - window[2]) / 4
    center = curvature.minimizer
    whose = "the MSE's" if loss == "mse" else "Huber's, near its minimum"
    rows = []
    for j, (name, lam) in enumerate((("flat", curvature.lambda_min), ("steep", curvature.lambda_max))):
        reach = span * (0.5 if j == 1 else 1.0)
        rows.append({"w": center[0], "b": center[1], "w2": center[0] + reach * curvature.eigenvectors[0, j],
                     "b2": center[1] + reach * curvature.eigenvectors[1, j],
                     "label": f"{name} direction of {whose} bowl, λ = {num(lam, 4)}"})
    return pd.DataFrame(rows)


def race_verdict(names: list, summaries: list, search: dict | None, min_loss: float, target: float, tol: float,
                 expected: float | None, loss: str) -> str:
    """Random guessing against gradient descent, in evaluations: which got
    within the tolerance first, and by how much."""
    reached = [(s.steps_to_tol + 1, name) for name, s in zip(names, summaries) if s.steps_to_tol is not None]
    goal = f"within {num(tol)} of the start's loss gap (a gap of {num(target)})"
    if reached:
        evaluations, who = min(reached)
        ended = next(s.final_gap for name, s in zip(names, summaries) if name == who)
        descent = (f"The fastest run, {who}, first got {goal} after {evaluations - 1:,} steps: {evaluations:,} "
                   "evaluations, counting the start's"
                   + (f" (it ended {num(ended)} above the minimum: mini-batch noise or a bounce took it back out)."
                      if ended > target else "."))
    else:
        evaluations, who = None, None
        descent = f"No run got {goal} in these steps."
    if search is None:
        return descent + " Random guessing is off (0 guesses)."
    guesses = search["best_so_far"].size
    closest = float(search["best_so_far"][-1] - min_loss)
    hit = np.flatnonzero(search["best_so_far"] - min_loss <= target)
    drawn = (f"The {guesses:,} random guesses drawn in the box around the start got within {num(closest)}"
             + (f", reaching the tolerance after {int(hit[0]) + 1:,} guesses." if hit.size else
                ", never reaching the tolerance."))
    if expected is None:
        odds = ("For MAE and Huber there is no closed form for the expected number of guesses; the drawn search "
                "is the measure." if loss != "mse" else "")
        return " ".join(part for part in (descent, drawn, odds) if part)
    odds = (f"On average random guessing needs {count(expected)} guesses to land that close: the box's area over "
            "the area of the ellipse of lines that close")
    if evaluations is not None and math.isfinite(expected):
        ratio = expected / evaluations
        odds += (f", {num(ratio)}× the run's evaluations." if ratio >= 1 else
                 f"; here that is fewer than the run needed ({num(1 / ratio)}× fewer): the tolerance is loose "
                 "or the run slow.")
    else:
        odds += "."
    scaling = ("Each time the target gap shrinks tenfold, the expected count grows tenfold, because in two "
               "dimensions the ellipse's area is proportional to the gap; with d parameters it grows like "
               "gap^(−d/2), so guessing the million weights of a network is hopeless, while gradient descent's "
               "steps grow only like log(1/gap).")
    return " ".join((descent, odds, drawn, scaling))


def map_sentence(runs: tuple, equal: bool, curvature, loss: str, arrows: bool, batch: int, n: int,
                 momentum_edges: dict | None = None) -> str:
    """What the map's marks mean, and which of the theory's statements hold for
    these runs; ``momentum_edges``: {"momentum": edge, "nesterov": edge} on this bowl."""
    momentum_edges = momentum_edges or {}
    parts = ["Green cross: the minimum."]
    if arrows:
        parts.append("The arrow at each run's current point is −gradient, the direction of steepest descent "
                     "(its length is not to scale).")
    if equal:
        parts.append("Both axes use the same scale, so right angles look right: plain gradient descent steps "
                     "along −gradient, at right angles to the contour through its point.")
    else:
        parts.append("The axes have different scales, so the map's right angles are not true ones: switch on "
                     "'Same scale on w and b' to see −gradient cross the contours at right angles.")
    optimizers = {opt for _, opt in runs}
    if optimizers & {"momentum", "nesterov"}:
        edges = "; ".join(f"{lrcore.optimizers.OPTIMIZERS[opt].label}'s {num(edge, 4)}" for opt, edge in momentum_edges.items()
                          if opt in optimizers and edge is not None)
        parts.append("Momentum carries its velocity from step to step, so its steps are not along −gradient, and "
                     "the rate marks, plain gradient descent's, are not its edges"
                     + (f": here the edge is {edges}." if edges else "."))
    if optimizers & set(ADAPTIVE):
        parts.append("For Adam, RMSprop and Adagrad the rate is roughly the length of each step per coordinate, "
                     "not a multiple of the gradient, and their steps are rescaled coordinate by coordinate: "
                     "the same lr means something else than for gradient descent, and the rate marks (plain "
                     "gradient descent's, on the bowl) do not apply to them.")
    if curvature is not None:
        whose = "the MSE's" if loss == "mse" else "Huber's near its minimum (only the points within delta)"
        parts.append(f"Green strokes: two eigen-directions of {whose} bowl, which is round: λ = "
                     f"{num(curvature.lambda_max, 4)} in every direction, so its contours are circles."
                     if is_round(curvature) else
                     f"Green strokes: the eigen-directions of {whose} bowl, steep (λmax = "
                     f"{num(curvature.lambda_max, 4)}) and flat (λmin = {num(curvature.lambda_min, 4)}).")
    else:
        parts.append("MAE has no bowl: its contours are polygons and its slope does not shrink smoothly to 0 at "
                     "the minimum, so there are no eigen-directions and no edge of divergence to draw.")
    parts.append("Grey dots: random guesses.")
    if batch and batch < n:
        parts.append(f"Mini-batches of {batch}: the paths are noisy, the same batches for every run; the losses "
                     "are on all the points.")
    return " ".join(parts)


def presets(data: lrcore.Dataset, steps: int, start: tuple, format_rate) -> list[Preset]:
    """The contour page's presets on this data: rates from the MSE's bowl, so
    each preset also sets the MSE on every point. Every number a button's
    help states is the one it sets.

    ``format_rate``: how a rate is written in its widget (``ui.state.format_rate``).
    """
    c = lrcore.theory.curvature(data)
    edge = c.lr_max_stable
    good = c.best_rate(steps, start)
    on_the_bowl = {"contour_loss": "mse", "contour_batch": 0.0}  # the theory the rates come from
    crawl, past = 0.25, 1.05  # shares of the edge
    three = {"contour_runs": 3.0, **on_the_bowl}
    for i, rate in enumerate((crawl * edge, good, past * edge), start=1):
        three |= {f"contour_lr{i}": format_rate(rate, 6), f"contour_opt{i}": "sgd"}
    beta, share, adaptive = 0.9, 0.3, {"rmsprop": 0.05, "adam": 0.1}
    momentum = lrcore.optimizers.sgd(momentum=beta)
    nesterov = lrcore.optimizers.sgd(momentum=beta, nesterov=True)
    own = {"contour_runs": 5.0, "contour_momentum": beta, **on_the_bowl}
    rates = {"sgd": good, "momentum": share * lrcore.theory.stable_edge(data, momentum),
             "nesterov": share * lrcore.theory.stable_edge(data, nesterov), **adaptive}
    for i, (name, rate) in enumerate(rates.items(), start=1):
        own |= {f"contour_lr{i}": format_rate(rate, 6), f"contour_opt{i}": name}
    return [
        Preset("contour_preset_rates", "Preset: crawl, converge, diverge",
               f"Plain gradient descent at {num(crawl)}× the edge 2/λmax ({num(crawl * edge)}), at the best constant "
               f"rate for {steps:,} steps from this start ({num(good)}), and at {num(past)}× the edge "
               f"({num(past * edge)}).",
               three),
        Preset("contour_preset_optimizers", "Preset: optimizers, each at a rate of its own",
               f"Gradient descent at its best rate for {steps:,} steps ({num(good)}); momentum and Nesterov "
               f"(β = {num(beta)}) at {num(share)}× their own edges, 2(1+β)/λmax and 2(1+β)/((1+2β)λmax); RMSprop and "
               f"Adam, which have no edge, at {num(adaptive['rmsprop'])} and {num(adaptive['adam'])}: for them lr is "
               "about the length of a step per coordinate.",
               own),
    ]
