"""The small helpers of the views (ui/views) and the sentences they write.

Every number a sentence states is checked against the same number found a
second way: numpy's eigen-decomposition of the MSE's Hessian, np.linalg.lstsq,
published formulas, or lrcore.run itself; and every verdict is checked to
change when the numbers cross the line it draws.
"""

import math
import re

import numpy as np
import pandas as pd
import pytest

import lrcore
from conftest import lstsq_line
from ui import state
from ui.views import common, contour, finder, fit, home, loss_slice

DATA = lrcore.make_data(n=50)
ROUND = lrcore.standardize(DATA)  # x with mean 0 and variance 1: the Hessian is 2·I
#: The app's name for plain gradient descent (the finder's default optimizer).
PLAIN = state.FINDER["finder_opt"].default
NUMBER = r"(-?[0-9][0-9,]*(?:\.[0-9]+)?(?:e-?[0-9]+)?|inf)"


def stated(text: str, pattern: str) -> float:
    """The number ``pattern`` (a regex with one group) finds in ``text``."""
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return float(found.group(1).replace(",", ""))


def bowl(data):
    """The MSE's Hessian 2·[[mean x², mean x], [mean x, 1]] decomposed by numpy:
    eigenvalues ascending (flat, steep) and their eigenvectors as columns."""
    x = np.asarray(data.x, dtype=float)
    hessian = 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    values, vectors = np.linalg.eigh(hessian)
    return values, vectors


def errors_along(data, w, b):
    """(steps+1, 2): the error (w − w*, b − b*) along the flat and the steep
    eigenvector, w* and b* by lstsq (signs up to the eigenvectors' convention)."""
    w_star, b_star = lstsq_line(data)
    _, vectors = bowl(data)
    return np.column_stack([np.asarray(w) - w_star, np.asarray(b) - b_star]) @ vectors


def mse(data, w, b) -> float:
    return float(np.mean((w * np.asarray(data.x) + b - np.asarray(data.y)) ** 2))


# --- common ----------------------------------------------------------------------------------------


def test_is_round_exactly_when_numpys_two_eigenvalues_are_equal():
    for data, equal in ((DATA, False), (ROUND, True), (lrcore.Dataset([-1.0, 1.0], [0.0, 3.0]), True),
                        (lrcore.Dataset([-1.01, 1.01], [0.0, 3.0]), False)):
        low, high = bowl(data)[0]
        assert math.isclose(low, high, rel_tol=1e-12) == equal
        assert bool(common.is_round(lrcore.theory.curvature(data))) == equal


def test_descent_rule_states_numpys_curvatures_and_the_edge():
    (low, high), _ = bowl(DATA)
    text = common.descent_rule(lrcore.theory.curvature(DATA))
    assert stated(text, rf"λmax, is {NUMBER}") == pytest.approx(high, rel=5e-4)
    assert stated(text, rf"λmin, {NUMBER}") == pytest.approx(low, rel=5e-4)
    assert stated(text, rf"2/λmax = {NUMBER}") == pytest.approx(2 / high, rel=5e-4)
    assert "steep direction's error flips sign" in text and "round" not in text
    round_text = common.descent_rule(lrcore.theory.curvature(ROUND))
    assert "it is round" in round_text and "steep direction" not in round_text
    assert stated(round_text, rf"2/λmax = {NUMBER}") == pytest.approx(1.0, rel=5e-4)  # λ = 2


def test_descent_rules_three_claims_hold_for_runs_on_either_side_of_its_rates():
    """At or below 1/λmax no direction's error changes sign; between 1/λmax and
    2/λmax the steep one flips every step and shrinks; past 2/λmax it flips and grows."""
    (_, high), _ = bowl(DATA)
    rates = [0.9 / high, 1.5 / high, 2.05 / high]
    traj = lrcore.run(DATA, rates, steps=8)  # few steps: 0.1**8 of the start is still far above rounding
    monotone, bouncing, growing = (errors_along(DATA, traj.w[k], traj.b[k]) for k in range(3))
    assert (np.sign(monotone) == np.sign(monotone[0])).all()
    for errors, grows in ((bouncing, False), (growing, True)):
        steep = errors[:, 1]
        assert (np.sign(steep[1:]) == -np.sign(steep[:-1])).all()
        assert bool((np.abs(steep[1:]) > np.abs(steep[:-1])).all()) == grows


@pytest.mark.parametrize("steps, most", [(1, 10), (10, 10), (11, 10), (500, 1000), (1000, 400), (3000, 1000),
                                         (5000, 1000), (5000, 400), (4999, 7)])
