"""The app's layers, as the README's layout section states them: a page is
widgets, one cached call for its view, its charts and its words; views and
charts are pure (no Streamlit); only ui/compute.py caches."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "streamlit_app.py", *sorted((ROOT / "pages").glob("*.py"))]
PURE = [ROOT / "ui" / "charts.py", ROOT / "ui" / "catalog.py", ROOT / "ui" / "setting.py", ROOT / "ui" / "state.py",
        ROOT / "ui" / "budget.py", *sorted((ROOT / "ui" / "views").glob("*.py"))]


def imported(path: pathlib.Path) -> set[str]:
    """The top-level packages a file imports (relative imports as ``.``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_a_page_holds_no_numpy_pandas_or_loop_over_runs(path):
    assert not imported(path) & {"numpy", "pandas"}, path.name
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)):
            loop = ast.unparse(node.iter)
            # a page loops over its widgets (columns, buttons, run rows), never over computed runs
            assert not any(word in loop for word in ("view.", "traj", ".runs", "summaries")), (path.name, loop)


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_views_charts_and_settings_never_touch_streamlit(path):
    assert "streamlit" not in imported(path), path.name


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_a_page_gets_its_numbers_only_through_the_cached_calls(path):
    assert "lrcore" not in imported(path), path.name
