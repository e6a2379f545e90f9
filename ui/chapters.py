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
PAGE_ICONS = {path: icon for path, _, icon, _ in controls.PAGES}


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
    """Chapter ``number`` (1 to 6) on the data in use (``controls.CurrentData``)."""
    chapter = lesson.CHAPTERS[number - 1]
    st.header(f"{chapter.number}. {chapter.title}", anchor=f"chapter-{chapter.number}")
    st.markdown(chapter.intro)
    SHOW[number](chapter, current)


def _guessing(chapter, current) -> None:
    data, fingerprint = current.data, current.data.fingerprint
    question = lesson.guessing_question()
    picked = ask(1, question)
    if picked is None:
        return
    view = compute.lesson_guessing(data, fingerprint)
    settle(1, question, lesson.guessing_answer(view), picked, fingerprint)
    st.altair_chart(charts.guess_race(view.race, target=view.target, expected=view.expected,
                                      y_title="best loss so far above the minimum (log scale)"), width="stretch")
    steps = state.CONTOUR["contour_steps"].clamp(max(view.steps or 0, state.CONTOUR["contour_steps"].default))
    explore(chapter, {"contour_runs": 1, "contour_lr1": state.format_rate(view.lr, 6), "contour_opt1": "sgd",
                      "contour_w0": lesson.GUESS_START[0], "contour_b0": lesson.GUESS_START[1],
                      "contour_tol": lesson.GUESS_TOL, "contour_steps": steps,
                      "contour_guesses": state.CONTOUR["contour_guesses"].clamp(view.guesses)}, current)


def _slope(chapter, current) -> None:
    data, fingerprint = current.data, current.data.fingerprint
    question = lesson.slope_question()
    picked = ask(2, question)
    if picked is None:
        return
    s = compute.slice_of(data, fingerprint, "w", lesson.SLOPE_HELD, "mse", 1.0)
    lr = lesson.slope_rate(s)
    steps = lesson.SLOPE_STEPS
    view = compute.slice_view(data, fingerprint, s, "w", lesson.SLOPE_HELD, "mse", 1.0, lesson.SLOPE_START, lr,
                              steps, "none", state.SLICE["slice_decay_rate"].default)
    settle(2, question, lesson.slope_answer(view.runs), picked, fingerprint)
    st.altair_chart(charts.slice_chart(view.curve, view.runs, param="w", minimum=(s.minimizer, s.min_loss),
                                       steps=steps, diverged_at=view.diverged_at,
                                       loss_title=f"MSE with b = {lesson.SLOPE_HELD:g}", at=0),
                    width="stretch")  # at the start: the first step's slope and arrow, the question's
    play.button(charts.STEP_PARAM, last=steps, frames=steps + 1, key="lesson_play_2")
    explore(chapter, {"slice_param": "w", "slice_hold": "a value", "slice_held": lesson.SLOPE_HELD,
                      "slice_start": lesson.SLOPE_START, "slice_lr": state.format_rate(lr, 6), "slice_steps": steps}, current)


def _replay(current, view, key: str) -> None:
    """The Data page's chart of one run (a ``fit_view``): the line, the loss
    and the error along each eigen-direction, with Play."""
    data, fingerprint = current.data, current.data.fingerprint
    curvature = compute.bowl(data, fingerprint, "mse", 1.0)
    st.altair_chart(charts.fit_chart(compute.scatter_sample(data, fingerprint), view.frames, view.curve,
                                     best=curvature.minimizer, true_line=current.true_line,
                                     diverged_at=view.diverged_at, directions=view.directions), width="stretch")
    play.button(charts.STEP_PARAM, last=view.last_step, frames=len(view.frames), key=key)


def _overshoot(chapter, current) -> None:
    data, fingerprint = current.data, current.data.fingerprint
    question = lesson.overshoot_question()
    picked = ask(3, question)
    if picked is None:
        return
    c = compute.bowl(data, fingerprint, "mse", 1.0)
    view = compute.fit_view(data, fingerprint, 1.0, lesson.OVERSHOOT_STEPS, 0.0, 0.0)
    settle(3, question, lesson.overshoot_answer(c, view.factors, view.regimes), picked, fingerprint)
    _replay(current, view, "lesson_play_3")
    st.caption(fit.direction_steps(c, 1.0) + " Below the line: the error along each eigen-direction, step by "
               "step; a zig-zag across 0 is a step jumping past the minimum along it.")
    explore(chapter, {"fit_lr": state.format_rate(1.0, 6), "fit_steps": lesson.OVERSHOOT_STEPS}, current)


