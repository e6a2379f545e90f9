"""Learning-Rate Explorer: the home page."""

import streamlit as st

from ui import charts, compute, controls

st.set_page_config(page_title="Learning-Rate Explorer", page_icon="📉", layout="wide")

current = controls.sidebar({})

st.title("Learning-Rate Explorer")
st.markdown(
    """
Fit a straight line `y = w*x + b` to a cloud of points. A guess for `w` and `b` is a line:
the **red line**. The best line, the one we are looking for, is the **green line**.

How wrong is a guess? The **loss** says: the mean of the squared vertical distances from the
points to the line (the mean squared error). Guessing `w` and `b` at random takes forever, so
follow the **gradient** instead: it points uphill on the loss, and a step against it lowers the loss.

The **learning rate** scales each step. Too small, and the red line crawls toward the green one.
Too big, and it **overshoots**: it jumps past the minimum, bounces around it, and past a
threshold flies off and diverges. **Decaying** the learning rate as you go lets the steps settle
into the minimum where a constant rate cannot: with mini-batches, or with a loss like the MAE whose
slope does not shrink smoothly to 0 at the minimum. (On the mean squared error with every point in each step, a
constant rate below the threshold already converges.)
"""
)
controls.show_notices()

st.subheader("See it")
controls.page_cards()
st.caption("The dataset settings in the sidebar travel with you to every page and into the link.")

view = compute.home_view(current.data, current.data.fingerprint)
st.subheader("Four learning rates on the same points")
st.altair_chart(charts.lesson_chart(view.curves, view.names, "loss above the best fit's (log scale)"),
                width="stretch")
st.caption("The same runs along the bowl's steep direction: the error's sign, step by step, on a symmetric log "
           "scale. A zig-zag across 0 is a step jumping past the minimum along that direction.")
st.altair_chart(charts.steep_chart(view.steep, view.names), width="stretch")
st.caption(view.words)
