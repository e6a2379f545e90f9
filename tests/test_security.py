"""The claims of SECURITY.md that code can check."""

import ast
import pathlib
import tomllib

import pytest

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
        if spec.kind == "multi":  # each item is bounded, and so is the whole list
            item = spec.options[0]
            assert spec.from_url(",".join([item] * state.MAX_SCHEDULES))[0] == [item]
            value, notice = spec.from_url(",".join([item] * 400))
            assert value is None and "too long" in notice
        value, _ = spec.from_url("1e309")
        assert value is None or spec.kind in ("choice", "multi")
    assert compute.SAMPLE_BUDGET <= 10**8
    assert controls.BIND == {"bind": "query-params", "persist_state": "session"}


def test_data_shared_by_the_caches_is_read_only():
    """Caches hand the same Dataset to every session that asks: none may change it in place."""
    made = lrcore.make_data(n=20)
    uploaded = lrcore.read_csv(b"x,y\n0,1\n1,3\n2,5\n")
    for data in (made, lrcore.standardize(made), uploaded, lrcore.standardize(uploaded)):
        for values in (data.x, data.y):
            assert not values.flags.writeable
            with pytest.raises(ValueError):
                values[0] = 1.0


def test_user_text_is_shown_as_written():
    """A file name or a quoted cell cannot become emphasis, a link or HTML."""
    from ui.controls import plain

    shown = plain("<img src=x onerror=alert(1)>_*x*_[a](javascript:b)`c`|~$")
    for special in "<>_*[]`|~$":
        assert all(shown[i - 1] == "\\" for i, ch in enumerate(shown) if ch == special), special


def test_no_module_keeps_state_between_runs():
    """Pages are scripts run afresh each time; the ui modules never rebind their globals."""
    for path in APP_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            assert not isinstance(node, ast.Global), f"{path.name}:{node.lineno} rebinds a module global"


def test_no_page_hands_streamlit_a_function_of_its_own():
    """A function defined in a page script (a callback, a deferred download,
    a format_func) has the page's variables as its globals: kept by a widget,
    it would keep that run's data and results alive per session, even after
    the session ended. Pages define none; their callbacks live in ``ui``."""
    scripts = [ROOT / "streamlit_app.py", *(ROOT / "pages").glob("*.py")]
    for path in scripts:
        for node in ast.walk(ast.parse(path.read_text())):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)), \
                f"{path.name}:{node.lineno} defines a function"


def test_no_computation_waits_on_another_while_it_holds_a_turn():
    """At most `compute.AT_ONCE` computations run at once, and a cached computation
    never calls another cached one (directly or through a helper): it could wait
    on that one's lock, held by a session that waits for a turn."""
    tree = ast.parse((ROOT / "ui" / "compute.py").read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    cached = {name for name, node in functions.items()
              if any("cache_" in ast.unparse(d) for d in node.decorator_list)}
    assert all(any(ast.unparse(d) == "_limited" for d in functions[name].decorator_list) for name in cached)

    def reaches(name, seen):
        for call in ast.walk(functions[name]):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in functions:
                callee = call.func.id
                if callee not in seen:
                    seen.add(callee)
                    reaches(callee, seen)
        return seen

    for name in cached:
        assert not (reaches(name, set()) & cached), name
    assert compute.AT_ONCE >= 1


def test_at_most_a_few_computations_run_at_once_and_nesting_keeps_its_turn():
    import threading
    import time

    running, most = [0], [0]
    lock = threading.Lock()

    @compute._limited
    def inner():
        return True

    @compute._limited
    def work():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return inner()  # a nested call must not wait for a second turn

    threads = [threading.Thread(target=work) for _ in range(3 * compute.AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert most[0] == compute.AT_ONCE
