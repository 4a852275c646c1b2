"""The live monitor put together: the one place that builds what ``posturewatch run``
watches with (the camera or a recording replayed in real time, the pose model, the history
store, the saved settings and calibration) and hands it to a :class:`Monitor`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from posturewatch.app import quiet_file
from posturewatch.app.clock import Clock, SystemClock
from posturewatch.app.desk_watchers import Watcher, camera_node, desk_watchers
from posturewatch.app.grabbers import CameraGrabber, Grabber, ReplayGrabber, one_thread
from posturewatch.app.history_sink import HistorySink, LogHistory
from posturewatch.app.monitor import Monitor
from posturewatch.app.monitor_messages import Notice
from posturewatch.app.quiet_file import QuietFile
from posturewatch.app.sinks import Sink
from posturewatch.app.store_history import StoreHistory
from posturewatch.capture.file_names import camera_name, shown
from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.steady_scene import steady
from posturewatch.core.baseline import CalibrationError
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.happened import Calibrated, Message
from posturewatch.storage.baseline_file import default_path, find_baseline, save_baseline
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_watch import ConfigWatch
from posturewatch.storage.history import History, default_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveOptions:
    """What ``run`` was asked for."""

    settings: Settings
    model: Path
    camera: int | str = 0
    recording: Path | None = None  # replayed in real time instead of the camera
    baseline: Path | None = None  # --baseline; default: the saved calibration
    store: Path | None = None  # default: the data folder's
    keep_history: bool = True  # False: --no-store
    config_file: Path | None = None  # --config, watched for saved changes too

    @property
    def source_name(self) -> str:
        if self.recording is not None:
            return shown(self.recording)  # printed, logged and stored: any bytes shown
        return camera_name(self.camera)


class BaselineFile(Sink):
    """A guided calibration's baseline, saved where ``calibrate`` saves it."""

    name = "baseline file"
    takes = (Calibrated,)

    def __init__(self, path: Path) -> None:
        self.path = path

    def take(self, message: Message) -> None:
        assert isinstance(message, Calibrated)
        save_baseline(message.baseline, self.path)


def open_history(options: LiveOptions) -> HistorySink:
    """The history sink. A store it cannot write (a full or read-only disk, a newer
    version's) does not keep the monitor from starting: it watches, says so, and keeps
    what it sees until the store takes it; a damaged one is moved aside for a new one."""
    if not options.keep_history:
        return LogHistory()
    store = options.store or default_store()
    return StoreHistory.for_settings(lambda: History.open(store), options.settings)


def grabber_opener(options: LiveOptions, clock: Clock) -> Callable[[], Grabber]:
    """Opens the camera (again after a failure), or the recording at the point its
    replay has reached."""
    if options.recording is not None:
        path, start = options.recording, clock.read().elapsed
        return lambda: ReplayGrabber(path, lambda: clock.read().elapsed, start)
    source = options.settings.source
    return lambda: CameraGrabber(options.camera, source.camera_width, source.camera_height)


@contextmanager
def live_monitor(options: LiveOptions) -> Iterator[Monitor]:
    """The monitor with everything it watches with; the model is closed on the way out.
    IMAGE mode: frames a second or more apart gain nothing from VIDEO mode's tracking, and
    every detection is then fresh (no pose carried over into an empty chair, so no extra
    fresh looks): about a quarter less CPU (bench/monitor_cpu.py)."""
    settings = options.settings
    one_thread()
    try:
        baseline, unread = find_baseline(options.baseline), None
    except CalibrationError as exc:  # watched without it, and said: no reason to stop
        baseline, unread = None, Notice("Calibration not read", f"{exc}. Judged against "
                                        "your own recent upright posture meanwhile.",
                                        logging.WARNING)
    clock = SystemClock()
    open_grabber = grabber_opener(options, clock)  # a recording plays from now on
    history = open_history(options)
    watch = ConfigWatch(options.config_file)
    with PoseEstimator(options.model, settings.pose, video=False) as pose:
        estimator = steady(pose, settings.steady)
        watchers: list[Watcher] = []
        try:
            monitor = Monitor(
                settings, open_grabber=open_grabber, estimator=estimator,
                baseline=baseline, catalog=load_catalog(), clock=clock, history=history,
                source_name=options.source_name, config_changed=watch.changed,
                sinks=[BaselineFile(options.baseline or default_path()),
                       QuietFile(quiet_file.default_path())],
            )
            if unread is not None:  # shown where notices are, once the desk is up
                monitor.events.put(unread)
            watchers = desk_watchers(monitor.submit, calls=settings.desk.calls,
                                     battery=settings.desk.battery,
                                     node=camera_node(options.camera, options.recording))
            for watcher in watchers:  # facts queue up until the loop runs
                watcher.start()
            yield monitor
        finally:
            for watcher in watchers:
                watcher.stop()
            if estimator is not pose:
                estimator.close()  # says how often the model ran; closes it once
