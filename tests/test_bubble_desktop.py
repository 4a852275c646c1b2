"""A reminder's bubble under a real notification daemon (Xvfb, D-Bus, dunst): the "Show me
how" button opens the guidance page in the browser (``$BROWSER``, a script that records the
address), and a bubble the daemon closes on its timeout is reported as expired. Then the
page itself: its sections, nothing loaded from anywhere, and headless Chromium's screenshot
of it drawn from the title down to the warning signs."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from test_history_footage import WINDOW, chromium

from desktop_session import desktop_session, notify_calls, poll

pytestmark = pytest.mark.desktop

# One process sends two real reminders the rule engine wrote (a posture nudge after a
# minute of slouching): the first stays until answered, the second expires after 1 s.
SENDER = """
import sys, threading
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.desktop.dispatch import open_guidance, reminder_body
from posturewatch.desktop.notify import DesktopNotifications
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings

engine = RuleEngine(load_settings().rules, load_catalog())
for t in range(70):
    engine.observe(Observation(float(t), Posture.SLOUCHED))
[reminder] = engine.reminders
print("body", len(reminder_body(reminder)), flush=True)
lasting = DesktopNotifications(lambda rid, outcome: print("outcome", rid, outcome, flush=True),
                               timeout_s=0, on_guidance=lambda rid: open_guidance(reminder))
assert lasting.send(reminder.title, reminder_body(reminder), reminder.id)
assert lasting.send("Calibrated", "Your upright posture is saved.")  # informational
print("sent", flush=True)
sys.stdin.readline()  # the test has pressed "Show me how"
expired = threading.Event()

def closed(rid, outcome):
    print("outcome", rid, outcome, flush=True)
    expired.set()

brief = DesktopNotifications(closed, timeout_s=1)
assert brief.send("Expiring soon", reminder_body(reminder), 7)
expired.wait(10)
"""


@pytest.fixture(scope="module")
def bubble(tmp_path_factory: pytest.TempPathFactory, isolated_home: Path) -> dict:
    folder = tmp_path_factory.mktemp("bubble")
    opened = folder / "opened.txt"
    browser = folder / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {opened}\n')
    browser.chmod(0o755)
    seen: dict = {}
    with desktop_session(folder) as desktop:
        env = dict(desktop.env, BROWSER=str(browser))
        record = folder / "notify-calls.log"
        monitor = subprocess.Popen(
            ["dbus-monitor", "--session", "type='method_call',member='Notify'"], env=env,
            stdout=record.open("w"), stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # the monitor is on the bus before anything is sent
        sender = subprocess.Popen([sys.executable, "-c", SENDER], env=env, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        try:
            assert sender.stdout is not None and sender.stdin is not None
            lines = [sender.stdout.readline(), sender.stdout.readline()]
            assert lines[1].strip() == "sent", "".join(lines) + sender.stdout.read()
            poll(lambda: int(desktop.dunst("count", "displayed")) >= 1, 30, "the bubble")
            desktop.press("#Show me how (Sit tall)")
            seen["opened"] = poll(lambda: opened.exists() and opened.read_text().strip(), 40,
                                  "the guidance page to be opened")
            desktop.dunst("close-all")
            started = time.monotonic()
            sender.stdin.write("\n")
            sender.stdin.flush()
            out, _ = sender.communicate(timeout=30)
            seen["expired_after_s"] = time.monotonic() - started
            seen["out"] = lines[0] + out
            seen["buttons"] = desktop.buttons("Sit tall")
            seen["calls"] = notify_calls(record.read_text())
        finally:
            monitor.terminate()
            monitor.wait(timeout=5)
            if sender.poll() is None:
                sender.kill()
                sender.wait()
    return seen


def test_show_me_how_opens_the_local_guidance_page(bubble: dict) -> None:
    assert bubble["buttons"] == {"Done", "Snooze", "Show me how"}
    url = bubble["opened"]
    assert url.startswith("file://") and url.endswith("/sit_tall.html"), url
    page = Path(url.removeprefix("file://")).read_text()
    assert "<h1>Sit tall</h1>" in page and "Soothing Back Muscle Spasms without Surgery" in page
    assert "outcome 0" not in bubble["out"]  # the guidance is not an answer


def test_an_informational_bubble_has_no_actions(bubble: dict) -> None:
    """No buttons, and no "default" action either: dunst would mark it "(A)" as if it had
    buttons; a reminder has both."""
    actions = {call["summary"]: call["actions"] for call in bubble["calls"]}
    assert actions["Calibrated"] == [], actions
    assert {"default", "Done", "Snooze", "Show me how"} <= set(actions["Sit tall"])


def test_a_bubble_the_daemon_closes_on_its_timeout_is_expired(bubble: dict) -> None:
    assert "outcome 7 expired" in bubble["out"], bubble["out"]
    body = int(re.search(r"body (\d+)", bubble["out"]).group(1))  # type: ignore[union-attr]
    assert 0 < body <= 200


def test_the_guidance_page_in_chromium(tmp_path: Path, isolated_home: Path) -> None:
    from conftest import run_cli

    page = tmp_path / "stretch.html"
    run_cli("guidance", "seated_cat_cow", "--also", "diaphragmatic_breathing", "--html", page)
    text = page.read_text()
    assert not re.search(r"(src|href)\s*=|https?://|<script|@import|url\(", text)
    ids = re.findall(r'<section[^>]* id="([\w-]+)"', text)
    assert ids == ["entry", "also-diaphragmatic_breathing", "warning-signs"]
    for needed in ("Seated cat-cow", "How long", "at your desk", "Caution",
                   "000_c5fac0d417a8ca6a.txt", "Belly breathing", "When to see a professional"):
        assert needed in text, needed
    shot = tmp_path / "page.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}")
    image = cv2.imread(str(shot))
    assert image is not None and image.shape[:2] == (WINDOW[1], WINDOW[0])
    ink = (image < 200).any(axis=2)
    assert ink.mean() > 0.01  # text drawn
    rows = ink.any(axis=1).nonzero()[0]
    assert rows.min() < 60 and rows.max() > 700  # from the title to the warning signs
    warning = (abs(image.astype(int) - (0x59, 0x57, 0xE1)).max(axis=2) <= 12)
    assert warning.sum() > 200  # the warning signs' red rule
