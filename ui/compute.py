"""The only place that caches: each call a page makes for its numbers, keyed
by plain values, returning what the page draws.

A dataset is immutable (read-only arrays), so one copy is shared by every
session (``st.cache_resource``). Results are cached by the dataset's
fingerprint and plain numbers (``st.cache_data``), so the same learning rate
on the same data is never computed twice; the ``_data`` argument itself is
not hashed. Every cache is bounded, and every computation behind one takes
a turn from ``ui.server.limited``. The views themselves are built by the
pure functions of ``ui.views``.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import threading

import numpy as np
import pandas as pd
import streamlit as st

import lrcore

from . import catalog, charts, state
from .budget import CURVE_BUDGET, affordable_slopes
from .server import limited
from .state import DataSettings
from .views import common, contour, finder, fit, home, lesson, loss_slice, schedules

#: Most points drawn in a scatter; more are sampled down.
MAX_SCATTER = 5000


def made_data(settings: DataSettings) -> lrcore.Dataset:
    """The points ``make_data`` draws for these settings (standardized if asked)."""
    return _made_data(settings.key())


@st.cache_resource(max_entries=8, show_spinner=False)
@limited
def _made_data(key: tuple) -> lrcore.Dataset:
    settings = DataSettings(*key)
    data = lrcore.make_data(**settings.recipe())
    return lrcore.standardize(data) if settings.std else data


@st.cache_resource(max_entries=4, show_spinner=False)
@limited
def shared_upload(_data: lrcore.Dataset, fingerprint: str) -> lrcore.Dataset:
    """One copy of an uploaded dataset for every session that uploads the
    same points (a class given one file keeps one copy, not one each)."""
    return _data


@st.cache_resource(max_entries=4, show_spinner=False)
@limited
def standardized(_data: lrcore.Dataset, fingerprint: str) -> lrcore.Dataset:
    """An uploaded dataset, standardized (keyed by its fingerprint)."""
    return lrcore.standardize(_data)


@st.cache_data(max_entries=16, show_spinner=False)
@limited
def home_view(_data: lrcore.Dataset, fingerprint: str) -> home.HomeView:
    """The home page's four rates (``ui.views.home.build``)."""
    return home.build(_data)


@st.cache_data(max_entries=16, show_spinner=False)
@limited
def lesson_guessing(_data: lrcore.Dataset, fingerprint: str) -> lesson.GuessingView:
    """The lesson's first chapter: descent against random guessing (``ui.views.lesson.guessing``)."""
    return lesson.guessing(_data)


@st.cache_data(max_entries=64, show_spinner=False)
@limited
def fit_view(_data: lrcore.Dataset, fingerprint: str, lr: float, steps: int, w0: float, b0: float) -> fit.FitView:
    """The Data page's run and what it says (``ui.views.fit.build``)."""
    return fit.build(_data, lr, steps, w0, b0)


@st.cache_data(max_entries=16, show_spinner=False)
@limited
def scatter_sample(_data: lrcore.Dataset, fingerprint: str, most: int = MAX_SCATTER) -> pd.DataFrame:
    """At most ``most`` of the points (a fixed random sample), as x, y."""
    if _data.n <= most:
        return pd.DataFrame({"x": _data.x, "y": _data.y})
    rows = np.sort(np.random.default_rng(0).choice(_data.n, size=most, replace=False))
    return pd.DataFrame({"x": _data.x[rows], "y": _data.y[rows]})


# --- the loss slice ----------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
@limited
def best_fit(_data: lrcore.Dataset, fingerprint: str, loss: str, delta: float) -> tuple[float, float]:
    """The (w, b) of the lowest ``loss`` on the data."""
    return lrcore.losses.configured(loss, {"delta": delta}).minimizer(_data)


@st.cache_data(max_entries=32, show_spinner=False)
@limited
def slice_of(_data: lrcore.Dataset, fingerprint: str, param: str, held: float, loss: str, delta: float):
    """The slice of the loss along ``param`` (a lrcore.slices.Slice)."""
    return lrcore.slices.along(_data, param, held, lrcore.losses.configured(loss, {"delta": delta}))


@st.cache_data(max_entries=64, show_spinner=False)
@limited
def slice_view(
    _data: lrcore.Dataset, fingerprint: str, _slice, param: str, held: float, loss: str, delta: float,
    start: float, lr: float, steps: int, decay: str, decay_rate: float,
) -> loss_slice.SliceView:
    """The slice page's runs and what they did (``ui.views.loss_slice.build``).

    ``_slice`` is ``slice_of`` for the same arguments, passed in (not hashed:
    param, held, loss and delta name it) so that this computation never
    waits on another cached one while it holds its turn."""
    points = affordable_slopes(loss, _data.n, 301) if param == "w" else 301
    return loss_slice.build(_data, _slice, start=start, lr=lr, steps=steps, decay=decay, decay_rate=decay_rate,
                            curve_points=points)


