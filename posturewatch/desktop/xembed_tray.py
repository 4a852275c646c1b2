"""The XEmbed system-tray icon (freedesktop System Tray protocol), through python-xlib.

Any X panel hosts it (trayer, tint2, Xfce, LXDE ...). Such hosts show no tooltip and no
menu for an icon, so it draws its own (``xembed_popup``): the tooltip while the pointer is
over it, the menu on a click. Our own, not pystray's XEmbed backend,
which drew the image stretched to whatever the host gave (an oval disc), started as a 1x1
window some hosts keep (a 1-pixel sliver) and asked to be docked again at every update.
Here the window asks for a square, docks once per tray manager (again only when a new one
announces itself), and draws the shape with X's own primitives into the largest centred
square of whatever size the host gives, over the panel's background (ParentRelative), at
every Expose and every state change.

The event loop runs in the calling (main) thread; other threads wake it through a second
connection with a client message, so no Xlib call ever crosses threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from Xlib import X, Xutil, display, error
from Xlib.protocol import event

from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.desktop.tray_look import (
    LOOK,
    STARTING_TOOLTIP,
    MenuActions,
    icon_image,
    menu_entries,
    rgb,
)
from posturewatch.desktop.xembed_popup import Menu, Tooltip

log = logging.getLogger(__name__)

REQUEST_DOCK = 0
START_SIZE = 24  # asked for before the host says; hosts then size it to their panel


def tray_running() -> bool:
    """An X panel owns the system tray selection (an XEmbed host runs)."""
    try:
        d = display.Display()
    except Exception:  # no X server
        return False
    try:
        owner = d.get_selection_owner(d.intern_atom(f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}"))
        return bool(getattr(owner, "id", 0))
    finally:
        d.close()


def _start_action(label: str, action: Callable[[], None]) -> None:
    """A menu entry's action, in a thread of its own (Quit waits for this loop to end)."""
    def run() -> None:
        try:
            action()
        except Exception:  # a failing action must not take the icon down
            log.exception("tray menu %r failed", label)

    log.info("tray menu: %s", label)
    threading.Thread(target=run, name="tray-action", daemon=True).start()


