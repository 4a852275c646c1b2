"""A stand-in org.gnome.DisplayManager on the private "system" bus: GNOME Shell 43 offers its
lock screen (and org.gnome.ScreenSaver) only when GDM 3.5.91 or later answers there."""

import asyncio

from dbus_fast import BusType, PropertyAccess
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_property, method


class Manager(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.gnome.DisplayManager.Manager")

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> "s":  # noqa: F821
        return "43.0"

    @method()
    def RegisterSession(self, details: "a{sv}"):  # noqa: F722
        pass


async def main() -> None:
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    bus.export("/org/gnome/DisplayManager/Manager", Manager())
    await bus.request_name("org.gnome.DisplayManager")
    print("READY", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
