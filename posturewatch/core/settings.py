"""Settings as plain values: the merged config sections, and dataclasses built from them.

Loading and checking the TOML files is the storage layer's job (``storage/config_file``);
the core only ever sees the merged mapping, so it never touches a file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Config:
    values: Mapping[str, Mapping[str, Any]]
    files: tuple[str, ...]  # the files merged, defaults first

    def section(self, name: str) -> Mapping[str, Any]:
        return self.values[name]


def settings(cls: type[T], section: Mapping[str, Any]) -> T:
    """Build a settings dataclass from the config section whose keys name its fields."""
    return cls(**{f.name: section[f.name] for f in dataclasses.fields(cls)})  # type: ignore[arg-type]
