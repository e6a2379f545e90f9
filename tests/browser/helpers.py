"""What a browser test does to a Streamlit page: open it, wait for it, check it.

"The app has finished" is read from Streamlit's own root element (as
streamlit/streamlit's e2e tests do):

    <div data-testid="stApp" data-test-connection-state="CONNECTED"
         data-test-script-state="notRunning">

The script state goes initial -> running -> notRunning on a fresh page and
running -> notRunning on each rerun. It is "notRunning" too in the moment
between a click on a page link and the start of the new run, so the wait
also asks for at least one element in the main area (a page change empties
it at the click; the new run's first element comes after its "running"
message) and no stale element, no loading skeleton (a chart shows one until
Vega has loaded) and no status widget ("Running...", "Connecting").
Every page of this app shows at least a title, so the wait always ends.

Playwright is imported inside the functions: without it, collection still
works and the fixtures in conftest.py decide between skip and fail.
"""

import os
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS = ROOT / "docs"
TIMEOUT_MS = 30_000  # a cold server's first run takes several seconds
CHROMIUM = os.environ.get("LRE_CHROMIUM", "/usr/bin/chromium")  # Debian's, never a downloaded one
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}

APP_FINISHED = (
    '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
    '[data-test-script-state="notRunning"]'
    ':has([data-testid="stMain"] [data-testid="stElementContainer"])'
    ':not(:has([data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-stale="true"]))'
)
COMPILE_ERROR = '[data-testid="stApp"][data-test-script-state="compilationError"]'


def _expect():
    from playwright.sync_api import expect

    return expect


def page_url(base_url, path="", query=""):
    """`base_url/path?query`; `path` like "Data" or "/Data", `query` like "lr=0.1"."""
    url = f"{base_url.rstrip('/')}/{path.lstrip('/')}"
    query = query.lstrip("?")
    return f"{url}?{query}" if query else url


def wait_for_app(page, timeout=TIMEOUT_MS):
    """Wait until the script run has finished and everything it sent is drawn."""
    finished = page.locator(APP_FINISHED)
    compile_error = page.locator(COMPILE_ERROR)
    try:
        _expect()(finished.or_(compile_error)).to_be_visible(timeout=timeout)
        if compile_error.count():
            raise AssertionError(f"the script at {page.url} does not compile: {_app_state(page)}")
        # A rerun may have started since (a widget's change arriving late): wait for it too.
        _expect()(finished).to_be_visible(timeout=timeout)
    except AssertionError as error:
        if "does not compile" in str(error):
            raise
        raise AssertionError(f"the app did not finish running at {page.url}: {_app_state(page)}") from error


def _app_state(page):
    app = page.locator('[data-testid="stApp"]')
    if not app.count():
        return "no stApp element (the frontend did not load)"
    return (
        f"script state {app.get_attribute('data-test-script-state')!r}, "
        f"connection {app.get_attribute('data-test-connection-state')!r}, "
        f"{page.get_by_test_id('stSkeleton').count()} loading skeletons, "
        f"{page.locator('[data-stale=true]').count()} stale elements, "
        f"{page.locator('[data-testid=stMain] [data-testid=stElementContainer]').count()} elements in the main area"
    )


def open_page(page, base_url, path="", query=""):
    """Go to a page of the app (a new session) and wait until its script has finished."""
    page.goto(page_url(base_url, path, query))
    wait_for_app(page)
    return page


def click_and_wait(page, link):
    """Click an in-app link (st.page_link, sidebar nav) and wait for the target page to finish.

    Waits for the address to become the link's path (Streamlit pushes it once
    the new run has started), then for the run to finish.
    """
    # The link to the home page has href="" (``a.href`` would then be the
    # current page): resolve the raw attribute against the app's root.
    href = link.evaluate("a => new URL(a.getAttribute('href') || '/', window.location.origin + '/').href")
    target = rf"^{re.escape(re.sub(r'[?#].*$', '', href))}/?([?#].*)?$"
    link.click()
    wait_for_url(page, target)
    wait_for_app(page)
    return page


def current_url(page):
    """The address bar as the page sees it. Streamlit changes it with the
    history API, and Playwright's ``page.url`` can lag one page switch behind
    (seen with Chromium 156), so ask the page itself."""
    return page.evaluate("() => window.location.href")


