"""The loss-contour page in Chromium."""

from .helpers import (
    TIMEOUT_MS, assert_every_chart_drew, assert_no_exception, current_url, open_page, screenshot, wait_for_app,
    wait_for_url,
)


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_contour_page_draws_replays_and_takes_a_click_as_the_start(page, app_server):
    open_page(page, app_server, "Loss_contour")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    screenshot(page, "contour", docs=True)

    chart = page.get_by_test_id("stVegaLiteChart").first
    scrubber = chart.locator("input[type=range]")
    expect()(scrubber).to_have_value("200", timeout=TIMEOUT_MS)
    before = chart.screenshot()
    scrubber.fill("0")  # every run back at the start together
    expect()(scrubber).to_have_value("0")
    page.wait_for_function(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
    )
    assert chart.screenshot() != before, "the runs did not move with the scrubber"

    assert "contour_w0" not in current_url(page)
    plot = chart.locator("canvas").first
    box = plot.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    wait_for_url(page, r"contour_w0=")  # the click set a new start, and the link carries it
    wait_for_app(page)
    assert_no_exception(page)
    assert_every_chart_drew(page)
