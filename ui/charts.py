"""Pure functions from numbers to Altair charts: no Streamlit calls, no maths
beyond placing marks. Every colour comes from the palette below.

The iteration scrubbers run in the browser: an Altair ``param`` bound to a
range input filters the frames already sent with the chart, so dragging it
needs no rerun.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math

import altair as alt
import numpy as np
import pandas as pd
from altair.utils import schemapi

# Altair checks every object against the Vega-Lite schema as it is built, and
# Streamlit's st.altair_chart checks the whole spec again: together most of a
# rerun (Data page: about 0.3 s of 0.5 s). The charts here are fixed code, so
# the schema is checked once, by the tests (tests/test_charts.py validates
# every chart's spec), and the pages send ``to_spec``'s dict unchecked.
schemapi.disable_debug_mode()


def _copied(obj, by_ref: set):
    """Altair's deep copy of a chart's parts (``schemapi._deep_copy``), the
    same objects made without calling each class's constructor again.

    Altair copies every part of a chart each time one is layered or
    stacked (to lift parameters), and its copy rebuilds every object
    through its constructor with each of its dozens of unset options: half
    the time of building the Data page's chart. A part holds nothing but its
    ``_args`` and ``_kwds`` (``SchemaBase.__init__`` sets only those), so
    copying those is the whole copy; a class with a ``__deepcopy__`` of its
    own keeps Altair's. tests/test_charts.py checks that every chart's spec
    is the one Altair's own copy gives."""
    if isinstance(obj, schemapi.SchemaBase):
        if getattr(obj, "__deepcopy__", None) is not None:
            return _altair_copy(obj, by_ref)
        made = object.__new__(type(obj))
        object.__setattr__(made, "_args", tuple(_copied(arg, by_ref) for arg in obj._args))
        object.__setattr__(made, "_kwds", {key: value if value is alt.Undefined or key in by_ref
                                           else _copied(value, by_ref) for key, value in obj._kwds.items()})
        return made
    if isinstance(obj, list):
        return [_copied(value, by_ref) for value in obj]
    if isinstance(obj, dict):
        return {key: value if key in by_ref else _copied(value, by_ref) for key, value in obj.items()}
    return obj


_altair_copy = schemapi._deep_copy
schemapi._deep_copy = _copied


class _KeptClassIndex(schemapi._FromDict):
    """Altair's ``_FromDict`` with its index of classes by schema made once.

    Each encoding written as text ("w:Q") is turned into its channel by
    ``from_dict``, which first hashes the JSON schema of every one of
    Altair's hundreds of classes to index them: about 4 ms each time, 40 to
    80 ms of a page's chart. The classes and their schemas do not change
    while the app runs, so the index is made once for each set of classes.

    Altair asks for "every subclass of SchemaBase" as a fresh generator that
    walks its whole class tree (another 2 to 4 ms each time): that set is
    known by the class it starts from, and its walk is done once. (Altair
    defines all of its classes when imported; the app defines none.)"""

    _indexes: dict = {}

    def __init__(self, wrapper_classes, /) -> None:
        start = _subclasses_of(wrapper_classes)
        classes = None if start is not None else tuple(wrapper_classes)
        key = start if start is not None else classes
        index = self._indexes.get(key)
        if index is None:  # the generator, not yet started, is walked here once
            super().__init__(classes if classes is not None else tuple(wrapper_classes))
            index = self._indexes[key] = self.class_dict
        self.class_dict = index


def _subclasses_of(classes) -> type | None:
    """The class whose subclasses ``classes`` is about to list, when it is an
    unstarted ``schemapi._subclasses`` generator; else None."""
    if not inspect.isgenerator(classes) or classes.gi_code is not schemapi._subclasses.__code__ \
            or inspect.getgeneratorstate(classes) != inspect.GEN_CREATED:
        return None
    start = inspect.getgeneratorlocals(classes).get("cls")
    return start if isinstance(start, type) else None


_altair_index = schemapi._FromDict
schemapi._FromDict = _KeptClassIndex

#: One palette for the app.
GUESS = "#d62728"  # the current guess: red, as in the lesson
BEST = "#2ca02c"  # the best fit: green
TRUE = "#7f7f7f"  # the line the points were drawn around
POINTS = "#4c78a8"
RESIDUAL = "#f2a7a7"
#: One colour per run, the same on every chart of a page.
RUNS = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")

#: The two eigen-directions of the loss bowl.
FLAT = "#6a51a3"
STEEP = "#e6550d"

STEP_PARAM = "step"
#: The width, in pixels, of each panel of a stacked chart (``fit_chart``,
#: ``schedules_chart``, ``stability_chart``) drawn with ``width="content"``.
#: Drawn with ``width="stretch"``, as the pages do, Streamlit gives every
#: panel the container's width instead and ``FIT_X`` fits them, axes and all.
PANEL_WIDTH = 720
#: The fit chart's panels' heights: the points, the loss, the directions.
FIT_HEIGHTS = (300, 200, 200)
#: A stacked chart (a ``vconcat`` of layers) fitted to its width: Vega-Lite
#: drops Streamlit's "fit" on a concat (to "pad", and each stretched panel's
#: plot then takes the whole width, its y axis past the edge), but keeps
#: "fit-x", which shrinks the shared width until plots and axes fit (Chromium,
#: a 390-px phone: the drawing ends at 374 px, the container's right edge).
#: Only direct children of the top-level ``vconcat`` are stretched and
#: fitted: a nested ``hconcat`` keeps its own width.
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")
#: Axis labels as ``ui.views.common.num`` writes numbers: 0.01, 250, 1e10,
#: 2.5e-5 (d3's "~g" alone writes 10000000000).
COMPACT_LABELS = (
    "abs(datum.value) >= 1e4 || (abs(datum.value) < 1e-3 && datum.value != 0)"
    " ? replace(format(datum.value, '.2~e'), 'e+', 'e') : format(datum.value, '~g')"
)
#: Log-scale axes.
LOG_AXIS = alt.Axis(labelExpr=COMPACT_LABELS)
#: A step axis ticked at whole steps: a run that diverged at step 4, stretched
#: across a laptop, was ticked 0.0, 0.1, ..., 3.0.
STEP_AXIS = alt.Axis(tickMinStep=1)


#: A legend entry's width, in pixels, estimated from its label, a little over
#: what Chromium draws: a label's character, and the symbol, its gap and the
#: padding between columns ("best fit", "true line", "current guess" measure
#: 72, 80 and 97 px; estimated 74, 81 and 106).
LABEL_CHAR_PX, LEGEND_ENTRY_PX = 6.3, 24


