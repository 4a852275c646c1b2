"""Inputs are checked before the pose model is resolved or downloaded: a typo in a path
must not start a 9 MB download, nor end in a network error."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from posturewatch.cli.main import build_parser
from posturewatch.errors import ConfigError, SourceError


def invoke(*argv: str | Path) -> int:
    args = build_parser().parse_args([str(a) for a in argv])
    return args.func(args)


@pytest.fixture(autouse=True)
def no_model_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No model on disk, and downloads pointed at a loopback port nobody listens on: any
    attempt to resolve the model fails with a model or network error."""
    empty = tmp_path / "models"
    empty.mkdir()
    with socket.socket() as probe:  # a free port, closed again at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("POSTUREWATCH_MODEL_DIR", str(empty))
    monkeypatch.setenv("POSTUREWATCH_MODEL_URL_BASE", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_analyze_missing_video_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="no such video file"):
        invoke("analyze", "no-such.mp4")


def test_analyze_missing_image_and_folder_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such image"):
        invoke("analyze", tmp_path / "typo.jpg")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no images in folder"):
        invoke("analyze", empty)


def test_calibrate_missing_video_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such video file"):
        invoke("calibrate", "--source", "no-such.mp4", "--out", tmp_path / "b.json")
    assert not (tmp_path / "b.json").exists()


def test_missing_camera_device_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="no camera at /dev/no-such-video"):
        invoke("analyze", "--camera", "/dev/no-such-video")


def test_camera_that_is_neither_index_nor_device_is_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        invoke("analyze", "--camera", "O")  # the letter O for a zero
    assert exit_info.value.code == 2
    assert "a webcam index (0, 1, ...) or a device path such as /dev/video2, not 'O'" in (
        capsys.readouterr().err)


@pytest.mark.parametrize("command", [["analyze", "no-such.mp4"],
                                     ["calibrate", "--source", "no-such.mp4"]])
def test_bad_config_is_a_config_error(tmp_path: Path, command: list[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[source]\nfps = -3\n")
    with pytest.raises(ConfigError, match="fps"):
        invoke(*command, "--config", bad)


@pytest.fixture
def unreadable_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated, not a JPEG body")
    (folder / "b.png").write_text("a text file with an image suffix")
    return folder


@pytest.mark.parametrize("extra", [[], ["--sequence", "--fps", "5"]], ids=["stills", "sequence"])
def test_folder_without_a_readable_image_is_an_error(
    unreadable_folder: Path, extra: list[str]
) -> None:
    with pytest.raises(SourceError, match="no readable image in folder .*photos") as error:
        invoke("analyze", unreadable_folder, *extra)
    assert "2 files could not be read" in str(error.value)


def test_calibrate_on_a_folder_without_a_readable_image_says_so(
    unreadable_folder: Path, tmp_path: Path
) -> None:
    with pytest.raises(SourceError, match="no readable image in folder"):
        invoke("calibrate", "--source", unreadable_folder, "--out", tmp_path / "b.json")
