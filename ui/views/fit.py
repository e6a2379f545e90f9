"""The Data page's view: one run of plain gradient descent on the MSE from a
start, drawn as the moving line, the loss curve, and the error along each
eigen-direction of the loss bowl; and the sentence that says what the run did.

On the MSE the error ``d = (w - w*, b - b*)`` splits along the two
eigenvectors of the Hessian, and plain gradient descent at a constant rate
multiplies the error along direction i by ``1 - lr*lambda_i`` every step.
That one fact is the lesson's "overshoots", "bounces" and "diverges", said
per direction: a factor below 0 flips the sign (the step jumps past the
minimum along that direction), a factor above 1 in size grows the error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import lrcore

from .common import (MAX_CURVE, MAX_FRAMES, Verdict, descent_rule, frame_steps, frame_until, is_round, num,
                     num_beside, odd_stride_for, plural, steps_to_shrink, thinned)

#: Most points per direction in the error-along-each-direction chart.
MAX_DIRECTION_POINTS = 1000
#: The shrink the sentences count steps for: the error along a direction to a thousandth.
SHRINK = 1e-3


@dataclass(frozen=True)
class FitView:
    """What the Data page draws and says about one run.

    Fields:
        frames: step, until, w, b, loss; the replay's frames
            (``common.frame_steps``: an odd stride, and the last step), finite;
            a frame is shown from its step until the next one's.
        curve: step, loss; the loss curve, thinned, finite.
        directions: step, direction, error; the error along the flat and the
            steep eigen-direction at the drawn steps (an odd stride, so a sign
            that flips every step flips between drawn points), finite.
        diverged_at: the loss column where the run diverged, or -1.
        final: (w, b, loss) at the last finite step.
        gap: the loss above the best fit's at the last finite step.
        factors: (flat, steep): ``1 - lr*lambda`` per direction.
        regimes: (flat, steep): ``Curvature.regimes(lr)``.
        verdict: what the run did, from the numbers above.
        bowl: the rule of the bowl, per eigen-direction, and how stretched it is.
    """

    frames: pd.DataFrame
    curve: pd.DataFrame
    directions: pd.DataFrame
    diverged_at: int
    final: tuple[float, float, float]
    gap: float
    factors: tuple[float, float]
    regimes: tuple[str, str]
    verdict: Verdict
    bowl: str

    @property
    def last_step(self) -> int:
        """The replay's last frame: the last finite step (0 with no frames)."""
        return int(self.frames["step"].iloc[-1]) if len(self.frames) else 0


def direction_names(c) -> tuple[str, str]:
    """The two eigen-directions as the charts name them (a round bowl, with
    equal eigenvalues, has no flat or steep one)."""
    if is_round(c):
        return f"one direction (λ = {num(c.lambda_min)})", f"the other direction (λ = {num(c.lambda_max)})"
    return f"flat direction (λmin = {num(c.lambda_min)})", f"steep direction (λmax = {num(c.lambda_max)})"


def build(data: lrcore.Dataset, lr: float, steps: int, w0: float, b0: float) -> FitView:
    """Run plain gradient descent on the MSE of ``data`` at rate ``lr`` for
    ``steps`` updates from ``(w0, b0)``, and shape it for the Data page."""
    c = lrcore.theory.curvature(data)
    traj = lrcore.run(data, lr, steps=steps, start=(w0, b0))
    w, b, loss = traj.w[0], traj.b[0], traj.loss[0]
    diverged_at = int(traj.diverged_at[0])
    last = int(traj.last_finite[0])

    shown = frame_steps(last, MAX_FRAMES)  # an odd stride: a sign that flips every step still flips between frames
    frames = pd.DataFrame({"step": shown, "until": frame_until(shown), "w": w[shown], "b": b[shown],
                           "loss": loss[shown]})
    picked = thinned(last + 1, MAX_CURVE)
    curve = pd.DataFrame({"step": picked, "loss": loss[picked]})

    along = np.arange(0, last + 1, odd_stride_for(last, MAX_DIRECTION_POINTS))
    flat, steep = c.components(w[along], b[along])
    names = direction_names(c)
    directions = pd.concat(
        [pd.DataFrame({"step": along, "direction": name, "error": np.asarray(error, dtype=float)})
         for name, error in zip(names, (flat, steep))],
        ignore_index=True,
    )

    gap = max(float(loss[last]) - c.min_loss, 0.0)
    factors = (1.0 - lr * c.lambda_min, 1.0 - lr * c.lambda_max)
    regimes = c.regimes(lr)
    w_passes = _first_sign_change(w[: last + 1] - c.minimizer[0])
    verdict = fit_verdict(c, lr, steps, diverged_at, gap, w_passes)
    return FitView(frames, curve, directions, diverged_at,
                   (float(w[last]), float(b[last]), float(loss[last])), gap, factors, regimes, verdict, bowl_words(c))


def bowl_words(c) -> str:
    """The bowl's rule per eigen-direction, and what its condition number means here."""
    if is_round(c):
        return descent_rule(c) + " One rate suits w and b alike."
    stretch = (" Its contours are a long narrow valley, which standardizing x rounds out."
               if c.condition_number >= 10 else "")
    return (descent_rule(c) + f" The condition number λmax/λmin = {num(c.condition_number)} says how much slower "
            f"the flat direction is to converge than the steep one.{stretch}")


