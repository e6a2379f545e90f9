"""The loss-slice page under AppTest."""

import numpy as np
import pytest

import lrcore
from app_helpers import alert_with, alerts, charts, datasets, drawable, extremes, open_page, texts
from ui import state
from ui.views.common import num

PAGE = "pages/2_Loss_slice.py"


def runs_of(at):
    chart = charts(at)[0]
    for frame in datasets(chart).values():
        if {"run", "step", "p", "grad"} <= set(frame.columns):
            return frame
    raise AssertionError("no runs in the chart")


def regime_text(at):
    return [t for t in texts(at).splitlines() if "Regime:" in t][0]


def default_slice(param="b"):
    data = lrcore.make_data()
    best = lrcore.losses.get("mse").minimizer(data)
    held = best[0] if param == "b" else best[1]
    return data, lrcore.slices.along(data, param, held)


def test_defaults():
    at = open_page(PAGE)
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)
    runs = runs_of(at)
    data, s = default_slice()
    start, lr = state.SLICE["slice_start"].default, float(state.SLICE["slice_lr"].default)
    steps = state.SLICE["slice_steps"].default
    assert runs["p"].iloc[0] == start
    traj = lrcore.slices.run_slice(data, lr, param="b", held=s.held, start=start, steps=steps)
    assert runs["p"].tolist() == pytest.approx(traj.b[0].tolist())
    # the default bounces: 1 < lr·L'' < 2, and the drawn steps cross the minimum every time
    assert 1 < lr * s.curvature < 2
    assert "Regime: oscillating but converging." in regime_text(at)
    assert f"1 − lr·L'' = {num(1 - lr * s.curvature, 4)}" in regime_text(at)
    error = runs["p"].to_numpy() - s.minimizer
    assert np.all(np.sign(error[1:]) == -np.sign(error[:-1]))


def test_no_learning_rate_jumps_past_the_minimum_by_the_factor_it_states():
    at = open_page(PAGE)
    at.button(key="slice_set_none").click().run()
    assert not at.exception
    assert float(at.select_slider(key="slice_lr").value) == 1.0
    _, s = default_slice("b")
    error = runs_of(at)["p"].to_numpy() - s.minimizer
    # along b, L'' = 2: the whole slope, 2(b - b*), lands at the mirror point, forever
    assert s.curvature == 2.0
    np.testing.assert_allclose(error[1:], -error[:-1], rtol=1e-9)
    text = regime_text(at)
    assert "Regime: stuck bouncing." in text and "exactly as far on the other side" in text
    # along w, L'' = 2·mean(x²) > 2: it lands lr·L'' − 1 times as far
    at.radio(key="slice_param").set_value("w").run()
    _, s = default_slice("w")
    error = runs_of(at)["p"].to_numpy() - s.minimizer
    factor = s.curvature - 1.0
    assert error[1] / error[0] == pytest.approx(-factor, rel=1e-9)
    assert f"lands {num(factor)}× as far on the other side" in regime_text(at)
    assert "Regime: diverging." in regime_text(at)


@pytest.mark.parametrize("param", ["b", "w"])
@pytest.mark.parametrize("multiple, label", [(0.5, "monotone"), (1.5, "oscillating but converging"),
                                             (1.99, "oscillating but converging"), (2.01, "diverging")])
def test_regime_label_at_multiples_of_the_one_step_rate(param, multiple, label):
    _, s = default_slice(param)
    lr = state.format_rate(multiple * s.lr_one_step, 6)
    at = open_page(PAGE, session={"slice_param": param, "slice_lr": lr})
    assert not at.exception
    assert f"Regime: {label}." in regime_text(at)
    for chart in charts(at):
        assert drawable(chart)


def test_one_step_button_lands_on_the_minimum():
    at = open_page(PAGE)
    at.button(key="slice_set_one_step").click().run()
    assert "Regime: one step." in regime_text(at)
    _, s = default_slice()
    runs = runs_of(at)
    assert runs["p"].iloc[1] == pytest.approx(s.minimizer, abs=1e-9)
    at.button(key="slice_set_edge").click().run()
    assert "Regime: stuck bouncing." in regime_text(at)


