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
    problem: str
    fix: str


def _gap_clash(values: Mapping[str, Mapping[str, Any]], key: str, seconds: float,
               what: str) -> Clash | None:
    max_gap = float(values["sitting"]["max_gap_s"])
    if seconds <= max_gap / 2:
        return None
    return Clash((key, "sitting.max_gap_s"),
                 f"{what} {seconds:g} s apart do not fit sitting.max_gap_s = {max_gap:g}: "
                 "a gap longer than max_gap_s is unseen time, not sitting, and frames must "
                 "come at least twice within it",
                 f"lower {key}, or raise sitting.max_gap_s to at least {2 * seconds:g}")


def clashes(values: Mapping[str, Mapping[str, Any]]) -> list[Clash]:
    """Every pair of settings that contradict each other, checked once the files are
    merged (each value has passed its own range by then)."""
    found: list[Clash | None] = []
    monitor = values["monitor"]
    for name in ("interval_s", "medium_interval_s", "slow_interval_s"):
        found.append(_gap_clash(values, f"monitor.{name}", float(monitor[name]),
                                "monitor frames"))
    fps = float(values["source"]["fps"])
    if fps > 0:
        found.append(_gap_clash(values, "source.fps", 1 / fps, "frames sampled"))
    if monitor["camera_retry_min_s"] > monitor["camera_retry_max_s"]:
        found.append(Clash(("monitor.camera_retry_min_s", "monitor.camera_retry_max_s"),
                           f"the first camera retry ({monitor['camera_retry_min_s']:g} s) "
                           f"waits longer than the longest ({monitor['camera_retry_max_s']:g} s)",
                           "make camera_retry_min_s at most camera_retry_max_s"))
    calibration = values["calibration"]
    if calibration["min_frames"] > calibration["target_frames"]:
        found.append(Clash(("calibration.min_frames", "calibration.target_frames"),
                           f"a calibration stops at {calibration['target_frames']} frames "
                           f"but needs {calibration['min_frames']}, so it always fails",
                           "make min_frames at most target_frames"))
    classifier = values["classifier"]
    if classifier["self_stretch_s"] > classifier["self_window_s"]:
        found.append(Clash(("classifier.self_stretch_s", "classifier.self_window_s"),
                           f"a {classifier['self_stretch_s']:g} s stretch never fits in the "
                           f"{classifier['self_window_s']:g} s window, so no self-baseline "
                           "ever forms", "make self_stretch_s at most self_window_s"))
    return [clash for clash in found if clash is not None]