def wait_for_url(page, pattern, timeout=TIMEOUT_MS):
    """Wait until the page's own address matches the regular expression ``pattern``."""
    try:
        page.wait_for_function(
            "pattern => new RegExp(pattern).test(window.location.href)", arg=pattern, timeout=timeout
        )
    except Exception as error:  # playwright's TimeoutError
        raise AssertionError(f"the address never matched {pattern!r}: it is {current_url(page)}") from error


def sidebar_link(page, label):
    """The sidebar's link to the page called ``label``."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").filter(
        has=page.get_by_text(label, exact=True)).locator("a")


def number_input(page, label):
    """The box of the number input labelled ``label``."""
    return page.get_by_test_id("stNumberInput").filter(has=page.get_by_text(label, exact=True)).locator("input")


def in_use(page):
    """The sidebar's sentence on the data the page works on ("In use: ...")."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer").filter(has_text="In use:")


def pause_replay(page):
    """Click the replay's Pause. On a slow machine the replay may reach its
    end (Pause turns back into Play) before the click: then play it again and
    pause at once."""
    from playwright.sync_api import Error

    pause, play = page.get_by_role("button", name="⏸ Pause"), page.get_by_role("button", name="▶ Play")
    for _ in range(3):
        if pause.is_visible():
            try:
                pause.click(timeout=3000)
                return
            except Error:  # it turned back into Play meanwhile
                pass
        play.click()
    pause.click()


def upload_csv(page, name, content: bytes, shows: str):
    """Choose "Your own points" on the Data page, upload ``content`` as the
    CSV ``name``, and wait until the sidebar's sentence ``shows`` it and the
    run it started has finished."""
    page.get_by_text("Your own points").click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    _expect()(in_use(page)).to_contain_text(shows)
    wait_for_app(page)


def assert_no_exception(page, where=""):
    """No st.exception box (an uncaught error in the script) on the page."""
    boxes = page.get_by_test_id("stException")
    if boxes.count():
        texts = "\n---\n".join(boxes.all_inner_texts())
        raise AssertionError(f"exception on {where or page.url}:\n{texts}")


def assert_every_chart_drew(page, timeout=TIMEOUT_MS):
    """Every Vega-Lite chart (st.line_chart, st.altair_chart, ...) rendered its marks.

    Vega draws into a `canvas` or `svg` of class "marks" inside the chart's
    element; a chart whose spec Vega rejects has neither.
    """
    charts = page.get_by_test_id("stVegaLiteChart")
    for index in range(charts.count()):
        drawing = charts.nth(index).locator("canvas.marks, svg.marks").first
        try:
            _expect()(drawing).to_be_visible(timeout=timeout)
        except AssertionError as error:
            raise AssertionError(f"chart {index + 1} of {charts.count()} on {page.url} did not draw") from error
    return charts.count()


def screenshot(page, name, docs=False):
    """Save the whole page to tests/artifacts/NAME.png, and for the README's
    pictures (``docs=True``) to docs/NAME.png when LRE_DOCS_SCREENSHOTS is set.

    Streamlit scrolls inside its main area, not the document, so Playwright's
    full_page alone would stop at the viewport: the viewport is stretched to
    the content's height for the shot, then restored.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    viewport = page.viewport_size
    height = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            const hidden = main ? main.scrollHeight - main.clientHeight : 0;
            return Math.min(16000, Math.ceil(window.innerHeight + Math.max(0, hidden)));
        }"""
    )
    stretched = viewport is not None and height > viewport["height"]
    if stretched:
        page.set_viewport_size({"width": viewport["width"], "height": height})
        wait_for_app(page)
    # The icon font (Material Symbols) loads after the script has finished:
    # without this wait, icons come out as empty boxes.
    page.evaluate("() => document.fonts.ready.then(() => true)")
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if stretched:
            page.set_viewport_size(viewport)
    if docs and os.environ.get("LRE_DOCS_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")
    return path


def expect(target):
    """Playwright's auto-retrying ``expect`` (imported on use, as above)."""
    return _expect()(target)


def scrub(chart, shown, to):
    """Drag a chart's in-browser step slider from ``shown`` to ``to``; return
    the chart's pictures before and after (Vega redraws on the next frames)."""
    slider = chart.locator("input[type=range]")
    expect(slider).to_have_value(str(shown), timeout=TIMEOUT_MS)
    before = chart.screenshot()
    slider.fill(str(to))
    expect(slider).to_have_value(str(to))
    chart.page.wait_for_function(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
    )
    return before, chart.screenshot()
