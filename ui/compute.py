"""The only place that caches: thin wrappers over lrcore, keyed by plain values.

A dataset is immutable (read-only arrays), so one copy is shared by every
session (``st.cache_resource``). Results are cached by the dataset's
fingerprint and plain numbers (``st.cache_data``), so the same learning rate
on the same data is never computed twice; the ``_data`` argument itself is
not hashed. Every cache is bounded.

Many sessions share one server process. Two rules keep its memory bounded
whatever they ask for at once: at most ``AT_ONCE`` computations run at the
same time (a cache hit never waits), and on Linux freed memory is given
back to the system (see ``_tune_memory``).
"""

from __future__ import annotations

import ctypes
import functools
import math
import sys
import threading

import numpy as np
import pandas as pd
import streamlit as st

import lrcore

from .state import DataSettings

#: Computations (cache misses) that may run at the same time in the server.
#: The work is CPU-bound numpy, so more at once would not finish sooner on a
#: small machine, but each would hold its arrays (up to ~100 MB) meanwhile.
AT_ONCE = 2
_turns = threading.BoundedSemaphore(AT_ONCE)
_inside = threading.local()


def _limited(fn):
    """Run ``fn`` only when one of the ``AT_ONCE`` turns is free. A nested
    call keeps its turn rather than waiting for a second one. A computation
    must not call another cached one: it could wait on that one's per-key
    lock, held by a session that is itself waiting for a turn."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if getattr(_inside, "depth", 0):
            return fn(*args, **kwargs)
        with _turns:
            _inside.depth = 1
            try:
                return fn(*args, **kwargs)
            finally:
                _inside.depth = 0
                release_memory()  # what the computation freed goes back to the system

    return wrapper


def _libc():
    """glibc, on Linux; None elsewhere (macOS, Windows, musl), where the
    memory tuning below is left to the system."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (both exist in glibc only)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def _tune_memory(large: int = 1 << 20, arenas: int = 2) -> bool:
    """Make glibc give freed memory back to the system.

    By default glibc keeps freed blocks for reuse: blocks below a threshold
    that grows (up to 32 MB) as big blocks are freed, in up to 8 arenas per
    core, one per thread that met another. After many sessions have worked
    on a million points the server would keep most of its peak. Here every
    block of ``large`` bytes or more is mapped on its own and unmapped when
    freed, and the script threads share ``arenas`` arenas."""
    if _LIBC is None:
        return False
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8  # from malloc.h
    return bool(_LIBC.mallopt(m_mmap_threshold, large) and _LIBC.mallopt(m_arena_max, arenas)
                and _LIBC.mallopt(m_trim_threshold, large))


