"""The stability map and the LR range test, against the known answer."""

import math

import streamlit as st

from ui import charts, compute, controls, state
from ui.views.common import num

st.set_page_config(page_title="LR finder · Learning-Rate Explorer", page_icon="🔎", layout="wide")

FINDER = state.FINDER
current = controls.sidebar(FINDER)
data, fingerprint = current.data, current.data.fingerprint
curvature = compute.bowl(data, fingerprint, "mse", 1.0)

st.title("Finding the learning rate")
st.markdown(
    "Practitioners pick a learning rate with a sweep or a range test. On a line fitted by mean squared "
    "error the answer for plain gradient descent is known exactly from the curvature of the loss, so this "
    "page shows what those heuristics really find."
)
controls.show_notices()

st.subheader("The stability map")
cols = st.columns(5)
count = controls.number(FINDER["finder_rates"], cols[0])
steps = controls.number(FINDER["finder_steps"], cols[1])
with cols[2]:
    opt = controls.select(FINDER["finder_opt"])
momentum = controls.number(FINDER["finder_momentum"], cols[3]) if opt == "momentum" else \
    FINDER["finder_momentum"].default
tol = controls.number(FINDER["finder_tol"], cols[4])
stability = compute.stability_view(data, fingerprint, count, steps, opt, momentum, tol)
st.vega_lite_chart(spec=compute.chart_spec(charts.stability_chart, stability.sweep, stability.rules, stability.regions,
                                            steps), width="stretch")
st.caption(stability.words)

st.subheader("The LR range test (fastai's lr_find), plain gradient descent")
cols = st.columns(6)
rt_min = controls.number(FINDER["finder_min"], cols[0])
rt_max = controls.number(FINDER["finder_max"], cols[1])
rt_steps = controls.number(FINDER["finder_rt_steps"], cols[2])
smooth = controls.number(FINDER["finder_smooth"], cols[3])
stop = controls.number(FINDER["finder_stop"], cols[4])
batch = controls.number(FINDER["finder_batch"], cols[5])
rt_min, rt_max, notice = state.range_test_fixed(rt_min, rt_max)
if notice:
    controls.add_notice(notice)
test = compute.range_test_view(data, fingerprint, rt_min, rt_max, rt_steps, smooth, stop, batch)
st.vega_lite_chart(spec=compute.chart_spec(charts.range_test_chart, test.points, test.marks, test.rules),
                   width="stretch")
st.caption(test.stopped)
controls.table(test.table)
st.markdown(test.words)

st.subheader("Use a rate")
st.caption("Each link opens the contour page with run 1 at that rate, with plain gradient descent.")
links = [("valley", test.suggestions["valley"]), ("worst-case optimal", curvature.lr_optimal),
         ("edge", curvature.lr_max_stable), ("steep", test.suggestions["steep"])]
for column, (label, value) in zip(st.columns(4), links):
    if math.isfinite(value) and state.LR_MIN <= value <= state.LR_MAX:
        with column:
            st.page_link("pages/3_Loss_contour.py", label=f"{label}: {num(value, 4)}", icon=":material/map:",
                         query_params={"contour_lr1": state.format_rate(value, 6), "contour_opt1": "sgd",
                                       controls.APPLY: "1"})
