"""What one page run may spend on the losses that read every point (MAE and
Huber; the MSE works from the data's moments and is never cut): how many
steps, random guesses and grid columns fit, and the notice when they were cut.
"""

from __future__ import annotations

import lrcore

#: Point-evaluations one MAE or Huber curve or grid may spend. A grid's cost
#: is its number of slopes times n (all the intercepts of one slope share
#: one pass over the points), so on large data the grid gets fewer slopes
#: than intercepts; a slice along w gets fewer points. MSE is never cut.
CURVE_BUDGET = 20_000_000
FEWEST_SLOPES = 24


def affordable_slopes(loss: str, n: int, size: int) -> int:
    """How many distinct slopes (grid columns, or points of a slice along w) fit the budget."""
    if loss == "mse":
        return size
    return int(min(size, max(FEWEST_SLOPES, CURVE_BUDGET // max(1, n))))


#: Point-evaluations one page run may spend on MAE or Huber descent (each
#: step of each run touches every point): about a second on this machine.
SAMPLE_BUDGET = 20_000_000


def affordable_steps(loss: str, n: int, runs: int, steps: int) -> tuple[int, str | None]:
    """Steps that fit the budget, and a sentence if they had to be cut. MSE
    works from the data's moments, so it is never cut."""
    if loss == "mse":
        return steps, None
    most = max(1, SAMPLE_BUDGET // max(1, n * runs))
    if steps <= most:
        return steps, None
    return most, (f"{steps:,} steps of {lrcore.losses.LOSSES[loss].label} on {n:,} points would take long: "
                  f"each step reads every point. Running {most:,} steps; use fewer points for more.")


def affordable_guesses(loss: str, n: int, guesses: int) -> tuple[int, str | None]:
    """Random guesses that fit the same budget, and a sentence if cut."""
    if loss == "mse":
        return guesses, None
    most = max(1, SAMPLE_BUDGET // max(1, n))
    if guesses <= most:
        return guesses, None
    return most, f"{guesses:,} random guesses on {n:,} points would take long: drawing {most:,}."


