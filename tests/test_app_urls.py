"""Links: a good one restores the view, a bad one is clamped or ignored with
a notice, and no value a URL can carry raises or runs slowly."""

import math
import random
import time

import pytest

from app_helpers import PAGE_FILES, open_page, texts
from ui import state

DATA_PAGE = "pages/1_Data.py"


def widget_values(at):
    """Every bound setting's widget value on the page, by key."""
    values = {}
    for kind in ("number_input", "select_slider", "toggle", "radio", "multiselect", "selectbox"):
        for widget in at.get(kind):
            if widget.key in state.ALL:
                values[widget.key] = widget.value
    return values


def in_range(key, value):
    spec = state.ALL[key]
    if spec.kind in ("int", "float"):
        return spec.low <= float(value) <= spec.high and math.isfinite(float(value))
    if spec.kind == "rate":
        return spec.low <= float(value) <= spec.high
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind == "multi":
        return len(value) <= state.MAX_SCHEDULES and all(item in spec.options for item in value)
    return value in spec.options


def test_a_good_link_restores_the_view():
    query = {"n": "120", "noise": "3.5", "std": "true", "fit_lr": "0.005", "fit_steps": "300", "fit_w0": "-2"}
    at = open_page(DATA_PAGE, query=query)
    assert not at.exception
    values = widget_values(at)
    assert values["n"] == 120 and values["noise"] == 3.5 and values["std"] is True
    assert values["fit_lr"] == "0.005" and values["fit_steps"] == 300 and values["fit_w0"] == -2
    assert "adjusted" not in texts(at)


def test_a_link_with_several_schedules_restores_them_and_drops_unknown_ones():
    at = open_page("pages/4_Schedules.py", query={"sched_pick": ["cosine_decay", "nonsense", "one_cycle"]})
    assert not at.exception
    assert widget_values(at)["sched_pick"] == ["cosine_decay", "one_cycle"]
    assert "only cosine_decay, one_cycle were understood" in texts(at)


def test_a_link_with_a_rate_off_the_grid_keeps_it():
    at = open_page(DATA_PAGE, query={"fit_lr": "0.0123"})
    assert widget_values(at)["fit_lr"] == "0.0123"


def test_out_of_range_values_are_clamped_with_a_notice():
    query = {"n": "5000000", "fit_steps": "1e12", "fit_lr": "-1", "noise": "-5", "x_max": "1e6"}
    at = open_page(DATA_PAGE, query=query)
    assert not at.exception
    values = widget_values(at)
    assert values["n"] == 1_000_000 and values["fit_steps"] == 5000 and values["noise"] == 0.0
    assert values["fit_lr"] == "1e-06" and values["x_max"] == 10_000.0
    shown = texts(at)
    assert "adjusted" in shown and "`n=5000000` is outside 2 to 1,000,000; using 1000000." in shown


HOSTILE = {
    "n": "1e309", "fit_steps": "inf", "seed": "999999999999", "w": "nan", "b": "x" * 100_000,
    "fit_lr": "abc", "std": "maybe", "noise": "-inf", "x_min": "", "outliers": "0x10",
    "fit_w0": "1e308", "fit_b0": "-1e-400", "unknown_key": "1",
}


@pytest.mark.parametrize("page", PAGE_FILES)
def test_hostile_values_are_ignored_or_clamped_never_raised(page):
    started = time.perf_counter()
    at = open_page(page, query=HOSTILE)
    assert time.perf_counter() - started < 10  # includes the first, cold run
    assert not at.exception
    for key, value in widget_values(at).items():
        assert in_range(key, value), (key, value)
    assert "adjusted" in texts(at)


KILLERS = ["1e309", "-1e309", "inf", "-inf", "nan", "NaN", "999999999999", "-999999999999",
           "1e12", "-1", "0", "", " ", "abc", "1,5", "0x1f", "true", "None", "[]", "%00",
           "é" * 30, "9" * 400, "x" * 100_000, "1e-400", "2.5", "-0"]


def fuzz_queries(count, seed=0):
    rng = random.Random(seed)
    keys = list(state.ALL) + ["unknown", "n_", "FIT_LR"]
    for _ in range(count):
        chosen = rng.sample(keys, rng.randint(1, len(keys)))
        yield {key: rng.choice(KILLERS) for key in chosen}


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_killer_value_on_every_bound_key_at_once(page):
    for value in KILLERS:
        at = open_page(page, query={key: value for key in state.ALL})
        assert not at.exception, value
        for key, got in widget_values(at).items():
            assert in_range(key, got), (value, key, got)


@pytest.mark.parametrize("seed", range(3))
def test_random_hostile_links(seed):
    at = None
    for number, query in enumerate(fuzz_queries(12, seed)):
        at = open_page(PAGE_FILES[number % len(PAGE_FILES)], query=query)
        assert not at.exception, query
        for key, got in widget_values(at).items():
            assert in_range(key, got), (query, key, got)
        started = time.perf_counter()
        at.run()  # a rerun with the same link is quick
        assert time.perf_counter() - started < 2.0


def test_each_setting_reads_its_own_url_values():
    """The parser behind the notices, setting by setting."""
    for key, spec in state.ALL.items():
        for raw in KILLERS:
            value, notice = spec.from_url(raw)
            assert value is None or in_range(key, value if spec.kind != "int" else float(value)), (key, raw)
            assert value is not None or notice, (key, raw)
