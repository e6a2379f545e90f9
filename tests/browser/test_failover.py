"""Two replicas behind nginx, with the configuration compose uses
(deploy/nginx/streamlit.conf): browsers are spread over the replicas and each
stays on its own; an upload reaches the replica that holds its session; and
when a replica dies in the middle of a rerun, its browsers reconnect to the
other one and show the same page with the same settings (they are in the
link). The one thing they lose is an uploaded CSV, and the page says so: at
once for a session whose rerun was cut, at its next change for an idle one
(Streamlit's client asks the new replica for a run on reconnecting only if a
run was going on).

Needs nginx (Debian's package at /usr/sbin/nginx, or LRE_NGINX): without it
the test is skipped on a developer's machine and fails in CI.
"""

import concurrent.futures
import os
import re
import secrets
import signal
import time

import pytest

from .balancer import NGINX, ROOT, ROUTE_COOKIE, SERVER_PARAMS, Balancer, BalancerError
from .helpers import (
    ARTIFACTS,
    assert_no_exception,
    click_and_wait,
    current_url,
    expect,
    in_use,
    number_input,
    open_page,
    screenshot,
    sidebar_link,
    upload_csv,
    wait_for_app,
)
from .server import Server, ServerError

RECONNECT_S = 15  # from the kill to the page drawn again on the other replica
CSV = b"x,y\n0,1\n1,3.1\n2,4.9\n3,7.2\n4,9\n"
LINK = "noise=2.5&seed=7"  # every learner opens the same share link
UPLOAD_LOST = "The uploaded CSV is not on this server"
SWEEP = (2000, 2000)  # the largest LR-finder sweep (rates, steps per run): a rerun of 0.35-0.5 s, long enough to cut

# The script and connection states the page goes through, recorded in the page
# (a MutationObserver on Streamlit's root element), so the test can tell
# whether the rerun was still running when its replica died.
WATCH_STATES = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const note = () => window.lreStates.push(
        app.getAttribute('data-test-connection-state') + '/' + app.getAttribute('data-test-script-state'));
    window.lreStates = [];
    note();
    new MutationObserver(note).observe(app, {attributes: true,
        attributeFilter: ['data-test-connection-state', 'data-test-script-state']});
}"""


@pytest.fixture(scope="module")
def nginx_path():
    """nginx's path; skip without it, or fail in CI (as Chromium's fixture does)."""
    if not (os.path.isfile(NGINX) and os.access(NGINX, os.X_OK)):
        if os.environ.get("CI"):
            pytest.fail(f"the failover test must run in CI: install nginx (missing {NGINX})", pytrace=False)
        pytest.skip(f"the failover test needs nginx at {NGINX} (apt-get install nginx, or set LRE_NGINX)")
    return NGINX


@pytest.fixture
def replicas(nginx_path):
    """Two `streamlit run` replicas sharing one cookie secret, started together."""
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    logs = [ARTIFACTS / f"failover-replica-{i}.log" for i in (1, 2)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(Server, log, env=env) for log in logs]
    started = [f.result() for f in futures if f.exception() is None]
    try:
        for future in futures:
            if isinstance(future.exception(), ServerError):
                pytest.fail(str(future.exception()), pytrace=False)
            if future.exception() is not None:
                raise future.exception()
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def balancer(replicas):
    try:
        nginx = Balancer([server.base_url for server in replicas], ARTIFACTS / "failover-nginx")
    except BalancerError as error:
        pytest.fail(str(error), pytrace=False)
    with nginx:
        yield nginx


def route_of(context):
    cookies = [c["value"] for c in context.cookies() if c["name"] == ROUTE_COOKIE]
    assert len(cookies) == 1, f"nginx did not set one {ROUTE_COOKIE} cookie: {context.cookies()}"
    return cookies[0]


def upstreams_of(balancer, route):
    """The replicas that answered the requests made with ``route``."""
    return {entry.upstream for entry in balancer.served() if entry.route == route}


def learner_on(new_context, balancer, replica, tries=40):
    """A fresh browser context whose route cookie lands on ``replica``: nginx
    draws a random route for each fresh cookie jar, and one request (no page)
    shows where it landed; another draw until it is the wanted replica."""
    context = new_context()
    landed = []
    for _ in range(tries):
        context.clear_cookies()
        context.request.get(f"{balancer.base_url}/_stcore/health")
        route = route_of(context)
        # nginx logs a request just after its answer: wait for the line
        wait_until(lambda: upstreams_of(balancer, route), 5, f"nginx logged no request of route {route}")
        upstream, = upstreams_of(balancer, route)
        landed.append(upstream)
        if upstream == replica.base_url:
            return context, landed
    raise AssertionError(f"{tries} fresh cookie jars never reached {replica.base_url}: {landed}")


def std_toggle(page):
    return page.get_by_test_id("stSidebar").get_by_test_id("stCheckbox").filter(has_text="Standardize x")


def wait_until(condition, timeout, what):
    """Poll a condition on nginx's log (written by another process) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"within {timeout} s: {what}")
        time.sleep(0.1)