def _too_large(chapter, current) -> None:
    data, fingerprint = current.data, current.data.fingerprint
    c = compute.bowl(data, fingerprint, "mse", 1.0)
    question = lesson.race_question(c, home.MULTIPLES, home.STEPS)
    picked = ask(4, question)
    if picked is None:
        return
    view = compute.home_view(data, fingerprint)
    settle(4, question, lesson.race_answer(c, home.MULTIPLES, view.ends, view.diverged, home.STEPS, view.start_gap),
           picked, fingerprint)
    st.altair_chart(charts.lesson_chart(view.curves, view.names, "loss above the best fit's (log scale)"),
                    width="stretch")
    st.caption("The same runs along the bowl's steep direction: the error's sign, step by step, on a symmetric log "
               "scale. A zig-zag across 0 is a step jumping past the minimum along that direction.")
    st.altair_chart(charts.steep_chart(view.steep, view.names), width="stretch")
    st.caption(view.words)
    rates = dict(zip((str(m) for m in home.MULTIPLES), view.rates))
    shown = st.radio("Replay one of them", list(rates), index=list(rates).index(picked), horizontal=True,
                     format_func=question.label, key="lesson_replay_4")
    _replay(current, compute.fit_view(data, fingerprint, rates[shown], home.STEPS, 0.0, 0.0), "lesson_play_4")
    st.caption(fit.direction_steps(c, rates[shown]))
    explore(chapter, {"fit_lr": state.format_rate(rates[shown], 6), "fit_steps": home.STEPS}, current)


def _decay(chapter, current) -> None:
    data, fingerprint = current.data, current.data.fingerprint
    c = compute.bowl(data, fingerprint, "mse", 1.0)
    question = lesson.decay_question(data, c)
    picked = ask(5, question)
    if picked is None:
        return
    lr = lesson.decay_rate(c)
    settings = state.OptimizerSettings()
    view = compute.schedule_view(data, fingerprint, lesson.DECAY_CHOSEN, lr, lesson.DECAY_STEPS, "sgd", settings,
                                 "mse", lesson.DECAY_BATCH)
    full = compute.schedule_view(data, fingerprint, lesson.DECAY_CHOSEN, lr, lesson.DECAY_STEPS, "sgd", settings,
                                 "mse", 0)
    settle(5, question, lesson.decay_answer(view.names, view.summaries, full.summaries), picked, fingerprint)
    st.altair_chart(charts.schedules_chart(view, log_rates=True), width="stretch")
    play.button(charts.STEP_PARAM, last=view.steps, frames=view.frame_count, key="lesson_play_5")
    explore(chapter, {"sched_pick": [name for name, _ in lesson.DECAY_CHOSEN], "sched_lr": state.format_rate(lr, 6),
                      "sched_steps": lesson.DECAY_STEPS, "sched_batch": lesson.DECAY_BATCH}, current)


def _choose(chapter, current) -> None:
    data, fingerprint = current.data, current.data.fingerprint
    c = compute.bowl(data, fingerprint, "mse", 1.0)
    default = {key: spec.default for key, spec in state.FINDER.items()}
    question = lesson.choose_question(c, default["finder_min"], default["finder_max"], default["finder_rt_steps"])
    picked = ask(6, question)
    if picked is None:
        return
    test = compute.range_test_view(data, fingerprint, default["finder_min"], default["finder_max"],
                                   default["finder_rt_steps"], default["finder_smooth"], default["finder_stop"],
                                   default["finder_batch"])
    settle(6, question, lesson.choose_answer(c, test.suggestions["valley"]), picked, fingerprint)
    st.altair_chart(charts.range_test_chart(test.points, test.marks, test.rules), width="stretch")
    explore(chapter, {}, current)


SHOW = {1: _guessing, 2: _slope, 3: _overshoot, 4: _too_large, 5: _decay, 6: _choose}
