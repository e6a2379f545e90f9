"""Shared fixtures: seeded datasets that stress different things; and one
scan of the installed packages per test process."""

import functools
import os

import numpy as np
import pytest
from streamlit.components.v2 import manifest_scanner

import lrcore

# Every AppTest run asks Streamlit for the custom components that installed
# packages declare, and Streamlit answers by reading the metadata of every
# installed distribution: 0.3 to 0.9 s a run on a slow machine, most of a
# page's run under AppTest. A server does it once, at start. The installed
# packages do not change while the tests run, so one scan per process gives
# every run the answer a fresh scan would (the app's one custom component,
# the player in ui/play.py, is declared in code, not by a package).
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def pytest_runtest_setup(item):
    """A worker that has no browser test left to run lowers its priority.

    The browser tests (one xdist group, run first by the worker that gets
    them) wait on Chromium and a server, which need both cores in bursts; a
    page run under AppTest beside them at the same priority took them from
    12 to 21 minutes on a 2-core machine, and a replay outran its Pause
    button. Niced, the other worker uses only the time they leave idle."""
    if (os.environ.get("PYTEST_XDIST_WORKER") and hasattr(os, "nice")
            and item.get_closest_marker("browser") is None and os.nice(0) < 10):
        os.nice(10)


#: Test files whose every test must run in CI: a skip there is a failure.
MUST_RUN_IN_CI = ("test_export.py",)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (the environment variable CI set), a test of MUST_RUN_IN_CI that
    skipped, for want of torch or keras or for any other reason, fails: an
    export that is not run is not proven. Locally it stays a skip with its reason."""
    report = yield
    if report.skipped and os.environ.get("CI") and item.path.name in MUST_RUN_IN_CI:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} must run in CI, not skip ({reason}): "
                           "install requirements-frameworks.txt")
    return report


def lstsq_line(data):
    """(w, b) of the least-squares line by np.linalg.lstsq: a second method."""
    design = np.column_stack([data.x, np.ones_like(data.x)])
    (w, b), *_ = np.linalg.lstsq(design, data.y, rcond=None)
    return float(w), float(b)


DATASETS = {
    "default": lambda: lrcore.make_data(seed=0),
    "steep-noisy": lambda: lrcore.make_data(n=200, w=-3.0, b=5.0, noise=4.0, seed=1),
    "negative-x": lambda: lrcore.make_data(n=30, x_min=-5.0, x_max=2.0, seed=2),
    "x-near-1000": lambda: lrcore.make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3),
    "x-near-1000-standardized": lambda: lrcore.standardize(
        lrcore.make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3)
    ),
    "outliers": lambda: lrcore.make_data(n=100, outliers=0.1, seed=4),
}


@pytest.fixture(params=sorted(DATASETS))
def any_data(request):
    return DATASETS[request.param]()
