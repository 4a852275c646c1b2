"""``posturewatch analyze``: judge footage or the live webcam and summarise the states."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from posturewatch.app.analysis import FrameResult, JudgementNotes, Totals, judge_source
from posturewatch.app.local_time import parse_time, utc_offset_s
from posturewatch.app.recording import Recording, place_clip
from posturewatch.capture.sources import FrameSource
from posturewatch.cli import frame_input, history_options
from posturewatch.cli.parsing import add_command, camera_arg, path_arg, seconds_arg
from posturewatch.cli.report_json import ReportStream
from posturewatch.core.baseline import Baseline
from posturewatch.core.judgement import ClassifierSettings
from posturewatch.core.observation import Posture
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.calendar import RecordingCalendar
from posturewatch.core.watch.exercises import named
from posturewatch.errors import SourceError
from posturewatch.storage.atomic import check_writable, is_stdout
from posturewatch.storage.baseline_file import default_path, find_baseline
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.history import History, default_store

log = logging.getLogger(__name__)

EPILOG = """examples:
  posturewatch analyze meeting.mp4                  summary of a recording
  posturewatch analyze photos/ --json -             each photo judged, JSON to stdout
  posturewatch analyze frames/ --sequence --fps 5   a folder of frames as a 5 fps video
  posturewatch analyze --camera 0 --seconds 60      one minute of the live webcam
  posturewatch analyze clip.mp4 --baseline me.json --json out.json
  posturewatch analyze workday.mp4 --reminders     when reminders would have fired
  posturewatch analyze workday.mp4 --store          keep its timeline for `summary`/`report`
  posturewatch analyze day.mp4 --store h.sqlite3 --start 2026-03-02T09:00
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "analyze",
        help="judge posture in videos, images or the webcam",
        description="Judge each sampled frame as upright, slouched, away or unknown "
        "against your calibrated baseline (population defaults if you have none), or as "
        "standing; count the wall angels, neck tilts, side bends and stand-ups seen.",
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
    parser.add_argument(
        "--store", nargs="?", const="", metavar="PATH",
        help="write each recording's timeline into a history store (default: your data folder)"
    )
    parser.add_argument(
        "--start", metavar="ISO-TIME",
        help="with --store: when the recording began (default: its own creation time, else "
        "its modification time minus its length); local time unless it has an offset"
    )
    frame_input.add_frame_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.sources and args.camera is None:
        raise SourceError("nothing to analyze", "name a video, image or folder, or use --camera N")
    store = None if args.store is None else path_arg(args.store) if args.store \
        else default_store()
    if args.json not in (None, "-"):  # before minutes of work, not after
        check_writable(path_arg(args.json), [
            *frame_input.files_read(args, args.sources),
            ("the baseline", args.baseline or default_path()),
            *([] if store is None else history_options.store_files(store))])
    config = frame_input.load(args)
    classifier = config.classifier
    baseline = find_baseline(args.baseline)
    log.info("baseline: %s", "calibrated" if baseline else "population defaults")
    start = _start(args)
    sources, model = frame_input.inputs(args, config, args.sources)
    history = None
    try:
        for flag, wanted in (("--reminders", args.reminders), ("--store", args.store is not None)):
            if wanted and (stills := [s.name for s in sources if s.still]):
                raise SourceError(
                    f"{flag} needs a timeline, and {stills[0]} is a set of stills",
                    "use a video, --camera, or --sequence for a folder of frames",
                )
        if start is not None and len(sources) > 1:
            raise SourceError("--start places one recording", "store the recordings one by one")
        if store is not None:  # opened before the work, so a bad store fails early
            history = History.open(store)
        with frame_input.json_output(args.json) as out:
            stream = ReportStream(out, many=len(sources) > 1) if out else None
            summaries = []
            for source in sources:
                recording = _recording(source, start, config, store=history is not None)
                summaries.append(report_source(
                    source, _judge(source, args.seconds, model, config, classifier, baseline),
                    model, baseline, stream, recording=recording, reminders=args.reminders,
                ))
                if history and recording:
                    summaries[-1][0]["stored"] = _store(history, source, recording)
            if stream:
                stream.close()
    finally:
        frame_input.close_all(sources)
        if history:
            history.close()
    json_on_stdout = args.json == "-" or (args.json is not None and is_stdout(path_arg(args.json)))
    if not json_on_stdout:  # the JSON alone on stdout, so it can be piped
        for report, seen in summaries:
            print(_summary(report, seen))
    return 0


@dataclass
class Seen:
    """What the summary needs from the frames, kept as they pass instead of the frames."""

    population: int = 0  # frames judged against the population defaults
    stills: list[tuple[str, str]] = field(default_factory=list)  # (path, state) per photo


