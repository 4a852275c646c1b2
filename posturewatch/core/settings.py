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


@dataclasses.dataclass(frozen=True)
class Clash:
    """Two settings that each pass their own range but do not work together."""

    keys: tuple[str, str]  # "section.key", the one to change first
    problem: str  # names both keys and their values
    fix: str


def _above(values: Mapping[str, Mapping[str, Any]], low: str, high: str,
           why: str) -> Clash | None:
    """``low`` must not be above ``high`` (both "section.key")."""
    a, b = (values[k.split(".")[0]][k.split(".")[1]] for k in (low, high))
    if a <= b:
        return None
    return Clash((low, high), f"{low} = {a:g} is above {high} = {b:g}: {why}",
                 f"make {low} at most {b:g}, or raise {high}")


def clashes(values: Mapping[str, Mapping[str, Any]]) -> list[Clash]:
    """Every pair of settings that contradict each other, checked once the files are
    merged (each value has passed its own range by then)."""
    found: list[Clash | None] = []
    max_gap = float(values["sitting"]["max_gap_s"])
    gap_why = ("frames further apart than half of it turn sitting into unseen time (a gap "
               "over max_gap_s is neither sitting nor a break)")
    for key in ("monitor.interval_s", "monitor.slow_interval_s", "camera.look_every_s",
                "camera.battery_look_every_s"):
        section, name = key.split(".")
        seconds = float(values[section][name])
        if seconds > max_gap / 2:
            found.append(Clash((key, "sitting.max_gap_s"),
                               f"{key} = {seconds:g} does not fit sitting.max_gap_s = "
                               f"{max_gap:g}: {gap_why}",
                               f"lower {key} to at most {max_gap / 2:g}, or raise "
                               f"sitting.max_gap_s to at least {2 * seconds:g}"))
    fps = float(values["source"]["fps"])
    if fps > 0 and 1 / fps > max_gap / 2:
        found.append(Clash(("source.fps", "sitting.max_gap_s"),
                           f"source.fps = {fps:g} (a frame every {1 / fps:g} s) does not fit "
                           f"sitting.max_gap_s = {max_gap:g}: {gap_why}",
                           f"raise source.fps to at least {2 / max_gap:g}, or raise "
                           f"sitting.max_gap_s to at least {2 / fps:g}"))
    found.append(_above(values, "monitor.camera_retry_min_s", "monitor.camera_retry_max_s",
                        "the first camera retry would wait longer than the longest"))
    found.append(_above(values, "calibration.min_frames", "calibration.target_frames",
                        "a camera calibration stops at target_frames, so it would always "
                        "fail"))
    found.append(_above(values, "classifier.self_stretch_s", "classifier.self_window_s",
                        "no stretch fits in the window, so no self-baseline ever forms"))
    return [clash for clash in found if clash is not None]
