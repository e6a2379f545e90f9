"""A class of learners at the protocol level: Locust users that speak
Streamlit's websocket, no browsers.

    python -m benchmarks.class_load --learners 10 --replicas 1 --direct
    python -m benchmarks.class_load --learners 30 --replicas 2 --settings heaviest --duration 120
    python -m benchmarks.class_load --replicas 2 --find-capacity
    python -m benchmarks.class_load --find-capacity --baseline plain

Each learner opens a link on one of the six pages with data of its own
(n and seed differ per learner, so no two share points), waits for the run
to finish, then walks through every page as the sidebar links do, changing
one bound setting on each (on the home page: answering the lesson's first
question), with a think time between steps (default 5 s, +-50 %). With
``--settings heaviest`` every learner takes a million points and each page's
largest work (the most steps, runs, guesses, rates and schedules).

Locust records, per page, the time from the widget change to
``script_finished`` as the response time and the bytes received as the
response length; an exception element or a timeout is a failure, and so is a
page whose sidebar sentence ("In use: ...") is not the learner's own data.

The benchmark starts R ``streamlit run`` servers itself (tests/browser/server.py)
and puts nginx in front of them (tests/browser/balancer.py, deploy's site
file), or talks to the single server directly with ``--direct``. Everything
stays on 127.0.0.1 and is bounded in learners and seconds. It prints a table
per page (reruns, median, p95, max, bytes per rerun, failures), the CPU time
of the load generator beside the servers' (so a reader can tell whether the
client, not the server, was the bottleneck), and each server's resident memory.
``--find-capacity`` ramps the class (10, 20, 30, 50, 75, 100, 150, 200, 300
learners, ``--duration`` seconds each, on the same servers) and reports the
largest class whose widget changes stay under 1 s at the 95th percentile with
no failure.

``--baseline plain`` serves ``benchmarks/trivial_app.py`` (one number input
and a three-point chart) instead of the app, and each learner changes its
number at every step: what Streamlit itself costs a step on this machine,
the floor under any page, measured the same way. ``--baseline frozen`` is the
same page with the loaded libraries left out of the garbage collector's walks
after every run, as the app leaves them (ui.server).
"""

from __future__ import annotations

# Locust patches the standard library for gevent on import: first, before sockets exist.
from locust import User, events, task  # noqa: I001
from locust.env import Environment

import argparse
import json
import os
import pathlib
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

import gevent
import numpy as np

from benchmarks.streamlit_session import SessionError, StreamlitSession

ROOT = pathlib.Path(__file__).resolve().parents[1]
MAX_LEARNERS = 500
MAX_DURATION_S = 1800
CAPACITY_LADDER = (10, 20, 30, 50, 75, 100, 150, 200, 300)
CAPACITY_P95_S = 1.0

#: The app's pages: (URL path, label), in the sidebar's order.
PAGES = (("/", "Home"), ("/Data", "Data"), ("/Loss_slice", "Loss slice"), ("/Loss_contour", "Loss contour"),
         ("/Schedules", "Schedules"), ("/LR_finder", "LR finder"))
#: What a learner changes on each page, by turns: the page's work (steps) and
#: its rate; on the home page, the answer to the lesson's first question.
CHANGES = {
    "Home": ("lesson_q1",),
    "Data": ("fit_steps", "fit_lr"),
    "Loss slice": ("slice_steps", "slice_lr"),
    "Loss contour": ("contour_steps", "contour_lr1"),
    "Schedules": ("sched_steps", "sched_lr"),
    "LR finder": ("finder_steps", "finder_rt_steps"),
}
LOSSES = ("mse", "mae", "huber")
#: The baseline: the trivial page, whose one number input every step changes.
TRIVIAL_SCRIPT = "benchmarks/trivial_app.py"
TRIVIAL_PAGES = (("/", "Trivial page"),)
TRIVIAL_KEY = "slope"
HEAVIEST_SCHEDULES = ("constant", "exponential_decay", "cosine_decay", "one_cycle", "reduce_on_plateau", "cyclic")


