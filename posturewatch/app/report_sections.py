"""The report's text sections beside its charts: the exercises the camera counted, and the
warning signs that need a professional (the same as on every guidance page)."""

from __future__ import annotations

import html

from posturewatch.app.guidance_page import warning_signs_html
from posturewatch.core.daily import Summary
from posturewatch.core.guidance import Catalog
from posturewatch.core.intervals import local_datetime
from posturewatch.core.watch.exercises import named


def exercises_section(summary: Summary) -> str:
    """``#exercises``: each set counted, its day, time and repetitions."""
    if not summary.exercises:
        body = "<p class=\"note\">No exercises seen by the camera in this period.</p>"
    else:
        rows = "\n".join(
            f"<tr><td>{local_datetime(e.start_utc, e.utc_offset_s):%Y-%m-%d %H:%M}</td>"
            f"<td class=value>{html.escape(named(e.reps, e.exercise))}{_sides(e.sides)}</td>"
            f"<td class=change>{max(0.0, e.end_utc - e.start_utc):.0f} s</td></tr>"
            for e in summary.exercises)
        counts = ", ".join(f"{named(reps, exercise)} in {sets} set{'' if sets == 1 else 's'}"
                           for exercise, (reps, sets) in summary.counted().items())
        body = (f"<p>{html.escape(counts)}, counted by the camera.</p>"
                f"\n<table>\n{rows}\n</table>")
    return f'<section id="exercises">\n<h2>Exercises seen</h2>\n{body}\n</section>'


def _sides(sides: tuple[int, int] | None) -> str:
    return "" if sides is None else f" ({sides[0]} left, {sides[1]} right)"


def text_sections(summary: Summary, catalog: Catalog | None) -> str:
    """Everything the report shows after its charts."""
    parts = [exercises_section(summary)]
    if catalog is not None:
        parts.append(warning_signs_html(catalog))
    return "\n".join(parts)


CSS = """
section.warning { border-left: 4px solid #e15759; padding: 2px 0 2px 14px; margin-top: 24px; }
"""
