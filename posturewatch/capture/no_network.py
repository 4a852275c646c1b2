"""No network for posturewatch's processes: kernel-enforced blocks on Linux.

MediaPipe 1.x carries Google's "clearcut" usage logger: its native code looks up and
contacts ``play.googleapis.com`` on its own threads, with no documented switch to stop it
(google-ai-edge/mediapipe issue 6291). posturewatch promises that nothing leaves the
machine but the explicit, verified model download, so a promise in Python is not enough:
a seccomp filter in the kernel, for every thread of the process at once
(``SECCOMP_FILTER_FLAG_TSYNC``) and for every child it starts, refuses the system calls
that could reach out. Two strengths:

- :func:`forbid_sockets`, for the pose worker (``capture/pose_worker.py``), the one
  process that runs MediaPipe: no socket of any family (``socket`` and ``socketpair``
  fail with EACCES). A local socket is a way out too: glibc asks nscd over
  ``/var/run/nscd/socket`` and nss-resolve asks systemd-resolved over its own, and either
  resolves the name on the network; so that process can reach no resolver whatever the
  system's name service is.
- :func:`forbid`, for the processes around it (``run`` needs D-Bus, X11 and its control
  socket; all are ``AF_UNIX``): only ``AF_UNIX`` and ``AF_NETLINK`` sockets, so no internet
  or raw socket can exist there either (say OpenCV's FFmpeg given a URL). Defence in depth:
  the model does not run in them.

Both also refuse ``io_uring`` (which can open and connect sockets without the ``socket``
syscall), the x32 and 32-bit system call tables (other numbers for the same calls) and
``pidfd_getfd`` (a copy of another process's socket).

A filter cannot be lifted for the life of the process (and sets ``no_new_privs``: a set-uid
program started from it gains no privileges). So it goes in right before the model loads,
after any download (``resolve_model`` runs first). Programs that are not ours and that the
monitor opens for the user (the browser for the summary, an editor for the config) must not
inherit it: :func:`keep_a_way_out` starts a small launcher (``capture/outside.py``) before
the block, and :func:`start_outside` hands it commands, of which it starts only the few
shapes posturewatch sends. Elsewhere (macOS, Windows) there is no such filter; a block says
so in the log and the guarantee there is the user's firewall (see docs/PRIVACY.md).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import platform
import select
import shlex
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import NamedTuple

from posturewatch.errors import ModelError

log = logging.getLogger(__name__)

# <linux/filter.h>, <linux/seccomp.h>, <linux/audit.h>
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_PR_SET_NO_NEW_PRIVS = 38
_SET_MODE_FILTER = 1
_FILTER_FLAG_TSYNC = 1
_EACCES, _ENOSYS = 13, 38
_X32_BIT = 0x40000000


class _Machine(NamedTuple):
    arch: int  # AUDIT_ARCH_*
    seccomp: int
    socket: int
    socketpair: int
    io_uring: tuple[int, ...]  # setup, enter, register
    pidfd_getfd: int


_ARCHES = {
    "x86_64": _Machine(0xC000003E, 317, 41, 53, (425, 426, 427), 438),
    "aarch64": _Machine(0xC00000B7, 277, 198, 199, (425, 426, 427), 438),
}
LOCAL_FAMILIES = (getattr(socket, "AF_UNIX", 1), getattr(socket, "AF_NETLINK", 16))
_STRENGTH = {"local": 1, "none": 2}  # what sockets a process may still make

_installed: str | None = None  # the strongest filter this process has taken
_launcher: subprocess.Popen[str] | None = None
_launcher_lock = threading.Lock()


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def program(machine: str, families: tuple[int, ...] = LOCAL_FAMILIES
            ) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) rows for ``machine`` (``platform.machine()``):
    sockets of ``families`` only (none at all, socketpair included, when empty)."""
    calls = _ARCHES[machine]
    allow = (_RET_K, 0, 0, _RET_ALLOW)
    refuse = (_RET_K, 0, 0, _RET_ERRNO | _EACCES)
    absent = (_RET_K, 0, 0, _RET_ERRNO | _ENOSYS)
    rows: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_JEQ_K, 1, 0, calls.arch),
        absent,  # another system call table (32-bit): nothing of ours uses one
        (_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if machine == "x86_64":
        rows += [(_JGE_K, 0, 1, _X32_BIT), absent]  # the x32 table
    for number in calls.io_uring:
        rows += [(_JEQ_K, 0, 1, number), absent]
    rows += [(_JEQ_K, 0, 1, calls.pidfd_getfd), refuse]
    if not families:
        return [*rows, (_JEQ_K, 0, 1, calls.socket), refuse,
                (_JEQ_K, 0, 1, calls.socketpair), refuse, allow]
    rows += [
        (_JEQ_K, 1, 0, calls.socket),
        allow,
        (_LD_W_ABS, 0, 0, 16),  # args[0], the family (an int: the low word, little-endian)
    ]
    for family in families:
        rows += [(_JEQ_K, 0, 1, family), allow]
    rows.append(refuse)
    return rows


def forbid() -> None:
    """Block every non-local socket in this process and its children from now on, for
    good: the processes around the pose worker. Once per process; on Linux a failure is a
    :class:`ModelError` (nothing runs unguarded), elsewhere a note in the log."""
    _install("local", LOCAL_FAMILIES,
             "network blocked for this process: only local (AF_UNIX, netlink) sockets")


def forbid_sockets() -> None:
    """Block every socket, local ones too, in this process and its children from now on,
    for good: the pose worker, before MediaPipe is imported."""
    _install("none", (), "every socket blocked for this process (the pose model's)")


def _install(strength: str, families: tuple[int, ...], done: str) -> None:
    global _installed
    if _installed is not None and _STRENGTH[_installed] >= _STRENGTH[strength]:
        return
    if sys.platform != "linux":
        log.info("no kernel network block on %s: the pose library's usage logger is "
                 "stopped only by a firewall there", sys.platform)
        _installed = strength
        return
    machine = platform.machine()
    if machine not in _ARCHES:
        raise _cannot(f"no filter is written for the {machine} processor")
    rows = program(machine, families)
    instructions = (_Instruction * len(rows))(*(_Instruction(*row) for row in rows))
    prog = _Program(len(rows), instructions)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _cannot(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {_errno()}")
    result = libc.syscall(ctypes.c_long(_ARCHES[machine].seccomp),
                          ctypes.c_long(_SET_MODE_FILTER), ctypes.c_long(_FILTER_FLAG_TSYNC),
                          ctypes.byref(prog))
    if result < 0:
        raise _cannot(f"seccomp() failed: {_errno()}")
    if result > 0:  # TSYNC: the thread that could not take the filter
        raise _cannot(f"thread {result} could not take the seccomp filter")
    _installed = strength
    log.info(done)


def keep_a_way_out(config_file: Path | None = None) -> None:
    """Before :func:`forbid`: start the launcher that :func:`start_outside` uses, so the
    programs it opens for the user keep their network. It starts only what posturewatch
    sends it (``capture/outside.py``): ``posturewatch report`` and ``guidance`` of this
    interpreter, and, given ``config_file``, the editor ($VISUAL) or the desktop's opener
    on that file. Linux only (elsewhere no block)."""
    global _launcher
    if sys.platform != "linux" or _installed is not None or _launcher is not None:
        return
    visual = os.environ.get("VISUAL")
    policy = {"python": sys.executable,
              "config": str(config_file) if config_file is not None else None,
              "editors": [["xdg-open"], *([shlex.split(visual)] if visual else [])]}
    _launcher = subprocess.Popen(
        [sys.executable, "-I", "-S", str(Path(__file__).with_name("outside.py")),
         json.dumps(policy)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, close_fds=True)


def start_outside(argv: list[str]) -> None:
    """Start ``argv`` (a browser, an editor: not ours) without this process's network
    block, through the launcher if there is one; not waited for. A command the launcher
    does not start for posturewatch is refused with one line in the log. OSError if it
    cannot be started."""
    with _launcher_lock:
        launcher = _launcher
        if launcher is not None and launcher.poll() is None:
            try:
                answer = _ask(launcher, argv)
            except OSError as exc:
                log.warning("the launcher is gone (%s): %s starts without network",
                            exc, argv[0])
            else:
                if answer.startswith("refused: "):
                    log.warning("not started outside the network block: %s (%s)",
                                json.dumps(argv)[:300], answer.removeprefix("refused: "))
                elif answer != "started":
                    raise OSError(answer.removeprefix("failed: "))
                return
        elif _installed and sys.platform == "linux":
            log.warning("no launcher: %s starts without network", argv[0])
    subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)


def _ask(launcher: subprocess.Popen[str], argv: list[str]) -> str:
    """Send one command, read the launcher's one-line answer (it says at once)."""
    assert launcher.stdin is not None and launcher.stdout is not None
    launcher.stdin.write(json.dumps(argv) + "\n")
    launcher.stdin.flush()
    ready, _, _ = select.select([launcher.stdout], [], [], 10.0)
    answer = launcher.stdout.readline().strip() if ready else ""
    if not answer:
        raise OSError("no answer")
    return answer


def close_the_way_out() -> None:
    """End the launcher (the programs it started go on)."""
    global _launcher
    with _launcher_lock:
        if _launcher is None:
            return
        launcher, _launcher = _launcher, None
    if launcher.stdin is not None:
        launcher.stdin.close()
    try:
        launcher.wait(timeout=5)
    except subprocess.TimeoutExpired:
        launcher.kill()
        launcher.wait()
    if launcher.stdout is not None:
        launcher.stdout.close()


def _errno() -> str:
    return os.strerror(ctypes.get_errno())


def _cannot(reason: str) -> ModelError:
    return ModelError(
        f"cannot block network access for the pose model ({reason})",
        "posturewatch runs the model only with the network blocked on Linux; it needs a "
        "kernel with seccomp filters (3.17 or later) on x86_64 or aarch64",
    )
