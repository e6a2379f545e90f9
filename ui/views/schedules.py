"""The schedules page's view: several learning-rate schedules run together,
from the same start, with the same optimizer, loss and mini-batches; where
each ended up, and whether decay beat the constant rate, said from the numbers.

When decay helps: with every point in each step (full batch) and the MSE, a
constant rate below the edge 2/λmax converges on its own, geometrically. A
constant rate cannot settle where its steps do not shrink by themselves: under
mini-batch noise (each step's gradient is off by a random amount that does not
vanish at the minimum) and with MAE (whose slope changes in jumps and does
not shrink smoothly to 0 at the minimum). There a decaying rate shrinks the steps, if its rates still add up to
enough to get there: on a quadratic the error along direction i is left with
prod_t (1 - lr_t*lambda_i), about exp(-lambda_i * sum_t lr_t).
"""

from __future__ import annotations

import math

from dataclasses import dataclass

import numpy as np
import pandas as pd

import lrcore

from ..catalog import SCHEDULES, build_schedule, length, milestones, pct_start, warmup_steps
from .common import (MAX_CURVE, TAIL, Preset, Verdict, contour_lines, frame_steps, frame_until, is_round, num,
                     plural, results_table, summarize_runs, thinned)
from .contour import equal_window, frame_window

#: A decaying schedule "wins" when its mean gap over the last TAIL of the steps is this many times smaller.
WINS = 10.0
#: Most frames of a path on the small map.
MAX_FRAMES = 300
#: The small map's (width, height) in pixels, which its equal scales on w and b are computed for.
MAP_SIZE = (420, 300)


@dataclass(frozen=True)
class ScheduleView:
    """What the schedules page draws and says.

    Fields:
        names: the schedules' labels, in colour order.
        rates: run, step, lr; losses: run, step, loss (thinned, as run);
        paths: run, step, until, w, b; the frames of ``common.frame_steps``.
        steps: the runs' last step, the scrubber's end.
        lines, window: the small contour map; floor: the lowest loss; best: its (w, b).
        summaries: one RunSummary per schedule; table: the results as shown.
        verdict: whether decay beat the constant rate here, in numbers.
        when: when decay helps at all, for these settings.
        flow: for full-batch MSE and gradient descent, what the sum of the
            rates did to the flat direction; "" otherwise.
        printed: per schedule, the last line its exported script prints
            (``lrcore.export.printed_result`` of its run).
    """

    names: list
    rates: pd.DataFrame
    losses: pd.DataFrame
    paths: pd.DataFrame
    steps: int
    lines: pd.DataFrame
    window: tuple
    floor: float
    best: tuple
    summaries: list
    table: pd.DataFrame
    verdict: Verdict
    when: str
    flow: str
    printed: list

    @property
    def frame_count(self) -> int:
        """How many frames the small map's replay holds (``common.frame_steps``)."""
        return int(frame_steps(self.steps, MAX_FRAMES).size)


