"""The shape of the source, read from its own syntax tree: no import circles in the
package (imports inside functions count too), no class over 400 lines, the monitor class
at most 250 (it only drives devices and time: what happened belongs to the watch session),
and no function over 80 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import posturewatch

PACKAGE = Path(posturewatch.__file__).parent
MAX_CLASS, MAX_MONITOR, MAX_FUNCTION = 400, 250, 80


def module_name(file: Path) -> str:
    parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, ast.Module]:
    return {module_name(f): ast.parse(f.read_text(), str(f))
            for f in sorted(PACKAGE.rglob("*.py"))}


def imports(tree: ast.Module, known: set[str]) -> set[str]:
    """The package's modules ``tree`` imports, at any depth: ``from a.b import c`` names
    ``a.b.c`` when that is a module, else ``a.b``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in known else node.module)
    return found & known


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round about (Tarjan's
    strongly connected components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    trees = sources()
    known = set(trees)
    return {name: imports(tree, known) for name, tree in trees.items()}


def test_no_import_circles_in_the_package() -> None:
    graph = import_graph()
    assert "posturewatch.app.live" in graph["posturewatch.cli.run"]  # the graph is real
    assert circles(graph) == []


def test_the_circle_check_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"a"}}) == [["a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def lengths() -> list[tuple[str, str, int]]:
    """(kind, qualified name, lines) of every class and function in the package."""
    out: list[tuple[str, str, int]] = []
    for module, tree in sources().items():
        def walk(node: ast.AST, prefix: str) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    kind = "class" if isinstance(child, ast.ClassDef) else "function"
                    name = f"{prefix}.{child.name}"
                    assert child.end_lineno is not None
                    out.append((kind, name, child.end_lineno - child.lineno + 1))
                    walk(child, name)
        walk(tree, module)
    return out


def test_no_class_or_function_too_long() -> None:
    found = lengths()
    assert any(name == "posturewatch.app.monitor.Monitor" for _, name, _ in found)
    too_long = [(name, n) for kind, name, n in found
                if n > (MAX_CLASS if kind == "class" else MAX_FUNCTION)]
    assert too_long == []


def test_the_monitor_only_drives_devices_and_time() -> None:
    (monitor,) = [n for _, name, n in lengths() if name == "posturewatch.app.monitor.Monitor"]
    assert monitor <= MAX_MONITOR


@pytest.mark.parametrize("source", ["class A:\n" + "    x = 1\n" * 400])
def test_the_length_check_counts_lines(source: str) -> None:
    (node,) = ast.parse(source).body
    assert isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 == 401


def test_every_package_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages by hand: a new folder left out would be missing
    from the installed wheel (CI installs it)."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    folders = {module_name(f.parent / "__init__.py") for f in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, sorted(folders - listed)
