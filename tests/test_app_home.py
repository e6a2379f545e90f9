"""The home page, the lesson, under Streamlit's AppTest: each chapter
unanswered, answered right, answered wrong and at extreme data; the right
answer checked against a second computation and seen to change with the
data where it should; each chapter's link opening its page at the chapter's
settings; the count in the sidebar; the embedded view."""

import math
import urllib.parse

import numpy as np
import pytest

import lrcore
from app_helpers import DRAWN_RTOL, alerts, charts, datasets, open_page, texts
from ui import controls
from ui.views import home, lesson
from ui.views.common import num

DEFAULT = {}
ROUND = {"std": "true"}  # the second dataset: standardized x, a round bowl (λ = 2 both ways)
KEYS = {1: [key for key, _, _, _ in lesson.RACE], 2: [key for key, _ in lesson.SLOPE],
        3: [key for key, _ in lesson.LANDING], 4: [str(m) for m in home.MULTIPLES],
        5: [key for key, _ in lesson.SETTLE], 6: [key for key, _ in lesson.CHOOSE]}


def made(query: dict) -> lrcore.Dataset:
    settings = {key: float(value) for key, value in query.items() if key not in ("std", "chapter")}
    for whole in ("n", "seed"):
        if whole in settings:
            settings[whole] = int(settings[whole])
    data = lrcore.make_data(**settings)
    return lrcore.standardize(data) if query.get("std") == "true" else data


def bowl(data):
    """λmin, λmax and the best fit by a second method: eigvalsh and lstsq."""
    x, y = np.asarray(data.x), np.asarray(data.y)
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    low, high = np.linalg.eigvalsh(hessian)
    (w, b), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
    return low, high, (w, b), float(np.mean((w * x + b - y) ** 2))


def descend(data, lr, steps, start=(0.0, 0.0)):
    """Plain gradient descent on the MSE written out: the loss at every step."""
    x, y = np.asarray(data.x), np.asarray(data.y)
    w, b = start
    losses = [float(np.mean((w * x + b - y) ** 2))]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            r = w * x + b - y
            w, b = w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r)
            losses.append(float(np.mean((w * x + b - y) ** 2)))
    return np.array(losses)


def right_answer(number: int, data) -> set:
    """The right choices, computed without the app's views."""
    low, high, best, floor = bowl(data)
    x, y = np.asarray(data.x), np.asarray(data.y)
    if number == 1:
        start = lesson.GUESS_START
        losses = descend(data, 2 / (low + high), lesson.GUESS_STEPS, start)
        target = lesson.GUESS_TOL * (losses[0] - floor)
        steps = int(np.argmax(losses - floor <= target))
        half = [max(1.5 * abs(s - m), 0.5) for s, m in zip(start, best)]
        expected = 4 * half[0] * half[1] / (2 * math.pi * target / math.sqrt(low * high))  # the ellipse inside the box
        ratio = expected / steps
        return {key for key, _, lo, hi in lesson.RACE if lo <= ratio < hi}
    if number == 2:
        h = 1e-6
        slope = (np.mean((h * x - y) ** 2) - np.mean((-h * x - y) ** 2)) / (2 * h)  # dL/dw at (0, 0), by differences
        return {"up"} if slope < 0 else {"down"} if slope > 0 else {"stays"}
    if number == 3:
        factor = 1 - high
        return {"short"} if factor > 0 else {"on"} if factor == 0 else {"closer"} if factor > -1 else \
            {"as far"} if math.isclose(factor, -1, rel_tol=1e-12) else {"farther"}
    if number == 4:
        ends = []
        for m in home.MULTIPLES:
            losses = descend(data, m / high, home.STEPS)
            ends.append(losses[-1] - floor if np.all(losses < 1e12 * max(1, losses[0])) else math.inf)
        start_gap = descend(data, 0.0, 0)[0] - floor
        return {str(m) for m, end in zip(home.MULTIPLES, ends) if end <= min(ends) + 1e-12 * start_gap}
    if number == 5:
        schedules = [lesson.decay_rate(lrcore.theory.curvature(data)) * np.ones(lesson.DECAY_STEPS)]
        rate = schedules[0][0]
        schedules.append(rate * lesson.decay_end() ** (np.arange(lesson.DECAY_STEPS) / lesson.DECAY_STEPS))
        traj = lrcore.run(data, [lrcore.schedules.constant(rate),
                                 lrcore.schedules.exponential_decay(rate, lesson.DECAY_STEPS, lesson.decay_end())],
                          steps=lesson.DECAY_STEPS, batch_size=lesson.DECAY_BATCH)
        np.testing.assert_allclose(traj.lr, np.array(schedules), rtol=1e-12)
        tail = traj.loss[:, -lrcore.descent.tail_window(lesson.DECAY_STEPS, 0.1):] - floor
        constant, decayed = np.mean(tail, axis=1)
        if max(constant, decayed) < 2 * min(constant, decayed):
            return {"same"}
        return {"decay"} if decayed < constant else {"constant"}
    valley = lrcore.lr_range_test(data).suggestions["valley"]
    ratio = valley / (2 / (low + high))
    return {"below"} if ratio < 0.5 else {"above"} if ratio > 2 else {"near"}


