"""The Data page: the points, the best fit, and gradient descent finding it."""

import functools

import streamlit as st

from ui import charts, compute, controls, downloads, play, state
from ui.views.common import num

st.set_page_config(page_title="Data · Learning-Rate Explorer", page_icon="📈", layout="wide")

current = controls.sidebar(state.FIT)
data = current.data
curvature = compute.bowl(data, data.fingerprint, "mse", 1.0)  # the MSE's bowl, which this page descends

st.title("The data, and a line fitted to it")
st.markdown(
    "Each dot is a point `(x, y)`. The **green** line is the best fit: the `w` and `b` with the "
    "smallest mean squared error. The **red** line is gradient descent's current guess, starting "
    "from `(w0, b0)`; the pink strokes are its residuals, whose squares the loss averages."
)
controls.show_notices()

with st.expander("Your own points: upload a CSV, or download these", expanded=False):
    st.file_uploader(
        "A CSV file with columns x and y (or the first two numeric columns)",
        type=["csv", "txt"],
        key="data_upload",
        on_change=controls.on_upload,
        args=("data_upload",),
        help="Read in memory and kept in this browser session only; up to 1,000,000 rows.",
    )
    if st.session_state.get(controls.UPLOAD_ERROR):
        st.error(st.session_state[controls.UPLOAD_ERROR], icon=":material/error:")
    left, right = st.columns(2)
    # on_click="ignore": a download changes nothing on the page, so it does not rerun it (a rerun is work,
    # and one racing the deferred file's request is the likely cause of a points download that never came, once in CI).
    left.download_button("Sample CSV", downloads.sample_csv(), "sample.csv", "text/csv", key="sample_csv",
                         on_click="ignore")
    right.download_button(
        f"These {data.n:,} points as CSV",
        functools.partial(downloads.points_csv, current.settings, controls.uploaded_points(current.source)),
        "points.csv",
        "text/csv",
        key="points_csv",
        on_click="ignore",
    )

st.caption(
    f"Using {controls.plain(current.name)}: {data.n:,} points"
    + (", x standardized" if current.settings.std else "")
    + ". **Standardize x** (sidebar) rescales x to mean 0 and standard deviation 1: the loss "
    "bowl becomes round, so its curvature, and the learning rates that work, change."
)

st.subheader("Fit it by gradient descent")
steps_col, w0_col, b0_col = st.columns(3)
steps = controls.number(state.FIT["fit_steps"], steps_col)
w0 = controls.number(state.FIT["fit_w0"], w0_col)
b0 = controls.number(state.FIT["fit_b0"], b0_col)
best_rate = curvature.best_rate(steps, (w0, b0))
marks = {"best for these steps": best_rate, "worst-case optimal": curvature.lr_optimal,
         "edge": curvature.lr_max_stable}
lr = controls.rate(state.FIT["fit_lr"], marks)
rate_buttons = [
    ("fit_set_none", "No learning rate (lr = 1)", 1.0,
     "Step by the whole gradient, unscaled: what the lesson calls having no learning rate."),
    ("fit_set_best", f"Best for {steps:,} steps: {num(best_rate)}", best_rate,
     f"The constant rate whose loss after {steps:,} steps from this start is lowest (computed from the bowl's "
     "two eigen-directions)."),
    ("fit_set_optimal", f"Worst-case optimal: {num(curvature.lr_optimal)}", curvature.lr_optimal,
     "2/(λmin + λmax): both eigen-directions shrink by the same factor per step, the fastest rate in the long "
     "run; after a few steps a smaller rate can be far ahead, because the steep direction still bounces."),
    ("fit_set_edge", f"Edge: {num(curvature.lr_max_stable)}", curvature.lr_max_stable,
     "2/λmax: the steep direction's error flips sign every step and keeps its size; above it, it grows."),
]
# two rows of two: four in a row cut their labels short beside the sidebar (a 1000-px window)
for column, (key, label, value, meaning) in zip([*st.columns(2), *st.columns(2)], rate_buttons):
    column.button(label, key=key, on_click=controls.set_value, args=("fit_lr", state.format_rate(value, 6)),
                  help=f"{value:.6g}: {meaning}", width="stretch")

view = compute.fit_view(data, data.fingerprint, lr, steps, w0, b0)
points = compute.scatter_sample(data, data.fingerprint)
spec = compute.chart_spec(
    charts.fit_chart,
    points,
    view.frames,
    view.curve,
    best=curvature.minimizer,
    true_line=current.true_line,
    diverged_at=view.diverged_at,
    sampled_from=data.n if data.n > len(points) else None,
    directions=view.directions,
)
st.vega_lite_chart(spec=spec, width="stretch")
play.button(charts.STEP_PARAM, last=view.last_step, frames=len(view.frames), key="fit_play")
controls.verdict(view.verdict)
st.caption(
    "Below the line: the error (w − w*, b − b*) split along the two eigen-directions of the loss bowl. "
    "Each step multiplies the error along a direction by 1 − lr·λ of that direction: a zig-zag across 0 is "
    "a step jumping past the minimum along it. Drag the step slider to replay the run."
)

st.subheader("The numbers behind it")
w_end, b_end, loss_end = view.final
cols = [*st.columns(3), *st.columns(3)]  # two rows of three: six in a row cut their labels at 1280 px
cols[0].metric("Points n", f"{data.n:,}")
cols[1].metric("Loss of the guess", "diverged" if view.diverged_at >= 0 else num(loss_end, 4),
               help="The mean squared error of the red line after the last step.")
cols[2].metric("Loss of the best fit", num(curvature.min_loss, 4),
               help="The smallest mean squared error any line can reach on these points.")
cols[3].metric("Condition number", f"{curvature.condition_number:.3g}",
               help="How stretched the loss bowl is: λmax/λmin of its Hessian.")
cols[4].metric("Edge of divergence", num(curvature.lr_max_stable, 4), help="2/λmax.")
cols[5].metric("Worst-case optimal", num(curvature.lr_optimal, 4), help="2/(λmin + λmax): the rate.")
st.caption(view.bowl)
