"""The shared widgets (ui/controls.py) and the settings' helpers (ui/state.py).

Widgets run in Streamlit's AppTest: each test writes a small app into a
directory of its own, beside stub files for the pages the sidebar links to
(``st.page_link`` checks that its page exists), and reads what the app shows
and keeps. A value a link carries is checked by reading it back the way the
app reads a link (``Setting.from_url``); the made data by ``lrcore.make_data``
and numpy; the least-squares line by np.linalg.lstsq.
"""

import math
import pathlib
import textwrap
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import lrcore
from conftest import lstsq_line
from ui import controls, state

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path):
    """``app(body, query=None, session=None)``: run ``body`` as the app's main
    script, ``streamlit_app.py`` beside a ``pages/`` folder of stubs, with the
    link's ``query`` and the session's values; returns the AppTest after its run."""
    (tmp_path / "pages").mkdir()
    for path, *_ in controls.PAGES[1:]:
        (tmp_path / path).write_text("")
    header = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport streamlit as st\nfrom ui import controls, state\n"

    def run(body, query=None, session=None):
        script = tmp_path / "streamlit_app.py"
        script.write_text(header + textwrap.dedent(body))
        at = AppTest.from_file(str(script), default_timeout=30)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        for key, value in (session or {}).items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def notices(at) -> list[str]:
    """The adjusted settings the page lists, one per line."""
    said = [w.value for w in at.warning if w.value.startswith("Some settings were adjusted")]
    return [line[2:] for line in said[0].split("\n") if line.startswith("- ")] if said else []


# --- the app's pages ---------------------------------------------------------------------------------


