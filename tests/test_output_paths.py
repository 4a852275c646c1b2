"""Output paths that are not regular files are written through, never replaced.

A FIFO made in tmp_path stands in for /dev/null and /dev/stdout (both are not regular
files, and a rename over them would replace them); a symlink in tmp_path pointing at a
FIFO stands in for /dev/stdout -> /proc/self/fd/1 -> pipe.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from posturewatch.cli.main import build_parser
from posturewatch.storage.atomic import check_writable, write_atomic

from conftest import FRONTAL, real_inputs


class FifoReader:
    """Reads a FIFO to its end in a thread. A second hard link keeps the FIFO reachable,
    so if nothing ever opens it for writing (the path was replaced instead), ``result``
    unblocks the reader and returns what was read: nothing."""

    def __init__(self, fifo: Path) -> None:
        self._keep = fifo.with_name(fifo.name + ".keep")
        os.link(fifo, self._keep)
        self._data = b""
        self._thread = threading.Thread(target=self._read, args=(fifo,), daemon=True)
        self._thread.start()

    def _read(self, fifo: Path) -> None:
        with open(fifo, "rb") as stream:
            self._data = stream.read()

    def result(self, timeout: float = 10.0) -> bytes:
        self._thread.join(timeout)
        if self._thread.is_alive():  # no writer came: open one ourselves to end the read
            os.close(os.open(self._keep, os.O_WRONLY | os.O_NONBLOCK))
            self._thread.join(timeout)
        return self._data


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    yield path


def is_fifo(path: Path) -> bool:
    return stat.S_ISFIFO(os.lstat(path).st_mode)


def test_write_atomic_writes_through_a_fifo(fifo: Path) -> None:
    reader = FifoReader(fifo)
    write_atomic(fifo, "hello\n")
    assert reader.result() == b"hello\n"
    assert is_fifo(fifo), "the FIFO was replaced by a regular file"
    assert sorted(p.name for p in fifo.parent.iterdir()) == ["pipe", "pipe.keep"]


def test_write_atomic_writes_through_a_symlink_to_a_fifo(fifo: Path) -> None:
    """Like /dev/stdout -> /proc/self/fd/1 -> a pipe."""
    link = fifo.with_name("stdout")
    link.symlink_to(fifo)
    reader = FifoReader(fifo)
    write_atomic(link, "through the link\n")
    assert reader.result() == b"through the link\n"
    assert link.is_symlink() and is_fifo(fifo)


def test_write_atomic_through_a_symlink_replaces_the_target_not_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "out.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"]  # no temp left


def test_check_writable_accepts_a_fifo(fifo: Path) -> None:
    check_writable(fifo)  # must neither raise nor open it (opening would block)


@real_inputs
def test_analyze_json_into_a_fifo(fifo: Path) -> None:
    """The whole command: `analyze IMAGE --json FIFO` writes the report into the FIFO."""
    reader = FifoReader(fifo)
    args = build_parser().parse_args(
        ["analyze", str(sorted((FRONTAL / "upright").iterdir())[0]), "--json", str(fifo)])
    assert args.func(args) == 0
    report = json.loads(reader.result())
    assert report["still"] is True and len(report["frames"]) == 1
    assert is_fifo(fifo)


@real_inputs
def test_calibrate_out_into_a_fifo(fifo: Path) -> None:
    reader = FifoReader(fifo)
    args = build_parser().parse_args(
        ["calibrate", "--source", str(FRONTAL / "upright"), "--out", str(fifo)])
    assert args.func(args) == 0
    assert json.loads(reader.result())["version"] >= 1
    assert is_fifo(fifo)


WRITE_THEN_PRINT = """
import sys
from pathlib import Path
from posturewatch.storage.atomic import write_atomic
write_atomic(Path(sys.argv[1]), '{"json": 1}\\n')
print("summary")
"""


def test_a_link_to_our_own_stdout_writes_to_stdout(tmp_path: Path) -> None:
    """`--json /dev/stdout > out.txt`: /dev/stdout leads to out.txt through
    /proc/self/fd/1. Replacing out.txt would orphan the shell's descriptor and lose what
    is printed after; the output goes to stdout instead. (A link in tmp_path to
    /proc/self/fd/1 stands in for /dev/stdout.)"""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        subprocess.run([sys.executable, "-c", WRITE_THEN_PRINT, str(link)], stdout=stdout,
                       check=True, timeout=60)
    assert out.read_text() == '{"json": 1}\nsummary\n'


@real_inputs
def test_analyze_json_to_our_own_stdout_prints_the_json_alone(tmp_path: Path) -> None:
    """`analyze IMAGE --json /dev/stdout > out.json` behaves like `--json -`: the file is
    the JSON report and nothing else, so it can be piped."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    image = sorted((FRONTAL / "upright").iterdir())[0]
    out = tmp_path / "out.json"
    with out.open("w") as stdout:
        subprocess.run([sys.executable, "-m", "posturewatch", "analyze", str(image),
                        "--json", str(link)], stdout=stdout, check=True, timeout=120)
    assert json.loads(out.read_text())["frames"][0]["state"] in ("upright", "slouched")


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system: a small tmpfs mounted ``ro`` (needs root, which CI
    and these machines run as)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_disk_is_named_as_such_not_as_no_permission(
    read_only_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import assert_one_line_error, run_cli

    monkeypatch.setenv("XDG_DATA_HOME", str(read_only_disk / "data"))  # calibrate's default
    for argv in (["calibrate", "--source", "me.mp4"],
                 ["calibrate", "--source", "me.mp4", "--out", read_only_disk / "me.json"]):
        result = run_cli(*argv, check=False)
        assert result.returncode == 7
        assert_one_line_error(result, f"{read_only_disk} is on a read-only file system",
                              "remount it read-write")
        assert "permission" not in result.stderr
