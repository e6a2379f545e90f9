"""Every page fits a 1280-px laptop window with the sidebar open: no chart's
drawing runs past the window's right edge. (A phone's 390 px does not fit
yet: the concatenated charts have fixed widths.)"""

import pytest

from .helpers import assert_every_chart_drew, open_page, screenshot

LAPTOP = {"width": 1280, "height": 900}
PAGES = ["", "Data", "Loss_slice", "Loss_contour", "Schedules", "LR_finder"]


@pytest.mark.parametrize("name", PAGES, ids=lambda name: name or "home")
def test_every_chart_fits_a_laptop_window(new_context, app_server, name):
    page = new_context(viewport=LAPTOP).new_page()
    open_page(page, app_server, name)
    assert_every_chart_drew(page)
    past = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas, '
                                                   + '[data-testid="stVegaLiteChart"] svg.marks'))
                     .map(drawing => Math.round(drawing.getBoundingClientRect().right))
                     .filter(right => right > window.innerWidth)"""
    )
    assert not past, f"charts end at {past} px, past the {LAPTOP['width']}-px window"
    screenshot(page, f"laptop-{name or 'home'}")
