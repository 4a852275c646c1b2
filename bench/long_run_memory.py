"""Memory of `analyze --camera --json --reminders` over a simulated working day.

The pose model at 5 fps for 8 hours would take 8 hours, so the frames are judged once:
the real frontal webcam frames (upright and slouched) go through the real model and
classifier, and their FrameResults are replayed on a simulated camera clock (5 fps with
jitter, now and then a stalled second) in a working-day pattern: 40 min upright, 10 min
slouched, 5 min away. They flow through the same path `analyze` uses after the model:
``cli.analyze.report_source`` (JSON streamed to a file, totals added up, reminder replay).

Reports RSS and peak RSS after 1 simulated hour and after 8, and the growth between them
(the peak up to the first hour is the model load's, so RSS now is the finer measure).
``--keep-frames`` also holds every result and its JSON in lists, as `analyze` did before
it streamed, to show what that cost.

    python bench/long_run_memory.py [--hours 8] [--keep-frames]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from posturewatch.app.analysis import FrameResult, judge_source
from posturewatch.app.recording import Recording
from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.sources import Frame, FrameSource, open_source
from posturewatch.cli.analyze import report_source
from posturewatch.cli.report_json import ReportStream
from posturewatch.core.observation import Posture
from posturewatch.core.watch.calendar import RecordingCalendar
from posturewatch.storage.atomic import atomic_output
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings
from posturewatch.storage.pose_model_files import resolve_model

SHARED = Path(__file__).resolve().parents[2] / "shared"
FRONTAL = Path(os.environ.get("POSTUREWATCH_TESTDATA", SHARED / "testdata")) / "frontal-webcam-1"
FPS = 5.0
DAY = ((Posture.UPRIGHT, 40 * 60), (Posture.SLOUCHED, 10 * 60), (Posture.AWAY, 5 * 60))


class SimulatedCamera(FrameSource):
    """What ``report_source`` reads of a camera; its frames come precomputed."""

    name = "camera 0 (simulated)"
    live = True
    interval = 1.0 / FPS

    def frames(self) -> Iterator[Frame]:
        raise NotImplementedError("results are replayed, not frames")


def real_results() -> dict[Posture, list[FrameResult]]:
    """The real frames through the real model and classifier, by the state they got."""
    config = load_settings()
    pose = config.pose
    classifier = config.classifier
    pools: dict[Posture, list[FrameResult]] = {state: [] for state in Posture}
    with PoseEstimator(resolve_model(config.model), pose, video=False) as estimator:
        for folder in ("upright", "slouch"):
            source = open_source(str(FRONTAL / folder), fps=FPS)
            for result in judge_source(source, estimator, None, classifier):
                pools[result.state].append(replace(result, path=None))
    # Nobody in view: what the pipeline makes of a frame without landmarks.
    pools[Posture.AWAY] = [FrameResult(0.0, Posture.AWAY, None, None, None, None)]
    return pools


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    """Resident now (the peak may still be the model load's)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory() -> tuple[float, float]:
    return rss_mb(), peak_rss_mb()


def workday(pools: dict[Posture, list[FrameResult]], hours: float,
            marks: dict[str, tuple[float, float]], kept: list[Any] | None) -> Iterator[FrameResult]:
    rng, t, i, hour_seen = random.Random(1), 0.0, 0, False
    cycle = sum(seconds for _, seconds in DAY)
    while t < hours * 3600:
        into, state = t % cycle, DAY[-1][0]
        for wanted, seconds in DAY:
            if into < seconds:
                state = wanted
                break
            into -= seconds
        pool = pools[state] or pools[Posture.UPRIGHT]
        result = replace(pool[i % len(pool)], t=t)
        if kept is not None:  # what analyze held before it streamed
            kept.append(result)
            kept.append(result.to_json())
        yield result
        if not hour_seen and t >= 3600:
            hour_seen, marks["1 h"] = True, memory()
        i += 1
        t += 1.0 / FPS + rng.uniform(-0.01, 0.01) + (1.0 if rng.random() < 0.001 else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--keep-frames", action="store_true",
                        help="also keep every frame in lists, as analyze did before streaming")
    args = parser.parse_args()
    pools = real_results()
    config = load_settings()
    marks: dict[str, tuple[float, float]] = {"start": memory()}
    kept: list[Any] | None = [] if args.keep_frames else None
    with tempfile.TemporaryDirectory() as folder:
        out_path = Path(folder) / "day.json"
        with atomic_output(out_path) as out:
            stream = ReportStream(out, many=False)
            report, _ = report_source(
                SimulatedCamera(), workday(pools, args.hours, marks, kept),
                Path("pose_landmarker_full.task"), None, stream,
                recording=Recording(config, load_catalog(), RecordingCalendar(0.0, lambda u: 0)),
                reminders=True,
            )
            stream.close()
        marks[f"{args.hours:g} h"] = memory()
        size = out_path.stat().st_size
    frames = sum(report["totals"]["frames"].values())
    print(f"{frames:,} frames ({args.hours:g} h at {FPS:g} fps), JSON {size / 1e6:.0f} MB, "
          f"{len(report['reminders'])} reminders"
          + (" — frames kept in lists (the old way)" if kept is not None else ""))
    for mark, (now, peak) in marks.items():
        print(f"at {mark:>5}: RSS {now:7.1f} MB, peak RSS {peak:7.1f} MB")
    end, hour = marks[f"{args.hours:g} h"], marks.get("1 h", marks["start"])
    since = "1 h" if "1 h" in marks else "the start"  # a run shorter than an hour
    print(f"growth from {since} to {args.hours:g} h: RSS {end[0] - hour[0]:+.1f} MB, "
          f"peak RSS {end[1] - hour[1]:+.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
