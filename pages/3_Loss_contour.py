"""The loss over (w, b): a bowl, and the paths gradient descent takes across it."""

import functools
import math

import numpy as np
import pandas as pd
import streamlit as st

import lrcore
from ui import charts, compute, controls, state

st.set_page_config(page_title="Loss contour · Learning-Rate Explorer", page_icon="🗺️", layout="wide")

C = state.CONTOUR
current = controls.current_data()
controls.share_and_reset(C, current.source)
data, fingerprint = current.data, current.data.fingerprint
curvature = lrcore.theory.curvature(data)

st.title("The loss over (w, b)")
st.markdown(
    "Every point of this map is a line `y = w*x + b`; the lines of the map join lines with equal "
    "loss. The loss is a **bowl**, and gradient descent walks downhill across the contours, always "
    "at right angles to them. The learning rate decides whether it creeps, zig-zags across the "
    "narrow valley, or leaves. Click the map to start somewhere else."
)


# The presets, as the values they give the widgets.
THREE_RATES = {"contour_runs": 3.0}
for i, multiple in enumerate((0.5, 1.0, 1.9), start=1):
    THREE_RATES |= {f"contour_lr{i}": state.format_rate(multiple * curvature.lr_optimal, 6), f"contour_opt{i}": "gd"}
OPTIMIZERS_AT_ONE_RATE = {"contour_runs": 5.0}
for i, name in enumerate(("gd", "momentum", "nesterov", "rmsprop", "adam"), start=1):
    OPTIMIZERS_AT_ONE_RATE |= {f"contour_lr{i}": state.format_rate(0.5 * curvature.lr_optimal, 6),
                               f"contour_opt{i}": name}

left, right = st.columns([1, 3], vertical_alignment="bottom")
runs_count = controls.number(C["contour_runs"], left)
with right:
    one, two, _ = st.columns([1, 1, 1.2])
    one.button("Preset: three learning rates", key="contour_preset_rates", on_click=controls.set_values,
               args=(THREE_RATES,),
               help="0.5×, 1× and 1.9× the optimal rate 2/(λmin + λmax).", width="stretch")
    two.button("Preset: optimizers at one rate", key="contour_preset_optimizers",
               on_click=controls.set_values, args=(OPTIMIZERS_AT_ONE_RATE,),
               help="Gradient descent, momentum, Nesterov, RMSprop and Adam at half the optimal rate.",
               width="stretch")

marks = {"optimal": curvature.lr_optimal, "edge": curvature.lr_max_stable}
runs = []
for i in range(1, runs_count + 1):
    rate_col, opt_col = st.columns([3, 2], vertical_alignment="bottom")
    with rate_col:
        lr = controls.rate(C[f"contour_lr{i}"], marks)
    with opt_col:
        opt = st.selectbox(C[f"contour_opt{i}"].label, list(C[f"contour_opt{i}"].options),
                           index=0, format_func=state.OPTIMIZER_NAMES.get, key=f"contour_opt{i}",
                           help=C[f"contour_opt{i}"].help, **controls.BIND)
    runs.append((lr, opt))

with st.expander("Start, steps, loss, mini-batches, optimizer settings, random guesses", expanded=False):
    cols = st.columns(4)
    w0 = controls.number(C["contour_w0"], cols[0])
    b0 = controls.number(C["contour_b0"], cols[1])
    steps = controls.number(C["contour_steps"], cols[2])
    batch = controls.number(C["contour_batch"], cols[3])
    cols = st.columns(4)
    momentum = controls.number(C["contour_momentum"], cols[0])
    alpha = controls.number(C["contour_alpha"], cols[1], step=0.001, format="%.3f")
    beta1 = controls.number(C["contour_beta1"], cols[2], step=0.001, format="%.3f")
    beta2 = controls.number(C["contour_beta2"], cols[3], step=0.0001, format="%.4f")
    cols = st.columns(4)
    with cols[0]:
        loss = controls.choice(C["contour_loss"], labels=state.LOSS_NAMES)
    delta = controls.number(C["contour_delta"], cols[1]) if loss == "huber" else C["contour_delta"].default
    tol = controls.number(C["contour_tol"], cols[2])
    guesses = controls.number(C["contour_guesses"], cols[3])

