"""The Data page in Chromium: it draws, the scrubber replays the run in the
browser, links restore the view, settings survive page changes, and a bad
upload keeps the data."""


from .helpers import (
    TIMEOUT_MS,
    assert_every_chart_drew,
    assert_no_exception,
    click_and_wait,
    current_url,
    expect,
    in_use,
    number_input,
    open_page,
    pause_replay,
    screenshot,
    scrub,
    sidebar_link,
    upload_csv,
    wait_for_app,
    wait_for_url,
)

# Keeps in window.lreErrors the text of every error a download button shows
# (Streamlit shows it under the button for 5 s).
WATCH_DOWNLOAD_ERRORS = """() => {
    window.lreErrors = [];
    new MutationObserver(() => {
        for (const box of document.querySelectorAll('[data-testid="stDownloadButtonError"]')) {
            if (!window.lreErrors.includes(box.innerText)) window.lreErrors.push(box.innerText);
        }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
}"""


def set_number(page, label, value):
    box = number_input(page, label)
    box.fill(str(value))
    box.press("Enter")
    wait_for_app(page)


def metric(page, label):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def test_data_page_draws_with_no_exception(page, app_server):
    open_page(page, app_server, "Data")
    assert_no_exception(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("The data")
    assert_every_chart_drew(page)
    expect(metric(page, "Points n")).to_have_text("50")
    # the lesson's fourth claim at the defaults: the steep direction bounces
    expect(page.get_by_test_id("stAlertContainer").filter(has_text="Bouncing, and converging")).to_be_visible()
    screenshot(page, "data", docs=True)


def test_no_learning_rate_overshoots_and_the_run_is_drawn_to_its_last_finite_step(page, app_server):
    open_page(page, app_server, "Data")
    page.get_by_role("button", name="No learning rate (lr = 1)").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stSliderThumbValue").first).to_have_text("1", timeout=TIMEOUT_MS)
    verdict = page.get_by_test_id("stAlertContainer").filter(has_text="Diverged at step")
    expect(verdict).to_contain_text("jumps past the minimum")
    expect(metric(page, "Loss of the guess")).to_have_text("diverged")
    assert_every_chart_drew(page)
    assert_no_exception(page)
    page.mouse.move(0, 0)  # the button's help off the picture
    screenshot(page, "data-lr-1", docs=True)


def test_dragging_the_scrubber_moves_the_red_line_without_a_rerun(page, app_server):
    open_page(page, app_server, "Data")
    chart = page.get_by_test_id("stVegaLiteChart").first
    runs_before = page.evaluate("() => performance.getEntriesByType('resource').length")
    before, after = scrub(chart, 200, 0)  # the start: the red line is y = 0
    assert before != after, "the chart did not change when the scrubber moved"
    # no script run: the app stayed idle (nothing new was fetched, no status widget)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    assert page.evaluate("() => performance.getEntriesByType('resource').length") == runs_before
    screenshot(page, "data-scrubbed-to-start")


def test_play_replays_the_run_in_the_browser_and_pause_holds_the_frame(page, app_server):
    """Play moves the chart's own step slider on a timer: the drawn frame
    changes with no message to the server, and Pause holds it."""
    open_page(page, app_server, "Data")
    chart = page.get_by_test_id("stVegaLiteChart").first
    slider = chart.locator("input[type=range][name=step]")
    expect(slider).to_have_value("200")
    sent = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    page.get_by_role("button", name="▶ Play").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible()
    expect(slider).not_to_have_value("0", timeout=TIMEOUT_MS)  # from the start again, then on
    first = int(slider.input_value())
    early = chart.screenshot()
    page.wait_for_function("([input, first]) => Number(input.value) >= first + 20",
                           arg=[slider.element_handle(), first], timeout=TIMEOUT_MS)
    later = chart.screenshot()
    assert early != later, "the drawn frame did not change while playing"
    pause_replay(page)
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible()
    held = slider.input_value()
    page.wait_for_timeout(400)  # a few ticks' worth: the frame must stay
    assert slider.input_value() == held
    assert not sent, "playing sent messages to the server"
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    screenshot(page, "data-paused")


def test_a_share_link_restores_the_settings_in_a_fresh_browser(page, app_server, new_context):
    open_page(page, app_server, "Data")
    set_number(page, "Points n", 120)
    set_number(page, "Noise", 3.5)
    expect(metric(page, "Points n")).to_have_text("120")
    wait_for_url(page, r"[?&]n=120")
    page.get_by_role("button", name="Share this view").click()
    link = page.get_by_test_id("stCode").inner_text().strip()
    assert "n=120" in link and "noise=3.5" in link and "/Data" in link
    other = new_context().new_page()
    other.goto(link)
    wait_for_app(other)
    assert_no_exception(other)
    expect(metric(other, "Points n")).to_have_text("120")
    expect(number_input(other, "Noise")).to_have_value("3.50")
    screenshot(other, "data-from-share-link")


def test_dataset_settings_survive_a_trip_to_another_page(page, app_server):
    open_page(page, app_server, "Data")
    set_number(page, "Noise", 4)
    set_number(page, "Seed", 7)
    click_and_wait(page, sidebar_link(page, "Home"))
    expect(number_input(page, "Noise")).to_have_value("4.00")
    expect(number_input(page, "Seed")).to_have_value("7")
    click_and_wait(page, sidebar_link(page, "Data"))
    expect(number_input(page, "Noise")).to_have_value("4.00")
    expect(number_input(page, "Seed")).to_have_value("7")
    assert "/Data" in current_url(page)
    assert "noise=4" in current_url(page) and "seed=7" in current_url(page)
    assert_no_exception(page)


def test_a_bad_upload_shows_the_message_and_keeps_the_chart(page, app_server):
    open_page(page, app_server, "Data")
    page.get_by_text("Your own points").click()
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(files=[{"name": "good.csv", "mimeType": "text/csv",
                                     "buffer": b"x,y\n0,1\n1,3.1\n2,4.9\n3,7.2\n4,9\n"}])
    wait_for_app(page)
    expect(metric(page, "Points n")).to_have_text("5", timeout=TIMEOUT_MS)
    uploader.set_input_files(files=[{"name": "bad.csv", "mimeType": "text/csv",
                                     "buffer": b"x,y\n1,2\n2,abc\n3,4\n"}])
    wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("bad.csv", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("row 3")
    expect(metric(page, "Points n")).to_have_text("5")  # the good file is still used
    assert_every_chart_drew(page)
    assert_no_exception(page)
    screenshot(page, "data-bad-upload")


def test_a_link_s_data_and_an_upload_come_along_to_every_page(page, app_server):
    # The first page switch after a link used to reset the dataset to the defaults.
    open_page(page, app_server, "", "n=1002&w=-2.5&seed=102&noise=2")
    expect(in_use(page)).to_contain_text("1,002 made points")
    for label in ("Data", "Loss slice", "Home"):
        click_and_wait(page, sidebar_link(page, label))
        expect(in_use(page)).to_contain_text("1,002 made points")
        expect(number_input(page, "Seed")).to_have_value("102")
    click_and_wait(page, sidebar_link(page, "Data"))
    upload_csv(page, "mine.csv", b"x,y\n0,1\n1,3\n2,5\n", shows="mine.csv, 3 points")
    for label in ("Home", "Loss contour", "Data"):
        click_and_wait(page, sidebar_link(page, label))
        expect(in_use(page)).to_have_text("In use: mine.csv, 3 points; least-squares line y = 2·x + 1.")
    assert_no_exception(page)


def test_the_points_download_holds_the_points_in_use(page, app_server):
    """The button makes the CSV when pressed, from the link's recipe (x standardized)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    import lrcore

    open_page(page, app_server, "Data", "n=37&seed=5&noise=2&std=true")
    page.get_by_text("Your own points").click()
    page.evaluate(WATCH_DOWNLOAD_ERRORS)
    button = page.get_by_role("button", name="These 37 points as CSV")
    try:
        with page.expect_download(timeout=TIMEOUT_MS / 3) as download:
            button.click()
        download.value.path()
    except PlaywrightTimeoutError:
        # Twice in about seven CI runs the file never came, and never in isolated runs here, with both cores
        # busy or not; the cause is not known. A learner would click again: so does the test, once, and says
        # what the first click showed (the button's error, if any) in the test's output.
        print(f"the first click brought no file; the button's errors: {page.evaluate('() => window.lreErrors')}")
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            button.click()
    assert download.value.suggested_filename == "points.csv"
    got = lrcore.read_csv(download.value.path().read_bytes())
    made = lrcore.standardize(lrcore.make_data(n=37, seed=5, noise=2.0))
    assert (got.x.tolist(), got.y.tolist()) == (made.x.tolist(), made.y.tolist())
    assert_no_exception(page)
