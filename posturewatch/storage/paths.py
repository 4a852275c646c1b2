"""Where posturewatch keeps things: platform directories, plus the files it ships.

The shipped data stays in the project's top-level ``config/`` and ``models/`` folders;
``pyproject.toml`` maps them into the package as ``posturewatch.shipped_config`` and
``posturewatch.shipped_models``, so wheels carry them and they are read through
``importlib.resources`` (which also works from a zip).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP = "posturewatch"


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def user_config_file() -> Path:
    return user_config_dir() / "config.toml"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


def user_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP))


def runtime_dir() -> Path:
    """The user's runtime folder (the instance lock, the control socket and its key),
    created user-only (0700 on POSIX)."""
    import os
    import warnings

    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        folder = Path(platformdirs.user_runtime_dir(APP))
    # A missing XDG_RUNTIME_DIR is made user-only, as the spec wants it: platformdirs
    # passes over one that is not, so the next call would name another folder (the
    # socket in one, its key in the other).
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.mkdir(exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    return folder


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
