"""Where the tests find the real footage, the way the product finds its model.

``POSTUREWATCH_TESTDATA`` names a folder laid out like ``tests/footage.toml`` (CI points it
at ``../shared/testdata``). Without it, the pinned files are downloaded once from their
public origins into the user cache (``<cache>/posturewatch/testdata``), each to a temporary
name, checked for size and SHA-256, and only then renamed into place. Third-party images
are never committed: the list holds their URLs and hashes, and our own ``labels.csv``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import platformdirs

ENV_TESTDATA = "POSTUREWATCH_TESTDATA"
PINS = Path(__file__).with_name("footage.toml")
_TIMEOUT_S = 30.0


class FootageError(Exception):
    """The footage cannot be had; the message says why and how to fix it, on one line."""


@dataclass(frozen=True)
class Pinned:
    """One file of the footage: its place in the folder and the exact bytes it must be."""

    path: str  # relative, with forward slashes
    size: int
    sha256: str
    url: str | None = None  # where to download it from (third-party files)
    text: str | None = None  # its content (our own files, e.g. labels.csv)

    def problem(self, file: Path) -> str | None:
        """What is wrong with ``file`` as this pinned file, or None."""
        if not file.exists():
            return f"{file} is missing"
        try:
            size = file.stat().st_size
            if size != self.size:
                return f"{file} has {size:,} bytes, expected {self.size:,}"
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError as exc:
            return f"{file} cannot be read ({exc.strerror or exc})"
        if digest != self.sha256:
            return f"{file} has SHA-256 {digest}, expected {self.sha256}"
        return None


def load_pins(path: Path = PINS) -> list[Pinned]:
    with path.open("rb") as stream:
        entries = tomllib.load(stream)["file"]
    return [Pinned(e["path"], int(e["size"]), e["sha256"], e.get("url"), e.get("text"))
            for e in entries]


def cache_dir() -> Path:
    """Where downloaded footage is kept: the user's cache, beside the downloaded model."""
    return Path(platformdirs.user_cache_dir("posturewatch")) / "testdata"


def expected_root(environ: Mapping[str, str] = os.environ) -> Path:
    """The folder the footage is (or will be) in; nothing is checked or fetched yet."""
    given = environ.get(ENV_TESTDATA, "").strip()
    return Path(given).expanduser().resolve() if given else cache_dir()


def check_folder(root: Path, pins: list[Pinned]) -> None:
    """A folder the user named must hold every pinned file, byte for byte."""
    for pin in pins:
        found = pin.problem(root / pin.path)
        if found:
            raise FootageError(
                f"{ENV_TESTDATA}={root}: {found} — point it at a folder laid out like "
                f"tests/footage.toml (e.g. shared/testdata), or unset it to download the files"
            )


def fetch(pin: Pinned, root: Path, *, url: str | None = None) -> Path:
    """Put ``pin`` at ``root/pin.path``: written or downloaded to a temporary name beside
    it, verified, then renamed, so a failed download never leaves a file in place."""
    target = root / pin.path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            if pin.text is not None:
                out.write(pin.text.encode("utf-8"))
            else:
                _download(url or pin.url or "", out, limit=pin.size)
        found = pin.problem(temp)
        if found:
            raise FootageError(f"download of {url or pin.url} refused: {found.split(' ', 1)[1]}")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def _download(url: str, out: BinaryIO, *, limit: int) -> None:
    """Stream ``url`` into ``out``; a body longer than ``limit`` bytes is cut off there
    (the check that follows then refuses it)."""
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:
            received = 0
            while received <= limit and (chunk := response.read(1 << 20)):
                out.write(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as exc:
        raise FootageError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        reason = getattr(reason, "strerror", None) or reason
        raise FootageError(f"download of {url} failed: {reason}") from None


def ensure(
    root: Path,
    pins: list[Pinned],
    *,
    url_for: Callable[[Pinned], str | None] = lambda pin: pin.url,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Fetch every pinned file missing or wrong under ``root``; a progress line per file."""
    missing = [pin for pin in pins if pin.problem(root / pin.path)]
    for number, pin in enumerate(missing, 1):
        if progress:
            progress(f"posturewatch tests: fetching footage {number}/{len(missing)}: {pin.path}")
        fetch(pin, root, url=url_for(pin))
    return root


def locate(root: Path, *, given: bool) -> Path:
    """The verified footage folder ``root``: one the user ``given`` is only checked, the
    cache is filled by download. Raises :class:`FootageError` with the fix when neither
    can be had."""
    pins = load_pins()
    if given:
        check_folder(root, pins)
        return root
    try:
        return ensure(root, pins, progress=lambda line: print(line, file=sys.stderr))
    except (FootageError, OSError) as exc:
        raise FootageError(
            f"no footage: {exc} — let the tests download it (internet; pinned in "
            f"tests/footage.toml) into {root}, or set {ENV_TESTDATA} to a folder holding it"
        ) from None
