"""The schedules page in Chromium."""

from .helpers import (
    TIMEOUT_MS,
    assert_every_chart_drew,
    assert_no_exception,
    expect,
    open_page,
    screenshot,
    wait_for_app,
)


def test_schedules_page_shows_decay_winning_under_noise_and_its_code(page, app_server):
    open_page(page, app_server, "Schedules")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    # the lesson's fifth claim at the defaults, and where it does not hold
    expect(page.get_by_text("Decay wins here")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("converges on its own")).to_be_visible()
    screenshot(page, "schedules", docs=True)
    page.get_by_role("button", name="MAE: a constant rate hops, decay settles").click()
    wait_for_app(page)
    expect(page.get_by_text("Decay wins here")).to_be_visible(timeout=TIMEOUT_MS)
    assert_every_chart_drew(page)
    code = page.get_by_test_id("stCode")
    expect(code.filter(has_text="keras.optimizers").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="PyTorch").click()
    expect(code.filter(has_text="torch.optim").first).to_be_visible(timeout=TIMEOUT_MS)
    assert_no_exception(page)