# --- the contour page ------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
@limited
def contour_runs(
    _data: lrcore.Dataset, fingerprint: str, runs: tuple, settings: state.OptimizerSettings, start: tuple, steps: int,
    batch: int, loss: str, delta: float,
) -> lrcore.Trajectory:
    """Every run of the contour page from the same start (``ui.views.contour.run_all``)."""
    return contour.run_all(_data, runs, settings, start=start, steps=steps, batch=batch,
                           loss=lrcore.losses.configured(loss, {"delta": delta}))


@st.cache_data(max_entries=32, show_spinner=False)
@limited
def loss_grid(_data: lrcore.Dataset, fingerprint: str, window: tuple, loss: str, delta: float, size: int = 160):
    """The loss over ``window``: (w values, b values, Z[b, w]), ``size`` intercepts
    by ``size`` slopes, or fewer slopes where MAE or Huber would read too many points."""
    ws = np.linspace(window[0], window[1], affordable_slopes(loss, _data.n, size))
    bs = np.linspace(window[2], window[3], size)
    grid_w, grid_b = np.meshgrid(ws, bs)
    z = np.asarray(lrcore.losses.configured(loss, {"delta": delta}).value(_data, grid_w, grid_b), dtype=float)
    return ws, bs, z


@st.cache_data(max_entries=32, show_spinner=False)
@limited
def map_lines(_grid: tuple, fingerprint: str, window: tuple, loss: str, delta: float, min_loss: float):
    """The contour lines (``ui.views.common.contour_lines``) of ``_grid``,
    the ``loss_grid`` of the other arguments."""
    return common.contour_lines(*_grid, min_loss)


@st.cache_data(max_entries=16, show_spinner=False)
@limited
def random_guesses(_data: lrcore.Dataset, fingerprint: str, guesses: int, center: tuple, half: tuple,
                   loss: str, delta: float) -> dict:
    """lrcore.search.random_search, as plain arrays: w, b, best_so_far."""
    found = lrcore.search.random_search(_data, guesses=guesses, center=center, half_width=half,
                                        loss=lrcore.losses.configured(loss, {"delta": delta}))
    return {"w": np.asarray(found.w), "b": np.asarray(found.b), "best_so_far": np.asarray(found.best_so_far)}


@st.cache_data(max_entries=16, show_spinner=False)
@limited
def bowl(_data: lrcore.Dataset, fingerprint: str, loss: str, delta: float):
    """The loss's bowl (``lrcore.theory.local_curvature``): the MSE's, Huber's
    near its minimum, None for MAE."""
    return lrcore.theory.local_curvature(_data, lrcore.losses.configured(loss, {"delta": delta}))


def contour_view(data: lrcore.Dataset, *, runs: tuple, settings: state.OptimizerSettings, start: tuple, steps: int, batch: int,
                 loss: str, delta: float, tol: float, guesses: int, equal: bool) -> contour.ContourView:
    """The contour page's view (``ui.views.contour.build``) from its cached
    pieces: the runs, the grid over the map they frame, and the guesses."""
    fingerprint = data.fingerprint
    result = contour_runs(data, fingerprint, runs, settings, start, steps, batch, loss, delta)
    best = best_fit(data, fingerprint, loss, delta)
    min_loss = float(lrcore.losses.configured(loss, {"delta": delta}).value(data, *best))
    window = contour.frame_window(best, start, result.w, result.b, result.diverged_at, result.loss)
    if equal:
        window = contour.equal_window(window)
    grid = loss_grid(data, fingerprint, window, loss, delta)
    lines = map_lines(grid, fingerprint, window, loss, delta, min_loss)
    half = contour.guess_box(start, best)
    search = random_guesses(data, fingerprint, guesses, start, half, loss, delta) if guesses else None
    frames = len(runs) * common.frame_steps(steps, contour.MAX_FRAMES).size
    arrows = loss == "mse" or frames * data.n <= CURVE_BUDGET
    return contour.build(data, runs=runs, result=result, start=start, steps=steps, loss=loss, delta=delta, tol=tol,
                         best=best, min_loss=min_loss, window=window, equal=equal, grid=grid, lines=lines, search=search,
                         half=half, curvature=bowl(data, fingerprint, loss, delta), arrows=arrows, batch=batch,
                         momentum=settings.momentum)


# --- the schedules page ------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
@limited
def schedule_view(_data: lrcore.Dataset, fingerprint: str, chosen: tuple, lr: float, steps: int, opt: str,
                  settings: state.OptimizerSettings, loss: str, batch: int) -> schedules.ScheduleView:
    """The schedules page's runs and what they show (``ui.views.schedules.build``).
    ``chosen`` is ((name, ((parameter, value), ...)), ...)."""
    return schedules.build(_data, chosen=chosen, lr=lr, steps=steps,
                           optimizer=common.optimizer(opt, settings), opt=opt, loss=loss, batch=batch)


