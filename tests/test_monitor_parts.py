"""The monitor's pure parts with time as an input, and its small OS parts: sampling,
suspend and daylight saving from the clocks, camera retries, held reminders, durations,
autostart entries, status JSON, `config edit`."""

from __future__ import annotations

import json
import math
import os
import plistlib
import sys
from pathlib import Path

import pytest

from posturewatch.cli.parsing import duration_arg
from posturewatch.core.camera_health import CameraHealth, CameraSettings
from posturewatch.core.day_clock import ClockReading, DayClock
from posturewatch.core.held_reminders import HeldReminders
from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.core.sampling import CONTINUOUS, Next, SamplingSettings
from posturewatch.desktop.tray_look import icon_image
from posturewatch.storage import autostart

from conftest import run_cli


def test_sampling_looks_every_second_only_while_unsure() -> None:
    """Looks (the default, issue 22): the camera held and a frame every second while
    unsure, else let go until the next look in 15 s (20 s on battery). Continuous: held
    all along, a frame every 5 s (the battery's interval if longer)."""
    looks = SamplingSettings(interval_s=1.0, slow_interval_s=5.0)
    assert looks.next(unsure=True) == Next(1.0, hold=True)
    assert looks.next(unsure=False) == Next(15.0, hold=False)
    assert looks.next(unsure=False, on_battery=True) == Next(20.0, hold=False)
    assert looks.next(unsure=False, closer_s=2.0) == Next(1.0, hold=True)  # a wall angel
    continuous = SamplingSettings(1.0, 5.0, mode=CONTINUOUS)
    assert continuous.next(unsure=True) == Next(1.0, hold=True)
    assert continuous.next(unsure=False) == Next(5.0, hold=True)
    assert continuous.next(unsure=False, on_battery=True) == Next(20.0, hold=True)
    # a slow interval set below the close one never makes the monitor look faster
    assert SamplingSettings(2.0, 1.0, mode=CONTINUOUS).next(unsure=False).wait_s == 2.0


def reading(mono: float, elapsed: float, wall: float, offset: float) -> ClockReading:
    return ClockReading(mono, elapsed, wall, wall + offset)


def test_suspend_is_elapsed_time_running_ahead_of_monotonic() -> None:
    day = DayClock(reading(100, 1000, 1_700_000_000, 3600))
    assert day.step(reading(101, 1001, 1_700_000_001, 3600)) is None
    suspend = day.step(reading(102, 1002 + 1800, 1_700_000_002 + 1800, 3600))
    assert suspend is not None and suspend.seconds == pytest.approx(1800)
    assert day.t(reading(102, 2802, 0, 0)) == pytest.approx(1802)
    assert day.epoch(1802) == pytest.approx(1_700_001_802)


def test_daylight_saving_moves_the_local_offset_not_the_timeline() -> None:
    day = DayClock(reading(0, 0, 1_774_738_800, 3600))  # 2026-03-29 00:00 CET
    assert day.offset_s == pytest.approx(1_774_738_800 + 3600)
    day.step(reading(3 * 3600, 3 * 3600, 1_774_738_800 + 3 * 3600, 7200))  # CEST from 02:00
    assert day.offset_s == pytest.approx(1_774_738_800 + 7200)
    assert day.local(3 * 3600) - day.epoch(3 * 3600) == pytest.approx(7200)
    day.step(reading(3 * 3600 + 1, 3 * 3600 + 1, 1_774_738_800 + 3 * 3600 + 1.5, 7200))
    assert day.offset_s == pytest.approx(1_774_738_800 + 7200)  # jitter does not move it


def test_camera_retries_back_off_and_recover() -> None:
    health = CameraHealth(CameraSettings(2.0, 60.0))
    retries = [health.failed(t, "taken") - t for t in (0, 2, 6, 14, 30, 62, 122)]
    assert retries == [2, 4, 8, 16, 32, 60, 60]
    assert health.describe() == "camera problem: taken"
    assert health.recovered() == 0
    assert health.ok and health.failed(200, "gone") == 202


def test_held_reminders_go_out_after_the_busy_spell_unless_stale() -> None:
    held: HeldReminders[str] = HeldReminders(stale_s=900)
    held.add(0, "break")
    held.add(600, "posture")
    assert held.release(300, blocked=True).send == ()
    later = held.release(1000, blocked=False)
    assert later.dropped == ("break",) and later.send == ("posture",)
    assert len(held) == 0


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h", 3600), ("90s", 90),
                                                ("1h30m", 5400), ("20", 1200)])
def test_durations(text: str, seconds: float) -> None:
    assert duration_arg(text) == seconds


def test_bad_duration_is_one_line() -> None:
    result = run_cli("pause", "soon", check=False)
    assert result.returncode == 2 and "a duration such as 15m" in result.stderr


def test_status_json_and_tooltip() -> None:
    status = Status(TrayState.PAUSED, 1_700_000_000, 125.0, 2575.0, math.inf, None, "paused",
                    "camera 0")
    data = json.loads(json.dumps(status.to_json()))
    assert data["state"] == "paused" and data["paused_until"] == "until resumed"
    assert data["snoozed_until"] is None and data["camera"] == "paused"
    assert status.tooltip().splitlines() == ["posturewatch: paused", "sitting 2 min",
                                             "break in 42 min"]


