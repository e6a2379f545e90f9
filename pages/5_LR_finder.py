"""The stability map and the LR range test, against the known answer."""

import math

import numpy as np
import pandas as pd
import streamlit as st

import lrcore
from ui import charts, compute, controls, state

st.set_page_config(page_title="LR finder · Learning-Rate Explorer", page_icon="🔎", layout="wide")

F = state.FINDER
current = controls.current_data()
controls.share_and_reset(F, current.source)
data, fingerprint = current.data, current.data.fingerprint
c = lrcore.theory.curvature(data)

st.title("Finding the learning rate")
st.markdown(
    "Practitioners pick a learning rate with a sweep or a range test. On a line fitted by mean squared "
    "error the right answer is known exactly from the curvature of the loss, so this page shows what "
    "those heuristics really find."
)
controls.show_notices()

st.subheader("The stability map")
cols = st.columns(5)
count = controls.number(F["finder_rates"], cols[0])
steps = controls.number(F["finder_steps"], cols[1])
with cols[2]:
    opt = st.selectbox(F["finder_opt"].label, list(F["finder_opt"].options), format_func=state.OPTIMIZER_NAMES.get,
                       key="finder_opt", help=F["finder_opt"].help, **controls.BIND)
momentum = controls.number(F["finder_momentum"], cols[3]) if opt == "momentum" else F["finder_momentum"].default
tol = controls.number(F["finder_tol"], cols[4])

low, high = c.lr_max_stable * 1e-4, c.lr_max_stable * 10
sweep = compute.stability_sweep(data, fingerprint, low, high, count, steps, opt, momentum, tol)
edge = c.lr_max_stable if opt == "gd" else (lrcore.theory.lr_max_stable_momentum(data, momentum)
                                            if opt == "momentum" else math.nan)
rules = [("1/λmax: no overshoot", c.lr_monotone), ("2/(λmin+λmax): optimal", c.lr_optimal),
         ("2/λmax: edge", c.lr_max_stable)]
if opt == "momentum":
    rules.append(("2(1+β)/λmax: momentum's edge", edge))
rules = pd.DataFrame({"label": [r[0] for r in rules], "lr": [r[1] for r in rules]})
diverged = sweep[sweep["growing"]]
first_diverging = float(diverged["lr"].min()) if len(diverged) else math.inf
reached = sweep[np.isfinite(sweep["steps_to_tol"])]
slowest_ok = float(reached["lr"].min()) if len(reached) else math.inf
regions = [("too slow", low, min(slowest_ok, first_diverging, high))]
if opt == "gd":
    regions += [("monotone", min(max(slowest_ok, low), c.lr_monotone), c.lr_monotone),
                ("oscillating", c.lr_monotone, min(c.lr_max_stable, high))]
else:
    regions += [("monotone", min(max(slowest_ok, low), first_diverging), min(first_diverging, high))]
regions += [("diverging", min(first_diverging, high), high)]
regions = pd.DataFrame([{"regime": r, "start": a, "end": b} for r, a, b in regions if b > a])
st.altair_chart(charts.stability_chart(sweep, rules, regions, steps), width="content")
grid_step = (high / low) ** (1 / (count - 1))
st.caption(
    f"{count} rates from {low:.3g} to {high:.3g}, {steps} steps each, computed together in one call. "
    + (f"The first diverging rate (its loss blew up, or was still rising at the last step) is "
       f"{first_diverging:.4g}, {first_diverging / edge:.4f}× the theory's edge "
       f"{edge:.4g} (the grid's step is {grid_step:.4f}×)." if math.isfinite(first_diverging) and math.isfinite(edge)
       else "Adam has no such simple edge: its steps are scaled by the gradient's own size."
       if opt == "adam" else "No rate in the sweep diverged.")
)

st.subheader("The LR range test (fastai's lr_find)")
cols = st.columns(6)
rt_min = controls.number(F["finder_min"], cols[0])
rt_max = controls.number(F["finder_max"], cols[1])
rt_steps = controls.number(F["finder_rt_steps"], cols[2])
smooth = controls.number(F["finder_smooth"], cols[3])
stop = controls.number(F["finder_stop"], cols[4])
batch = controls.number(F["finder_batch"], cols[5])
if not rt_min < rt_max:
    controls.add_notice(f"min_lr ({rt_min:g}) must be below max_lr ({rt_max:g}): using max_lr = 1000 × min_lr.")
    rt_max = rt_min * 1000
test = compute.range_test(data, fingerprint, rt_min, rt_max, rt_steps, smooth, stop, batch)
points = pd.concat([pd.DataFrame({"lr": test["lrs"], "loss": test["losses"], "kind": "raw"}),
                    pd.DataFrame({"lr": test["lrs"], "loss": test["smoothed"], "kind": "smoothed"})])
names = {"valley": "valley", "steep": "steep", "minimum": "minimum/10"}
marks = pd.DataFrame([{"label": names[k], "lr": v} for k, v in test["suggestions"].items()])
st.altair_chart(charts.range_test_chart(points, marks, rules), width="stretch")
stopped = (f"It stopped at update {test['stopped_at']} ({test['stop_reason']})." if test["stopped_at"] >= 0
           else "It ran all its updates.")
st.caption(stopped + (" " + test["reason"] if test["reason"] else ""))

rows = []
for key, value in test["suggestions"].items():
    rows.append({"suggestion": names[key], "learning rate": value,
                 "× lr_optimal": value / c.lr_optimal if math.isfinite(value) else math.nan,
                 "× edge (2/λmax)": value / c.lr_max_stable if math.isfinite(value) else math.nan})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.markdown(
    "- **minimum/10** takes the rate where the smoothed loss was lowest and divides by ten: the lowest point "
    "sits near the edge of divergence, so a tenth of it is a safe, rather slow rate.\n"
    "- **steep** is where the loss fell fastest against log(lr): during the sweep that is a rate that "
    "already makes quick progress but has not yet started to overshoot.\n"
    "- **valley** is the middle of the longest fall of the smoothed curve. fastai relies on mini-batch noise "
    "to break up the flat start, where tiny rates barely move the loss; these losses are on all the points "
    "and have no noise, so here a fall counts only when it is more than 1% of the curve's range.\n\n"
    "All three read a curve whose rate changes at every step: the loss at a rate reflects the rates before "
    "it, and the smoothing lags it further, which pushes the minimum to the right of the edge 2/λmax. "
    "Compare each with the theory's rates in the table: on this problem the safe choice is below 2/λmax, "
    "the fastest constant one is 2/(λmin + λmax)."
)

st.subheader("Use a rate")
st.caption("Each link opens the contour page with run 1 at that rate.")
cols = st.columns(4)
for column, (label, value) in zip(cols, [("valley", test["suggestions"].get("valley", math.nan)),
                                         ("optimal", c.lr_optimal), ("edge", c.lr_max_stable),
                                         ("steep", test["suggestions"].get("steep", math.nan))]):
    if math.isfinite(value) and state.LR_MIN <= value <= state.LR_MAX:
        with column:
            st.page_link("pages/3_Loss_contour.py", label=f"{label}: {value:.4g}",
                         icon=":material/map:", query_params={"contour_lr1": state.format_rate(value, 6),
                                                               controls.APPLY: "1"})