class XEmbedTray:
    backend = "xembed"

    def __init__(self, actions: MenuActions | None = None) -> None:
        self.has_menu = actions is not None
        self._d = display.Display()
        self._waker = display.Display()  # other threads' connection: wake-ups only
        for connection in (self._d, self._waker):  # a window gone mid-draw: no stderr noise
            connection.set_error_handler(
                lambda err, request=None: log.debug("X error (tray icon): %s", err))
        screen = self._d.screen()
        self._root = screen.root
        self._colormap = screen.default_colormap
        atom = self._d.intern_atom
        self._selection = atom(f"_NET_SYSTEM_TRAY_S{self._d.get_default_screen()}")
        self._manager_atom = atom("MANAGER")
        self._opcode = atom("_NET_SYSTEM_TRAY_OPCODE")
        self._wake_atom = atom("_POSTUREWATCH_WAKE")
        xembed_info = atom("_XEMBED_INFO")
        self._root.change_attributes(event_mask=X.StructureNotifyMask)  # MANAGER news
        self._window = self._root.create_window(
            0, 0, START_SIZE, START_SIZE, 0, screen.root_depth, X.InputOutput,
            X.CopyFromParent, background_pixmap=X.ParentRelative,
            event_mask=X.ExposureMask | X.StructureNotifyMask | X.EnterWindowMask
            | X.LeaveWindowMask | X.ButtonPressMask)
        self._window.set_wm_name("posturewatch")
        self._window.set_wm_class("posturewatch", "posturewatch")
        self._window.set_wm_normal_hints(
            flags=Xutil.PSize | Xutil.PMinSize | Xutil.PBaseSize,
            width=START_SIZE, height=START_SIZE, min_width=16, min_height=16,
            base_width=START_SIZE, base_height=START_SIZE)
        self._window.change_property(xembed_info, xembed_info, 32, [0, 1])  # v0, mapped
        self._gc = self._window.create_gc()
        self._pixels: dict[str, int] = {}
        self._lock = threading.Lock()  # the state, between update() and the drawing
        self._waker_lock = threading.RLock()  # a signal handler may land while it is held
        self._state = TrayState.STARTING
        self._title = STARTING_TOOLTIP
        self._stopping = False
        self._closed = False
        self._manager: int | None = None
        self._said_no_tray = False
        self._asked = START_SIZE
        self._tooltip = Tooltip(self._d)
        self._menu = Menu(self._d, menu_entries(actions), _start_action) if actions else None
        self._dock()
        self._d.flush()

    # -- any thread ---------------------------------------------------------------------

    @property
    def showing(self) -> bool:
        return self._manager is not None

    def where(self) -> str:
        if self._manager is None:
            return "no system tray running yet: the icon appears when one starts"
        if self._menu is None:
            return "icon in the system tray (no menu here: use the posturewatch commands)"
        return "icon in the system tray, click it for the menu"

    def update(self, status: Status) -> None:
        with self._lock:
            self._state, self._title = status.state, status.tooltip()
        self._wake()

    def notify(self, title: str, body: str) -> bool:
        return False  # XEmbed has no notifications; the dispatcher logs it instead

    def stop(self) -> None:
        """Also from a signal handler on the main thread: takes no lock the loop holds."""
        self._stopping = True
        self._wake()

    def _wake(self) -> None:
        with self._waker_lock:
            if self._closed:
                return
            try:
                self._waker.send_event(self._window.id, event.ClientMessage(
                    window=self._window.id, client_type=self._wake_atom,
                    data=(32, [0, 0, 0, 0, 0])), event_mask=X.NoEventMask)
                self._waker.flush()
            except (error.XError, error.ConnectionClosedError, OSError) as exc:  # X went away
                log.warning("tray icon update failed: %s", exc)

    # -- the main thread -----------------------------------------------------------------

    def run(self, setup: Callable[[], None]) -> None:
        threading.Thread(target=setup, name="tray-setup", daemon=True).start()
        try:
            while True:
                e = self._d.next_event()
                if self._menu is not None and self._menu.handle(e):
                    pass
                elif e.type == X.ClientMessage and e.window.id == self._window.id:
                    if self._stopping:
                        return
                    self._window.set_wm_name(self._title)
                    if self._tooltip.shown:
                        self._tooltip.show(self._title, self._where_on_screen())
                    self._draw()
                elif e.type in (X.EnterNotify, X.LeaveNotify, X.ButtonPress) \
                        and e.window.id == self._window.id:
                    self._pointer(e)
                elif e.type == X.Expose and e.window.id != self._window.id:
                    self._tooltip.draw()
                    if self._menu is not None:
                        self._menu.draw()
                elif e.type == X.ClientMessage and e.client_type == self._manager_atom \
                        and e.data[1][1] == self._selection:
                    self._dock()  # a tray (re)started
                elif e.type == X.DestroyNotify and e.window.id == self._manager:
                    self._manager = None  # the tray went away; a new one announces itself
                elif e.type == X.ReparentNotify and e.window.id == self._window.id \
                        and e.parent.id == self._root.id:
                    # the tray died and the server handed us back to the root window:
                    # hidden (not a stray square on the desktop) until a new tray docks it
                    self._window.unmap()
                    self._manager = None
                elif e.type in (X.Expose, X.ConfigureNotify, X.MapNotify) \
                        and e.window.id == self._window.id:
                    if e.type != X.Expose or e.count == 0:
                        self._draw()
                self._d.flush()
        finally:
            try:
                self._tooltip.destroy()
                if self._menu is not None:
                    self._menu.destroy()
                self._window.destroy()
                self._d.close()
            except (error.XError, error.ConnectionClosedError, OSError):
                pass
            with self._waker_lock:
                self._closed = True
                self._waker.close()

    def _where_on_screen(self) -> tuple[int, int, int, int]:
        origin = self._root.translate_coords(self._window, 0, 0)
        geometry = self._window.get_geometry()
        return origin.x, origin.y, geometry.width, geometry.height

    def _pointer(self, e: Any) -> None:
        """The tooltip while the pointer is over the icon; a click opens the menu."""
        try:
            if e.type == X.EnterNotify:
                with self._lock:
                    title = self._title
                self._tooltip.show(title, self._where_on_screen())
            elif e.type == X.LeaveNotify:
                self._tooltip.hide()
            elif self._menu is not None:
                self._tooltip.hide()
                self._menu.open(self._where_on_screen())
        except error.XError as exc:  # the icon went with its panel meanwhile
            log.debug("tray pointer event: %s", exc)

    def _dock(self) -> None:
        owner = self._d.get_selection_owner(self._selection)
        if owner in (X.NONE, 0) or not getattr(owner, "id", 0):
            self._manager = None
            if not self._said_no_tray:
                self._said_no_tray = True
                log.warning("no system tray to show the icon in; it appears when one starts "
                            "(reminders still come as notifications)")
            return
        self._manager = owner.id
        owner.change_attributes(event_mask=X.StructureNotifyMask)  # its DestroyNotify
        owner.send_event(event.ClientMessage(
            window=owner.id, client_type=self._opcode,
            data=(32, [X.CurrentTime, REQUEST_DOCK, self._window.id, 0, 0])),
            event_mask=X.NoEventMask)
        log.info("tray icon docking with tray manager 0x%x", owner.id)

    def _pixel(self, colour: str) -> int:
        if colour not in self._pixels:
            r, g, b = rgb(colour)
            self._pixels[colour] = self._colormap.alloc_color(r * 257, g * 257, b * 257).pixel
        return self._pixels[colour]

    def _draw(self) -> None:
        """The shape in the largest centred square of the window, whatever its size: the
        same picture as the other backends (PIL's), used as a clip mask over the panel's
        own background. A host that gives a strip (16x30) is asked for a square."""
        try:
            geometry = self._window.get_geometry()
        except error.BadDrawable:
            return
        w, h = geometry.width, geometry.height
        self._ask_square(w, h)
        side = min(w, h)
        x0, y0 = (w - side) // 2, (h - side) // 2
        with self._lock:
            state = self._state
        colour, _shape = LOOK[state]
        alpha = icon_image(state, side).getchannel("A")
        mask = alpha.point(lambda a: 255 if a >= 128 else 0).convert("1")
        bitmap = self._window.create_pixmap(side, side, 1)
        ones = bitmap.create_gc(foreground=1, background=0)
        bitmap.put_pil_image(ones, 0, 0, mask)
        self._window.clear_area(0, 0, w, h)
        self._gc.change(foreground=self._pixel(colour), clip_mask=bitmap,
                        clip_x_origin=x0, clip_y_origin=y0)
        self._window.fill_rectangle(self._gc, x0, y0, side, side)
        self._gc.change(clip_mask=X.NONE)
        ones.free()
        bitmap.free()

    def _ask_square(self, w: int, h: int) -> None:
        """Hosts size an icon from its size hints along the panel and give the panel's
        thickness across: asking for that thickness both ways makes it square."""
        want = max(w, h)
        if w == h or want == self._asked:
            return
        self._asked = want
        self._window.set_wm_normal_hints(
            flags=Xutil.PSize | Xutil.PMinSize | Xutil.PBaseSize,
            width=want, height=want, min_width=want, min_height=want,
            base_width=want, base_height=want)
        self._window.configure(width=want, height=want)
