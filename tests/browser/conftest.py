"""Browser tests: one streamlit server and one Chromium for the whole session.

Every test in this folder is marked `browser`. They need Chromium at
/usr/bin/chromium (Debian's package; `LRE_CHROMIUM` overrides the path) and
the `playwright` package. Without them a test is skipped on a developer's
machine and fails in CI (the environment variable CI is set), so a CI job
can never pass by skipping the browser. Playwright never downloads a browser
here: Chromium is launched from its path.
"""

import os
import pathlib

import pytest

from .helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, VIEWPORT
from .server import Server, ServerError

HERE = pathlib.Path(__file__).resolve().parent
SERVER_LOG = ARTIFACTS / "streamlit-server.log"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this folder `browser` (`-m "not browser"`
    skips them), and put them in one xdist group: under `-n`, one worker runs
    them all, with one server and one Chromium, as without `-n`. (Two
    workers running browser tests at once took a 2-core machine twice as
    long as one, and the ten-learner load test ran out of time.)"""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the `page` fixture can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _missing_browser_parts():
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (python -m pip install -r requirements-dev.txt)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    return missing


@pytest.fixture(scope="session", autouse=True)
def chromium_path():
    """Chromium's path; skip every browser test without it, or fail them in CI."""
    missing = _missing_browser_parts()
    if missing:
        what = " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: install chromium (missing {what})", pytrace=False)
        pytest.skip(f"browser tests need {what}")
    return CHROMIUM


@pytest.fixture(scope="session")
def app_server():
    """Base URL (http://127.0.0.1:PORT) of `streamlit run streamlit_app.py`, started once."""
    yield from _serve(SERVER_LOG)


def _serve(log_path):
    try:
        server = Server(log_path)
    except ServerError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture
def own_server(request):
    """A server of the test's own (a `Server`: base_url, memory, health), for a
    test that loads it or measures it; its log is tests/artifacts/<test>-server.log."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
    try:
        server = Server(ARTIFACTS / f"{name}-server.log")
    except ServerError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium for the session (Debian's, never a downloaded one)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser):
    """Factory of fresh browser contexts (no cookies, no session), closed after the test.

    For a second visitor, e.g. one who opens a share link: `new_context().new_page()`.
    """
    contexts = []

    def make(**options):
        options.setdefault("viewport", VIEWPORT)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(request, new_context):
    """A page in a fresh context, 1400x1000; on failure its screenshot goes to tests/artifacts/."""
    page = new_context().new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        try:
            page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=True)
        except Exception as error:  # the screenshot is a debugging aid, never the failure
            print(f"could not save the failure screenshot: {error}")
