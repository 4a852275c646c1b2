"""The windows of a wlroots compositor (sway, Hyprland, labwc, river ...) and their states,
through its ``zwlr_foreign_toplevel_manager_v1`` list: how a Wayland app learns that another
app is full screen. GNOME's mutter and KDE's KWin do not offer the list.

Pure Python: it speaks the Wayland wire protocol over the compositor's unix socket (a few
dozen bytes each way), so no libwayland binding is needed. One connection per call.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass, field

MANAGER = "zwlr_foreign_toplevel_manager_v1"
STATES = {0: "maximized", 1: "minimized", 2: "activated", 3: "fullscreen"}
TIMEOUT_S = 2.0
DISPLAY_ID = 1  # wl_display is always object 1


@dataclass
class Toplevel:
    title: str | None = None
    app_id: str | None = None
    states: list[str] = field(default_factory=list)
    closed: bool = False


def _string(payload: bytes, offset: int = 0) -> str | None:
    size = struct.unpack_from("<I", payload, offset)[0]
    return payload[offset + 4:offset + 3 + size].decode(errors="replace") if size else None


def _string_arg(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("<I", len(data)) + data + b"\0" * (-len(data) % 4)


class _Connection:
    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT_S)
        self.sock.connect(path)
        self.buffer = b""
        self.next_id = 2

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def send(self, obj: int, opcode: int, payload: bytes = b"") -> None:
        self.sock.sendall(struct.pack("<II", obj, ((8 + len(payload)) << 16) | opcode) + payload)

    def sync(self) -> int:
        callback = self.new_id()
        self.send(DISPLAY_ID, 0, struct.pack("<I", callback))  # wl_display.sync
        return callback

    def receive(self) -> tuple[int, int, bytes]:
        while len(self.buffer) < 8 or \
                len(self.buffer) < struct.unpack_from("<I", self.buffer, 4)[0] >> 16:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the compositor closed the connection")
            self.buffer += chunk
        obj, size_op = struct.unpack_from("<II", self.buffer)
        size = size_op >> 16
        payload, self.buffer = self.buffer[8:size], self.buffer[size:]
        if obj == DISPLAY_ID and size_op & 0xFFFF == 0:
            raise ConnectionError(f"Wayland error: {payload!r}")
        return obj, size_op & 0xFFFF, payload

    def close(self) -> None:
        self.sock.close()


def _socket_path() -> str | None:
    name = os.environ.get("WAYLAND_DISPLAY", "")
    if not name:
        return None
    if os.path.isabs(name):
        return name
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    return os.path.join(runtime, name) if runtime else None


def toplevels() -> list[Toplevel] | None:
    """The open windows, or None where there is no Wayland compositor or it does not
    offer the list."""
    path = _socket_path()
    if path is None:
        return None
    try:
        connection = _Connection(path)
    except OSError:
        return None
    try:
        return _read(connection)
    except (OSError, ConnectionError, struct.error):
        return None
    finally:
        connection.close()


def _read(c: _Connection) -> list[Toplevel] | None:
    registry = c.new_id()
    c.send(DISPLAY_ID, 1, struct.pack("<I", registry))  # wl_display.get_registry
    done = c.sync()
    manager: tuple[int, int] | None = None
    while True:
        obj, opcode, payload = c.receive()
        if obj == done:
            break
        if obj == registry and opcode == 0:  # wl_registry.global(name, interface, version)
            name = struct.unpack_from("<I", payload)[0]
            if _string(payload, 4) == MANAGER:
                size = struct.unpack_from("<I", payload, 4)[0]
                version = struct.unpack_from("<I", payload, 8 + ((size + 3) & ~3))[0]
                manager = (name, version)
    if manager is None:
        return None
    bound = c.new_id()
    c.send(registry, 0, struct.pack("<I", manager[0]) + _string_arg(MANAGER)
           + struct.pack("<II", min(manager[1], 2), bound))  # wl_registry.bind
    windows: dict[int, Toplevel] = {}
    # two round trips: the first brings the handles, the second their titles and states
    for _ in range(2):
        done = c.sync()
        while True:
            obj, opcode, payload = c.receive()
            if obj == done:
                break
            if obj == bound and opcode == 0:  # manager.toplevel(new handle)
                windows[struct.unpack_from("<I", payload)[0]] = Toplevel()
            elif obj in windows:
                window = windows[obj]
                if opcode == 0:
                    window.title = _string(payload)
                elif opcode == 1:
                    window.app_id = _string(payload)
                elif opcode == 4:
                    size = struct.unpack_from("<I", payload)[0]
                    window.states = [STATES.get(v, str(v)) for v in
                                     struct.unpack_from(f"<{size // 4}I", payload, 4)]
                elif opcode == 6:
                    window.closed = True
    return [w for w in windows.values() if not w.closed]