def _legend(column: int | None = None, *, labels=(), **options) -> alt.Legend:
    """A legend above the plot, its entries in as many columns of ``column``
    pixels as the plot's width holds: one under another on a phone, in a row
    on a laptop. (Vega's legend in a single row would run past a phone's edge,
    and no fitting shrinks a legend.)

    With ``labels`` (the entries' labels), ``column`` defaults to the widest
    entry's estimated width, and the entries stay in one row wherever their
    estimated widths add up to no more than the plot's width.
    """
    if not labels:
        columns = f"max(1, floor(width / {column}))"
    else:
        limit = options.get("labelLimit") or math.inf
        widths = [min(LABEL_CHAR_PX * len(str(label)), limit) + LEGEND_ENTRY_PX for label in labels]
        columns = f"width >= {sum(widths)!r} ? {len(widths)} : max(1, floor(width / {column or max(widths)!r}))"
    return alt.Legend(title=None, orient="top", columns=alt.ExprRef(columns), **options)


#: A frame (a row with ``step`` and ``until``) is the one the scrubber shows.
CURRENT_FRAME = f"datum.step <= {STEP_PARAM} && {STEP_PARAM} < datum.until"


def to_spec(chart) -> dict:
    """The Vega-Lite spec of ``chart`` for ``st.vega_lite_chart``, not checked
    against the schema: each DataFrame becomes a named dataset (named by its
    content, so one used by several layers is sent once) and stays a DataFrame
    for Streamlit to send as Arrow. No theme is merged in (Streamlit's own
    applies in the browser), as ``st.altair_chart`` does. The chart is not changed.
    """
    chart = _top_copied(chart)
    datasets: dict[str, object] = {}
    _name_data(chart, datasets)
    context = {"top_level": False, "datasets": {}}  # no theme; Altair's own inline data lands in context
    spec = chart.to_dict(validate=False, context=context)
    spec["$schema"] = alt.SCHEMA_URL
    spec["datasets"] = {**context["datasets"], **datasets}
    return spec