def test_odd_stride_for_is_the_smallest_odd_stride_drawing_at_most_most_steps(steps, most):
    stride = common.odd_stride_for(steps, most)
    smallest = next(s for s in range(1, steps + 2, 2) if steps / s <= most)  # a loop over odd strides
    assert stride == smallest
    # a quantity whose sign flips every step still flips between the drawn steps
    flips = (-1.0) ** np.arange(0, steps + 1, stride)
    assert (flips[1:] == -flips[:-1]).all()


# --- the contour page ------------------------------------------------------------------------------


def test_run_names_number_the_runs_and_write_their_optimizer_and_rate():
    names = contour.run_names(((0.0123456, PLAIN), (0.5, "adam"), (2e-6, "momentum")))
    assert names == [f"run 1: {state.OPTIMIZER_NAMES[PLAIN]}, lr 0.01235", "run 2: Adam, lr 0.5",
                     "run 3: momentum, lr 2e-6"]


def test_flying_away_marks_the_runs_whose_last_finite_loss_is_above_their_start():
    (_, high), _ = bowl(DATA)
    edge = 2 / high
    traj = lrcore.run(DATA, [0.5 * edge, 1.05 * edge, 3.0 * edge], steps=30)
    assert traj.diverged_at.tolist()[:2] == [-1, -1] and traj.diverged_at[2] > 0
    by_loop = []
    for row in traj.loss:
        last = [value for value in row if math.isfinite(value)][-1]
        by_loop.append(last > row[0])
    assert by_loop == [False, True, True]
    assert contour.flying_away(traj.w, traj.b, traj.loss).tolist() == by_loop
    assert contour.flying_away(traj.w, traj.b, None).tolist() == [False, False, False]


def test_eigen_strokes_run_from_the_minimum_along_numpys_eigenvectors():
    (low, high), vectors = bowl(DATA)
    box = (-1.0, 5.0, -3.0, 5.0)  # the narrower side is 6 wide: strokes of 1.5 and 0.75
    strokes = contour._eigen_strokes(lrcore.theory.curvature(DATA), "mse", box)
    w_star, b_star = lstsq_line(DATA)
    assert strokes["w"].tolist() == pytest.approx([w_star] * 2) and strokes["b"].tolist() == pytest.approx([b_star] * 2)
    along = np.column_stack([strokes["w2"] - strokes["w"], strokes["b2"] - strokes["b"]])
    assert np.hypot(*along.T).tolist() == pytest.approx([1.5, 0.75])  # the steep one half as long
    for stroke, vector in zip(along, vectors.T):
        assert abs(stroke[0] * vector[1] - stroke[1] * vector[0]) <= 1e-12  # parallel to numpy's eigenvector
    assert abs(along[0] @ along[1]) <= 1e-12  # at right angles
    flat, steep = strokes["label"]
    assert flat.startswith("flat direction of the MSE's bowl") and steep.startswith("steep direction")
    assert stated(flat, rf"λ = {NUMBER}") == pytest.approx(low, rel=5e-4)
    assert stated(steep, rf"λ = {NUMBER}") == pytest.approx(high, rel=5e-4)
    assert contour._eigen_strokes(None, "mae", box).empty  # MAE has no bowl


def test_map_sentence_says_what_the_map_draws_for_these_settings():
    c = lrcore.theory.curvature(DATA)
    (low, high), _ = bowl(DATA)
    plain = ((0.02, PLAIN),)
    words = contour.map_sentence(plain, True, c, "mse", True, 0, DATA.n)
    assert "same scale" in words and "−gradient, the direction of steepest descent" in words
    assert stated(words, rf"steep \(λmax = {NUMBER}\)") == pytest.approx(high, rel=5e-4)
    assert stated(words, rf"flat \(λmin = {NUMBER}\)") == pytest.approx(low, rel=5e-4)
    assert "Momentum" not in words and "Mini-batches" not in words and "Adam" not in words
    words = contour.map_sentence(plain, False, c, "mse", False, 4, DATA.n)
    assert "different scales" in words and "arrow" not in words and "Mini-batches of 4" in words
    assert "Mini-batches" not in contour.map_sentence(plain, True, c, "mse", True, DATA.n, DATA.n)
    # momentum's and Nesterov's own edges, by their published formulas: 2(1+β)/λmax and 2(1+β)/((1+2β)λmax)
    beta = 0.9
    edges = {"momentum": c.edge(lrcore.optimizers.sgd(momentum=beta)),
             "nesterov": c.edge(lrcore.optimizers.sgd(momentum=beta, nesterov=True))}
    words = contour.map_sentence(((0.02, "momentum"), (0.02, "nesterov")), True, c, "mse", True, 0, DATA.n, edges)
    assert stated(words, rf"momentum's {NUMBER}") == pytest.approx(2 * (1 + beta) / high, rel=5e-4)
    assert stated(words, rf"Nesterov's {NUMBER}") == pytest.approx(2 * (1 + beta) / ((1 + 2 * beta) * high), rel=5e-4)
    assert "For Adam, RMSprop and Adagrad" in contour.map_sentence(((0.1, "adam"),), True, c, "mse", True, 0, DATA.n)
    round_words = contour.map_sentence(plain, True, lrcore.theory.curvature(ROUND), "mse", True, 0, ROUND.n)
    assert "which is round" in round_words and stated(round_words, rf"λ = {NUMBER}") == pytest.approx(2.0)
    assert "MAE has no bowl" in contour.map_sentence(plain, True, None, "mae", True, 0, DATA.n)


