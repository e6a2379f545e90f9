"""The charts (ui/charts.py), read from the Vega-Lite spec each one sends.

The inputs are the views the pages draw (ui.views on lrcore.make_data) or
small frames made by hand. Each test reads ``chart.to_dict()`` and checks
what a learner would see: no NaN or inf and at most about 20k rows reach the
browser, a log axis is ticked at the powers of ten its data spans (counted
here from the data, by hand), a diverged run is drawn up to its last finite
step only, each run keeps one colour on every chart of its page, and the
step slider ends at the run's last step.
"""

import itertools
import json
import math
import re

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils import schemapi
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcore
from conftest import lstsq_line
from ui import charts, state
from ui.views import common, contour, finder, fit, home, loss_slice, schedules

#: The most rows a chart may carry (DESIGN.md: "A chart gets at most about 20k rows").
MOST_ROWS = 20_000
DATA = lrcore.make_data(n=50)
#: The app's name for plain gradient descent (the finder's default optimizer).
PLAIN = state.FINDER["finder_opt"].default


def bowl(data):
    """The MSE's Hessian 2·[[mean x², mean x], [mean x, 1]] decomposed by numpy:
    eigenvalues ascending (flat, steep) and their eigenvectors as columns."""
    x = np.asarray(data.x, dtype=float)
    values, vectors = np.linalg.eigh(2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]]))
    return values, vectors


EDGE = 2.0 / bowl(DATA)[0][1]  # 2/λmax


def mse(data, w, b):
    return np.mean((np.multiply.outer(w, data.x) + np.asarray(b)[..., None] - data.y) ** 2, axis=-1)


# --- reading a spec ---------------------------------------------------------------------------------


def spec_of(chart) -> dict:
    """The spec as sent: Streamlit sends its own data, without Altair's 5,000-row guard."""
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def units(node, data=None):
    """Every single-mark view in a spec, with the name of the data it draws
    (its own, or the nearest enclosing one)."""
    if isinstance(node, dict):
        if isinstance(node.get("data"), dict) and "name" in node["data"]:
            data = node["data"]["name"]
        if "mark" in node:
            yield node, data
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for child in node.get(key, []):
                yield from units(child, data)


def rows(spec, name) -> pd.DataFrame:
    return pd.DataFrame(spec["datasets"][name]) if name is not None else pd.DataFrame()


def mark_type(unit) -> str:
    return unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]


def drawn(spec, *, mark=None, **encoded):
    """(unit, its rows) of the views whose mark is ``mark`` and whose channels
    encode the given fields (``x="step"``)."""
    found = []
    for unit, name in units(spec):
        channels = unit.get("encoding", {})
        if mark is not None and mark_type(unit) != mark:
            continue
        if all(channels.get(channel, {}).get("field") == field for channel, field in encoded.items()):
            found.append((unit, rows(spec, name)))
    return found


def one(spec, **kwargs):
    found = drawn(spec, **kwargs)
    assert len(found) == 1, f"{len(found)} views with {kwargs}"
    return found[0]


def assert_drawable(spec):
    """No NaN or inf anywhere (Altair sends them as null), no dataset over MOST_ROWS."""
    text = json.dumps(spec, allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text
    for name, records in spec.get("datasets", {}).items():
        assert len(records) <= MOST_ROWS, name
        empty = [row for row in records if any(value is None for value in row.values())]
        assert not empty, f"{name}: {empty[:3]}"


def scrubber(spec) -> dict:
    """The step slider: one param named "step" in the whole spec, at its top."""
    everywhere = re.findall(r'"name": "step"', json.dumps(spec))
    params = [p for p in spec.get("params", []) if p.get("name") == charts.STEP_PARAM]
    assert len(everywhere) == 1 and len(params) == 1
    return params[0]


def colours(spec, field="run") -> dict:
    """{value: colour} of ``field``'s colour scale, the same in every view that colours by it."""
    maps = []
    for unit, _ in units(spec):
        color = unit.get("encoding", {}).get("color", {})
        if color.get("field") == field and "domain" in color.get("scale", {}):
            maps.append(dict(zip(color["scale"]["domain"], color["scale"]["range"])))
    assert maps and all(m == maps[0] for m in maps), maps
    return maps[0]


def axis_values(unit, channel="y"):
    return unit["encoding"][channel].get("axis", {}).get("values")


def powers_of_ten(low: float, high: float) -> list[float]:
    """By hand: every 10**k from ``low`` to ``high``."""
    return [10.0**k for k in range(-320, 309) if low <= 10.0**k <= high]


def assert_log_ticks(ticks, low, high):
    """Ticks of a log axis over [low, high]: every power of ten in it, or an
    even choice of at most about ten of them with none missing at either end."""
    every = powers_of_ten(low, high)
    if len(every) <= 10:
        assert ticks == every
        return
    exponents = [round(math.log10(t)) for t in ticks]
    gap = exponents[1] - exponents[0]
    assert all(b - a == gap for a, b in itertools.pairwise(exponents)) and len(ticks) <= 10
    assert set(ticks) <= set(every) and ticks[0] / every[0] < 10**gap and every[-1] / ticks[-1] < 10**gap


# --- the small parts --------------------------------------------------------------------------------


def test_scrubber_runs_from_0_to_the_last_step_and_starts_at_it():
    param = charts._scrubber(37).param.to_dict()
    assert param["name"] == "step" and param["value"] == 37
    assert (param["bind"]["input"], param["bind"]["min"], param["bind"]["max"], param["bind"]["step"]) == \
        ("range", 0, 37, 1)
    alone = charts._scrubber(0).param.to_dict()  # a run of no steps: a slider still needs a range
    assert alone["value"] == 0 and alone["bind"]["max"] == 1


def test_scrubbed_puts_the_step_param_at_the_top_beside_the_ones_already_there():
    pick = alt.selection_point(name="pick", fields=["x"])
    frame = pd.DataFrame({"x": [1.0, 2.0], "step": [0, 1]})
    layered = alt.layer(alt.Chart(frame).mark_point().encode(x="x:Q"), alt.Chart(frame).mark_line().encode(x="x:Q"))
    layered.params = [pick.param]
    step = charts._scrubber(5)
    assert charts._scrubbed(layered, step) is layered
    spec = spec_of(layered)
    assert [p["name"] for p in spec["params"]] == ["pick", "step"]
    assert scrubber(spec)["bind"]["max"] == 5

    # the very spec Altair's own add_params sends, for a layer and for a concatenation
    def layer():
        return alt.layer(alt.Chart(frame).mark_point().encode(x="x:Q"), alt.Chart(frame).mark_line().encode(x="x:Q"))

    def concat():
        return alt.vconcat(alt.hconcat(alt.Chart(frame).mark_point().encode(x="x:Q"),
                                       alt.Chart(frame).mark_line().encode(x="x:Q")),
                           alt.Chart(frame).mark_bar().encode(x="x:Q"))

    for make in (layer, concat):
        assert spec_of(charts._scrubbed(make(), charts._scrubber(5))) == spec_of(make().add_params(charts._scrubber(5)))


def test_step_rule_is_a_dashed_rule_at_the_sliders_step():
    rule = spec_of(alt.layer(charts._step_rule("#123456")).add_params(charts._scrubber(9)))
    (unit, data), = drawn(rule, mark="rule", x="step")
    assert {"calculate": "step", "as": "step"} in unit["transform"]
    assert unit["mark"]["color"] == "#123456" and unit["mark"]["strokeDash"] == [3, 3]
    assert len(data) == 1  # one rule
    default = spec_of(alt.layer(charts._step_rule()).add_params(charts._scrubber(9)))
    assert one(default, mark="rule", x="step")[0]["mark"]["color"] == "#888"


def test_finite_keeps_only_the_rows_whose_named_columns_are_all_finite():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.inf, 5.0, -np.inf], "b": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0],
                          "c": [np.nan] * 6}, index=[10, 11, 12, 13, 14, 15])
    assert charts._finite(frame, "a").index.tolist() == [10, 12, 14]
    assert charts._finite(frame, "a", "b").index.tolist() == [10, 14]  # a column not named may hold NaN
    assert charts._finite(frame).index.tolist() == frame.index.tolist()
    assert charts._finite(frame.iloc[:0], "a").empty


