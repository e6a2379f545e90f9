"""The loss-slice page's view: gradient descent along one parameter, the
other held, at a constant rate and (if asked) a decaying one; and what the
runs did, said from their numbers.

Along one parameter the MSE is a parabola of curvature ``L''``: a constant
rate multiplies the distance to the minimum by ``1 - lr*L''`` per step, and a
schedule by the product of those factors, which is exact. MAE's slice is a
broken line whose slope never shrinks smoothly to 0; Huber's is a parabola
near the minimum and a straight line beyond delta.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

import lrcore

from .common import Verdict, is_round, num, num_beside, plural

#: A run has settled when it ends within this share of the start's distance
#: from the minimum and moves less than that over its last ``TAIL_SHARE`` of steps.
SETTLED = 0.01
#: The share of the steps whose spread says whether a run still moves.
TAIL_SHARE = 0.2
#: A drawn point farther from the minimum than this many start distances is off the chart.
REACH = 20.0

CONSTANT = "constant rate"


@dataclass(frozen=True)
class SliceView:
    """What the slice page draws and says.

    Fields:
        runs: run, step, p, loss, grad, lr, update; the finite steps of each
            run (``update = -lr*grad``, the step about to be taken; NaN at the last).
        curve: p, loss; the slice over a range holding the start, the
            minimum and the visited points within ``REACH`` start distances.
        diverged_at: {run: loss column where it diverged, or -1}.
        left_chart: {run: True if a visited point lies off the drawn range}.
        regime: the constant rate's regime on the slice (lrcore.slices.Regime).
        verdict: what the constant rate does, in numbers.
        joint: for MSE, the same rate with w and b moving together (the
            Data page), said per eigen-direction; "" for MAE and Huber.
        decay: what the decay did against the constant rate, or None.
        loss_note: for MAE and Huber, what their slope does near the minimum; "" for MSE.
        table: the constant rate's steps for the table and its download:
            step, the parameter, loss, gradient, update = −lr·gradient.
    """

    runs: pd.DataFrame
    curve: pd.DataFrame
    diverged_at: dict
    left_chart: dict
    regime: object
    verdict: Verdict
    joint: str
    decay: Verdict | None
    loss_note: str
    table: pd.DataFrame


def decay_name(kind: str) -> str:
    return f"{kind} decay"


def decay_schedule(kind: str, lr: float, per_step: float):
    """The decayed rate: exponential ``lr*(1 - d)**t`` or inverse time ``lr/(1 + d*t)``."""
    if kind == "exponential":
        return lrcore.schedules.exponential_decay(lr, decay_steps=1, decay_rate=max(1.0 - per_step, 1e-12))
    return lrcore.schedules.inverse_time_decay(lr, decay_steps=1, decay_rate=per_step)


def rate_sum_limit(kind: str, lr: float, per_step: float) -> float:
    """The sum of a decay's rates over all steps, however many: ``lr/d`` for
    exponential decay (a geometric series), infinite for inverse time (a
    harmonic one).

    >>> rate_sum_limit("exponential", 0.3, 0.5), rate_sum_limit("inverse time", 0.3, 0.1)
    (0.6, inf)
    """
    return lr / per_step if kind == "exponential" else math.inf


def build(data: lrcore.Dataset, s, *, start: float, lr: float, steps: int, decay: str, decay_rate: float,
          curve_points: int = 301) -> SliceView:
    """The runs along slice ``s`` (``lrcore.slices.along``) from ``start``:
    the constant rate, and the decayed one unless ``decay`` is "none".
    ``curve_points``: how many points draw the slice."""
    names, rates = [CONSTANT], [lr]
    if decay != "none":
        names.append(decay_name(decay))
        rates.append(decay_schedule(decay, lr, decay_rate))
    traj = lrcore.slices.run_slice(data, rates, param=s.param, held=s.held, start=start, steps=steps, loss=s.loss)
    moving = traj.w if s.param == "w" else traj.b
    frames, diverged = [], {}
    for k, name in enumerate(names):  # drawing tables for at most two runs
        d = int(traj.diverged_at[k])
        diverged[name] = d
        last = int(traj.last_finite[k]) if d != 0 else -1  # nothing finite to draw
        p = moving[k, : last + 1]
        grads = np.asarray(s.grad(data, p), dtype=float) if p.size else p
        rate = np.append(traj.lr[k, :last], np.nan)[: p.size]
        frames.append(pd.DataFrame({
            "run": name, "step": np.arange(p.size), "p": p, "loss": traj.loss[k, : last + 1],
            "grad": grads, "lr": rate, "update": -rate * grads,
        }))
    runs = pd.concat(frames, ignore_index=True)

    reach = max(abs(start - s.minimizer), 1e-3) * REACH
    near = runs[np.isfinite(runs["p"]) & (np.abs(runs["p"] - s.minimizer) <= reach)]
    low = min(start, s.minimizer, float(near["p"].min()) if len(near) else start)
    high = max(start, s.minimizer, float(near["p"].max()) if len(near) else start)
    pad = 0.08 * max(high - low, 1e-3)
    grid = np.linspace(low - pad, high + pad, curve_points)
    curve = pd.DataFrame({"p": grid, "loss": np.asarray(s.value(data, grid), dtype=float)})
    left = {name: bool((np.abs(group["p"] - s.minimizer) > reach).any()) for name, group in runs.groupby("run")}

    regime = lrcore.slices.regime(s, lr)
    verdict = constant_verdict(s, regime, lr, diverged[CONSTANT], left[CONSTANT] if CONSTANT in left else False,
                               runs.loc[runs["run"] == CONSTANT, "p"].to_numpy())
    joint = joint_note(data, s, lr)
    decay_verdict = None
    if decay != "none":
        decay_verdict = decay_words(data, s, runs, start=start, lr=lr, steps=steps, kind=decay,
                                    per_step=decay_rate, diverged=diverged)
    table = runs[runs["run"] == CONSTANT][["step", "p", "loss", "grad", "update"]].rename(
        columns={"p": s.param, "grad": "gradient", "update": "update = −lr·gradient"})
    return SliceView(runs, curve, diverged, left, regime, verdict, joint, decay_verdict, loss_note(data, s), table)


def loss_note(data: lrcore.Dataset, s) -> str:
    """What MAE's or Huber's slope does near the minimum, in this slice's numbers."""
    if s.loss.name == "mae":
        left, right = s.side_slopes(data)
        return (f"With MAE the slope does not shrink to 0 as the steps get close: just left of the minimum it is "
                f"{num(left)}, just right of it {num(right)}, and up to {num(s.slope_bound(data))} in size far "
                "away, changing in jumps as the line passes points. So a constant rate keeps hopping across the "
                "minimum in steps of about lr × that slope; a decaying rate can settle, if its rates still add up "
                "to enough to get there.")
    if s.loss.name == "huber":
        delta = s.loss.params["delta"]
        mse = 2.0 * (1.0 if s.param == "b" else float(np.mean(data.x * data.x)))
        w, b = s.point(s.minimizer)
        inside = float(np.mean(np.abs(w * data.x + b - data.y) <= delta))
        return (f"With Huber (delta = {num(delta)}) only the points within delta of the line curve the loss: near "
                f"the minimum its curvature is L'' = {num(s.curvature, 4)}, where the MSE's would be {num(mse, 4)}, "
                f"because Huber counts ½r², half the squared error, and only for the points within delta, here "
                f"{inside:.0%} of them. "
                f"Far away the slope is capped at {num(s.slope_bound(data))} in size, so steps cannot grow without "
                "bound; near the minimum a constant rate below 2/L'' converges, at or above it the steps keep "
                "bouncing.")
    return ""