# --- the LR finder -----------------------------------------------------------------------------------


def test_close_labels_merged_writes_close_rates_once_on_the_larger_and_keeps_every_rate():
    marks = pd.DataFrame({"label": ["b", "a", "c", "d", "e", "f"], "lr": [1.1, 1.0, 5.0, 5.0, math.nan, 5.6]})
    merged = finder.close_labels_merged(marks)
    assert merged["lr"].tolist()[:4] == [1.1, 1.0, 5.0, 5.0] and math.isnan(merged["lr"][4])
    # 1.1 is within 1.1× of 1.0; 5.0 equals 5.0; 5.6 is more than 1.1× 5.0; NaN is never merged
    assert merged["label"].tolist() == ["b ≈ a", "", "", "d = c", "e", "f"]
    chain = finder.close_labels_merged(pd.DataFrame({"label": ["x", "y", "z"], "lr": [1.0, 1.05, 1.15]}))
    assert chain["label"].tolist() == ["", "", "z ≈ y ≈ x"]
    assert marks["label"].tolist() == ["b", "a", "c", "d", "e", "f"]  # the caller's frame is left alone


def test_sweep_range_spans_1e_4_to_10_times_each_optimizers_own_edge():
    (_, high), _ = bowl(DATA)
    beta = 0.9
    for optimizer, edge in ((None, 2 / high), (lrcore.optimizers.sgd(), 2 / high),
                            (lrcore.optimizers.sgd(momentum=beta), 2 * (1 + beta) / high),
                            (lrcore.optimizers.sgd(momentum=beta, nesterov=True),
                             2 * (1 + beta) / ((1 + 2 * beta) * high))):
        low_rate, high_rate = finder.sweep_range(DATA, optimizer)
        assert low_rate == pytest.approx(1e-4 * edge, rel=1e-9) and high_rate == pytest.approx(10 * edge, rel=1e-9)
    assert finder.sweep_range(DATA, lrcore.optimizers.adam()) == finder.ADAPTIVE_RANGE


def sweep(optimizer, rates, steps, tol=1e-3):
    return lrcore.finder.stability(DATA, rates, steps=steps, optimizer=optimizer, tol=tol)


def test_stability_words_state_the_sweeps_numbers_and_its_first_diverging_rate():
    c = lrcore.theory.curvature(DATA)
    (_, high), _ = bowl(DATA)
    edge = 2 / high
    low_rate, high_rate = 1e-4 * edge, 10 * edge
    rates = np.geomspace(low_rate, high_rate, 40)  # no grid point within rounding of the edge
    found = sweep(None, rates, 200)
    words = finder.stability_words(c, opt=PLAIN, momentum=0.9, edge=edge, found=found, low=low_rate,
                                   high=high_rate, steps=200)
    assert words.startswith(f"40 rates from {common.num(low_rate)} to {common.num(high_rate)}, 200 steps each, "
                            "of plain gradient descent.")
    assert f"its last {found.window} steps" in words
    # the first rate a run of lrcore.run sees blow up or still growing, found here by running
    traj = lrcore.run(DATA, list(rates), steps=200)
    gaps = traj.loss - c.min_loss
    growing = [k for k in range(rates.size) if traj.diverged_at[k] >= 0 or np.nanmax(gaps[k, -found.window:]) > gaps[k, 0]]
    first = rates[growing[0]]
    assert stated(words, rf"The first diverging rate is {NUMBER}") == pytest.approx(first, rel=5e-4)
    ratio = stated(words, rf"{NUMBER}× the theory's edge")
    grid_step = stated(words, rf"the grid's step is {NUMBER}×")
    assert ratio == pytest.approx(first / edge, rel=5e-4) and grid_step == pytest.approx(1e5 ** (1 / 39), rel=5e-4)
    assert 1 < first / edge <= 1e5 ** (1 / 39) * (1 + 1e-9)  # the sweep finds the edge to within one grid step
    assert stated(words, rf"edge {NUMBER} \(") == pytest.approx(edge, rel=5e-4)
    assert common.descent_rule(c) in words
    calm = sweep(None, rates[rates < edge], 200)
    assert "No rate in the sweep diverged." in finder.stability_words(
        c, opt=PLAIN, momentum=0.9, edge=edge, found=calm, low=low_rate, high=high_rate, steps=200)