def _name_data(chart, datasets: dict) -> None:
    """Replace each DataFrame in ``chart`` and its parts by a dataset named
    by what is sent: the frame made ``compact`` (the parts are copied first:
    a builder's chart is never changed)."""
    data = getattr(chart, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        index = data.index
        if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
            data = data.reset_index(drop=True)
        sent = compact(data)
        hashed = hashlib.sha1(pd.util.hash_pandas_object(sent, index=False).to_numpy().tobytes())
        hashed.update(json.dumps([[str(c), str(t)] for c, t in sent.dtypes.items()]).encode())
        name = f"data-{hashed.hexdigest()[:20]}"
        datasets[name] = sent
        chart.data = alt.NamedData(name=name)
    for key in ("layer", "vconcat", "hconcat", "concat"):
        parts = getattr(chart, key, alt.Undefined)
        if isinstance(parts, list):
            parts = [_top_copied(part) for part in parts]
            setattr(chart, key, parts)
            for part in parts:
                _name_data(part, datasets)


def _top_copied(part):
    """``part.copy(deep=False)`` without calling the class's constructor
    again (a layer's would lift and copy its parts' parameters anew):
    a new object holding the same values."""
    made = object.__new__(type(part))
    object.__setattr__(made, "_args", part._args)
    object.__setattr__(made, "_kwds", dict(part._kwds))
    return made


#: A float column is sent as float32 only if that moves no value by more than
#: this fraction of the column's spread (a 10,000th of a chart's width) and
#: every nonzero magnitude lies well inside float32's normal range.
FLOAT32_SPREAD, FLOAT32_RANGE = 1e-4, (1e-30, 1e30)
#: Frames shorter than this are sent as they are (a rule or a label: no
#: bytes to save, and converting each column costs more than it saves).
COMPACT_ROWS = 100


def compact(frame: pd.DataFrame, least_rows: int = COMPACT_ROWS) -> pd.DataFrame:
    """``frame`` in the smallest types that draw the same chart, for the bytes
    a rerun sends, if it has ``least_rows`` rows or more: text as categories
    (each word sent once, then small codes), whole numbers in the fewest bits
    that hold them, and a float column as float32 where that moves no point
    by a visible amount (see ``FLOAT32_SPREAD``; float32 keeps about 7
    significant digits, more than a tooltip's ".6g" shows). NaN and inf stay
    what they were. A shorter frame, or one with nothing to convert, is
    returned itself.

    >>> small = compact(pd.DataFrame({"run": ["a", "a", "b"], "step": [0, 1, 300], "w": [0.5, 1.0, 2.0],
    ...                               "near": [3.0, 3.0 + 1e-9, 3.0 + 2e-9], "big": [1.0, 1e300, math.inf]}),
    ...                 least_rows=3)
    >>> {column: str(dtype) for column, dtype in small.dtypes.items()}
    {'run': 'category', 'step': 'int16', 'w': 'float32', 'near': 'float64', 'big': 'float64'}
    >>> rule = pd.DataFrame({"label": ["best"], "w": [0.5]})
    >>> compact(rule) is rule
    True
    """
    if len(frame) < least_rows:
        return frame
    out, changed = {}, False
    for column in frame.columns:
        values = frame[column]
        before = values.dtype
        kind = before.kind
        if kind in "OUT" or pd.api.types.is_string_dtype(values.dtype):
            values = values.astype("category")
        elif kind in "iu":
            values = pd.to_numeric(values, downcast="integer" if kind == "i" else "unsigned")
        elif values.dtype == np.float64 and _float32_draws_the_same(values.to_numpy()):
            values = values.astype(np.float32)
        changed = changed or values.dtype != before
        out[column] = values
    return pd.DataFrame(out, index=frame.index) if changed else frame


def _float32_draws_the_same(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return True
    magnitude = np.abs(finite[finite != 0])
    if magnitude.size and (magnitude.min() < FLOAT32_RANGE[0] or magnitude.max() > FLOAT32_RANGE[1]):
        return False
    moved = np.abs(finite.astype(np.float32).astype(np.float64) - finite).max()
    spread = float(finite.max() - finite.min())
    return moved == 0 or moved <= FLOAT32_SPREAD * spread


def _scrubber(last: int, at: int | None = None) -> alt.Parameter:
    """The in-browser step slider, 0 to ``last`` one step at a time, at
    ``at`` (``last`` when None)."""
    return alt.param(name=STEP_PARAM, value=last if at is None else min(max(int(at), 0), last),
                     bind=alt.binding_range(min=0, max=max(last, 1), step=1, name="Step (drag to replay) "))


def _scrubbed(chart, step: alt.Parameter):
    """``chart`` (a layer or concat) with the param ``step`` (the scrubber's,
    or another) at its top level, beside any it already has. The same spec as ``add_params(step)``,
    which on a compound chart deep-copies every part of it: about 0.15 s
    per chart on the Data page."""
    existing = chart.params if isinstance(chart.params, list) else []
    chart.params = [*existing, step.param]
    return chart


def _stacked(*panels, resolve: alt.Resolve | None = None) -> alt.VConcatChart:
    """``panels`` (layers or single views) one under another, each as wide as
    the chart: drawn with ``width="stretch"``, as wide as the container, with
    their axes inside it (``FIT_X``); with ``width="content"``, ``PANEL_WIDTH``.
    A panel's height is its own."""
    options = {"resolve": resolve} if resolve is not None else {}
    return alt.VConcatChart(vconcat=[panel.properties(width=PANEL_WIDTH) for panel in panels], autosize=FIT_X,
                            **options)


def _titled(text: str, subtitle: str | None = None) -> alt.TitleParams:
    """A panel's title, with what qualifies it on a second, smaller line: one
    long line would run past a phone's edge (Vega does not wrap titles)."""
    return alt.TitleParams(text, subtitle=subtitle) if subtitle else alt.TitleParams(text)


def _step_rule(color: str = "#888") -> alt.Chart:
    """A vertical rule at the scrubber's step (on a chart whose x is the step)."""
    return (alt.Chart(pd.DataFrame({"here": [0]})).transform_calculate(step=STEP_PARAM)
            .mark_rule(color=color, strokeDash=[3, 3]).encode(x="step:Q"))


def _finite(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Only rows whose columns are all finite: NaN and inf never reach a chart."""
    mask = np.ones(len(frame), dtype=bool)
    for column in columns:
        mask &= np.isfinite(frame[column].to_numpy(dtype=float))
    return frame[mask]


def _literal(values) -> str:
    """A Vega expression array literal of finite numbers."""
    return json.dumps([float(f"{v:.10g}") for v in values])


def _padded(low: float, high: float, fraction: float = 0.08) -> list[float]:
    span = high - low
    if not span > 0:
        span = max(abs(high), 1.0)
    return [low - fraction * span, high + fraction * span]


def fit_chart(
    points: pd.DataFrame,
    frames: pd.DataFrame,
    curve: pd.DataFrame,
    *,
    best: tuple[float, float],
    true_line: tuple[float, float] | None,
    diverged_at: int,
    sampled_from: int | None = None,
    directions: pd.DataFrame | None = None,
):
    """The points with the best-fit line (green), the true line (dashed) and
    the current guess (red) with its residuals; below it the loss against
    the step (log scale), and below that the error along each eigen-direction.
    One range input ("step") moves the guess, the marker on the loss curve and
    the rule on the directions together, in the browser. The panels are
    stacked (``_stacked``): draw it with ``width="stretch"``.

    Args:
        points: x, y (already sampled down for drawing).
        frames: step, until, w, b, loss; the replay's frames, all finite
            (a frame shows from its step until the next one's).
        curve: step, loss; the loss curve (thinned, finite).
        best: the best fit (w, b); true_line: (w, b) the points were drawn
            around, or None for uploaded data.
        diverged_at: the loss column where the run diverged, or -1.
        sampled_from: n when ``points`` is a sample of n points.
        directions: step, direction, error: drawn below (``direction_panel``)
            with the same scrubber; None leaves the panel out.
    """
    frames = _finite(frames, "w", "b", "loss").reset_index(drop=True)
    x_lo, x_hi = float(points["x"].min()), float(points["x"].max())
    y_lo, y_hi = float(points["y"].min()), float(points["y"].max())
    for w, b in [best] + ([true_line] if true_line else []):
        y_lo, y_hi = min(y_lo, w * x_lo + b, w * x_hi + b), max(y_hi, w * x_lo + b, w * x_hi + b)
    x_scale = alt.Scale(domain=_padded(x_lo, x_hi, 0.02), nice=False)
    y_scale = alt.Scale(domain=_padded(y_lo, y_hi), nice=False)
    last = int(frames["step"].iloc[-1]) if len(frames) else 0
    step = _scrubber(last)

    lines = [{"line": "best fit", "x": x, "y": best[0] * x + best[1]} for x in (x_lo, x_hi)]
    if true_line:
        lines += [{"line": "true line", "x": x, "y": true_line[0] * x + true_line[1]} for x in (x_lo, x_hi)]
    shown = [("best fit", BEST)] + ([("true line", TRUE)] if true_line else []) + [("current guess", GUESS)]
    line_colors = alt.Scale(domain=[name for name, _ in shown], range=[color for _, color in shown])
    fixed = (
        alt.Chart(pd.DataFrame(lines))
        .mark_line(strokeWidth=2.5, clip=True)
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            color=alt.Color("line:N", scale=line_colors, legend=_legend(labels=line_colors.domain)),
            strokeDash=alt.condition(alt.datum.line == "true line", alt.value([6, 4]), alt.value([1, 0])),
        )
    )
    guess = frames.assign(line="current guess", x0=x_lo, x1=x_hi,
                          y0=frames["w"] * x_lo + frames["b"], y1=frames["w"] * x_hi + frames["b"])
    guess_line = (
        alt.Chart(guess)
        .mark_rule(strokeWidth=3, clip=True)
        .encode(
            x=alt.X("x0:Q", scale=x_scale, title="x"),
            x2="x1:Q",
            y=alt.Y("y0:Q", scale=y_scale, title="y"),
            y2="y1:Q",
            color=alt.Color("line:N", scale=line_colors),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("w:Q", format=".4g"), alt.Tooltip("b:Q", format=".4g"),
                     alt.Tooltip("loss:Q", format=".4g")],
        )
        .transform_filter(CURRENT_FRAME)
    )
    # Residuals of a few points to the guess at the chosen step: the guess's
    # w and b are looked up in arrays by the frame shown at that step.
    some = points.iloc[:: max(1, math.ceil(len(points) / 200))]
    # The frames are every `stride` steps from 0, then the last step: the frame
    # shown at step t is t // stride, or the last one from the last step on.
    stride = int(frames["step"].iloc[1] - frames["step"].iloc[0]) if len(frames) > 1 else 1
    final = max(len(frames) - 1, 0)
    index = f"{STEP_PARAM} >= {last} ? {final} : min(floor({STEP_PARAM} / {stride}), {final})"
    residuals = (
        alt.Chart(some)
        .transform_calculate(
            fit=f"{_literal(frames['w'])}[{index}] * datum.x + {_literal(frames['b'])}[{index}]"
        )
        .mark_rule(color=RESIDUAL, strokeWidth=1, clip=True)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), y2="fit:Q")
    )
    sample = None if sampled_from is None else f"a sample: {len(points):,} of the {sampled_from:,} points"
    title = _titled("The points", sample)
    dots = (
        alt.Chart(points)
        .mark_circle(size=28 if len(points) <= 500 else 8, color=POINTS, opacity=0.65)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale))
    )
    scatter = alt.layer(residuals, dots, fixed, guess_line).properties(title=title, height=FIT_HEIGHTS[0])

    curve = _finite(curve, "loss")
    curve = curve[curve["loss"] > 0]
    loss_line = (
        alt.Chart(curve)
        .mark_line(color=GUESS, strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title="step", axis=STEP_AXIS),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss (MSE, log scale)",
                    axis=_log_axis(curve["loss"])),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".4g")],
        )
    )
    marker = (
        alt.Chart(frames[frames["loss"] > 0])
        .mark_point(color=GUESS, size=90, filled=True)
        .encode(x="step:Q", y=alt.Y("loss:Q", scale=alt.Scale(type="log")))
        .transform_filter(CURRENT_FRAME)
    )
    layers = [loss_line, marker]
    if diverged_at >= 0 and len(curve):
        end = curve.iloc[[-1]].assign(label=f"diverged at step {diverged_at}")
        layers.append(
            alt.Chart(end)
            .mark_text(align="right", dx=-6, dy=-10, color=GUESS, fontWeight="bold")
            .encode(x="step:Q", y=alt.Y("loss:Q", scale=alt.Scale(type="log")), text="label:N")
        )
    loss_title = _titled("Loss against the step", f"diverged at step {diverged_at}" if diverged_at >= 0 else None)
    losses = alt.layer(*layers).properties(title=loss_title, height=FIT_HEIGHTS[1])
    panels = [scatter, losses]
    if directions is not None:
        panels.append(direction_panel(directions, step=step, height=FIT_HEIGHTS[2]))
    independent = alt.Resolve(scale=alt.ScaleResolveMap(color="independent"))
    return _scrubbed(_stacked(*panels, resolve=independent), step)


def _decades(low: float, high: float) -> list[float]:
    """The powers of ten between ``low`` and ``high`` (> 0), at most about ten
    of them: the ticks of a log axis whose domain is not rounded."""
    if not (0 < low < high and math.isfinite(high)):
        return []
    first, last = math.ceil(math.log10(low)), math.floor(math.log10(high))
    every = max(1, math.ceil((last - first + 1) / 10))
    return [10.0**k for k in range(first, last + 1, every)]


def _log_axis(values) -> alt.Axis:
    """A log axis whose ticks are the powers of ten the ``values`` (> 0) span."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if finite.size < 2 or finite.min() == finite.max():
        return LOG_AXIS
    low, high = float(finite.min()), float(finite.max())
    ticks = _decades(low, high)
    if len(ticks) < 2:  # less than a decade: let Vega place them
        return LOG_AXIS
    return alt.Axis(values=ticks, labelExpr=COMPACT_LABELS)


def _symlog_reach(data: pd.DataFrame) -> tuple[float, float]:
    """(the largest size drawn, the symlog constant) for errors against the
    step: sizes down to 1e-4 of the start's are drawn in log scale (a shrinking
    bounce stays visible), and a growing one is followed up to 1e6 times the
    start's size."""
    sizes = np.abs(data["error"].to_numpy(dtype=float)) if len(data) else np.array([])
    if not sizes.size or not sizes.max() > 0:
        return 1.0, 1.0
    start = data.loc[data["step"] == data["step"].min(), "error"].abs().max()
    start = float(start) if start > 0 else float(sizes.max())
    return min(float(sizes.max()), 1e6 * start), max(start * 1e-4, 1e-300)


def _signed_errors(data: pd.DataFrame, title: str) -> tuple[alt.Y, alt.Chart]:
    """The y encoding of signed errors (step, error) on a symmetric log scale
    (``_symlog_reach``), and a rule at 0 on the same scale."""
    largest, constant = _symlog_reach(data)
    scale = alt.Scale(type="symlog", constant=constant, domain=[-largest * 1.05, largest * 1.05], nice=False)
    y = alt.Y("error:Q", scale=scale, title=title,
              axis=alt.Axis(values=_signed_ticks(largest, constant), labelExpr=COMPACT_LABELS))
    zero = alt.Chart(pd.DataFrame({"error": [0.0]})).mark_rule(color="#888").encode(y=alt.Y("error:Q", scale=scale))
    return y, zero


def _signed_ticks(largest: float, constant: float) -> list[float]:
    """0 and +-10**k from about ``constant`` up to ``largest``: the ticks of
    a symmetric log axis (Vega's own symlog ticks bunch up near 0)."""
    if not (largest > 0 and math.isfinite(largest)):
        return [0.0]
    high = math.ceil(math.log10(largest))
    low = max(math.floor(math.log10(constant)) + 1, high - 8)
    powers = [10.0**k for k in range(low, high + 1)]
    return sorted([-p for p in powers] + [0.0] + powers)


def direction_panel(directions: pd.DataFrame, *, step=None, width=None, height: int = 230) -> alt.LayerChart:
    """The error along each eigen-direction of the bowl against the step, on
    a symmetric log scale: signed, so an error whose sign flips every step (a
    bounce past the minimum along that direction) draws a zig-zag across 0,
    and sizes from the start's down to ten-thousand times smaller stay
    readable. With ``step`` (the scrubber's param) a rule marks the frame.

    Args:
        directions: step, direction, error (finite rows are drawn); the
            flat direction's name first, the steep one's second.
    """
    data = _finite(directions, "error")
    names = list(dict.fromkeys(directions["direction"]))
    y, zero = _signed_errors(data, "error (symmetric log)")
    colors = alt.Scale(domain=names, range=[FLAT, STEEP][: len(names)])
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=1.5, point=alt.OverlayMarkDef(size=16))
        .encode(
            x=alt.X("step:Q", title="step", axis=STEP_AXIS),
            y=y,
            color=alt.Color("direction:N", scale=colors, legend=_legend(labels=names, labelLimit=400)),
            tooltip=["direction:N", "step:Q", alt.Tooltip("error:Q", format=".4g")],
        )
    )
    layers = [zero, lines]
    if step is not None:
        layers.append(_step_rule())
    properties = {"height": height, "title": _titled("The error along each eigen-direction",
                                                     "of the loss bowl, against the step")}
    if width is not None:
        properties["width"] = width
    return alt.layer(*layers).properties(**properties)


def lesson_chart(curves: pd.DataFrame, names: list[str], y_title: str = "loss (log scale)") -> alt.Chart:
    """Loss above the best fit's against the step for a few named runs (log
    scale): the home page.

    Args:
        curves: run, step, gap (finite, positive rows only are drawn).
        names: the runs, in colour order.
        y_title: the y axis' title.
    """
    curves = _finite(curves, "gap")
    curves = curves[curves["gap"] > 0]
    return (
        alt.Chart(curves)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("gap:Q", scale=alt.Scale(type="log"), title=y_title, axis=_log_axis(curves["gap"])),
            color=alt.Color("run:N", scale=alt.Scale(domain=names, range=list(RUNS[: len(names)])),
                            legend=alt.Legend(title=None, orient="top", columns=2, labelLimit=600)),
            tooltip=["run:N", "step:Q", alt.Tooltip("gap:Q", format=".4g", title="loss above the best")],
        )
        .properties(height=300)
    )


def steep_chart(steep: pd.DataFrame, names: list[str]) -> alt.LayerChart:
    """The error along the steep eigen-direction against the step, one line
    per run, on a symmetric log scale: a bounce is a zig-zag across 0.

    Args:
        steep: run, step, error (finite rows are drawn); names: the runs, in colour order.
    """
    data = _finite(steep, "error")
    y, zero = _signed_errors(data, "error, steep direction")
    lines = alt.Chart(data).mark_line(strokeWidth=1.5, point=alt.OverlayMarkDef(size=18), clip=True).encode(
        x=alt.X("step:Q", title="step"),
        y=y,
        color=alt.Color("run:N", scale=alt.Scale(domain=names, range=list(RUNS[: len(names)])),
                        legend=alt.Legend(title=None, orient="top", columns=2, labelLimit=600)),
        tooltip=["run:N", "step:Q", alt.Tooltip("error:Q", format=".4g")],
    )
    return alt.layer(zero, lines).properties(height=320)


def slice_chart(
    curve: pd.DataFrame, runs: pd.DataFrame, *, param: str, minimum: tuple[float, float], steps: int,
    diverged_at: dict, loss_title: str, at: int | None = None,
) -> alt.LayerChart:
    """The loss along one parameter with the gradient steps drawn on it: each
    step a point joined to the next (the zig-zag), the current step's tangent,
    one colour per run, and an arrow from the current step along p: the step
    about to be taken, −lr × slope. A range input ("step") replays the steps
    in the browser.

    Args:
        curve: p, loss; the slice over the drawn range.
        runs: run, step, p, loss, grad, update; the finite steps of each run
            (``update`` = −lr·grad, NaN after the last step).
        minimum: (p, loss) of the slice's minimum.
        steps: the number of steps asked for (the scrubber's end).
        diverged_at: {run: loss column where it diverged, or -1}.
        at: the step shown first (the last when None).
    """
    curve = _finite(curve[["p", "loss"]], "p", "loss")
    runs = _finite(runs[["run", "step", "p", "loss", "grad", "update"]], "p", "loss", "grad").copy()
    # the step about to be taken (none after the last): an arrow along p at the current loss
    runs["update"] = runs["update"].where(np.isfinite(runs["update"]), 0.0)
    runs["p_next"] = runs["p"] + runs["update"]
    runs["heading"] = np.where(runs["update"] >= 0, "triangle-right", "triangle-left")
    lo, hi = float(curve["p"].min()), float(curve["p"].max())
    y_lo, y_hi = float(curve["loss"].min()), float(curve["loss"].max())
    x_scale = alt.Scale(domain=[lo, hi], nice=False)
    y_scale = alt.Scale(domain=_padded(y_lo, y_hi, 0.05), nice=False)
    half = (hi - lo) / 12.0
    runs["t0"], runs["t1"] = runs["p"] - half, runs["p"] + half
    runs["l0"], runs["l1"] = runs["loss"] - half * runs["grad"], runs["loss"] + half * runs["grad"]
    names = list(dict.fromkeys(runs["run"]))
    colors = alt.Scale(domain=names, range=list(RUNS[: len(names)]))
    step = _scrubber(steps, at)
    x = alt.X("p:Q", scale=x_scale, title=f"{param} (the moving parameter)")
    y = alt.Y("loss:Q", scale=y_scale, title=loss_title)
    bowl = alt.Chart(curve).mark_line(color=TRUE, strokeWidth=2, clip=True).encode(x=x, y=y)
    best = (
        alt.Chart(pd.DataFrame({"p": [minimum[0]], "loss": [minimum[1]], "label": ["minimum"]}))
        .mark_point(shape="diamond", size=160, filled=True, color=BEST)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("p:Q", format=".6g"), alt.Tooltip("loss:Q", format=".6g")])
    )
    base = alt.Chart(runs).transform_filter(alt.datum.step <= step)
    path = base.mark_line(strokeWidth=1.5, clip=True, point=alt.OverlayMarkDef(size=30)).encode(
        x=x, y=y, order="step:Q", color=alt.Color("run:N", scale=colors, legend=alt.Legend(title=None, orient="top")),
        tooltip=["run:N", "step:Q", alt.Tooltip("p:Q", format=".6g"), alt.Tooltip("loss:Q", format=".6g"),
                 alt.Tooltip("grad:Q", format=".4g", title="gradient")],
    )
    now = alt.Chart(runs).transform_filter(alt.datum.step == step)
    current = now.mark_point(size=170, filled=True, clip=True, stroke="white", strokeWidth=1.5).encode(
        x=x, y=y, color=alt.Color("run:N", scale=colors)
    )
    tangent = now.mark_rule(strokeWidth=2, strokeDash=[4, 3], clip=True).encode(
        x=alt.X("t0:Q", scale=x_scale), x2="t1:Q", y=alt.Y("l0:Q", scale=y_scale), y2="l1:Q",
        color=alt.Color("run:N", scale=colors),
    )
    arrow = now.transform_filter(alt.datum.update != 0)
    step_line = arrow.mark_rule(strokeWidth=2.5, clip=True).encode(
        x=alt.X("p:Q", scale=x_scale), x2="p_next:Q", y=alt.Y("loss:Q", scale=y_scale),
        color=alt.Color("run:N", scale=colors),
        tooltip=["run:N", alt.Tooltip("update:Q", format=".4g", title="step = −lr × slope")],
    )
    head = arrow.mark_point(size=120, filled=True, opacity=1, clip=True).encode(
        x=alt.X("p_next:Q", scale=x_scale), y=alt.Y("loss:Q", scale=y_scale),
        shape=alt.Shape("heading:N", scale=None), color=alt.Color("run:N", scale=colors),
    )
    layers = [bowl, best, path, tangent, step_line, head, current]
    ends = []
    for name, column in diverged_at.items():
        rows = runs[runs["run"] == name]
        if column >= 0 and len(rows):
            ends.append(rows.iloc[[-1]].assign(label=f"diverged at step {column}"))
    if ends:
        layers.append(
            alt.Chart(pd.concat(ends)).mark_text(dy=-14, fontWeight="bold", clip=True)
            .encode(x=x, y=y, text="label:N", color=alt.Color("run:N", scale=colors))
        )
    return _scrubbed(alt.layer(*layers), step).properties(height=420)