_KIND = {"monotone": "success", "one step": "success", "oscillating but converging": "info",
         "stuck bouncing": "warning", "diverging": "error"}


def progress_words(s, p: np.ndarray) -> str:
    """Where a run along a slice that is not a parabola (MAE, Huber) has got
    to: the regime is what happens near the minimum, and far from it the
    steps are lr × a capped slope.

    Args:
        p: (k,) the finite positions of the run, the start first.
    """
    if s.loss.name == "mse" or p.size < 2:
        return ""
    error = p - s.minimizer
    crossed = np.flatnonzero(np.sign(error[1:]) == -np.sign(error[0])) if error[0] != 0 else np.array([], int)
    if not crossed.size:
        return (f" After {p.size - 1:,} steps it has not reached the minimum yet: it is {num(abs(error[-1]))} away "
                f"(it started {num(abs(error[0]))} away).")
    tail = lrcore.descent.tail_window(p.size - 1, TAIL_SHARE)
    return (f" It first passed the minimum at step {int(crossed[0]) + 1:,}; over its last {plural(tail, 'step')} it moved "
            f"across {num(float(np.ptp(p[-tail:])))}.")


def constant_verdict(s, regime, lr: float, diverged_at: int, left_chart: bool, p: np.ndarray) -> Verdict:
    """The constant rate's regime on the slice, with the numbers behind it;
    ``p``: the run's finite positions (where it has got to, for MAE and Huber)."""
    if s.curvature > 0:
        numbers = (f"L'' = {num(s.curvature, 4)}, so the one-step rate is 1/L'' = {num(s.lr_one_step, 4)} and the "
                   f"edge is 2/L'' = {num(s.lr_max_stable, 4)}; here 1 − lr·L'' = "
                   f"{num_beside(1 - lr * s.curvature, -1.0, 0.0, 1.0, digits=4)} "
                   "per step near the minimum.")
    else:
        numbers = ("This slice has no curvature at its minimum (it is a V there): no rate lands on it in one step "
                   "from everywhere, as 1/L'' does on a parabola.")
    overshoot = ""
    if lr == 1.0 and s.loss.name == "mse" and lr * s.curvature > 1:
        factor = lr * s.curvature - 1.0
        lands = "exactly as far on the other side as it started" if factor == 1.0 else \
            f"{num(factor)}× as far on the other side"
        overshoot = (f" With no learning rate (lr = 1) each step is the whole slope: it jumps past the minimum "
                     f"and lands {lands}.")
    extra = ""
    if diverged_at >= 0:
        extra += f" It diverged at step {diverged_at}."
    if left_chart:
        extra += f" Some steps landed off the chart (more than {REACH:g} times the start's distance away)."
    return Verdict(_KIND[regime.name],
                   f"**Regime: {regime.name}.** At learning rate {num(lr, 4)}, {regime.why}.{overshoot}"
                   f"{progress_words(s, p)} {numbers}{extra}")


