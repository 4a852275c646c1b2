"""Desktop parts: `posturewatch run`'s tray icon, notifications and focus detection; the
window of `posturewatch look`."""
