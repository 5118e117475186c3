"""Every audit action code the package can write, read from its source.

``audit.actions.record(authority_id, action, ...)`` is called with a literal, or with a value that a
few lines around it make: a conditional, a concatenation, an f-string over a choices enum, a local
variable, or a parameter of a helper (``_audit``, ``_change_member``, ``_end_due``...) whose callers pass
the literal. The scan follows those; what it cannot follow is reported, so a new way of naming a code
makes the label test fail instead of slipping past it."""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import buergerbuero

PACKAGE = Path(buergerbuero.__file__).parent
AUDIT_MODULE = "buergerbuero.audit.actions"
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Module:
    path: Path
    tree: ast.Module
    enclosing: dict[ast.AST, FunctionNode | None] = field(default_factory=dict)


@dataclass
class Scan:
    codes: set[str] = field(default_factory=set)
    unresolved: list[str] = field(default_factory=list)


def _modules() -> list[Module]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = Module(path, ast.parse(path.read_text(), str(path)))
        _note_enclosing(module, module.tree, None)
        modules.append(module)
    return modules


def _note_enclosing(module: Module, node: ast.AST, function: FunctionNode | None) -> None:
    for child in ast.iter_child_nodes(node):
        module.enclosing[child] = function
        _note_enclosing(module, child, child if isinstance(child, FunctionNode) else function)


def _where(module: Module, node: ast.AST) -> str:
    return f"{module.path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', '?')}"


class Resolver:
    def __init__(self) -> None:
        self.modules = _modules()
        self.functions: dict[str, list[tuple[Module, FunctionNode]]] = {}
        self.classes: dict[str, list[ast.ClassDef]] = {}
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, FunctionNode):
                    self.functions.setdefault(node.name, []).append((module, node))
                elif isinstance(node, ast.ClassDef):
                    self.classes.setdefault(node.name, []).append(node)
        self.scan = Scan()

    # --- where the audit log is written ---------------------------------------------------------------
    def record_calls(self) -> list[tuple[Module, ast.Call]]:
        calls = []
        for module in self.modules:
            names, aliases = set(), set()
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ImportFrom) and node.module == AUDIT_MODULE:
                    names |= {a.asname or a.name for a in node.names if a.name == "record"}
                elif isinstance(node, ast.ImportFrom) and node.module == "buergerbuero.audit":
                    aliases |= {a.asname or a.name for a in node.names if a.name == "actions"}
                elif isinstance(node, ast.Import):
                    aliases |= {a.asname for a in node.names if a.name == AUDIT_MODULE and a.asname}
            for node in ast.walk(module.tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                if (isinstance(func, ast.Name) and func.id in names) or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "record"
                    and isinstance(func.value, ast.Name)
                    and func.value.id in aliases
                ):
                    calls.append((module, node))
        return calls

    def run(self) -> Scan:
        for module, call in self.record_calls():
            action = _argument(call, 1, "action")
            if action is None:
                self.scan.unresolved.append(f"{_where(module, call)}: record() without an action")
                continue
            self.scan.codes |= self.resolve(module, action, depth=0)
        return self.scan

    # --- what a value can be ------------------------------------------------------------------------------
    def resolve(self, module: Module, node: ast.expr, depth: int) -> set[str]:
        if depth > 8:
            return self._fail(module, node, "too many steps")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.resolve(module, node.body, depth + 1) | self.resolve(module, node.orelse, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.resolve(module, node.left, depth + 1)
            right = self.resolve(module, node.right, depth + 1)
            return {a + b for a, b in itertools.product(left, right)}
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    parts.append(self.resolve(module, value.value, depth + 1))
                else:
                    parts.append(self.resolve(module, value, depth + 1))
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self._choice(module, node)
        if isinstance(node, ast.Name):
            return self._name(module, node, depth)
        return self._fail(module, node, "an expression the scan cannot follow")

    def _choice(self, module: Module, node: ast.Attribute) -> set[str]:
        """``TicketState.DONE`` → "done": a member of a choices class of ours."""
        assert isinstance(node.value, ast.Name)
        for cls in self.classes.get(node.value.id, []):
            for statement in cls.body:
                if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == node.attr for t in statement.targets
                ):
                    value = statement.value
                    if isinstance(value, ast.Tuple) and value.elts:
                        value = value.elts[0]
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        return {value.value}
        return self._fail(module, node, "an attribute that is no choice of ours")

    def _name(self, module: Module, node: ast.Name, depth: int) -> set[str]:
        function = module.enclosing.get(node)
        if function is None:
            return self._fail(module, node, "a name outside a function")
        assigned = [
            statement.value
            for statement in ast.walk(function)
            if isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in statement.targets)
        ]
        if assigned:
            return set().union(*(self.resolve(module, value, depth + 1) for value in assigned))
        parameters = function.args.posonlyargs + function.args.args
        names = [a.arg for a in parameters]
        keyword_only = [a.arg for a in function.args.kwonlyargs]
        if node.id not in names and node.id not in keyword_only:
            return self._fail(module, node, f"“{node.id}” is neither assigned nor a parameter")
        position = names.index(node.id) if node.id in names else None
        codes: set[str] = set()
        callers = self._calls_of(function.name)
        if not callers:
            return self._fail(module, node, f"nobody calls {function.name}()")
        for caller_module, call in callers:
            argument = _argument(call, position, node.id)
            if argument is None:
                # The parameter's default, if any, is what such a call records.
                default = _default(function, node.id)
                if default is None:
                    continue
                codes |= self.resolve(module, default, depth + 1)
            else:
                codes |= self.resolve(caller_module, argument, depth + 1)
        return codes

    def _calls_of(self, name: str) -> list[tuple[Module, ast.Call]]:
        return [
            (module, node)
            for module in self.modules
            for node in ast.walk(module.tree)
            if isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == name)
                or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
            )
        ]

    def _fail(self, module: Module, node: ast.AST, why: str) -> set[str]:
        self.scan.unresolved.append(f"{_where(module, node)}: {why}: {ast.unparse(node)}")
        return set()


def _argument(call: ast.Call, position: int | None, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and position < len(call.args):
        argument = call.args[position]
        return None if isinstance(argument, ast.Starred) else argument
    return None


def _default(function: FunctionNode, name: str) -> ast.expr | None:
    arguments = function.args
    positional = [a.arg for a in arguments.posonlyargs + arguments.args]
    with_default = positional[len(positional) - len(arguments.defaults) :]
    defaults = dict(zip(with_default, arguments.defaults, strict=True))
    keyword_only = zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
    defaults |= {a.arg: d for a, d in keyword_only if d is not None}
    return defaults.get(name)


def recorded_codes() -> Scan:
    return Resolver().run()
