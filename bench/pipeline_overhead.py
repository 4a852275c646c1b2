"""What the pipeline costs on top of the pose model, as a ratio measured in one run.

Builds a 640x480 clip from the real frontal webcam frames, then times, on the very same
frames: (a) the MediaPipe PoseLandmarker alone (VIDEO mode, frames already decoded in
memory) and (b) the whole ``analyze`` path: decode, colour conversion, the frame to the
pose worker and its landmarks back, model, metrics, classifier and settling. Rounds alternate (a, b, a, b, …) so machine noise hits both;
the figure is the ratio of the medians.

    python bench/pipeline_overhead.py [--rounds 5] [--seconds 20] [--model PATH] [--calibrated]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from posturewatch.app.analysis import judge_source
from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.capture.sources import VideoFile
from posturewatch.core.baseline import POPULATION, Baseline, build_baseline
from posturewatch.core.judgement import ClassifierSettings
from posturewatch.core.metrics import compute_metrics
from posturewatch.storage.config_file import load_settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
# The footage and model where the tests find them (else ../shared beside the checkout).
TESTDATA = Path(os.environ.get("POSTUREWATCH_TESTDATA") or SHARED / "testdata")
MODELS = Path(os.environ.get("POSTUREWATCH_MODEL_DIR") or SHARED / "models")
FPS = 5.0


def make_clip(folder: Path, seconds: float) -> Path:
    frames = sorted((TESTDATA / "frontal-webcam-1").glob("*/*.jpg"))
    if not frames:
        sys.exit(f"no frames in {TESTDATA / 'frontal-webcam-1'}: set POSTUREWATCH_TESTDATA")
    clip = folder / "bench.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (640, 480))
    for i in range(int(seconds * FPS)):
        writer.write(cv2.resize(cv2.imread(str(frames[i % len(frames)])), (640, 480)))
    writer.release()
    return clip


def decoded(clip: Path) -> list[np.ndarray]:
    capture, out = cv2.VideoCapture(str(clip)), []
    while True:
        ok, bgr = capture.read()
        if not ok:
            return out
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def time_model(model: Path, pose: PoseSettings, frames: list[np.ndarray]) -> float:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO, num_poses=1,
        min_pose_detection_confidence=pose.min_detection_confidence,
        min_pose_presence_confidence=pose.min_presence_confidence,
        min_tracking_confidence=pose.min_tracking_confidence,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        start = time.perf_counter()
        for i, frame in enumerate(frames):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame)
            landmarker.detect_for_video(image, int(i * 1000 / FPS))
        return (time.perf_counter() - start) / len(frames)


def calibration(model: Path, pose: PoseSettings, frames: list[np.ndarray]) -> Baseline:
    """A calibration from the clip's first five frames, with their view: the view test
    and the scene it remembers (core/backdrop.py) then run on every frame."""
    with PoseEstimator(model, pose, video=False) as still:
        found = [still.detect(f, 0.0) for f in frames[:5]]
    return build_baseline([compute_metrics(lm) for lm in found if lm is not None], 5)


def time_pipeline(model: Path, pose: PoseSettings, classifier: ClassifierSettings,
                  clip: Path, baseline: Baseline) -> tuple[float, int]:
    source = VideoFile(clip, fps=0)
    with PoseEstimator(model, pose, video=True) as estimator:
        start = time.perf_counter()
        count = sum(1 for _ in judge_source(source, estimator, baseline, classifier))
        elapsed = time.perf_counter() - start
    source.close()
    return elapsed / count, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0, help="clip length at 5 fps")
    parser.add_argument("--model", type=Path, default=MODELS / "pose_landmarker_full.task")
    parser.add_argument("--calibrated", action="store_true",
                        help="judge against a calibration with its view (the view test and "
                        "its scene memory run) instead of the population priors")
    args = parser.parse_args()
    config = load_settings()
    pose = config.pose
    classifier = config.classifier
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp), args.seconds)
        frames = decoded(clip)
        baseline = (calibration(args.model, pose, frames) if args.calibrated
                    else POPULATION["front"])
        model_ms, pipeline_ms = [], []
        for _ in range(args.rounds):
            model_ms.append(1000 * time_model(args.model, pose, frames))
            per_frame, count = time_pipeline(args.model, pose, classifier, clip, baseline)
            pipeline_ms.append(1000 * per_frame)
            assert count == len(frames), (count, len(frames))
    model, pipeline = statistics.median(model_ms), statistics.median(pipeline_ms)
    report = {
        "frames": len(frames), "size": "640x480", "rounds": args.rounds,
        "baseline": "calibration" if args.calibrated else "population",
        "model_ms_per_frame": round(model, 2), "pipeline_ms_per_frame": round(pipeline, 2),
        "ratio": round(pipeline / model, 3), "target_ratio": 1.10,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0 if report["ratio"] <= report["target_ratio"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
