"""The claims of SECURITY.md that code can check."""

import ast
import pathlib
import tomllib

import pytest

import lrcore
from app_helpers import open_page
from ui import budget, server, state

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


def test_the_one_component_is_play_and_its_code_is_the_modules_own():
    """ui/play.py registers the only component, from string constants of its
    own; pages mount it with a slider's name and two whole numbers."""
    for path in APP_FILES:
        if "st.components" in path.read_text() or "import components" in path.read_text():
            assert path.name == "play.py", path
    tree = ast.parse((ROOT / "ui" / "play.py").read_text())
    constants = {target.id for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
    (register,) = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and ast.unparse(node.func) == "st.components.v2.component"]
    code = {k.arg: k.value for k in register.keywords}
    assert set(code) == {"html", "css", "js"}
    assert all(isinstance(value, ast.Name) and value.id in constants for value in code.values())
    from ui import play

    assert play.timing(5000, 1001) == (5, play.FASTEST_TICK_MS)
    for page in sorted((ROOT / "pages").glob("*.py")):
        for name, node in calls(page):
            if name == "button" and ast.unparse(node.func) == "play.button":
                assert ast.unparse(node.args[0]) == "charts.STEP_PARAM", page.name


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


def test_mae_and_huber_work_per_rerun_is_bounded_at_the_widest_settings():
    """Each MAE or Huber step of each run reads every point: at the largest
    data and the most runs and steps any page allows, a rerun is cut to at
    most 1e8 point-evaluations (a few seconds of one core), keeps at least one
    step, and says how many it runs."""
    n = int(state.DATA["n"].high)
    widest = [(state.MAX_RUNS, int(state.CONTOUR["contour_steps"].high)),
              (state.MAX_SCHEDULES, int(state.SCHED["sched_steps"].high)),
              (2, int(state.SLICE["slice_steps"].high))]
    for loss in ("mae", "huber"):
        for runs, steps in widest:
            kept, notice = budget.affordable_steps(loss, n, runs, steps)
            assert 1 <= kept < steps and kept * n * runs <= 10**8
            assert f"Running {kept:,} steps" in notice
        guesses, notice = budget.affordable_guesses(loss, n, int(state.CONTOUR["contour_guesses"].high))
        assert 1 <= guesses and guesses * n <= 10**8 and f"drawing {guesses:,}" in notice
    assert budget.affordable_steps("mse", n, state.MAX_RUNS, 5000) == (5000, None)  # the MSE never reads points


def test_a_setting_changed_on_one_page_is_in_the_link_and_on_the_next_page():
    """Settings are bound to the URL and kept for the session: the sidebar's
    data travels to every page, and a page's own settings write themselves
    into the address bar."""
    at = open_page("pages/1_Data.py")
    at.number_input(key="noise").set_value(3.5).run()
    assert at.query_params["noise"] in (["3.5"], "3.5")
    at.switch_page("pages/2_Loss_slice.py").run()
    assert not at.exception
    assert at.number_input(key="noise").value == 3.5
    assert at.query_params["noise"] in (["3.5"], "3.5")


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
    """At most `server.AT_ONCE` computations run at once, and a cached computation
    never calls another cached one (directly or through a helper): it could wait
    on that one's lock, held by a session that waits for a turn."""
    tree = ast.parse((ROOT / "ui" / "compute.py").read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    cached = {name for name, node in functions.items()
              if any("cache_" in ast.unparse(d) for d in node.decorator_list)}
    assert all(any(ast.unparse(d) == "limited" for d in functions[name].decorator_list) for name in cached)

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
    assert server.AT_ONCE >= 1


def test_at_most_a_few_computations_run_at_once_and_nesting_keeps_its_turn():
    import threading
    import time

    running, most = [0], [0]
    lock = threading.Lock()

    @server.limited
    def inner():
        return True

    @server.limited
    def work():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return inner()  # a nested call must not wait for a second turn

    threads = [threading.Thread(target=work) for _ in range(3 * server.AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert most[0] == server.AT_ONCE