def test_each_state_has_its_own_shape_and_colour() -> None:
    images = {state: icon_image(state).tobytes() for state in TrayState}
    assert len(set(images.values())) == len(TrayState)
    # Shapes differ without colour too (colour-blind users): compare the alpha masks.
    shown = [TrayState.UPRIGHT, TrayState.SLOUCHED, TrayState.AWAY, TrayState.PAUSED,
             TrayState.CAMERA_PROBLEM]
    masks = {icon_image(state).getchannel("A").tobytes() for state in shown}
    assert len(masks) == len(shown)


def test_autostart_entries_for_each_platform() -> None:
    argv = ["/usr/bin/posturewatch", "run"]
    desktop = autostart.entry_text("linux", argv)
    assert "Exec=/usr/bin/posturewatch run" in desktop and "Type=Application" in desktop
    agent = plistlib.loads(autostart.entry_text("darwin", argv).encode())
    assert agent["ProgramArguments"] == argv and agent["RunAtLoad"] is True
    assert autostart.entry_path("darwin").name == "org.posturewatch.monitor.plist"
    assert "Startup" in str(autostart.entry_path("win32"))


def test_autostart_enable_status_disable() -> None:
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "posturewatch.desktop"
    assert json.loads(run_cli("autostart", "enable", "--json").stdout)["enabled"] is True
    assert entry.read_text().startswith("[Desktop Entry]")
    assert "autostart on" in run_cli("autostart", "status").stdout
    run_cli("autostart", "disable")
    assert not entry.exists()


def test_config_edit_opens_the_editor_and_checks_the_result(tmp_path: Path) -> None:
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "posturewatch" / "config.toml"
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[2], 'w').write(open(sys.argv[1]).read())\n")
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text("[monitor]\ninterval_s = 2.0\n")
    bad.write_text("[monitor]\ninterval_s = 0.0\n")
    env = dict(os.environ)
    try:
        for text, ok in ((good, True), (bad, False)):
            os.environ["VISUAL"] = f"{sys.executable} {editor} {text}"
            result = run_cli("config", "edit", check=False)
            assert (result.returncode == 0) is ok, result.stderr
        assert "interval_s is 0.0, outside 0.2..60" in result.stderr
        assert "keeps its old settings" in result.stderr
    finally:
        os.environ.clear()
        os.environ.update(env)
        user.unlink(missing_ok=True)


def test_a_failing_notification_service_falls_back_to_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No D-Bus session to talk to: the real desktop-notifier fails, the dispatcher says so
    in one line and falls back (no tray here) to the log; nothing raises."""
    from posturewatch.core.reminders.reminder import Reminder
    from posturewatch.desktop.dispatch import Dispatcher
    from posturewatch.desktop.notify import DesktopNotifications

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/posturewatch-bus")
    notifications = DesktopNotifications(lambda rid, outcome: None)
    try:
        dispatcher = Dispatcher(None, notifications=notifications)  # type: ignore[arg-type]
        reminder = Reminder(0, 10.0, "posture", "posture", "Sit tall", "Sit back.", "sit_tall",
                            ("002_cfa01021598e5606.txt",))
        with caplog.at_level("WARNING"):
            dispatcher._remind(reminder)
    finally:
        notifications.close()
    messages = [r.getMessage() for r in caplog.records]
    assert any("notification service failed" in m for m in messages), messages
    assert any(m.startswith("Sit tall: Sit back.") for m in messages), messages
    assert not any(r.exc_info for r in caplog.records)


def test_a_tray_that_fails_is_logged_once_and_the_dispatcher_goes_on(
    caplog: pytest.LogCaptureFixture
) -> None:
    """The tray raising on every update and every notification: one error logged with its
    traceback, the printer and the log still get everything, and the loop ends only at
    Stopped."""
    import queue

    from posturewatch.app.monitor_messages import Notice, StatusChanged, Stopped
    from posturewatch.core.monitor_status import Status, TrayState
    from posturewatch.desktop.dispatch import Dispatcher

    class Events:
        events: queue.Queue = queue.Queue()

    class BrokenTray:
        def update(self, status: Status) -> None:
            raise RuntimeError("tray host gone")

        def notify(self, title: str, body: str) -> bool:
            raise RuntimeError("tray host gone")

    status = Status(TrayState.UPRIGHT, 0.0, 60.0, None, None, None, "ok", "test",
                    history="not saved since 10:00: disk full")
    for _ in range(3):
        Events.events.put(StatusChanged(status))
    Events.events.put(Notice("Camera problem", "unplugged"))
    Events.events.put(Stopped(None))
    lines: list[str] = []
    dispatcher = Dispatcher(Events, tray=BrokenTray(),  # type: ignore[arg-type]
                            printer=lines.append)
    with caplog.at_level("INFO"):
        dispatcher.run()
    assert lines.count("state: upright (sitting 1.0 min; history not saved)") == 3
    assert "Camera problem: unplugged" in lines
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert [r.getMessage().split(" failed")[0] for r in failed] == ["tray (update)"]
    assert failed[0].exc_info
