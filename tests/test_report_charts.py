"""The report's charts read right for a short first day and for a working week: sitting in
minutes while it is short, legends clear of both axes, the hourly axis over the hours with
data. The figures are laid out by matplotlib as the SVG is (Agg), and read back from it.
(How Chromium shows the page: tests/test_history_footage.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from posturewatch.app.report import hourly_chart, trend_chart
from posturewatch.core.daily import DayTotals
from posturewatch.core.intervals import Interval
from posturewatch.core.records import Records
from posturewatch.storage.history import History

from conftest import run_cli

DAY = date(2026, 3, 2)


def minutes_at(day: date, hour: float, minutes: int) -> Records:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
    return Records(intervals=tuple(
        Interval(start.timestamp() + 60 * m, 0, 60.0, upright_s=40.0, slouched_s=20.0)
        for m in range(minutes)))


def week(sitting_h: list[float]) -> list[DayTotals]:
    return [DayTotals(DAY + timedelta(days=n), sitting_s=h * 3600, upright_s=h * 2400,
                      slouched_s=h * 1200) for n, h in enumerate(sitting_h)]


def legend_clear_of_axes(figure) -> bool:  # type: ignore[no-untyped-def]
    """Every legend sits above the plot: below it are the bars and both y axes' labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)  # the report's figures have no canvas of their own
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes
    top = max(ax.get_window_extent(renderer).y1 for ax in axes)
    legends = [ax.get_legend() for ax in axes if ax.get_legend() is not None]
    return bool(legends) and all(legend.get_window_extent(renderer).y0 >= top - 1
                                 for legend in legends)


def test_a_short_day_is_in_minutes() -> None:
    figure = trend_chart(week([0, 0, 0, 0, 0, 0, 12 / 60]))
    ax = figure.axes[0]
    assert ax.get_ylabel() == "sitting, minutes"
    assert 12 <= ax.get_ylim()[1] < 20  # a 12-minute bar, not 0.2 of an hour
    assert legend_clear_of_axes(figure)


def test_a_working_week_is_in_hours() -> None:
    figure = trend_chart(week([6.9, 7.2, 6.5, 7.0, 5.8, 0.4, 0]))
    ax = figure.axes[0]
    assert ax.get_ylabel() == "sitting, hours"
    assert 7 <= ax.get_ylim()[1] < 9
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["sitting (hours)", "upright share (%)"]  # one legend for both axes
    assert legend_clear_of_axes(figure)


def test_the_hourly_axis_spans_the_hours_with_data() -> None:
    one_bar = hourly_chart(minutes_at(DAY, 14.2, 12), [DAY])
    low, high = one_bar.axes[0].get_xlim()
    assert 5 <= high - low <= 7  # a few hours around 14:00, not the whole day
    assert low < 14 < high
    assert legend_clear_of_axes(one_bar)

    day = hourly_chart(minutes_at(DAY, 8.5, 8 * 60 + 30), [DAY])
    low, high = day.axes[0].get_xlim()
    assert low < 8 < 16 < high and high - low < 11  # 08:00 to 16:00, not 00 to 23
    ticks = [t.get_text() for t in day.axes[0].get_xticklabels()]
    assert ticks[0] == "08:00" and ticks[-1] == "16:00"


def test_two_hours_after_midnight_are_the_two_hours_shown() -> None:
    """A first evening that ran past midnight: its hours 00 and 01, not 00:00 to 05:00
    with four empty hours labelled; the two bars still bars, not the chart's width."""
    figure = hourly_chart(minutes_at(DAY, 0.2, 95), [DAY])
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["00:00", "01:00"]
    low, high = ax.get_xlim()
    assert 5 <= high - low <= 7 and low < 0 < 1 < high
    assert legend_clear_of_axes(figure)


def test_a_report_without_out_goes_to_the_cache_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    store = tmp_path / "history.sqlite3"
    records = minutes_at(DAY, 9.0, 30)
    with History.open(store) as history:
        session = history.begin_session(kind="live", source="camera 0",
                                        start_utc=records.intervals[0].start_utc,
                                        utc_offset_s=0)
        history.write_intervals(session, records.intervals)
    clone = tmp_path / "clone"
    clone.mkdir()
    monkeypatch.chdir(clone)
    monkeypatch.setenv("TZ", "UTC")
    result = run_cli("report", "--store", store, "--date", DAY.isoformat())
    assert list(clone.iterdir()) == []
    page = isolated_home / "cache" / "posturewatch" / "reports" / (
        f"posturewatch-report-{DAY.isoformat()}.html")
    assert page.is_file() and "Posture report" in page.read_text()
    assert result.stdout.splitlines() == [f"report written to {page} (--open shows it)"]
