"""Pure functions from numbers to Altair charts: no Streamlit calls, no maths
beyond placing marks. Every colour comes from the palette below.

The iteration scrubbers run in the browser: an Altair ``param`` bound to a
range input filters the frames already sent with the chart, so dragging it
needs no rerun.
"""

from __future__ import annotations

import json
import math

import altair as alt
import numpy as np
import pandas as pd

#: One palette for the app.
GUESS = "#d62728"  # the current guess: red, as in the lesson
BEST = "#2ca02c"  # the best fit: green
TRUE = "#7f7f7f"  # the line the points were drawn around
POINTS = "#4c78a8"
RESIDUAL = "#f2a7a7"
#: One colour per run, the same on every chart of a page.
RUNS = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")

STEP_PARAM = "step"
#: Log-scale loss axes: 0.01, 100, 1e+14 (d3's "~g").
LOG_AXIS = alt.Axis(format="~g")


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
    stride: int,
    curve: pd.DataFrame,
    *,
    best: tuple[float, float],
    true_line: tuple[float, float] | None,
    diverged_at: int,
    sampled_from: int | None = None,
) -> alt.HConcatChart:
    """The points with the best-fit line (green), the true line (dashed) and
    the current guess (red) with its residuals; beside it the loss against
    the step (log scale). One range input ("step") moves the guess and the
    marker on the loss curve together, in the browser.

    Args:
        points: x, y (already sampled down for drawing).
        frames: step, w, b, loss; one row every ``stride`` steps, all finite.
        curve: step, loss; the loss curve (thinned, finite).
        best: the best fit (w, b); true_line: (w, b) the points were drawn
            around, or None for uploaded data.
        diverged_at: the loss column where the run diverged, or -1.
        sampled_from: n when ``points`` is a sample of n points.
    """
    frames = _finite(frames, "w", "b", "loss").reset_index(drop=True)
    x_lo, x_hi = float(points["x"].min()), float(points["x"].max())
    y_lo, y_hi = float(points["y"].min()), float(points["y"].max())
    for w, b in [best] + ([true_line] if true_line else []):
        y_lo, y_hi = min(y_lo, w * x_lo + b, w * x_hi + b), max(y_hi, w * x_lo + b, w * x_hi + b)
    x_scale = alt.Scale(domain=_padded(x_lo, x_hi, 0.02), nice=False)
    y_scale = alt.Scale(domain=_padded(y_lo, y_hi), nice=False)
    last = int(frames["step"].iloc[-1]) if len(frames) else 0
    step = alt.param(
        name=STEP_PARAM,
        value=last,
        bind=alt.binding_range(min=0, max=max(last, 1), step=stride, name="Step (drag to replay) "),
    )

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
            color=alt.Color("line:N", scale=line_colors, legend=alt.Legend(title=None, orient="top")),
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
        .transform_filter(alt.datum.step == step)
    )
    # Residuals of a few points to the guess at the chosen step: the guess's
    # w and b are looked up in arrays by the frame number step/stride.
    some = points.iloc[:: max(1, math.ceil(len(points) / 200))]
    index = f"min(floor({STEP_PARAM} / {stride}), {max(len(frames) - 1, 0)})"
    residuals = (
        alt.Chart(some)
        .transform_calculate(
            fit=f"{_literal(frames['w'])}[{index}] * datum.x + {_literal(frames['b'])}[{index}]"
        )
        .mark_rule(color=RESIDUAL, strokeWidth=1, clip=True)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), y2="fit:Q")
    )
    title = "The points" if sampled_from is None else f"{len(points):,} of the {sampled_from:,} points (a sample)"
    dots = (
        alt.Chart(points)
        .mark_circle(size=28 if len(points) <= 500 else 8, color=POINTS, opacity=0.65)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale))
    )
    scatter = alt.layer(residuals, dots, fixed, guess_line).properties(title=title, width=430, height=360)

    curve = _finite(curve, "loss")
    curve = curve[curve["loss"] > 0]
    loss_line = (
        alt.Chart(curve)
        .mark_line(color=GUESS, strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss (mean squared error, log scale)",
                    axis=LOG_AXIS),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".4g")],
        )
    )
    marker = (
        alt.Chart(frames[frames["loss"] > 0])
        .mark_point(color=GUESS, size=90, filled=True)
        .encode(x="step:Q", y=alt.Y("loss:Q", scale=alt.Scale(type="log")))
        .transform_filter(alt.datum.step == step)
    )
    layers = [loss_line, marker]
    if diverged_at >= 0 and len(curve):
        end = curve.iloc[[-1]].assign(label=f"diverged at step {diverged_at}")
        layers.append(
            alt.Chart(end)
            .mark_text(align="right", dx=-6, dy=-10, color=GUESS, fontWeight="bold")
            .encode(x="step:Q", y=alt.Y("loss:Q", scale=alt.Scale(type="log")), text="label:N")
        )
    loss_title = "Loss against the step" + (f" (diverged at step {diverged_at})" if diverged_at >= 0 else "")
    losses = alt.layer(*layers).properties(title=loss_title, width=360, height=360)
    return alt.hconcat(scatter, losses).add_params(step).resolve_scale(color="independent")


