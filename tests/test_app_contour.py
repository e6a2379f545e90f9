"""The loss-contour page under AppTest."""

import numpy as np
import pytest

import lrcore
from app_helpers import DRAWN_RTOL, charts, datasets, drawable, metrics, open_page, scale_domains, texts
from ui import state
from ui.views import contour

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
    return metrics(at)[label]


def default(key):
    return state.CONTOUR[key].default


def test_defaults_draw_the_runs_computed_by_lrcore():
    at = open_page(PAGE)
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)
    paths = paths_of(at)
    data = lrcore.make_data()
    start, steps = (default("contour_w0"), default("contour_b0")), default("contour_steps")
    rates = [float(default(f"contour_lr{i}")) for i in range(1, default("contour_runs") + 1)]
    traj = lrcore.run(data, rates, steps=steps, start=start)
    for k in range(len(rates)):
        run = paths[paths["run"].str.startswith(f"run {k + 1}:")]
        assert len(run) > 0
        np.testing.assert_allclose(run["w"], traj.w[k, run["step"].to_numpy()], rtol=DRAWN_RTOL)
        np.testing.assert_allclose(run["b"], traj.b[k, run["step"].to_numpy()], rtol=DRAWN_RTOL)
    # the third run is past the edge 2/λmax: it diverges, is drawn only while finite, and is labelled
    c = lrcore.theory.curvature(data)
    assert rates[2] > c.lr_max_stable
    d = int(traj.diverged_at[2])
    assert d > 0
    third = paths[paths["run"].str.startswith("run 3:")]
    assert third["step"].max() < d
    assert any(f"diverged at step {d}" in caption.value and "run 3" in caption.value for caption in at.caption)
    # the table says the same
    table = at.dataframe[0].value
    assert table["diverged at step"].tolist() == ["no", "no", f"{d:,}"]


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
    data = lrcore.make_data()
    c = lrcore.theory.curvature(data)
    start, steps = (default("contour_w0"), default("contour_b0")), default("contour_steps")
    at.button(key="contour_preset_optimizers").click().run()
    assert not at.exception
    assert paths_of(at)["run"].nunique() == 5
    optimizers = [at.selectbox(key=f"contour_opt{i}").value for i in range(1, 6)]
    assert optimizers == ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
    rates = [float(at.select_slider(key=f"contour_lr{i}").value) for i in range(1, 6)]
    beta = at.number_input(key="contour_momentum").value
    # momentum's and Nesterov's edges by their published formulas, 2(1+β)/λmax and 2(1+β)/((1+2β)λmax)
    assert rates[1] == pytest.approx(0.3 * 2 * (1 + beta) / c.lambda_max, rel=1e-5)
    assert rates[2] == pytest.approx(0.3 * 2 * (1 + beta) / ((1 + 2 * beta) * c.lambda_max), rel=1e-5)
    table = at.dataframe[0].value
    assert (table["diverged at step"] == "no").all()  # each at a rate of its own: none diverges

    at.button(key="contour_preset_rates").click().run()
    assert not at.exception
    assert at.number_input(key="contour_runs").value == 3
    rates = [float(at.select_slider(key=f"contour_lr{i}").value) for i in range(1, 4)]
    assert rates[0] == pytest.approx(0.25 * c.lr_max_stable, rel=1e-5)
    assert rates[2] == pytest.approx(1.05 * c.lr_max_stable, rel=1e-5)
    # the middle one is the best constant rate for these steps: no nearby rate ends lower (a second method)
    grid = np.append(np.linspace(0.5, 1.0, 201) * c.lr_max_stable, rates[1])
    final = np.nan_to_num(lrcore.run(data, grid, steps=steps, start=start).loss[:, -1], nan=np.inf)
    assert final[-1] <= final[:-1].min() * (1 + 1e-12)
    # crawl, converge, diverge: the story the table tells
    table = at.dataframe[0].value
    crawl, good, gone = table.to_dict("records")
    assert crawl["diverged at step"] == "no" and good["diverged at step"] == "no"
    assert gone["diverged at step"] != "no"
    assert float(good["final loss"]) < float(crawl["final loss"])


def test_the_equal_scale_toggle_changes_the_maps_units_per_pixel():
    at = open_page(PAGE)
    assert at.toggle(key="contour_equal").value is True

    def window(at):
        chart = charts(at)[0]
        (w_lo, w_hi), (b_lo, b_hi) = scale_domains(chart, "w")[0], scale_domains(chart, "b")[0]
        assert all(domain == [w_lo, w_hi] for domain in scale_domains(chart, "w"))
        return w_lo, w_hi, b_lo, b_hi

    w_lo, w_hi, b_lo, b_hi = window(at)
    # equal: one unit of w and one of b take the same pixels on the WIDTH x HEIGHT map
    assert (w_hi - w_lo) / contour.WIDTH == pytest.approx((b_hi - b_lo) / contour.HEIGHT, rel=1e-9)
    at.toggle(key="contour_equal").set_value(False).run()
    assert not at.exception
    u_lo, u_hi, v_lo, v_hi = window(at)
    ratio = ((u_hi - u_lo) / contour.WIDTH) / ((v_hi - v_lo) / contour.HEIGHT)
    assert not ratio == pytest.approx(1.0, rel=1e-3)
    # the equal map widens one axis of the same frame around the same centre
    assert (w_lo + w_hi) / 2 == pytest.approx((u_lo + u_hi) / 2)
    assert (b_lo + b_hi) / 2 == pytest.approx((v_lo + v_hi) / 2)
    assert w_lo <= u_lo + 1e-12 and w_hi >= u_hi - 1e-12 and b_lo <= v_lo + 1e-12 and b_hi >= v_hi - 1e-12
    assert "different scales" in texts(at)


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
        assert drawable(chart)
        assert max(len(f) for f in datasets(chart).values()) <= 20_000


def test_mae_on_a_million_points_is_cut_to_fit_with_a_notice():
    at = open_page(PAGE, session={"n": 1_000_000.0, "contour_loss": "mae", "contour_steps": 5000.0,
                                  "contour_guesses": 100000.0})
    assert not at.exception
    shown = texts(at)
    assert "each step reads every point" in shown and "random guesses on 1,000,000 points" in shown