def test_upstream_parameters_match_compose():
    """The test's nginx marks a replica down as compose's does."""
    compose = (ROOT / "deploy" / "nginx" / "lre" / "upstreams.conf").read_text()
    lines = re.findall(r"^server \S+ (.*?)(?: resolve)?;$", compose, re.M)
    assert lines and all(line == SERVER_PARAMS for line in lines), lines


def starts_a_run(payload: bytes) -> bool:
    """Whether a message from Streamlit's server says a script run has
    started (its session status, running). Not the run's NewSession, which
    the server sends just before: frozen between the two, the browser would
    never learn that a run had started (seen once on a loaded machine)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    try:
        message = ForwardMsg.FromString(payload)
    except Exception:  # not a ForwardMsg: not the start of a run
        return False
    return message.WhichOneof("type") == "session_status_changed" and message.session_status_changed.script_is_running


def set_number(page, label, value):
    box = number_input(page, label)
    box.fill(str(value))
    box.press("Enter")
    wait_for_app(page)


def lost_upload_warning(page):
    return page.get_by_test_id("stAlertContainer").filter(has_text=UPLOAD_LOST)


def test_a_lost_replica_loses_nothing_but_an_upload(balancer, replicas, new_context):
    victim, survivor = replicas
    # On the replica that will die: learner 0 uploads a CSV and is mid-rerun
    # on the LR finder page at the kill; learner 1 uses made points and
    # learner 3 a CSV, both idle at the kill. Learner 2, on the other
    # replica, is the reference.
    homes = (victim, victim, survivor, victim)
    placed = [learner_on(new_context, balancer, replica) for replica in homes]
    drawn = [upstream for _, landed in placed for upstream in landed]
    print(f"fresh cookie jars landed on: {[drawn.count(r.base_url) for r in replicas]} (replica 1, replica 2)")
    pages = [context.new_page() for context, _ in placed]
    sockets = [[] for _ in pages]  # each page's websockets to /_stcore/stream, oldest first
    for page, opened in zip(pages, sockets):
        page.on("websocket", lambda ws, opened=opened: opened.append(ws) if "/_stcore/stream" in ws.url else None)
    routes = [route_of(context) for context, _ in placed]
    for page in pages:
        open_page(page, balancer.base_url, "Data", LINK)
        assert_no_exception(page)

    # (b) uploads go through nginx, to the replica holding the session, and are used
    upload_csv(pages[0], "good.csv", CSV, shows="good.csv, 5 points")
    upload_csv(pages[3], "idle.csv", CSV, shows="idle.csv, 5 points")
    puts = [(e.route, e.upstream, e.status) for e in balancer.served()
            if e.method == "PUT" and e.path.startswith("/_stcore/upload_file/")]
    assert sorted(puts) == sorted([(routes[0], victim.base_url, 204), (routes[3], victim.base_url, 204)]), puts
    # every request of each browser so far reached its own replica, and only it
    for i, (route, replica) in enumerate(zip(routes, homes)):
        assert upstreams_of(balancer, route) == {replica.base_url}, f"learner {i} was not kept on one replica"
    for i, page in enumerate(pages):
        screenshot(page, f"failover-{i}-before")

    # (c) Learner 0 takes the data to the LR finder and asks for a large
    # sweep, whose reruns last long enough to be cut. Then every learner asks
    # for standardized x. Learners 3 and 1 finish their reruns (idle at the
    # kill). Learner 0's rerun is cut: the victim is frozen (SIGSTOP) as soon
    # as the run's "running" status reaches the browser's socket,
    # then killed. (Waiting for the page to show "running" is too late on a
    # busy machine: the browser draws it after the server has finished.)
    click_and_wait(pages[0], sidebar_link(pages[0], "LR finder"))
    set_number(pages[0], "Learning rates in the sweep", SWEEP[0])
    set_number(pages[0], "Steps per run", SWEEP[1])
    expect(in_use(pages[0])).to_contain_text("good.csv, 5 points")
    frozen = []

    def freeze_at_run_start(payload):
        if not frozen and isinstance(payload, bytes) and starts_a_run(payload):
            os.killpg(victim.pid, signal.SIGSTOP)
            frozen.append(time.monotonic())
        return bool(frozen)

    for page in pages:
        page.evaluate(WATCH_STATES)
    std_toggle(pages[3]).locator("label").click()
    wait_for_app(pages[3])
    expect(in_use(pages[3])).to_contain_text("idle.csv, 5 points, x standardized")
    for page in (pages[1], pages[2]):
        std_toggle(page).locator("label").click()
    wait_for_app(pages[1])
    with sockets[0][-1].expect_event("framereceived", predicate=freeze_at_run_start):
        std_toggle(pages[0]).locator("label").click()
    expect(pages[0].locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "running")
    os.killpg(victim.pid, signal.SIGKILL)
    killed_at, killed_wall = time.monotonic(), time.time()
    victim.process.wait(timeout=10)

    # the unaffected learner finishes its rerun on the survivor: the reference view
    wait_for_app(pages[2])
    expect(std_toggle(pages[2]).locator("input")).to_be_checked()
    reference = in_use(pages[2]).inner_text()
    assert "50 made points, x standardized" in reference, reference

    def back_on_survivor(i):
        page = pages[i]

        def left():  # ms of the reconnection budget left
            return max(1.0, RECONNECT_S - (time.monotonic() - killed_at)) * 1000

        page.wait_for_function("() => window.lreStates.some(s => !s.startsWith('CONNECTED/'))",
                               timeout=left())
        wait_for_app(page, timeout=left())
        path, title = ("/LR_finder", "learning rate") if i == 0 else ("/Data", "The data")
        assert path in current_url(page)
        expect(page.get_by_role("heading", level=1)).to_contain_text(title, timeout=left())
        if i == 0:
            expect(number_input(page, "Learning rates in the sweep")).to_have_value(str(SWEEP[0]), timeout=left())
            expect(number_input(page, "Steps per run")).to_have_value(str(SWEEP[1]), timeout=left())
        expect(std_toggle(page).locator("input")).to_be_checked(timeout=left())
        expect(number_input(page, "Noise")).to_have_value("2.50", timeout=left())
        expect(number_input(page, "Seed")).to_have_value("7", timeout=left())
        if i != 3:  # the cut rerun runs again on the survivor; learner 1's had finished
            expect(in_use(page)).to_have_text(reference, timeout=left())
        assert_no_exception(page)

    for i in (0, 1, 3):
        try:
            back_on_survivor(i)
        except AssertionError as error:
            screenshot(pages[i], f"failover-{i}-failed")
            states = pages[i].evaluate("() => window.lreStates")
            raise AssertionError(f"learner {i}: {error}\nstates {states}") from None
        print(f"learner {i}: back after {time.monotonic() - killed_at:.1f} s; "
              f"states {pages[i].evaluate('() => window.lreStates')}")
        screenshot(pages[i], f"failover-{i}-after")
    states = pages[0].evaluate("() => window.lreStates")
    # the connection dropped while a run was going (an earlier run of this page may have come and gone)
    dropped = next(state for state in states if not state.startswith("CONNECTED/"))
    assert dropped.endswith("/running"), f"learner 0's rerun had finished before the kill: {states}"
    # (d) the uploader whose rerun was cut is told at once that the CSV is gone
    expect(lost_upload_warning(pages[0])).to_be_visible()
    assert UPLOAD_LOST not in pages[1].inner_text("body")
    # The idle uploader's page was not run again: Streamlit's client asks the
    # new replica for a run on reconnecting only if one was running or asked
    # for. Its next change runs there, and says the CSV is gone.
    pages[3].get_by_test_id("stSidebar").get_by_text("Make points").click()  # folded while a CSV was in use
    for i in (0, 3):
        set_number(pages[i], "Noise", 4)
        expect(lost_upload_warning(pages[i])).to_be_visible()
        expect(in_use(pages[i])).to_contain_text("50 made points, x standardized")
        expect(in_use(pages[i])).not_to_have_text(reference)
        assert_no_exception(pages[i])
        screenshot(pages[i], f"failover-{i}-made-data")

    # the survivor served the rest: every request of the moved browsers after the kill ended there
    for i in (0, 1, 3):
        later = [e for e in balancer.served() if e.route == routes[i] and e.started > killed_wall]
        assert later and {e.upstream for e in later} == {survivor.base_url}, f"learner {i}: {later}"
    assert upstreams_of(balancer, routes[2]) == {survivor.base_url}, "learner 2 left its replica"
    # and the first of them found the victim dead and went on to the survivor in the same request
    retried = [e for e in balancer.served() if e.upstreams == (victim.base_url, survivor.base_url)]
    assert retried and all(e.status < 500 for e in retried), retried

    # (a) websockets: nginx logs one when it closes; close the browsers to log the survivor's
    for context, _ in placed:
        context.close()

    def streams():
        return {(routes.index(e.route), e.upstream) for e in balancer.served()
                if e.websocket and e.status == 101 and e.route in routes}

    wanted = {(i, home.base_url) for i, home in enumerate(homes)} | {(i, survivor.base_url) for i in (0, 1, 3)}
    wait_until(lambda: wanted <= streams(), 10, f"websockets {sorted(wanted)}, logged {sorted(streams())}")
    print(f"websockets (learner, replica): {sorted(streams())}")
