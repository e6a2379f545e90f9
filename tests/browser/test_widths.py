"""Every page in a 1280-px laptop window (sidebar open) and on a 390-px phone:
no chart's drawing runs past the window's right edge, neither the document
nor the main area scrolls sideways, and no button's or metric's label is cut short.

The Data, Schedules and LR finder charts are stacks of layered panels, drawn
with ``width="stretch"``: Streamlit gives every direct child of the top-level
``vconcat`` the container's width, and the chart's own autosize "fit-x"
(``ui.charts.FIT_X``; Vega-Lite drops Streamlit's "fit" on a concat) shrinks
the shared width until plots and y axes fit. Without it, each plot took the
whole width and its y axis ran past the edge (Streamlit 1.67, Chromium)."""

import pytest

from .helpers import assert_every_chart_drew, open_page, screenshot

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = ["", "Data", "Loss_slice", "Loss_contour", "Schedules", "LR_finder"]

MEASURE = """() => {
    const drawings = Array.from(document.querySelectorAll(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'));
    const main = document.querySelector('[data-testid="stMain"]');
    // a label is cut when its text is wider than its box (Streamlit's buttons and metrics ellipsize one line)
    const labels = Array.from(document.querySelectorAll(
        '[data-testid="stMain"] [data-testid^="stBaseButton"], '
        + '[data-testid="stMain"] [data-testid^="stBaseButton"] [data-testid="stMarkdownContainer"], '
        + '[data-testid="stMain"] [data-testid="stMetricLabel"] *, '
        + '[data-testid="stMain"] [data-testid="stMetricValue"] *'));
    return {
        window: window.innerWidth,
        chartEnds: drawings.map(drawing => Math.round(drawing.getBoundingClientRect().right)),
        documentWidth: document.documentElement.scrollWidth,
        mainWidth: main ? main.scrollWidth : 0,
        mainBox: main ? main.clientWidth : 0,
        cut: labels.filter(label => label.offsetParent !== null && label.scrollWidth > label.clientWidth + 1)
                   .map(label => `${label.innerText.trim()} (${label.scrollWidth} > ${label.clientWidth} px)`),
    };
}"""


def _cases():
    for size, label in ((LAPTOP, "laptop"), (PHONE, "phone")):
        for name in PAGES:
            yield pytest.param(size, name, id=f"{label}-{name or 'home'}")


@pytest.mark.parametrize(("size", "name"), list(_cases()))
def test_every_page_fits_the_window(new_context, app_server, size, name):
    page = new_context(viewport=size).new_page()
    open_page(page, app_server, name)
    assert_every_chart_drew(page)
    page.wait_for_timeout(300)  # Vega's second layout pass, once the fonts and data are in
    shown = page.evaluate(MEASURE)
    label = "laptop" if size is LAPTOP else "phone"
    screenshot(page, f"{label}-{name or 'home'}")
    past = [end for end in shown["chartEnds"] if end > shown["window"]]
    assert not past, f"charts end at {past} px, past the {shown['window']}-px window"
    assert shown["documentWidth"] <= shown["window"], f"the page scrolls sideways: {shown}"
    assert shown["mainWidth"] <= shown["mainBox"], f"the main area scrolls sideways: {shown}"
    assert not shown["cut"], f"button or metric labels cut short: {shown['cut']}"