def loss_curves(runs: pd.DataFrame, floor: float, y_title: str) -> alt.Chart:
    """Each run's loss above ``floor`` against the step (log scale).

    Args:
        runs: run, step, loss (finite rows; gaps <= 0 are left out of the log axis).
    """
    data = runs[["run", "step", "loss"]].assign(gap=runs["loss"] - floor)
    data = _finite(data, "gap")
    data = data[data["gap"] > 0]
    names = list(dict.fromkeys(runs["run"]))
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=2, point=len(data) <= 120)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("gap:Q", scale=alt.Scale(type="log"), title=y_title, axis=_log_axis(data["gap"])),
            color=alt.Color("run:N", scale=alt.Scale(domain=names, range=list(RUNS[: len(names)])),
                            legend=alt.Legend(title=None, orient="top")),
            tooltip=["run:N", "step:Q", alt.Tooltip("gap:Q", format=".4g", title="loss above the minimum")],
        )
        .properties(height=260)
    )


START_PICK = "start_pick"
#: The contour map's height in the browser: its width times the map's own
#: aspect (``views.contour``'s HEIGHT/WIDTH), within these bounds in pixels.
MAP_MIN_HEIGHT, MAP_MAX_HEIGHT = 200, 560


def _map_scales(window: tuple, size: tuple, *, width: str = "width", height: str = "height") -> tuple:
    """The x (w) and y (b) scales of a map whose ``window`` (w_lo, w_hi, b_lo,
    b_hi) was framed for ``size`` (width, height) pixels, for a plot of any
    size: the Vega signals ``width`` and ``height`` (expressions) are the plot's
    size, and the window is widened along one axis so that a unit of w and a
    unit of b keep the pixels' ratio they have at ``size`` (equal, when the
    window was made equal for ``size``; arrows keep their headings). Each
    scale's ``domain`` stays the window itself; ``domainMin``/``domainMax``,
    which Vega applies over it, widen it in the browser.

    The factor along w is max(1, a) and along b max(1, 1/a), where a is the
    plot's aspect over ``size``'s: one of them is 1, so the window always shows whole.
    """
    aspect = f"(max({width}, 1) / max({height}, 1)) / {size[0] / size[1]!r}"
    scales = []
    for (low, high), grow in (((window[0], window[1]), f"max(1, {aspect})"),
                              ((window[2], window[3]), f"max(1, 1 / ({aspect}))")):
        middle, half = (low + high) / 2, (high - low) / 2
        scales.append(alt.Scale(domain=[low, high], nice=False, zero=False,
                                domainMin=alt.ExprRef(f"{middle!r} - {half!r} * {grow}"),
                                domainMax=alt.ExprRef(f"{middle!r} + {half!r} * {grow}")))
    return tuple(scales)