def answer(number: int, key: str, query: dict | None = None, session: dict | None = None):
    at = open_page(query={**(query or {}), "chapter": str(number)}, session=session)
    assert not at.exception
    at.radio(key=f"lesson_q{number}").set_value(key).run()
    assert not at.exception
    return at


def verdict(at):
    said = [(kind, text) for kind, text in alerts(at) if text.startswith(("**Right", "**Not this", "**These"))]
    assert len(said) == 1, alerts(at)
    return said[0]


def test_the_home_page_is_the_lesson_and_asks_before_it_shows():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Learning-Rate Explorer"
    assert [h.value for h in at.main.get("header")] == [f"1. {lesson.CHAPTERS[0].title}"]
    question = at.radio(key="lesson_q1")
    assert question.value is None and question.index is None  # nothing picked at first
    assert not charts(at) and not [a for a in alerts(at) if "Right" in a[1]]
    assert at.button(key="lesson_next").label.startswith("2. ")
    assert not [c for c in at.sidebar.caption if "Lesson:" in c.value]  # nothing to count yet


@pytest.mark.parametrize("number", range(1, 7))
def test_each_chapter_unanswered_shows_its_question_and_nothing_else(number):
    at = open_page(query={"chapter": str(number)})
    assert not at.exception
    assert at.main.get("header")[0].value == f"{number}. {lesson.CHAPTERS[number - 1].title}"
    question = at.radio(key=f"lesson_q{number}")
    assert question.value is None
    assert len(question.options) == len(KEYS[number])
    assert not charts(at)
    assert not [link for link in at.main.get("page_link")]


@pytest.mark.parametrize("query", [DEFAULT, ROUND], ids=["default", "round"])
@pytest.mark.parametrize("number", range(1, 7))
def test_each_chapter_judges_right_and_wrong_answers_by_a_second_computation(number, query):
    data = made(query)
    right = right_answer(number, data)
    assert right, "the second computation found no right answer"
    wrong = [key for key in KEYS[number] if key not in right]
    at = answer(number, sorted(right)[0], query)
    kind, text = verdict(at)
    assert (kind, text.split(".")[0]) == ("success", "**Right")
    assert charts(at), "the answer reveals the chapter's view"
    assert "1 of 6 answered, 1 right" in " ".join(c.value for c in at.sidebar.caption)
    at = answer(number, wrong[0], query)
    kind, text = verdict(at)
    assert kind == "warning" and text.startswith("**Not this time")
    question = lesson.CHAPTERS[number - 1]
    labels = dict(zip(KEYS[number], at.radio(key=f"lesson_q{number}").options))
    for key in right:
        assert f"“{labels[key]}”" in text  # the answer named by its label
    assert "1 of 6 answered, 0 right" in " ".join(c.value for c in at.sidebar.caption)
    link = at.main.get("page_link")[-1]
    assert link.proto.label == question.page_label


@pytest.mark.parametrize("number, other, expected", [
    (1, ROUND, ({"up to 1000"}, {"more"})),
    (2, {"w": "-2"}, ({"up"}, {"down"})),
    (3, ROUND, ({"farther"}, {"as far"})),
    (4, ROUND, ({"1.9"}, {"0.1", "1.0", "1.9"})),
    (5, {"noise": "0"}, ({"decay"}, {"constant"})),
])
def test_the_right_answer_changes_with_the_data_where_it_should(number, other, expected):
    """The defaults and a second dataset give different answers, and the page follows."""
    for query, right in zip((DEFAULT, other), expected):
        assert right_answer(number, made(query)) == right
        for key in KEYS[number]:
            kind, _ = verdict(answer(number, key, query))
            assert (kind == "success") == (key in right), (query, key)


