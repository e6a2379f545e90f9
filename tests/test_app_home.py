"""The home page under Streamlit's AppTest."""

import pathlib

from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_home_page_runs_and_explains_the_lesson():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for word in ("gradient", "learning rate", "overshoots", "Decaying"):
        assert word in text
    (chart,) = at.get("vega_lite_chart")
    assert '"loss"' in chart.proto.spec
