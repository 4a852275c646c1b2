"""``posturewatch calibrate``: record the user's upright baseline."""

from __future__ import annotations

import argparse
import json
import sys

from tqdm import tqdm

from posturewatch.app.analysis import judge_source
from posturewatch.app.history_rows import write_calibration
from posturewatch.app.local_time import now_utc, utc_offset_s
from posturewatch.cli import frame_input
from posturewatch.cli.look import Shower, starting
from posturewatch.cli.parsing import add_command, camera_arg, path_arg, seconds_arg
from posturewatch.core.baseline import (
    HEAD_CUT,
    HEAD_CUT_FIX,
    Baseline,
    CalibrationError,
    build_baseline,
)
from posturewatch.core.judgement import check_calibration, describe
from posturewatch.core.metrics import PostureMetrics
from posturewatch.desktop.look_window import LookWindow, WindowClosed
from posturewatch.storage.atomic import check_writable
from posturewatch.storage.baseline_file import default_path, save_baseline
from posturewatch.storage.history import History

EPILOG = """examples:
  posturewatch calibrate --camera 0                sit tall until enough good frames (at most 30 s)
  posturewatch calibrate --source upright.mp4 --seconds 5
  posturewatch calibrate --source upright-photos/ --out me.json
  posturewatch calibrate --source me.mp4 --keep-posture   even if it does not look upright
  posturewatch calibrate --camera 0 --show        see the camera's picture while it records
  posturewatch calibrate                           guided, by the running monitor
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "calibrate",
        help="record your upright posture as the baseline",
        description="Sit tall, facing the screen as you work, while posturewatch records "
        "your upright posture. Saved in your data folder unless --out is given.",
        epilog=EPILOG,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--camera", type=camera_arg, metavar="N",
                       help="record from webcam N (an index, or a device such as /dev/video2)")
    where.add_argument("--source", metavar="PATH", help="a video, image or folder of you upright")
    parser.add_argument("--seconds", type=seconds_arg, metavar="S",
                        help="longest to record from a camera, or how much of a video to use "
                        "(default: calibration.seconds for a camera, every frame of a file)")
    parser.add_argument("--out", type=path_arg, metavar="FILE",
                        help=f"where to save (default: {default_path()})")
    parser.add_argument("--json", action="store_true", help="print the baseline as JSON")
    parser.add_argument("--show", action="store_true",
                        help="show what the camera sees while recording (the window of "
                        "`posturewatch look`); closing it cancels the calibration")
    parser.add_argument("--keep-posture", action="store_true",
                        help="save the baseline even if it does not look upright against how "
                        "people sit (head forward or down, sunk, leaning): for a body or a "
                        "camera placement unlike most")
    frame_input.add_frame_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.camera is None and args.source is None:
        return _ask_monitor()
    window = LookWindow() if args.show else None  # no display: one line, before the work
    try:
        return _calibrate(args, window)
    except WindowClosed:
        raise CalibrationError("calibration cancelled: the window was closed, nothing saved",
                               "run calibrate again") from None
    finally:
        if window is not None:
            window.close()


def _calibrate(args: argparse.Namespace, window: LookWindow | None) -> int:
    config = frame_input.load(args)
    section = config.calibration
    live = args.camera is not None
    seconds = args.seconds if args.seconds is not None else (section.seconds if live else None)
    out = args.out or default_path()
    specs = [args.source] if args.source else []
    check_writable(out, frame_input.files_read(args, specs))
    classifier = config.classifier
    if window is not None:
        starting(window, classifier)
    (source,), model = frame_input.inputs(args, config, specs)
    samples: list[PostureMetrics] = []
    seen = 0
    lacking = {"no person found": 0, "face hidden": 0, HEAD_CUT: 0}
    recorded = 0.0
    if live:
        print(f"Sit tall and look at the screen (at most {seconds:g} seconds)…", file=sys.stderr)
    bar = tqdm(total=source.total, unit="frame", desc="calibrating", leave=False,
               file=sys.stderr, disable=None)
    show = (Shower(window, source, classifier, picture=True, blur_face=False,
                   note="calibrating: sit tall and look at the screen")
            if window is not None else None)
    try:
        with frame_input.estimator(model, config, video=not source.still) as estimator:
            for result in judge_source(source, estimator, None, classifier, until=seconds,
                                       on_frame=show):
                bar.update()
                recorded = result.t
                seen += 1
                m = result.metrics
                if m is None:
                    lacking["no person found"] += 1
                elif m.face_visibility < classifier.min_visibility:
                    lacking["face hidden"] += 1
                elif m.face_cut:
                    lacking[HEAD_CUT] += 1
                else:  # whatever else is visible counts; each value is a median of its own
                    samples.append(m)
                if show is not None:
                    show.note = (f"calibrating: {len(samples)} of {section.target_frames} "
                                 "good frames; sit tall and look at the screen")
                if live and len(samples) >= section.target_frames:
                    break
    finally:
        bar.close()
        source.close()
    try:
        baseline = build_baseline(samples, section.min_frames, seen=seen)
    except CalibrationError as exc:
        if seen := ", ".join(f"{n} with {why}" for why, n in lacking.items() if n):
            fix = HEAD_CUT_FIX if lacking[HEAD_CUT] == max(lacking.values()) else exc.fix
            raise CalibrationError(f"{exc.problem}; frames not used: {seen}", fix) from None
        raise
    check = check_calibration(baseline, classifier)
    if check.refused and not args.keep_posture:
        raise CalibrationError(
            f"calibration refused: {describe(check.refused)}, unlike anybody sitting upright",
            "sit tall facing the screen and run calibrate again, or keep it with "
            "--keep-posture",
        )
    save_baseline(baseline, out)
    if args.out is None:  # the user's own baseline: part of their history
        _record(baseline)
    odd = check.refused + check.odd  # a refusal kept with --keep-posture is noted too
    if args.json:
        print(json.dumps({"path": str(out), "baseline": baseline.to_json(), "odd": list(odd)},
                         indent=2))
    else:
        span = "" if source.still else f" over {recorded:.1f} s"
        print(f"baseline saved to {out} ({baseline.frames} frames{span}, {baseline.view} view)")
    if odd:
        print(f"note: it looked as if {describe(odd)}; kept, since bodies and cameras "
              "differ. `posturewatch run` checks it against your own upright posture as you "
              "work and says when they disagree (calibrate again if you were not sitting "
              "tall)", file=sys.stderr)
    return 0


def _record(baseline: Baseline) -> None:
    """Into the history store (summary, export), like a calibration the monitor makes."""
    at = now_utc()
    history = History.open()
    try:
        write_calibration(history, at, utc_offset_s(at), baseline)
    finally:
        history.close()


def _ask_monitor() -> int:
    """No source named: the running monitor calibrates (a notification before and after)."""
    from posturewatch.app.control import NotRunning, request

    try:
        request("calibrate")
    except NotRunning:
        raise NotRunning("no monitor is running to calibrate",
                         "start `posturewatch run`, or give --camera N or --source PATH") from None
    print("the monitor is calibrating: sit tall and look at the screen "
          "(a notification says when it is done)")
    return 0
