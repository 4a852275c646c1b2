"""Subcommands. Each module has ``register(subparsers)`` that adds its parser and handler."""

from __future__ import annotations

from types import ModuleType

from posturewatch.cli import (
    analyze,
    autostart,
    calibrate,
    config,
    export,
    forget,
    guidance,
    look,
    model,
    pause,
    report,
    resume,
    rules,
    run,
    snooze,
    stance,
    status,
    summary,
)

COMMANDS: tuple[ModuleType, ...] = (analyze, calibrate, look, config, guidance, model, rules)
# the history: what the store remembers
COMMANDS += (summary, report, export, forget)
# the background monitor and its controls
COMMANDS += (run, status, pause, resume, snooze, stance, autostart)