def contour_chart(view, *, minimum: tuple[float, float]) -> alt.LayerChart:
    """Contour lines of the loss over (w, b) on a light heatmap, the minimum,
    the bowl's eigen-directions, random guesses, every run's path, and at each
    run's current point the −gradient arrow; where a run leaves the map, a
    mark. A range input ("step") moves all runs together in the browser; a
    click on the map selects a new start (the selection "start_pick").

    Args:
        view: a ``ui.views.contour.ContourView`` (its frames are drawn as
            they are; its ``window`` is the map at ``WIDTH`` x ``HEIGHT``
            pixels, widened along one axis in the browser when the map is
            drawn at another shape: ``_map_scales``).
        minimum: (w, b) of the minimum.
    """
    from .views.contour import HEIGHT, WIDTH

    window = view.window
    x_scale, y_scale = _map_scales(window, (WIDTH, HEIGHT))
    x = alt.X("w:Q", scale=x_scale, title="w (slope)")
    y = alt.Y("b:Q", scale=y_scale, title="b (intercept)")
    colors = alt.Scale(domain=view.names, range=list(RUNS[: len(view.names)]))
    # A click on the map picks the centre of the cell under it: the cells drawn again on top, invisible,
    # hold the selection. (A nearest-point selection on the cells' centres picked the same point, but
    # had Vega build and draw a Voronoi cell around each centre at every redraw.)
    pick = alt.selection_point(name=START_PICK, on="click", fields=["w", "b"], empty=False)
    step = _scrubber(view.steps)
    heat = _finite(view.heat, "w", "b", "loss")
    heat = heat[heat["loss"] > 0]
    # Every cell has the same size: its corners are worked out in the browser from the centre, not sent.
    half_w, half_b = ((float((heat[high] - heat[mid]).iloc[0]) if len(heat) else 0.0)
                      for high, mid in (("w1", "w"), ("b1", "b")))
    cell = (
        alt.Chart(heat[["w", "b", "loss"]])
        .transform_calculate(w0=f"datum.w - {half_w!r}", w1=f"datum.w + {half_w!r}",
                             b0=f"datum.b - {half_b!r}", b1=f"datum.b + {half_b!r}")
        .encode(x=alt.X("w0:Q", scale=x_scale, title="w (slope)"), x2="w1:Q",
                y=alt.Y("b0:Q", scale=y_scale, title="b (intercept)"), y2="b1:Q")
    )
    cells = cell.mark_rect(opacity=0.45).encode(
        color=alt.Color("loss:Q", scale=alt.Scale(type="log", scheme="blues"), legend=None))
    targets = cell.mark_rect(opacity=0).add_params(pick)
    contour = (
        alt.Chart(_finite(view.lines, "w", "b"))
        .mark_line(color="#5b6b7f", strokeWidth=1, clip=True)
        .encode(x=x, y=y, detail="path:N", order="order:Q",
                tooltip=[alt.Tooltip("level:Q", format=".4g", title="loss")])
    )
    dots = alt.Chart(_finite(view.guesses, "w", "b")).mark_circle(size=10, color="#9e9e9e", opacity=0.6,
                                                                 clip=True).encode(x=x, y=y)
    axes = alt.Chart(_finite(view.eigen, "w", "b", "w2", "b2")).mark_rule(color=BEST, strokeWidth=2.5,
                                                                         clip=True).encode(
        x=x, y=y, x2="w2:Q", y2="b2:Q", tooltip=["label:N"]
    )
    best = (
        alt.Chart(pd.DataFrame({"w": [minimum[0]], "b": [minimum[1]]}))
        .mark_point(shape="cross", size=220, color=BEST, strokeWidth=3)
        .encode(x=x, y=y)
    )
    paths = _finite(view.paths, "w", "b")
    walked = (
        alt.Chart(paths)
        .transform_filter(alt.datum.step <= step)
        .mark_line(strokeWidth=2, clip=True, point=alt.OverlayMarkDef(size=12))
        .encode(x=x, y=y, order="step:Q",
                color=alt.Color("run:N", scale=colors, legend=_legend(260, labelLimit=320)),
                tooltip=["run:N", "step:Q", alt.Tooltip("w:Q", format=".4g"), alt.Tooltip("b:Q", format=".4g"),
                         alt.Tooltip("loss:Q", format=".4g")])
    )
    now = alt.Chart(paths).transform_filter(CURRENT_FRAME)
    current = now.mark_point(size=150, filled=True, stroke="white", strokeWidth=1.5, clip=True).encode(
        x=x, y=y, color=alt.Color("run:N", scale=colors, legend=None))
    layers = [cells, contour, dots, axes, best, walked]
    if {"aw", "ab", "angle"} <= set(paths.columns):
        layers += [
            now.mark_rule(strokeWidth=2.5, clip=True).encode(
                x=x, y=y, x2="aw:Q", y2="ab:Q", color=alt.Color("run:N", scale=colors, legend=None),
                tooltip=["run:N", alt.Tooltip("step:Q", title="−gradient at step")]),
            now.mark_point(shape="wedge", size=420, filled=True, opacity=1, clip=True).encode(
                x=alt.X("aw:Q", scale=x_scale), y=alt.Y("ab:Q", scale=y_scale), angle=alt.Angle("angle:Q", scale=None),
                color=alt.Color("run:N", scale=colors, legend=None)),
        ]
    exits = _finite(view.exits, "w", "b")
    if len(exits):
        layers += [
            alt.Chart(exits).mark_point(shape="triangle-up", size=160, filled=True, color=GUESS, clip=True)
            .encode(x=x, y=y, tooltip=["label:N"]),
            alt.Chart(exits).mark_text(align="left", dx=8, dy=-8, fontSize=11, fontWeight="bold", color=GUESS,
                                       clip=True).encode(x=x, y=y, text="label:N"),
        ]
    layers += [current, targets]
    # The height follows the width (a Vega signal named "height" replaces the fixed one): stretched across a
    # phone or a laptop, the map keeps about its shape, and _map_scales its scales.
    tall = alt.param(name="height", expr=f"min(max(width * {HEIGHT / WIDTH!r}, {MAP_MIN_HEIGHT}), {MAP_MAX_HEIGHT})")
    # Fitted along x only: Streamlit's theme fits both ways, which would take the height for the whole
    # drawing's (legend and axis included) and squeeze the map.
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT,
                                          autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return _scrubbed(_scrubbed(chart, tall), step)