def lesson_chart(curves: pd.DataFrame, y_title: str = "loss (log scale)") -> alt.Chart:
    """Loss against the step for a few named runs (log scale): the home page.

    Args:
        curves: run, step, loss (finite, positive rows only are drawn).
        y_title: the y axis' title.
    """
    curves = _finite(curves, "loss")
    curves = curves[curves["loss"] > 0]
    names = list(dict.fromkeys(curves["run"]))
    return (
        alt.Chart(curves)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title=y_title, axis=LOG_AXIS),
            color=alt.Color("run:N", scale=alt.Scale(domain=names, range=list(RUNS[: len(names)])),
                            legend=alt.Legend(title=None, orient="top", labelLimit=400)),
            tooltip=["run:N", "step:Q", alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(height=300)
    )


def slice_chart(
    curve: pd.DataFrame, runs: pd.DataFrame, *, param: str, minimum: tuple[float, float], steps: int,
    diverged_at: dict, loss_title: str,
) -> alt.LayerChart:
    """The loss along one parameter with the gradient steps drawn on it: each
    step a point joined to the next (the zig-zag), the current step's tangent,
    one colour per run. A range input ("step") replays the steps in the browser.

    Args:
        curve: p, loss; the slice over the drawn range.
        runs: run, step, p, loss, grad; the finite steps of each run.
        minimum: (p, loss) of the slice's minimum.
        steps: the number of steps asked for (the scrubber's end).
        diverged_at: {run: loss column where it diverged, or -1}.
    """
    curve = _finite(curve[["p", "loss"]], "p", "loss")
    runs = _finite(runs[["run", "step", "p", "loss", "grad"]], "p", "loss", "grad").copy()
    lo, hi = float(curve["p"].min()), float(curve["p"].max())
    y_lo, y_hi = float(curve["loss"].min()), float(curve["loss"].max())
    x_scale = alt.Scale(domain=[lo, hi], nice=False)
    y_scale = alt.Scale(domain=_padded(y_lo, y_hi, 0.05), nice=False)
    half = (hi - lo) / 12.0
    runs["t0"], runs["t1"] = runs["p"] - half, runs["p"] + half
    runs["l0"], runs["l1"] = runs["loss"] - half * runs["grad"], runs["loss"] + half * runs["grad"]
    names = list(dict.fromkeys(runs["run"]))
    colors = alt.Scale(domain=names, range=list(RUNS[: len(names)]))
    step = alt.param(
        name=STEP_PARAM, value=steps,
        bind=alt.binding_range(min=0, max=max(steps, 1), step=1, name="Step (drag to replay) "),
    )
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
    layers = [bowl, best, path, tangent, current]
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
    return alt.layer(*layers).add_params(step).properties(height=420)


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
            y=alt.Y("gap:Q", scale=alt.Scale(type="log"), title=y_title, axis=LOG_AXIS),
            color=alt.Color("run:N", scale=alt.Scale(domain=names, range=list(RUNS[: len(names)])),
                            legend=alt.Legend(title=None, orient="top")),
            tooltip=["run:N", "step:Q", alt.Tooltip("gap:Q", format=".4g", title="loss above the minimum")],
        )
        .properties(height=260)
    )


START_PICK = "start_pick"


