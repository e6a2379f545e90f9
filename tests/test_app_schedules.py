"""The schedules page under AppTest: every schedule, the presets' stories in
numbers, the plotted rates against lrcore's schedules."""

import numpy as np
import pytest

import lrcore
from app_helpers import all_numbers_finite, charts, datasets, open_page, texts
from ui import compute, state

PAGE = "pages/4_Schedules.py"


def rates_of(at):
    for frame in datasets(charts(at)[0]).values():
        if {"run", "step", "lr"} <= set(frame.columns):
            return frame
    raise AssertionError("no rates in the chart")


def results(at):
    return {row["schedule"]: row for row in at.dataframe[0].value.to_dict("records")}


def click_preset(at, name):
    at.button(key="sched_preset_" + name.replace(" ", "_").replace("-", "_")).click().run()
    assert not at.exception
    return results(at)


def test_defaults_and_the_plotted_rates_are_lrcores():
    at = open_page(PAGE)
    assert not at.exception
    for chart in charts(at):
        assert all_numbers_finite(chart)
    rates = rates_of(at)
    for name in state.SCHED["sched_pick"].default:
        schedule = compute.build_schedule(name, 0.02, 300, {k[len(f"sched_{name}_"):]: state.SCHED[k].default
                                                            for k in state.SCHEDULE_PARAMS[name]})
        drawn = rates[rates["run"] == state.SCHEDULE_NAMES[name]]
        np.testing.assert_allclose(drawn["lr"], schedule(drawn["step"].to_numpy()), rtol=1e-12)
    assert at.get("code"), "the code blocks show"


@pytest.mark.parametrize("group", [list(state.SCHEDULE_NAMES)[i:i + 6] for i in (0, 6)])
def test_every_schedule_with_its_default_parameters(group):
    at = open_page(PAGE, session={"sched_pick": group})
    assert not at.exception
    assert set(rates_of(at)["run"]) == {state.SCHEDULE_NAMES[n] for n in group}
    for chart in charts(at):
        assert all_numbers_finite(chart)
    for index in range(len(group)):
        at.selectbox(key="sched_code_pick").set_value(state.SCHEDULE_NAMES[group[index]]).run()
        assert not at.exception
        assert len([c for c in at.get("code") if c.language == "python"]) == 2


def test_story_constant_vs_decay_under_mini_batch_noise():
    rows = click_preset(open_page(PAGE), "mini-batch noise")
    decays = [rows[n]["final loss"] for n in ("exponential", "cosine", "inverse time")]
    assert min(decays) < rows["constant"]["final loss"]
    assert "same batches" in texts(open_page(PAGE, session={"sched_batch": 4.0}))


def test_story_mae_constant_bounces_decay_settles():
    rows = click_preset(open_page(PAGE), "mae")
    assert rows["constant"]["loss band, last 20%"] > 10 * rows["exponential"]["loss band, last 20%"]
    assert rows["constant"]["loss band, last 20%"] > 10 * rows["cosine"]["loss band, last 20%"]


def test_story_warmup_rescues_a_too_large_rate():
    rows = click_preset(open_page(PAGE), "warmup")
    assert rows["constant"]["diverged at"] is not None and not np.isnan(rows["constant"]["diverged at"])
    assert rows["cosine"]["diverged at"] is not None and not np.isnan(rows["cosine"]["diverged at"])
    assert np.isnan(rows["linear warmup + cosine"]["diverged at"] or np.nan)
    floor = lrcore.losses.get("mse").value(lrcore.make_data(), *lrcore.theory.curvature(lrcore.make_data()).minimizer)
    assert rows["linear warmup + cosine"]["final loss"] == pytest.approx(float(floor), rel=1e-4)


def test_story_one_cycle_comes_through_where_cosine_diverges():
    rows = click_preset(open_page(PAGE), "one-cycle")
    assert not np.isnan(rows["cosine"]["diverged at"] or np.nan)
    assert np.isnan(rows["one-cycle"]["diverged at"] or np.nan)


@pytest.mark.parametrize("session", [
    {"sched_lr": "10", "sched_steps": 5000.0},
    {"sched_lr": "1e-06", "sched_steps": 10.0},
    {"sched_batch": 1.0, "sched_opt": "adam", "sched_pick": list(state.SCHEDULE_NAMES)[6:]},
    {"sched_loss": "huber", "sched_opt": "nesterov", "sched_log": False},
    {"sched_loss": "mae", "n": 1_000_000.0, "sched_steps": 5000.0},
    {"sched_pick": ["reduce_on_plateau", "cyclic"], "sched_reduce_on_plateau_patience": 0.0,
     "sched_reduce_on_plateau_factor": 0.01, "sched_cyclic_up": 0.5},
    {"sched_pick": ["one_cycle", "cosine_restarts", "step_decay"], "sched_one_cycle_pct_start": 0.9,
     "sched_cosine_restarts_first": 0.01, "sched_cosine_restarts_t_mul": 5.0, "sched_step_decay_every": 0.01,
     "sched_step_decay_gamma": 0.01, "sched_steps": 10.0},
    {"sched_pick": ["exponential_decay", "polynomial_decay", "inverse_time_decay"], "sched_exponential_decay_to": 1e-6,
     "sched_polynomial_decay_power": 10.0, "sched_inverse_time_decay_rate": 1000.0},
    {"sched_pick": []},
    {"sched_pick": ["one_cycle", "cyclic", "exponential_decay", "inverse_time_decay", "cosine_restarts",
                    "multistep_decay"], "sched_steps": 10.0,
     "sched_one_cycle_three_phase": True, "sched_one_cycle_pct_start": 0.9, "sched_one_cycle_div": 10000.0,
     "sched_cyclic_mode": "exp_range", "sched_cyclic_gamma": 0.5, "sched_exponential_decay_staircase": True,
     "sched_inverse_time_decay_staircase": True, "sched_cosine_restarts_m_mul": 0.01,
     "sched_cosine_restarts_alpha": 1.0, "sched_multistep_decay_first": 0.99, "sched_multistep_decay_second": 0.01},
    {"sched_pick": ["warmup_cosine", "polynomial_decay", "reduce_on_plateau"], "sched_warmup_cosine_start": 0.01,
     "sched_warmup_cosine_warmup": 0.9, "sched_polynomial_decay_end": 0.0, "sched_reduce_on_plateau_cooldown": 1000.0},
])
def test_extremes(session):
    at = open_page(PAGE, session=session)
    assert not at.exception
    for chart in charts(at):
        assert all_numbers_finite(chart)
        assert max(len(f) for f in datasets(chart).values()) <= 20_000