def test_switching_param_loss_and_decay_changes_the_chart_data():
    at = open_page(PAGE)
    before = runs_of(at)
    at.radio(key="slice_param").set_value("w").run()
    after_param = runs_of(at)
    assert not before["p"].equals(after_param["p"])
    at.radio(key="slice_loss").set_value("mae").run()
    after_loss = runs_of(at)
    assert not after_loss["grad"].equals(after_param["grad"])
    assert "Regime: stuck bouncing." in regime_text(at)
    # the note's far-away slope along w: |d/dw mean|wx + b − y|| <= mean|x|, reached far from every point
    _, note = alert_with(at, "With MAE")
    data = lrcore.make_data()
    assert f"up to {num(float(np.mean(np.abs(data.x))))} in size far away" in note
    far = runs_of(at)  # a far start: the slope there is ±mean|x|
    at.number_input(key="slice_start").set_value(-1000.0).run()
    assert abs(runs_of(at)["grad"].iloc[0]) == pytest.approx(float(np.mean(np.abs(data.x))), rel=1e-12)
    at.number_input(key="slice_start").set_value(float(far["p"].iloc[0])).run()
    at.radio(key="slice_decay").set_value("exponential").run()
    assert set(runs_of(at)["run"]) == {"constant rate", "exponential decay"}
    assert any("exponential decay" in text for _, text in alerts(at))
    at.radio(key="slice_loss").set_value("huber").run()
    assert not at.exception and at.number_input(key="slice_delta").value == state.SLICE["slice_delta"].default


def test_the_decay_radio_adds_a_decayed_run_and_its_verdict():
    at = open_page(PAGE)
    assert set(runs_of(at)["run"]) == {"constant rate"}
    assert not any("decay" in text for _, text in alerts(at))
    at.radio(key="slice_decay").set_value("exponential").run()
    assert not at.exception
    runs = runs_of(at)
    _, s = default_slice("b")
    start, lr = state.SLICE["slice_start"].default, float(state.SLICE["slice_lr"].default)
    d = state.SLICE["slice_decay_rate"].default
    decayed = runs[runs["run"] == "exponential decay"].sort_values("step")
    # by hand: on the parabola along b (L'' = 2) each step multiplies the error by 1 − 2·lr·(1 − d)^t
    t = np.arange(len(decayed) - 1)
    error = (start - s.minimizer) * np.concatenate([[1.0], np.cumprod(1 - 2 * lr * (1 - d) ** t)])
    np.testing.assert_allclose(decayed["p"].to_numpy() - s.minimizer, error, rtol=1e-9, atol=1e-12)
    # the verdict says both settled: both end within 1% of the start's distance
    kind, text = alert_with(at, "settled")
    ends = runs.groupby("run")["p"].last().sub(s.minimizer).abs()
    assert (ends <= 0.01 * abs(start - s.minimizer)).all() and text.startswith("Both runs settled")
    at.radio(key="slice_decay").set_value("none").run()
    assert set(runs_of(at)["run"]) == {"constant rate"}


def test_a_typed_held_value_is_used():
    at = open_page(PAGE, session={"slice_hold": "a value", "slice_held": 5.0})
    assert not at.exception
    assert "with w = 5" in charts(at)[0].proto.spec


EXTREMES = extremes(state.SLICE)


@pytest.mark.parametrize("key, value", EXTREMES, ids=[f"{k}={v}" for k, v in EXTREMES])
@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_every_setting_at_each_end_with_every_loss(key, value, loss):
    at = open_page(PAGE, session={"slice_loss": loss, "slice_hold": "a value", "slice_decay": "inverse time",
                                  key: value})
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)


def test_all_extremes_at_once_diverge_on_the_chart():
    worst = {"slice_param": "w", "slice_lr": "100", "slice_steps": 500.0, "slice_start": 1000.0,
             "slice_decay": "exponential", "slice_decay_rate": 0.001, "n": 1_000_000.0}
    at = open_page(PAGE, session=worst)
    assert not at.exception
    assert "Regime: diverging." in regime_text(at)
    for chart in charts(at):
        assert drawable(chart)
    labels = [f["label"].tolist() for f in datasets(charts(at)[0]).values() if "label" in f.columns]
    assert any(str(label).startswith("diverged at step") for group in labels for label in group)


def test_mae_on_a_million_points_is_cut_to_fit_with_a_notice():
    at = open_page(PAGE, session={"n": 1_000_000.0, "slice_loss": "mae", "slice_steps": 500.0})
    assert not at.exception
    assert "each step reads every point" in texts(at)