def contour_chart(
    heat: pd.DataFrame, lines: pd.DataFrame, paths: pd.DataFrame, *, box: tuple, minimum: tuple[float, float],
    arrows: pd.DataFrame, guesses: pd.DataFrame, names: list[str], steps: int, stride: int,
) -> alt.LayerChart:
    """Contour lines of the loss over (w, b) on a light heatmap, the minimum,
    the Hessian's eigen-directions, random guesses, and every run's path. A
    range input ("step") moves all runs together in the browser; a click on
    the map selects a new start (the selection "start_pick").

    Args:
        heat: w0, w1, b0, b1 (a cell's edges), w, b (its centre), loss; lines:
            level, path, order, w, b.
        paths: run, step, w, b, loss; one row every ``stride`` steps, finite.
        box: (w_lo, w_hi, b_lo, b_hi); minimum: (w, b).
        arrows: w, b, w2, b2, label; guesses: w, b.
        names: the runs, in colour order.
    """
    x_scale = alt.Scale(domain=[box[0], box[1]], nice=False)
    y_scale = alt.Scale(domain=[box[2], box[3]], nice=False)
    x = alt.X("w:Q", scale=x_scale, title="w (slope)")
    y = alt.Y("b:Q", scale=y_scale, title="b (intercept)")
    colors = alt.Scale(domain=names, range=list(RUNS[: len(names)]))
    pick = alt.selection_point(name=START_PICK, on="click", fields=["w", "b"], nearest=True, empty=False)
    step = alt.param(
        name=STEP_PARAM, value=steps,
        bind=alt.binding_range(min=0, max=max(steps, 1), step=stride, name="Step (drag to replay) "),
    )
    heat = _finite(heat, "w", "b", "loss")
    heat = heat[heat["loss"] > 0]
    cells = (
        alt.Chart(heat)
        .mark_rect(opacity=0.45)
        .encode(
            x=alt.X("w0:Q", scale=x_scale, title="w (slope)"), x2="w1:Q",
            y=alt.Y("b0:Q", scale=y_scale, title="b (intercept)"), y2="b1:Q",
            color=alt.Color("loss:Q", scale=alt.Scale(type="log", scheme="blues"), legend=None),
        )
    )
    targets = (  # invisible points where a click picks the start
        alt.Chart(heat).mark_point(opacity=0, size=40).encode(x=x, y=y).add_params(pick)
    )
    contour = (
        alt.Chart(_finite(lines, "w", "b"))
        .mark_line(color="#5b6b7f", strokeWidth=1, clip=True)
        .encode(x=x, y=y, detail="path:N", order="order:Q",
                tooltip=[alt.Tooltip("level:Q", format=".4g", title="loss")])
    )
    dots = alt.Chart(_finite(guesses, "w", "b")).mark_circle(size=10, color="#9e9e9e", opacity=0.6, clip=True).encode(
        x=x, y=y
    )
    axes = alt.Chart(_finite(arrows, "w", "b", "w2", "b2")).mark_rule(color=BEST, strokeWidth=2.5).encode(
        x=x, y=y, x2="w2:Q", y2="b2:Q", tooltip=["label:N"]
    )
    best = (
        alt.Chart(pd.DataFrame({"w": [minimum[0]], "b": [minimum[1]]}))
        .mark_point(shape="cross", size=220, color=BEST, strokeWidth=3)
        .encode(x=x, y=y)
    )
    paths = _finite(paths, "w", "b")
    walked = (
        alt.Chart(paths)
        .transform_filter(alt.datum.step <= step)
        .mark_line(strokeWidth=2, clip=True, point=alt.OverlayMarkDef(size=12))
        .encode(x=x, y=y, order="step:Q",
                color=alt.Color("run:N", scale=colors, legend=alt.Legend(title=None, orient="top", labelLimit=320)),
                tooltip=["run:N", "step:Q", alt.Tooltip("w:Q", format=".4g"), alt.Tooltip("b:Q", format=".4g"),
                         alt.Tooltip("loss:Q", format=".4g")])
    )
    now = (
        alt.Chart(paths)
        .transform_filter(alt.datum.step == step)
        .mark_point(size=150, filled=True, stroke="white", strokeWidth=1.5, clip=True)
        .encode(x=x, y=y, color=alt.Color("run:N", scale=colors, legend=None))
    )
    return (
        alt.layer(cells, contour, dots, axes, best, walked, now, targets)
        .add_params(step)
        .properties(height=520)
    )


def guess_race(descent: pd.DataFrame, guessing: pd.DataFrame, y_title: str) -> alt.Chart:
    """Best loss so far against the number of loss evaluations: random
    guessing against each run of gradient descent (one evaluation a step).

    Args:
        descent, guessing: run, evaluations, gap (finite, > 0 rows drawn).
    """
    data = pd.concat([descent, guessing], ignore_index=True)
    data = _finite(data, "gap")
    data = data[data["gap"] > 0]
    names = list(dict.fromkeys(descent["run"])) + ["random guessing"]
    palette = list(RUNS[: len(names) - 1]) + ["#9e9e9e"]
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("evaluations:Q", scale=alt.Scale(type="log"), title="loss evaluations (log scale)", axis=LOG_AXIS),
            y=alt.Y("gap:Q", scale=alt.Scale(type="log"), title=y_title, axis=LOG_AXIS),
            color=alt.Color("run:N", scale=alt.Scale(domain=names, range=palette),
                            legend=alt.Legend(title=None, orient="top")),
            tooltip=["run:N", "evaluations:Q", alt.Tooltip("gap:Q", format=".4g")],
        )
        .properties(height=300)
    )


