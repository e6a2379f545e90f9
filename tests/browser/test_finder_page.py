"""The LR finder page in Chromium."""

import re

from .helpers import (
    TIMEOUT_MS,
    assert_every_chart_drew,
    assert_no_exception,
    click_and_wait,
    expect,
    open_page,
    screenshot,
)


def test_finder_page_draws_and_a_suggested_rate_opens_the_contour_page(page, app_server):
    open_page(page, app_server, "LR_finder")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    screenshot(page, "finder", docs=True)
    link = page.get_by_test_id("stMain").get_by_test_id("stPageLink").filter(has_text="optimal").locator("a")
    label = link.inner_text()
    rate = label.split("optimal: ")[1].split(" ")[0]
    click_and_wait(page, link)
    assert_no_exception(page)
    # the contour page's first run now uses the rate the link carried
    thumb = page.get_by_test_id("stSliderThumbValue").first
    expect(thumb).to_have_text(re.compile("^" + re.escape(rate[:5])), timeout=TIMEOUT_MS)
    assert_every_chart_drew(page)