steps, cut = compute.affordable_steps(loss, data.n, len(runs), steps)
if cut:
    controls.add_notice(cut)
guesses, cut = compute.affordable_guesses(loss, data.n, guesses)
if cut:
    controls.add_notice(cut)
controls.show_notices()
names = [f"run {i + 1}: {state.OPTIMIZER_NAMES[opt]}, lr {lr:.4g}" for i, (lr, opt) in enumerate(runs)]
result = compute.contour_runs(data, fingerprint, tuple(runs), (momentum, alpha, beta1, beta2), (w0, b0),
                              steps, batch, loss, delta)
best = compute.best_fit(data, fingerprint, loss, delta)
loss_fn = lrcore.losses.get(loss, **({"delta": delta} if loss == "huber" else {}))
min_loss = float(loss_fn.value(data, *best))
box = compute.window(best, (w0, b0), result["w"], result["b"])
ws, bs, z = compute.loss_grid(data, fingerprint, box, loss, delta)
lines = compute.contour_lines(ws, bs, z, min_loss)

# A coarse heatmap (every 4th grid point) and the drawn frames of each run.
cw, cb = ws[::4], bs[::4]
dw, db = (cw[1] - cw[0]) / 2, (cb[1] - cb[0]) / 2
gw, gb = np.meshgrid(cw, cb)
heat = pd.DataFrame({"w": gw.ravel(), "b": gb.ravel(), "loss": z[::4, ::4].ravel()})
heat = heat.assign(w0=heat["w"] - dw, w1=heat["w"] + dw, b0=heat["b"] - db, b1=heat["b"] + db)
stride = compute.stride_for(steps)
frame_steps = np.arange(0, steps + 1, stride)
pieces, left_map = [], {}
for k, name in enumerate(names):
    w_k, b_k = result["w"][k, frame_steps], result["b"][k, frame_steps]
    outside = ~((w_k >= box[0]) & (w_k <= box[1]) & (b_k >= box[2]) & (b_k <= box[3]))
    end = int(np.argmax(outside)) if outside.any() else len(frame_steps)
    if end < len(frame_steps):
        left_map[name] = int(frame_steps[end])  # drawn up to the last point on the map
    pieces.append(pd.DataFrame({"run": name, "step": frame_steps[:end], "w": w_k[:end], "b": b_k[:end],
                                "loss": result["loss"][k, frame_steps[:end]]}))
paths = pd.concat(pieces, ignore_index=True)
span = min(box[1] - box[0], box[3] - box[2]) / 4
vectors = curvature.eigenvectors
arrows = pd.DataFrame([
    {"w": best[0], "b": best[1], "w2": best[0] + span * vectors[0, j] * (0.5 if j == 1 else 1.0),
     "b2": best[1] + span * vectors[1, j] * (0.5 if j == 1 else 1.0),
     "label": f"{'flattest' if j == 0 else 'steepest'} direction, λ = {lam:.4g}"}
    for j, lam in enumerate((curvature.lambda_min, curvature.lambda_max))
])
search = None
if guesses:
    half = (max(1.5 * abs(w0 - best[0]), 0.5), max(1.5 * abs(b0 - best[1]), 0.5))
    search = compute.random_guesses(data, fingerprint, guesses, (w0, b0), half, loss, delta)
    shown = np.unique(np.linspace(0, guesses - 1, min(guesses, 2000)).astype(int))
    dots = pd.DataFrame({"w": search["w"][shown], "b": search["b"][shown]})
else:
    dots = pd.DataFrame({"w": [], "b": []})

