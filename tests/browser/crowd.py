"""A class on one server: many learners at once, each in a browser context of
its own (one Chromium), each with its own data and settings, walking through
every page. The load test and the load benchmark both run a crowd.

Each learner opens a link carrying their settings, may upload a CSV, then
clicks through the sidebar's page links. On every page it records what the
page showed: the sidebar's "In use" sentence (the data this session works
on), any exception box, whether every chart drew, and how long one widget
change took to redraw the page (from the key press to the script run
finished and every chart drawn).

Playwright's async API runs the learners together, in a thread of its own,
so a caller inside pytest (whose session may also hold the sync API) is
unaffected.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import numpy as np

from .helpers import (APP_FINISHED, ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, VIEWPORT, in_use,
                      number_input, sidebar_link)

#: The sidebar's page links, in the order a learner visits them.
PAGE_LABELS = ("Home", "Data", "Loss slice", "Loss contour", "Schedules", "LR finder")

#: The number box each page's timed change types into; on the home page the
#: timed change is an answer to the lesson's first question (this choice).
ANSWER = "10 to 1,000 times as many"
CHANGED_ON = {
    "Home": ANSWER,
    "Data": "Steps",
    "Loss slice": "Steps",
    "Loss contour": "Steps",
    "Schedules": "Steps",
    "LR finder": "Steps per run",
}

def _watch_runs(page) -> asyncio.Event:
    """An event set whenever the server tells this page a script run has
    finished (a ``script_finished`` message on its websocket). The page's
    own script-state attribute cannot tell: a fast rerun may go from idle
    to idle in one React commit, and no attribute ever changes."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    finished = asyncio.Event()

    def on_frame(payload):
        if isinstance(payload, bytes):
            message = ForwardMsg.FromString(payload)
            if (message.WhichOneof("type") == "script_finished"
                    and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY):
                finished.set()

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    return finished



@dataclass(frozen=True)
class Learner:
    """One learner: the link they open, an optional CSV they upload, the
    sentence every page must show about their data, and the values their
    timed changes type (by page label)."""

    number: int
    query: dict
    expected: str
    changes: dict
    upload: tuple[str, bytes] | None = None

    def link(self, base_url: str) -> str:
        return f"{base_url}/?{urllib.parse.urlencode(self.query, doseq=True)}"

    def changes_on(self, label: str) -> bool:
        """Whether this learner makes a timed change on the page ``label``
        (on the home page, everyone answers the lesson's first question)."""
        return label == "Home" or label in self.changes


@dataclass
class Seen:
    """What one page showed one learner."""

    page: str
    in_use: str = ""
    exceptions: list = field(default_factory=list)
    charts: int = 0
    charts_drawn: int = 0
    redraw_s: float | None = None
    error: str | None = None


@dataclass
class Visit:
    learner: Learner
    pages: list = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


def run_crowd(base_url: str, learners: list, *, timeout_ms: int = TIMEOUT_MS * 4) -> list:
    """Send every learner through every page at once; return one Visit each.
    A learner gives up on a step after ``timeout_ms``, and says where."""
    outcome = {}

    def target():
        try:
            outcome["visits"] = asyncio.run(_crowd(base_url, learners, timeout_ms))
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="crowd")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["visits"]


async def _crowd(base_url, learners, timeout_ms):
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=timeout_ms)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return list(await asyncio.gather(*(_visit(browser, base_url, learner, timeout_ms)
                                               for learner in learners)))
        finally:
            await browser.close()


async def _visit(browser, base_url, learner, timeout_ms):
    from playwright.async_api import expect

    visit = Visit(learner)
    started = time.perf_counter()
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(timeout_ms)
    page = await context.new_page()
    runs = _watch_runs(page)
    where = "the link"
    try:
        await page.goto(learner.link(base_url))
        await _finished(page, expect)
        if learner.upload is not None:
            where = "the upload"
            await _upload(page, learner.upload, expect)
        for label in PAGE_LABELS:
            where = label
            visit.pages.append(await _see(page, label, learner, expect, runs, timeout_ms))
    except Exception as error:  # recorded, with a picture, for the test to report
        visit.error = f"learner {learner.number} at {where}: {type(error).__name__}: {error}"
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"crowd-learner-{learner.number}.png"), full_page=True)
        except Exception:
            pass
    finally:
        visit.seconds = time.perf_counter() - started
        await context.close()
    return visit


