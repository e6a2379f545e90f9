"""The LR finder page under AppTest."""

import numpy as np
import pytest

import lrcore
from app_helpers import DRAWN_RTOL, charts, datasets, drawable, open_page, texts
from ui import compute, state
from ui.views import finder
from ui.views.common import num

PAGE = "pages/5_LR_finder.py"


def sweep_of(at):
    for frame in datasets(charts(at)[0]).values():
        if {"lr", "final_gap"} <= set(frame.columns):
            return frame
    raise AssertionError("no sweep in the chart")


def rules_of(at) -> list[float]:
    """The rates of the theory's rules drawn on the stability map (its datasets with lr and label, not
    the sweep's), sorted."""
    found = [frame for frame in datasets(charts(at)[0]).values()
             if {"lr", "label"} <= set(frame.columns) and "final_gap" not in frame.columns]
    assert len(found) <= 1
    return sorted(found[0]["lr"].tolist()) if found else []


def made(session):
    return compute.made_data(state.DataSettings(**{k: session[k] for k in ("x_min", "x_max", "std") if k in session}))


def test_defaults_and_the_rules_sit_at_the_theory():
    at = open_page(PAGE)
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)
    c = lrcore.theory.curvature(lrcore.make_data())
    # 1/λmax, 2/(λmin+λmax), 2/λmax from the Hessian's eigenvalues by numpy, a second method
    low, high = np.linalg.eigvalsh(c.hessian)
    assert rules_of(at) == pytest.approx(sorted([1 / high, 2 / (low + high), 2 / high]), rel=1e-9)


@pytest.mark.parametrize("session", [{}, {"finder_rates": 2000.0, "finder_steps": 50.0},
                                     {"finder_rates": 50.0, "finder_steps": 10.0},
                                     {"x_min": 1000.0, "x_max": 1010.0}, {"std": True}])
def test_the_first_diverging_rate_is_within_one_grid_step_of_the_edge(session):
    at = open_page(PAGE, session=session)
    assert not at.exception
    settings = {**{k: s.default for k, s in state.FINDER.items()}, **session}
    data = made(session)
    c = lrcore.theory.curvature(data)
    count, steps = int(settings["finder_rates"]), int(settings["finder_steps"])
    rates = np.geomspace(c.lr_max_stable * 1e-4, c.lr_max_stable * 10, count)
    found = lrcore.finder.stability(data, rates, steps=steps)
    step = 1e5 ** (1 / (count - 1))
    first = found.first_diverging
    assert c.lr_max_stable <= first <= c.lr_max_stable * step
    assert not found.diverging[rates < c.lr_max_stable].any()
    # the page draws that sweep (a log axis: gaps > 0) and says where it broke
    drawn, shown = sweep_of(at), found.final_gap > 0
    np.testing.assert_allclose(drawn["lr"], rates[shown], rtol=DRAWN_RTOL)
    np.testing.assert_allclose(drawn["final_gap"], found.final_gap[shown], rtol=DRAWN_RTOL)
    assert f"The first diverging rate is {num(first, 4)}, {num(first / c.lr_max_stable, 4)}× the theory's edge" \
        in texts(at)


@pytest.mark.parametrize("beta", [0.9, 0.5])
def test_momentum_diverges_at_its_own_edge_and_draws_only_its_rule(beta):
    at = open_page(PAGE, session={"finder_opt": "momentum", "finder_momentum": beta})
    assert not at.exception
    data = lrcore.make_data()
    c = lrcore.theory.curvature(data)
    edge = lrcore.theory.stable_edge(data, lrcore.optimizers.sgd(momentum=beta))
    assert edge == pytest.approx(2 * (1 + beta) / c.lambda_max, rel=1e-12)  # the published heavy-ball edge
    assert rules_of(at) == pytest.approx([edge], rel=1e-12)
    view = finder.stability_view(data, count_rates=state.FINDER["finder_rates"].default,
                                 steps=state.FINDER["finder_steps"].default, opt="momentum", momentum=beta,
                                 tol=state.FINDER["finder_tol"].default)
    sweep = view.sweep
    step = (view.high / view.low) ** (1 / (len(sweep) - 1))
    first = float(sweep.loc[sweep["diverging"], "lr"].min())
    assert edge <= first <= edge * step
    assert not sweep.loc[sweep["lr"] < edge, "diverging"].any()
    shown = sweep["final_gap"] > 0
    np.testing.assert_allclose(sweep_of(at)["lr"], sweep.loc[shown, "lr"], rtol=DRAWN_RTOL)