def test_literal_is_a_json_array_of_ten_significant_digits():
    values = [1 / 3, -2.5e-300, 7, np.float64(1e300), 0.0]
    text = charts._literal(values)
    assert text == "[0.3333333333, -2.5e-300, 7.0, 1e+300, 0.0]"
    assert json.loads(text) == pytest.approx([float(v) for v in values], rel=5e-10)


def test_padded_widens_a_range_by_a_share_of_its_span():
    assert charts._padded(0.0, 10.0) == pytest.approx([-0.8, 10.8])
    assert charts._padded(-4.0, 6.0, 0.02) == pytest.approx([-4.2, 6.2])
    assert charts._padded(2.0, 2.0) == pytest.approx([1.84, 2.16])  # no span: a share of the value
    assert charts._padded(0.0, 0.0) == pytest.approx([-0.08, 0.08])  # nor any value: a share of 1


def test_decades_are_the_powers_of_ten_between_the_two_ends():
    assert charts._decades(0.05, 2000.0) == [0.1, 1.0, 10.0, 100.0, 1000.0]
    assert charts._decades(1e-3, 1e-1) == [1e-3, 1e-2, 1e-1]  # both ends themselves powers of ten
    assert charts._decades(3.0, 7.0) == []  # none between
    for low, high in ((1.0, 1.0), (0.0, 10.0), (-1.0, 10.0), (1.0, math.inf), (10.0, 1.0)):
        assert charts._decades(low, high) == []
    wide = charts._decades(1e-20, 1e20)  # 41 powers: every fifth, so about ten
    assert wide == [10.0**k for k in range(-20, 21, 5)]


def test_log_axis_is_ticked_at_the_decades_of_the_finite_positive_values():
    axis = charts._log_axis([0.05, 2000.0, np.nan, -1.0, 0.0, np.inf, 3.0]).to_dict()
    assert axis["values"] == [0.1, 1.0, 10.0, 100.0, 1000.0] and axis["labelExpr"] == charts.COMPACT_LABELS
    for values in ([2.0, 7.0], [5.0], [5.0, 5.0], [np.nan, 3.0], []):  # less than two decades: Vega's own ticks
        assert "values" not in charts._log_axis(values).to_dict()


def errors(step, error) -> pd.DataFrame:
    return pd.DataFrame({"step": step, "error": error})


def test_symlog_reach_follows_a_growth_up_to_a_million_times_the_start():
    assert charts._symlog_reach(errors([0, 0, 1, 2], [3.0, -4.0, 20.0, -1.0])) == pytest.approx((20.0, 4e-4))
    assert charts._symlog_reach(errors([0, 1, 2], [-4.0, 1e5, -1e12])) == pytest.approx((4e6, 4e-4))
    assert charts._symlog_reach(errors([0, 1], [0.0, 5.0])) == pytest.approx((5.0, 5e-4))  # a start at the minimum
    assert charts._symlog_reach(errors([0, 1], [0.0, 0.0])) == (1.0, 1.0)
    assert charts._symlog_reach(errors([], [])) == (1.0, 1.0)


def test_signed_ticks_are_zero_and_the_powers_of_ten_either_side():
    # up to 20: 10**2 is the first power past it; from the constant 4e-4 up: 10**-3
    powers = [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]
    assert charts._signed_ticks(20.0, 4e-4) == pytest.approx([-p for p in reversed(powers)] + [0.0] + powers)
    # at most nine powers: from 1e-2 when the constant is far smaller
    assert charts._signed_ticks(1e6, 1e-10) == pytest.approx(
        [-(10.0**k) for k in range(6, -3, -1)] + [0.0] + [10.0**k for k in range(-2, 7)])
    assert charts._signed_ticks(0.0, 1.0) == [0.0] and charts._signed_ticks(math.inf, 1.0) == [0.0]


def test_signed_errors_put_the_errors_and_a_zero_rule_on_one_symmetric_log_scale():
    y, zero = charts._signed_errors(errors([0, 0, 1], [3.0, -4.0, 20.0]), "the title")
    encoded = y.to_dict()
    assert encoded["field"] == "error" and encoded["title"] == "the title"
    assert encoded["scale"] == {"type": "symlog", "constant": pytest.approx(4e-4), "domain": [-21.0, 21.0],
                                "nice": False}
    assert encoded["axis"]["values"] == charts._signed_ticks(20.0, 4e-4)
    (unit, data), = drawn(spec_of(zero), mark="rule", y="error")
    assert data["error"].tolist() == [0.0] and unit["encoding"]["y"]["scale"] == encoded["scale"]


# --- the Data page ----------------------------------------------------------------------------------


def fit_spec(lr, steps, start=(0.0, 0.0), true_line=(2.0, 1.0), directions=True, sampled_from=None):
    view = fit.build(DATA, lr, steps, *start)
    points = pd.DataFrame({"x": DATA.x, "y": DATA.y})
    chart = charts.fit_chart(points, view.frames, view.curve, best=lstsq_line(DATA), true_line=true_line,
                             diverged_at=view.diverged_at, sampled_from=sampled_from,
                             directions=view.directions if directions else None)
    return view, spec_of(chart)


def vega_eval(expression: str, **signals) -> float:
    """A Vega expression of numbers, + - * /, max, min and floor, at the given signals (width, height)."""
    assert re.fullmatch(r"[\w\s.+\-*/(),]*", expression), expression
    return eval(expression, {"__builtins__": {}, "max": max, "min": min, "floor": math.floor, **signals})


def drawn_domain(scale: dict, **signals) -> tuple[float, float]:
    """A scale's domain as Vega draws it: ``domainMin``/``domainMax`` (expressions) over ``domain``."""
    low, high = scale["domain"]
    if "domainMin" in scale:
        low = vega_eval(scale["domainMin"]["expr"], **signals)
    if "domainMax" in scale:
        high = vega_eval(scale["domainMax"]["expr"], **signals)
    return low, high


def shows(drawn_window, window) -> bool:
    """Whether a drawn (w_lo, w_hi, b_lo, b_hi) holds ``window``, to rounding."""
    slack = 1e-12 * max(abs(v) for v in window)
    return (drawn_window[0] <= window[0] + slack and window[1] - slack <= drawn_window[1]
            and drawn_window[2] <= window[2] + slack and window[3] - slack <= drawn_window[3])


def vega_index(expression: str, step: int) -> int:
    """Evaluate the residuals' frame index, a Vega expression ``c ? a : b`` in ``step``."""
    condition, then, otherwise = re.fullmatch(r"(.+) \? (.+) : (.+)", expression).groups()
    names = {"step": step, "floor": math.floor, "min": min}
    return eval(then if eval(condition, names) else otherwise, names)


