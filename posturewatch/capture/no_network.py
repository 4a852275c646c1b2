"""No internet for the process that runs the pose model: a kernel-enforced block on Linux.

MediaPipe 1.x carries Google's "clearcut" usage logger: its native code looks up and
contacts ``play.googleapis.com`` on its own threads, with no documented switch to stop it
(google-ai-edge/mediapipe issue 6291). posturewatch promises that nothing leaves the
machine but the explicit, verified model download, so a promise in Python is not enough:
:func:`forbid` installs a seccomp filter in the kernel, for every thread of the process at
once (``SECCOMP_FILTER_FLAG_TSYNC``) and for every child it starts, after which no new
socket can be made except a local one:

- ``socket()`` with any family but ``AF_UNIX`` (the control socket, D-Bus, X11, the
  notification daemon) and ``AF_NETLINK`` (local interface queries) fails with EACCES, so
  no internet or raw socket can exist; an address cannot be reached without one;
- ``io_uring`` (which can open and connect sockets without the ``socket`` syscall) and the
  x32 and 32-bit system call tables (other numbers for the same calls) are refused.

The filter cannot be lifted for the life of the process (and sets ``no_new_privs``:
a set-uid program started from it gains no privileges). So it goes in right before the
model loads, after any download (``resolve_model`` runs first), and only in processes that
load the model. Programs that are not ours and that the monitor opens for the user (the
browser for the summary, an editor for the config) must not inherit it: :func:`keep_a_way_out`
starts a small launcher before the block, and :func:`start_outside` hands them to it. Elsewhere (macOS, Windows) there is no such filter; :func:`forbid` says so
in the log and the guarantee there is the user's firewall (see docs/PRIVACY.md).
"""

from __future__ import annotations

import ctypes
import json
import logging
import platform
import socket
import subprocess
import sys

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

# Per machine: audit arch, seccomp() number, socket() number, io_uring_setup/enter/register.
_ARCHES = {
    "x86_64": (0xC000003E, 317, 41, (425, 426, 427)),
    "aarch64": (0xC00000B7, 277, 198, (425, 426, 427)),
}
_LOCAL_FAMILIES = (getattr(socket, "AF_UNIX", 1), getattr(socket, "AF_NETLINK", 16))

_installed = False
_launcher: subprocess.Popen[str] | None = None

# The launcher: a bare interpreter (no site, no posturewatch) that starts each command it
# is sent, detached, and reaps them; it ends when the monitor closes its stdin or exits.
_LAUNCHER = """
import json, signal, subprocess, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
for line in sys.stdin:
    try:
        subprocess.Popen(json.loads(line), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except (OSError, ValueError) as exc:
        print("posturewatch launcher:", exc, file=sys.stderr, flush=True)
"""


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def program(machine: str) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) rows for ``machine`` (``platform.machine()``)."""
    arch, _, sys_socket, uring = _ARCHES[machine]
    allow = (_RET_K, 0, 0, _RET_ALLOW)
    refuse = (_RET_K, 0, 0, _RET_ERRNO | _EACCES)
    absent = (_RET_K, 0, 0, _RET_ERRNO | _ENOSYS)
    rows: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_JEQ_K, 1, 0, arch),
        absent,  # another system call table (32-bit): nothing of ours uses one
        (_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if machine == "x86_64":
        rows += [(_JGE_K, 0, 1, _X32_BIT), absent]  # the x32 table
    for number in uring:
        rows += [(_JEQ_K, 0, 1, number), absent]
    rows += [
        (_JEQ_K, 1, 0, sys_socket),
        allow,
        (_LD_W_ABS, 0, 0, 16),  # args[0], the family (an int: the low word, little-endian)
    ]
    for family in _LOCAL_FAMILIES:
        rows += [(_JEQ_K, 0, 1, family), allow]
    rows.append(refuse)
    return rows


def forbid() -> None:
    """Block every non-local socket in this process and its children from now on, for
    good. Once per process; on Linux a failure is a :class:`ModelError` (the model is not
    run unguarded), elsewhere a note in the log."""
    global _installed
    if _installed:
        return
    if sys.platform != "linux":
        log.info("no kernel network block on %s: the pose library's usage logger is "
                 "stopped only by a firewall there", sys.platform)
        _installed = True
        return
    machine = platform.machine()
    if machine not in _ARCHES:
        raise _cannot(f"no filter is written for the {machine} processor")
    rows = program(machine)
    instructions = (_Instruction * len(rows))(*(_Instruction(*row) for row in rows))
    prog = _Program(len(rows), instructions)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _cannot(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {_errno()}")
    result = libc.syscall(ctypes.c_long(_ARCHES[machine][1]), ctypes.c_long(_SET_MODE_FILTER),
                          ctypes.c_long(_FILTER_FLAG_TSYNC), ctypes.byref(prog))
    if result < 0:
        raise _cannot(f"seccomp() failed: {_errno()}")
    if result > 0:  # TSYNC: the thread that could not take the filter
        raise _cannot(f"thread {result} could not take the seccomp filter")
    _installed = True
    log.info("network blocked for this process: only local (AF_UNIX, netlink) sockets")


def keep_a_way_out() -> None:
    """Before :func:`forbid`: start the launcher that :func:`start_outside` uses, so the
    programs it opens for the user keep their network. Linux only (elsewhere no block)."""
    global _launcher
    if sys.platform != "linux" or _installed or _launcher is not None:
        return
    _launcher = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _LAUNCHER], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, text=True, close_fds=True)


def start_outside(argv: list[str]) -> None:
    """Start ``argv`` (a browser, an editor: not ours) without this process's network
    block, through the launcher if there is one; not waited for. OSError if it cannot be
    started here."""
    if _launcher is not None and _launcher.poll() is None and _launcher.stdin is not None:
        try:
            _launcher.stdin.write(json.dumps(argv) + "\n")
            _launcher.stdin.flush()
            return
        except OSError as exc:
            log.warning("the launcher is gone (%s): %s starts without network", exc, argv[0])
    elif _installed and sys.platform == "linux":
        log.warning("no launcher: %s starts without network", argv[0])
    subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)


def close_the_way_out() -> None:
    """End the launcher (the programs it started go on)."""
    global _launcher
    if _launcher is None:
        return
    launcher, _launcher = _launcher, None
    if launcher.stdin is not None:
        launcher.stdin.close()
    try:
        launcher.wait(timeout=5)
    except subprocess.TimeoutExpired:
        launcher.kill()


def _errno() -> str:
    import os

    return os.strerror(ctypes.get_errno())


def _cannot(reason: str) -> ModelError:
    return ModelError(
        f"cannot block network access for the pose model ({reason})",
        "posturewatch runs the model only with the network blocked on Linux; it needs a "
        "kernel with seccomp filters (3.17 or later) on x86_64 or aarch64",
    )
