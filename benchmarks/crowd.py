"""A class on one server: many learners at once in Chromium, timed and weighed.

    python -m benchmarks.crowd                 # 20 learners at the largest settings
    python -m benchmarks.crowd --learners 5 --typical

Each learner opens a link with their own data and settings (every fifth
uploads a CSV), walks through every page, and on each page changes a
setting. A redraw is timed from the key press to the script run finished
and every chart drawn. The baseline is one learner alone on a fresh server,
measured in the same run. Memory is the server process's resident set
(VmRSS) and its peak (VmHWM), from /proc. Needs Chromium at /usr/bin/chromium
(or LRE_CHROMIUM) and the playwright package, as the browser tests do.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
MEMORY_BUDGET_MIB = 600
#: How long a learner waits for one step before giving up (twenty browsers share two cores).
WAIT_MS = 300_000
#: Streamlit keeps a closed tab's session this long (server.disconnectedSessionTTL).
SESSION_TTL_S = 120


def _tools():
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from browser import crowd, helpers, server

    return crowd, helpers, server


def run_class(crowd, server, learners, log_dir, closed_after_s=0):
    """One fresh server, the learners at once: (visits, seconds, server CPU seconds,
    idle MiB, after MiB, peak MiB, MiB once the sessions closed, healthy)."""
    app = server.Server(pathlib.Path(log_dir) / f"server-{len(learners)}.log")
    try:
        idle, _ = app.memory_mib()
        cpu = app.cpu_seconds()
        started = time.perf_counter()
        visits = crowd.run_crowd(app.base_url, learners, timeout_ms=WAIT_MS)
        seconds = time.perf_counter() - started
        cpu = app.cpu_seconds() - cpu
        after, peak = app.memory_mib()
        healthy = app.healthy()
        if closed_after_s:  # the server keeps a closed session for reconnection a while
            time.sleep(closed_after_s)
            urllib.request.urlopen(f"{app.base_url}/_stcore/health", timeout=5).read()
        closed, _ = app.memory_mib()
        return visits, seconds, cpu, idle, after, peak, closed, healthy
    finally:
        app.stop()


def fmt(seconds: float) -> str:
    return f"{seconds:,.2f} s"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crowd", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20, help="learners at once (default 20)")
    parser.add_argument("--typical", action="store_true",
                        help="the load test's varied settings instead of the largest ones")
    args = parser.parse_args(argv)
    crowd, helpers, server = _tools()
    if not os.access(helpers.CHROMIUM, os.X_OK):
        raise SystemExit(f"needs Chromium at {helpers.CHROMIUM} (apt-get install chromium, or set LRE_CHROMIUM)")
    largest = not args.typical
    learners = crowd.make_learners(args.learners, largest=largest)
    setting = "largest settings (n = 1,000,000, most steps, runs, rates)" if largest else "varied settings"
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {setting}")

    with tempfile.TemporaryDirectory() as logs:
        alone, alone_s, alone_cpu, _, alone_after, alone_peak, _, _ = run_class(crowd, server, learners[:1], logs)
        visits, class_s, class_cpu, idle, after, peak, closed, healthy = run_class(
            crowd, server, learners, logs, closed_after_s=SESSION_TTL_S + 30)

    base = crowd.redraws(alone)
    times = crowd.redraws(visits)
    base_median = statistics.median(base)
    median, p95 = crowd.percentile(times, 50), crowd.percentile(times, 95)
    count = len(learners)
    print(f"\nRedraw after a widget change, {count} learners at once, {len(times)} changes\n")
    print("| measure | time | vs baseline | note |")
    print("|---|---:|---:|---|")
    print(f"| one learner alone: median redraw | {fmt(base_median)} | 1x (baseline) | {len(base)} changes |")
    print(f"| {count} learners: median redraw | {fmt(median)} | {median / base_median:.1f}x | |")
    print(f"| {count} learners: 95th percentile | {fmt(p95)} | {p95 / base_median:.1f}x | |")
    print(f"| {count} learners: slowest redraw | {fmt(max(times))} | {max(times) / base_median:.1f}x | |")
    print(f"| one learner alone: the whole visit | {fmt(alone_s)} | 1x (baseline) | "
          f"the link, 6 pages; server CPU {fmt(alone_cpu)} |")
    print(f"| {count} learners: until the last finished | {fmt(class_s)} | {class_s / alone_s:.1f}x | "
          f"server CPU {fmt(class_cpu)} |")

    print(f"\nServer memory (resident set), budget {MEMORY_BUDGET_MIB} MiB\n")
    print("| when | MiB | note |")
    print("|---|---:|---|")
    print(f"| idle, just started | {idle:,.0f} | |")
    print(f"| after one learner alone | {alone_after:,.0f} | peak {alone_peak:,.0f} |")
    print(f"| after {count} learners | {after:,.0f} | {'within' if after < MEMORY_BUDGET_MIB else 'OVER'} budget |")
    print(f"| peak while {count} learners worked | {peak:,.0f} | VmHWM |")
    print(f"| {SESSION_TTL_S + 30} s later, their sessions closed | {closed:,.0f} | |")

    found = crowd.problems(visits) + crowd.problems(alone)
    print(f"\nServer healthy afterwards: {'yes' if healthy else 'NO'}. "
          f"Exceptions or someone else's data: {len(found)}.")
    for line in found:
        print(f"  {line}")
    if found or not healthy:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
