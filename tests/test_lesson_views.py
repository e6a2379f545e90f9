"""The lesson's pure pieces (ui/views/lesson.py): each chapter's question,
the answer read from its view, and the verdict, checked against numbers
computed a second way, at the edges where the answer changes."""

import math

import numpy as np
import pandas as pd
import pytest

import lrcore
from ui.views import fit, home, lesson
from ui.views.common import RunSummary

DATA = lrcore.make_data()
ROUND = lrcore.standardize(DATA)


def summary(tail_gap, diverged_at=None, start_gap=100.0):
    return RunSummary(final_loss=tail_gap, best_loss=tail_gap, final_gap=tail_gap, tail_gap=tail_gap,
                      steps_to_tol=None, diverged_at=diverged_at, start_gap=start_gap)


def test_every_chapter_has_its_claim_in_order_and_a_page_to_explore():
    titles = [chapter.title for chapter in lesson.CHAPTERS]
    assert [chapter.number for chapter in lesson.CHAPTERS] == [1, 2, 3, 4, 5, 6]
    for words, title in zip(("random", "gradient", "lr = 1", "Too large", "Decaying", "Choosing"), titles):
        assert words in title
    assert all(chapter.page.startswith("pages/") for chapter in lesson.CHAPTERS)


def test_judge_says_right_wrong_or_undecided_and_names_the_right_choice():
    question = lesson.Question("Which?", (("a", "first"), ("b", "second"), ("c", "third")))
    assert question.label("b") == "second"
    right, said = lesson.judge(question, lesson.Answer(("b", "c"), "Because."), "c")
    assert right is True and said.kind == "success" and said.text == "**Right.** Because."
    right, said = lesson.judge(question, lesson.Answer(("b", "c"), "Because."), "a")
    assert right is False and said.kind == "warning" and "“second” or “third”" in said.text
    right, said = lesson.judge(question, lesson.Answer((), "No one knows."), "a")
    assert right is None and said.kind == "info"


@pytest.mark.parametrize("data, right", [(DATA, "up to 1000"), (ROUND, "more")])
def test_guessing_answer_bins_the_expected_count_over_descents_steps(data, right):
    view = lesson.guessing(data)
    c = lrcore.theory.curvature(data)
    half = view.box
    assert half == (max(1.5 * abs(-2.0 - c.minimizer[0]), 0.5), max(1.5 * abs(8.0 - c.minimizer[1]), 0.5))
    ellipse = 2 * math.pi * view.target / math.sqrt(c.lambda_min * c.lambda_max)
    assert view.expected == pytest.approx(4 * half[0] * half[1] / ellipse, rel=1e-9)  # a second method
    traj = lrcore.run(data, c.lr_optimal, steps=lesson.GUESS_STEPS, start=lesson.GUESS_START)
    assert view.steps == int(traj.steps_to(c.min_loss + view.target)[0])
    assert lesson.guessing_answer(view).right == (right,)
    assert math.isfinite(view.decade) and view.decade >= 0
    race = view.race
    assert set(race["run"]) == {"gradient descent", "random guessing"} and (race["gap"] > 0).all()


def test_guessing_answer_when_descent_never_gets_there():
    view = lesson.GuessingView(pd.DataFrame(), target=1e-3, expected=400.0, steps=None, lr=1e-8, guesses=1000,
                               hit=None, box=(1.0, 1.0), condition=1.45e7)
    answer = lesson.guessing_answer(view)
    assert answer.right == ("fewer",) and "guessing wins" in answer.why and "standardizing" in answer.why
    assert "condition number λmax/λmin is 1.45e7" in answer.why
    far = lrcore.make_data(x_min=9990.0, x_max=10000.0)  # x far from 0: a valley descent crawls along
    view = lesson.guessing(far)
    assert view.steps is None and lesson.guessing_answer(view).right == ("fewer",)
    assert view.condition == pytest.approx(lrcore.theory.curvature(far).condition_number)
    hopeless = lesson.guessing_answer(lesson.GuessingView(pd.DataFrame(), 1e-3, 1e9, None, 1e-8, 1000, None,
                                                          (1.0, 1.0)))
    assert hopeless.right == ()  # neither got there: these numbers cannot say which is faster


def test_slope_answer_reads_the_sign_of_the_first_step():
    rows = lambda grad: pd.DataFrame({"run": "constant", "step": [0, 1], "p": [0.0, 0.1], "loss": [2.0, 1.0],  # noqa: E731
                                      "grad": [grad, grad / 2], "lr": [0.1, 0.1], "update": [-0.1 * grad, np.nan]})
    assert lesson.slope_answer(rows(-3.0)).right == ("up",)
    assert lesson.slope_answer(rows(3.0)).right == ("down",)
    assert lesson.slope_answer(rows(0.0)).right == ("stays",)
    s = lrcore.slices.along(DATA, "w", 0.0, lrcore.losses.get("mse"))
    x = np.asarray(DATA.x)
    assert lesson.slope_rate(s) == pytest.approx(lesson.SLOPE_SHARE / (2 * np.mean(x * x)), rel=1e-12)


@pytest.mark.parametrize("lam, right", [(0.5, "short"), (1.0, "on"), (1.5, "closer"), (2.0, "as far"),
                                        (3.0, "farther")])