def guess_race(race: pd.DataFrame, *, target: float, expected: float | None, y_title: str) -> alt.LayerChart:
    """Best loss so far against the number of loss evaluations: random
    guessing against each run of gradient descent (one evaluation a step),
    with the tolerance's gap as a rule and random guessing's expected count
    to reach it, when known, as a rule of its own.

    Args:
        race: run, evaluations, gap (finite, > 0 rows drawn); "random
            guessing" is the grey one.
        target: the gap the tolerance asks for; expected: guesses expected to reach it, or None.
    """
    data = _finite(race, "gap")
    data = data[data["gap"] > 0]
    names = [name for name in dict.fromkeys(race["run"]) if name != "random guessing"] + ["random guessing"]
    palette = list(RUNS[: len(names) - 1]) + ["#9e9e9e"]
    most = float(data["evaluations"].max()) if len(data) else 10.0
    if expected is not None and math.isfinite(expected):
        most = max(most, expected * 1.5)
    x_scale = alt.Scale(type="log", domain=[1, most], nice=False)
    x = alt.X("evaluations:Q", scale=x_scale, title="loss evaluations (log scale)",
              axis=alt.Axis(values=_decades(1, most), labelExpr=COMPACT_LABELS))
    # up to ten times the start's gap: a diverging run leaves through the top instead of squeezing the rest
    start_gap = float(data.loc[data["evaluations"] == 1, "gap"].max()) if (data["evaluations"] == 1).any() else None
    low = float(data["gap"].min()) if len(data) else 1e-3
    if target > 0 and math.isfinite(target):
        low = min(low, target)
    y_scale = alt.Scale(type="log", domain=[low / 2, 10 * start_gap], nice=False) if start_gap else \
        alt.Scale(type="log")
    y_axis = alt.Axis(values=_decades(low / 2, 10 * start_gap), labelExpr=COMPACT_LABELS) if start_gap else LOG_AXIS
    lines = alt.Chart(data).mark_line(strokeWidth=2, clip=True).encode(
        x=x,
        y=alt.Y("gap:Q", scale=y_scale, title=y_title, axis=y_axis),
        color=alt.Color("run:N", scale=alt.Scale(domain=names, range=palette),
                        legend=alt.Legend(title=None, orient="top", labelLimit=320)),
        tooltip=["run:N", "evaluations:Q", alt.Tooltip("gap:Q", format=".4g")],
    )
    layers = [lines]
    if target > 0 and math.isfinite(target):
        goal = pd.DataFrame({"gap": [target], "label": [f"tolerance: a gap of {target:.2g}"]})
        layers += [alt.Chart(goal).mark_rule(color="#333", strokeDash=[5, 3]).encode(y=alt.Y("gap:Q", scale=y_scale)),
                   alt.Chart(goal).mark_text(align="left", dx=4, dy=-6, color="#333").encode(
                       x=alt.value(4), y=alt.Y("gap:Q", scale=y_scale), text="label:N")]
    if expected is not None and math.isfinite(expected):
        mark = pd.DataFrame({"evaluations": [expected],
                             "label": [f"random guessing expects {expected:,.0f} guesses to get there"]})
        layers += [alt.Chart(mark).mark_rule(color="#9e9e9e", strokeWidth=2, strokeDash=[2, 2]).encode(x=x),
                   alt.Chart(mark).mark_text(align="right", dx=-6, dy=4, baseline="top", color="#616161").encode(
                       x=x, y=alt.value(4), text="label:N")]
    return alt.layer(*layers).properties(height=300)


