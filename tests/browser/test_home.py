"""The home page in Chromium, served by a real `streamlit run`."""

import urllib.parse
import urllib.request

import pytest

from .helpers import (
    TIMEOUT_MS,
    assert_every_chart_drew,
    assert_no_exception,
    click_and_wait,
    current_url,
    open_page,
    screenshot,
)


def test_server_answers_its_health_check(app_server):
    with urllib.request.urlopen(f"{app_server}/_stcore/health", timeout=5) as response:
        assert response.status == 200
        assert response.read().decode().strip() == "ok"


def test_home_page_shows_its_title_and_the_lessons_first_question(page, app_server):
    from playwright.sync_api import expect

    open_page(page, app_server)
    assert_no_exception(page)
    expect(page.get_by_role("heading", level=1, name="Learning-Rate Explorer")).to_be_visible()
    expect(page).to_have_title("Learning-Rate Explorer")
    # The lesson's first chapter asks before it shows: a question, no chart yet.
    expect(page.get_by_role("heading", level=2, name="1. Guessing at random takes forever")).to_be_visible()
    expect(page.get_by_role("radio", name="fewer guesses than descent's steps")).not_to_be_checked()
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(0, timeout=TIMEOUT_MS)
    screenshot(page, "home-question")


def _in_app_page_links(page, base_url):
    """(index, label, path) of each st.page_link on the page that leads to another page of the app.

    Each target once: the sidebar's navigation and a chapter's link may
    link to the same page.
    """
    home = urllib.parse.urlsplit(current_url(page))
    server = urllib.parse.urlsplit(base_url)
    links, seen = [], set()
    cards = page.get_by_test_id("stPageLink")
    for index in range(cards.count()):
        anchor = cards.nth(index).locator("a")
        target = urllib.parse.urlsplit(anchor.evaluate("a => a.href"))
        if target.netloc != server.netloc or target.path.rstrip("/") == home.path.rstrip("/"):
            continue  # an outside site, or the home page itself
        if (target.path, target.query) in seen:
            continue
        seen.add((target.path, target.query))
        label = " ".join(anchor.inner_text().split())
        links.append((index, label, target.path))
    return links


def test_every_page_link_on_home_opens_a_page_without_exception(page, app_server):
    open_page(page, app_server)
    links = _in_app_page_links(page, app_server)
    if not links:
        pytest.skip("the home page has no st.page_link to another page yet")
    failures = []
    for index, label, path in links:
        open_page(page, app_server)  # a fresh session on home for each link
        try:
            click_and_wait(page, page.get_by_test_id("stPageLink").nth(index).locator("a"))
            assert_no_exception(page, where=f"the page behind the link {label!r} ({path})")
            assert_every_chart_drew(page)
        except AssertionError as error:
            failures.append(f"{label!r} -> {path}: {error}")
    assert not failures, "page links that fail:\n" + "\n\n".join(failures)