def test_fit_chart_replays_the_run_frame_by_frame_with_its_residuals():
    steps = 1000  # frames every 3 steps, and the last
    lr = 0.5 * EDGE
    _view, spec = fit_spec(lr, steps)
    assert_drawable(spec)
    assert scrubber(spec)["bind"]["max"] == steps and scrubber(spec)["value"] == steps
    guess, frames = one(spec, mark="rule", x="x0")
    assert guess["transform"] == [{"filter": charts.CURRENT_FRAME}]
    (residuals, shown), = drawn(spec, mark="rule", y2="fit")
    assert len(shown) == DATA.n  # 50 points: every one has its residual
    fit_of = residuals["transform"][0]["calculate"]
    w_list, w_index, b_list, b_index = re.fullmatch(r"(\[.*?\])\[(.+?)\] \* datum\.x \+ (\[.*?\])\[(.+?)\]",
                                                    fit_of).groups()
    ws, bs = json.loads(w_list), json.loads(b_list)
    traj = lrcore.run(DATA, lr, steps=steps)
    for t in range(steps + 1):
        current = frames[(frames["step"] <= t) & (t < frames["until"])]  # the guess line the slider shows
        assert len(current) == 1, t
        k = vega_index(w_index, t)
        assert k == vega_index(b_index, t)
        # the residuals are drawn to the line the slider shows, the run's line at that frame
        assert (ws[k], bs[k]) == pytest.approx((current["w"].iloc[0], current["b"].iloc[0]), rel=1e-9)
        frame_step = int(current["step"].iloc[0])
        assert (ws[k], bs[k]) == pytest.approx((traj.w[0, frame_step], traj.b[0, frame_step]), rel=1e-9, abs=1e-12)


def test_fit_chart_scales_hold_the_points_and_both_lines():
    _, spec = fit_spec(0.5 * EDGE, 50)
    x, y = np.asarray(DATA.x), np.asarray(DATA.y)
    best, true = lstsq_line(DATA), (2.0, 1.0)
    ends = [w * x_end + b for w, b in (best, true) for x_end in (x.min(), x.max())]
    y_low, y_high = min(y.min(), *ends), max(y.max(), *ends)
    dots, points = one(spec, mark="circle", x="x")
    assert len(points) == DATA.n and dots["mark"]["color"] == charts.POINTS
    x_span, y_span = x.max() - x.min(), y_high - y_low
    assert dots["encoding"]["x"]["scale"]["domain"] == pytest.approx([x.min() - 0.02 * x_span, x.max() + 0.02 * x_span])
    assert dots["encoding"]["y"]["scale"]["domain"] == pytest.approx([y_low - 0.08 * y_span, y_high + 0.08 * y_span])
    assert colours(spec, "line") == {"best fit": charts.BEST, "true line": charts.TRUE, "current guess": charts.GUESS}
    _lines, ends_drawn = one(spec, mark="line", x="x")
    for name, (w, b) in (("best fit", best), ("true line", true)):
        line = ends_drawn[ends_drawn["line"] == name]
        assert line["y"].tolist() == pytest.approx([w * x.min() + b, w * x.max() + b])


def test_fit_chart_loss_axis_is_ticked_at_the_decades_the_loss_falls_through():
    lr, steps = 0.5 * EDGE, 300
    _, spec = fit_spec(lr, steps)
    loss = lrcore.run(DATA, lr, steps=steps).loss[0]
    line, curve = one(spec, mark="line", x="step", y="loss")
    assert line["encoding"]["y"]["scale"]["type"] == "log"
    assert axis_values(line) == powers_of_ten(loss.min(), loss.max())
    assert len(powers_of_ten(loss.min(), loss.max())) >= 2
    assert curve["step"].iloc[0] == 0 and curve["step"].iloc[-1] == steps
    assert curve["loss"].tolist() == pytest.approx(loss[curve["step"]].tolist(), rel=1e-12)


def test_fit_chart_draws_a_diverged_run_up_to_its_last_finite_step():
    lr, steps = 1.5 * EDGE, 200
    traj = lrcore.run(DATA, lr, steps=steps)
    diverged = int(traj.diverged_at[0])
    assert 0 < diverged < steps and np.isfinite(traj.loss[0, diverged - 1])
    _view, spec = fit_spec(lr, steps)
    assert_drawable(spec)
    assert scrubber(spec)["bind"]["max"] == diverged - 1
    for name, records in spec["datasets"].items():
        frame = pd.DataFrame(records)
        if "step" in frame and len(frame) > 1:
            assert frame["step"].max() == diverged - 1, name
    (_label, end), = drawn(spec, mark="text", x="step")
    assert end["label"].tolist() == [f"diverged at step {diverged}"]
    assert end["step"].tolist() == [diverged - 1] and end["loss"].iloc[0] == pytest.approx(traj.loss[0, diverged - 1])
    loss_panel = spec["vconcat"][1]
    assert loss_panel["title"] == {"text": "Loss against the step", "subtitle": f"diverged at step {diverged}"}
    # a few steps, ticked at whole steps only
    for panel in spec["vconcat"][1:]:
        (line, _), = drawn(panel | {"datasets": spec["datasets"]}, mark="line", x="step")
        assert line["encoding"]["x"]["axis"]["tickMinStep"] == 1


def test_fit_chart_without_a_true_line_or_the_directions_and_with_a_sample():
    _, spec = fit_spec(0.5 * EDGE, 20, true_line=None, directions=False, sampled_from=1_000_000)
    assert_drawable(spec)
    assert colours(spec, "line") == {"best fit": charts.BEST, "current guess": charts.GUESS}
    assert [panel["title"]["text"] for panel in spec["vconcat"]] == ["The points", "Loss against the step"]
    assert spec["vconcat"][0]["title"]["subtitle"] == "a sample: 50 of the 1,000,000 points"
    assert "subtitle" not in spec["vconcat"][1]["title"]  # it did not diverge
    assert scrubber(spec)["bind"]["max"] == 20


def test_the_direction_panel_draws_the_bounce_along_the_steep_direction_as_a_zigzag():
    lr, steps = 1.5 / bowl(DATA)[0][1], 3000  # the steep direction's factor is −0.5; drawn every third step
    _view, spec = fit_spec(lr, steps)
    assert_drawable(spec)
    panel = spec["vconcat"][2]
    lines, data = one(panel | {"datasets": spec["datasets"]}, mark="line", y="error")
    names = list(dict.fromkeys(data["direction"]))
    assert names == list(fit.direction_names(lrcore.theory.curvature(DATA)))
    assert colours(spec, "direction") == {names[0]: charts.FLAT, names[1]: charts.STEEP}
    steep = data[data["direction"] == names[1]]
    assert steep["step"].diff().dropna().unique().tolist() == [3]
    # flips between every two drawn points, while the error is above rounding (0.5**k of the start)
    sizeable = steep[steep["error"].abs() > 1e-9 * steep["error"].abs().max()]
    assert len(sizeable) >= 10
    signs = np.sign(sizeable["error"].to_numpy())
    assert (signs[1:] == -signs[:-1]).all()
    # the scale reaches the start's larger error, by numpy's eigenvectors
    _, vectors = bowl(DATA)
    along = np.abs((np.zeros(2) - np.array(lstsq_line(DATA))) @ vectors)
    largest = along.max()
    assert lines["encoding"]["y"]["scale"]["domain"] == pytest.approx([-1.05 * largest, 1.05 * largest], rel=1e-9)
    assert lines["encoding"]["y"]["scale"]["constant"] == pytest.approx(1e-4 * largest, rel=1e-9)
    # the panel marks the slider's step, the one slider of the whole chart
    assert drawn(panel | {"datasets": spec["datasets"]}, mark="rule", x="step")


def test_direction_panel_alone_has_no_step_rule_and_its_own_width():
    frame = pd.DataFrame({"step": [0, 1, 2, 0, 1, 2], "direction": ["flat"] * 3 + ["steep"] * 3,
                          "error": [1.0, 0.9, np.nan, -2.0, 1.0, np.inf]})
    spec = spec_of(charts.direction_panel(frame, height=200))
    assert_drawable(spec)
    _, data = one(spec, mark="line", y="error")
    assert len(data) == 4  # the NaN and inf rows are left out
    assert not drawn(spec, mark="rule", x="step") and "width" not in spec and spec["height"] == 200
    assert colours(spec, "direction") == {"flat": charts.FLAT, "steep": charts.STEEP}
    wide = spec_of(charts.direction_panel(frame, step=charts._scrubber(2), width=500))
    assert wide["width"] == 500 and drawn(wide, mark="rule", x="step")


