"""Learning-Rate Explorer: the home page."""

import numpy as np
import pandas as pd
import streamlit as st

import lrcore
from ui import charts, controls

st.set_page_config(page_title="Learning-Rate Explorer", page_icon="📉", layout="wide")

current = controls.current_data()
controls.share_and_reset({}, current.source)

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
into the minimum.
"""
)
controls.show_notices()

st.subheader("See it")
controls.page_cards()
st.caption("The dataset settings in the sidebar travel with you to every page and into the link.")

data = current.data
c = lrcore.theory.curvature(data)
rates = {
    "too small: 0.1/λmax": 0.1 * c.lr_monotone,
    "no overshoot: 1/λmax": c.lr_monotone,
    "overshoots, bounces in: 1.9/λmax": 0.95 * c.lr_max_stable,
    "diverges: 2.1/λmax": 1.05 * c.lr_max_stable,
}
traj = lrcore.run(data, list(rates.values()), steps=300)
steps = np.arange(traj.steps + 1)
curves = pd.concat(  # the gap to the best fit's loss shows how fast each run closes in
    pd.DataFrame({"run": name, "step": steps, "loss": row - c.min_loss}) for name, row in zip(rates, traj.loss)
)
st.subheader("Four learning rates on the same points")
st.caption(
    f"On the current data the steepest curvature of the loss, λmax, is {c.lambda_max:.4g}, so the "
    f"edge of divergence 2/λmax is {c.lr_max_stable:.4g}. Below 1/λmax no step overshoots; between "
    "1/λmax and 2/λmax the steps overshoot but the bounces shrink; above 2/λmax they grow. "
    "A diverging run stops where its loss blew up."
)
st.altair_chart(charts.lesson_chart(curves, "loss above the best fit's (log scale)"), width="stretch")