def joint_note(data: lrcore.Dataset, s, lr: float) -> str:
    """For MSE: the slice's 1-D edge against the 2-D one, where w and b move
    together, and what this rate does there (per eigen-direction)."""
    if s.loss.name != "mse":
        return ""
    c = lrcore.theory.curvature(data)
    flat, steep = c.regimes(lr)
    what = {"monotone": "converges without a bounce", "oscillating": "converges, bouncing along the steep direction",
            "edge": "bounces forever along the steep direction", "diverging": "diverges"}[steep]
    held = "w" if s.param == "b" else "b"
    if is_round(c):
        return (f"This is the edge along {s.param} alone, with {held} held. Moving w and b together (the Data page) "
                f"the bowl is round, λ = {num(c.lambda_max, 4)} in every direction, so the edge is the same, "
                f"2/λ = {num(c.lr_max_stable, 4)}: at lr = {num(lr, 4)} gradient descent on both "
                f"{what.replace(' along the steep direction', '')} there.")
    return (f"This is the edge along {s.param} alone, with {held} held. Moving w and b together (the Data page) "
            f"the edge is 2/λmax = {num(c.lr_max_stable, 4)}, set by the bowl's steep direction, which mixes w and "
            f"b: at lr = {num(lr, 4)} gradient descent on both {what} there.")


def _spread(group: pd.DataFrame, steps: int) -> float:
    tail = lrcore.descent.tail_window(steps, TAIL_SHARE)
    p = group["p"].to_numpy()[-tail:]
    return float(p.max() - p.min()) if p.size else math.nan


def closest_ever(kind: str, lr: float, per_step: float, curvature: float) -> float:
    """On a parabola of curvature ``curvature``: the least share of its
    distance to the minimum a decayed run can be left with however many
    steps it takes, ``prod_t |1 - lr_t*curvature|``, over all t. Positive when
    the rates' sum is finite (exponential decay); 0 for inverse time, whose
    rates add up without limit (the product then tends to 0).

    >>> round(closest_ever("exponential", 0.1, 0.5, 2.0), 6)  # (1 - 0.2)(1 - 0.1)(1 - 0.05)...
    0.650366
    >>> closest_ever("inverse time", 0.1, 0.5, 2.0)
    0.0
    """
    if kind != "exponential":
        return 0.0
    rates = lr * (1.0 - per_step) ** np.arange(0, 100_000)
    factors = np.abs(1.0 - rates[rates * curvature > 1e-17] * curvature)
    return float(np.exp(np.sum(np.log(factors)))) if np.all(factors > 0) else 0.0