def test_stability_words_for_momentum_give_the_interval_where_its_error_spirals():
    """Heavy ball's error along a direction follows z² − (1 + β − lr·λ)z + β = 0: it spirals
    (complex roots) exactly between the two rates the sentence names."""
    c = lrcore.theory.curvature(DATA)
    (_, high), _ = bowl(DATA)
    beta = 0.64
    optimizer = lrcore.optimizers.sgd(momentum=beta)
    edge = 2 * (1 + beta) / high
    found = sweep(optimizer, np.geomspace(1e-4 * edge, 10 * edge, 20), 60)
    words = finder.stability_words(c, opt="momentum", momentum=beta, edge=edge, found=found, low=1e-4 * edge,
                                   high=10 * edge, steps=60)
    lo, hi = stated(words, rf"when {NUMBER} < lr·λ"), stated(words, rf"lr·λ < {NUMBER}\.")
    assert (lo, hi) == pytest.approx(((1 - 0.8) ** 2, (1 + 0.8) ** 2), rel=5e-3)

    def spirals(product):
        return bool(np.iscomplex(np.roots([1.0, -(1 + beta - product), beta])).any())

    assert not spirals(0.9 * lo) and spirals(1.1 * lo) and spirals(0.99 * hi) and not spirals(1.01 * hi)
    assert stated(words, rf"below lr = {NUMBER}") == pytest.approx(lo / high, rel=5e-3)
    assert stated(words, rf"from there to {NUMBER} it spirals") == pytest.approx(hi / high, rel=5e-3)
    assert stated(words, rf"2\(1\+β\)/λmax = {NUMBER}") == pytest.approx(edge, rel=5e-4)
    none = finder.stability_words(c, opt="momentum", momentum=0.0, edge=2 / high, found=found, low=1e-4 * edge,
                                  high=10 * edge, steps=60)
    assert "With β = 0 momentum is plain gradient descent." in none and "spirals" not in none


def test_stability_words_for_adam_count_the_rates_that_reached_the_tolerance():
    c = lrcore.theory.curvature(DATA)
    rates = np.geomspace(*finder.ADAPTIVE_RANGE, 12)
    found = sweep(lrcore.optimizers.adam(), rates, 100, tol=1e-2)
    words = finder.stability_words(c, opt="adam", momentum=0.9, edge=None, found=found, low=rates[0], high=rates[-1],
                                   steps=100)
    # by running: the rates whose gap fell to 1e-2 of the start's at some step
    traj = lrcore.run(DATA, list(rates), steps=100, optimizer=lrcore.optimizers.adam())
    gaps = traj.loss - c.min_loss
    with np.errstate(invalid="ignore"):
        reached = [rate for rate, row in zip(rates, gaps) if (row <= 1e-2 * row[0]).any()]
    assert reached, "the sweep should hold rates that arrive"
    assert f"{len(reached)} of the 12 rates reached the tolerance, from {common.num(min(reached))} to " \
           f"{common.num(max(reached))}" in words
    assert "Adam has no edge" in words and "the theory's edge" not in words
    if found.first_diverging is not None:
        assert stated(words, rf"The first diverging rate is {NUMBER}\.") == pytest.approx(found.first_diverging,
                                                                                          rel=5e-4)


def first_step_within(data, lr, shrink, steps=5_000):
    """By running: the first step of plain gradient descent from (0, 0) whose loss gap is
    at most ``shrink`` of the start's (inf if none in ``steps``)."""
    min_loss = mse(data, *lstsq_line(data))
    gaps = lrcore.run(data, lr, steps=steps).loss[0] - min_loss
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(gaps <= shrink * gaps[0])
    return int(hit[0]) if hit.size else math.inf


def recorded(lrs, smoothed, suggestions):
    """A range test that recorded ``smoothed`` at ``lrs``, every record read by its suggestions."""
    return lrcore.finder.RangeTest(lrs=lrs, losses=smoothed, smoothed=smoothed, stopped_at=-1, stop_reason="completed",
                                   suggestions=suggestions, reason="", window=(0, lrs.size))