@pytest.mark.parametrize("steps", [1, 5000])
def test_fit_chart_at_the_ends_of_the_steps_range_stays_small_and_finite(steps):
    _, spec = fit_spec(0.5 * EDGE, steps)
    assert_drawable(spec)
    assert scrubber(spec)["bind"]["max"] == steps


# --- the home page ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home_view():
    return home.build(DATA)


def test_lesson_and_steep_charts_give_each_run_one_colour_the_same_on_both(home_view):
    lesson, steep = spec_of(charts.lesson_chart(home_view.curves, home_view.names)), \
        spec_of(charts.steep_chart(home_view.steep, home_view.names))
    assert_drawable(lesson)
    assert_drawable(steep)
    expected = dict(zip(home_view.names, charts.RUNS))
    assert len(set(expected.values())) == 4
    assert colours(lesson) == expected and colours(steep) == expected


def test_lesson_chart_draws_the_diverging_rate_up_to_its_last_finite_step(home_view):
    (_, high), _ = bowl(DATA)
    rates = [m / high for m in home.MULTIPLES]
    traj = lrcore.run(DATA, rates, steps=home.STEPS)
    min_loss = float(mse(DATA, *lstsq_line(DATA)))
    spec = spec_of(charts.lesson_chart(home_view.curves, home_view.names, "the title"))
    line, data = one(spec, mark="line", y="gap")
    assert line["encoding"]["y"]["title"] == "the title"
    gaps = []
    for k, name in enumerate(home_view.names):
        drawn_run = data[data["run"] == name]
        finite = np.isfinite(traj.loss[k])
        last = int(np.flatnonzero(finite)[-1])
        assert drawn_run["step"].max() == last  # a diverged run: the step before it blew up
        assert (traj.diverged_at[k] >= 0) == (last < home.STEPS)
        gap = traj.loss[k, drawn_run["step"]] - min_loss
        assert drawn_run["gap"].to_numpy() == pytest.approx(gap, rel=1e-6)
        gaps += gap[gap > 0].tolist()
    assert sum(traj.diverged_at >= 0) == 1  # 2.1/λmax
    assert_log_ticks(axis_values(line), min(gaps), max(gaps))


def test_steep_chart_reaches_the_largest_error_along_the_steep_direction(home_view):
    (_, high), vectors = bowl(DATA)
    traj = lrcore.run(DATA, [m / high for m in home.MULTIPLES], steps=home.STEEP_STEPS)
    w_star, b_star = lstsq_line(DATA)
    steep = (traj.w - w_star) * vectors[0, 1] + (traj.b - b_star) * vectors[1, 1]
    largest, start = np.nanmax(np.abs(steep)), np.abs(steep[:, 0]).max()
    spec = spec_of(charts.steep_chart(home_view.steep, home_view.names))
    line, data = one(spec, mark="line", y="error")
    assert line["encoding"]["y"]["scale"]["domain"] == pytest.approx([-1.05 * largest, 1.05 * largest], rel=1e-6)
    assert line["encoding"]["y"]["scale"]["constant"] == pytest.approx(1e-4 * start, rel=1e-6)
    assert data["step"].max() == home.STEEP_STEPS
    rule, zero = one(spec, mark="rule", y="error")
    assert zero["error"].tolist() == [0.0] and rule["encoding"]["y"]["scale"] == line["encoding"]["y"]["scale"]


def test_lesson_and_steep_charts_leave_out_what_cannot_be_drawn():
    names = ["a", "b"]
    curves = pd.DataFrame({"run": ["a"] * 4 + ["b"] * 2, "step": [0, 1, 2, 3, 0, 1],
                           "gap": [10.0, 0.0, -1e-18, np.nan, np.inf, 0.5]})
    spec = spec_of(charts.lesson_chart(curves, names))
    assert_drawable(spec)
    assert one(spec, mark="line", y="gap")[1]["gap"].tolist() == [10.0, 0.5]  # finite and above 0 on a log axis
    steep = curves.rename(columns={"gap": "error"})
    spec = spec_of(charts.steep_chart(steep, names))
    assert_drawable(spec)
    assert one(spec, mark="line", y="error")[1]["error"].tolist() == [10.0, 0.0, -1e-18, 0.5]


# --- the loss-slice page ----------------------------------------------------------------------------


def slice_view(lr, steps, decay="exponential", decay_rate=0.1, param="b", loss="mse"):
    w_star, b_star = lstsq_line(DATA)
    s = lrcore.slices.along(DATA, param, w_star if param == "b" else b_star, loss)
    view = loss_slice.build(DATA, s, start=-4.0, lr=lr, steps=steps, decay=decay, decay_rate=decay_rate)
    chart = charts.slice_chart(view.curve, view.runs, param=param, minimum=(s.minimizer, s.min_loss), steps=steps,
                               diverged_at=view.diverged_at, loss_title="the title")
    return s, view, spec_of(chart)


def test_slice_chart_arrows_land_where_the_next_step_is_and_tangents_have_the_slope():
    s, _view, spec = slice_view(0.7, 20)
    assert_drawable(spec)
    assert scrubber(spec)["bind"]["max"] == 20
    names = [loss_slice.CONSTANT, loss_slice.decay_name("exponential")]
    assert colours(spec) == dict(zip(names, charts.RUNS))
    _, arrows = one(spec, mark="rule", x2="p_next")
    x, y = np.asarray(DATA.x), np.asarray(DATA.y)
    for name in names:
        run = arrows[arrows["run"] == name].sort_values("step")
        p = run["p"].to_numpy()
        assert run["p_next"].to_numpy()[:-1] == pytest.approx(p[1:], rel=1e-12)  # the arrow ends at the next step
        assert run["p_next"].iloc[-1] == run["p"].iloc[-1]  # no step after the last
        slope = [2 * np.mean(s.held * x + b - y) for b in p]  # dL/db of the MSE, by numpy
        assert run["grad"].to_numpy() == pytest.approx(slope, rel=1e-9, abs=1e-12)
        assert ((run["l1"] - run["l0"]) / (run["t1"] - run["t0"])).to_numpy() == pytest.approx(slope, rel=1e-9,
                                                                                               abs=1e-12)
        assert set(run["heading"]) <= {"triangle-right", "triangle-left"}
        moving = run[run["p_next"] != run["p"]]
        assert ((moving["p_next"] > moving["p"]) == (moving["heading"] == "triangle-right")).all()


def test_slice_chart_scales_are_the_drawn_slice():
    s, _view, spec = slice_view(0.3, 20, decay="none")
    (bowl_line, curve), = [(u, d) for u, d in drawn(spec, mark="line", x="p") if u["mark"].get("color") == charts.TRUE]
    assert bowl_line["encoding"]["x"]["scale"]["domain"] == [curve["p"].min(), curve["p"].max()]
    low, high = curve["loss"].min(), curve["loss"].max()
    assert bowl_line["encoding"]["y"]["scale"]["domain"] == pytest.approx([low - 0.05 * (high - low),
                                                                           high + 0.05 * (high - low)])
    assert colours(spec) == {loss_slice.CONSTANT: charts.RUNS[0]}
    (_, minimum), = [(u, d) for u, d in drawn(spec, mark="point") if "label" in d]
    assert minimum[["p", "loss"]].iloc[0].tolist() == pytest.approx([s.minimizer, s.min_loss])


