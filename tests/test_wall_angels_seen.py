"""During `run`, wall angels seen after a wall-angel reminder mark it acted on with the
count; the store keeps the set; `summary` and `report` show it. The real monitor loop on a
clock the test controls, real frames and the real model: slouched frames from the shared
footage until the reminder comes, then the seated press clip from the evaluation footage
(POSTUREWATCH_DEVDATA, read in place, standing in for seated wall angels), then upright."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest

from posturewatch.app.monitor import Monitor, Notice, ReminderDue, Stopped
from posturewatch.app.store_history import StoreHistory
from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.core.settings import settings
from posturewatch.core.typed_settings import Settings
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_config
from posturewatch.storage.history import History

from conftest import run_cli
from monitor_harness import CachedPose, FakeClock, write_baseline

SHORT = """
[wall_angel]
window_min = 1.0
slouch_share = 0.5
[posture]
enabled = false
[stretch]
enabled = false
[break]
enabled = false
[ergonomics]
enabled = false
[reminders]
min_gap_min = 0.0
[exercise]
watch_min = 2.0
"""
# Seconds on the monitor's timeline: the reminder comes after about 30 s of slouching; the
# set is over 30 s (exercise.set_gap_s) after its last repetition, before the end.
PRESS_AT, UPRIGHT_AT, END_AT = 45.0, 53.0, 90.0
START = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


class PressCamera:
    """Slouched until PRESS_AT, then the press clip frame by frame in real time, then
    upright until END_AT."""

    name = "scripted camera"

    def __init__(self, clock: FakeClock, slouched: list, press: list, fps: float,
                 upright: list) -> None:
        self.clock, self.slouched, self.press, self.fps = clock, slouched, press, fps
        self.upright = upright

    def open(self) -> PressCamera:
        return self

    def read(self) -> np.ndarray:
        from posturewatch.app.grabbers import SourceEnded

        t = self.clock.t()
        if t >= END_AT:
            raise SourceEnded(self.name)
        if t < PRESS_AT:
            return self.slouched[int(t) % len(self.slouched)]
        if t < UPRIGHT_AT:
            return self.press[min(len(self.press) - 1, int((t - PRESS_AT) * self.fps))]
        return self.upright[int(t) % len(self.upright)]

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def seen(devdata: Path, pools: dict, model: Path, tmp_path_factory: pytest.TempPathFactory,
         isolated_home: Path) -> dict:
    folder = tmp_path_factory.mktemp("angels")
    capture = cv2.VideoCapture(str(devdata / "exercise" / "press-seated-home.mp4"))
    fps = capture.get(cv2.CAP_PROP_FPS)
    press = []
    while (frame := capture.read())[0]:
        press.append(cv2.cvtColor(frame[1], cv2.COLOR_BGR2RGB))
    capture.release()
    rgb = {k: [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in v] for k, v in pools.items()}
    (folder / "short.toml").write_text(SHORT)
    config = load_config(folder / "short.toml")
    store = folder / "history.sqlite3"
    clock = FakeClock(START)
    camera = PressCamera(clock, rgb["slouched"], press, fps, rgb["upright"])
    with PoseEstimator(model, settings(PoseSettings, config.section("pose")),
                       video=False) as estimator:
        typed = Settings.from_config(config)
        monitor = Monitor(typed, open_grabber=camera.open,
                          estimator=CachedPose(estimator),  # type: ignore[arg-type]
                          baseline=write_baseline(model, rgb["upright"], None),
                          catalog=load_catalog(), clock=clock,
                          history=StoreHistory.for_settings(lambda: History.open(store), typed),
                          source_name="scripted")
        events: list = []

        def drain() -> None:
            while not isinstance(event := monitor.events.get(), Stopped):
                events.append(event)

        reader = threading.Thread(target=drain)
        reader.start()
        monitor.run()
        reader.join()
    with History.open(store) as history:
        records = history.read()
    summary = json.loads(run_cli("summary", "--store", store, "--date", "2026-03-03",
                                 "--json").stdout)
    text = run_cli("summary", "--store", store, "--date", "2026-03-03").stdout
    page = folder / "report.html"
    run_cli("report", "--store", store, "--date", "2026-03-03", "--out", page)
    return {"events": events, "records": records, "summary": summary, "text": text,
            "page": page.read_text()}


def test_the_reminder_is_acted_on_with_the_count_seen(seen: dict) -> None:
    due = [e.reminder for e in seen["events"] if isinstance(e, ReminderDue)]
    assert [r.rule for r in due] == ["wall_angel"] and due[0].t < PRESS_AT
    [stored] = seen["records"].reminders
    assert (stored.rule, stored.outcome, stored.note) == ("wall_angel", "acted",
                                                          "3 wall angels, seen")
    notices = [e.body for e in seen["events"] if isinstance(e, Notice)]
    assert "3 wall angels, seen. Well done." in notices


def test_the_store_keeps_the_set_and_summary_and_report_show_it(seen: dict) -> None:
    [done] = seen["records"].exercises
    assert (done.exercise, done.reps) == ("wall_angel", 3)
    assert 0 < done.end_utc - done.start_utc < UPRIGHT_AT - PRESS_AT + 1
    assert [(e["id"], e["reps"]) for e in seen["summary"]["exercises"]] == [("wall_angel", 3)]
    assert "wall angels seen" in seen["text"] and "3 in 1 set" in seen["text"]
    assert 'id="exercises"' in seen["page"] and "3 wall angels" in seen["page"]
    assert 'id="warning-signs"' in seen["page"]
