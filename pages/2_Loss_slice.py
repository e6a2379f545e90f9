"""The loss along one parameter: watch the steps crawl, bounce and diverge."""

import math

import streamlit as st

import lrcore
from ui import charts, compute, controls, state

st.set_page_config(page_title="Loss slice · Learning-Rate Explorer", page_icon="📉", layout="wide")

S = state.SLICE
current = controls.current_data()
controls.share_and_reset(S, current.source)
data, fingerprint = current.data, current.data.fingerprint

st.title("The loss along one parameter")
st.markdown(
    "Hold one parameter still and the loss becomes a curve in the other: for the mean squared "
    "error, a parabola. Gradient descent starts at a guess, reads the slope there, and steps "
    "downhill by **learning rate × slope**. Drag the step slider under the chart to replay it."
)
controls.show_notices()

left, middle, right = st.columns([1.1, 1.4, 1.2])
param = controls.choice(S["slice_param"], left)
other = "w" if param == "b" else "b"
with middle:
    hold = controls.choice(S["slice_hold"], labels={"best fit": f"{other} at the best fit", "a value": "a value"})
    typed = controls.number(S["slice_held"]) if hold == "a value" else None
with right:
    loss = controls.choice(S["slice_loss"], labels=state.LOSS_NAMES)
    delta = controls.number(S["slice_delta"]) if loss == "huber" else S["slice_delta"].default

best = compute.best_fit(data, fingerprint, loss, delta)
held = typed if typed is not None else best[0 if other == "w" else 1]
s = compute.slice_of(data, fingerprint, param, held, loss, delta)

marks = {}
if loss == "mse":
    marks = {"one step": s.lr_one_step, "edge": s.lr_max_stable}
rate_col, one_col, edge_col = st.columns([6, 1.4, 1.4], vertical_alignment="bottom")
with rate_col:
    lr = controls.rate(S["slice_lr"], marks)
if loss == "mse":
    for column, key, label, value, meaning in [
        (one_col, "slice_set_one_step", "One step: 1/L''", s.lr_one_step, "one step lands on the minimum"),
        (edge_col, "slice_set_edge", "Edge: 2/L''", s.lr_max_stable, "the steps bounce forever; above it they grow"),
    ]:
        column.button(label, key=key, on_click=controls.set_value, args=("slice_lr", state.format_rate(value, 6)),
                      help=f"{value:.6g}: {meaning}.", width="stretch")
steps_col, start_col, decay_col, decay_rate_col = st.columns([1, 1, 1.6, 1])
steps = controls.number(S["slice_steps"], steps_col)
start = controls.number(S["slice_start"], start_col)
with decay_col:
    decay = controls.choice(S["slice_decay"])
decay_rate = controls.number(S["slice_decay_rate"], decay_rate_col, step=0.01) if decay != "none" \
    else S["slice_decay_rate"].default

if loss != "mse":
    st.info(
        f"With {state.LOSS_NAMES[loss]} a constant learning rate cannot settle exactly on the minimum: "
        + ("the slope of |r| has the same size however close you are, so every step has the same length "
           "and keeps jumping across the minimum."
           if loss == "mae" else
           "far from the line the Huber slope is capped at delta, and near the minimum only the points "
           "within delta curve the loss; past 2/(that curvature) the steps keep bouncing.")
        + " Switch on a decay below to see the steps shrink into the minimum.",
        icon=":material/info:",
    )

steps, cut = compute.affordable_steps(loss, data.n, 2 if decay != "none" else 1, steps)
if cut:
    st.warning(cut, icon=":material/speed:")
result = compute.slice_runs(data, fingerprint, s, param, held, loss, delta,
                            start, lr, steps, decay, decay_rate)
runs, curve = result["runs"], result["curve"]
loss_title = f"{state.LOSS_NAMES[loss]} with {other} = {held:.4g}"
st.altair_chart(
    charts.slice_chart(curve, runs, param=param, minimum=(s.minimizer, s.min_loss), steps=steps,
                       diverged_at=result["diverged_at"], loss_title=loss_title),
    width="stretch",
)

r = lrcore.slices.regime(s, lr)
constant_diverged = result["diverged_at"]["constant rate"]
numbers = (
    f"L'' = {s.curvature:.4g}, so the one-step rate is 1/L'' = {s.lr_one_step:.4g} and the edge is "
    f"2/L'' = {s.lr_max_stable:.4g}; here |1 − lr·L''| = {r.factor:.4g} per step."
    if s.curvature > 0 else "This slice has no curvature at its minimum (it is V-shaped there)."
)
box = {"monotone": st.success, "one step": st.success, "oscillating but converging": st.info,
       "stuck bouncing": st.warning, "diverging": st.error}[r.name]
extra = f" It diverged at step {constant_diverged}." if constant_diverged >= 0 else ""
if any(result["left_chart"].values()):
    extra += " Some steps landed off the chart (more than 20 times the start's distance away)."
box(f"**Regime: {r.name}.** At learning rate {lr:.4g}, {r.why}. {numbers}{extra}")

if decay != "none":
    name = f"{decay} decay"
    tail = max(1, steps // 5)
    spread = {
        run: float(group["p"].iloc[-tail:].max() - group["p"].iloc[-tail:].min()) if len(group) else math.nan
        for run, group in runs.groupby("run")
    }
    st.caption(
        f"Over the last {tail} steps the constant rate still moved across {spread.get('constant rate', math.nan):.3g}, "
        f"the {decay} decay across {spread.get(name, math.nan):.3g}: a shrinking rate shrinks the bounce."
    )

st.subheader("Loss against the step")
st.altair_chart(charts.loss_curves(runs, s.min_loss, "loss above the slice's minimum (log scale)"), width="stretch")

st.subheader("The steps")
table = runs[runs["run"] == "constant rate"][["step", "p", "loss", "grad", "update"]].rename(
    columns={"p": param, "grad": "gradient", "update": "update = −lr·gradient"}
)
st.dataframe(table, hide_index=True, height=260, width="stretch")
st.download_button("Steps as CSV", table.to_csv(index=False).encode(), "steps.csv", "text/csv", key="slice_csv")
