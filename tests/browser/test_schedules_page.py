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


def test_schedules_page_draws_shows_its_code_and_tells_the_mini_batch_story(page, app_server):
    open_page(page, app_server, "Schedules")
    assert_no_exception(page)
    assert_every_chart_drew(page)
    page.get_by_role("button", name="Constant vs decay under mini-batch noise").click()
    wait_for_app(page)
    expect(page.get_by_text("Under mini-batch noise a constant rate stalls")).to_be_visible(timeout=TIMEOUT_MS)
    assert_every_chart_drew(page)
    code = page.get_by_test_id("stCode")
    expect(code.filter(has_text="keras.optimizers").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="PyTorch").click()
    expect(code.filter(has_text="torch.optim").first).to_be_visible(timeout=TIMEOUT_MS)
    assert_no_exception(page)
    screenshot(page, "schedules", docs=True)
