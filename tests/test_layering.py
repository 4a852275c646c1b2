"""The import rule: core ← capture, storage ← app ← cli. The core is pure: it imports nothing
from the shell or from native or platform libraries, and reads no file and no clock."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import posturewatch

PACKAGE = Path(posturewatch.__file__).parent
LAYERS = ("core", "capture", "storage", "app", "desktop", "cli")
# What each layer may import from the package, besides itself and posturewatch.errors.
ALLOWED = {
    "core": set(),
    "capture": {"core"},
    "storage": {"core"},
    "app": {"core", "capture", "storage"},
    "desktop": {"core", "capture", "storage", "app"},
    "cli": {"core", "capture", "storage", "app", "desktop"},
}
SHELL_LIBRARIES = {"cv2", "mediapipe", "platformdirs", "sqlite3", "tqdm"}
# Calls that read a file, the clock or the terminal; the core takes all of these as inputs.
CLOCK_AND_FILE_CALLS = {
    ("time", "time"), ("time", "monotonic"), ("time", "perf_counter"), ("time", "sleep"),
    ("time", "time_ns"), ("time", "monotonic_ns"), ("time", "localtime"),
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("os", "getenv"), ("os", "listdir"), ("os", "scandir"), ("os", "stat"), ("os", "open"),
}
IMPURE_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "iterdir",
                  "glob", "rglob", "exists", "is_file", "is_dir", "stat", "mkdir", "unlink"}
IMPURE_BUILTINS = {"open", "print", "input"}
IMPURE_MODULES = {"os", "io", "time", "socket", "subprocess", "urllib", "http", "tempfile",
                  "shutil", "glob", "pathlib", "threading", *SHELL_LIBRARIES}


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def imported(tree: ast.AST) -> set[str]:
    """Every module an ``import`` or ``from ... import`` names, at any depth."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "posturewatch" and parts[1] in LAYERS \
        else None


def graph() -> dict[str, set[str]]:
    """Which layer imports which (itself left out)."""
    found: dict[str, set[str]] = {}
    for layer in LAYERS:
        used = {layer_of(m) for f in modules(layer) for m in imported(ast.parse(f.read_text()))}
        found[layer] = {u for u in used if u and u != layer}
    return found


def test_each_layer_imports_only_the_layers_below_it() -> None:
    found = graph()
    assert set(found) == set(LAYERS) and all(modules(layer) for layer in LAYERS)
    for layer, used in found.items():
        assert used <= ALLOWED[layer], f"{layer} imports {sorted(used - ALLOWED[layer])}"
    assert found["cli"] >= {"core", "app"}  # the graph is real, not empty by mistake


def impurities(source: str) -> list[str]:
    """What in ``source`` reads a file or a clock, or imports what the core must not."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in IMPURE_BUILTINS:
                found.append(f"line {node.lineno}: {func.id}()")
            elif isinstance(func, ast.Attribute):
                base = func.value.id if isinstance(func.value, ast.Name) else \
                    func.value.attr if isinstance(func.value, ast.Attribute) else ""
                if (base, func.attr) in CLOCK_AND_FILE_CALLS or func.attr in IMPURE_METHODS:
                    found.append(f"line {node.lineno}: {base}.{func.attr}()")
    for name in imported(ast.parse(source)):
        if name.split(".")[0] in IMPURE_MODULES:
            found.append(f"imports {name}")
    return found


def test_the_core_reads_no_file_clock_or_terminal() -> None:
    for file in modules("core"):
        assert not impurities(file.read_text()), (file, impurities(file.read_text()))


@pytest.mark.parametrize("source", [
    "import time\nt = time.monotonic()\n",
    "from datetime import datetime\nnow = datetime.now()\n",
    "text = path.read_text()\n",
    "with open('x') as f:\n    pass\n",
    "def f():\n    import cv2\n",
    "import os\nos.environ.get('X')\n",
])
def test_the_purity_check_catches_each_kind(source: str) -> None:
    assert impurities(source)


def test_the_core_loads_alone_in_a_fresh_interpreter() -> None:
    """Import the core and every module under it; nothing of the shell comes along."""
    code = """
import importlib, json, pkgutil, sys
import posturewatch.core as core
names = [m.name for m in pkgutil.walk_packages(core.__path__, "posturewatch.core.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    report = json.loads(result.stdout)
    assert {"posturewatch.core.judgement", "posturewatch.core.reminders.engine"} <= \
        set(report["imported"])
    shell = [m for m in report["loaded"]
             if m.split(".")[0] in SHELL_LIBRARIES or layer_of(m) not in (None, "core")]
    assert shell == []
