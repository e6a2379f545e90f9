"""The home page under Streamlit's AppTest."""

import json
import pathlib

from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_home_page_runs_and_explains_the_lesson():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for words in ("red line", "green line", "loss", "gradient", "learning rate", "overshoots", "Decaying"):
        assert words in text
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert len(at.get("page_link")) >= 1