@st.cache_data(max_entries=32, show_spinner=False)
@limited
def schedule_code(_data: lrcore.Dataset, fingerprint: str, name: str, values: tuple, lr: float, steps: int,
                  opt: str, settings: state.OptimizerSettings, loss: str, batch: int, recipe: tuple | None) -> tuple[str, str] | str:
    """The Keras and PyTorch scripts of one schedule's run, or why it cannot be exported.
    ``recipe``: ``make_data``'s arguments as (name, value) pairs, or None to carry the points."""
    schedule = catalog.build_schedule(name, lr, steps, dict(values))
    kwargs = dict(steps=steps, loss=loss, optimizer=common.optimizer(opt, settings), batch_size=batch or None, seed=0,
                  recipe=dict(recipe) if recipe is not None else None)
    try:
        return (lrcore.export.keras_script(_data, schedule, **kwargs),
                lrcore.export.pytorch_script(_data, schedule, **kwargs))
    except ValueError as error:
        return f"This combination cannot be exported: {error}"


# --- the LR finder page ------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
@limited
def stability_view(_data: lrcore.Dataset, fingerprint: str, count: int, steps: int, opt: str, momentum: float,
                   tol: float) -> finder.StabilityView:
    """The finder page's stability map (``ui.views.finder.stability_view``)."""
    return finder.stability_view(_data, count_rates=count, steps=steps, opt=opt, momentum=momentum, tol=tol)


@st.cache_data(max_entries=16, show_spinner=False)
@limited
def range_test_view(_data: lrcore.Dataset, fingerprint: str, low: float, high: float, steps: int, smooth: float,
                    stop: float, batch: int) -> finder.RangeTestView:
    """lrcore.lr_range_test, read against the theory (``ui.views.finder.range_test_view``)."""
    found = lrcore.lr_range_test(_data, min_lr=low, max_lr=high, steps=steps, smooth=smooth, stop_factor=stop,
                                 batch_size=batch or None)
    return finder.range_test_view(_data, found)


# --- chart specs ------------------------------------------------------------------------------

#: The most chart specs kept (a contour page's is about 150 kB of frames).
MAX_SPECS = 64
_specs: collections.OrderedDict[str, tuple[str, dict]] = collections.OrderedDict()
_specs_lock = threading.Lock()


def chart_spec(build, *args, **kwargs) -> dict:
    """``charts.to_spec(build(*args, **kwargs))``, built once for the same
    builder and the same content of its arguments (a view, frames, numbers)
    and kept for every session: Altair building a chart was most of a rerun
    that recomputed nothing else (the contour page's map, 0.3 s of 0.8 s).

    Keyed by the builder's name and a digest of its arguments' content
    (``_digest``), not by object identity: a view rebuilt from cached parts
    finds its spec. Each call returns a spec of its own (Streamlit takes the
    datasets out of the dict it is given); the frames inside are shared and
    never changed.
    """
    key = _digest((build.__module__, build.__qualname__, args, sorted(kwargs.items())))
    with _specs_lock:
        kept = _specs.get(key)
        if kept is not None:
            _specs.move_to_end(key)
    if kept is None:
        spec = charts.to_spec(build(*args, **kwargs))
        datasets = spec.pop("datasets")
        kept = (json.dumps(spec), datasets)
        with _specs_lock:
            _specs[key] = kept
            while len(_specs) > MAX_SPECS:
                _specs.popitem(last=False)
    text, datasets = kept
    return {**json.loads(text), "datasets": dict(datasets)}


def _digest(value) -> str:
    """A digest of ``value``'s content: frames and arrays by their bytes,
    dataclasses field by field, containers item by item, numbers and text by
    type and value (same content, same digest). Any other type is refused,
    not guessed at: a digest that left something out would hand one
    learner's chart to another."""
    hashed = hashlib.sha1()

    def feed(item) -> None:
        if isinstance(item, pd.DataFrame):
            hashed.update(b"frame")
            hashed.update(repr([(str(c), str(t)) for c, t in item.dtypes.items()]).encode())
            hashed.update(pd.util.hash_pandas_object(item, index=True).to_numpy().tobytes())
        elif isinstance(item, pd.Series):
            feed(item.to_frame())
        elif isinstance(item, np.ndarray):
            hashed.update(f"array{item.dtype}{item.shape}".encode())
            hashed.update(np.ascontiguousarray(item).tobytes())
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            hashed.update(type(item).__qualname__.encode())
            for f in dataclasses.fields(item):
                hashed.update(f.name.encode())
                feed(getattr(item, f.name))
        elif isinstance(item, (list, tuple)):
            hashed.update(f"{type(item).__name__}{len(item)}".encode())
            for part in item:
                feed(part)
        elif isinstance(item, dict):
            feed(sorted(item.items(), key=lambda pair: repr(pair[0])))
        elif isinstance(item, np.generic):
            feed(item.item())
        elif isinstance(item, (str, int, float, bool, type(None))):
            hashed.update(f"{type(item).__name__}:{item!r};".encode())
        else:
            raise TypeError(f"chart_spec cannot digest a {type(item).__name__}")

    feed(value)
    return hashed.hexdigest()