def test_every_verdict_is_read_from_the_numbers_its_chapter_draws():
    # chapter 1: the race drawn holds descent's steps and the expected count the verdict names
    at = answer(1, "more")
    race = next(iter(datasets(charts(at)[0]).values()))
    _, text = verdict(at)
    descent = race[race["run"] == "gradient descent"]
    view = lesson.guessing(made(DEFAULT))
    reached = descent[descent["gap"] <= view.target]["evaluations"].min() - 1
    assert f"got there in {reached:,} steps" in text and f"needs {round(view.expected):,} guesses" in text
    # chapter 3: the steep direction's error drawn at steps 0 and 1 is multiplied by the factor said
    at = answer(3, "farther")
    directions = [frame for frame in datasets(charts(at)[0]).values() if "direction" in frame]
    steep = directions[0][directions[0]["direction"].str.startswith("steep")].sort_values("step")
    factor = steep["error"].iloc[1] / steep["error"].iloc[0]
    _, text = verdict(at)
    assert f"1 − λmax = {num(factor)}" in text
    # chapter 4: the gaps drawn last are the gaps the verdict compares
    at = answer(4, "1.9")
    curves = next(frame for frame in datasets(charts(at)[0]).values() if "gap" in frame)
    _, text = verdict(at)
    for name, group in curves.groupby("run"):
        last = group.sort_values("step").iloc[-1]
        if last["step"] == home.STEPS:
            assert f"{num(last['gap'])} above" in text


EXTREMES = [{"n": "2"}, {"x_min": "9990", "x_max": "10000"}, {"noise": "100", "outliers": "0.5"},
            {"n": "1000000", "x_min": "-10000", "x_max": "10000"}, {"w": "0", "noise": "0"}]


@pytest.mark.parametrize("query", EXTREMES, ids=lambda q: ",".join(f"{k}={v}" for k, v in q.items()))
@pytest.mark.parametrize("number", range(1, 7))
def test_each_chapter_at_extreme_data_answers_without_an_exception(number, query):
    at = answer(number, KEYS[number][0], query)
    verdict(at)
    for chart in charts(at):
        for frame in datasets(chart).values():
            numeric = frame.select_dtypes("number").to_numpy(dtype=float)
            assert np.isfinite(numeric).all()


def test_a_chapter_link_opens_its_page_at_the_chapter_settings():
    at = answer(3, "farther", {"noise": "2"})
    link = at.main.get("page_link")[-1]
    assert link.proto.page == "Data"
    query = dict(urllib.parse.parse_qsl(link.proto.query_string))
    assert query["noise"] == "2.0" and query[controls.APPLY] == "1"
    assert (query["fit_lr"], query["fit_steps"]) == ("1", str(lesson.OVERSHOOT_STEPS))
    page = open_page("pages/1_Data.py", query=query)  # as a new tab, or a teacher, opens it
    assert not page.exception
    assert page.session_state["fit_lr"] == "1" and page.session_state["noise"] == 2.0
    assert any("Diverged at step" in text for _, text in alerts(page))


def test_a_chapter_link_resets_what_the_session_changed_on_that_page():
    at = open_page(query={"chapter": "3"}, session={"fit_w0": 5.0})
    at.radio(key="lesson_q3").set_value("farther").run()
    query = dict(urllib.parse.parse_qsl(at.main.get("page_link")[-1].proto.query_string))
    assert query["fit_w0"] == "0.0"


def test_next_and_back_walk_the_chapters_and_the_link_names_the_chapter():
    at = open_page()
    at.button(key="lesson_next").click().run()
    assert at.main.get("header")[0].value.startswith("2. ") and at.query_params["chapter"] == "2 Gradient"
    at.button(key="lesson_back").click().run()
    assert at.main.get("header")[0].value.startswith("1. ")
    at = open_page(query={"chapter": "6"})
    assert at.main.get("header")[0].value.startswith("6. ") and not [b for b in at.button if b.key == "lesson_next"]


