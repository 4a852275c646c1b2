"""How fast ``posturewatch analyze`` judges a clip, start-up included: frames per second of
wall time, and CPU seconds per frame of all its processes (the pose worker included).

The clip (640x480, real frames from ../shared/testdata/frontal-webcam-1, 5 frames a second)
is judged whole (``--fps 0``) by the real command, medians of ``--rounds`` runs. With
``--against PYTHON`` (another checkout's venv interpreter) that one runs the same clip in
the same rounds, alternating, so the two are compared under the same machine noise.

    python bench/analyze_speed.py [--seconds 60] [--rounds 5] [--against OTHER/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

SHARED = Path(__file__).resolve().parents[2] / "shared"
TESTDATA = Path(os.environ.get("POSTUREWATCH_TESTDATA") or SHARED / "testdata")
FPS = 5.0


def make_clip(folder: Path, seconds: float) -> tuple[Path, int]:
    frames = sorted((TESTDATA / "frontal-webcam-1").glob("*/*.jpg"))
    if not frames:
        sys.exit(f"no frames in {TESTDATA / 'frontal-webcam-1'}: set POSTUREWATCH_TESTDATA")
    clip, count = folder / "bench.mp4", int(seconds * FPS)
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (640, 480))
    for i in range(count):
        writer.write(cv2.resize(cv2.imread(str(frames[i % len(frames)])), (640, 480)))
    writer.release()
    return clip, count


def analyze(python: str, clip: Path, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds (itself and every process it waited for) of one analyze."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([python, "-m", "posturewatch", "analyze", str(clip), "--fps", "0"],
                          cwd=folder, capture_output=True, text=True)  # not this checkout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{python}: analyze failed: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="clip length at 5 fps")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", metavar="PYTHON", help="another checkout's interpreter")
    args = parser.parse_args()
    pythons = {"this": sys.executable, **({"against": args.against} if args.against else {})}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in pythons}
    with tempfile.TemporaryDirectory() as tmp:
        clip, count = make_clip(Path(tmp), args.seconds)
        for _ in range(args.rounds):
            for name, python in pythons.items():
                times[name].append(analyze(python, clip, Path(tmp)))
    report = {"frames": count, "size": "640x480", "rounds": args.rounds}
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        report[name] = {"python": pythons[name], "wall_s": round(wall, 2),
                        "frames_per_s": round(count / wall, 1),
                        "cpu_ms_per_frame": round(1000 * cpu / count, 1)}
    if args.against:
        report["fps_ratio_this_to_against"] = round(
            report["this"]["frames_per_s"] / report["against"]["frames_per_s"], 3)
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
