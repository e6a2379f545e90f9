"""The loss-slice page in Chromium."""

from .helpers import (
    TIMEOUT_MS,
    assert_every_chart_drew,
    assert_no_exception,
    expect,
    open_page,
    screenshot,
    scrub,
    wait_for_app,
)


def test_slice_page_draws_replays_and_sets_the_thresholds(page, app_server):
    open_page(page, app_server, "Loss_slice", "slice_lr=0.8&slice_decay=exponential")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    expect(page.get_by_text("Regime: oscillating but converging")).to_be_visible()
    screenshot(page, "slice", docs=True)

    chart = page.get_by_test_id("stVegaLiteChart").first
    before, after = scrub(chart, 20, 1)  # only the start and the first step are highlighted
    assert before != after, "the highlighted step did not move"
    screenshot(page, "slice-step-1")

    page.get_by_role("button", name="One step: 1/L''").click()
    wait_for_app(page)
    expect(page.get_by_text("Regime: one step")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stSliderThumbValue").first).to_have_text("0.5")
    page.get_by_role("button", name="Edge: 2/L''").click()
    wait_for_app(page)
    expect(page.get_by_text("Regime: stuck bouncing")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stSliderThumbValue").first).to_have_text("1")
    assert_no_exception(page)
