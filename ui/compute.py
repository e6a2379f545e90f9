"""The only place that caches: thin wrappers over lrcore, keyed by plain values.

A dataset is immutable (read-only arrays), so one copy is shared by every
session (``st.cache_resource``). Results are cached by the dataset's
fingerprint and plain numbers (``st.cache_data``), so the same learning rate
on the same data is never computed twice; the ``_data`` argument itself is
not hashed. Every cache is bounded.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

import lrcore

from .state import DataSettings

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


@st.cache_resource(max_entries=16, show_spinner=False)
def _made_data(key: tuple) -> lrcore.Dataset:
    settings = DataSettings(*key)
    data = lrcore.make_data(**settings.recipe())
    return lrcore.standardize(data) if settings.std else data


@st.cache_resource(max_entries=8, show_spinner=False)
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
def scatter_sample(_data: lrcore.Dataset, fingerprint: str, most: int = MAX_SCATTER) -> pd.DataFrame:
    """At most ``most`` of the points (a fixed random sample), as x, y."""
    if _data.n <= most:
        return pd.DataFrame({"x": _data.x, "y": _data.y})
    rows = np.sort(np.random.default_rng(0).choice(_data.n, size=most, replace=False))
    return pd.DataFrame({"x": _data.x[rows], "y": _data.y[rows]})


def csv_bytes(data: lrcore.Dataset) -> bytes:
    """The points as a CSV file with a header ``x,y`` (for a download)."""
    return data.to_frame().to_csv(index=False, float_format="%.17g").encode()


def sample_csv() -> bytes:
    """A small example of a file the upload accepts."""
    return csv_bytes(lrcore.make_data(n=20, w=1.5, b=-2.0, noise=0.5, seed=7))
