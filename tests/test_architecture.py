"""The import graph of ``src/disclosure``: no cycle, and every arrow points down the layers.

Built from the source with :mod:`ast`, so it sees imports inside functions and
``TYPE_CHECKING`` blocks too: a back-reference hidden from the interpreter is
still one a reader has to hold in mind.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "disclosure"

#: What each top-level part of the package may import (besides itself).
CORE = {"errors", "documents", "rules", "calendars", "lifecycle"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "privacy": {"rules"},
    "settings": {"errors", "documents"},
    "documents": {"errors"},
    "rules": {"errors", "documents"},
    "calendars": {"errors", "documents"},
    "lifecycle": {"errors", "documents", "rules", "calendars"},
    "reports": CORE,
    "plugins": CORE | {"reports"},
    # an agency's settings configure the engine; a store keeps its agency's settings
    "engine": CORE | {"reports", "plugins", "settings"},
    "store": CORE | {"reports", "engine", "settings"},
    "annual": CORE | {"reports", "engine", "store"},
    "cli": CORE | {"reports", "plugins", "engine", "store", "annual", "privacy", "settings"},
    "__init__": CORE | {"reports", "plugins", "engine", "store", "annual", "settings"},
    "__main__": {"cli"},
}
#: Single modules with more room than their part, and why.
EXCEPTIONS = {
    # the annual-report job ties the engine (rulesets, calendars, plugins) to a year
    "disclosure.annual": {"engine"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """The package modules ``name`` imports, resolved to the most specific module."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "disclosure":
                continue
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in MODULES and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def test_every_part_is_classified() -> None:
    assert {part(m) for m in MODULES} <= set(ALLOWED), "add the new part to ALLOWED"


def test_no_import_cycle() -> None:
    """Depth-first search over the module graph; any back edge is a cycle."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node)


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for module, targets in sorted(GRAPH.items()):
        mine = part(module)
        allowed = ALLOWED[mine] | EXCEPTIONS.get(module, set()) | {mine}
        wrong += [f"{module} -> {t}" for t in sorted(targets) if part(t) not in allowed]
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_the_cli_never_speaks_sql() -> None:
    for module, path in MODULES.items():
        if part(module) != "cli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                assert "sqlite3" not in names, f"{module} imports sqlite3"
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany"):
                pytest.fail(f"{module}:{node.lineno} runs SQL")


def test_the_checks_can_fail() -> None:
    """The graph builder sees a planted back edge (so the tests above are not vacuous)."""
    assert "disclosure.errors" in GRAPH["disclosure.lifecycle.machine"]
    assert "disclosure.lifecycle.clocks" in GRAPH["disclosure.lifecycle.machine"]
    assert part("disclosure.cli.cases") == "cli"
