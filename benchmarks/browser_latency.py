"""One learner in Chromium: each page's warm first paint and one widget change,
beside a one-widget Streamlit page served in the same run.

    python -m benchmarks.browser_latency                    # every page, 5 loads and 5 clicks each
    python -m benchmarks.browser_latency --pages data,contour --repeats 7
    python -m benchmarks.browser_latency --profile          # also: what the bytes are, what a rerun costs

The baseline is ``benchmarks/trivial_app.py`` (one number input and a
three-point Altair chart) under its own ``streamlit run``. Every measurement
of ours is interleaved with one of the baseline's, so both see the same load
on the machine; the ratios are what to compare, the bytes are exact.

- First paint: each page loaded once to warm the server's caches, then in a
  fresh browser context (nothing cached in the browser), from navigation to
  the script finished and every chart drawn.
- One change: a click on the "+" of a number input that changes the main
  chart (the steps, or on the home page the sidebar's noise), to (i) the last
  websocket frame received and (ii) the last chart drawn; and the bytes the
  websocket brought in for that rerun.

Times come from the page's own clock (``performance.now()``): a script
injected before the app's records each websocket message (time, bytes), each
Vega draw (a canvas's ``restore`` or a change inside an SVG chart) and each
change of the app's script state. A measurement ends once the app has
finished (tests/browser/helpers.py's wait) and nothing has arrived or been
drawn for ``QUIET_MS``.

Needs Chromium at /usr/bin/chromium (or LRE_CHROMIUM) and the playwright
package, as the browser tests do.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import hashlib
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
TRIVIAL = "benchmarks/trivial_app.py"
#: A measurement ends when nothing arrived or was drawn for this long.
QUIET_MS = 600
WAIT_MS = 60_000
#: The goals: a change within this many times the trivial page's, a first paint likewise, and bytes per rerun.
CHANGE_GOAL, PAINT_GOAL, BYTES_GOAL = 1.5, 1.3, 150_000


@dataclasses.dataclass(frozen=True)
class Page:
    name: str
    path: str  # the URL path ("" for the main script)
    label: str  # the number input whose "+" is clicked
    opens: str | None = None  # an expander's label to open first (the input lives in it)
    script: str = "streamlit_app.py"


PAGES = (
    Page("home", "", "Noise"),
    Page("data", "Data", "Steps"),
    Page("slice", "Loss_slice", "Steps"),
    Page("contour", "Loss_contour", "Steps", opens="Start, steps, loss"),
    Page("schedules", "Schedules", "Steps"),
    Page("finder", "LR_finder", "Steps per run"),
)
BASELINE = Page("trivial", "", "Slope", script=TRIVIAL)

#: Injected before the app's own scripts: the clock readings a measurement needs.
PROBE = """
(() => {
  const S = window.__lre = {frames: [], lastDraw: 0, draws: 0, states: [], clickAt: 0};
  const Native = window.WebSocket;
  class Counted extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const d = event.data;
        const bytes = typeof d === 'string' ? d.length : (d.byteLength !== undefined ? d.byteLength : d.size);
        S.frames.push([performance.now(), bytes]);
      });
    }
  }
  window.WebSocket = Counted;
  const restore = CanvasRenderingContext2D.prototype.restore;
  CanvasRenderingContext2D.prototype.restore = function () {
    if (this.canvas && this.canvas.classList && this.canvas.classList.contains('marks')) {
      S.lastDraw = performance.now(); S.draws += 1;
    }
    return restore.apply(this, arguments);
  };
  const watch = () => {
    new MutationObserver((records) => {
      const now = performance.now();
      for (const record of records) {
        const node = record.target;
        if (record.type === 'attributes' && record.attributeName === 'data-test-script-state') {
          S.states.push([now, node.getAttribute('data-test-script-state')]);
        } else {
          const element = node.nodeType === 1 ? node : node.parentElement;
          if (element && element.closest && element.closest('svg.marks')) { S.lastDraw = now; S.draws += 1; }
        }
      }
    }).observe(document, {subtree: true, childList: true, attributes: true,
                          attributeFilter: ['data-test-script-state', 'd', 'transform']});
  };
  document.addEventListener('pointerdown', () => { S.clickAt = performance.now(); }, true);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
})();
"""

QUIET = f"""() => {{
  const S = window.__lre;
  const last = Math.max(S.lastDraw, S.frames.length ? S.frames[S.frames.length - 1][0] : 0);
  return performance.now() - last > {QUIET_MS};
}}"""


def _tools():
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from browser import helpers, server

    return helpers, server


def start_server(server, script: str, log_dir: str):
    """``tests/browser/server.Server`` for ``script``, its log in ``log_dir``."""
    name = "app.log" if script == "streamlit_app.py" else "trivial.log"
    return server.Server(pathlib.Path(log_dir) / name, script=script)


class Learner:
    """One browser context on one page: load it, click, read the probe."""

    def __init__(self, browser, helpers, base_url: str, page: Page, capture: bool = False):
        self.helpers, self.spec, self.base_url = helpers, page, base_url
        self.context = browser.new_context(viewport=helpers.VIEWPORT)
        self.context.add_init_script(PROBE)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.messages: list[bytes] = []  # every binary frame received, when capturing
        if capture:
            self.page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda payload: self.messages.append(payload) if isinstance(payload, bytes) else None))

    def close(self):
        self.context.close()

    def settle(self):
        self.helpers.wait_for_app(self.page, timeout=WAIT_MS)
        self.helpers.assert_every_chart_drew(self.page, timeout=WAIT_MS)
        self.page.wait_for_function(QUIET, timeout=WAIT_MS, polling=50)

    def load(self) -> dict:
        """Open the page (a new session); the first paint in ms from navigation, and the bytes received."""
        self.page.goto(self.helpers.page_url(self.base_url, self.spec.path))
        self.settle()
        probe = self.page.evaluate("() => window.__lre")
        finished = max((t for t, state in probe["states"] if state == "notRunning"), default=0.0)
        return {"paint": max(finished, probe["lastDraw"]), "bytes": sum(b for _, b in probe["frames"]),
                "frames": len(probe["frames"])}

    def prepare(self):
        """Open the expander that holds the input, if any (the browser alone: no rerun)."""
        if self.spec.opens:
            self.page.get_by_test_id("stExpander").filter(has_text=self.spec.opens).locator("summary").click()
        self.plus().wait_for(state="visible")

    def plus(self):
        where = self.page.get_by_test_id("stSidebar") if self.spec.name == "home" else self.page.get_by_test_id("stMain")
        if self.spec.name == "trivial":
            where = self.page
        box = where.get_by_test_id("stNumberInput").filter(has=self.page.get_by_text(self.spec.label, exact=True))
        return box.get_by_test_id("stNumberInputStepUp")

    def click(self) -> dict:
        """Click "+" and wait for the rerun: ms to the last frame and to the last draw, and the bytes."""
        self.page.bring_to_front()
        self.page.evaluate("() => { const S = window.__lre; S.frames = []; S.lastDraw = 0; S.draws = 0; S.states = []; }")
        self.messages.clear()
        self.plus().click()
        # a short run may go running -> notRunning within one render: a frame after the click also tells
        self.page.wait_for_function(
            "() => { const S = window.__lre; return S.states.some(([t, s]) => s === 'running') "
            "|| S.frames.some(([t, b]) => t >= S.clickAt); }", timeout=WAIT_MS, polling=20)
        self.settle()
        probe = self.page.evaluate("() => window.__lre")
        start = probe["clickAt"]
        frames = [(t, b) for t, b in probe["frames"] if t >= start]
        running = min((t for t, s in probe["states"] if s == "running"), default=start)
        finished = max((t for t, s in probe["states"] if s == "notRunning"), default=start)
        last_frame = max((t for t, _ in frames), default=start)
        drawn = probe["lastDraw"] if probe["draws"] else None
        return {"frame": last_frame - start, "drawn": (drawn - start) if drawn else None,
                "bytes": sum(b for _, b in frames), "frames": len(frames),
                "server": finished - running, "draw_after": (drawn - last_frame) if drawn else None}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ms(value) -> str:
    return "–" if value is None else (f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms")


def kb(value) -> str:
    return "–" if value is None else f"{value / 1000:,.1f} kB"


def ratio(value, base) -> str:
    return "–" if value is None or not base else f"{value / base:.2f}x"


def measure(pages, repeats: int, profile: bool) -> dict:
    helpers, server = _tools()
    if not os.access(helpers.CHROMIUM, os.X_OK):
        raise SystemExit(f"needs Chromium at {helpers.CHROMIUM} (apt-get install chromium, or set LRE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    results = {page.name: collections.defaultdict(list) for page in (*pages, BASELINE)}
    captured = {}
    with tempfile.TemporaryDirectory() as logs, sync_playwright() as driver:
        ours, trivial = start_server(server, "streamlit_app.py", logs), None
        browser = None
        try:
            trivial = start_server(server, TRIVIAL, logs)
            browser = driver.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS)
            url = {page.name: (trivial.base_url if page is BASELINE else ours.base_url) for page in (*pages, BASELINE)}
            everyone = (*pages, BASELINE)
            for page in everyone:  # warm-up: the server's imports and caches, the browser's disk cache is per context
                learner = Learner(browser, helpers, url[page.name], page)
                learner.load()
                learner.close()
            for _ in range(repeats):  # first paints, each page beside the baseline
                for page in pages:
                    for spec in (page, BASELINE):
                        learner = Learner(browser, helpers, url[spec.name], spec)
                        loaded = learner.load()
                        learner.close()
                        results[spec.name]["paint"].append(loaded["paint"])
                        results[spec.name]["load_bytes"].append(loaded["bytes"])
            learners = {page.name: Learner(browser, helpers, url[page.name], page, capture=profile)
                        for page in everyone}
            for learner in learners.values():
                learner.load()
                learner.prepare()
            for _ in range(repeats):  # one change, each page beside the baseline
                for page in pages:
                    for spec in (page, BASELINE):
                        clicked = learners[spec.name].click()
                        for key, value in clicked.items():
                            results[spec.name][key].append(value)
            if profile:
                for page in pages:  # the last click's messages
                    captured[page.name] = list(learners[page.name].messages)
                captured[BASELINE.name] = list(learners[BASELINE.name].messages)
            for learner in learners.values():
                learner.close()
        finally:
            if browser is not None:
                browser.close()
            ours.stop()
            if trivial is not None:
                trivial.stop()
    return {"results": results, "captured": captured}


def report(pages, measured: dict, repeats: int) -> None:
    results = measured["results"]
    base = {key: median(results[BASELINE.name][key]) for key in ("paint", "frame", "drawn", "bytes")}
    print(f"\nOne learner in Chromium, medians of {repeats}; baseline: {TRIVIAL} (one number input, a three-point "
          f"chart) on its own server, measured between our pages\n")
    print("| page | first paint | vs trivial | change: last frame | vs trivial | change: chart drawn | vs trivial "
          "| bytes per rerun | server run | frame to drawn |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for page in (*pages, BASELINE):
        row = {key: median(results[page.name][key]) for key in ("paint", "frame", "drawn", "bytes", "server",
                                                                   "draw_after")}
        done = row["drawn"] if row["drawn"] is not None else row["frame"]
        base_done = base["drawn"] if base["drawn"] is not None else base["frame"]
        print(f"| {page.name} | {ms(row['paint'])} | {ratio(row['paint'], base['paint'])} | {ms(row['frame'])} | "
              f"{ratio(row['frame'], base['frame'])} | {ms(row['drawn'])} | "
              f"{ratio(done, base_done) if row['drawn'] is not None else '–'} | {kb(row['bytes'])} | "
              f"{ms(row['server'])} | {ms(row['draw_after'])} |")
    print(f"\nGoals: a change (to the chart drawn, or the last frame where no chart) within {CHANGE_GOAL}x the "
          f"trivial page's and at most {BYTES_GOAL / 1000:.0f} kB; a first paint within {PAINT_GOAL}x.\n")
    print("| page | change | bytes | first paint |")
    print("|---|---|---|---|")
    for page in pages:
        row = {key: median(results[page.name][key]) for key in ("paint", "frame", "drawn", "bytes")}
        done = row["drawn"] if row["drawn"] is not None else row["frame"]
        base_done = base["drawn"] if row["drawn"] is not None and base["drawn"] is not None else base["frame"]
        change = done / base_done  # a page with no chart (home) is compared last frame to last frame
        paint = row["paint"] / base["paint"]
        print(f"| {page.name} | {change:.2f}x {'met' if change <= CHANGE_GOAL else 'NOT met'} | "
              f"{kb(row['bytes'])} {'met' if row['bytes'] <= BYTES_GOAL else 'NOT met'} | "
              f"{paint:.2f}x {'met' if paint <= PAINT_GOAL else 'NOT met'} |")


# --- where the bytes go -----------------------------------------------------------------


def elements(messages: list[bytes]):
    """(kind, bytes, detail, datasets) of each element a rerun's ForwardMsgs carry; datasets: [(hash, bytes)]."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    found = []
    for raw in messages:
        msg = ForwardMsg.FromString(raw)
        kind = msg.WhichOneof("type")
        if kind != "delta":
            found.append((kind or "other", len(raw), "", []))
            continue
        delta = msg.delta
        which = delta.WhichOneof("type")
        if which != "new_element":
            found.append((f"delta.{which}", len(raw), "", []))
            continue
        element = delta.new_element
        etype = element.WhichOneof("type")
        detail, sets = "", []
        body = getattr(element, etype)
        if etype in ("arrow_vega_lite_chart", "vega_lite_chart"):
            sets = [(hashlib.sha1(ds.data.data).hexdigest()[:10], ds.ByteSize()) for ds in body.datasets]
            if body.HasField("data"):
                sets.append((hashlib.sha1(body.data.data).hexdigest()[:10], body.data.ByteSize()))
            detail = (f"spec {len(body.spec.encode()):,} B, {len(sets)} datasets "
                      f"{sum(b for _, b in sets):,} B (largest {max((b for _, b in sets), default=0):,} B)")
        elif etype == "code":
            detail = f"{body.code_text.count(chr(10)) + 1} lines"
        elif etype == "markdown":
            detail = repr(body.body[:40])
        found.append((etype, len(raw), detail, sets))
    return found


