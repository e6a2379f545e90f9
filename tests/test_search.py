"""lrcore.search: random guesses against a per-point loop, the expected count
against a dense grid and against 400 seeded searches, and the lesson's
numbers: guessing against gradient descent."""

import math

import numpy as np
import pytest

import lrcore
from lrcore import losses, search
from conftest import DATASETS

BOWL = lrcore.Dataset([-1.0, 1.0], [-1.0, 3.0])  # L = (w - 2)**2 + (b - 1)**2, H = 2I


def default_search(**overrides):
    args = dict(guesses=500, center=(1.0, -2.0), half_width=(3.0, 0.5), seed=7)
    args.update(overrides)
    return search.random_search(lrcore.make_data(), **args)


# --- the draws -----------------------------------------------------------------------


def test_same_seed_gives_the_same_search():
    first, again = default_search(), default_search()
    for field in ("w", "b", "loss", "best_so_far"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    assert (first.best_index, first.best) == (again.best_index, again.best)


def test_different_seeds_give_different_points():
    points = [default_search(seed=seed) for seed in range(5)]
    for i in range(5):
        for j in range(i + 1, 5):
            assert not np.array_equal(points[i].w, points[j].w)
            assert not np.array_equal(points[i].b, points[j].b)


def test_a_longer_search_extends_a_shorter_one():
    short, long = default_search(guesses=10), default_search(guesses=1000)
    np.testing.assert_array_equal(short.w, long.w[:10])
    np.testing.assert_array_equal(short.b, long.b[:10])


def test_points_fill_the_box_and_stay_inside_it():
    s = default_search(guesses=20_000)
    assert s.w.shape == s.b.shape == s.loss.shape == s.best_so_far.shape == (20_000,)
    assert s.w.min() >= 1.0 - 3.0 and s.w.max() <= 1.0 + 3.0
    assert s.b.min() >= -2.0 - 0.5 and s.b.max() <= -2.0 + 0.5
    # uniform: close to the edges, each quarter of the box holds about a quarter
    assert s.w.min() < -2.0 + 0.01 and s.w.max() > 4.0 - 0.01
    quarter = np.mean((s.w < 1.0) & (s.b < -2.0))
    assert quarter == pytest.approx(0.25, abs=4 * math.sqrt(0.25 * 0.75 / 20_000))


def test_a_huge_box_stays_inside_and_finite():
    s = search.random_search(BOWL, guesses=1000, center=(1e300, -1e300), half_width=(1e300, 5e299))
    assert np.all((s.w >= 0.0) & (s.w <= 2e300))
    assert np.all((s.b >= -1.5e300) & (s.b <= -5e299))
    assert np.all(np.isinf(s.loss))  # an overflowing loss is inf, without a warning


# --- the losses ----------------------------------------------------------------------


@pytest.mark.parametrize("loss, params", [("mse", {}), ("mae", {}), ("huber", {"delta": 0.5})])
def test_loss_equals_a_per_point_evaluation(loss, params):
    data = lrcore.make_data(n=40, outliers=0.1, seed=3)
    fn = losses.get(loss, **params)
    s = search.random_search(data, guesses=200, center=(2.0, 1.0), half_width=(4.0, 4.0), loss=fn, seed=2)
    for i in range(s.w.size):
        residual = s.w[i] * data.x + s.b[i] - data.y
        if loss == "mse":
            expected = np.mean(residual**2)
        elif loss == "mae":
            expected = np.mean(np.abs(residual))
        else:
            a = np.abs(residual)
            expected = np.mean(np.where(a <= 0.5, 0.5 * residual**2, 0.5 * (a - 0.25)))
        assert s.loss[i] == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_chunks_give_the_one_call_answer(loss):
    data = lrcore.make_data(n=20, seed=1)
    s = search.random_search(data, guesses=250_001, center=(0.0, 0.0), half_width=(5.0, 5.0), loss=loss)
    np.testing.assert_allclose(s.loss, losses.get(loss).value(data, s.w, s.b), rtol=1e-12)


# --- best so far and evaluations_to -----------------------------------------------------


def test_best_so_far_is_the_running_minimum():
    s = default_search(guesses=300)
    naive, best = [], math.inf
    for value in s.loss:
        best = min(best, value)
        naive.append(best)
    np.testing.assert_array_equal(s.best_so_far, naive)
    assert np.all(np.diff(s.best_so_far) <= 0)


def test_best_and_best_index_agree():
    s = default_search(guesses=300)
    assert s.best_index == int(np.argmin(s.loss))
    assert s.best == (float(s.w[s.best_index]), float(s.b[s.best_index]))
    assert s.loss[s.best_index] == s.best_so_far[-1] == s.loss.min()
    assert all(isinstance(value, float) for value in s.best)
    assert isinstance(s.best_index, int)


def test_arrays_are_read_only_and_inputs_untouched():
    center, half_width = [1.0, -2.0], [3.0, 0.5]
    s = default_search(center=center, half_width=half_width)
    assert (center, half_width) == ([1.0, -2.0], [3.0, 0.5])
    for field in ("w", "b", "loss", "best_so_far"):
        with pytest.raises(ValueError):
            getattr(s, field)[0] = 0.0


def test_evaluations_to_by_hand():
    loss = np.array([5.0, 3.0, 4.0, 1.0, 2.0])
    s = search.RandomSearch(np.zeros(5), np.zeros(5), loss, np.minimum.accumulate(loss), 3, (0.0, 0.0))
    assert s.best_so_far.tolist() == [5.0, 3.0, 3.0, 1.0, 1.0]
    assert [s.evaluations_to(t) for t in (math.inf, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.99, -math.inf)] == [
        1, 1, 1, 2, 2, 4, 4, None, None
    ]


def test_evaluations_to_on_the_bowl_matches_a_naive_loop():
    s = search.random_search(BOWL, guesses=2000, center=(0.0, 0.0), half_width=(4.0, 4.0), seed=5)
    for target in (30.0, 1.0, 0.1, 0.01, 1e-6):
        count = next((i + 1 for i, value in enumerate(s.loss) if value <= target), None)
        assert s.evaluations_to(target) == count
    # the loss here is the squared distance to (2, 1)
    np.testing.assert_allclose(s.loss, (s.w - 2.0) ** 2 + (s.b - 1.0) ** 2, rtol=1e-12, atol=1e-15)


# --- bad arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("guesses", 0),
        ("guesses", 1_000_001),
        ("guesses", 2.5),
        ("guesses", True),
        ("guesses", "10"),
        ("center", (math.nan, 0.0)),
        ("center", (0.0, math.inf)),
        ("center", (1.0,)),
        ("center", None),
        ("half_width", (0.0, 1.0)),
        ("half_width", (1.0, -1.0)),
        ("half_width", (math.inf, 1.0)),
        ("half_width", (1e308, 1e308)),  # with center (1e308, 0): the box's edge overflows
        ("seed", -1),
        ("seed", 1.5),
        ("loss", "nope"),
        ("data", np.zeros((2, 5))),
    ],
)
def test_random_search_bad_arguments_name_themselves(name, value):
    args = dict(data=BOWL, guesses=10, center=(1e308, 0.0) if name == "half_width" else (0.0, 0.0),
                half_width=(1.0, 1.0), seed=0)
    args[name] = value
    data = args.pop("data")
    with pytest.raises(ValueError, match=name):
        search.random_search(data, **args)


