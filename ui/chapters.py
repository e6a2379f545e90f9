"""The lesson's chapters on the home page: each asks its question, and once
answered shows its view, its verdict and a link to the page that explores
it further, at the chapter's settings.

The answers live in this browser session only (each question is a radio
kept for the session); what each answer was judged on is kept beside them,
so the sidebar can count them on every page. The numbers come from
``ui.compute`` and the pure builders of ``ui.views.lesson``.
"""

from __future__ import annotations

import streamlit as st

from . import charts, compute, controls, play, state
from .views import fit, home, lesson

#: The settings each chapter's link opens its page at (over that page's defaults).
PAGE_SETTINGS = {"pages/1_Data.py": state.FIT, "pages/2_Loss_slice.py": state.SLICE,
                 "pages/3_Loss_contour.py": state.CONTOUR, "pages/4_Schedules.py": state.SCHED,
                 "pages/5_LR_finder.py": state.FINDER}
PAGE_ICONS = {path: icon for path, _, icon in controls.PAGES}


def question_key(number: int) -> str:
    return f"lesson_q{number}"


def ask(number: int, question: lesson.Question):
    """The question as a radio with nothing picked at first; the picked key or None."""
    labels = dict(question.choices)
    st.markdown(f"**Predict.** {question.text}")
    picked = st.radio(question.text, [key for key, _ in question.choices], index=None, format_func=labels.get,
                      key=question_key(number), persist_state="session", label_visibility="collapsed")
    if picked is None:
        st.caption("Pick an answer to see what gradient descent does on your points.")
    return picked


def settle(number: int, question: lesson.Question, answer: lesson.Answer, picked: str, fingerprint: str) -> None:
    """Judge the answer, show the verdict, and keep it for the sidebar's count."""
    right, said = lesson.judge(question, answer, picked)
    controls.record_answer(number, right, fingerprint)
    controls.verdict(said)


def explore(chapter: lesson.Chapter, values: dict, current) -> None:
    """The link to the chapter's page, at ``values`` over that page's defaults."""
    settings = PAGE_SETTINGS[chapter.page]
    # the chapter's values, and every other setting this session changed on that page back to its default
    chosen = {key: settings[key].default for key in controls.changed(settings)} | values
    controls.page_link_at(chapter.page, chapter.page_label, chosen, icon=PAGE_ICONS[chapter.page])
    if current.source == controls.UPLOADED:
        st.caption("Opened here, the page uses your uploaded CSV; opened in a new tab or sent to someone, the link "
                   "carries the made points' settings only.")


def show(number: int, current) -> None:
    """Chapter ``number`` (1 to 6) on the data in use (``controls.CurrentData``):
    its question, and once answered its view, verdict and link."""
    chapter = lesson.CHAPTERS[number - 1]
    st.header(f"{chapter.number}. {chapter.title}", anchor=f"chapter-{chapter.number}")
    st.markdown(chapter.intro)
    asking, reveal = CHAPTERS[number]
    question = asking(current)
    picked = ask(number, question)
    if picked is not None:
        answer = reveal(chapter, current, question, picked)
        explore(chapter, answer, current)


def _bowl(current):
    """The MSE's bowl of the data in use (cached)."""
    return compute.bowl(current.data, current.data.fingerprint, "mse", 1.0)


def _finder_defaults() -> dict:
    return {key: spec.default for key, spec in state.FINDER.items()}


# Each chapter: its question from the data in use, and its reveal, which
# shows the view and the verdict and returns the settings its link opens.


def _guessing(chapter, current, question, picked) -> dict:
    view = compute.lesson_guessing(current.data, current.data.fingerprint)
    settle(1, question, lesson.guessing_answer(view), picked, current.data.fingerprint)
    race = compute.chart_spec(charts.guess_race, view.race, target=view.target, expected=view.expected,
                              y_title="best loss so far above the minimum (log scale)")
    st.vega_lite_chart(spec=race, width="stretch")
    steps = state.CONTOUR["contour_steps"].clamp(max(view.steps or 0, state.CONTOUR["contour_steps"].default))
    return {"contour_runs": 1, "contour_lr1": state.format_rate(view.lr, 6), "contour_opt1": "sgd",
            "contour_w0": lesson.GUESS_START[0], "contour_b0": lesson.GUESS_START[1],
            "contour_tol": lesson.GUESS_TOL, "contour_steps": steps,
            "contour_guesses": state.CONTOUR["contour_guesses"].clamp(view.guesses)}


def _slope(chapter, current, question, picked) -> dict:
    data, fingerprint = current.data, current.data.fingerprint
    s = compute.slice_of(data, fingerprint, "w", lesson.SLOPE_HELD, "mse", 1.0)
    lr = lesson.slope_rate(s)
    steps = lesson.SLOPE_STEPS
    view = compute.slice_view(data, fingerprint, s, "w", lesson.SLOPE_HELD, "mse", 1.0, lesson.SLOPE_START, lr,
                              steps, "none", state.SLICE["slice_decay_rate"].default)
    settle(2, question, lesson.slope_answer(view.runs), picked, fingerprint)
    chart = compute.chart_spec(charts.slice_chart, view.curve, view.runs, param="w",
                               minimum=(s.minimizer, s.min_loss), steps=steps, diverged_at=view.diverged_at,
                               loss_title=f"MSE with b = {lesson.SLOPE_HELD:g}", at=0)
    st.vega_lite_chart(spec=chart, width="stretch")  # at the start: the first step's slope and arrow, the question's
    play.button(charts.STEP_PARAM, last=steps, frames=steps + 1, key="lesson_play_2")
    return {"slice_param": "w", "slice_hold": "a value", "slice_held": lesson.SLOPE_HELD,
            "slice_start": lesson.SLOPE_START, "slice_lr": state.format_rate(lr, 6), "slice_steps": steps}


