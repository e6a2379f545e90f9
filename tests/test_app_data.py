"""The Data page under AppTest: defaults, extremes, interactions, uploads."""

import numpy as np
import pytest

import lrcore
from app_helpers import (alert_with, charts, datasets, drawable, extremes, frame_with, metrics, open_page, spec,
                         texts)
from ui import controls, downloads, state
from ui.views.common import num

DATA_PAGE = "pages/1_Data.py"


def frames_of(at):
    """The guess's frames (step, w, b, loss) sent with the fit chart."""
    (chart,) = charts(at)
    for frame in datasets(chart).values():
        if {"step", "w", "b", "loss", "y0"} <= set(frame.columns):
            return frame
    raise AssertionError("no frames in the chart")


def test_defaults_run_and_show_the_fit():
    at = open_page(DATA_PAGE)
    assert not at.exception
    (chart,) = charts(at)
    assert drawable(chart)
    frames = frames_of(at)
    assert frames["step"].iloc[0] == 0 and frames["step"].iloc[-1] == state.FIT["fit_steps"].default
    # the first frame is the start, the last is close to the best fit
    data = lrcore.make_data()
    best = lrcore.theory.curvature(data).minimizer
    assert (frames["w"].iloc[0], frames["b"].iloc[0]) == (0.0, 0.0)
    assert abs(frames["w"].iloc[-1] - best[0]) < 0.1
    # the scrubber: a range input bound to the step parameter
    params = spec(chart)["params"]
    assert params[0]["name"] == "step" and params[0]["bind"]["input"] == "range"
    metrics = {m.label: m.value for m in at.get("metric")}
    assert metrics["Points n"] == "50"
    assert metrics["Condition number"] == f"{lrcore.theory.curvature(data).condition_number:.3g}"


def test_changing_the_learning_rate_changes_the_frames():
    at = open_page(DATA_PAGE)
    before = frames_of(at)
    at.select_slider(key="fit_lr").set_value("0.005").run()
    after = frames_of(at)
    assert not at.exception
    assert not np.allclose(before["w"].to_numpy()[1:5], after["w"].to_numpy()[1:5])
    # gradient descent's first step by hand: w1 = w0 - lr * dL/dw at the start
    data = lrcore.make_data()
    gw, _ = lrcore.losses.get("mse").grad(data, 0.0, 0.0)
    assert after["w"].iloc[1] == pytest.approx(-0.005 * gw)


def steep_errors(at) -> np.ndarray:
    """The error along the steep eigen-direction, by step, as the chart draws it."""
    directions = frame_with(charts(at)[0], {"step", "direction", "error"})
    steep = directions[directions["direction"].str.startswith("steep")].sort_values("step")
    return steep["error"].to_numpy()


def test_the_default_rate_bounces_along_the_steep_direction_and_says_so():
    at = open_page(DATA_PAGE)
    c = lrcore.theory.curvature(lrcore.make_data())
    lr = float(state.FIT["fit_lr"].default)
    assert 1 < lr * c.lambda_max < 2  # the regime the verdict names, by the definition
    kind, text = alert_with(at, "Bouncing")
    assert kind == "info" and f"lr·λmax = {num(lr * c.lambda_max)}" in text
    # the zig-zag is on the chart: the steep error flips sign each drawn step and shrinks by |1 - lr*λmax|
    error = steep_errors(at)
    assert np.all(np.sign(error[1:8]) == -np.sign(error[:7]))
    np.testing.assert_allclose(error[1:8] / error[:7], 1 - lr * c.lambda_max, rtol=1e-6)