#: The heights of the schedules chart's rate and loss panels, and of its map.
SCHEDULE_PANEL_HEIGHT, SCHEDULE_MAP_HEIGHT = 200, 300


def schedules_chart(view, *, log_rates: bool) -> alt.VConcatChart:
    """The learning rate against the step, the loss against the step (log,
    with the best fit's loss as a floor line), and the paths on a small
    contour map with equal scales, one under another (``_stacked``: draw it
    with ``width="stretch"``); one colour per schedule, one range input
    ("step") for all.

    The map is ``SCHEDULE_MAP_HEIGHT`` pixels high and as wide as the chart:
    its window, made equal for ``MAP_SIZE``, is widened along one axis in the
    browser (``_map_scales``) so that a unit of w and of b stay the same length.

    Args:
        view: a ``ui.views.schedules.ScheduleView``.
        log_rates: draw the rates on a log axis.
    """
    from .views.schedules import MAP_SIZE  # the size its equal scales were computed for

    names, steps, window = view.names, view.steps, view.window
    colors = alt.Scale(domain=names, range=list(RUNS[: len(names)]))
    color = alt.Color("run:N", scale=colors, legend=_legend(labels=names, labelLimit=260))
    step = _scrubber(steps)
    rule = _step_rule()  # where the scrubber is
    rates = _finite(view.rates, "lr")
    rates = rates[rates["lr"] > 0] if log_rates else rates
    rate_chart = alt.layer(
        alt.Chart(rates).mark_line(strokeWidth=2).encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("lr:Q", title="learning rate" + (" (log scale)" if log_rates else ""),
                    scale=alt.Scale(type="log" if log_rates else "linear"),
                    axis=_log_axis(rates["lr"]) if log_rates else alt.Axis()),
            color=color, tooltip=["run:N", "step:Q", alt.Tooltip("lr:Q", format=".4g")],
        ),
        rule,
    ).properties(title="Learning rate", height=SCHEDULE_PANEL_HEIGHT)
    losses = _finite(view.losses, "loss")
    losses = losses[losses["loss"] > 0]
    floor = view.floor
    loss_chart = alt.layer(
        alt.Chart(losses).mark_line(strokeWidth=2).encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss on all the points (log scale)",
                    axis=_log_axis(np.append(losses["loss"].to_numpy(), floor))),
            color=color, tooltip=["run:N", "step:Q", alt.Tooltip("loss:Q", format=".4g")],
        ),
        alt.Chart(pd.DataFrame({"loss": [floor] if floor > 0 else []})).mark_rule(color=BEST, strokeDash=[6, 4])
        .encode(y="loss:Q"),
        rule,
    ).properties(title=_titled("Loss", "green: the best fit's"), height=SCHEDULE_PANEL_HEIGHT)
    # Every panel of the stack shares the Vega signal "width" (Vega-Lite merges equal widths), the map's plot width.
    x_scale, y_scale = _map_scales(window, MAP_SIZE, height=repr(SCHEDULE_MAP_HEIGHT))
    x = alt.X("w:Q", scale=x_scale, title="w")
    y = alt.Y("b:Q", scale=y_scale, title="b")
    paths = _finite(view.paths, "w", "b")
    contour = alt.layer(
        alt.Chart(_finite(view.lines, "w", "b")).mark_line(color="#9aa7b5", strokeWidth=1, clip=True)
        .encode(x=x, y=y, detail="path:N", order="order:Q"),
        alt.Chart(pd.DataFrame({"w": [view.best[0]], "b": [view.best[1]]})).mark_point(
            shape="cross", size=160, color=BEST, strokeWidth=3).encode(x=x, y=y),
        alt.Chart(paths).transform_filter(alt.datum.step <= step).mark_line(strokeWidth=1.5, clip=True)
        .encode(x=x, y=y, order="step:Q", color=color),
        alt.Chart(paths).transform_filter(CURRENT_FRAME)
        .mark_point(size=110, filled=True, stroke="white", clip=True).encode(x=x, y=y, color=alt.Color("run:N", scale=colors, legend=None)),
    ).properties(title=_titled("Paths over (w, b)", "the same scale on both axes"), height=SCHEDULE_MAP_HEIGHT)
    return _scrubbed(_stacked(rate_chart, loss_chart, contour), step)


