"""What each page draws and says, built from plain values: one module per
page, pure functions from a dataset and settings to a frozen view (frames
ready to draw, the numbers its sentences need, and the sentences).

No Streamlit here: ``ui.compute`` caches the builders, pages draw the views.
Every sentence with a number, a comparison or a verdict is written here from
the numbers it states, so tests can check each one against them.
"""
