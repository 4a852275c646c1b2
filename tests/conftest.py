"""Shared fixtures: the real model and footage, isolated user directories, the command run
in process, and composite clips built from real frames.

The footage is found like the product finds its model: ``POSTUREWATCH_TESTDATA``, else a
pinned, verified download into the user cache (``tests/footage.py``). The model comes from
``POSTUREWATCH_MODEL_DIR``, else the product's own resolve (which downloads the pinned
model). Tests that need either request the ``testdata`` or ``model`` fixture; when one
cannot be had they are skipped with the fix, and with ``POSTUREWATCH_REQUIRE_FOOTAGE=1``
(set by ``.ci/run``) such a skip is a failure.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch.errors import ModelError
from posturewatch.storage import pose_model_files
from posturewatch.storage.config_file import load_settings

import footage

pytest_plugins = ["pytester"]  # test_footage_download runs this conftest in a fresh pytest

# Tests press Ctrl-C (SIGINT) on the processes they start. Started in the background of a
# non-interactive shell (`pytest &`), pytest inherits SIGINT ignored and so would every
# process it starts; a handled signal is reset to its default across exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ENV_REQUIRE = "POSTUREWATCH_REQUIRE_FOOTAGE"
REQUIRED = os.environ.get(ENV_REQUIRE, "") == "1"
ENV_SEEDS = "POSTUREWATCH_SEEDS"  # the guidance documents the catalog cites (shared/seeds)
# Evaluation footage without a licence (shared/devdata): read in place, never copied.
ENV_DEVDATA = "POSTUREWATCH_DEVDATA"
NEEDS_REAL_INPUTS = {"testdata", "model", "seeds", "devdata"}

# Decided once, from the user's own environment, before any test isolates it.
_GIVEN_TESTDATA = bool(os.environ.get(footage.ENV_TESTDATA, "").strip())
TESTDATA = footage.expected_root()
_GIVEN_MODELS = os.environ.get(pose_model_files.ENV_MODEL_DIR, "").strip()
_USER_ENV = {var: os.environ.get(var) for var in (
    "HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
    pose_model_files.ENV_MODEL_DIR, pose_model_files.ENV_URL_BASE)}
MODELS = Path(_GIVEN_MODELS).expanduser() if _GIVEN_MODELS else pose_model_files.download_dir()

FRONTAL = TESTDATA / "frontal-webcam-1"
SIDE = TESTDATA / "side-view"
OCCLUDED_GIF = TESTDATA / "webcam-occluded" / "demo.gif"


# For tests that read the footage and run the model: ``@real_inputs``.
real_inputs = pytest.mark.usefixtures("testdata", "model")


def _unavailable(reason: str) -> None:
    pytest.skip(f"{reason} (CI sets {ENV_REQUIRE}=1 and fails instead)")


def _uncaptured(config: pytest.Config) -> contextlib.AbstractContextManager[None]:
    """Output straight to the terminal: the progress lines of a download."""
    capture = config.pluginmanager.getplugin("capturemanager")
    return capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()


@pytest.fixture(scope="session")
def testdata(pytestconfig: pytest.Config) -> Path:
    """The verified footage folder (``FRONTAL``, ``SIDE`` and ``OCCLUDED_GIF`` live in it)."""
    try:
        with _uncaptured(pytestconfig):
            return footage.locate(TESTDATA, given=_GIVEN_TESTDATA)
    except footage.FootageError as exc:
        _unavailable(str(exc))
        raise


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The guidance documents (``POSTUREWATCH_SEEDS``): the catalog's sources and the texts
    ours must not copy. They are not ours to redistribute, so they are never downloaded."""
    given = os.environ.get(ENV_SEEDS, "").strip()
    folder = Path(given).expanduser().resolve() if given else None
    if folder is None or not any(folder.glob("*.txt")):
        _unavailable(f"no guidance documents: set {ENV_SEEDS} to a folder holding the five "
                     "guidance texts the catalog cites (not distributed with posturewatch)"
                     + (f" ({folder} has no *.txt)" if folder else ""))
    return folder  # type: ignore[return-value]