def test_the_pages_are_the_apps_own_files_in_order():
    # the app's own files, as the sidebar names them
    assert controls.PAGES[0][0] == "streamlit_app.py"
    assert [path for path, *_ in controls.PAGES] == \
        ["streamlit_app.py"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


# --- what a link carries --------------------------------------------------------------------------------


def test_widget_value_is_what_the_widget_holds():
    assert controls._widget_value(state.DATA["n"], 50) == 50.0 and isinstance(
        controls._widget_value(state.DATA["n"], 50), float)  # whole numbers live in float inputs
    assert controls._widget_value(state.SCHED["sched_pick"], ("constant", "cyclic")) == ["constant", "cyclic"]
    assert controls._widget_value(state.DATA["noise"], 2.5) == 2.5
    assert controls._widget_value(state.FIT["fit_lr"], "0.02") == "0.02"
    assert controls._widget_value(state.DATA["std"], True) is True


def values_to_try(spec):
    if spec.kind in ("float", "int"):
        return [spec.default, spec.low, spec.high]
    if spec.kind == "rate":
        return [spec.default, spec.options[0], spec.options[-1]]
    if spec.kind == "bool":
        return [True, False]
    if spec.kind == "choice":
        return list(spec.options)
    return [list(spec.default), list(spec.options[:state.MAX_SCHEDULES]), list(spec.options[-1:])]


@pytest.mark.parametrize("key", sorted(state.ALL))
def test_a_value_written_into_a_link_reads_back_as_itself(key):
    spec = state.ALL[key]
    for value in values_to_try(spec):
        written = controls._link_value(spec, value)
        raw = ",".join(written) if spec.kind == "multi" else written
        assert spec.from_url(raw) == (value, None), (value, written)


def test_a_choice_is_written_into_a_link_by_the_words_its_widget_shows():
    assert controls._link_value(state.SLICE["slice_param"], "w") == "w (b held)"
    assert controls._link_value(state.SLICE["slice_loss"], "huber") == state.LOSS_NAMES["huber"]
    assert controls._link_value(state.SCHED["sched_pick"], ["cosine_decay", "constant"]) == \
        [state.SCHEDULE_NAMES["cosine_decay"], state.SCHEDULE_NAMES["constant"]]
    assert controls._link_value(state.SLICE["slice_hold"], "a value") == "a value"  # no label: the option itself
    assert controls._link_value(state.DATA["std"], True) == "true"
    assert controls._link_value(state.DATA["seed"], 7) == "7"
    assert controls._link_value(state.DATA["noise"], 0.1) == "0.1"


IMPORT = """
controls.import_url()
st.session_state["_seen"] = {key: st.session_state.get(key) for key in ("n", "noise", "fit_lr", "x_min", "std", "w")}
controls.show_notices()
"""


def test_import_url_checks_each_value_once_and_rewrites_the_link_as_the_widgets_write_it(app):
    query = {"n": "2.6", "noise": "abc", "fit_lr": "0.0123456789", "x_min": "-1e9", "std": "yes", "w": "2",
             "other": "5"}
    at = app(IMPORT, query=query)
    seen = at.session_state["_seen"]
    assert seen == {"n": 3.0, "noise": None, "fit_lr": "0.0123457", "x_min": -10_000.0, "std": True, "w": 2.0}
    # each value as from_url reads it, by the setting's own rules
    for key in ("n", "fit_lr", "x_min", "std", "w"):
        value, _ = state.ALL[key].from_url(query[key])
        assert seen[key] == controls._widget_value(state.ALL[key], value)
    assert dict(at.query_params) == {"n": "3", "fit_lr": "0.0123457", "x_min": "-10000.0", "std": "true",
                                     "other": "5"}  # w is the default; noise was ignored; other is not ours
    assert notices(at) == ["`noise=abc` is not a number and was ignored.",
                           "`x_min=-1e9` is outside -10000 to 10000; using -10000.0."]


def test_import_url_reads_a_link_again_only_when_it_asks_to_be_applied(app):
    at = app(IMPORT, query={"n": "120"})
    assert at.session_state["_seen"]["n"] == 120.0
    at.query_params["n"] = "80"
    at.run()
    assert at.session_state["_seen"]["n"] == 120.0  # read once per session
    at.query_params["n"] = "80"
    at.query_params[controls.APPLY] = "1"
    at.run()
    assert at.session_state["_seen"]["n"] == 80.0 and controls.APPLY not in at.query_params


def test_keep_hands_each_value_back_and_invents_none(app):
    at = app("""
        st.session_state["n"] = 120.0
        st.session_state[controls.SOURCE] = controls.UPLOADED
        controls._keep(state.DATA)
        st.session_state["_kept"] = {key: st.session_state.get(key, "absent") for key in ("n", "w", controls.SOURCE)}
    """)
    assert at.session_state["_kept"] == {"n": 120.0, "w": "absent", controls.SOURCE: controls.UPLOADED}


def test_a_change_the_learner_makes_is_kept_on_the_next_runs(app):
    body = """
        controls.import_url()
        st.session_state["_noise"] = controls.number(state.DATA["noise"])
    """
    at = app(body, query={"noise": "3"})
    assert at.session_state["_noise"] == 3.0
    at.number_input(key="noise").set_value(7.0).run()
    at.run()
    assert at.session_state["_noise"] == 7.0 and at.number_input(key="noise").value == 7.0


def test_notices_are_listed_once_each_until_dismissed(app):
    at = app("""
        if not st.session_state.get("_added"):
            controls.add_notice("first")
            controls.add_notice("second")
            controls.add_notice("first")
            st.session_state["_added"] = True
        controls.show_notices()
    """)
    assert notices(at) == ["first", "second"]
    at.button(key="dismiss_notices").click().run()
    assert notices(at) == [] and not at.button  # nothing to dismiss any more
    quiet = app("controls.show_notices()")
    assert not quiet.warning and not quiet.button


# --- widgets --------------------------------------------------------------------------------------------


def test_select_offers_the_options_by_their_labels_and_returns_the_option(app):
    spec = state.CONTOUR["contour_opt1"]
    at = app("""
        st.session_state["_opt"] = controls.select(state.CONTOUR["contour_opt1"])
    """)
    box = at.selectbox(key="contour_opt1")
    assert box.options == [state.OPTIMIZER_NAMES[o] for o in spec.options] and box.value == spec.default
    assert at.session_state["_opt"] == spec.default
    box.select("adam").run()
    assert at.session_state["_opt"] == "adam"
    # the address bar carries the words the widget shows, and a link with them opens the same choice
    assert spec.from_url(state.OPTIMIZER_NAMES["adam"]) == ("adam", None)
    opened = app('st.session_state["_opt"] = controls.select(state.CONTOUR["contour_opt1"])',
                 query={"contour_opt1": state.OPTIMIZER_NAMES["adam"]})
    assert opened.session_state["_opt"] == "adam"


def test_schedule_parameters_give_every_chosen_schedule_its_settings(app):
    chosen = ["constant", "cyclic", "reduce_on_plateau", "exponential_decay"]
    at = app(f"""
        st.session_state["_values"] = controls.schedule_parameters({chosen!r})
    """)
    values = at.session_state["_values"]
    assert list(values) == chosen and values["constant"] == {}
    for name in chosen:
        keys = state.SCHEDULE_PARAMS[name]
        assert values[name] == {param: state.SCHED[key].default for param, key in keys.items()}
    assert type(values["exponential_decay"]["staircase"]) is bool and values["cyclic"]["mode"] == "triangular"
    assert type(values["reduce_on_plateau"]["patience"]) is float  # a whole number, as the float widget holds it
    drawn = sum(len(state.SCHEDULE_PARAMS[name]) for name in chosen)
    assert len(at.number_input) + len(at.toggle) + len(at.selectbox) == drawn
    at.selectbox(key="sched_cyclic_mode").select("exp_range").run()
    at.number_input(key="sched_reduce_on_plateau_patience").set_value(3.0).run()
    values = at.session_state["_values"]
    assert values["cyclic"]["mode"] == "exp_range" and values["reduce_on_plateau"]["patience"] == 3.0


def test_set_values_sets_several_widgets_at_once(app):
    at = app("""
        st.button("Preset", key="preset", on_click=controls.set_values,
                  args=({"n": 80.0, "noise": 2.5, "std": True},))
        st.session_state["_values"] = (controls.number(state.DATA["n"]), controls.number(state.DATA["noise"]),
                                       controls.toggle(state.DATA["std"]))
    """)
    assert at.session_state["_values"] == (50, 1.0, False)
    at.button(key="preset").click().run()
    assert at.session_state["_values"] == (80, 2.5, True)
    assert at.number_input(key="n").value == 80 and at.toggle(key="std").value is True


def test_a_click_on_the_map_starts_the_runs_there_within_the_start_widgets_ranges(app):
    body = """
        controls.start_from_pick("contour_chart", "start_pick", "contour_w0", "contour_b0")
        st.session_state["_start"] = (controls.number(state.CONTOUR["contour_w0"]),
                                      controls.number(state.CONTOUR["contour_b0"]))
    """
    picked = {"selection": {"start_pick": [{"w": 3.5, "b": -250.0}]}}
    at = app(body, session={"contour_chart": picked})
    low_b = state.CONTOUR["contour_b0"].low
    assert at.session_state["_start"] == (3.5, low_b)  # -250 is below the widget's range: clamped
    nothing = app(body, session={"contour_chart": {"selection": {"start_pick": []}}})
    defaults = (state.CONTOUR["contour_w0"].default, state.CONTOUR["contour_b0"].default)
    assert nothing.session_state["_start"] == defaults
    assert app(body).session_state["_start"] == defaults  # no click yet


# --- the dataset group --------------------------------------------------------------------------------


SIDEBAR = """
settings, source = controls.data_sidebar()
st.session_state["_settings"] = (settings.key(), source)
controls.show_notices()
"""


def test_data_sidebar_returns_the_settings_its_widgets_show(app):
    at = app(SIDEBAR, query={"n": "120", "noise": "0.5", "seed": "7", "std": "true"})
    key, source = at.session_state["_settings"]
    assert key == state.DataSettings(n=120, noise=0.5, seed=7, std=True).key() and source == controls.MADE
    assert [at.number_input(key=k).value for k in ("n", "noise", "seed")] == [120, 0.5, 7]
    assert not at.radio  # no upload: nothing to choose between
    assert [link.proto.label for link in at.sidebar.get("page_link")] == [label for _, label, _ in controls.PAGES]


def test_data_sidebar_mends_a_reversed_x_range_and_says_so(app):
    at = app(SIDEBAR, query={"x_min": "8", "x_max": "-2"})
    key, _ = at.session_state["_settings"]
    settings = state.DataSettings(*key)
    assert (settings.x_min, settings.x_max) == (-2.0, 8.0)
    assert notices(at) == ["x from (8) was above x to (-2): the two were swapped."]
    data = lrcore.make_data(**settings.recipe())
    assert -2.0 <= data.x.min() and data.x.max() <= 8.0


def test_share_and_reset_show_the_link_and_put_every_setting_back(app):
    body = """
        current = controls.current_data()
        controls.share_and_reset(state.FIT, current.source)
        st.session_state["_lr"] = controls.rate(state.FIT["fit_lr"])
    """
    at = app(body, query={"n": "80", "fit_lr": "0.005"})
    link, = [code.value for code in at.get("code")]
    assert parse_qs(urlsplit(link).query) == {"n": ["80"], "fit_lr": ["0.005"]}
    assert not at.info  # made points travel in the link
    at.button(key="reset_defaults").click().run()
    assert [code.value for code in at.get("code")] == [""]  # every setting at its default: nothing to carry
    assert at.session_state["_lr"] == float(state.FIT["fit_lr"].default)
    assert at.number_input(key="n").value == state.DATA["n"].default


def test_share_link_carries_each_changed_setting_as_the_link_reader_reads_it(app):
    session = {"n": 120.0, "noise": 1.0, "std": True, "sched_pick": ["cosine_decay", "cyclic"], "fit_lr": "0.005",
               "x_min": -0.25, "slice_loss": "huber"}
    at = app("""
        st.session_state["_link"] = controls.share_link(state.ALL)
    """, session=session)
    link = at.session_state["_link"]
    assert link.startswith("?")
    carried = parse_qs(urlsplit(link).query)
    assert set(carried) == set(session) - {"noise"}  # noise is at its default
    for key, raw in carried.items():
        spec = state.ALL[key]
        value, notice = spec.from_url(",".join(raw))
        assert notice is None and controls._widget_value(spec, value) == session[key], key
    assert app("st.session_state['_link'] = controls.share_link(state.ALL)").session_state["_link"] == ""


def test_uploaded_points_are_used_only_while_the_upload_is_chosen(app):
    upload = {"name": "mine.csv", "data": lrcore.Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 4.0])}
    body = """
        st.session_state["_points"] = [controls.uploaded_points(s) is not None for s in (controls.MADE, controls.UPLOADED)]
    """
    assert app(body, session={controls.UPLOAD: upload}).session_state["_points"] == [False, True]
    assert app(body).session_state["_points"] == [False, False]  # nothing uploaded


