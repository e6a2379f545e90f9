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
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .helpers import ARTIFACTS, ROOT, TIMEOUT_MS

HERE = pathlib.Path(__file__).resolve().parent
CHROMIUM = os.environ.get("LRE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT_S = 60
SERVER_LOG = ARTIFACTS / "streamlit-server.log"


def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this folder `browser` (`-m "not browser"` skips them)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


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


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode().strip()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _log_tail(lines=40):
    try:
        text = SERVER_LOG.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


def _stop(process):
    """Terminate the server and everything it started (its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def app_server():
    """Base URL (http://127.0.0.1:PORT) of `streamlit run streamlit_app.py`, started once."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with open(SERVER_LOG, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while _health(f"{base_url}/_stcore/health") != "ok":
            if process.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {process.returncode} before it was healthy; "
                    f"the end of {SERVER_LOG}:\n{_log_tail()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {base_url}/_stcore/health with 'ok' within "
                    f"{SERVER_START_TIMEOUT_S} s; the end of {SERVER_LOG}:\n{_log_tail()}",
                    pytrace=False,
                )
            time.sleep(0.2)  # polling the server's health, not waiting on the app
        yield base_url
    finally:
        _stop(process)


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
