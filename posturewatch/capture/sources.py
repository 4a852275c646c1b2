"""Frame sources: a webcam, a video file, an image, or a folder of images.

Every source yields RGB frames with a timestamp in seconds: the video's own clock for
files, a monotonic clock for cameras. Frames stay in memory; nothing here writes to disk.
"""

from __future__ import annotations  # noqa: I001  (cv2 must load after posturewatch.capture.native_logs)

import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posturewatch.capture import native_logs as quiet  # noqa: F401  (silences OpenCV before cv2 loads)
from posturewatch.capture.file_names import (
    camera_name,
    open_camera,
    opencv_name,
    read_image,
    shown,
)
from posturewatch.errors import SourceError

import cv2  # noqa: E402

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Frame:
    t: float  # seconds
    rgb: np.ndarray  # height x width x 3, uint8
    path: Path | None = None  # images only


class FrameSource(ABC):
    name: str
    still: bool = False  # True: frames are unrelated photos, judged one by one
    live: bool = False  # True: a camera, which runs until stopped
    total: int | None = None  # frames expected, for a progress bar; None if unknown
    interval: float = 0.0  # seconds between samples, 0 if not known in advance
    end: float | None = None  # seconds the source covers, if known (the last frame's share)

    @abstractmethod
    def frames(self) -> Iterator[Frame]: ...

    def stop(self) -> None:  # noqa: B027 - only sources that wait need it
        """Ask ``frames()``, possibly running in another thread, to finish soon."""

    def close(self) -> None:  # noqa: B027 - sources without a handle need nothing
        """Release the device or file handle (idempotent)."""


class _Sampler:
    """Keeps a frame when ``fps`` says one is due; fps 0 keeps every frame."""

    def __init__(self, fps: float) -> None:
        self.interval = 1.0 / fps if fps > 0 else 0.0
        self._due = 0.0

    def due(self, t: float) -> bool:
        if t + 1e-6 < self._due:
            return False
        self._due += self.interval
        while self.interval and self._due <= t + 1e-6:
            self._due += self.interval
        return True