def test_theory_buttons_set_the_exact_rates_and_the_verdict_follows():
    at = open_page(DATA_PAGE)
    data = lrcore.make_data()
    c = lrcore.theory.curvature(data)
    at.button(key="fit_set_optimal").click().run()
    assert float(at.select_slider(key="fit_lr").value) == pytest.approx(c.lr_optimal, rel=1e-5)
    # 2/(λmin+λmax) * λmax is between 1 and 2: a bounce that shrinks, not a divergence
    assert alert_with(at, "Bouncing")[0] == "info" and "Diverg" not in texts(at)
    at.button(key="fit_set_edge").click().run()
    assert float(at.select_slider(key="fit_lr").value) == pytest.approx(c.lr_max_stable, rel=1e-5)
    assert alert_with(at, "At the edge")[0] == "warning"
    error = steep_errors(at)  # at 2/λmax the steep error flips and keeps its size
    np.testing.assert_allclose(error[1:20] / error[:19], -1.0, rtol=1e-6)
    at.button(key="fit_set_best").click().run()
    steps = state.FIT["fit_steps"].default
    best = c.best_rate(steps, (0.0, 0.0))
    assert float(at.select_slider(key="fit_lr").value) == pytest.approx(best, rel=1e-5)
    # a second method: no nearby constant rate ends lower after these steps
    grid = np.append(np.linspace(0.5, 1.0, 201) * c.lr_max_stable, best)
    final = np.nan_to_num(lrcore.run(data, grid, steps=steps).loss[:, -1], nan=np.inf)
    assert final[-1] <= final[:-1].min() * (1 + 1e-12)
    assert metrics(at)["Loss of the guess"] == num(float(final[-1]), 4)


def test_no_learning_rate_diverges_and_the_chart_stops_at_the_last_finite_step():
    at = open_page(DATA_PAGE)
    at.button(key="fit_set_none").click().run()
    assert not at.exception
    assert float(at.select_slider(key="fit_lr").value) == 1.0
    data = lrcore.make_data()
    c = lrcore.theory.curvature(data)
    k = int(lrcore.run(data, 1.0, steps=state.FIT["fit_steps"].default).diverged_at[0])
    assert k > 0
    kind, text = alert_with(at, "Diverged")
    assert kind == "error" and f"Diverged at step {k}." in text
    assert f"1 − lr·λmax = {num(1 - c.lambda_max)}" in text  # the factor it prints is 1 - lr·λmax at lr = 1
    (chart,) = charts(at)
    assert drawable(chart)
    assert frames_of(at)["step"].max() == k - 1
    assert f"diverged at step {k}" in chart.proto.spec
    assert metrics(at)["Loss of the guess"] == "diverged"


def test_a_diverging_run_is_drawn_to_its_last_finite_step_and_labelled():
    at = open_page(DATA_PAGE, session={"fit_lr": "0.05"})
    assert not at.exception
    (chart,) = charts(at)
    assert drawable(chart)
    traj = lrcore.run(lrcore.make_data(), 0.05, steps=200)
    k = int(traj.diverged_at[0])
    assert f"Diverged at step {k}" in texts(at)
    assert f"diverged at step {k}" in chart.proto.spec
    assert frames_of(at)["step"].max() <= k - 1
    assert {m.label: m.value for m in at.get("metric")}["Loss of the guess"] == "diverged"


def test_standardize_changes_the_curvature_shown():
    at = open_page(DATA_PAGE)
    before = {m.label: m.value for m in at.get("metric")}["Condition number"]
    at.toggle(key="std").set_value(True).run()
    after = {m.label: m.value for m in at.get("metric")}["Condition number"]
    assert before != after and float(after) == pytest.approx(1.0, abs=0.01)


def test_dataset_settings_change_the_points():
    at = open_page(DATA_PAGE)
    at.number_input(key="n").set_value(300.0).run()
    assert {m.label: m.value for m in at.get("metric")}["Points n"] == "300"
    at.number_input(key="w").set_value(-4.0).run()
    best_w = lrcore.theory.curvature(lrcore.make_data(n=300, w=-4.0)).minimizer[0]
    assert best_w < -3


def test_large_n_is_sampled_for_drawing_and_says_so():
    at = open_page(DATA_PAGE, session={"n": 1_000_000.0})
    assert not at.exception
    (chart,) = charts(at)
    rows = max(len(f) for f in datasets(chart).values())
    assert rows <= 5000
    assert "5,000 of the 1,000,000 points" in chart.proto.spec


