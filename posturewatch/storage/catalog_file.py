"""Reading the guidance catalog (``config/guidance.toml``, shipped with the package)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from posturewatch.core.guidance import Catalog, GuidanceError, parse_catalog
from posturewatch.storage.paths import bundled_config


def load_catalog(path: Path | None = None) -> Catalog:
    """The shipped catalog, or ``path``."""
    path = path or bundled_config("guidance.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GuidanceError(f"cannot read guidance catalog {path}: {exc.strerror or exc}",
                            "reinstall posturewatch") from None
    except tomllib.TOMLDecodeError as exc:
        raise GuidanceError(f"{path}: invalid TOML: {exc}", "fix the syntax at that line") from None
    return parse_catalog(data, str(path))