st.altair_chart(
    charts.contour_chart(heat, lines, paths, box=box, minimum=best, arrows=arrows, guesses=dots,
                         names=names, steps=int(frame_steps[-1]), stride=stride),
    width="stretch", key="contour_chart", selection_mode=charts.START_PICK,
    on_select=functools.partial(controls.start_from_pick, "contour_chart", charts.START_PICK, "contour_w0",
                                "contour_b0"),
)
for name, column in left_map.items():
    d = int(result["diverged_at"][names.index(name)])
    st.caption(f"**{name}** left the map at step {column}" + (f" and diverged at step {d}." if d >= 0 else "."))
st.caption(
    f"Green cross: the minimum. Green strokes: the bowl's eigen-directions at the minimum, the steepest "
    f"(λmax = {curvature.lambda_max:.4g}) and the flattest (λmin = {curvature.lambda_min:.4g}) of the MSE. "
    "Grey dots: random guesses. Standardize x (sidebar) to see the ellipses turn round and the zig-zag vanish."
)

cols = st.columns(4)
cols[0].metric("Condition number", f"{curvature.condition_number:.3g}",
               help="λmax/λmin: how stretched the ellipses are. 1 is a round bowl.")
cols[1].metric("Optimal rate", f"{curvature.lr_optimal:.4g}", help="2/(λmin + λmax), plain gradient descent, MSE.")
cols[2].metric("Edge of divergence", f"{curvature.lr_max_stable:.4g}", help="2/λmax, plain gradient descent, MSE.")
cols[3].metric("Best loss", f"{min_loss:.4g}", help=f"The lowest {state.LOSS_NAMES[loss]} any line reaches.")
if batch and batch < data.n:
    st.caption(f"Mini-batches of {batch}: the paths are noisy, the same batches for every run; the loss "
               "below is always on all the points.")

st.subheader("Loss against the step, and random guessing")
gap0 = float(result["loss"][0, 0] - min_loss)
frames = []
table = []
for k, name in enumerate(names):
    row = result["loss"][k]
    gap = row - min_loss
    d = int(result["diverged_at"][k])
    finite = np.arange(row.size if d < 0 else d)
    picked = finite[compute.thinned(finite.size, compute.MAX_CURVE)] if finite.size else finite
    frames.append(pd.DataFrame({"run": name, "evaluations": picked + 1, "gap": gap[picked]}))
    arrived = np.flatnonzero(gap[finite] <= tol * gap0) if finite.size and gap0 > 0 else np.array([])
    table.append({
        "run": name,
        "final loss": float(row[finite[-1]]) if finite.size else math.nan,
        "best loss": float(np.min(row[finite])) if finite.size else math.nan,
        f"steps to within {tol:.0e} of the start's gap": int(arrived[0]) if arrived.size else None,
        "diverged at": d if d >= 0 else None,
    })
descent = pd.concat(frames, ignore_index=True)
guessing = pd.DataFrame({"run": [], "evaluations": [], "gap": []})
if search is not None:
    picked = compute.thinned(guesses, compute.MAX_CURVE)
    guessing = pd.DataFrame({"run": "random guessing", "evaluations": picked + 1,
                             "gap": search["best_so_far"][picked] - min_loss})
st.altair_chart(charts.guess_race(descent, guessing, "best loss so far above the minimum (log scale)"),
                width="stretch")
if search is not None:
    reached = np.flatnonzero(search["best_so_far"] <= min_loss + tol * gap0) if gap0 > 0 else np.array([])
    needed = int(reached[0]) + 1 if reached.size else None
    st.caption(
        f"{guesses:,} random guesses in a box around the start got within "
        f"{float(search['best_so_far'][-1] - min_loss):.3g} of the minimum"
        + (f", reaching the tolerance after {needed:,} guesses." if needed else ", never reaching the tolerance.")
        + " Each gradient step costs one loss-and-gradient evaluation and walks straight downhill."
    )
st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