def test_an_uploaded_dataset_is_used_and_a_made_one_can_be_chosen_again():
    uploaded = lrcore.read_csv(b"x,y\n0,1\n1,3\n2,5.5\n3,7\n")
    at = open_page(DATA_PAGE, session={controls.UPLOAD: {"name": "mine.csv", "data": uploaded},
                                       controls.SOURCE: controls.UPLOADED})
    assert not at.exception
    assert {m.label: m.value for m in at.get("metric")}["Points n"] == "4"
    assert "mine.csv" in " ".join(c.value for c in at.get("caption"))
    at.radio(key=controls.SOURCE).set_value(controls.MADE).run()
    assert {m.label: m.value for m in at.get("metric")}["Points n"] == "50"


@pytest.mark.parametrize("std", [False, True])
def test_the_points_download_holds_the_points_in_use(std):
    """The download is made when pressed, from the recipe or the upload: it
    must hold exactly the points the pages work on."""
    from ui import compute

    settings = state.DataSettings(n=37, seed=5, std=std)
    shown = compute.made_data(settings)
    read = lrcore.read_csv(downloads.points_csv(settings))
    np.testing.assert_array_equal(read.x, shown.x)
    np.testing.assert_array_equal(read.y, shown.y)
    uploaded = lrcore.read_csv(b"x,y\n0,1\n1,3\n2,5.5\n3,7\n")
    shown = compute.standardized(uploaded, uploaded.fingerprint) if std else uploaded
    read = lrcore.read_csv(downloads.points_csv(settings, uploaded))
    np.testing.assert_array_equal(read.x, shown.x)
    np.testing.assert_array_equal(read.y, shown.y)


class FakeUpload:
    """What Streamlit hands the upload callback: a named bytes file."""

    def __init__(self, name, content):
        import io

        self.name = name
        self._buffer = io.BytesIO(content)
        self.size = len(content)

    def getvalue(self):
        return self._buffer.getvalue()

    def read(self, *args):
        return self._buffer.read(*args)

    def seek(self, *args):
        return self._buffer.seek(*args)


def test_a_bad_upload_keeps_the_previous_dataset_and_says_why(monkeypatch):
    session = {}
    monkeypatch.setattr(controls.st, "session_state", session)
    session["data_upload"] = FakeUpload("good.csv", b"x,y\n0,1\n1,3\n2,5\n")
    controls.on_upload("data_upload")
    assert session[controls.UPLOAD]["data"].n == 3 and session[controls.SOURCE] == controls.UPLOADED
    session["data_upload"] = FakeUpload("bad.csv", b"x,y\n1,2\n2,abc\n")
    controls.on_upload("data_upload")
    assert session[controls.UPLOAD]["name"] == "good.csv"  # kept
    assert "bad.csv" in session[controls.UPLOAD_ERROR] and "row 3" in session[controls.UPLOAD_ERROR]


def test_sessions_that_upload_the_same_points_share_one_copy(monkeypatch):
    """A class given one file holds it once on the server; other points are their own."""
    content = b"x,y\n" + b"".join(b"%d,%d\n" % (i, 3 * i % 7) for i in range(500))
    kept = []
    for name, body in (("a.csv", content), ("b.csv", content), ("c.csv", content + b"500,1\n")):
        session = {"data_upload": FakeUpload(name, body)}
        monkeypatch.setattr(controls.st, "session_state", session)
        controls.on_upload("data_upload")
        kept.append(session[controls.UPLOAD])
    assert kept[0]["data"] is kept[1]["data"] and kept[1]["name"] == "b.csv"
    assert kept[2]["data"] is not kept[0]["data"] and kept[2]["data"].n == 501


EXTREMES = extremes({**state.DATA, **state.FIT})


@pytest.mark.parametrize("key, value", EXTREMES, ids=[f"{k}={v}" for k, v in EXTREMES])
def test_every_setting_at_each_end_of_its_range(key, value):
    session = {key: value}
    if key == "n" and value > 1000:
        session["fit_steps"] = 50.0
    at = open_page(DATA_PAGE, session=session)
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)