def test_slice_chart_draws_a_diverged_run_up_to_its_last_finite_step():
    lr, steps = 1.5, 60  # along b the curvature is 2: the edge is 1
    s, _view, spec = slice_view(lr, steps, decay="none")
    traj = lrcore.slices.run_slice(DATA, lr, param="b", held=s.held, start=-4.0, steps=steps)
    diverged = int(traj.diverged_at[0])
    assert 0 < diverged < steps
    assert_drawable(spec)
    for _, data in drawn(spec):
        if "step" in data and len(data) > 1:
            assert data["step"].max() == diverged - 1
    (_text, end), = drawn(spec, mark="text")
    assert end["label"].tolist() == [f"diverged at step {diverged}"] and end["step"].tolist() == [diverged - 1]
    assert end["p"].iloc[0] == pytest.approx(traj.b[0, diverged - 1])


def test_loss_curves_draw_each_runs_gap_on_the_decades_it_falls_through():
    s, view, slice_spec = slice_view(0.3, 20)
    spec = spec_of(charts.loss_curves(view.runs, s.min_loss, "the title"))
    assert_drawable(spec)
    assert colours(spec) == colours(slice_spec)  # one colour per run on both charts of the page
    line, data = one(spec, mark="line", y="gap")
    assert line["mark"]["point"] is True  # few points: each step is marked
    gaps = view.runs["loss"] - s.min_loss
    gaps = gaps[np.isfinite(gaps) & (gaps > 0)]
    assert sorted(data["gap"]) == pytest.approx(sorted(gaps))
    assert_log_ticks(axis_values(line), gaps.min(), gaps.max())
    many = spec_of(charts.loss_curves(slice_view(0.3, 200)[1].runs, s.min_loss, "t"))
    assert one(many, mark="line", y="gap")[0]["mark"]["point"] is False  # 402 points: a plain line


# --- the contour page -----------------------------------------------------------------------------


def contour_view(runs, start=(-2.0, 8.0), steps=300, guesses=400, tol=1e-3):
    """The contour page's view built as the page builds it (the runs, the map
    framed on them, the loss over it, random guesses), on the MSE."""
    loss = lrcore.losses.get("mse")
    result = contour.run_all(DATA, runs, state.OptimizerSettings(), start=start, steps=steps, batch=0, loss="mse")
    w, b, losses, diverged = result.w, result.b, result.loss, result.diverged_at
    best = loss.minimizer(DATA)
    min_loss = float(loss.value(DATA, *best))
    window = contour.equal_window(contour.frame_window(best, start, w, b, diverged, losses))
    ws, bs = np.linspace(window[0], window[1], 160), np.linspace(window[2], window[3], 160)
    z = np.asarray(loss.value(DATA, *np.meshgrid(ws, bs)), dtype=float)
    lines = common.contour_lines(ws, bs, z, min_loss)
    half = (max(1.5 * abs(start[0] - best[0]), 0.5), max(1.5 * abs(start[1] - best[1]), 0.5))
    found = lrcore.search.random_search(DATA, guesses=guesses, center=start, half_width=half)
    search = {"w": np.asarray(found.w), "b": np.asarray(found.b), "best_so_far": np.asarray(found.best_so_far)}
    view = contour.build(DATA, runs=runs, result=result, start=start, steps=steps, loss="mse", delta=1.0, tol=tol,
                         best=best, min_loss=min_loss, window=window, equal=True, grid=(ws, bs, z), lines=lines,
                         search=search, half=half, curvature=lrcore.theory.curvature(DATA), arrows=True, batch=0)
    return view, result, search


MAP_RUNS = ((0.5 * EDGE, PLAIN), (1.05 * EDGE, PLAIN), (0.3 * EDGE, "momentum"))


@pytest.fixture(scope="module")
def contour_pieces():
    return contour_view(MAP_RUNS)


def own_run(lr, opt, steps=300, start=(-2.0, 8.0)):
    """One run of the map by lrcore.run alone (momentum: PyTorch's β = 0.9)."""
    optimizer = lrcore.optimizers.sgd(momentum=0.9) if opt == "momentum" else lrcore.optimizers.sgd()
    return lrcore.run(DATA, lr, steps=steps, start=start, optimizer=optimizer)


def test_contour_chart_draws_every_run_inside_the_map_in_its_colour(contour_pieces):
    view, _, _ = contour_pieces
    spec = spec_of(charts.contour_chart(view, minimum=lstsq_line(DATA)))
    assert_drawable(spec)
    assert scrubber(spec)["bind"]["max"] == 300
    assert colours(spec) == dict(zip(view.names, charts.RUNS))
    window = view.window
    _walked, paths = one(spec, mark="line", order="step")
    for unit, _ in units(spec):
        for channel, low, high in (("x", window[0], window[1]), ("y", window[2], window[3])):
            scale = unit.get("encoding", {}).get(channel, {}).get("scale", {})
            if "domain" in scale:
                assert scale["domain"] == [low, high]
    assert paths["w"].between(window[0], window[1]).all() and paths["b"].between(window[2], window[3]).all()
    # the run past the edge is drawn until it leaves the map, and marked at its last point inside
    leaving = paths[paths["run"] == view.names[1]]
    past_edge = own_run(*MAP_RUNS[1])
    inside = ((past_edge.w[0] >= window[0]) & (past_edge.w[0] <= window[1]) & (past_edge.b[0] >= window[2])
              & (past_edge.b[0] <= window[3]))
    first_out = int(np.argmin(inside))
    assert 0 < first_out and leaving["step"].max() < first_out
    (_, exits), = [(u, d) for u, d in drawn(spec, mark="point") if u["mark"].get("shape") == "triangle-up"]
    assert exits["run"].tolist() == [view.names[1]]
    last = leaving.sort_values("step").iloc[-1]
    assert exits[["w", "b"]].iloc[0].tolist() == pytest.approx([last["w"], last["b"]])
    # each path point is the run's own (w, b) at its step, by lrcore.run alone
    for (lr, opt), name in zip(MAP_RUNS, view.names):
        own, run = own_run(lr, opt), paths[paths["run"] == name]
        assert run["w"].to_numpy() == pytest.approx(own.w[0, run["step"]], rel=1e-12)
        assert run["b"].to_numpy() == pytest.approx(own.b[0, run["step"]], rel=1e-12)


@pytest.mark.parametrize("width", [300, 560, 720, 760, 1400])
def test_contour_map_keeps_its_scales_ratio_and_whole_window_at_any_width(contour_pieces, width):
    """Stretched across a phone or a laptop, the map's height follows its width
    within bounds, and one axis widens: the pixels per unit of w and of b keep
    the ratio of the WIDTH x HEIGHT map (equal there), so arrows keep their headings."""
    view, _, _ = contour_pieces
    spec = spec_of(charts.contour_chart(view, minimum=lstsq_line(DATA)))
    (tall,) = [param for param in spec["params"] if param["name"] == "height"]
    height = vega_eval(tall["expr"], width=width)
    assert height == pytest.approx(min(max(width * contour.HEIGHT / contour.WIDTH, charts.MAP_MIN_HEIGHT),
                                       charts.MAP_MAX_HEIGHT))
    window = view.window
    for unit, _ in units(spec):
        encoding = unit.get("encoding", {})
        for channel in ("x", "y"):
            if "domain" in encoding.get(channel, {}).get("scale", {}):
                assert encoding[channel]["scale"]["domain"] == list(window[:2] if channel == "x" else window[2:])
    x_scale = next(u["encoding"]["x"]["scale"] for u, _ in units(spec) if "scale" in u.get("encoding", {}).get("x", {}))
    y_scale = next(u["encoding"]["y"]["scale"] for u, _ in units(spec) if "scale" in u.get("encoding", {}).get("y", {}))
    (w_lo, w_hi), (b_lo, b_hi) = drawn_domain(x_scale, width=width, height=height), \
        drawn_domain(y_scale, width=width, height=height)
    at_size = ((window[1] - window[0]) / contour.WIDTH) / ((window[3] - window[2]) / contour.HEIGHT)
    assert ((w_hi - w_lo) / width) / ((b_hi - b_lo) / height) == pytest.approx(at_size, rel=1e-9)
    assert shows((w_lo, w_hi, b_lo, b_hi), window)
    # one axis is the window's own
    assert (w_lo, w_hi) == pytest.approx(window[:2], rel=1e-12) or (b_lo, b_hi) == pytest.approx(window[2:], rel=1e-12)


