"""Every labelled person the benchmark has, one entry each, for per-person figures.

pozz-train has no person labels: its frames come in filename order person by person, so
each person is a range of file numbers, read off contact sheets by eye (face, hair,
clothes; the boundaries checked frame by frame). Four people: A has only upright frames,
D only poor-posture ones. The devdata moves clips give three more people (the two of the
neck-tilt clip are cut apart, each in its half of the picture; the man is also the one of
the still clip) and a side view. Nothing here is committed but numbers and file names.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from landmark_cache import Picture, Transform, clip_frames, clip_landmarks, landmarks

from posturewatch.core.landmarks import Landmarks

# pozz-train, file numbers (inclusive) per person and folder.
POZZ_PEOPLE = {
    "pozz A": {"good": [(0, 117)], "bad": []},
    "pozz B": {"good": [(118, 305)], "bad": [(199, 415)]},
    "pozz C": {"good": [(306, 708)], "bad": [(132, 198), (517, 1017)]},
    "pozz D": {"good": [], "bad": [(0, 131), (416, 516)]},
}
# Frames of the moves clips by their README's truth (GIF frame numbers; video seconds).
# The neck-tilt clip's frames 3-7 are the tilt under way: neither.
NECK_TILT = {"upright": range(0, 3), "bad": range(8, 56)}
SIDE_BENDS = {"upright": [*range(0, 5), *range(15, 25), 35, 36],
              "bad": [*range(5, 15), *range(25, 35)]}
SIDE_VIDEO_STEP = 5  # of 30 fps: 6 frames a second
SIDE_VIDEO = {"bad": [(0, 1.8), (2.0, 3.5), (11.0, 11.5), (15.0, 16.5)],
              "upright": [(8.0, 10.5), (12.0, 14.5), (17.0, 31.1)]}


@dataclass
class Person:
    name: str
    where: str  # the set and camera
    found: list[Landmarks | None]
    bad: list[bool]
    pictures: list[Picture]  # the frames themselves, for the cases that edit them

    def frames(self, bad: bool) -> list[int]:
        return [i for i, b in enumerate(self.bad) if b is bad]


def _labelled(folder: Path) -> list[tuple[Path, bool]]:
    with open(folder / "labels.csv", newline="") as f:
        return [(folder / r["path"], r["label"] not in ("upright", "recline", "upright_kneeling"))
                for r in csv.DictReader(f)]


def _read(path: Path) -> Picture:
    return lambda: cv2.imread(str(path))


def _still_person(name: str, where: str, items: Sequence[tuple[Path, bool]],
                  model: Path) -> Person:
    paths = [p for p, _ in items]
    return Person(name, where, landmarks(paths, model), [b for _, b in items],
                  [_read(p) for p in paths])


def _half(left: bool) -> Transform:
    def cut(bgr: np.ndarray) -> np.ndarray:
        w = bgr.shape[1]
        return np.ascontiguousarray(bgr[:, : w // 2] if left else bgr[:, w // 2:])
    return cut


def _clip_person(name: str, where: str, path: Path, model: Path, labels: dict[int, bool],
                 *, step: int = 1, transform: Transform | None = None,
                 tag: str = "") -> Person:
    found = clip_landmarks(path, model, step=step, transform=transform, tag=tag)
    keep = sorted(k for k in labels if k < len(found))
    frames: list[np.ndarray] = []

    def picture(k: int) -> Picture:
        def make() -> np.ndarray:
            if not frames:
                frames.extend(clip_frames(path, step))
            return transform(frames[k]) if transform is not None else frames[k]
        return make

    return Person(name, where, [found[k] for k in keep], [labels[k] for k in keep],
                  [picture(k) for k in keep])


def people(testdata: Path, devdata: Path, model: Path) -> list[Person]:
    """Everyone with labels: the shared footage's two people, and the devdata's if there."""
    out = [_still_person("frontal webcam", "testdata frontal-webcam-1, 224x224",
                         _labelled(testdata / "frontal-webcam-1"), model),
           _still_person("side-view photos", "testdata side-view, 720x1280, side",
                         _labelled(testdata / "side-view"), model)]
    pozz = devdata / "pozz-train"
    if pozz.is_dir():
        for name, folders in POZZ_PEOPLE.items():
            items = [(pozz / folder / f"{i}.jpg", folder == "bad")
                     for folder, spans in folders.items() for a, b in spans
                     for i in range(a, b + 1)]
            out.append(_still_person(name, "pozz-train, 224x224", items, model))
    moves = devdata / "moves"
    if moves.is_dir():
        tilt = {k: False for k in NECK_TILT["upright"]} | {k: True for k in NECK_TILT["bad"]}
        man = _clip_person("intel man", "moves: still and neck-tilt clips, 480x270 (his half)",
                           moves / "neck-tilt-two-people.gif", model, tilt,
                           transform=_half(False), tag="right half")
        still = _clip_person("", "", moves / "still-man.gif", model,
                             {k: False for k in range(62)})
        man.found += still.found
        man.bad += still.bad
        man.pictures += still.pictures
        out.append(man)
        out.append(_clip_person("intel woman", "moves: neck-tilt clip (her half)",
                                moves / "neck-tilt-two-people.gif", model, tilt,
                                transform=_half(True), tag="left half"))
        bends = ({k: False for k in SIDE_BENDS["upright"]}
                 | {k: True for k in SIDE_BENDS["bad"]})
        out.append(_clip_person("side-bends man", "moves: side-bends webcam, 499x236, "
                                "face cut at the eyes", moves / "side-bends-webcam.gif",
                                model, bends))
        fps = 30 / SIDE_VIDEO_STEP
        side = {round(t * fps): label == "bad" for label, spans in SIDE_VIDEO.items()
                for a, b in spans for t in np.arange(a, b, 1 / fps)}
        out.append(_clip_person("side-video man", "moves: side-view clip, 1280x720, side",
                                moves / "side-view-slouch-upright.mp4", model, side,
                                step=SIDE_VIDEO_STEP))
    return out
