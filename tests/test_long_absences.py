"""A camera gone for days, and a config saved with a byte that is not UTF-8, through the
real monitor loop on the test clock (real frames, the real model): it keeps retrying at
the capped wait, keeps its old settings, and recovers when the camera returns."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest

from posturewatch.app.history_sink import LogHistory
from posturewatch.app.monitor import Monitor, Notice, StatusChanged, Stopped
from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.core.camera_health import CameraHealth, CameraSettings
from posturewatch.core.settings import settings
from posturewatch.core.typed_settings import Settings
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_config
from posturewatch.storage.config_watch import ConfigWatch

from monitor_harness import CachedPose, FakeClock, ScriptedCamera, Segment, write_baseline

DAYS = 3


def test_retries_at_the_cap_for_days_without_overflow() -> None:
    health = CameraHealth(CameraSettings(2.0, 60.0))
    t, waits = 0.0, []
    while t < DAYS * 86_400:  # ~4,300 failures; the uncapped doubling overflowed at 1,024
        retry = health.failed(t, "unplugged")
        waits.append(retry - t)
        t = retry
    assert waits[:6] == [2, 4, 8, 16, 32, 60] and set(waits[6:]) == {60}
    assert health.since == 0 and health.recovered() == 0 and health.ok


def test_a_camera_gone_for_days_and_a_config_byte_that_is_not_utf8(
    pools: dict[str, list[np.ndarray]], model: Path, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rgb = {k: [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in v] for k, v in pools.items()}
    path = tmp_path / "mine.toml"
    path.write_bytes(b"[sitting]\nbreak_after_min = 45.0\n")
    watch = ConfigWatch(path)
    path.write_bytes(b"[sitting]\n# pause caf\xe9\nbreak_after_min = 20.0\n")  # saved as Latin-1
    config = load_config()
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    camera = ScriptedCamera(clock, rgb, [Segment(2, "upright"), Segment(DAYS * 1440, "taken"),
                                         Segment(2, "upright")])
    with PoseEstimator(model, settings(PoseSettings, config.section("pose")),
                       video=False) as estimator, caplog.at_level(logging.ERROR):
        monitor = Monitor(Settings.from_config(config), open_grabber=camera.open,
                          estimator=CachedPose(estimator),  # type: ignore[arg-type]
                          baseline=write_baseline(model, rgb["upright"], None),
                          catalog=load_catalog(), clock=clock, history=LogHistory(),
                          source_name="scripted", config_changed=watch.changed)
        monitor.run()
    events = []
    while not monitor.events.empty():
        events.append(monitor.events.get_nowait())
    assert isinstance(events[-1], Stopped) and events[-1].error is None  # the recording's end
    assert clock.t() >= DAYS * 86_400
    refused = [e for e in events if isinstance(e, Notice) and e.title == "Settings not reloaded"]
    assert len(refused) == 1 and "byte 0xe9 is not UTF-8" in refused[0].body
    assert "\n" not in refused[0].body  # one line where it is shown and logged (the desk)
    assert not [r for r in caplog.records if "not reloaded" in r.getMessage()]  # not twice
    assert monitor.settings.monitor.interval_s == 1.0 and \
        monitor.settings.rules.breaks.break_after_min == 45.0  # the old settings stay
    statuses = [e.status for e in events if isinstance(e, StatusChanged)]
    lost = [s for s in statuses if s.camera.startswith("camera problem")]
    assert lost and statuses[-1].camera == "ok"  # back by itself after three days
    assert camera.reads > 0