def _replay(current, view, key: str) -> None:
    """The Data page's chart of one run (a ``fit_view``): the line, the loss
    and the error along each eigen-direction, with Play."""
    data, fingerprint = current.data, current.data.fingerprint
    chart = compute.chart_spec(charts.fit_chart, compute.scatter_sample(data, fingerprint), view.frames, view.curve,
                               best=_bowl(current).minimizer, true_line=current.true_line,
                               diverged_at=view.diverged_at, directions=view.directions)
    st.vega_lite_chart(spec=chart, width="stretch")
    play.button(charts.STEP_PARAM, last=view.last_step, frames=len(view.frames), key=key)


def _overshoot(chapter, current, question, picked) -> dict:
    c = _bowl(current)
    view = compute.fit_view(current.data, current.data.fingerprint, 1.0, lesson.OVERSHOOT_STEPS, 0.0, 0.0)
    settle(3, question, lesson.overshoot_answer(c, view.factors, view.regimes), picked, current.data.fingerprint)
    _replay(current, view, "lesson_play_3")
    st.caption(fit.direction_steps(c, 1.0) + " Below the line: the error along each eigen-direction, step by "
               "step; a zig-zag across 0 is a step jumping past the minimum along it.")
    return {"fit_lr": state.format_rate(1.0, 6), "fit_steps": lesson.OVERSHOOT_STEPS}


def _too_large(chapter, current, question, picked) -> dict:
    data, fingerprint = current.data, current.data.fingerprint
    c = _bowl(current)
    view = compute.home_view(data, fingerprint)
    settle(4, question, lesson.race_answer(c, home.MULTIPLES, view.ends, view.diverged, home.STEPS, view.start_gap),
           picked, fingerprint)
    curves = compute.chart_spec(charts.lesson_chart, view.curves, view.names, "loss above the best fit's (log scale)")
    st.vega_lite_chart(spec=curves, width="stretch")
    st.caption("The same runs along the bowl's steep direction: the error's sign, step by step, on a symmetric log "
               "scale. A zig-zag across 0 is a step jumping past the minimum along that direction.")
    st.vega_lite_chart(spec=compute.chart_spec(charts.steep_chart, view.steep, view.names), width="stretch")
    st.caption(view.words)
    rates = dict(zip((str(m) for m in home.MULTIPLES), view.rates))
    shown = st.radio("Replay one of them", list(rates), index=list(rates).index(picked), horizontal=True,
                     format_func=question.label, key="lesson_replay_4")
    _replay(current, compute.fit_view(data, fingerprint, rates[shown], home.STEPS, 0.0, 0.0), "lesson_play_4")
    st.caption(fit.direction_steps(c, rates[shown]))
    return {"fit_lr": state.format_rate(rates[shown], 6), "fit_steps": home.STEPS}


def _decay(chapter, current, question, picked) -> dict:
    data, fingerprint = current.data, current.data.fingerprint
    lr = lesson.decay_rate(_bowl(current))
    settings = state.OptimizerSettings()
    view, full = (compute.schedule_view(data, fingerprint, lesson.DECAY_CHOSEN, lr, lesson.DECAY_STEPS, "sgd",
                                        settings, "mse", batch) for batch in (lesson.DECAY_BATCH, 0))
    settle(5, question, lesson.decay_answer(view.names, view.summaries, full.summaries), picked, fingerprint)
    st.vega_lite_chart(spec=compute.chart_spec(charts.schedules_chart, view, log_rates=True), width="stretch")
    play.button(charts.STEP_PARAM, last=view.steps, frames=view.frame_count, key="lesson_play_5")
    return {"sched_pick": [name for name, _ in lesson.DECAY_CHOSEN], "sched_lr": state.format_rate(lr, 6),
            "sched_steps": lesson.DECAY_STEPS, "sched_batch": lesson.DECAY_BATCH}


def _choose(chapter, current, question, picked) -> dict:
    d = _finder_defaults()
    test = compute.range_test_view(current.data, current.data.fingerprint, d["finder_min"], d["finder_max"],
                                   d["finder_rt_steps"], d["finder_smooth"], d["finder_stop"], d["finder_batch"])
    settle(6, question, lesson.choose_answer(_bowl(current), test.suggestions["valley"], d["finder_min"]), picked,
           current.data.fingerprint)
    st.vega_lite_chart(spec=compute.chart_spec(charts.range_test_chart, test.points, test.marks, test.rules),
                       width="stretch")
    return {}


#: {chapter: (its question from the data in use, its reveal)}.
CHAPTERS = {
    1: (lambda current: lesson.guessing_question(), _guessing),
    2: (lambda current: lesson.slope_question(), _slope),
    3: (lambda current: lesson.overshoot_question(), _overshoot),
    4: (lambda current: lesson.race_question(_bowl(current), home.MULTIPLES, home.STEPS), _too_large),
    5: (lambda current: lesson.decay_question(current.data, _bowl(current)), _decay),
    6: (lambda current: lesson.choose_question(_bowl(current), *(_finder_defaults()[key] for key in
                                                                  ("finder_min", "finder_max", "finder_rt_steps"))),
        _choose),
}
