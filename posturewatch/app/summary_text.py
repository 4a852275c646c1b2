"""A summary as rows of words (label, value, change against the previous days), shared by
``posturewatch summary`` (a table on the terminal) and the HTML report."""

from __future__ import annotations

from posturewatch.core.daily import DayTotals, Summary
from posturewatch.core.watch.exercises import NAMES
from posturewatch.core.watch.happened import ReminderOutcome


def duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h 05 min``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def signed_duration(seconds: float) -> str:
    return ("+" if seconds >= 0 else "−") + duration(abs(seconds))


def share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _count(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "−") + _count(abs(value))


def rows(summary: Summary) -> list[tuple[str, str, str]]:
    """(label, value, change) lines. A week shows sums and, in the change column, its daily
    average against the previous days' daily average."""
    t = summary.totals
    change = summary.change() or {}
    week = len(summary.days) > 1

    def delta(key: str, kind: str) -> str:
        value = change.get(key)
        if value is None:
            return ""
        if kind == "time":
            return signed_duration(value)
        if kind == "share":
            return f"{'+' if value >= 0 else '−'}{100 * abs(value):.0f} pts"
        return _signed(value)

    return [
        ("sitting", duration(t.sitting_s), delta("sitting_s", "time")),
        ("longest continuous sitting", duration(t.longest_bout_s),
         delta("longest_bout_s", "time")),
        ("breaks taken", _count(t.breaks), delta("breaks", "count")),
        ("upright / slouched", f"{share(t.upright_share)} / "
         f"{share(None if t.upright_share is None else 1 - t.upright_share)}",
         delta("upright_share", "share")),
        ("upright time", duration(t.upright_s), delta("upright_s", "time")),
        ("slouched time", duration(t.slouched_s), delta("slouched_s", "time")),
        ("standing time", duration(t.standing_s), delta("standing_s", "time")),
        ("slouch episodes", _count(t.slouch_episodes), delta("slouch_episodes", "count")),
        ("reminders fired / acted on", f"{t.reminders_fired} / {t.reminders_acted}",
         delta("reminders_acted", "count")),
    ] + ([("reminder outcomes", outcomes(t.reminder_outcomes), "")]
         if t.reminder_outcomes else []) + [
        ("away / unknown / unseen", f"{duration(t.away_s)} / {duration(t.unknown_s)} / "
         f"{duration(t.unseen_s)}", ""),
        ("in calls / screen locked", f"{duration(t.call_s)} / {duration(t.locked_s)}", ""),
    ] + ([("slouched because", reasons(t.reasons), "")] if t.reasons else []) + [
        (f"{NAMES.get(exercise, (exercise,) * 2)[1]} seen",
         f"{reps} in {sets} set{'' if sets == 1 else 's'}", "")
        for exercise, (reps, sets) in summary.counted().items()] + (
        [("days with data", str(sum(d.has_data for d in summary.days)), "")] if week else [])


OUTCOME_ORDER = (*ReminderOutcome, "open")  # "open": one the monitor is still deciding


def outcomes(counts: dict[str, int]) -> str:
    """``2 acted, 1 snoozed, 1 ignored``: each outcome the reminders had, in a fixed order."""
    return ", ".join(f"{counts[k]} {k}" for k in OUTCOME_ORDER if counts.get(k))


def reasons(seconds: dict[str, float], most: int = 3) -> str:
    """The reasons slouching was judged for, longest first: ``sunk 12 min, head down 45 s``."""
    ranked = sorted(seconds.items(), key=lambda kv: -kv[1])[:most]
    return ", ".join(f"{reason.replace('_', ' ')} {duration(s)}" for reason, s in ranked)


def comparison_note(summary: Summary) -> str:
    """What the change column compares with."""
    n = summary.previous_days
    span = (summary.previous_last - summary.previous_first).days + 1
    if summary.previous_average is None:
        return f"no data in the previous {span} days to compare with"
    what = "daily average" if len(summary.days) > 1 else "the day"
    return (f"change: {what} against the daily average of the previous {span} days "
            f"({n} with data)")


def day_line(day: DayTotals) -> str:
    return (f"{day.day.isoformat() if day.day else '':10}  {duration(day.sitting_s):>12}  "
            f"{duration(day.longest_bout_s):>12}  {day.breaks:>6}  "
            f"{share(day.upright_share):>7}  {day.slouch_episodes:>8}  "
            f"{day.reminders_fired:>3} / {day.reminders_acted}")


DAY_HEADER = (f"{'date':10}  {'sitting':>12}  {'longest':>12}  {'breaks':>6}  "
              f"{'upright':>7}  {'episodes':>8}  reminders")
