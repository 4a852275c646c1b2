"""The HTML report: one self-contained file (inline CSS, charts as inline SVG drawn by
matplotlib; no scripts, fonts or images from anywhere) showing a day or a week:

- ``#timeline``: each day as a strip of posture states (each interval split by its seconds
  per state), with sitting bouts, breaks and pauses below it and reminders marked;
- ``#hourly``: the upright share by local hour of the day;
- ``#trend``: the week's sitting time and upright share, day by day.

Text in the SVGs is drawn as paths, so the file looks the same without any font.
"""

from __future__ import annotations

import atexit
import html
import io
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from posturewatch.storage.paths import user_cache_dir
from posturewatch.storage.private import private_folder, tighten


def _private_font_cache() -> Path | None:
    """matplotlib keeps a font list (written as it is imported, under the umask) in a
    folder of its own: in ours, private, rather than ~/.cache/matplotlib and
    ~/.config/matplotlib, unless the person chose one. If the cache folder cannot be made
    (a full disk), a private temporary one for this run: the report is still made."""
    if "MPLCONFIGDIR" in os.environ:
        return None
    folder = user_cache_dir() / "matplotlib"
    try:
        private_folder(folder)
    except OSError:
        try:
            folder = Path(tempfile.mkdtemp(prefix="posturewatch-matplotlib-"))  # 0700
        except OSError:
            return None  # matplotlib finds a place of its own, and says so
        atexit.register(shutil.rmtree, folder, True)
    os.environ["MPLCONFIGDIR"] = str(folder)
    return folder


_FONT_CACHE = _private_font_cache()

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402

matplotlib.use("Agg")  # never a window: the report is rendered off screen

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

for _kept in _FONT_CACHE.iterdir() if _FONT_CACHE is not None else ():
    tighten(_kept)

from posturewatch.app import report_sections, summary_text  # noqa: E402
from posturewatch.app.page_style import CSS  # noqa: E402
from posturewatch.core.daily import (  # noqa: E402
    DayTotals,
    HourShare,
    Summary,
    by_hour,
    day_range,
    local_hours,
)
from posturewatch.core.guidance import Catalog  # noqa: E402
from posturewatch.core.intervals import local_datetime  # noqa: E402
from posturewatch.core.records import Records, Span  # noqa: E402

COLOURS = {
    "upright": "#2ca25f",
    "slouched": "#f28e2b",
    "away": "#bab0ac",
    "unknown": "#b07aa1",
    "standing": "#edc948",
    "bout": "#4e79a7",
    "break": "#76b7b2",
    "pause": "#d3d3d3",
    "call": "#7b4fb3",
    "locked": "#9c9c9c",
    "reminder": "#e15759",
    "acted": "#1b7837",
    "sitting": "#4e79a7",
}
WIDTH_IN = 9.6  # 960 px at 100 dpi, the page's content width

matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9})


def _svg(figure: Figure, salt: str) -> str:
    """The figure as an inline ``<svg>`` element (no XML prologue, unique ids per chart)."""
    matplotlib.rcParams["svg.hashsalt"] = salt
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg"):]


