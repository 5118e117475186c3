"""Every test asserts something: a test that only drives code passes whatever the code does.

A test asserts when its body holds an ``assert``, ``pytest.raises``/``pytest.warns``, a query count
(``django_assert_num_queries``, ``django_assert_max_num_queries``), Playwright's ``expect``, or calls a
helper of the tests that asserts (in the same module or imported from ``tests``, followed through
helpers that call helpers)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
ASSERTING_CALLS = {
    "raises",
    "warns",
    "django_assert_num_queries",
    "django_assert_max_num_queries",
    "expect",
    "fail",
}
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)


def _called(node: ast.AST) -> set[tuple[str | None, str]]:
    """(qualifier, name) of every call in ``node``: ``f()`` → (None, "f"), ``j.f()`` → ("j", "f")."""
    calls = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            func = child.func
            if isinstance(func, ast.Name):
                calls.add((None, func.id))
            elif isinstance(func, ast.Attribute):
                qualifier = func.value.id if isinstance(func.value, ast.Name) else None
                calls.add((qualifier, func.attr))
    return calls


def _asserts_itself(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Assert):
            return True
        if isinstance(child, ast.Raise) and "AssertionError" in ast.unparse(child):
            return True
    return any(name in ASSERTING_CALLS for _, name in _called(node))


def non_asserting_tests() -> list[str]:
    trees = {_module_name(p): (p, ast.parse(p.read_text(), str(p))) for p in sorted(TESTS.rglob("*.py"))}
    # Per module: helper name → (module, helper) for its own functions and what it imports from tests.
    scopes: dict[str, dict[str, tuple[str, str]]] = {}
    modules: dict[str, dict[str, str]] = {}
    functions: dict[tuple[str, str], FunctionNode] = {}
    for name, (_, tree) in trees.items():
        scope, aliases = {}, {}
        for node in tree.body:
            if isinstance(node, FunctionNode):
                scope[node.name] = (name, node.name)
                functions[(name, node.name)] = node
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tests"):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in trees:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                    else:
                        scope[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in trees and alias.asname:
                        aliases[alias.asname] = alias.name
        scopes[name], modules[name] = scope, aliases

    def targets(module: str, node: ast.AST) -> set[tuple[str, str]]:
        found = set()
        for qualifier, called in _called(node):
            if qualifier is None and called in scopes[module]:
                found.add(scopes[module][called])
            elif qualifier in modules[module]:
                found.add((modules[module][qualifier], called))
        return found

    asserting = {key for key, node in functions.items() if _asserts_itself(node)}
    changed = True
    while changed:
        changed = False
        for key, node in functions.items():
            if key not in asserting and targets(key[0], node) & asserting:
                asserting.add(key)
                changed = True

    silent = []
    for name, (path, tree) in trees.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, FunctionNode)
                and node.name.startswith("test_")
                and not _asserts_itself(node)
                and not targets(name, node) & asserting
            ):
                silent.append(f"{path.relative_to(TESTS.parent)}:{node.lineno} {node.name}")
    return silent


def test_every_test_asserts_something() -> None:
    assert non_asserting_tests() == []
