"""The demo stays plain data read by small functions, and nothing depends on it."""

import ast
from pathlib import Path

import assurance

PACKAGE = Path(assurance.__file__).resolve().parent
ROOT = PACKAGE.parent
MAX_FUNCTION_LINES = 60


def _tree(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_function_in_the_demo_is_longer_than_60_lines():
    long = [
        f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted((PACKAGE / "demo").glob("*.py"))
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def _imports_demo(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        if any(n == "assurance.demo" or n.startswith("assurance.demo.") for n in names):
            return True
    return False


def test_only_the_seed_command_imports_the_demo():
    allowed = {
        PACKAGE / "management" / "commands" / "seed_demo.py",
        PACKAGE / "management" / "commands" / "seed_scale.py",
    }
    importers = {
        path
        for package in ("assurance", "domains", "evidence", "reports")
        for path in (ROOT / package).rglob("*.py")
        if (PACKAGE / "demo") not in path.parents and _imports_demo(path)
    }
    assert importers <= allowed