async def _finished(page, expect):
    """The script run has finished and everything it sent is drawn (see helpers.wait_for_app)."""
    await expect(page.locator(APP_FINISHED)).to_be_visible()


async def _go(page, label, expect):
    link = sidebar_link(page, label)
    href = await link.evaluate("a => new URL(a.getAttribute('href') || '/', window.location.origin + '/').href")
    path = urllib.parse.urlsplit(href).path.rstrip("/")
    await link.click()
    await page.wait_for_function(
        "path => window.location.pathname.replace(/\\/$/, '') === path", arg=path)
    await _finished(page, expect)


async def _upload(page, upload, expect):
    name, content = upload
    await _go(page, "Data", expect)
    await page.get_by_text("Your own points").click()
    await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    await expect(in_use(page)).to_contain_text(name)
    await _finished(page, expect)


async def _see(page, label, learner, expect, runs, timeout_ms):
    seen = Seen(label)
    await _go(page, label, expect)
    await _charts_drawn(page, expect)
    await _look(page, seen)
    box_label = CHANGED_ON[label]
    if label == "Home":  # the lesson draws nothing before its question is answered
        runs.clear()
        began = time.perf_counter()
        await page.get_by_role("radio", name=ANSWER, exact=True).check(force=True)
    elif label in learner.changes:
        box = number_input(page, box_label)
        if not await box.is_visible():  # inside a closed expander: open it
            await page.get_by_test_id("stExpander").filter(has=box).locator("summary").first.click()
        await box.fill(str(learner.changes[label]))
        runs.clear()
        began = time.perf_counter()
        await box.press("Enter")
    if learner.changes_on(label):
        await asyncio.wait_for(runs.wait(), timeout_ms / 1000)
        await _finished(page, expect)
        if label == "Home":  # the answer's chart: a run that finished before the click must not count
            await expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
            await _finished(page, expect)
        await _charts_drawn(page, expect)
        seen.redraw_s = time.perf_counter() - began
        await _look(page, seen)
    return seen


async def _charts_drawn(page, expect):
    charts = page.get_by_test_id("stVegaLiteChart")
    count = await charts.count()
    for index in range(count):
        await expect(charts.nth(index).locator("canvas.marks, svg.marks").first).to_be_visible()
    return count


async def _look(page, seen):
    """Record the page as it is now (a later look adds to the earlier one)."""
    seen.in_use = (await in_use(page).first.inner_text()).strip() if await in_use(page).count() else ""
    boxes = page.get_by_test_id("stException")
    seen.exceptions += await boxes.all_inner_texts()
    charts = page.get_by_test_id("stVegaLiteChart")
    seen.charts = await charts.count()
    drawn = 0
    for index in range(seen.charts):
        if await charts.nth(index).locator("canvas.marks, svg.marks").count():
            drawn += 1
    seen.charts_drawn = drawn


def problems(visits) -> list[str]:
    """What went wrong, one line each: a learner who could not finish, an
    exception, someone else's data, a chart that did not draw, a change
    the learner made (the home page's answer and ``Learner.changes``) that
    was not timed."""
    found = []
    for visit in visits:
        if visit.error:
            found.append(visit.error)
            continue
        if [seen.page for seen in visit.pages] != list(PAGE_LABELS):
            found.append(f"learner {visit.learner.number} saw {[seen.page for seen in visit.pages]}")
        for seen in visit.pages:
            where = f"learner {visit.learner.number}, {seen.page}"
            if seen.exceptions:
                found.append(f"{where}: exception {seen.exceptions}")
            if seen.in_use != visit.learner.expected:
                found.append(f"{where}: saw {seen.in_use!r}, their data is {visit.learner.expected!r}")
            if seen.charts == 0 or seen.charts_drawn != seen.charts:
                found.append(f"{where}: {seen.charts_drawn} of {seen.charts} charts drawn")
            if visit.learner.changes_on(seen.page) and seen.redraw_s is None:
                found.append(f"{where}: the change was not timed")
    return found


def redraws(visits) -> list[float]:
    """Every timed change's seconds, from the key press to the page redrawn."""
    return [seen.redraw_s for visit in visits for seen in visit.pages if seen.redraw_s is not None]


def percentile(values, q):
    """The q-th percentile (0..100) of ``values``, linear between ranks; NaN for none."""
    values = list(values)
    return float(np.percentile(values, q)) if values else float("nan")


# --- the class ------------------------------------------------------------------------

