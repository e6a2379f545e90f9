"""The lesson on the home page: six chapters, one per claim of the lesson and
one on choosing a rate. Each asks a question before it shows anything, with
choices made from the learner's data; once answered, its view is computed
(by the same builders the pages use) and the answer is judged from the very
numbers that view draws.

A chapter is three pure pieces here: its ``Question`` (cheap: theory
numbers at most), the view that answers it, and an ``Answer`` read from that
view (the right choices and the numbers that decide them). Nothing here is
hard-coded but the settings each chapter runs at; every number the learner
reads comes from ``lrcore``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

import lrcore

from ..catalog import SCHEDULES
from .common import MAX_CURVE, TAIL, Verdict, is_round, num, num_beside, plural, thinned
from .contour import guess_box


@dataclass(frozen=True)
class Chapter:
    """One chapter: its ``number`` (1 to 6), ``title``, the ``intro`` read
    before its question, and the page that explores it (``page``, ``page_label``)."""

    number: int
    title: str
    intro: str
    page: str
    page_label: str


CHAPTERS = (
    Chapter(1, "Guessing at random takes forever",
            "To fit the line you need the `w` and `b` with the smallest loss. Without the slope all you can do is "
            "guess: draw `(w, b)` at random and keep the best. Gradient descent instead walks downhill from a start. "
            "Both count one loss evaluation per guess or step.",
            "pages/3_Loss_contour.py", "Race them on the loss contour"),
    Chapter(2, "The gradient says which way to go",
            "Hold `b` at 0 and the loss becomes a curve in `w` alone. Its slope at the current guess, the "
            "gradient, says which way is uphill; gradient descent steps the other way, by learning rate × slope.",
            "pages/2_Loss_slice.py", "Step along the slice"),
    Chapter(3, "No learning rate (lr = 1) overshoots",
            "Near the minimum the mean squared error is a bowl. Along its two eigen-directions, the steep and the "
            "flat one, it has curvatures λmax and λmin, and one step of plain gradient descent multiplies the "
            "error (the distance to the best fit) along each by 1 − lr·λ. With no learning rate the step is the "
            "whole gradient: lr = 1.",
            "pages/1_Data.py", "Replay lr = 1 on the Data page"),
    Chapter(4, "Too large a rate bounces, or diverges",
            "A rate between 1/λmax and 2/λmax flips the steep direction's error every step and shrinks it: the "
            "steps bounce across the minimum. Past the edge 2/λmax the bounces grow and the run diverges. Below "
            "1/λmax nothing bounces, but the flat direction crawls.",
            "pages/1_Data.py", "Try rates on the Data page"),
    Chapter(5, "Decaying the rate lets the steps settle",
            "With mini-batches each step's gradient is computed on a few points, so it is off by a random amount "
            "that does not vanish at the minimum: a constant rate keeps hopping around it. A rate that decays "
            "shrinks the hops. (With every point in each step, the mean squared error and a constant rate below "
            "the edge already converge.)",
            "pages/4_Schedules.py", "Compare schedules"),
    Chapter(6, "Choosing a rate: the theory and the range test",
            "On a problem this small the theory gives the best constant rate exactly: 2/(λmin + λmax), where both "
            "directions shrink equally fast. On a real network nobody knows the λs, so fastai's LR range test "
            "runs one short run whose rate grows every step, from tiny to far too large, and suggests a rate "
            "from where the loss fell fastest.",
            "pages/5_LR_finder.py", "Open the LR finder"),
)


@dataclass(frozen=True)
class Question:
    """What a chapter asks: ``text`` (with the learner's numbers) and its
    ``choices``, ((key, label), ...), none of them picked at first."""

    text: str
    choices: tuple

    def label(self, key: str) -> str:
        return dict(self.choices)[key]


@dataclass(frozen=True)
class Answer:
    """The right choices (ties are all right; none when the numbers cannot
    decide) and ``why``: the numbers that decide it, from the chapter's view."""

    right: tuple
    why: str


def judge(question: Question, answer: Answer, picked: str) -> tuple[bool | None, Verdict]:
    """(right or not, None when undecided; the sentence that says so)."""
    if not answer.right:
        return None, Verdict("info", f"**These points do not decide it.** {answer.why}")
    if picked in answer.right:
        return True, Verdict("success", f"**Right.** {answer.why}")
    named = " or ".join(f"“{question.label(key)}”" for key in answer.right)
    return False, Verdict("warning", f"**Not this time: the answer is {named}.** {answer.why}")


# --- 1. random guessing -------------------------------------------------------------

#: Where descent starts and around which the guesses fall: the contour page's default start.
GUESS_START = (-2.0, 8.0)
#: How close counts as there: this share of the start's loss gap (the contour page's default).
GUESS_TOL = 1e-5
#: The most steps descent runs to get there (the contour page's most).
GUESS_STEPS = 5_000
#: The most random guesses drawn for the race.
MOST_GUESSES = 100_000
#: The choices: how many times descent's steps random guessing is expected to need.
RACE = (("fewer", "fewer guesses than descent's steps", 0.0, 1.0),
        ("up to 10", "1 to 10 times as many", 1.0, 10.0),
        ("up to 1000", "10 to 1,000 times as many", 10.0, 1000.0),
        ("more", "more than 1,000 times as many", 1000.0, math.inf))


def guessing_question() -> Question:
    return Question(
        f"Gradient descent starts at w = {num(GUESS_START[0])}, b = {num(GUESS_START[1])} and runs, at the theory's "
        "best constant rate, until the loss above the best fit's has shrunk to "
        f"{num(GUESS_TOL)} of what it was at the start. Random guesses are drawn in a box around the start that "
        "holds the best fit. To get as close, how many guesses would you expect to need?",
        tuple((key, label) for key, label, _, _ in RACE))


@dataclass(frozen=True)
class GuessingView:
    """Fields: ``race`` (run, evaluations, gap: the best loss so far above
    the minimum, finite and > 0); ``target`` (the gap to reach); ``expected``
    (guesses expected to reach it, exact); ``steps`` (descent's steps to
    reach it, None if not within ``GUESS_STEPS``); ``lr``; ``guesses`` (drawn);
    ``hit`` (the first drawn guess that got there, or None); ``box`` (half
    widths); ``decade``: the theory's bound on the steps descent needs more
    for a target ten times smaller; ``condition``: the bowl's λmax/λmin."""

    race: pd.DataFrame
    target: float
    expected: float
    steps: int | None
    lr: float
    guesses: int
    hit: int | None
    box: tuple
    decade: float = math.nan
    condition: float = math.nan


def guessing(data: lrcore.Dataset) -> GuessingView:
    c = lrcore.theory.curvature(data)
    lr = c.lr_optimal
    # no more steps than the theory's bound (the slowest direction's worst case) and a quarter more to draw
    bound = c.steps_to(GUESS_TOL, lr)
    traj = lrcore.run(data, lr, steps=int(min(GUESS_STEPS, 1.25 * bound + 10)), start=GUESS_START)
    gap0 = float(traj.loss[0, 0]) - c.min_loss
    target = GUESS_TOL * gap0
    reached = int(traj.steps_to(c.min_loss + target)[0])
    steps = reached if reached >= 0 else None
    half = guess_box(GUESS_START, c.minimizer)
    expected = lrcore.search.expected_evaluations(data, center=GUESS_START, half_width=half, target_gap=target) \
        if target > 0 else 1.0
    guesses = int(min(MOST_GUESSES, max(1000, math.ceil(3 * expected)))) if math.isfinite(expected) else MOST_GUESSES
    search = lrcore.search.random_search(data, guesses=guesses, center=GUESS_START, half_width=half, seed=0)
    hit = search.evaluations_to(c.min_loss + target)
    last = steps if steps is not None else traj.loss.shape[1] - 1
    shown = min(last + max(last // 4, 10), traj.loss.shape[1] - 1)
    picked = thinned(shown + 1, MAX_CURVE)
    best = np.minimum.accumulate(traj.loss[0, : shown + 1])[picked] - c.min_loss
    picked_guess = thinned(guesses, MAX_CURVE)
    race = pd.concat([
        pd.DataFrame({"run": "gradient descent", "evaluations": picked + 1, "gap": best}),
        pd.DataFrame({"run": "random guessing", "evaluations": picked_guess + 1,
                      "gap": search.best_so_far[picked_guess] - c.min_loss}),
    ], ignore_index=True)
    race = race[np.isfinite(race["gap"]) & (race["gap"] > 0)].reset_index(drop=True)
    decade = float(c.steps_to(GUESS_TOL / 10, lr) - bound)
    return GuessingView(race, target, float(expected), steps, lr, guesses, hit, half, decade, c.condition_number)


def guessing_answer(view: GuessingView) -> Answer:
    """Which of ``RACE`` holds the ratio of the expected guesses to descent's steps."""
    where = (f"Descent at lr = 2/(λmin + λmax) = {num(view.lr, 4)} got there in {plural(view.steps, 'step')}"
             if view.steps is not None else
             f"Descent at lr = 2/(λmin + λmax) = {num(view.lr, 4)} did not get there in {GUESS_STEPS:,} steps")
    odds = (f"random guessing needs {plural(view.expected, 'guess')} on average (exact: the box's area over the "
            "area inside it that is that close)")
    drawn = (f"; of the {view.guesses:,} guesses drawn here, the first that got there was guess {view.hit + 1:,}"
             if view.hit is not None else f"; none of the {view.guesses:,} guesses drawn here got there")
    if view.steps is None:
        if view.expected < GUESS_STEPS:
            return Answer(("fewer",), f"{where}, and {odds}{drawn}: here guessing wins. The bowl is a long narrow "
                          f"valley (its condition number λmax/λmin is {num(view.condition)}) that descent crawls "
                          "along; standardizing x (sidebar) rounds it out.")
        return Answer((), f"{where}, and {odds}{drawn}.")
    ratio = view.expected / max(view.steps, 1)
    right = tuple(key for key, _, low, high in RACE if low <= ratio < high)
    more = (f"descent at most {plural(view.decade, 'step')} more (the theory's bound)" if math.isfinite(view.decade)
            else "descent a few steps more")
    note = (" Each time the target shrinks tenfold, guessing's expected count grows tenfold and "
            f"{more}; with d parameters instead of 2 the count grows like gap^(−d/2).")
    return Answer(right, f"{where}, and {odds}{drawn}. The expected count is {num(ratio)} times descent's "
                  f"steps.{note}")


# --- 2. the gradient's direction ---------------------------------------------------

#: The slice the chapter walks: along w, b held at this value, from this w.
SLOPE_HELD, SLOPE_START = 0.0, 0.0
#: Its steps, and its rate as a share of the slice's one-step rate 1/L'' (no overshoot).
SLOPE_STEPS, SLOPE_SHARE = 12, 0.3
SLOPE = (("up", "w grows"), ("down", "w shrinks"), ("stays", "w stays where it is"))


def slope_question() -> Question:
    return Question(
        f"Start from the flat line w = {num(SLOPE_START)}, b = {num(SLOPE_HELD)} (b held there). Which way does "
        "one step of gradient descent move the slope w?", SLOPE)


def slope_rate(s) -> float:
    """The chapter's rate on slice ``s``: a share of 1/L'', small enough not to overshoot."""
    return SLOPE_SHARE * s.lr_one_step


def slope_answer(runs: pd.DataFrame) -> Answer:
    """From the slice view's runs: the gradient at the start and the step it took."""
    first = runs[runs["run"] == runs["run"].iloc[0]].sort_values("step")
    grad, update = float(first["grad"].iloc[0]), float(first["update"].iloc[0])
    loss0 = float(first["loss"].iloc[0])
    if grad == 0:
        return Answer(("stays",), f"At w = {num(SLOPE_START)} the loss along w is flat (slope 0): the step is 0.")
    downhill = "right, to larger w" if grad < 0 else "left, to smaller w"
    right = ("up",) if update > 0 else ("down",)
    after = (f", and the loss falls from {num(loss0, 4)} to {num(float(first['loss'].iloc[1]), 4)}"
             if len(first) > 1 else "")
    return Answer(right, (
        f"At w = {num(SLOPE_START)} the loss slopes by dL/dw = {num(grad, 4)}: downhill is to the {downhill}. "
        f"The step is −lr·dL/dw = {num(update, 4)} at lr = {num(float(first['lr'].iloc[0]), 4)}: it moves w "
        f"{'up' if update > 0 else 'down'}{after}. Each later step reads the slope again; as the slope shrinks "
        "toward the minimum, so do the steps."))


# --- 3. lr = 1 ------------------------------------------------------------------------

#: The run the chapter replays at lr = 1: its steps (it may diverge sooner).
OVERSHOOT_STEPS = 20
LANDING = (("short", "short of the minimum"),
           ("on", "right on it"),
           ("closer", "past it, closer than it started"),
           ("as far", "past it, exactly as far"),
           ("farther", "past it, farther than it started"))


def overshoot_question() -> Question:
    return Question("One step with no learning rate (lr = 1), from w = 0, b = 0. Along the bowl's steep direction, "
                    "where does the guess land?", LANDING)


def landing(regime: str, factor: float) -> str:
    """The choice of ``LANDING`` that the steep direction's regime and factor 1 − lr·λmax make true."""
    if regime == "monotone":
        return "on" if factor == 0 else "short"
    return {"oscillating": "closer", "edge": "as far", "diverging": "farther"}[regime]


def overshoot_answer(c, factors: tuple, regimes: tuple) -> Answer:
    """From the fit view at lr = 1: its steep direction's factor and regime."""
    steep = "every direction (the bowl is round)" if is_round(c) else "the steep direction"
    factor = factors[1]
    return Answer((landing(regimes[1], factor),), (
        f"Along {steep} λmax = {num(c.lambda_max, 4)}, so a step at lr = 1 multiplies the error by "
        f"1 − λmax = {num_beside(factor, -1.0, 0.0, 1.0)}: "
        + ("it lands on the minimum." if factor == 0 else
           "it stops short, on the same side." if factor > 0 else
           "it lands on the other side, exactly as far as it started." if regimes[1] == "edge" else
           f"it lands on the other side, {num_beside(abs(factor), 1.0)}× as far as it started.")
        + " The rate that lands on the minimum in one step along it is 1/λmax = "
        f"{num(c.lr_monotone, 4)}."))


# --- 4. too large -----------------------------------------------------------------------

def race_question(c, multiples: tuple, steps: int) -> Question:
    rates = [m / c.lambda_max for m in multiples]
    return Question(
        f"The steep direction's curvature is λmax = {num(c.lambda_max, 4)}, so its edge is 2/λmax = "
        f"{num(c.lr_max_stable, 4)}. Four constant rates run {steps:,} steps from w = 0, b = 0. Which one ends "
        "closest to the minimum?",
        tuple((str(m), f"lr = {num(r, 4)} ({m:g}/λmax)") for m, r in zip(multiples, rates)))


def race_answer(c, multiples: tuple, ends: tuple, diverged: tuple, steps: int, start_gap: float) -> Answer:
    """From the home view's runs: each one's loss gap after ``steps`` (inf
    for a diverged run); gaps within rounding (1e-12 of ``start_gap``) of
    the smallest tie."""
    gaps = np.array(ends, dtype=float)
    best = float(np.min(gaps))
    ties = gaps <= best + 1e-12 * start_gap
    right = tuple(str(m) for m, tie in zip(multiples, ties) if tie)
    said = []
    for m, gap, d in zip(multiples, ends, diverged):
        regime = c.regimes(m / c.lambda_max)[1]
        what = {"monotone": "no bounce", "oscillating": "bounces in", "edge": "bounces forever",
                "diverging": "bounces out"}[regime]
        said.append(f"{m:g}/λmax ({what}): " + (f"diverged at step {d}" if d >= 0 else
                                                  "at the minimum, to rounding" if gap <= 1e-12 * start_gap else
                                                  f"{num(gap)} above the minimum"))
    return Answer(right, (
        f"Each run's loss after {steps:,} steps: " + "; ".join(said) + ". "
        + ("A bounce is not a failure: below the edge a rate near 2/λmax moves the flat direction fastest. "
           if not is_round(c) else "On a round bowl 1/λmax lands on the minimum in one step. ")
        + "Past the edge every bounce is bigger than the last."))


# --- 5. decay -------------------------------------------------------------------------

#: The chapter's schedules, run on the same mini-batches, and their shared settings.
DECAY_CHOSEN = (("constant", ()), ("exponential_decay", ()))
DECAY_BATCH, DECAY_STEPS = 4, 1000
#: The base rate, as a share of the edge 2/λmax (0.74: 0.02 at the default points).
DECAY_SHARE = 0.74
#: Closer by at least this factor counts as ending closer.
CLOSER = 2.0
SETTLE = (("constant", "the constant rate"), ("decay", "the decaying rate"),
          ("same", "neither: within 2× of each other"))


def decay_rate(c) -> float:
    return DECAY_SHARE * c.lr_max_stable


def decay_end() -> float:
    """Where the chapter's exponential decay ends, as a share of the base rate (the schedule's default)."""
    return next(param.default for param in SCHEDULES["exponential_decay"].params if param.key == "to")


def decay_question(data: lrcore.Dataset, c) -> Question:
    batch = min(DECAY_BATCH, data.n)
    return Question(
        f"Gradient descent runs {DECAY_STEPS:,} steps on mini-batches of {batch} of your {data.n:,} points, twice, "
        f"on the same batches: at a constant rate {num(decay_rate(c), 4)}, and at a rate that starts there and "
        f"decays exponentially to {num(decay_end())}× it. Over the last {plural(_tail(), 'step')}, which one stays "
        "closer to the minimum?", SETTLE)


def _tail() -> int:
    """The last steps whose mean gap says where a run ended up (``RunSummary.tail_gap``)."""
    return lrcore.descent.tail_window(DECAY_STEPS, TAIL)


def _gap(summary) -> float:
    return math.inf if summary.diverged_at is not None or not math.isfinite(summary.tail_gap) else summary.tail_gap


def decay_answer(names: list, summaries: list, full_batch) -> Answer:
    """From the schedules view (constant first, the decay second) and the
    same two rates with every point in each step (``full_batch``: its summaries)."""
    constant, decayed = _gap(summaries[0]), _gap(summaries[1])
    if constant == decayed or (math.isfinite(constant) and math.isfinite(decayed)
                               and max(constant, decayed) < CLOSER * min(constant, decayed)):
        right = ("same",)
    else:
        right = ("decay",) if decayed < constant else ("constant",)
    said = (f"Over the last {plural(_tail(), 'step')} the constant rate's loss stayed {num(constant)} above the minimum on "
            f"average, the decaying rate's {num(decayed)}")
    ratio = (f": {num(constant / decayed)}× closer with decay." if decayed > 0 and math.isfinite(constant)
             and constant > decayed else ".")
    start = summaries[0].start_gap
    why = ""
    if right == ("constant",) and constant <= 1e-6 * start:
        why = (" Here the constant rate does not hop: it settled within a millionth of its start's gap, so every "
               "batch's gradient vanishes at the same minimum (the points lie on a line).")
    elif right == ("constant",):
        why = " Here the decaying rate's steps shrank before it got there: the constant rate went farther."
    full = [_gap(s) for s in full_batch]
    honest = (f" With every point in each step the constant rate ends {num(full[0])} above the minimum and the "
              f"decaying one {num(full[1])}: "
              + ("there a constant rate below the edge needs no decay: it ends as close as the decaying one, or "
                 "closer." if full[0] <= full[1] else
                 f"there the decaying rate ends closer too in {DECAY_STEPS:,} steps, though a constant rate below the "
                 "edge converges on its own, geometrically, at the flat direction's pace."))
    return Answer(right, said + ratio + why + honest)


# --- 6. choosing a rate ---------------------------------------------------------------

CHOOSE = (("below", "well below it: under half"), ("near", "about it: within 2×"),
          ("above", "well above it: over twice"))


def choose_question(c, low: float, high: float, steps: int) -> Question:
    """The question, for a range test from ``low`` to ``high`` in ``steps`` steps."""
    return Question(
        f"On your points the theory's best constant rate is 2/(λmin + λmax) = {num(c.lr_optimal, 4)} (the edge, "
        f"2/λmax, is {num(c.lr_max_stable, 4)}). The range test runs {steps:,} steps, its rate growing from "
        f"{num(low)} to {num(high)}. Where will its suggestion (fastai's \"valley\") fall?", CHOOSE)


def choose_answer(c, valley: float, low: float) -> Answer:
    """From the range test's valley suggestion; ``low``: the first rate of its range."""
    if not math.isfinite(valley):
        return Answer((), "The range test made no suggestion here: its loss never fell.")
    ratio = valley / c.lr_optimal
    right = ("below",) if ratio < 0.5 else ("above",) if ratio > 2.0 else ("near",)
    first = (" That is the first rate of its range: on these points the range starts too high."
             if valley <= low * (1 + 1e-9) else "")
    edge = (f" It is past the edge 2/λmax = {num(c.lr_max_stable, 4)}: as a constant rate it would diverge."
            if valley > c.lr_max_stable else "")
    return Answer(right, (
        f"The range test suggests {num(valley, 4)}: {num(ratio)}× the theory's best rate.{first}{edge} It reads "
        "one short run whose rate grows every step and picks a rate from where the loss fell fastest; the theory "
        "knows the bowl exactly. On a network, where no one knows the λs, the range test is what you have; here "
        "you can check it."))