def stability_chart(sweep: pd.DataFrame, rules: pd.DataFrame, regions: pd.DataFrame, steps: int) -> alt.VConcatChart:
    """Final loss gap and steps to the tolerance against the learning rate
    (log axes), with the theory's rates as labelled rules and the regimes
    shaded, one under the other (``_stacked``: draw it with ``width="stretch"``).

    Args:
        sweep: lr, final_gap, steps_to_tol, diverged_at (NaN/inf rows are left out per chart).
        rules: lr, label; regions: start, end, regime.
    """
    low, high = float(sweep["lr"].min()), float(sweep["lr"].max())
    x_scale = alt.Scale(type="log", domain=[low, high], nice=False)
    x = alt.X("lr:Q", scale=x_scale, title="learning rate (log scale)",
              axis=alt.Axis(values=_decades(low, high), labelExpr=COMPACT_LABELS))
    regimes = ["too slow", "monotone", "steep direction oscillates", "converging", "diverging"]
    shade = alt.Chart(regions).mark_rect(opacity=0.18).encode(
        x=alt.X("start:Q", scale=x_scale), x2="end:Q",
        color=alt.Color("regime:N",
                        scale=alt.Scale(domain=regimes, range=["#9e9e9e", BEST, "#ff7f0e", "#17becf", GUESS]),
                        legend=_legend(labels=regimes, labelLimit=320)),
    )
    lines = alt.Chart(rules).mark_rule(strokeWidth=1.5, strokeDash=[5, 3], color="#333").encode(
        x=x, tooltip=["meaning:N", alt.Tooltip("lr:Q", format=".4g")])
    labels = alt.Chart(rules).mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-3, fontSize=11,
                                        color="#333").encode(
        x=x, y=alt.value(4), text="label:N")
    gaps = _finite(sweep[["lr", "final_gap"]], "lr", "final_gap")
    gaps = gaps[gaps["final_gap"] > 0]
    top = alt.layer(
        shade, lines, labels,
        alt.Chart(gaps).mark_line(color=POINTS, strokeWidth=2, point=alt.OverlayMarkDef(size=12)).encode(
            x=x, y=alt.Y("final_gap:Q", scale=alt.Scale(type="log"), axis=_log_axis(gaps["final_gap"]),
                         title="loss above the minimum (log)"),
            tooltip=[alt.Tooltip("lr:Q", format=".4g"), alt.Tooltip("final_gap:Q", format=".3g")]),
    ).properties(title=_titled(f"Where each rate ends up after {steps} steps",
                               "a run that diverged: at its last finite step"), height=260)
    arrived = _finite(sweep[["lr", "steps_to_tol"]], "lr", "steps_to_tol")
    bottom = alt.layer(
        shade, lines,
        alt.Chart(arrived).mark_line(color=POINTS, strokeWidth=2, point=alt.OverlayMarkDef(size=12)).encode(
            x=x, y=alt.Y("steps_to_tol:Q", title="steps to reach the tolerance"),
            tooltip=[alt.Tooltip("lr:Q", format=".4g"), "steps_to_tol:Q"]),
    ).properties(title="How many steps each rate needs", height=220)
    return _stacked(top, bottom, resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="shared")))


def range_test_chart(points: pd.DataFrame, marks: pd.DataFrame, truth: pd.DataFrame) -> alt.LayerChart:
    """The range test's raw and smoothed loss against the rate (log axes),
    fastai's suggestions marked, the theory's rates as grey rules.

    Args:
        points: lr, loss, kind ("raw" or "smoothed"); marks: lr, label
            (the suggestions); truth: lr, label, meaning (the theory's).
    """
    points = _finite(points, "lr", "loss")
    points = points[points["loss"] > 0]
    x = alt.X("lr:Q", scale=alt.Scale(type="log"), title="learning rate (log scale)",
              axis=_log_axis(np.concatenate([points["lr"], truth["lr"], marks["lr"]])))
    curves = alt.Chart(points).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss (log scale)", axis=_log_axis(points["loss"])),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["raw", "smoothed"], range=["#b0bec5", POINTS]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("lr:Q", format=".4g"), alt.Tooltip("loss:Q", format=".4g"), "kind:N"],
    )
    marks = _finite(marks, "lr")
    suggested = alt.Chart(marks).mark_rule(color=GUESS, strokeWidth=2).encode(x=x, tooltip=["label:N"])
    suggested_labels = alt.Chart(marks).mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-3, color=GUESS,
                                                  fontWeight="bold").encode(x=x, y=alt.value(4), text="label:N")
    theory = alt.Chart(_finite(truth, "lr")).mark_rule(color="#555", strokeDash=[5, 3]).encode(
        x=x, tooltip=["label:N", "meaning:N", alt.Tooltip("lr:Q", format=".4g")])
    theory_labels = alt.Chart(_finite(truth, "lr")).mark_text(
        angle=270, align="right", baseline="top", dx=-4, dy=3, fontSize=11, color="#555").encode(
        x=x, y=alt.value(4), text="label:N")
    return alt.layer(curves, theory, theory_labels, suggested, suggested_labels).properties(height=320)
