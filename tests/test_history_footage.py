"""History from real footage: ``analyze --store`` on a composite clip of real frames, then
``summary``, ``export`` and ``report`` read it back, and Chromium shows the report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch.app.local_time import parse_time
from posturewatch.app.recording import place_clip
from posturewatch.capture.sources import VideoFile
from posturewatch.storage.history import History

from conftest import FRONTAL, run_cli, write_clip

pytestmark = pytest.mark.usefixtures("testdata", "model")

START = "2026-03-02T12:00"  # local time, a Monday
DAY = "2026-03-02"
SHORT = """
[sitting]
min_break_s = 30.0
break_after_min = 1.0
[posture]
nudge_after_s = 20.0
cooldown_min = 1.0
[stretch]
enabled = false
[reminders]
min_gap_min = 0.25
"""


@pytest.fixture(scope="module")
def stored(
    tmp_path_factory: pytest.TempPathFactory, pools: dict[str, list],
    frontal_baseline: Path,
) -> dict:
    """Upright 40 s, slouched 40 s, nobody 40 s, upright 20 s (a 2 fps clip judged at 1 fps),
    stored twice with the same start (the second must replace the first), with analyze's
    own report."""
    folder = tmp_path_factory.mktemp("history-footage")
    clip = write_clip(folder / "day.mp4", [(pools["upright"], 40), (pools["slouched"], 40),
                                           (pools["nobody"], 40), (pools["upright"], 20)], fps=2)
    config = folder / "short.toml"
    config.write_text(SHORT)
    store = folder / "history.sqlite3"
    reports, printed = [], ""
    for n in range(2):
        out = folder / f"analyze-{n}.json"
        printed = run_cli("analyze", clip, "--baseline", frontal_baseline, "--config", config,
                          "--reminders", "--store", store, "--start", START, "--json", out,
                          "--fps", "1").stdout
        reports.append(json.loads(out.read_text()))
        if n == 0:
            with History.open(store, readonly=True) as history:
                first_intervals = len(history.read().intervals)
    return {"clip": clip, "store": store, "config": config, "report": reports[-1],
            "first_intervals": first_intervals, "folder": folder, "printed": printed}


def summary_json(stored: dict, *extra: str) -> dict:
    out = run_cli("summary", "--store", stored["store"], "--date", DAY, "--json", *extra)
    return json.loads(out.stdout)


def test_summary_gives_the_seconds_analyze_reported(stored: dict) -> None:
    report = stored["report"]
    totals = summary_json(stored)["totals"]
    for state in ("upright", "slouched", "away", "unknown"):
        assert totals[f"{state}_s"] == pytest.approx(report["totals"][f"{state}_s"], abs=0.5)
    assert totals["sitting_s"] == pytest.approx(report["sitting"]["sitting_s"], abs=0.5)
    assert totals["longest_bout_s"] == pytest.approx(report["sitting"]["longest_bout_s"],
                                                     abs=0.5)
    assert totals["breaks"] == report["sitting"]["breaks"] == 1
    fired = report["reminders"]
    assert fired and totals["reminders_fired"] == len(fired)
    assert totals["reminders_acted"] == sum(r["acted"] is True for r in fired)
    # the footage itself: 60 s upright, 40 s slouched, 40 s away, within settling (the
    # first seconds of the empty chair still settle as upright)
    assert totals["upright_s"] == pytest.approx(60, abs=4)
    assert totals["slouched_s"] == pytest.approx(40, abs=2)
    assert totals["slouch_episodes"] == 1
    assert f"stored in {stored['store']}: {DAY}T12:00:00" in stored["printed"]


def test_storing_the_same_clip_twice_counts_it_once(stored: dict) -> None:
    with History.open(stored["store"], readonly=True) as history:
        records = history.read()
        sessions = history._db.execute("SELECT count(*) FROM sessions").fetchone()[0]
    assert sessions == 1
    assert len(records.intervals) == stored["first_intervals"] == 3  # 12:00, 12:01, 12:02
    assert sum(i.length_s for i in records.intervals) == pytest.approx(140, abs=0.01)


def test_export_has_the_same_seconds(stored: dict) -> None:
    data = json.loads(run_cli("export", "--store", stored["store"], "--format", "json").stdout)
    upright = sum(i["upright_s"] for i in data["intervals"])
    assert upright == pytest.approx(stored["report"]["totals"]["upright_s"], abs=0.01)
    assert all("score" in i["metrics"] for i in data["intervals"])


def test_a_clip_is_placed_by_its_creation_time_else_its_modification_time(
    stored: dict, tmp_path: Path
) -> None:
    clip: Path = stored["clip"]
    video = VideoFile(clip, fps=2)
    try:  # OpenCV writes no creation time: modification time minus the length
        start, key = place_clip(video, None)
        assert start == pytest.approx(clip.stat().st_mtime - 140, abs=0.01)
        assert key is not None and key.startswith("sha256:")
        assert place_clip(video, 1.8e9)[0] == 1.8e9
    finally:
        video.close()
    stamped = tmp_path / "phone.mp4"
    data = bytearray(clip.read_bytes())
    mvhd = data.index(b"mvhd")
    assert data[mvhd + 4] == 0  # version 0: 32-bit seconds since 1904
    recorded = parse_time("2026-03-03T08:30:00+00:00")
    data[mvhd + 8:mvhd + 12] = int(recorded + 2_082_844_800).to_bytes(4, "big")
    stamped.write_bytes(bytes(data))
    video = VideoFile(stamped, fps=2)
    try:
        assert place_clip(video, None)[0] == recorded
    finally:
        video.close()


@pytest.fixture(scope="module")
def report_page(stored: dict) -> Path:
    out = stored["folder"] / "report.html"
    run_cli("report", "--store", stored["store"], "--date", DAY, "--out", out)
    return out


def test_the_report_is_one_self_contained_file(report_page: Path) -> None:
    page = report_page.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert 'src="http' not in page and "<script" not in page and "<link" not in page
    assert "<img" not in page and "@import" not in page
    assert not re.search(r"url\((?!#)", page)  # only in-document references (#clip ids)
    # links only inside the page, or inline data (the timeline's raster strips)
    assert not re.search(r"""(?:href|src)=["'](?!#|data:image/png;base64,)""", page)
    for chart in ("timeline", "hourly", "trend"):
        section = re.search(rf'<section class="chart" id="{chart}">(.*?)</section>', page, re.S)
        assert section and "<svg" in section.group(1) and "<path" in section.group(1)
    assert page.count("<svg") == 3
    assert "Posture report: 2026-03-02 (Monday)" in page