def build(data: lrcore.Dataset, *, chosen: tuple, lr: float, steps: int, optimizer, opt: str,
          loss: str, batch: int, tol: float = 1e-3) -> ScheduleView:
    """Run every chosen schedule together from (0, 0) on the same batches.

    Args:
        chosen: ((name, ((parameter, value), ...)), ...), names of ``ui.catalog.SCHEDULES``.
        optimizer: the lrcore optimizer; opt: its name ("sgd", ...).
        batch: 0 for every point each step, else the mini-batch size.
        tol: the share of the start's gap a run must reach to count as arrived.
    """
    schedules = [build_schedule(name, lr, steps, dict(values)) for name, values in chosen]
    traj = lrcore.run(data, schedules, steps=steps, start=(0.0, 0.0), loss=loss, optimizer=optimizer,
                      batch_size=batch or None, seed=0)
    names = [SCHEDULES[name].label for name, _ in chosen]
    loss_fn = lrcore.losses.get(loss)
    best = loss_fn.minimizer(data)
    floor = float(loss_fn.value(data, *best))

    picked = thinned(steps, MAX_CURVE)
    rates = pd.concat(pd.DataFrame({"run": n, "step": picked, "lr": traj.lr[k, picked]}) for k, n in enumerate(names))
    picked_loss = thinned(steps + 1, MAX_CURVE)
    losses = pd.concat(pd.DataFrame({"run": n, "step": picked_loss, "loss": traj.loss[k, picked_loss]})
                       for k, n in enumerate(names))
    shown = frame_steps(steps, MAX_FRAMES)
    paths = pd.concat(pd.DataFrame({"run": n, "step": shown, "until": frame_until(shown), "w": traj.w[k, shown],
                                    "b": traj.b[k, shown]}) for k, n in enumerate(names))
    window = equal_window(frame_window(best, (0.0, 0.0), traj.w, traj.b, traj.diverged_at, traj.loss), *MAP_SIZE)
    ws, bs = np.linspace(window[0], window[1], 100), np.linspace(window[2], window[3], 100)
    grid_w, grid_b = np.meshgrid(ws, bs)
    lines = contour_lines(ws, bs, np.asarray(loss_fn.value(data, grid_w, grid_b), dtype=float), floor, count=10)

    summaries = summarize_runs(traj, floor, tol)
    table = results_table(names, summaries, tol, tail=True)
    table["sum of the rates"] = [num(float(np.sum(traj.lr[k]))) for k in range(len(names))]
    c = lrcore.theory.curvature(data)
    plain_full_mse = loss == "mse" and opt == "sgd" and not (batch and batch < data.n)
    flow = ""
    if plain_full_mse:
        with np.errstate(over="ignore", invalid="ignore"):  # a product of factors above 1 overflows: it grew
            left = [float(np.prod(1.0 - traj.lr[k] * c.lambda_min)) for k in range(len(names))]
        which = "every direction" if is_round(c) else "the flat direction"
        column = "error left, every direction" if is_round(c) else "flat direction's error left"
        table[column] = ["diverged" if s.diverged_at is not None else num(value) if math.isfinite(value) else
                         "grew past 1e308" for value, s in zip(left, summaries)]
        flow = (f"On full-batch MSE each step multiplies the error along {which} by 1 − lr_t·λmin "
                f"(λmin = {num(c.lambda_min, 4)}), so what is left of it is the product of those factors, about "
                f"exp(−λmin × the sum of the rates): the sum, gradient-flow time, decides how far "
                f"{'the error' if is_round(c) else 'the slow direction'} gets.")
    verdict = decay_verdict([name for name, _ in chosen], names, summaries, steps)
    when = when_decay_helps(data, c, lr=lr, opt=opt, loss=loss, batch=batch, optimizer=optimizer)
    when = " ".join([when, *mended_settings(chosen, steps)])
    printed = [lrcore.export.printed_result(steps, traj.w[k, -1], traj.b[k, -1], traj.loss[k, -1],
                                            s.diverged_at) for k, s in enumerate(summaries)]
    return ScheduleView(names, rates, losses, paths, int(steps), lines, window, floor, best,
                        summaries, table, verdict, when, flow, printed)


def mended_settings(chosen: tuple, steps: int) -> list[str]:
    """A sentence for each schedule setting that ``ui.catalog`` had to move
    to fit the others or the steps (each valid alone): a second milestone
    not after the first, a warmup as long as the run, a one-cycle phase
    shorter than a step.

    >>> mended_settings((("multistep_decay", (("first", 0.9), ("second", 0.1))),), 100)
    ['Multistep: its second milestone (step 10) was not after its first (step 90): it is taken at step 91.']
    """
    said = []
    for name, given in chosen:
        values = {**SCHEDULES[name].defaults(), **dict(given)}
        if name == "multistep_decay":
            first, second = milestones(values, steps)
            asked = length(values["second"], steps)
            if asked != second:
                said.append(f"Multistep: its second milestone (step {asked:,}) was not after its first "
                            f"(step {first:,}): it is taken at step {second:,}.")
        elif name == "warmup_cosine" and warmup_steps(values, steps) != length(values["warmup"], steps):
            said.append(f"Warmup: {length(values['warmup'], steps):,} warmup steps leave no step of the "
                        f"{steps:,} for the cosine: the warmup is taken as {warmup_steps(values, steps):,} steps.")
        elif name == "one_cycle" and pct_start(values, steps) != values["pct_start"]:
            said.append(f"One-cycle: pct_start = {num(values['pct_start'])} leaves a phase shorter than a step in "
                        f"{steps:,} steps: it is taken as {num(pct_start(values, steps))}.")
    return said


