"""Where posturewatch keeps things: platform directories, plus the files it ships.

The shipped data stays in the project's top-level ``config/`` and ``models/`` folders;
``pyproject.toml`` maps them into the package as ``posturewatch.shipped_config`` and
``posturewatch.shipped_models``, so wheels carry them and they are read through
``importlib.resources`` (which also works from a zip).
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import warnings
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

from posturewatch.errors import PostureWatchError

APP = "posturewatch"


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def user_config_file() -> Path:
    return user_config_dir() / "config.toml"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


def user_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP))


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP))


def runtime_dir() -> Path:
    """The folder of the instance lock, the control socket and its key, created user-only
    (0700 on POSIX): ``$XDG_RUNTIME_DIR/posturewatch`` in a desktop session. Without
    that variable, Linux's shared fallback (``/run/user/<uid>``, ``/tmp/runtime-<uid>``)
    would be one folder for every home folder of the user, so a monitor started from one
    home answered commands from another; there the folder is named after the data folder
    (:func:`home_tag`), so each home has a monitor of its own, and the socket path stays
    short, far below the system's limit (108 bytes; 104 on macOS, whose folder is in the
    home already)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    try:
        if xdg:  # made user-only if missing, as the spec wants it, so platformdirs takes it
            Path(xdg).mkdir(parents=True, exist_ok=True, mode=0o700)
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            base = Path(platformdirs.user_runtime_dir())
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        shared = not (xdg and base == Path(xdg)) and sys.platform not in ("darwin", "win32")
        _yours(base)  # ours alone, or refused
        if shared:
            os.chmod(base, 0o700)
        folder = base / (f"{APP}-{home_tag()}" if shared else APP)
        folder.mkdir(exist_ok=True, mode=0o700)
        _yours(folder)
        os.chmod(folder, 0o700)
    except OSError as exc:  # e.g. the shared fallback made by another user
        where = f" {exc.filename}" if exc.filename else ""
        raise PostureWatchError(
            f"cannot use the runtime folder{where}: {exc.strerror or exc}",
            "set XDG_RUNTIME_DIR to a folder of your own (mode 0700)") from None
    return folder


def _yours(folder: Path) -> None:
    """A folder of this user's own, not a link: another user's would see (or swap) the
    lock, the socket and its key. Refused (PermissionError) otherwise, even for root."""
    info = folder.lstat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(0, f"it belongs to another user (uid {info.st_uid})", str(folder))
    if not stat.S_ISDIR(info.st_mode):
        raise PermissionError(0, "it is not a folder (a link?)", str(folder))


def home_tag() -> str:
    """A short name for this user's data folder (where the history is): the runtime
    folder outside a desktop session is one per data folder, hence one per home."""
    return hashlib.sha256(str(user_data_dir().resolve()).encode()).hexdigest()[:12]


def bundled_config(name: str) -> Traversable:
    """A file from the project's top-level ``config/``."""
    return files("posturewatch.shipped_config").joinpath(name)


def bundled_models(name: str) -> Traversable:
    """A file from the project's top-level ``models/`` (the manifest)."""
    return files("posturewatch.shipped_models").joinpath(name)


def bundled_models_dir() -> Path | None:
    """The shipped ``models/`` folder when it is a real folder (a checkout or an unpacked
    install), where downloaded models may be kept; None inside a zip."""
    folder = files("posturewatch.shipped_models")
    return folder if isinstance(folder, Path) and folder.is_dir() else None
