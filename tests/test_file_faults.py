"""Damaged or contradictory files met on the way in: a config byte that is not UTF-8,
settings that pass one by one but not together, NaN in a baseline, a store with a damaged
page; and a rewrite that must keep a private file private."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest

from posturewatch.core.intervals import Interval
from posturewatch.errors import ConfigError
from posturewatch.storage.atomic import write_atomic
from posturewatch.storage.baseline_file import load_baseline
from posturewatch.storage.config_file import load_config
from posturewatch.storage.config_watch import ConfigWatch
from posturewatch.storage.history import History

from conftest import assert_one_line_error, run_cli, write_clip

DAY = 1_772_611_200.0  # 2026-03-04T08:00:00Z
CET = 3600


def test_an_atomic_rewrite_keeps_a_private_file_private(tmp_path: Path) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text("old\n")
    secret.chmod(0o600)
    write_atomic(secret, "new\n")
    assert secret.read_text() == "new\n" and (secret.stat().st_mode & 0o777) == 0o600
    fresh = tmp_path / "fresh.txt"
    old = os.umask(0o022)
    try:
        write_atomic(fresh, "x")
    finally:
        os.umask(old)
    assert (fresh.stat().st_mode & 0o777) == 0o644  # a new file: what the umask gives


# -- config --------------------------------------------------------------------------------


def test_a_byte_that_is_not_utf8_is_one_line_and_a_running_reload_keeps_the_old_settings(
    tmp_path: Path,
) -> None:
    config = tmp_path / "mine.toml"
    config.write_bytes(b"[sitting]\nbreak_after_min = 30.0\n")
    watch = ConfigWatch(config)
    config.write_bytes(b"[sitting]\n# caf\xe9 break\nbreak_after_min = 20.0\n")  # Latin-1
    check = run_cli("config", "check", "--config", config, check=False)
    assert check.returncode == 3
    assert_one_line_error(check, f"{config}:2", "byte 0xe9 is not UTF-8", "save the file as UTF-8")
    with pytest.raises(ConfigError, match="not UTF-8"):  # the monitor logs it, keeps the old
        watch.changed()
    assert watch.changed() is None  # once per saved change, not at every look


@pytest.mark.parametrize(("text", "keys", "fix"), [
    ("[monitor]\nslow_interval_s = 15.0\n[sitting]\nmax_gap_s = 10.0\n",
     ("monitor.slow_interval_s", "sitting.max_gap_s"), "at least 30"),
    ("[monitor]\ninterval_s = 25.0\nslow_interval_s = 25.0\n",
     ("monitor.interval_s", "sitting.max_gap_s"), "at least 50"),
    ("[source]\nfps = 0.04\n", ("source.fps", "sitting.max_gap_s"), "fps to at least 0.05"),
    ("[camera]\nbattery_look_every_s = 30.0\n",
     ("camera.battery_look_every_s", "sitting.max_gap_s"), "at least 60"),
    ("[monitor]\ncamera_retry_min_s = 120.0\ncamera_retry_max_s = 60.0\n",
     ("monitor.camera_retry_min_s", "monitor.camera_retry_max_s"), "at most"),
    ("[calibration]\nmin_frames = 30\n", ("calibration.min_frames", "calibration.target_frames"),
     "always fail"),
    ("[classifier]\nself_window_s = 30.0\nself_stretch_s = 60.0\n",
     ("classifier.self_stretch_s", "classifier.self_window_s"), "no self-baseline"),
])
def test_settings_that_pass_alone_but_not_together_are_refused_naming_both(
    tmp_path: Path, text: str, keys: tuple[str, str], fix: str
) -> None:
    path = tmp_path / "clash.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path, user_file=tmp_path / "none.toml")
    message = str(error.value)
    assert "\n" not in message and str(path) in message and fix in message
    assert all(key in message for key in keys), message


def test_the_defaults_fit_together_and_a_fitting_pair_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "fits.toml"
    path.write_text("[monitor]\nslow_interval_s = 25.0\n[sitting]\nmax_gap_s = 50.0\n")
    assert load_config(path, user_file=tmp_path / "none.toml").section("sitting")["max_gap_s"] == 50


# -- baseline ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_baseline_with_nan_or_inf_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(f'{{"version": 2, "view": "front", "head_height": {value}, "frames": 30}}')
    result = run_cli("analyze", "none.jpg", "--baseline", path, check=False)
    assert_one_line_error(result, f"baseline {path} is not a posturewatch baseline", value,
                          "run `posturewatch calibrate`")


def test_a_good_baseline_file_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text('{"version": 2, "view": "front", "head_height": 0.64, "face_scale": 0.4,'
                    ' "frames": 30}')
    assert load_baseline(path).head_height == pytest.approx(0.64)


# -- the history store ---------------------------------------------------------------------


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """A real store whose sessions table has a damaged page: its header, schema and the
    intervals a day's summary reads are intact."""
    path = tmp_path / "history.sqlite3"
    with History.open(path) as history:
        for n in range(3):
            sid = history.begin_session(kind="clip", source=f"clip-{n}", start_utc=DAY + n * 86400,
                                        utc_offset_s=CET, key=f"k{n}")
            history.write_intervals(sid, [Interval(DAY + n * 86400 + m * 60, CET, 60.0,
                                                   upright_s=60.0) for m in range(200)])
            history.end_session(sid, DAY + n * 86400 + 12_000)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'sessions'").fetchone()[0]
    db.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start + 8:start + page_size] = b"\x5a" * (page_size - 8)  # the page header kept
    path.write_bytes(bytes(data))
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    return path


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    """Another program's SQLite database where the store should be."""
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.execute("INSERT INTO notes VALUES ('mine')")
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize(("kind", "problem"), [("damaged", "unreadable or corrupt"),
                                                ("foreign", "not a posturewatch history store")])
