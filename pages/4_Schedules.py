"""Learning-rate schedules side by side, on the same problem and the same batches."""

import math

import numpy as np
import pandas as pd
import streamlit as st

import lrcore
from ui import charts, compute, controls, state

st.set_page_config(page_title="Schedules · Learning-Rate Explorer", page_icon="⏳", layout="wide")

S = state.SCHED
current = controls.current_data()
controls.share_and_reset(S, current.source)
data, fingerprint = current.data, current.data.fingerprint
curvature = lrcore.theory.curvature(data)

st.title("Learning-rate schedules side by side")
st.markdown(
    "A constant rate that is large enough to move quickly keeps bouncing around the minimum, or "
    "under mini-batch noise stalls at a noise floor. **Decrease the rate as you go** and the bounces "
    "shrink until the steps settle. Here every schedule runs from the same start, with the same "
    "optimizer and loss and **the same mini-batches**, so the comparison is fair."
)
controls.show_notices()

PRESETS = {
    "mini-batch noise": dict(
        sched_pick=["constant", "exponential_decay", "cosine_decay", "inverse_time_decay"], sched_loss="mse",
        sched_batch=4.0, sched_steps=600.0, sched_opt="gd", sched_lr_multiple=0.5,
    ),
    "mae": dict(sched_pick=["constant", "exponential_decay", "cosine_decay"], sched_loss="mae", sched_batch=0.0,
                sched_steps=600.0, sched_opt="gd", sched_lr_multiple=0.5),
    "warmup": dict(sched_pick=["constant", "cosine_decay", "warmup_cosine"], sched_loss="mse", sched_batch=0.0,
                   sched_steps=600.0, sched_opt="gd", sched_lr_multiple=1.15, sched_warmup_cosine_warmup=0.3),
    "one-cycle": dict(sched_pick=["one_cycle", "cosine_decay"], sched_loss="mse", sched_batch=0.0,
                      sched_steps=600.0, sched_opt="gd", sched_lr_multiple=1.1),
}
PRESET_STORIES = {
    "mini-batch noise": "Under mini-batch noise a constant rate stalls at a noise floor; the decaying ones keep improving.",
    "mae": "With MAE the slope never shrinks: the constant rate keeps bouncing, the decaying ones settle.",
    "warmup": "At 1.15× the edge of divergence, the constant and cosine runs blow up; starting low and "
              "warming up, the cosine run passes the danger while the error is small.",
    "one-cycle": "Both peak at 1.1× the edge: cosine starts at the peak and diverges, one-cycle climbs to it "
                 "from lr/25 and comes through.",
}
PRESET_LABELS = {
    "mini-batch noise": "Constant vs decay under mini-batch noise",
    "mae": "MAE: constant bounces, decay settles",
    "warmup": "Warmup rescues a too-large rate",
    "one-cycle": "One-cycle vs cosine",
}


# What each story's button sets; the base rate is a multiple of this data's edge of stability.
preset_values = {name: {"sched_story": PRESET_STORIES[name]} for name in PRESETS}
for name, preset in PRESETS.items():
    for key, value in preset.items():
        if key == "sched_lr_multiple":
            preset_values[name]["sched_lr"] = state.format_rate(value * curvature.lr_max_stable, 6)
        elif key in S and S[key].kind == "float" and key.endswith("_warmup"):
            preset_values[name][key] = float(value)
        else:
            preset_values[name][key] = value

cols = st.columns(len(PRESETS))
for column, name in zip(cols, PRESETS):
    column.button(PRESET_LABELS[name], key=f"sched_preset_{name.replace(' ', '_').replace('-', '_')}",
                  on_click=controls.set_values, args=(preset_values[name],), width="stretch")

if st.session_state.get("sched_story"):
    st.info(st.session_state["sched_story"], icon=":material/auto_stories:")
chosen = controls.multi(S["sched_pick"], labels=state.SCHEDULE_NAMES, most=state.MAX_SCHEDULES)
if not chosen:
    st.info("Pick at least one schedule above.", icon=":material/info:")
    st.stop()
rate_col, steps_col = st.columns([3, 1], vertical_alignment="bottom")
with rate_col:
    lr = controls.rate(S["sched_lr"], {"optimal": curvature.lr_optimal, "edge": curvature.lr_max_stable})
steps = controls.number(S["sched_steps"], steps_col)
cols = st.columns(4)
with cols[0]:
    opt = st.selectbox(S["sched_opt"].label, list(S["sched_opt"].options), format_func=state.OPTIMIZER_NAMES.get,
                       key="sched_opt", help=S["sched_opt"].help, **controls.BIND)
with cols[1]:
    loss = controls.choice(S["sched_loss"], labels=state.LOSS_NAMES)
batch = controls.number(S["sched_batch"], cols[2])
with cols[3]:
    log_rates = controls.toggle(S["sched_log"])