def test_evaluations_to_rejects_nan_and_text():
    s = default_search(guesses=10)
    for bad in (math.nan, "low", None):
        with pytest.raises(ValueError, match="target_loss"):
            s.evaluations_to(bad)


@pytest.mark.parametrize(
    "name, value",
    [
        ("target_gap", 0.0),
        ("target_gap", -1.0),
        ("target_gap", math.nan),
        ("target_gap", math.inf),
        ("target_gap", "small"),
        ("loss", "mae"),
        ("loss", losses.get("huber")),
        ("center", (0.0, math.nan)),
        ("half_width", (1.0, 0.0)),
        ("data", [1.0, 2.0]),
    ],
)
def test_expected_evaluations_bad_arguments_name_themselves(name, value):
    args = dict(data=BOWL, center=(2.0, 1.0), half_width=(1.0, 1.0), target_gap=0.1)
    args[name] = value
    data = args.pop("data")
    with pytest.raises(ValueError, match=name):
        search.expected_evaluations(data, **args)


# --- expected_evaluations: the closed form, the clip, a dense grid ---------------------


def grid_expected(data, center, half_width, gap, n=2000):
    """1/p, p the fraction of an n x n grid of cell centres in the box with L - L_min <= gap."""
    unit = (np.arange(n) + 0.5) / n * 2.0 - 1.0
    w, b = np.meshgrid(center[0] + half_width[0] * unit, center[1] + half_width[1] * unit)
    inside = losses.get("mse").value(data, w, b) - lrcore.theory.curvature(data).min_loss <= gap
    return 1.0 / inside.mean()