def test_range_test_words_state_where_each_suggestion_sits_against_the_edge():
    c = lrcore.theory.curvature(DATA)
    (low, high), _ = bowl(DATA)
    edge, optimal = 2 / high, 2 / (low + high)
    lrs = np.geomspace(1e-5, 1.0, 60)
    smoothed = np.abs(np.log(lrs / (3 * edge))) + 1.0  # lowest at the grid point nearest 3× the edge
    lowest = float(lrs[np.argmin(smoothed)])
    found = {"valley": 0.4 * edge, "steep": 0.7 * optimal, "minimum": lowest / 10}
    steps_at = {key: first_step_within(DATA, rate, finder.SHRINK) for key, rate in found.items()}
    fastest = finder.fastest_rate(c, (0.0, 0.0), finder.SHRINK, count_rates=300)
    optimal_steps = first_step_within(DATA, optimal, finder.SHRINK)
    words = finder.range_test_words(c, recorded(lrs, smoothed, found), steps_at, optimal_steps, fastest)
    minimum_line, steep_line, valley_line, _, known = words.split("\n")
    assert stated(minimum_line, rf"lowest at lr = {NUMBER}") == pytest.approx(lowest, rel=5e-3)
    assert stated(minimum_line, rf"lr = [^,]+, {NUMBER}× the edge") == pytest.approx(lowest / edge, rel=5e-3)
    assert "(above it)" in minimum_line
    assert stated(minimum_line, rf"A tenth of it is {NUMBER}") == pytest.approx(lowest / 10, rel=5e-3)
    assert stated(steep_line, rf"{NUMBER}× the worst-case optimal rate") == pytest.approx(0.7, rel=5e-3)
    assert stated(valley_line, rf"{NUMBER}× the edge") == pytest.approx(0.4, rel=5e-3)
    for key, line in (("minimum", minimum_line), ("steep", steep_line), ("valley", valley_line)):
        assert f"needs {common.count(steps_at[key])} steps to shrink the loss gap 10,000×" in line
    assert stated(known, rf"below the edge 2/λmax = {NUMBER}") == pytest.approx(edge, rel=5e-4)
    rate, steps = fastest
    assert f"is lr = {common.num(rate)}, in {common.count(steps)} steps" in known
    assert first_step_within(DATA, rate, finder.SHRINK) == steps  # the stated rate does take the stated steps
    assert stated(known, rf"2/\(λmin \+ λmax\) = {NUMBER}") == pytest.approx(optimal, rel=5e-4)
    assert known.endswith(f"takes {common.count(optimal_steps)}.")
    # the verdicts follow the numbers: a lowest loss below the edge, a suggestion past it, none found
    below = np.abs(np.log(lrs / (0.5 * edge))) + 1.0
    past = {"valley": 1.5 * edge, "steep": math.nan, "minimum": float(lrs[np.argmin(below)]) / 10}
    steps_past = {"valley": math.inf, "steep": math.inf, "minimum": first_step_within(DATA, past["minimum"], 1e-4)}
    words = finder.range_test_words(c, recorded(lrs, below, past), steps_past, optimal_steps, fastest)
    assert "(below it)" in words and "**steep**" not in words
    valley_line = next(line for line in words.split("\n") if line.startswith("- **valley**"))
    assert "It is at or past the edge: a run at it would not converge." in valley_line
    assert lrcore.run(DATA, past["valley"], steps=100).diverged_at[0] >= 0  # and a run at it does blow up


def test_the_minimum_suggestion_is_a_tenth_of_the_rate_the_sentence_names():
    """At the page's defaults the smoothed loss is lowest within the last five records, which
    fastai's window leaves out: the sentence names the lowest of the records it reads."""
    found = lrcore.lr_range_test(DATA)  # the LR finder page's defaults
    line = finder.range_test_view(DATA, found).words.split("\n")[0]
    lowest = stated(line, rf"lowest at lr = {NUMBER}")
    start, stop = found.window
    smoothed = np.asarray(found.smoothed)[start:stop]
    assert lowest == pytest.approx(float(np.asarray(found.lrs)[start:stop][np.argmin(smoothed)]), rel=5e-3)
    assert np.argmin(np.asarray(found.smoothed)) >= stop  # the case: the lowest of all lies in the records left out
    assert stated(line, rf"A tenth of it is {NUMBER}") == pytest.approx(lowest / 10, rel=5e-3)


# --- the Data page ---------------------------------------------------------------------------------------


def test_direction_names_give_numpys_curvature_of_each_direction():
    (low, high), _ = bowl(DATA)
    flat, steep = fit.direction_names(lrcore.theory.curvature(DATA))
    assert flat.startswith("flat direction") and steep.startswith("steep direction")
    assert stated(flat, rf"λmin = {NUMBER}") == pytest.approx(low, rel=5e-3)
    assert stated(steep, rf"λmax = {NUMBER}") == pytest.approx(high, rel=5e-3)
    one, other = fit.direction_names(lrcore.theory.curvature(ROUND))
    assert one == "one direction (λ = 2)" and other == "the other direction (λ = 2)"


