"""The loss-slice page under AppTest."""

import pytest

import lrcore
from app_helpers import all_numbers_finite, charts, datasets, extremes, open_page, texts
from ui import state

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
        assert all_numbers_finite(chart)
    runs = runs_of(at)
    data, s = default_slice()
    assert runs["p"].iloc[0] == state.SLICE["slice_start"].default
    traj = lrcore.slices.run_slice(data, 0.3, param="b", held=s.held, start=-4.0, steps=20)
    assert runs["p"].tolist() == pytest.approx(traj.b[0].tolist())
    assert "Regime: monotone" in regime_text(at)


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
        assert all_numbers_finite(chart)


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
    assert "cannot settle exactly" in texts(at)
    at.radio(key="slice_decay").set_value("exponential").run()
    assert set(runs_of(at)["run"]) == {"constant rate", "exponential decay"}
    at.radio(key="slice_loss").set_value("huber").run()
    assert not at.exception and at.number_input(key="slice_delta").value == 1.0


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
        assert all_numbers_finite(chart)


def test_all_extremes_at_once_diverge_on_the_chart():
    worst = {"slice_param": "w", "slice_lr": "100", "slice_steps": 500.0, "slice_start": 1000.0,
             "slice_decay": "exponential", "slice_decay_rate": 0.001, "n": 1_000_000.0}
    at = open_page(PAGE, session=worst)
    assert not at.exception
    assert "Regime: diverging." in regime_text(at)
    for chart in charts(at):
        assert all_numbers_finite(chart)
    labels = [f["label"].tolist() for f in datasets(charts(at)[0]).values() if "label" in f.columns]
    assert any(str(label).startswith("diverged at step") for group in labels for label in group)


def test_mae_on_a_million_points_is_cut_to_fit_with_a_notice():
    at = open_page(PAGE, session={"n": 1_000_000.0, "slice_loss": "mae", "slice_steps": 500.0})
    assert not at.exception
    assert "each step reads every point" in texts(at)
