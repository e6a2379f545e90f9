"""The loss over (w, b): a bowl, and the paths gradient descent takes across it."""

import functools

import streamlit as st

from ui import budget, charts, compute, controls, play, state
from ui.views import contour
from ui.views.common import num

st.set_page_config(page_title="Loss contour · Learning-Rate Explorer", page_icon="🗺️", layout="wide")

CONTOUR = state.CONTOUR
current = controls.sidebar(CONTOUR)
data, fingerprint = current.data, current.data.fingerprint

st.title("The loss over (w, b)")
st.markdown(
    "Every point of this map is a line `y = w*x + b`; the lines of the map join lines with equal "
    "loss. For the mean squared error the loss is a **bowl**, and gradient descent walks downhill across "
    "the contours: the arrow at each run's current point is −gradient, the way straight down. The learning "
    "rate decides whether a run creeps, zig-zags across the narrow valley, or leaves. Click the map to start "
    "somewhere else."
)

with st.expander("Start, steps, loss, mini-batches, optimizer settings, random guesses, map scale", expanded=False):
    cols = st.columns(4)
    w0 = controls.number(CONTOUR["contour_w0"], cols[0])
    b0 = controls.number(CONTOUR["contour_b0"], cols[1])
    steps = controls.number(CONTOUR["contour_steps"], cols[2])
    batch = controls.number(CONTOUR["contour_batch"], cols[3])
    cols = st.columns(4)
    momentum = controls.number(CONTOUR["contour_momentum"], cols[0])
    alpha = controls.number(CONTOUR["contour_alpha"], cols[1], step=0.001, format="%.3f")
    beta1 = controls.number(CONTOUR["contour_beta1"], cols[2], step=0.001, format="%.3f")
    beta2 = controls.number(CONTOUR["contour_beta2"], cols[3], step=0.0001, format="%.4f")
    cols = st.columns(4)
    with cols[0]:
        loss = controls.choice(CONTOUR["contour_loss"])
    delta = controls.number(CONTOUR["contour_delta"], cols[1]) if loss == "huber" else CONTOUR["contour_delta"].default
    tol = controls.number(CONTOUR["contour_tol"], cols[2])
    guesses = controls.number(CONTOUR["contour_guesses"], cols[3])
    equal = controls.toggle(CONTOUR["contour_equal"])

left, right = st.columns([1, 3], vertical_alignment="bottom")
runs_count = controls.number(CONTOUR["contour_runs"], left)
for column, preset in zip(right.columns(2), contour.presets(data, steps, (w0, b0), state.format_rate)):
    column.button(preset.label, key=preset.key, on_click=controls.set_values, args=(preset.values,),
                  help=preset.help, width="stretch")

bowl = compute.bowl(data, fingerprint, loss, delta)
marks = {"optimal": bowl.lr_optimal, "edge": bowl.lr_max_stable} if bowl is not None else {}
runs = []
for i in range(1, runs_count + 1):
    rate_col, opt_col = st.columns([3, 2], vertical_alignment="bottom")
    with rate_col:
        lr = controls.rate(CONTOUR[f"contour_lr{i}"], marks)
    with opt_col:
        opt = controls.select(CONTOUR[f"contour_opt{i}"])
    runs.append((lr, opt))

steps, notice = budget.affordable_steps(loss, data.n, len(runs), steps)
if notice:
    controls.add_notice(notice)
guesses, notice = budget.affordable_guesses(loss, data.n, guesses)
if notice:
    controls.add_notice(notice)
controls.show_notices()

settings = state.OptimizerSettings(momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2)
view = compute.contour_view(data, runs=tuple(runs), settings=settings, start=(w0, b0),
                            steps=steps, batch=batch, loss=loss, delta=delta, tol=tol, guesses=guesses, equal=equal)
st.vega_lite_chart(
    spec=compute.chart_spec(charts.contour_chart, view, minimum=view.best),
    width="stretch", key="contour_chart", selection_mode=charts.START_PICK,
    on_select=functools.partial(controls.start_from_pick, "contour_chart", charts.START_PICK, "contour_w0",
                                "contour_b0"),
)
play.button(charts.STEP_PARAM, last=view.steps, frames=view.frame_count, key="contour_play")
if view.exit_words:
    st.caption(" ".join(view.exit_words))
st.caption(view.map_words)

cols = st.columns(4)
if bowl is not None:
    whose = "the MSE" if loss == "mse" else "Huber near its minimum"
    cols[0].metric("Condition number", f"{bowl.condition_number:.3g}",
                   help=f"λmax/λmin of the bowl of {whose}: how stretched the ellipses are. 1 is a round bowl.")
    cols[1].metric("Worst-case optimal, plain GD", num(bowl.lr_optimal, 4),
                   help=f"2/(λmin + λmax): plain gradient descent on {whose}.")
    cols[2].metric("Edge, plain GD" if loss == "mse" else "Edge near the minimum, plain GD",
                   num(bowl.lr_max_stable, 4),
                   help="2/λmax for plain gradient descent: past it the steep direction grows" +
                   (" and the run diverges." if loss == "mse" else
                    " near the minimum, but Huber's capped slope keeps the steps bounded: they keep bouncing."))
cols[3].metric("Best loss", num(view.min_loss, 4),
               help=f"The lowest {state.LOSS_NAMES[loss]} any line reaches.")

st.subheader("Gradient descent against random guessing")
race = compute.chart_spec(charts.guess_race, view.race, target=view.target_gap, expected=view.expected,
                          y_title="best loss so far above the minimum (log scale)")
st.vega_lite_chart(spec=race, width="stretch")
st.markdown(view.race_words)
controls.table(view.table)