def decay_verdict(keys: list, names: list, summaries: list, steps: int) -> Verdict:
    """Which schedule ended closest to the minimum (the mean gap over the last
    ``TAIL`` of the steps: a noisy run's last step alone says little), and by
    how much decay beat the constant rate, if one ran."""
    tail = lrcore.descent.tail_window(steps, TAIL)  # the columns RunSummary.tail_gap averages
    diverged = [f"{name} diverged at step {s.diverged_at}" if s.diverged_at is not None else
                f"{name} is diverging: over its last {plural(tail, 'step')} its loss stayed {num(s.tail_gap)} above the "
                f"minimum, above the {num(s.start_gap)} it started from"
                for name, s in zip(names, summaries) if s.diverged_at is not None or s.rising]
    gone = (" " + "; ".join(diverged) + ".") if diverged else ""
    alive = [(s.tail_gap, name, key) for key, name, s in zip(keys, names, summaries)
             if s.diverged_at is None and not s.rising]
    if not alive:
        return Verdict("error", f"Every schedule diverged or is diverging: {gone[1:]} Lower the base rate.")
    ranked = sorted(alive)
    best_gap, best_name, best_key = ranked[0]
    where = f"over the last {plural(tail, 'step')}"
    if "constant" not in keys or "constant" not in [key for _, _, key in alive]:
        return Verdict("info", f"{best_name} ended closest to the minimum: {where} its loss stayed {num(best_gap)} "
                       f"above it on average.{gone}")
    constant = next(gap for gap, _, key in alive if key == "constant")
    decays = [(gap, name) for gap, name, key in ranked if key != "constant"]
    rounding = 1e-12 * max(s.start_gap for s in summaries)  # gaps this small are 0 but for rounding
    if decays and abs(decays[0][0] - constant) <= rounding:
        return Verdict("info", f"The constant rate and {decays[0][1]} ended equally close: {where} their loss stayed "
                       f"{num(constant)} above the minimum on average.{gone}")
    if best_key == "constant" or not decays:
        return Verdict("info", f"The constant rate ended closest to the minimum: {where} its loss stayed "
                       f"{num(constant)} above it on average"
                       + (f", {decays[0][1]} {num(decays[0][0])}" if decays else "") + f".{gone}")
    words = [f"{name} {num(gap)} (" + (f"{num(constant / gap)}× closer" if gap < constant else
                                       f"{num(gap / constant)}× farther" if gap > constant else "the same") + ")"
             if gap > 0 and constant > 0 else f"{name} {num(gap)}" for gap, name in decays]
    winners = [name for gap, name in decays if gap * WINS <= constant]
    kind = "success" if winners else "info"
    head = (f"**Decay wins here**: {where} the constant rate's loss stayed {num(constant)} above the minimum on "
            "average; " if winners else
            f"**Decay ends closer, by less than {WINS:g}×**: {where} the constant rate's loss stayed "
            f"{num(constant)} above the minimum on average; ")
    return Verdict(kind, head + ", ".join(words) + f".{gone}")