def decay_words(data, s, runs: pd.DataFrame, *, start: float, lr: float, steps: int, kind: str, per_step: float,
                diverged: dict) -> Verdict:
    """Whether the decayed run settled, stalled or keeps moving, against the
    constant rate, from the runs' own numbers; and whether its rates can
    ever carry it to the minimum."""
    name = decay_name(kind)
    distance0 = abs(start - s.minimizer)
    ends, spreads = {}, {}
    for run, group in runs.groupby("run"):
        ends[run] = abs(float(group["p"].iloc[-1]) - s.minimizer) if len(group) else math.inf
        spreads[run] = _spread(group, steps)
    tail = lrcore.descent.tail_window(steps, TAIL_SHARE)
    moved = (f"Over the last {plural(tail, 'step')} the constant rate moved across {num(spreads.get(CONSTANT, math.nan))}, "
             f"the {name} across {num(spreads.get(name, math.nan))}.")
    rate_sum = float(runs.loc[runs["run"] == name, "lr"].sum())
    limit = rate_sum_limit(kind, lr, per_step)
    budget = (f"Its rates add up to {num(rate_sum)} over these steps"
              + (f" and could never pass {num(limit)}" if math.isfinite(limit) else ", and without limit as the steps go on")
              + ".")
    if diverged.get(name, -1) >= 0:
        return Verdict("error", f"The {name} diverged at step {diverged[name]}: its first rates were too large. "
                       f"{budget}")
    if s.loss.name == "mse":
        share = closest_ever(kind, lr, per_step, s.curvature)
        never = share > SETTLED
        why = (f"On this parabola each step multiplies the distance to the minimum by 1 − lr_t·L''; over all the "
               f"steps it could ever take that leaves at least {num(share)} of the start's distance.")
    else:
        bound = s.slope_bound(data)
        never = math.isfinite(limit) and limit * bound < (1.0 - SETTLED) * distance0
        why = (f"The slope here is never more than {num(bound)} in size, so all its steps, however many, carry it at "
               f"most {num(limit)} × {num(bound)} = {num(limit * bound)}, less than the {num(distance0)} from the "
               "start to the minimum.") if never else ""
    if never:
        return Verdict("warning", f"The {name} can never reach the minimum: its rate shrinks before the steps can "
                       f"get there. It ended {num(ends[name])} away. {budget} {why} Decay settles only when the "
                       "rates can still cover the distance: a slower decay, or inverse time, whose rates add up "
                       "without limit.")
    settled = {run: ends[run] <= SETTLED * distance0 and spreads[run] <= SETTLED * distance0 for run in ends}
    if settled.get(name):
        if settled.get(CONSTANT):
            if s.loss.name == "mse":
                return Verdict("info", (
                    f"Both runs settled within {SETTLED:.0%} of the start's distance from the minimum: on a parabola "
                    f"a constant rate below the edge converges on its own, its distance multiplied by "
                    f"|1 − lr·L''| = {num(abs(1 - lr * s.curvature))} every step. Decay matters with MAE, or "
                    "with mini-batches (the Schedules page)."))
            if spreads[CONSTANT] > 3 * spreads[name]:
                return Verdict("success", (
                    f"Both runs end within {SETTLED:.0%} of the start's distance from the minimum, but the constant "
                    f"rate still hops: over the last {plural(tail, 'step')} it moved across {num(spreads[CONSTANT])}, "
                    f"{num(spreads[CONSTANT] / max(spreads[name], 1e-300))}× the {name}'s {num(spreads[name])}."))
            return Verdict("info", f"Both runs settled within {SETTLED:.0%} of the start's distance from the "
                           f"minimum: here a constant rate needs no decay. {moved}")
        return Verdict("success", f"The {name} settled: it ended {num(ends[name])} from the minimum, and the "
                       f"shrinking rate shrank the bounce. {moved} {budget}")
    if spreads[name] <= SETTLED * ends[name]:
        return Verdict("warning", f"The {name} stalled {num(ends[name])} short of the minimum: its rate shrank "
                       f"before the steps could get there. {budget}")
    return Verdict("info", f"The {name} has not settled yet: it ended {num(ends[name])} from the minimum. {moved} "
                   f"{budget}")