def _extent(records: Records, days: Sequence[date]) -> tuple[float, float]:
    """Hours of the day to draw: the recorded span, widened to quarter hours (at least
    half an hour); 08:00 to 18:00 when nothing was recorded."""
    epoch = date(1970, 1, 1)
    wanted = {(day - epoch).days for day in days}
    starts, ends = [], []
    for interval in records.intervals:
        local = interval.start_utc + interval.utc_offset_s
        if int(local // 86_400) in wanted:
            starts.append(local % 86_400 / 3600)
            ends.append(starts[-1] + interval.length_s / 3600)
    if not starts:
        return 8.0, 18.0
    quarter = 0.25
    low = max(0.0, min(starts) // quarter * quarter)
    high = min(24.0, -(-max(ends) // quarter) * quarter)
    return low, max(high, low + 0.5)


def _spans(spans: Sequence[Span], day: date) -> list[tuple[float, float]]:
    out = []
    for span in spans:
        start = local_hours(span.start_utc, span.utc_offset_s, day)
        end = local_hours(span.end_utc, span.utc_offset_s, day)
        start, end = max(start, 0.0), min(end, 24.0)
        if end > start:
            out.append((start, end - start))
    return out


STRIP_ROWS = 12  # vertical resolution of a day's posture strip (1/12 of a minute each)
STACK = ("upright", "slouched", "standing", "unknown", "away")  # bottom to top in a minute


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _strips(records: Records, days: Sequence[date], low: float,
            high: float) -> dict[date, np.ndarray]:
    """Each day's posture as an RGBA raster (see :func:`_strip`), in one pass."""
    columns = max(1, round((high - low) * 60))
    seconds = {day: np.zeros((columns, len(STACK))) for day in days}
    epoch = date(1970, 1, 1)
    for interval in records.intervals:
        local = interval.start_utc + interval.utc_offset_s
        day = epoch + timedelta(days=int(local // 86_400))
        if day not in seconds:
            continue
        column = int((local % 86_400) / 60 - low * 60 + 1e-6)
        if 0 <= column < columns:
            seconds[day][column] += tuple(getattr(interval, f"{s}_s") for s in STACK)
    return {day: _strip(per_minute) for day, per_minute in seconds.items()}


def _strip(seconds: np.ndarray) -> np.ndarray:
    """A day's posture as an RGBA raster: one column per minute, each stacked bottom-up
    by its seconds per state out of 60 (an unseen or unrecorded part stays transparent).
    The hour repeated when clocks go back adds up in its columns."""
    columns = seconds.shape[0]
    cumulative = np.cumsum(seconds, axis=1) / np.maximum(60.0, seconds.sum(axis=1))[:, None]
    palette = np.array([(*_rgb(COLOURS[s]), 255) for s in STACK] + [(0, 0, 0, 0)], np.uint8)
    image = np.empty((STRIP_ROWS, columns, 4), np.uint8)
    for row in range(STRIP_ROWS):
        level = (STRIP_ROWS - row - 0.5) / STRIP_ROWS  # image row 0 is the top
        index = (cumulative < level).sum(axis=1)  # first state whose stack reaches the level
        image[row] = palette[index]
    return image


def _margins(figure: Figure, *, left: float, right: float, top: float,
             bottom: float) -> None:
    """Fixed margins in inches (cheaper than a layout engine, same page every time)."""
    width, height = figure.get_size_inches()
    figure.subplots_adjust(left=left / width, right=1 - right / width,
                           top=1 - top / height, bottom=bottom / height)


def timeline_chart(records: Records, days: Sequence[date]) -> Figure:
    low, high = _extent(records, days)
    figure = Figure(figsize=(WIDTH_IN, 1.0 + 0.75 * len(days)), dpi=100)
    _margins(figure, left=0.95, right=0.2, top=0.4, bottom=0.6)
    ax = figure.add_subplot()
    rows = {day: len(days) - 1 - n for n, day in enumerate(days)}  # first day on top
    strips = _strips(records, days, low, high)
    for day, row in rows.items():
        ax.imshow(strips[day], extent=(low, high, row + 0.35, row + 0.9),
                  aspect="auto", interpolation="none", origin="upper")
        for what, spans in (("bout", records.bouts), ("break", records.breaks),
                            ("pause", records.pauses), ("call", records.calls),
                            ("locked", records.locks)):
            pieces = _spans(spans, day)
            if pieces:
                ax.broken_barh(pieces, (row + 0.1, 0.18), facecolors=COLOURS[what])
    for acted in (True, False):
        points = [
            (local_hours(r.at_utc, r.utc_offset_s, day), rows[day] + 0.95)
            for r in records.reminders if r.acted is acted
            and (day := local_datetime(r.at_utc, r.utc_offset_s).date()) in rows
        ]
        if points:
            ax.plot(*zip(*points), marker="v", markersize=7, linestyle="none",
                    color=COLOURS["acted" if acted else "reminder"])
    ax.set_xlim(low, high)
    ax.set_ylim(0, len(days))
    ax.set_yticks([row + 0.5 for row in rows.values()],
                  [day.strftime("%a %d %b") for day in rows])
    step = next(s for s in (0.25, 0.5, 1, 2, 3, 6) if (high - low) / s <= 12)
    ticks = [low + n * step for n in range(int((high - low) / step + 1e-9) + 1)]
    ax.set_xticks(ticks, [f"{int(h) % 24:02d}:{round(h % 1 * 60):02d}" for h in ticks])
    ax.set_xlabel("local time: posture above, each minute stacked by its seconds; sitting "
                  "bouts, breaks, pauses,\ncalls and locked screen below; ▼ reminders (dark "
                  "green = acted on)")  # two lines: one is wider than the chart
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    handles = [Patch(color=COLOURS[k], label=k) for k in
               ("upright", "slouched", "standing", "away", "unknown", "bout", "break", "pause")]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=8,
              frameon=False, borderaxespad=0.2)
    return figure


MIN_HOURS = 6  # the hourly axis is at least this many hours wide, so one bar stays a bar


def _active_hours(hours: Sequence[HourShare]) -> range:
    """The hours with judged time, first to last; 08 to 17 when there is none."""
    judged = [h.hour for h in hours if h.upright_s + h.slouched_s > 0]
    return range(min(judged), max(judged) + 1) if judged else range(8, 18)


def hourly_chart(records: Records, days: Sequence[date]) -> Figure:
    hours = by_hour(records, days)
    shown = _active_hours(hours)
    figure = Figure(figsize=(WIDTH_IN, 2.6), dpi=100)
    _margins(figure, left=0.75, right=0.65, top=0.4, bottom=0.55)
    ax = figure.add_subplot()
    upright = [100 * (hours[h].share or 0) for h in shown]
    slouched = [100 - u if hours[h].share is not None else 0 for h, u in zip(shown, upright)]
    ax.bar(shown, upright, color=COLOURS["upright"], label="upright", width=0.8)
    ax.bar(shown, slouched, bottom=upright, color=COLOURS["slouched"], label="slouched",
           width=0.8)
    step = 1 if len(shown) <= 12 else 2
    ax.set_xticks(list(shown)[::step], [f"{h:02d}:00" for h in shown][::step])
    # labelled only where there is data; a short span is centred in blank room (even
    # at midnight), not widened with empty hours
    middle, half = (shown.start + shown.stop - 1) / 2, max(len(shown), MIN_HOURS) / 2
    ax.set_xlim(middle - half - 0.1, middle + half + 0.1)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of judged time")
    ax.set_xlabel("local hour (each bar: the hour that starts there)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, ncols=2,
              borderaxespad=0.2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def trend_chart(days: Sequence[DayTotals]) -> Figure:
    """Sitting per day (in minutes while no day reaches 2 hours, else hours) and the
    upright share on its own axis at the right; one legend above the plot, clear of both
    axes."""
    figure = Figure(figsize=(WIDTH_IN, 2.6), dpi=100)
    _margins(figure, left=0.75, right=0.65, top=0.4, bottom=0.4)
    ax = figure.add_subplot()
    x = range(len(days))
    longest = max((d.sitting_s for d in days), default=0.0)
    unit, per = ("minutes", 60.0) if longest < 2 * 3600 else ("hours", 3600.0)
    bars = ax.bar(x, [d.sitting_s / per for d in days], color=COLOURS["sitting"], width=0.6,
                  label=f"sitting ({unit})")
    ax.set_ylabel(f"sitting, {unit}")
    if longest == 0:
        ax.set_ylim(0, 60 if unit == "minutes" else 8)
    ax.set_xticks(list(x), [d.day.strftime("%a %d") if d.day else "" for d in days])
    share = ax.twinx()
    points = [(i, 100 * d.upright_share) for i, d in enumerate(days) if d.upright_share is not None]
    handles = [bars]
    if points:
        (line,) = share.plot([p[0] for p in points], [p[1] for p in points],
                             color=COLOURS["upright"], marker="o", linewidth=2,
                             label="upright share (%)")
        handles.append(line)
    share.set_ylim(0, 100)
    share.set_ylabel("upright, %")
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False,
              ncols=2, borderaxespad=0.2)
    for axis in (ax, share):
        axis.spines["top"].set_visible(False)
    return figure


def render(summary: Summary, records: Records, trend: Sequence[DayTotals], *,
           store: str, generated: str, catalog: Catalog | None = None) -> str:
    """The whole HTML page (``catalog``: for the warning signs section)."""
    days = day_range(summary.first, summary.last)
    title = (f"{summary.first.isoformat()} ({summary.first.strftime('%A')})"
             if len(days) == 1 else f"{summary.first.isoformat()} to {summary.last.isoformat()}")
    table = "\n".join(
        f"<tr><td>{html.escape(label)}</td><td class=value>{html.escape(value)}</td>"
        f"<td class=change>{html.escape(change)}</td></tr>"
        for label, value, change in summary_text.rows(summary))
    charts = (
        ("timeline", "Posture through the day" + ("s" if len(days) > 1 else ""),
         timeline_chart(records, days)),
        ("hourly", "Upright share by hour", hourly_chart(records, days)),
        ("trend", "The week", trend_chart(trend)),
    )
    sections = "\n".join(
        f'<section class="chart" id="{key}">\n<h2>{html.escape(heading)}</h2>\n'
        f"<figure>{_svg(figure, key)}</figure>\n</section>"
        for key, heading, figure in charts)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>posturewatch report {html.escape(title)}</title>
<style>{CSS}{report_sections.CSS}</style>
</head>
<body>
<main>
<h1>Posture report: {html.escape(title)}</h1>
<p class="note">From {html.escape(store)}, made {html.escape(generated)}.
{html.escape(summary_text.comparison_note(summary).capitalize())}.</p>
<table>
{table}
</table>
{sections}
{report_sections.text_sections(summary, catalog)}
</main>
</body>
</html>
"""
