"""Where posturewatch keeps things: platform directories, plus the files it ships."""

from __future__ import annotations

from importlib.resources import files
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


def bundled_config(name: str) -> Path:
    """A file from the project's top-level ``config/`` (shipped inside the package)."""
    return Path(str(files("posturewatch") / "_config" / name))


def bundled_models_dir() -> Path:
    """The project's top-level ``models/`` (manifest; downloaded models in a checkout)."""
    return Path(str(files("posturewatch") / "_models"))
