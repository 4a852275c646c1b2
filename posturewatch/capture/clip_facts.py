"""Facts about a recording file that place it in history: when it was recorded, and a
content hash that recognises it when it is stored again. Reads file bytes, never frames.

The recording time comes from the container when it has one: the ``mvhd`` box of MP4,
MOV, M4V and 3GP files (what phones and most webcam apps write), seconds since
1904-01-01 UTC. Zero there means "not set", as in files OpenCV writes.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

_MP4_EPOCH = -2_082_844_800  # 1904-01-01T00:00:00Z in Unix seconds
_MAX_BOXES = 10_000


def _boxes(f: BinaryIO, end: int) -> Iterable[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes from here to ``end``."""
    for _ in range(_MAX_BOXES):
        start = f.tell()
        if start + 8 > end:
            return
        header = f.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        payload = start + 8
        if size == 1:
            large = f.read(8)
            if len(large) < 8:
                return
            size = struct.unpack(">Q", large)[0]
            payload += 8
        elif size == 0:
            size = end - start
        if size < payload - start or start + size > end:
            return
        yield kind, payload, start + size
        f.seek(start + size)


def creation_time(path: Path) -> float | None:
    """UTC epoch seconds the container says the recording was made, or None."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(0)
            for kind, start, end in _boxes(f, size):
                if kind != b"moov":
                    continue
                f.seek(start)
                for inner, payload, _ in _boxes(f, end):
                    if inner != b"mvhd":
                        continue
                    f.seek(payload)
                    version = f.read(1)
                    f.read(3)  # flags
                    if version == b"\x01":
                        raw = f.read(8)
                        value = struct.unpack(">Q", raw)[0] if len(raw) == 8 else 0
                    else:
                        raw = f.read(4)
                        value = struct.unpack(">I", raw)[0] if len(raw) == 4 else 0
                    return float(value + _MP4_EPOCH) if value else None
                return None
    except OSError:
        return None
    return None


def content_hash(paths: Iterable[Path]) -> str:
    """SHA-256 of the files' bytes, in order (a folder of frames hashes every frame)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