def test_contour_chart_arrows_point_down_the_gradient_as_drawn(contour_pieces):
    view, _, _ = contour_pieces
    spec = spec_of(charts.contour_chart(view, minimum=lstsq_line(DATA)))
    _, arrows = one(spec, mark="rule", x2="aw")
    x, y = np.asarray(DATA.x), np.asarray(DATA.y)
    window = view.window
    per_w, per_b = contour.WIDTH / (window[1] - window[0]), contour.HEIGHT / (window[3] - window[2])
    for _, row in arrows.iterrows():
        residual = row["w"] * x + row["b"] - y
        down = -np.array([2 * np.mean(residual * x), 2 * np.mean(residual)])  # −gradient of the MSE, by numpy
        arrow = np.array([row["aw"] - row["w"], row["ab"] - row["b"]])
        # parallel, to the digits a gradient of size 1e-6 near the minimum keeps
        assert abs(arrow[0] * down[1] - arrow[1] * down[0]) <= 1e-6 * np.hypot(*arrow) * np.hypot(*down)
        assert arrow @ down > 0
        # a wedge at angle θ (clockwise from up) points at (sin θ, cos θ) on screen, y up
        on_screen = np.array([arrow[0] * per_w, arrow[1] * per_b])
        heading = np.radians(row["angle"])
        assert np.array([math.sin(heading), math.cos(heading)]) == pytest.approx(on_screen / np.hypot(*on_screen),
                                                                                 abs=1e-6)


def test_the_exit_label_names_the_step_the_run_left_the_map():
    steps = 5000  # the contour page's most: a frame every 5 steps
    view, _, _ = contour_view(((1.3 * EDGE, PLAIN),), steps=steps, guesses=10)
    spec = spec_of(charts.contour_chart(view, minimum=lstsq_line(DATA)))
    (_, labels), = [(u, d) for u, d in drawn(spec, mark="text") if "label" in d]
    left_at = int(re.search(r"leaves the map at step (\d+)", labels["label"].iloc[0]).group(1))
    traj = own_run(1.3 * EDGE, PLAIN, steps=steps)
    window = view.window
    outside = ~((traj.w[0] >= window[0]) & (traj.w[0] <= window[1]) & (traj.b[0] >= window[2])
                & (traj.b[0] <= window[3]))
    assert left_at == int(np.argmax(outside))  # the first step of lrcore.run's path outside the map


def test_guess_race_keeps_the_maps_colours_and_frames_the_target(contour_pieces):
    view, _result, search = contour_pieces
    race = spec_of(charts.guess_race(view.race, target=view.target_gap, expected=view.expected, y_title="gap"))
    assert_drawable(race)
    maps = colours(spec_of(charts.contour_chart(view, minimum=lstsq_line(DATA))))
    assert colours(race) == {**maps, "random guessing": "#9e9e9e"}
    assert list(colours(race))[-1] == "random guessing"
    line, data = one(race, mark="line", x="evaluations")
    most = max(data["evaluations"].max(), 1.5 * view.expected)
    assert line["encoding"]["x"]["scale"]["domain"] == pytest.approx([1, most])
    assert_log_ticks(axis_values(line, "x"), 1, most)
    # the top: ten times the gap at the first evaluation (the start, or the first guess)
    min_loss = float(mse(DATA, *lstsq_line(DATA)))
    first = max(float(mse(DATA, -2.0, 8.0)), float(search["best_so_far"][0])) - min_loss
    low = min(data["gap"].min(), view.target_gap)
    assert line["encoding"]["y"]["scale"]["domain"] == pytest.approx([low / 2, 10 * first], rel=1e-9)
    (_, goal), = drawn(race, mark="rule", y="gap")
    assert goal["gap"].tolist() == pytest.approx([view.target_gap])
    (_, guessed), = drawn(race, mark="rule", x="evaluations")
    assert guessed["evaluations"].tolist() == pytest.approx([view.expected])


def test_guess_race_without_a_target_or_an_expected_count_draws_the_lines_alone():
    race = pd.DataFrame({"run": ["run 1"] * 3 + ["random guessing"] * 3, "evaluations": [1, 2, 3, 1, 2, 3],
                         "gap": [5.0, np.nan, 1.0, 7.0, np.inf, 0.0]})
    spec = spec_of(charts.guess_race(race, target=0.0, expected=None, y_title="gap"))
    assert_drawable(spec)
    (_, data), = drawn(spec)
    assert data["gap"].tolist() == [5.0, 1.0, 7.0]
    assert colours(spec) == {"run 1": charts.RUNS[0], "random guessing": "#9e9e9e"}


# --- the schedules page -----------------------------------------------------------------------------


def schedules_view(names=("constant", "exponential_decay"), steps=200, lr=0.02, batch=0):
    from ui import catalog

    chosen = tuple((name, tuple(sorted(catalog.SCHEDULES[name].defaults().items()))) for name in names)
    return schedules.build(DATA, chosen=chosen, lr=lr, steps=steps, optimizer=lrcore.optimizers.sgd(), opt=PLAIN,
                           loss="mse", batch=batch)


def test_schedules_chart_colours_each_schedule_alike_on_its_three_panels():
    view = schedules_view()
    spec = spec_of(charts.schedules_chart(view, log_rates=True))
    assert_drawable(spec)
    assert scrubber(spec)["bind"]["max"] == 200
    assert colours(spec) == dict(zip(view.names, charts.RUNS))
    for field in ("lr", "loss"):
        (unit, _), = drawn(spec, mark="line", y=field)
        assert unit["encoding"]["color"]["scale"]["domain"] == view.names
    (paths_unit, _), = drawn(spec, mark="line", x="w", order="step")
    assert paths_unit["encoding"]["color"]["scale"]["domain"] == view.names


def test_schedules_chart_rate_axis_is_ticked_at_the_decades_the_rates_span():
    view = schedules_view()
    spec = spec_of(charts.schedules_chart(view, log_rates=True))
    rates, data = one(spec, mark="line", y="lr")
    # constant 0.02, and exponential decay 0.02·0.01^(t/200) for t < 200 (Keras' formula)
    low, high = 0.02 * 0.01 ** (199 / 200), 0.02
    assert data["lr"].min() == pytest.approx(low) and data["lr"].max() == pytest.approx(high)
    assert axis_values(rates) == powers_of_ten(low, high) == [1e-3, 1e-2]
    assert rates["encoding"]["y"]["scale"]["type"] == "log"
    linear = spec_of(charts.schedules_chart(view, log_rates=False))
    rates, _ = one(linear, mark="line", y="lr")
    assert rates["encoding"]["y"]["scale"]["type"] == "linear" and axis_values(rates) is None


def test_schedules_chart_floor_is_the_least_squares_loss_and_the_best_fit_is_marked():
    view = schedules_view()
    spec = spec_of(charts.schedules_chart(view, log_rates=True))
    floor = float(mse(DATA, *lstsq_line(DATA)))
    (_, line), = drawn(spec, mark="rule", y="loss")
    assert line["loss"].tolist() == pytest.approx([floor], rel=1e-9)
    losses, data = one(spec, mark="line", y="loss")
    assert_log_ticks(axis_values(losses), min(data["loss"].min(), floor), max(data["loss"].max(), floor))
    (_, best), = [(u, d) for u, d in drawn(spec, mark="point") if u["mark"].get("shape") == "cross"]
    assert best[["w", "b"]].iloc[0].tolist() == pytest.approx(list(lstsq_line(DATA)))


