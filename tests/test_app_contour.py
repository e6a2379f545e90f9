"""The loss-contour page under AppTest."""

import numpy as np
import pytest

import lrcore
from app_helpers import all_numbers_finite, charts, datasets, open_page, texts

PAGE = "pages/3_Loss_contour.py"


def paths_of(at):
    chart = charts(at)[0]
    for frame in datasets(chart).values():
        if {"run", "step", "w", "b", "loss"} <= set(frame.columns):
            return frame
    raise AssertionError("no paths in the chart")


def contour_of(at):
    chart = charts(at)[0]
    for frame in datasets(chart).values():
        if {"level", "path", "order"} <= set(frame.columns):
            return frame
    raise AssertionError("no contour lines in the chart")


def metric(at, label):
    return {m.label: m.value for m in at.get("metric")}[label]


def test_defaults_draw_the_runs_computed_by_lrcore():
    at = open_page(PAGE)
    assert not at.exception
    for chart in charts(at):
        assert all_numbers_finite(chart)
    paths = paths_of(at)
    data = lrcore.make_data()
    for k, lr in enumerate((0.007, 0.02, 0.03)):
        traj = lrcore.run(data, lr, steps=200, start=(-2.0, 8.0))
        run = paths[paths["run"].str.startswith(f"run {k + 1}:")]
        assert len(run) > 0
        np.testing.assert_allclose(run["w"], traj.w[0, run["step"].to_numpy()], rtol=1e-12)
        np.testing.assert_allclose(run["b"], traj.b[0, run["step"].to_numpy()], rtol=1e-12)
    # the third run (0.03 > 2/λmax) diverged and is drawn to its last finite step only
    third = paths[paths["run"].str.startswith("run 3:")]
    traj = lrcore.run(data, 0.03, steps=200, start=(-2.0, 8.0))
    assert third["step"].max() < traj.diverged_at[0]


def test_the_contour_data_contain_the_minimiser():
    at = open_page(PAGE)
    lines = contour_of(at)
    w_star, b_star = lrcore.theory.curvature(lrcore.make_data()).minimizer
    assert lines["w"].min() < w_star < lines["w"].max()
    assert lines["b"].min() < b_star < lines["b"].max()
    assert f"{lrcore.theory.curvature(lrcore.make_data()).condition_number:.3g}" == metric(at, "Condition number")


def test_adding_a_run_adds_its_trajectory():
    at = open_page(PAGE)
    assert paths_of(at)["run"].nunique() == 3
    at.number_input(key="contour_runs").set_value(4.0).run()
    assert not at.exception
    assert paths_of(at)["run"].nunique() == 4


def test_standardize_changes_the_condition_number():
    at = open_page(PAGE)
    before = metric(at, "Condition number")
    at.toggle(key="std").set_value(True).run()
    assert metric(at, "Condition number") != before
    assert float(metric(at, "Condition number")) == pytest.approx(1.0, abs=0.05)


def test_presets_set_their_story():
    at = open_page(PAGE)
    at.button(key="contour_preset_optimizers").click().run()
    assert not at.exception
    assert paths_of(at)["run"].nunique() == 5
    at.button(key="contour_preset_rates").click().run()
    c = lrcore.theory.curvature(lrcore.make_data())
    assert float(at.select_slider(key="contour_lr2").value) == pytest.approx(c.lr_optimal, rel=1e-5)


@pytest.mark.parametrize("session", [
    {"contour_opt1": "adam", "contour_lr1": "10"},
    {"contour_lr1": "10", "contour_lr2": "10", "contour_lr3": "10"},
    {"contour_runs": 5.0, "contour_steps": 5000.0, "contour_opt4": "rmsprop", "contour_opt5": "nesterov"},
    {"contour_batch": 1.0, "contour_steps": 300.0},
    {"contour_loss": "mae", "contour_opt2": "adagrad"},
    {"contour_loss": "huber", "contour_delta": 0.01},
    {"contour_guesses": 100000.0, "contour_tol": 1e-12},
    {"contour_guesses": 0.0, "contour_tol": 1.0, "contour_w0": 100.0, "contour_b0": -100.0},
    {"contour_momentum": 0.99, "contour_alpha": 0.0, "contour_beta1": 0.0, "contour_beta2": 0.0,
     "contour_opt1": "momentum", "contour_opt2": "rmsprop", "contour_opt3": "adam"},
    {"n": 2.0, "x_min": -10000.0, "x_max": 10000.0},
])
def test_extremes(session):
    at = open_page(PAGE, session=session)
    assert not at.exception
    for chart in charts(at):
        assert all_numbers_finite(chart)
        assert max(len(f) for f in datasets(chart).values()) <= 20_000


def test_mae_on_a_million_points_is_cut_to_fit_with_a_notice():
    at = open_page(PAGE, session={"n": 1_000_000.0, "contour_loss": "mae", "contour_steps": 5000.0,
                                  "contour_guesses": 100000.0})
    assert not at.exception
    shown = texts(at)
    assert "each step reads every point" in shown and "random guesses on 1,000,000 points" in shown
