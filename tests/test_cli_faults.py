"""The commands against the inputs issue 21 found getting through: an output named as one
of the command's own inputs, dates at the calendar's ends, an empty file as the store, a
config nested a thousand deep. Each refused in one line, nothing changed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posturewatch.storage.history import History

from conftest import (
    FRONTAL,
    assert_one_line_error,
    labelled,
    real_inputs,
    run_cli,
    run_process,
    write_clip,
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "h.sqlite3"
    with History.open(path) as history:
        sid = history.begin_session(kind="live", source="camera 0", start_utc=1.77e9,
                                    utc_offset_s=3600)
        history.write_bout(sid, 1.77e9, 1.77e9 + 600, 3600, 600.0)
    return path


@pytest.mark.parametrize("command", [
    ("export", "--out", "{store}"),
    ("export", "--format", "csv", "--out", "{store}-wal"),
    ("report", "--date", "2026-02-01", "--out", "{store}"),
])
def test_an_output_over_the_store_is_refused(store: Path, command: tuple[str, ...]) -> None:
    before = digest(store)
    args = [part.format(store=store) for part in command]
    result = run_cli(*args, "--store", store, check=False)
    assert result.returncode == 7
    assert_one_line_error(result, "is the history store this command reads"
                          if args[-1] == str(store) else "is part of the history store")
    assert digest(store) == before


def test_the_default_store_is_an_input_too(isolated_home: Path) -> None:
    from posturewatch.storage.history import default_store

    with History.open(default_store()):
        pass
    before = digest(default_store())
    result = run_cli("export", "--out", default_store(), check=False)
    assert_one_line_error(result, "is the history store this command reads")
    assert digest(default_store()) == before


@real_inputs
def test_analyze_and_calibrate_never_write_over_what_they_read(
    tmp_path: Path, pools: dict, store: Path
) -> None:
    clip = write_clip(tmp_path / "c.mp4", [(pools["upright"], 2)], fps=5)
    folder = tmp_path / "photos"
    folder.mkdir()
    for path, _ in labelled(FRONTAL)[:3]:
        shutil.copy(path, folder / path.name)
    photo = next(folder.iterdir())
    kept = {p: digest(p) for p in (clip, photo, store)}
    for args, what in [
        (("analyze", clip, "--json", clip), "is a source"),
        (("analyze", folder, "--json", photo), "is an image in a source folder"),
        (("analyze", clip, "--store", store, "--json", store), "is the history store"),
        (("calibrate", "--source", photo, "--out", photo), "is a source"),
    ]:
        result = run_cli(*args, check=False)
        assert result.returncode == 7
        assert_one_line_error(result, what, "this command reads")
    assert {p: digest(p) for p in kept} == kept


@pytest.mark.parametrize("command", [("summary",), ("summary", "--json"), ("report",)])
@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-07", "9999-12-31"])
def test_days_at_the_ends_of_the_calendar_are_one_line(
    store: Path, command: tuple[str, ...], day: str
) -> None:
    result = run_cli(*command, "--date", day, "--week", "--store", store, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr
    assert "a date from 1970-01-01 to 9999-12-30" in result.stderr.splitlines()[-1]


def test_the_first_and_last_days_allowed_work(store: Path, tmp_path: Path) -> None:
    for day in ("1970-01-01", "9999-12-30"):
        run_cli("summary", "--date", day, "--week", "--store", store)
        run_cli("report", "--date", day, "--week", "--store", store,
                "--out", tmp_path / f"{day}.html")


@pytest.mark.parametrize("command", [("summary",), ("report",), ("export",)])
def test_an_empty_file_as_the_store_is_read_never_written(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    result = run_cli(*command, "--store", empty, check=False)
    assert_one_line_error(result, "no history yet (an empty file)")
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]


def test_a_config_nested_a_thousand_deep_is_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    for nesting in ("[" * 1000 + "]" * 1000, "{x=" * 1000 + "1" + "}" * 1000):
        deep.write_text(f"[sitting]\nbreak_after_min = {nesting}\n")
        for command in (("config", "check"), ("summary",)):
            result = run_cli("--config", deep, *command, check=False)
            assert result.returncode == 3
            assert_one_line_error(result, "nested too deeply to read")


def test_a_report_with_no_cache_folder_to_be_had_is_one_line_or_made(
    store: Path, tmp_path: Path
) -> None:
    """The cache folder cannot be made (a full disk; here its place is under a file): a
    report written elsewhere is made all the same (matplotlib finds a place of its own for
    its font list), and one for the cache is refused in one line, not a traceback from
    importing the report module."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env["XDG_CACHE_HOME"] = str(blocker / "cache")
    out = tmp_path / "r.html"
    run_process("report", "--date", "2026-02-01", "--store", store, "--out", out, env=env)
    assert out.read_text().startswith("<!DOCTYPE html>")
    refused = run_process("report", "--date", "2026-02-01", "--store", store, check=False,
                          env=env)
    assert_one_line_error(refused, "cannot write")


def test_a_source_folder_that_cannot_be_listed_is_one_line(tmp_path: Path) -> None:
    """A folder of photos the user may not list (root too, without its override): one
    line naming it, from `analyze` (with and without --json, whose check of what it
    reads listed the folder first) and `calibrate`; it was a PermissionError traceback."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("root reads any folder; setpriv drops that")
    as_user = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
               "--inh-caps", "-all"] if os.geteuid() == 0 else []
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0)
    try:
        for args in (("analyze", folder), ("analyze", folder, "--json", tmp_path / "o.json"),
                     ("calibrate", "--source", folder, "--out", tmp_path / "b.json")):
            result = subprocess.run([*as_user, sys.executable, "-m", "posturewatch",
                                     *map(str, args)], capture_output=True, text=True,
                                    timeout=120)
            assert_one_line_error(result, f"cannot list folder {folder}", "permissions")
    finally:
        folder.chmod(0o700)
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "b.json").exists()