def test_all_extremes_at_once():
    worst = {"n": 2.0, "noise": 100.0, "x_min": -10_000.0, "x_max": 10_000.0, "w": 100.0, "b": -100.0,
             "outliers": 0.5, "fit_lr": "10", "fit_steps": 5000.0, "fit_w0": -100.0, "fit_b0": 100.0}
    at = open_page(DATA_PAGE, session=worst)
    assert not at.exception
    assert "Diverged at step" in texts(at)
    for chart in charts(at):
        assert drawable(chart)


def test_reset_to_defaults_brings_every_setting_back():
    at = open_page(DATA_PAGE, session={"n": 500.0, "noise": 7.0, "std": True, "fit_lr": "0.005",
                                       "fit_steps": 40.0, "fit_w0": 3.0})
    assert at.number_input(key="n").value == 500
    at.button(key="reset_defaults").click().run()
    assert not at.exception
    for key, setting in {**state.DATA, **state.FIT}.items():
        widget = {"rate": at.select_slider, "bool": at.toggle}.get(setting.kind, at.number_input)(key=key)
        assert widget.value == setting.default, key


@pytest.mark.parametrize("key, value", [e for e in EXTREMES if e[0] in state.DATA])
def test_home_page_at_each_end_of_the_data_ranges(key, value):
    at = open_page("streamlit_app.py", session={key: value})
    assert not at.exception
    for chart in charts(at):
        assert drawable(chart)


def test_the_upload_limit_is_what_the_reader_accepts():
    import tomllib

    from app_helpers import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == lrcore.data.MAX_CSV_BYTES
    assert "port" not in config.get("server", {}) and "address" not in config.get("server", {})


def in_use(at) -> str:
    (line,) = [c.value for c in at.sidebar.caption if c.value.startswith("In use:")]
    return line


@pytest.mark.parametrize("page", ["streamlit_app.py", DATA_PAGE, "pages/2_Loss_slice.py",
                                  "pages/3_Loss_contour.py", "pages/4_Schedules.py", "pages/5_LR_finder.py"])
def test_every_page_says_which_data_it_works_on(page):
    at = open_page(page, query={"n": "77", "w": "-3", "b": "-2.5", "noise": "0"})
    assert in_use(at) == "In use: 77 made points; least-squares line y = −3·x − 2.5."
    at = open_page(page, query={"n": "77", "w": "-3", "b": "-2.5", "noise": "0", "std": "true"})
    # the same line in standardized x: slope times std(x), intercept at the mean of x
    raw = lrcore.make_data(n=77, w=-3.0, b=-2.5, noise=0.0)
    slope, mean = -3.0 * raw.moments.var_x**0.5, -3.0 * raw.moments.mean_x - 2.5
    assert in_use(at) == (f"In use: 77 made points, x standardized; least-squares line "
                          f"y = {slope:.4g}·x − {abs(mean):.4g}.".replace("= -", "= −"))


def test_an_uploaded_file_name_is_shown_as_written_never_as_markup():
    at = open_page(DATA_PAGE)
    name = "my_data_<b>v2</b>_*final*_[x](y).csv"
    at.file_uploader(key="data_upload").set_value((name, b"x,y\n0,1\n1,3\n2,5\n", "text/csv")).run()
    assert not at.exception
    line = in_use(at)
    assert line.startswith(f"In use: **{controls.plain(name)}**, 3 points;")
    assert "<b>" not in line and "\\_data\\_" in line and "\\[x\\](y)" in line
    at.file_uploader(key="data_upload").set_value(("bad_*1*.csv", b"x,y\n1,2\n2,**abc**\n", "text/csv")).run()
    (error,) = at.error
    assert error.value.startswith("**bad\\_\\*1\\*.csv** was not used:") and "\\*\\*abc\\*\\*" in error.value
    assert in_use(at).startswith(f"In use: **{controls.plain(name)}**, 3 points;")  # the previous file is kept