def release_memory() -> None:
    """Hand the free pages of every arena back to the system (glibc only):
    after each computation, and at the start of each page run (what the
    last run of any session freed)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


_tune_memory()

#: Most points drawn in a scatter; more are sampled down.
MAX_SCATTER = 5000
#: Most frames an in-browser iteration scrubber steps through.
MAX_FRAMES = 400
#: Most points of a loss curve sent to a chart.
MAX_CURVE = 2000
#: Points whose residuals are drawn.
MAX_RESIDUALS = 200


def made_data(settings: DataSettings) -> lrcore.Dataset:
    """The points ``make_data`` draws for these settings (standardized if asked)."""
    return _made_data(settings.key())


@st.cache_resource(max_entries=8, show_spinner=False)
@_limited
def _made_data(key: tuple) -> lrcore.Dataset:
    settings = DataSettings(*key)
    data = lrcore.make_data(**settings.recipe())
    return lrcore.standardize(data) if settings.std else data


@st.cache_resource(max_entries=4, show_spinner=False)
@_limited
def shared_upload(_data: lrcore.Dataset, fingerprint: str) -> lrcore.Dataset:
    """One copy of an uploaded dataset for every session that uploads the
    same points (a class given one file keeps one copy, not one each)."""
    return _data


@st.cache_resource(max_entries=4, show_spinner=False)
@_limited
def standardized(_data: lrcore.Dataset, fingerprint: str) -> lrcore.Dataset:
    """An uploaded dataset, standardized (keyed by its fingerprint)."""
    return lrcore.standardize(_data)


def stride_for(steps: int, most: int = MAX_FRAMES) -> int:
    """Draw every ``stride``-th step so that at most ``most`` + 1 frames are drawn."""
    return max(1, math.ceil(steps / most))


def thinned(count: int, most: int) -> np.ndarray:
    """Indices 0..count-1, at most about ``most`` of them, always with the
    first and last, denser at the start where curves change fastest."""
    if count <= most:
        return np.arange(count)
    dense = np.unique(np.geomspace(1, count, most // 2).astype(np.int64) - 1)
    even = np.linspace(0, count - 1, most // 2).astype(np.int64)
    return np.union1d(dense, even)


@st.cache_data(max_entries=64, show_spinner=False)
@_limited
def fit_run(_data: lrcore.Dataset, fingerprint: str, lr: float, steps: int, w0: float, b0: float) -> dict:
    """One run of plain gradient descent on MSE, prepared for drawing.

    Returns ``frames`` (a DataFrame with one row per drawn step: step, w, b,
    loss), ``stride`` (the steps between frames), ``curve`` (step, loss: the
    loss curve, thinned), ``diverged_at`` (-1 if finite), ``final`` (w, b,
    loss at the last finite step).
    """
    traj = lrcore.run(_data, lr, steps=steps, start=(w0, b0))
    w, b, loss = traj.w[0], traj.b[0], traj.loss[0]
    diverged_at = int(traj.diverged_at[0])
    last = steps if diverged_at < 0 else diverged_at - 1  # the last finite column
    if last < 0:
        last = 0
    stride = stride_for(last)
    frame_steps = np.arange(0, last + 1, stride)
    frames = pd.DataFrame(
        {"step": frame_steps, "w": w[frame_steps], "b": b[frame_steps], "loss": loss[frame_steps]}
    )
    finite = np.arange(last + 1) if diverged_at != 0 else np.arange(0)
    picked = finite[thinned(finite.size, MAX_CURVE)] if finite.size else finite
    curve = pd.DataFrame({"step": picked, "loss": loss[picked]})
    final = (float(w[last]), float(b[last]), float(loss[last])) if diverged_at != 0 else (w0, b0, math.inf)
    return {"frames": frames, "stride": stride, "curve": curve, "diverged_at": diverged_at, "final": final}


@st.cache_data(max_entries=16, show_spinner=False)
@_limited
def scatter_sample(_data: lrcore.Dataset, fingerprint: str, most: int = MAX_SCATTER) -> pd.DataFrame:
    """At most ``most`` of the points (a fixed random sample), as x, y."""
    if _data.n <= most:
        return pd.DataFrame({"x": _data.x, "y": _data.y})
    rows = np.sort(np.random.default_rng(0).choice(_data.n, size=most, replace=False))
    return pd.DataFrame({"x": _data.x[rows], "y": _data.y[rows]})


def csv_bytes(data: lrcore.Dataset) -> bytes:
    """The points as a CSV file with a header ``x,y`` (for a download)."""
    return data.to_frame().to_csv(index=False, float_format="%.17g").encode()


def points_csv(settings: DataSettings, uploaded: lrcore.Dataset | None = None) -> bytes:
    """The points in use as a CSV file, made when the learner asks for it:
    ``uploaded`` (the raw upload, kept in the session anyway) or the made
    points of ``settings``, standardized if they say so. A download button
    keeps this call until it is pressed, so it holds the recipe, not a
    million points."""
    data = uploaded if uploaded is not None else lrcore.make_data(**settings.recipe())
    return csv_bytes(lrcore.standardize(data) if settings.std else data)


def sample_csv() -> bytes:
    """A small example of a file the upload accepts."""
    return csv_bytes(lrcore.make_data(n=20, w=1.5, b=-2.0, noise=0.5, seed=7))


# --- the loss slice ----------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
@_limited
def best_fit(_data: lrcore.Dataset, fingerprint: str, loss: str, delta: float) -> tuple[float, float]:
    """The (w, b) of the lowest ``loss`` on the data."""
    return lrcore.losses.get(loss, **_loss_params(loss, delta)).minimizer(_data)


def _loss_params(loss: str, delta: float) -> dict:
    return {"delta": delta} if loss == "huber" else {}


@st.cache_data(max_entries=32, show_spinner=False)
@_limited
def slice_of(_data: lrcore.Dataset, fingerprint: str, param: str, held: float, loss: str, delta: float):
    """The slice of the loss along ``param`` (a lrcore.slices.Slice)."""
    return lrcore.slices.along(_data, param, held, lrcore.losses.get(loss, **_loss_params(loss, delta)))


def decay_schedule(kind: str, lr: float, per_step: float):
    """The decayed rate: exponential lr*(1 - d)**t or inverse time lr/(1 + d*t)."""
    if kind == "exponential":
        return lrcore.schedules.exponential_decay(lr, decay_steps=1, decay_rate=max(1.0 - per_step, 1e-12))
    return lrcore.schedules.inverse_time_decay(lr, decay_steps=1, decay_rate=per_step)


@st.cache_data(max_entries=64, show_spinner=False)
@_limited
def slice_runs(
    _data: lrcore.Dataset, fingerprint: str, _slice, param: str, held: float, loss: str, delta: float,
    start: float, lr: float, steps: int, decay: str, decay_rate: float,
) -> dict:
    """The constant-rate run along the slice, and the decayed one if asked.

    ``_slice`` is ``slice_of`` for the same arguments, passed in (not hashed:
    param, held, loss and delta name it) so that this computation never
    waits on another cached one while it holds its turn.

    Returns ``runs``: a DataFrame (run, step, p, loss, grad, lr, update) of the
    finite steps of each run; ``diverged_at``: {run: column or -1};
    ``curve``: (p, loss) of the slice over a range that holds the start, the
    minimum and the visited points (within 20 times the start's distance);
    ``left_chart``: {run: True if some visited point lies off that range}.
    """
    s = _slice
    names = ["constant rate"]
    rates = [lr]
    if decay != "none":
        names.append(f"{decay} decay")
        rates.append(decay_schedule(decay, lr, decay_rate))
    traj = lrcore.slices.run_slice(_data, rates, param=param, held=held, start=start, steps=steps, loss=s.loss)
    moving = traj.w if param == "w" else traj.b
    frames, diverged = [], {}
    for k, name in enumerate(names):  # drawing tables for at most two runs
        d = int(traj.diverged_at[k])
        diverged[name] = d
        last = steps if d < 0 else d - 1
        p = moving[k, : last + 1]
        grads = np.asarray(s.grad(_data, p), dtype=float) if p.size else p
        rate = np.append(traj.lr[k, : last], np.nan)[: p.size]
        frames.append(pd.DataFrame({
            "run": name, "step": np.arange(p.size), "p": p, "loss": traj.loss[k, : last + 1],
            "grad": grads, "lr": rate, "update": -rate * grads,
        }))
    runs = pd.concat(frames, ignore_index=True)
    finite = runs[np.isfinite(runs["p"]) & np.isfinite(runs["loss"])]
    reach = max(abs(start - s.minimizer), 1e-3) * 20.0
    near = finite[np.abs(finite["p"] - s.minimizer) <= reach]
    low = min(start, s.minimizer, float(near["p"].min()) if len(near) else start)
    high = max(start, s.minimizer, float(near["p"].max()) if len(near) else start)
    pad = 0.08 * max(high - low, 1e-3)
    grid = np.linspace(low - pad, high + pad, affordable_slopes(loss, _data.n, 301) if param == "w" else 301)
    curve = pd.DataFrame({"p": grid, "loss": np.asarray(s.value(_data, grid), dtype=float)})
    left = {name: bool((np.abs(group["p"] - s.minimizer) > reach).any()) for name, group in finite.groupby("run")}
    return {"runs": runs, "diverged_at": diverged, "curve": curve, "left_chart": left}


# --- the contour page ------------------------------------------------------------------


def optimizer_for(name: str, momentum: float, alpha: float, beta1: float, beta2: float):
    """The lrcore optimizer a run asks for, with the page's hyperparameters."""
    opt = lrcore.optimizers
    return {
        "gd": lambda: opt.sgd(),
        "momentum": lambda: opt.sgd(momentum=momentum),
        "nesterov": lambda: opt.sgd(momentum=max(momentum, 1e-9), nesterov=True),
        "adagrad": lambda: opt.adagrad(),
        "rmsprop": lambda: opt.rmsprop(alpha=alpha),
        "adam": lambda: opt.adam(beta1=beta1, beta2=beta2),
    }[name]()


@st.cache_data(max_entries=32, show_spinner=False)
@_limited
def contour_runs(
    _data: lrcore.Dataset, fingerprint: str, runs: tuple, hyper: tuple, start: tuple, steps: int,
    batch: int, loss: str, delta: float,
) -> dict:
    """Every run from the same start: ``runs`` is ((lr, optimizer name), ...),
    ``hyper`` (momentum, alpha, beta1, beta2). Runs that share an optimizer
    are computed together by one lrcore.run.

    Returns ``w``, ``b``, ``loss`` (K, steps+1) and ``diverged_at`` (K,) as
    plain arrays, in the order of ``runs``.
    """
    count = len(runs)
    w = np.full((count, steps + 1), np.nan)
    b, losses = w.copy(), w.copy()
    diverged = np.full(count, -1)
    loss_fn = lrcore.losses.get(loss, **_loss_params(loss, delta))
    for name in dict.fromkeys(opt for _, opt in runs):  # at most one run() per optimizer
        rows = [k for k, (_, opt) in enumerate(runs) if opt == name]
        traj = lrcore.run(
            _data, [runs[k][0] for k in rows], steps=steps, start=start, loss=loss_fn,
            optimizer=optimizer_for(name, *hyper), batch_size=batch or None, seed=0,
        )
        w[rows], b[rows], losses[rows], diverged[rows] = traj.w, traj.b, traj.loss, traj.diverged_at
    return {"w": w, "b": b, "loss": losses, "diverged_at": diverged}


def window(center: tuple[float, float], start: tuple[float, float], w: np.ndarray, b: np.ndarray) -> tuple:
    """A (w_lo, w_hi, b_lo, b_hi) box holding the minimum, the start and the
    visited points within 3 times the start's distance from the minimum."""
    reach = 3.0 * max(math.hypot(start[0] - center[0], start[1] - center[1]), 1e-3)
    ws, bs = [center[0], start[0]], [center[1], start[1]]
    near = np.isfinite(w) & np.isfinite(b) & (np.hypot(w - center[0], b - center[1]) <= reach)
    ws += list(w[near].ravel()[:: max(1, near.sum() // 2000)]) if near.any() else []
    bs += list(b[near].ravel()[:: max(1, near.sum() // 2000)]) if near.any() else []
    w_lo, w_hi, b_lo, b_hi = min(ws), max(ws), min(bs), max(bs)
    w_pad = 0.12 * max(w_hi - w_lo, 1e-3)
    b_pad = 0.12 * max(b_hi - b_lo, 1e-3)
    return (w_lo - w_pad, w_hi + w_pad, b_lo - b_pad, b_hi + b_pad)


#: Point-evaluations one MAE or Huber curve or grid may spend. A grid's cost
#: is its number of slopes times n (all the intercepts of one slope share
#: one pass over the points), so on large data the grid gets fewer slopes
#: than intercepts; a slice along w gets fewer points. MSE is never cut.
CURVE_BUDGET = 20_000_000
FEWEST_SLOPES = 24


def affordable_slopes(loss: str, n: int, size: int) -> int:
    """How many distinct slopes (grid columns, or points of a slice along w) fit the budget."""
    if loss == "mse":
        return size
    return int(min(size, max(FEWEST_SLOPES, CURVE_BUDGET // max(1, n))))


@st.cache_data(max_entries=32, show_spinner=False)
@_limited
def loss_grid(_data: lrcore.Dataset, fingerprint: str, box: tuple, loss: str, delta: float, size: int = 160):
    """The loss over ``box``: (w values, b values, Z[b, w]), ``size`` intercepts
    by ``size`` slopes, or fewer slopes where MAE or Huber would read too many points."""
    ws = np.linspace(box[0], box[1], affordable_slopes(loss, _data.n, size))
    bs = np.linspace(box[2], box[3], size)
    grid_w, grid_b = np.meshgrid(ws, bs)
    z = np.asarray(lrcore.losses.get(loss, **_loss_params(loss, delta)).value(_data, grid_w, grid_b), dtype=float)
    return ws, bs, z


def contour_lines(ws: np.ndarray, bs: np.ndarray, z: np.ndarray, floor: float, count: int = 14) -> pd.DataFrame:
    """Contour lines of z by contourpy, at levels spaced evenly in log scale
    above ``floor`` (the minimum loss), so that both the valley floor and the
    rim show. Returns level, path, order, w, b."""
    import contourpy

    finite = z[np.isfinite(z)]
    top = float(finite.max()) if finite.size else floor + 1.0
    gap_top = max(top - floor, 1e-12)
    gap_low = max(float(np.percentile(finite, 0.5)) - floor, gap_top * 1e-6) if finite.size else gap_top * 1e-6
    levels = floor + np.geomspace(gap_low, gap_top, count + 1)[:-1]
    generator = contourpy.contour_generator(ws, bs, np.where(np.isfinite(z), z, top), line_type="Separate")
    pieces = []
    path = 0
    for level in levels:
        for line in generator.lines(float(level)):
            pieces.append(pd.DataFrame({"level": float(level), "path": path, "order": np.arange(len(line)),
                                        "w": line[:, 0], "b": line[:, 1]}))
            path += 1
    if not pieces:
        return pd.DataFrame({"level": [], "path": [], "order": [], "w": [], "b": []})
    return pd.concat(pieces, ignore_index=True)


#: Point-evaluations one page run may spend on MAE or Huber descent (each
#: step of each run touches every point): about a second on this machine.
SAMPLE_BUDGET = 20_000_000


def affordable_steps(loss: str, n: int, runs: int, steps: int) -> tuple[int, str | None]:
    """Steps that fit the budget, and a sentence if they had to be cut. MSE
    works from the data's moments, so it is never cut."""
    if loss == "mse":
        return steps, None
    most = max(1, SAMPLE_BUDGET // max(1, n * runs))
    if steps <= most:
        return steps, None
    return most, (f"{steps:,} steps of {LOSS_LABEL.get(loss, loss)} on {n:,} points would take long: "
                  f"each step reads every point. Running {most:,} steps; use fewer points for more.")


def affordable_guesses(loss: str, n: int, guesses: int) -> tuple[int, str | None]:
    """Random guesses that fit the same budget, and a sentence if cut."""
    if loss == "mse":
        return guesses, None
    most = max(1, SAMPLE_BUDGET // max(1, n))
    if guesses <= most:
        return guesses, None
    return most, f"{guesses:,} random guesses on {n:,} points would take long: drawing {most:,}."


LOSS_LABEL = {"mse": "MSE", "mae": "MAE", "huber": "Huber"}


@st.cache_data(max_entries=16, show_spinner=False)
@_limited
def random_guesses(_data: lrcore.Dataset, fingerprint: str, guesses: int, center: tuple, half: tuple,
                   loss: str, delta: float) -> dict:
    """lrcore.search.random_search, as plain arrays: w, b, best_so_far."""
    found = lrcore.search.random_search(_data, guesses=guesses, center=center, half_width=half,
                                        loss=lrcore.losses.get(loss, **_loss_params(loss, delta)))
    return {"w": np.asarray(found.w), "b": np.asarray(found.b), "best_so_far": np.asarray(found.best_so_far)}


# --- the schedules page ------------------------------------------------------------------


def build_schedule(name: str, lr: float, steps: int, values: dict):
    """The lrcore schedule ``name`` at base rate ``lr`` for a run of ``steps``,
    its lengths taken as fractions of the steps (``values`` by parameter)."""
    S = lrcore.schedules
    def length(fraction):
        return max(1, int(round(fraction * steps)))
    if name == "constant":
        return S.constant(lr)
    if name == "step_decay":
        return S.step_decay(lr, length(values["every"]), values["gamma"])
    if name == "multistep_decay":
        first = length(values["first"])
        second = max(length(values["second"]), first + 1)
        return S.multistep_decay(lr, [first, second], values["gamma"])
    if name == "exponential_decay":
        if values.get("staircase"):  # ten periods, reaching the end rate at the last
            return S.exponential_decay(lr, length(0.1), values["to"] ** 0.1, staircase=True)
        return S.exponential_decay(lr, steps, values["to"])
    if name == "inverse_time_decay":
        return S.inverse_time_decay(lr, length(0.1), values["rate"], staircase=bool(values.get("staircase")))
    if name == "polynomial_decay":
        return S.polynomial_decay(lr, steps, end_lr=lr * values["end"], power=values["power"])
    if name == "cosine_decay":
        return S.cosine_decay(lr, steps, alpha=values["alpha"])
    if name == "cosine_restarts":
        return S.cosine_restarts(lr, length(values["first"]), t_mul=values["t_mul"], m_mul=values["m_mul"],
                                 alpha=values["alpha"])
    if name == "warmup_cosine":
        warmup = min(length(values["warmup"]), steps - 1)
        return S.linear_warmup(S.cosine_decay(lr, max(1, steps - warmup)), warmup, start_factor=values["start"])
    if name == "one_cycle":
        three = bool(values.get("three_phase"))
        # the phases need at least one whole step each
        low, high = (1.5 / steps, 1 - 1.5 / steps) if not three else (1.5 / steps, 0.5 - 1.0 / steps)
        pct = min(max(values["pct_start"], low), high)
        return S.one_cycle(lr, max(steps, 2), pct_start=pct, div_factor=values["div"], three_phase=three)
    if name == "cyclic":
        gamma = min(max(values["gamma"], 1e-12), 1.0)
        return S.cyclic(lr / 10, lr, step_size_up=length(values["up"]), mode=values["mode"], gamma=gamma)
    if name == "reduce_on_plateau":
        return S.reduce_on_plateau(lr, factor=values["factor"], patience=int(values["patience"]),
                                   cooldown=int(values["cooldown"]))
    raise ValueError(f"unknown schedule {name!r}")


@st.cache_data(max_entries=32, show_spinner=False)
@_limited
def schedule_runs(_data: lrcore.Dataset, fingerprint: str, chosen: tuple, lr: float, steps: int, opt: str,
                  hyper: tuple, loss: str, batch: int) -> dict:
    """All chosen schedules, run together from (0, 0) on the same mini-batches.
    ``chosen`` is ((name, ((parameter, value), ...)), ...). Returns the
    trajectory's arrays: w, b, loss (K, steps+1), lr (K, steps), diverged_at."""
    schedules = [build_schedule(name, lr, steps, dict(values)) for name, values in chosen]
    traj = lrcore.run(_data, schedules, steps=steps, start=(0.0, 0.0), loss=loss,
                      optimizer=optimizer_for(opt, *hyper), batch_size=batch or None, seed=0)
    return {"w": np.asarray(traj.w), "b": np.asarray(traj.b), "loss": np.asarray(traj.loss),
            "lr": np.asarray(traj.lr), "diverged_at": np.asarray(traj.diverged_at)}


# --- the LR finder page ------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
@_limited
def stability_sweep(_data: lrcore.Dataset, fingerprint: str, low: float, high: float, count: int, steps: int,
                    opt: str, momentum: float, tol: float) -> pd.DataFrame:
    """``count`` log-spaced constant rates from low to high, one vectorised
    lrcore.run from (0, 0) on MSE. Returns lr, final gap (loss above the
    minimum at the last finite step), steps to reach ``tol`` of the start's
    gap (NaN if never), diverged_at (-1 if finite), and ``growing``: the run
    diverged, or its loss rose over the last step (for gradient descent on a
    quadratic the loss falls at every step below 2/λmax, and past it the
    unstable direction soon makes it rise at every step)."""
    rates = np.geomspace(low, high, count)
    optimizer = optimizer_for(opt, momentum, 0.99, 0.9, 0.999)
    floor = lrcore.theory.curvature(_data).min_loss
    parts = []
    # The rates go in groups, so that a sweep holds at most SWEEP_CELLS
    # trajectory entries at once, not count x steps (2000 x 2000 would be
    # about 130 MB while it runs, per session).
    group = max(1, SWEEP_CELLS // (steps + 1))
    for start in range(0, count, group):
        chunk = rates[start:start + group]
        traj = lrcore.run(_data, chunk, steps=steps, optimizer=optimizer)
        gaps = traj.loss - floor
        finite = np.isfinite(gaps)
        last = np.where(traj.diverged_at >= 0, np.maximum(traj.diverged_at - 1, 0), steps)
        final = gaps[np.arange(chunk.size), last]
        with np.errstate(invalid="ignore"):
            arrived = finite & (gaps <= tol * gaps[:, :1])
        first = np.where(arrived.any(axis=1), arrived.argmax(axis=1), -1)
        rising = np.zeros(chunk.size, dtype=bool)
        if steps >= 1:
            with np.errstate(invalid="ignore"):
                rising = traj.loss[:, -1] > traj.loss[:, -2]
        parts.append(pd.DataFrame({
            "lr": chunk, "final_gap": final, "steps_to_tol": np.where(first >= 0, first, np.nan),
            "diverged_at": traj.diverged_at, "growing": (traj.diverged_at >= 0) | rising,
        }))
    return pd.concat(parts, ignore_index=True)


#: The most trajectory entries (runs x steps) one stability sweep holds at once.
SWEEP_CELLS = 2_000_000


@st.cache_data(max_entries=16, show_spinner=False)
@_limited
def range_test(_data: lrcore.Dataset, fingerprint: str, low: float, high: float, steps: int, smooth: float,
               stop: float, batch: int) -> dict:
    """lrcore.lr_range_test as plain values."""
    found = lrcore.lr_range_test(_data, min_lr=low, max_lr=high, steps=steps, smooth=smooth, stop_factor=stop,
                                 batch_size=batch or None)
    return {"lrs": np.asarray(found.lrs), "losses": np.asarray(found.losses), "smoothed": np.asarray(found.smoothed),
            "suggestions": dict(found.suggestions), "stopped_at": int(found.stopped_at),
            "stop_reason": found.stop_reason, "reason": found.reason}
