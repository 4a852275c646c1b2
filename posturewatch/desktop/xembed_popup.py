"""The XEmbed icon's tooltip and menu: small override-redirect X windows of our own, as
XEmbed tray hosts (trayer, tint2) show neither for an icon.

Both are drawn with PIL (DejaVu Sans where installed, else PIL's own font) and put on the
window as an image, so no X core fonts are needed. They live in the XEmbed icon's thread:
every call here is made from its event loop.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont
from Xlib import X

log = logging.getLogger(__name__)

FONT_SIZE = 13
PAD = 6
ROW_H = 24
BACKGROUND, TEXT, BORDER, HIGHLIGHT = "#fbfbf8", "#202020", "#7a7a7a", "#d7e3f4"


@functools.cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", FONT_SIZE)
    except OSError:
        return ImageFont.load_default()


def _text_width(text: str) -> int:
    left, _, right, _ = _font().getbbox(text)
    return int(right - left)


class _Window:
    """An override-redirect window showing a PIL image."""

    def __init__(self, display, name: str, event_mask: int) -> None:  # type: ignore[no-untyped-def]
        screen = display.screen()
        self._d = display
        self._screen = screen
        self.window = screen.root.create_window(
            0, 0, 1, 1, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
            override_redirect=True, background_pixel=screen.white_pixel,
            event_mask=event_mask)
        self.window.set_wm_name(name)
        self._gc = self.window.create_gc()
        self.shown = False
        self._image: Image.Image | None = None

    def place(self, image: Image.Image, near: tuple[int, int, int, int]) -> None:
        """Show ``image`` beside the rectangle ``near`` (x, y, w, h on the screen): below it
        when it is in the upper half of the screen, else above; kept on the screen."""
        x, y, w, h = near
        sw, sh = self._screen.width_in_pixels, self._screen.height_in_pixels
        iw, ih = image.size
        top = y + h + 2 if y + h / 2 < sh / 2 else y - ih - 2
        left = max(0, min(x + w - iw, sw - iw))
        self._image = image
        self.window.configure(x=left, y=max(0, min(top, sh - ih)), width=iw, height=ih,
                              stack_mode=X.Above)
        if not self.shown:
            self.window.map()
            self.shown = True
        self.draw()

    def redraw(self, image: Image.Image) -> None:
        self._image = image
        self.draw()

    def draw(self) -> None:
        if self.shown and self._image is not None:
            self.window.put_pil_image(self._gc, 0, 0, self._image)

    def hide(self) -> None:
        if self.shown:
            self.window.unmap()
            self.shown = False

    def destroy(self) -> None:
        self.window.destroy()


def tooltip_image(text: str) -> Image.Image:
    lines = text.splitlines() or [""]
    width = max(_text_width(line) for line in lines) + 2 * PAD
    height = len(lines) * (FONT_SIZE + 5) + 2 * PAD
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=BORDER)
    for i, line in enumerate(lines):
        draw.text((PAD, PAD + i * (FONT_SIZE + 5)), line, fill=TEXT, font=_font())
    return image


def menu_image(labels: list[str], highlighted: int | None) -> Image.Image:
    width = max(_text_width(label) for label in labels) + 4 * PAD
    image = Image.new("RGB", (width, len(labels) * ROW_H + 2), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for i, label in enumerate(labels):
        top = 1 + i * ROW_H
        if i == highlighted:
            draw.rectangle((1, top, width - 2, top + ROW_H - 1), fill=HIGHLIGHT)
        draw.text((2 * PAD, top + (ROW_H - FONT_SIZE) // 2 - 1), label, fill=TEXT,
                  font=_font())
    draw.rectangle((0, 0, width - 1, len(labels) * ROW_H + 1), outline=BORDER)
    return image


class Tooltip(_Window):
    def __init__(self, display) -> None:  # type: ignore[no-untyped-def]
        super().__init__(display, "posturewatch tooltip", X.ExposureMask)

    def show(self, text: str, near: tuple[int, int, int, int]) -> None:
        self.place(tooltip_image(text), near)


class Menu(_Window):
    """The tray menu: a click on an entry runs it; a click anywhere else closes the menu
    (the pointer is grabbed while it is open)."""

    def __init__(self, display, entries: list[tuple[str, Callable[[], None]]],  # type: ignore[no-untyped-def]
                 run: Callable[[str, Callable[[], None]], None]) -> None:
        super().__init__(display, "posturewatch menu",
                         X.ExposureMask | X.ButtonPressMask | X.ButtonReleaseMask
                         | X.PointerMotionMask)
        self._entries = entries
        self._run = run
        self._highlighted: int | None = None

    def _labels(self) -> list[str]:
        return [label for label, _ in self._entries]

    def open(self, near: tuple[int, int, int, int]) -> None:
        self._highlighted = None
        self.place(menu_image(self._labels(), None), near)
        self.window.grab_pointer(True, X.ButtonPressMask | X.ButtonReleaseMask
                                 | X.PointerMotionMask, X.GrabModeAsync, X.GrabModeAsync,
                                 X.NONE, X.NONE, X.CurrentTime)

    def close(self) -> None:
        if self.shown:
            self._d.ungrab_pointer(X.CurrentTime)
        self.hide()

    def _row(self, e) -> int | None:  # type: ignore[no-untyped-def]
        """The entry under the pointer, from an event's root coordinates."""
        geometry = self.window.get_geometry()
        origin = self.window.translate_coords(self._screen.root, 0, 0)
        x, y = e.root_x + origin.x, e.root_y + origin.y
        if not (0 <= x < geometry.width and 0 <= y < geometry.height):
            return None
        row = (y - 1) // ROW_H
        return row if 0 <= row < len(self._entries) else None

    def handle(self, e) -> bool:  # type: ignore[no-untyped-def]
        """An event while the menu is open; True if it was the menu's."""
        if not self.shown:
            return False
        if e.type == X.MotionNotify:
            row = self._row(e)
            if row != self._highlighted:
                self._highlighted = row
                self.redraw(menu_image(self._labels(), row))
            return True
        if e.type == X.ButtonPress:
            row = self._row(e)
            self.close()
            if row is not None:
                label, action = self._entries[row]
                self._run(label, action)
            return True
        return e.type == X.ButtonRelease