def _project():
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    from browser import server

    return server


# --- the learners ------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """One learner: its link (page and query) and the sentence every page
    must show about its data."""

    number: int
    query: dict
    expected: str
    own: str  # the learner's real sentence (differs from ``expected`` only when checking the check)
    start: int  # index into PAGES
    heaviest: bool = False


def make_plans(count: int, *, heaviest: bool = False, first: int = 0, wrong: int | None = None,
               baseline: bool = False) -> list[Plan]:
    """``count`` learners numbered from ``first``. Learner i draws n = 50 + i
    points (a million less i at the heaviest) from seed 100 + i, so its
    sentence ("In use: N made points; ...") is its own by its count alone.
    ``wrong``: that learner is told another's sentence, to show the check fails.
    ``baseline``: learners of the trivial page, which has no data and no sentence."""
    if baseline:
        return [Plan(i, {}, "", "", 0) for i in range(first, first + count)]
    import lrcore
    from ui import controls, state

    plans = []
    for i in range(first, first + count):
        data = {"n": 1_000_000 - i if heaviest else 50 + i, "seed": 100 + i}
        query = dict(data)
        if heaviest:
            loss = LOSSES[i % 3]
            query.update({
                "fit_steps": 5000, "slice_steps": 500, "slice_loss": loss, "contour_loss": loss, "contour_runs": 5,
                "contour_steps": 5000, "contour_guesses": 100_000, "sched_pick": list(HEAVIEST_SCHEDULES),
                "sched_steps": 5000, "sched_loss": loss, "finder_rates": 2000, "finder_steps": 2000,
                "finder_rt_steps": 1000,
            })
        made = lrcore.make_data(**state.DataSettings(**data).recipe())
        own = controls.in_use_line(made, None, False).replace("**", "")
        plans.append(Plan(i, query, own, own, i % len(PAGES), heaviest))
    if wrong is not None:
        victim, other = plans[wrong % count], plans[(wrong + 1) % count]
        plans[wrong % count] = Plan(victim.number, victim.query, other.own, victim.own, victim.start, heaviest)
    return plans


def change_value(session: StreamlitSession, key: str, plan: Plan, turn: int):
    """A fresh value for the widget ``key`` (so no cache answers the rerun):
    a whole number near the top of its range (heaviest) or near its default,
    or another option of a radio or select slider."""
    from ui import state

    if key == TRIVIAL_KEY:  # the baseline's slope (-100 to 100): a new value at every step
        return float((plan.number * 7 + turn) % 199 - 99)
    widget = session.widget(key)
    if widget.options:
        return (plan.number + turn + 1) % len(widget.options)
    spec = state.ALL[key]
    offset = 1 + (plan.number * 7 + turn) % 97
    value = spec.high - offset if plan.heaviest else spec.default + offset
    return float(max(spec.low, min(spec.high, value)))


# --- what Locust runs ------------------------------------------------------------------------


@dataclass
class Record:
    """One step of one learner: kind is "open" (a link), "page" (a sidebar
    link) or "change" (a widget); ok=False with the reason on a failure."""

    learner: int
    kind: str
    page: str
    key: str = ""
    seconds: float = 0.0
    bytes: int = 0
    ok: bool = True
    failure: str = ""
    in_use: str = ""


class DataMismatch(AssertionError):
    """A page showed a learner data that is not theirs."""


class ExceptionElement(AssertionError):
    """The page showed an exception."""


class Learner(User):
    """One learner: opens their link, then walks the pages, changing one setting each."""

    plans: list = []  # set before the run: one Plan per learner, taken in order
    think_s: float = 5.0
    timeout_s: float = 60.0
    cookie_prefix: str = ""  # with a balancer: each learner keeps its own route, as a browser does
    records: list = []  # every step of every learner, in order
    baseline: bool = False  # the trivial page: one change after another

    @staticmethod
    def pages():
        return TRIVIAL_PAGES if Learner.baseline else PAGES

    def wait_time(self):
        return random.uniform(0.5 * self.think_s, 1.5 * self.think_s)

    def on_start(self):
        self.plan = Learner.plans.pop(0)
        cookie = f"lre_replica={self.cookie_prefix}{self.plan.number}" if self.cookie_prefix else None
        self.session = StreamlitSession(self.host, timeout=self.timeout_s, cookie=cookie)
        self.steps = self._walk()
        self.broken = True  # the next step opens the link

    def on_stop(self):
        self.session.close()

    def _walk(self):
        """The learner's steps, forever: (kind, page index, key)."""
        if Learner.baseline:
            while True:
                yield "change", 0, TRIVIAL_KEY
        order = [(self.plan.start + k) % len(PAGES) for k in range(len(PAGES))]
        turn = 0
        while True:
            for k, page in enumerate(order):
                if k or turn:
                    yield "page", page, ""
                keys = CHANGES[PAGES[page][1]]
                yield "change", page, keys[turn % len(keys)]
            turn += 1

    @task
    def step(self):
        kind, page, key = next(self.steps)
        path, label = Learner.pages()[page]
        if self.broken:  # a new session on this page, from the learner's link
            self.broken = False
            self._do("open", label, "", lambda: self.session.open(path, self.plan.query))
            if self.broken or kind == "page":
                return
        self.page = page
        if kind == "page":
            self._do("page", label, "", lambda: self.session.goto(path))
        else:
            turn = getattr(self, "turn", 0)
            self.turn = turn + 1
            self._do("change", label, key,
                     lambda: self.session.change(key, change_value(self.session, key, self.plan, turn)))

    def _do(self, kind, label, key, action):
        record = Record(self.plan.number, kind, label, key)
        started = time.perf_counter()
        error = None
        try:
            rerun = action()
            record.seconds, record.bytes, record.in_use = rerun.seconds, rerun.bytes, rerun.in_use
            if rerun.exceptions:
                error = ExceptionElement(f"learner {self.plan.number}, {label}: {rerun.exceptions[0]}")
        except (SessionError, KeyError, OSError) as exc:
            record.seconds = time.perf_counter() - started
            error = exc
            self.broken = True
            self.session.close()
        if error is not None:
            record.ok, record.failure = False, f"{type(error).__name__}: {error}"
        self.environment.events.request.fire(
            request_type=kind, name=label, response_time=record.seconds * 1000, response_length=record.bytes,
            exception=error, context={"learner": self.plan.number})
        Learner.records.append(record)
        if error is None and record.in_use != self.plan.expected:
            mismatch = DataMismatch(f"learner {self.plan.number}, {label}: saw {record.in_use!r}, "
                                    f"their data is {self.plan.expected!r}")
            self.environment.events.request.fire(
                request_type="check", name=f"{label}: someone else's data", response_time=0, response_length=0,
                exception=mismatch, context={"learner": self.plan.number})
            Learner.records.append(Record(self.plan.number, "check", label, key, ok=False,
                                          failure=f"DataMismatch: {mismatch}", in_use=record.in_use))


