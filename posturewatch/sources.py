"""Frame sources: a webcam, a video file, an image, or a folder of images.

Every source yields RGB frames with a timestamp in seconds: the video's own clock for
files, a monotonic clock for cameras. Frames stay in memory; nothing here writes to disk.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posturewatch import quiet  # noqa: F401  (silences OpenCV before cv2 loads)
from posturewatch.errors import SourceError

import cv2  # noqa: E402

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


@dataclass(frozen=True, slots=True)
class Frame:
    t: float  # seconds
    rgb: np.ndarray  # height x width x 3, uint8
    path: Path | None = None  # stills only


class FrameSource(ABC):
    name: str
    still: bool = False  # True: frames are unrelated photos, judged one by one
    total: int | None = None  # frames expected, for a progress bar; None if unknown
    interval: float = 0.0  # seconds between samples, 0 if not known in advance

    @abstractmethod
    def frames(self) -> Iterator[Frame]: ...

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
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SourceError(
            f"cannot read image {path}", "check it is a JPEG, PNG, BMP, WebP or TIFF file"
        )
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class ImageSet(FrameSource):
    """Unrelated photos: each is judged alone, at t = 0."""

    still = True

    def __init__(self, paths: list[Path], name: str) -> None:
        self.paths, self.name, self.total = paths, name, len(paths)

    def frames(self) -> Iterator[Frame]:
        for path in self.paths:
            yield Frame(0.0, _read_image(path), path)


class ImageSequence(FrameSource):
    """A folder of images played as a video at ``fps`` (``--sequence``)."""

    def __init__(self, paths: list[Path], name: str, fps: float) -> None:
        if fps <= 0:
            raise SourceError("--sequence needs a frame rate", "give --fps above 0, e.g. --fps 5")
        self.paths, self.name, self.total, self.interval = paths, name, len(paths), 1.0 / fps

    def frames(self) -> Iterator[Frame]:
        for i, path in enumerate(self.paths):
            yield Frame(i * self.interval, _read_image(path), path)


class VideoFile(FrameSource):
    def __init__(self, path: Path, fps: float) -> None:
        self.name = str(path)
        if not path.is_file():
            raise SourceError(f"no such video file: {path}", "check the path")
        self._capture = cv2.VideoCapture(str(path))
        if not self._capture.isOpened():
            raise SourceError(
                f"cannot read video {path}: not a format OpenCV can decode",
                "check the file plays, or convert it to MP4",
            )
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        native = self._capture.get(cv2.CAP_PROP_FPS) or 0.0
        self._sampler = _Sampler(fps)
        self.interval = self._sampler.interval or (1.0 / native if native > 0 else 0.0)
        if count > 0:
            self.total = count if fps <= 0 or native <= 0 else max(1, round(count * min(1.0, fps / native)))

    def frames(self) -> Iterator[Frame]:
        capture, read_any = self._capture, False
        while capture.grab():
            read_any = True
            t = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if not self._sampler.due(t):
                continue  # grab() without retrieve(): skipped frames are never decoded
            ok, bgr = capture.retrieve()
            if ok:
                yield Frame(t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if not read_any:
            raise SourceError(
                f"cannot read video {self.name}: no decodable frames",
                "check the file plays, or convert it to MP4",
            )

    def close(self) -> None:
        self._capture.release()


class Camera(FrameSource):
    """A live webcam, paced at ``fps`` so the model is not run on frames nobody needs."""

    def __init__(
        self,
        index: int,
        fps: float,
        width: int,
        height: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = f"camera {index}"
        self._index, self._clock = index, clock
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise SourceError(
                f"no camera at index {index}, or it is in use",
                "connect a webcam, close other apps using it, or try another --camera index",
            )
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # judge the newest frame, not a queued one
        self.interval = 1.0 / fps if fps > 0 else 0.0

    def frames(self) -> Iterator[Frame]:
        start = self._clock()
        due = 0.0
        while True:
            ok, bgr = self._capture.read()
            if not ok:
                raise SourceError(
                    f"camera {self._index} stopped giving frames",
                    "check it is still connected and not taken by another app",
                )
            t = self._clock() - start
            yield Frame(t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            due = max(due + self.interval, t)
            wait = due - (self._clock() - start)
            if wait > 0:
                time.sleep(wait)

    def close(self) -> None:
        self._capture.release()


def open_source(spec: str, *, fps: float, sequence: bool = False) -> FrameSource:
    """A video file, an image, or a folder of images named on the command line."""
    path = Path(spec).expanduser()
    if path.is_dir():
        images = sorted(
            (p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=natural_key
        )
        if not images:
            raise SourceError(f"no images in folder {path}", "point at a folder of JPEG/PNG files")
        return ImageSequence(images, str(path), fps) if sequence else ImageSet(images, str(path))
    if path.suffix.lower() in IMAGE_SUFFIXES:
        if not path.is_file():
            raise SourceError(f"no such image: {path}", "check the path")
        return ImageSet([path], str(path))
    return VideoFile(path, fps)