@pytest.fixture(scope="session")
def devdata() -> Path:
    """The evaluation footage (``POSTUREWATCH_DEVDATA``, e.g. shared/devdata): it has no
    licence, so it is read where it lies and never downloaded, copied or committed."""
    given = os.environ.get(ENV_DEVDATA, "").strip()
    folder = Path(given).expanduser().resolve() if given else None
    if folder is None or not (folder / "exercise" / "README.md").is_file():
        _unavailable(f"no evaluation footage: set {ENV_DEVDATA} to shared/devdata"
                     + (f" ({folder} has no exercise/README.md)" if folder else ""))
    return folder  # type: ignore[return-value]


@pytest.fixture(scope="session")
def model(isolated_home: Path, pytestconfig: pytest.Config) -> Iterator[Path]:
    """The verified ``full`` pose model: from POSTUREWATCH_MODEL_DIR, else resolved (and if
    need be downloaded) by the product itself in the user's real folders. The isolated
    commands are then pointed at its folder."""
    with pytest.MonkeyPatch.context() as patch:
        for var, value in _USER_ENV.items():
            if value is None:
                patch.delenv(var, raising=False)
            else:
                patch.setenv(var, value)
        try:
            spec = pose_model_files.get_spec("full")
            if _GIVEN_MODELS and not (MODELS / spec.file).is_file():
                raise ModelError(f"{pose_model_files.ENV_MODEL_DIR}={MODELS} has no {spec.file}",
                                 "point it at a folder holding it (e.g. shared/models), or "
                                 "unset it to download the model")
            config = load_settings(user_file=isolated_home / "no-user-config.toml").model
            with _uncaptured(pytestconfig):
                found = pose_model_files.resolve_model(config, variant="full")
        except ModelError as exc:
            _unavailable(f"no pose model: {exc}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(pose_model_files.ENV_MODEL_DIR, str(found.parent))
        yield found


# The longest files first (each on one worker under --dist loadscope; measured with
# `--durations`, wall seconds on 2 cores), the many short ones after them: neither worker
# is left finishing a long file alone at the end. pyproject's --no-loadscope-reorder keeps
# this order (xdist would otherwise order the files by their number of tests).
LONGEST_FIRST = (
    "test_looks.py", "test_private_files.py", "test_footage.py", "test_run.py",
    "test_run_faults.py", "test_slouch_not_camera.py", "test_monitor_day.py",
    "test_moves_footage.py", "test_reasons_and_stale.py", "test_history_footage.py",
    "test_odd_names.py", "test_reminders_footage.py", "test_network.py", "test_trust.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: files stay whole


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a test that could not get the footage or the model fails: a skip there would
    hide that the real inputs were never used."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRED and report.skipped and NEEDS_REAL_INPUTS & set(item.fixturenames):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped although {ENV_REQUIRE}=1: {reason}"


def labelled(folder: Path) -> list[tuple[Path, str]]:
    """(path, label) in labels.csv order."""
    with open(folder / "labels.csv", newline="") as f:
        return [(folder / row["path"], row["label"]) for row in csv.DictReader(f)]


def read_rgb(path: Path, size: tuple[int, int] = (224, 224)) -> np.ndarray:
    bgr = cv2.imread(str(path))
    assert bgr is not None, path
    return cv2.resize(bgr, size)


def nobody_frames(size: tuple[int, int] = (224, 224)) -> list[np.ndarray]:
    """Real webcam frames in which the pose model finds nobody: the lens covered by a hand
    (the last frames of the occluded clip)."""
    capture = cv2.VideoCapture(str(OCCLUDED_GIF))
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(bgr, size))
    capture.release()
    assert frames, OCCLUDED_GIF
    return frames[-8:]


@pytest.fixture(scope="session")
def pools(testdata: Path) -> dict[str, list[np.ndarray]]:
    """Real 224x224 frames to build clips from: upright, slouched, and nobody in view."""
    return {
        "upright": [read_rgb(p) for p, label in labelled(FRONTAL) if label == "upright"],
        "slouched": [read_rgb(p) for p, label in labelled(FRONTAL) if label == "slouch"],
        "nobody": nobody_frames(),
    }


@pytest.fixture(scope="module")
def rig(pools: dict[str, list[np.ndarray]], model: Path) -> Iterator[dict]:
    """The monitor harness's frames, estimator and baseline, made once per test file that
    drives the real monitor loop (``monitor_harness.open_rig``)."""
    from monitor_harness import open_rig

    with open_rig(pools, model) as made:
        yield made


def write_clip(path: Path, segments: Sequence[tuple[Sequence[np.ndarray], float]], fps: float) -> Path:
    """An MP4 of ``segments``: each a pool of real frames cycled for that many seconds."""
    first = segments[0][0][0]
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (first.shape[1], first.shape[0])
    )
    assert writer.isOpened()
    for pool, seconds in segments:
        for i in range(round(seconds * fps)):
            writer.write(pool[i % len(pool)])
    writer.release()
    return path