@pytest.mark.parametrize("width", [250, 300, 420, 745, 1400])
def test_schedules_map_keeps_equal_scales_and_its_whole_window_at_any_width(width):
    """The map is as wide as the stretched chart (the Vega signal ``width``,
    shared by the stack's panels) and SCHEDULE_MAP_HEIGHT high: its window,
    made equal for MAP_SIZE, widens along one axis so that a unit of w and a
    unit of b still take the same pixels."""
    view = schedules_view()
    spec = spec_of(charts.schedules_chart(view, log_rates=True))
    contour_panel = spec["vconcat"][2]
    assert contour_panel["height"] == charts.SCHEDULE_MAP_HEIGHT
    window = view.window
    # the window as computed is equal for MAP_SIZE
    map_width, map_height = schedules.MAP_SIZE
    assert (window[1] - window[0]) / map_width == pytest.approx((window[3] - window[2]) / map_height)
    scaled = [(u["encoding"][channel]["scale"], channel) for u, _ in units(contour_panel)
              for channel in ("x", "y") if "scale" in u.get("encoding", {}).get(channel, {})]
    assert len(scaled) >= 8  # the contour lines, the best fit, the paths and the current points, on x and on y
    for scale, channel in scaled:
        assert scale["domain"] == list(window[:2] if channel == "x" else window[2:])
    x_scale = next(scale for scale, channel in scaled if channel == "x")
    y_scale = next(scale for scale, channel in scaled if channel == "y")
    assert all(scale == x_scale for scale, channel in scaled if channel == "x")
    assert all(scale == y_scale for scale, channel in scaled if channel == "y")
    height = charts.SCHEDULE_MAP_HEIGHT
    (w_lo, w_hi), (b_lo, b_hi) = drawn_domain(x_scale, width=width), drawn_domain(y_scale, width=width)
    # "same scale on both axes": a unit of w and of b take the same pixels
    assert (w_hi - w_lo) / width == pytest.approx((b_hi - b_lo) / height, rel=1e-9)
    assert shows((w_lo, w_hi, b_lo, b_hi), window)
    assert (w_lo, w_hi) == pytest.approx(window[:2], rel=1e-12) or (b_lo, b_hi) == pytest.approx(window[2:], rel=1e-12)


def stacked_charts():
    """pytest params (name, chart, panels) of each chart drawn as a stack of panels (``charts._stacked``)."""
    fit_view = fit.build(DATA, 0.5 * EDGE, 50, 0.0, 0.0)
    points = pd.DataFrame({"x": DATA.x, "y": DATA.y})
    sweep = finder.stability_view(DATA, count_rates=20, steps=50, opt=PLAIN, momentum=0.9, tol=1e-3)
    made = {
        "fit": (charts.fit_chart(points, fit_view.frames, fit_view.curve, best=lstsq_line(DATA), true_line=(2.0, 1.0),
                                 diverged_at=fit_view.diverged_at, directions=fit_view.directions), 3),
        "fit-alone": (charts.fit_chart(points, fit_view.frames, fit_view.curve, best=lstsq_line(DATA), true_line=None,
                                       diverged_at=-1), 2),
        "schedules": (charts.schedules_chart(schedules_view(), log_rates=True), 3),
        "stability": (charts.stability_chart(sweep.sweep, sweep.rules, sweep.regions, 50), 2),
    }
    return [pytest.param(name, chart, count, id=name) for name, (chart, count) in made.items()]


@pytest.mark.parametrize(("name", "chart", "count"), stacked_charts())
def test_a_stacked_chart_fits_its_width_with_every_panel_a_direct_child(name, chart, count):
    """Streamlit stretches only the direct children of a top-level vconcat,
    and only "fit-x" (Vega-Lite drops "fit" on a concat) keeps their y axes
    inside the container: every panel is a layer right under the vconcat, of
    the content width and its own, capped height, and the chart fits along x."""
    spec = spec_of(chart)
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert "hconcat" not in json.dumps(spec) and len(spec["vconcat"]) == count
    for panel in spec["vconcat"]:
        assert "layer" in panel and not {"vconcat", "concat"} & set(panel)
        assert panel["width"] == charts.PANEL_WIDTH and 150 <= panel["height"] <= 320
        # a title that would run past a phone's edge is split: a short line and a subtitle
        title = panel["title"] if isinstance(panel["title"], dict) else {"text": panel["title"]}
        assert len(title["text"]) <= 40 and len(title.get("subtitle", "")) <= 50, title
    if name != "stability":
        assert scrubber(spec)["bind"]["max"] >= 1  # one slider, at the top, for every panel


def test_legend_stays_in_one_row_where_its_entries_fit_and_wraps_where_they_do_not():
    labels = ["best fit", "true line", "current guess"]
    legend = charts._legend(labels=labels).to_dict()
    widths = [charts.LABEL_CHAR_PX * len(label) + charts.LEGEND_ENTRY_PX for label in labels]
    columns = legend["columns"]["expr"]
    # width >= the row's width ? every entry : as many columns of the widest entry as fit
    condition, in_row, wrapped = re.fullmatch(r"width >= (.+) \? (.+) : (.+)", columns).groups()
    assert float(condition) == pytest.approx(sum(widths)) and int(in_row) == 3
    assert vega_eval(wrapped, width=2 * max(widths)) == 2 and vega_eval(wrapped, width=50) == 1
    # the estimates are above what Chromium draws at Streamlit's 11-px labels: 72, 80 and 97 px
    assert widths == pytest.approx([74.4, 80.7, 105.9]) and all(w > drawn for w, drawn in zip(widths, (72, 80, 97)))
    assert legend["orient"] == "top" and legend["title"] is None


def test_schedules_chart_of_six_schedules_of_5000_steps_stays_small_and_finite():
    names = ("constant", "exponential_decay", "cosine_decay", "one_cycle", "cyclic", "warmup_cosine")
    view = schedules_view(names, steps=5000, lr=1.1 * EDGE)  # some diverge
    spec = spec_of(charts.schedules_chart(view, log_rates=True))
    assert_drawable(spec)
    assert scrubber(spec)["bind"]["max"] == 5000
    assert len(set(colours(spec).values())) == 6


# --- the LR finder page -----------------------------------------------------------------------------


def test_stability_chart_spans_the_sweep_and_draws_diverged_rates_at_their_last_finite_gap():
    view = finder.stability_view(DATA, count_rates=40, steps=100, opt=PLAIN, momentum=0.9, tol=1e-3)
    spec = spec_of(charts.stability_chart(view.sweep, view.rules, view.regions, 100))
    assert_drawable(spec)
    low, high = 1e-4 * EDGE, 10 * EDGE
    for unit, _ in units(spec):
        scale = unit.get("encoding", {}).get("x", {}).get("scale", {})
        if scale.get("type") == "log":
            assert scale["domain"] == pytest.approx([low, high], rel=1e-9)
    line, gaps = one(spec, mark="line", y="final_gap")
    assert axis_values(line, "x") == powers_of_ten(low, high)
    assert_log_ticks(axis_values(line), gaps["final_gap"].min(), gaps["final_gap"].max())
    # every rate is drawn, a diverged one at the gap of its last finite step, by running it
    assert len(gaps) == 40
    traj = lrcore.run(DATA, list(view.sweep["lr"]), steps=100)
    min_loss = float(mse(DATA, *lstsq_line(DATA)))
    assert (traj.diverged_at >= 0).sum() >= 5
    for k, row in gaps.reset_index(drop=True).iterrows():
        last = int(np.flatnonzero(np.isfinite(traj.loss[k]))[-1])
        assert row["final_gap"] == pytest.approx(traj.loss[k, last] - min_loss, rel=1e-6)
    _, arrived = one(spec, mark="line", y="steps_to_tol")
    assert len(arrived) == int(np.isfinite(view.sweep["steps_to_tol"]).sum()) < 40
    assert colours(spec, "regime")["diverging"] == charts.GUESS


