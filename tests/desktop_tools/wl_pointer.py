"""Clicks on a headless Wayland compositor, as a pointer its panel sees: sway (wlroots) through
zwlr_virtual_pointer_manager_v1, KWin through org_kde_kwin_fake_input (KWin started with
KWIN_WAYLAND_NO_PERMISSION_CHECKS=1). Pure Python, the Wayland wire protocol by hand.

    python wl_pointer.py X,Y,BUTTON[,PAUSE] ...     (BUTTON: left, right or none)

Screen 1024x768. One pointer for all steps, so a menu opened by one click stays open for
the next."""

import os
import socket
import struct
import sys
import time

BUTTONS = {"left": 0x110, "right": 0x111}
W, H = 1024, 768


class Connection:
    def __init__(self) -> None:
        path = os.path.join(os.environ["XDG_RUNTIME_DIR"], os.environ["WAYLAND_DISPLAY"])
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.buffer, self.next_id = b"", 2

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def send(self, obj: int, opcode: int, payload: bytes = b"") -> None:
        self.sock.sendall(struct.pack("<II", obj, ((8 + len(payload)) << 16) | opcode) + payload)

    def roundtrip(self, on_event=lambda obj, op, payload: None) -> None:  # type: ignore[no-untyped-def]
        done = self.new_id()
        self.send(1, 0, struct.pack("<I", done))
        while True:
            while len(self.buffer) < 8 or \
                    len(self.buffer) < struct.unpack_from("<I", self.buffer, 4)[0] >> 16:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise SystemExit("the compositor closed the connection")
                self.buffer += chunk
            obj, size_op = struct.unpack_from("<II", self.buffer)
            payload, self.buffer = self.buffer[8:size_op >> 16], self.buffer[size_op >> 16:]
            if obj == done:
                return
            if obj == 1 and size_op & 0xFFFF == 0:
                raise SystemExit(f"Wayland error: {payload!r}")
            on_event(obj, size_op & 0xFFFF, payload)


def string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("<I", len(data)) + data + b"\0" * (-len(data) % 4)


def main(steps: list[str]) -> None:
    c = Connection()
    registry = c.new_id()
    c.send(1, 1, struct.pack("<I", registry))
    found: dict[str, tuple[int, int]] = {}

    def on_global(obj: int, op: int, payload: bytes) -> None:
        if obj == registry and op == 0:
            size = struct.unpack_from("<I", payload, 4)[0]
            interface = payload[8:8 + size - 1].decode()
            found[interface] = (struct.unpack_from("<I", payload)[0],
                                struct.unpack_from("<I", payload, 8 + ((size + 3) & ~3))[0])

    c.roundtrip(on_global)
    now = lambda: int(time.monotonic() * 1000) & 0xFFFFFFFF  # noqa: E731
    if "zwlr_virtual_pointer_manager_v1" in found:
        name, _ = found["zwlr_virtual_pointer_manager_v1"]
        manager, pointer = c.new_id(), 0
        c.send(registry, 0, struct.pack("<I", name) + string("zwlr_virtual_pointer_manager_v1")
               + struct.pack("<II", 1, manager))
        pointer = c.new_id()
        c.send(manager, 0, struct.pack("<II", 0, pointer))  # create_virtual_pointer(no seat)

        def move(x: int, y: int) -> None:
            c.send(pointer, 1, struct.pack("<IIIII", now(), x, y, W, H))  # motion_absolute
            c.send(pointer, 4)  # frame

        def button(code: int, pressed: bool) -> None:
            c.send(pointer, 2, struct.pack("<III", now(), code, int(pressed)))
            c.send(pointer, 4)
    elif "org_kde_kwin_fake_input" in found:
        name, version = found["org_kde_kwin_fake_input"]
        pointer = c.new_id()
        c.send(registry, 0, struct.pack("<I", name) + string("org_kde_kwin_fake_input")
               + struct.pack("<II", min(version, 4), pointer))
        c.send(pointer, 0, string("posturewatch tests") + string("clicks in the panel"))

        def move(x: int, y: int) -> None:
            c.send(pointer, 9, struct.pack("<ii", x * 256, y * 256))  # pointer_motion_absolute

        def button(code: int, pressed: bool) -> None:
            c.send(pointer, 2, struct.pack("<II", code, int(pressed)))
    else:
        raise SystemExit("the compositor offers no virtual pointer")
    c.roundtrip()
    time.sleep(0.3)  # clients bind the new pointer
    for step in steps:
        x, y, which, *pause = step.split(",")
        move(int(x), int(y))
        c.roundtrip()
        time.sleep(0.15)
        if which != "none":
            button(BUTTONS[which], True)
            c.roundtrip()
            time.sleep(0.05)
            button(BUTTONS[which], False)
            c.roundtrip()
        print("clicked", which, "at", x, y, flush=True)
        time.sleep(float(pause[0]) if pause else 0.5)
    time.sleep(float(os.environ.get("HOLD", "0.3")))


main(sys.argv[1:])