@pytest.mark.parametrize("name", ["default", "steep-noisy", "negative-x", "outliers"])
def test_inside_the_box_it_is_the_ellipse_area(name):
    data = DATASETS[name]()
    c = lrcore.theory.curvature(data)
    gap = 0.05 * max(c.min_loss, 1.0)
    half_width = (50.0, 50.0)
    expected = search.expected_evaluations(data, center=c.minimizer, half_width=half_width, target_gap=gap)
    area = 2 * math.pi * gap / math.sqrt(np.linalg.det(c.hessian))
    assert expected == pytest.approx(4 * 50.0 * 50.0 / area, rel=1e-9)


@pytest.mark.parametrize(
    "name, shift, half_width, gap",
    [
        ("default", (0.0, 0.0), (1.0, 2.0), 0.5),  # inside
        ("default", (0.0, 1.5), (1.0, 2.0), 1.0),  # clipped at the bottom
        ("default", (0.0, 0.0), (0.2, 1.0), 2.0),  # clipped on all four sides
        ("default", (0.5, -2.0), (0.3, 0.5), 3.0),  # the minimum outside the box
        ("negative-x", (0.3, 0.0), (0.4, 1.5), 1.5),
        ("steep-noisy", (-0.1, 0.4), (0.2, 0.8), 2.0),
    ],
)
def test_expected_evaluations_match_a_dense_grid(name, shift, half_width, gap):
    data = DATASETS[name]()
    w_star, b_star = lrcore.theory.curvature(data).minimizer
    center = (w_star + shift[0], b_star + shift[1])
    expected = search.expected_evaluations(data, center=center, half_width=half_width, target_gap=gap)
    assert expected == pytest.approx(grid_expected(data, center, half_width, gap), rel=2e-3)


def test_the_clip_meets_the_closed_form_at_the_edge_of_the_box():
    # x near 1000: the ellipse is a needle (condition number ~1e11); a box a hair
    # smaller than its bounding box takes the clip, a hair larger the closed form.
    data = DATASETS["x-near-1000"]()
    c = lrcore.theory.curvature(data)
    gap = 1.0
    det = c.lambda_min * c.lambda_max
    extent = (math.sqrt(2 * gap * c.hessian[1, 1] / det), math.sqrt(2 * gap * c.hessian[0, 0] / det))
    closed = 4 * extent[0] * extent[1] * math.sqrt(det) / (2 * math.pi * gap)
    for factor in (1 - 1e-9, 1 + 1e-9):
        half_width = (extent[0] * factor, extent[1] * factor)
        got = search.expected_evaluations(data, center=c.minimizer, half_width=half_width, target_gap=gap)
        assert got == pytest.approx(closed, rel=1e-6)


