"""Pointer clicks and screenshots in a headless GNOME Shell 43, through
org.gnome.Mutter.RemoteDesktop and org.gnome.Shell.Screenshot.

    python gnome_input.py STEP...

Each STEP is ``shot:PATH`` (a PNG of the screen), ``find:RRGGBB`` (the centre of that
colour in the top bar becomes the anchor), ``click:X,Y[,BUTTON[,rel]]`` (BUTTON left, right
or none: just move there; ``rel``: X,Y from the anchor) or ``sleep:SECONDS``; all in one
RemoteDesktop session, which lives as long as this connection (GNOME shows a screen-sharing
indicator in the top bar meanwhile, shifting tray icons left: hence ``find`` in the same
run). The
Screenshot API answers only callers owning an allow-listed name: we own
org.gnome.Screenshot, as gnome-screenshot does (one such caller at a time)."""

import asyncio
import os
import sys
import tempfile

from dbus_fast.aio import MessageBus

BUTTONS = {"left": 0x110, "right": 0x111}  # evdev BTN_*
W, H = 1024, 768


async def proxy(bus, name, path, interface):  # type: ignore[no-untyped-def]
    return bus.get_proxy_object(name, path, await bus.introspect(name, path)) \
        .get_interface(interface)


async def find(shooter, colour: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from PIL import Image

    path = os.path.join(tempfile.mkdtemp(), "find.png")
    await shooter.call_screenshot(False, False, path)
    want = tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))
    with Image.open(path) as image:
        bar = image.convert("RGB").crop((0, 0, W, 32)).load()
    # a tight match: the screen-sharing indicator is orange-yellow, near the slouched icon
    hits = [(x, y) for y in range(32) for x in range(W)
            if all(abs(a - b) <= 20 for a, b in zip(bar[x, y], want))]
    if len(hits) < 20:
        raise SystemExit(f"colour {colour} not in the top bar")
    return sum(x for x, _ in hits) // len(hits), sum(y for _, y in hits) // len(hits)


async def main(steps: list[str]) -> None:
    bus = await MessageBus().connect()
    await bus.request_name("org.gnome.Screenshot")
    shooter = await proxy(bus, "org.gnome.Shell.Screenshot", "/org/gnome/Shell/Screenshot",
                          "org.gnome.Shell.Screenshot")
    session = None
    if any(step.startswith(("click:", "find:")) for step in steps):
        rd = await proxy(bus, "org.gnome.Mutter.RemoteDesktop", "/org/gnome/Mutter/RemoteDesktop",
                         "org.gnome.Mutter.RemoteDesktop")
        path = await rd.call_create_session()
        session = await proxy(bus, "org.gnome.Mutter.RemoteDesktop", path,
                              "org.gnome.Mutter.RemoteDesktop.Session")
        await session.call_start()
        await asyncio.sleep(0.5)  # the indicator appears, the panel lays out again
    anchor = (0, 0)
    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "find":
            anchor = await find(shooter, arg)
            print("found", arg, "at", *anchor, flush=True)
        elif kind == "shot":
            ok, _ = await shooter.call_screenshot(False, False, os.path.abspath(arg))
            print("shot", ok, flush=True)
        elif kind == "sleep":
            await asyncio.sleep(float(arg))
        elif kind == "click":
            x, y, *rest = arg.split(",")
            if rest[1:] == ["rel"]:
                x, y = anchor[0] + int(x), anchor[1] + int(y)
            # the pointer is parked bottom right (top left is the overview's hot corner),
            # then moved by the difference: absolute motion needs a stream
            await session.call_notify_pointer_motion_relative(10000.0, 10000.0)
            await asyncio.sleep(0.05)
            await session.call_notify_pointer_motion_relative(float(int(x) - (W - 1)),
                                                              float(int(y) - (H - 1)))
            await asyncio.sleep(0.2)
            button = rest[0] if rest else "left"
            if button != "none":
                await session.call_notify_pointer_button(BUTTONS[button], True)
                await asyncio.sleep(0.05)
                await session.call_notify_pointer_button(BUTTONS[button], False)
            print("clicked", x, y, button, flush=True)
    if session is not None:
        await session.call_stop()
    bus.disconnect()


asyncio.run(main(sys.argv[1:]))