# -- the report as a person sees it -------------------------------------------------------

WINDOW = (1000, 1500)
MEASURE = """<script>
for (const s of document.querySelectorAll("section.chart")) {
  const r = s.querySelector("figure").getBoundingClientRect();
  s.setAttribute("data-rect", [r.left, r.top, r.width, r.height].map(Math.round).join(","));
}
</script>"""
# matplotlib colours the report uses (BGR for OpenCV)
UPRIGHT, SLOUCHED, SITTING = (0x5F, 0xA2, 0x2C), (0x2B, 0x8E, 0xF2), (0xA7, 0x79, 0x4E)


def chromium(page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    assert binary, "the screenshot test needs Debian's chromium (.ci/run installs it)"
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
         "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
         "--force-device-scale-factor=1", f"--window-size={WINDOW[0]},{WINDOW[1]}",
         *action, page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=True)


def colour_mask(image: np.ndarray, bgr: tuple[int, int, int]) -> np.ndarray:
    return (np.abs(image.astype(int) - np.array(bgr)).max(axis=2) <= 12)


def test_chromium_shows_the_charts_where_the_page_puts_them(
    report_page: Path, tmp_path: Path
) -> None:
    measured = tmp_path / "measured.html"
    measured.write_text(report_page.read_text().replace("</body>", MEASURE + "</body>"))
    dom = chromium(measured, tmp_path / "profile-1", "--dump-dom").stdout
    rects = {key: tuple(map(int, value.split(","))) for key, value in
             re.findall(r'id="(\w+)" data-rect="([\d,-]+)"', dom)}
    assert list(rects) == ["timeline", "hourly", "trend"]
    shot = tmp_path / "report.png"
    chromium(report_page, tmp_path / "profile-2", f"--screenshot={shot}")
    image = cv2.imread(str(shot))
    assert image is not None and image.shape[:2] == (WINDOW[1], WINDOW[0])
    assert (image < 245).any(axis=2).mean() > 0.03 and image.std() > 20  # not blank

    tops = [rects[k][1] for k in rects]
    assert tops == sorted(tops)
    for key, (_, top, width, height) in rects.items():
        assert width == 960 and height > 100 and top + height <= WINDOW[1], key
    inside = np.zeros(image.shape[:2], bool)

    def region(key: str) -> np.ndarray:
        left, top, width, height = rects[key]
        return image[top:top + height, left:left + width]

    for key in rects:
        left, top, width, height = rects[key]
        inside[top:top + height, left:left + width] = True
    timeline, hourly, trend = region("timeline"), region("hourly"), region("trend")
    assert colour_mask(timeline, UPRIGHT).sum() > 200
    assert colour_mask(timeline, SLOUCHED).sum() > 200
    assert colour_mask(timeline, SITTING).sum() > 200  # the sitting bouts under the states
    assert colour_mask(hourly, UPRIGHT).sum() > 2000
    assert colour_mask(hourly, SLOUCHED).sum() > 2000
    assert colour_mask(trend, SITTING).sum() > 2000
    # chart colours appear only inside the charts' boxes: nothing drawn elsewhere
    for colour in (UPRIGHT, SLOUCHED, SITTING):
        assert not (colour_mask(image, colour) & ~inside).any()