def report_source(
    source: FrameSource,
    results: Iterable[FrameResult],
    model: Path,
    baseline: Baseline | None,
    stream: ReportStream | None,
    *,
    recording: Recording | None,
    reminders: bool,
) -> tuple[dict[str, Any], Seen]:
    """One source's report from its settled ``results``: each frame goes into ``stream``,
    into the totals and into the ``recording`` (a watch session: wall angels, sitting and
    reminders; None for stills, which have no timeline) as it arrives and is then let go,
    so memory stays flat however long a camera runs. Returns the report without its
    frames, and what the summary needs of them."""
    report: dict[str, Any] = {
        "source": source.name,
        "model": str(model),
        "baseline": baseline.to_json() if baseline else None,
        "still": source.still,
        "interval_s": round(source.interval, 4),
    }
    if stream:
        stream.begin(report)
    tally, seen, notes = Totals(source.interval, still=source.still), Seen(), JudgementNotes()
    for result in results:
        tally.add(result)
        notes.add(result)
        if recording is not None:
            recording.push(result)
        if stream:
            stream.frame(result.to_json())
        seen.population += result.calibrated is False
        if source.still:
            seen.stills.append((str(result.path), result.state.value + _why(result)))
    exercises: list[dict[str, Any]] = []
    timeline: dict[str, Any] = {}
    if recording is not None:
        totals = recording.finish(source.end)
        exercises = [e.to_dict() for e in recording.exercises]
        if reminders:
            timeline = totals.to_json()
    tail: dict[str, Any] = {"totals": tally.result(source.end), "exercises": exercises,
                            **notes.result()}
    if skipped := getattr(source, "skipped", None):
        tail["skipped"] = [str(p) for p in skipped]
    tail.update(timeline)
    if stream:
        stream.end(tail)
    return {**report, **tail}, seen


def _start(args: argparse.Namespace) -> float | None:
    if args.start is None:
        return None
    if args.store is None:
        raise SourceError("--start places a recording in the history store", "add --store")
    return parse_time(args.start)


def _recording(source: FrameSource, start: float | None, config: Settings, *,
               store: bool) -> Recording | None:
    """A watch session over the source's timeline, placed where it was recorded when it
    is stored (else ``t = 0`` is a midnight, which the default all-day active hours
    ignore); None for stills."""
    if source.still:
        return None
    if not store:
        return Recording(config, load_catalog(), RecordingCalendar(0.0, lambda utc: 0))
    start_utc, key = place_clip(source, start)
    return Recording(config, load_catalog(), RecordingCalendar(start_utc, utc_offset_s),
                     store=True, key=key, interval=source.interval)


def _store(history: History, source: FrameSource, recording: Recording) -> dict[str, Any]:
    """Write the clip's timeline (after its frames have passed); for the summary line."""
    stored = recording.store(history, source.name)
    log.info("stored %s in %s", source.name, history.path)
    return stored.to_dict()


def _judge(
    source: FrameSource,
    seconds: float | None,
    model: Path,
    config: Settings,
    classifier: ClassifierSettings,
    baseline: Baseline | None,
) -> Iterator[FrameResult]:
    bar = tqdm(total=source.total, unit="frame", desc=source.name, leave=False,
               file=sys.stderr, disable=None)
    try:
        with frame_input.estimator(model, config, video=not source.still) as estimator:
            for result in judge_source(source, estimator, baseline, classifier, until=seconds,
                                       stance=config.stance):
                bar.update()
                yield result
    finally:
        bar.close()


def _summary(report: dict[str, Any], seen: Seen) -> str:
    s = report.get("stored")
    stored = [f"  stored in {s['store']}: {s['start']} to {s['end']}"] if s else []
    return "\n".join([_states(report, seen), *_exercises(report), *_reasons(report),
                      *_reminders(report),
                      _baseline_note(report, seen), *stored])


def _exercises(report: dict[str, Any]) -> list[str]:
    return [f"  {named(e['reps'], e['id'])} seen"
            + (f" ({e['left']} left, {e['right']} right)" if "left" in e else "")
            + f", {e['from_s']:.1f} to {e['to_s']:.1f} s" for e in report["exercises"]]


def _why(result: FrameResult) -> str:
    return f" ({', '.join(r.replace('_', ' ') for r in result.reasons)})" if result.reasons else ""


def _reasons(report: dict[str, Any]) -> list[str]:
    if not report["reasons"]:
        return []
    return ["  slouched frames: " + ", ".join(
        f"{reason.replace('_', ' ')} {n}" for reason, n in report["reasons"].items())]


def _baseline_note(report: dict[str, Any], seen: Seen) -> str:
    population = seen.population
    status = report["baseline_status"]
    if status["stale"]:
        return (f"  your calibration's view no longer matches (camera or seat moved?) from "
                f"{status['stale_from_s']:.1f} s: judged against a self-baseline from your own "
                f"recent frames ({status['self_frames']} frames); run `posturewatch calibrate`")
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


def _states(report: dict[str, Any], seen: Seen) -> str:
    t = report["totals"]
    counts = t["frames"]
    if report["still"]:
        lines = [f"{report['source']}: {sum(counts.values())} images — "
                 + ", ".join(f"{s.value} {counts[s.value]}" for s in Posture)]
        lines += [f"  {path}: {state}" for path, state in seen.stills]
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
            f"{sitting['longest_bout_s']:.0f} s, {sitting['breaks']} breaks, standing "
            f"{sitting['standing_s']:.0f} s"] + [
        f"  {r['t']:8.1f} s  {r['rule']}: {r['title']} ({outcome[r['acted']]})"
        for r in report["reminders"]
    ]