CURRENT = """
current = controls.current_data()
st.session_state["_current"] = {"x": current.data.x.tolist(), "y": current.data.y.tolist(), "source": current.source,
                                 "true_line": current.true_line, "name": current.name}
"""


def test_current_data_is_the_made_points_and_the_line_they_were_drawn_around(app):
    at = app(CURRENT, query={"n": "40", "w": "-3", "b": "5", "seed": "4"})
    current = at.session_state["_current"]
    made = lrcore.make_data(n=40, w=-3.0, b=5.0, seed=4)
    assert current["x"] == made.x.tolist() and current["y"] == made.y.tolist()
    assert current["true_line"] == (-3.0, 5.0) and current["source"] == controls.MADE
    w, b = lstsq_line(made)
    caption = at.sidebar.caption[-1].value
    assert caption == f"In use: 40 made points; least-squares line y = {f'{w:.4g}'.replace('-', '−')}·x " \
                      f"{'−' if b < 0 else '+'} {abs(b):.4g}."


def test_current_data_standardized_keeps_the_true_line_in_the_new_x(app):
    at = app(CURRENT, query={"std": "true", "w": "-3", "b": "5", "x_min": "100", "x_max": "110"})
    current = at.session_state["_current"]
    made = lrcore.make_data(w=-3.0, b=5.0, x_min=100.0, x_max=110.0)
    x = np.asarray(made.x)
    standardized = (x - x.mean()) / x.std()  # numpy's population std, as the design says
    assert current["x"] == pytest.approx(standardized.tolist(), abs=1e-9)
    w, b = current["true_line"]
    # the same line: y = -3·x + 5 at every point, written in the standardized x
    assert (w * standardized + b) == pytest.approx(-3.0 * x + 5.0, rel=1e-9)
    assert "x standardized" in at.sidebar.caption[-1].value


