"""The home page's view: four constant rates of plain gradient descent on the
learner's data, as multiples of 1/λmax, so that each one falls in a
different regime of the bowl's steep direction; their loss curves and the
error along the steep direction, and the sentences that say which is which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import lrcore

from .common import descent_rule

#: The four rates, in units of 1/λmax: too small, no bounce, bouncing in, diverging.
MULTIPLES = (0.1, 1.0, 1.9, 2.1)
STEPS = 300
#: The steps drawn in the steep direction's chart: enough to see the bounces.
STEEP_STEPS = 40

REGIME_WORDS = {
    "monotone": "no direction bounces",
    "oscillating": "the steep direction bounces and shrinks",
    "edge": "the steep direction bounces forever",
    "diverging": "the steep direction bounces and grows",
}


@dataclass(frozen=True)
class HomeView:
    """Fields: ``curves`` (run, step, gap: the loss above the best fit's,
    finite); ``steep`` (run, step, error: along the steep direction, the first
    ``STEEP_STEPS`` steps, finite); ``names`` (the runs, in colour order);
    ``words`` (what the numbers say); ``rates`` (the runs' rates);
    ``ends`` (each run's gap after ``STEPS`` steps, inf if it diverged);
    ``diverged`` (each run's ``diverged_at``, -1 if it did not);
    ``start_gap`` (the gap at the start, the same for every run)."""

    curves: pd.DataFrame
    steep: pd.DataFrame
    names: list
    words: str
    rates: tuple
    ends: tuple
    diverged: tuple
    start_gap: float


def run_name(multiple: float, regime: str, diverged_at: int, crawls: bool) -> str:
    """A run's legend: its rate in units of 1/λmax and what it does."""
    what = REGIME_WORDS[regime]
    if diverged_at >= 0:
        what += f", diverges at step {diverged_at}"
    elif crawls:
        what = "crawls: " + what
    return f"{multiple:g}/λmax: {what}"


def build(data: lrcore.Dataset) -> HomeView:
    """Run the four rates for ``STEPS`` steps from (0, 0)."""
    c = lrcore.theory.curvature(data)
    rates = [m / c.lambda_max for m in MULTIPLES]
    traj = lrcore.run(data, rates, steps=STEPS)
    names, curves, steep = [], [], []
    slowest = int(np.argmin(rates))
    for k, (multiple, rate) in enumerate(zip(MULTIPLES, rates)):
        d = int(traj.diverged_at[k])
        name = run_name(multiple, c.regimes(rate)[1], d, crawls=k == slowest)
        names.append(name)
        last = int(traj.last_finite[k])
        steps = np.arange(last + 1)
        curves.append(pd.DataFrame({"run": name, "step": steps, "gap": traj.loss[k, : last + 1] - c.min_loss}))
        shown = steps[: STEEP_STEPS + 1]
        _, error = c.components(traj.w[k, shown], traj.b[k, shown])
        steep.append(pd.DataFrame({"run": name, "step": shown, "error": np.asarray(error, dtype=float)}))
    words = descent_rule(c) + " A diverging run stops where its loss blew up."
    ends = tuple(float(traj.loss[k, -1] - c.min_loss) if traj.diverged_at[k] < 0 else float("inf")
                 for k in range(len(rates)))
    return HomeView(pd.concat(curves, ignore_index=True), pd.concat(steep, ignore_index=True), names, words,
                    tuple(rates), ends, tuple(int(d) for d in traj.diverged_at), float(traj.loss[0, 0] - c.min_loss))
