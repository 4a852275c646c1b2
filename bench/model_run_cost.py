"""What one pose-model run costs in CPU time, the unit of the monitor's bill: IMAGE mode
(detector and landmarks, what the monitor runs), a tracked VIDEO-mode frame, and VIDEO
mode's fresh look (a blank frame to drop the track, then a detection), at several frame
sizes, in this process and the pose worker together. Frames come 0.3 s apart, as the
monitor's do, so idle threads would show. Linux only (/proc).

    python bench/model_run_cost.py [--frames 40] [--size 640x480 ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from posturewatch.capture.pose import PoseEstimator, PoseSettings

SHARED = Path(__file__).resolve().parents[2] / "shared"
TESTDATA = Path(os.environ.get("POSTUREWATCH_TESTDATA") or SHARED / "testdata")
MODEL = Path(os.environ.get("POSTUREWATCH_MODEL_DIR") or SHARED / "models") / \
    "pose_landmarker_full.task"
PAUSE_S = 0.3


def cpu_s(pose: PoseEstimator) -> float:
    """CPU seconds of this process and of the pose worker, where the model runs (Linux)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    fields = Path(f"/proc/{pose.worker_pid}/stat").read_text().rsplit(")", 1)[1].split()
    worker = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return usage.ru_utime + usage.ru_stime + worker


def per_run_ms(frames: list[np.ndarray], video: bool, fresh: bool = False) -> float:
    """Mean CPU milliseconds of one run (or one fresh look), after three warm-up runs."""
    with PoseEstimator(MODEL, PoseSettings(0.5, 0.5, 0.5), video=video) as pose:
        for i, frame in enumerate(frames[:3]):
            pose.detect(frame, i * PAUSE_S)
        spent = 0.0
        for i, frame in enumerate(frames):
            t = (i + 3) * PAUSE_S
            if fresh:
                pose.detect(frame, t)  # tracked first: the look must drop a live track
            before = cpu_s(pose)
            pose.fresh_look(frame) if fresh else pose.detect(frame, t)
            spent += cpu_s(pose) - before
            time.sleep(PAUSE_S)
    return 1000 * spent / len(frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--size", nargs="+", default=["640x480", "320x240"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    paths = sorted((TESTDATA / "frontal-webcam-1").glob("*/*.jpg"))
    if not paths or not MODEL.is_file():
        print(f"needs {TESTDATA / 'frontal-webcam-1'} and {MODEL}", file=sys.stderr)
        return 1
    results = {}
    for size in args.size:
        w, h = (int(v) for v in size.split("x"))
        frames = [cv2.cvtColor(cv2.resize(cv2.imread(str(p)), (w, h)), cv2.COLOR_BGR2RGB)
                  for p in (paths * args.frames)[:args.frames]]
        results[size] = {"image_ms": round(per_run_ms(frames, video=False), 1),
                         "video_tracked_ms": round(per_run_ms(frames, video=True), 1),
                         "video_fresh_look_ms": round(per_run_ms(frames, True, True), 1)}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for size, r in results.items():
            print(f"{size}: IMAGE {r['image_ms']} ms, VIDEO tracked {r['video_tracked_ms']} "
                  f"ms, VIDEO fresh look {r['video_fresh_look_ms']} ms (CPU a run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