def test_reminders_in_the_json_are_the_ones_stored(
    tmp_path: Path, pools: dict[str, list], frontal_baseline: Path
) -> None:
    """`--reminders` with `--store` replays the rules at the clip's place in the day, as the
    store does: active hours around noon, a clip placed at noon, one posture reminder in
    both (not none in the JSON because its clock started at midnight)."""
    clip = write_clip(tmp_path / "slouch.mp4", [(pools["slouched"], 30)], fps=2)
    config = tmp_path / "noon.toml"
    config.write_text("[posture]\nnudge_after_s = 10.0\n"
                      "[reminders]\nactive_from_h = 11.0\nactive_until_h = 13.0\n")
    store, out = tmp_path / "h.sqlite3", tmp_path / "r.json"
    run_cli("analyze", clip, "--baseline", frontal_baseline, "--config", config, "--fps", "1",
            "--reminders", "--store", store, "--start", START, "--json", out)
    fired = [r["rule"] for r in json.loads(out.read_text())["reminders"]]
    with History.open(store, readonly=True) as history:
        stored = [r.rule for r in history.read().reminders]
    assert fired == stored == ["posture"]


def test_the_summary_says_why_slouching_was_judged(stored: dict) -> None:
    reasons = summary_json(stored)["totals"]["reasons"]
    worst = max(reasons, key=reasons.get)
    text = run_cli("summary", "--store", stored["store"], "--date", DAY).stdout
    (row,) = [line for line in text.splitlines() if "slouched because" in line]
    assert worst.replace("_", " ") in row


def test_calibrating_your_own_baseline_goes_into_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`calibrate` into the default place is a calibration of the user's: the store keeps
    its medians (never frames), as it does for one the monitor makes. With --out it is a
    file for someone else, and the store is left alone."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    upright = FRONTAL / "upright"
    run_cli("calibrate", "--source", upright, "--out", tmp_path / "other.json")
    assert not list(tmp_path.glob("data/**/*.sqlite3"))
    run_cli("calibrate", "--source", upright)
    data = json.loads(run_cli("export", "--format", "json").stdout)
    (calibration,) = data["calibrations"]
    assert calibration["ok"] and calibration["view"] == "front" and calibration["frames"] >= 5
    assert "head_height" in json.dumps(calibration)
