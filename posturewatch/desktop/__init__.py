"""Desktop parts of `posturewatch run`: tray icon, notifications, focus detection."""