def test_current_data_is_the_upload_while_it_is_chosen(app):
    points = lrcore.Dataset([0.0, 1.0, 2.0, 4.0], [1.0, 3.0, 4.0, 9.0])
    at = app(CURRENT, session={controls.UPLOAD: {"name": "my_*points*.csv", "data": points}})
    assert at.session_state["_current"]["source"] == controls.MADE  # made points until the learner picks the upload
    at.radio(key=controls.SOURCE).set_value(controls.UPLOADED).run()
    current = at.session_state["_current"]
    assert current["x"] == points.x.tolist() and current["true_line"] is None and current["name"] == "my_*points*.csv"
    w, b = lstsq_line(points)
    assert at.sidebar.caption[-1].value == (f"In use: **my\\_\\*points\\*.csv**, 4 points; least-squares line "
                                           f"y = {w:.4g}·x + {b:.4g}.")


def test_in_use_says_in_the_sidebar_which_points_the_page_works_on(app):
    at = app("""
        import lrcore
        points = lrcore.Dataset([0.0, 1.0, 2.0, 4.0], [1.0, 3.0, 4.0, 9.0])
        for source, name, std in ((controls.UPLOADED, "a_b.csv", True), (controls.MADE, "made points", False)):
            current = controls.CurrentData(points, state.DataSettings(std=std), source, None, name)
            st.session_state.setdefault("_same", []).append(controls._in_use(current) is current)
    """)
    assert at.session_state["_same"] == [True, True]  # the data in use, handed on
    w, b = lstsq_line(lrcore.Dataset([0.0, 1.0, 2.0, 4.0], [1.0, 3.0, 4.0, 9.0]))
    line = f"least-squares line y = {w:.4g}·x + {b:.4g}."
    assert [c.value for c in at.sidebar.caption] == [f"In use: **a\\_b.csv**, 4 points, x standardized; {line}",
                                                     f"In use: 4 made points; {line}"]


