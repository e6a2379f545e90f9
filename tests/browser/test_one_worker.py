"""Under pytest-xdist (pytest.ini: ``-n auto --dist loadgroup``) every
browser test runs on one worker, with one server and one Chromium
(conftest.py puts them in the group "browser"). pytest 9.2 with
pytest-xdist 3.8.0 dropped the group without a word (requirements-dev.txt):
this test fails if that happens again."""

import os

import pytest


def test_the_browser_tests_are_one_group_under_xdist(request):
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("not run by pytest-xdist (-n0 or -p no:xdist): there is no group to check")
    assert request.node.nodeid.endswith("@browser"), request.node.nodeid
