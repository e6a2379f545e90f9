"""The protocol-level class benchmark, run for real: one server, three
learners through Locust's runner (benchmarks/class_load.py), in a process of
its own (Locust patches the standard library for gevent on import, which
this test session must not get).

It checks what the learners saw, never how long it took: each reached the
end of a run on at least two pages and changed a widget there, no page showed
an exception, each page showed the learner's own data, and bytes arrived.
One learner is told another's sentence on purpose: the check must report
every page it saw as someone else's data, while its pages showed its own.
"""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# One group under pytest-xdist: the module's one run of the benchmark, on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("class_load")]

LEARNERS = 3
WRONG = 0  # this learner is told learner 1's sentence


def run_benchmark(folder, *args, timeout):
    """``python -m benchmarks.class_load --direct ARGS`` with a short think
    time, in its own process: (its one run as written to --json, its output)."""
    out = folder / "result.json"
    command = [sys.executable, "-m", "benchmarks.class_load", "--direct", "--think", "0.2", "--timeout", "30",
               "--json", str(out), *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (run,) = json.loads(out.read_text())["runs"]
    return run, done.stdout


# Made once per session: a module's fixture is made again whenever another
# module's tests run between these (it was, 17 s each time, while xdist's
# grouping did not work).
@pytest.fixture(scope="session")
def result(tmp_path_factory):
    return run_benchmark(tmp_path_factory.mktemp("class_load"), "--learners", str(LEARNERS), "--replicas", "1",
                         "--duration", "15", "--expect-wrong", str(WRONG), timeout=150)


def test_every_learner_changed_a_widget_on_two_pages_at_least(result):
    run, _ = result
    for plan in run["plans"]:
        changed = {r["page"] for r in run["records"]
                   if r["learner"] == plan["number"] and r["kind"] == "change" and r["ok"]}
        assert len(changed) >= 2, (plan["number"], changed)


def test_no_exception_and_no_lost_run(result):
    run, _ = result
    failed = [r for r in run["records"] if not r["ok"] and r["kind"] != "check"]
    assert failed == []


def test_bytes_arrived(result):
    run, _ = result
    assert all(r["bytes"] > 0 for r in run["records"] if r["kind"] != "check")


def test_each_learner_saw_their_own_data(result):
    run, _ = result
    plans = {plan["number"]: plan for plan in run["plans"]}
    assert len({plan["own"] for plan in plans.values()}) == LEARNERS  # no two share data
    for r in run["records"]:
        if r["kind"] != "check" and r["ok"]:
            assert r["in_use"] == plans[r["learner"]]["own"], r
    mismatches = [r for r in run["records"] if r["kind"] == "check"]
    assert {r["learner"] for r in mismatches} <= {WRONG}


def test_the_check_reports_a_sentence_that_is_not_the_learners(result):
    run, stdout = result
    plans = {plan["number"]: plan for plan in run["plans"]}
    told = plans[WRONG]["expected"]
    assert told == plans[1]["own"] != plans[WRONG]["own"]
    seen = [r for r in run["records"] if r["learner"] == WRONG and r["kind"] != "check" and r["ok"]]
    reported = [r for r in run["records"] if r["learner"] == WRONG and r["kind"] == "check"]
    assert seen and len(reported) == len(seen)
    assert all("DataMismatch" in r["failure"] and told in r["failure"] for r in reported)
    assert f"Failures: {len(reported)}" in stdout and "DataMismatch" in stdout


@pytest.fixture(scope="session")
def baseline(tmp_path_factory):
    return run_benchmark(tmp_path_factory.mktemp("class_load_baseline"), "--baseline", "frozen", "--learners", "2",
                         "--duration", "6", timeout=120)


def test_the_baseline_learners_change_the_trivial_pages_number_again_and_again(baseline):
    run, stdout = baseline
    assert "the trivial page (frozen)" in stdout
    for plan in run["plans"]:
        mine = [r for r in run["records"] if r["learner"] == plan["number"]]
        assert [r["kind"] for r in mine[:1]] == ["open"]
        changes = [r for r in mine if r["kind"] == "change"]
        assert len(changes) >= 2 and {(r["page"], r["key"]) for r in changes} == {("Trivial page", "slope")}
    assert all(r["ok"] and r["bytes"] > 0 for r in run["records"]), [r for r in run["records"] if not r["ok"]]
    assert "| Trivial page |" in stdout and "Failures: 0" in stdout
    steps = sum(1 for r in run["records"] if r["ok"])
    per_step = sum(run["server_cpu"]) / steps
    assert f"The servers' CPU per step (a link, a sidebar link or a change that finished): {per_step * 1000:.0f} ms" \
        in stdout