values = {}
with st.expander("Each schedule's settings (lengths are fractions of the steps)", expanded=False):
    for name in chosen:
        keys = state.SCHEDULE_PARAMS[name]
        if not keys:
            continue
        for column, key in zip(st.columns(len(keys)), keys):
            # a parameter is named by what follows the schedule's name in its key
            spec = S[key]
            if spec.kind == "bool":
                value = controls.toggle(spec, column)
            elif spec.kind == "choice":
                value = column.selectbox(spec.label, list(spec.options), key=key, help=spec.help, **controls.BIND)
            else:
                value = float(controls.number(spec, column))
            values.setdefault(name, {})[key[len(f"sched_{name}_"):]] = value
for name in chosen:
    values.setdefault(name, {})

steps, cut = compute.affordable_steps(loss, data.n, len(chosen), steps)
if cut:
    st.warning(cut, icon=":material/speed:")
hyper = (0.9, 0.99, 0.9, 0.999)
key = tuple((name, tuple(sorted(values[name].items()))) for name in chosen)
result = compute.schedule_runs(data, fingerprint, key, lr, steps, opt, hyper, loss, batch)
names = [state.SCHEDULE_NAMES[name] for name in chosen]
best = compute.best_fit(data, fingerprint, loss, 1.0)
loss_fn = lrcore.losses.get(loss)
floor = float(loss_fn.value(data, *best))

# Drawing tables: rates and losses thinned to at most ~2,000 steps each, paths every stride steps.
picked = compute.thinned(steps, compute.MAX_CURVE)
rates = pd.concat(pd.DataFrame({"run": n, "step": picked, "lr": result["lr"][k, picked]}) for k, n in enumerate(names))
picked_loss = compute.thinned(steps + 1, compute.MAX_CURVE)
losses = pd.concat(pd.DataFrame({"run": n, "step": picked_loss, "loss": result["loss"][k, picked_loss]})
                   for k, n in enumerate(names))
stride = compute.stride_for(steps, 300)
frame_steps = np.arange(0, steps + 1, stride)
paths = pd.concat(pd.DataFrame({"run": n, "step": frame_steps, "w": result["w"][k, frame_steps],
                                "b": result["b"][k, frame_steps]}) for k, n in enumerate(names))
box = compute.window(best, (0.0, 0.0), result["w"], result["b"])
ws, bs, z = compute.loss_grid(data, fingerprint, box, loss, 1.0, size=100)
lines = compute.contour_lines(ws, bs, z, floor, count=10)
st.altair_chart(
    charts.schedules_chart(rates, losses, paths, lines, names=names, floor=floor, log_rates=log_rates, box=box,
                           minimum=best, steps=int(frame_steps[-1]), stride=stride),
    width="stretch",
)
if batch and batch < data.n:
    st.caption(f"Mini-batches of {batch}: every schedule sees the same batches in the same order (common random "
               "numbers), so the differences come from the schedules alone. The loss shown is on all the points.")

st.subheader("Results")
tol = 1e-3
table = []
for k, name in enumerate(names):
    row = result["loss"][k]
    d = int(result["diverged_at"][k])
    finite = row[: (d if d >= 0 else row.size)]
    gap0 = row[0] - floor
    arrived = np.flatnonzero(finite - floor <= tol * gap0) if finite.size and gap0 > 0 else np.array([])
    table.append({
        "schedule": name,
        "final loss": float(finite[-1]) if finite.size else math.nan,
        "best loss": float(finite.min()) if finite.size else math.nan,
        "steps to 0.1% of the start's gap": int(arrived[0]) if arrived.size else None,
        "loss band, last 20%": float(np.ptp(finite[-max(1, steps // 5):])) if d < 0 else None,
        "sum of the rates": float(np.sum(result["lr"][k])),
        "diverged at": d if d >= 0 else None,
    })
results = pd.DataFrame(table)
st.dataframe(results.style.highlight_min(subset=["final loss", "best loss"], color="#cfe8d8"),
             hide_index=True, width="stretch")
st.caption("The sum of the rates is the 'distance budget': how far the steps may carry the parameters in all.")

st.subheader("Show the code")
pick = st.selectbox("Schedule", names, key="sched_code_pick")
index = names.index(pick)
schedule = compute.build_schedule(chosen[index], lr, steps, values[chosen[index]])
optimizer = compute.optimizer_for(opt, *hyper)
kwargs = dict(steps=steps, loss=loss_fn, optimizer=optimizer, batch_size=batch or None, seed=0,
              recipe=current.settings.recipe() if current.source == controls.MADE and not current.settings.std else None)
st.caption("Our step is one update, as in Keras' schedules. In PyTorch, call `scheduler.step()` after every "
           "`optimizer.step()` (not once per epoch) to get the same rates.")
keras_tab, torch_tab = st.tabs(["Keras", "PyTorch"])
try:
    keras_tab.code(lrcore.export.keras_script(data, schedule, **kwargs), language="python")
    torch_tab.code(lrcore.export.pytorch_script(data, schedule, **kwargs), language="python")
except ValueError as error:
    st.info(f"This combination cannot be exported: {error}")
