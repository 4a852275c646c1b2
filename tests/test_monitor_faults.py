"""The monitor through the faults and attacks of issue 21, on the real loop with real frames
and the real model, on the test clock: the store removed or replaced under it, the wall
clock set back, a config nested a thousand deep, a pause across a restart, a long full
disk, a long suspend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from posturewatch.app.monitor import Monitor, StatusChanged
from posturewatch.storage.config_watch import ConfigWatch

from monitor_harness import (
    MIN,
    FakeClock,
    Segment,
    covered_min,
    fill,
    open_rig,
    read,
    run_monitor,
    small_disk,
    store_sink,
)


@pytest.fixture(scope="module")
def rig(pools: dict[str, list[np.ndarray]], model: Path) -> Iterator[dict]:
    with open_rig(pools, model) as rig:
        yield rig


def test_a_config_nested_a_thousand_deep_keeps_the_old_settings(
    rig: dict, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Saved while running: one error, the old settings stay, the monitor watches on (a
    RecursionError used to stop it)."""
    config = tmp_path / "config.toml"
    config.write_text("[sitting]\nbreak_after_min = 45.0\n")
    watch = ConfigWatch(config)

    def actions(clock: FakeClock, monitor: Monitor) -> None:
        clock.at(1 * MIN, lambda: config.write_text(
            "[sitting]\nx = " + "[" * 1000 + "]" * 1000 + "\n"))

    with caplog.at_level("INFO", logger="posturewatch"):
        run = run_monitor(rig, [Segment(3, "upright")], config_changed=watch.changed,
                          actions=actions)
    (notice,) = run.notices("Settings not reloaded")
    assert "nested too deeply" in notice.body
    # the notice is the one message (the person's side logs it where it shows it)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert run.monitor.status().sitting_s / MIN == pytest.approx(3, abs=0.2)


# -- the store ---------------------------------------------------------------------------


def test_a_long_full_disk_is_one_notice_and_nothing_is_lost(rig: dict, tmp_path: Path) -> None:
    """The store's disk full from minute 2 to 16, but for a few kilobytes freed now and
    then (a temporary file removed): each write that fitted ended the episode, and the
    next failure said "History not saved" again (12 in 4.5 minutes). Now one notice for
    the whole episode, the status honest all along, and everything saved once there is
    room."""
    with small_disk(tmp_path / "disk") as disk:
        store = disk / "history.sqlite3"

        def free_a_little() -> None:
            filler = disk / "filler"
            os.truncate(filler, max(0, filler.stat().st_size - 24 * 1024))

        def actions(clock: FakeClock, monitor: Monitor) -> None:
            clock.at(2 * MIN, lambda: fill(disk))
            for minute in range(4, 15, 2):
                clock.at(minute * MIN, free_a_little)
            clock.at(16 * MIN, lambda: (disk / "filler").unlink())

        run = run_monitor(rig, [Segment(18, "upright")], history=store_sink(store),
                          actions=actions)
        records = read(store)
    histories = [e.status.history for e in run.of(StatusChanged)]
    assert any(h.startswith("not saved since") for h in histories)
    assert sum(1 for a, b in zip(histories, histories[1:]) if a == "ok" != b) >= 2  # flapped
    assert len(run.notices("History not saved")) == 1
    assert histories[-1] == "ok"
    assert covered_min(records) == pytest.approx(18, abs=0.2)
    (bout,) = records.bouts
    assert bout.sitting_s / MIN == pytest.approx(18, abs=0.2)