def test_overshoot_answer_lands_where_one_minus_lambda_says(lam, right):
    data = lrcore.Dataset([-1.0, 1.0], [0.0, 0.0])  # Hessian 2*I: λ = 2 in both directions
    c = lrcore.theory.curvature(data)
    scaled = lam / c.lambda_max  # the same regime as lr = 1 on a bowl whose λmax is lam
    factors = (1 - scaled * c.lambda_min, 1 - scaled * c.lambda_max)
    assert lesson.landing(c.regimes(scaled)[1], factors[1]) == right
    answer = lesson.overshoot_answer(c, (0.0, 1 - lam), c.regimes(scaled))
    assert answer.right == (right,)


def test_direction_steps_counts_each_direction_or_says_never():
    c = lrcore.theory.curvature(DATA)
    said = fit.direction_steps(c, c.lr_optimal)
    flat = math.ceil(math.log(1e-3) / math.log(abs(1 - c.lr_optimal * c.lambda_min)))
    assert f"flat direction's error shrinks 1,000× in {flat:,} steps" in said
    assert "steep direction's never shrinks: it grows" in fit.direction_steps(c, 1.0)
    round_bowl = lrcore.theory.curvature(ROUND)
    assert fit.direction_steps(round_bowl, 0.25) == "At lr = 0.25 the error shrinks 1,000× in 10 steps."  # 0.5**10
    assert fit.direction_steps(round_bowl, 1.0) == "At lr = 1 the error never shrinks: it keeps its size."


def test_race_answer_ties_runs_that_reach_the_minimum_to_rounding():
    view = home.build(ROUND)
    c = lrcore.theory.curvature(ROUND)
    answer = lesson.race_answer(c, home.MULTIPLES, view.ends, view.diverged, home.STEPS, view.start_gap)
    assert set(answer.right) == {"0.1", "1.0", "1.9"} and "to rounding" in answer.why
    view = home.build(DATA)
    c = lrcore.theory.curvature(DATA)
    answer = lesson.race_answer(c, home.MULTIPLES, view.ends, view.diverged, home.STEPS, view.start_gap)
    assert answer.right == ("1.9",) and f"diverged at step {view.diverged[-1]}" in answer.why
    question = lesson.race_question(c, home.MULTIPLES, home.STEPS)
    assert [key for key, _ in question.choices] == [str(m) for m in home.MULTIPLES]


def test_decay_question_and_answer_follow_the_numbers():
    c = lrcore.theory.curvature(DATA)
    assert lesson.decay_rate(c) == pytest.approx(0.74 * 2 / c.lambda_max)
    assert lesson.decay_end() == 0.01
    assert "last 100 steps" in lesson.decay_question(DATA, c).text
    full = [summary(1e-9), summary(1e-3)]
    assert lesson.decay_answer([], [summary(0.9), summary(0.002)], full).right == ("decay",)
    settled = lesson.decay_answer([], [summary(3e-9), summary(0.002)], full)
    assert settled.right == ("constant",) and "the points lie on a line" in settled.why
    slow = lesson.decay_answer([], [summary(0.01), summary(0.5)], full)
    assert slow.right == ("constant",) and "shrank before it got there" in slow.why
    assert lesson.decay_answer([], [summary(0.01), summary(0.015)], full).right == ("same",)
    assert lesson.decay_answer([], [summary(math.nan, diverged_at=5), summary(0.2)], full).right == ("decay",)


@pytest.mark.parametrize("ratio, right", [(0.1, "below"), (0.49, "below"), (1.0, "near"), (1.99, "near"),
                                          (2.5, "above")])
def test_choose_answer_compares_the_range_test_with_the_theory(ratio, right):
    c = lrcore.theory.curvature(DATA)
    assert lesson.choose_answer(c, ratio * c.lr_optimal, 1e-7).right == (right,)
    assert lesson.choose_answer(c, math.nan, 1e-7).right == ()
    said = lesson.choose_question(c, 1e-7, 10.0, 100).text
    assert f"{c.lr_optimal:.4g}" in said and "100 steps, its rate growing from 1e-7 to 10" in said


def test_the_data_page_says_each_directions_steps_even_when_the_run_diverges():
    c = lrcore.theory.curvature(DATA)
    diverged = fit.build(DATA, 1.0, 20, 0.0, 0.0).verdict.text
    assert diverged.startswith("**Diverged at step") and fit.direction_steps(c, 1.0) in diverged
    at_edge = fit.build(DATA, c.lr_max_stable, 50, 0.0, 0.0).verdict.text
    said = fit.direction_steps(c, c.lr_max_stable)
    assert "steep direction's never shrinks: it keeps its size" in said and said in at_edge


def test_decay_and_choose_say_where_the_numbers_do_not_settle_or_the_range_misses():
    full = [summary(1e-9), summary(1e-3)]
    said = lesson.decay_answer([], [summary(0.9), summary(0.002)], full).why
    assert "needs no decay: it ends as close as the decaying one, or closer" in said
    slow = [summary(0.05), summary(0.02)]  # full batch: the constant rate still crawls along the flat direction
    said = lesson.decay_answer([], [summary(0.9), summary(0.002)], slow).why
    assert "the decaying rate ends closer too in 1,000 steps" in said and "at the flat direction's pace" in said
    far = lrcore.make_data(x_min=9990.0, x_max=10000.0)  # its edge, 1e-8, lies below the range test's 1e-7
    c = lrcore.theory.curvature(far)
    valley = lrcore.lr_range_test(far).suggestions["valley"]
    said = lesson.choose_answer(c, valley, 1e-7).why
    assert valley == pytest.approx(1e-7) and "first rate of its range" in said and "it would diverge" in said
    assert "first rate" not in lesson.choose_answer(lrcore.theory.curvature(DATA), 0.003, 1e-7).why
