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