def test_range_test_chart_ticks_its_axes_at_the_decades_of_its_rates_and_losses():
    test = lrcore.lr_range_test(DATA, steps=60)
    view = finder.range_test_view(DATA, test)
    spec = spec_of(charts.range_test_chart(view.points, view.marks, view.rules))
    assert_drawable(spec)
    line, _points = one(spec, mark="line", x="lr")
    (low, high), _ = bowl(DATA)
    theory = [1 / high, 2 / (low + high), 2 / high]
    suggestions = [v for v in test.suggestions.values() if math.isfinite(v)]
    rates = np.concatenate([test.lrs, theory, suggestions])
    assert axis_values(line, "x") == powers_of_ten(rates.min(), rates.max())
    losses = np.concatenate([test.losses, test.smoothed])
    losses = losses[np.isfinite(losses) & (losses > 0)]
    assert_log_ticks(axis_values(line), losses.min(), losses.max())
    assert colours(spec, "kind") == {"raw": "#b0bec5", "smoothed": charts.POINTS}
    (_, rules), = [(u, d) for u, d in drawn(spec, mark="rule", x="lr") if u["mark"].get("strokeDash")]
    assert sorted(rules["lr"]) == pytest.approx(sorted(theory))


def test_range_test_chart_leaves_out_a_suggestion_that_was_not_found():
    points = pd.DataFrame({"lr": [1e-3, 1e-2, 1e-1, 1.0, 1e-3, 1e-2], "loss": [5.0, 2.0, np.nan, np.inf, 4.0, 0.0],
                           "kind": ["raw"] * 4 + ["smoothed"] * 2})
    marks = pd.DataFrame({"label": ["valley", "steep"], "lr": [np.nan, 0.01]})
    truth = pd.DataFrame({"label": ["edge"], "meaning": ["the edge"], "lr": [0.05]})
    spec = spec_of(charts.range_test_chart(points, marks, truth))
    assert_drawable(spec)
    _, drawn_points = one(spec, mark="line", x="lr")
    assert drawn_points["loss"].tolist() == [5.0, 2.0, 4.0]
    (_, suggested), = [(u, d) for u, d in drawn(spec, mark="rule", x="lr") if u["mark"].get("color") == charts.GUESS]
    assert suggested["label"].tolist() == ["steep"]


# --- the spec the pages send ---------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40),
       st.lists(st.integers(-2**62, 2**62), min_size=1, max_size=40))
def test_compact_keeps_every_value_to_what_a_chart_can_show(floats, ints):
    """Whole numbers and text exactly; a float column moved by at most a
    10,000th of its spread (relative 1e-7 for one value alone), inf and NaN
    as they were."""
    frame = pd.DataFrame({"f": floats + floats[:1] * (40 - len(floats)), "i": ints + ints[:1] * (40 - len(ints)),
                          "s": ["run %d" % (i % 3) for i in range(40)]})
    small = charts.compact(frame, least_rows=1)
    assert small["i"].tolist() == frame["i"].tolist() and small["s"].tolist() == frame["s"].tolist()
    before, after = frame["f"].to_numpy(), small["f"].to_numpy(dtype=float)
    assert np.array_equal(np.isnan(before), np.isnan(after)) and np.array_equal(np.isinf(before), np.isinf(after))
    finite = np.isfinite(before)
    if finite.any():
        moved = np.abs(after[finite] - before[finite])
        spread = float(before[finite].max()) - float(before[finite].min())  # inf, not a warning, past 1e308
        assert np.all(moved <= np.maximum(charts.FLOAT32_SPREAD * spread, 1e-7 * np.abs(before[finite])))


def _with_data_inlined(node, datasets):
    """``node`` with every {"name": n} data reference replaced by the rows of dataset n."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "data" and isinstance(value, dict) and set(value) == {"name"}:
                out[key] = datasets[value["name"]]
            elif key != "datasets":
                out[key] = _with_data_inlined(value, datasets)
        return out
    if isinstance(node, list):
        return [_with_data_inlined(item, datasets) for item in node]
    return node


def _rows(values):
    frame = values if isinstance(values, pd.DataFrame) else pd.DataFrame.from_records(values)
    return json.loads(frame.to_json(orient="records"))


def sent_charts():
    """pytest params (name, chart) of every chart a page sends, at a small size."""
    params = [pytest.param(param.values[0], param.values[1], id=param.id) for param in stacked_charts()]
    view, _, _ = contour_view(MAP_RUNS)
    sweep = finder.stability_view(DATA, count_rates=20, steps=50, opt=PLAIN, momentum=0.9, tol=1e-3)
    test = finder.range_test_view(DATA, lrcore.lr_range_test(DATA, steps=50))
    made = {
        "contour": charts.contour_chart(view, minimum=lstsq_line(DATA)),
        "race": charts.guess_race(view.race, target=view.target_gap, expected=view.expected, y_title="gap"),
        "stability": charts.stability_chart(sweep.sweep, sweep.rules, sweep.regions, 50),
        "range test": charts.range_test_chart(test.points, test.marks, test.rules),
    }
    return params + [pytest.param(name, chart, id=name) for name, chart in made.items()]


@pytest.mark.parametrize(("name", "chart"), sent_charts())
def test_to_spec_is_the_checked_spec_with_the_same_rows_by_name(name, chart):
    """The pages send ``to_spec`` unchecked: it is the spec ``to_dict`` checks
    against the Vega-Lite schema (``spec_of``; Streamlit draws with the "none"
    theme), with every dataset a named DataFrame of the same rows."""
    with alt.theme.enable("none"):
        checked = spec_of(chart)
    sent = charts.to_spec(chart)
    assert all(isinstance(values, pd.DataFrame) or isinstance(values, list) for values in sent["datasets"].values())
    assert len(sent["datasets"]) <= len(checked.get("datasets", {}))  # a frame used twice is sent once
    # sent in compact types (charts.compact): the same rows, floats to float32 where that draws the same
    expected = _with_data_inlined(checked, {k: _rows(charts.compact(pd.DataFrame.from_records(v)))
                                            for k, v in checked.get("datasets", {}).items()})
    got = _with_data_inlined(sent, {k: _rows(v) for k, v in sent["datasets"].items()})
    assert got == expected
    again = charts.to_spec(chart)  # the chart itself is unchanged: a second call gives the same spec
    assert _with_data_inlined(again, {k: _rows(v) for k, v in again["datasets"].items()}) == got


def test_every_chart_is_the_same_built_with_altairs_own_copy_and_index(monkeypatch):
    """charts._copied stands in for Altair's deep copy, and _KeptClassIndex
    for its index of classes: every chart a page sends comes out the same
    as with Altair's own."""
    assert schemapi._deep_copy is charts._copied and schemapi._FromDict is charts._KeptClassIndex
    ours = [charts.to_spec(param.values[1]) for param in sent_charts()]
    monkeypatch.setattr(schemapi, "_deep_copy", charts._altair_copy)
    monkeypatch.setattr(schemapi, "_FromDict", charts._altair_index)
    theirs = [charts.to_spec(param.values[1]) for param in sent_charts()]
    assert len(ours) == len(theirs) >= 8
    for mine, altairs in zip(ours, theirs):
        assert _with_data_inlined(mine, {k: _rows(v) for k, v in mine["datasets"].items()}) == \
            _with_data_inlined(altairs, {k: _rows(v) for k, v in altairs["datasets"].items()})


def test_a_copied_part_is_a_copy():
    scale = alt.Scale(domain=[0, 1], type="log")
    copied = charts._copied(scale, set())
    assert copied.to_dict() == scale.to_dict() and copied is not scale and type(copied) is alt.Scale
    copied.domain.append(2)
    assert scale.domain == [0, 1]