def print_bytes(measured: dict, pages) -> None:
    print("\nWhat a rerun after the click brings (the last click's ForwardMsgs, largest first)\n")
    print("| page | element | bytes | detail |")
    print("|---|---|---:|---|")
    for page in (*pages, BASELINE):
        found = elements(measured["captured"].get(page.name, []))
        total = sum(size for _, size, _, _ in found)
        seen = collections.Counter(h for *_, sets in found for h, _ in sets)
        repeated = sum(b for *_, sets in found for h, b in sets if seen[h] > 1) if seen else 0
        for kind, size, detail, _ in sorted(found, key=lambda item: -item[1])[:6]:
            print(f"| {page.name} | {kind} | {size:,} | {detail} |")
        print(f"| {page.name} | **all {len(found)} messages** | **{total:,}** | datasets sent more than once "
              f"in the rerun: {repeated:,} B |")


# --- where a rerun's time goes ------------------------------------------------------------


def print_reruns(pages) -> None:
    """cProfile of one rerun per page under AppTest, after the same "+" as in the browser."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from app_helpers import open_page

    keys = {"home": "noise", "data": "fit_steps", "slice": "slice_steps", "contour": "contour_steps",
            "schedules": "sched_steps", "finder": "finder_steps"}
    files = {"home": "streamlit_app.py", "data": "pages/1_Data.py", "slice": "pages/2_Loss_slice.py",
             "contour": "pages/3_Loss_contour.py", "schedules": "pages/4_Schedules.py",
             "finder": "pages/5_LR_finder.py"}
    print("\nOne rerun per page under AppTest after the same \"+\" (cProfile; cumulative seconds of the "
          "largest calls of our code and of the charts' serialisation)\n")
    print("| page | rerun | call | cumulative |")
    print("|---|---:|---|---:|")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for page in pages:
            at = open_page(files[page.name])
            widget = at.number_input(key=keys[page.name])
            widget.set_value(widget.value + 1)
            profiler = cProfile.Profile()

            def profile_script_thread(*_):  # AppTest runs the script in a thread of its own
                sys.setprofile(None)
                profiler.enable()

            threading.setprofile(profile_script_thread)
            started = time.perf_counter()
            at.run()
            seconds = time.perf_counter() - started
            threading.setprofile(None)
            stats = pstats.Stats(profiler)
            rows = []
            for (filename, line, name), (_, _, _, cumulative, _) in stats.stats.items():
                where = pathlib.Path(filename)
                if str(ROOT) in filename and "benchmarks" not in filename:
                    label = f"{where.relative_to(ROOT)}:{name}"
                elif any(part in filename for part in ("altair/vegalite/v6/api.py", "streamlit/elements/vega",
                                                       "dataframe_util", "arrow")) and name in (
                        "to_dict", "altair_chart", "_altair_chart", "convert_anything_to_arrow_bytes",
                        "_serialize_data", "convert_pandas_df_to_arrow_bytes", "to_json"):
                    label = f"{where.parent.name}/{where.name}:{name}"
                else:
                    continue
                rows.append((cumulative, label))
            rows.sort(reverse=True)
            shown = [row for row in rows if not row[1].startswith(files[page.name])][:8]
            print(f"| {page.name} | {seconds * 1000:.0f} ms | | |")
            for cumulative, label in shown:
                print(f"| | | {label} | {cumulative * 1000:.0f} ms |")
    finally:
        os.chdir(cwd)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.browser_latency",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(page.name for page in PAGES),
                        help="comma-separated: " + ", ".join(page.name for page in PAGES))
    parser.add_argument("--repeats", type=int, default=5, help="loads and clicks per page (default 5)")
    parser.add_argument("--profile", action="store_true",
                        help="also decode the last rerun's messages and profile one rerun per page")
    args = parser.parse_args(argv)
    wanted = args.pages.split(",")
    pages = [page for page in PAGES if page.name in wanted]
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs")
    measured = measure(pages, args.repeats, args.profile)
    report(pages, measured, args.repeats)
    if args.profile:
        print_bytes(measured, pages)
        print_reruns(pages)


if __name__ == "__main__":
    main()
