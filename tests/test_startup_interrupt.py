"""Ctrl-C at any moment of start-up (imports, model load, first frames) exits 130 with one
line, never a traceback. The process boundary is what is tested, so this starts
`python -m posturewatch` and sends it SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from posturewatch.storage.history import History

from conftest import write_clip

# Seconds after the heavy imports begin (numpy's native module appears in the process's
# memory map): in the imports, in the model load, and in the first frames.
DELAYS = (0.0, 0.15, 0.4, 0.8, 1.5, 2.5)

pytestmark = pytest.mark.usefixtures("model")


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory,
              pools: dict[str, list[np.ndarray]]) -> Path:
    """Two minutes of real frames: far longer than any delay, so the run is always cut."""
    folder = tmp_path_factory.mktemp("interrupt")
    return write_clip(folder / "long.mp4", [(pools["upright"], 120.0)], fps=5)


def wait_for_heavy_imports(process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if "_multiarray_umath" in maps.read_text():
            return
        time.sleep(0.005)
    raise AssertionError("the command never started importing")


@pytest.mark.parametrize("delay", DELAYS)
def test_ctrl_c_during_start_up_exits_130_with_one_line(long_clip: Path, delay: float) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "posturewatch", "analyze", str(long_clip)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for_heavy_imports(process)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert "Traceback" not in err, err
    assert process.returncode == 130, err
    assert err.strip().splitlines() == ["posturewatch: interrupted"], err
    assert out == ""


# Sends SIGINT to itself while a native module's initialiser runs Python: matplotlib's
# ft2font (imported by `report` for its charts; MediaPipe is loaded without it) builds its
# enums through pybind11, which turns a Ctrl-C landing there into "ImportError:
# initialization failed" raised from the KeyboardInterrupt.
INTERRUPT_IN_NATIVE_INIT = """
import enum, os, pathlib, runpy, signal, sys
fired = pathlib.Path(sys.argv.pop(1))
create = enum.EnumType._create_
def interrupt_here(cls, class_name, *args, **kwargs):
    if class_name == "StyleFlags":
        fired.touch()
        os.kill(os.getpid(), signal.SIGINT)
    return create(cls, class_name, *args, **kwargs)
enum.EnumType._create_ = interrupt_here
runpy.run_module("posturewatch", run_name="__main__")
"""


def test_ctrl_c_inside_a_native_module_initialiser_exits_130(tmp_path: Path) -> None:
    fired, store = tmp_path / "fired", tmp_path / "history.sqlite3"
    History.open(store).close()
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_IN_NATIVE_INIT, str(fired), "report", "--store",
         str(store), "--out", str(tmp_path / "report.html")],
        capture_output=True, text=True, timeout=120,
    )
    assert fired.exists(), "the interrupt was never sent: ft2font no longer builds StyleFlags"
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip().splitlines() == ["posturewatch: interrupted"], done.stderr
