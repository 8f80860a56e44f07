"""The layout's rules, checked by reading the source (ast): no imports run, no database.

- `domains/` imports nothing from `assurance`;
- no module imports a `_`-prefixed name from another app or room;
- the apps and rooms import each other without a cycle;
- every included `urls.py` names its `app_name`;
- role sets are defined only in the permissions module and the workflow rules;
- nothing imports the API app (it reads through the rooms; the rooms never know it).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("assurance", "domains", "evidence", "reports", "api")
# Where Django and Celery look for things: these only import, and may import any room.
DISCOVERY = {
    "assurance",
    "assurance.apps",
    "assurance.models",
    "assurance.admin",
    "assurance.tasks",
}
ROLE_SET_HOMES = {"assurance.organisations.permissions", "assurance.cases.workflow"}
# Django's own auth views reverse their un-namespaced names, so the root URLconf keeps them.
ROOT_URLCONF = "assurance.config.urls"


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            yield ".".join(parts), path, rel.name == "__init__"


MODULES = {name: (path, is_pkg) for name, path, is_pkg in _modules()}
TREES = {
    name: ast.parse(path.read_text(), filename=str(path)) for name, (path, _) in MODULES.items()
}


def node_of(module: str) -> str:
    """The app or room a module belongs to: `assurance.cases.services` -> `assurance.cases`."""
    parts = module.split(".")
    if parts[0] == "assurance" and module not in DISCOVERY and len(parts) > 1:
        return ".".join(parts[:2])
    return module if module in DISCOVERY else parts[0]


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_pkg = MODULES[module][1]
    base = module.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str):
    """(imported module, name or None, line) for every import, function-local ones too."""
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node)
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:  # `from pkg import module`
                    yield f"{target}.{alias.name}", None, node.lineno
                else:
                    yield target, alias.name, node.lineno


def _ours(target: str) -> bool:
    return target.split(".")[0] in APPS


def test_it_knows_the_rooms():
    rooms = {node_of(m) for m in MODULES}
    for room in ("assurance.cases", "assurance.judgement", "assurance.reviews", "evidence"):
        assert room in rooms


def test_domains_imports_nothing_from_assurance():
    found = [
        f"{module}:{line} imports {target}"
        for module in MODULES
        if node_of(module) == "domains"
        for target, _, line in imports(module)
        if target.split(".")[0] == "assurance"
    ]
    assert not found, found


def test_no_module_imports_a_private_name_from_another_room():
    found = [
        f"{module}:{line} imports {name} from {target}"
        for module in MODULES
        for target, name, line in imports(module)
        if _ours(target) and name and name.startswith("_") and node_of(target) != node_of(module)
    ]
    assert not found, found


def test_nothing_imports_the_api():
    found = [
        f"{module}:{line} imports {target}"
        for module in MODULES
        if node_of(module) != "api"
        for target, _, line in imports(module)
        if target.split(".")[0] == "api"
    ]
    assert not found, found


def _graph():
    graph = defaultdict(set)
    for module in MODULES:
        source = node_of(module)
        if source in DISCOVERY:
            continue
        for target, _, _ in imports(module):
            if _ours(target) and node_of(target) != source and node_of(target) not in DISCOVERY:
                graph[source].add(node_of(target))
    return graph


def find_cycle(graph) -> list[str] | None:
    """A cycle in `graph` as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None


def test_apps_and_rooms_import_each_other_without_a_cycle():
    cycle = find_cycle(_graph())
    assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.endswith(".urls") and m != ROOT_URLCONF)
)
def test_every_urls_module_names_its_app(module):
    names = {
        target.id
        for node in TREES[module].body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert "app_name" in names, f"{module} has no app_name"


def _mentions_a_role(node) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name | ast.Attribute):
            owner = sub.value.id if isinstance(sub.value, ast.Name) else sub.value.attr
            if owner == "Role":
                return True
    return False


def role_sets(tree) -> list[int]:
    """Lines where a set of roles is written: `{Role.X, ...}`, `frozenset({...})`,
    `set(Role)`..."""
    lines = []
    for node in ast.walk(tree):
        literal = isinstance(node, ast.Set)
        call = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"frozenset", "set"}
        )
        whole_enum = call and any(isinstance(a, ast.Name) and a.id == "Role" for a in node.args)
        if (literal or call) and (whole_enum or _mentions_a_role(node)):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_the_role_set_finder_finds_role_sets():
    tree = ast.parse(
        "A = frozenset({Role.X})\nB = {r.Role.Y}\nC = set(Role)\nD = {1, 2}\n"
        "E = frozenset(Role(v) for v in values)\n"
    )
    assert role_sets(tree) == [1, 2, 3]


def test_role_sets_live_in_the_permissions_module_and_the_workflow_rules():
    found = [
        f"{module}:{line}"
        for module, tree in TREES.items()
        if module not in ROLE_SET_HOMES
        for line in role_sets(tree)
    ]
    assert not found, found
