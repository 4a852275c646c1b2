"""Wiring: drives frames from capture through the core (analysis, replay of reminders)."""