def natural_key(path: Path) -> list[object]:
    """``sample-2`` before ``sample-10``, as a person would order them."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _read_image(path: Path) -> np.ndarray:
    bgr = read_image(path)
    if bgr is None:
        raise SourceError(
            f"cannot read image {shown(path)}", "check it is a JPEG, PNG, BMP, WebP or TIFF file"
        )
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class _Images(FrameSource):
    """Images named one by one, or gathered from a folder. In a folder an unreadable file
    is skipped with a warning (and listed in ``skipped``), so one bad file does not cost
    the rest; a single image named on the command line must be readable."""

    def __init__(self, paths: list[Path], name: str, *, from_folder: bool) -> None:
        self.paths, self.name, self.total = paths, name, len(paths)
        self.from_folder = from_folder
        self.skipped: list[Path] = []

    def _read_all(self) -> Iterator[tuple[int, Path, np.ndarray]]:
        for i, path in enumerate(self.paths):
            try:
                yield i, path, _read_image(path)
            except SourceError as exc:
                if not self.from_folder:
                    raise
                log.warning("skipped %s", exc)
                self.skipped.append(path)


class ImageSet(_Images):
    """Unrelated photos: each is judged alone, at t = 0."""

    still = True

    def frames(self) -> Iterator[Frame]:
        for _, path, rgb in self._read_all():
            yield Frame(0.0, rgb, path)


class ImageSequence(_Images):
    """A folder of images played as a video at ``fps`` (``--sequence``)."""

    def __init__(self, paths: list[Path], name: str, fps: float) -> None:
        if fps <= 0:
            raise SourceError("--sequence needs a frame rate", "give --fps above 0, e.g. --fps 5")
        super().__init__(paths, name, from_folder=True)
        self.interval = 1.0 / fps
        self.end = len(paths) * self.interval

    def frames(self) -> Iterator[Frame]:
        for i, path, rgb in self._read_all():
            yield Frame(i * self.interval, rgb, path)


class VideoFile(FrameSource):
    def __init__(self, path: Path, fps: float) -> None:
        self.name, self.path = shown(path), path
        if not path.is_file():
            raise SourceError(f"no such video file: {self.name}", "check the path")
        with opencv_name(path) as name:
            self._capture = cv2.VideoCapture(name)
        if not self._capture.isOpened():
            raise SourceError(
                f"cannot read video {self.name}: not a format OpenCV can decode",
                "check the file plays, or convert it to MP4",
            )
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        native = self._capture.get(cv2.CAP_PROP_FPS) or 0.0
        self._sampler = _Sampler(fps)
        # Sampling faster than the video's own rate still gets one frame per video frame.
        self.interval = max(self._sampler.interval, 1.0 / native if native > 0 else 0.0)
        if count > 0 and native > 0:
            self.end = count / native
            self.total = max(1, round(self.end / self.interval))

    def frames(self) -> Iterator[Frame]:
        capture, last = self._capture, None
        while capture.grab():
            last = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if not self._sampler.due(last):
                continue  # grab() without retrieve(): skipped frames are never converted
            ok, bgr = capture.retrieve()
            if ok:
                yield Frame(last, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if last is None:
            raise SourceError(
                f"cannot read video {self.name}: no decodable frames",
                "check the file plays, or convert it to MP4",
            )
        if self.end is not None and last + 2 * self.interval < self.end:
            log.warning("video %s ended at %.1f s of the %.1f s it announces (damaged?)",
                        self.name, last, self.end)
            self.end = last + self.interval

    def close(self) -> None:
        self._capture.release()


class Camera(FrameSource):
    """A live webcam (an index, or a capture device path), paced at ``fps`` so the model
    is not run on frames nobody needs."""

    live = True

    def __init__(
        self,
        device: int | str,
        fps: float,
        width: int,
        height: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = camera_name(device)
        self._clock = clock
        self._stopping = threading.Event()
        self._capture = open_camera(device)
        if not self._capture.isOpened():
            where = f"index {device}" if isinstance(device, int) else shown(device)
            raise SourceError(
                f"no camera at {where}, or it is in use",
                "connect a webcam, close other apps using it, or try another --camera index",
            )
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # judge the newest frame, not a queued one
        self.interval = 1.0 / fps if fps > 0 else 0.0

    def frames(self) -> Iterator[Frame]:
        start = self._clock()
        due = 0.0
        while not self._stopping.is_set():
            ok, bgr = self._capture.read()
            if not ok:
                raise SourceError(
                    f"{self.name} stopped giving frames",
                    "check it is still connected and not taken by another app",
                )
            t = self._clock() - start
            yield Frame(t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            due = max(due + self.interval, t)
            wait = due - (self._clock() - start)
            if wait > 0:
                self._stopping.wait(wait)

    def stop(self) -> None:
        self._stopping.set()

    def close(self) -> None:
        self._capture.release()


def _check_one_readable(images: list[Path], folder: Path) -> None:
    """A folder whose files all fail to decode is as useless as an empty one: say so now,
    before the model loads, rather than judge nothing. Stops at the first good image."""
    for image in images:
        if read_image(image, cv2.IMREAD_REDUCED_GRAYSCALE_8) is not None:
            return
    raise SourceError(
        f"no readable image in folder {shown(folder)} ({len(images)} files could not be read)",
        "check they are JPEG, PNG, BMP, WebP or TIFF files that open in an image viewer",
    )


def open_source(spec: str, *, fps: float, sequence: bool = False) -> FrameSource:
    """A video file, an image, or a folder of images named on the command line.
    Hidden files in a folder (``.DS_Store``, ``._photo.jpg``) are not images of the user."""
    path = Path(spec).expanduser()
    if path.is_dir():
        try:
            names = list(path.iterdir())
        except OSError as exc:
            raise SourceError(f"cannot list folder {shown(path)}: {exc.strerror or exc}",
                              "check its permissions") from None
        images = sorted(
            (p for p in names
             if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")),
            key=natural_key,
        )
        if not images:
            raise SourceError(f"no images in folder {shown(path)}",
                              "point at a folder of JPEG/PNG files")
        _check_one_readable(images, path)
        if sequence:
            return ImageSequence(images, shown(path), fps)
        return ImageSet(images, shown(path), from_folder=True)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        if not path.is_file():
            raise SourceError(f"no such image: {shown(path)}", "check the path")
        # Read once now (a small decode), so a bad image is reported before the model is
        # looked up or downloaded.
        if read_image(path, cv2.IMREAD_REDUCED_GRAYSCALE_8) is None:
            _read_image(path)  # raises the one-line error
        return ImageSet([path], shown(path), from_folder=False)
    return VideoFile(path, fps)
