"""Notice a saved change to the settings while ``posturewatch run`` is running."""

from __future__ import annotations

from pathlib import Path

from posturewatch.core.typed_settings import Settings
from posturewatch.storage.config_file import load_settings
from posturewatch.storage.paths import user_config_file


class ConfigWatch:
    """Call :meth:`changed` now and then (a ``stat`` per file): it returns the new settings
    after a saved change, None otherwise, and raises ``ConfigError`` for an invalid edit
    (once per change; the caller keeps the old settings)."""

    def __init__(self, explicit: Path | None) -> None:
        self.files = [user_config_file()] + ([explicit] if explicit is not None else [])
        self.explicit = explicit
        self._seen = self._stamps()

    def _stamps(self) -> tuple[tuple[int, int] | None, ...]:
        stamps = []
        for path in self.files:
            try:
                st = path.stat()
                stamps.append((st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append(None)
        return tuple(stamps)

    def changed(self) -> Settings | None:
        stamps = self._stamps()
        if stamps == self._seen:
            return None
        self._seen = stamps
        return load_settings(self.explicit)
