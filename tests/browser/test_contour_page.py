"""The loss-contour page in Chromium."""

from .helpers import (
    assert_every_chart_drew,
    assert_no_exception,
    current_url,
    expect,
    open_page,
    screenshot,
    scrub,
    wait_for_app,
    wait_for_url,
)


def test_contour_page_draws_replays_and_takes_a_click_as_the_start(page, app_server):
    open_page(page, app_server, "Loss_contour")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    # the lesson's first claim at the defaults: descent against random guessing, in numbers
    expect(page.get_by_text("On average random guessing needs")).to_be_visible()
    screenshot(page, "contour-step-500")

    chart = page.get_by_test_id("stVegaLiteChart").first
    before, after = scrub(chart, 500, 9)  # every run back near the start together, with its −gradient arrow
    assert before != after, "the runs did not move with the scrubber"
    screenshot(page, "contour", docs=True)
    before, after = scrub(chart, 9, 0)
    assert before != after, "the runs did not move with the scrubber"

    assert "contour_w0" not in current_url(page)
    plot = chart.locator("canvas").first
    box = plot.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    wait_for_url(page, r"contour_w0=")  # the click set a new start, and the link carries it
    wait_for_app(page)
    assert_no_exception(page)
    assert_every_chart_drew(page)
