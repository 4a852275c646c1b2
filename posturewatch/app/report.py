"""The HTML report: one self-contained file (inline CSS, charts as inline SVG drawn by
matplotlib; no scripts, fonts or images from anywhere) showing a day or a week:

- ``#timeline``: each day as a strip of posture states (each interval split by its seconds
  per state), with sitting bouts, breaks and pauses below it and reminders marked;
- ``#hourly``: the upright share by local hour of the day;
- ``#trend``: the week's sitting time and upright share, day by day.

Text in the SVGs is drawn as paths, so the file looks the same without any font.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")  # never a window: the report is rendered off screen

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from posturewatch.app import summary_text  # noqa: E402
from posturewatch.core.daily import (  # noqa: E402
    STATES,
    DayTotals,
    Summary,
    by_hour,
    day_range,
    local_hours,
)
from posturewatch.core.intervals import local_datetime  # noqa: E402
from posturewatch.core.records import Records, Span  # noqa: E402

COLOURS = {
    "upright": "#2ca25f",
    "slouched": "#f28e2b",
    "away": "#bab0ac",
    "unknown": "#b07aa1",
    "bout": "#4e79a7",
    "break": "#76b7b2",
    "pause": "#d3d3d3",
    "reminder": "#e15759",
    "acted": "#1b7837",
    "sitting": "#4e79a7",
}
WIDTH_IN = 9.6  # 960 px at 100 dpi, the page's content width

matplotlib.rcParams.update({"svg.fonttype": "path", "font.size": 9})


def _svg(figure: Figure, salt: str) -> str:
    """The figure as an inline ``<svg>`` element (no XML prologue, unique ids per chart)."""
    matplotlib.rcParams["svg.hashsalt"] = salt
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg"):]


def _extent(records: Records, days: Sequence[date]) -> tuple[float, float]:
    """Hours of the day to draw: the recorded span, widened to whole hours (at least 1)."""
    hours = [local_hours(i.start_utc, i.utc_offset_s, i.day) for i in records.intervals
             if i.day in days]
    ends = [local_hours(i.end_utc, i.utc_offset_s, i.day) for i in records.intervals
            if i.day in days]
    if not hours:
        return 8.0, 18.0
    quarter = 0.25
    low = max(0.0, min(hours) // quarter * quarter)
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


def timeline_chart(records: Records, days: Sequence[date]) -> Figure:
    low, high = _extent(records, days)
    figure = Figure(figsize=(WIDTH_IN, 0.7 + 0.75 * len(days)), dpi=100,
                    layout="constrained")
    ax = figure.add_subplot()
    rows = {day: len(days) - 1 - n for n, day in enumerate(days)}  # first day on top
    bars: dict[str, list[list[tuple[float, float]]]] = {s: [[] for _ in days] for s in STATES}
    for interval in records.intervals:
        row = rows.get(interval.day)
        if row is None:
            continue
        x = local_hours(interval.start_utc, interval.utc_offset_s, interval.day)
        for state in STATES:
            width = interval.state_s(state) / 3600
            if width > 0:
                bars[state][row].append((x, width))
                x += width
    for state in STATES:
        for row, spans in enumerate(bars[state]):
            if spans:
                ax.broken_barh(spans, (row + 0.35, 0.55), facecolors=COLOURS[state],
                               label=state if row == 0 or not any(bars[state][:row]) else None)
    for day, row in rows.items():
        for what, spans in (("bout", records.bouts), ("break", records.breaks),
                            ("pause", records.pauses)):
            pieces = _spans(spans, day)
            if pieces:
                ax.broken_barh(pieces, (row + 0.1, 0.18), facecolors=COLOURS[what])
        for reminder in records.reminders:
            if local_datetime(reminder.at_utc, reminder.utc_offset_s).date() == day:
                at = local_hours(reminder.at_utc, reminder.utc_offset_s, day)
                colour = COLOURS["acted"] if reminder.acted else COLOURS["reminder"]
                ax.plot([at], [row + 0.95], marker="v", color=colour, markersize=7,
                        linestyle="none")
    ax.set_xlim(low, high)
    ax.set_ylim(0, len(days))
    ax.set_yticks([row + 0.5 for row in rows.values()],
                  [day.strftime("%a %d %b") for day in rows])
    step = next(s for s in (0.25, 0.5, 1, 2, 3, 6) if (high - low) / s <= 12)
    ticks = [low + n * step for n in range(int((high - low) / step + 1e-9) + 1)]
    ax.set_xticks(ticks, [f"{int(h) % 24:02d}:{round(h % 1 * 60):02d}" for h in ticks])
    ax.set_xlabel("local time (posture above; sitting bouts, breaks, pauses below; "
                  "▼ reminders, dark green = acted on)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    handles = [Patch(color=COLOURS[k], label=k) for k in
               ("upright", "slouched", "away", "unknown", "bout", "break", "pause")]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=7,
              frameon=False, borderaxespad=0.2)
    return figure


def hourly_chart(records: Records, days: Sequence[date]) -> Figure:
    hours = by_hour(records, days)
    figure = Figure(figsize=(WIDTH_IN, 2.6), dpi=100, layout="constrained")
    ax = figure.add_subplot()
    upright = [100 * (h.share or 0) for h in hours]
    slouched = [100 - u if h.share is not None else 0 for h, u in zip(hours, upright)]
    ax.bar(range(24), upright, color=COLOURS["upright"], label="upright")
    ax.bar(range(24), slouched, bottom=upright, color=COLOURS["slouched"], label="slouched")
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlim(-0.6, 23.6)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of judged time")
    ax.set_xlabel("local hour")
    ax.legend(loc="upper left", frameon=False, ncols=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def trend_chart(days: Sequence[DayTotals]) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, 2.6), dpi=100, layout="constrained")
    ax = figure.add_subplot()
    x = range(len(days))
    ax.bar(x, [d.sitting_s / 3600 for d in days], color=COLOURS["sitting"], width=0.6,
           label="sitting (h)")
    ax.set_ylabel("sitting, hours")
    ax.set_xticks(list(x), [d.day.strftime("%a %d") if d.day else "" for d in days])
    share = ax.twinx()
    points = [(i, 100 * d.upright_share) for i, d in enumerate(days) if d.upright_share is not None]
    if points:
        share.plot([p[0] for p in points], [p[1] for p in points], color=COLOURS["upright"],
                   marker="o", linewidth=2, label="upright share (%)")
    share.set_ylim(0, 100)
    share.set_ylabel("upright, %")
    ax.legend(loc="upper left", frameon=False)
    share.legend(loc="upper right", frameon=False)
    for axis in (ax, share):
        axis.spines["top"].set_visible(False)
    return figure


CSS = """
body { margin: 0; background: #ffffff; color: #222; font: 15px/1.4 sans-serif; }
main { width: 960px; margin: 0 auto; padding: 16px 0 32px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 20px 0 6px; }
p.note { color: #666; margin: 0 0 8px; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { padding: 2px 14px 2px 0; text-align: left; }
td.value { font-weight: bold; }
td.change { color: #666; }
figure { margin: 0; width: 960px; }
figure svg { display: block; width: 960px; height: auto; }
"""


def render(summary: Summary, records: Records, trend: Sequence[DayTotals], *,
           store: str, generated: str) -> str:
    """The whole HTML page."""
    days = day_range(summary.first, summary.last)
    title = (f"{summary.first.isoformat()} ({summary.first.strftime('%A')})"
             if len(days) == 1 else f"{summary.first.isoformat()} to {summary.last.isoformat()}")
    table = "\n".join(
        f"<tr><td>{html.escape(label)}</td><td class=value>{html.escape(value)}</td>"
        f"<td class=change>{html.escape(change)}</td></tr>"
        for label, value, change in summary_text.rows(summary))
    charts = (
        ("timeline", "Posture through the day", timeline_chart(records, days)),
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
<style>{CSS}</style>
</head>
<body>
<main>
<h1>Posture report: {html.escape(title)}</h1>
<p class="note">From {html.escape(store)}, made {html.escape(generated)}.
{html.escape(summary_text.comparison_note(summary))}.</p>
<table>
{table}
</table>
{sections}
</main>
</body>
</html>
"""
