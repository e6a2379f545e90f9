"""The LR finder page's view: a stability map of many constant rates against
the theory's rates for the chosen optimizer, and fastai's LR range test read
against the known answer; with the sentences that say what each shows.

The theory is per optimizer: plain gradient descent's rates (1/λmax,
2/(λmin + λmax), 2/λmax) are drawn for plain gradient descent only;
momentum has its own edge, 2(1+β)/λmax; Adam has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

import lrcore

from .common import count, descent_rule, num, plural

#: The range test's explanations count the steps for the loss gap to shrink this much.
SHRINK = 1e-4
#: The sweep of an optimizer without an edge runs over these rates.
ADAPTIVE_RANGE = (1e-4, 10.0)
NAMES = {"sgd": "plain gradient descent", "momentum": "heavy-ball momentum", "adam": "Adam"}


@dataclass(frozen=True)
class StabilityView:
    """The stability map.

    Fields:
        sweep: lr, final_gap, steps_to_tol, diverging; one row per rate.
        rules: lr, label, meaning; the theory's rates for this optimizer.
        regions: regime, start, end; the shaded bands.
        low, high: the sweep's first and last rate.
        words: what the map shows, in numbers.
    """

    sweep: pd.DataFrame
    rules: pd.DataFrame
    regions: pd.DataFrame
    low: float
    high: float
    words: str


def close_labels_merged(marks: pd.DataFrame, within: float = 1.1) -> pd.DataFrame:
    """Rates drawn as labelled rules, with the labels of rates within a factor
    ``within`` of each other written once, on the larger one ("a ≈ b"), so
    that they do not print over each other; every rule keeps its ``lr``.

    >>> close_labels_merged(pd.DataFrame({"label": ["a", "b", "c"], "lr": [1.0, 2.0, 2.05]}))["label"].tolist()
    ['a', '', 'c ≈ b']
    """
    marks = marks.reset_index(drop=True).copy()
    order = marks["lr"].sort_values(kind="stable").index.tolist()
    for before, after in zip(order, order[1:]):
        low, high = marks.at[before, "lr"], marks.at[after, "lr"]
        if np.isfinite(low) and np.isfinite(high) and low > 0 and high <= within * low and marks.at[before, "label"]:
            sign = "=" if high == low else "≈"
            marks.at[after, "label"] = f"{marks.at[after, 'label']} {sign} {marks.at[before, 'label']}"
            marks.at[before, "label"] = ""
    return marks


def sweep_range(data: lrcore.Dataset, optimizer) -> tuple[float, float]:
    """The rates a sweep covers: 1e-4 to 10 times the optimizer's own edge, or
    ``ADAPTIVE_RANGE`` for an optimizer without one."""
    edge = lrcore.theory.stable_edge(data, optimizer)
    return (edge * 1e-4, edge * 10.0) if edge is not None else ADAPTIVE_RANGE


def stability_view(data: lrcore.Dataset, *, count_rates: int, steps: int, opt: str, momentum: float,
                   tol: float) -> StabilityView:
    """Sweep ``count_rates`` log-spaced constant rates with ``lrcore.finder.stability``
    and shape the map: its theory rules and regime bands for this optimizer."""
    optimizer = {"sgd": None, "momentum": lrcore.optimizers.sgd(momentum=momentum),
                 "adam": lrcore.optimizers.adam()}[opt]
    low, high = sweep_range(data, optimizer)
    rates = np.geomspace(low, high, count_rates)
    found = lrcore.finder.stability(data, rates, steps=steps, optimizer=optimizer, tol=tol)
    sweep = pd.DataFrame({"lr": found.rates, "final_gap": found.final_gap, "steps_to_tol": found.steps_to_tol,
                          "diverging": found.diverging})
    c = lrcore.theory.curvature(data)
    edge = lrcore.theory.stable_edge(data, optimizer)
    reached = np.isfinite(found.steps_to_tol)
    slowest_ok = float(found.rates[reached].min()) if reached.any() else high
    first = found.first_diverging if found.first_diverging is not None else high
    converging_end = min(first, high)
    regions = [("too slow", low, min(slowest_ok, converging_end))]
    if opt == "sgd":
        rules = [("1/λmax", "at or below it, no direction's error changes sign", c.lr_monotone),
                 ("2/(λmin+λmax)", "worst-case optimal: the fastest in the long run", c.lr_optimal),
                 ("2/λmax", "the edge: past it the steep direction grows", c.lr_max_stable)]
        start = min(max(slowest_ok, low), converging_end)
        regions += [("monotone", start, max(min(c.lr_monotone, converging_end), start)),
                    ("steep direction oscillates", max(min(c.lr_monotone, converging_end), start), converging_end)]
    else:
        rules = [("2(1+β)/λmax", f"momentum's edge, β = {num(momentum)}", edge)] if opt == "momentum" else []
        regions += [("converging", min(max(slowest_ok, low), converging_end), converging_end)]
    regions += [("diverging", converging_end, high)]
    rules_frame = close_labels_merged(pd.DataFrame({"label": [label for label, _, _ in rules],
                                                    "meaning": [what for _, what, _ in rules],
                                                    "lr": [value for _, _, value in rules]}))
    regions_frame = pd.DataFrame([{"regime": name, "start": a, "end": b} for name, a, b in regions if b > a])
    words = stability_words(c, opt=opt, momentum=momentum, edge=edge, found=found, low=low, high=high, steps=steps)
    return StabilityView(sweep, rules_frame, regions_frame, low, high, words)


def stability_words(c, *, opt: str, momentum: float, edge: float | None, found, low: float, high: float,
                    steps: int) -> str:
    """What the stability map shows, in its own numbers."""
    grid_step = (high / low) ** (1 / max(found.rates.size - 1, 1))
    how = (f"{found.rates.size} rates from {num(low)} to {num(high)}, {steps:,} steps each, of {NAMES[opt]}. A rate "
           f"is diverging when its loss blew up, or when the largest loss gap of its last {found.window} steps "
           "is above that of the window before and above where it started (the envelope, not one step: momentum's "
           "loss rises and falls while it converges).")
    if found.first_diverging is None:
        seen = " No rate in the sweep diverged."
    elif edge is not None:
        seen = (f" The first diverging rate is {num(found.first_diverging, 4)}, {num(found.first_diverging / edge, 4)}× "
                f"the theory's edge {num(edge, 4)} (the grid's step is {num(grid_step, 4)}×).")
    else:
        seen = f" The first diverging rate is {num(found.first_diverging, 4)}."
    if opt == "sgd":
        theory = " " + descent_rule(c)
    elif opt == "momentum" and momentum == 0:
        theory = " With β = 0 momentum is plain gradient descent. " + descent_rule(c)
    elif opt == "momentum":
        beta = momentum
        lo, hi = (1 - math.sqrt(beta)) ** 2, (1 + math.sqrt(beta)) ** 2
        theory = (f" With momentum β = {num(beta)} the error along a direction of curvature λ spirals in (changes "
                  f"sign again and again while it shrinks) when {num(lo)} < lr·λ < {num(hi)}. For the steep "
                  f"direction: below lr = {num(lo / c.lambda_max)} its error shrinks without changing sign; from "
                  f"there to {num(hi / c.lambda_max, 4)} it spirals in; from there to momentum's edge 2(1+β)/λmax = "
                  f"{num(edge, 4)} it flips sign every step and shrinks; past the edge it grows. Plain gradient "
                  "descent's 1/λmax and 2/(λmin+λmax) do not apply to momentum.")
    else:
        reached = np.isfinite(found.steps_to_tol)
        arrived = (f"{int(reached.sum())} of the {found.rates.size} rates reached the tolerance, from "
                   f"{num(float(found.rates[reached].min()))} to {num(float(found.rates[reached].max()))}"
                   if reached.any() else f"none of the {found.rates.size} rates reached the tolerance")
        theory = (" Adam has no edge: it divides each step by a running size of the gradient, so the length of a "
                  "step is set by lr more than by the gradient's size, and a large rate does not blow up the way "
                  f"plain gradient descent does past 2/λmax. In this sweep {arrived}. Plain gradient descent's "
                  "rates (1/λmax, 2/λmax) do not apply to Adam.")
    return how + seen + theory


@dataclass(frozen=True)
class RangeTestView:
    """The LR range test and how its suggestions compare with the theory.

    Fields:
        points: lr, loss, kind ("raw" or "smoothed").
        marks: label, lr; the suggestions.
        rules: label, lr; the theory's rates (plain gradient descent, MSE).
        table: suggestion, learning rate, × worst-case optimal, × edge, steps to shrink the gap.
        suggestions: {"valley", "steep", "minimum": lr} (NaN where none).
        stopped: how the test stopped.
        words: one explanation per suggestion, in numbers.
    """

    suggestions: dict
    points: pd.DataFrame
    marks: pd.DataFrame
    rules: pd.DataFrame
    table: pd.DataFrame
    stopped: str
    words: str


def steps_needed(c, rates, start: tuple, shrink: float = SHRINK, most: int = 2**40) -> np.ndarray:
    """The exact number of plain gradient descent steps at each constant rate
    for the MSE's loss gap to shrink from ``start`` to ``shrink`` of its size,
    for an array of rates at once: the gap after k steps is
    ``sum_i lambda_i/2*c_i**2*|1 - lr*lambda_i|**(2k)`` (``Curvature.gap_after``),
    which falls with k below the edge, so k is found by bisection. inf at or
    past the edge (or beyond ``most``), 0 from the minimiser itself.

    >>> c = lrcore.theory.curvature(lrcore.Dataset([-1.0, 1.0], [-1.0, 3.0]))  # H = 2I
    >>> steps_needed(c, [0.25, 0.5, 1.0], (3.0, 1.0), 1e-6).tolist()  # 0.5**(2k) <= 1e-6: k = 10
    [10.0, 1.0, inf]
    """
    rates = np.atleast_1d(np.asarray(rates, dtype=float))
    flat, steep = (float(v) for v in c.components(*start))
    terms = [(0.5 * lam * comp * comp, np.abs(1.0 - rates * lam)) for lam, comp in
             ((c.lambda_min, flat), (c.lambda_max, steep)) if comp != 0.0]
    gap0 = sum(weight for weight, _ in terms)
    if gap0 == 0.0:
        return np.zeros(rates.shape)

    def gap(k):
        with np.errstate(over="ignore", under="ignore"):
            return sum(weight * factor ** (2.0 * k) for weight, factor in terms)

    converging = (rates > 0) & (rates * c.lambda_max < 2.0) & (rates * c.lambda_min < 2.0)
    goal = shrink * gap0
    low, high = np.zeros(rates.shape), np.ones(rates.shape)
    for _ in range(64):  # doubling: high reaches the goal, or passes `most`
        short = (gap(high) > goal) & (high <= most)
        if not short.any():
            break
        high = np.where(short, high * 2, high)
    for _ in range(64):  # bisection between the last miss and the first hit
        middle = np.floor((low + high) / 2)
        hit = gap(middle) <= goal
        low, high = np.where(hit, low, middle), np.where(hit, middle, high)
        if np.all(high - low <= 1):
            break
    return np.where(converging & (high <= most), high, np.inf)


def fastest_rate(c, start: tuple, shrink: float = SHRINK, count_rates: int = 2000) -> tuple[float, float]:
    """The constant rate, on a fine log grid below the edge, that shrinks the
    gap from ``start`` the most quickly, and its steps."""
    rates = np.geomspace(c.lr_max_stable * 1e-3, c.lr_max_stable * (1 - 1e-9), count_rates)
    steps = steps_needed(c, rates, start, shrink)
    best = int(np.argmin(steps))
    return float(rates[best]), float(steps[best])


def range_test_view(data: lrcore.Dataset, test: lrcore.finder.RangeTest) -> RangeTestView:
    """Shape a range test (``lrcore.lr_range_test``) and read
    its suggestions against the theory of plain gradient descent on the MSE."""
    c = lrcore.theory.curvature(data)
    points = pd.concat([pd.DataFrame({"lr": test.lrs, "loss": test.losses, "kind": "raw"}),
                        pd.DataFrame({"lr": test.lrs, "loss": test.smoothed, "kind": "smoothed"})])
    labels = {"valley": "valley", "steep": "steep", "minimum": "minimum/10"}
    marks = close_labels_merged(pd.DataFrame([{"label": labels[k], "lr": v} for k, v in test.suggestions.items()]))
    rules = close_labels_merged(pd.DataFrame({"label": ["1/λmax", "2/(λmin+λmax)", "2/λmax"],
                          "meaning": ["at or below it, no direction's error changes sign",
                                      "worst-case optimal: the fastest in the long run",
                                      "the edge: past it the steep direction grows"],
                          "lr": [c.lr_monotone, c.lr_optimal, c.lr_max_stable]}))
    start = (0.0, 0.0)
    keys = list(test.suggestions)
    needed = steps_needed(c, [test.suggestions[k] if math.isfinite(test.suggestions[k]) else 0.0 for k in keys],
                          start)
    steps_at = {k: float(n) if math.isfinite(test.suggestions[k]) else math.inf for k, n in zip(keys, needed)}
    optimal_steps = float(steps_needed(c, [c.lr_optimal], start)[0])
    fastest = fastest_rate(c, start)
    shrink_label = f"full-batch steps to shrink the gap {1 / SHRINK:,.0f}× from (0, 0)"
    table = pd.DataFrame([{
        "suggestion": labels[key], "learning rate": num(value, 4),
        "× worst-case optimal": num(value / c.lr_optimal, 3) if math.isfinite(value) else "none",
        "× edge (2/λmax)": num(value / c.lr_max_stable, 3) if math.isfinite(value) else "none",
        shrink_label: count(steps_at[key]) if math.isfinite(steps_at[key]) else "never (at or past the edge)",
    } for key, value in test.suggestions.items()])
    stopped = (f"It stopped at update {test.stopped_at} ({test.stop_reason})." if test.stopped_at >= 0
               else "It ran all its updates.") + (" " + test.reason if test.reason else "")
    words = range_test_words(c, test, steps_at, optimal_steps, fastest)
    return RangeTestView(dict(test.suggestions), points, marks, rules, table, stopped, words)


def range_test_words(c, test: lrcore.finder.RangeTest, steps_at: dict, optimal_steps: float, fastest: tuple) -> str:
    """One line per suggestion, in numbers: where it sits against the edge and
    the worst-case optimal rate, and how many steps a run at it would take,
    beside the known answer."""
    found = test.suggestions
    shrink = f"{1 / SHRINK:,.0f}×"

    def pace(key):
        return (f"From (0, 0) a run at it needs {count(steps_at[key])} steps to shrink the loss gap {shrink}."
                if math.isfinite(steps_at[key]) else "It is at or past the edge: a run at it would not converge.")

    lines = []
    start, stop = test.window  # the records the suggestions read: fastai leaves out the first and last few
    smoothed = np.asarray(test.smoothed, dtype=float)[start:stop]
    finite = np.isfinite(smoothed)
    if finite.any() and math.isfinite(found["minimum"]):
        lowest = float(np.asarray(test.lrs)[start:stop][finite][np.argmin(smoothed[finite])])
        where = "above" if lowest > c.lr_max_stable else "below"
        left_out = len(test.smoothed) - (stop - start)
        lines.append(
            f"- **minimum/10**: over the {plural(stop - start, 'record')} it reads ({left_out:,} at the ends are left "
            f"out, as fastai does), the smoothed loss was lowest at lr = {num(lowest)}, "
            f"{num(lowest / c.lr_max_stable)}× the edge 2/λmax ({where} it): the rate grows every update, so the loss "
            "at a rate still reflects the smaller rates before it, and the smoothing lags further. A tenth of it is "
            f"{num(found['minimum'])}, {num(found['minimum'] / c.lr_max_stable)}× the edge. {pace('minimum')}")
    if math.isfinite(found["steep"]):
        lines.append(
            f"- **steep** = {num(found['steep'])}, {num(found['steep'] / c.lr_optimal)}× the worst-case optimal rate: "
            "where the loss fell fastest against log(lr) during the sweep, a curve whose rate changed at every "
            f"update. {pace('steep')}")
    if math.isfinite(found["valley"]):
        lines.append(
            f"- **valley** = {num(found['valley'])}, {num(found['valley'] / c.lr_max_stable)}× the edge: the middle of "
            "the longest fall of the smoothed curve. fastai relies on mini-batch noise to break up the flat start, "
            "where tiny rates barely move the loss; these losses are on all the points and have no noise, so here "
            f"a fall counts only when it is more than {lrcore.finder.VALLEY_FLAT:.0%} of the curve's range, and the "
            f"valley moves with min_lr. {pace('valley')}")
    rate, steps = fastest
    lines.append(
        f"\nOn this problem the answer is known: every constant rate below the edge 2/λmax = {num(c.lr_max_stable, 4)} "
        f"converges. From (0, 0) the quickest to shrink the gap {shrink} is lr = {num(rate)}, in {count(steps)} "
        f"steps; 2/(λmin + λmax) = {num(c.lr_optimal, 4)}, the fastest in the long run, takes {count(optimal_steps)}.")
    return "\n".join(lines)
