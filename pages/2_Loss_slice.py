"""The loss along one parameter: watch the steps crawl, bounce and diverge."""

import streamlit as st

from ui import budget, charts, compute, controls, play, state
from ui.views.common import num

st.set_page_config(page_title="Loss slice · Learning-Rate Explorer", page_icon="📉", layout="wide")

SLICE = state.SLICE
current = controls.sidebar(SLICE)
data, fingerprint = current.data, current.data.fingerprint

st.title("The loss along one parameter")
st.markdown(
    "Hold one parameter still and the loss becomes a curve in the other: for the mean squared error a "
    "parabola, for the MAE a broken line, for Huber a parabola near the minimum and straight beyond delta. "
    "Gradient descent starts at a guess, reads the slope there (the dashed tangent: the gradient says which "
    "way is downhill), and steps by **learning rate × slope** (the arrow). Drag the step slider under the "
    "chart to replay it."
)
controls.show_notices()

left, middle, right = st.columns([1.1, 1.4, 1.2])
param = controls.choice(SLICE["slice_param"], left)
other = "w" if param == "b" else "b"
with middle:
    hold = controls.choice(SLICE["slice_hold"], labels={"best fit": f"{other} at the best fit", "a value": "a value"})
    typed = controls.number(SLICE["slice_held"]) if hold == "a value" else None
with right:
    loss = controls.choice(SLICE["slice_loss"])
    delta = controls.number(SLICE["slice_delta"]) if loss == "huber" else SLICE["slice_delta"].default

best = compute.best_fit(data, fingerprint, loss, delta)
held = typed if typed is not None else best[0 if other == "w" else 1]
s = compute.slice_of(data, fingerprint, param, held, loss, delta)

marks = {"one step": s.lr_one_step, "edge": s.lr_max_stable} if s.curvature > 0 else {}
lr = controls.rate(SLICE["slice_lr"], marks)
rate_buttons = [("slice_set_none", "No learning rate (lr = 1)", 1.0,
                 "Step by the whole slope, unscaled: what the lesson calls having no learning rate.")]
if s.curvature > 0:
    rate_buttons += [
        ("slice_set_one_step", f"One step: 1/L'' = {num(s.lr_one_step)}", s.lr_one_step,
         "near the minimum, one step lands on it" if loss == "huber" else "one step lands on the minimum"),
        ("slice_set_edge", f"Edge: 2/L'' = {num(s.lr_max_stable)}", s.lr_max_stable,
         "the steps bounce between two points forever; above it they grow"),
    ]
for column, (key, label, value, meaning) in zip(st.columns(3), rate_buttons):
    column.button(label, key=key, on_click=controls.set_value, args=("slice_lr", state.format_rate(value, 6)),
                  help=f"{value:.6g}: {meaning}.", width="stretch")
steps_col, start_col, decay_col, decay_rate_col = st.columns([1, 1, 1.6, 1])
steps = controls.number(SLICE["slice_steps"], steps_col)
start = controls.number(SLICE["slice_start"], start_col)
with decay_col:
    decay = controls.choice(SLICE["slice_decay"])
decay_rate = controls.number(SLICE["slice_decay_rate"], decay_rate_col, step=0.01) if decay != "none" \
    else SLICE["slice_decay_rate"].default

steps, notice = budget.affordable_steps(loss, data.n, 2 if decay != "none" else 1, steps)
if notice:
    st.warning(notice, icon=":material/speed:")
view = compute.slice_view(data, fingerprint, s, param, held, loss, delta, start, lr, steps, decay, decay_rate)
loss_title = f"{state.LOSS_NAMES[loss]} with {other} = {held:.4g}"
st.vega_lite_chart(
    spec=compute.chart_spec(charts.slice_chart, view.curve, view.runs, param=param, minimum=(s.minimizer, s.min_loss),
                            steps=steps, diverged_at=view.diverged_at, loss_title=loss_title),
    width="stretch",
)
play.button(charts.STEP_PARAM, last=steps, frames=steps + 1, key="slice_play")
controls.verdict(view.verdict)
if view.loss_note:
    st.info(view.loss_note, icon=":material/info:")
if view.joint:
    st.caption(view.joint)
if view.decay is not None:
    controls.verdict(view.decay)

st.subheader("Loss against the step")
curves = compute.chart_spec(charts.loss_curves, view.runs, s.min_loss, "loss above the slice's minimum (log scale)")
st.vega_lite_chart(spec=curves, width="stretch")

st.subheader("The steps")
st.dataframe(view.table, hide_index=True, height=260, width="stretch")
st.download_button("Steps as CSV", view.table.to_csv(index=False).encode(), "steps.csv", "text/csv",
                   key="slice_csv", on_click="ignore")  # a download changes nothing on the page: no rerun