def test_bowl_words_give_the_condition_number_and_call_a_stretched_bowl_a_valley():
    (low, high), _ = bowl(DATA)
    words = fit.bowl_words(lrcore.theory.curvature(DATA))
    assert stated(words, rf"λmax/λmin = {NUMBER}") == pytest.approx(high / low, rel=5e-3)
    assert high / low >= 10 and "long narrow valley, which standardizing x rounds out" in words
    # x spread evenly over [-1, 1]: mean x² = 0.34, so the condition number is about 3: no valley
    wide = lrcore.make_data(n=50, x_min=-1.0, x_max=1.0)
    (low, high), _ = bowl(wide)
    words = fit.bowl_words(lrcore.theory.curvature(wide))
    assert stated(words, rf"λmax/λmin = {NUMBER}") == pytest.approx(high / low, rel=5e-3)
    assert high / low < 10 and "valley" not in words
    words = fit.bowl_words(lrcore.theory.curvature(ROUND))
    assert words.endswith("One rate suits w and b alike.") and "condition number" not in words


def test_first_sign_change_is_the_first_step_on_the_other_side():
    assert fit._first_sign_change(np.array([3.0, 2.0, 0.0, -1.0, 2.0])) == 3  # 0 is on neither side
    assert fit._first_sign_change(np.array([-3.0, -1.0, 2.0])) == 2
    assert fit._first_sign_change(np.array([3.0, 2.0, 1.0])) is None
    assert fit._first_sign_change(np.array([0.0, 2.0, -1.0])) is None  # a start at 0 has no side
    assert fit._first_sign_change(np.array([5.0])) is None
    # on a run at 0.1/λmax from (0, 0), w passes its best value though no direction's error changes sign
    (_, high), _ = bowl(DATA)
    traj = lrcore.run(DATA, 0.1 / high, steps=300)
    error = traj.w[0] - lstsq_line(DATA)[0]
    by_loop = next(t for t in range(1, error.size) if error[t] * error[0] < 0)
    assert fit._first_sign_change(error) == by_loop


def test_direction_words_say_what_one_step_does_to_an_error_along_the_steep_direction():
    """From the minimum plus the steep eigenvector, one step of lrcore.run leaves the
    error the direction words describe: factor 1 − lr·λmax times the start's."""
    (_, high), vectors = bowl(DATA)
    w_star, b_star = lstsq_line(DATA)
    start = (w_star + vectors[0, 1], b_star + vectors[1, 1])
    for multiple, regime, words in ((0.25, "monotone", "keeps its sign and is multiplied by 0.75 per step"),
                                    (1.0, "monotone", "vanishes in one step"),
                                    (1.5, "oscillating", "flips sign every step and shrinks to 0.5 of its size"),
                                    (2.0, "edge", "flips sign every step and keeps its size"),
                                    (2.5, "diverging", "flips sign every step and grows 1.5-fold")):
        factor = 1 - multiple
        assert fit.direction_words(regime, factor) == words
        traj = lrcore.run(DATA, multiple / high, steps=1, start=start)
        flat, steep = errors_along(DATA, traj.w[0], traj.b[0]).T
        assert steep[1] == pytest.approx(factor * steep[0], abs=1e-6) and abs(flat[1]) <= 1e-6


# --- the home page -----------------------------------------------------------------------------------------


def test_run_name_writes_the_multiple_the_regime_and_where_it_diverged():
    assert home.run_name(0.1, "monotone", -1, True) == "0.1/λmax: crawls: no direction bounces"
    assert home.run_name(1.0, "monotone", -1, False) == "1/λmax: no direction bounces"
    assert home.run_name(1.9, "oscillating", -1, False) == "1.9/λmax: the steep direction bounces and shrinks"
    assert home.run_name(2.0, "edge", -1, False) == "2/λmax: the steep direction bounces forever"
    assert home.run_name(2.1, "diverging", 37, False) == "2.1/λmax: the steep direction bounces and grows, " \
                                                         "diverges at step 37"
    assert "crawls" not in home.run_name(0.1, "monotone", 5, True)  # a run that blew up does not crawl


# --- the loss-slice page ------------------------------------------------------------------------------------


def mae_slice_run(lr, steps, start=-4.0):
    s = lrcore.slices.along(DATA, "b", lstsq_line(DATA)[0], "mae")
    traj = lrcore.slices.run_slice(DATA, lr, param="b", held=s.held, start=start, steps=steps, loss="mae")
    return s, traj.b[0]


