"""The pose model's own process: MediaPipe runs where it can reach nothing.

A process that may open local sockets can still reach the network through a local
resolver (nscd, systemd-resolved: see ``no_network``), and ``run`` and any command with a
window need local sockets (D-Bus, X11, the control socket). So MediaPipe runs in a worker
process of its own (:func:`main`, run by this interpreter), started with nothing inherited
but three pipes to its parent (``close_fds``: not the launcher's pipe, not a socket). Before
it imports MediaPipe or opens the model file it takes ``no_network.forbid_sockets``: no
socket of any family, for good. Frames come in on one pipe, landmarks go out on the other;
its stderr (native and Python messages) goes to the parent's log. It ends when its parent
closes the pipe, or dies.

The exchange, in this machine's byte order (parent and worker are one machine):

- request: ``op`` (``d`` detect, ``f`` fresh look), ``t`` (float64 seconds), height and
  width (uint32), then height x width x 3 bytes of RGB;
- answer: ``kind`` and a count (uint32): ``R`` ready, ``N`` nobody found, ``L`` and that
  many (x, y, visibility) float64 rows, ``E`` and that many bytes of an error as JSON
  (``problem``, ``fix``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np

from posturewatch.errors import ModelError, PostureWatchError

if TYPE_CHECKING:
    from posturewatch.core.typed_settings import PoseSettings

log = logging.getLogger(__name__)

REQUEST = struct.Struct("=cdII")
ANSWER = struct.Struct("=cI")
_MOST_PIXELS = 1 << 26  # a frame larger than 8192 x 8192 is a broken request
_PIPE_BYTES = 1 << 20  # Linux: room for a 640x480 frame in one write (64 KiB by default)
_MAIN = "from posturewatch.capture.pose_worker import main; main()"


class WorkerGone(Exception):
    """The worker ended, or its pipes broke; ``str()`` says how."""


class Worker:
    """The parent's end: starts the worker and waits until its model is loaded (a
    :class:`ModelError` if it cannot be), then answers :meth:`ask` one frame at a time."""

    def __init__(self, model_path: Path, settings: PoseSettings, *, video: bool) -> None:
        spec = {"model": os.fspath(model_path), "video": video,
                "settings": [settings.min_detection_confidence,
                             settings.min_presence_confidence,
                             settings.min_tracking_confidence],
                "log_level": logging.getLogger().getEffectiveLevel()}
        self._said: deque[str] = deque(maxlen=20)  # its last stderr lines, for an ending
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _MAIN, json.dumps(spec)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                close_fds=True, bufsize=0)
        except OSError as exc:
            raise ModelError(f"cannot start the pose model's process: {exc}",
                             "check that this Python can run: " + sys.executable) from None
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._to, self._from = self._process.stdin, self._process.stdout
        for pipe in (self._to, self._from):
            _widen(pipe.fileno())
        self._relay = threading.Thread(target=self._relay_stderr, name="pose-worker-log",
                                       args=(self._process.stderr,), daemon=True)
        self._relay.start()
        try:
            kind, payload = self._answer()
        except WorkerGone as exc:
            self.close()
            raise ModelError(f"the pose model's process ended at start ({exc})",
                             "see the log (--log-level debug) for what it said") from None
        except BaseException:  # Ctrl-C while it loads: it ends once the pipe is closed
            self.close()
            raise
        if kind == b"E":
            self.close()
            error = json.loads(payload)
            raise ModelError(error["problem"], error["fix"])
        self.pid = self._process.pid

    def ask(self, op: bytes, rgb: np.ndarray, t: float) -> np.ndarray | None:
        """The worker's rows for ``rgb`` (``op`` b"d": detect at ``t``; b"f": a fresh
        look), or None; :class:`WorkerGone` if it is gone."""
        frame = np.ascontiguousarray(rgb, dtype=np.uint8)
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"an RGB frame is height x width x 3, not {frame.shape}")
        height, width = frame.shape[:2]
        try:
            _write(self._to, REQUEST.pack(op, t, height, width))
            _write(self._to, memoryview(frame).cast("B"))
        except OSError as exc:
            raise WorkerGone(self._ending(exc)) from None
        kind, payload = self._answer()
        if kind == b"L":
            return np.frombuffer(payload, dtype=np.float64).reshape(-1, 3)
        if kind == b"N":
            return None
        error = json.loads(payload) if kind == b"E" else {"problem": f"answer {kind!r}"}
        raise RuntimeError(f"pose model: {error['problem']}")

    def _answer(self) -> tuple[bytes, bytes]:
        try:
            kind, count = ANSWER.unpack(_read(self._from, ANSWER.size))
            size = 8 * 3 * count if kind == b"L" else count if kind == b"E" else 0
            return kind, _read(self._from, size)
        except (OSError, EOFError) as exc:
            raise WorkerGone(self._ending(exc)) from None

    def _ending(self, exc: BaseException) -> str:
        """How the worker ended, and the last thing it said."""
        try:
            code = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"its pipe broke: {exc or type(exc).__name__}"
        how = (f"killed by {signal.Signals(-code).name}" if code < 0 and -code in
               signal.valid_signals() else f"exit status {code}")
        self._relay.join(timeout=1)
        said = next((line for line in reversed(self._said) if line.strip()), "")
        return f"{how}; it said: {said}" if said else how

    def _relay_stderr(self, stderr: io.RawIOBase) -> None:
        """Its native and Python messages, into this process's log (its own log lines
        arrive as ``LEVEL message``)."""
        for raw in io.TextIOWrapper(stderr, encoding="utf-8", errors="backslashreplace"):
            line = raw.rstrip("\n")
            self._said.append(line)
            level, _, message = line.partition(" ")
            if level.isdigit():
                log.log(int(level), "pose model: %s", message)
            else:
                log.debug("pose model: %s", line)

    def close(self) -> None:
        """Close its pipe (it ends, freeing the model) and wait; kill it if it will not."""
        process = self._process
        if process.stdin is not None and not process.stdin.closed:
            try:
                process.stdin.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._relay.join(timeout=1)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def _write(pipe: io.RawIOBase, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = pipe.write(view)
        if not written:
            raise BrokenPipeError("nothing written")
        view = view[written:]


def _read(pipe: io.RawIOBase, size: int) -> bytes:
    data = bytearray(size)
    _read_into(pipe, memoryview(data))
    return bytes(data)


def _read_into(pipe: io.RawIOBase, view: memoryview) -> None:
    done = 0
    while done < len(view):
        got = pipe.readinto(view[done:])
        if not got:
            raise EOFError("the pipe closed")
        done += got


def _widen(fd: int) -> None:
    """A 640x480 frame in one write instead of 15 (Linux; elsewhere as it is)."""
    try:
        import fcntl  # POSIX only

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass


# The worker's side.

def _protocol_pipes() -> tuple[io.FileIO, io.FileIO]:
    """Descriptors 0 and 1 moved out of the way: a native library that prints to stdout
    (or reads stdin) cannot break the exchange."""
    into, out = os.dup(0), os.dup(1)  # not inheritable
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    return io.FileIO(into, "rb"), io.FileIO(out, "wb")


def _send(out: io.FileIO, kind: bytes, payload: bytes = b"", count: int | None = None) -> None:
    _write(out, ANSWER.pack(kind, len(payload) if count is None else count) + payload)


def _error(out: io.FileIO, problem: str, fix: str = "") -> None:
    _send(out, b"E", json.dumps({"problem": problem, "fix": fix}).encode())


def serve(spec: dict, into: io.FileIO, out: io.FileIO) -> int:
    """Block every socket, load the model, then answer frames until the pipe closes."""
    from posturewatch.capture import no_network
    from posturewatch.core.typed_settings import PoseSettings

    try:
        no_network.forbid_sockets()  # before MediaPipe is imported or the model opened
        from posturewatch.capture.landmarker import Landmarker

        landmarker = Landmarker(Path(spec["model"]), PoseSettings(*spec["settings"]),
                                video=spec["video"])
    except PostureWatchError as exc:
        _error(out, exc.problem, exc.fix)
        return 1
    with landmarker:
        _send(out, b"R")
        frame = np.empty((0, 0, 3), np.uint8)
        while True:
            try:
                header = _read(into, REQUEST.size)
            except EOFError:
                return 0
            op, t, height, width = REQUEST.unpack(header)
            if op not in (b"d", b"f") or height * width > _MOST_PIXELS:
                _error(out, f"a broken request ({op!r}, {height} x {width})")
                return 2
            if frame.shape != (height, width, 3):
                frame = np.empty((height, width, 3), np.uint8)
            _read_into(into, memoryview(frame).cast("B"))
            try:
                rows = landmarker.detect(frame, t) if op == b"d" else landmarker.fresh_look(frame)
            except (RuntimeError, ValueError) as exc:  # MediaPipe's: said, and go on
                _error(out, f"{type(exc).__name__}: {exc}")
                continue
            if rows is None:
                _send(out, b"N")
            else:
                _send(out, b"L", rows.astype(np.float64).tobytes(), count=len(rows))


def main() -> NoReturn:
    # Ctrl-C, or a SIGTERM to the whole process group, is for the parent: it ends the
    # worker by closing the pipe (so a stop is not taken for a crash and a restart).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    spec = json.loads(sys.argv[1])
    logging.basicConfig(level=spec["log_level"], stream=sys.stderr,
                        format="%(levelno)d %(message)s")
    import faulthandler

    faulthandler.enable()  # a native crash: Python's stack to the parent's log
    into, out = _protocol_pipes()
    try:
        code = serve(spec, into, out)
    except (EOFError, BrokenPipeError):
        code = 0  # the parent is gone
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)  # nothing left to tidy: skip the interpreter's teardown (about 50 ms)


if __name__ == "__main__":
    main()
