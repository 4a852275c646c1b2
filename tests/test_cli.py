"""The command as a user meets it: help with examples, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

import cv2
import pytest

from posturewatch.cli.commands import COMMANDS
from posturewatch.cli.main import build_parser

from conftest import (
    FRONTAL,
    assert_one_line_error,
    nobody_frames,
    real_inputs,
    run_cli,
    run_process,
)

COMMAND_NAMES = [command.__name__.rsplit(".", 1)[1] for command in COMMANDS]


def examples(help_text: str) -> list[str]:
    """The command lines under ``examples:`` in a help text."""
    _, found, rest = help_text.partition("\nexamples:\n")
    assert found, help_text
    return [line.split("  ", 2)[1] if line.startswith("  ") else line
            for line in rest.splitlines() if line.strip().startswith("posturewatch ")]


@pytest.mark.parametrize("command", [None, *COMMAND_NAMES])
def test_every_help_example_is_a_command_line_that_parses(command: str | None) -> None:
    """Each example in ``--help`` is run through the real parser: an example naming an
    option or a choice the command does not have fails here."""
    out = run_cli(*([command] if command else []), "--help").stdout
    lines = examples(out)
    assert lines, out
    for line in lines:
        argv = shlex.split(line.split(" | ")[0].strip())
        assert argv[0] == "posturewatch"
        args = build_parser().parse_args(argv[1:])  # SystemExit(2) on a wrong example
        assert command is None or args.command == command, line


@pytest.mark.parametrize(("command", "actions"), [
    ("config", ["path", "show", "check", "edit"]),
    ("autostart", ["enable", "disable", "status"]),
    ("model", ["list", "fetch", "verify", "path"]),
])
def test_every_action_has_its_own_help_with_examples(command: str, actions: list[str]) -> None:
    for action in actions:
        out = run_cli(command, action, "--help").stdout
        assert out.startswith(f"usage: posturewatch {command} {action} "), out
        lines = examples(out)
        assert lines, out
        for line in lines:
            args = build_parser().parse_args(shlex.split(line)[1:])
            assert (args.command, args.action) == (command, action), line


def test_summary_help_says_where_the_json_shape_is() -> None:
    out = run_cli("summary", "--help").stdout
    assert "docs/HISTORY.md" in out and "README" not in out


def test_top_level_help_lists_every_command() -> None:
    out = run_cli("--help").stdout
    assert COMMAND_NAMES and all(f"    {name}" in out for name in COMMAND_NAMES), out


@real_inputs
def test_native_log_lines_stay_off_the_terminal() -> None:
    """In a real process: MediaPipe and TFLite write to file descriptor 2 themselves; they
    reach the terminal only with --log-level debug."""
    image = FRONTAL / "upright" / "sample-1542640808958-0.jpg"
    quiet = run_process("analyze", image)
    assert quiet.stderr == "" and "1 image" in quiet.stdout
    loud = run_process("--log-level", "debug", "analyze", image)
    assert "XNNPACK" in loud.stderr or "W0000" in loud.stderr, loud.stderr


def test_a_real_process_exits_with_the_error_code_and_one_line() -> None:
    result = run_process("analyze", "no-such.mp4", check=False)
    assert result.returncode == 5
    assert_one_line_error(result, "no such video file")


def test_missing_video() -> None:
    assert_one_line_error(run_cli("analyze", "no-such.mp4", check=False), "no such video file")


def test_unreadable_video(tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(b"not a video at all" * 100)
    assert_one_line_error(run_cli("analyze", fake, check=False), "cannot read video", "convert")


def test_unreadable_image(tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_text("nope")
    assert_one_line_error(run_cli("analyze", fake, check=False), "cannot read image")


def test_empty_folder(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("analyze", tmp_path, check=False), "no images in folder")


def test_missing_camera() -> None:
    result = run_cli("analyze", "--camera", "7", check=False)
    assert_one_line_error(result, "no camera at index 7", "--camera")


def test_nothing_to_analyze() -> None:
    assert_one_line_error(run_cli("analyze", check=False), "nothing to analyze")


@real_inputs
def test_corrupt_model_given_explicitly(tmp_path: Path, model: Path) -> None:
    broken = tmp_path / "mine.task"
    broken.write_bytes(model.read_bytes()[: 1 << 20])
    result = run_cli("analyze", FRONTAL / "upright", "--model", broken, check=False)
    assert_one_line_error(result, "cannot load pose model", "model fetch")


@real_inputs
def test_corrupt_managed_model_names_expected_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: Path
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / model.name).write_bytes(model.read_bytes()[:-10])
    monkeypatch.setenv("POSTUREWATCH_MODEL_DIR", str(folder))
    result = run_cli("analyze", FRONTAL / "upright", check=False)
    assert_one_line_error(result, "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1")


@real_inputs
def test_bad_baseline_file(tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("{\"version\": 99}")
    result = run_cli("analyze", FRONTAL / "upright", "--baseline", bad, check=False)
    assert_one_line_error(result, "not a posturewatch baseline", "calibrate")


@real_inputs
def test_calibration_with_nobody_in_view_is_refused_and_saves_nothing(tmp_path: Path) -> None:
    for i, frame in enumerate(nobody_frames()):
        cv2.imwrite(str(tmp_path / f"empty-{i}.png"), frame)
    out = tmp_path / "baseline.json"
    result = run_cli("calibrate", "--source", tmp_path, "--out", out, check=False)
    assert_one_line_error(result, "calibration found no person")
    assert not out.exists()


@real_inputs
def test_json_to_a_file_and_privacy(tmp_path: Path, isolated_home: Path) -> None:
    """The JSON lands whole; no image is written anywhere (frames stay in memory)."""
    folder = tmp_path / "in"
    shutil.copytree(FRONTAL / "upright", folder)
    before = {p for p in isolated_home.rglob("*") if p.is_file()}
    out = tmp_path / "out" / "report.json"
    run_cli("analyze", folder, "--json", out)
    assert json.loads(out.read_text())["totals"]["frames"]["upright"] == 15
    images = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
    new = {p for p in isolated_home.rglob("*") if p.is_file()} - before
    assert not [p for p in new if p.suffix in images]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix in images) == \
        sorted(p.name for p in (FRONTAL / "upright").iterdir())
    assert not list(out.parent.glob(".*tmp"))


@real_inputs
def test_unwritable_json_target_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for target in (blocker / "out.json", tmp_path):
        result = run_cli("analyze", FRONTAL / "upright", "--json", target, check=False)
        assert_one_line_error(result, "cannot write", "writable")


@real_inputs
def test_outputs_follow_the_umask_and_leave_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    run_cli("calibrate", "--source", FRONTAL / "upright", "--out", out)
    assert out.stat().st_mode & 0o777 == 0o644 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@real_inputs
@pytest.mark.parametrize("fps", ["-5", "nan", "inf", "500", "fast"])
def test_bad_fps_is_refused(fps: str) -> None:
    result = run_cli("analyze", FRONTAL / "upright", "--fps", fps, check=False)
    assert result.returncode == 2 and "--fps" in result.stderr and "Traceback" not in result.stderr


@real_inputs
def test_folder_with_a_broken_and_a_hidden_image_judges_the_rest(tmp_path: Path) -> None:
    for name in ("a.jpg", "b.jpg"):
        shutil.copy(FRONTAL / "upright" / "sample-1542640808958-0.jpg", tmp_path / name)
    (tmp_path / "broken.jpg").write_text("not an image")
    (tmp_path / "._a.jpg").write_bytes(b"\0\5\x16\7AppleDouble")
    result = run_cli("analyze", tmp_path, "--json", "-")
    report = json.loads(result.stdout)
    assert [Path(f["path"]).name for f in report["frames"]] == ["a.jpg", "b.jpg"]
    assert report["skipped"] == [str(tmp_path / "broken.jpg")]
    assert "broken.jpg" in result.stderr and "Traceback" not in result.stderr


@real_inputs
def test_baseline_with_wrong_field_types_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text(json.dumps({"version": 1, "view": "front", "head_height": "0.66"}))
    result = run_cli("analyze", FRONTAL / "upright", "--baseline", bad, check=False)
    assert_one_line_error(result, "head_height", "calibrate")


@real_inputs
def test_reminders_with_stills_fail_before_any_work() -> None:
    result = run_cli("analyze", FRONTAL / "upright", "--reminders", check=False)
    assert_one_line_error(result, "needs a timeline")
