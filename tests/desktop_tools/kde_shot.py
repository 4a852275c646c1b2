"""A PNG of a KDE Plasma 5.27 (KWin Wayland) screen through org.kde.KWin.ScreenShot2
(KWin started with KWIN_SCREENSHOT_NO_PERMISSION_CHECKS=1). It hangs while the screen is
locked: call it with a timeout.   python kde_shot.py PATH"""

import asyncio
import os
import sys

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus
from PIL import Image


async def main(path: str) -> None:
    bus = await MessageBus(negotiate_unix_fd=True).connect()
    read, write = os.pipe()
    reply = await bus.call(Message(
        destination="org.kde.KWin", path="/org/kde/KWin/ScreenShot2",
        interface="org.kde.KWin.ScreenShot2", member="CaptureArea", signature="iiuua{sv}h",
        body=[0, 0, 1024, 768, {}, 0], unix_fds=[write]))
    os.close(write)
    if reply.message_type == MessageType.ERROR:
        sys.exit(f"{reply.error_name}: {reply.body}")
    meta = {k: v.value for k, v in reply.body[0].items()}
    chunks = []
    while chunk := await asyncio.get_running_loop().run_in_executor(None, os.read, read, 1 << 20):
        chunks.append(chunk)
    os.close(read)
    # QImage ARGB32 (premultiplied) or RGB32: little-endian BGRA bytes
    image = Image.frombuffer("RGBA", (meta["width"], meta["height"]), b"".join(chunks), "raw",
                             "BGRA", meta["stride"], 1)
    image.convert("RGB").save(path)


asyncio.run(main(sys.argv[1]))