def schedules_chart(
    rates: pd.DataFrame, losses: pd.DataFrame, paths: pd.DataFrame, lines: pd.DataFrame, *,
    names: list[str], floor: float, log_rates: bool, box: tuple, minimum: tuple[float, float], steps: int,
    stride: int,
) -> alt.VConcatChart:
    """The learning rate against the step, the loss against the step (log,
    with the best fit's loss as a floor line), and the paths on a small
    contour map; one colour per schedule, one range input ("step") for all.

    Args:
        rates: run, step, lr; losses: run, step, loss; paths: run, step, w, b
            (finite rows; one every ``stride`` steps for paths).
        lines: contour lines (level, path, order, w, b); box: the map's window.
    """
    colors = alt.Scale(domain=names, range=list(RUNS[: len(names)]))
    color = alt.Color("run:N", scale=colors, legend=alt.Legend(title=None, orient="top", labelLimit=260))
    step = alt.param(
        name=STEP_PARAM, value=steps,
        bind=alt.binding_range(min=0, max=max(steps, 1), step=stride, name="Step (drag to replay) "),
    )
    rule = (  # where the scrubber is
        alt.Chart(pd.DataFrame({"step": np.arange(0, steps + 1, stride)}))
        .transform_filter(alt.datum.step == step)
        .mark_rule(color="#888", strokeDash=[3, 3])
        .encode(x="step:Q")
    )
    rates = _finite(rates, "lr")
    rates = rates[rates["lr"] > 0] if log_rates else rates
    rate_chart = alt.layer(
        alt.Chart(rates).mark_line(strokeWidth=2).encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("lr:Q", title="learning rate" + (" (log scale)" if log_rates else ""),
                    scale=alt.Scale(type="log" if log_rates else "linear"), axis=LOG_AXIS if log_rates else alt.Axis()),
            color=color, tooltip=["run:N", "step:Q", alt.Tooltip("lr:Q", format=".4g")],
        ),
        rule,
    ).properties(title="Learning rate", width=420, height=230)
    losses = _finite(losses, "loss")
    losses = losses[losses["loss"] > 0]
    loss_chart = alt.layer(
        alt.Chart(losses).mark_line(strokeWidth=2).encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss on all the points (log scale)", axis=LOG_AXIS),
            color=color, tooltip=["run:N", "step:Q", alt.Tooltip("loss:Q", format=".4g")],
        ),
        alt.Chart(pd.DataFrame({"loss": [floor] if floor > 0 else []})).mark_rule(color=BEST, strokeDash=[6, 4])
        .encode(y="loss:Q"),
        rule,
    ).properties(title="Loss (green: the best fit's)", width=420, height=230)
    x_scale = alt.Scale(domain=[box[0], box[1]], nice=False)
    y_scale = alt.Scale(domain=[box[2], box[3]], nice=False)
    x = alt.X("w:Q", scale=x_scale, title="w")
    y = alt.Y("b:Q", scale=y_scale, title="b")
    paths = _finite(paths, "w", "b")
    contour = alt.layer(
        alt.Chart(_finite(lines, "w", "b")).mark_line(color="#9aa7b5", strokeWidth=1, clip=True)
        .encode(x=x, y=y, detail="path:N", order="order:Q"),
        alt.Chart(pd.DataFrame({"w": [minimum[0]], "b": [minimum[1]]})).mark_point(
            shape="cross", size=160, color=BEST, strokeWidth=3).encode(x=x, y=y),
        alt.Chart(paths).transform_filter(alt.datum.step <= step).mark_line(strokeWidth=1.5, clip=True)
        .encode(x=x, y=y, order="step:Q", color=color),
        alt.Chart(paths).transform_filter(alt.datum.step == step)
        .mark_point(size=110, filled=True, stroke="white", clip=True).encode(x=x, y=y, color=alt.Color("run:N", scale=colors, legend=None)),
    ).properties(title="Paths over (w, b)", width=420, height=300)
    return alt.vconcat(alt.hconcat(rate_chart, loss_chart), contour).add_params(step)


