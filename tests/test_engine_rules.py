"""The engine's rules: what it imports, and that its public API documents
itself with an example that runs (pytest runs them as doctests)."""

import ast
import inspect
import pathlib
import subprocess
import sys

import pytest

import lrcore

ENGINE = pathlib.Path(lrcore.__file__).parent
MODULES = sorted(p.stem for p in ENGINE.glob("*.py") if p.stem != "__init__")


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_engine_imports_only_numpy_pandas_and_the_standard_library(path):
    allowed = {"numpy", "pandas"} | set(sys.stdlib_module_names)
    assert set(imported_modules(path)) <= allowed


def test_importing_the_engine_loads_neither_streamlit_nor_altair_nor_pandas():
    code = "import sys, lrcore; print(sorted(m for m in ('streamlit', 'altair', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def public_api():
    for module_name in MODULES:
        module = getattr(lrcore, module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{module_name}.{name}", obj


@pytest.mark.parametrize("qualname, obj", list(public_api()), ids=lambda v: v if isinstance(v, str) else "")
def test_public_functions_and_classes_have_a_runnable_example(qualname, obj):
    doc = inspect.getdoc(obj) or ""
    assert len(doc.splitlines()) >= 2, f"{qualname} needs a docstring"
    assert ">>>" in doc, f"{qualname}'s docstring needs an example"