@pytest.fixture(scope="session")
def frontal_baseline(
    tmp_path_factory: pytest.TempPathFactory, testdata: Path, model: Path
) -> Path:
    """A baseline calibrated on the first five upright frontal frames of labels.csv."""
    folder = tmp_path_factory.mktemp("calibration")
    upright = [path for path, label in labelled(FRONTAL) if label == "upright"][:5]
    for path in upright:
        (folder / path.name).write_bytes(path.read_bytes())
    out = folder / "baseline.json"
    run_cli("calibrate", "--source", folder, "--out", out)
    return out


@pytest.fixture(autouse=True, scope="session")
def network_left_open() -> Iterator[None]:
    """The kernel's network block (``capture/no_network.py``) lasts for the life of a
    process, and this one still serves loopback HTTP to the download tests after pose
    estimators were made in it: here it is left out (the pose workers they start take
    theirs). ``tests/test_network.py`` proves it on the real ``analyze`` and ``run``."""
    from posturewatch.capture import no_network

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(no_network, "forbid", _no_op)
        yield


@pytest.fixture(autouse=True, scope="session")
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """User config, data and cache directories in a temporary place; the model folder.
    Session-wide, so module fixtures that run the command see it too."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"),
                         ("XDG_RUNTIME_DIR", "runtime")):
            patch.setenv(var, str(home / sub))
        (home / "runtime").mkdir(mode=0o700)  # the monitor's control socket lives here
        patch.setenv("HOME", str(home))
        patch.setenv(pose_model_files.ENV_MODEL_DIR, str(MODELS))
        patch.delenv(pose_model_files.ENV_URL_BASE, raising=False)
        yield home


@pytest.fixture(autouse=True)
def no_pause_left_behind(isolated_home: Path) -> Iterator[None]:
    """A pause or snooze a test's monitor was stopped in carries over to the next `run`
    (``app/quiet_file.py``): each test starts without one."""
    yield
    (isolated_home / "data" / "posturewatch" / "quiet.json").unlink(missing_ok=True)


@dataclass(frozen=True)
class Result:
    """What a run of the command left: like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str | os.PathLike[str], check: bool = True) -> Result:
    """The real command, ``posturewatch.cli.main(argv)``, in this process: its stdout and
    stderr captured, its exit code returned, an escaping exception printed as Python would.
    Native log silencing (fd 2) is left to the tests that start a real process."""
    from posturewatch.capture import native_logs
    from posturewatch.cli import main

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers = []  # so the command's logging.basicConfig writes to this run's stderr
    silence, native_logs.silence_native_stderr = native_logs.silence_native_stderr, _no_op
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
            except BaseException:  # noqa: BLE001 - the process would print it and exit 1
                traceback.print_exc()
                code = 1
    finally:
        native_logs.silence_native_stderr = silence
        for handler in root.handlers:
            handler.close()
        root.handlers, _ = saved
        root.setLevel(saved[1])
    result = Result(code, out.getvalue(), err.getvalue())
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _no_op() -> None:
    pass


def run_process(
    *args: str | os.PathLike[str], check: bool = True, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """``python -m posturewatch`` in a fresh process: for tests of the process boundary
    (native stderr, signals, exit codes of a real process)."""
    result = subprocess.run(
        [sys.executable, "-m", "posturewatch", *map(str, args)],
        capture_output=True, text=True, timeout=240, **kwargs,  # type: ignore[call-overload]
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def assert_one_line_error(result: Result | subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("posturewatch: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
