"""The baseline page of the benchmarks: one number input and a three-point
Altair chart, the least a Streamlit page with a chart can be.

    python -m streamlit run benchmarks/trivial_app.py
    python -m streamlit run benchmarks/trivial_app.py -- --freeze

With ``--freeze`` the libraries loaded by the first run are left out of the
garbage collector's walks, which Streamlit makes after every run, as the app
leaves its own (ui.server): the floor under any page of the app.
"""

import gc
import sys

import altair as alt
import pandas as pd
import streamlit as st

if "--freeze" in sys.argv[1:] and not gc.get_freeze_count():
    gc.collect()
    gc.freeze()

slope = st.number_input("Slope", min_value=-100.0, max_value=100.0, value=1.0, step=1.0, key="slope")
points = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [0.0, slope, 2 * slope]})
st.altair_chart(alt.Chart(points).mark_line(point=True).encode(x="x:Q", y="y:Q"), width="stretch")