def test_progress_words_say_where_an_mae_run_has_got_to():
    s, p = mae_slice_run(0.5, 40)
    error = p - s.minimizer
    first = next(t for t in range(1, p.size) if error[t] * error[0] < 0)
    tail = round(0.2 * (p.size - 1))
    words = loss_slice.progress_words(s, p)
    assert f"It first passed the minimum at step {first:,}" in words
    assert f"over its last {tail} steps it moved across {common.num(float(p[-tail:].max() - p[-tail:].min()))}" in words
    s, p = mae_slice_run(0.01, 40)  # 40 steps of at most 0.01 cannot cover the distance
    assert np.all((p - s.minimizer) * (p[0] - s.minimizer) > 0)
    words = loss_slice.progress_words(s, p)
    assert words == (f" After 40 steps it has not reached the minimum yet: it is {common.num(abs(p[-1] - s.minimizer))} "
                     f"away (it started {common.num(abs(p[0] - s.minimizer))} away).")
    assert loss_slice.progress_words(lrcore.slices.along(DATA, "b", 2.0), p) == ""  # a parabola says nothing here
    assert loss_slice.progress_words(s, p[:1]) == ""


def test_constant_verdict_states_the_slices_curvature_and_rates():
    x = np.asarray(DATA.x)
    curvature = 2 * np.mean(x * x)  # along w, b held
    s = lrcore.slices.along(DATA, "w", 1.0)
    for multiple, kind in ((0.5, "success"), (1.0, "success"), (1.5, "info"), (2.5, "error")):
        lr = multiple / curvature
        regime = lrcore.slices.regime(s, lr)
        said = loss_slice.constant_verdict(s, regime, lr, -1, False, np.array([0.0]))
        assert said.kind == kind and f"**Regime: {regime.name}.**" in said.text
        assert stated(said.text, rf"L'' = {NUMBER}") == pytest.approx(curvature, rel=5e-4)
        assert stated(said.text, rf"1/L'' = {NUMBER}") == pytest.approx(1 / curvature, rel=5e-4)
        assert stated(said.text, rf"2/L'' = {NUMBER}") == pytest.approx(2 / curvature, rel=5e-4)
        assert stated(said.text, rf"1 − lr·L'' = {NUMBER}") == pytest.approx(1 - multiple, abs=5e-4)
    said = loss_slice.constant_verdict(s, lrcore.slices.regime(s, 3 / curvature), 3 / curvature, 12, True, x[:1])
    assert "It diverged at step 12." in said.text and "landed off the chart (more than 20 times" in said.text
    mae = lrcore.slices.along(DATA, "b", 2.0, "mae")
    said = loss_slice.constant_verdict(mae, lrcore.slices.regime(mae, 0.1), 0.1, -1, False, np.array([0.0, 0.1]))
    assert "no curvature at its minimum" in said.text and "L'' = " not in said.text


@pytest.mark.parametrize("param", ["b", "w"])
def test_with_no_learning_rate_the_verdict_says_where_one_step_lands(param):
    w_star, b_star = lstsq_line(DATA)
    s = lrcore.slices.along(DATA, param, b_star if param == "w" else w_star)
    start = s.minimizer + 3.0
    traj = lrcore.slices.run_slice(DATA, 1.0, param=param, held=s.held, start=start, steps=1)
    landed = (traj.w if param == "w" else traj.b)[0, 1] - s.minimizer
    said = loss_slice.constant_verdict(s, lrcore.slices.regime(s, 1.0), 1.0, -1, False, np.array([start]))
    assert landed < 0  # it jumped past the minimum
    if param == "b":  # L'' = 2: lands as far on the other side
        assert landed == pytest.approx(-3.0) and "exactly as far on the other side as it started" in said.text
    else:
        assert stated(said.text, rf"lands {NUMBER}× as far") == pytest.approx(-landed / 3.0, rel=5e-3)


def test_joint_note_gives_the_2d_edge_and_what_the_rate_does_with_w_and_b_together():
    (_, high), _ = bowl(DATA)
    s = lrcore.slices.along(DATA, "b", 2.0)
    for multiple, what in ((0.5, "converges without a bounce"), (1.5, "converges, bouncing along the steep direction"),
                           (2.2, "diverges")):
        note = loss_slice.joint_note(DATA, s, multiple / high)
        assert stated(note, rf"2/λmax = {NUMBER}") == pytest.approx(2 / high, rel=5e-4)
        assert note.endswith(f"gradient descent on both {what} there.") and "along b alone, with w held" in note
        traj = lrcore.run(DATA, multiple / high, steps=200)
        gaps = traj.loss[0] - mse(DATA, *lstsq_line(DATA))
        steep = errors_along(DATA, traj.w[0, :20], traj.b[0, :20])[:, 1]
        flips = bool((np.sign(steep[1:]) == -np.sign(steep[:-1])).all())
        blew_up = traj.diverged_at[0] >= 0 or gaps[-1] > gaps[0]
        assert (flips, blew_up) == {0.5: (False, False), 1.5: (True, False), 2.2: (True, True)}[multiple]
    round_note = loss_slice.joint_note(ROUND, lrcore.slices.along(ROUND, "w", 0.0), 0.3)
    assert "the bowl is round, λ = 2 in every direction" in round_note and "steep" not in round_note
    assert "along w alone, with b held" in round_note
    assert loss_slice.joint_note(DATA, lrcore.slices.along(DATA, "b", 2.0, "mae"), 0.1) == ""


