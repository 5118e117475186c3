"""Every setting the code reads is declared in buergerbuero/settings.py (with its environment reader) or
is one of Django's own: a setting read with ``getattr(settings, NAME, default)`` only would be a knob
nobody can find, documented nowhere and set by no environment variable.

The scan reads the source of every module under ``buergerbuero/`` that imports Django's ``settings``,
and collects ``settings.NAME`` and ``getattr``/``hasattr(settings, "NAME")``; a function that binds
``settings`` itself (a parameter, an assignment) is left out, since there it names something else.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import LazySettings, global_settings

import buergerbuero.settings as project_settings

PACKAGE = Path(project_settings.__file__).resolve().parent
DYNAMIC = "<a name that is not a literal>"


class _SettingsReads(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()
        self._shadowed = 0

    def _visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        body = node.body if isinstance(node.body, list) else [node.body]
        binds = any(p.arg == "settings" for p in params) or any(
            isinstance(n, ast.Name) and n.id == "settings" and isinstance(n.ctx, ast.Store)
            for statement in body
            for n in ast.walk(statement)
        )
        self._shadowed += binds
        self.generic_visit(node)
        self._shadowed -= binds

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_scope

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not self._shadowed and isinstance(node.value, ast.Name) and node.value.id == "settings":
            self.names.add(node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            not self._shadowed
            and isinstance(func, ast.Name)
            and func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
        ):
            name = node.args[1]
            self.names.add(name.value if isinstance(name, ast.Constant) else DYNAMIC)
        self.generic_visit(node)


def _imports_django_settings(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "django.conf"
        and any(alias.name == "settings" and alias.asname in (None, "settings") for alias in node.names)
        for node in ast.walk(tree)
    )


def settings_read(source: str) -> set[str]:
    """The names of the settings that ``source`` reads."""
    tree = ast.parse(source)
    if not _imports_django_settings(tree):
        return set()
    reads = _SettingsReads()
    reads.visit(tree)
    return reads.names


def declared() -> set[str]:
    # LazySettings' own attributes (``configured``, ``configure``) are not settings but may be read.
    return set(dir(global_settings)) | set(dir(project_settings)) | set(dir(LazySettings))


def test_the_scan_finds_reads_and_leaves_other_names_alone() -> None:
    source = """
from django.conf import settings

LIMIT = settings.FIRST
def window():
    return getattr(settings, "SECOND", 60), hasattr(settings, "THIRD"), getattr(settings, name)
def slots(settings):
    return settings.capacity
def plan(office):
    settings = office.settings
    return settings.horizon_days
"""
    assert settings_read(source) == {"FIRST", "SECOND", "THIRD", DYNAMIC}
    assert settings_read("settings = load()\nsettings.capacity\n") == set()


def test_every_environment_variable_is_documented() -> None:
    """Each ``env_*("NAME", ...)`` of settings.py is named in docs/operations.md as BUERGERBUERO_NAME."""
    tree = ast.parse(Path(project_settings.__file__).read_text(encoding="utf-8"))
    names = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("env_")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(names) > 50
    docs = (PACKAGE.parent / "docs" / "operations.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in names if not re.search(rf"\bBUERGERBUERO_{name}\b", docs))
    assert not undocumented, f"not in docs/operations.md: {undocumented}"


def test_every_setting_the_code_reads_is_declared() -> None:
    undeclared: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in settings_read(path.read_text(encoding="utf-8")) - declared():
            undeclared.setdefault(name, []).append(str(path.relative_to(PACKAGE.parent)))
    assert not undeclared, (
        "read but not declared in buergerbuero/settings.py (declare each with its environment reader "
        f"and document it in docs/operations.md): {undeclared}"
    )