def test_the_answers_stay_in_the_session_and_are_counted_on_every_page():
    at = answer(3, "farther")
    at.query_params["chapter"] = "4"
    at.radio(key="chapter").set_value("4").run()
    at.radio(key="lesson_q4").set_value("0.1").run()
    line = [c.value for c in at.sidebar.caption if "Lesson:" in c.value]
    assert line == ["**Lesson:** 2 of 6 answered, 1 right."]
    at.switch_page("pages/2_Loss_slice.py").run()
    assert not at.exception
    assert [c.value for c in at.sidebar.caption if "Lesson:" in c.value] == line
    at.number_input(key="noise").set_value(3.0).run()  # new points: the answers are to be checked again
    said = [c.value for c in at.sidebar.caption if "Lesson:" in c.value][0]
    assert "2 of 6 answered, 0 right; 2 to check again" in said
    at.switch_page("streamlit_app.py").run()
    assert at.radio(key="lesson_q4").value == "0.1"  # the answer is kept, and judged on the new points
    assert "1 to check again" in [c.value for c in at.sidebar.caption if "Lesson:" in c.value][0]


def test_embedded_the_page_has_no_sidebar_and_reads_its_data_from_the_link(monkeypatch):
    monkeypatch.setattr(controls, "embedded", lambda: True)
    at = answer(3, "as far", ROUND)
    assert len(at.sidebar.children) == 0  # nothing in the sidebar (13 elements when not embedded)
    assert verdict(at)[0] == "success"  # the standardized points of the link: λmax = 2
    assert "Share this view" not in texts(at) and "sidebar" not in texts(at)  # no word of a sidebar it lacks
    assert not [r for r in at.radio if r.key == "chapter"] and not at.button  # the linked chapter alone
    assert at.main.get("header")[0].value.startswith("3. ")


@pytest.mark.parametrize("query", [DEFAULT, ROUND, {"x_min": "1000", "x_max": "1010"}], ids=["default", "round", "far"])
def test_chapter_4s_four_runs_are_named_by_what_they_do(query):
    at = answer(4, "1.9", query)
    data = made(query)
    c = lrcore.theory.curvature(data)
    rates = [m / c.lambda_max for m in home.MULTIPLES]
    traj = lrcore.run(data, rates, steps=home.STEPS)
    curves = next(frame for frame in datasets(charts(at)[0]).values() if "gap" in frame)
    names = list(dict.fromkeys(curves["run"]))
    assert len(names) == len(rates)
    for name, rate, d, losses in zip(names, rates, traj.diverged_at, traj.loss):
        product = rate * c.lambda_max  # the steep direction's regime, by its definition
        if product > 2:
            assert "bounces and grows" in name
        elif product > 1 + 1e-12:
            assert "bounces and shrinks" in name
        elif product < 1 - 1e-12:
            assert "no direction bounces" in name
        assert ("diverges at step" in name) == (d >= 0)
        if d >= 0:
            assert name.endswith(f"diverges at step {d}")
        # drawn to the last finite step, every step whose gap a log axis can show
        last = home.STEPS if d < 0 else d - 1
        gaps = losses[: last + 1] - c.min_loss
        drawn = curves[curves["run"] == name]
        assert drawn["step"].tolist() == np.flatnonzero(gaps > 0).tolist()
        np.testing.assert_allclose(drawn["gap"], gaps[drawn["step"].to_numpy()], rtol=DRAWN_RTOL)


def test_with_an_uploaded_csv_the_chapter_works_on_it_and_says_what_its_link_carries():
    points = lrcore.Dataset([-1.0, 1.0], [0.0, 2.0])  # round bowl, λ = 2 both ways: lr = 1 lands exactly as far
    session = {controls.UPLOAD: {"name": "mine.csv", "data": points}, controls.SOURCE: controls.UPLOADED}
    at = answer(3, "as far", session=session)
    assert verdict(at)[0] == "success"
    assert any("carries the made points' settings only" in c.value for c in at.main.get("caption"))


def test_chapter_2s_replay_opens_at_the_first_step_the_question_asks_about():
    from app_helpers import spec

    at = answer(2, "up")
    params = {param["name"]: param for param in spec(charts(at)[0]).get("params", [])}
    assert params["step"]["value"] == 0 and params["step"]["bind"]["max"] == lesson.SLOPE_STEPS
    page = open_page("pages/2_Loss_slice.py")  # the slice page itself opens at its last step
    params = {param["name"]: param for param in spec(charts(page)[0]).get("params", [])}
    assert params["step"]["value"] == params["step"]["bind"]["max"]