def test_spread_is_how_far_the_last_fifth_of_the_steps_ranges():
    group = pd.DataFrame({"p": [9.0, 5.0, 1.0, 2.5, 1.5, 2.0]})
    assert loss_slice._spread(group, 10) == pytest.approx(0.5)  # the last 2 positions: 1.5 and 2.0
    assert loss_slice._spread(group, 20) == pytest.approx(1.5)  # the last 4: 1.0 ... 2.5
    assert loss_slice._spread(group, 1) == 0.0  # at least one step
    assert math.isnan(loss_slice._spread(pd.DataFrame({"p": []}), 10))


def slice_view(decay, decay_rate, lr, steps, loss="mse", start=-4.0):
    w_star, _ = lstsq_line(DATA)
    s = lrcore.slices.along(DATA, "b", w_star, loss)
    return s, loss_slice.build(DATA, s, start=start, lr=lr, steps=steps, decay=decay, decay_rate=decay_rate)


def test_decay_words_add_up_the_rates_and_call_a_decay_too_fast_to_arrive():
    lr, per_step, steps = 0.05, 0.3, 60
    s, view = slice_view("exponential", per_step, lr, steps)
    said = loss_slice.decay_words(DATA, s, view.runs, start=-4.0, lr=lr, steps=steps, kind="exponential",
                                  per_step=per_step, diverged=view.diverged_at)
    rates = [lr * (1 - per_step) ** t for t in range(steps)]  # the published exponential decay, step by step
    assert stated(said.text, rf"Its rates add up to {NUMBER} over these steps") == pytest.approx(sum(rates), rel=5e-3)
    assert stated(said.text, rf"could never pass {NUMBER}") == pytest.approx(lr / per_step, rel=5e-3)
    # on the parabola L'' = 2 the distance left is the product of |1 − 2·lr_t|, over a long loop
    left = math.prod(abs(1 - 2 * lr * (1 - per_step) ** t) for t in range(10_000))
    assert left > loss_slice.SETTLED and said.kind == "warning" and "can never reach the minimum" in said.text
    assert stated(said.text, rf"leaves at least {NUMBER} of the start's distance") == pytest.approx(left, rel=5e-3)
    ended = abs(view.runs.loc[view.runs["run"] != loss_slice.CONSTANT, "p"].iloc[-1] - s.minimizer)
    assert stated(said.text, rf"It ended {NUMBER} away") == pytest.approx(ended, rel=5e-3)
    # at the edge 2/L'' = 1 the constant rate bounces forever; inverse time, whose rates add up without
    # limit, brings the rate below the edge and settles
    s, view = slice_view("inverse time", 0.05, 1.0, 200)
    said = loss_slice.decay_words(DATA, s, view.runs, start=-4.0, lr=1.0, steps=200, kind="inverse time",
                                  per_step=0.05, diverged=view.diverged_at)
    constant = view.runs.loc[view.runs["run"] == loss_slice.CONSTANT, "p"].to_numpy()
    assert abs(constant[-1] - s.minimizer) == pytest.approx(abs(-4.0 - s.minimizer), rel=1e-9)  # as far as it started
    assert said.kind == "success" and said.text.startswith("The inverse time decay settled")
    assert "and without limit as the steps go on" in said.text and "can never reach" not in said.text
    rates = [1.0 / (1 + 0.05 * t) for t in range(200)]  # the published inverse time decay
    assert stated(said.text, rf"Its rates add up to {NUMBER} over these steps") == pytest.approx(sum(rates), rel=5e-3)


def test_decay_words_on_the_mae_compare_the_longest_reach_with_the_distance():
    lr, per_step, steps = 0.05, 0.2, 50
    s, view = slice_view("exponential", per_step, lr, steps, loss="mae")
    said = loss_slice.decay_words(DATA, s, view.runs, start=-4.0, lr=lr, steps=steps, kind="exponential",
                                  per_step=per_step, diverged=view.diverged_at)
    distance = abs(-4.0 - s.minimizer)
    reach = lr / per_step * 1.0  # along b the MAE's slope is at most 1 in size
    assert reach < distance and said.kind == "warning"
    assert stated(said.text, rf"carry it at most [^=]+= {NUMBER}") == pytest.approx(reach, rel=5e-3)
    assert stated(said.text, rf"less than the {NUMBER} from the start") == pytest.approx(distance, rel=5e-3)
