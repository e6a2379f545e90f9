"""The LR finder page under AppTest."""


import pytest

import lrcore
from app_helpers import all_numbers_finite, charts, datasets, open_page, texts
from ui import compute, state

PAGE = "pages/5_LR_finder.py"


def sweep_of(at):
    for frame in datasets(charts(at)[0]).values():
        if {"lr", "final_gap"} <= set(frame.columns):
            return frame
    raise AssertionError("no sweep in the chart")


def rules_of(at):
    for frame in datasets(charts(at)[0]).values():
        if {"lr", "label"} <= set(frame.columns) and "edge" in " ".join(frame["label"]):
            return dict(zip(frame["label"], frame["lr"]))
    raise AssertionError("no rules in the chart")


def test_defaults_and_the_rules_sit_at_the_theory():
    at = open_page(PAGE)
    assert not at.exception
    for chart in charts(at):
        assert all_numbers_finite(chart)
    c = lrcore.theory.curvature(lrcore.make_data())
    rules = rules_of(at)
    assert rules["1/λmax: no overshoot"] == pytest.approx(c.lr_monotone, rel=1e-12)
    assert rules["2/(λmin+λmax): optimal"] == pytest.approx(c.lr_optimal, rel=1e-12)
    assert rules["2/λmax: edge"] == pytest.approx(c.lr_max_stable, rel=1e-12)


@pytest.mark.parametrize("session", [{}, {"finder_rates": 2000.0, "finder_steps": 50.0},
                                     {"finder_rates": 50.0, "finder_steps": 10.0},
                                     {"x_min": 1000.0, "x_max": 1010.0}, {"std": True}])
def test_the_first_diverging_rate_is_within_one_grid_step_of_the_edge(session):
    at = open_page(PAGE, session=session)
    assert not at.exception
    settings = {**{k: s.default for k, s in state.FINDER.items()}, **session}
    data = compute.made_data(state.DataSettings(**{k: session.get(k, getattr(state.DataSettings(), k))
                                                 for k in ("x_min", "x_max", "std")}))
    c = lrcore.theory.curvature(data)
    count = int(settings["finder_rates"])
    sweep = compute.stability_sweep(data, data.fingerprint, c.lr_max_stable * 1e-4, c.lr_max_stable * 10, count,
                                    int(settings["finder_steps"]), "gd", 0.9, 1e-4)
    step = 1e5 ** (1 / (count - 1))
    first = float(sweep[sweep["growing"]]["lr"].min())
    assert c.lr_max_stable <= first <= c.lr_max_stable * step
    assert not sweep[sweep["lr"] < c.lr_max_stable]["growing"].any()
    assert f"{first / c.lr_max_stable:.4f}× the theory's edge" in texts(at)


def test_badly_conditioned_data_where_most_rates_diverge():
    at = open_page(PAGE, session={"x_min": 9000.0, "x_max": 9001.0, "finder_min": 1e-3, "finder_max": 1000.0})
    assert not at.exception
    for chart in charts(at):
        assert all_numbers_finite(chart)


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
        assert all_numbers_finite(chart)


def test_momentum_has_its_own_edge_rule():
    at = open_page(PAGE, session={"finder_opt": "momentum"})
    rules = rules_of(at)
    edge = lrcore.theory.lr_max_stable_momentum(lrcore.make_data(), 0.9)
    assert rules["2(1+β)/λmax: momentum's edge"] == pytest.approx(edge, rel=1e-12)


def test_the_suggestions_table_compares_with_the_theory():
    at = open_page(PAGE)
    table = at.dataframe[0].value
    c = lrcore.theory.curvature(lrcore.make_data())
    test = lrcore.lr_range_test(lrcore.make_data())
    valley = table[table["suggestion"] == "valley"].iloc[0]
    assert valley["learning rate"] == pytest.approx(test.suggestions["valley"])
    assert valley["× lr_optimal"] == pytest.approx(test.suggestions["valley"] / c.lr_optimal)
    assert len(at.get("page_link")) >= 4 + len(state.FINDER) * 0  # the sidebar's and the "use a rate" links


def test_a_link_with_apply_sets_the_contour_rate_in_a_running_session():
    at = open_page("pages/3_Loss_contour.py")
    assert at.select_slider(key="contour_lr1").value == "0.007"
    at.query_params["contour_lr1"] = "0.0123"
    at.query_params["apply"] = "1"
    at.run()
    assert not at.exception
    assert at.select_slider(key="contour_lr1").value == "0.0123"