def test_a_damaged_or_foreign_store_is_found_on_open_by_every_command(
    kind: str, problem: str, request: pytest.FixtureRequest, tmp_path: Path, model: Path,
    pools: dict,
) -> None:
    damaged: Path = request.getfixturevalue(kind)
    before = damaged.read_bytes()
    # long enough to be judged after the monitor starts on a loaded machine (2 s was not)
    clip = write_clip(tmp_path / "clip.mp4", [(pools["upright"], 5)], fps=5)
    out = tmp_path / "report.json"
    for argv in (["summary", "--date", "2026-03-04"], ["export"], ["analyze", clip, "--json", out]):
        result = run_cli(*argv, "--store", damaged, check=False)
        assert result.returncode == 8, (argv, result.stderr)
        assert_one_line_error(result, f"history store {damaged}", problem, "untouched")
        assert result.stdout == ""  # nothing analysed, summed up or exported first
    assert damaged.read_bytes() == before  # nothing written
    assert not out.exists()
    assert sorted(p.name for p in damaged.parent.iterdir()) == ["clip.mp4", "history.sqlite3"]

    # The monitor starts all the same (issue 21): it watches and says what is wrong in
    # one line; a damaged store is kept whole beside a new one, a foreign file untouched.
    ran = run_cli("run", "--source", clip, "--headless", "--store", damaged)
    said = next(line for line in ran.stderr.splitlines() if "WARNING" in line)
    if kind == "damaged":
        assert "History store renewed" in said and "history.sqlite3 was damaged" in said
        (aside,) = damaged.parent.glob("history.sqlite3.damaged-*[0-9]")
        assert aside.read_bytes() == before
        with History.open(damaged) as history:
            assert history.read().intervals, ran.stderr  # the new store has the run
    else:
        assert "History not saved" in said and problem in said
        assert damaged.read_bytes() == before


def test_an_intact_store_still_opens_for_readers(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "history.sqlite3"
    History.open(path).close()
    with caplog.at_level(logging.WARNING):
        assert run_cli("summary", "--store", path).returncode == 0
