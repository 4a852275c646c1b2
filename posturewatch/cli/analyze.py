"""``posturewatch analyze``: judge footage or the live webcam and summarise the states."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from posturewatch.app.analysis import (
    FrameResult,
    baseline_status,
    judge_source,
    reason_counts,
    totals,
)
from posturewatch.app.replay import replay
from posturewatch.capture.sources import FrameSource
from posturewatch.cli import frame_input
from posturewatch.cli.parsing import add_command, camera_arg, path_arg, seconds_arg
from posturewatch.core.baseline import Baseline
from posturewatch.core.judgement import ClassifierSettings
from posturewatch.core.observation import Posture
from posturewatch.core.settings import Config, settings
from posturewatch.errors import SourceError
from posturewatch.storage.atomic import check_writable
from posturewatch.storage.baseline_file import find_baseline

log = logging.getLogger(__name__)

EPILOG = """examples:
  posturewatch analyze meeting.mp4                  summary of a recording
  posturewatch analyze photos/ --json -             each photo judged, JSON to stdout
  posturewatch analyze frames/ --sequence --fps 5   a folder of frames as a 5 fps video
  posturewatch analyze --camera 0 --seconds 60      one minute of the live webcam
  posturewatch analyze clip.mp4 --baseline me.json --json out.json
  posturewatch analyze workday.mp4 --reminders     when reminders would have fired
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "analyze",
        help="judge posture in videos, images or the webcam",
        description="Judge each sampled frame as upright, slouched, away or unknown "
        "against your calibrated baseline (population defaults if you have none).",
        epilog=EPILOG,
    )
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="video, image or folder")
    parser.add_argument("--camera", type=camera_arg, metavar="N",
                        help="also watch webcam N (an index, or a device such as /dev/video2)")
    parser.add_argument(
        "--seconds", type=seconds_arg, metavar="S",
        help="stop after S seconds of each video or the webcam (else the end, or Ctrl-C)"
    )
    parser.add_argument("--sequence", action="store_true", help="a folder is video frames at --fps")
    parser.add_argument("--baseline", type=path_arg, metavar="FILE",
                        help="a calibration file (default: your saved calibration)")
    parser.add_argument("--json", metavar="PATH|-", help="write JSON to PATH, or - for stdout")
    parser.add_argument("--reminders", action="store_true",
                        help="replay sitting time and reminder rules over the footage's timeline")
    frame_input.add_frame_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.sources and args.camera is None:
        raise SourceError("nothing to analyze", "name a video, image or folder, or use --camera N")
    if args.json not in (None, "-"):
        check_writable(path_arg(args.json))  # before minutes of work, not after
    config = frame_input.load(args)
    classifier = settings(ClassifierSettings, config.section("classifier"))
    baseline = find_baseline(args.baseline)
    log.info("baseline: %s", "calibrated" if baseline else "population defaults")
    model = frame_input.model_path(args, config)
    sources = frame_input.sources(args, config, args.sources)
    try:
        if args.reminders and (stills := [s.name for s in sources if s.still]):
            raise SourceError(
                f"--reminders needs a timeline, and {stills[0]} is a set of stills",
                "use a video, --camera, or --sequence for a folder of frames",
            )
        reports = []
        for source in sources:
            results = _judge(source, args.seconds, model, config, classifier, baseline)
            report = _report(source, str(model), baseline, results)
            if args.reminders:
                report.update(replay((r.observation() for r in results), config))
            reports.append(report)
    finally:
        for source in sources:
            source.close()
    if args.json:
        frame_input.write_json(reports[0] if len(reports) == 1 else reports, args.json)
    if args.json != "-":
        for report in reports:
            print(_summary(report))
    return 0


