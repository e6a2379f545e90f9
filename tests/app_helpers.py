"""Helpers for testing pages with Streamlit's AppTest."""

import io
import json
import pathlib

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[1]
HOME = "streamlit_app.py"
PAGE_FILES = [HOME] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


def open_page(page: str = HOME, query: dict | None = None, session: dict | None = None) -> AppTest:
    """Run ``page`` (a path relative to the repo root) as the app would: from
    the entry point, with the given URL query and session state."""
    at = AppTest.from_file(str(ROOT / HOME), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    if page != HOME:
        at.switch_page(page)
    return at.run()


#: How closely a chart's numbers match the engine's: a large frame's floats are
#: sent as float32 where that draws the same (ui.charts.compact), 2**-24 apart at most.
DRAWN_RTOL = 2.0**-24


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def spec(chart) -> dict:
    return json.loads(chart.proto.spec)


def datasets(chart) -> dict[str, pd.DataFrame]:
    """The chart's data, by dataset name (Streamlit sends them as Arrow)."""
    out = {}
    for named in chart.proto.datasets:
        table = pa.ipc.open_stream(io.BytesIO(named.data.data)).read_all()
        out[named.name] = table.to_pandas()
    return out


def all_numbers_finite(chart) -> bool:
    """No NaN or inf anywhere in the chart's data or spec."""
    text = chart.proto.spec
    if "NaN" in text or "Infinity" in text:
        return False
    for frame in datasets(chart).values():
        numeric = frame.select_dtypes("number")
        if not numeric.apply(lambda c: c.map(lambda v: pd.isna(v) or abs(v) == float("inf"))).to_numpy().sum() == 0:
            return False
    return True


def texts(at: AppTest) -> str:
    """Every piece of text the page shows, joined."""
    parts = []
    for kind in ("markdown", "caption", "info", "error", "warning", "success", "title", "subheader", "header"):
        parts += [str(e.value) for e in at.get(kind)]
    for metric in at.get("metric"):
        parts.append(f"{metric.label}: {metric.value}")
    return "\n".join(parts)


def extremes(settings) -> list[tuple[str, object]]:
    """(key, value) at each end of every setting's range: both bounds of a
    number or rate, True for a switch, every other option of a choice."""
    pairs = []
    for setting in settings.values():
        if setting.kind in ("int", "float"):
            pairs += [(setting.key, float(setting.low)), (setting.key, float(setting.high))]
        elif setting.kind == "rate":
            pairs += [(setting.key, setting.options[0]), (setting.key, setting.options[-1])]
        elif setting.kind == "bool":
            pairs += [(setting.key, not setting.default)]
        elif setting.kind == "choice":
            pairs += [(setting.key, option) for option in setting.options if option != setting.default]
    return pairs


ALERTS = ("success", "info", "warning", "error")


def alerts(at: AppTest) -> list[tuple[str, str]]:
    """(kind, text) of every alert the page shows: st.success, info, warning, error."""
    return [(kind, str(e.value)) for kind in ALERTS for e in at.get(kind)]


def alert_with(at: AppTest, words: str) -> tuple[str, str]:
    """The one alert whose text holds ``words``, as (kind, text)."""
    found = [(kind, text) for kind, text in alerts(at) if words in text]
    assert len(found) == 1, f"{len(found)} alerts hold {words!r}: {alerts(at)}"
    return found[0]


def metrics(at: AppTest) -> dict[str, str]:
    """{label: value} of the page's metrics."""
    return {m.label: m.value for m in at.get("metric")}


def frame_with(chart, columns) -> pd.DataFrame:
    """The chart's first dataset that has all of ``columns``."""
    for frame in datasets(chart).values():
        if set(columns) <= set(frame.columns):
            return frame
    raise AssertionError(f"no dataset with columns {sorted(columns)}")


def scale_domains(chart, field: str) -> list[list]:
    """The explicit scale domains of every encoding of ``field`` in the chart's spec."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("field") == field and isinstance(node.get("scale"), dict) and "domain" in node["scale"]:
                found.append(node["scale"]["domain"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec(chart))
    return found


#: The most rows a chart may carry (DESIGN.md: "A chart gets at most about 20k rows").
MOST_ROWS = 20_000


def drawable(chart) -> bool:
    """No NaN or inf in the chart, and no dataset of it over MOST_ROWS rows."""
    return all_numbers_finite(chart) and all(len(frame) <= MOST_ROWS for frame in datasets(chart).values())
