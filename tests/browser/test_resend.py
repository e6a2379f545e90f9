"""A rerun does not send again what it did not change: an element the
browser already holds goes as a reference to that copy (the server's
``global.minCachedMessageSize``, set in .streamlit/config.toml), spoken
over the websocket as the browser does (benchmarks/streamlit_session.py)."""

from benchmarks.streamlit_session import StreamlitSession


def test_a_chart_that_a_change_leaves_as_it_was_is_not_sent_again(app_server):
    """The LR finder's steps per run change the stability sweep, not the
    range test: of its two charts, the sweep comes in full and the range
    test (9 kB, under Streamlit's default 10 kB) as a reference."""
    with StreamlitSession(app_server) as session:
        first = session.open("/LR_finder")
        rerun = session.change("finder_steps", session.widget("finder_steps").value + 1)
    assert first.sent.count("vega_lite_chart") == 2 and not first.exceptions
    assert rerun.sent.count("vega_lite_chart") == 1
    assert rerun.referenced.count("vega_lite_chart") == 1
    assert not rerun.exceptions


def test_a_rerun_that_changes_nothing_sends_no_chart_again(app_server):
    with StreamlitSession(app_server) as session:
        first = session.open("/Loss_slice")
        rerun = session.change("slice_steps", session.widget("slice_steps").value)  # the same value again
    assert first.sent.count("vega_lite_chart") == 2
    assert "vega_lite_chart" not in rerun.sent and rerun.referenced.count("vega_lite_chart") == 2