def _judge(
    source: FrameSource,
    seconds: float | None,
    model: Path,
    config: Config,
    classifier: ClassifierSettings,
    baseline: Baseline | None,
) -> list[FrameResult]:
    results: list[FrameResult] = []
    bar = tqdm(total=source.total, unit="frame", desc=source.name, leave=False,
               file=sys.stderr, disable=None)
    try:
        with frame_input.estimator(model, config, video=not source.still) as estimator:
            for result in judge_source(source, estimator, baseline, classifier, until=seconds):
                results.append(result)
                bar.update()
    finally:
        bar.close()
    return results


def _report(
    source: FrameSource, model: str, baseline: Baseline | None, results: list[FrameResult]
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "source": source.name,
        "model": model,
        "baseline": baseline.to_json() if baseline else None,
        "still": source.still,
        "interval_s": round(source.interval, 4),
        "frames": [r.to_json() for r in results],
        "totals": totals(results, source.interval, still=source.still, end=source.end),
        "baseline_status": baseline_status(results),
        "reasons": reason_counts(results),
    }
    if skipped := getattr(source, "skipped", None):
        report["skipped"] = [str(p) for p in skipped]
    return report


def _summary(report: dict[str, Any]) -> str:
    return "\n".join([_states(report), *_reasons(report), *_reminders(report),
                      _baseline_note(report)])


def _why(frame: dict[str, Any]) -> str:
    reasons = frame.get("reasons") or []
    return f" ({', '.join(r.replace('_', ' ') for r in reasons)})" if reasons else ""


def _reasons(report: dict[str, Any]) -> list[str]:
    if not report["reasons"]:
        return []
    return ["  slouched frames: " + ", ".join(
        f"{reason.replace('_', ' ')} {n}" for reason, n in report["reasons"].items())]


def _baseline_note(report: dict[str, Any]) -> str:
    status = report["baseline_status"]
    if status["stale"]:
        return (f"  your calibration's view no longer matches (camera or seat moved?) from "
                f"{status['stale_from_s']:.1f} s: judged against a self-baseline from your own "
                f"recent frames ({status['self_frames']} frames); run `posturewatch calibrate`")
    population = sum(1 for f in report["frames"] if f["calibrated"] is False)
    if report["baseline"] is None:
        if status["self_frames"]:
            return (f"  no calibration: judged against a self-baseline from your own recent "
                    f"frames ({status['self_frames']} frames) within population priors "
                    f"(run `posturewatch calibrate` for accuracy)")
        return "  judged against population defaults (run `posturewatch calibrate` for accuracy)"
    view = report["baseline"]["view"]
    if population:
        return (f"  judged against your {view}-view calibration; {population} frames seen "
                f"from another view used population defaults")
    return f"  judged against your {view}-view calibration"


def _states(report: dict[str, Any]) -> str:
    t = report["totals"]
    counts = t["frames"]
    if report["still"]:
        lines = [f"{report['source']}: {sum(counts.values())} images — "
                 + ", ".join(f"{s.value} {counts[s.value]}" for s in Posture)]
        lines += [f"  {f['path']}: {f['state']}" + _why(f) for f in report["frames"]]
        return "\n".join(lines)
    total = sum(t[f"{s.value}_s"] for s in Posture)
    parts = ", ".join(
        f"{s.value} {t[f'{s.value}_s']:.1f} s ({100 * t[f'{s.value}_s'] / (total or 1):.0f}%)"
        for s in Posture
    )
    return f"{report['source']}: {total:.1f} s judged — {parts}"


def _reminders(report: dict[str, Any]) -> list[str]:
    if "sitting" not in report:
        return []
    sitting = report["sitting"]
    outcome = {True: "acted on", False: "not acted on", None: "open"}
    return [f"  sitting {sitting['sitting_s']:.0f} s, longest bout "
            f"{sitting['longest_bout_s']:.0f} s, {sitting['breaks']} breaks"] + [
        f"  {r['t']:8.1f} s  {r['rule']}: {r['title']} ({outcome[r['acted']]})"
        for r in report["reminders"]
    ]
