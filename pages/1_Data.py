"""The Data page: the points, the best fit, and gradient descent finding it."""

import functools

import streamlit as st

import lrcore
from ui import charts, compute, controls, state

st.set_page_config(page_title="Data · Learning-Rate Explorer", page_icon="📈", layout="wide")

current = controls.current_data()
controls.share_and_reset(state.FIT, current.source)
data = current.data
curvature = lrcore.theory.curvature(data)

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
    left.download_button("Sample CSV", compute.sample_csv(), "sample.csv", "text/csv", key="sample_csv")
    right.download_button(
        f"These {data.n:,} points as CSV",
        functools.partial(compute.points_csv, current.settings, controls.uploaded_points(current.source)),
        "points.csv",
        "text/csv",
        key="points_csv",
    )

st.caption(
    f"Using {controls.plain(current.name)}: {data.n:,} points"
    + (", x standardized" if current.settings.std else "")
    + ". **Standardize x** (sidebar) rescales x to mean 0 and standard deviation 1: the loss "
    "bowl becomes round, so its curvature, and the learning rates that work, change."
)

st.subheader("Fit it by gradient descent")
marks = {"optimal": curvature.lr_optimal, "edge": curvature.lr_max_stable}
rate_col, opt_col, edge_col = st.columns([6, 1.3, 1.3], vertical_alignment="bottom")
with rate_col:
    lr = controls.rate(state.FIT["fit_lr"], marks)
theory_buttons = [
    (opt_col, "fit_set_optimal", "Optimal", curvature.lr_optimal,
     "2/(λmin + λmax): the fastest constant rate for this data."),
    (edge_col, "fit_set_edge", "Edge", curvature.lr_max_stable,
     "2/λmax: at this rate the steps bounce forever; above it they fly off."),
]
for column, key, label, value, meaning in theory_buttons:
    column.button(
        label,
        key=key,
        on_click=controls.set_value,
        args=("fit_lr", state.format_rate(value, 6)),
        help=f"{value:.4g} = {meaning}",
        width="stretch",
    )
steps_col, w0_col, b0_col = st.columns(3)
steps = controls.number(state.FIT["fit_steps"], steps_col)
w0 = controls.number(state.FIT["fit_w0"], w0_col)
b0 = controls.number(state.FIT["fit_b0"], b0_col)

result = compute.fit_run(data, data.fingerprint, lr, steps, w0, b0)
points = compute.scatter_sample(data, data.fingerprint)
chart = charts.fit_chart(
    points,
    result["frames"],
    result["stride"],
    result["curve"],
    best=curvature.minimizer,
    true_line=current.true_line,
    diverged_at=result["diverged_at"],
    sampled_from=data.n if data.n > len(points) else None,
)
st.altair_chart(chart, width="content")

w_end, b_end, loss_end = result["final"]
if result["diverged_at"] >= 0:
    st.error(
        f"**Diverged at step {result['diverged_at']}**: at learning rate {lr:.4g} each step overshoots "
        f"the minimum by more than it corrects (the edge is {curvature.lr_max_stable:.4g}). The chart "
        "stops at the last finite step.",
        icon=":material/trending_up:",
    )
else:
    gap = loss_end - curvature.min_loss
    factor = float(curvature.contraction(lr))
    behaviour = (
        "each step shrinks the distance to the best fit without overshooting"
        if lr <= curvature.lr_monotone
        else "the steps overshoot and zig-zag, but each bounce is smaller"
        if factor < 1
        else "the steps bounce around the minimum without getting closer"
    )
    st.info(
        f"After {steps:,} steps the guess is w = {w_end:.4g}, b = {b_end:.4g}, its loss "
        f"{gap:.3g} above the best. At this rate {behaviour} (the slowest direction's distance "
        f"shrinks by a factor {factor:.4f} per step).",
        icon=":material/trending_down:",
    )

st.subheader("The numbers behind it")
cols = st.columns(6)
cols[0].metric("Points n", f"{data.n:,}")
diverged = result["diverged_at"] >= 0
cols[1].metric("Loss of the guess", "diverged" if diverged else f"{loss_end:.4g}",
               help="The mean squared error of the red line after the last step.")
cols[2].metric("Loss of the best fit", f"{curvature.min_loss:.4g}",
               help="The smallest mean squared error any line can reach on these points.")
cols[3].metric("Condition number", f"{curvature.condition_number:.3g}",
               help="How stretched the loss bowl is: λmax/λmin of its Hessian.")
cols[4].metric("Edge of divergence", f"{curvature.lr_max_stable:.4g}", help="2/λmax.")
cols[5].metric("Optimal rate", f"{curvature.lr_optimal:.4g}", help="2/(λmin + λmax).")
st.caption(
    "The loss is a bowl whose steepest curvature λmax sets the edge: a step of rate lr multiplies the "
    "error along that direction by |1 − lr·λmax|, so above 2/λmax it grows. The condition number says "
    "how much slower the flattest direction is: large values mean a long narrow valley, which "
    "standardizing x rounds out."
)
