"""Native log silencing: it falls back when the null device cannot be opened, and a fatal
native error (an abort in MediaPipe, say) still leaves a line on the real stderr."""

from __future__ import annotations

import faulthandler
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from posturewatch.capture import native_logs


@pytest.fixture
def restored_stderr() -> Iterator[None]:
    """Whatever the code under test does to fd 2, sys.stderr and faulthandler is undone."""
    saved_fd, saved_stream = os.dup(2), sys.stderr
    was_enabled = faulthandler.is_enabled()
    try:
        yield
    finally:
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        sys.stderr = saved_stream
        faulthandler.disable()
        if was_enabled:
            faulthandler.enable(file=sys.__stderr__)


def test_null_device_that_cannot_be_opened_falls_back(
    restored_stderr: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def refusing_open(path: str, *args: int, **kwargs: int) -> int:
        if path == os.devnull:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(native_logs, "_silenced", False)
    before, stream = os.fstat(2), sys.stderr
    native_logs.silence_native_stderr()  # must not raise
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)  # fd 2 untouched
    assert sys.stderr is stream


def test_silencing_twice_keeps_the_real_stderr(restored_stderr: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A second call (main() run twice in one process) must not take /dev/null for the
    terminal."""
    monkeypatch.setattr(native_logs, "_silenced", False)
    native_logs.silence_native_stderr()
    first = os.fstat(sys.stderr.fileno())
    native_logs.silence_native_stderr()
    second = os.fstat(sys.stderr.fileno())
    assert (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


FATAL = """
import os
from posturewatch.capture.native_logs import silence_native_stderr
silence_native_stderr()
os.write(2, b"native chatter the user need not see\\n")
os.abort()  # what a failed check in MediaPipe's C++ does
"""


def test_fatal_native_error_leaves_a_line_on_the_real_stderr() -> None:
    result = subprocess.run([sys.executable, "-c", FATAL], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "native chatter" not in result.stderr  # still silenced
    assert result.stderr.splitlines()[0] == "Fatal Python error: Aborted", result.stderr