def when_decay_helps(data: lrcore.Dataset, c, *, lr: float, opt: str, loss: str, batch: int, optimizer=None) -> str:
    """When a constant rate already settles, and when it cannot, for these
    settings, each optimizer with its own edge (``optimizer``: the lrcore
    optimizer ``opt`` names); no rule of plain gradient descent for another."""
    if opt in ("adagrad", "rmsprop", "adam"):
        own = ("Adagrad decays on its own: it divides each step by the root of the sum of all past squared "
               "gradients, which only grows." if opt == "adagrad" else
               "RMSprop and Adam divide each step by a running size of the gradient: they have no edge to compare "
               "a rate with, and whether a constant rate settles depends on the rate and the steps.")
        return own + " The runs above say what happened here."
    edge = lrcore.theory.stable_edge(data, optimizer) if opt != "sgd" else c.lr_max_stable
    whose = "2/λmax" if opt == "sgd" else "this momentum's own edge"
    if loss == "huber":
        bowl = lrcore.theory.local_curvature(data, "huber")
        edge = bowl.edge(optimizer) if bowl is not None else None
        whose = "the edge of Huber's bowl near the minimum" + ("" if opt == "sgd" else " for this momentum")
    if batch and batch < data.n:
        noise = (f"With mini-batches of {batch}, each step's gradient is off by a random amount that does not vanish "
                 "at the minimum, so a constant rate keeps the line jittering around it, more the larger the rate. "
                 "A decaying rate shrinks the jitter.")
        if loss == "mae" or edge is None:
            return noise
        return noise + (f" (With every point in each step, a constant rate below {whose}, {num(edge, 4)}, "
                        "converges on its own.)")
    if loss == "mae":
        return ("With MAE the slope changes in jumps and does not shrink smoothly to 0 at the minimum, so a "
                "constant rate keeps hopping across it in steps of about lr × the slope there; a decaying rate "
                "shrinks the hops.")
    if edge is None:
        return "The runs above say what happened here."
    loss_words = "Huber's loss near the minimum" if loss == "huber" else "the MSE"
    if lr < edge:
        return (f"With every point in each step and {loss_words}, this base rate, {num(lr, 4)}, is below {whose}, "
                f"{num(edge, 4)}, so a constant rate converges here on its own: the error along each eigen-direction "
                "shrinks every step. Decay matters under mini-batch noise (set a batch size) or with MAE.")
    after = (" Huber's slope is capped far from the minimum, so a constant rate keeps bouncing there rather than "
             "flying off." if loss == "huber" else "")
    return (f"With every point in each step and {loss_words}, this base rate, {num(lr, 4)}, is at or above {whose}, "
            f"{num(edge, 4)}: a constant rate cannot converge.{after} A schedule can, if it keeps the rate above the "
            "edge only briefly, while the error along the steep direction is small, and brings it below the edge in "
            "time.")


def presets(data: lrcore.Dataset, format_rate) -> list[Preset]:
    """The schedules page's presets on this data; each one's result is said
    by the page's verdict, computed, not by the button. Every number a
    button's help states is the one it sets.

    ``format_rate``: how a rate is written in its widget (``ui.state.format_rate``).
    """
    edge = lrcore.theory.curvature(data).lr_max_stable
    mae_rate = 1.0 / max(float(np.mean(np.abs(data.x))), 1e-12)
    decays = ["constant", "exponential_decay", "cosine_decay", "inverse_time_decay"]
    batch, long, short = 4, 1000, 600  # a mini-batch; steps
    noisy, warm, peak, warmup = 0.75, 1.15, 1.1, 0.3  # shares of the edge; of the steps
    full = {"sched_loss": "mse", "sched_batch": 0.0, "sched_steps": float(short), "sched_opt": "sgd"}
    return [
        Preset("sched_preset_noise", "Constant vs decay under mini-batch noise",
               f"Mini-batches of {batch}, {long:,} steps, base rate {num(noisy)}× the edge 2/λmax "
               f"({num(noisy * edge)}).",
               {"sched_pick": decays, "sched_loss": "mse", "sched_batch": float(batch), "sched_steps": float(long),
                "sched_opt": "sgd", "sched_lr": format_rate(noisy * edge, 6)}),
        Preset("sched_preset_mae", "MAE: a constant rate hops, decay settles",
               f"MAE on every point, {short:,} steps, base rate 1/mean|x| = {num(mae_rate)}: a step moves w by at "
               "most 1.",
               {**full, "sched_pick": decays, "sched_loss": "mae", "sched_lr": format_rate(mae_rate, 6)}),
        Preset("sched_preset_warmup", "Warmup and a too-large rate",
               f"Full-batch MSE, {short:,} steps, base rate {num(warm)}× the edge ({num(warm * edge)}): constant, "
               f"cosine, and cosine after a linear warmup over {warmup:.0%} of the steps.",
               {**full, "sched_pick": ["constant", "cosine_decay", "warmup_cosine"],
                "sched_lr": format_rate(warm * edge, 6), "sched_warmup_cosine_warmup": warmup}),
        Preset("sched_preset_one_cycle", "One-cycle vs cosine",
               f"Full-batch MSE, {short:,} steps, both peaking at {num(peak)}× the edge ({num(peak * edge)}).",
               {**full, "sched_pick": ["one_cycle", "cosine_decay"], "sched_lr": format_rate(peak * edge, 6)}),
    ]
