"""Learning-Rate Explorer: the home page."""

import numpy as np
import pandas as pd
import streamlit as st

import lrcore

st.set_page_config(page_title="Learning-Rate Explorer", page_icon="📉", layout="wide")

st.title("Learning-Rate Explorer")
st.markdown(
    """
Fit a line `y = w*x + b` to points by making the **mean squared error** small.
Guessing `w` and `b` at random takes forever, so follow the **gradient**: it
points uphill, and a step against it lowers the loss. The **learning rate**
scales each step. Too small, and the line crawls toward the best fit; too
big, and it overshoots, bounces around the minimum or flies off. Decaying the
learning rate as you go lets the steps settle into the minimum.
"""
)

data = lrcore.make_data(seed=0)
c = lrcore.theory.curvature(data)
choices = {
    "too small (0.05 × optimal)": 0.05 * c.lr_optimal,
    "optimal": c.lr_optimal,
    "bouncing (0.99 × edge)": 0.99 * c.lr_max_stable,
    "diverging (1.05 × edge)": 1.05 * c.lr_max_stable,
}
traj = lrcore.run(data, list(choices.values()), steps=100)
steps = np.arange(traj.steps + 1)
curves = pd.concat(
    pd.DataFrame({"step": steps, "run": name, "loss": row}) for name, row in zip(choices, traj.loss)
)
curves = curves[np.isfinite(curves["loss"])]  # a diverged run ends where it blew up
st.subheader("Four learning rates on the same 50 points")
st.caption(
    f"Here the optimal rate is {c.lr_optimal:.4g} and the edge of divergence "
    f"`2/λ_max` is {c.lr_max_stable:.4g}. Loss of each run against the step "
    "(a diverging run stops where its loss blew up)."
)
st.line_chart(curves, x="step", y="loss", color="run", x_label="step", y_label="mean squared error")
