"""Replay the sitting tracker and the rules over a recorded timeline (``analyze --reminders``).

The footage's own clock drives everything, so a ten-minute clip with short thresholds
shows at which second each reminder would have fired and whether it was acted on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from posturewatch.core.guidance import Catalog
from posturewatch.core.observation import Observation
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.core.typed_settings import Settings
from posturewatch.storage.catalog_file import load_catalog


def replay(
    observations: Iterable[Observation],
    config: Settings,
    *,
    clock_offset_s: float = 0.0,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """JSON-ready ``{"sitting": {...}, "reminders": [...]}`` for time-sorted observations.

    ``clock_offset_s`` maps ``t`` to seconds since a local midnight (for active hours and
    days); 0 makes ``t = 0`` midnight, which the default all-day active hours ignore.
    Outcomes still open when the footage ends stay ``None``.
    """
    engine = RuleEngine(config.rules, catalog or load_catalog(), clock_offset_s=clock_offset_s)
    for obs in observations:
        engine.observe(obs)
    return {
        "sitting": engine.sitting.summary(),
        "reminders": [reminder.to_dict() for reminder in engine.reminders],
    }