# --- the settings' helpers (ui/state.py) ---------------------------------------------------------------


def test_log_grid_is_the_nice_rates_between_its_ends_in_order():
    labels = state._log_grid(1e-6, 10.0)
    rates = [float(label) for label in labels]
    by_hand = sorted(m * 10.0**k for k in range(-6, 2) for m in (1, 1.5, 2, 3, 5, 7) if 1e-6 <= m * 10.0**k <= 10.0)
    assert rates == pytest.approx(by_hand, rel=1e-12) and len(rates) == 7 * 6 + 1
    assert labels[0] == state.format_rate(1e-6) and labels[-1] == "10"
    assert all(state.format_rate(rate) == label for rate, label in zip(rates, labels))  # labels read back as written
    assert state._log_grid(0.02, 0.1) == ("0.02", "0.03", "0.05", "0.07", "0.1")
    assert state._log_grid(1.0, 1.0) == ("1",)
    assert state.SLICE["slice_lr"].options == state._log_grid(state.LR_MIN, 100.0)


def test_settings_are_keyed_by_their_url_key_and_no_two_share_one():
    a, b = state.Setting("a", "A", 1.0), state.Setting("b", "B", 2.0)
    assert state._settings(a, b) == {"a": a, "b": b} and list(state._settings(b, a)) == ["b", "a"]
    groups = (state.DATA, state.FIT, state.SLICE, state.CONTOUR, state.SCHED, state.FINDER, state.LESSON)
    assert sum(len(group) for group in groups) == len(state.ALL)  # one URL key, one widget
    assert all(key == spec.key for group in groups for key, spec in group.items())


@pytest.mark.parametrize("x_min, x_max, fixed, said", [
    (0.0, 10.0, (0.0, 10.0), None),
    (8.0, -2.0, (-2.0, 8.0), "x from (8) was above x to (-2): the two were swapped."),
    (3.0, 3.0, (3.0, 4.0), "x from and x to were both 3: x to is taken as 4."),
    (1000.0, 1000.0001, (1000.0, 1001.0),
     "x from (1000) and x to (1000) were too close to draw distinct x: x to is taken as 1001."),
    (1000.0, 1000.01, (1000.0, 1000.01), None),  # 1e-5 of its size: wide enough
    (-10_000.0, -10_000.0, (-10_000.0, -9_999.0), "x from and x to were both -10000: x to is taken as -9999."),
])
def test_x_range_fixed_mends_ranges_that_cannot_draw_distinct_x(x_min, x_max, fixed, said):
    got_min, got_max, notice = state.x_range_fixed(x_min, x_max)
    assert (got_min, got_max) == pytest.approx(fixed) and notice == said
    data = lrcore.make_data(n=50, x_min=got_min, x_max=got_max)  # draws distinct x: a slope is defined
    assert np.unique(data.x).size > 1 and got_min <= data.x.min() and data.x.max() <= got_max
    assert math.isfinite(lstsq_line(data)[0])
