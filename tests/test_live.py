"""The live path: a capture device read in real time, paced, timed by the monotonic clock,
ended by --seconds or Ctrl-C. A video file opened as the capture device stands in for the
webcam these machines do not have (OpenCV opens both the same way)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error, run_cli, run_process, write_clip

pytestmark = pytest.mark.usefixtures("testdata", "model")


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory, pools: dict[str, list]) -> Path:
    return write_clip(tmp_path_factory.mktemp("device") / "webcam.avi",
                      [(pools["upright"], 20), (pools["slouched"], 40)], fps=30)


def test_seconds_ends_a_live_session(device: Path, frontal_baseline: Path) -> None:
    """In a real process: the pacing is measured from outside, start-up included."""
    started = time.monotonic()
    report = json.loads(run_process("analyze", "--camera", device, "--seconds", "2", "--fps", "5",
                                "--baseline", frontal_baseline, "--json", "-").stdout)
    assert time.monotonic() - started >= 2.0  # paced in real time, not read flat out
    times = [f["t"] for f in report["frames"]]
    assert times == sorted(times) and times[-1] <= 2.0 + 0.3
    assert 6 <= len(times) <= 12  # about 5 a second
    assert report["totals"]["upright_s"] == pytest.approx(times[-1] + 0.2, abs=0.3)


def test_ctrl_c_ends_a_live_session_with_its_summary(
    device: Path, frontal_baseline: Path, tmp_path: Path
) -> None:
    out = tmp_path / "live.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "posturewatch", "analyze", "--camera", str(device), "--fps", "5",
         "--baseline", str(frontal_baseline), "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(6)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "judged" in stdout
    report = json.loads(out.read_text())
    times = [f["t"] for f in report["frames"]]
    judged = sum(report["totals"][f"{s}_s"] for s in ("upright", "slouched", "away", "unknown"))
    assert len(times) >= 10 and judged == pytest.approx(times[-1] + 0.2, abs=0.3)


def test_missing_device_is_a_one_line_error() -> None:
    result = run_cli("calibrate", "--camera", "/dev/video99", check=False)
    assert_one_line_error(result, "no camera at /dev/video99")