LOSSES = ("mse", "mae", "huber")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
SCHEDULE_SETS = (
    ("constant", "exponential_decay", "cosine_decay"),
    ("step_decay", "one_cycle", "reduce_on_plateau"),
    ("constant", "cyclic", "cosine_restarts", "warmup_cosine"),
    ("inverse_time_decay", "polynomial_decay"),
)
HEAVIEST_SCHEDULES = ("constant", "exponential_decay", "cosine_decay", "one_cycle", "reduce_on_plateau", "cyclic")


def make_learners(count: int, *, largest: bool = False, uploads_every: int = 5,
                  changed_pages: int | None = None) -> list:
    """``count`` learners, each with data and settings of their own.

    Learner i draws points around its own line, with its own size, noise,
    x range and seed; every ``uploads_every``-th (from the third) uploads a
    CSV of its own instead. Losses, optimizers and schedules rotate. With
    ``largest``, every learner takes a million points and each page's
    largest work: the most steps, runs, guesses, rates and schedules.
    With ``changed_pages``, learner i changes a widget on that many of the
    five pages with a number box, from the i-th on in turn, and only answers
    the home page's question on the others; otherwise on all five.
    """
    import lrcore
    from ui import controls, state

    learners = []
    for i in range(count):
        loss, opt = LOSSES[i % 3], OPTIMIZERS[i % len(OPTIMIZERS)]
        data = {
            "n": 1_000_000 if largest else (40, 200, 1000, 5000, 20000)[i % 5] + i,
            "w": -4.0 + 0.75 * i, "b": 1.0 + 0.25 * i, "noise": 0.5 + i % 3,
            "x_min": -5.0 * (i % 2), "x_max": 10.0 + i, "outliers": 0.05 * (i % 2), "seed": 100 + i,
            "std": i % 4 == 3,
        }
        pages = {
            "fit_lr": ("0.001", "0.01", "0.02", "0.05")[i % 4],
            "slice_loss": loss, "slice_param": ("b", "w")[i % 2], "slice_decay": ("none", "exponential")[i % 2],
            "contour_loss": loss, "contour_opt1": opt, "contour_opt2": OPTIMIZERS[(i + 3) % len(OPTIMIZERS)],
            "contour_batch": (0, 8)[i % 2],
            "sched_pick": list(SCHEDULE_SETS[i % len(SCHEDULE_SETS)]), "sched_loss": loss,
            "sched_opt": ("sgd", "momentum", "adam")[i % 3], "sched_batch": (0, 16)[i % 2],
            "finder_opt": ("sgd", "momentum", "adam")[i % 3],
        }
        changes = {"Data": 150 + i, "Loss slice": 25 + i, "Loss contour": 150 + i, "Schedules": 200 + i,
                   "LR finder": 150 + i}
        if largest:
            pages.update({
                "fit_steps": 5000, "slice_steps": 500, "contour_runs": 5, "contour_steps": 5000,
                "contour_guesses": 100_000, "sched_pick": list(HEAVIEST_SCHEDULES), "sched_steps": 5000,
                "finder_rates": 2000, "finder_steps": 2000, "finder_rt_steps": 1000,
            })
            changes = {"Data": 4999 - i, "Loss slice": 499 - i, "Loss contour": 4999 - i, "Schedules": 4999 - i,
                       "LR finder": 1999 - i}
        if changed_pages is not None:
            labels = list(changes)
            kept = {labels[(i + k) % len(labels)] for k in range(changed_pages)}
            changes = {label: value for label, value in changes.items() if label in kept}
        query = {key: str(value).lower() if isinstance(value, bool) else value
                 for key, value in {**data, **pages}.items()}
        settings = state.DataSettings(**data)
        upload = None
        if i % uploads_every == 2:
            points = 23 + i
            x = [0.5 * k for k in range(points)]
            y = [-(i + 1) / 2 * v + 3.0 + (0.1 if k % 2 else -0.1) for k, v in enumerate(x)]
            csv = "x,y\n" + "".join(f"{a},{c}\n" for a, c in zip(x, y))
            upload = (f"learner{i}.csv", csv.encode())
            used = lrcore.read_csv(upload[1])
            used = lrcore.standardize(used) if settings.std else used
            expected = controls.in_use_line(used, upload[0], settings.std)
        else:
            made = lrcore.make_data(**settings.recipe())
            made = lrcore.standardize(made) if settings.std else made
            expected = controls.in_use_line(made, None, settings.std)
        shown = expected.replace("**", "")  # the caption is Markdown: bold shows as plain text
        learners.append(Learner(i, query, shown, changes, upload))
    return learners