def test_the_optimizer_choice_changes_the_rules_drawn():
    """Plain gradient descent's rates are drawn for it alone: never for momentum or Adam."""
    at = open_page(PAGE)
    c = lrcore.theory.curvature(lrcore.make_data())
    plain = [c.lr_monotone, c.lr_optimal, c.lr_max_stable]
    assert rules_of(at) == pytest.approx(sorted(plain), rel=1e-12)
    at.selectbox(key="finder_opt").set_value("momentum").run()
    assert not at.exception
    drawn = rules_of(at)
    assert len(drawn) == 1 and all(not np.isclose(drawn[0], rate, rtol=1e-6) for rate in plain)
    at.selectbox(key="finder_opt").set_value("adam").run()
    assert not at.exception
    assert rules_of(at) == []
    assert "No rate in the sweep diverged" in texts(at) or "The first diverging rate is" in texts(at)
    at.selectbox(key="finder_opt").set_value("sgd").run()
    assert rules_of(at) == pytest.approx(sorted(plain), rel=1e-12)


def test_badly_conditioned_data_where_most_rates_diverge():
    at = open_page(PAGE, session={"x_min": 9000.0, "x_max": 9001.0, "finder_min": 1e-3, "finder_max": 1000.0})
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)


@pytest.mark.parametrize("session", [
    {"finder_opt": "momentum", "finder_momentum": 0.99}, {"finder_opt": "adam"},
    {"finder_min": 1.0, "finder_max": 1e-6}, {"finder_rt_steps": 1000.0, "finder_smooth": 1.0, "finder_stop": 1.01},
    {"finder_batch": 1.0, "finder_rt_steps": 10.0}, {"finder_tol": 1e-12}, {"finder_tol": 1.0},
    {"n": 1_000_000.0, "finder_rates": 2000.0, "finder_steps": 2000.0},
])
def test_extremes(session):
    at = open_page(PAGE, session=session)
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)


def test_the_suggestions_table_compares_with_the_theory():
    at = open_page(PAGE)
    table = at.dataframe[0].value
    data = lrcore.make_data()
    c = lrcore.theory.curvature(data)
    test = lrcore.lr_range_test(data)
    valley = table[table["suggestion"] == "valley"].iloc[0]
    rate = test.suggestions["valley"]
    assert valley["learning rate"] == num(rate, 4)
    assert float(valley["× worst-case optimal"]) == pytest.approx(rate / c.lr_optimal, rel=5e-3)
    assert float(valley["× edge (2/λmax)"]) == pytest.approx(rate / c.lr_max_stable, rel=5e-3)
    # the steps a run at it needs to shrink the gap 10,000×, by running it (a second method)
    (column,) = [name for name in table.columns if "steps to shrink" in name]
    gaps = lrcore.run(data, rate, steps=5000).loss[0] - c.min_loss
    needed = int(np.flatnonzero(gaps <= finder.SHRINK * gaps[0])[0])
    assert valley[column] == f"{needed:,}"
    assert len(at.get("page_link")) >= 4  # the sidebar's and the "use a rate" links


def test_a_link_with_apply_sets_the_contour_rate_in_a_running_session():
    at = open_page("pages/3_Loss_contour.py")
    assert at.select_slider(key="contour_lr1").value == state.CONTOUR["contour_lr1"].default
    at.query_params["contour_lr1"] = "0.0123"
    at.query_params["apply"] = "1"
    at.run()
    assert not at.exception
    assert at.select_slider(key="contour_lr1").value == "0.0123"