def stability_chart(sweep: pd.DataFrame, rules: pd.DataFrame, regions: pd.DataFrame, steps: int) -> alt.VConcatChart:
    """Final loss gap and steps to the tolerance against the learning rate
    (log axes), with the theory's rates as labelled rules and the regimes
    shaded.

    Args:
        sweep: lr, final_gap, steps_to_tol, diverged_at (NaN/inf rows are left out per chart).
        rules: lr, label; regions: start, end, regime.
    """
    x_scale = alt.Scale(type="log", domain=[float(sweep["lr"].min()), float(sweep["lr"].max())], nice=False)
    x = alt.X("lr:Q", scale=x_scale, title="learning rate (log scale)", axis=LOG_AXIS)
    shade = alt.Chart(regions).mark_rect(opacity=0.18).encode(
        x=alt.X("start:Q", scale=x_scale), x2="end:Q",
        color=alt.Color("regime:N", scale=alt.Scale(
            domain=["too slow", "monotone", "oscillating", "diverging"],
            range=["#9e9e9e", BEST, "#ff7f0e", GUESS]), legend=alt.Legend(title=None, orient="top")),
    )
    lines = alt.Chart(rules).mark_rule(strokeWidth=1.5, strokeDash=[5, 3], color="#333").encode(x=x)
    labels = alt.Chart(rules).mark_text(angle=270, align="left", dx=4, dy=-4, fontSize=11, color="#333").encode(
        x=x, y=alt.value(4), text="label:N")
    gaps = _finite(sweep[["lr", "final_gap"]], "lr", "final_gap")
    gaps = gaps[gaps["final_gap"] > 0]
    top = alt.layer(
        shade, lines, labels,
        alt.Chart(gaps).mark_line(color=POINTS, strokeWidth=2, point=alt.OverlayMarkDef(size=12)).encode(
            x=x, y=alt.Y("final_gap:Q", scale=alt.Scale(type="log"), axis=LOG_AXIS,
                         title=f"loss above the minimum after {steps} steps"),
            tooltip=[alt.Tooltip("lr:Q", format=".4g"), alt.Tooltip("final_gap:Q", format=".3g")]),
    ).properties(title="Where each rate ends up (a run that diverged: at its last finite step)", height=260,
                 width=720)
    arrived = _finite(sweep[["lr", "steps_to_tol"]], "lr", "steps_to_tol")
    bottom = alt.layer(
        shade, lines,
        alt.Chart(arrived).mark_line(color=POINTS, strokeWidth=2, point=alt.OverlayMarkDef(size=12)).encode(
            x=x, y=alt.Y("steps_to_tol:Q", title="steps to reach the tolerance"),
            tooltip=[alt.Tooltip("lr:Q", format=".4g"), "steps_to_tol:Q"]),
    ).properties(title="How many steps each rate needs", height=220, width=720)
    return alt.vconcat(top, bottom).resolve_scale(color="shared")


def range_test_chart(points: pd.DataFrame, marks: pd.DataFrame, truth: pd.DataFrame) -> alt.LayerChart:
    """The range test's raw and smoothed loss against the rate (log axes),
    fastai's suggestions marked, the theory's rates as grey rules.

    Args:
        points: lr, loss, kind ("raw" or "smoothed"); marks: lr, label
            (the suggestions); truth: lr, label (the theory's).
    """
    points = _finite(points, "lr", "loss")
    points = points[points["loss"] > 0]
    x = alt.X("lr:Q", scale=alt.Scale(type="log"), title="learning rate (log scale)", axis=LOG_AXIS)
    curves = alt.Chart(points).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="loss (log scale)", axis=LOG_AXIS),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["raw", "smoothed"], range=["#b0bec5", POINTS]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("lr:Q", format=".4g"), alt.Tooltip("loss:Q", format=".4g"), "kind:N"],
    )
    marks = _finite(marks, "lr")
    suggested = alt.Chart(marks).mark_rule(color=GUESS, strokeWidth=2).encode(x=x, tooltip=["label:N"])
    suggested_labels = alt.Chart(marks).mark_text(angle=270, align="left", dx=4, dy=-4, color=GUESS,
                                                  fontWeight="bold").encode(x=x, y=alt.value(4), text="label:N")
    theory = alt.Chart(_finite(truth, "lr")).mark_rule(color="#555", strokeDash=[5, 3]).encode(
        x=x, tooltip=["label:N"])
    return alt.layer(curves, theory, suggested, suggested_labels).properties(height=320)
