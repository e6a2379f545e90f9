"""The claims of SECURITY.md that code can check."""

import ast
import pathlib
import tomllib

import lrcore
from ui import compute, controls, state

ROOT = pathlib.Path(__file__).resolve().parents[1]
APP_FILES = sorted([ROOT / "streamlit_app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"),
                    *(ROOT / "lrcore").glob("*.py")])


def calls(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            yield name, node


def test_nothing_is_evaluated_executed_or_unpickled():
    for path in APP_FILES:
        builtins = {name for name, node in calls(path) if isinstance(node.func, ast.Name)}  # re.compile is fine
        assert not builtins & {"eval", "exec", "compile", "__import__"}, path
        imported = {alias.name for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in node.names} | {node.module for node in ast.walk(ast.parse(path.read_text()))
                                                if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"pickle", "marshal", "shelve", "dill", "cloudpickle", "subprocess"}, path


def test_nothing_is_written_to_disk():
    for path in APP_FILES:
        for name, node in calls(path):
            if name == "open":
                modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
                modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
                assert all(set(str(m)) <= set("rb") for m in modes), (path, modes)
            assert name not in {"write_text", "write_bytes", "to_pickle", "savez", "save"}, (path, name)
            if name in {"to_csv", "to_parquet", "to_json"}:
                assert node.args == [] or not isinstance(node.args[0], ast.Constant), (path, name)


def test_no_user_text_is_rendered_as_html():
    for path in APP_FILES:
        text = path.read_text()
        assert "unsafe_allow_html" not in text and "st.html(" not in text and "components.v1" not in text, path


def test_xsrf_protection_stays_on_and_uploads_are_bounded():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config.get("server", {}).get("enableXsrfProtection", True) is True
    assert config.get("server", {}).get("enableCORS", True) is True
    assert config["server"]["maxUploadSize"] * 2**20 == lrcore.data.MAX_CSV_BYTES


def test_every_cache_is_bounded():
    text = (ROOT / "ui" / "compute.py").read_text()
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") in ("cache_data",
                                                                                                "cache_resource"):
                    assert any(k.arg in ("max_entries", "max_size") for k in decorator.keywords), node.name
    for path in APP_FILES:
        if path.name != "compute.py":
            assert "cache_data" not in path.read_text() and "cache_resource" not in path.read_text(), path


def test_every_url_value_is_bounded_before_use():
    for key, spec in state.ALL.items():
        value, notice = spec.from_url("9" * 65)
        assert value is None and "too long" in notice
        value, _ = spec.from_url("1e309")
        assert value is None or spec.kind in ("choice", "multi")
    assert compute.SAMPLE_BUDGET <= 10**8
    assert controls.BIND == {"bind": "query-params", "persist_state": "session"}
