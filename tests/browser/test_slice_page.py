"""The loss-slice page in Chromium."""

import re

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
    open_page(page, app_server, "Loss_slice")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    # the default rate bounces across the minimum, shrinking
    expect(page.get_by_text("Regime: oscillating but converging")).to_be_visible()
    screenshot(page, "slice", docs=True)

    chart = page.get_by_test_id("stVegaLiteChart").first
    before, after = scrub(chart, 20, 1)  # only the start and the first step are highlighted
    assert before != after, "the highlighted step did not move"
    screenshot(page, "slice-step-1")

    page.get_by_role("button", name="No learning rate (lr = 1)").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stSliderThumbValue").first).to_have_text("1", timeout=TIMEOUT_MS)
    expect(page.get_by_text("jumps past the minimum and lands exactly as far on the other side")).to_be_visible()
    page.get_by_role("button", name=re.compile("^One step")).click()
    wait_for_app(page)
    expect(page.get_by_text("Regime: one step")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stSliderThumbValue").first).to_have_text("0.5")
    page.get_by_role("button", name=re.compile("^Edge")).click()
    wait_for_app(page)
    expect(page.get_by_text("Regime: stuck bouncing")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stSliderThumbValue").first).to_have_text("1")
    assert_no_exception(page)


def test_on_mae_a_decay_with_no_limit_settles_where_the_constant_rate_hops(page, app_server):
    open_page(page, app_server, "Loss_slice",
              "slice_loss=MAE&slice_lr=0.3&slice_decay=inverse+time&slice_steps=200")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    expect(page.get_by_text("the constant rate still hops")).to_be_visible(timeout=TIMEOUT_MS)
    screenshot(page, "slice-mae-decay", docs=True)