def _first_sign_change(error: np.ndarray) -> int | None:
    """The first step at which ``error`` (steps+1,) has the opposite sign of
    its start, or None (never, or a start at 0)."""
    if error.size < 2 or error[0] == 0:
        return None
    passed = np.flatnonzero(np.sign(error[1:]) == -np.sign(error[0]))
    return int(passed[0]) + 1 if passed.size else None


def direction_words(regime: str, factor: float) -> str:
    """What plain gradient descent does to the error along one eigen-direction
    in ``regime``, whose factor per step is ``factor`` = 1 − lr·λ."""
    if regime == "monotone":
        return "vanishes in one step" if factor == 0 else \
            f"keeps its sign and is multiplied by {num_beside(factor, 0.0, 1.0, digits=4)} per step"
    if regime == "oscillating":
        return f"flips sign every step and shrinks to {num_beside(abs(factor), 1.0)} of its size"
    if regime == "edge":
        return "flips sign every step and keeps its size"
    return f"flips sign every step and grows {num_beside(abs(factor), 1.0)}-fold"


def direction_steps(c, lr: float) -> str:
    """How many steps each eigen-direction needs at ``lr`` to shrink its error
    ``1/SHRINK``-fold, or that it never does (at the edge it keeps its size,
    past it it grows)."""
    target = f"{1 / SHRINK:,.0f}×"
    regimes = c.regimes(lr)

    def needs(regime: str, factor: float) -> str:
        if regime == "edge":
            return "never shrinks: it keeps its size"
        if regime == "diverging":
            return "never shrinks: it grows"
        return f"shrinks {target} in {plural(steps_to_shrink(factor, SHRINK), 'step')}"

    flat = needs(regimes[0], 1.0 - lr * c.lambda_min)
    steep = needs(regimes[1], 1.0 - lr * c.lambda_max)
    if is_round(c):
        return f"At lr = {num(lr, 4)} the error {steep}."
    return f"At lr = {num(lr, 4)} the flat direction's error {flat} and the steep direction's {steep}."


def fit_verdict(c, lr: float, steps: int, diverged_at: int, gap: float, w_passes: int | None) -> Verdict:
    """What a run of plain gradient descent on the MSE did, said per
    eigen-direction from the factors ``1 - lr*lambda_i``.

    Args:
        c: the data's ``Curvature``.
        lr: the constant rate; steps: the updates asked for.
        diverged_at: the loss column where the run blew up, or -1.
        gap: the loss above the best at the last finite step.
        w_passes: the first step where w was on the other side of its best
            value than at the start, or None.
    """
    flat_regime, steep_regime = c.regimes(lr)
    f_flat, f_steep = 1.0 - lr * c.lambda_min, 1.0 - lr * c.lambda_max
    product = num_beside(lr * c.lambda_max, 1.0, 2.0)
    edge = c.lr_max_stable
    round_bowl = is_round(c)
    steep = "along every direction" if round_bowl else "along the steep direction"
    flat = "" if round_bowl else (f" Along the flat direction lr·λmin = {num_beside(lr * c.lambda_min, 1.0, 2.0)}: the "
                                  f"error {direction_words(flat_regime, f_flat)}.")
    needs = direction_steps(c, lr)
    after = f"After {steps:,} steps the loss is {num(gap)} above the best fit's."
    if diverged_at >= 0:
        return Verdict("error", (
            f"**Diverged at step {diverged_at}.** {steep.capitalize()} lr·λmax = {product}, so each step multiplies "
            f"the error by 1 − lr·λmax = {num(f_steep)}: it jumps past the minimum and lands "
            f"{num(abs(f_steep))}× as far on the other side. The edge of divergence is 2/λmax = {num(edge, 4)}. "
            f"{needs} The charts stop at the last finite step."))
    if steep_regime == "diverging":
        return Verdict("error", (
            f"**Diverging.** {steep.capitalize()} lr·λmax = {product} is above 2, so each step flips the error "
            f"and multiplies its size by {num(abs(f_steep))}: every bounce is bigger than the last. {after} It has "
            f"not blown up yet; more steps would (the edge is 2/λmax = {num(edge, 4)}). {needs}"))
    if steep_regime == "edge":
        return Verdict("warning", (
            f"**At the edge.** lr = 2/λmax: {steep} the error {direction_words('edge', f_steep)}, so the steps "
            f"bounce between two lines forever.{flat} {after} {needs}"))
    if steep_regime == "oscillating":
        return Verdict("info", (
            f"**Bouncing, and converging.** {steep.capitalize()} lr·λmax = {product} is between 1 and 2: each step "
            f"jumps past the minimum, and the error {direction_words('oscillating', f_steep)}.{flat} {after} "
            f"{needs}"))
    passes = (f" w itself passes its best value at step {w_passes}: each step is a mix of both directions."
              if w_passes is not None else "")
    both = (f"lr·λ = {product} is at most 1, so the error {direction_words('monotone', f_steep)} along every "
            "direction." if round_bowl else
            f"lr·λ is at most 1 in both eigen-directions ({num_beside(lr * c.lambda_min, 1.0, 2.0)} and {product}), so "
            f"the error along each keeps its sign: along the flat direction it "
            f"{direction_words('monotone', f_flat).replace('keeps its sign and ', '')}, along the steep one it "
            f"{direction_words('monotone', f_steep).replace('keeps its sign and ', '')}.")
    return Verdict("success", f"**No bounce.** {both}{passes} {after} {needs}")