def test_the_bowl_by_hand():
    def expected(center, half_width, gap):
        return search.expected_evaluations(BOWL, center=center, half_width=half_width, target_gap=gap)

    # the disk |d| <= sqrt(gap) around (2, 1) in a 2 x 2 box
    assert expected((2.0, 1.0), (1.0, 1.0), 0.25) == pytest.approx(16 / math.pi)
    assert expected((3.0, 1.0), (1.0, 1.0), 1.0) == pytest.approx(8 / math.pi)  # half the disk
    assert expected((3.0, 2.0), (1.0, 1.0), 1.0) == pytest.approx(16 / math.pi)  # a quarter
    # radius sqrt(2), the minimum at the box's corner: a quarter disk, area pi/2
    assert expected((3.0, 2.0), (1.0, 1.0), 2.0) == pytest.approx(8 / math.pi)
    assert expected((2.0, 1.0), (1.0, 1.0), 2.0) == 1.0  # the disk covers the box
    assert expected((4.0, 1.0), (1.0, 1.0), 1.0) == math.inf  # it touches the box's edge
    assert expected((4.0, 4.0), (1.0, 1.0), 1.0) == math.inf  # far away


# --- the statistics: 400 seeded searches against the expected count ----------------------


@pytest.mark.parametrize("shift, gap", [((0.0, 0.0), 0.5), ((0.0, 1.5), 1.0)], ids=["inside", "clipped"])
def test_mean_count_over_400_searches_matches_the_expectation(shift, gap):
    data = lrcore.make_data()
    c = lrcore.theory.curvature(data)
    center = (c.minimizer[0] + shift[0], c.minimizer[1] + shift[1])
    half_width = (1.0, 2.0)
    expected = search.expected_evaluations(data, center=center, half_width=half_width, target_gap=gap)
    p = 1.0 / expected
    assert 8 < expected < 20  # 1000 guesses all but never miss: (1 - p)**1000 < 1e-30
    counts = np.array([
        search.random_search(data, guesses=1000, center=center, half_width=half_width, seed=seed)
        .evaluations_to(c.min_loss + gap)
        for seed in range(400)
    ], dtype=float)
    standard_error = math.sqrt(1.0 - p) / p / math.sqrt(counts.size)  # a geometric count
    assert abs(counts.mean() - expected) < 4 * standard_error
    assert counts.std() == pytest.approx(math.sqrt(1.0 - p) / p, rel=0.25)


# --- the lesson: guessing against gradient descent -------------------------------------


def test_guessing_needs_one_over_tol_guesses_where_descent_needs_log_steps():
    """Default data, guesses in the box (0, 0) ± (5, 5) around descent's start,
    which holds the minimum (2.05, 0.76); descent at lr_optimal. The target: the
    loss gap L - L_min down to ``tol`` times L(start) - L_min."""
    data = lrcore.make_data()
    c = lrcore.theory.curvature(data)
    start_gap = float(losses.get("mse").value(data, 0.0, 0.0)) - c.min_loss
    rows = {}
    for tol in (1e-2, 1e-3, 1e-4, 1e-6):
        guesses = search.expected_evaluations(data, center=(0.0, 0.0), half_width=(5.0, 5.0),
                                              target_gap=tol * start_gap)
        rows[tol] = (guesses, float(c.steps_to(tol, c.lr_optimal)))
    # The ellipse lies inside the box: the expected guesses scale exactly as 1/tol...
    for tol, (guesses, _) in rows.items():
        assert guesses * tol == pytest.approx(rows[1e-2][0] * 1e-2, rel=1e-9)
    # ...and descent's steps as log(1/tol): 186 more per factor 100.
    assert [steps for _, steps in rows.values()] == [186.0, 279.0, 372.0, 558.0]
    # In two dimensions, a 1% target is easy to hit by luck: ~55 guesses, fewer
    # than descent's 186 (lr_optimal is slow here, condition number ~161).
    assert rows[1e-2][0] == pytest.approx(54.69, abs=0.01)
    assert rows[1e-2][0] < rows[1e-2][1]
    # Tighter targets are where guessing "takes forever".
    assert rows[1e-4][0] > 10 * rows[1e-4][1]
    assert rows[1e-6][0] > 900 * rows[1e-6][1]
    # steps_to is what a real run does from (0, 0) at lr_optimal.
    run = lrcore.run(data, c.lr_optimal, steps=200)
    gaps = run.loss[0] - c.min_loss
    assert int(np.argmax(gaps <= 1e-2 * start_gap)) == 186