# --- running a class ----------------------------------------------------------------------------


def group_cpu_seconds(pgid: int) -> float:
    """User plus system CPU time of every live process in process group ``pgid`` (Linux)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class ClassRun:
    learners: int
    seconds: float
    records: list
    client_cpu: float
    server_cpu: list
    balancer_cpu: float | None
    memory_mib: list = field(default_factory=list)  # (resident, peak) per replica


def run_class(base_url, plans, *, duration, think, timeout, servers, balancer=None, spawn_s=5.0) -> ClassRun:
    """Run ``plans`` as Locust users against ``base_url`` for ``duration`` seconds."""
    Learner.plans = list(plans)
    Learner.records = []
    Learner.think_s, Learner.timeout_s = think, timeout
    Learner.cookie_prefix = f"learner{random.randrange(10**6)}-" if balancer is not None else ""
    env = Environment(user_classes=[Learner], host=base_url, events=events)
    runner = env.create_local_runner()
    cpu0 = own_cpu_seconds()
    server0 = [app.cpu_seconds() for app in servers]
    balancer0 = group_cpu_seconds(balancer.pid) if balancer is not None else None
    started = time.perf_counter()
    runner.start(len(plans), spawn_rate=max(1.0, len(plans) / spawn_s))
    stopper = gevent.spawn_later(duration, runner.quit)
    runner.greenlet.join(timeout=duration + timeout + 60)
    stopper.kill()
    if runner.state != "stopped":
        runner.quit()
    seconds = time.perf_counter() - started
    run = ClassRun(
        len(plans), seconds, list(Learner.records), own_cpu_seconds() - cpu0,
        [app.cpu_seconds() - before for app, before in zip(servers, server0)],
        group_cpu_seconds(balancer.pid) - balancer0 if balancer is not None else None,
        [app.memory_mib() for app in servers],
    )
    env.runner = None
    return run


# --- the report -------------------------------------------------------------------------------


def percentile(values, q):
    """The q-th percentile (0..100) of ``values``, linear between ranks; NaN for none."""
    values = list(values)
    return float(np.percentile(values, q)) if values else float("nan")


def page_rows(records, kind="change"):
    """Per page: (label, reruns, median s, p95 s, max s, median bytes, failures)."""
    rows = []
    for _, label in Learner.pages():
        done = [r for r in records if r.page == label and r.kind == kind and r.ok]
        failures = sum(1 for r in records if r.page == label and not r.ok
                       and (r.kind == kind or (r.kind == "check" and kind == "change")))
        times = [r.seconds for r in done]
        rows.append((label, len(done), percentile(times, 50), percentile(times, 95), max(times, default=float("nan")),
                     statistics.median([r.bytes for r in done]) if done else float("nan"), failures))
    return rows


def print_table(title, rows):
    print(f"\n{title}\n")
    print("| page | reruns | median | p95 | max | bytes per rerun (median) | failures |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, count, median, p95, top, size, failures in rows:
        if not count:  # no rerun finished on this page within the run
            print(f"| {label} | 0 | – | – | – | – | {failures} |")
            continue
        print(f"| {label} | {count} | {median:.2f} s | {p95:.2f} s | {top:.2f} s | {size:,.0f} | {failures} |")


def print_run(run: ClassRun, replicas: int):
    changes = [r for r in run.records if r.kind == "change" and r.ok]
    times = [r.seconds for r in changes]
    print_table(f"{run.learners} learners, {run.seconds:.0f} s: widget change to script_finished, per page",
                page_rows(run.records, "change")
                + [("all pages", len(times), percentile(times, 50), percentile(times, 95),
                    max(times, default=float("nan")),
                    statistics.median([r.bytes for r in changes]) if changes else float("nan"),
                    sum(1 for r in run.records if not r.ok and r.kind in ("change", "check")))])
    print_table("Opening a page: a link (a new session), or a sidebar link in the session",
                _open_rows(run.records))
    print("\n| process | CPU seconds | share of the run's wall time |")
    print("|---|---:|---:|")
    print(f"| load generator (Locust, this process) | {run.client_cpu:.1f} | {run.client_cpu / run.seconds:.0%} |")
    for k, cpu in enumerate(run.server_cpu, 1):
        print(f"| streamlit server {k} of {replicas} | {cpu:.1f} | {cpu / run.seconds:.0%} |")
    if run.balancer_cpu is not None:
        print(f"| nginx | {run.balancer_cpu:.1f} | {run.balancer_cpu / run.seconds:.0%} |")
    print(f"\nThe servers' CPU per step (a link, a sidebar link or a change that finished): "
          f"{cpu_per_step(run) * 1000:.0f} ms")
    print("\n| server | resident MiB (VmRSS) | peak MiB (VmHWM) |")
    print("|---|---:|---:|")
    for k, (rss, peak) in enumerate(run.memory_mib, 1):
        print(f"| {k} of {replicas} | {rss:,.0f} | {peak:,.0f} |")
    failures = [r.failure for r in run.records if not r.ok]
    print(f"\nFailures: {len(failures)}")
    for line in sorted(set(failures))[:10]:
        print(f"  {line}")


def cpu_per_step(run: ClassRun) -> float:
    """The servers' CPU seconds per step that finished: a link opened, a page
    opened from the sidebar, or a setting changed (NaN when none finished)."""
    steps = sum(1 for r in run.records if r.ok and r.kind in ("open", "page", "change"))
    return sum(run.server_cpu) / steps if steps else float("nan")


def _open_rows(records):
    rows = []
    for kind, name in (("open", "link"), ("page", "sidebar link")):
        done = [r for r in records if r.kind == kind and r.ok]
        times = [r.seconds for r in done]
        rows.append((f"every page, by {name}", len(done), percentile(times, 50), percentile(times, 95),
                     max(times, default=float("nan")),
                     statistics.median([r.bytes for r in done]) if done else float("nan"),
                     sum(1 for r in records if r.kind == kind and not r.ok)))
    return rows


# --- the command ---------------------------------------------------------------------------------


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.class_load", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=None,
                        help=f"learners at once (10; 1 to {MAX_LEARNERS}); with --find-capacity, the most to try")
    parser.add_argument("--replicas", type=int, default=1, help="streamlit servers behind nginx (1 to 4)")
    parser.add_argument("--think", type=float, default=5.0, help="seconds between a learner's steps, +-50%% (5)")
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds of load (60; with --find-capacity, per class size: 45)")
    parser.add_argument("--settings", choices=("default", "heaviest"), default="default")
    parser.add_argument("--direct", action="store_true", help="no nginx: the learners talk to the one server")
    parser.add_argument("--find-capacity", action="store_true",
                        help=f"ramp the class over {CAPACITY_LADDER} learners, up to --learners if given")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a learner waits for one run (60)")
    parser.add_argument("--json", type=pathlib.Path, help="also write every step and the summary here")
    parser.add_argument("--baseline", choices=("plain", "frozen"),
                        help="serve the trivial page (one number input, a three-point chart) instead of the app, "
                             "each learner changing its number at every step; frozen: with the loaded libraries "
                             "left out of the garbage collector's walks, as the app does")
    parser.add_argument("--expect-wrong", type=int, metavar="LEARNER",
                        help="check the check: tell this learner another's sentence; each page must report it")
    args = parser.parse_args(argv)
    if args.learners is None:
        args.learners = max(CAPACITY_LADDER) if args.find_capacity else 10
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"--learners must be 1 to {MAX_LEARNERS}")
    if not 1 <= args.replicas <= 4:
        parser.error("--replicas must be 1 to 4")
    if args.direct and args.replicas != 1:
        parser.error("--direct talks to one server: use --replicas 1")
    duration = args.duration if args.duration is not None else (45.0 if args.find_capacity else 60.0)
    if not 1 <= duration <= MAX_DURATION_S or args.think < 0 or args.timeout <= 0:
        parser.error(f"--duration must be 1 to {MAX_DURATION_S} s, --think >= 0, --timeout > 0")
    heaviest = args.settings == "heaviest"
    if args.baseline and (heaviest or args.expect_wrong is not None):
        parser.error("--baseline has no settings and no data to check: drop --settings heaviest and --expect-wrong")
    Learner.baseline = bool(args.baseline)
    if args.baseline:
        served = dict(script=TRIVIAL_SCRIPT, args=("--", "--freeze") if args.baseline == "frozen" else ())
    else:
        served = {}

    server = _project()
    served_page = f"the trivial page ({args.baseline})" if args.baseline else f"{args.settings} settings"
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, locust {__import__('locust').__version__}; "
          f"{served_page}; {args.replicas} replica(s) {'direct' if args.direct else 'behind nginx'}; "
          f"think {args.think:g} s +-50%")
    with tempfile.TemporaryDirectory(prefix="lre-class-") as logs:
        servers, balancer = [], None
        try:
            for k in range(args.replicas):
                servers.append(server.Server(pathlib.Path(logs) / f"server-{k + 1}.log", **served))
            base_url = servers[0].base_url
            if not args.direct:
                from browser.balancer import Balancer

                balancer = Balancer([app.base_url for app in servers], pathlib.Path(logs) / "nginx")
                base_url = balancer.base_url
            idle = [app.memory_mib()[0] for app in servers]
            print("Idle servers, resident MiB: " + ", ".join(f"{mib:,.0f}" for mib in idle))
            common = dict(think=args.think, timeout=args.timeout, servers=servers, balancer=balancer)
            if args.find_capacity:
                summary = find_capacity(base_url, args, duration, heaviest, common)
            else:
                plans = make_plans(args.learners, heaviest=heaviest, wrong=args.expect_wrong,
                                   baseline=bool(args.baseline))
                run = run_class(base_url, plans, duration=duration, **common)
                print_run(run, args.replicas)
                summary = {"runs": [_summary(run, plans)]}
            for app in servers:
                if not app.healthy():
                    print(f"A server is not healthy afterwards; the end of its log:\n{app.log_tail()}")
        finally:
            if balancer is not None:
                balancer.stop()
            for app in servers:
                app.stop()
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, ensure_ascii=False))


def _summary(run: ClassRun, plans) -> dict:
    return {
        "learners": run.learners, "seconds": run.seconds, "client_cpu": run.client_cpu,
        "server_cpu": run.server_cpu, "balancer_cpu": run.balancer_cpu, "memory_mib": run.memory_mib,
        "plans": [asdict(plan) for plan in plans], "records": [asdict(record) for record in run.records],
    }


def find_capacity(base_url, args, duration, heaviest, common) -> dict:
    """Ramp the class on the same servers; the largest class whose widget
    changes stay under CAPACITY_P95_S at the 95th percentile with no failure."""
    ladder = [n for n in CAPACITY_LADDER if n <= args.learners] or [args.learners]
    print(f"\nFinding capacity: {ladder} learners, {duration:g} s each, "
          f"p95 of a widget change under {CAPACITY_P95_S:g} s and no failure\n")
    print("| learners | changes | median | p95 | max | failures | load generator CPU | servers' CPU "
          "| servers' CPU per step | verdict |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    best, runs, first = None, [], 0
    for count in ladder:
        # new data: no earlier class warmed its cache
        plans = make_plans(count, heaviest=heaviest, first=first, baseline=bool(args.baseline))
        first += count
        run = run_class(base_url, plans, duration=duration, **common)
        runs.append(_summary(run, plans))
        times = [r.seconds for r in run.records if r.kind == "change" and r.ok]
        failures = sum(1 for r in run.records if not r.ok)
        p95 = percentile(times, 95)
        fine = bool(times) and p95 < CAPACITY_P95_S and failures == 0
        print(f"| {count} | {len(times)} | {percentile(times, 50):.2f} s | {p95:.2f} s | "
              f"{max(times, default=float('nan')):.2f} s | {failures} | {run.client_cpu:.1f} s | "
              f"{sum(run.server_cpu):.1f} s | {cpu_per_step(run) * 1000:.0f} ms | {'within' if fine else 'OVER'} |",
              flush=True)
        if not fine:
            break
        best = count
    replicas = args.replicas
    print(f"\nCapacity with {replicas} replica(s): "
          + (f"{best} learners" if best else f"below {ladder[0]} learners")
          + f" (p95 of a widget change under {CAPACITY_P95_S:g} s, no failure, think {args.think:g} s)")
    return {"capacity": best, "runs": runs}


if __name__ == "__main__":
    main()
