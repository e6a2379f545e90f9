"""Play on every page that replays a run: the chart's own step slider moves
on a timer in the browser, and Pause holds it (the Data page's test also
checks that no message reaches the server)."""

import pytest

from .helpers import TIMEOUT_MS, assert_no_exception, expect, open_page, pause_replay


@pytest.mark.parametrize("name", ["Loss_slice", "Loss_contour", "Schedules"])
def test_play_moves_the_step_slider_and_pause_holds_it(page, app_server, name):
    open_page(page, app_server, name)
    slider = page.locator("input[type=range][name=step]").first
    last = slider.get_attribute("max")
    expect(slider).to_have_value(last)
    page.get_by_role("button", name="▶ Play").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible()
    # from the start again, then on: the slider leaves 0 and climbs (looked at
    # every 10 ms, not on animation frames: a loaded machine's frames can skip
    # a short replay's whole middle)
    page.wait_for_function("(input) => Number(input.value) > 0 && Number(input.value) < Number(input.max)",
                           arg=slider.element_handle(), timeout=TIMEOUT_MS, polling=10)
    pause_replay(page)
    held = slider.input_value()
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible()
    assert int(held) < int(last)
    expect(slider).to_have_value(held)
    assert_no_exception(page)


def test_a_replay_that_cannot_draw_in_time_skips_frames_and_ends_on_time(page, app_server):
    """The frame shown is set by the clock, not by counting ticks: while the
    page is too busy to draw (here its main thread is held for a whole
    replay's length), no frame is drawn late one by one; the first tick after
    it shows the last frame."""
    from ui.play import REPLAY_MS

    open_page(page, app_server, "Schedules")
    slider = page.locator("input[type=range][name=step]").first
    last = slider.get_attribute("max")
    expect(slider).to_have_value(last)
    page.get_by_label("Speed").select_option(label="fast")
    seen = page.get_by_role("button", name="▶ Play").evaluate(
        """(button, {input, ms}) => {
            const seen = [];
            input.addEventListener('input', () => seen.push(input.value));
            window.lreSeen = seen;
            button.click();  // from the start again: frame 0, then the timer
            const began = performance.now();
            while (performance.now() - began < ms) {}  // the page can draw nothing meanwhile
            return seen.length;
        }""",
        {"input": slider.element_handle(), "ms": REPLAY_MS},
    )
    assert seen == 1, "only frame 0 can have been shown while the page was held"
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible()
    assert page.evaluate("() => window.lreSeen") == ["0", last]
    expect(slider).to_have_value(last)
    assert_no_exception(page)
