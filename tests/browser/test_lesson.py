"""The lesson on the home page in Chromium: a learner answers all six
questions, each answer reveals its chapter's view and verdict and is counted
in the sidebar; Play animates a chapter's replay; a teacher's embed shows a
chapter with no sidebar."""

import re

from ui.views import lesson

from .helpers import (TIMEOUT_MS, assert_every_chart_drew, assert_no_exception, expect, open_page, screenshot,
                      wait_for_app)

VERDICT = re.compile(r"Right\.|Not this time|These points do not decide")


def _answer(page, number):
    """Pick the chapter's first choice; return the verdict's text."""
    first_label = {1: lesson.RACE[0][1], 2: lesson.SLOPE[0][1], 3: lesson.LANDING[0][1], 5: lesson.SETTLE[0][1],
                   6: lesson.CHOOSE[0][1]}.get(number)
    if first_label is None:  # chapter 4's choices are its rates: the first one
        choice = page.get_by_role("radiogroup").last.get_by_role("radio").first
    else:
        choice = page.get_by_role("radio", name=first_label, exact=True)
    expect(choice).not_to_be_checked()
    choice.check(force=True)
    wait_for_app(page)
    alert = page.get_by_test_id("stAlert").filter(has_text=VERDICT)
    expect(alert).to_have_count(1, timeout=TIMEOUT_MS)
    wait_for_app(page)  # the answer's run has begun (its verdict is drawn): now wait for its end
    expect(page.get_by_test_id("stVegaLiteChart")).not_to_have_count(0)  # every chapter draws its view
    return alert.inner_text()


def test_a_learner_answers_all_six_questions_and_plays_a_replay(new_context, app_server):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    open_page(page, app_server)
    expect(page.get_by_role("heading", name=f"1. {lesson.CHAPTERS[0].title}")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(0)  # nothing shown before the answer
    screenshot(page, "lesson-question")
    for number in range(1, 7):
        chapter = lesson.CHAPTERS[number - 1]
        expect(page.get_by_role("heading", name=f"{number}. {chapter.title}")).to_be_visible()
        said = _answer(page, number)
        assert VERDICT.search(said)
        assert_every_chart_drew(page)
        assert_no_exception(page, f"chapter {number}")
        _assert_inside_the_window(page, f"chapter {number} at 1280 px")
        count = page.get_by_test_id("stSidebar").get_by_text(re.compile(rf"Lesson: {number} of 6 answered"))
        expect(count).to_be_visible()
        link = page.get_by_test_id("stPageLink").filter(has_text=chapter.page_label)
        expect(link).to_have_count(1)
        assert "apply=1" in link.locator("a").get_attribute("href")
        screenshot(page, f"lesson-{number}")
        if number == 1:
            screenshot(page, "home", docs=True)  # the README's first picture: the lesson, answered
        if number == 3:
            _play_changes_the_drawing(page)
        if number < 6:
            page.get_by_role("button", name=re.compile(rf"^{number + 1}\. ")).click()
            wait_for_app(page)
    assert "chapter=6" in page.url  # the chapter is in the link a teacher copies


def _play_changes_the_drawing(page):
    """Play chapter 3's replay from its start: two pictures of the chart taken
    apart in time show different frames."""
    chart = page.get_by_test_id("stVegaLiteChart").first
    slider = chart.locator("input[type=range][name=step]")
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function("(input) => Number(input.value) >= 1 && Number(input.value) < Number(input.max)",
                           arg=slider.element_handle(), timeout=TIMEOUT_MS)
    first_step = int(slider.input_value())
    first = chart.screenshot()
    page.wait_for_function(f"(input) => Number(input.value) > {first_step}", arg=slider.element_handle(),
                           timeout=TIMEOUT_MS)
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))")
    second = chart.screenshot()
    assert first != second, "the chart drew the same picture at two steps of the replay"
    screenshot(page, "lesson-playing")


def test_a_chapter_embeds_cleanly_for_a_course_page(new_context, app_server):
    page = new_context(viewport={"width": 800, "height": 900}).new_page()
    open_page(page, app_server, query="embed=true&chapter=3&std=true")
    assert_no_exception(page)
    expect(page.get_by_role("heading", name=f"3. {lesson.CHAPTERS[2].title}")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)  # no sidebar, no toggle to open one
    expect(page.get_by_test_id("stSidebarCollapsedControl")).to_have_count(0)
    expect(page.get_by_test_id("stToolbar")).to_have_count(0)
    expect(page.get_by_role("radio", name="1 Guessing")).to_have_count(0)  # no chapter picker, no next/back
    expect(page.get_by_role("button", name=re.compile(r"^4\. "))).to_have_count(0)
    said = _answer(page, 3)
    assert "exactly as far" in said  # the link's standardized points: a round bowl, λ = 2
    assert_every_chart_drew(page)
    screenshot(page, "lesson-embedded")


def _assert_inside_the_window(page, where):
    """No chart drawn past the window's right edge, no sideways scroll, no cut button label."""
    past = page.evaluate(
        """() => {
            const edge = window.innerWidth;
            const drawn = Array.from(document.querySelectorAll(
                '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'))
                .map(d => Math.round(d.getBoundingClientRect().right)).filter(right => right > edge);
            const cut = Array.from(document.querySelectorAll('[data-testid="stMain"] button'))
                .filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1).map(b => b.innerText);
            return {drawn, cut, scroll: document.documentElement.scrollWidth - edge};
        }"""
    )
    assert not past["drawn"] and not past["cut"] and past["scroll"] <= 0, f"{where}: {past}"


def test_every_chapter_answered_fits_a_phone(new_context, app_server):
    """At 390 px each chapter's question, view and buttons stay inside the window."""
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    for number in range(1, 7):
        open_page(page, app_server, query=f"chapter={number}")
        _answer(page, number)
        assert_every_chart_drew(page)
        _assert_inside_the_window(page, f"chapter {number}")
        screenshot(page, f"phone-lesson-{number}")
