"""File names as OpenCV can take them, whatever bytes they are made of.

On POSIX a file name is bytes; one that is not UTF-8 (``\\xe9.jpg`` from an old camera
or a Latin-1 system) reaches Python as text with a lone surrogate, and OpenCV's binding,
handed such text, crashes the whole process (a segmentation fault, not an exception).
So no name goes to OpenCV as it is: images are read by Python (any name opens) and
decoded from memory; a video, which OpenCV must open by name, is opened by us and handed
over as the descriptor's name in ``/proc/self/fd`` (``/dev/fd`` on macOS and the BSDs).
:func:`shown` is a name fit to print or store (the odd bytes as U+FFFD).
"""

from __future__ import annotations  # noqa: I001  (cv2 after native_logs)

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from posturewatch.capture import native_logs as quiet  # noqa: F401  (before cv2)
from posturewatch.errors import SourceError

import cv2  # noqa: E402


def encodable(name: str) -> bool:
    """True if ``name`` is text OpenCV's binding can take (it converts to UTF-8)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(path: Path | str) -> str:
    """``path`` as text that prints and stores anywhere: bytes that are not UTF-8 become
    U+FFFD, as a file manager shows them."""
    return os.fsencode(path).decode("utf-8", "replace") if not encodable(str(path)) \
        else str(path)


def read_image(path: Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray | None:
    """The decoded image (BGR, or what ``flags`` asks), None if it cannot be read or
    decoded, as ``cv2.imread`` answers, but for any file name."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except (OSError, ValueError):
        return None
    if data.size == 0:
        return None
    return cv2.imdecode(data, flags)


@contextlib.contextmanager
def opencv_name(path: Path) -> Iterator[str]:
    """A name under which OpenCV opens ``path``: the path itself when it is UTF-8, else
    the name of a descriptor open on it, valid inside the block (OpenCV keeps its own
    handle once it has opened the file, so the block need only cover the opening)."""
    name = str(path)
    if encodable(name):
        yield name
        return
    folder = next((f for f in ("/proc/self/fd", "/dev/fd") if os.path.isdir(f)), None)
    if folder is None:
        raise SourceError(f"cannot open {shown(path)}: its name is not valid Unicode",
                          "rename the file")
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise SourceError(f"cannot open {shown(path)}: {exc.strerror or exc}",
                          "check the path and its permissions") from None
    try:
        yield f"{folder}/{fd}"
    finally:
        os.close(fd)


def camera_shown(device: int | str) -> str:
    """A webcam's index, or its device path fit to print."""
    return shown(device) if isinstance(device, str) else str(device)


def camera_name(device: int | str) -> str:
    """A webcam as the status, log and store say it."""
    return f"camera {camera_shown(device)}"


def open_camera(device: int | str) -> cv2.VideoCapture:
    """The webcam at an index or a device path (one whose name is not UTF-8 too); the
    caller checks ``isOpened()``."""
    if isinstance(device, int):
        return cv2.VideoCapture(device)
    with opencv_name(Path(device)) as name:
        return cv2.VideoCapture(name)
