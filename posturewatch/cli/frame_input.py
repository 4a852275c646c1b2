"""What the frame-judging commands (analyze, calibrate) share: options, config, model, sources, output."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import TextIO

from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.sources import Camera, FrameSource, open_source
from posturewatch.cli import history_options
from posturewatch.cli.parsing import fps_arg, path_arg
from posturewatch.core.typed_settings import Settings
from posturewatch.storage.atomic import atomic_output, spooled
from posturewatch.storage.config_file import load_settings
from posturewatch.storage.pose_model_files import resolve_model

log = logging.getLogger(__name__)


def add_frame_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=path_arg, metavar="FILE", help="a pose .task file to use")
    parser.add_argument(
        "--fps", type=fps_arg, metavar="N", help="frames per second to judge, 0 = every frame "
        "(default: source.fps in the config)"
    )


def fps_of(args: argparse.Namespace, config: Settings) -> float:
    return args.fps if args.fps is not None else config.source.fps


def load(args: argparse.Namespace) -> Settings:
    config = load_settings(args.config)
    log.info("settings from: %s", ", ".join(map(str, config.files)))
    return config


def camera(device: int | str, config: Settings, fps: float) -> Camera:
    return Camera(device, fps, config.source.camera_width, config.source.camera_height)


def sources(args: argparse.Namespace, config: Settings, specs: list[str]) -> list[FrameSource]:
    """Every source opened (each checked: a missing file or camera is an error here), or
    none: on an error the ones already opened are closed."""
    fps = fps_of(args, config)
    opened: list[FrameSource] = []
    try:
        if args.camera is not None:
            opened.append(camera(args.camera, config, fps))
        for spec in specs:
            opened.append(open_source(spec, fps=fps, sequence=getattr(args, "sequence", False)))
    except BaseException:
        close_all(opened)
        raise
    return opened


def close_all(sources: list[FrameSource]) -> None:
    for source in sources:
        source.close()


def inputs(
    args: argparse.Namespace, config: Settings, specs: list[str]
) -> tuple[list[FrameSource], Path]:
    """The sources, then the model: a typo in a path is reported before the model is
    resolved, let alone downloaded."""
    opened = sources(args, config, specs)
    try:
        return opened, model_path(args, config)
    except BaseException:
        close_all(opened)
        raise


def estimator(model: Path, config: Settings, *, video: bool) -> PoseEstimator:
    """The pose model, in a worker process that can reach nothing; this process keeps
    local sockets only (a window, the desktop bus): ``capture/pose.py``."""
    return PoseEstimator(model, config.pose, video=video)


def model_path(args: argparse.Namespace, config: Settings) -> Path:
    """Resolved once per command (downloading if needed), before any frame is read."""
    model = resolve_model(config.model, args.model)
    log.info("pose model: %s", model)
    return model


@contextmanager
def json_output(target: str | None) -> Iterator[TextIO | None]:
    """Where ``--json`` goes: None without it; ``-`` is stdout; a path is written whole or
    not at all (written through if it is a device or FIFO). Either way the text waits in a
    temporary file, not in memory, until the command has finished."""
    if target is None:
        yield None
    elif target == "-":
        with spooled(lambda: nullcontext(sys.stdout)) as out:
            yield out
    else:
        with atomic_output(path_arg(target)) as out:
            yield out


def files_read(args: argparse.Namespace, specs: list[str]) -> list[tuple[str, Path | None]]:
    """What a frame-judging command reads, so no output replaces it (``check_writable``):
    the recordings and images (a folder's files too), the model, the config files."""
    reads: list[tuple[str, Path | None]] = []
    for spec in specs:
        path = Path(spec).expanduser()
        reads.append(("a source", path))
        if path.is_dir():
            with suppress(OSError):  # a folder it cannot list: the source says so
                reads += [("an image in a source folder", p) for p in path.iterdir()]
    return [*reads, ("the pose model", args.model), *history_options.config_files(args)]
