"""The schedules page in Chromium."""

import re

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


def test_a_learner_takes_the_run_home_as_a_notebook(page, app_server):
    """The PyTorch tab's notebook button: a valid .ipynb made when pressed,
    which says what the learner was exploring, links back to this view, and
    holds the script the tab shows; the page shows the line it will print."""
    import nbformat

    open_page(page, app_server, "Schedules", "sched_steps=300&n=80&seed=3")
    expect(page.get_by_text("Run either script and its last line reads")).to_be_visible(timeout=TIMEOUT_MS)
    shown = page.get_by_test_id("stCode").filter(has_text=re.compile(r"^after 300 steps: w = [-0-9]"))
    expect(shown).to_be_visible()
    page.get_by_role("tab", name="PyTorch").click()
    button = page.get_by_role("button", name="This run as a PyTorch notebook (.ipynb)")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    screenshot(page, "schedules-notebook")
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        button.click()
    assert download.value.suggested_filename == "schedules_constant_pytorch.ipynb"
    nb = nbformat.reads(download.value.path().read_text(), as_version=4)
    nbformat.validate(nb)
    note = nb.cells[0].source
    assert note.startswith("# Train y = w*x + b with PyTorch:") and "300 steps" in note
    assert "You were comparing learning-rate schedules on the Schedules page" in note
    assert f"]({app_server}/Schedules?" in note and "sched_steps=300" in note and "n=80" in note
    code = "".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "torch.optim.SGD(" in code and "plt.show()" in code
    assert_no_exception(page)
