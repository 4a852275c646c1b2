"""``posturewatch look``: a window with what the camera sees and how it is judged."""

from __future__ import annotations

import argparse
import time

from posturewatch.app.analysis import FrameResult, judge_source
from posturewatch.app.overlay import draw
from posturewatch.capture.sources import Frame, FrameSource
from posturewatch.cli import frame_input
from posturewatch.cli.parsing import add_command, camera_arg, path_arg, seconds_arg
from posturewatch.core.judgement import ClassifierSettings
from posturewatch.desktop.look_window import LookWindow, WindowClosed, closing_on_sigterm
from posturewatch.storage.baseline_file import find_baseline

EPILOG = """examples:
  posturewatch look                        webcam 0, judged against your calibration
  posturewatch look --camera 1 --blur-face
  posturewatch look --no-picture           the pose, lines and verdict on a plain background
  posturewatch look --source clip.mp4      a recording in the camera's place, in real time

Close the window (or press q or Esc) to end; the camera is released at once.
Green: upright; orange: slouched, with what is wrong. The light blue dashed lines are your
upright reference (the face's height over the shoulders, the trunk's axis), the yellow
ones where a slouch begins.
"""
STILL_S = 2.0  # seconds each photo of a folder is shown


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "look",
        help="show what the camera sees, and how your posture is judged",
        description="A window with the camera's picture, the pose posturewatch finds, your "
        "reference lines (your calibration, else your own recent upright posture) and the "
        "verdict with its reason. Frames stay in memory.",
        epilog=EPILOG,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--camera", type=camera_arg, metavar="N",
                       help="webcam N (an index, or a device such as /dev/video2; default 0)")
    where.add_argument("--source", metavar="PATH",
                       help="a video, image or folder to show in the camera's place")
    parser.add_argument("--baseline", type=path_arg, metavar="FILE",
                        help="a calibration file (default: your saved calibration)")
    parser.add_argument("--blur-face", action="store_true",
                        help="pixelate the face (for a screen share or a screenshot)")
    parser.add_argument("--no-picture", action="store_true",
                        help="hide the picture: the pose, lines and verdict on a plain background")
    parser.add_argument("--seconds", type=seconds_arg, metavar="S",
                        help="close the window after S seconds (default: when you close it)")
    frame_input.add_frame_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    window = LookWindow()  # no display: one line, before the model is looked up
    try:
        config = frame_input.load(args)
        classifier = config.classifier
        starting(window, classifier)
        baseline = find_baseline(args.baseline)
        if args.source is None and args.camera is None:
            args.camera = 0
        (source,), model = frame_input.inputs(args, config, [args.source] if args.source else [])
        try:
            with closing_on_sigterm(window), frame_input.estimator(
                    model, config, video=not source.still) as estimator:
                show = Shower(window, source, classifier, picture=not args.no_picture,
                              blur_face=args.blur_face)
                try:
                    for _ in judge_source(source, estimator, baseline, classifier,
                                          until=args.seconds, on_frame=show):
                        pass
                    if args.seconds is None:  # a recording ended: its last picture stays
                        show.last(note="the end of the recording: close the window to quit")
                except WindowClosed:
                    pass
        finally:
            source.close()  # the camera is free again before the window goes
    finally:
        window.close()
    return 0


def starting(window: LookWindow, s: ClassifierSettings) -> None:
    """The window's first picture, while the model and the camera start."""
    window.show(draw(None, s, frame=None, frame_size=(640, 480), height=window.height,
                     width=window.width, note="starting: the pose model and the camera"))


class Shower:
    """Each judged frame drawn into the window; a recording paced in real time (a photo
    of a folder shown ``STILL_S``), a camera as it comes."""

    def __init__(self, window: LookWindow, source: FrameSource, s: ClassifierSettings, *,
                 picture: bool, blur_face: bool, note: str = "") -> None:
        self.window, self.source, self.s = window, source, s
        self.picture, self.blur_face, self.note = picture, blur_face, note
        self._start: float | None = None
        self._shown: tuple[Frame, FrameResult] | None = None
        self._stills = 0

    def __call__(self, frame: Frame, result: FrameResult) -> None:
        if self._start is None:
            self._start = time.monotonic()
        if not self.source.live:  # the recording's own pace (the next frame is due then)
            due = self._stills * STILL_S if self.source.still else frame.t
            self.window.wait(max(0.0, self._start + due - time.monotonic()))
            self._stills += 1
        self._shown = (frame, result)
        self._draw(self.note)

    def last(self, note: str) -> None:
        """Keeps the last picture (with ``note``) until the window is closed."""
        if self._shown is None:
            return
        self._draw(note)
        while True:
            self.window.wait(1.0)

    def _draw(self, note: str) -> None:
        assert self._shown is not None
        frame, result = self._shown
        height, width = frame.rgb.shape[:2]
        self.window.show(draw(result, self.s, frame=frame.rgb if self.picture else None,
                              frame_size=(width, height), height=self.window.height,
                              width=self.window.width, blur_face=self.blur_face, note=note))
